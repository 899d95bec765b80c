//! Filters decide which findings are reported. Each filter is a small pure function; a dropped
//! finding keeps the reason it was dropped so that it can be explained.

use std::collections::BTreeMap;

use crate::finding::Finding;
use crate::rules::Confidence;

/// Why a finding was not reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DropReason {
    /// Another rule reported the same bytes with more confidence (or a smaller id on a tie).
    Duplicate {
        kept_rule: String,
    },
    BelowMinConfidence {
        min: Confidence,
    },
}

#[derive(Debug, Clone, Copy)]
pub struct FilterOptions {
    pub min_confidence: Confidence,
}

/// Keeps one finding per place: where spans in the same file overlap, the most confident
/// finding wins (then the longest-established order: provider rules before generic ones, then
/// the smaller rule id). Expects nothing about the order of its input; returns it sorted.
pub fn dedup(findings: Vec<Finding>) -> (Vec<Finding>, Vec<(Finding, DropReason)>) {
    let mut ranked = findings;
    ranked.sort_by(|a, b| rank(a).cmp(&rank(b)));
    let mut kept: Vec<Finding> = Vec::with_capacity(ranked.len());
    let mut dropped = Vec::new();
    // Spans claimed in the current file, start -> (end, index in `kept`). Claimed spans never
    // overlap, so only the last one starting before a new span's end can clash with it.
    let mut claimed: BTreeMap<usize, (usize, usize)> = BTreeMap::new();
    let mut path: Option<String> = None;
    for f in ranked {
        if path.as_deref() != Some(f.path.as_str()) {
            claimed.clear();
            path = Some(f.path.clone());
        }
        let clash = claimed
            .range(..f.span.1)
            .next_back()
            .filter(|(_, (end, _))| *end > f.span.0);
        match clash {
            Some((_, &(_, k))) => {
                let reason = DropReason::Duplicate {
                    kept_rule: kept[k].rule.clone(),
                };
                dropped.push((f, reason));
            }
            None => {
                claimed.insert(f.span.0, (f.span.1, kept.len()));
                kept.push(f);
            }
        }
    }
    kept.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    (kept, dropped)
}

/// Order in which overlapping findings claim their bytes: by path, then best first.
fn rank(f: &Finding) -> (&str, std::cmp::Reverse<Confidence>, bool, &str, usize) {
    (
        &f.path,
        std::cmp::Reverse(f.confidence),
        f.rule.starts_with("generic."),
        &f.rule,
        f.span.0,
    )
}

pub fn min_confidence(f: &Finding, opts: &FilterOptions) -> Option<DropReason> {
    (f.confidence < opts.min_confidence).then_some(DropReason::BelowMinConfidence {
        min: opts.min_confidence,
    })
}

/// Runs every filter; returns what is reported and what was dropped, both sorted.
pub fn apply(
    findings: Vec<Finding>,
    opts: &FilterOptions,
) -> (Vec<Finding>, Vec<(Finding, DropReason)>) {
    let (candidates, mut dropped) = dedup(findings);
    let mut kept = Vec::with_capacity(candidates.len());
    for f in candidates {
        match min_confidence(&f, opts) {
            Some(reason) => dropped.push((f, reason)),
            None => kept.push(f),
        }
    }
    dropped.sort_by(|a, b| a.0.sort_key().cmp(&b.0.sort_key()));
    (kept, dropped)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(rule: &str, span: (usize, usize), confidence: Confidence) -> Finding {
        Finding {
            rule: rule.into(),
            provider: String::new(),
            name: String::new(),
            path: "p".into(),
            line: 1,
            column: span.0 + 1,
            end_line: 1,
            end_column: span.1 + 1,
            secret_sha256: String::new(),
            redacted: String::new(),
            secret: None,
            confidence,
            exposure: crate::finding::Exposure::Unknown,
            exposure_reason: String::new(),
            verification: None,
            fingerprint: String::new(),
            commit: None,
            span,
            frame: Default::default(),
            raw: String::new(),
        }
    }

    #[test]
    fn overlapping_findings_keep_the_best() {
        use Confidence::*;
        type Input = &'static [(&'static str, (usize, usize), Confidence)];
        let cases: &[(Input, &[&str])] = &[
            (
                &[("a.x", (0, 10), High), ("generic.y", (0, 20), Low)],
                &["a.x"],
            ),
            (
                &[("generic.y", (0, 20), Low), ("a.x", (5, 10), Medium)],
                &["a.x"],
            ),
            (
                &[("a.x", (0, 10), High), ("b.x", (10, 20), High)],
                &["a.x", "b.x"],
            ),
            (&[("b.x", (0, 10), High), ("a.x", (0, 10), High)], &["a.x"]),
            (
                &[("generic.a", (0, 10), Low), ("z.z", (0, 10), Low)],
                &["z.z"],
            ),
        ];
        for (input, want) in cases {
            let (kept, dropped) = dedup(input.iter().map(|(r, s, c)| f(r, *s, *c)).collect());
            let got: Vec<&str> = kept.iter().map(|k| k.rule.as_str()).collect();
            assert_eq!(&got, want, "{input:?}");
            assert_eq!(kept.len() + dropped.len(), input.len());
        }
    }
}

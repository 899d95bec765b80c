//! Filters decide which findings are reported. Each filter is a small pure function; a dropped
//! finding keeps the reason it was dropped so that it can be explained (`--explain`).
//!
//! Order: duplicates first (so that allowing one rule's finding does not let a weaker rule
//! report the same bytes), then inline markers (in `app`, while the file's bytes are in
//! memory), then published example values, allowlists, the baseline and the minimum
//! confidence.

mod inline;
mod published;

pub use inline::{any_marker, inline_marker};
pub use published::published_example;

use std::collections::BTreeMap;
use std::fmt;

use crate::baseline::{self, Baseline};
use crate::config::{AllowEntry, Excludes};
use crate::finding::Finding;
use crate::rules::published::PublishedExamples;
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
    /// An inline marker (`keyhound:allow`, `gitleaks:allow`, ...) as written, and its line.
    InlineMarker {
        marker: String,
        line: usize,
    },
    /// An `[[allow]]` entry of the configuration: where it is written and its reason.
    Allowlisted {
        at: String,
        reason: String,
    },
    /// An entry of the `--baseline` file.
    Baselined {
        file: String,
        fingerprint: String,
        reason: String,
    },
    /// An `exclude` glob of the configuration, and where it is written.
    PathExcluded {
        glob: String,
        at: String,
    },
    /// The configuration file in use, which is never scanned.
    ConfigFile,
    /// A value a provider or standard publishes as an example (`rules/published-examples.toml`):
    /// who publishes it and where.
    PublishedExample {
        provider: String,
        source: String,
    },
}

impl fmt::Display for DropReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DropReason::Duplicate { kept_rule } => {
                write!(f, "duplicate of a finding of {kept_rule} on the same bytes")
            }
            DropReason::BelowMinConfidence { min } => {
                write!(f, "confidence below the minimum ({min})")
            }
            DropReason::InlineMarker { marker, line } => {
                write!(f, "inline marker `{marker}` on line {line}")
            }
            DropReason::Allowlisted { at, reason } => {
                write!(f, "allowlist entry at {at} ({reason})")
            }
            DropReason::Baselined {
                file,
                fingerprint,
                reason,
            } => {
                write!(f, "baseline entry {fingerprint} in {file}")?;
                if !reason.is_empty() {
                    write!(f, " ({reason})")?;
                }
                Ok(())
            }
            DropReason::PathExcluded { glob, at } => write!(f, "excluded by `{glob}` at {at}"),
            DropReason::ConfigFile => f.write_str("the configuration file in use"),
            DropReason::PublishedExample { provider, source } => {
                write!(f, "published example: {provider}, {source}")
            }
        }
    }
}

/// What the filters after dedup and inline markers check against.
#[derive(Debug, Clone, Copy)]
pub struct FilterOptions<'a> {
    pub min_confidence: Confidence,
    pub allow: &'a [AllowEntry],
    /// The folder allowlist `paths` are relative to (see `Config::relative`).
    pub allow_base: &'a str,
    /// The baseline and the file it was read from.
    pub baseline: Option<(&'a Baseline, &'a str)>,
    /// Published example values, dropped wherever they are found.
    pub published: &'a PublishedExamples,
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
    let mut file: Option<(String, Option<String>)> = None;
    for f in ranked {
        let same = file
            .as_ref()
            .is_some_and(|(p, c)| *p == f.path && *c == f.commit);
        if !same {
            claimed.clear();
            file = Some((f.path.clone(), f.commit.clone()));
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

/// Order in which overlapping findings claim their bytes: by file (a path, and in git modes
/// the commit, since each commit's blob has its own bytes), then best first.
type Rank<'a> = (
    &'a str,
    Option<&'a str>,
    std::cmp::Reverse<Confidence>,
    bool,
    &'a str,
    usize,
);

fn rank(f: &Finding) -> Rank<'_> {
    (
        &f.path,
        f.commit.as_deref(),
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

/// The first `[[allow]]` entry that matches the finding's rule, path and secret; paths are
/// matched relative to `base` (a file outside it matches no path glob).
pub fn allowlisted(f: &Finding, allow: &[AllowEntry], base: &str) -> Option<DropReason> {
    let path = crate::config::relative_to(base, &f.repo_path);
    allow
        .iter()
        .find(|a| a.matches(&f.rule, path, &f.raw))
        .map(|a| DropReason::Allowlisted {
            at: a.at.clone(),
            reason: a.reason.clone(),
        })
}

/// The baseline entry of the finding's rule and secret, wherever the secret now is.
pub fn baselined(f: &Finding, baseline: &Baseline, file: &str) -> Option<DropReason> {
    let fp = baseline::fingerprint(&f.rule, &f.secret_sha256);
    baseline.get(&fp).map(|e| DropReason::Baselined {
        file: file.to_string(),
        fingerprint: e.fingerprint.clone(),
        reason: e.reason.clone(),
    })
}

/// Whether a file is excluded by the configuration (checked before it is read).
pub fn excluded(path: &str, excludes: &Excludes) -> Option<DropReason> {
    if excludes.is_empty() {
        return None;
    }
    excludes
        .matched(path)
        .map(|(glob, at)| DropReason::PathExcluded { glob, at })
}

/// Runs every filter that needs no file bytes; returns what is reported and what was dropped,
/// both sorted.
pub fn apply(
    findings: Vec<Finding>,
    opts: &FilterOptions,
) -> (Vec<Finding>, Vec<(Finding, DropReason)>) {
    let (candidates, mut dropped) = dedup(findings);
    let mut kept = Vec::with_capacity(candidates.len());
    for f in candidates {
        let reason = published_example(&f, opts.published)
            .or_else(|| allowlisted(&f, opts.allow, opts.allow_base))
            .or_else(|| opts.baseline.and_then(|(b, file)| baselined(&f, b, file)))
            .or_else(|| min_confidence(&f, opts));
        match reason {
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
        Finding::for_test(rule, span, 1, "", confidence)
    }

    #[test]
    fn published_examples_are_dropped_only_when_exact() {
        let published = PublishedExamples::builtin().unwrap();
        let opts = FilterOptions {
            min_confidence: Confidence::Low,
            allow: &[],
            allow_base: "",
            baseline: None,
            published: &published,
        };
        let cases: &[(&str, Option<&str>)] = &[
            (
                "AKIAIOSFODNN7EXAMPLE",
                Some("published example: AWS, https://docs.aws.amazon.com/"),
            ),
            ("AKIAIOSFODNN7EXAMPLF", None),
            ("AKIAIOSFODNN7EXAMPL", None),
        ];
        for (raw, want) in cases {
            let x = Finding::for_test(
                "aws.access-key-id",
                (0, raw.len()),
                1,
                raw,
                Confidence::High,
            );
            let (kept, dropped) = apply(vec![x], &opts);
            match want {
                None => assert_eq!((kept.len(), dropped.len()), (1, 0), "{raw}"),
                Some(w) => {
                    let got = dropped[0].1.to_string();
                    assert!(got.starts_with(w), "wanted {w:?}, got {got:?}");
                }
            }
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

    #[test]
    fn the_first_matching_filter_names_the_reason() {
        let config = crate::config::parse(
            "[[allow]]\nreason = \"fixtures\"\npaths = [\"fixtures/**\"]\n",
            "k.toml",
        )
        .unwrap();
        let mut old = f("a.x", (0, 10), Confidence::High);
        old.secret_sha256 = "old".into();
        let b = Baseline::from_findings(&[old]);
        let published = PublishedExamples::builtin().unwrap();
        let opts = FilterOptions {
            min_confidence: Confidence::Medium,
            allow: &config.allow,
            allow_base: "",
            baseline: Some((&b, "b.json")),
            published: &published,
        };
        // (path, secret hash, confidence, expected reason, if dropped)
        let cases: &[(&str, &str, Confidence, Option<&str>)] = &[
            ("src/a", "new", Confidence::High, None),
            (
                "fixtures/x/a",
                "old",
                Confidence::Low,
                Some("allowlist entry at k.toml:1 (fixtures)"),
            ),
            ("src/a", "old", Confidence::Low, Some("baseline entry")),
            (
                "src/a",
                "new",
                Confidence::Low,
                Some("confidence below the minimum (medium)"),
            ),
        ];
        for (path, hash, confidence, want) in cases {
            let mut x = f("a.x", (0, 10), *confidence);
            x.path = path.to_string();
            x.repo_path = path.to_string();
            x.secret_sha256 = hash.to_string();
            let (kept, dropped) = apply(vec![x], &opts);
            match want {
                None => assert_eq!((kept.len(), dropped.len()), (1, 0), "{path} {hash}"),
                Some(w) => {
                    let got = dropped[0].1.to_string();
                    assert!(got.starts_with(w), "wanted {w:?}, got {got:?}");
                }
            }
        }
    }
}

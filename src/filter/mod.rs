//! Filters decide which findings are reported. Each filter is a small pure function; a dropped
//! finding keeps the reason it was dropped so that it can be explained.

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

/// Keeps one finding per (path, secret span): the most confident, then the smallest rule id.
/// Expects findings sorted by [`Finding::sort_key`].
pub fn dedup(findings: Vec<Finding>) -> (Vec<Finding>, Vec<(Finding, DropReason)>) {
    let mut kept: Vec<Finding> = Vec::with_capacity(findings.len());
    let mut dropped = Vec::new();
    let mut by_span: Vec<Finding> = findings;
    by_span.sort_by(|a, b| {
        (&a.path, a.span, std::cmp::Reverse(a.confidence), &a.rule).cmp(&(
            &b.path,
            b.span,
            std::cmp::Reverse(b.confidence),
            &b.rule,
        ))
    });
    for f in by_span {
        match kept.last() {
            Some(k) if k.path == f.path && k.span == f.span => {
                let reason = DropReason::Duplicate {
                    kept_rule: k.rule.clone(),
                };
                dropped.push((f, reason));
            }
            _ => kept.push(f),
        }
    }
    kept.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    (kept, dropped)
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

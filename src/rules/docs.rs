//! `docs/rules.md`, generated from the rule data so that the user docs never drift from what
//! the binary does. A test compares the file with this output; `KEYHOUND_BLESS=1 cargo test`
//! rewrites it.

use std::fmt::Write;

use super::{Check, RuleSet};

/// The catalog as Markdown: one table row per rule, grouped by provider.
pub fn markdown(set: &RuleSet) -> String {
    let mut rules: Vec<_> = set.rules().iter().collect();
    rules.sort_by(|a, b| {
        (a.spec.provider.to_lowercase(), &a.spec.id)
            .cmp(&(b.spec.provider.to_lowercase(), &b.spec.id))
    });
    let mut out = String::new();
    let _ = writeln!(out, "# Rules\n");
    let _ = writeln!(
        out,
        "Generated from `rules/*.toml` by `src/rules/docs.rs`; do not edit by hand (`KEYHOUND_BLESS=1 cargo test --test it docs_rules` rewrites it).\n"
    );
    let _ = writeln!(
        out,
        "{} rules. `keyhound rules explain ID` prints everything about one.\n",
        rules.len()
    );
    let _ = writeln!(
        out,
        "| provider | id | finds | confidence | structure check | verifier |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|");
    for r in rules {
        let s = &r.spec;
        let checks: Vec<&str> = s
            .checks
            .iter()
            .map(|c| match c {
                Check::Base62Crc32 => "CRC32 checksum",
                Check::Jwt => "JWT decodes",
                Check::PemFraming => "PEM framing",
                Check::RandomValue => "random-looking value",
            })
            .collect();
        let context = if s.attribute.is_empty() {
            String::new()
        } else {
            " (provider decided by context)".to_string()
        };
        let _ = writeln!(
            out,
            "| {} | `{}` | {}{} | {} | {} | {} |",
            cell(&s.provider),
            s.id,
            cell(&s.name),
            context,
            s.confidence,
            if checks.is_empty() {
                "-".to_string()
            } else {
                checks.join(", ")
            },
            if s.verify.is_some() || s.attribute.iter().any(|a| a.verify.is_some()) {
                "yes"
            } else {
                "-"
            }
        );
    }
    out
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|")
}

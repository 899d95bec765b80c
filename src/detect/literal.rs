//! Required literals: a byte string that every match of a rule's regex contains. The engine
//! looks for it (with `memchr::memmem`) in a window before it runs the regex there, and skips
//! the window when it is absent.
//!
//! The contract: skipping never loses a finding. A match found in a window lies inside the
//! window, so if the window lacks a literal that every match contains, it holds no match. The
//! literal comes from the regex's syntax tree, and only from nodes that every match passes
//! through (a concatenation's literal children, the inside of a capture group or of a
//! repetition of at least one); alternations and case-insensitive letters add nothing.
//!
//! Why: a pattern such as `marker.{0,600}?env!\(` compiles to a lazy DFA that thrashes its
//! cache and falls back to the slow PikeVM, while `env!` is absent from nearly every window.

use memchr::memmem::Finder;
use regex_syntax::hir::{Hir, HirKind};

/// Literals shorter than this are too common to be worth a look before the regex.
const MIN_LEN: usize = 3;

/// The syntax tree of a rule pattern, parsed with the settings its regex is compiled with
/// (bytes, no Unicode); `None` when it does not parse (the rule loader reports that).
pub fn parse(pattern: &str) -> Option<regex_syntax::hir::Hir> {
    regex_syntax::ParserBuilder::new()
        .utf8(false)
        .unicode(false)
        .build()
        .parse(pattern)
        .ok()
}

/// The longest literal every match of `pattern` contains, as a searcher; `None` when there is
/// none of at least [`MIN_LEN`] bytes (or the pattern does not parse, which the rule loader
/// reports elsewhere). Parsed with the same settings the rule regexes are compiled with.
pub fn required(pattern: &str) -> Option<Finder<'static>> {
    let hir = parse(pattern)?;
    let mut found = Vec::new();
    collect(&hir, &mut found);
    let best = found.into_iter().max_by_key(Vec::len)?;
    (best.len() >= MIN_LEN).then(|| Finder::new(&best).into_owned())
}

/// Pushes the literals that every match of `hir` contains.
fn collect(hir: &Hir, out: &mut Vec<Vec<u8>>) {
    match hir.kind() {
        HirKind::Literal(lit) => out.push(lit.0.to_vec()),
        HirKind::Capture(cap) => collect(&cap.sub, out),
        HirKind::Repetition(rep) if rep.min >= 1 => collect(&rep.sub, out),
        HirKind::Concat(subs) => {
            // Adjacent literal children are already merged by the parser; each child that
            // every match passes through contributes its own required literals.
            for sub in subs {
                collect(sub, out);
            }
        }
        // An alternation requires one of its branches, not any one in particular; classes,
        // look-arounds, empty and optional parts require nothing.
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_longest_literal_every_match_contains() {
        let cases: &[(&str, Option<&str>)] = &[
            (r"sk-[a-f0-9]{32}", Some("sk-")),
            (
                r#"(?s)\b(?:yew|leptos)\b.{0,600}?\b(?:option_)?env!\s*\(\s*"(?P<s>[A-Z]+)""#,
                Some("env!"),
            ),
            (r"(?:ghp|gho)_[A-Za-z0-9]{36}", None),
            (r"(?i)token[=:]\s*(\w+)", None),
            (r"(?:xoxb-)?[0-9]{10}", None),
            (r"(AKIA)+[A-Z0-9]{16}", Some("AKIA")),
            (r"(?x) -----BEGIN \x20 RSA", Some("-----BEGIN RSA")),
            (r"(", None),
        ];
        for (pattern, want) in cases {
            let got = required(pattern).map(|f| String::from_utf8(f.needle().to_vec()).unwrap());
            assert_eq!(got.as_deref(), *want, "{pattern}");
        }
    }
}

//! Every rule carries its own proof: each example must produce a finding of that rule through
//! the whole engine (prefilter, regex, boundary, entropy, placeholder checks), and no negative
//! example may. `keyhound rules check` and the test suite both run this. A finding of a
//! published example value (`rules/published-examples.toml`) counts as not reported, as the
//! filter drops it in every scan.

use crate::chunk::{Chunk, Provenance};

use super::Engine;
use crate::rules::base62_checksum;

/// Rule examples may write `{{checksum:ghp_<30 characters>}}`: the token is completed with its
/// CRC32 checksum when the example runs. Rule files then never hold a token with a valid
/// checksum, which code hosts' push protection would block.
///
/// `{{base64:user:password}}` is replaced by the base64 of the text after `base64:`, for
/// credentials that files hold encoded (Docker's `auth`, Kubernetes Secret `data`), so that rule
/// files show the credential a reader can check, not an opaque blob.
pub fn expand_checksums(text: &str) -> String {
    use base64::Engine as _;
    const B64: &str = "{{base64:";
    let mut text = text.to_string();
    while let Some(at) = text.find(B64) {
        let Some(close) = text[at..].find("}}") else {
            break;
        };
        let encoded =
            base64::engine::general_purpose::STANDARD.encode(&text[at + B64.len()..at + close]);
        text.replace_range(at..at + close + 2, &encoded);
    }
    let text = text.as_str();
    const OPEN: &str = "{{checksum:";
    let mut out = String::with_capacity(text.len() + 8);
    let mut rest = text;
    while let Some(at) = rest.find(OPEN) {
        let Some(close) = rest[at..].find("}}") else {
            break;
        };
        let token = &rest[at + OPEN.len()..at + close];
        let body = token.rsplit('_').next().unwrap_or(token);
        out.push_str(&rest[..at]);
        out.push_str(token);
        out.push_str(
            std::str::from_utf8(&base62_checksum(body.as_bytes())).expect("base62 is ASCII"),
        );
        rest = &rest[at + close + 2..];
    }
    out.push_str(rest);
    out
}

/// One example that did not behave as its rule says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleFailure {
    pub rule: String,
    pub example: String,
    pub problem: String,
}

/// Compiles every rule and runs every example and negative example. Empty when all pass.
pub fn check_rules(engine: &Engine) -> Vec<ExampleFailure> {
    let mut failures = Vec::new();
    let mut scratch = engine.scratch();
    for rule in engine.rules().rules() {
        let id = rule.id();
        if let Err(e) = rule.try_compile() {
            failures.push(ExampleFailure {
                rule: id.into(),
                example: rule.spec.pattern.clone(),
                problem: format!("pattern does not compile: {e:#}"),
            });
            continue;
        }
        if let Err(e) = rule.spec.check_example_path() {
            failures.push(ExampleFailure {
                rule: id.into(),
                example: rule.spec.example_path.clone().unwrap_or_default(),
                problem: format!("{e:#}"),
            });
        }
        for (text, positive) in rule
            .spec
            .examples
            .iter()
            .map(|e| (e, true))
            .chain(rule.spec.negative_examples.iter().map(|e| (e, false)))
        {
            let text = expand_checksums(text);
            let chunk = Chunk {
                provenance: Provenance::File {
                    path: rule
                        .spec
                        .example_path
                        .clone()
                        .unwrap_or_else(|| "example".into()),
                },
                data: text.as_bytes(),
            };
            let found = engine.scan(&chunk, &mut scratch).iter().any(|f| {
                f.rule == id && crate::filter::published_example(f, engine.published()).is_none()
            });
            if found != positive {
                let problem = if positive {
                    "example is not found"
                } else {
                    "negative example is reported"
                };
                failures.push(ExampleFailure {
                    rule: id.into(),
                    example: text,
                    problem: problem.into(),
                });
            }
        }
    }
    failures
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_templates_expand() {
        let t = expand_checksums("T={{checksum:ghp_q8W2e4R6t1Y3u5I7o9P0aSdFgHjKlZ}} x");
        assert!(t.starts_with("T=ghp_q8W2e4R6t1Y3u5I7o9P0aSdFgHjKlZ") && t.ends_with(" x"));
        assert_eq!(t.len(), "T=ghp_q8W2e4R6t1Y3u5I7o9P0aSdFgHjKlZ x".len() + 6);
        assert!(crate::rules::Check::Base62Crc32.passes(&t.as_bytes()[2..t.len() - 2]));
        assert_eq!(expand_checksums("plain"), "plain");
        assert_eq!(
            expand_checksums("auth={{base64:ci:Tz8L}}."),
            "auth=Y2k6VHo4TA==."
        );
    }
}

//! Every rule carries its own proof: each example must produce a finding of that rule through
//! the whole engine (prefilter, regex, boundary, entropy, placeholder checks), and no negative
//! example may. `keyhound rules check` and the test suite both run this.

use crate::chunk::{Chunk, Provenance};

use super::Engine;

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
        for (text, positive) in rule
            .spec
            .examples
            .iter()
            .map(|e| (e, true))
            .chain(rule.spec.negative_examples.iter().map(|e| (e, false)))
        {
            let chunk = Chunk {
                provenance: Provenance::File {
                    path: "example".into(),
                },
                data: text.as_bytes(),
            };
            let found = engine
                .scan(&chunk, &mut scratch)
                .iter()
                .any(|f| f.rule == id);
            if found != positive {
                let problem = if positive {
                    "example is not found"
                } else {
                    "negative example is reported"
                };
                failures.push(ExampleFailure {
                    rule: id.into(),
                    example: text.clone(),
                    problem: problem.into(),
                });
            }
        }
    }
    failures
}

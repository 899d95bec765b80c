//! Published example values: a finding whose secret is exactly a value a provider or standard
//! publishes as an example (`rules/published-examples.toml`) is not a leak. It is dropped
//! wherever it is, in docs and tests as in server code, with the provider and the page that
//! publishes it, so that `--explain` says why.
//!
//! Dropped everywhere rather than kept at low confidence in docs and tests: the value grants
//! nothing anywhere, and a low finding would still fail a CI run at the default minimum
//! confidence. Only an exact match counts; a value one character away is reported.

use super::DropReason;
use crate::finding::Finding;
use crate::rules::published::PublishedExamples;

pub fn published_example(f: &Finding, examples: &PublishedExamples) -> Option<DropReason> {
    examples.get(&f.raw).map(|e| DropReason::PublishedExample {
        provider: e.provider.clone(),
        source: e.source.clone(),
    })
}

#[cfg(test)]
mod tests {
    use crate::chunk::{Chunk, Provenance};
    use crate::detect::{DetectOptions, Engine};
    use crate::rules::RuleSet;

    /// A listed value that no rule reports would be dead weight: every value must reach the
    /// filter as a finding of some built-in rule (the placeholder check lets listed values by).
    #[test]
    fn every_listed_value_is_found_by_a_builtin_rule() {
        let engine = Engine::new(RuleSet::builtin().unwrap(), DetectOptions::default()).unwrap();
        let mut scratch = engine.scratch();
        for e in engine.published().entries() {
            let v = &e.value;
            // The variable name each shape is usually assigned to (as in tests/it/published.rs).
            let base64 = |v: &str| {
                v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'/' || b == b'+' || b == b'=')
            };
            let name = match v {
                v if v.starts_with("AKIA") => "AWS_ACCESS_KEY_ID",
                v if v.starts_with("eyJ") => "AUTH_TOKEN",
                v if v.starts_with("sk_") => "STRIPE_SECRET_KEY",
                v if v.starts_with("key-") => "MAILGUN_API_KEY",
                v if v.starts_with("test_") || v.starts_with("live_") => "LOB_API_KEY",
                v if v.starts_with("AIza") => "GOOGLE_API_KEY",
                v if v.matches('.').count() == 2 => "DISCORD_BOT_TOKEN",
                v if v.len() == 88 && v.ends_with("==") && base64(v) => "AZURE_STORAGE_KEY",
                v if v.len() == 40 && base64(v) => "AWS_SECRET_ACCESS_KEY",
                v if v.len() == 40 => "CLOUDFLARE_API_TOKEN",
                _ => "API_SECRET",
            };
            let text = format!("{name} = \"{v}\"\n");
            let chunk = Chunk {
                provenance: Provenance::File {
                    path: "config/settings.py".into(),
                },
                data: text.as_bytes(),
            };
            let found = engine.scan(&chunk, &mut scratch);
            assert!(found.iter().any(|f| &f.raw == v), "{v} is found by no rule");
        }
    }
}

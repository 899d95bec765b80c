//! Published example credentials: values that providers and standards print in their own
//! documentation (AWS's `AKIAIOSFODNN7EXAMPLE`, jwt.io's sample token, RFC test vectors), read
//! from `rules/published-examples.toml`, each with the page that publishes it.
//!
//! The contract: a value matches only when it is byte-for-byte equal to a listed one, so a key
//! that differs from an example by one character is still a key. The table is parsed once,
//! when the engine is built; a lookup is one hash of the secret, made only for findings (and
//! for the rare value the placeholder check would reject), never per byte scanned.

use std::collections::HashMap;

use anyhow::{ensure, Context, Result};
use serde::Deserialize;

/// The file's name in `rules/`; build.rs leaves it out of the rule files.
pub const FILE_NAME: &str = "published-examples.toml";

const BUILTIN: &str = include_str!("../../rules/published-examples.toml");

/// One published value and where it is published.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublishedExample {
    pub value: String,
    /// Who publishes it: a provider or a standard.
    pub provider: String,
    /// An https URL of the page that shows the value verbatim.
    pub source: String,
    /// Where on that page, or what the value is.
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExampleFile {
    #[serde(default)]
    example: Vec<PublishedExample>,
}

/// The published examples, looked up by value.
#[derive(Debug, Default)]
pub struct PublishedExamples {
    entries: Vec<PublishedExample>,
    by_value: HashMap<String, usize>,
}

impl PublishedExamples {
    /// The list embedded in the binary.
    pub fn builtin() -> Result<PublishedExamples> {
        Self::parse(BUILTIN, &format!("rules/{FILE_NAME} (built in)"))
    }

    /// Parses and checks a list: every entry has a value, a provider and an https source, and
    /// no value is listed twice. `origin` names the text in errors.
    pub fn parse(text: &str, origin: &str) -> Result<PublishedExamples> {
        let file: ExampleFile =
            toml::from_str(text).with_context(|| format!("{origin}: not a valid example list"))?;
        let mut by_value = HashMap::with_capacity(file.example.len());
        for (i, e) in file.example.iter().enumerate() {
            let at = || format!("{origin}: example {}", i + 1);
            ensure!(!e.value.is_empty(), "{}: `value` is empty", at());
            ensure!(!e.provider.is_empty(), "{}: `provider` is empty", at());
            ensure!(
                e.source.starts_with("https://"),
                "{}: `source` must be an https URL, not {:?}",
                at(),
                e.source
            );
            ensure!(
                by_value.insert(e.value.clone(), i).is_none(),
                "{}: the value is listed twice",
                at()
            );
        }
        Ok(PublishedExamples {
            entries: file.example,
            by_value,
        })
    }

    /// The entry whose value is exactly `secret`.
    pub fn get(&self, secret: &str) -> Option<&PublishedExample> {
        if self.entries.is_empty() {
            return None;
        }
        self.by_value.get(secret).map(|&i| &self.entries[i])
    }

    /// Whether the bytes are exactly a listed value.
    pub fn contains(&self, secret: &[u8]) -> bool {
        std::str::from_utf8(secret).is_ok_and(|s| self.get(s).is_some())
    }

    /// Every entry, in file order.
    pub fn entries(&self) -> &[PublishedExample] {
        &self.entries
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_list_parses_and_every_entry_is_sourced() {
        let list = PublishedExamples::builtin().unwrap();
        assert!(!list.entries().is_empty());
        for e in list.entries() {
            assert!(!e.value.is_empty() && !e.provider.is_empty(), "{e:?}");
            assert!(e.source.starts_with("https://"), "{e:?}");
            assert_eq!(list.get(&e.value), Some(e));
        }
    }

    #[test]
    fn lookups_are_exact() {
        let list = PublishedExamples::parse(
            "[[example]]\nvalue = \"AKIAIOSFODNN7EXAMPLE\"\nprovider = \"AWS\"\nsource = \"https://docs.aws.amazon.com/\"\n",
            "t.toml",
        )
        .unwrap();
        assert!(list.contains(b"AKIAIOSFODNN7EXAMPLE"));
        for near in [
            "AKIAIOSFODNN7EXAMPLF",
            "AKIAIOSFODNN7EXAMPL",
            "AKIAIOSFODNN7EXAMPLE ",
            "akiaiosfodnn7example",
        ] {
            assert!(!list.contains(near.as_bytes()), "{near}");
        }
    }

    #[test]
    fn bad_lists_are_refused() {
        let cases = [
            ("[[example]]\nvalue = \"v\"\nprovider = \"P\"\n", "source"),
            (
                "[[example]]\nvalue = \"v\"\nprovider = \"P\"\nsource = \"http://x\"\n",
                "https",
            ),
            (
                "[[example]]\nvalue = \"\"\nprovider = \"P\"\nsource = \"https://x\"\n",
                "`value` is empty",
            ),
            (
                "[[example]]\nvalue = \"v\"\nprovider = \"P\"\nsource = \"https://x\"\n[[example]]\nvalue = \"v\"\nprovider = \"Q\"\nsource = \"https://y\"\n",
                "listed twice",
            ),
            ("[[example]]\nvalue = \"v\"\nprovider = \"P\"\nsource = \"https://x\"\nlink = 1\n", "link"),
        ];
        for (text, want) in cases {
            let err = format!(
                "{:#}",
                PublishedExamples::parse(text, "t.toml").unwrap_err()
            );
            assert!(err.contains(want), "wanted {want:?} in {err:?}");
        }
    }
}

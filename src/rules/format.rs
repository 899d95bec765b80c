//! The on-disk shape of a rule file and the checks every rule passes before it is used.
//! `docs/rule-format.md` documents each field; keep the two in step.

use std::collections::BTreeMap;

use anyhow::{bail, ensure, Result};
use serde::{Deserialize, Serialize};

use super::{Check, Confidence};

/// A rule file: a list of `[[rule]]` tables.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    #[serde(default)]
    pub rule: Vec<RuleSpec>,
}

fn default_true() -> bool {
    true
}

fn default_window() -> [usize; 2] {
    [64, 256]
}

fn default_classes() -> u8 {
    1
}

/// One rule as written in TOML.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// Unique, lowercase, dotted: `provider.kind`.
    pub id: String,
    /// Who issues the key. For a shape several providers share, the undecided name
    /// ("DeepSeek or DashScope"); `attribute` entries then name the provider context picks.
    pub provider: String,
    /// Short human name: "DeepSeek API key".
    pub name: String,
    /// What the rule finds and why it matters, one or two sentences.
    pub description: String,
    /// Prefilter literals, matched ASCII case-insensitively. The regex runs only in a window
    /// around a hit. Rare anchors (key prefixes) make a rule cheap; a context word
    /// (`mistral`) is allowed when the key itself has no prefix, and the rule must say so in
    /// its description.
    pub keywords: Vec<String>,
    /// Bytes searched before and after each keyword hit.
    #[serde(default = "default_window")]
    pub window: [usize; 2],
    /// The regex (Rust `regex` syntax, bytes mode). The secret is the group named `secret`,
    /// else group 1, else the whole match.
    pub pattern: String,
    /// The secret must not be glued to letters or digits on either side (`task-` does not
    /// start an `sk-` key). Escapes such as `\n` and `%3D` before it count as a boundary.
    #[serde(default = "default_true")]
    pub boundary: bool,
    /// Minimum Shannon entropy of the secret, in bits per character.
    #[serde(default)]
    pub min_entropy: f64,
    /// How many of the classes lowercase, uppercase and digit the secret must mix.
    #[serde(default = "default_classes")]
    pub min_char_classes: u8,
    pub confidence: Confidence,
    /// Confidence when the finding sits in tests or docs, for keys that projects publish on
    /// purpose as test vectors there (private keys, JWTs). Unset: exposure does not change it.
    #[serde(default)]
    pub test_confidence: Option<Confidence>,
    /// Structural checks the secret must pass (`base62-crc32`, `jwt`, `pem-framing`).
    #[serde(default)]
    pub checks: Vec<Check>,
    /// Context that decides the provider of a shared shape, tried nearest-first.
    #[serde(default)]
    pub attribute: Vec<Attribution>,
    /// Where the owner revokes or rotates the key, and what to do instead of hardcoding it.
    pub remediation: String,
    pub references: Vec<String>,
    /// Synthetic text that must produce a finding of this rule through the whole engine.
    pub examples: Vec<String>,
    /// Synthetic text that must not.
    pub negative_examples: Vec<String>,
    /// How to ask the provider whether the key is live. Honoured only from built-in rules or
    /// an operator's `--rules` file, never from configuration found in the scanned tree.
    #[serde(default)]
    pub verify: Option<VerifySpec>,
}

/// "If one of these words is in the same file, the key belongs to `provider`."
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Attribution {
    pub provider: String,
    /// Words looked up anywhere in the file, ASCII case-insensitively.
    pub context: Vec<String>,
    /// Confidence when this context decides; defaults to high.
    #[serde(default)]
    pub confidence: Option<Confidence>,
}

/// A data-described HTTP verifier (used by `--verify`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct VerifySpec {
    pub method: String,
    pub url: String,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    #[serde(default)]
    pub body: Option<String>,
    pub live: Vec<u16>,
    pub dead: Vec<u16>,
}

impl RuleSpec {
    pub(super) fn validate(&self) -> Result<()> {
        let id_ok = !self.id.is_empty()
            && self.id.split('.').count() >= 2
            && self.id.chars().all(|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_')
            });
        ensure!(
            id_ok,
            "the id must be lowercase and dotted like `provider.kind`"
        );
        ensure!(!self.provider.trim().is_empty(), "`provider` is empty");
        ensure!(!self.name.trim().is_empty(), "`name` is empty");
        ensure!(
            !self.description.trim().is_empty(),
            "`description` is empty"
        );
        ensure!(
            !self.remediation.trim().is_empty(),
            "`remediation` is empty: say where to revoke the key"
        );
        if self.keywords.is_empty() {
            bail!(
                "a rule needs at least one keyword: without one the regex would run on every byte"
            );
        }
        for k in &self.keywords {
            ensure!(
                k.len() >= 3,
                "keyword {k:?} is shorter than 3 bytes and would fire everywhere"
            );
            ensure!(k.is_ascii(), "keyword {k:?} is not ASCII");
        }
        ensure!(
            self.window[0] <= 4096 && self.window[1] <= 65536,
            "`window` is larger than [4096, 65536]"
        );
        ensure!(
            self.min_char_classes <= 3,
            "`min_char_classes` is at most 3"
        );
        ensure!(
            (0.0..=8.0).contains(&self.min_entropy),
            "`min_entropy` must lie between 0 and 8"
        );
        ensure!(
            !self.examples.is_empty(),
            "a rule needs at least one example"
        );
        ensure!(
            !self.negative_examples.is_empty(),
            "a rule needs at least one negative example"
        );
        ensure!(
            !self.references.is_empty(),
            "a rule needs at least one reference"
        );
        for a in &self.attribute {
            ensure!(
                !a.context.is_empty(),
                "an `attribute` entry for {} has no context words",
                a.provider
            );
            for w in &a.context {
                ensure!(
                    w.len() >= 3 && w.is_ascii(),
                    "context word {w:?} must be ASCII and 3 bytes or longer"
                );
            }
        }
        Ok(())
    }
}

/// Syntax errors in operator and configuration rules surface at load time; compiling (and the
/// size limit) happens in `Rule::try_compile`, lazily for built-ins. Built-in patterns are
/// not parsed at start-up: `rules check` and the test suite compile every one of them.
pub(super) fn regex_syntax_check(pattern: &str) -> Result<()> {
    // Parsing is much cheaper than compiling; it catches typos in user rules at start-up.
    regex_syntax::ParserBuilder::new()
        .utf8(false)
        .unicode(false)
        .build()
        .parse(pattern)
        .map(|_| ())
        .map_err(|e| anyhow::anyhow!("invalid pattern: {e}"))
}

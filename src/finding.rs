//! A finding: one secret at one place, with everything every reporter needs. This is the JSON
//! contract (`version: 1`) of `--format json`: fields are added, never renamed or removed.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::rules::Confidence;

/// Where the key would end up if the code ships.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Exposure {
    Client,
    Server,
    Test,
    Docs,
    Unknown,
}

/// A severity an operator sets for a rule in `.keyhound.toml` (`[severity]`), overriding the
/// one keyhound derives from confidence and exposure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    /// The severity a `security-severity` score falls in (GitHub's ranges).
    pub fn of_score(score: f64) -> Severity {
        match score {
            s if s >= 9.0 => Severity::Critical,
            s if s >= 7.0 => Severity::High,
            s if s >= 4.0 => Severity::Medium,
            _ => Severity::Low,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
        }
    }

    /// The SARIF `security-severity` score reported for this severity (GitHub's ranges).
    pub fn score(self) -> f64 {
        match self {
            Severity::Critical => 9.5,
            Severity::High => 8.0,
            Severity::Medium => 5.5,
            Severity::Low => 2.0,
        }
    }
}

/// Result of asking the provider whether a key works (`--verify`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VerificationStatus {
    Live,
    Dead,
    Unknown,
}

impl VerificationStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            VerificationStatus::Live => "live",
            VerificationStatus::Dead => "dead",
            VerificationStatus::Unknown => "unknown",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verification {
    pub status: VerificationStatus,
    pub detail: String,
    /// What a live key can do, as far as the provider's answer says; null when the key is not
    /// live or its verifier reads nothing of the kind.
    #[serde(default)]
    pub access: Option<Access>,
}

/// What a live key can do (`verification.access`), read from the provider's answer to the
/// verification request. Every text in it came from the provider, and has been scrubbed of the
/// secret and had its control characters escaped before it was put here.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Access {
    /// Whose key it is: a login, user, account or ARN.
    pub identity: Option<String>,
    /// What the key was granted (OAuth scopes, a token role), as the provider names them.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Whether the key has administrative or broad write power; null when the answer does not
    /// tell.
    pub admin: Option<bool>,
    /// When the key stops working, RFC 3339 in UTC; null when it does not expire or the answer
    /// does not say.
    pub expires_at: Option<String>,
    /// Whatever else the provider says about the key (balance, mode, team), by name.
    #[serde(default)]
    pub details: std::collections::BTreeMap<String, serde_json::Value>,
}

/// What git modes add to a finding (every field absent outside them).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct GitInfo {
    /// `Name <email>` of the commit's author.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// The commit's date, RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// `--history`: whether this path still holds the secret in the tree of HEAD (or of
    /// `--branch`); the same secret at another path has its own answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub present_at_head: Option<bool>,
    /// `--max-age`: whole days since the commit that first added the secret, at any path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age_days: Option<u64>,
    /// `--max-age`: still present at HEAD and older than the limit: rotate it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotation_overdue: Option<bool>,
}

/// The source line around a finding, with the secret already redacted, for code frames.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Frame {
    /// The (possibly cut) line; never holds the secret unless `--show-secrets`.
    pub text: String,
    /// Character offset of the secret in `text`, and its length in characters.
    pub start: usize,
    pub len: usize,
    /// Whether `text` was cut at the start or end of the line.
    pub cut_start: bool,
    pub cut_end: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub rule: String,
    pub provider: String,
    /// The rule's short human name.
    pub name: String,
    /// The scan root as typed joined with the rest (`scan sub` gives `sub/app.env`),
    /// `/`-separated; in git modes, relative to the work tree.
    pub path: String,
    /// Relative to the git work tree (outside git: the current folder, or the scan root when
    /// the file lies outside it): the path SARIF and GitHub annotations use.
    #[serde(default)]
    pub repo_path: String,
    /// 1-based; columns count Unicode code points.
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub secret_sha256: String,
    pub redacted: String,
    /// Only with `--show-secrets`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    pub confidence: Confidence,
    pub exposure: Exposure,
    pub exposure_reason: String,
    pub verification: Option<Verification>,
    /// Stable across runs and line moves: rule, secret and path.
    pub fingerprint: String,
    /// Git modes: the commit that added the secret (full id); null when scanning files.
    pub commit: Option<String>,
    /// Git modes: who and when, whether the secret is still there, and its age.
    #[serde(flatten)]
    pub git: GitInfo,
    /// The encoding that hid the secret (`base64`, `hex`, `percent-encoding`, or a chain such
    /// as `base64+percent-encoding`); the position is then that of the encoded span.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
    /// How bad the finding is: the rule's override in `.keyhound.toml`, else derived from
    /// confidence and exposure (and verification). Every finding carries one.
    #[serde(default = "unset_severity")]
    pub severity: Severity,
    /// The severity `.keyhound.toml` sets for this finding's rule, if any.
    #[serde(skip)]
    pub severity_override: Option<Severity>,
    /// Byte range of the secret in its file.
    #[serde(skip)]
    pub span: (usize, usize),
    #[serde(skip)]
    pub frame: Frame,
    /// The secret itself, kept in memory for filters and verification; printed only with
    /// `--show-secrets` (then copied into `secret`).
    #[serde(skip)]
    pub raw: String,
    /// The value the rule's verifier pairs with the secret (an AWS access key id next to its
    /// secret), found while the file's bytes were at hand; only `--verify` uses it.
    #[serde(skip)]
    pub partner: Option<String>,
    /// The line of that partner, when one was found (a paired secret's access key id or
    /// Account SID); the partner's value itself is not printed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_line: Option<usize>,
    /// The file whose mention of a provider decided this finding's provider, when its own
    /// file names none (a bare DeepSeek-shaped key whose folder's README or client names
    /// DeepSeek); null when the finding's own file decided it or nothing did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributed_by: Option<String>,
    /// The archive file (or blob) the secret was found in, as `path` names it before the `!`
    /// (`dist/app.apk`); absent for a secret in an ordinary file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archive: Option<String>,
    /// The member of `archive` that holds the secret, nested archives joined by `!`
    /// (`lib/x.jar!config.properties`); `line` and `column` are inside it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<String>,
    /// The repository the finding is in (`--repository`; by default the work tree's origin
    /// URL without credentials, else its folder name; absent outside git), so that one report
    /// can hold many repositories (`keyhound merge`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
}

fn unset_severity() -> Severity {
    Severity::Medium
}

impl Finding {
    /// The order every reporter prints in: path, line, column, rule (then commit).
    pub fn sort_key(&self) -> (&str, usize, usize, &str, Option<&str>) {
        (
            &self.path,
            self.line,
            self.column,
            &self.rule,
            self.commit.as_deref(),
        )
    }
}

#[cfg(test)]
impl Finding {
    /// A finding of `rule` at `span` in file `p` holding `raw`, the rest empty: what filter
    /// tests look at.
    pub(crate) fn for_test(
        rule: &str,
        span: (usize, usize),
        line: usize,
        raw: &str,
        confidence: Confidence,
    ) -> Finding {
        Finding {
            rule: rule.into(),
            provider: String::new(),
            name: String::new(),
            path: "p".into(),
            repo_path: "p".into(),
            line,
            column: span.0 + 1,
            end_line: line,
            end_column: span.1 + 1,
            secret_sha256: String::new(),
            redacted: String::new(),
            secret: None,
            confidence,
            exposure: Exposure::Unknown,
            exposure_reason: String::new(),
            verification: None,
            fingerprint: String::new(),
            commit: None,
            git: GitInfo::default(),
            encoding: None,
            severity: Severity::Medium,
            severity_override: None,
            span,
            frame: Frame::default(),
            raw: raw.into(),
            partner: None,
            partner_line: None,
            attributed_by: None,
            archive: None,
            member: None,
            repository: None,
        }
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut s = String::with_capacity(64);
    for b in digest {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// A fingerprint that survives line moves and reruns: rule id, secret hash and path.
pub fn fingerprint(rule: &str, secret_sha256: &str, path: &str) -> String {
    let mut h = Sha256::new();
    for part in ["keyhound/v1", rule, secret_sha256, path] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    h.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Shows at most the first 6 characters and never more than a quarter of the secret.
pub fn redact(secret: &str) -> String {
    let n = secret.chars().count();
    let keep = (n / 4).min(6);
    let mut out: String = secret.chars().take(keep).collect();
    out.push_str("****");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_shows_only_a_short_prefix() {
        let cases = [
            ("sk-0123456789abcdef0123456789abcdef", "sk-012****"),
            ("abcd", "a****"),
            ("abc", "****"),
            ("", "****"),
        ];
        for (secret, want) in cases {
            assert_eq!(redact(secret), want, "{secret}");
        }
    }

    #[test]
    fn fingerprints_depend_on_rule_secret_and_path_only() {
        let a = fingerprint("r.x", "aa", "p");
        assert_eq!(a, fingerprint("r.x", "aa", "p"));
        assert_ne!(a, fingerprint("r.y", "aa", "p"));
        assert_ne!(a, fingerprint("r.x", "ab", "p"));
        assert_ne!(a, fingerprint("r.x", "aa", "q"));
        assert_eq!(a.len(), 32);
    }
}

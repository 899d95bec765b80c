//! The on-disk shape of a rule file and the checks every rule passes before it is used.
//! `docs/rule-format.md` documents each field; keep the two in step.

use std::collections::BTreeMap;

use anyhow::{bail, ensure, Context, Result};
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
    /// What the rule finds and why it matters, one or two sentences. Empty in built-in rules
    /// loaded for a scan, as are `remediation` and `references`: [`super::Rule::description`]
    /// and its siblings read them.
    #[serde(default)]
    pub description: String,
    /// Prefilter literals, matched ASCII case-insensitively. The regex runs only in a window
    /// around a hit. Rare anchors (key prefixes) make a rule cheap; a context word
    /// (`mistral`) is allowed when the key itself has no prefix, and the rule must say so in
    /// its description.
    pub keywords: Vec<String>,
    /// Globs naming the only files this rule applies to (`.netrc`, `.docker/config.json`,
    /// `*.ppk`): a glob without `/` matches the file name, one with `/` the end of the path.
    /// With no `keywords`, the pattern runs over the whole of each such file (credential files
    /// that tools write have a fixed name and are small); with keywords, it runs at their hits
    /// as usual, but only in these files.
    #[serde(default)]
    pub files: Vec<String>,
    /// The path `rules check` gives the examples of a rule with `files` (it must match them).
    #[serde(default)]
    pub example_path: Option<String>,
    /// A format handler that finds the candidate secrets at the keyword hits instead of the
    /// pattern (`kubernetes-secret-data`: the entries of a Secret's `data`); the pattern is
    /// then empty. The candidates pass `decode` and the checks like a pattern's matches.
    #[serde(default)]
    pub handler: Option<String>,
    /// How the secret group is encoded in the file (`base64`, or `base64-user-password` for
    /// `user:password`, as in Docker's `auth` and `.npmrc`'s `_auth`): it is decoded before
    /// the checks, and the decoded secret (the password) is what the finding holds.
    #[serde(default)]
    pub decode: Option<Decode>,
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
    /// The match is code, not a secret value (a public env reference, an SDK flag, a plain
    /// `http://` URL): it is shown as it is, in its own frame, in `redacted` and in other
    /// findings' frames on the same line.
    #[serde(default)]
    pub reveal: bool,
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
    #[serde(default)]
    pub remediation: String,
    #[serde(default)]
    pub references: Vec<String>,
    /// Synthetic text that must produce a finding of this rule through the whole engine.
    /// Empty in built-in rules loaded for a scan ([`super::RuleSet::with_files_and_config`]).
    #[serde(default)]
    pub examples: Vec<String>,
    /// Synthetic text that must not.
    #[serde(default)]
    pub negative_examples: Vec<String>,
    /// How to ask the provider whether the key is live. Honoured only from built-in rules or
    /// an operator's `--rules` file, never from configuration found in the scanned tree. Boxed:
    /// it is most of a rule's size, and a scan without `--verify` never reads it.
    #[serde(default)]
    pub verify: Option<Box<VerifySpec>>,
    /// A paired secret: a generic shape (32 hex, 40 base64) reported only where its partner
    /// identifier (an AWS access key id, a Twilio Account SID) is within `window` bytes,
    /// whatever the variables are called. The keywords are the partner's first bytes: the
    /// pattern runs only around keyword hits where the partner's pattern matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pair: Option<Partner>,
}

/// How a rule's secret group is encoded in the file ([`RuleSpec::decode`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Decode {
    /// Standard or URL-safe base64, padded or not: the decoded bytes are the secret.
    Base64,
    /// Base64 of `user:password`: the password is the secret (HTTP Basic, Docker `auth`).
    Base64UserPassword,
}

impl Decode {
    /// The secret inside an encoded value, or `None` when it does not decode to text of the
    /// expected shape.
    pub fn decode(self, encoded: &[u8]) -> Option<Vec<u8>> {
        use base64::Engine as _;
        let trimmed: Vec<u8> = encoded
            .iter()
            .copied()
            .filter(|b| !b.is_ascii_whitespace())
            .collect();
        let unpadded = trimmed
            .strip_suffix(b"==")
            .or_else(|| trimmed.strip_suffix(b"="));
        let body = unpadded.unwrap_or(&trimmed);
        let bytes = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(body)
            .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(body))
            .ok()?;
        // A password or token is printable text; binary after decoding is something else.
        if bytes.is_empty() || bytes.iter().any(|&b| b < 0x20 && b != b'\t') {
            return None;
        }
        std::str::from_utf8(&bytes).ok()?;
        match self {
            Decode::Base64 => Some(bytes),
            Decode::Base64UserPassword => {
                let colon = bytes.iter().position(|&b| b == b':')?;
                Some(bytes[colon + 1..].to_vec())
            }
        }
    }

    /// The name a finding's `encoding` field gives.
    pub fn name(self) -> &'static str {
        "base64"
    }

    /// What `rules explain` says of it.
    pub fn describe(self) -> &'static str {
        match self {
            Decode::Base64 => "base64",
            Decode::Base64UserPassword => "base64 of user:password (the password is the secret)",
        }
    }
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
    /// What to do when this context decides, when it differs from the rule's `remediation`
    /// (which then covers the undecided case).
    #[serde(default)]
    pub remediation: Option<String>,
    /// How to verify the key for this provider. When context decides nothing, `--verify`
    /// tries each attribution's verifier in turn and the finding takes the provider that
    /// answers live.
    #[serde(default)]
    pub verify: Option<Box<VerifySpec>>,
}

/// A data-described HTTP verifier (used by `--verify`). `docs/verification.md` explains how a
/// response becomes live, dead or unknown.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct VerifySpec {
    /// The provider id `--verify-endpoint` names and the rate limit counts by; defaults to the
    /// first segment of the rule id (`deepseek` for `deepseek.api-key`).
    #[serde(default)]
    pub id: Option<String>,
    /// `GET`, `POST` or `HEAD`.
    pub method: String,
    /// An `https://` URL; `{secret}` and `{partner}` are replaced (percent-encoded).
    pub url: String,
    /// Request headers; `{secret}` and `{partner}` are replaced.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Request body; `{secret}` and `{partner}` are replaced.
    #[serde(default)]
    pub body: Option<String>,
    /// `[user, password]` sent as HTTP Basic authentication, with placeholders replaced.
    #[serde(default)]
    pub basic_auth: Option<[String; 2]>,
    /// A code verifier that signs the request: `aws-sigv4` (the secret is the secret access
    /// key, the partner the access key id).
    #[serde(default)]
    pub signer: Option<String>,
    /// A second value the request needs (an id paired with the secret), found near the secret
    /// in the same file.
    #[serde(default)]
    pub partner: Option<Partner>,
    /// Statuses that mean the key works (subject to `live_if`).
    pub live: Vec<u16>,
    /// Statuses that mean the key is refused. Anything else is unknown.
    pub dead: Vec<u16>,
    /// JSON fields a live status must also show (`{ ok = true }`); otherwise the answer is
    /// dead when `dead_if` matches, else unknown. A list of values means any of them.
    #[serde(default)]
    pub live_if: BTreeMap<String, serde_json::Value>,
    /// JSON fields that make an answer dead whatever its status (`{ error = ["invalid_auth"] }`).
    #[serde(default)]
    pub dead_if: BTreeMap<String, serde_json::Value>,
    /// JSON fields of a live answer shown in the detail: dotted paths, `[]` for every element
    /// of an array (`balance_infos[].currency`).
    #[serde(default)]
    pub detail_json: Vec<String>,
    /// XML elements of a live answer shown in the detail (`Arn`).
    #[serde(default)]
    pub detail_xml: Vec<String>,
    /// Response headers of a live answer shown in the detail (`X-OAuth-Scopes`).
    #[serde(default)]
    pub detail_headers: Vec<String>,
    /// What a live answer says the key can do (`verification.access`).
    #[serde(default)]
    pub access: Option<AccessSpec>,
    /// What the body of an answer with a live status must be for the key to be shown live:
    /// `json` (the default), `xml` (the default when the verifier reads XML), or `any` (the
    /// status decides alone: an endpoint that answers with no body or plain text; the default
    /// for `HEAD`). A body of the wrong kind (a captive portal's HTML page, a proxy's error
    /// text, a body cut short) makes the answer unknown, never live.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<AnswerKind>,
    /// The body of a live answer as the provider's API reference documents it. The verifier
    /// test (tests/it/verifiers.rs) serves it and checks that it reads as live, with its
    /// details; without one the test makes a body up from the fields the verifier reads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample: Option<String>,
}

/// What the body of a live answer must be ([`VerifySpec::answer`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AnswerKind {
    /// A JSON document.
    Json,
    /// An XML document (not an HTML page).
    Xml,
    /// Anything, or nothing: the status decides alone.
    Any,
}

impl AnswerKind {
    pub fn name(self) -> &'static str {
        match self {
            AnswerKind::Json => "json",
            AnswerKind::Xml => "xml",
            AnswerKind::Any => "any",
        }
    }
}

/// Where `verification.access` is read from in a live answer. Every value is named by a
/// source: `json:PATH` (a dotted path as in `detail_json`), `header:NAME`, `xml:ELEMENT`, or
/// `value:TEXT` (a constant, for what the rule itself knows, such as a key's mode).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AccessSpec {
    /// Whose key it is; the first source that holds a value wins.
    #[serde(default)]
    pub identity: Vec<String>,
    /// What the key was granted; every source's values, split at commas.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Scopes that make the key an admin key (`admin:org`); a trailing `*` matches any rest
    /// (`admin.*`). When some scope source was in the answer and none of these is among its
    /// scopes, `admin` is false.
    #[serde(default)]
    pub admin_scopes: Vec<String>,
    /// Scopes that do not say what the key may do (Hugging Face's `fineGrained` role): with one
    /// of them and no admin scope, `admin` stays null.
    #[serde(default)]
    pub opaque_scopes: Vec<String>,
    /// What `admin` is when no admin scope says otherwise: for keys whose kind decides it
    /// (an Anthropic admin key).
    #[serde(default)]
    pub admin: Option<bool>,
    /// JSON fields of the answer that say whether the key's owner is an admin
    /// (`{ "data.viewer.admin" = true }`): a match makes `admin` true; the field present with
    /// another value makes it false (unless an admin scope says true). For providers that
    /// answer a flag rather than scopes (Linear's `viewer.admin`, monday.com's `is_admin`).
    #[serde(default)]
    pub admin_if: BTreeMap<String, serde_json::Value>,
    /// When the key expires; the first source that holds a date wins. RFC 3339, a date
    /// (`2025-12-31`), GitHub's `2025-12-31 23:59:59 UTC` or Unix seconds are understood.
    #[serde(default)]
    pub expires: Vec<String>,
    /// Anything else worth knowing, by the name it gets in `details`.
    #[serde(default)]
    pub details: BTreeMap<String, String>,
}

/// The kinds of source an [`AccessSpec`] value may name.
pub const ACCESS_SOURCES: &[&str] = &["json", "header", "xml", "value"];

impl AccessSpec {
    fn validate(&self) -> Result<()> {
        let named = self
            .identity
            .iter()
            .chain(&self.scopes)
            .chain(&self.expires)
            .chain(self.details.values());
        let mut any = false;
        for source in named {
            any = true;
            let kind = source.split_once(':').map(|(k, rest)| (k, rest.trim()));
            ensure!(
                matches!(kind, Some((k, rest)) if ACCESS_SOURCES.contains(&k) && !rest.is_empty()),
                "verify.access: {source:?} is not a source; write json:PATH, header:NAME, xml:ELEMENT or value:TEXT"
            );
        }
        ensure!(
            any || self.admin.is_some() || !self.admin_if.is_empty(),
            "verify.access reads nothing: give identity, scopes, expires, details, admin or admin_if"
        );
        ensure!(
            self.admin_scopes.is_empty() || !self.scopes.is_empty(),
            "verify.access: `admin_scopes` needs `scopes` to look in"
        );
        ensure!(
            self.opaque_scopes.is_empty() || !self.scopes.is_empty(),
            "verify.access: `opaque_scopes` needs `scopes` to look in"
        );
        for name in self.details.keys() {
            ensure!(
                !name.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "verify.access: the detail name {name:?} must be lowercase letters, digits and `_`"
            );
        }
        for s in self.admin_scopes.iter().chain(&self.opaque_scopes) {
            ensure!(
                !s.trim().is_empty() && !s.contains(','),
                "verify.access: the scope {s:?} is empty or holds a comma"
            );
        }
        Ok(())
    }
}

/// Where the partner of a secret is found: the match of `pattern` nearest to the secret,
/// within `window` bytes before its start or after its end.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Partner {
    /// What the partner is, for messages ("access key ID").
    pub name: String,
    pub pattern: String,
    #[serde(default = "default_partner_window")]
    pub window: usize,
}

fn default_partner_window() -> usize {
    1000
}

/// Names written as `{name}` (letters, digits, `_`) in `text`; JSON braces are not names.
fn placeholders(text: &str) -> impl Iterator<Item = &str> {
    text.split('{').skip(1).filter_map(|rest| {
        let name = rest.split('}').next()?;
        let is_name = rest.contains('}')
            && !name.is_empty()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        is_name.then_some(name)
    })
}

/// Code verifiers `signer` may name.
pub const SIGNERS: &[&str] = &["aws-sigv4"];

impl VerifySpec {
    /// The provider id of this verifier for a rule `rule_id`.
    pub fn provider_id(&self, rule_id: &str) -> String {
        match &self.id {
            Some(id) => id.clone(),
            None => rule_id.split('.').next().unwrap_or(rule_id).to_string(),
        }
    }

    /// What a live answer's body must be: `answer`, else XML for a verifier that reads XML,
    /// nothing for `HEAD` (which has no body), JSON otherwise.
    pub fn answer_kind(&self) -> AnswerKind {
        if let Some(kind) = self.answer {
            return kind;
        }
        if self.method == "HEAD" {
            AnswerKind::Any
        } else if !self.detail_xml.is_empty()
            || self.access_sources().any(|s| s.starts_with("xml:"))
        {
            AnswerKind::Xml
        } else {
            AnswerKind::Json
        }
    }

    /// Every source its `access` names (`json:PATH`, `header:NAME`, ...).
    pub fn access_sources(&self) -> impl Iterator<Item = &str> {
        self.access.iter().flat_map(|a| {
            a.identity
                .iter()
                .chain(&a.scopes)
                .chain(&a.expires)
                .chain(a.details.values())
                .map(String::as_str)
        })
    }

    pub(super) fn validate(&self) -> Result<()> {
        if let Some(id) = &self.id {
            ensure!(
                !id.is_empty()
                    && id
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "verify: `id` {id:?} must be lowercase letters, digits and `-`"
            );
        }
        ensure!(
            matches!(self.method.as_str(), "GET" | "POST" | "HEAD"),
            "verify: `method` must be GET, POST or HEAD, not {:?}",
            self.method
        );
        ensure!(
            self.url.starts_with("https://") && self.url.len() > "https://".len(),
            "verify: `url` must be an https:// URL (a verifier sends the secret; plain http would expose it)"
        );
        let host = self.url["https://".len()..]
            .split(['/', '?', '#'])
            .next()
            .unwrap_or("");
        ensure!(
            !host.is_empty() && !host.contains('{') && !host.contains('@'),
            "verify: the host of `url` must be fixed: no placeholder and no user info"
        );
        ensure!(
            !self.live.is_empty(),
            "verify: `live` lists no status: the key could never be shown to work"
        );
        for s in self.live.iter().chain(&self.dead) {
            ensure!((100..=599).contains(s), "verify: {s} is not an HTTP status");
            ensure!(
                !(300..400).contains(s),
                "verify: {s} is a redirect, and redirects are never followed: it cannot decide"
            );
        }
        for s in &self.live {
            ensure!(
                !self.dead.contains(s),
                "verify: status {s} is both live and dead"
            );
        }
        if let Some(signer) = &self.signer {
            ensure!(
                SIGNERS.contains(&signer.as_str()),
                "verify: unknown `signer` {signer:?}; known: {}",
                SIGNERS.join(", ")
            );
            ensure!(
                self.partner.is_some(),
                "verify: signer {signer:?} needs a `partner` (the access key id)"
            );
        }
        let mut texts: Vec<&str> = vec![&self.url];
        texts.extend(self.headers.values().map(String::as_str));
        texts.extend(self.body.as_deref());
        if let Some([u, p]) = &self.basic_auth {
            texts.push(u);
            texts.push(p);
        }
        for t in &texts {
            if let Some(name) = placeholders(t).find(|n| *n != "secret" && *n != "partner") {
                bail!("verify: {t:?} holds the unknown placeholder {{{name}}}; only {{secret}} and {{partner}} exist");
            }
            ensure!(
                !t.contains("{partner}") || self.partner.is_some(),
                "verify: {t:?} uses {{partner}} but the verifier declares no `partner`"
            );
        }
        let uses_secret = texts.iter().any(|t| t.contains("{secret}")) || self.signer.is_some();
        ensure!(
            uses_secret,
            "verify: the request never sends {{secret}}: it would not test the key"
        );
        if let Some(a) = &self.access {
            a.validate()?;
        }
        let kind = self.answer_kind();
        let reads_json = !self.live_if.is_empty()
            || !self.dead_if.is_empty()
            || !self.detail_json.is_empty()
            || self.access_sources().any(|s| s.starts_with("json:"));
        ensure!(
            kind == AnswerKind::Json || !reads_json,
            "verify: `answer = \"{}\"` but the verifier reads JSON fields (live_if, dead_if, detail_json or json: access); use `answer = \"json\"`",
            kind.name()
        );
        let reads_xml =
            !self.detail_xml.is_empty() || self.access_sources().any(|s| s.starts_with("xml:"));
        ensure!(
            kind == AnswerKind::Xml || !reads_xml,
            "verify: `answer = \"{}\"` but the verifier reads XML elements (detail_xml or xml: access); use `answer = \"xml\"`",
            kind.name()
        );
        ensure!(
            self.method != "HEAD" || kind == AnswerKind::Any,
            "verify: a HEAD answer has no body to read; use `answer = \"any\"`"
        );
        if let Some(sample) = &self.sample {
            ensure!(
                !sample.trim().is_empty(),
                "verify: `sample` is empty; give the documented body of a live answer, or leave it out"
            );
        }
        if let Some(p) = &self.partner {
            ensure!(!p.name.trim().is_empty(), "verify: `partner.name` is empty");
            ensure!(
                p.window <= 65536,
                "verify: `partner.window` is larger than 65536"
            );
            regex_syntax_check(&p.pattern)?;
        }
        Ok(())
    }
}

impl RuleSpec {
    /// Checks the rule; `examples` false skips the checks of its examples (built-in rules
    /// loaded for a scan, whose examples are not loaded).
    pub(super) fn validate(&self, examples: bool) -> Result<()> {
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
        if self.keywords.is_empty() && self.files.is_empty() {
            bail!(
                "a rule needs at least one keyword or a `files` list: without either the regex would run on every byte"
            );
        }
        if let Some(h) = &self.handler {
            ensure!(
                crate::detect::HANDLERS.contains(&h.as_str()),
                "unknown `handler` {h:?}; known: {}",
                crate::detect::HANDLERS.join(", ")
            );
            ensure!(
                self.pattern.is_empty() && !self.keywords.is_empty(),
                "a rule with a `handler` has keywords (where the handler runs) and an empty `pattern`"
            );
        }
        if !self.files.is_empty() {
            for f in &self.files {
                file_glob(f)?;
            }
            ensure!(
                self.example_path.is_some(),
                "a rule with `files` needs an `example_path` (a path its files match) for its examples"
            );
        } else {
            ensure!(
                self.example_path.is_none(),
                "`example_path` is only for rules with `files`"
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
        if let Some(p) = &self.pair {
            ensure!(!p.name.trim().is_empty(), "`pair.name` is empty");
            ensure!(
                !self.keywords.is_empty() && self.files.is_empty(),
                "a `pair` rule has keywords (the first bytes of its partner) and no `files`"
            );
            ensure!(
                self.handler.is_none() && self.decode.is_none(),
                "a `pair` rule has no `handler` or `decode`"
            );
            ensure!(
                self.window[0] >= p.window && self.window[1] >= p.window,
                "a `pair` rule's `window` must reach `pair.window` ({}) on both sides",
                p.window
            );
            regex_syntax_check(&p.pattern).context("`pair.pattern`")?;
        }
        ensure!(
            self.min_char_classes <= 3,
            "`min_char_classes` is at most 3"
        );
        ensure!(
            (0.0..=8.0).contains(&self.min_entropy),
            "`min_entropy` must lie between 0 and 8"
        );
        ensure!(
            !examples || !self.examples.is_empty(),
            "a rule needs at least one example"
        );
        ensure!(
            !examples || !self.negative_examples.is_empty(),
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
            if let Some(v) = &a.verify {
                ensure!(
                    v.partner.is_none() && v.signer.is_none(),
                    "the `attribute` verifier for {} cannot have a partner or signer",
                    a.provider
                );
                v.validate()
                    .with_context(|| format!("the `attribute` entry for {}", a.provider))?;
            }
            for w in &a.context {
                ensure!(
                    w.len() >= 3 && w.is_ascii(),
                    "context word {w:?} must be ASCII and 3 bytes or longer"
                );
            }
        }
        if let Some(v) = &self.verify {
            v.validate()?;
        }
        Ok(())
    }
}

/// The globs of a rule's `files`: without a `/` a glob matches the file name in any folder,
/// with one it matches the end of the path.
pub fn files_globset(files: &[String]) -> Result<globset::GlobSet> {
    let mut b = globset::GlobSetBuilder::new();
    for f in files {
        b.add(file_glob(f)?);
    }
    b.build().context("`files` cannot be compiled")
}

/// One entry of `files` as a glob (parsed, not compiled: that is cheap enough for start-up).
fn file_glob(f: &str) -> Result<globset::Glob> {
    ensure!(!f.trim().is_empty(), "an entry of `files` is empty");
    let pattern = match f.strip_prefix('/') {
        Some(rooted) => rooted.to_string(),
        None => format!("**/{f}"),
    };
    globset::GlobBuilder::new(&pattern)
        .literal_separator(true)
        .case_insensitive(true)
        .build()
        .with_context(|| format!("`files` entry {f:?} is not a valid glob"))
}

impl RuleSpec {
    /// Whether `example_path` is one of the rule's files. Compiling the globs costs more than
    /// start-up can spare for every built-in rule, so this runs for operator and configuration
    /// rules at load, and for the built-in ones in `rules check` and the tests (where an
    /// example under a path the rule does not read would fail anyway).
    pub(crate) fn check_example_path(&self) -> Result<()> {
        if let (false, Some(example)) = (self.files.is_empty(), &self.example_path) {
            ensure!(
                files_globset(&self.files)?.is_match(example),
                "`example_path` {example:?} is not matched by `files`"
            );
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

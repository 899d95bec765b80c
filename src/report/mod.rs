//! Reporters: the only code that prints findings. Every reporter takes the same sorted
//! [`ScanReport`] and writes bytes that depend on nothing else (no clock, no thread count), so
//! any two runs over the same tree print the same output.

mod github;
mod html;
mod human;
mod json;
mod markdown;

pub use json::{JsonReport, JsonWarning};
mod sarif;

pub use sarif::MAX_RESULTS as SARIF_MAX_RESULTS;

use std::io::{self, Write};

use serde::{Deserialize, Serialize};

use crate::finding::{Access, Exposure, Finding, Severity, VerificationStatus};
use crate::rules::{Confidence, RuleSet};
use crate::source::{Problem, ProblemKind};

/// Output formats of `keyhound scan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Jsonl,
    Sarif,
    /// GitHub Actions workflow commands (annotations).
    Github,
    /// A Markdown table for a GitHub Actions step summary.
    Markdown,
    /// One self-contained page for people (summary, charts, a filterable table).
    Html,
}

/// Counters of one scan. Deterministic: no timings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    pub files_scanned: u64,
    pub bytes_scanned: u64,
    pub skipped_binary: u64,
    pub skipped_too_large: u64,
    pub unreadable: u64,
    pub errors: u64,
    /// Symbolic links, named pipes, sockets and devices met in the walk (never read).
    #[serde(default)]
    pub skipped_special: u64,
    pub rules: u64,
    pub findings: u64,
    /// Files read as archives, and the members of theirs that were scanned.
    #[serde(default)]
    pub archives_read: u64,
    #[serde(default)]
    pub archive_members: u64,
    /// Archive limits reached (size, ratio, member count, depth): each a warning.
    #[serde(default)]
    pub archive_limits: u64,
    /// Encrypted archive members: listed, not read.
    #[serde(default)]
    pub encrypted_members: u64,
    /// Archives or members that could not be read to their end.
    #[serde(default)]
    pub corrupt_archives: u64,
    /// What scan this is: what `keyhound merge` compares to tell the shards of one scan from
    /// different scans, and to refuse reports of another keyhound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scan: Option<ScanInfo>,
}

/// `stats.scan`: the keyhound that wrote the report, and for a shard, which scan it is part of
/// and what the merge needs from it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanInfo {
    /// The keyhound version (`0.1.0`): rules and detection change between versions, so merge
    /// refuses reports of another.
    pub keyhound: String,
    /// `--shard I/N`; absent for a whole scan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
    /// The folder scanned, absolute (in git modes: the work tree); absent in a merged report of
    /// several scans.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root: Option<String>,
    /// The arguments that decide the findings (paths as typed, git mode, rules, filters,
    /// limits), in a fixed order; not the thread count or output options.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    /// `--repository`, as stamped on the findings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    /// `--max-age` in days (history): merge recomputes `rotation_overdue` with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age_days: Option<u64>,
    /// A shard of a git scan: the place (oldest first) in the walk of every commit its findings
    /// name, so that merge keeps each secret's first commit.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub commits: std::collections::BTreeMap<String, u64>,
    /// A shard: what its files say about the provider of a key that names none (rule id and
    /// attribution index per file), so that merge attributes such keys from the files of every
    /// shard, as one scan would.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mentions: Vec<Mention>,
}

/// One file's mention of one of a rule's attributions (see `Engine::attribute_across_files`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Mention {
    pub path: String,
    pub rule: String,
    pub attribution: u32,
}

impl Stats {
    pub fn count_problem(&mut self, p: &Problem) {
        match p.kind {
            ProblemKind::Binary => self.skipped_binary += 1,
            ProblemKind::TooLarge => self.skipped_too_large += 1,
            ProblemKind::Unreadable => self.unreadable += 1,
            ProblemKind::Internal => self.errors += 1,
            ProblemKind::Special => self.skipped_special += 1,
            ProblemKind::ArchiveLimit => self.archive_limits += 1,
            ProblemKind::Encrypted => self.encrypted_members += 1,
            ProblemKind::Corrupt => self.corrupt_archives += 1,
        }
    }
}

/// Everything a reporter prints.
pub struct ScanReport<'a> {
    pub findings: &'a [Finding],
    pub stats: &'a Stats,
    pub problems: &'a [Problem],
    pub rules: &'a RuleSet,
    /// Colour in the human report (`--color`).
    pub color: bool,
    /// Display columns the human report wraps prose at.
    pub width: usize,
    /// The command line, time and version of the scan, for the reports that show them (HTML).
    /// Set by the command line only: reporters read no clock, so tests leave it `None` and
    /// their output stays the same every run.
    pub run: Option<&'a RunInfo>,
}

/// Where a report came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunInfo {
    /// The command line as typed, quoted where a shell would need it.
    pub command: String,
    /// When the scan started, RFC 3339 in UTC.
    pub time: String,
    pub version: String,
}

/// The width prose is wrapped at when the report does not go to a terminal.
pub const DEFAULT_WIDTH: usize = 100;

pub fn emit(format: Format, report: &ScanReport<'_>, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Human => human::emit(report, out),
        Format::Json => json::emit(report, out),
        Format::Jsonl => json::emit_lines(report, out),
        Format::Sarif => sarif::emit(report, out),
        Format::Github => github::emit(report, out),
        Format::Markdown => markdown::emit(report, out),
        Format::Html => html::emit(report, out),
    }
}

/// How bad a finding is, on the 0-10 scale of SARIF `security-severity`: confidence sets the
/// base; a key that ships to clients is worse, one in tests or docs milder.
pub fn security_severity(confidence: Confidence, exposure: Exposure) -> f64 {
    let base: f64 = match confidence {
        Confidence::High => 8.0,
        Confidence::Medium => 6.5,
        Confidence::Low => 4.0,
    };
    let adjusted = match exposure {
        Exposure::Client => base + 1.5,
        Exposure::Test | Exposure::Docs => base - 2.0,
        Exposure::Server | Exposure::Unknown => base,
    };
    adjusted.clamp(0.0, 10.0)
}

/// A finding's `security-severity`: the operator's override when `.keyhound.toml` sets one
/// for its rule, else derived from confidence and exposure, and raised by verification: a key
/// verified live is at least high, and critical when the provider says it is an admin key.
pub fn finding_severity(f: &Finding) -> f64 {
    if let Some(s) = f.severity_override {
        return s.score();
    }
    let derived = security_severity(f.confidence, f.exposure);
    match &f.verification {
        Some(v) if v.status == VerificationStatus::Live => {
            let admin = v.access.as_ref().and_then(|a| a.admin) == Some(true);
            let floor = if admin {
                Severity::Critical
            } else {
                Severity::High
            };
            derived.max(floor.score())
        }
        _ => derived,
    }
}

/// `verification.access` in one line for people: `identity: octocat; scopes: repo, admin:org;
/// admin: yes; expires: 2031-01-02T03:04:05Z; ...details`. Provider text has its control
/// characters written out here too, since a merged report may come from elsewhere.
pub fn access_summary(a: &Access) -> String {
    let mut parts = Vec::new();
    if let Some(id) = &a.identity {
        parts.push(format!("identity: {id}"));
    }
    if !a.scopes.is_empty() {
        parts.push(format!("scopes: {}", a.scopes.join(", ")));
    }
    parts.push(format!(
        "admin: {}",
        match a.admin {
            Some(true) => "yes",
            Some(false) => "no",
            None => "unknown",
        }
    ));
    if let Some(e) = &a.expires_at {
        parts.push(format!("expires: {e}"));
    }
    for (name, value) in &a.details {
        let text = match value {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Array(items) => items
                .iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                .collect::<Vec<_>>()
                .join(", "),
            other => other.to_string(),
        };
        parts.push(format!("{name}: {text}"));
    }
    escape_controls(&parts.join("; ")).into_owned()
}

/// `2026-01-31T23:59:59Z` for a Unix time in seconds.
pub fn utc_rfc3339(unix: u64) -> String {
    let (year, month, day) = crate::verify::civil_from_days((unix / 86_400) as i64);
    let secs = unix % 86_400;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// The words GitHub uses for `security-severity` ranges.
pub fn severity_name(score: f64) -> &'static str {
    match score {
        s if s >= 9.0 => "critical",
        s if s >= 7.0 => "high",
        s if s >= 4.0 => "medium",
        _ => "low",
    }
}

/// `text` with every character that could steer a terminal or a log viewer written out as an
/// escape (`\n`, `\r`, `\t`, `\u{1b}`): C0 and C1 controls and DEL (ESC starts ANSI and OSC
/// sequences, CR and LF would start a new line, and a new `::` line is a GitHub workflow
/// command), line and paragraph separators, and the bidirectional overrides that make text read
/// otherwise than it is stored. Text from outside (a provider's answer, a file name) passes
/// through this before a human, Markdown or GitHub report prints it; ordinary text is returned
/// as it is.
pub fn escape_controls(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if needs_escape(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::{escape_controls, utc_rfc3339};

    #[test]
    fn unix_times_in_rfc3339() {
        let cases = [
            (0, "1970-01-01T00:00:00Z"),
            (951_782_400, "2000-02-29T00:00:00Z"),
            (1_796_601_599, "2026-12-06T23:59:59Z"),
        ];
        for (unix, want) in cases {
            assert_eq!(utc_rfc3339(unix), want, "{unix}");
        }
    }

    #[test]
    fn controls_are_written_out() {
        let cases = [
            ("plain text, ünïcode ✓", "plain text, ünïcode ✓"),
            ("a\nb\r\tc", "a\\nb\\r\\tc"),
            ("\u{1b}[31mred\u{1b}[0m", "\\u{1b}[31mred\\u{1b}[0m"),
            (
                "\u{1b}]8;;https://x\u{7}link",
                "\\u{1b}]8;;https://x\\u{7}link",
            ),
            ("\u{9b}2J\u{7f}\u{0}", "\\u{9b}2J\\u{7f}\\u{0}"),
            ("abc\u{202e}fed", "abc\\u{202e}fed"),
            ("x\n::error::forged", "x\\n::error::forged"),
        ];
        for (input, want) in cases {
            assert_eq!(escape_controls(input), want, "{input:?}");
        }
    }
}

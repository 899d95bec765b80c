//! `--format github`: GitHub Actions workflow commands (`::error file=…,line=…::message`) that
//! the runner turns into annotations on the pull request's diff.
//!
//! The contract with the runner:
//! - Escaping: data (the message) escapes `%`, `\r`, `\n`; properties (file, title)
//!   additionally `:` and `,`, so a file named `we,ird:name.js` cannot end the `file=` value.
//! - Levels: see [`level`]. GitHub shows at most 10 annotations of each level per step and
//!   drops the rest silently, so the first [`PER_LEVEL`] findings of each level (in report
//!   order) are annotated and one notice says how many more there are. That notice is itself a
//!   notice-level annotation; when findings overflow, notice-level findings stop at 9 so that
//!   it stays visible.

use std::io::{self, Write};

use super::ScanReport;
use crate::finding::{Exposure, Finding, Severity, VerificationStatus};
use crate::rules::Confidence;

/// What GitHub shows per level and step.
pub const PER_LEVEL: usize = 10;

/// An annotation level; the order is from least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Notice,
    Warning,
    Error,
}

impl Level {
    fn command(self) -> &'static str {
        match self {
            Level::Notice => "notice",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }
}

/// A finding's annotation level, in this order of precedence:
/// 1. verified: a live key is an error, a dead one a notice (it no longer opens anything);
/// 2. a severity set for the rule in `.keyhound.toml`: critical and high are errors, medium a
///    warning, low a notice;
/// 3. otherwise the SARIF ladder: confidence high/medium/low gives error/warning/notice, a
///    client exposure raises it one step, a test or docs exposure lowers it one step.
pub fn level(f: &Finding) -> Level {
    match f.verification.as_ref().map(|v| &v.status) {
        Some(VerificationStatus::Live) => return Level::Error,
        Some(VerificationStatus::Dead) => return Level::Notice,
        Some(VerificationStatus::Unknown) | None => {}
    }
    if let Some(s) = f.severity_override {
        return match s {
            Severity::Critical | Severity::High => Level::Error,
            Severity::Medium => Level::Warning,
            Severity::Low => Level::Notice,
        };
    }
    let base: u8 = match f.confidence {
        Confidence::High => 2,
        Confidence::Medium => 1,
        Confidence::Low => 0,
    };
    let step = match f.exposure {
        Exposure::Client => (base + 1).min(2),
        Exposure::Test | Exposure::Docs => base.saturating_sub(1),
        Exposure::Server | Exposure::Unknown => base,
    };
    match step {
        2 => Level::Error,
        1 => Level::Warning,
        _ => Level::Notice,
    }
}

/// Escapes the message of a workflow command.
pub fn escape_data(s: &str) -> String {
    escape(s, false)
}

/// Escapes a property value (`file=`, `title=`) of a workflow command: as a message, and also
/// `:` and `,`, which separate properties.
pub fn escape_property(s: &str) -> String {
    escape(s, true)
}

fn escape(s: &str, property: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            ':' if property => out.push_str("%3A"),
            ',' if property => out.push_str("%2C"),
            c => out.push(c),
        }
    }
    out
}

fn annotation(report: &ScanReport<'_>, f: &Finding, level: Level) -> String {
    let mut props = vec![
        format!("file={}", escape_property(&f.repo_path)),
        format!("line={}", f.line),
        format!("endLine={}", f.end_line),
    ];
    // The runner accepts columns only for a one-line range.
    if f.line == f.end_line {
        props.push(format!("col={}", f.column));
        props.push(format!("endColumn={}", f.end_column));
    }
    props.push(format!(
        "title={}",
        escape_property(&format!("{} ({})", f.name, f.rule))
    ));
    let mut message = format!("{} ({}) found: {}", f.name, f.provider, f.redacted);
    message.push_str(&format!(
        "\nconfidence: {}, exposure: {}",
        f.confidence,
        exposure_word(f.exposure)
    ));
    if !f.exposure_reason.is_empty() {
        message.push_str(&format!(" ({})", f.exposure_reason));
    }
    if let Some(c) = &f.commit {
        message.push_str(&format!("\ncommit: {c}"));
    }
    if let Some(e) = &f.encoding {
        message.push_str(&format!("\nhidden by {e}"));
    }
    if let Some(v) = &f.verification {
        let status = match v.status {
            VerificationStatus::Live => "live",
            VerificationStatus::Dead => "dead",
            VerificationStatus::Unknown => "unknown",
        };
        // The detail holds a provider's words: ESC and the like are written out, and the
        // line breaks escape_data turns into %0A are ours only.
        message.push_str(&format!(
            "\nverification: {status} ({})",
            super::escape_controls(&v.detail)
        ));
        if let Some(a) = &v.access {
            message.push_str(&format!("\naccess: {}", super::access_summary(a)));
        }
    }
    if let Some(rule) = report.rules.get(&f.rule) {
        message.push_str(&format!("\nfix: {}", rule.remediation_for(&f.provider)));
    }
    format!(
        "::{} {}::{}",
        level.command(),
        props.join(","),
        escape_data(&message)
    )
}

pub(crate) fn exposure_word(e: Exposure) -> &'static str {
    match e {
        Exposure::Client => "client",
        Exposure::Server => "server",
        Exposure::Test => "test",
        Exposure::Docs => "docs",
        Exposure::Unknown => "unknown",
    }
}

/// Which findings get an annotation: the first of each level, up to the cap, in report order.
/// Returns the chosen indices and the count left out per level (notice, warning, error).
fn select(levels: &[Level]) -> (Vec<usize>, [usize; 3]) {
    let mut total = [0usize; 3];
    for l in levels {
        total[*l as usize] += 1;
    }
    let overflow = total.iter().any(|&n| n > PER_LEVEL);
    let mut cap = [PER_LEVEL; 3];
    if overflow {
        cap[Level::Notice as usize] = PER_LEVEL - 1;
    }
    let mut used = [0usize; 3];
    let mut chosen = Vec::new();
    for (i, l) in levels.iter().enumerate() {
        let k = *l as usize;
        if used[k] < cap[k] {
            used[k] += 1;
            chosen.push(i);
        }
    }
    let left = [total[0] - used[0], total[1] - used[1], total[2] - used[2]];
    (chosen, left)
}

pub fn emit(report: &ScanReport<'_>, out: &mut dyn Write) -> io::Result<()> {
    let levels: Vec<Level> = report.findings.iter().map(level).collect();
    let (chosen, left) = select(&levels);
    for i in chosen {
        writeln!(
            out,
            "{}",
            annotation(report, &report.findings[i], levels[i])
        )?;
    }
    let more: usize = left.iter().sum();
    if more > 0 {
        let mut parts = Vec::new();
        for (level, n) in [
            (Level::Error, left[2]),
            (Level::Warning, left[1]),
            (Level::Notice, left[0]),
        ] {
            if n > 0 {
                parts.push(format!("{n} {}", level.command()));
            }
        }
        let message = format!(
            "{more} more finding{} not annotated ({}): GitHub shows at most {PER_LEVEL} annotations per level in a step. The SARIF, JSON and Markdown reports list every finding.",
            if more == 1 { "" } else { "s" },
            parts.join(", ")
        );
        writeln!(
            out,
            "::notice title={}::{}",
            escape_property("keyhound: more findings"),
            escape_data(&message)
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Stats;
    use crate::rules::RuleSet;

    #[test]
    fn escaping_follows_the_runner() {
        let cases = [
            ("plain.js", "plain.js", "plain.js"),
            ("we,ird:name.js", "we,ird:name.js", "we%2Cird%3Aname.js"),
            ("100%", "100%25", "100%25"),
            ("a\r\nb", "a%0D%0Ab", "a%0D%0Ab"),
            ("%0A", "%250A", "%250A"),
            ("::error::x", "::error::x", "%3A%3Aerror%3A%3Ax"),
            ("ü, x", "ü, x", "ü%2C x"),
        ];
        for (input, data, property) in cases {
            assert_eq!(escape_data(input), data, "data {input:?}");
            assert_eq!(escape_property(input), property, "property {input:?}");
        }
    }

    #[test]
    fn levels_follow_verification_severity_confidence_and_exposure() {
        use Confidence::*;
        use Exposure::*;
        let f = |c, e| {
            let mut f = Finding::for_test("r", (0, 1), 1, "x", c);
            f.exposure = e;
            f
        };
        let cases = [
            (f(High, Server), Level::Error),
            (f(Medium, Unknown), Level::Warning),
            (f(Low, Server), Level::Notice),
            (f(Medium, Client), Level::Error),
            (f(Low, Client), Level::Warning),
            (f(High, Test), Level::Warning),
            (f(Medium, Docs), Level::Notice),
        ];
        for (finding, want) in cases {
            assert_eq!(
                level(&finding),
                want,
                "{:?} {:?}",
                finding.confidence,
                finding.exposure
            );
        }
        let mut live = f(Low, Test);
        live.verification = Some(crate::finding::Verification {
            status: VerificationStatus::Live,
            detail: "200".into(),
            access: None,
        });
        assert_eq!(level(&live), Level::Error);
        let mut dead = f(High, Client);
        dead.verification = Some(crate::finding::Verification {
            status: VerificationStatus::Dead,
            detail: "401".into(),
            access: None,
        });
        assert_eq!(level(&dead), Level::Notice);
        let mut overridden = f(High, Client);
        overridden.severity_override = Some(Severity::Medium);
        assert_eq!(level(&overridden), Level::Warning);
    }

    #[test]
    fn at_most_ten_per_level_and_room_for_the_notice() {
        use Level::*;
        // (levels, annotated per level [notice, warning, error], left out per level)
        let cases: Vec<(Vec<Level>, [usize; 3], [usize; 3])> = vec![
            (vec![Error; 3], [0, 0, 3], [0, 0, 0]),
            (vec![Error; 10], [0, 0, 10], [0, 0, 0]),
            (vec![Error; 30], [0, 0, 10], [0, 0, 20]),
            (
                [vec![Error; 15], vec![Warning; 15]].concat(),
                [0, 10, 10],
                [0, 5, 5],
            ),
            (vec![Notice; 10], [10, 0, 0], [0, 0, 0]),
            (vec![Notice; 11], [9, 0, 0], [2, 0, 0]),
            (
                [vec![Notice; 10], vec![Error; 11]].concat(),
                [9, 0, 10],
                [1, 0, 1],
            ),
        ];
        for (levels, annotated, left) in cases {
            let (chosen, got_left) = select(&levels);
            let mut got = [0usize; 3];
            for i in &chosen {
                got[levels[*i] as usize] += 1;
            }
            assert_eq!(got, annotated, "{levels:?}");
            assert_eq!(got_left, left, "{levels:?}");
            assert!(chosen.windows(2).all(|w| w[0] < w[1]), "report order kept");
        }
    }

    #[test]
    fn overflow_ends_with_one_notice() {
        let rules = RuleSet::builtin().expect("built-in rules load");
        let findings: Vec<Finding> = (1..=12)
            .map(|line| {
                let mut f = Finding::for_test("r", (0, 1), line, "x", Confidence::High);
                f.exposure = Exposure::Server;
                f.repo_path = "we,ird:name.js".into();
                f
            })
            .collect();
        let report = ScanReport {
            findings: &findings,
            stats: &Stats::default(),
            problems: &[],
            rules: &rules,
            color: false,
            width: crate::report::DEFAULT_WIDTH,
            run: None,
        };
        let mut out = Vec::new();
        emit(&report, &mut out).expect("writing to memory works");
        let text = String::from_utf8(out).expect("UTF-8");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 11, "{text}");
        assert!(lines[0].starts_with("::error file=we%2Cird%3Aname.js,line=1,endLine=1,col=1,"));
        assert!(lines[9].contains(",line=10,"));
        assert!(
            lines[10].starts_with(
                "::notice title=keyhound%3A more findings::2 more findings not annotated (2 error)"
            ),
            "{}",
            lines[10]
        );
    }
}

//! `--format markdown`: a GitHub-flavoured Markdown table of the findings, written for a
//! GitHub Actions step summary (`$GITHUB_STEP_SUMMARY`). GitHub refuses a step summary over
//! 1 MiB, so the table stops before [`LIMIT`] bytes and a last line says how many rows were
//! left out. Cells are escaped: a file name cannot break the table or inject HTML or links.

use std::io::{self, Write};

use super::github::exposure_word;
use super::ScanReport;
use crate::finding::Finding;

/// The most bytes written: under GitHub's 1 MiB per step, leaving room for the lines the
/// action adds around the table.
pub const LIMIT: usize = 1_000_000;

/// Room kept for the truncation note.
const NOTE_ROOM: usize = 300;

pub fn emit(report: &ScanReport<'_>, out: &mut dyn Write) -> io::Result<()> {
    emit_limited(report, out, LIMIT)
}

fn emit_limited(report: &ScanReport<'_>, out: &mut dyn Write, limit: usize) -> io::Result<()> {
    let n = report.findings.len();
    let mut doc = String::new();
    if n == 0 {
        doc.push_str("### keyhound: no findings\n\n");
    } else {
        doc.push_str(&format!(
            "### keyhound: {n} finding{}\n\n",
            if n == 1 { "" } else { "s" }
        ));
    }
    doc.push_str(&format!(
        "{} file{} scanned, {} rules.\n",
        report.stats.files_scanned,
        if report.stats.files_scanned == 1 {
            ""
        } else {
            "s"
        },
        report.stats.rules
    ));
    if n > 0 {
        doc.push_str(
            "\n| Rule | File:line | Commit | Severity | Confidence | Exposure | Verification |\n| --- | --- | --- | --- | --- | --- | --- |\n",
        );
        let budget = limit.saturating_sub(NOTE_ROOM);
        let mut shown = 0;
        // A merged report of several repositories names each finding's.
        let first = report.findings.first().map(|f| &f.repository);
        let many = report.findings.iter().any(|f| Some(&f.repository) != first);
        for f in report.findings {
            let row = row(f, many);
            if doc.len() + row.len() > budget {
                break;
            }
            doc.push_str(&row);
            shown += 1;
        }
        if shown < n {
            doc.push_str(&format!(
                "\n**{} more finding{} not listed**: a step summary is limited to 1 MiB. The SARIF and JSON reports list every finding.\n",
                n - shown,
                if n - shown == 1 { "" } else { "s" }
            ));
        }
    }
    out.write_all(doc.as_bytes())
}

fn row(f: &Finding, with_repository: bool) -> String {
    let commit = match &f.commit {
        Some(c) => cell(&c[..c.len().min(12)]),
        None => "working tree".to_string(),
    };
    let exposure = if f.exposure_reason.is_empty() {
        exposure_word(f.exposure).to_string()
    } else {
        format!("{} ({})", exposure_word(f.exposure), f.exposure_reason)
    };
    // The status, and for a live key what it can do; the detail is for the other reports.
    let verification = match &f.verification {
        None => String::new(),
        Some(v) => match &v.access {
            Some(a) => format!("{}: {}", v.status.as_str(), super::access_summary(a)),
            None => v.status.as_str().to_string(),
        },
    };
    format!(
        "| {} ({}) | {}:{} | {} | {} | {} | {} | {} |\n",
        cell(&f.name),
        cell(&f.rule),
        match (&f.repository, with_repository) {
            (Some(r), true) => cell(&format!("{r}: {}", f.repo_path)),
            _ => cell(&f.repo_path),
        },
        f.line,
        commit,
        f.severity.as_str(),
        f.confidence,
        cell(&exposure),
        cell(&verification)
    )
}

/// One table cell: Markdown and HTML punctuation backslash-escaped (`|` would end the cell,
/// `<` open HTML, `[` a link, `$` GitHub's math), line breaks turned into spaces.
fn cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '&' | '$' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '\r' | '\n' => out.push(' '),
            c if c.is_control() => {
                out.push_str(&super::escape_controls(c.encode_utf8(&mut [0; 4])))
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Stats;
    use crate::rules::{Confidence, RuleSet};

    #[test]
    fn cells_cannot_break_the_table() {
        let cases = [
            ("we,ird:name.js", "we,ird:name.js"),
            ("a|b", "a\\|b"),
            ("<img src=x>", "\\<img src=x\\>"),
            ("[x](y)", "\\[x\\](y)"),
            ("a\nb", "a b"),
            ("$x$", "\\$x\\$"),
        ];
        for (input, want) in cases {
            assert_eq!(cell(input), want, "{input:?}");
        }
    }

    fn findings(n: usize) -> Vec<Finding> {
        (1..=n)
            .map(|line| {
                let mut f = Finding::for_test("r.x", (0, 1), line, "x", Confidence::High);
                f.repo_path = "src/a|b.js".into();
                f.commit = Some("0123456789abcdef0123456789abcdef01234567".into());
                f
            })
            .collect()
    }

    fn render(findings: &[Finding], limit: usize) -> String {
        let rules = RuleSet::builtin().expect("built-in rules load");
        let report = ScanReport {
            findings,
            stats: &Stats::default(),
            problems: &[],
            rules: &rules,
            color: false,
            width: crate::report::DEFAULT_WIDTH,
            run: None,
        };
        let mut out = Vec::new();
        emit_limited(&report, &mut out, limit).expect("writing to memory works");
        String::from_utf8(out).expect("UTF-8")
    }

    #[test]
    fn every_finding_is_a_row() {
        let text = render(&findings(3), LIMIT);
        assert!(text.starts_with("### keyhound: 3 findings\n"), "{text}");
        let rows: Vec<&str> = text
            .lines()
            .filter(|l| l.contains("src/a\\|b.js:"))
            .collect();
        assert_eq!(rows.len(), 3, "{text}");
        assert!(rows[0].contains("| 0123456789ab |"), "{}", rows[0]);
        assert!(!text.contains("not listed"));
    }

    #[test]
    fn a_long_table_is_cut_with_a_note_under_the_limit() {
        let limit = 2_000;
        let text = render(&findings(100), limit);
        assert!(text.len() <= limit, "{} bytes", text.len());
        let rows = text.lines().filter(|l| l.contains("src/a\\|b.js:")).count();
        assert!(rows > 0 && rows < 100, "{rows} rows");
        assert!(
            text.contains(&format!("**{} more findings not listed**", 100 - rows)),
            "{text}"
        );
    }

    #[test]
    fn no_findings_says_so() {
        let text = render(&[], LIMIT);
        assert!(text.starts_with("### keyhound: no findings\n"), "{text}");
        assert!(!text.contains('|'));
    }
}

//! `--format human`: findings grouped by file, each with a code frame whose secret is redacted.

use std::io::{self, Write};

use super::{severity_name, ScanReport};

pub fn emit(report: &ScanReport<'_>, out: &mut dyn Write) -> io::Result<()> {
    let mut current: Option<&str> = None;
    for f in report.findings {
        if current != Some(f.path.as_str()) {
            if current.is_some() {
                writeln!(out)?;
            }
            writeln!(out, "{}", f.path)?;
            current = Some(&f.path);
        }
        let severity = severity_name(super::finding_severity(f));
        writeln!(
            out,
            "  {}:{}  {} [{}]  provider: {}, confidence: {}, severity: {}, exposure: {}",
            f.line,
            f.column,
            f.name,
            f.rule,
            f.provider,
            f.confidence,
            severity,
            exposure_word(f)
        )?;
        let gutter = f.line.to_string().len();
        let pad = " ".repeat(gutter);
        let frame = &f.frame;
        let lead = if frame.cut_start { "…" } else { "" };
        let tail = if frame.cut_end { "…" } else { "" };
        writeln!(out, "  {pad} |")?;
        writeln!(out, "  {} | {lead}{}{tail}", f.line, frame.text)?;
        let offset = frame.start + lead.chars().count();
        writeln!(
            out,
            "  {pad} | {}{}",
            " ".repeat(offset),
            "^".repeat(frame.len.max(1))
        )?;
        if let Some(e) = &f.encoding {
            writeln!(
                out,
                "  {pad} = hidden by {e}: the span above decodes to the secret"
            )?;
        }
        if let Some(c) = &f.commit {
            let mut line = format!("  {pad} = commit {}", &c[..c.len().min(10)]);
            if let (Some(a), Some(d)) = (&f.git.author, &f.git.date) {
                line.push_str(&format!(" by {a} on {d}"));
            }
            match f.git.present_at_head {
                Some(true) => line.push_str("; still present at HEAD"),
                Some(false) => line.push_str("; no longer at HEAD (still in history)"),
                None => {}
            }
            writeln!(out, "{line}")?;
        }
        if f.git.rotation_overdue == Some(true) {
            writeln!(
                out,
                "  {pad} = rotation overdue: first committed {} days ago and still present",
                f.git.age_days.unwrap_or_default()
            )?;
        }
        if let Some(v) = &f.verification {
            writeln!(out, "  {pad} = verification: {:?}: {}", v.status, v.detail)?;
        }
        if let Some(rule) = report.rules.get(&f.rule) {
            writeln!(out, "  {pad} = fix: {}", rule.spec.remediation.trim())?;
        }
    }
    Ok(())
}

/// `client (NEXT_PUBLIC_ variables are inlined …)`: the reason is what makes the exposure
/// actionable, so it travels with the word.
fn exposure_word(f: &crate::finding::Finding) -> String {
    let word = serde_json::to_value(f.exposure)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    if f.exposure_reason.is_empty() {
        word
    } else {
        format!("{word} ({})", f.exposure_reason)
    }
}

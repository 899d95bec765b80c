//! `--format human`: findings grouped by file, each with a code frame whose secret is redacted,
//! then one "How to fix" paragraph per rule (and provider) found, wrapped to the width of the
//! terminal. Colour (path, severity, rule, caret) only when the report asks for it.

use std::collections::BTreeMap;
use std::io::{self, Write};

use anstyle::{AnsiColor, Style};
use unicode_width::UnicodeWidthStr;

use super::ScanReport;
use crate::finding::{Finding, Severity};

/// The styles of the report; all plain when colour is off.
struct Palette {
    path: Style,
    rule: Style,
    gutter: Style,
    caret: Style,
    heading: Style,
}

impl Palette {
    fn new(color: bool) -> Palette {
        if !color {
            return Palette {
                path: Style::new(),
                rule: Style::new(),
                gutter: Style::new(),
                caret: Style::new(),
                heading: Style::new(),
            };
        }
        Palette {
            path: AnsiColor::Magenta.on_default().bold(),
            rule: AnsiColor::Cyan.on_default(),
            gutter: AnsiColor::Blue.on_default().bold(),
            caret: AnsiColor::Red.on_default().bold(),
            heading: Style::new().bold(),
        }
    }

    fn severity(&self, s: Severity, color: bool) -> Style {
        if !color {
            return Style::new();
        }
        match s {
            Severity::Critical => AnsiColor::Red.on_default().bold(),
            Severity::High => AnsiColor::Red.on_default(),
            Severity::Medium => AnsiColor::Yellow.on_default(),
            Severity::Low => AnsiColor::Blue.on_default(),
        }
    }
}

/// `text` in `style` (nothing added for a plain style).
fn paint(style: Style, text: &str) -> String {
    if style == Style::new() {
        text.to_string()
    } else {
        format!("{style}{text}{style:#}")
    }
}

pub fn emit(report: &ScanReport<'_>, out: &mut dyn Write) -> io::Result<()> {
    let p = Palette::new(report.color);
    let mut current: Option<&str> = None;
    for f in report.findings {
        if current != Some(f.path.as_str()) {
            if current.is_some() {
                writeln!(out)?;
            }
            writeln!(out, "{}", paint(p.path, &super::escape_controls(&f.path)))?;
            current = Some(&f.path);
        }
        finding(report, &p, f, out)?;
    }
    how_to_fix(report, &p, out)
}

fn finding(
    report: &ScanReport<'_>,
    p: &Palette,
    f: &Finding,
    out: &mut dyn Write,
) -> io::Result<()> {
    writeln!(
        out,
        "  {}  {} {}  provider: {}, confidence: {}, severity: {}, exposure: {}",
        paint(p.gutter, &format!("{}:{}", f.line, f.column)),
        f.name,
        paint(p.rule, &format!("[{}]", f.rule)),
        match &f.attributed_by {
            Some(file) => format!("{} (named in {file})", f.provider),
            None => f.provider.clone(),
        },
        f.confidence,
        paint(p.severity(f.severity, report.color), f.severity.as_str()),
        exposure_word(f)
    )?;
    let gutter = f.line.to_string().len();
    let pad = " ".repeat(gutter);
    let bar = paint(p.gutter, "|");
    let frame = &f.frame;
    let lead = if frame.cut_start { "…" } else { "" };
    let tail = if frame.cut_end { "…" } else { "" };
    writeln!(out, "  {pad} {bar}")?;
    writeln!(
        out,
        "  {} {bar} {lead}{}{tail}",
        paint(p.gutter, &f.line.to_string()),
        frame.text
    )?;
    // The caret goes under the secret as the terminal draws the line: East Asian wide
    // characters take two columns, combining marks none.
    let before: String = frame.text.chars().take(frame.start).collect();
    let shown: String = frame
        .text
        .chars()
        .skip(frame.start)
        .take(frame.len)
        .collect();
    let offset = lead.width() + before.width();
    writeln!(
        out,
        "  {pad} {bar} {}{}",
        " ".repeat(offset),
        paint(p.caret, &"^".repeat(shown.width().max(1)))
    )?;
    let note = |out: &mut dyn Write, text: String| writeln!(out, "  {pad} = {text}");
    if let Some(e) = &f.encoding {
        note(
            out,
            format!("hidden by {e}: the span above decodes to the secret"),
        )?;
    }
    if let Some(line) = f.partner_line {
        let what = report
            .rules
            .get(&f.rule)
            .and_then(|r| r.spec.pair.as_ref())
            .map(|p| p.name.as_str());
        // Only a paired secret's partner is news: a verifier's partner is said by verification.
        if let Some(what) = what {
            note(out, format!("paired with the {what} on line {line}"))?;
        }
    }
    if let Some(c) = &f.commit {
        let mut line = format!("commit {}", &c[..c.len().min(10)]);
        if let (Some(a), Some(d)) = (&f.git.author, &f.git.date) {
            line.push_str(&format!(" by {a} on {d}"));
        }
        match f.git.present_at_head {
            Some(true) => line.push_str("; still present at HEAD"),
            Some(false) => line.push_str("; no longer at HEAD (still in history)"),
            None => {}
        }
        note(out, line)?;
    }
    if f.git.rotation_overdue == Some(true) {
        note(
            out,
            format!(
                "rotation overdue: first committed {} days ago and still present",
                f.git.age_days.unwrap_or_default()
            ),
        )?;
    }
    if let Some(v) = &f.verification {
        note(
            out,
            // The detail holds a provider's words: no control character reaches the terminal.
            format!(
                "verification: {}: {}",
                v.status.as_str(),
                super::escape_controls(&v.detail)
            ),
        )?;
        if let Some(a) = &v.access {
            note(out, format!("access: {}", super::access_summary(a)))?;
        }
    }
    Ok(())
}

/// One paragraph per rule and provider found: the remediation of a rule is the same for each
/// of its findings, so it is said once, after them.
fn how_to_fix(report: &ScanReport<'_>, p: &Palette, out: &mut dyn Write) -> io::Result<()> {
    let mut fixes: BTreeMap<(&str, &str), (&str, usize)> = BTreeMap::new();
    for f in report.findings {
        let Some(rule) = report.rules.get(&f.rule) else {
            continue;
        };
        fixes
            .entry((f.rule.as_str(), f.provider.as_str()))
            .or_insert((rule.remediation_for(&f.provider), 0))
            .1 += 1;
    }
    if fixes.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "{}", paint(p.heading, "How to fix"))?;
    for ((rule, provider), (text, n)) in fixes {
        let head = format!(
            "{} ({provider}, {n} finding{}):",
            paint(p.rule, rule),
            if n == 1 { "" } else { "s" }
        );
        writeln!(out, "  {head}")?;
        for line in wrap(text, report.width.saturating_sub(4).max(40)) {
            writeln!(out, "    {line}")?;
        }
    }
    Ok(())
}

/// Greedy word wrap at `width` display columns; a word longer than the width (a URL) stands
/// on its own line, whole.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.width() + 1 + word.width() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// `client (NEXT_PUBLIC_ variables are inlined …)`: the reason is what makes the exposure
/// actionable, so it travels with the word.
fn exposure_word(f: &Finding) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_words_whole_and_lines_short() {
        let text = "Delete the key at https://platform.deepseek.com/api_keys and create a new one.";
        let lines = wrap(text, 20);
        assert_eq!(lines.join(" "), text);
        for l in &lines {
            assert!(l.width() <= 20 || !l.contains(' '), "{l:?}");
        }
        assert_eq!(wrap("", 10), Vec::<String>::new());
        assert_eq!(wrap("鍵を削除してください 今すぐ", 12).len(), 2);
    }
}

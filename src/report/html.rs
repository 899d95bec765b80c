//! `--format html`: one self-contained page for a one-off audit, to hand to whoever must act on
//! it. Everything is inline (CSS, JS, SVG) and a Content-Security-Policy forbids every fetch, so
//! the file opens from disk, offline, and cannot call home even if a finding's text tried to.
//!
//! The summary, the charts and the remediation are rendered here, as static HTML that prints
//! and reads without JavaScript. The findings go into the page as compact JSON (columns of
//! indices into one table of distinct strings, so that 50,000 findings stay a fraction of the
//! JSON report) and `page.js` renders the table from it: filters, sorting, paging. The page is
//! a function of [`ScanReport`] alone, so `keyhound merge` writes it from JSON reports too.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::io::{self, Write};

use base64::Engine as _;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use super::github::exposure_word;
use super::ScanReport;
use crate::finding::{Finding, VerificationStatus};

const TEMPLATE: &str = include_str!("html/page.html");
const STYLE: &str = include_str!("html/page.css");
const SCRIPT: &str = include_str!("html/page.js");

mod charts;

pub fn emit(report: &ScanReport<'_>, out: &mut dyn Write) -> io::Result<()> {
    let data = escape_script_data(&serde_json::to_string(&data(report))?);
    let csp = format!(
        "default-src 'none'; script-src '{}'; style-src '{}'; base-uri 'none'; form-action 'none'",
        csp_hash(SCRIPT),
        csp_hash(STYLE)
    );
    let shows_secrets = report.findings.iter().any(|f| f.secret.is_some());
    let mut title = format!("keyhound: {}", plural(report.findings.len(), "finding"));
    if let Some(run) = report.run {
        let _ = write!(title, ", {}", run.time);
    }
    let values: [(&str, &str); 10] = [
        ("title", &escape(&title)),
        ("csp", &escape(&csp)),
        ("style", STYLE),
        ("banner", if shows_secrets { BANNER } else { "" }),
        ("summary", &summary(report)),
        ("charts", &charts::charts(report)),
        ("remediation", &remediation(report)),
        ("run", &run_footer(report)),
        ("data", &data),
        ("script", SCRIPT),
    ];
    out.write_all(fill(TEMPLATE, &values).as_bytes())
}

const BANNER: &str = "<div class=\"banner\" role=\"alert\">This report shows secrets in full \
    (<code>--show-secrets</code>). Keep it to yourself: do not attach it to a ticket, mail or \
    chat, and delete it when you are done.</div>";

/// `template` with every `{{name}}` replaced by its value, in one pass: a value that happens
/// to hold `{{...}}` (a file name, a provider's text) is not expanded again.
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out =
        String::with_capacity(template.len() + values.iter().map(|v| v.1.len()).sum::<usize>());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find("}}")
            .expect("the template closes every placeholder");
        let name = &after[..end];
        let value = values
            .iter()
            .find(|(k, _)| *k == name)
            .unwrap_or_else(|| panic!("the template names {name}, which is not filled"));
        out.push_str(value.1);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

/// `'sha256-...'`: lets exactly this inline script or style run under the page's CSP.
fn csp_hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    format!(
        "sha256-{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// JSON made safe inside `<script type="application/json">`: `<` (which could close the
/// element with `</script>` or open a comment), `>` and `&` written as `\u` escapes, and the
/// line separators some parsers choke on. Outside strings JSON holds none of these, so the
/// text parses back to the same value.
fn escape_script_data(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// Text for HTML element content and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// The findings as columns: `s` is every distinct text once, each text column holds indices
/// into it (0 is the empty text: absent), each number column numbers (`null`: absent). A
/// column no finding has a value for is left out.
fn data(report: &ScanReport<'_>) -> Value {
    let mut strings = Interner::default();
    let findings = report.findings;
    let mut text_columns: Vec<(&str, Vec<u32>)> = Vec::new();
    let mut text = |name: &'static str, get: &dyn Fn(&Finding) -> Option<String>| {
        let col: Vec<u32> = findings
            .iter()
            .map(|f| get(f).map_or(0, |t| strings.intern(&t)))
            .collect();
        if col.iter().any(|&i| i != 0) {
            text_columns.push((name, col));
        }
    };
    text("rule", &|f| Some(f.rule.clone()));
    text("name", &|f| Some(f.name.clone()));
    text("provider", &|f| Some(f.provider.clone()));
    // A merged report of several repositories names each finding's (`acme/api: src/app.env`),
    // so the path filter also picks a repository.
    let first = findings.first().map(|f| &f.repository);
    let many = findings.iter().any(|f| Some(&f.repository) != first);
    text("path", &|f| match (&f.repository, many) {
        (Some(r), true) => Some(format!("{r}: {}", f.path)),
        _ => Some(f.path.clone()),
    });
    text("severity", &|f| Some(f.severity.as_str().to_string()));
    text("confidence", &|f| Some(f.confidence.to_string()));
    text("exposure", &|f| Some(exposure_word(f.exposure).to_string()));
    text("exposure_reason", &|f| Some(f.exposure_reason.clone()));
    text("status", &|f| {
        f.verification
            .as_ref()
            .map(|v| v.status.as_str().to_string())
    });
    text("detail", &|f| {
        f.verification.as_ref().map(|v| v.detail.clone())
    });
    text("access", &|f| {
        f.verification
            .as_ref()
            .and_then(|v| v.access.as_ref())
            .map(super::access_summary)
    });
    text("commit", &|f| f.commit.clone());
    text("author", &|f| f.git.author.clone());
    text("date", &|f| f.git.date.clone());
    text("redacted", &|f| Some(f.redacted.clone()));
    text("secret", &|f| f.secret.clone());
    text("frame", &|f| frame_text(f).map(|(t, _)| t));
    text("encoding", &|f| f.encoding.clone());
    text("attributed_by", &|f| f.attributed_by.clone());

    let mut number_columns: Vec<(&str, Vec<Option<u64>>)> = Vec::new();
    let mut number = |name: &'static str, get: &dyn Fn(&Finding) -> Option<u64>| {
        let col: Vec<Option<u64>> = findings.iter().map(get).collect();
        if col.iter().any(Option::is_some) {
            number_columns.push((name, col));
        }
    };
    number("line", &|f| Some(f.line as u64));
    number("column", &|f| Some(f.column as u64));
    number("frame_start", &|f| frame_text(f).map(|(_, s)| s.0 as u64));
    number("frame_len", &|f| frame_text(f).map(|(_, s)| s.1 as u64));
    number("age_days", &|f| f.git.age_days);
    number("overdue", &|f| f.git.rotation_overdue.map(u64::from));
    number("at_head", &|f| f.git.present_at_head.map(u64::from));

    let mut columns = Map::new();
    for (name, col) in text_columns {
        columns.insert(name.into(), json!(col));
    }
    for (name, col) in number_columns {
        columns.insert(name.into(), json!(col));
    }
    json!({
        "n": findings.len(),
        "time": report.run.map(|r| r.time.clone()),
        "s": strings.texts,
        "c": columns,
    })
}

/// The frame line with its cuts marked, and the secret's place in it (start, length, in
/// characters); `None` when the finding carries no frame (a report read back from JSON).
fn frame_text(f: &Finding) -> Option<(String, (usize, usize))> {
    let frame = &f.frame;
    if frame.text.is_empty() {
        return None;
    }
    let mut text = String::new();
    let mut start = frame.start;
    if frame.cut_start {
        text.push('…');
        start += 1;
    }
    text.push_str(&frame.text);
    if frame.cut_end {
        text.push('…');
    }
    Some((text, (start, frame.len)))
}

#[derive(Default)]
struct Interner {
    texts: Vec<String>,
    index: HashMap<String, u32>,
}

impl Interner {
    fn intern(&mut self, text: &str) -> u32 {
        if self.texts.is_empty() {
            self.texts.push(String::new());
            self.index.insert(String::new(), 0);
        }
        if let Some(&i) = self.index.get(text) {
            return i;
        }
        let i = u32::try_from(self.texts.len()).expect("fewer than 4 billion distinct texts");
        self.texts.push(text.to_string());
        self.index.insert(text.to_string(), i);
        i
    }
}

/// Counts of `key` over the findings, largest first (then by name, so ties print the same
/// every run).
fn counts<'f>(
    findings: &'f [Finding],
    key: impl Fn(&'f Finding) -> String,
) -> Vec<(String, usize)> {
    let mut map: BTreeMap<String, usize> = BTreeMap::new();
    for f in findings {
        *map.entry(key(f)).or_default() += 1;
    }
    let mut list: Vec<(String, usize)> = map.into_iter().collect();
    list.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    list
}

/// Counts in a fixed order of names (severity, confidence, exposure read best in their own
/// order), leaving out the names with none.
fn ordered_counts(
    findings: &[Finding],
    order: &[&str],
    key: impl Fn(&Finding) -> String,
) -> Vec<(String, usize)> {
    let all = counts(findings, key);
    order
        .iter()
        .filter_map(|name| all.iter().find(|(k, _)| k == name).cloned())
        .collect()
}

const SEVERITIES: [&str; 4] = ["critical", "high", "medium", "low"];
const CONFIDENCES: [&str; 3] = ["high", "medium", "low"];
const EXPOSURES: [&str; 5] = ["client", "server", "test", "docs", "unknown"];

/// The summary: the total, then one small table of counts per dimension. Each count links to
/// the table filtered by it (`#severity=high`), the same filter the controls set.
fn summary(report: &ScanReport<'_>) -> String {
    let f = report.findings;
    let stats = report.stats;
    let mut html = String::new();
    let _ = write!(
        html,
        "<div class=\"totals\"><div class=\"big\"><span id=\"total\">{}</span> {}</div>\
         <div>in {} of {} scanned</div></div>",
        f.len(),
        if f.len() == 1 { "finding" } else { "findings" },
        plural(
            f.iter()
                .map(|f| f.archive.as_deref().unwrap_or(&f.path))
                .collect::<std::collections::BTreeSet<_>>()
                .len(),
            "file"
        ),
        plural(stats.files_scanned as usize, "file"),
    );
    html.push_str("<div class=\"counts\">");
    let severity = ordered_counts(f, &SEVERITIES, |f| f.severity.as_str().to_string());
    count_table(&mut html, "Severity", "severity", &severity);
    let confidence = ordered_counts(f, &CONFIDENCES, |f| f.confidence.to_string());
    count_table(&mut html, "Confidence", "confidence", &confidence);
    let exposure = ordered_counts(f, &EXPOSURES, |f| exposure_word(f.exposure).to_string());
    count_table(&mut html, "Exposure", "exposure", &exposure);
    count_table(
        &mut html,
        "Provider",
        "provider",
        &counts(f, |f| f.provider.clone()),
    );
    if f.iter().any(|f| f.verification.is_some()) {
        let status = ordered_counts(f, &["live", "dead", "unknown", "unverified"], |f| {
            f.verification
                .as_ref()
                .map_or("unverified", |v| v.status.as_str())
                .to_string()
        });
        count_table(&mut html, "Verification", "status", &status);
    }
    if f.iter().any(|f| f.git.rotation_overdue.is_some()) {
        let overdue = f
            .iter()
            .filter(|f| f.git.rotation_overdue == Some(true))
            .count();
        let _ = write!(
            html,
            "<table class=\"count\"><caption>Rotation</caption><tr><td><a href=\"#overdue=1\">\
             overdue</a></td><td class=\"n\">{overdue}</td></tr></table>"
        );
    }
    html.push_str("</div>");
    let live = f
        .iter()
        .filter(|f| matches!(&f.verification, Some(v) if v.status == VerificationStatus::Live))
        .count();
    if live > 0 {
        let _ = write!(
            html,
            "<p class=\"alarm\"><a href=\"#status=live\">{} verified live</a>: revoke {} first.</p>",
            plural(live, "key"),
            if live == 1 { "it" } else { "them" }
        );
    }
    html
}

fn count_table(html: &mut String, caption: &str, key: &str, counts: &[(String, usize)]) {
    if counts.is_empty() {
        return;
    }
    let _ = write!(html, "<table class=\"count\"><caption>{caption}</caption>");
    for (name, n) in counts {
        let _ = write!(
            html,
            "<tr><td><a href=\"#{key}={}\">{}</a></td><td class=\"n\">{n}</td></tr>",
            escape(&fragment_value(name)),
            escape(name)
        );
    }
    html.push_str("</table>");
}

/// A value as the page's fragment carries it: percent-encoded like `encodeURIComponent`.
fn fragment_value(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// "How to fix": once per rule and provider found, with the first link of the remediation as
/// the revoke link and the rule's references.
fn remediation(report: &ScanReport<'_>) -> String {
    let mut fixes: BTreeMap<(&str, &str), (&Finding, usize)> = BTreeMap::new();
    for f in report.findings {
        fixes
            .entry((f.rule.as_str(), f.provider.as_str()))
            .or_insert((f, 0))
            .1 += 1;
    }
    if fixes.is_empty() {
        return String::new();
    }
    let mut html = String::from("<section id=\"fix\"><h2>How to fix</h2>");
    for ((rule_id, provider), (first, n)) in fixes {
        let _ = write!(
            html,
            "<article class=\"fix\"><h3>{} <code>{}</code> <span class=\"muted\">{}, \
             <a href=\"#rule={}&amp;provider={}\">{}</a></span></h3>",
            escape(&first.name),
            escape(rule_id),
            escape(provider),
            escape(&fragment_value(rule_id)),
            escape(&fragment_value(provider)),
            plural(n, "finding")
        );
        let Some(rule) = report.rules.get(rule_id) else {
            html.push_str(
                "<p class=\"muted\">This rule is not among the rules loaded.</p></article>",
            );
            continue;
        };
        let text = rule.remediation_for(provider);
        if let Some(url) = links(text).next() {
            let _ = write!(
                html,
                "<p><a class=\"revoke\" href=\"{}\" rel=\"noreferrer\">Revoke or rotate at {}</a></p>",
                escape(url),
                escape(url)
            );
        }
        let _ = write!(html, "<p>{}</p>", linkify(text));
        if !rule.references().is_empty() {
            html.push_str("<ul class=\"refs\">");
            for r in rule.references() {
                let _ = write!(
                    html,
                    "<li><a href=\"{}\" rel=\"noreferrer\">{}</a></li>",
                    escape(r),
                    escape(r)
                );
            }
            html.push_str("</ul>");
        }
        html.push_str("</article>");
    }
    html.push_str("</section>");
    html
}

/// The `https://` links in prose, without the sentence's punctuation after them.
fn links(text: &str) -> impl Iterator<Item = &str> {
    text.split_whitespace()
        .filter(|w| w.starts_with("https://"))
        .map(|w| w.trim_end_matches(['.', ',', ';', ':', ')', '\'', '"']))
}

/// Prose escaped, with its `https://` links made anchors.
fn linkify(text: &str) -> String {
    let mut html = String::new();
    for (i, word) in text.split(' ').enumerate() {
        if i > 0 {
            html.push(' ');
        }
        if let Some(url) = links(word).next() {
            let rest = &word[url.len()..];
            let _ = write!(
                html,
                "<a href=\"{}\" rel=\"noreferrer\">{}</a>{}",
                escape(url),
                escape(url),
                escape(rest)
            );
        } else {
            html.push_str(&escape(word));
        }
    }
    html
}

/// What was run, when, by which version; and what was scanned.
fn run_footer(report: &ScanReport<'_>) -> String {
    let s = report.stats;
    let mut html = String::from("<dl class=\"run\">");
    if let Some(run) = report.run {
        let _ = write!(
            html,
            "<dt>Command</dt><dd><code id=\"command\">{}</code></dd><dt>Time</dt><dd>{}</dd>\
             <dt>keyhound</dt><dd>{}</dd>",
            escape(&run.command),
            escape(&run.time),
            escape(&run.version)
        );
    }
    let _ = write!(
        html,
        "<dt>Scanned</dt><dd>{} ({} bytes), {}</dd>",
        plural(s.files_scanned as usize, "file"),
        s.bytes_scanned,
        plural(s.rules as usize, "rule")
    );
    let skipped = s.skipped_binary + s.skipped_too_large + s.unreadable + s.skipped_special;
    if skipped > 0 || !report.problems.is_empty() {
        let _ = write!(
            html,
            "<dt>Skipped</dt><dd>{} binary, {} too large, {} unreadable, {} special; {}</dd>",
            s.skipped_binary,
            s.skipped_too_large,
            s.unreadable,
            s.skipped_special,
            plural(report.problems.len(), "warning")
        );
    }
    html.push_str("</dl>");
    if !report.problems.is_empty() {
        let _ = write!(
            html,
            "<details class=\"warnings\"><summary>{}</summary><ul>",
            plural(report.problems.len(), "warning")
        );
        for p in report.problems.iter().take(WARNINGS_LISTED) {
            let _ = write!(
                html,
                "<li><code>{}</code>: {}</li>",
                escape(&p.path),
                escape(&p.message)
            );
        }
        if report.problems.len() > WARNINGS_LISTED {
            let _ = write!(
                html,
                "<li>and {} more: the JSON report lists them all</li>",
                report.problems.len() - WARNINGS_LISTED
            );
        }
        html.push_str("</ul></details>");
    }
    html
}

/// Warnings listed in the footer; a tree with thousands of binary files would drown the page.
const WARNINGS_LISTED: usize = 200;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Frame, Verification};
    use crate::report::{RunInfo, Stats};
    use crate::rules::{Confidence, RuleSet};

    fn finding(rule: &str, provider: &str, path: &str, line: usize) -> Finding {
        let mut f = Finding::for_test(rule, (0, 1), line, "sk-secret", Confidence::High);
        f.provider = provider.into();
        f.name = format!("{provider} key");
        f.path = path.into();
        f.redacted = "sk-****".into();
        f.frame = Frame {
            text: "KEY=sk-****".into(),
            start: 4,
            len: 7,
            cut_start: false,
            cut_end: false,
        };
        f
    }

    fn render(findings: &[Finding], run: Option<&RunInfo>) -> String {
        let rules = RuleSet::builtin().expect("built-in rules load");
        let stats = Stats {
            files_scanned: 3,
            findings: findings.len() as u64,
            ..Stats::default()
        };
        let report = ScanReport {
            findings,
            stats: &stats,
            problems: &[],
            rules: &rules,
            color: false,
            width: crate::report::DEFAULT_WIDTH,
            run,
        };
        let mut out = Vec::new();
        emit(&report, &mut out).expect("writing to memory works");
        String::from_utf8(out).expect("UTF-8")
    }

    /// The text of the data block, parsed.
    fn data_of(page: &str) -> Value {
        let start = page.find("id=\"data\">").expect("a data block") + "id=\"data\">".len();
        let end = start + page[start..].find("</script>").expect("the block ends");
        serde_json::from_str(&page[start..end]).expect("the data block is JSON")
    }

    #[test]
    fn text_in_findings_cannot_leave_the_data_block() {
        let hostile = "x</script><script>alert(1)</script><!--<b>&amp;\u{2028}";
        let mut f = finding("deepseek.api-key", hostile, hostile, 1);
        f.exposure_reason = "</SCRIPT >".into();
        let page = render(&[f], None);
        // The template's own two script elements, and nothing else.
        assert_eq!(page.matches("<script").count(), 2, "{page}");
        assert_eq!(page.to_lowercase().matches("</script").count(), 2);
        assert!(!page.contains("alert(1)</"));
        let data = data_of(&page);
        let texts: Vec<&str> = data["s"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let path = data["c"]["path"][0].as_u64().unwrap() as usize;
        assert_eq!(texts[path], hostile, "the text reads back as it was");
        assert!(texts.contains(&"</SCRIPT >"));
    }

    #[test]
    fn placeholders_in_values_are_not_expanded() {
        let filled = fill("<a>{{x}}</a><b>{{y}}</b>", &[("x", "{{y}}"), ("y", "why")]);
        assert_eq!(filled, "<a>{{y}}</a><b>why</b>");
    }

    #[test]
    fn the_policy_lets_exactly_the_inline_script_and_style_run() {
        let page = render(&[finding("deepseek.api-key", "DeepSeek", "a.env", 1)], None);
        let script_start = page.rfind("<script>").unwrap() + "<script>".len();
        let script_end = script_start + page[script_start..].find("</script>").unwrap();
        let style_start = page.find("<style>").unwrap() + "<style>".len();
        let style_end = style_start + page[style_start..].find("</style>").unwrap();
        let csp = format!(
            "default-src &#39;none&#39;; script-src &#39;{}&#39;; style-src &#39;{}&#39;",
            csp_hash(&page[script_start..script_end]),
            csp_hash(&page[style_start..style_end])
        );
        assert!(page.contains(&csp), "{csp}");
        // Nothing in the page names a place to fetch from.
        for attr in ["src=", "@import", "url(", "<link"] {
            assert!(!page.contains(attr), "{attr}");
        }
    }

    #[test]
    fn secrets_show_only_when_the_findings_carry_them_and_then_with_a_banner() {
        let plain = render(&[finding("deepseek.api-key", "DeepSeek", "a.env", 1)], None);
        assert!(!plain.contains("class=\"banner\""));
        assert!(!plain.contains("sk-secret"));
        let mut shown = finding("deepseek.api-key", "DeepSeek", "a.env", 1);
        shown.secret = Some("sk-secret".into());
        let page = render(&[shown], None);
        assert!(page.contains("<div class=\"banner\" role=\"alert\">This report shows secrets"));
        assert!(data_of(&page)["s"]
            .as_array()
            .unwrap()
            .contains(&json!("sk-secret")));
    }

    #[test]
    fn the_run_shows_only_when_given_so_tests_stay_deterministic() {
        let findings = [finding("deepseek.api-key", "DeepSeek", "a.env", 1)];
        let a = render(&findings, None);
        assert_eq!(a, render(&findings, None));
        assert!(!a.contains("id=\"command\""));
        assert_eq!(data_of(&a)["time"], Value::Null);
        let run = RunInfo {
            command: "keyhound scan . --format html".into(),
            time: "2026-03-04T05:06:07Z".into(),
            version: "9.9.9".into(),
        };
        let b = render(&findings, Some(&run));
        assert!(b.contains("<code id=\"command\">keyhound scan . --format html</code>"));
        assert!(b.contains("<dd>2026-03-04T05:06:07Z</dd>"));
        assert_eq!(data_of(&b)["time"], "2026-03-04T05:06:07Z");
    }

    #[test]
    fn texts_are_stored_once_and_absent_columns_left_out() {
        let findings: Vec<Finding> = (1..=50)
            .map(|i| finding("deepseek.api-key", "DeepSeek", "same/path.env", i))
            .collect();
        let data = data_of(&render(&findings, None));
        let texts = data["s"].as_array().unwrap();
        assert_eq!(texts.iter().filter(|t| *t == "same/path.env").count(), 1);
        assert_eq!(data["c"]["path"].as_array().unwrap().len(), 50);
        for absent in ["commit", "author", "status", "secret", "age_days"] {
            assert!(data["c"].get(absent).is_none(), "{absent}");
        }
    }

    #[test]
    fn summary_counts_and_links_to_filters() {
        let mut live = finding("deepseek.api-key", "DeepSeek", "a.env", 1);
        live.verification = Some(Verification {
            status: VerificationStatus::Live,
            detail: "200".into(),
            access: None,
        });
        let mut overdue = finding("gitlab.personal-access-token", "GitLab", "b.env", 2);
        overdue.git.rotation_overdue = Some(true);
        overdue.git.date = Some("2024-02-03T04:05:06Z".into());
        overdue.commit = Some("0123456789abcdef0123456789abcdef01234567".into());
        let mut old = finding("gitlab.personal-access-token", "Git Lab & co", "c.env", 3);
        old.git.date = Some("2023-11-30T00:00:00+02:00".into());
        let page = render(&[live, overdue, old], None);
        let cases = [
            "<span id=\"total\">3</span> findings",
            "<a href=\"#provider=DeepSeek\">DeepSeek</a></td><td class=\"n\">1</td>",
            "<a href=\"#provider=Git%20Lab%20%26%20co\">Git Lab &amp; co</a>",
            "<a href=\"#status=live\">live</a></td><td class=\"n\">1</td>",
            "<a href=\"#status=unverified\">unverified</a></td><td class=\"n\">2</td>",
            "<a href=\"#overdue=1\">overdue</a></td><td class=\"n\">1</td>",
            "<a href=\"#status=live\">1 key verified live</a>",
            "Secrets added, by month of commit",
            // 2023-11 to 2024-02: four months, gaps included.
            "<title>2023-12: 0</title>",
            "<title>2024-02: 1</title>",
            "Revoke or rotate at https://platform.deepseek.com/api_keys",
            "<a href=\"#rule=gitlab.personal-access-token&amp;provider=GitLab\">1 finding</a>",
        ];
        for want in cases {
            assert!(page.contains(want), "missing {want}");
        }
    }

    #[test]
    fn warnings_are_listed_escaped_up_to_a_limit() {
        let rules = RuleSet::builtin().expect("built-in rules load");
        let problems: Vec<crate::source::Problem> = (0..WARNINGS_LISTED + 3)
            .map(|i| crate::source::Problem {
                path: format!("<b>{i}.bin"),
                kind: crate::source::ProblemKind::Binary,
                message: "binary file".into(),
            })
            .collect();
        let report = ScanReport {
            findings: &[],
            stats: &Stats::default(),
            problems: &problems,
            rules: &rules,
            color: false,
            width: crate::report::DEFAULT_WIDTH,
            run: None,
        };
        let footer = run_footer(&report);
        assert!(
            footer.contains("<summary>203 warnings</summary>"),
            "{footer}"
        );
        assert!(footer.contains("<li><code>&lt;b&gt;0.bin</code>: binary file</li>"));
        assert!(!footer.contains("&lt;b&gt;200.bin"));
        assert!(footer.contains("<li>and 3 more: the JSON report lists them all</li>"));
    }

    #[test]
    fn links_in_remediation_become_anchors_without_their_punctuation() {
        let text = "Revoke it at https://example.test/keys. Then <b>rotate</b>.";
        assert_eq!(
            links(text).collect::<Vec<_>>(),
            ["https://example.test/keys"]
        );
        assert_eq!(
            linkify(text),
            "Revoke it at <a href=\"https://example.test/keys\" rel=\"noreferrer\">\
             https://example.test/keys</a>. Then &lt;b&gt;rotate&lt;/b&gt;."
        );
    }
}

//! `--format sarif`: SARIF 2.1.0 as GitHub code scanning accepts it. Repo-relative URIs under
//! `%SRCROOT%`, `columnKind`, rules with descriptions, help, `security-severity`, `precision`
//! and tags, our own fingerprint under `partialFingerprints`, an `automationDetails.id` with a
//! `/`, and at most [`MAX_RESULTS`] results per run (code scanning rejects more).

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde_json::{json, Value};
use serde_sarif::sarif::{
    ArtifactLocation, Invocation, Location, Message, MultiformatMessageString, Notification,
    PhysicalLocation, PropertyBag, Region, ReportingConfiguration, ReportingDescriptor,
    Result as SarifResult, ResultLevel, Run, RunAutomationDetails, Sarif, Tool, ToolComponent,
};

use super::{security_severity, ScanReport};
use crate::finding::{Exposure, Finding};
use crate::rules::{Confidence, Rule};

pub const MAX_RESULTS: usize = 25_000;
const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const FINGERPRINT_KEY: &str = "keyhound/v1";

fn level(c: Confidence) -> &'static str {
    match c {
        Confidence::High => "error",
        Confidence::Medium => "warning",
        Confidence::Low => "note",
    }
}

/// A result's level: confidence sets the base, exposure moves it one step. A key that ships
/// to browsers or phones is public the day it ships, so a client finding is raised; one in
/// tests or docs is lowered (it still counts: test keys are often real).
fn result_level(c: Confidence, e: Exposure) -> ResultLevel {
    let base: u8 = match c {
        Confidence::High => 2,
        Confidence::Medium => 1,
        Confidence::Low => 0,
    };
    let step = match e {
        Exposure::Client => (base + 1).min(2),
        Exposure::Test | Exposure::Docs => base.saturating_sub(1),
        Exposure::Server | Exposure::Unknown => base,
    };
    match step {
        2 => ResultLevel::Error,
        1 => ResultLevel::Warning,
        _ => ResultLevel::Note,
    }
}

/// A key verified live is an error whatever else is known; one verified dead is a note (it
/// still sits in the code, but no longer opens anything).
fn verified_level(f: &Finding, level: ResultLevel) -> ResultLevel {
    use crate::finding::VerificationStatus as V;
    match f.verification.as_ref().map(|v| &v.status) {
        Some(V::Live) => ResultLevel::Error,
        Some(V::Dead) => ResultLevel::Note,
        Some(V::Unknown) | None => level,
    }
}

fn precision(c: Confidence) -> &'static str {
    match c {
        Confidence::High => "very-high",
        Confidence::Medium => "high",
        Confidence::Low => "medium",
    }
}

fn text(s: impl Into<String>) -> MultiformatMessageString {
    MultiformatMessageString::builder().text(s.into()).build()
}

fn descriptor(rule: &Rule) -> ReportingDescriptor {
    let spec = &rule.spec;
    let (description, remediation, references) =
        (rule.description(), rule.remediation(), rule.references());
    let refs: String = references.iter().map(|r| format!("- <{r}>\n")).collect();
    let help_md = format!(
        "**{}** ({})\n\n{}\n\n**Remediation.** {}\n\n**References**\n\n{}",
        spec.name, spec.provider, description, remediation, refs
    );
    let help_text = format!(
        "{}\n\nRemediation: {}\n\nReferences: {}",
        description,
        remediation,
        references.join(" ")
    );
    let mut props = BTreeMap::new();
    props.insert(
        "security-severity".to_string(),
        json!(format!(
            "{:.1}",
            security_severity(spec.confidence, Exposure::Unknown)
        )),
    );
    props.insert("precision".to_string(), json!(precision(spec.confidence)));
    props.insert("provider".to_string(), json!(spec.provider));
    ReportingDescriptor::builder()
        .id(spec.id.clone())
        .name(pascal(&spec.id))
        .short_description(text(spec.name.clone()))
        .full_description(text(description))
        .help(
            MultiformatMessageString::builder()
                .text(help_text)
                .markdown(help_md)
                .build(),
        )
        .help_uri(references[0].clone())
        .default_configuration(
            ReportingConfiguration::builder()
                .level(json!(level(spec.confidence)))
                .build(),
        )
        .properties(
            PropertyBag::builder()
                .tags(vec![
                    "security".to_string(),
                    "secret".to_string(),
                    "external/cwe/cwe-798".to_string(),
                ])
                .additional_properties(props)
                .build(),
        )
        .build()
}

/// `deepseek.api-key` -> `DeepseekApiKey`: SARIF rule names are identifiers.
fn pascal(id: &str) -> String {
    id.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// A relative URI reference: each path segment percent-encoded, `/` kept.
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Where a finding is: relative to the work tree (`%SRCROOT%`), or an absolute `file:` URI
/// for a file outside any work tree and the current folder.
fn artifact(path: &str) -> ArtifactLocation {
    if path.starts_with('/') {
        ArtifactLocation::builder()
            .uri(format!("file://{}", uri(path)))
            .build()
    } else {
        ArtifactLocation::builder()
            .uri(uri(path))
            .uri_base_id("%SRCROOT%")
            .build()
    }
}

fn result(f: &Finding, rule_index: i64) -> SarifResult {
    let score = super::finding_severity(f);
    let region = Region::builder()
        .start_line(f.line as i64)
        .start_column(f.column as i64)
        .end_line(f.end_line as i64)
        .end_column(f.end_column as i64)
        .build();
    let location = Location::builder()
        .physical_location(
            PhysicalLocation::builder()
                .artifact_location(artifact(&f.repo_path))
                .region(region)
                .build(),
        )
        .build();
    let mut props: BTreeMap<String, Value> = BTreeMap::new();
    props.insert("provider".into(), json!(f.provider));
    props.insert("confidence".into(), json!(f.confidence));
    props.insert("exposure".into(), json!(f.exposure));
    props.insert("exposure_reason".into(), json!(f.exposure_reason));
    props.insert("redacted".into(), json!(f.redacted));
    props.insert("secret_sha256".into(), json!(f.secret_sha256));
    props.insert("security-severity".into(), json!(format!("{score:.1}")));
    props.insert("severity".into(), json!(f.severity));
    if let Some(e) = &f.encoding {
        props.insert("encoding".into(), json!(e));
    }
    if let (Some(a), Some(m)) = (&f.archive, &f.member) {
        props.insert("archive".into(), json!(a));
        props.insert("member".into(), json!(m));
    }
    if let Some(a) = &f.attributed_by {
        props.insert("attributed_by".into(), json!(a));
    }
    if let Some(l) = f.partner_line {
        props.insert("partner_line".into(), json!(l));
    }
    if let Some(v) = &f.verification {
        props.insert("verification".into(), json!(v));
    }
    if let Some(c) = &f.commit {
        props.insert("commit".into(), json!(c));
    }
    // Code scanning takes one run per tool and category in an upload (since July 2025), so a
    // report of many repositories is one run that names each result's repository.
    if let Some(r) = &f.repository {
        props.insert("repository".into(), json!(r));
    }
    if let Some(v) = serde_json::to_value(&f.git)
        .ok()
        .filter(|v| v != &json!({}))
    {
        props.insert("git".into(), v);
    }
    let overdue = if f.git.rotation_overdue == Some(true) {
        format!(
            "; rotation overdue: first committed {} days ago and still present",
            f.git.age_days.unwrap_or_default()
        )
    } else {
        String::new()
    };
    let mut fingerprints = BTreeMap::new();
    fingerprints.insert(FINGERPRINT_KEY.to_string(), f.fingerprint.clone());
    SarifResult::builder()
        .rule_id(f.rule.clone())
        .rule_index(rule_index)
        .level(verified_level(f, result_level(f.confidence, f.exposure)))
        .message(
            Message::builder()
                .text(format!(
                    "{} ({}) found: {}{}{overdue}",
                    f.name,
                    f.provider,
                    f.redacted,
                    in_member(f)
                ))
                .build(),
        )
        .locations(vec![location])
        .partial_fingerprints(fingerprints)
        .properties(PropertyBag::builder().additional_properties(props).build())
        .build()
}

/// Where in an archive the secret is: the location names the archive, whose lines are not the
/// member's (`; in member assets/config.properties, line 3, column 12`).
fn in_member(f: &Finding) -> String {
    match &f.member {
        Some(m) => format!(
            "; in member {m} of the archive, line {}, column {}",
            f.line, f.column
        ),
        None => String::new(),
    }
}

pub fn emit(report: &ScanReport<'_>, out: &mut dyn Write) -> io::Result<()> {
    let shown = &report.findings[..report.findings.len().min(MAX_RESULTS)];
    let mut ids: Vec<&str> = shown.iter().map(|f| f.rule.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    let rules: Vec<ReportingDescriptor> = ids
        .iter()
        .filter_map(|id| report.rules.get(id))
        .map(descriptor)
        .collect();
    let results: Vec<SarifResult> = shown
        .iter()
        .map(|f| {
            result(
                f,
                ids.binary_search(&f.rule.as_str()).map_or(-1, |i| i as i64),
            )
        })
        .collect();
    let mut notes: Vec<Notification> = report
        .problems
        .iter()
        .map(|p| {
            Notification::builder()
                .message(
                    Message::builder()
                        .text(format!("{}: {}", p.path, p.message))
                        .build(),
                )
                .level(json!("warning"))
                .build()
        })
        .collect();
    if report.findings.len() > MAX_RESULTS {
        notes.push(
            Notification::builder()
                .message(
                    Message::builder()
                        .text(format!(
                            "{} findings, of which the first {MAX_RESULTS} are in this file (GitHub code scanning accepts no more per run); use --format json for all",
                            report.findings.len()
                        ))
                        .build(),
                )
                .level(json!("warning"))
                .build(),
        );
    }
    let driver = ToolComponent::builder()
        .name("keyhound")
        .version(env!("CARGO_PKG_VERSION"))
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .information_uri("https://github.com/keyhound/keyhound")
        .rules(rules)
        .build();
    let invocation = Invocation::builder()
        .execution_successful(true)
        .tool_execution_notifications(notes)
        .build();
    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(results)
        .invocations(vec![invocation])
        .column_kind(json!("unicodeCodePoints"))
        .automation_details(RunAutomationDetails::builder().id("keyhound/").build())
        .build();
    let sarif = Sarif::builder()
        .schema(SCHEMA)
        .version(json!("2.1.0"))
        .runs(vec![run])
        .build();
    serde_json::to_writer_pretty(&mut *out, &sarif)?;
    out.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_follows_confidence_and_exposure() {
        use Confidence::*;
        use Exposure::*;
        let cases = [
            (High, Client, ResultLevel::Error),
            (Medium, Client, ResultLevel::Error),
            (Low, Client, ResultLevel::Warning),
            (High, Server, ResultLevel::Error),
            (Medium, Unknown, ResultLevel::Warning),
            (High, Test, ResultLevel::Warning),
            (Medium, Docs, ResultLevel::Note),
            (Low, Test, ResultLevel::Note),
        ];
        for (c, e, want) in cases {
            let got = serde_json::to_value(result_level(c, e)).expect("a level serializes");
            let want = serde_json::to_value(want).expect("a level serializes");
            assert_eq!(got, want, "{c:?} {e:?}");
        }
    }

    #[test]
    fn names_and_uris() {
        assert_eq!(pascal("deepseek.api-key"), "DeepseekApiKey");
        assert_eq!(uri("src/a b/ü.rs"), "src/a%20b/%C3%BC.rs");
    }
}

//! What the reporters promise: the SARIF that code scanning accepts, the JSON contract, and
//! the same bytes whatever the thread count.

use serde::Deserialize;
use serde_json::Value;

use crate::util::{fixture, path_str, scan, tree};

fn sarif_validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(fixture("schema/sarif-2.1.0.schema.json"))
        .expect("the schema is in fixtures/");
    let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
    jsonschema::validator_for(&schema).expect("the SARIF schema compiles")
}

/// Validates against the SARIF 2.1.0 schema; every SARIF test goes through here.
pub fn assert_valid_sarif(doc: &Value) {
    let validator = sarif_validator();
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "invalid SARIF:\n{}", errors.join("\n"));
}

fn sarif_of(args: &[&str]) -> Value {
    let mut all = vec!["--format", "sarif"];
    all.extend_from_slice(args);
    let out = scan(&all);
    let doc: Value = serde_json::from_slice(&out.stdout).expect("SARIF is JSON");
    assert_valid_sarif(&doc);
    doc
}

#[test]
fn sarif_validates_and_has_what_code_scanning_needs() {
    let doc = sarif_of(&[path_str(&fixture("deepseek"))]);
    assert_eq!(doc["version"], "2.1.0");
    let run = &doc["runs"][0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    assert!(run["automationDetails"]["id"]
        .as_str()
        .unwrap()
        .contains('/'));
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(!rules.is_empty());
    for r in rules {
        for field in ["shortDescription", "fullDescription", "help"] {
            assert!(
                !r[field]["text"].as_str().unwrap_or("").is_empty(),
                "rule {} lacks {field}",
                r["id"]
            );
        }
        assert!(!r["help"]["markdown"].as_str().unwrap_or("").is_empty());
        let sev: f64 = r["properties"]["security-severity"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((0.0..=10.0).contains(&sev));
        assert!(r["properties"]["precision"].is_string());
        assert!(r["properties"]["tags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t == "security"));
    }
    let results = run["results"].as_array().unwrap();
    // 16 keys, and 3 value-less exposure findings (rules/client-exposure.toml).
    assert_eq!(results.len(), 19);
    for res in results {
        assert!(matches!(
            res["level"].as_str(),
            Some("error" | "warning" | "note")
        ));
        let loc = &res["locations"][0]["physicalLocation"];
        let uri = loc["artifactLocation"]["uri"].as_str().unwrap();
        // Relative to this repository's work tree, whatever folder was scanned: a file
        // code scanning can open.
        assert!(
            !uri.starts_with('/') && !uri.contains("://") && uri.starts_with("fixtures/deepseek/"),
            "not repo-relative: {uri}"
        );
        let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(uri.replace("%20", " "));
        assert!(file.is_file(), "{uri} does not resolve from the work tree");
        assert!(loc["region"]["startLine"].as_u64().unwrap() >= 1);
        let fp = res["partialFingerprints"].as_object().unwrap();
        assert!(fp.contains_key("keyhound/v1"));
        assert!(!fp.contains_key("primaryLocationLineHash"));
        let rule_index = res["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[rule_index]["id"], res["ruleId"]);
        assert!(
            !res["message"]["text"]
                .as_str()
                .unwrap()
                .contains("sk-4f1a9c2e"),
            "secret in message"
        );
    }
}

#[test]
fn sarif_without_findings_and_with_warnings_validates() {
    let dir = tree(&[("a.txt", b"nothing here"), ("b.bin", b"\x00\x01\x02binary")]);
    let doc = sarif_of(&[path_str(dir.path())]);
    assert_eq!(doc["runs"][0]["results"].as_array().unwrap().len(), 0);
    let notes = doc["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert!(notes
        .iter()
        .any(|n| n["message"]["text"].as_str().unwrap().contains("b.bin")));
}

/// The JSON contract as documented in the design: every field, with its type.
#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Contract {
    version: u32,
    findings: Vec<ContractFinding>,
    stats: serde_json::Map<String, Value>,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct ContractFinding {
    rule: String,
    provider: String,
    path: String,
    repo_path: String,
    severity: String,
    line: u64,
    column: u64,
    end_line: u64,
    end_column: u64,
    secret_sha256: String,
    redacted: String,
    confidence: String,
    exposure: String,
    verification: Option<ContractVerification>,
    fingerprint: String,
    commit: Option<String>,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct ContractVerification {
    status: String,
    detail: String,
}

#[test]
fn json_output_follows_the_contract() {
    let out = scan(&["--format", "json", path_str(&fixture("deepseek"))]);
    assert_eq!(out.status.code(), Some(1));
    let report: Contract = serde_json::from_slice(&out.stdout).expect("the JSON contract");
    assert_eq!(report.version, 1);
    assert_eq!(report.findings.len(), 19);
    let raw: Value = serde_json::from_slice(&out.stdout).unwrap();
    for (f, r) in report
        .findings
        .iter()
        .zip(raw["findings"].as_array().unwrap())
    {
        // Present even when null: consumers index them without checking.
        assert!(r.get("verification").is_some() && r.get("commit").is_some());
        assert!(
            r.get("secret").is_none(),
            "secret printed without --show-secrets"
        );
        assert_eq!(f.secret_sha256.len(), 64);
        if f.rule.starts_with("exposure.") {
            // Value-less: the code is shown as it is.
            assert!(!f.redacted.contains("****"), "{}", f.redacted);
        } else {
            assert!(f.redacted.ends_with("****") && f.redacted.len() <= 10);
        }
        assert!(matches!(
            f.severity.as_str(),
            "critical" | "high" | "medium" | "low"
        ));
        assert!(matches!(f.confidence.as_str(), "high" | "medium" | "low"));
        assert!(matches!(
            f.exposure.as_str(),
            "client" | "server" | "test" | "docs" | "unknown"
        ));
        // The root as typed, joined with the rest; and relative to the work tree for SARIF.
        let root = path_str(&fixture("deepseek")).to_string();
        assert!(f.path.starts_with(&format!("{root}/")), "{}", f.path);
        assert_eq!(
            format!("fixtures/deepseek/{}", &f.path[root.len() + 1..]),
            f.repo_path
        );
        assert!(f.line >= 1 && f.column >= 1 && (f.end_line, f.end_column) > (f.line, f.column));
    }
    assert_eq!(report.stats["findings"], 19);
}

#[test]
fn jsonl_has_one_finding_per_line() {
    let out = scan(&["--format", "jsonl", path_str(&fixture("deepseek"))]);
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 19);
    let keys = lines.iter().filter(|l| l["rule"] == "deepseek.api-key");
    assert_eq!(keys.count(), 16);
}

#[test]
fn output_is_byte_identical_for_any_thread_count() {
    let root = fixture("deepseek");
    for format in ["human", "json", "jsonl", "sarif"] {
        let one = scan(&["--format", format, "--threads", "1", path_str(&root)]);
        let many = scan(&["--format", format, path_str(&root)]);
        let four = scan(&["--format", format, "--threads", "4", path_str(&root)]);
        assert!(!one.stdout.is_empty());
        assert_eq!(one.stdout, many.stdout, "{format}: --threads 1 vs default");
        assert_eq!(one.stdout, four.stdout, "{format}: --threads 1 vs 4");
    }
}

#[test]
fn human_output_groups_by_file_and_redacts() {
    let out = scan(&[path_str(&fixture("deepseek"))]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        !text.contains("sk-4f1a9c2e7b3d8e6f0a5c1b9d2e7f3a8c"),
        "secret printed"
    );
    assert!(
        text.contains(".env\n  4:18  DeepSeek API key [deepseek.api-key]"),
        "{text}"
    );
    assert!(
        text.contains("  4 | DEEPSEEK_API_KEY=sk-4f1****\n"),
        "{text}"
    );
    assert!(
        text.contains("    |                  ^^^^^^^^^^\n"),
        "{text}"
    );
    assert!(text.contains("\nHow to fix\n"), "{text}");
    assert!(
        text.contains("    Delete the key at https://platform.deepseek.com/api_keys"),
        "{text}"
    );
    let summary = crate::util::stderr(&out);
    assert!(summary.contains("19 findings in 16 of "), "{summary}");
}

#[test]
fn show_secrets_prints_them() {
    let out = scan(&["--show-secrets", path_str(&fixture("deepseek"))]);
    assert!(String::from_utf8(out.stdout)
        .unwrap()
        .contains("sk-4f1a9c2e7b3d8e6f0a5c1b9d2e7f3a8c"));
}

#[test]
fn output_file_is_written_whole() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("report.sarif");
    let out = scan(&[
        "--format",
        "sarif",
        "--output",
        path_str(&target),
        path_str(&fixture("deepseek")),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let doc: Value = serde_json::from_slice(&std::fs::read(&target).unwrap()).unwrap();
    assert_valid_sarif(&doc);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers,
        vec![std::ffi::OsString::from("report.sarif")],
        "temporary files left behind"
    );
}

#[test]
fn sarif_caps_results_at_25000_and_says_so() {
    let mut text = String::from("# deepseek keys\n");
    let mut state: u128 = 0x2545F4914F6CDD1D;
    for _ in 0..26_000 {
        state = state
            .wrapping_mul(0x5851F42D4C957F2D)
            .wrapping_add(0x14057B7EF767814F);
        text.push_str(&format!("sk-{:032x}\n", state));
    }
    let dir = tree(&[("keys.txt", text.as_bytes())]);
    let doc = sarif_of(&[path_str(dir.path())]);
    let run = &doc["runs"][0];
    assert_eq!(run["results"].as_array().unwrap().len(), 25_000);
    let notes = run["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert!(notes.iter().any(|n| n["message"]["text"]
        .as_str()
        .unwrap()
        .contains("first 25000")));
}

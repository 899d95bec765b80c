//! `keyhound rules list | check | explain`, and custom rule files.

use crate::util::{keyhound, path_str, scan_json, tree};

#[test]
fn rules_check_passes_on_the_builtin_rules() {
    let out = keyhound().args(["rules", "check"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.starts_with("ok: "), "{text}");
}

#[test]
fn rules_list_and_explain() {
    let out = keyhound().args(["rules", "list"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.lines().any(|l| l.starts_with("deepseek.api-key ")),
        "{text}"
    );
    let out = keyhound()
        .args(["rules", "explain", "deepseek.api-key"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("DeepSeek API key (deepseek.api-key)") && text.contains("Remediation"),
        "{text}"
    );
    let out = keyhound()
        .args(["rules", "explain", "nope.nope"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("rules list"));
}

const CUSTOM: &str = r#"
[[rule]]
id = "acme.token"
provider = "Acme"
name = "Acme token"
description = "An Acme API token."
keywords = ["acme_"]
pattern = 'acme_[a-z0-9]{20}'
confidence = "high"
references = ["https://acme.example/docs"]
remediation = "Revoke it at https://acme.example/keys."
examples = ['TOKEN=acme_a8f3k2m9x7q4w1e6r5t0']
negative_examples = ['acme_xxxxxxxxxxxxxxxxxxxx']
"#;

#[test]
fn custom_rules_are_used_and_checked() {
    let dir = tree(&[
        ("rules.toml", CUSTOM.as_bytes()),
        ("src/a.py", b"token = 'acme_q8w2e4r6t1y3u5i7o9p0'\n"),
    ]);
    let rules = dir.path().join("rules.toml");
    let report = scan_json(&[
        "--rules",
        path_str(&rules),
        path_str(&dir.path().join("src")),
    ]);
    assert_eq!(report["findings"][0]["rule"], "acme.token");
    let out = keyhound()
        .args(["rules", "check", "--rules", path_str(&rules)])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    let bad = tree(&[(
        "bad.toml",
        CUSTOM.replace("acme_[a-z0-9]{20}", "acme_[a-z").as_bytes(),
    )]);
    let out = keyhound()
        .args([
            "scan",
            "--rules",
            path_str(&bad.path().join("bad.toml")),
            path_str(dir.path()),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.toml") && err.contains("acme.token") && err.contains("invalid pattern"),
        "{err}"
    );

    let wrong = tree(&[(
        "w.toml",
        CUSTOM
            .replace(
                "['acme_xxxxxxxxxxxxxxxxxxxx']",
                "['acme_q8w2e4r6t1y3u5i7o9p0']",
            )
            .as_bytes(),
    )]);
    let out = keyhound()
        .args([
            "rules",
            "check",
            "--rules",
            path_str(&wrong.path().join("w.toml")),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout)
        .contains("FAIL acme.token: negative example is reported"));
}

/// Every example and negative example of every built-in rule, through the whole engine.
#[test]
fn every_builtin_example_behaves() {
    use keyhound::detect::{check_rules, DetectOptions, Engine};
    use keyhound::rules::RuleSet;
    let set = RuleSet::builtin().unwrap();
    for rule in set.rules() {
        assert!(
            !rule.spec.examples.is_empty() && !rule.spec.negative_examples.is_empty(),
            "{}",
            rule.id()
        );
    }
    let engine = Engine::new(set, DetectOptions::default()).unwrap();
    let failures = check_rules(&engine);
    assert!(failures.is_empty(), "{failures:#?}");
}

//! Suppressions: inline markers, `.keyhound.toml` (excludes, allowlists, custom rules, minimum
//! confidence), baselines, and `--explain` saying why each finding was dropped.

use std::path::Path;
use std::process::Output;

use crate::util::{findings, keyhound, path_str, scan, scan_json, stderr, tree, ACME_RULE};

const SECRET: &str = "sk-4f1a9c2e7b3d8e6f0a5c1b9d2e7f3a8c";
const OTHER: &str = "sk-9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b";

fn key_line(secret: &str, comment: &str) -> String {
    format!("DEEPSEEK_API_KEY={secret}{comment}\n")
}

fn paths(report: &serde_json::Value) -> Vec<String> {
    findings(report)
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect()
}

/// `keyhound baseline ARGS`.
fn baseline(args: &[&str]) -> Output {
    keyhound()
        .arg("baseline")
        .args(args)
        .output()
        .expect("the keyhound binary runs")
}

/// The `--explain` lines, with the scan root `root` (as typed) taken off the paths they
/// start with.
fn explained_under(out: &Output, root: &std::path::Path) -> Vec<String> {
    let prefix = format!("{}/", path_str(root));
    stderr(out)
        .lines()
        .filter(|l| l.starts_with("dropped: ") || l.starts_with("excluded: "))
        .map(|l| l.replacen(&format!(": {prefix}"), ": ", 1))
        .collect()
}

#[test]
fn inline_markers_on_the_line_and_above() {
    // (file, text, whether it is reported)
    let plain = key_line(SECRET, "");
    let cases: Vec<(&str, String, bool)> = vec![
        (
            "same/keyhound.env",
            key_line(SECRET, " # keyhound:allow"),
            false,
        ),
        (
            "same/scoped.env",
            key_line(SECRET, " # keyhound:allow(deepseek.api-key)"),
            false,
        ),
        (
            "same/gitleaks.env",
            key_line(SECRET, " # gitleaks:allow"),
            false,
        ),
        (
            "same/pragma.env",
            key_line(SECRET, " # pragma: allowlist secret"),
            false,
        ),
        (
            "above/keyhound.env",
            format!("# keyhound:allow\n{plain}"),
            false,
        ),
        (
            "above/scoped.env",
            format!("# keyhound:allow(deepseek.api-key)\n{plain}"),
            false,
        ),
        (
            "above/gitleaks.env",
            format!("# gitleaks:allow\n{plain}"),
            false,
        ),
        (
            "above/pragma.env",
            format!("# pragma: allowlist secret\n{plain}"),
            false,
        ),
        (
            "other-rule/same.env",
            key_line(SECRET, " # keyhound:allow(openai.api-key)"),
            true,
        ),
        (
            "other-rule/above.env",
            format!("# keyhound:allow(openai.api-key)\n{plain}"),
            true,
        ),
        (
            "two-lines-above.env",
            format!("# keyhound:allow\n\n{plain}"),
            true,
        ),
        ("line-below.env", format!("{plain}# keyhound:allow\n"), true),
    ];
    let files: Vec<(&str, &[u8])> = cases.iter().map(|(p, t, _)| (*p, t.as_bytes())).collect();
    let dir = tree(&files);
    let report = scan_json(&[path_str(dir.path())]);
    let mut want: Vec<String> = cases
        .iter()
        .filter(|c| c.2)
        .map(|c| c.0.to_string())
        .collect();
    want.sort();
    assert_eq!(paths(&report), want);
    for f in findings(&report) {
        assert_eq!(f["rule"], "deepseek.api-key", "{f}");
    }
}

#[test]
fn a_marker_inside_the_secret_does_not_count() {
    // A rule whose secrets may hold `:`, so that a secret can contain the marker text.
    let config = ACME_RULE.replace("'acme_[a-z0-9]{20}'", "'acme_[a-z0-9:]{20,40}'");
    let dir = tree(&[
        (".keyhound.toml", config.as_bytes()),
        ("a.env", b"TOKEN=acme_k3x9keyhound:allowq7m2p5w8z\n"),
    ]);
    let out = scan(&["--format", "json", "--explain", path_str(dir.path())]);
    let mut report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    crate::util::relative_to_root(&mut report, &[path_str(dir.path())]);
    assert_eq!(paths(&report), vec!["a.env"], "{}", stderr(&out));
    assert_eq!(
        explained_under(&out, dir.path()),
        vec!["excluded: .keyhound.toml: the configuration file in use"]
    );
}

#[test]
fn a_baselined_secret_moved_to_another_line_or_file_stays_suppressed() {
    let dir = tree(&[("a.env", key_line(SECRET, "").as_bytes())]);
    let out_dir = tempfile::tempdir().unwrap();
    let bl = out_dir.path().join("baseline.json");
    let out = baseline(&["--output", path_str(&bl), path_str(dir.path())]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let with_baseline = |d: &Path| scan(&["--baseline", path_str(&bl), path_str(d)]);
    assert_eq!(with_baseline(dir.path()).status.code(), Some(0));

    // Another line of the same file.
    std::fs::write(
        dir.path().join("a.env"),
        format!("# moved\n\n{}", key_line(SECRET, "")),
    )
    .unwrap();
    assert_eq!(with_baseline(dir.path()).status.code(), Some(0));

    // Another file.
    std::fs::remove_file(dir.path().join("a.env")).unwrap();
    std::fs::create_dir_all(dir.path().join("deep/er")).unwrap();
    std::fs::write(dir.path().join("deep/er/b.env"), key_line(SECRET, "")).unwrap();
    let out = with_baseline(dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    // A different secret on the exact line of the baselined one is reported.
    std::fs::write(dir.path().join("deep/er/b.env"), key_line(OTHER, "")).unwrap();
    let report = scan_json(&["--baseline", path_str(&bl), path_str(dir.path())]);
    assert_eq!(paths(&report), vec!["deep/er/b.env"]);
    assert_eq!(findings(&report)[0]["line"], 1);
}

#[test]
fn the_baseline_is_byte_identical_on_a_rerun_and_holds_no_secret() {
    let dir = tree(&[
        ("a.env", key_line(SECRET, "").as_bytes()),
        ("b/copy.env", key_line(SECRET, "").as_bytes()),
        ("c.env", key_line(OTHER, "").as_bytes()),
    ]);
    let out_dir = tempfile::tempdir().unwrap();
    let bl = out_dir.path().join("bl.json");
    let run = || {
        let out = baseline(&["-o", path_str(&bl), path_str(dir.path())]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        std::fs::read(&bl).unwrap()
    };
    let first = run();
    let second = run();
    assert_eq!(first, second);
    let text = String::from_utf8(first).unwrap();
    assert!(!text.contains(SECRET) && !text.contains(OTHER), "{text}");
    // Nor the hashes a scan reports, nor any part of the secrets worth brute-forcing from.
    let report = scan_json(&[path_str(dir.path())]);
    for f in findings(&report) {
        let hash = f["secret_sha256"].as_str().unwrap();
        assert!(!text.contains(hash), "{text}");
    }
    assert!(!text.contains("4f1a9c2e7b3d8e6f"), "{text}");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["version"], 1);
    let entries = v["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "one entry per distinct rule and secret");
    let all_paths: Vec<&serde_json::Value> = entries.iter().map(|e| &e["paths"]).collect();
    assert!(
        all_paths.contains(&&serde_json::json!(["a.env", "b/copy.env"])),
        "{text}"
    );
    assert!(!text.contains("\"line\""), "{text}");
    assert!(text.ends_with("}\n"));
    // The default output, inside the scanned tree: the baseline does not find itself.
    let in_tree = || {
        let out = keyhound()
            .arg("baseline")
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        std::fs::read(dir.path().join(".keyhound-baseline.json")).unwrap()
    };
    let first = in_tree();
    assert_eq!(first, in_tree());
    assert_eq!(first, second);
}

#[test]
fn baseline_update_keeps_reasons_and_reports_stale_entries() {
    let dir = tree(&[
        ("a.env", key_line(SECRET, "").as_bytes()),
        ("c.env", key_line(OTHER, "").as_bytes()),
    ]);
    let out_dir = tempfile::tempdir().unwrap();
    let bl = out_dir.path().join("bl.json");
    let out = baseline(&["-o", path_str(&bl), path_str(dir.path())]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&bl).unwrap()).unwrap();
    for e in v["entries"].as_array_mut().unwrap() {
        let p = e["paths"][0].as_str().unwrap().to_string();
        e["reason"] = serde_json::json!(format!("accepted in {p}"));
    }
    std::fs::write(&bl, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
    std::fs::remove_file(dir.path().join("c.env")).unwrap();

    let out = baseline(&["--update", "-o", path_str(&bl), path_str(dir.path())]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    let stale: Vec<&str> = err.lines().filter(|l| l.starts_with("stale: ")).collect();
    assert_eq!(stale.len(), 1, "{err}");
    assert!(stale[0].contains("(c.env)"), "{err}");
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&bl).unwrap()).unwrap();
    let entries = v["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["reason"], "accepted in a.env");

    // The reason shows in --explain.
    let out = scan(&[
        "--explain",
        "--baseline",
        path_str(&bl),
        path_str(dir.path()),
    ]);
    let lines: Vec<String> = explained_under(&out, dir.path())
        .into_iter()
        .filter(|l| !l.contains("duplicate of"))
        .collect();
    assert_eq!(lines.len(), 1, "{}", stderr(&out));
    assert!(lines[0].ends_with("(accepted in a.env)"), "{lines:?}");
}

#[test]
fn a_malformed_baseline_is_an_error_naming_the_file() {
    let dir = tree(&[
        ("a.env", key_line(SECRET, "").as_bytes()),
        ("bl.json", b"{\"version\": 1}"),
    ]);
    let bl = dir.path().join("bl.json");
    let out = scan(&["--baseline", path_str(&bl), path_str(dir.path())]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("{}: not a valid baseline", bl.display())),
        "{err}"
    );
}

#[test]
fn configuration_allowlists_excludes_and_minimum_confidence() {
    let config = r#"
exclude = ["vendor/"]

[[allow]]
reason = "fixtures hold fake keys"
paths = ["fixtures/**"]

[[allow]]
reason = "the documented sample key"
rules = ["deepseek.api-key"]
values = ['^sk-9e8d7c']
"#;
    let dir = tree(&[
        (".keyhound.toml", config.as_bytes()),
        ("vendor/lib.env", key_line(SECRET, "").as_bytes()),
        ("fixtures/a/b.env", key_line(SECRET, "").as_bytes()),
        ("docs.env", key_line(OTHER, "").as_bytes()),
        ("src/app.env", key_line(SECRET, "").as_bytes()),
        // Medium confidence: no DeepSeek context.
        ("src/medium.txt", format!("k = '{SECRET}'\n").as_bytes()),
    ]);
    let root = path_str(dir.path());
    assert_eq!(
        paths(&scan_json(&[root])),
        vec!["src/app.env", "src/medium.txt"]
    );

    // min_confidence in the file, and the flag winning over it.
    std::fs::write(
        dir.path().join(".keyhound.toml"),
        format!("min_confidence = \"high\"\n{config}"),
    )
    .unwrap();
    assert_eq!(paths(&scan_json(&[root])), vec!["src/app.env"]);
    assert_eq!(
        paths(&scan_json(&["--min-confidence", "low", root])),
        vec!["src/app.env", "src/medium.txt"]
    );

    // --config elsewhere replaces the file at the root.
    let other = tempfile::tempdir().unwrap();
    let cfg = other.path().join("k.toml");
    std::fs::write(&cfg, "exclude = [\"src/\"]\n").unwrap();
    assert_eq!(
        paths(&scan_json(&["--config", path_str(&cfg), root])),
        vec!["docs.env", "fixtures/a/b.env", "vendor/lib.env"]
    );
}

#[test]
fn custom_rules_from_the_configuration() {
    let rule = ACME_RULE;
    let dir = tree(&[
        (".keyhound.toml", rule.as_bytes()),
        ("a.env", b"TOKEN=acme_a8f3k2m9x7q4w1e6r5t0\n"),
    ]);
    // The configuration file holds the rule's example, and is not scanned.
    let report = scan_json(&[path_str(dir.path())]);
    assert_eq!(paths(&report), vec!["a.env"]);
    assert_eq!(findings(&report)[0]["rule"], "acme.token");

    let with_verify = format!(
        "{rule}[rule.verify]\nmethod = \"GET\"\nurl = \"https://evil.example/\"\nlive = [200]\ndead = [401]\n"
    );
    std::fs::write(dir.path().join(".keyhound.toml"), with_verify).unwrap();
    // The verifier is dropped with a warning; the rule still detects.
    let out = scan(&[path_str(dir.path())]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains(".keyhound.toml:2: rule `acme.token` declares a verifier; it is ignored"),
        "{err}"
    );
}

#[test]
fn bad_configurations_fail_naming_file_line_and_key() {
    // (file text, what the message says after the file name)
    let cases: &[(&str, &str)] = &[
        (
            "exclude = [\"vendor/\"]\ncolour = \"red\"\n",
            ":2:1: key `colour`: unknown field `colour`",
        ),
        (
            "[[allow]]\nreason = \"r\"\nvalues = ['sk-(']\n",
            ":3:11: key `values`: invalid regex \"sk-(\"",
        ),
        (
            "\n[[allow]]\nrules = [\"deepseek.api-key\"]\n",
            ":2:1: key `allow`: missing field `reason`",
        ),
        (
            "[[allow]]\nreason = \"\"\nrules = [\"deepseek.api-key\"]\n",
            ":2:10: key `reason`: the reason is empty",
        ),
        (
            "[[allow]]\nreason = \"r\"\nrules = [\"deepseek.api-kee\"]\n",
            ":3: key `rules`: unknown rule id `deepseek.api-kee`",
        ),
        (
            "min_confidence = \"certain\"\n",
            ":1:18: key `min_confidence`: unknown variant `certain`",
        ),
        (
            "[severity]\n\"deepseek.api-key\" = \"dire\"\n",
            ":2:22: key `\"deepseek.api-key\"`: unknown variant `dire`",
        ),
        (
            "[severity]\n\"deepseek.api-kee\" = \"low\"\n",
            ":2: key `severity`: unknown rule id `deepseek.api-kee`",
        ),
    ];
    for (text, want) in cases {
        let dir = tree(&[
            (".keyhound.toml", text.as_bytes()),
            ("a.env", key_line(SECRET, "").as_bytes()),
        ]);
        let out = scan(&[path_str(dir.path())]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{text}: {err}");
        let file = dir.path().join(".keyhound.toml");
        let want = format!("error: {}{want}", file.display());
        assert!(err.contains(&want), "wanted {want:?} in {err:?}");
    }
}

#[test]
fn explain_says_why_each_finding_was_dropped() {
    let config = r#"exclude = ["vendor/"]

[[allow]]
reason = "fixtures hold fake keys"
paths = ["fixtures/**"]
"#;
    let dir = tree(&[
        (".keyhound.toml", config.as_bytes()),
        ("vendor/lib.env", key_line(SECRET, "").as_bytes()),
        ("fixtures/b.env", key_line(SECRET, "").as_bytes()),
        (
            "marked.env",
            format!("# gitleaks:allow\n{}", key_line(SECRET, "")).as_bytes(),
        ),
        (
            "scoped.env",
            key_line(SECRET, " # keyhound:allow(deepseek.api-key)").as_bytes(),
        ),
        ("old.env", key_line(OTHER, "").as_bytes()),
    ]);
    let out_dir = tempfile::tempdir().unwrap();
    let bl = out_dir.path().join("bl.json");
    let out = baseline(&["-o", path_str(&bl), path_str(dir.path())]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let out = scan(&[
        "--explain",
        "--baseline",
        path_str(&bl),
        path_str(dir.path()),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let fp = {
        let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&bl).unwrap()).unwrap();
        v["entries"][0]["fingerprint"].as_str().unwrap().to_string()
    };
    let cfg = dir.path().join(".keyhound.toml");
    let cfg = cfg.display();
    // The generic rule's finding of the same bytes is dropped as a duplicate, and says so.
    let dup = |at: &str| {
        format!("dropped: {at} generic.secret-assignment: duplicate of a finding of deepseek.api-key on the same bytes")
    };
    assert_eq!(
        explained_under(&out, dir.path()),
        vec![
            "excluded: .keyhound.toml: the configuration file in use".to_string(),
            format!("excluded: vendor/lib.env: excluded by `vendor/` at {cfg}:1"),
            format!(
                "dropped: fixtures/b.env:1:18 deepseek.api-key: allowlist entry at {cfg}:3 (fixtures hold fake keys)"
            ),
            dup("fixtures/b.env:1:18"),
            "dropped: marked.env:2:18 deepseek.api-key: inline marker `gitleaks:allow` on line 1"
                .to_string(),
            dup("marked.env:2:18"),
            format!(
                "dropped: old.env:1:18 deepseek.api-key: baseline entry {fp} in {}",
                bl.display()
            ),
            dup("old.env:1:18"),
            "dropped: scoped.env:1:18 deepseek.api-key: inline marker `keyhound:allow(deepseek.api-key)` on line 1"
                .to_string(),
            dup("scoped.env:1:18"),
        ]
    );
    // Without --explain, nothing of this is printed.
    let quiet = scan(&["--baseline", path_str(&bl), path_str(dir.path())]);
    assert!(
        explained_under(&quiet, dir.path()).is_empty(),
        "{}",
        stderr(&quiet)
    );
}

/// `[severity]` in the configuration overrides a rule's severity in every output.
#[test]
fn severity_overrides_from_the_configuration() {
    let dir = tree(&[
        (
            ".keyhound.toml",
            b"[severity]\n\"deepseek.api-key\" = \"critical\"\n",
        ),
        ("a.env", key_line(SECRET, "").as_bytes()),
    ]);
    let report = scan_json(&[path_str(dir.path())]);
    assert_eq!(findings(&report)[0]["severity"], "critical", "{report:#}");
    let out = scan(&["--format", "sarif", path_str(dir.path())]);
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    crate::outputs::assert_valid_sarif(&sarif);
    assert_eq!(
        sarif["runs"][0]["results"][0]["properties"]["security-severity"],
        "9.5"
    );
    let human = String::from_utf8(scan(&[path_str(dir.path())]).stdout).unwrap();
    assert!(human.contains("severity: critical"), "{human}");
    // Without an override the severity is derived (confidence high, server: high).
    let plain = tree(&[("a.env", key_line(SECRET, "").as_bytes())]);
    let report = scan_json(&[path_str(plain.path())]);
    assert_eq!(findings(&report)[0]["severity"], "high", "{report:#}");
}

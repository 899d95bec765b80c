//! Shared helpers: running the binary, parsing its JSON, building temp trees.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

pub fn keyhound() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_keyhound"));
    cmd.env_remove("CI");
    cmd
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

/// Runs `keyhound scan ARGS` and returns the output, checking the exit code is one of ours.
pub fn scan(args: &[&str]) -> Output {
    let out = keyhound()
        .arg("scan")
        .args(args)
        .output()
        .expect("the keyhound binary runs");
    let code = out.status.code().expect("keyhound exits normally");
    assert!(
        code <= 2,
        "unexpected exit code {code}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `keyhound scan --format json ARGS`, parsed, with paths under the scan root written
/// relative to it (see [`relative_to_root`]).
pub fn scan_json(args: &[&str]) -> Value {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let out = scan(&all);
    let mut report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    relative_to_root(&mut report, args);
    report
}

/// Reports give paths as the root was typed joined with the rest (`/tmp/x/a.env` for the
/// root `/tmp/x`). Most tests pass one absolute temp folder as the root and compare paths
/// inside it: this strips that root from `path` in findings and warnings, so they read
/// `a.env`. Tests of the path convention itself (tests/it/everyday.rs) read the raw output.
pub fn relative_to_root(report: &mut Value, args: &[&str]) {
    let roots: Vec<&str> = args
        .iter()
        .copied()
        .filter(|a| a.starts_with('/') && Path::new(a).is_dir())
        .collect();
    let [root] = roots[..] else { return };
    let prefix = format!("{}/", root.trim_end_matches('/'));
    for list in ["findings", "warnings"] {
        if let Some(items) = report[list].as_array_mut() {
            for item in items {
                if let Some(rel) = item["path"].as_str().and_then(|p| p.strip_prefix(&prefix)) {
                    item["path"] = Value::String(rel.to_string());
                }
            }
        }
    }
}

pub fn findings(v: &Value) -> &Vec<Value> {
    v["findings"].as_array().expect("findings is an array")
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A temp dir holding `files` (path, contents).
pub fn tree(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temp dir");
    for (path, data) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().expect("a file has a parent")).expect("mkdir");
        std::fs::write(&p, data).expect("write fixture");
    }
    dir
}

pub fn path_str(p: &Path) -> &str {
    p.to_str().expect("temp paths are UTF-8")
}

/// A small custom rule file, for tests of `--rules` and `.keyhound.toml` rules.
pub const ACME_RULE: &str = r#"
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

//! The everyday things around detection that a new user meets first: exit codes for paths
//! that cannot be read, paths that resolve from where the user or CI stands, one report per
//! stream, bounded threads, quiet ends on closed pipes, colour, the progress bar, the human
//! report and its summary, severity in every format, configuration discovery, standard input,
//! rule selection and the wording of errors. Each test is named after the defect it pins.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

use crate::outputs::assert_valid_sarif;
use crate::util::{keyhound, path_str, stderr, tree};

const DEEPSEEK: &str = "sk-4f1a9c2e7b3d8e6f0a5c1b9d2e7f3a8c";

fn key_line() -> Vec<u8> {
    format!("DEEPSEEK_API_KEY={DEEPSEEK}\n").into_bytes()
}

/// `keyhound ARGS` run in `dir`.
fn run_in(dir: &Path, args: &[&str]) -> Output {
    keyhound()
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("KEYHOUND_CONFIG")
        .output()
        .expect("keyhound runs")
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            stderr(out)
        )
    })
}

fn paths(report: &Value, field: &str) -> Vec<String> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f[field].as_str().expect("a string").to_string())
        .collect()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn have_git() -> bool {
    let ok = Command::new("git")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("skipped: the `git` command is not installed");
    }
    ok
}

/// A git work tree with `files`, nothing committed (the work tree root is what matters).
fn git_tree(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tree(files);
    let ok = Command::new("git")
        .args(["init", "-q"])
        .current_dir(dir.path())
        .status()
        .expect("git runs");
    assert!(ok.success());
    dir
}

// Defect 1: a path named on the command line that cannot be read is an error.

#[test]
fn a_missing_path_is_an_error_that_names_it() {
    let dir = tree(&[("a.env", &key_line())]);
    for strict in [false, true] {
        let mut args = vec!["scan", ".", "nosuch/dir"];
        if strict {
            args.push("--strict");
        }
        let out = run_in(dir.path(), &args);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains("cannot scan nosuch/dir") && err.contains("No such file"),
            "{err}"
        );
    }
    let out = run_in(dir.path(), &["baseline", "/nonexistent/keyhound"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(!dir.path().join(".keyhound-baseline.json").exists());
}

#[test]
fn an_unreadable_file_named_on_the_command_line_is_an_error() {
    let dir = tree(&[("locked.env", &key_line())]);
    let locked = dir.path().join("locked.env");
    std::os::unix::fs::PermissionsExt::set_mode(
        &mut std::fs::metadata(&locked).unwrap().permissions(),
        0,
    );
    let mut perms = std::fs::metadata(&locked).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0);
    std::fs::set_permissions(&locked, perms).unwrap();
    let bin = env!("CARGO_BIN_EXE_keyhound");
    let out = if crate::privileges::is_root() {
        if Command::new("setpriv").arg("--help").output().is_err() {
            eprintln!("skipped: running as root and setpriv is missing");
            return;
        }
        Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", bin])
            .args(["scan", path_str(&locked)])
            .output()
            .unwrap()
    } else {
        Command::new(bin)
            .args(["scan", path_str(&locked)])
            .output()
            .unwrap()
    };
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("locked.env"), "{}", stderr(&out));
}

#[test]
fn strict_says_which_file_failed() {
    let dir = tree(&[("a.env", &key_line()), ("big.env", &[b'x'; 4096])]);
    let out = run_in(
        dir.path(),
        &["scan", "--strict", "--max-file-size", "1K", "."],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("error: --strict: 1 file could not be read or scanned (first: big.env:"),
        "{err}"
    );
}

// Defect 2: paths resolve from where the user or CI stands.

#[test]
fn paths_are_as_typed_and_sarif_and_annotations_are_work_tree_relative() {
    if !have_git() {
        return;
    }
    let dir = git_tree(&[
        ("sub/app.env", &key_line()),
        ("sub/src/app.tsx", &key_line()),
    ]);
    let root = dir.path();
    // From the work tree root, naming the folder.
    let report = json(&run_in(root, &["scan", "sub", "-f", "json"]));
    assert_eq!(paths(&report, "path"), ["sub/app.env", "sub/src/app.tsx"]);
    assert_eq!(
        paths(&report, "repo_path"),
        ["sub/app.env", "sub/src/app.tsx"]
    );
    let gh = stdout(&run_in(root, &["scan", "sub", "-f", "github"]));
    assert!(gh.contains("file=sub/app.env,"), "{gh}");
    // From inside the folder: human paths are relative to `.`, SARIF to the work tree.
    let sub = root.join("sub");
    let report = json(&run_in(&sub, &["scan", "-f", "json"]));
    assert_eq!(paths(&report, "path"), ["app.env", "src/app.tsx"]);
    let sarif = json(&run_in(&sub, &["scan", ".", "-f", "sarif"]));
    assert_valid_sarif(&sarif);
    let uris: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(uris, ["sub/app.env", "sub/src/app.tsx"]);
    let gh = stdout(&run_in(&sub, &["scan", "src", "-f", "github"]));
    assert!(gh.contains("file=sub/src/app.tsx,"), "{gh}");
    // One root or two: the same convention.
    let human = stdout(&run_in(root, &["scan", "sub/src", "sub/app.env"]));
    assert!(human.contains("sub/src/app.tsx\n"), "{human}");
    assert!(human.contains("sub/app.env\n"), "{human}");
    let human = stdout(&run_in(root, &["scan", "sub/src"]));
    assert!(human.starts_with("sub/src/app.tsx\n"), "{human}");
}

#[test]
fn outside_git_sarif_is_relative_to_the_current_folder_or_the_root() {
    let dir = tree(&[("proj/conf/app.env", &key_line())]);
    let proj = dir.path().join("proj");
    let sarif = json(&run_in(&proj, &["scan", "conf", "-f", "sarif"]));
    let loc = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "conf/app.env");
    // A root outside the current folder (and outside git) is the anchor itself.
    let elsewhere = tree(&[("x/y.env", &key_line())]);
    let sarif = json(&run_in(
        &proj,
        &["scan", path_str(elsewhere.path()), "-f", "sarif"],
    ));
    assert_valid_sarif(&sarif);
    let uri = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
        ["artifactLocation"]["uri"];
    assert_eq!(uri, "x/y.env");
}

// Defect 4: one report per stream.

#[test]
fn two_reports_on_stdout_are_a_usage_error() {
    let dir = tree(&[("a.env", &key_line())]);
    for args in [
        &["scan", "-f", "sarif", "--report", "json=-", "."][..],
        &["scan", "--report", "github=-", "--report", "json=-", "."],
    ] {
        let out = run_in(dir.path(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty());
        assert!(stderr(&out).contains("standard output"), "{}", stderr(&out));
    }
    let out = run_in(
        dir.path(),
        &["scan", "-f", "sarif", "--report", "json=r.json", "."],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}

// Defect 5: --threads is bounded.

#[test]
fn threads_are_bounded_with_a_clear_error() {
    let dir = tree(&[("a.env", &key_line())]);
    for n in ["5000", "99999999999", "0"] {
        let out = run_in(dir.path(), &["scan", "--threads", n, "."]);
        assert_eq!(out.status.code(), Some(2), "{n}: {}", stderr(&out));
        assert!(stderr(&out).contains("--threads"), "{}", stderr(&out));
    }
    let out = run_in(dir.path(), &["scan", "--threads", "256", "."]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}

// Defect 6: a closed pipe ends every subcommand quietly.

/// Runs `keyhound ARGS` with stdout a pipe whose reader is gone before anything is written.
fn with_closed_stdout(dir: &Path, args: &[&str]) -> Output {
    let mut child = keyhound()
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("keyhound starts");
    drop(child.stdout.take());
    let mut err = String::new();
    child
        .stderr
        .take()
        .expect("piped")
        .read_to_string(&mut err)
        .expect("stderr reads");
    let status = child.wait().expect("keyhound ends");
    Output {
        status,
        stdout: Vec::new(),
        stderr: err.into_bytes(),
    }
}

#[test]
fn a_closed_pipe_ends_every_subcommand_quietly() {
    let dir = tree(&[("a.env", &key_line())]);
    for args in [
        &["rules", "list"][..],
        &["rules", "list", "--format", "json"],
        &["rules", "explain", "deepseek.api-key"],
        &["rules", "check"],
    ] {
        let out = with_closed_stdout(dir.path(), args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert!(
            !stderr(&out).contains("Broken pipe"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    for format in ["human", "json", "sarif"] {
        let out = with_closed_stdout(dir.path(), &["scan", "-q", "-f", format, "."]);
        // The scan found a key: exit 1 as ever, and nothing said about the pipe.
        assert_eq!(out.status.code(), Some(1), "{format}: {}", stderr(&out));
        assert_eq!(stderr(&out), "", "{format}");
    }
}

// Defect 7: colour.

#[test]
fn colour_follows_the_flag_and_the_environment() {
    let dir = tree(&[("a.env", &key_line())]);
    let esc = |out: &Output| out.stdout.contains(&0x1b);
    // stdout is a pipe here: `auto` means no colour...
    assert!(!esc(&run_in(dir.path(), &["scan", "."])));
    assert!(esc(&run_in(
        dir.path(),
        &["scan", "--color", "always", "."]
    )));
    assert!(!esc(&run_in(
        dir.path(),
        &["scan", "--color", "never", "."]
    )));
    // ...unless CLICOLOR_FORCE says otherwise, and NO_COLOR wins over both in `auto`.
    let forced = keyhound()
        .args(["scan", "."])
        .current_dir(dir.path())
        .env("CLICOLOR_FORCE", "1")
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    assert!(esc(&forced));
    let both = keyhound()
        .args(["scan", "."])
        .current_dir(dir.path())
        .env("CLICOLOR_FORCE", "1")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(!esc(&both));
    // JSON is never coloured.
    assert!(!esc(&run_in(
        dir.path(),
        &["scan", "--color", "always", "-f", "json", "."]
    )));
}

// Defect 8: no progress bar on a short scan, even on a terminal.

#[test]
fn a_short_scan_on_a_terminal_shows_no_progress_bar() {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: `script` (util-linux) is missing, so no terminal can be given");
        return;
    }
    let dir = tree(&[
        ("a.env", &key_line()),
        ("b.txt", b"x"),
        ("c.txt", b"y"),
        ("d.txt", b"z"),
    ]);
    let cmd = format!("{} scan .", env!("CARGO_BIN_EXE_keyhound"));
    let out = Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .current_dir(dir.path())
        .env_remove("CI")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("DeepSeek API key"), "{text}");
    assert!(!text.contains("scanning"), "{text}");
    assert!(!text.contains("files/s"), "{text}");
}

// Defects 9, 10, 11 and 16: the human report and its summary.

#[test]
fn remediation_is_said_once_per_rule_wrapped_and_names_the_right_console() {
    let lines: String = [
        "DEEPSEEK_API_KEY=sk-4f1a9c2e7b3d8e6f0a5c1b9d2e7f3a8c",
        "BACKUP_DEEPSEEK_KEY=sk-9b2e4d7a1c8f3e6b0d5a2c7e9f1b4d8a",
        "OTHER_DEEPSEEK_KEY=sk-7c3a1e9f5b2d8c4e6a0f3b7d1e9c5a2f",
    ]
    .join("\n");
    let dir = tree(&[("app.env", lines.as_bytes())]);
    let out = stdout(&run_in(dir.path(), &["scan", "."]));
    assert_eq!(out.matches("How to fix").count(), 1, "{out}");
    assert_eq!(out.matches("platform.deepseek.com").count(), 1, "{out}");
    assert!(!out.contains("fix:"), "{out}");
    assert!(
        !out.contains("DashScope") && !out.contains("bailian"),
        "{out}"
    );
    let fix = &out[out.find("How to fix").unwrap()..];
    assert!(fix.lines().count() > 2, "{fix}");
    for line in fix.lines() {
        assert!(line.chars().count() <= 100, "{line:?} is longer than 100");
    }
    // A key nothing attributes: the console of each provider it may belong to.
    let dir = tree(&[("k.txt", format!("key = {DEEPSEEK}\n").as_bytes())]);
    let out = stdout(&run_in(dir.path(), &["scan", "."]));
    assert!(out.contains("DeepSeek or DashScope"), "{out}");
    assert!(out.contains("bailian"), "{out}");
}

#[test]
fn binary_files_are_counted_not_listed_unless_verbose() {
    let dir = tree(&[
        ("a.env", &key_line()),
        ("one.bin", b"\x89PNG\x00\x00\x01"),
        ("two.bin", b"\x89PNG\x00\x00\x02"),
    ]);
    let err = stderr(&run_in(dir.path(), &["scan", "."]));
    assert!(!err.contains("warning"), "{err}");
    assert!(err.contains("skipped 2 binary"), "{err}");
    let err = stderr(&run_in(dir.path(), &["scan", "-v", "."]));
    assert_eq!(err.matches("skipped: binary file").count(), 2, "{err}");
}

#[test]
fn value_less_findings_show_the_code_as_it_is() {
    let line =
        format!("const k = process.env.NEXT_PUBLIC_OPENAI_API_KEY || '{DEEPSEEK}'; // deepseek\n");
    let dir = tree(&[("web/src/App.tsx", line.as_bytes())]);
    let out = stdout(&run_in(dir.path(), &["scan", "."]));
    let frames: Vec<&str> = out.lines().filter(|l| l.starts_with("  1 | ")).collect();
    assert_eq!(frames.len(), 2, "{out}");
    // The reference is code, shown whole; the key is masked; both frames are the same line.
    assert!(
        frames[0].contains("process.env.NEXT_PUBLIC_OPENAI_API_KEY || 'sk-4f1****'"),
        "{out}"
    );
    assert_eq!(frames[0], frames[1]);
    let report = json(&run_in(dir.path(), &["scan", "-f", "json", "."]));
    let redacted: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["redacted"].as_str().unwrap())
        .collect();
    assert_eq!(redacted, ["NEXT_PUBLIC_OPENAI_API_KEY", "sk-4f1****"]);
}

#[test]
fn the_summary_counts_files_with_findings_suppressions_and_units() {
    let dir = tree(&[
        ("a.env", &key_line()),
        (
            "b.env",
            format!(
                "X={DEEPSEEK} # keyhound:allow\n\nY=sk-9b2e4d7a1c8f3e6b0d5a2c7e9f1b4d8a deepseek\n"
            )
            .as_bytes(),
        ),
        ("c.txt", b"nothing"),
        ("d.txt", b"nothing"),
    ]);
    let err = stderr(&run_in(dir.path(), &["scan", "."]));
    let summary = err.lines().last().unwrap();
    assert!(
        summary.starts_with("keyhound: 2 findings in 2 of 4 files ("),
        "{summary}"
    );
    assert!(summary.contains(" B in "), "{summary}");
    assert!(!summary.contains("MB/s"), "{summary}");
    assert!(summary.contains("suppressed 1 (1 inline)"), "{summary}");
    let one = tree(&[("a.env", &key_line())]);
    let err = stderr(&run_in(one.path(), &["scan", "."]));
    assert!(
        err.contains("keyhound: 1 finding in 1 of 1 file ("),
        "{err}"
    );
}

// Defect 12: severity in every format.

#[test]
fn every_finding_carries_its_severity_in_every_format() {
    let dir = tree(&[
        ("server.env", &key_line()),
        (
            "web/index.html",
            format!("<script>const k='{DEEPSEEK}' // deepseek</script>").as_bytes(),
        ),
    ]);
    let report = json(&run_in(dir.path(), &["scan", "-f", "json", "."]));
    assert_eq!(paths(&report, "severity"), ["high", "critical"]);
    let jsonl = stdout(&run_in(dir.path(), &["scan", "-f", "jsonl", "."]));
    for line in jsonl.lines() {
        let f: Value = serde_json::from_str(line).unwrap();
        assert!(f["severity"].is_string(), "{line}");
    }
    let md = stdout(&run_in(dir.path(), &["scan", "-f", "markdown", "."]));
    assert!(md.contains("| Severity |"), "{md}");
    assert!(
        md.contains("| critical |") && md.contains("| high |"),
        "{md}"
    );
    let sarif = json(&run_in(dir.path(), &["scan", "-f", "sarif", "."]));
    for r in sarif["runs"][0]["results"].as_array().unwrap() {
        assert!(r["properties"]["severity"].is_string(), "{r}");
        assert!(r["properties"]["security-severity"].is_string(), "{r}");
    }
}

// Defect 13: configuration and baseline discovery.

#[test]
fn the_repository_config_applies_from_a_subfolder_and_from_the_environment() {
    if !have_git() {
        return;
    }
    let config =
        b"[[allow]]\nreason = \"fixtures hold fake keys\"\npaths = [\"src/fixtures/**\"]\n";
    let dir = git_tree(&[
        (".keyhound.toml", config),
        ("src/fixtures/a.env", &key_line()),
        ("src/real.env", &key_line()),
    ]);
    let root = dir.path();
    let src = root.join("src");
    for (cwd, args) in [
        (root, &["scan", "-f", "json", "src"][..]),
        (src.as_path(), &["scan", "-f", "json"]),
        (src.as_path(), &["scan", "-f", "json", "fixtures"]),
    ] {
        let report = json(&run_in(cwd, args));
        let found = paths(&report, "repo_path");
        assert!(
            !found.iter().any(|p| p.contains("fixtures")),
            "{args:?} in {cwd:?}: {found:?}"
        );
    }
    // KEYHOUND_CONFIG names a file anywhere; its globs are relative to the scan root.
    let elsewhere = tree(&[("k.toml", b"exclude = [\"/real.env\"]\n" as &[u8])]);
    let out = keyhound()
        .args(["scan", "-f", "json", "src"])
        .current_dir(root)
        .env("KEYHOUND_CONFIG", elsewhere.path().join("k.toml"))
        .output()
        .unwrap();
    let found = paths(&json(&out), "repo_path");
    assert_eq!(found, ["src/fixtures/a.env"]);
}

#[test]
fn a_baseline_named_in_the_config_is_used_by_scan_and_written_by_baseline() {
    if !have_git() {
        return;
    }
    let dir = git_tree(&[
        (
            ".keyhound.toml",
            b"baseline = \"ci/keyhound-baseline.json\"\n",
        ),
        ("app.env", &key_line()),
        ("ci/.keep", b""),
    ]);
    let root = dir.path();
    let out = run_in(root, &["baseline", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(root.join("ci/keyhound-baseline.json").is_file());
    // Scans from the root and from a subfolder honour it.
    for cwd in [root.to_path_buf(), root.join("ci")] {
        let out = run_in(&cwd, &["scan", "-f", "json"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    // A new key is still reported.
    std::fs::write(
        root.join("new.env"),
        "DEEPSEEK_API_KEY=sk-9b2e4d7a1c8f3e6b0d5a2c7e9f1b4d8a\n",
    )
    .unwrap();
    let out = run_in(root, &["scan", "-f", "json"]);
    assert_eq!(paths(&json(&out), "path"), ["new.env"]);
}

// Defect 14: conventions users expect.

#[test]
fn standard_input_is_scanned_under_its_name() {
    let dir = tree(&[]);
    let mut child = keyhound()
        .args(["scan", "-f", "json", "-", "--stdin-name", "pasted.env"])
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&key_line()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(paths(&json(&out), "path"), ["pasted.env"]);
}

#[test]
fn quiet_exclude_and_rule_selection() {
    let dir = tree(&[
        ("a.env", &key_line()),
        ("vendor/b.env", &key_line()),
        ("c.env", b"AKIAQYLPMN5HHHFPZAM2 aws_secret_access_key\n"),
    ]);
    let quiet = run_in(dir.path(), &["scan", "-q", "."]);
    assert_eq!(quiet.status.code(), Some(1));
    assert_eq!(stderr(&quiet), "");
    assert!(!quiet.stdout.is_empty());
    let report = json(&run_in(
        dir.path(),
        &[
            "scan",
            "-f",
            "json",
            "--exclude",
            "vendor/",
            "--exclude",
            "c.*",
            ".",
        ],
    ));
    assert_eq!(paths(&report, "path"), ["a.env"]);
    let report = json(&run_in(
        dir.path(),
        &["scan", "-f", "json", "--rule", "deepseek", "."],
    ));
    assert!(paths(&report, "rule")
        .iter()
        .all(|r| r == "deepseek.api-key"));
    assert_eq!(paths(&report, "path").len(), 2);
    let report = json(&run_in(
        dir.path(),
        &["scan", "-f", "json", "--skip-rule", "deepseek.api-key", "."],
    ));
    assert!(!paths(&report, "rule")
        .iter()
        .any(|r| r == "deepseek.api-key"));
    let out = run_in(dir.path(), &["scan", "--rule", "deepsek", "."]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("did you mean deepseek.api-key"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn rules_list_has_a_header_aligned_columns_and_json() {
    let dir = tree(&[]);
    let table = stdout(&run_in(dir.path(), &["rules", "list"]));
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("ID "), "{}", lines[0]);
    let col = lines[0].find("CONFIDENCE").unwrap();
    for l in &lines[1..lines.len() - 1] {
        let c = &l[col..col + 1];
        assert!(c != " ", "misaligned: {l:?}");
        assert_eq!(&l[col - 2..col], "  ", "misaligned: {l:?}");
    }
    assert!(lines.last().unwrap().contains(" rules, "), "{table}");
    for args in [
        &["rules", "list", "--format", "json"][..],
        &["rules", "list", "--json"],
    ] {
        let v: Value = serde_json::from_slice(&run_in(dir.path(), args).stdout).unwrap();
        assert!(v.as_array().unwrap().len() > 100);
    }
}

#[test]
fn help_lists_exit_codes_and_versions_say_keyhound() {
    let dir = tree(&[]);
    let help = stdout(&run_in(dir.path(), &["scan", "--help"]));
    assert!(help.contains("Exit codes:"), "{help}");
    assert!(help.contains("130"), "{help}");
    for args in [
        &["--version"][..],
        &["scan", "--version"],
        &["rules", "list", "--version"],
    ] {
        let v = stdout(&run_in(dir.path(), args));
        assert_eq!(
            v,
            format!("keyhound {}\n", env!("CARGO_PKG_VERSION")),
            "{args:?}"
        );
    }
}

// Defect 15: error wording.

#[test]
fn errors_name_the_flag_typed_and_say_a_failure_once() {
    if !have_git() {
        return;
    }
    let dir = git_tree(&[("a.env", b"x")]);
    for args in [
        ["add", "."].as_slice(),
        &[
            "-c",
            "user.name=a",
            "-c",
            "user.email=a@b.c",
            "commit",
            "-qm",
            "one",
        ],
    ] {
        assert!(Command::new("git")
            .args(args)
            .current_dir(dir.path())
            .status()
            .unwrap()
            .success());
    }
    let out = run_in(dir.path(), &["scan", "--diff", "nosuch..HEAD"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("--diff nosuch"), "{err}");
    assert!(!err.contains("--since-commit"), "{err}");
    std::fs::create_dir(dir.path().join("somefolder")).unwrap();
    let out = run_in(dir.path(), &["scan", "-o", "somefolder", "."]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("somefolder is a folder"), "{err}");
    let out = run_in(dir.path(), &["scan", "--max-file-size", "1.5M", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = run_in(dir.path(), &["rules", "explain", "deepseek"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("did you mean deepseek.api-key"),
        "{}",
        stderr(&out)
    );
}

// Defect 17: --show-secrets does not silently skip formats.

#[test]
fn show_secrets_says_which_formats_stay_redacted() {
    let dir = tree(&[("a.env", &key_line())]);
    let out = run_in(dir.path(), &["scan", "--show-secrets", "-f", "sarif", "."]);
    assert!(
        stderr(&out).contains("--show-secrets does not apply to sarif"),
        "{}",
        stderr(&out)
    );
    assert!(!stdout(&out).contains(DEEPSEEK));
    let out = run_in(dir.path(), &["scan", "--show-secrets", "-f", "json", "."]);
    assert!(!stderr(&out).contains("does not apply"), "{}", stderr(&out));
    assert!(stdout(&out).contains(DEEPSEEK));
}

// Snapshots of what users see: five keys of one rule, a value-less finding, a wide-character
// line; colour off and colour forced.

fn snapshot_tree() -> tempfile::TempDir {
    let keys = [
        "sk-4f1a9c2e7b3d8e6f0a5c1b9d2e7f3a8c",
        "sk-9b2e4d7a1c8f3e6b0d5a2c7e9f1b4d8a",
        "sk-7c3a1e9f5b2d8c4e6a0f3b7d1e9c5a2f",
        "sk-2d8e6f0a5c1b9d2e7f3a8c4f1a9c2e7b",
        "sk-5b2d8c4e6a0f3b7d1e9c5a2f7c3a1e9f",
    ];
    let env: String = keys
        .iter()
        .enumerate()
        .map(|(i, k)| format!("DEEPSEEK_API_KEY_{i}={k}\n"))
        .collect();
    let tsx = "export const client = new OpenAI({ apiKey: process.env.NEXT_PUBLIC_DEEPSEEK_API_KEY, baseURL: 'https://api.deepseek.com' });\n";
    let wide = "# 密钥（生产环境）：DEEPSEEK_API_KEY=sk-8e6f0a5c1b9d2e7f3a8c4f1a9c2e7b3d\n";
    tree(&[
        ("config/keys.env", env.as_bytes()),
        ("web/src/Chat.tsx", tsx.as_bytes()),
        ("docs/说明.md", wide.as_bytes()),
    ])
}

#[test]
fn human_output_snapshot_plain() {
    let dir = snapshot_tree();
    let out = run_in(dir.path(), &["scan", "--color", "never", "."]);
    let text = stdout(&out);
    // Defect 16: the caret stands under the key as a terminal draws the line, where each of
    // the CJK characters before it takes two columns.
    let lines: Vec<&str> = text.lines().collect();
    let i = lines
        .iter()
        .position(|l| l.contains("密钥"))
        .expect("the wide line");
    let key_at = lines[i].find("sk-8e6").expect("the redacted key");
    let want = unicode_width::UnicodeWidthStr::width(&lines[i][..key_at]);
    assert_eq!(
        lines[i + 1].find('^'),
        Some(want),
        "{}\n{}",
        lines[i],
        lines[i + 1]
    );
    insta::assert_snapshot!("human_plain", text);
}

#[test]
fn human_output_snapshot_coloured() {
    let dir = snapshot_tree();
    let out = run_in(dir.path(), &["scan", "--color", "always", "."]);
    insta::assert_snapshot!("human_coloured", stdout(&out));
}

/// The pre-commit hook runs `keyhound scan --staged`: a baseline named in `.keyhound.toml`
/// lets its keys through there too.
#[test]
fn the_staged_scan_of_the_hook_honours_the_configured_baseline() {
    if !have_git() {
        return;
    }
    let dir = git_tree(&[(
        ".keyhound.toml",
        b"baseline = \".keyhound-baseline.json\"\n",
    )]);
    let root = dir.path();
    let git = |args: &[&str]| {
        let ok = Command::new("git")
            .args(["-c", "user.name=a", "-c", "user.email=a@b.c"])
            .args(args)
            .current_dir(root)
            .status()
            .expect("git runs")
            .success();
        assert!(ok, "git {args:?}");
    };
    git(&["add", "."]);
    git(&["commit", "-qm", "config"]);
    std::fs::write(root.join("app.env"), key_line()).unwrap();
    let out = run_in(root, &["baseline", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    git(&["add", "app.env"]);
    let out = run_in(root, &["scan", "--staged"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("suppressed 1 (1 by baseline)"),
        "{}",
        stderr(&out)
    );
    std::fs::write(
        root.join("app.env"),
        "DEEPSEEK_API_KEY=sk-9b2e4d7a1c8f3e6b0d5a2c7e9f1b4d8a\n",
    )
    .unwrap();
    git(&["add", "app.env"]);
    let out = run_in(root, &["scan", "--staged"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}

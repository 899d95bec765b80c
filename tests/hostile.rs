//! Hostile input: files and trees built to crash, hang or fool a scanner. For each, keyhound
//! must not panic, must not hang (every run has a timeout), and must not skip anything
//! silently: a key is found, or the file is counted in the stats and listed in the warnings.
//! Also: an interrupted `--output` write leaves the old file or a complete new one.

#[allow(dead_code)]
#[path = "it/util.rs"]
mod util;

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

use util::{fixture, keyhound, path_str, tree};

#[path = "support/privileges.rs"]
mod privileges;
use privileges::is_root;

const KEY: &str = "sk-4f1a9c2e7b3d8e6f0a5c1b9d2e7f3a8c";
const KEY_LINE: &str = "DEEPSEEK_API_KEY=sk-4f1a9c2e7b3d8e6f0a5c1b9d2e7f3a8c\n";

/// Runs `keyhound ARGS` and kills it if it has not finished after `limit`: a hang fails the
/// test instead of stalling the suite.
fn run_with_timeout(args: &[&str], limit: Duration) -> Output {
    let child = keyhound()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the keyhound binary runs");
    wait_with_timeout(child, limit)
}

fn wait_with_timeout(mut child: Child, limit: Duration) -> Output {
    // Drain the pipes on threads so a large report cannot block the child.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        out.read_to_end(&mut v).unwrap();
        v
    });
    let err_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        err.read_to_end(&mut v).unwrap();
        v
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("keyhound did not finish within {limit:?}: a hang");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: out_t.join().unwrap(),
        stderr: err_t.join().unwrap(),
    }
}

/// `keyhound scan --format json ARGS` with a timeout; checks the exit code is ours and that
/// nothing panicked, and returns the report and stderr.
fn scan_json(args: &[&str], limit: Duration) -> (Value, String) {
    let mut all = vec!["scan", "--format", "json"];
    all.extend_from_slice(args);
    let out = run_with_timeout(&all, limit);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    let code = out
        .status
        .code()
        .expect("keyhound exits normally, not by a signal");
    assert!(code <= 2, "exit code {code}: {err}");
    assert!(
        !err.contains("panicked") && !err.contains("internal error"),
        "{err}"
    );
    let mut report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}); stderr: {err}"));
    util::relative_to_root(&mut report, args);
    (report, err)
}

fn found(report: &Value) -> Vec<(String, u64, u64)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn deepseek_paths(report: &Value) -> Vec<String> {
    let mut paths: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "deepseek.api-key")
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    paths.dedup();
    paths
}

fn warnings(report: &Value) -> Vec<(String, String)> {
    report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["path"].as_str().unwrap().to_string(),
                w["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

const MINUTE: Duration = Duration::from_secs(60);

/// A file of `len` bytes on one line (`var a=1;` repeated, cheap to write) with the key at
/// each of `at`.
fn one_line_file(path: &Path, len: usize, at: &[usize]) {
    let filler = b"var a=1;";
    let mut data: Vec<u8> = filler.iter().copied().cycle().take(len).collect();
    for &p in at {
        data[p - 1] = b' ';
        data[p..p + KEY.len()].copy_from_slice(KEY.as_bytes());
        data[p + KEY.len()] = b' ';
    }
    std::fs::write(path, data).unwrap();
}

#[test]
fn a_200_mb_single_line_file_is_listed_as_too_large_and_found_when_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let window = 64 << 20;
    // At the start, across the end of the first 64 MiB window, and near the end of the file.
    let at = [100, window - 10, 150 << 20, (200 << 20) - 100];
    one_line_file(&dir.path().join("bundle.js"), 200 << 20, &at);
    let root = path_str(dir.path());

    let (report, err) = scan_json(&[root], MINUTE);
    assert!(found(&report).is_empty());
    assert_eq!(report["stats"]["skipped_too_large"], 1);
    assert!(
        err.contains("/bundle.js: skipped: 209715200 bytes is over --max-file-size"),
        "{err}"
    );

    let (report, _) = scan_json(&["--max-file-size", "256M", root], 5 * MINUTE);
    let want: Vec<(String, u64, u64)> = at
        .iter()
        .map(|&p| ("bundle.js".to_string(), 1, p as u64 + 1))
        .collect();
    assert_eq!(found(&report), want);
    assert_eq!(report["stats"]["bytes_scanned"], 200 << 20);
}

#[test]
fn a_key_straddling_a_window_boundary_is_found_once_at_its_place() {
    // Windows of 4 KiB start every 2 KiB and own the findings from 1 KiB in: a key across
    // every multiple of 1 KiB crosses each kind of boundary, on lines with multi-byte
    // characters before it (columns count characters).
    let prefix = "é€ DEEPSEEK_API_KEY=";
    let mut text = String::new();
    let mut want = Vec::new();
    for j in 1..40 {
        let key_at = 1024 * j - 15;
        let line_at = key_at - prefix.len();
        while text.len() < line_at {
            match line_at - text.len() {
                room if room >= 40 => text.push_str("é€ filler line ü\n"),
                room => {
                    text.push_str(&"x".repeat(room - 1));
                    text.push('\n');
                }
            }
        }
        text.push_str(prefix);
        let line = text.matches('\n').count() + 1;
        let line_start = text.rfind('\n').map_or(0, |i| i + 1);
        let column = text[line_start..].chars().count() + 1;
        want.push(("big.txt".to_string(), line as u64, column as u64));
        text.push_str(KEY);
        text.push_str(" ü\n");
    }
    let dir = tree(&[("big.txt", text.as_bytes())]);
    let (whole, _) = scan_json(&[path_str(dir.path())], MINUTE);
    let (windowed, _) = scan_json(&["--window-size", "4K", path_str(dir.path())], MINUTE);
    assert_eq!(found(&whole), want);
    assert_eq!(found(&windowed), want);
}

#[test]
fn a_key_after_a_nul_prefix_is_listed_as_binary_never_dropped_silently() {
    // keyhound decides "binary" from a NUL in the first 8 KiB and does not scan such files;
    // a key behind NULs is therefore not found, but the file is counted and listed.
    let mut data = vec![0u8; 1 << 20];
    data.extend_from_slice(KEY_LINE.as_bytes());
    let dir = tree(&[("nuls.env", &data), ("ok.env", KEY_LINE.as_bytes())]);
    let (report, err) = scan_json(&[path_str(dir.path())], MINUTE);
    assert_eq!(deepseek_paths(&report), vec!["ok.env"]);
    assert_eq!(report["stats"]["skipped_binary"], 1);
    assert_eq!(
        warnings(&report),
        vec![(
            "nuls.env".to_string(),
            "skipped: binary file (NUL byte in its first 8 KiB)".to_string()
        )]
    );
    // On stderr a binary file is counted in the summary (`--verbose` lists it).
    assert!(err.contains("skipped 1 binary"), "{err}");
}

#[test]
fn invalid_utf8_around_a_key_does_not_hide_it() {
    let mut data = b"\xc3\x28 \xa0\xa1 garbage \xf0\x28\x8c\xbc\n\xe2\x82 ".to_vec();
    data.extend_from_slice(KEY_LINE.trim_end().as_bytes());
    data.extend_from_slice(b" \xff\xc0\xc1\n");
    let dir = tree(&[("mixed.env", &data)]);
    let (report, _) = scan_json(&[path_str(dir.path())], MINUTE);
    // Line 2 starts with 2 bytes of a cut 3-byte sequence: one column, then the space.
    assert_eq!(found(&report), vec![("mixed.env".into(), 2, 3 + 17)]);
}

#[test]
fn a_utf16le_file_with_a_bom_is_decoded_and_its_key_found() {
    let text = format!("# Windows config\r\n{KEY_LINE}");
    let mut data = vec![0xFF, 0xFE];
    for u in text.encode_utf16() {
        data.extend_from_slice(&u.to_le_bytes());
    }
    let dir = tree(&[("settings.env", &data)]);
    let (report, _) = scan_json(&[path_str(dir.path())], MINUTE);
    assert_eq!(found(&report), vec![("settings.env".into(), 2, 18)]);
}

#[test]
#[cfg(unix)]
fn symlink_loops_fifos_and_sockets_are_listed_and_never_read() {
    use std::os::unix::fs::symlink;
    let dir = tree(&[("ok.env", KEY_LINE.as_bytes())]);
    let root = dir.path();
    symlink(root.join("b"), root.join("a")).unwrap();
    symlink(root.join("a"), root.join("b")).unwrap();
    std::fs::create_dir(root.join("sub")).unwrap();
    symlink(root, root.join("sub/up")).unwrap();
    let fifo = root.join("pipe.env");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("skipped: mkfifo is missing, so no named pipe can be made");
        return;
    }
    let _socket = std::os::unix::net::UnixListener::bind(root.join("app.sock")).unwrap();

    for root_arg in [path_str(root), path_str(&fifo)] {
        let (report, err) = scan_json(&[root_arg], MINUTE);
        if root_arg == path_str(&fifo) {
            // Named on the command line, the pipe is still not opened (it would block).
            assert!(found(&report).is_empty());
            assert_eq!(report["stats"]["skipped_special"], 1, "{err}");
            continue;
        }
        assert_eq!(deepseek_paths(&report), vec!["ok.env"]);
        let mut listed = warnings(&report);
        listed.sort();
        let want = [
            ("a", "skipped: symbolic link (not followed)"),
            ("app.sock", "skipped: socket"),
            ("b", "skipped: symbolic link (not followed)"),
            ("pipe.env", "skipped: named pipe (FIFO)"),
            ("sub/up", "skipped: symbolic link (not followed)"),
        ];
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(p, m)| (p.to_string(), m.to_string()))
            .collect();
        assert_eq!(listed, want);
        assert_eq!(report["stats"]["skipped_special"], 5);
        assert!(
            err.contains("/pipe.env: skipped: named pipe (FIFO)"),
            "{err}"
        );
        assert!(err.contains("skipped 5 not regular files"), "{err}");
    }
}

#[test]
#[cfg(unix)]
fn a_file_without_read_permission_is_listed() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tree(&[
        ("locked.env", KEY_LINE.as_bytes()),
        ("ok.env", KEY_LINE.as_bytes()),
    ]);
    let locked = dir.path().join("locked.env");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let bin = env!("CARGO_BIN_EXE_keyhound");
    let args = ["scan", "--format", "json", path_str(dir.path())];
    let mut cmd = if is_root() {
        // Root reads any file whatever its mode; run as `nobody`.
        if Command::new("setpriv").arg("--help").output().is_err() {
            eprintln!("skipped: running as root and setpriv is missing");
            return;
        }
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", bin]);
        c
    } else {
        Command::new(bin)
    };
    // The temp dir is private to root; let `nobody` in.
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let child = cmd
        .args(args)
        .env_remove("CI")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = wait_with_timeout(child, MINUTE);
    let err = String::from_utf8_lossy(&out.stderr);
    let mut report: Value = serde_json::from_slice(&out.stdout).unwrap();
    util::relative_to_root(&mut report, &args);
    assert_eq!(deepseek_paths(&report), vec!["ok.env"], "{err}");
    assert_eq!(report["stats"]["unreadable"], 1);
    let listed = warnings(&report);
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].0, "locked.env");
    assert!(listed[0].1.starts_with("cannot read: "), "{listed:?}");
}

#[test]
fn a_tree_1000_directories_deep_is_walked_to_the_bottom() {
    let dir = tempfile::tempdir().unwrap();
    let mut deep = dir.path().to_path_buf();
    let mut rel = String::new();
    for _ in 0..1000 {
        deep.push("d");
        rel.push_str("d/");
    }
    std::fs::create_dir_all(&deep).unwrap();
    std::fs::write(deep.join("key.env"), KEY_LINE).unwrap();
    let (report, _) = scan_json(&[path_str(dir.path())], MINUTE);
    assert_eq!(deepseek_paths(&report), vec![format!("{rel}key.env")]);
    assert_eq!(report["stats"]["files_scanned"], 1);
}

#[test]
fn a_hundred_thousand_small_files_are_all_scanned() {
    let dir = tempfile::tempdir().unwrap();
    let mut keys = Vec::new();
    for d in 0..100 {
        let sub = dir.path().join(format!("d{d:02}"));
        std::fs::create_dir(&sub).unwrap();
        for f in 0..1000 {
            let body: &[u8] = if f == 999 && d % 25 == 0 {
                keys.push(format!("d{d:02}/f{f:03}.env"));
                KEY_LINE.as_bytes()
            } else {
                b"PORT=8080\n"
            };
            std::fs::write(sub.join(format!("f{f:03}.env")), body).unwrap();
        }
    }
    let (report, _) = scan_json(&[path_str(dir.path())], 5 * MINUTE);
    assert_eq!(report["stats"]["files_scanned"], 100_000);
    assert_eq!(deepseek_paths(&report), keys);
    assert!(warnings(&report).is_empty());
}

#[test]
fn a_file_that_grows_and_shrinks_while_read_is_found_or_listed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.log");
    let head = KEY_LINE.as_bytes();
    let mut start = head.to_vec();
    start.resize(64 << 10, b'.');
    std::fs::write(&path, &start).unwrap();
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            // Keeps the key line, and grows and truncates everything after it.
            let mut f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
            let chunk = vec![b'x'; 32 << 10];
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                if n % 7 == 0 {
                    f.set_len(head.len() as u64 + (n % 5) * 1000).unwrap();
                } else {
                    f.seek(SeekFrom::End(0)).unwrap();
                    f.write_all(&chunk).unwrap();
                }
            }
        });
        for window in ["4K", "64K", "64M"] {
            for _ in 0..3 {
                let args = [
                    "--window-size",
                    window,
                    "--max-file-size",
                    "1G",
                    path_str(dir.path()),
                ];
                let (report, err) = scan_json(&args, MINUTE);
                let listed = warnings(&report).iter().any(|(p, _)| p == "live.log");
                assert!(
                    deepseek_paths(&report) == ["live.log"] || listed,
                    "neither found nor listed: {err}"
                );
            }
        }
        stop.store(true, Ordering::Relaxed);
    });
}

#[test]
fn a_rule_whose_regex_would_be_huge_is_refused_at_load() {
    let rule = r#"
[[rule]]
id = "acme.huge"
provider = "Acme"
name = "Acme huge"
description = "A pattern that compiles to an enormous program."
keywords = ["acme_"]
pattern = 'acme_(?:[a-z0-9]{100}){1000}'
confidence = "high"
references = ["https://acme.example/docs"]
remediation = "Revoke it."
examples = ['acme_x']
negative_examples = ['acme_y']
"#;
    let dir = tree(&[
        ("rules.toml", rule.as_bytes()),
        ("a.env", KEY_LINE.as_bytes()),
    ]);
    let rules = dir.path().join("rules.toml");
    let out = run_with_timeout(
        &["scan", "--rules", path_str(&rules), path_str(dir.path())],
        MINUTE,
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("rule `acme.huge`: invalid pattern"), "{err}");
    assert!(err.contains("compiles to more than"), "{err}");

    // The same rule in .keyhound.toml is refused the same way.
    let dir = tree(&[
        (".keyhound.toml", rule.as_bytes()),
        ("a.env", KEY_LINE.as_bytes()),
    ]);
    let out = run_with_timeout(&["scan", path_str(dir.path())], MINUTE);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("compiles to more than"), "{err}");
}

fn sarif_validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(fixture("schema/sarif-2.1.0.schema.json")).unwrap();
    jsonschema::validator_for(&serde_json::from_str(&text).unwrap()).unwrap()
}

fn assert_valid_sarif(validator: &jsonschema::Validator, doc: &Value) {
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .take(5)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "invalid SARIF:\n{}", errors.join("\n"));
}

/// `files` files of `keys` distinct DeepSeek keys each.
fn many_keys_tree(files: usize, keys: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut state: u128 = 0x9E3779B97F4A7C15;
    for i in 0..files {
        let mut text = String::from("# deepseek keys\n");
        for _ in 0..keys {
            state = state
                .wrapping_mul(0x5851F42D4C957F2D)
                .wrapping_add(0x14057B7EF767814F);
            text.push_str(&format!("sk-{:032x}\n", state >> 1));
        }
        let sub = dir.path().join(format!("d{}", i % 50));
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(sub.join(format!("k{i}.env")), text).unwrap();
    }
    dir
}

#[test]
fn more_than_25000_findings_in_sarif_are_capped_with_a_warning() {
    let dir = many_keys_tree(260, 100);
    let out = run_with_timeout(
        &["scan", "--format", "sarif", path_str(dir.path())],
        5 * MINUTE,
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let total: usize = err
        .split_once("warning: ")
        .and_then(|(_, w)| w.split_once(" findings, of which SARIF holds the first 25000"))
        .and_then(|(n, _)| n.parse().ok())
        .unwrap_or_else(|| panic!("no warning about the cap: {err}"));
    assert!(total > 25_000, "{err}");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_valid_sarif(&sarif_validator(), &doc);
    assert_eq!(doc["runs"][0]["results"].as_array().unwrap().len(), 25_000);
}

/// Starts a SARIF scan into `target`, signals it after `after`, and returns how it ended.
fn interrupted_scan(root: &Path, target: &Path, signal: &str, after: Duration) -> Option<i32> {
    let mut child = keyhound()
        .args(["scan", "--format", "sarif", "-j2", "--output"])
        .arg(target)
        .arg(root)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(after);
    let _ = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status();
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code();
        }
        assert!(
            started.elapsed() < MINUTE,
            "keyhound did not stop after {signal}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
#[cfg(unix)]
fn an_interrupted_sarif_scan_leaves_no_file_or_a_complete_one() {
    let tree = many_keys_tree(400, 10);
    let validator = sarif_validator();
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("report.sarif");
    let old = br#"{"old": "report"}"#;
    // How long a whole run takes here, so that the signals land before, during and after the
    // scan and the write of the report.
    let started = Instant::now();
    interrupted_scan(tree.path(), &target, "-0", Duration::ZERO);
    let full = started.elapsed();
    std::fs::remove_file(&target).unwrap();
    let mut outcomes = Vec::new();
    for signal in ["-INT", "-KILL"] {
        for step in 0..5u32 {
            // The last point waits three whole runs: the machine's load varies, and one
            // signal must land after the report is complete.
            let after = if step == 4 { full * 3 } else { full * step / 4 };
            for existing in [false, true] {
                if existing {
                    std::fs::write(&target, old).unwrap();
                } else {
                    let _ = std::fs::remove_file(&target);
                }
                let code = interrupted_scan(tree.path(), &target, signal, after);
                let state = match std::fs::read(&target) {
                    Err(_) => {
                        assert!(
                            !existing,
                            "{signal} after {after:?}: the old report is gone"
                        );
                        "absent"
                    }
                    Ok(bytes) if bytes == old => {
                        assert!(existing);
                        "old"
                    }
                    Ok(bytes) => {
                        let doc: Value = serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                            panic!("{signal} after {after:?}: a half-written report ({e})")
                        });
                        assert_valid_sarif(&validator, &doc);
                        assert_eq!(doc["runs"][0]["results"].as_array().unwrap().len(), 4000);
                        "complete"
                    }
                };
                let litter: Vec<String> = std::fs::read_dir(out.path())
                    .unwrap()
                    .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                    .filter(|n| n != "report.sarif")
                    .collect();
                if signal == "-INT" {
                    assert!(
                        litter.is_empty(),
                        "temporary files left after Ctrl-C: {litter:?}"
                    );
                    // 130 from the handler; 1 when the scan had finished; no code when the
                    // signal came before the handler was installed.
                    assert!(matches!(code, Some(130) | Some(1) | None), "{code:?}");
                } else {
                    // SIGKILL cannot be caught: a temporary file may remain, never the report.
                    assert!(litter
                        .iter()
                        .all(|n| n.starts_with(".keyhound-") && n.ends_with(".tmp")));
                    for n in litter {
                        std::fs::remove_file(out.path().join(n)).unwrap();
                    }
                }
                outcomes.push(state);
            }
        }
    }
    // The signals landed both before the report was written and after.
    assert!(outcomes.contains(&"complete"), "{outcomes:?}");
    assert!(
        outcomes.contains(&"absent") || outcomes.contains(&"old"),
        "{outcomes:?}"
    );
}

#[test]
fn files_of_one_keyword_repeated_finish() {
    // Every position is a prefilter hit for many rules, and the file is one long token: this
    // once cost a 1 KiB walk per hit and rule (about 1 MB/s). A hang guard, not a benchmark.
    let n = 2 << 20;
    let cases: [(&str, &[u8]); 5] = [
        ("sk.txt", b"sk-"),
        ("akia.txt", b"AKIA"),
        ("ghp.txt", b"ghp_"),
        ("pct.txt", b"%41"),
        ("key.txt", b"api_key="),
    ];
    let files: Vec<(&str, Vec<u8>)> = cases
        .iter()
        .map(|(name, unit)| (*name, unit.repeat(n / unit.len())))
        .collect();
    let refs: Vec<(&str, &[u8])> = files.iter().map(|(n, d)| (*n, d.as_slice())).collect();
    let dir = tree(&refs);
    let (report, _) = scan_json(&[path_str(dir.path())], 3 * MINUTE);
    assert_eq!(report["stats"]["files_scanned"], 5);
    assert!(warnings(&report).is_empty());
}

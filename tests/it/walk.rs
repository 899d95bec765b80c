//! Which files a scan reads, and how it reports the ones it cannot.

use std::process::Command;

use crate::privileges::is_root;
use crate::util::{findings, path_str, scan, scan_json, stderr, tree};

const KEY_LINE: &[u8] = b"DEEPSEEK_API_KEY=sk-4f1a9c2e7b3d8e6f0a5c1b9d2e7f3a8c\n";

fn paths(report: &serde_json::Value) -> Vec<String> {
    findings(report)
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn ignore_files_hidden_files_and_dot_git() {
    let dir = tree(&[
        (".gitignore", b"ignored-by-git/\n"),
        (".ignore", b"ignored-by-dot-ignore.txt\n"),
        (".keyhoundignore", b"*.generated\n"),
        ("ignored-by-git/a.env", KEY_LINE),
        ("ignored-by-dot-ignore.txt", KEY_LINE),
        ("x.generated", KEY_LINE),
        (".git/config", KEY_LINE),
        (".github/workflows/ci.yml", KEY_LINE),
        (".npmrc", KEY_LINE),
        ("src/app.env", KEY_LINE),
    ]);
    let root = path_str(dir.path());
    assert_eq!(
        paths(&scan_json(&[root])),
        vec![".github/workflows/ci.yml", ".npmrc", "src/app.env"]
    );
    assert_eq!(
        paths(&scan_json(&["--no-ignore", root])),
        vec![
            ".github/workflows/ci.yml",
            ".npmrc",
            "ignored-by-dot-ignore.txt",
            "ignored-by-git/a.env",
            "src/app.env",
            "x.generated"
        ],
        ".git/ is never scanned"
    );
}

#[test]
fn binary_and_unreadable_files_are_warnings_and_the_rest_is_scanned() {
    let dir = tree(&[
        ("good.env", KEY_LINE),
        (
            "blob.bin",
            b"\x7fELF\x00\x00\x01DEEPSEEK_API_KEY=sk-4f1a9c2e7b3d8e6f0a5c1b9d2e7f3a8c",
        ),
        ("locked.env", KEY_LINE),
        ("z/late.env", KEY_LINE),
    ]);
    let locked = dir.path().join("locked.env");
    let mut perms = std::fs::metadata(&locked).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o000);
    std::fs::set_permissions(&locked, perms).unwrap();
    std::os::unix::fs::PermissionsExt::set_mode(
        &mut std::fs::metadata(dir.path()).unwrap().permissions(),
        0o755,
    );
    let mut dperm = std::fs::metadata(dir.path()).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut dperm, 0o755);
    std::fs::set_permissions(dir.path(), dperm).unwrap();

    // Root reads any file whatever its mode; run as `nobody` then, if we can.
    let bin = env!("CARGO_BIN_EXE_keyhound");
    let args = ["scan", "--format", "json", path_str(dir.path())];
    let out = if is_root() {
        if Command::new("setpriv").arg("--help").output().is_err() {
            eprintln!("skipped: running as root and setpriv is missing, so no file can be made unreadable");
            return;
        }
        Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", bin])
            .args(args)
            .output()
            .unwrap()
    } else {
        Command::new(bin).args(args).output().unwrap()
    };
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    // Binary files are counted, not listed; an unreadable one is a warning naming it.
    assert!(!err.contains("blob.bin"), "{err}");
    assert!(err.contains("skipped 1 binary, 1 unreadable"), "{err}");
    assert!(err.contains("/locked.env: cannot read"), "{err}");
    let mut report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    crate::util::relative_to_root(&mut report, &[path_str(dir.path())]);
    assert_eq!(paths(&report), vec!["good.env", "z/late.env"]);
    assert_eq!(report["stats"]["skipped_binary"], 1);
    assert_eq!(report["stats"]["unreadable"], 1);
    let warned: Vec<&str> = report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["path"].as_str().unwrap())
        .collect();
    assert_eq!(warned, vec!["blob.bin", "locked.env"]);
}

#[test]
fn large_files_are_skipped_with_a_warning() {
    let mut big = KEY_LINE.to_vec();
    big.resize(4096, b'a');
    let dir = tree(&[("big.env", &big), ("small.env", KEY_LINE)]);
    let out = scan(&[
        "--format",
        "json",
        "--max-file-size",
        "1K",
        path_str(dir.path()),
    ]);
    let mut report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    crate::util::relative_to_root(&mut report, &[path_str(dir.path())]);
    assert_eq!(paths(&report), vec!["small.env"]);
    assert!(
        stderr(&out).contains("/big.env: skipped: 4096 bytes is over --max-file-size"),
        "{}",
        stderr(&out)
    );
    assert_eq!(report["stats"]["skipped_too_large"], 1);
}

#[test]
fn exit_codes() {
    let clean = tree(&[("a.txt", b"hello")]);
    let dirty = tree(&[("a.env", KEY_LINE)]);
    let big = tree(&[("a.env", KEY_LINE), ("b.txt", &[b'x'; 2048])]);
    let medium = tree(&[("a", b"k = 'sk-4f1a9c2e7b3d8e6f0a5c1b9d2e7f3a8c'")]);
    let cases: &[(&[&str], i32)] = &[
        (&[path_str(clean.path())], 0),
        (&[path_str(dirty.path())], 1),
        (&["--max-file-size", "1K", path_str(big.path())], 1),
        (
            &["--strict", "--max-file-size", "1K", path_str(big.path())],
            2,
        ),
        (&["--format", "yaml", path_str(clean.path())], 2),
        (&["--threads", "0", path_str(clean.path())], 2),
        (&["--max-file-size", "12Q", path_str(clean.path())], 2),
        (
            &["--rules", "/nonexistent/rules.toml", path_str(clean.path())],
            2,
        ),
        (&["--min-confidence", "high", path_str(medium.path())], 0),
    ];
    for (args, code) in cases {
        let out = scan(args);
        assert_eq!(out.status.code(), Some(*code), "{args:?}: {}", stderr(&out));
    }
}

#[test]
fn utf16_files_with_a_bom_are_scanned() {
    let mut bytes = vec![0xFF, 0xFE];
    for u in "# deepseek\r\nDEEPSEEK_API_KEY=sk-4f1a9c2e7b3d8e6f0a5c1b9d2e7f3a8c\r\n".encode_utf16()
    {
        bytes.extend_from_slice(&u.to_le_bytes());
    }
    let dir = tree(&[("settings.ps1", &bytes)]);
    let report = scan_json(&[path_str(dir.path())]);
    let f = &findings(&report)[0];
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(2), Some(18))
    );
}

#[test]
fn a_single_file_can_be_scanned() {
    let dir = tree(&[("a.env", KEY_LINE)]);
    let report = scan_json(&[path_str(&dir.path().join("a.env"))]);
    assert_eq!(findings(&report).len(), 1);
}

/// Binary files are counted in the summary; `--verbose` lists each one. (A missing path named
/// on the command line is an error: tests/it/everyday.rs.)
#[test]
fn binary_files_are_counted_unless_verbose() {
    let names: Vec<String> = (0..13).map(|i| format!("img{i:02}.bin")).collect();
    let files: Vec<(&str, &[u8])> = names
        .iter()
        .map(|n| (n.as_str(), &b"\x89PNG\x00\x00\x01"[..]))
        .collect();
    let dir = tree(&files);
    let quiet = stderr(&scan(&[path_str(dir.path())]));
    assert!(!quiet.contains("binary file"), "{quiet}");
    assert!(quiet.contains("skipped 13 binary"), "{quiet}");
    let verbose = stderr(&scan(&["--verbose", path_str(dir.path())]));
    assert_eq!(
        verbose
            .lines()
            .filter(|l| l.contains("binary file"))
            .count(),
        13,
        "{verbose}"
    );
}

/// Files are scanned while the walk goes on, in no fixed order; the report is sorted all the
/// same, and a file named by two overlapping roots is scanned once.
#[test]
fn overlapping_roots_scan_a_file_once_and_reports_are_sorted() {
    let names: Vec<String> = (0..40)
        .map(|i| format!("d{}/f{:02}.env", i % 7, i))
        .collect();
    let files: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), KEY_LINE)).collect();
    let dir = tree(&files);
    let root = path_str(dir.path());
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(paths(&scan_json(&[root])), sorted);
    let one = dir.path().join("d3/f03.env");
    let sub = dir.path().join("d3");
    let report = scan_json(&[root, path_str(&sub), path_str(&one)]);
    assert_eq!(report["stats"]["files_scanned"], 40);
    let found = paths(&report);
    assert_eq!(found.len(), 40, "{found:?}");
    let mut again = found.clone();
    again.sort();
    again.dedup();
    assert_eq!(found, again, "sorted, each file once");
}

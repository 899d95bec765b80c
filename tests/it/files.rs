//! Files keyhound writes (`--output`, `--report`, `keyhound baseline`): the mode any tool's new
//! file gets (0666 less the umask), except a report that holds live secrets (`--show-secrets`),
//! which only its owner may read. Unix only: elsewhere there is no mode to check.

#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use crate::util::{path_str, tree};

const SECRET: &str = "sk-7c3e9a1f5b2d8e4c6a0f3b9d1e7c5a2f";

/// `keyhound ARGS` run under `umask`, set for the child alone (the test process's own umask is
/// shared by every test thread and stays as it is).
fn keyhound_with_umask(umask: &str, args: &[&str]) -> std::process::Output {
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("umask {umask} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_keyhound"))
        .args(args)
        .env_remove("CI")
        .output()
        .expect("sh runs keyhound");
    let code = out.status.code().expect("keyhound exits normally");
    assert!(
        code <= 1,
        "keyhound {args:?} failed ({code}): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

#[test]
fn reports_and_baselines_follow_the_umask_unless_they_hold_secrets() {
    let src = tree(&[("app.env", format!("DEEPSEEK_API_KEY={SECRET}\n").as_bytes())]);
    let root = path_str(src.path());
    // (command before the output file, umask, expected mode)
    let cases: &[(&[&str], &str, u32)] = &[
        (&["scan", "--format", "json", "-o"], "022", 0o644),
        (&["scan", "--format", "json", "-o"], "002", 0o664),
        (&["scan", "--format", "json", "-o"], "077", 0o600),
        (&["scan", "--format", "sarif", "--output"], "022", 0o644),
        (
            &["scan", "--show-secrets", "--format", "json", "-o"],
            "022",
            0o600,
        ),
        (
            &["scan", "--show-secrets", "--format", "json", "-o"],
            "000",
            0o600,
        ),
        (&["baseline", "-o"], "022", 0o644),
        (&["baseline", "-o"], "027", 0o640),
    ];
    for (i, (cmd, umask, want)) in cases.iter().enumerate() {
        let out_dir = tempfile::tempdir().unwrap();
        let file = out_dir.path().join(format!("out{i}.json"));
        let mut args = cmd.to_vec();
        args.extend([path_str(&file), root]);
        keyhound_with_umask(umask, &args);
        assert_eq!(
            mode(&file),
            *want,
            "{cmd:?} under umask {umask}: mode {:o}",
            mode(&file)
        );
    }
}

#[test]
fn report_flag_files_and_a_replaced_file_get_the_same_modes() {
    let src = tree(&[("app.env", format!("DEEPSEEK_API_KEY={SECRET}\n").as_bytes())]);
    let root = path_str(src.path());
    let out_dir = tempfile::tempdir().unwrap();
    let json = out_dir.path().join("r.json");
    let sarif = out_dir.path().join("r.sarif");
    // An existing private file replaced by a report without secrets: the new file is shared.
    std::fs::write(&json, "old").unwrap();
    std::fs::set_permissions(&json, std::fs::Permissions::from_mode(0o600)).unwrap();
    let json_target = format!("json={}", path_str(&json));
    let sarif_target = format!("sarif={}", path_str(&sarif));
    let args = [
        "scan",
        "--report",
        &json_target,
        "--report",
        &sarif_target,
        root,
    ];
    keyhound_with_umask("022", &args);
    assert_eq!(mode(&json), 0o644, "{:o}", mode(&json));
    assert_eq!(mode(&sarif), 0o644, "{:o}", mode(&sarif));
    assert!(std::fs::read_to_string(&json).unwrap().contains("findings"));

    // The same with --show-secrets: both hold the key, both become private.
    let mut secret_args = args.to_vec();
    secret_args.insert(1, "--show-secrets");
    keyhound_with_umask("022", &secret_args);
    assert!(std::fs::read_to_string(&json).unwrap().contains(SECRET));
    assert_eq!(mode(&json), 0o600, "{:o}", mode(&json));
    assert_eq!(mode(&sarif), 0o600, "{:o}", mode(&sarif));
}

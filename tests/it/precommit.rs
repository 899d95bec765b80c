//! End to end with the `pre-commit` tool: `.pre-commit-hooks.yaml` works as published. Skipped
//! (with a printed reason) when `pre-commit` or `git` is missing; `.ci/run` installs it.

use std::path::Path;
use std::process::{Command, Output};

fn tool(name: &str) -> bool {
    let ok = Command::new(name)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("skipped: `{name}` is not installed (pip install pre-commit)");
    }
    ok
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("the command starts")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A command in `dir` with a private pre-commit cache, git identity and a cheap release build
/// for the `language: rust` hook (its target dir is kept under this repo's target/, so reruns
/// are incremental).
fn cmd(dir: &Path, home: &Path, program: &str) -> Command {
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/pre-commit-hook");
    let mut c = Command::new(program);
    c.current_dir(dir)
        .env("PRE_COMMIT_HOME", home.join("cache"))
        .env("GIT_AUTHOR_NAME", "Ada Tester")
        .env("GIT_AUTHOR_EMAIL", "ada@example.test")
        .env("GIT_COMMITTER_NAME", "Ada Tester")
        .env("GIT_COMMITTER_EMAIL", "ada@example.test")
        .env("CARGO_TARGET_DIR", target)
        .env("CARGO_PROFILE_RELEASE_LTO", "false")
        .env("CARGO_PROFILE_RELEASE_DEBUG", "0")
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
        .env("CARGO_PROFILE_RELEASE_INCREMENTAL", "true")
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE");
    c
}

const KEY_LINE: &str = "DEEPSEEK_API_KEY=\"sk-7c2e9a4f1b8d3e6a0c5f2b9e4d7a1c38\"\n";

#[test]
fn pre_commit_hook_blocks_a_staged_key() {
    if !tool("git") || !tool("pre-commit") {
        return;
    }
    let this_repo = env!("CARGO_MANIFEST_DIR");
    let home = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    let git = |args: &[&str]| {
        let out = run(cmd(dir, home.path(), "git").args(args));
        assert!(out.status.success(), "git {args:?}: {}", text(&out));
    };
    git(&["init", "-q", "-b", "main"]);
    std::fs::write(dir.join("README.md"), "hello\n").unwrap();
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "c1"]);

    // try-repo builds the `language: rust` hook from this repository's working tree.
    let try_repo = || {
        run(cmd(dir, home.path(), "pre-commit").args([
            "try-repo",
            this_repo,
            "keyhound",
            "--all-files",
        ]))
    };
    let clean = try_repo();
    assert!(
        clean.status.success(),
        "clean tree must pass: {}",
        text(&clean)
    );

    std::fs::write(dir.join("settings.py"), KEY_LINE).unwrap();
    git(&["add", "settings.py"]);
    let dirty = try_repo();
    assert_eq!(dirty.status.code(), Some(1), "{}", text(&dirty));
    let t = text(&dirty);
    assert!(
        t.contains("deepseek.api-key") && t.contains("settings.py"),
        "{t}"
    );
    assert!(
        !t.contains("sk-7c2e9a4f1b8d3e6a0c5f2b9e4d7a1c38"),
        "redacted: {t}"
    );

    // An installed hook (the `language: system` variant, with the binary under test on PATH)
    // blocks a real commit, and lets it through once the key is gone.
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_keyhound")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    std::fs::write(
        dir.join(".pre-commit-config.yaml"),
        "repos:\n  - repo: local\n    hooks:\n      - id: keyhound-system\n        \
         name: keyhound\n        entry: keyhound scan --staged\n        \
         language: system\n        pass_filenames: false\n        require_serial: true\n",
    )
    .unwrap();
    check_hooks_file_matches(Path::new(this_repo));
    let install = run(cmd(dir, home.path(), "pre-commit").arg("install"));
    assert!(install.status.success(), "{}", text(&install));
    git(&["add", ".pre-commit-config.yaml"]);
    let blocked = run(cmd(dir, home.path(), "git").env("PATH", &path).args([
        "commit",
        "-q",
        "-m",
        "add settings",
    ]));
    assert!(!blocked.status.success(), "the commit must be blocked");
    assert!(
        text(&blocked).contains("deepseek.api-key"),
        "{}",
        text(&blocked)
    );

    std::fs::write(
        dir.join("settings.py"),
        "import os\nKEY = os.environ['DEEPSEEK_API_KEY']\n",
    )
    .unwrap();
    git(&["add", "settings.py"]);
    let allowed = run(cmd(dir, home.path(), "git").env("PATH", &path).args([
        "commit",
        "-q",
        "-m",
        "add settings",
    ]));
    assert!(allowed.status.success(), "{}", text(&allowed));
}

/// The local hook above mirrors the published `keyhound-system` hook.
fn check_hooks_file_matches(repo: &Path) {
    let hooks = std::fs::read_to_string(repo.join(".pre-commit-hooks.yaml")).unwrap();
    for needle in [
        "- id: keyhound\n",
        "- id: keyhound-system\n",
        "entry: keyhound scan --staged",
        "language: rust",
        "language: system",
        "pass_filenames: false",
        "require_serial: true",
    ] {
        assert!(
            hooks.contains(needle),
            "{needle:?} in .pre-commit-hooks.yaml"
        );
    }
}

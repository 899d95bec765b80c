//! End to end with the `pre-commit` tool and pip: `.pre-commit-hooks.yaml` works as published,
//! and `pip install` of this repository (pyproject.toml, maturin) puts a working `keyhound` on
//! PATH. Skipped (with a printed reason) when `pre-commit`, `git` or Python's venv and pip are
//! missing; `.ci/run` installs pre-commit.

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
    let mut c = Command::new(program);
    cheap_release_build(&mut c);
    c.current_dir(dir)
        .env("PRE_COMMIT_HOME", home.join("cache"))
        .env("GIT_AUTHOR_NAME", "Ada Tester")
        .env("GIT_AUTHOR_EMAIL", "ada@example.test")
        .env("GIT_COMMITTER_NAME", "Ada Tester")
        .env("GIT_COMMITTER_EMAIL", "ada@example.test")
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE");
    c
}

/// The environment under which cargo (run by pre-commit's rust hook, or by maturin under pip)
/// builds keyhound in release mode cheaply, into one target dir under this repo's target/ that
/// every such test shares, so reruns and the second of two builds are incremental.
fn cheap_release_build(c: &mut Command) {
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/pre-commit-hook");
    c.env("CARGO_TARGET_DIR", target)
        .env("CARGO_PROFILE_RELEASE_LTO", "false")
        .env("CARGO_PROFILE_RELEASE_DEBUG", "0")
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
        .env("CARGO_PROFILE_RELEASE_INCREMENTAL", "true")
        .env("PIP_DISABLE_PIP_VERSION_CHECK", "1");
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
    let try_repo = |hook: &str| {
        run(cmd(dir, home.path(), "pre-commit").args(["try-repo", this_repo, hook, "--all-files"]))
    };
    let clean = try_repo("keyhound");
    assert!(
        clean.status.success(),
        "clean tree must pass: {}",
        text(&clean)
    );

    std::fs::write(dir.join("settings.py"), KEY_LINE).unwrap();
    git(&["add", "settings.py"]);
    let dirty = try_repo("keyhound");
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

    // The recommended `language: python` hook: pre-commit pip-installs this repository (the
    // wheel maturin builds from pyproject.toml) into its own virtualenv and runs that binary.
    if python_venv() {
        let dirty = try_repo("keyhound-python");
        let t = text(&dirty);
        if t.contains("No matching distribution found for maturin") {
            eprintln!("skipped the python hook: maturin cannot be fetched from PyPI here");
        } else {
            assert_eq!(dirty.status.code(), Some(1), "{t}");
            assert!(
                t.contains("keyhound (secrets in staged changes)")
                    && t.contains("deepseek.api-key")
                    && t.contains("settings.py"),
                "{t}"
            );
            assert!(!t.contains("sk-7c2e9a4f1b8d3e6a0c5f2b9e4d7a1c38"), "{t}");
        }
    }

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
        "- id: keyhound-python\n",
        "language: python",
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

/// Whether `python3 -m venv` makes a virtualenv with pip (Debian splits venv out of python3).
fn python_venv() -> bool {
    let dir = tempfile::tempdir().unwrap();
    let ok = Command::new("python3")
        .args(["-m", "venv"])
        .arg(dir.path().join("v"))
        .output()
        .is_ok_and(|o| o.status.success())
        && dir.path().join("v/bin/pip").exists();
    if !ok {
        eprintln!(
            "skipped: `python3 -m venv` with pip is not available (apt-get install python3-venv)"
        );
    }
    ok
}

#[test]
fn pip_install_puts_a_working_keyhound_on_path() {
    if !python_venv() {
        return;
    }
    let this_repo = env!("CARGO_MANIFEST_DIR");
    let work = tempfile::tempdir().unwrap();
    let venv = work.path().join("venv");
    let made = run(Command::new("python3").args(["-m", "venv"]).arg(&venv));
    assert!(made.status.success(), "{}", text(&made));

    let mut pip = Command::new(venv.join("bin/pip"));
    cheap_release_build(&mut pip);
    let installed = run(pip.args(["install", "--quiet", this_repo]));
    let t = text(&installed);
    if !installed.status.success() && t.contains("No matching distribution found for maturin") {
        eprintln!("skipped: maturin cannot be fetched from PyPI here: {t}");
        return;
    }
    assert!(installed.status.success(), "pip install: {t}");

    // The console entry is the binary itself, on the venv's PATH.
    let bin = venv.join("bin/keyhound");
    let version = run(Command::new(&bin).arg("--version"));
    assert!(version.status.success(), "{}", text(&version));
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        format!("keyhound {}", env!("CARGO_PKG_VERSION"))
    );
    let tree = work.path().join("tree");
    std::fs::create_dir(&tree).unwrap();
    std::fs::write(tree.join("settings.py"), KEY_LINE).unwrap();
    let scan = run(Command::new(&bin).arg("scan").arg(&tree));
    assert_eq!(scan.status.code(), Some(1), "{}", text(&scan));
    assert!(text(&scan).contains("deepseek.api-key"), "{}", text(&scan));
    let show = run(Command::new(venv.join("bin/pip")).args(["show", "keyhound"]));
    assert!(
        text(&show).contains(&format!("Version: {}", env!("CARGO_PKG_VERSION"))),
        "{}",
        text(&show)
    );
}

//! The GitHub Action (action.yml, action/run.sh) under a simulated runner: the event payload,
//! workspace, outputs file and step summary a real runner provides, temp repositories built
//! with the git CLI, and the freshly built keyhound. Also: action.yml, the workflows and the
//! README's examples against GitHub's schemas (check-jsonschema), and the README's examples
//! equal to docs/examples/.
//!
//! Tests that need bash, git, jq or check-jsonschema print why and pass when one is missing.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

use crate::outputs::assert_valid_sarif;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Why a test cannot run here, if it cannot.
fn missing(tools: &[&str]) -> Option<String> {
    for tool in tools {
        let ok = Command::new(tool)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        if !ok {
            return Some(format!("{tool} is not installed"));
        }
    }
    None
}

macro_rules! require {
    ($($tool:expr),+) => {
        if let Some(why) = missing(&[$($tool),+]) {
            eprintln!("skipping: {why}");
            return;
        }
    };
}

/// A DeepSeek-shaped synthetic key, different for every `i`: `sk-` + 32 hex from splitmix64.
fn key(i: u64) -> String {
    let mut x = i.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut out = String::from("sk-");
    for _ in 0..2 {
        x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        out.push_str(&format!("{z:016x}"));
    }
    out
}

/// A git repository in a temp dir, committed to with fixed names and dates.
struct Repo {
    dir: tempfile::TempDir,
    clock: u32,
}

impl Repo {
    fn new() -> Repo {
        let dir = tempfile::tempdir().expect("a temp dir");
        let repo = Repo { dir, clock: 0 };
        repo.git(&["init", "-q", "-b", "main"]);
        repo
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn git(&self, args: &[&str]) -> String {
        git_in(self.path(), args)
    }

    /// Writes (`Some`) or deletes (`None`) files and commits them all; returns the commit.
    fn commit(&mut self, files: &[(&str, Option<&str>)], message: &str) -> String {
        for (path, data) in files {
            let p = self.path().join(path);
            match data {
                Some(d) => {
                    std::fs::create_dir_all(p.parent().expect("a parent")).expect("mkdir");
                    std::fs::write(&p, d).expect("write");
                }
                None => std::fs::remove_file(&p).expect("remove"),
            }
        }
        self.clock += 1;
        let date = format!("2026-01-01T00:{:02}:00Z", self.clock);
        self.git(&["add", "-A"]);
        let out = Command::new("git")
            .current_dir(self.path())
            .args(["commit", "-q", "-m", message])
            .envs(git_env())
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date)
            .output()
            .expect("git runs");
        assert!(out.status.success(), "git commit: {out:?}");
        self.git(&["rev-parse", "HEAD"])
    }
}

fn git_env() -> Vec<(&'static str, &'static str)> {
    vec![
        ("GIT_AUTHOR_NAME", "Test"),
        ("GIT_AUTHOR_EMAIL", "test@example.com"),
        ("GIT_COMMITTER_NAME", "Test"),
        ("GIT_COMMITTER_EMAIL", "test@example.com"),
        // No user configuration: a file that does not exist (git then reads none).
        (
            "GIT_CONFIG_GLOBAL",
            concat!(env!("CARGO_MANIFEST_DIR"), "/target/no-such-gitconfig"),
        ),
        ("GIT_CONFIG_NOSYSTEM", "1"),
    ]
}

fn git_in(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .envs(git_env())
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// One run of action/run.sh and everything it left behind.
struct ActionRun {
    status: i32,
    stdout: String,
    stderr: String,
    outputs: HashMap<String, String>,
    summary: String,
    sarif: Option<Value>,
}

impl ActionRun {
    /// The workflow commands on stdout: (command, properties, message), unescaped.
    fn annotations(&self) -> Vec<(String, HashMap<String, String>, String)> {
        self.stdout
            .lines()
            .filter_map(parse_command)
            .filter(|(c, _, _)| ["error", "warning", "notice"].contains(&c.as_str()))
            .collect()
    }

    fn count(&self, level: &str) -> usize {
        self.annotations()
            .iter()
            .filter(|(c, _, _)| c == level)
            .count()
    }

    fn describe(&self) -> String {
        format!(
            "status {}\nstdout:\n{}\nstderr:\n{}\nsummary:\n{}",
            self.status, self.stdout, self.stderr, self.summary
        )
    }
}

/// `::cmd k=v,k=v::message` as the runner reads it.
fn parse_command(line: &str) -> Option<(String, HashMap<String, String>, String)> {
    let rest = line.strip_prefix("::")?;
    let (head, message) = rest.split_once("::")?;
    let (cmd, props) = head.split_once(' ').unwrap_or((head, ""));
    let props = props
        .split(',')
        .filter(|p| !p.is_empty())
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.to_string(), unescape(v)))
        .collect();
    Some((cmd.to_string(), props, unescape(message)))
}

fn unescape(s: &str) -> String {
    s.replace("%0D", "\r")
        .replace("%0A", "\n")
        .replace("%3A", ":")
        .replace("%2C", ",")
        .replace("%25", "%")
}

/// Runs action/run.sh in `workspace` for `event` with `payload` and the inputs (`INPUT_*`).
fn run_action(workspace: &Path, event: &str, payload: Value, inputs: &[(&str, &str)]) -> ActionRun {
    run_action_env(workspace, event, payload, inputs, &[])
}

fn run_action_env(
    workspace: &Path,
    event: &str,
    payload: Value,
    inputs: &[(&str, &str)],
    env: &[(&str, &str)],
) -> ActionRun {
    let runner = tempfile::tempdir().expect("a temp dir");
    let event_path = runner.path().join("event.json");
    std::fs::write(&event_path, payload.to_string()).expect("write payload");
    let output_path = runner.path().join("output");
    let summary_path = runner.path().join("summary.md");
    std::fs::write(&output_path, "").expect("outputs file");
    std::fs::write(&summary_path, "").expect("summary file");
    let sarif_path = runner.path().join("keyhound.sarif");
    let mut cmd = Command::new("bash");
    cmd.arg(root().join("action/run.sh"))
        .current_dir(runner.path())
        .env_remove("CI")
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_NAME", event)
        .env("GITHUB_EVENT_PATH", &event_path)
        .env("GITHUB_WORKSPACE", workspace)
        .env("GITHUB_OUTPUT", &output_path)
        .env("GITHUB_STEP_SUMMARY", &summary_path)
        .env("RUNNER_TEMP", runner.path())
        .env("KEYHOUND_BIN", env!("CARGO_BIN_EXE_keyhound"))
        .env("INPUT_SARIF_FILE", &sarif_path)
        .envs(git_env());
    for (name, value) in inputs {
        cmd.env(
            format!("INPUT_{}", name.to_uppercase().replace('-', "_")),
            value,
        );
    }
    cmd.envs(env.iter().copied());
    let out = cmd.output().expect("bash runs");
    let outputs = std::fs::read_to_string(&output_path)
        .expect("outputs file")
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let sarif = std::fs::read(&sarif_path)
        .ok()
        .map(|b| serde_json::from_slice(&b).expect("the SARIF file is JSON"));
    ActionRun {
        status: out.status.code().expect("run.sh exits normally"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        outputs,
        summary: std::fs::read_to_string(&summary_path).expect("summary file"),
        sarif,
    }
}

fn pull_request(base: &str, head: &str) -> Value {
    json!({
        "number": 7,
        "pull_request": {
            "number": 7,
            "base": {"sha": base, "ref": "main"},
            "head": {"sha": head, "ref": "feature"}
        }
    })
}

/// A repository whose pull request (base..head) adds a key in `we,ird:name.js` (line 3) and
/// one in `old.js` that a later commit of the pull request removes.
fn pr_repo() -> (Repo, String, String, String) {
    let mut repo = Repo::new();
    let base = repo.commit(&[("README.md", Some("# demo\n"))], "start");
    let weird = format!(
        "// chat client\nconst base = 'https://api.deepseek.com';\nconst DEEPSEEK_API_KEY = '{}';\n",
        key(1)
    );
    let old = format!("DEEPSEEK_API_KEY={}\n", key(2));
    let added = repo.commit(
        &[("we,ird:name.js", Some(&weird)), ("old.js", Some(&old))],
        "add client",
    );
    let head = repo.commit(&[("old.js", None)], "remove the old key");
    (repo, base, added, head)
}

fn sarif_results(run: &ActionRun) -> Vec<Value> {
    let doc = run
        .sarif
        .as_ref()
        .unwrap_or_else(|| panic!("no SARIF\n{}", run.describe()));
    assert_valid_sarif(doc);
    doc["runs"][0]["results"]
        .as_array()
        .expect("results")
        .clone()
}

#[test]
fn action_pull_request_annotates_summarises_and_fails_on_findings() {
    require!("bash", "git", "jq");
    let (repo, base, added, head) = pr_repo();
    let run = run_action(
        repo.path(),
        "pull_request",
        pull_request(&base, &head),
        &[("fail-on", "any")],
    );
    assert_eq!(run.status, 1, "{}", run.describe());
    assert_eq!(run.outputs.get("findings").map(String::as_str), Some("2"));
    assert!(run.outputs.contains_key("sarif-file"));

    let annotations = run.annotations();
    assert_eq!(annotations.len(), 2, "{}", run.describe());
    let weird = annotations
        .iter()
        .find(|(_, p, _)| p.get("file").map(String::as_str) == Some("we,ird:name.js"))
        .unwrap_or_else(|| panic!("no annotation for we,ird:name.js\n{}", run.describe()));
    assert_eq!(weird.0, "error");
    assert_eq!(weird.1["line"], "3");
    assert!(weird.2.contains(&format!("commit: {added}")), "{}", weird.2);
    let old = annotations
        .iter()
        .find(|(_, p, _)| p.get("file").map(String::as_str) == Some("old.js"))
        .unwrap_or_else(|| panic!("the removed key is not annotated\n{}", run.describe()));
    assert_eq!(old.1["line"], "1");

    assert!(run.summary.contains("we,ird:name.js:3"), "{}", run.summary);
    assert!(run.summary.contains("old.js:1"), "{}", run.summary);
    assert!(run.summary.contains(&added[..12]), "{}", run.summary);
    assert!(run.summary.contains("### keyhound: 2 findings"));

    let results = sarif_results(&run);
    assert_eq!(results.len(), 2);
    let uris: Vec<&str> = results
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .expect("a uri")
        })
        .collect();
    assert!(uris.contains(&"we%2Cird%3Aname.js"), "{uris:?}");

    // The same scan reports but does not fail with fail-on: none.
    let run = run_action(
        repo.path(),
        "pull_request",
        pull_request(&base, &head),
        &[("fail-on", "none")],
    );
    assert_eq!(run.status, 0, "{}", run.describe());
    assert_eq!(run.outputs.get("findings").map(String::as_str), Some("2"));
}

#[test]
fn action_fail_on_live_needs_verify_and_bad_inputs_are_errors() {
    require!("bash", "git", "jq");
    let (repo, base, _, head) = pr_repo();
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("fail-on", "live")], "fail-on: live needs verify: true"),
        (
            &[("fail-on", "sometimes")],
            "fail-on must be live, any or none",
        ),
        (&[("annotations", "maybe")], "'maybe' is not true or false"),
        (&[("path", "nowhere")], "path 'nowhere' does not exist"),
        (
            &[("verify", "true"), ("verify-max-requests", "0")],
            "verify-max-requests must be a whole number of 1 or more, not '0'",
        ),
        (
            &[("verify", "true"), ("verify-max-requests", "lots")],
            "verify-max-requests must be a whole number of 1 or more, not 'lots'",
        ),
    ];
    for (inputs, message) in cases {
        let run = run_action(
            repo.path(),
            "pull_request",
            pull_request(&base, &head),
            inputs,
        );
        assert_eq!(run.status, 2, "{inputs:?}\n{}", run.describe());
        assert!(
            run.stderr.contains(message),
            "{inputs:?}\n{}",
            run.describe()
        );
        assert!(
            run.stdout.contains("::error title=keyhound::"),
            "{}",
            run.describe()
        );
    }
}

#[test]
fn action_push_of_a_new_branch_scans_only_its_own_commits() {
    require!("bash", "git", "jq");
    let mut repo = Repo::new();
    let old = format!("DEEPSEEK_API_KEY={}\n", key(10));
    repo.commit(&[("main.env", Some(&old))], "a key already on main");
    let main = repo.commit(&[("README.md", Some("# demo\n"))], "main");
    repo.git(&["update-ref", "refs/remotes/origin/main", &main]);
    repo.git(&["checkout", "-q", "-b", "feature"]);
    let new = format!("x = 1\nDEEPSEEK_API_KEY={}\n", key(11));
    repo.commit(&[("feature.env", Some(&new))], "feature 1");
    let after = repo.commit(&[("notes.txt", Some("more\n"))], "feature 2");
    repo.git(&["update-ref", "refs/remotes/origin/feature", &after]);
    let payload = json!({
        "ref": "refs/heads/feature",
        "before": "0000000000000000000000000000000000000000",
        "after": after,
        "repository": {"default_branch": "main"},
        "commits": []
    });
    let run = run_action_env(
        repo.path(),
        "push",
        payload,
        &[],
        &[("GITHUB_REF", "refs/heads/feature")],
    );
    assert_eq!(run.status, 1, "{}", run.describe());
    assert_eq!(run.outputs["findings"], "1", "{}", run.describe());
    let annotations = run.annotations();
    assert_eq!(annotations[0].1["file"], "feature.env");
    assert_eq!(annotations[0].1["line"], "2");
    assert!(run.stderr.contains("new branch"), "{}", run.describe());
    assert_eq!(sarif_results(&run).len(), 1);
}

#[test]
fn action_merge_group_scans_the_queued_commits() {
    require!("bash", "git", "jq");
    let (repo, base, _, head) = pr_repo();
    let payload = json!({
        "merge_group": {
            "base_sha": base,
            "head_sha": head,
            "base_ref": "refs/heads/main",
            "head_ref": "refs/heads/gh-readonly-queue/main/pr-7-abc"
        }
    });
    let run = run_action(repo.path(), "merge_group", payload, &[]);
    assert_eq!(run.status, 1, "{}", run.describe());
    assert_eq!(run.outputs["findings"], "2");
    assert_eq!(run.annotations().len(), 2);
    assert_eq!(sarif_results(&run).len(), 2);
}

#[test]
fn action_base_equal_to_head_scans_nothing_and_passes() {
    require!("bash", "git", "jq");
    let (repo, _, _, head) = pr_repo();
    let run = run_action(repo.path(), "pull_request", pull_request(&head, &head), &[]);
    assert_eq!(run.status, 0, "{}", run.describe());
    assert_eq!(run.outputs["findings"], "0");
    let notices: Vec<_> = run
        .annotations()
        .into_iter()
        .filter(|(c, _, m)| c == "notice" && m.contains("base and head are the same commit"))
        .collect();
    assert_eq!(notices.len(), 1, "{}", run.describe());
    assert!(run.summary.contains("no findings"), "{}", run.summary);
    assert!(sarif_results(&run).is_empty());
}

#[test]
fn action_shallow_clone_without_the_base_says_fetch_depth_0() {
    require!("bash", "git", "jq");
    let (repo, base, _, head) = pr_repo();
    let clones = tempfile::tempdir().expect("a temp dir");
    let url = format!("file://{}", repo.path().display());
    git_in(
        clones.path(),
        &["clone", "-q", "--depth", "1", &url, "shallow"],
    );
    let shallow = clones.path().join("shallow");
    let run = run_action(&shallow, "pull_request", pull_request(&base, &head), &[]);
    assert_eq!(run.status, 2, "{}", run.describe());
    assert!(run.stderr.contains("fetch-depth: 0"), "{}", run.describe());
    assert!(run.stderr.contains(&base), "{}", run.describe());
    let errors: Vec<_> = run
        .annotations()
        .into_iter()
        .filter(|(c, _, m)| c == "error" && m.contains("fetch-depth: 0"))
        .collect();
    assert_eq!(errors.len(), 1, "{}", run.describe());
    assert!(!run.outputs.contains_key("findings"));

    // The whole history of a shallow clone is not there either.
    let run = run_action(
        &shallow,
        "workflow_dispatch",
        json!({}),
        &[("history", "true")],
    );
    assert_eq!(run.status, 2, "{}", run.describe());
    assert!(run.stderr.contains("fetch-depth: 0"), "{}", run.describe());
}

#[test]
fn action_workflow_dispatch_with_history_scans_every_commit() {
    require!("bash", "git", "jq");
    let (repo, _, _, _) = pr_repo();
    // The working tree holds one key; the history also the one removed.
    let run = run_action(repo.path(), "workflow_dispatch", json!({}), &[]);
    assert_eq!(run.outputs["findings"], "1", "{}", run.describe());
    let run = run_action(
        repo.path(),
        "workflow_dispatch",
        json!({}),
        &[("history", "true")],
    );
    assert_eq!(run.status, 1, "{}", run.describe());
    assert_eq!(run.outputs["findings"], "2", "{}", run.describe());
    assert!(run.summary.contains("old.js:1"), "{}", run.summary);
}

#[test]
fn action_thirty_findings_annotate_ten_per_level_and_list_all() {
    require!("bash", "git", "jq");
    // 15 high-confidence DeepSeek keys (errors) and 15 keys of the shared DeepSeek/DashScope
    // shape with no deciding context (medium: warnings); no git range is needed.
    let mut high = String::from("// https://api.deepseek.com\n");
    let mut medium = String::new();
    for i in 0..15 {
        high.push_str(&format!("DEEPSEEK_API_KEY_{i}={}\n", key(100 + i)));
        medium.push_str(&format!("value_{i} = \"{}\"\n", key(200 + i)));
    }
    let dir = crate::util::tree(&[
        ("server/high.env", high.as_bytes()),
        ("server/medium.py", medium.as_bytes()),
    ]);
    let run = run_action(dir.path(), "workflow_dispatch", json!({}), &[]);
    assert_eq!(run.status, 1, "{}", run.describe());
    assert_eq!(run.outputs["findings"], "30", "{}", run.describe());
    assert_eq!(run.count("error"), 10, "{}", run.describe());
    assert_eq!(run.count("warning"), 10, "{}", run.describe());
    let notices: Vec<_> = run
        .annotations()
        .into_iter()
        .filter(|(c, _, _)| c == "notice")
        .collect();
    assert_eq!(notices.len(), 1, "{}", run.describe());
    assert!(
        notices[0]
            .2
            .starts_with("10 more findings not annotated (5 error, 5 warning)"),
        "{}",
        notices[0].2
    );
    let rows = run
        .summary
        .lines()
        .filter(|l| l.contains("server/high.env:") || l.contains("server/medium.py:"))
        .count();
    assert_eq!(rows, 30, "{}", run.summary);
    assert_eq!(sarif_results(&run).len(), 30);
}

#[test]
fn action_workflow_dispatch_scans_the_working_tree_and_can_skip_outputs() {
    require!("bash", "git", "jq");
    let text = format!("DEEPSEEK_API_KEY={}\n", key(300));
    let dir = crate::util::tree(&[("app.env", text.as_bytes())]);
    let run = run_action(
        dir.path(),
        "schedule",
        json!({}),
        &[
            ("annotations", "false"),
            ("summary", "false"),
            ("fail-on", "none"),
        ],
    );
    assert_eq!(run.status, 0, "{}", run.describe());
    assert_eq!(run.outputs["findings"], "1");
    assert!(run.annotations().is_empty(), "{}", run.describe());
    assert!(run.summary.is_empty(), "{}", run.summary);
    assert_eq!(sarif_results(&run).len(), 1);
}

/// The workflow examples the README shows, each a file under docs/examples/.
fn readme_examples() -> Vec<(PathBuf, String)> {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let mut out = Vec::new();
    let mut lines = readme.lines();
    while let Some(line) = lines.next() {
        // `<!-- example: docs/examples/NAME.yml -->` then a ```yaml block.
        let Some(name) = line
            .strip_prefix("<!-- example: ")
            .and_then(|l| l.strip_suffix(" -->"))
        else {
            continue;
        };
        assert_eq!(
            lines.next(),
            Some("```yaml"),
            "{name}: a yaml block follows"
        );
        let mut block = String::new();
        for l in lines.by_ref() {
            if l == "```" {
                break;
            }
            block.push_str(l);
            block.push('\n');
        }
        out.push((root().join(name), block));
    }
    out
}

#[test]
fn action_readme_examples_are_the_files_in_docs_examples() {
    let examples = readme_examples();
    let names: Vec<String> = examples
        .iter()
        .map(|(p, _)| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for want in ["pull-request.yml", "push.yml", "merge-queue.yml"] {
        assert!(
            names.iter().any(|n| n == want),
            "README lacks {want}: {names:?}"
        );
    }
    for (path, block) in examples {
        let file =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(block, file, "README block differs from {}", path.display());
    }
}

#[test]
fn action_and_workflows_pass_githubs_schemas() {
    require!("check-jsonschema");
    let check = |schema: &str, files: &[PathBuf]| {
        let out = Command::new("check-jsonschema")
            .args(["--builtin-schema", schema])
            .args(files)
            .output()
            .expect("check-jsonschema runs");
        assert!(
            out.status.success(),
            "{schema}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    };
    check("vendor.github-actions", &[root().join("action.yml")]);
    let mut workflows: Vec<PathBuf> = std::fs::read_dir(root().join(".github/workflows"))
        .expect(".github/workflows")
        .map(|e| e.expect("a dir entry").path())
        .collect();
    workflows.sort();
    assert!(workflows.len() >= 2, "{workflows:?}");
    workflows.extend(readme_examples().into_iter().map(|(p, _)| p));
    check("vendor.github-workflows", &workflows);
}

#[test]
fn action_push_cases() {
    require!("bash", "git", "jq");
    let zero = "0000000000000000000000000000000000000000";
    let mut repo = Repo::new();
    let first = format!("DEEPSEEK_API_KEY={}\n", key(20));
    let c1 = repo.commit(&[("first.env", Some(&first))], "first");
    let second = format!("DEEPSEEK_API_KEY={}\n", key(21));
    let c2 = repo.commit(&[("second.env", Some(&second))], "second");
    let push = |before: &str, after: &str| {
        let payload = json!({"ref": "refs/heads/main", "before": before, "after": after});
        run_action_env(
            repo.path(),
            "push",
            payload,
            &[],
            &[("GITHUB_REF", "refs/heads/main")],
        )
    };
    // (before, after, exit status, findings, files annotated, what stderr or a notice says)
    type Case<'a> = (&'a str, &'a str, i32, &'a str, &'a [&'a str], &'a str);
    let cases: &[Case] = &[
        (&c1, &c2, 1, "1", &["second.env"], "push to refs/heads/main"),
        // A first push of a branch with no other history: every commit.
        (
            zero,
            &c2,
            1,
            "2",
            &["first.env", "second.env"],
            "new history",
        ),
        // A force push whose old tip is not in the clone: the commits on no other ref.
        (
            "1111111111111111111111111111111111111111",
            &c2,
            1,
            "2",
            &["first.env", "second.env"],
            "new history",
        ),
        (&c2, zero, 0, "0", &[], "the branch was deleted"),
    ];
    for (before, after, status, findings, files, says) in cases {
        let run = push(before, after);
        let case = format!("{before}..{after}\n{}", run.describe());
        assert_eq!(run.status, *status, "{case}");
        assert_eq!(run.outputs["findings"], *findings, "{case}");
        let annotated: Vec<String> = run
            .annotations()
            .into_iter()
            .filter(|(c, _, _)| c == "error")
            .map(|(_, p, _)| p["file"].clone())
            .collect();
        assert_eq!(annotated, *files, "{case}");
        assert!(
            run.stderr.contains(says) || run.stdout.contains(says),
            "{case}"
        );
    }
}

/// Runs `action/install.sh resolve` with a release folder served as `file://` URLs.
/// Downloads land in `runner`.
fn install(
    releases: &Path,
    runner: &Path,
    action_ref: &str,
) -> (i32, String, HashMap<String, String>) {
    let output = runner.join("output");
    std::fs::write(&output, "").expect("outputs file");
    let out = Command::new("bash")
        .arg(root().join("action/install.sh"))
        .arg("resolve")
        .env_remove("KEYHOUND_BIN")
        .env("GITHUB_OUTPUT", &output)
        .env("GITHUB_ACTION_PATH", root())
        .env("RUNNER_TEMP", runner)
        .env("RUNNER_OS", "Linux")
        .env("RUNNER_ARCH", "X64")
        .env("KEYHOUND_ACTION_REF", action_ref)
        .env("KEYHOUND_ACTION_REPOSITORY", "keyhound/keyhound")
        .env(
            "KEYHOUND_RELEASES_URL",
            format!("file://{}", releases.display()),
        )
        .output()
        .expect("bash runs");
    let outputs = std::fs::read_to_string(&output)
        .expect("outputs file")
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code().expect("exits"), text, outputs)
}

#[test]
fn action_install_verifies_the_release_checksum_or_builds_from_source() {
    require!("bash", "curl");
    let releases = tempfile::tempdir().expect("a temp dir");
    let tag = releases
        .path()
        .join(format!("v{}", env!("CARGO_PKG_VERSION")));
    std::fs::create_dir_all(&tag).expect("mkdir");
    let asset = "keyhound-x86_64-unknown-linux-musl";
    let binary = std::fs::read(env!("CARGO_BIN_EXE_keyhound")).expect("the binary");
    std::fs::write(tag.join(asset), &binary).expect("write asset");
    let sum = keyhound::finding::sha256_hex(&binary);
    std::fs::write(
        tag.join("SHA256SUMS"),
        format!(
            "{}  keyhound-aarch64-apple-darwin\n{sum}  {asset}\n",
            "0".repeat(64)
        ),
    )
    .expect("write sums");
    let runner = tempfile::tempdir().expect("a temp dir");
    let install = |action_ref: &str| install(releases.path(), runner.path(), action_ref);

    // A version tag: the release binary, checked, and it runs.
    let (status, text, outputs) = install("v1");
    assert_eq!(status, 0, "{text}");
    let bin = outputs
        .get("bin")
        .unwrap_or_else(|| panic!("no bin output: {text}"));
    assert!(text.contains(&sum), "{text}");
    let version = Command::new(bin)
        .arg("--version")
        .output()
        .expect("it runs");
    assert!(version.status.success());

    // A branch or commit ref builds from source, with a cache key.
    let (status, text, outputs) = install("main");
    assert_eq!(status, 0, "{text}");
    assert_eq!(
        outputs.get("build").map(String::as_str),
        Some("true"),
        "{text}"
    );
    assert!(
        outputs["cache-key"].starts_with("keyhound-Linux-X64-main-"),
        "{outputs:?}"
    );
    assert!(!outputs.contains_key("bin"));

    // A tampered asset fails the step; it is never replaced by a build.
    let mut tampered = binary.clone();
    tampered.push(0);
    std::fs::write(tag.join(asset), &tampered).expect("write asset");
    let (status, text, outputs) = install("v1.2.3");
    assert_eq!(status, 2, "{text}");
    assert!(text.contains("checksum mismatch"), "{text}");
    assert!(outputs.is_empty(), "{outputs:?}");

    // No release for this version: build from source.
    std::fs::remove_dir_all(&tag).expect("rm");
    let (status, text, outputs) = install("v1");
    assert_eq!(status, 0, "{text}");
    assert_eq!(
        outputs.get("build").map(String::as_str),
        Some("true"),
        "{text}"
    );
}

#[test]
fn reports_from_one_scan_go_where_they_are_told() {
    let text = format!("DEEPSEEK_API_KEY={}\n", key(400));
    let dir = crate::util::tree(&[("app.env", text.as_bytes())]);
    let out_dir = tempfile::tempdir().expect("a temp dir");
    let sarif = out_dir.path().join("k.sarif");
    let summary = out_dir.path().join("summary.md");
    let spec = |format: &str, p: &Path| format!("{format}={}", p.display());
    // --format with --report: the primary report on stdout, the others in their files.
    let out = crate::util::scan(&[
        "--format",
        "json",
        "--report",
        &spec("sarif", &sarif),
        "--report",
        &spec("markdown", &summary),
        crate::util::path_str(dir.path()),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let json: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(json["findings"].as_array().map(Vec::len), Some(1));
    let doc: Value =
        serde_json::from_slice(&std::fs::read(&sarif).expect("the SARIF file")).expect("JSON");
    assert_valid_sarif(&doc);
    let md = std::fs::read_to_string(&summary).expect("the summary file");
    assert!(md.contains("app.env:1 |"), "{md}");

    // --report alone: only the reports (here the annotations on stdout).
    let out = crate::util::scan(&["--report", "github=-", crate::util::path_str(dir.path())]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.starts_with("::error file=app.env,line=1,"),
        "{stdout}"
    );
    assert_eq!(stdout.lines().count(), 1, "{stdout}");

    // Bad specs are usage errors that say what to write.
    let cases = [
        (vec!["--report", "sarif"], "is not FORMAT=FILE"),
        (vec!["--report", "yaml=x"], "unknown format \"yaml\""),
        (vec!["--report", "sarif="], "names no file"),
        (
            vec!["--report", "sarif=same", "--report", "json=same"],
            "two reports would be written to same",
        ),
    ];
    for (args, message) in cases {
        let mut all = args.clone();
        all.push(crate::util::path_str(dir.path()));
        let out = crate::util::scan(&all);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            crate::util::stderr(&out).contains(message),
            "{args:?}: {}",
            crate::util::stderr(&out)
        );
    }
}

#[test]
fn action_verify_with_fail_on_live_fails_only_for_a_live_key() {
    require!("bash", "git", "jq");
    use crate::verify::{json as reply, Server, BALANCE};
    let (repo, base, _, head) = pr_repo();
    let live = key(1);
    let server = Server::start(move |hit| {
        if hit.bearer() == live {
            reply(200, BALANCE)
        } else {
            reply(401, r#"{"error":{"message":"Authentication Fails"}}"#)
        }
    });
    // The pull request scanned with verification against `server`, failing only on live keys.
    let verified_run = |server: &Server| {
        let endpoint = format!("--verify-endpoint deepseek={}", server.url());
        let inputs = [
            ("verify", "true"),
            ("fail-on", "live"),
            ("args", endpoint.as_str()),
        ];
        run_action(
            repo.path(),
            "pull_request",
            pull_request(&base, &head),
            &inputs,
        )
    };
    let run = verified_run(&server);
    assert_eq!(
        run.status,
        1,
        "a live key fails the step\n{}",
        run.describe()
    );
    assert_eq!(run.outputs.get("findings").map(String::as_str), Some("2"));
    let results = sarif_results(&run);
    let live_result = results
        .iter()
        .find(|r| r["properties"]["verification"]["status"] == "live")
        .unwrap_or_else(|| panic!("a live result\n{}", run.describe()));
    assert_eq!(live_result["level"], "error");
    assert!(run.summary.contains("we,ird:name.js"), "{}", run.describe());
    assert_eq!(server.hits().len(), 2, "each key asked once");

    // The cap: one request, the other key `unknown` without being sent.
    let capped = Server::start(|_| reply(401, "{}"));
    let endpoint = format!("--verify-endpoint deepseek={}", capped.url());
    let inputs = [
        ("verify", "true"),
        ("verify-max-requests", "1"),
        ("args", endpoint.as_str()),
    ];
    let run = run_action(
        repo.path(),
        "pull_request",
        pull_request(&base, &head),
        &inputs,
    );
    assert_eq!(run.status, 1, "{}", run.describe());
    assert_eq!(capped.hits().len(), 1, "{}", run.describe());
    let statuses: Vec<String> = sarif_results(&run)
        .iter()
        .map(|r| r["properties"]["verification"]["detail"].to_string())
        .collect();
    assert!(
        statuses.iter().any(|d| d.contains("request cap reached")),
        "{statuses:?}\n{}",
        run.describe()
    );

    // Every key dead: the findings are still reported, the step passes.
    let dead = Server::start(|_| reply(401, "{}"));
    let run = verified_run(&dead);
    assert_eq!(run.status, 0, "{}", run.describe());
    assert_eq!(run.outputs.get("findings").map(String::as_str), Some("2"));
}

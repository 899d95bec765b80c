//! Git modes on real repositories built in temp dirs with the `git` command: `--staged`,
//! `--since-commit`/`--diff`, `--history` and `--max-age`. Skipped (with a printed reason) when
//! `git` is missing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use crate::outputs::assert_valid_sarif;
use crate::util::{findings, keyhound, path_str, stderr};

/// A synthetic DeepSeek-shaped key, distinct per `n`.
fn key(n: u8) -> String {
    format!("sk-{n:02x}9a1c7e5b2d4086a1f3c5e7b9d2046{:x}", n % 16)
}

fn key_line(n: u8) -> String {
    format!("DEEPSEEK_API_KEY=\"{}\"\n", key(n))
}

pub(crate) fn have_git() -> bool {
    let ok = Command::new("git")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("skipped: the `git` command is not installed");
    }
    ok
}

/// A repository in a temp dir, driven by the git command line (the scale tests use it too).
pub(crate) struct Repo {
    dir: tempfile::TempDir,
}

const DAY: i64 = 86_400;

impl Repo {
    pub(crate) fn new() -> Repo {
        let repo = Repo {
            dir: tempfile::tempdir().expect("a temp dir"),
        };
        repo.git(&["init", "-q", "-b", "main"]);
        repo
    }

    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    fn git_at(&self, args: &[&str], when: i64) -> Output {
        let date = format!("@{when} +0000");
        let out = Command::new("git")
            .args(args)
            .current_dir(self.path())
            .env("GIT_AUTHOR_NAME", "Ada Tester")
            .env("GIT_AUTHOR_EMAIL", "ada@example.test")
            .env("GIT_COMMITTER_NAME", "Ada Tester")
            .env("GIT_COMMITTER_EMAIL", "ada@example.test")
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", self.path())
            .output()
            .expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    pub(crate) fn git(&self, args: &[&str]) -> Output {
        self.git_at(args, now())
    }

    pub(crate) fn write(&self, path: &str, data: impl AsRef<[u8]>) {
        let p = self.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, data).unwrap();
    }

    /// Commits everything in the working tree, dated `days_ago`; returns the commit id.
    pub(crate) fn commit(&self, msg: &str, days_ago: i64) -> String {
        self.git(&["add", "-A"]);
        self.git_at(
            &["commit", "-q", "--allow-empty", "-m", msg],
            now() - days_ago * DAY,
        );
        self.head()
    }

    /// Overwrites the loose object `id` with `bytes`.
    fn corrupt(&self, id: &str, bytes: &[u8]) {
        let loose = self
            .path()
            .join(".git/objects")
            .join(&id[..2])
            .join(&id[2..]);
        let mut perms = std::fs::metadata(&loose).unwrap().permissions();
        #[allow(clippy::permissions_set_readonly_false)]
        perms.set_readonly(false);
        std::fs::set_permissions(&loose, perms).unwrap();
        std::fs::write(&loose, bytes).unwrap();
    }

    fn head(&self) -> String {
        let out = self.git(&["rev-parse", "HEAD"]);
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    /// `keyhound scan --format json ARGS PATH`, parsed, with the exit code.
    fn scan(&self, args: &[&str]) -> (Value, i32, String) {
        let out = keyhound()
            .arg("scan")
            .args(["--format", "json"])
            .args(args)
            .arg(self.path())
            .output()
            .expect("keyhound runs");
        let err = stderr(&out);
        let v = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}); stderr: {err}"));
        (v, out.status.code().unwrap(), err)
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// The secrets' redacted prefixes are too short to tell keys apart; the hashes are not.
fn hash(n: u8) -> String {
    keyhound::finding::sha256_hex(key(n).as_bytes())
}

fn hashes(v: &Value) -> Vec<String> {
    let mut h: Vec<String> = findings(v)
        .iter()
        .map(|f| f["secret_sha256"].as_str().unwrap().to_string())
        .collect();
    h.sort();
    h
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[test]
fn staged_content_is_scanned_and_the_working_tree_is_not() {
    if !have_git() {
        return;
    }
    let repo = Repo::new();
    repo.write("README.md", "hello\n");
    repo.commit("c1", 0);
    // Staged with key 1, then the working copy is cleaned: only the index holds the key.
    repo.write("app.py", key_line(1));
    repo.git(&["add", "app.py"]);
    repo.write("app.py", "print('clean')\n");
    // Key 2 only in the working tree (untracked), key 3 in an unstaged edit.
    repo.write("local.py", key_line(2));
    repo.write("README.md", format!("hello\n{}", key_line(3)));

    let (v, code, _) = repo.scan(&["--staged"]);
    assert_eq!(hashes(&v), vec![hash(1)]);
    assert_eq!(code, 1);
    assert_eq!(findings(&v)[0]["path"], "app.py");
    assert_eq!(findings(&v)[0]["commit"], Value::Null);

    let (v, _, _) = repo.scan(&[]);
    assert_eq!(hashes(&v), sorted(vec![hash(2), hash(3)]));
}

#[test]
fn staged_reports_only_added_lines_of_a_changed_file() {
    if !have_git() {
        return;
    }
    let repo = Repo::new();
    repo.write("cfg/settings.env", key_line(4));
    repo.commit("old key, already reviewed", 0);
    repo.write(
        "cfg/settings.env",
        format!("{}{}", key_line(4), key_line(5)),
    );
    repo.git(&["add", "-A"]);
    let (v, code, _) = repo.scan(&["--staged"]);
    assert_eq!(hashes(&v), vec![hash(5)]);
    assert_eq!(findings(&v)[0]["line"], 2);
    assert_eq!(code, 1);
    // Nothing staged: clean, exit 0.
    repo.commit("c", 0);
    let (v, code, _) = repo.scan(&["--staged"]);
    assert!(findings(&v).is_empty());
    assert_eq!(code, 0);
}

#[test]
fn a_secret_added_then_deleted_is_found_in_the_range_and_in_history() {
    if !have_git() {
        return;
    }
    let repo = Repo::new();
    repo.write("main.py", "print(1)\n");
    let c1 = repo.commit("c1", 5);
    repo.write("src/keys.py", format!("# config\n{}", key_line(6)));
    let c2 = repo.commit("c2 adds a key", 4);
    repo.write("main.py", "print(2)\n");
    repo.commit("c3", 3);
    std::fs::remove_file(repo.path().join("src/keys.py")).unwrap();
    repo.commit("c4 deletes it", 2);
    repo.write("main.py", "print(3)\n");
    let c5 = repo.commit("c5", 1);

    for args in [
        vec!["--since-commit", c1.as_str(), "--until", c5.as_str()],
        vec!["--diff", &format!("{c1}..{c5}")],
    ] {
        let (v, code, _) = repo.scan(&args.iter().map(|s| s.as_ref()).collect::<Vec<&str>>());
        assert_eq!(hashes(&v), vec![hash(6)], "{args:?}");
        let f = &findings(&v)[0];
        assert_eq!(f["commit"], c2.as_str());
        assert_eq!(f["path"], "src/keys.py");
        assert_eq!(f["line"], 2);
        assert_eq!(f["author"], "Ada Tester <ada@example.test>");
        assert!(f["date"].as_str().unwrap().contains('T'));
        assert_eq!(code, 1);
    }

    let (v, _, _) = repo.scan(&["--history"]);
    assert_eq!(hashes(&v), vec![hash(6)]);
    let f = &findings(&v)[0];
    assert_eq!(f["commit"], c2.as_str());
    assert_eq!(f["path"], "src/keys.py");
    assert_eq!(f["present_at_head"], false);

    // The range after the deletion adds nothing.
    let (v, code, _) = repo.scan(&["--since-commit", &c2]);
    assert!(findings(&v).is_empty());
    assert_eq!(code, 0);

    // SARIF of a range validates and carries the commit.
    let out = keyhound()
        .args(["scan", "--format", "sarif", "--since-commit", &c1])
        .arg(repo.path())
        .output()
        .unwrap();
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_valid_sarif(&sarif);
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["properties"]["commit"], c2.as_str());
    assert_eq!(
        result["properties"]["git"]["author"],
        "Ada Tester <ada@example.test>"
    );

    // Human output names the commit.
    let out = keyhound()
        .args(["scan", "--history"])
        .arg(repo.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(&format!("commit {}", &c2[..10])), "{text}");
    assert!(text.contains("no longer at HEAD"), "{text}");
}

#[test]
fn history_reports_each_secret_once_with_its_first_commit() {
    if !have_git() {
        return;
    }
    let repo = Repo::new();
    repo.write("a.env", key_line(7));
    let c1 = repo.commit("c1", 3);
    // The same secret copied to another file and the first file edited: blobs differ, the
    // secret is the same. (Byte-identical copies: see the tests below.)
    repo.write("a.env", format!("# edited\n{}", key_line(7)));
    repo.write("b.env", format!("# a copy\n{}", key_line(7)));
    let c2 = repo.commit("c2", 2);
    let (v, _, _) = repo.scan(&["--history"]);
    let f = findings(&v);
    assert_eq!(f.len(), 2, "{v:#}");
    let by_path = |p: &str| f.iter().find(|x| x["path"] == p).unwrap().clone();
    assert_eq!(by_path("a.env")["commit"], c1.as_str());
    assert_eq!(by_path("b.env")["commit"], c2.as_str());
    assert!(f.iter().all(|x| x["present_at_head"] == true));
}

/// The findings of `v` as (path, commit, present_at_head), sorted.
fn places(v: &Value) -> Vec<(String, String, bool)> {
    let mut p: Vec<(String, String, bool)> = findings(v)
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["commit"].as_str().unwrap().to_string(),
                f["present_at_head"].as_bool().unwrap(),
            )
        })
        .collect();
    p.sort();
    p
}

fn place(path: &str, commit: &str, present: bool) -> (String, String, bool) {
    (path.to_string(), commit.to_string(), present)
}

/// Issue 22, defect 3: a `git mv` was reported only at the old path, "present at HEAD".
#[test]
fn history_reports_a_renamed_secret_at_its_new_path_too() {
    if !have_git() {
        return;
    }
    let repo = Repo::new();
    repo.write("config/old.env", key_line(50));
    let c1 = repo.commit("c1", 10);
    repo.git(&["mv", "config/old.env", "config/prod.env"]);
    let c2 = repo.commit("rename", 5);

    let (v, code, _) = repo.scan(&["--history", "--max-age", "7d"]);
    assert_eq!(code, 1);
    // The old path stays: it is in the history, and no longer at HEAD.
    assert_eq!(
        places(&v),
        vec![
            place("config/old.env", &c1, false),
            place("config/prod.env", &c2, true),
        ],
        "{v:#}"
    );
    let at = |p: &str| {
        findings(&v)
            .iter()
            .find(|f| f["path"] == p)
            .unwrap()
            .clone()
    };
    // The key is as old as its first commit, whatever path it has now.
    assert_eq!(at("config/prod.env")["age_days"], 10);
    assert_eq!(at("config/prod.env")["rotation_overdue"], true);
    assert_eq!(at("config/old.env")["rotation_overdue"], false);
    assert_ne!(
        at("config/old.env")["fingerprint"],
        at("config/prod.env")["fingerprint"]
    );
    // One blob, read for each path but counted once.
    assert_eq!(v["stats"]["files_scanned"], 1, "{v:#}");
}

#[test]
fn history_reports_identical_files_at_each_path_with_its_own_presence() {
    if !have_git() {
        return;
    }
    let repo = Repo::new();
    // Two files with one content (one blob), and a third that holds the key among other lines.
    repo.write("a.env", key_line(51));
    repo.write("b.env", key_line(51));
    repo.write("c.env", format!("# c\n{}", key_line(51)));
    let c1 = repo.commit("c1", 3);
    // The key leaves a.env and c.env; b.env, the same blob as a.env was, keeps it.
    repo.write("a.env", "clean\n");
    repo.write("c.env", "# c\n");
    repo.commit("c2", 2);
    // A copy made later starts its own history at the commit that made it.
    repo.write("d.env", key_line(51));
    let c3 = repo.commit("c3", 1);

    let (v, _, _) = repo.scan(&["--history"]);
    assert_eq!(
        places(&v),
        vec![
            place("a.env", &c1, false),
            place("b.env", &c1, true),
            place("c.env", &c1, false),
            place("d.env", &c3, true),
        ],
        "{v:#}"
    );
    assert!(hashes(&v).iter().all(|h| *h == hash(51)));
}

#[test]
fn history_judges_a_moved_secret_by_its_new_path() {
    if !have_git() {
        return;
    }
    let repo = Repo::new();
    repo.write("server/settings.env", key_line(52));
    repo.commit("c1", 2);
    std::fs::create_dir_all(repo.path().join("public")).unwrap();
    repo.git(&["mv", "server/settings.env", "public/settings.env"]);
    repo.commit("served to browsers now", 1);
    let (v, _, _) = repo.scan(&["--history"]);
    let exposure = |p: &str| {
        findings(&v)
            .iter()
            .find(|f| f["path"] == p)
            .unwrap_or_else(|| panic!("{p} in {v:#}"))["exposure"]
            .clone()
    };
    assert_eq!(exposure("public/settings.env"), "client", "{v:#}");
    assert_ne!(exposure("server/settings.env"), "client", "{v:#}");
}

#[test]
fn history_scans_a_blob_excluded_at_one_path_at_its_next_path() {
    if !have_git() {
        return;
    }
    let repo = Repo::new();
    repo.write(".keyhound.toml", "exclude = [\"vendor/\"]\n");
    repo.write("vendor/keys.env", key_line(53));
    repo.commit("c1", 2);
    repo.write("app/keys.env", key_line(53));
    let c2 = repo.commit("copied out of vendor", 1);
    let out = keyhound()
        .args(["scan", "--format", "json", "--history", "--explain"])
        .arg(repo.path())
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(places(&v), vec![place("app/keys.env", &c2, true)], "{v:#}");
    let err = stderr(&out);
    assert!(err.contains("excluded: vendor/keys.env@"), "{err}");
}

#[test]
fn unborn_head() {
    if !have_git() {
        return;
    }
    let repo = Repo::new();
    repo.write("first.py", key_line(8));
    repo.git(&["add", "first.py"]);
    let (v, code, _) = repo.scan(&["--staged"]);
    assert_eq!(hashes(&v), vec![hash(8)]);
    assert_eq!(code, 1);

    let (v, code, err) = repo.scan(&["--history"]);
    assert!(findings(&v).is_empty());
    assert_eq!(code, 0);
    assert!(err.contains("no commits yet"), "{err}");

    let out = keyhound()
        .args(["scan", "--since-commit", "HEAD~1"])
        .arg(repo.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no such commit"), "{}", stderr(&out));
}

#[test]
fn renames_report_nothing_unless_the_content_changes() {
    if !have_git() {
        return;
    }
    let repo = Repo::new();
    let body: String = (0..20).map(|i| format!("line {i}\n")).collect();
    repo.write("old/name.py", format!("{body}{}", key_line(9)));
    let c1 = repo.commit("c1", 2);
    std::fs::create_dir_all(repo.path().join("new")).unwrap();
    repo.git(&["mv", "old/name.py", "new/name.py"]);
    let (v, code, _) = repo.scan(&["--staged"]);
    assert!(findings(&v).is_empty(), "{v:#}");
    assert_eq!(code, 0);
    repo.commit("pure rename", 1);
    let (v, _, _) = repo.scan(&["--since-commit", &c1]);
    assert!(findings(&v).is_empty(), "{v:#}");

    // Renamed again and edited: only the edit is new.
    std::fs::create_dir_all(repo.path().join("newer")).unwrap();
    repo.git(&["mv", "new/name.py", "newer/name.py"]);
    repo.write(
        "newer/name.py",
        format!("{body}{}{}", key_line(9), key_line(10)),
    );
    repo.git(&["add", "-A"]);
    let (v, _, _) = repo.scan(&["--staged"]);
    assert_eq!(hashes(&v), vec![hash(10)]);
    assert_eq!(findings(&v)[0]["path"], "newer/name.py");
    repo.commit("rename and edit", 0);
    let (v, _, _) = repo.scan(&["--since-commit", &c1]);
    assert_eq!(hashes(&v), vec![hash(10)]);
}

#[test]
fn binary_blobs_are_listed_not_scanned() {
    if !have_git() {
        return;
    }
    let repo = Repo::new();
    let mut blob = vec![0u8, 1, 2, 0, 255];
    blob.extend_from_slice(key_line(11).as_bytes());
    repo.write("image.bin", &blob);
    repo.write("ok.txt", "fine\n");
    repo.commit("c1", 1);
    let (v, code, _) = repo.scan(&["--history"]);
    assert!(findings(&v).is_empty());
    assert_eq!(code, 0);
    assert_eq!(v["stats"]["skipped_binary"], 1);
    let warnings = v["warnings"].as_array().unwrap();
    assert!(
        warnings
            .iter()
            .any(|w| w["path"].as_str().unwrap().starts_with("image.bin@")
                && w["message"].as_str().unwrap().contains("binary")),
        "{warnings:?}"
    );
    repo.write("image2.bin", &blob);
    repo.git(&["add", "-A"]);
    let (v, _, _) = repo.scan(&["--staged"]);
    assert_eq!(v["stats"]["skipped_binary"], 1);
}

#[test]
fn max_age_flags_old_secrets_still_present() {
    if !have_git() {
        return;
    }
    let repo = Repo::new();
    repo.write("old.env", key_line(12));
    repo.write("gone.env", key_line(13));
    repo.commit("old keys", 120);
    std::fs::remove_file(repo.path().join("gone.env")).unwrap();
    repo.commit("remove one", 60);
    repo.write("new.env", key_line(14));
    repo.commit("a recent key", 10);

    let (v, _, _) = repo.scan(&["--history", "--max-age"]);
    let by_hash = |n: u8| {
        findings(&v)
            .iter()
            .find(|f| f["secret_sha256"] == hash(n).as_str())
            .unwrap_or_else(|| panic!("key {n} in {v:#}"))
            .clone()
    };
    assert_eq!(by_hash(12)["rotation_overdue"], true);
    assert_eq!(by_hash(12)["age_days"], 120);
    assert_eq!(by_hash(13)["rotation_overdue"], false, "no longer present");
    assert_eq!(by_hash(14)["rotation_overdue"], false, "only 10 days old");
    assert_eq!(by_hash(14)["age_days"], 10);

    let (v, _, _) = repo.scan(&["--history", "--max-age", "5d"]);
    let overdue: Vec<&Value> = findings(&v)
        .iter()
        .filter(|f| f["rotation_overdue"] == true)
        .collect();
    assert_eq!(overdue.len(), 2);

    // Without --max-age, nothing is said about rotation.
    let (v, _, _) = repo.scan(&["--history"]);
    assert!(findings(&v)
        .iter()
        .all(|f| f.get("rotation_overdue").is_none()));

    // Every format says it.
    for (format, needle) in [
        ("human", "rotation overdue"),
        ("sarif", "rotation overdue"),
        ("jsonl", "\"rotation_overdue\":true"),
    ] {
        let out = keyhound()
            .args(["scan", "--history", "--max-age", "90d", "--format", format])
            .arg(repo.path())
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains(needle), "{format}: {text}");
    }

    // --max-age needs --history.
    let out = keyhound()
        .args(["scan", "--max-age", "90d"])
        .arg(repo.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn empty_range_and_shallow_clone() {
    if !have_git() {
        return;
    }
    let repo = Repo::new();
    repo.write("a.txt", "1\n");
    let c1 = repo.commit("c1", 3);
    repo.write("a.txt", "2\n");
    repo.commit("c2", 2);
    repo.write("b.env", key_line(15));
    let c3 = repo.commit("c3", 1);

    let (v, code, err) = repo.scan(&["--since-commit", &c3, "--until", &c3]);
    assert!(findings(&v).is_empty());
    assert_eq!(code, 0);
    assert!(err.contains("nothing to scan"), "{err}");

    let clone = tempfile::tempdir().unwrap();
    let dest: PathBuf = clone.path().join("shallow");
    let out = Command::new("git")
        .args(["clone", "-q", "--depth", "1"])
        .arg(format!("file://{}", path_str(repo.path())))
        .arg(&dest)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = keyhound()
        .args(["scan", "--since-commit", &c1])
        .arg(&dest)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("shallow") && err.contains("fetch-depth: 0"),
        "{err}"
    );
}

#[test]
fn git_flags_outside_a_repository_fail_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let out = keyhound()
        .args(["scan", "--staged"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("not inside a git repository"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_merge_reports_what_it_brings_not_what_the_merged_branch_added() {
    if !have_git() {
        return;
    }
    let repo = Repo::new();
    repo.write("app.py", "print(1)\n");
    repo.commit("c1", 5);
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("feature.env", key_line(20));
    let f1 = repo.commit("feature adds a key", 4);
    repo.git(&["checkout", "-q", "main"]);
    repo.write("main.env", key_line(21));
    let m2 = repo.commit("main adds another key", 3);
    repo.git(&["checkout", "-q", "feature"]);
    // Merging main into the branch, with an "evil" change made in the merge itself.
    repo.git(&["merge", "-q", "--no-ff", "--no-commit", "main"]);
    repo.write("merge.env", key_line(22));
    let merge = repo.commit("merge main", 2);

    // The pull request of `feature` into `main` (base: main's tip).
    let (v, _, _) = repo.scan(&["--since-commit", &m2, "--until", &merge]);
    assert_eq!(hashes(&v), sorted(vec![hash(20), hash(22)]), "{v:#}");
    let commit_of = |n: u8| {
        findings(&v)
            .iter()
            .find(|f| f["secret_sha256"] == hash(n).as_str())
            .unwrap()["commit"]
            .clone()
    };
    assert_eq!(commit_of(20), f1.as_str());
    assert_eq!(commit_of(22), merge.as_str());
}

#[test]
fn corrupted_objects_are_errors_or_warnings_never_panics() {
    if !have_git() {
        return;
    }
    let repo = Repo::new();
    repo.write("ok.env", key_line(23));
    repo.write("broken.txt", "soon unreadable\n");
    repo.commit("c1", 1);
    let blob = String::from_utf8(repo.git(&["rev-parse", "HEAD:broken.txt"]).stdout).unwrap();
    repo.corrupt(blob.trim(), b"\x78\x9c not zlib at all");

    // A corrupt blob: listed as unreadable, the rest still scanned.
    let (v, code, _) = repo.scan(&["--history"]);
    assert_eq!(hashes(&v), vec![hash(23)]);
    assert_eq!(code, 1);
    assert!(
        v["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["path"].as_str().unwrap().starts_with("broken.txt@")),
        "{v:#}"
    );

    // A corrupt commit: a clear error (exit 2), no panic.
    repo.corrupt(&repo.head(), b"garbage");
    for mode in [
        &["--history"][..],
        &["--since-commit", "HEAD"][..],
        &["--staged"][..],
    ] {
        let out = keyhound()
            .arg("scan")
            .args(mode)
            .arg(repo.path())
            .output()
            .unwrap();
        let err = stderr(&out);
        assert!(!err.contains("panicked"), "{mode:?}: {err}");
        assert!(matches!(out.status.code(), Some(0..=2)), "{mode:?}: {err}");
        if mode[0] != "--staged" {
            assert_eq!(out.status.code(), Some(2), "{mode:?}: {err}");
            assert!(err.contains("may be damaged"), "{mode:?}: {err}");
        }
    }
}

#[test]
fn git_reports_are_the_same_bytes_for_any_thread_count() {
    if !have_git() {
        return;
    }
    let repo = Repo::new();
    for c in 0..12u8 {
        for f in 0..4u8 {
            let n = c * 4 + f;
            // Some secrets repeat across files and commits, some files are edited later.
            repo.write(
                &format!("dir{f}/file{}.env", c % 5),
                format!("# {c}\n{}{}", key_line(n % 17), key_line(30 + f)),
            );
        }
        repo.commit(&format!("c{c}"), 40 - c as i64);
    }
    for mode in [
        &["--history", "--max-age", "30d"][..],
        &["--since-commit", "HEAD~8"][..],
    ] {
        let run = |threads: &str| {
            keyhound()
                .args(["scan", "--format", "json", "-j", threads])
                .args(mode)
                .arg(repo.path())
                .output()
                .unwrap()
                .stdout
        };
        let one = run("1");
        assert!(!findings(&serde_json::from_slice(&one).unwrap()).is_empty());
        for _ in 0..3 {
            assert_eq!(one, run("4"), "{mode:?}");
        }
    }
}

#[test]
fn history_of_one_branch_or_of_every_reference() {
    if !have_git() {
        return;
    }
    let repo = Repo::new();
    repo.write("a.txt", "1\n");
    repo.commit("c1", 3);
    repo.git(&["checkout", "-q", "-b", "side"]);
    repo.write("side.env", key_line(40));
    repo.commit("a key on a side branch", 2);
    repo.git(&["checkout", "-q", "main"]);
    repo.write("main.env", key_line(41));
    repo.commit("a key on main", 1);

    let (v, _, _) = repo.scan(&["--history"]);
    assert_eq!(hashes(&v), vec![hash(41)], "HEAD (main) only");
    let (v, _, _) = repo.scan(&["--history", "--branch", "side"]);
    assert_eq!(hashes(&v), vec![hash(40)]);
    assert_eq!(
        findings(&v)[0]["present_at_head"],
        true,
        "the tip is `side`"
    );
    let (v, _, _) = repo.scan(&["--history", "--all"]);
    assert_eq!(hashes(&v), sorted(vec![hash(40), hash(41)]));
    let side = findings(&v)
        .iter()
        .find(|f| f["secret_sha256"] == hash(40).as_str())
        .unwrap()
        .clone();
    assert_eq!(side["present_at_head"], false, "not in HEAD's tree");

    let out = keyhound()
        .args(["scan", "--history", "--branch", "nope"])
        .arg(repo.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--branch nope: no such commit"),
        "{}",
        stderr(&out)
    );
}

/// In history, a bare `sk-` + 32 hex key takes its provider from the blobs of its folder (or
/// a folder above it) that name exactly one of DeepSeek and DashScope, as in a tree scan.
#[test]
fn history_attributes_bare_keys_from_the_files_around_them() {
    if !have_git() {
        return;
    }
    let repo = Repo::new();
    let (chat, embed, lone) = (
        "sk-4f1a9c2e7b3d8e6f0a5c1b9d2e7f3a8c",
        "sk-9b2e4d7a1c8f3e6b0d5a2c7e9f1b4d8a",
        "sk-7c3a1e9f5b2d8c4e6a0f3b7d1e9c5a2f",
    );
    repo.write(
        "services/chat/README.md",
        "Chat service. Set DEEPSEEK_API_KEY; see https://api-docs.deepseek.com.\n",
    );
    repo.write(
        "services/embed/package.json",
        "{\"name\": \"embed\", \"dependencies\": {\"dashscope\": \"^1.0.0\"}}\n",
    );
    repo.commit("services", 3);
    repo.write(
        "services/chat/src/client.py",
        format!("client = make_client(api_key='{chat}')\n"),
    );
    repo.write(
        "services/embed/index.ts",
        format!("export const KEY = \"{embed}\";\n"),
    );
    repo.write("tools/run.py", format!("KEY = '{lone}'\n"));
    repo.commit("keys", 1);

    let (v, code, err) = repo.scan(&["--history"]);
    assert_eq!(code, 1, "{err}");
    let by_path = |p: &str| {
        findings(&v)
            .iter()
            .find(|f| f["path"] == p)
            .unwrap_or_else(|| panic!("no finding in {p}: {v:#}"))
            .clone()
    };
    let f = by_path("services/chat/src/client.py");
    assert_eq!(f["provider"], "DeepSeek", "{f:#}");
    assert_eq!(f["attributed_by"], "services/chat/README.md", "{f:#}");
    let f = by_path("services/embed/index.ts");
    assert_eq!(f["provider"], "Alibaba DashScope", "{f:#}");
    assert_eq!(f["attributed_by"], "services/embed/package.json", "{f:#}");
    let f = by_path("tools/run.py");
    assert_eq!(f["provider"], "DeepSeek or DashScope", "{f:#}");
    assert!(f.get("attributed_by").is_none(), "{f:#}");
}

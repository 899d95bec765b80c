//! Organisation scale: `--shard I/N` and `keyhound merge`. The shards of a tree or of a history,
//! merged, are byte for byte what one scan reports, for any N; merge refuses what it cannot
//! merge exactly; findings carry their repository; the example workflows pass GitHub's schema.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use crate::git::{have_git, Repo};
use crate::outputs::assert_valid_sarif;
use crate::util::{keyhound, path_str, stderr};

/// A DeepSeek-shaped synthetic key, distinct per `n`.
fn key(n: u32) -> String {
    format!("sk-{n:04x}9a1c7e5b2d4086a1f3c5e7b9d20{:x}", n % 16)
}

/// `keyhound ARGS`, checked to exit with one of `codes`.
fn run(args: &[&str], codes: &[i32]) -> Output {
    let out = keyhound().args(args).output().expect("keyhound runs");
    let code = out.status.code().expect("keyhound exits normally");
    assert!(
        codes.contains(&code),
        "keyhound {args:?} exited {code}: {}",
        stderr(&out)
    );
    out
}

/// Scans `target` whole and in `n` shards (`extra` arguments to each), merges the shards, and
/// returns (whole report, merged report, shard reports) as bytes.
fn whole_and_merged(
    dir: &Path,
    target: &Path,
    extra: &[&str],
    n: u32,
) -> (Vec<u8>, Vec<u8>, Vec<Value>) {
    let whole = dir.join("whole.json");
    let mut args = vec!["scan", "-q", "--format", "json", "-o", path_str(&whole)];
    args.extend_from_slice(extra);
    args.push(path_str(target));
    run(&args, &[0, 1]);
    let mut shards = Vec::new();
    for i in 1..=n {
        let out = dir.join(format!("shard-{i}-of-{n}.json"));
        let shard = format!("{i}/{n}");
        let mut args = vec![
            "scan",
            "-q",
            "--format",
            "json",
            "-o",
            path_str(&out),
            "--shard",
            &shard,
        ];
        args.extend_from_slice(extra);
        args.push(path_str(target));
        run(&args, &[0, 1]);
        shards.push(out);
    }
    let merged = dir.join(format!("merged-{n}.json"));
    let mut args = vec!["merge", "-q", "-o", path_str(&merged)];
    args.extend(shards.iter().rev().map(|p| path_str(p)));
    run(&args, &[0, 1]);
    let parsed = shards
        .iter()
        .map(|p| serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap())
        .collect();
    (
        std::fs::read(&whole).unwrap(),
        std::fs::read(&merged).unwrap(),
        parsed,
    )
}

fn json(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).expect("a JSON report")
}

/// A tree of many files of uneven sizes, keys in some, one folder whose README names DeepSeek
/// and whose code holds bare keys (attributed from the README, which may be in another shard),
/// a binary file (a warning), and a large file.
fn sample_tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let write = |p: &str, data: &[u8]| {
        let path = dir.path().join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, data).unwrap();
    };
    for i in 0..60u32 {
        let filler = "let x = 1;\n".repeat((i as usize * 37) % 400);
        let body = if i % 3 == 0 {
            format!("{filler}DEEPSEEK_API_KEY=\"{}\"\n", key(i))
        } else {
            filler
        };
        write(&format!("pkg{}/src/file{i}.rs", i % 7), body.as_bytes());
    }
    write(
        "svc/README.md",
        b"Chat service. Set DEEPSEEK_API_KEY; see https://api-docs.deepseek.com.\n",
    );
    for i in 0..6u32 {
        write(
            &format!("svc/src/m{i}/client.py"),
            format!("client = make_client(api_key='{}')\n", key(900 + i)).as_bytes(),
        );
    }
    write(
        "embed/package.json",
        b"{\"name\": \"embed\", \"dependencies\": {\"dashscope\": \"^1.0.0\"}}\n",
    );
    write(
        "embed/index.ts",
        format!("export const KEY = \"{}\";\n", key(950)).as_bytes(),
    );
    write("assets/blob.bin", &[0u8, 1, 2, 3, 0, 0, 255, 254]);
    let big = format!("{}TOKEN=\"{}\"\n", "// padding\n".repeat(40_000), key(999));
    write("vendor/big.js", big.as_bytes());
    dir
}

#[test]
fn tree_shards_merge_into_exactly_one_scan() {
    let tree = sample_tree();
    let work = tempfile::tempdir().unwrap();
    let mut attributed_elsewhere = false;
    for n in [1, 3, 4, 7] {
        let (whole, merged, shards) = whole_and_merged(work.path(), tree.path(), &[], n);
        assert_eq!(
            String::from_utf8_lossy(&merged),
            String::from_utf8_lossy(&whole),
            "{n} shards"
        );
        let w = json(&whole);
        assert!(w["findings"].as_array().unwrap().len() >= 27, "{w:#}");
        // Each file in exactly one shard.
        let files: u64 = shards
            .iter()
            .map(|s| s["stats"]["files_scanned"].as_u64().unwrap())
            .sum();
        assert_eq!(files, w["stats"]["files_scanned"].as_u64().unwrap(), "{n}");
        for (i, s) in shards.iter().enumerate() {
            assert_eq!(s["stats"]["scan"]["shard"], format!("{}/{n}", i + 1));
            // A shard's bare key whose README another shard read names no provider yet.
            attributed_elsewhere |= s["findings"].as_array().unwrap().iter().any(|f| {
                f["path"].as_str().unwrap().contains("/svc/src/")
                    && f["provider"] == "DeepSeek or DashScope"
            });
        }
    }
    assert!(
        attributed_elsewhere,
        "no shard left an attribution to the merge"
    );
    let w = json(&whole_and_merged(work.path(), tree.path(), &[], 1).0);
    let client = w["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| {
            f["path"]
                .as_str()
                .unwrap()
                .ends_with("svc/src/m0/client.py")
        })
        .expect("the bare key is found");
    assert_eq!(client["provider"], "DeepSeek", "{client:#}");
}

/// A history where keys are added, files renamed, copied, edited and deleted, a key comes
/// back at a new path later, and bare keys are attributed from a README committed earlier.
fn sample_history() -> Repo {
    let repo = Repo::new();
    let env = |n: u32| format!("DEEPSEEK_API_KEY=\"{}\"\n", key(n));
    repo.write("a/config.env", env(1));
    repo.write("b/x.txt", env(2));
    repo.write(
        "svc/README.md",
        "Chat service. Set DEEPSEEK_API_KEY; see https://api-docs.deepseek.com.\n",
    );
    for i in 0..12 {
        repo.write(&format!("lib/m{i}.env"), env(100 + i));
    }
    repo.commit("first", 400);
    repo.git(&["mv", "a/config.env", "a/moved.env"]);
    repo.write("b/x.txt", format!("{}{}", env(2), env(3)));
    repo.write("svc/client.py", format!("KEY = '{}'\n", key(4)));
    repo.commit("rename, edit, bare key", 300);
    repo.git(&["rm", "-q", "b/x.txt"]);
    repo.write("c/copy.env", format!("{}# copied\n", env(1)));
    repo.write("lib/m3.env", "gone\n");
    repo.commit("delete, copy", 200);
    repo.write("d/new.env", env(2));
    repo.write("svc/client.py", format!("# v2\nKEY = '{}'\n", key(4)));
    for i in 0..8 {
        repo.write(&format!("more/n{i}.env"), env(200 + i));
    }
    repo.commit("key back, client edited", 100);
    repo.git(&["rm", "-q", "-r", "more"]);
    repo.write("a/moved.env", format!("{}{}", env(1), env(5)));
    repo.commit("last", 10);
    repo
}

#[test]
fn history_shards_merge_into_exactly_one_scan() {
    if !have_git() {
        return;
    }
    let repo = sample_history();
    let work = tempfile::tempdir().unwrap();
    for n in [1, 2, 3, 4, 7] {
        let (whole, merged, shards) = whole_and_merged(
            work.path(),
            repo.path(),
            &["--history", "--max-age", "150d"],
            n,
        );
        assert_eq!(
            String::from_utf8_lossy(&merged),
            String::from_utf8_lossy(&whole),
            "{n} shards"
        );
        if n == 4 {
            let split: Vec<usize> = shards
                .iter()
                .map(|s| s["findings"].as_array().unwrap().len())
                .collect();
            assert!(split.iter().filter(|&&c| c > 0).count() >= 2, "{split:?}");
        }
    }
    let w = json(
        &whole_and_merged(
            work.path(),
            repo.path(),
            &["--history", "--max-age", "150d"],
            1,
        )
        .0,
    );
    let findings = w["findings"].as_array().unwrap();
    let at = |p: &str| {
        findings
            .iter()
            .find(|f| f["path"] == p)
            .unwrap_or_else(|| panic!("nothing at {p}: {w:#}"))
    };
    // The key that came back at d/new.env is as old as its first commit at b/x.txt.
    assert_eq!(at("d/new.env")["age_days"], 400, "{w:#}");
    assert_eq!(at("d/new.env")["rotation_overdue"], true);
    assert_eq!(at("b/x.txt")["present_at_head"], false);
    assert_eq!(at("svc/client.py")["provider"], "DeepSeek");
    // The ranges too.
    let first = String::from_utf8_lossy(&repo.git(&["rev-list", "--max-parents=0", "HEAD"]).stdout)
        .trim()
        .to_string();
    let diff = format!("--diff={first}..HEAD");
    for n in [3, 4] {
        let (whole, merged, _) = whole_and_merged(work.path(), repo.path(), &[&diff], n);
        assert_eq!(
            String::from_utf8_lossy(&merged),
            String::from_utf8_lossy(&whole),
            "{n}"
        );
    }
}

#[test]
fn merged_sarif_is_one_valid_run_naming_each_repository() {
    let work = tempfile::tempdir().unwrap();
    let mut reports = Vec::new();
    for (name, n) in [("acme/web", 1u32), ("acme/api", 2)] {
        let dir = work.path().join(name.replace('/', "-"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("app.env"),
            format!("DEEPSEEK_API_KEY=\"{}\"\n", key(n)),
        )
        .unwrap();
        let out = work.path().join(format!("{}.json", name.replace('/', "-")));
        run(
            &[
                "scan",
                "-q",
                "--format",
                "json",
                "--repository",
                name,
                "-o",
                path_str(&out),
                path_str(&dir),
            ],
            &[1],
        );
        reports.push(out);
    }
    let sarif = work.path().join("all.sarif");
    let out = run(
        &[
            "merge",
            "--format",
            "sarif",
            "-o",
            path_str(&sarif),
            path_str(&reports[0]),
            path_str(&reports[1]),
        ],
        &[1],
    );
    assert!(
        stderr(&out).contains("merged 2 reports into 2 findings"),
        "{}",
        stderr(&out)
    );
    let doc: Value = serde_json::from_slice(&std::fs::read(&sarif).unwrap()).unwrap();
    assert_valid_sarif(&doc);
    assert_eq!(doc["runs"].as_array().unwrap().len(), 1);
    let repos: Vec<&str> = doc["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["properties"]["repository"].as_str().unwrap())
        .collect();
    assert_eq!(repos, ["acme/api", "acme/web"]);
    // JSON keeps the repository; Markdown names it when there are several.
    let merged = run(
        &["merge", "-q", path_str(&reports[1]), path_str(&reports[0])],
        &[1],
    );
    let v = json(&merged.stdout);
    assert_eq!(v["findings"][0]["repository"], "acme/api");
    assert!(v["stats"]["scan"].get("root").is_none(), "{v:#}");
    let md = run(
        &[
            "merge",
            "-q",
            "--format",
            "markdown",
            path_str(&reports[0]),
            path_str(&reports[1]),
        ],
        &[1],
    );
    assert!(String::from_utf8_lossy(&md.stdout).contains("acme/web: app.env"));
    // HTML too: the same page a scan writes, from the merged model, naming the repositories.
    let html = run(
        &[
            "merge",
            "-q",
            "--format",
            "html",
            path_str(&reports[0]),
            path_str(&reports[1]),
        ],
        &[1],
    );
    let page = String::from_utf8_lossy(&html.stdout);
    assert!(page.starts_with("<!DOCTYPE html>"), "{page:.200}");
    assert!(page.contains("keyhound merge -q --format html"));
    for text in ["acme/web: ", "acme/api: ", "app.env", "2 findings"] {
        assert!(page.contains(text), "{text} in the page");
    }
}

#[test]
fn merge_refuses_what_it_cannot_merge_exactly() {
    let tree = sample_tree();
    let other = sample_tree();
    let work = tempfile::tempdir().unwrap();
    let report = |name: &str, root: &Path, extra: &[&str]| -> PathBuf {
        let out = work.path().join(name);
        let mut args = vec!["scan", "-q", "--format", "json", "-o", path_str(&out)];
        args.extend_from_slice(extra);
        args.push(path_str(root));
        run(&args, &[0, 1]);
        out
    };
    let s1 = report("s1.json", tree.path(), &["--shard", "1/2"]);
    let s2 = report("s2.json", tree.path(), &["--shard", "2/2"]);
    let o2 = report("o2.json", other.path(), &["--shard", "2/2"]);
    let q2 = report(
        "q2.json",
        tree.path(),
        &["--shard", "2/2", "--min-confidence", "high"],
    );
    let p1 = report("p1.json", tree.path(), &["--shard", "1/4"]);
    let p2 = report("p2.json", tree.path(), &["--shard", "2/4"]);
    let text = std::fs::read_to_string(&s2).unwrap();
    let write = |name: &str, data: &str| {
        let p = work.path().join(name);
        std::fs::write(&p, data).unwrap();
        p
    };
    let cut = write("cut.json", &text[..text.len() / 2]);
    let junk = write("junk.json", "<html>not json</html>");
    let old = write(
        "old.json",
        &text.replace("\"keyhound\": \"0.1.0\"", "\"keyhound\": \"0.0.9\""),
    );
    let ancient = write(
        "ancient.json",
        r#"{"version":1,"findings":[],"stats":{"files_scanned":0,"bytes_scanned":0,"skipped_binary":0,"skipped_too_large":0,"unreadable":0,"errors":0,"rules":1,"findings":0},"warnings":[]}"#,
    );
    let future = write(
        "future.json",
        &text.replacen("\"version\": 1", "\"version\": 2", 1),
    );
    let cases: &[(&[&Path], &str, &str)] = &[
        (&[&s1, &cut], "cut.json", "ends too soon"),
        (&[&junk], "junk.json", "not a keyhound JSON report"),
        (&[&s1, &old], "old.json", "keyhound 0.0.9"),
        (&[&ancient], "ancient.json", "does not say which keyhound"),
        (&[&future], "future.json", "version 2"),
        (&[&s1, &o2], "o2.json", "shards of different scans"),
        (&[&s1, &q2], "q2.json", "other arguments"),
        (&[&p1, &p2], "p2.json", "3/4, 4/4 are missing"),
        (&[&s1, &s1], "s1.json", "named twice"),
    ];
    for (inputs, names, says) in cases {
        let mut args = vec!["merge", "-q"];
        args.extend(inputs.iter().map(|p| path_str(p)));
        let out = run(&args, &[2]);
        let err = stderr(&out);
        assert!(
            err.contains(names) && err.contains(says),
            "{inputs:?}: {err}"
        );
        assert!(out.stdout.is_empty(), "{inputs:?}");
    }
    // The shards of one scan merge; an incomplete set only when asked, with a warning.
    run(&["merge", "-q", path_str(&s1), path_str(&s2)], &[1]);
    let out = run(
        &["merge", "--allow-partial", path_str(&p1), path_str(&p2)],
        &[0, 1],
    );
    assert!(
        stderr(&out).contains("warning: shards 3/4, 4/4"),
        "{}",
        stderr(&out)
    );
    let out = run(&["merge", "-q", "--format", "human", path_str(&s1)], &[2]);
    assert!(stderr(&out).contains("no code frames"), "{}", stderr(&out));
}

#[test]
fn shard_arguments_are_checked() {
    let tree = crate::util::tree(&[("a.txt", b"nothing\n")]);
    for (shard, says) in [
        ("0/4", "count from 1"),
        ("5/4", "part 5 of 4 does not exist"),
        ("a/b", "write I/N"),
        ("1/0", "at least 1"),
    ] {
        let out = run(&["scan", "--shard", shard, path_str(tree.path())], &[2]);
        assert!(stderr(&out).contains(says), "{shard}: {}", stderr(&out));
    }
}

#[test]
fn findings_name_their_repository() {
    let tree = crate::util::tree(&[(
        "app.env",
        format!("DEEPSEEK_API_KEY=\"{}\"\n", key(7)).as_bytes(),
    )]);
    let root = path_str(tree.path());
    let repository = |extra: &[&str]| -> Value {
        let mut args = vec!["scan", "-q", "--format", "json"];
        args.extend_from_slice(extra);
        args.push(root);
        json(&run(&args, &[1]).stdout)["findings"][0]
            .get("repository")
            .cloned()
            .unwrap_or(Value::Null)
    };
    // Outside git: none, unless named.
    assert_eq!(repository(&[]), Value::Null);
    assert_eq!(repository(&["--repository", "acme/web"]), "acme/web");
    if !have_git() {
        return;
    }
    let repo = Repo::new();
    repo.write("app.env", format!("DEEPSEEK_API_KEY=\"{}\"\n", key(7)));
    let at = |extra: &[&str]| -> Value {
        let mut args = vec!["scan", "-q", "--format", "json"];
        args.extend_from_slice(extra);
        args.push(path_str(repo.path()));
        json(&run(&args, &[1]).stdout)["findings"][0]
            .get("repository")
            .cloned()
            .unwrap_or(Value::Null)
    };
    let folder = repo
        .path()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert_eq!(at(&[]), Value::String(folder));
    repo.git(&[
        "remote",
        "add",
        "origin",
        "https://x-access-token:ghs_fake@github.com/acme/web.git",
    ]);
    assert_eq!(at(&[]), "https://github.com/acme/web.git");
    assert_eq!(at(&["--repository", ""]), Value::Null);
}

#[test]
fn scale_example_workflows_pass_githubs_schema() {
    let ok = Command::new("check-jsonschema")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("skipping: check-jsonschema is not installed");
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = [
        "docs/examples/org-audit.yml",
        "docs/examples/monorepo-shards.yml",
    ];
    let out = Command::new("check-jsonschema")
        .args(["--builtin-schema", "vendor.github-workflows"])
        .args(files.iter().map(|f| root.join(f)))
        .output()
        .expect("check-jsonschema runs");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // What the workflows promise, present in them.
    let org = std::fs::read_to_string(root.join(files[0])).unwrap();
    for needle in [
        "gh repo list",
        "max-parallel",
        "timeout",
        "--history",
        "--repository",
        "keyhound merge",
        "--format html",
        "GITHUB_STEP_SUMMARY",
        "--format sarif",
    ] {
        assert!(org.contains(needle), "org-audit.yml lacks {needle}");
    }
    let mono = std::fs::read_to_string(root.join(files[1])).unwrap();
    for needle in [
        "--shard \"$SHARD\"",
        "strategy.job-total",
        "\" merge ",
        "upload-artifact",
        "download-artifact",
    ] {
        assert!(mono.contains(needle), "monorepo-shards.yml lacks {needle}");
    }
}

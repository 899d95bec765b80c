//! What a report says about the scan that wrote it (`stats.scan`, the findings' `repository`)
//! and what a shard adds for the merge: enough for `keyhound merge` to tell the shards of one
//! scan from different scans, and to finish what a shard alone cannot (attribution from the
//! files of other shards, first commits across them).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::{ScanConfig, STDIN_PATH};
use crate::report::Mention;
use crate::rules::{Confidence, RuleSet};
use crate::source::git::{GitMode, GitScan, HistoryTips};
use crate::source::{self, WalkOptions};

/// Every file the walk of `roots` lists, by the path reports show, with its size: what the
/// shards of a tree agree their split on (metadata only; nothing is read).
pub(super) fn list_sizes(roots: &[PathBuf], walk: &WalkOptions) -> Vec<(String, u64)> {
    let files = Mutex::new(Vec::new());
    source::walk_each(roots, walk, || {
        let files = &files;
        move |item| {
            if let Ok(t) = item {
                let size = std::fs::metadata(&t.path).map_or(0, |m| m.len());
                super::lock(files).push((t.display, size));
            }
        }
    });
    files.into_inner().unwrap_or_else(|e| e.into_inner())
}

/// A shard's mentions (see [`crate::detect::Engine::attribute_across_files`]) by rule id, for
/// the report; sorted.
pub(super) fn shard_mentions(
    mentions: &[(String, Vec<(u32, u32)>)],
    rules: &RuleSet,
) -> Vec<Mention> {
    let mut out: Vec<Mention> = mentions
        .iter()
        .flat_map(|(path, said)| {
            said.iter().map(move |&(ri, ai)| Mention {
                path: path.clone(),
                rule: rules.rules()[ri as usize].spec.id.clone(),
                attribution: ai,
            })
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The mentions of a report, by rule index again, for [`crate::detect::attribute_across_files`];
/// a rule this keyhound does not have is left out (its findings name their rule's provider).
pub(super) fn indexed_mentions(
    mentions: &[Mention],
    rules: &RuleSet,
) -> Vec<(String, Vec<(u32, u32)>)> {
    let mut by_path: std::collections::BTreeMap<&str, Vec<(u32, u32)>> = Default::default();
    for m in mentions {
        let Some(ri) = rules.index_of(&m.rule) else {
            continue;
        };
        if (m.attribution as usize) < rules.rules()[ri].spec.attribute.len() {
            by_path
                .entry(&m.path)
                .or_default()
                .push((ri as u32, m.attribution));
        }
    }
    by_path
        .into_iter()
        .map(|(p, mut said)| {
            said.sort_unstable();
            said.dedup();
            (p.to_string(), said)
        })
        .collect()
}

/// The folder the scan is of, absolute: the work tree in git modes, else the first root.
pub(super) fn scan_root(cfg: &ScanConfig, plan: Option<&GitScan>) -> Option<String> {
    let root = match plan {
        Some(p) => p.root.clone(),
        None => match cfg.roots.iter().find(|r| r.as_os_str() != STDIN_PATH) {
            Some(r) => r.clone(),
            None => std::env::current_dir().ok()?,
        },
    };
    let abs = std::fs::canonicalize(&root).unwrap_or(root);
    Some(abs.to_string_lossy().replace('\\', "/"))
}

/// The arguments that decide what a scan finds, in a fixed order: two shards of one scan have
/// the same; the thread count, output formats and progress do not count.
pub(super) fn scan_args(cfg: &ScanConfig) -> Vec<String> {
    let mut a: Vec<String> = cfg
        .roots
        .iter()
        .map(|r| r.to_string_lossy().into_owned())
        .collect();
    if cfg.roots.iter().any(|r| r.as_os_str() == STDIN_PATH) {
        a.push(format!("--stdin-name={}", cfg.stdin_name));
    }
    if let Some(g) = &cfg.git {
        a.push(match &g.mode {
            GitMode::Staged => "--staged".into(),
            GitMode::Range { base, until, .. } => format!("--diff={base}..{until}"),
            GitMode::History { tips } => match tips {
                HistoryTips::Head => "--history".into(),
                HistoryTips::Branch(b) => format!("--history --branch={b}"),
                HistoryTips::All => "--history --all".into(),
            },
        });
        if let Some(d) = g.max_age_days {
            a.push(format!("--max-age={d}d"));
        }
    }
    let many = |a: &mut Vec<String>, flag: &str, values: &[String]| {
        a.extend(values.iter().map(|v| format!("{flag}={v}")));
    };
    if let Some(c) = &cfg.config {
        a.push(format!("--config={}", c.display()));
    }
    many(&mut a, "--exclude", &cfg.excludes);
    many(&mut a, "--rule", &cfg.only_rules);
    many(&mut a, "--skip-rule", &cfg.skip_rules);
    let files: Vec<String> = cfg
        .rule_files
        .iter()
        .map(|f| f.display().to_string())
        .collect();
    many(&mut a, "--rules", &files);
    if cfg.walk.no_ignore {
        a.push("--no-ignore".into());
    }
    a.push(format!("--max-file-size={}", cfg.walk.max_file_size));
    a.push(format!(
        "--max-archive-depth={}",
        cfg.walk.max_archive_depth
    ));
    if cfg.walk.binaries {
        a.push("--binaries".into());
    }
    if let Some(c) = cfg.min_confidence {
        a.push(format!(
            "--min-confidence={}",
            match c {
                Confidence::Low => "low",
                Confidence::Medium => "medium",
                Confidence::High => "high",
            }
        ));
    }
    if let Some(b) = &cfg.baseline {
        a.push(format!("--baseline={}", b.display()));
    }
    if cfg.show_secrets {
        a.push("--show-secrets".into());
    }
    if cfg.verify.is_some() {
        a.push("--verify".into());
    }
    a
}

/// The `repository` stamped on findings: `--repository`, else the origin URL of the git work
/// tree holding the scan (credentials removed), else that work tree's folder name; none outside
/// git, or with `--repository ''`.
pub(super) fn repository_name(cfg: &ScanConfig, plan: Option<&GitScan>) -> Option<String> {
    match cfg.repository.as_deref() {
        Some("") => return None,
        Some(name) => return Some(name.to_string()),
        None => {}
    }
    let repo = match plan {
        Some(p) => p.repo.to_thread_local(),
        None => {
            let root = cfg
                .roots
                .iter()
                .find(|r| r.as_os_str() != STDIN_PATH)
                .map_or(Path::new("."), PathBuf::as_path);
            let dir = if root.is_file() {
                root.parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .unwrap_or(Path::new("."))
            } else {
                root
            };
            gix::discover(dir).ok()?
        }
    };
    let origin = repo.find_remote("origin").ok().and_then(|r| {
        r.url(gix::remote::Direction::Fetch)
            .map(|u| u.to_bstring().to_string())
    });
    if let Some(url) = origin.filter(|u| !u.is_empty()) {
        return Some(without_credentials(&url));
    }
    let top = repo.workdir().unwrap_or_else(|| repo.git_dir());
    let top = std::fs::canonicalize(top).ok()?;
    top.file_name().map(|n| n.to_string_lossy().into_owned())
}

/// `https://user:token@host/o/r.git` -> `https://host/o/r.git`: a token in a clone URL must not
/// end up in every finding. `git@host:o/r.git` (scp form, a user and no secret) is kept.
pub(super) fn without_credentials(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    format!("{scheme}://{host}{path}")
}

#[cfg(test)]
mod tests {
    use super::without_credentials;

    #[test]
    fn credentials_leave_the_repository_url() {
        let cases = [
            (
                "https://x-access-token:ghs_abc@github.com/o/r.git",
                "https://github.com/o/r.git",
            ),
            ("https://user@github.com/o/r", "https://github.com/o/r"),
            ("https://github.com/o/r.git", "https://github.com/o/r.git"),
            ("ssh://git@host:22/o/r.git", "ssh://host:22/o/r.git"),
            ("git@github.com:o/r.git", "git@github.com:o/r.git"),
            ("/srv/git/r.git", "/srv/git/r.git"),
        ];
        for (url, want) in cases {
            assert_eq!(without_credentials(url), want, "{url}");
        }
    }
}

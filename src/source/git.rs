//! Git sources, read with `gix`: what is staged (the pre-commit path), what a range of commits
//! adds (pull requests), and every blob in history (audits).
//!
//! Each mode turns the repository into a list of [`BlobJob`]s: a blob to scan, the path it had,
//! the commit that brought it (if any) and the blob it replaced, so that only the lines the
//! change added are reported. Nothing here holds blob contents: jobs carry object ids and the
//! scanner reads one blob at a time per thread, so memory follows the largest blob, not the
//! history.
//!
//! History mode offers each blob for scanning once, at the first path it appeared at; every
//! later path that holds the same blob (a rename, a copy, two files with one content) is offered
//! too, as [`Offer::AlsoAt`], so that a secret is reported at every path that ever held it.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{anyhow, bail, Result};
use gix::bstr::ByteSlice;
use gix::diff::blob::{Algorithm, Diff, InternedInput};
use gix::object::tree::diff::{Action, ChangeDetached};
use gix::ObjectId;

/// Which git content `keyhound scan` reads instead of the working tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GitMode {
    /// The index against HEAD: what `git commit` would record.
    Staged,
    /// Every commit reachable from `until` and not from `base`, each with the lines it added.
    /// `flags` are how the user spelled them, for messages: `("--since-commit", "--until")`
    /// or `("--diff", "--diff")`.
    Range {
        base: String,
        until: String,
        flags: (&'static str, &'static str),
    },
    /// Every blob reachable from the tips, scanned once.
    History { tips: HistoryTips },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HistoryTips {
    Head,
    Branch(String),
    All,
}

/// A commit that brought a blob, with what reports show about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitMeta {
    pub id: String,
    /// `Name <email>` of the author.
    pub author: String,
    /// Commit (committer) time, seconds since the Unix epoch.
    pub time: i64,
    /// The same as RFC 3339 text with the committer's offset.
    pub date: String,
    /// Position in the scan, oldest first: a lower number is an earlier commit.
    pub order: usize,
}

/// One blob to scan.
#[derive(Debug, Clone)]
pub struct BlobJob {
    /// Path in the repository at that commit (or in the index), `/`-separated.
    pub path: String,
    pub id: ObjectId,
    /// The blob this one replaced: only lines added against it are reported. `None` means every
    /// line is new (a new file, or history mode, which reports whatever a blob holds).
    pub previous: Option<ObjectId>,
    /// A merge commit's version of the path in its other parents: a line counts as added only
    /// if it is new against every parent (what the merge itself brought, such as a conflict
    /// resolution), not what the merged branch's own commits added.
    pub other_parents: Vec<ObjectId>,
    /// The commit that brought the blob; `None` for staged content.
    pub commit: Option<Arc<CommitMeta>>,
}

/// How [`GitScan::stream`] hands a job over.
#[derive(Debug, Clone)]
pub enum Offer {
    /// A blob to scan. The receiver answers whether it took it: history mode offers a blob it
    /// refused (its path is excluded) again at the next path the blob appears at.
    Scan(BlobJob),
    /// History mode: a blob already taken for scanning, found at another path from this job's
    /// commit on. Its findings belong at this path too.
    AlsoAt(BlobJob),
}

/// What a git mode resolved to, ready to scan.
pub struct GitScan {
    pub repo: gix::ThreadSafeRepository,
    /// The work tree (or the git dir of a bare repository): where `.keyhound.toml` is looked up.
    pub root: PathBuf,
    /// Staged mode: the jobs, listed up front.
    pub jobs: Vec<BlobJob>,
    /// Range and history modes: the commits to diff, oldest first, listed by [`GitScan::stream`]
    /// while the blobs already listed are being scanned.
    commit_ids: Vec<ObjectId>,
    /// Range mode: report the lines each commit added (history reports whole blobs).
    added_lines: bool,
    /// History mode: the blob at each path of the tip's tree, to tell whether a path still
    /// holds a secret.
    pub tip_tree: Option<HashMap<String, ObjectId>>,
    /// Things the user should know (for example that the range is empty).
    pub notes: Vec<String>,
}

/// Opens the repository that holds `path` and lists what `mode` asks to scan.
pub fn plan(path: &Path, mode: &GitMode) -> Result<GitScan> {
    let repo = gix::discover(path).map_err(|e| {
        anyhow!(
            "{} is not inside a git repository ({e}); --staged, --since-commit and --history \
             read git, run them in a clone",
            path.display()
        )
    })?;
    let root = repo
        .workdir()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| repo.git_dir().to_path_buf());
    let mut scan = GitScan {
        repo: repo.clone().into_sync(),
        root,
        jobs: Vec::new(),
        commit_ids: Vec::new(),
        added_lines: false,
        tip_tree: None,
        notes: Vec::new(),
    };
    match mode {
        GitMode::Staged => staged(&repo, &mut scan)?,
        GitMode::Range { base, until, flags } => range(&repo, base, until, *flags, &mut scan)?,
        GitMode::History { tips } => history(&repo, tips, &mut scan)?,
    }
    Ok(scan)
}

impl GitScan {
    /// Hands every job to `send`, in order: the staged ones, or those of each commit as its
    /// diff is read (so scanning starts before the history is listed). `send` returns whether
    /// it took a [`Offer::Scan`] job (see there). Returns the commits that brought at least one
    /// job (every commit, in range mode).
    pub fn stream(&self, mut send: impl FnMut(Offer) -> bool) -> Result<Vec<Arc<CommitMeta>>> {
        for job in &self.jobs {
            send(Offer::Scan(job.clone()));
        }
        if self.commit_ids.is_empty() {
            return Ok(Vec::new());
        }
        let repo = self.repo.to_thread_local();
        commits_to_jobs(&repo, &self.commit_ids, self.added_lines, &mut send)
    }
}

fn git_err(what: &str) -> impl Fn(gix::Error) -> anyhow::Error + '_ {
    move |e| anyhow!("{what}: {e}")
}

/// Index entries whose blob differs from HEAD's at the same path. A path new to the index is
/// compared with the blobs of paths the index no longer has: an unchanged blob there is a pure
/// rename (nothing added); otherwise the most similar one is its base, so a renamed and edited
/// file reports only the edit.
fn staged(repo: &gix::Repository, scan: &mut GitScan) -> Result<()> {
    let index = repo
        .index_or_empty()
        .map_err(git_err("cannot read the git index"))?;
    let head = repo.head().map_err(git_err("cannot read HEAD"))?;
    let head_files: HashMap<Vec<u8>, ObjectId> = if head.is_unborn() {
        HashMap::new()
    } else {
        let tree = repo
            .head_commit()
            .and_then(|c| c.tree())
            .map_err(git_err("cannot read the tree of HEAD"))?;
        tree_blobs(&tree)?.into_iter().collect()
    };
    let mut in_index: HashSet<&[u8]> = HashSet::new();
    let mut new_paths = Vec::new();
    for entry in index.entries() {
        let path = entry.path(&index);
        in_index.insert(path.as_bytes());
        let is_blob = entry.mode.to_tree_entry_mode().is_some_and(|m| m.is_blob());
        if !is_blob || entry.stage_raw() != 0 {
            continue;
        }
        match head_files.get(path.as_bytes()) {
            Some(old) if *old == entry.id => {}
            Some(old) => scan.jobs.push(BlobJob {
                path: path.to_str_lossy().into_owned(),
                id: entry.id,
                previous: Some(*old),
                other_parents: Vec::new(),
                commit: None,
            }),
            None => new_paths.push((path.to_str_lossy().into_owned(), entry.id)),
        }
    }
    let gone: Vec<ObjectId> = head_files
        .iter()
        .filter(|(p, _)| !in_index.contains(p.as_slice()))
        .map(|(_, id)| *id)
        .collect();
    let gone_set: HashSet<ObjectId> = gone.iter().copied().collect();
    for (path, id) in new_paths {
        if gone_set.contains(&id) {
            continue; // renamed without a change
        }
        let previous = most_similar(repo, id, &gone)?;
        scan.jobs.push(BlobJob {
            path,
            id,
            previous,
            other_parents: Vec::new(),
            commit: None,
        });
    }
    scan.jobs.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(())
}

/// Of the `candidates` (blobs of removed paths), the one that shares at least half its lines
/// with `id`, if any. Few paths disappear in one commit; past 50 the new file counts as new.
fn most_similar(
    repo: &gix::Repository,
    id: ObjectId,
    candidates: &[ObjectId],
) -> Result<Option<ObjectId>> {
    if candidates.is_empty() || candidates.len() > 50 {
        return Ok(None);
    }
    let new = read_blob(repo, id)?;
    let mut best: Option<(u32, ObjectId)> = None;
    for &c in candidates {
        let old = read_blob(repo, c)?;
        let input = InternedInput::new(old.as_slice(), new.as_slice());
        let diff = Diff::compute(Algorithm::Histogram, &input);
        let lines = input.after.len() as u32;
        let kept = lines.saturating_sub(diff.count_additions());
        if kept * 2 >= lines.max(1) && best.is_none_or(|(k, _)| kept > k) {
            best = Some((kept, c));
        }
    }
    Ok(best.map(|(_, c)| c))
}

fn range(
    repo: &gix::Repository,
    base: &str,
    until: &str,
    (base_flag, until_flag): (&str, &str),
    scan: &mut GitScan,
) -> Result<()> {
    let until_id = resolve(repo, until, until_flag)?;
    let base_id = resolve(repo, base, base_flag)?;
    if base_id == until_id {
        scan.notes.push(format!(
            "the range {base}..{until} is empty (both are commit {}): nothing to scan",
            short(&base_id)
        ));
        return Ok(());
    }
    let walk = repo
        .rev_walk([until_id])
        .with_hidden([base_id])
        .all()
        .map_err(git_err("cannot walk the commits of the range"))?;
    let mut ids = Vec::new();
    for info in walk {
        ids.push(
            info.map_err(git_err("cannot walk the commits of the range"))?
                .id,
        );
    }
    ids.reverse();
    scan.commit_ids = ids;
    scan.added_lines = true;
    Ok(())
}

fn history(repo: &gix::Repository, tips: &HistoryTips, scan: &mut GitScan) -> Result<()> {
    let head = repo.head().map_err(git_err("cannot read HEAD"))?;
    let (starts, tip) = match tips {
        HistoryTips::Head => {
            if head.is_unborn() {
                scan.notes
                    .push("the repository has no commits yet: no history to scan".into());
                return Ok(());
            }
            let id = resolve(repo, "HEAD", "")?;
            (vec![id], id)
        }
        HistoryTips::Branch(r) => {
            let id = resolve(repo, r, "--branch")?;
            (vec![id], id)
        }
        HistoryTips::All => {
            let mut starts = Vec::new();
            let refs = repo
                .references()
                .map_err(git_err("cannot list the references"))?;
            let all = refs
                .all()
                .map_err(|e| anyhow!("cannot list the references: {e}"))?;
            for r in all {
                let Ok(mut r) = r else { continue };
                if let Ok(id) = r.peel_to_commit().map(|c| c.id) {
                    starts.push(id);
                }
            }
            starts.sort();
            starts.dedup();
            if head.is_unborn() && starts.is_empty() {
                scan.notes
                    .push("the repository has no commits yet: no history to scan".into());
                return Ok(());
            }
            let tip = if head.is_unborn() {
                starts[0]
            } else {
                resolve(repo, "HEAD", "")?
            };
            (starts, tip)
        }
    };
    let tip_tree = repo
        .find_commit(tip)
        .and_then(|c| c.tree())
        .map_err(git_err("cannot read the tree of the tip commit"))?;
    scan.tip_tree = Some(
        tree_blobs(&tip_tree)?
            .into_iter()
            .map(|(path, id)| (path.to_str_lossy().into_owned(), id))
            .collect(),
    );
    let walk = repo
        .rev_walk(starts)
        .sorting(gix::revision::walk::Sorting::ByCommitTime(
            gix::traverse::commit::simple::CommitTimeOrder::NewestFirst,
        ))
        .all()
        .map_err(git_err("cannot walk the history"))?;
    let mut ids = Vec::new();
    for info in walk {
        ids.push(info.map_err(git_err("cannot walk the history"))?.id);
    }
    ids.reverse();
    scan.commit_ids = ids;
    Ok(())
}

/// History mode's memory of what it offered, so that each blob is scanned once and each
/// (blob, path) pair is offered once. Object ids and small numbers only: paths are interned,
/// since one path has many blobs over time.
#[derive(Default)]
struct Offered {
    paths: HashMap<String, u32>,
    /// Blobs taken for scanning, with the path they were taken at.
    taken: HashMap<ObjectId, u32>,
    /// The other (blob, path) pairs offered: as [`Offer::AlsoAt`], or refused.
    elsewhere: HashSet<(ObjectId, u32)>,
}

impl Offered {
    fn path_index(&mut self, path: &str) -> u32 {
        if let Some(&i) = self.paths.get(path) {
            return i;
        }
        let i = self.paths.len() as u32;
        self.paths.insert(path.to_string(), i);
        i
    }

    /// How to offer the blob `id` at `path`, or `None` when that pair was offered before.
    fn kind(&self, id: ObjectId, path: u32) -> Option<OfferKind> {
        match self.taken.get(&id) {
            Some(&at) if at == path => None,
            Some(_) if self.elsewhere.contains(&(id, path)) => None,
            Some(_) => Some(OfferKind::AlsoAt),
            None if self.elsewhere.contains(&(id, path)) => None,
            None => Some(OfferKind::Scan),
        }
    }

    fn record(&mut self, id: ObjectId, path: u32, kind: OfferKind, taken: bool) {
        if kind == OfferKind::Scan && taken {
            self.taken.insert(id, path);
        } else {
            self.elsewhere.insert((id, path));
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OfferKind {
    Scan,
    AlsoAt,
}

/// Diffs each commit (oldest first) against its first parent. With `added_lines`, each changed
/// file is a job that reports the lines the commit added; without it (history), each blob not
/// taken before is offered for scanning (it reports everything it holds) and each new path of
/// a blob already taken is offered as [`Offer::AlsoAt`], both under the commit that put the
/// blob at that path.
fn commits_to_jobs(
    repo: &gix::Repository,
    ids: &[ObjectId],
    added_lines: bool,
    send: &mut dyn FnMut(Offer) -> bool,
) -> Result<Vec<Arc<CommitMeta>>> {
    let mut commits = Vec::new();
    let mut cache = repo
        .diff_resource_cache_for_tree_diff()
        .map_err(git_err("cannot prepare tree diffs"))?;
    let mut offered = Offered::default();
    let empty = repo.empty_tree();
    for &id in ids {
        let commit = repo
            .find_commit(id)
            .map_err(git_err("cannot read a commit"))?;
        let tree = commit
            .tree()
            .map_err(git_err("cannot read a commit's tree"))?;
        // A parent cut off by a shallow clone reads as missing: diff against nothing.
        let mut parent_trees = commit
            .parent_ids()
            .map(|p| repo.find_commit(p).and_then(|c| c.tree()).ok());
        let parent_tree = parent_trees
            .next()
            .flatten()
            .unwrap_or_else(|| empty.clone());
        let other_trees: Vec<gix::Tree<'_>> = if added_lines {
            parent_trees.flatten().collect()
        } else {
            Vec::new()
        };
        let mut found = Vec::new();
        let mut changes = parent_tree
            .changes()
            .map_err(git_err("cannot diff a commit"))?;
        changes.options(|o| {
            o.track_path();
            if !added_lines {
                o.track_rewrites(None);
            }
        });
        changes
            .for_each_to_obtain_tree_with_cache(&tree, &mut cache, |change| {
                let change = change.detach();
                let (path, id, previous, mode) = match change {
                    ChangeDetached::Addition {
                        location,
                        entry_mode,
                        id,
                        ..
                    } => (location, id, None, entry_mode),
                    ChangeDetached::Modification {
                        location,
                        entry_mode,
                        id,
                        previous_id,
                        ..
                    } => (location, id, Some(previous_id), entry_mode),
                    ChangeDetached::Rewrite {
                        location,
                        entry_mode,
                        id,
                        source_id,
                        ..
                    } => (location, id, Some(source_id), entry_mode),
                    ChangeDetached::Deletion { .. } => return Ok(Action::Continue(())),
                };
                if !mode.is_blob() {
                    return Ok(Action::Continue(()));
                }
                let mut other_parents = Vec::new();
                if added_lines {
                    if previous == Some(id) {
                        return Ok(Action::Continue(())); // renamed, unchanged
                    }
                    for t in &other_trees {
                        let there = t
                            .lookup_entry(path.split(|&b| b == b'/'))
                            .ok()
                            .flatten()
                            .map(|e| e.object_id());
                        match there {
                            Some(other) if other == id => return Ok(Action::Continue(())),
                            Some(other) => other_parents.push(other),
                            None => {}
                        }
                    }
                }
                found.push(BlobJob {
                    path: path.to_str_lossy().into_owned(),
                    id,
                    previous: if added_lines { previous } else { None },
                    other_parents,
                    commit: None,
                });
                Ok(Action::Continue(()))
            })
            .map_err(git_err("cannot diff a commit"))?;
        cache.clear_resource_cache_keep_allocation();
        // Made at the first job: in history, a commit whose changes were all offered before (a
        // merge, a revert) brings none and is left out.
        let mut this: Option<Arc<CommitMeta>> = None;
        let mut meta_of = |commits: &mut Vec<Arc<CommitMeta>>| -> Result<Arc<CommitMeta>> {
            if let Some(m) = &this {
                return Ok(m.clone());
            }
            let m = Arc::new(meta(&commit, commits.len())?);
            commits.push(m.clone());
            this = Some(m.clone());
            Ok(m)
        };
        if added_lines {
            let meta = meta_of(&mut commits)?;
            for mut job in found {
                job.commit = Some(meta.clone());
                send(Offer::Scan(job));
            }
            continue;
        }
        for mut job in found {
            let (id, path) = (job.id, offered.path_index(&job.path));
            let Some(kind) = offered.kind(id, path) else {
                continue;
            };
            job.commit = Some(meta_of(&mut commits)?);
            let taken = send(match kind {
                OfferKind::Scan => Offer::Scan(job),
                OfferKind::AlsoAt => Offer::AlsoAt(job),
            });
            offered.record(id, path, kind, taken);
        }
    }
    Ok(commits)
}

fn meta(commit: &gix::Commit<'_>, order: usize) -> Result<CommitMeta> {
    let author = commit
        .author()
        .map_err(git_err("cannot read a commit's author"))?;
    let time = commit
        .time()
        .map_err(git_err("cannot read a commit's time"))?;
    Ok(CommitMeta {
        id: commit.id.to_string(),
        author: format!(
            "{} <{}>",
            author.name.trim().to_str_lossy(),
            author.email.trim().to_str_lossy()
        ),
        time: time.seconds,
        date: time.format_or_unix(gix::date::time::format::ISO8601_STRICT),
        order,
    })
}

/// Every blob (not symlink or submodule) in `tree`, recursively, with its path.
fn tree_blobs(tree: &gix::Tree<'_>) -> Result<Vec<(Vec<u8>, ObjectId)>> {
    let mut rec = gix::traverse::tree::Recorder::default();
    tree.traverse()
        .breadthfirst(&mut rec)
        .map_err(git_err("cannot read a tree"))?;
    Ok(rec
        .records
        .into_iter()
        .filter(|e| e.mode.is_blob())
        .map(|e| (e.filepath.into(), e.oid))
        .collect())
}

/// The commit `spec` names. `flag` is the option it came from, for messages (empty for HEAD).
fn resolve(repo: &gix::Repository, spec: &str, flag: &str) -> Result<ObjectId> {
    let what = if flag.is_empty() {
        spec.to_string()
    } else {
        format!("{flag} {spec}")
    };
    if let Ok(id) = repo.rev_parse_single(spec) {
        let id = id.detach();
        return repo
            .find_object(id)
            .and_then(|o| o.peel_to_commit())
            .map(|c| c.id)
            .map_err(|e| {
                anyhow!(
                    "{what}: cannot read commit {} ({e}); the repository may be damaged \
                     (`git fsck` tells)",
                    short(&id)
                )
            });
    }
    if let Some(id) = named_id(repo, spec) {
        bail!(
            "{what}: cannot read commit {}; the repository may be damaged (`git fsck` tells)",
            short(&id)
        );
    }
    if repo.is_shallow().unwrap_or(false) {
        bail!(
            "{what}: no such commit in this clone, and the clone is shallow; fetch the \
             history it needs (`git fetch --unshallow`, or `fetch-depth: 0` on \
             actions/checkout)"
        );
    }
    bail!("{what}: no such commit (a commit id, branch or tag is expected)")
}

/// The object id `spec` points at without reading the object: set when the name exists but
/// the object behind it could not be read.
fn named_id(repo: &gix::Repository, spec: &str) -> Option<ObjectId> {
    if spec == "HEAD" {
        return repo.head().ok()?.id().map(|id| id.detach());
    }
    if let Ok(Some(r)) = repo.try_find_reference(spec) {
        return r.target().try_id().map(ToOwned::to_owned);
    }
    ObjectId::from_hex(spec.as_bytes())
        .ok()
        .filter(|id| repo.has_object(id))
}

pub fn short(id: &ObjectId) -> String {
    id.to_hex_with_len(10).to_string()
}

/// The bytes of one blob.
pub fn read_blob(repo: &gix::Repository, id: ObjectId) -> Result<Vec<u8>> {
    let mut blob = repo
        .find_blob(id)
        .map_err(|e| anyhow!("cannot read blob {}: {e}", short(&id)))?;
    Ok(blob.take_data())
}

/// The size of a blob, without reading it.
pub fn blob_size(repo: &gix::Repository, id: ObjectId) -> Result<u64> {
    repo.find_header(id)
        .map(|h| h.size())
        .map_err(|e| anyhow!("cannot read blob {}: {e}", short(&id)))
}

/// Which 1-based lines of `new` are not in `old` (by a histogram line diff, as git does).
pub fn added_lines(old: &[u8], new: &[u8]) -> Vec<bool> {
    let input = InternedInput::new(old, new);
    let diff = Diff::compute(Algorithm::Histogram, &input);
    // Index 0 is unused so that line numbers index directly.
    let mut added = vec![false; input.after.len() + 2];
    for (i, slot) in added.iter_mut().enumerate().skip(1).take(input.after.len()) {
        *slot = diff.is_added((i - 1) as u32);
    }
    added
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn added_lines_marks_only_new_lines() {
        let old = b"a\nb\nc\n";
        let new = b"a\nX\nb\nc\nY";
        let added = added_lines(old, new);
        let lines: Vec<usize> = (1..added.len()).filter(|&i| added[i]).collect();
        assert_eq!(lines, vec![2, 5]);
        let all = added_lines(b"", b"k\nl\n");
        assert!(all[1] && all[2]);
    }

    #[test]
    fn not_a_repository_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = plan(dir.path(), &GitMode::Staged)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("not inside a git repository"), "{err}");
    }
}

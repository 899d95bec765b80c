//! Sources decide which bytes get scanned. This module owns the working-tree source: a
//! parallel walk (the `ignore` crate: `.gitignore`, `.ignore`, `.keyhoundignore`; hidden files
//! included; `.git/` never entered) and reading each file into memory, with binary, too-large
//! and unreadable files turned into [`Problem`]s that name the path instead of stopping the scan.

pub mod git;

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ignore::{WalkBuilder, WalkState};

/// How far the walk goes and what it reads.
#[derive(Debug, Clone)]
pub struct WalkOptions {
    /// Ignore no ignore file at all (`--no-ignore`).
    pub no_ignore: bool,
    /// Files larger than this are skipped with a warning.
    pub max_file_size: u64,
    pub threads: usize,
    /// Files larger than this are read and scanned in windows of this many bytes (memory
    /// bounded by the window; see `app::windowed`).
    pub window: u64,
}

/// A file to scan.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Target {
    /// The path reported to users: relative to the scan root, `/`-separated.
    pub display: String,
    pub path: PathBuf,
}

/// Why a file was not scanned, or not scanned whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ProblemKind {
    Binary,
    TooLarge,
    Unreadable,
    /// The scan of this file failed inside keyhound (a caught panic).
    Internal,
    /// Not a regular file: a symbolic link (never followed), a named pipe, a socket or a
    /// device. Listed so that nothing is skipped silently; not an error.
    Special,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    pub path: String,
    pub kind: ProblemKind,
    pub message: String,
}

impl Problem {
    /// Whether this problem fails a `--strict` scan: a file that should have been read was
    /// not. Binary files and special entries are expected and never read.
    pub fn is_error(&self) -> bool {
        !matches!(self.kind, ProblemKind::Binary | ProblemKind::Special)
    }
}

/// Lists the files under `roots`, sorted by display path so that every run scans and reports
/// in the same order. Problems met on the way (unreadable folders) come back alongside.
pub fn walk(roots: &[PathBuf], opts: &WalkOptions) -> (Vec<Target>, Vec<Problem>) {
    let found = Mutex::new((Vec::new(), Vec::new()));
    let single = roots.len() == 1;
    for root in roots {
        if root.is_file() {
            let display = display_path(root, None);
            found
                .lock()
                .expect("no thread panics while holding the lock")
                .0
                .push(Target {
                    display,
                    path: root.clone(),
                });
            continue;
        }
        if !root.exists() {
            found
                .lock()
                .expect("no thread panics while holding the lock")
                .1
                .push(Problem {
                    path: root.display().to_string(),
                    kind: ProblemKind::Unreadable,
                    message: "no such file or directory".into(),
                });
            continue;
        }
        let base = single.then_some(root.as_path());
        builder(root, opts).build_parallel().run(|| {
            let found = &found;
            Box::new(move |entry| {
                match entry {
                    Ok(e) if e.file_type().is_some_and(|t| t.is_file()) => {
                        let display = display_path(e.path(), base);
                        let mut g = found
                            .lock()
                            .expect("no thread panics while holding the lock");
                        g.0.push(Target {
                            display,
                            path: e.into_path(),
                        });
                    }
                    Ok(e) => {
                        if let Some(what) = e.file_type().and_then(special_kind) {
                            let path = display_path(e.path(), base);
                            let mut g = found
                                .lock()
                                .expect("no thread panics while holding the lock");
                            g.1.push(Problem {
                                path,
                                kind: ProblemKind::Special,
                                message: format!("skipped: {what}"),
                            });
                        }
                    }
                    Err(err) => {
                        let path = error_path(&err).unwrap_or_else(|| root.display().to_string());
                        let mut g = found
                            .lock()
                            .expect("no thread panics while holding the lock");
                        g.1.push(Problem {
                            path,
                            kind: ProblemKind::Unreadable,
                            message: strip_path(&err.to_string()),
                        });
                    }
                }
                WalkState::Continue
            })
        });
    }
    let (mut targets, mut problems) = found
        .into_inner()
        .expect("no thread panics while holding the lock");
    targets.sort();
    targets.dedup_by(|a, b| a.path == b.path);
    problems.sort();
    (targets, problems)
}

/// What a walk entry is when it is neither a regular file nor a folder.
fn special_kind(t: std::fs::FileType) -> Option<&'static str> {
    if t.is_symlink() {
        return Some("symbolic link (not followed)");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return Some("named pipe (FIFO)");
        }
        if t.is_socket() {
            return Some("socket");
        }
        if t.is_block_device() || t.is_char_device() {
            return Some("device");
        }
    }
    None
}

fn builder(root: &Path, opts: &WalkOptions) -> WalkBuilder {
    let mut b = WalkBuilder::new(root);
    let honour = !opts.no_ignore;
    b.hidden(false)
        .parents(honour)
        .ignore(honour)
        .git_ignore(honour)
        .git_global(honour)
        .git_exclude(honour)
        // Honour .gitignore in extracted archives and fresh checkouts that are not repositories.
        .require_git(false)
        .follow_links(false)
        .threads(opts.threads)
        .filter_entry(|e| !(e.file_name() == ".git" && e.file_type().is_some_and(|t| t.is_dir())));
    if honour {
        b.add_custom_ignore_filename(".keyhoundignore");
    }
    b
}

fn display_path(path: &Path, base: Option<&Path>) -> String {
    let rel = base.and_then(|b| path.strip_prefix(b).ok()).unwrap_or(path);
    let s = rel.to_string_lossy().replace('\\', "/");
    let s = s.strip_prefix("./").unwrap_or(&s);
    if s.is_empty() {
        path.to_string_lossy().into_owned()
    } else {
        s.to_string()
    }
}

fn error_path(err: &ignore::Error) -> Option<String> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path.display().to_string()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child.display().to_string()),
        _ => None,
    }
}

/// `ignore` errors repeat the path in their text; the problem carries it already.
fn strip_path(msg: &str) -> String {
    msg.rsplit_once(": ")
        .map_or(msg, |(_, tail)| tail)
        .to_string()
}

/// Bytes looked at to decide whether a file is binary.
pub const SNIFF: usize = 8192;

/// Whether a file starting with `head` is UTF-16 with a byte-order mark (decoded, not binary).
pub fn utf16_bom(head: &[u8]) -> bool {
    head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF])
}

/// Whether a file starting with `head` is binary: a NUL byte in its first [`SNIFF`] bytes and
/// no UTF-16 byte-order mark.
pub fn looks_binary(head: &[u8]) -> bool {
    !utf16_bom(head) && memchr::memchr(0, &head[..head.len().min(SNIFF)]).is_some()
}

/// The warning for a binary file.
pub const BINARY_SKIPPED: &str = "skipped: binary file (NUL byte in its first 8 KiB)";

/// The bytes of a file, ready to scan.
pub fn read(target: &Target, max_file_size: u64) -> Result<Vec<u8>, Problem> {
    let problem = |kind, message: String| Problem {
        path: target.display.clone(),
        kind,
        message,
    };
    let unreadable =
        |e: std::io::Error| problem(ProblemKind::Unreadable, format!("cannot read: {e}"));
    let mut file = File::open(&target.path).map_err(unreadable)?;
    let len = file.metadata().map_err(unreadable)?.len();
    if len > max_file_size {
        // A huge binary (a compiled addon, a model) is reported as binary, not as too large.
        let mut head = Vec::with_capacity(SNIFF);
        file.by_ref()
            .take(SNIFF as u64)
            .read_to_end(&mut head)
            .map_err(unreadable)?;
        if looks_binary(&head) {
            return Err(problem(ProblemKind::Binary, BINARY_SKIPPED.into()));
        }
        return Err(problem(
            ProblemKind::TooLarge,
            format!("skipped: {len} bytes is over --max-file-size ({max_file_size} bytes)"),
        ));
    }
    let mut data = Vec::with_capacity(len as usize + 1);
    if len > SNIFF as u64 {
        // A big binary (an archive, a compiled library) is refused after its first 8 KiB
        // instead of being read whole.
        file.by_ref()
            .take(SNIFF as u64)
            .read_to_end(&mut data)
            .map_err(unreadable)?;
        if looks_binary(&data) {
            return Err(problem(ProblemKind::Binary, BINARY_SKIPPED.into()));
        }
    }
    // `take` guards against a file that grows while it is read.
    file.by_ref()
        .take((max_file_size + 1).saturating_sub(data.len() as u64))
        .read_to_end(&mut data)
        .map_err(unreadable)?;
    if data.len() as u64 > max_file_size {
        return Err(problem(
            ProblemKind::TooLarge,
            format!("skipped: grew over --max-file-size ({max_file_size} bytes) while read"),
        ));
    }
    decode(&target.display, data)
}

/// Turns raw bytes (of a file or a git blob) into the text to scan: UTF-16 with a BOM is
/// decoded, and bytes with a NUL in their first 8 KiB are refused as binary.
pub fn decode(display: &str, data: Vec<u8>) -> Result<Vec<u8>, Problem> {
    if let Some(text) = decode_utf16(&data) {
        return Ok(text);
    }
    if looks_binary(&data) {
        return Err(Problem {
            path: display.to_string(),
            kind: ProblemKind::Binary,
            message: BINARY_SKIPPED.into(),
        });
    }
    Ok(data)
}

/// Files that Windows tooling writes as UTF-16 with a byte-order mark, turned into UTF-8.
fn decode_utf16(data: &[u8]) -> Option<Vec<u8>> {
    let le = match data {
        [0xFF, 0xFE, ..] => true,
        [0xFE, 0xFF, ..] => false,
        _ => return None,
    };
    let units = data[2..].chunks_exact(2).map(|c| {
        if le {
            u16::from_le_bytes([c[0], c[1]])
        } else {
            u16::from_be_bytes([c[0], c[1]])
        }
    });
    let text: String = char::decode_utf16(units)
        .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect();
    Some(text.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_with_bom_is_decoded() {
        let mut bytes = vec![0xFF, 0xFE];
        for u in "KEY=sk-1".encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        assert_eq!(decode_utf16(&bytes).unwrap(), b"KEY=sk-1");
        assert!(decode_utf16(b"plain").is_none());
    }

    #[test]
    fn big_files_are_sniffed_then_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let target = |name: &str, bytes: &[u8]| {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).unwrap();
            Target {
                display: name.into(),
                path,
            }
        };
        // Text longer than the sniffed head comes back whole.
        let text = b"KEY=sk-1\n".repeat(3 * SNIFF);
        assert_eq!(read(&target("big.txt", &text), 1 << 30).unwrap(), text);
        // A NUL in the head: refused as binary, however long.
        let mut bin = vec![7u8; 4 * SNIFF];
        bin[100] = 0;
        let err = read(&target("big.bin", &bin), 1 << 30).unwrap_err();
        assert_eq!(err.kind, ProblemKind::Binary);
        // A NUL only after the head is text, as before.
        let mut late = text.clone();
        late[2 * SNIFF] = 0;
        assert_eq!(read(&target("late.txt", &late), 1 << 30).unwrap(), late);
        // UTF-16 with a byte-order mark is full of NULs and still decoded.
        let mut utf16 = vec![0xFF, 0xFE];
        for u in "KEY=sk-1\n".repeat(SNIFF).encode_utf16() {
            utf16.extend_from_slice(&u.to_le_bytes());
        }
        let decoded = read(&target("wide.txt", &utf16), 1 << 30).unwrap();
        assert_eq!(decoded, "KEY=sk-1\n".repeat(SNIFF).into_bytes());
    }

    #[test]
    fn display_paths_are_relative_and_slashed() {
        assert_eq!(
            display_path(Path::new("./a/b.rs"), Some(Path::new("."))),
            "a/b.rs"
        );
        assert_eq!(
            display_path(Path::new("root/a/b.rs"), Some(Path::new("root"))),
            "a/b.rs"
        );
        assert_eq!(display_path(Path::new("./x.env"), None), "x.env");
    }
}

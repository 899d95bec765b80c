//! Sources decide which bytes get scanned. This module owns the working-tree source: a
//! parallel walk (the `ignore` crate: `.gitignore`, `.ignore`, `.keyhoundignore`; hidden files
//! included; `.git/` never entered) and reading each file into memory, with binary, too-large
//! and unreadable files turned into [`Problem`]s that name the path instead of stopping the scan.

pub mod archive;
pub mod git;
pub mod strings;

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
    /// Archives are read this many levels deep; 0 reads none (`--max-archive-depth`).
    pub max_archive_depth: u32,
    /// Scan the printable strings of every binary file, not only of code that ships to
    /// clients (`--binaries`).
    pub binaries: bool,
}

/// A file to scan, and its three names.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Target {
    /// The path reported to users: the scan root as typed joined with the rest (ripgrep's
    /// convention: `scan sub` gives `sub/app.env`, `scan .` gives `app.env`), `/`-separated.
    pub display: String,
    /// Relative to the scan root: what rules and exposure classification see, so that a file
    /// is judged the same whichever folder above it was named.
    pub rel: String,
    /// Relative to the git work tree holding the scan root (outside git: to the current
    /// folder, or to the scan root when it lies outside that): what SARIF, GitHub
    /// annotations, fingerprints, baselines and configuration globs use.
    pub repo: String,
    pub path: PathBuf,
}

impl Target {
    /// A target that goes by one name everywhere (standard input, tests).
    pub fn named(name: &str, path: PathBuf) -> Target {
        Target {
            display: name.to_string(),
            rel: name.to_string(),
            repo: name.to_string(),
            path,
        }
    }
}

/// How the files under one scan root are named (see [`Target`]).
#[derive(Debug, Clone)]
pub struct RootNames {
    /// The root as typed, `/`-separated, without a leading `./` or trailing `/` (empty for
    /// `.`).
    typed: String,
    /// The root relative to its anchor (see [`anchored`]).
    repo: String,
}

impl RootNames {
    /// Names for `root` (a folder or a file, as typed on the command line).
    pub fn new(root: &Path) -> RootNames {
        let slashed_root = slashed(root);
        let typed = match slashed_root.trim_end_matches('/') {
            // `/` itself: its files are `/etc/...`.
            "" if slashed_root.starts_with('/') => "/".to_string(),
            "." => String::new(),
            t => t.strip_prefix("./").unwrap_or(t).to_string(),
        };
        let repo = anchored(root);
        RootNames { typed, repo }
    }

    /// The names of `rel` (`/`-separated, relative to this root; empty for the root itself).
    pub fn target(&self, rel: String, path: PathBuf) -> Target {
        Target {
            display: join(&self.typed, &rel),
            repo: join(&self.repo, &rel),
            rel,
            path,
        }
    }
}

fn join(base: &str, rel: &str) -> String {
    match (base, rel) {
        ("", r) => r.to_string(),
        (b, "") => b.to_string(),
        (b, r) if b.ends_with('/') => format!("{b}{r}"),
        (b, r) => format!("{b}/{r}"),
    }
}

fn slashed(p: &Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}

/// The git work tree holding `dir` (a folder with `.git` in it, itself or above), if any.
pub fn work_tree_root(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find(|d| d.join(".git").exists())
        .map(Path::to_path_buf)
}

/// `root` relative to its anchor: the git work tree that holds it, else the current folder
/// when it lies under it, else its own folder (so a report's paths always resolve from one
/// folder the user can name). Empty for the anchor itself; as typed when it cannot be
/// resolved.
pub fn anchored(root: &Path) -> String {
    let Ok(abs) = std::fs::canonicalize(root) else {
        return slashed(root);
    };
    let dir = if abs.is_dir() {
        abs.as_path()
    } else {
        abs.parent().unwrap_or(&abs)
    };
    let anchor = work_tree_root(dir)
        .or_else(|| {
            let cwd = std::env::current_dir().ok()?.canonicalize().ok()?;
            abs.starts_with(&cwd).then_some(cwd)
        })
        .unwrap_or_else(|| dir.to_path_buf());
    abs.strip_prefix(&anchor)
        .map(slashed)
        .unwrap_or_else(|_| slashed(&abs))
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
    /// A limit on archives stopped part of one from being read: a member's or the whole
    /// file's uncompressed size, the compression ratio, the member count, the nesting depth.
    ArchiveLimit,
    /// An encrypted archive member: listed, never read. Not an error.
    Encrypted,
    /// An archive, or a member, that could not be read to its end: what came before was
    /// scanned.
    Corrupt,
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
        !matches!(
            self.kind,
            ProblemKind::Binary | ProblemKind::Special | ProblemKind::Encrypted
        )
    }
}

/// Walks `roots` and hands each file to scan, or each problem met on the way, to a visitor as
/// soon as it is seen, each file once (roots that overlap list a file once). Each walker
/// thread makes its own visitor with `make` (and so owns whatever state the visitor keeps),
/// the way ripgrep searches files on the threads that list them: the walk and the scan
/// overlap, with no queue between them. The order is no particular order.
pub fn walk_each<V, M>(roots: &[PathBuf], opts: &WalkOptions, make: M)
where
    M: Fn() -> V + Sync,
    V: FnMut(Result<Target, Problem>) + Send,
{
    let single = roots.len() == 1;
    // Only overlapping roots can list a file twice.
    let seen = (!single).then(|| Mutex::new(std::collections::HashSet::new()));
    let first_time = |path: &Path| match &seen {
        None => true,
        Some(seen) => seen
            .lock()
            .expect("no thread panics while holding the lock")
            .insert(path.to_path_buf()),
    };
    for root in roots {
        let names = RootNames::new(root);
        if root.is_file() {
            if first_time(root) {
                // A file named on the command line is judged by the path as typed.
                let typed = names.typed.clone();
                make()(Ok(Target {
                    display: typed.clone(),
                    rel: typed,
                    repo: names.repo.clone(),
                    path: root.clone(),
                }));
            }
            continue;
        }
        if !root.exists() {
            make()(Err(Problem {
                path: root.display().to_string(),
                kind: ProblemKind::Unreadable,
                message: "no such file or directory".into(),
            }));
            continue;
        }
        let names = &names;
        builder(root, opts).build_parallel().run(|| {
            let (first_time, mut visit) = (&first_time, make());
            Box::new(move |entry| {
                match entry {
                    Ok(e) if e.file_type().is_some_and(|t| t.is_file()) => {
                        if first_time(e.path()) {
                            let rel = rel_path(e.path(), root);
                            visit(Ok(names.target(rel, e.into_path())));
                        }
                    }
                    Ok(e) => {
                        if let Some(what) = e.file_type().and_then(special_kind) {
                            visit(Err(Problem {
                                path: names
                                    .target(rel_path(e.path(), root), PathBuf::new())
                                    .display,
                                kind: ProblemKind::Special,
                                message: format!("skipped: {what}"),
                            }));
                        }
                    }
                    Err(err) => {
                        let path = error_path(&err, root, names)
                            .unwrap_or_else(|| root.display().to_string());
                        visit(Err(Problem {
                            path,
                            kind: ProblemKind::Unreadable,
                            message: strip_path(&err.to_string()),
                        }));
                    }
                }
                WalkState::Continue
            })
        });
    }
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

/// `path` relative to the walk's `root`, `/`-separated (empty for the root itself).
fn rel_path(path: &Path, root: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let s = slashed(rel);
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

fn error_path(err: &ignore::Error, root: &Path, names: &RootNames) -> Option<String> {
    match err {
        ignore::Error::WithPath { path, .. } => {
            Some(names.target(rel_path(path, root), PathBuf::new()).display)
        }
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err, root, names)
        }
        ignore::Error::Loop { child, .. } => {
            Some(names.target(rel_path(child, root), PathBuf::new()).display)
        }
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

/// Files up to this size are read whole in one call and then sniffed; larger ones have their
/// first [`SNIFF`] bytes read and sniffed first, so that a big binary is not read whole.
const READ_WHOLE: u64 = 1 << 20;

/// Extensions of formats that are nearly always binary (archives, objects, libraries, images,
/// fonts): such files have their first [`SNIFF`] bytes read and sniffed first whatever their
/// size. Only the order of reads changes (a text file with one of these names is still read
/// whole and scanned); on the reference corpus, static libraries alone were 13% of the bytes.
const LIKELY_BINARY: &[&str] = &[
    "a", "bin", "bz2", "class", "dll", "dylib", "exe", "gif", "gz", "ico", "jar", "jpeg", "jpg",
    "lib", "node", "o", "obj", "otf", "pdf", "png", "rlib", "so", "tgz", "ttf", "wasm", "webp",
    "woff", "woff2", "xz", "zip", "zst",
];

/// Whether `path` has one of the [`LIKELY_BINARY`] extensions.
fn likely_binary(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| LIKELY_BINARY.iter().any(|b| e.eq_ignore_ascii_case(b)))
}

/// Opens a file for scanning: its handle and its size, from one `open` and one `fstat`.
pub fn open(target: &Target) -> Result<(File, u64), Problem> {
    let unreadable = |e: std::io::Error| Problem {
        path: target.display.clone(),
        kind: ProblemKind::Unreadable,
        message: format!("cannot read: {e}"),
    };
    let file = File::open(&target.path).map_err(unreadable)?;
    let len = file.metadata().map_err(unreadable)?.len();
    Ok((file, len))
}

/// Reads files into one buffer reused from file to file (one per scanning thread): once it has
/// grown, reading a file allocates nothing and touches no fresh page, and a file no longer than
/// its `fstat` size is read with one `read` call (no call to see the end of the file).
#[derive(Debug, Default)]
pub struct Reader {
    /// Initialised up to its length, which only grows; the file's bytes are `buf[..len]`.
    buf: Vec<u8>,
    len: usize,
}

impl Reader {
    /// The bytes of the file last read.
    pub fn data(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    /// Reads the file `open` returned (`len` is its size then) and makes its bytes ready to
    /// scan ([`decode`]): binary, too large and unreadable files come back as problems.
    pub fn read(
        &mut self,
        target: &Target,
        mut file: File,
        len: u64,
        max_file_size: u64,
    ) -> Result<&[u8], Problem> {
        let problem = |kind, message: String| Problem {
            path: target.display.clone(),
            kind,
            message,
        };
        let unreadable =
            |e: std::io::Error| problem(ProblemKind::Unreadable, format!("cannot read: {e}"));
        self.len = 0;
        if self.buf.len() as u64 > READ_WHOLE {
            // Kept for small files only: a thread does not hold on to the biggest file it met.
            self.buf = Vec::new();
        }
        if len > max_file_size {
            // A huge binary (a compiled addon, a model) is reported as binary, not as too large.
            self.fill(&mut file, SNIFF as u64, SNIFF as u64)
                .map_err(unreadable)?;
            if looks_binary(self.data()) {
                return Err(problem(ProblemKind::Binary, BINARY_SKIPPED.into()));
            }
            return Err(problem(
                ProblemKind::TooLarge,
                format!("skipped: {len} bytes is over --max-file-size ({max_file_size} bytes)"),
            ));
        }
        if len > SNIFF as u64 && (len > READ_WHOLE || likely_binary(&target.path)) {
            // A big binary (an archive, a compiled library) is refused after its first 8 KiB
            // instead of being read whole.
            self.fill(&mut file, SNIFF as u64, SNIFF as u64)
                .map_err(unreadable)?;
            if looks_binary(self.data()) {
                return Err(problem(ProblemKind::Binary, BINARY_SKIPPED.into()));
            }
        }
        // Up to one byte more than the limit: a file that grows while it is read is seen.
        self.fill(&mut file, len, max_file_size.saturating_add(1))
            .map_err(unreadable)?;
        if self.len as u64 > max_file_size {
            return Err(problem(
                ProblemKind::TooLarge,
                format!("skipped: grew over --max-file-size ({max_file_size} bytes) while read"),
            ));
        }
        if let Some(text) = decode_utf16(self.data()) {
            self.len = text.len();
            self.buf = text;
        } else if looks_binary(self.data()) {
            return Err(problem(ProblemKind::Binary, BINARY_SKIPPED.into()));
        }
        Ok(self.data())
    }

    /// Reads on from `self.len` until the file ends or `self.len` reaches `limit`, stopping
    /// early (without a call that returns 0) once `expected` bytes are in: the size `fstat`
    /// gave, or what was asked for.
    fn fill(&mut self, file: &mut File, expected: u64, limit: u64) -> std::io::Result<()> {
        let expected = usize::try_from(expected).unwrap_or(usize::MAX);
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        // Room for one byte more than expected, so that a file that grew is noticed.
        let want = expected.saturating_add(1).min(limit);
        if self.buf.len() < want {
            self.buf.resize(want, 0);
        }
        while self.len < limit {
            if self.len == self.buf.len() {
                // The file is longer than `fstat` said: grow, up to the limit.
                let more = self.buf.len().saturating_mul(2).max(SNIFF).min(limit);
                self.buf.resize(more, 0);
            }
            match file.read(&mut self.buf[self.len..]) {
                Ok(0) => break,
                Ok(n) => self.len += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
            if self.len == expected {
                break;
            }
        }
        Ok(())
    }
}

/// The bytes of a file, ready to scan (a [`Reader`] for one file).
pub fn read(target: &Target, max_file_size: u64) -> Result<Vec<u8>, Problem> {
    let (file, len) = open(target)?;
    let mut reader = Reader::default();
    reader
        .read(target, file, len, max_file_size)
        .map(<[u8]>::to_vec)
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
            Target::named(name, path)
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

    /// One reader, many files: each read returns exactly that file's bytes, whatever the
    /// buffer held before (bigger files, binary files, UTF-16 files, empty files).
    #[test]
    fn a_reused_reader_returns_each_file_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let mut wide = vec![0xFF, 0xFE];
        for u in "KEY=sk-2\n".encode_utf16() {
            wide.extend_from_slice(&u.to_le_bytes());
        }
        let mut bin = vec![b'x'; 100];
        bin[3] = 0;
        // Named like a library, a NUL in its head: refused after its head. Named like an image,
        // all text: read whole and scanned as text.
        let mut lib = b"!<arch>\n".to_vec();
        lib.extend(vec![0u8; 20_000]);
        let text_png = b"not an image, sk-1\n".repeat(2000);
        // (name, bytes, what a read gives: None for the bytes themselves, Some(b"") for binary)
        type Case<'a> = (&'a str, Vec<u8>, Option<&'a [u8]>);
        let files: Vec<Case> = vec![
            ("big.txt", b"0123456789".repeat(200_000), None),
            ("small.txt", b"abc".to_vec(), None),
            ("bin.dat", bin, Some(b"" as &[u8])),
            ("wide.txt", wide, Some(b"KEY=sk-2\n" as &[u8])),
            ("empty.txt", Vec::new(), None),
            ("mid.txt", b"xyz\n".repeat(5000), None),
            ("after.txt", b"ok".to_vec(), None),
            ("libz.a", lib, Some(b"" as &[u8])),
            ("text.png", text_png, None),
            ("short.png", b"tiny".to_vec(), None),
        ];
        let mut reader = Reader::default();
        for (name, bytes, want) in &files {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).unwrap();
            let t = Target::named(name, path);
            let (file, len) = open(&t).unwrap();
            let got = reader.read(&t, file, len, 1 << 30);
            match want {
                Some(b"") => assert_eq!(got.unwrap_err().kind, ProblemKind::Binary, "{name}"),
                Some(w) => assert_eq!(got.unwrap(), *w, "{name}"),
                None => assert_eq!(got.unwrap(), bytes.as_slice(), "{name}"),
            }
        }
        // Over the limit: refused, and the next file still reads whole.
        let target = |name: &str| Target::named(name, dir.path().join(name));
        let t = target("big.txt");
        let (file, len) = open(&t).unwrap();
        let err = reader.read(&t, file, len, 1000).unwrap_err();
        assert_eq!(err.kind, ProblemKind::TooLarge);
        let t = target("small.txt");
        let (file, len) = open(&t).unwrap();
        assert_eq!(reader.read(&t, file, len, 1000).unwrap(), b"abc");
        // The largest limit there is (`--max-file-size` accepts it): no overflow, read whole.
        let (file, len) = open(&t).unwrap();
        assert_eq!(reader.read(&t, file, len, u64::MAX).unwrap(), b"abc");
    }

    #[test]
    fn paths_are_relative_to_the_root_and_shown_as_typed() {
        let cases = [
            ("./a/b.rs", ".", "a/b.rs", "a/b.rs"),
            ("root/a/b.rs", "root", "a/b.rs", "root/a/b.rs"),
            ("root/a/b.rs", "root/", "a/b.rs", "root/a/b.rs"),
            ("./sub/x.env", "./sub", "x.env", "sub/x.env"),
            ("/abs/x.env", "/abs", "x.env", "/abs/x.env"),
            ("/etc/x.env", "/", "etc/x.env", "/etc/x.env"),
        ];
        for (path, root, rel, display) in cases {
            let got = rel_path(Path::new(path), Path::new(root));
            assert_eq!(got, rel, "{path} under {root}");
            let names = RootNames::new(Path::new(root));
            assert_eq!(names.target(got, PathBuf::new()).display, display, "{path}");
        }
    }
}

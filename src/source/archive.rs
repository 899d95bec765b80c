//! Archives and shipped artifacts: which files are read as archives, and their members, read in
//! memory and never written anywhere (a member named `../../etc/passwd` is only a name).
//!
//! The contract: a file is an archive when its extension says so ([`Artifact::by_name`], no
//! read at all for ordinary files) and its first bytes agree ([`Format::confirm`]). Members
//! are handed to a visitor one at a time, each read through a reader capped by the
//! [`Limits`]: the sizes and counts an archive declares are never trusted, so a zip bomb, a
//! quine or a deeply nested archive costs at most the limits in memory and time. What the
//! limits stop, and encrypted or corrupt parts, become [`Problem`]s naming the member; what
//! could be read is still visited.
//!
//! Formats: the zip family (zip, jar, war, ear, aar, apk, aab, xapk, ipa, whl, egg, nupkg,
//! vsix, xpi, crx after its header, Office Open XML) with stored and deflated members; tar, and
//! tar or a single file compressed with gzip, bzip2, xz or zstd (`.tar.gz`/`.tgz`, `.tar.bz2`,
//! `.tar.xz`, `.tar.zst`, `notes.txt.gz`, ...); Electron `.asar` bundles. Every decompressor is
//! pure Rust and bounded in memory: bzip2 by its 900 KB blocks, xz by a dictionary limit, zstd
//! by a window limit, all by the ratio budget.

use std::cell::Cell;
use std::io::{self, Cursor, Read};
use std::rc::Rc;

use flate2::read::{DeflateDecoder, MultiGzDecoder};

use super::{Problem, ProblemKind};

/// How much of an archive is read. Every limit reached is a warning naming the archive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Archives inside archives are read this many levels deep (1: the archive named, not the
    /// archives in it); 0 reads no archive at all (`--max-archive-depth`).
    pub max_depth: u32,
    /// Bytes of one member once uncompressed (`--max-file-size`).
    pub max_member_size: u64,
    /// Uncompressed bytes of all the members of one file, nested ones included.
    pub max_total_size: u64,
    /// Uncompressed bytes per compressed byte, beyond [`RATIO_FLOOR`] bytes.
    pub max_ratio: u64,
    /// Members of one file, nested ones included.
    pub max_members: u64,
}

/// The default nesting depth (`a.zip!b.jar!c.zip!d.properties` is three levels).
pub const DEFAULT_MAX_DEPTH: u32 = 3;

/// Output smaller than this is never refused for its compression ratio: a small file of
/// zeros compresses a thousandfold and is harmless.
pub const RATIO_FLOOR: u64 = 1 << 20;

impl Limits {
    pub fn new(max_depth: u32, max_member_size: u64) -> Limits {
        Limits {
            max_depth,
            max_member_size,
            max_total_size: 1 << 30,
            max_ratio: 200,
            max_members: 100_000,
        }
    }
}

/// How a file is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Zip,
    /// A Chrome extension: a header, then a zip.
    Crx,
    Tar,
    /// A compressed tar (`.tar.gz`, `.tgz`, `.tar.xz`, ...).
    CompressedTar(Codec),
    /// One compressed file (`notes.txt.gz` holds `notes.txt`).
    Compressed(Codec),
    /// An Electron app bundle: a JSON index, then the files stored one after another.
    Asar,
}

/// A stream compression around a tar or a single file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    Gzip,
    Bzip2,
    Xz,
    Zstd,
}

/// The largest xz dictionary read (`xz -9` uses 64 MiB): a header asking for more is not
/// decompressed, so memory stays bounded whatever the file declares.
const XZ_MEMORY_LIMIT_KIB: u32 = 96 << 10;

/// The largest zstd window read (zstd's own decoder refuses more than 128 MiB by default; its
/// `--ultra` levels stay under this).
const ZSTD_MAX_WINDOW: u64 = 128 << 20;

impl Codec {
    /// The extension of a single file compressed this way.
    fn extension(self) -> &'static str {
        match self {
            Codec::Gzip => "gz",
            Codec::Bzip2 => "bz2",
            Codec::Xz => "xz",
            Codec::Zstd => "zst",
        }
    }

    fn magic(self, data: &[u8]) -> bool {
        match self {
            Codec::Gzip => data.starts_with(&[0x1f, 0x8b]),
            Codec::Bzip2 => data.starts_with(b"BZh"),
            Codec::Xz => data.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]),
            Codec::Zstd => data.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]),
        }
    }

    /// The decompressing reader of `input` (every concatenated stream or frame).
    fn reader<'d>(self, input: Counted<&'d [u8]>) -> Box<dyn Read + 'd> {
        match self {
            Codec::Gzip => Box::new(MultiGzDecoder::new(input)),
            Codec::Bzip2 => Box::new(bzip2::read::MultiBzDecoder::new(input)),
            Codec::Xz => Box::new(lzma_rust2::XzReader::new_mem_limit(
                input,
                true,
                XZ_MEMORY_LIMIT_KIB,
            )),
            Codec::Zstd => Box::new(ZstdFrames {
                source: input,
                decoder: ruzstd::decoding::FrameDecoder::new(),
                open: false,
            }),
        }
    }
}

/// What ships to clients as a whole: everything inside is [`crate::finding::Exposure::Client`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Package {
    Android,
    Ios,
    BrowserExtension,
    Wasm,
    Electron,
}

impl Package {
    /// The package an archive of this name is, if any.
    pub fn by_name(name: &str) -> Option<Package> {
        match extension(name)?.as_str() {
            "apk" | "aab" | "xapk" => Some(Package::Android),
            "ipa" => Some(Package::Ios),
            "crx" | "xpi" => Some(Package::BrowserExtension),
            "wasm" => Some(Package::Wasm),
            "asar" => Some(Package::Electron),
            _ => None,
        }
    }

    /// The exposure reason of what is inside.
    pub fn reason(self) -> &'static str {
        match self {
            Package::Android => "inside an Android app package",
            Package::Ios => "inside an iOS app package",
            Package::BrowserExtension => "inside a browser extension",
            Package::Wasm => "inside a WebAssembly module, which ships to browsers",
            Package::Electron => "inside an Electron app bundle",
        }
    }
}

/// Files read otherwise than as text, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Artifact {
    Archive(Format),
    /// A compiled binary whose printable strings are scanned (`.wasm`, `.dex`, `.class`).
    Binary,
}

const ZIP_EXTS: &[&str] = &[
    "zip", "jar", "war", "ear", "aar", "apk", "aab", "xapk", "ipa", "whl", "egg", "nupkg", "vsix",
    "xpi", "docx", "docm", "dotx", "xlsx", "xlsm", "xltx", "pptx", "pptm", "potx",
];

/// The extension of the last component of a `/`-separated name, lowercased, when it is short
/// enough to be one of ours (no allocation: this runs for every file of a scan).
fn extension(name: &str) -> Option<Ext> {
    let file = name.rsplit('/').next().unwrap_or(name);
    let (stem, ext) = file.rsplit_once('.')?;
    if stem.is_empty() || ext.len() > 5 {
        return None;
    }
    let mut e = Ext([0; 5], ext.len());
    e.0[..ext.len()].copy_from_slice(ext.as_bytes());
    e.0.make_ascii_lowercase();
    Some(e)
}

/// A lowercased extension of at most five bytes.
struct Ext([u8; 5], usize);

impl Ext {
    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0[..self.1]).unwrap_or("")
    }
}

impl Artifact {
    /// What a file of this name is, from its extension alone (nothing is read).
    pub fn by_name(name: &str) -> Option<Artifact> {
        let ext = extension(name)?;
        let ext = ext.as_str();
        if ZIP_EXTS.contains(&ext) {
            return Some(Artifact::Archive(Format::Zip));
        }
        let compressed = |codec: Codec| {
            let before = &name.as_bytes()[..name.len() - codec.extension().len() - 1];
            if before.len() > 4 && before[before.len() - 4..].eq_ignore_ascii_case(b".tar") {
                Format::CompressedTar(codec)
            } else {
                Format::Compressed(codec)
            }
        };
        Some(match ext {
            "crx" => Artifact::Archive(Format::Crx),
            "tar" => Artifact::Archive(Format::Tar),
            "asar" => Artifact::Archive(Format::Asar),
            "tgz" => Artifact::Archive(Format::CompressedTar(Codec::Gzip)),
            "tbz" | "tbz2" => Artifact::Archive(Format::CompressedTar(Codec::Bzip2)),
            "txz" => Artifact::Archive(Format::CompressedTar(Codec::Xz)),
            "tzst" => Artifact::Archive(Format::CompressedTar(Codec::Zstd)),
            "gz" => Artifact::Archive(compressed(Codec::Gzip)),
            "bz2" => Artifact::Archive(compressed(Codec::Bzip2)),
            "xz" => Artifact::Archive(compressed(Codec::Xz)),
            "zst" => Artifact::Archive(compressed(Codec::Zstd)),
            "wasm" | "dex" | "class" => Artifact::Binary,
            _ => return None,
        })
    }
}

impl Format {
    /// Whether `data` starts the way this format does; where the zip of a `.crx` starts.
    pub fn confirm(self, data: &[u8]) -> Option<usize> {
        match self {
            Format::Zip => zip_magic(data).then_some(0),
            Format::Crx => crx_offset(data).filter(|&o| zip_magic(&data[o..])),
            Format::Tar => (data.get(257..262) == Some(b"ustar")).then_some(0),
            Format::CompressedTar(c) | Format::Compressed(c) => c.magic(data).then_some(0),
            Format::Asar => asar_index(data).is_some().then_some(0),
        }
    }
}

fn zip_magic(data: &[u8]) -> bool {
    data.starts_with(b"PK\x03\x04") || data.starts_with(b"PK\x05\x06")
}

/// The length of a CRX header (version 2: key and signature; version 3: a protobuf header).
fn crx_offset(data: &[u8]) -> Option<usize> {
    let word = |i: usize| -> Option<usize> {
        let b = data.get(i..i + 4)?;
        Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    };
    if !data.starts_with(b"Cr24") {
        return None;
    }
    let offset = match word(4)? {
        2 => 16usize.checked_add(word(8)?)?.checked_add(word(12)?)?,
        3 => 12usize.checked_add(word(8)?)?,
        _ => return None,
    };
    (offset <= data.len()).then_some(offset)
}

/// One member handed to the visitor.
#[derive(Debug)]
pub struct Member<'a> {
    /// The path inside the outermost archive, nested archives joined by `!`
    /// (`lib/x.jar!config.properties`), as stored: never used to open anything.
    pub path: &'a str,
    pub data: &'a [u8],
    /// The innermost app package or extension it is inside, if any.
    pub package: Option<Package>,
}

/// What reading one file's archive found besides its members.
#[derive(Debug, Default)]
pub struct Summary {
    pub problems: Vec<Problem>,
    /// Members handed to the visitor.
    pub members: u64,
}

/// Reads the archive `data` (a file or blob named `display`, of `format`), handing each
/// member that is not itself an archive read deeper to `visit`.
pub fn walk(
    display: &str,
    format: Format,
    data: &[u8],
    limits: &Limits,
    visit: &mut dyn FnMut(Member<'_>),
) -> Summary {
    let mut w = Walker {
        display,
        limits,
        visit,
        summary: Summary::default(),
        total: 0,
        entries: 0,
        stopped: false,
    };
    let package = Package::by_name(display);
    w.archive("", display, format, data, 1, package);
    w.summary
}

struct Walker<'a, 'v> {
    display: &'a str,
    limits: &'a Limits,
    visit: &'v mut dyn FnMut(Member<'_>),
    summary: Summary,
    /// Uncompressed bytes read so far, nested archives included.
    total: u64,
    /// Entries met so far, nested archives included.
    entries: u64,
    /// A limit on the whole file was reached: nothing more is read.
    stopped: bool,
}

/// Why a capped read stopped early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cut {
    MemberSize,
    TotalSize,
    Ratio,
}

impl<'a> Walker<'a, '_> {
    fn warn(&mut self, chain: &str, kind: ProblemKind, message: String) {
        let path = if chain.is_empty() {
            self.display.to_string()
        } else {
            format!("{}!{chain}", self.display)
        };
        self.summary.problems.push(Problem {
            path,
            kind,
            message,
        });
    }

    /// Reads the archive at `chain` (empty for the file itself), `depth` levels deep.
    fn archive(
        &mut self,
        chain: &str,
        name: &str,
        format: Format,
        data: &[u8],
        depth: u32,
        package: Option<Package>,
    ) {
        match format {
            Format::Zip | Format::Crx => {
                let start = format.confirm(data).unwrap_or(0);
                self.zip(chain, &data[start..], depth, package);
            }
            Format::Tar => self.tar(chain, data, depth, package),
            Format::CompressedTar(codec) => {
                let (input, taken) = Counted::new(data);
                let r = Budget::new(codec.reader(input), taken, self.limits.max_ratio);
                self.tar(chain, r, depth, package);
            }
            Format::Compressed(codec) => {
                let file = name.rsplit(['/', '!']).next().unwrap_or(name);
                // `notes.txt.gz` holds `notes.txt` (the extension is checked, in any case, by
                // `Artifact::by_name`; a name without it keeps its own).
                let ext = codec.extension().len() + 1;
                let inner = match file.len().checked_sub(ext) {
                    Some(cut) if cut > 0 && file.is_char_boundary(cut) => &file[..cut],
                    _ => file,
                }
                .to_string();
                let (input, taken) = Counted::new(data);
                let mut r = Budget::new(codec.reader(input), taken, self.limits.max_ratio);
                let (bytes, cut, err) = self.read_member(&mut r, None);
                self.member(chain, &inner, &bytes, cut, err, depth, package);
            }
            Format::Asar => self.asar(chain, data, depth, package),
        }
    }

    fn zip(&mut self, chain: &str, data: &[u8], depth: u32, package: Option<Package>) {
        if let Some(n) = declared_entries(data).filter(|&n| n > self.limits.max_members) {
            self.warn(
                chain,
                ProblemKind::ArchiveLimit,
                format!(
                    "declares {n} members, over the limit of {}: read from its local headers instead",
                    self.limits.max_members
                ),
            );
            return self.zip_stream(chain, data, depth, package);
        }
        let mut zip = match zip::ZipArchive::new(Cursor::new(data)) {
            Ok(z) => z,
            Err(e) => {
                self.warn(
                    chain,
                    ProblemKind::Corrupt,
                    format!("corrupt zip ({e}): members read from their local headers"),
                );
                return self.zip_stream(chain, data, depth, package);
            }
        };
        let mut headers = std::collections::HashSet::new();
        let mut overlap_said = false;
        for i in 0..zip.len() {
            if self.stopped || !self.count_entry(chain) {
                return;
            }
            let raw = zip.by_index_raw(i).map(|f| {
                (
                    (f.name().to_string(), f.header_start()),
                    f.is_dir(),
                    f.encrypted(),
                )
            });
            let ((name, header), is_dir, encrypted) = match raw {
                Ok(meta) => meta,
                Err(e) => {
                    let name = zip.name_for_index(i).unwrap_or("?").to_string();
                    self.warn(
                        &join(chain, &name),
                        ProblemKind::Corrupt,
                        format!("cannot read this member: {e}"),
                    );
                    continue;
                }
            };
            if is_dir {
                continue;
            }
            // Central directory entries that share one local header (an overlapping-entries
            // bomb) are read once.
            if !headers.insert(header) {
                if !overlap_said {
                    overlap_said = true;
                    self.warn(
                        chain,
                        ProblemKind::ArchiveLimit,
                        "members share their data (an overlapping zip bomb?): each read once"
                            .into(),
                    );
                }
                continue;
            }
            if encrypted {
                self.warn(
                    &join(chain, &name),
                    ProblemKind::Encrypted,
                    "encrypted member: listed, not read".into(),
                );
                continue;
            }
            // Decompressed here, from the raw bytes, so that the ratio is checked against the
            // compressed bytes actually taken, as the output grows.
            let ratio = self.limits.max_ratio;
            let (bytes, cut, err) = match zip.by_index_raw(i) {
                Ok(f) => match f.compression() {
                    zip::CompressionMethod::Stored => {
                        let mut f = f;
                        self.read_member(&mut f, None)
                    }
                    zip::CompressionMethod::Deflated => {
                        let (input, taken) = Counted::new(f);
                        let mut d = Budget::new(DeflateDecoder::new(input), taken, ratio);
                        self.read_member(&mut d, None)
                    }
                    other => (
                        Vec::new(),
                        None,
                        Some(format!("compression method {other} is not read")),
                    ),
                },
                Err(e) => (Vec::new(), None, Some(e.to_string())),
            };
            self.member(chain, &name, &bytes, cut, err, depth, package);
        }
    }

    /// A zip whose central directory cannot be trusted: its members in the order of their
    /// local headers, until one cannot be read.
    fn zip_stream(&mut self, chain: &str, data: &[u8], depth: u32, package: Option<Package>) {
        let mut cursor = Cursor::new(data);
        loop {
            if self.stopped || !self.count_entry(chain) {
                return;
            }
            let at = cursor.position();
            let read = match zip::read::read_zipfile_from_stream(&mut cursor) {
                Ok(Some(mut f)) => {
                    let name = f.name().to_string();
                    if f.is_dir() {
                        continue;
                    }
                    if f.encrypted() {
                        Err((name, None))
                    } else {
                        let compressed = f.compressed_size();
                        Ok((name, self.read_member(&mut f, Some(compressed))))
                    }
                }
                Ok(None) => return,
                Err(e) => Err((String::new(), Some(e))),
            };
            match read {
                Ok((name, (bytes, cut, err))) => {
                    self.member(chain, &name, &bytes, cut, err, depth, package)
                }
                Err((name, None)) => self.warn(
                    &join(chain, &name),
                    ProblemKind::Encrypted,
                    "encrypted member: listed, not read".into(),
                ),
                Err((_, Some(e))) => {
                    if at < data.len() as u64 {
                        self.warn(
                            chain,
                            ProblemKind::Corrupt,
                            format!("stopped reading at byte {at}: {e}"),
                        );
                    }
                    return;
                }
            }
        }
    }

    /// An Electron `.asar`: its JSON index names every file with its offset and size in the
    /// data after the index. Files marked `unpacked` live beside the bundle, outside it (the walk
    /// meets them there); links are only names.
    fn asar(&mut self, chain: &str, data: &[u8], depth: u32, package: Option<Package>) {
        let Some((index, base)) = asar_index(data) else {
            return self.warn(
                chain,
                ProblemKind::Corrupt,
                "corrupt asar: no readable index".into(),
            );
        };
        let tree: serde_json::Value = match serde_json::from_slice(index) {
            Ok(t) => t,
            Err(e) => {
                return self.warn(
                    chain,
                    ProblemKind::Corrupt,
                    format!("corrupt asar index: {e}"),
                )
            }
        };
        let body = &data[base..];
        // Depth first, in the index's order; a stack instead of recursion (the JSON parser
        // already bounds nesting at 128 levels).
        let mut stack: Vec<(String, &serde_json::Map<String, serde_json::Value>)> = Vec::new();
        match tree.get("files").and_then(|f| f.as_object()) {
            Some(files) => stack.push((String::new(), files)),
            None => {
                return self.warn(
                    chain,
                    ProblemKind::Corrupt,
                    "corrupt asar index: no files".into(),
                )
            }
        }
        let mut files = Vec::new();
        while let Some((dir, entries)) = stack.pop() {
            for (name, node) in entries.iter().rev() {
                let path = if dir.is_empty() {
                    name.clone()
                } else {
                    format!("{dir}/{name}")
                };
                if let Some(sub) = node.get("files").and_then(|f| f.as_object()) {
                    stack.push((path, sub));
                } else if node.get("unpacked").and_then(|u| u.as_bool()) != Some(true)
                    && node.get("link").is_none()
                {
                    files.push((path, node));
                }
            }
        }
        for (path, node) in files {
            if self.stopped || !self.count_entry(chain) {
                return;
            }
            let offset = match node.get("offset") {
                Some(serde_json::Value::String(s)) => s.parse::<u64>().ok(),
                Some(v) => v.as_u64(),
                None => None,
            };
            let size = node.get("size").and_then(|s| s.as_u64());
            let span = offset.zip(size).and_then(|(o, n)| {
                let start = usize::try_from(o).ok()?;
                let end = start.checked_add(usize::try_from(n).ok()?)?;
                body.get(start..end)
            });
            let Some(bytes) = span else {
                self.warn(
                    &join(chain, &path),
                    ProblemKind::Corrupt,
                    "corrupt asar entry: its offset and size lie outside the bundle".into(),
                );
                continue;
            };
            let (bytes, cut, err) = self.read_member(&mut &bytes[..], Some(bytes.len() as u64));
            self.member(chain, &path, &bytes, cut, err, depth, package);
        }
    }

    fn tar(&mut self, chain: &str, reader: impl Read, depth: u32, package: Option<Package>) {
        let mut archive = tar::Archive::new(reader);
        let entries = match archive.entries() {
            Ok(e) => e,
            Err(e) => {
                self.warn(chain, ProblemKind::Corrupt, format!("corrupt tar: {e}"));
                return;
            }
        };
        for entry in entries {
            if self.stopped || !self.count_entry(chain) {
                return;
            }
            let mut entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    self.tar_error(chain, &e);
                    return;
                }
            };
            let kind = entry.header().entry_type();
            if !(kind.is_file() || kind == tar::EntryType::Continuous) {
                continue;
            }
            let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            let (bytes, cut, err) = self.read_member(&mut entry, None);
            self.member(chain, &name, &bytes, cut, err, depth, package);
            if cut == Some(Cut::Ratio) {
                // The stream as a whole is over its ratio: nothing after this can be read.
                return;
            }
        }
    }

    fn tar_error(&mut self, chain: &str, e: &io::Error) {
        if budget_error(Some(&e.to_string())) {
            self.tar_budget(chain);
        } else {
            self.warn(
                chain,
                ProblemKind::Corrupt,
                format!("corrupt tar: {e}; what came before was read"),
            );
        }
    }

    fn tar_budget(&mut self, chain: &str) {
        self.warn(
            chain,
            ProblemKind::ArchiveLimit,
            format!(
                "decompresses more than {} times its size: the rest not read",
                self.limits.max_ratio
            ),
        );
    }

    /// Counts one more entry; false (with a warning) once the file has too many.
    fn count_entry(&mut self, chain: &str) -> bool {
        self.entries += 1;
        if self.entries > self.limits.max_members {
            self.stopped = true;
            self.warn(
                chain,
                ProblemKind::ArchiveLimit,
                format!(
                    "more than {} members: the rest not read",
                    self.limits.max_members
                ),
            );
            return false;
        }
        true
    }

    /// Reads one member through the limits: its bytes, why it was cut, and the read error.
    fn read_member(
        &mut self,
        r: &mut dyn Read,
        compressed: Option<u64>,
    ) -> (Vec<u8>, Option<Cut>, Option<String>) {
        let left = self.limits.max_total_size.saturating_sub(self.total);
        let ratio_cap =
            compressed.map(|c| c.saturating_mul(self.limits.max_ratio).max(RATIO_FLOOR));
        let mut caps = [
            (self.limits.max_member_size, Cut::MemberSize),
            (left, Cut::TotalSize),
            (ratio_cap.unwrap_or(u64::MAX), Cut::Ratio),
        ];
        caps.sort_by_key(|c| c.0);
        let (cap, why) = caps[0];
        let (data, over, err) = read_capped(r, cap);
        self.total += data.len() as u64;
        match err.map(|e| e.to_string()) {
            Some(e) if budget_error(Some(&e)) => (data, Some(Cut::Ratio), None),
            err => (data, over.then_some(why), err),
        }
    }

    /// A member read (or cut short): a nested archive is read in turn, anything else visited.
    #[allow(clippy::too_many_arguments)]
    fn member(
        &mut self,
        chain: &str,
        name: &str,
        data: &[u8],
        cut: Option<Cut>,
        err: Option<String>,
        depth: u32,
        package: Option<Package>,
    ) {
        let path = join(chain, name);
        if let Some(e) = err {
            self.warn(
                &path,
                ProblemKind::Corrupt,
                format!(
                    "corrupt member ({e}); {} bytes read and scanned",
                    data.len()
                ),
            );
        }
        match cut {
            Some(Cut::MemberSize) => {
                return self.warn(
                    &path,
                    ProblemKind::ArchiveLimit,
                    format!(
                        "skipped: member over --max-file-size ({} bytes) once uncompressed",
                        self.limits.max_member_size
                    ),
                );
            }
            Some(Cut::Ratio) => {
                return self.warn(
                    &path,
                    ProblemKind::ArchiveLimit,
                    format!(
                        "skipped: decompresses more than {} times its compressed size (a zip bomb?)",
                        self.limits.max_ratio
                    ),
                );
            }
            Some(Cut::TotalSize) => {
                self.stopped = true;
                return self.warn(
                    &path,
                    ProblemKind::ArchiveLimit,
                    format!(
                        "skipped with the rest of the archive: over {} bytes uncompressed in all",
                        self.limits.max_total_size
                    ),
                );
            }
            None => {}
        }
        if let Some(Artifact::Archive(format)) = Artifact::by_name(name) {
            if format.confirm(data).is_some() {
                if depth >= self.limits.max_depth {
                    return self.warn(
                        &path,
                        ProblemKind::ArchiveLimit,
                        format!(
                            "nested archive not read: deeper than --max-archive-depth {}",
                            self.limits.max_depth
                        ),
                    );
                }
                let package = Package::by_name(name).or(package);
                return self.archive(&path, name, format, data, depth + 1, package);
            }
        }
        self.summary.members += 1;
        let package = package.or_else(|| Package::by_name(name));
        (self.visit)(Member {
            path: &path,
            data,
            package,
        });
    }
}

fn join(chain: &str, name: &str) -> String {
    if chain.is_empty() {
        name.to_string()
    } else {
        format!("{chain}!{name}")
    }
}

/// The entry count the end of a zip's central directory declares (`None`: not found, or a
/// zip64 archive, where the crate's own reading applies).
fn declared_entries(data: &[u8]) -> Option<u64> {
    let tail_start = data.len().saturating_sub(22 + 65_535);
    let tail = &data[tail_start..];
    let at = memchr::memmem::rfind(tail, b"PK\x05\x06")?;
    let n = tail.get(at + 10..at + 12)?;
    match u16::from_le_bytes([n[0], n[1]]) {
        0xFFFF => None,
        n => Some(u64::from(n)),
    }
}

/// Reads `r` to its end or to `cap` bytes: the bytes, whether there was more, and the error
/// that ended the read early. Memory grows with what is read, never with what is declared.
fn read_capped(r: &mut dyn Read, cap: u64) -> (Vec<u8>, bool, Option<io::Error>) {
    const STEP: usize = 64 << 10;
    let cap = usize::try_from(cap).unwrap_or(usize::MAX);
    let mut out: Vec<u8> = Vec::new();
    loop {
        if out.len() == out.capacity() {
            // One byte past the cap tells whether there was more.
            let want = out
                .capacity()
                .saturating_mul(2)
                .max(STEP)
                .min(cap.saturating_add(1));
            out.reserve_exact(want.saturating_sub(out.len()).max(1));
        }
        let room = (out.capacity() - out.len()).min(cap.saturating_add(1) - out.len());
        let start = out.len();
        out.resize(start + room, 0);
        match r.read(&mut out[start..]) {
            Ok(0) => {
                out.truncate(start);
                return (out, false, None);
            }
            Ok(n) => out.truncate(start + n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => out.truncate(start),
            Err(e) => {
                out.truncate(start);
                return (out, false, Some(e));
            }
        }
        if out.len() > cap {
            out.truncate(cap);
            return (out, true, None);
        }
    }
}

/// The JSON index of an `.asar` bundle and where its files' data starts. The layout (Chromium
/// pickles): u32 4, u32 size of the index pickle; the index pickle: u32 payload size, u32 JSON
/// length, the JSON; file offsets count from the end of the index pickle.
fn asar_index(data: &[u8]) -> Option<(&[u8], usize)> {
    let word = |i: usize| -> Option<usize> {
        let b = data.get(i..i + 4)?;
        Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    };
    if word(0)? != 4 {
        return None;
    }
    let pickle = word(4)?;
    let base = 8usize.checked_add(pickle)?;
    let json_len = word(12)?;
    let json = data.get(16..16usize.checked_add(json_len)?)?;
    (16 + json_len <= base && base <= data.len() && json.first() == Some(&b'{'))
        .then_some((json, base))
}

/// Every zstd frame of a stream, one after another (skippable frames skipped), each refused
/// when it asks for a window over [`ZSTD_MAX_WINDOW`].
struct ZstdFrames<'d> {
    source: Counted<&'d [u8]>,
    decoder: ruzstd::decoding::FrameDecoder,
    /// A frame is being decoded.
    open: bool,
}

/// The window a zstd frame header at the start of `data` declares, or why it is not one.
fn zstd_window(data: &[u8]) -> io::Result<u64> {
    let bad = || io::Error::new(io::ErrorKind::InvalidData, "truncated zstd frame header");
    let descriptor = *data.get(4).ok_or_else(bad)?;
    let single_segment = descriptor & 0x20 != 0;
    if !single_segment {
        let w = *data.get(5).ok_or_else(bad)?;
        let log = 10 + u64::from(w >> 3);
        let base = 1u64 << log.min(63);
        return Ok(base + (base / 8) * u64::from(w & 7));
    }
    // A single segment's window is its content size.
    let dict = [0, 1, 2, 4][usize::from(descriptor & 3)];
    let fcs = [1, 2, 4, 8][usize::from(descriptor >> 6)];
    let at = 5 + dict;
    let field = data.get(at..at + fcs).ok_or_else(bad)?;
    let mut bytes = [0u8; 8];
    bytes[..fcs].copy_from_slice(field);
    let size = u64::from_le_bytes(bytes);
    Ok(if fcs == 2 { size + 256 } else { size })
}

impl Read for ZstdFrames<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        use ruzstd::decoding::BlockDecodingStrategy;
        let invalid = |e: ruzstd::decoding::errors::FrameDecoderError| {
            io::Error::new(io::ErrorKind::InvalidData, e.to_string())
        };
        loop {
            if !self.open {
                let rest = self.source.inner;
                if rest.is_empty() {
                    return Ok(0);
                }
                let magic = rest
                    .get(..4)
                    .map(|m| u32::from_le_bytes([m[0], m[1], m[2], m[3]]));
                if let Some(0x184D_2A50..=0x184D_2A5F) = magic {
                    // A skippable frame: magic, u32 length, that many bytes.
                    let len = rest
                        .get(4..8)
                        .map(|l| u32::from_le_bytes([l[0], l[1], l[2], l[3]]) as usize);
                    let skip = len
                        .and_then(|l| l.checked_add(8))
                        .filter(|&n| n <= rest.len());
                    let Some(skip) = skip else {
                        return Err(io::Error::new(
                            io::ErrorKind::InvalidData,
                            "truncated skippable zstd frame",
                        ));
                    };
                    io::copy(&mut (&mut self.source).take(skip as u64), &mut io::sink())?;
                    continue;
                }
                let window = zstd_window(rest)?;
                if window > ZSTD_MAX_WINDOW {
                    return Err(io::Error::other(format!(
                        "zstd frame asks for a {window}-byte window, over the {ZSTD_MAX_WINDOW} read"
                    )));
                }
                self.decoder.init(&mut self.source).map_err(invalid)?;
                self.open = true;
            }
            if self.decoder.can_collect() > 0 {
                return self.decoder.read(buf);
            }
            if self.decoder.is_finished() {
                self.open = false;
                continue;
            }
            self.decoder
                .decode_blocks(
                    &mut self.source,
                    BlockDecodingStrategy::UptoBytes(buf.len().max(64 << 10)),
                )
                .map_err(invalid)?;
        }
    }
}

/// The message of the error [`Budget`] ends a stream with.
const BUDGET_MESSAGE: &str = "keyhound: decompression ratio limit";

fn budget_error(message: Option<&str>) -> bool {
    message.is_some_and(|m| m.contains(BUDGET_MESSAGE))
}

/// Compressed input, counted as the decoder takes it.
struct Counted<R> {
    inner: R,
    taken: Rc<Cell<u64>>,
}

impl<R: Read> Counted<R> {
    fn new(inner: R) -> (Counted<R>, Rc<Cell<u64>>) {
        let taken = Rc::new(Cell::new(0));
        (
            Counted {
                inner,
                taken: taken.clone(),
            },
            taken,
        )
    }
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.taken.set(self.taken.get() + n as u64);
        Ok(n)
    }
}

/// A decompressing reader that ends in an error once it has given out more than `ratio` times
/// the compressed bytes taken so far (and more than [`RATIO_FLOOR`]): a bomb stops after a few
/// megabytes, whatever its headers declare (the tar reader skips unread member bytes by reading
/// them, through this).
struct Budget<R> {
    inner: R,
    taken: Rc<Cell<u64>>,
    out: u64,
    ratio: u64,
}

impl<R: Read> Budget<R> {
    fn new(inner: R, taken: Rc<Cell<u64>>, ratio: u64) -> Budget<R> {
        Budget {
            inner,
            taken,
            out: 0,
            ratio,
        }
    }
}

impl<R: Read> Read for Budget<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let allowed = self.taken.get().saturating_mul(self.ratio).max(RATIO_FLOOR);
        if self.out > allowed {
            return Err(io::Error::other(BUDGET_MESSAGE));
        }
        let n = self.inner.read(buf)?;
        self.out += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tar(c: Codec) -> Format {
        Format::CompressedTar(c)
    }

    fn one(c: Codec) -> Format {
        Format::Compressed(c)
    }

    #[test]
    fn artifacts_are_known_by_name() {
        let cases = [
            ("app-release.apk", Some(Artifact::Archive(Format::Zip))),
            ("dist/x.WHL", Some(Artifact::Archive(Format::Zip))),
            ("ext.crx", Some(Artifact::Archive(Format::Crx))),
            ("a.tar.gz", Some(Artifact::Archive(tar(Codec::Gzip)))),
            ("a.tgz", Some(Artifact::Archive(tar(Codec::Gzip)))),
            ("notes.txt.gz", Some(Artifact::Archive(one(Codec::Gzip)))),
            ("a.TAR.BZ2", Some(Artifact::Archive(tar(Codec::Bzip2)))),
            ("a.tbz2", Some(Artifact::Archive(tar(Codec::Bzip2)))),
            ("dump.sql.bz2", Some(Artifact::Archive(one(Codec::Bzip2)))),
            ("rootfs.tar.xz", Some(Artifact::Archive(tar(Codec::Xz)))),
            ("a.txz", Some(Artifact::Archive(tar(Codec::Xz)))),
            ("log.xz", Some(Artifact::Archive(one(Codec::Xz)))),
            ("layer.tar.zst", Some(Artifact::Archive(tar(Codec::Zstd)))),
            ("a.tzst", Some(Artifact::Archive(tar(Codec::Zstd)))),
            (".env.zst", Some(Artifact::Archive(one(Codec::Zstd)))),
            (".tar.gz", Some(Artifact::Archive(one(Codec::Gzip)))),
            ("resources/app.asar", Some(Artifact::Archive(Format::Asar))),
            ("x.tar", Some(Artifact::Archive(Format::Tar))),
            ("m.wasm", Some(Artifact::Binary)),
            ("classes.dex", Some(Artifact::Binary)),
            ("main.rs", None),
            (".zip", None),
            ("zip", None),
        ];
        for (name, want) in cases {
            assert_eq!(Artifact::by_name(name), want, "{name}");
        }
    }

    #[test]
    fn reads_stop_at_the_cap() {
        let data = vec![7u8; 300_000];
        let (got, over, err) = read_capped(&mut &data[..], 100_000);
        assert_eq!((got.len(), over, err.is_none()), (100_000, true, true));
        let (got, over, _) = read_capped(&mut &data[..], 300_000);
        assert_eq!((got.len(), over), (300_000, false));
        let (got, over, _) = read_capped(&mut &data[..], 0);
        assert_eq!((got.len(), over), (0, true));
    }

    #[test]
    fn crx_headers_are_skipped() {
        let mut v3 = b"Cr24\x03\x00\x00\x00\x04\x00\x00\x00abcd".to_vec();
        v3.extend_from_slice(b"PK\x05\x06");
        assert_eq!(Format::Crx.confirm(&v3), Some(16));
        let mut v2 = b"Cr24\x02\x00\x00\x00\x01\x00\x00\x00\x02\x00\x00\x00kss".to_vec();
        v2.extend_from_slice(b"PK\x03\x04");
        assert_eq!(Format::Crx.confirm(&v2), Some(19));
        assert_eq!(
            Format::Crx.confirm(b"Cr24\x03\x00\x00\x00\xff\xff\xff\xff"),
            None
        );
    }
}

//! Files larger than one window are scanned a window at a time, so that memory stays bounded by
//! the window, not by the file (a 2 GB log or dump is scanned in about 64 MiB).
//!
//! The contract: a windowed scan reports what a whole-file scan would, at the same byte spans,
//! lines and columns. Consecutive windows overlap by more than twice the longest possible
//! finding ([`crate::detect::Engine::longest_match`]); each finding belongs to the one window
//! whose owned range holds its first byte, which starts half an overlap into the window (so the
//! regexes see the bytes before a match) and ends half an overlap into the next one (so a match
//! is never cut by the end of a window). Findings in the overlap found by the other window are
//! dropped, never reported twice.
//!
//! What a window cannot see: attribution words and exposure markers (`'use client'`) further
//! away than the window; these huge files are data, not code, in practice. UTF-16 files are
//! decoded whole and so are read whole, as before (bounded by `--max-file-size`).

use std::fs::File;
use std::io::{self, Read};
use std::panic::{catch_unwind, AssertUnwindSafe};

use super::{apply_inline_markers, internal_error, FileOutcome};
use crate::chunk::{Chunk, Provenance};
use crate::detect::{Engine, Scratch};
use crate::finding::Finding;
use crate::source::{self, Problem, ProblemKind, Target};

/// Files above this many bytes are scanned in windows of this size.
pub const DEFAULT_WINDOW: u64 = 64 << 20;

/// The overlap is at least this, whatever the rules (room for context before a match).
const MIN_OVERLAP: usize = 256 << 10;

/// Scans `t` (open as `file`, `len` bytes long) window by window when it is larger than
/// `window` bytes; `None` when the file is small enough (or too large, or UTF-16) for the
/// whole-file path to handle, which then reads it from its start.
pub(super) fn scan(
    engine: &Engine,
    scratch: &mut Scratch,
    t: &Target,
    file: &mut File,
    len: u64,
    max_file_size: u64,
    window: u64,
) -> Option<FileOutcome> {
    if len <= window || len > max_file_size {
        return None;
    }
    let window = usize::try_from(window).ok()?;
    let overlap = (engine.longest_match() * 2 + (64 << 10))
        .max(MIN_OVERLAP)
        .min(window / 2);
    let mut buf = Vec::with_capacity(window);
    if let Err(e) = fill(file, &mut buf, window) {
        return Some(unreadable(t, &e));
    }
    if source::utf16_bom(&buf) {
        return None;
    }
    if source::looks_binary(&buf) {
        return Some(FileOutcome::Skipped(problem(
            t,
            ProblemKind::Binary,
            source::BINARY_SKIPPED.into(),
        )));
    }
    let mut windows = Windows::new(overlap);
    let mut findings = Vec::new();
    let mut dropped = Vec::new();
    loop {
        let last = buf.len() < window;
        if windows.base + buf.len() as u64 > max_file_size {
            return Some(FileOutcome::Skipped(problem(
                t,
                ProblemKind::TooLarge,
                format!("skipped: grew over --max-file-size ({max_file_size} bytes) while read"),
            )));
        }
        let chunk = Chunk {
            provenance: Provenance::File {
                path: t.rel.clone(),
            },
            data: &buf,
        };
        let found = match catch_unwind(AssertUnwindSafe(|| engine.scan(&chunk, scratch))) {
            Ok(found) => found,
            Err(panic) => {
                *scratch = engine.scratch();
                return Some(FileOutcome::Skipped(internal_error(&t.display, panic)));
            }
        };
        let (found, gone) = apply_inline_markers(found, &buf);
        let stride = window - overlap;
        for f in found {
            if windows.owns(&f, stride, last) {
                findings.push(windows.shift(f));
            }
        }
        for (f, reason) in gone {
            if windows.owns(&f, stride, last) {
                dropped.push((windows.shift(f), reason));
            }
        }
        if last {
            return Some(FileOutcome::Scanned {
                bytes: windows.base + buf.len() as u64,
                findings,
                dropped,
                archive: None,
            });
        }
        windows.advance(&buf[..stride]);
        buf.copy_within(stride.., 0);
        buf.truncate(overlap);
        if let Err(e) = fill(file, &mut buf, window) {
            return Some(unreadable(t, &e));
        }
    }
}

/// Where the current window starts in the file, in bytes and as a line and column.
struct Windows {
    /// File offset of the window's first byte.
    base: u64,
    /// Newlines before `base`.
    lines: usize,
    /// Characters between the last newline before `base` and `base`.
    column: usize,
    overlap: usize,
    first: bool,
}

impl Windows {
    fn new(overlap: usize) -> Self {
        Windows {
            base: 0,
            lines: 0,
            column: 0,
            overlap,
            first: true,
        }
    }

    /// Whether the finding (window offsets) starts in the range this window owns: from half
    /// an overlap in (the file start for the first window) to half an overlap past where the
    /// next window starts (the end for the last).
    fn owns(&self, f: &Finding, stride: usize, last: bool) -> bool {
        let start = f.span.0;
        let half = self.overlap / 2;
        (self.first || start >= half) && (last || start < stride + half)
    }

    /// Moves a finding from window to file coordinates.
    fn shift(&self, mut f: Finding) -> Finding {
        f.span = (f.span.0 + self.base as usize, f.span.1 + self.base as usize);
        if f.line == 1 {
            f.column += self.column;
        }
        if f.end_line == 1 {
            f.end_column += self.column;
        }
        f.line += self.lines;
        f.end_line += self.lines;
        f
    }

    /// Moves to the next window, which starts after `passed`.
    fn advance(&mut self, passed: &[u8]) {
        match memchr::memrchr(b'\n', passed) {
            Some(last_nl) => {
                self.lines += memchr::memchr_iter(b'\n', passed).count();
                self.column = chars(&passed[last_nl + 1..]);
            }
            None => self.column += chars(passed),
        }
        self.base += passed.len() as u64;
        self.first = false;
    }
}

/// Characters as [`crate::detect`] counts columns: bytes that do not continue a UTF-8 sequence.
fn chars(b: &[u8]) -> usize {
    b.iter().filter(|&&c| (c as i8) >= -0x40).count()
}

/// Reads until `buf` holds `window` bytes or the file ends.
fn fill(file: &mut File, buf: &mut Vec<u8>, window: usize) -> io::Result<()> {
    let want = (window - buf.len()) as u64;
    file.by_ref().take(want).read_to_end(buf)?;
    Ok(())
}

fn problem(t: &Target, kind: ProblemKind, message: String) -> Problem {
    Problem {
        path: t.display.clone(),
        kind,
        message,
    }
}

fn unreadable(t: &Target, e: &io::Error) -> FileOutcome {
    FileOutcome::Skipped(problem(
        t,
        ProblemKind::Unreadable,
        format!("cannot read: {e}"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advancing_tracks_lines_and_columns() {
        let mut w = Windows::new(8);
        w.advance(b"ab\ncd");
        assert_eq!((w.base, w.lines, w.column), (5, 1, 2));
        w.advance("é€x".as_bytes());
        assert_eq!((w.base, w.lines, w.column), (11, 1, 5));
        w.advance(b"\n\n");
        assert_eq!((w.base, w.lines, w.column), (13, 3, 0));
    }
}

//! Secrets hidden by an encoding: base64 (standard and URL-safe), hex and percent-encoding.
//! This module finds spans that look encoded, decodes them, and hands back text worth
//! scanning again; the engine maps what it finds there back to the encoded span.
//!
//! Cost is the concern: files full of base64 that hides nothing (data URIs, lockfile
//! integrity hashes, embedded fonts) must stay cheap. Runs are found by a skipping scan that
//! looks at one byte in `MIN_RUN` until it lands in a candidate run; a decoded span is kept
//! only when it is mostly printable text, the only place a key can hide.

use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use base64::Engine as _;

/// Shortest encoded run worth decoding: 24 base64 characters hold 18 bytes, shorter than
/// any key with a provider prefix.
const MIN_RUN: usize = 24;
/// Longest run decoded: keys are short, and decoding megabyte blobs would cost time for
/// nothing. A longer run is still decoded in part (its first `MAX_RUN` bytes).
pub(super) const MAX_RUN: usize = 16 * 1024;

/// Which encoding hid a secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Base64,
    Hex,
    Percent,
}

impl Encoding {
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Base64 => "base64",
            Encoding::Hex => "hex",
            Encoding::Percent => "percent-encoding",
        }
    }
}

/// A decoded span: the encoded bytes `start..end` of the haystack and what they decode to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub start: usize,
    pub end: usize,
    pub encoding: Encoding,
    pub text: Vec<u8>,
}

const B64: u8 = 1;
const HEX: u8 = 2;
const PCT: u8 = 4;
/// Bytes that can continue a key-like token (`checks::is_token_byte`).
const TOK: u8 = 8;

/// Byte classes: which encodings a byte can belong to.
const CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        let mut c = 0;
        if b.is_ascii_alphanumeric()
            || b == b'+'
            || b == b'/'
            || b == b'-'
            || b == b'_'
            || b == b'='
        {
            c |= B64;
        }
        if b.is_ascii_hexdigit() {
            c |= HEX;
        }
        // Percent-encoded text: unreserved characters and `%`.
        if b.is_ascii_alphanumeric()
            || b == b'%'
            || b == b'-'
            || b == b'_'
            || b == b'.'
            || b == b'~'
            || b == b'+'
        {
            c |= PCT;
        }
        if super::checks::is_token_byte(b) {
            c |= TOK;
        }
        t[i] = c;
        i += 1;
    }
    t
};

/// Every encoded-looking span of `hay` that decodes to mostly printable text.
pub fn find(hay: &[u8]) -> Vec<Decoded> {
    let mut out = Vec::new();
    // Base64 is decoded here first; only text worth scanning is copied out.
    let mut buf = Vec::new();
    // Base64 and hex runs: a skipping scan over the base64 alphabet (hex is a subset).
    for (start, end) in runs(hay, B64) {
        decode_run(hay, start, end, &mut out, &mut buf);
    }
    for (start, end) in percent_runs(hay) {
        let text = percent_decode(&hay[start..end]);
        if text.len() < end - start && mostly_text(&text) {
            out.push(Decoded {
                start,
                end,
                encoding: Encoding::Percent,
                text,
            });
        }
    }
    out.sort_by_key(|d| (d.start, d.end));
    out
}

/// Maximal runs of bytes of `class` at least `MIN_RUN` long.
///
/// Bytes are classified 64 at a time into a bit mask, and two neighbouring masks (128 bytes)
/// show with a few shifts every position that starts `MIN_RUN` (24) class bytes in a row: a
/// run of 24 or more starting in a block ends its first 24 bytes inside the next. Only real
/// runs are followed (64 bytes at a time), so ordinary code costs a classification and a
/// handful of shifts per 64 bytes.
fn runs(hay: &[u8], class: u8) -> Vec<(usize, usize)> {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2 (checked just above).
        return unsafe { avx2::runs(hay, &NibbleTables::of(class)) };
    }
    runs_with(hay, |hay, at| class_mask(hay, at, class))
}

/// [`runs`] with `mask(hay, at)` giving the class bits of the 64 bytes from `at`. Inlined into
/// each caller so that the classification (SIMD) inlines into the loop.
#[inline(always)]
fn runs_with(hay: &[u8], mask: impl Fn(&[u8], usize) -> u64) -> Vec<(usize, usize)> {
    const _: () = assert!(MIN_RUN == 24, "the shifts below look for 24 bytes in a row");
    let mut out = Vec::new();
    // Bytes before `floor` belong to a run already reported.
    let mut floor = 0;
    let mut i = 0;
    let mut next = if hay.is_empty() { 0 } else { mask(hay, 0) };
    while i < hay.len() {
        let here = next;
        next = if i + 64 < hay.len() {
            mask(hay, i + 64)
        } else {
            0
        };
        let both = here as u128 | (next as u128) << 64;
        // Bit j of `long`: bytes j..j + 24 are all of the class.
        let mut long = both;
        for shift in [1, 2, 4, 8, 8] {
            long &= long >> shift;
        }
        let mut starts = long as u64;
        if floor > i {
            starts &= u64::MAX.checked_shl((floor - i) as u32).unwrap_or(0);
        }
        while starts != 0 {
            // A run that began before this block was reported from its own block, and
            // `floor` masks it out: this bit is where a run begins.
            let j = starts.trailing_zeros();
            let start = i + j as usize;
            let after = !both >> j;
            let end = if after != 0 {
                start + after.trailing_zeros() as usize
            } else {
                run_end(hay, i + 128, &mask)
            };
            out.push((start, end));
            floor = end;
            starts &= u64::MAX.checked_shl((end - i) as u32).unwrap_or(0);
        }
        if floor > i + 64 {
            i = floor;
            next = if i < hay.len() { mask(hay, i) } else { 0 };
        } else {
            i += 64;
        }
    }
    out
}

/// The runs of [`runs`] of the percent-encoding class that hold a `%`, found from each `%`
/// outwards: `%` is rare in most files (and in code, mostly an operator between spaces), so
/// this costs about one memchr where a scan of the class would cost a pass over every byte.
fn percent_runs(hay: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    // Bytes before `floor` belong to a run already looked at.
    let mut floor = 0;
    for at in memchr::memchr_iter(b'%', hay) {
        if at < floor {
            continue;
        }
        let start = run_start(hay, floor, at, PCT);
        let end = run_end(hay, at, |hay, at| class_mask(hay, at, PCT));
        if end - start >= MIN_RUN {
            out.push((start, end));
        }
        floor = end;
    }
    out
}

/// The first offset of the run of `class` bytes that ends at `at` (exclusive), looking no
/// further back than `floor`: 64 bytes at a time, so that a `%` deep in a long run costs little.
fn run_start(hay: &[u8], floor: usize, at: usize, class: u8) -> usize {
    let mut end = at;
    while end > floor {
        let from = end.saturating_sub(64).max(floor);
        let low = u64::MAX >> (64 - (end - from));
        let outside = !class_mask(hay, from, class) & low;
        if outside != 0 {
            return from + (64 - outside.leading_zeros() as usize);
        }
        end = from;
    }
    floor
}

/// The first offset at or after `at` whose byte cannot continue a key-like token, looking no
/// further than `limit` (at most `hay.len()`).
pub fn token_end(hay: &[u8], at: usize, limit: usize) -> usize {
    let hay = &hay[..limit];
    // Most window ends fall in a short token or between tokens: a few bytes one at a time,
    // then 64 at a time.
    let stop = hay.len().min(at + 16);
    let mut at = at;
    while at < stop {
        if CLASS[hay[at] as usize] & TOK == 0 {
            return at;
        }
        at += 1;
    }
    run_end(hay, at, |hay, at| class_mask(hay, at, TOK))
}

/// The first offset at or after `at` whose byte is not of `class` (or the end).
#[inline(always)]
fn run_end(hay: &[u8], mut at: usize, mask: impl Fn(&[u8], usize) -> u64) -> usize {
    while at < hay.len() {
        let outside = !mask(hay, at);
        if outside != 0 {
            return (at + outside.trailing_zeros() as usize).min(hay.len());
        }
        at += 64;
    }
    hay.len()
}

/// The 64 bytes from `at`, zero-padded past the end (zero is of no class, so bytes past the
/// end count as outside every class).
#[inline(always)]
fn block_at(hay: &[u8], at: usize) -> [u8; 64] {
    match hay.get(at..at + 64) {
        Some(b) => b.try_into().expect("64 bytes"),
        None => {
            let mut padded = [0u8; 64];
            padded[..hay.len() - at].copy_from_slice(&hay[at..]);
            padded
        }
    }
}

/// The letters and digits are in every class the SIMD code handles; these are the rest.
fn specials(class: u8) -> Option<[u8; 6]> {
    match class {
        B64 => Some(*b"+/-_=="),
        PCT => Some(*b"%-_.~+"),
        TOK => Some(*b"_-+/=."),
        _ => None,
    }
}

/// Bit `j` set when `hay[at + j]` exists and is of `class`, for 64 bytes from `at`.
#[inline(always)]
fn class_mask(hay: &[u8], at: usize, class: u8) -> u64 {
    let block = block_at(hay, at);
    #[cfg(target_arch = "x86_64")]
    if let Some(specials) = specials(class) {
        return sse2::mask(&block, specials);
    }
    block.iter().enumerate().fold(0u64, |m, (j, &b)| {
        m | (((CLASS[b as usize] & class != 0) as u64) << j)
    })
}

/// A byte class as two 16-byte tables, for a byte shuffle: a byte `b` is of the class when
/// `lo[b & 15] & hi[b >> 4] != 0`. Each high nibble 2..=7 (printable ASCII) has a bit of its
/// own, so any set of printable ASCII bytes is represented exactly; the classes here have no
/// other bytes.
#[derive(Debug, Clone, Copy)]
struct NibbleTables {
    lo: [u8; 16],
    hi: [u8; 16],
}

impl NibbleTables {
    fn of(class: u8) -> NibbleTables {
        let (mut lo, mut hi) = ([0u8; 16], [0u8; 16]);
        for h in 2..8 {
            hi[h] = 1 << (h - 2);
            for (l, slot) in lo.iter_mut().enumerate() {
                if CLASS[h << 4 | l] & class != 0 {
                    *slot |= 1 << (h - 2);
                }
            }
        }
        debug_assert!((0..256)
            .filter(|&b| !(0x20..0x80).contains(&b))
            .all(|b| CLASS[b] & class == 0));
        NibbleTables { lo, hi }
    }
}

/// Byte classes 32 bytes at a time by two byte shuffles, on CPUs with AVX2: every byte of
/// every file is classified, so the few instructions matter.
#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::{
        __m256i, _mm256_and_si256, _mm256_broadcastsi128_si256, _mm256_cmpeq_epi8,
        _mm256_loadu_si256, _mm256_movemask_epi8, _mm256_set1_epi8, _mm256_setzero_si256,
        _mm256_shuffle_epi8, _mm256_srli_epi16, _mm_loadu_si128,
    };

    use super::NibbleTables;

    /// [`super::runs`] with this classifier.
    ///
    /// # Safety
    /// The CPU must have AVX2.
    #[target_feature(enable = "avx2")]
    pub unsafe fn runs(hay: &[u8], tables: &NibbleTables) -> Vec<(usize, usize)> {
        super::runs_with(hay, |hay, at| {
            // SAFETY: this closure runs inside a function that requires AVX2.
            unsafe { mask(&super::block_at(hay, at), tables) }
        })
    }

    /// Bit `j` set when `block[j]` is of the class of `tables` (a test compares every byte
    /// value with the class table).
    ///
    /// # Safety
    /// The CPU must have AVX2.
    #[target_feature(enable = "avx2")]
    #[inline]
    pub unsafe fn mask(block: &[u8; 64], tables: &NibbleTables) -> u64 {
        // SAFETY: the tables are 16 bytes each; unaligned loads; the caller guarantees AVX2.
        let (lo, hi) = unsafe {
            (
                _mm256_broadcastsi128_si256(_mm_loadu_si128(tables.lo.as_ptr() as *const _)),
                _mm256_broadcastsi128_si256(_mm_loadu_si128(tables.hi.as_ptr() as *const _)),
            )
        };
        let nibble = _mm256_set1_epi8(0x0F);
        let mut m = 0u64;
        for k in 0..2 {
            // SAFETY: the 32 bytes read lie inside `block` (k * 32 + 32 <= 64); the load is
            // unaligned.
            let v = unsafe { _mm256_loadu_si256(block.as_ptr().add(k * 32) as *const __m256i) };
            let l = _mm256_shuffle_epi8(lo, _mm256_and_si256(v, nibble));
            let h = _mm256_shuffle_epi8(hi, _mm256_and_si256(_mm256_srli_epi16(v, 4), nibble));
            let outside = _mm256_cmpeq_epi8(_mm256_and_si256(l, h), _mm256_setzero_si256());
            m |= (!(_mm256_movemask_epi8(outside) as u32) as u64) << (k * 32);
        }
        m
    }
}

/// Byte classes 16 bytes at a time. SSE2 is part of every x86-64 CPU, so this needs no
/// run-time detection.
#[cfg(target_arch = "x86_64")]
mod sse2 {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8, _mm_sub_epi8,
    };

    /// Bit `j` set when `block[j]` is an ASCII letter, a digit or one of `specials`. With the
    /// specials of `CLASS` this is that class (a test checks every byte value).
    #[inline(always)]
    pub fn mask(block: &[u8; 64], specials: [u8; 6]) -> u64 {
        let mut m = 0u64;
        for k in 0..4 {
            // SAFETY: the 16 bytes read lie inside `block` (k * 16 + 16 <= 64), and the
            // load is unaligned; SSE2 is always available on x86_64.
            let bits = unsafe {
                let v = _mm_loadu_si128(block.as_ptr().add(k * 16) as *const __m128i);
                classify(v, specials)
            };
            m |= (bits as u16 as u64) << (k * 16);
        }
        m
    }

    /// Safe to call on any x86_64 CPU: it uses SSE2 only.
    #[inline(always)]
    unsafe fn classify(v: __m128i, specials: [u8; 6]) -> i32 {
        let in_range = |x: __m128i, lo: u8, len: u8| {
            // Unsigned `x - lo <= len - 1`: the minimum is the value itself.
            let t = _mm_sub_epi8(x, _mm_set1_epi8(lo as i8));
            _mm_cmpeq_epi8(_mm_min_epu8(t, _mm_set1_epi8((len - 1) as i8)), t)
        };
        // Bit 0x20 forced on folds upper case onto lower case and nothing else onto letters.
        let mut any = _mm_or_si128(
            in_range(_mm_or_si128(v, _mm_set1_epi8(0x20)), b'a', 26),
            in_range(v, b'0', 10),
        );
        for c in specials {
            any = _mm_or_si128(any, _mm_cmpeq_epi8(v, _mm_set1_epi8(c as i8)));
        }
        _mm_movemask_epi8(any)
    }
}

fn decode_run(hay: &[u8], start: usize, end: usize, out: &mut Vec<Decoded>, buf: &mut Vec<u8>) {
    let run = &hay[start..end];
    let mut push = |s: usize, e: usize, encoding: Encoding, text: &[u8]| {
        if mostly_text(text) {
            out.push(Decoded {
                start: s,
                end: e,
                encoding,
                text: text.to_vec(),
            });
        }
    };
    // Which kinds of bytes the run holds, in one pass that vectorises (runs are mostly
    // identifiers and paths that fail both tests below).
    let body = &run[..run.len().min(MAX_RUN)];
    let held = kinds(body);
    let all_hex = held & NON_HEX == 0 && (body.len() == run.len() || kinds(run) & NON_HEX == 0);
    // Hex: a long even run of hex digits (not all digits: that is a number).
    if all_hex && run.len() % 2 == 0 && run.iter().any(|b| b.is_ascii_alphabetic()) {
        // A byte of text is 0x20..0x7E, a tab or a line break: a pair whose first digit is
        // not 0 or 2..7 is none of these. Hashes fail here, before any decoding.
        let other = run
            .iter()
            .step_by(2)
            .filter(|&&b| !matches!(b, b'0' | b'2'..=b'7'))
            .count();
        if other * 10 > run.len() / 2 {
            return;
        }
        buf.clear();
        buf.extend(
            run.chunks_exact(2)
                .map(|p| (nibble(p[0]) << 4) | nibble(p[1])),
        );
        push(start, end, Encoding::Hex, buf);
        return;
    }
    // Base64: the run may be a token glued to other text (`key=...`); decode the longest
    // stretch of pure base64 characters, trimmed to a multiple of 4. Key-like base64 has
    // upper case, lower case and digits.
    if held & (UPPER | LOWER | DIGIT) != UPPER | LOWER | DIGIT {
        return;
    }
    let trimmed = body.iter().rposition(|&b| b != b'=').map_or(0, |p| p + 1);
    let core = &body[..trimmed];
    // Whole, then cut to a multiple of 4 (a token glued to text may not end on a quantum).
    let cut = &core[..core.len() - core.len() % 4];
    // Bytes with the top bit set are not text: counted in the quanta both decodings share,
    // too many of them rule both out (as `mostly_text` would) before any decoding.
    let decoded_len = core.len() / 4 * 3 + [0, 0, 1, 2][core.len() % 4];
    if high_bytes(cut) * 10 > decoded_len {
        return;
    }
    for c in [core, cut] {
        if c.len() < MIN_RUN {
            continue;
        }
        // Into a buffer that only grows: no zeroing per run.
        let need = base64::decoded_len_estimate(c.len());
        if buf.len() < need {
            buf.resize(need, 0);
        }
        for engine in [&STANDARD_NO_PAD, &URL_SAFE_NO_PAD] {
            if let Ok(n) = engine.decode_slice(c, &mut buf[..]) {
                push(start, end, Encoding::Base64, &buf[..n]);
                return;
            }
        }
    }
}

/// The 6-bit value of each base64 character, either alphabet (`+` and `-` are 62, `/` and `_`
/// 63); 0 for other bytes.
const SIXTET: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 26 {
        t[b'A' as usize + i] = i as u8;
        t[b'a' as usize + i] = 26 + i as u8;
        if i < 10 {
            t[b'0' as usize + i] = 52 + i as u8;
        }
        i += 1;
    }
    t[b'+' as usize] = 62;
    t[b'-' as usize] = 62;
    t[b'/' as usize] = 63;
    t[b'_' as usize] = 63;
    t
};

/// How many of the bytes the whole quanta of `b64` decode to have their top bit set: in a
/// quantum `c0 c1 c2 c3` those are bit 5 of `c0`, bit 3 of `c1` and bit 1 of `c2`.
fn high_bytes(b64: &[u8]) -> usize {
    b64.chunks_exact(4)
        .map(|q| {
            let v = |b: u8| SIXTET[b as usize];
            usize::from(((v(q[0]) >> 5) & 1) + ((v(q[1]) >> 3) & 1) + ((v(q[2]) >> 1) & 1))
        })
        .sum()
}

const UPPER: u8 = 1;
const LOWER: u8 = 2;
const DIGIT: u8 = 4;
const NON_HEX: u8 = 8;

/// Which of [`UPPER`], [`LOWER`], [`DIGIT`] and [`NON_HEX`] bytes `bytes` holds. Written 16
/// lanes wide so that the compiler turns it into vector compares.
fn kinds(bytes: &[u8]) -> u8 {
    #[inline(always)]
    fn kind(b: u8) -> u8 {
        let u = (b.wrapping_sub(b'A') < 26) as u8;
        let l = (b.wrapping_sub(b'a') < 26) as u8;
        let d = (b.wrapping_sub(b'0') < 10) as u8;
        let x = d | (b.wrapping_sub(b'A') < 6) as u8 | (b.wrapping_sub(b'a') < 6) as u8;
        (u * UPPER) | (l * LOWER) | (d * DIGIT) | ((1 - x) * NON_HEX)
    }
    #[inline(always)]
    fn chunk(lanes: &mut [u8; 16], c: &[u8]) {
        for (lane, &b) in lanes.iter_mut().zip(c) {
            *lane |= kind(b);
        }
    }
    let mut lanes = [0u8; 16];
    let mut chunks = bytes.chunks_exact(16);
    for c in &mut chunks {
        chunk(&mut lanes, c);
    }
    let tail = chunks.remainder();
    if !tail.is_empty() {
        match bytes.len().checked_sub(16) {
            // The last 16 bytes, some of them seen already (which changes nothing): one more
            // vector step instead of up to 15 scalar ones (runs are mostly short).
            Some(from) => chunk(&mut lanes, &bytes[from..]),
            None => lanes[0] = tail.iter().fold(0, |k, &b| k | kind(b)),
        }
    }
    lanes.iter().fold(0, |k, &l| k | l)
}

fn nibble(b: u8) -> u8 {
    match b {
        b'0'..=b'9' => b - b'0',
        b'a'..=b'f' => b - b'a' + 10,
        _ => b - b'A' + 10,
    }
}

fn percent_decode(run: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(run.len());
    let mut i = 0;
    while i < run.len() {
        if run[i] == b'%' && i + 2 < run.len() {
            let (a, b) = (run[i + 1], run[i + 2]);
            if a.is_ascii_hexdigit() && b.is_ascii_hexdigit() {
                out.push((nibble(a) << 4) | nibble(b));
                i += 3;
                continue;
            }
        }
        out.push(if run[i] == b'+' { b' ' } else { run[i] });
        i += 1;
    }
    out
}

/// At least 90% printable ASCII or whitespace: binary blobs (images, fonts, compressed data,
/// hashes) decode to noise and are skipped.
///
/// Counted a slice at a time, stopping as soon as more than a tenth is not text: binary data
/// gets there within a few hundred bytes.
fn mostly_text(text: &[u8]) -> bool {
    if text.len() < 12 {
        return false;
    }
    let mut other = 0;
    for part in text.chunks(256) {
        other += part
            .iter()
            .map(|&b| {
                !((0x20..0x7f).contains(&b) || b == b'\n' || b == b'\r' || b == b'\t') as usize
            })
            .sum::<usize>();
        if other * 10 > text.len() {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD;

    #[test]
    fn finds_each_encoding() {
        let key = "DEEPSEEK_API_KEY=sk-4f1a9c2e7b3d8e6f0a5c1b9d2e7f3a8c";
        let b64 = STANDARD.encode(key);
        let hex: String = key.bytes().map(|b| format!("{b:02x}")).collect();
        let pct = "https%3A%2F%2Fapi.example.org%2Fv1%3Fkey%3Dsk-4f1a9c2e7b3d8e6f0a5c1b9d2e7f3a8c";
        let cases = [
            (format!("data: {b64}\n"), Encoding::Base64, key.to_string()),
            (format!("x = \"{hex}\""), Encoding::Hex, key.to_string()),
            (
                format!("url={pct}&x=1"),
                Encoding::Percent,
                "https://api.example.org/v1?key=sk-4f1a9c2e7b3d8e6f0a5c1b9d2e7f3a8c".to_string(),
            ),
        ];
        for (hay, encoding, text) in cases {
            let found = find(hay.as_bytes());
            let hit = found
                .iter()
                .find(|d| d.encoding == encoding)
                .unwrap_or_else(|| panic!("{hay}: {found:?}"));
            assert!(
                String::from_utf8_lossy(&hit.text).contains(&text),
                "{hay}: {:?}",
                String::from_utf8_lossy(&hit.text)
            );
            assert!(hay[hit.start..hit.end].len() >= 24);
        }
    }

    #[test]
    fn high_bytes_counts_what_decoding_gives() {
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let mut x = 0x9E37_79B9u32;
        for len in 0..200 {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    (x >> 8) as u8
                })
                .collect();
            let high = bytes.iter().filter(|&&b| b >= 0x80).count();
            for encoded in [
                STANDARD_NO_PAD.encode(&bytes),
                URL_SAFE_NO_PAD.encode(&bytes),
            ] {
                // Only whole quanta are counted.
                let whole = encoded.len() / 4 * 3;
                let high_whole = bytes[..whole].iter().filter(|&&b| b >= 0x80).count();
                assert_eq!(high_bytes(encoded.as_bytes()), high_whole, "{encoded}");
                assert!(high_whole <= high);
            }
        }
    }

    /// The checks before decoding refuse only what `mostly_text` would: text with a tenth of
    /// other bytes is still decoded, one byte more is not.
    #[test]
    fn a_tenth_of_other_bytes_still_decodes() {
        for other in [0x00u8, 0x01, 0x7F, 0x80, 0xC3, 0xFF] {
            for (n, want) in [(10, true), (11, false)] {
                let mut text = b"sk-4f1a9c2e7b3d8e6f0a5c1b9d2e7f3a8c000000000000000000000000000000000000000000000000000000000000000000".to_vec();
                text.truncate(100);
                for k in 0..n {
                    text[k * 9 + 1] = other;
                }
                let b64 = STANDARD_NO_PAD.encode(&text);
                let hex: String = text.iter().map(|b| format!("{b:02x}")).collect();
                for (hay, encoding) in [(b64, Encoding::Base64), (hex, Encoding::Hex)] {
                    let found = find(format!("x = \"{hay}\"").as_bytes());
                    let got = found
                        .iter()
                        .any(|d| d.encoding == encoding && d.text == text);
                    assert_eq!(got, want, "{other:#x} x{n} {encoding:?}: {found:?}");
                }
            }
        }
    }

    /// The block filter finds exactly the maximal runs a byte-by-byte scan finds, wherever
    /// they sit against block boundaries.
    #[test]
    fn runs_agree_with_a_naive_scan() {
        let naive = |hay: &[u8], class: u8| {
            let mut out = Vec::new();
            let mut i = 0;
            while i < hay.len() {
                let start = i;
                while i < hay.len() && CLASS[hay[i] as usize] & class != 0 {
                    i += 1;
                }
                if i - start >= MIN_RUN {
                    out.push((start, i));
                }
                i += 1;
            }
            out
        };
        let mut x = 0x2545_f491_u32;
        let mut hay = Vec::new();
        for _ in 0..400 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let len = (x % 90) as usize;
            hay.extend(std::iter::repeat_n(b'a' + (x % 7) as u8, len));
            hay.push(if x % 3 == 0 { b' ' } else { b'%' });
        }
        for class in [B64, HEX, PCT] {
            for cut in [0, 1, 23, 24, 63, 64, 65, hay.len() - 30] {
                assert_eq!(
                    runs(&hay[cut..], class),
                    naive(&hay[cut..], class),
                    "{class} {cut}"
                );
            }
        }
        // Class bytes at random, at densities from sparse to nearly all.
        for density in [2u32, 5, 8, 9, 10] {
            let random: Vec<u8> = (0..5000)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    if x % 10 < density {
                        b'q'
                    } else {
                        b' '
                    }
                })
                .collect();
            for cut in [0, 1, 7, 40, 41, 63] {
                let h = &random[cut..];
                assert_eq!(runs(h, B64), naive(h, B64), "{density} {cut}");
            }
        }
        for cut in [0, 1, 23, 24, 63, 64, 65, hay.len() - 30] {
            let h = &hay[cut..];
            let with_percent: Vec<_> = naive(h, PCT)
                .into_iter()
                .filter(|&(s, e)| h[s..e].contains(&b'%'))
                .collect();
            assert_eq!(percent_runs(h), with_percent, "{cut}");
        }
    }

    /// Both SIMD classifiers agree with the class table on every byte value in every lane.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn simd_classes_agree_with_the_class_table() {
        let mut block = [0u8; 64];
        for base in (0..256).step_by(64) {
            for (j, b) in block.iter_mut().enumerate() {
                *b = (base + j) as u8;
            }
            for (class, specials) in [(B64, *b"+/-_=="), (PCT, *b"%-_.~+"), (TOK, *b"_-+/=.")] {
                let want = block.iter().enumerate().fold(0u64, |m, (j, &b)| {
                    m | (((CLASS[b as usize] & class != 0) as u64) << j)
                });
                assert_eq!(sse2::mask(&block, specials), want, "sse2 {class} {base}");
                if std::is_x86_feature_detected!("avx2") {
                    // SAFETY: the CPU has AVX2 (checked above).
                    let got = unsafe { avx2::mask(&block, &NibbleTables::of(class)) };
                    assert_eq!(got, want, "avx2 {class} {base}");
                } else {
                    eprintln!("avx2 part skipped: this CPU has no AVX2");
                }
            }
        }
    }

    /// The one-pass kinds agree with the byte predicates, for every byte value alone and in
    /// mixed runs.
    #[test]
    fn kinds_agree_with_the_byte_predicates() {
        let naive = |bytes: &[u8]| {
            let mut k = 0;
            if bytes.iter().any(u8::is_ascii_uppercase) {
                k |= UPPER;
            }
            if bytes.iter().any(u8::is_ascii_lowercase) {
                k |= LOWER;
            }
            if bytes.iter().any(u8::is_ascii_digit) {
                k |= DIGIT;
            }
            if !bytes.iter().all(u8::is_ascii_hexdigit) {
                k |= NON_HEX;
            }
            k
        };
        for b in 0..=255u8 {
            assert_eq!(kinds(&[b]), naive(&[b]), "{b}");
        }
        for run in [
            &b"deadBEEF0123"[..],
            b"snake_case_identifier",
            b"ABCdef",
            b"",
            b"Zz9/",
        ] {
            assert_eq!(kinds(run), naive(run), "{run:?}");
        }
        // One odd byte at every position of runs around the 16-byte steps (the last step
        // overlaps the one before).
        for len in [15, 16, 17, 24, 31, 32, 33, 47] {
            for at in 0..len {
                for odd in [b'Z', b'7', b'_', b'f'] {
                    let mut run = vec![b'a'; len];
                    run[at] = odd;
                    assert_eq!(kinds(&run), naive(&run), "{len} {at} {odd}");
                }
            }
        }
    }

    #[test]
    fn class_masks_agree_with_the_class_table() {
        for class in [B64, HEX, PCT, TOK] {
            for b in 0..=255u8 {
                let want = if CLASS[b as usize] & class != 0 {
                    u64::MAX
                } else {
                    0
                };
                assert_eq!(class_mask(&[b; 64], 0, class), want, "{class} {b:#04x}");
                assert_eq!(class_mask(&[b; 80], 10, class), want, "{class} {b:#04x}");
                assert_eq!(
                    class_mask(&[b; 10], 0, class),
                    want & 0x3ff,
                    "{class} {b:#04x}"
                );
            }
        }
    }

    #[test]
    fn token_end_stops_at_the_first_byte_outside_a_token_or_the_limit() {
        let long = format!("k={} x", "a".repeat(200));
        let cases: &[(&str, usize, usize, usize)] = &[
            ("abc def", 0, 7, 3),
            ("abc def", 3, 7, 3),
            ("abc", 1, 3, 3),
            ("sk-abc.def/ghi=+x y", 0, 19, 17),
            (&long, 2, long.len(), 202),
            (&long, 2, 100, 100),
        ];
        for &(hay, at, limit, want) in cases {
            assert_eq!(
                token_end(hay.as_bytes(), at, limit),
                want,
                "{hay:?} {at} {limit}"
            );
        }
    }

    #[test]
    fn mostly_text_allows_a_tenth_of_other_bytes() {
        let cases: &[(usize, usize, bool)] = &[
            (11, 0, false),
            (12, 0, true),
            (100, 10, true),
            (100, 11, false),
            (1000, 100, true),
            (1000, 101, false),
        ];
        for &(len, other, want) in cases {
            let mut text = vec![b'a'; len];
            text[len - other..].fill(0);
            assert_eq!(mostly_text(&text), want, "{len} {other}");
            text.reverse();
            assert_eq!(mostly_text(&text), want, "{len} {other} reversed");
        }
    }

    #[test]
    fn skips_binary_and_plain_code() {
        let image: Vec<u8> = (0..3000u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
            .collect();
        let data_uri = format!("src=\"data:image/png;base64,{}\"", STANDARD.encode(&image));
        assert!(find(data_uri.as_bytes()).is_empty());
        let code =
            "fn main() { let value = compute_something(alpha, beta); println!(\"{value}\"); }";
        assert!(find(code.as_bytes()).is_empty());
        let sha = "checksum = \"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\"";
        assert!(find(sha.as_bytes()).is_empty());
    }
}

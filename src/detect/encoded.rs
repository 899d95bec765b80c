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
        t[i] = c;
        i += 1;
    }
    t
};

/// Every encoded-looking span of `hay` that decodes to mostly printable text.
pub fn find(hay: &[u8]) -> Vec<Decoded> {
    let mut out = Vec::new();
    // Base64 and hex runs: a skipping scan over the base64 alphabet (hex is a subset).
    for (start, end) in runs(hay, B64) {
        decode_run(hay, start, end, &mut out);
    }
    // Percent-encoded runs exist only around a `%`: most files have none, and then this
    // costs one memchr.
    if memchr::memchr(b'%', hay).is_some() {
        for (start, end) in runs(hay, PCT) {
            if hay[start..end].contains(&b'%') {
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
        }
    }
    out.sort_by_key(|d| (d.start, d.end));
    out
}

/// Maximal runs of bytes of `class` at least `MIN_RUN` long. Looks at one byte in `MIN_RUN`
/// until it lands inside a run: a shorter run cannot hold the byte it skipped to.
fn runs(hay: &[u8], class: u8) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = MIN_RUN - 1;
    let mut floor = 0;
    while i < hay.len() {
        if CLASS[hay[i] as usize] & class == 0 {
            i += MIN_RUN;
            continue;
        }
        let mut start = i;
        while start > floor && CLASS[hay[start - 1] as usize] & class != 0 {
            start -= 1;
        }
        let mut end = i + 1;
        while end < hay.len() && CLASS[hay[end] as usize] & class != 0 {
            end += 1;
        }
        if end - start >= MIN_RUN {
            out.push((start, end));
        }
        floor = end;
        i = end + MIN_RUN;
    }
    out
}

fn decode_run(hay: &[u8], start: usize, end: usize, out: &mut Vec<Decoded>) {
    let run = &hay[start..end];
    let mut push = |s: usize, e: usize, encoding: Encoding, text: Vec<u8>| {
        if mostly_text(&text) {
            out.push(Decoded {
                start: s,
                end: e,
                encoding,
                text,
            });
        }
    };
    // Hex: a long even run of hex digits (not all digits: that is a number).
    let hex_len = run
        .iter()
        .take_while(|&&b| CLASS[b as usize] & HEX != 0)
        .count();
    if hex_len == run.len() && run.len() % 2 == 0 && run.iter().any(|b| b.is_ascii_alphabetic()) {
        let text: Vec<u8> = run
            .chunks_exact(2)
            .map(|p| (nibble(p[0]) << 4) | nibble(p[1]))
            .collect();
        push(start, end, Encoding::Hex, text);
        return;
    }
    // Base64: the run may be a token glued to other text (`key=...`); decode the longest
    // stretch of pure base64 characters, trimmed to a multiple of 4.
    let body = &run[..run.len().min(MAX_RUN)];
    let classes = body.iter().any(u8::is_ascii_uppercase) as u8
        + body.iter().any(u8::is_ascii_lowercase) as u8
        + body.iter().any(u8::is_ascii_digit) as u8;
    if classes < 3 {
        return;
    }
    let trimmed = body.iter().rposition(|&b| b != b'=').map_or(0, |p| p + 1);
    let core = &body[..trimmed];
    // Whole, then cut to a multiple of 4 (a token glued to text may not end on a quantum).
    let cut = &core[..core.len() - core.len() % 4];
    let decoded = [core, cut]
        .iter()
        .filter(|c| c.len() >= MIN_RUN)
        .find_map(|c| {
            STANDARD_NO_PAD
                .decode(c)
                .ok()
                .or_else(|| URL_SAFE_NO_PAD.decode(c).ok())
        });
    if let Some(text) = decoded {
        push(start, end, Encoding::Base64, text);
    }
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
fn mostly_text(text: &[u8]) -> bool {
    if text.len() < 12 {
        return false;
    }
    let printable = text
        .iter()
        .filter(|&&b| (0x20..0x7f).contains(&b) || b == b'\n' || b == b'\r' || b == b'\t')
        .count();
    printable * 10 >= text.len() * 9
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

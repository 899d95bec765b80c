//! Byte offsets to 1-based lines and columns, computed only for findings, and the code frame
//! around a finding. Columns count Unicode code points (SARIF `unicodeCodePoints`); invalid
//! UTF-8 counts one column per byte that does not continue a sequence.

use crate::finding::Frame;

/// Turns offsets into positions. Offsets asked in ascending order cost one pass over the
/// haystack in total; an earlier offset restarts from the beginning.
pub struct LineIndex<'a> {
    hay: &'a [u8],
    /// Last offset asked, its line number, and the start of that line.
    at: usize,
    line: usize,
    line_start: usize,
}

impl<'a> LineIndex<'a> {
    pub fn new(hay: &'a [u8]) -> Self {
        LineIndex {
            hay,
            at: 0,
            line: 1,
            line_start: 0,
        }
    }

    pub fn position(&mut self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.hay.len());
        if offset < self.at {
            *self = LineIndex::new(self.hay);
        }
        for nl in memchr::memchr_iter(b'\n', &self.hay[self.at..offset]) {
            self.line += 1;
            self.line_start = self.at + nl + 1;
        }
        self.at = offset;
        (self.line, chars(&self.hay[self.line_start..offset]) + 1)
    }
}

fn chars(b: &[u8]) -> usize {
    b.iter().filter(|&&c| (c as i8) >= -0x40).count()
}

/// Characters of context shown on each side of the secret in a code frame.
const FRAME_CONTEXT: usize = 60;

/// The line holding `start`, with `start..end` replaced by `shown` and cut to a readable
/// window around it (minified bundles have multi-megabyte lines).
/// `others` are the spans of every secret found in the haystack (sorted); any of them inside
/// the frame is redacted too, so a frame never prints a secret another finding hides.
pub fn frame(
    hay: &[u8],
    start: usize,
    end: usize,
    shown: &str,
    others: &[(usize, usize)],
    reveal: bool,
) -> Frame {
    let line_start = memchr::memrchr(b'\n', &hay[..start]).map_or(0, |i| i + 1);
    let line_end = memchr::memchr(b'\n', &hay[end..]).map_or(hay.len(), |i| end + i);
    let from = back_chars(hay, line_start, start, FRAME_CONTEXT);
    let to = forward_chars(hay, end, line_end, FRAME_CONTEXT);
    let before = masked(hay, from, start, others, reveal);
    let after = masked(hay, end, to, others, reveal);
    let shown = clean(shown.as_bytes());
    Frame {
        start: before.chars().count(),
        len: shown.chars().count(),
        text: format!("{before}{shown}{after}"),
        cut_start: from > line_start,
        cut_end: to < line_end,
    }
}

/// `hay[a..b]` cleaned, with every secret span in it redacted (unless `reveal`).
fn masked(hay: &[u8], a: usize, b: usize, spans: &[(usize, usize)], reveal: bool) -> String {
    let mut out = String::new();
    let mut at = a;
    if !reveal {
        for &(s, e) in spans.iter().filter(|&&(s, e)| s < b && e > a) {
            let (s, e) = (s.max(at), e.min(b));
            if s < at {
                continue;
            }
            out.push_str(&clean(&hay[at..s]));
            out.push_str(&crate::finding::redact(&String::from_utf8_lossy(
                &hay[s..e],
            )));
            at = e;
        }
    }
    out.push_str(&clean(&hay[at..b]));
    out
}

fn back_chars(hay: &[u8], floor: usize, mut i: usize, n: usize) -> usize {
    let mut seen = 0;
    while i > floor && seen < n {
        i -= 1;
        if (hay[i] as i8) >= -0x40 {
            seen += 1;
        }
    }
    i
}

fn forward_chars(hay: &[u8], mut i: usize, ceil: usize, n: usize) -> usize {
    let mut seen = 0;
    while i < ceil && (seen < n || (hay[i] as i8) < -0x40) {
        if (hay[i] as i8) >= -0x40 {
            seen += 1;
        }
        i += 1;
    }
    i
}

/// Lossy UTF-8 with tabs as spaces and other control characters made visible, so a frame
/// never moves the terminal cursor.
fn clean(b: &[u8]) -> String {
    String::from_utf8_lossy(b)
        .chars()
        .map(|c| match c {
            '\t' => ' ',
            '\r' => ' ',
            c if c.is_control() => '\u{FFFD}',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_count_code_points() {
        let hay = "ab\nçd=X\n\nZ".as_bytes();
        let mut idx = LineIndex::new(hay);
        let x = hay.iter().position(|&b| b == b'X').unwrap();
        let z = hay.iter().position(|&b| b == b'Z').unwrap();
        assert_eq!(idx.position(0), (1, 1));
        assert_eq!(idx.position(x), (2, 4));
        assert_eq!(idx.position(z), (4, 1));
        assert_eq!(idx.position(1), (1, 2), "going back restarts");
    }

    #[test]
    fn frames_are_cut_around_the_secret() {
        let line = format!("{}KEY{}", "a".repeat(500), "b".repeat(500));
        let s = line.find("KEY").unwrap();
        let f = frame(line.as_bytes(), s, s + 3, "K**", &[], false);
        assert!(f.cut_start && f.cut_end);
        assert_eq!(f.text.chars().count(), 2 * FRAME_CONTEXT + 3);
        assert_eq!(&f.text[f.start..f.start + f.len], "K**");
    }

    #[test]
    fn other_secrets_in_a_frame_are_redacted() {
        let line = b"a=SECRETONE b=SECRETTWO";
        let spans = [(2, 11), (14, 23)];
        let f = frame(line, 2, 11, "SEC****", &spans, false);
        assert_eq!(f.text, "a=SEC**** b=SE****");
        let f = frame(line, 2, 11, "SECRETONE", &spans, true);
        assert_eq!(f.text, "a=SECRETONE b=SECRETTWO");
    }
}

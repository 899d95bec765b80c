//! What a provider's words may carry into a report. Every detail built from a response passes
//! through [`clip`] (or, when it is not cut, [`scrub`] and [`escape_controls`]), in this order:
//! the secret is scrubbed from the whole text first (as written, percent-encoded, base64 in
//! both alphabets, in any letter case), then the text is cut, then a fragment of the secret left
//! at the cut is scrubbed, then control characters are escaped. Scrubbing before cutting is the
//! point: a cut can split an echoed key so that no whole form of it is left to find.

use base64::Engine as _;

pub use crate::report::escape_controls;

/// What replaces the secret.
const MARK: &str = "[secret]";

/// The shortest base64 run scrubbed: shorter runs of a short secret would match ordinary words.
const MIN_FORM: usize = 8;

/// The shortest fragment of the secret scrubbed at the end of a cut text.
const MIN_FRAGMENT: usize = 6;

/// Replaces every occurrence of the secret in `text`: as written or percent-encoded (each byte
/// either way, hex digits in either case), and its base64 in the standard and URL-safe
/// alphabets at each of the three byte alignments (so that the secret is found inside a longer
/// encoded value such as `user:secret`), with or without padding; all ASCII case-insensitively.
pub fn scrub(text: &str, secret: &str) -> String {
    let forms = forms(secret);
    if forms.is_empty() {
        return text.to_string();
    }
    let hay = text.as_bytes();
    let mut out = Vec::with_capacity(hay.len());
    let mut i = 0;
    while i < hay.len() {
        let hit = forms.iter().find_map(|f| match match_at(hay, i, f) {
            Match::Whole(end) => Some(end),
            Match::Cut(_) | Match::No => None,
        });
        match hit {
            Some(end) => {
                out.extend_from_slice(MARK.as_bytes());
                i = end;
            }
            None => {
                out.push(hay[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `text` made safe to print and cut to at most `max` characters (then `…`): scrubbed of the
/// secret whole, cut, scrubbed of a fragment at the cut, control characters escaped.
pub fn clip(text: &str, max: usize, secret: &str) -> String {
    let scrubbed = scrub(text, secret);
    if scrubbed.chars().count() <= max {
        return escape_controls(&scrubbed).into_owned();
    }
    let kept: String = scrubbed.chars().take(max).collect();
    let kept = scrub_cut_fragment(&kept, secret);
    escape_controls(&kept).into_owned() + "…"
}

/// Replaces a run at the end of `text` that begins a form of the secret and is at least
/// [`MIN_FRAGMENT`] bytes of it.
fn scrub_cut_fragment(text: &str, secret: &str) -> String {
    let hay = text.as_bytes();
    for start in 0..hay.len() {
        if !text.is_char_boundary(start) {
            continue;
        }
        let cut = forms(secret)
            .iter()
            .any(|f| matches!(match_at(hay, start, f), Match::Cut(n) if n >= MIN_FRAGMENT));
        if cut {
            return format!("{}{MARK}", &text[..start]);
        }
    }
    text.to_string()
}

/// The byte strings looked for: the secret itself, then the stable middle of its base64 at
/// each alignment, standard and URL-safe. Longest first, so that a longer form wins.
fn forms(secret: &str) -> Vec<Vec<u8>> {
    if secret.is_empty() {
        return Vec::new();
    }
    let mut out = vec![secret.as_bytes().to_vec()];
    for align in 0..3 {
        let mut bytes = vec![0u8; align];
        bytes.extend_from_slice(secret.as_bytes());
        let encoded = base64::engine::general_purpose::STANDARD_NO_PAD.encode(&bytes);
        // Characters that depend only on the secret's bytes: the first ones also carry bits of
        // the bytes before it, the last one may carry bits of the bytes after it.
        let first = (8 * align).div_ceil(6);
        let last = (8 * (align + secret.len())) / 6;
        if last <= first || last - first < MIN_FORM {
            continue;
        }
        let core = &encoded.as_bytes()[first..last];
        let url_safe: Vec<u8> = core
            .iter()
            .map(|&b| match b {
                b'+' => b'-',
                b'/' => b'_',
                b => b,
            })
            .collect();
        out.push(core.to_vec());
        out.push(url_safe);
    }
    out.sort_by_key(|f| std::cmp::Reverse(f.len()));
    out.dedup();
    out
}

/// How `form` lies at `hay[at..]`.
enum Match {
    /// Whole, ending at this index.
    Whole(usize),
    /// The text ends after this many bytes of the form matched.
    Cut(usize),
    No,
}

/// Whether `form` starts at `hay[at]`: each byte as itself (ASCII case-insensitively) or as
/// `%HH`.
fn match_at(hay: &[u8], at: usize, form: &[u8]) -> Match {
    let mut i = at;
    for (n, &want) in form.iter().enumerate() {
        if i >= hay.len() {
            return Match::Cut(n);
        }
        if hay[i].eq_ignore_ascii_case(&want) {
            i += 1;
        } else if hay[i] == b'%' {
            match hay.get(i + 1..i + 3) {
                Some(hex) if hex_value(hex) == Some(want) => i += 3,
                // The text ends inside the escape.
                None => return Match::Cut(n),
                Some(_) => return Match::No,
            }
        } else {
            return Match::No;
        }
    }
    Match::Whole(i)
}

fn hex_value(hex: &[u8]) -> Option<u8> {
    let text = std::str::from_utf8(hex).ok()?;
    u8::from_str_radix(text, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "sk-7e1d9c3b5a2f4e6d8c0b1a3f5e7d9c2b";

    fn b64(s: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(s)
    }

    fn b64_url(s: &str) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
    }

    #[test]
    fn every_form_of_the_secret_is_scrubbed() {
        let tg = "7493021856:AAHq3vX8bN2mK7pL4wR9sY1cF6hJ0dG5aZ8?+/";
        // (secret, text holding it, a piece of the secret that must not survive)
        let cases: Vec<(&str, String, String)> = vec![
            (SECRET, format!("key {SECRET} refused"), SECRET[3..].into()),
            (
                SECRET,
                format!("key {} refused", SECRET.to_uppercase()),
                SECRET[3..].to_uppercase(),
            ),
            (
                tg,
                format!("url=/bot{}/x", tg.replace(':', "%3a")),
                "AAHq3vX8".into(),
            ),
            (
                tg,
                format!("url=/bot{}/x", super::super::spec::percent_encode(tg)),
                "AAHq3vX8".into(),
            ),
            (
                SECRET,
                format!("token={}", b64(SECRET)),
                b64(SECRET)[4..30].into(),
            ),
            (
                tg,
                format!("token={}", b64_url(tg)),
                b64_url(tg)[4..30].into(),
            ),
            (
                SECRET,
                format!("basic {}", b64(&format!("user:{SECRET}"))),
                b64(&format!("user:{SECRET}"))[12..40].into(),
            ),
            (
                SECRET,
                format!("basic {}", b64(&format!("ab:{SECRET}"))),
                b64(&format!("ab:{SECRET}"))[12..40].into(),
            ),
            (
                SECRET,
                format!("basic {}", b64(&format!("abc:{SECRET}")).to_lowercase()),
                b64(&format!("abc:{SECRET}"))[12..40].to_lowercase(),
            ),
        ];
        for (secret, text, piece) in cases {
            let s = scrub(&text, secret);
            assert!(!s.contains(&piece), "{text} -> {s}");
            assert!(s.contains(MARK), "{text} -> {s}");
        }
        assert_eq!(scrub("nothing here", SECRET), "nothing here");
    }

    /// Regression: a detail cut at 200 characters kept the first 13 characters of an echoed
    /// key, since the cut came before the scrub and no whole key was left to find.
    #[test]
    fn a_cut_keeps_no_part_of_the_secret() {
        for pad in 160..200 {
            let text = format!("{}{SECRET}{}", "x".repeat(pad), ", more".repeat(10));
            let out = clip(&text, 200, SECRET);
            assert!(!out.contains(&SECRET[..6]), "pad {pad}: {out}");
            assert!(out.ends_with('…'), "{out}");
        }
        // A fragment that was already cut in the response is scrubbed at the cut too.
        let text = format!("{}{}", "y".repeat(190), &SECRET[..20]);
        let out = clip(&text, 200, SECRET);
        assert!(!out.contains(&SECRET[..10]), "{out}");
        // An ordinary long value is only cut.
        let out = clip(&"z".repeat(300), 200, SECRET);
        assert_eq!(out, format!("{}…", "z".repeat(200)));
    }

    #[test]
    fn control_characters_are_escaped_after_scrubbing() {
        let text = format!("team=\u{1b}]8;;https://evil\u{7}{SECRET}\r\n::error::x\u{9b}2J");
        let out = clip(&text, 200, SECRET);
        assert!(!out.chars().any(char::is_control), "{out:?}");
        assert!(!out.contains(&SECRET[3..]), "{out}");
        assert!(out.contains("\\u{1b}]8;;"), "{out}");
    }
}

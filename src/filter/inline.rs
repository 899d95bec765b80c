//! Inline allow markers: a comment next to a secret that says "this one is known". This file
//! owns which markers are recognised and where they count.
//!
//! A marker counts on the line above the finding, on the finding's first line and on its last
//! line, but never inside the secret itself: a "secret" that happens to contain
//! `keyhound:allow` must not allow itself.

use memchr::memmem;

use super::DropReason;
use crate::finding::Finding;

/// Markers that allow every rule. The foreign ones let a team switch tools without editing
/// code: gitleaks (`gitleaks:allow`) and detect-secrets (`pragma: allowlist secret`, and its
/// `nextline` form, which the line-above rule already covers).
const ALLOW_ALL: &[&str] = &[
    "gitleaks:allow",
    "pragma: allowlist secret",
    "pragma: allowlist nextline secret",
];

const KEYHOUND: &str = "keyhound:allow";

/// Why `f` is allowed by a marker in `data` (the bytes of its file), if it is.
pub fn inline_marker(f: &Finding, data: &[u8]) -> Option<DropReason> {
    let (start, end) = (f.span.0.min(data.len()), f.span.1.min(data.len()));
    let line_start = line_start(data, start);
    // Start of the line above, or of the finding's line on the first line of the file.
    let above_start = if line_start == 0 {
        0
    } else {
        self::line_start(data, line_start - 1)
    };
    let line_end = memchr::memchr(b'\n', &data[end..]).map_or(data.len(), |i| end + i);
    let before = &data[above_start..start];
    let after = &data[end..line_end];
    // Which line a marker at offset `at` of `before` sits on.
    let before_line = |at: usize| {
        if above_start + at < line_start {
            f.line.saturating_sub(1)
        } else {
            f.line
        }
    };
    if let Some((marker, at)) = find_marker(before, &f.rule) {
        return Some(DropReason::InlineMarker {
            marker,
            line: before_line(at),
        });
    }
    find_marker(after, &f.rule).map(|(marker, _)| DropReason::InlineMarker {
        marker,
        line: f.end_line,
    })
}

/// Whether `data` holds any marker at all. Checked once per file with findings, so that the
/// per-finding search (which reads the line above, possibly a long minified one) runs only
/// in the rare files that have markers.
pub fn any_marker(data: &[u8]) -> bool {
    ALLOW_ALL
        .iter()
        .chain(std::iter::once(&KEYHOUND))
        .any(|m| memmem::find(data, m.as_bytes()).is_some())
}

/// The first marker in `hay` that allows `rule`, as written, and its offset.
fn find_marker(hay: &[u8], rule: &str) -> Option<(String, usize)> {
    let mut best: Option<(String, usize)> = None;
    let mut consider = |m: String, at: usize| {
        if best.as_ref().is_none_or(|(_, b)| at < *b) {
            best = Some((m, at));
        }
    };
    for m in ALLOW_ALL {
        if let Some(at) = memmem::find(hay, m.as_bytes()) {
            consider((*m).to_string(), at);
        }
    }
    for at in memmem::find_iter(hay, KEYHOUND.as_bytes()) {
        let rest = &hay[at + KEYHOUND.len()..];
        match scoped_rules(rest) {
            // `keyhound:allow(a, b)`: only the rules listed.
            Some((ids, len)) => {
                if ids.split(',').any(|id| id.trim() == rule) {
                    let written = String::from_utf8_lossy(&hay[at..at + KEYHOUND.len() + len]);
                    consider(written.into_owned(), at);
                    break;
                }
            }
            None => {
                consider(KEYHOUND.to_string(), at);
                break;
            }
        }
    }
    best
}

/// `(ids)` right after `keyhound:allow`: the text inside and the length with the parentheses.
fn scoped_rules(rest: &[u8]) -> Option<(&str, usize)> {
    let inner = rest.strip_prefix(b"(")?;
    let close = memchr::memchr(b')', inner)?;
    let ids = std::str::from_utf8(&inner[..close]).ok()?;
    Some((ids, close + 2))
}

/// Start of the line that holds `offset`.
fn line_start(data: &[u8], offset: usize) -> usize {
    memchr::memrchr(b'\n', &data[..offset]).map_or(0, |i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(data: &str, secret: &str, rule: &str) -> Finding {
        let start = data.find(secret).expect("the secret is in the data");
        let line = data[..start].matches('\n').count() + 1;
        Finding::for_test(
            rule,
            (start, start + secret.len()),
            line,
            secret,
            crate::rules::Confidence::High,
        )
    }

    #[test]
    fn markers_on_the_line_and_above() {
        const S: &str = "SECRETVALUE";
        // (file text, rule, the marker expected to allow it and its line, or None)
        type Case = (&'static str, &'static str, Option<(&'static str, usize)>);
        let cases: &[Case] = &[
            (
                "k = SECRETVALUE # keyhound:allow\n",
                "a.b",
                Some(("keyhound:allow", 1)),
            ),
            (
                "# keyhound:allow\nk = SECRETVALUE\n",
                "a.b",
                Some(("keyhound:allow", 1)),
            ),
            (
                "x\n# gitleaks:allow\nk = SECRETVALUE\n",
                "a.b",
                Some(("gitleaks:allow", 2)),
            ),
            (
                "k = SECRETVALUE # pragma: allowlist secret",
                "a.b",
                Some(("pragma: allowlist secret", 1)),
            ),
            (
                "k = SECRETVALUE // keyhound:allow(a.b)",
                "a.b",
                Some(("keyhound:allow(a.b)", 1)),
            ),
            (
                "k = SECRETVALUE // keyhound:allow(c.d, a.b)",
                "a.b",
                Some(("keyhound:allow(c.d, a.b)", 1)),
            ),
            ("k = SECRETVALUE // keyhound:allow(c.d)", "a.b", None),
            ("# keyhound:allow\n\nk = SECRETVALUE\n", "a.b", None),
            ("k = SECRETVALUE\n# keyhound:allow\n", "a.b", None),
            ("k = SECRETVALUE # keyhound: allow\n", "a.b", None),
        ];
        for (text, rule, want) in cases {
            let f = finding(text, S, rule);
            let got = inline_marker(&f, text.as_bytes());
            let want = want.map(|(m, line)| DropReason::InlineMarker {
                marker: m.to_string(),
                line,
            });
            assert_eq!(got, want, "{text:?}");
        }
    }

    #[test]
    fn a_marker_inside_the_secret_does_not_count() {
        let text = "k = abc-keyhound:allow-def\n";
        let f = finding(text, "abc-keyhound:allow-def", "a.b");
        assert_eq!(inline_marker(&f, text.as_bytes()), None);
    }
}

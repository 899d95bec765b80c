//! The checks a regex match passes before it is a finding: token boundaries, Shannon entropy,
//! the mix of character classes, and the placeholder filter that keeps documentation values
//! (`sk-xxxx…`, `your-api-key`, `${OPENAI_API_KEY}`) out of the report.

/// Bytes that can continue a key-like token.
pub const fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'+' | b'/' | b'=' | b'.')
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// True when the secret at `start..end` is not glued to letters, digits or `_` on either
/// side. An escape sequence just before it (`\n`, `\t`, `\r` in JSON or source-map strings,
/// `%3D` or `%22` in URLs) counts as a boundary.
pub fn at_boundary(hay: &[u8], start: usize, end: usize) -> bool {
    let before_ok = start == 0 || !is_word(hay[start - 1]) || escaped_before(hay, start);
    let after_ok = end >= hay.len() || !is_word(hay[end]);
    before_ok && after_ok
}

fn escaped_before(hay: &[u8], start: usize) -> bool {
    let b = &hay[..start];
    let n = b.len();
    if n >= 2 && b[n - 2] == b'\\' && matches!(b[n - 1], b'n' | b't' | b'r') {
        return true;
    }
    n >= 3 && b[n - 3] == b'%' && b[n - 2].is_ascii_hexdigit() && b[n - 1].is_ascii_hexdigit()
}

/// Shannon entropy in bits per byte.
pub fn shannon_entropy(s: &[u8]) -> f64 {
    if s.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in s {
        counts[b as usize] += 1;
    }
    let n = s.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

/// How many of lowercase letters, uppercase letters and digits appear.
pub fn char_classes(s: &[u8]) -> u8 {
    let lower = s.iter().any(u8::is_ascii_lowercase) as u8;
    let upper = s.iter().any(u8::is_ascii_uppercase) as u8;
    let digit = s.iter().any(u8::is_ascii_digit) as u8;
    lower + upper + digit
}

/// Words that mark a value as written for documentation, not issued by a provider.
const PLACEHOLDER_WORDS: &[&str] = &[
    "xxxx",
    "your_api",
    "your-api",
    "yourapi",
    "your_key",
    "your-key",
    "yourkey",
    "your_token",
    "your-token",
    "your_secret",
    "your-secret",
    "placeholder",
    "example",
    "changeme",
    "change_me",
    "replace_me",
    "replaceme",
    "insert_",
    "redacted",
    "dummy",
    "<",
    "${",
    "{{",
    "process.env",
    "os.getenv",
    "os.environ",
    "env::var",
    "getenv(",
    "****",
    "...",
    "\u{2026}",
];

/// True for values that are obviously not real keys: template and environment references,
/// placeholder words, long runs of one character, and long ascending or descending runs.
pub fn is_placeholder(secret: &[u8]) -> bool {
    let lower = secret.to_ascii_lowercase();
    if PLACEHOLDER_WORDS
        .iter()
        .any(|w| memchr::memmem::find(&lower, w.as_bytes()).is_some())
    {
        return true;
    }
    // Long secrets (private key blocks, long tokens) carry runs by chance and by format: the
    // base64 of binary headers is full of `AAAA`. Runs only mark short values as made up.
    let short = secret.len() <= 100;
    (short
        && (longest_run(&lower, |a, b| a == b) >= 6
            || longest_run(&lower, |a, b| b == a.wrapping_add(1)) >= 6
            || longest_run(&lower, |a, b| b.wrapping_add(1) == a) >= 6))
        || body_is_trivial(&lower)
}

/// The longest run of neighbours related by `rel`, counting only letters and digits.
fn longest_run(s: &[u8], rel: impl Fn(u8, u8) -> bool) -> usize {
    let mut best = 0;
    let mut run = 0;
    let mut prev: Option<u8> = None;
    for &b in s {
        if !b.is_ascii_alphanumeric() {
            prev = None;
            run = 0;
            continue;
        }
        run = match prev {
            Some(p) if rel(p, b) => run + 1,
            _ => 1,
        };
        best = best.max(run);
        prev = Some(b);
    }
    best
}

/// A key body (after its last `-` or `_`) made of at most 3 distinct characters.
fn body_is_trivial(s: &[u8]) -> bool {
    let body = s.rsplit(|&b| b == b'-' || b == b'_').next().unwrap_or(s);
    if body.len() < 8 {
        return false;
    }
    let mut seen = [false; 256];
    let mut distinct = 0;
    for &b in body {
        if !seen[b as usize] {
            seen[b as usize] = true;
            distinct += 1;
        }
    }
    distinct <= 3
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders() {
        let yes = [
            "sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "sk-00000000000000000000000000000000",
            "sk-0123456789abcdef0123456789abcdef",
            "sk-your-api-key-here",
            "${DEEPSEEK_API_KEY}",
            "<your key>",
            "sk-****abcd",
            "sk-abababababababababababababababab",
            "sk-fedcba9876543210fedcba9876543210",
            "sk-...abcd",
        ];
        let no = [
            "sk-4f1a9c2e7b3d8e6f0a5c1b9d2e7f3a8c",
            "gsk_8Hq2vL5nR9tX3wZ7bK1mP4cJ6fD0sG2yA5eU8iO3",
            "hf_QpLmZk8sR2vT6wX9yB3nC5dF7gH1jK4aE0",
        ];
        for s in yes {
            assert!(is_placeholder(s.as_bytes()), "{s} should be a placeholder");
        }
        for s in no {
            assert!(
                !is_placeholder(s.as_bytes()),
                "{s} should not be a placeholder"
            );
        }
    }

    #[test]
    fn boundaries() {
        let cases: &[(&str, usize, usize, bool)] = &[
            ("sk-abc", 0, 6, true),
            ("task-abc", 2, 8, false),
            (" sk-abc ", 1, 7, true),
            ("sk-abcd", 0, 6, false),
            ("\\nsk-abc", 2, 8, true),
            ("%3Dsk-abc", 3, 9, true),
            ("=sk-abc\"", 1, 7, true),
        ];
        for &(hay, s, e, want) in cases {
            assert_eq!(at_boundary(hay.as_bytes(), s, e), want, "{hay}");
        }
    }

    #[test]
    fn entropy_and_classes() {
        assert_eq!(shannon_entropy(b""), 0.0);
        assert_eq!(shannon_entropy(b"aaaa"), 0.0);
        assert!((shannon_entropy(b"abcd") - 2.0).abs() < 1e-9);
        assert_eq!(char_classes(b"abc"), 1);
        assert_eq!(char_classes(b"aB3"), 3);
    }
}

//! Structural checks a rule can ask for with `checks = [...]`: facts about a key's format that a
//! regex cannot express. A match that fails one is not reported: a GitHub token whose checksum
//! does not add up was never issued by GitHub, and a "JWT" that does not decode is no token.

use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use serde::{Deserialize, Serialize};

/// The named checks of the rule format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Check {
    /// GitHub's and npm's token format: after the prefix (up to the last `_`), 30 or more
    /// random base62 characters, then 6 base62 characters of the CRC32 of those characters.
    Base62Crc32,
    /// A JSON Web Token: header and payload decode (base64url) to JSON objects, and the
    /// header names an `alg`.
    Jwt,
    /// A PEM block: the END label matches the BEGIN label.
    PemFraming,
    /// A value assigned to a secret-like name looks machine-generated: long enough, mixes
    /// letters and digits, high entropy, and is not an identifier, dotted or `::` path, file
    /// path, URL, call, reference or number. For the generic (provider-less) detector.
    RandomValue,
    /// A password someone chose or generated, not a stand-in: 6 to 128 printable characters
    /// that are not a template or variable reference (`${DB_PASS}`, `{{ .Values.pw }}`,
    /// `<password>`, `%s`, `$(cat f)`), a masked value (`****`), a word from documentation
    /// (password, changeme, secret, example, your..., test, admin, root, ...), one word with a
    /// few digits after it (`hunter2`), a short number, or a code expression.
    Password,
}

impl Check {
    pub fn passes(self, secret: &[u8]) -> bool {
        match self {
            Check::Base62Crc32 => base62_crc32(secret),
            Check::Jwt => jwt(secret),
            Check::PemFraming => pem(secret),
            Check::RandomValue => random_value(secret),
            Check::Password => password(secret),
        }
    }
}

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// CRC32 of `body`, as 6 base62 digits, zero-padded on the left.
pub fn base62_checksum(body: &[u8]) -> [u8; 6] {
    let mut n = crc32fast::hash(body) as u64;
    let mut out = [b'0'; 6];
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    out
}

fn base62_crc32(secret: &[u8]) -> bool {
    let start = secret.iter().rposition(|&b| b == b'_').map_or(0, |i| i + 1);
    let token = &secret[start..];
    if token.len() < 36 {
        return false;
    }
    let (body, sum) = token.split_at(token.len() - 6);
    base62_checksum(body) == sum
}

fn jwt(secret: &[u8]) -> bool {
    let mut parts = secret.split(|&b| b == b'.');
    let (Some(header), Some(payload)) = (parts.next(), parts.next()) else {
        return false;
    };
    let object = |part: &[u8]| -> Option<serde_json::Map<String, serde_json::Value>> {
        let bytes = URL_SAFE_NO_PAD
            .decode(part)
            .or_else(|_| STANDARD_NO_PAD.decode(part))
            .ok()?;
        serde_json::from_slice(&bytes).ok()
    };
    match (object(header), object(payload)) {
        (Some(h), Some(_)) => h.get("alg").is_some_and(|a| a.is_string()),
        _ => false,
    }
}

fn random_value(v: &[u8]) -> bool {
    if !(12..=200).contains(&v.len()) || !v[0].is_ascii_alphanumeric() {
        return false;
    }
    let letters = v.iter().filter(|b| b.is_ascii_alphabetic()).count();
    let digits = v.iter().filter(|b| b.is_ascii_digit()).count();
    if letters == 0 || digits == 0 {
        // Identifiers, words and numbers.
        return false;
    }
    let s = String::from_utf8_lossy(v);
    // Code, not values: references, optional chaining, paths, calls, URLs.
    if ["://", ":", "..", "->", "??", "$", "(", "this.", "self."]
        .iter()
        .any(|m| s.contains(m))
    {
        return false;
    }
    if is_number_literal(&s) || is_uuid(v) {
        return false;
    }
    // Base64 of text is an encoded value; the engine decodes it and judges what it holds.
    if v.len() % 4 == 0 && base64_of_text(v) {
        return false;
    }
    let version = s
        .trim_start_matches(['v', 'V'])
        .split('.')
        .take(2)
        .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    if version && s.contains('.') {
        return false;
    }
    // `config.db.password2`, `settings.API_KEY_V2`: dotted identifiers are code, not values.
    if dotted_identifier(&s) {
        return false;
    }
    if is_identifier(&s) && looks_like_identifier(v) {
        return false;
    }
    // A path: slashes between word-like parts, with few digits.
    if s.contains('/')
        && s.split('/').filter(|p| !p.is_empty()).all(|p| p.len() < 24)
        && digits * 5 < v.len()
    {
        return false;
    }
    // snake_case or kebab-case words with a version digit: `get_token_v2`, `api-key-2`.
    let separated = v.iter().filter(|b| matches!(b, b'_' | b'-')).count();
    if separated >= 2 && digits <= 2 {
        return false;
    }
    let entropy = crate::detect::shannon_entropy(v);
    let needed = if v.len() >= 20 { 3.5 } else { 3.2 };
    entropy >= needed
}

/// Words that make a password documentation, a default or a test value wherever they occur in
/// it (compared in lower case).
const STAND_IN_PASSWORD_WORDS: &[&str] = &[
    "pass",
    "p4ss",
    "pwd",
    "passwd",
    "secret",
    "s3cr3t",
    "changeme",
    "change_me",
    "change-me",
    "abc123",
    "example",
    "sample",
    "dummy",
    "test",
    "admin",
    "root",
    "guest",
    "demo",
    "default",
    "qwerty",
    "letmein",
    "xxx",
    "***",
    "...",
    "your",
    "placeholder",
    "redacted",
    "hidden",
    "masked",
    "removed",
    "notreal",
    "not_real",
    "fake",
    "foobar",
    "foo",
    "bar",
    "baz",
    "postgres",
    "mysql",
    "mongo",
    "redis",
    "rabbit",
    "hunter2",
    "welcome",
    "123456",
    "todo",
    "fixme",
    "replace",
    "insert",
    "enter",
    "putyour",
    "mypass",
    "none",
    "null",
    "undefined",
    "empty",
    "blank",
    "unset",
    "1234",
];

fn password(v: &[u8]) -> bool {
    if !(6..=128).contains(&v.len()) || v.iter().any(|b| !(0x21..0x7f).contains(b)) {
        return false;
    }
    let s = std::str::from_utf8(v).unwrap_or("");
    let lower = s.to_ascii_lowercase();
    if STAND_IN_PASSWORD_WORDS.iter().any(|w| lower.contains(w)) {
        return false;
    }
    // References and templates: shell, Compose, Helm/Jinja/Go, ERB, Spring, MSBuild, printf.
    let first = v[0];
    if matches!(
        first,
        b'$' | b'<' | b'%' | b'{' | b'[' | b'@' | b'#' | b'&' | b'*' | b'!'
    ) || s.starts_with("ENC(")
        || s.starts_with("ENC[")
        || [
            "${", "{{", "}}", "$(", "%(", "%s", "#{", "<%", "%>", "(", ")",
        ]
        .iter()
        .any(|m| s.contains(m))
    {
        return false;
    }
    // The same character over and over, and runs like `abcdef` or `123456`.
    if crate::detect::is_placeholder(v) {
        return false;
    }
    let letters = v.iter().filter(|b| b.is_ascii_alphabetic()).count();
    let digits = v.iter().filter(|b| b.is_ascii_digit()).count();
    let others = v.len() - letters - digits;
    // A number (a port, a PIN-like default), or one word with up to four digits after it.
    if letters == 0 && others == 0 && v.len() <= 8 {
        return false;
    }
    let word = v.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    let tail = &v[word..];
    let word_digits = word <= 12 && tail.len() <= 4 && tail.iter().all(u8::is_ascii_digit);
    if others == 0 && word_digits {
        return false;
    }
    // Identifiers and words: `hashed_with_bcrypt`, `not-set`, `readOnly`; a long run of
    // letters alone can be a passphrase.
    let separators = v.iter().filter(|b| matches!(b, b'_' | b'-' | b'.')).count();
    if digits == 0 && letters + separators == v.len() && (separators > 0 || v.len() < 20) {
        return false;
    }
    // Base64 of text is an encoded value (a Kubernetes Secret's `data`, Docker's `auth`):
    // the engine decodes such spans and judges what they hold.
    if v.len() >= 8 && v.len() % 4 == 0 && base64_of_text(v) {
        return false;
    }
    // Code: dotted identifiers (`config.db.password`).
    if dotted_identifier(s) {
        return false;
    }
    // UPPER_SNAKE names are variable names, not passwords.
    if v.iter()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_')
        && v.contains(&b'_')
    {
        return false;
    }
    crate::detect::char_classes(v) >= 2 || v.len() >= 12
}

/// A name in code: a letter or `_`, then letters, digits and `_`.
fn is_identifier(p: &str) -> bool {
    p.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Identifiers joined by dots (`config.db.password`): a path in code.
fn dotted_identifier(s: &str) -> bool {
    s.contains('.') && s.split('.').all(is_identifier)
}

/// Whether `v` is padded base64 of printable ASCII text.
fn base64_of_text(v: &[u8]) -> bool {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(v)
        .is_ok_and(|d| !d.is_empty() && d.iter().all(|b| (0x20..0x7f).contains(b)))
}

/// `1048576u32`, `0x8004170B_u32`, `-2145386458i32`, `0xdeadbeef`.
fn is_number_literal(s: &str) -> bool {
    let t = s.trim_start_matches('-');
    let t = [
        "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize",
        "f32", "f64", "ul", "ull", "l",
    ]
    .iter()
    .find_map(|suf| t.strip_suffix(suf))
    .unwrap_or(t)
    .trim_end_matches('_');
    let t = t.replace('_', "");
    match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(hex) => !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()),
        None => !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()),
    }
}

fn is_uuid(v: &[u8]) -> bool {
    v.len() == 36
        && v.iter().enumerate().all(|(i, b)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                *b == b'-'
            } else {
                b.is_ascii_hexdigit()
            }
        })
}

/// An identifier made of words: UPPER_SNAKE constants, or camel case where words (`Xml`,
/// `String`, `token`) cover 70% of it or more (`XmlStringMaxLen256`). Random base62 keys do
/// so about 2% of the time at 16 characters, less when longer.
fn looks_like_identifier(v: &[u8]) -> bool {
    if !v.iter().any(u8::is_ascii_lowercase)
        || (v.contains(&b'_') && !v.iter().any(u8::is_ascii_uppercase))
    {
        return true;
    }
    let mut covered = 0;
    let mut i = 0;
    while i < v.len() {
        let start = i;
        if v[i].is_ascii_uppercase() {
            i += 1;
        }
        let lower = v[i..].iter().take_while(|b| b.is_ascii_lowercase()).count();
        if lower >= 2 && (lower >= 3 || i > start) {
            covered += i - start + lower;
            i += lower;
        } else {
            i = start + 1;
        }
    }
    covered * 10 >= v.len() * 7
}

fn pem(secret: &[u8]) -> bool {
    let text = String::from_utf8_lossy(secret);
    let label = |marker: &str| -> Option<String> {
        let at = text.find(marker)? + marker.len();
        let end = text[at..].find("-----")? + at;
        Some(text[at..end].trim().to_string())
    };
    match (label("-----BEGIN "), label("-----END ")) {
        (Some(b), Some(e)) => b == e,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(prefix: &str, body: &str) -> String {
        let sum = base62_checksum(body.as_bytes());
        format!("{prefix}{body}{}", std::str::from_utf8(&sum).unwrap())
    }

    #[test]
    fn base62_crc32_accepts_good_and_refuses_changed_tokens() {
        let good = token("ghp_", "q8W2e4R6t1Y3u5I7o9P0aSdFgHjKlZ");
        assert!(Check::Base62Crc32.passes(good.as_bytes()));
        let mut bad = good.clone().into_bytes();
        bad[10] = if bad[10] == b'x' { b'y' } else { b'x' };
        assert!(!Check::Base62Crc32.passes(&bad));
        assert!(!Check::Base62Crc32.passes(b"ghp_short"));
    }

    #[test]
    fn jwt_needs_json_header_with_alg_and_json_payload() {
        let enc = |s: &str| URL_SAFE_NO_PAD.encode(s);
        let good = format!(
            "{}.{}.c2ln",
            enc(r#"{"alg":"HS256","typ":"JWT"}"#),
            enc(r#"{"sub":"42"}"#)
        );
        let no_alg = format!(
            "{}.{}.c2ln",
            enc(r#"{"typ":"JWT"}"#),
            enc(r#"{"sub":"42"}"#)
        );
        let not_json = format!("{}.{}.c2ln", enc("hello"), enc(r#"{"sub":"42"}"#));
        assert!(Check::Jwt.passes(good.as_bytes()));
        assert!(!Check::Jwt.passes(no_alg.as_bytes()));
        assert!(!Check::Jwt.passes(not_json.as_bytes()));
        assert!(!Check::Jwt.passes(b"eyJhbGciOi.x.y"));
    }

    #[test]
    fn random_values() {
        let yes = [
            "Zx9vQ2mL7pK4wR8t",
            "aB3dE5fG7hJ9kL1mN3pQ",
            "8f2b1c9d4e7a6b3c0d5e",
            "p4ssW0rd!Tr0ub4dor&3",
            "dGhpcyBpcyBub3QgYSByZWFsIGtleQ1",
            "9f86d081884c7d659a2feaa0c55ad015",
        ];
        let no = [
            "config.db.password2",
            "TokenType::Ident",
            "get_token_value_v2",
            "1.2.3-beta.4",
            "https://example.org/a1",
            "src/auth/token2.rs",
            "$DB_PASSWORD",
            "abcdefghijkl",
            "12345678901234",
            "aaaa1111aaaa1111",
            "D3DVSD_TOKENTYPE",
            "WIN32_ERROR_CODE",
            "exchangeRecaptchaV3Token",
            "SensitiveString2048",
            "0x8004170B_u32",
            "-2145386458i32",
            "getToken$2",
            "t.minPasswordLength??6",
            "abcd12f2-46da-4fdb-b8d5-fbd4c466928f",
            ":Aes256Gcm",
            "XmlStringMaxLen256",
            "0:this.onAuthRevoked_",
            "2016-09-08T21:47:36Z",
        ];
        for v in yes {
            assert!(Check::RandomValue.passes(v.as_bytes()), "{v} should pass");
        }
        for v in no {
            assert!(
                !Check::RandomValue.passes(v.as_bytes()),
                "{v} should not pass"
            );
        }
    }

    #[test]
    fn passwords_and_stand_ins() {
        let yes = [
            "Qm7vT2xkP9wLr4Zs",
            "w4Kp9zR2mQ7t",
            "Tr0ub4dor&3x",
            "correcthorsebatterystaple",
            "v8#kL!2pQz",
            "Zt6qN2wX8kLm4Rv9",
            "mY-d0g-Sp0t-1987",
        ];
        let no = [
            "password",
            "Password123",
            "changeme",
            "${DB_PASSWORD}",
            "$DB_PASSWORD",
            "{{ .Values.db.password }}",
            "<password>",
            "%s",
            "********",
            "hunter2",
            "secret123",
            "12345678",
            "abcdefgh",
            "xxxxxxxx",
            "config.db.password",
            "os.getenv(\"DB\")",
            "DB_PASSWORD",
            "mypassword1",
            "Welcome1!",
            "abc",
            "<redacted>",
            "REPLACE_WITH_PASSWORD",
            "$(cat /run/secrets/db)",
            "aaaaaa1111",
            "hashed_with_bcrypt",
            "!vault",
            "ENC(Zt6qN2wX8kLm4Rv9)",
            "readOnlyAccess",
            "Y2hhbmdlbWU=",
        ];
        for v in yes {
            assert!(Check::Password.passes(v.as_bytes()), "{v} should pass");
        }
        for v in no {
            assert!(!Check::Password.passes(v.as_bytes()), "{v} should not pass");
        }
    }

    #[test]
    fn pem_labels_must_match() {
        // Built here so that no PEM private key header sits in the source tree.
        let block = |begin: &str, end: &str| {
            format!("-----BEGIN {begin} PRIVATE KEY-----\nMIIB\n-----END {end} PRIVATE KEY-----")
        };
        assert!(Check::PemFraming.passes(block("RSA", "RSA").as_bytes()));
        assert!(!Check::PemFraming.passes(block("RSA", "EC").as_bytes()));
    }
}

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
}

impl Check {
    pub fn passes(self, secret: &[u8]) -> bool {
        match self {
            Check::Base62Crc32 => base62_crc32(secret),
            Check::Jwt => jwt(secret),
            Check::PemFraming => pem(secret),
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
    let (Some(header), Some(payload)) = (parts.next(), parts.next()) else { return false };
    let object = |part: &[u8]| -> Option<serde_json::Map<String, serde_json::Value>> {
        let bytes = URL_SAFE_NO_PAD.decode(part).or_else(|_| STANDARD_NO_PAD.decode(part)).ok()?;
        serde_json::from_slice(&bytes).ok()
    };
    match (object(header), object(payload)) {
        (Some(h), Some(_)) => h.get("alg").is_some_and(|a| a.is_string()),
        _ => false,
    }
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
        let good = format!("{}.{}.c2ln", enc(r#"{"alg":"HS256","typ":"JWT"}"#), enc(r#"{"sub":"42"}"#));
        let no_alg = format!("{}.{}.c2ln", enc(r#"{"typ":"JWT"}"#), enc(r#"{"sub":"42"}"#));
        let not_json = format!("{}.{}.c2ln", enc("hello"), enc(r#"{"sub":"42"}"#));
        assert!(Check::Jwt.passes(good.as_bytes()));
        assert!(!Check::Jwt.passes(no_alg.as_bytes()));
        assert!(!Check::Jwt.passes(not_json.as_bytes()));
        assert!(!Check::Jwt.passes(b"eyJhbGciOi.x.y"));
    }

    #[test]
    fn pem_labels_must_match() {
        assert!(Check::PemFraming.passes(b"-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----"));
        assert!(!Check::PemFraming.passes(b"-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END EC PRIVATE KEY-----"));
    }
}

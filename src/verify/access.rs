//! `verification.access`: what a live key can do (whose it is, its scopes, whether it is an
//! admin key, when it expires), read from the same answer that showed it live, as the rule's
//! `[rule.verify.access]` describes. No request is made for it.
//!
//! The contract: every text taken from the answer is scrubbed of the secret (in all its forms)
//! before it is cut, and has its control characters escaped (see [`text::clip`]); the number of
//! scopes and of detail values kept is bounded; an answer that is not what the rule expects
//! (not JSON, a missing header, a date that does not parse) gives fewer fields, never an error.

use std::collections::BTreeMap;

use serde_json::Value;

use super::http::Response;
use super::spec::{lookup, scalar, xml_element};
use super::text;
use crate::finding::Access;
use crate::rules::AccessSpec;

/// Longest identity or detail text kept.
const MAX_TEXT: usize = 200;
/// Longest scope kept.
const MAX_SCOPE: usize = 100;
/// Most scopes, and most values of one detail, kept.
const MAX_ITEMS: usize = 64;

/// What `spec` reads from a live answer; `None` when it finds nothing at all.
pub fn read(
    spec: &AccessSpec,
    resp: &Response,
    json: Option<&Value>,
    secret: &str,
) -> Option<Access> {
    let answer = Answer { resp, json };
    let identity = spec.identity.iter().find_map(|s| {
        let values = answer.values(s);
        let first = values.into_iter().find_map(|v| match v {
            Value::Null => None,
            v => Some(scalar(&v)),
        })?;
        let first = first.trim().to_string();
        (!first.is_empty()).then(|| text::clip(&first, MAX_TEXT, secret))
    });

    let mut scopes: Vec<String> = Vec::new();
    let mut scopes_seen = false;
    for s in &spec.scopes {
        let values = answer.values(s);
        if values.is_empty() {
            continue;
        }
        scopes_seen = true;
        let texts = values.into_iter().flat_map(|v| match v {
            Value::String(s) => vec![s],
            Value::Array(items) => items
                .into_iter()
                .filter_map(|i| i.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        });
        for text in texts {
            for scope in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                let scope = text::clip(scope, MAX_SCOPE, secret);
                if scopes.len() < MAX_ITEMS && !scopes.contains(&scope) {
                    scopes.push(scope);
                }
            }
        }
    }

    let matches = |patterns: &[String]| {
        scopes.iter().any(|s| {
            patterns.iter().any(|p| match p.strip_suffix('*') {
                Some(prefix) => s.starts_with(prefix),
                None => s == p,
            })
        })
    };
    let admin = if matches(&spec.admin_scopes) {
        Some(true)
    } else if let Some(flag) = admin_flag(&spec.admin_if, json) {
        Some(flag)
    } else if matches(&spec.opaque_scopes) {
        spec.admin
    } else if let Some(fixed) = spec.admin {
        Some(fixed)
    } else if scopes_seen && !spec.admin_scopes.is_empty() {
        Some(false)
    } else {
        None
    };

    let expires_at = spec
        .expires
        .iter()
        .flat_map(|s| answer.values(s))
        .find_map(|v| match v {
            Value::String(s) => rfc3339(&s),
            Value::Number(n) => n.as_i64().and_then(|t| {
                // Milliseconds, when the number is too large to be seconds of this millennium.
                let secs = if t > 100_000_000_000 { t / 1000 } else { t };
                format_utc(secs)
            }),
            _ => None,
        });

    let mut details = BTreeMap::new();
    for (name, source) in &spec.details {
        let many = source.contains("[]");
        let values: Vec<Value> = answer
            .values(source)
            .into_iter()
            .filter(|v| !v.is_null())
            .take(MAX_ITEMS)
            .map(|v| match v {
                Value::Bool(_) | Value::Number(_) => v,
                other => Value::String(text::clip(scalar(&other).trim(), MAX_TEXT, secret)),
            })
            .collect();
        let value = match (many, values.len()) {
            (_, 0) => continue,
            (false, 1) => values.into_iter().next().expect("one value"),
            _ => Value::Array(values),
        };
        details.insert(name.clone(), value);
    }

    let access = Access {
        identity,
        scopes,
        admin,
        expires_at,
        details,
    };
    (access != Access::default()).then_some(access)
}

/// What `admin_if` says: true when a field shows one of its values (a list means any of
/// them), false when a field is there with another value, `None` when no field is there.
fn admin_flag(conditions: &BTreeMap<String, Value>, json: Option<&Value>) -> Option<bool> {
    let json = json?;
    let mut seen = false;
    for (path, want) in conditions {
        for got in lookup(json, path).into_iter().filter(|v| !v.is_null()) {
            seen = true;
            let hit = match want {
                Value::Array(options) => options.contains(got),
                w => got == w,
            };
            if hit {
                return Some(true);
            }
        }
    }
    seen.then_some(false)
}

/// The answer a source is read from.
struct Answer<'a> {
    resp: &'a Response,
    json: Option<&'a Value>,
}

impl Answer<'_> {
    /// The values `source` names: none when the answer lacks them. Header and XML values are
    /// strings; a header sent several times gives each.
    fn values(&self, source: &str) -> Vec<Value> {
        let Some((kind, rest)) = source.split_once(':') else {
            return Vec::new();
        };
        let rest = rest.trim();
        match kind {
            "json" => self
                .json
                .map(|j| lookup(j, rest).into_iter().cloned().collect())
                .unwrap_or_default(),
            "header" => {
                let lower = rest.to_ascii_lowercase();
                self.resp
                    .headers
                    .iter()
                    .filter(|(k, _)| *k == lower)
                    .map(|(_, v)| Value::String(v.clone()))
                    .collect()
            }
            "xml" => {
                let body = String::from_utf8_lossy(&self.resp.body);
                xml_element(&body, rest)
                    .map(|v| vec![Value::String(v.trim().to_string())])
                    .unwrap_or_default()
            }
            "value" => vec![Value::String(rest.to_string())],
            _ => Vec::new(),
        }
    }
}

/// A provider's date as RFC 3339 in UTC (`2025-01-31T23:59:59Z`), or `None` when it is not a
/// date. Understood: RFC 3339 with `Z` or an offset and optional fractions (dropped), a bare
/// date (midnight UTC), and GitHub's `2025-01-31 23:59:59 UTC` or `... +0100`.
pub fn rfc3339(text: &str) -> Option<String> {
    let t = text.trim();
    let b = t.as_bytes();
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let s = t.get(range)?;
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())?
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let date_secs = days_from_civil(year, month, day) * 86_400;
    if b.len() == 10 {
        return format_utc(date_secs);
    }
    if !matches!(b[10], b'T' | b't' | b' ') || b.len() < 19 || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut rest = &t[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        rest = &frac[digits..];
    }
    let rest = rest.trim_start();
    let offset = match rest {
        "Z" | "z" | "UTC" | "GMT" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let digits: String = rest[1..].chars().filter(|c| *c != ':').collect();
            if digits.len() != 4 || !digits.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            let (h, m): (i64, i64) = (digits[..2].parse().ok()?, digits[2..].parse().ok()?);
            if h > 23 || m > 59 {
                return None;
            }
            sign * (h * 3600 + m * 60)
        }
    };
    format_utc(date_secs + hour * 3600 + minute * 60 + second.min(59) - offset)
}

/// Unix seconds as RFC 3339 in UTC; `None` outside the years 1970 to 9999.
fn format_utc(unix: i64) -> Option<String> {
    if !(0..253_402_300_800).contains(&unix) {
        return None;
    }
    let (year, month, day) = super::aws::civil_from_days(unix.div_euclid(86_400));
    let secs = unix.rem_euclid(86_400);
    Some(format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    ))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days-from-civil).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_dates_become_rfc3339_in_utc() {
        let cases = [
            ("2021-10-07 19:07:53 UTC", Some("2021-10-07T19:07:53Z")),
            ("2023-06-22 19:48:57 +0000", Some("2023-06-22T19:48:57Z")),
            ("2023-06-22 19:48:57 -0700", Some("2023-06-23T02:48:57Z")),
            ("2020-01-01T00:00:00Z", Some("2020-01-01T00:00:00Z")),
            (
                "2020-02-29T23:30:00.123+01:00",
                Some("2020-02-29T22:30:00Z"),
            ),
            ("2020-12-31", Some("2020-12-31T00:00:00Z")),
            ("  2000-03-01T00:00:00z ", Some("2000-03-01T00:00:00Z")),
            ("2020-13-01", None),
            ("2020-12-31T25:00:00Z", None),
            ("2020-12-31T10:00:00", None),
            ("2020-12-31T10:00:00+5", None),
            ("tomorrow", None),
            ("", None),
            ("2020-1é-01", None),
        ];
        for (input, want) in cases {
            assert_eq!(rfc3339(input).as_deref(), want, "{input:?}");
        }
        assert_eq!(format_utc(0).as_deref(), Some("1970-01-01T00:00:00Z"));
        assert_eq!(format_utc(-1), None);
    }

    fn spec(text: &str) -> AccessSpec {
        toml::from_str(text).expect("an access spec")
    }

    fn resp(body: &str, headers: &[(&str, &str)]) -> Response {
        Response {
            status: 200,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: body.as_bytes().to_vec(),
            truncated: false,
        }
    }

    fn access(spec: &AccessSpec, body: &str, headers: &[(&str, &str)]) -> Option<Access> {
        let r = resp(body, headers);
        let json: Option<Value> = serde_json::from_slice(&r.body).ok();
        read(spec, &r, json.as_ref(), "ghp_SECRETSECRETSECRET")
    }

    const GITHUB: &str = r#"
identity = ["json:login"]
scopes = ["header:X-OAuth-Scopes"]
admin_scopes = ["admin:org", "delete_repo", "site_admin"]
expires = ["header:github-authentication-token-expiration"]
"#;

    #[test]
    fn scopes_decide_admin_when_the_answer_has_them() {
        let s = spec(GITHUB);
        let classic = access(
            &s,
            r#"{"login":"octo"}"#,
            &[
                ("x-oauth-scopes", "repo, admin:org"),
                (
                    "github-authentication-token-expiration",
                    "2031-01-02 03:04:05 UTC",
                ),
            ],
        )
        .unwrap();
        assert_eq!(classic.identity.as_deref(), Some("octo"));
        assert_eq!(classic.scopes, ["repo", "admin:org"]);
        assert_eq!(classic.admin, Some(true));
        assert_eq!(classic.expires_at.as_deref(), Some("2031-01-02T03:04:05Z"));
        // Scopes sent, none of them admin: false. No scope header (fine-grained): unknown.
        let read_only = access(&s, r#"{"login":"octo"}"#, &[("x-oauth-scopes", "")]).unwrap();
        assert_eq!((read_only.admin, read_only.scopes.len()), (Some(false), 0));
        let fine = access(&s, r#"{"login":"octo"}"#, &[]).unwrap();
        assert_eq!(fine.admin, None);
        // Nothing found at all: no access.
        assert_eq!(access(&s, "not json", &[]), None);
    }

    #[test]
    fn opaque_scopes_leave_admin_unknown_and_prefixes_match() {
        let s = spec(
            r#"
scopes = ["json:auth.accessToken.role"]
admin_scopes = ["write", "admin.*"]
opaque_scopes = ["fineGrained"]
"#,
        );
        let role = |r: &str| {
            access(
                &s,
                &format!(r#"{{"auth":{{"accessToken":{{"role":"{r}"}}}}}}"#),
                &[],
            )
            .unwrap()
            .admin
        };
        assert_eq!(role("write"), Some(true));
        assert_eq!(role("read"), Some(false));
        assert_eq!(role("fineGrained"), None);
        assert_eq!(role("admin.users:write"), Some(true));
    }

    /// Providers that answer a flag (Linear's `viewer.admin`, monday.com's `is_admin`).
    #[test]
    fn admin_flags_decide_admin_unless_a_scope_says_more() {
        let s = spec(
            r#"
identity = ["json:data.viewer.email"]
admin_if = { "data.viewer.admin" = true, "data.viewer.role" = ["owner", "admin"] }
"#,
        );
        // (body, admin)
        let cases = [
            (r#"{"data":{"viewer":{"admin":true}}}"#, Some(true)),
            (r#"{"data":{"viewer":{"admin":false}}}"#, Some(false)),
            (
                r#"{"data":{"viewer":{"admin":false,"role":"owner"}}}"#,
                Some(true),
            ),
            (r#"{"data":{"viewer":{"role":"member"}}}"#, Some(false)),
            (
                r#"{"data":{"viewer":{"admin":null,"email":"a@b.c"}}}"#,
                None,
            ),
            ("not json", None),
        ];
        for (body, want) in cases {
            let admin = access(&s, body, &[]).and_then(|a| a.admin);
            assert_eq!(admin, want, "{body}");
        }
        let with_scope = spec(
            r#"
scopes = ["json:scopes"]
admin_scopes = ["admin"]
admin_if = { is_admin = true }
"#,
        );
        let a = access(&with_scope, r#"{"scopes":["admin"],"is_admin":false}"#, &[]).unwrap();
        assert_eq!(a.admin, Some(true));
    }

    #[test]
    fn details_keep_types_and_lists_and_constants() {
        let s = spec(
            r#"
details = { available = "json:is_available", currency = "json:balance_infos[].currency", balance = "json:balance_infos[].total_balance", mode = "value:live" }
"#,
        );
        let body = r#"{"is_available":true,"balance_infos":[{"currency":"CNY","total_balance":"3.20"},{"currency":"USD","total_balance":"0.00"}]}"#;
        let a = access(&s, body, &[]).unwrap();
        let want = serde_json::json!({
            "available": true,
            "currency": ["CNY", "USD"],
            "balance": ["3.20", "0.00"],
            "mode": "live",
        });
        assert_eq!(serde_json::to_value(&a.details).unwrap(), want);
        assert_eq!((a.identity, a.admin), (None, None));
    }

    #[test]
    fn provider_text_is_scrubbed_escaped_and_bounded() {
        let s = spec(
            r#"
identity = ["json:login"]
scopes = ["json:scopes[]"]
details = { team = "json:team" }
"#,
        );
        let secret = "ghp_SECRETSECRETSECRET";
        let scopes: Vec<String> = (0..500).map(|i| format!("s{i}")).collect();
        let body = serde_json::json!({
            "login": format!("{}{secret}", "x".repeat(190)),
            "team": "Acme\u{1b}]8;;https://evil\u{7}\r\n::error::forged",
            "scopes": scopes,
        })
        .to_string();
        let a = access(&s, &body, &[]).unwrap();
        let text = serde_json::to_string(&a).unwrap();
        assert!(!text.contains("SECRETSE"), "{text}");
        assert!(!a.details["team"]
            .as_str()
            .unwrap()
            .chars()
            .any(char::is_control));
        assert_eq!(a.scopes.len(), MAX_ITEMS);
    }
}

//! Verifiers described as data (`[rule.verify]`): filling a request in from the spec, the
//! secret and its partner, and reading the answer as live, dead or unknown with a detail.

use base64::Engine as _;
use serde_json::Value;

use super::aws;
use super::http::{Request, Response};
use super::text;
use super::Endpoint;
use crate::finding::VerificationStatus;
use crate::rules::{AnswerKind, VerifySpec};

/// Percent-encodes everything but RFC 3986 unreserved characters: a secret put into a URL
/// cannot change the URL's structure.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn fill(template: &str, secret: &str, partner: Option<&str>) -> String {
    template
        .replace("{partner}", partner.unwrap_or(""))
        .replace("{secret}", secret)
}

/// `https://host:port` and the rest (`/path?query`) of an absolute URL.
fn split_origin(url: &str) -> (&str, &str) {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let end = url[after_scheme..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| after_scheme + i);
    (&url[..end], &url[end..])
}

/// The request for `spec`, pointed at `endpoint` when the operator overrode it. `now` is the
/// Unix time used by signers.
pub fn build(
    spec: &VerifySpec,
    secret: &str,
    partner: Option<&str>,
    endpoint: Option<&Endpoint>,
    now: u64,
) -> Request {
    let url = spec
        .url
        .replace("{partner}", &percent_encode(partner.unwrap_or("")))
        .replace("{secret}", &percent_encode(secret));
    let url = match endpoint {
        Some(e) => format!("{}{}", e.base, split_origin(&url).1),
        None => url,
    };
    let mut headers: Vec<(String, String)> = spec
        .headers
        .iter()
        .map(|(k, v)| (k.clone(), fill(v, secret, partner)))
        .collect();
    if let Some([user, password]) = &spec.basic_auth {
        let pair = format!(
            "{}:{}",
            fill(user, secret, partner),
            fill(password, secret, partner)
        );
        headers.push((
            "Authorization".into(),
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(pair)
            ),
        ));
    }
    let body = spec
        .body
        .as_ref()
        .map(|b| fill(b, secret, partner).into_bytes());
    if spec.signer.as_deref() == Some("aws-sigv4") {
        sign_aws(
            &spec.method,
            &url,
            &mut headers,
            body.as_deref(),
            secret,
            partner,
            now,
        );
    }
    Request {
        method: spec.method.clone(),
        url,
        headers,
        body,
    }
}

fn sign_aws(
    method: &str,
    url: &str,
    headers: &mut Vec<(String, String)>,
    body: Option<&[u8]>,
    secret: &str,
    partner: Option<&str>,
    now: u64,
) {
    let (origin, rest) = split_origin(url);
    let authority = origin.split_once("://").map_or(origin, |(_, a)| a);
    let host = authority
        .strip_suffix(":443")
        .filter(|_| origin.starts_with("https"))
        .unwrap_or(authority);
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let path = if path.is_empty() { "/" } else { path };
    let date = aws::amz_date(now);
    headers.push(("X-Amz-Date".into(), date.clone()));
    let mut signed: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
        .collect();
    signed.push(("host".into(), host.to_string()));
    let auth = aws::authorization(
        &aws::Signing {
            method,
            path,
            query,
            headers: &signed,
            body: body.unwrap_or_default(),
            region: "us-east-1",
            service: "sts",
            amz_date: &date,
        },
        partner.unwrap_or(""),
        secret,
    );
    headers.push(("Authorization".into(), auth));
}

/// Reads an answer: `(status, detail)`. `host` names the server in the detail. Values taken
/// from the answer are scrubbed of `secret` and escaped (see [`text`]).
pub fn judge(
    spec: &VerifySpec,
    resp: &Response,
    host: &str,
    secret: &str,
) -> (VerificationStatus, String) {
    let code = resp.status;
    let from = format!("{code} from {host}");
    if (300..400).contains(&code) {
        return (
            VerificationStatus::Unknown,
            format!("{from}: a redirect, not followed"),
        );
    }
    let json: Option<Value> = serde_json::from_slice(&resp.body).ok();
    if let Some(field) = matching(&spec.dead_if, json.as_ref()) {
        return (VerificationStatus::Dead, format!("{from}: {field}"));
    }
    if spec.live.contains(&code) {
        if let Some(why) = malformed(spec.answer_kind(), resp, json.is_some()) {
            return (
                VerificationStatus::Unknown,
                format!("{from}, but the answer is malformed: {why}"),
            );
        }
        if !spec.live_if.is_empty() && matching(&spec.live_if, json.as_ref()).is_none() {
            let want: Vec<String> = spec
                .live_if
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            return (
                VerificationStatus::Unknown,
                format!("{from}, but the answer does not show {}", want.join(", ")),
            );
        }
        let mut parts = vec![from];
        parts.extend(details(spec, resp, json.as_ref(), secret));
        return (VerificationStatus::Live, parts.join("; "));
    }
    if spec.dead.contains(&code) {
        return (VerificationStatus::Dead, from);
    }
    let why = match code {
        402 => ": payment required (the key may be valid; the account has no balance)",
        403 => ": forbidden (the key may be valid without this permission)",
        429 => ": rate limited, try again later",
        500..=599 => ": server error",
        _ => ": neither live nor dead",
    };
    (VerificationStatus::Unknown, format!("{from}{why}"))
}

/// Why a body with a live status is not the answer the provider documents, if it is not: a
/// captive portal's or proxy's HTML page, a body cut short, an empty body where JSON was due.
/// Such an answer did not come from the provider's API, so it cannot show the key live.
///
/// A body longer than the read cap cannot be parsed whole: one that starts as the expected kind
/// does (`{` or `[` for JSON, `<` for XML, not an HTML page) is taken as it, and the status
/// decides (a large model list); the fields the verifier reads are then not shown.
fn malformed(kind: AnswerKind, resp: &Response, parsed_json: bool) -> Option<&'static str> {
    let body = &resp.body;
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map_or(&body[..0], |i| &body[i..]);
    let html = {
        let head = String::from_utf8_lossy(&start[..start.len().min(64)]).to_ascii_lowercase();
        head.starts_with("<!doctype html") || head.starts_with("<html")
    };
    match kind {
        AnswerKind::Any => None,
        AnswerKind::Json if parsed_json => None,
        AnswerKind::Json
            if resp.truncated && !html && matches!(start.first(), Some(b'{' | b'[')) =>
        {
            None
        }
        AnswerKind::Json if start.is_empty() => Some("an empty body, where JSON was due"),
        AnswerKind::Json if html => Some("an HTML page, where JSON was due"),
        AnswerKind::Json => Some("the body is not JSON"),
        AnswerKind::Xml if start.is_empty() => Some("an empty body, where XML was due"),
        AnswerKind::Xml if html => Some("an HTML page, where XML was due"),
        AnswerKind::Xml if resp.truncated && start.starts_with(b"<") => None,
        AnswerKind::Xml if !xml_document(start) => Some("the body is not a whole XML document"),
        AnswerKind::Xml => None,
    }
}

/// Whether `body` is one XML element from its start tag to its end tag (after an optional
/// `<?xml …?>` declaration): what an XML API sends, and what a body cut short is not.
fn xml_document(body: &[u8]) -> bool {
    let text = String::from_utf8_lossy(body);
    let mut rest = text.trim();
    if rest.starts_with("<?") {
        match rest.find("?>") {
            Some(end) => rest = rest[end + 2..].trim_start(),
            None => return false,
        }
    }
    let Some(open) = rest.strip_prefix('<') else {
        return false;
    };
    let name: String = open
        .chars()
        .take_while(|c| c.is_alphanumeric() || matches!(c, ':' | '_' | '-' | '.'))
        .collect();
    !name.is_empty()
        && (rest.ends_with(&format!("</{name}>"))
            || (rest.ends_with("/>") && !rest[1..].contains('<')))
}

/// The first `path=value` of `conditions` that the JSON shows, if any. A list of values means
/// any of them.
fn matching(
    conditions: &std::collections::BTreeMap<String, Value>,
    json: Option<&Value>,
) -> Option<String> {
    let json = json?;
    for (path, want) in conditions {
        let got = lookup(json, path);
        let hit = got.iter().find(|v| match want {
            Value::Array(options) => options.contains(v),
            w => **v == w,
        });
        if let Some(v) = hit {
            return Some(format!("{path}={}", scalar(v)));
        }
    }
    None
}

/// Values at a dotted path; `name[]` walks every element of an array.
pub(super) fn lookup<'v>(json: &'v Value, path: &str) -> Vec<&'v Value> {
    let mut current = vec![json];
    for seg in path.split('.') {
        let (name, each) = match seg.strip_suffix("[]") {
            Some(n) => (n, true),
            None => (seg, false),
        };
        let mut next = Vec::new();
        for v in current {
            let Some(child) = (if name.is_empty() {
                Some(v)
            } else {
                v.get(name)
            }) else {
                continue;
            };
            match (each, child) {
                (true, Value::Array(items)) => next.extend(items.iter()),
                (true, _) => {}
                (false, c) => next.push(c),
            }
        }
        current = next;
    }
    current
}

pub(super) fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(scalar).collect::<Vec<_>>().join(","),
        other => other.to_string(),
    }
}

/// Longest value shown in a detail: enough for scopes and account names, not for bodies.
const MAX_VALUE: usize = 200;

fn details(spec: &VerifySpec, resp: &Response, json: Option<&Value>, secret: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut push = |name: &str, mut values: Vec<String>| {
        let mut seen = Vec::new();
        values.retain(|v| {
            let new = !seen.contains(v);
            seen.push(v.clone());
            new
        });
        // Scrubbed whole before it is cut: a cut could leave part of an echoed key.
        let text = text::clip(&values.join(","), MAX_VALUE, secret);
        out.push(format!("{name}={text}"));
    };
    if let Some(json) = json {
        for path in &spec.detail_json {
            let values: Vec<String> = lookup(json, path).into_iter().map(scalar).collect();
            if !values.is_empty() {
                push(path, values);
            }
        }
    }
    if !spec.detail_xml.is_empty() {
        let text = String::from_utf8_lossy(&resp.body);
        for tag in &spec.detail_xml {
            if let Some(v) = xml_element(&text, tag) {
                push(tag, vec![v.trim().to_string()]);
            }
        }
    }
    for name in &spec.detail_headers {
        let lower = name.to_ascii_lowercase();
        let values: Vec<String> = resp
            .headers
            .iter()
            .filter(|(k, _)| *k == lower)
            .map(|(_, v)| v.clone())
            .collect();
        if !values.is_empty() {
            push(name, values);
        }
    }
    out
}

pub(super) fn xml_element<'t>(text: &'t str, tag: &str) -> Option<&'t str> {
    let open = format!("<{tag}>");
    let start = text.find(&open)? + open.len();
    let end = text[start..].find(&format!("</{tag}>"))? + start;
    Some(&text[start..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(toml_text: &str) -> VerifySpec {
        toml::from_str(toml_text).unwrap()
    }

    fn resp(status: u16, body: &str, headers: &[(&str, &str)]) -> Response {
        Response {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: body.as_bytes().to_vec(),
            truncated: false,
        }
    }

    const DEEPSEEK: &str = r#"
method = "GET"
url = "https://api.deepseek.com/user/balance"
headers = { Authorization = "Bearer {secret}" }
live = [200]
dead = [401]
detail_json = ["is_available", "balance_infos[].currency"]
"#;

    #[test]
    fn answers_are_read_as_live_dead_or_unknown() {
        let s = spec(DEEPSEEK);
        let body = r#"{"is_available":true,"balance_infos":[{"currency":"CNY","total_balance":"1.00"},{"currency":"USD","total_balance":"0"}]}"#;
        let cases: &[(u16, &str, VerificationStatus, &str)] = &[
            (
                200,
                body,
                VerificationStatus::Live,
                "200 from h; is_available=true; balance_infos[].currency=CNY,USD",
            ),
            (401, "", VerificationStatus::Dead, "401 from h"),
            (
                402,
                "",
                VerificationStatus::Unknown,
                "402 from h: payment required",
            ),
            (
                429,
                "",
                VerificationStatus::Unknown,
                "429 from h: rate limited",
            ),
            (
                503,
                "",
                VerificationStatus::Unknown,
                "503 from h: server error",
            ),
            (
                302,
                "",
                VerificationStatus::Unknown,
                "302 from h: a redirect, not followed",
            ),
        ];
        for (code, body, status, detail) in cases {
            let (got, text) = judge(&s, &resp(*code, body, &[]), "h", "sk-x");
            assert_eq!(&got, status, "{code}");
            assert!(text.starts_with(detail), "{code}: {text}");
        }
    }

    #[test]
    fn json_conditions_and_headers() {
        let slack = spec(
            r#"
method = "POST"
url = "https://slack.com/api/auth.test"
headers = { Authorization = "Bearer {secret}" }
live = [200]
dead = []
live_if = { ok = true }
dead_if = { error = ["invalid_auth", "token_revoked"] }
detail_json = ["team", "user"]
detail_headers = ["X-OAuth-Scopes"]
"#,
        );
        let cases: &[(&str, VerificationStatus, &str)] = &[
            (
                r#"{"ok":true,"team":"Acme","user":"bot"}"#,
                VerificationStatus::Live,
                "200 from h; team=Acme; user=bot; X-OAuth-Scopes=chat:write",
            ),
            (
                r#"{"ok":false,"error":"invalid_auth"}"#,
                VerificationStatus::Dead,
                "200 from h: error=invalid_auth",
            ),
            (
                r#"{"ok":false,"error":"fatal_error"}"#,
                VerificationStatus::Unknown,
                "200 from h, but the answer does not show ok=true",
            ),
            ("not json", VerificationStatus::Unknown, "200 from h, but"),
        ];
        for (body, status, detail) in cases {
            let r = resp(200, body, &[("x-oauth-scopes", "chat:write")]);
            let (got, text) = judge(&slack, &r, "h", "xoxb-x");
            assert_eq!(&got, status, "{body}");
            assert!(text.starts_with(detail), "{body}: {text}");
        }
    }

    /// A live status alone shows nothing when the body is not the API's: a captive portal's
    /// login page, a body cut short or an empty one is unknown, never live.
    #[test]
    fn a_live_status_with_a_body_of_the_wrong_kind_is_unknown() {
        let json_spec = spec(DEEPSEEK);
        let xml_spec = spec(
            r#"
method = "POST"
url = "https://sts.amazonaws.com/"
body = "Action=GetCallerIdentity&Version=2011-06-15"
headers = { X = "{secret}" }
live = [200]
dead = [403]
detail_xml = ["Arn"]
"#,
        );
        let any_spec = spec(
            r#"
method = "GET"
url = "https://api.example.com/ping"
headers = { X = "{secret}" }
live = [204]
dead = [401]
answer = "any"
"#,
        );
        let portal = "\n<!DOCTYPE html><html><body>Sign in to the Wi-Fi</body></html>";
        let cases: &[(&VerifySpec, u16, &str, VerificationStatus, &str)] = &[
            (
                &json_spec,
                200,
                r#"{"is_available":true}"#,
                VerificationStatus::Live,
                "200 from h",
            ),
            (
                &json_spec,
                200,
                portal,
                VerificationStatus::Unknown,
                "an HTML page, where JSON was due",
            ),
            (
                &json_spec,
                200,
                r#"{"is_available":tr"#,
                VerificationStatus::Unknown,
                "the body is not JSON",
            ),
            (
                &json_spec,
                200,
                "  ",
                VerificationStatus::Unknown,
                "an empty body, where JSON was due",
            ),
            (
                &json_spec,
                200,
                "OK",
                VerificationStatus::Unknown,
                "the body is not JSON",
            ),
            // A refusal is read from its status, whatever its body.
            (
                &json_spec,
                401,
                portal,
                VerificationStatus::Dead,
                "401 from h",
            ),
            (
                &xml_spec,
                200,
                "<GetCallerIdentityResponse><Arn>a</Arn></GetCallerIdentityResponse>",
                VerificationStatus::Live,
                "200 from h",
            ),
            (
                &xml_spec,
                200,
                portal,
                VerificationStatus::Unknown,
                "an HTML page, where XML was due",
            ),
            (
                &xml_spec,
                200,
                r#"{"Arn":"a"}"#,
                VerificationStatus::Unknown,
                "not a whole XML document",
            ),
            (
                &xml_spec,
                200,
                "<?xml version=\"1.0\"?>\n<R><Arn>a</Arn></R>\n",
                VerificationStatus::Live,
                "200 from h",
            ),
            // Cut short: the root element is never closed.
            (
                &xml_spec,
                200,
                "<R><Arn>a</Arn></",
                VerificationStatus::Unknown,
                "not a whole XML document",
            ),
            (
                &xml_spec,
                200,
                "",
                VerificationStatus::Unknown,
                "an empty body, where XML was due",
            ),
            (&any_spec, 204, "", VerificationStatus::Live, "204 from h"),
            (
                &any_spec,
                204,
                portal,
                VerificationStatus::Live,
                "204 from h",
            ),
        ];
        for (s, code, body, status, detail) in cases {
            let (got, text) = judge(s, &resp(*code, body, &[]), "h", "sk-x");
            assert_eq!(&got, status, "{code} {body:?}: {text}");
            assert!(text.contains(detail), "{code} {body:?}: {text}");
        }
    }

    /// A model list longer than the read cap is live by its status; garbage as long is not.
    #[test]
    fn a_body_longer_than_the_cap_counts_by_its_start() {
        let s = spec(DEEPSEEK);
        let cases = [
            (
                r#"{"data":[{"id":"a"},{"id":"#,
                true,
                VerificationStatus::Live,
            ),
            (r#"[{"id":"a"},{"id":"#, true, VerificationStatus::Live),
            (
                r#"{"data":[{"id":"a"},{"id":"#,
                false,
                VerificationStatus::Unknown,
            ),
            (
                "<!DOCTYPE html><html><body>",
                true,
                VerificationStatus::Unknown,
            ),
            (
                "aaaaaaaaaaaaaaaaaaaaaaaaaa",
                true,
                VerificationStatus::Unknown,
            ),
        ];
        for (body, truncated, want) in cases {
            let mut r = resp(200, body, &[]);
            r.truncated = truncated;
            let (got, text) = judge(&s, &r, "h", "sk-x");
            assert_eq!(got, want, "{body:?} truncated={truncated}: {text}");
        }
    }

    #[test]
    fn the_answer_kind_follows_what_the_verifier_reads() {
        let cases = [
            ("", "GET", "json"),
            ("detail_xml = [\"Arn\"]", "POST", "xml"),
            ("access = { identity = [\"xml:Arn\"] }", "POST", "xml"),
            ("", "HEAD", "any"),
            ("answer = \"any\"", "GET", "any"),
        ];
        for (extra, method, want) in cases {
            let s = spec(&format!(
                "method = \"{method}\"\nurl = \"https://h/\"\nheaders = {{ X = \"{{secret}}\" }}\nlive = [200]\ndead = []\n{extra}\n"
            ));
            assert_eq!(s.answer_kind().name(), want, "{extra}");
        }
    }

    /// Regression: a value cut at 200 characters kept the first 13 characters of an echoed key.
    #[test]
    fn details_hold_no_part_of_the_secret_and_no_control_character() {
        let slack = spec(
            r#"
method = "POST"
url = "https://slack.com/api/auth.test"
headers = { Authorization = "Bearer {secret}" }
live = [200]
dead = []
detail_json = ["team", "user", "url"]
detail_headers = ["X-Echo"]
"#,
        );
        let secret = "xoxb-73019462518-46029135871-Qm7Tz2Kp9Wx4Lr8Nv3Bc6Hd1";
        let b64 = base64::engine::general_purpose::URL_SAFE.encode(secret);
        let body = serde_json::json!({
            "team": "Acme\u{1b}]8;;https://evil.example\u{7}\r\n::error::forged",
            "user": format!("{}{}", "u".repeat(187), secret),
            "url": format!("https://x/?t={}", percent_encode(secret).to_lowercase()),
        })
        .to_string();
        let r = resp(200, &body, &[("x-echo", &format!("Bearer {b64}"))]);
        let (status, detail) = judge(&slack, &r, "h", secret);
        assert_eq!(status, VerificationStatus::Live);
        assert!(!detail.chars().any(char::is_control), "{detail:?}");
        assert!(detail.contains("team=Acme\\u{1b}]8;;"), "{detail}");
        for piece in [&secret[..13], &secret[20..40], &b64[8..30]] {
            assert!(!detail.contains(piece), "{piece} in {detail}");
        }
    }

    #[test]
    fn requests_are_filled_in_and_pointed_at_the_override() {
        let s = spec(
            r#"
method = "GET"
url = "https://api.telegram.org/bot{secret}/getMe?x=1"
live = [200]
dead = [401]
"#,
        );
        let e = Endpoint {
            base: "http://127.0.0.1:4000".into(),
        };
        let r = build(&s, "1:a/b", None, Some(&e), 0);
        assert_eq!(r.url, "http://127.0.0.1:4000/bot1%3Aa%2Fb/getMe?x=1");
        let ghes = Endpoint {
            base: "https://ghe.example.com/api/v3".into(),
        };
        let r = build(&s, "1:a", None, Some(&ghes), 0);
        assert_eq!(r.url, "https://ghe.example.com/api/v3/bot1%3Aa/getMe?x=1");
        let r = build(&s, "1:a", None, None, 0);
        assert_eq!(r.url, "https://api.telegram.org/bot1%3Aa/getMe?x=1");

        let twilio = spec(
            r#"
method = "GET"
url = "https://api.twilio.com/2010-04-01/Accounts/{partner}.json"
basic_auth = ["{partner}", "{secret}"]
partner = { name = "Account SID", pattern = 'AC[0-9a-f]{32}' }
live = [200]
dead = [401]
"#,
        );
        let r = build(&twilio, "tok", Some("AC1"), None, 0);
        assert_eq!(r.url, "https://api.twilio.com/2010-04-01/Accounts/AC1.json");
        assert_eq!(
            r.headers,
            vec![(
                "Authorization".to_string(),
                "Basic QUMxOnRvaw==".to_string()
            )]
        );
    }

    #[test]
    fn aws_requests_are_signed_for_the_host_they_go_to() {
        let s = spec(
            r#"
method = "POST"
url = "https://sts.amazonaws.com/"
headers = { Content-Type = "application/x-www-form-urlencoded; charset=utf-8" }
body = "Action=GetCallerIdentity&Version=2011-06-15"
signer = "aws-sigv4"
partner = { name = "access key ID", pattern = 'AKIA[A-Z2-7]{16}' }
live = [200]
dead = [403]
detail_xml = ["Arn"]
"#,
        );
        let r = build(&s, "secret/key", Some("AKIDEXAMPLE"), None, 1_315_611_360);
        let auth = &r
            .headers
            .iter()
            .find(|(k, _)| k == "Authorization")
            .unwrap()
            .1;
        assert!(
            auth.starts_with(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20110909/us-east-1/sts/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature="
            ),
            "{auth}"
        );
        assert!(!auth.contains("secret/key"));
        let xml = "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/ci</Arn></GetCallerIdentityResult></GetCallerIdentityResponse>";
        let (st, detail) = judge(&s, &resp(200, xml, &[]), "sts.amazonaws.com", "secret/key");
        assert_eq!(st, VerificationStatus::Live);
        assert!(
            detail.ends_with("Arn=arn:aws:iam::123456789012:user/ci"),
            "{detail}"
        );
    }
}

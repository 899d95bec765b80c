//! `verification.access` for the providers issue 19 names beside the first ones: Datadog (API key;
//! application key with the API key next to it), Vercel, Netlify, Heroku, Linear, Notion and
//! Airtable. Each is served a recorded answer of the documented shape on loopback (see
//! [`crate::verify::Server`]); the test checks what was sent (path, how the key travels, the
//! headers the provider requires) and what JSON `verification.access` says. Also the verifiers
//! that read a refusal from the answer rather than from its status (Figma, Mandrill, Resend,
//! Vultr, UptimeRobot) and those that read an admin flag (Pipedrive, Smartsheet).

use serde_json::{json, Value};

use crate::util::{findings, keyhound, path_str, stderr, tree};
use crate::util::{Hit, Reply, Server};

/// A provider's recorded answer and what must come of it.
struct Case {
    /// The provider id `--verify-endpoint` names.
    provider: &'static str,
    /// The scanned file.
    file: &'static str,
    /// The secret the request must carry.
    secret: &'static str,
    /// Request path and query.
    path: &'static str,
    /// How the key must travel: (lowercase header, value), and other required headers.
    headers: &'static [(&'static str, &'static str)],
    /// A text the request body must hold (GraphQL query), if any.
    body: Option<&'static str>,
    /// The recorded 200 answer.
    answer: &'static str,
    /// Fields `verification.access` must have.
    want: Value,
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            provider: "datadog",
            file: "DD_API_KEY=5de1314a2919eec38632537a86724840\n",
            secret: "5de1314a2919eec38632537a86724840",
            path: "/api/v2/validate",
            headers: &[("dd-api-key", "5de1314a2919eec38632537a86724840")],
            body: None,
            answer: r#"{"data":{"attributes":{"api_key_id":"a1b2c3d4-e5f6-47a8-b9c0-d1e2f3a4b5c6","api_key_scopes":["remote_config_read","metrics_write"],"valid":true},"id":"550e8400-e29b-41d4-a716-446655440000","type":"validate_v2"}}"#,
            want: json!({"identity": null, "scopes": ["remote_config_read", "metrics_write"], "admin": null, "expires_at": null,
                "details": {"org_id": "550e8400-e29b-41d4-a716-446655440000", "key_id": "a1b2c3d4-e5f6-47a8-b9c0-d1e2f3a4b5c6"}}),
        },
        Case {
            provider: "vercel",
            file: "VERCEL_TOKEN=vcp_4nax8MAaCyGs6GBA1rRZEWDyfr5qgdp17181wZZEXJSVk65lkSA3ub0r\n",
            secret: "vcp_4nax8MAaCyGs6GBA1rRZEWDyfr5qgdp17181wZZEXJSVk65lkSA3ub0r",
            path: "/v2/user",
            headers: &[("authorization", "Bearer {secret}")],
            body: None,
            answer: r#"{"user":{"id":"AEIIDYVk59zbFF2Sxfyxxmua","email":"me@example.com","name":"Ada","username":"ada","defaultTeamId":"team_nLlpyC6REAqxydlFKbrMDlud","createdAt":1630748523395,"softBlock":null}}"#,
            want: json!({"identity": "me@example.com", "scopes": [], "admin": null,
                "details": {"user_id": "AEIIDYVk59zbFF2Sxfyxxmua", "username": "ada", "default_team_id": "team_nLlpyC6REAqxydlFKbrMDlud"}}),
        },
        Case {
            provider: "netlify",
            file: "NETLIFY_AUTH_TOKEN=nfp_U9uxanYU882g78wK1PTVCIgxH9Tgr0SweyGT\n",
            secret: "nfp_U9uxanYU882g78wK1PTVCIgxH9Tgr0SweyGT",
            path: "/api/v1/user",
            headers: &[("authorization", "Bearer {secret}")],
            body: None,
            answer: r#"{"id":"5f4a1b2c3d4e5f6a7b8c9d0e","uid":null,"full_name":"Ada Lovelace","avatar_url":null,"email":"ada@example.com","affiliate_id":"","site_count":3,"created_at":"2020-01-01T00:00:00.000Z","last_login":"2026-12-01T00:00:00.000Z"}"#,
            want: json!({"identity": "ada@example.com", "admin": null,
                "details": {"user_id": "5f4a1b2c3d4e5f6a7b8c9d0e", "full_name": "Ada Lovelace"}}),
        },
        Case {
            provider: "heroku",
            file: "HEROKU_API_KEY=HRKU-AA5W7ZhJ-Qpv65kj46CAn2Abpa08IlKoxFhlQnvrPNxWDK99KWUGKAWT4-Ik\n",
            secret: "HRKU-AA5W7ZhJ-Qpv65kj46CAn2Abpa08IlKoxFhlQnvrPNxWDK99KWUGKAWT4-Ik",
            path: "/account",
            headers: &[
                ("authorization", "Bearer {secret}"),
                ("accept", "application/vnd.heroku+json; version=3"),
            ],
            body: None,
            answer: r#"{"allow_tracking":true,"beta":false,"created_at":"2012-01-01T12:00:00Z","email":"username@example.com","federated":false,"id":"01234567-89ab-cdef-0123-456789abcdef","last_login":"2012-01-01T12:00:00Z","name":"Tina Edmonds","two_factor_authentication":true,"updated_at":"2012-01-01T12:00:00Z","verified":true}"#,
            want: json!({"identity": "username@example.com", "admin": null,
                "details": {"account_id": "01234567-89ab-cdef-0123-456789abcdef", "verified": true, "two_factor": true}}),
        },
        Case {
            provider: "linear",
            file: "LINEAR_API_KEY=lin_api_QG4p3g8a8ihWw3AfoWej5pasHCtsH2AKuVGGXq9d\n",
            secret: "lin_api_QG4p3g8a8ihWw3AfoWej5pasHCtsH2AKuVGGXq9d",
            path: "/graphql",
            // A personal API key goes without `Bearer`.
            headers: &[
                ("authorization", "{secret}"),
                ("content-type", "application/json"),
            ],
            body: Some("viewer { id name email admin }"),
            answer: r#"{"data":{"viewer":{"id":"2a9c1b7e-3f4d-4e5a-8b6c-7d8e9f0a1b2c","name":"Ada","email":"ada@example.com","admin":true}}}"#,
            want: json!({"identity": "ada@example.com", "admin": true,
                "details": {"user_id": "2a9c1b7e-3f4d-4e5a-8b6c-7d8e9f0a1b2c", "name": "Ada"}}),
        },
        Case {
            provider: "notion",
            file: "NOTION_TOKEN=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\n",
            secret: "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",
            path: "/v1/users/me",
            headers: &[
                ("authorization", "Bearer {secret}"),
                ("notion-version", "2022-06-28"),
            ],
            body: None,
            answer: r#"{"object":"user","id":"16d84278-ab0e-484c-9bdd-b35da3bd8905","name":"pied piper","avatar_url":null,"type":"bot","bot":{"owner":{"type":"user","user":{"object":"user","id":"5389a034-eb5c-47b5-8a9e-f79c99ef166c","name":"christine makenotion","avatar_url":null,"type":"person","person":{"email":"christine@example.com"}}},"workspace_name":"Acme"}}"#,
            want: json!({"identity": "christine@example.com", "admin": null,
                "details": {"bot_id": "16d84278-ab0e-484c-9bdd-b35da3bd8905", "bot_name": "pied piper", "owner_type": "user", "workspace_name": "Acme"}}),
        },
        Case {
            provider: "airtable",
            file: "AIRTABLE_API_KEY=pat5MhFHoC50plIrF.c93dcbe4fa546650b92fce1eb26398d239618d2ebb05f37e20cf78862cdea63c\n",
            secret: "pat5MhFHoC50plIrF.c93dcbe4fa546650b92fce1eb26398d239618d2ebb05f37e20cf78862cdea63c",
            path: "/v0/meta/whoami",
            headers: &[("authorization", "Bearer {secret}")],
            body: None,
            answer: r#"{"id":"usrL2PNC5o3H4lBEi","email":"foo@example.com","scopes":["data.records:read","schema.bases:read"]}"#,
            want: json!({"identity": "foo@example.com", "scopes": ["data.records:read", "schema.bases:read"], "admin": null,
                "details": {"user_id": "usrL2PNC5o3H4lBEi"}}),
        },
    ]
}

/// `keyhound scan --format json --verify` of `dir` with `provider` pointed at `server`.
fn verified(provider: &str, server: &Server, dir: &str) -> Value {
    let ep = format!("{provider}={}", server.url());
    let out = keyhound()
        .args(["scan", "--no-progress", "--format", "json", "--verify"])
        .args(["--verify-endpoint", &ep, dir])
        .output()
        .expect("keyhound runs");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            stderr(&out)
        )
    })
}

fn answer(body: &'static str) -> Reply {
    Reply::Send(
        200,
        vec![("Content-Type", "application/json".into())],
        body.into(),
    )
}

/// The request `case` expects: path, key and required headers, body.
fn check_request(case: &Case, hit: &Hit) {
    let p = case.provider;
    assert_eq!(hit.path, case.path, "{p}");
    for (name, value) in case.headers {
        let want = value.replace("{secret}", case.secret);
        assert_eq!(hit.header(name), Some(want.as_str()), "{p}: header {name}");
    }
    if let Some(text) = case.body {
        assert!(hit.body.contains(text), "{p}: body {}", hit.body);
    }
}

#[test]
fn issue_19_providers_access_from_recorded_answers() {
    for case in cases() {
        let body = case.answer;
        let server = Server::start(move |_| answer(body));
        let dir = tree(&[("config.env", case.file.as_bytes())]);
        let report = verified(case.provider, &server, path_str(dir.path()));
        let all = findings(&report);
        assert_eq!(all.len(), 1, "{}: {report:#}", case.provider);
        let verification = &all[0]["verification"];
        assert_eq!(
            verification["status"], "live",
            "{}: {report:#}",
            case.provider
        );
        let access = &verification["access"];
        for (k, v) in case.want.as_object().expect("an object") {
            assert_eq!(&access[k], v, "{} {k}: {access:#}", case.provider);
        }
        let hits = server.hits();
        assert_eq!(
            hits.len(),
            1,
            "{}: access needs no request of its own",
            case.provider
        );
        check_request(&case, &hits[0]);
        let text = report.to_string();
        assert!(
            !text.contains(case.secret),
            "{}: the key was printed",
            case.provider
        );
    }
}

/// A Datadog application key is checked together with the API key next to it, both in their
/// headers; a wrong pair (403) is unknown, never dead, since a key of another Datadog site is
/// refused the same way.
#[test]
fn datadog_application_key_goes_with_its_api_key_and_403_is_not_dead() {
    const API: &str = "5de1314a2919eec38632537a86724840";
    const APP: &str = "1df561020baac973d08bf086a674f347ef3da7fa";
    let file = format!("DD_API_KEY={API}\nDD_APP_KEY={APP}\n");
    for (status, want) in [(200, "live"), (403, "unknown")] {
        let server = Server::start(move |hit| match (hit.path.as_str(), status) {
            ("/api/v2/validate_keys", 200) => answer(r#"{"status":"ok"}"#),
            ("/api/v2/validate", 200) => answer(
                r#"{"data":{"attributes":{"api_key_id":"k","api_key_scopes":[],"valid":true},"id":"o","type":"validate_v2"}}"#,
            ),
            _ => Reply::Send(
                403,
                vec![("Content-Type", "application/json".into())],
                r#"{"errors":["Forbidden"]}"#.into(),
            ),
        });
        let dir = tree(&[("datadog.env", file.as_bytes())]);
        let report = verified("datadog", &server, path_str(dir.path()));
        let app = findings(&report)
            .iter()
            .find(|f| f["rule"] == "datadog.app-key")
            .unwrap_or_else(|| panic!("no app key finding: {report:#}"));
        assert_eq!(app["verification"]["status"], want, "{status}: {report:#}");
        let hits = server.hits();
        let hit = hits
            .iter()
            .find(|h| h.path == "/api/v2/validate_keys")
            .expect("the pair was checked");
        assert_eq!(hit.header("dd-api-key"), Some(API));
        assert_eq!(hit.header("dd-application-key"), Some(APP));
    }
}

/// Verifiers that tell a refused key by what the answer says rather than by its status: the
/// documented refusal is dead, any other refusal with the same status stays unknown; answers
/// that carry an admin flag set `access.admin`.
#[test]
fn refusals_are_read_from_the_answer_and_admin_flags_are_kept() {
    // (provider, file, status, answer, verification status, access.admin)
    let cases: &[(&str, &str, u16, &str, &str, Value)] = &[
        (
            "figma",
            "FIGMA_TOKEN=figd_UFDg0oFXhTvkpmNyX4tSLARSJ8MB-2k8Jg4kOzkL\n",
            403,
            r#"{"status":403,"err":"Invalid token"}"#,
            "dead",
            Value::Null,
        ),
        (
            "figma",
            "FIGMA_TOKEN=figd_UFDg0oFXhTvkpmNyX4tSLARSJ8MB-2k8Jg4kOzkL\n",
            403,
            r#"{"status":403,"err":"Forbidden"}"#,
            "unknown",
            Value::Null,
        ),
        (
            "mandrill",
            "MANDRILL_API_KEY=md-O91G62cG4lj3f7zv9r97QJ\n",
            500,
            r#"{"status":"error","code":-1,"name":"Invalid_Key","message":"Invalid API key"}"#,
            "dead",
            Value::Null,
        ),
        (
            "mandrill",
            "MANDRILL_API_KEY=md-O91G62cG4lj3f7zv9r97QJ\n",
            500,
            r#"{"status":"error","code":-2,"name":"GeneralError","message":"try later"}"#,
            "unknown",
            Value::Null,
        ),
        (
            "resend",
            "RESEND_API_KEY=re_rWB7BNSS_v47QgXr4V69s3HSRVnLT87ik\n",
            403,
            r#"{"statusCode":403,"name":"invalid_api_key","message":"API key is invalid"}"#,
            "dead",
            Value::Null,
        ),
        (
            "resend",
            "RESEND_API_KEY=re_rWB7BNSS_v47QgXr4V69s3HSRVnLT87ik\n",
            401,
            r#"{"statusCode":401,"name":"restricted_api_key","message":"This API key is restricted to only send emails"}"#,
            "unknown",
            Value::Null,
        ),
        (
            "vultr",
            "VULTR_API_KEY=FOYEG70UOJ7WN4X5XGACVE0D6EVX5L7ATR3P\n",
            401,
            r#"{"error":"Invalid API token.","status":401}"#,
            "dead",
            Value::Null,
        ),
        (
            "vultr",
            "VULTR_API_KEY=FOYEG70UOJ7WN4X5XGACVE0D6EVX5L7ATR3P\n",
            401,
            r#"{"error":"Unauthorized IP address: 192.0.2.1","status":401}"#,
            "unknown",
            Value::Null,
        ),
        (
            "uptimerobot",
            "UPTIMEROBOT_API_KEY=u8053293-104996daba7e3fb0fc216cb7\n",
            200,
            r#"{"stat":"fail","error":{"type":"invalid_parameter","parameter_name":"api_key"}}"#,
            "unknown",
            Value::Null,
        ),
        (
            "uptimerobot",
            "UPTIMEROBOT_API_KEY=u8053293-104996daba7e3fb0fc216cb7\n",
            200,
            r#"{"stat":"ok","account":{"email":"ops@example.com","monitor_limit":50}}"#,
            "live",
            Value::Null,
        ),
        (
            "pipedrive",
            "PIPEDRIVE_API_TOKEN=3fa2b2dcb5728bf6c1796aaf450d7ff5384c1993\n",
            200,
            r#"{"success":true,"data":{"id":1,"email":"boss@example.com","is_admin":true}}"#,
            "live",
            Value::Bool(true),
        ),
        (
            "smartsheet",
            "SMARTSHEET_ACCESS_TOKEN=Y79GCZv8LtZtBbhPJ3L7dFlSnm2VUvi0BbgTz\n",
            200,
            r#"{"id":48569348493401200,"email":"john.doe@example.com","admin":false}"#,
            "live",
            Value::Bool(false),
        ),
    ];
    for (provider, file, status, body, want, admin) in cases {
        let (status, body) = (*status, body.to_string());
        let server = Server::start(move |_| {
            Reply::Send(
                status,
                vec![("Content-Type", "application/json".into())],
                body.clone(),
            )
        });
        let dir = tree(&[("config.env", file.as_bytes())]);
        let report = verified(provider, &server, path_str(dir.path()));
        let all = findings(&report);
        assert_eq!(all.len(), 1, "{provider}: {report:#}");
        let verification = &all[0]["verification"];
        assert_eq!(
            verification["status"], *want,
            "{provider} {status}: {report:#}"
        );
        if *want == "live" {
            assert_eq!(
                &verification["access"]["admin"], admin,
                "{provider}: {report:#}"
            );
        }
        assert_eq!(server.hits().len(), 1, "{provider}");
    }
}

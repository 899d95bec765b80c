//! `verification.access`: what a live key can do, read from recorded provider answers served on
//! loopback (see [`crate::verify::Server`]): GitHub, DeepSeek, GitLab, Slack, Hugging Face and
//! Cloudflare, the severity and `--fail-on admin` that follow, every report format, and
//! answers that try to break it.

use std::process::Output;

use serde_json::Value;

use crate::outputs::assert_valid_sarif;
use crate::util::{findings, keyhound, path_str, stderr, tree};
use crate::verify::{json, Reply, Server, BALANCE};

/// A recorded answer: extra headers and body of a 200.
type Headers = Vec<(&'static str, String)>;
/// A provider reply made anew for each request.
type Answer = Box<dyn Fn() -> Reply + Send + Sync>;

/// A GitHub classic token with a valid checksum, built here: checksummed tokens are never
/// stored in a file.
fn github_token(body: &str) -> String {
    let sum = keyhound::rules::base62_checksum(body.as_bytes());
    format!("ghp_{body}{}", std::str::from_utf8(&sum).unwrap())
}

/// `keyhound scan --no-progress ARGS`.
fn run(args: &[&str]) -> Output {
    keyhound()
        .args(["scan", "--no-progress"])
        .args(args)
        .output()
        .expect("keyhound runs")
}

/// The JSON report of a verified scan with `provider` pointed at `server`.
fn verified(provider: &str, server: &Server, dir: &str, extra: &[&str]) -> (Value, Output) {
    let ep = format!("{provider}={}", server.url());
    let mut args = vec!["--format", "json", "--verify", "--verify-endpoint", &ep];
    args.extend_from_slice(extra);
    args.push(dir);
    let out = run(&args);
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            stderr(&out)
        )
    });
    (report, out)
}

/// The only finding's `verification.access`.
fn only_access(report: &Value) -> Value {
    let all = findings(report);
    assert_eq!(all.len(), 1, "{report:#}");
    assert_eq!(all[0]["verification"]["status"], "live", "{report:#}");
    all[0]["verification"]["access"].clone()
}

fn github_server(scopes: &'static str, login: &'static str) -> Server {
    Server::start(move |_| {
        Reply::Send(
            200,
            vec![
                ("Content-Type", "application/json".into()),
                ("X-OAuth-Scopes", scopes.into()),
                (
                    "GitHub-Authentication-Token-Expiration",
                    "2031-05-06 07:08:09 UTC".into(),
                ),
            ],
            format!(r#"{{"login":"{login}","type":"User","site_admin":false}}"#),
        )
    })
}

/// Acceptance of issue 19: a classic token with `repo, admin:org` and an expiry header.
#[test]
fn github_classic_token_access_has_login_scopes_admin_and_expiry() {
    let token = github_token("Q7mZ2kLp9XvR4tW8nB3cJ6hF1sD5gA");
    let server = github_server("repo, admin:org", "octocat");
    let dir = tree(&[(".env", format!("GITHUB_TOKEN={token}\n").as_bytes())]);
    let (report, out) = verified("github", &server, path_str(dir.path()), &[]);
    let access = only_access(&report);
    assert_eq!(access["identity"], "octocat");
    assert_eq!(access["scopes"], serde_json::json!(["repo", "admin:org"]));
    assert_eq!(access["admin"], true);
    assert_eq!(access["expires_at"], "2031-05-06T07:08:09Z");
    assert_eq!(access["details"]["account_type"], "User");
    // A live admin key is critical.
    assert_eq!(findings(&report)[0]["severity"], "critical");
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains(&token[4..]), "the token was printed");
    let hits = server.hits();
    assert_eq!(hits.len(), 1, "access needs no request of its own");
    assert_eq!(
        (hits[0].path.as_str(), hits[0].bearer()),
        ("/user", token.as_str())
    );
}

#[test]
fn deepseek_balance_and_currency_are_in_access_details() {
    let key = "sk-a4c123b1612dd272d1371c17149d4395";
    let server = Server::start(|_| json(200, BALANCE));
    let dir = tree(&[("app.env", format!("DEEPSEEK_API_KEY={key}\n").as_bytes())]);
    let (report, _) = verified("deepseek", &server, path_str(dir.path()), &[]);
    let access = only_access(&report);
    let want = serde_json::json!({
        "identity": null,
        "scopes": [],
        "admin": null,
        "expires_at": null,
        "details": {"available": true, "currency": ["CNY", "USD"], "balance": ["3.20", "0.00"]},
    });
    assert_eq!(access, want);
    // Live, not known to be admin: high.
    assert_eq!(findings(&report)[0]["severity"], "high");
}

/// GitLab, Slack, Hugging Face and Cloudflare, each from a recorded answer.
#[test]
fn providers_access_from_recorded_answers() {
    // (provider id, file content, extra headers, body, expected fields of access)
    let cases: Vec<(&str, &str, Headers, &str, Value)> = vec![
        (
            "gitlab",
            "GITLAB_TOKEN=glpat-GKujkvtR0dOX8KKQOom7\n",
            vec![],
            r#"{"id":4,"name":"ci token","revoked":false,"scopes":["read_api","api"],"user_id":24,"active":true,"expires_at":"2031-12-31"}"#,
            serde_json::json!({"scopes": ["read_api", "api"], "admin": true,
                "expires_at": "2031-12-31T00:00:00Z", "details": {"token_name": "ci token", "user_id": 24, "active": true}}),
        ),
        (
            "slack",
            "SLACK_BOT_TOKEN=xoxb-3353257168593-1318476328033-EfSZ61gkSji1ml5uUWEzwBgb\n",
            vec![("x-oauth-scopes", "chat:write,channels:read".into())],
            r#"{"ok":true,"url":"https://acme.slack.com/","team":"Acme","user":"deploybot","team_id":"T12345678","user_id":"U12345678"}"#,
            serde_json::json!({"identity": "deploybot", "scopes": ["chat:write", "channels:read"], "admin": false,
                "details": {"team": "Acme", "team_id": "T12345678", "user_id": "U12345678", "url": "https://acme.slack.com/"}}),
        ),
        (
            "huggingface",
            "HF_TOKEN=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\n",
            vec![],
            r#"{"type":"user","name":"alice","auth":{"type":"access_token","accessToken":{"displayName":"laptop","role":"write"}}}"#,
            serde_json::json!({"identity": "alice", "scopes": ["write"], "admin": true,
                "details": {"type": "user", "token_name": "laptop"}}),
        ),
        (
            "huggingface",
            "HF_TOKEN=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\n",
            vec![],
            r#"{"type":"user","name":"alice","auth":{"type":"access_token","accessToken":{"displayName":"ci","role":"fineGrained"}}}"#,
            serde_json::json!({"identity": "alice", "scopes": ["fineGrained"], "admin": null}),
        ),
        (
            "cloudflare",
            "CLOUDFLARE_API_TOKEN=cfut_3KTJ76hXW6B3QfqNHrZvuGKHmLNCtgVUcD8hvQzn6a9b9780\n",
            vec![],
            r#"{"success":true,"errors":[],"messages":[],"result":{"id":"f267e341f3dd4697bd3b9f71dd96247f","status":"active","not_before":"2018-07-01T05:20:00Z","expires_on":"2030-01-01T00:00:00Z"}}"#,
            serde_json::json!({"identity": null, "admin": null, "expires_at": "2030-01-01T00:00:00Z",
                "details": {"status": "active", "token_id": "f267e341f3dd4697bd3b9f71dd96247f", "not_before": "2018-07-01T05:20:00Z"}}),
        ),
    ];
    for (provider, content, headers, body, want) in cases {
        let (headers, body) = (headers.clone(), body.to_string());
        let server = Server::start(move |_| {
            let mut h = headers.clone();
            h.push(("Content-Type", "application/json".into()));
            Reply::Send(200, h, body.clone())
        });
        let dir = tree(&[("config.env", content.as_bytes())]);
        let (report, _) = verified(provider, &server, path_str(dir.path()), &[]);
        let access = only_access(&report);
        for (k, v) in want.as_object().unwrap() {
            assert_eq!(&access[k], v, "{provider} {k}: {access:#}");
        }
        assert_eq!(server.hits().len(), 1, "{provider}");
    }
}

#[test]
fn fail_on_admin_and_every_report_shows_access() {
    let admin_token = github_token("aK9fL2mQ7zX4cV8bN3jH6gT1rW5yE0");
    let admin = github_server("repo, admin:org", "octocat");
    let reader = github_server("read:user", "reader");
    let dir = tree(&[(".env", format!("GITHUB_TOKEN={admin_token}\n").as_bytes())]);
    let d = path_str(dir.path());
    let ep_admin = format!("github={}", admin.url());
    let ep_reader = format!("github={}", reader.url());
    // (arguments, exit code)
    let cases: &[(&[&str], i32)] = &[
        (
            &[
                "--verify",
                "--verify-endpoint",
                &ep_admin,
                "--fail-on",
                "admin",
                d,
            ],
            1,
        ),
        (
            &[
                "--verify",
                "--verify-endpoint",
                &ep_reader,
                "--fail-on",
                "admin",
                d,
            ],
            0,
        ),
        (
            &[
                "--verify",
                "--verify-endpoint",
                &ep_reader,
                "--fail-on",
                "live",
                d,
            ],
            1,
        ),
        (&["--fail-on", "admin", d], 2),
    ];
    for (args, want) in cases {
        let out = run(args);
        assert_eq!(out.status.code(), Some(*want), "{args:?}: {}", stderr(&out));
    }
    assert!(stderr(&run(&["--fail-on", "admin", d])).contains("--fail-on admin needs --verify"));

    let out_dir = tempfile::tempdir().unwrap();
    let md = out_dir.path().join("summary.md");
    let sarif_path = out_dir.path().join("out.sarif");
    let reports = [
        format!("markdown={}", md.display()),
        format!("sarif={}", sarif_path.display()),
    ];
    let out = run(&[
        "--color",
        "never",
        "--verify",
        "--verify-endpoint",
        &ep_admin,
        "--report",
        &reports[0],
        "--report",
        &reports[1],
        "--report",
        "human=-",
        d,
    ]);
    let human = String::from_utf8_lossy(&out.stdout);
    let line = "= access: identity: octocat; scopes: repo, admin:org; admin: yes; expires: 2031-05-06T07:08:09Z";
    assert!(human.contains(line), "{human}");
    assert!(human.contains("severity: critical"), "{human}");
    let summary = std::fs::read_to_string(&md).unwrap();
    assert!(
        summary.contains("live: identity: octocat; scopes: repo, admin:org; admin: yes"),
        "{summary}"
    );
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif_path).unwrap()).unwrap();
    assert_valid_sarif(&sarif);
    let result = &sarif["runs"][0]["results"][0];
    let access = &result["properties"]["verification"]["access"];
    assert_eq!(access["admin"], true, "{result:#}");
    assert_eq!(access["identity"], "octocat");
    assert_eq!(result["properties"]["security-severity"], "9.5");
}

/// A provider answer that tries to break the reports: control characters, the secret echoed
/// in the login and the scopes, a body far past the read cap, JSON that does not parse.
#[test]
fn hostile_answers_give_no_access_or_a_scrubbed_one() {
    let token = github_token("Zt4Xw8Qp2Lm6Vb9Nc3Jh7Gf1Ds5Ak0");
    let echo = token.clone();
    let forged = "\u{1b}]8;;https://evil.example\u{7}x\r\n::error::forged";
    let cases: Vec<(&str, Answer)> = vec![
        (
            "echo",
            Box::new(move || {
                Reply::Send(
                    200,
                    vec![
                        ("X-OAuth-Scopes", format!("repo, {echo}")),
                        ("GitHub-Authentication-Token-Expiration", "soon".into()),
                    ],
                    serde_json::json!({"login": format!("{forged}{echo}"), "type": forged})
                        .to_string(),
                )
            }),
        ),
        ("huge", Box::new(|| Reply::Huge(10 * 1024 * 1024))),
        (
            "malformed",
            Box::new(|| json(200, r#"{"login": "octo", "type": [1, 2"#)),
        ),
    ];
    for (name, reply) in cases {
        let server = Server::start(move |_| reply());
        let dir = tree(&[(".env", format!("GITHUB_TOKEN={token}\n").as_bytes())]);
        let ep = format!("github={}", server.url());
        for format in ["json", "human", "github", "sarif"] {
            let out = run(&[
                "--format",
                format,
                "--color",
                "never",
                "--verify",
                "--verify-endpoint",
                &ep,
                path_str(dir.path()),
            ]);
            assert_eq!(
                out.status.code(),
                Some(1),
                "{name} {format}: {}",
                stderr(&out)
            );
            let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
            assert!(
                !text.contains(&token[4..20]),
                "{name} {format}: the token was printed:\n{text}"
            );
            for c in ['\u{1b}', '\u{7}', '\r'] {
                assert!(!text.contains(c), "{name} {format} holds {c:?}:\n{text}");
            }
            assert!(
                !text.lines().any(|l| l.starts_with("::error::forged")),
                "{name} {format}: {text}"
            );
            if format == "json" {
                let report: Value = serde_json::from_slice(&out.stdout).unwrap();
                let access = &findings(&report)[0]["verification"]["access"];
                match name {
                    "echo" => {
                        let id = access["identity"].as_str().unwrap();
                        assert!(id.ends_with("[secret]") && id.contains("\\u{1b}"), "{id}");
                        assert_eq!(access["scopes"], serde_json::json!(["repo", "[secret]"]));
                        assert_eq!(access["expires_at"], Value::Null);
                        assert_eq!(access["admin"], false);
                    }
                    // Not JSON, no header: nothing to tell.
                    _ => assert_eq!(access, &Value::Null, "{name}"),
                }
            }
        }
    }
}

//! The safety rules of `--verify` and `keyhound verify` (issue 19): where a key may go, what of a
//! provider's answer may come back into a report, and how much one run may ask. Loopback
//! servers only; where a test must prove that no other host is contacted, every proxy variable
//! the HTTP client reads points at a loopback proxy that counts tunnels and refuses them all, so
//! a request meant for a real host ends there.

use std::io::{Read, Write};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::Value;

use crate::util::{findings, keyhound, path_str, stderr, through, tree};
use crate::verify::{json, Reply, Server, BALANCE};

// Synthetic keys of the `sk-` + 32 hex shape, made up here.
const K401: &str = "sk-5b8e2d7a1c4f9e3b6d0a8c2f5e1b7d4a";
const K402: &str = "sk-9d3f6a1e8c2b5d7f0e4a9c3b6d1f8e2a";
const K429: &str = "sk-2e7c4a9f1d6b3e8c5a0f7d2b9e4c1a6f";
const K500: &str = "sk-7a1d4f8c2e5b9d3a6f0c8e1b4d7a2f5c";
const KHANG: &str = "sk-4c9a2e6f1b8d3c7e5a0b9f2d6c1e8a3b";

/// A proxy that refuses every tunnel; its hits are the `CONNECT host:port` requests.
fn refusing_proxy() -> Server {
    Server::start(|_| Reply::Send(403, vec![], String::new()))
}

/// The hosts `proxy` was asked to tunnel to.
fn tunnels(proxy: &Server) -> Vec<String> {
    proxy.hits().iter().map(|h| h.path.clone()).collect()
}

/// `keyhound scan --format json --no-progress --verify ARGS` through `proxy`.
fn scan(args: &[&str], proxy: &Server) -> (Value, Output) {
    let mut cmd = keyhound();
    cmd.args(["scan", "--format", "json", "--no-progress", "--verify"])
        .args(args);
    through(&mut cmd, proxy);
    let out = cmd.output().expect("keyhound runs");
    let mut report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            stderr(&out)
        )
    });
    crate::util::relative_to_root(&mut report, args);
    (report, out)
}

/// `keyhound verify ARGS` with `input` on stdin, through `proxy`.
fn verify_cmd(args: &[&str], input: &str, proxy: &Server) -> Output {
    let mut cmd = keyhound();
    cmd.arg("verify")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    through(&mut cmd, proxy);
    let mut child = cmd.spawn().expect("keyhound runs");
    child
        .stdin
        .take()
        .expect("piped")
        .write_all(input.as_bytes())
        .expect("write the key");
    child.wait_with_output().expect("keyhound finishes")
}

/// path -> (provider, status, detail).
fn verdict(report: &Value, path: &str) -> (String, String, String) {
    let f = findings(report)
        .iter()
        .find(|f| f["path"] == path)
        .unwrap_or_else(|| panic!("no finding in {path}: {report}"));
    let v = &f["verification"];
    (
        f["provider"].as_str().unwrap_or("").to_string(),
        v["status"].as_str().unwrap_or("null").to_string(),
        v["detail"].as_str().unwrap_or("").to_string(),
    )
}

fn endpoint(provider: &str, server: &Server) -> [String; 2] {
    [
        "--verify-endpoint".into(),
        format!("{provider}={}", server.url()),
    ]
}

/// Each key in its own file, with nothing that names a provider.
fn undecided_tree(keys: &[&str]) -> tempfile::TempDir {
    crate::verify::keys_tree(keys, |i, k| {
        (format!("k{i}.py"), format!("API_KEY = \"{k}\"\n"))
    })
}

/// Regression: a 402 ("the key may be valid"), a 429, a 5xx or a timeout from DeepSeek sent a
/// possibly valid DeepSeek key on to Alibaba DashScope.
#[test]
fn a_bare_sk_key_goes_to_dashscope_only_after_deepseek_answers_401() {
    let deepseek = Server::start(|hit| match hit.bearer() {
        K401 => json(401, r#"{"error":{"message":"Authentication Fails"}}"#),
        K402 => json(402, r#"{"error":{"message":"Insufficient Balance"}}"#),
        K429 => json(429, "{}"),
        KHANG => Reply::Hang,
        _ => json(500, "{}"),
    });
    let dashscope = Server::start(|_| json(200, r#"{"object":"list","data":[]}"#));
    let proxy = refusing_proxy();
    let keys = [K401, K402, K429, K500, KHANG];
    let dir = undecided_tree(&keys);
    let [a, b] = endpoint("deepseek", &deepseek);
    let [c, d] = endpoint("dashscope", &dashscope);
    let (report, _) = scan(
        &[
            &a,
            &b,
            &c,
            &d,
            "--verify-timeout",
            "2s",
            path_str(dir.path()),
        ],
        &proxy,
    );
    // (file, DeepSeek's answer in the detail)
    let held: &[(&str, &str)] = &[
        (
            "k1.py",
            "DeepSeek: unknown (402 from 127.0.0.1: payment required",
        ),
        ("k2.py", "DeepSeek: unknown (429 from 127.0.0.1"),
        ("k3.py", "DeepSeek: unknown (500 from 127.0.0.1"),
        ("k4.py", "DeepSeek: unknown (127.0.0.1: no answer"),
    ];
    for (path, answer) in held {
        let (provider, status, detail) = verdict(&report, path);
        assert_eq!(status, "unknown", "{path}: {detail}");
        assert_eq!(provider, "DeepSeek or DashScope", "{path}");
        assert!(detail.starts_with(answer), "{path}: {detail}");
        assert!(
            detail.contains("Alibaba DashScope: not asked, since DeepSeek did not refuse the key"),
            "{path}: {detail}"
        );
    }
    // Only the key DeepSeek refused went on, and DashScope took it.
    let (provider, status, _) = verdict(&report, "k0.py");
    assert_eq!(
        (provider.as_str(), status.as_str()),
        ("Alibaba DashScope", "live")
    );
    let sent: Vec<String> = dashscope
        .hits()
        .iter()
        .map(|h| h.bearer().to_string())
        .collect();
    assert_eq!(sent, vec![K401.to_string()]);
    assert_eq!(deepseek.hits().len(), keys.len());
    assert_eq!(tunnels(&proxy), Vec::<String>::new());
}

/// Regression: a test pointing DeepSeek at loopback still sent the key to the real DashScope
/// host.
#[test]
fn redirecting_one_provider_does_not_send_the_key_to_the_others_real_host() {
    let proxy = refusing_proxy();
    // The proxy does catch a request to a real host: a decided key without any redirect.
    let decided = tree(&[("a.env", format!("DEEPSEEK_API_KEY={K402}\n").as_bytes())]);
    let (report, _) = scan(
        &["--verify-timeout", "5s", path_str(decided.path())],
        &proxy,
    );
    assert_eq!(tunnels(&proxy), vec!["api.deepseek.com:443".to_string()]);
    assert_eq!(verdict(&report, "a.env").1, "unknown");

    let deepseek = Server::start(|_| json(401, "{}"));
    let dashscope = Server::start(|_| json(200, r#"{"object":"list","data":[]}"#));
    let dir = undecided_tree(&[K401]);
    // DeepSeek redirected, DashScope not: DeepSeek's 401 does not open the way to Alibaba.
    let [a, b] = endpoint("deepseek", &deepseek);
    let (report, _) = scan(&[&a, &b, path_str(dir.path())], &proxy);
    let (_, status, detail) = verdict(&report, "k0.py");
    assert_eq!(status, "unknown", "{detail}");
    assert!(
        detail.contains(
            "Alibaba DashScope: not asked, since --verify-endpoint redirects deepseek but not dashscope (add --verify-endpoint dashscope=URL to ask it)"
        ),
        "{detail}"
    );
    assert_eq!(deepseek.hits().len(), 1);
    // DashScope redirected, DeepSeek not: the real DeepSeek host is not asked either.
    let [c, d] = endpoint("dashscope", &dashscope);
    let (report, _) = scan(&[&c, &d, path_str(dir.path())], &proxy);
    let (provider, status, detail) = verdict(&report, "k0.py");
    assert_eq!(
        (provider.as_str(), status.as_str()),
        ("Alibaba DashScope", "live"),
        "{detail}"
    );
    assert_eq!(deepseek.hits().len(), 1);
    assert_eq!(dashscope.hits().len(), 1);
    assert_eq!(tunnels(&proxy).len(), 1, "{:?}", tunnels(&proxy));
}

#[test]
fn verify_command_provider_pins_the_one_provider_asked() {
    let deepseek = Server::start(|_| json(401, "{}"));
    let dashscope = Server::start(|_| json(200, r#"{"object":"list","data":[]}"#));
    let proxy = refusing_proxy();
    let [a, b] = endpoint("deepseek", &deepseek);
    let [c, d] = endpoint("dashscope", &dashscope);
    let both = ["--rule", "deepseek.api-key", &a, &b, &c, &d];

    let pinned = |provider: &str| {
        verify_cmd(
            &[&both[..], &["--provider", provider]].concat(),
            K401,
            &proxy,
        )
    };
    let out = pinned("dashscope");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
    assert!(
        text.starts_with("live: deepseek.api-key (Alibaba DashScope): 200"),
        "{text}"
    );
    assert_eq!(deepseek.hits().len(), 0);

    let out = pinned("deepseek");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}{}", stderr(&out));
    assert!(
        text.starts_with("dead: deepseek.api-key (DeepSeek): 401"),
        "{text}"
    );
    assert_eq!(dashscope.hits().len(), 1);

    let out = pinned("openai");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("has no verifier for `openai`; give one of: deepseek, dashscope"),
        "{}",
        stderr(&out)
    );
    // Without --provider and only DeepSeek redirected, DashScope's real host is not asked.
    let out = verify_cmd(&["--rule", "deepseek.api-key", &a, &b], K401, &proxy);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert_eq!((deepseek.hits().len(), dashscope.hits().len()), (2, 1));
    assert_eq!(tunnels(&proxy), Vec::<String>::new());
}

#[test]
fn help_action_and_docs_say_what_is_sent_where() {
    let out = keyhound().args(["scan", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout).replace(char::is_whitespace, "");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let action = std::fs::read_to_string(root.join("action.yml")).unwrap();
    let docs = std::fs::read_to_string(root.join("docs/verification.md")).unwrap();
    let docs_flat = docs.replace(char::is_whitespace, "");
    let action_flat = action.replace(char::is_whitespace, "");
    for want in [
        "onlytotheendpointoftheprovider",
        "toAlibabaDashScope(dashscope.aliyuncs.com)onlyifDeepSeekanswers401",
        "--verify-max-requests",
    ] {
        assert!(help.contains(want), "--help lacks {want}");
    }
    for want in [
        "onlyifDeepSeekanswers401",
        "verify-max-requests:",
        "INPUT_VERIFY_MAX_REQUESTS:${{inputs.verify-max-requests}}",
        "can never add or redirect a verifier",
    ] {
        let flat = want.replace(char::is_whitespace, "");
        assert!(action_flat.contains(&flat), "action.yml lacks {want}");
    }
    // The proxy variables the HTTP client reads, the cap, and self-hosted instances.
    for want in [
        "`ALL_PROXY`",
        "`all_proxy`",
        "`HTTPS_PROXY`",
        "`https_proxy`",
        "`HTTP_PROXY`",
        "`http_proxy`",
        "`NO_PROXY`",
        "`no_proxy`",
        "--verify-max-requests",
        "--verify-endpointgithub=https://github.example.com/api/v3",
        "--verify-endpointgitlab=https://gitlab.example.com",
    ] {
        assert!(
            docs_flat.contains(want),
            "docs/verification.md lacks {want}"
        );
    }
}

/// Regression: a detail cut at 200 characters kept 13 characters of an echoed key; base64 and
/// percent-encoded echoes were not scrubbed at all; control characters in a provider's text
/// reached the terminal and could forge a GitHub workflow command.
#[test]
fn provider_text_is_scrubbed_and_escaped_in_every_report() {
    const CUT: &str = "sk-8f2a5c9e1d7b4f3a6c0e8d2b5f9a1c7e";
    const B64: &str = "sk-1e6b9d4a7f2c8e5b3d0a6f9c2e7b4d1a";
    const PCT: &str = "sk-6c3f8a2d5e9b1c7f4a0d8e3b6f2a9c5d";
    let forged =
        "\u{1b}]8;;https://evil.example\u{7}click\u{1b}]8;;\u{7}\r\n::error::forged\u{9b}2J";
    let forged_owned = forged.to_string();
    let server = Server::start(move |hit| {
        let key = hit.bearer().to_string();
        let currencies: Vec<String> = match key.as_str() {
            CUT => vec![format!("{}{key}", "u".repeat(187))],
            B64 => vec![
                base64::engine::general_purpose::STANDARD.encode(&key),
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("x:{key}")),
            ],
            _ => vec![key.bytes().map(|b| format!("%{b:02x}")).collect()],
        };
        let body = serde_json::json!({
            "is_available": forged_owned,
            "balance_infos": currencies.iter().map(|c| serde_json::json!({"currency": c})).collect::<Vec<_>>(),
        });
        json(200, &body.to_string())
    });
    let proxy = refusing_proxy();
    let dir = tree(&[
        ("a.env", format!("DEEPSEEK_API_KEY={CUT}\n").as_bytes()),
        ("b.env", format!("DEEPSEEK_API_KEY={B64}\n").as_bytes()),
        ("c.env", format!("DEEPSEEK_API_KEY={PCT}\n").as_bytes()),
    ]);
    let out_dir = tempfile::tempdir().unwrap();
    let human = out_dir.path().join("human.txt");
    let github = out_dir.path().join("github.txt");
    let markdown = out_dir.path().join("summary.md");
    let [a, b] = endpoint("deepseek", &server);
    let reports = [
        format!("human={}", human.display()),
        format!("github={}", github.display()),
        format!("markdown={}", markdown.display()),
    ];
    let (report, out) = scan(
        &[
            &a,
            &b,
            "--color",
            "never",
            "--report",
            &reports[0],
            "--report",
            &reports[1],
            "--report",
            &reports[2],
            path_str(dir.path()),
        ],
        &proxy,
    );
    assert_eq!(server.hits().len(), 3);
    for path in ["a.env", "b.env", "c.env"] {
        let (_, status, detail) = verdict(&report, path);
        assert_eq!(status, "live", "{path}: {detail}");
        assert!(
            detail.contains("is_available=\\u{1b}]8;;https://evil.example"),
            "{detail}"
        );
    }
    let b64 = base64::engine::general_purpose::STANDARD.encode(B64);
    let b64_pair = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("x:{B64}"));
    let pieces = [
        CUT[3..16].to_string(),
        B64[8..24].to_string(),
        PCT[8..24].to_string(),
        b64[8..30].to_string(),
        b64_pair[8..30].to_string(),
        PCT.bytes()
            .skip(8)
            .take(8)
            .map(|b| format!("%{b:02x}"))
            .collect(),
    ];
    let texts = [
        ("json", String::from_utf8_lossy(&out.stdout).into_owned()),
        ("stderr", stderr(&out)),
        ("human", std::fs::read_to_string(&human).unwrap()),
        ("github", std::fs::read_to_string(&github).unwrap()),
        ("markdown", std::fs::read_to_string(&markdown).unwrap()),
    ];
    for (name, text) in &texts {
        for piece in &pieces {
            assert!(
                !text.contains(piece.as_str()),
                "{name} holds {piece}:\n{text}"
            );
        }
        for c in ['\u{1b}', '\u{7}', '\u{9b}', '\r'] {
            assert!(!text.contains(c), "{name} holds {c:?}:\n{text}");
        }
        assert!(
            !text.lines().any(|l| l.starts_with("::error::forged")),
            "{name} forges a workflow command:\n{text}"
        );
    }
    let human_text = &texts[2].1;
    assert!(
        human_text.contains("= verification: live: 200 from 127.0.0.1"),
        "{human_text}"
    );
}

#[test]
fn the_request_cap_stops_verification_and_says_so() {
    let keys = [K401, K402, K429, K500, KHANG];
    let server = Server::start(|_| json(401, "{}"));
    let proxy = refusing_proxy();
    let files: Vec<(String, Vec<u8>)> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| {
            (
                format!("k{i}.env"),
                format!("DEEPSEEK_API_KEY={k}\n").into_bytes(),
            )
        })
        .collect();
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, d)| (p.as_str(), d.as_slice()))
        .collect();
    let dir = tree(&refs);
    let [a, b] = endpoint("deepseek", &server);
    let (report, out) = scan(
        &[
            &a,
            &b,
            "--verify-max-requests",
            "2",
            "--verify-rate",
            "100",
            path_str(dir.path()),
        ],
        &proxy,
    );
    assert_eq!(server.hits().len(), 2);
    let verdicts: Vec<(String, String, String)> = (0..keys.len())
        .map(|i| verdict(&report, &format!("k{i}.env")))
        .collect();
    let dead = verdicts.iter().filter(|v| v.1 == "dead").count();
    let capped = verdicts
        .iter()
        .filter(|v| v.1 == "unknown" && v.2 == "request cap reached")
        .count();
    assert_eq!((dead, capped), (2, 3), "{verdicts:?}");
    let err = stderr(&out);
    assert!(
        err.contains("the cap of 2 requests was reached; 3 more were not made"),
        "{err}"
    );
    assert!(err.contains("--verify-max-requests"), "{err}");

    let out = keyhound()
        .args([
            "scan",
            "--verify",
            "--verify-max-requests",
            "0",
            path_str(dir.path()),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--verify-max-requests 0: give at least 1"));
    let help = keyhound().args(["scan", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(
        help.contains("[default: 100]") && help.contains("request cap reached"),
        "{help}"
    );
    assert_eq!(server.hits().len(), 2);
    assert_eq!(tunnels(&proxy), Vec::<String>::new());
}

#[test]
fn verify_command_refuses_a_value_the_rule_would_not_find() {
    let server = Server::start(|_| json(200, BALANCE));
    let proxy = refusing_proxy();
    let [a, b] = endpoint("deepseek", &server);
    let args = [
        "--rule",
        "deepseek.api-key",
        "--provider",
        "deepseek",
        &a,
        &b,
    ];
    for input in [
        "ghp_Tq3vX8bN2mK7pL4wR9sY1cF6hJ0dG5aZ8eU3",
        "sk-5B8E2D7A1C4F9E3B6D0A8C2F5E1B7D4A",
        "sk-5b8e2d7a1c4f9e3b6d0a8c2f5e1b7d4",
        "sk-5b8e2d7a1c4f9e3b6d0a8c2f5e1b7d4a0",
        "xsk-5b8e2d7a1c4f9e3b6d0a8c2f5e1b7d4a",
    ] {
        let out = verify_cmd(&args, input, &proxy);
        assert_eq!(out.status.code(), Some(2), "{input}");
        let err = stderr(&out);
        assert!(
            err.contains(
                "does not have the shape of a `deepseek.api-key` secret, so nothing was sent"
            ),
            "{input}: {err}"
        );
        assert!(!err.contains(input), "the value was echoed: {err}");
    }
    assert_eq!(server.hits().len(), 0);
    let out = verify_cmd(&args, K401, &proxy);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(server.hits().len(), 1);
    assert_eq!(tunnels(&proxy), Vec::<String>::new());
}

/// Runs `keyhound verify ARGS` on a pseudo-terminal (util-linux `script`), types `key` once the
/// prompt is shown, and returns everything the terminal showed and the exit code.
fn on_a_terminal(args: &[&str], key: &str, proxy: &Server) -> (String, Option<i32>) {
    let quote = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
    let mut line = quote(env!("CARGO_BIN_EXE_keyhound"));
    for a in ["verify"].iter().chain(args) {
        line.push(' ');
        line.push_str(&quote(a));
    }
    let mut cmd = Command::new("script");
    cmd.args(["-q", "-e", "-c", &line, "/dev/null"])
        .env_remove("CI")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    through(&mut cmd, proxy);
    let mut child = cmd.spawn().expect("script runs");
    let shown = Arc::new(Mutex::new(Vec::new()));
    let mut stdout = child.stdout.take().expect("piped");
    let sink = shown.clone();
    let reader = std::thread::spawn(move || {
        let mut buf = [0u8; 256];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    });
    // Type only after the prompt: echo is off by then, as for a person at the keyboard.
    let started = Instant::now();
    while !String::from_utf8_lossy(&shown.lock().unwrap()).contains("(it is not shown)") {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no prompt: {:?}",
            String::from_utf8_lossy(&shown.lock().unwrap())
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut stdin = child.stdin.take().expect("piped");
    stdin.write_all(format!("{key}\r").as_bytes()).unwrap();
    let status = child.wait().expect("script finishes");
    drop(stdin);
    reader.join().unwrap();
    let text = String::from_utf8_lossy(&shown.lock().unwrap()).into_owned();
    (text, status.code())
}

#[test]
fn verify_command_does_not_echo_a_key_typed_on_a_terminal() {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipping: util-linux `script` is not installed");
        return;
    }
    let server = Server::start(|_| json(200, BALANCE));
    let proxy = refusing_proxy();
    let [a, b] = endpoint("deepseek", &server);
    let args = [
        "--rule",
        "deepseek.api-key",
        "--provider",
        "deepseek",
        &a,
        &b,
    ];
    let (shown, code) = on_a_terminal(&args, K402, &proxy);
    assert_eq!(code, Some(0), "{shown}");
    assert!(
        shown.contains("live: deepseek.api-key (DeepSeek): 200"),
        "{shown}"
    );
    assert!(!shown.contains(&K402[3..]), "the key was echoed: {shown}");
    let hits = server.hits();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].bearer(), K402);
}

/// The operator may send a provider's checks to any https:// host; a repository, with a
/// `.keyhound.toml` or rule files in the scanned tree, never can.
#[test]
fn a_repository_cannot_redirect_verification() {
    let operator = Server::start(|_| json(200, BALANCE));
    let repo_server = Server::start(|_| json(200, BALANCE));
    let proxy = refusing_proxy();
    let stolen = repo_server.url().replace("http://", "https://");
    let verifier = format!(
        r#"[rule.verify]
id = "deepseek"
method = "GET"
url = "{stolen}/steal?k={{secret}}"
live = [200]
dead = [401]
"#
    );
    let rule = |id: &str| {
        format!(
            r#"[[rule]]
id = "{id}"
provider = "DeepSeek"
name = "Same shape"
description = "The DeepSeek shape again, with a verifier of the repository's choosing."
keywords = ["sk-"]
pattern = 'sk-[0-9a-f]{{32}}'
confidence = "high"
references = ["https://example.com/docs"]
remediation = "None."
examples = ['KEY=sk-0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d']
negative_examples = ['sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx']
{verifier}"#
        )
    };
    let config = rule("repo.same-shape");
    let rule_file = rule("repo.rule-file");
    let dir = tree(&[
        (".keyhound.toml", config.as_bytes()),
        ("rules/deepseek.toml", rule_file.as_bytes()),
        (".keyhound/rules.toml", rule_file.as_bytes()),
        ("a.env", format!("DEEPSEEK_API_KEY={K402}\n").as_bytes()),
    ]);
    // With the operator's redirect: the operator's server is asked, the repository's never.
    let [a, b] = endpoint("deepseek", &operator);
    let (report, out) = scan(&[&a, &b, path_str(dir.path())], &proxy);
    let err = stderr(&out);
    assert!(
        err.contains("rule `repo.same-shape` declares a verifier; it is ignored"),
        "{err}"
    );
    // (The rule files' own examples are keys too, and are found and verified like a.env's.)
    let in_env: Vec<&Value> = findings(&report)
        .iter()
        .filter(|f| f["path"] == "a.env" && !f["verification"].is_null())
        .collect();
    assert_eq!(in_env.len(), 1, "{report}");
    assert_eq!(in_env[0]["rule"], "deepseek.api-key");
    assert_eq!(in_env[0]["verification"]["status"], "live");
    assert!(operator.hits().iter().any(|h| h.bearer() == K402));
    assert_eq!(repo_server.hits().len(), 0);
    // Without it: the built-in host is the only one a request is meant for.
    scan(&[path_str(dir.path())], &proxy);
    let meant_for = tunnels(&proxy);
    assert!(!meant_for.is_empty());
    assert!(
        meant_for.iter().all(|t| t == "api.deepseek.com:443"),
        "{meant_for:?}"
    );
    // A configuration cannot name an endpoint either: the key is refused as unknown.
    let dir = tree(&[
        (
            ".keyhound.toml",
            format!("verify_endpoint = [\"deepseek={}\"]\n", repo_server.url()).as_bytes(),
        ),
        ("a.env", format!("DEEPSEEK_API_KEY={K402}\n").as_bytes()),
    ]);
    let mut cmd = keyhound();
    cmd.args(["scan", "--verify", path_str(dir.path())]);
    through(&mut cmd, &proxy);
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("verify_endpoint"), "{}", stderr(&out));
    assert_eq!(repo_server.hits().len(), 0);
    assert_eq!(tunnels(&proxy).len(), meant_for.len());
}

/// A SOCKS proxy in the environment is one the HTTP client cannot use: without a guard it would
/// connect straight to the host, past the proxy the operator relies on.
#[test]
fn a_socks_proxy_in_the_environment_is_not_bypassed() {
    let server = Server::start(|_| json(200, BALANCE));
    let socks = Server::start(|_| json(200, "{}"));
    let dir = tree(&[("a.env", format!("DEEPSEEK_API_KEY={K402}\n").as_bytes())]);
    // https:// to loopback: a direct connection would reach `server` (a TLS hello it cannot read).
    let https = server.url().replace("http://", "https://");
    let ep = format!("deepseek={https}");
    for var in ["ALL_PROXY", "HTTPS_PROXY", "http_proxy"] {
        let mut cmd = keyhound();
        cmd.args(["scan", "--format", "json", "--no-progress", "--verify"])
            .args([
                "--verify-endpoint",
                &ep,
                "--verify-timeout",
                "3s",
                path_str(dir.path()),
            ]);
        for v in crate::util::PROXY_VARS {
            cmd.env_remove(v);
        }
        cmd.env_remove("NO_PROXY").env_remove("no_proxy");
        cmd.env(var, socks.url().replace("http://", "socks5://"));
        let out = cmd.output().expect("keyhound runs");
        let mut report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
        crate::util::relative_to_root(&mut report, &[path_str(dir.path())]);
        let (_, status, detail) = verdict(&report, "a.env");
        assert_eq!(status, "unknown", "{var}: {detail}");
        assert!(
            detail.contains("is a SOCKS proxy, which keyhound cannot use"),
            "{var}: {detail}"
        );
    }
    assert_eq!(server.hits().len(), 0, "a request went around the proxy");
    assert_eq!(socks.hits().len(), 0);
}

//! `--verify` and `keyhound verify` against real HTTP servers on loopback sockets, started by
//! each test: the servers play the providers (DeepSeek, DashScope, AWS STS, ...) and count what
//! they receive.

use std::io::Write;
use std::net::TcpListener;
use std::process::{Output, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::outputs::assert_valid_sarif;
use crate::util::{findings, keyhound, path_str, stderr, tree};
pub(crate) use crate::util::{json, Reply, Server};

// Synthetic keys of the DeepSeek shape, made up here.
const LIVE: &str = "sk-a4c123b1612dd272d1371c17149d4395";
const DEAD: &str = "sk-36b3216fdaeeb975729fae923d5a4fd1";
const K402: &str = "sk-2aabfe228f219e9cb0eb53f16947ccf2";
const K429: &str = "sk-5ec84d8dbc74254770f58904dba41ecc";
const HANG: &str = "sk-cc3fc1626e53a13043b026c48bbf33fe";
const BIG: &str = "sk-ff9243a8f506b40928b5b7a767c76fb0";
const REDIRECT: &str = "sk-08f86bebb2737f6a6f0fb23c6f5da2ce";
const BARE: &str = "sk-c255404e4fb440034d6608697a8d41be";

pub(crate) const BALANCE: &str = r#"{"is_available":true,"balance_infos":[{"currency":"CNY","total_balance":"3.20","granted_balance":"0.00","topped_up_balance":"3.20"},{"currency":"USD","total_balance":"0.00","granted_balance":"0.00","topped_up_balance":"0.00"}]}"#;

/// `keyhound scan --format json --verify ARGS`: (report, output).
fn verify_scan(args: &[&str]) -> (Value, Output) {
    let out = keyhound()
        .args(["scan", "--format", "json", "--no-progress", "--verify"])
        .args(args)
        .output()
        .expect("keyhound runs");
    let mut report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            stderr(&out)
        )
    });
    crate::util::relative_to_root(&mut report, args);
    (report, out)
}

/// `--verify-endpoint` arguments that send DeepSeek and DashScope checks to these servers.
fn endpoints(deepseek: &Server, dashscope: &Server) -> [String; 4] {
    [
        "--verify-endpoint".into(),
        format!("deepseek={}", deepseek.url()),
        "--verify-endpoint".into(),
        format!("dashscope={}", dashscope.url()),
    ]
}

/// path -> (provider, status, detail) of every finding.
fn verdicts(report: &Value) -> Vec<(String, String, String, String)> {
    findings(report)
        .iter()
        .map(|f| {
            let v = &f["verification"];
            (
                f["path"].as_str().unwrap_or("").to_string(),
                f["provider"].as_str().unwrap_or("").to_string(),
                v["status"].as_str().unwrap_or("null").to_string(),
                v["detail"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn assert_no_secret(out: &Output, secrets: &[&str]) {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    for s in secrets {
        assert!(!text.contains(s), "the secret {s} was printed:\n{text}");
        assert!(
            !text.contains(&s[3..]),
            "the secret body of {s} was printed"
        );
    }
}

#[test]
fn deepseek_answers_are_read_safely_live_dead_or_unknown() {
    let elsewhere = Server::start(|_| json(200, BALANCE));
    let target = format!("{}/user/balance", elsewhere.url());
    let deepseek = Server::start(move |hit| match hit.bearer() {
        LIVE => json(200, BALANCE),
        DEAD => json(401, r#"{"error":{"message":"Authentication Fails"}}"#),
        K402 => json(402, r#"{"error":{"message":"Insufficient Balance"}}"#),
        K429 => json(429, "{}"),
        HANG => Reply::Hang,
        BIG => Reply::Huge(50 * 1024 * 1024),
        REDIRECT => Reply::Send(302, vec![("Location", target.clone())], String::new()),
        _ => json(500, "{}"),
    });
    let keys = [
        ("live.env", LIVE),
        ("dead.env", DEAD),
        ("k402.env", K402),
        ("k429.env", K429),
        ("hang.env", HANG),
        ("big.env", BIG),
        ("redirect.env", REDIRECT),
    ];
    let files: Vec<(String, Vec<u8>)> = keys
        .iter()
        .map(|(p, k)| {
            (
                p.to_string(),
                format!("DEEPSEEK_API_KEY={k}\n").into_bytes(),
            )
        })
        .collect();
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, d)| (p.as_str(), d.as_slice()))
        .collect();
    let dir = tree(&refs);
    let endpoint = format!("deepseek={}", deepseek.url());
    let started = Instant::now();
    let (report, out) = verify_scan(&[
        "--verify-endpoint",
        &endpoint,
        "--verify-timeout",
        "2s",
        path_str(dir.path()),
    ]);
    let elapsed = started.elapsed();
    let got = verdicts(&report);
    let find = |path: &str| {
        got.iter()
            .find(|v| v.0 == path)
            .unwrap_or_else(|| panic!("no finding in {path}: {got:?}"))
            .clone()
    };
    // (file, status, words the detail holds)
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "live.env",
            "live",
            &[
                "200 from 127.0.0.1",
                "is_available=true",
                "balance_infos[].currency=CNY,USD",
            ],
        ),
        ("dead.env", "dead", &["401 from 127.0.0.1"]),
        ("k402.env", "unknown", &["402", "payment required"]),
        ("k429.env", "unknown", &["429", "rate limited"]),
        ("hang.env", "unknown", &["no answer"]),
        ("big.env", "live", &["200 from 127.0.0.1"]),
        (
            "redirect.env",
            "unknown",
            &["302", "redirect, not followed"],
        ),
    ];
    for (path, status, words) in cases {
        let (_, provider, st, detail) = find(path);
        assert_eq!(provider, "DeepSeek", "{path}");
        assert_eq!(&st, status, "{path}: {detail}");
        for w in *words {
            assert!(detail.contains(w), "{path}: {w:?} not in {detail:?}");
        }
    }
    // One request per key, each sent as DeepSeek expects it.
    let hits = deepseek.hits();
    assert_eq!(hits.len(), keys.len(), "{hits:?}");
    assert!(hits
        .iter()
        .all(|h| h.method == "GET" && h.path == "/user/balance"));
    // The redirect target never heard of the key.
    assert_eq!(elsewhere.hits().len(), 0);
    // The never-answering server was given up on after the 2 s total timeout, not waited for.
    assert!(elapsed < Duration::from_secs(20), "took {elapsed:?}");
    // The 50 MB body was not read: the client stopped after its cap and closed the socket.
    assert!(
        deepseek.sent.load(Ordering::Relaxed) < 50 * 1024 * 1024,
        "the whole body was read"
    );
    assert_eq!(out.status.code(), Some(1));
    assert_no_secret(&out, &[LIVE, DEAD, K402, K429, HANG, BIG, REDIRECT]);
}

#[test]
fn a_key_found_in_100_files_is_sent_once() {
    let server = Server::start(|_| json(200, BALANCE));
    let files: Vec<(String, Vec<u8>)> = (0..100)
        .map(|i| {
            (
                format!("d{}/f{i}.env", i % 7),
                format!("DEEPSEEK_API_KEY={LIVE}\n").into_bytes(),
            )
        })
        .collect();
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, d)| (p.as_str(), d.as_slice()))
        .collect();
    let dir = tree(&refs);
    let endpoint = format!("deepseek={}", server.url());
    let (report, _) = verify_scan(&["--verify-endpoint", &endpoint, path_str(dir.path())]);
    let got = verdicts(&report);
    assert_eq!(got.len(), 100);
    assert!(got.iter().all(|v| v.2 == "live"), "{got:?}");
    assert_eq!(server.hits().len(), 1);
}

#[test]
fn a_verifier_in_the_scanned_trees_configuration_is_ignored() {
    let server = Server::start(|_| json(200, "{}"));
    let config = format!(
        r#"[[rule]]
id = "acme.token"
provider = "Acme"
name = "Acme token"
description = "An Acme API token."
keywords = ["acme_"]
pattern = 'acme_[a-z0-9]{{20}}'
confidence = "high"
references = ["https://acme.example/docs"]
remediation = "Revoke it at https://acme.example/keys."
examples = ['TOKEN=acme_a8f3k2m9x7q4w1e6r5t0']
negative_examples = ['acme_xxxxxxxxxxxxxxxxxxxx']
[rule.verify]
method = "GET"
url = "{}/steal?k={{secret}}"
live = [200]
dead = [401]
"#,
        server.url()
    );
    let dir = tree(&[
        (".keyhound.toml", config.as_bytes()),
        ("a.env", b"TOKEN=acme_q7w3e9r1t5y2u8i4o6p0\n"),
    ]);
    let (report, out) = verify_scan(&[path_str(dir.path())]);
    let got = verdicts(&report);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].2, "null", "the finding was verified: {got:?}");
    assert_eq!(server.hits().len(), 0);
    let err = stderr(&out);
    assert!(
        err.contains("rule `acme.token` declares a verifier; it is ignored"),
        "{err}"
    );
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn an_undecided_sk_key_takes_the_provider_that_answers_live() {
    let deepseek = Server::start(|_| json(401, "{}"));
    let dashscope = Server::start(|_| json(200, r#"{"object":"list","data":[]}"#));
    let dir = tree(&[("settings.py", format!("API_KEY = \"{BARE}\"\n").as_bytes())]);
    let [a, b, c, d] = endpoints(&deepseek, &dashscope);
    let (report, out) = verify_scan(&[&a, &b, &c, &d, path_str(dir.path())]);
    let got = verdicts(&report);
    assert_eq!(got.len(), 1, "{got:?}");
    let (_, provider, status, detail) = &got[0];
    assert_eq!(provider, "Alibaba DashScope");
    assert_eq!(status, "live");
    assert!(detail.starts_with("Alibaba DashScope: 200"), "{detail}");
    assert_eq!(findings(&report)[0]["rule"], "deepseek.api-key");
    assert_eq!(deepseek.hits().len(), 1);
    let hits = dashscope.hits();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].path, "/compatible-mode/v1/models");
    assert_eq!(hits[0].bearer(), BARE);
    assert_no_secret(&out, &[BARE]);
}

#[test]
fn a_key_deepseek_accepts_is_never_sent_to_dashscope() {
    let deepseek = Server::start(|_| json(200, BALANCE));
    let dashscope = Server::start(|_| json(200, "{}"));
    let dir = tree(&[("k.txt", format!("key: {BARE}\n").as_bytes())]);
    let [a, b, c, d] = endpoints(&deepseek, &dashscope);
    let (report, _) = verify_scan(&[&a, &b, &c, &d, path_str(dir.path())]);
    let got = verdicts(&report);
    assert_eq!((got[0].1.as_str(), got[0].2.as_str()), ("DeepSeek", "live"));
    assert_eq!(dashscope.hits().len(), 0);

    // Context decided DashScope: DeepSeek never sees the key.
    let dir = tree(&[(
        "k.py",
        format!("DASHSCOPE_API_KEY = \"{BARE}\"\n").as_bytes(),
    )]);
    let before = deepseek.hits().len();
    let (report, _) = verify_scan(&[&a, &b, &c, &d, path_str(dir.path())]);
    let got = verdicts(&report);
    assert_eq!(
        (got[0].1.as_str(), got[0].2.as_str()),
        ("Alibaba DashScope", "live")
    );
    assert_eq!(deepseek.hits().len(), before);
}

/// `keyhound verify ARGS` with `stdin` piped in.
fn verify_cmd(args: &[&str], stdin: &str) -> Output {
    let mut child = keyhound()
        .arg("verify")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("keyhound runs");
    child
        .stdin
        .take()
        .expect("piped")
        .write_all(stdin.as_bytes())
        .expect("write the key");
    child.wait_with_output().expect("keyhound finishes")
}

#[test]
fn verify_command_reads_the_key_from_stdin() {
    let deepseek = Server::start(|hit| match hit.bearer() {
        LIVE => json(200, BALANCE),
        K429 => json(429, "{}"),
        _ => json(401, "{}"),
    });
    let dashscope = Server::start(|_| json(401, "{}"));
    let [a, b, c, d] = endpoints(&deepseek, &dashscope);
    let base = ["--rule", "deepseek.api-key", &a, &b, &c, &d];
    let out = verify_cmd(&base, &format!("{LIVE}\n"));
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
    assert!(
        text.starts_with("live: deepseek.api-key (DeepSeek): DeepSeek: 200 from 127.0.0.1"),
        "{text}"
    );
    assert!(text.contains("balance_infos[].currency=CNY,USD"), "{text}");

    let mut json_args = base.to_vec();
    json_args.extend(["--format", "json"]);
    let out = verify_cmd(&json_args, LIVE);
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["status"], "live");
    assert_eq!(v["provider"], "DeepSeek");
    assert_eq!(v["rule"], "deepseek.api-key");
    assert_eq!(v["secret_sha256"].as_str().map(str::len), Some(64));
    assert_no_secret(&out, &[LIVE]);

    // DeepSeek refuses it and DashScope's 401 decides nothing (another region): unknown.
    let out = verify_cmd(&json_args, DEAD);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["status"], "unknown");
    assert!(v["detail"]
        .as_str()
        .unwrap()
        .contains("DeepSeek: dead (401 from 127.0.0.1)"));

    // Bad input: a clear error, exit 2, nothing sent.
    let before = deepseek.hits().len();
    let cases: &[(&[&str], &str, &str)] = &[
        (&base, "", "no key on standard input"),
        (&base, &format!("{LIVE}\n{DEAD}\n"), "more than one value"),
        (
            &["--rule", "nope.nothing"],
            LIVE,
            "unknown rule `nope.nothing`",
        ),
        (
            &["--rule", "dashscope.plan-api-key"],
            LIVE,
            "has no verifier",
        ),
        (
            &[
                "--rule",
                "deepseek.api-key",
                "--verify-endpoint",
                "deepseek=http://example.com",
            ],
            LIVE,
            "loopback",
        ),
    ];
    for (args, input, want) in cases {
        let out = verify_cmd(args, input);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains(want), "{want}: {}", stderr(&out));
    }
    assert_eq!(deepseek.hits().len(), before);
}

#[test]
fn verify_command_exit_codes_for_dead_and_unknown() {
    let server = Server::start(|hit| match hit.bearer() {
        K429 => json(429, "{}"),
        _ => json(401, "{}"),
    });
    let ep = format!("openai={}", server.url());
    let key = "sk-proj-Tq3vX8bN2mK7pL4wR9sY1cF6hJ0dG5aZ8eU3iO7tB2nM4kW9xV1qP6rS0yL5jH3gD8fA2cE7bN4mK1wQ9zT6";
    let args = ["--rule", "openai.project-key", "--verify-endpoint", &ep];
    let out = verify_cmd(&args, key);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with("dead: openai.project-key (OpenAI): 401")
    );
    let hits = server.hits();
    assert_eq!(hits[0].path, "/v1/models");
    assert_eq!(hits[0].bearer(), key);
}

#[test]
fn fail_on_live_and_report_formats() {
    let server = Server::start(|hit| match hit.bearer() {
        LIVE => json(200, BALANCE),
        _ => json(401, "{}"),
    });
    let ep = format!("deepseek={}", server.url());
    let dead_only = tree(&[("a.env", format!("DEEPSEEK_API_KEY={DEAD}\n").as_bytes())]);
    let both = tree(&[
        ("a.env", format!("DEEPSEEK_API_KEY={DEAD}\n").as_bytes()),
        ("b.env", format!("DEEPSEEK_API_KEY={LIVE}\n").as_bytes()),
    ]);
    let run = |args: &[&str]| {
        keyhound()
            .args(["scan", "--no-progress"])
            .args(args)
            .output()
            .expect("keyhound runs")
    };
    let code = |args: &[&str]| run(args).status.code();
    let dead_dir = path_str(dead_only.path());
    let both_dir = path_str(both.path());
    // (arguments, exit code)
    let cases: &[(&[&str], i32)] = &[
        (&["--verify", "--verify-endpoint", &ep, dead_dir], 1),
        (
            &[
                "--verify",
                "--verify-endpoint",
                &ep,
                "--fail-on",
                "live",
                dead_dir,
            ],
            0,
        ),
        (
            &[
                "--verify",
                "--verify-endpoint",
                &ep,
                "--fail-on",
                "live",
                both_dir,
            ],
            1,
        ),
        (&["--fail-on", "any", dead_dir], 1),
        (&["--fail-on", "live", dead_dir], 2),
        (&["--verify-endpoint", &ep, dead_dir], 2),
        (
            &[
                "--verify",
                "--verify-endpoint",
                "deepseek=http://192.0.2.1:80",
                dead_dir,
            ],
            2,
        ),
        (&["--verify", "--verify-timeout", "soon", dead_dir], 2),
    ];
    for (args, want) in cases {
        assert_eq!(code(args), Some(*want), "{args:?}");
    }
    let err = stderr(&run(&["--fail-on", "live", dead_dir]));
    assert!(err.contains("--fail-on live needs --verify"), "{err}");
    let err = stderr(&run(&[
        "--verify",
        "--verify-endpoint",
        &ep,
        "--verify-endpoint",
        "nosuch=http://127.0.0.1:9",
        dead_dir,
    ]));
    assert!(
        err.contains("no verifier has the provider id `nosuch`"),
        "{err}"
    );

    // Human output shows the verdict; SARIF carries it as a property and a level.
    let out = run(&["--verify", "--verify-endpoint", &ep, both_dir]);
    let human = String::from_utf8_lossy(&out.stdout);
    assert!(
        human.contains("= verification: live: 200 from 127.0.0.1"),
        "{human}"
    );
    assert!(
        human.contains("= verification: dead: 401 from 127.0.0.1"),
        "{human}"
    );
    let out = run(&[
        "--format",
        "sarif",
        "--verify",
        "--verify-endpoint",
        &ep,
        both_dir,
    ]);
    let sarif: Value = serde_json::from_slice(&out.stdout).expect("SARIF is JSON");
    assert_valid_sarif(&sarif);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let by_path = |p: &str| {
        results
            .iter()
            .find(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == p)
            .unwrap()
    };
    assert_eq!(by_path("b.env")["level"], "error");
    assert_eq!(
        by_path("b.env")["properties"]["verification"]["status"],
        "live"
    );
    assert_eq!(by_path("a.env")["level"], "note");
    assert_eq!(
        by_path("a.env")["properties"]["verification"]["status"],
        "dead"
    );
    // One request per distinct key and run: 1 + 1 + 2 with --fail-on, 1 with an unknown
    // provider id, 2 + 2 for the formats.
    assert_eq!(server.hits().len(), 9);
}

#[test]
fn aws_secret_keys_are_signed_with_the_access_key_id_next_to_them() {
    let sts = Server::start(|hit| {
        let auth = hit.header("authorization").unwrap_or("");
        if auth.starts_with("AWS4-HMAC-SHA256 Credential=AKIA454ML6LG4TJFCZ4K/")
            && auth.contains("/us-east-1/sts/aws4_request")
            && hit.body == "Action=GetCallerIdentity&Version=2011-06-15"
        {
            Reply::Send(
                200,
                vec![("Content-Type", "text/xml".into())],
                "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/deploy</Arn><UserId>AIDAEXAMPLE</UserId><Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>".into(),
            )
        } else {
            Reply::Send(
                403,
                vec![],
                "<Error><Code>InvalidClientTokenId</Code></Error>".into(),
            )
        }
    });
    let secret = "/LwiqD9jJBAciI05FhfwKVqlUr5Qrec8TNecj9iN";
    let dir = tree(&[
        (
            "credentials",
            format!("[default]\naws_access_key_id = AKIA454ML6LG4TJFCZ4K\naws_secret_access_key = {secret}\n").as_bytes(),
        ),
        (
            "lonely.env",
            b"AWS_SECRET_ACCESS_KEY=Xq7wE2rT9yU4iO1pA6sD3fG8hJ5kL0zC2vB7nM4q\n",
        ),
    ]);
    let ep = format!("aws={}", sts.url());
    let (report, out) = verify_scan(&["--verify-endpoint", &ep, path_str(dir.path())]);
    let got = verdicts(&report);
    let secret_finding = got
        .iter()
        .find(|v| v.0 == "credentials" && v.2 != "null")
        .unwrap_or_else(|| panic!("{got:?}"));
    assert_eq!(secret_finding.2, "live", "{got:?}");
    assert!(secret_finding
        .3
        .contains("Arn=arn:aws:iam::123456789012:user/deploy"));
    let lonely = got.iter().find(|v| v.0 == "lonely.env").unwrap();
    assert_eq!(lonely.2, "unknown");
    assert!(lonely.3.contains("needs the access key ID"), "{}", lonely.3);
    assert_eq!(sts.hits().len(), 1);
    assert_no_secret(&out, &[secret]);

    // `keyhound verify` takes the access key ID as --partner; without it nothing is sent.
    let args = ["--rule", "aws.secret-access-key", "--verify-endpoint", &ep];
    let out = verify_cmd(
        &[&args[..], &["--partner", "AKIA454ML6LG4TJFCZ4K"]].concat(),
        secret,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Arn=arn:aws:iam::123456789012:user/deploy")
    );
    // Without --partner (or with a value of another shape) it says what to pass.
    let cases: &[(&[&str], &str)] = &[
        (&[], "pass it with --partner"),
        (
            &["--partner", "ASIA454ML6LG4TJFCZ4K"],
            "--partner: the value is not an access key ID",
        ),
    ];
    for (extra, want) in cases {
        let out = verify_cmd(&[&args[..], extra].concat(), secret);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(stderr(&out).contains(want), "{want}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("nothing was sent"),
            "{}",
            stderr(&out)
        );
        assert_no_secret(&out, &[secret]);
    }
    assert_eq!(sts.hits().len(), 2);
}

#[test]
fn telegram_tokens_in_the_url_path_stay_out_of_messages() {
    // A port nothing listens on: the request fails, and the message must not echo the URL.
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let token = "7493021856:AAHq3vX8bN2mK7pL4wR9sY1cF6hJ0dG5aZ8";
    let dir = tree(&[(
        "bot.env",
        format!("TELEGRAM_BOT_TOKEN={token}\n").as_bytes(),
    )]);
    let ep = format!("telegram=http://127.0.0.1:{port}");
    let (report, out) = verify_scan(&["--verify-endpoint", &ep, path_str(dir.path())]);
    let got = verdicts(&report);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].2, "unknown");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    assert!(!text.contains("AAHq3vX8"), "{text}");
}

const MORE: [&str; 8] = [
    LIVE,
    DEAD,
    K402,
    K429,
    "sk-d440e50454f31af3176813e02ea68ef7",
    "sk-86e4d3cea27d26934b484e73cf575dca",
    "sk-d6ba2b0aee0ca923732881584d8c4fa2",
    "sk-815d2802827283e0ad84173581569969",
];

/// A tree with each of `keys` in its own file: `file(i, key)` gives its name and text.
pub(crate) fn keys_tree(
    keys: &[&str],
    file: impl Fn(usize, &str) -> (String, String),
) -> tempfile::TempDir {
    let files: Vec<(String, String)> = keys.iter().enumerate().map(|(i, k)| file(i, k)).collect();
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, d)| (p.as_str(), d.as_bytes()))
        .collect();
    tree(&refs)
}

/// A tree with each of `keys` in its own file, next to the word DeepSeek.
fn deepseek_tree(keys: &[&str]) -> tempfile::TempDir {
    keys_tree(keys, |i, k| {
        (format!("k{i}.env"), format!("DEEPSEEK_API_KEY={k}\n"))
    })
}

#[test]
fn requests_in_flight_are_bounded() {
    let now = Arc::new(AtomicU64::new(0));
    let peak = Arc::new(AtomicU64::new(0));
    let (n, p) = (now.clone(), peak.clone());
    let server = Server::start(move |_| {
        let inside = n.fetch_add(1, Ordering::SeqCst) + 1;
        p.fetch_max(inside, Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(400));
        n.fetch_sub(1, Ordering::SeqCst);
        json(401, "{}")
    });
    let dir = deepseek_tree(&MORE);
    let ep = format!("deepseek={}", server.url());
    // 20 requests a second and 400 ms per answer: unbounded, about 8 would be in flight.
    let (report, out) = verify_scan(&[
        "--verify-endpoint",
        &ep,
        "--verify-concurrency",
        "2",
        "--verify-rate",
        "20",
        path_str(dir.path()),
    ]);
    assert!(verdicts(&report).iter().all(|v| v.2 == "dead"));
    assert_eq!(server.hits().len(), MORE.len());
    let peak = peak.load(Ordering::SeqCst);
    assert!((1..=2).contains(&peak), "{peak} requests in flight at once");
    assert!(
        stderr(&out).contains("verified 8 distinct keys (8 requests): 0 live, 8 dead, 0 unknown"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn requests_to_one_provider_are_spaced_by_the_rate_limit() {
    let arrivals = Arc::new(Mutex::new(Vec::new()));
    let a = arrivals.clone();
    let server = Server::start(move |_| {
        a.lock().unwrap().push(Instant::now());
        json(401, "{}")
    });
    let dir = deepseek_tree(&MORE[..5]);
    let ep = format!("deepseek={}", server.url());
    // 4 a second: at least 250 ms apart, although 8 may be in flight.
    verify_scan(&[
        "--verify-endpoint",
        &ep,
        "--verify-rate",
        "4",
        path_str(dir.path()),
    ]);
    let mut times = arrivals.lock().unwrap().clone();
    times.sort();
    assert_eq!(times.len(), 5);
    for pair in times.windows(2) {
        let gap = pair[1] - pair[0];
        // A little below 250 ms for scheduling jitter on the server side.
        assert!(gap >= Duration::from_millis(200), "requests {gap:?} apart");
    }
}

/// `docs/verifiers.md` is generated from the rule data; this fails when it is stale.
#[test]
fn docs_verifiers_md_is_current() {
    let set = keyhound::rules::RuleSet::builtin().unwrap();
    let want = keyhound::rules::docs::verifiers_markdown(&set);
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/verifiers.md");
    if std::env::var_os("KEYHOUND_BLESS").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/verifiers.md is stale: run `KEYHOUND_BLESS=1 cargo test --test it docs_verifiers`"
    );
}

#[test]
fn an_https_endpoint_that_does_not_speak_tls_gets_no_key() {
    // A plain-HTTP server behind an https:// override: the client sends a TLS handshake, which
    // the server cannot answer; the key never travels in the clear.
    let server = Server::start(|_| json(200, BALANCE));
    let dir = tree(&[("a.env", format!("DEEPSEEK_API_KEY={LIVE}\n").as_bytes())]);
    let ep = format!("deepseek=https://127.0.0.1:{}", server.port);
    let (report, out) = verify_scan(&[
        "--verify-endpoint",
        &ep,
        "--verify-timeout",
        "2s",
        path_str(dir.path()),
    ]);
    let got = verdicts(&report);
    assert_eq!(got[0].2, "unknown", "{got:?}");
    for hit in server.hits() {
        let seen = format!("{hit:?}");
        assert!(
            !seen.contains(&LIVE[3..]),
            "the key arrived in the clear: {seen}"
        );
    }
    assert_no_secret(&out, &[LIVE]);
}

//! `keyhound rules list | check | explain`, and custom rule files.

use crate::util::{keyhound, path_str, scan_json, tree, ACME_RULE};

#[test]
fn rules_check_passes_on_the_builtin_rules() {
    let out = keyhound().args(["rules", "check"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.starts_with("ok: "), "{text}");
}

#[test]
fn rules_list_and_explain() {
    let out = keyhound().args(["rules", "list"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.lines().any(|l| l.starts_with("deepseek.api-key ")),
        "{text}"
    );
    let explain = |id: &str| {
        let out = keyhound().args(["rules", "explain", id]).output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let text = explain("deepseek.api-key");
    assert!(
        text.contains("DeepSeek API key (deepseek.api-key)") && text.contains("Remediation"),
        "{text}"
    );
    let text = explain("docker.config-auth");
    assert!(
        text.contains("decoded:  base64 of user:password") && text.contains("checks:   password"),
        "{text}"
    );
    let text = explain("netrc.password");
    assert!(
        text.contains("files:    .netrc, _netrc") && text.contains("whole file"),
        "{text}"
    );
    let out = keyhound()
        .args(["rules", "explain", "nope.nope"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("rules list"));
}

#[test]
fn file_rules_and_handlers_in_user_rule_files_are_checked_at_load() {
    let load = |edit: &str| {
        let rule = ACME_RULE.replace("keywords = [\"acme_\"]", edit);
        let dir = tree(&[("r.toml", rule.as_bytes())]);
        let out = keyhound()
            .args([
                "rules",
                "check",
                "--rules",
                path_str(&dir.path().join("r.toml")),
            ])
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, err) = load("keywords = []\nfiles = [\".acmerc\"]");
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("example_path"), "{err}");
    let (code, err) = load("keywords = []\nfiles = [\".acmerc\"]\nexample_path = \"notes.txt\"");
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("not matched by `files`"), "{err}");
    let (code, err) = load("keywords = []");
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("keyword or a `files` list"), "{err}");
    let (code, err) = load("keywords = [\"acme_\"]\nhandler = \"nope\"");
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("kubernetes-secret-data"), "{err}");
    let (code, err) = load("keywords = []\nfiles = [\".acmerc\"]\nexample_path = \"home/.acmerc\"");
    assert_eq!(code, Some(0), "{err}");
}

#[test]
fn custom_rules_are_used_and_checked() {
    let dir = tree(&[
        ("rules.toml", ACME_RULE.as_bytes()),
        ("src/a.py", b"token = 'acme_q8w2e4r6t1y3u5i7o9p0'\n"),
    ]);
    let rules = dir.path().join("rules.toml");
    let report = scan_json(&[
        "--rules",
        path_str(&rules),
        path_str(&dir.path().join("src")),
    ]);
    assert_eq!(report["findings"][0]["rule"], "acme.token");
    let out = keyhound()
        .args(["rules", "check", "--rules", path_str(&rules)])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    let bad = tree(&[(
        "bad.toml",
        ACME_RULE
            .replace("acme_[a-z0-9]{20}", "acme_[a-z")
            .as_bytes(),
    )]);
    let out = keyhound()
        .args([
            "scan",
            "--rules",
            path_str(&bad.path().join("bad.toml")),
            path_str(dir.path()),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.toml") && err.contains("acme.token") && err.contains("invalid pattern"),
        "{err}"
    );

    let wrong = tree(&[(
        "w.toml",
        ACME_RULE
            .replace(
                "['acme_xxxxxxxxxxxxxxxxxxxx']",
                "['acme_q8w2e4r6t1y3u5i7o9p0']",
            )
            .as_bytes(),
    )]);
    let out = keyhound()
        .args([
            "rules",
            "check",
            "--rules",
            path_str(&wrong.path().join("w.toml")),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout)
        .contains("FAIL acme.token: negative example is reported"));
}

/// Every example and negative example of every built-in rule, through the whole engine.
#[test]
fn every_builtin_example_behaves() {
    use keyhound::detect::{check_rules, DetectOptions, Engine};
    use keyhound::rules::RuleSet;
    let set = RuleSet::builtin().unwrap();
    for rule in set.rules() {
        assert!(
            !rule.spec.examples.is_empty() && !rule.spec.negative_examples.is_empty(),
            "{}",
            rule.id()
        );
    }
    let engine = Engine::new(set, DetectOptions::default()).unwrap();
    let failures = check_rules(&engine);
    assert!(failures.is_empty(), "{failures:#?}");
}

/// `docs/rules.md` is generated from the rule data; this fails when it is stale.
#[test]
fn docs_rules_md_is_current() {
    let set = keyhound::rules::RuleSet::builtin().unwrap();
    let want = keyhound::rules::docs::markdown(&set);
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules.md");
    if std::env::var_os("KEYHOUND_BLESS").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/rules.md is stale: run `KEYHOUND_BLESS=1 cargo test --test it docs_rules`"
    );
    assert!(
        set.len() >= 200,
        "the catalog shrank to {} rules",
        set.len()
    );
}

/// Every rule says where to revoke its key, and every provider the catalog promises is there.
#[test]
fn every_rule_has_remediation_and_the_catalog_covers_the_promised_providers() {
    let set = keyhound::rules::RuleSet::builtin().unwrap();
    for r in set.rules() {
        assert!(
            r.spec.remediation.trim().len() >= 40,
            "{}: remediation too thin",
            r.id()
        );
    }
    let ids: Vec<&str> = set.rules().iter().map(|r| r.id()).collect();
    let promised = [
        "aws.",
        "gcp.",
        "azure.",
        "github.",
        "gitlab.",
        "bitbucket.",
        "slack.",
        "discord.",
        "telegram.",
        "twilio.",
        "sendgrid.",
        "mailgun.",
        "mailchimp.",
        "postmark.",
        "stripe.",
        "paypal.",
        "square.",
        "shopify.",
        "adyen.",
        "npm.",
        "pypi.",
        "rubygems.",
        "nuget.",
        "dockerhub.",
        "jfrog.",
        "hashicorp.",
        "digitalocean.",
        "heroku.",
        "cloudflare.",
        "fastly.",
        "vercel.",
        "netlify.",
        "datadog.",
        "newrelic.",
        "sentry.",
        "grafana.",
        "pagerduty.",
        "firebase.",
        "supabase.",
        "atlassian.",
        "linear.",
        "notion.",
        "airtable.",
        "figma.",
        "okta.",
        "auth0.",
        "algolia.",
        "mapbox.",
        "private-key.",
        "jwt.",
        "postgres.",
        "mysql.",
        "mongodb.",
        "redis.",
        "amqp.",
        "smtp.",
        "url.basic-auth",
        "deepseek.",
        "openai.",
        "anthropic.",
        "google-ai.",
        "groq.",
        "xai.",
        "huggingface.",
        "openrouter.",
        "perplexity.",
        "replicate.",
        "mistral.",
        "cohere.",
        "together.",
        "fireworks.",
        "moonshot.",
        "zhipu.",
        "dashscope.",
        "siliconflow.",
        "minimax.",
        "cerebras.",
        "nvidia.",
        "generic.",
    ];
    for p in promised {
        assert!(ids.iter().any(|id| id.starts_with(p)), "no rule for {p}");
    }
}

/// Checksummed tokens are built here at run time (never stored with a valid checksum).
#[test]
fn checksummed_tokens_are_reported_only_with_a_valid_checksum() {
    use crate::util::{findings, path_str, scan_json, tree};
    let token = |prefix: &str, body: &str| {
        let sum = keyhound::rules::base62_checksum(body.as_bytes());
        format!("{prefix}{body}{}", std::str::from_utf8(&sum).unwrap())
    };
    let cases = [
        (
            "github.personal-access-token",
            token("ghp_", "Q7mZ2kLp9XvR4tW8nB3cJ6hF1sD5gA"),
        ),
        (
            "github.oauth-access-token",
            token("gho_", "aK9fL2mQ7zX4cV8bN3jH6gT1rW5yE0"),
        ),
        (
            "npm.access-token",
            token("npm_", "Zt4Xw8Qp2Lm6Vb9Nc3Jh7Gf1Ds5Ak0"),
        ),
    ];
    for (rule, good) in &cases {
        let mut bad = good.clone().into_bytes();
        let i = 10;
        bad[i] = if bad[i] == b'x' { b'y' } else { b'x' };
        let bad = String::from_utf8(bad).unwrap();
        let dir = tree(&[
            ("good/.env", format!("TOKEN={good}\n").as_bytes()),
            ("bad/.env", format!("TOKEN={bad}\n").as_bytes()),
        ]);
        let report = scan_json(&[path_str(dir.path())]);
        let hits: Vec<(String, String)> = findings(&report)
            .iter()
            .filter(|f| f["rule"] == *rule)
            .map(|f| {
                (
                    f["path"].as_str().unwrap().to_string(),
                    f["confidence"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(
            hits,
            vec![("good/.env".to_string(), "high".to_string())],
            "{rule}: {report:#}"
        );
    }
}

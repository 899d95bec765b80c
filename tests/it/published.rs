//! Published example values (`rules/published-examples.toml`): each one, written where it is
//! usually found (a settings module, a `.env`, a README, a test), is dropped and `--explain`
//! names it as a published example; the same value with one character changed is reported.

use crate::util::{findings, path_str, scan, scan_json, tree};

struct Example {
    value: String,
    provider: String,
    source: String,
}

fn examples() -> Vec<Example> {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/published-examples.toml");
    let text = std::fs::read_to_string(path).expect("the example list is readable");
    let file: toml::Value = toml::from_str(&text).expect("the example list is TOML");
    let list = file["example"].as_array().expect("a list of [[example]]");
    list.iter()
        .map(|e| {
            let field = |k: &str| {
                e[k].as_str()
                    .unwrap_or_else(|| panic!("`{k}` in {e:?}"))
                    .to_string()
            };
            Example {
                value: field("value"),
                provider: field("provider"),
                source: field("source"),
            }
        })
        .collect()
}

/// The variable name a value of this shape is usually assigned to.
fn name_for(value: &str) -> &'static str {
    let base64 = |v: &str| {
        v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'/' || b == b'+' || b == b'=')
    };
    match value {
        v if v.starts_with("AKIA") => "AWS_ACCESS_KEY_ID",
        v if v.starts_with("eyJ") => "AUTH_TOKEN",
        v if v.starts_with("sk_test_") || v.starts_with("sk_live_") => "STRIPE_SECRET_KEY",
        v if v.starts_with("key-") => "MAILGUN_API_KEY",
        v if v.starts_with("test_") || v.starts_with("live_") => "LOB_API_KEY",
        v if v.starts_with("AIza") => "GOOGLE_API_KEY",
        // A Discord bot token: three dot-separated parts, the first the bot's user ID.
        v if v.matches('.').count() == 2 => "DISCORD_BOT_TOKEN",
        v if v.len() == 88 && v.ends_with("==") && base64(v) => "AZURE_STORAGE_KEY",
        v if v.len() == 40 && base64(v) => "AWS_SECRET_ACCESS_KEY",
        v if v.len() == 40 => "CLOUDFLARE_API_TOKEN",
        _ => "API_SECRET",
    }
}

/// The places a value is written to: (path, contents).
fn places(value: &str) -> Vec<(&'static str, String)> {
    let name = name_for(value);
    vec![
        ("config/settings.py", format!("import os\n\n{name} = \"{value}\"\nDEBUG = False\n")),
        (".env", format!("{name}={value}\n")),
        (
            "README.md",
            format!("# Setup\n\nPut your credentials in `.env`:\n\n```sh\nexport {name}={value}\n```\n"),
        ),
        ("tests/test_client.py", format!("def test_client():\n    client = Client(\"{value}\")\n    assert client\n\n{name} = \"{value}\"\n")),
    ]
}

/// The value with one letter changed, keeping its shape: a letter in the middle (of the last
/// `.`-separated part, so a JWT's header and payload still decode), or, for values that carry
/// the word EXAMPLE (which the placeholder check rejects on its own), a letter of that word.
fn one_letter_off(value: &str) -> String {
    let mut bytes = value.as_bytes().to_vec();
    let start = match value.find("EXAMPLE") {
        Some(at) => at + 4,
        None => {
            let last = value.rfind('.').map_or(0, |d| d + 1);
            last + (value.len() - last) / 2
        }
    };
    let at = (start..bytes.len())
        .find(|&i| bytes[i].is_ascii_alphabetic())
        .expect("a letter after the middle");
    bytes[at] = match bytes[at] {
        b'z' => b'y',
        b'Z' => b'Y',
        b => b + 1,
    };
    String::from_utf8(bytes).expect("ASCII")
}

#[test]
fn every_published_example_is_dropped_and_explained() {
    let list = examples();
    assert!(!list.is_empty());
    for e in &list {
        for (path, text) in places(&e.value) {
            let dir = tree(&[(path, text.as_bytes())]);
            let report = scan_json(&["--explain", path_str(dir.path())]);
            assert!(
                findings(&report).is_empty(),
                "{} in {path} is reported: {:#}",
                e.value,
                report["findings"]
            );
            let out = scan(&["--explain", path_str(dir.path())]);
            let explained = String::from_utf8_lossy(&out.stderr);
            let want = format!("published example: {}, {}", e.provider, e.source);
            assert!(
                explained.contains(&want),
                "{} in {path}: wanted {want:?} in {explained}",
                e.value
            );
            assert_eq!(out.status.code(), Some(0), "{} in {path}", e.value);
        }
    }
}

#[test]
fn a_published_example_one_letter_off_is_reported() {
    for e in &examples() {
        let changed = one_letter_off(&e.value);
        assert_ne!(changed, e.value);
        assert_eq!(changed.len(), e.value.len());
        for (path, text) in places(&changed) {
            let dir = tree(&[(path, text.as_bytes())]);
            let report = scan_json(&["--show-secrets", path_str(dir.path())]);
            assert!(
                findings(&report)
                    .iter()
                    .any(|f| f["secret"].as_str() == Some(changed.as_str())),
                "{changed} (from {}) in {path} is not reported: {:#}",
                e.value,
                report["findings"]
            );
        }
    }
}

#[test]
fn the_example_list_has_a_value_provider_and_https_source_for_each_entry() {
    for e in examples() {
        assert!(!e.value.is_empty() && !e.provider.is_empty());
        assert!(e.source.starts_with("https://"), "{}", e.source);
        // Tokens with a checksum (GitHub, npm) must never be stored in files.
        for prefix in [
            "ghp_",
            "gho_",
            "ghu_",
            "ghs_",
            "ghr_",
            "github_pat_",
            "npm_",
        ] {
            assert!(!e.value.starts_with(prefix), "{}", e.value);
        }
    }
}

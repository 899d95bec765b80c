//! Exposure: where a key would end up (client, server, test, docs), the rules that report a
//! client exposure without any key, keys in huge minified lines, and what exposure does to the
//! severity that SARIF consumers see.

use serde_json::Value;

use crate::outputs::assert_valid_sarif;
use crate::util::{findings, fixture, path_str, scan, scan_json, tree};

/// (path in fixtures/exposure, exposure, a word of the reason). One DeepSeek key per file.
const PLACES: &[(&str, &str, &str)] = &[
    ("android/app/build.gradle", "client", "buildConfigField"),
    (
        "android/app/src/main/java/com/acme/chat/DeepSeekClient.kt",
        "client",
        "Android app code",
    ),
    (
        "android/app/src/main/res/values/secrets.xml",
        "client",
        "Android resource",
    ),
    ("app/.env", "client", "EXPO_PUBLIC_"),
    ("crates/chat-wasm/src/lib.rs", "client", "WebAssembly"),
    ("docs/setup.md", "docs", "documentation"),
    ("ios/Config/Release.xcconfig", "client", "iOS"),
    ("ios/DeepSeekChat/ChatService.swift", "client", "mobile app"),
    ("ios/DeepSeekChat/Info.plist", "client", "iOS"),
    ("server/.env", "server", "server"),
    ("server/deepseek_client.py", "server", "server"),
    ("server/src/config.ts", "server", "server"),
    ("site/static/settings.json", "client", "static folder"),
    ("tests/test_chat.py", "test", "test"),
    ("web/.env.local", "client", "NEXT_PUBLIC_"),
    ("web/.env.production", "client", "VITE_"),
    (
        "web/build/static/js/main.4c1e9b.chunk.js",
        "client",
        "build output",
    ),
    (
        "web/dist/assets/index-8c1f2a.js.map",
        "client",
        "source map",
    ),
    ("web/index.html", "client", "HTML"),
    ("web/public/runtime-config.js", "client", "static folder"),
    ("web/src/__tests__/ChatBox.test.jsx", "test", "test"),
    ("web/src/components/ChatBox.jsx", "client", "UI component"),
    ("web/src/components/ChatBox.vue", "client", "UI component"),
    (
        "web/src/lib/browser-client.ts",
        "client",
        "dangerouslyAllowBrowser",
    ),
    ("web/src/lib/deepseek.ts", "client", "'use client'"),
    ("web/src/routes/chat/+page.svelte", "client", "UI component"),
];

/// The text at a finding's (line, column)..end_column in its file: columns are code points.
fn text_at(root: &std::path::Path, f: &Value) -> String {
    let path = f["path"].as_str().expect("a path");
    let text = std::fs::read_to_string(root.join(path)).expect("the fixture is UTF-8");
    let line = f["line"].as_u64().expect("a line") as usize;
    let col = f["column"].as_u64().expect("a column") as usize;
    let end = f["end_column"].as_u64().expect("an end column") as usize;
    let l = text.lines().nth(line - 1).expect("the line exists");
    l.chars().skip(col - 1).take(end - col).collect()
}

#[test]
fn every_place_has_the_expected_exposure() {
    let root = fixture("exposure");
    let report = scan_json(&[path_str(&root), "--show-secrets"]);
    let keys: Vec<&Value> = findings(&report)
        .iter()
        .filter(|f| f["rule"] == "deepseek.api-key")
        .collect();
    let got: Vec<(&str, &str)> = keys
        .iter()
        .map(|f| {
            (
                f["path"].as_str().expect("a path"),
                f["exposure"].as_str().expect("an exposure"),
            )
        })
        .collect();
    let want: Vec<(&str, &str)> = PLACES.iter().map(|(p, e, _)| (*p, *e)).collect();
    assert_eq!(got, want);
    for (f, (path, _, reason)) in keys.iter().zip(PLACES) {
        let why = f["exposure_reason"].as_str().expect("a reason");
        assert!(why.contains(reason), "{path}: {why}");
        assert_eq!(f["provider"], "DeepSeek", "{path}");
        // Exact columns everywhere, including inside the source map's escaped JSON string.
        assert_eq!(
            text_at(&root, f),
            f["secret"].as_str().expect("shown"),
            "{path}"
        );
    }
    let clients = PLACES.iter().filter(|(_, e, _)| *e == "client").count();
    assert!(clients >= 12, "{clients} client contexts");
}

/// The same key, moved: client code, server code, a test folder, docs.
#[test]
fn the_same_key_changes_exposure_with_its_place() {
    let line = b"const deepseek = { apiKey: 'sk-c3e8a1f5b9d27e4a6c0f8b2d5e1a9c74' };\n";
    let cases: &[(&str, &str)] = &[
        ("web/src/Chat.tsx", "client"),
        ("server/src/chat.ts", "server"),
        ("tests/chat.ts", "test"),
        ("web/src/Chat.test.tsx", "test"),
        ("docs/chat.md", "docs"),
    ];
    for (path, want) in cases {
        let dir = tree(&[(path, line)]);
        let report = scan_json(&[path_str(dir.path())]);
        let found = findings(&report);
        assert_eq!(found.len(), 1, "{path}: {report}");
        assert_eq!(found[0]["exposure"], *want, "{path}");
    }
}

/// One line per case: file, contents, rule, how many findings of that rule, exposure.
#[test]
fn value_less_rules_and_their_negatives() {
    type Case = (
        &'static str,
        &'static str,
        &'static str,
        usize,
        &'static str,
    );
    let env_ref = "exposure.public-env-reference";
    let env_def = "exposure.public-env-definition";
    let sdk = "exposure.browser-sdk";
    let http = "exposure.plain-http-endpoint";
    let cases: &[Case] = &[
        (
            "web/src/lib/ai.ts",
            "const c = new OpenAI({ apiKey: process.env.NEXT_PUBLIC_DEEPSEEK_API_KEY, baseURL: 'https://api.deepseek.com' });\n",
            env_ref,
            1,
            "client",
        ),
        (
            "web/src/lib/ai.ts",
            "const key = import.meta.env.VITE_OPENAI_API_KEY;\n",
            env_ref,
            1,
            "client",
        ),
        (
            "app/lib/auth.ts",
            "export const secret = process.env.EXPO_PUBLIC_APP_SECRET;\n",
            env_ref,
            1,
            "client",
        ),
        (
            "web/src/lib/ai.js",
            "fetch(u, { headers: { Authorization: `Bearer ${process.env.REACT_APP_ANTHROPIC_KEY}` } });\n",
            env_ref,
            1,
            "client",
        ),
        // A server-only variable, and a public variable that is no secret.
        (
            "server/ai.ts",
            "const c = new OpenAI({ apiKey: process.env.DEEPSEEK_API_KEY });\n",
            env_ref,
            0,
            "",
        ),
        (
            "web/src/lib/ai.ts",
            "const base = import.meta.env.VITE_API_BASE_URL;\n",
            env_ref,
            0,
            "",
        ),
        (
            "web/.env.local",
            "NEXT_PUBLIC_DEEPSEEK_API_KEY=\n",
            env_def,
            1,
            "client",
        ),
        (
            "web/.env",
            "# set in CI\nexport VITE_OPENAI_API_KEY=${OPENAI_API_KEY}\n",
            env_def,
            1,
            "client",
        ),
        ("server/.env", "DEEPSEEK_API_KEY=\n", env_def, 0, ""),
        (
            "web/.env",
            "NEXT_PUBLIC_FIREBASE_API_KEY=\n",
            env_def,
            0,
            "",
        ),
        (
            "web/src/lib/ai.ts",
            "const c = new OpenAI({ apiKey, baseURL: 'https://api.deepseek.com', dangerouslyAllowBrowser: true });\n",
            sdk,
            1,
            "client",
        ),
        (
            "web/src/lib/ai.ts",
            "const c = new OpenAI({ apiKey, baseURL: 'https://api.deepseek.com' });\n",
            sdk,
            0,
            "",
        ),
        (
            "web/src/lib/ai.ts",
            "const c = new OpenAI({ apiKey, dangerouslyAllowBrowser: false });\n",
            sdk,
            0,
            "",
        ),
        (
            "server/chat.py",
            "client = OpenAI(api_key=key, base_url='http://api.deepseek.com/v1')\n",
            http,
            1,
            "server",
        ),
        (
            "server/chat.py",
            "client = OpenAI(api_key=key, base_url='https://api.deepseek.com/v1')\n",
            http,
            0,
            "",
        ),
        (
            "server/chat.py",
            "client = OpenAI(api_key=key, base_url='http://localhost:11434/v1')\n",
            http,
            0,
            "",
        ),
    ];
    for (path, text, rule, count, exposure) in cases {
        let dir = tree(&[(path, text.as_bytes())]);
        let report = scan_json(&[path_str(dir.path())]);
        let hits: Vec<&Value> = findings(&report)
            .iter()
            .filter(|f| f["rule"] == *rule)
            .collect();
        assert_eq!(hits.len(), *count, "{rule} on {path}: {text}\n{report:#}");
        for f in hits {
            assert_eq!(f["exposure"], *exposure, "{rule} on {path}: {text}");
        }
    }
}

/// A 5 MB bundle on one line, with non-ASCII strings before the keys: both keys are found at
/// their exact code-point columns, and the code frame is cut to a readable window.
#[test]
fn two_keys_in_a_five_megabyte_single_line_bundle() {
    let keys = [
        "sk-7d2f9a4c1e8b35d0a6c9f2e7b4d1a8c3",
        "sk-e1b6d3a8f0c47e2b9d5a1c8f3e6b0d74",
    ];
    let mut bundle = String::from("\"use strict\";var deepseek={};");
    let mut cols = Vec::new();
    let mut i = 0u64;
    for (n, key) in keys.iter().enumerate() {
        let until = (n + 1) * 2_400_000;
        while bundle.len() < until {
            bundle.push_str(&format!(
                "function f{i}(e){{return e.label||\"Größe {i} – ✓\"}}"
            ));
            i += 1;
        }
        let head = format!("var k{n}={{baseURL:\"https://api.deepseek.com\",apiKey:\"");
        bundle.push_str(&head);
        cols.push(bundle.chars().count() as u64 + 1);
        bundle.push_str(key);
        bundle.push_str("\"};");
    }
    while bundle.len() < 5_000_000 {
        bundle.push_str(&format!("function z{i}(q){{return q+{i}}}"));
        i += 1;
    }
    let dir = tree(&[("dist/assets/index-9b1e7f.js", bundle.as_bytes())]);
    let report = scan_json(&[path_str(dir.path()), "--show-secrets"]);
    let got: Vec<(u64, u64, &str, &str)> = findings(&report)
        .iter()
        .map(|f| {
            (
                f["line"].as_u64().expect("a line"),
                f["column"].as_u64().expect("a column"),
                f["secret"].as_str().expect("shown"),
                f["exposure"].as_str().expect("an exposure"),
            )
        })
        .collect();
    let want: Vec<(u64, u64, &str, &str)> = keys
        .iter()
        .zip(&cols)
        .map(|(k, c)| (1, *c, *k, "client"))
        .collect();
    assert_eq!(got, want);

    let out = scan(&[path_str(dir.path())]);
    let text = String::from_utf8_lossy(&out.stdout);
    let frames: Vec<&str> = text.lines().filter(|l| l.starts_with("  1 | ")).collect();
    assert_eq!(frames.len(), 2, "{text}");
    for f in frames {
        assert!(f.chars().count() < 200, "frame not cut: {} chars", f.len());
        assert!(
            f.contains('…') && (f.contains("sk-7d2") != f.contains("sk-e1b")),
            "{f}"
        );
    }
}

/// One client and one server finding of the same confidence: SARIF scores them apart, and a
/// test finding is lowered. The document still validates.
#[test]
fn sarif_severity_and_level_follow_exposure() {
    let dir = tree(&[
        (
            "web/index.html",
            b"<script>const deepseek = { apiKey: 'sk-5b8e2d7a0c4f91e3b6d8a2c5f0e7b193' };</script>\n",
        ),
        (
            "server/chat.py",
            b"# deepseek\nKEY = 'sk-9c3f6a1d8e0b47c2a5f9d3e6b1c8a470'\n",
        ),
        (
            "tests/test_chat.py",
            b"# deepseek\nKEY = 'sk-2e7b4d9a1f6c03e8b5a2d7f4c9e1b068'\n",
        ),
    ]);
    let out = scan(&["--format", "sarif", path_str(dir.path())]);
    let doc: Value = serde_json::from_slice(&out.stdout).expect("SARIF is JSON");
    assert_valid_sarif(&doc);
    let results = doc["runs"][0]["results"]
        .as_array()
        .expect("results is an array");
    let got: Vec<(&str, &str, &str, &str)> = results
        .iter()
        .map(|r| {
            (
                r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                    .as_str()
                    .expect("a uri"),
                r["properties"]["exposure"].as_str().expect("exposure"),
                r["properties"]["security-severity"]
                    .as_str()
                    .expect("a score"),
                r["level"].as_str().expect("a level"),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("server/chat.py", "server", "8.0", "error"),
            ("tests/test_chat.py", "test", "6.0", "warning"),
            ("web/index.html", "client", "9.5", "error"),
        ]
    );
}

#[test]
fn human_output_shows_exposure_and_its_reason() {
    let dir = tree(&[(
        "web/.env.local",
        b"NEXT_PUBLIC_DEEPSEEK_API_KEY=sk-4a9e1c7f3b2d85e0a6c1f9b4d7e2a3c8\n",
    )]);
    let out = scan(&[path_str(dir.path())]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("severity: critical, exposure: client (NEXT_PUBLIC_ variables are inlined"),
        "{text}"
    );
    assert!(text.contains("[exposure.public-env-definition]"), "{text}");
}

//! DeepSeek keys in every place they leak, and the decoys that must stay quiet.

use crate::util::{findings, fixture, path_str, scan, scan_json, tree};

/// (path in fixtures/deepseek, line, column, key prefix). Lines and columns are 1-based.
const PLACES: &[(&str, u64, u64, &str)] = &[
    (".claude.env", 2, 29, "sk-f1e4"), // ANTHROPIC_AUTH_TOKEN + DeepSeek base URL
    (".env", 4, 18, "sk-4f1a"),        // dotenv
    ("backend/chat.py", 5, 14, "sk-7c3a"), // OpenAI SDK + base_url
    ("backend/openai_compat.py", 4, 33, "sk-5c9e"), // OPENAI_API_KEY + DeepSeek base URL
    ("config/llm.yaml", 5, 12, "sk-c0f3"), // YAML
    ("config/settings.json", 6, 18, "sk-6d2a"), // JSON
    ("notebooks/try_deepseek.ipynb", 19, 43, "sk-0e6b"), // Jupyter, inside an escaped JSON string
    ("ops/Dockerfile", 5, 22, "sk-2f8c"), // Dockerfile ENV
    ("rust/src/config.rs", 4, 37, "sk-9e2c"), // Rust const
    ("scripts/link.html", 4, 63, "sk-d7b2"), // URL query ?api_key=
    ("scripts/smoke.sh", 6, 29, "sk-8a1d"), // curl -H
    ("web/.env.local", 3, 30, "sk-b83e"), // NEXT_PUBLIC_
    ("web/.env.production", 2, 20, "sk-3d9a"), // VITE_
    ("web/src/components/ChatPanel.tsx", 7, 12, "sk-e5a8"), // browser-side client
    ("web/src/lib/api.js", 7, 30, "sk-1b7e"), // fetch + Authorization: Bearer
    ("web/src/lib/gateway.ts", 7, 30, "sk-a4f7"), // X-API-KEY header
];

#[test]
fn finds_deepseek_keys_wherever_they_leak() {
    let root = fixture("deepseek");
    let report = scan_json(&[path_str(&root), "--show-secrets"]);
    // The value-less exposure rules (rules/client-exposure.toml) also fire on this tree.
    let found: Vec<&serde_json::Value> = findings(&report)
        .iter()
        .filter(|f| f["rule"] == "deepseek.api-key")
        .collect();
    let got: Vec<(String, u64, u64, String)> = found
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
                f["secret"].as_str().unwrap()[..7].to_string(),
            )
        })
        .collect();
    let want: Vec<(String, u64, u64, String)> = PLACES
        .iter()
        .map(|(p, l, c, k)| (p.to_string(), *l, *c, k.to_string()))
        .collect();
    assert_eq!(got, want);
    for f in found {
        assert_eq!(f["provider"], "DeepSeek", "{f}");
        assert_eq!(f["rule"], "deepseek.api-key", "{f}");
        assert_eq!(f["confidence"], "high", "{f}");
        let len = f["secret"].as_str().unwrap().chars().count() as u64;
        assert_eq!(
            f["end_column"].as_u64().unwrap(),
            f["column"].as_u64().unwrap() + len,
            "{f}"
        );
    }
}

/// A key in a minified bundle of several hundred KB, on one line, far from its start.
#[test]
fn finds_a_key_deep_inside_a_minified_bundle() {
    let mut bundle = String::from("\"use strict\";");
    let mut state: u64 = 0x9e3779b97f4a7c15;
    let mut i = 0;
    while bundle.len() < 600_000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        bundle.push_str(&format!(
            "var a{i}=function(e,t){{return e.map(function(n){{return n*{}+t}})}};",
            state % 9973
        ));
        i += 1;
    }
    let at = bundle.len();
    bundle.push_str("const c=new OpenAI({baseURL:\"https://api.deepseek.com\",apiKey:\"sk-e5a8c1f3b9d04e7a2c6f8b1d3e9a5c70\"});");
    for j in 0..2000 {
        bundle.push_str(&format!("function z{j}(q){{return q+{j}}}"));
    }
    let dir = tree(&[("dist/assets/index-4f9a2c.js", bundle.as_bytes())]);
    let report = scan_json(&[path_str(dir.path())]);
    let found = findings(&report);
    assert_eq!(found.len(), 1, "{report}");
    let key_col =
        at + "const c=new OpenAI({baseURL:\"https://api.deepseek.com\",apiKey:\"".len() + 1;
    assert_eq!(found[0]["line"], 1);
    assert_eq!(found[0]["column"].as_u64().unwrap(), key_col as u64);
    assert_eq!(found[0]["provider"], "DeepSeek");
}

#[test]
fn placeholders_references_digests_and_redacted_keys_are_quiet() {
    let report = scan_json(&[path_str(&fixture("negatives"))]);
    assert_eq!(
        findings(&report),
        &Vec::<serde_json::Value>::new(),
        "{report:#}"
    );
    assert!(report["stats"]["files_scanned"].as_u64().unwrap() >= 8);
}

/// One line per case: the file, its contents, the provider reported (None: nothing).
#[test]
fn attribution_by_context_in_the_same_file() {
    let key = "sk-4f1a9c2e7b3d8e6f0a5c1b9d2e7f3a8c";
    let cases: &[(&str, String, Option<&str>)] = &[
        (
            "a.env",
            format!("DEEPSEEK_API_KEY={key}\n"),
            Some("DeepSeek"),
        ),
        (
            "b.env",
            format!("DASHSCOPE_API_KEY={key}\n"),
            Some("Alibaba DashScope"),
        ),
        (
            "c.py",
            format!("base = 'https://dashscope.aliyuncs.com/compatible-mode/v1'\nkey = '{key}'\n"),
            Some("Alibaba DashScope"),
        ),
        (
            "d.py",
            format!("key = '{key}'\n"),
            Some("DeepSeek or DashScope"),
        ),
        (
            "e.env",
            format!("OPENAI_API_KEY={key}\nOPENAI_BASE_URL=https://api.deepseek.com/v1\n"),
            Some("DeepSeek"),
        ),
    ];
    for (name, text, want) in cases {
        let dir = tree(&[(name, text.as_bytes())]);
        let report = scan_json(&[path_str(dir.path())]);
        let got = findings(&report)
            .first()
            .map(|f| f["provider"].as_str().unwrap().to_string());
        assert_eq!(got.as_deref(), *want, "{name}: {text}");
        if *want == Some("DeepSeek or DashScope") {
            assert_eq!(findings(&report)[0]["confidence"], "medium");
        }
    }
}

/// A bare key whose own file names neither provider: the nearest folder, up to the scan root,
/// whose files name exactly one decides, and the finding says which file. Two folders of one
/// tree use different providers; a folder naming both decides nothing, so its parent does;
/// with nothing anywhere the provider stays undecided.
#[test]
fn attribution_from_the_files_around_a_bare_key() {
    let (k1, k2, k3, k4) = (
        "sk-4f1a9c2e7b3d8e6f0a5c1b9d2e7f3a8c",
        "sk-9b2e4d7a1c8f3e6b0d5a2c7e9f1b4d8a",
        "sk-7c3a1e9f5b2d8c4e6a0f3b7d1e9c5a2f",
        "sk-2d8f4b6a0c9e1f3a5b7d9c2e4f6a8b1c",
    );
    let chat = format!("import os\nclient = make_client(api_key='{k1}')\n");
    let embed = format!("export const KEY = \"{k2}\";\n");
    let deep = format!("KEY = '{k3}'\n");
    let top = format!("key: {k4}\n");
    let dir = tree(&[
        // services/chat: a README that names DeepSeek; the key sits one folder down.
        (
            "services/chat/README.md",
            b"Chat service. Set DEEPSEEK_API_KEY; see https://api-docs.deepseek.com.\n",
        ),
        ("services/chat/src/client.py", chat.as_bytes()),
        // services/embed: its package names DashScope.
        (
            "services/embed/package.json",
            b"{\"name\": \"embed\", \"dependencies\": {\"dashscope\": \"^1.0.0\"}}\n",
        ),
        ("services/embed/index.ts", embed.as_bytes()),
        // mixed: names both, so it decides nothing; its parent (the root) names DeepSeek only
        // through services/..., which is not a file directly in it: undecided.
        ("mixed/notes.md", b"We tried DeepSeek and DashScope.\n"),
        ("mixed/inner/key.py", deep.as_bytes()),
        ("config.yaml", top.as_bytes()),
    ]);
    let report = scan_json(&[path_str(dir.path())]);
    let by_path = |p: &str| {
        findings(&report)
            .iter()
            .find(|f| f["path"] == p)
            .unwrap_or_else(|| panic!("no finding in {p}: {report:#}"))
            .clone()
    };
    let chat = by_path("services/chat/src/client.py");
    assert_eq!(chat["provider"], "DeepSeek", "{chat:#}");
    assert!(
        chat["attributed_by"]
            .as_str()
            .unwrap()
            .ends_with("services/chat/README.md"),
        "{chat:#}"
    );
    let embed = by_path("services/embed/index.ts");
    assert_eq!(embed["provider"], "Alibaba DashScope", "{embed:#}");
    assert!(
        embed["attributed_by"]
            .as_str()
            .unwrap()
            .ends_with("services/embed/package.json"),
        "{embed:#}"
    );
    for p in ["mixed/inner/key.py", "config.yaml"] {
        let f = by_path(p);
        assert_eq!(f["provider"], "DeepSeek or DashScope", "{f:#}");
        assert!(f.get("attributed_by").is_none(), "{f:#}");
    }
    // The human report says where the provider came from.
    let out = scan(&[path_str(dir.path()), "--no-progress"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("provider: DeepSeek (named in "), "{text}");
}

/// A folder naming one provider decides for the folders below it too, up to the scan root,
/// and no further: the root scanned is the service folder, so a README above it is not read.
#[test]
fn attribution_from_files_stops_at_the_scan_root() {
    let key = "sk-4f1a9c2e7b3d8e6f0a5c1b9d2e7f3a8c";
    let code = format!("KEY = '{key}'\n");
    let dir = tree(&[
        ("README.md", b"Uses DashScope.\n"),
        ("svc/app/deep/er/key.py", code.as_bytes()),
        ("svc/docs.md", b"The DeepSeek client lives in app/.\n"),
    ]);
    let report = scan_json(&[path_str(dir.path())]);
    let f = &findings(&report)[0];
    assert_eq!(f["provider"], "DeepSeek", "{f:#}");
    assert!(
        f["attributed_by"]
            .as_str()
            .unwrap()
            .ends_with("svc/docs.md"),
        "{f:#}"
    );
    let svc = dir.path().join("svc/app");
    let report = scan_json(&[path_str(&svc)]);
    let f = &findings(&report)[0];
    assert_eq!(f["provider"], "DeepSeek or DashScope", "{f:#}");
}

/// Keys hidden by an encoding are found at the encoded span, which says how it was hidden.
#[test]
fn keys_hidden_by_base64_hex_or_percent_encoding() {
    use base64::Engine as _;
    let key = "sk-4f1a9c2e7b3d8e6f0a5c1b9d2e7f3a8c";
    let b64 = base64::engine::general_purpose::STANDARD.encode(key);
    let url = format!("https://api.deepseek.com/v1/models?api_key={key}");
    let pct: String = url
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let b64_url = base64::engine::general_purpose::STANDARD.encode(&pct);
    let cases: &[(&str, String, &str)] = &[
        ("k8s/secret.yaml", format!("apiVersion: v1\nkind: Secret\nmetadata:\n  name: deepseek-credentials\ndata:\n  api-key: {b64}\n"), "base64"),
        ("app/redirect.js", format!("// deepseek proxy\nconst next = \"{pct}\";\n"), "percent-encoding"),
        ("app/config.json", format!("{{\"deepseek\": \"{b64_url}\"}}\n"), "base64+percent-encoding"),
    ];
    for (path, text, encoding) in cases {
        let dir = tree(&[(path, text.as_bytes())]);
        let report = scan_json(&[path_str(dir.path())]);
        let found = findings(&report);
        let f = found
            .iter()
            .find(|f| f["rule"] == "deepseek.api-key")
            .unwrap_or_else(|| panic!("{path}: {report:#}"));
        assert_eq!(f["encoding"], *encoding, "{path}");
        assert_eq!(f["provider"], "DeepSeek", "{path}");
        let line_no = f["line"].as_u64().unwrap() as usize;
        let line = text.lines().nth(line_no - 1).unwrap();
        let col = f["column"].as_u64().unwrap() as usize - 1;
        let end = f["end_column"].as_u64().unwrap() as usize - 1;
        let span = &line[col..end];
        assert!(
            span.starts_with(&b64[..8])
                || span.starts_with("https%3A")
                || span.starts_with(&b64_url[..8]),
            "{path}: {span}"
        );
        assert_eq!(f["secret_sha256"].as_str().unwrap().len(), 64);
    }
}

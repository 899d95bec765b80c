//! Rust sources through `syn`: what byte scanning of a `.rs` file cannot see (`concat!` keys,
//! raw strings in any binding, the name a literal is bound to, `env!` in wasm crates), and the
//! file that does not parse, which keeps its byte findings.

use keyhound::chunk::{Chunk, Provenance};
use keyhound::detect::{DetectOptions, Engine};
use keyhound::finding::Finding;
use keyhound::rules::RuleSet;

use crate::util::{findings, fixture, path_str, scan_json};

/// (path in fixtures/rust, line, column, rule, provider, confidence, exposure).
type Place = (
    &'static str,
    u64,
    u64,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

const PLACES: &[Place] = &[
    // The file does not parse: the byte finding stays.
    (
        "broken.rs",
        5,
        16,
        "deepseek.api-key",
        "DeepSeek",
        "high",
        "server",
    ),
    // The whole `concat!` call, attributed by the DeepSeek URL in the same file.
    (
        "concat_key.rs",
        5,
        32,
        "deepseek.api-key",
        "DeepSeek",
        "high",
        "server",
    ),
    // A generic finding on a secret-named const, raised from low.
    (
        "const_name.rs",
        3,
        36,
        "generic.secret-assignment",
        "Generic",
        "medium",
        "server",
    ),
    // `r#"…"#` in a struct field: no byte rule reads it.
    (
        "raw_strings.rs",
        9,
        27,
        "generic.rust-secret-const",
        "Generic",
        "low",
        "server",
    ),
    (
        "raw_strings.rs",
        14,
        24,
        "generic.secret-assignment",
        "Generic",
        "low",
        "server",
    ),
    // env! far from any marker, and option_env! nested in format!.
    (
        "wasm-client/src/lib.rs",
        23,
        11,
        "rust.env-secret-in-client",
        "Generic",
        "medium",
        "client",
    ),
    (
        "wasm-client/src/lib.rs",
        27,
        39,
        "rust.env-secret-in-client",
        "Generic",
        "medium",
        "client",
    ),
];

#[test]
fn rust_sources_show_what_bytes_cannot() {
    let report = scan_json(&[path_str(&fixture("rust")), "--show-secrets"]);
    let found = findings(&report);
    let text = |f: &serde_json::Value, k: &str| f[k].as_str().expect("a string field").to_string();
    let got: Vec<String> = found
        .iter()
        .map(|f| {
            format!(
                "{} {} {} {} {} {} {}",
                text(f, "path"),
                f["line"],
                f["column"],
                text(f, "rule"),
                text(f, "provider"),
                text(f, "confidence"),
                text(f, "exposure")
            )
        })
        .collect();
    let want: Vec<String> = PLACES
        .iter()
        .map(|(p, l, c, r, pr, conf, e)| format!("{p} {l} {c} {r} {pr} {conf} {e}"))
        .collect();
    assert_eq!(got, want, "{report:#}");

    let concat = &found[1];
    assert_eq!(concat["secret"], "sk-4f1a9c2e7b3d8e6f0a5c1b9d2e7f3a8c");
    let call = r#"concat!("sk-4f1a9c2e", "7b3d8e6f0a5c", "1b9d2e7f3a8c")"#;
    assert_eq!(
        concat["end_column"].as_u64().expect("end_column"),
        32 + call.len() as u64
    );
    for env in &found[5..] {
        assert_eq!(
            env["exposure_reason"],
            "env! bakes the value into the wasm binary"
        );
        assert!(env.get("secret").is_none(), "value-less: {env}");
    }
}

fn scan_with(path: &str, text: &str, rust_analysis: bool) -> Vec<Finding> {
    let engine = Engine::new(
        RuleSet::builtin().expect("built-in rules load"),
        DetectOptions {
            rust_analysis,
            ..DetectOptions::default()
        },
    )
    .expect("the engine builds");
    let chunk = Chunk {
        provenance: Provenance::File { path: path.into() },
        data: text.as_bytes(),
    };
    engine.scan(&chunk, &mut engine.scratch())
}

/// (file name, contents, rule, confidence with the analysis off, and on).
type Case = (
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
);

const CASES: &[Case] = &[
    (
        "a.rs",
        "// api.deepseek.com\nconst K: &str = concat!(\"sk-4f1a9c2e\", \"7b3d8e6f0a5c\", \"1b9d2e7f3a8c\");\n",
        "deepseek.api-key",
        None,
        Some("high"),
    ),
    (
        "a.rs",
        "const K: &[u8] = concat!(\"sk-4f1a9c2e\", \"7b3d8e6f0a5c\", \"1b9d2e7f3a8c\").as_bytes();\n",
        "deepseek.api-key",
        None,
        Some("medium"),
    ),
    (
        "a.rs",
        "fn f() -> Cfg { Cfg { client_secret: r#\"Qm4nT8vX2zB6cD9fH3jK7s\"# } }\n",
        "generic.rust-secret-const",
        None,
        Some("low"),
    ),
    (
        "a.rs",
        "const STRIPE_SECRET: &str = r#\"Zx9vQ2mL7pK4wR8tY6nB\"#;\n",
        "generic.rust-secret-const",
        Some("medium"),
        Some("medium"),
    ),
    (
        "a.rs",
        "pub const PAYMENT_API_KEY: &str = \"Zx9vQ2mL7pK4wR8tY6nB\";\n",
        "generic.secret-assignment",
        Some("low"),
        Some("medium"),
    ),
    (
        "a.rs",
        "fn f() { let api_key = \"Zx9vQ2mL7pK4wR8tY6nB\"; }\n",
        "generic.secret-assignment",
        Some("low"),
        Some("low"),
    ),
    (
        "a.rs",
        "use leptos::*;\nfn f() {}\nfn g() {}\nfn h() {}\nfn i() {}\nfn j() {}\nfn k() {}\nfn l() {}\nfn m() {}\nfn n() {}\nfn o() {}\nfn p() {}\nfn q() {}\nfn r() {}\nfn s() {}\nfn t() {}\nfn u() {}\nfn v() {}\nfn w() {}\nfn x() {}\nfn y() {}\nfn z() {}\n// ......................................................................................\n// ......................................................................................\n// ......................................................................................\n// ......................................................................................\n// ......................................................................................\nconst KEY: &str = env!(\"STRIPE_SECRET_KEY\");\n",
        "rust.env-secret-in-client",
        None,
        Some("medium"),
    ),
    (
        "a.rs",
        "fn main() { let k = env!(\"DEEPSEEK_API_KEY\"); }\n",
        "rust.env-secret-in-client",
        None,
        None,
    ),
    (
        "a.rs",
        "#[wasm_bindgen]\npub fn v() -> &'static str { env!(\"CARGO_PKG_VERSION\") }\n",
        "rust.env-secret-in-client",
        None,
        None,
    ),
    // Test vectors in test code are not new findings.
    (
        "a.rs",
        "#[cfg(test)]\nmod tests {\n    fn f() -> Cfg { Cfg { client_secret: r#\"Qm4nT8vX2zB6cD9fH3jK7s\"# } }\n}\n",
        "generic.rust-secret-const",
        None,
        None,
    ),
    // A syntax error: the byte finding is kept as it is.
    (
        "a.rs",
        "fn main( {\n    let key = \"sk-9e2c4f1a7b3d8e6f0a5c1b9d2e7f3a8c\"; // deepseek\n",
        "deepseek.api-key",
        Some("high"),
        Some("high"),
    ),
    (
        "a.rs",
        "pub const PAYMENT_API_KEY: &str = \"Zx9vQ2mL7pK4wR8tY6nB\"\nfn (",
        "generic.secret-assignment",
        Some("low"),
        Some("low"),
    ),
    // Not a `.rs` file: bytes only.
    (
        "a.txt",
        "const K: &str = concat!(\"sk-4f1a9c2e\", \"7b3d8e6f0a5c\", \"1b9d2e7f3a8c\");\n",
        "deepseek.api-key",
        None,
        None,
    ),
    (
        "a.rs.txt",
        "pub const PAYMENT_API_KEY: &str = \"Zx9vQ2mL7pK4wR8tY6nB\";\n",
        "generic.secret-assignment",
        Some("low"),
        Some("low"),
    ),
];

#[test]
fn rust_analysis_on_and_off() {
    for (path, text, rule, off, on) in CASES {
        for (analysis, want) in [(false, off), (true, on)] {
            let found = scan_with(path, text, analysis);
            let got: Vec<String> = found
                .iter()
                .filter(|f| f.rule == *rule)
                .map(|f| f.confidence.to_string())
                .collect();
            let want: Vec<String> = want.iter().map(|c| c.to_string()).collect();
            assert_eq!(got, want, "analysis {analysis}, {path}: {text}");
        }
    }
}

/// Odd input never panics and gives the same answer every time.
#[test]
fn odd_rust_input_is_scanned_quietly() {
    let deep = format!(
        "const API_KEY: &str = {}\"x\"{};",
        "(".repeat(5000),
        ")".repeat(5000)
    );
    // Just under the nesting limit: parsed, on a test thread's default stack.
    let nested = format!(
        "const API_KEY: &str = {}\"Zx9vQ2mL7pK4wR8tY6nB\"{};",
        "(".repeat(90),
        ")".repeat(90)
    );
    let cases: Vec<String> = vec![
        nested,
        String::new(),
        "\u{feff}const API_KEY: &str = \"Zx9vQ2mL7pK4wR8tY6nB\";".into(),
        "#!/usr/bin/env rust-script\nconst API_KEY: &str = \"Zx9vQ2mL7pK4wR8tY6nB\";".into(),
        "concat!(\"a\", \"b\"".into(),
        "concat!(\"\u{e9}\u{e9}\", \"sk-4f1a9c2e7b3d8e6f0a5c1b9d2e7f3a8c\")".into(),
        "const TOKEN: &[u8] = b\"\\xff\\xfe\";".into(),
        "use yew::*; fn f() { env!(); env!(42); option_env!(\"A\", \"B\"); }".into(),
        deep,
    ];
    for text in &cases {
        let a = scan_with("odd.rs", text, true);
        let b = scan_with("odd.rs", text, true);
        assert_eq!(a, b, "{text}");
    }
}

//! Engine throughput on one thread, with every built-in rule, on representative inputs that
//! are generated here (deterministically, so every run scans the same bytes):
//! `cargo bench --bench engine`. Criterion reports each input's throughput; docs/benchmarks.md
//! quotes the figures. Compare inputs within one run only: the machine is shared.
//!
//! The inputs: ordinary Rust and Python source, a minified JS bundle, lockfiles full of hashes
//! (package-lock.json and Cargo.lock), a JSON file heavy with base64 values, a source map, a
//! file dense with near-miss tokens, and 10 MB of base64 image data next to 10 MB of source
//! (issue 3: the base64 may cost at most twice the source).

use std::hint::black_box;
use std::time::Duration;

use base64::Engine as _;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use keyhound::chunk::{Chunk, Provenance};
use keyhound::detect::{DetectOptions, Engine};
use keyhound::rules::RuleSet;

const SIZE: usize = 10 << 20;

/// A small deterministic generator (xorshift), so every run scans the same bytes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, words: &[&'a str]) -> &'a str {
        words[self.below(words.len())]
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }

    fn hex(&mut self, n: usize) -> String {
        (0..n).map(|_| format!("{:x}", self.next() % 16)).collect()
    }
}

/// Identifiers of ordinary code, with the words secret rules look for at about the rate they
/// occur in real code (a few percent of identifiers).
const IDENTS: &[&str] = &[
    "value", "buffer", "config", "request", "response", "client", "stream", "index", "count",
    "result", "items", "state", "handler", "options", "path", "name", "data", "len", "offset",
    "parser", "reader", "writer", "entry", "node", "parent", "child", "width", "height", "context",
    "session", "cache", "limit", "error", "message", "header", "body", "token", "user", "key",
    "url",
];
const TYPES: &[&str] = &[
    "String",
    "usize",
    "Vec<u8>",
    "Option<&str>",
    "HashMap<String, Value>",
    "bool",
    "u64",
    "Result<(), Error>",
    "&[u8]",
    "Arc<Mutex<State>>",
];

fn rust_source(rng: &mut Rng) -> Vec<u8> {
    let mut s = String::from("use std::collections::HashMap;\nuse std::io::{self, Read};\n\n");
    while s.len() < SIZE {
        let (a, b, c) = (rng.pick(IDENTS), rng.pick(IDENTS), rng.pick(IDENTS));
        let t = rng.pick(TYPES);
        match rng.below(6) {
            0 => s.push_str(&format!(
                "/// Returns the {a} of the {b}, or an error when the {c} is missing.\npub fn {a}_{b}(&self, {c}: {t}) -> Result<{t}, Error> {{\n"
            )),
            1 => s.push_str(&format!(
                "    let {a} = self.{b}.get(&{c}).ok_or_else(|| Error::new(\"no {c} in {b}\"))?;\n"
            )),
            2 => s.push_str(&format!(
                "    if {a}.len() > {} {{\n        return Err(format!(\"{b} too long: {{}}\", {a}.len()).into());\n    }}\n",
                rng.below(4096)
            )),
            3 => s.push_str(&format!("    pub {a}_{b}: {t},\n")),
            4 => s.push_str(&format!(
                "    for {a} in {b}.iter().filter(|x| x.{c}.is_some()) {{\n        {c}.push({a}.clone());\n    }}\n}}\n\n"
            )),
            _ => s.push_str(&format!(
                "    // {a}: the {b} is kept until the {c} is flushed (see #{}).\n",
                rng.below(9999)
            )),
        }
    }
    s.into_bytes()
}

fn python_source(rng: &mut Rng) -> Vec<u8> {
    let mut s = String::from("import os\nimport json\nfrom typing import Optional\n\n");
    while s.len() < SIZE {
        let (a, b, c) = (rng.pick(IDENTS), rng.pick(IDENTS), rng.pick(IDENTS));
        match rng.below(6) {
            0 => s.push_str(&format!(
                "class {}{}:\n    \"\"\"Holds the {a} for a {b}.\"\"\"\n\n    def __init__(self, {a}, {b}=None):\n        self.{a} = {a}\n        self.{b} = {b}\n\n",
                a[..1].to_uppercase(),
                &a[1..]
            )),
            1 => s.push_str(&format!(
                "    def get_{a}(self, {b}: Optional[str] = None) -> dict:\n        return {{\"{a}\": self.{a}, \"{c}\": {b}}}\n\n"
            )),
            2 => s.push_str(&format!(
                "        {a} = os.environ.get(\"{}\", \"\")\n",
                b.to_uppercase()
            )),
            3 => s.push_str(&format!(
                "        for {a} in self.{b}:\n            if {a}.{c} is None:\n                continue\n"
            )),
            4 => s.push_str(&format!(
                "        raise ValueError(f\"invalid {a}: {{{b}!r}} ({c})\")\n"
            )),
            _ => s.push_str(&format!(
                "        # {a} and {b} are read from the {c} file\n        {a} = json.loads({b}.read())[{}]\n",
                rng.below(100)
            )),
        }
    }
    s.into_bytes()
}

fn minified_bundle(rng: &mut Rng) -> Vec<u8> {
    let mut s = String::from("\"use strict\";");
    while s.len() < SIZE {
        let n = rng.below(9973);
        let (a, b) = (rng.pick(IDENTS), rng.pick(IDENTS));
        match rng.below(3) {
            0 => s.push_str(&format!(
                "var a{n}=function(e,t){{return e.map(function(n){{return n*{n}+t.{a}}})}};"
            )),
            1 => s.push_str(&format!(
                "function r{n}(e){{if(!e.{a})throw new Error(\"missing {a}\");return e.{b}||{{}}}}"
            )),
            _ => s.push_str(&format!("o.{a}=o.{b}?o.{b}.concat([{n},\"{a}\"]):void 0;")),
        }
    }
    s.into_bytes()
}

fn package_lock(rng: &mut Rng) -> Vec<u8> {
    let mut s = String::from("{\n  \"lockfileVersion\": 3,\n  \"packages\": {\n");
    while s.len() < SIZE {
        let hash = base64::engine::general_purpose::STANDARD.encode(rng.bytes(64));
        let n = rng.below(100_000);
        s.push_str(&format!(
            "    \"node_modules/pkg-{n}\": {{\n      \"version\": \"1.{}.0\",\n      \"resolved\": \"https://registry.npmjs.org/pkg-{n}/-/pkg-{n}-1.0.0.tgz\",\n      \"integrity\": \"sha512-{hash}\"\n    }},\n",
            rng.below(20)
        ));
    }
    s.into_bytes()
}

fn cargo_lock(rng: &mut Rng) -> Vec<u8> {
    let mut s = String::from("# This file is automatically @generated by Cargo.\nversion = 4\n\n");
    while s.len() < SIZE {
        let (a, b) = (rng.pick(IDENTS), rng.pick(IDENTS));
        s.push_str(&format!(
            "[[package]]\nname = \"{a}-{b}\"\nversion = \"0.{}.{}\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"{}\"\ndependencies = [\n \"{b}\",\n]\n\n",
            rng.below(30),
            rng.below(30),
            rng.hex(64)
        ));
    }
    s.into_bytes()
}

fn base64_json(rng: &mut Rng) -> Vec<u8> {
    let mut s = String::from("[\n");
    while s.len() < SIZE {
        let n = 256 + rng.below(4096);
        let data = base64::engine::general_purpose::STANDARD.encode(rng.bytes(n));
        s.push_str(&format!(
            "  {{\"id\": {}, \"name\": \"{}\", \"mime\": \"application/octet-stream\", \"data\": \"{data}\"}},\n",
            rng.below(1 << 20),
            rng.pick(IDENTS)
        ));
    }
    s.push_str("  {}\n]\n");
    s.into_bytes()
}

fn base64_image(rng: &mut Rng) -> Vec<u8> {
    let raw = rng.bytes(SIZE * 3 / 4);
    format!(
        "{{\"image\": \"data:image/png;base64,{}\"}}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    )
    .into_bytes()
}

fn source_map(rng: &mut Rng) -> Vec<u8> {
    let mut content = String::new();
    while content.len() < SIZE / 2 {
        let (a, b) = (rng.pick(IDENTS), rng.pick(IDENTS));
        content.push_str(&format!(
            "const {a}{} = require(\\\"./{b}\\\");\\nexport function get{a}() {{\\n  return {a}.{b};\\n}}\\n",
            rng.below(100)
        ));
    }
    let mut mappings = String::new();
    const VLQ: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    while mappings.len() < SIZE / 2 {
        for _ in 0..4 + rng.below(4) {
            mappings.push(VLQ[rng.below(64)] as char);
        }
        mappings.push(if rng.below(8) == 0 { ';' } else { ',' });
    }
    format!("{{\"version\":3,\"sources\":[\"src/index.ts\"],\"sourcesContent\":[\"{content}\"],\"names\":[],\"mappings\":\"{mappings}\"}}").into_bytes()
}

fn near_misses(rng: &mut Rng) -> Vec<u8> {
    let mut s = String::new();
    while s.len() < SIZE {
        let hex = rng.hex(32);
        s.push_str(&format!(
            "task-{hex} sk-{} ghp_short AKIA{} xoxb-12 token = {} password: \"\" -----BEGIN CERTIFICATE-----\n",
            &hex[..20],
            &hex[..8],
            rng.pick(IDENTS)
        ));
    }
    s.into_bytes()
}

fn engine(c: &mut Criterion) {
    let engine = Engine::new(
        RuleSet::builtin().expect("built-in rules load"),
        DetectOptions::default(),
    )
    .expect("the engine builds");
    let mut scratch = engine.scratch();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let inputs: Vec<(&str, &str, Vec<u8>)> = vec![
        ("rust source", "lib.rs", rust_source(&mut rng)),
        ("python source", "app.py", python_source(&mut rng)),
        (
            "minified bundle",
            "bundle.min.js",
            minified_bundle(&mut rng),
        ),
        (
            "package-lock.json",
            "package-lock.json",
            package_lock(&mut rng),
        ),
        ("Cargo.lock", "Cargo.lock", cargo_lock(&mut rng)),
        ("base64-heavy json", "assets.json", base64_json(&mut rng)),
        ("base64 image", "image.json", base64_image(&mut rng)),
        ("source map", "bundle.js.map", source_map(&mut rng)),
        ("near-miss tokens", "notes.txt", near_misses(&mut rng)),
    ];
    let mut group = c.benchmark_group("engine");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    for (name, path, data) in &inputs {
        let chunk = Chunk {
            provenance: Provenance::File {
                path: (*path).into(),
            },
            data,
        };
        group.throughput(Throughput::Bytes(data.len() as u64));
        group.bench_function(*name, |b| {
            b.iter(|| black_box(engine.scan(black_box(&chunk), &mut scratch)))
        });
    }
    group.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);

//! Engine throughput on representative inputs, generated here so the figures are repeatable:
//! `cargo bench --bench engine`. Prints MB/s per input (best of several runs, one thread).
//! The figures that issues quote come from this table; compare inputs within one run only.

use std::hint::black_box;
use std::time::Instant;

use base64::Engine as _;
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
    fn word(&mut self) -> &'static str {
        const WORDS: &[&str] = &[
            "let",
            "value",
            "self",
            "token",
            "parse",
            "config",
            "return",
            "match",
            "Some",
            "None",
            "impl",
            "fn",
            "result",
            "buffer",
            "secret_name",
            "password_field",
            "request",
            "response",
            "client",
            "stream",
        ];
        WORDS[(self.next() % WORDS.len() as u64) as usize]
    }
}

fn source(rng: &mut Rng) -> Vec<u8> {
    let mut s = String::new();
    while s.len() < SIZE {
        let (a, b, c) = (rng.word(), rng.word(), rng.word());
        s.push_str(&format!(
            "    let {a}_{} = {b}.{c}(&{a}, {})?; // {c} {b}\n",
            rng.next() % 97,
            rng.next() % 1000
        ));
    }
    s.into_bytes()
}

fn minified(rng: &mut Rng) -> Vec<u8> {
    let mut s = String::from("\"use strict\";");
    while s.len() < SIZE {
        let n = rng.next() % 9973;
        s.push_str(&format!(
            "var a{n}=function(e,t){{return e.map(function(n){{return n*{n}+t.{}}})}};",
            rng.word()
        ));
    }
    s.into_bytes()
}

fn lockfile(rng: &mut Rng) -> Vec<u8> {
    let mut s = String::new();
    while s.len() < SIZE {
        let bytes: Vec<u8> = (0..64).map(|_| rng.next() as u8).collect();
        let hash = base64::engine::general_purpose::STANDARD.encode(bytes);
        s.push_str(&format!(
            "    \"node_modules/pkg-{}\": {{\n      \"version\": \"1.{}.0\",\n      \"integrity\": \"sha512-{hash}\"\n    }},\n",
            rng.next() % 100000,
            rng.next() % 20
        ));
    }
    s.into_bytes()
}

fn base64_image(rng: &mut Rng) -> Vec<u8> {
    let raw: Vec<u8> = (0..SIZE * 3 / 4).map(|_| rng.next() as u8).collect();
    format!(
        "{{\"image\": \"data:image/png;base64,{}\"}}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    )
    .into_bytes()
}

fn source_map(rng: &mut Rng) -> Vec<u8> {
    let mut content = String::new();
    while content.len() < SIZE - 1024 {
        content.push_str(&format!(
            "const {}{} = require(\\\"./{}\\\");\\n",
            rng.word(),
            rng.next() % 100,
            rng.word()
        ));
    }
    format!("{{\"version\":3,\"sources\":[\"src/index.ts\"],\"sourcesContent\":[\"{content}\"],\"mappings\":\"AAAA\"}}").into_bytes()
}

fn near_misses(rng: &mut Rng) -> Vec<u8> {
    let mut s = String::new();
    while s.len() < SIZE {
        let hex: String = (0..32).map(|_| format!("{:x}", rng.next() % 16)).collect();
        s.push_str(&format!(
            "task-{hex} sk-{} ghp_short AKIA{} token = {}\n",
            &hex[..20],
            &hex[..8],
            rng.word()
        ));
    }
    s.into_bytes()
}

fn main() {
    let engine = Engine::new(
        RuleSet::builtin().expect("built-in rules load"),
        DetectOptions::default(),
    )
    .expect("the engine builds");
    let mut scratch = engine.scratch();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let inputs: Vec<(&str, Vec<u8>)> = vec![
        ("source code", source(&mut rng)),
        ("minified bundle (one line)", minified(&mut rng)),
        ("lockfile of hashes", lockfile(&mut rng)),
        ("base64 image in JSON", base64_image(&mut rng)),
        ("source map", source_map(&mut rng)),
        ("near-miss tokens", near_misses(&mut rng)),
    ];
    println!(
        "{:<28} {:>8} {:>10} {:>9}",
        "input", "MB", "MB/s", "findings"
    );
    for (name, data) in &inputs {
        let chunk = Chunk {
            provenance: Provenance::File {
                path: "bench".into(),
            },
            data,
        };
        let mut best = f64::MAX;
        let mut found = 0;
        for _ in 0..5 {
            let t = Instant::now();
            found = black_box(engine.scan(&chunk, &mut scratch)).len();
            best = best.min(t.elapsed().as_secs_f64());
        }
        let mb = data.len() as f64 / 1e6;
        println!("{name:<28} {mb:>8.1} {:>10.0} {found:>9}", mb / best);
    }
}

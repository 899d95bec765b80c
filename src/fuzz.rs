//! Entry points for fuzzing: each takes arbitrary bytes the way keyhound meets them (a file in
//! the scanned tree, a `--rules` file, a `.keyhound.toml`, a baseline) and runs them through the
//! same code a scan runs. Errors are the expected answer to most inputs; a panic is a bug, and
//! so is a broken invariant, which these functions check and turn into a panic so that a
//! fuzzer reports it.
//!
//! The fuzz targets in `fuzz/` call these, and the regression test (`tests/it/fuzzed.rs`)
//! replays every input kept under `fuzz/regressions/<target>/` through them, so the normal test
//! suite covers what fuzzing once found without needing cargo-fuzz.

use std::sync::OnceLock;

use crate::baseline::Baseline;
use crate::chunk::{Chunk, Provenance};
use crate::detect::{check_rules, DetectOptions, Engine};
use crate::finding::Finding;
use crate::report::{self, Format, ScanReport, Stats};
use crate::rules::RuleSet;

/// File names the engine target scans its input under (picked by the first byte), so that
/// path-dependent code runs too: Rust analysis, exposure by file kind, test and docs paths.
const PATHS: &[&str] = &[
    "src/main.rs",
    "config/.env",
    "web/public/app.js",
    "src/components/App.tsx",
    "tests/fixtures/keys.py",
    "docs/setup.md",
    "android/res/values/strings.xml",
    "k8s/secret.yaml",
];

fn builtin_engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let rules = RuleSet::builtin().expect("the built-in rules load");
        let options = DetectOptions {
            show_secrets: true,
            ..DetectOptions::default()
        };
        Engine::new(rules, options).expect("the built-in rules build an engine")
    })
}

/// The engine with every built-in rule on arbitrary bytes, then the per-file filters and every
/// reporter on what it found.
pub fn engine(data: &[u8]) {
    let Some((&pick, hay)) = data.split_first() else {
        return;
    };
    let path = PATHS[pick as usize % PATHS.len()];
    let engine = builtin_engine();
    let findings = scan_checked(engine, path, hay);
    let (findings, _dropped) = crate::filter::dedup(findings);
    let findings: Vec<Finding> = findings
        .into_iter()
        .filter(|f| crate::filter::inline_marker(f, hay).is_none())
        .collect();
    emit_all(engine.rules(), &findings);
}

/// Scans `hay` as file `path` and checks what every finding must satisfy.
fn scan_checked(engine: &Engine, path: &str, hay: &[u8]) -> Vec<Finding> {
    let chunk = Chunk {
        provenance: Provenance::File { path: path.into() },
        data: hay,
    };
    let findings = engine.scan(&chunk, &mut engine.scratch());
    for f in &findings {
        check_finding(engine.rules(), f, hay);
    }
    findings
}

/// The invariants of one finding in `hay`: its span lies inside the haystack, a secret found in
/// the clear is the haystack's bytes at its span, positions are 1-based and ordered, and the
/// redacted form shows at most the first 6 characters and a quarter of the secret.
pub fn check_finding(rules: &crate::rules::RuleSet, f: &Finding, hay: &[u8]) {
    let (start, end) = f.span;
    assert!(
        start < end && end <= hay.len(),
        "{}: span {start}..{end} outside a {}-byte haystack",
        f.rule,
        hay.len()
    );
    if f.encoding.is_none() && !f.raw.is_empty() {
        assert_eq!(
            f.raw,
            String::from_utf8_lossy(&hay[start..end]),
            "{}: the secret is not the bytes at its span",
            f.rule
        );
    }
    assert!(
        f.line >= 1 && f.column >= 1,
        "{}: positions are 1-based",
        f.rule
    );
    assert!(
        (f.line, f.column) <= (f.end_line, f.end_column),
        "{}: ends before it starts",
        f.rule
    );
    let lines = 1 + memchr::memchr_iter(b'\n', hay).count();
    assert!(f.end_line <= lines, "{}: line past the end", f.rule);
    let reveals = rules.get(&f.rule).is_some_and(|r| r.spec.reveal);
    if reveals {
        // Code, not a secret value: shown as it is.
        assert_eq!(
            f.redacted, f.raw,
            "{}: a revealed match is shown whole",
            f.rule
        );
    } else {
        check_redaction(&f.redacted, &f.raw);
    }
    if let Some(secret) = &f.secret {
        assert_eq!(
            secret, &f.raw,
            "{}: --show-secrets shows another value",
            f.rule
        );
    }
}

/// A redacted secret is a prefix of the secret, at most 6 characters and at most a quarter of
/// it, followed by `****`.
pub fn check_redaction(redacted: &str, secret: &str) {
    let shown = redacted
        .strip_suffix("****")
        .unwrap_or_else(|| panic!("redacted form {redacted:?} does not end in ****"));
    let n = secret.chars().count();
    let k = shown.chars().count();
    assert!(
        secret.starts_with(shown) && k <= 6 && k <= n / 4,
        "redaction {redacted:?} reveals too much of a {n}-character secret"
    );
}

/// Every reporter on `findings`; JSON output must parse back.
fn emit_all(rules: &RuleSet, findings: &[Finding]) {
    let stats = Stats {
        findings: findings.len() as u64,
        ..Stats::default()
    };
    let report = ScanReport {
        findings,
        stats: &stats,
        problems: &[],
        rules,
        color: false,
        width: crate::report::DEFAULT_WIDTH,
        run: None,
    };
    for format in [
        Format::Human,
        Format::Json,
        Format::Jsonl,
        Format::Sarif,
        Format::Html,
    ] {
        let mut out = Vec::new();
        report::emit(format, &report, &mut out).expect("writing to memory cannot fail");
        if matches!(format, Format::Json | Format::Sarif) {
            serde_json::from_slice::<serde_json::Value>(&out)
                .unwrap_or_else(|e| panic!("{format:?} output is not JSON: {e}"));
        }
        if format == Format::Html {
            // The page's own two script elements; text from the input never opens another.
            let page = String::from_utf8_lossy(&out).to_ascii_lowercase();
            assert_eq!(page.matches("<script").count(), 2, "HTML: a script opened");
        }
    }
}

/// Arbitrary text as a `--rules` file: parse, validate, compile; a file that loads then runs
/// its own examples and is scanned by its own rules.
pub fn rule_file(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(rules) = RuleSet::from_operator_text(text, "fuzz.toml") else {
        return;
    };
    let options = DetectOptions {
        show_secrets: true,
        ..DetectOptions::default()
    };
    let Ok(engine) = Engine::new(rules, options) else {
        return;
    };
    let _ = check_rules(&engine);
    scan_checked(&engine, "fuzz.toml", data);
}

/// Arbitrary text as `.keyhound.toml`: a configuration that loads must be usable.
pub fn config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(config) = crate::config::parse(text, ".keyhound.toml") else {
        return;
    };
    let _ = config.check_rule_ids(|id| id.contains('.'));
    for path in ["src/main.rs", "a/b/c.env", "/abs/path", "", "..", "x/../y"] {
        let _ = config.excludes.matched(path);
        for entry in &config.allow {
            let _ = entry.matches("deepseek.api-key", path, "sk-0123");
        }
    }
}

/// Arbitrary text as a baseline file: one that loads writes back bytes that load to the same
/// baseline.
pub fn baseline(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(baseline) = Baseline::parse(text) else {
        return;
    };
    let bytes = baseline.to_bytes();
    let again = Baseline::parse(std::str::from_utf8(&bytes).expect("a baseline writes UTF-8"))
        .expect("a written baseline reads back");
    assert_eq!(again, baseline, "a baseline does not survive a round trip");
}

/// One fuzz entry point.
pub type Target = fn(&[u8]);

/// The fuzz targets by name, as the folders under `fuzz/regressions/` are named.
pub const TARGETS: &[(&str, Target)] = &[
    ("engine", engine),
    ("rule_file", rule_file),
    ("config", config),
    ("baseline", baseline),
];

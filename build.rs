//! Embeds every `rules/*.toml` into the binary: writes `builtin_rules.rs` into OUT_DIR with one
//! `(file name, JSON)` pair per file, sorted by name so builds are reproducible. The one data
//! file there that holds no rules, `published-examples.toml`, is read by src/rules/published.rs.
//!
//! The files are converted from TOML to JSON here, once, because parsing TOML was most of a
//! scan's start-up (a few hundred rules with thousands of examples, every run); JSON of the
//! same data deserializes into the same `RuleSpec`s several times faster. A test checks that
//! the embedded rules equal the TOML files.

use std::{env, fs, path::PathBuf};

/// The data file of published example credentials, which lives with the rules but is not one.
const PUBLISHED_EXAMPLES: &str = "published-examples.toml";

fn main() {
    let manifest =
        PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let dir = manifest.join("rules");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("the rules/ folder exists next to Cargo.toml")
        .map(|e| e.expect("rules/ is readable").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        // Published example values, read by src/rules/published.rs; not rules.
        .filter(|p| !p.ends_with(PUBLISHED_EXAMPLES))
        .collect();
    files.sort();
    // Per file: its name, its rules without their examples and prose, the examples (a list
    // of `[examples, negative_examples]`, one per rule in order) and the prose (a list of
    // `[description, remediation, references]`). A scan needs no examples, and the prose
    // only for the rules it reports; together they are most of the JSON, and a scan parses
    // only the rules (the prose of a rule on first use).
    let mut out =
        String::from("pub(crate) static BUILTIN_RULE_FILES: &[(&str, &str, &str, &str)] = &[\n");
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let name = f.file_name().expect("a file has a name").to_string_lossy();
        let text = fs::read_to_string(f).expect("a rule file is readable UTF-8");
        let mut value: serde_json::Value =
            toml::from_str(&text).unwrap_or_else(|e| panic!("rules/{name} is not valid TOML: {e}"));
        let (mut examples, mut prose) = (Vec::new(), Vec::new());
        if let Some(rules) = value.get_mut("rule").and_then(|r| r.as_array_mut()) {
            for rule in rules {
                let take = |rule: &mut serde_json::Value, key: &str, empty: serde_json::Value| {
                    rule.as_object_mut()
                        .and_then(|o| o.remove(key))
                        .unwrap_or(empty)
                };
                let list = || serde_json::Value::Array(Vec::new());
                let text = || serde_json::Value::String(String::new());
                let pos = take(rule, "examples", list());
                let neg = take(rule, "negative_examples", list());
                examples.push(serde_json::Value::Array(vec![pos, neg]));
                let description = take(rule, "description", text());
                let remediation = take(rule, "remediation", text());
                let references = take(rule, "references", list());
                prose.push(serde_json::Value::Array(vec![
                    description,
                    remediation,
                    references,
                ]));
            }
        }
        let json = serde_json::to_string(&value).expect("TOML values convert to JSON");
        let examples = serde_json::to_string(&examples).expect("examples convert to JSON");
        let prose = serde_json::to_string(&prose).expect("prose converts to JSON");
        out.push_str(&format!(
            "    ({name:?}, {json:?}, {examples:?}, {prose:?}),\n"
        ));
    }
    out.push_str("];\n");
    let dest =
        PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("builtin_rules.rs");
    fs::write(dest, out).expect("OUT_DIR is writable");
}

//! Invariants checked on generated input (proptest): findings lie inside the file and are its
//! bytes, redaction shows no more than a short prefix, embedded keys are found, and the output
//! is the same for any thread count and for windowed and whole-file reading. Case counts are
//! kept small so that the suite stays fast.

use std::sync::OnceLock;

use keyhound::chunk::{Chunk, Provenance};
use keyhound::detect::{DetectOptions, Engine};
use keyhound::finding::{redact, sha256_hex};
use keyhound::fuzz::{check_finding, check_redaction};
use keyhound::rules::RuleSet;
use proptest::prelude::*;

use crate::util::{path_str, scan};

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let options = DetectOptions {
            show_secrets: true,
            ..DetectOptions::default()
        };
        Engine::new(RuleSet::builtin().unwrap(), options).unwrap()
    })
}

/// A DeepSeek-shaped key derived from `seed` (hashed, so that shrinking never makes it a
/// low-entropy placeholder). A hash can still hold a run of 6 equal or consecutive
/// characters (`666666`, `abcdef`), which marks a made-up value and is rightly not reported:
/// such hashes are hashed again.
fn deepseek_key(seed: u64) -> String {
    let mut body = sha256_hex(&seed.to_le_bytes())[..32].to_string();
    while has_placeholder_run(body.as_bytes()) {
        body = sha256_hex(body.as_bytes())[..32].to_string();
    }
    format!("sk-{body}")
}

/// A run of 6 characters each equal to, one more or one less than the one before.
fn has_placeholder_run(s: &[u8]) -> bool {
    [0i16, 1, -1].into_iter().any(|step| {
        let mut run = 1;
        s.windows(2).any(|w| {
            run = if w[1] as i16 - w[0] as i16 == step {
                run + 1
            } else {
                1
            };
            run >= 6
        })
    })
}

/// Pieces files are made of: plain and non-ASCII text, odd bytes, near misses, keys.
#[derive(Debug, Clone)]
enum Piece {
    Text(String),
    Bytes(Vec<u8>),
    Key(u64),
    Newlines(usize),
}

fn piece() -> impl Strategy<Value = Piece> {
    prop_oneof![
        4 => "[ -~]{0,40}".prop_map(Piece::Text),
        2 => "\\PC{0,12}".prop_map(Piece::Text),
        1 => proptest::collection::vec(any::<u8>(), 0..16).prop_map(Piece::Bytes),
        1 => Just(Piece::Text("sk-".into())),
        1 => Just(Piece::Text("api_key = \"".into())),
        2 => any::<u64>().prop_map(Piece::Key),
        2 => (1usize..3).prop_map(Piece::Newlines),
    ]
}

/// The file's bytes and the keys written into it on their own line (which must be found).
fn build(pieces: &[Piece]) -> (Vec<u8>, Vec<String>) {
    let mut data = Vec::new();
    let mut keys = Vec::new();
    for p in pieces {
        match p {
            Piece::Text(t) => data.extend_from_slice(t.as_bytes()),
            Piece::Bytes(b) => data.extend_from_slice(b),
            Piece::Newlines(n) => data.extend(std::iter::repeat_n(b'\n', *n)),
            Piece::Key(seed) => {
                let key = deepseek_key(*seed);
                data.extend_from_slice(format!("\nDEEPSEEK_API_KEY={key}\n").as_bytes());
                keys.push(key);
            }
        }
    }
    (data, keys)
}

/// `data` as a file keyhound reads as text: no NUL (binary) and no UTF-16 byte-order mark.
fn text_file(mut data: Vec<u8>) -> Vec<u8> {
    for b in &mut data {
        if *b == 0 {
            *b = 1;
        }
    }
    if data.starts_with(&[0xFF, 0xFE]) || data.starts_with(&[0xFE, 0xFF]) {
        data.insert(0, b'x');
    }
    data
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn findings_lie_inside_the_file_and_are_its_bytes(
        pieces in proptest::collection::vec(piece(), 0..40),
        pick in 0usize..4,
    ) {
        let (data, keys) = build(&pieces);
        let path = ["a.env", "src/lib.rs", "web/app.js", "docs/x.md"][pick];
        let chunk = Chunk { provenance: Provenance::File { path: path.into() }, data: &data };
        let engine = engine();
        let findings = engine.scan(&chunk, &mut engine.scratch());
        for f in &findings {
            // Span inside, secret == bytes at span, 1-based ordered positions, redaction.
            check_finding(engine.rules(), f, &data);
        }
        for key in &keys {
            prop_assert!(
                findings.iter().any(|f| f.rule == "deepseek.api-key" && &f.raw == key),
                "{key} not found"
            );
        }
    }

    #[test]
    fn redaction_never_shows_more_than_a_short_prefix(secret in "\\PC{0,80}") {
        check_redaction(&redact(&secret), &secret);
    }
}

proptest! {
    // Each case runs the binary several times; a handful of trees is enough.
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    #[test]
    fn output_is_the_same_for_one_and_four_threads(
        files in proptest::collection::vec(
            ("[a-c]{1,2}(/[a-c]{1,2}){0,2}", proptest::collection::vec(piece(), 0..12)),
            1..16,
        ),
    ) {
        let dir = tempfile::tempdir().unwrap();
        for (i, (path, pieces)) in files.iter().enumerate() {
            let p = dir.path().join(format!("{path}/f{i}.env"));
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, build(pieces).0).unwrap();
        }
        for format in ["json", "sarif"] {
            let one = scan(&["--format", format, "-j1", path_str(dir.path())]);
            let four = scan(&["--format", format, "-j4", path_str(dir.path())]);
            prop_assert_eq!(&one.stdout, &four.stdout, "{}", format);
            prop_assert!(!one.stdout.is_empty());
        }
    }

    #[test]
    fn windowed_reading_reports_what_whole_file_reading_does(
        pieces in proptest::collection::vec(piece(), 200..600),
    ) {
        let (data, keys) = build(&pieces);
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("big.txt"), text_file(data)).unwrap();
        let run = |extra: &[&str]| {
            let mut args = vec!["--format", "json", "--show-secrets"];
            args.extend_from_slice(extra);
            args.push(path_str(dir.path()));
            let out = scan(&args);
            let mut v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            // Attribution looks for context words anywhere in what it scans; a window sees
            // less of the file, so only the provider and its confidence may differ.
            for f in v["findings"].as_array_mut().unwrap() {
                let f = f.as_object_mut().unwrap();
                f.remove("provider");
                f.remove("confidence");
            }
            v
        };
        let whole = run(&[]);
        let windowed = run(&["--window-size", "2K"]);
        prop_assert_eq!(&whole, &windowed);
        let found = whole["findings"].as_array().unwrap();
        for key in &keys {
            prop_assert!(found.iter().any(|f| f["secret"] == key.as_str()), "{} not found", key);
        }
    }
}

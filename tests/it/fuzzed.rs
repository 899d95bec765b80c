//! Replays what fuzzing found (`fuzz/regressions/<target>/`) and the fuzz seeds
//! (`fuzz/seeds/<target>/`) through the same entry points the fuzz targets call, so the normal
//! test suite keeps every fixed crash fixed without cargo-fuzz.

use std::path::Path;

#[test]
fn fuzz_regressions_and_seeds_replay_without_panics() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut replayed = 0;
    for (target, run) in keyhound::fuzz::TARGETS {
        for kind in ["regressions", "seeds"] {
            let dir = fuzz.join(kind).join(target);
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            let mut inputs: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
            inputs.sort();
            for input in inputs {
                let data = std::fs::read(&input).unwrap();
                eprintln!("replaying {}", input.display());
                run(&data);
                replayed += 1;
            }
        }
    }
    assert!(
        replayed >= 8,
        "only {replayed} inputs under fuzz/; seeds missing?"
    );
}

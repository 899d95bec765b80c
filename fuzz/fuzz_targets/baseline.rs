//! Fuzz target `baseline`: see `keyhound::fuzz::baseline`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| keyhound::fuzz::baseline(data));

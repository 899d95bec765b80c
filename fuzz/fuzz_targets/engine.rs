//! Fuzz target `engine`: see `keyhound::fuzz::engine`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| keyhound::fuzz::engine(data));

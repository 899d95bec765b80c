//! Fuzz target `config`: see `keyhound::fuzz::config`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| keyhound::fuzz::config(data));

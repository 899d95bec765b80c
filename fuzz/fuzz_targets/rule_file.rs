//! Fuzz target `rule_file`: see `keyhound::fuzz::rule_file`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| keyhound::fuzz::rule_file(data));

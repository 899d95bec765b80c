#!/bin/sh
# Runs one fuzz target for a while (default 600 s) on one core, seeded from fuzz/seeds/.
# Usage: fuzz/run.sh TARGET [SECONDS [LIBFUZZER-FLAGS...]]. Needs cargo-fuzz; on a stable toolchain,
# RUSTC_BOOTSTRAP=1 lets it use the nightly-only sanitizer flags.
set -eu
target=$1
secs=${2:-600}
shift $(($# < 2 ? $# : 2))
cd "$(dirname "$0")/.."
mkdir -p "fuzz/corpus/$target" fuzz/logs
RUSTC_BOOTSTRAP=1 cargo fuzz run -O "$target" "fuzz/corpus/$target" "fuzz/seeds/$target" -- \
    -max_total_time="$secs" -max_len=16384 -timeout=20 -rss_limit_mb=4096 -print_final_stats=1 "$@" \
    2>&1 | tee "fuzz/logs/$target${LOG_SUFFIX:-}.log"

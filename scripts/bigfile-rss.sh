#!/bin/sh
# Peak memory of scanning one 2 GiB text file: builds the release binary, writes the file into a
# temporary folder (two keys: at the start and at the end), scans it with /usr/bin/time -v and
# prints the peak RSS. Files above 64 MiB are read in windows, so the peak stays near the
# window size whatever the file size. Usage: scripts/bigfile-rss.sh [SIZE_MIB [FLAGS...]]
# (default 2048 MiB; e.g. `scripts/bigfile-rss.sh 2048 --window-size 4G` reads the file whole,
# as keyhound did before windowing).
set -eu
size_mib=${1:-2048}
shift $(($# < 1 ? $# : 1))
cd "$(dirname "$0")/.."
cargo build --release --quiet
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir "$dir/tree"
key1=sk-4f1a9c2e7b3d8e6f0a5c1b9d2e7f3a8c
key2=sk-9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b
{
    echo "DEEPSEEK_API_KEY=$key1"
    yes 'INFO 2026-01-01T00:00:00Z request served in 12 ms path=/api/v1/items status=200' |
        head -c $((size_mib * 1024 * 1024))
    echo "DEEPSEEK_API_KEY=$key2"
} >"$dir/tree/big.log"
ls -l "$dir/tree/big.log"
/usr/bin/time -v target/release/keyhound scan --format json --max-file-size 4G "$@" "$dir/tree" \
    >"$dir/report.json" 2>"$dir/time.txt" || true
grep -E "keyhound:|Elapsed|Maximum resident" "$dir/time.txt"
echo "findings: $(grep -c '"rule": "deepseek.api-key"' "$dir/report.json")"

#!/usr/bin/env bash
# Side-by-side benchmark of keyhound and its peers on the reference corpus, in one run on one
# machine: median wall time, MB/s, peak RSS and findings per tool, and keyhound's speed ratio
# to each peer. Usage: scripts/bench.sh [RUNS]   (default 3 runs per tool and corpus)
#   BENCH_DIR (default ../bench, outside the repo) holds the corpus and the peers' binaries;
#   they are built with ../shared/bench/make-corpus.sh and peers.sh when missing.
#   TOOLS (default "keyhound kingfisher gitleaks betterleaks") chooses the tools; add
#   "foundation" to time FOUNDATION_BIN (default $BENCH_DIR/kh-foundation, keyhound built with
#   the foundation's single rule) and print what the rule catalog costs in throughput.
#   CORPORA (default "rs js") chooses the corpora.
# Every timed run is preceded by a read of the whole corpus (warm), so all runs are warm.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
shared=${SHARED_DIR:-$here/../shared}
bench=${BENCH_DIR:-$here/../bench}
runs=${1:-3}
tools=${TOOLS:-keyhound kingfisher gitleaks betterleaks}
corpora=${CORPORA:-rs js}
mkdir -p "$bench"
bench=$(cd "$bench" && pwd)
[ -d "$bench/corpus/rs" ] && [ -d "$bench/corpus/js" ] || bash "$shared/bench/make-corpus.sh" "$bench/corpus"
[ -x "$bench/peers/bin/kingfisher" ] || bash "$shared/bench/peers.sh" "$bench/peers"
(cd "$here" && cargo build --release --quiet)
kh="$here/target/release/keyhound"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# Prints "<findings>" for one tool's report file.
count() {
  case "$1" in
    keyhound | foundation) python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["findings"]))' "$2" ;;
    kingfisher | betterleaks) python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
print(len(d["findings"]) if isinstance(d,dict) and "findings" in d else len(d))' "$2" 2>/dev/null || echo "?" ;;
    *) python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$2" 2>/dev/null || echo "?" ;;
  esac
}

run() { # tool corpus report -> runs the tool once under /usr/bin/time
  local tool=$1 dir=$2 report=$3
  case "$tool" in
    foundation) /usr/bin/time -f "%e %M" -o "$out/time" "${FOUNDATION_BIN:-$bench/kh-foundation}" scan "$dir" --format json --output "$report" --no-progress >/dev/null 2>"$out/err" || true ;;
    keyhound) /usr/bin/time -f "%e %M" -o "$out/time" "$kh" scan "$dir" --format json --output "$report" --no-progress >/dev/null 2>"$out/err" || true ;;
    kingfisher) /usr/bin/time -f "%e %M" -o "$out/time" "$bench/peers/bin/kingfisher" scan "$dir" --no-validate --git-history none --format json --output "$report" >/dev/null 2>"$out/err" || true ;;
    gitleaks) /usr/bin/time -f "%e %M" -o "$out/time" "$bench/peers/bin/gitleaks" dir "$dir" --report-format json --report-path "$report" --no-banner >/dev/null 2>"$out/err" || true ;;
    betterleaks) /usr/bin/time -f "%e %M" -o "$out/time" "$bench/peers/bin/betterleaks" "$dir" --output "$report" --no-banner >/dev/null 2>"$out/err" || true ;;
  esac
  tail -n 1 "$out/time"
}

# Reads every file of a corpus, so that each timed run starts with it in the page cache: this
# machine reclaims idle page cache within minutes, and a tool timed after another tool's runs
# (or after a pause) would otherwise read part of the corpus from disk (a cold run measured
# keyhound at 1.5x Kingfisher instead of 6.6x).
warm() {
  find "$1" -type f -print0 | xargs -0 cat >/dev/null 2>&1 || true
}

printf '%-12s %-4s %8s %8s %9s %9s\n' tool corpus "wall s" "MB/s" "RSS MB" findings
declare -A median times rss
# Runs are interleaved (each round runs every tool once) so that load from other work on the
# machine falls on all tools alike.
for corpus in $corpora; do
  dir="$bench/corpus/$corpus"
  for _ in $(seq "$runs"); do
    for tool in $tools; do
      warm "$dir"
      read -r t m < <(run "$tool" "$dir" "$out/report.$tool.json")
      times[$tool.$corpus]="${times[$tool.$corpus]:-} $t"
      [ "$m" -gt "${rss[$tool.$corpus]:-0}" ] && rss[$tool.$corpus]=$m
    done
  done
  mb=$(du -sm "$dir" | cut -f1)
  for tool in $tools; do
    med=$(printf '%s\n' ${times[$tool.$corpus]} | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    median[$tool.$corpus]=$med
    printf '%-12s %-4s %8.2f %8.0f %9.0f %9s\n' "$tool" "$corpus" "$med" "$(echo "$mb / $med" | bc -l)" "$(echo "${rss[$tool.$corpus]} / 1024" | bc -l)" "$(count "$tool" "$out/report.$tool.json")"
  done
done
echo
for corpus in $corpora; do
  for tool in $tools; do
    [ "$tool" = keyhound ] && continue
    if [ "$tool" = foundation ]; then
      printf 'the rule catalog costs %.0f%% of the foundation'"'"'s throughput on %s\n' "$(echo "100 * (1 - ${median[foundation.$corpus]} / ${median[keyhound.$corpus]})" | bc -l)" "$corpus"
      continue
    fi
    printf 'keyhound vs %-11s on %s: %.1fx faster\n' "$tool" "$corpus" "$(echo "${median[$tool.$corpus]} / ${median[keyhound.$corpus]}" | bc -l)"
  done
done

#!/usr/bin/env bash
# Side-by-side benchmark of keyhound and its peers on the reference corpus, in one run on one
# machine: median wall time, MB/s, peak RSS and findings per tool, and keyhound's speed ratio
# to each peer. Usage: scripts/bench.sh [RUNS]   (default 3 runs per tool and corpus)
#   BENCH_DIR (default ../bench, outside the repo) holds the corpus and the peers' binaries;
#   they are built with ../shared/bench/make-corpus.sh and peers.sh when missing.
#   TOOLS (default "keyhound kingfisher gitleaks betterleaks") chooses the tools.
#   CORPORA (default "rs js") chooses the corpora.
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
    keyhound) python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["findings"]))' "$2" ;;
    kingfisher) python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
print(len(d["findings"]) if isinstance(d,dict) and "findings" in d else len(d))' "$2" 2>/dev/null || echo "?" ;;
    *) python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$2" 2>/dev/null || echo "?" ;;
  esac
}

run() { # tool corpus report -> runs the tool once under /usr/bin/time
  local tool=$1 dir=$2 report=$3
  case "$tool" in
    keyhound) /usr/bin/time -f "%e %M" -o "$out/time" "$kh" scan "$dir" --format json --output "$report" --no-progress >/dev/null 2>"$out/err" || true ;;
    kingfisher) /usr/bin/time -f "%e %M" -o "$out/time" "$bench/peers/bin/kingfisher" scan "$dir" --no-validate --git-history none --format json --output "$report" >/dev/null 2>"$out/err" || true ;;
    gitleaks) /usr/bin/time -f "%e %M" -o "$out/time" "$bench/peers/bin/gitleaks" dir "$dir" --report-format json --report-path "$report" --no-banner >/dev/null 2>"$out/err" || true ;;
    betterleaks) /usr/bin/time -f "%e %M" -o "$out/time" "$bench/peers/bin/betterleaks" dir "$dir" --report-format json --report-path "$report" --no-banner >/dev/null 2>"$out/err" || true ;;
  esac
  tail -n 1 "$out/time"
}

printf '%-12s %-4s %8s %8s %9s %9s\n' tool corpus "wall s" "MB/s" "RSS MB" findings
declare -A median
for corpus in $corpora; do
  dir="$bench/corpus/$corpus"
  mb=$(du -sm "$dir" | cut -f1)
  for tool in $tools; do
    times=()
    rss=0
    for _ in $(seq "$runs"); do
      read -r t m < <(run "$tool" "$dir" "$out/report.json")
      times+=("$t")
      [ "$m" -gt "$rss" ] && rss=$m
    done
    med=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    median[$tool.$corpus]=$med
    printf '%-12s %-4s %8.2f %8.0f %9.0f %9s\n' "$tool" "$corpus" "$med" "$(echo "$mb / $med" | bc -l)" "$(echo "$rss / 1024" | bc -l)" "$(count "$tool" "$out/report.json")"
  done
done
echo
for corpus in $corpora; do
  for tool in $tools; do
    [ "$tool" = keyhound ] && continue
    printf 'keyhound vs %-11s on %s: %.1fx faster\n' "$tool" "$corpus" "$(echo "${median[$tool.$corpus]} / ${median[keyhound.$corpus]}" | bc -l)"
  done
done

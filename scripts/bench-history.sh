#!/usr/bin/env bash
# Git history benchmark: keyhound `scan --history` against `gitleaks git` and Kingfisher (full
# history) on one generated repository, in one run on one machine. Prints median wall time,
# peak RSS, findings and keyhound's speed ratio to each peer; also times `scan --staged` on a
# repository with 10 staged files.
# Usage: scripts/bench-history.sh [RUNS]   (default 3 runs per tool)
#   BENCH_DIR (default ../bench, outside the repo) holds the corpus, the peers' binaries and
#   the generated repository (history-repo/: >= 2,000 commits of reference corpus files,
#   built with git fast-import the first time; HISTORY_MB (default 300) caps its content).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
shared=${SHARED_DIR:-$here/../shared}
bench=${BENCH_DIR:-$here/../bench}
runs=${1:-3}
mkdir -p "$bench"
bench=$(cd "$bench" && pwd)
[ -d "$bench/corpus/rs" ] || bash "$shared/bench/make-corpus.sh" "$bench/corpus"
[ -x "$bench/peers/bin/kingfisher" ] || bash "$shared/bench/peers.sh" "$bench/peers"
(cd "$here" && cargo build --release --quiet)
kh="$here/target/release/keyhound"
repo="$bench/history-repo"

if [ ! -d "$repo/.git" ]; then
  echo "building $repo from $bench/corpus/rs ..." >&2
  rm -rf "$repo"
  git init -q -b main "$repo"
  # Commits of 8 files each, in corpus order; every 5th commit also edits a file added
  # earlier (a line appended), so history holds several versions of some files.
  python3 - "$bench/corpus/rs" "${HISTORY_MB:-300}" <<'PY' | (cd "$repo" && git fast-import --quiet)
import os, sys
root, cap = sys.argv[1], int(sys.argv[2]) << 20
files = []
for d, dirs, names in os.walk(root):
    dirs.sort()
    for n in sorted(names):
        p = os.path.join(d, n)
        if os.path.isfile(p) and not os.path.islink(p):
            files.append(p)
out = sys.stdout.buffer
total, mark, t = 0, 0, 1_600_000_000
added = []
def blob(data):
    global mark
    mark += 1
    out.write(b"blob\nmark :%d\ndata %d\n" % (mark, len(data)) + data + b"\n")
    return mark
i = 0
commit = 0
while i < len(files) and total < cap:
    chunk = files[i:i + 8]
    i += 8
    entries = []
    for p in chunk:
        data = open(p, "rb").read()
        total += len(data)
        rel = os.path.relpath(p, root).encode()
        entries.append((rel, blob(data)))
        added.append((rel, data))
    if commit % 5 == 4 and added:
        rel, data = added[(commit * 7919) % len(added)]
        data = data + b"\n// edited in commit %d\n" % commit
        added[(commit * 7919) % len(added)] = (rel, data)
        entries.append((rel, blob(data)))
    commit += 1
    t += 3600
    msg = b"commit %d" % commit
    out.write(b"commit refs/heads/main\n")
    out.write(b"committer Bench <bench@example.test> %d +0000\n" % t)
    out.write(b"data %d\n%s\n" % (len(msg), msg))
    for rel, m in entries:
        out.write(b"M 100644 :%d %s\n" % (m, rel))
print("%d commits, %d MB" % (commit, total >> 20), file=sys.stderr)
PY
  git -C "$repo" reset -q --hard main

fi
commits=$(git -C "$repo" rev-list --count HEAD)
packmb=$(du -sm "$repo/.git" | cut -f1)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

run() { # tool -> one timed run: "<wall s> <peak KB> <user+sys s>"
  case "$1" in
    keyhound) /usr/bin/time -f "%e %M %U %S" -o "$out/time" "$kh" scan --history "$repo" --format json --output "$out/report.json" --no-progress >/dev/null 2>"$out/err" || true ;;
    gitleaks) /usr/bin/time -f "%e %M %U %S" -o "$out/time" "$bench/peers/bin/gitleaks" git "$repo" --report-format json --report-path "$out/report.json" --no-banner >/dev/null 2>"$out/err" || true ;;
    kingfisher) /usr/bin/time -f "%e %M %U %S" -o "$out/time" "$bench/peers/bin/kingfisher" scan "$repo" --no-validate --git-history full --format json --output "$out/report.json" >/dev/null 2>"$out/err" || true ;;
  esac
  tail -n 1 "$out/time" | awk '{print $1, $2, $3 + $4}'
}
count() {
  python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
print(len(d["findings"]) if isinstance(d,dict) and "findings" in d else len(d))' "$out/report.json" 2>/dev/null || echo "?"
}

echo "repository: $commits commits, $packmb MB in .git"
printf '%-12s %8s %8s %9s %9s\n' tool "wall s" "CPU s" "RSS MB" findings
declare -A median cpumed
medof() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for tool in keyhound gitleaks kingfisher; do
  times=()
  cpus=()
  rss=0
  for _ in $(seq "$runs"); do
    read -r t m c < <(run "$tool")
    times+=("$t")
    cpus+=("$c")
    [ "$m" -gt "$rss" ] && rss=$m
  done
  median[$tool]=$(medof "${times[@]}")
  cpumed[$tool]=$(medof "${cpus[@]}")
  printf '%-12s %8.2f %8.2f %9.0f %9s\n' "$tool" "${median[$tool]}" "${cpumed[$tool]}" "$(echo "$rss / 1024" | bc -l)" "$(count)"
done
echo
# Wall time is what users feel; CPU time (user + sys) is steadier on a shared machine.
for tool in gitleaks kingfisher; do
  printf 'keyhound --history vs %-10s %.1fx faster (wall), %.1fx less CPU\n' "$tool" \
    "$(echo "${median[$tool]} / ${median[keyhound]}" | bc -l)" \
    "$(echo "${cpumed[$tool]} / ${cpumed[keyhound]}" | bc -l)"
done

# --staged with 10 staged files in a small repository: start-up plus the index and HEAD diff.
small="$out/staged"
git init -q -b main "$small"
for i in $(seq 10); do
  cp "$(find "$bench/corpus/rs" -name '*.rs' -size +2k | sed -n "${i}p")" "$small/f$i.rs"
done
git -C "$small" add -A
times=()
for _ in $(seq 20); do
  s=$(date +%s%N)
  "$kh" scan --staged "$small" >/dev/null 2>&1 || true
  e=$(date +%s%N)
  times+=("$(( (e - s) / 1000 ))")
done
med=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
printf '\nscan --staged, 10 staged files: median %.1f ms over 20 runs\n' "$(echo "$med / 1000" | bc -l)"

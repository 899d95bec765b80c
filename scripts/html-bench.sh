#!/usr/bin/env bash
# The HTML report at scale: generates a tree that gives about 50,000 findings (DeepSeek, GitLab,
# Slack and Hugging Face keys, 50 a file over 1,000 files in 20 folders), writes the JSON and
# the HTML report from one scan, prints their sizes and ratio, then opens the page RUNS times
# in headless chromium (once plain, once sorted and filtered from the URL fragment) and
# prints the time to interactive: the page's own performance.now()
# when its first rows are rendered and its controls wired (the `data-ready` attribute it sets
# on <html>, read from --dump-dom), and the browser's wall time from start to exit.
# Usage: scripts/html-bench.sh [RUNS]   (default 3)
#   KEYHOUND (default target/debug/keyhound, built when missing): the binary that scans; the
#   scan's own speed is not measured here, only the report.
#   FILES, KEYS: files in the tree and keys per file (default 1001 and 50: 50,041 findings).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-3}
files=${FILES:-1001}
keys=${KEYS:-50}
kh=${KEYHOUND:-$here/target/debug/keyhound}
[ -x "$kh" ] || (cd "$here" && cargo build --quiet)
command -v chromium >/dev/null || { echo "chromium is not installed (apt-get install chromium)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 - "$work/tree" "$files" "$keys" <<'PY'
import os, random, string, sys
root, files, keys = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(20261207)
alnum = string.ascii_letters + string.digits
def pick(chars, n): return "".join(rng.choice(chars) for _ in range(n))
makers = [
    lambda: "DEEPSEEK_API_KEY=sk-" + pick("0123456789abcdef", 32),
    lambda: "GITLAB_TOKEN=glpat-" + pick(alnum, 20),
    lambda: "SLACK_BOT_TOKEN=xoxb-%s-%s-%s" % (pick(string.digits, 13), pick(string.digits, 13), pick(alnum, 24)),
    lambda: "HF_TOKEN=hf_" + pick(string.ascii_letters, 34),
]
for i in range(files):
    sub = os.path.join(root, "service-%02d" % (i % 20), ["config", "deploy", "web/public", "tests"][i % 4])
    os.makedirs(sub, exist_ok=True)
    with open(os.path.join(sub, "settings-%04d.env" % i), "w") as f:
        for k in range(keys):
            f.write(makers[(i + k) % len(makers)]() + "\n")
PY

"$kh" scan "$work/tree" -q --report json="$work/report.json" --report html="$work/report.html" || [ $? -eq 1 ]
n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["findings"]))' "$work/report.json")
json_bytes=$(stat -c %s "$work/report.json")
html_bytes=$(stat -c %s "$work/report.html")
echo "findings: $n"
echo "json: $json_bytes bytes, html: $html_bytes bytes, html/json: $(python3 -c "print(f'{$html_bytes/$json_bytes:.2f}')")"

# The browser's own start and exit, on an empty page, for scale: the wall times below include it.
echo '<!DOCTYPE html><title>empty</title>' >"$work/empty.html"
start=$(date +%s.%N)
timeout 120 chromium --headless --disable-gpu --no-sandbox --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --disable-extensions --user-data-dir="$(mktemp -d -p "$work")" \
  --dump-dom "file://$work/empty.html" >/dev/null 2>&1
end=$(date +%s.%N)
echo "chromium on an empty page: wall $(python3 -c "print(f'{$end-$start:.2f}')") s"

for i in $(seq 1 "$runs"); do
  for fragment in "" "#sort=path&dir=desc&exposure=server"; do
    start=$(date +%s.%N)
    timeout 120 chromium --headless --disable-gpu --no-sandbox --no-first-run \
      --disable-background-networking --disable-component-update --disable-sync \
      --disable-extensions --user-data-dir="$(mktemp -d -p "$work")" --window-size=1400,1200 \
      --dump-dom "file://$work/report.html$fragment" >"$work/dom.html" 2>/dev/null
    end=$(date +%s.%N)
    ready=$(grep -o 'data-ready="[0-9]*"' "$work/dom.html" | head -1 | tr -dc 0-9)
    rows=$(grep -o '<tr class="finding"' "$work/dom.html" | wc -l)
    echo "run $i ${fragment:-(no fragment)}: interactive at ${ready:-?} ms (performance.now()), $rows rows on the first page, chromium wall $(python3 -c "print(f'{$end-$start:.2f}')") s"
  done
done

#!/usr/bin/env bash
# Builds a git repository of 2,000 commits deterministically (same bytes, same commit ids on
# every machine), for the sharded history figures of docs/scale.md: synthetic code files
# edited, renamed and deleted over time, and a few synthetic DeepSeek-shaped keys (made up
# here) added, moved with their files and removed. No network, no corpus needed.
# Usage: scripts/make-history-repo.sh DIR [COMMITS]   (default 2000 commits; DIR must not exist)
set -euo pipefail
dir=${1:?usage: scripts/make-history-repo.sh DIR [COMMITS]}
commits=${2:-2000}
if [ -e "$dir" ]; then
  echo "$dir exists; give a new folder" >&2
  exit 2
fi
git init -q -b main "$dir"
python3 - "$commits" <<'PY' | (cd "$dir" && git fast-import --quiet)
import sys

commits = int(sys.argv[1])
state = 0x9E3779B97F4A7C15


def rand():
    """splitmix64: the same numbers everywhere."""
    global state
    state = (state + 0x9E3779B97F4A7C15) & (2**64 - 1)
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & (2**64 - 1)
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & (2**64 - 1)
    return z ^ (z >> 31)


WORDS = ["let", "value", "count", "config", "items", "result", "index", "buffer", "client",
         "request", "render", "parse", "token_len", "handler", "state", "offset", "limit"]


def code(lines):
    out = []
    for _ in range(lines):
        a, b, c = (WORDS[rand() % len(WORDS)] for _ in range(3))
        out.append(f"    {a}_{rand() % 1000} = {b}({c}, {rand() % 65536});\n")
    return "".join(out)


def key():
    return "sk-" + "".join("0123456789abcdef"[rand() % 16] for _ in range(32))


out = sys.stdout.buffer
files = {}  # path -> content
serial = 0
t = 1_600_000_000
mark = 0
for n in range(commits):
    ops = []
    # Three files written: new ones early, then mostly edits of existing ones.
    for _ in range(3):
        if len(files) < 40 or rand() % 4 == 0:
            serial += 1
            path = f"src/mod{rand() % 25}/file{serial}.rs"
            files[path] = f"// file {serial}\nfn f{serial}() {{\n" + code(40 + rand() % 400) + "}\n"
        else:
            path = sorted(files)[rand() % len(files)]
            files[path] += code(5 + rand() % 40)
        ops.append(("M", path))
    if n % 50 == 7:
        path = f"config/service{n}.env"
        files[path] = f"DEEPSEEK_API_KEY=\"{key()}\"\nTIMEOUT=30\n"
        ops.append(("M", path))
    touched = {op[1] for op in ops}
    untouched = sorted(p for p in files if p not in touched)
    if n % 7 == 3 and len(untouched) > 40:
        old = untouched.pop(rand() % len(untouched))
        new = f"moved/{n}/{old.rsplit('/', 1)[1]}"
        files[new] = files.pop(old)
        ops.append(("R", old, new))
    if n % 11 == 5 and len(untouched) > 40:
        gone = untouched[rand() % len(untouched)]
        del files[gone]
        ops.append(("D", gone))
    t += 3600
    msg = f"commit {n}\n".encode()
    out.write(b"commit refs/heads/main\n")
    out.write(f"committer Bench <bench@example.test> {t} +0000\n".encode())
    out.write(b"data %d\n" % len(msg) + msg)
    for op in ops:
        if op[0] == "M":
            data = files[op[1]].encode()
            out.write(f"M 100644 inline {op[1]}\n".encode())
            out.write(b"data %d\n" % len(data) + data + b"\n")
        elif op[0] == "R":
            out.write(f"R {op[1]} {op[2]}\n".encode())
        else:
            out.write(f"D {op[1]}\n".encode())
    out.write(b"\n")
PY
git -C "$dir" reset -q --hard main
echo "$dir: $(git -C "$dir" rev-list --count HEAD) commits, head $(git -C "$dir" rev-parse --short HEAD), $(du -sh "$dir/.git" | cut -f1) in .git" >&2

#!/usr/bin/env bash
# The archive limits against hostile input, measured (issue 23): a zip that expands to 10 GB,
# a zip nested 10 levels deep, and a zip whose central directory points 5,000 entries at one
# member. Each is built here (python3's zlib and zipfile), then scanned by the keyhound binary
# named in KEYHOUND_BIN (default target/release/keyhound) under /usr/bin/time.
#   scripts/archive-limits.sh            # prints wall seconds and peak RSS per case
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${KEYHOUND_BIN:-target/release/keyhound}
[ -x "$bin" ] || { echo "no keyhound binary at $bin (cargo build --release)" >&2; exit 2; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
python3 - "$dir" <<'PY'
import io, struct, sys, zipfile, zlib
out = sys.argv[1]

def deflated_zeros(n):
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = bytes(1 << 20)
    parts = [c.compress(chunk) for _ in range(n >> 20)]
    parts.append(c.flush())
    return b"".join(parts)

def raw_zip(members):
    """members: (name, deflated bytes, uncompressed size, crc); a zip written by hand."""
    body, central = io.BytesIO(), io.BytesIO()
    for name, data, size, crc in members:
        off = body.tell()
        n = name.encode()
        body.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc,
                               len(data), size & 0xFFFFFFFF, len(n), 0) + n + data)
        central.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, crc,
                                  len(data), size & 0xFFFFFFFF, len(n), 0, 0, 0, 0, 0, off) + n)
    cd = central.getvalue()
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(cd),
                      body.tell(), 0)
    return body.getvalue() + cd + end

# 10 GB: 100 members of 100 MiB of zeros each (every one deflated on its own, ~100 KB).
block = deflated_zeros(100 << 20)
crc = zlib.crc32(bytes(100 << 20))
open(f"{out}/bomb-10gb.zip", "wb").write(
    raw_zip([(f"part{i:03}.bin", block, 100 << 20, crc) for i in range(100)]))

# 10 levels: each zip holds the previous one and a small properties file.
inner = b""
for level in range(10):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("app.properties", "name=level%d\n" % level)
        if inner:
            z.writestr("inner.zip", inner)
    inner = buf.getvalue()
open(f"{out}/nested-10.zip", "wb").write(inner)

# Overlap: 5,000 central directory entries, all at the first local header.
one = raw_zip([("data.bin", block, 100 << 20, crc)])
local_len = 30 + len("data.bin") + len(block)
cd_entry = one[local_len:one.index(b"PK\x05\x06")]
end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 5000, 5000, len(cd_entry) * 5000, local_len, 0)
open(f"{out}/overlap.zip", "wb").write(one[:local_len] + cd_entry * 5000 + end)
PY
printf '%-16s %10s %8s %10s  %s\n' case size wall_s peak_MB "warnings"
for f in bomb-10gb.zip nested-10.zip overlap.zip; do
  size=$(stat -c %s "$dir/$f")
  /usr/bin/time -f "%e %M" -o "$dir/time" "$bin" scan "$dir/$f" --max-archive-depth 12 \
    --format json -o "$dir/report.json" 2>/dev/null || true
  read -r wall kb < "$dir/time"
  warns=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["warnings"]))' "$dir/report.json")
  printf '%-16s %10s %8s %10s  %s\n' "$f" "$size" "$wall" "$((kb / 1024))" "$warns"
done

#!/usr/bin/env python3
"""Writes src/detect/common-grams.txt: the 4096 most frequent 4-byte sequences of source code,
most frequent first, as the keyword prefilter (src/detect/anchors.rs) sees them: every byte with
bit 0x20 forced on (ASCII letters folded to lower case). One sequence per line, 8 hex digits.

The prefilter uses the list to index each keyword by its rarest bytes and to pick the hash that
keeps keywords away from common text. Measured once on a 1% sample (every 100th file, in sorted
path order, text files only) of the reference corpus (../shared/bench/make-corpus.sh: Rust crates
and npm packages).

Usage: scripts/common-grams.py CORPUS_DIR... > src/detect/common-grams.txt
"""
import collections
import os
import sys

TOP = 4096


def main():
    counts = collections.Counter()
    for root in sys.argv[1:]:
        files = sorted(os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs)
        for path in files[::100]:
            try:
                with open(path, "rb") as f:
                    data = f.read()
            except OSError:
                continue
            if b"\0" in data[:8192]:
                continue
            folded = bytes(b | 0x20 for b in data)
            counts.update(folded[i : i + 4] for i in range(len(folded) - 3))
    print(f"# {TOP} most frequent folded 4-byte sequences; written by scripts/common-grams.py")
    for gram, _ in counts.most_common(TOP):
        print(gram.hex())


if __name__ == "__main__":
    main()

//! `--shard I/N`: which part of a scan this run does, so that N runs (CI jobs, Kubernetes
//! pods) share one tree or one history and `keyhound merge` makes one report of theirs.
//!
//! The contract: for any N, every file of a tree and every blob of a git scan belongs to
//! exactly one shard, decided from what every shard sees alike (the walk's paths and sizes, a
//! blob's id), never from the thread count or the order things are met in.
//!
//! - A tree is split by path, balanced by bytes: a file goes to the shard its path hashes to,
//!   except the few large files (each over an eighth of a shard's fair share), which are dealt
//!   out largest first to the shard holding the fewest bytes so far. Every shard lists the
//!   tree's paths and sizes first (metadata only, cheap) to agree on that deal. Most files
//!   thus stay in their shard when the tree changes; one huge file cannot unbalance a split.
//! - A git scan is split by blob id: every shard walks the commits (cheap) and scans only its
//!   own blobs, so first commits, `present_at_head` and ages come out exact after the merge.

use std::collections::HashMap;
use std::fmt;

use anyhow::{bail, Result};

/// One part of a scan split N ways: `index` is 1-based, as users write it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

/// The most shards a scan may be split into.
pub const MAX_SHARDS: u32 = 10_000;

impl Shard {
    /// Parses `I/N` (`2/4`): 1 <= I <= N <= [`MAX_SHARDS`].
    pub fn parse(s: &str) -> Result<Shard> {
        let usage =
            "write I/N, this run's part and the number of parts, counting from 1 (`--shard 2/4`)";
        let Some((i, n)) = s.trim().split_once('/') else {
            bail!("--shard {s:?}: {usage}");
        };
        let (Ok(index), Ok(count)) = (i.trim().parse::<u32>(), n.trim().parse::<u32>()) else {
            bail!("--shard {s:?}: {usage}");
        };
        if count == 0 {
            bail!("--shard {s:?}: a scan is split into at least 1 part; {usage}");
        }
        if count > MAX_SHARDS {
            bail!("--shard {s:?}: at most {MAX_SHARDS} parts");
        }
        if index == 0 {
            bail!("--shard {s:?}: parts count from 1 (the first of {count} is 1/{count})");
        }
        if index > count {
            bail!("--shard {s:?}: part {index} of {count} does not exist (the last is {count}/{count})");
        }
        Ok(Shard { index, count })
    }

    /// Whether this shard is the whole scan (`1/1`).
    pub fn is_whole(self) -> bool {
        self.count == 1
    }

    /// Whether the blob `id` (a git object id, itself a hash) is this shard's.
    pub fn owns_blob(self, id: &[u8]) -> bool {
        let mut first = [0u8; 8];
        let n = id.len().min(8);
        first[..n].copy_from_slice(&id[..n]);
        (u64::from_be_bytes(first) % u64::from(self.count)) as u32 == self.index - 1
    }

    /// The shard (0-based) a path hashes to.
    fn of_path(self, path: &str) -> u32 {
        (fnv1a(path.as_bytes()) % u64::from(self.count)) as u32
    }

    /// Whether a walk problem (a link, a pipe) met at `path` is reported by this shard.
    pub fn owns_path(self, path: &str) -> bool {
        self.of_path(path) == self.index - 1
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// FNV-1a, 64 bits: a hash that never changes between Rust versions or platforms, which a
/// split shared by machines needs (std's hasher promises neither).
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The split of one tree: which files (by the path reports show) are this shard's.
#[derive(Debug)]
pub struct TreeSplit {
    shard: Shard,
    /// Every listed file's shard (0-based).
    of: HashMap<String, u32>,
    /// Bytes per shard, for `--shard` summaries and docs/scale.md.
    pub bytes: Vec<u64>,
}

impl TreeSplit {
    /// Deals the `files` (path, size) of the whole tree out to `shard.count` shards.
    pub fn new(shard: Shard, mut files: Vec<(String, u64)>) -> TreeSplit {
        let n = shard.count as usize;
        let total: u64 = files.iter().map(|(_, s)| s).sum();
        let large = (total / (n as u64 * 8)).max(1);
        let mut bytes = vec![0u64; n];
        let mut of = HashMap::with_capacity(files.len());
        // Large files last, largest first (then by path, so that equal sizes deal alike).
        files.sort_by(|a, b| (a.1 >= large, b.1, &a.0).cmp(&(b.1 >= large, a.1, &b.0)));
        for (path, size) in files {
            let s = if size >= large && n > 1 {
                (0..n).min_by_key(|&i| (bytes[i], i)).expect("n >= 1") as u32
            } else {
                shard.of_path(&path)
            };
            bytes[s as usize] += size;
            of.insert(path, s);
        }
        TreeSplit { shard, of, bytes }
    }

    /// Whether the file reports name `display` is this shard's. A file the listing did not see
    /// (created since) goes by its path's hash.
    pub fn owns(&self, display: &str) -> bool {
        let s = self
            .of
            .get(display)
            .copied()
            .unwrap_or_else(|| self.shard.of_path(display));
        s == self.shard.index - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_or_say_why_not() {
        let cases = [
            ("1/1", Some((1, 1))),
            ("2/4", Some((2, 4))),
            ("4/4", Some((4, 4))),
            (" 3 / 7 ", Some((3, 7))),
            ("0/4", None),
            ("5/4", None),
            ("a/b", None),
            ("1/0", None),
            ("1", None),
            ("-1/4", None),
            ("1/4/2", None),
            ("1/10001", None),
        ];
        for (s, want) in cases {
            let got = Shard::parse(s).ok().map(|p| (p.index, p.count));
            assert_eq!(got, want, "{s}");
        }
        let msg = |s: &str| format!("{:#}", Shard::parse(s).unwrap_err());
        assert!(msg("0/4").contains("count from 1"), "{}", msg("0/4"));
        assert!(msg("5/4").contains("does not exist"), "{}", msg("5/4"));
        assert!(msg("1/0").contains("at least 1"), "{}", msg("1/0"));
        assert!(msg("a/b").contains("write I/N"), "{}", msg("a/b"));
    }

    /// Every file in exactly one shard, for any N; a huge file does not unbalance the rest.
    #[test]
    fn every_file_in_one_shard_and_bytes_balanced() {
        let mut files: Vec<(String, u64)> = (0..2000)
            .map(|i| (format!("src/m{i}/f{}.rs", i * 7), 100 + (i * 37 % 5000)))
            .collect();
        files.push(("big/model.bin".into(), 3_000_000));
        files.push(("big/other.bin".into(), 2_000_000));
        let total: u64 = files.iter().map(|f| f.1).sum();
        for n in [1, 2, 3, 4, 7, 16] {
            let splits: Vec<TreeSplit> = (1..=n)
                .map(|i| TreeSplit::new(Shard { index: i, count: n }, files.clone()))
                .collect();
            for (path, _) in &files {
                let owners = splits.iter().filter(|s| s.owns(path)).count();
                assert_eq!(owners, 1, "{path} in {owners} of {n} shards");
            }
            assert_eq!(splits[0].bytes, splits[n as usize - 1].bytes, "all agree");
            let most = *splits[0].bytes.iter().max().unwrap();
            if n <= 2 {
                assert!(most * 100 <= total * 60, "{n}: {:?}", splits[0].bytes);
            }
        }
        // A file unseen by the listing still belongs to exactly one shard.
        let owners = (1..=4)
            .filter(|&i| TreeSplit::new(Shard { index: i, count: 4 }, files.clone()).owns("new.rs"))
            .count();
        assert_eq!(owners, 1);
    }

    #[test]
    fn every_blob_in_one_shard() {
        for n in [1u32, 3, 4, 7] {
            for b in 0..200u8 {
                let id = [b.wrapping_mul(31), b, 7, b ^ 0x5a, 1, 2, 3, 4, 5, 6];
                let owners = (1..=n)
                    .filter(|&i| Shard { index: i, count: n }.owns_blob(&id))
                    .count();
                assert_eq!(owners, 1);
            }
        }
    }
}

//! `--shard I/N`: which part of a scan this run does, so that N runs (CI jobs, Kubernetes
//! pods) share one tree or one history and `keyhound merge` makes one report of theirs.
//!
//! The contract: for any N, every file of a tree and every blob of a git scan belongs to
//! exactly one shard, decided from what every shard sees alike (the walk's paths and sizes, a
//! blob's id), never from the thread count or the order things are met in.
//!
//! - A tree is split by path, balanced by bytes (see [`TreeSplit`]): the few large files are
//!   dealt out first, and every other file goes where its path hashes to, in intervals sized to
//!   even the shards out. Every shard lists the tree's paths and sizes first (metadata only,
//!   cheap) to agree on that deal. One huge file cannot unbalance a split.
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
///
/// Large files (each over an eighth of a shard's fair share) are dealt first, largest first,
/// each to the shard holding the fewest bytes. Every other file hashes its path to a point of
/// `[0, 1)`, cut into one interval per shard, each as wide as the bytes its shard still lacks
/// to reach an even split (water filling): a shard that took a huge file takes fewer small
/// ones. A small file stays in its shard while the tree changes a little; only the cuts move.
#[derive(Debug)]
pub struct TreeSplit {
    shard: Shard,
    /// The large files' shards (0-based).
    large: HashMap<String, u32>,
    /// Where each shard's interval ends, in units of a point (a `u64` hash scaled by `total`).
    cuts: Vec<u128>,
    total: u128,
    /// Bytes per shard, as dealt (small files counted where they fall).
    pub bytes: Vec<u64>,
    /// Files per shard.
    pub files: Vec<u64>,
}

impl TreeSplit {
    /// Deals the `files` (path, size) of the whole tree out to `shard.count` shards.
    pub fn new(shard: Shard, files: Vec<(String, u64)>) -> TreeSplit {
        let n = shard.count as usize;
        let total: u64 = files.iter().map(|(_, s)| s).sum();
        let threshold = (total / (n as u64 * 8)).max(1);
        type Files = Vec<(String, u64)>;
        let (mut large, small): (Files, Files) = files
            .into_iter()
            .partition(|(_, size)| *size >= threshold && n > 1);
        // Largest first; equal sizes by path, so that every shard deals alike.
        large.sort_by(|a, b| (b.1, &a.0).cmp(&(a.1, &b.0)));
        let mut loads = vec![0u64; n];
        let mut counts = vec![0u64; n];
        let mut of = HashMap::with_capacity(large.len());
        for (path, size) in large {
            let s = (0..n).min_by_key(|&i| (loads[i], i)).expect("n >= 1");
            loads[s] += size;
            counts[s] += 1;
            of.insert(path, s as u32);
        }
        let rest: u64 = small.iter().map(|(_, s)| s).sum();
        let widths = water_fill(&loads, rest);
        let mut cuts = Vec::with_capacity(n);
        let mut at = 0u128;
        for w in &widths {
            at += u128::from(*w);
            cuts.push(at);
        }
        let mut split = TreeSplit {
            shard,
            large: of,
            total: at,
            cuts,
            bytes: loads,
            files: counts,
        };
        for (path, size) in small {
            let s = split.of_small(&path) as usize;
            split.bytes[s] += size;
            split.files[s] += 1;
        }
        split
    }

    /// The shard (0-based) of a file that is not one of the large ones.
    fn of_small(&self, path: &str) -> u32 {
        if self.total == 0 {
            return self.shard.of_path(path);
        }
        let point = (u128::from(mix(fnv1a(path.as_bytes()))) * self.total) >> 64;
        self.cuts.partition_point(|&c| c <= point) as u32
    }

    /// This shard's files and bytes, and those of the whole tree listed.
    pub fn summary(&self) -> (u64, u64, u64, u64) {
        let i = (self.shard.index - 1) as usize;
        (
            self.files[i],
            self.files.iter().sum(),
            self.bytes[i],
            self.bytes.iter().sum(),
        )
    }

    /// Whether the file reports name `display` is this shard's. A file the listing did not see
    /// (created since) falls where its path's point does.
    pub fn owns(&self, display: &str) -> bool {
        let s = match self.large.get(display) {
            Some(&s) => s,
            None => self.of_small(display),
        };
        s == self.shard.index - 1
    }
}

/// How many of `rest` bytes each shard should take so that all end as even as they can, given
/// what they hold (`loads`): the level `T` where the shards below it, filled up to it, take
/// `rest` in all.
fn water_fill(loads: &[u64], rest: u64) -> Vec<u64> {
    let mut sorted: Vec<u64> = loads.to_vec();
    sorted.sort_unstable();
    let mut sum = u128::from(rest);
    let mut level = 0u128;
    for (k, &l) in sorted.iter().enumerate() {
        sum += u128::from(l);
        let t = sum / (k as u128 + 1);
        level = t;
        if sorted.get(k + 1).is_none_or(|&next| t <= u128::from(next)) {
            break;
        }
    }
    loads
        .iter()
        .map(|&l| level.saturating_sub(u128::from(l)) as u64)
        .collect()
}

/// splitmix64's finaliser: every bit of a point depends on every bit of the path's hash.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
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
            // No shard over 130% of its fair share, unless one file alone is larger.
            let most = *splits[0].bytes.iter().max().unwrap();
            let fair = total / u64::from(n);
            assert!(
                most * 10 <= fair * 13 || most == 3_000_000,
                "{n}: {:?}",
                splits[0].bytes
            );
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

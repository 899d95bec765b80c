//! The keyword prefilter: finds every occurrence (overlapping, ASCII case-insensitive) of
//! every rule keyword and context word in one pass over a haystack.
//!
//! Why not Aho-Corasick: with a few hundred keywords the `aho-corasick` crate can no longer
//! use its SIMD prefilter (Teddy takes at most 64 patterns), and its automaton then walks every
//! byte through a large transition table; on the reference corpus that ran at about 60 MB/s
//! per core.
//!
//! Keywords of 4 bytes or more are found through a hash table that is looked up at every
//! second position only. Each such keyword is indexed twice, by the 4 bytes at some offset `k`
//! into it and by the 4 bytes at `k + 1` (only 3 when they are its last, which happens only
//! for a keyword of 4 bytes: then any fourth byte passes); whichever of the two starts at an
//! even position of the haystack is looked up. Of the 4 bytes, 3 are hashed to a slot of a
//! 16 KiB table of 32-bit words: the hash's top bits pick the slot, 8 bits below them are the
//! 3 bytes' tag, and the fourth byte is one of 16 classes. A slot word holds a bit per class
//! indexed there and the tags of (up to two) keys indexed there, so a position passes only
//! when its class bit is set and its tag is one of the slot's: mostly where the 3 bytes are
//! exactly a keyword's, not merely where they share its slot. A lookup is one table load and a
//! few compares, eight at a time with AVX2 (the loads are the costly part, so halving the
//! lookups is what the second index buys). The few positions that pass compare
//! the keywords indexed at that slot, and of those only the ones whose 2 bytes before (or
//! after) the indexed bytes are the text's: keywords that share a part (`bland_api_key`,
//! `comet_api_key`) are often indexed by the same bytes, and with some 1,500 keywords a pass
//! at `api_key` would otherwise compare dozens. Bit 0x20 is forced on in every byte hashed (a cheap ASCII
//! case fold).
//!
//! Keywords of 3 bytes have no second 3 bytes to be indexed by, and are found at every
//! position by a small Teddy-style test instead: each of the 3 bytes is classified by its two
//! nibbles into 8 buckets of similar keywords (two byte shuffles per byte with AVX2), and a
//! position passes where some bucket takes all 3 bytes.
//!
//! Which 4 bytes of a keyword are indexed comes from data: `common-grams.txt` lists the 4096
//! most frequent 4-byte sequences of source code ([`COMMON_GRAMS`]). It picks each keyword's
//! offset, and it picks the hash multiplier, among a few candidates, that lands the fewest
//! common sequences on keyword bits. On a sample of the reference corpus the table passes at
//! about 3.3 positions per 1,000 bytes; the index it replaced (4 bytes looked up at every
//! position, 32 classes, no tags) passed at 6.4, with twice the lookups. These choices were a
//! third of a scan's start-up, and for the built-in rules they are the same every run: they
//! are kept in `kept-index.txt` ([`KEPT_INDEX`]), keyed by the keyword list's fingerprint.
//!
//! The contract of a prefilter holds whatever the statistics say: an occurrence of a keyword
//! always has its indexed bytes at its offsets, one of which is looked up, so it is never
//! missed; and each occurrence is reported once.

use std::collections::HashMap;

/// Bits of the slot index: 4096 slots of 32 bits (16 KiB).
const SLOT_BITS: u32 = 12;

/// The most frequent folded 4-byte sequences of source code, most frequent first (see
/// `scripts/common-grams.py`): one per line, 8 hex digits.
const COMMON_GRAMS: &str = include_str!("common-grams.txt");

/// Lowercase for ASCII letters, identity otherwise.
const FOLD: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = (i as u8).to_ascii_lowercase();
        i += 1;
    }
    t
};

/// The 3 hashed bytes of the 4 at a position (little-endian in `x`), bit 0x20 forced on.
#[inline(always)]
fn key(x: u32) -> u32 {
    (x | 0x0020_2020) & 0x00FF_FFFF
}

/// The class of the fourth byte: its low 4 bits with bit 0x20 forced on.
#[inline(always)]
fn class(x: u32) -> u32 {
    ((x >> 24) | 0x20) & 15
}

/// The slot of a key under a multiplier.
#[inline(always)]
fn slot(key: u32, mul: u32) -> usize {
    (key.wrapping_mul(mul) >> (32 - SLOT_BITS)) as usize
}

/// The tag of a key under a multiplier: 8 bits of the product below the slot's.
#[inline(always)]
fn tag(key: u32, mul: u32) -> u32 {
    (key.wrapping_mul(mul) >> (24 - SLOT_BITS)) & 0xFF
}

/// Whether the 4 bytes `x` pass a slot word (`fourth`: whether `x` has a fourth byte; without
/// one, any class passes): the class bit of the fourth byte is set, and the tag of the 3
/// hashed bytes is one of the slot's two (or the slot's tags are both 0, which any tag
/// passes).
#[inline(always)]
fn passes(word: u32, x: u32, mul: u32, fourth: bool) -> bool {
    let class = if fourth {
        (word >> class(x)) & 1 != 0
    } else {
        word & 0xFFFF != 0
    };
    let t = tag(key(x), mul);
    class && (t == (word >> 16) & 0xFF || t == word >> 24 || word >> 16 == 0)
}

/// The slot words of a table: per slot, a bit per class of fourth byte indexed there (all 16
/// when a keyword ends after the 3 hashed bytes), and the tags of the keys indexed there in
/// bits 16..24 and 24..32 (the same tag twice when there is one; 0 twice, which passes any,
/// when there are more than two).
fn slot_words<'a>(index: impl Iterator<Item = &'a Index>, mul: u32) -> Vec<u32> {
    let mut table = SlotTable::new();
    table.fill(index, mul);
    table.words
}

/// [`slot_words`] in buffers that are reused: choosing the multiplier fills one table per
/// candidate, and clearing the slots it touched costs less than a new table.
struct SlotTable {
    words: Vec<u32>,
    /// Per slot: the distinct tags seen, the first two of them.
    tags: Vec<(u8, [u32; 2])>,
    touched: Vec<u32>,
}

impl SlotTable {
    fn new() -> SlotTable {
        SlotTable {
            words: vec![0; 1 << SLOT_BITS],
            tags: vec![(0, [0; 2]); 1 << SLOT_BITS],
            touched: Vec::new(),
        }
    }

    fn fill<'a>(&mut self, index: impl Iterator<Item = &'a Index>, mul: u32) {
        for &s in &self.touched {
            self.words[s as usize] = 0;
            self.tags[s as usize] = (0, [0; 2]);
        }
        self.touched.clear();
        for at in index {
            let s = slot(at.key, mul);
            if self.words[s] == 0 {
                self.touched.push(s as u32);
            }
            self.words[s] |= at.class.map_or(0xFFFF, |c| 1 << c);
            let t = tag(at.key, mul);
            let (n, seen) = &mut self.tags[s];
            if !seen[..(*n as usize).min(2)].contains(&t) {
                if (*n as usize) < 2 {
                    seen[*n as usize] = t;
                }
                *n = n.saturating_add(1);
            }
        }
        for &s in &self.touched {
            let (n, [a, b]) = self.tags[s as usize];
            self.words[s as usize] |= match n {
                1 => a << 16 | a << 24,
                2 => a << 16 | b << 24,
                _ => 0,
            };
        }
    }
}

/// Positions tested per block.
const BLOCK: usize = 64;
/// Bytes a block reads: (AVX2) 16 bytes at each eighth position for the table lookups, and
/// 32 bytes at each of 3 offsets from positions 0 and 32 for the 3-byte keywords.
const BLOCK_BYTES: usize = BLOCK + 8;

/// The lookups of a block: bit `j` of `table` for position `2 j` (4 bytes that pass the
/// table), bit `j` of `short` for position `j` (3 bytes that pass the 3-byte test).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Hits {
    table: u32,
    short: u64,
}

/// An immutable multi-keyword searcher.
#[derive(Debug, Clone)]
pub struct Anchors {
    /// Per slot: bit `c` set when some keyword is indexed here with a fourth byte of class `c`,
    /// and the tags of the keys indexed here ([`slot_words`]).
    slots: Vec<u32>,
    /// The hash multiplier ([`slot`]).
    mul: u32,
    /// Per slot: where its `entries` are ([`SlotRange`]).
    ranges: Vec<SlotRange>,
    /// The keywords indexed at each slot, slot by slot.
    entries: Vec<Entry>,
    /// The 3-byte keywords.
    short: Short,
    /// Lowercased keywords, one after another (`Entry::at` and `Entry::len` locate one).
    bytes: Vec<u8>,
    /// The CPU has AVX2: blocks are tested with vector instructions ([`avx2`]).
    avx2: bool,
    /// The index came from `kept-index.txt`.
    #[cfg(test)]
    pub(super) kept: bool,
}

/// A keyword indexed at a slot: the offset `k` of the indexed bytes into it, and what
/// comparing it needs, in one place.
#[derive(Debug, Clone, Copy)]
struct Entry {
    word: u32,
    k: u32,
    at: u32,
    len: u32,
    head: Head,
    /// Which 2 bytes of the keyword tell it from others indexed at the same slot, and what
    /// they are (little-endian): see [`SlotRange`].
    side: Side,
    two: u16,
}

/// Where [`Entry::two`] lies: the 2 bytes before the indexed ones, the 2 after the 4 indexed,
/// or neither (a keyword too short for both).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Side {
    Neither,
    Before,
    After,
}

/// The entries of one slot, `entries[first..]`: first the `neither` ones, compared wherever
/// the slot passes; then `before` ones sorted by their 2 bytes before the indexed ones, then
/// `after` ones sorted by their 2 bytes after the 4 indexed ones. Of those, only the entries
/// whose 2 bytes equal the text's there are compared: keywords that share their indexed bytes
/// (`bland_api_key`, `comet_api_key`, ... at `_api`) would otherwise all be compared at every
/// `api_key` of the text.
#[derive(Debug, Clone, Copy, Default)]
struct SlotRange {
    first: u32,
    neither: u16,
    before: u16,
    after: u16,
}

/// Where a keyword is indexed: the offset `k` of its indexed bytes, its 3 hashed bytes (as
/// [`key`] gives them) and the class of its fourth byte (`None`: all 16, the keyword ends).
#[derive(Debug, Clone, Copy)]
struct Index {
    k: usize,
    key: u32,
    class: Option<u32>,
}

impl Anchors {
    /// `words` must be ASCII and at least 3 bytes long (the rule validator ensures it).
    pub fn new(words: &[String]) -> Anchors {
        let words: Vec<Vec<u8>> = words
            .iter()
            .map(|w| w.to_ascii_lowercase().into_bytes())
            .collect();
        let mut short = Vec::new();
        for (w, word) in words.iter().enumerate() {
            assert!(word.len() >= 3, "keywords are at least 3 bytes long");
            if word.len() == 3 {
                short.push((w as u32, [word[0], word[1], word[2]]));
            }
        }
        let long = words.iter().filter(|w| w.len() > 3).count();
        let print = words_print(&words);
        // The built-in rules' keywords are the same every run: their offsets and multiplier
        // are kept in `kept-index.txt` (choosing them was a third of a scan's start-up).
        // An offset must leave room for the second indexed bytes (a stale or edited line).
        let fits = |offsets: &[u8]| {
            let long_words = words.iter().filter(|w| w.len() > 3);
            offsets.len() == long
                && long_words
                    .zip(offsets)
                    .all(|(w, &k)| k as usize <= w.len().saturating_sub(5))
        };
        let kept = kept_indexes()
            .iter()
            .find(|k| k.print == print && fits(&k.offsets));
        let (offsets, mul) = match kept {
            Some(k) => (k.offsets.clone(), k.mul),
            None => choose_index(&words),
        };
        let mut index: Vec<(usize, Index)> = Vec::with_capacity(2 * long);
        let long_words = words.iter().enumerate().filter(|(_, w)| w.len() > 3);
        for ((w, word), &k) in long_words.zip(&offsets) {
            let folded: Vec<u8> = word.iter().map(|b| b | 0x20).collect();
            index.push((w, index_at(&folded, k as usize)));
            index.push((w, index_at(&folded, k as usize + 1)));
        }
        let slots = slot_words(index.iter().map(|(_, at)| at), mul);
        let mut bytes = Vec::new();
        let offsets: Vec<u32> = words
            .iter()
            .map(|w| {
                let at = bytes.len() as u32;
                bytes.extend_from_slice(w);
                at
            })
            .collect();
        // The entries grouped by slot (one sort, not a list per slot: start-up pays for
        // every allocation), each slot's then ordered by side and 2 bytes.
        let entry = |w: usize, k: usize| Entry {
            word: w as u32,
            k: k as u32,
            at: offsets[w],
            len: words[w].len() as u32,
            head: Head::new(&words[w]),
            side: if k >= 2 {
                Side::Before
            } else if words[w].len() >= k + 6 {
                Side::After
            } else {
                Side::Neither
            },
            two: match (k.checked_sub(2), words[w].get(k + 4..k + 6)) {
                (Some(p), _) => u16::from_le_bytes([words[w][p], words[w][p + 1]]),
                (None, Some(b)) => u16::from_le_bytes([b[0], b[1]]),
                (None, None) => 0,
            },
        };
        let mut placed: Vec<(u32, Entry)> = index
            .iter()
            .map(|&(w, at)| (slot(at.key, mul) as u32, entry(w, at.k)))
            .collect();
        placed.sort_unstable_by_key(|(s, e)| (*s, e.side, e.two, e.word, e.k));
        let entries: Vec<Entry> = placed.iter().map(|&(_, e)| e).collect();
        let mut ranges = vec![SlotRange::default(); 1 << SLOT_BITS];
        let mut i = 0;
        while i < placed.len() {
            let s = placed[i].0 as usize;
            let end = i + placed[i..].iter().take_while(|p| p.0 as usize == s).count();
            let count = |side| {
                let n = placed[i..end].iter().filter(|p| p.1.side == side).count();
                u16::try_from(n).expect("fewer than 65536 keywords at a slot")
            };
            ranges[s] = SlotRange {
                first: i as u32,
                neither: count(Side::Neither),
                before: count(Side::Before),
                after: count(Side::After),
            };
            i = end;
        }
        Anchors {
            slots,
            mul,
            ranges,
            entries,
            short: Short::new(short),
            bytes,
            #[cfg(target_arch = "x86_64")]
            avx2: std::is_x86_feature_detected!("avx2"),
            #[cfg(not(target_arch = "x86_64"))]
            avx2: false,
            #[cfg(test)]
            kept: kept.is_some(),
        }
    }

    /// The line `kept-index.txt` keeps for these keywords (chosen afresh), and whether the
    /// file has it.
    #[cfg(test)]
    pub(super) fn kept_line(words: &[String]) -> (String, bool) {
        let words: Vec<Vec<u8>> = words
            .iter()
            .map(|w| w.to_ascii_lowercase().into_bytes())
            .collect();
        let print = words_print(&words);
        let (offsets, mul) = choose_index(&words);
        let hex: String = offsets.iter().map(|k| format!("{k:02x}")).collect();
        let kept = kept_indexes()
            .iter()
            .any(|k| k.print == print && k.mul == mul && k.offsets == offsets);
        (format!("{print:016x} {mul:08x} {hex}"), kept)
    }

    /// Calls `found(word index, start, end)` once for every occurrence, in no particular
    /// order.
    #[inline]
    pub fn for_each(&self, hay: &[u8], mut found: impl FnMut(usize, usize, usize)) {
        if hay.len() < 3 {
            return;
        }
        let slots: &[u32; 1 << SLOT_BITS] = self
            .slots
            .as_slice()
            .try_into()
            .expect("the table has 2^SLOT_BITS slots");
        // Two phases: a branch-free pass sets one bit per position of a block that passes
        // (most positions of most blocks do not), then only those positions are verified.
        // Keeping branches out of the per-byte loop is what makes it fast.
        let mut i = 0;
        while i + BLOCK_BYTES <= hay.len() {
            let block: &[u8; BLOCK_BYTES] = hay[i..i + BLOCK_BYTES]
                .try_into()
                .expect("the slice is BLOCK_BYTES long");
            let Hits {
                mut table,
                mut short,
            } = self.block_hits(slots, block);
            while table != 0 {
                let j = table.trailing_zeros() as usize;
                table &= table - 1;
                self.verify(hay, i + 2 * j, &mut found);
            }
            while short != 0 {
                let j = short.trailing_zeros() as usize;
                short &= short - 1;
                self.short.verify(hay, i + j, &mut found);
            }
            i += BLOCK;
        }
        // The last positions, fewer than a block: one at a time (the table at even ones, as in
        // a block). Where no fourth byte is left, any class passes (only a keyword indexed at
        // its last 3 bytes can end there).
        while i + 3 <= hay.len() {
            if i % 2 == 0 {
                let fourth = hay.get(i + 3).copied();
                let x = u32::from_le_bytes([hay[i], hay[i + 1], hay[i + 2], fourth.unwrap_or(0)]);
                let word = slots[slot(key(x), self.mul)];
                if passes(word, x, self.mul, fourth.is_some()) {
                    self.verify(hay, i, &mut found);
                }
            }
            if self.short.passes(hay[i], hay[i + 1], hay[i + 2]) != 0 {
                self.short.verify(hay, i, &mut found);
            }
            i += 1;
        }
    }

    #[inline(always)]
    fn block_hits(&self, slots: &[u32; 1 << SLOT_BITS], block: &[u8; BLOCK_BYTES]) -> Hits {
        #[cfg(target_arch = "x86_64")]
        if self.avx2 {
            // SAFETY: `avx2` is true only when the CPU has AVX2.
            return unsafe {
                if self.short.any {
                    avx2::block_hits::<true>(slots, self.mul, &self.short, block)
                } else {
                    avx2::block_hits::<false>(slots, self.mul, &self.short, block)
                }
            };
        }
        block_hits(slots, self.mul, &self.short, block)
    }

    /// Reports the keywords indexed at the slot of position `i` that occur there.
    #[inline(always)]
    fn verify<'a>(&'a self, hay: &[u8], i: usize, found: &mut impl FnMut(usize, usize, usize)) {
        let x = u32::from_le_bytes([hay[i], hay[i + 1], hay[i + 2], 0]);
        let r = self.ranges[slot(key(x), self.mul)];
        let first = r.first as usize;
        let before = first + r.neither as usize;
        let after = before + r.before as usize;
        self.compare(hay, i, &self.entries[first..before], found);
        // The 2 bytes of the text at `at`, folded, and the entries of `list` that have them.
        let matching = |list: &'a [Entry], at: usize| -> &'a [Entry] {
            match hay.get(at..at + 2) {
                Some(b) if !list.is_empty() => {
                    let two = u16::from_le_bytes([FOLD[b[0] as usize], FOLD[b[1] as usize]]);
                    let from = list.partition_point(|e| e.two < two);
                    let to = from + list[from..].partition_point(|e| e.two == two);
                    &list[from..to]
                }
                _ => &[],
            }
        };
        if i >= 2 {
            self.compare(hay, i, matching(&self.entries[before..after], i - 2), found);
        }
        let end = after + r.after as usize;
        self.compare(hay, i, matching(&self.entries[after..end], i + 4), found);
    }

    /// Reports the keywords of `entries` that occur with their indexed bytes at `i`.
    #[inline(always)]
    fn compare(
        &self,
        hay: &[u8],
        i: usize,
        entries: &[Entry],
        found: &mut impl FnMut(usize, usize, usize),
    ) {
        for e in entries {
            let Some(start) = i.checked_sub(e.k as usize) else {
                continue;
            };
            let end = start + e.len as usize;
            if end > hay.len() {
                continue;
            }
            // Most candidates differ within their first 8 bytes: one load and compare.
            let head = match hay.get(start..start + 8) {
                Some(b) => e.head.matches(b.try_into().expect("8 bytes")),
                None => true,
            };
            let word = &self.bytes[e.at as usize..(e.at + e.len) as usize];
            if head
                && hay[start..end]
                    .iter()
                    .zip(word)
                    .all(|(&h, &k)| FOLD[h as usize] == k)
            {
                found(e.word as usize, start, end);
            }
        }
    }
}

/// The 3-byte keywords, in up to 8 buckets: per byte of the 3, the buckets that take each
/// value of its low nibble and of its high nibble (after forcing bit 0x20 on: a case fold
/// that only merges more, never less).
#[derive(Debug, Clone)]
struct Short {
    any: bool,
    lo: [[u8; 16]; 3],
    hi: [[u8; 16]; 3],
    buckets: Vec<Vec<(u32, [u8; 3])>>,
}

impl Short {
    /// Groups keywords that share their last two bytes, then merges the groups whose nibble
    /// sets grow least until 8 remain (similar keywords share a bucket, so that a bucket
    /// passes little more than its keywords).
    fn new(words: Vec<(u32, [u8; 3])>) -> Short {
        let mut groups: Vec<Vec<(u32, [u8; 3])>> = Vec::new();
        for (w, b) in words {
            match groups
                .iter_mut()
                .find(|g| g[0].1[1] | 0x20 == b[1] | 0x20 && g[0].1[2] | 0x20 == b[2] | 0x20)
            {
                Some(g) => g.push((w, b)),
                None => groups.push(vec![(w, b)]),
            }
        }
        // How many 3-byte values a bucket passes: the product of its nibble set sizes.
        let cost = |g: &[(u32, [u8; 3])]| -> u64 {
            (0..3)
                .map(|o| {
                    let lo: u16 = g
                        .iter()
                        .map(|(_, b)| 1 << ((b[o] | 0x20) & 15))
                        .fold(0, |a, x| a | x);
                    let hi: u16 = g
                        .iter()
                        .map(|(_, b)| 1 << ((b[o] | 0x20) >> 4))
                        .fold(0, |a, x| a | x);
                    u64::from(lo.count_ones() * hi.count_ones())
                })
                .product()
        };
        while groups.len() > 8 {
            let mut best = (i128::MAX, 0, 1);
            for a in 0..groups.len() {
                for b in a + 1..groups.len() {
                    let merged: Vec<_> = groups[a].iter().chain(&groups[b]).copied().collect();
                    // Signed: two groups with the same nibble sets merge at no cost, below the
                    // sum of their own.
                    let grow = i128::from(cost(&merged))
                        - i128::from(cost(&groups[a]))
                        - i128::from(cost(&groups[b]));
                    best = best.min((grow, a, b));
                }
            }
            let (_, a, b) = best;
            let taken = groups.swap_remove(b);
            groups[a].extend(taken);
        }
        let (mut lo, mut hi) = ([[0u8; 16]; 3], [[0u8; 16]; 3]);
        for (bucket, g) in groups.iter().enumerate() {
            for (_, b) in g {
                for o in 0..3 {
                    let f = b[o] | 0x20;
                    lo[o][(f & 15) as usize] |= 1 << bucket;
                    hi[o][(f >> 4) as usize] |= 1 << bucket;
                }
            }
        }
        Short {
            any: !groups.is_empty(),
            lo,
            hi,
            buckets: groups,
        }
    }

    /// The buckets that take the 3 bytes.
    #[inline(always)]
    fn passes(&self, a: u8, b: u8, c: u8) -> u8 {
        let mut m = 0xff;
        for (o, x) in [a, b, c].into_iter().enumerate() {
            let f = x | 0x20;
            m &= self.lo[o][(f & 15) as usize] & self.hi[o][(f >> 4) as usize];
        }
        m
    }

    /// Reports the 3-byte keywords that occur at position `i`.
    #[inline(never)]
    fn verify(&self, hay: &[u8], i: usize, found: &mut impl FnMut(usize, usize, usize)) {
        let [a, b, c] = [hay[i], hay[i + 1], hay[i + 2]];
        let mut m = self.passes(a, b, c);
        let got = [FOLD[a as usize], FOLD[b as usize], FOLD[c as usize]];
        while m != 0 {
            let bucket = m.trailing_zeros() as usize;
            m &= m - 1;
            for &(w, word) in &self.buckets[bucket] {
                if word == got {
                    found(w as usize, i, i + 3);
                }
            }
        }
    }
}

/// A map from the 4-byte sequences of [`Stats`]: a fixed table, looked up some 100,000 times
/// while the engine is built, where SipHash (the default, which defends against chosen keys)
/// cost a fifth of start-up.
type U32Map<V> = HashMap<u32, V, std::hash::BuildHasherDefault<U32Hasher>>;

/// One multiply per key (for [`U32Map`]).
#[derive(Default)]
struct U32Hasher(u64);

impl std::hash::Hasher for U32Hasher {
    fn finish(&self) -> u64 {
        self.0 ^ self.0 >> 32
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u32(u32::from(b));
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.0 = (self.0 ^ u64::from(n)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// How common 4-byte sequences are, from [`COMMON_GRAMS`]: a weight per listed sequence
/// (1/rank, as word frequencies go), summed over the sequences the table cannot tell apart
/// (same 3 hashed bytes, same class of fourth byte), and over the sequences sharing their
/// first or their last 3 bytes (an estimate for sequences not listed).
struct Stats {
    grams: Vec<(u32, u64)>,
    four: U32Map<u64>,
    first3: U32Map<u64>,
    last3: U32Map<u64>,
}

/// A keyword (bit 0x20 forced on in every byte) indexed at offset `k`: the 4 bytes there, or
/// its last 3 (any fourth byte).
fn index_at(folded: &[u8], k: usize) -> Index {
    let b = |j: usize| folded.get(k + j).copied();
    let x = u32::from_le_bytes([folded[k], folded[k + 1], folded[k + 2], b(3).unwrap_or(0)]);
    Index {
        k,
        key: key(x),
        class: b(3).is_some().then(|| class(x)),
    }
}

impl Stats {
    /// Loaded once per process: the engine builds one searcher, and start plans one more for
    /// each rule with extra prefixes.
    fn get() -> &'static Stats {
        static STATS: std::sync::OnceLock<Stats> = std::sync::OnceLock::new();
        STATS.get_or_init(Stats::load)
    }

    fn load() -> Stats {
        let grams: Vec<(u32, u64)> = COMMON_GRAMS
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .enumerate()
            .map(|(rank, l)| {
                let g = u32::from_str_radix(l.trim(), 16).expect("common-grams.txt holds hex");
                // Written big-endian (in text order); used little-endian, as memory reads it.
                (g.swap_bytes(), (1u64 << 32) / (rank as u64 + 1))
            })
            .collect();
        let (mut four, mut first3, mut last3) =
            (U32Map::default(), U32Map::default(), U32Map::default());
        for &(g, w) in &grams {
            *four.entry(key(g) | class(g) << 24).or_insert(0) += w;
            *first3.entry(g & 0x00FF_FFFF).or_insert(0) += w;
            *last3.entry(g >> 8).or_insert(0) += w;
        }
        Stats {
            grams,
            four,
            first3,
            last3,
        }
    }

    /// The two offsets `k` and `k + 1` of a keyword of 4 bytes or more whose bytes are least
    /// common together. At each, 4 bytes (3 hashed and a fourth as a class), or the keyword's
    /// last 3, which pass any fourth byte and so count as common as every listed sequence they
    /// start.
    fn rarest_pair(&self, w: &[u8]) -> (Index, Index) {
        let folded: Vec<u8> = w.iter().map(|b| b | 0x20).collect();
        let at = |k: usize| index_at(&folded, k);
        // How common the indexed bytes are: the listed weight of the 4 bytes, plus a small
        // share of the estimate for their neighbours (breaks ties among unlisted ones).
        let cost = |k: usize| -> u64 {
            let i = at(k);
            match i.class {
                Some(_) => {
                    let x = u32::from_le_bytes(folded[k..k + 4].try_into().expect("4 bytes"));
                    let listed = self
                        .four
                        .get(&(key(x) | class(x) << 24))
                        .copied()
                        .unwrap_or(0);
                    let near = self.first3.get(&(x & 0x00FF_FFFF)).copied().unwrap_or(0)
                        + self.last3.get(&(x >> 8)).copied().unwrap_or(0);
                    listed + near / 64
                }
                None => self.first3.get(&i.key).copied().unwrap_or(0) + 1,
            }
        };
        // Keywords of 5 bytes or more are indexed by 4 bytes twice (a keyword's last 3 bytes
        // pass any fourth byte, so they are used only when there is no choice).
        let last = if w.len() == 4 { 0 } else { w.len() - 5 };
        // Each offset's cost once (each is half of two pairs).
        let costs: Vec<u64> = (0..=last + 1).map(cost).collect();
        let k = (0..=last)
            .min_by_key(|&k| costs[k].saturating_add(costs[k + 1]))
            .expect("keywords here are at least 4 bytes long");
        (at(k), at(k + 1))
    }

    /// Among a fixed list of candidates, the multiplier under which the listed sequences of
    /// code land least on keyword bits (weighted by how common they are). A searcher of a
    /// few keywords (a rule's extra prefixes) tries fewer: each try tests every listed
    /// sequence, and few keywords pass few of them under any multiplier.
    fn best_multiplier<'a>(&self, index: impl Iterator<Item = &'a Index> + Clone) -> u32 {
        let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
        let tries = if index.clone().nth(64).is_some() {
            32
        } else {
            4
        };
        let candidates = (0..tries).map(|_| {
            // splitmix64: a fixed, well-spread sequence of odd multipliers.
            seed = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = seed;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            ((z ^ (z >> 31)) as u32) | 1
        });
        let mut table = SlotTable::new();
        candidates
            .min_by_key(|&mul| {
                table.fill(index.clone(), mul);
                self.grams
                    .iter()
                    .filter(|&&(g, _)| passes(table.words[slot(key(g), mul)], g, mul, true))
                    .map(|&(_, w)| w)
                    .sum::<u64>()
            })
            .expect("there are candidates")
    }
}

/// Indexes chosen before, one per line (`#` comments): the fingerprint of a keyword list
/// ([`words_print`]), the multiplier, and per keyword of 4 bytes or more (in order) the offset
/// `k` of its indexed bytes, two hex digits each. The test `kept_index_is_current` checks that
/// the built-in rules' keywords have their line (`KEYHOUND_BLESS=1` writes it). A stale line
/// costs only start-up time: keywords without a line have their index chosen afresh.
const KEPT_INDEX: &str = include_str!("kept-index.txt");

struct KeptIndex {
    print: u64,
    mul: u32,
    offsets: Vec<u8>,
}

fn kept_indexes() -> &'static [KeptIndex] {
    static KEPT: std::sync::OnceLock<Vec<KeptIndex>> = std::sync::OnceLock::new();
    KEPT.get_or_init(|| {
        KEPT_INDEX
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| {
                let mut parts = l.split_whitespace();
                let print = u64::from_str_radix(parts.next()?, 16).ok()?;
                let mul = u32::from_str_radix(parts.next()?, 16).ok()?;
                let hex = parts.next().unwrap_or("").as_bytes();
                let offsets = hex
                    .chunks(2)
                    .map(|d| u8::from_str_radix(std::str::from_utf8(d).ok()?, 16).ok())
                    .collect::<Option<Vec<u8>>>()?;
                Some(KeptIndex {
                    print,
                    mul,
                    offsets,
                })
            })
            .collect()
    })
}

/// FNV-1a of the (lowercased) keywords, each followed by a byte no keyword holds.
fn words_print(words: &[Vec<u8>]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325_u64;
    for w in words {
        for &b in w.iter().chain(&[0xFF]) {
            h ^= b as u64;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

/// Chooses the index from the statistics: per keyword of 4 bytes or more the offset of its
/// rarest pair ([`Stats::rarest_pair`]), and the multiplier for them.
fn choose_index(words: &[Vec<u8>]) -> (Vec<u8>, u32) {
    let stats = Stats::get();
    let mut index = Vec::new();
    let mut offsets = Vec::new();
    for word in words.iter().filter(|w| w.len() > 3) {
        let (a, b) = stats.rarest_pair(word);
        offsets.push(u8::try_from(a.k).expect("keywords are shorter than 256 bytes"));
        index.push(a);
        index.push(b);
    }
    let mul = stats.best_multiplier(index.iter());
    (offsets, mul)
}

/// A keyword's first (up to) 8 bytes as one 64-bit compare: `(bytes | fold) & mask == want`,
/// where `fold` forces bit 0x20 on at the keyword's letters (ASCII case folding) and `mask`
/// covers its length. A necessary condition for a match, so a mismatch skips the full compare.
#[derive(Debug, Clone, Copy)]
struct Head {
    want: u64,
    fold: u64,
    mask: u64,
}

impl Head {
    fn new(word: &[u8]) -> Head {
        let (mut want, mut fold, mut mask) = (0u64, 0u64, 0u64);
        for (j, &b) in word.iter().take(8).enumerate() {
            want |= (b as u64) << (8 * j);
            mask |= 0xff << (8 * j);
            if b.is_ascii_lowercase() {
                fold |= 0x20 << (8 * j);
            }
        }
        Head { want, fold, mask }
    }

    #[inline(always)]
    fn matches(&self, bytes: &[u8; 8]) -> bool {
        (u64::from_le_bytes(*bytes) | self.fold) & self.mask == self.want
    }
}

/// The lookups of a block, one position at a time. Eight table lookups at a time, so that
/// the compiler unrolls them into independent loads with constant shifts.
#[inline(always)]
fn block_hits(
    slots: &[u32; 1 << SLOT_BITS],
    mul: u32,
    short: &Short,
    block: &[u8; BLOCK_BYTES],
) -> Hits {
    let mut table = 0u32;
    for g in 0..BLOCK / 16 {
        let mut group = 0u32;
        for k in 0..8 {
            let j = 2 * (g * 8 + k);
            let x = u32::from_le_bytes(block[j..j + 4].try_into().expect("4 bytes"));
            let word = slots[slot(key(x), mul)];
            group |= u32::from(passes(word, x, mul, true)) << k;
        }
        table |= group << (g * 8);
    }
    let mut hits = 0u64;
    if short.any {
        for j in 0..BLOCK {
            hits |= u64::from(short.passes(block[j], block[j + 1], block[j + 2]) != 0) << j;
        }
    }
    Hits { table, short: hits }
}

/// [`block_hits`] with AVX2. Table: the 4 bytes of 8 even positions are put in place by one
/// byte shuffle, hashed by one multiply, and their slot words fetched by eight loads. 3-byte
/// keywords: 32 positions at a time, two byte shuffles (nibble tables) for each of the 3 bytes.
#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::{
        __m256i, _mm256_and_si256, _mm256_broadcastsi128_si256, _mm256_castsi256_ps,
        _mm256_cmpeq_epi32, _mm256_cmpeq_epi8, _mm256_loadu2_m128i, _mm256_loadu_si256,
        _mm256_movemask_epi8, _mm256_movemask_ps, _mm256_mullo_epi32, _mm256_or_si256,
        _mm256_set1_epi32, _mm256_set1_epi8, _mm256_setr_epi32, _mm256_setr_epi8,
        _mm256_setzero_si256, _mm256_shuffle_epi8, _mm256_slli_epi32, _mm256_srli_epi16,
        _mm256_srli_epi32, _mm256_srlv_epi32, _mm256_storeu_si256, _mm_loadu_si128,
    };

    use super::{Hits, Short, BLOCK, BLOCK_BYTES, SLOT_BITS};

    /// The same bits as [`super::block_hits`] (a test compares them).
    ///
    /// # Safety
    /// The CPU must have AVX2.
    #[target_feature(enable = "avx2")]
    pub unsafe fn block_hits<const SHORT: bool>(
        slots: &[u32; 1 << SLOT_BITS],
        mul: u32,
        short: &Short,
        block: &[u8; BLOCK_BYTES],
    ) -> Hits {
        // Lane k of each half takes bytes 2k..2k + 4 of its 16 (the high half is loaded 8
        // bytes further on and serves positions 8..16).
        let shuffle = _mm256_setr_epi8(
            0, 1, 2, 3, 2, 3, 4, 5, 4, 5, 6, 7, 6, 7, 8, 9, //
            0, 1, 2, 3, 2, 3, 4, 5, 4, 5, 6, 7, 6, 7, 8, 9,
        );
        let words = slots.as_ptr() as *const i32;
        let mut table = 0u32;
        for j in (0..BLOCK).step_by(16) {
            // SAFETY: bytes j..j + 24 lie inside the block (j + 24 <= BLOCK_BYTES); every
            // slot index is below 2^SLOT_BITS (a 32-bit product shifted right by
            // 32 - SLOT_BITS), and `slots` has 2^SLOT_BITS words.
            let lanes = unsafe {
                let p = block.as_ptr().add(j);
                let v = _mm256_loadu2_m128i(p.add(8) as *const _, p as *const _);
                let x = _mm256_shuffle_epi8(v, shuffle);
                let keys = _mm256_and_si256(
                    _mm256_or_si256(x, _mm256_set1_epi32(0x0020_2020)),
                    _mm256_set1_epi32(0x00FF_FFFF),
                );
                let class = _mm256_and_si256(
                    _mm256_or_si256(_mm256_srli_epi32(x, 24), _mm256_set1_epi32(0x20)),
                    _mm256_set1_epi32(15),
                );
                let product = _mm256_mullo_epi32(keys, _mm256_set1_epi32(mul as i32));
                let s = _mm256_srli_epi32(product, (32 - SLOT_BITS) as i32);
                let tag = _mm256_and_si256(
                    _mm256_srli_epi32(product, (24 - SLOT_BITS) as i32),
                    _mm256_set1_epi32(0xFF),
                );
                // Eight scalar loads: on the CPU measured (Zen 4) they cost about 15% less than
                // one gather instruction.
                let mut idx = [0u32; 8];
                _mm256_storeu_si256(idx.as_mut_ptr() as *mut __m256i, s);
                let w = |k: usize| *words.add(idx[k] as usize);
                let word = _mm256_setr_epi32(w(0), w(1), w(2), w(3), w(4), w(5), w(6), w(7));
                let bit = _mm256_slli_epi32(_mm256_srlv_epi32(word, class), 31);
                let byte = _mm256_set1_epi32(0xFF);
                let tags = _mm256_srli_epi32(word, 16);
                let tagged = _mm256_or_si256(
                    _mm256_or_si256(
                        _mm256_cmpeq_epi32(_mm256_and_si256(tags, byte), tag),
                        _mm256_cmpeq_epi32(_mm256_srli_epi32(word, 24), tag),
                    ),
                    _mm256_cmpeq_epi32(tags, _mm256_setzero_si256()),
                );
                _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_and_si256(bit, tagged)))
            };
            table |= (lanes as u8 as u32) << (j / 2);
        }
        let mut hits = 0u64;
        if SHORT {
            let table = |t: &[u8; 16]| -> __m256i {
                // SAFETY: a 16-byte array.
                unsafe { _mm256_broadcastsi128_si256(_mm_loadu_si128(t.as_ptr() as *const _)) }
            };
            let lo = [
                table(&short.lo[0]),
                table(&short.lo[1]),
                table(&short.lo[2]),
            ];
            let hi = [
                table(&short.hi[0]),
                table(&short.hi[1]),
                table(&short.hi[2]),
            ];
            let nibble = _mm256_set1_epi8(15);
            for h in [0, 32] {
                let mut m = _mm256_set1_epi8(-1);
                for o in 0..3 {
                    // SAFETY: bytes h + o..h + o + 32 lie inside the block (66 <= BLOCK_BYTES).
                    let v = unsafe { _mm256_loadu_si256(block.as_ptr().add(h + o) as *const _) };
                    let f = _mm256_or_si256(v, _mm256_set1_epi8(0x20));
                    let l = _mm256_shuffle_epi8(lo[o], _mm256_and_si256(f, nibble));
                    let u = _mm256_shuffle_epi8(
                        hi[o],
                        _mm256_and_si256(_mm256_srli_epi16(f, 4), nibble),
                    );
                    m = _mm256_and_si256(m, _mm256_and_si256(l, u));
                }
                let none = _mm256_movemask_epi8(_mm256_cmpeq_epi8(m, _mm256_setzero_si256()));
                hits |= u64::from(!(none as u32)) << h;
            }
        }
        Hits { table, short: hits }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(words: &[&str], hay: &str) -> Vec<(usize, usize, usize)> {
        let a = Anchors::new(&words.iter().map(|w| w.to_string()).collect::<Vec<_>>());
        let mut out = Vec::new();
        a.for_each(hay.as_bytes(), |w, s, e| out.push((w, s, e)));
        out.sort_by_key(|&(w, s, _)| (s, w));
        out
    }

    fn naive(words: &[&str], hay: &str) -> Vec<(usize, usize, usize)> {
        let lower = hay.to_ascii_lowercase();
        let mut out = Vec::new();
        for i in 0..hay.len() {
            for (w, word) in words.iter().enumerate() {
                if lower[i..].starts_with(&word.to_ascii_lowercase()) {
                    out.push((w, i, i + word.len()));
                }
            }
        }
        out
    }

    #[test]
    fn finds_overlapping_case_insensitive_occurrences() {
        type Hits = &'static [(usize, usize, usize)];
        let cases: &[(&[&str], &str, Hits)] = &[
            (&["sk-"], "", &[]),
            (&["sk-"], "sk", &[]),
            (&["sk-"], "SK-", &[(0, 0, 3)]),
            (&["sk-", "sk-ant-"], "x sk-ant-1", &[(0, 2, 5), (1, 2, 9)]),
            (&["ant-api"], "ant-ap ant-api", &[(0, 7, 14)]),
            (&["deepseek", "seek"], "DeepSeek", &[(0, 0, 8), (1, 4, 8)]),
            (&["aaa"], "aaaa", &[(0, 0, 3), (0, 1, 4)]),
            (&["aaaa"], "aaaaaa", &[(0, 0, 4), (0, 1, 5), (0, 2, 6)]),
            (&["token"], "tok", &[]),
            (&["akia"], "AKIA", &[(0, 0, 4)]),
            (&["akia"], "xAKIA", &[(0, 1, 5)]),
            (&["_key"], "a_key _KEY", &[(0, 1, 5), (0, 6, 10)]),
        ];
        for (words, hay, want) in cases {
            assert_eq!(all(words, hay), *want, "{words:?} in {hay:?}");
        }
    }

    /// Common code (`code`, `user`, `toke`) is not where a keyword is indexed when it has
    /// rarer bytes; a 4-byte keyword is indexed whole and by its last 3 bytes.
    #[test]
    fn keywords_are_indexed_by_their_rarest_bytes() {
        let stats = Stats::load();
        for (word, common) in [
            ("codestral", "code"),
            ("user_secret", "user"),
            ("vault_token", "toke"),
        ] {
            let (a, b) = stats.rarest_pair(word.as_bytes());
            assert_eq!(b.k, a.k + 1);
            for i in [a, b] {
                let chosen = &word[i.k..(i.k + 4).min(word.len())];
                assert_ne!(chosen, common, "{word}");
            }
            assert!(a.class.is_some(), "{word}");
        }
        let (a, b) = stats.rarest_pair(b"akia");
        assert_eq!((a.k, b.k, b.class), (0, 1, None));
        assert!(a.class.is_some());
    }

    /// The AVX2 block test sets the same bits as the portable one.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn avx2_blocks_agree_with_portable_blocks() {
        if !std::is_x86_feature_detected!("avx2") {
            eprintln!("skipped: this CPU has no AVX2");
            return;
        }
        let a = Anchors::new(
            &[
                "sk-",
                "hf_",
                "0q~",
                "token",
                "password",
                "AKIA",
                "ghp_",
                "-----BEGIN",
            ]
            .map(String::from),
        );
        let slots: &[u32; 1 << SLOT_BITS] = a.slots.as_slice().try_into().unwrap();
        let text =
            b"let token = sk-abc; AKIA ghp_x PassWord -----BEGIN \xff\x00 tok Sk- akia HF_ 0Q~";
        let mut x = 0x9e37_79b9_u32;
        let mut passed = (0, 0);
        for round in 0..4000 {
            let mut block = [0u8; BLOCK_BYTES];
            for (n, b) in block.iter_mut().enumerate() {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                *b = if round % 2 == 0 {
                    text[(x as usize % 7 + n) % text.len()]
                } else {
                    x as u8
                };
            }
            // SAFETY: the CPU has AVX2 (checked above).
            let fast = unsafe { avx2::block_hits::<true>(slots, a.mul, &a.short, &block) };
            assert_eq!(
                fast,
                block_hits(slots, a.mul, &a.short, &block),
                "{block:?}"
            );
            passed.0 += fast.table.count_ones();
            passed.1 += fast.short.count_ones();
        }
        assert!(passed.0 > 0 && passed.1 > 0, "{passed:?}");
    }

    /// The same occurrences as a naive search, on text full of near misses.
    #[test]
    fn agrees_with_a_naive_search() {
        let words = [
            "sk-",
            "ghp_",
            "token",
            "password",
            "xoxb-",
            "AKIA",
            "-----BEGIN",
            "deepseek",
            "0q~",
            "hf_",
        ];
        let hay = "Token tok sk sk- ghp ghp_ xoxb xoxb- akia AKIA ----BEGIN -----begin DeepSeek passwor password 0Q~ hf hF_".repeat(3);
        let want = naive(&words, &hay);
        assert!(!want.is_empty());
        // Every alignment of the text to the blocks and to even positions.
        for cut in 0..70 {
            let hay = &hay[cut..];
            assert_eq!(all(&words, hay), naive(&words, hay), "from {cut}");
        }
    }

    /// Keywords that share a part are indexed by the same bytes; those told apart by the 2
    /// bytes before or after must all still be found (and only where they occur).
    #[test]
    fn keywords_sharing_their_indexed_bytes_are_all_found() {
        let mut words: Vec<String> = ["bland", "comet", "fal", "news", "x", "ab", "a-b"]
            .iter()
            .flat_map(|p| {
                [
                    format!("{p}_api_key"),
                    format!("{p}_api_token"),
                    format!("{p}api_"),
                ]
            })
            .collect();
        words.extend(["api_key", "apikey", "api.lob.com", "api.line.me", "api_"].map(String::from));
        let hay = "BLAND_API_KEY=1 comet_api_token fal_api_key news_API_KEY x_api_key ab_api_key                    a-b_api_token api_key apikey API.LOB.COM api.line.me api.lob.co blandapi_                    bland_api_ke omet_api_key _api_key"
            .repeat(2);
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        let want = naive(&words, &hay);
        assert!(want.len() > 30, "{}", want.len());
        for cut in 0..8 {
            assert_eq!(
                all(&words, &hay[cut..]),
                naive(&words, &hay[cut..]),
                "from {cut}"
            );
        }
    }

    /// Many 3-byte keywords over a few letters: more than 8 groups to merge into buckets, many
    /// of them with the same nibble sets (merging them costs nothing).
    #[test]
    fn many_short_keywords_share_the_buckets() {
        let letters = ["a", "b", "1", "q"];
        let mut words = Vec::new();
        for x in letters {
            for y in letters {
                for z in letters {
                    words.push(format!("{x}{y}{z}"));
                }
            }
        }
        let hay = "ab1q qqq1ba a1b1 QB1 zzz 1aq".repeat(5);
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        let want = naive(&words, &hay);
        assert!(want.len() > 50, "{}", want.len());
        assert_eq!(all(&words, &hay), want);
    }

    /// Random keywords over a small alphabet in random text of the same alphabet, so that
    /// occurrences overlap and fall at every offset of a block: the same as a naive search.
    #[test]
    fn agrees_with_a_naive_search_on_random_text() {
        let alphabet = b"aAbB-_k";
        let mut x = 0x2545_f491_u32;
        let mut next = |n: usize| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as usize % n
        };
        let mut found = 0;
        for _ in 0..300 {
            let words: Vec<String> = (0..1 + next(12))
                .map(|_| {
                    (0..3 + next(6))
                        .map(|_| alphabet[next(alphabet.len())] as char)
                        .collect()
                })
                .collect();
            let hay: String = (0..next(400))
                .map(|_| alphabet[next(alphabet.len())] as char)
                .collect();
            let words: Vec<&str> = words.iter().map(String::as_str).collect();
            let want = naive(&words, &hay);
            found += want.len();
            assert_eq!(all(&words, &hay), want, "{words:?} in {hay:?}");
        }
        assert!(found > 500, "{found}");
    }
}

//! The keyword prefilter: finds every occurrence (overlapping, ASCII case-insensitive) of
//! every rule keyword and context word in one pass over a haystack.
//!
//! Why not Aho-Corasick: with a few hundred keywords the `aho-corasick` crate can no longer
//! use its SIMD prefilter (Teddy takes at most 64 patterns), and its automaton then walks every
//! byte through a large transition table; on the reference corpus that ran at about 60 MB/s
//! per core.
//!
//! Here each keyword is indexed by 4 of its bytes least likely to occur in code, at some offset
//! `k` into the keyword: 3 bytes hashed to a slot of a 16 KiB table, and the fourth byte as one
//! of 32 classes, a bit of that slot's 32-bit word. (A keyword of 3 bytes, or one whose rarest
//! bytes are its last 3, sets every bit of its slot.) Every haystack position is tested with one
//! table load and one bit test, eight positions per instruction with AVX2 (a gather), without a
//! branch; the few positions that pass compare the keywords indexed at that slot, starting `k`
//! bytes earlier. Bit 0x20 is forced on in every byte hashed (a cheap ASCII case fold).
//!
//! What "least likely" means comes from data: `common-grams.txt` lists the 4096 most frequent
//! 4-byte sequences of source code ([`COMMON_GRAMS`]). It picks each keyword's bytes, and it
//! picks the hash multiplier, among a few candidates, that lands the fewest common sequences on
//! keyword bits. On a sample of the reference corpus this passes about 8 positions in 1,000
//! where the trigram bitmap it replaced (trigrams chosen by byte-pair statistics) passed 15; a
//! table of 8192 slots would pass 4, but no longer fits in L1 cache and costs more than it saves.
//!
//! The contract of a prefilter holds whatever the statistics say: an occurrence of a keyword
//! always has its indexed bytes at its offset, so it is never missed.

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

/// The class of the fourth byte: its low 5 bits with bit 0x20 forced on (letters by letter).
#[inline(always)]
fn class(x: u32) -> u32 {
    ((x >> 24) | 0x20) & 31
}

/// The slot of a key under a multiplier.
#[inline(always)]
fn slot(key: u32, mul: u32) -> usize {
    (key.wrapping_mul(mul) >> (32 - SLOT_BITS)) as usize
}

/// Positions tested per block: one bit each in a `u64`.
const BLOCK: usize = 64;
/// Bytes a block reads: a 4-byte load at each of its positions, or (AVX2) 16 bytes at each
/// eighth position.
const BLOCK_BYTES: usize = BLOCK + 8;

/// An immutable multi-keyword searcher.
#[derive(Debug, Clone)]
pub struct Anchors {
    /// Per slot: bit `c` set when some keyword is indexed here with a fourth byte of class `c`.
    slots: Vec<u32>,
    /// The hash multiplier ([`slot`]).
    mul: u32,
    /// Per slot: 0 for none, else 1 + index into `buckets`.
    table: Vec<u16>,
    /// Keyword indices sharing a slot, with the offset of their indexed bytes.
    buckets: Vec<Vec<(u32, u32)>>,
    /// Lowercased keywords.
    words: Vec<Vec<u8>>,
    /// Per keyword, its first 8 bytes as a masked compare ([`Head`]).
    heads: Vec<Head>,
    /// The CPU has AVX2: blocks are tested eight positions per instruction ([`avx2`]).
    avx2: bool,
}

/// Where a keyword is indexed: the offset `k` of its indexed bytes, its 3 hashed bytes (as
/// [`key`] gives them) and the class of its fourth byte (`None`: all 32, the keyword ends).
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
        let stats = Stats::load();
        let index: Vec<Index> = words
            .iter()
            .map(|w| {
                assert!(w.len() >= 3, "keywords are at least 3 bytes long");
                stats.rarest(w)
            })
            .collect();
        let mul = stats.best_multiplier(&index);
        let mut slots = vec![0u32; 1 << SLOT_BITS];
        let mut table = vec![0u16; 1 << SLOT_BITS];
        let mut buckets: Vec<Vec<(u32, u32)>> = Vec::new();
        for (i, at) in index.iter().enumerate() {
            let s = slot(at.key, mul);
            slots[s] |= at.class.map_or(u32::MAX, |c| 1 << c);
            if table[s] == 0 {
                buckets.push(Vec::new());
                table[s] = u16::try_from(buckets.len()).expect("fewer than 65535 keyword buckets");
            }
            buckets[table[s] as usize - 1].push((i as u32, at.k as u32));
        }
        let heads = words.iter().map(|w| Head::new(w)).collect();
        Anchors {
            slots,
            mul,
            table,
            buckets,
            words,
            heads,
            #[cfg(target_arch = "x86_64")]
            avx2: std::is_x86_feature_detected!("avx2"),
            #[cfg(not(target_arch = "x86_64"))]
            avx2: false,
        }
    }

    /// Calls `found(word index, start, end)` for every occurrence (roughly in order of start).
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
        // Two phases: a branch-free pass sets one bit per position of a block that passes the
        // table (most positions of most blocks do not), then only those positions are
        // verified. Keeping branches out of the per-byte loop is what makes it fast: the old
        // loop stalled on a branch per byte.
        let mut i = 0;
        while i + BLOCK_BYTES <= hay.len() {
            let block: &[u8; BLOCK_BYTES] = hay[i..i + BLOCK_BYTES]
                .try_into()
                .expect("the slice is BLOCK_BYTES long");
            let mut hits = self.block_hits(slots, block);
            while hits != 0 {
                let j = hits.trailing_zeros() as usize;
                hits &= hits - 1;
                self.verify(hay, i + j, &mut found);
            }
            i += BLOCK;
        }
        // The last positions, fewer than a block: one at a time. Where no fourth byte is left,
        // any class passes (only a keyword indexed at its last 3 bytes can end there).
        while i + 3 <= hay.len() {
            let fourth = hay.get(i + 3).copied();
            let x = u32::from_le_bytes([hay[i], hay[i + 1], hay[i + 2], fourth.unwrap_or(0)]);
            let word = slots[slot(key(x), self.mul)];
            let pass = match fourth {
                Some(_) => (word >> class(x)) & 1 != 0,
                None => word != 0,
            };
            if pass {
                self.verify(hay, i, &mut found);
            }
            i += 1;
        }
    }

    #[inline(always)]
    fn block_hits(&self, slots: &[u32; 1 << SLOT_BITS], block: &[u8; BLOCK_BYTES]) -> u64 {
        #[cfg(target_arch = "x86_64")]
        if self.avx2 {
            // SAFETY: `avx2` is true only when the CPU has AVX2.
            return unsafe { avx2::block_hits(slots, self.mul, block) };
        }
        block_hits(slots, self.mul, block)
    }

    /// Reports the keywords indexed at the slot of position `i` that occur there.
    #[inline(always)]
    fn verify(&self, hay: &[u8], i: usize, found: &mut impl FnMut(usize, usize, usize)) {
        let x = u32::from_le_bytes([hay[i], hay[i + 1], hay[i + 2], 0]);
        let b = self.table[slot(key(x), self.mul)];
        if b == 0 {
            return;
        }
        for &(w, k) in &self.buckets[b as usize - 1] {
            let Some(start) = i.checked_sub(k as usize) else {
                continue;
            };
            let word = &self.words[w as usize];
            let end = start + word.len();
            if end > hay.len() {
                continue;
            }
            // Most candidates differ within their first 8 bytes: one load and compare.
            let head = match hay.get(start..start + 8) {
                Some(b) => self.heads[w as usize].matches(b.try_into().expect("8 bytes")),
                None => true,
            };
            if head
                && hay[start..end]
                    .iter()
                    .zip(word)
                    .all(|(&h, &k)| FOLD[h as usize] == k)
            {
                found(w as usize, start, end);
            }
        }
    }
}

/// How common 4-byte sequences are, from [`COMMON_GRAMS`]: a weight per listed sequence
/// (1/rank, as word frequencies go), and summed over the sequences sharing their first or their
/// last 3 bytes (an estimate for sequences not listed).
struct Stats {
    grams: Vec<(u32, u64)>,
    four: HashMap<u32, u64>,
    first3: HashMap<u32, u64>,
    last3: HashMap<u32, u64>,
}

impl Stats {
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
        let (mut four, mut first3, mut last3) = (HashMap::new(), HashMap::new(), HashMap::new());
        for &(g, w) in &grams {
            *four.entry(g).or_insert(0) += w;
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

    /// The offset of the keyword's least common bytes: 4 bytes (3 hashed and a fourth as a
    /// class), or its last 3, which pass any fourth byte and so count as common as every listed
    /// sequence they start, and lose a tie.
    fn rarest(&self, w: &[u8]) -> Index {
        let folded: Vec<u8> = w.iter().map(|b| b | 0x20).collect();
        let at = |k: usize| {
            let b = |j: usize| folded.get(k + j).copied();
            let x =
                u32::from_le_bytes([folded[k], folded[k + 1], folded[k + 2], b(3).unwrap_or(0)]);
            (x, b(3).is_some())
        };
        // (how common, indexed at its end (all 32 classes pass), the estimate for unlisted)
        let cost = |k: usize| -> (u64, bool, u64) {
            let (x, four) = at(k);
            if four {
                let listed = self.four.get(&x).copied().unwrap_or(0);
                let near = self.first3.get(&(x & 0x00FF_FFFF)).copied().unwrap_or(0)
                    + self.last3.get(&(x >> 8)).copied().unwrap_or(0);
                (listed, false, near)
            } else {
                let all = self.first3.get(&(x & 0x00FF_FFFF)).copied().unwrap_or(0);
                (all, true, all)
            }
        };
        let k = (0..=w.len() - 3)
            .min_by_key(|&k| cost(k))
            .expect("keywords are at least 3 bytes long");
        let (x, four) = at(k);
        Index {
            k,
            key: key(x),
            class: four.then(|| class(x)),
        }
    }

    /// Among a fixed list of candidates, the multiplier under which the listed sequences of
    /// code land least on keyword bits (weighted by how common they are).
    fn best_multiplier(&self, index: &[Index]) -> u32 {
        let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
        let candidates = (0..32).map(|_| {
            // splitmix64: a fixed, well-spread sequence of odd multipliers.
            seed = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = seed;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            ((z ^ (z >> 31)) as u32) | 1
        });
        let mut slots = vec![0u32; 1 << SLOT_BITS];
        candidates
            .min_by_key(|&mul| {
                slots.fill(0);
                for at in index {
                    slots[slot(at.key, mul)] |= at.class.map_or(u32::MAX, |c| 1 << c);
                }
                self.grams
                    .iter()
                    .filter(|&&(g, _)| (slots[slot(key(g), mul)] >> class(g)) & 1 != 0)
                    .map(|&(_, w)| w)
                    .sum::<u64>()
            })
            .expect("there are candidates")
    }
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

/// One bit per position of the block whose 4 bytes pass the table. Eight positions at a time,
/// so that the compiler unrolls them into independent lookups with constant shifts.
#[inline(always)]
fn block_hits(slots: &[u32; 1 << SLOT_BITS], mul: u32, block: &[u8; BLOCK_BYTES]) -> u64 {
    let mut hits = 0u64;
    for g in 0..BLOCK / 8 {
        let mut group = 0u64;
        for k in 0..8 {
            let j = g * 8 + k;
            let x = u32::from_le_bytes(block[j..j + 4].try_into().expect("4 bytes"));
            let word = slots[slot(key(x), mul)];
            group |= (((word >> class(x)) & 1) as u64) << k;
        }
        hits |= group << (g * 8);
    }
    hits
}

/// [`block_hits`] with AVX2: the 4 bytes of 8 positions are gathered by one byte shuffle,
/// hashed by one multiply, and their slot words fetched by one gather.
#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::{
        _mm256_and_si256, _mm256_broadcastsi128_si256, _mm256_castsi256_ps, _mm256_i32gather_epi32,
        _mm256_movemask_ps, _mm256_mullo_epi32, _mm256_or_si256, _mm256_set1_epi32,
        _mm256_setr_epi8, _mm256_shuffle_epi8, _mm256_slli_epi32, _mm256_srli_epi32,
        _mm256_srlv_epi32, _mm_loadu_si128,
    };

    use super::{BLOCK, BLOCK_BYTES, SLOT_BITS};

    /// The same bits as [`super::block_hits`] (a test compares them).
    ///
    /// # Safety
    /// The CPU must have AVX2.
    #[target_feature(enable = "avx2")]
    pub unsafe fn block_hits(
        slots: &[u32; 1 << SLOT_BITS],
        mul: u32,
        block: &[u8; BLOCK_BYTES],
    ) -> u64 {
        // Lane k of each half takes bytes k..k + 4 (the high half of the broadcast 16 bytes
        // serves positions 4..8).
        let shuffle = _mm256_setr_epi8(
            0, 1, 2, 3, 1, 2, 3, 4, 2, 3, 4, 5, 3, 4, 5, 6, //
            4, 5, 6, 7, 5, 6, 7, 8, 6, 7, 8, 9, 7, 8, 9, 10,
        );
        let words = slots.as_ptr() as *const i32;
        let mut hits = 0u64;
        for j in (0..BLOCK).step_by(8) {
            // SAFETY: bytes j..j + 16 lie inside the block (j + 16 <= BLOCK_BYTES); every
            // gathered index is below 2^SLOT_BITS (a 32-bit product shifted right by
            // 32 - SLOT_BITS).
            let lanes = unsafe {
                let v =
                    _mm256_broadcastsi128_si256(_mm_loadu_si128(block.as_ptr().add(j) as *const _));
                let x = _mm256_shuffle_epi8(v, shuffle);
                let keys = _mm256_and_si256(
                    _mm256_or_si256(x, _mm256_set1_epi32(0x0020_2020)),
                    _mm256_set1_epi32(0x00FF_FFFF),
                );
                let class = _mm256_and_si256(
                    _mm256_or_si256(_mm256_srli_epi32(x, 24), _mm256_set1_epi32(0x20)),
                    _mm256_set1_epi32(31),
                );
                let s = _mm256_srli_epi32(
                    _mm256_mullo_epi32(keys, _mm256_set1_epi32(mul as i32)),
                    (32 - SLOT_BITS) as i32,
                );
                let word = _mm256_i32gather_epi32::<4>(words, s);
                let bit = _mm256_srlv_epi32(word, class);
                _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_slli_epi32(bit, 31)))
            };
            hits |= (lanes as u8 as u64) << j;
        }
        hits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(words: &[&str], hay: &str) -> Vec<(usize, usize, usize)> {
        let a = Anchors::new(&words.iter().map(|w| w.to_string()).collect::<Vec<_>>());
        let mut out = Vec::new();
        a.for_each(hay.as_bytes(), |w, s, e| out.push((w, s, e)));
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
            (&["token"], "tok", &[]),
        ];
        for (words, hay, want) in cases {
            assert_eq!(all(words, hay), *want, "{words:?} in {hay:?}");
        }
    }

    /// Common code (`code`, `user`, `token`) is not where a keyword is indexed when it has
    /// rarer bytes; a 3-byte keyword is indexed whole, passing any fourth byte.
    #[test]
    fn keywords_are_indexed_by_their_rarest_bytes() {
        let stats = Stats::load();
        let at = |w: &str| stats.rarest(w.as_bytes());
        for (word, common) in [
            ("codestral", "code"),
            ("user:", "user"),
            ("vault_token", "toke"),
        ] {
            let i = at(word);
            let chosen = &word[i.k..(i.k + 4).min(word.len())];
            assert_ne!(chosen, common, "{word}");
            assert!(i.class.is_some(), "{word}: {chosen}");
        }
        let three = at("sk-");
        assert_eq!((three.k, three.class), (0, None));
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
            &["sk-", "token", "password", "AKIA", "ghp_", "-----BEGIN"].map(String::from),
        );
        let slots: &[u32; 1 << SLOT_BITS] = a.slots.as_slice().try_into().unwrap();
        let text = b"let token = sk-abc; AKIA ghp_x PassWord -----BEGIN \xff\x00 tok Sk- akia";
        let mut x = 0x9e37_79b9_u32;
        for round in 0..2000 {
            let mut block = [0u8; BLOCK_BYTES];
            for (n, b) in block.iter_mut().enumerate() {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                *b = if round % 2 == 0 {
                    text[(x as usize + n) % text.len()]
                } else {
                    x as u8
                };
            }
            // SAFETY: the CPU has AVX2 (checked above).
            let fast = unsafe { avx2::block_hits(slots, a.mul, &block) };
            assert_eq!(fast, block_hits(slots, a.mul, &block), "{block:?}");
        }
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
        ];
        let hay = "Token tok sk sk- ghp ghp_ xoxb xoxb- akia AKIA ----BEGIN -----begin DeepSeek passwor password".repeat(3);
        let mut naive = Vec::new();
        let lower = hay.to_ascii_lowercase();
        for i in 0..hay.len() {
            for (w, word) in words.iter().enumerate() {
                if lower[i..].starts_with(&word.to_ascii_lowercase()) {
                    naive.push((w, i, i + word.len()));
                }
            }
        }
        let mut got = all(&words, &hay);
        assert!(!got.is_empty());
        got.sort_by_key(|&(w, s, _)| (s, w));
        naive.sort_by_key(|&(w, s, _)| (s, w));
        assert_eq!(got, naive);
    }
}

//! The keyword prefilter: finds every occurrence (overlapping, ASCII case-insensitive) of
//! every rule keyword and context word in one pass over a haystack.
//!
//! Why not Aho-Corasick: with a few hundred keywords the `aho-corasick` crate can no longer
//! use its SIMD prefilter (Teddy takes at most 64 patterns), and its automaton then walks every
//! byte through a large transition table; on the reference corpus that ran at about 60 MB/s
//! per core. Here each keyword is indexed by its 3 consecutive bytes least likely to occur in
//! code (judged by a table of the most frequent byte pairs), at some offset `k` into the
//! keyword. A haystack position is first tested against an 8 KiB bitmap of those trigrams,
//! hashed (with bit 0x20 forced on, a cheap case fold), which stays in L1 cache and stops most
//! positions with one load; the rest look up a small table keyed by another hash of the
//! trigram and compare the few keywords indexed there, starting `k` bytes earlier. The
//! contract of a prefilter holds: an occurrence of a keyword always has its indexed trigram at
//! its offset, so it is never missed.

const BITS: u32 = 12;

/// The 512 most frequent byte pairs (bit 0x20 forced on) in source code, most frequent first:
/// measured once on a 1% sample of the reference corpus (Rust crates and npm packages). Used
/// only to pick, for each keyword, the 3 bytes least likely to occur by chance.
const COMMON_PAIRS: &[u8; 1024] = b"\
    \x20\x20*\x20reerinoncooratste\x20tet\x20seentithes,\x20\x20tdentetn\x20:\x20::ns;*le\
    \x20ctandio\x20a\x20=acmes\x20ar\x20i=\x20isal\x20{trrapehe\x20sroitaaanriceednee:\x20f\
    unid}*asctexecut\x20*lica)\x20ng\x20rmaeleaty**\x20pr\x20,*pu{*togeur\x20\"prouhi\x20oim\
    am\x20ump\x20}fisiwiveda))rtpa);owicpos\x7f\x20w\x20e\x7fculssnad\x20s.doncublochsuodom\
    vaop\x20nfo*)usem\x20dyp//b\x20\x20l()aduers|nlaws\x20(apnollpltuf\x20e\x7ffern\x20brr\
    \x20vif\x20moftsef>\x20haildiagltt\x7fni\x20#xtsool!\x20\x200samufae(lue,\x7f\x7fke/*lf\
    ff/\x2032ia\x20/y\x20ptbu.iiebl\x20&\x20\x7fcl*/ot*psprc==a\x20\x20-\x20`zeigais:evabep\
    ocl\x20baquxpcre.\",\x7fi16miscshupfn.*izumboeqt.be,c)}\"\x20\x7fsckmo(tttnu),r:o\x20\
    #\x20obe)\x7ftc,t(\x201t:rus,osvi).rm\":\x20')*\x20.tcho\x20gpiu3ay->fur(:i#{oi\x20!\
    2\x20\x20heweeh\x20g\x20iv*}frlsryafb,r.\x7fpgrr)ir\x7fr:cibr\x7fld.too00ui}\x20nfau},\
    d\x7fn\x7ft,a$ddwan(awtppps)bi\x7fad,rfd:m\x20rgt)\x20$.ssyeb.c.1(egily\x20)c\x7fpsipok\
    :fmbegoankeyaebjmmhtccd)hr(&jeys.peordufd(\")6b(s.\x20\x7fl0,0\x20og10uc&\x20\"sciovds\
    \x7fvfs,wnn\x7fu\x20|voe\"|\x20\x7fega64w\x20cugu*m$\x20:s\x7fme*e;.duaudtd(cs\":rn:wr\
    {\x20&s.as(bs.4})cs(*we0.ak\x202js\x7fb\x20x0\xe0\x20:\xe0.f)whrvdr4sy\x7f)v'\x20(\x20,e\
    .l};.bv1ki){x1.04\x20n.*#,\"byr,t<m:*cg,12=>gs.ol,ghax!(,i`\x20\x7fnfl..sm||p\x7f:m6\x20\
    :tnpnlg(cf.r|u{}y,f,tm(rdums20\x7ffe}\x7fodlwnhusrdy(\"*i\x7fd;iqa&&f.2,y.yny:t\"m\x7f";

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

#[inline(always)]
fn hash(a: u8, b: u8, c: u8) -> usize {
    let (a, b, c) = (
        FOLD[a as usize] as u32,
        FOLD[b as usize] as u32,
        FOLD[c as usize] as u32,
    );
    (((a << 16) | (b << 8) | c).wrapping_mul(0x9E37_79B1) >> (32 - BITS)) as usize
}

/// The 3 bytes at a position as the bitmap sees them: little-endian in a `u32` (the fourth
/// byte dropped), with bit 0x20 forced on (ASCII letters fold to lowercase; other bytes may
/// collide, which only costs a look in the table).
#[inline(always)]
fn key(x: u32) -> u32 {
    (x | 0x0020_2020) & 0x00FF_FFFF
}

/// Index into the trigram bitmap: a key hashed to 16 bits.
#[inline(always)]
fn tri(key: u32) -> usize {
    (key.wrapping_mul(0x2545_F491) >> 16) as usize
}

/// Positions tested per block: one bit each in a `u64`.
const BLOCK: usize = 64;
/// Bytes a block reads: a 4-byte load at each of its positions, or (AVX2) 16 bytes at each
/// eighth position.
const BLOCK_BYTES: usize = BLOCK + 8;

/// An immutable multi-keyword searcher.
#[derive(Debug, Clone)]
pub struct Anchors {
    /// One bit per hashed trigram some keyword is indexed by.
    trigrams: Vec<u64>,
    /// Per 3-gram hash: 0 for none, else 1 + index into `buckets`.
    table: Vec<u16>,
    /// Keyword indices sharing a hash, with the offset of their indexed trigram.
    buckets: Vec<Vec<(u32, u32)>>,
    /// Lowercased keywords.
    words: Vec<Vec<u8>>,
    /// Per keyword, its first 8 bytes as a masked compare ([`Head`]).
    heads: Vec<Head>,
    /// The CPU has AVX2: blocks are tested eight positions per instruction ([`avx2`]).
    avx2: bool,
}

impl Anchors {
    /// `words` must be ASCII and at least 3 bytes long (the rule validator ensures it).
    pub fn new(words: &[String]) -> Anchors {
        let mut table = vec![0u16; 1 << BITS];
        let mut trigrams = vec![0u64; (1 << 16) / 64];
        let mut buckets: Vec<Vec<(u32, u32)>> = Vec::new();
        let words: Vec<Vec<u8>> = words
            .iter()
            .map(|w| w.to_ascii_lowercase().into_bytes())
            .collect();
        let rank = pair_ranks();
        for (i, w) in words.iter().enumerate() {
            assert!(w.len() >= 3, "keywords are at least 3 bytes long");
            let k = rarest_trigram(w, &rank);
            let t = tri(key(u32::from_le_bytes([w[k], w[k + 1], w[k + 2], 0])));
            trigrams[t / 64] |= 1 << (t % 64);
            let h = hash(w[k], w[k + 1], w[k + 2]);
            if table[h] == 0 {
                buckets.push(Vec::new());
                table[h] = u16::try_from(buckets.len()).expect("fewer than 65535 keyword buckets");
            }
            buckets[table[h] as usize - 1].push((i as u32, k as u32));
        }
        let heads = words.iter().map(|w| Head::new(w)).collect();
        Anchors {
            trigrams,
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
        let bits: &[u64; (1 << 16) / 64] = self
            .trigrams
            .as_slice()
            .try_into()
            .expect("the bitmap has 2^16 bits");
        // Two phases: a branch-free pass sets one bit per position of a block whose trigram is
        // in the bitmap (most positions of most blocks are not), then only those positions
        // are looked up in the table. Keeping branches out of the per-byte loop is what makes
        // it fast: the old loop stalled on a branch per byte.
        let mut i = 0;
        while i + BLOCK_BYTES <= hay.len() {
            let block: &[u8; BLOCK_BYTES] = hay[i..i + BLOCK_BYTES]
                .try_into()
                .expect("the slice is BLOCK_BYTES long");
            let mut hits = self.block_hits(bits, block);
            while hits != 0 {
                let j = hits.trailing_zeros() as usize;
                hits &= hits - 1;
                self.verify(hay, i + j, &mut found);
            }
            i += BLOCK;
        }
        // The last positions, fewer than a block: one at a time.
        while i + 3 <= hay.len() {
            let t = tri(key(u32::from_le_bytes([hay[i], hay[i + 1], hay[i + 2], 0])));
            if (bits[t >> 6] >> (t & 63)) & 1 != 0 {
                self.verify(hay, i, &mut found);
            }
            i += 1;
        }
    }

    #[inline(always)]
    fn block_hits(&self, bits: &[u64; (1 << 16) / 64], block: &[u8; BLOCK_BYTES]) -> u64 {
        #[cfg(target_arch = "x86_64")]
        if self.avx2 {
            // SAFETY: `avx2` is true only when the CPU has AVX2.
            return unsafe { avx2::block_hits(bits, block) };
        }
        block_hits(bits, block)
    }

    /// Reports the keywords indexed by the trigram at `i` that occur there.
    #[inline(always)]
    fn verify(&self, hay: &[u8], i: usize, found: &mut impl FnMut(usize, usize, usize)) {
        let slot = self.table[hash(hay[i], hay[i + 1], hay[i + 2])];
        if slot == 0 {
            return;
        }
        for &(w, k) in &self.buckets[slot as usize - 1] {
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

/// One bit per position of the block whose (folded, hashed) trigram is in the bitmap. Eight
/// positions at a time, so that the compiler unrolls them into independent lookups with
/// constant shifts.
#[inline(always)]
fn block_hits(bits: &[u64; (1 << 16) / 64], block: &[u8; BLOCK_BYTES]) -> u64 {
    let mut hits = 0u64;
    for g in 0..BLOCK / 8 {
        let mut group = 0u64;
        for k in 0..8 {
            let j = g * 8 + k;
            let x = u32::from_le_bytes(block[j..j + 4].try_into().expect("4 bytes"));
            let t = tri(key(x));
            group |= ((bits[t >> 6] >> (t & 63)) & 1) << k;
        }
        hits |= group << (g * 8);
    }
    hits
}

/// [`block_hits`] with AVX2: the 8 trigram keys of 8 positions are built by one byte shuffle,
/// hashed by one multiply, and their bitmap words fetched by one gather.
#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::{
        _mm256_and_si256, _mm256_broadcastsi128_si256, _mm256_castsi256_ps, _mm256_i32gather_epi32,
        _mm256_movemask_ps, _mm256_mullo_epi32, _mm256_or_si256, _mm256_set1_epi32,
        _mm256_setr_epi8, _mm256_shuffle_epi8, _mm256_slli_epi32, _mm256_srli_epi32,
        _mm256_srlv_epi32, _mm_loadu_si128,
    };

    use super::{BLOCK, BLOCK_BYTES};

    /// The same bits as [`super::block_hits`] (a test compares them).
    ///
    /// # Safety
    /// The CPU must have AVX2.
    #[target_feature(enable = "avx2")]
    pub unsafe fn block_hits(bits: &[u64; (1 << 16) / 64], block: &[u8; BLOCK_BYTES]) -> u64 {
        // Lane k of each half takes bytes k, k+1, k+2 (the high half of the broadcast 16
        // bytes serves positions 4..8); -1 yields a zero fourth byte.
        let shuffle = _mm256_setr_epi8(
            0, 1, 2, -1, 1, 2, 3, -1, 2, 3, 4, -1, 3, 4, 5, -1, //
            4, 5, 6, -1, 5, 6, 7, -1, 6, 7, 8, -1, 7, 8, 9, -1,
        );
        // The bitmap read as 2048 little-endian 32-bit words: bit t is bit t % 32 of word t / 32.
        let words = bits.as_ptr() as *const i32;
        let mut hits = 0u64;
        for j in (0..BLOCK).step_by(8) {
            // SAFETY: bytes j..j + 16 lie inside the block (j + 16 <= BLOCK_BYTES); every
            // gathered index is below 2048 (a 16-bit hash shifted right by 5).
            let lanes = unsafe {
                let v =
                    _mm256_broadcastsi128_si256(_mm_loadu_si128(block.as_ptr().add(j) as *const _));
                let keys = _mm256_or_si256(
                    _mm256_shuffle_epi8(v, shuffle),
                    _mm256_set1_epi32(0x0020_2020),
                );
                let t =
                    _mm256_srli_epi32(_mm256_mullo_epi32(keys, _mm256_set1_epi32(0x2545_F491)), 16);
                let word = _mm256_i32gather_epi32::<4>(words, _mm256_srli_epi32(t, 5));
                let bit = _mm256_srlv_epi32(word, _mm256_and_si256(t, _mm256_set1_epi32(31)));
                _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_slli_epi32(bit, 31)))
            };
            hits |= (lanes as u8 as u64) << j;
        }
        hits
    }
}

/// For each folded byte pair (`a << 8 | b`), how common it is: 512 for the most frequent
/// pair of [`COMMON_PAIRS`], 0 for one not in the table.
fn pair_ranks() -> Vec<u16> {
    let mut rank = vec![0u16; 1 << 16];
    for (i, p) in COMMON_PAIRS.chunks_exact(2).enumerate().rev() {
        rank[(p[0] as usize) << 8 | p[1] as usize] = (512 - i) as u16;
    }
    rank
}

/// How common a folded byte pair is (see [`pair_ranks`]).
fn commonness(rank: &[u16], a: u8, b: u8) -> usize {
    rank[((a | 0x20) as usize) << 8 | (b | 0x20) as usize] as usize
}

/// The offset of the keyword's 3 bytes whose two pairs are least common.
fn rarest_trigram(w: &[u8], rank: &[u16]) -> usize {
    (0..=w.len() - 3)
        .min_by_key(|&k| commonness(rank, w[k], w[k + 1]) + commonness(rank, w[k + 1], w[k + 2]))
        .expect("keywords are at least 3 bytes long")
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
        let bits: &[u64; (1 << 16) / 64] = a.trigrams.as_slice().try_into().unwrap();
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
            let fast = unsafe { avx2::block_hits(bits, &block) };
            assert_eq!(fast, block_hits(bits, &block), "{block:?}");
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

//! Start plans: for a rule whose every match begins with one of its own keywords, the engine
//! tries the regex only at the keyword hits, anchored, instead of searching the whole window.
//!
//! The contract: the matches found are exactly those of the unanchored leftmost-first search
//! over the rule's (merged) windows. Why it holds:
//! - every match starts at a hit: the regex's prefix literals (from its syntax tree, letters
//!   case-folded) each begin with a keyword of the rule, and the keyword prefilter reports every
//!   occurrence of every keyword, ASCII case-insensitively;
//! - the leftmost match at or after a position is then the match anchored at the first hit at or
//!   after it where an anchored match exists, and an anchored leftmost-first match is the same
//!   match the unanchored search reports at that start;
//! - the anchored search runs on the haystack cut at the hit, which changes nothing when no
//!   look-around can be tested at a match's first byte (checked: rules with a leading `\b` or `^`
//!   get no plan);
//! - the [`Head`] checked before the regex is a necessary condition (the byte classes every
//!   match's first bytes belong to), and a pattern of fixed length made of literals and classes
//!   only is decided by its head alone, with no regex at all.
//!
//! The cost stays linear: the anchored searches of a window may read at most a few times its
//! length (a pattern bounds what one search reads by its longest match); past that, the window
//! is searched unanchored as before, which finds the same matches from where the anchored
//! searches stopped. A pattern with an unbounded part bounds nothing, so it is first walked
//! byte by byte through its lazy DFA ([`Plan::walk`]), which counts what it reads and stops
//! where no match can go on; only a walk that saw a match runs the regex.
//!
//! Why: on text dense with near-misses (`sk-` and `token` on every line) the windows of a rule
//! merge into one covering the whole file, and the unanchored regex then walks every byte and
//! restarts at every literal candidate; a check of a few bytes per hit rejects nearly all.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use regex::bytes::{Regex, RegexBuilder};
use regex_automata::hybrid::dfa::{Cache, DFA};
use regex_automata::nfa::thompson;
use regex_automata::util::syntax;
use regex_automata::{Anchored, Input, MatchKind};

use super::anchors::Anchors;
use regex_syntax::hir::literal::{ExtractKind, Extractor};
use regex_syntax::hir::{Capture, Class, Hir, HirKind, Repetition};

/// More prefixes than this outside the keywords: no plan (the search would cost more).
const MAX_EXTRA: usize = 16;

/// A head longer than this is cut (and no longer decides a match alone).
const HEAD_LIMIT: usize = 256;

/// The same limits as the rule regexes (`rules::compile`).
const REGEX_SIZE_LIMIT: usize = 4 << 20;

/// A set of bytes, one bit each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct ByteSet([u64; 4]);

impl ByteSet {
    fn insert_range(&mut self, lo: u8, hi: u8) {
        for b in lo..=hi {
            self.0[(b >> 6) as usize] |= 1 << (b & 63);
        }
    }

    fn union(&mut self, other: &ByteSet) {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a |= b;
        }
    }

    #[inline(always)]
    fn contains(&self, b: u8) -> bool {
        (self.0[(b >> 6) as usize] >> (b & 63)) & 1 != 0
    }
}

/// The byte classes the first bytes of every match belong to, in order; every match is at
/// least `sets.len()` bytes long. `whole` when every match is exactly `sets.len()` bytes long
/// (so that what follows the pattern in a concatenation starts at a known offset), and
/// `complete` when, moreover, the pattern matches exactly the strings of `sets` (literals and
/// classes only: `(?:AKIA|ASIA)` is whole, its sets `A[KS]I A` are not complete).
#[derive(Debug, Clone, Default)]
struct Head {
    sets: Vec<ByteSet>,
    whole: bool,
    complete: bool,
}

impl Head {
    fn of(hir: &Hir) -> Head {
        match hir.kind() {
            HirKind::Empty => Head {
                sets: Vec::new(),
                whole: true,
                complete: true,
            },
            HirKind::Literal(lit) => {
                let sets = lit.0.iter().take(HEAD_LIMIT).map(|&b| {
                    let mut s = ByteSet::default();
                    s.insert_range(b, b);
                    s
                });
                let whole = lit.0.len() <= HEAD_LIMIT;
                Head {
                    sets: sets.collect(),
                    whole,
                    complete: whole,
                }
            }
            HirKind::Class(class) => {
                let mut s = ByteSet::default();
                match class {
                    Class::Bytes(c) => c
                        .ranges()
                        .iter()
                        .for_each(|r| s.insert_range(r.start(), r.end())),
                    Class::Unicode(c) => {
                        // Only ASCII ranges are bytes; anything wider is not described.
                        if c.ranges().iter().any(|r| r.end() > '\x7f') {
                            return Head::default();
                        }
                        c.ranges()
                            .iter()
                            .for_each(|r| s.insert_range(r.start() as u8, r.end() as u8));
                    }
                }
                Head {
                    sets: vec![s],
                    whole: true,
                    complete: true,
                }
            }
            // An assertion is not a byte: what follows it is not described.
            HirKind::Look(_) => Head::default(),
            HirKind::Capture(cap) => Head::of(&cap.sub),
            HirKind::Repetition(rep) => {
                let sub = Head::of(&rep.sub);
                if !sub.whole {
                    // One copy is certain when at least one is required.
                    return if rep.min >= 1 {
                        Head {
                            sets: sub.sets,
                            whole: false,
                            complete: false,
                        }
                    } else {
                        Head::default()
                    };
                }
                let mut sets = Vec::new();
                let mut whole = rep.max == Some(rep.min);
                for _ in 0..rep.min {
                    if sets.len() + sub.sets.len() > HEAD_LIMIT {
                        whole = false;
                        break;
                    }
                    sets.extend_from_slice(&sub.sets);
                }
                Head {
                    sets,
                    whole,
                    complete: whole && sub.complete,
                }
            }
            HirKind::Concat(subs) => {
                let mut head = Head {
                    sets: Vec::new(),
                    whole: true,
                    complete: true,
                };
                for sub in subs {
                    let next = Head::of(sub);
                    head.sets.extend(next.sets);
                    head.complete &= next.complete;
                    if !next.whole || head.sets.len() > HEAD_LIMIT {
                        head.sets.truncate(HEAD_LIMIT);
                        head.whole = false;
                        head.complete = false;
                        break;
                    }
                }
                head
            }
            HirKind::Alternation(subs) => {
                let heads: Vec<Head> = subs.iter().map(Head::of).collect();
                let n = heads.iter().map(|h| h.sets.len()).min().unwrap_or(0);
                let mut sets = vec![ByteSet::default(); n];
                for h in &heads {
                    for (s, t) in sets.iter_mut().zip(&h.sets) {
                        s.union(t);
                    }
                }
                // Branches of one fixed length: every match is that long, whichever branch it
                // takes, and each of its bytes is in the union of the branches' sets there.
                let whole = heads.iter().all(|h| h.whole && h.sets.len() == n);
                Head {
                    sets,
                    whole,
                    complete: false,
                }
            }
        }
    }

    /// Whether `bytes` (the haystack from a hit to the window end) can begin a match. The last
    /// byte of the head is tested first (most near misses are too short: a truncated key, a
    /// placeholder), then the bytes after the keyword: the keyword itself is already known to
    /// be there (in some case), and the rules sharing it differ after it.
    #[inline]
    fn allows(&self, bytes: &[u8], first: usize) -> bool {
        let n = self.sets.len();
        if bytes.len() < n {
            return false;
        }
        let (sets, bytes) = (self.sets.as_slice(), &bytes[..n]);
        let all = |from: usize, to: usize| {
            sets[from..to]
                .iter()
                .zip(&bytes[from..to])
                .all(|(set, &b)| set.contains(b))
        };
        let first = first.min(n);
        (n == 0 || sets[n - 1].contains(bytes[n - 1])) && all(first, n) && all(0, first)
    }
}

/// How a rule's matches are found at its keyword hits.
#[derive(Debug)]
pub struct Plan {
    head: Head,
    /// The longest match, when the pattern bounds it.
    max_len: Option<usize>,
    /// Where the head is first tested: after the shortest keyword.
    first: usize,
    /// The head decides a match alone: the match at a hit is `hit..hit + head length`.
    exact: bool,
    /// `exact`, and every match ends inside its own hit's window (the head is no longer than
    /// the shortest keyword plus the window after it): no window needs computing at all.
    windowless: bool,
    /// The prefixes of matches that begin with none of the rule's keywords (`access-key` when
    /// the keywords are `access_key` and `accesskey`): searched for in the windows, since the
    /// prefilter does not report them.
    extra: Option<Anchors>,
    /// The pattern anchored at the haystack start (`\A(?:…)`), compiled on first use.
    anchored: OnceLock<Option<(Regex, usize)>>,
    /// For a pattern that bounds no match's length: its lazy DFA, built on first use.
    walker: OnceLock<Option<Walker>>,
    pattern: String,
    /// The words `extra` searches for (the test of `kept-index.txt` keeps their index).
    #[cfg(test)]
    pub(super) extra_words: Vec<String>,
}

/// A rule pattern's lazy DFA, anchored, for [`Plan::walk`].
#[derive(Debug)]
struct Walker {
    dfa: DFA,
    /// Tells the caches of one walker from those of another ([`WalkCaches`]).
    id: u64,
}

/// Per-thread caches of the walkers' lazy DFAs, one slot per rule. A cache made for another
/// walker (another engine's) is replaced, never used.
#[derive(Debug, Default)]
pub struct WalkCaches(Vec<Option<(u64, Cache)>>);

impl WalkCaches {
    #[inline]
    fn get(&mut self, rule: usize, walker: &Walker) -> &mut Cache {
        if self.0.len() <= rule {
            self.0.resize_with(rule + 1, || None);
        }
        let slot = &mut self.0[rule];
        if !matches!(slot, Some((id, _)) if *id == walker.id) {
            *slot = Some((walker.id, walker.dfa.create_cache()));
        }
        &mut slot.as_mut().expect("the slot was filled just above").1
    }
}

/// What [`Plan::walk`] found out at one start.
#[derive(Debug, PartialEq, Eq)]
pub enum Walk {
    /// No match starts here; the walk read this many bytes.
    NoMatch(usize),
    /// A match starts here; the walk read this many bytes, up to where the match can grow no
    /// more (what the regex then reads to find it).
    Match(usize),
    /// Not known within the bytes the walk was allowed to read (or the DFA gave up).
    Unknown,
}

/// The partners of a paired rule (its `pair` pattern), found at the rule's keyword hits: when
/// every partner begins with one of the rule's keywords (`AKIA` for `\b(?:AKIA|ASIA)…`), a
/// partner starts at a hit, and anchored searches at the hits, in order and skipping the hits
/// inside a partner found, find exactly the partners the unanchored search of the hits' run
/// finds (the argument of the module's contract, with every partner starting at a hit). The
/// searches keep the bytes before the hit as context, so a leading `\b` is judged as in the
/// run's search. On text dense with partner-like stubs (`AKIA` and a few characters on every
/// line) this reads a few bytes per hit instead of the whole run.
#[derive(Debug)]
pub struct PairStarts {
    /// What every partner's first bytes are (after the look-arounds that open the pattern):
    /// most stubs fail it without a search.
    head: Head,
    walker: Walker,
}

impl PairStarts {
    /// `None` when some partner could begin with none of `keywords` (or the pattern is not
    /// one the lazy DFA takes): the run is then searched whole.
    pub fn new(pattern: &str, keywords: &[String]) -> Option<PairStarts> {
        let hir = super::literal::parse(pattern)?;
        if !prefixes_outside(&hir, &lowercase(keywords))?.is_empty() {
            return None;
        }
        // A look-around is no byte: the head of what follows the opening ones still holds.
        let body = match hir.kind() {
            HirKind::Concat(items) => Hir::concat(
                items
                    .iter()
                    .skip_while(|h| matches!(h.kind(), HirKind::Look(_)))
                    .cloned()
                    .collect(),
            ),
            _ => hir.clone(),
        };
        Some(PairStarts {
            head: Head::of(&body),
            walker: walker(pattern)?,
        })
    }

    /// Appends to `out` the partners that start at the `hits` (sorted) and end by `end`, as
    /// `(start, end)` in order; `false` when the lazy DFA gave up (`out` is then to be found by
    /// the run's search instead).
    pub fn partners(
        &self,
        hay: &[u8],
        hits: &[(usize, usize)],
        end: usize,
        caches: &mut WalkCaches,
        rule: usize,
        out: &mut Vec<(usize, usize)>,
    ) -> bool {
        let hay = &hay[..end.min(hay.len())];
        // The rule's slot: a paired rule has no plan, so no walk of its own uses it.
        let cache = caches.get(rule, &self.walker);
        let mut next = 0;
        let mut previous = None;
        for &(s, _) in hits {
            if s < next || previous == Some(s) || s >= hay.len() {
                continue;
            }
            previous = Some(s);
            if !self.head.allows(&hay[s..], 0) {
                continue;
            }
            let input = Input::new(hay).range(s..).anchored(Anchored::Yes);
            match self.walker.dfa.try_search_fwd(cache, &input) {
                Ok(Some(m)) => {
                    out.push((s, m.offset()));
                    next = m.offset().max(s + 1);
                }
                Ok(None) => {}
                Err(_) => return false,
            }
        }
        true
    }
}

/// One match: the whole match and the secret's span in it (absolute offsets).
pub struct Found {
    pub end: usize,
    pub secret: Option<(usize, usize)>,
}

impl Plan {
    /// The plan of a rule, or `None` when some match could start elsewhere than at a hit of
    /// `keywords` (or the pattern does not parse: the rule loader reports that elsewhere).
    pub fn new(pattern: &str, keywords: &[String], after: usize) -> Option<Plan> {
        let hir = super::literal::parse(pattern)?;
        if !hir.properties().look_set_prefix_any().is_empty() {
            return None;
        }
        let keywords = lowercase(keywords);
        let mut uncovered = Vec::new();
        for lit in prefixes_outside(&hir, &keywords)? {
            // The searcher takes ASCII words of 3 bytes or more.
            let word = String::from_utf8(lit)
                .ok()
                .filter(|w| w.is_ascii() && w.len() >= 3)?;
            uncovered.push(word);
        }
        if uncovered.len() > MAX_EXTRA {
            return None;
        }
        let head = Head::of(&hir);
        let exact = head.complete && hir.properties().explicit_captures_len() == 0;
        let shortest = keywords.iter().map(Vec::len).min().unwrap_or(0);
        Some(Plan {
            windowless: exact && uncovered.is_empty() && head.sets.len() <= shortest + after,
            exact,
            first: shortest.min(head.sets.len()),
            max_len: hir.properties().maximum_len(),
            head,
            extra: (!uncovered.is_empty()).then(|| Anchors::new(&uncovered)),
            anchored: OnceLock::new(),
            walker: OnceLock::new(),
            pattern: pattern.to_string(),
            #[cfg(test)]
            extra_words: uncovered,
        })
    }

    /// Whether starts are tried with [`Plan::walk`] first: a pattern that bounds no match's
    /// length (whose DFA could be built).
    pub fn walks(&self) -> bool {
        !self.exact
            && self.max_len.is_none()
            && self.walker.get_or_init(|| walker(&self.pattern)).is_some()
    }

    /// Walks the pattern's lazy DFA from `at` in `hay` (cut at the window end), reading at most
    /// `limit` bytes: whether a match starts at `at`, and what that cost. It reads until no
    /// match can start or grow any more, as the regex itself would.
    pub fn walk(
        &self,
        hay: &[u8],
        at: usize,
        limit: usize,
        caches: &mut WalkCaches,
        rule: usize,
    ) -> Walk {
        let Some(walker) = self.walker.get_or_init(|| walker(&self.pattern)).as_ref() else {
            return Walk::Unknown;
        };
        let cache = caches.get(rule, walker);
        let dfa = &walker.dfa;
        // Cut at `at`, as for the anchored regex: the same look-behind context.
        let rest = &hay[at..];
        let Ok(mut sid) = dfa.start_state_forward(cache, &Input::new(rest).anchored(Anchored::Yes))
        else {
            return Walk::Unknown;
        };
        let mut matched = false;
        for (i, &b) in rest.iter().enumerate() {
            if i == limit {
                return Walk::Unknown;
            }
            // Most steps go from a plain state to a plain state already in the cache: one
            // table read. The rest (a state not yet computed, a match, the dead state) take
            // the checked step, which returns the same state.
            if !sid.is_tagged() {
                let next = dfa.next_state_untagged(cache, sid, b);
                if !next.is_tagged() {
                    sid = next;
                    continue;
                }
            }
            sid = match dfa.next_state(cache, sid, b) {
                Ok(sid) => sid,
                Err(_) => return Walk::Unknown,
            };
            if sid.is_tagged() {
                if sid.is_match() {
                    matched = true;
                } else if sid.is_dead() {
                    return if matched {
                        Walk::Match(i + 1)
                    } else {
                        Walk::NoMatch(i + 1)
                    };
                } else if sid.is_quit() {
                    return Walk::Unknown;
                }
            }
        }
        match dfa.next_eoi_state(cache, sid) {
            Ok(sid) if matched || sid.is_match() => Walk::Match(rest.len()),
            Ok(_) => Walk::NoMatch(rest.len()),
            Err(_) => Walk::Unknown,
        }
    }

    /// Whether some matches start at a prefix the prefilter does not report.
    pub fn has_extra_starts(&self) -> bool {
        self.extra.is_some()
    }

    /// Calls `found(start)` at every occurrence in `window` of a match prefix that begins with
    /// none of the rule's keywords.
    pub fn extra_starts(&self, window: &[u8], mut found: impl FnMut(usize)) {
        if let Some(extra) = &self.extra {
            extra.for_each(window, |_, start, _| found(start));
        }
    }

    /// See [`Plan::windowless`].
    pub fn windowless(&self) -> bool {
        self.windowless
    }

    /// Whether the pattern bounds the length of its matches.
    pub fn bounded(&self) -> bool {
        self.max_len.is_some()
    }

    /// The most bytes an anchored search from `at` may read in a haystack ending at `end`.
    pub fn cost(&self, at: usize, end: usize) -> usize {
        if self.exact {
            return self.head.sets.len();
        }
        let rest = end - at;
        self.max_len.map_or(rest, |n| n.min(rest)) + 1
    }

    /// Whether a match can start at `at` of `hay` (a necessary condition, a few byte loads).
    #[inline]
    pub fn may_start(&self, hay: &[u8], at: usize) -> bool {
        self.head.allows(&hay[at..], self.first)
    }

    /// The match that starts at `at` in `hay` (cut at the window end), if any: what the rule's
    /// unanchored search reports when `at` is the leftmost start it can find.
    pub fn match_at(&self, hay: &[u8], at: usize) -> Option<Found> {
        let rest = &hay[at..];
        if !self.head.allows(rest, self.first) {
            return None;
        }
        if self.exact {
            let end = at + self.head.sets.len();
            return Some(Found {
                end,
                secret: Some((at, end)),
            });
        }
        self.regex_at(hay, at, false)
    }

    /// [`Plan::match_at`] where a walk ([`Plan::walk`]) saw a match start at `at`: the head
    /// is known to pass, and a pattern with a secret group is searched once, for its groups.
    pub fn match_walked(&self, hay: &[u8], at: usize) -> Option<Found> {
        self.regex_at(hay, at, true)
    }

    fn regex_at(&self, hay: &[u8], at: usize, known: bool) -> Option<Found> {
        let rest = &hay[at..];
        let (re, group) = self
            .anchored
            .get_or_init(|| anchored(&self.pattern))
            .as_ref()?;
        if known && *group != 0 {
            let caps = re.captures(rest)?;
            let whole = caps.get(0)?;
            return Some(Found {
                end: at + whole.end(),
                secret: caps.get(*group).map(|m| (at + m.start(), at + m.end())),
            });
        }
        // Most starts have no match: `find` says so without allocating, and captures are
        // searched for only on a match.
        let whole = re.find(rest)?;
        let secret = if *group == 0 {
            Some((at + whole.start(), at + whole.end()))
        } else {
            re.captures(rest)
                .and_then(|c| c.get(*group))
                .map(|m| (at + m.start(), at + m.end()))
        };
        Some(Found {
            end: at + whole.end(),
            secret,
        })
    }

    /// Whether [`Plan::match_at`] needs no regex.
    #[cfg(test)]
    pub fn exact(&self) -> bool {
        self.exact
    }
}

/// The pattern compiled to match only at the haystack start, with its secret group (chosen as
/// `Rule::secret_group` chooses it; the wrapper adds no group, so the numbers are the same).
fn anchored(pattern: &str) -> Option<(Regex, usize)> {
    let re = RegexBuilder::new(&format!(r"\A(?:{pattern})"))
        .unicode(false)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .build()
        .ok()?;
    let named = re.capture_names().position(|n| n == Some("secret"));
    let group = named.unwrap_or(if re.captures_len() > 1 { 1 } else { 0 });
    Some((re, group))
}

/// The pattern's lazy DFA (searched anchored), with the syntax and limits of the rule regexes (and of
/// [`anchored`]); leftmost-first, so that it dies where the regex's search would stop.
fn walker(pattern: &str) -> Option<Walker> {
    static NEXT_ID: AtomicU64 = AtomicU64::new(0);
    let dfa = DFA::builder()
        .configure(
            DFA::config()
                .match_kind(MatchKind::LeftmostFirst)
                .cache_capacity(REGEX_SIZE_LIMIT),
        )
        .syntax(syntax::Config::new().unicode(false).utf8(false))
        .thompson(
            thompson::Config::new()
                .utf8(false)
                .nfa_size_limit(Some(REGEX_SIZE_LIMIT))
                .which_captures(thompson::WhichCaptures::None),
        )
        .build(pattern)
        .ok()?;
    Some(Walker {
        dfa,
        id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
    })
}

/// Keywords as the prefilter matches them: lowercased.
fn lowercase(keywords: &[String]) -> Vec<Vec<u8>> {
    keywords
        .iter()
        .map(|k| k.to_ascii_lowercase().into_bytes())
        .collect()
}

/// The prefixes that every match of `hir` begins with one of (lowercased) and that begin with
/// none of `keywords` (lowercased): where a match can start without a keyword hit. `None` when
/// the prefixes are not a finite set.
fn prefixes_outside(hir: &Hir, keywords: &[Vec<u8>]) -> Option<Vec<Vec<u8>>> {
    let prefixes = Extractor::new()
        .kind(ExtractKind::Prefix)
        .extract(&fold_case(hir));
    Some(
        prefixes
            .literals()?
            .iter()
            .map(|lit| lit.as_bytes().to_ascii_lowercase())
            .filter(|lit| !keywords.iter().any(|k| lit.starts_with(k)))
            .collect(),
    )
}

/// `hir` with every class of one ASCII letter in both cases (`[Kk]`, what `(?i)` makes of a
/// letter) replaced by the lowercase letter, so that prefix extraction does not multiply
/// case variants past its limits. Prefixes of the result, lowercased, are prefixes of the
/// original's matches, lowercased.
fn fold_case(hir: &Hir) -> Hir {
    match hir.kind() {
        HirKind::Class(class) => match case_pair(class) {
            Some(lower) => Hir::literal([lower]),
            None => hir.clone(),
        },
        HirKind::Capture(cap) => Hir::capture(Capture {
            index: cap.index,
            name: cap.name.clone(),
            sub: Box::new(fold_case(&cap.sub)),
        }),
        HirKind::Repetition(rep) => Hir::repetition(Repetition {
            min: rep.min,
            max: rep.max,
            greedy: rep.greedy,
            sub: Box::new(fold_case(&rep.sub)),
        }),
        HirKind::Concat(subs) => Hir::concat(subs.iter().map(fold_case).collect()),
        HirKind::Alternation(subs) => Hir::alternation(subs.iter().map(fold_case).collect()),
        _ => hir.clone(),
    }
}

/// The lowercase letter when `class` is exactly one ASCII letter in both cases.
fn case_pair(class: &Class) -> Option<u8> {
    let bytes: Vec<(u32, u32)> = match class {
        Class::Bytes(c) => c
            .ranges()
            .iter()
            .map(|r| (r.start() as u32, r.end() as u32))
            .collect(),
        Class::Unicode(c) => c
            .ranges()
            .iter()
            .map(|r| (r.start() as u32, r.end() as u32))
            .collect(),
    };
    match bytes.as_slice() {
        &[(a, a2), (b, b2)] if a == a2 && b == b2 => {
            let (a, b) = (u8::try_from(a).ok()?, u8::try_from(b).ok()?);
            (a.is_ascii_uppercase() && b == a.to_ascii_lowercase()).then_some(b)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::{Engine, Scratch};

    fn kw(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn plans_only_patterns_whose_starts_are_known() {
        use Expect::*;
        #[derive(Debug, PartialEq)]
        enum Expect {
            NoPlan,
            /// Anchored regex at the hits.
            Regex,
            /// Decided by the head alone.
            Exact,
            /// Anchored regex at the hits and at the prefixes searched for in the windows.
            Extra,
        }
        let cases: &[(&str, &[&str], Expect)] = &[
            (r"sk-[0-9a-f]{32}", &["sk-"], Exact),
            (r"(?:AKIA|ASIA)[A-Z2-7]{16}", &["AKIA", "ASIA"], Regex),
            (r"(?:AKIA|ASIA)[A-Z2-7]{16}", &["AKIA"], Extra),
            (r"(?i)token\s*=\s*(\w{10,})", &["token"], Regex),
            (r"(?i:api[_-]?key)=(\w+)", &["api_key", "apikey"], Extra),
            (
                r"(?i:api[_-]?key)=(\w+)",
                &["api_key", "apikey", "api-key"],
                Regex,
            ),
            (r"(?i:api)[_-]?key=(\w+)", &["api"], Regex),
            (r"x?sk-[0-9a-f]{32}", &["sk-"], Extra),
            (r"\bsk-[0-9a-f]{32}", &["sk-"], NoPlan),
            (r"(?m)^sk-[0-9a-f]{32}", &["sk-"], NoPlan),
            (r"ab[a-z]+|sk-[0-9]+", &["sk-"], NoPlan),
            (r"[a-z]+sk-", &["sk-"], NoPlan),
            (r"sk-[0-9a-f]{32}\b", &["sk-"], Regex),
            (r"sk-[0-9a-f]{8,32}", &["sk-"], Regex),
            (r"(sk-[0-9a-f]{32})", &["sk-"], Regex),
            (r"(", &["sk-"], NoPlan),
        ];
        for (pattern, keywords, want) in cases {
            let got = match Plan::new(pattern, &kw(keywords), 40) {
                None => NoPlan,
                Some(p) if p.has_extra_starts() => Extra,
                Some(p) if p.exact() => Exact,
                Some(_) => Regex,
            };
            assert_eq!(&got, want, "{pattern} {keywords:?}");
        }
    }

    #[test]
    fn pair_partners_at_hits_are_those_the_run_search_finds() {
        let aws = r"\b(?:AKIA|ASIA)[A-Z2-7]{16}\b";
        assert!(PairStarts::new(aws, &kw(&["AKIA", "ASIA"])).is_some());
        assert!(PairStarts::new(aws, &kw(&["akia", "asia"])).is_some());
        // A partner that begins with no keyword, or an unbounded set of prefixes: no.
        assert!(PairStarts::new(aws, &kw(&["AKIA"])).is_none());
        assert!(PairStarts::new(r"\b[A-Z]+AKIA", &kw(&["AKIA"])).is_none());
        assert!(PairStarts::new("(", &kw(&["AKIA"])).is_none());
        // The built-in paired rules: AWS's partners begin with its keywords, Twilio's
        // (`AC…` near `twilio`) do not.
        let rules = crate::rules::RuleSet::builtin().unwrap();
        let starts = |id: &str| {
            let rule = rules.get(id).unwrap();
            PairStarts::new(
                &rule.spec.pair.as_ref().unwrap().pattern,
                &rule.spec.keywords,
            )
        };
        assert!(starts("aws.secret-access-key-after-id").is_some());
        assert!(starts("twilio.paired-auth-token").is_none());
        let pairs = PairStarts::new(aws, &kw(&["AKIA", "ASIA"])).unwrap();
        let re = regex::bytes::RegexBuilder::new(aws)
            .unicode(false)
            .build()
            .unwrap();
        let id = "AKIA2345672345672345";
        let texts = [
            format!("x {id} y"),
            format!("{id}{id}"),
            format!("{id} {id}\n{}", id.replace("AKIA", "ASIA")),
            format!("X{id}"),
            format!("{id}9"),
            format!("AKIA{id}"),
            format!("akia{}", &id[4..]),
            format!("AKIA234567 {id} AKIA"),
            id[..19].to_string(),
        ];
        let mut caches = WalkCaches::default();
        for text in &texts {
            let hay = text.as_bytes();
            let lower = text.to_ascii_lowercase();
            let hits: Vec<(usize, usize)> = (0..hay.len())
                .filter(|&i| lower[i..].starts_with("akia") || lower[i..].starts_with("asia"))
                .map(|i| (i, i + 4))
                .collect();
            for end in [hay.len(), hay.len().saturating_sub(1)] {
                let mut got = Vec::new();
                assert!(pairs.partners(hay, &hits, end, &mut caches, 0, &mut got));
                let want: Vec<(usize, usize)> = re
                    .find_iter(&hay[..end])
                    .map(|m| (m.start(), m.end()))
                    .collect();
                assert_eq!(got, want, "{text:?} cut at {end}");
            }
        }
    }

    #[test]
    fn heads_are_what_every_match_begins_with() {
        // (pattern, text, allowed)
        let cases: &[(&str, &str, bool)] = &[
            (r"sk-[0-9a-f]{4}", "sk-0a9f", true),
            (r"sk-[0-9a-f]{4}", "sk-0a9", false),
            (r"sk-[0-9a-f]{4}", "sk-0a9g", false),
            (r"(?i:sk)-[0-9a-f]{2,}", "SK-0A", false),
            (r"(?i:sk)-[0-9a-f]{2,}", "Sk-0a", true),
            (r"(?:AKIA|ASIA)[A-Z]", "ASIAB", true),
            (r"(?:AKIA|ASIA)[A-Z]", "AKIa", false),
            (r"(?:ab|abcd)x", "abzz", true),
            (r"ab(?:c|\b)d", "abzz", true),
            (r"ab(?:c|\b)d", "azzz", false),
            // Branches of one length: what follows them is checked too.
            (r"(?:AKIA|ASIA)[A-Z]{2}", "ASIAXY", true),
            (r"(?:AKIA|ASIA)[A-Z]{2}", "AKIAb1", false),
            (r"(?:AKIA|ASIA)[A-Z]{2}", "AKIAX", false),
            (r"(?:ab|sk)(?:-x|_y)[0-9]", "ab_y7", true),
            (r"(?:ab|sk)(?:-x|_y)[0-9]", "sk-y7", true),
            (r"(?:ab|sk)(?:-x|_y)[0-9]", "sk-xz", false),
            // Branches of different lengths: nothing after them is known.
            (r"(?:ab|abcd)[0-9]", "abzz", true),
            (r"(?:ab|ab(?:cd)?)[0-9]", "abzz", true),
        ];
        for &(pattern, text, allowed) in cases {
            let plan = Plan::new(pattern, &kw(&["ab", "sk-", "akia", "asia"]), 40).unwrap();
            assert_eq!(
                plan.may_start(text.as_bytes(), 0),
                allowed,
                "{pattern} {text}"
            );
        }
    }

    #[test]
    fn walks_tell_whether_a_match_starts_and_count_what_they_read() {
        let plan = Plan::new(r"(?i)token\s*=\s*(\w{10,})", &kw(&["token"]), 40).unwrap();
        assert!(plan.walks());
        let other = Plan::new(r"(?i)secret\s*:\s*(\w{10,})", &kw(&["secret"]), 40).unwrap();
        let mut caches = WalkCaches::default();
        let mut walk = |plan: &Plan, text: &str, at: usize, limit: usize| {
            plan.walk(text.as_bytes(), at, limit, &mut caches, 0)
        };
        // Dies at the `;` (the 14th byte): the value is too short.
        assert_eq!(
            walk(&plan, "token = value; more", 0, 100),
            Walk::NoMatch(14)
        );
        assert_eq!(walk(&plan, "x token = value", 2, 100), Walk::NoMatch(13));
        assert_eq!(walk(&plan, "TOKEN=Zq8mN3pL5rT7", 0, 100), Walk::Match(18));
        // Reads on while the match can grow, and no further.
        let Walk::Match(read) = walk(&plan, "token = Zq8mN3pL5rT7 rest", 0, 100) else {
            panic!("no match");
        };
        assert!((20..=22).contains(&read), "{read}");
        // Unbounded: as far as the spaces go, unless the limit comes first.
        let far = format!("token{}= Zq8mN3pL5rT7", " ".repeat(5000));
        assert_eq!(walk(&plan, &far, 0, 10_000), Walk::Match(far.len()));
        assert_eq!(walk(&plan, &far, 0, 4000), Walk::Unknown);
        assert_eq!(walk(&plan, "token = value", 0, 5), Walk::Unknown);
        // One cache slot used by another plan's walker is made anew, not reused.
        assert_eq!(
            walk(&other, "secret: Zq8mN3pL5rT7", 0, 100),
            Walk::Match(20)
        );
        assert_eq!(
            walk(&other, "token = Zq8mN3pL5rT7", 0, 100),
            Walk::NoMatch(1)
        );
        assert_eq!(walk(&plan, "token = Zq8mN3pL5rT7", 0, 100), Walk::Match(20));
        // Patterns that bound their matches, or are decided by their head, do not walk.
        for bounded in [r"sk-[0-9a-f]{8,32}", r"sk-[0-9a-f]{32}", r"token=\w{10,20}"] {
            let plan = Plan::new(bounded, &kw(&["sk-", "token"]), 40).unwrap();
            assert!(!plan.walks(), "{bounded}");
        }
    }

    /// Texts around one example: as it is, glued to itself and to neighbours, cut, re-cased,
    /// and with a few bytes changed (deterministically), so that windows merge, matches
    /// overlap, and hits fall at window ends.
    fn variants(text: &str, rng: &mut u64) -> Vec<String> {
        let mut out = vec![
            text.to_string(),
            format!("{text}{text}"),
            format!("{text}\n{text}"),
            format!("x{text}x"),
            format!("_{text}_"),
            format!("\"{text}\","),
            text.to_ascii_uppercase(),
            text.to_ascii_lowercase(),
        ];
        let bytes = text.as_bytes();
        for cut in [1, 2, 5] {
            if bytes.len() > cut {
                out.push(String::from_utf8_lossy(&bytes[cut..]).into_owned());
                out.push(String::from_utf8_lossy(&bytes[..bytes.len() - cut]).into_owned());
            }
        }
        const NOISE: &[u8] = b"aZ09_-=:\"' \n/+.xX";
        for _ in 0..24 {
            let mut m = bytes.to_vec();
            for _ in 0..1 + next(rng) % 3 {
                let at = next(rng) as usize % (m.len() + 1);
                let b = NOISE[next(rng) as usize % NOISE.len()];
                match next(rng) % 3 {
                    0 if at < m.len() => m[at] = b,
                    1 if at < m.len() => {
                        m.remove(at);
                    }
                    _ => m.insert(at, b),
                }
            }
            out.push(String::from_utf8_lossy(&m).into_owned());
        }
        out
    }

    fn next(state: &mut u64) -> u64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state
    }

    type Spans = Vec<(u32, usize, usize)>;

    /// The candidates of every rule the keywords trigger in `text`: (at the hits, by window
    /// search).
    fn both_ways(engine: &Engine, scratch: &mut Scratch, text: &[u8]) -> (Spans, Spans) {
        engine.prefilter(text, scratch, &mut Vec::new());
        let (mut planned, mut searched) = (Vec::new(), Vec::new());
        for &ri in &scratch.touched {
            for (use_plans, out) in [(true, &mut planned), (false, &mut searched)] {
                let mut hits = scratch.hits[ri as usize].clone();
                let mut found = Vec::new();
                engine.find(
                    ri,
                    text,
                    &mut hits,
                    &mut scratch.rule,
                    use_plans,
                    &mut found,
                );
                out.extend(found.iter().map(|c| (c.rule, c.start, c.end)));
            }
            scratch.hits[ri as usize].clear();
        }
        scratch.touched.clear();
        scratch.context_hits.clear();
        for spans in [&mut planned, &mut searched] {
            spans.sort_unstable();
            spans.dedup();
        }
        (planned, searched)
    }

    /// The property the engine relies on: for every built-in rule, on its examples, negative
    /// examples and texts made from them, matching at the hits finds exactly what the
    /// unanchored search over the merged windows finds.
    #[test]
    fn plans_find_what_the_window_search_finds_for_every_builtin_rule() {
        use crate::detect::{expand_checksums, DetectOptions};
        use crate::rules::RuleSet;
        let engine = Engine::new(RuleSet::builtin().unwrap(), DetectOptions::default()).unwrap();
        let mut scratch = engine.scratch();
        let mut rng = 0x9E37_79B9_7F4A_7C15u64;
        let (mut texts, mut found) = (0, 0);
        let mut all = String::new();
        for rule in engine.rules().rules() {
            let examples = rule
                .spec
                .examples
                .iter()
                .chain(&rule.spec.negative_examples);
            for example in examples {
                let example = expand_checksums(example);
                all.push_str(&example);
                all.push(' ');
                for text in variants(&example, &mut rng) {
                    let (planned, searched) = both_ways(&engine, &mut scratch, text.as_bytes());
                    assert_eq!(planned, searched, "rule {} on {text:?}", rule.id());
                    texts += 1;
                    found += planned.len();
                }
            }
        }
        // Every example next to every other: windows of many rules overlap and merge.
        let near_misses = "task-0123456789abcdef0123456789abcdef sk-0123456789abcdef0123 \
            ghp_short AKIA01234567 xoxb-12 token = value password: \"\" -----BEGIN CERTIFICATE-----\n";
        // Hostile texts: starts that each pass the head, where anchored searches would read far
        // (a bounded pattern up to its budget, an unbounded one in a long window), with a real
        // private key among them.
        // The PEM lines are put together at run time: a private-key header in the source text
        // would be flagged by scanners run on this repository (synthetic as it is).
        let pem = |word: &str| format!("-----{word} RSA {}-----\n", ["PRIVATE", "KEY"].join(" "));
        let header = format!(
            "{}MIIEowIBAAKCAQEA7x9Kq2Lm8Vb3Nc5Rt1Yw6Pz0Hs4Jd2Fg8Ua1Xe5Qi3Ko7Tn9Bv\n",
            pem("BEGIN")
        );
        let key = (0..30).map(|i| {
            format!("{i:02}Zq8mN3pL5rT7vX9bAb4Cd6Ef8Gh1Jk3Lm5Np7Qr9St2Uv4Wx6Yz8Ab0Cd2Ef4G\n")
        });
        let key = format!("{header}{}{}", key.collect::<String>(), pem("END"));
        let hostile = [
            format!("{}{key}{}", header.repeat(300), header.repeat(300)),
            "token:a<".repeat(2000),
            format!("{}token = Zq8mN3pL5rT7vX9b\n", "token:a<".repeat(1000)),
        ];
        let rsa = engine.rules().index_of("private-key.rsa").unwrap() as u32;
        for text in &hostile {
            let (planned, searched) = both_ways(&engine, &mut scratch, text.as_bytes());
            assert_eq!(planned, searched);
            found += planned.len();
        }
        let (planned, _) = both_ways(&engine, &mut scratch, hostile[0].as_bytes());
        assert!(planned.iter().any(|c| c.0 == rsa), "{planned:?}");
        for text in [
            all.clone(),
            all.replace(' ', "\n"),
            all.replace(' ', ""),
            near_misses.repeat(50),
        ] {
            let (planned, searched) = both_ways(&engine, &mut scratch, text.as_bytes());
            assert_eq!(planned, searched);
            found += planned.len();
        }
        // Prefixes outside the keywords (`git` and a tab, `git` and two spaces), found only by
        // the search in the window that `git clone` opens.
        let extra = "git clone https://git.corp-internal.net/app.git\n\
            git\tpush https://deploy:Zq8mN3pL5rT7vX9b@git.corp-internal.net/app.git\n\
            git  fetch https://bot:Hd7Kq2Zx9Lm4Vb8N@git.corp-internal.net/app.git\n";
        let rule = engine.rules().index_of("git.url-credentials").unwrap() as u32;
        for text in [extra.to_string(), extra.repeat(3), extra.replace('\n', " ")] {
            let (planned, searched) = both_ways(&engine, &mut scratch, text.as_bytes());
            assert_eq!(planned, searched, "{text:?}");
            let extra_found = planned.iter().filter(|c| c.0 == rule).count();
            assert!(extra_found >= 2, "{text:?}: {planned:?}");
        }
        // (Made by the first search above.)
        let plan = engine.plans[rule as usize].get().unwrap().as_ref().unwrap();
        assert!(plan.has_extra_starts());
        // Unbounded (`[ \t]+`): walked at its starts, in windows of any length.
        assert!(plan.walks());
        let planned = (0..engine.rules().len())
            .filter(|&ri| engine.plans[ri].get().is_some_and(Option::is_some))
            .count();
        // The comparison means something: most rules have a plan, and plenty was found.
        assert!(
            planned > engine.rules().len() / 2,
            "{planned} rules with a plan"
        );
        assert!(
            texts > 10_000 && found > 5_000,
            "{texts} texts, {found} found"
        );
    }
}

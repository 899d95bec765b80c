//! The detection engine: `(&Chunk, &Engine, &mut Scratch) -> Vec<Finding>`.
//!
//! One prefilter pass ([`anchors`]) over a chunk finds every rule keyword (and every attribution context
//! word). Only rules with a keyword hit run their regex, and only inside windows around the
//! hits. Each regex match then passes the boundary, entropy, character-class and placeholder
//! checks before it becomes a finding. The contract of the prefilter: it may report candidates
//! that are not secrets, it never misses one that the rule's regex would find in its window.
//!
//! The engine is immutable and shared by all threads; each thread owns a [`Scratch`].

mod anchors;
mod checks;
mod encoded;
mod exposure;
mod handlers;
mod literal;
mod position;
mod rust;
mod selfcheck;
mod starts;

pub use checks::{char_classes, is_placeholder, shannon_entropy};
pub use handlers::HANDLERS;
pub use selfcheck::{check_rules, expand_checksums, ExampleFailure};

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use anyhow::Result;

use anchors::Anchors;

use crate::chunk::Chunk;
use crate::finding::{self, Exposure, Finding};
use crate::rules::published::PublishedExamples;
use crate::rules::{Rule, RuleSet};

/// What one prefilter keyword means: the rules it triggers, and the attribution contexts
/// (rule index, attribution index) it belongs to.
#[derive(Debug, Default)]
struct PatternRole {
    triggers: Vec<u32>,
    /// The rules limited to some files (`files`) it triggers: pushed only where the file is one
    /// of theirs, so that a common word (`password`) costs nothing for them elsewhere.
    limited_triggers: Vec<u32>,
    context_of: Vec<(u32, u32)>,
    /// The index of the word in [`rust::MARKS`].
    mark: Option<u8>,
}

/// Options that change what a finding carries, and which optional analyses run.
#[derive(Debug, Clone, Copy)]
pub struct DetectOptions {
    pub show_secrets: bool,
    /// Parse `.rs` files with `syn` where it can add findings ([`rust`]); on by default, off
    /// only to measure what it costs.
    pub rust_analysis: bool,
}

impl Default for DetectOptions {
    fn default() -> Self {
        DetectOptions {
            show_secrets: false,
            rust_analysis: true,
        }
    }
}

/// The compiled, immutable detector.
#[derive(Debug)]
pub struct Engine {
    rules: RuleSet,
    anchors: Anchors,
    roles: Vec<PatternRole>,
    /// Per rule: its `window` (read once per keyword hit and rule).
    windows: Vec<[usize; 2]>,
    /// Per rule, found on first use: a literal every match contains ([`literal`]).
    /// (Boxed, as are plans: a vector of these is made for every rule at start-up, and
    /// fresh memory is what start-up pays for most.)
    required: Vec<OnceLock<Option<Box<memchr::memmem::Finder<'static>>>>>,
    /// Per rule, made on first use: how its matches are found at its hits ([`starts`]).
    plans: Vec<OnceLock<Option<Box<starts::Plan>>>>,
    /// The paired rules (few), each with how its partners are found at its hits, made on
    /// first use ([`starts::PairStarts`]).
    pair_starts: Vec<(u32, OnceLock<Option<Box<starts::PairStarts>>>)>,
    /// Rules that apply only to some files, when there are any.
    files: Option<FileRules>,
    options: DetectOptions,
    /// Values providers publish as examples: the placeholder check lets them through (AWS's
    /// end in `EXAMPLE`) so that the filter drops them with a reason `--explain` shows.
    published: PublishedExamples,
}

/// Per-thread reusable buffers; keeps the hot path free of per-file allocation.
#[derive(Debug, Default)]
pub struct Scratch {
    /// Per rule: its keyword hits `(start, end)` in this chunk.
    hits: Vec<Vec<(usize, usize)>>,
    /// The attribution contexts `(rule, attribution)` mentioned in the chunks scanned since
    /// [`Scratch::take_mentions`] last ran: what a folder's files say about who a key that
    /// names no provider belongs to ([`Engine::attribute_across_files`]).
    mentions: Vec<(u32, u32)>,
    /// The windows and candidate match starts of the rule being run.
    rule: RuleScratch,
    touched: Vec<u32>,
    /// Per (rule, attribution): positions of context words in this chunk.
    context_hits: Vec<(u32, u32, usize)>,
    /// Where the words of [`rust::MARKS`] are in this chunk: (index, start).
    marks: Vec<(u8, usize)>,
    /// How many encodings deep the current scan is.
    depth: u8,
    /// The globs of [`FileRules`] that match the chunk's path, and their rules.
    globs: Vec<usize>,
    file_rules: Vec<u32>,
}

/// The folder of a `/`-separated path (`""` at the top).
fn parent_folder(path: &str) -> &str {
    path.rfind('/').map_or("", |i| &path[..i])
}

impl Scratch {
    /// The attribution contexts `(rule, attribution)` mentioned in the chunks scanned since the
    /// last call, sorted and without repeats.
    pub fn take_mentions(&mut self) -> Vec<(u32, u32)> {
        let mut m = std::mem::take(&mut self.mentions);
        m.sort_unstable();
        m.dedup();
        m
    }
}

/// Buffers for the rule being run.
#[derive(Debug, Default)]
struct RuleScratch {
    windows: Vec<(usize, usize)>,
    /// The partners of a paired secret found in a run of windows.
    partners: Vec<(usize, usize)>,
    /// Positions where a match may start ([`starts::Plan`]).
    starts: Vec<usize>,
    /// The lazy DFA caches of the rules whose plans walk ([`starts::Plan::walk`]).
    walks: starts::WalkCaches,
}

/// Encodings inside encodings are followed this far (base64 of a URL with a percent-encoded
/// key in its query is two).
const MAX_DECODE_DEPTH: u8 = 2;

/// A regex match that passed every check, before positions and attribution.
struct Candidate {
    rule: u32,
    start: usize,
    end: usize,
    /// The secret when it is not the bytes at `start..end` as they stand: decoded from the
    /// rule's `decode` encoding.
    value: Option<Box<[u8]>>,
}

/// The rules limited to some files by their `files` globs ([`crate::rules::RuleSpec::files`]).
/// Most globs are a file name (`.netrc`) or `*` and a suffix (`*.yaml`, `*.my.cnf`): those are
/// looked up by the file name and its extension, so a file costs two hash lookups; the rest go
/// through a glob set, behind a substring test.
#[derive(Debug)]
struct FileRules {
    /// Lower-case file names, and the rules they select.
    names: HashMap<Box<[u8]>, Vec<u32>>,
    /// Lower-case suffixes (`.my.cnf`) by their last extension (`cnf`), with their rule.
    suffixes: HashMap<Box<[u8]>, Vec<Suffix>>,
    /// The other globs.
    general: Option<GeneralGlobs>,
}

/// A file-name suffix (lower case) and the rule it selects.
type Suffix = (Box<[u8]>, u32);

#[derive(Debug)]
struct GeneralGlobs {
    set: globset::GlobSet,
    /// Per glob of `set`: its rule.
    rule_of: Vec<u32>,
    /// Per glob, the longest literal piece of its last component (lower case), which the file
    /// name of every path it matches contains: most files are ruled out by these few
    /// substring tests. `None` when some glob has no such piece.
    pieces: Option<Vec<Vec<u8>>>,
}

/// The longest run of literal characters in a glob's path component, outside `[...]` and
/// `{...}` groups (`.env.` in `.env.*`, `data-sources-` in `data-sources-*.json`).
fn longest_literal(component: &str) -> Option<&str> {
    let mut best: Option<&str> = None;
    let mut start = 0;
    let mut group = 0usize;
    for (i, c) in component.char_indices().chain([(component.len(), '*')]) {
        let literal = group == 0 && !matches!(c, '*' | '?' | '[' | '{' | '\\');
        if !literal {
            let piece = &component[start..i];
            if group == 0 && piece.len() > best.map_or(0, str::len) {
                best = Some(piece);
            }
            start = i + c.len_utf8();
        }
        match c {
            '[' | '{' => group += 1,
            ']' | '}' if group > 0 => {
                group -= 1;
                start = i + 1;
            }
            _ => {}
        }
    }
    best
}

/// The largest file a keyword-less file rule reads whole; credential files are small.
const WHOLE_FILE_LIMIT: usize = 1 << 20;

impl FileRules {
    fn new(rules: &RuleSet) -> Result<Option<FileRules>> {
        let mut names: HashMap<Box<[u8]>, Vec<u32>> = HashMap::new();
        let mut suffixes: HashMap<Box<[u8]>, Vec<Suffix>> = HashMap::new();
        let mut globs = Vec::new();
        let mut rule_of = Vec::new();
        let mut pieces = Some(Vec::new());
        let meta = |c: char| matches!(c, '*' | '?' | '[' | ']' | '{' | '}' | '\\' | '/');
        for (ri, rule) in rules.rules().iter().enumerate() {
            for f in &rule.spec.files {
                let lower = f.to_ascii_lowercase();
                if !lower.contains(meta) {
                    names
                        .entry(lower.into_bytes().into())
                        .or_default()
                        .push(ri as u32);
                    continue;
                }
                if let Some(suffix) = lower.strip_prefix('*') {
                    if let (false, Some(dot)) = (suffix.contains(meta), suffix.rfind('.')) {
                        suffixes
                            .entry(suffix.as_bytes()[dot + 1..].into())
                            .or_default()
                            .push((suffix.as_bytes().into(), ri as u32));
                        continue;
                    }
                }
                globs.push(f.clone());
                rule_of.push(ri as u32);
                let last = f.rsplit('/').next().unwrap_or(f);
                match (&mut pieces, longest_literal(last)) {
                    (Some(p), Some(piece)) => p.push(piece.to_ascii_lowercase().into_bytes()),
                    _ => pieces = None,
                }
            }
        }
        if rules.rules().iter().all(|r| r.spec.files.is_empty()) {
            return Ok(None);
        }
        let general = if globs.is_empty() {
            None
        } else {
            Some(GeneralGlobs {
                set: crate::rules::files_globset(&globs)?,
                rule_of,
                pieces,
            })
        };
        Ok(Some(FileRules {
            names,
            suffixes,
            general,
        }))
    }

    /// The rules whose files include `path`, into `out` (sorted, without repeats).
    fn matching(&self, path: &str, globs: &mut Vec<usize>, out: &mut Vec<u32>) {
        out.clear();
        let name = path.rsplit('/').next().unwrap_or(path).as_bytes();
        let mut buf = [0u8; 128];
        let mut long = Vec::new();
        let lower: &mut [u8] = match buf.get_mut(..name.len()) {
            Some(b) => b,
            None => {
                long.resize(name.len(), 0);
                &mut long
            }
        };
        lower.copy_from_slice(name);
        lower.make_ascii_lowercase();
        let lower = &*lower;
        if let Some(rules) = self.names.get(lower) {
            out.extend(rules);
        }
        if let Some(dot) = lower.iter().rposition(|&b| b == b'.') {
            if let Some(list) = self.suffixes.get(&lower[dot + 1..]) {
                out.extend(
                    list.iter()
                        .filter(|(suffix, _)| lower.ends_with(suffix))
                        .map(|&(_, r)| r),
                );
            }
        }
        if let Some(g) = &self.general {
            let maybe = g.pieces.as_ref().is_none_or(|pieces| {
                pieces
                    .iter()
                    .any(|p| memchr::memmem::find(lower, p).is_some())
            });
            if maybe {
                g.set.matches_into(path, globs);
                out.extend(globs.iter().map(|&i| g.rule_of[i]));
            }
        }
        if out.len() > 1 {
            out.sort_unstable();
            out.dedup();
        }
    }
}

impl Engine {
    pub fn new(rules: RuleSet, options: DetectOptions) -> Result<Engine> {
        let (literals, roles) = Engine::literals(&rules, &options);
        let anchors = Anchors::new(&literals);
        let required = (0..rules.len()).map(|_| OnceLock::new()).collect();
        let plans = (0..rules.len()).map(|_| OnceLock::new()).collect();
        let windows = rules.rules().iter().map(|r| r.spec.window).collect();
        let pair_starts = (0..rules.len() as u32)
            .filter(|&ri| rules.rules()[ri as usize].spec.pair.is_some())
            .map(|ri| (ri, OnceLock::new()))
            .collect();
        let files = FileRules::new(&rules)?;
        Ok(Engine {
            rules,
            anchors,
            roles,
            windows,
            required,
            plans,
            pair_starts,
            files,
            options,
            published: PublishedExamples::builtin()?,
        })
    }

    /// The prefilter's literals (keywords, context words, Rust marks; lowercased, each once)
    /// and what each one is to the rules.
    fn literals(rules: &RuleSet, options: &DetectOptions) -> (Vec<String>, Vec<PatternRole>) {
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut literals: Vec<String> = Vec::new();
        let mut roles: Vec<PatternRole> = Vec::new();
        let mut slot =
            |word: &str, literals: &mut Vec<String>, roles: &mut Vec<PatternRole>| -> usize {
                let key = word.to_ascii_lowercase();
                *index.entry(key.clone()).or_insert_with(|| {
                    literals.push(key);
                    roles.push(PatternRole::default());
                    literals.len() - 1
                })
            };
        for (ri, rule) in rules.rules().iter().enumerate() {
            for k in &rule.spec.keywords {
                let p = slot(k, &mut literals, &mut roles);
                if rule.spec.files.is_empty() {
                    roles[p].triggers.push(ri as u32);
                } else {
                    roles[p].limited_triggers.push(ri as u32);
                }
            }
            for (ai, a) in rule.spec.attribute.iter().enumerate() {
                for w in &a.context {
                    let p = slot(w, &mut literals, &mut roles);
                    roles[p].context_of.push((ri as u32, ai as u32));
                }
            }
        }
        if options.rust_analysis {
            for (mi, m) in rust::MARKS.iter().enumerate() {
                let p = slot(m, &mut literals, &mut roles);
                roles[p].mark = Some(mi as u8);
            }
        }
        for r in &mut roles {
            r.triggers.dedup();
            r.limited_triggers.dedup();
        }
        (literals, roles)
    }

    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// The published example values (`rules/published-examples.toml`).
    pub fn published(&self) -> &PublishedExamples {
        &self.published
    }

    /// The most bytes one finding can span: a rule's window around its keyword (plus the
    /// token the window end is extended to), or an encoded run. Whoever cuts a haystack into
    /// overlapping pieces overlaps them by at least this much so that no finding is cut.
    pub fn longest_match(&self) -> usize {
        let rules = self.rules.rules().iter().map(|r| {
            let keyword = r.spec.keywords.iter().map(String::len).max().unwrap_or(0);
            r.spec.window[0] + keyword + r.spec.window[1] + EXTEND_TOKEN_LIMIT
        });
        rules.max().unwrap_or(0).max(encoded::MAX_RUN)
    }

    pub fn scratch(&self) -> Scratch {
        Scratch {
            hits: vec![Vec::new(); self.rules.len()],
            rule: RuleScratch::default(),
            touched: Vec::new(),
            context_hits: Vec::new(),
            marks: Vec::new(),
            depth: 0,
            globs: Vec::new(),
            file_rules: Vec::new(),
            mentions: Vec::new(),
        }
    }

    /// Decides the provider of findings that their own file left undecided (a bare `sk-` and
    /// 32 hex characters: DeepSeek or DashScope) from the files around them: the nearest folder,
    /// from the finding's own up to the scan root, whose files mention exactly one of the
    /// rule's providers decides it, and the finding names the file (`attributed_by`). Where no
    /// folder decides, the finding keeps the rule's provider. `mentions` are, per file (by the
    /// path findings carry), what [`Scratch::take_mentions`] returned after scanning it.
    pub fn attribute_across_files(
        &self,
        findings: &mut [Finding],
        mentions: &[(String, Vec<(u32, u32)>)],
    ) {
        attribute_across_files(&self.rules, findings, mentions);
    }

    /// Scans one chunk. Findings come back sorted by position.
    pub fn scan(&self, chunk: &Chunk<'_>, scratch: &mut Scratch) -> Vec<Finding> {
        let hay = chunk.data;
        // Taken for this scan: the scans of decoded text below have their own.
        let mut marks = std::mem::take(&mut scratch.marks);
        marks.clear();
        // Decoded text inside a file keeps the file's path, and what matched it.
        if let (Some(files), 0) = (&self.files, scratch.depth) {
            files.matching(
                chunk.provenance.path(),
                &mut scratch.globs,
                &mut scratch.file_rules,
            );
        }
        self.prefilter(hay, scratch, &mut marks);
        let mut candidates = Vec::new();
        for &ri in &scratch.touched {
            let hits = &mut scratch.hits[ri as usize];
            self.find(ri, hay, hits, &mut scratch.rule, true, &mut candidates);
        }
        // Rules for files of a fixed name and no keyword read the whole (small) file.
        if scratch.depth == 0 && hay.len() <= WHOLE_FILE_LIMIT {
            for &ri in &scratch.file_rules {
                let rule = &self.rules.rules()[ri as usize];
                if rule.spec.keywords.is_empty() {
                    self.run_rule(ri, rule, hay, 0, hay.len(), &mut candidates);
                }
            }
        }
        candidates.sort_by_key(|c| (c.start, c.end, c.rule));
        candidates.dedup_by_key(|c| (c.start, c.end, c.rule));
        let mut findings = self.to_findings(chunk, &candidates, scratch);
        for &ri in &scratch.touched {
            scratch.hits[ri as usize].clear();
        }
        scratch.touched.clear();
        if scratch.depth < MAX_DECODE_DEPTH {
            self.scan_encoded(chunk, scratch, &mut findings);
        }
        scratch
            .mentions
            .extend(scratch.context_hits.iter().map(|&(ri, ai, _)| (ri, ai)));
        if scratch.mentions.len() > 1024 {
            scratch.mentions.sort_unstable();
            scratch.mentions.dedup();
        }
        scratch.context_hits.clear();
        if self.options.rust_analysis
            && scratch.depth == 0
            && chunk.provenance.path().ends_with(".rs")
        {
            rust::analyze(self, chunk, scratch, &marks, &mut findings);
        }
        scratch.marks = marks;
        findings
    }

    /// Scans what base64, hex and percent-encoded spans decode to, and reports what is found
    /// there at the encoded span, saying which encoding hid it.
    fn scan_encoded(&self, chunk: &Chunk<'_>, scratch: &mut Scratch, out: &mut Vec<Finding>) {
        let hay = chunk.data;
        let decoded = encoded::find(hay);
        if decoded.is_empty() {
            return;
        }
        let mut lines = position::LineIndex::new(hay);
        // The decoded text is scanned with the same scratch; keep this file's context words
        // so that a key hidden in base64 is still attributed by the words around it.
        let outer_context = std::mem::take(&mut scratch.context_hits);
        for d in decoded {
            let inner = Chunk {
                provenance: chunk.provenance.clone(),
                data: &d.text,
            };
            scratch.depth += 1;
            let found = self.scan(&inner, scratch);
            scratch.depth -= 1;
            for mut f in found {
                // Already reported as it stands (`key%3Dsk-...` holds the key in the clear).
                let seen = out.iter().any(|o| {
                    o.rule == f.rule && o.raw == f.raw && o.span.0 < d.end && d.start < o.span.1
                });
                if seen {
                    continue;
                }
                if let Some(ri) = self.rules.index_of(&f.rule) {
                    let rule = &self.rules.rules()[ri];
                    if f.provider == rule.spec.provider && !rule.spec.attribute.is_empty() {
                        let here = Candidate {
                            rule: ri as u32,
                            start: d.start,
                            end: d.end,
                            value: None,
                        };
                        (f.provider, f.confidence) =
                            self.attribute_with(&here, rule, &outer_context);
                    }
                }
                (f.line, f.column) = lines.position(d.start);
                (f.end_line, f.end_column) = lines.position(d.end);
                // The partner was in the same decoded text, so on the encoded span's line.
                if f.partner_line.is_some() {
                    f.partner_line = Some(f.line);
                }
                let shown = if self.options.show_secrets {
                    f.raw.clone()
                } else {
                    f.redacted.clone()
                };
                f.frame =
                    position::frame(hay, d.start, d.end, &shown, &[], self.options.show_secrets);
                f.span = (d.start, d.end);
                f.encoding = Some(match f.encoding.take() {
                    Some(inner) => format!("{}+{inner}", d.encoding.name()),
                    None => d.encoding.name().to_string(),
                });
                out.push(f);
            }
        }
        scratch.context_hits = outer_context;
        out.sort_by(|a, b| (a.span, &a.rule).cmp(&(b.span, &b.rule)));
    }

    /// Records every keyword hit, per rule it triggers, and every context word.
    fn prefilter(&self, hay: &[u8], scratch: &mut Scratch, marks: &mut Vec<(u8, usize)>) {
        let Scratch {
            hits,
            touched,
            context_hits,
            file_rules,
            ..
        } = scratch;
        self.anchors.for_each(hay, |pattern, start, end| {
            let role = &self.roles[pattern];
            let mut push = |ri: u32| {
                let h = &mut hits[ri as usize];
                if h.is_empty() {
                    touched.push(ri);
                }
                h.push((start, end));
            };
            for &ri in &role.triggers {
                push(ri);
            }
            if !file_rules.is_empty() {
                for &ri in &role.limited_triggers {
                    if file_rules.binary_search(&ri).is_ok() {
                        push(ri);
                    }
                }
            }
            for &(ri, ai) in &role.context_of {
                context_hits.push((ri, ai, start));
            }
            if let Some(m) = role.mark {
                marks.push((m, start));
            }
        });
        touched.sort_unstable();
    }

    /// Finds the matches of rule `ri` given its keyword `hits`: at the hits when the rule has a
    /// [`starts::Plan`] (and `use_plans`), else by searching the windows around them. Both ways
    /// find the same matches (the tests compare them on every built-in rule's examples).
    fn find(
        &self,
        ri: u32,
        hay: &[u8],
        hits: &mut [(usize, usize)],
        buf: &mut RuleScratch,
        use_plans: bool,
        out: &mut Vec<Candidate>,
    ) {
        let rule = &self.rules.rules()[ri as usize];
        if let Some(handler) = &rule.spec.handler {
            hits.sort_unstable();
            handlers::run(handler, hay, hits, &mut |s, e| {
                self.push_accepted(ri, rule, hay, Some((s, e)), out)
            });
            return;
        }
        if rule.spec.pair.is_some() {
            // A paired secret is searched for only around hits with a partner in their window
            // (the keyword is the partner's first bytes, or a word that comes with it); its
            // generic shape has no start plan.
            let [before, after] = self.windows[ri as usize];
            hits.sort_unstable();
            // The partners of a run of overlapping windows are found at once, then each hit
            // looks for one inside its own window. When every partner begins with a keyword
            // (`AKIA`), they are searched for at the run's hits ([`starts::PairStarts`]), a
            // few bytes each; else in one pass over the run, so that on text dense with hits
            // (an `AKIA` stub on every line) each byte is searched once. (Without plans, runs
            // are always searched whole: the tests compare the two ways.)
            let pair_starts = if use_plans {
                self.pair_starts(ri, rule)
            } else {
                None
            };
            let RuleScratch {
                partners, walks, ..
            } = buf;
            let mut kept = 0;
            let mut i = 0;
            while i < hits.len() {
                let window = |(s, e): (usize, usize)| {
                    (
                        s.saturating_sub(before),
                        e.saturating_add(after).min(hay.len()),
                    )
                };
                let (run_start, mut run_end) = window(hits[i]);
                let mut j = i + 1;
                while j < hits.len() && window(hits[j]).0 <= run_end {
                    run_end = run_end.max(window(hits[j]).1);
                    j += 1;
                }
                partners.clear();
                let at_hits = pair_starts.is_some_and(|p| {
                    p.partners(hay, &hits[i..j], run_end, walks, ri as usize, partners)
                });
                if !at_hits {
                    partners.clear();
                    rule.pairs_in(hay, run_start, run_end, partners);
                }
                for k in i..j {
                    let (from, to) = window(hits[k]);
                    let first = partners.partition_point(|&(ps, _)| ps < from);
                    let near = partners[first..]
                        .iter()
                        .take_while(|&&(ps, _)| ps < to)
                        .any(|&(_, pe)| pe <= to);
                    if near {
                        hits[kept] = hits[k];
                        kept += 1;
                    }
                }
                i = j;
            }
            if kept == 0 {
                return;
            }
            self.windows_of(ri, hay, &hits[..kept], &mut buf.windows);
            for &(ws, we) in buf.windows.iter() {
                self.run_rule(ri, rule, hay, ws, we, out);
            }
            return;
        }
        let plan = if use_plans {
            self.plans[ri as usize]
                .get_or_init(|| {
                    starts::Plan::new(&rule.spec.pattern, &rule.spec.keywords, rule.spec.window[1])
                        .map(Box::new)
                })
                .as_deref()
        } else {
            None
        };
        hits.sort_unstable();
        if let Some(plan) = plan {
            // The common case on text dense with near-misses: no hit can start a match, and
            // neither windows nor the regex are needed.
            if !plan.has_extra_starts() && !hits.iter().any(|&(s, _)| plan.may_start(hay, s)) {
                return;
            }
            if plan.windowless() {
                let mut at = 0;
                for &(s, _) in hits.iter() {
                    if s < at {
                        continue;
                    }
                    if let Some(found) = plan.match_at(hay, s) {
                        at = found.end.max(s + 1);
                        self.push_accepted(ri, rule, hay, found.secret, out);
                    }
                }
                return;
            }
        }
        let RuleScratch {
            windows,
            starts,
            walks,
            ..
        } = buf;
        self.windows_of(ri, hay, hits, windows);
        let Some(plan) = plan else {
            for &(ws, we) in windows.iter() {
                self.run_rule(ri, rule, hay, ws, we, out);
            }
            return;
        };
        // A pattern with an unbounded part is walked first at each start, counting the bytes
        // read ([`starts::Plan::walk`]).
        let walk = plan.walks();
        // Hits and windows are both sorted, and every hit lies in one window.
        let mut next = 0;
        for &(ws, we) in windows.iter() {
            let in_window = hits[next..].iter().take_while(|h| h.0 < we).count();
            let window_hits = &hits[next..next + in_window];
            next += in_window;
            // Anchored searches from many starts could read the same bytes again and again
            // when the pattern has an unbounded part (on hostile text): in a long window such
            // a pattern is searched once, unanchored, as without a plan (unless it walks).
            if !plan.bounded() && !walk && we - ws > UNBOUNDED_WINDOW {
                self.run_rule(ri, rule, hay, ws, we, out);
                continue;
            }
            starts.clear();
            starts.extend(window_hits.iter().map(|h| h.0));
            if plan.has_extra_starts() {
                plan.extra_starts(&hay[ws..we], |s| starts.push(ws + s));
                starts.sort_unstable();
            }
            starts.dedup();
            let bounded = &hay[..we];
            let mut at = ws;
            // What the anchored searches may read stays within a few times the window's
            // length: past that, the rest of the window is searched once, unanchored, which
            // finds the same matches from `at` on.
            let mut budget = WINDOW_READS * (we - ws) + UNBOUNDED_WINDOW;
            for &s in starts.iter() {
                if s < at || !plan.may_start(bounded, s) {
                    continue;
                }
                let mut walked = false;
                if walk {
                    match plan.walk(bounded, s, budget, walks, ri as usize) {
                        starts::Walk::NoMatch(read) => {
                            budget -= read;
                            continue;
                        }
                        // The regex reads about as far to find the match, and again for its groups.
                        starts::Walk::Match(read) => {
                            budget = budget.saturating_sub(3 * read);
                            walked = true;
                        }
                        starts::Walk::Unknown => {
                            self.run_rule(ri, rule, hay, at, we, out);
                            break;
                        }
                    }
                } else {
                    let cost = plan.cost(s, we);
                    if cost > budget {
                        self.run_rule(ri, rule, hay, at, we, out);
                        break;
                    }
                    budget -= cost;
                }
                let found = if walked {
                    plan.match_walked(bounded, s)
                } else {
                    plan.match_at(bounded, s)
                };
                if let Some(found) = found {
                    at = if found.end > s { found.end } else { s + 1 };
                    self.push_accepted(ri, rule, hay, found.secret, out);
                }
            }
        }
    }

    /// How the partners of paired rule `ri` are found at its hits, made on first use; `None`
    /// when some partner could begin with none of its keywords (its runs are then searched).
    fn pair_starts(&self, ri: u32, rule: &Rule) -> Option<&starts::PairStarts> {
        let (_, starts) = self.pair_starts.iter().find(|(r, _)| *r == ri)?;
        starts
            .get_or_init(|| {
                let pair = rule.spec.pair.as_ref()?;
                starts::PairStarts::new(&pair.pattern, &rule.spec.keywords).map(Box::new)
            })
            .as_deref()
    }

    fn push_accepted(
        &self,
        ri: u32,
        rule: &Rule,
        hay: &[u8],
        secret: Option<(usize, usize)>,
        out: &mut Vec<Candidate>,
    ) {
        let Some((start, end)) = secret else { return };
        match rule.spec.decode {
            None => {
                if self.accept(rule, hay, start, end) {
                    out.push(Candidate {
                        rule: ri,
                        start,
                        end,
                        value: None,
                    });
                }
            }
            Some(decode) => {
                let Some(value) = decode.decode(&hay[start..end]) else {
                    return;
                };
                if self.accept_value(rule, hay, start, end, &value) {
                    out.push(Candidate {
                        rule: ri,
                        start,
                        end,
                        value: Some(value.into_boxed_slice()),
                    });
                }
            }
        }
    }

    /// The merged windows around a rule's hits (sorted by start): `window` bytes before and
    /// after each keyword, the end moved to the end of the token it cuts ([`TokenRun`]).
    /// Moving an end to its token's end never moves it before a smaller end's, so a merged
    /// window ends where its largest raw end is moved to; that move is made only where the
    /// next window starts past the raw end, once per window on dense text.
    fn windows_of(
        &self,
        ri: u32,
        hay: &[u8],
        hits: &[(usize, usize)],
        windows: &mut Vec<(usize, usize)>,
    ) {
        let [before, after] = self.windows[ri as usize];
        let mut run = TokenRun::new();
        windows.clear();
        // The window being built: its start and its largest raw end.
        let mut open: Option<(usize, usize)> = None;
        for &(start, end) in hits {
            let ws = start.saturating_sub(before);
            let raw = (end + after).min(hay.len());
            open = Some(match open {
                Some((s, r)) if ws <= r => (s, r.max(raw)),
                Some((s, r)) => {
                    let e = run.extend(hay, r);
                    if ws <= e {
                        (s, r.max(raw))
                    } else {
                        windows.push((s, e));
                        (ws, raw)
                    }
                }
                None => (ws, raw),
            });
        }
        if let Some((s, r)) = open {
            windows.push((s, run.extend(hay, r)));
        }
    }

    fn run_rule(
        &self,
        ri: u32,
        rule: &Rule,
        hay: &[u8],
        ws: usize,
        we: usize,
        out: &mut Vec<Candidate>,
    ) {
        let required = self.required[ri as usize]
            .get_or_init(|| literal::required(&rule.spec.pattern).map(Box::new));
        if let Some(lit) = required {
            if lit.find(&hay[ws..we]).is_none() {
                return;
            }
        }
        // Compiled only now: a rule whose keyword is common but whose literal is rare (the
        // private-key rules share `-----BEGIN`) never pays for its regex's memory.
        let Some(re) = rule.regex() else { return };
        let group = rule.secret_group();
        // The haystack ends at the window, but starts at the chunk start, so that look-behind
        // context (`^`, `\b`) before the window is seen correctly.
        let bounded = &hay[..we];
        let mut at = ws;
        while at <= we {
            // Most windows hold no match: find first, and pay for captures only on a match.
            let Some(whole) = re.find_at(bounded, at) else {
                break;
            };
            at = if whole.end() > whole.start() {
                whole.end()
            } else {
                whole.end() + 1
            };
            let secret = if group == 0 {
                Some((whole.start(), whole.end()))
            } else {
                re.captures_at(bounded, whole.start())
                    .and_then(|c| c.get(group))
                    .map(|m| (m.start(), m.end()))
            };
            self.push_accepted(ri, rule, hay, secret, out);
        }
    }

    /// The checks after the regex: boundary, entropy, character classes, placeholders.
    fn accept(&self, rule: &Rule, hay: &[u8], start: usize, end: usize) -> bool {
        self.accept_value(rule, hay, start, end, &hay[start..end])
    }

    /// [`Engine::accept`] for a secret whose value is `secret` (decoded from `start..end`).
    fn accept_value(
        &self,
        rule: &Rule,
        hay: &[u8],
        start: usize,
        end: usize,
        secret: &[u8],
    ) -> bool {
        let spec = &rule.spec;
        if start == end || secret.is_empty() {
            return false;
        }
        if spec.boundary && !checks::at_boundary(hay, start, end) {
            return false;
        }
        if spec.min_entropy > 0.0 && shannon_entropy(secret) < spec.min_entropy {
            return false;
        }
        if char_classes(secret) < spec.min_char_classes {
            return false;
        }
        (!is_placeholder(secret) || self.published.contains(secret))
            && spec.checks.iter().all(|c| c.passes(secret))
            && (spec.pair.is_none() || rule.find_pair(hay, start, end).is_some())
    }

    fn to_findings(
        &self,
        chunk: &Chunk<'_>,
        cands: &[Candidate],
        scratch: &Scratch,
    ) -> Vec<Finding> {
        if cands.is_empty() {
            // The common case: no per-file work (line index, exposure) for clean files.
            return Vec::new();
        }
        let hay = chunk.data;
        let path = chunk.provenance.path();
        let mut lines = position::LineIndex::new(hay);
        // Only secret values are masked in frames: a revealed match (a reference, a flag) is
        // code, shown as it is in every frame of the line.
        let spans: Vec<(usize, usize)> = cands
            .iter()
            .filter(|c| !self.rules.rules()[c.rule as usize].spec.reveal)
            .map(|c| (c.start, c.end))
            .collect();
        let file_exposure = exposure::FileExposure::new(path, hay);
        let mut out = Vec::with_capacity(cands.len());
        for c in cands {
            let rule = &self.rules.rules()[c.rule as usize];
            let value = c.value.as_deref().unwrap_or(&hay[c.start..c.end]);
            let raw = String::from_utf8_lossy(value).into_owned();
            let (provider, confidence) = self.attribute(c, rule, scratch);
            let (exposure, exposure_reason) = file_exposure.classify((c.start, c.end));
            // Keys that projects publish on purpose as test vectors (private keys, JWTs) are
            // reported in tests and docs at the rule's lower `test_confidence`.
            let confidence = match (exposure, rule.spec.test_confidence) {
                (Exposure::Test | Exposure::Docs, Some(cap)) => confidence.min(cap),
                _ => confidence,
            };
            let (line, column) = lines.position(c.start);
            let (end_line, end_column) = lines.position(c.end);
            // The verifier's partner is sent with the secret; a paired secret's partner (else
            // the verifier's) is the line the finding names.
            let partner = rule.find_partner(hay, c.start, c.end);
            let shown_partner = rule.find_pair(hay, c.start, c.end).or(partner);
            let secret_sha256 = finding::sha256_hex(raw.as_bytes());
            let redacted = if rule.spec.reveal {
                raw.clone()
            } else {
                finding::redact(&raw)
            };
            let shown = if self.options.show_secrets || rule.spec.reveal {
                raw.as_str()
            } else {
                redacted.as_str()
            };
            let frame = position::frame(
                hay,
                c.start,
                c.end,
                shown,
                &spans,
                self.options.show_secrets,
            );
            out.push(Finding {
                rule: rule.spec.id.clone(),
                provider,
                name: rule.spec.name.clone(),
                path: path.to_string(),
                repo_path: path.to_string(),
                line,
                column,
                end_line,
                end_column,
                fingerprint: finding::fingerprint(&rule.spec.id, &secret_sha256, path),
                secret_sha256,
                redacted,
                secret: self.options.show_secrets.then(|| raw.clone()),
                confidence,
                exposure,
                exposure_reason: exposure_reason.to_string(),
                verification: None,
                commit: None,
                git: Default::default(),
                encoding: rule.spec.decode.map(|d| d.name().to_string()),
                severity: crate::finding::Severity::Medium,
                severity_override: None,
                span: (c.start, c.end),
                frame,
                partner: partner.map(|(s, e)| String::from_utf8_lossy(&hay[s..e]).into_owned()),
                partner_line: shown_partner.map(|(s, _)| lines.position(s).0),
                attributed_by: None,
                archive: None,
                member: None,
                repository: None,
                raw,
            });
        }
        out
    }

    /// Picks the provider of a shared key shape from context words in the same chunk: the
    /// attribution whose nearest context word is closest to the secret wins.
    fn attribute(
        &self,
        c: &Candidate,
        rule: &Rule,
        scratch: &Scratch,
    ) -> (String, crate::rules::Confidence) {
        self.attribute_with(c, rule, &scratch.context_hits)
    }

    fn attribute_with(
        &self,
        c: &Candidate,
        rule: &Rule,
        context_hits: &[(u32, u32, usize)],
    ) -> (String, crate::rules::Confidence) {
        let spec = &rule.spec;
        let best = context_hits
            .iter()
            .filter(|(ri, _, _)| *ri == c.rule)
            .min_by_key(|(_, ai, pos)| (pos.abs_diff(c.start), *ai));
        match best {
            Some(&(_, ai, _)) => {
                let a = &spec.attribute[ai as usize];
                (
                    a.provider.clone(),
                    a.confidence.unwrap_or(crate::rules::Confidence::High),
                )
            }
            None => (spec.provider.clone(), spec.confidence),
        }
    }
}

/// How many times the anchored searches of a rule may read a window, at most, before the
/// rest of it is searched once instead ([`Engine::find`]).
const WINDOW_READS: usize = 4;

/// The longest window in which a pattern with an unbounded part is matched at its starts, when
/// it cannot be walked ([`starts::Plan::walks`]).
const UNBOUNDED_WINDOW: usize = 4096;

/// How far a window end is moved forward to the end of the token it cuts.
const EXTEND_TOKEN_LIMIT: usize = 1024;

/// What one rule's window ends have learned about the haystack: every byte in `start..end` is
/// a token byte, and `end` is not one when `closed` (or is the haystack's end). A rule's window
/// ends arrive in (roughly) ascending order, so each byte is walked about once per rule however
/// many hits fall in one long token (`sk-sk-sk-…` would otherwise cost a walk of up to
/// [`EXTEND_TOKEN_LIMIT`] bytes per hit and rule).
#[derive(Debug, Clone)]
struct TokenRun {
    start: usize,
    end: usize,
    closed: bool,
}

impl TokenRun {
    /// Knows nothing yet.
    fn new() -> Self {
        TokenRun {
            start: usize::MAX,
            end: 0,
            closed: false,
        }
    }

    /// Moves a window end `at` forward to the end of the token it cuts, so that a key is never
    /// truncated into a shorter, valid-looking one; at most [`EXTEND_TOKEN_LIMIT`] bytes, so a
    /// huge token cannot make windows huge.
    fn extend(&mut self, hay: &[u8], at: usize) -> usize {
        let limit = (at + EXTEND_TOKEN_LIMIT).min(hay.len());
        if !(self.start <= at && at <= self.end) {
            *self = TokenRun {
                start: at,
                end: at,
                closed: false,
            };
        }
        if !self.closed && self.end < limit {
            // 64 bytes at a time (SIMD where the CPU has it).
            self.end = encoded::token_end(hay, self.end, limit);
            self.closed = self.end < limit;
        }
        self.end.min(limit)
    }
}

/// [`Engine::attribute_across_files`] over `rules`, for `keyhound merge`, which attributes the
/// keys of every shard from the mentions of every shard.
pub fn attribute_across_files(
    set: &RuleSet,
    findings: &mut [Finding],
    mentions: &[(String, Vec<(u32, u32)>)],
) {
    let rules = set.rules();
    let undecided = |f: &Finding| {
        set.index_of(&f.rule).filter(|&ri| {
            let spec = &rules[ri].spec;
            !spec.attribute.is_empty() && f.provider == spec.provider
        })
    };
    if !findings.iter().any(|f| undecided(f).is_some()) {
        return;
    }
    // Per folder and rule: the attributions its files mention, each with the first file
    // (in path order) that does.
    let mut files: Vec<&(String, Vec<(u32, u32)>)> = mentions.iter().collect();
    files.sort_by(|a, b| a.0.cmp(&b.0));
    let mut folders: HashMap<&str, BTreeMap<u32, BTreeMap<u32, &str>>> = HashMap::new();
    for (file, said) in files {
        let by_rule = folders.entry(parent_folder(file)).or_default();
        for &(ri, ai) in said {
            by_rule
                .entry(ri)
                .or_default()
                .entry(ai)
                .or_insert(file.as_str());
        }
    }
    for f in findings.iter_mut() {
        let Some(ri) = undecided(f) else { continue };
        let mut folder = parent_folder(&f.path);
        loop {
            let said = folders.get(folder).and_then(|r| r.get(&(ri as u32)));
            if let Some(said) = said.filter(|s| s.len() == 1) {
                let (&ai, &file) = said.iter().next().expect("one entry");
                f.provider
                    .clone_from(&rules[ri].spec.attribute[ai as usize].provider);
                f.attributed_by = Some(file.to_string());
                break;
            }
            if folder.is_empty() {
                break;
            }
            folder = parent_folder(folder);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chunk::Provenance;

    fn scan(text: &str) -> Vec<Finding> {
        let engine = Engine::new(RuleSet::builtin().unwrap(), DetectOptions::default()).unwrap();
        let chunk = Chunk {
            provenance: Provenance::File { path: "t".into() },
            data: text.as_bytes(),
        };
        engine.scan(&chunk, &mut engine.scratch())
    }

    /// Sorts and merges overlapping windows: what [`Engine::windows_of`] must agree with.
    fn merge_windows(w: &mut Vec<(usize, usize)>) {
        if w.len() < 2 {
            return;
        }
        w.sort_unstable();
        let mut out = 0;
        for i in 1..w.len() {
            if w[i].0 <= w[out].1 {
                w[out].1 = w[out].1.max(w[i].1);
            } else {
                out += 1;
                w[out] = w[i];
            }
        }
        w.truncate(out + 1);
    }

    /// The plain walk [`TokenRun::extend`] must agree with.
    fn extend_token(hay: &[u8], mut end: usize) -> usize {
        let limit = (end + EXTEND_TOKEN_LIMIT).min(hay.len());
        while end < limit && checks::is_token_byte(hay[end]) {
            end += 1;
        }
        end
    }

    #[test]
    fn token_runs_extend_like_extend_token() {
        let hay = b"ab sk-sk-sk-sk- x=y.z,w".repeat(50);
        let mut long = b"sk-".repeat(1000);
        long.extend_from_slice(b" tail");
        for hay in [hay.as_slice(), long.as_slice(), b"", b"abc"] {
            let mut run = TokenRun::new();
            // Ascending, backwards, and two interleaved rules: what it remembers never changes
            // an answer.
            let n = hay.len();
            let interleaved = (0..=n).flat_map(|at| [at, (at + 1500).min(n)]);
            let order = (0..=n).chain((0..=n).rev()).chain(interleaved);
            for at in order {
                assert_eq!(run.extend(hay, at), extend_token(hay, at), "at {at}");
            }
        }
    }

    /// Windows built with the lazy token walk equal every hit's window, walked to its token
    /// end and merged.
    #[test]
    fn windows_of_equals_merged_hit_windows() {
        let engine = Engine::new(RuleSet::builtin().unwrap(), DetectOptions::default()).unwrap();
        let mut state = 0x2545_F491_u64;
        let mut next = move |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        // Windows after the keyword only, and before and after it.
        let rules = [
            "generic.secret-assignment",
            "generic.xml-setting",
            "deepseek.api-key",
        ];
        for round in 0..300 {
            let ri = engine.rules.index_of(rules[round % 3]).unwrap() as u32;
            let [before, after] = engine.windows[ri as usize];
            let len = 1 + next(4000);
            // Long tokens and short ones, so that ends move by 0..1024 bytes.
            let token_rate = [2, 10, 1000][round / 3 % 3];
            let hay: Vec<u8> = (0..len)
                .map(|_| if next(token_rate) == 0 { b' ' } else { b'a' })
                .collect();
            let mut hits: Vec<(usize, usize)> = (0..next(30))
                .map(|_| {
                    let start = next(len);
                    (start, (start + 3 + next(6)).min(len))
                })
                .collect();
            hits.sort_unstable();
            let mut want: Vec<(usize, usize)> = hits
                .iter()
                .map(|&(s, e)| {
                    let raw = (e + after).min(len);
                    (s.saturating_sub(before), extend_token(&hay, raw))
                })
                .collect();
            merge_windows(&mut want);
            let mut got = Vec::new();
            engine.windows_of(ri, &hay, &hits, &mut got);
            assert_eq!(got, want, "round {round}");
        }
    }

    #[test]
    fn glob_literals() {
        assert_eq!(longest_literal(".env.*"), Some(".env."));
        assert_eq!(
            longest_literal("data-sources-*.json"),
            Some("data-sources-")
        );
        assert_eq!(longest_literal("*.ppk"), Some(".ppk"));
        assert_eq!(longest_literal("[._]netrc"), Some("netrc"));
        assert_eq!(longest_literal("*"), None);
        assert_eq!(longest_literal("{a,b}*"), None);
    }

    /// `kept-index.txt` keeps the prefilter's index for the built-in rules' keywords (with and
    /// without the Rust analysis marks) and for the extra prefixes of their start plans;
    /// `KEYHOUND_BLESS=1` writes it anew.
    #[test]
    fn kept_index_is_current() {
        let rules = RuleSet::builtin().unwrap();
        let mut lines: Vec<(String, bool)> = [true, false]
            .into_iter()
            .map(|rust_analysis| {
                let options = DetectOptions {
                    rust_analysis,
                    ..DetectOptions::default()
                };
                let (literals, _) = Engine::literals(&rules, &options);
                anchors::Anchors::kept_line(&literals)
            })
            .collect();
        let mut extra: Vec<Vec<String>> = rules
            .rules()
            .iter()
            .filter_map(|r| starts::Plan::new(&r.spec.pattern, &r.spec.keywords, r.spec.window[1]))
            .map(|p| p.extra_words)
            .filter(|w| !w.is_empty())
            .collect();
        extra.sort();
        extra.dedup();
        lines.extend(extra.iter().map(|w| anchors::Anchors::kept_line(w)));
        if std::env::var_os("KEYHOUND_BLESS").is_some() {
            let path =
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/detect/kept-index.txt");
            let mut text = String::from(
                "# The prefilter's index for the built-in rules' keywords (src/detect/anchors.rs),\n\
                 # with and without the Rust analysis marks, then for the extra prefixes of start\n\
                 # plans: keyword fingerprint, multiplier, and\n\
                 # the offset of each keyword of 4 bytes or more, in hex. Written by\n\
                 # `KEYHOUND_BLESS=1 cargo test --lib kept_index`.\n",
            );
            for (line, _) in &lines {
                text.push_str(line);
                text.push('\n');
            }
            std::fs::write(path, text).unwrap();
            return;
        }
        // A scan's engine takes its index from the file.
        let engine = Engine::new(RuleSet::builtin().unwrap(), DetectOptions::default()).unwrap();
        assert!(engine.anchors.kept || !lines[0].1);
        for (line, kept) in &lines {
            assert!(
                kept,
                "src/detect/kept-index.txt lacks the line for the built-in keywords ({}...): run `KEYHOUND_BLESS=1 cargo test --lib kept_index`",
                &line[..line.len().min(26)]
            );
        }
    }

    #[test]
    fn merge_windows_joins_overlaps() {
        type Windows = &'static [(usize, usize)];
        let cases: &[(Windows, Windows)] = &[
            (&[], &[]),
            (&[(5, 9)], &[(5, 9)]),
            (&[(5, 9), (0, 6)], &[(0, 9)]),
            (&[(0, 3), (4, 6), (6, 8)], &[(0, 3), (4, 8)]),
        ];
        for (input, want) in cases {
            let mut w = input.to_vec();
            merge_windows(&mut w);
            assert_eq!(&w, want);
        }
    }

    #[test]
    fn deepseek_attribution_follows_the_nearest_context() {
        let key = "sk-4f1a9c2e7b3d8e6f0a5c1b9d2e7f3a8c";
        let cases = [
            (format!("DEEPSEEK_API_KEY={key}"), "DeepSeek", "high"),
            (
                format!("DASHSCOPE_API_KEY={key}"),
                "Alibaba DashScope",
                "high",
            ),
            (format!("KEY={key}"), "DeepSeek or DashScope", "medium"),
            (
                format!("# dashscope docs\n\n\n\n\nbase=https://api.deepseek.com\nKEY={key}"),
                "DeepSeek",
                "high",
            ),
        ];
        for (text, provider, conf) in cases {
            let f: Vec<Finding> = scan(&text)
                .into_iter()
                .filter(|f| f.rule == "deepseek.api-key")
                .collect();
            assert_eq!(f.len(), 1, "{text}");
            assert_eq!(f[0].provider, provider, "{text}");
            assert_eq!(f[0].confidence.to_string(), conf, "{text}");
        }
    }

    #[test]
    fn a_key_glued_to_a_word_is_not_a_key() {
        let deepseek = |t: &str| {
            scan(t)
                .into_iter()
                .filter(|f| f.rule == "deepseek.api-key")
                .count()
        };
        let cases = [
            ("task-4f1a9c2e7b3d8e6f0a5c1b9d2e7f3a8c", 0),
            ("sk-4f1a9c2e7b3d8e6f0a5c1b9d2e7f3a8c9", 0),
            ("\"\\nsk-4f1a9c2e7b3d8e6f0a5c1b9d2e7f3a8c\\n\"", 1),
            ("key%3Dsk-4f1a9c2e7b3d8e6f0a5c1b9d2e7f3a8c", 1),
        ];
        for (text, want) in cases {
            assert_eq!(deepseek(text), want, "{text}");
        }
    }
}

//! Rust sources seen through `syn`: what byte scanning of a `.rs` file cannot see.
//!
//! - `concat!("sk-4f1a", "9c2e…")` joins a key from pieces no byte pattern matches: the pieces
//!   are joined and scanned again, and what is found is reported at the whole `concat!` call.
//! - The name a literal is bound to (const, static, let, struct field, assignment), in any
//!   string form (normal, raw `r#"…"#`, byte `b"…"`): a generic finding bound to a secret-named
//!   const or static is raised from low to medium, and a random-looking value the byte rules
//!   missed becomes a `generic.rust-secret-const` finding.
//! - `env!("…_API_KEY")` / `option_env!` in a file that builds for the browser (it uses
//!   `wasm_bindgen`, `web_sys`, Leptos, Yew or Dioxus): the value is baked into the wasm binary,
//!   reported as `rust.env-secret-in-client` with client exposure and no value.
//!
//! The contract: this only adds to byte scanning. A file is parsed only when a cheap look at
//! its bytes says the tree can matter (a `concat!` of literals that joins into something a rule
//! reports, `env!` in a client file, a low generic finding, a raw string bound to a secret-like
//! name); a file that is not UTF-8, too deep or too large, or that does not parse, keeps its
//! byte findings unchanged. Spans come from `proc-macro2`'s `span-locations`; its per-thread
//! source map is emptied after every file so memory stays bounded by the largest file.

use memchr::memmem;
use proc_macro2::{Delimiter, Span, TokenStream, TokenTree};
use syn::visit::{self, Visit};
use syn::{Expr, Lit, Member, Pat};

use super::{position, Candidate, Engine, Scratch, MAX_DECODE_DEPTH};
use crate::chunk::Chunk;
use crate::finding::{Exposure, Finding};
use crate::rules::Confidence;

const GENERIC_RULE: &str = "generic.secret-assignment";
const CONST_RULE: &str = "generic.rust-secret-const";
const ENV_RULE: &str = "rust.env-secret-in-client";

const ENV_REASON: &str = "env! bakes the value into the wasm binary";

/// Files larger than this are generated code (bindings, tables); parsing them costs much and
/// they are still byte scanned.
const MAX_PARSE_BYTES: usize = 2 << 20;

/// Bracket nesting beyond this is refused before parsing: `syn` recurses per level, and a stack
/// overflow aborts the process where `catch_unwind` cannot help.
const MAX_NESTING: usize = 96;

/// How far before a raw string the pre-check looks for a secret-like name.
const NAME_LOOK: usize = 96;

/// Markers of code that builds for the browser.
const CLIENT_MARKERS: &[&[u8]] = &[b"wasm_bindgen", b"web_sys", b"leptos", b"yew", b"dioxus"];

/// Words that make a binding name secret-like when they end it (`API_KEY`, `client_secret`),
/// and qualifiers that may follow them (`API_KEY_PROD`, `SECRET_KEY_BASE`). A secret word in
/// the middle names something about a secret: `KEY_USAGE`, `TOKEN_URL`, `key_identifier`.
const SECRET_WORDS: &[&str] = &[
    "secret",
    "token",
    "password",
    "passwd",
    "apikey",
    "key",
    "credential",
    "credentials",
];
const QUALIFIERS: &[&str] = &[
    "prod",
    "production",
    "dev",
    "live",
    "test",
    "staging",
    "value",
    "base",
    "bytes",
    "str",
    "string",
];
/// Words before the secret word that make it public or not a credential.
const NOT_SECRET_WORDS: &[&str] = &[
    "public",
    "pub",
    "cache",
    "sort",
    "map",
    "primary",
    "foreign",
    "lookup",
    "partition",
    "hash",
    "header",
    "env",
    "next",
    "prev",
    "last",
    "first",
];

/// Shape of a secret value in source: no whitespace, quotes, brackets or separators, as in
/// the generic rule's value class.
fn value_shaped(v: &[u8]) -> bool {
    (10..=200).contains(&v.len())
        && !v.iter().any(|b| {
            b.is_ascii_whitespace()
                || matches!(
                    b,
                    b'"' | b'\''
                        | b'`'
                        | b';'
                        | b','
                        | b'<'
                        | b'>'
                        | b'('
                        | b')'
                        | b'{'
                        | b'}'
                        | b'['
                        | b']'
                        | b'\\'
                        | b'|'
                        | b'&'
                )
        })
}

/// What the cheap look at the bytes says is worth parsing for.
#[derive(Debug, Clone, Copy, Default)]
struct Wants {
    concat: bool,
    env: bool,
    bindings: bool,
}

impl Wants {
    fn of(hay: &[u8], marks: &[(u8, usize)], findings: &[Finding]) -> Wants {
        let (concat, env) = macro_hints(hay, marks);
        Wants {
            concat,
            env: env && is_client_code(hay),
            bindings: findings
                .iter()
                .any(|f| f.rule == GENERIC_RULE && f.confidence == Confidence::Low)
                || has_raw_string_bound_to_secret_name(hay, marks),
        }
    }

    fn any(self) -> bool {
        self.concat || self.env || self.bindings
    }
}

/// Adds what the syntax tree of a `.rs` file shows to its byte findings; leaves them unchanged
/// when the file is not worth parsing or does not parse. `findings` come back sorted by span.
/// `marks` are where the prefilter saw the words of [`MARKS`] (by index), in any case and
/// any order.
pub(super) fn analyze(
    engine: &Engine,
    chunk: &Chunk<'_>,
    scratch: &mut Scratch,
    marks: &[(u8, usize)],
    findings: &mut Vec<Finding>,
) {
    analyze_with(engine, chunk, scratch, marks, findings, true);
}

/// [`analyze`], with the byte gate before the parse of a file that only has `concat!` calls
/// to offer (`gate`), or without it (tests compare the two).
fn analyze_with(
    engine: &Engine,
    chunk: &Chunk<'_>,
    scratch: &mut Scratch,
    marks: &[(u8, usize)],
    findings: &mut Vec<Finding>,
    gate: bool,
) {
    let hay = chunk.data;
    let wants = Wants::of(hay, marks, findings);
    if !wants.any() || hay.len() > MAX_PARSE_BYTES || nesting(hay) > MAX_NESTING {
        return;
    }
    let Ok(text) = std::str::from_utf8(hay) else {
        return;
    };
    if gate && !wants.env && !wants.bindings {
        // Only `concat!` calls can add anything: the tree is parsed when one of them, found in
        // the bytes, joins into something a rule reports. The tree's calls are among those
        // (the bytes also see calls in comments and strings), and each joins to the same
        // string, so when these add nothing, neither would the tree's.
        let gate = byte_concats(hay);
        if scan_concats(engine, chunk, scratch, &gate, findings).is_empty() {
            findings.sort_by(|a, b| (a.span, &a.rule).cmp(&(b.span, &b.rule)));
            return;
        }
    }
    let Some(sites) = collect(text, wants) else {
        return;
    };
    let mut added = Vec::new();
    if wants.concat && !sites.concats.is_empty() {
        added.extend(scan_concats(
            engine,
            chunk,
            scratch,
            &sites.concats,
            findings,
        ));
    }
    if wants.bindings {
        added.extend(bind(engine, chunk, scratch, &sites.bindings, findings));
    }
    if wants.env {
        // The tree sees every use in the file; the byte rule only those near a marker.
        findings.retain(|f| f.rule != ENV_RULE);
        added.extend(env_findings(engine, chunk, scratch, &sites.envs, findings));
    }
    findings.extend(added);
    findings.sort_by(|a, b| (a.span, &a.rule).cmp(&(b.span, &b.rule)));
}

/// The words the engine's prefilter reports to this module, so that no `.rs` file is searched
/// again for them: the starts of `concat!`, `env!` (and `option_env!`) and raw strings with
/// hashes (`r#"`, `r##…"`). The prefilter folds case; each is checked here as written.
pub(super) const MARKS: [&str; 4] = ["concat!", "env!", "r#\"", "r##"];
const CONCAT_MARK: u8 = 0;
const ENV_MARK: u8 = 1;
const RAW_MARKS: [u8; 2] = [2, 3];

/// The starts of the marks of index `mark` spelled `word`.
fn marked<'a>(
    hay: &'a [u8],
    marks: &'a [(u8, usize)],
    mark: u8,
    word: &'a [u8],
) -> impl Iterator<Item = usize> + 'a {
    marks
        .iter()
        .filter(move |&&(m, at)| m == mark && hay[at..].starts_with(word))
        .map(|&(_, at)| at)
}

/// Whether the file has a `concat!` whose arguments, read as bytes, are all literals (at least
/// two: the only kind the tree can join; macro bodies such as `concat!($name, "…")` fail here),
/// and whether it has an `env!` or `option_env!`.
fn macro_hints(hay: &[u8], marks: &[(u8, usize)]) -> (bool, bool) {
    let concat =
        marked(hay, marks, CONCAT_MARK, b"concat!").any(|at| literal_args(hay, at + 7).is_some());
    let env = marked(hay, marks, ENV_MARK, b"env!").next().is_some();
    (concat, env)
}

/// Where the bytes from `at` hold `( lit , lit , … )` with two or more literals (strings with
/// escapes, raw strings, byte strings, chars and integers, with whitespace and comments between
/// them): the range from the opening to past the closing bracket.
fn literal_args(hay: &[u8], mut at: usize) -> Option<(usize, usize)> {
    at = skip_blank(hay, at);
    let open = at;
    let close = match hay.get(at) {
        Some(b'(') => b')',
        Some(b'[') => b']',
        Some(b'{') => b'}',
        _ => return None,
    };
    at += 1;
    let mut pieces = 0;
    loop {
        at = skip_blank(hay, at);
        match hay.get(at) {
            Some(&c) if c == close => return (pieces >= 2).then_some((open, at + 1)),
            Some(_) => {}
            None => return None,
        }
        at = literal_end(hay, at)?;
        pieces += 1;
        at = skip_blank(hay, at);
        match hay.get(at) {
            Some(b',') => at += 1,
            Some(&c) if c == close => return (pieces >= 2).then_some((open, at + 1)),
            _ => return None,
        }
    }
}

/// Past the whitespace and comments (`//` to the end of the line, `/* */` nested) from `at`.
fn skip_blank(hay: &[u8], mut at: usize) -> usize {
    loop {
        while hay.get(at).is_some_and(u8::is_ascii_whitespace) {
            at += 1;
        }
        match hay.get(at..at + 2) {
            Some(b"//") => {
                at = memchr::memchr(b'\n', &hay[at..]).map_or(hay.len(), |n| at + n);
            }
            Some(b"/*") => {
                let mut depth = 0usize;
                loop {
                    match hay.get(at..at + 2) {
                        Some(b"/*") => {
                            depth += 1;
                            at += 2;
                        }
                        Some(b"*/") => {
                            depth -= 1;
                            at += 2;
                            if depth == 0 {
                                break;
                            }
                        }
                        Some(_) => at += 1,
                        None => return hay.len(),
                    }
                }
            }
            _ => return at,
        }
    }
}

/// Every `concat!` call of two or more literals in the bytes, comments and strings included,
/// with its joined string. A call's span starts at its path (`std::concat!`), as the tree's
/// does. Its own search, not the marks: the tree also takes `concat !(…)`, which the mark
/// `concat!` does not see, and this must find every call the tree finds (it runs only on the
/// few files with a literal `concat!`).
fn byte_concats(hay: &[u8]) -> Vec<ConcatSite> {
    let mut out = Vec::new();
    for at in memmem::find_iter(hay, b"concat") {
        if at > 0 && is_ident_byte(hay[at - 1]) {
            continue;
        }
        let bang = skip_blank(hay, at + 6);
        if hay.get(bang) != Some(&b'!') {
            continue;
        }
        let Some((open, end)) = literal_args(hay, bang + 1) else {
            continue;
        };
        let Ok(args) = std::str::from_utf8(&hay[open..end]) else {
            continue;
        };
        let joined = match args.parse::<TokenStream>().map(|t| t.into_iter().next()) {
            Ok(Some(TokenTree::Group(g))) => join_literals(&g.stream()),
            _ => None,
        };
        let Some(joined) = joined else { continue };
        let mut start = at;
        while start >= 2 && &hay[start - 2..start] == b"::" {
            let ident = hay[..start - 2]
                .iter()
                .rev()
                .take_while(|&&b| is_ident_byte(b))
                .count();
            if ident == 0 {
                break;
            }
            start -= 2 + ident;
        }
        out.push(ConcatSite {
            span: (start, end),
            joined,
        });
    }
    proc_macro2::extra::invalidate_current_thread_spans();
    out
}

/// The end of the literal token starting at `at`, if one starts there.
fn literal_end(hay: &[u8], at: usize) -> Option<usize> {
    let mut i = at;
    if hay.get(i) == Some(&b'b') || hay.get(i) == Some(&b'c') {
        i += 1;
    }
    match hay.get(i)? {
        b'r' => {
            i += 1;
            let hashes = hay[i..].iter().take_while(|&&b| b == b'#').count();
            i += hashes;
            if hay.get(i) != Some(&b'"') {
                return None;
            }
            let mut closing = vec![b'"'];
            closing.extend(std::iter::repeat_n(b'#', hashes));
            memmem::find(&hay[i + 1..], &closing).map(|e| i + 1 + e + closing.len())
        }
        q @ (b'"' | b'\'') => {
            let q = *q;
            i += 1;
            while let Some(&b) = hay.get(i) {
                match b {
                    b'\\' => i += 2,
                    _ if b == q => return Some(i + 1),
                    _ => i += 1,
                }
            }
            None
        }
        b'0'..=b'9' if i == at => {
            let n = hay[i..]
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
                .count();
            Some(i + n)
        }
        _ => None,
    }
}

fn is_client_code(hay: &[u8]) -> bool {
    CLIENT_MARKERS
        .iter()
        .any(|m| memmem::find(hay, m).is_some())
}

/// A raw string with hashes bound, by the bytes just before it, to a name with a secret-like
/// word (`NAME: &str = r#"`, `name = br#"`, `name: r#"`): no byte rule reads those strings in
/// every binding, the tree can.
fn has_raw_string_bound_to_secret_name(hay: &[u8], marks: &[(u8, usize)]) -> bool {
    // Only `r#"` needs the tree: the generic rule reads `b"…"` and `r"…"` bound to its names.
    let mut raw = marks
        .iter()
        .filter(|&&(m, at)| RAW_MARKS.contains(&m) && hay[at..].starts_with(b"r#"))
        .map(|&(_, at)| at);
    raw.any(|r| {
        let hashes = hay[r + 1..].iter().take_while(|&&b| b == b'#').count();
        if hay.get(r + 1 + hashes) != Some(&b'"') {
            return false;
        }
        let at = if r > 0 && hay[r - 1] == b'b' {
            r - 1
        } else {
            r
        };
        if at > 0 && is_ident_byte(hay[at - 1]) {
            return false;
        }
        let before = &hay[at.saturating_sub(NAME_LOOK)..at];
        let start = before
            .iter()
            .rposition(|b| matches!(b, b'\n' | b';' | b'{' | b'(' | b','))
            .map_or(0, |i| i + 1);
        let statement = before[start..].trim_ascii_end();
        let statement = statement.strip_suffix(b"&").unwrap_or(statement);
        matches!(statement.trim_ascii_end().last(), Some(b'=' | b':')) && secret_word_in(statement)
    })
}

fn secret_word_in(b: &[u8]) -> bool {
    [&b"secret"[..], b"token", b"passw", b"key"]
        .iter()
        .any(|w| b.windows(w.len()).any(|x| x.eq_ignore_ascii_case(w)))
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The deepest bracket nesting, counted on the bytes (strings and comments included, which
/// can only make a file look deeper than it is, or shallower by a closing bracket in a string;
/// the limit leaves room for that).
fn nesting(hay: &[u8]) -> usize {
    let mut depth = 0usize;
    let mut max = 0usize;
    for &b in hay {
        match b {
            b'(' | b'[' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// A `concat!` call whose arguments are all literals: its byte span and the joined string.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ConcatSite {
    span: (usize, usize),
    joined: String,
}

/// An `env!`/`option_env!` of a secret-like name: the span of the name's characters.
#[derive(Debug, Clone, PartialEq, Eq)]
struct EnvSite {
    name_span: (usize, usize),
}

/// What a literal is bound to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Binding {
    /// `const` or `static` (items, impl and trait consts).
    Const,
    /// `let`, struct field initialisers, assignments.
    Local,
}

/// A string literal bound to a secret-like name: the span of its characters between quotes.
#[derive(Debug, Clone, PartialEq, Eq)]
struct BindingSite {
    binding: Binding,
    value_span: (usize, usize),
}

#[derive(Debug, Default)]
struct Sites {
    concats: Vec<ConcatSite>,
    envs: Vec<EnvSite>,
    bindings: Vec<BindingSite>,
}

/// Parses the file and collects the sites `wants` asks for; `None` when it does not parse.
fn collect(text: &str, wants: Wants) -> Option<Sites> {
    // `syn::parse_file` strips these itself, which would shift every offset; strip them here
    // and keep the offset.
    let mut base = if text.starts_with('\u{feff}') { 3 } else { 0 };
    if text[base..].starts_with("#!") && !text[base + 2..].trim_start().starts_with('[') {
        base += text[base..].find('\n').unwrap_or(text.len() - base);
    }
    let src = &text[base..];
    let parsed = syn::parse_str::<syn::File>(src);
    let sites = parsed.ok().map(|file| {
        let mut c = Collector {
            src,
            base,
            wants,
            sites: Sites::default(),
            in_test: 0,
        };
        c.visit_file(&file);
        c.sites
    });
    // Spans index a per-thread source map that grows with every parsed file; all offsets are
    // resolved by now.
    proc_macro2::extra::invalidate_current_thread_spans();
    let mut sites = sites?;
    sites.concats.sort_by_key(|c| c.span);
    sites.concats.dedup();
    sites.envs.sort_by_key(|e| e.name_span);
    sites.envs.dedup();
    sites.bindings.sort_by_key(|b| b.value_span);
    sites.bindings.dedup_by_key(|b| b.value_span);
    Some(sites)
}

struct Collector<'s> {
    src: &'s str,
    base: usize,
    wants: Wants,
    sites: Sites,
    /// Inside a `#[test]` function or a `#[cfg(test)]` module: bound literals there are test
    /// vectors (`let key = "2b7e1516…"`), not new findings.
    in_test: usize,
}

impl Collector<'_> {
    fn offset(&self, span: Span, end: bool) -> usize {
        let r = span.byte_range();
        self.base + if end { r.end } else { r.start }
    }

    /// The characters of a string literal between its quotes (any prefix, raw hashes and
    /// suffix left out), as a file offset range.
    fn literal_content(&self, span: Span) -> Option<(usize, usize)> {
        let r = span.byte_range();
        let token = self.src.get(r.clone())?;
        let open = token.find('"')? + 1;
        let close = token.rfind('"')?;
        (open < close).then(|| (self.base + r.start + open, self.base + r.start + close))
    }

    fn bound(&mut self, name: &str, binding: Binding, expr: &Expr) {
        if !self.wants.bindings || self.in_test > 0 || !secret_like(name) {
            return;
        }
        let Some(lit) = literal_of(expr) else { return };
        let span = match lit {
            Lit::Str(s) => s.span(),
            Lit::ByteStr(b) => b.span(),
            _ => return,
        };
        if let Some(value_span) = self.literal_content(span) {
            self.sites.bindings.push(BindingSite {
                binding,
                value_span,
            });
        }
    }

    /// One macro call: `name!` at `start`, arguments `tokens`, ending at `end`. Then the macro
    /// calls nested in its tokens, which `syn` leaves unparsed.
    fn macro_call(&mut self, name: &str, start: usize, end: usize, tokens: &TokenStream) {
        match name {
            "concat" if self.wants.concat => {
                if let Some(joined) = join_literals(tokens) {
                    self.sites.concats.push(ConcatSite {
                        span: (start, end),
                        joined,
                    });
                }
            }
            "env" | "option_env" if self.wants.env => {
                if let Some(TokenTree::Literal(lit)) = tokens.clone().into_iter().next() {
                    let span = lit.span();
                    if let Lit::Str(s) = Lit::new(lit) {
                        if secret_like(&s.value()) {
                            if let Some(name_span) = self.literal_content(span) {
                                self.sites.envs.push(EnvSite { name_span });
                            }
                        }
                    }
                }
            }
            _ => {}
        }
        self.nested_macros(tokens);
    }

    fn nested_macros(&mut self, tokens: &TokenStream) {
        let trees: Vec<TokenTree> = tokens.clone().into_iter().collect();
        for (i, tree) in trees.iter().enumerate() {
            match tree {
                TokenTree::Ident(ident) => {
                    let bang =
                        matches!(trees.get(i + 1), Some(TokenTree::Punct(p)) if p.as_char() == '!');
                    if let (true, Some(TokenTree::Group(g))) = (bang, trees.get(i + 2)) {
                        if g.delimiter() != Delimiter::None {
                            let start = self.offset(ident.span(), false);
                            let end = self.offset(g.span_close(), true);
                            self.macro_call(&ident.to_string(), start, end, &g.stream());
                        }
                    }
                }
                TokenTree::Group(g) => {
                    let after_bang = i >= 2
                        && matches!(&trees[i - 1], TokenTree::Punct(p) if p.as_char() == '!')
                        && matches!(&trees[i - 2], TokenTree::Ident(_));
                    if !after_bang {
                        self.nested_macros(&g.stream());
                    }
                }
                _ => {}
            }
        }
    }
}

impl<'ast> Visit<'ast> for Collector<'_> {
    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        if let (Some(first), Some(last)) = (m.path.segments.first(), m.path.segments.last()) {
            let start = self.offset(first.ident.span(), false);
            let close = match &m.delimiter {
                syn::MacroDelimiter::Paren(d) => d.span.close(),
                syn::MacroDelimiter::Brace(d) => d.span.close(),
                syn::MacroDelimiter::Bracket(d) => d.span.close(),
            };
            let end = self.offset(close, true);
            self.macro_call(&last.ident.to_string(), start, end, &m.tokens);
        }
        visit::visit_macro(self, m);
    }

    fn visit_item_mod(&mut self, node: &'ast syn::ItemMod) {
        let test = is_test(&node.attrs);
        self.in_test += usize::from(test);
        visit::visit_item_mod(self, node);
        self.in_test -= usize::from(test);
    }

    fn visit_item_fn(&mut self, node: &'ast syn::ItemFn) {
        let test = is_test(&node.attrs);
        self.in_test += usize::from(test);
        visit::visit_item_fn(self, node);
        self.in_test -= usize::from(test);
    }

    fn visit_item_const(&mut self, node: &'ast syn::ItemConst) {
        self.bound(&node.ident.to_string(), Binding::Const, &node.expr);
        visit::visit_item_const(self, node);
    }

    fn visit_item_static(&mut self, node: &'ast syn::ItemStatic) {
        self.bound(&node.ident.to_string(), Binding::Const, &node.expr);
        visit::visit_item_static(self, node);
    }

    fn visit_impl_item_const(&mut self, node: &'ast syn::ImplItemConst) {
        self.bound(&node.ident.to_string(), Binding::Const, &node.expr);
        visit::visit_impl_item_const(self, node);
    }

    fn visit_trait_item_const(&mut self, node: &'ast syn::TraitItemConst) {
        if let Some((_, expr)) = &node.default {
            self.bound(&node.ident.to_string(), Binding::Const, expr);
        }
        visit::visit_trait_item_const(self, node);
    }

    fn visit_local(&mut self, node: &'ast syn::Local) {
        if let (Some(name), Some(init)) = (pat_name(&node.pat), &node.init) {
            self.bound(&name, Binding::Local, &init.expr);
        }
        visit::visit_local(self, node);
    }

    fn visit_field_value(&mut self, node: &'ast syn::FieldValue) {
        if let Member::Named(ident) = &node.member {
            self.bound(&ident.to_string(), Binding::Local, &node.expr);
        }
        visit::visit_field_value(self, node);
    }

    fn visit_expr_assign(&mut self, node: &'ast syn::ExprAssign) {
        let name = match &*node.left {
            Expr::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
            Expr::Field(f) => match &f.member {
                Member::Named(ident) => Some(ident.to_string()),
                Member::Unnamed(_) => None,
            },
            _ => None,
        };
        if let Some(name) = name {
            self.bound(&name, Binding::Local, &node.right);
        }
        visit::visit_expr_assign(self, node);
    }
}

/// `#[test]`, `#[cfg(test)]` and the test attributes of async runtimes (`#[tokio::test]`).
fn is_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        let path = a.path();
        if path.segments.last().is_some_and(|s| s.ident == "test") {
            return true;
        }
        match &a.meta {
            syn::Meta::List(l) if path.is_ident("cfg") => l
                .tokens
                .clone()
                .into_iter()
                .any(|t| matches!(t, TokenTree::Ident(i) if i == "test")),
            _ => false,
        }
    })
}

fn pat_name(pat: &Pat) -> Option<String> {
    match pat {
        Pat::Ident(p) => Some(p.ident.to_string()),
        Pat::Type(t) => pat_name(&t.pat),
        _ => None,
    }
}

/// The literal an expression is made of, through the conversions code wraps literals in:
/// `&"…"`, `"…".to_string()`, `String::from("…")`, `Some("…")`.
fn literal_of(expr: &Expr) -> Option<&Lit> {
    match expr {
        Expr::Lit(l) => Some(&l.lit),
        Expr::Reference(r) => literal_of(&r.expr),
        Expr::Paren(p) => literal_of(&p.expr),
        Expr::Group(g) => literal_of(&g.expr),
        Expr::MethodCall(m) if m.args.is_empty() => {
            let method = m.method.to_string();
            matches!(
                method.as_str(),
                "to_string" | "to_owned" | "into" | "as_bytes" | "as_str" | "to_vec"
            )
            .then(|| literal_of(&m.receiver))
            .flatten()
        }
        Expr::Call(c) if c.args.len() == 1 => {
            let Expr::Path(f) = &*c.func else { return None };
            let last = f.path.segments.last()?.ident.to_string();
            matches!(last.as_str(), "from" | "new" | "Some" | "from_static")
                .then(|| c.args.first().and_then(literal_of))
                .flatten()
        }
        _ => None,
    }
}

/// The joined value of `concat!` arguments when every one is a string, char or integer
/// literal and there are at least two; `None` otherwise.
fn join_literals(tokens: &TokenStream) -> Option<String> {
    let mut joined = String::new();
    let mut pieces = 0;
    let mut expect_literal = true;
    for tree in tokens.clone() {
        match (expect_literal, tree) {
            (true, TokenTree::Literal(lit)) => {
                match Lit::new(lit) {
                    Lit::Str(s) => joined.push_str(&s.value()),
                    Lit::Char(c) => joined.push(c.value()),
                    Lit::Int(i) => joined.push_str(i.base10_digits()),
                    _ => return None,
                }
                pieces += 1;
                expect_literal = false;
            }
            (false, TokenTree::Punct(p)) if p.as_char() == ',' => expect_literal = true,
            _ => return None,
        }
    }
    (pieces >= 2).then_some(joined)
}

/// Splits an identifier into lowercase words at `_` and lower-to-upper case changes.
fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for ch in name.chars() {
        if ch == '_' || ch == '-' {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if ch.is_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = ch.is_lowercase() || ch.is_ascii_digit();
        cur.extend(ch.to_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// A binding name that says it holds a secret: `API_KEY`, `clientSecret`, `auth_token`,
/// `API_KEY_PROD`, but not `API_KEY_HEADER`, `token_url` or `PUBLIC_KEY`.
fn secret_like(name: &str) -> bool {
    let mut w = words(name);
    while w.len() > 1
        && w.last().is_some_and(|x| {
            QUALIFIERS.contains(&x.as_str()) || x.bytes().all(|b| b.is_ascii_digit())
        })
    {
        w.pop();
    }
    w.last().is_some_and(|x| SECRET_WORDS.contains(&x.as_str()))
        && !w.iter().any(|x| NOT_SECRET_WORDS.contains(&x.as_str()))
}

/// Scans the file again with every literal `concat!` replaced by the string it produces, and
/// reports what is found inside a replacement at the whole call. The rest of the file stays, so
/// context words still decide the provider.
fn scan_concats(
    engine: &Engine,
    chunk: &Chunk<'_>,
    scratch: &mut Scratch,
    concats: &[ConcatSite],
    existing: &[Finding],
) -> Vec<Finding> {
    let hay = chunk.data;
    let mut virt: Vec<u8> = Vec::with_capacity(hay.len());
    // (start, end) in `virt` of each joined string, and the call it replaces.
    let mut regions: Vec<((usize, usize), (usize, usize))> = Vec::new();
    let mut at = 0;
    for c in concats {
        let (s, e) = c.span;
        if s < at || e > hay.len() || s >= e {
            continue;
        }
        virt.extend_from_slice(&hay[at..s]);
        virt.push(b'"');
        let vs = virt.len();
        virt.extend_from_slice(c.joined.as_bytes());
        regions.push(((vs, virt.len()), (s, e)));
        virt.push(b'"');
        at = e;
    }
    if regions.is_empty() {
        return Vec::new();
    }
    virt.extend_from_slice(&hay[at..]);
    let inner = Chunk {
        provenance: chunk.provenance.clone(),
        data: &virt,
    };
    // The joined file is neither analysed again nor decoded again: both ran on the real file.
    let depth = scratch.depth;
    scratch.depth = MAX_DECODE_DEPTH;
    let found = engine.scan(&inner, scratch);
    scratch.depth = depth;

    let mut lines = position::LineIndex::new(hay);
    let spans: Vec<(usize, usize)> = existing.iter().map(|f| f.span).collect();
    let mut out = Vec::new();
    for mut f in found {
        let Some(&(_, (s, e))) = regions
            .iter()
            .find(|((vs, ve), _)| *vs <= f.span.0 && f.span.1 <= *ve)
        else {
            continue;
        };
        let known = existing
            .iter()
            .any(|x| x.secret_sha256 == f.secret_sha256 && x.span.0 < e && s < x.span.1);
        if known {
            continue;
        }
        (f.line, f.column) = lines.position(s);
        (f.end_line, f.end_column) = lines.position(e);
        let shown = if engine.options.show_secrets {
            f.raw.clone()
        } else {
            f.redacted.clone()
        };
        f.frame = position::frame(hay, s, e, &shown, &spans, engine.options.show_secrets);
        f.span = (s, e);
        out.push(f);
    }
    out
}

/// Raises generic findings bound to a secret-named const or static, and reports bound values
/// no byte rule found.
fn bind(
    engine: &Engine,
    chunk: &Chunk<'_>,
    scratch: &Scratch,
    sites: &[BindingSite],
    findings: &mut [Finding],
) -> Vec<Finding> {
    let Some((ri, rule)) = rule_index(engine, CONST_RULE) else {
        return Vec::new();
    };
    let mut cands = Vec::new();
    let mut confidences = Vec::new();
    for site in sites {
        let (s, e) = site.value_span;
        let mut seen = false;
        for f in findings.iter_mut().filter(|f| f.span.0 < e && s < f.span.1) {
            seen = true;
            let inside = s <= f.span.0 && f.span.1 <= e;
            if inside
                && site.binding == Binding::Const
                && f.rule == GENERIC_RULE
                && f.confidence == Confidence::Low
            {
                f.confidence = Confidence::Medium;
            }
        }
        if !seen && value_shaped(&chunk.data[s..e]) && engine.accept(rule, chunk.data, s, e) {
            cands.push(Candidate {
                rule: ri,
                start: s,
                end: e,
                value: None,
            });
            confidences.push(match site.binding {
                Binding::Const => Confidence::Medium,
                Binding::Local => Confidence::Low,
            });
        }
    }
    let mut out = engine.to_findings(chunk, &cands, scratch);
    for (f, c) in out.iter_mut().zip(confidences) {
        f.confidence = c;
    }
    out
}

/// One value-less finding per secret-like `env!` name: the place, not the value, which lives
/// in the build environment.
fn env_findings(
    engine: &Engine,
    chunk: &Chunk<'_>,
    scratch: &Scratch,
    sites: &[EnvSite],
    existing: &[Finding],
) -> Vec<Finding> {
    let Some((ri, _)) = rule_index(engine, ENV_RULE) else {
        return Vec::new();
    };
    let cands: Vec<Candidate> = sites
        .iter()
        .filter(|site| {
            let (s, e) = site.name_span;
            !existing.iter().any(|f| f.span.0 < e && s < f.span.1)
        })
        .map(|site| Candidate {
            rule: ri,
            start: site.name_span.0,
            end: site.name_span.1,
            value: None,
        })
        .collect();
    let mut out = engine.to_findings(chunk, &cands, scratch);
    for f in &mut out {
        f.exposure = Exposure::Client;
        f.exposure_reason = ENV_REASON.to_string();
        // The name is no secret: keep it readable, and never hand it to a verifier.
        f.redacted = f.raw.clone();
        f.secret = None;
        f.raw.clear();
    }
    out
}

fn rule_index<'e>(engine: &'e Engine, id: &str) -> Option<(u32, &'e crate::rules::Rule)> {
    engine
        .rules
        .rules()
        .iter()
        .enumerate()
        .find(|(_, r)| r.id() == id)
        .map(|(i, r)| (i as u32, r))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The marks as the engine's prefilter reports them.
    fn marks_of(hay: &[u8]) -> Vec<(u8, usize)> {
        let words: Vec<String> = MARKS.iter().map(|m| m.to_string()).collect();
        let mut marks = Vec::new();
        crate::detect::anchors::Anchors::new(&words)
            .for_each(hay, |m, start, _| marks.push((m as u8, start)));
        marks
    }

    #[test]
    fn names_that_say_secret() {
        let cases = [
            ("API_KEY", true),
            ("DEEPSEEK_API_KEY", true),
            ("clientSecret", true),
            ("auth_token", true),
            ("DB_PASSWORD", true),
            ("STRIPE_KEY", true),
            ("API_KEY_HEADER", false),
            ("token_url", false),
            ("SECRET_ENV_VAR", false),
            ("PUBLIC_KEY", false),
            ("cache_key", false),
            ("monkey", false),
            ("keyboard", false),
            ("CARGO_PKG_VERSION", false),
            ("API_KEY_PROD", true),
            ("SECRET_KEY_BASE", true),
            ("LN_subject_key_identifier", false),
            ("SN_private_key_usage_period", false),
            ("setct_CapTokenTBS", false),
        ];
        for (name, want) in cases {
            assert_eq!(secret_like(name), want, "{name}");
        }
    }

    #[test]
    fn concat_joins_only_literals() {
        let cases: &[(&str, Option<&str>)] = &[
            (r#""sk-4f1a", "9c2e""#, Some("sk-4f1a9c2e")),
            (r#""a", 'b', 7,"#, Some("ab7")),
            (r##"r#"x"#, "y""##, Some("xy")),
            (r#""only""#, None),
            (r#"env!("X"), "y""#, None),
            (r#""a" "b""#, None),
            ("", None),
        ];
        for (args, want) in cases {
            let tokens: TokenStream = args.parse().expect("test input tokenizes");
            assert_eq!(join_literals(&tokens).as_deref(), *want, "{args}");
        }
        proc_macro2::extra::invalidate_current_thread_spans();
    }

    #[test]
    fn cheap_pre_checks() {
        let cases: &[(&str, bool, bool)] = &[
            // (text, has a literal concat!, has a raw/byte string near a secret word)
            (r#"const K: &str = concat!("sk-", "abc");"#, true, false),
            (r#"concat!(env!("CARGO_PKG_NAME"), "/x")"#, false, false),
            (r##"let api_secret = r#"Zx9vQ2"#;"##, false, true),
            (r#"let data = b"bytes";"#, false, false),
            (r#"const TOKEN: &[u8] = b"x";"#, false, false),
            (r##"const TOKEN: &[u8] = br#"x"#;"##, false, true),
            (r#"let bar"x";"#, false, false),
            (r#"concat!($name, "x")"#, false, false),
            (r#"concat!("a", stringify!(b))"#, false, false),
            (r##"concat!( r#"a"#, 'b', 1, b"c" )"##, true, false),
            (r#"concat!("a\"", "b")"#, true, false),
            (r#"map.insert(key, b"value");"#, false, false),
            (r##"client_secret: r#"x"#,"##, false, true),
            (r##"let s = format!(r#"{key}"#);"##, false, false),
            (r###"const API_TOKEN: &str = r##"x"##;"###, false, true),
            (r#"const K: &str = CONCAT!("sk-", "abc");"#, false, false),
            (
                r#"let r#type = 1; const K: &str = std::concat!("a", 'b');"#,
                true,
                false,
            ),
        ];
        for (text, concat, raw) in cases {
            let marks = marks_of(text.as_bytes());
            assert_eq!(macro_hints(text.as_bytes(), &marks).0, *concat, "{text}");
            assert_eq!(
                has_raw_string_bound_to_secret_name(text.as_bytes(), &marks),
                *raw,
                "{text}"
            );
        }
    }

    #[test]
    fn env_hints() {
        let cases = [
            (r#"const K: &str = env!("API_KEY");"#, true),
            (r#"let k = option_env!("API_KEY");"#, true),
            (r#"let v = std::env::var("API_KEY");"#, false),
            ("if a != b { environment(); }", false),
        ];
        for (text, want) in cases {
            let marks = marks_of(text.as_bytes());
            assert_eq!(macro_hints(text.as_bytes(), &marks).1, want, "{text}");
        }
    }

    #[test]
    fn offsets_survive_a_bom_and_a_shebang() {
        let wants = Wants {
            concat: true,
            env: false,
            bindings: false,
        };
        for prefix in ["", "\u{feff}", "#!/usr/bin/env run-cargo-script\n"] {
            let text = format!("{prefix}const K: &str = concat!(\"ab\", \"cd\");\n");
            let sites = collect(&text, wants).expect("parses");
            let at = text.find("concat!").expect("present");
            let end = text.find(';').expect("present");
            assert_eq!(sites.concats[0].span, (at, end), "{prefix:?}");
        }
        assert!(collect("fn (", wants).is_none());
    }

    #[test]
    fn concats_in_the_bytes_are_the_trees_and_more() {
        let wants = Wants {
            concat: true,
            env: false,
            bindings: false,
        };
        let text = concat!(
            "const A: &str = std::concat!(\"ab\", /* two */ \"cd\");\n",
            "const B: &str = concat ! [ 'x' , // line\n 7 , r#\"y\"# , ];\n",
            "const C: &str = concat!(concat!(\"p\", \"q\"), \"r\");\n",
            "// concat!(\"in\", \"comment\")\n",
            "macro_rules! m { ($x:expr) => { concat!($x, \"s\") }; }\n",
            "const D: &str = myconcat!(\"n\", \"o\");\n",
        );
        let tree = collect(text, wants).expect("parses").concats;
        let bytes = byte_concats(text.as_bytes());
        let joined = |sites: &[ConcatSite]| -> Vec<String> {
            sites.iter().map(|c| c.joined.clone()).collect()
        };
        assert_eq!(joined(&tree), ["abcd", "x7y", "pq"]);
        assert_eq!(joined(&bytes), ["abcd", "x7y", "pq", "incomment"]);
        assert_eq!(&bytes[..3], &tree[..], "same spans");
        assert_eq!(
            &text[bytes[0].span.0..bytes[0].span.1],
            "std::concat!(\"ab\", /* two */ \"cd\")"
        );
        // An unclosed comment or call ends the look, not the process.
        for text in [
            "concat!(\"a\", /* \"b\")",
            "concat!(\"a\", \"b\"",
            "concat!",
        ] {
            assert!(byte_concats(text.as_bytes()).is_empty(), "{text}");
        }
    }

    #[test]
    fn the_byte_gate_changes_no_finding() {
        let engine = Engine::new(
            crate::rules::RuleSet::builtin().expect("built-in rules load"),
            crate::detect::DetectOptions::default(),
        )
        .expect("the engine builds");
        let key = r#""sk-4f1a9c2e", "7b3d8e6f0a5c", "1b9d2e7f3a8c""#;
        let texts = [
            // The joined key is found: the gate opens and the tree reports it.
            format!("// api.deepseek.com\nconst K: &str = concat!({key});\n"),
            // Comments between the pieces.
            "// api.deepseek.com\nconst K: &str = concat!(\"sk-4f1a9c2e\", // a\n \"7b3d8e6f0a5c\", /* b */ \"1b9d2e7f3a8c\");\n".to_string(),
            // Only in a comment: the gate opens, the tree has no call.
            format!("// api.deepseek.com\n// concat!({key})\nfn f() {{ let _ = concat!(\"a\", \"b\"); }}\n"),
            // Harmless joins: the gate stays shut.
            "const V: &str = concat!(\"v\", \"1.2\", \".3\");\nconst W: &str = concat!(env!(\"X\"), \"/y\");\n".to_string(),
            // A key in the clear next to a harmless join.
            "const V: &str = concat!(\"v\", \"1\");\n// api.deepseek.com\nconst K: &str = \"sk-4f1a9c2e7b3d8e6f0a5c1b9d2e7f3a8c\";\n".to_string(),
            // Does not parse.
            format!("// api.deepseek.com\nconst K: &str = concat!({key}) fn (\n"),
        ];
        let mut opened = 0;
        for text in &texts {
            let chunk = Chunk {
                provenance: crate::chunk::Provenance::File {
                    path: "a.rs".into(),
                },
                data: text.as_bytes(),
            };
            let mut scratch = engine.scratch();
            let bytes = engine.scan(
                &Chunk {
                    provenance: crate::chunk::Provenance::File {
                        path: "a.txt".into(),
                    },
                    data: text.as_bytes(),
                },
                &mut scratch,
            );
            let mut gated = bytes.clone();
            let marks = marks_of(text.as_bytes());
            analyze_with(&engine, &chunk, &mut scratch, &marks, &mut gated, true);
            let mut tree = bytes.clone();
            analyze_with(&engine, &chunk, &mut scratch, &marks, &mut tree, false);
            let summary = |f: &[Finding]| -> Vec<(String, (usize, usize))> {
                f.iter().map(|f| (f.rule.clone(), f.span)).collect()
            };
            assert_eq!(summary(&gated), summary(&tree), "{text}");
            opened += usize::from(tree.len() > bytes.len());
        }
        assert_eq!(opened, 2, "the joined keys are found");
    }
}

//! Rules are data. This module owns the rule file format (`rules/*.toml`, `--rules FILE`), its
//! validation, and the immutable [`RuleSet`] the engine is built from.
//!
//! The contract: a rule that loads is usable. Every field is checked when the file is read
//! (ids, keywords, regex syntax and size, confidence, verifier placement), and an error names
//! the file and the rule. Regexes of built-in rules compile lazily on first use so that start-up
//! stays in milliseconds; `keyhound rules check` and the test suite compile all of them.

pub mod docs;
mod format;
pub mod published;
mod structure;

pub use format::{
    files_globset, AccessSpec, AnswerKind, Attribution, Decode, Partner, RuleFile, RuleSpec,
    VerifySpec, ACCESS_SOURCES, SIGNERS,
};
pub use structure::{base62_checksum, Check};

use std::fmt;
use std::path::Path;
use std::sync::OnceLock;

use anyhow::{bail, Context, Result};
use regex::bytes::{Regex, RegexBuilder};
use serde::{Deserialize, Serialize};

mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));
}

/// A regex larger than this once compiled is refused: it would make every scan slow.
const REGEX_SIZE_LIMIT: usize = 4 << 20;

/// How sure a rule is that a match is a real secret of its provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        })
    }
}

/// Where a rule came from; verifiers are honoured only from trusted origins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Builtin(&'static str),
    /// A file the operator passed with `--rules`.
    Operator(String),
    /// A configuration file (`.keyhound.toml`); its rules never carry a verifier, since the
    /// file may come from the scanned tree.
    Config(String),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Builtin(name) => write!(f, "rules/{name} (built in)"),
            Origin::Operator(path) | Origin::Config(path) => f.write_str(path),
        }
    }
}

/// One validated rule. The regex is compiled on first use.
#[derive(Debug)]
pub struct Rule {
    /// Boxed: a `RuleSpec` is a kilobyte, and a `Rule` is moved while the set is built and
    /// sorted (fresh memory is most of what a scan's start-up costs).
    pub spec: Box<RuleSpec>,
    pub origin: Origin,
    /// `Err` holds the compile error: a rule whose regex does not compile finds nothing
    /// (and `rules check` reports it) instead of bringing the scan down.
    regex: OnceLock<Result<Regex, String>>,
    secret_group: OnceLock<usize>,
    /// The verifier's `partner` pattern, compiled on first use.
    partner: OnceLock<Option<Regex>>,
    /// The `pair` pattern, compiled on first use.
    pair: OnceLock<Option<Regex>>,
    /// A built-in rule loaded for a scan: its file's prose (`[description, remediation,
    /// references]` per rule, as JSON) and its place there, read on first use into `prose`.
    lazy: Option<(&'static str, usize)>,
    prose: OnceLock<Prose>,
}

/// A rule's `description`, `remediation` and `references`.
type Prose = (String, String, Vec<String>);

impl Rule {
    fn new(spec: RuleSpec, origin: Origin) -> Self {
        Rule {
            spec: Box::new(spec),
            origin,
            regex: OnceLock::new(),
            secret_group: OnceLock::new(),
            partner: OnceLock::new(),
            pair: OnceLock::new(),
            lazy: None,
            prose: OnceLock::new(),
        }
    }

    /// The prose of a built-in rule loaded for a scan, parsed on first use; `None` for a rule
    /// whose spec holds it.
    fn prose(&self) -> Option<&Prose> {
        let (json, i) = self.lazy?;
        Some(self.prose.get_or_init(|| {
            // The JSON was made from the rule files by build.rs, and a test reads all of it.
            let mut all: Vec<Prose> = serde_json::from_str(json).unwrap_or_default();
            if i < all.len() {
                all.swap_remove(i)
            } else {
                Prose::default()
            }
        }))
    }

    /// What the rule finds and why it matters (the spec's `description`).
    pub fn description(&self) -> &str {
        self.prose().map_or(&self.spec.description, |p| &p.0)
    }

    /// Where the owner revokes or rotates the key (the spec's `remediation`).
    pub fn remediation(&self) -> &str {
        self.prose().map_or(&self.spec.remediation, |p| &p.1)
    }

    /// The provider's documentation (the spec's `references`).
    pub fn references(&self) -> &[String] {
        self.prose().map_or(&self.spec.references, |p| &p.2)
    }

    /// Whether this rule's verifiers may be used: only built-in rules and the operator's
    /// `--rules` files choose where a secret is sent.
    pub fn trusted(&self) -> bool {
        matches!(self.origin, Origin::Builtin(_) | Origin::Operator(_))
    }

    /// The value the verifier pairs with the secret at `start..end` of `hay` (an AWS access
    /// key id, a Twilio Account SID): the match of the verifier's `partner` pattern nearest to
    /// the secret and not overlapping it, as a byte range. `None` when the verifier has no
    /// partner or none is within its window.
    pub fn find_partner(&self, hay: &[u8], start: usize, end: usize) -> Option<(usize, usize)> {
        let spec = self.spec.verify.as_ref()?.partner.as_ref()?;
        nearest(&self.partner, spec, hay, start, end)
    }

    /// The partner of a paired secret (the rule's `pair`) nearest to `start..end`, as
    /// [`Rule::find_partner`] finds the verifier's. `None` for a rule without `pair`.
    pub fn find_pair(&self, hay: &[u8], start: usize, end: usize) -> Option<(usize, usize)> {
        nearest(&self.pair, self.spec.pair.as_ref()?, hay, start, end)
    }

    /// Every match of the `pair` pattern that starts at or after `from` and ends by `to`, in
    /// order (the bytes before `from` are seen as context), appended to `out`. Nothing for a
    /// rule without `pair`.
    pub fn pairs_in(&self, hay: &[u8], from: usize, to: usize, out: &mut Vec<(usize, usize)>) {
        let Some(pair) = self.spec.pair.as_ref() else {
            return;
        };
        let Some(re) = self
            .pair
            .get_or_init(|| compile(&pair.pattern).ok())
            .as_ref()
        else {
            return;
        };
        let hay = &hay[..to.min(hay.len())];
        let mut at = from;
        while at < hay.len() {
            let Some(m) = re.find_at(hay, at) else {
                break;
            };
            out.push((m.start(), m.end()));
            at = if m.end() > m.start() {
                m.end()
            } else {
                m.end() + 1
            };
        }
    }

    /// The remediation for a finding attributed to `provider`: the attribution's own when it
    /// has one, else the rule's.
    pub fn remediation_for(&self, provider: &str) -> &str {
        self.spec
            .attribute
            .iter()
            .find(|a| a.provider == provider)
            .and_then(|a| a.remediation.as_deref())
            .unwrap_or(self.remediation())
            .trim()
    }

    pub fn id(&self) -> &str {
        &self.spec.id
    }

    /// The compiled regex, compiled on first use. `None` when it does not compile: built-in
    /// rules are compiled by `rules check` and the test suite, and operator rules when they are
    /// loaded, so in practice this is always `Some`.
    pub fn regex(&self) -> Option<&Regex> {
        self.compiled().as_ref().ok()
    }

    fn compiled(&self) -> &Result<Regex, String> {
        self.regex
            .get_or_init(|| compile(&self.spec.pattern).map_err(|e| format!("{e:#}")))
    }

    /// Index of the capture group that holds the secret: the group named `secret`, else group 1
    /// when there is one, else the whole match. A match in which that group did not take part
    /// is no finding: a pattern can match a placeholder in a branch without the group.
    pub fn secret_group(&self) -> usize {
        *self.secret_group.get_or_init(|| match self.regex() {
            Some(re) => {
                let named = re.capture_names().position(|n| n == Some("secret"));
                named.unwrap_or(if re.captures_len() > 1 { 1 } else { 0 })
            }
            None => 0,
        })
    }

    /// Whether `value` alone has the shape of this rule's secret: the part of the pattern that
    /// captures the secret (its `secret` group, else group 1, else all of it) matches the whole
    /// value. A pattern that finds a key by its surroundings (`aws_secret_access_key = …`) is
    /// checked on the key's own part. `keyhound verify` asks this before anything is sent.
    pub fn matches_value(&self, value: &str) -> bool {
        let Ok(hir) = regex_syntax::ParserBuilder::new()
            .utf8(false)
            .unicode(false)
            .build()
            .parse(&self.spec.pattern)
        else {
            return false;
        };
        let group = self.secret_group();
        let part = if group == 0 {
            Some(&hir)
        } else {
            capture(&hir, group)
        };
        // The syntax tree prints as a pattern with its flags folded in (`(?i:…)` becomes classes).
        part.and_then(|p| compile(&format!("^(?:{p})$")).ok())
            .is_some_and(|re| re.is_match(value.as_bytes()))
    }

    /// Compiles the regex now, returning the error instead of hiding it.
    pub fn try_compile(&self) -> Result<()> {
        self.compiled()
            .as_ref()
            .map(|_| ())
            .map_err(|e| anyhow::anyhow!("{e}"))
    }
}

/// The match of `spec.pattern` (compiled once into `cell`) nearest to `start..end` of `hay`
/// and not overlapping it, within `spec.window` bytes.
fn nearest(
    cell: &OnceLock<Option<Regex>>,
    spec: &Partner,
    hay: &[u8],
    start: usize,
    end: usize,
) -> Option<(usize, usize)> {
    let re = cell.get_or_init(|| compile(&spec.pattern).ok()).as_ref()?;
    let from = start.saturating_sub(spec.window);
    let to = end.saturating_add(spec.window).min(hay.len());
    re.find_iter(&hay[from..to])
        .map(|m| (from + m.start(), from + m.end()))
        .filter(|&(s, e)| e <= start || s >= end)
        .min_by_key(|&(s, e)| if e <= start { start - e } else { s - end })
}

/// The sub-pattern of capture group `index`.
fn capture(hir: &regex_syntax::hir::Hir, index: usize) -> Option<&regex_syntax::hir::Hir> {
    use regex_syntax::hir::HirKind;
    match hir.kind() {
        HirKind::Capture(c) if c.index as usize == index => Some(&c.sub),
        HirKind::Capture(c) => capture(&c.sub, index),
        HirKind::Repetition(r) => capture(&r.sub, index),
        HirKind::Concat(parts) | HirKind::Alternation(parts) => {
            parts.iter().find_map(|p| capture(p, index))
        }
        HirKind::Empty | HirKind::Literal(_) | HirKind::Class(_) | HirKind::Look(_) => None,
    }
}

fn compile(pattern: &str) -> Result<Regex> {
    RegexBuilder::new(pattern)
        // Keys are ASCII. Unicode word boundaries and classes (`\b`, `\w`, `\s`) would push
        // the regex engine off its lazy DFA onto the much slower PikeVM.
        .unicode(false)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|e| match e {
            regex::Error::CompiledTooBig(limit) => anyhow::anyhow!(
                "the pattern compiles to more than {limit} bytes; make it smaller (bounded repetitions such as {{0,4000}} multiply its size)"
            ),
            other => anyhow::anyhow!("{other}"),
        })
}

/// The rules a scan uses, validated, in a stable order (by id).
#[derive(Debug)]
pub struct RuleSet {
    rules: Vec<Rule>,
}

impl RuleSet {
    /// The rules embedded in the binary, with their examples.
    pub fn builtin() -> Result<RuleSet> {
        Self::builtin_with(true)
    }

    /// The rules embedded in the binary; with `examples` false (a scan's) their `examples`
    /// and `negative_examples` stay empty (a scan never runs them, and parsing them was a
    /// quarter of its start-up), their prose is read on first use ([`Rule::description`]),
    /// and they are not validated again: the tests check the rules with their examples.
    fn builtin_with(examples: bool) -> Result<RuleSet> {
        // Parsing is most of a scan's start-up, and the files are independent: they are
        // parsed in parallel, in parts of about equal JSON size, then put back in file order.
        let files = builtin::BUILTIN_RULE_FILES;
        let parts = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
        let total: usize = files.iter().map(|(_, json, _, _)| json.len()).sum();
        let mut cuts = vec![0];
        let mut size = 0;
        for (i, (_, json, _, _)) in files.iter().enumerate() {
            size += json.len();
            if size * parts >= total * cuts.len() && cuts.len() < parts {
                cuts.push(i + 1);
            }
        }
        cuts.push(files.len());
        cuts.dedup();
        type Part = [(&'static str, &'static str, &'static str, &'static str)];
        let parse = |part: &Part| -> Result<RuleSet> {
            let mut set = RuleSet { rules: Vec::new() };
            for (name, json, examples_json, prose_json) in part {
                let origin = Origin::Builtin(name);
                let mut file: RuleFile = serde_json::from_str(json)
                    .with_context(|| format!("{origin}: not a valid rule file"))?;
                if examples {
                    let lists: Vec<(Vec<String>, Vec<String>)> =
                        serde_json::from_str(examples_json)
                            .with_context(|| format!("{origin}: examples are not valid"))?;
                    let prose: Vec<Prose> = serde_json::from_str(prose_json)
                        .with_context(|| format!("{origin}: prose is not valid"))?;
                    for ((spec, (pos, neg)), (d, r, refs)) in
                        file.rule.iter_mut().zip(lists).zip(prose)
                    {
                        (spec.examples, spec.negative_examples) = (pos, neg);
                        (spec.description, spec.remediation, spec.references) = (d, r, refs);
                    }
                }
                let first = set.rules.len();
                set.add_specs(file.rule, origin, examples)?;
                if !examples {
                    for (i, rule) in set.rules[first..].iter_mut().enumerate() {
                        rule.lazy = Some((prose_json, i));
                    }
                }
            }
            Ok(set)
        };
        let sets: Vec<Result<RuleSet>> = std::thread::scope(|s| {
            // A part whose thread does not start is parsed here.
            let spawned: Vec<_> = cuts
                .windows(2)
                .skip(1)
                .map(|w| {
                    let part = &files[w[0]..w[1]];
                    std::thread::Builder::new()
                        .spawn_scoped(s, move || parse(part))
                        .map_err(|_| part)
                })
                .collect();
            let mut sets = vec![parse(&files[cuts[0]..cuts[1]])];
            for h in spawned {
                sets.push(match h {
                    Ok(h) => h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)),
                    Err(part) => parse(part),
                });
            }
            sets
        });
        let mut set = RuleSet { rules: Vec::new() };
        for part in sets {
            set.rules.extend(part?.rules);
        }
        set.finish()?;
        Ok(set)
    }

    /// The built-in rules (with their examples) plus operator-supplied rule files.
    pub fn with_files(files: &[impl AsRef<Path>]) -> Result<RuleSet> {
        Self::load(files, None, true)
    }

    /// What a scan uses: the built-in rules (without their examples), operator-supplied rule
    /// files and the custom rules of a configuration file (`(file, rules)`).
    pub fn with_files_and_config(
        files: &[impl AsRef<Path>],
        config: Option<(&str, &[RuleSpec])>,
    ) -> Result<RuleSet> {
        Self::load(files, config, false)
    }

    /// The built-in rules as a scan loads them (without their examples): the first part of
    /// [`RuleSet::with_files_and_config`], which a scan starts on another thread while it
    /// opens the repository and reads its configuration, then finishes with
    /// [`RuleSet::extended`].
    pub fn builtin_for_scan() -> Result<RuleSet> {
        Self::builtin_with(false)
    }

    /// The built-in rules (with their examples or as a scan loads them) plus operator rule
    /// files and a configuration's rules.
    fn load(
        files: &[impl AsRef<Path>],
        config: Option<(&str, &[RuleSpec])>,
        builtin_examples: bool,
    ) -> Result<RuleSet> {
        RuleSet::builtin_with(builtin_examples)?.extended(files, config)
    }

    /// `self` (the built-in rules of [`RuleSet::builtin_for_scan`]) plus operator rule files
    /// and a configuration's rules: the same set as [`RuleSet::with_files_and_config`].
    pub fn extended(
        mut self,
        files: &[impl AsRef<Path>],
        config: Option<(&str, &[RuleSpec])>,
    ) -> Result<RuleSet> {
        if files.is_empty() && config.is_none() {
            return Ok(self);
        }
        for file in files {
            let path = file.as_ref();
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read rule file {}", path.display()))?;
            self.add_file(&text, Origin::Operator(path.display().to_string()))?;
        }
        if let Some((source, specs)) = config {
            self.add_specs(specs.to_vec(), Origin::Config(source.to_string()), true)?;
        }
        self.finish()?;
        // Operator and configuration rules are few; compile them now so a bad regex is
        // reported at start-up.
        for rule in self
            .rules
            .iter()
            .filter(|r| matches!(r.origin, Origin::Operator(_) | Origin::Config(_)))
        {
            rule.try_compile().with_context(|| {
                format!("{}: rule `{}`: invalid pattern", rule.origin, rule.id())
            })?;
        }
        Ok(self)
    }

    /// Only the rules of one operator rule file given as text, validated and compiled the way
    /// `--rules FILE` loads them (without the built-in rules, so that fuzzing and tests can
    /// exercise the parser and validation quickly). `name` names the file in errors.
    pub fn from_operator_text(text: &str, name: &str) -> Result<RuleSet> {
        let mut set = RuleSet { rules: Vec::new() };
        set.add_file(text, Origin::Operator(name.to_string()))?;
        set.finish()?;
        for rule in &set.rules {
            rule.try_compile().with_context(|| {
                format!("{}: rule `{}`: invalid pattern", rule.origin, rule.id())
            })?;
        }
        Ok(set)
    }

    /// Parses and validates one rule file and adds its rules.
    pub fn add_file(&mut self, text: &str, origin: Origin) -> Result<()> {
        let file: RuleFile =
            toml::from_str(text).with_context(|| format!("{origin}: not a valid rule file"))?;
        if file.rule.is_empty() {
            bail!("{origin}: the file defines no [[rule]]");
        }
        self.add_specs(file.rule, origin, true)
    }

    /// Validates rules already parsed and adds them; `examples` false for built-in rules
    /// loaded without their examples (a scan's), whose examples are then not checked.
    fn add_specs(&mut self, specs: Vec<RuleSpec>, origin: Origin, examples: bool) -> Result<()> {
        for spec in specs {
            // Built-in rules loaded for a scan were validated, examples and all, by the test
            // suite (`builtin_rules_load`), and are the same bytes: validating them again was
            // a twentieth of a staged scan.
            if examples || !matches!(origin, Origin::Builtin(_)) {
                spec.validate(examples)
                    .with_context(|| format!("{origin}: rule `{}`", spec.id))?;
            }
            if !matches!(origin, Origin::Builtin(_)) {
                format::regex_syntax_check(&spec.pattern)
                    .and_then(|()| spec.check_example_path())
                    .with_context(|| format!("{origin}: rule `{}`", spec.id))?;
            }
            let has_verifier =
                spec.verify.is_some() || spec.attribute.iter().any(|a| a.verify.is_some());
            if matches!(origin, Origin::Config(_)) && has_verifier {
                bail!(
                    "{origin}: rule `{}`: a rule from a configuration file cannot verify; pass it with --rules",
                    spec.id
                );
            }
            self.rules.push(Rule::new(spec, origin.clone()));
        }
        Ok(())
    }

    fn finish(&mut self) -> Result<()> {
        self.rules.sort_by(|a, b| a.spec.id.cmp(&b.spec.id));
        for pair in self.rules.windows(2) {
            if pair[0].spec.id == pair[1].spec.id {
                bail!(
                    "rule id `{}` is defined twice ({} and {}); ids must be unique",
                    pair[0].spec.id,
                    pair[0].origin,
                    pair[1].origin
                );
            }
        }
        Ok(())
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Keeps the rules that `--rule` selects (all when `only` is empty) and drops those
    /// `--skip-rule` names. A selector is a rule id or a prefix of one ending at a dot
    /// (`deepseek` selects `deepseek.api-key`); one that selects nothing is an error that
    /// suggests the ids it may have meant.
    pub fn select(&mut self, only: &[String], skip: &[String]) -> Result<()> {
        for (flag, selectors) in [("--rule", only), ("--skip-rule", skip)] {
            for sel in selectors {
                if !self.rules.iter().any(|r| selects(sel, r.id())) {
                    bail!(
                        "{flag} {sel}: no rule has that id or id prefix{}",
                        did_you_mean(&self.suggest(sel))
                    );
                }
            }
        }
        self.rules.retain(|r| {
            (only.is_empty() || only.iter().any(|s| selects(s, r.id())))
                && !skip.iter().any(|s| selects(s, r.id()))
        });
        if self.rules.is_empty() {
            bail!("--rule and --skip-rule leave no rule to scan with");
        }
        Ok(())
    }

    /// Up to five rule ids close to `wanted`: those it starts or that contain it first, then
    /// the nearest by edit distance.
    pub fn suggest(&self, wanted: &str) -> Vec<&str> {
        let wanted_l = wanted.to_ascii_lowercase();
        let mut scored: Vec<(usize, &str)> = self
            .rules
            .iter()
            .map(|r| {
                let id = r.id();
                let score = if id.starts_with(&wanted_l) {
                    0
                } else if id.contains(&wanted_l) {
                    1
                } else {
                    // A misspelt provider (`deepsek`) is near the id's first segment.
                    let head = id.split('.').next().unwrap_or(id);
                    2 + edit_distance(&wanted_l, id).min(edit_distance(&wanted_l, head))
                };
                (score, id)
            })
            .filter(|(score, _)| *score < 2 || *score - 2 <= (wanted.len() / 3).max(2))
            .collect();
        scored.sort();
        scored.into_iter().take(5).map(|(_, id)| id).collect()
    }

    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.index_of(id).map(|i| &self.rules[i])
    }

    /// The rule's position in [`RuleSet::rules`] (rules are sorted by id).
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.rules
            .binary_search_by(|r| r.spec.id.as_str().cmp(id))
            .ok()
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}

/// Whether `selector` (an id, or a prefix of ids ending at a dot) selects rule `id`.
fn selects(selector: &str, id: &str) -> bool {
    let sel = selector.trim_end_matches(['.', '*']);
    id == sel || (id.starts_with(sel) && id.as_bytes().get(sel.len()) == Some(&b'.'))
}

/// "; did you mean a, b?" for an error message, or nothing.
pub fn did_you_mean(ids: &[&str]) -> String {
    if ids.is_empty() {
        "; see `keyhound rules list`".to_string()
    } else {
        format!("; did you mean {}?", ids.join(", "))
    }
}

/// Levenshtein distance, for suggestions (ids are short).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_take_ids_and_dotted_prefixes() {
        let cases = [
            ("deepseek", "deepseek.api-key", true),
            ("deepseek.", "deepseek.api-key", true),
            ("deepseek.api-key", "deepseek.api-key", true),
            ("deep", "deepseek.api-key", false),
            ("deepseek.api", "deepseek.api-key", false),
            ("aws", "aws.access-key-id", true),
        ];
        for (sel, id, want) in cases {
            assert_eq!(selects(sel, id), want, "{sel} {id}");
        }
        assert_eq!(edit_distance("deepsek", "deepseek"), 1);
        assert_eq!(edit_distance("", "ab"), 2);
    }

    #[test]
    fn unknown_ids_get_close_suggestions() {
        let set = RuleSet::builtin().unwrap();
        assert_eq!(set.suggest("deepseek")[0], "deepseek.api-key");
        assert!(set.suggest("deepseek.apikey").contains(&"deepseek.api-key"));
        assert!(set.suggest("zzzzzzzzzzzzzzzzzz").is_empty());
    }

    fn load(text: &str) -> Result<RuleSet> {
        let mut set = RuleSet { rules: Vec::new() };
        set.add_file(text, Origin::Operator("test.toml".into()))?;
        set.finish()?;
        for r in set.rules() {
            r.try_compile()?;
        }
        Ok(set)
    }

    const GOOD: &str = r#"
[[rule]]
id = "acme.token"
provider = "Acme"
name = "Acme token"
description = "An Acme API token."
keywords = ["acme_"]
pattern = 'acme_[a-z0-9]{20}'
confidence = "high"
references = ["https://acme.example/docs"]
remediation = "Revoke it at https://acme.example/keys and load it from the environment."
examples = ['TOKEN=acme_a8f3k2m9x7q4w1e6r5t0']
negative_examples = ['acme_xxxxxxxxxxxxxxxxxxxx']
"#;

    /// A `[rule.verify]` table sending the secret as a bearer token to `url`.
    fn verify(url: &str, live: &str) -> String {
        format!(
            "[rule.verify]\nmethod = \"GET\"\nurl = \"{url}\"\nheaders = {{ Authorization = \"Bearer {{secret}}\" }}\nlive = {live}\ndead = [401]\n"
        )
    }

    #[test]
    fn a_valid_file_loads() {
        let with_verifier = format!("{GOOD}{}", verify("https://acme.example/me", "[200]"));
        assert!(load(&with_verifier).unwrap().rules()[0]
            .spec
            .verify
            .is_some());
        let set = load(GOOD).unwrap();
        assert_eq!(set.len(), 1);
        assert_eq!(set.rules()[0].secret_group(), 0);
    }

    #[test]
    fn bad_rule_files_are_refused_with_the_reason() {
        let cases: &[(&str, &str)] = &[
            ("# nothing here\n", "no [[rule]]"),
            (r#"id = "x""#, "unknown field `id`"),
            (
                &GOOD.replace("keywords = [\"acme_\"]", "keywords = []"),
                "keyword",
            ),
            (&GOOD.replace("acme.token", "Acme Token"), "lowercase"),
            (
                &GOOD.replace("'acme_[a-z0-9]{20}'", "'acme_[a-z0-9'"),
                "invalid pattern",
            ),
            (
                &GOOD.replace("'acme_[a-z0-9]{20}'", "'(?:[a-z]{1,50}){1,9999}'"),
                "compiles to more than",
            ),
            (
                &GOOD.replace("confidence = \"high\"", "confidence = \"sure\""),
                "unknown variant",
            ),
            (
                &GOOD.replace(
                    "examples = ['TOKEN=acme_a8f3k2m9x7q4w1e6r5t0']",
                    "examples = []",
                ),
                "example",
            ),
            (
                &GOOD.replace("provider = \"Acme\"", "provider = \"Acme\"\ncolour = 1"),
                "unknown field",
            ),
            (&format!("{GOOD}{GOOD}"), "defined twice"),
            (
                &format!(
                    "{GOOD}[rule.pair]\nname = \"id\"\npattern = 'ACME[0-9]{{8}}'\nwindow = 400\n"
                ),
                "must reach `pair.window` (400)",
            ),
            (
                &format!("{GOOD}[rule.pair]\nname = \"id\"\npattern = 'ACME[0-9'\nwindow = 0\n"),
                "`pair.pattern`",
            ),
            (
                &format!("{GOOD}{}", verify("http://acme.example/me", "[200]")),
                "must be an https:// URL",
            ),
            (
                &format!(
                    "{GOOD}{}",
                    verify("https://{secret}.acme.example/", "[200]")
                ),
                "host of `url` must be fixed",
            ),
            (
                &format!("{GOOD}{}", verify("https://user@acme.example/", "[200]")),
                "no user info",
            ),
            (
                &format!("{GOOD}{}", verify("https://acme.example/{token}", "[200]")),
                "unknown placeholder",
            ),
            (
                &format!("{GOOD}{}", verify("https://acme.example/me", "[200, 302]")),
                "redirects are never followed",
            ),
            (
                &format!("{GOOD}{}", verify("https://acme.example/me", "[]")),
                "`live` lists no status",
            ),
            (
                &format!(
                    "{GOOD}{}answer = \"any\"\ndetail_json = [\"login\"]\n",
                    verify("https://acme.example/me", "[200]")
                ),
                "reads JSON fields",
            ),
            (
                &format!(
                    "{GOOD}{}answer = \"json\"\ndetail_xml = [\"Arn\"]\n",
                    verify("https://acme.example/me", "[200]")
                ),
                "reads XML elements",
            ),
            (
                &format!(
                    "{GOOD}{}answer = \"html\"\n",
                    verify("https://acme.example/me", "[200]")
                ),
                "unknown variant `html`",
            ),
            (
                &format!(
                    "{GOOD}{}answer = \"json\"\n",
                    verify("https://acme.example/me", "[200]").replace("GET", "HEAD")
                ),
                "a HEAD answer has no body",
            ),
            (
                &format!(
                    "{GOOD}{}signer = \"aws-sigv4\"\n",
                    verify("https://acme.example/me", "[200]")
                ),
                "needs a `partner`",
            ),
            (
                &format!(
                    "{GOOD}{}[rule.verify.access]\nidentity = [\"body:login\"]\n",
                    verify("https://acme.example/me", "[200]")
                ),
                "is not a source",
            ),
            (
                &format!(
                    "{GOOD}{}[rule.verify.access]\nidentity = [\"json:\"]\n",
                    verify("https://acme.example/me", "[200]")
                ),
                "is not a source",
            ),
            (
                &format!(
                    "{GOOD}{}[rule.verify.access]\n",
                    verify("https://acme.example/me", "[200]")
                ),
                "reads nothing",
            ),
            (
                &format!(
                    "{GOOD}{}[rule.verify.access]\nidentity = [\"json:login\"]\nadmin_scopes = [\"admin\"]\n",
                    verify("https://acme.example/me", "[200]")
                ),
                "needs `scopes`",
            ),
            (
                &format!(
                    "{GOOD}{}[rule.verify.access]\ndetails = {{ Team = \"json:team\" }}\n",
                    verify("https://acme.example/me", "[200]")
                ),
                "detail name",
            ),
            (
                &format!(
                    "{GOOD}{}[rule.verify.access]\nexpiry = [\"json:exp\"]\n",
                    verify("https://acme.example/me", "[200]")
                ),
                "unknown field `expiry`",
            ),
        ];
        for (text, want) in cases {
            let err = format!("{:#}", load(text).unwrap_err());
            assert!(err.contains(want), "wanted {want:?} in {err:?}");
        }
    }

    /// The built-in rules are embedded as JSON converted from `rules/*.toml` by build.rs; they
    /// must be exactly what the TOML files say.
    #[test]
    fn embedded_rules_equal_the_toml_files() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
        let mut from_toml = RuleSet { rules: Vec::new() };
        let mut names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .filter(|p| !p.ends_with(published::FILE_NAME))
            .collect();
        names.sort();
        assert_eq!(names.len(), builtin::BUILTIN_RULE_FILES.len());
        for path in &names {
            let text = std::fs::read_to_string(path).unwrap();
            from_toml
                .add_file(&text, Origin::Operator(path.display().to_string()))
                .unwrap();
        }
        from_toml.finish().unwrap();
        let embedded = RuleSet::builtin().unwrap();
        assert_eq!(from_toml.len(), embedded.len());
        for (a, b) in from_toml.rules().iter().zip(embedded.rules()) {
            assert_eq!(format!("{:?}", a.spec), format!("{:?}", b.spec));
        }
    }

    #[test]
    fn builtin_rules_load() {
        let set = RuleSet::builtin().unwrap();
        assert!(set.get("deepseek.api-key").is_some());
    }

    /// A scan's built-in rules (no examples, prose read on first use, not validated again)
    /// are the full set's in everything a scan and its reports read.
    #[test]
    fn the_rules_a_scan_loads_are_the_full_rules() {
        let full = RuleSet::builtin().unwrap();
        let scan = RuleSet::builtin_for_scan().unwrap();
        assert_eq!(full.len(), scan.len());
        for (f, s) in full.rules().iter().zip(scan.rules()) {
            assert_eq!(f.id(), s.id());
            assert!(s.spec.examples.is_empty() && s.spec.description.is_empty());
            assert_eq!(f.description(), s.description(), "{}", f.id());
            assert_eq!(f.remediation(), s.remediation(), "{}", f.id());
            assert_eq!(f.references(), s.references(), "{}", f.id());
            for a in &f.spec.attribute {
                assert_eq!(
                    f.remediation_for(&a.provider),
                    s.remediation_for(&a.provider)
                );
            }
            let mut lean = (*f.spec).clone();
            (lean.examples, lean.negative_examples) = (Vec::new(), Vec::new());
            (lean.description, lean.remediation) = (String::new(), String::new());
            lean.references = Vec::new();
            assert_eq!(format!("{lean:?}"), format!("{:?}", s.spec), "{}", f.id());
        }
    }

    #[test]
    fn a_value_is_checked_against_the_secrets_own_part_of_the_pattern() {
        let set = RuleSet::builtin().unwrap();
        // (rule, value, has its shape); values made up here.
        let cases = [
            (
                "deepseek.api-key",
                "sk-3c9e1a7f5b2d8e4c6a0f9b3d7e1c5a8f",
                true,
            ),
            (
                "deepseek.api-key",
                "sk-3c9e1a7f5b2d8e4c6a0f9b3d7e1c5a8",
                false,
            ),
            (
                "deepseek.api-key",
                "sk-3C9E1A7F5B2D8E4C6A0F9B3D7E1C5A8F",
                false,
            ),
            (
                "deepseek.api-key",
                "xsk-3c9e1a7f5b2d8e4c6a0f9b3d7e1c5a8f",
                false,
            ),
            ("deepseek.api-key", "hello", false),
            (
                "aws.secret-access-key",
                "Xq7wE2rT9yU4iO1pA6sD3fG8hJ5kL0zC2vB7nM4q",
                true,
            ),
            ("aws.secret-access-key", "AKIA454ML6LG4TJFCZ4K", false),
            (
                "telegram.bot-token",
                "7493021856:AAHq3vX8bN2mK7pL4wR9sY1cF6hJ0dG5aZ8",
                true,
            ),
            (
                "telegram.bot-token",
                "bot7493021856:AAHq3vX8bN2mK7pL4wR9sY1cF6hJ0dG5aZ8",
                false,
            ),
        ];
        for (id, value, want) in cases {
            let rule = set.get(id).unwrap_or_else(|| panic!("no rule {id}"));
            assert_eq!(rule.matches_value(value), want, "{id} {value}");
        }
    }
}

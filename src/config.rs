//! `.keyhound.toml`: the project's own settings, found at the scan root or given with
//! `--config FILE`. This module owns the file's model, its parsing and its validation.
//!
//! The contract: a configuration that loads is usable. Unknown keys, values of the wrong type,
//! globs and regexes that do not compile, allowlist entries without a reason and custom rules
//! that carry a verifier are all errors that name the file, the line and the key; nothing is
//! silently skipped, because a skipped allowlist entry or exclude would change what is reported
//! without anyone noticing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context, Result};
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use regex::Regex;
use serde::Deserialize;
use toml::Spanned;

use crate::finding::Severity;
use crate::rules::{Confidence, RuleSpec};

/// The name looked up at the scan root.
pub const FILE_NAME: &str = ".keyhound.toml";

/// The file as written; every key is listed here and nothing else is accepted.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    #[serde(default)]
    min_confidence: Option<Confidence>,
    #[serde(default)]
    allow: Vec<Spanned<RawAllow>>,
    #[serde(default)]
    rule: Vec<Spanned<RuleSpec>>,
    #[serde(default)]
    severity: BTreeMap<String, Spanned<Severity>>,
    #[serde(default)]
    baseline: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAllow {
    reason: Spanned<String>,
    #[serde(default)]
    rules: Vec<Spanned<String>>,
    #[serde(default)]
    paths: Vec<Spanned<String>>,
    #[serde(default)]
    values: Vec<Spanned<String>>,
}

/// A loaded, validated configuration.
#[derive(Debug)]
pub struct Config {
    /// The file, as the user would name it in a message.
    pub source: String,
    pub excludes: Excludes,
    pub min_confidence: Option<Confidence>,
    pub allow: Vec<AllowEntry>,
    /// Custom rules, in the format of `rules/*.toml`; never with a verifier.
    pub rules: Vec<RuleSpec>,
    /// Per-rule severity overrides: rule id -> (severity, line in the file).
    pub severity: BTreeMap<String, (Severity, usize)>,
    /// What was ignored and why (verifiers declared in the file), printed as warnings.
    pub warnings: Vec<String>,
    /// `baseline = "FILE"`, relative to the configuration file's folder: the baseline every
    /// scan uses unless `--baseline` names another (and where `keyhound baseline` writes).
    pub baseline: Option<PathBuf>,
    /// The folder `exclude` and allowlist `paths` globs are relative to, as a path relative to
    /// the work tree (see [`Config::relative`]); empty: the work tree's root itself.
    pub glob_base: String,
}

/// Where the configuration file in use came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    pub path: PathBuf,
    /// Found by looking up from the scan root (globs are then relative to its folder), not
    /// named by `--config` or `KEYHOUND_CONFIG` (globs relative to the scan root; the caller
    /// sets [`Config::glob_base`]).
    pub discovered: bool,
}

/// Paths never read (gitignore globs, matched against paths as reported).
#[derive(Debug)]
pub struct Excludes {
    matcher: Gitignore,
    /// Each glob as written and its line, to say which one excluded a file.
    globs: Vec<(String, usize)>,
    source: String,
}

/// One `[[allow]]` entry: a finding is allowed when it matches every criterion the entry
/// gives (rules, paths, values), and within one criterion any of its items.
#[derive(Debug)]
pub struct AllowEntry {
    pub reason: String,
    /// `FILE:LINE` of the entry, for `--explain`.
    pub at: String,
    pub rules: Vec<String>,
    /// Line of each rule id, so an unknown one can be reported where it is written.
    pub rule_lines: Vec<usize>,
    paths: Option<Gitignore>,
    values: Vec<Regex>,
}

impl AllowEntry {
    pub fn matches(&self, rule: &str, path: &str, secret: &str) -> bool {
        (self.rules.is_empty() || self.rules.iter().any(|r| r == rule))
            && self
                .paths
                .as_ref()
                .is_none_or(|m| glob_match(m, path).is_some())
            && (self.values.is_empty() || self.values.iter().any(|re| re.is_match(secret)))
    }
}

impl Excludes {
    /// The glob that excludes `path` and where it is written, if any.
    pub fn matched(&self, path: &str) -> Option<(String, String)> {
        let glob = glob_match(&self.matcher, path)?;
        let line = self
            .globs
            .iter()
            .find(|(g, _)| g == glob)
            .map_or(0, |(_, l)| *l);
        Some((glob.to_string(), self.place(line)))
    }

    pub fn is_empty(&self) -> bool {
        self.globs.is_empty()
    }

    /// Globs given on the command line (`--exclude`), each named by `flag` in explanations.
    pub fn from_globs(globs: &[String], flag: &str) -> Result<Excludes> {
        let mut b = GitignoreBuilder::new("");
        for g in globs {
            b.add_line(None, g)
                .map_err(|e| anyhow!("{flag} {g:?}: invalid glob: {e}"))?;
        }
        Ok(Excludes {
            matcher: b
                .build()
                .map_err(|e| anyhow!("{flag}: invalid globs: {e}"))?,
            globs: globs.iter().map(|g| (g.clone(), 0)).collect(),
            source: flag.to_string(),
        })
    }

    /// The glob that excludes `path` and where it was given (`FILE:LINE`, or the flag).
    fn place(&self, line: usize) -> String {
        if line == 0 {
            self.source.clone()
        } else {
            format!("{}:{line}", self.source)
        }
    }
}

/// Matches a reported path (relative, `/`-separated) against gitignore globs; the original
/// glob text of the last matching, non-negated line comes back. Absolute paths (several roots
/// given as absolute paths) never match: the globs are relative.
fn glob_match<'a>(m: &'a Gitignore, path: &str) -> Option<&'a str> {
    let p = Path::new(path);
    if path.is_empty() || p.has_root() {
        return None;
    }
    match m.matched_path_or_any_parents(p, false) {
        ignore::Match::Ignore(g) => Some(g.original()),
        _ => None,
    }
}

/// The environment variable that names a configuration file when `--config` does not.
pub const ENV_VAR: &str = "KEYHOUND_CONFIG";

/// Where the configuration is, if anywhere: `--config FILE`, else `$KEYHOUND_CONFIG`, else the
/// nearest `.keyhound.toml` from the scan root (one folder, or the folder of one file; with
/// several paths, the current folder) up to the root of the git work tree holding it, as git
/// finds `.gitignore` files. Outside a work tree only the scan root itself is looked at, so a
/// stray file higher up never applies.
pub fn discover(explicit: Option<&Path>, roots: &[PathBuf]) -> Option<Located> {
    if let Some(p) = explicit {
        return Some(Located {
            path: p.to_path_buf(),
            discovered: false,
        });
    }
    if let Some(p) = std::env::var_os(ENV_VAR).filter(|v| !v.is_empty()) {
        return Some(Located {
            path: PathBuf::from(p),
            discovered: false,
        });
    }
    let start = match roots {
        [root] if root.is_dir() => root.clone(),
        [root] if root.is_file() => match root.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        },
        _ => PathBuf::from("."),
    };
    let here = start.join(FILE_NAME);
    if here.is_file() {
        return Some(Located {
            path: here,
            discovered: true,
        });
    }
    let abs = std::fs::canonicalize(&start).ok()?;
    let top = crate::source::work_tree_root(&abs)?;
    abs.ancestors()
        .skip(1)
        .take_while(|d| d.starts_with(&top))
        .map(|d| d.join(FILE_NAME))
        .find(|c| c.is_file())
        .map(|path| Located {
            path,
            discovered: true,
        })
}

/// Reads and validates a configuration file.
pub fn load(at: &Located) -> Result<Config> {
    let path = &at.path;
    let text = std::fs::read_to_string(path).with_context(|| {
        let from = if at.discovered {
            ""
        } else if std::env::var_os(ENV_VAR).is_some() {
            " (named by --config or KEYHOUND_CONFIG)"
        } else {
            " (named by --config)"
        };
        format!(
            "cannot read the configuration file {}{from}",
            path.display()
        )
    })?;
    let mut config = parse(&text, &path.display().to_string())?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if at.discovered {
        config.glob_base = crate::source::anchored(&dir);
    }
    if let Some(b) = &mut config.baseline {
        *b = dir.join(&*b);
    }
    Ok(config)
}

impl Config {
    /// `repo_path` (relative to the work tree) relative to the folder globs are written for;
    /// `None` when the file lies outside it.
    pub fn relative<'p>(&self, repo_path: &'p str) -> Option<&'p str> {
        let r = relative_to(&self.glob_base, repo_path);
        (!r.is_empty()).then_some(r)
    }
}

/// `repo_path` relative to the folder `base` (both relative to the work tree; `base` empty
/// for its root); empty when the path lies outside `base`, which no glob matches.
pub fn relative_to<'p>(base: &str, repo_path: &'p str) -> &'p str {
    if base.is_empty() {
        return repo_path;
    }
    repo_path
        .strip_prefix(base)
        .and_then(|r| r.strip_prefix('/'))
        .unwrap_or("")
}

/// Parses and validates configuration text; `source` names it in errors.
pub fn parse(text: &str, source: &str) -> Result<Config> {
    let raw: RawConfig = toml::from_str(text).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        located(text, source, span, e.message())
    })?;
    let err = |span: std::ops::Range<usize>, msg: String| located(text, source, span, &msg);

    let mut ex = GitignoreBuilder::new("");
    let mut globs = Vec::new();
    for g in &raw.exclude {
        ex.add_line(None, g.get_ref())
            .map_err(|e| err(g.span(), format!("invalid glob {:?}: {e}", g.get_ref())))?;
        globs.push((g.get_ref().clone(), line_of(text, g.span().start)));
    }
    let matcher = ex
        .build()
        .map_err(|e| anyhow!("{source}: `exclude`: invalid globs: {e}"))?;

    let mut allow = Vec::with_capacity(raw.allow.len());
    for entry in &raw.allow {
        let a = entry.get_ref();
        if a.reason.get_ref().trim().is_empty() {
            return Err(err(
                a.reason.span(),
                "the reason is empty: say why these findings are allowed".into(),
            ));
        }
        if a.rules.is_empty() && a.paths.is_empty() && a.values.is_empty() {
            return Err(err(
                entry.span(),
                "an allow entry needs at least one of `rules`, `paths` or `values`; \
                 without one it would allow every finding"
                    .into(),
            ));
        }
        let paths = if a.paths.is_empty() {
            None
        } else {
            let mut b = GitignoreBuilder::new("");
            for g in &a.paths {
                b.add_line(None, g.get_ref())
                    .map_err(|e| err(g.span(), format!("invalid glob {:?}: {e}", g.get_ref())))?;
            }
            Some(
                b.build()
                    .map_err(|e| err(entry.span(), format!("invalid path globs: {e}")))?,
            )
        };
        let mut values = Vec::with_capacity(a.values.len());
        for v in &a.values {
            let re = Regex::new(v.get_ref())
                .map_err(|e| err(v.span(), format!("invalid regex {:?}: {e}", v.get_ref())))?;
            values.push(re);
        }
        allow.push(AllowEntry {
            reason: a.reason.get_ref().trim().to_string(),
            at: format!("{source}:{}", line_of(text, entry.span().start)),
            rules: a.rules.iter().map(|r| r.get_ref().clone()).collect(),
            rule_lines: a
                .rules
                .iter()
                .map(|r| line_of(text, r.span().start))
                .collect(),
            paths,
            values,
        });
    }

    let mut rules = Vec::with_capacity(raw.rule.len());
    let mut warnings = Vec::new();
    for r in raw.rule {
        let line = line_of(text, r.span().start);
        let mut spec = r.into_inner();
        // A scanned tree must never choose where its secrets are sent: the verifier is dropped
        // (and said so), the rule still detects.
        let attributed = spec.attribute.iter().any(|a| a.verify.is_some());
        if spec.verify.is_some() || attributed {
            spec.verify = None;
            for a in &mut spec.attribute {
                a.verify = None;
            }
            warnings.push(format!(
                "{source}:{line}: rule `{}` declares a verifier; it is ignored, since a configuration file may come from the scanned tree (pass the rule with --rules to verify with it)",
                spec.id
            ));
        }
        rules.push(spec);
    }

    Ok(Config {
        source: source.to_string(),
        excludes: Excludes {
            matcher,
            globs,
            source: source.to_string(),
        },
        min_confidence: raw.min_confidence,
        allow,
        rules,
        warnings,
        severity: raw
            .severity
            .iter()
            .map(|(id, s)| (id.clone(), (*s.get_ref(), line_of(text, s.span().start))))
            .collect(),
        baseline: match &raw.baseline {
            Some(b) if b.get_ref().trim().is_empty() => {
                return Err(err(b.span(), "the baseline file name is empty".into()))
            }
            Some(b) => Some(PathBuf::from(b.get_ref())),
            None => None,
        },
        glob_base: String::new(),
    })
}

impl Config {
    /// Checks what can only be checked against the rules in use: an allow entry naming a rule
    /// that does not exist is a typo that would otherwise allow nothing, silently.
    pub fn check_rule_ids(&self, known: impl Fn(&str) -> bool) -> Result<()> {
        for a in &self.allow {
            for (id, line) in a.rules.iter().zip(&a.rule_lines) {
                if !known(id) {
                    return Err(anyhow!(
                        "{}:{line}: key `rules`: unknown rule id `{id}` (see `keyhound rules list`)",
                        self.source
                    ));
                }
            }
        }
        for (id, (_, line)) in &self.severity {
            if !known(id) {
                return Err(anyhow!(
                    "{}:{line}: key `severity`: unknown rule id `{id}` (see `keyhound rules list`)",
                    self.source
                ));
            }
        }
        Ok(())
    }
}

/// `FILE:LINE:COL: key `KEY`: MESSAGE` for an error at `span`.
fn located(text: &str, source: &str, span: std::ops::Range<usize>, msg: &str) -> anyhow::Error {
    let start = span.start.min(text.len());
    let line = line_of(text, start);
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let col = text[line_start..start].chars().count() + 1;
    let msg = msg.trim().replace('\n', "; ");
    match key_at(text, span) {
        Some(key) => anyhow!("{source}:{line}:{col}: key `{key}`: {msg}"),
        None => anyhow!("{source}:{line}:{col}: {msg}"),
    }
}

/// The key an error span points at: the key itself (an unknown key), the key before the `=`
/// of a value, or the table of a `[[header]]` (a missing key, named by the message).
fn key_at(text: &str, span: std::ops::Range<usize>) -> Option<String> {
    let start = span.start.min(text.len());
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let line = &text[line_start..line_end];
    let trimmed = line.trim();
    if trimmed.starts_with('[') {
        return Some(
            trimmed
                .trim_matches(|c| c == '[' || c == ']')
                .trim()
                .to_string(),
        );
    }
    let offset = start - line_start;
    match line.find('=') {
        Some(eq) if offset > eq => Some(line[..eq].trim().to_string()),
        _ => {
            let end = span.end.clamp(start, line_end);
            let key = text[start..end].trim();
            (!key.is_empty()).then(|| key.to_string())
        }
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_configuration_loads() {
        let text = r#"
exclude = ["vendor/", "*.min.js"]
min_confidence = "medium"

[[allow]]
reason = "test fixtures hold fake keys"
paths = ["tests/fixtures/**"]

[[allow]]
reason = "the documented sample key"
rules = ["deepseek.api-key"]
values = ['^sk-0{8}']
"#;
        let c = parse(text, ".keyhound.toml").unwrap();
        assert_eq!(c.min_confidence, Some(Confidence::Medium));
        assert_eq!(
            c.excludes.matched("vendor/lib/a.js"),
            Some(("vendor/".into(), ".keyhound.toml:2".into()))
        );
        assert_eq!(c.excludes.matched("src/app.min.js").unwrap().0, "*.min.js");
        assert!(c.excludes.matched("src/app.js").is_none());
        assert!(c.allow[0].matches("any.rule", "tests/fixtures/a/b.env", "s"));
        assert!(!c.allow[0].matches("any.rule", "src/b.env", "s"));
        assert_eq!(c.allow[1].at, ".keyhound.toml:9");
        assert!(c.allow[1].matches("deepseek.api-key", "x", "sk-00000000abc"));
        assert!(!c.allow[1].matches("openai.api-key", "x", "sk-00000000abc"));
        assert!(!c.allow[1].matches("deepseek.api-key", "x", "sk-10000000abc"));
    }

    #[test]
    fn bad_configurations_name_file_line_and_key() {
        let cases: &[(&str, &str)] = &[
            (
                "colour = 1\n",
                "c.toml:1:1: key `colour`: unknown field `colour`",
            ),
            (
                "min_confidence = \"sure\"\n",
                "c.toml:1:18: key `min_confidence`: unknown variant",
            ),
            (
                "[[allow]]\nreason = \"r\"\nvalues = ['(']\n",
                "c.toml:3:11: key `values`: invalid regex",
            ),
            (
                "\n[[allow]]\nrules = ['a.b']\n",
                "c.toml:2:1: key `allow`: missing field `reason`",
            ),
            (
                "[[allow]]\nreason = \" \"\nrules = ['a.b']\n",
                "c.toml:2:10: key `reason`: the reason is empty",
            ),
            (
                "[[allow]]\nreason = \"r\"\n",
                "c.toml:1:1: key `allow`: an allow entry needs",
            ),
            (
                "[[allow]]\nreason = \"r\"\nrulez = ['a.b']\n",
                "c.toml:3:1: key `rulez`: unknown field `rulez`",
            ),
            (
                "exclude = ['{a']\n",
                "c.toml:1:12: key `exclude`: invalid glob",
            ),
            (
                "exclude = 'a'\n",
                "c.toml:1:11: key `exclude`: invalid type",
            ),
        ];
        for (text, want) in cases {
            let got = format!("{:#}", parse(text, "c.toml").unwrap_err());
            assert!(got.starts_with(want), "wanted {want:?}, got {got:?}");
        }
    }
}

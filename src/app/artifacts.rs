//! Shipped artifacts in a scan: archives read member by member ([`crate::source::archive`]),
//! and the printable strings of compiled code ([`crate::source::strings`]).
//!
//! The contract: a file whose name says nothing of archives or binaries costs one extension
//! check ([`Artifacts::by_name`]). A member is scanned like a file (the engine sees the
//! archive's path with the member's under it, `app.apk/assets/config.properties`, so that
//! tests, docs and client folders inside an archive are judged as outside), then named
//! `app.apk!assets/config.properties`, with `archive` and `member` set. Everything inside an
//! app package, a browser extension or a wasm module is `client`, with the package named.
//!
//! Strings of binaries are only searched by rules whose secret starts with a literal prefix
//! of three or more characters (`sk-`, `AKIA`, `ghp_`, `-----BEGIN`) or carries a checksum
//! ([`may_fire_on_binary`]): a context word next to a random-looking run in machine code means
//! nothing, so the generic and context-word rules stay quiet there.

use std::sync::OnceLock;

use regex_syntax::hir::literal::Extractor;
use regex_syntax::hir::{Hir, HirKind};

use super::{scan_bytes, FileOutcome};
use crate::detect::{Engine, Scratch};
use crate::finding::{Exposure, Finding};
use crate::rules::{Check, Confidence, Rule};
use crate::source::archive::{self, Artifact, Limits, Package};
use crate::source::{self, Problem, WalkOptions};

/// What an archive read added to a file's outcome.
#[derive(Debug, Default)]
pub(super) struct ArchiveRead {
    /// Members scanned (nested archives' members included).
    pub members: u64,
    /// Limits reached, encrypted members, corrupt parts.
    pub problems: Vec<Problem>,
}

/// The settings and lazily built tables shared by the threads of one scan.
#[derive(Debug)]
pub(super) struct Artifacts {
    limits: Limits,
    binaries: bool,
    /// Per rule (by index): whether it may report a secret in a binary's strings, decided
    /// the first time one of its findings is met there (parsing every rule's pattern cost a
    /// twentieth of a scan of the js corpus, for its 7 wasm files).
    binary_rules: OnceLock<Vec<OnceLock<bool>>>,
}

impl Artifacts {
    pub fn new(walk: &WalkOptions) -> Artifacts {
        Artifacts {
            limits: Limits::new(walk.max_archive_depth, walk.max_file_size),
            binaries: walk.binaries,
            binary_rules: OnceLock::new(),
        }
    }

    /// Whether binary files outside archives are searched for strings (`--binaries`).
    pub fn binaries(&self) -> bool {
        self.binaries
    }

    /// What a file of this name is when it is not read as text: from its extension only.
    pub fn by_name(&self, name: &str) -> Option<Artifact> {
        match Artifact::by_name(name)? {
            Artifact::Archive(_) if self.limits.max_depth == 0 => None,
            a => Some(a),
        }
    }

    /// Scans `data`, the bytes of the file `display` (`rel` from the scan root), as the
    /// artifact its name says; `None` when its bytes say otherwise (a text file named `.gz`,
    /// a `.wasm` without a NUL byte), for the caller to scan as text.
    pub fn scan(
        &self,
        engine: &Engine,
        scratch: &mut Scratch,
        rel: &str,
        display: &str,
        data: &[u8],
        artifact: Artifact,
    ) -> Option<FileOutcome> {
        let outcome = match artifact {
            Artifact::Archive(format) => {
                format.confirm(data)?;
                let mut acc = Accumulated::default();
                let summary = archive::walk(display, format, data, &self.limits, &mut |m| {
                    let engine_path = format!("{rel}/{}", m.path.replace('!', "/"));
                    let outcome =
                        self.member(engine, scratch, &engine_path, m.path, m.data, m.package);
                    acc.add(outcome, display, m.path);
                });
                let mut problems = summary.problems;
                problems.extend(acc.problems);
                FileOutcome::Scanned {
                    bytes: acc.bytes,
                    findings: acc.findings,
                    dropped: acc.dropped,
                    archive: Some(Box::new(ArchiveRead {
                        members: summary.members,
                        problems,
                    })),
                }
            }
            Artifact::Binary => {
                if !source::looks_binary(data) {
                    return None;
                }
                let package = archive::Package::by_name(rel);
                self.strings(engine, scratch, rel, data, package)
            }
        };
        // What the members said about providers stays with them (see the module docs).
        let _ = scratch.take_mentions();
        Some(outcome)
    }

    /// Scans a binary file outside any archive for strings (`--binaries`).
    pub fn scan_binary(
        &self,
        engine: &Engine,
        scratch: &mut Scratch,
        rel: &str,
        data: &[u8],
    ) -> FileOutcome {
        self.strings(engine, scratch, rel, data, None)
    }

    /// Scans one member: text as text, the strings of compiled code that ships, nothing of
    /// other binaries (unless `--binaries`).
    fn member(
        &self,
        engine: &Engine,
        scratch: &mut Scratch,
        engine_path: &str,
        name: &str,
        data: &[u8],
        package: Option<Package>,
    ) -> Option<FileOutcome> {
        let mut outcome = if source::looks_binary(data) {
            if !self.binaries && !ships_as_code(name, data, package) {
                return None;
            }
            self.strings(engine, scratch, engine_path, data, package)
        } else {
            let text = source::decode(engine_path, data.to_vec()).ok()?;
            let mut o = scan_bytes(engine, scratch, engine_path, &text);
            if let Some(p) = package {
                for_each_finding(&mut o, |f| client(f, p));
            }
            o
        };
        for_each_finding(&mut outcome, |f| {
            f.path = name.to_string();
            f.member = Some(name.to_string());
        });
        Some(outcome)
    }

    /// Scans the strings of a binary with the rules that may fire there.
    fn strings(
        &self,
        engine: &Engine,
        scratch: &mut Scratch,
        path: &str,
        data: &[u8],
        package: Option<Package>,
    ) -> FileOutcome {
        let text = source::strings::extract(data);
        let mut outcome = scan_bytes(engine, scratch, path, &text);
        let rules = engine.rules().rules();
        let allowed = self
            .binary_rules
            .get_or_init(|| rules.iter().map(|_| OnceLock::new()).collect());
        let keep = |f: &Finding| {
            engine
                .rules()
                .index_of(&f.rule)
                .is_some_and(|i| *allowed[i].get_or_init(|| may_fire_on_binary(&rules[i])))
        };
        if let FileOutcome::Scanned {
            findings, dropped, ..
        } = &mut outcome
        {
            findings.retain(keep);
            dropped.retain(|(f, _)| keep(f));
        }
        if let Some(p) = package {
            for_each_finding(&mut outcome, |f| client(f, p));
        }
        outcome
    }
}

/// Binaries whose strings are searched by default: code that ships to clients.
fn ships_as_code(name: &str, data: &[u8], package: Option<Package>) -> bool {
    let ext = name
        .rsplit('/')
        .next()
        .and_then(|f| f.rsplit_once('.'))
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "dex" | "wasm" | "class" => true,
        // Inside an app package: native libraries and executables (ELF, Mach-O; Node addons,
        // `.node`, in Electron bundles), compiled resources (`resources.arsc`) and binary XML
        // (`AndroidManifest.xml` meta-data).
        _ => {
            package.is_some()
                && (matches!(ext.as_str(), "so" | "arsc" | "xml" | "node")
                    || data.starts_with(b"\x7fELF")
                    || [
                        [0xfe, 0xed, 0xfa, 0xce],
                        [0xfe, 0xed, 0xfa, 0xcf],
                        [0xce, 0xfa, 0xed, 0xfe],
                        [0xcf, 0xfa, 0xed, 0xfe],
                        [0xca, 0xfe, 0xba, 0xbe],
                    ]
                    .iter()
                    .any(|m| data.starts_with(m)))
        }
    }
}

fn client(f: &mut Finding, package: Package) {
    f.exposure = Exposure::Client;
    f.exposure_reason = package.reason().to_string();
}

fn for_each_finding(outcome: &mut FileOutcome, mut each: impl FnMut(&mut Finding)) {
    if let FileOutcome::Scanned {
        findings, dropped, ..
    } = outcome
    {
        findings
            .iter_mut()
            .chain(dropped.iter_mut().map(|(f, _)| f))
            .for_each(&mut each);
    }
}

/// The members' outcomes of one archive, merged.
#[derive(Default)]
struct Accumulated {
    bytes: u64,
    findings: Vec<Finding>,
    dropped: Vec<(Finding, crate::filter::DropReason)>,
    problems: Vec<Problem>,
}

impl Accumulated {
    fn add(&mut self, outcome: Option<FileOutcome>, display: &str, member: &str) {
        match outcome {
            Some(FileOutcome::Scanned {
                bytes,
                findings,
                dropped,
                ..
            }) => {
                self.bytes += bytes;
                self.findings.extend(findings);
                self.dropped.extend(dropped);
            }
            Some(FileOutcome::Skipped(mut p)) => {
                p.path = format!("{display}!{member}");
                self.problems.push(p);
            }
            None => {}
        }
    }
}

/// Gives a member's finding its names (see [`crate::source::Target`]): `display!member` for
/// users, the archive's own repository path for SARIF and annotations, and a fingerprint of
/// the member's full path.
pub(super) fn place(f: &mut Finding, display: &str, repo: &str) {
    match f.member.clone() {
        Some(member) => {
            f.path = format!("{display}!{member}");
            f.repo_path = repo.to_string();
            f.archive = Some(display.to_string());
            f.fingerprint =
                crate::finding::fingerprint(&f.rule, &f.secret_sha256, &format!("{repo}!{member}"));
        }
        None => {
            f.path = display.to_string();
            f.repo_path = repo.to_string();
            f.fingerprint = crate::finding::fingerprint(&f.rule, &f.secret_sha256, repo);
        }
    }
}

/// Whether `rule` may report a secret found in a binary's strings: a rule of a provider (not
/// `generic.`), not limited to some files, not a paired or revealed match, of medium or high
/// confidence, whose secret carries a checksum or starts with a literal prefix of at least
/// three characters (the regex's prefix literals, found by `regex-syntax`).
pub fn may_fire_on_binary(rule: &Rule) -> bool {
    let s = &rule.spec;
    if s.id.starts_with("generic.")
        || s.pair.is_some()
        || !s.files.is_empty()
        || s.handler.is_some()
        || s.reveal
        || s.confidence == Confidence::Low
    {
        return false;
    }
    s.checks.contains(&Check::Base62Crc32) || secret_prefix_len(&s.pattern).is_some_and(|n| n >= 3)
}

/// The length of the shortest literal every secret of `pattern` starts with, if there is one
/// (the group named `secret`, else group 1, else the whole match).
fn secret_prefix_len(pattern: &str) -> Option<usize> {
    // As the rules compile (`rules::compile`): ASCII classes. Unicode ones (`\w`, `(?i)`)
    // made this parse a fifth of a scan of the js corpus, for the same prefixes.
    let hir = regex_syntax::ParserBuilder::new()
        .utf8(false)
        .unicode(false)
        .build()
        .parse(pattern)
        .ok()?;
    let secret = capture(&hir, &|name, _| name == Some("secret"))
        .or_else(|| capture(&hir, &|_, index| index == 1))
        .unwrap_or(&hir);
    let seq = Extractor::new().extract(secret);
    seq.min_literal_len().filter(|_| seq.is_finite())
}

fn capture<'h>(hir: &'h Hir, want: &dyn Fn(Option<&str>, u32) -> bool) -> Option<&'h Hir> {
    match hir.kind() {
        HirKind::Capture(c) if want(c.name.as_deref(), c.index) => Some(&c.sub),
        HirKind::Capture(c) => capture(&c.sub, want),
        HirKind::Repetition(r) => capture(&r.sub, want),
        HirKind::Concat(subs) | HirKind::Alternation(subs) => {
            subs.iter().find_map(|s| capture(s, want))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::{may_fire_on_binary, secret_prefix_len};

    /// Which built-in rules search binaries: the prefixed and checksummed ones, no generic or
    /// context-word rule.
    #[test]
    fn binary_rules_are_the_distinctive_ones() {
        let rules = crate::rules::RuleSet::builtin().expect("built-in rules load");
        let fires = |id: &str| may_fire_on_binary(rules.get(id).expect(id));
        for id in ["deepseek.api-key", "aws.access-key-id"] {
            assert!(fires(id), "{id}");
        }
        let allowed: Vec<&str> = rules
            .rules()
            .iter()
            .filter(|r| may_fire_on_binary(r))
            .map(|r| r.spec.id.as_str())
            .collect();
        assert!(allowed.iter().all(|id| !id.starts_with("generic.")));
        // Most provider rules have a prefix; context-word rules (a provider's name near a
        // bare random value) do not.
        assert!(
            allowed.len() > 200 && allowed.len() < rules.len(),
            "{}",
            allowed.len()
        );
        eprintln!(
            "{} of {} rules fire on binary strings",
            allowed.len(),
            rules.len()
        );
    }

    #[test]
    fn prefixes_of_secrets() {
        let cases = [
            (r"sk-[0-9a-f]{32}", Some(3)),
            (r"\b((?:AKIA|ASIA)[A-Z0-9]{16})\b", Some(4)),
            (r"(?i)mistral[\w\s.=:]{0,30}\b([a-zA-Z0-9]{32})\b", None),
            (r"key\s*=\s*(?P<secret>ghp_[A-Za-z0-9]{36})", Some(4)),
            (r"[a-f0-9]{40}", None),
        ];
        for (pattern, want) in cases {
            assert_eq!(secret_prefix_len(pattern), want, "{pattern}");
        }
    }
}

//! The baseline file (`.keyhound-baseline.json`): findings a team has accepted, so that a scan
//! reports only new ones. This module owns its format, reading, writing and building.
//!
//! The contract: an entry is keyed by rule and secret only (never a line number, never a
//! timestamp, never the secret), so moving a secret keeps it baselined, a different secret on
//! the same line is reported, and rebuilding from an unchanged tree writes the same bytes.
//!
//! Format (`version` 1), pretty-printed JSON with a trailing newline, entries sorted by
//! fingerprint, paths sorted:
//! `{"version":1,"entries":[{"fingerprint","rule","paths":[...],"reason"}]}` where
//! `fingerprint` = hex sha256("keyhound-baseline/v1" 0 rule 0 sha256-hex(secret)).

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::finding::Finding;

/// The default file name of `keyhound baseline --output`.
pub const FILE_NAME: &str = ".keyhound-baseline.json";

const VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineFile {
    version: u32,
    entries: Vec<Entry>,
}

/// One accepted (rule, secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub fingerprint: String,
    pub rule: String,
    /// Where the secret was seen when the entry was written; informational only, never
    /// matched, so that moving the secret keeps it baselined.
    pub paths: Vec<String>,
    /// Why it is accepted; written by people, kept by `keyhound baseline --update`.
    #[serde(default)]
    pub reason: String,
}

/// A baseline, entries sorted by fingerprint.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Baseline {
    entries: Vec<Entry>,
}

/// The baseline key of a finding: rule id and the hash of the secret, hashed again so that
/// the file does not list the secrets' own hashes next to each other.
pub fn fingerprint(rule: &str, secret_sha256: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"keyhound-baseline/v1\0");
    h.update(rule.as_bytes());
    h.update([0]);
    h.update(secret_sha256.as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

impl Baseline {
    /// One entry per distinct (rule, secret) among `findings`, with every path it was seen in.
    pub fn from_findings(findings: &[Finding]) -> Baseline {
        let mut by_fp: BTreeMap<String, Entry> = BTreeMap::new();
        for f in findings {
            let fp = fingerprint(&f.rule, &f.secret_sha256);
            let e = by_fp.entry(fp.clone()).or_insert_with(|| Entry {
                fingerprint: fp,
                rule: f.rule.clone(),
                paths: Vec::new(),
                reason: String::new(),
            });
            e.paths.push(f.repo_path.clone());
        }
        let entries = by_fp
            .into_values()
            .map(|mut e| {
                e.paths.sort();
                e.paths.dedup();
                e
            })
            .collect();
        Baseline { entries }
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn get(&self, fingerprint: &str) -> Option<&Entry> {
        self.entries
            .binary_search_by(|e| e.fingerprint.as_str().cmp(fingerprint))
            .ok()
            .map(|i| &self.entries[i])
    }

    /// Copies the reasons of `previous` into the entries still found; returns the entries of
    /// `previous` that are no longer found (stale), sorted by fingerprint.
    pub fn keep_reasons(&mut self, previous: &Baseline) -> Vec<Entry> {
        for e in &mut self.entries {
            if let Some(old) = previous.get(&e.fingerprint) {
                e.reason = old.reason.clone();
            }
        }
        previous
            .entries
            .iter()
            .filter(|old| self.get(&old.fingerprint).is_none())
            .cloned()
            .collect()
    }

    /// Reads a baseline file; anything malformed is an error that names the file.
    pub fn read(path: &Path) -> Result<Baseline> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the baseline {}", path.display()))?;
        Self::parse(&text).with_context(|| format!("{}: not a valid baseline", path.display()))
    }

    /// Parses and validates baseline text (what [`Baseline::read`] reads from a file).
    pub fn parse(text: &str) -> Result<Baseline> {
        let file: BaselineFile = serde_json::from_str(text)?;
        if file.version != VERSION {
            bail!(
                "version {} is not supported (this keyhound reads version {VERSION})",
                file.version
            );
        }
        let mut entries = file.entries;
        for e in &entries {
            let hex = e.fingerprint.len() == 64
                && e.fingerprint
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
            if !hex {
                bail!(
                    "entry for rule `{}`: fingerprint {:?} is not 64 lowercase hex digits",
                    e.rule,
                    e.fingerprint
                );
            }
        }
        // A hand-edited file may be out of order; lookups need it sorted.
        entries.sort_by(|a, b| a.fingerprint.cmp(&b.fingerprint));
        if let Some(w) = entries
            .windows(2)
            .find(|w| w[0].fingerprint == w[1].fingerprint)
        {
            bail!("fingerprint {} is listed twice", w[0].fingerprint);
        }
        Ok(Baseline { entries })
    }

    /// The exact bytes written to disk.
    pub fn to_bytes(&self) -> Vec<u8> {
        let file = BaselineFile {
            version: VERSION,
            entries: self.entries.clone(),
        };
        let mut out =
            serde_json::to_vec_pretty(&file).expect("a baseline is plain strings and numbers");
        out.push(b'\n');
        out
    }

    /// Writes atomically (a temporary file in the same folder, renamed into place), so a crash
    /// never leaves a half-written baseline. It holds hashes, not secrets: the umask decides
    /// who reads it.
    pub fn write(&self, path: &Path) -> Result<()> {
        crate::atomic::write(path, "the baseline", crate::atomic::Access::Shared, |out| {
            out.write_all(&self.to_bytes())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_depend_on_rule_and_secret_only() {
        let a = fingerprint("r.x", "aa");
        assert_eq!(a, fingerprint("r.x", "aa"));
        assert_ne!(a, fingerprint("r.y", "aa"));
        assert_ne!(a, fingerprint("r.x", "ab"));
        assert_eq!(a.len(), 64);
    }

    #[test]
    fn a_written_baseline_reads_back() {
        let b = Baseline {
            entries: vec![Entry {
                fingerprint: fingerprint("r.x", "aa"),
                rule: "r.x".into(),
                paths: vec!["a".into()],
                reason: "ok".into(),
            }],
        };
        let text = String::from_utf8(b.to_bytes()).unwrap();
        assert!(text.ends_with("}\n"));
        assert_eq!(Baseline::parse(&text).unwrap(), b);
    }

    #[test]
    fn malformed_baselines_are_refused() {
        let fp = fingerprint("r.x", "aa");
        let cases = [
            ("{}".to_string(), "missing field"),
            (r#"{"version":2,"entries":[]}"#.to_string(), "version 2"),
            (
                r#"{"version":1,"entries":[{"fingerprint":"zz","rule":"r","paths":[]}]}"#.into(),
                "not 64 lowercase hex",
            ),
            (
                format!(
                    r#"{{"version":1,"entries":[{{"fingerprint":"{fp}","rule":"r","paths":[]}},{{"fingerprint":"{fp}","rule":"r","paths":[]}}]}}"#
                ),
                "listed twice",
            ),
            (
                r#"{"version":1,"entries":[],"extra":1}"#.into(),
                "unknown field",
            ),
        ];
        for (text, want) in cases {
            let err = format!("{:#}", Baseline::parse(&text).unwrap_err());
            assert!(err.contains(want), "wanted {want:?} in {err:?}");
        }
    }
}

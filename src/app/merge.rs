//! `keyhound merge`: many JSON reports (the shards of one scan, the scans of many repositories)
//! made into one report, in any format, through the same reporters as `keyhound scan`.
//!
//! The contract: the shards of one scan merge into exactly the findings one scan would have
//! reported, sorted as it sorts them. A shard leaves two things to the merge, because they
//! depend on files of other shards: the provider of a key decided by the files around it
//! (each shard lists what its files mention), and, in git modes, each secret's first commit,
//! whether it is still at HEAD and its age (each shard names the place of its commits in the
//! walk, which every shard makes alike). Reports of another keyhound, malformed or cut short,
//! shards of different scans and incomplete sets of shards are refused, naming the file.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use super::provenance::indexed_mentions;
use super::Outcome;
use crate::finding::{Finding, Severity};
use crate::report::{self, Format, JsonReport, ScanInfo, ScanReport, Stats};
use crate::rules::RuleSet;
use crate::source::{Problem, ProblemKind};

/// Everything `keyhound merge` needs, resolved from the command line.
#[derive(Debug, Clone)]
pub struct MergeConfig {
    /// The JSON reports (`keyhound scan --format json`), in any order.
    pub inputs: Vec<PathBuf>,
    pub format: Format,
    /// `None`: standard output.
    pub output: Option<PathBuf>,
    /// `--rules FILE`: the custom rules the scans used, for SARIF's rule descriptions and for
    /// attributing their keys.
    pub rule_files: Vec<PathBuf>,
    /// `--allow-partial`: merge an incomplete set of shards (with a warning) instead of failing.
    pub allow_partial: bool,
    pub quiet: bool,
    /// The merge's command line, time and version, for the reports that show them (HTML).
    pub run: Option<report::RunInfo>,
}

/// One report read from a file.
struct Input {
    file: String,
    findings: Vec<Finding>,
    stats: Stats,
    scan: ScanInfo,
    warnings: Vec<report::JsonWarning>,
    /// `--shard I/N`, parsed.
    shard: Option<(u32, u32)>,
}

pub fn merge(cfg: &MergeConfig) -> Result<Outcome> {
    if cfg.inputs.is_empty() {
        bail!("give the JSON reports to merge (keyhound scan --format json --output FILE)");
    }
    let mut inputs = Vec::with_capacity(cfg.inputs.len());
    let mut seen = HashSet::new();
    for path in &cfg.inputs {
        let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.clone());
        if !seen.insert(canonical) {
            bail!("{} is named twice", path.display());
        }
        inputs.push(read(path)?);
    }
    let rules = RuleSet::with_files_and_config(&cfg.rule_files, None)?;
    let mut findings = Vec::new();
    let mut warnings = Vec::new();
    let mut stats = Stats::default();
    let mut scans: Vec<ScanInfo> = Vec::new();
    for group in group_shards(inputs, cfg.allow_partial, cfg.quiet)? {
        let (mut found, scan) = finish(&group, &rules);
        findings.append(&mut found);
        scans.push(scan);
        for input in group {
            add_stats(&mut stats, &input.stats);
            warnings.extend(input.warnings);
        }
    }
    // A single scan sorts by path, line, column, rule and commit, and then, in git modes, by
    // secret; many repositories go one after the other.
    findings.sort_by(|a, b| {
        (a.repository.as_deref(), a.sort_key(), &a.secret_sha256).cmp(&(
            b.repository.as_deref(),
            b.sort_key(),
            &b.secret_sha256,
        ))
    });
    findings.dedup();
    for f in &mut findings {
        // The operator's severity (`.keyhound.toml`) is not in the JSON; a severity other than
        // the derived one can only have come from it.
        let derived = Severity::of_score(report::finding_severity(f));
        if f.severity != derived {
            f.severity_override = Some(f.severity);
        }
    }
    stats.findings = findings.len() as u64;
    scans.dedup();
    stats.scan = Some(match <[ScanInfo; 1]>::try_from(scans) {
        Ok([one]) => one,
        Err(_) => ScanInfo {
            keyhound: env!("CARGO_PKG_VERSION").to_string(),
            ..ScanInfo::default()
        },
    });
    // Each file's warnings come from one report: a stable sort by path keeps their order.
    warnings.sort_by(|a, b| a.path.cmp(&b.path));
    warnings.dedup_by(|a, b| a.path == b.path && a.message == b.message);
    let problems: Vec<Problem> = warnings
        .into_iter()
        .map(|w| Problem {
            path: w.path,
            // Reporters print the path and message only.
            kind: ProblemKind::Unreadable,
            message: w.message,
        })
        .collect();
    let report = ScanReport {
        findings: &findings,
        stats: &stats,
        problems: &problems,
        rules: &rules,
        color: false,
        width: report::DEFAULT_WIDTH,
        run: cfg.run.as_ref(),
    };
    write(cfg, &report)?;
    if !cfg.quiet {
        eprintln!(
            "keyhound: merged {} into {}",
            super::plural(cfg.inputs.len(), "report"),
            super::plural(findings.len(), "finding")
        );
    }
    Ok(if findings.is_empty() {
        Outcome::Clean
    } else {
        Outcome::Findings
    })
}

/// Reads and checks one report: JSON of the contract's version, written by this keyhound.
fn read(path: &Path) -> Result<Input> {
    let file = path.display().to_string();
    let text = std::fs::read(path).with_context(|| format!("cannot read {file}"))?;
    let doc: JsonReport<'static> = serde_json::from_slice(&text).map_err(|e| {
        let why = if e.is_eof() {
            "it ends too soon (cut short while written or copied?)".to_string()
        } else {
            format!("{e}")
        };
        anyhow::anyhow!(
            "{file} is not a keyhound JSON report: {why}; merge reads what `keyhound scan --format json` writes"
        )
    })?;
    if doc.version != 1 {
        bail!(
            "{file} is a JSON report of version {}; this keyhound reads version 1",
            doc.version
        );
    }
    let stats = doc.stats.into_owned();
    let this = env!("CARGO_PKG_VERSION");
    let Some(scan) = stats.scan.clone() else {
        bail!(
            "{file} does not say which keyhound wrote it (no stats.scan): it comes from a keyhound older than {this}; scan again with this one"
        );
    };
    if scan.keyhound != this {
        bail!(
            "{file} was written by keyhound {}, this is {this}: rules and detection differ between versions, so scan again with one version",
            scan.keyhound
        );
    }
    let shard = match &scan.shard {
        None => None,
        Some(s) => {
            let parsed = crate::shard::Shard::parse(s)
                .with_context(|| format!("{file}: stats.scan.shard"))?;
            Some((parsed.index, parsed.count))
        }
    };
    Ok(Input {
        file,
        findings: doc.findings.into_owned(),
        stats,
        scan,
        warnings: doc.warnings,
        shard,
    })
}

/// What makes shards parts of one scan: the same root, arguments, repository and count.
type ScanKey = (Option<String>, Vec<String>, Option<String>, u32);

fn key(input: &Input) -> ScanKey {
    (
        input.scan.root.clone(),
        input.scan.args.clone(),
        input.scan.repository.clone(),
        input.shard.map_or(1, |s| s.1),
    )
}

/// The reports grouped by scan: each whole report alone, the shards of one scan together.
/// Every set of shards must be complete (each part once), unless `allow_partial`.
fn group_shards(inputs: Vec<Input>, allow_partial: bool, quiet: bool) -> Result<Vec<Vec<Input>>> {
    let mut groups: Vec<Vec<Input>> = Vec::new();
    let mut sharded: BTreeMap<ScanKey, Vec<Input>> = BTreeMap::new();
    for input in inputs {
        if input.shard.is_some_and(|(_, n)| n > 1) {
            sharded.entry(key(&input)).or_default().push(input);
        } else {
            groups.push(vec![input]);
        }
    }
    let incomplete: Vec<&Vec<Input>> = sharded
        .values()
        .filter(|g| g.len() as u32 != key(&g[0]).3)
        .collect();
    if let [a, b, ..] = incomplete[..] {
        let (ka, kb) = (key(&a[0]), key(&b[0]));
        let what = if ka.3 != kb.3 {
            format!("split {} and {} ways", ka.3, kb.3)
        } else if ka.0 != kb.0 {
            format!(
                "of {} and {}",
                ka.0.as_deref().unwrap_or("?"),
                kb.0.as_deref().unwrap_or("?")
            )
        } else if ka.2 != kb.2 {
            "of different repositories".to_string()
        } else {
            format!(
                "with other arguments ({} vs {})",
                ka.1.join(" "),
                kb.1.join(" ")
            )
        };
        bail!(
            "{} and {} are shards of different scans ({what}); merge the shards of one scan, each once",
            a[0].file,
            b[0].file
        );
    }
    for (k, mut group) in sharded {
        group.sort_by_key(|i| i.shard.map(|s| s.0));
        let n = k.3;
        for pair in group.windows(2) {
            if pair[0].shard == pair[1].shard {
                bail!(
                    "{} and {} are both shard {}/{n} of one scan; give each shard once",
                    pair[0].file,
                    pair[1].file,
                    pair[0].shard.map_or(0, |s| s.0)
                );
            }
        }
        if group.len() as u32 != n {
            let have: HashSet<u32> = group.iter().filter_map(|i| i.shard.map(|s| s.0)).collect();
            let missing: Vec<String> = (1..=n)
                .filter(|i| !have.contains(i))
                .map(|i| format!("{i}/{n}"))
                .collect();
            let given: Vec<&str> = group.iter().map(|i| i.file.as_str()).collect();
            if !allow_partial {
                bail!(
                    "{} {} of a scan split {n} ways; shard{} {} {} missing: a partial merge misses findings (--allow-partial merges it anyway)",
                    given.join(", "),
                    if given.len() == 1 { "is one shard" } else { "are shards" },
                    if missing.len() == 1 { "" } else { "s" },
                    missing.join(", "),
                    if missing.len() == 1 { "is" } else { "are" },
                );
            }
            if !quiet {
                eprintln!(
                    "warning: shard{} {} of the scan of {} not given: the merged report misses its findings",
                    if missing.len() == 1 { "" } else { "s" },
                    missing.join(", "),
                    given.join(", ")
                );
            }
        }
        groups.push(group);
    }
    Ok(groups)
}

/// The findings of one scan (a whole report, or all its shards), finished as the scan would
/// have: keys attributed from the files of every shard, one finding per path, rule and secret
/// at its first commit, presence at HEAD and age across shards. Also the scan's `stats.scan`
/// as a whole scan would write it.
fn finish(group: &[Input], rules: &RuleSet) -> (Vec<Finding>, ScanInfo) {
    let mut scan = group[0].scan.clone();
    let mut findings: Vec<Finding> = group.iter().flat_map(|i| i.findings.clone()).collect();
    if group[0].shard.is_none_or(|(_, n)| n == 1) {
        // `--shard 1/1` is the whole scan.
        scan.shard = None;
        return (findings, scan);
    }
    let mentions: Vec<report::Mention> = group
        .iter()
        .flat_map(|i| i.scan.mentions.iter().cloned())
        .collect();
    crate::detect::attribute_across_files(
        rules,
        &mut findings,
        &indexed_mentions(&mentions, rules),
    );
    let commits: HashMap<&str, u64> = group
        .iter()
        .flat_map(|i| i.scan.commits.iter().map(|(c, o)| (c.as_str(), *o)))
        .collect();
    if findings.iter().any(|f| f.commit.is_some()) {
        findings = first_commits(findings, &commits, scan.max_age_days);
    }
    scan.shard = None;
    scan.commits.clear();
    scan.mentions.clear();
    (findings, scan)
}

/// Across shards, what `app::first_commits` does within one: per path, rule and secret, the
/// finding of the earliest commit; a path holds a secret at HEAD if any shard saw it there; a
/// secret's age runs from its earliest commit in any shard (the largest age any shard gave).
fn first_commits(
    findings: Vec<Finding>,
    commits: &HashMap<&str, u64>,
    max_age_days: Option<u64>,
) -> Vec<Finding> {
    let rank = |f: &Finding| {
        (
            f.commit.as_deref().and_then(|c| commits.get(c).copied()),
            f.line,
            f.column,
        )
    };
    let still_there: HashSet<(Option<String>, String, String)> = findings
        .iter()
        .filter(|f| f.git.present_at_head == Some(true))
        .map(|f| {
            (
                f.repository.clone(),
                f.path.clone(),
                f.secret_sha256.clone(),
            )
        })
        .collect();
    let mut age: HashMap<(Option<String>, String), u64> = HashMap::new();
    for f in &findings {
        if let Some(a) = f.git.age_days {
            let e = age
                .entry((f.repository.clone(), f.secret_sha256.clone()))
                .or_insert(a);
            *e = (*e).max(a);
        }
    }
    let mut out = super::first_by_key(
        findings,
        |f| {
            (
                f.repository.clone(),
                f.path.clone(),
                f.rule.clone(),
                f.secret_sha256.clone(),
            )
        },
        rank,
    );
    for f in &mut out {
        if f.git.present_at_head.is_some() {
            let key = (
                f.repository.clone(),
                f.path.clone(),
                f.secret_sha256.clone(),
            );
            f.git.present_at_head = Some(still_there.contains(&key));
        }
        if let (Some(limit), Some(&a)) = (
            max_age_days,
            age.get(&(f.repository.clone(), f.secret_sha256.clone())),
        ) {
            f.git.age_days = Some(a);
            f.git.rotation_overdue = Some(f.git.present_at_head.unwrap_or(true) && a > limit);
        }
    }
    out
}

/// Counters add up; the rule count is the largest (every scan loads the same built-in rules).
fn add_stats(total: &mut Stats, s: &Stats) {
    total.files_scanned += s.files_scanned;
    total.bytes_scanned += s.bytes_scanned;
    total.skipped_binary += s.skipped_binary;
    total.skipped_too_large += s.skipped_too_large;
    total.unreadable += s.unreadable;
    total.errors += s.errors;
    total.skipped_special += s.skipped_special;
    total.rules = total.rules.max(s.rules);
    total.archives_read += s.archives_read;
    total.archive_members += s.archive_members;
    total.archive_limits += s.archive_limits;
    total.encrypted_members += s.encrypted_members;
    total.corrupt_archives += s.corrupt_archives;
}

fn write(cfg: &MergeConfig, report: &ScanReport<'_>) -> Result<()> {
    // A merged report with secrets in it (`--show-secrets` scans) is for its owner only.
    let access = if report.findings.iter().any(|f| f.secret.is_some()) {
        crate::atomic::Access::Private
    } else {
        crate::atomic::Access::Shared
    };
    match &cfg.output {
        None => {
            let stdout = io::stdout();
            let mut out = io::BufWriter::new(stdout.lock());
            report::emit(cfg.format, report, &mut out)
                .and_then(|_| out.flush())
                .or_else(super::ignore_broken_pipe)
                .context("cannot write the report to standard output")
        }
        Some(path) => crate::atomic::write(path, "the merged report", access, |out| {
            report::emit(cfg.format, report, out)
        }),
    }
}

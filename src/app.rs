//! The application layer: turns a resolved configuration into a scan (or a baseline). It wires
//! the pipeline (source -> detect -> filter -> report), loads `.keyhound.toml` and baselines,
//! owns the thread pool, progress display and the exit code, and keeps one bad file from
//! stopping the rest.

use std::io::{self, IsTerminal, Seek, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

use crate::baseline::Baseline;
use crate::chunk::{Chunk, Provenance};
use crate::config::{self, Config};
use crate::detect::{DetectOptions, Engine};
use crate::filter::{self, DropReason, FilterOptions};
use crate::finding::{Finding, Severity};
use crate::report::{self, Format, ScanReport, Stats};
use crate::rules::{Confidence, RuleSet};
use crate::shard::{Shard, TreeSplit};
use crate::source::git::{self, GitMode, GitScan};
use crate::source::{self, Problem, ProblemKind, Target, WalkOptions};

mod artifacts;
mod merge;
mod provenance;
mod windowed;

use provenance::{list_sizes, repository_name, scan_args, scan_root, shard_mentions};

pub use merge::{merge, MergeConfig};

pub use windowed::DEFAULT_WINDOW;

/// Exit codes: the contract with CI systems and hooks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// 0: nothing found.
    Clean = 0,
    /// 1: findings reported.
    Findings = 1,
    /// 2: usage, configuration or fatal error (or a per-file problem under `--strict`).
    Error = 2,
}

/// Everything `keyhound scan` needs, resolved from the command line.
#[derive(Debug, Clone)]
pub struct ScanConfig {
    pub roots: Vec<PathBuf>,
    pub walk: WalkOptions,
    pub format: Format,
    pub output: Option<PathBuf>,
    pub show_secrets: bool,
    pub strict: bool,
    pub progress: bool,
    pub rule_files: Vec<PathBuf>,
    /// `--min-confidence`; when absent, the configuration's, else low.
    pub min_confidence: Option<Confidence>,
    /// Print each binary-file warning (otherwise the first few and a count).
    pub verbose: bool,
    /// `--config FILE`; without it, `.keyhound.toml` is looked up (see [`config::discover`]).
    pub config: Option<PathBuf>,
    /// `--baseline FILE`: findings listed there are not reported.
    pub baseline: Option<PathBuf>,
    /// Print every dropped finding and excluded file, with the reason, on stderr.
    pub explain: bool,
    /// Read git (staged content, a commit range, history) instead of the working tree.
    pub git: Option<GitOptions>,
    /// `--verify`: ask providers whether the keys work. `None`: no network at all.
    pub verify: Option<crate::verify::VerifyOptions>,
    /// Which findings make the exit code 1.
    pub fail_on: FailOn,
    /// `--report FORMAT=FILE`: when not empty, these reports are written instead of
    /// `format`/`output` (the command line adds those here when both are given).
    pub reports: Vec<ReportTarget>,
    /// `scan -`: the name standard input is reported under (`--stdin-name`).
    pub stdin_name: String,
    /// `--quiet`: no summary, warnings or notes on stderr (errors still).
    pub quiet: bool,
    /// Colours in the human report.
    pub color: bool,
    /// `--exclude GLOB`: files never read, matched like `.gitignore` lines against paths
    /// relative to the scan root.
    pub excludes: Vec<String>,
    /// `--rule` and `--skip-rule` selectors (ids or dotted prefixes).
    pub only_rules: Vec<String>,
    pub skip_rules: Vec<String>,
    /// The command line, start time and version, for the reports that show them (HTML).
    pub run: Option<report::RunInfo>,
    /// `--shard I/N`: scan only this part of the files or blobs (see [`crate::shard`]).
    pub shard: Option<Shard>,
    /// `--repository NAME`, stamped on every finding; `None`: the work tree's origin URL
    /// (without credentials) or folder name, and nothing outside git; `Some("")`: nothing.
    pub repository: Option<String>,
}

/// The path that stands for standard input on the command line.
pub const STDIN_PATH: &str = "-";

/// One report of a scan: its format and where it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportTarget {
    pub format: Format,
    /// `None`: standard output.
    pub path: Option<PathBuf>,
}

/// `--staged`, `--since-commit`, `--history` and `--max-age`.
#[derive(Debug, Clone)]
pub struct GitOptions {
    pub mode: GitMode,
    /// Days after which a secret still at HEAD is flagged `rotation overdue` (history only).
    pub max_age_days: Option<u64>,
}

/// `--fail-on`: which findings make the exit code 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOn {
    /// Any reported finding.
    Any,
    /// Only keys verified live (requires `--verify`).
    Live,
    /// Only keys verified live that the provider says are admin keys (requires `--verify`).
    Admin,
}

impl FailOn {
    fn fails(self, f: &Finding) -> bool {
        match self {
            FailOn::Any => true,
            FailOn::Live => f
                .verification
                .as_ref()
                .is_some_and(|v| v.status == crate::finding::VerificationStatus::Live),
            FailOn::Admin => f.verification.as_ref().is_some_and(|v| {
                v.status == crate::finding::VerificationStatus::Live
                    && v.access.as_ref().and_then(|a| a.admin) == Some(true)
            }),
        }
    }
}

/// Everything `keyhound baseline` needs: the scan settings and where the baseline goes.
#[derive(Debug, Clone)]
pub struct BaselineConfig {
    pub scan: ScanConfig,
    /// `--output`; without it, the configuration's `baseline`, else the default file name.
    pub output: Option<PathBuf>,
    /// Keep the reasons of the existing file and report its stale entries.
    pub update: bool,
}

/// Warnings about special entries (links, pipes) printed before the rest are only counted.
const SPECIAL_WARNINGS_SHOWN: usize = 10;

pub fn scan(cfg: &ScanConfig) -> Result<Outcome> {
    let started = Instant::now();
    check_roots(&cfg.roots)?;
    let run = collect(cfg, Purpose::Scan)?;
    let Run {
        mut findings,
        dropped,
        excluded,
        mut stats,
        problems,
        engine,
        ..
    } = run;
    stats.findings = findings.len() as u64;
    crate::verify::apply(cfg.verify.as_ref(), &mut findings, engine.rules());
    if cfg.verify.is_some() {
        // A live key, and more so an admin one, is worse than its shape alone said.
        for f in &mut findings {
            f.severity = Severity::of_score(report::finding_severity(f));
        }
    }

    if !cfg.quiet {
        print_problems(&problems, cfg.verbose);
    }
    if cfg.explain {
        print_explanations(&dropped, &excluded);
    }
    let report = ScanReport {
        findings: &findings,
        stats: &stats,
        problems: &problems,
        rules: engine.rules(),
        color: cfg.color,
        width: report_width(),
        run: cfg.run.as_ref(),
    };
    write_output(cfg, &report)?;
    let writes_sarif = if cfg.reports.is_empty() {
        cfg.format == Format::Sarif
    } else {
        cfg.reports.iter().any(|r| r.format == Format::Sarif)
    };
    if writes_sarif && findings.len() > report::SARIF_MAX_RESULTS && !cfg.quiet {
        eprintln!(
            "warning: {} findings, of which SARIF holds the first {} (code scanning accepts no more per run); use --format json for all",
            findings.len(),
            report::SARIF_MAX_RESULTS
        );
    }
    if !cfg.quiet {
        print_summary(&stats, &findings, &dropped, started.elapsed());
    }
    // Freeing the rules and the engine's tables (thousands of allocations) was a twentieth
    // of a staged scan: another thread does it, which the process's exit does not wait for.
    // (Should that thread not start, the engine is dropped here as usual.)
    let _ = std::thread::Builder::new().spawn(move || drop(engine));
    if let Some(failed) = strict_outcome(cfg, &problems) {
        return Ok(failed);
    }
    Ok(if findings.iter().any(|f| cfg.fail_on.fails(f)) {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}

/// The width the human report wraps prose at: the terminal's when stdout is one.
fn report_width() -> usize {
    if io::stdout().is_terminal() {
        if let Some((terminal_size::Width(w), _)) = terminal_size::terminal_size() {
            return usize::from(w).clamp(40, 200);
        }
    }
    report::DEFAULT_WIDTH
}

/// Under `--strict`, a file that could not be read or scanned fails the scan; the message says
/// which (the warnings above list every one).
fn strict_outcome(cfg: &ScanConfig, problems: &[Problem]) -> Option<Outcome> {
    if !cfg.strict {
        return None;
    }
    let failed: Vec<&Problem> = problems.iter().filter(|p| p.is_error()).collect();
    let first = failed.first()?;
    eprintln!(
        "error: --strict: {} could not be read or scanned (first: {}: {})",
        plural(failed.len(), "file"),
        first.path,
        first.message
    );
    Some(Outcome::Error)
}

/// Every path named on the command line must be there and readable: a typo in a CI script
/// must fail the job, not scan nothing and pass.
fn check_roots(roots: &[PathBuf]) -> Result<()> {
    let stdin = roots.iter().filter(|r| r.as_os_str() == STDIN_PATH).count();
    if stdin > 1 {
        anyhow::bail!("`-` (standard input) is named twice");
    }
    for root in roots.iter().filter(|r| r.as_os_str() != STDIN_PATH) {
        let shown = root.display();
        let meta = std::fs::metadata(root).with_context(|| format!("cannot scan {shown}"))?;
        if meta.is_dir() {
            std::fs::read_dir(root).with_context(|| format!("cannot scan {shown}"))?;
        } else if meta.is_file() {
            std::fs::File::open(root).with_context(|| format!("cannot scan {shown}"))?;
        }
        // A named pipe, socket or device is never opened (opening a pipe blocks): the walk
        // lists it as skipped, like one met inside a folder.
    }
    Ok(())
}

/// `keyhound baseline`: scans like `keyhound scan` (configuration, markers and allowlists
/// apply; every confidence is kept, so lowering `--min-confidence` later brings nothing back)
/// and writes one entry per distinct rule and secret, to `--output`, else to the `baseline`
/// the configuration names, else to `.keyhound-baseline.json`.
pub fn baseline(cfg: &BaselineConfig) -> Result<Outcome> {
    check_roots(&cfg.scan.roots)?;
    let run = collect(&cfg.scan, Purpose::Baseline)?;
    let output = cfg
        .output
        .clone()
        .or_else(|| run.config_baseline.clone())
        .unwrap_or_else(|| PathBuf::from(crate::baseline::FILE_NAME));
    let previous = if cfg.update && output.exists() {
        Some(Baseline::read(&output)?)
    } else {
        None
    };
    if !cfg.scan.quiet {
        print_problems(&run.problems, cfg.scan.verbose);
    }
    if cfg.scan.explain {
        print_explanations(&run.dropped, &run.excluded);
    }
    let mut baseline = Baseline::from_findings(&run.findings);
    let stale = match &previous {
        Some(old) => baseline.keep_reasons(old),
        None => Vec::new(),
    };
    baseline.write(&output)?;
    if !cfg.scan.quiet {
        let mut stderr = io::stderr().lock();
        for e in &stale {
            let _ = writeln!(
                stderr,
                "stale: {} {} ({}): no longer found, removed",
                e.fingerprint,
                e.rule,
                e.paths.join(", ")
            );
        }
        let n = baseline.entries().len();
        let _ = writeln!(
            stderr,
            "keyhound: wrote {n} baseline entr{} to {}{}",
            if n == 1 { "y" } else { "ies" },
            output.display(),
            if stale.is_empty() {
                String::new()
            } else {
                format!("; {} stale removed", stale.len())
            }
        );
    }
    Ok(strict_outcome(&cfg.scan, &run.problems).unwrap_or(Outcome::Clean))
}

/// What a pass of the pipeline is for: `scan` reports (baseline and minimum confidence
/// apply); `baseline` records every confidence and reads no baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Purpose {
    Scan,
    Baseline,
}

/// What one pass of the pipeline up to the filters produced.
struct Run {
    findings: Vec<Finding>,
    dropped: Vec<(Finding, DropReason)>,
    /// Files never read because the configuration excludes them.
    excluded: Vec<(String, DropReason)>,
    stats: Stats,
    problems: Vec<Problem>,
    engine: Engine,
    /// The `baseline` the configuration names, if any.
    config_baseline: Option<PathBuf>,
}

/// Loads the configuration and rules, walks, scans and filters.
fn collect(cfg: &ScanConfig, purpose: Purpose) -> Result<Run> {
    // The built-in rules are parsed while the repository is opened and the configuration
    // read (they depend on neither, and parsing them is most of a scan's start-up).
    // (Should no thread start, they are parsed where they are needed.)
    let builtin = std::thread::Builder::new().spawn(RuleSet::builtin_for_scan);
    let plan = match &cfg.git {
        Some(g) => {
            let root = cfg.roots.first().map_or(Path::new("."), PathBuf::as_path);
            if root.as_os_str() == STDIN_PATH {
                anyhow::bail!(
                    "git modes read the repository, not standard input: give a folder inside it"
                );
            }
            let plan = git::plan(root, &g.mode)?;
            if !cfg.quiet {
                for note in &plan.notes {
                    eprintln!("keyhound: {note}");
                }
            }
            Some(plan)
        }
        None => None,
    };
    let config_roots = match &plan {
        Some(p) => vec![p.root.clone()],
        None => cfg.roots.clone(),
    };
    let config_at = config::discover(cfg.config.as_deref(), &config_roots);
    let config = match &config_at {
        Some(at) => {
            let mut c = config::load(at)?;
            if !at.discovered {
                // A file named by --config can live anywhere: its globs are relative to the
                // scan root (the work tree in git modes), as they were before discovery.
                let base = match &config_roots[..] {
                    [root] if root.is_dir() => root.clone(),
                    _ => PathBuf::from("."),
                };
                c.glob_base = source::anchored(&base);
            }
            Some(c)
        }
        None => None,
    };
    if !cfg.quiet {
        for w in config.iter().flat_map(|c| &c.warnings) {
            eprintln!("warning: {w}");
        }
    }
    let baseline = match (purpose, &cfg.baseline) {
        (Purpose::Baseline, _) => None,
        (Purpose::Scan, Some(path)) => Some((Baseline::read(path)?, path.display().to_string())),
        (Purpose::Scan, None) => match config.as_ref().and_then(|c| c.baseline.as_ref()) {
            Some(path) => Some((
                Baseline::read(path).with_context(|| {
                    format!(
                        "the baseline named in {}",
                        config.as_ref().map_or("", |c| c.source.as_str())
                    )
                })?,
                path.display().to_string(),
            )),
            None => None,
        },
    };
    let baseline = baseline.as_ref().map(|(b, p)| (b, p.as_str()));
    let config_path = config_at.as_ref().map(|at| at.path.as_path());
    let cli_excludes = config::Excludes::from_globs(&cfg.excludes, "--exclude")?;
    let config_rules = config
        .as_ref()
        .map(|c| (c.source.as_str(), c.rules.as_slice()));
    let builtin = match builtin {
        Ok(thread) => thread
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e)),
        Err(_) => RuleSet::builtin_for_scan(),
    };
    let mut rules = builtin?.extended(&cfg.rule_files, config_rules)?;
    if let Some(c) = &config {
        c.check_rule_ids(|id| rules.get(id).is_some())?;
    }
    rules.select(&cfg.only_rules, &cfg.skip_rules)?;
    let engine = Engine::new(
        rules,
        DetectOptions {
            show_secrets: cfg.show_secrets,
            ..DetectOptions::default()
        },
    )?;
    let artifacts = artifacts::Artifacts::new(&cfg.walk);
    let artifacts = &artifacts;
    // `--shard 1/1` is the whole scan: nothing to leave to a merge.
    let shard = cfg.shard.filter(|s| !s.is_whole());
    let mut commits: Vec<std::sync::Arc<git::CommitMeta>> = Vec::new();
    // Per file (or blob) scanned: the providers it names, for findings that name none.
    let mentions = std::sync::Mutex::new(Vec::new());
    let (outcomes, mut problems, excluded) = match &plan {
        None => {
            // Each walker thread scans the files it lists (see `source::walk_each`): the walk
            // (a sixth of a scan of a warm tree) no longer runs before the first file is read.
            let exclusion = Exclusion::new(config_path, config.as_ref(), &cli_excludes);
            let outcomes = std::sync::Mutex::new(Vec::new());
            let problems = std::sync::Mutex::new(Vec::new());
            let excluded = std::sync::Mutex::new(Vec::new());
            let said = &mentions;
            let (stdin, roots): (Vec<PathBuf>, Vec<PathBuf>) = cfg
                .roots
                .iter()
                .cloned()
                .partition(|r| r.as_os_str() == STDIN_PATH);
            // Standard input is one file: the first shard's.
            if !stdin.is_empty() && shard.is_none_or(|s| s.index == 1) {
                let o = scan_stdin(&engine, &cfg.stdin_name, cfg.walk.max_file_size)?;
                lock(&outcomes).push(o);
            }
            let split = shard.map(|s| TreeSplit::new(s, list_sizes(&roots, &cfg.walk)));
            if let (Some(split), Some(s), false) = (&split, shard, cfg.quiet) {
                let (files, all_files, bytes, all_bytes) = split.summary();
                eprintln!(
                    "keyhound: shard {s} holds {files} of {all_files} files, {} of {} listed",
                    human_bytes(bytes),
                    human_bytes(all_bytes)
                );
            }
            let split = split.as_ref();
            let bar = Progress::new(cfg.progress && !cfg.quiet);
            source::walk_each(&roots, &cfg.walk, || {
                let (mut scratch, mut reader) = (engine.scratch(), source::Reader::default());
                let (engine, exclusion, bar) = (&engine, &exclusion, &bar);
                let artifacts = &artifacts;
                let (outcomes, problems, excluded) = (&outcomes, &problems, &excluded);
                move |item| match item {
                    Ok(t) if split.is_some_and(|s| !s.owns(&t.display)) => {}
                    Err(p) if shard.is_some_and(|s| !s.owns_path(&p.path)) => {}
                    Ok(t) => match exclusion.reason(&t) {
                        Some(r) => lock(excluded).push((t.display, r)),
                        None => {
                            bar.inc_length(1);
                            let o = scan_file(
                                engine,
                                &mut scratch,
                                &mut reader,
                                &t,
                                &cfg.walk,
                                artifacts,
                            );
                            let m = scratch.take_mentions();
                            if !m.is_empty() {
                                lock(said).push((t.display.clone(), m));
                            }
                            bar.inc(1);
                            lock(outcomes).push(placed(o, &t));
                        }
                    },
                    Err(p) => lock(problems).push(p),
                }
            });
            bar.finish();
            let mut excluded = excluded.into_inner().unwrap_or_else(|e| e.into_inner());
            excluded.sort_by(|a: &(String, DropReason), b| a.0.cmp(&b.0));
            let problems = problems.into_inner().unwrap_or_else(|e| e.into_inner());
            let outcomes = outcomes.into_inner().unwrap_or_else(|e| e.into_inner());
            (outcomes, problems, excluded)
        }
        Some(plan) => {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(cfg.walk.threads)
                .build()
                .context("cannot start the scanning threads")?;
            // One thread lists the blobs (a tree diff per commit) while the pool scans those
            // already listed; the order of outcomes does not matter, everything is sorted after.
            // Exclusions are decided by the lister, in order, so that a blob refused at an
            // excluded path is offered again at its next path.
            let own = own_config_path(plan, config_path);
            let bar = Progress::new(cfg.progress && !cfg.quiet);
            // A queue of 1,024 keeps the pool busy; its slots are written when it is made, and a
            // longer one was a twentieth of a staged scan's start-up.
            let (tx, rx) = std::sync::mpsc::sync_channel::<git::BlobJob>(1024);
            let (outcomes, listed) = std::thread::scope(|s| {
                let (bar, tx, own, config) = (&bar, tx, own.as_deref(), config.as_ref());
                let cli_excludes = &cli_excludes;
                let lister = s.spawn(move || {
                    let (mut excluded, mut also_at) = (Vec::new(), Vec::new());
                    let commits = plan.stream(|offer| {
                        let (git::Offer::Scan(job) | git::Offer::AlsoAt(job)) = &offer;
                        // Another shard's blob: refused like an excluded one, so that the
                        // walk goes on exactly as in the other shards.
                        if shard.is_some_and(|s| !s.owns_blob(job.id.as_bytes())) {
                            return false;
                        }
                        if let Some(r) = job_exclusion(own, config, cli_excludes, job) {
                            excluded.push((blob_display(job), r));
                            return false;
                        }
                        match offer {
                            git::Offer::Scan(job) => {
                                bar.inc_length(1);
                                // The scan side only goes away on a panic, which surfaces anyway.
                                let _ = tx.send(job);
                            }
                            git::Offer::AlsoAt(job) => also_at.push(job),
                        }
                        true
                    });
                    commits.map(|c| (c, excluded, also_at))
                });
                let outcomes: Vec<(gix::ObjectId, FileOutcome)> = pool.install(|| {
                    rx.into_iter()
                        .par_bridge()
                        .map_init(
                            || (engine.scratch(), plan.repo.to_thread_local()),
                            |(scratch, repo), job| {
                                let o = scan_blob(
                                    &engine,
                                    scratch,
                                    repo,
                                    plan,
                                    &job,
                                    cfg.walk.max_file_size,
                                    artifacts,
                                );
                                // What the blob names decides for its folder as a file's does
                                // in a tree scan (every version of it in history).
                                let m = scratch.take_mentions();
                                if !m.is_empty() {
                                    lock(&mentions).push((job.path.clone(), m));
                                }
                                bar.inc(1);
                                (job.id, o)
                            },
                        )
                        .collect()
                });
                let listed = lister
                    .join()
                    .unwrap_or_else(|p| std::panic::resume_unwind(p));
                (outcomes, listed)
            });
            bar.finish();
            let (listed, mut excluded, also_at) = listed?;
            commits = listed;
            excluded.sort_by(|a: &(String, DropReason), b| a.0.cmp(&b.0));
            let (outcomes, problems) = elsewhere(
                &engine,
                &pool,
                plan,
                outcomes,
                &also_at,
                cfg.walk.max_file_size,
                artifacts,
            );
            (outcomes, problems, excluded)
        }
    };

    let mut stats = Stats {
        rules: engine.rules().len() as u64,
        ..Stats::default()
    };
    let mut findings = Vec::new();
    let mut dropped = Vec::new();
    for o in outcomes {
        match o {
            FileOutcome::Scanned {
                bytes,
                findings: f,
                dropped: d,
                archive,
            } => {
                stats.files_scanned += 1;
                stats.bytes_scanned += bytes;
                findings.extend(f);
                dropped.extend(d);
                if let Some(a) = archive {
                    stats.archives_read += 1;
                    stats.archive_members += a.members;
                    problems.extend(a.problems);
                }
            }
            FileOutcome::Skipped(p) => problems.push(p),
        }
    }
    let mentions = mentions.into_inner().unwrap_or_else(|e| e.into_inner());
    // A shard sees only its own files: the merge attributes, from the mentions of every shard.
    let shard_mentions = match shard {
        Some(_) => shard_mentions(&mentions, engine.rules()),
        None => {
            engine.attribute_across_files(&mut findings, &mentions);
            Vec::new()
        }
    };
    problems.sort();
    for p in &problems {
        stats.count_problem(p);
    }
    let min_confidence = match purpose {
        Purpose::Scan => cfg
            .min_confidence
            .or(config.as_ref().and_then(|c| c.min_confidence))
            .unwrap_or(Confidence::Low),
        Purpose::Baseline => Confidence::Low,
    };
    if plan.is_some() {
        // Blobs are named by their path in the work tree, which is what SARIF wants too.
        for f in findings
            .iter_mut()
            .chain(dropped.iter_mut().map(|(f, _)| f))
        {
            // A member of an archive points at the archive.
            f.repo_path
                .clone_from(f.archive.as_ref().unwrap_or(&f.path));
        }
    }
    let (findings, more_dropped) = filter::apply(
        findings,
        &FilterOptions {
            min_confidence,
            allow: config.as_ref().map_or(&[], |c| c.allow.as_slice()),
            allow_base: config.as_ref().map_or("", |c| c.glob_base.as_str()),
            baseline,
            published: engine.published(),
        },
    );
    dropped.extend(more_dropped);
    dropped.sort_by(|a, b| a.0.sort_key().cmp(&b.0.sort_key()));
    let mut findings = findings;
    if let (Some(plan), Some(g)) = (&plan, &cfg.git) {
        findings = first_commits(findings, plan, &commits, g.max_age_days, unix_now());
    }
    let repository = repository_name(cfg, plan.as_ref());
    let mut commit_order = std::collections::BTreeMap::new();
    if shard.is_some() {
        let order: std::collections::HashMap<&str, u64> = commits
            .iter()
            .map(|c| (c.id.as_str(), c.order as u64))
            .collect();
        for f in &findings {
            if let Some(&o) = f.commit.as_deref().and_then(|c| order.get(c)) {
                commit_order.insert(f.commit.clone().unwrap_or_default(), o);
            }
        }
    }
    stats.scan = Some(crate::report::ScanInfo {
        keyhound: env!("CARGO_PKG_VERSION").to_string(),
        shard: cfg.shard.map(|s| s.to_string()),
        root: scan_root(cfg, plan.as_ref()),
        args: scan_args(cfg),
        repository: repository.clone(),
        max_age_days: cfg.git.as_ref().and_then(|g| g.max_age_days),
        commits: commit_order,
        mentions: shard_mentions,
    });
    for f in &mut findings {
        f.repository.clone_from(&repository);
        f.severity_override = config
            .as_ref()
            .and_then(|c| c.severity.get(&f.rule))
            .map(|(s, _)| *s);
        f.severity = Severity::of_score(report::finding_severity(f));
    }
    Ok(Run {
        findings,
        dropped,
        excluded,
        stats,
        problems,
        engine,
        config_baseline: config.and_then(|c| c.baseline),
    })
}

/// Gives a file's findings the names users and CI see (see [`source::Target`]); the engine
/// saw the path relative to the scan root.
fn placed(outcome: FileOutcome, t: &Target) -> FileOutcome {
    let (bytes, mut findings, mut dropped, archive) = match outcome {
        FileOutcome::Scanned {
            bytes,
            findings,
            dropped,
            archive,
        } => (bytes, findings, dropped, archive),
        FileOutcome::Skipped(mut p) => {
            // A caught panic names the file as the engine saw it.
            p.path.clone_from(&t.display);
            return FileOutcome::Skipped(p);
        }
    };
    for f in findings
        .iter_mut()
        .chain(dropped.iter_mut().map(|(f, _)| f))
    {
        artifacts::place(f, &t.display, &t.repo);
    }
    FileOutcome::Scanned {
        bytes,
        findings,
        dropped,
        archive,
    }
}

/// `scan -`: standard input, read whole (up to `--max-file-size`) and scanned as one file.
fn scan_stdin(engine: &Engine, name: &str, max: u64) -> Result<FileOutcome> {
    use std::io::Read;
    let mut data = Vec::new();
    io::stdin()
        .lock()
        .take(max.saturating_add(1))
        .read_to_end(&mut data)
        .context("cannot read standard input")?;
    let t = Target::named(name, PathBuf::from(name));
    if data.len() as u64 > max {
        return Ok(FileOutcome::Skipped(Problem {
            path: t.display,
            kind: ProblemKind::TooLarge,
            message: format!("skipped: over --max-file-size ({max} bytes)"),
        }));
    }
    let data = match source::decode(name, data) {
        Ok(d) => d,
        Err(p) => return Ok(FileOutcome::Skipped(p)),
    };
    let outcome = scan_bytes(engine, &mut engine.scratch(), name, &data);
    Ok(placed(outcome, &t))
}

/// Which files the configuration excludes, decided before any of them is read. The
/// configuration file itself is never scanned: its custom rules' examples would be found.
struct Exclusion<'a> {
    /// The configuration file (its path as given, and canonical) and what it says.
    config: Option<(&'a Path, Option<PathBuf>, &'a Config)>,
    /// `--exclude` globs, matched against paths relative to the scan root.
    cli: &'a config::Excludes,
}

impl<'a> Exclusion<'a> {
    fn new(
        config_path: Option<&'a Path>,
        config: Option<&'a Config>,
        cli: &'a config::Excludes,
    ) -> Exclusion<'a> {
        let config = match (config_path, config) {
            (Some(path), Some(config)) => Some((path, std::fs::canonicalize(path).ok(), config)),
            _ => None,
        };
        Exclusion { config, cli }
    }

    fn reason(&self, t: &Target) -> Option<DropReason> {
        if let Some(r) = filter::excluded(&t.rel, self.cli) {
            return Some(r);
        }
        let (path, own, config) = self.config.as_ref()?;
        let is_own = t.path.file_name() == path.file_name()
            && own.is_some()
            && std::fs::canonicalize(&t.path).ok() == *own;
        if is_own {
            Some(DropReason::ConfigFile)
        } else {
            filter::excluded(config.relative(&t.repo)?, &config.excludes)
        }
    }
}

/// The vector behind a lock that only this module's threads take; a panic while holding it
/// surfaces through the thread's join, so a poisoned lock is still good to read.
fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// `--explain`: one line per dropped finding and per excluded file, sorted, on stderr.
fn print_explanations(dropped: &[(Finding, DropReason)], excluded: &[(String, DropReason)]) {
    let mut stderr = io::stderr().lock();
    for (path, reason) in excluded {
        let _ = writeln!(stderr, "excluded: {path}: {reason}");
    }
    for (f, reason) in dropped {
        let _ = writeln!(
            stderr,
            "dropped: {}:{}:{} {}: {reason}",
            f.path, f.line, f.column, f.rule
        );
    }
}

enum FileOutcome {
    Scanned {
        bytes: u64,
        findings: Vec<Finding>,
        /// Dropped while the file's bytes were at hand (duplicates, inline markers).
        dropped: Vec<(Finding, DropReason)>,
        /// Set when the file was read as an archive.
        archive: Option<Box<artifacts::ArchiveRead>>,
    },
    Skipped(Problem),
}

fn scan_file(
    engine: &Engine,
    scratch: &mut crate::detect::Scratch,
    reader: &mut source::Reader,
    t: &Target,
    walk: &WalkOptions,
    artifacts: &artifacts::Artifacts,
) -> FileOutcome {
    let max = walk.max_file_size;
    let (mut file, len) = match source::open(t) {
        Ok(opened) => opened,
        Err(p) => return FileOutcome::Skipped(p),
    };
    if let Some(artifact) = artifacts.by_name(&t.rel) {
        return scan_artifact(engine, scratch, t, file, len, max, artifacts, artifact);
    }
    if let Some(outcome) = windowed::scan(engine, scratch, t, &mut file, len, max, walk.window) {
        return outcome;
    }
    if len > walk.window {
        // Not scanned in windows after all (UTF-16): read whole, from the start.
        if let Err(e) = file.rewind() {
            return FileOutcome::Skipped(Problem {
                path: t.display.clone(),
                kind: ProblemKind::Unreadable,
                message: format!("cannot read: {e}"),
            });
        }
    }
    match reader.read(t, file, len, max) {
        Ok(data) => scan_bytes(engine, scratch, &t.rel, data),
        Err(p) if p.kind == ProblemKind::Binary && artifacts.binaries() && len <= max => {
            match source::open(t).and_then(|(file, len)| read_raw(t, file, len, max)) {
                Ok(data) => artifacts.scan_binary(engine, scratch, &t.rel, &data),
                Err(p) => FileOutcome::Skipped(p),
            }
        }
        Err(p) => FileOutcome::Skipped(p),
    }
}

/// A file whose name says archive or compiled code: read whole (up to `--max-file-size`) and
/// scanned as what its bytes confirm, else as any file.
#[allow(clippy::too_many_arguments)]
fn scan_artifact(
    engine: &Engine,
    scratch: &mut crate::detect::Scratch,
    t: &Target,
    file: std::fs::File,
    len: u64,
    max: u64,
    artifacts: &artifacts::Artifacts,
    artifact: source::archive::Artifact,
) -> FileOutcome {
    let data = match read_raw(t, file, len, max) {
        Ok(d) => d,
        Err(p) => return FileOutcome::Skipped(p),
    };
    if let Some(o) = artifacts.scan(engine, scratch, &t.rel, &t.display, &data, artifact) {
        return o;
    }
    if artifacts.binaries() && source::looks_binary(&data) {
        return artifacts.scan_binary(engine, scratch, &t.rel, &data);
    }
    match source::decode(&t.display, data) {
        Ok(text) => scan_bytes(engine, scratch, &t.rel, &text),
        Err(p) => FileOutcome::Skipped(p),
    }
}

/// The bytes of a file as they are (no decoding, no binary check), up to `max`.
fn read_raw(t: &Target, file: std::fs::File, len: u64, max: u64) -> Result<Vec<u8>, Problem> {
    use std::io::Read;
    let problem = |kind, message: String| Problem {
        path: t.display.clone(),
        kind,
        message,
    };
    if len > max {
        return Err(problem(
            ProblemKind::TooLarge,
            format!("skipped: {len} bytes is over --max-file-size ({max} bytes)"),
        ));
    }
    let mut data = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    file.take(max.saturating_add(1))
        .read_to_end(&mut data)
        .map_err(|e| problem(ProblemKind::Unreadable, format!("cannot read: {e}")))?;
    if data.len() as u64 > max {
        return Err(problem(
            ProblemKind::TooLarge,
            format!("skipped: grew over --max-file-size ({max} bytes) while read"),
        ));
    }
    Ok(data)
}

/// Scans bytes already in memory; a panic in the engine costs this file only.
fn scan_bytes(
    engine: &Engine,
    scratch: &mut crate::detect::Scratch,
    display: &str,
    data: &[u8],
) -> FileOutcome {
    let chunk = Chunk {
        provenance: Provenance::File {
            path: display.to_string(),
        },
        data,
    };
    match catch_unwind(AssertUnwindSafe(|| engine.scan(&chunk, scratch))) {
        Ok(findings) => {
            let (findings, dropped) = apply_inline_markers(findings, data);
            FileOutcome::Scanned {
                bytes: data.len() as u64,
                findings,
                dropped,
                archive: None,
            }
        }
        Err(panic) => {
            // The scratch may be half-updated; start this thread afresh.
            *scratch = engine.scratch();
            FileOutcome::Skipped(internal_error(display, panic))
        }
    }
}

/// The path of the configuration file in the repository, if it is inside it.
fn own_config_path(plan: &GitScan, config_path: Option<&Path>) -> Option<String> {
    let path = std::fs::canonicalize(config_path?).ok()?;
    let root = std::fs::canonicalize(&plan.root).ok()?;
    path.strip_prefix(root)
        .ok()
        .map(|r| r.to_string_lossy().replace('\\', "/"))
}

/// Why `--exclude` or the configuration excludes a git job (by path), if either does; the
/// configuration file itself is never scanned.
fn job_exclusion(
    own: Option<&str>,
    config: Option<&Config>,
    cli: &config::Excludes,
    job: &git::BlobJob,
) -> Option<DropReason> {
    if own == Some(job.path.as_str()) {
        return Some(DropReason::ConfigFile);
    }
    filter::excluded(&job.path, cli).or_else(|| {
        let c = config?;
        filter::excluded(c.relative(&job.path)?, &c.excludes)
    })
}

/// How a blob is named in warnings: its path, and the commit it came with.
fn blob_display(job: &git::BlobJob) -> String {
    match &job.commit {
        Some(c) => format!("{}@{}", job.path, &c.id[..10]),
        None => format!("{} (staged)", job.path),
    }
}

/// Scans one blob and keeps the findings on lines the change added.
fn scan_blob(
    engine: &Engine,
    scratch: &mut crate::detect::Scratch,
    repo: &gix::Repository,
    plan: &GitScan,
    job: &git::BlobJob,
    max: u64,
    artifacts: &artifacts::Artifacts,
) -> FileOutcome {
    let display = blob_display(job);
    let problem = |kind, message: String| {
        FileOutcome::Skipped(Problem {
            path: display.clone(),
            kind,
            message,
        })
    };
    let size = match git::blob_size(repo, job.id) {
        Ok(n) => n,
        Err(e) => return problem(ProblemKind::Unreadable, format!("{e:#}")),
    };
    if size > max {
        return problem(
            ProblemKind::TooLarge,
            format!("skipped: {size} bytes is over --max-file-size ({max} bytes)"),
        );
    }
    let data = match git::read_blob(repo, job.id) {
        Ok(d) => d,
        Err(e) => return problem(ProblemKind::Unreadable, format!("{e:#}")),
    };
    // An archive (or compiled code) is read as in a tree scan; its findings are all new when
    // the blob is (lines of the old blob's members are not compared).
    let artifact = artifacts
        .by_name(&job.path)
        .and_then(|a| artifacts.scan(engine, scratch, &job.path, &display, &data, a));
    let is_artifact = artifact.is_some();
    let (outcome, data) = match artifact {
        Some(o) => (o, Vec::new()),
        None => {
            let data = match source::decode(&display, data) {
                Ok(d) => d,
                Err(p) => return FileOutcome::Skipped(p),
            };
            (scan_bytes(engine, scratch, &job.path, &data), data)
        }
    };
    let FileOutcome::Scanned {
        bytes,
        mut findings,
        mut dropped,
        archive,
    } = outcome
    else {
        return outcome;
    };
    if is_artifact {
        for f in findings
            .iter_mut()
            .chain(dropped.iter_mut().map(|(f, _)| f))
        {
            artifacts::place(f, &job.path, &job.path);
        }
    }
    if let (Some(previous), false) = (job.previous, is_artifact) {
        // An old side that is binary or unreadable counts as empty: every line is new.
        let old = git::read_blob(repo, previous)
            .ok()
            .and_then(|d| source::decode(&display, d).ok())
            .unwrap_or_default();
        let mut added = git::added_lines(&old, &data);
        for other in &job.other_parents {
            let theirs = git::read_blob(repo, *other)
                .ok()
                .and_then(|d| source::decode(&display, d).ok())
                .unwrap_or_default();
            let new_there = git::added_lines(&theirs, &data);
            for (a, b) in added.iter_mut().zip(new_there) {
                *a &= b;
            }
        }
        let is_added = |f: &Finding| (f.line..=f.end_line).any(|l| added.get(l) == Some(&true));
        findings.retain(is_added);
        dropped.retain(|(f, _)| is_added(f));
    }
    let commit = job.commit.as_deref();
    // Per path: the secret is still there only if this very blob is at this path at the tip.
    let present = plan
        .tip_tree
        .as_ref()
        .map(|t| t.get(&job.path) == Some(&job.id));
    for f in findings
        .iter_mut()
        .chain(dropped.iter_mut().map(|(f, _)| f))
    {
        if let Some(c) = commit {
            f.commit = Some(c.id.clone());
            f.git.author = Some(c.author.clone());
            f.git.date = Some(c.date.clone());
        }
        f.git.present_at_head = present;
    }
    FileOutcome::Scanned {
        bytes,
        findings,
        dropped,
        archive,
    }
}

/// History mode: a blob is scanned once, at the first path it had; one that holds findings is
/// scanned again at each other path it had (a rename, a copy, two files with one content),
/// because what a finding says depends on its path (exposure, the confidence of test data, the
/// fingerprint). Those findings join the blob's own outcome, so that the blob counts once in
/// the statistics. The extra work follows the findings, not the history.
fn elsewhere(
    engine: &Engine,
    pool: &rayon::ThreadPool,
    plan: &GitScan,
    outcomes: Vec<(gix::ObjectId, FileOutcome)>,
    also_at: &[git::BlobJob],
    max: u64,
    artifacts: &artifacts::Artifacts,
) -> (Vec<FileOutcome>, Vec<Problem>) {
    let holding: std::collections::HashMap<gix::ObjectId, usize> = outcomes
        .iter()
        .enumerate()
        .filter_map(|(i, (id, o))| match o {
            FileOutcome::Scanned {
                findings, dropped, ..
            } if !findings.is_empty() || !dropped.is_empty() => Some((*id, i)),
            _ => None,
        })
        .collect();
    let again: Vec<&git::BlobJob> = also_at
        .iter()
        .filter(|j| holding.contains_key(&j.id))
        .collect();
    let mut outcomes: Vec<FileOutcome> = outcomes.into_iter().map(|(_, o)| o).collect();
    let mut problems = Vec::new();
    if again.is_empty() {
        return (outcomes, problems);
    }
    let more: Vec<(gix::ObjectId, FileOutcome)> = pool.install(|| {
        again
            .par_iter()
            .map_init(
                || (engine.scratch(), plan.repo.to_thread_local()),
                |(scratch, repo), job| {
                    let o = scan_blob(engine, scratch, repo, plan, job, max, artifacts);
                    (job.id, o)
                },
            )
            .collect()
    });
    for (id, o) in more {
        let Some(&i) = holding.get(&id) else { continue };
        match (o, &mut outcomes[i]) {
            (
                FileOutcome::Scanned {
                    findings: f,
                    dropped: d,
                    ..
                },
                FileOutcome::Scanned {
                    findings, dropped, ..
                },
            ) => {
                findings.extend(f);
                dropped.extend(d);
            }
            (FileOutcome::Skipped(p), _) => problems.push(p),
            (FileOutcome::Scanned { .. }, FileOutcome::Skipped(_)) => {}
        }
    }
    (outcomes, problems)
}

/// Git modes report a secret once per path, with the earliest commit that added it there (in
/// history mode: that put a blob holding it at that path). In history mode it is present at
/// HEAD if the blob at that same path at the tip holds it, and with `max_age_days` a secret
/// still present whose first commit is older than that is `rotation_overdue`. The age runs from
/// the secret's first commit at any path: renaming a file does not make its key younger.
fn first_commits(
    findings: Vec<Finding>,
    plan: &GitScan,
    commits: &[std::sync::Arc<git::CommitMeta>],
    max_age_days: Option<u64>,
    now: i64,
) -> Vec<Finding> {
    let by_id: std::collections::HashMap<&str, &git::CommitMeta> =
        commits.iter().map(|c| (c.id.as_str(), &**c)).collect();
    let commit_of = |f: &Finding| f.commit.as_deref().and_then(|c| by_id.get(c).copied());
    // Earliest commit first; in one commit, the first place in the file.
    let rank = |f: &Finding| (commit_of(f).map(|c| c.order), f.line, f.column);
    // By path and secret (not rule): another rule may report the same secret at the tip.
    let still_there: std::collections::HashSet<(String, String)> = findings
        .iter()
        .filter(|f| f.git.present_at_head == Some(true))
        .map(|f| (f.path.clone(), f.secret_sha256.clone()))
        .collect();
    let mut born: std::collections::HashMap<String, &git::CommitMeta> =
        std::collections::HashMap::new();
    for f in &findings {
        if let Some(c) = commit_of(f) {
            let earliest = born.entry(f.secret_sha256.clone()).or_insert(c);
            if c.order < earliest.order {
                *earliest = c;
            }
        }
    }
    let mut out = first_by_key(
        findings,
        |f| (f.path.clone(), f.rule.clone(), f.secret_sha256.clone()),
        rank,
    );
    for f in &mut out {
        if plan.tip_tree.is_some() {
            let key = (f.path.clone(), f.secret_sha256.clone());
            f.git.present_at_head = Some(still_there.contains(&key));
        }
        if let (Some(limit), Some(&c)) = (max_age_days, born.get(&f.secret_sha256)) {
            let age = (now - c.time).max(0) as u64 / 86_400;
            f.git.age_days = Some(age);
            f.git.rotation_overdue = Some(f.git.present_at_head.unwrap_or(true) && age > limit);
        }
    }
    out.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    out
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// The problem reported for a file whose scan panicked.
fn internal_error(display: &str, panic: Box<dyn std::any::Any + Send>) -> Problem {
    let what = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into());
    Problem {
        path: display.to_string(),
        kind: ProblemKind::Internal,
        message: format!("internal error while scanning ({what}); please report it"),
    }
}

/// Inline markers are read here, while the file's bytes are in memory. Duplicates go first so
/// that a marker scoped to the best rule does not let a weaker rule report the same bytes.
fn apply_inline_markers(
    findings: Vec<Finding>,
    data: &[u8],
) -> (Vec<Finding>, Vec<(Finding, DropReason)>) {
    let (candidates, mut dropped) = filter::dedup(findings);
    if candidates.is_empty() || !filter::any_marker(data) {
        return (candidates, dropped);
    }
    let mut kept = Vec::with_capacity(candidates.len());
    for f in candidates {
        match filter::inline_marker(&f, data) {
            Some(reason) => dropped.push((f, reason)),
            None => kept.push(f),
        }
    }
    (kept, dropped)
}

/// The progress bar of a long scan: on stderr, only when it is a terminal outside CI, and
/// only once the scan has run for [`Progress::DELAY`], so that short scans print nothing.
struct Progress {
    bar: ProgressBar,
    /// When the bar may appear; `None` when it never does.
    show_at: Option<Instant>,
    shown: std::sync::atomic::AtomicBool,
}

impl Progress {
    const DELAY: Duration = Duration::from_secs(1);

    fn new(enabled: bool) -> Progress {
        let interactive = enabled && io::stderr().is_terminal() && std::env::var_os("CI").is_none();
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::hidden());
        bar.set_style(
            ProgressStyle::with_template(
                "scanning {bar:30} {human_pos}/{human_len} files ({rate}, {elapsed} so far, about {eta} left)",
            )
            .expect("the template is valid")
            .with_key(
                "rate",
                |s: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = write!(w, "{:.0} files/s", s.per_sec());
                },
            ),
        );
        Progress {
            bar,
            show_at: interactive.then(|| Instant::now() + Self::DELAY),
            shown: std::sync::atomic::AtomicBool::new(false),
        }
    }

    fn inc_length(&self, n: u64) {
        self.bar.inc_length(n);
        self.maybe_show();
    }

    fn inc(&self, n: u64) {
        self.bar.inc(n);
        self.maybe_show();
    }

    fn maybe_show(&self) {
        use std::sync::atomic::Ordering;
        let Some(at) = self.show_at else { return };
        if self.shown.load(Ordering::Relaxed) || Instant::now() < at {
            return;
        }
        if !self.shown.swap(true, Ordering::Relaxed) {
            self.bar
                .set_draw_target(ProgressDrawTarget::stderr_with_hz(10));
            self.bar.enable_steady_tick(Duration::from_millis(200));
        }
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// Warnings on stderr. Binary files are expected and many: they are only counted in the
/// summary (`--verbose` lists each). Special entries (links, pipes) are listed up to a few and
/// the rest counted. JSON and SARIF list every one.
fn print_problems(problems: &[Problem], verbose: bool) {
    let mut stderr = io::stderr().lock();
    let mut specials = 0;
    for p in problems {
        match p.kind {
            ProblemKind::Binary if !verbose => continue,
            ProblemKind::Special => {
                specials += 1;
                if !verbose && specials > SPECIAL_WARNINGS_SHOWN {
                    continue;
                }
            }
            _ => {}
        }
        // Archive member names come from the archive, like file names from the tree.
        let path = report::escape_controls(&p.path);
        let _ = writeln!(stderr, "warning: {path}: {}", p.message);
    }
    if !verbose && specials > SPECIAL_WARNINGS_SHOWN {
        let _ = writeln!(
            stderr,
            "warning: {} more links, pipes, sockets or devices skipped (--verbose lists each)",
            specials - SPECIAL_WARNINGS_SHOWN
        );
    }
}

/// Writes the report to stdout, or to `--output` through a temporary file in the same folder
/// that is renamed into place once complete: a crash never leaves a half-written report.
fn write_output(cfg: &ScanConfig, report: &ScanReport<'_>) -> Result<()> {
    // A report with live secrets in it is for its owner's eyes only.
    let access = if cfg.show_secrets {
        crate::atomic::Access::Private
    } else {
        crate::atomic::Access::Shared
    };
    if cfg.reports.is_empty() {
        return write_report(cfg.format, cfg.output.as_deref(), access, report);
    }
    for target in &cfg.reports {
        write_report(target.format, target.path.as_deref(), access, report)?;
    }
    Ok(())
}

fn write_report(
    format: Format,
    path: Option<&Path>,
    access: crate::atomic::Access,
    report: &ScanReport<'_>,
) -> Result<()> {
    match path {
        None => {
            let stdout = io::stdout();
            let mut out = io::BufWriter::new(stdout.lock());
            report::emit(format, report, &mut out)
                .and_then(|_| out.flush())
                .or_else(ignore_broken_pipe)
                .context("cannot write the report to standard output")
        }
        Some(path) => crate::atomic::write(path, "the report", access, |out| {
            report::emit(format, report, out)
        }),
    }
}

fn ignore_broken_pipe(e: io::Error) -> io::Result<()> {
    if e.kind() == io::ErrorKind::BrokenPipe {
        Ok(())
    } else {
        Err(e)
    }
}

/// The last line on stderr: what was found where, what was scanned and how fast, what was
/// suppressed and what was skipped.
/// `keyhound: 7 findings in 4 of 6 files (12.3 KB in 8 ms); suppressed 2 (1 inline, 1 by
/// baseline); skipped 3 binary`.
fn print_summary(
    stats: &Stats,
    findings: &[Finding],
    dropped: &[(Finding, DropReason)],
    elapsed: Duration,
) {
    let files_with: std::collections::BTreeSet<&str> = findings
        .iter()
        .map(|f| f.archive.as_deref().unwrap_or(&f.path))
        .collect();
    let mut line = format!(
        "keyhound: {} in {} of {} ({} in {}",
        plural(stats.findings as usize, "finding"),
        files_with.len(),
        plural(stats.files_scanned as usize, "file"),
        human_bytes(stats.bytes_scanned),
        human_duration(elapsed),
    );
    // A rate over a few milliseconds says nothing.
    if elapsed >= Duration::from_millis(100) {
        let rate = stats.bytes_scanned as f64 / elapsed.as_secs_f64();
        line.push_str(&format!(", {}/s", human_bytes(rate as u64)));
    }
    line.push(')');
    if stats.archives_read > 0 {
        line.push_str(&format!(
            "; read {} ({})",
            plural(stats.archives_read as usize, "archive"),
            plural(stats.archive_members as usize, "member")
        ));
    }
    let (mut inline, mut allowlist, mut baseline, mut published) = (0, 0, 0, 0);
    for (_, reason) in dropped {
        match reason {
            DropReason::InlineMarker { .. } => inline += 1,
            DropReason::Allowlisted { .. } => allowlist += 1,
            DropReason::Baselined { .. } => baseline += 1,
            DropReason::PublishedExample { .. } => published += 1,
            _ => {}
        }
    }
    let suppressed: Vec<String> = [
        (inline, "inline"),
        (allowlist, "by allowlist"),
        (baseline, "by baseline"),
        (published, "published examples"),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{n} {what}"))
    .collect();
    if !suppressed.is_empty() {
        line.push_str(&format!(
            "; suppressed {} ({})",
            inline + allowlist + baseline + published,
            suppressed.join(", ")
        ));
    }
    let skipped: Vec<String> = [
        (stats.skipped_binary, "binary"),
        (stats.skipped_too_large, "too large"),
        (stats.unreadable, "unreadable"),
        (stats.errors, "failed"),
        (stats.skipped_special, "not regular files"),
        (stats.archive_limits, "over archive limits"),
        (stats.encrypted_members, "encrypted members"),
        (stats.corrupt_archives, "corrupt archive parts"),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{n} {what}"))
    .collect();
    if !skipped.is_empty() {
        line.push_str(&format!("; skipped {}", skipped.join(", ")));
    }
    eprintln!("{line}");
}

/// `1 file`, `3 files`.
fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// `512 B`, `12.3 KB`, `4.5 MB`, `2.2 GB` (decimal units, as `du --si` and download
/// speeds are written).
fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if n < 1000 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1000.0;
    let mut unit = 0;
    while v >= 999.95 && unit + 1 < UNITS.len() {
        v /= 1000.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

/// `8 ms`, `1.25 s`, `2 min 5 s`.
fn human_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms < 60_000 {
        format!("{:.2} s", d.as_secs_f64())
    } else {
        format!("{} min {} s", ms / 60_000, (ms % 60_000) / 1000)
    }
}

/// The finding of the lowest `rank` for each `key` (the first met on a tie), in key order: a
/// secret's first commit, in a history scan and in the merge of its shards.
pub(crate) fn first_by_key<K: Ord, R: Ord>(
    findings: Vec<Finding>,
    key: impl Fn(&Finding) -> K,
    rank: impl Fn(&Finding) -> R,
) -> Vec<Finding> {
    let mut first: std::collections::BTreeMap<K, Finding> = std::collections::BTreeMap::new();
    for f in findings {
        match first.entry(key(&f)) {
            std::collections::btree_map::Entry::Occupied(mut e) => {
                if rank(&f) < rank(e.get()) {
                    e.insert(f);
                }
            }
            std::collections::btree_map::Entry::Vacant(e) => {
                e.insert(f);
            }
        }
    }
    first.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_units() {
        let bytes = [
            (0, "0 B"),
            (999, "999 B"),
            (1000, "1.0 KB"),
            (12_345, "12.3 KB"),
            (999_999, "1.0 MB"),
            (2_200_000_000, "2.2 GB"),
        ];
        for (n, want) in bytes {
            assert_eq!(human_bytes(n), want, "{n}");
        }
        let times = [(8, "8 ms"), (1250, "1.25 s"), (125_000, "2 min 5 s")];
        for (ms, want) in times {
            assert_eq!(human_duration(Duration::from_millis(ms)), want, "{ms}");
        }
        assert_eq!(plural(1, "file"), "1 file");
        assert_eq!(plural(0, "finding"), "0 findings");
    }
}

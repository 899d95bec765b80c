//! The application layer: turns a resolved configuration into a scan (or a baseline). It wires
//! the pipeline (source -> detect -> filter -> report), loads `.keyhound.toml` and baselines,
//! owns the thread pool, progress display and the exit code, and keeps one bad file from
//! stopping the rest.

use std::io::{self, IsTerminal, Write};
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
use crate::finding::Finding;
use crate::report::{self, Format, ScanReport, Stats};
use crate::rules::{Confidence, RuleSet};
use crate::source::{self, Problem, ProblemKind, Target, WalkOptions};

mod windowed;

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
}

/// Everything `keyhound baseline` needs: the scan settings and where the baseline goes.
#[derive(Debug, Clone)]
pub struct BaselineConfig {
    pub scan: ScanConfig,
    pub output: PathBuf,
    /// Keep the reasons of the existing file and report its stale entries.
    pub update: bool,
}

/// Warnings about binary files printed before the rest are only counted.
const BINARY_WARNINGS_SHOWN: usize = 10;

pub fn scan(cfg: &ScanConfig) -> Result<Outcome> {
    let started = Instant::now();
    let baseline = match &cfg.baseline {
        Some(path) => Some((Baseline::read(path)?, path.display().to_string())),
        None => None,
    };
    let run = collect(cfg, baseline.as_ref().map(|(b, p)| (b, p.as_str())), true)?;
    let Run {
        findings,
        dropped,
        excluded,
        mut stats,
        problems,
        engine,
    } = run;
    stats.findings = findings.len() as u64;

    print_problems(&problems, cfg.verbose);
    if cfg.explain {
        print_explanations(&dropped, &excluded);
    }
    let report = ScanReport {
        findings: &findings,
        stats: &stats,
        problems: &problems,
        rules: engine.rules(),
    };
    write_output(cfg, &report)?;
    if cfg.format == Format::Sarif && findings.len() > report::SARIF_MAX_RESULTS {
        eprintln!(
            "warning: {} findings, of which SARIF holds the first {} (code scanning accepts no more per run); use --format json for all",
            findings.len(),
            report::SARIF_MAX_RESULTS
        );
    }
    print_summary(&stats, started.elapsed());

    let had_problems = problems.iter().any(Problem::is_error);
    Ok(if cfg.strict && had_problems {
        Outcome::Error
    } else if findings.is_empty() {
        Outcome::Clean
    } else {
        Outcome::Findings
    })
}

/// `keyhound baseline`: scans like `keyhound scan` (configuration, markers and allowlists
/// apply; every confidence is kept, so lowering `--min-confidence` later brings nothing back)
/// and writes one entry per distinct rule and secret.
pub fn baseline(cfg: &BaselineConfig) -> Result<Outcome> {
    let previous = if cfg.update && cfg.output.exists() {
        Some(Baseline::read(&cfg.output)?)
    } else {
        None
    };
    let run = collect(&cfg.scan, None, false)?;
    print_problems(&run.problems, cfg.scan.verbose);
    if cfg.scan.explain {
        print_explanations(&run.dropped, &run.excluded);
    }
    let mut baseline = Baseline::from_findings(&run.findings);
    let stale = match &previous {
        Some(old) => baseline.keep_reasons(old),
        None => Vec::new(),
    };
    baseline.write(&cfg.output)?;
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
    let _ = writeln!(
        stderr,
        "keyhound: wrote {} baseline entr{} to {}{}",
        baseline.entries().len(),
        if baseline.entries().len() == 1 {
            "y"
        } else {
            "ies"
        },
        cfg.output.display(),
        if stale.is_empty() {
            String::new()
        } else {
            format!("; {} stale removed", stale.len())
        }
    );
    let had_problems = run.problems.iter().any(Problem::is_error);
    Ok(if cfg.scan.strict && had_problems {
        Outcome::Error
    } else {
        Outcome::Clean
    })
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
}

/// Loads the configuration and rules, walks, scans and filters. `apply_min_confidence` is off
/// for `keyhound baseline`, which records every confidence.
fn collect(
    cfg: &ScanConfig,
    baseline: Option<(&Baseline, &str)>,
    apply_min_confidence: bool,
) -> Result<Run> {
    let config_path = config::discover(cfg.config.as_deref(), &cfg.roots);
    let config = match &config_path {
        Some(path) => Some(config::load(path)?),
        None => None,
    };
    let config_rules = config
        .as_ref()
        .map(|c| (c.source.as_str(), c.rules.as_slice()));
    let rules = RuleSet::with_files_and_config(&cfg.rule_files, config_rules)?;
    if let Some(c) = &config {
        c.check_rule_ids(|id| rules.get(id).is_some())?;
    }
    let engine = Engine::new(
        rules,
        DetectOptions {
            show_secrets: cfg.show_secrets,
            ..DetectOptions::default()
        },
    )?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cfg.walk.threads)
        .build()
        .context("cannot start the scanning threads")?;
    let (targets, mut problems) = source::walk(&cfg.roots, &cfg.walk);
    let (targets, excluded) = exclude(targets, config_path.as_deref(), config.as_ref());
    let bar = progress_bar(cfg.progress, targets.len() as u64);
    let outcomes: Vec<FileOutcome> = pool.install(|| {
        targets
            .par_iter()
            .map_init(
                || engine.scratch(),
                |scratch, t| {
                    let o = scan_file(&engine, scratch, t, &cfg.walk);
                    bar.inc(1);
                    o
                },
            )
            .collect()
    });
    bar.finish_and_clear();

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
            } => {
                stats.files_scanned += 1;
                stats.bytes_scanned += bytes;
                findings.extend(f);
                dropped.extend(d);
            }
            FileOutcome::Skipped(p) => problems.push(p),
        }
    }
    problems.sort();
    for p in &problems {
        stats.count_problem(p);
    }
    let min_confidence = if apply_min_confidence {
        cfg.min_confidence
            .or(config.as_ref().and_then(|c| c.min_confidence))
            .unwrap_or(Confidence::Low)
    } else {
        Confidence::Low
    };
    let (findings, more_dropped) = filter::apply(
        findings,
        &FilterOptions {
            min_confidence,
            allow: config.as_ref().map_or(&[], |c| c.allow.as_slice()),
            baseline,
        },
    );
    dropped.extend(more_dropped);
    dropped.sort_by(|a, b| a.0.sort_key().cmp(&b.0.sort_key()));
    let mut findings = findings;
    if let Some(c) = &config {
        for f in &mut findings {
            f.severity = c.severity.get(&f.rule).map(|(s, _)| *s);
        }
    }
    Ok(Run {
        findings,
        dropped,
        excluded,
        stats,
        problems,
        engine,
    })
}

/// Splits off the files the configuration excludes, before any of them is read. The
/// configuration file itself is never scanned: its custom rules' examples would be found.
fn exclude(
    targets: Vec<Target>,
    config_path: Option<&Path>,
    config: Option<&Config>,
) -> (Vec<Target>, Vec<(String, DropReason)>) {
    let (Some(path), Some(config)) = (config_path, config) else {
        return (targets, Vec::new());
    };
    let own = std::fs::canonicalize(path).ok();
    let is_own = |t: &Target| {
        t.path.file_name() == path.file_name()
            && own.is_some()
            && std::fs::canonicalize(&t.path).ok() == own
    };
    let mut kept = Vec::with_capacity(targets.len());
    let mut excluded = Vec::new();
    for t in targets {
        let reason = if is_own(&t) {
            Some(DropReason::ConfigFile)
        } else {
            filter::excluded(&t.display, &config.excludes)
        };
        match reason {
            Some(reason) => excluded.push((t.display, reason)),
            None => kept.push(t),
        }
    }
    (kept, excluded)
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
    },
    Skipped(Problem),
}

fn scan_file(
    engine: &Engine,
    scratch: &mut crate::detect::Scratch,
    t: &Target,
    walk: &WalkOptions,
) -> FileOutcome {
    let max = walk.max_file_size;
    if let Some(outcome) = windowed::scan(engine, scratch, t, max, walk.window) {
        return outcome;
    }
    let data = match source::read(t, max) {
        Ok(d) => d,
        Err(p) => return FileOutcome::Skipped(p),
    };
    let chunk = Chunk {
        provenance: Provenance::File {
            path: t.display.clone(),
        },
        data: &data,
    };
    match catch_unwind(AssertUnwindSafe(|| engine.scan(&chunk, scratch))) {
        Ok(findings) => {
            let (findings, dropped) = apply_inline_markers(findings, &data);
            FileOutcome::Scanned {
                bytes: data.len() as u64,
                findings,
                dropped,
            }
        }
        Err(panic) => {
            // The scratch may be half-updated; start this thread afresh.
            *scratch = engine.scratch();
            FileOutcome::Skipped(internal_error(t, panic))
        }
    }
}

/// The problem reported for a file whose scan panicked.
fn internal_error(t: &Target, panic: Box<dyn std::any::Any + Send>) -> Problem {
    let what = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into());
    Problem {
        path: t.display.clone(),
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

fn progress_bar(enabled: bool, total: u64) -> ProgressBar {
    let interactive = enabled && io::stderr().is_terminal() && std::env::var_os("CI").is_none();
    if !interactive {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr_with_hz(10));
    bar.set_style(
        ProgressStyle::with_template("scanning {bar:30} {pos}/{len} files ({per_sec}, eta {eta})")
            .expect("the template is valid"),
    );
    // Short scans finish before the first draw; nothing flickers.
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// Warnings on stderr. Binary files and special entries (links, pipes) can be many and are
/// expected: the first few of each are printed and the rest counted (all with `--verbose`;
/// JSON and SARIF list every one).
fn print_problems(problems: &[Problem], verbose: bool) {
    let mut stderr = io::stderr().lock();
    let mut binaries = 0;
    let mut specials = 0;
    for p in problems {
        let seen = match p.kind {
            ProblemKind::Binary => &mut binaries,
            ProblemKind::Special => &mut specials,
            _ => &mut 0,
        };
        *seen += 1;
        if !verbose && *seen > BINARY_WARNINGS_SHOWN {
            continue;
        }
        let _ = writeln!(stderr, "warning: {}: {}", p.path, p.message);
    }
    for (n, what) in [
        (binaries, "binary files"),
        (specials, "links, pipes, sockets or devices"),
    ] {
        if !verbose && n > BINARY_WARNINGS_SHOWN {
            let _ = writeln!(
                stderr,
                "warning: {} more {what} skipped (--verbose lists each)",
                n - BINARY_WARNINGS_SHOWN
            );
        }
    }
}

/// Writes the report to stdout, or to `--output` through a temporary file in the same folder
/// that is renamed into place once complete: a crash never leaves a half-written report.
fn write_output(cfg: &ScanConfig, report: &ScanReport<'_>) -> Result<()> {
    match &cfg.output {
        None => {
            let stdout = io::stdout();
            let mut out = io::BufWriter::new(stdout.lock());
            report::emit(cfg.format, report, &mut out)
                .and_then(|_| out.flush())
                .or_else(ignore_broken_pipe)
                .context("cannot write the report to standard output")
        }
        Some(path) => crate::atomic::write(path, "the report", |out| {
            report::emit(cfg.format, report, out)
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

fn print_summary(stats: &Stats, elapsed: Duration) {
    let mut skipped = Vec::new();
    for (n, what) in [
        (stats.skipped_binary, "binary"),
        (stats.skipped_too_large, "too large"),
        (stats.unreadable, "unreadable"),
        (stats.errors, "failed"),
        (stats.skipped_special, "not regular files"),
    ] {
        if n > 0 {
            skipped.push(format!("{n} {what}"));
        }
    }
    let skipped = if skipped.is_empty() {
        String::new()
    } else {
        format!("; skipped {}", skipped.join(", "))
    };
    let secs = elapsed.as_secs_f64();
    let mb = stats.bytes_scanned as f64 / 1e6;
    eprintln!(
        "keyhound: {} finding{} in {} files ({:.1} MB) in {:.2}s ({:.0} MB/s){}",
        stats.findings,
        if stats.findings == 1 { "" } else { "s" },
        stats.files_scanned,
        mb,
        secs,
        if secs > 0.0 { mb / secs } else { 0.0 },
        skipped
    );
}

//! The application layer: turns a resolved configuration into a scan. It wires the pipeline
//! (source -> detect -> filter -> report), owns the thread pool, progress display and the
//! exit code, and keeps one bad file from stopping the rest.

use std::io::{self, IsTerminal, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

use crate::chunk::{Chunk, Provenance};
use crate::detect::{DetectOptions, Engine};
use crate::filter::{self, FilterOptions};
use crate::finding::Finding;
use crate::report::{self, Format, ScanReport, Stats};
use crate::rules::{Confidence, RuleSet};
use crate::source::{self, Problem, ProblemKind, Target, WalkOptions};

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
    pub min_confidence: Confidence,
    /// Print each binary-file warning (otherwise the first few and a count).
    pub verbose: bool,
}

/// Warnings about binary files printed before the rest are only counted.
const BINARY_WARNINGS_SHOWN: usize = 10;

pub fn scan(cfg: &ScanConfig) -> Result<Outcome> {
    let started = Instant::now();
    let rules = RuleSet::with_files(&cfg.rule_files)?;
    let engine = Engine::new(
        rules,
        DetectOptions {
            show_secrets: cfg.show_secrets,
        },
    )?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cfg.walk.threads)
        .build()
        .context("cannot start the scanning threads")?;
    let (targets, mut problems) = source::walk(&cfg.roots, &cfg.walk);
    let bar = progress_bar(cfg.progress, targets.len() as u64);
    let outcomes: Vec<FileOutcome> = pool.install(|| {
        targets
            .par_iter()
            .map_init(
                || engine.scratch(),
                |scratch, t| {
                    let o = scan_file(&engine, scratch, t, cfg.walk.max_file_size);
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
    for o in outcomes {
        match o {
            FileOutcome::Scanned { bytes, findings: f } => {
                stats.files_scanned += 1;
                stats.bytes_scanned += bytes;
                findings.extend(f);
            }
            FileOutcome::Skipped(p) => problems.push(p),
        }
    }
    problems.sort();
    for p in &problems {
        stats.count_problem(p);
    }
    let (findings, _dropped) = filter::apply(
        findings,
        &FilterOptions {
            min_confidence: cfg.min_confidence,
        },
    );
    stats.findings = findings.len() as u64;

    print_problems(&problems, cfg.verbose);
    let report = ScanReport {
        findings: &findings,
        stats: &stats,
        problems: &problems,
        rules: engine.rules(),
    };
    write_output(cfg, &report)?;
    print_summary(&stats, started.elapsed());

    let had_problems = problems.iter().any(|p| p.kind != ProblemKind::Binary);
    Ok(if cfg.strict && had_problems {
        Outcome::Error
    } else if findings.is_empty() {
        Outcome::Clean
    } else {
        Outcome::Findings
    })
}

enum FileOutcome {
    Scanned { bytes: u64, findings: Vec<Finding> },
    Skipped(Problem),
}

fn scan_file(
    engine: &Engine,
    scratch: &mut crate::detect::Scratch,
    t: &Target,
    max: u64,
) -> FileOutcome {
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
        Ok(findings) => FileOutcome::Scanned {
            bytes: data.len() as u64,
            findings,
        },
        Err(panic) => {
            // The scratch may be half-updated; start this thread afresh.
            *scratch = engine.scratch();
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            FileOutcome::Skipped(Problem {
                path: t.display.clone(),
                kind: ProblemKind::Internal,
                message: format!("internal error while scanning ({what}); please report it"),
            })
        }
    }
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

fn print_problems(problems: &[Problem], verbose: bool) {
    let mut stderr = io::stderr().lock();
    let mut binaries = 0;
    for p in problems {
        if p.kind == ProblemKind::Binary {
            binaries += 1;
            if !verbose && binaries > BINARY_WARNINGS_SHOWN {
                continue;
            }
        }
        let _ = writeln!(stderr, "warning: {}: {}", p.path, p.message);
    }
    if !verbose && binaries > BINARY_WARNINGS_SHOWN {
        let _ = writeln!(
            stderr,
            "warning: {} more binary files skipped (--verbose lists each)",
            binaries - BINARY_WARNINGS_SHOWN
        );
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
        Some(path) => {
            let dir = match path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                _ => PathBuf::from("."),
            };
            let mut tmp = tempfile::NamedTempFile::new_in(&dir).with_context(|| {
                format!("cannot create a file in {} for --output", dir.display())
            })?;
            {
                let mut out = io::BufWriter::new(tmp.as_file_mut());
                report::emit(cfg.format, report, &mut out)
                    .and_then(|_| out.flush())
                    .with_context(|| format!("cannot write the report to {}", path.display()))?;
            }
            tmp.persist(path).with_context(|| {
                format!("cannot move the report into place at {}", path.display())
            })?;
            Ok(())
        }
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

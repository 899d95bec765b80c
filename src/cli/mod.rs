//! The command line: clap types live here and nowhere else. Arguments are parsed once and
//! resolved into the application's configuration (`app::ScanConfig`), then handed over.

mod rules_cmd;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Result};
use clap::{Parser, Subcommand, ValueEnum};

use crate::app::{self, BaselineConfig, Outcome, ScanConfig};
use crate::baseline;
use crate::report::Format;
use crate::rules::Confidence;
use crate::source::WalkOptions;

const DEFAULT_MAX_FILE_SIZE: &str = "64MiB";

/// Finds API keys hardcoded in source or exposed to clients (DeepSeek first, and every
/// provider whose keys leak the same way).
///
/// Exit codes: 0 nothing found, 1 findings reported, 2 usage, configuration or fatal error.
#[derive(Debug, Parser)]
#[command(name = "keyhound", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Scan files and folders for secrets.
    Scan(ScanArgs),
    /// Record the current findings in a baseline file, so that later scans with --baseline
    /// report only new ones.
    Baseline(BaselineArgs),
    /// List, check and explain the detection rules.
    #[command(subcommand)]
    Rules(RulesCommand),
}

/// What is scanned and how: shared by `scan` and `baseline`.
#[derive(Debug, clap::Args)]
struct InputArgs {
    /// Files or folders to scan.
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,

    /// Read settings from FILE instead of .keyhound.toml at the scan root (or, with several
    /// paths or a file, in the current folder).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,

    /// Worker threads (default: one per core).
    #[arg(long, short = 'j', value_name = "N")]
    threads: Option<usize>,

    /// Scan everything: read no .gitignore, .ignore or .keyhoundignore (.git/ stays skipped).
    #[arg(long)]
    no_ignore: bool,

    /// Skip files larger than this (bytes, or with a unit: 500K, 64MiB, 1G).
    #[arg(long, value_name = "SIZE", default_value = DEFAULT_MAX_FILE_SIZE)]
    max_file_size: String,

    /// Scan files larger than SIZE in windows of SIZE (memory bounded by it); for tests.
    #[arg(long, value_name = "SIZE", hide = true)]
    window_size: Option<String>,

    /// Add the rules in FILE to the built-in ones (may be repeated).
    #[arg(long = "rules", value_name = "FILE")]
    rules: Vec<PathBuf>,

    /// Exit with code 2 when a file could not be read or scanned (binary files excepted).
    #[arg(long)]
    strict: bool,

    /// Never show the progress bar (it only shows on a terminal, never in CI).
    #[arg(long)]
    no_progress: bool,

    /// List every skipped binary file instead of the first few.
    #[arg(long, short = 'v')]
    verbose: bool,

    /// Print every dropped finding (inline marker, allowlist entry, baseline entry, duplicate,
    /// confidence) and every excluded file, with the reason, on stderr.
    #[arg(long)]
    explain: bool,
}

#[derive(Debug, clap::Args)]
struct ScanArgs {
    #[command(flatten)]
    input: InputArgs,

    /// Do not report findings listed in this baseline file (see `keyhound baseline`).
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,

    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = FormatArg::Human)]
    format: FormatArg,

    /// Write the report to FILE (atomically: a complete file or none) instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,

    /// Print secrets in full instead of redacting them. Reports then contain live
    /// credentials: never upload them.
    #[arg(long)]
    show_secrets: bool,

    /// Report only findings at this confidence or above [default: min_confidence in
    /// .keyhound.toml, else low].
    #[arg(long, value_enum)]
    min_confidence: Option<ConfidenceArg>,
}

#[derive(Debug, clap::Args)]
struct BaselineArgs {
    #[command(flatten)]
    input: InputArgs,

    /// Where to write the baseline (atomically).
    #[arg(long, short = 'o', value_name = "FILE", default_value = baseline::FILE_NAME)]
    output: PathBuf,

    /// Keep the reasons written in the existing file and report its stale entries (no longer
    /// found; they are removed).
    #[arg(long)]
    update: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum FormatArg {
    /// Grouped by file, with a code frame; the summary goes to stderr.
    Human,
    /// One JSON document (`version: 1`), with stats and warnings.
    Json,
    /// One JSON finding per line.
    Jsonl,
    /// SARIF 2.1.0 for GitHub code scanning.
    Sarif,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ConfidenceArg {
    Low,
    Medium,
    High,
}

#[derive(Debug, Subcommand)]
enum RulesCommand {
    /// List the rules (built-in, plus any given with --rules).
    List {
        #[arg(long = "rules", value_name = "FILE")]
        rules: Vec<PathBuf>,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Compile every rule and run each of its examples and negative examples through the engine.
    Check {
        #[arg(long = "rules", value_name = "FILE")]
        rules: Vec<PathBuf>,
    },
    /// Show everything about one rule.
    Explain {
        /// The rule id, e.g. deepseek.api-key.
        id: String,
        #[arg(long = "rules", value_name = "FILE")]
        rules: Vec<PathBuf>,
    },
}

/// Entry point of the binary.
/// Exit code after Ctrl-C: 128 + SIGINT, what a shell reports for a process the signal killed.
const INTERRUPTED: i32 = 130;

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // Ctrl-C stops at once, as without a handler, but first removes the temporary file of a
    // report or baseline being written, so nothing is left behind.
    let _ = ctrlc::set_handler(|| {
        eprintln!("keyhound: interrupted");
        crate::atomic::abandon(INTERRUPTED);
    });
    let result = match cli.command {
        Command::Scan(args) => resolve_scan(args).and_then(|cfg| app::scan(&cfg)),
        Command::Baseline(args) => resolve_baseline(args).and_then(|cfg| app::baseline(&cfg)),
        Command::Rules(cmd) => rules_cmd::run(cmd),
    };
    match result {
        Ok(outcome) => ExitCode::from(outcome as u8),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(Outcome::Error as u8)
        }
    }
}

fn resolve_scan(args: ScanArgs) -> Result<ScanConfig> {
    let mut cfg = resolve_input(args.input)?;
    cfg.format = match args.format {
        FormatArg::Human => Format::Human,
        FormatArg::Json => Format::Json,
        FormatArg::Jsonl => Format::Jsonl,
        FormatArg::Sarif => Format::Sarif,
    };
    cfg.output = args.output;
    cfg.show_secrets = args.show_secrets;
    cfg.baseline = args.baseline;
    cfg.min_confidence = args.min_confidence.map(|c| match c {
        ConfidenceArg::Low => Confidence::Low,
        ConfidenceArg::Medium => Confidence::Medium,
        ConfidenceArg::High => Confidence::High,
    });
    Ok(cfg)
}

fn resolve_baseline(args: BaselineArgs) -> Result<BaselineConfig> {
    Ok(BaselineConfig {
        scan: resolve_input(args.input)?,
        output: args.output,
        update: args.update,
    })
}

/// The settings `scan` and `baseline` share; the rest keep their defaults.
fn resolve_input(args: InputArgs) -> Result<ScanConfig> {
    let threads = match args.threads {
        Some(0) => bail!("--threads must be at least 1"),
        Some(n) => n,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    Ok(ScanConfig {
        roots: args.paths,
        walk: WalkOptions {
            no_ignore: args.no_ignore,
            max_file_size: parse_size(&args.max_file_size, "--max-file-size")?,
            threads,
            window: match &args.window_size {
                Some(s) => match parse_size(s, "--window-size")? {
                    n if n >= 1024 => n,
                    _ => bail!("--window-size must be at least 1K"),
                },
                None => app::DEFAULT_WINDOW,
            },
        },
        format: Format::Human,
        output: None,
        show_secrets: false,
        strict: args.strict,
        progress: !args.no_progress,
        rule_files: args.rules,
        min_confidence: None,
        verbose: args.verbose,
        config: args.config,
        baseline: None,
        explain: args.explain,
    })
}

/// `123`, `500K`, `64MiB`, `1G`: binary units, case-insensitive, optional `B`/`iB`.
fn parse_size(s: &str, flag: &str) -> Result<u64> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = match num.parse() {
        Ok(n) => n,
        Err(_) => {
            bail!("{flag} {s:?} is not a size: write bytes or a number with K, M or G (e.g. 64MiB)")
        }
    };
    let shift = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        _ => {
            bail!("{flag} {s:?} has an unknown unit {unit:?}: use K, M or G (e.g. 64MiB)")
        }
    };
    n.checked_mul(1 << shift)
        .ok_or_else(|| anyhow::anyhow!("{flag} {s:?} is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        let cases = [
            ("123", Some(123)),
            ("1K", Some(1024)),
            ("64MiB", Some(64 << 20)),
            ("2g", Some(2 << 30)),
            ("", None),
            ("5X", None),
            ("M", None),
        ];
        for (s, want) in cases {
            assert_eq!(parse_size(s, "--max-file-size").ok(), want, "{s}");
        }
    }

    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}

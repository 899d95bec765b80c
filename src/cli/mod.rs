//! The command line: clap types live here and nowhere else. Arguments are parsed once and
//! resolved into the application's configuration (`app::ScanConfig`), then handed over.

mod rules_cmd;
mod verify_cmd;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::{CommandFactory, Parser, Subcommand, ValueEnum};

use crate::app::{self, BaselineConfig, FailOn, GitOptions, Outcome, ReportTarget, ScanConfig};
use crate::report::Format;
use crate::rules::Confidence;
use crate::source::git::{GitMode, HistoryTips};
use crate::source::WalkOptions;
use crate::verify::{self, VerifyOptions};

const DEFAULT_MAX_FILE_SIZE: &str = "64MiB";

const SCAN_AFTER_HELP: &str = "\
Exit codes:
  0    nothing found
  1    findings reported (with --fail-on live: keys verified live; with --fail-on admin:
       live keys the provider says are admin keys)
  2    usage, configuration or fatal error (a path that cannot be read; with --strict, a file
       that could not be scanned)
  130  interrupted (Ctrl-C)

Paths in human, JSON and JSONL reports are the path as typed joined with the rest (`scan sub`
prints sub/app.env); SARIF and GitHub annotations are relative to the git work tree.";

/// The most worker threads `--threads` accepts.
const MAX_THREADS: usize = 256;
const DEFAULT_MAX_AGE: &str = "90d";

/// Finds API keys hardcoded in source or exposed to clients (DeepSeek first, and every
/// provider whose keys leak the same way).
///
/// Exit codes: 0 nothing found, 1 findings reported, 2 usage, configuration or fatal error
/// (`keyhound verify`: 0 live, 1 dead, 3 unknown, 2 error).
#[derive(Debug, Parser)]
#[command(name = "keyhound", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Scan files and folders (or `-`, standard input) for secrets.
    #[command(after_help = SCAN_AFTER_HELP)]
    Scan(Box<ScanArgs>),
    /// Record the current findings in a baseline file, so that later scans with --baseline
    /// report only new ones.
    Baseline(BaselineArgs),
    /// Merge JSON reports (shards of one scan, scans of many repositories) into one report, in
    /// any format: the shards of one scan give exactly what one scan would report.
    #[command(
        after_help = "Exit codes: 0 no findings, 1 findings, 2 a report that is malformed, cut short, \
of another keyhound version, or a shard of another scan or of an incomplete set.\n\n\
Example:\n  for i in 1 2 3 4; do keyhound scan --history --shard $i/4 --format json -o shard-$i.json; done\n  \
keyhound merge shard-*.json --format sarif --output keyhound.sarif"
    )]
    Merge(MergeArgs),
    /// List, check and explain the detection rules.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Ask a key's provider whether it works. The key is read from standard input, never
    /// from the command line, so it stays out of shell history and process lists.
    ///
    /// Exit codes: 0 live, 1 dead, 3 unknown (no conclusive answer), 2 usage or other error.
    #[command(after_help = "Example: keyhound verify --rule deepseek.api-key < key.txt")]
    Verify(verify_cmd::VerifyCmdArgs),
    /// Print a shell completion script for bash, zsh, fish, elvish or powershell.
    #[command(
        after_help = "Examples:\n  keyhound completions bash > ~/.local/share/bash-completion/completions/keyhound\n  keyhound completions zsh > \"${fpath[1]}/_keyhound\"\n  keyhound completions fish > ~/.config/fish/completions/keyhound.fish"
    )]
    Completions {
        /// The shell to write the script for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff): `keyhound man > keyhound.1; man ./keyhound.1`.
    Man,
}

/// How `--verify` talks to providers: shared by `scan` and `verify`.
#[derive(Debug, clap::Args)]
pub(crate) struct VerifyNetArgs {
    /// Give up on a provider's answer after this long (seconds, or with a unit: 500ms, 10s).
    #[arg(long, value_name = "DURATION", default_value = "10s")]
    verify_timeout: String,

    /// Give up connecting to a provider after this long.
    #[arg(long, value_name = "DURATION", default_value = "5s")]
    verify_connect_timeout: String,

    /// Send PROVIDER's verification requests to URL instead: URL replaces the scheme, host and
    /// port, and the verifier's path follows URL's own (github=https://ghe.example.com/api/v3
    /// for GitHub Enterprise Server, gitlab=https://gitlab.example.com). Any https:// host, or
    /// plain http:// to 127.0.0.1, ::1 or localhost only. PROVIDER is the id that starts its
    /// rule ids (`deepseek`, `github`). When a key could belong to several providers and only
    /// some are redirected, the others are not asked. May be repeated.
    #[arg(long, value_name = "PROVIDER=URL")]
    verify_endpoint: Vec<String>,

    /// Verification requests in flight at once, across all providers.
    #[arg(long, value_name = "N", default_value_t = verify::DEFAULT_CONCURRENCY)]
    verify_concurrency: usize,

    /// Requests per second sent to any one provider.
    #[arg(long, value_name = "N", default_value_t = verify::DEFAULT_RATE)]
    verify_rate: f64,

    /// Verification requests made at most in one run; keys beyond it are not sent and are
    /// `unknown` ("request cap reached"). Keeps a pull request full of key-shaped strings from
    /// turning CI into a liveness oracle.
    #[arg(long, value_name = "N", default_value_t = verify::DEFAULT_MAX_REQUESTS)]
    verify_max_requests: usize,
}

impl VerifyNetArgs {
    fn given(&self) -> bool {
        !self.verify_endpoint.is_empty()
            || self.verify_timeout != "10s"
            || self.verify_connect_timeout != "5s"
            || self.verify_concurrency != verify::DEFAULT_CONCURRENCY
            || self.verify_rate != verify::DEFAULT_RATE
            || self.verify_max_requests != verify::DEFAULT_MAX_REQUESTS
    }

    pub(crate) fn resolve(&self) -> Result<VerifyOptions> {
        let mut endpoints = std::collections::BTreeMap::new();
        for e in &self.verify_endpoint {
            let (provider, endpoint) = verify::parse_endpoint(e)?;
            endpoints.insert(provider, endpoint);
        }
        Ok(VerifyOptions {
            timeout: parse_duration("--verify-timeout", &self.verify_timeout)?,
            connect_timeout: parse_duration(
                "--verify-connect-timeout",
                &self.verify_connect_timeout,
            )?,
            endpoints,
            concurrency: match self.verify_concurrency {
                1..=64 => self.verify_concurrency,
                n => bail!("--verify-concurrency {n}: give a number from 1 to 64"),
            },
            min_interval: match self.verify_rate {
                r if r > 0.0 && r <= 100.0 => std::time::Duration::from_secs_f64(1.0 / r),
                r => bail!("--verify-rate {r}: give requests per second per provider, above 0 and at most 100"),
            },
            max_requests: match self.verify_max_requests {
                0 => bail!("--verify-max-requests 0: give at least 1 (to send nothing, leave out --verify)"),
                n => n,
            },
            ..VerifyOptions::default()
        })
    }
}

/// What is scanned and how: shared by `scan` and `baseline`.
#[derive(Debug, clap::Args)]
struct InputArgs {
    /// Files or folders to scan; `-` reads standard input.
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,

    /// The name standard input (`-`) is reported under.
    #[arg(long, value_name = "NAME", default_value = "<stdin>")]
    stdin_name: String,

    /// Read settings from FILE instead of the nearest .keyhound.toml (looked up from the scan
    /// root to the root of the git work tree). KEYHOUND_CONFIG names one too.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,

    /// Never read files matching GLOB (gitignore syntax, relative to the scan root); may be
    /// repeated.
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,

    /// Scan with only this rule, or the rules whose id starts with it and a dot (`--rule
    /// deepseek`); may be repeated.
    #[arg(long = "rule", value_name = "ID")]
    only_rules: Vec<String>,

    /// Scan without this rule (or the rules whose id starts with it and a dot); may be
    /// repeated.
    #[arg(long = "skip-rule", value_name = "ID")]
    skip_rules: Vec<String>,

    /// Worker threads, 1 to 256 (default: one per core).
    #[arg(long, short = 'j', value_name = "N")]
    threads: Option<usize>,

    /// Scan everything: read no .gitignore, .ignore or .keyhoundignore (.git/ stays skipped).
    #[arg(long)]
    no_ignore: bool,

    /// Skip files larger than this (bytes, or with a unit: 500K, 1.5M, 64MiB, 1G).
    #[arg(long, value_name = "SIZE", default_value = DEFAULT_MAX_FILE_SIZE)]
    max_file_size: String,

    /// Read archives (zip, jar, apk, ipa, whl, crx, tar.gz, ...) this many levels deep, in
    /// memory; 0 reads none.
    #[arg(long, value_name = "N", default_value_t = crate::source::archive::DEFAULT_MAX_DEPTH)]
    max_archive_depth: u32,

    /// Scan the printable strings of every binary file (by default only of code that ships
    /// to clients: .wasm, .dex, and .so, .class and executables inside archives).
    #[arg(long)]
    binaries: bool,

    /// Scan files larger than SIZE in windows of SIZE (memory bounded by it); for tests.
    #[arg(long, value_name = "SIZE", hide = true)]
    window_size: Option<String>,

    /// Add the rules in FILE to the built-in ones (may be repeated).
    #[arg(long = "rules", value_name = "FILE")]
    rules: Vec<PathBuf>,

    /// Exit with code 2 when a file could not be read or scanned (binary files excepted).
    #[arg(long)]
    strict: bool,

    /// Never show the progress bar (it only shows on a terminal, never in CI, and only once a
    /// scan has run for a second).
    #[arg(long)]
    no_progress: bool,

    /// List every skipped binary file and special entry instead of counting them.
    #[arg(long, short = 'v', conflicts_with = "quiet")]
    verbose: bool,

    /// Print nothing on stderr but errors: no summary, warnings or notes (the report itself is
    /// still written).
    #[arg(long, short = 'q')]
    quiet: bool,

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

    /// Output format [default: human].
    #[arg(long, short = 'f', value_enum)]
    format: Option<FormatArg>,

    /// Write the report to FILE (atomically: a complete file or none) instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,

    /// Also write a report in FORMAT to FILE (`-`: stdout), from the same scan; may be
    /// repeated, e.g. `--report sarif=keyhound.sarif --report github=-`. Without --format or
    /// --output, only these reports are written.
    #[arg(long = "report", value_name = "FORMAT=FILE", value_parser = parse_report)]
    reports: Vec<(FormatArg, Option<PathBuf>)>,

    /// Print secrets in full instead of redacting them, in human, json, jsonl and html reports
    /// (the report file is then readable by its owner only, and the html page opens with a red
    /// warning). sarif, github and markdown reports stay redacted: they are uploaded to or shown
    /// on GitHub.
    #[arg(long)]
    show_secrets: bool,

    /// Colour the human report: auto (when stdout is a terminal, unless NO_COLOR is set;
    /// CLICOLOR_FORCE forces it), always or never.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorArg::Auto)]
    color: ColorArg,

    /// Report only findings at this confidence or above [default: min_confidence in
    /// .keyhound.toml, else low].
    #[arg(long, value_enum)]
    min_confidence: Option<ConfidenceArg>,

    /// Ask each key's provider whether it still works (live, dead or unknown); off unless
    /// given. Each distinct secret found is sent once, over HTTPS, only to the endpoint of the
    /// provider its built-in (or --rules) rule names: a DeepSeek key to api.deepseek.com, a
    /// GitHub token to api.github.com (`docs/verifiers.md` lists them all). A bare sk- key whose
    /// file names neither goes to DeepSeek first, and to Alibaba DashScope
    /// (dashscope.aliyuncs.com) only if DeepSeek answers 401. At most --verify-max-requests
    /// requests; .keyhound.toml in the scanned tree can never add or redirect one.
    #[arg(long)]
    verify: bool,

    #[command(flatten)]
    verify_net: VerifyNetArgs,

    /// Which findings make the exit code 1: any finding, only keys verified live, or only live
    /// keys the provider says are admin keys (`live` and `admin` need --verify; without it they
    /// are a usage error, since nothing could ever be live).
    #[arg(long, value_enum, default_value_t = FailOnArg::Any)]
    fail_on: FailOnArg,

    #[command(flatten)]
    git: GitArgs,

    #[command(flatten)]
    scale: ScaleArgs,
}

/// Splitting one scan over many jobs, and naming the repository (docs/scale.md).
#[derive(Debug, clap::Args)]
struct ScaleArgs {
    /// Scan only part I of N (counting from 1): a tree split by path, balanced by bytes; a git
    /// scan split by blob id, every shard walking all the commits. Each file or blob belongs to
    /// exactly one part; `keyhound merge` makes the N JSON reports into what one scan reports.
    #[arg(long, value_name = "I/N", help_heading = "Scale")]
    shard: Option<String>,

    /// The repository stamped on every finding (`repository` in JSON), so that reports of many
    /// repositories merge into one [default: the origin URL of the git work tree, without
    /// credentials, else its folder name; none outside git]. `--repository ''` stamps none.
    #[arg(long, value_name = "NAME", help_heading = "Scale")]
    repository: Option<String>,
}

/// `keyhound merge`.
#[derive(Debug, clap::Args)]
struct MergeArgs {
    /// The JSON reports of `keyhound scan --format json`: the shards of one scan (each once,
    /// all of them) and the scans of any number of repositories.
    #[arg(required = true, value_name = "REPORT.json")]
    reports: Vec<PathBuf>,

    /// Output format [default: json]. `human` is not offered: JSON reports hold no code frames.
    #[arg(long, short = 'f', value_enum)]
    format: Option<FormatArg>,

    /// Write the merged report to FILE (atomically) instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,

    /// The custom rule files the scans used (`--rules`), for their descriptions in SARIF and to
    /// attribute their keys; may be repeated.
    #[arg(long = "rules", value_name = "FILE")]
    rules: Vec<PathBuf>,

    /// Merge an incomplete set of shards (a warning says which are missing) instead of failing.
    #[arg(long)]
    allow_partial: bool,

    /// Print nothing on stderr but errors.
    #[arg(long, short = 'q')]
    quiet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ColorArg {
    /// When stdout is a terminal and NO_COLOR is not set (or CLICOLOR_FORCE is).
    Auto,
    Always,
    Never,
}

impl ColorArg {
    /// Whether to colour, from the flag, the environment (`NO_COLOR`, `CLICOLOR_FORCE`, as
    /// ripgrep and ruff read them) and whether stdout is a terminal.
    fn resolve(self, env: impl Fn(&str) -> Option<String>, terminal: bool) -> bool {
        let set = |name: &str| env(name).is_some_and(|v| !v.is_empty());
        match self {
            ColorArg::Always => true,
            ColorArg::Never => false,
            ColorArg::Auto if set("NO_COLOR") => false,
            ColorArg::Auto
                if set("CLICOLOR_FORCE") && env("CLICOLOR_FORCE").as_deref() != Some("0") =>
            {
                true
            }
            ColorArg::Auto => terminal,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FailOnArg {
    /// Any reported finding.
    Any,
    /// Only findings whose key answered live.
    Live,
    /// Only findings whose key answered live and that the provider says is an admin key
    /// (verification.access.admin).
    Admin,
}

/// Scanning git instead of the working tree. PATH is then any folder inside the repository.
#[derive(Debug, clap::Args)]
struct GitArgs {
    /// Scan what is staged (the index, not the working tree): only lines added or changed
    /// against HEAD. The pre-commit path: no network, nothing else read.
    #[arg(
        long,
        conflicts_with_all = ["since_commit", "diff", "history"],
        help_heading = "Git"
    )]
    staged: bool,

    /// Scan every commit after BASE up to --until (default HEAD), each for the lines it
    /// added; findings carry the commit, its author and date.
    #[arg(
        long,
        value_name = "BASE",
        conflicts_with_all = ["diff", "history"],
        help_heading = "Git"
    )]
    since_commit: Option<String>,

    /// The last commit of the --since-commit range.
    #[arg(
        long,
        value_name = "REV",
        requires = "since_commit",
        help_heading = "Git"
    )]
    until: Option<String>,

    /// The same as --since-commit BASE --until HEAD, written BASE..HEAD.
    #[arg(
        long,
        value_name = "BASE..HEAD",
        conflicts_with = "history",
        help_heading = "Git"
    )]
    diff: Option<String>,

    /// Scan every blob ever committed (reachable from HEAD, or --branch, or --all), once
    /// each; findings carry the first commit that added the secret and whether it is still
    /// present at HEAD.
    #[arg(long, help_heading = "Git")]
    history: bool,

    /// With --history: start from this branch, tag or commit instead of HEAD.
    #[arg(long, value_name = "REF", requires = "history", help_heading = "Git")]
    branch: Option<String>,

    /// With --history: start from every reference (branches, tags, remotes).
    #[arg(
        long,
        requires = "history",
        conflicts_with = "branch",
        help_heading = "Git"
    )]
    all: bool,

    /// With --history: flag secrets still present at HEAD whose first commit is older than
    /// this (`90d`, `12w`, or days) as `rotation overdue`.
    #[arg(
        long,
        value_name = "AGE",
        num_args = 0..=1,
        default_missing_value = DEFAULT_MAX_AGE,
        requires = "history",
        help_heading = "Git"
    )]
    max_age: Option<String>,
}

#[derive(Debug, clap::Args)]
struct BaselineArgs {
    #[command(flatten)]
    input: InputArgs,

    /// Where to write the baseline (atomically) [default: the `baseline` named in
    /// .keyhound.toml, else .keyhound-baseline.json].
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,

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
    /// GitHub Actions workflow commands: annotations, at most 10 per level.
    Github,
    /// A Markdown table for a GitHub Actions step summary (under 1 MiB).
    Markdown,
    /// One self-contained HTML page (summary, charts, a filterable table, how to fix) that
    /// opens offline in any browser.
    Html,
}

impl FormatArg {
    fn resolve(self) -> Format {
        match self {
            FormatArg::Human => Format::Human,
            FormatArg::Json => Format::Json,
            FormatArg::Jsonl => Format::Jsonl,
            FormatArg::Sarif => Format::Sarif,
            FormatArg::Github => Format::Github,
            FormatArg::Markdown => Format::Markdown,
            FormatArg::Html => Format::Html,
        }
    }
}

/// The command line, the time and the version the HTML report shows. The command is rebuilt
/// from the arguments, quoted where a shell would need it, with the program named `keyhound`
/// (not the path it was started from).
fn run_info() -> crate::report::RunInfo {
    let mut words = vec!["keyhound".to_string()];
    words.extend(
        std::env::args_os()
            .skip(1)
            .map(|a| shell_word(&a.to_string_lossy())),
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    crate::report::RunInfo {
        command: words.join(" "),
        time: crate::report::utc_rfc3339(now),
        version: env!("CARGO_PKG_VERSION").to_string(),
    }
}

/// `word` as a POSIX shell reads it back: bare when it holds only safe characters, else in
/// single quotes.
fn shell_word(word: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "-_./=:,@+%".contains(c);
    if !word.is_empty() && word.chars().all(safe) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// `--report FORMAT=FILE`.
fn parse_report(s: &str) -> std::result::Result<(FormatArg, Option<PathBuf>), String> {
    let Some((format, file)) = s.split_once('=') else {
        return Err(format!(
            "{s:?} is not FORMAT=FILE; write e.g. sarif=keyhound.sarif or github=-"
        ));
    };
    let format = FormatArg::from_str(format, true).map_err(|_| {
        let names: Vec<String> = FormatArg::value_variants()
            .iter()
            .filter_map(|v| v.to_possible_value().map(|p| p.get_name().to_string()))
            .collect();
        format!("unknown format {format:?}; use one of {}", names.join(", "))
    })?;
    match file {
        "" => Err(format!(
            "{s:?} names no file; write FORMAT=FILE, or FORMAT=- for stdout"
        )),
        "-" => Ok((format, None)),
        f => Ok((format, Some(PathBuf::from(f)))),
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ConfidenceArg {
    Low,
    Medium,
    High,
}

/// `keyhound rules list --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ListFormat {
    /// Aligned columns with a header.
    Table,
    /// The rules as JSON, in the fields of the rule files.
    Json,
}

#[derive(Debug, Subcommand)]
enum RulesCommand {
    /// List the rules (built-in, plus any given with --rules).
    List {
        /// Add the rules in FILE to the built-in ones (may be repeated).
        #[arg(long = "rules", value_name = "FILE")]
        rules: Vec<PathBuf>,
        /// Output format.
        #[arg(long, short = 'f', value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
        /// The same as --format json.
        #[arg(long, conflicts_with = "format")]
        json: bool,
    },
    /// Compile every rule and run each of its examples and negative examples through the engine.
    Check {
        /// Add the rules in FILE to the built-in ones (may be repeated).
        #[arg(long = "rules", value_name = "FILE")]
        rules: Vec<PathBuf>,
    },
    /// Show everything about one rule.
    Explain {
        /// The rule id, e.g. deepseek.api-key.
        id: String,
        /// Add the rules in FILE to the built-in ones (may be repeated).
        #[arg(long = "rules", value_name = "FILE")]
        rules: Vec<PathBuf>,
    },
}

/// Entry point of the binary.
/// Exit code after Ctrl-C: 128 + SIGINT, what a shell reports for a process the signal killed.
const INTERRUPTED: i32 = 130;

pub fn main() -> ExitCode {
    let cli = parse();
    // Ctrl-C stops at once, as without a handler, but first removes the temporary file of a
    // report or baseline being written, so nothing is left behind.
    let _ = ctrlc::set_handler(|| {
        eprintln!("keyhound: interrupted");
        crate::atomic::abandon(INTERRUPTED);
    });
    let result = match cli.command {
        Command::Verify(args) => return verify_cmd::main(args),
        Command::Scan(args) => resolve_scan(*args).and_then(|cfg| app::scan(&cfg)),
        Command::Baseline(args) => resolve_baseline(args).and_then(|cfg| app::baseline(&cfg)),
        Command::Merge(args) => resolve_merge(args).and_then(|cfg| app::merge(&cfg)),
        Command::Rules(cmd) => rules_cmd::run(cmd),
        Command::Completions { shell } => print_generated(|out| {
            clap_complete::generate(shell, &mut Cli::command(), "keyhound", out);
            Ok(())
        }),
        Command::Man => print_generated(|out| clap_mangen::Man::new(Cli::command()).render(out)),
    };
    match result {
        Ok(outcome) => ExitCode::from(outcome as u8),
        // A reader that went away (`keyhound rules list | head`) is not an error: there is no
        // one left to tell.
        Err(e) if broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(Outcome::Error as u8)
        }
    }
}

/// Parses the command line; every subcommand's `--version` says `keyhound 0.1.0`, not
/// `keyhound-scan 0.1.0`.
fn parse() -> Cli {
    use clap::{CommandFactory, FromArgMatches};
    fn named(cmd: clap::Command) -> clap::Command {
        cmd.display_name("keyhound").mut_subcommands(named)
    }
    let matches = named(Cli::command()).get_matches();
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

/// Writes what `generate` makes (a completion script, the man page) to standard output, built
/// in memory first so that a closed pipe is an error here, never a panic in the generator.
fn print_generated(
    generate: impl FnOnce(&mut Vec<u8>) -> std::io::Result<()>,
) -> Result<app::Outcome> {
    use std::io::Write;
    let mut text = Vec::new();
    generate(&mut text).context("cannot generate the text")?;
    let mut out = std::io::stdout().lock();
    out.write_all(&text)?;
    out.flush()?;
    Ok(app::Outcome::Clean)
}

/// Whether an error comes from writing to a pipe whose reader has gone.
fn broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || c.downcast_ref::<serde_json::Error>()
                .and_then(|j| j.io_error_kind())
                == Some(std::io::ErrorKind::BrokenPipe)
    })
}

fn resolve_scan(args: ScanArgs) -> Result<ScanConfig> {
    let mut cfg = resolve_input(args.input)?;
    cfg.format = args.format.unwrap_or(FormatArg::Human).resolve();
    if !args.reports.is_empty() {
        if args.format.is_some() || args.output.is_some() {
            cfg.reports.push(ReportTarget {
                format: cfg.format,
                path: args.output.clone(),
            });
        }
        for (format, path) in args.reports {
            if let Some(p) = &path {
                if cfg.reports.iter().any(|r| r.path.as_ref() == Some(p)) {
                    bail!(
                        "two reports would be written to {}; give each --report its own file",
                        p.display()
                    );
                }
            }
            cfg.reports.push(ReportTarget {
                format: format.resolve(),
                path,
            });
        }
        let to_stdout: Vec<&ReportTarget> =
            cfg.reports.iter().filter(|r| r.path.is_none()).collect();
        if to_stdout.len() > 1 {
            let names: Vec<String> = to_stdout
                .iter()
                .map(|r| format!("{:?}", r.format).to_lowercase())
                .collect();
            bail!(
                "{} reports would go to standard output ({}) and could not be read apart; \
                 write all but one to a file (--report FORMAT=FILE, or --output FILE)",
                to_stdout.len(),
                names.join(" and ")
            );
        }
    }
    if args.show_secrets && !cfg.quiet {
        let formats: Vec<Format> = if cfg.reports.is_empty() {
            vec![cfg.format]
        } else {
            cfg.reports.iter().map(|r| r.format).collect()
        };
        let redacted: Vec<String> = formats
            .iter()
            .filter(|f| matches!(f, Format::Sarif | Format::Github | Format::Markdown))
            .map(|f| format!("{f:?}").to_lowercase())
            .collect();
        if !redacted.is_empty() {
            eprintln!(
                "warning: --show-secrets does not apply to {} (reports uploaded to or shown on GitHub stay redacted); use --format json or human to see the secrets",
                redacted.join(", ")
            );
        }
    }
    for path in args
        .output
        .iter()
        .chain(cfg.reports.iter().filter_map(|r| r.path.as_ref()))
    {
        if path.is_dir() {
            bail!(
                "{} is a folder; name the report file to write (e.g. {}/keyhound.sarif)",
                path.display(),
                path.display()
            );
        }
    }
    cfg.output = args.output;
    cfg.show_secrets = args.show_secrets;
    cfg.run = Some(run_info());
    cfg.color = args.color.resolve(
        |k| std::env::var(k).ok(),
        std::io::IsTerminal::is_terminal(&std::io::stdout()) && cfg.output.is_none(),
    );
    cfg.baseline = args.baseline;
    cfg.min_confidence = args.min_confidence.map(|c| match c {
        ConfidenceArg::Low => Confidence::Low,
        ConfidenceArg::Medium => Confidence::Medium,
        ConfidenceArg::High => Confidence::High,
    });
    let mut git = args.git;
    // `--max-age PATH`: clap gives the optional value to --max-age; an existing path that is
    // not an age is the scan root, and the age is the default.
    if let Some(v) = git.max_age.clone() {
        if parse_age(&v).is_err() && std::path::Path::new(&v).exists() {
            if cfg.roots == [PathBuf::from(".")] {
                cfg.roots.clear();
            }
            cfg.roots.push(PathBuf::from(v));
            git.max_age = Some(DEFAULT_MAX_AGE.into());
        }
    }
    cfg.git = resolve_git(git)?;
    cfg.shard = args
        .scale
        .shard
        .as_deref()
        .map(crate::shard::Shard::parse)
        .transpose()?;
    cfg.repository = args.scale.repository;
    if cfg.git.is_some() && cfg.roots.len() > 1 {
        bail!("git modes scan one repository: give one PATH inside it");
    }
    if !args.verify && args.verify_net.given() {
        bail!("the --verify-… options only apply with --verify");
    }
    if !args.verify && matches!(args.fail_on, FailOnArg::Live | FailOnArg::Admin) {
        let name = if args.fail_on == FailOnArg::Live {
            "live"
        } else {
            "admin"
        };
        bail!("--fail-on {name} needs --verify: without verification no key is ever live, so the scan could never fail");
    }
    cfg.verify = if args.verify {
        Some(args.verify_net.resolve()?)
    } else {
        None
    };
    cfg.fail_on = match args.fail_on {
        FailOnArg::Any => FailOn::Any,
        FailOnArg::Live => FailOn::Live,
        FailOnArg::Admin => FailOn::Admin,
    };
    Ok(cfg)
}

fn resolve_git(args: GitArgs) -> Result<Option<GitOptions>> {
    let mode = if args.staged {
        GitMode::Staged
    } else if let Some(base) = args.since_commit {
        GitMode::Range {
            base,
            until: args.until.unwrap_or_else(|| "HEAD".into()),
            flags: ("--since-commit", "--until"),
        }
    } else if let Some(spec) = args.diff {
        match spec.split_once("..") {
            Some((base, until)) if !base.is_empty() && !until.starts_with('.') => GitMode::Range {
                base: base.into(),
                until: if until.is_empty() {
                    "HEAD".into()
                } else {
                    until.into()
                },
                flags: ("--diff", "--diff"),
            },
            _ => bail!("--diff {spec:?}: write BASE..HEAD (two commits joined by `..`)"),
        }
    } else if args.history {
        GitMode::History {
            tips: match (args.branch, args.all) {
                (Some(r), _) => HistoryTips::Branch(r),
                (None, true) => HistoryTips::All,
                (None, false) => HistoryTips::Head,
            },
        }
    } else {
        return Ok(None);
    };
    let max_age_days = args.max_age.as_deref().map(parse_age).transpose()?;
    Ok(Some(GitOptions { mode, max_age_days }))
}

/// `90`, `90d`, `12w`: a number of days or weeks.
fn parse_age(s: &str) -> Result<u64> {
    let t = s.trim().to_ascii_lowercase();
    let (num, per) = match t.strip_suffix('d') {
        Some(n) => (n, 1),
        None => match t.strip_suffix('w') {
            Some(n) => (n, 7),
            None => (t.as_str(), 1),
        },
    };
    match num.parse::<u64>() {
        Ok(n) => Ok(n * per),
        Err(_) => {
            bail!("--max-age {s:?} is not an age: write days (`90d` or `90`) or weeks (`12w`)")
        }
    }
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
        Some(n @ 1..=MAX_THREADS) => n,
        Some(n) => bail!(
            "--threads {n}: give a number from 1 to {MAX_THREADS} (this machine has {} cores)",
            std::thread::available_parallelism().map_or(1, |n| n.get())
        ),
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
            max_archive_depth: args.max_archive_depth,
            binaries: args.binaries,
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
        git: None,
        verify: None,
        fail_on: FailOn::Any,
        reports: Vec::new(),
        stdin_name: args.stdin_name,
        quiet: args.quiet,
        color: false,
        excludes: args.exclude,
        only_rules: args.only_rules,
        skip_rules: args.skip_rules,
        run: None,
        shard: None,
        repository: None,
    })
}

fn resolve_merge(args: MergeArgs) -> Result<app::MergeConfig> {
    let format = args.format.unwrap_or(FormatArg::Json).resolve();
    if format == Format::Human {
        bail!("merge writes json, jsonl, sarif, github, markdown or html: JSON reports hold no code frames for the human format");
    }
    if args.output.as_ref().is_some_and(|p| p.is_dir()) {
        bail!(
            "{} is a folder; name the report file to write",
            args.output
                .as_ref()
                .map_or(String::new(), |p| p.display().to_string())
        );
    }
    Ok(app::MergeConfig {
        inputs: args.reports,
        format,
        output: args.output,
        rule_files: args.rules,
        allow_partial: args.allow_partial,
        quiet: args.quiet,
        run: Some(run_info()),
    })
}

/// `10`, `10s`, `500ms`, `1.5s`: a positive duration of at most an hour.
fn parse_duration(flag: &str, s: &str) -> Result<std::time::Duration> {
    let t = s.trim();
    let (num, scale) = if let Some(n) = t.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = t.strip_suffix('s') {
        (n, 1.0)
    } else {
        (t, 1.0)
    };
    match num.trim().parse::<f64>() {
        Ok(v) if v > 0.0 && v * scale <= 3600.0 => {
            Ok(std::time::Duration::from_secs_f64(v * scale))
        }
        _ => bail!("{flag} {s:?} is not a duration between 1ms and 1 hour: write seconds (10, 2.5s) or milliseconds (500ms)"),
    }
}

/// `123`, `500K`, `1.5M`, `64MiB`, `1G`: binary units, case-insensitive, optional `B`/`iB`;
/// a fraction is allowed with a unit and rounds down to whole bytes.
fn parse_size(s: &str, flag: &str) -> Result<u64> {
    let t = s.trim();
    let split = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let shift = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        _ => {
            bail!("{flag} {s:?} has an unknown unit {unit:?}: use K, M or G (e.g. 64MiB)")
        }
    };
    let bad = || {
        anyhow::anyhow!(
            "{flag} {s:?} is not a size: write bytes or a number with K, M or G (e.g. 64MiB, 1.5M)"
        )
    };
    if let Ok(n) = num.parse::<u64>() {
        return n
            .checked_mul(1 << shift)
            .ok_or_else(|| anyhow::anyhow!("{flag} {s:?} is too large"));
    }
    match num.parse::<f64>() {
        Ok(v) if shift > 0 && v.is_finite() && v >= 0.0 && !num.starts_with('.') => {
            let bytes = v * (1u64 << shift) as f64;
            if bytes >= u64::MAX as f64 {
                bail!("{flag} {s:?} is too large");
            }
            Ok(bytes as u64)
        }
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_words_are_quoted_as_a_shell_reads_them() {
        let cases = [
            ("--format", "--format"),
            ("html=out/r.html", "html=out/r.html"),
            ("my dir", "'my dir'"),
            ("it's", "'it'\\''s'"),
            ("", "''"),
            ("$HOME", "'$HOME'"),
        ];
        for (word, want) in cases {
            assert_eq!(shell_word(word), want, "{word:?}");
        }
    }

    #[test]
    fn sizes() {
        let cases = [
            ("123", Some(123)),
            ("1K", Some(1024)),
            ("64MiB", Some(64 << 20)),
            ("2g", Some(2 << 30)),
            ("1.5M", Some(3 << 19)),
            ("0.5k", Some(512)),
            ("1.5", None),
            ("1..5M", None),
            (".5M", None),
            ("", None),
            ("5X", None),
            ("M", None),
        ];
        for (s, want) in cases {
            assert_eq!(parse_size(s, "--max-file-size").ok(), want, "{s}");
        }
    }

    #[test]
    fn ages() {
        let cases = [
            ("90d", Some(90)),
            ("90", Some(90)),
            ("2w", Some(14)),
            ("d", None),
            ("-1d", None),
            ("3m", None),
        ];
        for (s, want) in cases {
            assert_eq!(parse_age(s).ok(), want, "{s}");
        }
    }

    #[test]
    fn durations() {
        let cases = [
            ("10", Some(10_000)),
            ("2.5s", Some(2_500)),
            ("500ms", Some(500)),
            ("0", None),
            ("-1", None),
            ("soon", None),
            ("2h", None),
        ];
        for (s, want) in cases {
            let got = parse_duration("--x", s).ok().map(|d| d.as_millis() as u64);
            assert_eq!(got, want, "{s}");
        }
    }

    #[test]
    fn diff_ranges() {
        let parse = |spec: &str| {
            let args = GitArgs {
                staged: false,
                since_commit: None,
                until: None,
                diff: Some(spec.into()),
                history: false,
                branch: None,
                all: false,
                max_age: None,
            };
            resolve_git(args).ok().flatten().map(|g| g.mode)
        };
        let range = |b: &str, u: &str| {
            Some(GitMode::Range {
                base: b.into(),
                until: u.into(),
                flags: ("--diff", "--diff"),
            })
        };
        assert_eq!(parse("main..HEAD"), range("main", "HEAD"));
        assert_eq!(parse("abc.."), range("abc", "HEAD"));
        assert_eq!(parse("abc...def"), None);
        assert_eq!(parse("abc"), None);
        assert_eq!(parse("..def"), None);
    }

    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    /// Every option and positional argument of every command says what it does.
    #[test]
    fn every_argument_has_help() {
        use clap::CommandFactory;
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for arg in cmd.get_arguments() {
                let builtin = matches!(arg.get_id().as_str(), "help" | "version");
                if !arg.is_hide_set() && !builtin && arg.get_help().is_none() {
                    missing.push(format!("{path} {}", arg.get_id()));
                }
            }
            for sub in cmd.get_subcommands() {
                if sub.get_about().is_none() && sub.get_name() != "help" {
                    missing.push(format!("{path} {} (the command)", sub.get_name()));
                }
                walk(sub, &format!("{path} {}", sub.get_name()), missing);
            }
        }
        let mut missing = Vec::new();
        walk(&Cli::command(), "keyhound", &mut missing);
        assert!(missing.is_empty(), "no help text: {missing:?}");
    }

    #[test]
    fn colour_follows_flag_then_no_color_then_clicolor_force_then_the_terminal() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                vars.iter()
                    .find(|(name, _)| *name == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        /// (flag, environment, stdout is a terminal, colour)
        type Case = (
            ColorArg,
            &'static [(&'static str, &'static str)],
            bool,
            bool,
        );
        let cases: &[Case] = &[
            (ColorArg::Auto, &[], true, true),
            (ColorArg::Auto, &[], false, false),
            (ColorArg::Auto, &[("NO_COLOR", "1")], true, false),
            (ColorArg::Auto, &[("NO_COLOR", "")], true, true),
            (ColorArg::Auto, &[("CLICOLOR_FORCE", "1")], false, true),
            (ColorArg::Auto, &[("CLICOLOR_FORCE", "0")], false, false),
            (
                ColorArg::Auto,
                &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")],
                false,
                false,
            ),
            (ColorArg::Always, &[("NO_COLOR", "1")], false, true),
            (ColorArg::Never, &[("CLICOLOR_FORCE", "1")], true, false),
        ];
        for &(flag, vars, terminal, want) in cases {
            assert_eq!(
                flag.resolve(env(vars), terminal),
                want,
                "{flag:?} {vars:?} {terminal}"
            );
        }
    }
}

//! `keyhound verify --rule ID`: one secret from standard input, one answer. The secret is never
//! taken from the command line, where shell history and process lists would keep it.

use std::io::{self, IsTerminal, Read};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::ValueEnum;

use super::VerifyNetArgs;
use crate::finding::{sha256_hex, VerificationStatus};
use crate::rules::RuleSet;
use crate::verify::{self, Outcome};

/// Exit codes of `keyhound verify`.
const LIVE: u8 = 0;
const DEAD: u8 = 1;
const ERROR: u8 = 2;
const UNKNOWN: u8 = 3;

/// The longest secret read from standard input; keys are far shorter.
const MAX_SECRET: u64 = 16 * 1024;

#[derive(Debug, clap::Args)]
pub(crate) struct VerifyCmdArgs {
    /// The rule whose verifier is used, e.g. deepseek.api-key (`keyhound rules list`).
    #[arg(long, value_name = "ID")]
    rule: String,

    /// The identifier some verifiers pair with the secret: the AWS access key ID (AKIA…) for
    /// aws.secret-access-key, the Twilio Account SID (AC…) for twilio.auth-token. Not a secret.
    #[arg(long, value_name = "ID")]
    partner: Option<String>,

    /// Add the rules (and verifiers) in FILE to the built-in ones (may be repeated).
    #[arg(long = "rules", value_name = "FILE")]
    rules: Vec<PathBuf>,

    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = OutFormat::Human)]
    format: OutFormat,

    #[command(flatten)]
    net: VerifyNetArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum OutFormat {
    /// `live: …` and the detail.
    Human,
    /// One JSON object: rule, provider, status, detail, secret_sha256.
    Json,
}

pub(crate) fn main(args: VerifyCmdArgs) -> ExitCode {
    match run(&args) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(ERROR)
        }
    }
}

fn run(args: &VerifyCmdArgs) -> Result<u8> {
    let options = args.net.resolve()?;
    let rules = RuleSet::with_files(&args.rules)?;
    let secret = read_secret()?;
    let (provider, outcome) = verify::check_one(
        &options,
        &rules,
        &args.rule,
        &secret,
        args.partner.as_deref(),
    )?;
    let Outcome { status, detail, .. } = &outcome;
    match args.format {
        OutFormat::Human => println!("{}: {} ({provider}): {detail}", status.as_str(), args.rule),
        OutFormat::Json => println!(
            "{}",
            serde_json::json!({
                "rule": args.rule,
                "provider": provider,
                "status": status,
                "detail": detail,
                "secret_sha256": sha256_hex(secret.as_bytes()),
            })
        ),
    }
    Ok(match status {
        VerificationStatus::Live => LIVE,
        VerificationStatus::Dead => DEAD,
        VerificationStatus::Unknown => UNKNOWN,
    })
}

/// One value: surrounding whitespace and the final newline are dropped; anything else around
/// it (a second line, spaces inside) is refused rather than guessed at.
fn read_secret() -> Result<String> {
    let stdin = io::stdin();
    if stdin.is_terminal() {
        eprintln!("keyhound: reading the key from standard input (end with Ctrl-D)");
    }
    let mut raw = Vec::new();
    stdin
        .lock()
        .take(MAX_SECRET + 1)
        .read_to_end(&mut raw)
        .context("cannot read the key from standard input")?;
    if raw.len() as u64 > MAX_SECRET {
        bail!("standard input holds more than {MAX_SECRET} bytes; give one key");
    }
    let text = String::from_utf8(raw)
        .map_err(|_| anyhow::anyhow!("the key on standard input is not UTF-8 text"))?;
    let secret = text.trim();
    if secret.is_empty() {
        bail!("no key on standard input: pipe it in, e.g. `keyhound verify --rule ID < key.txt`");
    }
    if secret.chars().any(char::is_whitespace) {
        bail!("standard input holds more than one value (whitespace inside); give exactly one key");
    }
    Ok(secret.to_string())
}

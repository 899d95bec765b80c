//! `keyhound verify --rule ID`: one secret from standard input, one answer. The secret is never
//! taken from the command line, where shell history and process lists would keep it, and is not
//! echoed when typed on a terminal. Nothing is sent before the secret has the rule's shape.

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

    /// Ask only this provider, by its id (for deepseek.api-key: `deepseek` or `dashscope`).
    /// Without it, a shape that several providers share is asked about one at a time, the
    /// next only after the one before answered that the key is not its own (401).
    #[arg(long, value_name = "ID")]
    provider: Option<String>,

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
        args.provider.as_deref(),
        &secret,
        args.partner.as_deref(),
    )?;
    let Outcome {
        status,
        detail,
        access,
        ..
    } = &outcome;
    match args.format {
        OutFormat::Human => {
            println!("{}: {} ({provider}): {detail}", status.as_str(), args.rule);
            if let Some(a) = access {
                println!("access: {}", crate::report::access_summary(a));
            }
        }
        OutFormat::Json => println!(
            "{}",
            serde_json::json!({
                "rule": args.rule,
                "provider": provider,
                "status": status,
                "detail": detail,
                "access": access,
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
/// it (a second line, spaces inside) is refused rather than guessed at. On a terminal the key is
/// read as one line with echo off, so it does not stay on the screen or in a recording.
fn read_secret() -> Result<String> {
    let text = if io::stdin().is_terminal() {
        rpassword::prompt_password("keyhound: paste the key (it is not shown), then Enter: ")
            .context("cannot read the key from the terminal")?
    } else {
        read_piped()?
    };
    let secret = text.trim();
    if secret.is_empty() {
        bail!("no key on standard input: pipe it in, e.g. `keyhound verify --rule ID < key.txt`");
    }
    if secret.chars().any(char::is_whitespace) {
        bail!("standard input holds more than one value (whitespace inside); give exactly one key");
    }
    Ok(secret.to_string())
}

/// Standard input when it is a pipe or a file, at most [`MAX_SECRET`] bytes.
fn read_piped() -> Result<String> {
    let mut raw = Vec::new();
    io::stdin()
        .lock()
        .take(MAX_SECRET + 1)
        .read_to_end(&mut raw)
        .context("cannot read the key from standard input")?;
    if raw.len() as u64 > MAX_SECRET {
        bail!("standard input holds more than {MAX_SECRET} bytes; give one key");
    }
    String::from_utf8(raw)
        .map_err(|_| anyhow::anyhow!("the key on standard input is not UTF-8 text"))
}

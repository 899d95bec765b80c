//! `keyhound rules list | check | explain`.

use std::io::{self, Write};

use anyhow::{Context, Result};

use super::RulesCommand;
use crate::app::Outcome;
use crate::detect::{check_rules, DetectOptions, Engine};
use crate::rules::{Rule, RuleSet};

pub(super) fn run(cmd: RulesCommand) -> Result<Outcome> {
    let mut out = io::stdout().lock();
    match cmd {
        RulesCommand::List { rules, json } => {
            let set = RuleSet::with_files(&rules)?;
            if json {
                let specs: Vec<_> = set.rules().iter().map(|r| &r.spec).collect();
                serde_json::to_writer_pretty(&mut out, &specs)?;
                writeln!(out)?;
            } else {
                for r in set.rules() {
                    let s = &r.spec;
                    writeln!(
                        out,
                        "{:<40} {:<8} {:<28} {}",
                        s.id, s.confidence, s.provider, s.name
                    )?;
                }
                writeln!(out, "{} rules", set.len())?;
            }
            Ok(Outcome::Clean)
        }
        RulesCommand::Check { rules } => {
            let set = RuleSet::with_files(&rules)?;
            let n = set.len();
            let examples: usize = set
                .rules()
                .iter()
                .map(|r| r.spec.examples.len() + r.spec.negative_examples.len())
                .sum();
            let engine = Engine::new(set, DetectOptions::default())?;
            let failures = check_rules(&engine);
            for f in &failures {
                writeln!(out, "FAIL {}: {}: {:?}", f.rule, f.problem, f.example)?;
            }
            if failures.is_empty() {
                writeln!(
                    out,
                    "ok: {n} rules, {examples} examples and negative examples"
                )?;
                Ok(Outcome::Clean)
            } else {
                writeln!(out, "{} of {examples} examples failed", failures.len())?;
                Ok(Outcome::Error)
            }
        }
        RulesCommand::Explain { id, rules } => {
            let set = RuleSet::with_files(&rules)?;
            let rule = set.get(&id).with_context(|| {
                format!("no rule has the id {id:?}; `keyhound rules list` shows them all")
            })?;
            explain(rule, &mut out)?;
            Ok(Outcome::Clean)
        }
    }
}

fn explain(rule: &Rule, out: &mut dyn Write) -> io::Result<()> {
    let s = &rule.spec;
    writeln!(out, "{} ({})", s.name, s.id)?;
    writeln!(out, "provider:    {}", s.provider)?;
    writeln!(out, "confidence:  {}", s.confidence)?;
    writeln!(out, "defined in:  {}", rule.origin)?;
    writeln!(out, "\nWhat it finds\n  {}", s.description)?;
    writeln!(
        out,
        "\nHow\n  keywords: {}\n  pattern:  {}",
        s.keywords.join(", "),
        s.pattern
    )?;
    if s.min_entropy > 0.0 {
        writeln!(out, "  min entropy: {} bits/char", s.min_entropy)?;
    }
    for a in &s.attribute {
        writeln!(
            out,
            "  provider {} when the file mentions: {}",
            a.provider,
            a.context.join(", ")
        )?;
    }
    writeln!(out, "\nRemediation\n  {}", s.remediation)?;
    writeln!(out, "\nReferences")?;
    for r in &s.references {
        writeln!(out, "  {r}")?;
    }
    writeln!(out, "\nVerification")?;
    let mut any = false;
    let specs = s.verify.iter().map(|v| (s.provider.as_str(), v)).chain(
        s.attribute
            .iter()
            .filter_map(|a| a.verify.as_ref().map(|v| (a.provider.as_str(), v))),
    );
    for (provider, v) in specs {
        any = true;
        writeln!(
            out,
            "  {provider}: {} {} (provider id `{}`; live {:?}, dead {:?})",
            v.method,
            v.url,
            v.provider_id(&s.id),
            v.live,
            v.dead
        )?;
    }
    if !any {
        writeln!(out, "  none")?;
    }
    Ok(())
}

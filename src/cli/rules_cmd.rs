//! `keyhound rules list | check | explain`.

use std::io::{self, Write};

use anyhow::{Context, Result};

use super::{ListFormat, RulesCommand};
use crate::app::Outcome;
use crate::detect::{check_rules, DetectOptions, Engine};
use crate::rules::{Rule, RuleSet};

pub(super) fn run(cmd: RulesCommand) -> Result<Outcome> {
    let mut out = io::stdout().lock();
    match cmd {
        RulesCommand::List {
            rules,
            format,
            json,
        } => {
            let set = RuleSet::with_files(&rules)?;
            if json || format == ListFormat::Json {
                let specs: Vec<_> = set.rules().iter().map(|r| &r.spec).collect();
                serde_json::to_writer_pretty(&mut out, &specs)?;
                writeln!(out)?;
            } else {
                list_table(&set, &mut out)?;
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
                format!(
                    "no rule has the id {id:?}{}",
                    crate::rules::did_you_mean(&set.suggest(&id))
                )
            })?;
            explain(rule, &mut out)?;
            Ok(Outcome::Clean)
        }
    }
}

/// `keyhound rules list`: a header, one aligned row per rule, and the totals.
fn list_table(set: &RuleSet, out: &mut dyn Write) -> io::Result<()> {
    let header = ["ID", "CONFIDENCE", "PROVIDER", "NAME"];
    let rows: Vec<[String; 4]> = set
        .rules()
        .iter()
        .map(|r| {
            let s = &r.spec;
            [
                s.id.clone(),
                s.confidence.to_string(),
                s.provider.clone(),
                s.name.clone(),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: [&str; 4]| {
        format!(
            "{:<w0$}  {:<w1$}  {:<w2$}  {}",
            cells[0],
            cells[1],
            cells[2],
            cells[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2]
        )
    };
    writeln!(out, "{}", line(header))?;
    for row in &rows {
        writeln!(
            out,
            "{}",
            line([&row[0], &row[1], &row[2], &row[3]]).trim_end()
        )?;
    }
    let providers: std::collections::BTreeSet<&str> = set
        .rules()
        .iter()
        .map(|r| r.spec.provider.as_str())
        .collect();
    writeln!(out, "{} rules, {} providers", set.len(), providers.len())
}

fn explain(rule: &Rule, out: &mut dyn Write) -> io::Result<()> {
    let s = &rule.spec;
    writeln!(out, "{} ({})", s.name, s.id)?;
    writeln!(out, "provider:    {}", s.provider)?;
    writeln!(out, "confidence:  {}", s.confidence)?;
    writeln!(out, "defined in:  {}", rule.origin)?;
    writeln!(out, "\nWhat it finds\n  {}", rule.description())?;
    writeln!(out, "\nHow")?;
    if !s.files.is_empty() {
        writeln!(out, "  files:    {}", s.files.join(", "))?;
    }
    if !s.keywords.is_empty() {
        writeln!(out, "  keywords: {}", s.keywords.join(", "))?;
    } else {
        writeln!(out, "  keywords: none (the whole file is read)")?;
    }
    match &s.handler {
        Some(h) => writeln!(out, "  handler:  {h} (src/detect/handlers.rs)")?,
        None => writeln!(out, "  pattern:  {}", s.pattern)?,
    }
    if let Some(d) = s.decode {
        writeln!(out, "  decoded:  {}, before it is judged", d.describe())?;
    }
    if !s.checks.is_empty() {
        let checks: Vec<String> = s
            .checks
            .iter()
            .map(|c| {
                serde_json::to_value(c)
                    .map_or(String::new(), |v| v.as_str().unwrap_or("").to_string())
            })
            .collect();
        writeln!(out, "  checks:   {}", checks.join(", "))?;
    }
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
    writeln!(out, "\nRemediation\n  {}", rule.remediation())?;
    writeln!(out, "\nReferences")?;
    for r in rule.references() {
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

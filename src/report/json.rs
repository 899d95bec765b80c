//! `--format json` (one document, `version: 1`) and `--format jsonl` (one finding per line).

use std::borrow::Cow;
use std::io::{self, Write};

use serde::{Deserialize, Serialize};

use super::{ScanReport, Stats};
use crate::finding::Finding;

/// The JSON contract. `version` changes only when a field is renamed or removed.
#[derive(Debug, Serialize, Deserialize)]
pub struct JsonReport<'a> {
    pub version: u32,
    pub findings: Cow<'a, [Finding]>,
    pub stats: Cow<'a, Stats>,
    pub warnings: Vec<JsonWarning>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct JsonWarning {
    pub path: String,
    pub message: String,
}

pub fn emit(report: &ScanReport<'_>, out: &mut dyn Write) -> io::Result<()> {
    let doc = JsonReport {
        version: 1,
        findings: Cow::Borrowed(report.findings),
        stats: Cow::Borrowed(report.stats),
        warnings: report
            .problems
            .iter()
            .map(|p| JsonWarning {
                path: p.path.clone(),
                message: p.message.clone(),
            })
            .collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    out.write_all(b"\n")
}

pub fn emit_lines(report: &ScanReport<'_>, out: &mut dyn Write) -> io::Result<()> {
    for f in report.findings {
        serde_json::to_writer(&mut *out, f)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

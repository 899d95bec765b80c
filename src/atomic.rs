//! Writing a file whole or not at all: into a temporary file in the same folder, renamed into
//! place when complete, so a crash or Ctrl-C leaves the old file or none, never half of one.

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// Writes `path` atomically with what `fill` writes; `what` names the file in errors
/// ("the report", "the baseline").
pub fn write(
    path: &Path,
    what: &str,
    fill: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(&dir).with_context(|| {
        format!(
            "cannot create a file in {} for {what}; is the folder writable?",
            dir.display()
        )
    })?;
    {
        let mut out = BufWriter::new(tmp.as_file_mut());
        fill(&mut out)
            .and_then(|_| out.flush())
            .with_context(|| format!("cannot write {what} to {}", path.display()))?;
    }
    tmp.persist(path)
        .with_context(|| format!("cannot move {what} into place at {}", path.display()))?;
    Ok(())
}

//! Writing a file whole or not at all: into a temporary file in the same folder, renamed into
//! place when complete, so a crash or Ctrl-C leaves the old file or none, never half of one.
//! A path that exists and is not a regular file (`/dev/null`, `/dev/stdout`, a FIFO) is written
//! in place: renaming over it would replace a device with a file.

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
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .with_context(|| format!("cannot open {} for {what}", path.display()))?;
        let mut out = BufWriter::new(file);
        return fill(&mut out)
            .and_then(|_| out.flush())
            .with_context(|| format!("cannot write {what} to {}", path.display()));
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_is_written_in_place_not_replaced() {
        let null = Path::new("/dev/null");
        if !null.exists() {
            return; // not a Unix system
        }
        write(null, "the report", |out| out.write_all(b"x")).unwrap();
        let meta = std::fs::metadata(null).unwrap();
        assert!(!meta.is_file(), "/dev/null must stay a device");
    }

    #[test]
    fn a_regular_file_is_replaced_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.json");
        std::fs::write(&path, "old").unwrap();
        write(&path, "the report", |out| out.write_all(b"new")).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temp file left"
        );
    }
}

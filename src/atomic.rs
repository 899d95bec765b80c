//! Writing a file whole or not at all: into a temporary file in the same folder, renamed into
//! place when complete, so a crash or Ctrl-C leaves the old file or none, never half of one.
//! A path that exists and is not a regular file (`/dev/null`, `/dev/stdout`, a FIFO) is written
//! in place: renaming over it would replace a device with a file.
//!
//! A crash (or SIGKILL) while the temporary file is being written can leave it behind, named
//! `.keyhound-*.tmp`; Ctrl-C does not: the binary's handler calls [`abandon`].
//!
//! The file gets the mode any tool's new file gets (0666 less the umask), because the temporary
//! file is created with that mode and the kernel applies the umask; only a file that holds live
//! secrets ([`Access::Private`]) stays readable by its owner alone (0600).

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, Result};

/// Temporary files being written now. Process-wide on purpose: a signal handler has no other
/// way to find them.
static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Removes the temporary files of writes in progress and exits with `code`; the Ctrl-C handler
/// calls this, so an interrupted write leaves the old file (or none) and no litter. The list
/// stays locked until the process is gone: a write that has not registered its temporary file
/// yet cannot create one any more (see [`write`]).
pub fn abandon(code: i32) -> ! {
    let mut pending = PENDING.lock().unwrap_or_else(|e| e.into_inner());
    for path in pending.drain(..) {
        let _ = std::fs::remove_file(path);
    }
    std::process::exit(code)
}

fn done(path: &Path) {
    PENDING
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .retain(|p| p != path);
}

/// Who may read a file written here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// As the umask says, like any file a normal tool writes: reports with redacted secrets,
    /// baselines (hashes only).
    Shared,
    /// The owner alone (0600): the file holds live secrets (`--show-secrets`).
    Private,
}

/// Writes `path` atomically with what `fill` writes; `what` names the file in errors
/// ("the report", "the baseline"). A device or FIFO written in place keeps its own mode.
pub fn write(
    path: &Path,
    what: &str,
    access: Access,
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
    // Created and registered under the lock, so that Ctrl-C never falls in between.
    let mut pending = PENDING.lock().unwrap_or_else(|e| e.into_inner());
    let mut builder = tempfile::Builder::new();
    builder.prefix(".keyhound-").suffix(".tmp");
    // tempfile's own default (0600) is right for a private file; a shared one asks for 0666 and
    // lets the kernel take the umask off, which reads it without changing it for other threads.
    #[cfg(unix)]
    if access == Access::Shared {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    #[cfg(not(unix))]
    let _ = access;
    let mut tmp = builder.tempfile_in(&dir).with_context(|| {
        format!(
            "cannot create a file in {} for {what}; is the folder writable?",
            dir.display()
        )
    })?;
    let tmp_path = tmp.path().to_path_buf();
    pending.push(tmp_path.clone());
    drop(pending);
    let written = (|| {
        {
            let mut out = BufWriter::new(tmp.as_file_mut());
            fill(&mut out)
                .and_then(|_| out.flush())
                .with_context(|| format!("cannot write {what} to {}", path.display()))?;
        }
        // The persist error's text already holds the I/O error, which is also its source:
        // keep only the I/O error, so the message says the failure once.
        tmp.persist(path)
            .map_err(|e| e.error)
            .with_context(|| format!("cannot move {what} into place at {}", path.display()))?;
        Ok(())
    })();
    done(&tmp_path);
    written
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
        write(null, "the report", Access::Shared, |out| {
            out.write_all(b"x")
        })
        .unwrap();
        let meta = std::fs::metadata(null).unwrap();
        assert!(!meta.is_file(), "/dev/null must stay a device");
    }

    #[test]
    fn a_regular_file_is_replaced_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.json");
        std::fs::write(&path, "old").unwrap();
        write(&path, "the report", Access::Shared, |out| {
            out.write_all(b"new")
        })
        .unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temp file left"
        );
    }
}

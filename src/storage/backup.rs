//! `lore backup`: a consistent copy of a store that is in use.
//!
//! The copy is taken at the file level while the writer lock keeps every
//! writer of this process out, right after a flush: the files then hold
//! exactly the committed writes, as they would after a crash at that
//! moment, and every open already recovers from that (the crash tests kill
//! writers at any point). Other processes cannot write meanwhile: sled's
//! lock keeps them out of the store, and a process that runs through the
//! holder writes with the holder's writer. The copy is made under a
//! temporary name beside `dest`, synced, and renamed into place, so `dest`
//! is either a whole copy or absent.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::open::sync_dir;
use super::{Storage, poisoned};
use crate::error::{Error, Result};

/// What a backup copied.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BackupSummary {
    /// Files copied.
    pub files: u64,
    /// Bytes copied.
    pub bytes: u64,
}

/// Files of a store directory that belong to the holding process, not to
/// the store: the socket other processes reach it by.
const NOT_COPIED: &[&str] = &["lore.sock"];

impl Storage {
    /// Copies the store into the new directory `dest` (which must not
    /// exist), consistent as of the moment the copy starts.
    pub fn backup(&self, dest: &Path) -> Result<BackupSummary> {
        if dest.exists() {
            return Err(Error::bad_input(
                dest.display().to_string(),
                "already exists; a backup goes to a new directory (remove it or name another)",
            ));
        }
        let parent = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if !parent.is_dir() {
            return Err(Error::bad_input(
                dest.display().to_string(),
                format!(
                    "its parent directory {} does not exist; create it first",
                    parent.display()
                ),
            ));
        }
        let name = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "backup".into());
        let partial = parent.join(format!(".{name}.partial-{}", std::process::id()));
        let _ = fs::remove_dir_all(&partial);
        let copied = {
            let _writers_wait = self.writer.lock().map_err(|_| poisoned())?;
            self.flush()?;
            copy_tree(&self.path, &partial)
        };
        let summary = match copied {
            Ok(s) => s,
            Err(e) => {
                let _ = fs::remove_dir_all(&partial);
                return Err(e);
            }
        };
        if let Err(e) = fs::rename(&partial, dest) {
            let _ = fs::remove_dir_all(&partial);
            return Err(Error::io(dest, e));
        }
        sync_dir(&parent)?;
        Ok(summary)
    }
}

/// Copies the regular files under `from` into the new directory `to`,
/// syncing each file and directory.
pub(super) fn copy_tree(from: &Path, to: &Path) -> Result<BackupSummary> {
    let mut summary = BackupSummary::default();
    fs::create_dir(to).map_err(|e| Error::io(to, e))?;
    let entries = fs::read_dir(from).map_err(|e| Error::io(from, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(from, e))?;
        let name = entry.file_name();
        if NOT_COPIED.iter().any(|n| name == *n) {
            continue;
        }
        let source = entry.path();
        let target = to.join(&name);
        let kind = entry.file_type().map_err(|e| Error::io(&source, e))?;
        if kind.is_dir() {
            let inner = copy_tree(&source, &target)?;
            summary.files += inner.files;
            summary.bytes += inner.bytes;
        } else if kind.is_file() {
            match copy_file(&source, &target) {
                Ok(bytes) => {
                    summary.files += 1;
                    summary.bytes += bytes;
                }
                // sled removed a blob it no longer needs while we listed
                // the directory: it is not part of the committed state.
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::io(&source, e)),
            }
        }
    }
    sync_dir(to)?;
    Ok(summary)
}

fn copy_file(from: &Path, to: &Path) -> io::Result<u64> {
    let mut input = fs::File::open(from)?;
    let mut output = fs::File::create_new(to)?;
    let bytes = io::copy(&mut input, &mut output)?;
    output.sync_all()?;
    Ok(bytes)
}

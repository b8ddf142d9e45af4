//! Reading a store this process may not write.
//!
//! sled opens its log for writing, even to read, so a user who may read a
//! store but not write it (another user's store, a read-only mount) could
//! not even query it. A reader ([`OpenOptions::reads_only`]) then copies the
//! store's files into a private directory under the system's temporary
//! directory and opens that; the copy is removed when the handle drops.
//! While copying it holds a shared lock on the store's log, which a holder
//! (sled takes an exclusive lock) excludes both ways: a store in use is
//! reported in use, and no writer can start while the copy is taken, so the
//! copy is consistent.

use std::path::{Path, PathBuf};

use super::backup::copy_tree;
use super::{OpenOptions, Storage};
use crate::error::{Error, Result};

/// The private copy a reader opened, removed on drop.
#[derive(Debug)]
pub(super) struct PrivateCopy {
    original: PathBuf,
    copy: PathBuf,
}

impl PrivateCopy {
    /// The store the user named.
    pub(super) fn original(&self) -> &Path {
        &self.original
    }
}

impl Drop for PrivateCopy {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.copy);
    }
}

impl Storage {
    pub(super) fn open_private_copy(path: &Path, opts: &OpenOptions) -> Result<Storage> {
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let copy =
            std::env::temp_dir().join(format!("lore-read-copy-{}-{stamp}", std::process::id()));
        let guard = PrivateCopy {
            original: path.to_path_buf(),
            copy: copy.clone(),
        };
        {
            let _shared = shared_lock(path)?;
            copy_tree(path, &copy).map_err(|e| named(e, &copy, path))?;
        }
        let mut storage = Storage::open_here(&copy, opts).map_err(|e| named(e, &copy, path))?;
        storage.copy_of = Some(guard);
        Ok(storage)
    }
}

/// An error about the copy, told about the store the user named.
fn named(e: Error, copy: &Path, original: &Path) -> Error {
    let swap = |p: PathBuf| match p.strip_prefix(copy) {
        Ok(rest) if rest.as_os_str().is_empty() => original.to_path_buf(),
        Ok(rest) => original.join(rest),
        Err(_) => p,
    };
    match e {
        Error::Corrupt { path, detail } => Error::Corrupt {
            path: swap(path),
            detail,
        },
        Error::NotAStore { path, reason } => Error::NotAStore {
            path: swap(path),
            reason,
        },
        Error::Io { path, source } => Error::Io {
            path: swap(path),
            source,
        },
        Error::FormatVersion {
            path,
            found,
            expected,
        } => Error::FormatVersion {
            path: swap(path),
            found,
            expected,
        },
        other => other,
    }
}

/// A shared lock on the store's log for as long as the value lives; a
/// store a process holds (exclusively) is reported in use.
#[cfg(target_os = "linux")]
fn shared_lock(path: &Path) -> Result<std::fs::File> {
    use rustix::fs::{FlockOperation, flock};
    let db = path.join("db");
    let file = std::fs::File::open(&db).map_err(|e| Error::io(&db, e))?;
    match flock(&file, FlockOperation::NonBlockingLockShared) {
        Ok(()) => Ok(file),
        Err(e) if e == rustix::io::Errno::WOULDBLOCK => Err(Error::StoreLocked {
            path: path.to_path_buf(),
        }),
        Err(e) => Err(Error::io(&db, std::io::Error::from(e))),
    }
}

/// Elsewhere the copy is taken without the lock: a writer at work meanwhile
/// can make it fail its checks at open, reported as damage of the copy.
#[cfg(not(target_os = "linux"))]
fn shared_lock(_path: &Path) -> Result<()> {
    Ok(())
}

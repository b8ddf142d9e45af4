//! sled's own files, seen from outside sled: what lore does to them before
//! sled opens a store.

use std::path::Path;

use crate::error::{Error, Result};

/// The segment size an existing store was created with (sled refuses to
/// open it with another), so that a store of an older lore format opens far
/// enough to be refused with the format-version error, not as damaged.
pub(super) fn stored_segment_size(path: &Path) -> Option<usize> {
    // Text lines, then a binary checksum.
    let bytes = std::fs::read(path.join("conf")).ok()?;
    String::from_utf8_lossy(&bytes)
        .lines()
        .find_map(|l| l.strip_prefix("segment_size:"))
        .and_then(|v| v.trim().parse().ok())
        .filter(|n: &usize| n.is_power_of_two() && (256..=1 << 24).contains(n))
}

/// Removes what a process killed inside sled's own open left half written,
/// so that the store opens as it was before that process started.
///
/// sled 0.34.7 writes a snapshot of its page table at every open that finds
/// new log entries: to `snap.<lsn>.generating`, synced, then renamed to
/// `snap.<lsn>`, then the older snapshot is deleted. But when it reads, it
/// takes the newest `snap.*` file *including* `.generating` ones, so a kill
/// before the rename leaves a torn file that makes every later open fail as
/// corrupt (sled issues #1166, #1527). A `.generating` file is never the only
/// copy of anything: the previous snapshot and the whole log are still there,
/// and replaying the log from the previous snapshot is exactly what sled does
/// when the kill comes a moment earlier. The files are removed only while
/// this process holds the store's lock, so no other process can be writing
/// one at the same time.
///
/// Likewise sled writes `conf` in two writes before it creates the log file
/// `db`; a `conf` without a non-empty `db` belongs to a store that never
/// held data, and sled writes it again.
pub(super) fn clear_interrupted_sled_writes(path: &Path) -> Result<()> {
    let db_file = path.join("db");
    let log_len = match std::fs::metadata(&db_file) {
        Ok(m) => m.len(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
        Err(e) => return Err(Error::io(&db_file, e)),
    };
    if log_len == 0 {
        match std::fs::remove_file(path.join("conf")) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(path.join("conf"), e)),
        }
        return Ok(());
    }
    let Ok(log) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&db_file)
    else {
        // Opening sled reports what is wrong with the file.
        return Ok(());
    };
    if log.try_lock().is_err() {
        // Held by another handle: sled reports that the store is in use.
        return Ok(());
    }
    let entries = std::fs::read_dir(path).map_err(|e| Error::io(path, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(path, e))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with("snap.") && name.ends_with(".generating") {
            std::fs::remove_file(entry.path()).map_err(|e| Error::io(entry.path(), e))?;
        }
    }
    // Dropping `log` releases the lock for sled to take.
    Ok(())
}

/// Asks the kernel to start reading, all at once, what sled reads one piece
/// at a time when it opens a store: the first page of every log segment
/// (sled reads each segment's header to order the log) and the newest
/// page-table snapshot.
///
/// On a cold cache sled's open of a large store is mostly waiting for these
/// small reads, which its thread pool issues a few at a time; queued together
/// the disk serves them in one pass. It is only a hint: any failure is
/// ignored, and sled reads the same bytes either way.
#[cfg(target_os = "linux")]
pub(super) fn prefetch_open_reads(path: &Path, segment_size: u64) {
    use rustix::fs::{Advice, fadvise};
    use std::num::NonZeroU64;

    // Evaluated at compile time, where 4096 is not zero.
    const PAGE: NonZeroU64 = NonZeroU64::new(4096).unwrap();
    if let Ok(log) = std::fs::File::open(path.join("db")) {
        let len = log.metadata().map_or(0, |m| m.len());
        let mut at = 0;
        while at < len && segment_size > 0 {
            let _ = fadvise(&log, at, Some(PAGE), Advice::WillNeed);
            at += segment_size;
        }
    }
    let newest_snapshot = std::fs::read_dir(path).ok().and_then(|entries| {
        entries
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().starts_with("snap."))
            .max_by_key(|e| e.file_name())
    });
    if let Some(snapshot) = newest_snapshot.and_then(|e| std::fs::File::open(e.path()).ok()) {
        let _ = fadvise(&snapshot, 0, None, Advice::WillNeed);
    }
}

/// Elsewhere the kernel offers no such hint that lore can give without
/// `unsafe`, and sled reads as it always did.
#[cfg(not(target_os = "linux"))]
pub(super) fn prefetch_open_reads(_path: &Path, _segment_size: u64) {}

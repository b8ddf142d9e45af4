//! Opening a store: sled's configuration and files, the format check,
//! the caches filled at open, and flushing (blob files synced once each).

use super::*;

/// sled's log segment size (fixed when a store is created: stores made with
/// another size keep it). sled reclaims a segment only when little of it is
/// live, writes pages larger than a quarter segment to blob files of their
/// own, and reads the header of every segment when it opens a store.
/// Measured at 10M facts (BENCHMARKS.md, Scale), with run metadata read on
/// first use: 128 KiB made every leaf of run blocks a blob file (12k files, a
/// third of the import in system time); 512 KiB (sled's default) answers the
/// first query cold in 185-806 ms over 5.3k headers; 1 MiB in 143-269 ms
/// (median 165) for 286-289 bytes per fact; 2 MiB in 134-244 ms but
/// 288-310 bytes per fact. Imports take about as long with each of the three.
pub(super) const SEGMENT_BYTES: usize = 1 << 20;

/// Which of sled's blob files [`Storage::flush`] has made durable.
#[derive(Debug)]
pub(super) struct BlobSync {
    /// Blobs (by the log sequence number sled names them after) present at
    /// the last flush, all durable; `None` before the first flush of this
    /// process. A set, not a high-water mark: two threads may finish blobs
    /// out of log order.
    synced: Option<FxHashSet<u64>>,
    /// When the store was opened: before the first flush, blobs modified
    /// since then are the ones to sync (older ones were written by an
    /// earlier process, whose flush synced what it acknowledged).
    opened: std::time::SystemTime,
    /// The `blobs/` directory's modification time seen before the last scan,
    /// kept only when it was over a second older than the scan: a blob
    /// created since would have moved it, so an equal time means nothing to
    /// do without reading the directory (thousands of entries in a big store,
    /// on every article's flush).
    unchanged_since: Option<std::time::SystemTime>,
}

impl BlobSync {
    pub(super) fn new() -> BlobSync {
        BlobSync {
            synced: None,
            // A second of slack for file systems with coarse timestamps.
            opened: std::time::SystemTime::now() - std::time::Duration::from_secs(1),
            unchanged_since: None,
        }
    }

    pub(super) fn is_new(&self, lsn: u64, entry: &std::fs::DirEntry) -> bool {
        match &self.synced {
            Some(done) => !done.contains(&lsn),
            None => entry
                .metadata()
                .and_then(|m| m.modified())
                .map_or(true, |t| t >= self.opened),
        }
    }
}

/// Makes the names in `dir` durable (on Unix a directory is synced like a
/// file; elsewhere there is no such call and nothing to do).
pub(super) fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    std::fs::File::open(dir)
        .and_then(|f| f.sync_all())
        .map_err(|e| Error::io(dir, e))?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

pub(super) fn sled_error(path: &Path, e: sled::Error) -> Error {
    match e {
        // The vendored sled keeps the kind of a failed `flock` (LORE-PATCH.md,
        // fix 3): `WouldBlock` means another handle holds the store. Asking
        // the lock again afterwards would race with a holder that is just
        // exiting (a killed writer), and turn a busy store into an I/O error.
        sled::Error::Io(io) if io.kind() == std::io::ErrorKind::WouldBlock => Error::StoreLocked {
            path: path.to_path_buf(),
        },
        sled::Error::Io(io) => Error::io(path, io),
        sled::Error::Corruption { .. } => Error::Corrupt {
            path: path.to_path_buf(),
            detail: "sled found a damaged page".into(),
        },
        // A damaged `conf` or log reads as "unsupported" or as an internal bug;
        // to the user both mean the files are not what lore wrote.
        e @ (sled::Error::Unsupported(_) | sled::Error::ReportableBug(_)) => Error::Corrupt {
            path: path.to_path_buf(),
            detail: format!("the storage engine cannot read its files ({e})"),
        },
        other => Error::Storage(other.to_string()),
    }
}

/// Refuses, before sled touches anything, a path that holds no store: sled
/// would make a new one there, or rewrite another program's file named `db`.
/// A store sled has opened once has a non-empty log `db` and its `conf`.
fn require_existing(path: &Path) -> Result<()> {
    let create = "nothing was created; make a store with `lore --db PATH ingest FILES` or `lore --db PATH import FILE`, or give the path of an existing one with --db";
    if !path.exists() {
        return Err(Error::NotAStore {
            path: path.to_path_buf(),
            reason: format!("there is nothing at this path; {create}"),
        });
    }
    if !path.is_dir() {
        return Err(Error::NotAStore {
            path: path.to_path_buf(),
            reason:
                "it is a file; a store is a directory (give an existing store directory with --db)"
                    .into(),
        });
    }
    let log_len = std::fs::metadata(path.join("db")).map_or(0, |m| m.len());
    let complete = log_len > 0 && path.join("conf").is_file();
    if !complete && path.join(manifest::MANIFEST).exists() {
        return Err(Error::Corrupt {
            path: path.to_path_buf(),
            detail: "its storage log (`db`, `conf`) is missing or empty, though its manifest records committed data".into(),
        });
    }
    if !complete {
        return Err(Error::NotAStore {
            path: path.to_path_buf(),
            reason: format!(
                "the directory holds no store (no storage log `db` with its `conf`); {create}"
            ),
        });
    }
    Ok(())
}

/// Installs, once per process, a panic hook that prints nothing for a panic
/// raised inside sled's code (lore catches those around `open` and reports
/// the store as damaged) and hands every other panic to the hook that was
/// there before, so lore's own bugs still print as usual.
fn quiet_sled_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let in_sled = info.location().is_some_and(|l| {
                let file = l.file().replace('\\', "/");
                file.contains("/sled/src/") || file.contains("/sled-0.34")
            });
            if !in_sled {
                previous(info);
            }
        }));
    });
}

/// How lore opens sled for a store at `path`.
pub(super) fn sled_config(path: &Path, opts: &OpenOptions) -> sled::Config {
    // sled's periodic thread both flushes and cleans the log; lore flushes
    // explicitly after every write, so without cleaning it is not needed.
    let flush_every_ms = (!opts.reads_only).then_some(500);
    sled::Config::new()
        .path(path)
        .cache_capacity(opts.cache_bytes)
        .segment_size(sled_files::stored_segment_size(path).unwrap_or(SEGMENT_BYTES))
        .flush_every_ms(flush_every_ms)
        .defer_restructuring(opts.reads_only)
}

/// Opens the sled database, turning panics and lock failures into lore errors.
pub(super) fn open_db(path: &Path, config: &sled::Config) -> Result<sled::Db> {
    // A handle dropped a moment ago in this process releases its file lock only
    // when sled's background flusher exits, so a lock failure is retried briefly
    // before it is reported as another process holding the store.
    let deadline = std::time::Instant::now() + std::time::Duration::from_millis(1500);
    let segment_size = u64::try_from(config.segment_size).unwrap_or(u64::MAX);
    sled_files::prefetch_open_reads(path, segment_size);
    loop {
        sled_files::clear_interrupted_sled_writes(path)?;
        // sled can panic on some damaged files instead of returning an error; a
        // damaged store must be an error that names it, so the panic is caught
        // here, and its message is kept from the user's terminal.
        quiet_sled_panics();
        let opened = std::panic::catch_unwind(AssertUnwindSafe(|| config.open()));
        match opened {
            Ok(Ok(db)) => return Ok(db),
            Ok(Err(e)) => match sled_error(path, e) {
                Error::StoreLocked { .. } if std::time::Instant::now() < deadline => {
                    std::thread::sleep(std::time::Duration::from_millis(25));
                }
                other => return Err(other),
            },
            Err(_) => {
                return Err(Error::Corrupt {
                    path: path.to_path_buf(),
                    detail: "the storage engine could not read its files".into(),
                });
            }
        }
    }
}

impl Storage {
    /// Opens (creating if needed) the store at `path`. A reader
    /// ([`OpenOptions::reads_only`]) of a store it may read but not write
    /// opens a private copy of it instead (`readonly.rs`).
    pub fn open(path: &Path, opts: &OpenOptions) -> Result<Storage> {
        match Storage::open_here(path, opts) {
            Err(Error::Io { source, .. })
                if opts.reads_only
                    && source.kind() == std::io::ErrorKind::PermissionDenied
                    && path.join("db").is_file() =>
            {
                Storage::open_private_copy(path, opts)
            }
            other => other,
        }
    }

    pub(super) fn open_here(path: &Path, opts: &OpenOptions) -> Result<Storage> {
        if opts.must_exist {
            require_existing(path)?;
        }
        if path.exists() && !path.is_dir() {
            return Err(Error::NotAStore {
                path: path.to_path_buf(),
                reason: "it is a file; a store is a directory (give a new or existing store directory with --db)".into(),
            });
        }
        if path.is_dir() && !path.join("db").exists() && path.join(manifest::MANIFEST).exists() {
            return Err(Error::Corrupt {
                path: path.to_path_buf(),
                detail:
                    "its storage log `db` is missing, though its manifest records committed data"
                        .into(),
            });
        }
        if path.is_dir() && !path.join("db").exists() && !path.join("conf").exists() {
            // sled creates `blobs/` first when it makes a store: a process
            // killed right then leaves only that, and the store is still new.
            let is_empty_blobs = |e: &std::fs::DirEntry| {
                e.file_name() == "blobs"
                    && std::fs::read_dir(e.path()).is_ok_and(|mut d| d.next().is_none())
            };
            let mut others = std::fs::read_dir(path).map_err(|e| Error::io(path, e))?;
            let non_empty = others.any(|e| e.map_or(true, |e| !is_empty_blobs(&e)));
            if non_empty {
                return Err(Error::NotAStore {
                    path: path.to_path_buf(),
                    reason: "the directory holds other files; give an empty or new directory for a new store".into(),
                });
            }
        }
        let recorded = manifest::read(path)?;
        let db = open_db(path, &sled_config(path, opts))?;
        let mut trees = Vec::with_capacity(TREE_NAMES.len());
        for name in TREE_NAMES {
            trees.push(db.open_tree(name).map_err(|e| sled_error(path, e))?);
        }
        let storage = Storage {
            path: path.to_path_buf(),
            db,
            trees,
            writer: Mutex::new(Counters::default()),
            exports: RwLock::new(()),
            rels: RwLock::new(RelCache::default()),
            entries_read: AtomicU64::new(0),
            idents: Mutex::new(IdentCache::default()),
            ident_limit: usize::try_from(opts.cache_bytes / IDENT_ENTRY_BYTES)
                .unwrap_or(usize::MAX)
                .max(1 << 16),
            runs: RwLock::new(Arc::new(runs::RunSet::default())),
            garbage: Mutex::new(Vec::new()),
            run_totals: Mutex::new((0, HashMap::new())),
            names: RwLock::new(rustc_hash::FxHashMap::default()),
            committed_entities: AtomicU64::new(0),
            blocks: runs::BlockCache::new(
                usize::try_from(opts.cache_bytes / BLOCK_CACHE_SHARE).unwrap_or(usize::MAX),
            ),
            name_limit: usize::try_from(opts.cache_bytes / NAME_ENTRY_BYTES)
                .unwrap_or(usize::MAX)
                .max(1 << 12),
            blob_sync: Mutex::new(BlobSync::new()),
            must_exist: opts.must_exist,
            manifest: Mutex::new(None),
            #[cfg(test)]
            crash_after_trees: std::sync::atomic::AtomicUsize::new(usize::MAX),
            copy_of: None,
        };
        // Before anything is written: a store that recovered less than it
        // committed must not be initialised or repaired as if it were whole.
        if let Some(m) = &recorded {
            storage.compare_manifest(m)?;
        }
        storage.check_format()?;
        storage.recover()?;
        storage.load_runs()?;
        storage.load_caches()?;
        if !opts.reads_only {
            storage.start_manifest(recorded)?;
        }
        Ok(storage)
    }

    pub(super) fn tree(&self, t: T) -> &sled::Tree {
        &self.trees[t as usize]
    }

    pub(super) fn corrupt(&self, what: &str, e: CodecError) -> Error {
        Error::Corrupt {
            path: self.path.clone(),
            detail: format!("{what}: {}", e.0),
        }
    }

    pub(super) fn sled(&self, e: sled::Error) -> Error {
        sled_error(&self.path, e)
    }

    pub(super) fn get(&self, t: T, key: &[u8]) -> Result<Option<sled::IVec>> {
        self.tree(t).get(key).map_err(|e| self.sled(e))
    }

    pub(super) fn check_format(&self) -> Result<()> {
        match self.get(T::Meta, META_FORMAT)? {
            Some(v) => {
                let found = codec::read_u32(&v).map_err(|e| self.corrupt("format version", e))?;
                if found != FORMAT_VERSION {
                    return Err(Error::FormatVersion {
                        path: self.path.clone(),
                        found,
                        expected: FORMAT_VERSION,
                    });
                }
                Ok(())
            }
            None if self.must_exist => Err(Error::NotAStore {
                path: self.path.clone(),
                reason: "it holds no lore format version (a store whose first write never completed, or another program's files); nothing was changed".into(),
            }),
            None => {
                let empty = self.trees.iter().all(|t| t.is_empty());
                if !empty {
                    return Err(Error::NotAStore {
                        path: self.path.clone(),
                        reason: "it has data but no lore format version".into(),
                    });
                }
                let counters =
                    codec::encode(&Counters::default()).map_err(|e| Error::Storage(e.0))?;
                self.tree(T::Meta)
                    .insert(META_COUNTERS, counters)
                    .map_err(|e| self.sled(e))?;
                self.tree(T::Meta)
                    .insert(META_FORMAT, &codec::u32_key(FORMAT_VERSION))
                    .map_err(|e| self.sled(e))?;
                self.flush()
            }
        }
    }

    pub(super) fn load_caches(&self) -> Result<()> {
        let counters: Counters = match self.get(T::Meta, META_COUNTERS)? {
            Some(v) => codec::decode(&v).map_err(|e| self.corrupt("counters", e))?,
            None => {
                return Err(Error::Corrupt {
                    path: self.path.clone(),
                    detail: "the counters record is missing".into(),
                });
            }
        };
        *self.writer.lock().map_err(|_| poisoned())? = counters;
        self.committed_entities
            .store(counters.next_entity, Ordering::Release);
        let mut cache = RelCache::default();
        for item in self.tree(T::Relations).scan_prefix(b"i") {
            let (k, v) = item.map_err(|e| self.sled(e))?;
            let id = codec::read_u32(&k[1..]).map_err(|e| self.corrupt("relation key", e))?;
            let rec: RelationRecord =
                codec::decode(&v).map_err(|e| self.corrupt("relation record", e))?;
            if id as usize != cache.by_id.len() {
                return Err(Error::Corrupt {
                    path: self.path.clone(),
                    detail: format!("relation ids are not dense at {id}"),
                });
            }
            cache.by_name.insert(rec.name.clone(), id);
            cache.by_id.push(rec);
        }
        *self.rels.write().map_err(|_| poisoned())? = cache;
        Ok(())
    }

    /// The store directory (the one the user named, also when this handle
    /// reads a private copy of it).
    pub fn path(&self) -> &Path {
        match &self.copy_of {
            Some(c) => c.original(),
            None => &self.path,
        }
    }

    /// Whether this handle reads a private copy of a store the process may
    /// not write (see [`Storage::open`]).
    pub fn reads_a_copy(&self) -> bool {
        self.copy_of.is_some()
    }

    /// Forces everything written so far to disk.
    ///
    /// sled 0.34 writes a value larger than a quarter segment to a file of
    /// its own in `blobs/` and never syncs that file: its flush makes the log
    /// durable, and the log would then point at a blob a power loss can
    /// take. Run metadata and leaves of run blocks are such values. sled
    /// writes a blob when the write is made, before the call returns, so
    /// syncing the blobs present before the log covers every write this
    /// flush acknowledges.
    pub fn flush(&self) -> Result<()> {
        let committed = self.manifest_candidate()?;
        self.sync_blobs()?;
        self.db.flush().map_err(|e| self.sled(e))?;
        self.record_manifest(committed)
    }

    /// Syncs the blob files written since the last call (and the directory
    /// that names them); returns how many.
    pub(super) fn sync_blobs(&self) -> Result<usize> {
        let dir = self.path.join("blobs");
        let mut state = self.blob_sync.lock().map_err(|_| poisoned())?;
        let scan_start = std::time::SystemTime::now();
        let dir_mtime = match std::fs::metadata(&dir).and_then(|m| m.modified()) {
            Ok(t) => Some(t),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(_) => None,
        };
        if state.synced.is_some() && dir_mtime.is_some() && state.unchanged_since == dir_mtime {
            return Ok(0);
        }
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(Error::io(&dir, e)),
        };
        let mut synced = 0;
        let mut present = FxHashSet::default();
        for entry in entries {
            let entry = entry.map_err(|e| Error::io(&dir, e))?;
            // sled names blobs by the log sequence number that wrote them.
            let Some(lsn) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u64>().ok())
            else {
                continue;
            };
            if state.is_new(lsn, &entry) {
                match std::fs::File::open(entry.path()).and_then(|f| f.sync_data()) {
                    Ok(()) => synced += 1,
                    // Replaced and removed by sled meanwhile: nothing to keep.
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                    Err(e) => return Err(Error::io(entry.path(), e)),
                }
            }
            present.insert(lsn);
        }
        if synced > 0 {
            sync_dir(&dir)?;
        }
        state.synced = Some(present);
        state.unchanged_since =
            dir_mtime.filter(|&t| t + std::time::Duration::from_secs(1) < scan_start);
        Ok(synced)
    }
}

//! lore's own record of what it committed, kept beside sled's files.
//!
//! sled recovers whatever its log holds. When damage to the files makes it
//! recover an older state, or none at all, nothing in sled says so: a store
//! whose first log page was zeroed opened as a new, empty store, and the
//! next writer initialised it as one. So after every flush that leaves no
//! bulk write half done, lore writes the counters that flush made durable
//! to `manifest` (written to a temporary file, synced, renamed over the old
//! one). The counters are id allocators and totals that only grow, so a
//! store whose recovered counters fall below the manifest's lost committed
//! data, and the open refuses it with an error that says what is missing.
//!
//! The file is a few lines of text ending in a checksum of the lines before
//! it (the first 16 hex digits of their BLAKE3 hash, a crate lore already
//! uses for document hashes), so that damage to the manifest itself is told
//! apart from damage to the store.

use std::path::Path;

use super::*;

/// The manifest's file name in the store directory.
pub(super) const MANIFEST: &str = "manifest";
const HEADER: &str = "lore manifest 1";

/// Reads the manifest of the store at `path`; `None` when there is none (a
/// store made before manifests, or one whose first write is still to come).
pub(super) fn read(path: &Path) -> Result<Option<Counters>> {
    let file = path.join(MANIFEST);
    let text = match std::fs::read(&file) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(&file, e)),
    };
    parse(&text).map(Some).ok_or_else(|| Error::Corrupt {
        path: path.to_path_buf(),
        detail: format!(
            "its manifest ({}) is damaged; if `lore export` of the store gives everything you expect, delete that file and lore writes a new one at the next write",
            file.display()
        ),
    })
}

fn parse(bytes: &[u8]) -> Option<Counters> {
    let text = std::str::from_utf8(bytes).ok()?;
    let body_end = text.rfind("check ")?;
    let (body, check) = text.split_at(body_end);
    if check.strip_prefix("check ")?.trim_end() != checksum(body) {
        return None;
    }
    let mut lines = body.lines();
    if lines.next()? != HEADER {
        return None;
    }
    let mut c = Counters::default();
    for line in lines {
        let (key, value) = line.split_once(' ')?;
        let value: u64 = value.parse().ok()?;
        match key {
            "documents" => c.next_doc = value,
            "entities" => c.next_entity = value,
            "facts" => c.next_fact = value,
            "relations" => c.next_rel = u32::try_from(value).ok()?,
            "sources" => c.sources = value,
            _ => return None,
        }
    }
    Some(c)
}

fn render(c: &Counters) -> String {
    let body = format!(
        "{HEADER}\ndocuments {}\nentities {}\nfacts {}\nrelations {}\nsources {}\n",
        c.next_doc, c.next_entity, c.next_fact, c.next_rel, c.sources
    );
    let check = checksum(&body);
    format!("{body}check {check}\n")
}

fn checksum(body: &str) -> String {
    blake3::hash(body.as_bytes()).to_hex()[..16].to_string()
}

/// Writes the manifest atomically: a reader (or a crash) sees the old one
/// or the new one, never a mix.
pub(super) fn write(path: &Path, c: &Counters) -> Result<()> {
    let tmp = path.join(format!("{MANIFEST}.tmp"));
    let file = path.join(MANIFEST);
    let io = |p: &Path| {
        let p = p.to_path_buf();
        move |e| Error::io(p, e)
    };
    {
        let mut f = std::fs::File::create(&tmp).map_err(io(&tmp))?;
        std::io::Write::write_all(&mut f, render(c).as_bytes()).map_err(io(&tmp))?;
        f.sync_all().map_err(io(&tmp))?;
    }
    std::fs::rename(&tmp, &file).map_err(io(&file))
}

/// What the recovered store lacks against the manifest, or `None` when it
/// holds at least everything the manifest records.
pub(super) fn shortfall(recovered: &Counters, recorded: &Counters) -> Option<String> {
    let pairs = [
        ("documents", recovered.next_doc, recorded.next_doc),
        ("entities", recovered.next_entity, recorded.next_entity),
        ("facts", recovered.next_fact, recorded.next_fact),
        (
            "relations",
            u64::from(recovered.next_rel),
            u64::from(recorded.next_rel),
        ),
        ("sources", recovered.sources, recorded.sources),
    ];
    let lost: Vec<String> = pairs
        .iter()
        .filter(|(_, have, had)| have < had)
        .map(|(what, have, had)| format!("{had} {what} were committed, {have} remain"))
        .collect();
    (!lost.is_empty()).then(|| lost.join(", "))
}

impl Storage {
    /// After a flush: records in the manifest the counters that were
    /// committed when the flush began (`before`), unless a bulk write was
    /// in progress then (its undo could still take them back) or the handle
    /// does not keep a manifest (readers, and a store still being opened).
    pub(super) fn record_manifest(&self, before: Option<Counters>) -> Result<()> {
        let Some(c) = before else { return Ok(()) };
        let mut last = self.manifest.lock().map_err(|_| poisoned())?;
        match *last {
            Some(done) if done == c => Ok(()),
            Some(_) => {
                write(&self.path, &c)?;
                *last = Some(c);
                Ok(())
            }
            None => Ok(()),
        }
    }

    /// The counters a flush starting now makes durable, when the manifest
    /// should record them (see [`Storage::record_manifest`]).
    pub(super) fn manifest_candidate(&self) -> Result<Option<Counters>> {
        if self.manifest.lock().map_err(|_| poisoned())?.is_none() {
            return Ok(None);
        }
        // Counters first, then the undo record: a bulk write that began in
        // between has its record in place by the second read.
        let Some(v) = self.get(T::Meta, META_COUNTERS)? else {
            return Ok(None);
        };
        let c: Counters = codec::decode(&v).map_err(|e| self.corrupt("counters", e))?;
        if self.get(T::Meta, undo::META_INTENT)?.is_some() {
            return Ok(None);
        }
        Ok(Some(c))
    }

    /// At open, before anything is written: refuses a store that recovered
    /// less than its manifest records.
    pub(super) fn compare_manifest(&self, recorded: &Counters) -> Result<()> {
        let recovered: Counters = match self.get(T::Meta, META_COUNTERS)? {
            Some(v) => codec::decode(&v).map_err(|e| self.corrupt("counters", e))?,
            None => Counters::default(),
        };
        match shortfall(&recovered, recorded) {
            None => Ok(()),
            Some(lost) => Err(Error::Corrupt {
                path: self.path.clone(),
                detail: format!(
                    "the storage files hold less than lore committed ({lost}): a damaged or replaced file took data with it"
                ),
            }),
        }
    }

    /// At the end of a writer's open: starts keeping the manifest, writing
    /// it now if it is missing or behind.
    pub(super) fn start_manifest(&self, recorded: Option<Counters>) -> Result<()> {
        let c = *self.writer.lock().map_err(|_| poisoned())?;
        if recorded != Some(c) {
            write(&self.path, &c)?;
        }
        *self.manifest.lock().map_err(|_| poisoned())? = Some(c);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manifest_reads_back_and_damage_to_it_is_seen() {
        let c = Counters {
            next_doc: 3,
            next_entity: 40,
            next_fact: 500,
            next_rel: 6,
            sources: 700,
        };
        let text = render(&c);
        assert_eq!(parse(text.as_bytes()), Some(c));
        let damaged = text.replace("facts 500", "facts 501");
        assert_eq!(parse(damaged.as_bytes()), None);
        assert_eq!(parse(b""), None);
        assert_eq!(parse(&text.as_bytes()[..text.len() - 3]), None);
    }

    #[test]
    fn a_shortfall_names_what_is_missing() {
        let had = Counters {
            next_doc: 10,
            next_fact: 90,
            ..Counters::default()
        };
        let have = Counters {
            next_doc: 4,
            next_fact: 95,
            ..Counters::default()
        };
        assert_eq!(
            shortfall(&have, &had).as_deref(),
            Some("10 documents were committed, 4 remain")
        );
        assert_eq!(shortfall(&had, &had), None);
    }
}

//! The run level of [`Storage`]: loading the run directory, reading runs
//! beside the mutable trees, building an import batch's runs, merging runs
//! (compaction) and deleting the runs a merge replaced.
//!
//! Crash safety of a merge: the new run's blocks are written under a run id
//! not yet handed out (`RunDir::next_run`) and flushed; then one write of the
//! directory makes the new run live, the merged ones garbage and the id
//! handed out, and is flushed; garbage is deleted afterwards. Every open
//! deletes blocks of ids at or past `next_run` (a merge cut short) and the
//! blocks of garbage runs, so a crash at any point leaves either the old runs
//! or the new one live, never both, never neither.
//!
//! Over 800 lines by the tests at its end (~90); the run level's own code
//! is about 820 and its steps (build, merge, delete) share one crash
//! protocol, described above, that is easier to check in one file.

use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::sync::Arc;

use super::runs::{self, Reader, Run, RunBuilder, RunDir, RunMeta, RunSet, Space};
use super::{IndexKind, ObjKey, Storage, T, Triple, codec, poisoned};
use crate::error::{Error, Result};
use crate::model::{DocId, EntityId, FactId, RelId};

/// `meta` key of the run directory.
pub(super) const META_RUNS: &[u8] = b"runs";

/// Blocks written per sled batch while a merge streams its output.
const MERGE_WRITE_BLOCKS: usize = 256;

/// Keys per sled batch when the blocks of dead runs are removed.
const REMOVE_SLICE_KEYS: usize = 1024;

/// Group totals the planner's cache keeps before it starts afresh.
const RUN_TOTALS_CACHED: usize = 1 << 16;

/// Index entries of one group held in memory at once while merging.
const MERGE_GROUP_ENTRIES: usize = 1 << 16;

/// The space of an index.
pub(super) fn index_space(kind: IndexKind) -> Space {
    match kind {
        IndexKind::Spo => Space::Spo,
        IndexKind::Pos => Space::Pos,
        IndexKind::Osp => Space::Osp,
    }
}

fn space_index(space: Space) -> Option<IndexKind> {
    match space {
        Space::Spo => Some(IndexKind::Spo),
        Space::Pos => Some(IndexKind::Pos),
        Space::Osp => Some(IndexKind::Osp),
        _ => None,
    }
}

/// The hash under which a fact identity is kept in `spo` run filters.
pub(super) fn identity_hash(subject: EntityId, rel: RelId, negative: bool, object: ObjKey) -> u64 {
    let mut b = [0u8; 22];
    b[..8].copy_from_slice(&subject.to_be_bytes());
    b[8..12].copy_from_slice(&rel.to_be_bytes());
    b[12] = u8::from(negative);
    b[13..].copy_from_slice(&object.to_bytes());
    runs::hash64(&b)
}

fn triple_identity(t: &Triple) -> u64 {
    identity_hash(t.subject, t.relation, t.negative, t.object)
}

/// Every `runs` key of one run: its blocks and its metadata.
fn run_keys(space: Space, id: u32, blocks: u32) -> impl Iterator<Item = Vec<u8>> {
    (0..blocks)
        .map(move |b| runs::block_key(space, id, b).to_vec())
        .chain(std::iter::once(runs::meta_key(space, id).to_vec()))
}

/// The `idents` keys of `triples` in key order. Keys hold only a prefix of
/// the identity, so they sort by (prefix, fact), not by identity.
fn sorted_ident_keys<'t>(triples: impl Iterator<Item = &'t Triple>) -> Vec<Vec<u8>> {
    let mut keys: Vec<Vec<u8>> = triples
        .map(|t| codec::ident_key(triple_identity(t), t.fact))
        .collect();
    keys.sort_unstable();
    keys
}

/// What a run's filter holds for a key: the hash of the identity prefix for
/// `idents` (looked up by identity, not by key), else the hash of the key.
fn filter_hash(space: Space, key: &[u8]) -> u64 {
    match (space, key.get(..codec::IDENT_PREFIX_BYTES)) {
        (Space::Idents, Some(prefix)) => runs::hash64(prefix),
        _ => runs::hash64(key),
    }
}

/// What an import batch adds to the run level, collected while staging.
#[derive(Default)]
pub(super) struct RunAdds {
    /// Normalized name → entities that gained it.
    pub names: BTreeMap<String, Vec<EntityId>>,
    /// Document hash → document.
    pub hashes: BTreeMap<String, DocId>,
    /// Literal object key → encoded literal.
    pub literals: BTreeMap<Vec<u8>, Vec<u8>>,
}

impl RunAdds {
    /// Records that `entity` is known by `name` (normalized).
    pub fn name(&mut self, name: String, entity: EntityId) {
        let ids = self.names.entry(name).or_default();
        if !ids.contains(&entity) {
            ids.push(entity);
        }
    }
}

/// The runs one import batch writes: staged keys and the runs to make live.
pub(super) struct BuiltRuns {
    pub staged: Vec<(Vec<u8>, Vec<u8>)>,
    pub dir: RunDir,
    pub runs: Vec<Arc<Run>>,
}

impl Storage {
    /// The live runs (a snapshot: later writes do not change it).
    pub(super) fn run_set(&self) -> Result<Arc<RunSet>> {
        Ok(self.runs.read().map_err(|_| poisoned())?.clone())
    }

    fn install_runs(&self, mut set: RunSet) -> Result<()> {
        let mut slot = self.runs.write().map_err(|_| poisoned())?;
        set.generation = slot.generation + 1;
        *slot = Arc::new(set);
        Ok(())
    }

    pub(super) fn run_reader(&self) -> Reader<'_> {
        Reader::cached(self.tree(T::Runs), &self.blocks)
    }

    pub(super) fn run_err(&self, e: runs::ReadError) -> Error {
        match e {
            runs::ReadError::Sled(e) => self.sled(e),
            runs::ReadError::Codec(e) => self.corrupt("run", e),
        }
    }

    fn read_dir(&self) -> Result<RunDir> {
        match self.get(T::Meta, META_RUNS)? {
            Some(v) => codec::decode(&v).map_err(|e| self.corrupt("run directory", e)),
            None => Ok(RunDir::default()),
        }
    }

    fn write_dir(&self, dir: &RunDir) -> Result<()> {
        let bytes = codec::encode(dir).map_err(|e| Error::Storage(e.0))?;
        self.tree(T::Meta)
            .insert(META_RUNS, bytes)
            .map_err(|e| self.sled(e))?;
        self.flush()
    }

    /// Reads the run directory and the metadata of every live run, after
    /// deleting what a crash left: blocks of a merge that never became live
    /// and blocks of runs a merge replaced.
    pub(super) fn load_runs(&self) -> Result<()> {
        // Run ids of a failed write may be handed out again.
        self.blocks.clear();
        let mut dir = self.read_dir()?;
        let tree = self.tree(T::Runs);
        let mut doomed: Vec<Vec<u8>> = Vec::new();
        let mut dropped = 0usize;
        for space in Space::ALL {
            let from = runs::block_key(space, dir.next_run, 0);
            let to = runs::block_key(space, u32::MAX, u32::MAX);
            for item in tree.range(from..=to) {
                let (k, _) = item.map_err(|e| self.sled(e))?;
                doomed.push(k.to_vec());
                dropped += 1;
            }
        }
        for &(space, id, blocks) in &dir.garbage {
            let space = Space::from_tag(space).ok_or_else(|| {
                self.corrupt(
                    "run directory",
                    codec::CodecError(format!("unknown space {space}")),
                )
            })?;
            doomed.extend(run_keys(space, id, blocks));
            dropped += 1;
        }
        if dropped > 0 {
            self.remove_runs_keys(doomed)?;
            if !dir.garbage.is_empty() {
                dir.garbage.clear();
                self.write_dir(&dir)?;
            } else {
                self.flush()?;
            }
        }
        let mut set = RunSet {
            dir: dir.clone(),
            ..RunSet::default()
        };
        for &(space, id, blocks) in &dir.live {
            let space = Space::from_tag(space).ok_or_else(|| {
                self.corrupt(
                    "run directory",
                    codec::CodecError(format!("unknown space {space}")),
                )
            })?;
            let tree = self.tree(T::Runs).clone();
            set.by_space[space as usize].push(Arc::new(Run::stored(space, id, blocks, tree)));
        }
        self.install_runs(set)?;
        self.garbage.lock().map_err(|_| poisoned())?.clear();
        Ok(())
    }

    // ------------------------------------------------------------ reads

    /// Entity ids the runs list under a normalized name.
    pub(super) fn run_names(&self, normalized: &str) -> Result<Vec<EntityId>> {
        let set = self.run_set()?;
        let h = runs::hash64(normalized.as_bytes());
        let reader = self.run_reader();
        let mut out = Vec::new();
        for run in set.runs(Space::Names) {
            if !run
                .meta()
                .map_err(|e| self.run_err(e))?
                .filter
                .may_contain(h)
            {
                continue;
            }
            if let Some(v) = reader
                .get(run, normalized.as_bytes())
                .map_err(|e| self.run_err(e))?
            {
                let ids: Vec<EntityId> =
                    codec::decode(&v).map_err(|e| self.corrupt("name index", e))?;
                for id in ids {
                    if !out.contains(&id) {
                        out.push(id);
                    }
                }
            }
        }
        Ok(out)
    }

    /// The value a point-lookup space (hashes, literals) holds for `key`.
    pub(super) fn run_point(&self, space: Space, key: &[u8]) -> Result<Option<Vec<u8>>> {
        let set = self.run_set()?;
        let h = runs::hash64(key);
        let reader = self.run_reader();
        for run in set.runs(space) {
            if !run
                .meta()
                .map_err(|e| self.run_err(e))?
                .filter
                .may_contain(h)
            {
                continue;
            }
            if let Some(v) = reader.get(run, key).map_err(|e| self.run_err(e))? {
                return Ok(Some(v));
            }
        }
        Ok(None)
    }

    /// Every (name, ids) the runs hold, merged over runs, in name order.
    pub(super) fn run_all_names(&self) -> Result<BTreeMap<String, Vec<EntityId>>> {
        let set = self.run_set()?;
        let reader = self.run_reader();
        let mut out: BTreeMap<String, Vec<EntityId>> = BTreeMap::new();
        let mut m =
            runs::Merge::new(&reader, set.runs(Space::Names)).map_err(|e| self.run_err(e))?;
        while let Some((k, values)) = m.next_group().map_err(|e| self.run_err(e))? {
            let name = String::from_utf8(k)
                .map_err(|_| self.corrupt("name key", codec::CodecError("not UTF-8".into())))?;
            let ids = out.entry(name).or_default();
            for v in values {
                let more: Vec<EntityId> =
                    codec::decode(&v).map_err(|e| self.corrupt("name index", e))?;
                for id in more {
                    if !ids.contains(&id) {
                        ids.push(id);
                    }
                }
            }
        }
        Ok(out)
    }

    /// The facts of the run level whose identity hashes to `identity`
    /// (almost always the facts of that identity: callers check).
    pub(super) fn run_ident_candidates(&self, identity: u64, out: &mut Vec<FactId>) -> Result<()> {
        let set = self.run_set()?;
        let reader = self.run_reader();
        let prefix = codec::ident_prefix(identity);
        let hash = filter_hash(Space::Idents, &prefix);
        for run in set.runs(Space::Idents) {
            if !run
                .meta()
                .map_err(|e| self.run_err(e))?
                .filter
                .may_contain(hash)
            {
                continue;
            }
            let _always_continues =
                reader.for_each_prefixed(run, &prefix, &|e| self.run_err(e), &mut |k, _| {
                    let (_, fact) =
                        codec::read_ident_key(k).map_err(|e| self.corrupt("identity key", e))?;
                    out.push(fact);
                    Ok(ControlFlow::Continue(()))
                })?;
        }
        Ok(())
    }

    /// Calls `f` with the entries of `group` (every group when empty) in one
    /// run, a chunk at a time, decoded into `buf`.
    pub(super) fn for_each_run_chunk(
        &self,
        run: &Run,
        kind: IndexKind,
        group: &[u8],
        relation: Option<RelId>,
        buf: &mut Vec<Triple>,
        f: &mut dyn FnMut(&[Triple]) -> Result<ControlFlow<()>>,
    ) -> Result<ControlFlow<()>> {
        let reader = self.run_reader();
        reader.for_each_prefixed(run, group, &|e| self.run_err(e), &mut |key, value| {
            let (g, _) =
                codec::split_run_chunk_key(key).map_err(|e| self.corrupt("run index key", e))?;
            buf.clear();
            let mut decoded = 0u64;
            codec::decode_run_chunk(kind, g, value, |t| {
                decoded += 1;
                if relation.is_none_or(|r| r == t.relation) {
                    buf.push(t);
                }
            })
            .map_err(|e| self.corrupt("run index chunk", e))?;
            self.entries_read
                .fetch_add(decoded, std::sync::atomic::Ordering::Relaxed);
            if buf.is_empty() {
                return Ok(ControlFlow::Continue(()));
            }
            f(buf)
        })
    }

    /// Entries of `group` in the runs of `kind`: exact, from big-group
    /// totals or chunk headers (no entry is decoded). `polarity`: `None` all,
    /// `Some(false)` positive only, `Some(true)` negative only.
    pub(super) fn run_group_total(
        &self,
        kind: IndexKind,
        group: &[u8],
        polarity: Option<bool>,
    ) -> Result<u64> {
        let set = self.run_set()?;
        let reader = self.run_reader();
        let mut total = 0u64;
        for run in set.runs(index_space(kind)) {
            if polarity.is_none()
                && let Some(n) = run.big_group(group).map_err(|e| self.run_err(e))?
            {
                total += n;
                continue;
            }
            let _ =
                reader.for_each_prefixed(run, group, &|e| self.run_err(e), &mut |key, value| {
                    let (g, _) = codec::split_run_chunk_key(key)
                        .map_err(|e| self.corrupt("run index key", e))?;
                    if g == group {
                        let (n, neg, _) = codec::run_chunk_counts(value)
                            .map_err(|e| self.corrupt("run index chunk", e))?;
                        total += match polarity {
                            None => n,
                            Some(false) => n - neg,
                            Some(true) => neg,
                        };
                    }
                    Ok(ControlFlow::Continue(()))
                })?;
        }
        Ok(total)
    }

    /// The planner's view of [`Storage::run_group_total`]: the same exact
    /// figure, remembered until the runs change, since planning asks for the
    /// same popular terms again and again and a small group costs a block
    /// read per run.
    pub(super) fn run_group_estimate(&self, kind: IndexKind, group: &[u8]) -> Result<u64> {
        let set = self.run_set()?;
        if set.runs(index_space(kind)).is_empty() {
            return Ok(0);
        }
        let generation = set.generation;
        let key = (index_space(kind) as u8, group.to_vec());
        {
            let cache = self.run_totals.lock().map_err(|_| poisoned())?;
            if cache.0 == generation
                && let Some(n) = cache.1.get(&key)
            {
                return Ok(*n);
            }
        }
        let n = self.run_group_total(kind, group, None)?;
        let mut cache = self.run_totals.lock().map_err(|_| poisoned())?;
        if cache.0 != generation || cache.1.len() >= RUN_TOTALS_CACHED {
            cache.0 = generation;
            cache.1.clear();
        }
        cache.1.insert(key, n);
        Ok(n)
    }

    /// Bytes of the run blocks a scan of `group` reads (the benchmark floor).
    pub(super) fn run_raw_bytes(&self, kind: IndexKind, group: &[u8]) -> Result<u64> {
        let set = self.run_set()?;
        let reader = self.run_reader();
        let mut n = 0;
        for run in set.runs(index_space(kind)) {
            n += reader
                .raw_prefix_bytes(run, group)
                .map_err(|e| self.run_err(e))?;
        }
        Ok(n)
    }

    // ------------------------------------------------------------ writes

    /// Builds the runs of one import batch: index entries per group, names,
    /// hashes and literals. The keys are staged by the caller with the rest
    /// of the batch, under its undo record.
    pub(super) fn build_runs(&self, appends: super::Appends, adds: RunAdds) -> Result<BuiltRuns> {
        let set = self.run_set()?;
        let mut dir = set.dir.clone();
        let mut by_kind: [BTreeMap<Vec<u8>, Vec<Triple>>; 3] = Default::default();
        for ((kind, group), triples) in appends {
            let slot = match kind {
                IndexKind::Spo => 0,
                IndexKind::Pos => 1,
                IndexKind::Osp => 2,
            };
            by_kind[slot].insert(group.as_slice().to_vec(), triples);
        }
        let mut builders = Vec::new();
        // Every new fact once, by identity (from its `spo` entries).
        let idents = sorted_ident_keys(by_kind[0].values().flatten());
        if !idents.is_empty() {
            let mut b = RunBuilder::new(Space::Idents);
            for key in idents {
                b.push(&key, &[]).map_err(|e| Error::Storage(e.0))?;
                b.filter(filter_hash(Space::Idents, &key));
            }
            builders.push(b);
        }
        for (kind, groups) in [IndexKind::Spo, IndexKind::Pos, IndexKind::Osp]
            .into_iter()
            .zip(by_kind)
        {
            if groups.is_empty() {
                continue;
            }
            let mut b = RunBuilder::new(index_space(kind));
            for (group, triples) in groups {
                push_group(&mut b, kind, &group, &triples).map_err(|e| Error::Storage(e.0))?;
            }
            builders.push(b);
        }
        if !adds.names.is_empty() {
            let mut b = RunBuilder::new(Space::Names);
            for (name, ids) in &adds.names {
                let v = codec::encode(ids).map_err(|e| Error::Storage(e.0))?;
                b.push(name.as_bytes(), &v)
                    .map_err(|e| Error::Storage(e.0))?;
                b.filter(runs::hash64(name.as_bytes()));
            }
            builders.push(b);
        }
        if !adds.hashes.is_empty() {
            let mut b = RunBuilder::new(Space::Hashes);
            for (hash, doc) in &adds.hashes {
                b.push(hash.as_bytes(), &doc.to_be_bytes())
                    .map_err(|e| Error::Storage(e.0))?;
                b.filter(runs::hash64(hash.as_bytes()));
            }
            builders.push(b);
        }
        if !adds.literals.is_empty() {
            let mut b = RunBuilder::new(Space::Literals);
            for (key, lit) in &adds.literals {
                b.push(key, lit).map_err(|e| Error::Storage(e.0))?;
                b.filter(runs::hash64(key));
            }
            builders.push(b);
        }
        let mut staged = Vec::new();
        let mut made = Vec::new();
        for b in builders {
            let space = b.space();
            let id = dir.next_run;
            dir.next_run = id
                .checked_add(1)
                .filter(|n| *n < u32::MAX)
                .ok_or_else(|| Error::Storage("run ids exhausted".into()))?;
            let (blocks, meta) = b.finish();
            let n = blocks.len() as u32;
            for (i, block) in blocks.into_iter().enumerate() {
                staged.push((runs::block_key(space, id, i as u32).to_vec(), block));
            }
            let meta_bytes = codec::encode(&meta).map_err(|e| Error::Storage(e.0))?;
            staged.push((runs::meta_key(space, id).to_vec(), meta_bytes));
            dir.live.push((space as u8, id, n));
            made.push(Arc::new(Run::new(space, id, meta)));
        }
        Ok(BuiltRuns {
            staged,
            dir,
            runs: made,
        })
    }

    /// Makes the runs of a committed import batch visible to readers.
    pub(super) fn add_runs(&self, dir: RunDir, new: Vec<Arc<Run>>) -> Result<()> {
        let old = self.run_set()?;
        let mut set = RunSet {
            generation: 0,
            dir,
            by_space: old.by_space.clone(),
        };
        for run in new {
            set.by_space[run.space as usize].push(run);
        }
        self.install_runs(set)
    }

    /// Merges runs while the size policy asks for it (see
    /// [`runs::runs_to_merge`]), then deletes replaced runs no reader holds.
    /// Runs under the writer lock.
    pub(super) fn compact(&self) -> Result<()> {
        for space in Space::ALL {
            loop {
                let set = self.run_set()?;
                let runs = set.runs(space);
                let sizes = runs
                    .iter()
                    .map(|r| r.size().map_err(|e| self.run_err(e)))
                    .collect::<Result<Vec<u64>>>()?;
                let k = runs::runs_to_merge(&sizes);
                if k < 2 {
                    break;
                }
                let victims = runs[runs.len() - k..].to_vec();
                self.merge(&set, space, &victims)?;
            }
        }
        self.collect_garbage()
    }

    /// Merges `victims` (the newest runs of `space`, oldest first) into one.
    fn merge(&self, set: &RunSet, space: Space, victims: &[Arc<Run>]) -> Result<()> {
        let id = set.dir.next_run;
        let tree = self.tree(T::Runs);
        let reader = self.run_reader();
        let mut out = MergeOut {
            storage: self,
            tree,
            space,
            id,
            builder: RunBuilder::new(space),
            written: 0,
        };
        let mut m = runs::Merge::new(&reader, victims).map_err(|e| self.run_err(e))?;
        match space_index(space) {
            Some(kind) => {
                let mut group: Vec<u8> = Vec::new();
                let mut pending: Vec<Triple> = Vec::new();
                while let Some((key, values)) = m.next_group().map_err(|e| self.run_err(e))? {
                    let [value] = values.as_slice() else {
                        return Err(self.corrupt(
                            "run index",
                            codec::CodecError(format!("chunk key {key:?} in two runs")),
                        ));
                    };
                    let (g, _) = codec::split_run_chunk_key(&key)
                        .map_err(|e| self.corrupt("run index key", e))?;
                    if g != group.as_slice() || pending.len() >= MERGE_GROUP_ENTRIES {
                        out.group(kind, &group, &pending)?;
                        pending.clear();
                        group.clear();
                        group.extend_from_slice(g);
                    }
                    codec::decode_run_chunk(kind, g, value, |t| pending.push(t))
                        .map_err(|e| self.corrupt("run index chunk", e))?;
                }
                out.group(kind, &group, &pending)?;
            }
            None => {
                while let Some((key, values)) = m.next_group().map_err(|e| self.run_err(e))? {
                    let value = if space == Space::Names && values.len() > 1 {
                        let mut ids: Vec<EntityId> = Vec::new();
                        for v in &values {
                            let more: Vec<EntityId> =
                                codec::decode(v).map_err(|e| self.corrupt("name index", e))?;
                            for id in more {
                                if !ids.contains(&id) {
                                    ids.push(id);
                                }
                            }
                        }
                        codec::encode(&ids).map_err(|e| Error::Storage(e.0))?
                    } else {
                        // Hashes and literals: every run holds the same value.
                        values.into_iter().next().unwrap_or_default()
                    };
                    out.builder
                        .push(&key, &value)
                        .map_err(|e| Error::Storage(e.0))?;
                    out.builder.filter(filter_hash(space, &key));
                    out.write_full_blocks(false)?;
                }
            }
        }
        let (blocks, meta) = out.finish()?;
        // The new run is complete on disk; one directory write swaps it in.
        let mut dir = set.dir.clone();
        dir.next_run = id
            .checked_add(1)
            .filter(|n| *n < u32::MAX)
            .ok_or_else(|| Error::Storage("run ids exhausted".into()))?;
        let gone: Vec<(u8, u32)> = victims.iter().map(|r| (r.space as u8, r.id)).collect();
        dir.live.retain(|(s, r, _)| !gone.contains(&(*s, *r)));
        // The merged run takes the victims' place: it is the newest of its space.
        dir.live.push((space as u8, id, blocks));
        for v in victims {
            dir.garbage.push((v.space as u8, v.id, v.blocks));
        }
        self.write_dir(&dir)?;
        let mut by_space = set.by_space.clone();
        by_space[space as usize].retain(|r| !gone.contains(&(r.space as u8, r.id)));
        by_space[space as usize].push(Arc::new(Run::new(space, id, meta)));
        self.install_runs(RunSet {
            generation: 0,
            dir,
            by_space,
        })?;
        self.garbage
            .lock()
            .map_err(|_| poisoned())?
            .extend(victims.iter().cloned());
        Ok(())
    }

    /// Removes keys of the `runs` tree (see [`run_keys`]) in sled batches of at most
    /// [`REMOVE_SLICE_KEYS`]: sled keeps every node version a batch replaces
    /// until the batch ends, and a merged run at 10M facts has tens of
    /// thousands of blocks. The runs removed are no longer live and stay
    /// listed as garbage until all their keys are gone, so a crash part-way
    /// leaves keys that the next open removes.
    fn remove_runs_keys(&self, keys: Vec<Vec<u8>>) -> Result<()> {
        let tree = self.tree(T::Runs);
        for slice in keys.chunks(REMOVE_SLICE_KEYS) {
            let mut batch = sled::Batch::default();
            for k in slice {
                batch.remove(k.as_slice());
            }
            tree.apply_batch(batch).map_err(|e| self.sled(e))?;
        }
        Ok(())
    }

    /// Deletes the blocks of replaced runs that no reader holds any more.
    pub(super) fn collect_garbage(&self) -> Result<()> {
        let mut garbage = self.garbage.lock().map_err(|_| poisoned())?;
        let (free, keep): (Vec<Arc<Run>>, Vec<Arc<Run>>) =
            garbage.drain(..).partition(|r| Arc::strong_count(r) == 1);
        *garbage = keep;
        drop(garbage);
        if free.is_empty() {
            return Ok(());
        }
        let mut doomed = Vec::new();
        for r in &free {
            doomed.extend(run_keys(r.space, r.id, r.blocks));
        }
        self.remove_runs_keys(doomed)?;
        let set = self.run_set()?;
        let mut dir = set.dir.clone();
        dir.garbage
            .retain(|(s, id, _)| !free.iter().any(|r| r.space as u8 == *s && r.id == *id));
        self.write_dir(&dir)?;
        self.install_runs(RunSet {
            generation: 0,
            dir,
            by_space: set.by_space.clone(),
        })
    }

    /// Memory the run level keeps (filters, fences, group totals, cached
    /// blocks), in bytes.
    pub fn run_memory_bytes(&self) -> Result<usize> {
        let set = self.run_set()?;
        Ok(set
            .by_space
            .iter()
            .flatten()
            .map(|r| r.memory_bytes())
            .sum::<usize>()
            + self.blocks.bytes())
    }

    /// (space, runs, entries, blocks) per space, for `lore stats --trees` and benchmarks.
    pub fn run_summary(&self) -> Result<Vec<(&'static str, usize, u64, u64)>> {
        let set = self.run_set()?;
        Space::ALL
            .iter()
            .map(|s| {
                let runs = set.runs(*s);
                let mut entries = 0;
                for r in runs {
                    entries += r.size().map_err(|e| self.run_err(e))?;
                }
                Ok((
                    s.name(),
                    runs.len(),
                    entries,
                    runs.iter().map(|r| u64::from(r.blocks)).sum(),
                ))
            })
            .collect()
    }
}

/// Pushes one group's entries into an index run: its chunks, its total and,
/// for `spo`, every fact identity into the run's filter.
fn push_group(
    b: &mut RunBuilder,
    kind: IndexKind,
    group: &[u8],
    triples: &[Triple],
) -> std::result::Result<(), codec::CodecError> {
    if triples.is_empty() {
        return Ok(());
    }
    for (first, bytes) in codec::run_chunks(kind, triples) {
        b.push(&codec::run_chunk_key(group, first), &bytes)?;
    }
    b.count_group(group, triples.len() as u64);
    Ok(())
}

/// The output of a merge, written to sled as it grows.
struct MergeOut<'a> {
    storage: &'a Storage,
    tree: &'a sled::Tree,
    space: Space,
    id: u32,
    builder: RunBuilder,
    written: u32,
}

impl MergeOut<'_> {
    fn group(&mut self, kind: IndexKind, group: &[u8], triples: &[Triple]) -> Result<()> {
        push_group(&mut self.builder, kind, group, triples).map_err(|e| Error::Storage(e.0))?;
        self.write_full_blocks(false)
    }

    /// Writes finished blocks once enough have gathered (all when `all`).
    fn write_full_blocks(&mut self, all: bool) -> Result<()> {
        if !all && self.builder.finished_blocks() < MERGE_WRITE_BLOCKS {
            return Ok(());
        }
        let blocks = self.builder.take_finished_blocks();
        if blocks.is_empty() {
            return Ok(());
        }
        let mut batch = sled::Batch::default();
        for block in blocks {
            batch.insert(&runs::block_key(self.space, self.id, self.written), block);
            self.written += 1;
        }
        self.tree
            .apply_batch(batch)
            .map_err(|e| self.storage.sled(e))
    }

    /// Writes the last blocks and the metadata, flushed; returns the block count.
    fn finish(mut self) -> Result<(u32, RunMeta)> {
        self.write_full_blocks(true)?;
        let (rest, meta) =
            std::mem::replace(&mut self.builder, RunBuilder::new(self.space)).finish();
        let mut batch = sled::Batch::default();
        for block in rest {
            batch.insert(&runs::block_key(self.space, self.id, self.written), block);
            self.written += 1;
        }
        let meta_bytes = codec::encode(&meta).map_err(|e| Error::Storage(e.0))?;
        batch.insert(&runs::meta_key(self.space, self.id), meta_bytes);
        self.tree
            .apply_batch(batch)
            .map_err(|e| self.storage.sled(e))?;
        self.storage.flush()?;
        if self.written as usize != meta.fences.len() {
            return Err(Error::Storage(format!(
                "merge wrote {} blocks for {} fences",
                self.written,
                meta.fences.len()
            )));
        }
        Ok((self.written, meta))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::OpenOptions;
    use std::collections::HashMap;

    fn triple(fact: FactId, subject: EntityId) -> Triple {
        Triple {
            fact,
            subject,
            relation: 1,
            negative: false,
            object: ObjKey::Entity(0),
        }
    }

    /// Opening reads the run directory only; a run's metadata is read on
    /// first use, and damaged metadata is an error then and a problem for
    /// `check`, not a store that fails to open.
    #[test]
    fn run_metadata_is_read_on_first_use_and_damage_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s");
        {
            let s = crate::Store::open(&path).unwrap();
            let input = "{\"subject\":\"Ann Lee\",\"relation\":\"met\",\"object\":\"Bob Stone\"}\n";
            s.import_jsonl(&mut input.as_bytes(), "f", &mut |_| {})
                .unwrap();
        }
        let loaded = |st: &Storage, space: Space| {
            let set = st.run_set().unwrap();
            let runs = set.runs(space);
            assert!(!runs.is_empty(), "no {} run", space.name());
            runs.iter().filter(|r| r.memory_bytes() > 0).count()
        };
        let st = Storage::open(&path, &OpenOptions::default()).unwrap();
        for space in [Space::Names, Space::Spo, Space::Idents] {
            assert_eq!(loaded(&st, space), 0, "{}", space.name());
        }
        assert_eq!(st.lookup_name("ann lee").unwrap().len(), 1);
        assert_eq!(loaded(&st, Space::Names), 1);
        assert_eq!(loaded(&st, Space::Idents), 0);

        let id = st.run_set().unwrap().runs(Space::Idents)[0].id;
        st.tree(T::Runs)
            .insert(runs::meta_key(Space::Idents, id), &b"\xff\xff"[..])
            .unwrap();
        st.flush().unwrap();
        drop(st);
        let st = Storage::open(&path, &OpenOptions::default()).unwrap();
        assert_eq!(st.lookup_name("bob stone").unwrap().len(), 1);
        let report = st.check().unwrap();
        let runs = report.problems.iter().find(|(kind, _, _)| kind == "runs");
        let msg = runs.map(|(_, m, _)| m.join("; ")).unwrap_or_default();
        assert!(
            msg.contains(&path.display().to_string()) && msg.contains("idents"),
            "{msg:?}"
        );
        drop(st);
        let s = crate::Store::open(&path).unwrap();
        let input = "{\"subject\":\"Cy Ho\",\"relation\":\"met\",\"object\":\"Bob Stone\"}\n";
        let err = s
            .import_jsonl(&mut input.as_bytes(), "g", &mut |_| {})
            .unwrap_err();
        assert!(matches!(err, Error::Corrupt { .. }), "{err}");
    }

    #[test]
    fn ident_keys_sort_by_prefix_then_fact() {
        // Two identities that share their key prefix (a birthday search over
        // 32 bits: about 80k subjects).
        let mut seen: HashMap<[u8; codec::IDENT_PREFIX_BYTES], EntityId> = HashMap::new();
        let (a, b) = (0..10_000_000)
            .find_map(|s| {
                let p = codec::ident_prefix(triple_identity(&triple(0, s)));
                seen.insert(p, s).map(|other| (other, s))
            })
            .expect("a 32-bit prefix repeats long before 10M subjects");
        let (ha, hb) = (
            triple_identity(&triple(0, a)),
            triple_identity(&triple(0, b)),
        );
        // The fact of the smaller identity gets the larger id, so sorting by
        // identity would put the keys out of order.
        let (lo, hi) = if ha < hb { (a, b) } else { (b, a) };
        let ts = [triple(9, lo), triple(3, hi)];
        let keys = sorted_ident_keys(ts.iter());
        assert_eq!(keys.len(), 2);
        assert!(keys[0] < keys[1]);
        assert_eq!(codec::read_ident_key(&keys[0]).unwrap().1, 3);
    }
}

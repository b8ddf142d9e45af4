//! The storage module: lore's only contact with sled.
//!
//! Architecture invariant: nothing outside `storage` names a sled type.
//! Everything above sees ids, [`Triple`]s and model types.
//!
//! Trees (key → value; see `docs/ARCHITECTURE.md` for the full table):
//! `meta`, `docs`, `entities`, `names`, `relations`, `facts` (blocks of
//! [`FACTS_PER_BLOCK`] facts), `spo` / `pos` / `osp` (chunked, varint
//! index groups), `literals`, `counts`, `sentences` (each distinct source
//! sentence once, grouped per document; sources in fact blocks keep an
//! empty sentence that readers fill from here).
//!
//! Writes go through [`Storage::write`] (an article) or
//! [`Storage::write_bulk`] (an import batch): one call stages every change in
//! memory while holding the writer lock, then commits them either in one
//! multi-tree sled transaction or, for big batches, as sorted per-tree
//! batches under an undo record in `meta` (see `commit_bulk`; every open
//! undoes a batch a crash interrupted). Both flush before returning, so a
//! document is on disk completely or not at all, and durable once reported.
//!
//! Rooms: this file holds the types every room shares (trees, options, the
//! drafts of a [`WriteSet`], [`Storage`] itself, the staging `Writer`);
//! `open.rs` sled's configuration, open and flush; `read.rs` every read;
//! `write.rs` the write path; `merge.rs` how a new fact meets a stored one
//! (corroboration, time identity); `undo.rs` commits and the undo record;
//! `runs/` and `bulk.rs` the run level; `codec.rs` byte layouts;
//! `check.rs` `lore check`; `backup.rs` `lore backup`; `readonly.rs` the
//! private copy a reader opens of a store it may not write.

mod backup;
mod bulk;
mod check;
pub mod codec;
mod manifest;
mod merge;
mod open;
mod query_support;
mod read;
mod readonly;
mod runs;
mod sled_files;
mod undo;
mod write;

pub use backup::BackupSummary;
pub use check::CheckReport;

use merge::*;
use open::*;
pub use read::IndexScan;
use undo::*;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use serde::{Deserialize, Serialize};
use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionError};

use crate::error::{Error, Result};
use crate::model::{
    DocId, Document, Entity, EntityId, EntityKind, Fact, FactId, Literal, Object, Polarity,
    Qualifiers, RelId, Source, Stats, TIME, add_alias, add_sources, normalize_name, times_agree,
};
use codec::{CodecError, FORMAT_VERSION, GroupKey};
pub use codec::{FACTS_PER_BLOCK, IndexKind, ObjKey, Triple};
use rustc_hash::{FxHashMap, FxHashSet};

/// The run-block cache gets this fraction (1/n) of the cache budget, in
/// addition to sled's page cache.
const BLOCK_CACHE_SHARE: u64 = 4;

/// Default sled page cache. Queries need little (lore's grouped layout keeps
/// their hot set small); a large import needs more, because it checks every
/// new fact against the facts already stored: a 10M-fact import took 216.7 s
/// with 64 MiB, 161.5 s with 128 MiB (peak RSS 850 MB and 1.09 GB) and
/// 150.2 s with 256 MiB (1.57 GB); see BENCHMARKS.md.
pub const DEFAULT_CACHE_BYTES: u64 = 128 << 20;

/// Environment variable that sets the page cache in MiB for every store
/// opened with [`OpenOptions::default`] (so for every `lore` command).
pub const CACHE_ENV: &str = "LORE_CACHE_MB";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(usize)]
enum T {
    Meta,
    Docs,
    Entities,
    Names,
    Relations,
    Facts,
    Spo,
    Pos,
    Osp,
    Literals,
    Counts,
    Sentences,
    Runs,
    Extras,
}

const TREE_NAMES: [&str; 14] = [
    "meta",
    "docs",
    "entities",
    "names",
    "relations",
    "facts",
    "spo",
    "pos",
    "osp",
    "literals",
    "counts",
    "sentences",
    "runs",
    "extras",
];

fn index_tree(kind: IndexKind) -> T {
    match kind {
        IndexKind::Spo => T::Spo,
        IndexKind::Pos => T::Pos,
        IndexKind::Osp => T::Osp,
    }
}

const META_FORMAT: &[u8] = b"format";
const META_COUNTERS: &[u8] = b"counters";

/// Id allocators and totals, kept in `meta` and updated by every write.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
struct Counters {
    next_doc: u64,
    next_entity: u64,
    next_fact: u64,
    next_rel: u32,
    sources: u64,
}

/// A relation as stored: normalized name and the written forms seen.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct RelationRecord {
    /// Normalized name ("meet").
    pub name: String,
    /// Written forms seen ("met", "met with"), first-seen order, at most [`MAX_FORMS`].
    pub forms: Vec<String>,
}

/// How many written forms of one relation are remembered.
pub const MAX_FORMS: usize = 32;

/// A fact as stored inside a block (its id is its position).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct StoredFact {
    subject: EntityId,
    relation: RelId,
    relation_text: String,
    object: Object,
    qualifiers: Qualifiers,
    polarity: Polarity,
    confidence: f32,
    sources: Vec<Source>,
}

/// Sources, qualifiers and confidence a fact gained after its block was
/// written. Kept beside the block (key: block + fact id) so that corroborating
/// an old fact writes a few hundred bytes instead of re-encoding its 64-fact
/// block; readers merge it into the fact.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct FactExtra {
    confidence: f32,
    qualifiers: Qualifiers,
    sources: Vec<Source>,
}

impl FactExtra {
    /// Merges into the stored fact: qualifiers only where the fact has none of that name.
    fn apply(self, f: &mut StoredFact) {
        f.confidence = self.confidence;
        for (k, v) in self.qualifiers {
            f.qualifiers.entry(k).or_insert(v);
        }
        f.sources.extend(self.sources);
    }
}

/// Key of a fact's [`FactExtra`] in the `extras` tree: its block key, then its id.
fn extra_key(id: FactId) -> Vec<u8> {
    let mut k = codec::u64_key(id / FACTS_PER_BLOCK).to_vec();
    k.extend_from_slice(&codec::u64_key(id));
    k
}

/// Options for [`Storage::open`].
#[derive(Clone, Debug)]
pub struct OpenOptions {
    /// sled page cache in bytes.
    pub cache_bytes: u64,
    /// Whether this process only reads the store, so that it leaves the
    /// store's log as it found it (default `false`; see
    /// [`OpenOptions::reader`]). Two things in sled write to the log while a
    /// store is only read:
    /// - its background thread, which every 500 ms rewrites pages out of
    ///   mostly dead log segments so that their space can be reused;
    /// - a traversal that meets a node a bulk write left over- or underfull,
    ///   which splits or merges it (vendor/sled/LORE-PATCH.md).
    ///
    /// A reader has neither: otherwise the next open replays what it wrote
    /// (a 10M-fact store answered its first query in ~490 ms after a
    /// `lore check` instead of ~130 ms). Writes through a reader still work
    /// and are flushed, but leave splits and log cleaning to the next writer.
    pub reads_only: bool,
    /// Whether the store must already exist (default `false`). Commands that
    /// only read set it (see [`OpenOptions::reader`]): a mistyped path is
    /// then an error instead of a new empty store, and a directory holding
    /// something other than a lore store is refused before anything in it
    /// is touched.
    pub must_exist: bool,
}

impl Default for OpenOptions {
    /// [`DEFAULT_CACHE_BYTES`], or `$LORE_CACHE_MB` MiB when that is set to a number.
    fn default() -> Self {
        let cache_bytes = std::env::var(CACHE_ENV)
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(|mb| mb.clamp(1, 1 << 20) << 20)
            .unwrap_or(DEFAULT_CACHE_BYTES);
        OpenOptions {
            cache_bytes,
            reads_only: false,
            must_exist: false,
        }
    }
}

impl OpenOptions {
    /// The default options for a process that only reads the store (see
    /// [`OpenOptions::reads_only`]).
    pub fn reader() -> OpenOptions {
        OpenOptions {
            reads_only: true,
            must_exist: true,
            ..OpenOptions::default()
        }
    }
}

/// A reference to a row either already in the store or created by the same write.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ref {
    /// Existing id.
    Existing(u64),
    /// Index into the write's own list of new rows.
    New(usize),
}

/// A new entity in a [`WriteSet`].
#[derive(Clone, Debug)]
pub struct NewEntity {
    /// Canonical name.
    pub name: String,
    /// Kind.
    pub kind: EntityKind,
    /// Other names.
    pub aliases: Vec<String>,
}

/// The object of a fact in a [`WriteSet`].
#[derive(Clone, Debug)]
pub enum ObjectDraft {
    /// An entity.
    Entity(Ref),
    /// A literal.
    Literal(Literal),
}

/// A source in a [`WriteSet`].
#[derive(Clone, Debug)]
pub struct SourceDraft {
    /// Document (existing or new in the same write).
    pub doc: Ref,
    /// Sentence text.
    pub sentence: String,
    /// Byte span in the document.
    pub span: (u64, u64),
}

/// A fact in a [`WriteSet`]; merged into an existing fact with the same
/// subject, relation, object and polarity.
#[derive(Clone, Debug)]
pub struct FactDraft {
    /// Subject.
    pub subject: Ref,
    /// Normalized relation.
    pub relation: String,
    /// Relation as written.
    pub relation_text: String,
    /// Object.
    pub object: ObjectDraft,
    /// Qualifiers.
    pub qualifiers: Qualifiers,
    /// Polarity.
    pub polarity: Polarity,
    /// Confidence of this one reading.
    pub confidence: f32,
    /// Where it was read.
    pub sources: Vec<SourceDraft>,
}

/// Everything one atomic write adds.
#[derive(Clone, Debug, Default)]
pub struct WriteSet {
    /// New documents (their `id` is assigned by the write).
    pub docs: Vec<Document>,
    /// New entities.
    pub entities: Vec<NewEntity>,
    /// Aliases to add to existing entities.
    pub aliases: Vec<(EntityId, String)>,
    /// Facts to add or corroborate.
    pub facts: Vec<FactDraft>,
    /// When the first document's hash is already stored, write nothing and
    /// report it skipped (idempotent ingest); otherwise known documents are reused.
    pub skip_if_known: bool,
    /// Leave the flush to the caller, who must call [`Storage::flush`] before
    /// reporting success: many articles then share one flush. The write stays
    /// atomic (one sled transaction); only its durability waits for the flush.
    pub defer_flush: bool,
}

/// What a write did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WriteOutcome {
    /// Ids of the write's documents, in order (a document already stored
    /// keeps its id).
    pub doc_ids: Vec<DocId>,
    /// Documents the write stored (not already stored).
    pub new_docs: u64,
    /// Ids given to the new entities, in order.
    pub entity_ids: Vec<EntityId>,
    /// Facts created.
    pub new_facts: u64,
    /// Existing facts that gained a source.
    pub corroborated: u64,
    /// The write did nothing because its document was already stored.
    pub skipped: bool,
}

/// While it lives, writes of its [`Storage`] wait: see [`Storage::pause_writes`].
pub struct WritesPaused<'a> {
    _guard: std::sync::RwLockReadGuard<'a, ()>,
}

#[derive(Default)]
struct RelCache {
    by_id: Vec<RelationRecord>,
    by_name: HashMap<String, RelId>,
}

/// The sled-backed store. Cheap to share between threads (`&Storage` is `Sync`).
pub struct Storage {
    path: PathBuf,
    db: sled::Db,
    trees: Vec<sled::Tree>,
    writer: Mutex<Counters>,
    /// Exports and queries read while writes wait (see
    /// [`Storage::pause_writes`]): every write takes it to write, before
    /// `writer`, and a reader to read, so that neither waits on the
    /// other's other lock.
    exports: RwLock<()>,
    rels: RwLock<RelCache>,
    entries_read: AtomicU64,
    /// Fact identities carried from one write to the next (see [`IdentCache`]).
    idents: Mutex<IdentCache>,
    /// Entries `idents` may hold before it is dropped and rebuilt.
    ident_limit: usize,
    /// The live runs of the bulk level; readers take a snapshot (see `runs`).
    runs: RwLock<Arc<runs::RunSet>>,
    /// Runs a merge replaced whose blocks wait until no reader holds them.
    garbage: Mutex<Vec<Arc<runs::Run>>>,
    /// Run totals of groups the planner asked for, for the run set of the
    /// generation in the first field (see `run_group_estimate`).
    run_totals: Mutex<RunTotals>,
    /// Canonical names of committed entities (see [`Storage::entity_name`]).
    /// Keys are entity ids: Fx hashing (a multiply) instead of SipHash, which
    /// cost as much as the rest of a name lookup.
    names: RwLock<rustc_hash::FxHashMap<EntityId, Arc<str>>>,
    /// Run blocks read by queries, a quarter of the cache budget (see
    /// [`runs::BlockCache`]).
    blocks: runs::BlockCache,
    /// Entities with ids below this are committed: their names never change.
    committed_entities: AtomicU64,
    /// Names `names` may hold before it starts afresh.
    name_limit: usize,
    /// Blob files made durable by [`Storage::flush`]: see [`BlobSync`].
    blob_sync: Mutex<BlobSync>,
    /// Opened with [`OpenOptions::must_exist`]: a store without a format
    /// version is refused instead of initialised.
    must_exist: bool,
    /// The counters the manifest last recorded; `None` while the store is
    /// being opened and in a reader's handle, which keep none (`manifest`).
    manifest: Mutex<Option<Counters>>,
    /// Tests: a bulk commit stops (as if killed) after applying this many trees.
    #[cfg(test)]
    crash_after_trees: std::sync::atomic::AtomicUsize,
    /// A reader of a store it may not write reads a private copy (see
    /// `readonly.rs`): the store the user named, and the copy, removed when
    /// this handle drops. Last, so that sled closes its files first.
    copy_of: Option<readonly::PrivateCopy>,
}

/// Run-level group totals the planner asked for, by (space, group), for the
/// run set of the generation in the first field.
type RunTotals = (u64, HashMap<(u8, Vec<u8>), u64>);

/// Bytes one cached identity costs in memory, for the limit derived from the page cache.
const IDENT_ENTRY_BYTES: u64 = 64;

/// Memory one cached entity name is counted as (map slot, `Arc`, a short name),
/// so that the name cache takes at most a quarter of the cache budget.
const NAME_ENTRY_BYTES: u64 = 4 * 64;

impl std::fmt::Debug for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Storage").field("path", &self.path).finish()
    }
}

/// Documents and entities are stored this many to a key (block = id / 64),
/// like facts: an import writes one key per 64 rows instead of one per row.
pub const ROWS_PER_BLOCK: u64 = 64;

/// First byte of a document block key in `docs`.
const DOC_BLOCK_TAG: &[u8] = b"b";

fn doc_block_key(block: u64) -> Vec<u8> {
    let mut k = DOC_BLOCK_TAG.to_vec();
    k.extend_from_slice(&codec::u64_key(block));
    k
}

fn hash_key(hash: &str) -> Vec<u8> {
    let mut k = vec![b'h'];
    k.extend_from_slice(hash.as_bytes());
    k
}

/// The sentences of one document that sources cite, as (start byte, text)
/// sorted by start: one zstd-compressed value per document in `sentences`, so
/// that an article's sentences cost one key and compress together.
type SentenceGroup = Vec<(u64, String)>;

fn find_sentence(group: &SentenceGroup, start: u64) -> Option<&str> {
    group
        .binary_search_by_key(&start, |(s, _)| *s)
        .ok()
        .and_then(|i| group.get(i))
        .map(|(_, t)| t.as_str())
}

fn count_key(tag: u8, term: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(term.len() + 1);
    k.push(tag);
    k.extend_from_slice(term);
    k
}

fn rel_id_key(id: RelId) -> Vec<u8> {
    let mut k = vec![b'i'];
    k.extend_from_slice(&codec::u32_key(id));
    k
}

fn rel_name_key(name: &str) -> Vec<u8> {
    let mut k = vec![b'n'];
    k.extend_from_slice(name.as_bytes());
    k
}

/// The state of one write while it is being staged.
struct Writer<'a> {
    storage: &'a Storage,
    /// An import batch: index entries, names, hashes and literals go to new
    /// runs instead of the mutable trees (see `runs`).
    to_runs: bool,
    /// The runs when the write started (identity and hash lookups).
    /// What an import batch adds to the runs besides index entries.
    run_adds: bulk::RunAdds,
    /// The mutable index level was empty when the write started: no group to load there.
    mutable_empty: bool,
    staged: Vec<BTreeMap<Vec<u8>, Vec<u8>>>,
    c: Counters,
    /// Fact blocks this write adds facts to.
    blocks: BTreeMap<u64, Vec<StoredFact>>,
    /// Single facts of older blocks read by this write (corroborations, times).
    old_facts: FxHashMap<FactId, Option<StoredFact>>,
    /// Identities of the facts this write creates (kept when the cache is trimmed).
    fresh: Vec<((EntityId, RelId, bool, ObjKey), FactId)>,
    /// Document blocks read or changed by this write (changed: true).
    doc_blocks: BTreeMap<u64, (bool, Vec<Document>)>,
    /// Entity blocks read or changed by this write (changed: true).
    entity_blocks: BTreeMap<u64, (bool, Vec<Entity>)>,
    /// Extras of facts stored before this write that gained sources in it.
    extras: BTreeMap<FactId, FactExtra>,
    /// Facts from this id on are created by this write (their blocks are rewritten).
    first_new_fact: FactId,
    /// Identities of loaded groups and of the facts this write created.
    idents: IdentCache,
    appends: Appends,
    counts: HashMap<Vec<u8>, u64>,
    /// Sentence groups read or changed by this write (changed: true).
    sentences: BTreeMap<DocId, (bool, SentenceGroup)>,
    new_rels: Vec<(RelId, RelationRecord)>,
    /// Relations this write named: id and record as this write leaves it.
    rels: FxHashMap<String, (RelId, RelationRecord)>,
}

/// New index entries per (index, group), in fact order.
pub(super) type Appends = FxHashMap<(IndexKind, GroupKey), Vec<Triple>>;

type Finished = (
    Vec<BTreeMap<Vec<u8>, Vec<u8>>>,
    Counters,
    Vec<(RelId, RelationRecord)>,
    IdentCache,
    Option<bulk::BuiltRuns>,
);

#[cfg(test)]
mod tests;

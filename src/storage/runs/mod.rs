//! Runs: the bulk level of the store, a log-structured merge tree whose
//! sorted runs live in sled values.
//!
//! Why: sled 0.34 spends 6–16 µs and about 130 bytes on every key it stores,
//! so a bulk import that writes one key per touched index group, name,
//! document hash and literal is capped far below 100k facts/s. An import
//! batch instead writes, per [`Space`], one immutable sorted run packed into
//! blocks of about [`BLOCK_BYTES`]: a few hundred sled keys per 100k facts.
//! Runs of similar size are merged four at a time (compaction, see
//! [`runs_to_merge`]), so a space holds at most three runs per size tier and
//! a lookup reads one block per run at most; an
//! in-memory Bloom filter per run skips the runs that cannot hold a key.
//!
//! Articles keep writing the mutable level (the per-group chunk trees, the
//! name tree, ...); readers see the union of both levels.
//!
//! Layout in the `runs` tree (all integers big-endian):
//!
//! | key | value |
//! |---|---|
//! | space (u8) + run (u32) + block (u32) | block: tag, then entries `(shared prefix len, suffix len, suffix, value len, value)` with keys strictly ascending, then the offsets of the restart points (u32 LE each; every 16th entry, stored with shared length 0) and their count (u32 LE) |
//! | space (u8) + run (u32) + `u32::MAX` | [`RunMeta`]: entry count, first key of every block, group totals, Bloom filter |
//!
//! The live runs and those waiting to be deleted are listed in the `meta`
//! tree (key `runs`, a [`RunDir`]); a run is visible only once that record
//! names it.

mod block;
mod merge;
mod read;

pub use block::*;
pub use merge::*;
pub use read::*;

use std::collections::{HashMap, VecDeque};
use std::ops::{ControlFlow, Range};
use std::sync::{Arc, Mutex, OnceLock};

use serde::{Deserialize, Serialize};

use super::codec::{self, CodecError, get_varint, put_varint};

/// Target size of one block: a point lookup reads one.
pub const BLOCK_BYTES: usize = 4096;

/// Groups with at least this many index entries in a run have their total
/// kept in the run's metadata (and so in memory): the planner's estimates
/// and exact counts of big groups then need no block read.
pub const BIG_GROUP: u64 = 16;

/// Bloom filter bits per key (about 1 % false positives with 7 probes).
const BLOOM_BITS_PER_KEY: usize = 10;
const BLOOM_PROBES: u8 = 7;

/// Block number under which a run's metadata is stored.
const META_BLOCK: u32 = u32::MAX;

/// First byte of a block (format 4: blocks end with restart points; the
/// linear blocks of format 3 had tag 1).
const BLOCK_TAG: u8 = 2;

/// Every this many entries a block stores a key whole (a restart point) and
/// lists its offset in the block's trailer, so that a lookup binary-searches
/// the restart points and then reads at most this many entries.
const RESTART_INTERVAL: usize = 16;

/// What a run holds. Every space is an independent sorted key space.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Space {
    /// Index chunks by subject: key = subject (8) + first fact (8).
    Spo = 0,
    /// Index chunks by relation: key = relation (4) + first fact (8).
    Pos = 1,
    /// Index chunks by object: key = object key (9) + first fact (8).
    Osp = 2,
    /// Normalized name → entity ids (bincode `Vec<u64>`), unioned over runs.
    Names = 3,
    /// Document hash → document id (u64).
    Hashes = 4,
    /// Literal object key → encoded literal.
    Literals = 5,
    /// Fact identities: key = identity prefix (4) + fact id (byte count,
    /// big-endian bytes), no value.
    /// How an import finds the fact a line corroborates without reading the
    /// index groups of its subject or object (the groups of popular entities
    /// hold hundreds of thousands of facts at 10M).
    Idents = 6,
}

/// A key (borrowed from the reader's buffer) and its value (from the block).
pub type BlockEntry<'r, 'a> = (&'r [u8], &'a [u8]);

/// A key and its value, owned.
pub type OwnedEntry = (Vec<u8>, Vec<u8>);

/// A key and its value in each run that holds it, oldest run first.
pub type KeyValues = (Vec<u8>, Vec<Vec<u8>>);

/// A visitor of (key, value) entries that may stop early.
pub type EntryFn<'f, E> = dyn FnMut(&[u8], &[u8]) -> Result<ControlFlow<()>, E> + 'f;

/// Number of spaces.
pub const SPACES: usize = 7;

impl Space {
    /// Every space, in tag order.
    pub const ALL: [Space; SPACES] = [
        Space::Spo,
        Space::Pos,
        Space::Osp,
        Space::Names,
        Space::Hashes,
        Space::Literals,
        Space::Idents,
    ];

    /// The space of a tag byte.
    pub fn from_tag(tag: u8) -> Option<Space> {
        Space::ALL.get(usize::from(tag)).copied()
    }

    /// Short name for reports.
    pub fn name(self) -> &'static str {
        match self {
            Space::Spo => "spo",
            Space::Pos => "pos",
            Space::Osp => "osp",
            Space::Names => "names",
            Space::Hashes => "hashes",
            Space::Literals => "literals",
            Space::Idents => "idents",
        }
    }
}

/// Key of block `block` of run `run` in space `space`.
pub fn block_key(space: Space, run: u32, block: u32) -> [u8; 9] {
    let mut k = [0u8; 9];
    k[0] = space as u8;
    k[1..5].copy_from_slice(&run.to_be_bytes());
    k[5..].copy_from_slice(&block.to_be_bytes());
    k
}

/// Key of the metadata of run `run`.
pub fn meta_key(space: Space, run: u32) -> [u8; 9] {
    block_key(space, run, META_BLOCK)
}

/// Splits a `runs` tree key into space, run and block.
pub fn split_key(key: &[u8]) -> Result<(Space, u32, u32), CodecError> {
    if key.len() != 9 {
        return Err(CodecError(format!("run key of {} bytes", key.len())));
    }
    let space = Space::from_tag(key[0])
        .ok_or_else(|| CodecError(format!("run key names space {}", key[0])))?;
    Ok((
        space,
        codec::read_u32(&key[1..5])?,
        codec::read_u32(&key[5..])?,
    ))
}

// ---------------------------------------------------------------- hashing

/// A stable 64-bit hash (FNV-1a, then murmur3's finalizer): filters are
/// stored, so the hash must not change between builds the way std's may.
pub fn hash64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// A Bloom filter over 64-bit hashes (double hashing from one hash).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Bloom {
    bits: Vec<u64>,
    probes: u8,
}

impl Bloom {
    /// A filter sized for `hashes`, holding them.
    pub fn build(hashes: &[u64]) -> Bloom {
        if hashes.is_empty() {
            // An empty filter admits everything: runs without keys to filter.
            return Bloom::default();
        }
        let words = (hashes.len() * BLOOM_BITS_PER_KEY).div_ceil(64).max(1);
        let mut b = Bloom {
            bits: vec![0; words],
            probes: BLOOM_PROBES,
        };
        for &h in hashes {
            b.insert(h);
        }
        b
    }

    fn positions(&self, h: u64) -> impl Iterator<Item = usize> + '_ {
        let n = (self.bits.len() * 64) as u64;
        let h2 = (h >> 32) | 1;
        (0..u64::from(self.probes)).map(move |i| (h.wrapping_add(i.wrapping_mul(h2)) % n) as usize)
    }

    fn insert(&mut self, h: u64) {
        let pos: Vec<usize> = self.positions(h).collect();
        for p in pos {
            if let Some(w) = self.bits.get_mut(p / 64) {
                *w |= 1 << (p % 64);
            }
        }
    }

    /// False when `h` was certainly not inserted.
    pub fn may_contain(&self, h: u64) -> bool {
        if self.bits.is_empty() {
            return true;
        }
        self.positions(h).all(|p| {
            self.bits
                .get(p / 64)
                .is_some_and(|w| w & (1 << (p % 64)) != 0)
        })
    }

    /// Bytes held in memory.
    pub fn bytes(&self) -> usize {
        self.bits.len() * 8
    }
}

// ---------------------------------------------------------------- metadata

/// What is known of a run without reading its blocks; stored once per run
/// and kept in memory while the run is live, from its first use: opening a
/// store reads only the run directory, so that a query reads the metadata of
/// the spaces it asks (at 10M facts, the `idents` filters that only imports
/// use are half of it).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct RunMeta {
    /// Entries (keys) in the run.
    pub entries: u64,
    /// Index spaces: index entries (facts) in the run.
    pub items: u64,
    /// The first key of every block, ascending.
    pub fences: Vec<Vec<u8>>,
    /// The last key of the run: a lookup past it reads no block (without
    /// it, the last block is read for every key above its first one).
    pub last: Vec<u8>,
    /// Index spaces: (group, entries) for groups of at least [`BIG_GROUP`] entries.
    pub big: Vec<(Vec<u8>, u64)>,
    /// Filter over the keys (names, hashes, literals) or over fact
    /// identities (`spo`; see `identity_hash`).
    pub filter: Bloom,
}

/// The directory of runs, in `meta` under `runs`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct RunDir {
    /// Next run id; every run id below it was handed out.
    pub next_run: u32,
    /// Live runs as (space, run, blocks), oldest first within a space.
    pub live: Vec<(u8, u32, u32)>,
    /// Runs replaced by a merge whose blocks are not deleted yet.
    pub garbage: Vec<(u8, u32, u32)>,
}

/// A live run, as readers see it.
#[derive(Debug)]
pub struct Run {
    /// Its space.
    pub space: Space,
    /// Its id.
    pub id: u32,
    /// Number of blocks.
    pub blocks: u32,
    /// Where the metadata is read from on first use; `None` when it came with
    /// the run (a run just written).
    tree: Option<sled::Tree>,
    loaded: OnceLock<Loaded>,
}

/// A run's metadata and what is derived from it, in memory.
#[derive(Debug)]
pub struct Loaded {
    /// The stored metadata.
    pub meta: RunMeta,
    big: HashMap<Vec<u8>, u64>,
    /// The first eight bytes of every fence as a big-endian number (zero
    /// padded): binary searches compare these before the keys, as most
    /// fences differ there and a slice comparison is a call into memcmp.
    heads: Vec<u64>,
}

/// The first eight bytes of `key`, zero padded, as a big-endian number:
/// `a < b` implies `head(a) <= head(b)`.
#[inline]
fn head(key: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    let n = key.len().min(8);
    b[..n].copy_from_slice(&key[..n]);
    u64::from_be_bytes(b)
}

impl Run {
    /// A run from its metadata in hand.
    pub fn new(space: Space, id: u32, meta: RunMeta) -> Run {
        let loaded = Loaded::new(meta);
        Run {
            space,
            id,
            blocks: loaded.meta.fences.len() as u32,
            tree: None,
            loaded: OnceLock::from(loaded),
        }
    }

    /// A run of `blocks` blocks (as the directory says) whose metadata is
    /// read from `tree` when first needed.
    pub fn stored(space: Space, id: u32, blocks: u32, tree: sled::Tree) -> Run {
        Run {
            space,
            id,
            blocks,
            tree: Some(tree),
            loaded: OnceLock::new(),
        }
    }

    /// The metadata, read on first use; damaged or disagreeing with the
    /// directory is an error (every time it is asked for).
    pub fn loaded(&self) -> Result<&Loaded, ReadError> {
        if let Some(l) = self.loaded.get() {
            return Ok(l);
        }
        let tree = self.tree.as_ref().ok_or_else(|| {
            ReadError::Codec(CodecError(format!(
                "the metadata of {} run {} is missing",
                self.space.name(),
                self.id
            )))
        })?;
        let meta = Reader::new(tree).meta(self.space, self.id)?;
        if meta.fences.len() as u64 != u64::from(self.blocks) {
            return Err(ReadError::Codec(CodecError(format!(
                "{} run {} has {} blocks, the run directory says {}",
                self.space.name(),
                self.id,
                meta.fences.len(),
                self.blocks
            ))));
        }
        // Two threads may read it at once; both read the same bytes.
        Ok(self.loaded.get_or_init(|| Loaded::new(meta)))
    }

    /// The metadata.
    pub fn meta(&self) -> Result<&RunMeta, ReadError> {
        Ok(&self.loaded()?.meta)
    }

    /// Entries (index spaces: items) in the run, the size merges go by.
    pub fn size(&self) -> Result<u64, ReadError> {
        let m = self.meta()?;
        Ok(m.items.max(m.entries))
    }

    /// The total of a big group (see [`BIG_GROUP`]); `None` for smaller ones.
    pub fn big_group(&self, group: &[u8]) -> Result<Option<u64>, ReadError> {
        Ok(self.loaded()?.big.get(group).copied())
    }

    /// Blocks that may hold keys starting with `prefix`.
    pub fn blocks_for_prefix(&self, prefix: &[u8]) -> Result<Range<u32>, ReadError> {
        let l = self.loaded()?;
        if l.past_last(prefix) && !l.meta.last.starts_with(prefix) {
            return Ok(0..0);
        }
        let first_at_or_after = l.fences_below(prefix, false);
        // Keys with the prefix may begin inside the block before.
        let start = first_at_or_after.saturating_sub(1);
        // Fences below the prefix or starting with it: those below, then
        // the ones from there on that start with it.
        let f = &l.meta.fences;
        let h = head(prefix);
        let end = first_at_or_after
            + f[first_at_or_after..]
                .iter()
                .zip(&l.heads[first_at_or_after..])
                .position(|(k, kh)| (prefix.len() >= 8 && *kh != h) || !k.starts_with(prefix))
                .unwrap_or(f.len() - first_at_or_after);
        Ok((start as u32)..(end.max(start) as u32))
    }

    /// The one block that may hold `key`.
    pub fn block_for_key(&self, key: &[u8]) -> Result<Option<u32>, ReadError> {
        let l = self.loaded()?;
        if l.past_last(key) {
            return Ok(None);
        }
        let n = l.fences_below(key, true);
        Ok(n.checked_sub(1).map(|b| b as u32))
    }

    /// Approximate bytes this run keeps in memory (none before first use).
    pub fn memory_bytes(&self) -> usize {
        let Some(l) = self.loaded.get() else {
            return 0;
        };
        l.meta.filter.bytes()
            + l.heads.len() * 8
            + l.meta.fences.iter().map(|f| f.len() + 24).sum::<usize>()
            + l.meta.big.iter().map(|(g, _)| g.len() + 48).sum::<usize>()
    }
}

impl Loaded {
    fn new(meta: RunMeta) -> Loaded {
        let big = meta.big.iter().cloned().collect();
        let heads = meta.fences.iter().map(|f| head(f)).collect();
        Loaded { meta, big, heads }
    }

    /// Whether `key` sorts after the run's last key.
    fn past_last(&self, key: &[u8]) -> bool {
        self.meta.last.as_slice() < key
    }

    /// How many fences sort below `key` (`or_equal`: at or below it).
    fn fences_below(&self, key: &[u8], or_equal: bool) -> usize {
        let h = head(key);
        let (lo, hi) = (
            self.heads.partition_point(|x| *x < h),
            self.heads.partition_point(|x| *x <= h),
        );
        // Only fences with the same head need the slice comparison.
        lo + self.meta.fences[lo..hi]
            .partition_point(|k| k.as_slice() < key || (or_equal && k.as_slice() == key))
    }
}

/// The runs a reader sees: a snapshot, swapped whole by writers.
#[derive(Debug, Default)]
pub struct RunSet {
    /// Bumped on every change, so caches can tell sets apart.
    pub generation: u64,
    /// The directory these runs come from.
    pub dir: RunDir,
    /// Live runs per space, oldest first.
    pub by_space: [Vec<Arc<Run>>; SPACES],
}

impl RunSet {
    /// The live runs of `space`, oldest first.
    pub fn runs(&self, space: Space) -> &[Arc<Run>] {
        &self.by_space[space as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_tree() -> (tempfile::TempDir, sled::Db, sled::Tree) {
        let dir = tempfile::tempdir().unwrap();
        let db = sled::Config::new().path(dir.path()).open().unwrap();
        let tree = db.open_tree("runs").unwrap();
        (dir, db, tree)
    }

    fn store_run(tree: &sled::Tree, space: Space, id: u32, b: RunBuilder) -> Arc<Run> {
        let (blocks, meta) = b.finish();
        for (i, block) in blocks.into_iter().enumerate() {
            tree.insert(block_key(space, id, i as u32), block).unwrap();
        }
        tree.insert(meta_key(space, id), codec::encode(&meta).unwrap())
            .unwrap();
        Arc::new(Run::new(
            space,
            id,
            Reader::new(tree).meta(space, id).unwrap(),
        ))
    }

    proptest::proptest! {
        /// `seek`, `get` and `for_each_prefixed` skip keys by their shared
        /// lengths; they must agree with comparing every key.
        #[test]
        fn seeks_and_prefix_scans_agree_with_comparing_every_key(
            raw in proptest::collection::btree_set(
                proptest::collection::vec(0u8..4, 0..7), 1..400),
            targets in proptest::collection::vec(
                proptest::collection::vec(0u8..4, 0..7), 1..20),
        ) {
            let keys: Vec<Vec<u8>> = raw.into_iter().collect();
            let mut b = RunBuilder::new(Space::Names);
            // Values of 32 bytes: several blocks, so fences are searched too.
            let value = |i: usize| (i as u32).to_be_bytes().repeat(8);
            for (i, k) in keys.iter().enumerate() {
                b.push(k, &value(i)).unwrap();
            }
            let (_d, _db, tree) = temp_tree();
            let run = store_run(&tree, Space::Names, 0, b);
            let r = Reader::new(&tree);
            for t in &targets {
                let present = keys.binary_search(t).ok();
                let got = r.get(&run, t).unwrap();
                proptest::prop_assert_eq!(got, present.map(value));
                let mut seen = Vec::new();
                let _ = r.for_each_prefixed(&run, t, &|e| e, &mut |k, _| {
                    seen.push(k.to_vec());
                    Ok(ControlFlow::Continue(()))
                }).unwrap();
                let want: Vec<Vec<u8>> =
                    keys.iter().filter(|k| k.starts_with(t)).cloned().collect();
                proptest::prop_assert_eq!(seen, want);
                // Within one block: the first key at or above the target.
                for bi in 0..run.blocks {
                    let bytes = r.block(&run, bi).unwrap();
                    let mut all = Vec::new();
                    let mut br = BlockReader::new(&bytes).unwrap();
                    while let Some((k, _)) = br.next_entry().unwrap() {
                        all.push(k.to_vec());
                    }
                    let mut br = BlockReader::new(&bytes).unwrap();
                    let found = br.seek(t).unwrap().map(|(k, _)| k.to_vec());
                    let want = all.iter().find(|k| k.as_slice() >= t.as_slice()).cloned();
                    proptest::prop_assert_eq!(found, want);
                }
            }
        }
    }

    #[test]
    fn blocks_round_trip_and_prefix_scans_find_every_key() {
        let (_d, _db, tree) = temp_tree();
        let mut b = RunBuilder::new(Space::Names);
        let keys: Vec<String> = (0..5000).map(|i| format!("name{i:06}")).collect();
        for k in &keys {
            b.push(k.as_bytes(), k.to_uppercase().as_bytes()).unwrap();
            b.filter(hash64(k.as_bytes()));
        }
        let run = store_run(&tree, Space::Names, 0, b);
        assert!(run.blocks > 10, "{} blocks", run.blocks);
        let r = Reader::new(&tree);
        for k in keys.iter().step_by(97) {
            assert_eq!(
                r.get(&run, k.as_bytes()).unwrap(),
                Some(k.to_uppercase().into_bytes())
            );
            assert!(run.meta().unwrap().filter.may_contain(hash64(k.as_bytes())));
        }
        assert_eq!(r.get(&run, b"name").unwrap(), None);
        assert_eq!(r.get(&run, b"zzz").unwrap(), None);
        let mut seen = Vec::new();
        let _ = r
            .for_each_prefixed(&run, b"name0012", &|e| e, &mut |k, _| {
                seen.push(String::from_utf8(k.to_vec()).unwrap());
                Ok(ControlFlow::Continue(()))
            })
            .unwrap();
        let want: Vec<String> = keys
            .iter()
            .filter(|k| k.starts_with("name0012"))
            .cloned()
            .collect();
        assert_eq!(seen, want);
        let mut all = Vec::new();
        let mut c = r.cursor(&run);
        while let Some((k, _)) = c.next_entry().unwrap() {
            all.push(String::from_utf8(k).unwrap());
        }
        assert_eq!(all, keys);
    }

    #[test]
    fn the_filter_rejects_most_absent_keys() {
        let hashes: Vec<u64> = (0..10_000u64).map(|i| hash64(&i.to_be_bytes())).collect();
        let f = Bloom::build(&hashes);
        assert!(hashes.iter().all(|h| f.may_contain(*h)));
        let false_hits = (10_000..110_000u64)
            .filter(|i| f.may_contain(hash64(&i.to_be_bytes())))
            .count();
        assert!(false_hits < 2_000, "{false_hits} false positives in 100k");
    }

    #[test]
    fn keys_out_of_order_are_refused() {
        let mut b = RunBuilder::new(Space::Hashes);
        b.push(b"b", b"1").unwrap();
        assert!(b.push(b"a", b"2").is_err());
        assert!(b.push(b"b", b"2").is_err());
    }

    #[test]
    fn damaged_blocks_are_errors_not_panics() {
        // Damaged entries behind a valid trailer (no restart points) ...
        let mut cases: Vec<Vec<u8>> = [
            &[BLOCK_TAG, 5, 1, b'a', 0][..],
            &[BLOCK_TAG, 0, 200, b'a'][..],
            &[BLOCK_TAG, 0, 1, b'a', 9, 1][..],
            &[
                BLOCK_TAG, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
            ][..],
        ]
        .iter()
        .map(|entries| [*entries, &[0, 0, 0, 0][..]].concat())
        .collect();
        // ... and damaged blocks or trailers around a valid entry `a`.
        cases.extend(
            [
                &b""[..],
                &[9, 0, 1, b'a', 0, 0, 0, 0, 0][..],
                &[BLOCK_TAG, 0, 1, b'a', 0][..],
                &[BLOCK_TAG, 0, 1, b'a', 0, 0xff, 0xff, 0xff, 0x0f][..],
                &[BLOCK_TAG, 0, 1, b'a', 0, 99, 0, 0, 0, 1, 0, 0, 0][..],
                &[BLOCK_TAG, 0, 1, b'a', 0, 3, 0, 0, 0, 1, 0, 0, 0][..],
            ]
            .iter()
            .map(|b| b.to_vec()),
        );
        for bytes in &cases {
            let mut ok = true;
            match BlockReader::new(bytes) {
                Err(_) => ok = false,
                Ok(mut r) => {
                    loop {
                        match r.next_entry() {
                            Ok(Some(_)) => {}
                            Ok(None) => break,
                            Err(_) => {
                                ok = false;
                                break;
                            }
                        }
                    }
                    if let Ok(mut r) = BlockReader::new(bytes)
                        && r.seek(b"b").is_err()
                    {
                        ok = false;
                    }
                }
            }
            assert!(!ok, "{bytes:?} read as a valid block");
        }
        // Restart points that are not every 16th entry, or not stored whole.
        let mut b = RunBuilder::new(Space::Names);
        for i in 0..20u32 {
            b.push(&i.to_be_bytes(), b"").unwrap();
        }
        let (blocks, _) = b.finish();
        BlockReader::verify(&blocks[0]).unwrap();
        let n = blocks[0].len();
        let mut moved = blocks[0].clone();
        // The second restart offset (entry 16) now points at entry 15.
        let second = u32::from_le_bytes(moved[n - 8..n - 4].try_into().unwrap());
        moved[n - 8..n - 4].copy_from_slice(&(second - 5).to_le_bytes());
        assert!(BlockReader::verify(&moved).is_err());
        let mut dropped = blocks[0][..n - 8].to_vec();
        dropped.extend_from_slice(&1u32.to_le_bytes());
        assert!(BlockReader::verify(&dropped).is_err());
        // The valid block those were made from.
        let good = [BLOCK_TAG, 0, 1, b'a', 0, 1, 0, 0, 0, 1, 0, 0, 0];
        let mut r = BlockReader::new(&good).unwrap();
        assert_eq!(r.seek(b"a").unwrap(), Some((&b"a"[..], &b""[..])));
    }

    #[test]
    fn the_block_cache_stays_within_its_budget_and_serves_what_it_holds() {
        let (_d, _db, tree) = temp_tree();
        let mut b = RunBuilder::new(Space::Names);
        for i in 0..20_000u32 {
            b.push(&i.to_be_bytes(), &[7u8; 16]).unwrap();
        }
        let run = store_run(&tree, Space::Names, 0, b);
        assert!(run.blocks > 40, "{} blocks", run.blocks);
        let cache = BlockCache::new(10 * BLOCK_BYTES);
        let r = Reader::cached(&tree, &cache);
        for i in (0..20_000u32).step_by(7) {
            assert_eq!(r.get(&run, &i.to_be_bytes()).unwrap(), Some(vec![7u8; 16]));
            assert!(cache.bytes() <= 10 * BLOCK_BYTES, "{} bytes", cache.bytes());
        }
        assert!(cache.bytes() > 5 * BLOCK_BYTES);
        // A cached block is served without sled: delete it underneath.
        let k = 19_999u32.to_be_bytes();
        let last = run.block_for_key(&k).unwrap().unwrap();
        tree.remove(block_key(Space::Names, 0, last)).unwrap();
        assert_eq!(r.get(&run, &k).unwrap(), Some(vec![7u8; 16]));
        assert!(Reader::new(&tree).get(&run, &k).is_err());
        cache.clear();
        assert_eq!(cache.bytes(), 0);
        assert!(r.get(&run, &k).is_err());
    }

    #[test]
    fn blocks_keep_a_restart_point_every_sixteen_entries() {
        let mut b = RunBuilder::new(Space::Names);
        for i in 0..40u32 {
            b.push(&i.to_be_bytes(), b"").unwrap();
        }
        let (blocks, _) = b.finish();
        let [block] = blocks.as_slice() else {
            panic!("{} blocks", blocks.len());
        };
        let r = BlockReader::new(block).unwrap();
        assert_eq!(r.restarts.len() / 4, 3);
        for (i, want) in [0u32, 16, 32].into_iter().enumerate() {
            assert_eq!(r.restart_key(i).unwrap().1, want.to_be_bytes());
        }
    }

    #[test]
    fn merging_yields_every_key_once_with_the_values_of_each_run() {
        let (_d, _db, tree) = temp_tree();
        let mut a = RunBuilder::new(Space::Names);
        let mut b = RunBuilder::new(Space::Names);
        for i in (0..3000u32).step_by(2) {
            a.push(&i.to_be_bytes(), b"a").unwrap();
        }
        for i in (0..3000u32).step_by(3) {
            b.push(&i.to_be_bytes(), b"b").unwrap();
        }
        let runs = vec![
            store_run(&tree, Space::Names, 1, a),
            store_run(&tree, Space::Names, 2, b),
        ];
        let r = Reader::new(&tree);
        let mut m = Merge::new(&r, &runs).unwrap();
        let mut n = 0u32;
        let mut prev: Option<Vec<u8>> = None;
        while let Some((k, vals)) = m.next_group().unwrap() {
            assert!(prev.as_ref().is_none_or(|p| *p < k));
            let i = u32::from_be_bytes(k.as_slice().try_into().unwrap());
            let want: Vec<Vec<u8>> = [(i % 2 == 0, b"a"), (i % 3 == 0, b"b")]
                .into_iter()
                .filter(|(on, _)| *on)
                .map(|(_, v)| v.to_vec())
                .collect();
            assert_eq!(vals, want, "key {i}");
            prev = Some(k);
            n += 1;
        }
        assert_eq!(n, 2000);
    }

    #[test]
    fn the_merge_policy_counts_in_base_four() {
        assert_eq!(runs_to_merge(&[100, 100, 100]), 0);
        assert_eq!(runs_to_merge(&[100, 100, 100, 100]), 4);
        assert_eq!(runs_to_merge(&[400, 100, 100, 100]), 0);
        assert_eq!(runs_to_merge(&[400, 100, 100, 100, 100]), 4);
        assert_eq!(runs_to_merge(&[100, 100, 100, 10]), 0);
        // 100 equal batches: few runs, each entry rewritten about log4(100) times.
        let mut runs: Vec<u64> = Vec::new();
        let (mut max_runs, mut rewritten) = (0, 0u64);
        for _ in 0..100 {
            runs.push(100);
            loop {
                let k = runs_to_merge(&runs);
                if k == 0 {
                    break;
                }
                let merged: u64 = runs.split_off(runs.len() - k).iter().sum();
                rewritten += merged;
                runs.push(merged);
            }
            max_runs = max_runs.max(runs.len());
        }
        assert!(max_runs <= 10, "{max_runs} runs");
        assert!(rewritten <= 4 * 10_000, "{rewritten} entries rewritten");
        assert_eq!(runs.iter().sum::<u64>(), 10_000);
    }

    #[test]
    fn big_groups_are_kept_in_the_metadata() {
        let mut b = RunBuilder::new(Space::Spo);
        b.count_group(b"g1", 10);
        b.count_group(b"g1", 10);
        b.count_group(b"g2", 3);
        b.count_group(b"g3", 40);
        let (_, meta) = b.finish();
        assert_eq!(meta.big, vec![(b"g1".to_vec(), 20), (b"g3".to_vec(), 40)]);
        assert_eq!(meta.items, 63);
    }
}

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

// ---------------------------------------------------------------- blocks

/// Reads the entries of one block in order.
pub struct BlockReader<'a> {
    /// The tag and the entries (the trailer cut off).
    bytes: &'a [u8],
    pos: usize,
    key: Vec<u8>,
    /// The restart offsets, `u32` little-endian each.
    restarts: &'a [u8],
}

impl<'a> BlockReader<'a> {
    /// Starts reading `bytes`; a block with another tag or a damaged
    /// trailer is an error.
    pub fn new(bytes: &'a [u8]) -> Result<BlockReader<'a>, CodecError> {
        match bytes.first() {
            Some(&BLOCK_TAG) => {}
            Some(t) => return Err(CodecError(format!("unknown run block encoding {t}"))),
            None => return Err(CodecError("empty run block".into())),
        }
        let bad = || CodecError("run block trailer is damaged".into());
        let count_at = bytes
            .len()
            .checked_sub(4)
            .filter(|&n| n >= 1)
            .ok_or_else(bad)?;
        let count = read_u32_le(&bytes[count_at..]).map_err(|_| bad())? as usize;
        let restarts_at = count
            .checked_mul(4)
            .and_then(|n| count_at.checked_sub(n))
            .filter(|&n| n >= 1)
            .ok_or_else(bad)?;
        Ok(BlockReader {
            bytes: &bytes[..restarts_at],
            pos: 1,
            key: Vec::new(),
            restarts: &bytes[restarts_at..count_at],
        })
    }

    /// The key stored whole at restart point `i`.
    fn restart_key(&self, i: usize) -> Result<(usize, &'a [u8]), CodecError> {
        let at = self
            .restarts
            .get(i * 4..i * 4 + 4)
            .ok_or_else(|| CodecError("run block restart out of range".into()))?;
        let mut pos = read_u32_le(at)? as usize;
        let start = pos;
        if pos < 1 || pos >= self.bytes.len() || get_varint(self.bytes, &mut pos)? != 0 {
            return Err(CodecError("run block restart point is damaged".into()));
        }
        let len = usize_of(get_varint(self.bytes, &mut pos)?)?;
        Ok((start, take(self.bytes, &mut pos, len)?))
    }

    /// The next (key, value), or `None` at the end of the block.
    pub fn next_entry(&mut self) -> Result<Option<BlockEntry<'_, 'a>>, CodecError> {
        Ok(self
            .advance()?
            .map(|(_, value)| (self.key.as_slice(), value)))
    }

    /// Reads the next entry into `self.key`; returns how many leading bytes
    /// its key shares with the key before, and its value.
    #[inline]
    fn advance(&mut self) -> Result<Option<(usize, &'a [u8])>, CodecError> {
        if self.pos >= self.bytes.len() {
            return Ok(None);
        }
        let shared = usize_of(get_varint(self.bytes, &mut self.pos)?)?;
        let suffix_len = usize_of(get_varint(self.bytes, &mut self.pos)?)?;
        if shared > self.key.len() {
            return Err(CodecError(
                "run block key shares more than the key before".into(),
            ));
        }
        let suffix = take(self.bytes, &mut self.pos, suffix_len)?;
        let value_len = usize_of(get_varint(self.bytes, &mut self.pos)?)?;
        let value = take(self.bytes, &mut self.pos, value_len)?;
        self.key.truncate(shared);
        self.key.extend_from_slice(suffix);
        Ok(Some((shared, value)))
    }

    /// Moves to the first entry whose key is at least `target` and returns it
    /// (`None`: every key of the block is smaller), from wherever the reader was.
    ///
    /// Why not compare every key: a block holds up to a few hundred keys and
    /// the writer stores each as the longest prefix it shares with the key
    /// before plus a suffix. Knowing how much of `target` the last (smaller)
    /// key matched, the shared length alone decides most entries: sharing
    /// less means the key already passed `target`, sharing more means it is
    /// still below it. Only keys sharing exactly that much are compared.
    pub fn seek(&mut self, target: &[u8]) -> Result<Option<BlockEntry<'_, 'a>>, CodecError> {
        // The last restart point whose key is below `target` (keys before
        // it are smaller still), found by binary search.
        let (mut lo, mut hi) = (0usize, self.restarts.len() / 4);
        let target_head = head(target);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let key = self.restart_key(mid)?.1;
            let below = match head(key).cmp(&target_head) {
                std::cmp::Ordering::Equal => key < target,
                o => o.is_lt(),
            };
            if below {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        self.pos = match lo {
            0 => 1,
            _ => self.restart_key(lo - 1)?.0,
        };
        self.key.clear();
        // Bytes of `target` the last key read (smaller than `target`) matched.
        let mut matched = 0usize;
        while let Some((shared, value)) = self.advance()? {
            if shared < matched {
                // It left the last key at a byte where that key equalled
                // `target`, upwards (keys ascend): it is above `target`.
                return Ok(Some((self.key.as_slice(), value)));
            }
            if shared > matched {
                // It agrees with the last key where that key was below `target`.
                continue;
            }
            let rest = &self.key[matched..];
            let want = target.get(matched..).unwrap_or_default();
            let common = rest.iter().zip(want).take_while(|(a, b)| a == b).count();
            if common == want.len() || rest.get(common) > want.get(common) {
                // Equal to `target`, or above it.
                return Ok(Some((self.key.as_slice(), value)));
            }
            matched += common;
        }
        Ok(None)
    }

    /// Checks that the restart points are exactly every
    /// [`RESTART_INTERVAL`]th entry, each stored whole: a wrong offset would
    /// not fail a lookup, it would make it miss keys. Reads the whole block.
    pub fn verify(bytes: &[u8]) -> Result<(), CodecError> {
        let mut r = BlockReader::new(bytes)?;
        let mut i = 0usize;
        loop {
            let at = r.pos;
            let Some((shared, _)) = r.advance()? else {
                break;
            };
            if i.is_multiple_of(RESTART_INTERVAL) {
                let want = r
                    .restarts
                    .get(i / RESTART_INTERVAL * 4..i / RESTART_INTERVAL * 4 + 4);
                if shared != 0 || want.map(read_u32_le).transpose()? != Some(at as u32) {
                    return Err(CodecError(format!(
                        "run block restart point {} does not match entry {i}",
                        i / RESTART_INTERVAL
                    )));
                }
            }
            i += 1;
        }
        if r.restarts.len() / 4 != i.div_ceil(RESTART_INTERVAL) {
            return Err(CodecError(format!(
                "run block lists {} restart points for {i} entries",
                r.restarts.len() / 4
            )));
        }
        Ok(())
    }

    /// Whether every entry has been read.
    pub fn at_end(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    /// The next (key, value) if its key still starts with `prefix` (which
    /// the current key must start with); only restart points, which share
    /// nothing with the key before, are compared.
    pub fn next_with_prefix(
        &mut self,
        prefix: &[u8],
    ) -> Result<Option<BlockEntry<'_, 'a>>, CodecError> {
        match self.advance()? {
            Some((shared, value)) if shared >= prefix.len() || self.key.starts_with(prefix) => {
                Ok(Some((self.key.as_slice(), value)))
            }
            _ => Ok(None),
        }
    }
}

fn read_u32_le(bytes: &[u8]) -> Result<u32, CodecError> {
    bytes
        .get(..4)
        .and_then(|b| b.try_into().ok())
        .map(u32::from_le_bytes)
        .ok_or_else(|| CodecError("truncated run block trailer".into()))
}

fn usize_of(v: u64) -> Result<usize, CodecError> {
    usize::try_from(v).map_err(|_| CodecError("length out of range in run block".into()))
}

fn take<'a>(bytes: &'a [u8], pos: &mut usize, len: usize) -> Result<&'a [u8], CodecError> {
    let end = pos
        .checked_add(len)
        .filter(|e| *e <= bytes.len())
        .ok_or_else(|| CodecError("truncated run block".into()))?;
    let out = &bytes[*pos..end];
    *pos = end;
    Ok(out)
}

/// Builds one run: entries must come in strictly ascending key order.
#[derive(Debug)]
pub struct RunBuilder {
    space: Space,
    blocks: Vec<Vec<u8>>,
    fences: Vec<Vec<u8>>,
    cur: Vec<u8>,
    /// Restart offsets of the block in `cur`.
    restarts: Vec<u32>,
    /// Entries in the block in `cur`.
    in_block: usize,
    prev: Vec<u8>,
    entries: u64,
    items: u64,
    filter: Vec<u64>,
    big: Vec<(Vec<u8>, u64)>,
    group: Option<(Vec<u8>, u64)>,
}

impl RunBuilder {
    /// An empty run of `space`.
    pub fn new(space: Space) -> RunBuilder {
        RunBuilder {
            space,
            blocks: Vec::new(),
            fences: Vec::new(),
            cur: Vec::new(),
            restarts: Vec::new(),
            in_block: 0,
            prev: Vec::new(),
            entries: 0,
            items: 0,
            filter: Vec::new(),
            big: Vec::new(),
            group: None,
        }
    }

    /// The space being built.
    pub fn space(&self) -> Space {
        self.space
    }

    /// Appends an entry; `key` must sort after the previous key.
    pub fn push(&mut self, key: &[u8], value: &[u8]) -> Result<(), CodecError> {
        if self.entries > 0 && key <= self.prev.as_slice() {
            return Err(CodecError("run keys out of order".into()));
        }
        if self.cur.is_empty() || self.cur.len() >= BLOCK_BYTES {
            self.close_block();
            self.cur.push(BLOCK_TAG);
            self.fences.push(key.to_vec());
            self.prev.clear();
        }
        let shared = if self.in_block.is_multiple_of(RESTART_INTERVAL) {
            // A restart point: the key whole. Offsets fit u32: a block ends
            // once it passes BLOCK_BYTES, and one entry is bounded by the
            // import limits, far below 4 GiB.
            self.restarts.push(
                u32::try_from(self.cur.len())
                    .map_err(|_| CodecError("run block grew past 4 GiB".into()))?,
            );
            0
        } else {
            self.prev
                .iter()
                .zip(key)
                .take_while(|(a, b)| a == b)
                .count()
        };
        self.in_block += 1;
        put_varint(&mut self.cur, shared as u64);
        put_varint(&mut self.cur, (key.len() - shared) as u64);
        self.cur.extend_from_slice(&key[shared..]);
        put_varint(&mut self.cur, value.len() as u64);
        self.cur.extend_from_slice(value);
        self.prev.clear();
        self.prev.extend_from_slice(key);
        self.entries += 1;
        Ok(())
    }

    /// Ends the block in `cur` (if any) with its restart trailer.
    fn close_block(&mut self) {
        if self.cur.is_empty() {
            return;
        }
        for r in &self.restarts {
            self.cur.extend_from_slice(&r.to_le_bytes());
        }
        // At most one restart per entry and entries take bytes: fits u32
        // whenever the offsets did.
        let n = self.restarts.len() as u32;
        self.cur.extend_from_slice(&n.to_le_bytes());
        self.blocks.push(std::mem::take(&mut self.cur));
        self.restarts.clear();
        self.in_block = 0;
    }

    /// Blocks completed and not yet taken.
    pub fn finished_blocks(&self) -> usize {
        self.blocks.len()
    }

    /// Takes the completed blocks (they come first, in order; [`RunBuilder::finish`]
    /// returns only those completed after), so that a large run can be written
    /// while it is built.
    pub fn take_finished_blocks(&mut self) -> Vec<Vec<u8>> {
        std::mem::take(&mut self.blocks)
    }

    /// Adds a hash to the run's filter.
    pub fn filter(&mut self, h: u64) {
        self.filter.push(h);
    }

    /// Counts `n` index entries for `group` (calls for one group must be
    /// consecutive, as entries are pushed in group order).
    pub fn count_group(&mut self, group: &[u8], n: u64) {
        self.items += n;
        match &mut self.group {
            Some((g, total)) if g.as_slice() == group => *total += n,
            _ => {
                self.close_group();
                self.group = Some((group.to_vec(), n));
            }
        }
    }

    fn close_group(&mut self) {
        if let Some((g, n)) = self.group.take()
            && n >= BIG_GROUP
        {
            self.big.push((g, n));
        }
    }

    /// The blocks and the metadata of the finished run.
    pub fn finish(mut self) -> (Vec<Vec<u8>>, RunMeta) {
        self.close_group();
        self.close_block();
        self.filter.sort_unstable();
        self.filter.dedup();
        let meta = RunMeta {
            entries: self.entries,
            items: self.items,
            fences: self.fences,
            last: self.prev,
            big: self.big,
            filter: Bloom::build(&self.filter),
        };
        (self.blocks, meta)
    }
}

// ---------------------------------------------------------------- reading

/// Reads runs out of the `runs` tree.
pub struct Reader<'a> {
    tree: &'a sled::Tree,
    cache: Option<&'a BlockCache>,
}

/// Run blocks recently read by queries, shared by every reader of a store.
///
/// Why: a sled point read costs about a microsecond (tree descent, page
/// cache bookkeeping) and a join reads several blocks per intermediate row;
/// a hash lookup here costs a few tens of nanoseconds. Blocks never change
/// once written and run ids are not handed out twice while a store is open
/// (a failed write's ids were never visible, and [`BlockCache::clear`] runs
/// when the run directory is reloaded), so entries never go stale.
/// Bounded in bytes; eviction is CLOCK (a second chance for blocks read
/// since they last came round).
#[derive(Debug)]
pub struct BlockCache {
    inner: Mutex<CacheInner>,
    budget: usize,
}

#[derive(Debug, Default)]
struct CacheInner {
    map: rustc_hash::FxHashMap<[u8; 9], (sled::IVec, bool)>,
    order: VecDeque<[u8; 9]>,
    bytes: usize,
}

impl BlockCache {
    /// An empty cache holding at most `budget` bytes of blocks.
    pub fn new(budget: usize) -> BlockCache {
        BlockCache {
            inner: Mutex::new(CacheInner::default()),
            budget,
        }
    }

    /// The cached block under `key`, marked as used.
    fn get(&self, key: &[u8; 9]) -> Option<sled::IVec> {
        // A poisoned lock only means another reader panicked mid-update of
        // a cache: bypass it.
        let mut inner = self.inner.lock().ok()?;
        let (v, used) = inner.map.get_mut(key)?;
        *used = true;
        Some(v.clone())
    }

    fn insert(&self, key: [u8; 9], v: &sled::IVec) {
        if v.len() > self.budget {
            return;
        }
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        let inner = &mut *inner;
        if inner.map.contains_key(&key) {
            return;
        }
        while inner.bytes + v.len() > self.budget {
            let Some(k) = inner.order.pop_front() else {
                break;
            };
            match inner.map.get_mut(&k) {
                Some((_, used)) if *used => {
                    *used = false;
                    inner.order.push_back(k);
                }
                Some(_) => {
                    if let Some((old, _)) = inner.map.remove(&k) {
                        inner.bytes -= old.len();
                    }
                }
                None => {}
            }
        }
        inner.bytes += v.len();
        inner.map.insert(key, (v.clone(), false));
        inner.order.push_back(key);
    }

    /// Forgets every block.
    pub fn clear(&self) {
        if let Ok(mut inner) = self.inner.lock() {
            *inner = CacheInner::default();
        }
    }

    /// Bytes of blocks held.
    pub fn bytes(&self) -> usize {
        self.inner.lock().map_or(0, |i| i.bytes)
    }
}

/// Why a run could not be read.
#[derive(Debug)]
pub enum ReadError {
    /// sled failed.
    Sled(sled::Error),
    /// A block or its metadata is damaged or missing.
    Codec(CodecError),
}

impl From<sled::Error> for ReadError {
    fn from(e: sled::Error) -> ReadError {
        ReadError::Sled(e)
    }
}

impl From<CodecError> for ReadError {
    fn from(e: CodecError) -> ReadError {
        ReadError::Codec(e)
    }
}

impl<'a> Reader<'a> {
    /// A reader over the `runs` tree.
    pub fn new(tree: &'a sled::Tree) -> Reader<'a> {
        Reader { tree, cache: None }
    }

    /// A reader that keeps the blocks it reads in `cache`.
    pub fn cached(tree: &'a sled::Tree, cache: &'a BlockCache) -> Reader<'a> {
        Reader {
            tree,
            cache: Some(cache),
        }
    }

    /// The stored bytes of one block.
    pub fn block(&self, run: &Run, block: u32) -> Result<sled::IVec, ReadError> {
        let key = block_key(run.space, run.id, block);
        if let Some(v) = self.cache.and_then(|c| c.get(&key)) {
            return Ok(v);
        }
        let v = self.uncached_block(run, block)?;
        if let Some(c) = self.cache {
            c.insert(key, &v);
        }
        Ok(v)
    }

    /// The stored bytes of one block, read from sled whatever the cache holds.
    fn uncached_block(&self, run: &Run, block: u32) -> Result<sled::IVec, ReadError> {
        self.tree
            .get(block_key(run.space, run.id, block))?
            .ok_or_else(|| {
                ReadError::Codec(CodecError(format!(
                    "block {block} of {} run {} is missing",
                    run.space.name(),
                    run.id
                )))
            })
    }

    /// The value stored under exactly `key` in `run`, if any.
    pub fn get(&self, run: &Run, key: &[u8]) -> Result<Option<Vec<u8>>, ReadError> {
        let Some(b) = run.block_for_key(key)? else {
            return Ok(None);
        };
        let bytes = self.block(run, b)?;
        let mut r = BlockReader::new(&bytes)?;
        Ok(match r.seek(key)? {
            Some((k, v)) if k == key => Some(v.to_vec()),
            _ => None,
        })
    }

    /// Calls `f` with every (key, value) of `run` whose key starts with
    /// `prefix`, in key order, until `f` breaks.
    pub fn for_each_prefixed<E>(
        &self,
        run: &Run,
        prefix: &[u8],
        on_err: &dyn Fn(ReadError) -> E,
        f: &mut EntryFn<'_, E>,
    ) -> Result<ControlFlow<()>, E> {
        for b in run.blocks_for_prefix(prefix).map_err(on_err)? {
            let bytes = self.block(run, b).map_err(on_err)?;
            let mut r = BlockReader::new(&bytes).map_err(|e| on_err(e.into()))?;
            match r.seek(prefix).map_err(|e| on_err(e.into()))? {
                Some((k, v)) if k.starts_with(prefix) => {
                    if f(k, v)?.is_break() {
                        return Ok(ControlFlow::Break(()));
                    }
                }
                // Past the prefix (or the block ends below it: go on to the next).
                Some(_) => return Ok(ControlFlow::Continue(())),
                None => continue,
            }
            while let Some((k, v)) = r.next_with_prefix(prefix).map_err(|e| on_err(e.into()))? {
                if f(k, v)?.is_break() {
                    return Ok(ControlFlow::Break(()));
                }
            }
            if !r.at_end() {
                // An entry beyond the prefix ended the loop.
                return Ok(ControlFlow::Continue(()));
            }
        }
        Ok(ControlFlow::Continue(()))
    }

    /// Raw bytes of the blocks that may hold `prefix`, read from sled (the
    /// floor of a scan).
    pub fn raw_prefix_bytes(&self, run: &Run, prefix: &[u8]) -> Result<u64, ReadError> {
        let mut n = 0u64;
        for b in run.blocks_for_prefix(prefix)? {
            n += self.uncached_block(run, b)?.len() as u64;
        }
        Ok(n)
    }

    /// The stored metadata of a run.
    pub fn meta(&self, space: Space, id: u32) -> Result<RunMeta, ReadError> {
        let bytes = self.tree.get(meta_key(space, id))?.ok_or_else(|| {
            ReadError::Codec(CodecError(format!(
                "the metadata of {} run {id} is missing",
                space.name()
            )))
        })?;
        codec::decode(&bytes).map_err(|e| {
            ReadError::Codec(CodecError(format!(
                "the metadata of {} run {id} is damaged: {}",
                space.name(),
                e.0
            )))
        })
    }

    /// A cursor over every entry of `run`, for merging and checking.
    pub fn cursor(&self, run: &Arc<Run>) -> Cursor<'a> {
        Cursor {
            tree: self.tree,
            run: run.clone(),
            next_block: 0,
            block: None,
            pos: 0,
            key: Vec::new(),
        }
    }
}

/// Walks every entry of one run, one block in memory at a time.
pub struct Cursor<'a> {
    tree: &'a sled::Tree,
    run: Arc<Run>,
    next_block: u32,
    block: Option<sled::IVec>,
    pos: usize,
    key: Vec<u8>,
}

impl Cursor<'_> {
    /// The next (key, value), owned; `None` after the last.
    pub fn next_entry(&mut self) -> Result<Option<OwnedEntry>, ReadError> {
        loop {
            if let Some(bytes) = &self.block {
                let mut r = BlockReader::new(bytes)?;
                r.pos = self.pos;
                r.key = std::mem::take(&mut self.key);
                let item = r.next_entry()?.map(|(k, v)| (k.to_vec(), v.to_vec()));
                self.pos = r.pos;
                self.key = r.key;
                if item.is_some() {
                    return Ok(item);
                }
                self.block = None;
            }
            if self.next_block >= self.run.blocks {
                return Ok(None);
            }
            let b = self.next_block;
            self.next_block += 1;
            // Not through the cache: a merge or check reads every block once.
            let bytes = Reader::new(self.tree).block(&self.run, b)?;
            // Merges and `lore check` read every block this way: a damaged
            // block must not be copied on or pass unnoticed.
            BlockReader::verify(&bytes)?;
            self.block = Some(bytes);
            self.pos = 1;
            self.key.clear();
        }
    }
}

// ---------------------------------------------------------------- merging

/// Runs merged at once by the size-tiered policy.
pub const MERGE_FANOUT: usize = 4;

/// The size-tiered policy: the newest [`MERGE_FANOUT`] runs of a space are
/// merged into one when they are of about the same size (the largest at
/// most twice the smallest). Import batches then add up like a counter in
/// base four: a space holds at most three runs per size tier, about
/// `3 * log4(total / batch)` runs, and each entry is rewritten about
/// `log4(total / batch)` times (every rewrite is also garbage sled must
/// reclaim, so a larger fan-out keeps the store smaller during imports).
/// Returns how many of the newest runs to merge (0: none).
pub fn runs_to_merge(sizes: &[u64]) -> usize {
    let Some(last) = sizes.len().checked_sub(MERGE_FANOUT).map(|i| &sizes[i..]) else {
        return 0;
    };
    let min = last.iter().copied().min().unwrap_or(0);
    let max = last.iter().copied().max().unwrap_or(0);
    if max <= min.saturating_mul(2) {
        MERGE_FANOUT
    } else {
        0
    }
}

/// k-way merge of runs by key. Equal keys (only possible across runs) are
/// handed to the caller together, oldest run first.
pub struct Merge<'a> {
    cursors: Vec<Cursor<'a>>,
    heads: Vec<Option<(Vec<u8>, Vec<u8>)>>,
}

impl<'a> Merge<'a> {
    /// Merges `runs` (oldest first).
    pub fn new(reader: &Reader<'a>, runs: &[Arc<Run>]) -> Result<Merge<'a>, ReadError> {
        let mut cursors: Vec<Cursor<'a>> = runs.iter().map(|r| reader.cursor(r)).collect();
        let mut heads = Vec::with_capacity(cursors.len());
        for c in &mut cursors {
            heads.push(c.next_entry()?);
        }
        Ok(Merge { cursors, heads })
    }

    /// The next key with its values from every run that has it, oldest first.
    pub fn next_group(&mut self) -> Result<Option<KeyValues>, ReadError> {
        let Some(min) = self.heads.iter().flatten().map(|(k, _)| k).min().cloned() else {
            return Ok(None);
        };
        let mut values = Vec::new();
        for (i, head) in self.heads.iter_mut().enumerate() {
            if head.as_ref().is_some_and(|(k, _)| *k == min) {
                if let Some((_, v)) = head.take() {
                    values.push(v);
                }
                *head = self.cursors[i].next_entry()?;
            }
        }
        Ok(Some((min, values)))
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

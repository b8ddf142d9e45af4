//! Every byte layout lore writes: values through bincode, keys and index
//! groups by hand.
//!
//! Keys are big-endian so that sled's byte order is numeric order and a
//! prefix scan finds a group. Values are bincode 2 (standard config, with a
//! decode limit so that a damaged length prefix cannot make lore allocate
//! gigabytes). Index groups are hand-written varint lists because they must
//! be compact (they are most of the store) and appendable.
//!
//! This is the only module that calls bincode: swapping the value codec
//! means changing this file and bumping [`FORMAT_VERSION`].
//!
//! Over 800 lines on purpose: every layout is here (the invariant above), so
//! a format change is read and reviewed in one file; the last ~220 lines are
//! the layouts' round-trip and damage tests.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::model::{EntityId, FactId, RelId};

/// On-disk format version; a store written with another value is refused on open.
pub const FORMAT_VERSION: u32 = 6;

/// Largest value lore will decode (bytes). Bigger means damage.
pub const MAX_VALUE_BYTES: usize = 64 << 20;

/// Facts per block in the `facts` tree (the fact id divided by this is the key).
///
/// Blocks are zstd-compressed; 64 facts per block lets the compressor share
/// what neighbouring facts (read from the same article) repeat, and an item
/// table lets a reader decode one fact without the others.
pub const FACTS_PER_BLOCK: u64 = 64;

/// First byte of a compressed value: bincode, then zstd, with the
/// uncompressed length as a little-endian u32 in front (checked against
/// [`MAX_VALUE_BYTES`] before anything is allocated).
const BLOCK_ZSTD: u8 = 2;

/// First byte of a fact block: like [`BLOCK_ZSTD`], but the uncompressed
/// bytes start with a table of item lengths, so that one fact decodes
/// without the other 63 (a point read, a corroboration, a time check).
const BLOCK_ITEMS_ZSTD: u8 = 3;

/// zstd level of stored values: level 3 stores news text in about two
/// thirds of what LZ4 needs, at a few microseconds per block.
const ZSTD_LEVEL: i32 = 3;

/// Target size of one index chunk; an append that would pass it opens a new chunk.
pub const CHUNK_BYTES: usize = 2048;

type Config = bincode::config::Configuration<
    bincode::config::LittleEndian,
    bincode::config::Varint,
    bincode::config::Limit<MAX_VALUE_BYTES>,
>;

const CONFIG: Config = bincode::config::standard().with_limit::<MAX_VALUE_BYTES>();

/// Why a value could not be encoded or decoded.
#[derive(Debug)]
pub struct CodecError(pub String);

/// Encodes a value with bincode.
pub fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, CodecError> {
    bincode::serde::encode_to_vec(value, CONFIG).map_err(|e| CodecError(e.to_string()))
}

/// Decodes a value written by [`encode`]; trailing bytes are an error.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, CodecError> {
    let (value, used) = bincode::serde::decode_from_slice::<T, _>(bytes, CONFIG)
        .map_err(|e| CodecError(e.to_string()))?;
    if used != bytes.len() {
        return Err(CodecError(format!(
            "{} trailing bytes after value",
            bytes.len() - used
        )));
    }
    Ok(value)
}

/// Encodes a value compressed: bincode, then zstd (sentence groups, extra sources).
pub fn encode_block<T: Serialize>(value: &T) -> Result<Vec<u8>, CodecError> {
    compress(BLOCK_ZSTD, &encode(value)?)
}

/// Decodes a value written by [`encode_block`].
pub fn decode_block<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, CodecError> {
    decode(&decompress(BLOCK_ZSTD, bytes)?)
}

/// Encodes a block of items (facts) so that each can be decoded alone.
pub fn encode_items<T: Serialize>(items: &[T]) -> Result<Vec<u8>, CodecError> {
    let mut encoded = Vec::with_capacity(items.len());
    for item in items {
        encoded.push(encode(item)?);
    }
    let mut raw = Vec::with_capacity(encoded.iter().map(|e| e.len() + 2).sum::<usize>() + 4);
    put_varint(&mut raw, items.len() as u64);
    for e in &encoded {
        put_varint(&mut raw, e.len() as u64);
    }
    for e in &encoded {
        raw.extend_from_slice(e);
    }
    compress(BLOCK_ITEMS_ZSTD, &raw)
}

/// Decodes every item of a block written by [`encode_items`].
pub fn decode_items<T: DeserializeOwned>(bytes: &[u8]) -> Result<Vec<T>, CodecError> {
    let raw = decompress(BLOCK_ITEMS_ZSTD, bytes)?;
    let (lens, mut pos) = item_table(&raw)?;
    let mut out = Vec::with_capacity(lens.len());
    for len in lens {
        let end = pos + len;
        out.push(decode(&raw[pos..end])?);
        pos = end;
    }
    Ok(out)
}

/// Decodes item `index` of a block written by [`encode_items`], if there is one.
pub fn decode_item<T: DeserializeOwned>(
    bytes: &[u8],
    index: usize,
) -> Result<Option<T>, CodecError> {
    let raw = decompress(BLOCK_ITEMS_ZSTD, bytes)?;
    let (lens, pos) = item_table(&raw)?;
    if index >= lens.len() {
        return Ok(None);
    }
    let start = pos + lens[..index].iter().sum::<usize>();
    decode(&raw[start..start + lens[index]]).map(Some)
}

/// Number of items in a block written by [`encode_items`].
pub fn item_count(bytes: &[u8]) -> Result<usize, CodecError> {
    let raw = decompress(BLOCK_ITEMS_ZSTD, bytes)?;
    Ok(item_table(&raw)?.0.len())
}

/// The item lengths of a decompressed item block and where the items start;
/// lengths that overrun the block are an error.
fn item_table(raw: &[u8]) -> Result<(Vec<usize>, usize), CodecError> {
    let mut pos = 0;
    let n = get_varint(raw, &mut pos)?;
    if n > raw.len() as u64 {
        return Err(CodecError(format!(
            "block claims {n} items in {} bytes",
            raw.len()
        )));
    }
    let mut lens = Vec::with_capacity(n as usize);
    let mut total = 0usize;
    for _ in 0..n {
        let len = usize::try_from(get_varint(raw, &mut pos)?)
            .map_err(|_| CodecError("item length out of range".into()))?;
        total = total
            .checked_add(len)
            .ok_or_else(|| CodecError("item lengths overflow".into()))?;
        lens.push(len);
    }
    if pos + total != raw.len() {
        return Err(CodecError(format!(
            "block items take {total} bytes, {} are there",
            raw.len() - pos
        )));
    }
    Ok((lens, pos))
}

type ZstdContexts = (
    Option<zstd::bulk::Compressor<'static>>,
    Option<zstd::bulk::Decompressor<'static>>,
);

thread_local! {
    /// zstd contexts of this thread: making one costs more than compressing
    /// a block, so each thread keeps its own.
    static ZSTD: std::cell::RefCell<ZstdContexts> = const { std::cell::RefCell::new((None, None)) };
}

fn compress(tag: u8, raw: &[u8]) -> Result<Vec<u8>, CodecError> {
    let len = u32::try_from(raw.len())
        .ok()
        .filter(|l| *l as usize <= MAX_VALUE_BYTES)
        .ok_or_else(|| CodecError(format!("a value of {} bytes is too large", raw.len())))?;
    let packed = ZSTD.with(|z| {
        let mut z = z.borrow_mut();
        let c = match &mut z.0 {
            Some(c) => c,
            slot => slot.insert(zstd::bulk::Compressor::new(ZSTD_LEVEL)?),
        };
        c.compress(raw)
    });
    let packed = packed.map_err(|e| CodecError(e.to_string()))?;
    let mut out = Vec::with_capacity(packed.len() + 5);
    out.push(tag);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&packed);
    Ok(out)
}

/// The uncompressed bytes of a value written by [`compress`] with `tag`.
/// The stored length is checked against [`MAX_VALUE_BYTES`] before anything
/// is allocated, so a damaged length cannot make lore allocate gigabytes.
fn decompress(tag: u8, bytes: &[u8]) -> Result<Vec<u8>, CodecError> {
    let Some((&found, rest)) = bytes.split_first() else {
        return Err(CodecError("empty block".into()));
    };
    if found != tag {
        return Err(CodecError(format!("unknown block encoding {found}")));
    }
    let len = rest
        .get(..4)
        .and_then(|b| b.try_into().ok())
        .map(u32::from_le_bytes)
        .ok_or_else(|| CodecError("truncated block".into()))?;
    if len as usize > MAX_VALUE_BYTES {
        return Err(CodecError(format!(
            "block claims {len} bytes, more than the {MAX_VALUE_BYTES} allowed"
        )));
    }
    let raw = ZSTD.with(|z| {
        let mut z = z.borrow_mut();
        let d = match &mut z.1 {
            Some(d) => d,
            slot => slot.insert(zstd::bulk::Decompressor::new()?),
        };
        d.decompress(&rest[4..], len as usize)
    });
    let raw = raw.map_err(|e| CodecError(format!("block: {e}")))?;
    if raw.len() != len as usize {
        return Err(CodecError(format!(
            "block holds {} bytes, its header says {len}",
            raw.len()
        )));
    }
    Ok(raw)
}

// ---------------------------------------------------------------- keys

/// Big-endian u64 key.
pub fn u64_key(v: u64) -> [u8; 8] {
    v.to_be_bytes()
}

/// Big-endian u32 key.
pub fn u32_key(v: u32) -> [u8; 4] {
    v.to_be_bytes()
}

/// Reads a big-endian u64 from exactly 8 bytes.
pub fn read_u64(bytes: &[u8]) -> Result<u64, CodecError> {
    bytes
        .try_into()
        .map(u64::from_be_bytes)
        .map_err(|_| CodecError(format!("expected 8 bytes, found {}", bytes.len())))
}

/// Bytes of an identity kept in an `idents` run key: the top 32 bits of the
/// identity hash. Readers confirm every hit against the fact itself, so a
/// shorter prefix only adds a rare extra read (at 10M facts about one
/// lookup in 400 meets a stranger), and it halves the largest run space.
pub const IDENT_PREFIX_BYTES: usize = 4;

/// The key prefix under which facts of identity hash `identity` are listed.
pub fn ident_prefix(identity: u64) -> [u8; IDENT_PREFIX_BYTES] {
    // The shift keeps the top 32 bits, which fit a u32 exactly.
    ((identity >> 32) as u32).to_be_bytes()
}

/// Key of a fact in the `idents` run space: [`ident_prefix`], then the fact
/// id as its byte count (1–8) and that many big-endian bytes, so that byte
/// order is still numeric order and a fact id under 16M takes 4 bytes.
pub fn ident_key(identity: u64, fact: FactId) -> Vec<u8> {
    let bytes = fact.to_be_bytes();
    let skip = (fact.leading_zeros() / 8).min(7) as usize;
    let mut k = Vec::with_capacity(IDENT_PREFIX_BYTES + 9);
    k.extend_from_slice(&ident_prefix(identity));
    k.push((8 - skip) as u8);
    k.extend_from_slice(&bytes[skip..]);
    k
}

/// Splits an `idents` key into its identity prefix and fact id.
pub fn read_ident_key(key: &[u8]) -> Result<([u8; IDENT_PREFIX_BYTES], FactId), CodecError> {
    let damaged = || CodecError(format!("damaged identity key {key:?}"));
    let (prefix, rest) = key
        .split_first_chunk::<IDENT_PREFIX_BYTES>()
        .ok_or_else(damaged)?;
    let (&n, id) = rest.split_first().ok_or_else(damaged)?;
    // Exactly the bytes `ident_key` writes: a count of 1–8 that matches,
    // and no leading zero byte (one key per fact).
    if n == 0 || usize::from(n) != id.len() || id.len() > 8 || (id.len() > 1 && id[0] == 0) {
        return Err(damaged());
    }
    let mut b = [0u8; 8];
    b[8 - id.len()..].copy_from_slice(id);
    Ok((*prefix, u64::from_be_bytes(b)))
}

/// Reads a big-endian u32 from exactly 4 bytes.
pub fn read_u32(bytes: &[u8]) -> Result<u32, CodecError> {
    bytes
        .try_into()
        .map(u32::from_be_bytes)
        .map_err(|_| CodecError(format!("expected 4 bytes, found {}", bytes.len())))
}

/// The object of a triple as the indexes see it: an entity id or the hash of a literal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ObjKey {
    /// An entity.
    Entity(EntityId),
    /// A literal, by the first 8 bytes of the BLAKE3 hash of its encoding.
    Literal(u64),
}

impl ObjKey {
    /// 9-byte key form: tag (0 entity, 1 literal) + big-endian u64.
    pub fn to_bytes(self) -> [u8; 9] {
        let (tag, v) = match self {
            ObjKey::Entity(id) => (0u8, id),
            ObjKey::Literal(h) => (1u8, h),
        };
        let mut out = [0u8; 9];
        out[0] = tag;
        out[1..].copy_from_slice(&v.to_be_bytes());
        out
    }

    /// Parses the 9-byte key form.
    pub fn from_bytes(bytes: &[u8]) -> Result<ObjKey, CodecError> {
        if bytes.len() != 9 {
            return Err(CodecError(format!(
                "object key of {} bytes, expected 9",
                bytes.len()
            )));
        }
        let v = read_u64(&bytes[1..])?;
        match bytes[0] {
            0 => Ok(ObjKey::Entity(v)),
            1 => Ok(ObjKey::Literal(v)),
            t => Err(CodecError(format!("object key tag {t}"))),
        }
    }

    fn packed(self) -> u64 {
        // Entity ids and literal hashes both fit in 63 bits (hashes are truncated).
        match self {
            ObjKey::Entity(id) => id << 1,
            ObjKey::Literal(h) => ((h >> 1) << 1) | 1,
        }
    }

    fn unpack(v: u64) -> ObjKey {
        if v & 1 == 0 {
            ObjKey::Entity(v >> 1)
        } else {
            ObjKey::Literal(v)
        }
    }
}

/// The literal hash used in [`ObjKey::Literal`] (low bit forced to 1, see `packed`).
pub fn literal_hash(encoded_literal: &[u8]) -> u64 {
    let h = blake3::hash(encoded_literal);
    let mut b = [0u8; 8];
    b.copy_from_slice(&h.as_bytes()[..8]);
    u64::from_be_bytes(b) | 1
}

// ---------------------------------------------------------------- index groups

/// One fact as the indexes see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Triple {
    /// Fact id.
    pub fact: FactId,
    /// Subject entity.
    pub subject: EntityId,
    /// Normalized relation id.
    pub relation: RelId,
    /// Negative polarity.
    pub negative: bool,
    /// Object.
    pub object: ObjKey,
}

/// The three access paths. Each groups entries under one bound term.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IndexKind {
    /// Grouped by subject; entries carry relation, object, fact.
    Spo,
    /// Grouped by relation; entries carry subject, object, fact.
    Pos,
    /// Grouped by object; entries carry subject, relation, fact.
    Osp,
}

impl IndexKind {
    /// Short name shown by `explain`.
    pub fn name(self) -> &'static str {
        match self {
            IndexKind::Spo => "spo",
            IndexKind::Pos => "pos",
            IndexKind::Osp => "osp",
        }
    }

    /// The group key (without chunk number) of `t` in this index.
    pub fn group_key(self, t: &Triple) -> GroupKey {
        let mut bytes = [0u8; 9];
        let len = match self {
            IndexKind::Spo => {
                bytes[..8].copy_from_slice(&u64_key(t.subject));
                8
            }
            IndexKind::Pos => {
                bytes[..4].copy_from_slice(&u32_key(t.relation));
                4
            }
            IndexKind::Osp => {
                bytes = t.object.to_bytes();
                9
            }
        };
        GroupKey { len, bytes }
    }
}

/// An index group key (a subject, relation or object key: at most 9 bytes)
/// held inline: an import's staging maps take three per fact.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GroupKey {
    len: u8,
    bytes: [u8; 9],
}

impl GroupKey {
    /// The key's bytes.
    pub fn as_slice(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

/// Full key of chunk `n` of a group.
pub fn chunk_key(group: &[u8], n: u32) -> Vec<u8> {
    let mut k = Vec::with_capacity(group.len() + 4);
    k.extend_from_slice(group);
    k.extend_from_slice(&n.to_be_bytes());
    k
}

/// Splits a chunk key into group and chunk number.
pub fn split_chunk_key(key: &[u8]) -> Result<(&[u8], u32), CodecError> {
    if key.len() < 5 {
        return Err(CodecError(format!("index key of {} bytes", key.len())));
    }
    let (g, n) = key.split_at(key.len() - 4);
    Ok((g, read_u32(n)?))
}

/// Decodes the group term of an index key back into the triple fields it fixes.
fn group_term(kind: IndexKind, group: &[u8], t: &mut Triple) -> Result<(), CodecError> {
    match kind {
        IndexKind::Spo => t.subject = read_u64(group)?,
        IndexKind::Pos => t.relation = read_u32(group)?,
        IndexKind::Osp => t.object = ObjKey::from_bytes(group)?,
    }
    Ok(())
}

/// Appends one entry to an encoded chunk. `prev_fact` is the chunk's last fact id
/// (entries are delta-encoded and must come in ascending fact order).
pub fn push_entry(kind: IndexKind, chunk: &mut Vec<u8>, prev_fact: Option<FactId>, t: &Triple) {
    let delta = match prev_fact {
        Some(p) => t.fact.saturating_sub(p),
        None => t.fact,
    };
    put_varint(chunk, delta);
    let relpol = (u64::from(t.relation) << 1) | u64::from(t.negative);
    match kind {
        IndexKind::Spo => {
            put_varint(chunk, relpol);
            put_varint(chunk, t.object.packed());
        }
        IndexKind::Pos => {
            put_varint(chunk, u64::from(t.negative));
            put_varint(chunk, t.subject);
            put_varint(chunk, t.object.packed());
        }
        IndexKind::Osp => {
            put_varint(chunk, t.subject);
            put_varint(chunk, relpol);
        }
    }
}

/// Decodes every entry of a chunk, calling `f` for each; returns the last fact id.
pub fn decode_chunk(
    kind: IndexKind,
    key: &[u8],
    chunk: &[u8],
    f: impl FnMut(Triple),
) -> Result<Option<FactId>, CodecError> {
    let (group, _) = split_chunk_key(key)?;
    decode_entries(kind, group, chunk, f)
}

/// Key of a run chunk: the group key, then the first fact id (big-endian),
/// so that a group's chunks sort by fact and a prefix scan finds them.
pub fn run_chunk_key(group: &[u8], first_fact: FactId) -> Vec<u8> {
    let mut k = Vec::with_capacity(group.len() + 8);
    k.extend_from_slice(group);
    k.extend_from_slice(&first_fact.to_be_bytes());
    k
}

/// Splits a run chunk key into group and first fact id.
pub fn split_run_chunk_key(key: &[u8]) -> Result<(&[u8], FactId), CodecError> {
    if key.len() < 9 {
        return Err(CodecError(format!("run index key of {} bytes", key.len())));
    }
    let (g, f) = key.split_at(key.len() - 8);
    Ok((g, read_u64(f)?))
}

/// Encodes index entries of one group (ascending fact ids) as a run chunk:
/// entry count and negative-entry count first, so that counting a group
/// needs no decoding of its entries, then the entries as in a chunk.
pub fn encode_run_chunk(kind: IndexKind, triples: &[Triple]) -> Vec<u8> {
    let mut out = Vec::with_capacity(triples.len() * 6 + 4);
    put_varint(&mut out, triples.len() as u64);
    put_varint(
        &mut out,
        triples.iter().filter(|t| t.negative).count() as u64,
    );
    let mut prev = None;
    for t in triples {
        push_entry(kind, &mut out, prev, t);
        prev = Some(t.fact);
    }
    out
}

/// Splits one group's entries (ascending fact ids) into run chunks of about
/// [`CHUNK_BYTES`], each with the fact id its key starts with.
pub fn run_chunks(kind: IndexKind, triples: &[Triple]) -> Vec<(FactId, Vec<u8>)> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut size = 0;
    let mut scratch = Vec::with_capacity(32);
    for (i, t) in triples.iter().enumerate() {
        scratch.clear();
        let prev = (i > start).then(|| triples[i - 1].fact);
        push_entry(kind, &mut scratch, prev, t);
        if size + scratch.len() > CHUNK_BYTES && i > start {
            out.push((
                triples[start].fact,
                encode_run_chunk(kind, &triples[start..i]),
            ));
            start = i;
            size = 0;
            // The first entry of a chunk holds its fact id whole.
            scratch.clear();
            push_entry(kind, &mut scratch, None, t);
        }
        size += scratch.len();
    }
    if start < triples.len() {
        out.push((
            triples[start].fact,
            encode_run_chunk(kind, &triples[start..]),
        ));
    }
    out
}

/// The (entries, negative entries) header of a run chunk, and where its entries start.
pub fn run_chunk_counts(bytes: &[u8]) -> Result<(u64, u64, usize), CodecError> {
    let mut pos = 0;
    let n = get_varint(bytes, &mut pos)?;
    let neg = get_varint(bytes, &mut pos)?;
    if neg > n {
        return Err(CodecError(format!(
            "run chunk claims {neg} negative entries of {n}"
        )));
    }
    Ok((n, neg, pos))
}

/// Decodes a run chunk of `group`, checking its header against its entries.
pub fn decode_run_chunk(
    kind: IndexKind,
    group: &[u8],
    bytes: &[u8],
    mut f: impl FnMut(Triple),
) -> Result<(), CodecError> {
    let (n, neg, start) = run_chunk_counts(bytes)?;
    let (mut seen, mut seen_neg) = (0u64, 0u64);
    decode_entries(kind, group, &bytes[start..], |t| {
        seen += 1;
        seen_neg += u64::from(t.negative);
        f(t);
    })?;
    if (seen, seen_neg) != (n, neg) {
        return Err(CodecError(format!(
            "run chunk header says {n} entries ({neg} negative), it holds {seen} ({seen_neg})"
        )));
    }
    Ok(())
}

/// Decodes chunk entries of `group`, calling `f` for each; returns the last fact id.
fn decode_entries(
    kind: IndexKind,
    group: &[u8],
    chunk: &[u8],
    mut f: impl FnMut(Triple),
) -> Result<Option<FactId>, CodecError> {
    let mut base = Triple {
        fact: 0,
        subject: 0,
        relation: 0,
        negative: false,
        object: ObjKey::Entity(0),
    };
    group_term(kind, group, &mut base)?;
    let mut pos = 0usize;
    let mut last: Option<FactId> = None;
    while pos < chunk.len() {
        let delta = get_varint(chunk, &mut pos)?;
        let fact = match last {
            Some(p) => p
                .checked_add(delta)
                .ok_or_else(|| CodecError("fact id overflow in index chunk".into()))?,
            None => delta,
        };
        let mut t = base;
        t.fact = fact;
        match kind {
            IndexKind::Spo => {
                let relpol = get_varint(chunk, &mut pos)?;
                set_relpol(&mut t, relpol)?;
                t.object = ObjKey::unpack(get_varint(chunk, &mut pos)?);
            }
            IndexKind::Pos => {
                t.negative = get_varint(chunk, &mut pos)? != 0;
                t.subject = get_varint(chunk, &mut pos)?;
                t.object = ObjKey::unpack(get_varint(chunk, &mut pos)?);
            }
            IndexKind::Osp => {
                t.subject = get_varint(chunk, &mut pos)?;
                let relpol = get_varint(chunk, &mut pos)?;
                set_relpol(&mut t, relpol)?;
            }
        }
        last = Some(fact);
        f(t);
    }
    Ok(last)
}

fn set_relpol(t: &mut Triple, relpol: u64) -> Result<(), CodecError> {
    t.negative = relpol & 1 == 1;
    t.relation = u32::try_from(relpol >> 1)
        .map_err(|_| CodecError("relation id out of range in index chunk".into()))?;
    Ok(())
}

/// LEB128 varint.
pub fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Reads a LEB128 varint at `*pos`, advancing it; truncation and overlong forms are errors.
#[inline]
pub fn get_varint(bytes: &[u8], pos: &mut usize) -> Result<u64, CodecError> {
    match varint(bytes, pos) {
        Some(v) => Ok(v),
        None => Err(varint_error(bytes, *pos)),
    }
}

/// [`get_varint`] without the error: the form the hot loops use, since a
/// `Result` carrying a `String` is returned through memory on every call.
/// `*pos` is unspecified after `None`.
#[inline(always)]
fn varint(bytes: &[u8], pos: &mut usize) -> Option<u64> {
    let mut v: u64 = 0;
    let mut shift = 0u32;
    loop {
        let b = *bytes.get(*pos)?;
        *pos += 1;
        if b < 0x80 {
            // The tenth byte may only hold the top bit of 64.
            if shift == 63 && b > 1 {
                return None;
            }
            return Some(v | (u64::from(b) << shift));
        }
        v |= u64::from(b & 0x7f) << shift;
        shift += 7;
        if shift > 63 {
            return None;
        }
    }
}

/// Why the varint at `pos` did not decode (only a failed decode asks): it
/// runs out, its tenth byte ends it with more than the top bit of 64, or it
/// goes on past ten bytes.
#[cold]
fn varint_error(bytes: &[u8], pos: usize) -> CodecError {
    let rest = bytes.get(pos..).unwrap_or_default();
    CodecError(
        match rest.iter().position(|b| b & 0x80 == 0) {
            None if rest.len() < 10 => "truncated varint",
            Some(9) => "varint overflows 64 bits",
            _ => "varint longer than 10 bytes",
        }
        .into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn triple(fact: u64, s: u64, r: u32, neg: bool, o: ObjKey) -> Triple {
        Triple {
            fact,
            subject: s,
            relation: r,
            negative: neg,
            object: o,
        }
    }

    #[test]
    fn ident_keys_are_short_and_checked() {
        // A store of ten million facts keys each identity in 8 bytes.
        assert_eq!(ident_key(u64::MAX, 9_999_999).len(), 8);
        assert_eq!(
            read_ident_key(&ident_key(7 << 32, 0)).unwrap(),
            ([0, 0, 0, 7], 0)
        );
        for bad in [
            &[1u8, 2, 3, 4][..],
            &[1, 2, 3, 4, 0],
            &[1, 2, 3, 4, 2, 9],
            &[1, 2, 3, 4, 2, 0, 9],
            &[0; 14],
        ] {
            assert!(read_ident_key(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn keys_sort_numerically() {
        assert!(u64_key(255) < u64_key(256));
        assert!(chunk_key(&u64_key(1), 9) < chunk_key(&u64_key(1), 10));
        assert!(chunk_key(&u64_key(1), u32::MAX) < chunk_key(&u64_key(2), 0));
        assert!(ObjKey::Entity(u64::MAX).to_bytes() < ObjKey::Literal(0).to_bytes());
    }

    #[test]
    fn chunks_round_trip_in_every_index() {
        let ts = [
            triple(3, 7, 2, false, ObjKey::Entity(9)),
            triple(10, 7, 2, true, ObjKey::Literal(literal_hash(b"x"))),
            triple(1 << 40, 7, u32::MAX >> 1, false, ObjKey::Entity(0)),
        ];
        for kind in [IndexKind::Spo, IndexKind::Pos, IndexKind::Osp] {
            // Each index groups by its own term; make the triples share it.
            let group_of = |t: &Triple| kind.group_key(t);
            for t in &ts {
                let mut chunk = Vec::new();
                push_entry(kind, &mut chunk, None, t);
                let key = chunk_key(group_of(t).as_slice(), 0);
                let mut got = Vec::new();
                decode_chunk(kind, &key, &chunk, |x| got.push(x)).unwrap();
                assert_eq!(got, vec![*t], "{kind:?}");
            }
        }
    }

    #[test]
    fn run_chunks_round_trip_and_split_near_the_chunk_size() {
        let triples: Vec<Triple> = (0..2000u64)
            .map(|i| {
                triple(
                    i * 3 + 7,
                    42,
                    (i % 5) as u32,
                    i % 7 == 0,
                    ObjKey::Entity(i * 11),
                )
            })
            .collect();
        for kind in [IndexKind::Spo, IndexKind::Pos, IndexKind::Osp] {
            let group = kind.group_key(&triples[0]);
            let same: Vec<Triple> = triples
                .iter()
                .copied()
                .filter(|t| kind.group_key(t) == group)
                .collect();
            let chunks = run_chunks(kind, &same);
            let mut back = Vec::new();
            for (first, bytes) in &chunks {
                assert!(bytes.len() <= CHUNK_BYTES + 32, "{} bytes", bytes.len());
                let mut got = Vec::new();
                decode_run_chunk(kind, group.as_slice(), bytes, |t| got.push(t)).unwrap();
                assert_eq!(got[0].fact, *first);
                let (n, neg, _) = run_chunk_counts(bytes).unwrap();
                assert_eq!(n, got.len() as u64);
                assert_eq!(neg, got.iter().filter(|t| t.negative).count() as u64);
                back.extend(got);
            }
            assert_eq!(back, same, "{kind:?}");
        }
        let key = run_chunk_key(&u64_key(9), 77);
        assert_eq!(split_run_chunk_key(&key).unwrap(), (&u64_key(9)[..], 77));
    }

    #[test]
    fn a_run_chunk_whose_header_disagrees_is_an_error() {
        let t = [triple(1, 2, 3, false, ObjKey::Entity(4))];
        let mut bytes = encode_run_chunk(IndexKind::Spo, &t);
        bytes[0] = 2;
        assert!(decode_run_chunk(IndexKind::Spo, &u64_key(2), &bytes, |_| {}).is_err());
        assert!(run_chunk_counts(&[1, 2]).is_err());
        assert!(run_chunk_counts(&[]).is_err());
    }

    #[test]
    fn damaged_chunks_are_errors_not_panics() {
        let key = chunk_key(&u64_key(1), 0);
        assert!(decode_chunk(IndexKind::Spo, &key, &[0x80], |_| {}).is_err());
        assert!(decode_chunk(IndexKind::Spo, &key, &[0xff; 12], |_| {}).is_err());
        assert!(decode_chunk(IndexKind::Spo, &[1, 2], &[], |_| {}).is_err());
        assert!(ObjKey::from_bytes(&[7; 9]).is_err());
    }

    #[test]
    fn decode_refuses_trailing_bytes_and_huge_lengths() {
        let mut v = encode(&"abc".to_string()).unwrap();
        v.push(0);
        assert!(decode::<String>(&v).is_err());
        // A length prefix claiming ~2^63 bytes must fail without allocating.
        let bogus = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f];
        assert!(decode::<Vec<u8>>(&bogus).is_err());
        assert!(decode::<String>(&[253, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]).is_err());
    }

    #[test]
    fn blocks_round_trip_and_refuse_huge_or_damaged_lengths() {
        let v = vec!["same sentence".to_string(); 50];
        let b = encode_block(&v).unwrap();
        assert!(b.len() < encode(&v).unwrap().len() / 3, "compresses");
        assert_eq!(decode_block::<Vec<String>>(&b).unwrap(), v);
        let mut huge = vec![BLOCK_ZSTD];
        huge.extend_from_slice(&u32::MAX.to_le_bytes());
        huge.extend_from_slice(&[0; 8]);
        assert!(decode_block::<Vec<String>>(&huge).is_err());
        assert!(decode_block::<Vec<String>>(&b[..b.len() - 3]).is_err());
        assert!(decode_block::<Vec<String>>(&[]).is_err());
        assert!(decode_block::<Vec<String>>(&[9, 0, 0, 0, 0]).is_err());
        // A length that lies about the content is an error, not a short read.
        let mut lying = b.clone();
        lying[1] = lying[1].wrapping_add(1);
        assert!(decode_block::<Vec<String>>(&lying).is_err());
    }

    #[test]
    fn item_blocks_decode_one_item_or_all() {
        let items: Vec<String> = (0..64).map(|i| format!("fact number {i}")).collect();
        let b = encode_items(&items).unwrap();
        assert_eq!(decode_items::<String>(&b).unwrap(), items);
        assert_eq!(item_count(&b).unwrap(), 64);
        assert_eq!(
            decode_item::<String>(&b, 17).unwrap(),
            Some(items[17].clone())
        );
        assert_eq!(decode_item::<String>(&b, 64).unwrap(), None);
        assert!(decode_items::<String>(&encode_block(&items).unwrap()).is_err());
        // A table whose lengths overrun the items is an error.
        let mut raw = Vec::new();
        put_varint(&mut raw, 2);
        put_varint(&mut raw, 5);
        put_varint(&mut raw, 500);
        raw.extend_from_slice(b"hello");
        let bad = compress(BLOCK_ITEMS_ZSTD, &raw).unwrap();
        assert!(decode_items::<String>(&bad).is_err());
        assert!(decode_item::<String>(&bad, 0).is_err());
        let mut raw = Vec::new();
        put_varint(&mut raw, u64::MAX);
        assert!(decode_items::<String>(&compress(BLOCK_ITEMS_ZSTD, &raw).unwrap()).is_err());
    }

    proptest! {
        #[test]
        fn varints_round_trip(v in any::<u64>()) {
            let mut out = Vec::new();
            put_varint(&mut out, v);
            let mut pos = 0;
            prop_assert_eq!(get_varint(&out, &mut pos).unwrap(), v);
            prop_assert_eq!(pos, out.len());
        }

        #[test]
        fn arbitrary_bytes_never_panic_the_decoders(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let key = chunk_key(&u64_key(1), 0);
            for kind in [IndexKind::Spo, IndexKind::Pos, IndexKind::Osp] {
                let _ = decode_chunk(kind, &key, &bytes, |_| {});
            }
            let _ = decode::<crate::model::Entity>(&bytes);
            let _ = decode::<Vec<crate::storage::StoredFact>>(&bytes);
            let _ = decode_block::<Vec<crate::storage::StoredFact>>(&bytes);
            let _ = decode_items::<crate::storage::StoredFact>(&bytes);
            let _ = decode_item::<crate::storage::StoredFact>(&bytes, 3);
            let _ = read_ident_key(&bytes);
        }

        #[test]
        fn ident_keys_round_trip_in_numeric_order(h in any::<u64>(), a in any::<u64>(), b in any::<u64>()) {
            let (ka, kb) = (ident_key(h, a), ident_key(h, b));
            prop_assert_eq!(read_ident_key(&ka).unwrap(), (ident_prefix(h), a));
            prop_assert_eq!(ka.cmp(&kb), a.cmp(&b));
            prop_assert!(ka.starts_with(&ident_prefix(h)));
        }

        #[test]
        fn sorted_fact_runs_round_trip(mut facts in proptest::collection::vec(0u64..1<<50, 1..50)) {
            facts.sort_unstable();
            let mut chunk = Vec::new();
            let mut prev = None;
            let mut want = Vec::new();
            for f in &facts {
                let t = triple(*f, 5, 3, false, ObjKey::Entity(*f ^ 0xff));
                push_entry(IndexKind::Spo, &mut chunk, prev, &t);
                prev = Some(*f);
                want.push(t);
            }
            let mut got = Vec::new();
            decode_chunk(IndexKind::Spo, &chunk_key(&u64_key(5), 0), &chunk, |t| got.push(t)).unwrap();
            prop_assert_eq!(got, want);
        }
    }
}

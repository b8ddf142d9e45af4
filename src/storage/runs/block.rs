//! Run blocks: the sorted, prefix-compressed key/value blocks of a run,
//! read by `BlockReader` and written by `RunBuilder` (with the run's
//! Bloom filter and metadata).

use super::*;

/// Reads the entries of one block in order.
pub struct BlockReader<'a> {
    /// The tag and the entries (the trailer cut off).
    bytes: &'a [u8],
    pub(super) pos: usize,
    pub(super) key: Vec<u8>,
    /// The restart offsets, `u32` little-endian each.
    pub(super) restarts: &'a [u8],
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
    pub(super) fn restart_key(&self, i: usize) -> Result<(usize, &'a [u8]), CodecError> {
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

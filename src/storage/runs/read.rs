//! Reading runs: `Reader` answers group scans and point lookups across a
//! run set through the shared `BlockCache`; `Cursor` walks one run.

use super::*;

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

//! Commits: a small write in one multi-tree sled transaction; a big one as
//! sorted per-tree batches under an undo record (`intent` in `meta`) that
//! every open checks, undoing a batch a crash interrupted.

use super::*;

/// Writes staging at most this many keys commit in one sled transaction;
/// bigger ones, and every [`Storage::write_bulk`], through the undo protocol
/// of [`Storage::commit_bulk`], which costs three flushes but no per-key
/// transaction work (sled transactions also hold every staged key in memory twice).
pub(super) const SMALL_WRITE_KEYS: usize = 4096;

/// Encoded values of a write: tree, key, bytes.
pub(super) type EncodedRows = std::result::Result<Vec<(T, Vec<u8>, Vec<u8>)>, CodecError>;

/// Fact blocks from which a write compresses them on a thread of its own
/// (an import batch has ~1 500; an article one or two).
pub(super) const PARALLEL_ENCODE_BLOCKS: usize = 64;

/// Bytes of keys and values per sled batch when a bulk write is applied.
pub(super) const COMMIT_SLICE_BYTES: usize = 1 << 20;

/// `meta` key of the undo record of a bulk write in progress.
pub(super) const META_INTENT: &[u8] = b"intent";

/// The undo record of a bulk write: every key it writes with the value the
/// key had before (`None`: the key did not exist). Index chunks are only
/// ever appended to, with the facts the write creates (ids from
/// `first_new_fact` on), so for them the key alone is kept and undoing
/// strips those facts: the record stays small although most chunks a
/// batch touches already hold data.
#[derive(Serialize, Deserialize)]
pub(super) struct Intent {
    first_new_fact: FactId,
    undo: Vec<(u8, Vec<u8>, Option<Vec<u8>>)>,
}

pub(super) fn is_index_tree(i: usize) -> Option<IndexKind> {
    [IndexKind::Spo, IndexKind::Pos, IndexKind::Osp]
        .into_iter()
        .find(|k| index_tree(*k) as usize == i)
}

impl Storage {
    /// Commits staged inserts in one multi-tree sled transaction (atomic;
    /// durable after the next flush).
    pub(super) fn commit_transaction(&self, staged: &[BTreeMap<Vec<u8>, Vec<u8>>]) -> Result<()> {
        let trees: Vec<&sled::Tree> = self.trees.iter().collect();
        trees
            .as_slice()
            .transaction(|views| {
                for (i, ops) in staged.iter().enumerate() {
                    for (k, v) in ops {
                        views[i].insert(k.as_slice(), v.as_slice())?;
                    }
                }
                Ok::<(), ConflictableTransactionError<()>>(())
            })
            .map_err(|e| match e {
                TransactionError::Abort(()) => Error::Storage("transaction aborted".into()),
                TransactionError::Storage(e) => self.sled(e),
            })?;
        Ok(())
    }

    /// Commits staged inserts without a transaction, crash-consistently:
    ///
    /// 1. write the undo record (old value of every key to be written) to
    ///    `meta` and flush;
    /// 2. apply one sorted batch per tree and flush;
    /// 3. delete the undo record and flush; only now is the write acknowledged.
    ///
    /// A crash before 1 completes leaves no record and no change; a crash
    /// after it leaves the record, and [`Storage::recover`] (run by every
    /// open) puts the old values back, so the write is absent as a whole.
    /// The writer lock keeps other writers out; readers in the same process
    /// may see a half-applied batch while it is being applied.
    pub(super) fn commit_bulk(
        &self,
        staged: Vec<BTreeMap<Vec<u8>, Vec<u8>>>,
        first_new_fact: FactId,
    ) -> Result<()> {
        let mut undo = Vec::new();
        for (i, ops) in staged.iter().enumerate() {
            let tree = &self.trees[i];
            let index = is_index_tree(i).is_some();
            // Keys past the tree's last key (new documents, entities, fact
            // blocks: ids only grow) cannot have an old value; no read needed.
            let last = tree.last().map_err(|e| self.sled(e))?.map(|(k, _)| k);
            for k in ops.keys() {
                let new_key = last.as_ref().is_none_or(|l| k.as_slice() > &l[..]);
                let old = if index || new_key {
                    None
                } else {
                    tree.get(k).map_err(|e| self.sled(e))?.map(|v| v.to_vec())
                };
                undo.push((i as u8, k.clone(), old));
            }
        }
        let record = codec::encode(&Intent {
            first_new_fact,
            undo,
        })
        .map_err(|e| Error::Storage(e.0))?;
        if record.len() > codec::MAX_VALUE_BYTES {
            // An undo record this big could not be decoded after a crash;
            // such a batch (huge old values) commits as one transaction instead.
            self.commit_transaction(&staged)?;
            return self.flush();
        }
        self.tree(T::Meta)
            .insert(META_INTENT, record)
            .map_err(|e| self.sled(e))?;
        self.flush()?;
        let applied = (|| {
            for (i, ops) in staged.into_iter().enumerate() {
                #[cfg(test)]
                if i >= self.crash_after_trees.load(Ordering::Relaxed) {
                    return Err(Error::Storage("simulated crash".into()));
                }
                if ops.is_empty() {
                    continue;
                }
                // In slices: sled keeps every node version a batch replaces
                // until the batch ends, so one batch per tree would hold
                // hundreds of MiB at once. The undo record, not the sled
                // batch, makes the write atomic.
                let mut batch = sled::Batch::default();
                let mut bytes = 0;
                for (k, v) in ops {
                    bytes += k.len() + v.len();
                    batch.insert(k, v);
                    if bytes >= COMMIT_SLICE_BYTES {
                        let full = std::mem::take(&mut batch);
                        self.trees[i].apply_batch(full).map_err(|e| self.sled(e))?;
                        bytes = 0;
                    }
                }
                self.trees[i].apply_batch(batch).map_err(|e| self.sled(e))?;
            }
            self.flush()?;
            self.tree(T::Meta)
                .remove(META_INTENT)
                .map_err(|e| self.sled(e))?;
            self.flush()
        })();
        #[cfg(test)]
        if self.crash_after_trees.load(Ordering::Relaxed) != usize::MAX {
            return applied;
        }
        if applied.is_err() {
            // Best effort: undo now so this process does not go on from a half
            // batch; if this fails too, the next open undoes it.
            let _ = self.recover();
        }
        applied
    }

    /// Undoes a bulk write that did not complete (see [`Storage::commit_bulk`]).
    /// Returns whether there was one.
    pub(super) fn recover(&self) -> Result<bool> {
        let Some(record) = self.get(T::Meta, META_INTENT)? else {
            return Ok(false);
        };
        let intent: Intent =
            codec::decode(&record).map_err(|e| self.corrupt("interrupted write record", e))?;
        for (i, key, old) in intent.undo {
            let Some(tree) = self.trees.get(usize::from(i)) else {
                return Err(self.corrupt(
                    "interrupted write record",
                    CodecError(format!("tree {i} does not exist")),
                ));
            };
            if let Some(kind) = is_index_tree(usize::from(i)) {
                self.strip_chunk(tree, kind, &key, intent.first_new_fact)?;
                continue;
            }
            match old {
                Some(v) => tree.insert(key, v),
                None => tree.remove(key),
            }
            .map_err(|e| self.sled(e))?;
        }
        self.flush()?;
        self.tree(T::Meta)
            .remove(META_INTENT)
            .map_err(|e| self.sled(e))?;
        self.flush()?;
        Ok(true)
    }

    /// Removes the entries of facts from `first` on from one index chunk
    /// (deleting the chunk when nothing is left).
    pub(super) fn strip_chunk(
        &self,
        tree: &sled::Tree,
        kind: IndexKind,
        key: &[u8],
        first: FactId,
    ) -> Result<()> {
        let Some(v) = tree.get(key).map_err(|e| self.sled(e))? else {
            return Ok(());
        };
        let mut kept = Vec::new();
        codec::decode_chunk(kind, key, &v, |t| {
            if t.fact < first {
                kept.push(t);
            }
        })
        .map_err(|e| self.corrupt("index chunk", e))?;
        if kept.is_empty() {
            tree.remove(key).map_err(|e| self.sled(e))?;
            return Ok(());
        }
        let mut chunk = Vec::with_capacity(v.len());
        let mut prev = None;
        for t in &kept {
            codec::push_entry(kind, &mut chunk, prev, t);
            prev = Some(t.fact);
        }
        tree.insert(key, chunk).map_err(|e| self.sled(e))?;
        Ok(())
    }
}

pub(super) fn poisoned() -> Error {
    Error::Storage("a lore thread panicked while holding the store lock".into())
}

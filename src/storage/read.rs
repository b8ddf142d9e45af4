//! Reads: index scans and counts, names, literals, entities, documents,
//! facts with their sentences, statistics.

use super::*;

impl Storage {
    /// Index entries decoded since the store was opened (for tests and `explain analyze`).
    pub fn entries_read(&self) -> u64 {
        self.entries_read.load(Ordering::Relaxed)
    }

    /// Streams the triples of one index group (`group` is the group key of
    /// `kind`): the mutable level first, then each run, oldest first.
    pub fn scan(&self, kind: IndexKind, group: Vec<u8>) -> IndexScan<'_> {
        let runs = self
            .run_set()
            .map(|set| set.runs(bulk::index_space(kind)).to_vec())
            .unwrap_or_default();
        IndexScan {
            storage: self,
            kind,
            iter: self.tree(index_tree(kind)).scan_prefix(&group),
            group,
            runs: runs.into(),
            buf: std::collections::VecDeque::new(),
        }
    }

    /// Streams the triples of one index group of the mutable level only.
    pub(super) fn scan_mutable(&self, kind: IndexKind, group: Vec<u8>) -> IndexScan<'_> {
        IndexScan {
            storage: self,
            kind,
            iter: self.tree(index_tree(kind)).scan_prefix(&group),
            group,
            runs: std::collections::VecDeque::new(),
            buf: std::collections::VecDeque::new(),
        }
    }

    /// Streams every triple in the store: the mutable level in subject
    /// order, then each run in subject order.
    pub fn scan_all(&self) -> IndexScan<'_> {
        self.scan(IndexKind::Spo, Vec::new())
    }

    /// Group key of a subject in `spo`.
    pub fn subject_group(subject: EntityId) -> Vec<u8> {
        codec::u64_key(subject).to_vec()
    }

    /// Group key of a relation in `pos`.
    pub fn relation_group(rel: RelId) -> Vec<u8> {
        codec::u32_key(rel).to_vec()
    }

    /// Group key of an object in `osp`.
    pub fn object_group(obj: ObjKey) -> Vec<u8> {
        obj.to_bytes().to_vec()
    }

    /// Facts with `subject` as subject, exactly (both levels; for the runs,
    /// from group totals and chunk headers: no entry is decoded).
    pub fn count_subject(&self, subject: EntityId) -> Result<u64> {
        let group = codec::u64_key(subject);
        Ok(self.count(&count_key(b's', &group))?
            + self.run_group_total(IndexKind::Spo, &group, None)?)
    }

    /// Facts with relation `rel`, exactly.
    pub fn count_relation(&self, rel: RelId) -> Result<u64> {
        let group = codec::u32_key(rel);
        Ok(self.count(&count_key(b'p', &group))?
            + self.run_group_total(IndexKind::Pos, &group, None)?)
    }

    /// Facts with `obj` as object, exactly.
    pub fn count_object(&self, obj: ObjKey) -> Result<u64> {
        let group = obj.to_bytes();
        Ok(self.count(&count_key(b'o', &group))?
            + self.run_group_total(IndexKind::Osp, &group, None)?)
    }

    /// The planner's estimate of [`Storage::count_subject`]: the exact
    /// figure, with the runs' part remembered between queries.
    pub fn estimate_subject(&self, subject: EntityId) -> Result<u64> {
        let group = codec::u64_key(subject);
        Ok(self.count(&count_key(b's', &group))?
            + self.run_group_estimate(IndexKind::Spo, &group)?)
    }

    /// The planner's estimate of [`Storage::count_relation`].
    pub fn estimate_relation(&self, rel: RelId) -> Result<u64> {
        let group = codec::u32_key(rel);
        Ok(self.count(&count_key(b'p', &group))?
            + self.run_group_estimate(IndexKind::Pos, &group)?)
    }

    /// The planner's estimate of [`Storage::count_object`].
    pub fn estimate_object(&self, obj: ObjKey) -> Result<u64> {
        let group = obj.to_bytes();
        Ok(self.count(&count_key(b'o', &group))?
            + self.run_group_estimate(IndexKind::Osp, &group)?)
    }

    /// Entries of one index group with the given polarity (`None`: both),
    /// exactly, without decoding the runs' entries. The mutable level is
    /// decoded (it holds what articles wrote, which is small).
    pub fn group_total(
        &self,
        kind: IndexKind,
        group: &[u8],
        negative: Option<bool>,
    ) -> Result<u64> {
        let mut n = 0u64;
        for item in self.tree(index_tree(kind)).scan_prefix(group) {
            let (k, v) = item.map_err(|e| self.sled(e))?;
            codec::decode_chunk(kind, &k, &v, |t| {
                if negative.is_none_or(|neg| neg == t.negative) {
                    n += 1;
                }
            })
            .map_err(|e| self.corrupt("index chunk", e))?;
        }
        Ok(n + self.run_group_total(kind, group, negative)?)
    }

    pub(super) fn count(&self, key: &[u8]) -> Result<u64> {
        match self.get(T::Counts, key)? {
            Some(v) => codec::read_u64(&v).map_err(|e| self.corrupt("count", e)),
            None => Ok(0),
        }
    }

    /// Total facts.
    pub fn fact_count(&self) -> Result<u64> {
        Ok(self.writer.lock().map_err(|_| poisoned())?.next_fact)
    }

    /// The relation id of a normalized relation name.
    pub fn relation_id(&self, name: &str) -> Option<RelId> {
        self.rels.read().ok()?.by_name.get(name).copied()
    }

    /// The record of relation `id`.
    pub fn relation(&self, id: RelId) -> Option<RelationRecord> {
        self.rels.read().ok()?.by_id.get(id as usize).cloned()
    }

    /// Every relation with its id.
    pub fn relations(&self) -> Vec<(RelId, RelationRecord)> {
        match self.rels.read() {
            Ok(r) => r
                .by_id
                .iter()
                .enumerate()
                .map(|(i, rec)| (i as RelId, rec.clone()))
                .collect(),
            Err(_) => Vec::new(),
        }
    }

    /// The literal behind a literal object key.
    pub fn literal(&self, key: ObjKey) -> Result<Option<Literal>> {
        let bytes = match self.get(T::Literals, &key.to_bytes())? {
            Some(v) => v.to_vec(),
            None => match self.run_point(runs::Space::Literals, &key.to_bytes())? {
                Some(v) => v,
                None => return Ok(None),
            },
        };
        Ok(Some(
            codec::decode(&bytes).map_err(|e| self.corrupt("literal", e))?,
        ))
    }

    /// The object key a literal has (whether or not it is stored).
    pub fn literal_key(lit: &Literal) -> Result<ObjKey> {
        let bytes = codec::encode(lit).map_err(|e| Error::Storage(e.0))?;
        Ok(ObjKey::Literal(codec::literal_hash(&bytes)))
    }

    /// An entity by id.
    pub fn entity(&self, id: EntityId) -> Result<Option<Entity>> {
        match self.get(T::Entities, &codec::u64_key(id / ROWS_PER_BLOCK))? {
            Some(v) => codec::decode_item(&v, (id % ROWS_PER_BLOCK) as usize)
                .map_err(|e| self.corrupt("entity block", e)),
            None => Ok(None),
        }
    }

    /// The canonical name of an entity, from a cache that lives as long as
    /// the store: a query shows every entity of its rows by name, and a
    /// name read from disk costs a sled read and a block decode. Names never
    /// change once committed (aliases do, and are not cached); only ids below
    /// the committed counter are cached, so an undone bulk write, whose ids
    /// are handed out again, never leaves a stale name behind.
    pub fn entity_name(&self, id: EntityId) -> Result<Option<Arc<str>>> {
        if let Some(n) = self.names.read().map_err(|_| poisoned())?.get(&id) {
            return Ok(Some(n.clone()));
        }
        let Some(e) = self.entity(id)? else {
            return Ok(None);
        };
        let name: Arc<str> = Arc::from(e.name);
        if id < self.committed_entities.load(Ordering::Acquire) {
            let mut names = self.names.write().map_err(|_| poisoned())?;
            if names.len() >= self.name_limit {
                names.clear();
            }
            names.insert(id, name.clone());
        }
        Ok(Some(name))
    }

    /// The entities of one block, as stored (empty when there is none).
    pub(super) fn entity_block(&self, block: u64) -> Result<Vec<Entity>> {
        match self.get(T::Entities, &codec::u64_key(block))? {
            Some(v) => codec::decode_items(&v).map_err(|e| self.corrupt("entity block", e)),
            None => Ok(Vec::new()),
        }
    }

    /// The documents of one block, as stored (empty when there is none).
    pub(super) fn doc_block(&self, block: u64) -> Result<Vec<Document>> {
        match self.get(T::Docs, &doc_block_key(block))? {
            Some(v) => codec::decode_items(&v).map_err(|e| self.corrupt("document block", e)),
            None => Ok(Vec::new()),
        }
    }

    /// Entities whose name or alias normalizes to `normalized`.
    pub fn lookup_name(&self, normalized: &str) -> Result<Vec<EntityId>> {
        let mut ids: Vec<EntityId> = match self.get(T::Names, normalized.as_bytes())? {
            Some(v) => codec::decode(&v).map_err(|e| self.corrupt("name index", e))?,
            None => Vec::new(),
        };
        for id in self.run_names(normalized)? {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        Ok(ids)
    }

    /// Every (normalized name, entity ids) pair in name order, over both
    /// levels (the runs' names are read into memory first).
    pub fn names(&self) -> impl Iterator<Item = Result<(String, Vec<EntityId>)>> + '_ {
        let (mut from_runs, failed) = match self.run_all_names() {
            Ok(m) => (m, None),
            Err(e) => (BTreeMap::new(), Some(Err(e))),
        };
        let mutable = self.tree(T::Names).iter().map(move |item| {
            let (k, v) = item.map_err(|e| self.sled(e))?;
            let name = String::from_utf8(k.to_vec())
                .map_err(|_| self.corrupt("name key", CodecError("not UTF-8".into())))?;
            let ids: Vec<EntityId> =
                codec::decode(&v).map_err(|e| self.corrupt("name index", e))?;
            Ok((name, ids))
        });
        let mut mutable = mutable.peekable();
        let merged = std::iter::from_fn(move || {
            let run_first = from_runs.first_key_value().map(|(k, _)| k.clone());
            let next_mutable = match mutable.peek() {
                Some(Ok((k, _))) => Some(k.clone()),
                Some(Err(_)) => return mutable.next(),
                None => None,
            };
            match (next_mutable, run_first) {
                (None, None) => None,
                (Some(m), Some(r)) if r < m => from_runs.pop_first().map(Ok),
                (None, Some(_)) => from_runs.pop_first().map(Ok),
                (Some(m), _) => {
                    let item = mutable.next()?;
                    Some(item.map(|(name, mut ids)| {
                        if let Some(more) = from_runs.remove(&m) {
                            for id in more {
                                if !ids.contains(&id) {
                                    ids.push(id);
                                }
                            }
                        }
                        (name, ids)
                    }))
                }
            }
        });
        failed.into_iter().chain(merged)
    }

    /// Every entity in id order.
    pub fn entities(&self) -> impl Iterator<Item = Result<Entity>> + '_ {
        self.tree(T::Entities)
            .iter()
            .flat_map(move |item| -> Vec<Result<Entity>> {
                let block = item.map_err(|e| self.sled(e)).and_then(|(_, v)| {
                    codec::decode_items(&v).map_err(|e| self.corrupt("entity block", e))
                });
                match block {
                    Ok(entities) => entities.into_iter().map(Ok).collect(),
                    Err(e) => vec![Err(e)],
                }
            })
    }

    /// A document by id.
    pub fn document(&self, id: DocId) -> Result<Option<Document>> {
        match self.get(T::Docs, &doc_block_key(id / ROWS_PER_BLOCK))? {
            Some(v) => codec::decode_item(&v, (id % ROWS_PER_BLOCK) as usize)
                .map_err(|e| self.corrupt("document block", e)),
            None => Ok(None),
        }
    }

    /// The document whose content hash is `hash` (hex), if ingested.
    pub fn document_by_hash(&self, hash: &str) -> Result<Option<DocId>> {
        let bytes = match self.get(T::Docs, &hash_key(hash))? {
            Some(v) => v.to_vec(),
            None => match self.run_point(runs::Space::Hashes, hash.as_bytes())? {
                Some(v) => v,
                None => return Ok(None),
            },
        };
        Ok(Some(
            codec::read_u64(&bytes).map_err(|e| self.corrupt("document hash", e))?,
        ))
    }

    /// Every document in id order.
    pub fn documents(&self) -> impl Iterator<Item = Result<Document>> + '_ {
        self.tree(T::Docs).scan_prefix(DOC_BLOCK_TAG).flat_map(
            move |item| -> Vec<Result<Document>> {
                let block = item.map_err(|e| self.sled(e)).and_then(|(_, v)| {
                    codec::decode_items(&v).map_err(|e| self.corrupt("document block", e))
                });
                match block {
                    Ok(docs) => docs.into_iter().map(Ok).collect(),
                    Err(e) => vec![Err(e)],
                }
            },
        )
    }

    pub(super) fn block(&self, block: u64) -> Result<Vec<StoredFact>> {
        match self.get(T::Facts, &codec::u64_key(block))? {
            Some(v) => codec::decode_items(&v).map_err(|e| self.corrupt("fact block", e)),
            None => Ok(Vec::new()),
        }
    }

    /// One fact as stored in its block (without the extras it gained later),
    /// decoded alone.
    pub(super) fn stored_fact(&self, id: FactId) -> Result<Option<StoredFact>> {
        match self.get(T::Facts, &codec::u64_key(id / FACTS_PER_BLOCK))? {
            Some(v) => codec::decode_item(&v, (id % FACTS_PER_BLOCK) as usize)
                .map_err(|e| self.corrupt("fact block", e)),
            None => Ok(None),
        }
    }

    pub(super) fn extra(&self, id: FactId) -> Result<Option<FactExtra>> {
        match self.get(T::Extras, &extra_key(id))? {
            Some(v) => Ok(Some(
                codec::decode_block(&v).map_err(|e| self.corrupt("fact sources", e))?,
            )),
            None => Ok(None),
        }
    }

    /// Decodes block `block` (its stored bytes) and merges the extras stored after it.
    pub(super) fn merged_block(&self, block: u64, bytes: &[u8]) -> Result<Vec<StoredFact>> {
        let mut facts: Vec<StoredFact> =
            codec::decode_items(bytes).map_err(|e| self.corrupt("fact block", e))?;
        let first = block.saturating_mul(FACTS_PER_BLOCK);
        for item in self.tree(T::Extras).scan_prefix(codec::u64_key(block)) {
            let (k, v) = item.map_err(|e| self.sled(e))?;
            let id = k
                .get(8..)
                .map(codec::read_u64)
                .transpose()
                .map_err(|e| self.corrupt("fact sources key", e))?;
            let slot = id
                .and_then(|id| id.checked_sub(first))
                .and_then(|i| facts.get_mut(i as usize));
            let Some(fact) = slot else {
                return Err(self.corrupt(
                    "fact sources",
                    CodecError(format!("key {k:?} names no fact of block {block}")),
                ));
            };
            let extra: FactExtra =
                codec::decode_block(&v).map_err(|e| self.corrupt("fact sources", e))?;
            extra.apply(fact);
        }
        Ok(facts)
    }

    /// The stored sentences of document `doc` (sorted by start), if any.
    pub(super) fn sentences_of(&self, doc: DocId) -> Result<Option<SentenceGroup>> {
        match self.get(T::Sentences, &codec::u64_key(doc))? {
            Some(v) => Ok(Some(
                codec::decode_block(&v).map_err(|e| self.corrupt("sentences", e))?,
            )),
            None => Ok(None),
        }
    }

    /// The sentence of document `doc` that starts at byte `start`, if stored.
    pub(super) fn sentence(&self, doc: DocId, start: u64) -> Result<Option<String>> {
        Ok(self
            .sentences_of(doc)?
            .and_then(|g| find_sentence(&g, start).map(str::to_string)))
    }

    /// Fills the sentences that sources keep in the `sentences` tree (an
    /// empty stored sentence means "look it up"; a non-empty one is inline).
    pub(super) fn fill_sentences(&self, sources: &mut [Source]) -> Result<()> {
        let mut group: Option<(DocId, Option<SentenceGroup>)> = None;
        for s in sources.iter_mut().filter(|s| s.sentence.is_empty()) {
            if group.as_ref().map(|(d, _)| *d) != Some(s.doc) {
                group = Some((s.doc, self.sentences_of(s.doc)?));
            }
            let found = group
                .as_ref()
                .and_then(|(_, g)| g.as_ref())
                .and_then(|g| find_sentence(g, s.span.0));
            let Some(text) = found else {
                return Err(Error::Corrupt {
                    path: self.path.clone(),
                    detail: format!(
                        "the sentence of document {} at byte {} is missing",
                        s.doc, s.span.0
                    ),
                });
            };
            s.sentence = text.to_string();
        }
        Ok(())
    }

    pub(super) fn to_fact(&self, id: FactId, mut s: StoredFact) -> Result<Fact> {
        self.fill_sentences(&mut s.sources)?;
        let relation = self
            .relation(s.relation)
            .map(|r| r.name)
            .unwrap_or_else(|| format!("#{}", s.relation));
        Ok(Fact {
            id,
            subject: s.subject,
            relation,
            relation_text: s.relation_text,
            object: s.object,
            qualifiers: s.qualifiers,
            polarity: s.polarity,
            confidence: s.confidence,
            sources: s.sources,
        })
    }

    /// A fact by id.
    pub fn fact(&self, id: FactId) -> Result<Option<Fact>> {
        let Some(mut stored) = self.stored_fact(id)? else {
            return Ok(None);
        };
        if let Some(extra) = self.extra(id)? {
            extra.apply(&mut stored);
        }
        self.to_fact(id, stored).map(Some)
    }

    /// Every fact in id order.
    pub fn facts(&self) -> impl Iterator<Item = Result<Fact>> + '_ {
        self.tree(T::Facts)
            .iter()
            .flat_map(move |item| -> Vec<Result<Fact>> {
                let decoded = item.map_err(|e| self.sled(e)).and_then(|(k, v)| {
                    let block = codec::read_u64(&k).map_err(|e| self.corrupt("fact key", e))?;
                    Ok((block, self.merged_block(block, &v)?))
                });
                match decoded {
                    Ok((block, facts)) => facts
                        .into_iter()
                        .enumerate()
                        .map(|(i, f)| self.to_fact(block * FACTS_PER_BLOCK + i as u64, f))
                        .collect(),
                    Err(e) => vec![Err(e)],
                }
            })
    }

    /// Holds this handle's writes back until the guard drops, for a reader
    /// that must see each write whole or not at all (an export, a query):
    /// a write in progress ends first, where an import batch is otherwise
    /// applied tree by tree. Readers holding it do not wait for each other.
    pub fn pause_writes(&self) -> Result<WritesPaused<'_>> {
        Ok(WritesPaused {
            _guard: self.exports.read().map_err(|_| poisoned())?,
        })
    }

    /// Counts for `lore stats`.
    pub fn stats(&self) -> Result<Stats> {
        let c = *self.writer.lock().map_err(|_| poisoned())?;
        Ok(Stats {
            documents: c.next_doc,
            entities: c.next_entity,
            facts: c.next_fact,
            relations: u64::from(c.next_rel),
            sources: c.sources,
            disk_bytes: self.db.size_on_disk().map_err(|e| self.sled(e))?,
        })
    }

    /// Per sled tree: name, keys, key bytes and value bytes (a full scan; for
    /// benchmarks and `docs/ARCHITECTURE.md`, not for hot paths).
    pub fn tree_sizes(&self) -> Result<Vec<(&'static str, u64, u64, u64)>> {
        let mut out = Vec::with_capacity(TREE_NAMES.len());
        for (name, tree) in TREE_NAMES.iter().zip(&self.trees) {
            let (mut n, mut kb, mut vb) = (0u64, 0u64, 0u64);
            for item in tree.iter() {
                let (k, v) = item.map_err(|e| self.sled(e))?;
                n += 1;
                kb += k.len() as u64;
                vb += v.len() as u64;
            }
            out.push((*name, n, kb, vb));
        }
        Ok(out)
    }
}

/// Streaming iterator over index triples: the mutable level a chunk at a
/// time, then each run's part of the group at once.
pub struct IndexScan<'a> {
    storage: &'a Storage,
    kind: IndexKind,
    iter: sled::Iter,
    group: Vec<u8>,
    runs: std::collections::VecDeque<Arc<runs::Run>>,
    buf: std::collections::VecDeque<Triple>,
}

impl Iterator for IndexScan<'_> {
    type Item = Result<Triple>;

    fn next(&mut self) -> Option<Result<Triple>> {
        loop {
            if let Some(t) = self.buf.pop_front() {
                self.storage.entries_read.fetch_add(1, Ordering::Relaxed);
                return Some(Ok(t));
            }
            match self.iter.next() {
                Some(Ok((k, v))) => {
                    let buf = &mut self.buf;
                    if let Err(e) = codec::decode_chunk(self.kind, &k, &v, |t| buf.push_back(t)) {
                        return Some(Err(self.storage.corrupt("index chunk", e)));
                    }
                }
                Some(Err(e)) => return Some(Err(self.storage.sled(e))),
                None => {
                    let run = self.runs.pop_front()?;
                    let mut scratch = Vec::new();
                    let buf = &mut self.buf;
                    let read = self.storage.for_each_run_chunk(
                        &run,
                        self.kind,
                        &self.group,
                        None,
                        &mut scratch,
                        &mut |chunk| {
                            buf.extend(chunk.iter().copied());
                            Ok(std::ops::ControlFlow::Continue(()))
                        },
                    );
                    // Counted again as they are handed out.
                    self.storage
                        .entries_read
                        .fetch_sub(self.buf.len() as u64, Ordering::Relaxed);
                    if let Err(e) = read {
                        return Some(Err(e));
                    }
                }
            }
        }
    }
}

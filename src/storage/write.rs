//! The write path: one [`WriteSet`] staged in a [`Writer`] under the
//! writer lock, then committed (a sled transaction, or the undo protocol of
//! `undo.rs` for big writes). How a new fact meets an existing one is in
//! `merge.rs`.

use super::*;

impl Storage {
    /// Applies one [`WriteSet`] atomically and durably (see the module doc):
    /// a small write (an article) commits in one sled transaction; a big
    /// one goes through the undo protocol of [`Storage::write_bulk`].
    pub fn write(&self, set: WriteSet) -> Result<WriteOutcome> {
        self.write_with(set, false)
    }

    /// Like [`Storage::write`], for large batches (imports): the changes are
    /// applied as one sorted batch per tree instead of one multi-tree
    /// transaction, under an undo record that makes the batch all or nothing
    /// across crashes (see `commit_bulk`). Exports and queries of other
    /// threads wait for it ([`Storage::pause_writes`]), so they never see
    /// a batch half-applied; a reader of the trees that takes no such
    /// guard may.
    pub fn write_bulk(&self, set: WriteSet) -> Result<WriteOutcome> {
        self.write_with(set, true)
    }

    pub(super) fn write_with(&self, set: WriteSet, bulk: bool) -> Result<WriteOutcome> {
        // Before the writer lock: an export holding `exports` never waits
        // for the writer lock (it may read the counters under it).
        let _no_export = self.exports.write().map_err(|_| poisoned())?;
        let mut counters = self.writer.lock().map_err(|_| poisoned())?;
        // A bulk write of this process that failed and could not be undone
        // at once left its undo record: undo it before anything overwrites
        // the record (one read otherwise). The in-memory counters and caches
        // were never advanced for it.
        if self.recover()? {
            self.load_runs()?;
        }
        let idents = std::mem::take(&mut *self.idents.lock().map_err(|_| poisoned())?);
        let mutable_empty = self.tree(T::Spo).is_empty();
        let mut w = Writer {
            storage: self,
            to_runs: bulk,
            run_adds: bulk::RunAdds::default(),
            mutable_empty,
            staged: (0..TREE_NAMES.len()).map(|_| BTreeMap::new()).collect(),
            c: *counters,
            blocks: BTreeMap::new(),
            old_facts: FxHashMap::default(),
            fresh: Vec::new(),
            doc_blocks: BTreeMap::new(),
            entity_blocks: BTreeMap::new(),
            extras: BTreeMap::new(),
            first_new_fact: counters.next_fact,
            idents,
            appends: Appends::default(),
            counts: HashMap::new(),
            sentences: BTreeMap::new(),
            new_rels: Vec::new(),
            rels: FxHashMap::default(),
        };
        let defer_flush = set.defer_flush;
        let outcome = w.apply(set)?;
        if outcome.skipped {
            *self.idents.lock().map_err(|_| poisoned())? = w.idents;
            return Ok(outcome);
        }
        let first_new_fact = counters.next_fact;
        let (staged, new_counters, new_rels, idents, built) = w.finish()?;
        let keys: usize = staged.iter().map(BTreeMap::len).sum();
        if !bulk && keys <= SMALL_WRITE_KEYS {
            self.commit_transaction(&staged)?;
            if !defer_flush {
                self.flush()?;
            }
        } else {
            // The undo protocol flushes as part of the write, deferred or not.
            if let Err(e) = self.commit_bulk(staged, first_new_fact) {
                // The undo put the old run directory back on disk.
                let _ = self.load_runs();
                return Err(e);
            }
        }
        if let Some(built) = built {
            self.add_runs(built.dir, built.runs)?;
        }
        *counters = new_counters;
        self.committed_entities
            .store(new_counters.next_entity, Ordering::Release);
        let mut idents = idents;
        if idents.times.len() > self.ident_limit / 2 {
            idents.old_times = std::mem::take(&mut idents.times);
        }
        if idents.known.len() > self.ident_limit / 2 {
            idents.rotate();
        }
        *self.idents.lock().map_err(|_| poisoned())? = idents;
        if !new_rels.is_empty() {
            let mut cache = self.rels.write().map_err(|_| poisoned())?;
            for (id, rec) in new_rels {
                if id as usize == cache.by_id.len() {
                    cache.by_name.insert(rec.name.clone(), id);
                    cache.by_id.push(rec);
                } else if let Some(slot) = cache.by_id.get_mut(id as usize) {
                    *slot = rec;
                }
            }
        }
        if bulk {
            // Under the writer lock: merges never race another writer.
            self.compact()?;
        } else {
            self.collect_garbage()?;
        }
        Ok(outcome)
    }
}

impl Writer<'_> {
    pub(super) fn get(&self, t: T, key: &[u8]) -> Result<Option<Vec<u8>>> {
        if let Some(v) = self.staged[t as usize].get(key) {
            return Ok(Some(v.clone()));
        }
        Ok(self.storage.get(t, key)?.map(|v| v.to_vec()))
    }

    pub(super) fn put(&mut self, t: T, key: Vec<u8>, value: Vec<u8>) {
        self.staged[t as usize].insert(key, value);
    }

    pub(super) fn encode<V: Serialize>(&self, v: &V) -> Result<Vec<u8>> {
        codec::encode(v).map_err(|e| Error::Storage(e.0))
    }

    pub(super) fn apply(&mut self, set: WriteSet) -> Result<WriteOutcome> {
        let mut out = WriteOutcome::default();
        for (i, mut doc) in set.docs.into_iter().enumerate() {
            if let Some(id) = self.doc_by_hash(&doc.hash)? {
                if set.skip_if_known && i == 0 {
                    out.skipped = true;
                    return Ok(out);
                }
                out.doc_ids.push(id);
                continue;
            }
            doc.id = self.c.next_doc;
            self.c.next_doc += 1;
            let id = doc.id;
            if self.to_runs {
                self.run_adds.hashes.insert(doc.hash.clone(), id);
            } else {
                self.put(T::Docs, hash_key(&doc.hash), codec::u64_key(id).to_vec());
            }
            self.push_row(doc)?;
            out.doc_ids.push(id);
            out.new_docs += 1;
        }
        for e in set.entities {
            let id = self.c.next_entity;
            self.c.next_entity += 1;
            let mut entity = Entity {
                id,
                name: e.name,
                kind: e.kind,
                aliases: Vec::new(),
            };
            for a in e.aliases {
                add_alias(&mut entity, a);
            }
            self.index_names(&entity)?;
            self.push_row(entity)?;
            out.entity_ids.push(id);
        }
        for (id, alias) in set.aliases {
            let (block, pos) = (id / ROWS_PER_BLOCK, (id % ROWS_PER_BLOCK) as usize);
            let rows = self.rows::<Entity>(block)?;
            let Some(entity) = rows.1.get_mut(pos) else {
                return Err(Error::Storage(format!("alias for unknown entity {id}")));
            };
            if add_alias(entity, alias) {
                rows.0 = true;
                let entity = entity.clone();
                self.index_names(&entity)?;
            }
        }
        for draft in set.facts {
            if self.add_fact(draft, &out)? {
                out.new_facts += 1;
            } else {
                out.corroborated += 1;
            }
        }
        Ok(out)
    }

    /// The block of documents or entities `block`, read once per write;
    /// the flag says whether this write changed it.
    pub(super) fn rows<R: Row>(&mut self, block: u64) -> Result<&mut (bool, Vec<R>)> {
        if !R::blocks(self).contains_key(&block) {
            let rows = R::read(self.storage, block)?;
            R::blocks(self).insert(block, (false, rows));
        }
        R::blocks(self)
            .get_mut(&block)
            .ok_or_else(|| Error::Storage("row block vanished".into()))
    }

    /// Appends a new document or entity (its id is the next in its block).
    pub(super) fn push_row<R: Row>(&mut self, row: R) -> Result<()> {
        let id = row.id();
        let rows = self.rows::<R>(id / ROWS_PER_BLOCK)?;
        if rows.1.len() as u64 != id % ROWS_PER_BLOCK {
            return Err(Error::Storage(format!(
                "row block for {id} holds {} rows",
                rows.1.len()
            )));
        }
        rows.1.push(row);
        rows.0 = true;
        Ok(())
    }

    /// The document stored (on either level) or staged with this hash.
    pub(super) fn doc_by_hash(&self, hash: &str) -> Result<Option<DocId>> {
        if let Some(v) = self.staged[T::Docs as usize].get(&hash_key(hash)) {
            return Ok(Some(
                codec::read_u64(v).map_err(|e| self.storage.corrupt("document hash", e))?,
            ));
        }
        if let Some(id) = self.run_adds.hashes.get(hash) {
            return Ok(Some(*id));
        }
        self.storage.document_by_hash(hash)
    }

    pub(super) fn index_names(&mut self, entity: &Entity) -> Result<()> {
        let names = std::iter::once(&entity.name).chain(entity.aliases.iter());
        let keys: HashSet<String> = names.map(|n| normalize_name(n)).collect();
        for key in keys {
            if key.is_empty() {
                continue;
            }
            if self.to_runs {
                // No read: lookups take the union over the runs.
                self.run_adds.name(key, entity.id);
                continue;
            }
            let mut ids: Vec<EntityId> = match self.get(T::Names, key.as_bytes())? {
                Some(v) => codec::decode(&v).map_err(|e| self.storage.corrupt("name index", e))?,
                None => Vec::new(),
            };
            if !ids.contains(&entity.id) {
                ids.push(entity.id);
                let bytes = self.encode(&ids)?;
                self.put(T::Names, key.into_bytes(), bytes);
            }
        }
        Ok(())
    }

    pub(super) fn resolve(r: Ref, news: &[u64], what: &str) -> Result<u64> {
        match r {
            Ref::Existing(id) => Ok(id),
            Ref::New(i) => news
                .get(i)
                .copied()
                .ok_or_else(|| Error::Storage(format!("{what} reference {i} out of range"))),
        }
    }

    pub(super) fn relation_id(&mut self, name: &str, form: &str) -> Result<RelId> {
        // Most facts name a relation this write has seen, in a form already
        // listed: no allocation, no record copy.
        if let Some((id, rec)) = self.rels.get(name)
            && (rec.forms.len() >= MAX_FORMS || rec.forms.iter().any(|f| f == form))
        {
            return Ok(*id);
        }
        let (id, mut rec, is_new) = match self.rels.get(name) {
            Some((id, rec)) => (*id, rec.clone(), false),
            None => match self.storage.relation_id(name) {
                Some(id) => (id, self.storage.relation(id).unwrap_or_default(), false),
                None => {
                    let id = self.c.next_rel;
                    self.c.next_rel = id
                        .checked_add(1)
                        .ok_or_else(|| Error::Storage("too many relations".into()))?;
                    self.put(
                        T::Relations,
                        rel_name_key(name),
                        codec::u32_key(id).to_vec(),
                    );
                    let rec = RelationRecord {
                        name: name.to_string(),
                        forms: Vec::new(),
                    };
                    (id, rec, true)
                }
            },
        };
        let add_form = rec.forms.len() < MAX_FORMS && !rec.forms.iter().any(|f| f == form);
        if add_form {
            rec.forms.push(form.to_string());
        }
        if add_form || is_new {
            let bytes = self.encode(&rec)?;
            self.put(T::Relations, rel_id_key(id), bytes);
            self.new_rels.push((id, rec.clone()));
        }
        self.rels.insert(name.to_string(), (id, rec));
        Ok(id)
    }

    /// A fact stored before this write, as in its block, decoded alone and
    /// kept for the rest of the write.
    pub(super) fn old_fact(&mut self, id: FactId) -> Result<Option<&StoredFact>> {
        if !self.old_facts.contains_key(&id) {
            let f = self.storage.stored_fact(id)?;
            self.old_facts.insert(id, f);
        }
        Ok(self.old_facts.get(&id).and_then(Option::as_ref))
    }

    pub(super) fn load_block(&mut self, block: u64) -> Result<&mut Vec<StoredFact>> {
        if !self.blocks.contains_key(&block) {
            let facts = self.storage.block(block)?;
            self.blocks.insert(block, facts);
        }
        self.blocks
            .get_mut(&block)
            .ok_or_else(|| Error::Storage("fact block vanished".into()))
    }
}

impl Writer<'_> {
    /// Returns true when a new fact was created, false when an existing one was corroborated.
    pub(super) fn add_fact(&mut self, d: FactDraft, out: &WriteOutcome) -> Result<bool> {
        let subject = Self::resolve(d.subject, &out.entity_ids, "entity")?;
        let object = match d.object {
            ObjectDraft::Entity(r) => Object::Entity(Self::resolve(r, &out.entity_ids, "entity")?),
            ObjectDraft::Literal(l) => Object::Literal(l),
        };
        let obj_key = match &object {
            Object::Entity(id) => ObjKey::Entity(*id),
            Object::Literal(l) => {
                let bytes = self.encode(l)?;
                let key = ObjKey::Literal(codec::literal_hash(&bytes));
                if self.to_runs {
                    self.run_adds
                        .literals
                        .insert(key.to_bytes().to_vec(), bytes);
                } else {
                    self.put(T::Literals, key.to_bytes().to_vec(), bytes);
                }
                key
            }
        };
        let relation = if d.relation.trim().is_empty() {
            return Err(Error::bad_input("fact", "empty relation"));
        } else {
            d.relation
        };
        let rel = self.relation_id(&relation, &d.relation_text)?;
        let negative = d.polarity == Polarity::Negative;
        let mut sources = Vec::with_capacity(d.sources.len());
        for s in d.sources {
            let mut source = Source {
                doc: Self::resolve(s.doc, &out.doc_ids, "document")?,
                sentence: s.sentence,
                span: s.span,
            };
            self.share_sentence(&mut source)?;
            sources.push(source);
        }
        let identity = (subject, rel, negative, obj_key);
        if let Some(id) = self.existing_at(identity, &d.qualifiers)? {
            let added = self.corroborate(id, sources, d.qualifiers, d.confidence)?;
            self.c.sources += added;
            return Ok(false);
        }
        let id = self.c.next_fact;
        self.c.next_fact += 1;
        self.c.sources += sources.len() as u64;
        let time = d.qualifiers.get(TIME).cloned();
        let stored = StoredFact {
            subject,
            relation: rel,
            relation_text: d.relation_text,
            object,
            qualifiers: d.qualifiers,
            polarity: d.polarity,
            confidence: d.confidence.clamp(0.0, 0.99),
            sources,
        };
        let block = self.load_block(id / FACTS_PER_BLOCK)?;
        if block.len() as u64 != id % FACTS_PER_BLOCK {
            return Err(Error::Storage(format!(
                "fact block for {id} holds {} facts",
                block.len()
            )));
        }
        block.push(stored);
        self.idents.remember(identity, id);
        self.fresh.push((identity, id));
        self.idents.times.insert(id, time);
        let t = Triple {
            fact: id,
            subject,
            relation: rel,
            negative,
            object: obj_key,
        };
        for kind in [IndexKind::Spo, IndexKind::Pos, IndexKind::Osp] {
            self.appends
                .entry((kind, kind.group_key(&t)))
                .or_default()
                .push(t);
        }
        if self.to_runs {
            // Runs keep their own group totals.
            return Ok(true);
        }
        for key in [
            count_key(b's', &codec::u64_key(subject)),
            count_key(b'p', &codec::u32_key(rel)),
            count_key(b'o', &obj_key.to_bytes()),
        ] {
            *self.counts.entry(key).or_default() += 1;
        }
        Ok(true)
    }

    pub(super) fn finish(mut self) -> Result<Finished> {
        self.encode_blocks()?;
        let appends = std::mem::take(&mut self.appends);
        let mut built = None;
        if self.to_runs {
            let adds = std::mem::take(&mut self.run_adds);
            let mut b = self.storage.build_runs(appends, adds)?;
            for (k, v) in std::mem::take(&mut b.staged) {
                self.put(T::Runs, k, v);
            }
            let dir = self.encode(&b.dir)?;
            self.put(T::Meta, bulk::META_RUNS.to_vec(), dir);
            built = Some(b);
        } else {
            for ((kind, group), triples) in appends {
                self.append_group(kind, group.as_slice(), &triples)?;
            }
        }
        let counts = std::mem::take(&mut self.counts);
        for (key, add) in counts {
            let old = match self.storage.get(T::Counts, &key)? {
                Some(v) => codec::read_u64(&v).map_err(|e| self.storage.corrupt("count", e))?,
                None => 0,
            };
            self.put(T::Counts, key, (old + add).to_be_bytes().to_vec());
        }
        let counters = self.encode(&self.c)?;
        self.put(T::Meta, META_COUNTERS.to_vec(), counters);
        let idents = std::mem::take(&mut self.idents);
        Ok((self.staged, self.c, self.new_rels, idents, built))
    }

    /// Encodes the fact, document, entity, sentence and extra blocks this
    /// write changed into staged values.
    pub(super) fn encode_blocks(&mut self) -> Result<()> {
        let blocks = std::mem::take(&mut self.blocks);
        let first_changed = self.first_new_fact / FACTS_PER_BLOCK;
        let facts: Vec<(&u64, &Vec<StoredFact>)> = blocks.range(first_changed..).collect();
        let docs = std::mem::take(&mut self.doc_blocks);
        let entities = std::mem::take(&mut self.entity_blocks);
        let sentences = std::mem::take(&mut self.sentences);
        let extras = std::mem::take(&mut self.extras);
        let encode_facts = || -> EncodedRows {
            facts
                .iter()
                .map(|(block, facts)| {
                    let key = codec::u64_key(**block).to_vec();
                    Ok((T::Facts, key, codec::encode_items(facts)?))
                })
                .collect()
        };
        let encode_rest = || -> EncodedRows {
            let mut out = Vec::new();
            for (block, (_, docs)) in docs.iter().filter(|(_, (changed, _))| *changed) {
                out.push((T::Docs, doc_block_key(*block), codec::encode_items(docs)?));
            }
            for (block, (_, entities)) in entities.iter().filter(|(_, (changed, _))| *changed) {
                let key = codec::u64_key(*block).to_vec();
                out.push((T::Entities, key, codec::encode_items(entities)?));
            }
            for (doc, (_, group)) in sentences.iter().filter(|(_, (changed, _))| *changed) {
                let key = codec::u64_key(*doc).to_vec();
                out.push((T::Sentences, key, codec::encode_block(group)?));
            }
            for (id, extra) in &extras {
                out.push((T::Extras, extra_key(*id), codec::encode_block(extra)?));
            }
            Ok(out)
        };
        // Compressing is most of a big write's encoding: an import batch
        // compresses its fact blocks on a second thread while this one
        // compresses documents, entities and sentences (the parser thread
        // mostly waits for the writer meanwhile).
        let (fact_rows, rest) = if facts.len() >= PARALLEL_ENCODE_BLOCKS {
            std::thread::scope(|scope| {
                let facts = scope.spawn(encode_facts);
                let rest = encode_rest();
                let facts = facts
                    .join()
                    .map_err(|_| Error::Storage("a block encoding thread panicked".into()));
                (facts, rest)
            })
        } else {
            (Ok(encode_facts()), encode_rest())
        };
        for rows in [fact_rows?, rest] {
            for (t, key, bytes) in rows.map_err(|e| Error::Storage(e.0))? {
                self.put(t, key, bytes);
            }
        }
        Ok(())
    }

    pub(super) fn append_group(
        &mut self,
        kind: IndexKind,
        group: &[u8],
        triples: &[Triple],
    ) -> Result<()> {
        let tree = self.storage.tree(index_tree(kind));
        let last = tree
            .scan_prefix(group)
            .next_back()
            .transpose()
            .map_err(|e| self.storage.sled(e))?;
        let (mut n, mut chunk, mut prev) = match last {
            Some((k, v)) => {
                let (_, n) =
                    codec::split_chunk_key(&k).map_err(|e| self.storage.corrupt("index key", e))?;
                let prev = codec::decode_chunk(kind, &k, &v, |_| {})
                    .map_err(|e| self.storage.corrupt("index chunk", e))?;
                (n, v.to_vec(), prev)
            }
            None => (0, Vec::new(), None),
        };
        for t in triples {
            if chunk.len() >= codec::CHUNK_BYTES {
                self.put(
                    index_tree(kind),
                    codec::chunk_key(group, n),
                    std::mem::take(&mut chunk),
                );
                n = n
                    .checked_add(1)
                    .ok_or_else(|| Error::Storage("index group too large".into()))?;
                prev = None;
            }
            codec::push_entry(kind, &mut chunk, prev, t);
            prev = Some(t.fact);
        }
        self.put(index_tree(kind), codec::chunk_key(group, n), chunk);
        Ok(())
    }
}

/// Documents and entities: rows stored [`ROWS_PER_BLOCK`] to a key.
pub(super) trait Row: Serialize + Sized {
    fn id(&self) -> u64;
    fn read(storage: &Storage, block: u64) -> Result<Vec<Self>>;
    fn blocks<'w>(w: &'w mut Writer<'_>) -> &'w mut BTreeMap<u64, (bool, Vec<Self>)>;
}

impl Row for Document {
    fn id(&self) -> u64 {
        self.id
    }
    fn read(storage: &Storage, block: u64) -> Result<Vec<Self>> {
        storage.doc_block(block)
    }
    fn blocks<'w>(w: &'w mut Writer<'_>) -> &'w mut BTreeMap<u64, (bool, Vec<Self>)> {
        &mut w.doc_blocks
    }
}

impl Row for Entity {
    fn id(&self) -> u64 {
        self.id
    }
    fn read(storage: &Storage, block: u64) -> Result<Vec<Self>> {
        storage.entity_block(block)
    }
    fn blocks<'w>(w: &'w mut Writer<'_>) -> &'w mut BTreeMap<u64, (bool, Vec<Self>)> {
        &mut w.entity_blocks
    }
}

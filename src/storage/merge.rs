//! Applying the fact-merge rules of the domain (`model`: `times_agree`,
//! `add_sources`, `add_alias`) in the write path: finding the stored fact
//! with the same identity (subject, relation, polarity, object) and a time
//! that agrees, which then gains the new sources (corroboration) instead of
//! a second fact being written; and the identity cache that keeps those
//! lookups off disk.

use super::*;

/// Fact identities of the index groups already read, kept between writes so
/// that a bulk import reads the groups of popular entities once, not once per
/// batch. A writer takes it out under the writer lock and puts it back only
/// after its transaction committed, so it never names an uncommitted fact.
#[derive(Default)]
pub(super) struct IdentCache {
    /// (subject, relation, negative, object) → fact.
    pub(super) known: FxHashMap<(EntityId, RelId, bool, ObjKey), FactId>,
    /// Further facts with the same identity as one in `known`, told apart by
    /// their times (two meetings a year apart are two facts).
    pub(super) more: FxHashMap<(EntityId, RelId, bool, ObjKey), Vec<FactId>>,
    /// Groups whose stored facts are all in `known`: `spo` subjects, `osp` objects.
    pub(super) loaded: FxHashSet<(IndexKind, Vec<u8>)>,
    /// The time qualifier of facts created or read by earlier writes, so that
    /// telling occasions apart does not decode their blocks again.
    pub(super) times: FxHashMap<FactId, Option<String>>,
    /// The generation before `times`, kept like `old_known`: at 10M facts,
    /// clearing all times once they filled the bound made every batch read
    /// the blocks of the popular facts it corroborates again (a tenth of
    /// the import's time went to those reads).
    pub(super) old_times: FxHashMap<FactId, Option<String>>,
    /// The generation before `known` and `more`: an identity looked up again
    /// moves back to them, the rest are dropped at the next rotation. So the
    /// identities that recur (those of popular entities, which most
    /// corroborations name) stay cached however large the store grows,
    /// within a bound.
    pub(super) old_known: FxHashMap<(EntityId, RelId, bool, ObjKey), FactId>,
    pub(super) old_more: FxHashMap<(EntityId, RelId, bool, ObjKey), Vec<FactId>>,
}

impl IdentCache {
    /// Records that fact `id` has `identity`: the first such fact in `known`,
    /// later ones (other times) in `more`. Idempotent, as groups overlap.
    pub(super) fn remember(&mut self, identity: (EntityId, RelId, bool, ObjKey), id: FactId) {
        match self.known.get(&identity) {
            None => {
                self.known.insert(identity, id);
            }
            Some(&first) if first == id => {}
            Some(&first) if id < first => {
                // Scans meet facts in any order; the oldest is the first.
                self.known.insert(identity, id);
                self.remember_more(identity, first);
            }
            Some(_) => self.remember_more(identity, id),
        }
    }

    /// Moves `identity` from the previous generation back to the current
    /// one; false when it is not there.
    pub(super) fn promote(&mut self, identity: (EntityId, RelId, bool, ObjKey)) -> bool {
        let Some(first) = self.old_known.remove(&identity) else {
            return false;
        };
        self.remember(identity, first);
        for id in self.old_more.remove(&identity).into_iter().flatten() {
            self.remember(identity, id);
        }
        true
    }

    /// Starts a new generation. Loaded groups are forgotten too: a group
    /// counts as loaded only while all its identities are current.
    pub(super) fn rotate(&mut self) {
        self.old_known = std::mem::take(&mut self.known);
        self.old_more = std::mem::take(&mut self.more);
        self.loaded.clear();
    }

    /// The cached time of fact `id` (`Some(None)`: it has none), moved to
    /// the current generation; `None` when it is not cached.
    pub(super) fn time(&mut self, id: FactId) -> Option<Option<String>> {
        if let Some(t) = self.times.get(&id) {
            return Some(t.clone());
        }
        let t = self.old_times.remove(&id)?;
        self.times.insert(id, t.clone());
        Some(t)
    }

    pub(super) fn remember_more(&mut self, identity: (EntityId, RelId, bool, ObjKey), id: FactId) {
        let more = self.more.entry(identity).or_default();
        if !more.contains(&id) {
            more.push(id);
        }
    }
}

impl Writer<'_> {
    /// The fact with this identity, stored or created by this write.
    ///
    /// Mutable level: a fact is in the `spo` group of its subject and the
    /// `osp` group of its object; loading either is enough, so the smaller
    /// one is loaded (by the stored counts). Loading always the subject's
    /// group made every batch re-read the huge groups of popular subjects:
    /// quadratic at scale.
    ///
    /// Run level: the `idents` runs map identity hashes to fact ids; a
    /// lookup reads at most one block of each run whose filter admits the
    /// hash, and each fact found is read to confirm its identity. Loading
    /// index groups instead thrashed the bounded cache at 10M facts, whose
    /// most popular entities have groups of 700k facts.
    pub(super) fn existing(
        &mut self,
        identity: (EntityId, RelId, bool, ObjKey),
    ) -> Result<Option<FactId>> {
        if let Some(id) = self.idents.known.get(&identity) {
            return Ok(Some(*id));
        }
        if self.idents.promote(identity) {
            return Ok(self.idents.known.get(&identity).copied());
        }
        self.make_room();
        let (subject, rel, negative, object) = identity;
        let by_subject = (IndexKind::Spo, Storage::subject_group(subject));
        let by_object = (IndexKind::Osp, Storage::object_group(object));
        if !self.mutable_empty
            && !self.idents.loaded.contains(&by_subject)
            && !self.idents.loaded.contains(&by_object)
        {
            let mutable = |tag, term: &[u8]| self.storage.count(&count_key(tag, term));
            let group =
                if mutable(b'o', &object.to_bytes())? < mutable(b's', &codec::u64_key(subject))? {
                    by_object
                } else {
                    by_subject
                };
            for t in self.storage.scan_mutable(group.0, group.1.clone()) {
                let t = t?;
                let found = (t.subject, t.relation, t.negative, t.object);
                // Whole: with what the previous generation knew of it.
                self.idents.promote(found);
                self.idents.remember(found, t.fact);
            }
            self.idents.loaded.insert(group);
        }
        // The run level: the facts whose identity hash matches, each checked.
        let h = bulk::identity_hash(subject, rel, negative, object);
        let mut candidates = Vec::new();
        self.storage.run_ident_candidates(h, &mut candidates)?;
        for id in candidates {
            let Some(f) = self.old_fact(id)? else {
                return Err(Error::Corrupt {
                    path: self.storage.path.clone(),
                    detail: format!("fact {id} of the identity index is missing"),
                });
            };
            let same = f.subject == subject
                && f.relation == rel
                && (f.polarity == Polarity::Negative) == negative
                && match &f.object {
                    Object::Entity(e) => object == ObjKey::Entity(*e),
                    Object::Literal(lit) => {
                        matches!(object, ObjKey::Literal(_)) && Storage::literal_key(lit)? == object
                    }
                };
            if same {
                self.idents.remember(identity, id);
            }
        }
        Ok(self.idents.known.get(&identity).copied())
    }

    /// Keeps the identity cache within its bound during a write: past half
    /// of it, a new generation starts (see [`IdentCache::old_known`]) that
    /// begins with this write's own facts (they are not in any index yet).
    pub(super) fn make_room(&mut self) {
        if self.idents.known.len() <= self.storage.ident_limit / 2 {
            return;
        }
        self.idents.rotate();
        for &(identity, id) in &self.fresh {
            // With the stored facts of the same identity (other times).
            self.idents.promote(identity);
            self.idents.remember(identity, id);
        }
    }

    /// The fact a reading with these qualifiers corroborates, if any: among the
    /// facts of this identity, one whose time agrees with the reading's (one is
    /// a prefix of the other: `2023-03` and `2023-03-02`), else one without a
    /// time. A reading without a time corroborates the first fact. `None`
    /// means a new fact: the same people meeting again at another time.
    pub(super) fn existing_at(
        &mut self,
        identity: (EntityId, RelId, bool, ObjKey),
        qualifiers: &Qualifiers,
    ) -> Result<Option<FactId>> {
        let Some(first) = self.existing(identity)? else {
            return Ok(None);
        };
        let Some(time) = qualifiers.get(TIME) else {
            return Ok(Some(first));
        };
        let mut candidates = vec![first];
        candidates.extend(self.idents.more.get(&identity).into_iter().flatten());
        let mut untimed = None;
        for id in candidates {
            match self.fact_time(id)? {
                Some(t) if times_agree(&t, time) => return Ok(Some(id)),
                Some(_) => {}
                None => {
                    untimed.get_or_insert(id);
                }
            }
        }
        Ok(untimed)
    }

    /// The time qualifier of fact `id` as stored or as staged by this write.
    pub(super) fn fact_time(&mut self, id: FactId) -> Result<Option<String>> {
        if let Some(t) = self.idents.time(id) {
            return Ok(t);
        }
        let t = self.read_fact_time(id)?;
        self.idents.times.insert(id, t.clone());
        Ok(t)
    }

    pub(super) fn read_fact_time(&mut self, id: FactId) -> Result<Option<String>> {
        let pos = (id % FACTS_PER_BLOCK) as usize;
        let in_block = match self.blocks.get(&(id / FACTS_PER_BLOCK)) {
            Some(block) => block.get(pos).map(|f| f.qualifiers.get(TIME).cloned()),
            None => self.old_fact(id)?.map(|f| f.qualifiers.get(TIME).cloned()),
        };
        if let Some(Some(t)) = in_block {
            return Ok(Some(t));
        }
        if let Some(extra) = self.extras.get(&id) {
            return Ok(extra.qualifiers.get(TIME).cloned());
        }
        Ok(self
            .storage
            .extra(id)?
            .and_then(|e| e.qualifiers.get(TIME).cloned()))
    }

    /// Adds a reading to fact `id`; returns how many sources it gained. A fact
    /// created by this write is changed in its block; an older one gains an
    /// extra record, so that its block is not rewritten.
    pub(super) fn corroborate(
        &mut self,
        id: FactId,
        sources: Vec<Source>,
        qualifiers: Qualifiers,
        confidence: f32,
    ) -> Result<u64> {
        if let Some(t) = qualifiers.get(TIME)
            && self.idents.time(id) == Some(None)
        {
            // The fact had no time: it takes the first one a reading brings.
            self.idents.times.insert(id, Some(t.clone()));
        }
        let block = id / FACTS_PER_BLOCK;
        let pos = (id % FACTS_PER_BLOCK) as usize;
        let missing = || Error::Corrupt {
            path: self.storage.path.clone(),
            detail: format!("index names fact {id}, which is missing"),
        };
        if id >= self.first_new_fact {
            self.load_block(block)?;
            let fact = self
                .blocks
                .get_mut(&block)
                .and_then(|b| b.get_mut(pos))
                .ok_or_else(missing)?;
            for (k, v) in qualifiers {
                fact.qualifiers.entry(k).or_insert(v);
            }
            return Ok(add_sources(
                &[],
                &mut fact.sources,
                &mut fact.confidence,
                sources,
                confidence,
            ));
        }
        let (base_confidence, base_sources, base_qualifiers) = {
            let base = match self.blocks.get(&block) {
                Some(b) => b.get(pos),
                None => self.old_fact(id)?,
            }
            .ok_or_else(missing)?;
            (
                base.confidence,
                base.sources.clone(),
                base.qualifiers.keys().cloned().collect::<Vec<String>>(),
            )
        };
        let extra = match self.extras.entry(id) {
            std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::btree_map::Entry::Vacant(e) => {
                let stored = self.storage.extra(id)?.unwrap_or_else(|| FactExtra {
                    confidence: base_confidence,
                    ..FactExtra::default()
                });
                e.insert(stored)
            }
        };
        for (k, v) in qualifiers {
            if !base_qualifiers.contains(&k) {
                extra.qualifiers.entry(k).or_insert(v);
            }
        }
        Ok(add_sources(
            &base_sources,
            &mut extra.sources,
            &mut extra.confidence,
            sources,
            confidence,
        ))
    }

    /// Moves the source's sentence to the `sentences` tree (stored once per
    /// document and start, however many facts and sources cite it), leaving
    /// it empty in the source. A different sentence already stored under the
    /// same start (inconsistent input) stays inline in the source.
    pub(super) fn share_sentence(&mut self, source: &mut Source) -> Result<()> {
        let group = match self.sentences.entry(source.doc) {
            std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::btree_map::Entry::Vacant(e) => {
                let stored = self.storage.sentences_of(source.doc)?;
                e.insert((false, stored.unwrap_or_default()))
            }
        };
        match group.1.binary_search_by_key(&source.span.0, |(s, _)| *s) {
            Ok(i) => {
                if group.1.get(i).map(|(_, t)| t == &source.sentence) == Some(true) {
                    source.sentence.clear();
                }
            }
            Err(i) => {
                let text = std::mem::take(&mut source.sentence);
                group.1.insert(i, (source.span.0, text));
                group.0 = true;
            }
        }
        Ok(())
    }
}

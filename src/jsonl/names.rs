//! How the JSONL importer (and the RDF import through it) resolves the
//! names its lines give: entities this import created, stored ones that
//! are the same, aliases.

use super::*;

/// Whether a stored entity of kind `have` can be the one a line of kind
/// `want` names: `other` (unknown) fits any kind.
fn kind_fits(want: Option<EntityKind>, have: EntityKind) -> bool {
    match want {
        None | Some(EntityKind::Other) => true,
        Some(k) => have == k || have == EntityKind::Other,
    }
}

impl Importer<'_> {
    /// Records that staged entity `i` goes by `key`. The first entity an
    /// import creates under a name is what the name means to the rest of
    /// the import, so a stored entity remembered for it no longer counts.
    pub(super) fn claim_name(&mut self, key: String, i: usize, checked: bool) {
        if key.is_empty() {
            return;
        }
        self.forget_stored_match(&key);
        self.staged_names.entry(key).or_insert((i, checked));
    }

    /// Forgets the stored entity remembered for `key`: a name the import
    /// now gives an entity of its own, or that may have become ambiguous.
    pub(super) fn forget_stored_match(&mut self, key: &str) {
        self.names
            .forget_if(key, |n| matches!(n, Named::Stored(..)));
    }

    /// The entity `key` means in this import: the first entity the import
    /// created under that name or alias; else the one stored entity of that
    /// name, if its kind fits `kind`; else none.
    pub(super) fn resolve_name(
        &mut self,
        key: &str,
        kind: Option<EntityKind>,
    ) -> Result<Option<Ref>> {
        match self.names.get(key) {
            Some(Named::Created(id)) => return Ok(Some(Ref::Existing(id))),
            Some(Named::Stored(id, have)) if kind_fits(kind, have) => {
                return Ok(Some(Ref::Existing(id)));
            }
            _ => {}
        }
        let staged = self.staged_names.get(key).copied();
        if let Some((i, true)) = staged {
            return Ok(Some(Ref::New(i)));
        }
        let ids = self.storage.lookup_name(key)?;
        let created = ids.iter().copied().filter(|&id| self.created.contains(id));
        if let Some(id) = created.min() {
            self.names.insert(key.to_string(), Named::Created(id));
            return Ok(Some(Ref::Existing(id)));
        }
        if let Some((i, _)) = staged {
            // Earlier batches created none: the staged one is the first.
            self.staged_names.insert(key.to_string(), (i, true));
            return Ok(Some(Ref::New(i)));
        }
        self.stored_match(key, &ids, kind)
    }

    /// The one stored entity in `ids` (those named `key`), if its kind fits.
    pub(super) fn stored_match(
        &mut self,
        key: &str,
        ids: &[EntityId],
        kind: Option<EntityKind>,
    ) -> Result<Option<Ref>> {
        let [id] = ids[..] else {
            return Ok(None);
        };
        if self.created.contains(id) || self.staged_names.contains_key(key) {
            return Ok(None);
        }
        let Some(e) = self.storage.entity(id)? else {
            return Ok(None);
        };
        self.names
            .insert(key.to_string(), Named::Stored(id, e.kind));
        Ok(kind_fits(kind, e.kind).then_some(Ref::Existing(id)))
    }

    /// An entity declared by a line (JSONL) or a node (RDF), registered under
    /// `file_id` when it has one.
    pub(crate) fn entity(
        &mut self,
        file_id: Option<u64>,
        name: String,
        kind: EntityKind,
        aliases: Vec<String>,
        how: Match,
    ) -> Result<Ref> {
        let key = normalize_name(&name);
        if key.is_empty() {
            return Err(Error::bad_input(
                "entity",
                "the name has no letters or digits; give the entity's name",
            ));
        }
        let found = match how {
            Match::Same => self.same_stored(&key, &name, kind, &aliases)?,
            Match::Any => self.resolve_name(&key, Some(kind))?,
            Match::Stored => {
                let ids = self.storage.lookup_name(&key)?;
                self.stored_match(&key, &ids, Some(kind))?
            }
        };
        let r = match found {
            Some(r) => {
                self.add_aliases(r, std::iter::once(name).chain(aliases));
                r
            }
            None => self.new_entity(name, key, kind, aliases, false),
        };
        if let Some(id) = file_id {
            self.entities.insert(id, r);
        }
        self.flush_if_full()?;
        Ok(r)
    }

    /// The stored entity an exported one is, if any (see [`Match::Same`]).
    pub(super) fn same_stored(
        &mut self,
        key: &str,
        name: &str,
        kind: EntityKind,
        aliases: &[String],
    ) -> Result<Option<Ref>> {
        if self.first_own_entity == 0 {
            return Ok(None);
        }
        let mut ids = self.storage.lookup_name(key)?;
        ids.sort_unstable();
        for id in ids {
            if id >= self.first_own_entity || self.reused.contains(&id) {
                continue;
            }
            if let Some(e) = self.storage.entity(id)?
                && e.name == name
                && e.kind == kind
                && e.aliases == aliases
            {
                self.reused.insert(id);
                return Ok(Some(Ref::Existing(id)));
            }
        }
        Ok(None)
    }

    pub(super) fn add_aliases(&mut self, r: Ref, names: impl Iterator<Item = String>) {
        for a in names {
            let key = normalize_name(&a);
            if key.is_empty() {
                continue;
            }
            match r {
                // The storage skips names the entity already has.
                Ref::Existing(id) => {
                    self.forget_stored_match(&key);
                    self.set.aliases.push((id, a));
                }
                Ref::New(i) => {
                    if let Some(e) = self.set.entities.get_mut(i)
                        && e.name != a
                        && !e.aliases.contains(&a)
                    {
                        e.aliases.push(a);
                        self.claim_name(key, i, false);
                    }
                }
            }
        }
    }

    pub(super) fn entity_by_name(
        &mut self,
        name: &str,
        id: Option<u64>,
        kind: Option<EntityKind>,
    ) -> Result<Ref> {
        if let Some(r) = id.and_then(|id| self.entities.get(id)) {
            return Ok(r);
        }
        let key = normalize_name(name);
        if let Some(r) = self.resolve_name(&key, None)? {
            return Ok(r);
        }
        Ok(self.new_entity(
            name.to_string(),
            key,
            kind.unwrap_or(EntityKind::Other),
            Vec::new(),
            true,
        ))
    }

    /// A document declared by a line (JSONL) or a node (RDF), under `file_id`.
    pub(crate) fn document(&mut self, file_id: u64, d: Document) -> Result<()> {
        let r = Ref::New(self.set.docs.len());
        let hash = if d.hash.is_empty() {
            blake3::hash(d.origin.as_bytes()).to_hex().to_string()
        } else {
            d.hash
        };
        self.set.docs.push(Document { hash, ..d });
        self.docs.insert(file_id, r);
        self.flush_if_full()
    }
}

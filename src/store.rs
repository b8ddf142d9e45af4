//! [`Store`]: the public face of lore for every front end and for embedding.
//!
//! A `Store` owns the storage and wires the pipeline together: text goes
//! through [`crate::ingest`] into [`crate::storage`]. This file imports
//! nothing above it: the query engine, the views and the formats add their
//! methods to `Store` in their own modules (`Store::query` in `query`,
//! `Store::export_jsonl` in `jsonl`, `Store::neighbourhood` in `graph`,
//! ...), so dependencies point one way while embedders still call
//! `store.query(...)`. Front ends (CLI, REPL, scripts) use only this type.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::ingest::{self, Article, ArticleFact, EntityLookup, ExtractedObject, Resolution};
use crate::model::{Document, Entity, EntityId, Fact, Stats, normalize_name};
/// Options of [`Store::open_with`], and what `lore check` reports: storage
/// types the facade passes through, so that no user of the store names
/// `storage`.
pub use crate::storage::{BackupSummary, CheckReport, OpenOptions};
use crate::storage::{
    FactDraft, IndexKind, NewEntity, ObjKey, ObjectDraft, Ref, SourceDraft, Storage, WriteSet,
};

mod article;
pub use article::decode_article;
use article::{check_article, too_large};

/// Largest article lore ingests, in bytes; larger input is refused with a message.
pub const MAX_ARTICLE_BYTES: usize = 64 << 20;

/// How article bytes are turned into text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Encoding {
    /// Strict UTF-8: anything else is refused with a message (the default).
    #[default]
    Utf8,
    /// UTF-8 when valid, otherwise Windows-1252 (the usual "Latin-1" of web pages).
    Auto,
    /// Windows-1252 / Latin-1 always.
    Latin1,
}

/// How [`Store::ingest_bytes_with`] and [`Store::ingest_file_with`] work.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IngestOptions {
    /// How the bytes become text.
    pub encoding: Encoding,
    /// Leave the flush to the caller: the article is still stored atomically,
    /// but it is durable only after [`Store::flush`]. Ingesting many articles
    /// this way and flushing once before reporting success is several times
    /// faster than a flush per article (one flush costs about as much as
    /// extracting a short article).
    pub defer_flush: bool,
    /// Which extractor reads the facts.
    pub extractor: ingest::Extractor,
}

/// The result of ingesting one article.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IngestOutcome {
    /// The article was new and is now stored.
    Added {
        /// Its document id.
        doc: u64,
        /// Entities created.
        new_entities: u64,
        /// Facts created.
        new_facts: u64,
        /// Existing facts that gained this article as a source.
        corroborated: u64,
    },
    /// The same bytes were ingested before; nothing changed.
    Skipped {
        /// The document that already holds them.
        doc: u64,
    },
}

/// Counts reported by [`Store::import_jsonl`] and [`Store::import_with`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportSummary {
    /// Documents created.
    pub documents: u64,
    /// Entities created.
    pub entities: u64,
    /// Facts created.
    pub facts: u64,
    /// Facts merged into existing ones.
    pub corroborated: u64,
    /// Lines read.
    pub lines: u64,
    /// Bad lines skipped ([`ImportOptions::keep_going`]); each was reported.
    pub skipped: u64,
    /// Well-formed N-Triples lore has no place for (an `owl:sameAs`, an
    /// `rdfs:comment`); always 0 for JSONL.
    pub ignored: u64,
}

/// The formats `lore import` reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ImportFormat {
    /// JSON lines: `lore export`'s schema, or other extractors' minimal facts.
    #[default]
    Jsonl,
    /// RDF 1.1 N-Triples, such as `lore export --format ntriples` writes.
    Ntriples,
}

impl ImportFormat {
    /// The format a file name says: `.nt` is N-Triples, anything else JSONL.
    pub fn from_path(path: &Path) -> ImportFormat {
        match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("nt") => ImportFormat::Ntriples,
            _ => ImportFormat::Jsonl,
        }
    }
}

/// How [`Store::import_with`] treats bad lines.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// Skip bad lines (each one is passed to the caller's error callback)
    /// instead of stopping at the first; [`ImportSummary::skipped`] counts them.
    pub keep_going: bool,
}

/// An open lore store.
///
/// ```
/// let dir = tempfile::tempdir()?;
/// let store = lore::Store::open(dir.path().join("news.db"))?;
/// store.ingest_text("Talks\n\nAnn Lee met Bob Stone in Paris.", "example")?;
/// assert_eq!(store.stats()?.documents, 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Store {
    storage: Storage,
}

impl Store {
    /// Opens the store at `path`, creating it when the directory does not exist.
    ///
    /// Fails with [`Error::StoreLocked`] when another process has it open,
    /// [`Error::NotAStore`] when the path is a file or a foreign directory,
    /// and [`Error::FormatVersion`] when another lore format wrote it.
    pub fn open(path: impl AsRef<Path>) -> Result<Store> {
        Store::open_with(path, &OpenOptions::default())
    }

    /// Opens with explicit options: the cache size, and
    /// [`OpenOptions::reader`] for a process that only reads, so that it
    /// leaves the store's files as it found them.
    pub fn open_with(path: impl AsRef<Path>, opts: &OpenOptions) -> Result<Store> {
        Ok(Store {
            storage: Storage::open(path.as_ref(), opts)?,
        })
    }

    /// Verifies every index entry against its fact, every fact against the
    /// three indexes, and the counts and sources, reporting every problem
    /// found (`lore check`). Reads only.
    pub fn check(&self) -> Result<CheckReport> {
        self.storage.check()
    }

    /// The store directory.
    pub fn path(&self) -> &Path {
        self.storage.path()
    }

    /// The storage layer, for the query engine, the formats and integrity
    /// checks inside the crate.
    pub(crate) fn storage(&self) -> &Storage {
        &self.storage
    }

    /// Ingests raw article bytes: refuses empty, binary, non-UTF-8 and oversized input.
    pub fn ingest_bytes(&self, bytes: &[u8], origin: &str) -> Result<IngestOutcome> {
        self.ingest_bytes_as(bytes, origin, Encoding::Utf8)
    }

    /// Ingests raw article bytes decoded as `encoding` (see [`Encoding`]).
    pub fn ingest_bytes_as(
        &self,
        bytes: &[u8],
        origin: &str,
        encoding: Encoding,
    ) -> Result<IngestOutcome> {
        let opts = IngestOptions {
            encoding,
            ..IngestOptions::default()
        };
        self.ingest_bytes_with(bytes, origin, &opts)
    }

    /// Ingests raw article bytes as `opts` says.
    pub fn ingest_bytes_with(
        &self,
        bytes: &[u8],
        origin: &str,
        opts: &IngestOptions,
    ) -> Result<IngestOutcome> {
        let text = decode_article(bytes, origin, opts.encoding)?;
        self.ingest_checked(&text, origin, opts)
    }

    /// Ingests one article atomically: afterwards it is stored completely, or
    /// (on error or crash) not at all. The same text again is skipped.
    ///
    /// ```
    /// use lore::{IngestOutcome, Store};
    /// let dir = tempfile::tempdir()?;
    /// let store = Store::open(dir.path().join("db"))?;
    /// let text = "Talks\n\nAnn Lee met Bob Stone in Paris.";
    /// assert!(matches!(store.ingest_text(text, "a.txt")?, IngestOutcome::Added { .. }));
    /// assert!(matches!(store.ingest_text(text, "a.txt")?, IngestOutcome::Skipped { .. }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn ingest_text(&self, text: &str, origin: &str) -> Result<IngestOutcome> {
        self.ingest_checked(text, origin, &IngestOptions::default())
    }

    fn ingest_checked(
        &self,
        text: &str,
        origin: &str,
        opts: &IngestOptions,
    ) -> Result<IngestOutcome> {
        check_article(text.as_bytes(), origin)?;
        // Known text is skipped before the (costly) extraction.
        if let Some(doc) = self.storage.document_by_hash(&ingest::text_hash(text))? {
            return Ok(IngestOutcome::Skipped { doc });
        }
        let article = ingest::read_article_with(text, origin, opts.extractor);
        self.store_article(article, opts.defer_flush)
    }

    /// Stores one article read by [`ingest::read_article`] (here, or by
    /// `lore extract` elsewhere and read back by `lore import`): resolves its
    /// entities against the store and writes everything in one atomic
    /// batch. An article whose hash is stored already is skipped.
    pub fn store_article(&self, article: Article, defer_flush: bool) -> Result<IngestOutcome> {
        let hash = article.document.hash.clone();
        if let Some(doc) = self.storage.document_by_hash(&hash)? {
            return Ok(IngestOutcome::Skipped { doc });
        }
        let resolutions = ingest::resolve(&article.entities, self)?;
        let mut set = WriteSet {
            docs: vec![Document {
                id: 0,
                ..article.document
            }],
            skip_if_known: true,
            defer_flush,
            ..WriteSet::default()
        };
        let mut refs = Vec::with_capacity(article.entities.len());
        for (e, r) in article.entities.iter().zip(resolutions) {
            match r {
                Resolution::Existing(id, aliases) => {
                    set.aliases.extend(aliases.into_iter().map(|a| (id, a)));
                    refs.push(Ref::Existing(id));
                }
                Resolution::New => {
                    refs.push(Ref::New(set.entities.len()));
                    set.entities.push(NewEntity {
                        name: e.name.clone(),
                        kind: e.kind,
                        aliases: e.aliases.clone(),
                    });
                }
            }
        }
        let entity_ref = |i: usize| {
            refs.get(i)
                .copied()
                .ok_or_else(|| Error::Storage(format!("extractor named entity {i}, not found")))
        };
        for ArticleFact {
            fact: f, sentence, ..
        } in article.facts
        {
            let mut subject = entity_ref(f.subject)?;
            let object = match f.object {
                ExtractedObject::Entity(i) => {
                    let mut o = entity_ref(i)?;
                    if o == subject {
                        // Two names of the article turned out to be one stored entity.
                        continue;
                    }
                    // A symmetric fact is stored one way round in every article: lower
                    // id first (stored entities before new ones, new ones in id order).
                    if ingest::is_symmetric(&f.relation) && ref_order(o) < ref_order(subject) {
                        std::mem::swap(&mut o, &mut subject);
                    }
                    ObjectDraft::Entity(o)
                }
                ExtractedObject::Literal(l) => ObjectDraft::Literal(l),
            };
            set.facts.push(FactDraft {
                subject,
                relation: f.relation,
                relation_text: f.relation_text,
                object,
                qualifiers: f.qualifiers,
                polarity: f.polarity,
                confidence: f.confidence,
                sources: vec![SourceDraft {
                    doc: Ref::New(0),
                    sentence,
                    span: (f.span.0 as u64, f.span.1 as u64),
                }],
            });
        }
        let out = self.storage.write(set)?;
        if out.skipped {
            // Another writer stored the same text between the check above and the write.
            let doc = self.storage.document_by_hash(&hash)?;
            return Ok(IngestOutcome::Skipped {
                doc: doc.unwrap_or_default(),
            });
        }
        Ok(IngestOutcome::Added {
            doc: out.doc_ids.first().copied().unwrap_or_default(),
            new_entities: out.entity_ids.len() as u64,
            new_facts: out.new_facts,
            corroborated: out.corroborated,
        })
    }

    /// Ingests one file (see [`Store::ingest_bytes`]); errors name the file.
    pub fn ingest_file(&self, path: &Path) -> Result<IngestOutcome> {
        self.ingest_file_as(path, Encoding::Utf8)
    }

    /// Ingests one file decoded as `encoding`.
    pub fn ingest_file_as(&self, path: &Path, encoding: Encoding) -> Result<IngestOutcome> {
        let opts = IngestOptions {
            encoding,
            ..IngestOptions::default()
        };
        self.ingest_file_with(path, &opts)
    }

    /// Ingests one file as `opts` says; errors name the file.
    ///
    /// Many files with one flush, Latin-1 accepted:
    ///
    /// ```
    /// use lore::{Encoding, IngestOptions, Store};
    /// let dir = tempfile::tempdir()?;
    /// let store = Store::open(dir.path().join("db"))?;
    /// let opts = IngestOptions { encoding: Encoding::Auto, defer_flush: true, ..Default::default() };
    /// for (i, text) in [&b"Talks\n\nAnn Lee met Bob Stone."[..], b"Caf\xe9\n\nAnn Lee visited Paris."].iter().enumerate() {
    ///     let path = dir.path().join(format!("{i}.txt"));
    ///     std::fs::write(&path, text)?;
    ///     store.ingest_file_with(&path, &opts)?;
    /// }
    /// store.flush()?; // durable from here on
    /// assert_eq!(store.stats()?.documents, 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn ingest_file_with(&self, path: &Path, opts: &IngestOptions) -> Result<IngestOutcome> {
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
        if meta.len() > MAX_ARTICLE_BYTES as u64 {
            return Err(too_large(&path.display().to_string(), meta.len()));
        }
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        self.ingest_bytes_with(&bytes, &path.display().to_string(), opts)
    }

    /// An entity by id.
    pub fn entity(&self, id: u64) -> Result<Option<Entity>> {
        self.storage.entity(id)
    }

    /// Entities known under `name` (any alias, case-insensitive).
    ///
    /// ```
    /// let dir = tempfile::tempdir()?;
    /// let store = lore::Store::open(dir.path().join("db"))?;
    /// store.ingest_text("Talks\n\nAnn Lee met Bob Stone in Paris. Lee left.", "a.txt")?;
    /// for e in store.entities_named("LEE")? {
    ///     println!("{} ({:?}), also {:?}", e.name, e.kind, e.aliases);
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn entities_named(&self, name: &str) -> Result<Vec<Entity>> {
        self.by_name(&normalize_name(name))
    }

    /// A fact by id.
    pub fn fact(&self, id: u64) -> Result<Option<Fact>> {
        self.storage.fact(id)
    }

    /// A document by id.
    pub fn document(&self, id: u64) -> Result<Option<Document>> {
        self.storage.document(id)
    }

    /// Every entity, in id order.
    ///
    /// ```
    /// let dir = tempfile::tempdir()?;
    /// let store = lore::Store::open(dir.path().join("db"))?;
    /// store.ingest_text("Talks\n\nAnn Lee met Bob Stone in Paris.", "a.txt")?;
    /// let names: Vec<String> = store.entities().map(|e| e.map(|e| e.name)).collect::<Result<_, _>>()?;
    /// assert!(!names.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn entities(&self) -> impl Iterator<Item = Result<Entity>> + '_ {
        self.storage.entities()
    }

    /// Every fact, in id order, with its sources.
    ///
    /// ```
    /// let dir = tempfile::tempdir()?;
    /// let store = lore::Store::open(dir.path().join("db"))?;
    /// store.ingest_text("Talks\n\nAnn Lee met Bob Stone in Paris.", "a.txt")?;
    /// for fact in store.facts() {
    ///     let fact = fact?;
    ///     let subject = store.entity(fact.subject)?.map(|e| e.name);
    ///     println!("{subject:?} {} ({} sources)", fact.relation, fact.sources.len());
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn facts(&self) -> impl Iterator<Item = Result<Fact>> + '_ {
        self.storage.facts()
    }

    /// Every document, in id order.
    pub fn documents(&self) -> impl Iterator<Item = Result<Document>> + '_ {
        self.storage.documents()
    }

    /// Normalized relation names with their fact counts, most used first.
    pub fn relations(&self) -> Result<Vec<(String, u64)>> {
        let mut out = Vec::new();
        for (id, rec) in self.storage.relations() {
            out.push((rec.name, self.storage.count_relation(id)?));
        }
        out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Ok(out)
    }

    /// Every name and alias (as first written), for completion and "did you mean".
    pub fn all_names(&self) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for e in self.entities() {
            let e = e?;
            out.push(e.name);
            out.extend(e.aliases);
        }
        out.sort();
        out.dedup();
        Ok(out)
    }

    /// Counts of documents, entities, facts, relations, sources and bytes on disk.
    ///
    /// ```
    /// let dir = tempfile::tempdir()?;
    /// let store = lore::Store::open(dir.path().join("db"))?;
    /// let s = store.stats()?;
    /// assert_eq!((s.documents, s.facts), (0, 0));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn stats(&self) -> Result<Stats> {
        self.storage.stats()
    }

    /// Forces everything to disk. Writes flush before they return unless
    /// [`IngestOptions::defer_flush`] asked them not to; then call this before
    /// telling anyone the articles are stored.
    pub fn flush(&self) -> Result<()> {
        self.storage.flush()
    }

    /// Writes a consistent copy of the store into the new directory `dest`
    /// while the store stays in use: writers of this handle wait for the
    /// copy, readers do not. The copy opens like any store.
    ///
    /// ```
    /// use lore::Store;
    /// let dir = tempfile::tempdir()?;
    /// let store = Store::open(dir.path().join("db"))?;
    /// store.ingest_text("Talks\n\nAnn Lee met Bob Stone in Paris.", "a.txt")?;
    /// store.backup(&dir.path().join("copy"))?;
    /// let copy = Store::open(dir.path().join("copy"))?;
    /// assert_eq!(copy.stats()?.documents, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn backup(&self, dest: &Path) -> Result<BackupSummary> {
        self.storage.backup(dest)
    }
}

impl EntityLookup for Store {
    fn by_name(&self, normalized: &str) -> Result<Vec<Entity>> {
        let mut out = Vec::new();
        for id in self.storage.lookup_name(normalized)? {
            if let Some(e) = self.storage.entity(id)? {
                out.push(e);
            }
        }
        Ok(out)
    }
}

// One-entity reads for the front ends that draw or list what is known about
// an entity (`lore graph`, `lore timeline`). Kept apart from the block above
// so that the facade's core stays easy to read.
impl Store {
    /// The one entity a user means by `name`: any name or alias
    /// (case-insensitive, punctuation ignored), or `#ID` for an id.
    ///
    /// An unknown name is an [`Error::BadInput`] that suggests the closest
    /// stored name; a name shared by several entities is one that lists them
    /// with their ids, so the user can pick one with `#ID`.
    ///
    /// ```
    /// let dir = tempfile::tempdir()?;
    /// let store = lore::Store::open(dir.path().join("db"))?;
    /// store.ingest_text("Talks\n\nAnn Lee met Bob Stone in Paris.", "a.txt")?;
    /// let ann = store.resolve_entity("ann lee")?;
    /// assert_eq!(store.resolve_entity(&format!("#{}", ann.id))?, ann);
    /// assert!(store.resolve_entity("Ann Leee").unwrap_err().to_string().contains("did you mean `Ann Lee`?"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn resolve_entity(&self, name: &str) -> Result<Entity> {
        let name = name.trim();
        if let Some(id) = name.strip_prefix('#').and_then(|n| n.parse::<u64>().ok()) {
            return self.storage.entity(id)?.ok_or_else(|| {
                Error::bad_input(
                    name,
                    "no entity has this id; find ids with `lore query 'entities like \"...\";'`",
                )
            });
        }
        let key = normalize_name(name);
        if key.is_empty() {
            return Err(Error::bad_input(
                format!("`{name}`"),
                "give an entity name, e.g. a surname",
            ));
        }
        let mut found = self.by_name(&key)?;
        match found.len() {
            1 => Ok(found.remove(0)),
            0 => {
                // Only on this error path: every stored name, for "did you
                // mean", one at a time (the search keeps its best so far).
                let mut closest = crate::diag::Closest::new(&key);
                let mut best_ids = Vec::new();
                for item in self.storage.names() {
                    let (n, ids) = item?;
                    if closest.offer(&n) {
                        best_ids = ids;
                    }
                }
                let suggestion = match best_ids.first() {
                    Some(id) => self.storage.entity(*id)?.map(|e| e.name),
                    None => None,
                };
                Err(Error::bad_input(
                    format!("`{name}`"),
                    match suggestion {
                        Some(s) => format!("no entity has this name; did you mean `{s}`?"),
                        None => "no entity has this name; list names with `lore query 'entities like \"...\";'`".to_string(),
                    },
                ))
            }
            n => {
                let list: Vec<String> = found
                    .iter()
                    .map(|e| format!("{} (#{}, {})", e.name, e.id, e.kind))
                    .collect();
                Err(Error::bad_input(
                    format!("`{name}`"),
                    format!(
                        "{n} entities have this name: {}; give a fuller name or an id such as #{}",
                        list.join(", "),
                        found[0].id
                    ),
                ))
            }
        }
    }

    /// How many facts name the entity `id`, as subject or object, from the
    /// index counts (no fact is read): what "most mentioned" means when the
    /// shell lists candidates.
    ///
    /// ```
    /// let dir = tempfile::tempdir()?;
    /// let store = lore::Store::open(dir.path().join("db"))?;
    /// store.ingest_text("Talks\n\nAnn Lee met Bob Stone in Paris.", "a.txt")?;
    /// let bob = store.resolve_entity("Bob Stone")?;
    /// assert_eq!(store.fact_count(bob.id)?, store.facts_of(bob.id)?.len() as u64);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn fact_count(&self, id: EntityId) -> Result<u64> {
        Ok(self.storage.count_subject(id)? + self.storage.count_object(ObjKey::Entity(id))?)
    }

    /// Every fact with entity `id` as its subject or its object, each once, in
    /// id order, with sources.
    ///
    /// Reads only the entity's own groups of the `spo` and `osp` indexes, so
    /// the cost grows with the entity's facts, not with the store.
    ///
    /// ```
    /// let dir = tempfile::tempdir()?;
    /// let store = lore::Store::open(dir.path().join("db"))?;
    /// store.ingest_text("Talks\n\nAnn Lee met Bob Stone in Paris.", "a.txt")?;
    /// let bob = store.resolve_entity("Bob Stone")?;
    /// for fact in store.facts_of(bob.id)? {
    ///     assert!(fact.subject == bob.id || fact.object == lore::Object::Entity(bob.id));
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn facts_of(&self, id: EntityId) -> Result<Vec<Fact>> {
        let mut ids: Vec<u64> = Vec::new();
        for t in self
            .storage
            .scan(IndexKind::Spo, Storage::subject_group(id))
        {
            ids.push(t?.fact);
        }
        for t in self
            .storage
            .scan(IndexKind::Osp, Storage::object_group(ObjKey::Entity(id)))
        {
            ids.push(t?.fact);
        }
        ids.sort_unstable();
        ids.dedup();
        let mut out = Vec::with_capacity(ids.len());
        for fid in ids {
            match self.storage.fact(fid)? {
                Some(f) => out.push(f),
                None => {
                    return Err(Error::Corrupt {
                        path: self.path().to_path_buf(),
                        detail: format!("an index names fact {fid}, which is missing"),
                    });
                }
            }
        }
        Ok(out)
    }
}

/// Sort key of an entity reference: stored ids first, then new entities in creation order.
fn ref_order(r: Ref) -> (u8, u64) {
    match r {
        Ref::Existing(id) => (0, id),
        Ref::New(i) => (1, i as u64),
    }
}

/// Where the store lives when neither `--db` nor `LORE_DB` says: `./lore.db`.
pub fn default_store_path() -> PathBuf {
    PathBuf::from("lore.db")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ingest_is_idempotent() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("s")).unwrap();
        let text = "Talks\n\nToday Ann Lee met Bob Stone in Paris.";
        let first = store.ingest_text(text, "a.txt").unwrap();
        assert!(
            matches!(first, IngestOutcome::Added { new_facts: 1, .. }),
            "{first:?}"
        );
        let again = store.ingest_text(text, "copy.txt").unwrap();
        assert_eq!(again, IngestOutcome::Skipped { doc: 0 });
        assert_eq!(store.stats().unwrap().facts, 1);
        assert_eq!(store.stats().unwrap().documents, 1);
    }

    #[test]
    fn bad_article_bytes_are_refused_with_reasons() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("s")).unwrap();
        for (bytes, word) in [
            (&b""[..], "empty"),
            (&b"  \n"[..], "empty"),
            (&b"ab\0cd"[..], "binary"),
            (&b"caf\xe9"[..], "UTF-8"),
        ] {
            let err = store.ingest_bytes(bytes, "x.txt").unwrap_err();
            assert!(err.to_string().contains(word), "{err}");
            assert!(err.to_string().starts_with("x.txt"), "{err}");
            assert!(err.is_user_error());
        }
        assert_eq!(store.stats().unwrap().documents, 0);
    }

    #[test]
    fn latin1_is_refused_by_default_and_decoded_on_request() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("s")).unwrap();
        let bytes = b"Caf\xe9 talks\n\nToday Ann Lee met Bob Stone \x96 twice.";
        assert!(store.ingest_bytes(bytes, "a").is_err());
        let out = store.ingest_bytes_as(bytes, "a", Encoding::Auto).unwrap();
        assert!(matches!(out, IngestOutcome::Added { .. }));
        let doc = store.document(0).unwrap().unwrap();
        assert_eq!(doc.title, "Café talks");
        assert_eq!(article::decode_windows_1252(b"\x96\x80"), "–€");
    }

    #[test]
    fn resolve_entity_explains_unknown_and_shared_names() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("s")).unwrap();
        let jsonl = r#"{"type":"entity","id":0,"name":"Ann Lee","kind":"person","aliases":["Lee"]}
{"type":"entity","id":1,"name":"Bob Lee","kind":"person","aliases":["Lee"]}
"#;
        store
            .import_jsonl(&mut jsonl.as_bytes(), "e.jsonl", &mut |_| {})
            .unwrap();
        assert_eq!(store.resolve_entity("  ANN lee ").unwrap().id, 0);
        assert_eq!(store.resolve_entity("#1").unwrap().name, "Bob Lee");
        let shared = store.resolve_entity("Lee").unwrap_err();
        assert!(shared.is_user_error());
        let text = shared.to_string();
        assert!(
            text.contains("2 entities have this name: Ann Lee (#0, person), Bob Lee (#1, person)"),
            "{text}"
        );
        let typo = store.resolve_entity("Bob Leee").unwrap_err().to_string();
        assert!(typo.contains("did you mean `Bob Lee`?"), "{typo}");
        let none = store.resolve_entity("Zebulon").unwrap_err().to_string();
        assert!(none.contains("entities like"), "{none}");
        assert!(store.resolve_entity("#99").is_err());
        assert!(store.resolve_entity("!!").is_err());
    }

    #[test]
    fn facts_of_reads_only_the_entity_index_groups() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("s")).unwrap();
        store
            .ingest_text("One\n\nAnn Lee met Bob Stone in Paris.", "a")
            .unwrap();
        let mut other = String::from("Two\n\n");
        for i in 0..30 {
            other.push_str(&format!("Carl Moe{i} met Dan Roe{i}. "));
        }
        store.ingest_text(&other, "b").unwrap();
        let total = store.stats().unwrap().facts;
        let bob = store.resolve_entity("Bob Stone").unwrap();
        let before = store.storage().entries_read();
        let facts = store.facts_of(bob.id).unwrap();
        let read = store.storage().entries_read() - before;
        assert_eq!(facts.len(), 1, "{facts:?}");
        assert_eq!(facts[0].object, crate::model::Object::Entity(bob.id));
        assert!(
            read <= 2 && total > 10,
            "read {read} index entries of {total} facts"
        );
    }

    #[test]
    fn same_entity_in_two_articles_is_one_entity() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("s")).unwrap();
        store
            .ingest_text("One\n\nThen Ann Lee met Bob Stone.", "a")
            .unwrap();
        store
            .ingest_text("Two\n\nLater Ann Lee met Bob Stone again.", "b")
            .unwrap();
        assert_eq!(store.entities_named("ann lee").unwrap().len(), 1);
        let facts: Vec<Fact> = store.facts().map(|f| f.unwrap()).collect();
        assert_eq!(facts.len(), 1);
        assert_eq!(facts[0].sources.len(), 2);
    }
}

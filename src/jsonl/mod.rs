//! The JSONL exchange format: `lore export` writes it, `lore import` reads it.
//!
//! One JSON object per line, in three types, documents first, then
//! entities, then facts (a line may only refer to ids declared above it):
//!
//! ```text
//! {"type":"document","id":0,"title":"..","origin":"..","published":"2023-03-02","byline":null,"dateline":null,"hash":".."}
//! {"type":"entity","id":3,"name":"Sergey Lavrov","kind":"person","aliases":["Lavrov","Sergei Lavrov"]}
//! {"type":"fact","id":7,"subject":"Antony Blinken","subject_id":1,"relation":"meet","relation_text":"met with",
//!  "object":"Sergey Lavrov","object_id":3,"qualifiers":{"place":"New Delhi"},"polarity":"positive",
//!  "sources":[{"doc":0,"sentence":"..","span":[120,260]}],"confidence":0.84}
//! ```
//!
//! A literal object is `{"type":"text"|"date"|"number","value":..}`; a bare
//! string object names an entity. `subject_id`/`object_id`, the document
//! lines and `relation_text` are optional for other extractors: a fact
//! whose subject names no declared entity resolves to the one stored entity
//! of that name or creates one (of kind `other` unless `subject_kind` says),
//! and a source whose `doc` is a string names (and creates) a document by origin.
//!
//! Lines from other extractors (an LLM pipeline, spaCy) may be smaller: a
//! line without `"type"` is a fact (`{"subject":"A","relation":"met","object":"B"}`,
//! also `head`/`predicate`/`tail`, and a REBEL-style `"type"` holding the
//! relation), a line with `text` and `label` but no subject is a spaCy-style
//! entity, kinds accept spaCy and CoNLL labels (`PERSON`, `ORG`, `GPE`, ...),
//! and `sentence`/`document` give a fact its one source. Such a fact's
//! relation is normalized like an extracted one ("met with" → "meet"), so it
//! is queried the same way; lore's own export carries `relation_text` and is
//! taken as written. `docs/INTEROP.md` lists every field.
//!
//! Files: this one holds the line types, the export and reading lines;
//! `importer.rs` the batching importer (shared with the RDF import) and
//! the parse pipeline; `extract.rs` the `lore extract` lines; `refs.rs` the
//! id and name maps an import keeps.

pub mod extract;
mod importer;
mod names;
mod refs;

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::sync::mpsc::SyncSender;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Deserializer, Serialize};

use crate::error::{Error, Result};
use crate::model::{
    Document, EntityId, EntityKind, Literal, Object, Polarity, Qualifiers, normalize_name,
};
use crate::storage::{
    FactDraft, NewEntity, ObjectDraft, Ref, SourceDraft, Storage, WriteOutcome, WriteSet,
};
use crate::store::{ImportOptions, ImportSummary};
pub use importer::import;
pub(crate) use importer::{BadLines, Importer, Match};
use refs::{IdMap, IdRanges, Named, Recent};

/// Longest JSONL line accepted, in bytes.
pub const MAX_LINE_BYTES: usize = 16 << 20;

/// Rows (documents, entities, facts) per atomic import batch: bigger batches
/// cost less CPU per fact (100k: ~600 MB peak for news-like facts).
pub const IMPORT_BATCH: usize = 100_000;

/// Names (and document origins) an import remembers beyond its batch, per
/// generation: ~100 bytes each, and a forgotten one costs a store lookup.
const RECENT_NAMES: usize = 1 << 16;

#[derive(Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub(crate) enum Line {
    Document(DocLine),
    Entity(EntityLine),
    Fact(FactLine),
}

#[derive(Serialize, Deserialize)]
pub(crate) struct DocLine {
    pub(crate) id: u64,
    #[serde(default)]
    pub(crate) title: String,
    #[serde(default)]
    pub(crate) origin: String,
    #[serde(default)]
    pub(crate) published: Option<String>,
    #[serde(default)]
    pub(crate) byline: Option<String>,
    #[serde(default)]
    pub(crate) dateline: Option<String>,
    #[serde(default)]
    pub(crate) hash: String,
}

#[derive(Serialize, Deserialize)]
pub(crate) struct EntityLine {
    /// Present in exports; a line without one names an entity that may
    /// already be stored (it is then reused, not duplicated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) id: Option<u64>,
    pub(crate) name: String,
    #[serde(default = "other_kind", deserialize_with = "any_kind")]
    pub(crate) kind: EntityKind,
    #[serde(default)]
    pub(crate) aliases: Vec<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
pub(crate) enum ObjectLine {
    Name(String),
    Number(f64),
    Literal(LiteralLine),
}

/// The JSONL form of a [`Literal`]: `{"type":"date","value":"2023-03-02"}`.
#[derive(Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "lowercase")]
pub(crate) enum LiteralLine {
    Text(String),
    Number(f64),
    Date(String),
}

impl From<Literal> for LiteralLine {
    fn from(l: Literal) -> LiteralLine {
        match l {
            Literal::Text(s) => LiteralLine::Text(s),
            Literal::Number(n) => LiteralLine::Number(n),
            Literal::Date(s) => LiteralLine::Date(s),
        }
    }
}

impl From<LiteralLine> for Literal {
    fn from(l: LiteralLine) -> Literal {
        match l {
            LiteralLine::Text(s) => Literal::Text(s),
            LiteralLine::Number(n) => Literal::Number(n),
            LiteralLine::Date(s) => Literal::Date(s),
        }
    }
}

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
pub(crate) enum DocRef {
    Id(u64),
    Origin(String),
}

#[derive(Serialize, Deserialize)]
pub(crate) struct SourceLine {
    pub(crate) doc: DocRef,
    #[serde(default)]
    pub(crate) sentence: String,
    #[serde(default)]
    pub(crate) span: (u64, u64),
}

#[derive(Serialize, Deserialize)]
pub(crate) struct FactLine {
    #[serde(default)]
    pub(crate) id: Option<u64>,
    #[serde(alias = "head")]
    pub(crate) subject: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) subject_id: Option<u64>,
    #[serde(alias = "predicate")]
    pub(crate) relation: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) relation_text: Option<String>,
    #[serde(alias = "tail")]
    pub(crate) object: ObjectLine,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) object_id: Option<u64>,
    #[serde(default)]
    pub(crate) qualifiers: Qualifiers,
    #[serde(default)]
    pub(crate) polarity: Polarity,
    #[serde(default)]
    pub(crate) sources: Vec<SourceLine>,
    #[serde(default = "default_confidence")]
    pub(crate) confidence: f32,
    // Only from other extractors; never written by `lore export`.
    #[serde(
        default,
        alias = "subject_type",
        alias = "head_type",
        deserialize_with = "some_kind",
        skip_serializing_if = "Option::is_none"
    )]
    pub(crate) subject_kind: Option<EntityKind>,
    #[serde(
        default,
        alias = "object_type",
        alias = "tail_type",
        deserialize_with = "some_kind",
        skip_serializing_if = "Option::is_none"
    )]
    pub(crate) object_kind: Option<EntityKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) sentence: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) document: Option<String>,
}

fn default_confidence() -> f32 {
    0.5
}

fn other_kind() -> EntityKind {
    EntityKind::Other
}

/// The kind an extractor's label stands for: lore's own kind names, spaCy's
/// (`PERSON`, `ORG`, `GPE`, `LOC`, `FAC`, `WORK_OF_ART`, `EVENT`, `LAW`, ...)
/// and CoNLL's (`PER`, `ORG`, `LOC`, `MISC`), case-insensitively; anything
/// else is `other` (an extractor's label set is open-ended).
pub fn kind_from_label(label: &str) -> EntityKind {
    if let Some(k) = EntityKind::parse(label.trim()) {
        return k;
    }
    match label.trim().to_ascii_uppercase().as_str() {
        "PER" | "PERSON" | "PEOPLE" | "HUMAN" => EntityKind::Person,
        "ORG" | "ORGANISATION" | "COMPANY" | "CORPORATION" | "INSTITUTION" => {
            EntityKind::Organization
        }
        "GPE" | "LOC" | "LOCATION" | "FAC" | "FACILITY" | "COUNTRY" | "CITY" => EntityKind::Place,
        "WORK_OF_ART" | "WORK" | "EVENT" | "LAW" | "PRODUCT" => EntityKind::Work,
        _ => EntityKind::Other,
    }
}

pub(crate) fn any_kind<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<EntityKind, D::Error> {
    Ok(kind_from_label(&String::deserialize(d)?))
}

fn some_kind<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<EntityKind>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.map(|s| kind_from_label(&s)))
}

/// Writes every document, entity and fact as JSONL.
pub fn export(storage: &Storage, out: &mut dyn Write) -> Result<()> {
    let io = |e| Error::io("output", e);
    let mut names: HashMap<u64, String> = HashMap::new();
    for doc in storage.documents() {
        let d = doc?;
        let line = Line::Document(DocLine {
            id: d.id,
            title: d.title,
            origin: d.origin,
            published: d.published,
            byline: d.byline,
            dateline: d.dateline,
            hash: d.hash,
        });
        write_line(out, &line).map_err(io)?;
    }
    for e in storage.entities() {
        let e = e?;
        names.insert(e.id, e.name.clone());
        let line = Line::Entity(EntityLine {
            id: Some(e.id),
            name: e.name,
            kind: e.kind,
            aliases: e.aliases,
        });
        write_line(out, &line).map_err(io)?;
    }
    let name_of = |id: u64| names.get(&id).cloned().unwrap_or_else(|| format!("#{id}"));
    for f in storage.facts() {
        let f = f?;
        let (object, object_id) = match f.object {
            Object::Entity(id) => (ObjectLine::Name(name_of(id)), Some(id)),
            Object::Literal(l) => (ObjectLine::Literal(l.into()), None),
        };
        let line = Line::Fact(FactLine {
            id: Some(f.id),
            subject: name_of(f.subject),
            subject_id: Some(f.subject),
            relation: f.relation,
            relation_text: Some(f.relation_text),
            object,
            object_id,
            qualifiers: f.qualifiers,
            polarity: f.polarity,
            sources: f
                .sources
                .into_iter()
                .map(|s| SourceLine {
                    doc: DocRef::Id(s.doc),
                    sentence: s.sentence,
                    span: s.span,
                })
                .collect(),
            confidence: f.confidence,
            subject_kind: None,
            object_kind: None,
            sentence: None,
            document: None,
        });
        write_line(out, &line).map_err(io)?;
    }
    out.flush().map_err(io)
}

fn write_line(out: &mut dyn Write, line: &Line) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, line)?;
    out.write_all(b"\n")
}

/// What [`read_line`] found.
pub(crate) enum Read {
    /// A line (without its newline) is in the buffer.
    Line,
    /// The line is longer than the limit; with `skip_rest` it was read past.
    TooLong,
    /// End of input.
    End,
}

/// Reads one line of at most [`MAX_LINE_BYTES`] (newline not counted). A
/// longer line is refused without reading it all into memory; with
/// `skip_rest` the rest of it is read and dropped in pieces, so that the
/// next call starts at the next line.
///
/// `name` and `lineno` (the number of the line being read) only name the
/// place of an I/O error.
pub(crate) fn read_line(
    input: &mut dyn BufRead,
    buf: &mut Vec<u8>,
    name: &str,
    lineno: u64,
    skip_rest: bool,
) -> Result<Read> {
    let what = || format!("{name}:{lineno}");
    buf.clear();
    let mut limited = std::io::Read::take(&mut *input, MAX_LINE_BYTES as u64 + 1);
    let n = limited
        .read_until(b'\n', buf)
        .map_err(|e| Error::io(what(), e))?;
    if n == 0 {
        return Ok(Read::End);
    }
    if buf.ends_with(b"\n") {
        buf.pop();
        if buf.ends_with(b"\r") {
            buf.pop();
        }
    }
    if buf.len() <= MAX_LINE_BYTES {
        return Ok(Read::Line);
    }
    if skip_rest {
        loop {
            buf.clear();
            let mut piece = std::io::Read::take(&mut *input, 1 << 20);
            let n = piece
                .read_until(b'\n', buf)
                .map_err(|e| Error::io(what(), e))?;
            if n == 0 || buf.ends_with(b"\n") {
                break;
            }
        }
    }
    buf.clear();
    Ok(Read::TooLong)
}

/// The message for a line over [`MAX_LINE_BYTES`].
pub(crate) fn too_long() -> String {
    format!(
        "the line is longer than {} MiB; split it into smaller facts",
        MAX_LINE_BYTES >> 20
    )
}

/// JSONL in and out of a store: defined here, not in `store.rs`, so that
/// the store does not depend on its formats.
impl crate::store::Store {
    /// Imports the output of `lore extract` (see [`extract`]): every
    /// article is stored by [`crate::Store::store_article`], as `lore ingest` would
    /// have stored it, and `on_article` sees each outcome. Articles already
    /// stored are skipped, so importing twice changes nothing. One flush at
    /// the end; on an error the articles before it stay stored.
    pub fn import_extracted(
        &self,
        input: &mut dyn BufRead,
        name: &str,
        keep_going: bool,
        on_error: &mut dyn FnMut(Error),
        on_article: &mut dyn FnMut(&crate::store::IngestOutcome),
    ) -> Result<extract::ExtractRead> {
        let read = extract::read_articles(input, name, keep_going, on_error, &mut |a| {
            on_article(&self.store_article(a, true)?);
            Ok(())
        });
        let flushed = self.flush();
        let read = read?;
        flushed?;
        Ok(read)
    }

    /// Imports facts from JSONL in the export schema (see `docs/ARCHITECTURE.md`).
    ///
    /// Writes in batches; each batch is atomic and flushed before the next.
    /// `progress` is called with the number of lines read so far.
    ///
    /// ```
    /// let dir = tempfile::tempdir()?;
    /// let store = lore::Store::open(dir.path().join("db"))?;
    /// let jsonl = r#"{"type":"entity","id":0,"name":"Ann Lee","kind":"person","aliases":["Lee"]}
    /// {"type":"fact","id":0,"subject":"Ann Lee","relation":"visit","object":{"type":"text","value":"the museum"},"qualifiers":{},"polarity":"positive","sources":[],"confidence":0.5}
    /// "#;
    /// let summary = store.import_jsonl(&mut jsonl.as_bytes(), "facts.jsonl", &mut |_| {})?;
    /// assert_eq!((summary.lines, store.stats()?.facts), (2, 1));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn import_jsonl(
        &self,
        input: &mut (dyn BufRead + Send),
        name: &str,
        progress: &mut dyn FnMut(u64),
    ) -> Result<ImportSummary> {
        let opts = ImportOptions::default();
        import(self.storage(), input, name, &opts, &mut |_| {}, progress)
    }

    /// Writes the whole store as JSONL: documents, entities, then facts.
    /// Writes of this handle wait until it ends, so that the export is
    /// the store at one moment; queries do not wait for it (they too hold
    /// writes back, and readers do not wait for each other).
    ///
    /// ```
    /// let dir = tempfile::tempdir()?;
    /// let a = lore::Store::open(dir.path().join("a"))?;
    /// a.ingest_text("Talks\n\nAnn Lee met Bob Stone in Paris.", "a.txt")?;
    /// let mut jsonl = Vec::new();
    /// a.export_jsonl(&mut jsonl)?;
    /// let b = lore::Store::open(dir.path().join("b"))?;
    /// b.import_jsonl(&mut jsonl.as_slice(), "export.jsonl", &mut |_lines| {})?;
    /// assert_eq!(a.stats()?.facts, b.stats()?.facts);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn export_jsonl(&self, out: &mut dyn Write) -> Result<()> {
        let _whole_writes = self.storage().pause_writes()?;
        export(self.storage(), out)
    }
}

#[cfg(test)]
mod tests {
    use crate::Store;
    use crate::model::EntityKind;

    fn export(store: &Store) -> String {
        let mut out = Vec::new();
        store.export_jsonl(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn export_import_export_is_identical() {
        let dir = tempfile::tempdir().unwrap();
        let a = Store::open(dir.path().join("a")).unwrap();
        a.ingest_text("One\n\nThen Ann Lee met Bob Stone.", "a")
            .unwrap();
        a.ingest_text("Two\n\nLater Bob Stone met Ann Lee.", "b")
            .unwrap();
        let first = export(&a);
        assert!(first.lines().count() >= 5, "{first}");
        let b = Store::open(dir.path().join("b")).unwrap();
        let s = b
            .import_jsonl(&mut first.as_bytes(), "x.jsonl", &mut |_| {})
            .unwrap();
        assert_eq!(s.documents, 2);
        assert_eq!(export(&b), first);
    }

    /// Imports `input` into `s` with `batch_rows` rows per batch and `recent` names remembered.
    fn import_in_batches(
        s: &Store,
        input: &str,
        batch_rows: usize,
        recent: usize,
    ) -> crate::ImportSummary {
        let mut imp = super::Importer::with_limits(s.storage(), "f", batch_rows, recent);
        for line in input.lines() {
            imp.line(super::importer::parse_line(line).unwrap())
                .unwrap();
        }
        imp.finish().unwrap()
    }

    #[test]
    fn names_mean_the_same_entity_across_batches_whatever_is_remembered() {
        let input = r#"{"type":"entity","id":1,"name":"Carl Moe","kind":"person","aliases":["Carl"]}
{"subject":"Ann Lee","relation":"met","object":"Carl","document":"wire-1"}
{"subject":"Carl Moe","relation":"visited","object":"Rome","document":"wire-2"}
{"subject":"Dora Fox","relation":"met","object":"Eli Park","document":"wire-1"}
{"subject":"Fay Gold","relation":"met","object":"Gus Hale","document":"wire-3"}
{"type":"entity","id":2,"name":"Ann Lee","kind":"person","aliases":["Annie"]}
{"subject":"Rome","relation":"hosted","object":"Carl","document":"wire-2"}
{"subject":"Eli Park","relation":"met","object":"Ann Lee","document":"wire-1"}
{"subject":"Carl","relation":"met","object":"Dora Fox","document":"wire-3"}
"#;
        let open = |dir: &tempfile::TempDir| {
            let s = Store::open(dir.path().join("a")).unwrap();
            s.ingest_text(
                "Talks

Ann Lee met Bob Stone in Paris.",
                "a.txt",
            )
            .unwrap();
            s
        };
        let (one, many) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (a, b) = (open(&one), open(&many));
        let before = a.stats().unwrap().entities;
        let stored_ann = b.resolve_entity("Ann Lee").unwrap().id;
        let whole = import_in_batches(&a, input, 1000, 1000);
        // Two rows a batch and one name remembered: every name is looked up again.
        let split = import_in_batches(&b, input, 2, 1);
        assert_eq!(whole, split);
        assert_eq!(export(&a), export(&b));
        // Carl Moe, Rome, Dora Fox, Eli Park, Fay Gold, Gus Hale and a second
        // Ann Lee (declared with an id and an alias the stored one lacks, so
        // not the same entity: the import's own) are new.
        assert_eq!((whole.entities, whole.documents, whole.facts), (7, 3, 7));
        assert_eq!(b.stats().unwrap().entities, before + 7);
        let carl = b.resolve_entity("Carl Moe").unwrap().id;
        let facts = b.facts_of(carl).unwrap();
        assert_eq!(facts.len(), 4, "{facts:?}");
        // "Ann Lee" meant the stored one until the import declared its own.
        let ann_met_carl = facts
            .iter()
            .find(|f| f.relation == "meet" && f.subject != carl);
        assert_eq!(ann_met_carl.map(|f| f.subject), Some(stored_ann));
        let eli = b.resolve_entity("Eli Park").unwrap().id;
        let eli_met = b.facts_of(eli).unwrap();
        let later_ann = eli_met.iter().find(|f| f.subject == eli).unwrap();
        assert!(matches!(later_ann.object, crate::Object::Entity(id) if id != stored_ann));
        // Documents named by origin are found again, not counted again.
        let again = import_in_batches(
            &b,
            r#"{"subject":"Fay Gold","relation":"met","object":"Gus Hale","document":"wire-3"}"#,
            2,
            1,
        );
        assert_eq!(
            (again.documents, again.facts, again.corroborated),
            (0, 0, 1)
        );
    }

    #[test]
    fn other_extractors_may_omit_ids_and_documents() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path().join("a")).unwrap();
        let input = r#"{"type":"fact","subject":"Ann","relation":"visit","object":"Paris","sources":[{"doc":"wire-1","sentence":"Ann visited Paris.","span":[0,18]}]}
{"type":"fact","subject":"Ann","relation":"age","object":41}
{"type":"fact","subject":"Ann","relation":"born","object":{"type":"date","value":"1980-01-02"}}
"#;
        let sum = s
            .import_jsonl(&mut input.as_bytes(), "f", &mut |_| {})
            .unwrap();
        assert_eq!((sum.facts, sum.entities, sum.documents), (3, 2, 1));
    }

    fn import_keep_going(
        s: &Store,
        input: &str,
        name: &str,
    ) -> (crate::ImportSummary, Vec<String>) {
        let mut errors = Vec::new();
        let opts = crate::ImportOptions { keep_going: true };
        let sum = s
            .import_with(
                &mut input.as_bytes(),
                name,
                crate::ImportFormat::Jsonl,
                &opts,
                &mut |e| errors.push(e.to_string()),
                &mut |_| {},
            )
            .unwrap();
        (sum, errors)
    }

    #[test]
    fn minimal_lines_of_other_extractors_join_the_stored_entities() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path().join("a")).unwrap();
        s.ingest_text("Talks\n\nAnn Lee met Bob Stone in Paris.", "a.txt")
            .unwrap();
        let entities = s.stats().unwrap().entities;
        let input = r#"{"subject":"Ann Lee","relation":"met with","object":"Carl Moe","object_kind":"PERSON","sentence":"Ann Lee met with Carl Moe.","document":"llm-run-7"}
{"head":"Bob Stone","type":"visited","tail":"Rome","tail_type":"GPE"}
{"text":"Dora Fox","label":"PERSON","start_char":0,"end_char":8}
{"subject":"Dora Fox","predicate":"worked for","object":"Acme","object_type":"ORG"}
"#;
        let (sum, errors) = import_keep_going(&s, input, "llm.jsonl");
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!((sum.facts, sum.documents, sum.skipped), (3, 1, 0));
        // Ann Lee and Bob Stone were reused; Carl Moe, Rome, Dora Fox and Acme are new.
        assert_eq!(s.stats().unwrap().entities, entities + 4);
        let kind = |n: &str| s.resolve_entity(n).unwrap().kind;
        assert_eq!(kind("Carl Moe"), EntityKind::Person);
        assert_eq!(kind("Rome"), EntityKind::Place);
        assert_eq!(kind("Dora Fox"), EntityKind::Person);
        assert_eq!(kind("Acme"), EntityKind::Organization);
        // Normalized like extracted relations: `met with` is `meet`, found by `met`.
        let rows = |q: &str| s.query(q).unwrap().statements[0].rows.len();
        assert_eq!(rows("\"Ann Lee\" met ?who;"), 2);
        assert_eq!(rows("\"Bob Stone\" visit Rome;"), 1);
        assert_eq!(rows("\"Dora Fox\" \"works for\" ?x;"), 1);
        let carl = s.resolve_entity("Carl Moe").unwrap();
        let fact = s.facts_of(carl.id).unwrap().remove(0);
        assert_eq!(
            (fact.relation.as_str(), fact.relation_text.as_str()),
            ("meet", "met with")
        );
        let doc = s.document(fact.sources[0].doc).unwrap().unwrap();
        assert_eq!(doc.origin, "llm-run-7");
        assert_eq!(fact.sources[0].sentence, "Ann Lee met with Carl Moe.");
    }

    #[test]
    fn keep_going_reports_and_skips_each_bad_line_and_leaves_nothing_of_it() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path().join("a")).unwrap();
        let input = r#"{"subject":"Ann Lee","relation":"met","object":"Bob Stone"}
{"subject":"Stray One","relation":"met"}
{"subject":"Stray Two","relation":"  ","object":"Stray Three"}
[1,2]
{"type":"widget"}
{"subject":"Stray Four","relation":"r","object":"X","sources":[{"doc":7}]}
{"subject":"Ann Lee","relation":"is","object":null}

{"subject":"Ann Lee","relation":"visited","object":{"type":"date","value":"2023-03-02"}}
"#;
        // Without --keep-going the first bad line stops it, and nothing is written.
        let err = s
            .import_jsonl(&mut input.as_bytes(), "x.jsonl", &mut |_| {})
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("x.jsonl:2: a fact needs"), "{err}");
        assert!(
            err.ends_with(
                "nothing was imported (fix the line, or skip bad lines with --keep-going)"
            ),
            "{err}"
        );
        assert_eq!(s.stats().unwrap().facts, 0);
        let (sum, errors) = import_keep_going(&s, input, "x.jsonl");
        assert_eq!((sum.lines, sum.facts, sum.skipped), (9, 2, 6));
        let lines: Vec<&str> = errors
            .iter()
            .map(|e| e.split(':').nth(1).unwrap())
            .collect();
        assert_eq!(lines, ["2", "3", "4", "5", "6", "7"], "{errors:#?}");
        assert!(errors[1].contains("an empty relation"), "{}", errors[1]);
        assert!(errors[2].contains("must be a JSON object"), "{}", errors[2]);
        assert!(
            errors[3].contains("unknown \"type\" \"widget\""),
            "{}",
            errors[3]
        );
        assert!(
            errors[4].contains("document 7 is not declared"),
            "{}",
            errors[4]
        );
        assert!(
            errors[5].contains("the object null is not"),
            "{}",
            errors[5]
        );
        assert_eq!(
            s.stats().unwrap().entities,
            2,
            "no entity of a bad line is left behind"
        );
    }

    #[test]
    fn a_declared_id_names_the_entity_without_a_name() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path().join("a")).unwrap();
        let input = r#"{"type":"entity","id":7,"name":"Ann Lee","kind":"person"}
{"type":"entity","id":8,"name":"Bob Stone","kind":"person"}
{"type":"fact","subject":"","subject_id":7,"relation":"meet","relation_text":"met","object":"","object_id":8}
{"type":"fact","subject":"","subject_id":9,"relation":"meet","relation_text":"met","object":"Bob Stone"}
"#;
        let (sum, errors) = import_keep_going(&s, input, "ids.jsonl");
        assert_eq!((sum.facts, sum.skipped), (1, 1), "{errors:?}");
        assert!(
            errors[0].starts_with("ids.jsonl:4: the subject \"\" has no letters"),
            "{errors:?}"
        );
        assert_eq!(
            s.query("\"Ann Lee\" met ?x;").unwrap().statements[0]
                .rows
                .len(),
            1
        );
    }

    #[test]
    fn keep_going_reads_past_an_overlong_line() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path().join("a")).unwrap();
        let ok = r#"{"subject":"Ann","relation":"age","object":41}"#;
        let mut input = format!("{ok}\n{ok}");
        input.push_str(&" ".repeat(super::MAX_LINE_BYTES + (3 << 20)));
        input.push_str(&format!("\n{}\n", ok.replace("41", "42")));
        let (sum, errors) = import_keep_going(&s, &input, "big.jsonl");
        assert_eq!((sum.lines, sum.skipped, sum.facts), (3, 1, 2), "{errors:?}");
        assert!(
            errors[0].starts_with("big.jsonl:2: the line is longer"),
            "{errors:?}"
        );
    }

    #[test]
    fn an_overlong_line_is_refused_with_its_number() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path().join("a")).unwrap();
        let ok = r#"{"type":"fact","subject":"Ann","relation":"age","object":41}"#;
        let mut input = format!("{ok}\n{ok} ");
        input.push_str(&" ".repeat(super::MAX_LINE_BYTES));
        input.push_str("\n{ok}\n");
        let err = s
            .import_jsonl(&mut input.as_bytes(), "big.jsonl", &mut |_| {})
            .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("big.jsonl:2: the line is longer than 16 MiB"),
            "{err}"
        );
        // A line of exactly the limit (newline not counted) is read.
        let mut exact = ok.to_string();
        exact.push_str(&" ".repeat(super::MAX_LINE_BYTES - ok.len()));
        exact.push('\n');
        let sum = s
            .import_jsonl(&mut exact.as_bytes(), "exact.jsonl", &mut |_| {})
            .unwrap();
        assert_eq!(sum.lines, 1);
    }

    #[test]
    fn a_bad_line_names_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path().join("a")).unwrap();
        let input = "{\"type\":\"entity\",\"id\":1,\"name\":\"A\",\"kind\":\"person\"}\n{oops\n";
        let err = s
            .import_jsonl(&mut input.as_bytes(), "f.jsonl", &mut |_| {})
            .unwrap_err();
        assert!(err.to_string().starts_with("f.jsonl:2:"), "{err}");
        let input = "{\"type\":\"fact\",\"subject\":\"A\",\"relation\":\"r\",\"object\":\"B\",\"sources\":[{\"doc\":9}]}\n";
        let err = s
            .import_jsonl(&mut input.as_bytes(), "g", &mut |_| {})
            .unwrap_err();
        assert!(
            err.to_string().contains("document 9 is not declared"),
            "{err}"
        );
    }
}

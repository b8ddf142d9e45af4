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
//! whose subject names no declared entity creates one of kind `other`, and
//! a source whose `doc` is a string names (and creates) a document by origin.

use std::collections::HashMap;
use std::io::{BufRead, Write};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::{Document, EntityKind, Literal, Object, Polarity, Qualifiers, normalize_name};
use crate::storage::{
    FactDraft, NewEntity, ObjectDraft, Ref, SourceDraft, Storage, WriteOutcome, WriteSet,
};

/// Longest JSONL line accepted, in bytes.
pub const MAX_LINE_BYTES: usize = 16 << 20;

/// Rows (documents, entities, facts) per atomic import batch: bigger batches
/// cost less CPU per fact (100k: ~600 MB peak for news-like facts).
pub const IMPORT_BATCH: usize = 100_000;

#[derive(Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
enum Line {
    Document(DocLine),
    Entity(EntityLine),
    Fact(FactLine),
}

#[derive(Serialize, Deserialize)]
struct DocLine {
    id: u64,
    #[serde(default)]
    title: String,
    #[serde(default)]
    origin: String,
    #[serde(default)]
    published: Option<String>,
    #[serde(default)]
    byline: Option<String>,
    #[serde(default)]
    dateline: Option<String>,
    #[serde(default)]
    hash: String,
}

#[derive(Serialize, Deserialize)]
struct EntityLine {
    id: u64,
    name: String,
    kind: EntityKind,
    #[serde(default)]
    aliases: Vec<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum ObjectLine {
    Name(String),
    Number(f64),
    Literal(LiteralLine),
}

/// The JSONL form of a [`Literal`]: `{"type":"date","value":"2023-03-02"}`.
#[derive(Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "lowercase")]
enum LiteralLine {
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
enum DocRef {
    Id(u64),
    Origin(String),
}

#[derive(Serialize, Deserialize)]
struct SourceLine {
    doc: DocRef,
    #[serde(default)]
    sentence: String,
    #[serde(default)]
    span: (u64, u64),
}

#[derive(Serialize, Deserialize)]
struct FactLine {
    #[serde(default)]
    id: Option<u64>,
    subject: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    subject_id: Option<u64>,
    relation: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    relation_text: Option<String>,
    object: ObjectLine,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    object_id: Option<u64>,
    #[serde(default)]
    qualifiers: Qualifiers,
    #[serde(default)]
    polarity: Polarity,
    #[serde(default)]
    sources: Vec<SourceLine>,
    #[serde(default = "default_confidence")]
    confidence: f32,
}

fn default_confidence() -> f32 {
    0.5
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
            id: e.id,
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
        });
        write_line(out, &line).map_err(io)?;
    }
    out.flush().map_err(io)
}

fn write_line(out: &mut dyn Write, line: &Line) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, line)?;
    out.write_all(b"\n")
}

/// Reads one line of at most [`MAX_LINE_BYTES`] (newline not counted);
/// `Ok(None)` at end of input. A longer line is refused without reading it
/// all into memory.
fn read_line(input: &mut dyn BufRead, buf: &mut Vec<u8>, what: &str) -> Result<Option<()>> {
    buf.clear();
    let mut limited = std::io::Read::take(&mut *input, MAX_LINE_BYTES as u64 + 1);
    let n = limited
        .read_until(b'\n', buf)
        .map_err(|e| Error::io(what, e))?;
    if n == 0 {
        return Ok(None);
    }
    let content = buf.len() - usize::from(buf.ends_with(b"\n"));
    if content > MAX_LINE_BYTES {
        return Err(Error::bad_input(
            what,
            format!(
                "the line is longer than {} MiB; split it into smaller facts",
                MAX_LINE_BYTES >> 20
            ),
        ));
    }
    Ok(Some(()))
}

struct Importer<'a> {
    storage: &'a Storage,
    set: WriteSet,
    /// File entity id → store reference.
    entities: HashMap<u64, Ref>,
    /// Normalized name → store reference, for facts that name undeclared subjects.
    by_name: HashMap<String, Ref>,
    /// File document id → store reference.
    docs: HashMap<u64, Ref>,
    docs_by_origin: HashMap<String, Ref>,
    summary: crate::store::ImportSummary,
    t: std::time::Instant,
}

impl Importer<'_> {
    fn flush(&mut self) -> Result<()> {
        if self.set.docs.is_empty() && self.set.entities.is_empty() && self.set.facts.is_empty() {
            return Ok(());
        }
        let set = std::mem::take(&mut self.set);
        if std::env::var_os("EXP_TRACE").is_some() {
            eprintln!("parse+build {:.0} ms", self.t.elapsed().as_secs_f64() * 1e3);
        }
        let new_docs = set.docs.len();
        let out: WriteOutcome = self.storage.write_bulk(set)?;
        self.summary.documents += (new_docs as u64).min(out.doc_ids.len() as u64);
        self.summary.entities += out.entity_ids.len() as u64;
        self.summary.facts += out.new_facts;
        self.summary.corroborated += out.corroborated;
        let fix = |r: &mut Ref, ids: &[u64]| {
            if let Ref::New(i) = *r
                && let Some(id) = ids.get(i)
            {
                *r = Ref::Existing(*id);
            }
        };
        for r in self.entities.values_mut().chain(self.by_name.values_mut()) {
            fix(r, &out.entity_ids);
        }
        for r in self
            .docs
            .values_mut()
            .chain(self.docs_by_origin.values_mut())
        {
            fix(r, &out.doc_ids);
        }
        self.t = std::time::Instant::now();
        Ok(())
    }

    /// Writes the batch once it holds [`IMPORT_BATCH`] rows of any type, so that
    /// a file of a million entity lines is not one giant transaction.
    fn flush_if_full(&mut self) -> Result<()> {
        let rows = self.set.docs.len() + self.set.entities.len() + self.set.facts.len();
        if rows >= IMPORT_BATCH {
            self.flush()?;
        }
        Ok(())
    }

    fn new_entity(&mut self, name: String, kind: EntityKind, aliases: Vec<String>) -> Ref {
        let r = Ref::New(self.set.entities.len());
        self.by_name.entry(normalize_name(&name)).or_insert(r);
        self.set.entities.push(NewEntity {
            name,
            kind,
            aliases,
        });
        r
    }

    fn entity_by_name(&mut self, name: &str, id: Option<u64>) -> Result<Ref> {
        if let Some(r) = id.and_then(|id| self.entities.get(&id)) {
            return Ok(*r);
        }
        let key = normalize_name(name);
        if key.is_empty() {
            return Err(Error::bad_input("entity", "an empty entity name"));
        }
        if let Some(r) = self.by_name.get(&key) {
            return Ok(*r);
        }
        if let [id] = self.storage.lookup_name(&key)?.as_slice() {
            let r = Ref::Existing(*id);
            self.by_name.insert(key, r);
            return Ok(r);
        }
        Ok(self.new_entity(name.to_string(), EntityKind::Other, Vec::new()))
    }

    fn doc(&mut self, d: DocRef) -> Result<Ref> {
        match d {
            DocRef::Id(id) => self.docs.get(&id).copied().ok_or_else(|| {
                Error::bad_input(
                    "source",
                    format!("document {id} is not declared by a document line above"),
                )
            }),
            DocRef::Origin(origin) => {
                if let Some(r) = self.docs_by_origin.get(&origin) {
                    return Ok(*r);
                }
                let r = Ref::New(self.set.docs.len());
                self.set.docs.push(Document {
                    id: 0,
                    title: origin.clone(),
                    origin: origin.clone(),
                    published: None,
                    byline: None,
                    dateline: None,
                    hash: blake3::hash(origin.as_bytes()).to_hex().to_string(),
                });
                self.docs_by_origin.insert(origin, r);
                Ok(r)
            }
        }
    }

    fn line(&mut self, line: Line) -> Result<()> {
        match line {
            Line::Document(d) => {
                let r = Ref::New(self.set.docs.len());
                let hash = if d.hash.is_empty() {
                    blake3::hash(d.origin.as_bytes()).to_hex().to_string()
                } else {
                    d.hash
                };
                self.set.docs.push(Document {
                    id: 0,
                    title: d.title,
                    origin: d.origin,
                    published: d.published,
                    byline: d.byline,
                    dateline: d.dateline,
                    hash,
                });
                self.docs.insert(d.id, r);
                self.flush_if_full()?;
            }
            Line::Entity(e) => {
                if normalize_name(&e.name).is_empty() {
                    return Err(Error::bad_input("entity", "an empty entity name"));
                }
                let r = self.new_entity(e.name, e.kind, e.aliases);
                self.entities.insert(e.id, r);
                self.flush_if_full()?;
            }
            Line::Fact(f) => {
                let subject = self.entity_by_name(&f.subject, f.subject_id)?;
                let object = match f.object {
                    ObjectLine::Name(n) => {
                        ObjectDraft::Entity(self.entity_by_name(&n, f.object_id)?)
                    }
                    ObjectLine::Number(n) => ObjectDraft::Literal(Literal::Number(n)),
                    ObjectLine::Literal(l) => ObjectDraft::Literal(l.into()),
                };
                let relation = f.relation.trim().to_string();
                if relation.is_empty() {
                    return Err(Error::bad_input("fact", "an empty relation"));
                }
                let mut sources = Vec::with_capacity(f.sources.len());
                for s in f.sources {
                    sources.push(SourceDraft {
                        doc: self.doc(s.doc)?,
                        sentence: s.sentence,
                        span: s.span,
                    });
                }
                self.set.facts.push(FactDraft {
                    subject,
                    relation_text: f.relation_text.unwrap_or_else(|| relation.clone()),
                    relation,
                    object,
                    qualifiers: f.qualifiers,
                    polarity: f.polarity,
                    confidence: if f.confidence.is_finite() {
                        f.confidence
                    } else {
                        0.5
                    },
                    sources,
                });
                self.flush_if_full()?;
            }
        }
        Ok(())
    }
}

/// Imports JSONL from `input`; `name` is used in error messages.
pub fn import(
    storage: &Storage,
    input: &mut dyn BufRead,
    name: &str,
    progress: &mut dyn FnMut(u64),
) -> Result<crate::store::ImportSummary> {
    let mut imp = Importer {
        storage,
        set: WriteSet::default(),
        entities: HashMap::new(),
        by_name: HashMap::new(),
        docs: HashMap::new(),
        docs_by_origin: HashMap::new(),
        summary: Default::default(),
        t: std::time::Instant::now(),
    };
    let mut buf = Vec::new();
    let mut lineno = 0u64;
    while read_line(input, &mut buf, &format!("{name}:{}", lineno + 1))?.is_some() {
        lineno += 1;
        let at = |reason: String| Error::bad_input(format!("{name}:{lineno}"), reason);
        let text = std::str::from_utf8(&buf).map_err(|_| at("not valid UTF-8".into()))?;
        if text.trim().is_empty() {
            continue;
        }
        let line: Line = serde_json::from_str(text).map_err(|e| {
            at(format!(
                "{e}; each line must be a JSON object with \"type\" document, entity or fact (see `lore export`)"
            ))
        })?;
        imp.line(line).map_err(|e| match e {
            Error::BadInput { reason, .. } => at(reason),
            other => other,
        })?;
        if lineno.is_multiple_of(10_000) {
            progress(lineno);
        }
    }
    imp.flush()?;
    imp.summary.lines = lineno;
    progress(lineno);
    Ok(imp.summary)
}

#[cfg(test)]
mod tests {
    use crate::Store;

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

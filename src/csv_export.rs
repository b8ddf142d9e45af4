//! `lore export --format csv`: one table of the store for spreadsheets and
//! dataframes, with a header row and RFC 4180 quoting
//! ([`crate::output::csv_field`], the same as `lore query --format csv`).
//!
//! | table | one row per | columns |
//! |---|---|---|
//! | `facts` | fact | `id, subject, subject_id, relation, relation_text, object, object_id, object_type, polarity, confidence, time, place, duration, attribution, other_qualifiers, sources, documents` |
//! | `entities` | entity | `id, name, kind, aliases, facts` |
//! | `sources` | source of a fact | `fact, document, title, origin, sentence, start, end` |
//! | `documents` | document | `id, title, origin, published, byline, dateline, hash` |
//!
//! `object_type` is `entity`, `text`, `date` or `number`; `object_id` is
//! empty for a value. `other_qualifiers` is a JSON object of the qualifiers
//! without a column of their own (empty when there are none). `aliases` and
//! `documents` (document ids) are joined with `; `. Lines end with `\n`.

use std::collections::HashMap;
use std::io::Write;

use crate::error::{Error, Result};
use crate::model::{Literal, Object};
use crate::output::csv_field;
use crate::storage::ObjKey;
use crate::store::Store;

/// Which table `lore export --format csv` writes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CsvTable {
    /// One row per fact.
    #[default]
    Facts,
    /// One row per entity.
    Entities,
    /// One row per source of a fact: the sentence and where it is.
    Sources,
    /// One row per document.
    Documents,
}

/// Qualifiers with a column of their own in the facts table.
pub const QUALIFIER_COLUMNS: [&str; 4] = ["time", "place", "duration", "attribution"];

fn row(out: &mut dyn Write, fields: &[String]) -> Result<()> {
    let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
    writeln!(out, "{}", line.join(",")).map_err(|e| Error::io("output", e))
}

fn header(out: &mut dyn Write, names: &[&str]) -> Result<()> {
    let owned: Vec<String> = names.iter().map(|s| (*s).to_string()).collect();
    row(out, &owned)
}

/// Writes one table of the store as CSV.
pub fn export(store: &Store, out: &mut dyn Write, table: CsvTable) -> Result<()> {
    match table {
        CsvTable::Facts => facts(store, out),
        CsvTable::Entities => entities(store, out),
        CsvTable::Sources => sources(store, out),
        CsvTable::Documents => documents(store, out),
    }
}

fn facts(store: &Store, out: &mut dyn Write) -> Result<()> {
    let mut cols = vec![
        "id",
        "subject",
        "subject_id",
        "relation",
        "relation_text",
        "object",
        "object_id",
        "object_type",
        "polarity",
        "confidence",
    ];
    cols.extend(QUALIFIER_COLUMNS);
    cols.extend(["other_qualifiers", "sources", "documents"]);
    header(out, &cols)?;
    let mut names: HashMap<u64, String> = HashMap::new();
    for e in store.entities() {
        let e = e?;
        names.insert(e.id, e.name);
    }
    let name = |id: u64| names.get(&id).cloned().unwrap_or_else(|| format!("#{id}"));
    for f in store.facts() {
        let f = f?;
        let (object, object_id, object_type) = match &f.object {
            Object::Entity(id) => (name(*id), id.to_string(), "entity"),
            Object::Literal(l) => (
                l.to_string(),
                String::new(),
                match l {
                    Literal::Text(_) => "text",
                    Literal::Date(_) => "date",
                    Literal::Number(_) => "number",
                },
            ),
        };
        let mut fields = vec![
            f.id.to_string(),
            name(f.subject),
            f.subject.to_string(),
            f.relation.clone(),
            f.relation_text.clone(),
            object,
            object_id,
            object_type.to_string(),
            f.polarity.as_str().to_string(),
            f.confidence.to_string(),
        ];
        for q in QUALIFIER_COLUMNS {
            fields.push(f.qualifiers.get(q).cloned().unwrap_or_default());
        }
        let others: serde_json::Map<String, serde_json::Value> = f
            .qualifiers
            .iter()
            .filter(|(k, _)| !QUALIFIER_COLUMNS.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
            .collect();
        fields.push(if others.is_empty() {
            String::new()
        } else {
            serde_json::Value::Object(others).to_string()
        });
        fields.push(f.sources.len().to_string());
        let mut docs: Vec<u64> = f.sources.iter().map(|s| s.doc).collect();
        docs.dedup();
        fields.push(
            docs.iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join("; "),
        );
        row(out, &fields)?;
    }
    Ok(())
}

fn entities(store: &Store, out: &mut dyn Write) -> Result<()> {
    header(out, &["id", "name", "kind", "aliases", "facts"])?;
    let st = store.storage();
    for e in store.entities() {
        let e = e?;
        let facts = st.count_subject(e.id)? + st.count_object(ObjKey::Entity(e.id))?;
        row(
            out,
            &[
                e.id.to_string(),
                e.name,
                e.kind.to_string(),
                e.aliases.join("; "),
                facts.to_string(),
            ],
        )?;
    }
    Ok(())
}

fn sources(store: &Store, out: &mut dyn Write) -> Result<()> {
    header(
        out,
        &[
            "fact", "document", "title", "origin", "sentence", "start", "end",
        ],
    )?;
    let mut docs: HashMap<u64, (String, String)> = HashMap::new();
    for d in store.documents() {
        let d = d?;
        docs.insert(d.id, (d.title, d.origin));
    }
    for f in store.facts() {
        let f = f?;
        for s in f.sources {
            let (title, origin) = docs.get(&s.doc).cloned().unwrap_or_default();
            row(
                out,
                &[
                    f.id.to_string(),
                    s.doc.to_string(),
                    title,
                    origin,
                    s.sentence,
                    s.span.0.to_string(),
                    s.span.1.to_string(),
                ],
            )?;
        }
    }
    Ok(())
}

fn documents(store: &Store, out: &mut dyn Write) -> Result<()> {
    header(
        out,
        &[
            "id",
            "title",
            "origin",
            "published",
            "byline",
            "dateline",
            "hash",
        ],
    )?;
    for d in store.documents() {
        let d = d?;
        row(
            out,
            &[
                d.id.to_string(),
                d.title,
                d.origin,
                d.published.unwrap_or_default(),
                d.byline.unwrap_or_default(),
                d.dateline.unwrap_or_default(),
                d.hash,
            ],
        )?;
    }
    Ok(())
}

/// Defined here so that `store.rs` does not depend on its formats.
impl crate::store::Store {
    /// Writes one table of the store as CSV with a header row (see
    /// [`crate::csv_export`] for the columns).
    /// Writes of this handle wait until it ends, so that the export is
    /// the store at one moment; queries do not wait.
    pub fn export_csv(&self, out: &mut dyn Write, table: CsvTable) -> Result<()> {
        let _whole_writes = self.storage().pause_writes()?;
        export(self, out, table)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(csv: &str) -> Vec<Vec<String>> {
        // A small RFC 4180 reader, enough to check what the writer quoted.
        let mut rows = vec![];
        let mut row = vec![];
        let mut field = String::new();
        let mut quoted = false;
        let mut chars = csv.chars().peekable();
        while let Some(c) = chars.next() {
            match (quoted, c) {
                (true, '"') if chars.peek() == Some(&'"') => {
                    field.push('"');
                    chars.next();
                }
                (true, '"') => quoted = false,
                (true, c) => field.push(c),
                (false, '"') => quoted = true,
                (false, ',') => row.push(std::mem::take(&mut field)),
                (false, '\n') => {
                    row.push(std::mem::take(&mut field));
                    rows.push(std::mem::take(&mut row));
                }
                (false, c) => field.push(c),
            }
        }
        rows
    }

    #[test]
    fn every_table_has_a_header_and_quotes_what_needs_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("db")).unwrap();
        let jsonl = r#"{"type":"document","id":0,"title":"Talks, \"round 2\"","origin":"a.txt","hash":"h"}
{"type":"entity","id":0,"name":"Ann Lee","kind":"person","aliases":["Lee","A. Lee"]}
{"type":"entity","id":1,"name":"Bob, Jr.","kind":"person"}
{"type":"fact","subject":"Ann Lee","subject_id":0,"relation":"meet","relation_text":"met","object":"Bob, Jr.","object_id":1,"qualifiers":{"time":"2023-03-02","mood":"tense"},"sources":[{"doc":0,"sentence":"Ann Lee met \"Bob\",\nat last.","span":[0,30]}]}
{"type":"fact","subject":"Ann Lee","relation":"age","relation_text":"age","object":41}
"#;
        store
            .import_jsonl(&mut jsonl.as_bytes(), "t.jsonl", &mut |_| {})
            .unwrap();
        let table = |t: CsvTable| {
            let mut out = Vec::new();
            export(&store, &mut out, t).unwrap();
            parse(&String::from_utf8(out).unwrap())
        };
        let facts = table(CsvTable::Facts);
        assert_eq!(facts[0].len(), 17);
        assert!(facts.iter().all(|r| r.len() == 17), "{facts:?}");
        let col = |name: &str| facts[0].iter().position(|c| c == name).unwrap();
        assert_eq!(facts[1][col("object")], "Bob, Jr.");
        assert_eq!(facts[1][col("time")], "2023-03-02");
        assert_eq!(facts[1][col("other_qualifiers")], r#"{"mood":"tense"}"#);
        assert_eq!(facts[1][col("documents")], "0");
        assert_eq!(
            (
                facts[2][col("object")].as_str(),
                facts[2][col("object_type")].as_str()
            ),
            ("41", "number")
        );
        let entities = table(CsvTable::Entities);
        assert_eq!(entities[0], ["id", "name", "kind", "aliases", "facts"]);
        assert_eq!(entities[1], ["0", "Ann Lee", "person", "Lee; A. Lee", "2"]);
        let sources = table(CsvTable::Sources);
        assert_eq!(sources[1][2], "Talks, \"round 2\"");
        assert_eq!(sources[1][4], "Ann Lee met \"Bob\",\nat last.");
        let documents = table(CsvTable::Documents);
        assert_eq!(documents.len(), 2);
        assert_eq!(documents[1][1], "Talks, \"round 2\"");
    }
}

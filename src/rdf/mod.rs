//! RDF 1.1: `lore export --format ntriples|turtle` and `lore import FILE.nt`.
//!
//! # IRIs
//!
//! Everything a store holds gets an IRI under a base (`--base`, default
//! [`DEFAULT_BASE`]) built from store-local ids, which never change, rather
//! than from names, which do (a later article may give a fuller name):
//!
//! | what | IRI |
//! |---|---|
//! | entity 3 | `BASE entity/3` |
//! | relation "hold role" | `BASE relation/hold_role` (space → `_`, anything but ASCII letters, digits and `-` percent-encoded) |
//! | fact 7 | `BASE fact/7` (an `rdf:Statement`) |
//! | source 2 of fact 7 | `BASE source/7-2` |
//! | document 0 | `BASE document/0` |
//!
//! lore's own terms live in the fixed namespace [`VOCAB`] (prefix `lore:`),
//! qualifiers in [`QUALIFIER`] (prefix `lq:`); neither depends on the base.
//!
//! # What is written
//!
//! * An entity: `rdf:type` by kind (`schema:Person`, `schema:Organization`,
//!   `schema:Place`, `schema:CreativeWork`, `schema:Thing`), `skos:prefLabel`
//!   for its name and `rdfs:label` for its name and every alias.
//! * A relation: `rdf:type rdf:Property` and `rdfs:label` with its name.
//! * A positive fact: the plain triple `entity relation object`, so that RDF
//!   tools see the fact as asserted.
//! * Every fact, positive or negative, as standard RDF 1.1 reification: an
//!   `rdf:Statement` with `rdf:subject`/`rdf:predicate`/`rdf:object`,
//!   `lore:polarity` (`lore:Positive` or `lore:Negative`), `lore:confidence`,
//!   `lore:relationText`, one `lq:KEY` per qualifier, and `lore:source` for
//!   each source (`lore:Source`: `lore:document`, `lore:sentence`,
//!   `lore:start`, `lore:end`). A denied fact is **never** a plain triple.
//! * A document: `lore:Document` with `lore:title`, `lore:origin`,
//!   `lore:published`, `lore:byline`, `lore:dateline`, `lore:hash`.
//!
//! Literals are typed: ISO dates `xsd:date`, months `xsd:gYearMonth`, years
//! `xsd:gYear`, whole numbers `xsd:integer`, other numbers `xsd:decimal`,
//! text plain (`xsd:string`).
//!
//! # Import
//!
//! [`import`] reads N-Triples with a real parser (oxttl) line by line, so an
//! error names its line, then interprets the graph: lore's own export comes
//! back as the same documents, entities and facts (with sources, qualifiers,
//! polarity and confidence); other RDF becomes entities (named by
//! `skos:prefLabel`, `rdfs:label`, `schema:name` or `foaf:name`, else the
//! IRI's last segment) and facts (one per triple whose predicate is not RDF,
//! RDFS, OWL, SKOS or lore vocabulary, the relation named by the predicate's
//! label or last segment).
//!
//! # Files
//!
//! This file holds [`RdfFormat`], the namespaces and the IRI and literal
//! helpers both directions share, and the `impl Store` block
//! (`import_with`, `export_rdf`); `export.rs` the N-Triples and Turtle
//! writers with the reification of facts; `import.rs` the reading of
//! N-Triples into the store; `tests.rs` the tests that share one awkward
//! store.

mod export;
mod import;

pub use export::export;
pub use import::import;

use std::io::{BufRead, Write};

use crate::error::{Error, Result};
use crate::store::{ImportOptions, ImportSummary};

/// The base IRI when `--base` is not given. `example.org` is reserved for
/// examples (RFC 2606): give an IRI you control when the data leaves your machine.
pub const DEFAULT_BASE: &str = "http://example.org/lore/";
/// lore's vocabulary (prefix `lore:`): classes and properties of provenance.
pub const VOCAB: &str = "http://example.org/lore/vocab#";
/// Namespace of qualifier properties (prefix `lq:`): `lq:time`, `lq:place`, ...
pub const QUALIFIER: &str = "http://example.org/lore/qualifier#";

const RDF: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
const RDFS: &str = "http://www.w3.org/2000/01/rdf-schema#";
const XSD: &str = "http://www.w3.org/2001/XMLSchema#";
const SKOS: &str = "http://www.w3.org/2004/02/skos/core#";
const OWL: &str = "http://www.w3.org/2002/07/owl#";
const SCHEMA: &str = "http://schema.org/";
const FOAF: &str = "http://xmlns.com/foaf/0.1/";

/// The two RDF syntaxes lore writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RdfFormat {
    /// N-Triples: one triple per line, full IRIs.
    NTriples,
    /// Turtle: prefixes, one block per subject.
    Turtle,
}

/// Checks a base IRI and returns it ending in `/` or `#`, ready to prefix.
///
/// ```
/// assert_eq!(lore::rdf::base_iri("https://news.example.com/kb")?, "https://news.example.com/kb/");
/// assert!(lore::rdf::base_iri("not an iri").is_err());
/// # Ok::<(), lore::Error>(())
/// ```
pub fn base_iri(base: &str) -> Result<String> {
    let mut b = base.trim().to_string();
    if !b.ends_with('/') && !b.ends_with('#') {
        b.push('/');
    }
    match oxrdf::NamedNode::new(format!("{b}entity/0")) {
        Ok(_) => Ok(b),
        Err(e) => Err(Error::bad_input(
            format!("--base {base:?}"),
            format!("not an absolute IRI ({e}); give one such as https://news.example.com/kb/"),
        )),
    }
}

/// A relation name as the last segment of its IRI: space → `_`, ASCII
/// letters, digits and `-` kept, every other byte percent-encoded (so `_`
/// itself is `%5F` and the name can be read back exactly).
pub fn relation_slug(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        match b {
            b' ' => out.push('_'),
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' => out.push(char::from(b)),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The inverse of [`relation_slug`], also used for the last segment of
/// foreign IRIs: `%XX` decoded, `_` → space.
fn decode_segment(seg: &str) -> String {
    let bytes = seg.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'_' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    char::from(b).to_digit(16).map(|d| d as u8)
}

/// `2023-03-02` → `xsd:date`, `2023-03` → `xsd:gYearMonth`, `2023` →
/// `xsd:gYear`; anything else is not a date lore can type.
fn date_type(s: &str) -> Option<&'static str> {
    use crate::model::DatePrecision;
    Some(match crate::model::iso_date(s)? {
        DatePrecision::Year => "gYear",
        DatePrecision::Month => "gYearMonth",
        DatePrecision::Day => "date",
    })
}

/// RDF out of a store, and the import of every format lore reads: this is
/// the lowest module that knows both (RDF's import is built on JSONL's).
impl crate::store::Store {
    /// Imports JSONL or N-Triples (see `docs/INTEROP.md`).
    ///
    /// A bad line ends the import with an error naming `name:line`, unless
    /// `opts.keep_going`: then the error goes to `on_error`, the line is
    /// skipped, and the summary counts it. `progress` is called with the
    /// number of lines read so far. JSONL is written in atomic batches as it
    /// is read; N-Triples is read whole first (statements may come in any
    /// order), checked, then written.
    ///
    /// ```
    /// use lore::{ImportFormat, ImportOptions};
    /// let dir = tempfile::tempdir()?;
    /// let store = lore::Store::open(dir.path().join("db"))?;
    /// let lines = "{\"subject\":\"Ann Lee\",\"relation\":\"met with\",\"object\":\"Bob Stone\"}\n{\"subject\":\"Ann Lee\"}\n";
    /// let opts = ImportOptions { keep_going: true };
    /// let mut errors = Vec::new();
    /// let summary = store.import_with(&mut lines.as_bytes(), "llm.jsonl", ImportFormat::Jsonl, &opts,
    ///     &mut |e| errors.push(e.to_string()), &mut |_| {})?;
    /// assert_eq!((summary.facts, summary.skipped), (1, 1));
    /// assert!(errors[0].starts_with("llm.jsonl:2: a fact needs"));
    /// assert_eq!(store.query("\"Ann Lee\" met ?who;")?.statements[0].rows.len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn import_with(
        &self,
        input: &mut (dyn BufRead + Send),
        name: &str,
        format: crate::store::ImportFormat,
        opts: &ImportOptions,
        on_error: &mut dyn FnMut(Error),
        progress: &mut dyn FnMut(u64),
    ) -> Result<ImportSummary> {
        match format {
            crate::store::ImportFormat::Jsonl => {
                crate::jsonl::import(self.storage(), input, name, opts, on_error, progress)
            }
            crate::store::ImportFormat::Ntriples => {
                import(self.storage(), input, name, opts, on_error, progress)
            }
        }
    }

    /// Writes the whole store as RDF 1.1 (N-Triples or Turtle) with IRIs under
    /// `base`; the IRIs, the reification of facts and the vocabulary are
    /// described in [`crate::rdf`] and `docs/INTEROP.md`.
    /// Writes of this handle wait until it ends, so that the export is
    /// the store at one moment; queries do not wait.
    ///
    /// ```
    /// let dir = tempfile::tempdir()?;
    /// let store = lore::Store::open(dir.path().join("db"))?;
    /// store.ingest_text("Talks\n\nAnn Lee met Bob Stone in Paris.", "a.txt")?;
    /// let mut nt = Vec::new();
    /// store.export_rdf(&mut nt, lore::rdf::RdfFormat::NTriples, "https://news.example.com/kb/")?;
    /// assert!(String::from_utf8(nt)?.contains("<https://news.example.com/kb/entity/0>"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn export_rdf(&self, out: &mut dyn Write, format: RdfFormat, base: &str) -> Result<()> {
        let _whole_writes = self.storage().pause_writes()?;
        export(self, out, format, base)
    }
}

#[cfg(test)]
mod tests;

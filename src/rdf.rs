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

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, Write};

use crate::error::{Error, Result};
use crate::jsonl::{self, BadLines, DocRef, FactLine, Importer, Match, ObjectLine, Read};
use crate::model::{Document, EntityKind, Literal, Object, Polarity, Qualifiers};
use crate::storage::Storage;
use crate::store::{ImportOptions, ImportSummary, Store};

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

// ---------------------------------------------------------------- writing

/// An object term being written.
enum Obj {
    Iri(String),
    /// Lexical form and datatype (`None`: a plain string).
    Lit(String, Option<&'static str>),
}

impl Obj {
    fn text(s: impl Into<String>) -> Obj {
        Obj::Lit(s.into(), None)
    }
    fn integer(n: u64) -> Obj {
        Obj::Lit(n.to_string(), Some("integer"))
    }
}

/// One subject with its properties, in the order they are written.
struct Block {
    subject: String,
    props: Vec<(String, Obj)>,
}

impl Block {
    fn new(subject: String) -> Block {
        Block {
            subject,
            props: Vec::new(),
        }
    }
    fn add(&mut self, predicate: impl Into<String>, o: Obj) {
        self.props.push((predicate.into(), o));
    }
}

/// `2023-03-02` → `xsd:date`, `2023-03` → `xsd:gYearMonth`, `2023` →
/// `xsd:gYear`; anything else is not a date lore can type.
fn date_type(s: &str) -> Option<&'static str> {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    let num = |r: std::ops::Range<usize>| s[r].parse::<u32>().unwrap_or(0);
    match b.len() {
        4 if digits(0..4) => Some("gYear"),
        7 if digits(0..4) && b[4] == b'-' && digits(5..7) && (1..=12).contains(&num(5..7)) => {
            Some("gYearMonth")
        }
        10 if digits(0..4)
            && b[4] == b'-'
            && digits(5..7)
            && b[7] == b'-'
            && digits(8..10)
            && (1..=12).contains(&num(5..7))
            && (1..=31).contains(&num(8..10)) =>
        {
            Some("date")
        }
        _ => None,
    }
}

fn date_or_text(s: &str) -> Obj {
    Obj::Lit(s.to_string(), date_type(s))
}

/// A number as `xsd:integer` when whole, else `xsd:decimal` (always with a
/// `.`, so Turtle reads the bare form as a decimal too); infinities and NaN
/// as `xsd:double`.
fn number(n: f64) -> Obj {
    if !n.is_finite() {
        let lex = if n.is_nan() {
            "NaN"
        } else if n > 0.0 {
            "INF"
        } else {
            "-INF"
        };
        return Obj::Lit(lex.into(), Some("double"));
    }
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        return Obj::Lit(format!("{}", n as i64), Some("integer"));
    }
    decimal(format!("{n}"))
}

fn decimal(mut lex: String) -> Obj {
    if !lex.contains('.') {
        lex.push_str(".0");
    }
    Obj::Lit(lex, Some("decimal"))
}

fn literal(l: &Literal) -> Obj {
    match l {
        Literal::Text(s) => Obj::text(s.clone()),
        Literal::Date(s) => date_or_text(s),
        Literal::Number(n) => number(*n),
    }
}

fn kind_class(k: EntityKind) -> String {
    let local = match k {
        EntityKind::Person => "Person",
        EntityKind::Organization => "Organization",
        EntityKind::Place => "Place",
        EntityKind::Work => "CreativeWork",
        EntityKind::Other => "Thing",
    };
    format!("{SCHEMA}{local}")
}

/// Writes a literal's lexical form between quotes, escaped for N-Triples and Turtle.
fn quote(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\u{:04X}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Where blocks go: N-Triples or Turtle.
trait Sink {
    fn block(&mut self, b: &Block) -> std::io::Result<()>;
    /// A section heading (Turtle only; N-Triples stays one triple per line).
    fn section(&mut self, title: &str) -> std::io::Result<()>;
    /// A blank line between groups of blocks (Turtle only).
    fn gap(&mut self) -> std::io::Result<()>;
}

struct NTriples<'w> {
    out: &'w mut dyn Write,
    line: String,
}

impl Sink for NTriples<'_> {
    fn block(&mut self, b: &Block) -> std::io::Result<()> {
        for (p, o) in &b.props {
            self.line.clear();
            self.line.push('<');
            self.line.push_str(&b.subject);
            self.line.push_str("> <");
            self.line.push_str(p);
            self.line.push_str("> ");
            match o {
                Obj::Iri(i) => {
                    self.line.push('<');
                    self.line.push_str(i);
                    self.line.push('>');
                }
                Obj::Lit(lex, dt) => {
                    quote(lex, &mut self.line);
                    if let Some(dt) = dt {
                        self.line.push_str("^^<");
                        self.line.push_str(XSD);
                        self.line.push_str(dt);
                        self.line.push('>');
                    }
                }
            }
            self.line.push_str(" .\n");
            self.out.write_all(self.line.as_bytes())?;
        }
        Ok(())
    }

    fn section(&mut self, _title: &str) -> std::io::Result<()> {
        Ok(())
    }

    fn gap(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

struct Turtle<'w> {
    out: &'w mut dyn Write,
    /// (prefix, namespace), longest namespace first.
    prefixes: Vec<(&'static str, String)>,
}

/// True when `local` can follow `prefix:` in Turtle as it stands: a
/// conservative subset of PN_LOCAL (letters, digits, `_`, `-`, `%XX`; not
/// starting with `-`).
fn plain_local(local: &str) -> bool {
    let b = local.as_bytes();
    if b.is_empty() || b[0] == b'-' {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-' => i += 1,
            b'%' if b.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit) =>
            {
                i += 3;
            }
            _ => return false,
        }
    }
    true
}

impl Turtle<'_> {
    fn iri(&self, iri: &str) -> String {
        for (p, ns) in &self.prefixes {
            if let Some(local) = iri.strip_prefix(ns.as_str())
                && plain_local(local)
            {
                return format!("{p}:{local}");
            }
        }
        format!("<{iri}>")
    }

    fn object(&self, o: &Obj) -> String {
        match o {
            Obj::Iri(i) => self.iri(i),
            Obj::Lit(lex, Some("integer"))
                if !lex.is_empty()
                    && lex
                        .trim_start_matches('-')
                        .bytes()
                        .all(|c| c.is_ascii_digit())
                    && lex != "-" =>
            {
                lex.clone()
            }
            Obj::Lit(lex, Some("decimal")) if is_plain_decimal(lex) => lex.clone(),
            Obj::Lit(lex, dt) => {
                let mut s = String::new();
                quote(lex, &mut s);
                if let Some(dt) = dt {
                    s.push_str("^^xsd:");
                    s.push_str(dt);
                }
                s
            }
        }
    }
}

/// `-?[0-9]+\.[0-9]+`: a decimal Turtle reads without quotes.
fn is_plain_decimal(lex: &str) -> bool {
    let body = lex.strip_prefix('-').unwrap_or(lex);
    match body.split_once('.') {
        Some((a, b)) => {
            !a.is_empty()
                && !b.is_empty()
                && a.bytes().all(|c| c.is_ascii_digit())
                && b.bytes().all(|c| c.is_ascii_digit())
        }
        None => false,
    }
}

impl Sink for Turtle<'_> {
    fn block(&mut self, b: &Block) -> std::io::Result<()> {
        let mut s = self.iri(&b.subject);
        let mut last: Option<&str> = None;
        for (p, o) in &b.props {
            if last == Some(p.as_str()) {
                s.push_str(", ");
            } else {
                if last.is_some() {
                    s.push_str(" ;\n    ");
                } else {
                    s.push(' ');
                }
                if p == &format!("{RDF}type") {
                    s.push('a');
                } else {
                    s.push_str(&self.iri(p));
                }
                s.push(' ');
                last = Some(p.as_str());
            }
            s.push_str(&self.object(o));
        }
        s.push_str(" .\n");
        self.out.write_all(s.as_bytes())
    }

    fn section(&mut self, title: &str) -> std::io::Result<()> {
        writeln!(self.out, "\n# {title}")
    }

    fn gap(&mut self) -> std::io::Result<()> {
        writeln!(self.out)
    }
}

/// Writes the whole store as N-Triples or Turtle under `base` (checked with
/// [`base_iri`]): documents, entities, relations, then every fact with its
/// statement and sources. The same store gives the same output.
pub fn export(store: &Store, out: &mut dyn Write, format: RdfFormat, base: &str) -> Result<()> {
    let base = base_iri(base)?;
    let io = |e| Error::io("output", e);
    let mut nt;
    let mut ttl;
    let sink: &mut dyn Sink = match format {
        RdfFormat::NTriples => {
            nt = NTriples {
                out,
                line: String::new(),
            };
            &mut nt
        }
        RdfFormat::Turtle => {
            let mut prefixes: Vec<(&'static str, String)> = vec![
                ("rdf", RDF.into()),
                ("rdfs", RDFS.into()),
                ("xsd", XSD.into()),
                ("skos", SKOS.into()),
                ("schema", SCHEMA.into()),
                ("lore", VOCAB.into()),
                ("lq", QUALIFIER.into()),
                ("entity", format!("{base}entity/")),
                ("relation", format!("{base}relation/")),
                ("fact", format!("{base}fact/")),
                ("source", format!("{base}source/")),
                ("document", format!("{base}document/")),
            ];
            for (p, ns) in &prefixes {
                writeln!(out, "@prefix {p}: <{ns}> .").map_err(io)?;
            }
            prefixes.sort_by_key(|(_, ns)| std::cmp::Reverse(ns.len()));
            ttl = Turtle { out, prefixes };
            &mut ttl
        }
    };
    let rdf = |local: &str| format!("{RDF}{local}");
    let lore = |local: &str| format!("{VOCAB}{local}");
    let entity = |id: u64| format!("{base}entity/{id}");
    let document = |id: u64| format!("{base}document/{id}");
    let relation = |name: &str| format!("{base}relation/{}", relation_slug(name));

    sink.section("Documents").map_err(io)?;
    for d in store.documents() {
        let d = d?;
        let mut b = Block::new(document(d.id));
        b.add(rdf("type"), Obj::Iri(lore("Document")));
        b.add(lore("title"), Obj::text(d.title));
        b.add(lore("origin"), Obj::text(d.origin));
        if let Some(p) = d.published {
            b.add(lore("published"), date_or_text(&p));
        }
        if let Some(v) = d.byline {
            b.add(lore("byline"), Obj::text(v));
        }
        if let Some(v) = d.dateline {
            b.add(lore("dateline"), Obj::text(v));
        }
        b.add(lore("hash"), Obj::text(d.hash));
        sink.block(&b).map_err(io)?;
    }

    sink.section("Entities").map_err(io)?;
    for e in store.entities() {
        let e = e?;
        let mut b = Block::new(entity(e.id));
        b.add(rdf("type"), Obj::Iri(kind_class(e.kind)));
        b.add(format!("{SKOS}prefLabel"), Obj::text(e.name.clone()));
        b.add(format!("{RDFS}label"), Obj::text(e.name));
        for a in e.aliases {
            b.add(format!("{RDFS}label"), Obj::text(a));
        }
        sink.block(&b).map_err(io)?;
    }

    sink.section("Relations").map_err(io)?;
    let mut names: Vec<String> = store.relations()?.into_iter().map(|(n, _)| n).collect();
    names.sort();
    for name in names {
        let mut b = Block::new(relation(&name));
        b.add(rdf("type"), Obj::Iri(rdf("Property")));
        b.add(format!("{RDFS}label"), Obj::text(name));
        sink.block(&b).map_err(io)?;
    }

    sink.section(
        "Facts: the plain triple (positive facts only), then the statement with its provenance",
    )
    .map_err(io)?;
    for f in store.facts() {
        let f = f?;
        sink.gap().map_err(io)?;
        let predicate = relation(&f.relation);
        let object = match &f.object {
            Object::Entity(id) => Obj::Iri(entity(*id)),
            Object::Literal(l) => literal(l),
        };
        if f.polarity == Polarity::Positive {
            let mut asserted = Block::new(entity(f.subject));
            asserted.add(predicate.clone(), clone_obj(&object));
            sink.block(&asserted).map_err(io)?;
        }
        let mut st = Block::new(format!("{base}fact/{}", f.id));
        st.add(rdf("type"), Obj::Iri(rdf("Statement")));
        st.add(rdf("subject"), Obj::Iri(entity(f.subject)));
        st.add(rdf("predicate"), Obj::Iri(predicate));
        st.add(rdf("object"), object);
        let polarity = match f.polarity {
            Polarity::Positive => "Positive",
            Polarity::Negative => "Negative",
        };
        st.add(lore("polarity"), Obj::Iri(lore(polarity)));
        st.add(lore("confidence"), decimal(format!("{}", f.confidence)));
        st.add(lore("relationText"), Obj::text(f.relation_text));
        for (k, v) in &f.qualifiers {
            let value = if k == "time" {
                date_or_text(v)
            } else {
                Obj::text(v.clone())
            };
            st.add(format!("{QUALIFIER}{}", relation_slug(k)), value);
        }
        let sources: Vec<String> = (0..f.sources.len())
            .map(|i| format!("{base}source/{}-{i}", f.id))
            .collect();
        for s in &sources {
            st.add(lore("source"), Obj::Iri(s.clone()));
        }
        sink.block(&st).map_err(io)?;
        for (iri, s) in sources.into_iter().zip(f.sources) {
            let mut b = Block::new(iri);
            b.add(rdf("type"), Obj::Iri(lore("Source")));
            b.add(lore("document"), Obj::Iri(document(s.doc)));
            b.add(lore("sentence"), Obj::text(s.sentence));
            b.add(lore("start"), Obj::integer(s.span.0));
            b.add(lore("end"), Obj::integer(s.span.1));
            sink.block(&b).map_err(io)?;
        }
    }
    Ok(())
}

fn clone_obj(o: &Obj) -> Obj {
    match o {
        Obj::Iri(i) => Obj::Iri(i.clone()),
        Obj::Lit(l, d) => Obj::Lit(l.clone(), *d),
    }
}

// ---------------------------------------------------------------- reading

/// A node of the graph being imported: an IRI or a blank node.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum NodeName {
    Iri(String),
    Blank(String),
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Lit {
    value: String,
    /// Full datatype IRI.
    datatype: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum O {
    Node(u32),
    Lit(u32),
}

struct T {
    s: u32,
    p: u32,
    o: O,
    line: u64,
}

/// The triples of a file, with nodes and literals interned.
#[derive(Default)]
struct Graph {
    nodes: Vec<NodeName>,
    node_ids: HashMap<NodeName, u32>,
    lits: Vec<Lit>,
    lit_ids: HashMap<Lit, u32>,
    triples: Vec<T>,
}

impl Graph {
    fn node(&mut self, n: NodeName) -> u32 {
        if let Some(id) = self.node_ids.get(&n) {
            return *id;
        }
        let id = self.nodes.len() as u32;
        self.nodes.push(n.clone());
        self.node_ids.insert(n, id);
        id
    }

    fn lit(&mut self, l: Lit) -> u32 {
        if let Some(id) = self.lit_ids.get(&l) {
            return *id;
        }
        let id = self.lits.len() as u32;
        self.lits.push(l.clone());
        self.lit_ids.insert(l, id);
        id
    }

    fn iri_id(&self, iri: &str) -> Option<u32> {
        self.node_ids.get(&NodeName::Iri(iri.to_string())).copied()
    }

    fn add(&mut self, t: oxrdf::Triple, line: u64) {
        let s = match t.subject {
            oxrdf::NamedOrBlankNode::NamedNode(n) => self.node(NodeName::Iri(n.into_string())),
            oxrdf::NamedOrBlankNode::BlankNode(b) => self.node(NodeName::Blank(b.into_string())),
        };
        let p = self.node(NodeName::Iri(t.predicate.into_string()));
        let o = match t.object {
            oxrdf::Term::NamedNode(n) => O::Node(self.node(NodeName::Iri(n.into_string()))),
            oxrdf::Term::BlankNode(b) => O::Node(self.node(NodeName::Blank(b.into_string()))),
            oxrdf::Term::Literal(l) => {
                let (value, datatype, _lang) = l.destruct();
                let datatype =
                    datatype.map_or_else(|| format!("{XSD}string"), oxrdf::NamedNode::into_string);
                O::Lit(self.lit(Lit { value, datatype }))
            }
        };
        self.triples.push(T { s, p, o, line });
    }
}

/// What a node is, by how the graph uses it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Entity,
    Statement,
    Source,
    Document,
    /// A predicate or class: described, never an entity.
    Term,
}

/// The last segment of an IRI (after `#`, else `/`, else `:`), decoded.
fn local_name(n: &NodeName) -> String {
    match n {
        NodeName::Blank(b) => b.clone(),
        NodeName::Iri(i) => {
            let cut = i
                .rfind('#')
                .or_else(|| i.trim_end_matches('/').rfind('/'))
                .or_else(|| i.rfind(':'));
            let seg = cut
                .map_or(i.as_str(), |c| &i[c + 1..])
                .trim_end_matches('/');
            let name = decode_segment(seg);
            if name.trim().is_empty() {
                i.clone()
            } else {
                name
            }
        }
    }
}

/// `worksFor` → `works For`: RDF vocabularies name properties in camelCase,
/// lore's relations are words (normalized later: "work for").
fn words_of(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    let mut prev: Option<char> = None;
    for c in name.chars() {
        if c.is_uppercase() && prev.is_some_and(|p| p.is_lowercase() || p.is_ascii_digit()) {
            out.push(' ');
        }
        out.push(c);
        prev = Some(c);
    }
    out
}

fn class_kind(n: &NodeName) -> Option<EntityKind> {
    let NodeName::Iri(iri) = n else {
        return None;
    };
    let local = local_name(n).to_ascii_lowercase();
    let kind = match local.as_str() {
        "person" | "agent" | "human" => EntityKind::Person,
        "organization" | "organisation" | "corporation" | "governmentorganization" | "company" => {
            EntityKind::Organization
        }
        "place" | "country" | "city" | "location" | "administrativearea" | "spatialthing" => {
            EntityKind::Place
        }
        "creativework" | "work" | "event" => EntityKind::Work,
        "thing" => EntityKind::Other,
        _ => return None,
    };
    // rdf:Statement and friends are not kinds; only classes of other vocabularies.
    (!iri.starts_with(RDF) && !iri.starts_with(VOCAB)).then_some(kind)
}

fn literal_value(l: &Lit) -> Literal {
    let dt = l.datatype.strip_prefix(XSD).unwrap_or("");
    match dt {
        "date" | "gYearMonth" | "gYear" => Literal::Date(l.value.clone()),
        "dateTime" if l.value.len() >= 10 && date_type(&l.value[..10]).is_some() => {
            Literal::Date(l.value[..10].to_string())
        }
        "integer" | "int" | "long" | "short" | "byte" | "decimal" | "double" | "float"
        | "nonNegativeInteger" | "positiveInteger" | "negativeInteger" | "nonPositiveInteger"
        | "unsignedInt" | "unsignedLong" | "unsignedShort" | "unsignedByte" => {
            match l.value.trim().parse::<f64>() {
                Ok(n) => Literal::Number(n),
                Err(_) => Literal::Text(l.value.clone()),
            }
        }
        _ => Literal::Text(l.value.clone()),
    }
}

/// Vocabulary ids the interpretation compares against (`None`: not in the file).
struct Vocab {
    rdf_type: Option<u32>,
    subject: Option<u32>,
    predicate: Option<u32>,
    object: Option<u32>,
    statement: Option<u32>,
    source: Option<u32>,
    source_class: Option<u32>,
    document: Option<u32>,
    document_class: Option<u32>,
    labels: Vec<u32>,
    pref_label: Option<u32>,
    rdf_property: Vec<u32>,
}

impl Vocab {
    fn new(g: &Graph) -> Vocab {
        let id = |iri: String| g.iri_id(&iri);
        Vocab {
            rdf_type: id(format!("{RDF}type")),
            subject: id(format!("{RDF}subject")),
            predicate: id(format!("{RDF}predicate")),
            object: id(format!("{RDF}object")),
            statement: id(format!("{RDF}Statement")),
            source: id(format!("{VOCAB}source")),
            source_class: id(format!("{VOCAB}Source")),
            document: id(format!("{VOCAB}document")),
            document_class: id(format!("{VOCAB}Document")),
            labels: [
                format!("{RDFS}label"),
                format!("{SKOS}prefLabel"),
                format!("{SKOS}altLabel"),
                format!("{SCHEMA}name"),
                "https://schema.org/name".to_string(),
                format!("{FOAF}name"),
            ]
            .into_iter()
            .filter_map(id)
            .collect(),
            pref_label: id(format!("{SKOS}prefLabel")),
            rdf_property: [
                format!("{RDF}Property"),
                format!("{OWL}ObjectProperty"),
                format!("{OWL}DatatypeProperty"),
            ]
            .into_iter()
            .filter_map(id)
            .collect(),
        }
    }
}

/// A predicate that describes nodes rather than stating a fact.
fn is_vocabulary(iri: &str) -> bool {
    [RDF, RDFS, OWL, SKOS, VOCAB, QUALIFIER]
        .iter()
        .any(|ns| iri.starts_with(ns))
        || iri.ends_with("/name") && (iri.starts_with(SCHEMA) || iri.starts_with(FOAF))
        || iri == "https://schema.org/name"
}

/// Reads N-Triples from `input` and imports what it says (see the module docs).
///
/// The whole file is parsed and checked before anything is written, so
/// without `opts.keep_going` a bad line leaves the store as it was.
pub fn import(
    storage: &Storage,
    input: &mut dyn BufRead,
    name: &str,
    opts: &ImportOptions,
    on_error: &mut dyn FnMut(Error),
    progress: &mut dyn FnMut(u64),
) -> Result<ImportSummary> {
    let mut bad = BadLines::new(name, opts, on_error);
    let mut g = Graph::default();
    let mut buf = Vec::new();
    let mut lineno = 0u64;
    loop {
        let read = jsonl::read_line(input, &mut buf, name, lineno + 1, opts.keep_going)?;
        lineno += 1;
        match read {
            Read::End => break,
            Read::TooLong => bad.bad(lineno, jsonl::too_long(), 0)?,
            Read::Line => {
                for t in oxttl::NTriplesParser::new().for_slice(&buf) {
                    match t {
                        Ok(t) => g.add(t, lineno),
                        Err(e) => {
                            let col = e.location().start.column + 1;
                            bad.bad(
                                lineno,
                                format!(
                                    "not N-Triples at column {col}: {}; each line must be `<subject> <predicate> object .`",
                                    e.message()
                                ),
                                0,
                            )?;
                            break;
                        }
                    }
                }
            }
        }
        if lineno.is_multiple_of(10_000) {
            progress(lineno);
        }
    }
    let lines = lineno - 1;
    progress(lines);
    let plan = interpret(&g, &mut bad)?;
    let mut imp = Importer::new(storage, name);
    for (id, d) in plan.documents {
        imp.document(u64::from(id), d)?;
    }
    for e in plan.entities {
        imp.entity(
            Some(u64::from(e.node)),
            e.name,
            e.kind,
            e.aliases,
            Match::Stored,
        )?;
    }
    for f in plan.facts {
        imp.fact(f)?;
    }
    let mut summary = imp.finish()?;
    summary.lines = lines;
    summary.skipped = bad.skipped;
    summary.ignored = plan.ignored;
    Ok(summary)
}

struct EntityPlan {
    node: u32,
    name: String,
    kind: EntityKind,
    aliases: Vec<String>,
}

/// What a graph becomes: rows to write, in file order.
struct Plan {
    documents: Vec<(u32, Document)>,
    entities: Vec<EntityPlan>,
    facts: Vec<FactLine>,
    ignored: u64,
}

fn interpret(g: &Graph, bad: &mut BadLines<'_>) -> Result<Plan> {
    let v = Vocab::new(g);
    let n = g.nodes.len();
    let mut by_subject: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut first_line = vec![u64::MAX; n];
    let mut roles: Vec<Option<Role>> = vec![None; n];
    let set_role = |roles: &mut Vec<Option<Role>>, node: u32, r: Role| {
        let slot = &mut roles[node as usize];
        // A node's strongest use wins: statement, source, document, term, entity.
        let rank = |r: Role| match r {
            Role::Statement => 0,
            Role::Source => 1,
            Role::Document => 2,
            Role::Term => 3,
            Role::Entity => 4,
        };
        if slot.is_none_or(|old| rank(r) < rank(old)) {
            *slot = Some(r);
        }
    };
    for (i, t) in g.triples.iter().enumerate() {
        by_subject[t.s as usize].push(i);
        first_line[t.s as usize] = first_line[t.s as usize].min(t.line);
        if let O::Node(o) = t.o {
            first_line[o as usize] = first_line[o as usize].min(t.line);
        }
        set_role(&mut roles, t.p, Role::Term);
        let p = Some(t.p);
        let o_node = match t.o {
            O::Node(o) => Some(o),
            O::Lit(_) => None,
        };
        if p == v.rdf_type {
            if let Some(o) = o_node {
                set_role(&mut roles, o, Role::Term);
                if Some(o) == v.statement {
                    set_role(&mut roles, t.s, Role::Statement);
                } else if Some(o) == v.source_class {
                    set_role(&mut roles, t.s, Role::Source);
                } else if Some(o) == v.document_class {
                    set_role(&mut roles, t.s, Role::Document);
                } else if v.rdf_property.contains(&o) {
                    set_role(&mut roles, t.s, Role::Term);
                } else {
                    set_role(&mut roles, t.s, Role::Entity);
                }
            }
        } else if p == v.subject || p == v.predicate || p == v.object {
            set_role(&mut roles, t.s, Role::Statement);
            if let Some(o) = o_node {
                let r = if p == v.predicate {
                    Role::Term
                } else {
                    Role::Entity
                };
                set_role(&mut roles, o, r);
            }
        } else if p == v.source {
            set_role(&mut roles, t.s, Role::Statement);
            if let Some(o) = o_node {
                set_role(&mut roles, o, Role::Source);
            }
        } else if p == v.document {
            set_role(&mut roles, t.s, Role::Source);
            if let Some(o) = o_node {
                set_role(&mut roles, o, Role::Document);
            }
        } else if v.labels.contains(&t.p) {
            set_role(&mut roles, t.s, Role::Entity);
        } else if !is_vocabulary(iri_of(g, t.p)) {
            set_role(&mut roles, t.s, Role::Entity);
            if let Some(o) = o_node {
                set_role(&mut roles, o, Role::Entity);
            }
        }
    }
    let role = |node: u32| roles[node as usize];
    let lit = |t: &T| match t.o {
        O::Lit(l) => Some(&g.lits[l as usize]),
        O::Node(_) => None,
    };
    let props = |node: u32, pred: &str| -> Vec<&T> {
        let Some(p) = g.iri_id(pred) else {
            return Vec::new();
        };
        by_subject[node as usize]
            .iter()
            .map(|i| &g.triples[*i])
            .filter(|t| t.p == p)
            .collect()
    };
    let first_text = |node: u32, pred: &str| -> Option<String> {
        props(node, pred)
            .into_iter()
            .find_map(|t| lit(t).map(|l| l.value.clone()))
    };
    let labels = |node: u32| -> Vec<String> {
        by_subject[node as usize]
            .iter()
            .map(|i| &g.triples[*i])
            .filter(|t| v.labels.contains(&t.p))
            .filter_map(|t| lit(t).map(|l| l.value.clone()))
            .collect()
    };

    // Documents, in file order.
    let mut order: Vec<u32> = (0..n as u32).collect();
    order.sort_by_key(|id| (first_line[*id as usize], *id));
    let mut documents = Vec::new();
    for &d in &order {
        if role(d) != Some(Role::Document) {
            continue;
        }
        let origin = first_text(d, &format!("{VOCAB}origin")).unwrap_or_else(|| {
            match &g.nodes[d as usize] {
                NodeName::Iri(i) => i.clone(),
                NodeName::Blank(b) => format!("_:{b}"),
            }
        });
        documents.push((
            d,
            Document {
                id: 0,
                title: first_text(d, &format!("{VOCAB}title"))
                    .unwrap_or_else(|| local_name(&g.nodes[d as usize])),
                origin,
                published: first_text(d, &format!("{VOCAB}published")),
                byline: first_text(d, &format!("{VOCAB}byline")),
                dateline: first_text(d, &format!("{VOCAB}dateline")),
                hash: first_text(d, &format!("{VOCAB}hash")).unwrap_or_default(),
            },
        ));
    }

    // Entities, in file order.
    let mut entities = Vec::new();
    let mut entity_names: HashMap<u32, String> = HashMap::new();
    for &e in &order {
        if role(e) != Some(Role::Entity) {
            continue;
        }
        let all = labels(e);
        let name = v
            .pref_label
            .and_then(|p| {
                by_subject[e as usize]
                    .iter()
                    .map(|i| &g.triples[*i])
                    .find(|t| t.p == p)
                    .and_then(|t| lit(t).map(|l| l.value.clone()))
            })
            .or_else(|| all.first().cloned())
            .unwrap_or_else(|| local_name(&g.nodes[e as usize]));
        let mut aliases: Vec<String> = Vec::new();
        for a in all {
            if a != name && !aliases.contains(&a) {
                aliases.push(a);
            }
        }
        let kind = v
            .rdf_type
            .map(|ty| {
                by_subject[e as usize]
                    .iter()
                    .map(|i| &g.triples[*i])
                    .filter(|t| t.p == ty)
                    .find_map(|t| match t.o {
                        O::Node(c) => class_kind(&g.nodes[c as usize]),
                        O::Lit(_) => None,
                    })
            })
            .unwrap_or(None)
            .unwrap_or(EntityKind::Other);
        entity_names.insert(e, name.clone());
        entities.push(EntityPlan {
            node: e,
            name,
            kind,
            aliases,
        });
    }

    let relation_name = |p: u32| -> String {
        labels(p)
            .into_iter()
            .next()
            .unwrap_or_else(|| words_of(&local_name(&g.nodes[p as usize])))
    };
    let object_line = |o: O| -> ObjectLine {
        match o {
            O::Node(id) => ObjectLine::Name(
                entity_names
                    .get(&id)
                    .cloned()
                    .unwrap_or_else(|| local_name(&g.nodes[id as usize])),
            ),
            O::Lit(l) => match literal_value(&g.lits[l as usize]) {
                Literal::Number(x) => ObjectLine::Number(x),
                other => ObjectLine::Literal(other.into()),
            },
        }
    };

    // Facts: reified statements and plain triples, in file order; a plain
    // triple that a positive statement also states is that statement's fact.
    let mut facts: Vec<(u64, FactLine)> = Vec::new();
    let mut stated: HashSet<(u32, u32, O)> = HashSet::new();
    let mut ignored = 0u64;
    for &st in &order {
        if role(st) != Some(Role::Statement) {
            continue;
        }
        let line = first_line[st as usize];
        match statement(
            g,
            st,
            &by_subject[st as usize],
            &props,
            &lit,
            &role,
            &relation_name,
            &object_line,
        ) {
            Ok((key, fact)) => {
                if fact.polarity == Polarity::Positive {
                    stated.insert(key);
                }
                facts.push((line, fact));
            }
            Err(reason) => bad.bad(line, reason, 0)?,
        }
    }
    for t in &g.triples {
        let p_iri = iri_of(g, t.p);
        let s_role = role(t.s);
        if Some(t.p) == v.rdf_type && s_role == Some(Role::Entity) || v.labels.contains(&t.p) {
            continue;
        }
        let about_entity = s_role == Some(Role::Entity);
        let object_ok = match t.o {
            O::Node(o) => role(o) == Some(Role::Entity),
            O::Lit(_) => true,
        };
        if is_vocabulary(p_iri) {
            // Read with the node it describes (statements, sources, documents,
            // relation labels) or, like owl:sameAs, something lore cannot hold.
            let described = matches!(
                s_role,
                Some(Role::Statement | Role::Source | Role::Document | Role::Term)
            ) && (p_iri.starts_with(VOCAB)
                || p_iri.starts_with(QUALIFIER)
                || p_iri.starts_with(RDF));
            if !described {
                ignored += 1;
            }
            continue;
        }
        if !about_entity || !object_ok {
            ignored += 1;
            continue;
        }
        if stated.contains(&(t.s, t.p, t.o)) {
            continue;
        }
        facts.push((
            t.line,
            FactLine {
                id: None,
                subject: entity_names.get(&t.s).cloned().unwrap_or_default(),
                subject_id: Some(u64::from(t.s)),
                relation: relation_name(t.p),
                relation_text: None,
                object: object_line(t.o),
                object_id: match t.o {
                    O::Node(o) => Some(u64::from(o)),
                    O::Lit(_) => None,
                },
                qualifiers: Qualifiers::new(),
                polarity: Polarity::Positive,
                sources: Vec::new(),
                confidence: 0.5,
                subject_kind: None,
                object_kind: None,
                sentence: None,
                document: None,
            },
        ));
    }
    facts.sort_by_key(|(line, _)| *line);
    Ok(Plan {
        documents,
        entities,
        facts: facts.into_iter().map(|(_, f)| f).collect(),
        ignored,
    })
}

fn iri_of(g: &Graph, node: u32) -> &str {
    match &g.nodes[node as usize] {
        NodeName::Iri(i) => i,
        NodeName::Blank(_) => "",
    }
}

/// One reified statement as a fact, with the (subject, predicate, object)
/// it states; `Err` says what is missing.
#[allow(clippy::too_many_arguments)] // the interpretation's shared lookups
fn statement<'g>(
    g: &'g Graph,
    st: u32,
    own: &[usize],
    props: &dyn Fn(u32, &str) -> Vec<&'g T>,
    lit: &dyn Fn(&T) -> Option<&'g Lit>,
    role: &dyn Fn(u32) -> Option<Role>,
    relation_name: &dyn Fn(u32) -> String,
    object_line: &dyn Fn(O) -> ObjectLine,
) -> std::result::Result<((u32, u32, O), FactLine), String> {
    let me = match &g.nodes[st as usize] {
        NodeName::Iri(i) => format!("<{i}>"),
        NodeName::Blank(b) => format!("_:{b}"),
    };
    let one = |pred: &str, what: &str| -> std::result::Result<O, String> {
        let found = props(st, &format!("{RDF}{pred}"));
        match found.as_slice() {
            [t] => Ok(t.o),
            [] => Err(format!(
                "the statement {me} has no rdf:{pred} ({what}); a reified fact needs rdf:subject, rdf:predicate and rdf:object"
            )),
            more => Err(format!(
                "the statement {me} has {} rdf:{pred} values; give it one",
                more.len()
            )),
        }
    };
    let O::Node(s) = one("subject", "the entity it is about")? else {
        return Err(format!(
            "the rdf:subject of {me} is a literal; it must be an entity"
        ));
    };
    let O::Node(p) = one("predicate", "the relation")? else {
        return Err(format!(
            "the rdf:predicate of {me} is a literal; it must be an IRI"
        ));
    };
    let o = one("object", "an entity or a value")?;
    if role(s) != Some(Role::Entity) {
        return Err(format!("the rdf:subject of {me} is not an entity"));
    }
    if let O::Node(on) = o
        && role(on) != Some(Role::Entity)
    {
        return Err(format!(
            "the rdf:object of {me} is not an entity or a value"
        ));
    }
    let text = |pred: &str| -> Option<String> {
        props(st, &format!("{VOCAB}{pred}"))
            .into_iter()
            .find_map(|t| lit(t).map(|l| l.value.clone()))
    };
    let polarity = match props(st, &format!("{VOCAB}polarity")).first().map(|t| t.o) {
        None => Polarity::Positive,
        Some(O::Node(n)) => match local_name(&g.nodes[n as usize]).to_lowercase().as_str() {
            "negative" => Polarity::Negative,
            "positive" => Polarity::Positive,
            other => {
                return Err(format!(
                    "lore:polarity of {me} is {other:?}; it must be lore:Positive or lore:Negative"
                ));
            }
        },
        Some(O::Lit(l)) => match g.lits[l as usize].value.to_lowercase().as_str() {
            "negative" => Polarity::Negative,
            "positive" => Polarity::Positive,
            other => {
                return Err(format!(
                    "lore:polarity of {me} is {other:?}; it must be lore:Positive or lore:Negative"
                ));
            }
        },
    };
    let confidence = match text("confidence") {
        None => 0.5,
        Some(c) => c.trim().parse::<f32>().map_err(|_| {
            format!("lore:confidence of {me} is {c:?}; it must be a number from 0 to 1")
        })?,
    };
    let mut qualifiers = Qualifiers::new();
    for t in own.iter().map(|i| &g.triples[*i]) {
        if let Some(key) = iri_of(g, t.p).strip_prefix(QUALIFIER) {
            let value = match t.o {
                O::Lit(l) => g.lits[l as usize].value.clone(),
                O::Node(n) => local_name(&g.nodes[n as usize]),
            };
            qualifiers.entry(decode_segment(key)).or_insert(value);
        }
    }
    let mut sources = Vec::new();
    for t in props(st, &format!("{VOCAB}source")) {
        let O::Node(src) = t.o else {
            return Err(format!(
                "a lore:source of {me} is a literal; it must be a lore:Source node"
            ));
        };
        let src_name = local_name(&g.nodes[src as usize]);
        let doc = match props(src, &format!("{VOCAB}document")).first().map(|t| t.o) {
            Some(O::Node(d)) => DocRef::Id(u64::from(d)),
            _ => {
                return Err(format!(
                    "the source {src_name} of {me} has no lore:document; every source names its document"
                ));
            }
        };
        let int =
            |pred: &str| -> std::result::Result<u64, String> {
                match props(src, &format!("{VOCAB}{pred}")).first().and_then(|t| lit(t)) {
                None => Ok(0),
                Some(l) => l.value.trim().parse::<u64>().map_err(|_| {
                    format!(
                        "lore:{pred} of the source {src_name} is {:?}; it must be a byte offset",
                        l.value
                    )
                }),
            }
            };
        sources.push(jsonl::SourceLine {
            doc,
            sentence: props(src, &format!("{VOCAB}sentence"))
                .first()
                .and_then(|t| lit(t))
                .map(|l| l.value.clone())
                .unwrap_or_default(),
            span: (int("start")?, int("end")?),
        });
    }
    let ObjectLine::Name(subject) = object_line(O::Node(s)) else {
        return Err(format!("the rdf:subject of {me} is not an entity"));
    };
    Ok((
        (s, p, o),
        FactLine {
            id: None,
            subject,
            subject_id: Some(u64::from(s)),
            relation: relation_name(p),
            relation_text: text("relationText"),
            object: object_line(o),
            object_id: match o {
                O::Node(n) => Some(u64::from(n)),
                O::Lit(_) => None,
            },
            qualifiers,
            polarity,
            sources,
            confidence,
            subject_kind: None,
            object_kind: None,
            sentence: None,
            document: None,
        },
    ))
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
        export(self, out, format, base)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store whose names, sentences and qualifiers hold everything that
    /// needs escaping, and a denied fact.
    fn awkward_store(dir: &std::path::Path) -> Store {
        let store = Store::open(dir.join("db")).unwrap();
        let jsonl = r#"{"type":"document","id":0,"title":"Quote \" and \\ back","origin":"a\nb.txt","published":"2023-03-02","hash":"h0"}
{"type":"entity","id":0,"name":"Zoë \"Z\" Ünal","kind":"person","aliases":["Z\\Ü","北京 😀"]}
{"type":"entity","id":1,"name":"Tab\tCorp","kind":"organization"}
{"type":"fact","subject":"Zoë \"Z\" Ünal","subject_id":0,"relation":"work for","relation_text":"works\nfor","object":"Tab\tCorp","object_id":1,"qualifiers":{"time":"2023-03","place":"a \"b\"","odd key!":"\u0001"},"polarity":"positive","sources":[{"doc":0,"sentence":"Line one\r\nline \"two\" \\ end","span":[3,40]}],"confidence":1.0}
{"type":"fact","subject":"Zoë \"Z\" Ünal","subject_id":0,"relation":"meet","relation_text":"met","object":"Tab\tCorp","object_id":1,"polarity":"negative","sources":[],"confidence":0.25}
{"type":"fact","subject":"Tab\tCorp","subject_id":1,"relation":"have staff","relation_text":"has","object":{"type":"number","value":12.5}}
{"type":"fact","subject":"Tab\tCorp","subject_id":1,"relation":"found","relation_text":"founded","object":{"type":"date","value":"1999-12-31"}}
"#;
        store
            .import_jsonl(&mut jsonl.as_bytes(), "awkward.jsonl", &mut |_| {})
            .unwrap();
        store
    }

    fn parse(format: RdfFormat, text: &[u8]) -> HashSet<oxrdf::Triple> {
        let triples: std::result::Result<HashSet<_>, _> = match format {
            RdfFormat::NTriples => oxttl::NTriplesParser::new().for_slice(text).collect(),
            RdfFormat::Turtle => oxttl::TurtleParser::new().for_slice(text).collect(),
        };
        triples.unwrap_or_else(|e| panic!("{format:?} does not parse: {e}"))
    }

    #[test]
    fn both_syntaxes_parse_to_the_same_graph_and_keep_every_character() {
        let dir = tempfile::tempdir().unwrap();
        let store = awkward_store(dir.path());
        let mut graphs = Vec::new();
        for format in [RdfFormat::NTriples, RdfFormat::Turtle] {
            let mut out = Vec::new();
            export(&store, &mut out, format, "https://kb.example.com/news/").unwrap();
            graphs.push(parse(format, &out));
        }
        assert_eq!(graphs[0], graphs[1], "N-Triples and Turtle differ");
        let g = &graphs[0];
        let values: HashSet<String> = g
            .iter()
            .filter_map(|t| match &t.object {
                oxrdf::Term::Literal(l) => Some(l.value().to_string()),
                _ => None,
            })
            .collect();
        for s in [
            "Zoë \"Z\" Ünal",
            "Z\\Ü",
            "北京 😀",
            "Tab\tCorp",
            "works\nfor",
            "Line one\r\nline \"two\" \\ end",
            "a\nb.txt",
            "\u{1}",
        ] {
            assert!(values.contains(s), "{s:?} not read back");
        }
        let typed = |dt: &str| {
            g.iter().any(|t| {
                matches!(&t.object, oxrdf::Term::Literal(l) if l.datatype().as_str() == format!("{XSD}{dt}"))
            })
        };
        for dt in ["date", "gYearMonth", "integer", "decimal"] {
            assert!(typed(dt), "no xsd:{dt} literal");
        }
        let odd_key = format!("{QUALIFIER}odd_key%21");
        assert!(
            g.iter().any(|t| t.predicate.as_str() == odd_key),
            "qualifier key not encoded"
        );
    }

    #[test]
    fn a_denied_fact_is_only_a_statement_marked_negative() {
        let dir = tempfile::tempdir().unwrap();
        let store = awkward_store(dir.path());
        let mut out = Vec::new();
        export(&store, &mut out, RdfFormat::NTriples, DEFAULT_BASE).unwrap();
        let g = parse(RdfFormat::NTriples, &out);
        let meet = format!("{DEFAULT_BASE}relation/meet");
        let work = format!("{DEFAULT_BASE}relation/work_for");
        let asserted = |p: &str| g.iter().any(|t| t.predicate.as_str() == p);
        assert!(asserted(&work), "the positive fact is asserted");
        assert!(!asserted(&meet), "the denied fact must not be asserted");
        let negative =
            oxrdf::Term::NamedNode(oxrdf::NamedNode::new_unchecked(format!("{VOCAB}Negative")));
        let statement = g
            .iter()
            .find(|t| {
                t.predicate.as_str() == format!("{RDF}predicate")
                    && t.object == oxrdf::Term::NamedNode(oxrdf::NamedNode::new_unchecked(&meet))
            })
            .map(|t| t.subject.clone())
            .expect("the denied fact is reified");
        assert!(g.iter().any(|t| t.subject == statement
            && t.predicate.as_str() == format!("{VOCAB}polarity")
            && t.object == negative));
    }

    #[test]
    fn ntriples_import_restores_the_export_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let a = awkward_store(dir.path());
        let mut nt = Vec::new();
        export(&a, &mut nt, RdfFormat::NTriples, DEFAULT_BASE).unwrap();
        let b = Store::open(dir.path().join("b")).unwrap();
        let sum = b
            .import_with(
                &mut nt.as_slice(),
                "a.nt",
                crate::store::ImportFormat::Ntriples,
                &ImportOptions::default(),
                &mut |e| panic!("{e}"),
                &mut |_| {},
            )
            .unwrap();
        assert_eq!((sum.facts, sum.ignored, sum.skipped), (4, 0, 0));
        let jsonl = |s: &Store| {
            let mut out = Vec::new();
            s.export_jsonl(&mut out).unwrap();
            String::from_utf8(out).unwrap()
        };
        assert_eq!(jsonl(&a), jsonl(&b));
    }

    #[test]
    fn a_statement_without_its_parts_is_refused_at_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("db")).unwrap();
        let nt = format!(
            "<http://x/a> <http://x/knows> <http://x/b> .\n\
             <http://x/f1> <{RDF}type> <{RDF}Statement> .\n\
             <http://x/f1> <{RDF}subject> <http://x/a> .\n"
        );
        let err = store
            .import_with(
                &mut nt.as_bytes(),
                "f.nt",
                crate::store::ImportFormat::Ntriples,
                &ImportOptions::default(),
                &mut |_| {},
                &mut |_| {},
            )
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("f.nt:2: the statement <http://x/f1> has no rdf:predicate"),
            "{err}"
        );
        assert!(err.contains("nothing was imported"), "{err}");
        assert_eq!(store.stats().unwrap().facts, 0);
    }

    #[test]
    fn slugs_round_trip_and_stay_plain_in_turtle() {
        for name in [
            "meet",
            "hold role",
            "co-host",
            "be_x",
            "café 北京",
            "a/b#c",
            "100%",
        ] {
            let slug = relation_slug(name);
            assert!(plain_local(&slug), "{name} -> {slug}");
            assert_eq!(decode_segment(&slug), name);
        }
        assert_eq!(relation_slug("hold role"), "hold_role");
        assert!(!plain_local("-x") && !plain_local("a.b") && !plain_local("%4"));
    }

    #[test]
    fn dates_are_typed_only_when_they_are_dates() {
        assert_eq!(date_type("2023-03-02"), Some("date"));
        assert_eq!(date_type("2023-03"), Some("gYearMonth"));
        assert_eq!(date_type("2023"), Some("gYear"));
        for not in [
            "2023-13",
            "2023-02-32",
            "March 2023",
            "23-03-02",
            "２０２３",
            "",
        ] {
            assert_eq!(date_type(not), None, "{not}");
        }
    }

    #[test]
    fn numbers_are_integers_or_decimals_with_a_point() {
        let lex = |o: Obj| match o {
            Obj::Lit(l, d) => (l, d),
            Obj::Iri(_) => unreachable!(),
        };
        assert_eq!(lex(number(41.0)), ("41".into(), Some("integer")));
        assert_eq!(lex(number(-2.5)), ("-2.5".into(), Some("decimal")));
        assert_eq!(lex(number(f64::NAN)), ("NaN".into(), Some("double")));
        assert_eq!(lex(decimal("1".into())), ("1.0".into(), Some("decimal")));
    }

    #[test]
    fn literals_escape_what_the_grammar_requires() {
        let mut s = String::new();
        quote("a \"b\" \\ c\nd\re\tf\u{1}g é 😀", &mut s);
        assert_eq!(s, "\"a \\\"b\\\" \\\\ c\\nd\\re\\tf\\u0001g é 😀\"");
    }

    #[test]
    fn a_base_must_be_an_absolute_iri() {
        assert_eq!(base_iri("http://x.org/kb#").unwrap(), "http://x.org/kb#");
        assert_eq!(base_iri(" http://x.org ").unwrap(), "http://x.org/");
        for bad in ["", "relative/path", "http://x.org/a b", "http://x.org/<"] {
            let e = base_iri(bad).unwrap_err();
            assert!(
                e.is_user_error() && e.to_string().contains("absolute IRI"),
                "{e}"
            );
        }
    }

    #[test]
    fn local_names_come_from_the_last_segment() {
        let iri = |s: &str| NodeName::Iri(s.into());
        assert_eq!(local_name(&iri("http://ex.org/people/Ann_Lee")), "Ann Lee");
        assert_eq!(local_name(&iri("http://ex.org/v#knows")), "knows");
        assert_eq!(local_name(&iri("urn:isbn:123")), "123");
        assert_eq!(local_name(&iri("http://ex.org/caf%C3%A9/")), "café");
        assert_eq!(local_name(&NodeName::Blank("b0".into())), "b0");
        assert_eq!(decode_segment("100%"), "100%");
        assert_eq!(decode_segment("%zz%4"), "%zz%4");
        assert_eq!(words_of("worksFor"), "works For");
        assert_eq!(words_of("birthPlace2023Edition"), "birth Place2023 Edition");
        assert_eq!(words_of("knows"), "knows");
    }
}

//! Writing the store as RDF: N-Triples and Turtle writers, each fact reified
//! as an `rdf:Statement` with its provenance.

use std::io::Write;

use super::{
    QUALIFIER, RDF, RDFS, RdfFormat, SCHEMA, SKOS, VOCAB, XSD, base_iri, date_type, relation_slug,
};
use crate::error::{Error, Result};
use crate::model::{EntityKind, Literal, Object, Polarity};
use crate::store::Store;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rdf::decode_segment;

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
}

//! Unit tests of RDF export and import; they share one awkward store.

use std::collections::HashSet;

use super::*;
use crate::store::Store;

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

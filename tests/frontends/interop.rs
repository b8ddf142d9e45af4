//! Issue 7 end to end, on the real `lore` binary and the five sample
//! articles: RDF and CSV export, import from other tools, pictures and
//! timelines. RDF is checked with a real parser (oxttl), SVG with a real
//! XML parser (roxmltree).

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

const RDF: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
const XSD: &str = "http://www.w3.org/2001/XMLSchema#";
const VOCAB: &str = "http://example.org/lore/vocab#";

fn lore(db: &Path, args: &[&str]) -> Output {
    lore_in(db, args, None)
}

fn lore_in(db: &Path, args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lore"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("LORE_DB")
        .env("NO_COLOR", "1")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the lore binary runs");
    if let Some(bytes) = stdin {
        child.stdin.take().unwrap().write_all(bytes).unwrap();
    }
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn ok(o: Output) -> String {
    assert!(o.status.success(), "exit {:?}: {}", o.status, stderr(&o));
    stdout(&o)
}

/// A store of the five sample articles, ingested once per test run and
/// copied for each test (every `lore` process takes the store's lock).
fn sample_store(dir: &Path) -> PathBuf {
    static TEMPLATE: OnceLock<PathBuf> = OnceLock::new();
    let template = TEMPLATE.get_or_init(|| {
        let keep = tempfile::tempdir().unwrap().keep();
        let db = keep.join("template");
        let articles = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/articles");
        ok(lore(&db, &["ingest", "-q", articles.to_str().unwrap()]));
        db
    });
    let db = dir.join("sample");
    copy_dir(template, &db);
    db
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

fn stat(db: &Path, key: &str) -> u64 {
    ok(lore(db, &["stats"]))
        .lines()
        .find_map(|l| l.strip_prefix(key).map(|v| v.trim().parse().unwrap()))
        .unwrap_or_else(|| panic!("no {key} in stats"))
}

fn parse_rdf(turtle: bool, text: &str) -> HashSet<oxrdf::Triple> {
    let parsed: Result<HashSet<_>, _> = if turtle {
        oxttl::TurtleParser::new().for_slice(text).collect()
    } else {
        oxttl::NTriplesParser::new().for_slice(text).collect()
    };
    parsed.unwrap_or_else(|e| panic!("not valid RDF: {e}"))
}

fn iri(s: &str) -> oxrdf::Term {
    oxrdf::Term::NamedNode(oxrdf::NamedNode::new(s).unwrap())
}

/// The rows of CSV text, read by the csv crate (so lore's writer is checked
/// by a reader it did not write): RFC 4180 quoting, every row as long as
/// the first, and a line break after the last row.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    assert!(
        text.is_empty() || text.ends_with('\n'),
        "the last line has no newline"
    );
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| {
            let r = r.unwrap_or_else(|e| panic!("not RFC 4180 CSV: {e}"));
            r.iter().map(String::from).collect()
        })
        .collect()
}

// ---------------------------------------------------------------- RDF

#[test]
fn ntriples_and_turtle_of_the_sample_articles_pass_a_real_rdf_parser() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample_store(dir.path());
    let nt = parse_rdf(false, &ok(lore(&db, &["export", "--format", "ntriples"])));
    let ttl = parse_rdf(true, &ok(lore(&db, &["export", "--format", "turtle"])));
    assert_eq!(nt, ttl, "N-Triples and Turtle describe different graphs");

    let facts = stat(&db, "facts") as usize;
    let statement = iri(&format!("{RDF}Statement"));
    let statements: Vec<&oxrdf::Triple> = nt
        .iter()
        .filter(|t| t.predicate.as_str() == format!("{RDF}type") && t.object == statement)
        .collect();
    assert_eq!(statements.len(), facts, "one rdf:Statement per fact");

    // The plain triples are exactly the positive statements: a denied fact
    // is only a statement marked negative, never asserted on its own.
    let negative = iri(&format!("{VOCAB}Negative"));
    let part = |s: &oxrdf::NamedOrBlankNode, p: &str| {
        nt.iter()
            .find(|t| &t.subject == s && t.predicate.as_str() == p)
            .map(|t| t.object.clone())
            .unwrap()
    };
    let mut positive = HashSet::new();
    let mut denied = 0;
    for st in statements.iter().map(|t| &t.subject) {
        let spo = (
            part(st, &format!("{RDF}subject")),
            part(st, &format!("{RDF}predicate")),
            part(st, &format!("{RDF}object")),
        );
        if part(st, &format!("{VOCAB}polarity")) == negative {
            denied += 1;
        } else {
            positive.insert(spo);
        }
    }
    assert!(
        denied > 0,
        "the sample articles deny that Blinken and Lavrov spoke"
    );
    let asserted: HashSet<_> = nt
        .iter()
        .filter(|t| {
            t.predicate
                .as_str()
                .starts_with("http://example.org/lore/relation/")
        })
        .map(|t| {
            (
                oxrdf::Term::from(t.subject.clone()),
                oxrdf::Term::NamedNode(t.predicate.clone()),
                t.object.clone(),
            )
        })
        .collect();
    assert_eq!(asserted, positive);

    // Names and aliases are labels; the meeting's date is an xsd:date.
    let label = |text: &str| {
        nt.iter().any(|t| {
            t.predicate.as_str() == "http://www.w3.org/2000/01/rdf-schema#label"
                && matches!(&t.object, oxrdf::Term::Literal(l) if l.value() == text)
        })
    };
    assert!(label("Sergei Lavrov") && label("Sergey Lavrov") && label("Lavrov"));
    let time = nt
        .iter()
        .find(|t| t.predicate.as_str() == "http://example.org/lore/qualifier#time")
        .expect("a fact with a time");
    let oxrdf::Term::Literal(l) = &time.object else {
        panic!("time is not a literal")
    };
    assert!(
        l.datatype().as_str().starts_with(XSD) && l.datatype().as_str() != format!("{XSD}string"),
        "{l}"
    );
}

/// The log position of the newest recovery snapshot sled keeps in `db`.
fn newest_snapshot(db: &Path) -> Option<u64> {
    std::fs::read_dir(db)
        .unwrap()
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            u64::from_str_radix(name.strip_prefix("snap.")?, 16).ok()
        })
        .max()
}

/// sled 0.34 writes its recovery snapshot only when it opens a store, so
/// `lore import` opens the store once more at its end: the next command then
/// starts from a snapshot at the end of the log instead of reading back
/// everything the import wrote.
#[test]
fn an_import_ends_with_a_recovery_snapshot_past_what_it_wrote() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample_store(dir.path());
    let jsonl = dir.path().join("sample.jsonl");
    ok(lore(&db, &["export", "-o", jsonl.to_str().unwrap()]));
    let other = dir.path().join("other");
    ok(lore(&other, &["import", jsonl.to_str().unwrap()]));
    let lsn = newest_snapshot(&other);
    assert!(lsn.is_some_and(|lsn| lsn > 0), "snapshot at {lsn:?}");
}

#[test]
fn ntriples_round_trip_into_an_empty_store_gives_the_same_facts() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample_store(dir.path());
    let nt = dir.path().join("sample.nt");
    ok(lore(
        &db,
        &["export", "--format", "ntriples", "-o", nt.to_str().unwrap()],
    ));
    let other = dir.path().join("other");
    let summary = ok(lore(&other, &["import", nt.to_str().unwrap()]));
    assert!(
        summary.contains(&format!("{} new facts", stat(&db, "facts"))),
        "{summary}"
    );
    // The same (subject, relation, object) facts, and everything around them.
    let facts = |db: &Path| {
        let csv = ok(lore(db, &["export", "--format", "csv"]));
        let mut rows: Vec<String> = parse_csv(&csv)
            .into_iter()
            .map(|r| format!("{} | {} | {} | {}", r[1], r[3], r[5], r[8]))
            .collect();
        rows.sort();
        rows
    };
    assert_eq!(facts(&db), facts(&other));
    assert_eq!(
        ok(lore(&db, &["export"])),
        ok(lore(&other, &["export"])),
        "the JSONL exports differ"
    );
}

#[test]
fn importing_an_export_again_adds_nothing_twice() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample_store(dir.path());
    let jsonl = dir.path().join("sample.jsonl");
    let nt = dir.path().join("sample.nt");
    ok(lore(&db, &["export", "-o", jsonl.to_str().unwrap()]));
    ok(lore(
        &db,
        &["export", "--format", "ntriples", "-o", nt.to_str().unwrap()],
    ));
    for file in [&jsonl, &nt] {
        let other = dir
            .path()
            .join(format!("again-{}", file.display().to_string().len()));
        ok(lore(&other, &["import", file.to_str().unwrap()]));
        let once = ok(lore(&other, &["export"]));
        ok(lore(&other, &["import", file.to_str().unwrap()]));
        for key in ["documents", "entities", "facts", "sources"] {
            assert_eq!(
                stat(&other, key),
                stat(&db, key),
                "{}: {key}",
                file.display()
            );
        }
        assert_eq!(ok(lore(&other, &["export"])), once, "{}", file.display());
    }
    // Into the store the export came from: nothing new either.
    let before = ok(lore(&db, &["export"]));
    ok(lore(&db, &["import", jsonl.to_str().unwrap()]));
    assert_eq!(ok(lore(&db, &["export"])), before);
}

#[test]
fn base_sets_the_iris_and_a_bad_base_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample_store(dir.path());
    let ttl = ok(lore(
        &db,
        &[
            "export",
            "--format",
            "turtle",
            "--base",
            "https://news.example.com/kb",
        ],
    ));
    assert!(
        ttl.contains("@prefix entity: <https://news.example.com/kb/entity/> ."),
        "{}",
        &ttl[..600]
    );
    let g = parse_rdf(true, &ttl);
    assert!(
        g.iter()
            .any(|t| t.subject.to_string() == "<https://news.example.com/kb/entity/1>")
    );
    let o = lore(
        &db,
        &["export", "--format", "ntriples", "--base", "not an iri"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("--base") && stderr(&o).contains("absolute IRI"),
        "{}",
        stderr(&o)
    );
    assert!(o.stdout.is_empty());
    for (args, says) in [
        (
            vec!["export", "--format", "csv", "--base", "http://x.org/"],
            "--base",
        ),
        (vec!["export", "--table", "entities"], "--table"),
    ] {
        let o = lore(&db, &args);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        assert!(
            stderr(&o).contains(says) && stderr(&o).contains("use it with --format"),
            "{}",
            stderr(&o)
        );
    }
}

// ---------------------------------------------------------------- CSV

#[test]
fn csv_export_of_facts_entities_and_sources_has_a_header_and_one_row_each() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample_store(dir.path());
    let facts = parse_csv(&ok(lore(&db, &["export", "--format", "csv"])));
    assert_eq!(
        facts[0][..6],
        [
            "id",
            "subject",
            "subject_id",
            "relation",
            "relation_text",
            "object"
        ]
    );
    assert_eq!(facts.len() as u64 - 1, stat(&db, "facts"));
    assert!(facts.iter().all(|r| r.len() == facts[0].len()));
    let meet = facts
        .iter()
        .find(|r| r[1] == "Antony Blinken" && r[3] == "meet" && r[5] == "Sergei Lavrov")
        .expect("Blinken met Lavrov");
    let col = |n: &str| facts[0].iter().position(|c| c == n).unwrap();
    assert_eq!(meet[col("time")], "2023-03-02");
    assert_eq!(meet[col("place")], "New Delhi");

    let entities = parse_csv(&ok(lore(
        &db,
        &["export", "--format", "csv", "--table", "entities"],
    )));
    assert_eq!(entities[0], ["id", "name", "kind", "aliases", "facts"]);
    assert_eq!(entities.len() as u64 - 1, stat(&db, "entities"));
    let lavrov = entities.iter().find(|r| r[1] == "Sergei Lavrov").unwrap();
    assert_eq!(lavrov[2], "person");
    assert!(lavrov[3].contains("Sergey Lavrov"), "{lavrov:?}");

    let sources_csv = ok(lore(
        &db,
        &["export", "--format", "csv", "--table", "sources"],
    ));
    let sources = parse_csv(&sources_csv);
    assert_eq!(sources.len() as u64 - 1, stat(&db, "sources"));
    // Sentences with commas come back whole, in their column.
    assert!(sources.iter().all(|r| r.len() == 7));
    assert!(sources.iter().skip(1).any(|r| r[4].contains(", ")));
    let documents = parse_csv(&ok(lore(
        &db,
        &["export", "--format", "csv", "--table", "documents"],
    )));
    assert_eq!(documents.len(), 6);
}

// ---------------------------------------------------------------- import

const FROM_AN_LLM: &str = r#"{"subject":"Sergey Lavrov","relation":"met with","object":"Qin Gang","sentence":"Lavrov met with Qin Gang on the sidelines.","document":"llm-run-7"}
{"head":"Antony Blinken","type":"visited","tail":"New Delhi","tail_type":"GPE"}
{"subject":"Antony Blinken","relation":"met"}
{"text":"Olaf Scholz","label":"PERSON","start_char":0,"end_char":11}
{"subject":"Olaf Scholz","predicate":"visited","object":"India","object_type":"GPE"}
not json at all
"#;

#[test]
fn help_lists_the_new_commands_and_options() {
    let help = |args: &[&str]| {
        let o = Command::new(env!("CARGO_BIN_EXE_lore"))
            .args(args)
            .output()
            .unwrap();
        stdout(&o)
    };
    let top = help(&["--help"]);
    for cmd in ["graph", "timeline", "import", "export"] {
        assert!(top.contains(cmd), "--help lacks {cmd}: {top}");
    }
    let export = help(&["export", "--help"]);
    for opt in ["ntriples", "turtle", "csv", "--base", "--table"] {
        assert!(export.contains(opt), "export --help lacks {opt}: {export}");
    }
    let import = help(&["import", "--help"]);
    assert!(
        import.contains("--keep-going") && import.contains("ntriples"),
        "{import}"
    );
    let graph = help(&["graph", "--help"]);
    for opt in ["--depth", "--max-nodes", "dot", "svg"] {
        assert!(graph.contains(opt), "graph --help lacks {opt}: {graph}");
    }
}

#[test]
fn jsonl_from_other_extractors_is_queryable_and_bad_lines_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample_store(dir.path());
    let file = dir.path().join("llm.jsonl");
    std::fs::write(&file, FROM_AN_LLM).unwrap();
    let facts = stat(&db, "facts");

    // By default the first bad line stops the import and nothing is written.
    let o = lore(&db, &["import", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("llm.jsonl:3: a fact needs \"subject\", \"relation\" and \"object\"; this line has no \"object\""), "{err}");
    assert!(
        err.contains("nothing was imported") && err.contains("--keep-going"),
        "{err}"
    );
    assert_eq!(stat(&db, "facts"), facts);

    // --keep-going: every bad line reported with its place, the rest imported, exit 1.
    let o = lore(&db, &["import", "--keep-going", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    let places: Vec<&str> = err
        .lines()
        .map(|l| l.split(": ").nth(2).unwrap_or(l))
        .collect();
    assert_eq!(err.lines().count(), 2, "{err}");
    assert!(err.lines().all(|l| l.starts_with("lore: error: ")), "{err}");
    assert!(
        places.iter().any(|p| p.ends_with("llm.jsonl:3")),
        "{places:?}"
    );
    assert!(
        places.iter().any(|p| p.ends_with("llm.jsonl:6")),
        "{places:?}"
    );
    let summary = stdout(&o);
    assert!(
        summary.starts_with("6 lines: 1 documents, 1 entities, 3 new facts"),
        "{summary}"
    );
    assert!(
        summary.trim_end().ends_with("2 bad lines skipped"),
        "{summary}"
    );
    assert_eq!(stat(&db, "facts"), facts + 3);

    // Queryable like ingested facts: the names joined the stored entities and
    // `met with` is the extractor's `meet`.
    let q = ok(lore(&db, &["query", "Lavrov met ?who;", "--format", "csv"]));
    assert!(q.lines().any(|l| l.starts_with("Qin Gang,")), "{q}");
    let q = ok(lore(
        &db,
        &["query", "why Lavrov met \"Qin Gang\";", "--format", "csv"],
    ));
    assert!(
        q.contains("llm-run-7") && q.contains("on the sidelines"),
        "{q}"
    );
    let q = ok(lore(
        &db,
        &["query", "\"Olaf Scholz\" visit ?where;", "--format", "csv"],
    ));
    assert!(q.contains("India"), "{q}");
    assert_eq!(
        stat(&db, "entities"),
        stat(&sample_store(&dir.path().join("fresh")), "entities") + 1,
        "only Olaf Scholz is new"
    );
}

#[test]
fn foreign_ntriples_import_by_extension_or_format_and_turtle_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample_store(dir.path());
    let nt = "<http://ex.org/id/Olaf_Scholz> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://xmlns.com/foaf/0.1/Person> .\n\
<http://ex.org/id/Olaf_Scholz> <http://xmlns.com/foaf/0.1/name> \"Olaf Scholz\"@de .\n\
<http://ex.org/id/Olaf_Scholz> <http://ex.org/vocab#metWith> <http://ex.org/id/Lavrov> .\n\
<http://ex.org/id/Olaf_Scholz> <http://ex.org/vocab#born> \"1958-06-14\"^^<http://www.w3.org/2001/XMLSchema#date> .\n\
<http://ex.org/id/Olaf_Scholz> <http://www.w3.org/2002/07/owl#sameAs> <http://www.wikidata.org/entity/Q61053> .\n\
<http://ex.org/id/Olaf_Scholz> <http://ex.org/vocab#age> \"65\"^^<http://www.w3.org/2001/XMLSchema#integer> .\n";
    let file = dir.path().join("scholz.nt");
    std::fs::write(&file, nt).unwrap();
    let summary = ok(lore(&db, &["import", file.to_str().unwrap()]));
    assert!(
        summary.contains("3 new facts") && summary.contains("1 triple ignored"),
        "{summary}"
    );
    let q = ok(lore(
        &db,
        &["query", "\"Olaf Scholz\" ?r ?x;", "--format", "csv"],
    ));
    for want in ["meet,Sergei Lavrov", "1958-06-14", ",65,"] {
        assert!(q.contains(want), "{want} missing from {q}");
    }
    let person = ok(lore(
        &db,
        &["query", "entities like \"scholz\";", "--format", "csv"],
    ));
    assert!(person.contains("Olaf Scholz,person"), "{person}");

    // From stdin the format is named; a syntax error names its line.
    let o = lore_in(
        &db,
        &["import", "--format", "ntriples", "-"],
        Some(b"<http://a> <http://b> <http://c> .\n<http://a> <http://b> .\n"),
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("-:2: not N-Triples"), "{}", stderr(&o));

    let ttl = dir.path().join("data.ttl");
    std::fs::write(&ttl, "@prefix ex: <http://ex.org/> .\n").unwrap();
    let o = lore(&db, &["import", ttl.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("N-Triples only"), "{}", stderr(&o));
}

// ---------------------------------------------------------------- timeline

#[test]
fn timeline_lists_dated_facts_in_time_order_with_sources() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample_store(dir.path());
    let csv = parse_csv(&ok(lore(&db, &["timeline", "Ukraine", "--format", "csv"])));
    assert_eq!(
        csv[0],
        [
            "time", "subject", "relation", "object", "place", "document", "sentence", "fact"
        ]
    );
    assert!(csv.len() > 1, "Ukraine has a dated fact");
    let times: Vec<&str> = csv[1..].iter().map(|r| r[0].as_str()).collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted, "not in time order");
    assert!(
        csv[1..]
            .iter()
            .all(|r| !r[6].is_empty() && !r[5].is_empty()),
        "{csv:?}"
    );

    // Lavrov: the meeting of 2023-03-02, with every sentence that reports it,
    // and before it the last one, in Geneva in January 2022, as a fact of its own.
    let json = ok(lore(
        &db,
        &["timeline", "Sergey Lavrov", "--format", "json"],
    ));
    let rows: Vec<serde_json::Value> = json
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let meet = |time: &str| -> Vec<&serde_json::Value> {
        rows.iter()
            .filter(|r| r["relation"] == "meet" && r["time"] == time)
            .collect()
    };
    let delhi = meet("2023-03-02");
    assert!(delhi.len() >= 5, "{json}");
    assert!(delhi.iter().all(|r| r["place"] == "New Delhi"), "{json}");
    assert!(
        delhi
            .iter()
            .any(|r| r["sentence"].as_str().unwrap().contains("met"))
    );
    assert!(
        delhi
            .iter()
            .all(|r| !r["sentence"].as_str().unwrap().contains("The last time")),
        "an earlier meeting is no source of this one: {json}"
    );
    let geneva = meet("2022-01");
    assert!(!geneva.is_empty(), "{json}");
    assert!(geneva.iter().all(|r| r["place"] == "Geneva"), "{json}");
    assert_eq!(
        rows.iter().filter(|r| r["relation"] == "meet").count(),
        delhi.len() + geneva.len(),
        "{json}"
    );

    // The table says what it shows and leaves repeated cells empty.
    let table = ok(lore(&db, &["timeline", "Lavrov"]));
    let head = table.lines().next().unwrap();
    assert!(
        head.starts_with("-- Sergei Lavrov (#") && head.contains(", person): "),
        "{table}"
    );
    assert!(head.contains(" dated facts of "), "{table}");
    assert!(
        table.lines().any(|l| l.starts_with("           | ")),
        "{table}"
    );

    let o = lore(&db, &["timeline", "Lavorv"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("did you mean `Sergei Lavrov`?"),
        "{}",
        stderr(&o)
    );
}

// ---------------------------------------------------------------- pictures

/// Boxes of the node shapes and edge labels of an SVG written by `lore graph`.
fn svg_boxes(doc: &roxmltree::Document) -> Vec<(String, [f64; 4])> {
    let num = |n: roxmltree::Node, a: &str| n.attribute(a).unwrap().parse::<f64>().unwrap();
    let mut out = Vec::new();
    for g in doc
        .descendants()
        .filter(|d| matches!(d.attribute("class"), Some("node" | "edge-label")))
    {
        let text = g
            .descendants()
            .find(|d| d.has_tag_name("text"))
            .and_then(|t| t.text())
            .unwrap_or_default()
            .to_string();
        let shape = g
            .children()
            .find(|c| c.has_tag_name("rect") || c.has_tag_name("polygon"))
            .unwrap();
        let b = if shape.has_tag_name("rect") {
            let (x, y) = (num(shape, "x"), num(shape, "y"));
            [x, y, x + num(shape, "width"), y + num(shape, "height")]
        } else {
            let pts: Vec<f64> = shape
                .attribute("points")
                .unwrap()
                .split([' ', ','])
                .map(|v| v.parse().unwrap())
                .collect();
            let xs = pts.iter().step_by(2);
            let ys = pts.iter().skip(1).step_by(2);
            [
                xs.clone().copied().fold(f64::INFINITY, f64::min),
                ys.clone().copied().fold(f64::INFINITY, f64::min),
                xs.copied().fold(f64::NEG_INFINITY, f64::max),
                ys.copied().fold(f64::NEG_INFINITY, f64::max),
            ]
        };
        out.push((text, b));
    }
    out
}

#[test]
fn graph_of_lavrov_is_an_svg_with_his_neighbours_and_no_overlapping_labels() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample_store(dir.path());
    for depth in ["1", "2"] {
        let svg = ok(lore(&db, &["graph", "Sergey Lavrov", "--depth", depth]));
        let doc = roxmltree::Document::parse(&svg).expect("well-formed SVG");
        assert_eq!(doc.root_element().tag_name().name(), "svg");
        let nodes: Vec<(&str, &str)> = doc
            .descendants()
            .filter(|d| d.attribute("class") == Some("node"))
            .map(|d| {
                let text = d.descendants().find(|t| t.has_tag_name("text")).unwrap();
                (text.text().unwrap(), d.attribute("data-kind").unwrap())
            })
            .collect();
        for want in [
            ("Sergei Lavrov", "person"),
            ("Antony Blinken", "person"),
            ("Ukraine", "place"),
            ("China", "place"),
        ] {
            assert!(
                nodes.contains(&want),
                "depth {depth}: {want:?} not in {nodes:?}"
            );
        }
        if depth == "2" {
            assert!(nodes.contains(&("Paul Whelan", "person")), "{nodes:?}");
        }
        let edge = |from: &str, rel: &str, to: &str| {
            doc.descendants().find(|d| {
                d.attribute("class") == Some("edge")
                    && d.attribute("data-from") == Some(from)
                    && d.attribute("data-relation") == Some(rel)
                    && d.attribute("data-to") == Some(to)
            })
        };
        let meet = edge("Antony Blinken", "meet", "Sergei Lavrov").expect("Blinken met Lavrov");
        let sources: usize = meet.attribute("data-sources").unwrap().parse().unwrap();
        assert!(sources >= 5, "{sources}");
        // Wider with more sources.
        let width = |e: roxmltree::Node| -> f64 {
            e.descendants()
                .find(|p| p.has_tag_name("path"))
                .and_then(|p| p.attribute("stroke-width"))
                .unwrap()
                .parse()
                .unwrap()
        };
        let accuse = edge("Sergei Lavrov", "accuse", "West").expect("Lavrov accused the West");
        assert!(width(meet) > width(accuse));

        let boxes = svg_boxes(&doc);
        assert!(boxes.len() > nodes.len(), "edge labels are drawn");
        for (i, (a, ba)) in boxes.iter().enumerate() {
            for (b, bb) in &boxes[i + 1..] {
                let apart = ba[2] <= bb[0] || bb[2] <= ba[0] || ba[3] <= bb[1] || bb[3] <= ba[1];
                assert!(apart, "depth {depth}: {a:?} {ba:?} overlaps {b:?} {bb:?}");
            }
        }
    }
}

#[test]
fn graph_writes_dot_for_graphviz_and_refuses_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample_store(dir.path());
    let file = dir.path().join("lavrov.dot");
    ok(lore(
        &db,
        &["graph", "Lavrov", "-o", file.to_str().unwrap()],
    ));
    let dot = std::fs::read_to_string(&file).unwrap();
    assert!(
        dot.starts_with("digraph lore {") && dot.trim_end().ends_with('}'),
        "{dot}"
    );
    assert_eq!(dot.matches('{').count(), dot.matches('}').count());
    let id = |name: &str| {
        dot.lines()
            .find(|l| l.contains(&format!("[label=\"{name}\",")))
            .and_then(|l| l.trim().split(' ').next())
            .unwrap_or_else(|| panic!("no node {name} in {dot}"))
            .to_string()
    };
    let (blinken, lavrov) = (id("Antony Blinken"), id("Sergei Lavrov"));
    for rel in ["meet", "tell", "not speak with"] {
        let line = format!("{blinken} -> {lavrov} [label=\"{rel}\"");
        assert!(dot.contains(&line), "{line} not in {dot}");
    }
    assert!(dot.contains(&format!("{lavrov} -> ")), "Lavrov's own facts");
    let lavrov_id = dot
        .split("tooltip=\"Sergei Lavrov (person, ")
        .nth(1)
        .and_then(|t| t.split(')').next())
        .expect("the node's tooltip gives its id");
    let same = ok(lore(&db, &["graph", lavrov_id, "--format", "dot"]));
    assert_eq!(same, dot, "the same picture by id, and on every run");

    for (args, says) in [
        (vec!["graph", "Lavorv"], "did you mean `Sergei Lavrov`?"),
        (vec!["graph", "Lavrov", "--depth", "0"], "--depth 1 to"),
        (
            vec!["graph", "Lavrov", "--max-nodes", "1"],
            "at least 2 nodes",
        ),
        // A format lore cannot draw: refused, with the ones it can.
        (vec!["graph", "Lavrov", "-o", "x.jpg"], "not .jpg"),
    ] {
        let o = lore(&db, &args);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        assert!(stderr(&o).contains(says), "{args:?}: {}", stderr(&o));
        assert_eq!(stderr(&o).lines().count(), 1);
    }
    assert!(
        !Path::new("x.jpg").exists(),
        "a refused picture writes no file"
    );
}

/// PNG by the file's extension, by `-f png` on stdout, and from the
/// shell's `.graph`: the SVG picture rendered in process, its labels in
/// the compiled-in font, whatever fonts the machine has.
#[test]
fn graph_draws_png() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample_store(dir.path());
    let is_png = |bytes: &[u8], what: &str| {
        assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "{what}: not a PNG");
        // The IHDR chunk's width and height: a picture, not a speck.
        let side = |at: usize| {
            u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
        };
        assert!(
            side(16) >= 300 && side(20) >= 200,
            "{what}: {}x{}",
            side(16),
            side(20)
        );
    };
    let file = dir.path().join("lavrov.png");
    let o = lore(&db, &["graph", "Lavrov", "-o", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    is_png(&std::fs::read(&file).unwrap(), "-o lavrov.png");
    let o = lore(&db, &["graph", "Lavrov", "-f", "png"]);
    assert!(o.status.success(), "{}", stderr(&o));
    is_png(&o.stdout, "-f png");
    let script = dir.path().join("draw.lore");
    std::fs::write(&script, ".graph Lavrov shell.png\n").unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_lore"))
        .current_dir(dir.path())
        .args(["--db", db.to_str().unwrap(), "run", "draw.lore"])
        .env_remove("LORE_DB")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("image viewer"), "{}", stderr(&o));
    is_png(
        &std::fs::read(dir.path().join("shell.png")).unwrap(),
        ".graph",
    );
}

#[test]
fn output_and_once_send_results_to_files_and_back() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample_store(dir.path());
    let script = dir.path().join("results.lore");
    std::fs::write(
        &script,
        ".mode csv\n.once once.csv\nLavrov ?r ?x;\ncount where Lavrov ?r ?x;\n\
         .output all.csv -- until .output alone\nLavrov ?r ?x;\nBlinken ?r ?x;\n.output\n\
         count where Blinken ?r ?x;\n",
    )
    .unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_lore"))
        .current_dir(dir.path())
        .args(["--db", db.to_str().unwrap(), "run", "results.lore"])
        .env_remove("LORE_DB")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let once = std::fs::read_to_string(dir.path().join("once.csv")).unwrap();
    let all = std::fs::read_to_string(dir.path().join("all.csv")).unwrap();
    let lines = |t: &str| t.lines().count();
    // One statement's rows with their header; both statements in all.csv.
    assert!(once.starts_with("r,x,fact\n"), "{once}");
    assert!(lines(&once) > 1, "{once}");
    assert!(
        !once.contains("count"),
        "the next statement went back to stdout: {once}"
    );
    assert!(lines(&all) > lines(&once), "{all}");
    assert!(all.contains(&once), "{all}");
    // On stdout: the count after .once and the count after .output alone.
    let out = stdout(&o);
    assert_eq!(out.matches("count").count(), 2, "{out}");
    assert!(!out.contains(once.lines().nth(1).unwrap()), "{out}");
}

#[test]
fn the_shell_imports_what_lore_import_imports() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample_store(dir.path());
    let jsonl = dir.path().join("all.jsonl");
    let nt = dir.path().join("all.nt");
    ok(lore(&db, &["export", "-o", jsonl.to_str().unwrap()]));
    ok(lore(
        &db,
        &["export", "--format", "ntriples", "-o", nt.to_str().unwrap()],
    ));
    for (file, name) in [(&jsonl, "j"), (&nt, "n")] {
        let by_shell = dir.path().join(format!("{name}-shell"));
        let by_cli = dir.path().join(format!("{name}-cli"));
        let script = dir.path().join(format!("{name}.lore"));
        std::fs::write(&script, format!(".import {}\n.stats\n", file.display())).unwrap();
        let o = lore(&by_shell, &["run", script.to_str().unwrap()]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(
            stderr(&o).contains("lines:") || stderr(&o).contains("documents"),
            "{}",
            stderr(&o)
        );
        ok(lore(&by_cli, &["import", file.to_str().unwrap()]));
        let counts = |db: &Path| -> Vec<String> {
            ok(lore(db, &["stats"]))
                .lines()
                .filter(|l| !l.starts_with("store") && !l.starts_with("disk"))
                .map(String::from)
                .collect()
        };
        let (shell, cli) = (counts(&by_shell), counts(&by_cli));
        assert!(shell.iter().any(|l| l.starts_with("facts")), "{shell:?}");
        assert!(!shell.contains(&"facts      0".to_string()), "{shell:?}");
        assert_eq!(shell, cli, "{name}");
    }
    // A directory is refused with where articles go instead.
    let script = dir.path().join("dir.lore");
    std::fs::write(&script, format!(".import {}\n", dir.path().display())).unwrap();
    let o = lore(&dir.path().join("x"), &["run", script.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains(".ingest reads directories"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn every_command_that_writes_results_takes_f_and_o() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample_store(dir.path());
    let file = |name: &str| dir.path().join(name);
    let path = |name: &str| file(name).to_str().unwrap().to_string();
    ok(lore(
        &db,
        &["query", "Lavrov ?r ?x;", "-f", "csv", "-o", &path("q.csv")],
    ));
    let q = std::fs::read_to_string(file("q.csv")).unwrap();
    assert!(q.starts_with("r,x,fact\n") && q.lines().count() > 2, "{q}");
    ok(lore(
        &db,
        &["timeline", "Lavrov", "-f", "json", "-o", &path("t.json")],
    ));
    let t = std::fs::read_to_string(file("t.json")).unwrap();
    assert!(
        t.lines().all(|l| l.starts_with('{')) && !t.is_empty(),
        "{t}"
    );
    ok(lore(
        &db,
        &["export", "-f", "ntriples", "-o", &path("e.nt")],
    ));
    assert!(
        std::fs::read_to_string(file("e.nt"))
            .unwrap()
            .contains("> .")
    );
    ok(lore(
        &db,
        &["graph", "Lavrov", "-f", "dot", "-o", &path("g.gv")],
    ));
    assert!(
        std::fs::read_to_string(file("g.gv"))
            .unwrap()
            .starts_with("digraph")
    );
    std::fs::write(
        file("two.lore"),
        "Lavrov ?r ?x;\ncount where Lavrov ?r ?x;\n",
    )
    .unwrap();
    let out = ok(lore(
        &db,
        &[
            "run",
            &path("two.lore"),
            "-f",
            "csv",
            "-o",
            &path("run out.csv"),
        ],
    ));
    assert!(out.is_empty(), "{out}");
    let r = std::fs::read_to_string(file("run out.csv")).unwrap();
    assert!(r.starts_with("r,x,fact\n") && r.contains("count\n"), "{r}");
    // A query that fails writes no file.
    let o = lore(&db, &["query", "Lavrov ?r", "-o", &path("bad.csv")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(!file("bad.csv").exists());
}

#[test]
fn width_maxrows_and_shell_do_what_sqlite_users_expect() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample_store(dir.path());
    let script = dir.path().join("habits.lore");
    std::fs::write(
        &script,
        ".maxrows 2\nLavrov ?r ?x;\n.width 40\nwhy Blinken met Lavrov;\n\
         .shell echo from-the-shell; exit 3\n.system printf '%s' \"a -- b\"\n",
    )
    .unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_lore"))
        .current_dir(dir.path())
        .args(["--db", db.to_str().unwrap(), "run", "habits.lore"])
        .env_remove("LORE_DB")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("(2 rows; limit reached"), "{out}");
    // Fitted to 40 columns: `why` falls back to one `name = value` per line.
    let why: Vec<&str> = out.lines().filter(|l| l.contains(" = ")).collect();
    assert!(!why.is_empty(), "{out}");
    assert!(why.iter().all(|l| l.chars().count() <= 40), "{why:?}");
    assert!(out.contains("from-the-shell\n"), "{out}");
    assert!(out.contains("a -- b"), "{out}");
    assert!(stderr(&o).contains("exit status: 3"), "{}", stderr(&o));
}

#[test]
fn headers_off_leaves_the_column_names_out_of_csv_and_tables() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample_store(dir.path());
    let run = |script: &str| {
        let o = Command::new(env!("CARGO_BIN_EXE_lore"))
            .args(["--db", db.to_str().unwrap(), "run", "-"])
            .env_remove("LORE_DB")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut c| {
                use std::io::Write as _;
                c.stdin.take().unwrap().write_all(script.as_bytes())?;
                c.wait_with_output()
            })
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        stdout(&o)
    };
    let with = run(".mode csv\nLavrov ?r ?x;\n");
    let without = run(".mode csv\n.headers off\nLavrov ?r ?x;\n");
    assert!(with.starts_with("r,x,fact\n"), "{with}");
    assert_eq!(
        without,
        with.split_once('\n').unwrap().1,
        "the same rows, no header"
    );
    let table = run(".headers off\nLavrov ?r ?x;\n");
    assert!(
        !table.contains("-+-") && !table.lines().next().unwrap().starts_with("r "),
        "{table}"
    );
}

#[test]
fn graph_meta_command_writes_the_picture_where_it_says() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample_store(dir.path());
    let script = dir.path().join("pictures.lore");
    std::fs::write(
        &script,
        ".graph Lavrov\n.graph \"Paul Whelan\" whelan.dot --depth 2\n.help graph\n",
    )
    .unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_lore"))
        .current_dir(dir.path())
        .args(["--db", db.to_str().unwrap(), "run", "pictures.lore"])
        .env_remove("LORE_DB")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("wrote sergei-lavrov.svg (Sergei Lavrov: "),
        "{err}"
    );
    assert!(err.contains("wrote whelan.dot (Paul Whelan: "), "{err}");
    let svg = std::fs::read_to_string(dir.path().join("sergei-lavrov.svg")).unwrap();
    roxmltree::Document::parse(&svg).expect("well-formed SVG");
    let dot = std::fs::read_to_string(dir.path().join("whelan.dot")).unwrap();
    assert!(dot.starts_with("digraph"), "{dot}");
    assert!(
        stdout(&o).contains(".graph NAME [FILE] [--depth N]"),
        "{}",
        stdout(&o)
    );

    std::fs::write(&script, ".graph Nobody\n").unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_lore"))
        .current_dir(dir.path())
        .args(["--db", db.to_str().unwrap(), "run", "pictures.lore"])
        .env_remove("LORE_DB")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("pictures.lore:1:1: error: `Nobody`: no entity has this name"),
        "{}",
        stderr(&o)
    );
}

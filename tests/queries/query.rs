//! The query language end to end through the library, on a store built from JSONL.

use crate::query_support;

use lore::ingest::normalize_relation;
use lore::query::{self, CancelToken, QueryOptions};
use lore::{Error, Store, Value};
use query_support::*;

fn err(store: &Store, q: &str) -> lore::diag::Diagnostic {
    match store.query(q) {
        Err(Error::Query(d)) => *d,
        other => panic!("{q}: expected a query error, got {other:?}"),
    }
}

#[test]
fn a_bound_subject_finds_objects_and_the_fact() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    let r = s.query("Blinken urged ?who;").unwrap();
    let out = &r.statements[0];
    assert_eq!(out.columns, vec!["who", "fact"]);
    let who: Vec<String> = out.rows.iter().map(|r| r[0].to_string()).collect();
    assert_eq!(who, vec!["Russia", "Sergey Lavrov"]);
    assert!(matches!(out.rows[0][1], Value::Fact(_)));
}

#[test]
fn names_match_any_alias_case_insensitively() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    for q in [
        "\"sergei lavrov\" ?r ?o;",
        "LAVROV ?r ?o;",
        "\"Sergey Lavrov\" ?r ?o;",
    ] {
        let r = rows(&s, q);
        assert!(
            r.iter().any(|row| row[1] == "Russian Foreign Minister"),
            "{q}: {r:?}"
        );
    }
}

#[test]
fn relation_forms_and_symmetry_match_both_directions() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    for q in [
        "Blinken met ?who;",
        "Blinken meets ?who;",
        "Blinken meet ?who;",
    ] {
        assert_eq!(rows(&s, q)[0][0], "Sergey Lavrov", "{q}");
    }
    // Stored as "Blinken meet Lavrov": asked the other way round it still matches.
    let r = rows(&s, "Lavrov met ?who;");
    let who: Vec<&str> = r.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(who, vec!["Antony Blinken", "Jake Sullivan"]);
    let r = rows(&s, "?who met Blinken;");
    assert_eq!(r[0][0], "Sergey Lavrov");
    // Urging is not symmetric: Lavrov did not urge Blinken.
    assert!(rows(&s, "Lavrov urged ?who;").is_empty());
}

#[test]
fn joins_bind_shared_variables() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    let r = rows(
        &s,
        "find ?a, ?role where ?a met ?b, ?b \"holds role\" ?role order by ?a;",
    );
    assert_eq!(
        r,
        vec![
            vec!["Antony Blinken", "Russian Foreign Minister"],
            vec!["Jake Sullivan", "Russian Foreign Minister"],
            vec!["Sergey Lavrov", "Secretary of State"],
        ]
    );
    let r = rows(&s, "?who \"is detained in\" ?where;");
    assert_eq!(r[0][..2], ["Paul Whelan", "Russia"]);
}

#[test]
fn qualifiers_bind_from_the_fact() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    let r = rows(&s, "Blinken met Lavrov {place: ?where, time: ?when};");
    assert_eq!(r[0][..2], ["New Delhi", "2023-03-02"]);
    assert_eq!(rows(&s, "Blinken met ?x {place: \"new delhi\"};").len(), 1);
    assert!(rows(&s, "Blinken met ?x {place: Paris};").is_empty());
    // A qualifier the fact lacks binds to nothing instead of dropping the row.
    let r = rows(&s, "Blinken urged ?x {place: ?where};");
    assert_eq!(r.len(), 2);
    assert_eq!(r[0][1], "");
}

#[test]
fn denied_facts_match_only_when_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    assert!(rows(&s, "Lavrov mentioned ?x;").is_empty());
    assert_eq!(
        rows(&s, "Lavrov mentioned ?x {polarity: negative};")[0][0],
        "Paul Whelan"
    );
    let r = rows(&s, "Lavrov ?r ?x {polarity: ?p} order by ?r;");
    let pol: Vec<(&str, &str)> = r.iter().map(|r| (r[0].as_str(), r[2].as_str())).collect();
    assert!(pol.contains(&("mention", "negative")), "{pol:?}");
    assert!(pol.contains(&("meet", "positive")), "{pol:?}");
}

#[test]
fn filters_and_negation() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    let r = rows(&s, "?x urged ?y, not ?y = Russia;");
    assert_eq!(r.len(), 1);
    assert_eq!(r[0][..2], ["Antony Blinken", "Sergey Lavrov"]);
    let r = rows(&s, "find ?x where ?x urged Russia, not ?x met ?someone;");
    assert_eq!(r, vec![vec!["United States"]]);
    // `meet` is symmetric, so the one fact answers in both directions.
    let r = rows(
        &s,
        "find ?s, ?n where ?s ?r ?o {sources: ?n}, ?n >= 3 order by ?s;",
    );
    assert_eq!(
        r,
        vec![vec!["Antony Blinken", "3"], vec!["Sergey Lavrov", "3"]]
    );
    let r = rows(
        &s,
        "find ?f where ?s ?r ?o {sources: ?n, fact: ?f}, ?n >= 3;",
    );
    assert_eq!(r.len(), 1);
}

#[test]
fn counts_and_groups() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    assert_eq!(rows(&s, "count ?x where ?x urged ?y;"), vec![vec!["2"]]);
    assert_eq!(rows(&s, "count where ?x urged ?y;"), vec![vec!["3"]]);
    let urge = normalize_relation("urged");
    // A `meet` fact holds both ways, but where its two ends are alike (shown
    // by neither column) it is one fact: solutions and distinct facts agree.
    for q in [
        "find ?r, count() where ?s ?r ?o group by ?r order by count() desc, ?r;",
        "find ?r, count(?f) where ?s ?r ?o {fact: ?f} group by ?r order by count(?f) desc, ?r;",
    ] {
        let r = rows(&s, q);
        assert_eq!(r[0], [urge.as_str(), "3"], "{q}");
        assert!(
            r.contains(&vec!["meet".to_string(), "2".to_string()]),
            "{q}: {r:?}"
        );
    }
    assert_eq!(rows(&s, "count where ?s meet ?o;"), vec![vec!["2"]]);
    assert_eq!(rows(&s, "find ?s, ?o where ?s meet ?o;").len(), 2);
    // Shown by one column, each direction is an answer of its own: each of
    // the two meetings counts for both of its people.
    let r = rows(
        &s,
        "find ?s, count() where ?s meet ?o group by ?s order by ?s;",
    );
    assert_eq!(
        r,
        vec![
            vec!["Antony Blinken", "1"],
            vec!["Jake Sullivan", "1"],
            vec!["Sergey Lavrov", "2"]
        ]
    );
    assert_eq!(rows(&s, "count ?s where ?s meet ?o;"), vec![vec!["3"]]);
    // An end used by a filter keeps both directions.
    assert_eq!(rows(&s, "find ?s, ?o where ?s meet ?o, ?s != ?o;").len(), 4);
}

#[test]
fn counting_a_lone_pattern_agrees_with_counting_the_rows() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    // The first form takes the counting shortcut; the filter forces full binding.
    for body in [
        "?x ?r ?y",
        "?x met ?y",
        "Lavrov ?r ?y",
        "?x ?r Russia",
        "Sullivan ?r ?y",
    ] {
        let fast = rows(&s, &format!("count where {body};"));
        // (On the fact, not an end: a filter on an end would ask for both
        // directions of a symmetric fact.)
        let slow = rows(&s, &format!("count where {body} {{fact: ?f}}, ?f = ?f;"));
        let listed = rows(&s, &format!("{body};")).len();
        assert_eq!(fast, slow, "{body}");
        assert_eq!(fast[0][0], listed.to_string(), "{body}");
    }
}

#[test]
fn why_lists_every_source_with_its_document() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    let r = s.query("why Blinken met Lavrov;").unwrap();
    let out = &r.statements[0];
    assert_eq!(out.rows.len(), 3);
    let col = |name: &str| out.columns.iter().position(|c| c == name).unwrap();
    let docs: Vec<String> = out
        .rows
        .iter()
        .map(|r| r[col("document")].to_string())
        .collect();
    assert!(
        docs.contains(&"BBC: Blinken tells Lavrov".to_string()),
        "{docs:?}"
    );
    assert_eq!(out.rows[0][col("origin")].to_string(), "ap.txt");
    assert_eq!(
        out.rows[0][col("sentence")].to_string(),
        "met sentence in doc 0"
    );
    assert_eq!(out.rows[0][col("span")].to_string(), "0..9");
}

#[test]
fn describe_shows_kind_aliases_and_facts_both_ways() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    let r = s.query("describe Lavrov;").unwrap();
    let out = &r.statements[0];
    let note = out.notes.join("\n");
    assert!(note.contains("Sergey Lavrov"), "{note}");
    assert!(note.contains("person"), "{note}");
    assert!(note.contains("Sergei Lavrov"), "{note}");
    let dirs: Vec<(String, String)> = out
        .rows
        .iter()
        .map(|r| (r[1].to_string(), r[2].to_string()))
        .collect();
    assert!(dirs.contains(&("in".into(), "meet".into())), "{dirs:?}");
    assert!(dirs.iter().any(|d| d.0 == "out"), "{dirs:?}");
}

#[test]
fn entities_and_relations_list_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    let r = rows(&s, "entities like \"lavr\";");
    assert_eq!(r.len(), 1);
    assert_eq!(r[0][0], "Sergey Lavrov");
    assert_eq!(r[0][1], "person");
    let r = rows(&s, "relations;");
    assert_eq!(r[0][..2], [normalize_relation("urged").as_str(), "3"]);
    assert!(rows(&s, "relations like \"crit\";").len() == 1);
}

#[test]
fn explain_names_the_index_and_the_estimate() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    let r = rows(&s, "explain Blinken ?r ?x;");
    assert_eq!(r[0][2], "spo");
    assert_eq!(r[0][4], "4"); // Blinken is the subject of four facts
    // `urged` holds three facts, fewer than Blinken's four: its group is read.
    let r = rows(&s, "explain Blinken urged ?x;");
    assert_eq!(r[0][2], "pos");
    assert_eq!(rows(&s, "Blinken urged ?x;").len(), 2); // Russia and Lavrov
    let r = rows(&s, "explain ?x ?r Russia;");
    assert_eq!(r[0][2], "osp");
    let r = rows(&s, "explain ?x urged ?y;");
    assert_eq!(r[0][2], "pos");
    assert_eq!(r[0][4], "3");
    // The join starts from the pattern with the fewest rows.
    let r = rows(&s, "explain ?a ?r ?b, ?a \"is detained in\" Russia;");
    assert!(r[0][1].contains("detained"), "{r:?}");
    assert_eq!(r[1][2], "spo");
}

#[test]
fn an_ambiguous_name_shows_every_entity_it_matched() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    let r = s.query("Sullivan ?r ?o;").unwrap();
    let out = &r.statements[0];
    assert!(
        out.notes[0].contains("matches 2 entities"),
        "{:?}",
        out.notes
    );
    let col = out.columns.iter().position(|c| c == "Sullivan").unwrap();
    let who: Vec<String> = out.rows.iter().map(|r| r[col].to_string()).collect();
    assert_eq!(who, vec!["Jake Sullivan", "Sullivan & Co"]);
}

#[test]
fn the_row_limit_cuts_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    let opts = QueryOptions {
        limit: 2,
        ..QueryOptions::default()
    };
    let r = s.query_with("?s ?r ?o;", &opts).unwrap();
    assert_eq!(r.statements[0].rows.len(), 2);
    assert!(r.statements[0].truncated);
    // An explicit limit is what the user asked for: cut, but not flagged.
    let r = s.query("?s ?r ?o limit 2;").unwrap();
    assert_eq!(r.statements[0].rows.len(), 2);
    assert!(!r.statements[0].truncated);
    let r = s.query("?s urged ?o;").unwrap();
    assert!(!r.statements[0].truncated);
}

#[test]
fn several_statements_give_several_outputs_with_spans() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    let text = "Blinken met ?x; -- first\n relations;";
    let r = s.query(text).unwrap();
    assert_eq!(r.statements.len(), 2);
    assert_eq!(&text[r.statements[1].span.clone()], "relations");
}

fn big_store(dir: &std::path::Path, n: u64) -> Store {
    let mut lines = lines();
    for i in 0..n {
        lines.push(serde_json::json!({
            "type": "fact", "subject": format!("Noise {}", i % 97), "relation": "say",
            "object": {"type": "number", "value": i}, "sources": [{"doc": 0, "sentence": "x", "span": [0, 1]}]
        }));
    }
    store_with(dir, &lines)
}

#[test]
fn a_bound_subject_or_object_reads_only_its_index_group() {
    let dir = tempfile::tempdir().unwrap();
    let s = big_store(dir.path(), 5000);
    for (q, most) in [
        ("Blinken urged ?x;", 4),                 // Blinken's spo group
        ("?x urged Russia;", 4),                  // Russia's osp group
        ("Blinken met ?x;", 4 + 3),               // spo of Blinken + osp of Blinken (symmetric)
        ("Whelan \"is detained in\" Russia;", 1), // the smaller of the two groups
        ("?a met ?b, ?b urged ?c;", 40),
    ] {
        let before = query::entries_read(&s);
        let r = s.query(q).unwrap();
        let read = query::entries_read(&s) - before;
        assert!(!r.statements[0].rows.is_empty(), "{q}");
        assert!(
            read <= most,
            "{q} read {read} index entries, expected at most {most}"
        );
    }
    // Control: an unbound pattern does read the whole store.
    let before = query::entries_read(&s);
    s.query("count where ?s ?r ?o;").unwrap();
    assert!(query::entries_read(&s) - before >= 5000);
}

#[test]
fn a_query_can_be_cancelled_from_another_thread() {
    let dir = tempfile::tempdir().unwrap();
    let s = big_store(dir.path(), 3000);
    let cancel = CancelToken::new();
    let opts = QueryOptions {
        limit: usize::MAX,
        cancel: cancel.clone(),
        timeout: None,
    };
    let (started_tx, started_rx) = std::sync::mpsc::channel();
    let canceller = std::thread::spawn(move || {
        started_rx.recv().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(50));
        cancel.cancel();
    });
    started_tx.send(()).unwrap();
    // Nine million bindings: far longer than the canceller waits.
    let r = s.query_with("count where ?a say ?x, ?b say ?y;", &opts);
    canceller.join().unwrap();
    assert!(matches!(r, Err(Error::Cancelled)), "{r:?}");
}

#[test]
fn unknown_names_and_relations_suggest_what_the_store_has() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    let text = "Blinken met ?x;\nLavorv met ?y;";
    let d = err(&s, text);
    assert_eq!(&text[d.span.clone()], "Lavorv");
    assert_eq!(d.help.as_deref(), Some("did you mean `Sergey Lavrov`?"));
    let rendered = d.render("q.lore", text);
    assert!(
        rendered.starts_with("q.lore:2:1: error: unknown entity `Lavorv`"),
        "{rendered}"
    );
    assert!(
        rendered.contains("2 | Lavorv met ?y;\n  | ^^^^^^"),
        "{rendered}"
    );

    let d = err(&s, "Blinken urgd ?x;");
    assert_eq!(d.message, "unknown relation `urgd`");
    let help = d.help.unwrap();
    assert!(
        help == format!("did you mean `{}`?", normalize_relation("urged"))
            || help == "did you mean `urged`?",
        "{help}"
    );
}

#[test]
fn syntax_errors_point_at_the_token_and_suggest_a_fix() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    let d = err(&s, "descibe Lavrov;");
    assert_eq!(d.help.as_deref(), Some("did you mean `describe`?"));
    let text = "Blinken met \"Sergey Lavrov;";
    let d = err(&s, text);
    assert_eq!(d.message, "unclosed string");
    assert_eq!(d.span, 12..13);
    assert!(d.render("q", text).contains("help: add a closing `\"`"));
    let d = err(&s, "find ?x, ?z where ?x met ?y;");
    assert_eq!(d.message, "`?z` does not appear in the query");
    let d = err(&s, "find ?z where ?x met ?y, not ?y met ?z;");
    assert!(
        d.message.contains("only appears in a `not` pattern"),
        "{}",
        d.message
    );
    let d = err(&s, "find ?x where ?x met ?y order by ?y;");
    assert!(d.message.contains("not a column"), "{}", d.message);
}

#[test]
fn library_rows_are_typed() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    let r = s.query("Lavrov \"holds role\" ?role;").unwrap();
    assert_eq!(
        r.statements[0].rows[0][0],
        Value::Text("Russian Foreign Minister".into())
    );
    let r = s.query("?who met Lavrov;").unwrap();
    assert_eq!(
        r.statements[0].rows[0][0],
        Value::Entity {
            id: BLINKEN,
            name: "Antony Blinken".into()
        }
    );
}

#[test]
fn find_lists_each_distinct_row_once_and_agrees_with_a_distinct_count() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    for var in ["?x", "?r", "?y"] {
        let listed = rows(&s, &format!("find {var} where ?x ?r ?y limit 10000;"));
        let mut unique = listed.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(listed.len(), unique.len(), "{var}: {listed:?}");
        let counted = rows(&s, &format!("count {var} where ?x ?r ?y;"));
        assert_eq!(counted, vec![vec![listed.len().to_string()]], "{var}");
        assert!(listed.len() > 1, "{var}: the fixture has several");
    }
}

#[test]
fn ids_from_results_work_in_why_and_describe() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    // The fact id a result shows, followed with `why`.
    let found = rows(&s, "find ?x, ?f where Blinken met ?x {fact: ?f};");
    let id = found[0][1].clone();
    assert!(id.starts_with('#'), "{found:?}");
    let by_id = rows(&s, &format!("why {id};"));
    assert!(!by_id.is_empty());
    assert!(by_id.iter().all(|r| r[0] == id), "{by_id:?}");
    let by_pattern = rows(&s, "why Blinken met ?x;");
    assert!(by_pattern.iter().filter(|r| r[0] == id).count() == by_id.len());
    // The same id twice is one fact.
    assert_eq!(rows(&s, &format!("why {id}, {id};")), by_id);
    // An entity by the id `describe NAME` names in its notes.
    let r = s.query("describe Lavrov;").unwrap();
    let note = &r.statements[0].notes[0];
    let eid = &note[note.find("(#").unwrap() + 1..note.find(')').unwrap()];
    assert_eq!(
        rows(&s, &format!("describe {eid};")),
        rows(&s, "describe Lavrov;")
    );
    // Ids nothing has are errors at the id.
    let e = err(&s, "why #999999;");
    assert_eq!((e.span.start, e.span.end), (4, 11));
    let e = err(&s, "describe #999999;");
    assert!(
        e.message.contains("no entity has the id #999999"),
        "{}",
        e.message
    );
}

#[test]
fn a_month_or_a_year_finds_the_days_within_it() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    let dated = rows(&s, "?a ?r ?b {time: ?t};");
    let days: Vec<&Vec<String>> = dated.iter().filter(|r| r[3].len() == 10).collect();
    assert!(!days.is_empty(), "the fixture has dated facts: {dated:?}");
    let day = days[0][3].clone();
    let exact = rows(&s, &format!("?a ?r ?b {{time: {day}}};"));
    let month = rows(&s, &format!("?a ?r ?b {{time: {}}};", &day[..7]));
    let year = rows(&s, &format!("?a ?r ?b {{time: {}}};", &day[..4]));
    assert!(!exact.is_empty());
    assert!(month.len() >= exact.len() && year.len() >= month.len());
    for r in &exact {
        assert!(month.contains(r) && year.contains(r), "{r:?}");
    }
    // Another month holds none of that day's facts.
    let other = if &day[5..7] == "01" { "02" } else { "01" };
    let elsewhere = rows(&s, &format!("?a ?r ?b {{time: {}-{other}}};", &day[..4]));
    assert!(exact.iter().all(|r| !elsewhere.contains(r)));
}

#[test]
fn text_and_kind_filters() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    let names = |q: &str| -> Vec<String> {
        let mut v: Vec<String> = rows(&s, q).into_iter().map(|r| r[0].clone()).collect();
        v.sort();
        v.dedup();
        v
    };
    // Substring, ignoring case, over every name of an entity: "sergei" is
    // only an alias of Sergey Lavrov.
    assert_eq!(
        names("find ?x where ?x ?r ?y, ?x ~ \"SERGEI\";"),
        ["Sergey Lavrov"]
    );
    // Text values too.
    assert_eq!(
        names("find ?role where ?x \"holds role\" ?role, ?role ~ \"minister\";"),
        ["Russian Foreign Minister"]
    );
    // A regular expression, anchored, on any name.
    assert_eq!(
        names("find ?x where ?x ?r ?y, ?x =~ \"^(Mr )?Blinken$\";"),
        ["Antony Blinken"]
    );
    // Kinds: the two Sullivans are told apart.
    assert_eq!(
        names("find ?x where ?x ?r ?y, ?x ~ \"sullivan\", ?x is organization;"),
        ["Sullivan & Co"]
    );
    assert_eq!(
        names("find ?x where ?x ?r ?y, ?x ~ \"sullivan\", ?x is person;"),
        ["Jake Sullivan"]
    );
    assert_eq!(names("find ?y where ?x ?r ?y, ?y is place;"), ["Russia"]);
    // `not` negates; a text value has no kind, so `is` never holds for it.
    assert!(
        names("find ?x where ?x ?r ?y, not ?x is person;")
            .iter()
            .all(|n| n == "United States" || n == "Sullivan & Co")
    );
    assert!(names("find ?role where ?x \"holds role\" ?role, ?role is person;").is_empty());
    // Errors at their place.
    let d = err(&s, "?a met ?b, ?b =~ \"a{99999999}\";");
    assert!(d.message.contains("regular expression"), "{}", d.message);
    let d = err(&s, "?a met ?b, ?b ~ ?a;");
    assert!(d.message.contains("quoted text"), "{}", d.message);
}

#[test]
fn document_qualifiers_give_a_row_per_source_document() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    let col = |q: &str, i: usize| -> Vec<String> {
        rows(&s, q).into_iter().map(|r| r[i].clone()).collect()
    };
    // The meeting was read in three documents: one row each.
    assert_eq!(
        col(
            "find ?o, ?d where Blinken met ?x {origin: ?o, document: ?d};",
            0
        ),
        ["ap.txt", "bbc.txt", "cnn.txt"]
    );
    assert_eq!(
        col("find ?d where Blinken met ?x {document: ?d};", 0),
        ["doc #0", "doc #1", "doc #2"]
    );
    // A constant keeps the facts read in documents that agree with it.
    assert_eq!(
        col("Blinken urged ?who {origin: \"bbc.txt\"};", 0),
        ["Sergey Lavrov"]
    );
    let count = |q: &str| col(q, 0)[0].parse::<u64>().unwrap();
    let all = count("count ?f where ?a ?r ?b {fact: ?f};");
    assert_eq!(
        count("count ?f where ?a ?r ?b {fact: ?f, published: 2023-03};"),
        all
    );
    assert_eq!(
        count("count ?f where ?a ?r ?b {fact: ?f, published: 2024};"),
        0
    );
    // Fields join like any variable: what each outlet's title says about Russia.
    let titles = col("find ?t where ?x urged Russia {title: ?t};", 0);
    assert_eq!(
        titles,
        [
            "AP: Blinken and Lavrov talk briefly",
            "BBC: Blinken tells Lavrov"
        ]
    );
}

#[test]
fn ids_stand_for_entities_and_documents_in_patterns() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    let by_name = rows(&s, "Lavrov ?r ?x;");
    assert!(!by_name.is_empty());
    assert_eq!(rows(&s, &format!("#{LAVROV} ?r ?x;")), by_name);
    assert_eq!(
        rows(&s, &format!("?a met ?b, ?b = #{LAVROV};")),
        rows(&s, "?a met ?b, ?b = Lavrov;")
    );
    // `document: #ID` is the document of that id.
    let mut bbc: Vec<String> = rows(&s, "?a urged ?b {document: #1};")
        .into_iter()
        .map(|r| r[1].clone())
        .collect();
    bbc.sort();
    // Doc 1 holds "US urged Russia" and "Blinken urged Lavrov", not
    // "Blinken urged Russia" (doc 0).
    assert_eq!(bbc, ["Russia", "Sergey Lavrov"]);
    let d = err(&s, "#999 ?r ?x;");
    assert!(d.message.contains("no entity #999"), "{}", d.message);
}

#[test]
fn conflicts_pair_asserted_with_denied_and_dates_that_cannot_both_hold() {
    use serde_json::json;
    let dir = tempfile::tempdir().unwrap();
    let mut lines = query_support::lines();
    lines.extend([
        // Doc 0 asserts what doc 2 denies.
        query_support::fact(
            LAVROV,
            "mentioned",
            json!(WHELAN),
            json!({}),
            "positive",
            &[0],
        ),
        // The same meeting, told the other way round (met is symmetric),
        // three days later: a date that cannot hold beside 2023-03-02.
        query_support::fact(
            LAVROV,
            "met",
            json!(BLINKEN),
            json!({"time": "2023-03-05"}),
            "positive",
            &[1],
        ),
    ]);
    let s = query_support::store_with(dir.path(), &lines);
    let all = rows(&s, "conflicts;");
    let what: Vec<(String, String, String, String)> = all
        .iter()
        .map(|r| (r[0].clone(), r[1].clone(), r[2].clone(), r[3].clone()))
        .collect();
    assert_eq!(
        what,
        [
            (
                "Antony Blinken".into(),
                "meet".into(),
                "Sergey Lavrov".into(),
                "different dates".into()
            ),
            (
                "Sergey Lavrov".into(),
                "mention".into(),
                "Paul Whelan".into(),
                "asserted and denied".into()
            ),
        ],
        "{all:?}"
    );
    // Each row names both facts; the asserted one first.
    let denied = &all[1];
    let polarity = |id: &str| rows(&s, &format!("why {id};"))[0][4].clone();
    assert_eq!(
        (polarity(&denied[4]), polarity(&denied[6])),
        ("positive".into(), "negative".into())
    );
    // About one entity: only its facts.
    assert_eq!(rows(&s, "conflicts about Whelan;").len(), 1);
    assert_eq!(rows(&s, &format!("conflicts about #{BLINKEN};")).len(), 1);
    // The fixture alone has nothing to report.
    let dir2 = tempfile::tempdir().unwrap();
    assert!(rows(&store(dir2.path()), "conflicts;").is_empty());
    let d = err(&s, "conflicts about ?x;");
    assert!(d.message.contains("needs an entity"), "{}", d.message);
}

/// An event class where a relation goes reads every relation of the class,
/// the one each row matched in a column named after the class; a quoted
/// phrase is always a relation, and a word that is both a relation of the
/// store and a class reads the relation, with a note.
#[test]
fn an_event_class_works_like_a_relation() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    let by_class = rows(&s, "count where ?s ?r ?o {class: consult};");
    assert_ne!(by_class, vec![vec!["0"]], "the store has consult facts");
    assert_eq!(rows(&s, "count where ?s consult ?o;"), by_class);
    let r = s.query("?s consult ?o;").unwrap();
    let out = &r.statements[0];
    assert_eq!(out.columns, vec!["s", "o", "consult", "fact"]);
    let relations: Vec<String> = out.rows.iter().map(|r| r[2].to_string()).collect();
    assert!(relations.iter().any(|r| r == "meet"), "{relations:?}");
    let d = err(&s, "?s \"consult\" ?o;");
    assert!(d.message.contains("unknown relation"), "{}", d.message);
    // A store with a relation `support` reads the relation, and says so.
    let dir = tempfile::tempdir().unwrap();
    let mut lines = lines();
    lines.push(fact(
        US,
        "support",
        serde_json::json!(RUSSIA),
        serde_json::json!({}),
        "positive",
        &[0],
    ));
    let s = store_with(dir.path(), &lines);
    let r = s.query("?s support ?o;").unwrap();
    let out = &r.statements[0];
    assert_eq!(out.columns, vec!["s", "o", "fact"]);
    assert!(
        out.notes.iter().any(|n| n.contains("{class: support}")),
        "{:?}",
        out.notes
    );
}

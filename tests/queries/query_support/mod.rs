//! A small store built from JSONL (not from the extractor) shared by the query tests.

#![allow(dead_code)]

use lore::Store;
use lore::ingest::normalize_relation;
use serde_json::{Value, json};

/// Entity ids of the fixture.
pub const BLINKEN: u64 = 0;
pub const LAVROV: u64 = 1;
pub const RUSSIA: u64 = 2;
pub const WHELAN: u64 = 3;
pub const US: u64 = 4;
pub const JAKE: u64 = 5;
pub const SULLIVAN_CO: u64 = 6;

pub fn fact(s: u64, rel: &str, o: Value, quals: Value, polarity: &str, docs: &[u64]) -> Value {
    let sources: Vec<Value> = docs
        .iter()
        .map(|d| json!({"doc": d, "sentence": format!("{rel} sentence in doc {d}"), "span": [10 * d, 10 * d + 9]}))
        .collect();
    let mut f = json!({
        "type": "fact", "subject": "", "subject_id": s,
        "relation": normalize_relation(rel), "relation_text": rel,
        "object": o, "qualifiers": quals, "polarity": polarity, "sources": sources, "confidence": 0.6
    });
    if let Some(id) = f["object"].as_u64() {
        f["object"] = json!("");
        f["object_id"] = json!(id);
    }
    f
}

/// JSONL lines of the fixture: three articles about one meeting, plus noise.
pub fn lines() -> Vec<Value> {
    let mut out = vec![
        json!({"type":"document","id":0,"title":"AP: Blinken and Lavrov talk briefly","origin":"ap.txt","published":"2023-03-02","hash":"a"}),
        json!({"type":"document","id":1,"title":"BBC: Blinken tells Lavrov","origin":"bbc.txt","published":"2023-03-02","hash":"b"}),
        json!({"type":"document","id":2,"title":"CNN: first meeting since the war","origin":"cnn.txt","published":"2023-03-02","hash":"c"}),
        json!({"type":"entity","id":BLINKEN,"name":"Antony Blinken","kind":"person","aliases":["Blinken","Mr Blinken"]}),
        json!({"type":"entity","id":LAVROV,"name":"Sergey Lavrov","kind":"person","aliases":["Lavrov","Sergei Lavrov"]}),
        json!({"type":"entity","id":RUSSIA,"name":"Russia","kind":"place","aliases":[]}),
        json!({"type":"entity","id":WHELAN,"name":"Paul Whelan","kind":"person","aliases":["Whelan"]}),
        json!({"type":"entity","id":US,"name":"United States","kind":"place","aliases":["US","U.S."]}),
        json!({"type":"entity","id":JAKE,"name":"Jake Sullivan","kind":"person","aliases":["Sullivan"]}),
        json!({"type":"entity","id":SULLIVAN_CO,"name":"Sullivan & Co","kind":"organization","aliases":["Sullivan"]}),
    ];
    let text = |t: &str| json!({"type": "text", "value": t});
    out.extend([
        fact(
            BLINKEN,
            "met",
            json!(LAVROV),
            json!({"place": "New Delhi", "time": "2023-03-02", "class": "consult"}),
            "positive",
            &[0, 1, 2],
        ),
        fact(BLINKEN, "urged", json!(RUSSIA), json!({}), "positive", &[0]),
        fact(US, "urged", json!(RUSSIA), json!({}), "positive", &[1]),
        fact(BLINKEN, "urged", json!(LAVROV), json!({}), "positive", &[1]),
        fact(
            WHELAN,
            "is detained in",
            json!(RUSSIA),
            json!({}),
            "positive",
            &[0, 2],
        ),
        fact(
            LAVROV,
            "holds role",
            text("Russian Foreign Minister"),
            json!({}),
            "positive",
            &[1],
        ),
        fact(
            BLINKEN,
            "holds role",
            text("Secretary of State"),
            json!({}),
            "positive",
            &[0],
        ),
        fact(
            LAVROV,
            "mentioned",
            json!(WHELAN),
            json!({}),
            "negative",
            &[2],
        ),
        fact(JAKE, "met", json!(LAVROV), json!({}), "positive", &[2]),
        fact(
            SULLIVAN_CO,
            "criticized",
            json!(RUSSIA),
            json!({}),
            "positive",
            &[2],
        ),
    ]);
    out
}

/// Opens a new store in `dir` holding `lines`.
pub fn store_with(dir: &std::path::Path, lines: &[Value]) -> Store {
    let store = Store::open(dir.join("q.db")).unwrap();
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    store
        .import_jsonl(&mut text.as_bytes(), "fixture.jsonl", &mut |_| {})
        .unwrap();
    store
}

/// The fixture store.
pub fn store(dir: &std::path::Path) -> Store {
    store_with(dir, &lines())
}

/// Rows of the first statement as display strings.
pub fn rows(store: &Store, q: &str) -> Vec<Vec<String>> {
    let r = store.query(q).unwrap_or_else(|e| panic!("{q}: {e}"));
    r.statements[0]
        .rows
        .iter()
        .map(|r| r.iter().map(|v| v.to_string()).collect())
        .collect()
}

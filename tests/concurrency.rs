//! Concurrency: many reader threads while one writer ingests, and a second
//! process opening a store that is in use.

use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};

use lore::Store;
use lore::model::normalize_name;
use lore::storage::{IndexKind, Storage};

const LORE: &str = env!("CARGO_BIN_EXE_lore");
const PEOPLE: [&str; 8] = [
    "Ann Lee",
    "Bob Stone",
    "Carl Ray",
    "Dana Fox",
    "Erin Holt",
    "Finn Ode",
    "Gail Park",
    "Hal Moss",
];

fn article(i: usize) -> String {
    let a = PEOPLE[i % 8];
    let b = PEOPLE[(i * 3 + 1) % 8];
    let c = PEOPLE[(i * 5 + 2) % 8];
    format!("Round {i}\n\n{a} met {b} in Paris on Monday. {c} visited Oslo with {a} in week {i}.")
}

#[test]
fn readers_see_a_consistent_growing_store_while_one_writer_ingests() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path().join("db")).unwrap();
    let done = AtomicBool::new(false);
    const ARTICLES: usize = 40;
    std::thread::scope(|scope| {
        let mut readers = Vec::new();
        for r in 0..6 {
            let store = &store;
            let done = &done;
            readers.push(scope.spawn(move || {
                let mut last_facts = 0;
                let mut rounds = 0u64;
                while !done.load(Ordering::Acquire) || rounds < 3 {
                    rounds += 1;
                    let facts = store.stats().unwrap().facts;
                    assert!(facts >= last_facts, "reader {r}: fact count went down");
                    last_facts = facts;
                    // Name → entity → its facts through the index, as the query engine reads.
                    let name = PEOPLE[(r + rounds as usize) % 8];
                    for e in store.entities_named(name).unwrap() {
                        assert_eq!(normalize_name(&e.name), normalize_name(name));
                        let _ = e.id;
                    }
                    // Every fact a reader can see is whole: its sources name stored documents.
                    for f in store.facts() {
                        let f = f.unwrap();
                        assert!(
                            !f.sources.is_empty(),
                            "reader {r}: fact {} has no source",
                            f.id
                        );
                    }
                }
                rounds
            }));
        }
        for i in 0..ARTICLES {
            store
                .ingest_text(&article(i), &format!("a{i}.txt"))
                .unwrap();
        }
        done.store(true, Ordering::Release);
        for h in readers {
            assert!(h.join().unwrap() >= 3);
        }
    });
    let stats = store.stats().unwrap();
    assert_eq!(stats.documents, ARTICLES as u64);
    assert!(stats.facts > 0);
}

#[test]
fn storage_index_scans_run_beside_a_writer() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path().join("db")).unwrap();
    store.ingest_text(&article(0), "a0.txt").unwrap();
    let path = store.path().to_path_buf();
    drop(store);
    let storage = Storage::open(&path, &Default::default()).unwrap();
    let done = AtomicBool::new(false);
    std::thread::scope(|scope| {
        for _ in 0..4 {
            let storage = &storage;
            let done = &done;
            scope.spawn(move || {
                while !done.load(Ordering::Acquire) {
                    for t in storage.scan_all() {
                        let t = t.unwrap();
                        let n = storage
                            .scan(IndexKind::Spo, Storage::subject_group(t.subject))
                            .count();
                        assert!(n >= 1);
                    }
                }
            });
        }
        // The writer: a storage-level write per round, many rounds.
        let report = storage.check().unwrap();
        assert!(report.is_clean());
        for i in 0..30u64 {
            let set = lore::storage::WriteSet {
                docs: vec![lore::Document {
                    id: 0,
                    title: format!("t{i}"),
                    origin: format!("o{i}"),
                    published: None,
                    byline: None,
                    dateline: None,
                    hash: format!("h{i}"),
                }],
                entities: vec![lore::storage::NewEntity {
                    name: format!("Person {i}"),
                    kind: lore::EntityKind::Person,
                    aliases: vec![],
                }],
                facts: vec![lore::storage::FactDraft {
                    subject: lore::storage::Ref::New(0),
                    relation: "meet".into(),
                    relation_text: "met".into(),
                    object: lore::storage::ObjectDraft::Entity(lore::storage::Ref::Existing(0)),
                    qualifiers: Default::default(),
                    polarity: lore::Polarity::Positive,
                    confidence: 0.6,
                    sources: vec![lore::storage::SourceDraft {
                        doc: lore::storage::Ref::New(0),
                        sentence: "s".into(),
                        span: (0, 1),
                    }],
                }],
                ..Default::default()
            };
            storage.write(set).unwrap();
        }
        done.store(true, Ordering::Release);
    });
    assert!(storage.check().unwrap().is_clean());
}

#[test]
fn a_second_process_gets_a_clear_in_use_error() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let store = Store::open(&db).unwrap();
    store.ingest_text(&article(1), "a1.txt").unwrap();
    for args in [&["stats"][..], &["check"][..], &["ingest", "-"][..]] {
        let out = Command::new(LORE)
            .arg("--db")
            .arg(&db)
            .args(args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "lore {args:?}: {err}");
        assert!(
            err.contains("is in use by another process") && err.contains(&db.display().to_string()),
            "lore {args:?}: {err}"
        );
    }
    // Still the first process's store, unharmed.
    assert_eq!(store.stats().unwrap().documents, 1);
}

/// A query sees the store between writes: a write that starts while a
/// query runs waits until the query is done (so the query never meets half
/// an import batch). Without the wait, the small write would end long
/// before the slow query.
#[test]
fn a_write_waits_for_a_query_in_progress() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(tmp.path().join("db")).unwrap();
    for i in 0..24 {
        store
            .ingest_text(&article(i), &format!("a{i}.txt"))
            .unwrap();
    }
    let started = AtomicBool::new(false);
    // A cross product of every fact with itself six times, stopped by its
    // time budget: it runs for that long in any build, and a write ends
    // well inside it if nothing holds it back.
    let slow = "count where ?a ?r ?b, ?c ?s ?d, ?e ?t ?f, ?g ?u ?h, ?i ?v ?j, ?k ?w ?l, ?a != ?k;";
    let opts = lore::QueryOptions {
        timeout: Some(std::time::Duration::from_millis(600)),
        ..Default::default()
    };
    let (query_start, query_end, write_end) = std::thread::scope(|scope| {
        let q = scope.spawn(|| {
            let start = std::time::Instant::now();
            started.store(true, Ordering::SeqCst);
            let stopped = store.query_with(slow, &opts);
            assert!(
                matches!(stopped, Err(lore::Error::TimedOut { .. })),
                "{stopped:?}"
            );
            (start, std::time::Instant::now())
        });
        let w = scope.spawn(|| {
            while !started.load(Ordering::SeqCst) {
                std::thread::yield_now();
            }
            // Set-up, not a measure: let the query take its guard first.
            std::thread::sleep(std::time::Duration::from_millis(50));
            store.ingest_text(&article(99), "late.txt").unwrap();
            std::time::Instant::now()
        });
        let (start, end) = q.join().unwrap();
        (start, end, w.join().unwrap())
    });
    // Else the test would prove nothing: the write must have had time to
    // end inside the query.
    assert!(
        query_end - query_start > std::time::Duration::from_millis(300),
        "the query took only {:?}",
        query_end - query_start
    );
    assert!(
        write_end >= query_end,
        "the write ended {:?} before the query",
        query_end - write_end
    );
}

//! Property test: arbitrary text through the lexer, parser and executor.
//! Nothing panics, and every failure is a query error whose span lies inside the text.

use crate::query_support;

use std::sync::Arc;

use lore::query::{self, CancelToken, QueryOptions};
use lore::{Error, Store};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

/// Fragments that reach deep into the grammar more often than random bytes do.
const PIECES: &[&str] = &[
    "Blinken",
    "Lavrov",
    "\"Paul Whelan\"",
    "Sullivan",
    "met",
    "urged",
    "\"holds role\"",
    "?x",
    "?y",
    "?r",
    "?",
    "find",
    "where",
    "count",
    "count()",
    "count(?x)",
    "group",
    "by",
    "order",
    "desc",
    "limit",
    "3",
    "not",
    "why",
    "describe",
    "entities",
    "like",
    "relations",
    "explain",
    "{",
    "}",
    ":",
    "place",
    "polarity",
    "negative",
    "sources",
    ",",
    ";",
    "=",
    "!=",
    ">=",
    "<",
    "(",
    ")",
    "*",
    "--",
    "\"",
    "\\",
    "\n",
    "2023-03-02",
    "#4",
    "#",
    "-1.5",
    "é",
    "\"a\\q\"",
    "Russia",
];

fn run_one(store: &Store, text: &str) -> Result<(), TestCaseError> {
    let _ = query::classify(text);
    let _ = query::is_complete(text);
    let cancel = CancelToken::new();
    let opts = QueryOptions {
        limit: 50,
        cancel: cancel.clone(),
        timeout: None,
    };
    // A random join can be large; a watchdog cancels it after 1 s so the
    // test stays quick. A query that does not stop within 5 s of being
    // cancelled hangs: that fails the whole test binary at once (a hung
    // thread cannot be unwound, and waiting would only hit CI's time limit).
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watchdog = {
        let done = done.clone();
        let text = text.to_string();
        std::thread::spawn(move || {
            for tick in 0..600 {
                if done.load(std::sync::atomic::Ordering::SeqCst) {
                    return;
                }
                if tick == 100 {
                    cancel.cancel();
                }
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            eprintln!("query fuzz: {text:?} did not stop within 5 s of being cancelled");
            std::process::exit(1);
        })
    };
    let result = store.query_with(text, &opts);
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    watchdog.join().ok();
    match result {
        Ok(r) => {
            for s in &r.statements {
                prop_assert!(
                    s.span.end <= text.len(),
                    "{text:?}: statement span {:?}",
                    s.span
                );
                for row in &s.rows {
                    prop_assert_eq!(row.len(), s.columns.len(), "{:?}", text);
                }
            }
        }
        Err(Error::Query(d)) => {
            prop_assert!(
                d.span.start <= d.span.end && d.span.end <= text.len(),
                "{text:?}: span {:?} outside the text",
                d.span
            );
            let _ = d.render("fuzz", text);
        }
        Err(Error::Cancelled) => {}
        Err(other) => prop_assert!(false, "{text:?}: not a query error: {other}"),
    }
    Ok(())
}

#[test]
fn arbitrary_text_never_panics_and_errors_have_spans() {
    let dir = tempfile::tempdir().unwrap();
    let store = query_support::store(dir.path());
    let mut runner = TestRunner::new(Config {
        cases: 400,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&any::<String>(), |text| run_one(&store, &text))
        .unwrap();
    let pieces = proptest::collection::vec(proptest::sample::select(PIECES), 0..14)
        .prop_map(|v| v.join(" "));
    runner.run(&pieces, |text| run_one(&store, &text)).unwrap();
    let glued =
        proptest::collection::vec(proptest::sample::select(PIECES), 0..10).prop_map(|v| v.concat());
    runner.run(&glued, |text| run_one(&store, &text)).unwrap();
}

/// Inputs the fuzz targets found; each once panicked.
#[test]
fn inputs_found_by_fuzzing_are_errors_or_answers() {
    let dir = tempfile::tempdir().unwrap();
    let store = query_support::store(dir.path());
    for text in [
        // A relation word ending in "ing" after a multi-byte character whose
        // last two bytes are equal (fuzz/artifacts/query, 2026-11-24).
        "?x ବing ?y;",
        "?frovo \"nmଧ=ଧ=ବing\" ?y;",
    ] {
        run_one(&store, text).unwrap();
    }
}

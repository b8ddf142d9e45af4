//! Property test: arbitrary scripts (statements, meta-commands, comments,
//! quotes, broken pieces of each) through a session. Nothing panics, a
//! script never fails as a whole except on I/O, and every error is shown at
//! a line and column of the script.
//!
//! Meta-commands that write files (`.open`, `.export`, `.graph`) are left
//! out: random arguments would make files in the working directory.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use super::tests::Shared;
use super::{RunMode, Session};
use lore::store::Store;

const PIECES: &[&str] = &[
    ".mode",
    "csv",
    "json",
    "xml",
    ".limit",
    "0",
    "3",
    "many",
    ".timer",
    "on",
    ".timeout",
    "0.5",
    "off",
    "-1",
    ".help",
    "queries",
    ".stats",
    ".read",
    "no-such.lore",
    ".ingest",
    "no-such-dir",
    ".quit",
    ".nope",
    "Ann",
    "\"Ann Lee\"",
    "met",
    "?x",
    "?y",
    "find",
    "where",
    "count",
    "order by",
    "limit",
    "why",
    "describe",
    "entities like",
    "{place: ?p}",
    ";",
    "--",
    "\"",
    "\\",
    "\n",
    "\t",
    " ",
    "é",
    ".",
];

fn run_one(text: &str) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("s.db")).unwrap();
    store
        .ingest_text("Talks\n\nAnn Lee met Bob Stone in Oslo.", "a.txt")
        .unwrap();
    let (out, err) = (Shared::default(), Shared::default());
    let mut s = Session::new(store, Box::new(out), Box::new(err.clone()));
    let lines = text.split('\n').count();
    for keep_going in [false, true] {
        let outcome = s.run_text("f.lore", text, RunMode { keep_going });
        prop_assert!(outcome.is_ok(), "{text:?}: {:?}", outcome.err());
    }
    let shown = String::from_utf8_lossy(&err.0.borrow()).to_string();
    for line in shown.lines().filter(|l| l.starts_with("f.lore:")) {
        // f.lore:LINE:COL: error: ...
        let mut parts = line.splitn(4, ':');
        let (_, l, c) = (parts.next(), parts.next(), parts.next());
        let l: usize = l.and_then(|v| v.parse().ok()).unwrap_or(0);
        let c: usize = c.and_then(|v| v.parse().ok()).unwrap_or(0);
        prop_assert!(
            l >= 1 && l <= lines && c >= 1,
            "{text:?}: error outside the script: {line}"
        );
    }
    Ok(())
}

#[test]
fn arbitrary_scripts_never_panic_and_errors_are_located() {
    let mut runner = TestRunner::new(Config {
        cases: 120,
        failure_persistence: None,
        ..Config::default()
    });
    let pieces = proptest::collection::vec(proptest::sample::select(PIECES), 0..16)
        .prop_map(|v| v.join(" "));
    runner.run(&pieces, |text| run_one(&text)).unwrap();
    let glued =
        proptest::collection::vec(proptest::sample::select(PIECES), 0..12).prop_map(|v| v.concat());
    runner.run(&glued, |text| run_one(&text)).unwrap();
    runner.run(&any::<String>(), |text| run_one(&text)).unwrap();
}

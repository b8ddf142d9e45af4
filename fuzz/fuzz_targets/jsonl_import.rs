//! Arbitrary bytes as a JSONL import, read both as the exchange schema and as
//! `lore extract` output: refused lines are errors naming the line, never
//! panics; whatever is accepted leaves a store that checks clean.
#![no_main]

use libfuzzer_sys::fuzz_target;

mod common;
use common::check_clean;

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = lore::Store::open(dir.path().join("db")).expect("store");
    let _ = store.import_jsonl(&mut &data[..], "fuzz.jsonl", &mut |_| {});
    check_clean(store);
    let dir = tempfile::tempdir().expect("temp dir");
    let store = lore::Store::open(dir.path().join("db")).expect("store");
    let _ = store.import_extracted(&mut &data[..], "fuzz.jsonl", true, &mut |_| {}, &mut |_| {});
    check_clean(store);
});

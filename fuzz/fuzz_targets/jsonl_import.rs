//! Arbitrary bytes as a JSONL import, read both as the exchange schema and as
//! `lore extract` output: refused lines are errors naming the line, never
//! panics; whatever is accepted leaves a store that checks clean.
#![no_main]

use libfuzzer_sys::fuzz_target;

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

fn check_clean(store: lore::Store) {
    let path = store.path().to_path_buf();
    drop(store);
    let storage = lore::storage::Storage::open(&path, &Default::default()).expect("reopen");
    let report = storage.check().expect("check runs");
    assert!(report.is_clean(), "import left a damaged store: {:?}", report.problems);
}

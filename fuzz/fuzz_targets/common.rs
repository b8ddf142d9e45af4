//! What targets share: the store an import leaves behind must check
//! clean; queries and scripts run on one small store.

// Each target uses a part of this file.
#![allow(dead_code)]

use std::sync::OnceLock;

/// A store with one short article, made once per fuzzing process.
pub fn small_store() -> &'static lore::Store {
    static STORE: OnceLock<lore::Store> = OnceLock::new();
    // Set-up, not input: a machine where these fail cannot fuzz at all.
    STORE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = lore::Store::open(dir.path().join("db")).expect("store");
        let _ = store.ingest_text(
            "Talks\n\nAnn Lee met Bob Stone in Paris on Monday. Bob Stone visited Oslo with Carl Ray.",
            "a.txt",
        );
        // The store lives as long as the fuzzing process.
        std::mem::forget(dir);
        store
    })
}

pub fn check_clean(store: lore::Store) {
    let path = store.path().to_path_buf();
    drop(store);
    let storage = lore::storage::Storage::open(&path, &Default::default()).expect("reopen");
    let report = storage.check().expect("check runs");
    assert!(report.is_clean(), "import left a damaged store: {:?}", report.problems);
}

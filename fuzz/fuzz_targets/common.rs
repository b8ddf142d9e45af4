//! What the import targets share: the store an import leaves behind must
//! check clean.

pub fn check_clean(store: lore::Store) {
    let path = store.path().to_path_buf();
    drop(store);
    let storage = lore::storage::Storage::open(&path, &Default::default()).expect("reopen");
    let report = storage.check().expect("check runs");
    assert!(report.is_clean(), "import left a damaged store: {:?}", report.problems);
}

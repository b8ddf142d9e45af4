//! Arbitrary query text through the lexer, parser and executor of a small
//! store: errors are fine, panics and hangs are not.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

fn store() -> &'static lore::Store {
    static STORE: OnceLock<lore::Store> = OnceLock::new();
    STORE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = lore::Store::open(dir.path().join("db")).expect("store");
        let _ = store.ingest_text(
            "Talks\n\nAnn Lee met Bob Stone in Paris on Monday. Bob Stone visited Oslo with Carl Ray.",
            "a.txt",
        );
        std::mem::forget(dir);
        store
    })
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = store().query(text);
    }
});

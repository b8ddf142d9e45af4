//! Arbitrary bytes as an article: both extractors (patterns, and the
//! parse-based one with its coreference) and the whole ingest path (checks,
//! extraction, resolution, one atomic write) must never panic.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

fn store() -> &'static lore::Store {
    static STORE: OnceLock<lore::Store> = OnceLock::new();
    STORE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = lore::Store::open(dir.path().join("db")).expect("store");
        std::mem::forget(dir);
        store
    })
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = lore::ingest::extract(text);
        let a = lore::ingest::read_article_with(text, "fuzz.txt", lore::ingest::Extractor::Parse);
        for f in &a.facts {
            for (s, e) in [f.subject_span, f.relation_span, f.object_span].into_iter().flatten() {
                assert!(s <= e && e <= text.len(), "a span past the text");
            }
        }
    }
    let _ = store().ingest_bytes(data, "fuzz.txt");
});

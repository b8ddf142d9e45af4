//! Arbitrary bytes as an N-Triples import, stopping at the first bad line and
//! with every bad line skipped: refused lines are errors naming the line,
//! never panics; whatever is accepted leaves a store that checks clean.
#![no_main]

use libfuzzer_sys::fuzz_target;

mod common;
use common::check_clean;
use lore::store::{ImportFormat, ImportOptions};

fuzz_target!(|data: &[u8]| {
    for keep_going in [false, true] {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = lore::Store::open(dir.path().join("db")).expect("store");
        let _ = store.import_with(
            &mut &data[..],
            "fuzz.nt",
            ImportFormat::Ntriples,
            &ImportOptions { keep_going },
            &mut |e| assert!(e.is_user_error(), "not a user error: {e}"),
            &mut |_| {},
        );
        check_clean(store);
    }
});

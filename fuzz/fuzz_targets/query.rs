//! Arbitrary query text through the lexer, parser and executor of a small
//! store: errors are fine, panics and hangs are not.
#![no_main]

use libfuzzer_sys::fuzz_target;

mod common;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = common::small_store().query(text);
    }
});

//! Arbitrary bytes as a `.lore` script: cut into statements and
//! meta-commands and checked exactly as `lore run --check` does, then each
//! statement run on a small store. Errors are fine; panics and hangs are not.
//!
//! The script runner (`Session`) is the `lore` binary's, not the library's,
//! and it can write and execute things: `.shell`, `.output`, `.once`,
//! `.export`, `.graph`, `.ingest`, `.import`, `.open` and `.read` act on
//! the file system or start programs. So this target does not run
//! meta-commands: it compiles the binary's own splitter, meta-command
//! parser and checker (`src/session/{split,meta,help,check}.rs`, which need
//! nothing but the library) and runs only statements, which are queries
//! and read the store, through the library as the session does.
#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;

mod common;

// The binary's files, compiled here as they are there: they reach each
// other through `super::`, so they sit at this crate's root as they sit in
// the binary's `session`. What the target does not call is dead here.
#[allow(dead_code)]
#[path = "../../src/session/check.rs"]
mod check;
#[allow(dead_code)]
#[path = "../../src/session/help.rs"]
mod help;
#[allow(dead_code, unused_imports)]
#[path = "../../src/session/meta.rs"]
mod meta;
#[allow(dead_code)]
#[path = "../../src/session/split.rs"]
mod split;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // `lore run --check`: every problem is located inside the script.
    for d in check::check(text) {
        assert!(
            d.span.start <= d.span.end && d.span.end <= text.len(),
            "{d:?}"
        );
        let _ = d.render("f.lore", text);
    }
    // What the shell asks before it runs what was typed.
    let _ = split::input_complete(text);
    // Bounded as the shell bounds a statement, so that a cross product on
    // the small store cannot look like a hang.
    let opts = lore::QueryOptions {
        limit: 1000,
        timeout: Some(Duration::from_secs(2)),
        ..lore::QueryOptions::default()
    };
    for item in split::split(text) {
        if item.kind == split::ItemKind::Statement {
            let _ = common::small_store().query_with(&text[item.span], &opts);
        }
    }
});

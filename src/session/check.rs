//! `lore run --check`: every item of a script parsed, none run.
//!
//! A file of its own that needs only `split`, `meta` (with `help`) and the
//! library, so that the `script` fuzz target (`fuzz/fuzz_targets/script.rs`)
//! compiles these same files and checks scripts exactly as `lore run
//! --check` does.

use super::meta;
use super::split::{ItemKind, split};
use lore::diag::Diagnostic;
use lore::error::Error;

/// Checks every item of a script without running it; returns every problem found,
/// with spans into `text`.
pub fn check(text: &str) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for item in split(text) {
        let src = &text[item.span.clone()];
        let result = match item.kind {
            ItemKind::Meta => meta::parse(src).map(|_| ()),
            ItemKind::Statement => match lore::query::check(src) {
                Ok(()) => Ok(()),
                Err(Error::Query(d)) => Err(*d),
                Err(e) => Err(Diagnostic::new(e.to_string(), 0..src.len())),
            },
        };
        if let Err(d) = result {
            out.push(d.shifted(item.span.start));
        }
    }
    out
}

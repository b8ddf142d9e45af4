//! `lore check`: verifies a store and reports every problem precisely.
//!
//! The work is done by [`Store::check`]; this module opens the store, runs
//! it and prints the report.

use std::io::Write;
use std::path::Path;

use crate::error::Result;
use crate::store::{CheckReport, OpenOptions, Store};

/// Opens the store at `path` and checks it. A store that cannot be opened
/// (damaged, locked, another format) is an error naming the store.
pub fn check_store(path: &Path, opts: &OpenOptions) -> Result<CheckReport> {
    Store::open_with(path, opts)?.check()
}

/// Writes a report: one summary line, then each kind of problem with its
/// first messages and how many more there are.
pub fn print_report(path: &Path, r: &CheckReport, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "{}: {} facts, {} index entries, {} entities, {} documents, {} sources checked",
        path.display(),
        r.facts,
        r.index_entries,
        r.entities,
        r.documents,
        r.sources
    )?;
    if r.is_clean() {
        return writeln!(out, "ok: no problems found");
    }
    for (kind, listed, total) in &r.problems {
        writeln!(
            out,
            "{kind}: {total} problem{}",
            if *total == 1 { "" } else { "s" }
        )?;
        for m in listed {
            writeln!(out, "  {m}")?;
        }
        if *total > listed.len() as u64 {
            writeln!(out, "  ... and {} more", *total - listed.len() as u64)?;
        }
    }
    writeln!(
        out,
        "damaged: {} problems; restore the store from an export (`lore export` of a good copy) or re-ingest",
        r.problem_count()
    )
}

/// `lore check`: prints the report; `Ok(true)` when the store is clean.
pub fn run(path: &Path, opts: &OpenOptions) -> Result<bool> {
    let report = check_store(path, opts)?;
    crate::output::to_stdout(|out| print_report(path, &report, out))?;
    Ok(report.is_clean())
}

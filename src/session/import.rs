//! `lore import` and the shell's `.import`: JSONL (lore's exchange schema,
//! other extractors' facts, `lore extract` output) or N-Triples into a
//! store, with the summary and the bad lines written to any output, so that
//! the command line, the shell and the holder of a store run the same code.

use std::io::{self, BufRead, Read, Write};

use super::ingest::IngestTotals;
use lore::error::{Error, Result};
use lore::store::{ImportFormat, ImportOptions, IngestOutcome, Store};

/// `lore import` of `input` (JSONL, `lore extract` output or N-Triples)
/// into `store`: the summary into `out`, each bad line into `err` (and a
/// spinner on the terminal when `progress`); exit 1 when lines were skipped
/// or articles refused.
pub fn import(
    store: &Store,
    input: &mut (dyn BufRead + Send),
    job: &ImportJob,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<u8> {
    let (name, keep_going) = (job.name, job.keep_going);
    let say = |out: &mut dyn Write, line: &str| {
        writeln!(out, "{line}").map_err(|e| Error::io("stdout", e))
    };
    if job.format == ImportFormat::Jsonl {
        // The first line tells `lore extract` output (stored article by
        // article, as ingest stores it) from the exchange schema; it is
        // put back in front of the rest either way.
        let mut first = Vec::new();
        io::Read::take(&mut *input, lore::jsonl::MAX_LINE_BYTES as u64 + 1)
            .read_until(b'\n', &mut first)
            .map_err(|e| Error::io(name, e))?;
        let extracted = lore::jsonl::extract::is_extract_output(&String::from_utf8_lossy(&first));
        let mut input = io::Cursor::new(first).chain(input);
        if extracted {
            let totals = import_extracted(store, &mut input, name, keep_going, err)?;
            say(out, &totals.summary())?;
            return Ok(u8::from(totals.failed > 0));
        }
        return import_rows(store, &mut input, job, out, err);
    }
    import_rows(store, input, job, out, err)
}

/// What `lore import` was asked to do.
pub struct ImportJob<'a> {
    /// The input's name in messages (a path, or `-`).
    pub name: &'a str,
    /// JSONL (the exchange schema or `lore extract` output) or N-Triples.
    pub format: ImportFormat,
    /// Skip bad lines instead of stopping at the first.
    pub keep_going: bool,
    /// A spinner on the terminal.
    pub progress: bool,
}

fn import_rows(
    store: &Store,
    input: &mut (dyn BufRead + Send),
    job: &ImportJob,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<u8> {
    let (name, format) = (job.name, job.format);
    let opts = ImportOptions {
        keep_going: job.keep_going,
    };
    let bar = job.progress.then(|| {
        let b = indicatif::ProgressBar::new_spinner();
        b.set_message("importing");
        b
    });
    let summary = store.import_with(
        input,
        name,
        format,
        &opts,
        &mut |e| match &bar {
            Some(b) => b.println(format!("lore: error: {e}")),
            None => {
                // A closed terminal or client must not stop the import.
                let _ = writeln!(err, "lore: error: {e}");
            }
        },
        &mut |lines| {
            if let Some(b) = &bar {
                b.set_message(format!("{lines} lines"));
                b.tick();
            }
        },
    );
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let summary = summary?;
    let mut line = format!(
        "{} lines: {} documents, {} entities, {} new facts, {} facts corroborated",
        summary.lines, summary.documents, summary.entities, summary.facts, summary.corroborated
    );
    if summary.ignored > 0 {
        line.push_str(&format!(
            "; {} triple{} ignored (nothing in lore holds them, e.g. owl:sameAs)",
            summary.ignored,
            if summary.ignored == 1 { "" } else { "s" }
        ));
    }
    if summary.skipped > 0 {
        line.push_str(&format!(
            "; {} bad line{} skipped",
            summary.skipped,
            if summary.skipped == 1 { "" } else { "s" }
        ));
    }
    writeln!(out, "{line}").map_err(|e| Error::io("stdout", e))?;
    Ok(u8::from(summary.skipped > 0))
}

/// `lore import` of `lore extract` output: the articles are stored as
/// `lore ingest` stores them, and the totals are ingest's.
fn import_extracted(
    store: &Store,
    input: &mut dyn BufRead,
    name: &str,
    keep_going: bool,
    err: &mut dyn Write,
) -> Result<IngestTotals> {
    let mut totals = IngestTotals::default();
    let read = store.import_extracted(
        input,
        name,
        keep_going,
        &mut |e| {
            let _ = writeln!(err, "lore: error: {e}");
        },
        &mut |o| match *o {
            IngestOutcome::Added {
                new_entities,
                new_facts,
                corroborated,
                ..
            } => {
                totals.added += 1;
                totals.entities += new_entities;
                totals.facts += new_facts;
                totals.corroborated += corroborated;
            }
            IngestOutcome::Skipped { .. } => totals.skipped += 1,
        },
    )?;
    totals.failed = read.bad_articles;
    Ok(totals)
}

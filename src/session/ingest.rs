//! Ingesting article files from a front end: expanding paths into
//! article files, a progress bar, and the totals printed after.
//!
//! The command line (`lore ingest`) and the shell and scripts (`.ingest`)
//! share this, so an ingest reports the same wherever it was asked for.

use std::io::{self, IsTerminal, Read};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::store::{IngestOptions, IngestOutcome, Store};

/// Expands the paths given to `lore ingest` into article files, in a stable order.
pub fn article_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" {
            out.push(p.clone());
            continue;
        }
        let meta = std::fs::metadata(p).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => Error::bad_input(
                p.display().to_string(),
                "no such file or directory; check the path",
            ),
            _ => Error::io(p, e),
        })?;
        if meta.is_dir() {
            let before = out.len();
            walk(p, &mut out)?;
            if out.len() == before {
                return Err(Error::bad_input(
                    p.display().to_string(),
                    "the directory holds no text files (*.txt, *.text, *.md); give article files or a directory of them",
                ));
            }
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        let hidden = p
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if hidden {
            continue;
        }
        if p.is_dir() {
            walk(&p, out)?;
        } else if p
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "txt" | "text" | "md"))
        {
            out.push(p);
        }
    }
    Ok(())
}

/// Totals printed after an ingest.
#[derive(Debug, Default)]
pub struct IngestTotals {
    /// Articles stored.
    pub added: u64,
    /// Articles skipped as already stored.
    pub skipped: u64,
    /// Articles refused.
    pub failed: u64,
    /// Entities created.
    pub entities: u64,
    /// Facts created.
    pub facts: u64,
    /// Facts that gained a source.
    pub corroborated: u64,
}

impl IngestTotals {
    /// The one-line summary.
    pub fn summary(&self) -> String {
        let docs = self.added + self.skipped + self.failed;
        let mut s = format!(
            "{docs} document{}: {} added, {} skipped (already stored)",
            if docs == 1 { "" } else { "s" },
            self.added,
            self.skipped
        );
        if self.failed > 0 {
            s.push_str(&format!(", {} failed", self.failed));
        }
        s.push_str(&format!(
            "; {} new entities, {} new facts, {} facts corroborated",
            self.entities, self.facts, self.corroborated
        ));
        s
    }
}

/// Ingests every article under `paths` into `store`, printing progress and a summary.
pub fn ingest_paths(
    store: &Store,
    paths: &[PathBuf],
    quiet: bool,
    opts: IngestOptions,
    stop: &dyn Fn() -> bool,
) -> Result<IngestTotals> {
    let files = article_files(paths)?;
    let bar = if !quiet && io::stderr().is_terminal() && files.len() > 1 {
        let bar = indicatif::ProgressBar::new(files.len() as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {wide_msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        Some(bar)
    } else {
        None
    };
    let opts = IngestOptions {
        defer_flush: true,
        ..opts
    };
    let mut totals = IngestTotals::default();
    let result = ingest_each(store, &files, &opts, bar.as_ref(), stop, &mut totals);
    // One flush for the whole run, before anything is reported: each article
    // is already atomic, and a flush per article would cost as much as
    // extracting it. On an error the articles stored so far are kept.
    let flushed = store.flush();
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    result?;
    flushed?;
    Ok(totals)
}

fn ingest_each(
    store: &Store,
    files: &[PathBuf],
    opts: &IngestOptions,
    bar: Option<&indicatif::ProgressBar>,
    stop: &dyn Fn() -> bool,
    totals: &mut IngestTotals,
) -> Result<()> {
    for f in files {
        // Checked between articles: each one is stored atomically, so
        // stopping here leaves no half-read article behind.
        if stop() {
            break;
        }
        if let Some(b) = &bar {
            b.set_message(f.display().to_string());
        }
        let result = if f.as_os_str() == "-" {
            let mut bytes = Vec::new();
            io::stdin()
                .lock()
                .take(crate::store::MAX_ARTICLE_BYTES as u64 + 1)
                .read_to_end(&mut bytes)
                .map_err(|e| Error::io("stdin", e))
                .and_then(|_| store.ingest_bytes_with(&bytes, "stdin", opts))
        } else {
            store.ingest_file_with(f, opts)
        };
        match result {
            Ok(IngestOutcome::Added {
                new_entities,
                new_facts,
                corroborated,
                ..
            }) => {
                totals.added += 1;
                totals.entities += new_entities;
                totals.facts += new_facts;
                totals.corroborated += corroborated;
            }
            Ok(IngestOutcome::Skipped { .. }) => totals.skipped += 1,
            Err(e) if e.is_user_error() => {
                totals.failed += 1;
                let msg = format!("lore: error: {e}");
                match &bar {
                    Some(b) => b.println(msg),
                    None => eprintln!("{msg}"),
                }
            }
            Err(e) => return Err(e),
        }
        if let Some(b) = bar {
            b.inc(1);
        }
    }
    Ok(())
}

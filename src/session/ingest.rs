//! Ingesting article files from a front end: expanding paths into
//! article files, a progress bar, and the totals printed after.
//!
//! The command line (`lore ingest`) and the shell and scripts (`.ingest`)
//! share this, so an ingest reports the same wherever it was asked for.

use std::io::{self, IsTerminal, Read};
use std::path::{Path, PathBuf};

use lore::error::{Error, Result};
use lore::store::{IngestOptions, IngestOutcome, Store};

/// Expands the paths given to `lore ingest` into article files, in a stable order.
pub fn article_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    article_files_counted(paths).map(|(files, _)| files)
}

/// [`article_files`], with the number of files the directories held that
/// are not articles (other extensions, and the furniture of a corpus
/// directory: README, LICENSE, SOURCE, INDEX, ...), for the summary.
pub fn article_files_counted(paths: &[PathBuf]) -> Result<(Vec<PathBuf>, u64)> {
    let mut out = Vec::new();
    let mut left_out = 0;
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
            walk(p, &mut out, &mut left_out)?;
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
    Ok((out, left_out))
}

/// Article files under `dir`, depth first, each directory in name order;
/// hidden files and directories (`.git`) are left out, and so are the
/// files that describe a corpus rather than belong to it (`README.txt`,
/// `SOURCE.md`: see [`is_furniture`]), counted in `left_out` with every
/// other file that is not an article.
///
/// walkdir follows symbolic links as `read_dir` and `is_dir` did, but
/// notices a link that leads back to a directory above it, which recursion
/// by hand followed until the stack ran out.
fn walk(dir: &Path, out: &mut Vec<PathBuf>, left_out: &mut u64) -> Result<()> {
    let walker = walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walker {
        match entry {
            Ok(e) if e.file_type().is_dir() => {}
            Ok(e) => {
                if is_article(e.path()) && !is_furniture(e.path()) {
                    out.push(e.into_path());
                } else {
                    *left_out += 1;
                }
            }
            Err(e) => {
                let at = e.path().unwrap_or(dir).to_path_buf();
                if let Some(ancestor) = e.loop_ancestor() {
                    return Err(Error::bad_input(
                        at.display().to_string(),
                        format!(
                            "this symbolic link leads back to {}, a directory above it; remove the link or give its target directly",
                            ancestor.display()
                        ),
                    ));
                }
                // A dangling link that names an article is kept, so that
                // its ingest reports it among the failed articles.
                if e.depth() > 0 && is_article(&at) {
                    out.push(at);
                    continue;
                }
                let source = e
                    .into_io_error()
                    .unwrap_or_else(|| io::Error::other("unreadable directory entry"));
                return Err(Error::io(at, source));
            }
        }
    }
    Ok(())
}

/// Whether a file in a directory of articles describes the collection
/// instead of being one of them, by the names such files conventionally
/// have whatever their extension: `README.txt`, `LICENSE.md`,
/// `SOURCE.md`, `INDEX.txt`, `CHANGELOG`, `NOTICE.txt`. A file named
/// explicitly on the command line is ingested whatever its name.
fn is_furniture(p: &Path) -> bool {
    let Some(stem) = p.file_stem().and_then(|s| s.to_str()) else {
        return false;
    };
    const NAMES: &[&str] = &[
        "README",
        "READ_ME",
        "LICENSE",
        "LICENCE",
        "COPYING",
        "SOURCE",
        "SOURCES",
        "INDEX",
        "CHANGELOG",
        "CHANGES",
        "NOTICE",
        "AUTHORS",
        "CONTRIBUTING",
        "MANIFEST",
        "CITATION",
    ];
    NAMES.iter().any(|n| stem.eq_ignore_ascii_case(n))
}

/// Whether a file name says it is an article lore reads: `.txt`, `.text`, `.md`.
fn is_article(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "txt" | "text" | "md"))
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
    /// Files in the directories given that are not articles (see
    /// [`article_files_counted`]).
    pub not_articles: u64,
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
        if self.not_articles > 0 {
            s.push_str(&format!(
                "; {} file{} left out as not articles (README, LICENSE, SOURCE, INDEX and the like, or not .txt/.text/.md)",
                self.not_articles,
                if self.not_articles == 1 { "" } else { "s" }
            ));
        }
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
    errors: &mut dyn io::Write,
) -> Result<IngestTotals> {
    let (files, not_articles) = article_files_counted(paths)?;
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
    let mut totals = IngestTotals {
        not_articles,
        ..IngestTotals::default()
    };
    let result = ingest_each(
        store,
        &files,
        &opts,
        bar.as_ref(),
        stop,
        &mut totals,
        errors,
    );
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
    errors: &mut dyn io::Write,
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
                .take(lore::store::MAX_ARTICLE_BYTES as u64 + 1)
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
                    None => {
                        // Where the report goes failing (a closed terminal
                        // or client) must not stop the ingest.
                        let _ = writeln!(errors, "{msg}");
                    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(p: &Path) {
        std::fs::write(p, "Title\n\nText.").expect("write a test file");
    }

    #[test]
    fn a_directory_expands_to_its_articles_in_name_order_without_hidden_ones() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        std::fs::create_dir_all(d.join("b/.hidden")).expect("mkdir");
        for f in [
            "c.txt",
            "a.md",
            "notes.pdf",
            "README.txt",
            "b/SOURCE.md",
            "License.TXT",
            "b/z.text",
            "b/.y.txt",
            "b/.hidden/x.txt",
        ] {
            touch(&d.join(f));
        }
        let (files, left_out) = article_files_counted(&[d.to_path_buf()]).expect("walk");
        let names: Vec<String> = files
            .iter()
            .map(|p| p.strip_prefix(d).expect("under dir").display().to_string())
            .collect();
        assert_eq!(names, ["a.md", "b/z.text", "c.txt"]);
        // notes.pdf, README.txt, b/SOURCE.md, License.TXT; hidden files uncounted.
        assert_eq!(left_out, 4);
        // Named on the command line, a README is an article like any other.
        let named = article_files(&[d.join("README.txt")]).expect("a named file");
        assert_eq!(named, [d.join("README.txt")]);
    }

    #[cfg(unix)]
    #[test]
    fn a_symbolic_link_back_up_the_tree_is_an_error_not_a_stack_overflow() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        std::fs::create_dir(d.join("sub")).expect("mkdir");
        touch(&d.join("sub/a.txt"));
        std::os::unix::fs::symlink(d, d.join("sub/loop")).expect("symlink");
        let e = article_files(&[d.to_path_buf()]).expect_err("a loop");
        let msg = e.to_string();
        assert!(e.is_user_error(), "{msg}");
        assert!(
            msg.contains("loop") && msg.contains("leads back to"),
            "{msg}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_dangling_link_to_an_article_is_listed_for_ingest_to_report() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        touch(&d.join("a.txt"));
        std::os::unix::fs::symlink(d.join("gone.txt"), d.join("b.txt")).expect("symlink");
        let files = article_files(&[d.to_path_buf()]).expect("walk");
        assert_eq!(files, [d.join("a.txt"), d.join("b.txt")]);
    }
}

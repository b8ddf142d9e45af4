//! `lore extract`: articles in, facts out as JSONL, without a store.
//!
//! Stateless by design: each article's lines depend on that article alone,
//! so the work can be split over processes or machines and the pieces
//! concatenated and given to `lore import` (docs/PARALLEL.md).

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::ingest::{Extractor, read_article_with};
use crate::jsonl::extract::write_article;
use crate::store::{Encoding, MAX_ARTICLE_BYTES, decode_article};

/// What one run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ExtractTotals {
    /// Articles written.
    pub articles: u64,
    /// Facts written.
    pub facts: u64,
    /// Articles refused (each reported through `on_error`).
    pub failed: u64,
}

/// Extracts every file in `files` (`-` is stdin) and writes their lines to `out`.
///
/// A file that is not a readable article is reported to `on_error` and
/// skipped; an error writing `out` stops the run. Each article's lines are
/// written and flushed together, so a reader never sees half an article
/// unless the process is killed (which `lore import` then reports).
pub fn run(
    files: &[PathBuf],
    encoding: Encoding,
    extractor: Extractor,
    out: &mut dyn Write,
    on_error: &mut dyn FnMut(Error),
) -> Result<ExtractTotals> {
    let mut totals = ExtractTotals::default();
    let mut buf = Vec::new();
    for f in files {
        let origin = if f.as_os_str() == "-" {
            "stdin".to_string()
        } else {
            f.display().to_string()
        };
        let article = read_bytes(f).and_then(|bytes| {
            let text = decode_article(&bytes, &origin, encoding)?;
            Ok(read_article_with(&text, &origin, extractor))
        });
        match article {
            Ok(a) => {
                buf.clear();
                write_article(&mut buf, &a).map_err(|e| Error::io("stdout", e))?;
                out.write_all(&buf)
                    .and_then(|()| out.flush())
                    .map_err(|e| Error::io("stdout", e))?;
                totals.articles += 1;
                totals.facts += a.facts.len() as u64;
            }
            Err(e) if e.is_user_error() => {
                totals.failed += 1;
                on_error(e);
            }
            Err(e) => return Err(e),
        }
    }
    Ok(totals)
}

fn read_bytes(path: &Path) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    if path.as_os_str() == "-" {
        io::stdin()
            .lock()
            .take(MAX_ARTICLE_BYTES as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io("stdin", e))?;
        return Ok(bytes);
    }
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_ARTICLE_BYTES as u64 + 1).read_to_end(&mut bytes))
        .map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => {
                Error::bad_input(path.display().to_string(), "no such file; check the path")
            }
            _ => Error::io(path, e),
        })?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_file_is_reported_and_the_rest_are_written() {
        let dir = tempfile::tempdir().expect("temp dir");
        let good = dir.path().join("a.txt");
        std::fs::write(&good, "Talks\n\nAnn Lee met Bob Stone in Paris.").expect("write");
        let empty = dir.path().join("b.txt");
        std::fs::write(&empty, "  \n").expect("write");
        let mut out = Vec::new();
        let mut errors = Vec::new();
        let totals = run(
            &[empty, dir.path().join("missing.txt"), good],
            Encoding::Utf8,
            Extractor::Patterns,
            &mut out,
            &mut |e| errors.push(e.to_string()),
        )
        .expect("the run goes on past bad files");
        assert_eq!((totals.articles, totals.failed), (1, 2));
        assert!(errors[0].contains("empty"), "{errors:?}");
        assert!(errors[1].contains("no such file"), "{errors:?}");
        let text = String::from_utf8(out).expect("utf-8");
        assert!(text.starts_with("{\"type\":\"article\""), "{text}");
        assert_eq!(text.lines().count() as u64, 1 + totals.facts);
    }
}

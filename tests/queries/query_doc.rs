//! Runs every example of docs/QUERY.md against a store of the sample articles
//! (ingested with the real extractor), so the document cannot drift from the code.
//!
//! Blocks tagged ```lore must parse and run; ```lore rows must also return rows;
//! ```lore error must fail with a query error, and a ```text block right after it
//! must be exactly the rendered error.

use crate::query_support;

use std::path::Path;

use lore::{Error, Store};

struct Example {
    tag: String,
    text: String,
    line: usize,
    /// The ```text block that follows, if it comes right after.
    rendered: Option<String>,
    /// Line of the closing fence.
    end: usize,
}

fn examples() -> Vec<Example> {
    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/QUERY.md"))
        .unwrap();
    let mut out: Vec<Example> = Vec::new();
    let mut lines = doc.lines().enumerate();
    while let Some((n, line)) = lines.next() {
        let Some(info) = line.strip_prefix("```") else {
            continue;
        };
        let mut body = String::new();
        let mut end = n;
        for (m, l) in lines.by_ref() {
            end = m;
            if l.starts_with("```") {
                break;
            }
            body.push_str(l);
            body.push('\n');
        }
        let info = info.trim();
        if let Some(tag) = info.strip_prefix("lore") {
            out.push(Example {
                tag: tag.trim().to_string(),
                text: body,
                line: n + 1,
                rendered: None,
                end,
            });
        } else if info == "text"
            && let Some(last) = out.last_mut()
            && last.tag == "error"
            && last.rendered.is_none()
            && n <= last.end + 2
        {
            // Only a text block directly after the error example belongs to it.
            last.rendered = Some(body.trim_end().to_string());
        }
    }
    out
}

fn sample_store(dir: &Path) -> Store {
    let store = Store::open(dir.join("samples.db")).unwrap();
    let articles = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/articles");
    let mut paths: Vec<_> = std::fs::read_dir(articles)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    for p in paths {
        store.ingest_file(&p).unwrap();
    }
    store
}

/// Whether an error is the extractor's coverage (a name or relation it has not
/// read yet) rather than the query engine's fault.
fn is_coverage(e: &Error) -> bool {
    matches!(e, Error::Query(d) if d.message.starts_with("unknown entity") || d.message.starts_with("unknown relation"))
}

#[test]
fn the_document_has_an_example_for_every_feature() {
    let ex = examples();
    assert!(ex.len() >= 20, "only {} examples found", ex.len());
    let all: String = ex.iter().map(|e| e.text.as_str()).collect();
    for feature in [
        "find",
        "count",
        "group by",
        "order by",
        "limit",
        "why",
        "describe",
        "entities like",
        "relations",
        "explain",
        "not",
        "{place:",
        "polarity",
        "sources",
        "--",
    ] {
        assert!(all.contains(feature), "no example uses `{feature}`");
    }
}

#[test]
fn every_example_parses_and_runs_or_fails_as_documented() {
    let dir = tempfile::tempdir().unwrap();
    let store = sample_store(dir.path());
    let mut coverage = Vec::new();
    for ex in examples() {
        let at = format!("docs/QUERY.md:{}", ex.line);
        match (ex.tag.as_str(), store.query(&ex.text)) {
            ("error", Err(Error::Query(d))) => {
                if let Some(expected) = &ex.rendered {
                    assert_eq!(&d.render("query", &ex.text), expected, "{at}");
                }
            }
            ("error", other) => panic!("{at}: expected a query error, got {other:?}"),
            (_, Ok(r)) => assert!(!r.statements.is_empty(), "{at}: no statements"),
            (_, Err(e)) if is_coverage(&e) => coverage.push(format!("{at}: {e}")),
            (_, Err(e)) => panic!(
                "{at}: {}",
                match &e {
                    Error::Query(d) => d.render("query", &ex.text),
                    other => other.to_string(),
                }
            ),
        }
    }
    if !coverage.is_empty() {
        eprintln!(
            "examples the extractor cannot answer yet (see the strict test):\n{}",
            coverage.join("\n")
        );
    }
}

/// The examples are right about the language itself: on a store that holds the
/// people the page talks about (built from JSONL, independent of the extractor),
/// every example runs and every `rows` example answers.
#[test]
fn every_example_answers_on_a_store_that_knows_the_names() {
    let dir = tempfile::tempdir().unwrap();
    let store = query_support::store(dir.path());
    check_all(&store);
}

fn check_all(store: &Store) {
    let mut failures = Vec::new();
    for ex in examples().into_iter().filter(|e| e.tag != "error") {
        let at = format!("docs/QUERY.md:{}", ex.line);
        match store.query(&ex.text) {
            Ok(r) => {
                if ex.tag == "rows" {
                    for s in &r.statements {
                        if s.rows.is_empty() {
                            failures.push(format!(
                                "{at}: `{}` returned no rows",
                                &ex.text[s.span.clone()]
                            ));
                        }
                    }
                }
            }
            Err(e) => failures.push(format!("{at}: {e}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The full promise of the document: every example runs and every `rows`
/// example returns rows on the sample articles as the extractor reads them.
#[test]
fn every_example_answers_on_the_sample_articles() {
    let dir = tempfile::tempdir().unwrap();
    let store = sample_store(dir.path());
    check_all(&store);
}

//! The query language: lexer → parser → planner → executor.
//!
//! * [`lexer`] (logos): text → tokens with spans; also [`classify`] and [`is_complete`].
//! * [`parser`]: hand-written recursive descent, tokens → [`ast`] with spans.
//! * [`plan`]: resolves names and relations against the store, orders joins by
//!   the store's counts.
//! * [`exec`]: nested index loops over spo/pos/osp groups, streaming rows.
//!
//! The language itself is described in `docs/QUERY.md`.
//!
//! This file fixes the contract the front ends rely on: [`run`],
//! [`QueryOptions`], [`CancelToken`], [`QueryResult`] and the helpers the
//! REPL uses for completion and highlighting ([`KEYWORDS`], [`is_complete`],
//! [`classify`]). Formatting results is the front ends' job.

use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;

use crate::error::Result;
use crate::model::{EntityId, FactId};
use crate::storage::IndexKind;
use crate::store::Store;

pub mod ast;
pub mod exec;
pub mod lexer;
pub mod parser;
pub mod plan;

/// Rows returned per statement unless the user asks otherwise.
pub const DEFAULT_LIMIT: usize = 1000;

/// Keywords of the language, for completion and "did you mean".
pub const KEYWORDS: &[&str] = &[
    "find",
    "where",
    "count",
    "order",
    "by",
    "asc",
    "desc",
    "limit",
    "group",
    "not",
    "why",
    "describe",
    "entities",
    "like",
    "relations",
    "explain",
    "conflicts",
];

/// A name or relation as query text: bare when it is a single word the
/// lexer reads back as itself, else quoted with the escapes the lexer knows.
/// The shell's completions and `lore serve`'s `describe` both write names so.
pub fn quote_name(name: &str) -> String {
    let bare = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-' || c == '.')
        && !name.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '.')
        && !KEYWORDS.contains(&name.to_lowercase().as_str());
    if bare {
        return name.to_string();
    }
    let mut out = String::with_capacity(name.len() + 2);
    out.push('"');
    for c in name.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The qualifier names a bare word may name in `{key: term}`: those lore's
/// extractors write, and the special ones (`polarity`, `sources`,
/// `confidence`, `fact`). Any other key is written quoted (`{"my key": ?x}`),
/// so that a misspelt one is an error instead of an empty column.
pub const QUALIFIERS: &[&str] = &[
    "place",
    "time",
    "duration",
    "class",
    "attribution",
    "modality",
    "polarity",
    "sources",
    "confidence",
    "fact",
    "document",
    "title",
    "origin",
    "published",
    "byline",
];

/// Lets another thread stop a running query (the REPL's Ctrl-C).
#[derive(Clone, Debug, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// A token that is not cancelled.
    pub fn new() -> CancelToken {
        CancelToken::default()
    }

    /// Asks the query holding this token to stop; it returns [`crate::Error::Cancelled`].
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether [`CancelToken::cancel`] was called since the last reset.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// Clears the token for the next query.
    pub fn reset(&self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

/// How to run a query.
#[derive(Clone, Debug)]
pub struct QueryOptions {
    /// Maximum rows per statement; more are cut and the result says so.
    pub limit: usize,
    /// Checked while the query runs.
    pub cancel: CancelToken,
    /// The most time one statement may take (`None`: no limit); past it the
    /// statement stops with [`crate::Error::TimedOut`].
    pub timeout: Option<std::time::Duration>,
}

impl Default for QueryOptions {
    fn default() -> Self {
        QueryOptions {
            limit: DEFAULT_LIMIT,
            cancel: CancelToken::new(),
            timeout: None,
        }
    }
}

/// One value in a result row.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    /// An entity, shown by its canonical name.
    Entity {
        /// Entity id.
        id: EntityId,
        /// Canonical name (shared with the store's name cache, so a row
        /// costs no copy of it).
        name: Arc<str>,
    },
    /// A relation, text or other string (shared: a relation name repeats
    /// on every row).
    Text(Arc<str>),
    /// A number or count.
    Number(f64),
    /// An ISO date.
    Date(String),
    /// A fact id (follow it to sources with `why` or [`Store::fact`]).
    Fact(FactId),
    /// No value (an unbound optional qualifier).
    Null,
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Entity { name, .. } => f.write_str(name),
            Value::Text(s) => f.write_str(s),
            Value::Date(s) => f.write_str(s),
            Value::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => write!(f, "{}", *n as i64),
            Value::Number(n) => write!(f, "{n}"),
            Value::Fact(id) => write!(f, "#{id}"),
            Value::Null => Ok(()),
        }
    }
}

/// The output of one statement.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct StatementOutput {
    /// Byte range of the statement in the query text.
    pub span: Range<usize>,
    /// Column names.
    pub columns: Vec<String>,
    /// Rows, each as long as `columns`.
    pub rows: Vec<Vec<Value>>,
    /// True when the row limit cut the result.
    pub truncated: bool,
    /// Remarks for the user (what an ambiguous name matched, plans for `explain`).
    pub notes: Vec<String>,
}

/// The outputs of every statement in a query text, in order.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct QueryResult {
    /// One per statement.
    pub statements: Vec<StatementOutput>,
}

/// Token classes for syntax highlighting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenClass {
    /// A keyword.
    Keyword,
    /// A bare name.
    Name,
    /// A quoted string.
    String,
    /// A `?variable`.
    Variable,
    /// A number or date.
    Number,
    /// Punctuation.
    Punct,
    /// A `--` comment.
    Comment,
    /// Something the lexer rejects.
    Error,
}

/// Runs every statement of `text` against `store`.
///
/// The whole text is parsed first, so a syntax error anywhere runs nothing;
/// then the statements run in order and the first failing one stops the
/// rest. Errors are [`crate::Error::Query`] with a span into `text`, or
/// [`crate::Error::Cancelled`] when `opts.cancel` fired.
///
/// ```
/// let dir = tempfile::tempdir()?;
/// let store = lore::Store::open(dir.path().join("news.db"))?;
/// store.ingest_text("Talks\n\nToday Ann Lee met Bob Stone in Paris.", "a.txt")?;
/// let result = store.query("\"Bob Stone\" met ?who;")?;
/// assert_eq!(result.statements[0].rows[0][0].to_string(), "Ann Lee");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn run(store: &Store, text: &str, opts: &QueryOptions) -> Result<QueryResult> {
    let statements = parser::parse(text)?;
    let mut out = QueryResult::default();
    for stmt in &statements {
        out.statements
            .push(exec::statement(store.storage(), stmt, opts)?);
    }
    Ok(out)
}

/// Index entries the store has decoded since it was opened: lets tests and
/// profiling prove that a query read only the index groups it needed.
pub fn entries_read(store: &Store) -> u64 {
    store.storage().entries_read()
}

/// The index groups (index, group key) the first statement of `text` reads,
/// in the order it reads them. Benchmarks scan exactly these groups raw with
/// [`raw_scan`] to measure the floor under the engine.
pub fn trace_groups(store: &Store, text: &str) -> Result<Vec<(IndexKind, Vec<u8>)>> {
    let statements = parser::parse(text)?;
    match statements.first() {
        Some(stmt) => exec::trace_statement(store.storage(), stmt, &QueryOptions::default()),
        None => Ok(Vec::new()),
    }
}

/// Reads the given index groups as raw sled key/value pairs without decoding
/// them; returns the bytes seen. The floor no query over those groups can beat.
pub fn raw_scan(store: &Store, groups: &[(IndexKind, Vec<u8>)]) -> Result<u64> {
    let mut bytes = 0;
    for (kind, group) in groups {
        bytes += store.storage().raw_group_scan(*kind, group)?;
    }
    Ok(bytes)
}

/// True when `text` ends a statement: a `;` outside quotes and comments, and no open quote.
pub fn is_complete(text: &str) -> bool {
    lexer::is_complete(text)
}

/// Classifies the tokens of `text` for highlighting; never fails, never panics.
pub fn classify(text: &str) -> Vec<(Range<usize>, TokenClass)> {
    lexer::classify(text)
}

/// Parses every statement of `text` without running it (`lore run --check`);
/// the first error comes back as [`crate::Error::Query`] with a span into `text`.
pub fn check(text: &str) -> Result<()> {
    parser::parse(text).map(|_| ()).map_err(Into::into)
}

/// Queries on a store: defined here, not in `store.rs`, so that the store
/// does not depend on the query engine above it.
impl crate::store::Store {
    /// Runs query text (one or more statements) with default options.
    ///
    /// Errors in the text come back as [`crate::Error::Query`] with a span to render
    /// with [`crate::diag::Diagnostic::render`].
    ///
    /// ```
    /// let dir = tempfile::tempdir()?;
    /// let store = lore::Store::open(dir.path().join("db"))?;
    /// match store.query("this is not a query") {
    ///     Ok(result) => println!("{} statements", result.statements.len()),
    ///     Err(lore::Error::Query(d)) => eprintln!("{}", d.render("query", "this is not a query")),
    ///     Err(e) => return Err(e.into()),
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn query(&self, text: &str) -> Result<QueryResult> {
        self.query_with(text, &QueryOptions::default())
    }

    /// Runs query text with a row limit and an optional cancel token. It
    /// sees the store between writes: a write of another thread in
    /// progress ends first, and the next waits until the query is done.
    ///
    /// ```
    /// let dir = tempfile::tempdir()?;
    /// let store = lore::Store::open(dir.path().join("db"))?;
    /// store.ingest_text("Talks\n\nAnn Lee met Bob Stone in Paris. Ann Lee met Carl Moe in Rome.", "a.txt")?;
    /// let opts = lore::QueryOptions { limit: 1, ..Default::default() };
    /// let out = store.query_with("\"Ann Lee\" met ?who;", &opts)?;
    /// let first = &out.statements[0];
    /// assert!(first.rows.len() <= 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn query_with(&self, text: &str, opts: &QueryOptions) -> Result<QueryResult> {
        // A write in progress ends first and the next waits, as for an
        // export: an import batch is applied tree by tree, and a query in
        // between would see part of it (new sources on stored facts).
        let _whole_writes = self.storage().pause_writes()?;
        run(self, text, opts)
    }
}

#[cfg(test)]
mod tests {
    use super::{ast, parser, quote_name};

    #[test]
    fn names_are_quoted_as_the_query_language_reads_them() {
        assert_eq!(quote_name(r#"a "b" \ c"#), r#""a \"b\" \\ c""#);
        // A quoted name parses back to itself, line breaks included.
        for name in ["a \"b\" \\ c", "two\nlines", "tab\there", "Lavrov", "count"] {
            let text = format!("describe {};", quote_name(name));
            let stmts = parser::parse(&text).expect("quoted names parse");
            match &stmts[0].kind {
                ast::StmtKind::Describe(t) => {
                    assert_eq!(t.text().unwrap_or_default(), name, "{text}")
                }
                other => panic!("{text}: {other:?}"),
            }
        }
    }
}

//! One store, many processes: the protocol by which a `lore` process that
//! holds a store (the shell, `lore serve`, an ingest) serves it to others,
//! and the library's side of it.
//!
//! sled lets one process open a store. The holder listens on a Unix socket
//! in the store directory, [`SOCKET`], which only the store's owner may use.
//! A client sends one JSON line, a [`Request`]; the holder answers with
//! frames: `o`, a big-endian u32 length and that many bytes of standard
//! output; `e` and the same for standard error; last `x` and one byte, the
//! exit code. The command line forwards its commands this way ([`forward`]);
//! a program embedding lore uses [`Handle::open`], which opens the store
//! here when it is free and reaches its holder when it is not:
//!
//! ```
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("news.db");
//! lore::Store::open(&path)?.ingest_text("Talks\n\nAnn Lee met Bob Stone in Paris.", "a.txt")?;
//! // Free: opened here. Held by a `lore` shell or server: answered by it.
//! let handle = lore::client::Handle::open(&path)?;
//! assert_eq!(handle.stats()?.documents, 1);
//! let result = handle.query("?a met ?b;")?;
//! assert!(!result.statements[0].rows.is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::io::{self, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::diag::Diagnostic;
use crate::error::{Error, Result};
use crate::model::Stats;
use crate::query::{QueryOptions, QueryResult, StatementOutput, Value};
use crate::store::Store;

/// The socket's file name in the store directory.
pub const SOCKET: &str = "lore.sock";

/// A command, as a client sends it to the holder (one JSON line).
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "lowercase")]
pub enum Request {
    /// `lore stats`.
    Stats,
    /// [`Remote::stats`]: the counts as data.
    StatsData,
    /// [`Remote::query_with`]: the result as data.
    QueryData {
        /// The statements.
        text: String,
        /// Rows per statement.
        limit: usize,
        /// Time budget per statement, in milliseconds.
        timeout_ms: Option<u64>,
    },
    /// `lore query`.
    Query {
        /// The statements.
        text: String,
        /// `table`, `json`, `csv` or `line`.
        format: String,
        /// Rows per statement.
        limit: usize,
        /// Time budget per statement, in milliseconds.
        timeout_ms: Option<u64>,
        /// The client's terminal width, for tables.
        width: Option<usize>,
    },
    /// `lore ingest` of files (absolute paths: the holder has another
    /// working directory).
    Ingest {
        /// Article files and directories.
        paths: Vec<PathBuf>,
        /// `utf8`, `auto` or `latin1`.
        encoding: String,
        /// `patterns`, `parse` or `both`.
        extractor: String,
    },
    /// `lore ingest -`: one article read from the client's stdin, decoded
    /// by the client.
    IngestText {
        /// The article.
        text: String,
        /// `patterns`, `parse` or `both`.
        extractor: String,
    },
    /// `lore run` (and `lore < script`): scripts read by the client.
    Run {
        /// (name, text) of each script, in order.
        scripts: Vec<(String, String)>,
        /// `table`, `json`, `csv` or `line`.
        format: String,
        /// Rows per statement.
        limit: usize,
        /// Time budget per statement, in milliseconds.
        timeout_ms: Option<u64>,
        /// Report every error instead of stopping at the first.
        keep_going: bool,
        /// The client's terminal width, for tables.
        width: Option<usize>,
        /// The client's working directory: relative paths in meta-commands
        /// (`.export FILE`, `.read FILE`) are the client's.
        cwd: PathBuf,
    },
    /// `lore timeline`.
    Timeline {
        /// The entity.
        name: String,
        /// `table`, `json`, `csv` or `line`.
        format: String,
        /// The client's terminal width, for tables.
        width: Option<usize>,
    },
    /// `lore graph`.
    Graph {
        /// The entity.
        name: String,
        /// How many facts away.
        depth: usize,
        /// The most nodes drawn.
        max_nodes: usize,
        /// Graphviz DOT instead of SVG.
        dot: bool,
        /// PNG instead of SVG (absent from the requests of older clients).
        #[serde(default)]
        png: bool,
    },
    /// `lore import` of a file (an absolute path).
    Import {
        /// The JSONL or N-Triples file.
        file: PathBuf,
        /// `jsonl` or `ntriples`.
        format: String,
        /// Skip bad lines instead of stopping at the first.
        keep_going: bool,
        /// The name messages give the input (`stdin` for a spooled one).
        #[serde(default)]
        name: Option<String>,
    },
    /// `lore check`.
    Check,
    /// `lore backup` into a new directory (an absolute path).
    Backup {
        /// The new store directory.
        dest: PathBuf,
    },
    /// `lore export`.
    Export {
        /// `jsonl`, `ntriples`, `turtle` or `csv`.
        format: String,
        /// Base IRI for RDF.
        base: String,
        /// `facts`, `entities`, `sources` or `documents` for CSV.
        table: String,
    },
}

// ------------------------------------------------------------------ client

/// Whether a process holding the store at `db` serves it: asked before a
/// client reads input it would otherwise read for nothing (stdin).
pub fn answers(db: &Path) -> bool {
    UnixStream::connect(db.join(SOCKET)).is_ok()
}

/// Runs `request` through the process holding the store at `db`, writing
/// what it answers to `out` and `err`. `None` when no holder answers.
pub fn forward(
    db: &Path,
    request: &Request,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Option<Result<u8>> {
    let mut stream = UnixStream::connect(db.join(SOCKET)).ok()?;
    let io_err = |e: io::Error| Error::io(db.join(SOCKET), e);
    let mut run = || -> Result<u8> {
        let mut line = serde_json::to_vec(request).map_err(|e| Error::Storage(e.to_string()))?;
        line.push(b'\n');
        stream.write_all(&line).map_err(io_err)?;
        let mut reader = io::BufReader::new(&stream);
        loop {
            let mut kind = [0u8; 1];
            if let Err(e) = reader.read_exact(&mut kind) {
                return Err(Error::bad_input(
                    db.display().to_string(),
                    format!(
                        "the lore process holding this store stopped answering ({e}); run the command again"
                    ),
                ));
            }
            if kind[0] == b'x' {
                let mut code = [0u8; 1];
                reader.read_exact(&mut code).map_err(io_err)?;
                return Ok(code[0]);
            }
            let mut len = [0u8; 4];
            reader.read_exact(&mut len).map_err(io_err)?;
            let mut chunk = vec![0u8; u32::from_be_bytes(len) as usize];
            reader.read_exact(&mut chunk).map_err(io_err)?;
            let to: &mut dyn Write = if kind[0] == b'e' { err } else { out };
            match to.write_all(&chunk) {
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(0),
                other => other.map_err(|e| Error::io("stdout", e))?,
            }
        }
    };
    Some(run())
}

/// A store held by another `lore` process, reached through its socket.
#[derive(Clone, Debug)]
pub struct Remote {
    db: PathBuf,
}

impl Remote {
    /// Reaches the process holding the store at `db`; a store that no
    /// process serves is [`Error::StoreLocked`] when it is in use and
    /// [`Error::NotAStore`] when nothing holds it (open it with
    /// [`Store::open`] then, or use [`Handle::open`]).
    pub fn connect(db: impl AsRef<Path>) -> Result<Remote> {
        let db = db.as_ref().to_path_buf();
        if answers(&db) {
            return Ok(Remote { db });
        }
        if db.join("db").is_file() {
            Err(Error::StoreLocked { path: db })
        } else {
            Err(Error::NotAStore {
                path: db,
                reason: "no lore process serves it; open it with Store::open or Handle::open"
                    .into(),
            })
        }
    }

    /// The store directory.
    pub fn path(&self) -> &Path {
        &self.db
    }

    /// Counts, as [`Store::stats`] gives them.
    pub fn stats(&self) -> Result<Stats> {
        let data = self.ask(&Request::StatsData)?;
        serde_json::from_slice(&data).map_err(|e| self.garbled(e))
    }

    /// Runs query text as [`Store::query_with`] does (its cancel token
    /// stays here: a remote query stops at its `timeout`).
    pub fn query_with(&self, text: &str, opts: &QueryOptions) -> Result<QueryResult> {
        let data = self.ask(&Request::QueryData {
            text: text.to_string(),
            limit: opts.limit,
            timeout_ms: opts
                .timeout
                .map(|t| u64::try_from(t.as_millis()).unwrap_or(u64::MAX)),
        })?;
        let wire: WireResult = serde_json::from_slice(&data).map_err(|e| self.garbled(e))?;
        Ok(wire.into_result())
    }

    /// Sends a data request; the answer's `o` bytes, or its error.
    fn ask(&self, request: &Request) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        let mut err = Vec::new();
        let code = match forward(&self.db, request, &mut out, &mut err) {
            Some(code) => code?,
            None => {
                return Err(Error::StoreLocked {
                    path: self.db.clone(),
                });
            }
        };
        if code == 0 {
            return Ok(out);
        }
        match serde_json::from_slice::<WireError>(&out) {
            Ok(e) => Err(e.into_error(&self.db)),
            Err(_) => Err(Error::Storage(
                String::from_utf8_lossy(&err).trim().to_string(),
            )),
        }
    }

    fn garbled(&self, e: serde_json::Error) -> Error {
        Error::bad_input(
            self.db.display().to_string(),
            format!(
                "the lore process holding this store answered something this lore cannot read ({e}); are both the same version?"
            ),
        )
    }
}

/// A store opened here, or reached through the process holding it.
#[derive(Debug)]
pub enum Handle {
    /// Opened by this process (boxed: a store handle is large, and a
    /// handle is moved around more often than it is opened).
    Local(Box<Store>),
    /// Held by another `lore` process that serves it.
    Remote(Remote),
}

impl Handle {
    /// Opens the store at `path` here when no process holds it, else
    /// reaches the process that does; a store held by a process that does
    /// not serve it is [`Error::StoreLocked`].
    pub fn open(path: impl AsRef<Path>) -> Result<Handle> {
        let path = path.as_ref();
        match Store::open(path) {
            Ok(store) => Ok(Handle::Local(Box::new(store))),
            Err(locked @ Error::StoreLocked { .. }) => match Remote::connect(path) {
                Ok(remote) => Ok(Handle::Remote(remote)),
                Err(_) => Err(locked),
            },
            Err(e) => Err(e),
        }
    }

    /// Counts.
    pub fn stats(&self) -> Result<Stats> {
        match self {
            Handle::Local(s) => s.stats(),
            Handle::Remote(r) => r.stats(),
        }
    }

    /// Runs query text with default options.
    pub fn query(&self, text: &str) -> Result<QueryResult> {
        self.query_with(text, &QueryOptions::default())
    }

    /// Runs query text.
    pub fn query_with(&self, text: &str, opts: &QueryOptions) -> Result<QueryResult> {
        match self {
            Handle::Local(s) => s.query_with(text, opts),
            Handle::Remote(r) => r.query_with(text, opts),
        }
    }
}

/// The holder's answer to a data request: the bytes of its `o` frame and
/// the exit code (0, else 1 for a user error, 2 for another).
pub fn answer_data(store: &Store, request: &Request) -> (Vec<u8>, u8) {
    let answer = match request {
        Request::StatsData => store
            .stats()
            .and_then(|s| serde_json::to_vec(&s).map_err(|e| Error::Storage(e.to_string()))),
        Request::QueryData {
            text,
            limit,
            timeout_ms,
        } => {
            let opts = QueryOptions {
                limit: *limit,
                timeout: timeout_ms.map(Duration::from_millis),
                ..QueryOptions::default()
            };
            store.query_with(text, &opts).and_then(|r| {
                serde_json::to_vec(&WireResult::from_result(&r))
                    .map_err(|e| Error::Storage(e.to_string()))
            })
        }
        _ => Err(Error::Storage("not a data request".into())),
    };
    match answer {
        Ok(bytes) => (bytes, 0),
        Err(e) => {
            let code = if e.is_user_error() { 1 } else { 2 };
            (
                serde_json::to_vec(&WireError::from_error(&e)).unwrap_or_default(),
                code,
            )
        }
    }
}

/// A [`Value`] on the wire: tagged, so that it reads back as itself.
#[derive(Serialize, Deserialize)]
enum WireValue {
    Entity(u64, String),
    Text(String),
    Number(f64),
    Date(String),
    Fact(u64),
    Null,
}

#[derive(Serialize, Deserialize)]
struct WireStatement {
    span: (usize, usize),
    columns: Vec<String>,
    rows: Vec<Vec<WireValue>>,
    truncated: bool,
    notes: Vec<String>,
}

#[derive(Serialize, Deserialize)]
struct WireResult {
    statements: Vec<WireStatement>,
}

impl WireResult {
    fn from_result(r: &QueryResult) -> WireResult {
        let value = |v: &Value| match v {
            Value::Entity { id, name } => WireValue::Entity(*id, name.to_string()),
            Value::Text(t) => WireValue::Text(t.to_string()),
            Value::Number(n) => WireValue::Number(*n),
            Value::Date(d) => WireValue::Date(d.clone()),
            Value::Fact(f) => WireValue::Fact(*f),
            Value::Null => WireValue::Null,
        };
        WireResult {
            statements: r
                .statements
                .iter()
                .map(|s| WireStatement {
                    span: (s.span.start, s.span.end),
                    columns: s.columns.clone(),
                    rows: s
                        .rows
                        .iter()
                        .map(|row| row.iter().map(value).collect())
                        .collect(),
                    truncated: s.truncated,
                    notes: s.notes.clone(),
                })
                .collect(),
        }
    }

    fn into_result(self) -> QueryResult {
        let value = |v: WireValue| match v {
            WireValue::Entity(id, name) => Value::Entity {
                id,
                name: Arc::from(name),
            },
            WireValue::Text(t) => Value::Text(Arc::from(t)),
            WireValue::Number(n) => Value::Number(n),
            WireValue::Date(d) => Value::Date(d),
            WireValue::Fact(f) => Value::Fact(f),
            WireValue::Null => Value::Null,
        };
        QueryResult {
            statements: self
                .statements
                .into_iter()
                .map(|s| StatementOutput {
                    span: s.span.0..s.span.1,
                    columns: s.columns,
                    rows: s
                        .rows
                        .into_iter()
                        .map(|row| row.into_iter().map(value).collect())
                        .collect(),
                    truncated: s.truncated,
                    notes: s.notes,
                })
                .collect(),
        }
    }
}

/// An error on the wire: a query error keeps its place and help, so the
/// client's [`Error::Query`] renders the same caret; others keep their
/// sentence and whether they were the user's.
#[derive(Serialize, Deserialize)]
enum WireError {
    Query {
        message: String,
        span: (usize, usize),
        help: Option<String>,
    },
    TimedOut(String),
    User(String),
    Internal(String),
}

impl WireError {
    fn from_error(e: &Error) -> WireError {
        match e {
            Error::Query(d) => WireError::Query {
                message: d.message.clone(),
                span: (d.span.start, d.span.end),
                help: d.help.clone(),
            },
            Error::TimedOut { .. } => WireError::TimedOut(e.to_string()),
            e if e.is_user_error() => WireError::User(e.to_string()),
            e => WireError::Internal(e.to_string()),
        }
    }

    fn into_error(self, db: &Path) -> Error {
        match self {
            WireError::Query {
                message,
                span,
                help,
            } => {
                let d = Diagnostic::new(message, span.0..span.1);
                Error::Query(Box::new(match help {
                    Some(h) => d.with_help(h),
                    None => d,
                }))
            }
            WireError::TimedOut(m) | WireError::User(m) => {
                Error::bad_input(db.display().to_string(), m)
            }
            WireError::Internal(m) => Error::Storage(m),
        }
    }
}

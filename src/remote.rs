//! Many processes, one store. sled lets one process open a store; while the
//! shell holds one, it serves the commands of other `lore` processes
//! (`stats`, `query`, `export`, `timeline`, `graph`, `ingest`, `import`)
//! over a Unix socket in the store directory, `STORE/lore.sock`, which only
//! the store's owner may use. A command that finds the store held connects,
//! sends its request and prints what the holder answers, as if it had opened
//! the store itself: reads see what the holder has committed, and an ingest
//! or import waits for the holder's writer like any write of the holder's
//! own. With no one answering (a holder that does not serve, or one that
//! crashed and left its socket file behind) the command reports the store
//! in use, as before; the next holder replaces the file.
//!
//! The commands themselves are here too ([`stats`], [`query`], [`export`],
//! [`timeline`], [`graph`], [`ingest`], [`import`]), written against any
//! output, so that the command line and the holder run the same code.
//!
//! Protocol: the client sends one JSON line, a [`Request`]; the holder
//! answers with frames: `o`, a big-endian u32 length and that many bytes of
//! standard output; `e` and the same for standard error; last `x` and one
//! byte, the exit code.

use std::io::{self, BufRead, Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::session::ingest::IngestTotals;
use lore::csv_export::CsvTable;
use lore::error::{Error, Result};
use lore::graph::GraphFormat;
use lore::ingest::Extractor;
use lore::output::{self, Format, Style};
use lore::query::QueryOptions;
use lore::rdf::RdfFormat;
use lore::store::{Encoding, ImportFormat, ImportOptions, IngestOptions, IngestOutcome, Store};

/// The socket's file name in the store directory.
pub const SOCKET: &str = "lore.sock";

/// The longest a request line may be (a query text is at most this).
const MAX_REQUEST_BYTES: u64 = 4 << 20;

/// How long the holder waits for a client to send its request.
const REQUEST_WAIT: Duration = Duration::from_secs(10);

/// A read command, as sent to the holder.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "lowercase")]
pub enum Request {
    /// `lore stats`.
    Stats,
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
        /// `patterns` or `parse`.
        extractor: String,
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
    },
    /// `lore import` of a file (an absolute path).
    Import {
        /// The JSONL or N-Triples file.
        file: PathBuf,
        /// `jsonl` or `ntriples`.
        format: String,
        /// Skip bad lines instead of stopping at the first.
        keep_going: bool,
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

/// `lore stats` into `out`.
pub fn stats(store: &Store, out: &mut dyn Write) -> Result<u8> {
    let s = store.stats()?;
    let write = |out: &mut dyn Write| -> io::Result<()> {
        writeln!(out, "store      {}", store.path().display())?;
        writeln!(out, "documents  {}", s.documents)?;
        writeln!(out, "entities   {}", s.entities)?;
        writeln!(out, "facts      {}", s.facts)?;
        writeln!(out, "relations  {}", s.relations)?;
        writeln!(out, "sources    {}", s.sources)?;
        writeln!(out, "disk bytes {}", s.disk_bytes)
    };
    write(out).map_err(|e| Error::io("stdout", e))?;
    Ok(0)
}

/// `lore query` into `out`; a located query error goes to `err` with exit 1.
pub fn query(
    store: &Store,
    text: &str,
    format: Format,
    opts: &QueryOptions,
    width: Option<usize>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<u8> {
    let result = match store.query_with(text, opts) {
        Ok(r) => r,
        Err(Error::Query(d)) => {
            writeln!(err, "{}", d.render("query", text)).map_err(|e| Error::io("stderr", e))?;
            return Ok(1);
        }
        Err(e) => return Err(e),
    };
    let style = Style {
        width,
        ..Style::default()
    };
    print_result(out, &result, format, &style).map_err(|e| Error::io("stdout", e))?;
    Ok(0)
}

/// Writes every statement output of a result in `format`.
pub fn print_result(
    out: &mut dyn Write,
    result: &lore::query::QueryResult,
    format: Format,
    style: &Style,
) -> io::Result<()> {
    for (i, s) in result.statements.iter().enumerate() {
        if i > 0 && matches!(format, Format::Table | Format::Line) {
            writeln!(out)?;
        }
        output::write(out, s, format, style)?;
    }
    Ok(())
}

/// `lore timeline` of an entity into `out`.
pub fn timeline(
    store: &Store,
    name: &str,
    format: Format,
    width: Option<usize>,
    out: &mut dyn Write,
) -> Result<u8> {
    let t = store.timeline(name, format == Format::Table)?;
    let style = Style {
        width,
        ..Style::default()
    };
    output::write(out, &t, format, &style).map_err(|e| Error::io("stdout", e))?;
    Ok(0)
}

/// `lore graph` of an entity's neighbourhood into `out`.
pub fn graph(
    store: &Store,
    name: &str,
    depth: usize,
    max_nodes: usize,
    format: GraphFormat,
    out: &mut dyn Write,
) -> Result<u8> {
    let text = lore::graph::render(&store.neighbourhood(name, depth, max_nodes)?, format);
    out.write_all(text.as_bytes())
        .map_err(|e| Error::io("stdout", e))?;
    Ok(0)
}

/// `lore export` of the whole store into `out`, in `format` (the names of
/// [`Request::Export`]).
pub fn export(
    store: &Store,
    format: &str,
    base: &str,
    table: CsvTable,
    out: &mut dyn Write,
) -> Result<()> {
    match format {
        "ntriples" => store.export_rdf(out, RdfFormat::NTriples, base),
        "turtle" => store.export_rdf(out, RdfFormat::Turtle, base),
        "csv" => store.export_csv(out, table),
        _ => store.export_jsonl(out),
    }?;
    out.flush().map_err(|e| Error::io("output", e))
}

/// `lore ingest` of `paths` (without a progress bar), the summary into
/// `out` and each refused article into `err`; exit 1 when one was refused.
pub fn ingest(
    store: &Store,
    paths: &[PathBuf],
    opts: IngestOptions,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<u8> {
    let totals = crate::session::ingest::ingest_paths(store, paths, true, opts, &|| false, err)?;
    writeln!(out, "{}", totals.summary()).map_err(|e| Error::io("stdout", e))?;
    Ok(u8::from(totals.failed > 0))
}

/// The name of an import format in a request.
pub fn import_format_name(f: ImportFormat) -> &'static str {
    match f {
        ImportFormat::Jsonl => "jsonl",
        ImportFormat::Ntriples => "ntriples",
    }
}

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

/// The names of an ingest's options in a request.
pub fn ingest_names(opts: &IngestOptions) -> (String, String) {
    let encoding = match opts.encoding {
        Encoding::Utf8 => "utf8",
        Encoding::Auto => "auto",
        Encoding::Latin1 => "latin1",
    };
    let extractor = match opts.extractor {
        Extractor::Patterns => "patterns",
        Extractor::Parse => "parse",
    };
    (encoding.to_string(), extractor.to_string())
}

/// The name of a CSV table in a request.
pub fn table_name(t: CsvTable) -> &'static str {
    match t {
        CsvTable::Facts => "facts",
        CsvTable::Entities => "entities",
        CsvTable::Sources => "sources",
        CsvTable::Documents => "documents",
    }
}

fn table_from_name(name: &str) -> CsvTable {
    match name {
        "entities" => CsvTable::Entities,
        "sources" => CsvTable::Sources,
        "documents" => CsvTable::Documents,
        _ => CsvTable::Facts,
    }
}

// ------------------------------------------------------------------ client

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

// ------------------------------------------------------------------ holder

/// Frames everything written to it as standard output (`o` frames).
struct Frames<'a>(&'a UnixStream, u8);

impl Write for Frames<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let len = u32::try_from(buf.len()).unwrap_or(u32::MAX) as usize;
        let mut frame = Vec::with_capacity(5 + len);
        frame.push(self.1);
        frame.extend_from_slice(&(len as u32).to_be_bytes());
        frame.extend_from_slice(&buf[..len]);
        (&*self.0).write_all(&frame)?;
        Ok(len)
    }
    fn flush(&mut self) -> io::Result<()> {
        (&*self.0).flush()
    }
}

/// The holder's side: a thread accepting connections on the socket, each
/// served on a thread of its own. Dropping it stops accepting and removes
/// the socket file.
pub struct Server {
    path: PathBuf,
    stop: Arc<AtomicBool>,
    acceptor: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    /// Serves `store` to other processes. A socket file left by a holder
    /// that crashed is replaced: this process holds the store's lock, so no
    /// other holder is alive.
    pub fn start(store: Arc<Store>) -> Result<Server> {
        let path = store.path().join(SOCKET);
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(&path, e)),
        }
        let listener = UnixListener::bind(&path).map_err(|e| Error::io(&path, e))?;
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
                .map_err(|e| Error::io(&path, e))?;
        }
        let stop = Arc::new(AtomicBool::new(false));
        let acceptor = {
            let stop = stop.clone();
            std::thread::Builder::new()
                .name("lore-serve".into())
                .spawn(move || {
                    for conn in listener.incoming() {
                        if stop.load(Ordering::SeqCst) {
                            break;
                        }
                        let Ok(conn) = conn else { continue };
                        let store = store.clone();
                        let _ = std::thread::Builder::new()
                            .name("lore-client".into())
                            .spawn(move || serve_one(&store, conn));
                    }
                })
                .map_err(|e| Error::io(&path, e))?
        };
        Ok(Server {
            path,
            stop,
            acceptor: Some(acceptor),
        })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the acceptor, which then sees `stop`.
        let _ = UnixStream::connect(&self.path);
        if let Some(t) = self.acceptor.take() {
            let _ = t.join();
        }
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Reads one request and answers it; any failure ends this connection only.
fn serve_one(store: &Store, conn: UnixStream) {
    let _ = conn.set_read_timeout(Some(REQUEST_WAIT));
    let mut line = String::new();
    let read = io::BufReader::new(&conn)
        .take(MAX_REQUEST_BYTES)
        .read_line(&mut line);
    let code = match read {
        Ok(_) => match serde_json::from_str::<Request>(&line) {
            Ok(request) => run(store, request, &conn),
            Err(e) => {
                let _ = Frames(&conn, b'e').write_all(
                    format!("lore: error: the store's holder cannot read the request: {e}\n")
                        .as_bytes(),
                );
                2
            }
        },
        Err(_) => return,
    };
    let _ = (&conn).write_all(&[b'x', code]);
}

fn run(store: &Store, request: Request, conn: &UnixStream) -> u8 {
    let mut out = io::BufWriter::with_capacity(1 << 16, Frames(conn, b'o'));
    let mut err = Frames(conn, b'e');
    let outcome = match request {
        Request::Stats => stats(store, &mut out),
        Request::Query {
            text,
            format,
            limit,
            timeout_ms,
            width,
        } => {
            let opts = QueryOptions {
                limit,
                timeout: timeout_ms.map(Duration::from_millis),
                ..QueryOptions::default()
            };
            let format = Format::parse(&format).unwrap_or(Format::Table);
            query(store, &text, format, &opts, width, &mut out, &mut err)
        }
        Request::Export {
            format,
            base,
            table,
        } => export(store, &format, &base, table_from_name(&table), &mut out).map(|()| 0),
        Request::Timeline {
            name,
            format,
            width,
        } => timeline(
            store,
            &name,
            Format::parse(&format).unwrap_or(Format::Table),
            width,
            &mut out,
        ),
        Request::Graph {
            name,
            depth,
            max_nodes,
            dot,
        } => {
            let format = if dot {
                GraphFormat::Dot
            } else {
                GraphFormat::Svg
            };
            graph(store, &name, depth, max_nodes, format, &mut out)
        }
        Request::Import {
            file,
            format,
            keep_going,
        } => {
            let format = if format == "ntriples" {
                ImportFormat::Ntriples
            } else {
                ImportFormat::Jsonl
            };
            let name = file.display().to_string();
            match std::fs::File::open(&file) {
                Ok(f) => import(
                    store,
                    &mut io::BufReader::with_capacity(1 << 20, f),
                    &ImportJob {
                        name: &name,
                        format,
                        keep_going,
                        progress: false,
                    },
                    &mut out,
                    &mut err,
                ),
                Err(e) => Err(Error::io(&file, e)),
            }
        }
        Request::Ingest {
            paths,
            encoding,
            extractor,
        } => {
            let opts = IngestOptions {
                encoding: match encoding.as_str() {
                    "auto" => Encoding::Auto,
                    "latin1" => Encoding::Latin1,
                    _ => Encoding::Utf8,
                },
                extractor: match extractor.as_str() {
                    "parse" => Extractor::Parse,
                    _ => Extractor::Patterns,
                },
                ..IngestOptions::default()
            };
            ingest(store, &paths, opts, &mut out, &mut err)
        }
    };
    let flushed = out.flush();
    match outcome {
        Ok(code) if flushed.is_ok() => code,
        Ok(_) => 2,
        Err(e) => {
            let _ = err.write_all(format!("lore: error: {e}\n").as_bytes());
            if e.is_user_error() { 1 } else { 2 }
        }
    }
}

//! Many processes, one store. sled lets one process open a store; while the
//! shell, `lore serve` or an ingest of files holds one, it serves the
//! commands of other `lore` processes (`stats`, `query`, `export`,
//! `timeline`, `graph`, `check`, `ingest`, `import`, `backup`, `run`) over a Unix
//! socket in the store directory, `STORE/lore.sock`, which only the store's
//! owner may use. A command that finds the store held connects,
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
//! The protocol, the client the commands use to forward themselves and
//! the library's [`lore::client::Handle`] are in the library
//! (`lore::client`); the holder's server is here, as it runs the commands.

use std::io::{self, BufRead, Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::session::ingest::IngestTotals;
use lore::csv_export::CsvTable;
use lore::error::{Error, Result};
use lore::graph::GraphFormat;
use lore::ingest::Extractor;
use lore::output::{self, Format, Style};
use lore::query::QueryOptions;
use lore::rdf::RdfFormat;
use lore::store::{Encoding, ImportFormat, IngestOptions, IngestOutcome, Store};

pub use lore::client::{Request, SOCKET, answers, forward};

/// The longest a request line may be: an article from stdin, its JSON
/// escapes, and the rest of the request. Only the store's owner can send one.
const MAX_REQUEST_BYTES: u64 = 2 * lore::store::MAX_ARTICLE_BYTES as u64 + (1 << 20);

/// How long the holder waits for a client to send its request.
const REQUEST_WAIT: Duration = Duration::from_secs(10);

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
    let bytes = lore::graph::draw(&store.neighbourhood(name, depth, max_nodes)?, format)?;
    out.write_all(&bytes).map_err(|e| Error::io("stdout", e))?;
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

/// `lore ingest -` of one article's text, with `ingest`'s summary.
pub fn ingest_text(
    store: &Store,
    text: &str,
    opts: &IngestOptions,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<u8> {
    let mut totals = IngestTotals::default();
    match store.ingest_bytes_with(text.as_bytes(), "stdin", opts) {
        Ok(IngestOutcome::Added {
            new_entities,
            new_facts,
            corroborated,
            ..
        }) => {
            totals.added = 1;
            totals.entities = new_entities;
            totals.facts = new_facts;
            totals.corroborated = corroborated;
        }
        Ok(IngestOutcome::Skipped { .. }) => totals.skipped = 1,
        Err(e) if e.is_user_error() => {
            totals.failed = 1;
            writeln!(err, "lore: error: {e}").map_err(|e| Error::io("stderr", e))?;
        }
        Err(e) => return Err(e),
    }
    writeln!(out, "{}", totals.summary()).map_err(|e| Error::io("stdout", e))?;
    Ok(u8::from(totals.failed > 0))
}

/// `lore check` of the store: the report into `out`; exit 2 when damaged.
pub fn check(store: &Store, out: &mut dyn Write) -> Result<u8> {
    let report = store.check()?;
    lore::check::print_report(store.path(), &report, out).map_err(|e| Error::io("stdout", e))?;
    Ok(if report.is_clean() { 0 } else { 2 })
}

/// `lore backup`: a consistent copy of the store in the new directory
/// `dest`, then `lore check` of the copy; exit 2 when the copy is not clean.
pub fn backup(store: &Store, dest: &Path, out: &mut dyn Write) -> Result<u8> {
    let copied = store.backup(dest)?;
    let report = lore::check::check_store(dest, &lore::store::OpenOptions::reader())?;
    let write = |out: &mut dyn Write| -> io::Result<()> {
        writeln!(
            out,
            "backup of {} written to {}: {} files, {} bytes",
            store.path().display(),
            dest.display(),
            copied.files,
            copied.bytes
        )?;
        lore::check::print_report(dest, &report, out)
    };
    write(out).map_err(|e| Error::io("stdout", e))?;
    Ok(if report.is_clean() { 0 } else { 2 })
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

pub use crate::session::import::{ImportJob, import};

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
        Extractor::Both => "both",
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

// ------------------------------------------------------------------ holder

/// Runs another process's scripts in a session of their own on the held
/// store; the exit code is 1 when one reported an error.
#[allow(clippy::too_many_arguments)]
fn run_scripts(
    store: Arc<Store>,
    scripts: &[(String, String)],
    opts: &crate::session::scripts::RunOptions,
    width: Option<usize>,
    cwd: PathBuf,
    conn: &UnixStream,
) -> u8 {
    let (Ok(out), Ok(err)) = (conn.try_clone(), conn.try_clone()) else {
        return 2;
    };
    let mut session = crate::session::Session::shared(
        store,
        Box::new(io::BufWriter::with_capacity(
            1 << 16,
            OwnedFrames(out, b'o'),
        )),
        Box::new(OwnedFrames(err, b'e')),
    );
    session.width = width;
    session.base = Some(cwd);
    let outcome = crate::session::scripts::run_in(&mut session, scripts, opts);
    drop(session);
    match outcome {
        Ok(0) => 0,
        Ok(n) => {
            if n > 1 {
                let _ = Frames(conn, b'e').write_all(format!("lore: {n} errors\n").as_bytes());
            }
            1
        }
        Err(e) => {
            let _ = Frames(conn, b'e').write_all(format!("lore: error: {e}\n").as_bytes());
            if e.is_user_error() { 1 } else { 2 }
        }
    }
}

/// [`Frames`] over a stream of its own, for a session that keeps it.
struct OwnedFrames(UnixStream, u8);

impl Write for OwnedFrames {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        Frames(&self.0, self.1).write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        (&self.0).flush()
    }
}

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
    /// With `read_only`, ingest and import requests are refused.
    pub fn start(store: Arc<Store>, read_only: bool) -> Result<Server> {
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
                            .spawn(move || serve_one(store, read_only, conn));
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
fn serve_one(store: Arc<Store>, read_only: bool, conn: UnixStream) {
    let _ = conn.set_read_timeout(Some(REQUEST_WAIT));
    let mut line = String::new();
    let read = io::BufReader::new(&conn)
        .take(MAX_REQUEST_BYTES)
        .read_line(&mut line);
    let code = match read {
        // A client that only asked whether anyone answers (`answers`).
        Ok(0) => return,
        Ok(_) => match serde_json::from_str::<Request>(&line) {
            Ok(Request::Ingest { .. } | Request::IngestText { .. } | Request::Import { .. })
                if read_only =>
            {
                let _ = Frames(&conn, b'e').write_all(
                    format!(
                        "lore: error: store {} is served read-only (lore serve --read-only); stop that server, or serve it without --read-only, to write to it\n",
                        store.path().display()
                    )
                    .as_bytes(),
                );
                1
            }
            Ok(Request::Run { ref scripts, .. })
                if read_only
                    && scripts.iter().any(|(_, text)| {
                        text.lines()
                            .any(|l| l.trim_start().to_ascii_lowercase().starts_with(".ingest"))
                    }) =>
            {
                let _ = Frames(&conn, b'e').write_all(
                    format!(
                        "lore: error: store {} is served read-only (lore serve --read-only); a script with .ingest cannot run through it\n",
                        store.path().display()
                    )
                    .as_bytes(),
                );
                1
            }
            Ok(request) => run(&store, request, &conn),
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

fn run(store: &Arc<Store>, request: Request, conn: &UnixStream) -> u8 {
    let mut out = io::BufWriter::with_capacity(1 << 16, Frames(conn, b'o'));
    let mut err = Frames(conn, b'e');
    let outcome = match request {
        Request::Stats => stats(store, &mut out),
        data @ (Request::StatsData | Request::QueryData { .. }) => {
            let (bytes, code) = lore::client::answer_data(store, &data);
            match out.write_all(&bytes) {
                Ok(()) => Ok(code),
                Err(e) => Err(Error::io("client", e)),
            }
        }
        Request::Backup { dest } => backup(store, &dest, &mut out),
        Request::Check => check(store, &mut out),
        Request::Run {
            scripts,
            format,
            limit,
            timeout_ms,
            keep_going,
            width,
            cwd,
        } => Ok(run_scripts(
            store.clone(),
            &scripts,
            &crate::session::scripts::RunOptions {
                format: Format::parse(&format).unwrap_or(Format::Table),
                limit,
                timeout: timeout_ms.map(Duration::from_millis),
                keep_going,
                check: false,
            },
            width,
            cwd,
            conn,
        )),
        Request::IngestText { text, extractor } => {
            let opts = IngestOptions {
                extractor: extractor_from_name(&extractor),
                ..IngestOptions::default()
            };
            ingest_text(store, &text, &opts, &mut out, &mut err)
        }
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
            png,
        } => {
            let format = match (dot, png) {
                (true, _) => GraphFormat::Dot,
                (false, true) => GraphFormat::Png,
                (false, false) => GraphFormat::Svg,
            };
            graph(store, &name, depth, max_nodes, format, &mut out)
        }
        Request::Import {
            file,
            format,
            keep_going,
            name,
        } => {
            let format = if format == "ntriples" {
                ImportFormat::Ntriples
            } else {
                ImportFormat::Jsonl
            };
            let name = name.unwrap_or_else(|| file.display().to_string());
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
                extractor: extractor_from_name(&extractor),
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

fn extractor_from_name(name: &str) -> Extractor {
    match name {
        "parse" => Extractor::Parse,
        "both" => Extractor::Both,
        _ => Extractor::Patterns,
    }
}

/// How long a command waits for a store that another process holds without
/// serving it, before it reports the store in use.
const BUSY_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// Opens with `open`, waiting up to [`BUSY_WAIT`] while another process
/// holds the store and no holder answers on its socket: a holder between
/// two opens (an import reopens its store once to write sled's snapshot)
/// or one still starting to serve is a moment, not a reason to fail, as
/// SQLite's busy timeout waits out a lock. A store whose holder serves is
/// reported held at once, so that the command goes through the holder.
pub fn unless_busy(path: &Path, open: impl Fn() -> Result<Store>) -> Result<Store> {
    let deadline = std::time::Instant::now() + BUSY_WAIT;
    loop {
        match open() {
            Err(Error::StoreLocked { .. })
                if !answers(path) && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            done => return done,
        }
    }
}

//! The `lore` command line: argument parsing, the subcommands, exit codes.
//!
//! Exit codes: 0 success, 1 user error (bad path, bad query, bad file,
//! store in use), 2 internal or I/O failure.

use std::io::{self, BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;

use crate::session::ingest::{article_files, ingest_paths};
use crate::session::report;

mod args;
pub use args::*;

use lore::csv_export::CsvTable;
use lore::error::{Error, Result};
use lore::graph::GraphFormat;
use lore::output::{self, Format};
use lore::query::QueryOptions;
use lore::store::{Encoding, ImportFormat, IngestOptions, OpenOptions, Store, default_store_path};

/// Parses the process arguments, runs, prints errors and returns the exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap's own exit code for a usage error is 2; lore's contract
            // (README) is 1 for every user error. Help and version are not errors.
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            report(&e);
            exit_code(&e)
        }
    }
}

/// A time budget in seconds (`2`, `0.5`), for `--timeout`.
fn parse_seconds(text: &str) -> std::result::Result<std::time::Duration, String> {
    match text.trim().parse::<f64>() {
        Ok(s) if s > 0.0 && s.is_finite() && s < 1e9 => Ok(std::time::Duration::from_secs_f64(s)),
        _ => Err(format!(
            "expected a number of seconds above 0, e.g. 30 or 0.5; found `{text}`"
        )),
    }
}

/// 1 for user errors, 2 for internal and I/O errors.
pub fn exit_code(e: &Error) -> ExitCode {
    if e.is_user_error() {
        ExitCode::from(1)
    } else {
        ExitCode::from(2)
    }
}

/// The store `--db` names, else `$LORE_DB` (through clap), else `./lore.db`.
fn store_path(db: &Option<PathBuf>) -> PathBuf {
    db.clone().unwrap_or_else(default_store_path)
}

fn open(db: &Option<PathBuf>) -> Result<Store> {
    crate::remote::unless_busy(&store_path(db), || Store::open(store_path(db)))
}

/// Opens the store for a command that only reads it, so that the command
/// leaves the store's files as it found them (see `OpenOptions::reads_only`).
fn open_reader(db: &Option<PathBuf>) -> Result<Store> {
    crate::remote::unless_busy(&store_path(db), || {
        Store::open_with(store_path(db), &OpenOptions::reader())
    })
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Some(Command::Ingest {
            paths,
            quiet,
            encoding,
            extractor,
        }) => {
            let opts = IngestOptions {
                encoding: encoding.into(),
                extractor: extractor.into(),
                ..IngestOptions::default()
            };
            // Through a holder the paths must not depend on the working
            // directory; stdin stays here, so "-" is never sent.
            let absolute: Vec<PathBuf> = paths
                .iter()
                .map(|p| std::path::absolute(p).unwrap_or_else(|_| p.clone()))
                .collect();
            let (encoding, extractor) = crate::remote::ingest_names(&opts);
            let request = crate::remote::Request::Ingest {
                paths: absolute,
                encoding,
                extractor,
            };
            if paths.len() == 1 && paths[0].as_os_str() == "-" {
                match open(&cli.db) {
                    Ok(store) => ingest(&store, &paths, quiet, opts),
                    // A held store takes the article through its holder.
                    Err(locked @ Error::StoreLocked { .. })
                        if crate::remote::answers(&store_path(&cli.db)) =>
                    {
                        let text = read_stdin_article(opts.encoding)?;
                        let request = crate::remote::Request::IngestText {
                            text,
                            extractor: crate::remote::ingest_names(&opts).1,
                        };
                        through_holder(&cli.db, &request, || Err(locked), false, |_, _, _| Ok(2))
                    }
                    Err(e) => Err(e),
                }
            } else if paths.iter().any(|p| p.as_os_str() == "-") {
                ingest(&open(&cli.db)?, &paths, quiet, opts)
            } else {
                through_holder(
                    &cli.db,
                    &request,
                    || open(&cli.db),
                    true,
                    |store, out, err| ingest_to(store, &paths, quiet, opts, out, err),
                )
            }
        }
        Some(Command::Extract {
            paths,
            encoding,
            extractor,
        }) => extract(&paths, encoding.into(), extractor.into()),
        Some(Command::Import {
            file,
            format,
            keep_going,
        }) => import(&cli.db, &file, format.map(Into::into), keep_going),
        Some(Command::Export {
            format,
            ref base,
            table,
            ref output,
        }) => export(
            &cli.db,
            format,
            base.as_deref(),
            table.map(Into::into),
            output.as_deref(),
        ),
        Some(Command::Stats) => {
            read_command(&cli.db, &crate::remote::Request::Stats, |store, out, _| {
                crate::remote::stats(store, out)
            })
        }
        Some(Command::Query {
            text,
            format,
            limit,
            timeout,
            output,
        }) => {
            // A file has no terminal width to fit.
            let width = output::terminal_width().filter(|_| output.is_none());
            let format: Format = format.into();
            let request = crate::remote::Request::Query {
                text: text.clone(),
                format: format.name().to_string(),
                limit,
                timeout_ms: timeout.map(|t| u64::try_from(t.as_millis()).unwrap_or(u64::MAX)),
                width,
            };
            let opts = QueryOptions {
                limit,
                timeout,
                ..QueryOptions::default()
            };
            let local = |store: &Store, out: &mut dyn Write, err: &mut dyn Write| {
                crate::remote::query(store, &text, format, &opts, width, out, err)
            };
            match &output {
                None => read_command(&cli.db, &request, local),
                Some(path) => read_command_to_file(&cli.db, &request, path, local),
            }
        }
        Some(Command::Graph {
            name,
            depth,
            max_nodes,
            format,
            output,
        }) => graph(
            &cli.db,
            &name,
            depth,
            max_nodes,
            format.map(Into::into),
            output.as_deref(),
        ),
        Some(Command::Timeline {
            name,
            format,
            output,
        }) => {
            let format: Format = format.into();
            let width = output::terminal_width().filter(|_| output.is_none());
            let request = crate::remote::Request::Timeline {
                name: name.clone(),
                format: format.name().to_string(),
                width,
            };
            let local = |store: &Store, out: &mut dyn Write, _: &mut dyn Write| {
                crate::remote::timeline(store, &name, format, width, out)
            };
            match &output {
                None => read_command(&cli.db, &request, local),
                Some(path) => read_command_to_file(&cli.db, &request, path, local),
            }
        }
        Some(Command::Check) => {
            read_command(&cli.db, &crate::remote::Request::Check, |store, out, _| {
                crate::remote::check(store, out)
            })
        }
        Some(Command::Run {
            files,
            format,
            limit,
            timeout,
            keep_going,
            check,
            output,
        }) => {
            let opts = crate::script::RunOptions {
                format: format.into(),
                limit,
                timeout,
                keep_going,
                check,
            };
            let mut scripts = crate::script::read_scripts(&files)?;
            if let Some(path) = output {
                // A script of its own ahead of the user's, so that their
                // line numbers stay theirs; it runs through a holder too.
                let shown = path.display().to_string();
                if shown.contains('"') || shown.contains('\n') {
                    return Err(Error::bad_input(
                        shown,
                        "-o takes a file name without `\"` or line breaks; rename the file",
                    ));
                }
                scripts.insert(0, ("-o".to_string(), format!(".output \"{shown}\"\n")));
            }
            run_scripts(&cli.db, &scripts, &opts)
        }
        Some(Command::Parse {
            text,
            file,
            encoding,
        }) => {
            let input = match (&text, &file) {
                (Some(t), _) if t == "-" => lore::parse_command::Input::File(Path::new("-")),
                (Some(t), _) => lore::parse_command::Input::Text(t),
                (None, Some(f)) => lore::parse_command::Input::File(f),
                (None, None) => lore::parse_command::Input::File(Path::new("-")),
            };
            lore::parse_command::run(input, encoding.into(), &mut io::stdout().lock())
                .map(|()| ExitCode::SUCCESS)
        }
        Some(Command::Serve {
            listen,
            read_only,
            timeout,
            max_body,
            threads,
        }) => {
            let store = if read_only {
                open_reader(&cli.db)?
            } else {
                open(&cli.db)?
            };
            crate::serve::run(
                store,
                &crate::serve::Config {
                    listen,
                    read_only,
                    timeout,
                    max_body,
                    threads: usize::from(threads),
                },
            )
            .map(|()| ExitCode::SUCCESS)
        }
        Some(Command::Backup { dest }) => {
            // The holder has another working directory.
            let dest = std::path::absolute(&dest).unwrap_or(dest);
            let request = crate::remote::Request::Backup { dest: dest.clone() };
            read_command(&cli.db, &request, |store, out, _| {
                crate::remote::backup(store, &dest, out)
            })
        }
        Some(Command::Repl) | None => {
            if io::stdin().is_terminal() {
                let rc = start_up_file(cli.init.as_deref(), cli.no_rc)?;
                match open(&cli.db) {
                    Ok(store) => crate::repl::run(store, rc.as_deref()),
                    // A second shell runs through the process holding the store.
                    Err(Error::StoreLocked { path }) if crate::remote::answers(&path) => {
                        crate::repl::through::run(&path, rc.as_deref())
                    }
                    Err(e) => Err(e),
                }
                .map(|()| ExitCode::SUCCESS)
            } else {
                let scripts = crate::script::read_scripts(&[PathBuf::from("-")])?;
                run_scripts(&cli.db, &scripts, &crate::script::RunOptions::stdin())
            }
        }
    }
}

/// One article from stdin, decoded here (the holder of a store gets text).
fn read_stdin_article(encoding: Encoding) -> Result<String> {
    use std::io::Read;
    let mut bytes = Vec::new();
    io::stdin()
        .lock()
        .take(lore::store::MAX_ARTICLE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io("stdin", e))?;
    Ok(lore::store::decode_article(&bytes, "stdin", encoding)?.into_owned())
}

/// `lore run` of scripts already read: on the store opened here, or
/// through the process that holds it (relative paths in meta-commands stay
/// this process's).
fn run_scripts(
    db: &Option<PathBuf>,
    scripts: &[(String, String)],
    opts: &crate::script::RunOptions,
) -> Result<ExitCode> {
    if opts.check {
        return script_exit(crate::script::run_scripts(scripts, opts, || open(db)));
    }
    match open(db) {
        Ok(store) => script_exit(crate::script::run_scripts(scripts, opts, || Ok(store))),
        Err(locked @ Error::StoreLocked { .. }) if crate::remote::answers(&store_path(db)) => {
            let request = crate::remote::Request::Run {
                scripts: scripts.to_vec(),
                format: opts.format.name().to_string(),
                limit: opts.limit,
                timeout_ms: opts
                    .timeout
                    .map(|t| u64::try_from(t.as_millis()).unwrap_or(u64::MAX)),
                keep_going: opts.keep_going,
                width: output::terminal_width(),
                cwd: std::env::current_dir().map_err(|e| Error::io(".", e))?,
            };
            through_holder(db, &request, || Err(locked), false, |_, _, _| Ok(2))
        }
        Err(e) => Err(e),
    }
}

/// Stdin copied to a file only this user may read, removed on drop.
struct Spool(PathBuf);

impl Spool {
    fn of(input: &mut dyn io::Read) -> Result<Spool> {
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let path = std::env::temp_dir().join(format!("lore-stdin-{}-{stamp}", std::process::id()));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&path).map_err(|e| Error::io(&path, e))?;
        let spool = Spool(path);
        io::copy(input, &mut file).map_err(|e| Error::io("stdin", e))?;
        Ok(spool)
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// A script run that reported errors (each already printed at its place) is a user error.
fn script_exit(errors: Result<usize>) -> Result<ExitCode> {
    Ok(if errors? == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn ingest(store: &Store, paths: &[PathBuf], quiet: bool, opts: IngestOptions) -> Result<ExitCode> {
    let code = closed_pipe_is_fine(ingest_to(
        store,
        paths,
        quiet,
        opts,
        &mut io::stdout().lock(),
        &mut io::stderr(),
    ))?;
    Ok(ExitCode::from(code))
}

/// A reader of stdout that stopped early (`| head`) is not an error: the
/// work is done, only the summary went unread.
fn closed_pipe_is_fine(code: Result<u8>) -> Result<u8> {
    match code {
        Err(Error::Io { source, .. }) if source.kind() == io::ErrorKind::BrokenPipe => Ok(0),
        other => other,
    }
}

/// `lore ingest` with a progress bar unless `quiet`, the summary into `out`.
fn ingest_to(
    store: &Store,
    paths: &[PathBuf],
    quiet: bool,
    opts: IngestOptions,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<u8> {
    let totals = ingest_paths(store, paths, quiet, opts, &|| false, err)?;
    writeln!(out, "{}", totals.summary()).map_err(|e| Error::io("stdout", e))?;
    Ok(u8::from(totals.failed > 0))
}

/// The shell's start-up file: `--init FILE` (which must exist), none with
/// `--no-rc`, else `~/.lorerc` when there is one.
fn start_up_file(init: Option<&Path>, no_rc: bool) -> Result<Option<PathBuf>> {
    if no_rc {
        return Ok(None);
    }
    if let Some(f) = init {
        if !f.is_file() {
            return Err(Error::bad_input(
                f.display().to_string(),
                "no such start-up file; give a script of statements and dot-commands, or --no-rc",
            ));
        }
        return Ok(Some(f.to_path_buf()));
    }
    Ok(dirs::home_dir()
        .map(|h| h.join(".lorerc"))
        .filter(|p| p.is_file()))
}

fn extract(
    paths: &[PathBuf],
    encoding: Encoding,
    extractor: lore::ingest::Extractor,
) -> Result<ExitCode> {
    let files = article_files(paths)?;
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let totals = match lore::extract_command::run(&files, encoding, extractor, &mut out, &mut |e| {
        report(&e)
    }) {
        // A reader that stops early (`lore extract dir | head`) is not an error.
        Err(Error::Io { source, .. }) if source.kind() == io::ErrorKind::BrokenPipe => {
            return Ok(ExitCode::SUCCESS);
        }
        other => other?,
    };
    eprintln!(
        "lore: {} article{} extracted, {} fact{}{}",
        totals.articles,
        if totals.articles == 1 { "" } else { "s" },
        totals.facts,
        if totals.facts == 1 { "" } else { "s" },
        if totals.failed > 0 {
            format!(", {} failed", totals.failed)
        } else {
            String::new()
        }
    );
    Ok(if totals.failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// `lore import` of `lore extract` output: the articles are stored as
/// `lore ingest` stores them, and the summary is ingest's.
fn import(
    db: &Option<PathBuf>,
    file: &Path,
    format: Option<ImportFormat>,
    keep_going: bool,
) -> Result<ExitCode> {
    let name = file.display().to_string();
    let ext = file
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    if format.is_none() && matches!(ext.as_deref(), Some("ttl" | "turtle" | "rdf" | "owl")) {
        return Err(Error::bad_input(
            &name,
            "lore imports RDF as N-Triples only; convert the file (e.g. `riot --output=N-Triples FILE > FILE.nt`) and import the .nt file",
        ));
    }
    let format = format.unwrap_or_else(|| ImportFormat::from_path(file));
    // The input is opened first, so that a wrong path creates no store.
    let mut input: Box<dyn BufRead + Send> = if file.as_os_str() == "-" {
        Box::new(io::BufReader::new(io::stdin()))
    } else if file.is_dir() {
        return Err(Error::bad_input(
            &name,
            "is a directory; import reads one file (JSONL or N-Triples, or - for stdin); to read the articles in a directory use `lore ingest DIR`",
        ));
    } else {
        let f = std::fs::File::open(file).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => Error::bad_input(&name, "no such file; check the path"),
            _ => Error::io(file, e),
        })?;
        Box::new(io::BufReader::with_capacity(1 << 20, f))
    };
    let store = match open(db) {
        Ok(store) => store,
        // A store another process holds imports through it (`remote`).
        Err(locked @ Error::StoreLocked { .. }) if file.as_os_str() != "-" => {
            let request = crate::remote::Request::Import {
                file: std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf()),
                format: crate::remote::import_format_name(format).to_string(),
                keep_going,
                name: None,
            };
            return through_holder(db, &request, || Err(locked), false, |_, _, _| Ok(2));
        }
        // Stdin is spooled to a private file the holder reads, so that the
        // import streams instead of crossing the socket in one request.
        Err(locked @ Error::StoreLocked { .. }) if crate::remote::answers(&store_path(db)) => {
            let spool = Spool::of(&mut input)?;
            let request = crate::remote::Request::Import {
                file: spool.0.clone(),
                format: crate::remote::import_format_name(format).to_string(),
                keep_going,
                name: Some("stdin".into()),
            };
            return through_holder(db, &request, || Err(locked), false, |_, _, _| Ok(2));
        }
        Err(e) => return Err(e),
    };
    let job = crate::remote::ImportJob {
        name: &name,
        format,
        keep_going,
        progress: io::stderr().is_terminal(),
    };
    let code = closed_pipe_is_fine(serving(store, |store| {
        crate::remote::import(
            store,
            &mut input,
            &job,
            &mut io::stdout().lock(),
            &mut io::stderr(),
        )
    }))?;
    // Opening once more writes sled's recovery snapshot now, while the files
    // are in the OS cache: sled writes it only while it opens a store, so the
    // next command would otherwise read back the whole log the import wrote
    // (seconds at 10M facts). A reader's open writes nothing to the log
    // itself (`OpenOptions::reads_only`). Best effort: the import is already
    // durable and reported, and a failure shows at the next open.
    drop(open_reader(db));
    Ok(ExitCode::from(code))
}

fn export(
    db: &Option<PathBuf>,
    format: ExportFormat,
    base: Option<&str>,
    table: Option<CsvTable>,
    output: Option<&Path>,
) -> Result<ExitCode> {
    // Checked before the store is opened or a file created.
    let rdf = matches!(format, ExportFormat::Ntriples | ExportFormat::Turtle);
    if base.is_some() && !rdf {
        return Err(Error::bad_input(
            "--base",
            "only RDF has IRIs; use it with --format ntriples or --format turtle",
        ));
    }
    if table.is_some() && format != ExportFormat::Csv {
        return Err(Error::bad_input(
            "--table",
            "only CSV is one table at a time; use it with --format csv",
        ));
    }
    let base = base.unwrap_or(lore::rdf::DEFAULT_BASE);
    let table = table.unwrap_or_default();
    if rdf {
        lore::rdf::base_iri(base)?;
    }
    let kind = match format {
        ExportFormat::Jsonl => "jsonl",
        ExportFormat::Ntriples => "ntriples",
        ExportFormat::Turtle => "turtle",
        ExportFormat::Csv => "csv",
    };
    // Opened before the output file is made; a store another process holds
    // is exported through it (`remote`), when it serves.
    let store = match open_reader(db) {
        Ok(store) => Ok(store),
        Err(locked @ Error::StoreLocked { .. }) => Err(locked),
        Err(e) => return Err(e),
    };
    let request = crate::remote::Request::Export {
        format: kind.to_string(),
        base: base.to_string(),
        table: crate::remote::table_name(table).to_string(),
    };
    let mut locked = None;
    let mut write = |w: &mut dyn Write| -> Result<u8> {
        match &store {
            Ok(store) => crate::remote::export(store, kind, base, table, w).map(|()| 0),
            Err(Error::StoreLocked { path }) => {
                match crate::remote::forward(path, &request, w, &mut io::stderr()) {
                    Some(code) => code,
                    None => {
                        locked = Some(path.clone());
                        Ok(0)
                    }
                }
            }
            Err(_) => Ok(2),
        }
    };
    let code = match output {
        Some(path) => {
            let f = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
            let mut w = io::BufWriter::new(f);
            let code = write(&mut w).map_err(|e| match e {
                Error::Io { source, .. } => Error::io(path, source),
                other => other,
            })?;
            w.flush().map_err(|e| Error::io(path, e))?;
            code
        }
        None => {
            let stdout = io::stdout();
            let mut w = io::BufWriter::new(stdout.lock());
            match write(&mut w)
                .and_then(|c| w.flush().map(|()| c).map_err(|e| Error::io("stdout", e)))
            {
                Err(Error::Io { source, .. }) if source.kind() == io::ErrorKind::BrokenPipe => 0,
                other => other?,
            }
        }
    };
    if let Some(path) = locked {
        return Err(Error::StoreLocked { path });
    }
    Ok(ExitCode::from(code))
}

fn graph(
    db: &Option<PathBuf>,
    name: &str,
    depth: usize,
    max_nodes: usize,
    format: Option<GraphFormat>,
    output: Option<&Path>,
) -> Result<ExitCode> {
    let format = match (format, output) {
        (Some(f), _) => f,
        (None, None) => GraphFormat::Svg,
        (None, Some(path)) => GraphFormat::from_path(path)
            .map_err(|why| Error::bad_input(path.display().to_string(), why))?,
    };
    let request = crate::remote::Request::Graph {
        name: name.to_string(),
        depth,
        max_nodes,
        dot: format == GraphFormat::Dot,
        png: format == GraphFormat::Png,
    };
    let draw = |store: &Store, out: &mut dyn Write, _: &mut dyn Write| {
        crate::remote::graph(store, name, depth, max_nodes, format, out)
    };
    match output {
        None => read_command(db, &request, draw),
        Some(path) => read_command_to_file(db, &request, path, draw),
    }
}

/// A read command (see [`read_command`]) whose output goes into the file
/// `path` (`-o`) instead of stdout: made whole first, and written only when
/// the command succeeded, so that a failure leaves no half file.
fn read_command_to_file(
    db: &Option<PathBuf>,
    request: &crate::remote::Request,
    path: &Path,
    local: impl FnOnce(&Store, &mut dyn Write, &mut dyn Write) -> Result<u8>,
) -> Result<ExitCode> {
    let mut buf = Vec::new();
    let code = match open_reader(db) {
        Ok(store) => local(&store, &mut buf, &mut io::stderr())?,
        Err(locked @ Error::StoreLocked { .. }) => {
            match crate::remote::forward(&store_path(db), request, &mut buf, &mut io::stderr()) {
                Some(code) => code?,
                None => return Err(locked),
            }
        }
        Err(e) => return Err(e),
    };
    if code == 0 {
        std::fs::write(path, buf).map_err(|e| Error::io(path, e))?;
    }
    Ok(ExitCode::from(code))
}

/// Runs a read command on the store at `db` (see [`through_holder`]).
fn read_command(
    db: &Option<PathBuf>,
    request: &crate::remote::Request,
    local: impl FnOnce(&Store, &mut dyn Write, &mut dyn Write) -> Result<u8>,
) -> Result<ExitCode> {
    through_holder(db, request, || open_reader(db), false, local)
}

/// Runs `work` on `store` while serving the store to other processes
/// (`remote`), as the shell does; without the socket they would find it in
/// use. A write of theirs waits for this process's writer; an export waits
/// for the write in progress (`Store::export_jsonl`), so it never sees an
/// import batch half applied. The store closes when `work` is done.
fn serving<T>(store: Store, work: impl FnOnce(&Store) -> T) -> T {
    let store = std::sync::Arc::new(store);
    let server = crate::remote::Server::start(store.clone(), false).ok();
    let done = work(&store);
    drop(server);
    done
}

/// Runs a command on the store at `db`: on the store opened here when it is
/// free (serving it to other processes meanwhile when `serve`: `lore
/// ingest` of files, which may take long; `lore import` serves through
/// [`serving`] too), else through the process holding it (`remote`), when
/// that serves.
fn through_holder(
    db: &Option<PathBuf>,
    request: &crate::remote::Request,
    open: impl FnOnce() -> Result<Store>,
    serve: bool,
    local: impl FnOnce(&Store, &mut dyn Write, &mut dyn Write) -> Result<u8>,
) -> Result<ExitCode> {
    let stdout = io::stdout();
    let stderr = io::stderr();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut err = stderr.lock();
    let code = match open() {
        Ok(store) if serve => serving(store, |store| local(store, &mut out, &mut err)),
        Ok(store) => local(&store, &mut out, &mut err),
        Err(locked @ Error::StoreLocked { .. }) => {
            match crate::remote::forward(&store_path(db), request, &mut out, &mut err) {
                Some(code) => code,
                None => Err(locked),
            }
        }
        Err(e) => Err(e),
    };
    let code = match (code, out.flush()) {
        (Err(Error::Io { source, .. }), _) | (Ok(_), Err(source))
            if source.kind() == io::ErrorKind::BrokenPipe =>
        {
            0
        }
        (Ok(_), Err(e)) => return Err(Error::io("stdout", e)),
        (code, _) => code?,
    };
    Ok(ExitCode::from(code))
}

//! A session: the open store and the settings (`.mode`, `.limit`, `.timer`)
//! that statements and meta-commands run under.
//!
//! The shell (`repl`), `lore run` (`script`) and the command line (`cli`)
//! share this module and none of them imports another: the shell and
//! scripts both drive a [`Session`] through [`Session::run_text`], so a
//! script behaves the same typed or saved; [`split`] cuts text into
//! statements and meta-commands ([`meta`]); [`ingest`] turns paths into
//! stored articles for `lore ingest` and `.ingest` alike.
//! Errors the user can fix are printed at their place (`file:line:col`
//! with a caret) and counted; internal errors are returned.

pub mod check;
pub mod help;
pub mod import;
pub mod ingest;
pub mod meta;
mod results;
pub mod scripts;
pub mod split;
use results::Redirect;

use std::io::{self, Write};
use std::path::PathBuf;
use std::time::Instant;

use lore::diag::Diagnostic;
use lore::error::{Error, Result};
use lore::graph::GraphFormat;
use lore::output::{self, Format, Style};
use lore::query::{CancelToken, DEFAULT_LIMIT, QueryOptions};
use lore::store::Store;
use meta::Meta;
use split::{self as script, ItemKind};

/// Prints an error the way every lore front end does: `lore: error: ...`.
pub fn report(e: &Error) {
    eprintln!("lore: error: {e}");
}

/// How deep `.read` may nest before lore assumes a script reads itself.
const MAX_READ_DEPTH: usize = 16;

/// Whether to keep going after the first error.
#[derive(Clone, Copy, Debug, Default)]
pub struct RunMode {
    /// Report every error instead of stopping at the first.
    pub keep_going: bool,
}

/// Whether the session should go on after a text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// Read more input.
    Continue,
    /// `.quit` was given.
    Quit,
}

/// What running a text did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Errors reported (already printed).
    pub errors: usize,
    /// Continue or quit.
    pub flow: Flow,
}

impl Outcome {
    /// No error, carry on.
    pub const DONE: Outcome = Outcome {
        errors: 0,
        flow: Flow::Continue,
    };
}

/// The open store and the settings statements run under.
pub struct Session {
    /// Shared with the thread serving other processes (`remote`).
    store: std::sync::Arc<Store>,
    out: Box<dyn Write>,
    err: Box<dyn Write>,
    /// Output format.
    pub format: Format,
    /// Rows per statement.
    pub limit: usize,
    /// Time budget per statement (`None`: no limit).
    pub timeout: Option<std::time::Duration>,
    /// Print the time each statement took.
    pub timer: bool,
    /// Column names above table and CSV rows (`.headers`).
    pub headers: bool,
    /// Statement results through `$PAGER` in the shell (`.pager`).
    pub pager: bool,
    /// Table width (`None`: no limit).
    pub width: Option<usize>,
    /// `.width N`: the width tables fit whatever the terminal's.
    fixed_width: Option<usize>,
    /// Set from the SIGINT handler; checked by queries and `.ingest`.
    pub cancel: CancelToken,
    /// Confirmations (`mode: csv`) go to stdout in the REPL and nowhere in scripts.
    pub interactive: bool,
    /// Paint `error:` red in diagnostics.
    pub color: bool,
    /// Bumped whenever the store's names may have changed (`.ingest`, `.open`).
    pub generation: u64,
    depth: usize,
    /// The mode of the text being run, inherited by the scripts it `.read`s.
    mode: RunMode,
    /// The directory relative paths of meta-commands are read against, when
    /// it is not this process's: a script another process sends to the
    /// holder of a store names files in the sender's directory.
    pub base: Option<PathBuf>,
    /// Where statement results go instead of `out` (`.output`, `.once`).
    redirect: Option<Redirect>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("store", &self.store.path())
            .field("format", &self.format)
            .field("limit", &self.limit)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// A session on `store` writing results to `out` and diagnostics to `err`.
    pub fn new(store: Store, out: Box<dyn Write>, err: Box<dyn Write>) -> Session {
        Session::shared(std::sync::Arc::new(store), out, err)
    }

    /// A session on a store this process already shares (the holder running
    /// another process's script).
    pub fn shared(
        store: std::sync::Arc<Store>,
        out: Box<dyn Write>,
        err: Box<dyn Write>,
    ) -> Session {
        Session {
            store,
            out,
            err,
            format: Format::Table,
            limit: DEFAULT_LIMIT,
            timeout: None,
            timer: false,
            headers: true,
            pager: false,
            fixed_width: None,
            width: None,
            cancel: CancelToken::new(),
            interactive: false,
            color: false,
            generation: 0,
            depth: 0,
            mode: RunMode::default(),
            base: None,
            redirect: None,
        }
    }

    /// `path` as this session reads it (see [`Session::base`]).
    fn here(&self, path: PathBuf) -> PathBuf {
        match &self.base {
            Some(base) if path.is_relative() && path.as_os_str() != "-" => base.join(path),
            _ => path,
        }
    }

    /// The open store, shared (for a thread that serves it to others).
    pub fn shared_store(&self) -> std::sync::Arc<Store> {
        self.store.clone()
    }

    /// The open store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Runs every statement and meta-command of `text` in order; `name` is how
    /// errors refer to the text (a file name, `stdin`, `input`).
    pub fn run_text(&mut self, name: &str, text: &str, mode: RunMode) -> Result<Outcome> {
        self.mode = mode;
        let mut errors = 0;
        let mut tables = 0;
        for item in script::split(text) {
            if self.cancel.is_cancelled() {
                self.say_err("cancelled")?;
                return Ok(Outcome {
                    errors: errors + 1,
                    flow: Flow::Continue,
                });
            }
            let src = &text[item.span.clone()];
            let result = match item.kind {
                ItemKind::Meta => match meta::parse(src) {
                    Ok(m) => self.meta(m),
                    Err(d) => Err(Error::Query(Box::new(d))),
                },
                ItemKind::Statement => self.statement(src, item.terminated, &mut tables),
            };
            match result {
                Ok(done) => {
                    // Errors of a `.read` script, already shown where they happened.
                    errors += done.errors;
                    if done.flow == Flow::Quit {
                        return Ok(Outcome {
                            errors,
                            flow: Flow::Quit,
                        });
                    }
                    if done.errors > 0 && !mode.keep_going {
                        break;
                    }
                }
                Err(Error::Cancelled) => {
                    self.say_err("cancelled")?;
                    return Ok(Outcome {
                        errors: errors + 1,
                        flow: Flow::Continue,
                    });
                }
                Err(e) if e.is_user_error() => {
                    let d = match e {
                        Error::Query(d) => *d,
                        other => Diagnostic::new(other.to_string(), 0..src.len()),
                    };
                    let mut shown = d.shifted(item.span.start).render(name, text);
                    if self.color {
                        shown = shown.replacen(": error: ", ": \x1b[1;31merror:\x1b[0m ", 1);
                    }
                    self.say_err(&shown)?;
                    errors += 1;
                    if !mode.keep_going {
                        break;
                    }
                }
                Err(e) => return Err(e),
            }
        }
        Ok(Outcome {
            errors,
            flow: Flow::Continue,
        })
    }

    fn statement(&mut self, src: &str, terminated: bool, tables: &mut usize) -> Result<Outcome> {
        let done = self.statement_to(src, terminated, tables);
        // `.once` is for one statement, whether it answered or failed.
        if self.redirect.as_ref().is_some_and(|r| r.once)
            && let Some(r) = self.redirect.take()
        {
            let path = r.close()?;
            if done.is_ok() {
                self.confirm(&format!("wrote the results to {}", path.display()))?;
            }
        }
        done
    }

    fn statement_to(&mut self, src: &str, terminated: bool, tables: &mut usize) -> Result<Outcome> {
        // A statement submitted without `;` (a blank line in the REPL, the end of a
        // script) still runs; the `;` goes on a line of its own when a comment ends it.
        let owned;
        let text = if terminated {
            src
        } else {
            let sep = if src.lines().last().is_some_and(|l| l.contains("--")) {
                "\n"
            } else {
                ""
            };
            owned = format!("{src}{sep};");
            &owned
        };
        let opts = QueryOptions {
            limit: self.limit,
            cancel: self.cancel.clone(),
            timeout: self.timeout,
        };
        let start = Instant::now();
        let result = self.store.query_with(text, &opts)?;
        let elapsed = start.elapsed();
        let style = Style {
            // A file has no terminal width to fit.
            width: self
                .fixed_width
                .or(self.width)
                .filter(|_| self.redirect.is_none()),
            elapsed: self.timer.then_some(elapsed),
            headers: self.headers,
            ..Style::default()
        };
        // `.pager on` in the shell: the whole answer, then the pager.
        let paged = self.pager && self.interactive && self.redirect.is_none();
        let mut page: Vec<u8> = Vec::new();
        let (out, err_of): (&mut dyn Write, &dyn Fn(io::Error) -> Error) =
            match (&mut self.redirect, paged) {
                (Some(r), _) => (&mut r.file, &|e| Error::io(&r.path, e)),
                (None, true) => (&mut page, &stdout_err),
                (None, false) => (&mut self.out, &stdout_err),
            };
        let mut notes = Vec::new();
        for s in &result.statements {
            if *tables > 0 && matches!(self.format, Format::Table | Format::Line) {
                writeln!(out).map_err(err_of)?;
            }
            output::write(out, s, self.format, &style).map_err(err_of)?;
            *tables += 1;
            if s.truncated && self.format != Format::Table {
                // Tables say so in their footer; other formats keep stdout pure data.
                notes.push(format!("-- {}", output::footer(s, None)));
            }
        }
        out.flush().map_err(err_of)?;
        if paged {
            self.page(&page)?;
        }
        for n in notes {
            self.say_err(&n)?;
        }
        if self.timer && !matches!(self.format, Format::Table) {
            self.say_err(&format!("-- time: {}", output::duration(elapsed)))?;
        }
        Ok(Outcome::DONE)
    }

    fn meta(&mut self, m: Meta) -> Result<Outcome> {
        match m {
            Meta::Help(None) => self.say(&meta::help_list())?,
            Meta::Help(Some(t)) => {
                let text = meta::help_text(&t).unwrap_or_default();
                self.say(&text)?;
            }
            Meta::Mode(None) => self.say(&format!("mode: {}", self.format.name()))?,
            Meta::Mode(Some(f)) => {
                self.format = f;
                self.confirm(&format!("mode: {}", f.name()))?;
            }
            Meta::Timer(None) => self.say(&format!("timer: {}", on_off(self.timer)))?,
            Meta::Timer(Some(on)) => {
                self.timer = on;
                self.confirm(&format!("timer: {}", on_off(on)))?;
            }
            Meta::Pager(None) => self.say(&format!("pager: {}", on_off(self.pager)))?,
            Meta::Pager(Some(on)) => {
                self.pager = on;
                self.confirm(&format!("pager: {}", on_off(on)))?;
            }
            Meta::Headers(None) => self.say(&format!("headers: {}", on_off(self.headers)))?,
            Meta::Headers(Some(on)) => {
                self.headers = on;
                self.confirm(&format!("headers: {}", on_off(on)))?;
            }
            Meta::Width(None) => self.say(&match self.fixed_width {
                Some(n) => format!("width: {n} columns"),
                None => "width: auto (the terminal's)".to_string(),
            })?,
            Meta::Width(Some(w)) => {
                self.fixed_width = w;
                self.confirm(&match w {
                    Some(n) => format!("width: {n} columns"),
                    None => "width: auto (the terminal's)".to_string(),
                })?;
            }
            Meta::Shell(command) => {
                // Captured, not inherited: a script another process sends to
                // the holder of a store gets the output back like any other.
                let done = std::process::Command::new("sh")
                    .arg("-c")
                    .arg(&command)
                    .current_dir(self.here(PathBuf::from(".")))
                    .stdin(std::process::Stdio::null())
                    .output()
                    .map_err(|e| Error::io("sh", e))?;
                self.out
                    .write_all(&done.stdout)
                    .and_then(|()| self.out.flush())
                    .map_err(stdout_err)?;
                self.err
                    .write_all(&done.stderr)
                    .map_err(|e| Error::io("stderr", e))?;
                if !done.status.success() {
                    self.say_err(&format!("-- {command}: {}", done.status))?;
                }
            }
            Meta::Limit(None) => self.say(&format!("limit: {} rows", self.limit))?,
            Meta::Limit(Some(n)) => {
                self.limit = n;
                self.confirm(&format!("limit: {n} rows"))?;
            }
            Meta::Timeout(None) => self.say(&match self.timeout {
                Some(t) => format!("timeout: {} s per statement", t.as_secs_f64()),
                None => "timeout: off".to_string(),
            })?,
            Meta::Timeout(Some(t)) => {
                self.timeout = t;
                self.confirm(&match t {
                    Some(t) => format!("timeout: {} s per statement", t.as_secs_f64()),
                    None => "timeout: off".to_string(),
                })?;
            }
            Meta::Ingest(paths, encoding) => {
                let paths: Vec<PathBuf> = paths.into_iter().map(|p| self.here(p)).collect();
                // An article refused is an error of the statement, as it is
                // of `lore ingest` (exit 1): a script stops there unless
                // `--keep-going`, and ends with exit 1. The others are in.
                if self.ingest(&paths, encoding)? > 0 {
                    return Ok(Outcome {
                        errors: 1,
                        flow: Flow::Continue,
                    });
                }
            }
            Meta::Read(path) => return self.read(&self.here(path)),
            Meta::Stats => {
                let line = stats_line(&self.store)?;
                self.say(&format!("{}\n{line}", self.store.path().display()))?;
            }
            Meta::Open(path) => self.open(self.here(path))?,
            Meta::Export(path) => {
                let path = self.here(path);
                let f = std::fs::File::create(&path).map_err(|e| Error::io(&path, e))?;
                let mut w = io::BufWriter::new(f);
                self.store.export_jsonl(&mut w)?;
                w.flush().map_err(|e| Error::io(&path, e))?;
                self.confirm(&format!("exported the store to {}", path.display()))?;
            }
            Meta::Import(path, keep_going) => {
                let path = self.here(path);
                if path.is_dir() {
                    return Err(Error::bad_input(
                        path.display().to_string(),
                        "a directory; .import reads one JSONL or N-Triples file (.ingest reads directories of articles)",
                    ));
                }
                let file = std::fs::File::open(&path).map_err(|e| Error::io(&path, e))?;
                let name = path.display().to_string();
                let job = import::ImportJob {
                    name: &name,
                    format: lore::store::ImportFormat::from_path(&path),
                    keep_going,
                    progress: false,
                };
                let mut summary = Vec::new();
                let imported = import::import(
                    &self.store,
                    &mut io::BufReader::new(file),
                    &job,
                    &mut summary,
                    &mut *self.err,
                );
                // Names may have changed even when a later line failed.
                self.generation += 1;
                imported?;
                self.say_err(String::from_utf8_lossy(&summary).trim_end())?;
            }
            Meta::Output(path) => {
                if let Some(r) = self.redirect.take() {
                    r.close()?;
                }
                let said = match path {
                    Some(p) => {
                        let p = self.here(p);
                        self.redirect = Some(Redirect::create(p.clone(), false)?);
                        format!("output: {}", p.display())
                    }
                    None => "output: stdout".to_string(),
                };
                self.confirm(&said)?;
            }
            Meta::Once(path) => {
                if let Some(r) = self.redirect.take() {
                    r.close()?;
                }
                let p = self.here(path);
                self.redirect = Some(Redirect::create(p.clone(), true)?);
                self.confirm(&format!("the next results go to {}", p.display()))?;
            }
            Meta::Graph { name, file, depth } => {
                let n = self
                    .store
                    .neighbourhood(&name, depth, lore::graph::DEFAULT_MAX_NODES)?;
                let file = self.here(file.unwrap_or_else(|| {
                    PathBuf::from(lore::graph::default_file_name(&n, GraphFormat::Svg))
                }));
                let format = GraphFormat::from_path(&file)
                    .map_err(|why| Error::bad_input(file.display().to_string(), why))?;
                std::fs::write(&file, lore::graph::draw(&n, format)?)
                    .map_err(|e| Error::io(&file, e))?;
                // Said in scripts too (like .ingest's summary): the file is the result.
                let what = match format {
                    GraphFormat::Svg => "open it in a browser",
                    GraphFormat::Dot => "render it with Graphviz: dot -Tpng",
                    GraphFormat::Png => "open it in an image viewer",
                };
                self.say_err(&format!(
                    "wrote {} ({}); {what}",
                    file.display(),
                    n.caption()
                ))?;
            }
            Meta::Quit => {
                return Ok(Outcome {
                    errors: 0,
                    flow: Flow::Quit,
                });
            }
        }
        Ok(Outcome::DONE)
    }

    /// Ingests the articles at `paths`; how many of them were refused.
    fn ingest(&mut self, paths: &[PathBuf], encoding: lore::store::Encoding) -> Result<u64> {
        let (files, not_articles) = ingest::article_files_counted(paths)?;
        let cancel = &self.cancel;
        let mut totals = ingest::ingest_paths(
            &self.store,
            &files,
            true,
            lore::store::IngestOptions {
                encoding,
                ..lore::store::IngestOptions::default()
            },
            &|| cancel.is_cancelled(),
            &mut *self.err,
        )?;
        totals.not_articles = not_articles;
        let done = totals.added + totals.skipped + totals.failed;
        self.generation += 1;
        let mut summary = totals.summary();
        if done < files.len() as u64 {
            summary.push_str(&format!(
                " (cancelled after {done} of {} files)",
                files.len()
            ));
        }
        self.say_err(&summary)?;
        if self.cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        Ok(totals.failed)
    }

    /// Runs the shell's start-up file (`~/.lorerc`) as `.read` would,
    /// saying so first and without the confirmations its settings would
    /// print (`mode: csv`).
    pub fn start_up(&mut self, path: &std::path::Path) -> Result<Outcome> {
        self.say_err(&format!("-- loading {}", path.display()))?;
        let interactive = std::mem::replace(&mut self.interactive, false);
        let outcome = self.read(path);
        self.interactive = interactive;
        outcome
    }

    fn read(&mut self, path: &std::path::Path) -> Result<Outcome> {
        if self.depth >= MAX_READ_DEPTH {
            return Err(Error::bad_input(
                path.display().to_string(),
                format!(
                    "scripts nest more than {MAX_READ_DEPTH} deep; does a script .read itself?"
                ),
            ));
        }
        let (name, text) = script::read_script(path)?;
        self.depth += 1;
        let outcome = self.run_text(&name, &text, self.mode);
        self.depth -= 1;
        outcome
    }

    fn open(&mut self, path: PathBuf) -> Result<()> {
        let same = match (path.canonicalize(), self.store.path().canonicalize()) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        };
        if same {
            return self.confirm(&format!("{} is already open", path.display()));
        }
        let store = Store::open(&path)?;
        self.store = std::sync::Arc::new(store);
        self.generation += 1;
        let line = stats_line(&self.store)?;
        self.confirm(&format!("opened {}: {line}", path.display()))
    }

    /// Writes a line to the output stream.
    pub fn say(&mut self, text: &str) -> Result<()> {
        writeln!(self.out, "{text}")
            .and_then(|_| self.out.flush())
            .map_err(stdout_err)
    }

    /// Writes a line to the diagnostic stream.
    pub fn say_err(&mut self, text: &str) -> Result<()> {
        writeln!(self.err, "{text}")
            .and_then(|_| self.err.flush())
            .map_err(|e| Error::io("stderr", e))
    }

    fn confirm(&mut self, text: &str) -> Result<()> {
        if self.interactive {
            self.say(text)
        } else {
            Ok(())
        }
    }
}

fn on_off(b: bool) -> &'static str {
    if b { "on" } else { "off" }
}

fn stdout_err(e: io::Error) -> Error {
    Error::io("stdout", e)
}

/// "5 documents, 120 entities, 300 facts, 40 relations".
pub fn stats_line(store: &Store) -> Result<String> {
    let s = store.stats()?;
    Ok([
        (s.documents, "document"),
        (s.entities, "entity"),
        (s.facts, "fact"),
        (s.relations, "relation"),
        (s.sources, "source"),
    ]
    .iter()
    .map(|(n, word)| match (n, *word) {
        (1, w) => format!("1 {w}"),
        (n, "entity") => format!("{n} entities"),
        (n, w) => format!("{n} {w}s"),
    })
    .collect::<Vec<_>>()
    .join(", "))
}

#[cfg(test)]
mod script_fuzz;

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::rc::Rc;

    /// A writer the test can read after the session wrote to it.
    #[derive(Clone, Default)]
    pub(super) struct Shared(pub(super) Rc<RefCell<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.borrow_mut().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl Shared {
        fn text(&self) -> String {
            String::from_utf8(self.0.borrow().clone()).unwrap()
        }
    }

    fn session() -> (tempfile::TempDir, Session, Shared, Shared) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("s.db")).unwrap();
        let (out, err) = (Shared::default(), Shared::default());
        let s = Session::new(store, Box::new(out.clone()), Box::new(err.clone()));
        (dir, s, out, err)
    }

    #[test]
    fn meta_commands_change_the_settings_in_order() {
        let (_d, mut s, _out, err) = session();
        let o = s
            .run_text(
                "t.lore",
                ".mode csv\n.limit 7\n.timer on\n",
                RunMode::default(),
            )
            .unwrap();
        assert_eq!(o.errors, 0, "{}", err.text());
        assert_eq!((s.format, s.limit, s.timer), (Format::Csv, 7, true));
    }

    #[test]
    fn the_first_error_stops_and_is_shown_at_its_line_and_column() {
        let (_d, mut s, _out, err) = session();
        let text = ".mode csv\n  .lmit 3\n.mode json\n";
        let o = s.run_text("t.lore", text, RunMode::default()).unwrap();
        assert_eq!(o.errors, 1);
        assert_eq!(s.format, Format::Csv, "stopped before the third line");
        let e = err.text();
        assert!(
            e.starts_with("t.lore:2:3: error: unknown command `.lmit`"),
            "{e}"
        );
        assert!(e.contains("2 |   .lmit 3\n  |   ^^^^^"), "{e}");
    }

    #[test]
    fn keep_going_reports_every_error() {
        let (_d, mut s, _out, err) = session();
        let text = ".mode xml\n.limit many\n.mode line\n";
        let o = s
            .run_text("t.lore", text, RunMode { keep_going: true })
            .unwrap();
        assert_eq!(o.errors, 2);
        assert_eq!(s.format, Format::Line);
        assert!(err.text().contains("t.lore:1:7"), "{}", err.text());
        assert!(err.text().contains("t.lore:2:8"), "{}", err.text());
    }

    #[test]
    fn quit_stops_the_text() {
        let (_d, mut s, _out, _err) = session();
        let o = s
            .run_text("t", ".quit\n.mode csv\n", RunMode::default())
            .unwrap();
        assert_eq!(o.flow, Flow::Quit);
        assert_eq!(s.format, Format::Table);
    }

    #[test]
    fn a_statement_error_is_shifted_to_its_place_in_the_file() {
        // Holds for any engine: `@` is no token of the language, and a statement
        // error carries a span inside the statement.
        let (_d, mut s, _out, err) = session();
        let text = "-- intro\n.mode csv\n\n   Blinken met @x;\n";
        let o = s.run_text("q.lore", text, RunMode::default()).unwrap();
        assert_eq!(o.errors, 1);
        let e = err.text();
        assert!(e.starts_with("q.lore:4:"), "{e}");
        assert!(e.contains("4 |    Blinken met @x;"), "{e}");
    }

    #[test]
    fn read_runs_a_nested_script_and_reports_its_errors_by_its_name() {
        let (dir, mut s, _out, err) = session();
        let inner = dir.path().join("inner.lore");
        std::fs::write(&inner, ".limit 3\n.bogus\n").unwrap();
        let text = format!(".read \"{}\"\n.limit 9\n", inner.display());
        let o = s.run_text("outer.lore", &text, RunMode::default()).unwrap();
        assert_eq!(o.errors, 1);
        assert_eq!(
            s.limit, 3,
            "the outer script stopped after the failing .read"
        );
        assert!(
            err.text()
                .contains("inner.lore:2:1: error: unknown command `.bogus`"),
            "{}",
            err.text()
        );
    }

    #[test]
    fn a_script_that_reads_itself_stops_with_a_clear_error() {
        let (dir, mut s, _out, err) = session();
        let me = dir.path().join("me.lore");
        std::fs::write(&me, format!(".read \"{}\"\n", me.display())).unwrap();
        let o = s
            .run_text(
                "top",
                &format!(".read \"{}\"", me.display()),
                RunMode::default(),
            )
            .unwrap();
        assert_eq!(o.errors, 1);
        assert!(err.text().contains("nest more than"), "{}", err.text());
    }

    #[test]
    fn ingest_export_and_open_work_from_a_script() {
        let (dir, mut s, out, err) = session();
        let arts = dir.path().join("arts");
        std::fs::create_dir(&arts).unwrap();
        std::fs::write(
            arts.join("a.txt"),
            "Talks\n\nAnn Lee met Bob Stone in Paris.",
        )
        .unwrap();
        let export = dir.path().join("out.jsonl");
        let other = dir.path().join("other.db");
        let text = format!(
            ".ingest \"{}\"\n.export \"{}\"\n.open \"{}\"\n.stats\n",
            arts.display(),
            export.display(),
            other.display()
        );
        let o = s.run_text("t", &text, RunMode::default()).unwrap();
        assert_eq!(o.errors, 0, "{}", err.text());
        assert!(err.text().contains("1 document: 1 added"), "{}", err.text());
        assert!(
            std::fs::read_to_string(&export)
                .unwrap()
                .contains("\"type\":\"fact\"")
        );
        assert!(out.text().contains("0 documents"), "{}", out.text());
        assert_eq!(s.generation, 2);
    }

    #[test]
    fn a_cancelled_ingest_stops_between_articles() {
        let (dir, mut s, _out, err) = session();
        let arts = dir.path().join("arts");
        std::fs::create_dir(&arts).unwrap();
        std::fs::write(arts.join("a.txt"), "T\n\nAnn Lee met Bob Stone.").unwrap();
        s.cancel.cancel();
        let o = s
            .run_text(
                "t",
                &format!(".ingest \"{}\"", arts.display()),
                RunMode::default(),
            )
            .unwrap();
        assert_eq!(o.errors, 1);
        assert_eq!(s.store().stats().unwrap().documents, 0);
        assert!(err.text().contains("cancelled"), "{}", err.text());
    }
}

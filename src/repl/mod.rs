//! The interactive shell: `lore` on a terminal.
//!
//! A rustyline editor ([`helper`]) reads statements and meta-commands
//! ([`crate::session::meta`]) and hands them to a [`crate::session::Session`], the same one
//! `lore run` uses. Ctrl-C while a query runs reaches lore through its own
//! SIGINT handler (rustyline only sees keys while editing) and cancels the
//! query through its [`crate::CancelToken`]. On a store another process
//! holds, [`through`] is the shell instead.

pub mod helper;
pub mod through;

use std::cell::RefCell;
use std::io::{self, IsTerminal};
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rustyline::config::{ColorMode, CompletionType, Config};
use rustyline::error::ReadlineError;
use rustyline::history::FileHistory;
use rustyline::{Editor, EventHandler, KeyCode, KeyEvent, Modifiers};

use crate::repl::helper::{EnterHandler, InterruptHandler, LoreHelper, quote_name};
use crate::session::{Flow, RunMode, Session, stats_line};
use lore::error::{Error, Result};
use lore::store::Store;

const PROMPT: &str = "lore> ";

/// Facts looked at to find an example for the first screen.
const EXAMPLE_SCAN: usize = 10_000;

/// True when output may be coloured: stdout is a terminal and `NO_COLOR` is unset or empty.
pub fn color_enabled() -> bool {
    io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Where history is kept: `$LORE_HISTORY` (empty: nowhere), else the platform's
/// data directory (`~/.local/share/lore/history` on Linux).
pub fn history_path() -> Option<PathBuf> {
    match std::env::var_os("LORE_HISTORY") {
        Some(p) if p.is_empty() => None,
        Some(p) => Some(PathBuf::from(p)),
        None => dirs::data_dir().map(|d| d.join("lore").join("history")),
    }
}

/// Persists history after every entry; the first failure is a warning and
/// turns persistence off for the session.
struct History {
    path: Option<PathBuf>,
}

impl History {
    fn open<H: rustyline::Helper>(editor: &mut Editor<H, FileHistory>) -> History {
        let Some(path) = history_path() else {
            return History { path: None };
        };
        let mut h = History {
            path: Some(path.clone()),
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
            && let Err(e) = std::fs::create_dir_all(dir)
        {
            h.give_up(&e.to_string());
            return h;
        }
        match editor.load_history(&path) {
            Ok(()) => {}
            Err(ReadlineError::Io(e)) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => h.give_up(&e.to_string()),
        }
        h
    }

    fn save<H: rustyline::Helper>(&mut self, editor: &mut Editor<H, FileHistory>) {
        if let Some(path) = &self.path
            && let Err(e) = editor.append_history(path)
        {
            self.give_up(&e.to_string());
        }
    }

    fn give_up(&mut self, why: &str) {
        if let Some(path) = self.path.take() {
            eprintln!(
                "lore: warning: history will not be saved to {}: {why} (set LORE_HISTORY to another file)",
                path.display()
            );
        }
    }
}

/// The shell's time budget per statement until `.timeout` changes it.
const SHELL_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// Runs the interactive shell on `store` until `.quit` or Ctrl-D, after
/// the start-up file `rc` (`~/.lorerc`, `--init FILE`) when there is one.
pub fn run(store: Store, rc: Option<&std::path::Path>) -> Result<()> {
    let color = color_enabled();
    let mut session = Session::new(store, Box::new(io::stdout()), Box::new(io::stderr()));
    session.interactive = true;
    // A statement typed by hand that runs away (a cross product of three
    // patterns) ends on its own; `.timeout off` lifts it.
    session.timeout = Some(SHELL_TIMEOUT);
    session.color = color && io::stderr().is_terminal();
    install_sigint(&session);
    let session = Rc::new(RefCell::new(session));

    let mut editor: Editor<LoreHelper, FileHistory> = editor(color)?;
    editor.set_helper(Some(LoreHelper::new(session.clone(), color)));
    let empty_line = Arc::new(AtomicBool::new(false));
    editor.bind_sequence(
        KeyEvent::ctrl('C'),
        EventHandler::Conditional(Box::new(InterruptHandler(empty_line.clone()))),
    );
    let mut history = History::open(&mut editor);

    let banner = banner(session.borrow().store(), color)?;
    session.borrow_mut().say(&banner)?;
    if let Some(rc) = rc {
        // Its errors are shown at their line; the shell opens either way.
        if let Err(e) = session.borrow_mut().start_up(rc) {
            eprintln!("lore: warning: {}: {e}", rc.display());
        }
    }
    let mut server = Served::start(&session.borrow());

    loop {
        // After `.open`, the new store is the one served.
        server.follow(&session.borrow());
        empty_line.store(false, Ordering::SeqCst);
        match editor.readline(PROMPT) {
            Ok(text) => {
                // The width now, not at the prompt: a terminal resized while
                // the line was typed draws the answer at its new width.
                session.borrow_mut().width = lore::output::terminal_width()
                    .or_else(|| editor.dimensions().map(|(cols, _)| usize::from(cols)));
                if text.trim().is_empty() {
                    continue;
                }
                // A failure to remember a line must not stop the session.
                let _ = editor.add_history_entry(text.as_str());
                history.save(&mut editor);
                let mut s = session.borrow_mut();
                s.cancel.reset();
                let outcome = s.run_text("input", &text, RunMode::default());
                s.cancel.reset();
                match outcome {
                    Ok(o) if o.flow == Flow::Quit => break,
                    Ok(_) => {}
                    // Internal errors end the statement, not the session.
                    Err(e) => crate::session::report(&e),
                }
            }
            Err(ReadlineError::Interrupted) => {
                if empty_line.load(Ordering::SeqCst) {
                    session
                        .borrow_mut()
                        .say("(to leave, type .quit or press Ctrl-D)")?;
                }
            }
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(terminal_err(e)),
        }
    }
    Ok(())
}

/// The line editor both shells use: history, and Enter that continues a
/// statement until its `;`.
fn editor<H: rustyline::Helper>(color: bool) -> Result<Editor<H, FileHistory>> {
    let config = Config::builder()
        .max_history_size(10_000)
        .and_then(|c| c.history_ignore_dups(true))
        .map_err(terminal_err)?
        .history_ignore_space(true)
        .auto_add_history(false)
        .completion_type(CompletionType::List)
        .color_mode(if color {
            ColorMode::Enabled
        } else {
            ColorMode::Disabled
        })
        .build();
    let mut editor = Editor::with_config(config).map_err(terminal_err)?;
    editor.bind_sequence(
        KeyEvent(KeyCode::Enter, Modifiers::NONE),
        EventHandler::Conditional(Box::new(EnterHandler)),
    );
    Ok(editor)
}

/// The store the shell serves to other `lore` processes (`remote`), while
/// it holds it.
struct Served {
    store: Arc<lore::store::Store>,
    server: Option<crate::remote::Server>,
}

impl Served {
    fn start(session: &Session) -> Served {
        let store = session.shared_store();
        let server = match crate::remote::Server::start(store.clone(), false) {
            Ok(s) => Some(s),
            Err(e) => {
                // The shell works without it; other commands then find the
                // store in use, as they did before.
                eprintln!(
                    "lore: warning: other lore commands cannot use this store while the shell has it open: {e}"
                );
                None
            }
        };
        Served { store, server }
    }

    fn follow(&mut self, session: &Session) {
        if !Arc::ptr_eq(&self.store, &session.shared_store()) {
            // The old server first: it holds the old store open.
            self.server = None;
            *self = Served::start(session);
        }
    }
}

/// Ctrl-C while a statement runs cancels it; a second Ctrl-C before it
/// stops (a query or ingest that does not notice) ends lore.
fn install_sigint(session: &Session) {
    let cancel = session.cancel.clone();
    let installed = ctrlc::set_handler(move || {
        if cancel.is_cancelled() {
            std::process::exit(130);
        }
        cancel.cancel();
    });
    if let Err(e) = installed {
        eprintln!("lore: warning: Ctrl-C will not cancel running queries: {e}");
    }
}

fn terminal_err(e: ReadlineError) -> Error {
    match e {
        ReadlineError::Io(e) => Error::io("terminal", e),
        other => Error::io("terminal", io::Error::other(other.to_string())),
    }
}

/// The first screen: how to load the sample articles on an empty store;
/// counts and three example queries built from the store's own facts otherwise.
pub fn banner(store: &Store, color: bool) -> Result<String> {
    let (bold, reset) = if color {
        ("\x1b[1m", "\x1b[0m")
    } else {
        ("", "")
    };
    let mut out = format!(
        "{bold}lore {}{reset} · store {}\n",
        env!("CARGO_PKG_VERSION"),
        store.path().display()
    );
    let stats = store.stats()?;
    if stats.documents == 0 && stats.facts == 0 {
        out.push_str(
            "The store is empty. Load the five sample articles with:\n    .ingest data/articles\n",
        );
    } else {
        out.push_str(&stats_line(store)?);
        out.push_str("\nTry:\n");
        for q in examples(store)? {
            out.push_str(&format!("    {q}\n"));
        }
    }
    out.push_str(".help lists the commands, Tab completes names, Ctrl-D quits.");
    Ok(out)
}

/// Three queries that have answers in this store.
fn examples(store: &Store) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let top = store.relations()?.into_iter().next().map(|(r, _)| r);
    if let Some(rel) = &top {
        let mut found = None;
        for fact in store.facts().take(EXAMPLE_SCAN) {
            let fact = fact?;
            if &fact.relation == rel {
                found = Some(fact.subject);
                break;
            }
        }
        if let Some(subject) = found.map(|id| store.entity(id)).transpose()?.flatten() {
            let name = quote_name(&subject.name);
            out.push(format!("{name} {} ?what;", quote_name(rel)));
            out.push(format!("describe {name};"));
        }
    }
    out.push("relations;".to_string());
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_screen_says_how_to_ingest_on_an_empty_store() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("s.db")).unwrap();
        let b = banner(&store, false).unwrap();
        assert!(b.contains(".ingest data/articles"), "{b}");
        assert!(!b.contains('\x1b'));
    }

    #[test]
    fn the_first_screen_shows_counts_and_three_examples_on_a_full_store() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("s.db")).unwrap();
        store
            .ingest_text("Talks\n\nAnn Lee met Bob Stone in Paris.", "a.txt")
            .unwrap();
        let b = banner(&store, false).unwrap();
        assert!(b.contains("1 document,"), "{b}");
        let examples = b.lines().filter(|l| l.starts_with("    ")).count();
        if store.stats().unwrap().facts > 0 {
            assert_eq!(examples, 3, "{b}");
        }
        assert!(b.contains("relations;"), "{b}");
    }
}

//! The shell on a store another `lore` process holds (a first shell,
//! `lore serve`, a long ingest or import): sled lets one process open a
//! store, so this shell opens none and sends what is typed to the holder.
//!
//! Each input goes as a script (`Request::Run`, what `lore run` sends) to
//! a session of its own on the holder, which answers with the output and
//! the located errors; the settings typed so far (`.mode`, `.limit`,
//! `.timeout`, ...) go in front of it as a script of their own, so that
//! they last from one input to the next and the input's line numbers stay
//! its own. Statements, `.stats`, `.ingest`, `.import`, `.export`,
//! `.graph`, `.read` and `.help` run there with this process's directory
//! for relative paths (`.shell` too, its output captured). The
//! dot-commands that need this process's own store or terminal (`.open`,
//! `.output`, `.once`, `.pager`) are refused with what to do instead,
//! before anything is sent. Ctrl-C while a statement runs ends this shell,
//! not the statement: the holder stops it at its `.timeout` (60 s unless
//! set).

use std::io::{self, Write};
use std::path::Path;

use rustyline::Editor;
use rustyline::error::ReadlineError;
use rustyline::history::FileHistory;

use super::{History, PROMPT, SHELL_TIMEOUT, terminal_err};
use crate::remote::{Request, SOCKET};
use crate::session::meta::{self, Meta};
use crate::session::split::{ItemKind, split};
use lore::error::{Error, Result};

/// Runs the shell through the process holding the store at `db` until
/// `.quit` or Ctrl-D, after the start-up file `rc` when there is one.
pub fn run(db: &Path, rc: Option<&Path>) -> Result<()> {
    let mut shell = Through {
        db,
        settings: format!(".timeout {}\n", SHELL_TIMEOUT.as_secs()),
    };
    let banner = format!(
        "lore {} · store {}\nAnother lore process holds this store: this shell runs through it ({}).\n.help lists the commands, Ctrl-D quits.",
        env!("CARGO_PKG_VERSION"),
        db.display(),
        db.join(SOCKET).display()
    );
    writeln!(io::stdout(), "{banner}").map_err(|e| Error::io("stdout", e))?;
    if let Some(rc) = rc {
        let text = std::fs::read_to_string(rc).map_err(|e| Error::io(rc, e))?;
        shell.send(&rc.display().to_string(), &text)?;
    }
    // No colour: this shell has no highlighter (and no completion: the
    // names are in the holder's store).
    let mut editor: Editor<(), FileHistory> = super::editor(false)?;
    let mut history = History::open(&mut editor);
    loop {
        match editor.readline(PROMPT) {
            Ok(text) if text.trim().is_empty() => {}
            Ok(text) => {
                // A failure to remember a line must not stop the session.
                let _ = editor.add_history_entry(text.as_str());
                history.save(&mut editor);
                if shell.send("input", &text)? {
                    break;
                }
            }
            Err(ReadlineError::Interrupted) => {}
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(terminal_err(e)),
        }
    }
    Ok(())
}

/// What to do instead of a dot-command that needs this process's own
/// store or terminal, which a session on the holder has not.
fn refusal(meta: &Meta) -> Option<&'static str> {
    match meta {
        Meta::Open(_) => Some("to use another store, leave this shell and start `lore --db PATH`"),
        Meta::Output(_) | Meta::Once(_) => {
            Some("to write an answer to a file, run `lore query TEXT -o FILE` in a terminal")
        }
        Meta::Pager(_) => Some("to page answers, pipe `lore query TEXT` into a pager"),
        _ => None,
    }
}

/// The held store and the settings typed so far, as a script.
struct Through<'a> {
    db: &'a Path,
    settings: String,
}

impl Through<'_> {
    /// Runs `text` (named `name` in errors) through the holder, or says
    /// why it cannot; true when it asked to quit.
    fn send(&mut self, name: &str, text: &str) -> Result<bool> {
        let mut refused = false;
        let mut settings = String::new();
        let mut quit = false;
        for item in split(text) {
            if item.kind != ItemKind::Meta {
                continue;
            }
            let line = &text[item.span];
            let parsed = meta::parse(line);
            if let Some(instead) = parsed.as_ref().ok().and_then(refusal) {
                refused = true;
                let word = line.split_whitespace().next().unwrap_or(line);
                eprintln!(
                    "lore: error: {word} is not available while another process holds the store (this shell runs through its socket, {}); {instead}, or quit that process and start lore again to open the store here",
                    self.db.join(SOCKET).display()
                );
                continue;
            }
            match parsed {
                Ok(
                    Meta::Mode(Some(_))
                    | Meta::Limit(Some(_))
                    | Meta::Timeout(Some(_))
                    | Meta::Timer(Some(_))
                    | Meta::Headers(Some(_))
                    | Meta::Width(Some(_)),
                ) => {
                    settings.push_str(line);
                    settings.push('\n');
                }
                Ok(Meta::Quit) => quit = true,
                // Errors are the holder's to show at their place.
                _ => {}
            }
        }
        if refused {
            return Ok(false);
        }
        let request = Request::Run {
            scripts: vec![
                ("settings".to_string(), self.settings.clone()),
                (name.to_string(), text.to_string()),
            ],
            format: "table".to_string(),
            limit: lore::query::DEFAULT_LIMIT,
            timeout_ms: None,
            keep_going: false,
            width: lore::output::terminal_width(),
            cwd: std::env::current_dir().map_err(|e| Error::io(".", e))?,
        };
        let (mut out, mut err) = (io::stdout().lock(), io::stderr().lock());
        match lore::client::forward(self.db, &request, &mut out, &mut err) {
            // Errors were printed by the holder at their place.
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(e),
            None => {
                return Err(Error::bad_input(
                    self.db.display().to_string(),
                    "the lore process holding this store has stopped; start lore again to open the store here",
                ));
            }
        }
        out.flush().map_err(|e| Error::io("stdout", e))?;
        self.settings.push_str(&settings);
        Ok(quit)
    }
}

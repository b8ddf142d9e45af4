//! Running scripts in a session: the options `lore run` gives and the
//! loop over a script's items, shared by `lore run` here and by a holder
//! running another process's scripts (`remote`).

use std::io;

use super::{Flow, RunMode, Session};
use lore::error::{Error, Result};
use lore::output::Format;

/// How `lore run` was asked to behave.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Output format until a `.mode` changes it.
    pub format: Format,
    /// Row limit until a `.limit` changes it.
    pub limit: usize,
    /// Time budget per statement until a `.timeout` changes it.
    pub timeout: Option<std::time::Duration>,
    /// Report every error instead of stopping at the first.
    pub keep_going: bool,
    /// Parse only; run nothing.
    pub check: bool,
}

impl RunOptions {
    /// How `lore < script` runs: tables, the default limit, no time
    /// budget, stopping at the first error.
    pub fn stdin() -> RunOptions {
        RunOptions {
            format: Format::Table,
            limit: lore::query::DEFAULT_LIMIT,
            timeout: None,
            keep_going: false,
            check: false,
        }
    }
}

/// Runs `scripts` in `session` under `opts`; the errors reported.
pub fn run_in(
    session: &mut Session,
    scripts: &[(String, String)],
    opts: &RunOptions,
) -> Result<usize> {
    session.format = opts.format;
    session.limit = opts.limit;
    session.timeout = opts.timeout;
    let mode = RunMode {
        keep_going: opts.keep_going,
    };
    let mut errors = 0;
    for (name, text) in scripts {
        let outcome = match session.run_text(name, text, mode) {
            Err(Error::Io { path, source })
                if path.as_os_str() == "stdout" && source.kind() == io::ErrorKind::BrokenPipe =>
            {
                // The reader (`| head`) has what it wants.
                return Ok(errors);
            }
            other => other?,
        };
        errors += outcome.errors;
        if outcome.flow == Flow::Quit || (outcome.errors > 0 && !opts.keep_going) {
            break;
        }
    }
    Ok(errors)
}

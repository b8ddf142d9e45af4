//! The one error type of the library.
//!
//! Every variant says what went wrong, names the thing it went wrong with,
//! and, through its message, what the user can do about it. Front ends map
//! [`Error::is_user_error`] to exit code 1 and everything else to 2.

use std::io;
use std::path::PathBuf;

use crate::diag::Diagnostic;

/// Result alias used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in lore.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Another process (or another handle in this process) holds the store's lock.
    #[error(
        "store {} is in use by another process; close the other lore session or choose another store with --db",
        path.display()
    )]
    StoreLocked {
        /// The store directory.
        path: PathBuf,
    },

    /// The store was written by a different on-disk format version.
    #[error(
        "store {} has format version {found}, but this lore reads version {expected}; export it with the lore that wrote it (`lore export`) and import it here",
        path.display()
    )]
    FormatVersion {
        /// The store directory.
        path: PathBuf,
        /// Version found in the store.
        found: u32,
        /// Version this build reads and writes.
        expected: u32,
    },

    /// The path exists but is not a lore store.
    #[error("{} is not a lore store: {reason}", path.display())]
    NotAStore {
        /// The path given as store.
        path: PathBuf,
        /// Why it is not one, and what to do.
        reason: String,
    },

    /// The store's files are damaged.
    #[error("store {} is damaged: {detail}; run `lore check` for details or restore it from an export", path.display())]
    Corrupt {
        /// The store directory.
        path: PathBuf,
        /// What was found.
        detail: String,
    },

    /// An I/O error on a named file.
    #[error("{}: {}", path.display(), plain_io(source))]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },

    /// The storage engine failed for a reason that is not the user's.
    #[error("storage engine error: {0}")]
    Storage(String),

    /// A picture could not be drawn (rendering a graph as PNG).
    #[error("drawing the picture failed: {0}")]
    Picture(String),

    /// An input (article, JSONL line, script) that lore refuses, with the reason.
    #[error("{what}: {reason}")]
    BadInput {
        /// The thing refused: a path, `stdin`, `line 12 of facts.jsonl`.
        what: String,
        /// Why, and what to do.
        reason: String,
    },

    /// A query or script error with a location.
    #[error("{}", .0.message)]
    Query(Box<Diagnostic>),

    /// The operation was cancelled (Ctrl-C in the REPL, or a cancel token).
    #[error("cancelled")]
    Cancelled,

    /// A query statement ran past its time budget (`QueryOptions::timeout`).
    #[error(
        "the statement ran past its time budget of {} s and was stopped; narrow it (another pattern, a name instead of a variable, `limit`) or give it more time (`--timeout SECONDS`, `.timeout SECONDS` in the shell)",
        budget.as_secs_f64()
    )]
    TimedOut {
        /// The budget it had.
        budget: std::time::Duration,
    },

    /// A model of the language pipeline could not be loaded.
    #[error(
        "the {model} model of the language pipeline cannot be loaded: {reason}; this build of lore is broken, retrain with `cargo run --release --bin lore-train` and rebuild"
    )]
    Model {
        /// Which model: tagger, parser, ...
        model: &'static str,
        /// What is wrong with it.
        reason: String,
    },
}

impl Error {
    /// `true` when the user can fix it (bad path, bad query, bad file, locked store);
    /// `false` for internal and I/O failures.
    pub fn is_user_error(&self) -> bool {
        match self {
            Error::StoreLocked { .. }
            | Error::FormatVersion { .. }
            | Error::NotAStore { .. }
            | Error::BadInput { .. }
            | Error::Query(_)
            | Error::Cancelled
            | Error::TimedOut { .. } => true,
            Error::Io { source, .. } => matches!(
                source.kind(),
                io::ErrorKind::NotFound | io::ErrorKind::PermissionDenied
            ),
            Error::Corrupt { .. } | Error::Storage(_) | Error::Picture(_) | Error::Model { .. } => {
                false
            }
        }
    }

    /// Shorthand for [`Error::BadInput`].
    pub fn bad_input(what: impl Into<String>, reason: impl Into<String>) -> Error {
        Error::BadInput {
            what: what.into(),
            reason: reason.into(),
        }
    }

    /// Shorthand for [`Error::Io`].
    pub fn io(path: impl Into<PathBuf>, source: io::Error) -> Error {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

impl From<Diagnostic> for Error {
    fn from(d: Diagnostic) -> Error {
        Error::Query(Box::new(d))
    }
}

/// An I/O error as one plain sentence saying what to do, for the kinds a user
/// can act on; others keep the system's text. Never a debug structure.
fn plain_io(e: &io::Error) -> String {
    use io::ErrorKind as K;
    let advice = match e.kind() {
        K::StorageFull => {
            "the disk is full; free some space and run the command again (what was committed before is kept)"
        }
        K::PermissionDenied => {
            "permission denied; check the owner and mode of this path (`ls -ld PATH`) or run lore as a user who may use it"
        }
        K::ReadOnlyFilesystem => {
            "the file system is read-only; copy the store to a writable place or mount it writable"
        }
        K::IsADirectory => "is a directory; give a file",
        K::NotADirectory => "a part of this path is a file, not a directory; check the path",
        K::NotFound => "no such file or directory; check the path",
        K::QuotaExceeded => "the disk quota is exceeded; free some space and run the command again",
        _ => return e.to_string(),
    };
    advice.to_string()
}

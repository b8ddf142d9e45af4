//! Where a session's statement results go besides its output stream:
//! a file (`.output`, `.once`) or the pager (`.pager on`).

use std::io::{self, Write};
use std::path::PathBuf;

use super::{Session, stdout_err};
use lore::error::{Error, Result};

/// A file that receives statement results.
pub(super) struct Redirect {
    pub(super) file: io::BufWriter<std::fs::File>,
    pub(super) path: PathBuf,
    /// `.once`: back to `out` after one statement.
    pub(super) once: bool,
}

impl Redirect {
    pub(super) fn create(path: PathBuf, once: bool) -> Result<Redirect> {
        let f = std::fs::File::create(&path).map_err(|e| Error::io(&path, e))?;
        Ok(Redirect {
            file: io::BufWriter::new(f),
            path,
            once,
        })
    }

    pub(super) fn close(mut self) -> Result<PathBuf> {
        self.file.flush().map_err(|e| Error::io(&self.path, e))?;
        Ok(self.path)
    }
}

impl Session {
    /// Shows `text` through `$PAGER` (default `less -FRX`, which prints a
    /// short answer as it is); a pager that does not start is a warning,
    /// the text goes to the output, and paging is off.
    pub(super) fn page(&mut self, text: &[u8]) -> Result<()> {
        let pager = std::env::var("PAGER")
            .ok()
            .filter(|p| !p.trim().is_empty())
            .unwrap_or_else(|| "less -FRX".to_string());
        match std::process::Command::new("sh")
            .arg("-c")
            .arg(&pager)
            .stdin(std::process::Stdio::piped())
            .spawn()
        {
            Ok(mut child) => {
                if let Some(mut stdin) = child.stdin.take() {
                    // A pager quit before the end closes its input: not an error.
                    let _ = stdin.write_all(text);
                }
                child.wait().map_err(|e| Error::io(&pager, e))?;
                Ok(())
            }
            Err(e) => {
                self.pager = false;
                self.say_err(&format!(
                    "lore: warning: the pager `{pager}` did not start ({e}); paging is off"
                ))?;
                self.out
                    .write_all(text)
                    .and_then(|()| self.out.flush())
                    .map_err(stdout_err)
            }
        }
    }
}

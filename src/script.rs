//! Running `.lore` scripts: statements and meta-commands, in order.
//!
//! The statements and meta-commands are cut by [`crate::session::split`]
//! and run by a [`Session`], the one the shell drives too, so a script
//! behaves the same typed or saved.

use std::io::{self, IsTerminal};
use std::path::PathBuf;

use crate::session::meta;
use crate::session::split::{ItemKind, read_script, split};
use crate::session::{Flow, RunMode, Session};
use lore::diag::Diagnostic;
use lore::error::{Error, Result};
use lore::output::Format;
use lore::store::Store;

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

/// `lore run FILE...`: runs (or checks) the scripts in order, printing results
/// and located errors; returns how many errors were reported (the command
/// line turns that into the exit code).
///
/// `open_store` is called only when something has to run, so `--check`
/// works without a store.
pub fn run_files(
    files: &[PathBuf],
    opts: &RunOptions,
    open_store: impl FnOnce() -> Result<Store>,
) -> Result<usize> {
    let mut scripts = Vec::with_capacity(files.len());
    for f in files {
        scripts.push(read_script(f)?);
    }
    if opts.check {
        let mut errors = 0;
        let mut stderr = io::stderr().lock();
        for (name, text) in &scripts {
            for d in check(text) {
                errors += 1;
                let _ =
                    io::Write::write_fmt(&mut stderr, format_args!("{}\n", d.render(name, text)));
            }
        }
        return Ok(finish(errors));
    }
    let mut session = Session::new(
        open_store()?,
        Box::new(io::stdout()),
        Box::new(io::stderr()),
    );
    session.format = opts.format;
    session.limit = opts.limit;
    session.timeout = opts.timeout;
    session.width = lore::output::terminal_width();
    let mode = RunMode {
        keep_going: opts.keep_going,
    };
    let mut errors = 0;
    for (name, text) in &scripts {
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
    Ok(finish(errors))
}

fn finish(errors: usize) -> usize {
    if errors > 1 {
        eprintln!("lore: {errors} errors");
    }
    errors
}

/// `lore` with stdin not a terminal: runs stdin as one script, stopping at the
/// first error; returns how many errors were reported.
pub fn run_stdin(open_store: impl FnOnce() -> Result<Store>) -> Result<usize> {
    if io::stdin().is_terminal() {
        return Err(Error::bad_input("stdin", "is a terminal; use `lore repl`"));
    }
    run_files(
        &[PathBuf::from("-")],
        &RunOptions {
            format: Format::Table,
            limit: lore::query::DEFAULT_LIMIT,
            timeout: None,
            keep_going: false,
            check: false,
        },
        open_store,
    )
}

/// Checks every item of a script without running it; returns every problem found,
/// with spans into `text`.
pub fn check(text: &str) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for item in split(text) {
        let src = &text[item.span.clone()];
        let result = match item.kind {
            ItemKind::Meta => meta::parse(src).map(|_| ()),
            ItemKind::Statement => match lore::query::check(src) {
                Ok(()) => Ok(()),
                Err(Error::Query(d)) => Err(*d),
                Err(e) => Err(Diagnostic::new(e.to_string(), 0..src.len())),
            },
        };
        if let Err(d) = result {
            out.push(d.shifted(item.span.start));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::split::split_with_tail;

    proptest::proptest! {
        /// Any text splits without a panic into ordered, disjoint items on
        /// character boundaries, and every check error points inside the text.
        #[test]
        fn splitting_and_checking_any_text_never_panics(text in "(?s)[ -~\\n\t\"é€;.-]{0,80}") {
            let (items, _) = split_with_tail(&text);
            let mut at = 0;
            for item in &items {
                proptest::prop_assert!(item.span.start >= at && item.span.end <= text.len());
                proptest::prop_assert!(text.is_char_boundary(item.span.start));
                proptest::prop_assert!(text.is_char_boundary(item.span.end));
                at = item.span.end;
            }
            for d in check(&text) {
                proptest::prop_assert!(d.span.start <= text.len());
                let _ = d.render("p.lore", &text);
            }
            let _ = crate::session::split::input_complete(&text);
        }
    }

    #[test]
    fn check_reports_bad_meta_commands_at_their_place_in_the_file() {
        let text = ".mode csv\n\n  .mdoe table\n";
        let errs = check(text);
        assert_eq!(errs.len(), 1);
        let r = errs[0].render("s.lore", text);
        assert!(
            r.starts_with("s.lore:3:3: error: unknown command `.mdoe`"),
            "{r}"
        );
        assert!(r.contains("did you mean `.mode`"), "{r}");
    }
}

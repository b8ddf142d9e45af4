//! Running `.lore` scripts: statements and meta-commands, in order.
//!
//! A script is query text with meta-commands (`.mode csv`, `.ingest PATH`)
//! on lines of their own. [`split`] cuts it into [`Item`]s with their byte
//! spans, so that an error in the third statement is reported at its line
//! and column in the file, not in the statement. The REPL uses the same
//! splitter for what the user types, so both behave alike.
//!
//! Architecture invariant: the splitter never fails; it only finds the
//! boundaries (`;` outside `"strings"` and `--` comments). Whether a
//! statement is valid is the query parser's business.

use std::io::{self, IsTerminal, Read};
use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::diag::Diagnostic;
use crate::error::{Error, Result};
use crate::output::Format;
use crate::repl::meta;
use crate::repl::session::{Flow, RunMode, Session};
use crate::store::Store;

/// What an [`Item`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ItemKind {
    /// Query text, up to and including its `;` when it has one.
    Statement,
    /// A line starting with `.`, without its line break.
    Meta,
}

/// One statement or meta-command of a script, by byte span in the script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    /// Statement or meta-command.
    pub kind: ItemKind,
    /// Byte range in the script text.
    pub span: Range<usize>,
    /// For statements: whether a `;` ends it (the last one of a text may lack it).
    pub terminated: bool,
}

/// Where a scan of query text ended up.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tail {
    /// Inside a `"string"` that is not closed.
    pub open_quote: bool,
    /// Some statement text after the last `;`.
    pub pending: bool,
}

/// Cuts `text` into statements and meta-commands.
///
/// A meta-command is a line whose first non-blank character is `.` and that
/// starts where a statement could start. Blank text and `--` comments between
/// items belong to no item.
pub fn split(text: &str) -> Vec<Item> {
    split_with_tail(text).0
}

/// [`split`], plus whether the text ends inside a string or an unfinished statement.
pub fn split_with_tail(text: &str) -> (Vec<Item>, Tail) {
    let bytes = text.as_bytes();
    let mut items = Vec::new();
    let mut tail = Tail::default();
    let mut i = 0;
    loop {
        i = skip_blank(text, i);
        if i >= bytes.len() {
            break;
        }
        let line_start = text[..i].rfind('\n').map_or(0, |n| n + 1);
        if bytes[i] == b'.' && text[line_start..i].trim().is_empty() {
            let end = text[i..].find('\n').map_or(text.len(), |n| i + n);
            let end = i + text[i..end].trim_end().len();
            items.push(Item {
                kind: ItemKind::Meta,
                span: i..end,
                terminated: true,
            });
            i = end;
            continue;
        }
        let start = i;
        let mut in_string = false;
        let mut end = None;
        while i < bytes.len() {
            let b = bytes[i];
            if in_string {
                match b {
                    b'\\' => i += 1,
                    b'"' => in_string = false,
                    _ => {}
                }
            } else {
                match b {
                    b'"' => in_string = true,
                    b'-' if bytes.get(i + 1) == Some(&b'-') => {
                        i = text[i..].find('\n').map_or(text.len(), |n| i + n);
                        continue;
                    }
                    b';' => {
                        end = Some(i + 1);
                        break;
                    }
                    _ => {}
                }
            }
            i += 1;
        }
        match end {
            Some(end) => {
                items.push(Item {
                    kind: ItemKind::Statement,
                    span: start..end,
                    terminated: true,
                });
                i = end;
            }
            None => {
                tail = Tail {
                    open_quote: in_string,
                    pending: true,
                };
                let end = start + text[start..].trim_end().len();
                items.push(Item {
                    kind: ItemKind::Statement,
                    span: start..end,
                    terminated: false,
                });
                break;
            }
        }
    }
    (items, tail)
}

/// Skips whitespace and `--` comments from byte `i`.
fn skip_blank(text: &str, mut i: usize) -> usize {
    let bytes = text.as_bytes();
    while i < bytes.len() {
        if bytes[i].is_ascii_whitespace() {
            i += 1;
        } else if bytes[i] == b'-' && bytes.get(i + 1) == Some(&b'-') {
            i = text[i..].find('\n').map_or(text.len(), |n| i + n);
        } else {
            break;
        }
    }
    i
}

/// How `lore run` was asked to behave.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Output format until a `.mode` changes it.
    pub format: Format,
    /// Row limit until a `.limit` changes it.
    pub limit: usize,
    /// Report every error instead of stopping at the first.
    pub keep_going: bool,
    /// Parse only; run nothing.
    pub check: bool,
}

/// Reads a script; `-` is stdin.
pub fn read_script(path: &Path) -> Result<(String, String)> {
    if path.as_os_str() == "-" {
        let mut text = String::new();
        io::stdin()
            .lock()
            .read_to_string(&mut text)
            .map_err(|e| match e.kind() {
                io::ErrorKind::InvalidData => {
                    Error::bad_input("stdin", "the script is not UTF-8 text")
                }
                _ => Error::io("stdin", e),
            })?;
        return Ok(("stdin".to_string(), text));
    }
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => Error::bad_input(&name, "no such script; check the path"),
        io::ErrorKind::IsADirectory => {
            Error::bad_input(&name, "is a directory; give a .lore script file")
        }
        _ => Error::io(path, e),
    })?;
    let text = String::from_utf8(bytes)
        .map_err(|_| Error::bad_input(&name, "the script is not UTF-8 text"))?;
    Ok((name, text))
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
    session.width = crate::output::terminal_width();
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
            limit: crate::query::DEFAULT_LIMIT,
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
            ItemKind::Statement => match crate::query::check(src) {
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

    fn parts(text: &str) -> Vec<(ItemKind, &str)> {
        split(text)
            .into_iter()
            .map(|i| (i.kind, &text[i.span]))
            .collect()
    }

    #[test]
    fn splits_statements_and_meta_commands_in_order() {
        let text =
            "-- who met whom\n.mode csv\nBlinken met ?who;  ?x met Lavrov;\n  .timer on\nrelations";
        assert_eq!(
            parts(text),
            vec![
                (ItemKind::Meta, ".mode csv"),
                (ItemKind::Statement, "Blinken met ?who;"),
                (ItemKind::Statement, "?x met Lavrov;"),
                (ItemKind::Meta, ".timer on"),
                (ItemKind::Statement, "relations"),
            ]
        );
        assert!(!split(text)[4].terminated);
    }

    #[test]
    fn semicolons_in_strings_and_comments_do_not_end_a_statement() {
        let text = "\"a;b\" said ?x -- not; here\n;\n?y \"x\\\";\" ?z;";
        assert_eq!(
            parts(text),
            vec![
                (ItemKind::Statement, "\"a;b\" said ?x -- not; here\n;"),
                (ItemKind::Statement, "?y \"x\\\";\" ?z;"),
            ]
        );
    }

    #[test]
    fn a_dot_inside_a_statement_is_not_a_meta_command() {
        let text = "Blinken met\n.5;";
        assert_eq!(parts(text), vec![(ItemKind::Statement, "Blinken met\n.5;")]);
    }

    #[test]
    fn tail_reports_an_open_quote_and_pending_text() {
        assert_eq!(
            split_with_tail("\"Paul Whe").1,
            Tail {
                open_quote: true,
                pending: true
            }
        );
        assert_eq!(split_with_tail("a b c; -- done").1, Tail::default());
        assert!(split("").is_empty());
        assert!(split("  -- only a comment").is_empty());
    }

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
            let _ = crate::repl::helper::input_complete(&text);
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

//! Cutting query text into statements and meta-commands.
//!
//! A script is query text with meta-commands (`.mode csv`, `.ingest PATH`)
//! on lines of their own. [`split`] cuts it into [`Item`]s with their byte
//! spans, so that an error in the third statement is reported at its line
//! and column in the file, not in the statement. The shell uses the same
//! splitter for what the user types ([`input_complete`]), so both behave
//! alike.
//!
//! Architecture invariant: the splitter never fails; it only finds the
//! boundaries (`;` outside `"strings"` and `--` comments, found by the
//! query lexer itself, `lore::query::lexer::statement_end`). Whether a
//! statement is valid is the query parser's business.

use std::io::{self, Read};
use std::ops::Range;
use std::path::Path;

use lore::error::{Error, Result};

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
        match lore::query::lexer::statement_end(&text[start..]) {
            Ok(n) => {
                items.push(Item {
                    kind: ItemKind::Statement,
                    span: start..start + n,
                    terminated: true,
                });
                i = start + n;
            }
            Err(open_quote) => {
                tail = Tail {
                    open_quote,
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

/// True when the editor should hand `text` to the session: it is blank, a
/// meta-command, ends with `;` (outside strings and comments), or ends with a
/// blank line and no quote is open.
pub fn input_complete(text: &str) -> bool {
    if text.trim().is_empty() {
        return true;
    }
    let (items, tail) = split_with_tail(text);
    if tail.open_quote {
        return false;
    }
    if !tail.pending || items.last().is_some_and(|i| i.kind == ItemKind::Meta) {
        return true;
    }
    if lore::query::is_complete(text) {
        return true;
    }
    text.contains('\n')
        && text
            .rsplit('\n')
            .next()
            .is_some_and(|l| l.trim().is_empty())
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

    #[test]
    fn statements_end_where_the_query_lexer_says() {
        // `--` inside a name is part of the name for the parser, not a
        // comment; the splitter used to hide the `;` after it.
        let text = "Anne-Marie--Smith met ?x; ?y met Bo;";
        assert_eq!(
            parts(text),
            vec![
                (ItemKind::Statement, "Anne-Marie--Smith met ?x;"),
                (ItemKind::Statement, "?y met Bo;"),
            ]
        );
        assert!(lore::query::check(&text[..25]).is_ok());
    }
}

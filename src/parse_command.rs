//! `lore parse`: what the language pipeline makes of a text, as CoNLL-U on
//! standard output, one block per sentence, written as each sentence is
//! analysed so that a large file streams through in bounded memory.

use std::io::{self, Read, Write};
use std::path::Path;

use crate::error::{Error, Result};
use crate::nlp::{Pipeline, conllu};
use crate::store::{Encoding, decode_article};

/// Where the text comes from.
pub enum Input<'a> {
    /// Text given on the command line.
    Text(&'a str),
    /// A file, or `-` for standard input.
    File(&'a Path),
}

/// Analyses the input and writes CoNLL-U to `out`.
pub fn run(input: Input, encoding: Encoding, out: &mut dyn Write) -> Result<()> {
    let pipeline = Pipeline::get()?;
    let (bytes, origin) = match input {
        Input::Text(t) => (t.as_bytes().to_vec(), "the text argument".to_string()),
        Input::File(p) if p.as_os_str() == "-" => {
            let mut b = Vec::new();
            io::stdin()
                .read_to_end(&mut b)
                .map_err(|e| Error::io("stdin", e))?;
            (b, "stdin".to_string())
        }
        Input::File(p) => (
            std::fs::read(p).map_err(|e| match e.kind() {
                io::ErrorKind::NotFound => {
                    Error::bad_input(p.display().to_string(), "no such file; check the path")
                }
                io::ErrorKind::IsADirectory => Error::bad_input(
                    p.display().to_string(),
                    "is a directory; give one text file",
                ),
                _ => Error::io(p, e),
            })?,
            p.display().to_string(),
        ),
    };
    // No text has no sentences; unlike an empty article, that is no error.
    if bytes.is_empty() {
        return Ok(());
    }
    let text = decode_article(&bytes, &origin, encoding)?;
    let mut id = 0;
    let mut block = String::new();
    let mut failed: Option<io::Error> = None;
    pipeline.for_each_sentence(&text, 0, text.len(), |s| {
        if failed.is_some() {
            return;
        }
        id += 1;
        block.clear();
        conllu::write_sentence(&text, &s, id, &mut block);
        if let Err(e) = out.write_all(block.as_bytes()) {
            failed = Some(e);
        }
    });
    if let Some(e) = failed {
        return Err(Error::io("stdout", e));
    }
    out.flush().map_err(|e| Error::io("stdout", e))
}

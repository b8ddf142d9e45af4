//! Article bytes to text: the checks every command that reads articles
//! makes (size, emptiness, binary content) and the decodings lore accepts
//! (strict UTF-8, or Windows-1252 for files labelled Latin-1).

use super::{Encoding, MAX_ARTICLE_BYTES};
use crate::error::{Error, Result};

pub(super) fn too_large(what: &str, len: u64) -> Error {
    Error::bad_input(
        what,
        format!(
            "{len} bytes is more than the {} MiB lore accepts for one article; split it into articles",
            MAX_ARTICLE_BYTES >> 20
        ),
    )
}

/// Checks that bytes are a plausible article and returns them as text.
/// Article bytes as text, as `encoding` says; refuses empty, binary,
/// oversized and (strict UTF-8) undecodable input with a message naming
/// `origin`. Every command that reads articles decodes them here.
pub fn decode_article<'a>(
    bytes: &'a [u8],
    origin: &str,
    encoding: Encoding,
) -> Result<std::borrow::Cow<'a, str>> {
    let latin1 = match encoding {
        Encoding::Utf8 => false,
        Encoding::Auto => std::str::from_utf8(bytes).is_err(),
        Encoding::Latin1 => true,
    };
    if latin1 {
        check_size_and_binary(bytes, origin)?;
        return Ok(std::borrow::Cow::Owned(decode_windows_1252(bytes)));
    }
    check_article(bytes, origin).map(std::borrow::Cow::Borrowed)
}

pub(super) fn check_article<'a>(bytes: &'a [u8], origin: &str) -> Result<&'a str> {
    check_size_and_binary(bytes, origin)?;
    std::str::from_utf8(bytes).map_err(|e| {
        Error::bad_input(
            origin,
            format!(
                "not valid UTF-8 (first bad byte at offset {}); convert it (iconv -f latin1 -t utf-8) or ingest with --encoding auto",
                e.valid_up_to()
            ),
        )
    })
}

/// Windows-1252, the superset of Latin-1 that web pages labelled "Latin-1" really use.
pub(super) fn decode_windows_1252(bytes: &[u8]) -> String {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    bytes
        .iter()
        .map(|&b| match b {
            0x80..=0x9f => HIGH[usize::from(b - 0x80)],
            _ => char::from(b),
        })
        .collect()
}

fn check_size_and_binary(bytes: &[u8], origin: &str) -> Result<()> {
    if bytes.len() > MAX_ARTICLE_BYTES {
        return Err(too_large(origin, bytes.len() as u64));
    }
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(Error::bad_input(
            origin,
            "the file is empty; give a file with article text",
        ));
    }
    if bytes.contains(&0) {
        return Err(Error::bad_input(
            origin,
            "this looks like a binary file (it contains NUL bytes); lore ingests plain-text articles",
        ));
    }
    Ok(())
}

//! UD-style tokenization with byte offsets (placeholder: splits at white
//! space and around punctuation; the full tokenizer replaces it).

/// A syntactic word found by the tokenizer: its byte span in the text, and
/// whether it is written together with the next word as one token ("do" of
/// "don't", "Elena" of "Elena's").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokWord {
    /// Start byte in the text.
    pub start: usize,
    /// End byte (exclusive).
    pub end: usize,
    /// The next word belongs to the same surface token.
    pub joined: bool,
}

/// Appends the words of `text[start..end]` to `out`, with offsets into
/// `text`. `start` and `end` must be character boundaries.
pub fn tokenize(text: &str, start: usize, end: usize, out: &mut Vec<TokWord>) {
    let s = &text[start..end];
    let mut word_start: Option<usize> = None;
    for (i, c) in s.char_indices() {
        if c.is_alphanumeric() {
            if word_start.is_none() {
                word_start = Some(i);
            }
            continue;
        }
        if let Some(ws) = word_start.take() {
            out.push(TokWord {
                start: start + ws,
                end: start + i,
                joined: false,
            });
        }
        if !c.is_whitespace() {
            out.push(TokWord {
                start: start + i,
                end: start + i + c.len_utf8(),
                joined: false,
            });
        }
    }
    if let Some(ws) = word_start {
        out.push(TokWord {
            start: start + ws,
            end,
            joined: false,
        });
    }
}

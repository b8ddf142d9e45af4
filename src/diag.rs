//! Located error messages for queries and scripts, rendered with a caret.
//!
//! A [`Diagnostic`] carries a byte span into the text it is about; rendering
//! turns that into `name:line:col`, the offending line and a caret under
//! the token, the way rustc and sqlite3 do.

use std::fmt::Write as _;
use std::ops::Range;

/// An error (or warning) at a place in a text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// What went wrong, in one line.
    pub message: String,
    /// Byte range in the text the diagnostic is about.
    pub span: Range<usize>,
    /// What to do, e.g. "did you mean `describe`?".
    pub help: Option<String>,
}

impl Diagnostic {
    /// A diagnostic without help.
    pub fn new(message: impl Into<String>, span: Range<usize>) -> Diagnostic {
        Diagnostic {
            message: message.into(),
            span,
            help: None,
        }
    }

    /// Adds a help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// Moves the span by `offset` bytes; used when a statement is cut out of a larger script.
    pub fn shifted(mut self, offset: usize) -> Diagnostic {
        self.span = self.span.start + offset..self.span.end + offset;
        self
    }

    /// 1-based line and column (in characters) of the span start in `text`.
    pub fn line_col(&self, text: &str) -> (usize, usize) {
        line_col(text, self.span.start)
    }

    /// Renders `name:line:col: error: message`, the line, a caret line and the help.
    pub fn render(&self, name: &str, text: &str) -> String {
        let start = floor_char_boundary(text, self.span.start.min(text.len()));
        let (line, col) = line_col(text, start);
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let line_text = &text[line_start..line_end];
        let end = floor_char_boundary(text, self.span.end.clamp(start, line_end));
        let width = text[start..end].chars().count().max(1);
        let mut out = String::new();
        let _ = writeln!(out, "{name}:{line}:{col}: error: {}", self.message);
        let gutter = line.to_string().len();
        let _ = writeln!(out, "{:gutter$} |", "");
        let _ = writeln!(out, "{line} | {line_text}");
        let pad: String = text[line_start..start]
            .chars()
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        let _ = write!(out, "{:gutter$} | {pad}{}", "", "^".repeat(width));
        if let Some(help) = &self.help {
            let _ = write!(out, "\n{:gutter$} = help: {help}", "");
        }
        out
    }
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(text, offset.min(text.len()));
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before[line_start..].chars().count() + 1;
    (line, col)
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Words longer than this get no suggestion: nobody mistypes a name of a
/// hundred characters, and comparing a pasted paragraph with every stored
/// name is what made one unknown name cost seconds.
pub const SUGGEST_MAX_CHARS: usize = 100;

/// The closest candidate to `word` by Jaro-Winkler similarity, if it is close enough
/// to be a likely typo; used for every "did you mean" in lore.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let mut closest = Closest::new(word);
    let mut best = None;
    for c in candidates {
        if closest.offer(c) {
            best = Some(c);
        }
    }
    best
}

/// A "did you mean" search over a stream of candidates, keeping only the best
/// so far, so that a search over every name of a store holds one name.
///
/// Its work is bounded: a word over [`SUGGEST_MAX_CHARS`] is compared with
/// nothing, and a candidate whose length differs from the word's by more
/// than a typo could (half the word, at least 3 characters) is skipped
/// before any comparison.
pub struct Closest {
    lower: String,
    chars: usize,
    best: Option<(f64, String)>,
}

impl Closest {
    /// A search for `word`.
    pub fn new(word: &str) -> Closest {
        let lower = word.to_lowercase();
        Closest {
            chars: lower.chars().count(),
            lower,
            best: None,
        }
    }

    /// Considers one candidate; true when it is the best so far.
    pub fn offer(&mut self, candidate: &str) -> bool {
        if self.chars > SUGGEST_MAX_CHARS {
            return false;
        }
        let slack = (self.chars / 2).max(3);
        // A char is at most 4 bytes: the byte length bounds the char count.
        if candidate.len() > 4 * (self.chars + slack) {
            return false;
        }
        if candidate.chars().count().abs_diff(self.chars) > slack {
            return false;
        }
        let score = strsim::jaro_winkler(&self.lower, &candidate.to_lowercase());
        if score < 0.82 || self.best.as_ref().is_some_and(|(b, _)| score <= *b) {
            return false;
        }
        self.best = Some((score, candidate.to_string()));
        true
    }

    /// The best candidate offered, if any was close enough.
    pub fn best(self) -> Option<String> {
        self.best.map(|(_, c)| c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_line_column_and_caret_under_the_token() {
        let text = "Blinken met ?who;\nBlinken mett ?x;";
        let d = Diagnostic::new("unknown relation `mett`", 26..30).with_help("did you mean `met`?");
        let r = d.render("q.lore", text);
        assert_eq!(
            r,
            "q.lore:2:9: error: unknown relation `mett`\n  |\n2 | Blinken mett ?x;\n  |         ^^^^\n  = help: did you mean `met`?"
        );
    }

    #[test]
    fn span_past_the_end_or_inside_a_char_does_not_panic() {
        let text = "é";
        let d = Diagnostic::new("x", 1..99);
        assert!(d.render("s", text).contains("1:1"));
        assert_eq!(line_col("", 5), (1, 1));
    }

    #[test]
    fn did_you_mean_finds_close_words_only() {
        let kws = ["describe", "relations", "entities"];
        assert_eq!(did_you_mean("descibe", kws), Some("describe"));
        assert_eq!(did_you_mean("zzz", kws), None);
    }
}

//! UD English tokenization with byte offsets, following the conventions of
//! the English Web Treebank and GUM: punctuation, brackets and quotes split
//! off; clitics and contractions as multi-word tokens ("don't" → `do` `n't`,
//! "gonna" → `gon` `na`); hyphens split except after a few prefixes; numbers,
//! times and dates whole, units split from numbers ("5pm" → `5` `pm`);
//! abbreviations keep their period unless it also ends the text; addresses,
//! file names, handles, hashtags and emoticons whole.
//!
//! The text is cut at white space into chunks, and each chunk is read left to
//! right once: a chunk that is an address or a file name inside brackets and
//! quotes is a token as it stands; elsewhere runs of letters and digits are
//! joined across the punctuation that the rules keep inside a token (module
//! `word`), and every other punctuation mark is a token of its own, or of a
//! run of its kind ("...", "!!", "--"). Each step moves forward, so the time
//! is linear; the only allocation is the growth of the output (and of one
//! small buffer reused from word to word).

mod lexicon;
mod special;
mod word;

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
/// `text`, in order; words never overlap and never contain white space.
/// `start` and `end` should be character boundaries; a range that is not
/// (or lies outside the text) yields no words.
///
/// The range is treated as ending a sentence where it ends: an abbreviation
/// there gives up its period ("in the U.S." → `U.S` `.`), as the treebanks
/// do when one period ends both; so does one followed by a capitalised
/// function word ("pens, inks etc. The shop" → `etc` `.` `The`). Ranges
/// should therefore end at paragraph or sentence breaks, not inside a
/// sentence.
pub fn tokenize(text: &str, start: usize, end: usize, out: &mut Vec<TokWord>) {
    if start >= end
        || end > text.len()
        || !text.is_char_boundary(start)
        || !text.is_char_boundary(end)
    {
        return;
    }
    let mut sc = Scanner {
        t: text,
        out,
        single_open: false,
        chunk_start: start,
        last_chunk: false,
        next_chunk: end,
        end,
        chunk_has_at: false,
        no_email_before: 0,
        runs: Vec::new(),
    };
    let mut i = sc.skip_separators(start, end);
    while i < end {
        let mut j = i;
        while j < end {
            let c = sc.char_at(j);
            if is_separator(c) {
                break;
            }
            j += c.len_utf8();
        }
        let next = sc.skip_separators(j, end);
        sc.last_chunk = next >= end;
        sc.next_chunk = next;
        sc.chunk(i, j);
        i = next;
    }
}

/// The state of one call of [`tokenize`].
struct Scanner<'t, 'o> {
    t: &'t str,
    out: &'o mut Vec<TokWord>,
    /// An opening single quote ("'" or "‘") has not been closed yet, so a
    /// quote after a final "s" closes it rather than marking a possessive.
    single_open: bool,
    /// Start of the current chunk.
    chunk_start: usize,
    /// Nothing but separators follows the current chunk in the range.
    last_chunk: bool,
    /// Start of the next chunk (`end` when there is none).
    next_chunk: usize,
    /// End of the range.
    end: usize,
    /// The current chunk contains an "@" (only then are e-mail addresses
    /// looked for inside it).
    chunk_has_at: bool,
    /// No e-mail address starts before this byte of the current chunk.
    no_email_before: usize,
    /// Runs of letters and digits of the word being read (see `word`),
    /// reused from word to word.
    runs: Vec<word::Run>,
}

impl Scanner<'_, '_> {
    /// The character at byte `i` (a boundary), or a space past the text.
    #[inline]
    fn char_at(&self, i: usize) -> char {
        match self.t.as_bytes().get(i) {
            Some(&b) if b < 0x80 => b as char,
            Some(_) => self
                .t
                .get(i..)
                .and_then(|s| s.chars().next())
                .unwrap_or(' '),
            None => ' ',
        }
    }

    /// The character before byte `i` in the current chunk, if any.
    fn char_before(&self, i: usize) -> Option<char> {
        if i <= self.chunk_start {
            return None;
        }
        self.t.get(self.chunk_start..i)?.chars().next_back()
    }

    fn skip_separators(&self, mut i: usize, end: usize) -> usize {
        while i < end {
            let c = self.char_at(i);
            if !is_separator(c) {
                break;
            }
            i += c.len_utf8();
        }
        i
    }

    fn push(&mut self, start: usize, end: usize, joined: bool) {
        if start < end {
            self.out.push(TokWord { start, end, joined });
        }
    }

    /// Tokenizes the chunk `a..b` (no separators inside).
    fn chunk(&mut self, a: usize, b: usize) {
        self.chunk_start = a;
        self.chunk_has_at = self.t.as_bytes()[a..b].contains(&b'@');
        // An address, file name or handle wrapped in brackets, quotes and
        // final punctuation, "(see https://example.org/x.html).", keeps every
        // inner mark; the wrapping is read as usual.
        let mut ca = a;
        while ca < b && is_opening(self.char_at(ca)) {
            ca += self.char_at(ca).len_utf8();
        }
        let cb = self.trim_closing(ca, b);
        // Every whole-token form has one of these marks inside; most chunks
        // have none, and are spared the closer look.
        if ca < cb
            && self.t.as_bytes()[ca..cb]
                .iter()
                .any(|x| matches!(x, b'.' | b'@' | b'#' | b':'))
            && special::is_whole(&self.t[ca..cb])
        {
            self.scan(a, ca);
            self.push(ca, cb, false);
            self.scan(cb, b);
        } else {
            self.scan(a, b);
        }
    }

    /// The end of the e-mail address starting at `i`, if one does. The
    /// stretch of address characters read is remembered, so that a chunk
    /// such as "a+a+a+..." is not read again from every word in it.
    fn email_at(&mut self, i: usize, b: usize) -> Option<usize> {
        if !self.chunk_has_at || i < self.no_email_before {
            return None;
        }
        let e = self.run_of(i, b, |c| {
            is_word(c) || matches!(c, '.' | '-' | '_' | '+' | '%' | '@')
        });
        let e = self.t[i..e].trim_end_matches(['.', '-']).len() + i;
        if special::is_whole(&self.t[i..e]) && self.t[i..e].contains('@') {
            return Some(e);
        }
        self.no_email_before = e;
        None
    }

    /// The end of `a..b` without its closing marks.
    fn trim_closing(&self, a: usize, b: usize) -> usize {
        let mut e = b;
        while e > a {
            let c = match self.t.as_bytes()[e - 1] {
                x if x < 0x80 => x as char,
                _ => self.t[a..e].chars().next_back().unwrap_or(' '),
            };
            if !is_closing(c) {
                break;
            }
            e -= c.len_utf8();
        }
        e
    }

    /// Reads `a..b`, part of the current chunk.
    fn scan(&mut self, a: usize, b: usize) {
        let mut i = a;
        while i < b {
            let c = self.char_at(i);
            let next = if is_word(c) {
                if special::url_start(&self.t[i..b]) {
                    // An address run on from what precedes it, as in
                    // "see:<https://example.org>", up to its closing marks.
                    let e = self.trim_closing(i, b);
                    self.push(i, e, false);
                    e
                } else if let Some(e) = self.email_at(i, b) {
                    // An e-mail address in angle brackets after a name:
                    // "Ann<ann@example.org>".
                    self.push(i, e, false);
                    e
                } else {
                    self.word(i, b)
                }
            } else if (c == '+' || c == '.')
                && i + 1 < b
                && self.char_at(i + 1).is_ascii_digit()
                && !self.char_before(i).is_some_and(|p| is_word(p) || p == '.')
            {
                // A plus sign before a telephone number is part of it
                // ("+44"), and so is a decimal point without a leading zero
                // (".45", "$.99").
                self.word(i, b)
            } else {
                self.punct(i, b)
            };
            // Every branch consumes at least one character; this guard keeps
            // the loop finite even if a rule were to return early.
            i = next.max(i + c.len_utf8());
        }
    }

    /// Reads punctuation or a symbol at `i`; returns where it ends.
    fn punct(&mut self, i: usize, b: usize) -> usize {
        let e = special::emoticon(&self.t[i..b]);
        if e > 0 {
            self.push(i, i + e, false);
            return i + e;
        }
        let c = self.char_at(i);
        let j = match c {
            // A file extension after a bracket: "(final).pdf".
            '.' if self.is_extension(i + 1, b) => self.run_of(i + 1, b, is_word),
            // An ellipsis is one token, apart from a question or exclamation
            // after it ("...?" → `...` `?`).
            '.' if self.char_at(i + 1) == '.' => self.run_of(i, b, |c| c == '.'),
            // Other sentence punctuation in any mix is one token: "?!",
            // "!!!", ".?", "…".
            '.' | '!' | '?' | '…' => self.run_of(i, b, |c| matches!(c, '.' | '!' | '?' | '…')),
            // Rules and arrows drawn with "-" or "=" and "<" or ">" are one
            // token: "->", "<==", "=-=-=".
            '-' | '=' | '<' | '>' if self.is_rule(i, b) => {
                self.run_of(i, b, |c| matches!(c, '-' | '=' | '<' | '>'))
            }
            // A colon or comma run into one question mark: "Phone:?".
            ',' | ':'
                if self.t[i + 1..b].starts_with('?') && !self.t[i + 2..b].starts_with('?') =>
            {
                i + 2
            }
            '\'' | '’' | '‘' | '`' => return self.quote(i, b),
            // Repeated marks used as rules, arrows or emphasis are one
            // token: "--", "***", "<<", "====", "$$".
            '-' | '—' | '–' | '*' | '=' | '~' | '#' | '<' | '>' | '+' | '$' | '^' | '_' | '|'
            | ',' => self.run_of(i, b, |d| d == c),
            // Emoji with their modifiers and joiners are one symbol:
            // a thumbs-up with a skin tone is one token.
            c if is_symbol(c) && !c.is_ascii() => self.emoji(i, b),
            c => i + c.len_utf8(),
        };
        self.push(i, j, false);
        j
    }

    /// Whether a run of "-", "=", "<" and ">" at `i` mixes its marks and
    /// draws a line: "-->", "=-=" (but "<>" is two marks).
    fn is_rule(&self, i: usize, b: usize) -> bool {
        let e = self.run_of(i, b, |c| matches!(c, '-' | '=' | '<' | '>'));
        let run = &self.t.as_bytes()[i..e];
        run.iter().any(|&x| x != run[0]) && run.iter().any(|&x| x == b'-' || x == b'=')
    }

    /// Whether a file extension ("doc") starts at `i` and ends the word.
    fn is_extension(&self, i: usize, b: usize) -> bool {
        let e = self.run_of(i, b, |c| c.is_ascii_alphanumeric());
        e > i
            && e - i <= 4
            && (e == b || !is_word(self.char_at(e)))
            && lexicon::is_name_suffix(&self.t[i..e])
    }

    /// The end of the run of characters matching `f` from `i`.
    fn run_of(&self, i: usize, b: usize, f: impl Fn(char) -> bool) -> usize {
        let mut j = i;
        while j < b && f(self.char_at(j)) {
            j += self.char_at(j).len_utf8();
        }
        j
    }

    /// An emoji and what modifies it: variation selectors, skin tones,
    /// keycap marks, tag characters, and a zero-width joiner with the next
    /// emoji ("👩‍💻"); or a flag ("🇳🇿").
    fn emoji(&self, i: usize, b: usize) -> usize {
        let first = self.char_at(i);
        let mut j = i + first.len_utf8();
        // A flag is a pair of regional indicator letters.
        let regional = |c: char| matches!(c as u32, 0x1F1E6..=0x1F1FF);
        if regional(first) && j < b && regional(self.char_at(j)) {
            j += self.char_at(j).len_utf8();
        }
        while j < b {
            let c = self.char_at(j);
            let extends = matches!(c as u32, 0xFE0E | 0xFE0F | 0x1F3FB..=0x1F3FF | 0x20E3 | 0xE0020..=0xE007F);
            if extends {
                j += c.len_utf8();
            } else if c == '\u{200D}' && j + 3 < b && is_symbol(self.char_at(j + 3)) {
                j += 3 + self.char_at(j + 3).len_utf8();
            } else {
                break;
            }
        }
        j
    }

    /// A quote or apostrophe at `i` not taken by a word on its left.
    fn quote(&mut self, i: usize, b: usize) -> usize {
        let c = self.char_at(i);
        let n = i + c.len_utf8();
        let next = if n < b { Some(self.char_at(n)) } else { None };
        // Doubled single quotes stand for a double quote: "''", "``", "’’".
        if let Some(d) = next
            && matches!(
                (c, d),
                ('\'', '\'') | ('`', '`') | ('’', '’') | ('‘', '‘') | ('‘', '’')
            )
        {
            self.push(i, n + d.len_utf8(), false);
            return n + d.len_utf8();
        }
        let opening = c == '‘'
            || match self.char_before(i) {
                None => true,
                Some(p) => is_opening(p) && p != c,
            };
        if opening && c != '‘' {
            // A clitic or a clipped word written after a space is a token
            // with its apostrophe: "it 's", "'em", "'cause"; so is a
            // clipped year: "the '90s".
            let w = self.run_of(n, b, is_word);
            if w > n && (w == b || !is_word(self.char_at(w))) {
                let word = &self.t[n..w];
                let year = word.len() == 2 && word.bytes().all(|x| x.is_ascii_digit())
                    || word.len() == 3
                        && word.starts_with(|x: char| x.is_ascii_digit())
                        && word.ends_with('s');
                if lexicon::is_clitic(word) || lexicon::is_apostrophe_word(word) || year {
                    self.push(i, w, false);
                    return w;
                }
            }
        }
        if c != '`' {
            self.single_open = opening;
        }
        self.push(i, n, false);
        n
    }
}

/// Separates tokens without being one: white space, control characters and
/// invisible marks such as the zero-width space and the byte-order mark.
#[inline]
fn is_separator(c: char) -> bool {
    if c.is_ascii() {
        // White space and control characters: all of ASCII up to the space,
        // and DEL.
        return c <= ' ' || c == '\u{7F}';
    }
    c.is_whitespace()
        || c.is_control()
        || matches!(
            c,
            '\u{200B}' | '\u{200E}' | '\u{200F}' | '\u{2060}' | '\u{FEFF}'
        )
}

/// Letters, digits and combining marks: the stuff of words. Outside ASCII,
/// everything that is neither a separator nor a known punctuation mark or
/// symbol counts, so that words of any script (with their vowel signs and
/// accents) hold together.
#[inline]
fn is_word(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else {
        !is_separator(c) && !is_symbol(c)
    }
}

/// Punctuation and symbols, ASCII and the common Unicode blocks of them.
fn is_symbol(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_punctuation();
    }
    matches!(c as u32,
        0x00A1..=0x00A9 | 0x00AB | 0x00AC | 0x00AE..=0x00B1 | 0x00B4 | 0x00B6..=0x00B8 | 0x00BB
        | 0x00BF | 0x00D7 | 0x00F7
        | 0x2010..=0x2027 | 0x2030..=0x205E // general punctuation
        | 0x20A0..=0x20CF // currency signs
        | 0x2100..=0x214F // letterlike symbols: ™ № ℃
        | 0x2190..=0x2BFF // arrows, mathematical and technical signs, shapes, dingbats
        | 0x2E00..=0x2E7F // supplemental punctuation
        | 0x3001..=0x303F // CJK punctuation
        | 0xFE10..=0xFE1F | 0xFE30..=0xFE6F // vertical and small forms
        | 0xFF01..=0xFF0F | 0xFF1A..=0xFF20 | 0xFF3B..=0xFF40 | 0xFF5B..=0xFF65 // full-width
        | 0x1F000..=0x1FAFF // emoji and pictographs
    )
}

/// Marks that open a bracket or quotation.
fn is_opening(c: char) -> bool {
    matches!(
        c,
        '(' | '[' | '{' | '<' | '"' | '“' | '‘' | '\'' | '`' | '«'
    )
}

/// Marks that close a bracket, quotation or sentence.
fn is_closing(c: char) -> bool {
    matches!(
        c,
        ')' | ']' | '}' | '>' | '"' | '”' | '’' | '\'' | '»' | '.' | ',' | ';' | ':' | '!' | '?'
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The tokens of `text`, the words of a multi-word token joined by "·".
    fn toks(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        tokenize(text, 0, text.len(), &mut out);
        let mut v = Vec::new();
        let mut joined = false;
        for w in &out {
            let s = &text[w.start..w.end];
            if joined {
                let last: &mut String = v.last_mut().unwrap();
                last.push('·');
                last.push_str(s);
            } else {
                v.push(s.to_string());
            }
            joined = w.joined;
        }
        v
    }

    #[test]
    fn offsets_point_into_the_whole_text() {
        let text = "skip Hello, wörld! skip";
        let mut out = Vec::new();
        tokenize(text, 5, 19, &mut out);
        let spans: Vec<_> = out.iter().map(|w| (w.start, w.end, w.joined)).collect();
        assert_eq!(
            spans,
            [
                (5, 10, false),
                (10, 11, false),
                (12, 18, false),
                (18, 19, false)
            ]
        );
        assert_eq!(&text[12..18], "wörld");
        // Words are appended, not replacing what `out` held.
        tokenize(text, 0, 4, &mut out);
        assert_eq!(out.len(), 5);
    }

    #[test]
    fn clitics_and_contractions_are_multi_word_tokens() {
        assert_eq!(
            toks("I'm sure they'll say we can't, won't or shouldn't."),
            [
                "I·'m",
                "sure",
                "they·'ll",
                "say",
                "we",
                "ca·n't",
                ",",
                "wo·n't",
                "or",
                "should·n't",
                "."
            ]
        );
        assert_eq!(toks("Elena's cat doesn't"), ["Elena·'s", "cat", "does·n't"]);
        assert_eq!(toks("It’s Ann’s turn"), ["It·’s", "Ann·’s", "turn"]);
        assert_eq!(
            toks("We're gonna wait, cannot stay"),
            ["We·'re", "gon·na", "wait", ",", "can·not", "stay"]
        );
        assert_eq!(toks("dunno, dont"), ["du·n·no", ",", "do·nt"]);
        assert_eq!(toks("the players' bus"), ["the", "players·'", "bus"]);
        assert_eq!(toks("O'Hara's o'clock"), ["O'Hara·'s", "o'clock"]);
        // A quotation in single quotes is not a possessive.
        assert_eq!(toks("'fast cars'"), ["'", "fast", "cars", "'"]);
        assert_eq!(toks("the '90s"), ["the", "'90s"]);
        assert_eq!(
            toks("its not bad, its color"),
            ["it·s", "not", "bad", ",", "its", "color"]
        );
    }

    #[test]
    fn abbreviations_keep_their_period_unless_it_ends_the_text() {
        assert_eq!(
            toks("Mr. Lee met Dr. Ito in the U.S. on Jan. 5, e.g. at noon."),
            [
                "Mr.", "Lee", "met", "Dr.", "Ito", "in", "the", "U.S.", "on", "Jan.", "5", ",",
                "e.g.", "at", "noon", "."
            ]
        );
        assert_eq!(
            toks("She moved to the U.S."),
            ["She", "moved", "to", "the", "U.S", "."]
        );
        assert_eq!(
            toks("Ask J. R. Smith (Ph.D.) now"),
            ["Ask", "J.", "R.", "Smith", "(", "Ph.D.", ")", "now"]
        );
        // A capitalised function word after an abbreviation starts a new
        // sentence; a name does not.
        assert_eq!(
            toks("pens, inks etc. The shop of Acme Inc. Lee opens"),
            [
                "pens", ",", "inks", "etc", ".", "The", "shop", "of", "Acme", "Inc.", "Lee",
                "opens"
            ]
        );
        assert_eq!(
            toks("No. 5 won. No. It lost"),
            ["No.", "5", "won", ".", "No", ".", "It", "lost"]
        );
        assert_eq!(toks("Dr.Ito"), ["Dr.", "Ito"]);
        assert_eq!(toks("Acme Inc.'s shares"), ["Acme", "Inc.·'s", "shares"]);
    }

    #[test]
    fn numbers_currencies_and_units() {
        assert_eq!(
            toks("3.5 1,000,000 12:30 1990s 5th $5 50% .45"),
            [
                "3.5",
                "1,000,000",
                "12:30",
                "1990s",
                "5th",
                "$",
                "5",
                "50",
                "%",
                ".45"
            ]
        );
        assert_eq!(
            toks("43bn 5pm 7:30PM 35mm"),
            ["43", "bn", "5", "pm", "7:30", "PM", "35", "mm"]
        );
        assert_eq!(
            toks("call +44 or 555-0100"),
            ["call", "+44", "or", "555-0100"]
        );
        assert_eq!(toks("1990-1995, -3"), ["1990", "-", "1995", ",", "-", "3"]);
        assert_eq!(toks("9/11 and 1/2"), ["9/11", "and", "1/2"]);
    }

    #[test]
    fn hyphens_slashes_and_dashes() {
        assert_eq!(
            toks("a well-known e-mail"),
            ["a", "well", "-", "known", "e-mail"]
        );
        assert_eq!(
            toks("non-stop 26-year-old"),
            ["non-stop", "26", "-", "year", "-", "old"]
        );
        assert_eq!(toks("and/or"), ["and", "/", "or"]);
        assert_eq!(
            toks("wait--now — then–"),
            ["wait", "--", "now", "—", "then", "–"]
        );
        assert_eq!(toks("th- the"), ["th-", "the"]);
    }

    #[test]
    fn punctuation_runs_quotes_and_brackets() {
        assert_eq!(
            toks("Wait... what?! No!!!"),
            ["Wait", "...", "what", "?!", "No", "!!!"]
        );
        assert_eq!(
            toks("\"Hi,\" she said (twice)."),
            ["\"", "Hi", ",", "\"", "she", "said", "(", "twice", ")", "."]
        );
        assert_eq!(toks("“Yes” ‘no’"), ["“", "Yes", "”", "‘", "no", "’"]);
        assert_eq!(
            toks("so... ok :) fine :-("),
            ["so", "...", "ok", ":)", "fine", ":-("]
        );
        assert_eq!(toks("great 👍🏽 ok 🇳🇿🇳🇿"), ["great", "👍🏽", "ok", "🇳🇿", "🇳🇿"]);
    }

    #[test]
    fn addresses_handles_and_file_names_are_one_token() {
        assert_eq!(
            toks("Mail ann.lee@example.org or see https://example.org/a-b?c=1."),
            [
                "Mail",
                "ann.lee@example.org",
                "or",
                "see",
                "https://example.org/a-b?c=1",
                "."
            ]
        );
        assert_eq!(
            toks("(www.example.com) @ann_lee #rustlang report_v2.pdf Example.com"),
            [
                "(",
                "www.example.com",
                ")",
                "@ann_lee",
                "#rustlang",
                "report_v2.pdf",
                "Example.com"
            ]
        );
        assert_eq!(
            toks("Ann<ann@example.org>"),
            ["Ann", "<", "ann@example.org", ">"]
        );
    }

    #[test]
    fn odd_ranges_and_inputs_do_not_panic() {
        let mut out = Vec::new();
        tokenize("", 0, 0, &mut out);
        tokenize("abc", 2, 1, &mut out);
        tokenize("abc", 1, 9, &mut out);
        tokenize("é", 1, 2, &mut out);
        assert!(out.is_empty());
        // Control characters and invisible marks separate words.
        let text = "a\u{0}b\u{7}c\u{200B}d";
        tokenize(text, 0, text.len(), &mut out);
        assert_eq!(out.len(), 4);
        out.clear();
        // No token reaches past the end of the range, even one that would
        // go on after it.
        let text = "Phone:? x";
        tokenize(text, 0, 6, &mut out);
        let last = out.last().unwrap();
        assert_eq!((last.start, last.end), (5, 6));
        out.clear();
        // Combining marks stay with their letters.
        let text = "e\u{301}\u{301} \u{301}x";
        tokenize(text, 0, text.len(), &mut out);
        assert_eq!(out.len(), 2);
    }

    #[test]
    fn a_megabyte_of_one_character_is_read_in_one_pass() {
        let units = [
            "a", ".", "-", "'", "(", ")", "1", "1,", "a.", "n't", "é", "\u{301}", "😀", ":", "a-",
            "+", "@a", "a+", "'a", "a'", "1-", ".1", "www.", "http://", "a@", "-=",
        ];
        for unit in units {
            let text = unit.repeat((1 << 20) / unit.len());
            let mut out = Vec::new();
            tokenize(&text, 0, text.len(), &mut out);
            assert!(!out.is_empty() && out.last().is_some_and(|w| w.end <= text.len()));
        }
    }

    /// The invariants every caller relies on, for `text[start..end]`.
    fn check_invariants(text: &str, start: usize, end: usize) -> Result<(), TestCaseError> {
        let mut out = Vec::new();
        tokenize(text, start, end, &mut out);
        let mut at = start;
        let mut covered = 0;
        for (i, w) in out.iter().enumerate() {
            prop_assert!(
                at <= w.start && w.start < w.end && w.end <= end,
                "{w:?} after {at}"
            );
            prop_assert!(text.is_char_boundary(w.start) && text.is_char_boundary(w.end));
            prop_assert!(!text[w.start..w.end].chars().any(is_separator), "{w:?}");
            if w.joined {
                prop_assert!(out.get(i + 1).is_some_and(|n| n.start == w.end), "{w:?}");
            }
            covered += w.end - w.start;
            at = w.end;
        }
        // Every character that is not a separator is in some word.
        let visible: usize = text[start..end]
            .chars()
            .filter(|&c| !is_separator(c))
            .map(char::len_utf8)
            .sum();
        prop_assert_eq!(covered, visible);
        Ok(())
    }

    proptest! {
        #[test]
        fn words_are_ordered_disjoint_visible_spans(
            text in "[a-zA-Z0-9 .,;:'’`\"“”()\\[\\]<>/@#$%&*+=_!?…—–-]{0,40}|\\PC{0,30}|[aA1.' \u{301}é😀\u{200D}\u{FE0F}\t\n\u{0}-]{0,40}",
            cut in any::<(usize, usize)>(),
        ) {
            check_invariants(&text, 0, text.len())?;
            let bounds: Vec<usize> = (0..=text.len()).filter(|&i| text.is_char_boundary(i)).collect();
            let (a, b) = (bounds[cut.0 % bounds.len()], bounds[cut.1 % bounds.len()]);
            check_invariants(&text, a.min(b), a.max(b))?;
        }
    }
}

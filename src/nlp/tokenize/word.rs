//! Words: runs of letters and digits, the marks the treebanks keep between
//! them, and the splits inside ("do|n't", "gon|na", "5|pm").

use super::{Scanner, is_word, lexicon};

/// A maximal run of word characters inside a word.
#[derive(Clone, Copy, Debug)]
pub(super) struct Run {
    s: usize,
    e: usize,
    /// Only ASCII digits.
    digits: bool,
    /// No digit of any script.
    letters: bool,
    /// Length in characters.
    chars: usize,
}

/// What a mark between two runs does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Join {
    /// Stays inside the token: "3.5", "U.S", "e-mail".
    Keep,
    /// Is a token of its own between two tokens: "and/or", "well-known".
    Split,
    /// Ends the token on its left with its period: "Dr.Lee" → `Dr.` `Lee`.
    SplitAbbr,
    /// Starts a clitic at this byte, in the same surface token: "do|n't".
    Clitic(usize),
}

/// Marks that may stay inside a word when a word character follows.
fn is_joiner(c: char) -> bool {
    matches!(
        c,
        '\'' | '’' | '`' | '.' | ',' | ':' | '-' | '‐' | '‑' | '/' | '&' | '_' | '@' | '*'
    )
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’' | '`')
}

impl Scanner<'_, '_> {
    /// Reads the word starting at `i` (a word character, or a plus sign or
    /// decimal point before a digit) within `..b`; returns where it ends.
    pub(super) fn word(&mut self, i: usize, b: usize) -> usize {
        let mut runs = std::mem::take(&mut self.runs);
        runs.clear();
        let mut p = if matches!(self.char_at(i), '+' | '.') {
            i + 1
        } else {
            i
        };
        loop {
            let s = p;
            let (mut digits, mut letters, mut chars) = (true, true, 0);
            while p < b {
                let c = self.char_at(p);
                if !is_word(c) {
                    break;
                }
                if c.is_ascii_digit() || c.is_numeric() {
                    letters = false;
                }
                if !c.is_ascii_digit() {
                    digits = false;
                }
                chars += 1;
                p += c.len_utf8();
            }
            runs.push(Run {
                s,
                e: p,
                digits: digits && chars > 0,
                letters,
                chars,
            });
            if p < b {
                let c = self.char_at(p);
                let q = p + c.len_utf8();
                if is_joiner(c) && q < b && is_word(self.char_at(q)) {
                    p = q;
                    continue;
                }
            }
            break;
        }
        let end = self.emit(i, b, &runs);
        self.runs = runs;
        end
    }

    /// Pushes the tokens of the word `i..` made of `runs`; returns its end,
    /// which takes in a trailing period, possessive apostrophe or
    /// truncation hyphen when one belongs to it.
    fn emit(&mut self, i: usize, b: usize, runs: &[Run]) -> usize {
        let mut tok = i;
        let mut first = 0;
        let mut cached: Option<(usize, Join)> = None;
        for k in 0..runs.len() - 1 {
            let (l, r) = (runs[k], runs[k + 1]);
            let join = match cached {
                Some((until, j)) if k <= until => j,
                _ => {
                    let (until, j) = self.decide(runs, k, tok);
                    cached = Some((until, j));
                    j
                }
            };
            match join {
                Join::Keep => continue,
                Join::Split => {
                    self.finish(tok, l.e, &runs[first..=k], false);
                    self.push(l.e, r.s, false);
                }
                Join::SplitAbbr => self.push(tok, r.s, false),
                Join::Clitic(at) => {
                    self.finish(tok, at, &runs[first..=k], true);
                    tok = at;
                    first = k + 1;
                    continue;
                }
            }
            tok = r.s;
            first = k + 1;
        }
        let runs = &runs[first..];
        let p = runs[runs.len() - 1].e;
        let end = if p < b {
            self.trailing(tok, p, b, runs)
        } else {
            p
        };
        if end == p {
            let w = &self.t[tok..p];
            if p == b
                && (w.eq_ignore_ascii_case("its") && self.next_word_is(lexicon::follows_it_is)
                    || w == "Lets"
                    || w == "lets" && self.next_word_is(lexicon::follows_let_us))
            {
                // "its" and "lets" written for "it's" and "let's" ("its not
                // that hard", "Lets go") are split as the contractions:
                // `it` `s`, `Let` `s`; the next word tells them from the
                // possessive and the verb ("its color", "lets them").
                self.push(tok, p - 1, true);
                self.push(p - 1, p, false);
            } else {
                self.finish(tok, p, runs, false);
            }
        }
        end
    }

    /// Takes in the mark at `p` after the token `tok..p` when it belongs to
    /// it, pushing the token; returns the new end, or `p` when the mark is
    /// not the token's (and nothing was pushed).
    fn trailing(&mut self, tok: usize, p: usize, b: usize, runs: &[Run]) -> usize {
        let c = self.char_at(p);
        let after = p + c.len_utf8();
        let next = if after < b { self.char_at(after) } else { ' ' };
        let word = &self.t[tok..p];
        let keep = match c {
            // An abbreviation, initial or dotted acronym keeps its period
            // ("Mr.", "J.", "U.S."), except where the period also ends the
            // text: "made in the U.S." → `U.S` `.`; and also before a
            // second period that ends the sentence ("Jr.." → `Jr.` `.`).
            '.' if next != '.' => {
                self.abbreviation_like(tok, p, runs)
                    && !self.ends_text(after, b)
                    && !(after == b && self.ends_sentence(word))
            }
            '.' => {
                let third = after + 1 < b && self.char_at(after + 1) == '.';
                !third && self.abbreviation_like(tok, p, runs)
            }
            '\'' | '’' if is_word(next) || self.single_open => false,
            '\'' | '’' if word.ends_with(['s', 'S', 'x', 'z']) => {
                // A plural possessive takes the bare apostrophe as its
                // clitic: "the players' union" → `players` `'`.
                self.finish(tok, p, runs, true);
                self.push(p, after, false);
                return after;
            }
            // A dropped final g keeps its apostrophe: "nothin'".
            '\'' | '’' => {
                word.len() >= 4
                    && word.ends_with("in")
                    && word.bytes().all(|x| x.is_ascii_lowercase())
            }
            // A word broken off in speech keeps its hyphen: "th- the",
            // "Wh- why", "conf- confirmed"; a longer word before a hyphen
            // and a space is mostly a whole word before a dash, unless the
            // next word starts again the way it did.
            '-' => {
                !is_word(next)
                    && next != '-'
                    && runs.len() == 1
                    && runs[0].letters
                    && (runs[0].chars <= 3 || after == b && self.restarts(word))
            }
            // A name written with its exclamation mark: "Yahoo!" (the one
            // such name in train).
            '!' => word == "Yahoo",
            _ => false,
        };
        if !keep {
            return p;
        }
        // An abbreviation's possessive: "Acme Inc.'s" → `Inc.` `'s`.
        let rest = &self.t[after..b];
        let clitic = ["'s", "’s"]
            .iter()
            .find(|s| rest.starts_with(**s))
            .map_or(0, |s| s.len());
        if c == '.' && clitic > 0 && !rest[clitic..].starts_with(is_word) {
            self.push(tok, after, true);
            self.push(after, after + clitic, false);
            return after + clitic;
        }
        self.push(tok, after, false);
        after
    }

    /// Decides the mark after `runs[k]`; returns the last mark index the
    /// decision covers (a chain of dots or of hyphens between digit groups
    /// is decided at once, which keeps the reading linear).
    fn decide(&self, runs: &[Run], k: usize, tok: usize) -> (usize, Join) {
        let (l, r) = (runs[k], runs[k + 1]);
        let text = |r: Run| &self.t[r.s..r.e];
        let mark = self.char_at(l.e);
        let join_if = |keep: bool| if keep { Join::Keep } else { Join::Split };
        let chain = |m: usize, same: &dyn Fn(Run) -> bool| {
            let mut m = m;
            while m + 2 < runs.len() && self.char_at(runs[m + 1].e) == mark && same(runs[m + 2]) {
                m += 1;
            }
            m
        };
        let j = match mark {
            '.' => {
                let m = chain(k, &|_| true);
                // Dotted acronyms ("U.S.A", "e.g", "Ph.D") and names with
                // several dots ("comp.lang.rust", "10.0.0.1") stay whole.
                if m > k || runs[k..=m + 1].iter().all(|r| r.letters && r.chars <= 2) {
                    return (m, Join::Keep);
                }
                let lb = self.t.as_bytes()[l.e - 1];
                let rb = self.t.as_bytes()[r.s];
                if lb.is_ascii_digit() && rb.is_ascii_digit() || lexicon::is_name_suffix(text(r)) {
                    // A decimal ("3.5", "v2.1") or a domain or file name.
                    Join::Keep
                } else if self.abbreviation_like(tok, l.e, &runs[k..=k]) {
                    // A missing space after an abbreviation: "Dr.Lee".
                    Join::SplitAbbr
                } else if rb.is_ascii_uppercase() && !lb.is_ascii_uppercase()
                    || rb.is_ascii_digit() && !lb.is_ascii_digit()
                {
                    // A missing space after a sentence: "late.Then",
                    // "below.2".
                    Join::Split
                } else {
                    // Names of newsgroups, hosts and the like: "rec.music".
                    Join::Keep
                }
            }
            // Thousands separators: "1,000,000", "2,500kg" (unit split later),
            // and decimal commas: "2,5" (but "red,green").
            ',' => join_if(l.digits && self.lead_digits(r) > 0),
            // Clock times and ratios: "12:30", "3:1" (also "7:30PM", whose
            // unit is split later).
            ':' => join_if(l.digits && self.lead_digits(r) > 0),
            // Dates and fractions ("9/11", "1/2"), and letter pairs such as
            // "w/o" and "I/O"; "and/or" splits.
            '/' => join_if(
                l.digits && r.digits || l.letters && r.letters && l.chars == 1 && r.chars == 1,
            ),
            // Short initialisms: "AT&T", "R&D" (but "rock&roll" splits).
            '&' => join_if(l.letters && r.letters && l.chars <= 3 && r.chars <= 3),
            '_' | '@' => Join::Keep,
            // A word censored with one star: "d*mn".
            '*' => join_if(l.letters && r.letters),
            '-' | '‐' | '‑' if l.digits && r.digits => {
                // Telephone numbers, codes and dates stay whole
                // ("555-0100", "1-800-555-0199", "12-31-2020"); ranges
                // split ("5-10", "1990-1995").
                let m = chain(k, &|r| r.digits);
                let keep = m > k || r.chars == 4 && l.chars != 4;
                return (m, join_if(keep));
            }
            // A hyphen after a prefix or before a suffix stays ("non-stop",
            // "e-mail", "price-wise"), and one touching a code of letters
            // and digits ("x3-100"); all others split ("well-known" →
            // `well` `-` `known`).
            '-' | '‐' | '‑' => join_if(
                l.s == tok && l.letters && lexicon::is_hyphen_prefix(text(l))
                    || r.letters && k + 2 == runs.len() && lexicon::is_hyphen_suffix(text(r))
                    // The Persian ezafe on a name: "Kuh-e Sabz".
                    || k + 2 == runs.len() && text(r) == "e" && l.letters && l.chars > 1
                    || self.is_code(l)
                    || self.is_code(r),
            ),
            _ if is_apostrophe(mark) => {
                // A clitic at the end of a word: "it's", "we'll", "don't";
                // other apostrophes are inside names ("O'Hara").
                let ends = k + 2 == runs.len() || matches!(self.char_at(r.e), '-' | '/');
                let lt = text(l);
                if l.digits && lt.ends_with('0') {
                    // Decades keep their "'s": "the 1990's" (but "2003's
                    // budget" is a possessive).
                    Join::Keep
                } else if ends && lexicon::is_clitic(text(r)) {
                    Join::Clitic(l.e)
                } else if ends
                    && text(r).eq_ignore_ascii_case("t")
                    && l.chars >= 2
                    && lt.ends_with(['n', 'N'])
                {
                    Join::Clitic(l.e - 1)
                } else {
                    Join::Keep
                }
            }
            _ => Join::Split,
        };
        (k, j)
    }

    /// The number of ASCII digits `r` starts with.
    fn lead_digits(&self, r: Run) -> usize {
        self.t[r.s..r.e]
            .bytes()
            .take_while(u8::is_ascii_digit)
            .count()
    }

    /// A run of letters and digits that is not a number with letters after
    /// it ("x3", "B52"; but not "5pm", "17th", "4A").
    fn is_code(&self, r: Run) -> bool {
        let d = self.lead_digits(r);
        !(r.letters
            || r.digits
            || d > 0
                && self.t[r.s + d..r.e]
                    .bytes()
                    .all(|x| x.is_ascii_alphabetic()))
    }

    /// Whether the token `tok..p` made of `runs` would keep a period at `p`:
    /// a single letter, a dotted acronym or a listed abbreviation.
    fn abbreviation_like(&self, tok: usize, p: usize, runs: &[Run]) -> bool {
        let single = runs.len() == 1 && runs[0].s == tok;
        if single && runs[0].letters && runs[0].chars == 1 {
            return true;
        }
        if runs.len() >= 2
            && runs[0].s == tok
            && runs.iter().all(|r| r.letters && r.chars <= 2)
            && runs[..runs.len() - 1]
                .iter()
                .all(|r| self.char_at(r.e) == '.')
        {
            return true;
        }
        self.t
            .get(tok..p + 1)
            .is_some_and(|w| w.len() <= 12 && lexicon::is_abbreviation(w))
    }

    /// Whether the abbreviation `word`, whose period ends the chunk, also
    /// ends its sentence: when the next chunk opens with a capitalised
    /// function word ("... and so on, etc. The next ..."); and "No." ends
    /// one unless a number follows ("No. 5", but "No. We can't").
    fn ends_sentence(&self, word: &str) -> bool {
        let n = self.next_chunk;
        if n >= self.end {
            return false;
        }
        let first = self.t.as_bytes()[n];
        if word.eq_ignore_ascii_case("no") {
            return !(first.is_ascii_digit() || first == b'#');
        }
        // These introduce what follows them.
        if ["p.s", "ps", "i.e", "e.g", "cf", "viz"]
            .iter()
            .any(|a| word.eq_ignore_ascii_case(a))
        {
            return false;
        }
        self.next_word_is(lexicon::is_sentence_opener)
    }

    /// Whether the next chunk starts with the first letter of `word`.
    fn restarts(&self, word: &str) -> bool {
        let n = self.next_chunk;
        n < self.end
            && word
                .as_bytes()
                .first()
                .is_some_and(|f| f.eq_ignore_ascii_case(&self.t.as_bytes()[n]))
    }

    /// Whether the next chunk starts with a word of at most ten letters,
    /// not an initial ("A."), for which `f` holds.
    fn next_word_is(&self, f: fn(&str) -> bool) -> bool {
        let n = self.next_chunk;
        let bytes = &self.t.as_bytes()[n.min(self.end)..self.end.min(n + 10)];
        let e = n + bytes.iter().take_while(|x| x.is_ascii_alphabetic()).count();
        e > n && (e == self.end || self.t.as_bytes()[e] != b'.') && f(&self.t[n..e])
    }

    /// Whether nothing but closing quotes and brackets follows `q` up to
    /// the end of the range.
    fn ends_text(&self, q: usize, b: usize) -> bool {
        self.last_chunk
            && self.t[q..b]
                .chars()
                .all(|c| matches!(c, ')' | ']' | '}' | '"' | '”' | '’' | '\'' | '»'))
    }

    /// Pushes the token `s..e` whose last run is the last of `runs`,
    /// splitting an apostrophe-less contraction or a unit after a number.
    fn finish(&mut self, s: usize, e: usize, runs: &[Run], joined: bool) {
        let t = self.t;
        if let [run] = runs
            && run.s == s
            && run.e == e
            && run.letters
            && (2..=9).contains(&run.chars)
            && let Some(split) = lexicon::split_word(&t[s..e])
        {
            // "gonna" → `gon` `na`, "dunno" → `du` `n` `no` (words of one
            // token); "alot" → `a` `lot` (two tokens).
            let a = s + split.at;
            self.push(s, a, split.joined);
            match split.second {
                Some(c) => {
                    self.push(a, s + c, split.joined);
                    self.push(s + c, e, joined);
                }
                None => self.push(a, e, joined),
            }
            return;
        }
        if let Some(last) = runs.last()
            && last.e == e
            && !last.digits
            && !last.letters
            && t.as_bytes()[last.s].is_ascii_digit()
        {
            // A number written against its unit: "5pm", "43bn", "7:30PM".
            let d = last.s + t[last.s..e].bytes().take_while(u8::is_ascii_digit).count();
            let unit = &t[d..e];
            if unit.bytes().all(|x| x.is_ascii_alphabetic()) && lexicon::is_unit(unit)
                || unit == "º"
            {
                self.push(s, d, false);
                self.push(d, e, joined);
                return;
            }
        }
        self.push(s, e, joined);
    }
}

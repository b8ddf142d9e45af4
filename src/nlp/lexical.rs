//! What the models see of a word: hashes of its form, lower case, affixes
//! and shape, computed once per word and shared by the tagger, the parser
//! and the entity recogniser.
//!
//! Digits are folded to `0` in the lowered form, so "1985" and "2023" are
//! one word to the models and years need not each be learnt; curly quotes
//! and apostrophes are folded to straight ones, so "don’t" reads as "don't".

use super::perceptron::{fmix, hash_str};
use super::wordnet;

/// Hashed atoms of one word.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Atoms {
    /// The form as written (quotes folded).
    pub form: u64,
    /// Lower case, digits as `0`.
    pub lower: u64,
    /// Last 1, 2, 3 and 4 characters of `lower`.
    pub suffix: [u64; 4],
    /// First 1, 2 and 3 characters of `lower`.
    pub prefix: [u64; 3],
    /// Character classes with runs capped at two: "McCain" → "XxXx", "G-20" → "X-dd".
    pub shape: u64,
    /// [`FLAG_UPPER_START`] and friends.
    pub flags: u8,
    /// What WordNet says the word can be ([`wordnet::classes`]).
    pub lex: u8,
    /// WordNet supersenses of the most frequent noun and verb senses,
    /// `noun << 8 | verb` (0 for none).
    pub sense: u16,
}

/// First character is upper case.
pub const FLAG_UPPER_START: u8 = 1;
/// Every letter is upper case (and there are at least two).
pub const FLAG_ALL_UPPER: u8 = 2;
/// Has a digit.
pub const FLAG_DIGIT: u8 = 4;
/// Has a hyphen inside.
pub const FLAG_HYPHEN: u8 = 8;
/// Has no letter or digit.
pub const FLAG_PUNCT: u8 = 16;
/// Has a period.
pub const FLAG_PERIOD: u8 = 32;

/// Folds the characters that vary in typography but not in meaning.
#[inline]
pub fn fold(c: char) -> char {
    match c {
        '\u{2018}' | '\u{2019}' | '\u{201B}' | '\u{2032}' | '`' => '\'',
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' => '"',
        '\u{2013}' | '\u{2014}' | '\u{2212}' => '-',
        _ => c,
    }
}

/// The lowered, folded form ("Don’t" → "don't", "1,500" → "0,000").
pub fn lowered(form: &str) -> String {
    let mut s = String::with_capacity(form.len());
    for c in form.chars() {
        let c = fold(c);
        if c.is_ascii_digit() {
            s.push('0');
        } else {
            s.extend(c.to_lowercase());
        }
    }
    s
}

impl Atoms {
    /// The atoms of one word; `buf` is scratch space reused between calls.
    pub fn of(form: &str, buf: &mut String) -> Atoms {
        buf.clear();
        let mut shape = String::with_capacity(8);
        let mut last: Option<char> = None;
        let mut run = 0;
        let (mut upper, mut lower_letters, mut digit, mut alnum) = (0usize, 0usize, false, false);
        let mut hyphen = false;
        let mut period = false;
        let mut folded_form = String::with_capacity(form.len());
        for (i, c) in form.chars().enumerate() {
            let c = fold(c);
            folded_form.push(c);
            let class = if c.is_uppercase() {
                upper += 1;
                alnum = true;
                'X'
            } else if c.is_alphabetic() {
                lower_letters += 1;
                alnum = true;
                'x'
            } else if c.is_numeric() {
                digit = true;
                alnum = true;
                'd'
            } else {
                if c == '-' && i > 0 {
                    hyphen = true;
                }
                if c == '.' {
                    period = true;
                }
                c
            };
            if Some(class) == last {
                run += 1;
            } else {
                run = 1;
                last = Some(class);
            }
            if run <= 2 && shape.len() < 16 {
                shape.push(class);
            }
            if c.is_ascii_digit() {
                buf.push('0');
            } else {
                buf.extend(c.to_lowercase());
            }
        }
        let mut flags = 0;
        if form.chars().next().is_some_and(char::is_uppercase) {
            flags |= FLAG_UPPER_START;
        }
        if upper >= 2 && lower_letters == 0 {
            flags |= FLAG_ALL_UPPER;
        }
        if digit {
            flags |= FLAG_DIGIT;
        }
        if hyphen {
            flags |= FLAG_HYPHEN;
        }
        if !alnum {
            flags |= FLAG_PUNCT;
        }
        if period {
            flags |= FLAG_PERIOD;
        }
        let lower = buf.as_str();
        let info = wordnet::lookup(lower);
        let mut suffix = [0u64; 4];
        let mut prefix = [0u64; 3];
        let ends: Vec<usize> = lower.char_indices().map(|(i, _)| i).collect();
        for k in 1..=4 {
            let from = if ends.len() >= k {
                ends[ends.len() - k]
            } else {
                0
            };
            suffix[k - 1] = fmix(hash_str(&lower[from..]) ^ k as u64);
        }
        for k in 1..=3 {
            let to = ends.get(k).copied().unwrap_or(lower.len());
            prefix[k - 1] = fmix(hash_str(&lower[..to]) ^ (16 + k as u64));
        }
        Atoms {
            form: hash_str(&folded_form),
            lower: hash_str(lower),
            suffix,
            prefix,
            shape: fmix(hash_str(&shape) ^ 99),
            flags,
            lex: info.classes,
            sense: (info.noun as u16) << 8 | info.verb as u16,
        }
    }
}

impl Atoms {
    /// Whether the word has at most four characters: then its last four
    /// characters are the whole word, so its four-character suffix is
    /// hashed from the same text as its lower case.
    pub fn at_most_four_chars(&self) -> bool {
        self.suffix[3] == fmix(self.lower ^ 4)
    }
}

/// Atoms standing for "no word here" (before the sentence, after it).
pub const PAD: Atoms = Atoms {
    form: 0x5ad_5ad,
    lower: 0x5ad_5ad,
    suffix: [1, 2, 3, 4],
    prefix: [5, 6, 7],
    shape: 8,
    flags: 0,
    lex: 0,
    sense: 0,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_digits_case_and_quotes() {
        let mut b = String::new();
        let a = Atoms::of("Don’t", &mut b);
        assert_eq!(b, "don't");
        let c = Atoms::of("don't", &mut b);
        assert_eq!(a.lower, c.lower);
        assert_ne!(a.form, c.form);
        assert_eq!(a.flags & FLAG_UPPER_START, FLAG_UPPER_START);
        let y1 = Atoms::of("1985", &mut b);
        let y2 = Atoms::of("2023", &mut b);
        assert_eq!(y1.lower, y2.lower);
        assert_eq!(y1.flags & FLAG_DIGIT, FLAG_DIGIT);
        assert_eq!(lowered("G-20"), "g-00");
    }

    #[test]
    fn tells_short_words_from_long() {
        let mut b = String::new();
        for (w, short) in [
            ("on", true),
            ("over", true),
            ("a", true),
            ("spoke", false),
            ("minister", false),
        ] {
            assert_eq!(Atoms::of(w, &mut b).at_most_four_chars(), short, "{w}");
        }
    }

    #[test]
    fn shapes_cap_runs() {
        let mut b = String::new();
        assert_eq!(
            Atoms::of("McCain", &mut b).shape,
            Atoms::of("DeWitt", &mut b).shape
        );
        assert_ne!(
            Atoms::of("McCain", &mut b).shape,
            Atoms::of("MCCAIN", &mut b).shape
        );
        assert_eq!(
            Atoms::of("NATO", &mut b).flags & FLAG_ALL_UPPER,
            FLAG_ALL_UPPER
        );
        assert_eq!(Atoms::of("...", &mut b).flags & FLAG_PUNCT, FLAG_PUNCT);
        let e = Atoms::of("", &mut b);
        assert_eq!(e.flags, FLAG_PUNCT);
    }
}

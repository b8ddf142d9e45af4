//! What Princeton WordNet says a word can be: noun, verb, adjective,
//! adverb, or a proper name. The treebanks show the models some 25,000
//! distinct words; news uses many more, and for a word the models never saw,
//! knowing that WordNet has it as a verb, or has no entry at all (most
//! often a name), is the best evidence there is.
//!
//! The data is `data/nlp/wordnet.tsv` (built by
//! `data/nlp/make-wordnet-lexicon.sh`; credit and licence in
//! `data/nlp/README.md`), compiled in and read on first use.

use std::sync::LazyLock;

use rustc_hash::FxHashMap;

/// WordNet has the word as a noun.
pub const NOUN: u8 = 1;
/// As a verb.
pub const VERB: u8 = 2;
/// As an adjective.
pub const ADJ: u8 = 4;
/// As an adverb.
pub const ADV: u8 = 8;
/// As a capitalised noun (a proper name).
pub const PROPER: u8 = 16;
/// Found only through an inflection rule ("blogged" → "blog").
pub const INFLECTED: u8 = 32;

/// What WordNet says of one word.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Info {
    /// [`NOUN`], [`VERB`], ... bits.
    pub classes: u8,
    /// Lexicographer file of the most frequent noun sense (its
    /// "supersense": 18 person, 15 location, 14 group, 28 time, ...), 0 for none.
    pub noun: u8,
    /// The same for the most frequent verb sense (32 communication, ...).
    pub verb: u8,
}

static LEXICON: LazyLock<FxHashMap<&'static str, Info>> = LazyLock::new(|| {
    let text = include_str!("../../data/nlp/wordnet.tsv");
    let mut map = FxHashMap::default();
    map.reserve(90_000);
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let mut cols = line.split('\t');
        let (Some(word), Some(classes)) = (cols.next(), cols.next()) else {
            continue;
        };
        // Supersense numbers are stored one up, so that 0 means none.
        let noun = cols
            .next()
            .and_then(|v| v.parse::<u8>().ok())
            .map_or(0, |v| v.saturating_add(1));
        let verb = cols
            .next()
            .and_then(|v| v.parse::<u8>().ok())
            .map_or(0, |v| v.saturating_add(1));
        let mut f = 0;
        for c in classes.chars() {
            f |= match c {
                'n' => NOUN,
                'v' => VERB,
                'a' => ADJ,
                'r' => ADV,
                'P' => PROPER,
                _ => 0,
            };
        }
        map.insert(
            word,
            Info {
                classes: f,
                noun,
                verb,
            },
        );
    }
    map
});

/// Loads the lexicon now rather than at the first word.
pub fn preload() {
    LazyLock::force(&LEXICON);
}

/// The classes of a lower-case word and of the bases it is a regular
/// inflection of; 0 when WordNet has none of them.
pub fn classes(lower: &str) -> u8 {
    lookup(lower).classes
}

/// Everything WordNet says of a lower-case word: its own entry, joined
/// with the entries of the bases it is a regular inflection of.
pub fn lookup(lower: &str) -> Info {
    let lex = &*LEXICON;
    // A listed word may still be an inflection too: "hurried" is listed
    // as an adjective, and is more often the verb's past.
    let mut info = lex.get(lower).copied().unwrap_or_default();
    let direct = info.classes;
    let mut base = |stem: &str, add: &str, want: u8| -> u8 {
        if stem.len() < 2 {
            return 0;
        }
        let b = if add.is_empty() {
            lex.get(stem).copied()
        } else {
            let mut s = String::with_capacity(stem.len() + add.len());
            s.push_str(stem);
            s.push_str(add);
            lex.get(s.as_str()).copied()
        };
        let Some(b) = b else { return 0 };
        let got = b.classes & want;
        if got & NOUN != 0 && info.noun == 0 {
            info.noun = b.noun;
        }
        if got & VERB != 0 && info.verb == 0 {
            info.verb = b.verb;
        }
        got
    };
    let mut f = 0;
    // Regular inflections: plural and third person "-s"/"-es"/"-ies",
    // past "-ed"/"-ied" (with a doubled consonant: "stopped"), "-ing"
    // (with a dropped "e": "making"), comparatives "-er"/"-est".
    for (suffix, add, want) in [
        ("ies", "y", NOUN | VERB),
        ("es", "", NOUN | VERB),
        ("s", "", NOUN | VERB),
        ("ied", "y", VERB),
        ("ed", "", VERB),
        ("ed", "e", VERB),
        ("d", "", VERB),
        ("ing", "", VERB),
        ("ing", "e", VERB),
        ("ier", "y", ADJ),
        ("iest", "y", ADJ),
        ("er", "", ADJ),
        ("er", "e", ADJ),
        ("est", "", ADJ),
        ("est", "e", ADJ),
    ] {
        if let Some(stem) = lower.strip_suffix(suffix) {
            f |= base(stem, add, want);
            // "stopped", "running", "bigger": a doubled final consonant.
            let b = stem.as_bytes();
            if (suffix == "ed" || suffix == "ing" || suffix == "er" || suffix == "est")
                && b.len() >= 3
                && b[b.len() - 1] == b[b.len() - 2]
                && !b"aeiou".contains(&b[b.len() - 1])
            {
                f |= base(&stem[..stem.len() - 1], "", want);
            }
        }
    }
    if f & !direct != 0 {
        info.classes = direct | f | INFLECTED;
    }
    info
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_their_inflections() {
        assert_eq!(classes("run") & (NOUN | VERB), NOUN | VERB);
        assert_eq!(classes("went") & VERB, VERB);
        assert!(classes("paris") & PROPER != 0);
        assert_eq!(classes("stopped") & VERB, VERB);
        assert_eq!(classes("jumped") & (VERB | INFLECTED), VERB | INFLECTED);
        assert_eq!(classes("hurried") & VERB, VERB);
        assert_eq!(classes("taking") & VERB, VERB);
        assert_eq!(classes("greener") & ADJ, ADJ);
        assert_eq!(classes("xqzv"), 0);
        assert_eq!(classes(""), 0);
        assert_eq!(classes("qzxings"), 0);
        let said = lookup("said");
        assert_eq!(said.verb, 32 + 1, "verb.communication");
        assert_eq!(
            lookup("mondays").noun,
            28 + 1,
            "noun.time, through the plural"
        );
    }
}

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

static LEXICON: LazyLock<FxHashMap<&'static str, u8>> = LazyLock::new(|| {
    let text = include_str!("../../data/nlp/wordnet.tsv");
    let mut map = FxHashMap::default();
    map.reserve(90_000);
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let Some((word, classes)) = line.split_once('\t') else { continue };
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
        map.insert(word, f);
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
    let lex = &*LEXICON;
    // A listed word may still be an inflection too: "hurried" is listed
    // as an adjective, and is more often the verb's past.
    let direct = lex.get(lower).copied().unwrap_or(0);
    let base = |stem: &str, add: &str, want: u8| -> u8 {
        if stem.len() < 2 {
            return 0;
        }
        let f = if add.is_empty() {
            lex.get(stem).copied()
        } else {
            let mut s = String::with_capacity(stem.len() + add.len());
            s.push_str(stem);
            s.push_str(add);
            lex.get(s.as_str()).copied()
        };
        f.unwrap_or(0) & want
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
    if f & !direct != 0 { direct | f | INFLECTED } else { direct }
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
    }
}

//! Gazetteers and word lists, compiled into the binary from `data/`.
//!
//! Architecture invariant: every name list the extractor consults lives in a
//! data file under `data/gazetteers` or `data/lexicon`, loaded here with
//! `include_str!` so the binary works anywhere; no list is written in code.

use std::collections::{HashMap as StdHashMap, HashSet as StdHashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::LazyLock;

/// FNV-1a: the lexicon is looked up for every word, with short keys; SipHash's
/// DoS resistance buys nothing for compiled-in data.
#[derive(Default)]
pub struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

/// A map with the FNV hasher.
pub type HashMap<K, V> = StdHashMap<K, V, BuildHasherDefault<Fnv>>;
/// A set with the FNV hasher.
pub type HashSet<K> = StdHashSet<K, BuildHasherDefault<Fnv>>;

use crate::model::normalize_name;

/// A country with its other names, demonyms and capital(s).
#[derive(Debug)]
pub struct Country {
    /// Canonical name ("United States").
    pub name: &'static str,
    /// Other names ("US", "U.S.").
    pub aliases: Vec<&'static str>,
    /// Demonyms ("American").
    pub demonyms: Vec<&'static str>,
}

/// Everything loaded from the data files.
pub struct Lexicon {
    /// Countries in file order.
    pub countries: Vec<Country>,
    /// normalize_name(country name or alias) → index in `countries`.
    pub country_by_name: HashMap<String, usize>,
    /// normalize_name(demonym) → country index.
    pub country_by_demonym: HashMap<String, usize>,
    /// normalize_name(capital) → country index.
    pub country_by_capital: HashMap<String, usize>,
    /// Nouns that end a role phrase ("minister").
    pub role_heads: HashSet<&'static str>,
    /// Role heads that name an employee of the organization before them ("ministry spokeswoman").
    pub employee_heads: HashSet<&'static str>,
    /// Capitalized adjectives that do not start a name ("Western claims").
    pub adjectives: HashSet<String>,
    /// Words allowed inside a capitalized title ("prime", "state").
    pub title_words: HashSet<&'static str>,
    /// Honorifics ("Mr", "President"), lower case without the final dot.
    pub honorifics: HashSet<String>,
    /// Month name → 1..=12.
    pub months: HashMap<&'static str, u32>,
    /// Weekday name → 0 (Monday) ..= 6.
    pub weekdays: HashMap<&'static str, u32>,
    /// Season name → month it starts in ("summer" → 6).
    pub seasons: HashMap<&'static str, u32>,
    /// Number word → value ("two" → 2), for time expressions.
    pub numbers: HashMap<&'static str, u32>,
    /// Kind words: lower-case word → kind name ("organization", "work", "place").
    pub kind_words: HashMap<&'static str, &'static str>,
    /// Verb form → (lemma, Penn tag).
    pub verbs: HashMap<&'static str, (&'static str, &'static str)>,
    /// Every verb lemma.
    pub lemmas: HashSet<&'static str>,
    /// Lower-case words that are mostly not names.
    pub common: HashSet<&'static str>,
    /// Function-word classes: word → class ("aux", "prep", ...). A word may be in several.
    pub classes: HashMap<&'static str, Vec<&'static str>>,
    /// Directive verbs ("urge", "call on").
    pub directives: HashSet<&'static str>,
    /// Relation rewrites, longest left side first.
    pub rewrites: Vec<(Vec<&'static str>, &'static str)>,
}

fn data_lines(text: &'static str) -> impl Iterator<Item = &'static str> {
    text.lines()
        .map(str::trim_end)
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
}

fn build() -> Lexicon {
    let mut countries = Vec::new();
    let mut country_by_name = HashMap::default();
    let mut country_by_demonym = HashMap::default();
    let mut country_by_capital = HashMap::default();
    for line in data_lines(include_str!("../../data/gazetteers/countries.tsv")) {
        let mut cols = line.split('\t');
        let name = cols.next().unwrap_or("").trim();
        if name.is_empty() {
            continue;
        }
        let list = |s: Option<&'static str>| -> Vec<&'static str> {
            s.unwrap_or("")
                .split('|')
                .map(str::trim)
                .filter(|x| !x.is_empty())
                .collect()
        };
        let aliases = list(cols.next());
        let demonyms = list(cols.next());
        let capitals = list(cols.next());
        let i = countries.len();
        country_by_name.insert(normalize_name(name), i);
        for a in &aliases {
            country_by_name.insert(normalize_name(a), i);
        }
        for d in &demonyms {
            country_by_demonym.insert(normalize_name(d), i);
        }
        for c in &capitals {
            // A city-state's capital is the country itself: keep it a name.
            if normalize_name(c) != normalize_name(name) {
                country_by_capital.insert(normalize_name(c), i);
            }
        }
        countries.push(Country {
            name,
            aliases,
            demonyms,
        });
    }
    let mut role_heads = HashSet::default();
    let mut title_words = HashSet::default();
    let mut employee_heads = HashSet::default();
    for line in data_lines(include_str!("../../data/gazetteers/titles.txt")) {
        match line.split_once(' ') {
            Some(("head", w)) => {
                role_heads.insert(w.trim());
                title_words.insert(w.trim());
            }
            Some(("employee", w)) => {
                employee_heads.insert(w.trim());
            }
            Some(("word", w)) => {
                title_words.insert(w.trim());
            }
            _ => {}
        }
    }
    let adjectives = data_lines(include_str!("../../data/gazetteers/adjectives.txt"))
        .map(|l| l.trim().to_lowercase())
        .collect();
    let honorifics = data_lines(include_str!("../../data/gazetteers/honorifics.txt"))
        .map(|l| l.trim().trim_end_matches('.').to_lowercase())
        .collect();
    let pairs = |text: &'static str| -> HashMap<&'static str, u32> {
        data_lines(text)
            .filter_map(|l| {
                let (a, b) = l.split_once('\t')?;
                Some((a.trim(), b.trim().parse().ok()?))
            })
            .collect()
    };
    let months = pairs(include_str!("../../data/gazetteers/months.txt"));
    let weekdays = pairs(include_str!("../../data/gazetteers/weekdays.txt"));
    let seasons = pairs(include_str!("../../data/gazetteers/seasons.txt"));
    let numbers = pairs(include_str!("../../data/gazetteers/numbers.txt"));
    let kind_words = data_lines(include_str!("../../data/gazetteers/kinds.tsv"))
        .filter_map(|l| {
            let (k, w) = l.split_once('\t')?;
            Some((w.trim(), k.trim()))
        })
        .collect();
    let verbs: HashMap<&'static str, (&'static str, &'static str)> =
        data_lines(include_str!("../../data/lexicon/verbs.tsv"))
            .filter_map(|l| {
                let mut c = l.split('\t');
                Some((c.next()?, (c.next()?, c.next().unwrap_or(""))))
            })
            .collect();
    let lemmas = verbs.values().map(|(l, _)| *l).collect();
    let common = data_lines(include_str!("../../data/lexicon/common_words.txt"))
        .map(str::trim)
        .collect();
    let mut classes: HashMap<&'static str, Vec<&'static str>> = HashMap::default();
    let mut directives = HashSet::default();
    for l in data_lines(include_str!("../../data/lexicon/function_words.txt")) {
        if let Some((class, w)) = l.split_once('\t') {
            if class == "directive" {
                directives.insert(w.trim());
            } else {
                classes.entry(w.trim()).or_default().push(class.trim());
            }
        }
    }
    let mut rewrites: Vec<(Vec<&'static str>, &'static str)> =
        data_lines(include_str!("../../data/lexicon/relation_rewrites.tsv"))
            .filter_map(|l| {
                let (a, b) = l.split_once('\t')?;
                Some((a.split_whitespace().collect(), b.trim()))
            })
            .collect();
    rewrites.sort_by_key(|(from, _)| std::cmp::Reverse(from.len()));
    Lexicon {
        countries,
        country_by_name,
        country_by_demonym,
        country_by_capital,
        role_heads,
        employee_heads,
        adjectives,
        title_words,
        honorifics,
        months,
        weekdays,
        seasons,
        numbers,
        kind_words,
        verbs,
        lemmas,
        common,
        classes,
        directives,
        rewrites,
    }
}

static LEXICON: LazyLock<Lexicon> = LazyLock::new(build);

/// The lexicon, loaded on first use.
pub fn lexicon() -> &'static Lexicon {
    &LEXICON
}

impl Lexicon {
    /// True if `word` (lower case) is in function-word class `class`.
    pub fn is(&self, word: &str, class: &str) -> bool {
        self.classes.get(word).is_some_and(|c| c.contains(&class))
    }

    /// True for closed-class words (auxiliaries, modals, negation, prepositions,
    /// determiners, conjunctions, pronouns): never a noun of a relation.
    pub fn is_function(&self, word: &str) -> bool {
        self.classes.get(word).is_some_and(|c| {
            c.iter().any(|k| {
                matches!(
                    *k,
                    "aux" | "modal" | "neg" | "prep" | "det" | "stop" | "pron" | "adv"
                )
            })
        })
    }

    /// Lemma and tag of a verb form (lower case), with a guess for regular forms.
    pub fn verb(&self, word: &str) -> Option<(String, &'static str)> {
        if let Some((lemma, tag)) = self.verbs.get(word) {
            return Some(((*lemma).to_string(), tag));
        }
        // "-ing" forms whose noun use dominates in the treebank ("meeting").
        if let Some(stem) = word.strip_suffix("ing")
            && stem.len() >= 2
        {
            let b = stem.as_bytes();
            // Only an ASCII last byte is a whole character: two equal trailing
            // bytes of a multi-byte character ('ବ' is e0 ac ac) are no doubled letter.
            let undoubled =
                (b.len() >= 2 && b[b.len() - 1].is_ascii() && b[b.len() - 1] == b[b.len() - 2])
                    .then(|| &stem[..stem.len() - 1]);
            let e_form = format!("{stem}e");
            for cand in [Some(stem), undoubled, Some(e_form.as_str())]
                .into_iter()
                .flatten()
            {
                if self.lemmas.contains(cand) {
                    return Some((cand.to_string(), "VBG"));
                }
            }
            return None;
        }
        // Regular past forms missing from the treebank: "chatted", "implored".
        let stem = word.strip_suffix("ed")?;
        if stem.len() < 3 || word.ends_with("eed") || !stem.is_ascii() {
            return None;
        }
        let b = stem.as_bytes();
        let last = b[b.len() - 1];
        let lemma = if let Some(s) = stem.strip_suffix('i') {
            format!("{s}y")
        } else if last == b[b.len() - 2] && !matches!(last, b'l' | b's' | b'e' | b'o') {
            stem[..stem.len() - 1].to_string()
        } else if matches!(last, b'c' | b's' | b'v' | b'z' | b'g' | b'u' | b'r')
            && !stem.ends_with("ss")
            && !stem.ends_with("er")
            && (!stem.ends_with("ng") || stem.ends_with("ang"))
        {
            format!("{stem}e")
        } else {
            stem.to_string()
        };
        Some((lemma, "VBD"))
    }

    /// The country a name, alias, demonym or (if `capitals`) capital names.
    pub fn country(&self, normalized: &str, capitals: bool) -> Option<&Country> {
        let i = self
            .country_by_name
            .get(normalized)
            .or_else(|| self.country_by_demonym.get(normalized))
            .or_else(|| {
                if capitals {
                    self.country_by_capital.get(normalized)
                } else {
                    None
                }
            })?;
        self.countries.get(*i)
    }

    /// True if `word` is a lower-case honorific ("mr", "president").
    pub fn is_honorific(&self, word: &str) -> bool {
        self.honorifics
            .contains(word.trim_end_matches('.').to_lowercase().as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_files_load() {
        let l = lexicon();
        assert!(l.countries.len() > 50);
        assert_eq!(
            l.country("us", false).map(|c| c.name),
            Some("United States")
        );
        assert_eq!(
            l.country("french", false).map(|c| c.name),
            Some("France"),
            "demonyms name the country"
        );
        assert!(l.country("paris", false).is_none());
        assert_eq!(l.country("paris", true).map(|c| c.name), Some("France"));
        assert!(l.role_heads.contains("minister"));
        assert_eq!(l.months.get("march"), Some(&3));
        assert_eq!(l.seasons.get("summer"), Some(&6));
        assert_eq!(l.numbers.get("two"), Some(&2));
    }

    #[test]
    fn verbs_lemmatize_irregular_and_regular_forms() {
        let l = lexicon();
        for (form, lemma) in [
            ("met", "meet"),
            ("spoke", "speak"),
            ("told", "tell"),
            ("chatted", "chat"),
            ("implored", "implore"),
            ("canceled", "cancel"),
            ("exchanged", "exchange"),
        ] {
            assert_eq!(l.verb(form).map(|v| v.0), Some(lemma.to_string()), "{form}");
        }
    }

    #[test]
    fn ing_forms_of_multibyte_words_do_not_split_a_character() {
        // Found by the query fuzz target: 'ବ' ends in two equal bytes.
        let l = lexicon();
        assert_eq!(l.verb("ବing"), None);
        assert_eq!(l.verb("xବing"), None);
        assert_eq!(l.verb("running").map(|v| v.0), Some("run".to_string()));
    }
}

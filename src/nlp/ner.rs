//! Named-entity recogniser: a greedy left-to-right averaged perceptron
//! over BILOU labels (Ratinov and Roth 2009: Begin, Inside, Last, Unit,
//! Outside, one set per [`NameKind`]).
//!
//! Each word is labelled from its form, case, affixes and shape, the
//! tagger's predicted tags around it, the two labels already chosen,
//! WordNet's proper-name flag and supersense, and membership in the
//! hand-written gazetteers (countries, demonyms, titles, words that end
//! organisation and place names). Decoding only allows label sequences
//! that form well-nested spans, so the output needs no repair.
//!
//! Speed: a lower-case word that training showed never begins a name
//! ("the", "said", ",") is labelled outside without scoring when no span
//! is open; most words of running text are such words.
//!
//! The treebank side (turning GUM's mentions and UNER's spans into
//! examples, and scoring) is in [`data`].

#[path = "ner_data.rs"]
pub mod data;

use std::sync::LazyLock;

use rustc_hash::{FxHashMap, FxHashSet};

use super::lexical::{
    Atoms, FLAG_ALL_UPPER, FLAG_DIGIT, FLAG_PUNCT, FLAG_UPPER_START, PAD, lowered,
};
use super::model_file::{Reader, Writer};
use super::perceptron::{Rng, Trainer, Weights, argmax, hash_str, mix};
use super::{EntitySpan, NameKind};

/// One training sentence.
#[derive(Clone, Debug, Default)]
pub struct Example {
    /// Atoms of each word.
    pub atoms: Vec<Atoms>,
    /// Tag class of each word, as the tagger predicts it.
    pub tags: Vec<u16>,
    /// Gold spans, in order, not overlapping.
    pub spans: Vec<EntitySpan>,
}

/// The trained recogniser.
#[derive(Clone, Debug)]
pub struct Recognizer {
    weights: Weights,
    /// Lowered forms which, written in lower case, never began a name in
    /// training although seen often: labelled outside without scoring.
    closed: FxHashSet<u64>,
}

/// Outside every span.
const O: usize = 0;
/// Labels per kind: B, I, L, U.
const PER_KIND: usize = 4;
/// Number of labels: O and four per kind.
const N_LABELS: usize = 1 + PER_KIND * NameKind::ALL.len();
const B: usize = 0;
const I: usize = 1;
const L: usize = 2;
const U: usize = 3;

/// The label of `part` (B, I, L, U) of a span of kind `k`.
fn label(k: usize, part: usize) -> usize {
    1 + k * PER_KIND + part
}

/// Kind and part of a label other than O.
fn split(l: usize) -> (usize, usize) {
    ((l - 1) / PER_KIND, (l - 1) % PER_KIND)
}

/// The label before the sentence.
const START: usize = N_LABELS;

/// A span is open after this label (it must go on with I or L).
fn open(l: usize) -> bool {
    l != O && l != START && matches!(split(l).1, B | I)
}

/// Whether `l` may follow `prev` at a word that is (`last`) or is not the
/// sentence's last: inside a span only I or L of its kind; outside, O, B
/// or U; and no span left open at the end.
fn allowed(prev: usize, l: usize, last: bool) -> bool {
    if open(prev) {
        let (k, _) = split(prev);
        l != O && split(l).0 == k && (split(l).1 == L || (split(l).1 == I && !last))
    } else {
        l == O || matches!(split(l).1, U) || (split(l).1 == B && !last)
    }
}

/// The best label the gold sequence still allows after the labels chosen so
/// far (a simple dynamic oracle): a gold span whose start was missed begins
/// here, and an open span that gold does not continue closes here.
fn oracle(prev: usize, gold: usize, last: bool) -> usize {
    if allowed(prev, gold, last) {
        return gold;
    }
    if open(prev) {
        let (k, _) = split(prev);
        let goes_on = gold != O && split(gold).0 == k && split(gold).1 == I;
        return label(k, if goes_on && !last { I } else { L });
    }
    // Outside, with gold inside or ending a span that was missed.
    let (k, part) = split(gold);
    label(k, if part == I && !last { B } else { U })
}

/// BILOU labels of a sentence's spans (spans that overlap an earlier one,
/// or fall outside the sentence, are ignored).
fn encode(n: usize, spans: &[EntitySpan], out: &mut Vec<usize>) {
    out.clear();
    out.resize(n, O);
    let mut free = 0;
    for s in spans {
        if s.start < free || s.end > n || s.start >= s.end {
            continue;
        }
        let k = s.kind as usize;
        if s.end - s.start == 1 {
            out[s.start] = label(k, U);
        } else {
            out[s.start] = label(k, B);
            for l in &mut out[s.start + 1..s.end - 1] {
                *l = label(k, I);
            }
            out[s.end - 1] = label(k, L);
        }
        free = s.end;
    }
}

/// Spans of a label sequence (which [`allowed`] made well formed; anything
/// else is read leniently).
fn decode(labels: &[usize], out: &mut Vec<EntitySpan>) {
    out.clear();
    let mut start: Option<usize> = None;
    for (i, &l) in labels.iter().enumerate() {
        if l == O || l >= START {
            start = None;
            continue;
        }
        let (k, part) = split(l);
        match part {
            B => start = Some(i),
            I => {}
            L | U => {
                let s = if part == U { i } else { start.unwrap_or(i) };
                out.push(EntitySpan {
                    start: s,
                    end: i + 1,
                    kind: NameKind::ALL[k],
                });
                start = None;
            }
            _ => {}
        }
    }
}

// Gazetteer bits of a word.
const G_COUNTRY: u16 = 1;
const G_DEMONYM: u16 = 2;
const G_CAPITAL: u16 = 4;
const G_TITLE: u16 = 8;
const G_HONORIFIC: u16 = 16;
const G_ORG_WORD: u16 = 32;
const G_PLACE_WORD: u16 = 64;
const G_WORK_WORD: u16 = 128;
const G_REGION_ADJ: u16 = 256;
const G_TIME: u16 = 512;

/// Lowered-form hash → gazetteer bits, from the hand-written lists in
/// `data/gazetteers/`. A multi-word entry marks each of its words, which
/// is enough for a feature: "Buenos" still says "part of a capital".
static GAZETTEER: LazyLock<FxHashMap<u64, u16>> = LazyLock::new(|| {
    let mut m: FxHashMap<u64, u16> = FxHashMap::default();
    let mut add = |phrase: &str, bit: u16| {
        for w in phrase.split_whitespace() {
            *m.entry(hash_str(&lowered(w))).or_default() |= bit;
        }
    };
    let lines = |t: &'static str| {
        t.lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    };
    for l in lines(include_str!("../../data/gazetteers/countries.tsv")) {
        let cols: Vec<&str> = l.split('\t').collect();
        for (i, bit) in [
            (0, G_COUNTRY),
            (1, G_COUNTRY),
            (2, G_DEMONYM),
            (3, G_CAPITAL),
        ] {
            for p in cols.get(i).unwrap_or(&"").split('|') {
                add(p, bit);
                if bit == G_DEMONYM {
                    // "Canadians", the plural of a demonym.
                    add(&format!("{p}s"), bit);
                }
            }
        }
    }
    for l in lines(include_str!("../../data/gazetteers/titles.txt")) {
        if let Some(("head" | "word", w)) = l.split_once(' ')
            && w != "of"
        {
            add(w, G_TITLE);
        }
    }
    for l in lines(include_str!("../../data/gazetteers/honorifics.txt")) {
        add(l, G_HONORIFIC);
    }
    for l in lines(include_str!("../../data/gazetteers/kinds.tsv")) {
        let bit = match l.split_once('\t') {
            Some(("organization", _)) => G_ORG_WORD,
            Some(("place", _)) => G_PLACE_WORD,
            _ => G_WORK_WORD,
        };
        add(l.split_once('\t').map_or("", |p| p.1), bit);
    }
    for l in lines(include_str!("../../data/gazetteers/adjectives.txt")) {
        add(l, G_REGION_ADJ);
    }
    for t in [
        include_str!("../../data/gazetteers/months.txt"),
        include_str!("../../data/gazetteers/weekdays.txt"),
    ] {
        for l in lines(t) {
            add(l.split('\t').next().unwrap_or(""), G_TIME);
        }
    }
    m
});

/// The gazetteer bits of a word (0 for none).
fn gazetteer(a: &Atoms) -> u16 {
    GAZETTEER.get(&a.lower).copied().unwrap_or(0)
}

/// A title or honorific ("minister", "Dr.") by the gazetteers.
pub(crate) fn is_title(a: &Atoms) -> bool {
    gazetteer(a) & (G_TITLE | G_HONORIFIC) != 0
}

/// A demonym ("Spanish", "Canadians") by the gazetteers.
pub(crate) fn is_demonym(a: &Atoms) -> bool {
    gazetteer(a) & G_DEMONYM != 0
}

/// How capitalised a sentence is: 0 mostly lower case, 1 ordinary, 2 a
/// headline in which most words are capitalised, 3 shouted in capitals.
/// Capitals mean little in a headline and everything in ordinary prose.
fn caps_level(atoms: &[Atoms]) -> u64 {
    let (mut words, mut caps, mut upper) = (0usize, 0usize, 0usize);
    for a in atoms {
        if a.flags & (FLAG_PUNCT | FLAG_DIGIT) == 0 {
            words += 1;
            caps += (a.flags & FLAG_UPPER_START != 0) as usize;
            upper += (a.flags & FLAG_ALL_UPPER != 0) as usize;
        }
    }
    if words >= 3 && upper * 10 >= words * 7 {
        3
    } else if words >= 3 && caps * 10 >= words * 7 {
        2
    } else if words >= 4 && caps == 0 {
        0
    } else {
        1
    }
}

/// Number of features of a word.
const N_FEATURES: usize = 36;

/// What the features see of one sentence.
struct Context<'a> {
    atoms: &'a [Atoms],
    tags: &'a [u16],
    gaz: Vec<u16>,
    caps: u64,
}

impl Context<'_> {
    fn new<'a>(atoms: &'a [Atoms], tags: &'a [u16]) -> Context<'a> {
        Context {
            atoms,
            tags,
            gaz: atoms.iter().map(gazetteer).collect(),
            caps: caps_level(atoms),
        }
    }

    fn at(&self, i: isize) -> &Atoms {
        if i < 0 {
            return &PAD;
        }
        self.atoms.get(i as usize).unwrap_or(&PAD)
    }

    fn tag(&self, i: isize) -> u64 {
        if i < 0 {
            return 5000;
        }
        self.tags.get(i as usize).map_or(5001, |&t| t as u64)
    }

    fn gaz(&self, i: isize) -> u64 {
        if i < 0 {
            return 1 << 20;
        }
        self.gaz.get(i as usize).map_or(1 << 21, |&g| g as u64)
    }

    /// The features of word `i` given the two labels before it.
    fn features(&self, i: usize, p1: usize, p2: usize, f: &mut [u64; N_FEATURES]) {
        let j = i as isize;
        let w = self.at(j);
        let (wm1, wm2, wp1, wp2) = (
            self.at(j - 1),
            self.at(j - 2),
            self.at(j + 1),
            self.at(j + 2),
        );
        let (t0, tm1, tp1) = (self.tag(j), self.tag(j - 1), self.tag(j + 1));
        let (p1, p2) = (p1 as u64, p2 as u64);
        let first = (i == 0) as u64;
        let cap = |a: &Atoms| (a.flags & (FLAG_UPPER_START | FLAG_ALL_UPPER)) as u64;
        let proper = |a: &Atoms| (a.lex & super::wordnet::PROPER) as u64;
        let noun_sense = |a: &Atoms| (a.sense >> 8) as u64;
        *f = [
            mix(&[0]),
            mix(&[1, w.form]),
            mix(&[2, w.lower]),
            mix(&[3, w.suffix[2]]),
            mix(&[4, w.suffix[1]]),
            mix(&[5, w.prefix[2]]),
            mix(&[6, w.shape]),
            mix(&[7, w.flags as u64, first, self.caps]),
            mix(&[8, t0]),
            mix(&[9, tm1, t0]),
            mix(&[10, t0, tp1]),
            mix(&[11, wm1.lower]),
            mix(&[12, wp1.lower]),
            mix(&[13, wm2.lower]),
            mix(&[14, wp2.lower]),
            mix(&[15, p1]),
            mix(&[16, p1, p2]),
            mix(&[17, p1, t0]),
            mix(&[18, p1, w.shape]),
            mix(&[19, p1, w.lower]),
            mix(&[20, w.lex as u64, noun_sense(w), cap(w)]),
            mix(&[21, self.gaz(j), cap(w)]),
            mix(&[22, self.gaz(j - 1), p1]),
            mix(&[23, self.gaz(j + 1), cap(wp1)]),
            mix(&[24, wm1.shape, w.shape]),
            mix(&[25, w.shape, wp1.shape]),
            mix(&[26, tp1, cap(wp1), self.caps]),
            mix(&[27, wm1.lower, w.lower]),
            mix(&[28, w.lower, wp1.lower]),
            mix(&[29, proper(w), noun_sense(w), self.caps, cap(w), first]),
            mix(&[30, wp1.form]),
            mix(&[31, wm1.form]),
            mix(&[32, t0, cap(w), self.caps, first]),
            mix(&[33, p1, wp1.lower]),
            mix(&[34, proper(wp1), noun_sense(wp1), cap(wp1)]),
            mix(&[35, tm1, cap(wm1), p1]),
        ];
    }
}

impl Recognizer {
    /// Whether word `i` is labelled outside without scoring.
    #[inline]
    fn skips(&self, a: &Atoms, prev: usize) -> bool {
        !open(prev)
            && a.flags & (FLAG_UPPER_START | FLAG_DIGIT) == 0
            && self.closed.contains(&a.lower)
    }

    /// Entity spans of one tagged sentence (atoms from [`Atoms::of`], tag
    /// classes from the tagger), in order, not overlapping. Words past the
    /// shorter of `atoms` and `tags` are not read.
    pub fn recognize(&self, atoms: &[Atoms], tags: &[u16], out: &mut Vec<EntitySpan>) {
        out.clear();
        let n = atoms.len().min(tags.len());
        let ctx = Context::new(&atoms[..n], &tags[..n]);
        let mut feats = [0u64; N_FEATURES];
        let mut scores = [0i32; N_LABELS];
        let mut labels = Vec::with_capacity(n);
        let (mut p1, mut p2) = (START, START);
        for i in 0..n {
            let l = if self.skips(&atoms[i], p1) {
                O
            } else {
                ctx.features(i, p1, p2, &mut feats);
                self.weights.score(&feats, &mut scores);
                let last = i + 1 == n;
                argmax(&scores, |l| allowed(p1, l, last)).unwrap_or(O)
            };
            labels.push(l);
            (p2, p1) = (p1, l);
        }
        decode(&labels, out);
    }

    /// Learns a recogniser from tagged sentences with their gold spans.
    /// Deterministic for the same examples and seed. `progress` is called
    /// after each epoch with the model as it stands.
    pub fn train(
        examples: &[Example],
        epochs: usize,
        seed: u64,
        mut progress: impl FnMut(usize, &Recognizer),
    ) -> Recognizer {
        let mut r = Recognizer {
            weights: Weights::default(),
            closed: closed_words(examples),
        };
        let mut model = Trainer::new(N_LABELS);
        let mut order: Vec<usize> = (0..examples.len()).collect();
        let mut rng = Rng::new(seed);
        let mut feats = [0u64; N_FEATURES];
        let mut scores = [0i64; N_LABELS];
        let mut gold = Vec::new();
        for epoch in 0..epochs {
            rng.shuffle(&mut order);
            for &k in &order {
                let ex = &examples[k];
                let n = ex.atoms.len().min(ex.tags.len());
                let ctx = Context::new(&ex.atoms[..n], &ex.tags[..n]);
                encode(n, &ex.spans, &mut gold);
                let (mut p1, mut p2) = (START, START);
                for i in 0..n {
                    let last = i + 1 == n;
                    let l = if r.skips(&ex.atoms[i], p1) {
                        O
                    } else {
                        ctx.features(i, p1, p2, &mut feats);
                        let guess = model
                            .best(&feats, &mut scores, |l| allowed(p1, l, last))
                            .unwrap_or(O);
                        let want = oracle(p1, gold[i], last);
                        model.update(&feats, want, guess);
                        model.tick();
                        guess
                    };
                    (p2, p1) = (p1, l);
                }
            }
            r.weights = model.freeze(0.0);
            progress(epoch, &r);
        }
        r.weights = model.freeze(PRUNE);
        r
    }

    /// Appends the model to a model file.
    pub fn write(&self, w: &mut Writer) {
        w.u32(N_LABELS as u32);
        let mut closed: Vec<u64> = self.closed.iter().copied().collect();
        closed.sort_unstable();
        w.u64s(&closed);
        self.weights.write(w);
    }

    /// Reads a model written by [`Recognizer::write`].
    pub fn read(r: &mut Reader) -> Result<Recognizer, String> {
        let labels = r.u32()? as usize;
        if labels != N_LABELS {
            return Err(format!(
                "entity model has {labels} labels where this lore has {N_LABELS}"
            ));
        }
        let closed = r.u64s()?.into_iter().collect();
        let weights = Weights::read(r)?;
        if weights.classes() != N_LABELS {
            return Err("entity weights do not match its labels".into());
        }
        Ok(Recognizer { weights, closed })
    }
}

/// Rows whose largest averaged weight is below this are dropped when the
/// model is frozen.
const PRUNE: f64 = 0.05;

/// How often a lower-case word must have been seen, never beginning a
/// name, before it is labelled outside without scoring.
const CLOSED_MIN: u32 = 5;

/// The lowered forms that, written without a capital, were seen at least
/// [`CLOSED_MIN`] times in training and never began a span.
fn closed_words(examples: &[Example]) -> FxHashSet<u64> {
    let mut seen: FxHashMap<u64, (u32, bool)> = FxHashMap::default();
    let mut gold = Vec::new();
    for ex in examples {
        let n = ex.atoms.len().min(ex.tags.len());
        encode(n, &ex.spans, &mut gold);
        for (a, &g) in ex.atoms.iter().zip(&gold) {
            if a.flags & (FLAG_UPPER_START | FLAG_DIGIT) != 0 {
                continue;
            }
            let e = seen.entry(a.lower).or_default();
            e.0 += 1;
            e.1 |= g != O && matches!(split(g).1, B | U);
        }
    }
    seen.into_iter()
        .filter(|&(_, (n, starts))| n >= CLOSED_MIN && !starts)
        .map(|(k, _)| k)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sent(words: &[&str], spans: &[(usize, usize, NameKind)]) -> Example {
        let mut b = String::new();
        let atoms: Vec<Atoms> = words.iter().map(|w| Atoms::of(w, &mut b)).collect();
        // Tag 1 for capitalised words, 0 otherwise: a stand-in tagger.
        let tags = atoms
            .iter()
            .map(|a| (a.flags & FLAG_UPPER_START != 0) as u16)
            .collect();
        Example {
            atoms,
            tags,
            spans: spans
                .iter()
                .map(|&(start, end, kind)| EntitySpan { start, end, kind })
                .collect(),
        }
    }

    fn training() -> Vec<Example> {
        use NameKind::*;
        vec![
            sent(
                &["we", "met", "Ann", "Lee", "in", "Oslo", "."],
                &[(2, 4, Person), (5, 6, Place)],
            ),
            sent(
                &["Bo", "Kim", "lives", "in", "Lima", "."],
                &[(0, 2, Person), (4, 5, Place)],
            ),
            sent(
                &["they", "flew", "to", "Quito", "with", "Max", "Ruiz", "."],
                &[(3, 4, Place), (5, 7, Person)],
            ),
            sent(&["the", "cat", "sat", "in", "the", "hat", "."], &[]),
            sent(
                &["Acme", "Corp", "hired", "Eva", "Diaz", "."],
                &[(0, 2, Organization), (3, 5, Person)],
            ),
            sent(
                &["she", "works", "for", "Zeta", "Corp", "in", "Baku", "."],
                &[(3, 5, Organization), (6, 7, Place)],
            ),
        ]
    }

    fn spans(r: &Recognizer, words: &[&str]) -> Vec<(usize, usize, NameKind)> {
        let ex = sent(words, &[]);
        let mut out = Vec::new();
        r.recognize(&ex.atoms, &ex.tags, &mut out);
        out.iter().map(|s| (s.start, s.end, s.kind)).collect()
    }

    #[test]
    fn learns_names_after_a_preposition_and_a_company_word() {
        let r = Recognizer::train(&training(), 10, 1, |_, _| {});
        assert_eq!(
            spans(&r, &["he", "moved", "to", "Riga", "."]),
            vec![(3, 4, NameKind::Place)]
        );
        assert_eq!(
            spans(&r, &["Nova", "Corp", "hired", "Ida", "Moss", "."]),
            vec![(0, 2, NameKind::Organization), (3, 5, NameKind::Person)]
        );
        assert!(spans(&r, &["the", "hat", "sat", "."]).is_empty());
    }

    #[test]
    fn training_is_deterministic_and_survives_a_round_trip() {
        let a = Recognizer::train(&training(), 5, 3, |_, _| {});
        let b = Recognizer::train(&training(), 5, 3, |_, _| {});
        let bytes = |r: &Recognizer| {
            let mut w = Writer::new("ner");
            r.write(&mut w);
            w.finish()
        };
        assert_eq!(bytes(&a), bytes(&b));
        let raw = bytes(&a);
        let back = Recognizer::read(&mut Reader::open(&raw, "ner").unwrap()).unwrap();
        let s = ["Eva", "Lee", "went", "to", "Oslo", "."];
        assert_eq!(spans(&a, &s), spans(&back, &s));
        // Every truncation of the file is an error, never a panic.
        for cut in 0..raw.len() {
            let mut r = match Reader::open(&raw[..cut], "ner") {
                Ok(r) => r,
                Err(_) => continue,
            };
            assert!(Recognizer::read(&mut r).is_err());
        }
    }

    #[test]
    fn spans_are_well_formed_on_any_input() {
        let r = Recognizer::train(&training(), 3, 2, |_, _| {});
        let mut out = vec![EntitySpan {
            start: 9,
            end: 10,
            kind: NameKind::Other,
        }];
        r.recognize(&[], &[], &mut out);
        assert!(out.is_empty());
        let ex = sent(&["Ann", "Lee", "Bo", "Kim", "Oslo", "Acme", "Corp"], &[]);
        // Fewer tags than words: only the tagged words are read.
        r.recognize(&ex.atoms, &ex.tags[..4], &mut out);
        assert!(out.iter().all(|s| s.end <= 4));
        r.recognize(&ex.atoms, &ex.tags, &mut out);
        let mut end = 0;
        for s in &out {
            assert!(s.start >= end && s.start < s.end && s.end <= ex.atoms.len());
            end = s.end;
        }
        // Tag classes the model never saw are just unknown features.
        r.recognize(&ex.atoms, &[u16::MAX; 7], &mut out);
    }

    #[test]
    fn bilou_round_trip_and_oracle() {
        let spans = [
            EntitySpan {
                start: 0,
                end: 1,
                kind: NameKind::Place,
            },
            EntitySpan {
                start: 2,
                end: 5,
                kind: NameKind::Person,
            },
        ];
        let mut l = Vec::new();
        encode(6, &spans, &mut l);
        let mut back = Vec::new();
        decode(&l, &mut back);
        assert_eq!(back, spans);
        let per = NameKind::Person as usize;
        // A missed start: the span begins where the model is.
        assert_eq!(oracle(O, label(per, I), false), label(per, B));
        assert_eq!(oracle(O, label(per, L), false), label(per, U));
        // An open span that gold does not continue closes.
        assert_eq!(oracle(label(per, B), O, false), label(per, L));
        assert_eq!(oracle(label(per, I), label(per, I), true), label(per, L));
        for prev in 0..=START {
            for last in [false, true] {
                assert!((0..N_LABELS).any(|l| allowed(prev, l, last)));
            }
        }
    }
}

//! Named-entity recogniser in three averaged perceptrons:
//!
//! 1. a segmenter, greedy left to right over BILOU labels (Ratinov and
//!    Roth 2009: Begin, Inside, Last, Unit, Outside) without kinds, from
//!    each word's form, case, affixes and shape, the tagger's predicted
//!    tags around it, the two labels already chosen, WordNet's proper-name
//!    flag, supersense and kinds of name (`data/nlp/names.tsv`), the name
//!    lists of `data/nlp/gazetteer.tsv` (census first names and surnames,
//!    GeoNames cities and regions) and the hand-written gazetteers
//!    (countries, demonyms, titles, words that end organisation and place
//!    names). Decoding only allows label sequences
//!    that form spans, so the output needs no repair;
//! 2. a filter that may turn a found span down, seeing the whole span and
//!    its surroundings ("Thanks" opening an e-mail is no name);
//! 3. a classifier that gives each span its kind from all of its words and
//!    its context, then looks again with its neighbours' kinds in view.
//!
//! Speed: a lower-case word that training showed never begins a name
//! ("the", "said", ",") is labelled outside without scoring when no span
//! is open; most words of running text are such words.
//!
//! The model reads the tagger's class numbers as they are, so it must be
//! retrained with every new tagger (as the parser must).
//!
//! The treebank side (turning GUM's mentions and UNER's spans into
//! examples, and scoring) is in [`data`], declared here rather than in
//! `nlp/mod.rs` to keep the entity recogniser one module there.

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
    /// Word ranges `start..end` whose labels are unknown: text that is
    /// known to hold no name outside them, and may hold some inside them
    /// (a treebank's proper nouns, whose kinds nobody gave). Training learns
    /// nothing there.
    pub unsure: Vec<(usize, usize)>,
}

/// The trained recogniser: a segmenter that finds the spans, and a
/// classifier that gives each span its kind.
///
/// Deciding the kind once per span, from all of its words, is what lets
/// the last word decide it ("Ferris Street Clinic" is a place because of
/// "Clinic", which a left-to-right labeller reaches only after committing
/// to a kind at "Ferris").
#[derive(Clone, Debug)]
pub struct Recognizer {
    segment: Weights,
    kinds: Weights,
    /// Keeps (0) or turns down (1) a span the segmenter found.
    filter: Weights,
    /// Lowered forms which, written in lower case, never began a name in
    /// training although seen often: labelled outside without scoring.
    closed: FxHashSet<u64>,
}

/// Segment labels: outside, and the Begin, Inside, Last and Unit words of a span.
const O: usize = 0;
const B: usize = 1;
const I: usize = 2;
const L: usize = 3;
const U: usize = 4;
/// Number of segment labels.
const N_LABELS: usize = 5;
/// A word whose label is unknown ([`Example::unsure`]).
const UNSURE: usize = usize::MAX;
/// The label before the sentence.
const START: usize = N_LABELS;

/// The span classifier's classes: the kinds, in the order of
/// [`NameKind::ALL`].
const N_KINDS: usize = NameKind::ALL.len();

/// A span is open after this label (it must go on with I or L).
fn open(l: usize) -> bool {
    l == B || l == I
}

/// Whether `l` may follow `prev` at a word that is (`last`) or is not the
/// sentence's last: inside a span only I or L; outside, O, B or U; and no
/// span left open at the end.
fn allowed(prev: usize, l: usize, last: bool) -> bool {
    if open(prev) {
        l == L || (l == I && !last)
    } else {
        l == O || l == U || (l == B && !last)
    }
}

/// The best label the gold sequence still allows after the labels chosen so
/// far (a simple dynamic oracle): a gold span whose start was missed begins
/// here, and an open span that gold does not continue closes here.
fn oracle(prev: usize, gold: usize, last: bool) -> usize {
    if allowed(prev, gold, last) {
        gold
    } else if open(prev) {
        if gold == I && !last { I } else { L }
    } else if gold == I && !last {
        B
    } else {
        U
    }
}

/// Segment labels of a sentence's spans (spans that overlap an earlier one,
/// or fall outside the sentence, are ignored).
fn encode(n: usize, spans: &[EntitySpan], unsure: &[(usize, usize)], out: &mut Vec<usize>) {
    out.clear();
    out.resize(n, O);
    for &(s, e) in unsure {
        for l in out.iter_mut().take(e).skip(s) {
            *l = UNSURE;
        }
    }
    let mut free = 0;
    for s in spans {
        if s.start < free || s.end > n || s.start >= s.end {
            continue;
        }
        if s.end - s.start == 1 {
            out[s.start] = U;
        } else {
            out[s.start] = B;
            for l in &mut out[s.start + 1..s.end - 1] {
                *l = I;
            }
            out[s.end - 1] = L;
        }
        free = s.end;
    }
}

/// Word ranges of a label sequence (which [`allowed`] made well formed;
/// anything else is read leniently).
fn decode(labels: &[usize], out: &mut Vec<(usize, usize)>) {
    out.clear();
    let mut start: Option<usize> = None;
    for (i, &l) in labels.iter().enumerate() {
        match l {
            B => start = Some(i),
            I => {}
            L | U => {
                let s = if l == U { i } else { start.unwrap_or(i) };
                out.push((s, i + 1));
                start = None;
            }
            _ => start = None,
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
// Bits of the name lists in `data/nlp/gazetteer.tsv` (census first names
// and surnames; GeoNames cities, countries, continents and US states).
const G_FIRST: u16 = 1 << 10;
const G_SURNAME: u16 = 1 << 11;
const G_CITY: u16 = 1 << 12;
const G_CITY_PART: u16 = 1 << 13;
const G_REGION: u16 = 1 << 14;
const G_REGION_PART: u16 = 1 << 15;
/// The hand-written gazetteers' bits, below the name lists'.
const G_HAND: u64 = (1 << 10) - 1;

/// Lowered-form hash → gazetteer bits, from the hand-written lists in
/// `data/gazetteers/`. A multi-word entry marks each of its words, which
/// is enough for a feature: "Buenos" still says "part of a capital".
///
/// The high 16 bits say what WordNet knows of the word as part of proper
/// names (`data/nlp/names.tsv`): [`N_PERSON`] and friends for a whole
/// name, shifted by [`N_PART`] for a word of a longer one.
static GAZETTEER: LazyLock<FxHashMap<u64, u32>> = LazyLock::new(|| {
    let mut m: FxHashMap<u64, u32> = FxHashMap::default();
    for l in include_str!("../../data/nlp/names.tsv").lines() {
        let Some((w, letters)) = l.split_once('\t') else {
            continue;
        };
        let mut bits = 0u32;
        for c in letters.chars() {
            let kind = match c.to_ascii_lowercase() {
                'p' => N_PERSON,
                'l' => N_PLACE,
                'g' => N_GROUP,
                'e' => N_EVENT,
                _ => N_OTHER,
            };
            bits |= if c.is_uppercase() {
                kind << N_PART
            } else {
                kind
            };
        }
        *m.entry(hash_str(w)).or_default() |= bits << 16;
    }
    for l in include_str!("../../data/nlp/gazetteer.tsv").lines() {
        let Some((w, letters)) = l.split_once('\t') else {
            continue;
        };
        let bits = letters.chars().fold(0u16, |b, c| {
            b | match c {
                'f' => G_FIRST,
                's' => G_SURNAME,
                'c' => G_CITY,
                'C' => G_CITY_PART,
                'r' => G_REGION,
                'R' => G_REGION_PART,
                _ => 0,
            }
        });
        *m.entry(hash_str(w)).or_default() |= bits as u32;
    }
    let mut add = |phrase: &str, bit: u16| {
        for w in phrase.split_whitespace() {
            *m.entry(hash_str(&lowered(w))).or_default() |= bit as u32;
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

// WordNet's kinds of proper name (see [`GAZETTEER`]).
const N_PERSON: u32 = 1;
const N_PLACE: u32 = 2;
const N_GROUP: u32 = 4;
const N_EVENT: u32 = 8;
const N_OTHER: u32 = 16;
/// Where the kinds of a word inside a longer name sit.
const N_PART: u32 = 5;

/// The gazetteer bits of a word (0 for none): the hand-written lists in
/// the low 16 bits, WordNet's names in the high 16.
fn gazetteer(a: &Atoms) -> u32 {
    GAZETTEER.get(&a.lower).copied().unwrap_or(0)
}

/// A title or honorific ("minister", "Dr.") by the gazetteers.
pub(crate) fn is_title(a: &Atoms) -> bool {
    gazetteer(a) & (G_TITLE | G_HONORIFIC) as u32 != 0
}

/// A demonym ("Spanish", "Canadians") by the gazetteers.
pub(crate) fn is_demonym(a: &Atoms) -> bool {
    gazetteer(a) & G_DEMONYM as u32 != 0
}

/// How capitalised a sentence is: 0 mostly lower case, 1 ordinary, 2 a
/// headline in which most words are capitalised, 3 shouted in capitals.
/// Capitals mean little in a headline and everything in ordinary prose.
///
/// A sentence full of titled names ("Deputy Finance Minister Ana Silva
/// and Labour MP Raj Patel spoke") is as capitalised as a headline, but
/// a headline in title case writes only short function words in lower
/// case ("Court Strikes Down Law on Data"); a lower-case word of five
/// letters or more ("spoke") says the sentence is prose.
fn caps_level(atoms: &[Atoms]) -> u64 {
    let (mut words, mut caps, mut upper, mut long_lower) = (0usize, 0usize, 0usize, false);
    for a in atoms {
        if a.flags & (FLAG_PUNCT | FLAG_DIGIT) == 0 {
            words += 1;
            caps += (a.flags & FLAG_UPPER_START != 0) as usize;
            upper += (a.flags & FLAG_ALL_UPPER != 0) as usize;
            long_lower |=
                a.flags & (FLAG_UPPER_START | FLAG_ALL_UPPER) == 0 && !a.at_most_four_chars();
        }
    }
    if words >= 3 && upper * 10 >= words * 7 {
        3
    } else if words >= 3 && caps * 10 >= words * 7 && !long_lower {
        2
    } else if words >= 4 && caps == 0 {
        0
    } else {
        1
    }
}

/// The name lists' place bits (city, region, whole or part), as
/// [`Context::lists`] gives them.
const L_PLACE: u64 = ((G_CITY | G_CITY_PART | G_REGION | G_REGION_PART) >> 10) as u64;

/// 1 for a word WordNet knows as a common word and never as a proper
/// name ("will", "long"), which the name lists hold too.
fn plain(a: &Atoms) -> u64 {
    use super::wordnet::{ADJ, ADV, NOUN, PROPER, VERB};
    (a.lex & (NOUN | VERB | ADJ | ADV) != 0 && a.lex & PROPER == 0) as u64
}

/// Number of features of a word.
const N_FEATURES: usize = 44;

/// What the features see of one sentence.
struct Context<'a> {
    atoms: &'a [Atoms],
    tags: &'a [u16],
    gaz: Vec<u32>,
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

    /// The hand-written gazetteers' bits of word `i`.
    fn gaz(&self, i: isize) -> u64 {
        self.all_gaz(i) & G_HAND
    }

    /// The name lists' bits of word `i` (first name, surname, city,
    /// region), kept apart from [`Context::gaz`] so that the features
    /// of either do not split the other's evidence.
    fn lists(&self, i: isize) -> u64 {
        (self.all_gaz(i) & 0xffff) >> 10
    }

    /// WordNet's kinds of name for word `i`.
    fn names(&self, i: isize) -> u64 {
        self.all_gaz(i) >> 16
    }

    fn all_gaz(&self, i: isize) -> u64 {
        if i < 0 {
            return 1 << 40;
        }
        self.gaz.get(i as usize).map_or(1 << 41, |&g| g as u64)
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
            mix(&[36, self.names(j), cap(w), p1]),
            mix(&[37, self.names(j + 1), cap(wp1)]),
            mix(&[38, self.names(j - 1), self.names(j)]),
            mix(&[39, self.lists(j), cap(w), p1]),
            mix(&[40, self.lists(j - 1), self.lists(j), cap(w)]),
            mix(&[41, self.lists(j + 1), cap(wp1)]),
            // Web text writes names in lower case ("flights to kerala"):
            // a listed word that is no common English word is a name
            // whatever its case.
            mix(&[
                42,
                self.lists(j),
                (self.names(j) != 0) as u64,
                plain(w),
                cap(w),
                self.caps,
            ]),
            mix(&[43, wm1.lower, self.lists(j) & L_PLACE, cap(w)]),
        ];
    }
    /// Features of the kinds of the spans before and after span `i` of
    /// `spans`, with the words between them when they are few.
    fn neighbour_features(&self, spans: &[EntitySpan], i: usize, f: &mut Vec<u64>) {
        let between = |a: usize, b: usize| -> u64 {
            if b < a || b - a > 2 {
                return 7;
            }
            self.atoms[a..b].iter().fold(8, |h, w| mix(&[h, w.lower]))
        };
        let Some(sp) = spans.get(i) else { return };
        if let Some(p) = i.checked_sub(1).and_then(|j| spans.get(j)) {
            let b = between(p.end, sp.start);
            f.push(mix(&[140, p.kind as u64, b]));
            f.push(mix(&[141, p.kind as u64]));
        }
        if let Some(n) = spans.get(i + 1) {
            let b = between(sp.end, n.start);
            f.push(mix(&[142, n.kind as u64, b]));
            f.push(mix(&[143, n.kind as u64]));
        }
    }

    /// The features of the span `s..e` for its kind: its words (the last
    /// one most: English names end in their head, "Ferris Street Clinic"),
    /// their gazetteer bits and WordNet senses, and the words around it.
    fn kind_features(&self, s: usize, e: usize, f: &mut Vec<u64>) {
        f.clear();
        let (js, je) = (s as isize, e as isize - 1);
        let (first, last) = (self.at(js), self.at(je));
        let (before, after) = (self.at(js - 1), self.at(je + 1));
        let len = (e - s).min(4) as u64;
        let mut gaz = 0u64;
        let mut names = 0u64;
        let mut whole = 0u64;
        let mut lists = 0u64;
        for (k, a) in self.atoms[s..e].iter().enumerate() {
            gaz |= self.gaz(js + k as isize);
            lists |= self.lists(js + k as isize);
            names |= self.names(js + k as isize);
            whole = mix(&[whole, a.lower]);
            if k < 6 {
                f.push(mix(&[100, a.lower]));
            }
        }
        let noun_sense = |a: &Atoms| (a.sense >> 8) as u64;
        let proper = |a: &Atoms| (a.lex & super::wordnet::PROPER) as u64;
        f.extend_from_slice(&[
            mix(&[101]),
            mix(&[102, whole]),
            mix(&[103, last.lower]),
            mix(&[104, first.lower]),
            mix(&[105, last.suffix[2]]),
            mix(&[106, first.suffix[2]]),
            mix(&[107, before.lower]),
            mix(&[108, self.at(js - 2).lower]),
            mix(&[109, after.lower]),
            mix(&[110, self.at(je + 2).lower]),
            mix(&[111, before.lower, after.lower]),
            mix(&[112, gaz]),
            mix(&[113, self.gaz(je)]),
            mix(&[114, self.gaz(js - 1)]),
            mix(&[115, noun_sense(last), proper(last)]),
            mix(&[116, noun_sense(first), proper(first), len]),
            mix(&[117, len, first.shape]),
            mix(&[118, last.shape, len]),
            mix(&[119, self.tag(js - 1), self.tag(je + 1)]),
            mix(&[120, self.caps, len, (s == 0) as u64]),
            mix(&[121, before.lower, first.lower]),
            mix(&[122, last.lower, after.lower]),
            mix(&[123, self.tag(js), self.tag(je)]),
            mix(&[124, last.suffix[1], len]),
            mix(&[125, names]),
            mix(&[126, self.names(je), len]),
            mix(&[127, self.names(js), len]),
            mix(&[128, names, self.names(je)]),
            mix(&[129, lists]),
            mix(&[130, self.lists(js), self.lists(je), len]),
            mix(&[131, self.lists(je), plain(last), proper(last)]),
            mix(&[132, self.lists(js), plain(first), proper(first)]),
        ]);
    }
}

/// Whether a word is labelled outside without scoring: no span is open
/// and it is a lower-case word that never began a name in training.
#[inline]
fn skips(closed: &FxHashSet<u64>, a: &Atoms, prev: usize) -> bool {
    !open(prev) && a.flags & (FLAG_UPPER_START | FLAG_DIGIT) == 0 && closed.contains(&a.lower)
}

/// The word ranges a segmenter finds in a sentence.
fn segments(w: &Weights, closed: &FxHashSet<u64>, ctx: &Context, out: &mut Vec<(usize, usize)>) {
    let n = ctx.atoms.len();
    let mut feats = [0u64; N_FEATURES];
    let mut scores = [0i32; N_LABELS];
    let mut labels = Vec::with_capacity(n);
    let (mut p1, mut p2) = (START, START);
    for i in 0..n {
        let l = if skips(closed, &ctx.atoms[i], p1) {
            O
        } else {
            ctx.features(i, p1, p2, &mut feats);
            w.score(&feats, &mut scores);
            argmax(&scores, |l| allowed(p1, l, i + 1 == n)).unwrap_or(O)
        };
        labels.push(l);
        (p2, p1) = (p1, l);
    }
    decode(&labels, out);
    for r in out.iter_mut() {
        r.0 = name_start(ctx, r.0, r.1);
    }
}

/// Where the name in a found span begins: after the last title or
/// honorific that a capitalised word follows inside it. Both standards
/// leave titles out of names ("the Finance Minister Ana Silva said" →
/// "Ana Silva"; "Chief Inspector Raj Patel" → "Raj Patel"), but
/// capitalised titles look like names, so the segmenter often opens the
/// span on them. A title that "of" follows stays when no given name comes
/// after it ("Minister of Health" is the office's name), and goes when one
/// does ("Secretary of Labor Dana Cole" → "Dana Cole").
fn name_start(ctx: &Context, s: usize, e: usize) -> usize {
    let capitalised = |i: usize| ctx.atoms[i].flags & FLAG_UPPER_START != 0;
    let title = |i: usize| ctx.gaz[i] & (G_TITLE | G_HONORIFIC) as u32 != 0;
    let mut start = s;
    for k in s..e.saturating_sub(1) {
        if !title(k) {
            continue;
        }
        if capitalised(k + 1) && !title(k + 1) && ctx.gaz[k + 1] & G_ORG_WORD as u32 == 0 {
            start = k + 1;
        } else if let Some(g) =
            (k + 1..e - 1).find(|&j| ctx.gaz[j] & G_FIRST as u32 != 0 && capitalised(j))
            && (k + 1..g).all(|j| !title(j))
        {
            start = g;
        }
    }
    start
}

/// One epoch of segmenter training over the examples `order`.
fn segmenter_epoch(
    seg: &mut Trainer,
    closed: &FxHashSet<u64>,
    examples: &[Example],
    order: &[usize],
) {
    let mut feats = [0u64; N_FEATURES];
    let mut scores = [0i64; N_LABELS];
    let mut gold = Vec::new();
    for &k in order {
        let ex = &examples[k];
        let n = ex.atoms.len().min(ex.tags.len());
        let ctx = Context::new(&ex.atoms[..n], &ex.tags[..n]);
        encode(n, &ex.spans, &ex.unsure, &mut gold);
        let (mut p1, mut p2) = (START, START);
        for (i, &want) in gold.iter().enumerate() {
            let last = i + 1 == n;
            let l = if skips(closed, &ex.atoms[i], p1) {
                O
            } else {
                ctx.features(i, p1, p2, &mut feats);
                let guess = seg
                    .best(&feats, &mut scores, |l| allowed(p1, l, last))
                    .unwrap_or(O);
                // Nothing to learn where the label is unknown, nor where a
                // span opened on an unknown word meets one known to be outside.
                let known = want != UNSURE
                    && !(open(p1) && want == O && ex.unsure.iter().any(|&(s, e)| s < i && i <= e));
                if known {
                    seg.update(&feats, oracle(p1, want, last), guess);
                    seg.tick();
                }
                guess
            };
            (p2, p1) = (p1, l);
        }
    }
}

/// Folds of the jackknife that shows the filter the segmenter's mistakes.
const FOLDS: usize = 4;

impl Recognizer {
    /// Entity spans of one tagged sentence (atoms from [`Atoms::of`], tag
    /// classes from the tagger), in order, not overlapping. Words past the
    /// shorter of `atoms` and `tags` are not read.
    pub fn recognize(&self, atoms: &[Atoms], tags: &[u16], out: &mut Vec<EntitySpan>) {
        out.clear();
        let n = atoms.len().min(tags.len());
        let ctx = Context::new(&atoms[..n], &tags[..n]);
        let mut ranges = Vec::new();
        segments(&self.segment, &self.closed, &ctx, &mut ranges);
        let mut kf = Vec::with_capacity(48);
        let mut scores = [0i32; N_KINDS];
        let mut keep = [0i32; 2];
        for (s, e) in ranges {
            ctx.kind_features(s, e, &mut kf);
            self.filter.score(&kf, &mut keep);
            if keep[0] < keep[1] {
                continue;
            }
            self.kinds.score(&kf, &mut scores);
            let k = argmax(&scores, |_| true).unwrap_or(0);
            out.push(EntitySpan {
                start: s,
                end: e,
                kind: NameKind::ALL[k],
            });
        }
        // A second look at each kind with its neighbours' first-look kinds
        // in view: names in a list are mostly of one kind ("offices in
        // Ferrisburg, Lyle and Dunmore").
        if out.len() > 1 {
            let first: Vec<EntitySpan> = out.clone();
            for (i, sp) in out.iter_mut().enumerate() {
                ctx.kind_features(sp.start, sp.end, &mut kf);
                ctx.neighbour_features(&first, i, &mut kf);
                self.kinds.score(&kf, &mut scores);
                sp.kind = NameKind::ALL[argmax(&scores, |_| true).unwrap_or(0)];
            }
        }
    }

    /// Learns a recogniser from tagged sentences with their gold spans.
    /// Deterministic for the same examples and seed. `progress` is called
    /// after each epoch with the model as it stands.
    ///
    /// The filter that may turn a found span down learns from the spans
    /// that segmenters trained without a sentence find in it
    /// (four-fold jackknifing): a segmenter's mistakes on sentences it
    /// learnt from are too few and too easy to learn from.
    pub fn train(
        examples: &[Example],
        epochs: usize,
        seed: u64,
        mut progress: impl FnMut(usize, &Recognizer),
    ) -> Recognizer {
        let closed = closed_words(examples);
        let n = examples.len();
        let mut found: Vec<Vec<(usize, usize)>> = vec![Vec::new(); n];
        for k in 0..FOLDS {
            let mut order: Vec<usize> = (0..n).filter(|i| i % FOLDS != k).collect();
            let mut rng = Rng::new(seed.wrapping_add(1 + k as u64));
            let mut seg = Trainer::new(N_LABELS);
            for _ in 0..epochs {
                rng.shuffle(&mut order);
                segmenter_epoch(&mut seg, &closed, examples, &order);
            }
            let w = seg.freeze(PRUNE);
            for i in (0..n).filter(|i| i % FOLDS == k) {
                let ex = &examples[i];
                let m = ex.atoms.len().min(ex.tags.len());
                let ctx = Context::new(&ex.atoms[..m], &ex.tags[..m]);
                segments(&w, &closed, &ctx, &mut found[i]);
            }
        }
        let mut r = Recognizer {
            segment: Weights::default(),
            kinds: Weights::default(),
            filter: Weights::default(),
            closed,
        };
        let mut seg = Trainer::new(N_LABELS);
        let mut kinds = Trainer::new(N_KINDS);
        let mut filter = Trainer::new(2);
        let mut order: Vec<usize> = (0..n).collect();
        let mut rng = Rng::new(seed);
        let mut kf = Vec::with_capacity(40);
        let mut kscores = [0i64; N_KINDS];
        let mut fscores = [0i64; 2];
        let mut neighbours = Rng::new(seed ^ 0x6e16_4b0c);
        for epoch in 0..epochs {
            rng.shuffle(&mut order);
            segmenter_epoch(&mut seg, &r.closed, examples, &order);
            for &k in &order {
                let ex = &examples[k];
                let m = ex.atoms.len().min(ex.tags.len());
                let ctx = Context::new(&ex.atoms[..m], &ex.tags[..m]);
                for (gi, g) in ex.spans.iter().enumerate() {
                    if g.start >= g.end || g.end > m {
                        continue;
                    }
                    ctx.kind_features(g.start, g.end, &mut kf);
                    // Half the time with the neighbours' kinds in view, so
                    // that both looks of `recognize` are learnt.
                    if neighbours.below(2) == 0 {
                        ctx.neighbour_features(&ex.spans, gi, &mut kf);
                    }
                    let guess = kinds.best(&kf, &mut kscores, |_| true).unwrap_or(0);
                    kinds.update(&kf, g.kind as usize, guess);
                    kinds.tick();
                }
                for &(s, e) in &found[k] {
                    if ex.unsure.iter().any(|&(a, b)| a < e && s < b) {
                        continue;
                    }
                    let right = ex.spans.iter().any(|g| (g.start, g.end) == (s, e));
                    ctx.kind_features(s, e, &mut kf);
                    let guess = filter.best(&kf, &mut fscores, |_| true).unwrap_or(0);
                    filter.update(&kf, (!right) as usize, guess);
                    filter.tick();
                }
            }
            r.segment = seg.freeze(0.0);
            r.kinds = kinds.freeze(0.0);
            r.filter = filter.freeze(0.0);
            progress(epoch, &r);
        }
        r.segment = seg.freeze(PRUNE);
        r.kinds = kinds.freeze(PRUNE);
        r.filter = filter.freeze(PRUNE);
        r
    }

    /// Appends the model to a model file.
    pub fn write(&self, w: &mut Writer) {
        let mut closed: Vec<u64> = self.closed.iter().copied().collect();
        closed.sort_unstable();
        w.u64s(&closed);
        self.segment.write(w);
        self.kinds.write(w);
        self.filter.write(w);
    }

    /// Reads a model written by [`Recognizer::write`].
    pub fn read(r: &mut Reader) -> Result<Recognizer, String> {
        let closed = r.u64s()?.into_iter().collect();
        let segment = Weights::read(r)?;
        let kinds = Weights::read(r)?;
        let filter = Weights::read(r)?;
        if segment.classes() != N_LABELS || kinds.classes() != N_KINDS || filter.classes() != 2 {
            return Err("entity weights do not match its labels and kinds".into());
        }
        Ok(Recognizer {
            segment,
            kinds,
            filter,
            closed,
        })
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
        encode(n, &ex.spans, &ex.unsure, &mut gold);
        for (a, &g) in ex.atoms.iter().zip(&gold) {
            if a.flags & (FLAG_UPPER_START | FLAG_DIGIT) != 0 || g == UNSURE {
                continue;
            }
            let e = seen.entry(a.lower).or_default();
            e.0 += 1;
            e.1 |= g == B || g == U;
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
            unsure: Vec::new(),
        }
    }

    /// Sentences made from three patterns: a person moves to a place, a
    /// company hires a person, and sentences without names.
    fn training() -> Vec<Example> {
        use NameKind::*;
        let people = [
            ("Ann", "Lee"),
            ("Bo", "Kim"),
            ("Max", "Ruiz"),
            ("Eva", "Diaz"),
        ];
        let places = ["Oslo", "Lima", "Quito", "Baku", "Accra", "Hanoi"];
        let firms = ["Acme", "Zeta", "Orbit", "Nimbus"];
        let mut out = Vec::new();
        for (k, &(first, last)) in people.iter().enumerate() {
            for (j, &place) in places.iter().enumerate() {
                if (k + j) % 2 == 0 {
                    out.push(sent(
                        &[first, last, "moved", "to", place, "."],
                        &[(0, 2, Person), (4, 5, Place)],
                    ));
                } else {
                    out.push(sent(
                        &[firms[j % 4], "Corp", "hired", first, last, "."],
                        &[(0, 2, Organization), (3, 5, Person)],
                    ));
                }
            }
            out.push(sent(&["the", "cat", "sat", "on", "the", "hat", "."], &[]));
            out.push(sent(&["a", "hat", "sat", "on", "a", "cat", "."], &[]));
        }
        out
    }

    fn spans(r: &Recognizer, words: &[&str]) -> Vec<(usize, usize, NameKind)> {
        let ex = sent(words, &[]);
        let mut out = Vec::new();
        r.recognize(&ex.atoms, &ex.tags, &mut out);
        out.iter().map(|s| (s.start, s.end, s.kind)).collect()
    }

    #[test]
    fn learns_people_places_and_companies_from_their_context() {
        let r = Recognizer::train(&training(), 10, 1, |_, _| {});
        assert_eq!(
            spans(&r, &["Ida", "Moss", "moved", "to", "Riga", "."]),
            vec![(0, 2, NameKind::Person), (4, 5, NameKind::Place)]
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
        // A damaged byte anywhere gives an error or a model that still
        // answers without panicking.
        let words = sent(&["Eva", "Lee", "went", "to", "Oslo", "."], &[]);
        let mut out = Vec::new();
        for at in 0..raw.len() {
            let mut bad = raw.clone();
            bad[at] ^= 0xa5;
            if let Ok(mut r) = Reader::open(&bad, "ner")
                && let Ok(m) = Recognizer::read(&mut r)
            {
                m.recognize(&words.atoms, &words.tags, &mut out);
            }
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
        encode(6, &spans, &[], &mut l);
        assert_eq!(l, vec![U, O, B, I, L, O]);
        let mut back = Vec::new();
        decode(&l, &mut back);
        assert_eq!(back, vec![(0, 1), (2, 5)]);
        // A missed start: the span begins where the model is.
        assert_eq!(oracle(O, I, false), B);
        assert_eq!(oracle(O, L, false), U);
        // An open span that gold does not continue closes.
        assert_eq!(oracle(B, O, false), L);
        assert_eq!(oracle(I, I, true), L);
        for prev in 0..=START {
            for last in [false, true] {
                assert!((0..N_LABELS).any(|l| allowed(prev, l, last)));
            }
        }
    }
}

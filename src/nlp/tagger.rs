//! Part-of-speech tagger: a greedy left-to-right averaged perceptron that
//! predicts the UPOS and Penn tag of a word as one class ("VERB VBD").
//!
//! Features are the word, its affixes and shape, its neighbours up to two
//! away, the two tags already chosen, and each nearby word's *ambiguity
//! class* (the set of tags it had in training): that last one tells a
//! left-to-right tagger what the next word probably is ("to" before a word
//! that is mostly a verb). Words that had one tag in almost every one of
//! many training occurrences skip the model (a tag dictionary).

use rustc_hash::FxHashMap;

use super::Upos;
use super::labels;
use super::lexical::{Atoms, FLAG_PUNCT, FLAG_UPPER_START, PAD};
use super::model_file::{Reader, Writer};
use super::perceptron::{Rng, Trainer, Weights, argmax, mix};

/// The trained tagger.
#[derive(Clone, Debug)]
pub struct Tagger {
    classes: Vec<(Upos, &'static str)>,
    /// The first, left-to-right pass.
    first: Weights,
    /// The second pass, which also sees the first pass's tags to the right.
    second: Weights,
    /// Lowered form → bit set of the UPOS tags it had in training.
    ambiguity: FxHashMap<u64, u32>,
    /// Lowered form → the one class it (nearly) always had.
    fixed: FxHashMap<u64, u16>,
}

/// Tags of the training sentences, each predicted by a model that did not
/// see the sentence: what the parser should learn from.
#[derive(Clone, Debug, Default)]
pub struct Jackknifed {
    /// Best class per word.
    pub tags: Vec<Vec<u16>>,
    /// Second-best class per word.
    pub runner_up: Vec<Vec<u16>>,
}

/// One training sentence: atoms and gold classes.
pub struct Example {
    /// Atoms of each word.
    pub atoms: Vec<Atoms>,
    /// Gold class of each word.
    pub classes: Vec<u16>,
}

/// How many features a word has in the first pass.
const N_FEATURES: usize = 42;
/// How many more the second pass adds.
const N_RIGHT: usize = 6;

/// Where a word's case profile sits in its ambiguity bits: 0 unknown, then
/// 1 (never capitalised inside a sentence in training) to 4 (always).
const CASE_SHIFT: u32 = 20;
/// The UPOS bits of an ambiguity class.
const UPOS_BITS: u32 = (1 << 17) - 1;

/// How capitalised a sentence is: 0 mostly lower case, 1 mixed, 2 a
/// headline or title in which most words are capitalised.
fn caps_level(atoms: &[Atoms]) -> u64 {
    let words = atoms.iter().filter(|a| a.flags & FLAG_PUNCT == 0).count();
    let caps = atoms
        .iter()
        .filter(|a| a.flags & FLAG_PUNCT == 0 && a.flags & FLAG_UPPER_START != 0)
        .count();
    if words < 3 || caps * 10 < words * 3 {
        0
    } else if caps * 10 < words * 7 {
        1
    } else {
        2
    }
}

/// Ambiguity classes of the words before the sentence and after it.
const AMB_PAD: u32 = 1 << 30;

impl Tagger {
    /// Number of classes.
    pub fn n_classes(&self) -> usize {
        self.classes.len()
    }

    /// UPOS and Penn tag of a class.
    pub fn class(&self, c: u16) -> (Upos, &'static str) {
        self.classes
            .get(c as usize)
            .copied()
            .unwrap_or((Upos::X, "XX"))
    }

    /// The ambiguity class of a word: the set of UPOS tags (bit `Upos as
    /// u32`) it had in training, with its case profile above; 0 when unseen.
    pub fn amb(&self, a: &Atoms) -> u32 {
        self.ambiguity.get(&a.lower).copied().unwrap_or(0)
    }

    /// Tags one sentence: a class per word into `out`.
    pub fn tag(&self, atoms: &[Atoms], out: &mut Vec<u16>) {
        self.tag_with_runner_up(atoms, out, None);
    }

    /// Tags one sentence, and gives each word's second-best class in
    /// `runner_up` (its own class for dictionary words): the parser reads
    /// both, so a close call between "VBD" and "VBN" is not lost to it.
    pub fn tag_with_runner_up(
        &self,
        atoms: &[Atoms],
        out: &mut Vec<u16>,
        runner_up: Option<&mut Vec<u16>>,
    ) {
        let amb: Vec<u32> = atoms.iter().map(|a| self.amb(a)).collect();
        let mut first = Vec::with_capacity(atoms.len());
        self.pass(&self.first, atoms, &amb, None, &mut first, None);
        self.pass(&self.second, atoms, &amb, Some(&first), out, runner_up);
    }

    /// One left-to-right pass; the second pass gets the first one's tags as `right`.
    fn pass(
        &self,
        w: &Weights,
        atoms: &[Atoms],
        amb: &[u32],
        right: Option<&[u16]>,
        out: &mut Vec<u16>,
        mut runner_up: Option<&mut Vec<u16>>,
    ) {
        out.clear();
        if let Some(r) = runner_up.as_deref_mut() {
            r.clear();
        }
        let mut feats = [0u64; N_FEATURES + N_RIGHT];
        let n = if right.is_some() {
            N_FEATURES + N_RIGHT
        } else {
            N_FEATURES
        };
        let mut scores = vec![0i32; self.classes.len()];
        let caps = caps_level(atoms);
        for i in 0..atoms.len() {
            if let Some(&c) = self.fixed.get(&atoms[i].lower) {
                out.push(c);
                if let Some(r) = runner_up.as_deref_mut() {
                    r.push(c);
                }
                continue;
            }
            features(atoms, amb, out, right, caps, i, &mut feats);
            w.score(&feats[..n], &mut scores);
            let best = argmax(&scores, |_| true).unwrap_or(0);
            out.push(best as u16);
            if let Some(r) = runner_up.as_deref_mut() {
                r.push(argmax(&scores, |c| c != best).unwrap_or(best) as u16);
            }
        }
    }

    /// Learns a tagger. `classes` names each class as "UPOS XPOS"; the
    /// examples' classes index it. The second pass learns from first-pass
    /// tags that were predicted by models which never saw the sentence
    /// (`folds`-fold jackknifing), so it learns how far to trust them.
    /// Returns the tagger and those jackknifed tags, which are what the
    /// parser should train on: tags as wrong as they will be at run time.
    /// Deterministic for the same input and seed.
    pub fn train(
        classes: &[(Upos, &'static str)],
        examples: &[Example],
        epochs: usize,
        folds: usize,
        seed: u64,
        mut progress: impl FnMut(&str, &Tagger),
    ) -> (Tagger, Jackknifed) {
        let (ambiguity, fixed) = dictionaries(examples, classes);
        let mut tagger = Tagger {
            classes: classes.to_vec(),
            first: Weights::default(),
            second: Weights::default(),
            ambiguity,
            fixed,
        };
        let all: Vec<usize> = (0..examples.len()).collect();
        let mut right: Vec<Vec<u16>> = vec![Vec::new(); examples.len()];
        let mut alt: Vec<Vec<u16>> = vec![Vec::new(); examples.len()];
        let folds = folds.max(2);
        for k in 0..folds {
            let train: Vec<usize> = all.iter().copied().filter(|i| i % folds != k).collect();
            let w = tagger.learn(examples, &train, None, epochs, seed + k as u64, |_, _| {});
            for i in all.iter().copied().filter(|i| i % folds == k) {
                let amb: Vec<u32> = examples[i].atoms.iter().map(|a| tagger.amb(a)).collect();
                tagger.pass(
                    &w,
                    &examples[i].atoms,
                    &amb,
                    None,
                    &mut right[i],
                    Some(&mut alt[i]),
                );
            }
            progress(&format!("fold {k}"), &tagger);
        }
        tagger.first = tagger.learn(examples, &all, None, epochs, seed, |e, t| {
            progress(&format!("first pass, epoch {e}"), t)
        });
        tagger.second = tagger.learn(examples, &all, Some(&right), epochs, seed, |e, t| {
            progress(&format!("second pass, epoch {e}"), t)
        });
        (
            tagger,
            Jackknifed {
                tags: right,
                runner_up: alt,
            },
        )
    }

    /// Trains one pass on the examples `which`; `right` holds first-pass
    /// tags when this is the second pass.
    fn learn(
        &mut self,
        examples: &[Example],
        which: &[usize],
        right: Option<&[Vec<u16>]>,
        epochs: usize,
        seed: u64,
        mut progress: impl FnMut(usize, &Tagger),
    ) -> Weights {
        let mut model = Trainer::new(self.classes.len());
        let mut order = which.to_vec();
        let mut rng = Rng::new(seed);
        let mut feats = [0u64; N_FEATURES + N_RIGHT];
        let n = if right.is_some() {
            N_FEATURES + N_RIGHT
        } else {
            N_FEATURES
        };
        let mut scores = vec![0i64; self.classes.len()];
        let mut prev: Vec<u16> = Vec::new();
        for epoch in 0..epochs {
            rng.shuffle(&mut order);
            for &k in &order {
                let ex = &examples[k];
                let amb: Vec<u32> = ex.atoms.iter().map(|a| self.amb(a)).collect();
                let r = right.map(|r| r[k].as_slice());
                let caps = caps_level(&ex.atoms);
                prev.clear();
                for i in 0..ex.atoms.len() {
                    let gold = ex.classes[i];
                    if self.fixed.contains_key(&ex.atoms[i].lower) {
                        prev.push(gold);
                        continue;
                    }
                    features(&ex.atoms, &amb, &prev, r, caps, i, &mut feats);
                    let guess = model.best(&feats[..n], &mut scores, |_| true).unwrap_or(0);
                    model.update(&feats[..n], gold as usize, guess);
                    model.tick();
                    prev.push(guess as u16);
                }
            }
            if right.is_some() {
                self.second = model.freeze(0.0);
            } else {
                self.first = model.freeze(0.0);
                self.second = self.first.clone();
            }
            progress(epoch, self);
        }
        model.freeze(0.05)
    }

    /// Appends the model to a model file.
    pub fn write(&self, w: &mut Writer) {
        let names: Vec<String> = self
            .classes
            .iter()
            .map(|(u, x)| format!("{} {x}", u.as_str()))
            .collect();
        w.strs(&names);
        let mut amb: Vec<(u64, u32)> = self.ambiguity.iter().map(|(&k, &v)| (k, v)).collect();
        amb.sort_unstable();
        w.u64s(&amb.iter().map(|p| p.0).collect::<Vec<_>>());
        w.u32s(&amb.iter().map(|p| p.1).collect::<Vec<_>>());
        let mut fixed: Vec<(u64, u16)> = self.fixed.iter().map(|(&k, &v)| (k, v)).collect();
        fixed.sort_unstable();
        w.u64s(&fixed.iter().map(|p| p.0).collect::<Vec<_>>());
        w.u32s(&fixed.iter().map(|p| p.1 as u32).collect::<Vec<_>>());
        self.first.write(w);
        self.second.write(w);
    }

    /// Reads a model written by [`Tagger::write`].
    pub fn read(r: &mut Reader) -> Result<Tagger, String> {
        let names = r.strs()?;
        let mut classes = Vec::with_capacity(names.len());
        for n in &names {
            let (u, x) = n
                .split_once(' ')
                .ok_or_else(|| format!("bad tag class {n:?}"))?;
            let u = Upos::parse(u).ok_or_else(|| format!("unknown UPOS {u:?}"))?;
            let x = labels::xpos(x).ok_or_else(|| format!("unknown Penn tag {x:?}"))?;
            classes.push((u, x));
        }
        let keys = r.u64s()?;
        let vals = r.u32s()?;
        if keys.len() != vals.len() {
            return Err("tagger lexicon has a bad shape".into());
        }
        let ambiguity = keys.into_iter().zip(vals).collect();
        let keys = r.u64s()?;
        let vals = r.u32s()?;
        if keys.len() != vals.len() || vals.iter().any(|&v| v as usize >= classes.len()) {
            return Err("tagger dictionary has a bad shape".into());
        }
        let fixed = keys
            .into_iter()
            .zip(vals.into_iter().map(|v| v as u16))
            .collect();
        let first = Weights::read(r)?;
        let second = Weights::read(r)?;
        if first.classes() != classes.len() || second.classes() != classes.len() {
            return Err("tagger weights do not match its classes".into());
        }
        Ok(Tagger {
            classes,
            first,
            second,
            ambiguity,
            fixed,
        })
    }
}

/// The ambiguity classes and the tag dictionary from the training data.
fn dictionaries(
    examples: &[Example],
    classes: &[(Upos, &'static str)],
) -> (FxHashMap<u64, u32>, FxHashMap<u64, u16>) {
    let mut counts: FxHashMap<u64, FxHashMap<u16, u32>> = FxHashMap::default();
    // Per lowered form: (times seen inside a sentence, times capitalised there).
    let mut case: FxHashMap<u64, (u32, u32)> = FxHashMap::default();
    for ex in examples {
        for (i, (a, &c)) in ex.atoms.iter().zip(&ex.classes).enumerate() {
            *counts.entry(a.lower).or_default().entry(c).or_default() += 1;
            if i > 0 && a.flags & FLAG_PUNCT == 0 {
                let e = case.entry(a.lower).or_default();
                e.0 += 1;
                e.1 += (a.flags & FLAG_UPPER_START != 0) as u32;
            }
        }
    }
    let mut ambiguity = FxHashMap::default();
    let mut fixed = FxHashMap::default();
    for (&w, by_class) in &counts {
        let total: u32 = by_class.values().sum();
        // A word seen once says little about its other uses; leaving hapaxes
        // out also makes training look like test time, where rare words are unseen.
        if total < 2 {
            continue;
        }
        let mut bits = 0u32;
        for (&c, &n) in by_class {
            if n * 20 >= total {
                bits |= 1 << (classes[c as usize].0 as u32);
            }
        }
        if let Some(&(n, caps)) = case.get(&w).filter(|c| c.0 > 0) {
            let r = caps as f64 / n as f64;
            let bucket = if r < 0.05 {
                1
            } else if r < 0.5 {
                2
            } else if r < 0.95 {
                3
            } else {
                4
            };
            bits |= bucket << CASE_SHIFT;
        }
        ambiguity.insert(w, bits);
        let (&best, &n) = by_class
            .iter()
            .max_by_key(|&(&c, &n)| (n, std::cmp::Reverse(c)))
            .unwrap_or((&0, &0));
        if total >= 20 && n as f64 >= 0.995 * total as f64 {
            fixed.insert(w, best);
        }
    }
    (ambiguity, fixed)
}

/// The features of word `i`, given the classes already chosen for the words
/// before it and, in the second pass, the first pass's classes (`right`).
fn features(
    atoms: &[Atoms],
    amb: &[u32],
    prev: &[u16],
    right: Option<&[u16]>,
    caps: u64,
    i: usize,
    f: &mut [u64; N_FEATURES + N_RIGHT],
) {
    let at = |k: isize| -> &Atoms {
        let j = i as isize + k;
        if j < 0 || j as usize >= atoms.len() {
            &PAD
        } else {
            &atoms[j as usize]
        }
    };
    let amb_at = |k: isize| -> u64 {
        let j = i as isize + k;
        if j < 0 || j as usize >= amb.len() {
            AMB_PAD as u64
        } else {
            amb[j as usize] as u64
        }
    };
    let p1 = if i >= 1 { prev[i - 1] as u64 } else { 1000 };
    let p2 = if i >= 2 { prev[i - 2] as u64 } else { 1000 };
    let w = at(0);
    let (wm1, wm2, wp1, wp2) = (at(-1), at(-2), at(1), at(2));
    let first = (i == 0) as u64;
    if let Some(r) = right {
        let r_at = |k: usize| r.get(i + k).map_or(1000, |&c| c as u64);
        f[N_FEATURES..].copy_from_slice(&[
            mix(&[40, r_at(0)]),
            mix(&[41, r_at(1)]),
            mix(&[42, r_at(2)]),
            mix(&[43, r_at(1), r_at(2)]),
            mix(&[44, p1, r_at(1)]),
            mix(&[45, w.lower, r_at(1)]),
        ]);
    }
    f[..N_FEATURES].copy_from_slice(&[
        mix(&[0]),
        mix(&[1, w.form]),
        mix(&[2, w.lower]),
        mix(&[3, w.suffix[0]]),
        mix(&[4, w.suffix[1]]),
        mix(&[5, w.suffix[2]]),
        mix(&[6, w.suffix[3]]),
        mix(&[7, w.prefix[0]]),
        mix(&[8, w.prefix[1]]),
        mix(&[9, w.prefix[2]]),
        mix(&[10, w.shape]),
        mix(&[11, w.flags as u64, first]),
        mix(&[12, p1]),
        mix(&[13, p2]),
        mix(&[14, p1, p2]),
        mix(&[15, p1, w.lower]),
        mix(&[16, wm1.lower]),
        mix(&[17, wm1.suffix[2]]),
        mix(&[18, wm2.lower]),
        mix(&[19, wp1.lower]),
        mix(&[20, wp1.suffix[2]]),
        mix(&[21, wp2.lower]),
        mix(&[22, amb_at(0)]),
        mix(&[23, amb_at(1)]),
        mix(&[24, amb_at(2)]),
        mix(&[25, amb_at(0), amb_at(1)]),
        mix(&[26, wm1.lower, w.lower]),
        mix(&[27, w.lower, wp1.lower]),
        mix(&[28, p1, amb_at(1)]),
        mix(&[29, wp1.shape]),
        mix(&[30, wm1.shape]),
        mix(&[31, p1, w.suffix[2]]),
        mix(&[32, amb_at(0), p1]),
        mix(&[
            33,
            w.flags as u64 & FLAG_UPPER_START as u64,
            wm1.flags as u64,
            first,
        ]),
        mix(&[34, wp1.flags as u64, w.shape]),
        mix(&[35, amb_at(-1), amb_at(0), amb_at(1)]),
        mix(&[36, amb_at(0) >> CASE_SHIFT]),
        mix(&[
            37,
            caps,
            w.flags as u64 & FLAG_UPPER_START as u64,
            amb_at(0) >> CASE_SHIFT,
            first,
        ]),
        mix(&[
            38,
            caps,
            amb_at(0) & UPOS_BITS as u64,
            w.flags as u64 & FLAG_UPPER_START as u64,
        ]),
        mix(&[39, w.lex as u64, (amb_at(0) == 0) as u64]),
        mix(&[
            40,
            w.lex as u64,
            w.flags as u64 & FLAG_UPPER_START as u64,
            caps,
            (amb_at(0) == 0) as u64,
        ]),
        mix(&[41, wp1.lex as u64, (amb_at(1) == 0) as u64]),
    ]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ex(words: &[&str], classes: &[u16]) -> Example {
        let mut b = String::new();
        Example {
            atoms: words.iter().map(|w| Atoms::of(w, &mut b)).collect(),
            classes: classes.to_vec(),
        }
    }

    #[test]
    fn learns_context_and_survives_a_round_trip() {
        let classes = [(Upos::Det, "DT"), (Upos::Noun, "NN"), (Upos::Verb, "VBZ")];
        let data = vec![
            ex(&["the", "dog", "barks"], &[0, 1, 2]),
            ex(&["the", "cat", "sleeps"], &[0, 1, 2]),
            ex(&["a", "bird", "sings"], &[0, 1, 2]),
        ];
        let (t, _) = Tagger::train(&classes, &data, 5, 2, 7, |_, _| {});
        let mut b = String::new();
        let atoms: Vec<Atoms> = ["the", "fox", "runs"]
            .iter()
            .map(|w| Atoms::of(w, &mut b))
            .collect();
        let mut out = Vec::new();
        t.tag(&atoms, &mut out);
        assert_eq!(out[0], 0);
        let mut w = Writer::new("tagger");
        t.write(&mut w);
        let raw = w.finish();
        let back = Tagger::read(&mut Reader::open(&raw, "tagger").unwrap()).unwrap();
        let mut out2 = Vec::new();
        back.tag(&atoms, &mut out2);
        assert_eq!(out, out2);
        assert_eq!(back.class(2), (Upos::Verb, "VBZ"));
        t.tag(&[], &mut out);
        assert!(out.is_empty());
    }
}

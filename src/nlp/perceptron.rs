//! The averaged perceptron (Collins 2002) every lore model is built on:
//! hashed sparse features, one row of class weights per feature.
//!
//! Training ([`Trainer`]) keeps exact integer weights and their time-weighted
//! sums (Daumé's trick: `avg = w - sum/t`), so training is deterministic and
//! averaging costs nothing per step. [`Trainer::freeze`] turns the averages
//! into [`Weights`]: rows pruned of near-zero weights, quantised to `i16`
//! with one scale, in an open-addressing table that is read straight from
//! the model file without rehashing.
//!
//! Architecture invariant: a feature is a `u64` hash; nothing here knows
//! what the features mean.

use rustc_hash::FxHashMap;

use super::model_file::{Reader, Writer};

/// Mixes values into a feature key (FxHash steps, then a murmur3 finaliser so
/// nearby inputs land far apart in the table).
#[inline]
pub fn mix(parts: &[u64]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &p in parts {
        h = (h.rotate_left(5) ^ p).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    fmix(h)
}

/// The murmur3 64-bit finaliser.
#[inline]
pub fn fmix(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^= h >> 33;
    h
}

/// Hash of a string, for word and affix features.
#[inline]
pub fn hash_str(s: &str) -> u64 {
    use std::hash::Hasher;
    let mut h = rustc_hash::FxHasher::default();
    h.write(s.as_bytes());
    fmix(h.finish() ^ s.len() as u64)
}

/// A small deterministic random number generator (SplitMix64), so every
/// training run shuffles and explores the same way.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        fmix(self.0)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// Shuffles a slice (Fisher–Yates).
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.below(i + 1);
            v.swap(i, j);
        }
    }
}

/// Averaged-perceptron weights under training.
#[derive(Clone, Debug)]
pub struct Trainer {
    classes: usize,
    rows: FxHashMap<u64, u32>,
    /// Current weights, row-major.
    w: Vec<i32>,
    /// Sum of `t * delta` over every update, for the average.
    acc: Vec<i64>,
    /// Updates so far (the perceptron's clock).
    t: i64,
}

impl Trainer {
    /// A trainer for `classes` classes.
    pub fn new(classes: usize) -> Trainer {
        Trainer {
            classes,
            rows: FxHashMap::default(),
            w: Vec::new(),
            acc: Vec::new(),
            t: 1,
        }
    }

    /// Number of classes.
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// Advances the clock: call once per training instance.
    pub fn tick(&mut self) {
        self.t += 1;
    }

    /// Adds the current (not averaged) weights of `feats` into `scores`.
    pub fn score(&self, feats: &[u64], scores: &mut [i64]) {
        scores.iter_mut().for_each(|s| *s = 0);
        for f in feats {
            if let Some(&r) = self.rows.get(f) {
                let row = &self.w[r as usize * self.classes..][..self.classes];
                for (s, &w) in scores.iter_mut().zip(row) {
                    *s += w as i64;
                }
            }
        }
    }

    /// The best class by current weights among those `allowed` says yes to;
    /// ties go to the lower class number.
    pub fn best(
        &self,
        feats: &[u64],
        scores: &mut [i64],
        allowed: impl Fn(usize) -> bool,
    ) -> Option<usize> {
        self.score(feats, scores);
        argmax(scores, allowed)
    }

    /// Moves weight from `guess` to `truth` for every feature.
    pub fn update(&mut self, feats: &[u64], truth: usize, guess: usize) {
        if truth == guess {
            return;
        }
        for &f in feats {
            let r = self.row(f);
            for (c, d) in [(truth, 1i32), (guess, -1i32)] {
                let i = r * self.classes + c;
                self.w[i] += d;
                self.acc[i] += self.t * d as i64;
            }
        }
    }

    fn row(&mut self, f: u64) -> usize {
        let next = self.rows.len() as u32;
        let r = *self.rows.entry(f).or_insert(next);
        if r == next {
            self.w.resize(self.w.len() + self.classes, 0);
            self.acc.resize(self.acc.len() + self.classes, 0);
        }
        r as usize
    }

    /// The averaged weights, rows whose largest average magnitude is below
    /// `prune` dropped, quantised to `i16`.
    pub fn freeze(&self, prune: f64) -> Weights {
        let t = self.t as f64;
        let c = self.classes;
        let mut keys: Vec<(u64, u32)> = self.rows.iter().map(|(&k, &r)| (k, r)).collect();
        keys.sort_unstable();
        let mut kept: Vec<(u64, Vec<f64>)> = Vec::new();
        let mut max_abs = 0f64;
        for (k, r) in keys {
            let base = r as usize * c;
            let avg: Vec<f64> = (0..c)
                .map(|j| self.w[base + j] as f64 - self.acc[base + j] as f64 / t)
                .collect();
            let m = avg.iter().fold(0f64, |m, v| m.max(v.abs()));
            if m >= prune && m > 0.0 {
                max_abs = max_abs.max(m);
                kept.push((k, avg));
            }
        }
        let scale = if max_abs > 0.0 {
            32767.0 / max_abs
        } else {
            1.0
        };
        Weights::build(
            c,
            kept.into_iter().map(|(k, avg)| {
                let q: Vec<i16> = avg.iter().map(|v| (v * scale).round() as i16).collect();
                (k, q)
            }),
            (1.0 / scale) as f32,
        )
    }

    /// Number of feature rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True before the first update.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// The best class among the allowed ones; ties go to the lower class number.
pub fn argmax<T: PartialOrd + Copy>(
    scores: &[T],
    allowed: impl Fn(usize) -> bool,
) -> Option<usize> {
    let mut best: Option<(usize, T)> = None;
    for (c, &s) in scores.iter().enumerate() {
        if allowed(c) && best.is_none_or(|(_, b)| s > b) {
            best = Some((c, s));
        }
    }
    best.map(|(c, _)| c)
}

/// Frozen, quantised weights for inference.
#[derive(Clone, Debug, Default)]
pub struct Weights {
    classes: usize,
    /// Open-addressing table of feature fingerprints (0 = empty slot).
    slots: Vec<u32>,
    /// Row of each slot's feature.
    row_of: Vec<u32>,
    /// Row-major `i16` weights.
    data: Vec<i16>,
    /// What one unit of `data` is worth.
    scale: f32,
}

/// The probe position and the fingerprint of a feature key.
#[inline]
fn slot_and_print(key: u64, mask: usize) -> (usize, u32) {
    let fp = (key >> 32) as u32;
    ((key as usize) & mask, if fp == 0 { 1 } else { fp })
}

impl Weights {
    fn build(
        classes: usize,
        rows: impl ExactSizeIterator<Item = (u64, Vec<i16>)>,
        scale: f32,
    ) -> Weights {
        let n = rows.len();
        // Load factor at most 1/2, so a missing feature ends its probe soon.
        let size = (n * 2).next_power_of_two().max(16);
        let mask = size - 1;
        let mut slots = vec![0u32; size];
        let mut row_of = vec![0u32; size];
        let mut data = Vec::with_capacity(n * classes);
        for (r, (key, q)) in rows.enumerate() {
            let (mut i, fp) = slot_and_print(key, mask);
            while slots[i] != 0 {
                i = (i + 1) & mask;
            }
            slots[i] = fp;
            row_of[i] = r as u32;
            data.extend_from_slice(&q);
        }
        Weights {
            classes,
            slots,
            row_of,
            data,
            scale,
        }
    }

    /// Number of classes.
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// Number of feature rows kept.
    pub fn rows(&self) -> usize {
        self.data.len() / self.classes.max(1)
    }

    /// The row of one feature, if the model has it.
    #[inline]
    pub fn row(&self, key: u64) -> Option<&[i16]> {
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let (mut i, fp) = slot_and_print(key, mask);
        loop {
            let s = self.slots[i];
            if s == 0 {
                return None;
            }
            if s == fp {
                let r = self.row_of[i] as usize * self.classes;
                return self.data.get(r..r + self.classes);
            }
            i = (i + 1) & mask;
        }
    }

    /// Sums the rows of `feats` into `scores` (cleared first).
    #[inline]
    pub fn score(&self, feats: &[u64], scores: &mut [i32]) {
        scores.iter_mut().for_each(|s| *s = 0);
        for &f in feats {
            if let Some(row) = self.row(f) {
                for (s, &w) in scores.iter_mut().zip(row) {
                    *s += w as i32;
                }
            }
        }
    }

    /// What one unit of a score is worth in perceptron weight.
    pub fn scale(&self) -> f32 {
        self.scale
    }

    /// Appends the weights to a model file.
    pub fn write(&self, w: &mut Writer) {
        w.u32(self.classes as u32);
        w.f32(self.scale);
        w.u32s(&self.slots);
        w.u32s(&self.row_of);
        w.i16s(&self.data);
    }

    /// Reads weights written by [`Weights::write`].
    pub fn read(r: &mut Reader) -> Result<Weights, String> {
        let classes = r.u32()? as usize;
        let scale = r.f32()?;
        let slots = r.u32s()?;
        let row_of = r.u32s()?;
        let data = r.i16s()?;
        if classes == 0 || !slots.len().is_power_of_two() || slots.len() != row_of.len() {
            return Err("weight table has a bad shape".into());
        }
        let rows = data.len() / classes;
        if data.len() % classes != 0
            || slots
                .iter()
                .zip(&row_of)
                .any(|(&s, &r)| s != 0 && r as usize >= rows)
        {
            return Err("weight table points past its rows".into());
        }
        Ok(Weights {
            classes,
            slots,
            row_of,
            data,
            scale,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_a_separable_problem_and_freezes_to_the_same_answers() {
        // Class = which of two words is present.
        let a = mix(&[1, 10]);
        let b = mix(&[1, 20]);
        let bias = mix(&[0]);
        let data = [(vec![a, bias], 0usize), (vec![b, bias], 1usize)];
        let mut t = Trainer::new(2);
        let mut scores = vec![0i64; 2];
        for _ in 0..5 {
            for (f, y) in &data {
                let g = t.best(f, &mut scores, |_| true).unwrap();
                t.update(f, *y, g);
                t.tick();
            }
        }
        let w = t.freeze(0.0);
        let mut s = vec![0i32; 2];
        for (f, y) in &data {
            w.score(f, &mut s);
            assert_eq!(argmax(&s, |_| true), Some(*y));
        }
        let mut out = Writer::default();
        w.write(&mut out);
        let bytes = out.finish();
        let mut r = Reader::new(&bytes);
        let back = Weights::read(&mut r).unwrap();
        for (f, y) in &data {
            back.score(f, &mut s);
            assert_eq!(argmax(&s, |_| true), Some(*y));
        }
    }

    #[test]
    fn unknown_features_score_nothing() {
        let w = Trainer::new(3).freeze(0.0);
        let mut s = vec![5i32; 3];
        w.score(&[mix(&[9])], &mut s);
        assert_eq!(s, vec![0, 0, 0]);
    }
}

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
    /// `prune` dropped (and, in sparse rows, single weights below it),
    /// quantised to `i16`.
    pub fn freeze(&self, prune: f64) -> Weights {
        self.freeze_with(prune, prune)
    }

    /// As [`Trainer::freeze`], with its own threshold for single weights in
    /// sparse rows.
    pub fn freeze_with(&self, prune: f64, entry_prune: f64) -> Weights {
        let t = self.t as f64;
        let c = self.classes;
        let mut keys: Vec<(u64, u32)> = self.rows.iter().map(|(&k, &r)| (k, r)).collect();
        keys.sort_unstable();
        let mut kept: Vec<(u64, Vec<f64>)> = Vec::new();
        let mut max_abs = 0f64;
        for (k, r) in keys {
            let base = r as usize * c;
            let mut avg: Vec<f64> = (0..c)
                .map(|j| self.w[base + j] as f64 - self.acc[base + j] as f64 / t)
                .collect();
            // A sparse row keeps only the classes the feature speaks for.
            if c > DENSE_MAX {
                avg.iter_mut()
                    .filter(|v| v.abs() < entry_prune)
                    .for_each(|v| *v = 0.0);
            }
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

/// Frozen, quantised weights for inference, in an open-addressing table
/// laid out so that one feature costs one cache miss, or two:
///
/// - models of at most [`DENSE_MAX`] classes keep each row inside its slot
///   (fingerprint, then the class weights), so finding a feature finds its
///   weights;
/// - larger models keep, per slot, a fingerprint, a length and an offset
///   into a list of `(class, weight)` entries holding only the weights
///   that survived pruning: most features speak for a few classes only, so
///   a row is a few entries rather than one weight per class.
#[derive(Clone, Debug, Default)]
pub struct Weights {
    classes: usize,
    /// Dense models: per slot `DENSE_STRIDE(classes)` `i16`s: the fingerprint
    /// as two halves (0 = empty), then the weights.
    dense: Vec<i16>,
    /// Sparse models: per slot, fingerprint (24 bits) << 40 | length (8 bits)
    /// << 32 | offset (32 bits) into `entries`; 0 is an empty slot.
    slots: Vec<u64>,
    /// Sparse rows: class << 16 | weight as `u16`.
    entries: Vec<u32>,
    /// What one unit of a weight is worth.
    scale: f32,
}

/// Largest number of classes whose rows are stored inside their slots.
pub const DENSE_MAX: usize = 8;

/// `i16`s per slot of a dense table.
fn stride(classes: usize) -> usize {
    classes + 2
}

/// The home slot and the 32-bit fingerprint (never 0) of a feature key.
#[inline]
fn slot_and_print(key: u64, mask: usize) -> (usize, u32) {
    let fp = (key >> 32) as u32;
    ((key as usize) & mask, if fp == 0 { 1 } else { fp })
}

/// The 24-bit fingerprint (never 0) of a feature key, for sparse tables.
#[inline]
fn print24(key: u64) -> u64 {
    let fp = (key >> 40) & 0xff_ffff;
    if fp == 0 { 1 } else { fp }
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
        let mut w = Weights {
            classes,
            scale,
            ..Weights::default()
        };
        if classes <= DENSE_MAX {
            let st = stride(classes);
            w.dense = vec![0i16; size * st];
            for (key, q) in rows {
                let (mut i, fp) = slot_and_print(key, mask);
                while w.dense[i * st] != 0 || w.dense[i * st + 1] != 0 {
                    i = (i + 1) & mask;
                }
                let slot = &mut w.dense[i * st..(i + 1) * st];
                slot[0] = (fp & 0xffff) as u16 as i16;
                slot[1] = (fp >> 16) as u16 as i16;
                slot[2..].copy_from_slice(&q);
            }
        } else {
            w.slots = vec![0u64; size];
            for (key, q) in rows {
                let offset = w.entries.len() as u64;
                for (c, &x) in q.iter().enumerate() {
                    if x != 0 {
                        w.entries.push((c as u32) << 16 | x as u16 as u32);
                    }
                }
                let len = w.entries.len() as u64 - offset;
                if len == 0 {
                    continue;
                }
                let mut i = (key as usize) & mask;
                while w.slots[i] != 0 {
                    i = (i + 1) & mask;
                }
                w.slots[i] = print24(key) << 40 | len.min(255) << 32 | offset;
            }
        }
        w
    }

    /// Number of classes.
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// Number of feature rows kept.
    pub fn rows(&self) -> usize {
        if self.classes <= DENSE_MAX {
            let st = stride(self.classes);
            self.dense
                .chunks_exact(st)
                .filter(|s| s[0] != 0 || s[1] != 0)
                .count()
        } else {
            self.slots.iter().filter(|&&s| s != 0).count()
        }
    }

    /// Adds the row of one feature to `scores`, if the model has the feature.
    #[inline]
    fn add(&self, key: u64, scores: &mut [i32]) {
        if self.classes <= DENSE_MAX {
            let st = stride(self.classes);
            let slots = self.dense.len() / st;
            if slots == 0 {
                return;
            }
            let (mut i, fp) = slot_and_print(key, slots - 1);
            let (lo, hi) = ((fp & 0xffff) as u16 as i16, (fp >> 16) as u16 as i16);
            loop {
                let slot = &self.dense[i * st..(i + 1) * st];
                if slot[0] == 0 && slot[1] == 0 {
                    return;
                }
                if slot[0] == lo && slot[1] == hi {
                    for (s, &w) in scores.iter_mut().zip(&slot[2..]) {
                        *s += w as i32;
                    }
                    return;
                }
                i = (i + 1) & (slots - 1);
            }
        } else {
            if self.slots.is_empty() {
                return;
            }
            let mask = self.slots.len() - 1;
            let fp = print24(key);
            let mut i = (key as usize) & mask;
            loop {
                let slot = self.slots[i];
                if slot == 0 {
                    return;
                }
                if slot >> 40 == fp {
                    let off = (slot & 0xffff_ffff) as usize;
                    let len = ((slot >> 32) & 0xff) as usize;
                    for &e in self.entries.get(off..off + len).unwrap_or(&[]) {
                        if let Some(s) = scores.get_mut((e >> 16) as usize) {
                            *s += e as u16 as i16 as i32;
                        }
                    }
                    return;
                }
                i = (i + 1) & mask;
            }
        }
    }

    /// Touches the home slot of every feature before any is read, so that
    /// their cache misses overlap instead of waiting one after another.
    #[inline]
    fn warm(&self, feats: &[u64]) {
        let mut acc = 0u64;
        if self.classes <= DENSE_MAX {
            let st = stride(self.classes);
            let slots = self.dense.len() / st;
            if slots == 0 {
                return;
            }
            for &f in feats {
                acc = acc.wrapping_add(self.dense[((f as usize) & (slots - 1)) * st] as u64);
            }
        } else if !self.slots.is_empty() {
            let mask = self.slots.len() - 1;
            for &f in feats {
                acc = acc.wrapping_add(self.slots[(f as usize) & mask]);
            }
        }
        std::hint::black_box(acc);
    }

    /// Sums the rows of `feats` into `scores` (cleared first).
    #[inline]
    pub fn score(&self, feats: &[u64], scores: &mut [i32]) {
        scores.iter_mut().for_each(|s| *s = 0);
        self.warm(feats);
        for &f in feats {
            self.add(f, scores);
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
        w.i16s(&self.dense);
        w.u64s(&self.slots);
        w.u32s(&self.entries);
    }

    /// Reads weights written by [`Weights::write`].
    pub fn read(r: &mut Reader) -> Result<Weights, String> {
        let classes = r.u32()? as usize;
        let scale = r.f32()?;
        let dense = r.i16s()?;
        let slots = r.u64s()?;
        let entries = r.u32s()?;
        if classes == 0 || classes > 255 {
            return Err("weight table has a bad shape".into());
        }
        if classes <= DENSE_MAX {
            let st = stride(classes);
            if !slots.is_empty()
                || dense.len() % st != 0
                || !(dense.is_empty() || (dense.len() / st).is_power_of_two())
            {
                return Err("weight table has a bad shape".into());
            }
        } else {
            if !dense.is_empty() || !(slots.is_empty() || slots.len().is_power_of_two()) {
                return Err("weight table has a bad shape".into());
            }
            let bad_row = slots.iter().any(|&s| {
                s != 0 && ((s & 0xffff_ffff) + ((s >> 32) & 0xff)) as usize > entries.len()
            });
            if bad_row || entries.iter().any(|&e| (e >> 16) as usize >= classes) {
                return Err("weight table points past its rows".into());
            }
        }
        Ok(Weights {
            classes,
            dense,
            slots,
            entries,
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

//! Sentence boundaries.
//!
//! Text is first cut into blocks at line breaks: a blank line always ends a
//! sentence, and so does a single line break, except where the line reads
//! on into the next ("...the committee\nvoted on Monday": the first line
//! does not end in closing punctuation and the next one starts in lower
//! case). Within a block, a perceptron decides at every gap between two
//! tokens whether a sentence ends there. It sees the words on both sides,
//! their shapes, what the tagger's lexicon knows of the next word (is
//! "The" a determiner, is "Smith" a name?), WordNet's view of it, and how
//! long the sentence is so far; it learns from the treebanks' own sentence
//! boundaries, so "Mr. Smith", "U.S. officials" and "3 p.m. Monday" stay
//! whole without a list of abbreviations.

use super::lexical::{Atoms, FLAG_PUNCT, FLAG_UPPER_START, PAD};
use super::model_file::{Reader, Writer};
use super::perceptron::{Rng, Trainer, Weights, argmax, mix};
use super::tokenize::TokWord;

/// The trained boundary model.
#[derive(Clone, Debug, Default)]
pub struct Splitter {
    weights: Weights,
}

/// Number of features of a gap.
const N_FEATURES: usize = 24;

/// Longest sentence the pipeline hands on, in words: a longer run is cut
/// at its most likely gap, so that no sentence costs the parser more than
/// a bounded amount.
pub const MAX_WORDS: usize = 250;

/// One training block: its words and, per gap, whether a sentence ends.
pub struct Example {
    /// Atoms of the words.
    pub atoms: Vec<Atoms>,
    /// Ambiguity classes of the words (from the tagger).
    pub amb: Vec<u32>,
    /// Bytes of white space between word i and i+1, and whether it holds a line break.
    pub gaps: Vec<(u32, bool)>,
    /// Gold: a sentence ends after word i.
    pub ends: Vec<bool>,
    /// Word i and i+1 belong to one token (never a boundary).
    pub joined: Vec<bool>,
}

/// The features of the gap after word `i`.
fn features(
    atoms: &[Atoms],
    amb: &[u32],
    gaps: &[(u32, bool)],
    i: usize,
    since: usize,
    f: &mut [u64; N_FEATURES],
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
            1 << 31
        } else {
            amb[j as usize] as u64
        }
    };
    let (w, n, p, nn) = (at(0), at(1), at(-1), at(2));
    let (space, newline) = gaps.get(i).copied().unwrap_or((1, false));
    let space = space.min(3) as u64;
    let len = match since {
        0..=2 => 0,
        3..=5 => 1,
        6..=12 => 2,
        13..=30 => 3,
        _ => 4,
    };
    let cap = |a: &Atoms| (a.flags & FLAG_UPPER_START != 0) as u64;
    *f = [
        mix(&[0]),
        mix(&[1, w.lower]),
        mix(&[2, n.lower]),
        mix(&[3, w.lower, n.lower]),
        mix(&[4, p.lower, w.lower]),
        mix(&[5, w.shape, n.shape]),
        mix(&[6, p.shape, w.shape]),
        mix(&[7, w.lower, cap(n)]),
        mix(&[8, w.lower, amb_at(1)]),
        mix(&[9, p.lower, w.lower, cap(n)]),
        mix(&[
            10,
            space,
            newline as u64,
            w.flags as u64 & FLAG_PUNCT as u64,
        ]),
        mix(&[11, w.lower, space]),
        mix(&[12, len, w.lower]),
        mix(&[13, len, cap(n), w.flags as u64 & FLAG_PUNCT as u64]),
        mix(&[14, n.lex as u64, cap(n), w.lower]),
        mix(&[15, amb_at(-1), w.lower, amb_at(1)]),
        mix(&[16, p.suffix[1], w.lower]),
        mix(&[17, n.lower, nn.lower]),
        mix(&[18, w.lower, n.shape, nn.shape]),
        mix(&[19, p.flags as u64, w.lower, n.flags as u64]),
        mix(&[20, amb_at(0), w.lower]),
        mix(&[21, w.suffix[0], n.prefix[0]]),
        mix(&[22, p.lower, w.lower, n.lower]),
        mix(&[23, len, newline as u64]),
    ];
}

impl Splitter {
    /// Decides, for each gap of a block of words, whether a sentence ends
    /// there; the last word always ends one. `joined[i]` marks gaps inside
    /// a token, which never end one.
    pub fn ends(
        &self,
        atoms: &[Atoms],
        amb: &[u32],
        gaps: &[(u32, bool)],
        joined: &[bool],
        out: &mut Vec<bool>,
    ) {
        out.clear();
        let n = atoms.len();
        let mut f = [0u64; N_FEATURES];
        let mut s = [0i32; 2];
        let mut since = 0;
        // Per word, how sure the model is of a boundary after it, for
        // cutting sentences that would be too long.
        let mut margin: Vec<i32> = Vec::with_capacity(n);
        for i in 0..n {
            since += 1;
            if i + 1 == n {
                out.push(true);
                margin.push(i32::MAX);
                break;
            }
            if joined.get(i).copied().unwrap_or(false) {
                out.push(false);
                margin.push(i32::MIN);
                continue;
            }
            features(atoms, amb, gaps, i, since, &mut f);
            self.weights.score(&f, &mut s);
            let end = argmax(&s, |_| true) == Some(1);
            out.push(end);
            margin.push(s[1].saturating_sub(s[0]));
            if end {
                since = 0;
            }
        }
        cut_long(out, &margin);
    }

    /// Learns boundaries from training blocks. Deterministic.
    pub fn train(
        examples: &[Example],
        epochs: usize,
        seed: u64,
        mut progress: impl FnMut(usize, &Splitter),
    ) -> Splitter {
        let mut model = Trainer::new(2);
        let mut order: Vec<usize> = (0..examples.len()).collect();
        let mut rng = Rng::new(seed);
        let mut f = [0u64; N_FEATURES];
        let mut scores = [0i64; 2];
        let mut sp = Splitter::default();
        for epoch in 0..epochs {
            rng.shuffle(&mut order);
            for &k in &order {
                let ex = &examples[k];
                let mut since = 0;
                for i in 0..ex.atoms.len().saturating_sub(1) {
                    since += 1;
                    if ex.joined[i] {
                        continue;
                    }
                    features(&ex.atoms, &ex.amb, &ex.gaps, i, since, &mut f);
                    let guess = model.best(&f, &mut scores, |_| true).unwrap_or(0);
                    let gold = ex.ends[i] as usize;
                    model.update(&f, gold, guess);
                    model.tick();
                    // Sentence length so far follows the gold boundaries,
                    // as it will follow the model's own at run time.
                    if gold == 1 {
                        since = 0;
                    }
                }
            }
            sp.weights = model.freeze(0.0);
            progress(epoch, &sp);
        }
        sp.weights = model.freeze(0.05);
        sp
    }

    /// Appends the model to a model file.
    pub fn write(&self, w: &mut Writer) {
        self.weights.write(w);
    }

    /// Reads a model written by [`Splitter::write`].
    pub fn read(r: &mut Reader) -> Result<Splitter, String> {
        let weights = Weights::read(r)?;
        if weights.classes() != 2 {
            return Err("sentence model has a bad shape".into());
        }
        Ok(Splitter { weights })
    }
}

/// Cuts every run of more than [`MAX_WORDS`] words at its likeliest gap.
fn cut_long(ends: &mut [bool], margin: &[i32]) {
    let mut start = 0;
    let mut i = 0;
    while i < ends.len() {
        if ends[i] {
            start = i + 1;
        } else if i + 1 - start >= MAX_WORDS {
            let best = (start + MAX_WORDS / 2..=i)
                .max_by_key(|&k| (margin[k], std::cmp::Reverse(k)))
                .unwrap_or(i);
            ends[best] = true;
            start = best + 1;
            i = best;
        }
        i += 1;
    }
}

/// Cuts `text[start..end]` into blocks at line breaks: a blank line always
/// ends a block; a single line break does unless the line reads on into the
/// next (it does not end in closing punctuation and the next line starts
/// with a lower-case letter). Blocks are trimmed and non-empty.
pub fn blocks(text: &str, start: usize, end: usize, out: &mut Vec<(usize, usize)>) {
    let s = &text[start..end];
    let mut block_start: Option<usize> = None;
    let mut last_content_end = 0;
    let mut pos = 0;
    for line in s.split_inclusive('\n') {
        let line_start = pos;
        pos += line.len();
        let trimmed = line.trim();
        if trimmed.is_empty() {
            if let Some(b) = block_start.take() {
                out.push((start + b, start + last_content_end));
            }
            continue;
        }
        let lead = line.len() - line.trim_start().len();
        let content_start = line_start + lead;
        let content_end = line_start + line.trim_end().len();
        if let Some(b) = block_start {
            let prev = &s[b..last_content_end];
            let reads_on = !prev
                .ends_with(['.', '!', '?', ':', '"', '\'', ')', '\u{201D}', '\u{2019}'])
                && trimmed.chars().next().is_some_and(char::is_lowercase);
            if !reads_on {
                out.push((start + b, start + last_content_end));
                block_start = Some(content_start);
            }
        } else {
            block_start = Some(content_start);
        }
        last_content_end = content_end;
    }
    if let Some(b) = block_start {
        out.push((start + b, start + last_content_end));
    }
}

/// The gaps between consecutive words: bytes of white space (capped) and
/// whether a line break is among them.
pub fn gaps(text: &str, words: &[TokWord]) -> Vec<(u32, bool)> {
    words
        .windows(2)
        .map(|p| {
            let between = text.get(p[0].end..p[1].start).unwrap_or("");
            (between.len().min(255) as u32, between.contains('\n'))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocks_of(t: &str) -> Vec<&str> {
        let mut v = Vec::new();
        blocks(t, 0, t.len(), &mut v);
        v.iter().map(|&(a, b)| &t[a..b]).collect()
    }

    #[test]
    fn line_breaks_end_blocks_unless_the_line_reads_on() {
        assert_eq!(
            blocks_of("Title line\n\nFirst para.\nSecond para."),
            vec!["Title line", "First para.", "Second para."]
        );
        assert_eq!(
            blocks_of("the committee\nvoted on Monday."),
            vec!["the committee\nvoted on Monday."]
        );
        assert_eq!(blocks_of("  \n\n  one  \n"), vec!["one"]);
        assert!(blocks_of("").is_empty());
        assert_eq!(
            blocks_of("Headline Without Stop\nBody text."),
            vec!["Headline Without Stop", "Body text."]
        );
    }

    #[test]
    fn long_runs_are_cut() {
        let n = 2 * MAX_WORDS + 10;
        let mut ends = vec![false; n];
        ends[n - 1] = true;
        let mut margin = vec![0; n];
        margin[300] = 5;
        cut_long(&mut ends, &margin);
        let mut start = 0;
        for (i, &e) in ends.iter().enumerate() {
            if e {
                assert!(i + 1 - start <= MAX_WORDS);
                start = i + 1;
            }
        }
        assert!(ends[300]);
    }

    #[test]
    fn learns_that_a_period_before_a_capital_ends_a_sentence() {
        let mut b = String::new();
        let words = [
            "He", "left", ".", "She", "stayed", ".", "Mr.", "Lee", "came", ".",
        ];
        let atoms: Vec<Atoms> = words.iter().map(|w| Atoms::of(w, &mut b)).collect();
        let ex = Example {
            amb: vec![0; words.len()],
            gaps: vec![(1, false); words.len() - 1],
            ends: vec![
                false, false, true, false, false, true, false, false, false, true,
            ],
            joined: vec![false; words.len()],
            atoms: atoms.clone(),
        };
        let sp = Splitter::train(&[ex], 10, 1, |_, _| {});
        let mut out = Vec::new();
        sp.ends(&atoms, &[0; 10], &[(1, false); 9], &[false; 10], &mut out);
        assert!(
            out[2] && out[5],
            "a period before a capital ends a sentence: {out:?}"
        );
        assert!(!out[6], "\"Mr.\" does not: {out:?}");
        assert!(out[9], "the last word always ends one");
        sp.ends(&[], &[], &[], &[], &mut out);
        assert!(out.is_empty());
    }
}

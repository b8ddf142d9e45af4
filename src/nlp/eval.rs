//! Scores of the pipeline against treebanks, computed the way the CoNLL
//! 2018 shared task's scorer computes them: tokens, words and sentences are
//! byte spans of the text, matched exactly; precision, recall and F1 over
//! those sets.
//!
//! Used by `lore-train` (the printed tables) and by the evaluation test
//! (`tests/nlp_eval.rs`), so both report the same figures.

use super::conllu::Sentence as Gold;
use super::tokenize::{TokWord, tokenize};

/// Precision, recall and F1 of one span set against another.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Prf {
    /// Spans predicted.
    pub predicted: usize,
    /// Spans in the gold standard.
    pub gold: usize,
    /// Spans in both.
    pub correct: usize,
}

impl Prf {
    /// Correct / predicted.
    pub fn precision(&self) -> f64 {
        ratio(self.correct, self.predicted)
    }

    /// Correct / gold.
    pub fn recall(&self) -> f64 {
        ratio(self.correct, self.gold)
    }

    /// Harmonic mean of precision and recall.
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }

    /// Adds the counts of two sets.
    pub fn add(&mut self, o: Prf) {
        self.predicted += o.predicted;
        self.gold += o.gold;
        self.correct += o.correct;
    }

    /// Counts of two sorted, duplicate-free span lists.
    pub fn of<T: Ord>(predicted: &[T], gold: &[T]) -> Prf {
        let (mut i, mut j, mut c) = (0, 0, 0);
        while i < predicted.len() && j < gold.len() {
            match predicted[i].cmp(&gold[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    c += 1;
                    i += 1;
                    j += 1;
                }
            }
        }
        Prf {
            predicted: predicted.len(),
            gold: gold.len(),
            correct: c,
        }
    }
}

/// `a / b`, 0 when `b` is 0.
pub fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// Byte spans `(start, end)`.
pub type Spans = Vec<(usize, usize)>;

/// The gold tokens of a sentence as byte spans of its `# text`, and its
/// words; `None` when a form is not found in the text (a treebank that
/// edited its forms).
pub fn gold_spans(s: &Gold) -> Option<(Spans, Spans)> {
    let text = s.text.as_str();
    let mut at = 0;
    let mut words = Vec::with_capacity(s.words.len());
    let mut tokens = Vec::new();
    for (first, last) in s.token_ranges() {
        while let Some(c) = text[at..].chars().next().filter(|c| c.is_whitespace()) {
            at += c.len_utf8();
        }
        let start = at;
        for w in &s.words[first..=last] {
            if !text[at..].starts_with(w.form.as_str()) {
                return None;
            }
            words.push((at, at + w.form.len()));
            at += w.form.len();
        }
        tokens.push((start, at));
    }
    Some((tokens, words))
}

/// Token and word F1 of the tokenizer on every sentence's `# text`.
pub fn tokenization(gold: &[Gold]) -> (Prf, Prf, usize) {
    let mut tok = Prf::default();
    let mut word = Prf::default();
    let mut skipped = 0;
    let mut out: Vec<TokWord> = Vec::new();
    for s in gold {
        let Some((gt, gw)) = gold_spans(s) else {
            skipped += 1;
            continue;
        };
        out.clear();
        tokenize(&s.text, 0, s.text.len(), &mut out);
        let pw: Vec<(usize, usize)> = out.iter().map(|w| (w.start, w.end)).collect();
        let mut pt = Vec::new();
        let mut i = 0;
        while i < out.len() {
            let start = out[i].start;
            while out[i].joined && i + 1 < out.len() {
                i += 1;
            }
            pt.push((start, out[i].end));
            i += 1;
        }
        tok.add(Prf::of(&pt, &gt));
        word.add(Prf::of(&pw, &gw));
    }
    (tok, word, skipped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prf_counts_common_spans() {
        let p = Prf::of(&[(0, 1), (2, 3), (4, 5)], &[(0, 1), (2, 4), (4, 5), (6, 7)]);
        assert_eq!((p.predicted, p.gold, p.correct), (3, 4, 2));
        assert!((p.f1() - 4.0 / 7.0).abs() < 1e-9);
    }

    #[test]
    fn gold_spans_follow_the_text() {
        let text = "# text = I don't.\n1\tI\tI\tPRON\tPRP\t_\t3\tnsubj\t_\t_\n2-3\tdon't\t_\t_\t_\t_\t_\t_\t_\tSpaceAfter=No\n2\tdo\tdo\tAUX\tVBP\t_\t0\troot\t_\t_\n3\tn't\tnot\tPART\tRB\t_\t2\tadvmod\t_\t_\n4\t.\t.\tPUNCT\t.\t_\t2\tpunct\t_\t_\n\n";
        let s = &super::super::conllu::read(text).unwrap()[0];
        let (t, w) = gold_spans(s).unwrap();
        assert_eq!(t, vec![(0, 1), (2, 7), (7, 8)]);
        assert_eq!(w, vec![(0, 1), (2, 4), (4, 7), (7, 8)]);
    }
}

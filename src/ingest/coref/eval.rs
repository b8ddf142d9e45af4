//! Scoring [`super::resolve`] against GUM's gold coreference, and fitting
//! its [`Weights`] to it. The test of issue 18 (`tests/nlp_eval.rs`)
//! scores the weights lore uses on GUM's test documents; `lore-train
//! --only coref` fits them on the train documents and reports both on dev.
//!
//! What counts: each third-person pronoun that is not the first mention
//! of its gold chain, and each "the + noun" mention whose chain began with
//! a name or another noun phrase, is right when the antecedent lore links
//! it to is a gold mention of its chain (same span), or its head's
//! innermost gold mention is of that chain. Each sentence's `# text` is
//! analysed alone (gold sentence boundaries).

use std::collections::HashMap;
use std::fmt::Write as _;

use super::{Link, Weights, resolve_with};
use crate::nlp::{Analysis, Pipeline, conllu};

/// Third-person pronouns, as GUM writes them.
const PRONOUNS: &[&str] = &[
    "he",
    "him",
    "his",
    "himself",
    "she",
    "her",
    "hers",
    "herself",
    "it",
    "its",
    "itself",
    "they",
    "them",
    "their",
    "theirs",
    "themselves",
];

/// One gold document with lore's analysis of its sentences, made once so
/// that many weightings can be scored on it.
pub struct Document<'a> {
    gold: &'a [conllu::Sentence],
    id: String,
    text: String,
    /// Each sentence's start in `text`, and lore's analysis.
    analysis: Analysis,
    starts: Vec<usize>,
    /// Byte spans of the gold words in each sentence's `# text`.
    spans: Vec<Vec<(usize, usize)>>,
}

/// Analyses every document of `gold` (sentences of a CoNLL-U file with
/// GUM's entity annotation), one sentence at a time.
pub fn prepare<'a>(pipeline: &Pipeline, gold: &'a [conllu::Sentence]) -> Vec<Document<'a>> {
    conllu::documents(gold)
        .into_iter()
        .map(|doc| {
            let mut text = String::new();
            let mut sentences = Vec::new();
            let mut starts = Vec::new();
            for s in doc {
                let start = text.len();
                text.push_str(&s.text);
                text.push('\n');
                let mut a = pipeline.analyze_sentence(&s.text);
                a.start += start;
                a.end += start;
                for w in &mut a.words {
                    w.start += start;
                    w.end += start;
                }
                sentences.push(a);
                starts.push(start);
            }
            Document {
                gold: doc,
                id: doc
                    .first()
                    .and_then(|s| s.new_doc.clone())
                    .unwrap_or_default(),
                text,
                analysis: Analysis { sentences },
                starts,
                spans: doc.iter().map(gold_word_spans).collect(),
            }
        })
        .collect()
}

/// Anaphors counted, linked at all, and resolved right.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Anaphors of this sort in the gold.
    pub anaphors: usize,
    /// Of them, those lore linked to something.
    pub linked: usize,
    /// Of them, those lore linked into their gold chain.
    pub right: usize,
}

impl Counts {
    /// The share resolved right.
    pub fn share(&self) -> f64 {
        if self.anaphors == 0 {
            0.0
        } else {
            self.right as f64 / self.anaphors as f64
        }
    }

    fn add(&mut self, linked: bool, right: bool) {
        self.anaphors += 1;
        self.linked += usize::from(linked);
        self.right += usize::from(right);
    }
}

/// What [`score`] found.
#[derive(Clone, Debug, Default)]
pub struct Score {
    /// Third-person pronouns.
    pub pronouns: Counts,
    /// The pronouns of GUM's news documents.
    pub news: Counts,
    /// Definite descriptions ("the + noun").
    pub descriptions: Counts,
    /// One line per anaphor resolved wrong or not at all, when asked for.
    pub misses: String,
}

/// Scores the resolver with `weights` on `docs`.
pub fn score(docs: &[Document<'_>], weights: &Weights, misses: bool) -> Score {
    let mut out = Score::default();
    for d in docs {
        let links = resolve_with(&d.text, &d.analysis, weights);
        score_document(d, &links, misses, &mut out);
    }
    out
}

fn score_document(d: &Document<'_>, links: &[Link], misses: bool, out: &mut Score) {
    let doc = d.gold;
    let to_gold = |si: usize, wi: usize| -> Option<usize> {
        let w = d.analysis.sentences.get(si)?.words.get(wi)?;
        let st = w.start.checked_sub(*d.starts.get(si)?)?;
        let spans = d.spans.get(si)?;
        spans
            .iter()
            .position(|&(b, _)| b == st)
            .or_else(|| spans.iter().position(|&(b, e)| b <= st && st < e))
    };
    let to_lore = |si: usize, gi: usize| -> Option<usize> {
        let st = d.spans.get(si)?.get(gi)?.0 + d.starts.get(si)?;
        d.analysis
            .sentences
            .get(si)?
            .words
            .iter()
            .position(|w| w.start == st)
    };
    // Is lore's antecedent inside a gold mention of `chain`?
    let right = |l: &Link, chain: &str| -> bool {
        let a = l.antecedent;
        let Some(s) = doc.get(a.sentence) else {
            return false;
        };
        let head = to_gold(a.sentence, a.head);
        let first = to_gold(a.sentence, a.start);
        let last = a.end.checked_sub(1).and_then(|e| to_gold(a.sentence, e));
        let exact = s
            .mentions
            .iter()
            .any(|m| Some(m.first) == first && Some(m.last) == last && m.chain == chain);
        let inner = head.and_then(|h| {
            s.mentions
                .iter()
                .filter(|m| m.first <= h && h <= m.last)
                .min_by_key(|m| m.last - m.first)
        });
        exact || inner.is_some_and(|m| m.chain == chain)
    };
    // Gold mentions in text order; a chain's first mention is no anaphor.
    let mut first_of: HashMap<&str, (usize, usize)> = HashMap::new();
    for (si, s) in doc.iter().enumerate() {
        let mut ms: Vec<&conllu::Mention> = s.mentions.iter().collect();
        ms.sort_by_key(|m| (m.first, std::cmp::Reverse(m.last)));
        for m in ms {
            let Some(&(fs, fh)) = first_of.get(m.chain.as_str()) else {
                first_of.insert(m.chain.as_str(), (si, gold_head(s, m.first, m.last)));
                continue;
            };
            let Some(w) = s.words.get(m.first) else {
                continue;
            };
            let lowered = w.form.to_lowercase();
            let head = gold_head(s, m.first, m.last);
            let pronoun =
                m.first == m.last && w.upos == "PRON" && PRONOUNS.contains(&lowered.as_str());
            let description = !pronoun
                && m.last > m.first
                && lowered == "the"
                && s.words.get(head).is_some_and(|w| w.upos == "NOUN")
                && doc
                    .get(fs)
                    .and_then(|x| x.words.get(fh))
                    .is_some_and(|w| w.upos != "PRON");
            if !pronoun && !description {
                continue;
            }
            let link = to_lore(si, head)
                .and_then(|wi| links.iter().find(|l| l.sentence == si && l.word == wi));
            let ok = link.is_some_and(|l| right(l, &m.chain));
            if pronoun {
                out.pronouns.add(link.is_some(), ok);
                if d.id.starts_with("GUM_news") {
                    out.news.add(link.is_some(), ok);
                }
            } else {
                out.descriptions.add(link.is_some(), ok);
            }
            if !ok && misses {
                let said = link.map_or("-".to_string(), |l| {
                    let a = &d.analysis.sentences[l.antecedent.sentence];
                    let ws: Vec<&str> = (l.antecedent.start..l.antecedent.end)
                        .filter_map(|i| a.words.get(i).map(|w| w.text(&d.text)))
                        .collect();
                    format!("{} (s{})", ws.join(" "), l.antecedent.sentence)
                });
                let first = doc
                    .get(fs)
                    .and_then(|x| x.words.get(fh))
                    .map_or("", |w| w.form.as_str());
                let _ = writeln!(
                    out.misses,
                    "{} s{si} {:?} -> {said} | gold first s{fs}: {first} | {}",
                    d.id,
                    s.words.get(head).map_or("", |w| w.form.as_str()),
                    s.text
                );
            }
        }
    }
}

/// Byte spans of a gold sentence's words in its `# text`. The words of a
/// multi-word token ("don't") get their own part of it when their forms
/// spell the token, else the whole token.
fn gold_word_spans(s: &conllu::Sentence) -> Vec<(usize, usize)> {
    let text = s.text.as_str();
    let mut spans = vec![(0, 0); s.words.len()];
    let mut cur = 0;
    for (first, last) in s.token_ranges() {
        let form = if first == last {
            s.words[first].form.clone()
        } else {
            s.multiwords
                .iter()
                .find(|m| m.first == first)
                .map_or_else(String::new, |m| m.form.clone())
        };
        let rest = text.get(cur..).unwrap_or("");
        let at = cur + rest.find(form.as_str()).unwrap_or(0);
        let end = (at + form.len()).min(text.len());
        let parts: String = (first..=last).map(|i| s.words[i].form.as_str()).collect();
        let mut p = at;
        for (i, span) in spans.iter_mut().enumerate().take(last + 1).skip(first) {
            *span = if parts == form {
                let n = s.words[i].form.len();
                p += n;
                (p - n, p)
            } else {
                (at, end)
            };
        }
        cur = end;
    }
    spans
}

/// The gold head of words `first..=last`: the word whose head lies outside.
fn gold_head(s: &conllu::Sentence, first: usize, last: usize) -> usize {
    (first..=last)
        .find(|&i| {
            let h = s.words[i].head;
            h == 0 || h - 1 < first || h - 1 > last
        })
        .unwrap_or(last)
}

/// What fitting maximises: anaphors resolved right, pronouns (the
/// target of issue 18) and descriptions alike.
fn objective(s: &Score) -> usize {
    s.pronouns.right + s.descriptions.right
}

/// Coordinate ascent from `start`: each weight in turn is tried at a few
/// multiples of its value (windows and switches at neighbouring whole
/// values) and moved when the objective on `docs` rises strictly; rounds
/// repeat until one changes nothing or `rounds` are done. Deterministic:
/// the order of weights and trials is fixed, ties keep the current value.
/// `log` hears one line per accepted move.
pub fn fit(
    docs: &[Document<'_>],
    start: Weights,
    rounds: usize,
    log: &mut dyn FnMut(&str),
) -> Weights {
    let mut best = start;
    let mut best_score = objective(&score(docs, &best, false));
    log(&format!("start: {best_score} anaphors right"));
    for round in 1..=rounds {
        let mut moved = false;
        let names: Vec<&'static str> = best.fields().iter().map(|(n, _)| *n).collect();
        for (k, name) in names.iter().enumerate() {
            let current = *best.fields()[k].1;
            let trials: Vec<f64> = if name.ends_with("window") {
                [-2.0, -1.0, 1.0, 2.0]
                    .iter()
                    .map(|d| current + d)
                    .filter(|v| *v >= 1.0)
                    .collect()
            } else if *name == "wide_person" {
                vec![1.0 - current]
            } else if *name == "decay" {
                [-0.1, -0.05, 0.05, 0.1]
                    .iter()
                    .map(|d| current + d)
                    .filter(|v| *v > 0.0 && *v < 1.0)
                    .collect()
            } else if current == 0.0 {
                vec![10.0, 30.0]
            } else {
                [0.0, 0.5, 0.75, 1.25, 1.5, 2.0]
                    .iter()
                    .map(|m| current * m)
                    .collect()
            };
            for v in trials {
                let mut w = best;
                *w.fields()[k].1 = v;
                let sc = objective(&score(docs, &w, false));
                if sc > best_score {
                    log(&format!(
                        "round {round}: {name} {current} -> {v}: {sc} anaphors right"
                    ));
                    best = w;
                    best_score = sc;
                    moved = true;
                }
            }
        }
        if !moved {
            break;
        }
    }
    best
}

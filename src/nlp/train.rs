//! Training every model from the treebanks, deterministically.
//!
//! Data: UD English EWT (train for training, dev for choosing settings,
//! test for the reported figures), GUM's documents under its official split,
//! and UNER's entity spans on EWT dev (training) and test (reported). The
//! treebanks are read from a directory laid out as `../shared/treebanks`.

use std::path::Path;

use rustc_hash::FxHashMap;

use super::Upos;
use super::conllu::{self, Sentence};
use super::eval;
use super::labels;
use super::lemma::Lemmatizer;
use super::lexical::Atoms;
use super::parser::{self, Parser};
use super::sentences::{self, Splitter};
use super::tagger::{Example, Jackknifed, Tagger};
use super::tokenize::{TokWord, tokenize};

/// GUM's official development documents.
pub const GUM_DEV: &[&str] = &[
    "GUM_news_homeopathic",
    "GUM_news_iodine",
    "GUM_bio_byron",
    "GUM_bio_emperor",
    "GUM_conversation_grounded",
    "GUM_conversation_risk",
    "GUM_interview_cyclone",
    "GUM_interview_gaming",
    "GUM_speech_impeachment",
    "GUM_speech_inauguration",
    "GUM_textbook_governments",
    "GUM_textbook_labor",
    "GUM_vlog_portland",
    "GUM_vlog_radiology",
    "GUM_voyage_athens",
    "GUM_voyage_coron",
];

/// GUM's official test documents.
pub const GUM_TEST: &[&str] = &[
    "GUM_news_nasa",
    "GUM_news_sensitive",
    "GUM_bio_dvorak",
    "GUM_bio_jespersen",
    "GUM_conversation_lambada",
    "GUM_conversation_retirement",
    "GUM_interview_hill",
    "GUM_interview_libertarian",
    "GUM_speech_austria",
    "GUM_speech_newzealand",
    "GUM_textbook_chemistry",
    "GUM_textbook_union",
    "GUM_vlog_london",
    "GUM_vlog_studying",
    "GUM_voyage_oakland",
    "GUM_voyage_vavau",
];

/// Every treebank split lore trains on or is scored on.
#[derive(Debug, Default)]
pub struct Treebanks {
    /// EWT train.
    pub ewt_train: Vec<Sentence>,
    /// EWT dev.
    pub ewt_dev: Vec<Sentence>,
    /// EWT test.
    pub ewt_test: Vec<Sentence>,
    /// GUM train documents, one after another.
    pub gum_train: Vec<Sentence>,
    /// GUM dev documents.
    pub gum_dev: Vec<Sentence>,
    /// GUM test documents.
    pub gum_test: Vec<Sentence>,
    /// UNER spans on EWT dev.
    pub uner_dev: Vec<Sentence>,
    /// UNER spans on EWT test.
    pub uner_test: Vec<Sentence>,
}

fn read_file(path: &Path, iob2: bool) -> Result<Vec<Sentence>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        format!(
            "{}: {e} (the treebanks are expected as in ../shared/treebanks)",
            path.display()
        )
    })?;
    let r = if iob2 {
        conllu::read_iob2(&text)
    } else {
        conllu::read(&text)
    };
    r.map_err(|e| format!("{}: {e}", path.display()))
}

impl Treebanks {
    /// Reads every split from `dir` (laid out as `../shared/treebanks`).
    pub fn load(dir: &Path) -> Result<Treebanks, String> {
        let ewt =
            |split: &str| read_file(&dir.join(format!("en_ewt/en_ewt-ud-{split}.conllu")), false);
        let uner =
            |split: &str| read_file(&dir.join(format!("uner_ewt/en_ewt-ud-{split}.iob2")), true);
        let mut tb = Treebanks {
            ewt_train: ewt("train")?,
            ewt_dev: ewt("dev")?,
            ewt_test: ewt("test")?,
            uner_dev: uner("dev")?,
            uner_test: uner("test")?,
            ..Treebanks::default()
        };
        let gum = dir.join("gum");
        let mut names: Vec<String> = std::fs::read_dir(&gum)
            .map_err(|e| format!("{}: {e}", gum.display()))?
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("GUM_") && n.ends_with(".conllu"))
            .collect();
        names.sort();
        if names.is_empty() {
            return Err(format!("{}: no GUM_*.conllu documents", gum.display()));
        }
        for n in names {
            let doc = n.trim_end_matches(".conllu");
            let sents = read_file(&gum.join(&n), false)?;
            let split = if GUM_DEV.contains(&doc) {
                &mut tb.gum_dev
            } else if GUM_TEST.contains(&doc) {
                &mut tb.gum_test
            } else {
                &mut tb.gum_train
            };
            split.extend(sents);
        }
        Ok(tb)
    }

    /// The sentences every syntactic model trains on: EWT train, then GUM train.
    pub fn train(&self) -> impl Iterator<Item = &Sentence> {
        self.ewt_train.iter().chain(&self.gum_train)
    }
}

/// Treebank (UPOS, XPOS) pairs to tag classes.
pub type ClassMap = FxHashMap<(String, String), u16>;

/// The tag classes: every "UPOS XPOS" pair seen at least `min` times in
/// training, in order of frequency, and a map from every pair seen to its class
/// (a rare pair goes to the most frequent class of the same UPOS).
pub fn tag_classes<'a>(
    sentences: impl Iterator<Item = &'a Sentence>,
    min: usize,
) -> (Vec<(Upos, &'static str)>, ClassMap) {
    let mut counts: FxHashMap<(String, String), usize> = FxHashMap::default();
    for s in sentences {
        for w in &s.words {
            *counts.entry((w.upos.clone(), w.xpos.clone())).or_default() += 1;
        }
    }
    let mut pairs: Vec<((String, String), usize)> = counts.into_iter().collect();
    pairs.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut classes = Vec::new();
    let mut map = FxHashMap::default();
    for ((u, x), n) in &pairs {
        let (Some(up), Some(xp)) = (Upos::parse(u), labels::xpos(x)) else {
            continue;
        };
        if *n >= min {
            map.insert((u.clone(), x.clone()), classes.len() as u16);
            classes.push((up, xp));
        }
    }
    for ((u, x), _) in &pairs {
        if map.contains_key(&(u.clone(), x.clone())) {
            continue;
        }
        let up = Upos::parse(u).unwrap_or(Upos::X);
        let c = classes.iter().position(|c| c.0 == up).unwrap_or(0);
        map.insert((u.clone(), x.clone()), c as u16);
    }
    (classes, map)
}

/// Atoms of every word of a treebank sentence.
pub fn atoms_of(s: &Sentence) -> Vec<Atoms> {
    let mut buf = String::new();
    s.words
        .iter()
        .map(|w| Atoms::of(&w.form, &mut buf))
        .collect()
}

/// Tagger training examples.
pub fn tag_examples<'a>(
    sentences: impl Iterator<Item = &'a Sentence>,
    map: &FxHashMap<(String, String), u16>,
) -> Vec<Example> {
    sentences
        .map(|s| Example {
            atoms: atoms_of(s),
            classes: s
                .words
                .iter()
                .map(|w| {
                    map.get(&(w.upos.clone(), w.xpos.clone()))
                        .copied()
                        .unwrap_or(0)
                })
                .collect(),
        })
        .collect()
}

/// UPOS, XPOS and both-correct accuracy of a tagger on gold tokens.
#[derive(Clone, Copy, Debug, Default)]
pub struct TagScore {
    /// Words scored.
    pub words: usize,
    /// UPOS right.
    pub upos: usize,
    /// Penn tag right.
    pub xpos: usize,
    /// Words unseen in training.
    pub unseen: usize,
    /// Unseen words whose UPOS is right.
    pub unseen_upos: usize,
}

/// Scores a tagger on gold-tokenised sentences.
pub fn score_tagger(t: &Tagger, gold: &[Sentence], seen: &dyn Fn(&Atoms) -> bool) -> TagScore {
    let mut sc = TagScore::default();
    let mut out = Vec::new();
    for s in gold {
        let atoms = atoms_of(s);
        t.tag(&atoms, &mut out);
        for ((w, &c), a) in s.words.iter().zip(&out).zip(&atoms) {
            let (u, x) = t.class(c);
            sc.words += 1;
            let ok = u.as_str() == w.upos;
            sc.upos += ok as usize;
            sc.xpos += (x == w.xpos) as usize;
            if !seen(a) {
                sc.unseen += 1;
                sc.unseen_upos += ok as usize;
            }
        }
    }
    sc
}

/// The most frequent (gold UPOS, predicted UPOS) confusions.
pub fn tag_confusions(
    t: &Tagger,
    gold: &[Sentence],
    top: usize,
) -> Vec<((String, &'static str), usize)> {
    let mut c: FxHashMap<(String, &'static str), usize> = FxHashMap::default();
    let mut out = Vec::new();
    for s in gold {
        t.tag(&atoms_of(s), &mut out);
        for (w, &k) in s.words.iter().zip(&out) {
            let u = t.class(k).0.as_str();
            if u != w.upos {
                *c.entry((w.upos.clone(), u)).or_default() += 1;
            }
        }
    }
    let mut v: Vec<_> = c.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v.truncate(top);
    v
}

/// The relation names of the training data, most frequent first.
pub fn relation_names<'a>(sentences: impl Iterator<Item = &'a Sentence>) -> Vec<&'static str> {
    let mut counts: FxHashMap<&'static str, usize> = FxHashMap::default();
    for s in sentences {
        for w in &s.words {
            if let Some(r) = labels::deprel(&w.deprel) {
                *counts.entry(r).or_default() += 1;
            }
        }
    }
    let mut v: Vec<(&'static str, usize)> = counts.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    v.into_iter().map(|p| p.0).collect()
}

/// Parser training examples: gold trees over the given (predicted) tags.
pub fn parse_examples<'a>(
    sentences: impl Iterator<Item = &'a Sentence>,
    tags: &Jackknifed,
    names: &[&'static str],
) -> Vec<parser::Example> {
    sentences
        .zip(tags.tags.iter().zip(&tags.runner_up))
        .map(|(s, (t, alt))| parser::Example {
            atoms: atoms_of(s),
            tags: t.clone(),
            alt: alt.clone(),
            heads: s.words.iter().map(|w| w.head).collect(),
            rels: s
                .words
                .iter()
                .map(|w| {
                    let base = w.deprel.as_str();
                    names
                        .iter()
                        .position(|&n| n == base)
                        .or_else(|| {
                            names
                                .iter()
                                .position(|&n| Some(n) == base.split(':').next())
                        })
                        .unwrap_or(0) as u8
                })
                .collect(),
        })
        .collect()
}

/// Attachment scores on gold tokens: words, right heads, right heads and
/// relations (the universal part, as the CoNLL 2018 scorer compares them),
/// right heads and full relations with subtypes.
#[derive(Clone, Copy, Debug, Default)]
pub struct ParseScore {
    /// Words scored (punctuation included, as in CoNLL 2018).
    pub words: usize,
    /// Right head.
    pub uas: usize,
    /// Right head and universal relation.
    pub las: usize,
    /// Right head and full relation.
    pub las_full: usize,
}

/// Tags with `tagger` then parses every gold-tokenised sentence.
pub fn score_parser(tagger: &Tagger, p: &Parser, gold: &[Sentence]) -> ParseScore {
    let mut sc = ParseScore::default();
    let mut tags = Vec::new();
    let mut alt = Vec::new();
    let mut out = Vec::new();
    for s in gold {
        let atoms = atoms_of(s);
        tagger.tag_with_runner_up(&atoms, &mut tags, Some(&mut alt));
        p.parse(&atoms, &tags, &alt, &mut out);
        for (w, &(h, r)) in s.words.iter().zip(&out) {
            sc.words += 1;
            if h == w.head {
                sc.uas += 1;
                let uni = |x: &str| x.split(':').next().unwrap_or("").to_string();
                sc.las += (uni(r) == uni(&w.deprel)) as usize;
                sc.las_full += (r == w.deprel) as usize;
            }
        }
    }
    sc
}

/// Where a parser goes wrong: per gold relation (universal part), how many
/// words have it, how many got a wrong head, and how many a right head but
/// another relation; sorted by errors.
pub fn parse_errors(
    tagger: &Tagger,
    p: &Parser,
    gold: &[Sentence],
) -> Vec<(String, usize, usize, usize)> {
    let mut m: FxHashMap<String, (usize, usize, usize)> = FxHashMap::default();
    let mut tags = Vec::new();
    let mut alt = Vec::new();
    let mut out = Vec::new();
    for s in gold {
        let atoms = atoms_of(s);
        tagger.tag_with_runner_up(&atoms, &mut tags, Some(&mut alt));
        p.parse(&atoms, &tags, &alt, &mut out);
        for (w, &(h, r)) in s.words.iter().zip(&out) {
            let e = m.entry(w.deprel.clone()).or_default();
            e.0 += 1;
            if h != w.head {
                e.1 += 1;
            } else if r != w.deprel {
                e.2 += 1;
            }
        }
    }
    let mut v: Vec<_> = m.into_iter().map(|(k, (n, a, l))| (k, n, a, l)).collect();
    v.sort_by(|a, b| (b.2 + b.3).cmp(&(a.2 + a.3)).then_with(|| a.0.cmp(&b.0)));
    v
}

/// Sentence-boundary training blocks: every paragraph of every document,
/// rebuilt as raw text and tokenised the way run time tokenises it, with the
/// treebank's sentence ends marked on the tokens.
pub fn sentence_examples(sentences: &[Sentence], tagger: &Tagger) -> Vec<sentences::Example> {
    let mut out = Vec::new();
    for doc in conllu::documents(sentences) {
        let (text, spans) = conllu::raw_text(doc);
        let mut blocks = Vec::new();
        sentences::blocks(&text, 0, text.len(), &mut blocks);
        let ends: std::collections::HashSet<usize> = spans.iter().map(|s| s.1).collect();
        for (a, b) in blocks {
            let mut words: Vec<TokWord> = Vec::new();
            tokenize(&text, a, b, &mut words);
            if words.is_empty() {
                continue;
            }
            let mut buf = String::new();
            let atoms: Vec<Atoms> = words
                .iter()
                .map(|w| Atoms::of(&text[w.start..w.end], &mut buf))
                .collect();
            out.push(sentences::Example {
                amb: atoms.iter().map(|a| tagger.amb(a)).collect(),
                gaps: sentences::gaps(&text, &words),
                ends: words.iter().map(|w| ends.contains(&w.end)).collect(),
                joined: words.iter().map(|w| w.joined).collect(),
                atoms,
            });
        }
    }
    out
}

/// Sentence spans found by the splitter in `text`, trimmed.
pub fn split_text(text: &str, tagger: &Tagger, sp: &Splitter) -> Vec<(usize, usize)> {
    let mut blocks = Vec::new();
    sentences::blocks(text, 0, text.len(), &mut blocks);
    let mut out = Vec::new();
    let mut words: Vec<TokWord> = Vec::new();
    let mut ends = Vec::new();
    let mut buf = String::new();
    for (a, b) in blocks {
        words.clear();
        tokenize(text, a, b, &mut words);
        let atoms: Vec<Atoms> = words
            .iter()
            .map(|w| Atoms::of(&text[w.start..w.end], &mut buf))
            .collect();
        let amb: Vec<u32> = atoms.iter().map(|a| tagger.amb(a)).collect();
        let joined: Vec<bool> = words.iter().map(|w| w.joined).collect();
        sp.ends(
            &atoms,
            &amb,
            &sentences::gaps(text, &words),
            &joined,
            &mut ends,
        );
        let mut start = None;
        for (w, &e) in words.iter().zip(&ends) {
            let s = *start.get_or_insert(w.start);
            if e {
                out.push((s, w.end));
                start = None;
            }
        }
    }
    out
}

/// Sentence F1 on whole documents rebuilt as raw text (paragraphs as in
/// the treebank), the way the CoNLL 2018 scorer counts sentences.
pub fn score_sentences(gold: &[Sentence], tagger: &Tagger, sp: &Splitter) -> eval::Prf {
    let mut prf = eval::Prf::default();
    for doc in conllu::documents(gold) {
        let (text, spans) = conllu::raw_text(doc);
        let predicted = split_text(&text, tagger, sp);
        prf.add(eval::Prf::of(&predicted, &spans));
    }
    prf
}

/// Lemma accuracy with the tagger's predicted tags on gold tokens: (right, words).
pub fn score_lemmas(gold: &[Sentence], tagger: &Tagger, lemmatizer: &Lemmatizer) -> (usize, usize) {
    let (mut right, mut all) = (0, 0);
    let mut tags = Vec::new();
    for s in gold {
        tagger.tag(&atoms_of(s), &mut tags);
        for (w, &t) in s.words.iter().zip(&tags) {
            let (u, x) = tagger.class(t);
            all += 1;
            right += (lemmatizer.lemma(&w.form, u.as_str(), x) == w.lemma) as usize;
        }
    }
    (right, all)
}

//! Lemmas from a word's form and tags: a treebank lexicon for the words the
//! rules get wrong, suffix rules learnt from the treebank for the rest.
//!
//! A lemma is written as an edit of the form: drop the last `strip`
//! characters, append a string, then fix the case ("studies" NNS = drop 3,
//! add "y"; "WANTS" VBZ = drop 1, lower-case). Rules choose the edit from the
//! word's tag and its last few letters; the lexicon keeps only the
//! (form, tag) pairs whose training lemma the rules miss, so it stays small.
//! The treebank's conventions come with the data: common words are
//! lower-cased, proper nouns keep their case, typos are not corrected.
//!
//! Architecture invariant: [`Lemmatizer::lemma`] is total (any string, any
//! tags) and [`Lemmatizer::read`] fails with a message, never a panic.

use std::borrow::Cow;
use std::sync::OnceLock;

use rustc_hash::{FxHashMap, FxHashSet};

use super::conllu;
use super::model_file::{Reader, Writer};

/// Names this model's layout inside a model file; change on any layout change.
const FORMAT: &str = "lemma/1";
/// Longest word ending (in characters) a rule looks at. Five letters tell
/// "-ated" from "-eted" verbs; six or more changed nothing on dev.
const MAX_SUFFIX: usize = 5;
/// A rule learnt from a single word type is noise more often than not
/// ("wiped" -> "wi" from one odd pair), so a word ending needs two.
const MIN_SUPPORT: u32 = 2;
/// An edit is a rule's candidate only if at least 1/50 of its word types
/// take it: rarer edits are mostly annotation slips.
const MIN_SHARE: u32 = 50;
/// Forms up to this many bytes are lower-cased on the stack.
const FOLD_BUF: usize = 64;

/// Word classes, for checking a rule's output against known lemmas.
const VERB: u8 = 1;
const NOUN: u8 = 2;
const ADJ: u8 = 4;
const ADV: u8 = 8;

/// Case of a form: lower, Title, SHORT upper (an acronym, kept), LONGER
/// upper (a headline word, lowered), MiXed.
const SHAPES: usize = 5;

/// How a rule's output gets its case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CaseOp {
    Keep = 0,
    Lower = 1,
    Title = 2,
}

const CASE_OPS: [CaseOp; 3] = [CaseOp::Keep, CaseOp::Lower, CaseOp::Title];

/// What a tag means for the rules, derived from its Penn tag.
#[derive(Clone, Copy, Debug, Default)]
struct TagInfo {
    class: u8,
    /// VBD, VBG, VBN, VBZ: forms WordNet's irregular list covers.
    inflected_verb: bool,
}

impl TagInfo {
    fn of(xpos: &str) -> TagInfo {
        let class = if xpos.starts_with("VB") {
            VERB
        } else if xpos == "NN" || xpos == "NNS" {
            NOUN
        } else if xpos.starts_with("JJ") {
            ADJ
        } else if xpos.starts_with("RB") {
            ADV
        } else {
            0
        };
        let inflected_verb = matches!(xpos, "VBD" | "VBG" | "VBN" | "VBZ");
        TagInfo {
            class,
            inflected_verb,
        }
    }
}

/// Drop `strip` characters, then append.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Edit {
    strip: u8,
    append: Box<str>,
}

/// One lexicon entry under a form.
#[derive(Clone, Copy, Debug)]
struct Entry {
    tag: u16,
    /// Keyed by the lower-cased form: serves every case variant of it
    /// ("TEHRAN" finds "tehran" -> "Tehran"), after the exact entries.
    folded: bool,
    lemma: u32,
}

/// The rule for one tag and word ending: edits to try, best first.
#[derive(Clone, Copy, Debug)]
struct Rule {
    tag: u16,
    cands: (u32, u32),
}

/// English verbs from WordNet (see the data file's header).
struct WordNet {
    verbs: FxHashSet<&'static str>,
    irregular: FxHashMap<&'static str, &'static str>,
}

fn wordnet() -> &'static WordNet {
    static WN: OnceLock<WordNet> = OnceLock::new();
    WN.get_or_init(|| {
        let mut wn = WordNet {
            verbs: FxHashSet::default(),
            irregular: FxHashMap::default(),
        };
        let text = include_str!("../../data/nlp/wordnet_verbs.txt");
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            match line.split_once('\t') {
                Some((form, lemma)) => {
                    wn.irregular.insert(form, lemma);
                }
                None if !line.is_empty() => {
                    wn.verbs.insert(line);
                }
                None => {}
            }
        }
        wn
    })
}

/// A trained lemmatizer.
#[derive(Debug)]
pub struct Lemmatizer {
    /// (UPOS, Penn) pairs seen in training, most frequent first; a tag id
    /// indexes these.
    upos: Vec<Box<str>>,
    xpos: Vec<Box<str>>,
    info: Vec<TagInfo>,
    /// Penn tag -> its (UPOS, tag id) pairs, most frequent first.
    by_xpos: FxHashMap<Box<str>, Vec<(Box<str>, u16)>>,
    /// UPOS -> its most frequent tag id, for unknown Penn tags.
    by_upos: FxHashMap<Box<str>, u16>,
    /// Case operation per tag and shape of the form.
    case_ops: Vec<[CaseOp; SHAPES]>,
    /// Interned lemma strings of the lexicon.
    strings: Vec<Box<str>>,
    lexicon: FxHashMap<Box<str>, (u32, u32)>,
    entries: Vec<Entry>,
    edits: Vec<Edit>,
    /// Word ending -> rules for it, one per tag.
    rules: FxHashMap<Box<str>, (u32, u32)>,
    rule_list: Vec<Rule>,
    cands: Vec<u32>,
    /// Lower-cased training lemma -> word classes it was seen in.
    vocab: FxHashMap<Box<str>, u8>,
}

impl Lemmatizer {
    /// Learns from treebank sentences (the train splits). The same
    /// sentences in the same order give the same model, byte for byte.
    pub fn train(sentences: &[&conllu::Sentence]) -> Lemmatizer {
        let mut tag_counts: FxHashMap<(&str, &str), u32> = FxHashMap::default();
        let mut types: FxHashMap<(&str, &str, &str, &str), u32> = FxHashMap::default();
        for w in sentences.iter().flat_map(|s| &s.words) {
            *tag_counts.entry((&w.upos, &w.xpos)).or_default() += 1;
            *types
                .entry((&w.form, &w.lemma, &w.upos, &w.xpos))
                .or_default() += 1;
        }
        let mut tags: Vec<((&str, &str), u32)> = tag_counts.into_iter().collect();
        tags.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        tags.truncate(u16::MAX as usize);
        let tag_id: FxHashMap<(&str, &str), u16> = tags
            .iter()
            .enumerate()
            .map(|(i, t)| (t.0, i as u16))
            .collect();
        // (form, lemma, tag, tokens), sorted: nothing below depends on hash order.
        let mut types: Vec<(&str, &str, u16, u32)> = types
            .into_iter()
            .filter_map(|((f, l, u, x), n)| Some((f, l, *tag_id.get(&(u, x))?, n)))
            .collect();
        types.sort_unstable();

        let mut m = Lemmatizer::empty(
            tags.iter().map(|t| t.0.0.into()).collect(),
            tags.iter().map(|t| t.0.1.into()).collect(),
        );
        m.learn_rules(&types);
        m.learn_case(&types);
        for &(_, l, tag, _) in &types {
            let class = m.info[tag as usize].class;
            if class != 0 {
                *m.vocab.entry(l.to_lowercase().into()).or_default() |= class;
            }
        }
        m.learn_lexicon(&types);
        m
    }

    fn empty(upos: Vec<Box<str>>, xpos: Vec<Box<str>>) -> Lemmatizer {
        let mut m = Lemmatizer {
            info: xpos.iter().map(|x| TagInfo::of(x)).collect(),
            case_ops: upos
                .iter()
                .map(|u| {
                    // Without data, the UD convention: names keep their case.
                    let op = if &**u == "PROPN" {
                        CaseOp::Keep
                    } else {
                        CaseOp::Lower
                    };
                    [CaseOp::Keep, op, op, op, op]
                })
                .collect(),
            upos,
            xpos,
            by_xpos: FxHashMap::default(),
            by_upos: FxHashMap::default(),
            strings: Vec::new(),
            lexicon: FxHashMap::default(),
            entries: Vec::new(),
            edits: Vec::new(),
            rules: FxHashMap::default(),
            rule_list: Vec::new(),
            cands: Vec::new(),
            vocab: FxHashMap::default(),
        };
        for (i, (u, x)) in m.upos.iter().zip(&m.xpos).enumerate() {
            let i = i as u16;
            m.by_xpos.entry(x.clone()).or_default().push((u.clone(), i));
            m.by_upos.entry(u.clone()).or_insert(i);
        }
        m
    }

    /// Suffix rules from word types, not tokens: a rule is for words never
    /// seen, which behave like the many rare types, not like "was" or "had".
    fn learn_rules(&mut self, types: &[(&str, &str, u16, u32)]) {
        let mut lower: Vec<(String, String, u16)> = types
            .iter()
            .map(|&(f, l, t, _)| (f.to_lowercase(), l.to_lowercase(), t))
            .collect();
        lower.sort_unstable();
        lower.dedup();
        let mut edits: Vec<(String, u16, Edit)> = Vec::new();
        for (lf, ll, tag) in &lower {
            // A lemma sharing no first letter with its form ("was" -> "be")
            // is an irregular for the lexicon, not a pattern.
            if let Some(e) = edit_between(lf, ll).filter(|e| (e.strip as usize) < char_len(lf)) {
                edits.push((lf.clone(), *tag, e));
            }
        }
        let mut distinct: Vec<Edit> = edits.iter().map(|e| e.2.clone()).collect();
        distinct.sort_unstable();
        distinct.dedup();
        let mut counts: FxHashMap<(&str, u16), FxHashMap<u32, u32>> = FxHashMap::default();
        for (lf, tag, e) in &edits {
            let id = distinct.binary_search(e).unwrap_or(0) as u32;
            for start in suffix_starts(lf) {
                *counts
                    .entry((&lf[start..], *tag))
                    .or_default()
                    .entry(id)
                    .or_default() += 1;
            }
        }
        // Each node's candidates, best first; a node that says what its
        // parent (one letter shorter) says is dropped, as lookup then falls
        // back to the parent anyway.
        let lists: FxHashMap<(&str, u16), (u32, Vec<u32>)> = counts
            .into_iter()
            .map(|(k, c)| {
                let total: u32 = c.values().sum();
                let mut c: Vec<(u32, u32)> = c
                    .into_iter()
                    .filter(|&(_, n)| n * MIN_SHARE >= total)
                    .collect();
                c.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                (k, (total, c.into_iter().map(|(e, _)| e).collect()))
            })
            .collect();
        let mut kept: Vec<(&str, u16, &[u32])> = lists
            .iter()
            .filter(|((s, t), (total, list))| {
                let Some(c) = s.chars().next() else {
                    return true; // the empty ending: every tag's last resort
                };
                let parent = &s[c.len_utf8()..];
                *total >= MIN_SUPPORT && lists.get(&(parent, *t)).is_none_or(|p| p.1 != *list)
            })
            .map(|((s, t), (_, list))| (*s, *t, list.as_slice()))
            .collect();
        kept.sort_unstable();
        self.edits = distinct;
        for (suffix, tag, list) in kept {
            let start = self.cands.len() as u32;
            self.cands.extend_from_slice(list);
            let at = self.rule_list.len() as u32;
            self.rule_list.push(Rule {
                tag,
                cands: (start, self.cands.len() as u32),
            });
            let r = self.rules.entry(suffix.into()).or_insert((at, at));
            r.1 = at + 1;
        }
    }

    /// Case of rule output per tag and shape, by majority over word types
    /// whose lemma one of the three case operations reproduces.
    fn learn_case(&mut self, types: &[(&str, &str, u16, u32)]) {
        let mut counts = vec![[[0u32; 3]; SHAPES]; self.upos.len()];
        for &(f, l, tag, _) in types {
            let Some(e) = edit_between(&f.to_lowercase(), &l.to_lowercase()) else {
                continue;
            };
            let Some(stem) = strip_chars(f, e.strip as usize) else {
                continue;
            };
            let out = format!("{stem}{}", e.append);
            if let Some(op) = CASE_OPS.iter().position(|&op| apply_case(&out, op) == l) {
                counts[tag as usize][shape(f)][op] += 1;
            }
        }
        for (ops, counts) in self.case_ops.iter_mut().zip(&counts) {
            for (op, c) in ops.iter_mut().zip(counts) {
                // Ties go to the earlier op: keeping the form as it is.
                if let Some(best) = (0..3).rev().max_by_key(|&i| c[i]).filter(|&i| c[i] > 0) {
                    *op = CASE_OPS[best];
                }
            }
        }
    }

    /// The lexicon: the most frequent lemma of each lower-cased form and
    /// tag where the rules miss it on some training spelling, then of each
    /// exact form where rules and lower-cased entries both miss.
    fn learn_lexicon(&mut self, types: &[(&str, &str, u16, u32)]) {
        let mut folded: FxHashMap<(String, u16), FxHashMap<&str, u32>> = FxHashMap::default();
        let mut exact: FxHashMap<(&str, u16), FxHashMap<&str, u32>> = FxHashMap::default();
        for &(f, l, tag, n) in types {
            *folded
                .entry((f.to_lowercase(), tag))
                .or_default()
                .entry(l)
                .or_default() += n;
            *exact.entry((f, tag)).or_default().entry(l).or_default() += n;
        }
        let mut spellings: FxHashMap<(String, u16), Vec<&str>> = FxHashMap::default();
        for &(f, _, tag, _) in types {
            spellings
                .entry((f.to_lowercase(), tag))
                .or_default()
                .push(f);
        }
        let mut kept: Vec<(String, u16, bool, String)> = Vec::new();
        let mut folded: Vec<((String, u16), &str)> =
            folded.into_iter().map(|(k, c)| (k, majority(c))).collect();
        folded.sort_unstable();
        for ((lf, tag), lemma) in folded {
            let spellings = spellings.get(&(lf.clone(), tag)).map_or(&[][..], |v| v);
            if spellings
                .iter()
                .any(|f| self.by_rule(f, &f.to_lowercase(), tag) != lemma)
            {
                kept.push((lf, tag, true, lemma.to_string()));
            }
        }
        self.set_lexicon(&kept);
        let mut exact: Vec<((&str, u16), &str)> =
            exact.into_iter().map(|(k, c)| (k, majority(c))).collect();
        exact.sort_unstable();
        for ((f, tag), lemma) in exact {
            if self.lemma_tagged(f, tag) != lemma {
                kept.push((f.to_string(), tag, false, lemma.to_string()));
            }
        }
        self.set_lexicon(&kept);
    }

    fn set_lexicon(&mut self, kept: &[(String, u16, bool, String)]) {
        let mut strings: Vec<&str> = kept.iter().map(|k| k.3.as_str()).collect();
        strings.sort_unstable();
        strings.dedup();
        let mut sorted: Vec<&(String, u16, bool, String)> = kept.iter().collect();
        sorted.sort_unstable();
        self.lexicon.clear();
        self.entries.clear();
        for (key, tag, folded, lemma) in sorted {
            let at = self.entries.len() as u32;
            self.entries.push(Entry {
                tag: *tag,
                folded: *folded,
                lemma: strings.binary_search(&lemma.as_str()).unwrap_or(0) as u32,
            });
            let r = self.lexicon.entry(key.as_str().into()).or_insert((at, at));
            r.1 = at + 1;
        }
        self.strings = strings.into_iter().map(Into::into).collect();
    }

    /// Lemma of a word given its form, UPOS and Penn tag ("met" VERB VBD ->
    /// "meet", "Obama" PROPN NNP -> "Obama"). Borrows when the lemma is the
    /// form, a prefix of it, or a stored string. An unknown tag pair is
    /// read as the commonest pair with its Penn tag, else with its UPOS;
    /// with neither known the form is its own lemma.
    pub fn lemma<'a>(&'a self, form: &'a str, upos: &str, xpos: &str) -> Cow<'a, str> {
        match self.tag_id(upos, xpos) {
            Some(tag) => self.lemma_tagged(form, tag),
            None => Cow::Borrowed(form),
        }
    }

    fn tag_id(&self, upos: &str, xpos: &str) -> Option<u16> {
        match self.by_xpos.get(xpos) {
            Some(list) => list
                .iter()
                .find(|(u, _)| &**u == upos)
                .or(list.first())
                .map(|t| t.1),
            None => self.by_upos.get(upos).copied(),
        }
    }

    fn lemma_tagged<'a>(&'a self, form: &'a str, tag: u16) -> Cow<'a, str> {
        let mut buf = [0u8; FOLD_BUF];
        let lower = fold(form, &mut buf);
        let exact = self.lexicon.get(form).copied();
        if let Some(l) = exact.and_then(|r| self.find(r, tag, false)) {
            return Cow::Borrowed(l);
        }
        // Most words are lower-case already: their folded entries sit
        // under the key just looked up.
        let folded = if lower.len() == form.len() && *lower == *form {
            exact
        } else {
            self.lexicon.get(&*lower).copied()
        };
        if let Some(l) = folded.and_then(|r| self.find(r, tag, true)) {
            return Cow::Borrowed(l);
        }
        self.by_rule(form, &lower, tag)
    }

    fn find(&self, (a, b): (u32, u32), tag: u16, folded: bool) -> Option<&str> {
        let e = self.entries.get(a as usize..b as usize)?;
        let e = e.iter().find(|e| e.tag == tag && e.folded == folded)?;
        self.strings.get(e.lemma as usize).map(|s| &**s)
    }

    /// The lemma the rules give, without the lexicon; `lower` is the
    /// lower-cased form.
    fn by_rule<'a>(&self, form: &'a str, lower: &str, tag: u16) -> Cow<'a, str> {
        // Thousands separators go: "44,000" -> "44000", as both treebanks write.
        if let Some(n) = without_digit_commas(form) {
            return Cow::Owned(n);
        }
        let info = self.info.get(tag as usize).copied().unwrap_or_default();
        let op = self
            .case_ops
            .get(tag as usize)
            .map_or(CaseOp::Keep, |ops| ops[shape(form)]);
        // Irregular and consonant-doubling verbs: "strove" VBD -> "strive".
        if info.inflected_verb {
            if let Some(&l) = wordnet().irregular.get(lower) {
                return case_cow(Cow::Borrowed(l), op);
            }
        }
        let Some(e) = self.choose_edit(lower, info.class, tag) else {
            return case_cow(Cow::Borrowed(form), op);
        };
        let Some(stem) = strip_chars(form, e.strip as usize) else {
            return case_cow(Cow::Borrowed(form), op);
        };
        if e.append.is_empty() {
            case_cow(Cow::Borrowed(stem), op)
        } else {
            case_cow(Cow::Owned(format!("{stem}{}", e.append)), op)
        }
    }

    /// The rule of the longest known ending of `lower` for this tag: its
    /// first candidate that leaves a stem, or the first whose output is a
    /// known lemma of the tag's word class ("-ked" VBN: "provoked" ->
    /// "provoke" is a verb, "provok" is not).
    fn choose_edit(&self, lower: &str, class: u8, tag: u16) -> Option<&Edit> {
        let n = char_len(lower);
        for start in suffix_starts(lower).rev() {
            let Some(&(a, b)) = self.rules.get(&lower[start..]) else {
                continue;
            };
            let Some(rule) = self
                .rule_list
                .get(a as usize..b as usize)
                .and_then(|r| r.iter().find(|r| r.tag == tag))
            else {
                continue;
            };
            let list = self
                .cands
                .get(rule.cands.0 as usize..rule.cands.1 as usize)?;
            let mut usable = list
                .iter()
                .filter_map(|&e| self.edits.get(e as usize))
                .filter(|e| (e.strip as usize) < n);
            let Some(first) = usable.next() else {
                continue;
            };
            let Some(second) = usable.next().filter(|_| class != 0) else {
                return Some(first);
            };
            let mut out = String::new();
            let known = [first, second].into_iter().chain(usable).find(|e| {
                out.clear();
                out.push_str(strip_chars(lower, e.strip as usize).unwrap_or(""));
                out.push_str(&e.append);
                self.known_lemma(&out, class)
            });
            return Some(known.unwrap_or(first));
        }
        None
    }

    fn known_lemma(&self, word: &str, class: u8) -> bool {
        self.vocab.get(word).is_some_and(|&c| c & class != 0)
            || (class == VERB && wordnet().verbs.contains(word))
    }

    /// Appends the model to a model file.
    pub fn write(&self, w: &mut Writer) {
        w.str(FORMAT);
        w.strs(&self.upos);
        w.strs(&self.xpos);
        let ops: Vec<u8> = self.case_ops.iter().flatten().map(|&op| op as u8).collect();
        w.bytes(&ops);
        w.strs(&self.strings);
        let mut keys: Vec<(&Box<str>, &(u32, u32))> = self.lexicon.iter().collect();
        keys.sort_unstable();
        w.strs(&keys.iter().map(|k| k.0).collect::<Vec<_>>());
        w.u32s(&keys.iter().map(|k| k.1.1 - k.1.0).collect::<Vec<_>>());
        let entries: Vec<&Entry> = keys
            .iter()
            .flat_map(|k| &self.entries[k.1.0 as usize..k.1.1 as usize])
            .collect();
        w.u32s(
            &entries
                .iter()
                .map(|e| u32::from(e.tag) << 1 | u32::from(e.folded))
                .collect::<Vec<_>>(),
        );
        w.u32s(&entries.iter().map(|e| e.lemma).collect::<Vec<_>>());
        w.bytes(&self.edits.iter().map(|e| e.strip).collect::<Vec<_>>());
        w.strs(&self.edits.iter().map(|e| &e.append).collect::<Vec<_>>());
        let mut keys: Vec<(&Box<str>, &(u32, u32))> = self.rules.iter().collect();
        keys.sort_unstable();
        w.strs(&keys.iter().map(|k| k.0).collect::<Vec<_>>());
        w.u32s(&keys.iter().map(|k| k.1.1 - k.1.0).collect::<Vec<_>>());
        let rules: Vec<&Rule> = keys
            .iter()
            .flat_map(|k| &self.rule_list[k.1.0 as usize..k.1.1 as usize])
            .collect();
        w.u32s(&rules.iter().map(|r| u32::from(r.tag)).collect::<Vec<_>>());
        w.u32s(
            &rules
                .iter()
                .map(|r| r.cands.1 - r.cands.0)
                .collect::<Vec<_>>(),
        );
        w.u32s(
            &rules
                .iter()
                .flat_map(|r| &self.cands[r.cands.0 as usize..r.cands.1 as usize])
                .copied()
                .collect::<Vec<_>>(),
        );
        let mut vocab: Vec<(&Box<str>, &u8)> = self.vocab.iter().collect();
        vocab.sort_unstable();
        w.strs(&vocab.iter().map(|v| v.0).collect::<Vec<_>>());
        w.bytes(&vocab.iter().map(|v| *v.1).collect::<Vec<_>>());
    }

    /// Reads a model written by [`Lemmatizer::write`]; damaged bytes give
    /// an error.
    pub fn read(r: &mut Reader) -> Result<Lemmatizer, String> {
        let format = r.str()?;
        if format != FORMAT {
            return Err(format!("lemmatizer model {format:?}, expected {FORMAT:?}"));
        }
        let upos = boxed(r.strs()?);
        let xpos = boxed(r.strs()?);
        let ntags = upos.len();
        if xpos.len() != ntags || ntags > u16::MAX as usize {
            return Err("lemmatizer: bad tag lists".into());
        }
        let mut m = Lemmatizer::empty(upos, xpos);
        let ops = r.bytes()?;
        if ops.len() != ntags * SHAPES {
            return Err("lemmatizer: bad case table".into());
        }
        for (t, chunk) in ops.chunks_exact(SHAPES).enumerate() {
            for (s, &op) in chunk.iter().enumerate() {
                m.case_ops[t][s] = *CASE_OPS.get(op as usize).ok_or("lemmatizer: bad case op")?;
            }
        }
        m.strings = boxed(r.strs()?);
        let keys = r.strs()?;
        let key_spans = spans(&r.u32s()?, keys.len())?;
        let tags = r.u32s()?;
        let lemmas = r.u32s()?;
        if tags.len() != lemmas.len() || key_spans.last().map_or(0, |s| s.1) as usize != tags.len()
        {
            return Err("lemmatizer: bad lexicon".into());
        }
        for (t, l) in tags.iter().zip(&lemmas) {
            if (t >> 1) as usize >= ntags || *l as usize >= m.strings.len() {
                return Err("lemmatizer: lexicon entry out of range".into());
            }
            m.entries.push(Entry {
                tag: (t >> 1) as u16,
                folded: t & 1 == 1,
                lemma: *l,
            });
        }
        m.lexicon = keys.into_iter().map(Into::into).zip(key_spans).collect();
        let strips = r.bytes()?;
        let appends = r.strs()?;
        if strips.len() != appends.len() {
            return Err("lemmatizer: bad edits".into());
        }
        m.edits = strips
            .iter()
            .zip(appends)
            .map(|(&strip, a)| Edit {
                strip,
                append: a.into(),
            })
            .collect();
        let keys = r.strs()?;
        let key_spans = spans(&r.u32s()?, keys.len())?;
        let tags = r.u32s()?;
        let cand_spans = spans_of(&r.u32s()?)?;
        m.cands = r.u32s()?;
        if tags.len() != cand_spans.len()
            || key_spans.last().map_or(0, |s| s.1) as usize != tags.len()
            || cand_spans.last().map_or(0, |s| s.1) as usize != m.cands.len()
            || tags.iter().any(|&t| t as usize >= ntags)
            || m.cands.iter().any(|&e| e as usize >= m.edits.len())
        {
            return Err("lemmatizer: bad rules".into());
        }
        m.rule_list = tags
            .iter()
            .zip(cand_spans)
            .map(|(&tag, cands)| Rule {
                tag: tag as u16,
                cands,
            })
            .collect();
        m.rules = keys.into_iter().map(Into::into).zip(key_spans).collect();
        let words = r.strs()?;
        let classes = r.bytes()?;
        if words.len() != classes.len() {
            return Err("lemmatizer: bad vocabulary".into());
        }
        m.vocab = words
            .into_iter()
            .map(Into::into)
            .zip(classes.iter().copied())
            .collect();
        // Parsed now so that loading, not the first unseen verb, pays for it.
        wordnet();
        Ok(m)
    }
}

fn boxed(v: Vec<String>) -> Vec<Box<str>> {
    v.into_iter().map(Into::into).collect()
}

/// Consecutive ranges from their lengths, `n` of them.
fn spans(lens: &[u32], n: usize) -> Result<Vec<(u32, u32)>, String> {
    if lens.len() != n {
        return Err("lemmatizer: index lengths do not match".into());
    }
    spans_of(lens)
}

fn spans_of(lens: &[u32]) -> Result<Vec<(u32, u32)>, String> {
    let mut at = 0u32;
    lens.iter()
        .map(|&n| {
            let end = at.checked_add(n).ok_or("lemmatizer: index overflow")?;
            let s = (at, end);
            at = end;
            Ok(s)
        })
        .collect()
}

/// The most frequent key; ties go to the smallest, so the result does not
/// depend on hash order.
fn majority<'a>(c: FxHashMap<&'a str, u32>) -> &'a str {
    c.into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
        .map_or("", |(l, _)| l)
}

fn char_len(s: &str) -> usize {
    s.chars().count()
}

/// Byte offsets where the word's endings of 0..=MAX_SUFFIX characters
/// start, shortest ending first.
fn suffix_starts(s: &str) -> impl DoubleEndedIterator<Item = usize> + '_ {
    let mut starts = [s.len(); MAX_SUFFIX + 1];
    let mut n = 1;
    for (i, _) in s.char_indices().rev().take(MAX_SUFFIX) {
        starts[n] = i;
        n += 1;
    }
    (0..n).map(move |j| starts[j])
}

/// `s` without its last `k` characters, if that leaves at least one.
fn strip_chars(s: &str, k: usize) -> Option<&str> {
    if k == 0 {
        return (!s.is_empty()).then_some(s);
    }
    let (i, _) = s.char_indices().rev().nth(k - 1)?;
    (i > 0).then(|| &s[..i])
}

/// The edit taking lower-cased form `lf` to lower-cased lemma `ll`.
fn edit_between(lf: &str, ll: &str) -> Option<Edit> {
    let common: usize = lf
        .chars()
        .zip(ll.chars())
        .take_while(|(a, b)| a == b)
        .map(|(a, _)| a.len_utf8())
        .sum();
    let strip = u8::try_from(char_len(&lf[common..])).ok()?;
    Some(Edit {
        strip,
        append: ll[common..].into(),
    })
}

fn shape(form: &str) -> usize {
    let (mut upper, mut lower, mut later_upper, mut n) = (0, 0, false, 0);
    for (i, c) in form.chars().enumerate() {
        n += 1;
        if c.is_uppercase() {
            upper += 1;
            later_upper |= i > 0;
        } else if c.is_lowercase() {
            lower += 1;
        }
    }
    if upper == 0 {
        0
    } else if !later_upper && lower > 0 {
        1
    } else if lower == 0 && n <= 4 {
        2
    } else if lower == 0 {
        3
    } else {
        4
    }
}

/// Lower-cases into `buf` when it fits, so a known word costs no allocation.
fn fold<'b>(form: &'b str, buf: &'b mut [u8; FOLD_BUF]) -> Cow<'b, str> {
    if lower_fixed(form) {
        return Cow::Borrowed(form);
    }
    if form.is_ascii() && form.len() <= FOLD_BUF {
        let out = &mut buf[..form.len()];
        out.copy_from_slice(form.as_bytes());
        out.make_ascii_lowercase();
        if let Ok(s) = std::str::from_utf8(out) {
            return Cow::Borrowed(s);
        }
    }
    Cow::Owned(form.to_lowercase())
}

/// True when lower-casing would not change `s`.
fn lower_fixed(s: &str) -> bool {
    if s.is_ascii() {
        return !s.bytes().any(|b| b.is_ascii_uppercase());
    }
    s.chars().all(|c| {
        let mut l = c.to_lowercase();
        l.next() == Some(c) && l.next().is_none()
    })
}

fn apply_case(s: &str, op: CaseOp) -> String {
    match op {
        CaseOp::Keep => s.to_string(),
        CaseOp::Lower => s.to_lowercase(),
        CaseOp::Title => {
            let mut c = s.chars();
            match c.next() {
                Some(first) => first
                    .to_uppercase()
                    .chain(c.as_str().to_lowercase().chars())
                    .collect(),
                None => String::new(),
            }
        }
    }
}

/// [`apply_case`] that allocates only when the case changes.
fn case_cow(s: Cow<'_, str>, op: CaseOp) -> Cow<'_, str> {
    let unchanged = match op {
        CaseOp::Keep => true,
        CaseOp::Lower => lower_fixed(&s),
        CaseOp::Title => {
            let mut c = s.chars();
            c.next().is_none_or(|f| {
                let mut u = f.to_uppercase();
                u.next() == Some(f) && u.next().is_none()
            }) && lower_fixed(c.as_str())
        }
    };
    if unchanged {
        s
    } else {
        Cow::Owned(apply_case(&s, op))
    }
}

/// "1,250,000" -> "1250000"; None unless the commas group digits by three.
fn without_digit_commas(form: &str) -> Option<String> {
    if !form.contains(',') {
        return None;
    }
    let digits = |g: &str| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit());
    let (int, frac) = match form.split_once('.') {
        Some((int, frac)) => (int, Some(frac)),
        None => (form, None),
    };
    let mut groups = int.split(',');
    let first = groups.next().unwrap_or("");
    let ok = digits(first)
        && first.len() <= 3
        && groups.all(|g| g.len() == 3 && digits(g))
        && frac.is_none_or(digits);
    ok.then(|| form.replace(',', ""))
}

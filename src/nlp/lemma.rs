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
use std::collections::BTreeMap;
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
/// Proper nouns; a known lemma with this class was seen capitalised.
const NAME: u8 = 16;

/// Marks a lexicon entry keyed by the lower-cased form, which serves every
/// spelling of it ("TEHRAN" finds "tehran" -> "Tehran") after the entries
/// for the form as written.
const FOLDED: u32 = 1 << 16;

/// Case of a form: lower, Title, SHORT upper (an acronym), LONGER upper (a
/// headline word), MiXed; each tag learns what its lemmas do with each.
const SHAPES: usize = 5;

/// How a rule's output gets its case.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum CaseOp {
    #[default]
    Keep,
    Lower,
    Title,
}

const CASE_OPS: [CaseOp; 3] = [CaseOp::Keep, CaseOp::Lower, CaseOp::Title];

/// Drop `strip` characters, then append.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct Edit {
    strip: u8,
    append: Box<str>,
}

/// English verbs from WordNet (see the data file's header).
struct WordNet {
    verbs: FxHashSet<&'static str>,
    irregular: FxHashMap<&'static str, &'static str>,
}

fn wordnet() -> &'static WordNet {
    static WN: OnceLock<WordNet> = OnceLock::new();
    WN.get_or_init(|| {
        let text = include_str!("../../data/nlp/wordnet_verbs.txt");
        let lines = text
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'));
        let (pairs, verbs): (Vec<&str>, Vec<&str>) = lines.partition(|l| l.contains('\t'));
        WordNet {
            verbs: verbs.into_iter().collect(),
            irregular: pairs.iter().filter_map(|l| l.split_once('\t')).collect(),
        }
    })
}

/// A trained lemmatizer.
#[derive(Debug, Default)]
pub struct Lemmatizer {
    /// (UPOS, Penn) pairs seen in training, most frequent first; a tag id
    /// indexes these.
    upos: Vec<Box<str>>,
    xpos: Vec<Box<str>>,
    /// Per tag: its word classes, whether WordNet's irregular verb forms
    /// apply (VBD, VBG, VBN, VBZ), and the case of rule output per shape.
    tags: Vec<(u8, bool, [CaseOp; SHAPES])>,
    /// Penn tag -> its (UPOS, tag id) pairs, most frequent first.
    by_xpos: FxHashMap<Box<str>, Vec<(Box<str>, u16)>>,
    /// Form -> ([`FOLDED`] | tag, index in `strings`) entries.
    lexicon: FxHashMap<Box<str>, Box<[(u32, u32)]>>,
    strings: Vec<Box<str>>,
    /// Every lower-cased training lemma -> the word classes it was seen in.
    known: FxHashMap<Box<str>, u8>,
    /// Per tag, the root of its trie of word endings read backwards ("-ing"
    /// is node "gni"), the node of the empty ending; `u32::MAX` for none.
    roots: Vec<u32>,
    /// (node << 32 | next char) -> node: integer keys, one cheap probe per
    /// letter of the word.
    trie: FxHashMap<u64, u32>,
    /// Per node, parents first: its ending, tag and edits (index in `lists`).
    nodes: Vec<(Box<str>, u32, u32)>,
    /// Edits to try, best first.
    lists: Vec<Box<[Edit]>>,
}

/// (form, lemma, tag id, tokens) of every training word type.
type Types<'s> = [(&'s str, &'s str, u16, u32)];
/// Tokens per lemma.
type Counts<'s> = FxHashMap<&'s str, u32>;
/// Strings with their (u32, u32) slots: the lexicon and the rule trie, as
/// the model file holds them.
type Rows = Vec<(String, Vec<(u32, u32)>)>;

impl Lemmatizer {
    /// Learns from treebank sentences (the train splits). The same
    /// sentences in the same order give the same model, byte for byte.
    pub fn train(sentences: &[&conllu::Sentence]) -> Lemmatizer {
        let mut tag_counts: FxHashMap<(&str, &str), u32> = FxHashMap::default();
        let mut types: FxHashMap<(&str, &str, &str, &str), u32> = FxHashMap::default();
        for w in sentences.iter().flat_map(|s| &s.words) {
            *tag_counts.entry((&w.upos, &w.xpos)).or_default() += 1;
            let key = (&*w.form, &*w.lemma, &*w.upos, &*w.xpos);
            *types.entry(key).or_default() += 1;
        }
        let mut tags: Vec<((&str, &str), u32)> = tag_counts.into_iter().collect();
        tags.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        tags.truncate(usize::from(u16::MAX));
        let ids: FxHashMap<(&str, &str), u16> = (0..).zip(&tags).map(|(i, t)| (t.0, i)).collect();
        // Sorted, so that nothing below depends on hash order.
        let mut types: Vec<(&str, &str, u16, u32)> = types
            .into_iter()
            .filter_map(|((f, l, u, x), n)| Some((f, l, *ids.get(&(u, x))?, n)))
            .collect();
        types.sort_unstable();

        let mut m = Lemmatizer::with_tags(
            tags.iter().map(|t| t.0.0.into()).collect(),
            tags.iter().map(|t| t.0.1.into()).collect(),
        );
        m.learn_rules(&types);
        m.learn_case(&types);
        for &(_, l, tag, _) in &types {
            let capital = l.starts_with(char::is_uppercase);
            let class = m.tags[usize::from(tag)].0 & if capital { !0 } else { !NAME };
            *m.known.entry(l.to_lowercase().into()).or_default() |= class;
        }
        m.learn_lexicon(&types);
        m
    }

    fn with_tags(upos: Vec<Box<str>>, xpos: Vec<Box<str>>) -> Lemmatizer {
        let mut m = Lemmatizer {
            tags: col(upos.iter().zip(&xpos), |(u, x)| tag_info(u, x)),
            ..Default::default()
        };
        for (i, (u, x)) in (0..).zip(upos.iter().zip(&xpos)) {
            m.by_xpos.entry(x.clone()).or_default().push((u.clone(), i));
        }
        (m.upos, m.xpos) = (upos, xpos);
        m
    }

    /// Suffix rules from word types, not tokens: a rule is for words never
    /// seen, which behave like the many rare types, not like "was" or "had".
    fn learn_rules(&mut self, types: &Types) {
        let lc = str::to_lowercase;
        let mut lower = col(types, |&(f, l, t, _)| (lc(f), lc(l), t));
        lower.sort_unstable();
        lower.dedup();
        let mut counts: FxHashMap<(&str, u16), FxHashMap<Edit, u32>> = FxHashMap::default();
        for (lf, ll, tag) in &lower {
            let Some(e) = edit_between(lf, ll) else {
                continue;
            };
            let starts = lf.char_indices().rev().take(MAX_SUFFIX).map(|(i, _)| i);
            for start in starts.chain([lf.len()]) {
                let edits = counts.entry((&lf[start..], *tag)).or_default();
                *edits.entry(e.clone()).or_default() += 1;
            }
        }
        let mut lists: BTreeMap<(&str, u16), (u32, Vec<Edit>)> = BTreeMap::new();
        for (k, c) in counts {
            let total: u32 = c.values().sum();
            let mut c: Vec<(Edit, u32)> =
                c.into_iter().filter(|e| e.1 * MIN_SHARE >= total).collect();
            c.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            lists.insert(k, (total, col(c, |e| e.0)));
        }
        // A word ending that says what its parent (one letter shorter) says
        // is dropped, unless a longer ending below it says something else:
        // lookup walks from the shortest ending and stops at the first gap.
        let mut kept: BTreeMap<String, Vec<(u32, &[Edit])>> = BTreeMap::new();
        for (&(suffix, tag), (total, list)) in &lists {
            let parent = suffix.chars().next().map(|c| &suffix[c.len_utf8()..]);
            let same = parent
                .and_then(|p| lists.get(&(p, tag)))
                .is_some_and(|p| p.1 == *list);
            if parent.is_some() && (*total < MIN_SUPPORT || same) {
                continue;
            }
            for (i, _) in suffix.char_indices().chain([(suffix.len(), ' ')]) {
                let rules = kept.entry(suffix[i..].chars().rev().collect()).or_default();
                rules.push((u32::from(tag), &lists[&(&suffix[i..], tag)].1));
            }
        }
        let mut ids: FxHashMap<&[Edit], u32> = FxHashMap::default();
        let mut rows = Rows::new();
        for (rev, mut rules) in kept {
            rules.sort_unstable();
            rules.dedup();
            let rules = rules.into_iter().map(|(tag, list)| {
                let id = *ids.entry(list).or_insert(self.lists.len() as u32);
                if id as usize == self.lists.len() {
                    self.lists.push(list.into());
                }
                (tag, id)
            });
            rows.push((rev, rules.collect()));
        }
        // Cannot fail: every kept ending comes with all its shorter ones.
        let _ = self.set_trie(rows);
    }

    /// Case of rule output per tag and shape, by majority over word types
    /// whose lemma one of the three case operations reproduces.
    fn learn_case(&mut self, types: &Types) {
        let mut counts = vec![[[0u32; 3]; SHAPES]; self.upos.len()];
        for &(f, l, tag, _) in types {
            let Some(e) = edit_between(&f.to_lowercase(), &l.to_lowercase()) else {
                continue;
            };
            let Some(stem) = strip_chars(f, e.strip.into()) else {
                continue;
            };
            let out = format!("{stem}{}", e.append);
            if let Some(op) = CASE_OPS.iter().position(|&op| apply_case(&out, op) == l) {
                counts[usize::from(tag)][shape(f)][op] += 1;
            }
        }
        for (tag, counts) in self.tags.iter_mut().zip(&counts) {
            for (op, c) in tag.2.iter_mut().zip(counts) {
                // Ties go to the earlier op: keeping the form as it is.
                if let Some(best) = (0..3).rev().max_by_key(|&i| c[i]).filter(|&i| c[i] > 0) {
                    *op = CASE_OPS[best];
                }
            }
        }
    }

    /// The lexicon: the most frequent lemma of each lower-cased form and
    /// tag where the rules miss it on some training spelling, then of each
    /// form as written where rules and lower-cased entries both miss.
    fn learn_lexicon(&mut self, types: &Types) {
        let mut folded: BTreeMap<(String, u16), (Counts, Vec<&str>)> = BTreeMap::new();
        let mut exact: BTreeMap<(&str, u16), Counts> = BTreeMap::new();
        for &(f, l, tag, n) in types {
            let (lemmas, spellings) = folded.entry((f.to_lowercase(), tag)).or_default();
            *lemmas.entry(l).or_default() += n;
            spellings.push(f);
            *exact.entry((f, tag)).or_default().entry(l).or_default() += n;
        }
        let mut table: BTreeMap<String, Vec<(u32, &str)>> = BTreeMap::new();
        for ((lf, tag), (lemmas, spellings)) in folded {
            let lemma = majority(lemmas);
            let miss = |f: &&str| self.by_rule(f, &f.to_lowercase(), tag) != lemma;
            if spellings.iter().any(miss) {
                let kind = FOLDED | u32::from(tag);
                table.entry(lf).or_default().push((kind, lemma));
            }
        }
        self.set_table(&table);
        for ((f, tag), lemmas) in exact {
            let lemma = majority(lemmas);
            if self.lemma_tagged(f, tag) != lemma {
                let kind = u32::from(tag);
                table.entry(f.into()).or_default().push((kind, lemma));
            }
        }
        self.set_table(&table);
    }

    /// Interns the lemmas of `table` and makes it the lexicon.
    fn set_table(&mut self, table: &BTreeMap<String, Vec<(u32, &str)>>) {
        let mut strings: Vec<&str> = table.values().flatten().map(|e| e.1).collect();
        strings.sort_unstable();
        strings.dedup();
        let id = |l: &str| strings.binary_search(&l).unwrap_or(0) as u32;
        let row = |(k, e): (&String, &Vec<(u32, &str)>)| (k.clone(), col(e, |&(t, l)| (t, id(l))));
        self.set_lexicon(col(table, row));
        self.strings = strings.into_iter().map(Into::into).collect();
    }

    fn set_lexicon(&mut self, rows: Rows) {
        self.lexicon = rows
            .into_iter()
            .map(|(k, e)| (k.into(), e.into()))
            .collect();
    }

    /// Builds the tries from their rows, parents first.
    fn set_trie(&mut self, rows: Rows) -> Result<(), String> {
        self.roots = vec![u32::MAX; self.upos.len()];
        let mut ids: FxHashMap<(&str, u32), u32> = FxHashMap::default();
        for (rev, rules) in &rows {
            for &(tag, list) in rules {
                let node = self.nodes.len() as u32;
                if let Some(c) = rev.chars().last() {
                    let parent = ids.get(&(&rev[..rev.len() - c.len_utf8()], tag));
                    let parent = parent.ok_or("lemmatizer model: an ending without its parent")?;
                    self.trie.insert(edge(*parent, c), node);
                } else if let Some(root) = self.roots.get_mut(tag as usize) {
                    *root = node;
                }
                ids.insert((rev, tag), node);
                self.nodes.push((rev.as_str().into(), tag, list));
            }
        }
        Ok(())
    }

    /// Lemma of a word given its form, UPOS and Penn tag ("met" VERB VBD ->
    /// "meet", "Obama" PROPN NNP -> "Obama"). Borrows when the lemma is the
    /// form, a prefix of it, or a stored string. An unknown tag pair is
    /// read as the commonest pair with its Penn tag; with an unknown Penn
    /// tag the form is its own lemma.
    pub fn lemma<'a>(&'a self, form: &'a str, upos: &str, xpos: &str) -> Cow<'a, str> {
        let Some(tags) = self.by_xpos.get(xpos) else {
            return Cow::Borrowed(form);
        };
        match tags.iter().find(|(u, _)| &**u == upos).or(tags.first()) {
            Some(&(_, tag)) => self.lemma_tagged(form, tag),
            None => Cow::Borrowed(form),
        }
    }

    fn lemma_tagged<'a>(&'a self, form: &'a str, tag: u16) -> Cow<'a, str> {
        let mut buf = [0u8; FOLD_BUF];
        let lower = fold(form, &mut buf);
        let exact = self.lexicon.get(form);
        if let Some(l) = exact.and_then(|e| self.entry(e, u32::from(tag))) {
            return Cow::Borrowed(l);
        }
        // Most words are lower-case already: their lower-cased entries sit
        // under the key just looked up.
        let folded = if std::ptr::eq(&*lower, form) {
            exact
        } else {
            self.lexicon.get(&*lower)
        };
        if let Some(l) = folded.and_then(|e| self.entry(e, FOLDED | u32::from(tag))) {
            return Cow::Borrowed(l);
        }
        self.by_rule(form, &lower, tag)
    }

    fn entry(&self, entries: &[(u32, u32)], want: u32) -> Option<&str> {
        let id = entries.iter().find(|e| e.0 == want)?.1;
        self.strings.get(id as usize).map(|s| &**s)
    }

    /// The lemma the rules give, without the lexicon; `lower` is the
    /// lower-cased form.
    fn by_rule<'a>(&'a self, form: &'a str, lower: &str, tag: u16) -> Cow<'a, str> {
        // Thousands separators go, as in both treebanks: "44,000" -> "44000".
        if let Some(n) = without_digit_commas(form) {
            return Cow::Owned(n);
        }
        let Some(&(class, inflected_verb, ops)) = self.tags.get(usize::from(tag)) else {
            return Cow::Borrowed(form);
        };
        let op = ops[shape(form)];
        // Irregular and consonant-doubling verbs: "strove" VBD -> "strive".
        let irregular = wordnet().irregular.get(lower).filter(|_| inflected_verb);
        let edit = match irregular {
            Some(&lemma) => Some((lemma, "")),
            None => self
                .choose_edit(lower, class, tag)
                .and_then(|e| Some((strip_chars(form, e.strip.into())?, &*e.append))),
        };
        let (stem, append) = edit.unwrap_or((form, ""));
        let mut buf = [0u8; FOLD_BUF];
        let mut out = join_cased(stem, append, op, &mut buf);
        // A name written in lower case whose lemma was seen capitalised:
        // "mexico" NNP -> "Mexico".
        if class & NAME != 0
            && lower == form
            && self.known.get(&*out).is_some_and(|c| c & NAME != 0)
        {
            out = Cow::Owned(apply_case(&out, CaseOp::Title));
        }
        if *out == *stem {
            return Cow::Borrowed(stem);
        }
        // A known lemma equal to the output ("The" -> "the") saves an
        // allocation.
        match self.known.get_key_value(&*out) {
            Some((stored, _)) => Cow::Borrowed(stored),
            None => Cow::Owned(out.into_owned()),
        }
    }

    /// The edit for `lower` under this tag: of the longest known ending's
    /// edits (for a verb, then of the shorter endings' too), the first
    /// whose output is a known lemma of the tag's word class ("-oked" VBN:
    /// "provoked" -> "provoke" is a verb, "provok" is not), else its first
    /// edit ("blorfed" -> "blorf").
    fn choose_edit(&self, lower: &str, class: u8, tag: u16) -> Option<&Edit> {
        let mut chain: [&[Edit]; MAX_SUFFIX + 1] = Default::default();
        let (mut depth, mut chars) = (0, lower.chars().rev());
        let mut node = *self.roots.get(usize::from(tag))?;
        while let Some(&(_, _, list)) = self.nodes.get(node as usize) {
            chain[depth] = self.lists.get(list as usize).map_or(&[], |l| &**l);
            depth += 1;
            let next = chars.next().filter(|_| depth <= MAX_SUFFIX);
            let child = next.and_then(|c| self.trie.get(&edge(node, c)));
            let Some(&child) = child else { break };
            node = child;
        }
        let n = char_len(lower);
        let usable = |e: &&Edit| usize::from(e.strip) < n;
        let mut lists = chain[..depth]
            .iter()
            .rev()
            .filter(|l| l.iter().any(|e| usable(&e)));
        let longest = lists.next()?;
        let first = longest.iter().find(usable)?;
        if class == 0 || (class != VERB && longest.iter().filter(usable).count() == 1) {
            return Some(first);
        }
        // Verbs may take an edit of a shorter ending too ("timed" -> "time",
        // though "-imed" says "aimed" -> "aim"): WordNet lists nearly every
        // verb, so a verb that is not one is rarely right. The training
        // vocabulary of other classes is too thin for that.
        let tried = if class == VERB { depth } else { 1 };
        let edits = std::iter::once(longest).chain(lists).take(tried);
        let mut buf = [0u8; FOLD_BUF];
        let known = edits.flat_map(|l| l.iter()).filter(usable).find(|e| {
            let stem = strip_chars(lower, e.strip.into()).unwrap_or("");
            let out = join_cased(stem, &e.append, CaseOp::Keep, &mut buf);
            let seen = self.known.get(&*out).is_some_and(|&c| c & class != 0);
            seen || (class == VERB && wordnet().verbs.contains(&*out))
        });
        Some(known.unwrap_or(first))
    }

    /// Appends the model to a model file.
    pub fn write(&self, w: &mut Writer) {
        w.str(FORMAT);
        w.strs(&self.upos);
        w.strs(&self.xpos);
        w.bytes(&col(self.tags.iter().flat_map(|t| t.2), |op| op as u8));
        w.strs(&self.strings);
        let mut keys: Vec<&Box<str>> = self.lexicon.keys().collect();
        keys.sort_unstable();
        write_rows(w, keys.iter().map(|&k| (&**k, self.lexicon[k].to_vec())));
        let mut known: Vec<(&Box<str>, &u8)> = self.known.iter().collect();
        known.sort_unstable();
        w.strs(&col(&known, |k| k.0));
        w.bytes(&col(&known, |k| *k.1));
        w.u32s(&col(&self.lists, |l| l.len() as u32));
        let edits = self.lists.iter().flatten();
        w.bytes(&col(edits.clone(), |e| e.strip));
        w.strs(&col(edits, |e| &e.append));
        let rows = self.nodes.chunk_by(|a, b| a.0 == b.0);
        write_rows(w, rows.map(|r| (&*r[0].0, col(r, |n| (n.1, n.2)))));
    }

    /// Reads a model written by [`Lemmatizer::write`]; damaged bytes give
    /// an error.
    pub fn read(r: &mut Reader) -> Result<Lemmatizer, String> {
        let bad = |what: &str| format!("lemmatizer model: bad {what}");
        let format = r.str()?;
        if format != FORMAT {
            return Err(format!("lemmatizer model {format:?}, expected {FORMAT:?}"));
        }
        let (upos, xpos) = (boxed(r.strs()?), boxed(r.strs()?));
        let ntags = upos.len() as u32;
        if xpos.len() != upos.len() || ntags > u32::from(u16::MAX) {
            return Err(bad("tag lists"));
        }
        let mut m = Lemmatizer::with_tags(upos, xpos);
        let ops = r.bytes()?;
        if ops.len() != m.tags.len() * SHAPES {
            return Err(bad("case table"));
        }
        for (op, &b) in m.tags.iter_mut().flat_map(|t| &mut t.2).zip(&ops) {
            *op = *CASE_OPS.get(usize::from(b)).ok_or_else(|| bad("case op"))?;
        }
        m.strings = boxed(r.strs()?);
        let n = m.strings.len() as u32;
        m.set_lexicon(read_rows(r, |kind, id| kind & !FOLDED < ntags && id < n)?);
        let (words, classes) = (r.strs()?, r.bytes()?);
        if words.len() != classes.len() {
            return Err(bad("known lemmas"));
        }
        m.known = boxed(words)
            .into_iter()
            .zip(classes.iter().copied())
            .collect();
        let (lens, strips, appends) = (r.u32s()?, r.bytes()?, r.strs()?);
        if strips.len() != appends.len() {
            return Err(bad("edits"));
        }
        let edits = strips.iter().zip(appends);
        let edits: Vec<Edit> = col(edits, |(&strip, a)| Edit {
            strip,
            append: a.into(),
        });
        m.lists = col(spans(&lens, edits.len())?, |(a, b)| edits[a..b].into());
        let n = m.lists.len() as u32;
        m.set_trie(read_rows(r, |tag, list| tag < ntags && list < n)?)?;
        // Parsed now so that loading, not the first unseen verb, pays for it.
        wordnet();
        Ok(m)
    }
}

/// Key of the trie edge from `node` by letter `c`.
fn edge(node: u32, c: char) -> u64 {
    u64::from(node) << 32 | u64::from(c)
}

fn col<T, U>(items: impl IntoIterator<Item = T>, f: impl FnMut(T) -> U) -> Vec<U> {
    items.into_iter().map(f).collect()
}

fn write_rows<'r>(w: &mut Writer, rows: impl Iterator<Item = (&'r str, Vec<(u32, u32)>)>) {
    let rows: Vec<_> = rows.collect();
    w.strs(&col(&rows, |r| r.0));
    w.u32s(&col(&rows, |r| r.1.len() as u32));
    w.u32s(&col(rows.iter().flat_map(|r| &r.1), |s| s.0));
    w.u32s(&col(rows.iter().flat_map(|r| &r.1), |s| s.1));
}

/// Rows as [`write_rows`] wrote them, every slot passing `ok`.
fn read_rows(r: &mut Reader, ok: impl Fn(u32, u32) -> bool) -> Result<Rows, String> {
    let (keys, lens, a, b) = (r.strs()?, r.u32s()?, r.u32s()?, r.u32s()?);
    if keys.len() != lens.len() || a.len() != b.len() || !a.iter().zip(&b).all(|(&x, &y)| ok(x, y))
    {
        return Err("lemmatizer model: bad table".into());
    }
    let slots: Vec<(u32, u32)> = a.into_iter().zip(b).collect();
    let spans = spans(&lens, slots.len())?;
    Ok(col(keys.into_iter().zip(spans), |(k, (x, y))| {
        (k, slots[x..y].to_vec())
    }))
}

fn boxed(v: Vec<String>) -> Vec<Box<str>> {
    v.into_iter().map(Into::into).collect()
}

/// Consecutive ranges with these lengths, which must add up to `total`.
fn spans(lens: &[u32], total: usize) -> Result<impl Iterator<Item = (usize, usize)>, String> {
    if lens.iter().map(|&n| n as usize).sum::<usize>() != total {
        return Err("lemmatizer model: index lengths do not add up".into());
    }
    let mut at = 0;
    Ok(lens.iter().map(move |&n| {
        at += n as usize;
        (at - n as usize, at)
    }))
}

/// Word classes of a tag, whether it is an inflected verb form, and the
/// case of rule output until data says otherwise: UD's convention, names
/// keep their case.
fn tag_info(upos: &str, xpos: &str) -> (u8, bool, [CaseOp; SHAPES]) {
    let class = match xpos {
        _ if xpos.starts_with("VB") => VERB,
        "NN" | "NNS" => NOUN,
        _ if xpos.starts_with("JJ") => ADJ,
        _ if xpos.starts_with("RB") => ADV,
        _ if upos == "PROPN" => NAME,
        _ => 0,
    };
    let op = if upos == "PROPN" {
        CaseOp::Keep
    } else {
        CaseOp::Lower
    };
    let inflected_verb = matches!(xpos, "VBD" | "VBG" | "VBN" | "VBZ");
    (class, inflected_verb, [CaseOp::Keep, op, op, op, op])
}

/// The most frequent lemma; ties go to the smallest, not to hash order.
fn majority<'s>(c: Counts<'s>) -> &'s str {
    c.into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
        .map_or("", |(l, _)| l)
}

fn char_len(s: &str) -> usize {
    s.chars().count()
}

/// `s` without its last `k` characters, if that leaves at least one.
fn strip_chars(s: &str, k: usize) -> Option<&str> {
    if k == 0 {
        return (!s.is_empty()).then_some(s);
    }
    let (i, _) = s.char_indices().rev().nth(k - 1)?;
    (i > 0).then(|| &s[..i])
}

/// The edit taking lower-cased form `lf` to lower-cased lemma `ll`. None
/// when they share no first letter ("was" -> "be"): that is an irregular for
/// the lexicon, not a pattern.
fn edit_between(lf: &str, ll: &str) -> Option<Edit> {
    let same = lf.chars().zip(ll.chars()).take_while(|(a, b)| a == b);
    let common: usize = same.map(|(a, _)| a.len_utf8()).sum();
    if common == 0 {
        return None;
    }
    let (strip, append) = (
        u8::try_from(char_len(&lf[common..])).ok()?,
        ll[common..].into(),
    );
    Some(Edit { strip, append })
}

/// Index of the form's case shape (see [`SHAPES`]).
fn shape(form: &str) -> usize {
    if !form.chars().any(char::is_uppercase) {
        0
    } else if !form.chars().any(char::is_lowercase) {
        2 + usize::from(form.chars().count() > 4)
    } else if !form.chars().skip(1).any(char::is_uppercase) {
        1
    } else {
        4
    }
}

/// Lower-cases into `buf` when it fits, so a known word costs no allocation.
fn fold<'b>(form: &'b str, buf: &'b mut [u8; FOLD_BUF]) -> Cow<'b, str> {
    let ascii_lower = form.is_ascii() && !form.bytes().any(|b| b.is_ascii_uppercase());
    if ascii_lower || (!form.is_ascii() && form.chars().all(|c| c.to_lowercase().eq([c]))) {
        return Cow::Borrowed(form);
    }
    join_cased(form, "", CaseOp::Lower, buf)
}

fn apply_case(s: &str, op: CaseOp) -> String {
    match op {
        CaseOp::Keep => s.to_string(),
        CaseOp::Lower => s.to_lowercase(),
        CaseOp::Title => {
            let mut c = s.chars();
            let first = c.next().map(|f| f.to_uppercase().collect::<String>());
            first.unwrap_or_default() + &c.as_str().to_lowercase()
        }
    }
}

/// `stem` + `append` with its case set by `op`, in `buf` when it fits.
fn join_cased<'b>(
    stem: &str,
    append: &str,
    op: CaseOp,
    buf: &'b mut [u8; FOLD_BUF],
) -> Cow<'b, str> {
    let n = stem.len() + append.len();
    if stem.is_ascii() && append.is_ascii() && n <= FOLD_BUF {
        let out = &mut buf[..n];
        out[..stem.len()].copy_from_slice(stem.as_bytes());
        out[stem.len()..].copy_from_slice(append.as_bytes());
        if op != CaseOp::Keep {
            out.make_ascii_lowercase();
        }
        if let (CaseOp::Title, Some(first)) = (op, out.first_mut()) {
            first.make_ascii_uppercase();
        }
        if let Ok(s) = std::str::from_utf8(out) {
            return Cow::Borrowed(s);
        }
    }
    Cow::Owned(apply_case(&format!("{stem}{append}"), op))
}

/// "1,250,000" -> "1250000"; None unless the commas group digits by three.
fn without_digit_commas(form: &str) -> Option<String> {
    let (int, frac) = form.split_once('.').unwrap_or((form, "0"));
    let digits = |g: &str| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit());
    let group = |(i, g): (usize, &str)| digits(g) && (g.len() == 3 || (i == 0 && g.len() < 3));
    let ok = form.contains(',') && digits(frac) && int.split(',').enumerate().all(group);
    ok.then(|| form.replace(',', ""))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nlp::model_file::decompress;

    /// A sentence of "form/lemma/UPOS/XPOS" words.
    fn sentence(words: &str) -> conllu::Sentence {
        let rows = words.split(' ').enumerate();
        let rows =
            rows.map(|(i, w)| format!("{}\t{}\t_\t0\tdep\t_\t_\n", i + 1, w.replace('/', "\t")));
        conllu::read(&rows.collect::<String>()).unwrap().remove(0)
    }

    /// Enough regular words for the rules, plus the irregulars under test.
    fn model() -> Lemmatizer {
        let mut text: Vec<String> = [
            "The/the/DET/DT children/child/NOUN/NNS met/meet/VERB/VBD Obama/Obama/PROPN/NNP",
            "It/it/PRON/PRP was/be/AUX/VBD n't/not/PART/RB the/the/DET/DT dog/dog/NOUN/NN",
            "Obama/Obama/PROPN/NNP 's/'s/PART/POS dog/dog/NOUN/NN walked/walk/VERB/VBD",
            "3/3/NUM/CD 12/12/NUM/CD in/in/ADP/IN Mexico/Mexico/PROPN/NNP",
        ]
        .map(String::from)
        .to_vec();
        // Tags, ending, then stems: "lik:like" is "liked" -> "like".
        for line in [
            "VERB/VBD ed walk talk play want look work ask help call open start",
            "VERB/VBD ed lik:like hop:hope us:use mov:move sav:save",
            "VERB/VBD ed stopp:stop dropp:drop shopp:shop",
            "VERB/VBN ed look book cook smok:smoke jok:joke",
            "VERB/VBG ing walk talk play go read sing",
            "NOUN/NNS s dog cat book house tree car",
            "NOUN/NNS ies cit:city part:party bab:baby stor:story",
        ] {
            let mut w = line.split(' ');
            let (tags, ending) = (w.next().unwrap(), w.next().unwrap());
            let words = w.map(|s| {
                let (stem, lemma) = s.split_once(':').unwrap_or((s, s));
                format!("{stem}{ending}/{lemma}/{tags}")
            });
            text.push(words.collect::<Vec<_>>().join(" "));
        }
        let sentences: Vec<conllu::Sentence> = text.iter().map(|t| sentence(t)).collect();
        Lemmatizer::train(&sentences.iter().collect::<Vec<_>>())
    }

    /// "form UPOS XPOS lemma" cases, separated by '|'.
    const CASES: &[&str] = &[
        // Irregulars and function words from the lexicon.
        "met VERB VBD meet | children NOUN NNS child | was AUX VBD be",
        "n't PART RB not | 's PART POS 's",
        // Suffix rules on words never seen.
        "blorfed VERB VBD blorf | glopped VERB VBD glop | blorfing VERB VBG blorf",
        "zints NOUN NNS zint | glorpies NOUN NNS glorpy",
        // Two edits for "-oked": the one giving a known verb wins.
        "provoked VERB VBN provoke | hooked VERB VBN hook",
        // WordNet's irregular verbs.
        "strove VERB VBD strive",
        // Case: names keep theirs, common words are lower-cased.
        "Obama PROPN NNP Obama | Zorblax PROPN NNP Zorblax | The DET DT the",
        "Blorfed VERB VBD blorf | WALKED VERB VBD walk | mexico PROPN NNP Mexico",
        // Numbers lose thousands separators only.
        "44,000 NUM CD 44000 | 3,40 NUM CD 3,40",
        // An unknown tag pair is read by its Penn tag; an unknown Penn tag
        // leaves the form.
        "dogs ADJ NNS dog | dogs NOUN XX dogs",
    ];

    /// Asserts the cases, or with `only_run`, just asks them.
    fn check(m: &Lemmatizer, only_run: bool) {
        for case in CASES.iter().flat_map(|c| c.split(" | ")) {
            let c: Vec<&str> = case.split(' ').collect();
            let got = m.lemma(c[0], c[1], c[2]);
            assert!(only_run || got == c[3], "{case}: {got}");
        }
    }

    #[test]
    fn lemmas_of_known_and_unseen_words() {
        check(&model(), false);
    }

    #[test]
    fn borrows_forms_prefixes_and_stored_lemmas() {
        let m = model();
        for (form, tags) in [
            ("dog", "NOUN NN"),
            ("walked", "VERB VBD"),
            ("was", "AUX VBD"),
        ] {
            let (upos, xpos) = tags.split_once(' ').unwrap();
            assert!(
                matches!(m.lemma(form, upos, xpos), Cow::Borrowed(_)),
                "{form}"
            );
        }
    }

    #[test]
    fn total_on_any_input() {
        let m = model();
        let forms = "| |İSTANBUL|ǅemal|🦀s|\0|ies|s|E|".to_string() + &"é".repeat(300);
        for form in forms.split('|') {
            for tags in ["NOUN NNS", "VERB VBD", "PROPN NNP", " ", "X Q"] {
                let (upos, xpos) = tags.split_once(' ').unwrap();
                let _ = m.lemma(form, upos, xpos);
            }
        }
        assert_eq!(m.lemma("", "NOUN", "NNS"), "");
    }

    fn bytes(m: &Lemmatizer) -> Vec<u8> {
        let mut w = Writer::new("lemmatizer");
        m.write(&mut w);
        w.finish()
    }

    #[test]
    fn training_is_deterministic_and_round_trips() {
        let raw = bytes(&model());
        assert_eq!(raw, bytes(&model()));
        let mut w = Writer::new("lemmatizer");
        model().write(&mut w);
        let raw = decompress(&w.compressed().unwrap(), 1 << 20).unwrap();
        let back = Lemmatizer::read(&mut Reader::open(&raw, "lemmatizer").unwrap()).unwrap();
        check(&back, false);
        assert_eq!(bytes(&back), raw);
    }

    #[test]
    fn damaged_models_are_refused_without_panic() {
        let raw = bytes(&model());
        let header = Writer::new("lemmatizer").finish().len();
        for cut in header..raw.len() {
            let mut r = Reader::open(&raw[..cut], "lemmatizer").unwrap();
            assert!(Lemmatizer::read(&mut r).is_err(), "cut at {cut}");
        }
        for (at, flip) in (header..raw.len()).flat_map(|at| [(at, 1), (at, 0x80), (at, 0xff)]) {
            let mut bad = raw.clone();
            bad[at] ^= flip;
            let mut r = Reader::open(&bad, "lemmatizer").unwrap();
            if let Ok(m) = Lemmatizer::read(&mut r) {
                check(&m, true);
            }
        }
    }
}

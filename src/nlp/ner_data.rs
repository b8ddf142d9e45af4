//! The treebank side of the entity recogniser: GUM's mentions and UNER's
//! spans as training examples, and span scores.
//!
//! UNER (the evaluation standard) marks only names, and only the name:
//! in "the former Senator Jane Roe's office" the span is "Jane Roe", PER.
//! GUM marks every mention of every entity, whole noun phrases with their
//! determiners, titles and modifiers, pronouns and common nouns included.
//! [`gum_names`] turns GUM's mentions into UNER-style names; the rules are
//! documented there, with the counts they give on GUM's train documents.

use super::super::conllu::{self, Sentence, Word};
use super::super::eval::Prf;
use super::super::lexical::Atoms;
use super::super::tagger::Tagger;
use super::super::train::atoms_of;
use super::super::wordnet;
use super::super::{EntitySpan, NameKind};
use super::{self as ner, Example, Recognizer};

/// The kind of a GUM entity type as a name: GUM's `person`, `organization`,
/// `place` and `event`, and any other named type (a law, a ship, a drug) as
/// [`NameKind::Other`]; `time` is never a name (UNER leaves "Friday" and
/// "March" out).
fn gum_kind(kind: &str) -> Option<NameKind> {
    Some(match kind {
        "person" => NameKind::Person,
        "organization" => NameKind::Organization,
        "place" => NameKind::Place,
        "event" => NameKind::Event,
        "time" => return None,
        _ => NameKind::Other,
    })
}

/// The mention's head: its first word whose head lies outside it.
fn head_of(words: &[Word], first: usize, last: usize) -> usize {
    (first..=last)
        .find(|&i| {
            let h = words[i].head;
            h == 0 || h - 1 < first || h - 1 > last
        })
        .unwrap_or(first)
}

/// A word that can be part of a name: a proper noun, a capitalised word
/// of another class ("the Democratic Party", "Main Street"), or a number
/// that a name holds ("Apollo 11", "Section 8").
fn name_word(w: &Word) -> bool {
    w.upos == "PROPN"
        || (w.form.chars().next().is_some_and(char::is_uppercase)
            && matches!(w.upos.as_str(), "ADJ" | "NOUN" | "NUM" | "X" | "VERB"))
        || (w.upos == "NUM" && matches!(w.deprel.as_str(), "flat" | "compound" | "nummod"))
}

/// Words that join name words inside one name: "Bank of England",
/// "Procter and Gamble", "Institute for Peace", "Jean-Paul" split as
/// "Jean - Paul".
fn connector(w: &Word) -> bool {
    matches!(
        w.form.to_lowercase().as_str(),
        "of" | "and" | "&" | "-" | "de" | "for"
    )
}

/// A possessive clitic: "'s", "'", "’s".
fn possessive(w: &Word) -> bool {
    matches!(w.form.as_str(), "'s" | "'" | "’s" | "’" | "s") && w.upos == "PART"
}

/// A title or honorific that precedes a person's name and is not part of
/// it in UNER ("Prime Minister", "Dr.", "Senator").
fn title(w: &Word) -> bool {
    let mut b = String::new();
    let a = Atoms::of(&w.form, &mut b);
    ner::is_title(&a) || ner::is_title(&Atoms::of(w.form.trim_end_matches('.'), &mut b))
}

/// UNER-style names from one GUM sentence's mentions, in order, not
/// overlapping. The rules, with what they do to the 31,396 mentions of
/// GUM's train documents ([`GumCounts`]):
///
/// 1. A mention is a name when its head word (its first word headed from
///    outside it) is a proper noun; "the company" and "she" are not
///    (23,624 mentions). `time` mentions are never names (2,014): UNER
///    leaves "Friday" and "March" out.
/// 2. The name is the run of name words around the head inside the
///    mention (proper nouns, capitalised words of other classes, numbers
///    inside a name): "the Bank of Lorn 's" → "Bank of Lorn". Determiners,
///    lower-case modifiers and clitics fall outside, and so does a count
///    before the name; connectors (`of`, `and`, `for`, `-`, `de`) stay when
///    a name word follows them inside the run. A connector is not crossed
///    right after another named mention ends ("Ann Lee of Acme Corp" stays
///    two names), nor is a possessive clitic ("Lorn 's City Hall" gives
///    "Lorn" and "City Hall"). 3,727 names are whole mentions, 1,762 are
///    trimmed.
/// 3. A person's name starts after its leading titles and honorifics, and
///    after a nested name before a title ("Foreign Minister Jane Roe",
///    "Lornish President Jane Roe" → "Jane Roe"; 86 cut); a person run of
///    titles alone ("the Home Secretary") is no name (39), nor is one
///    word that WordNet has as a common noun for people ("Mom", "the
///    Emperor"; 109).
/// 4. A run with no capital letter is a tagging slip in edited text (39).
/// 5. A plural person ("the Smiths", "Democrats") and a lone demonym ("the
///    Spanish") name a group, which UNER leaves out (82).
/// 6. A non-person name ending in a genitive clitic that is not a
///    possessor keeps it, as UNER does for shops ("lunch at Rosa 's";
///    8).
/// 7. A capitalised "The" before the name inside a sentence joins it ("a
///    review in The Daily Planet").
/// 8. Where names overlap (a mention nested in another), the one that
///    starts first wins, and of two starting together the longer:
///    "Lakeview Otters" over its nested "Lakeview" (574 dropped).
pub fn gum_names(s: &Sentence) -> Vec<EntitySpan> {
    gum_names_counted(s, &mut GumCounts::default())
}

/// How many GUM mentions each rule of [`gum_names`] took or changed.
#[derive(Clone, Copy, Debug, Default)]
pub struct GumCounts {
    /// Mentions seen.
    pub mentions: usize,
    /// Not names: `time` mentions.
    pub time: usize,
    /// Not names: the head is not a proper noun.
    pub not_proper: usize,
    /// Names taken whole.
    pub whole: usize,
    /// Names trimmed to their name words.
    pub trimmed: usize,
    /// Of those, persons whose titles were cut off.
    pub titles_cut: usize,
    /// Person mentions that are a title ("the Home Secretary").
    pub title_only: usize,
    /// Runs without a capital letter.
    pub lower_case: usize,
    /// One-word persons that are a role noun ("Mom").
    pub role_nouns: usize,
    /// Shops' names that keep their genitive clitic.
    pub genitives: usize,
    /// Groups: plural persons and lone demonyms.
    pub groups: usize,
    /// Names dropped because a longer or earlier one overlaps them.
    pub overlapping: usize,
}

/// [`gum_names`], counting what each rule did.
pub fn gum_names_counted(s: &Sentence, c: &mut GumCounts) -> Vec<EntitySpan> {
    let words = &s.words;
    let n = words.len();
    let mut named: Vec<(usize, usize, NameKind, usize)> = Vec::new();
    for m in &s.mentions {
        c.mentions += 1;
        if m.first > m.last || m.last >= n {
            continue;
        }
        let Some(kind) = gum_kind(&m.kind) else {
            c.time += 1;
            continue;
        };
        let h = head_of(words, m.first, m.last);
        if words[h].upos != "PROPN" {
            c.not_proper += 1;
            continue;
        }
        named.push((m.first, m.last, kind, h));
    }
    let mut out: Vec<EntitySpan> = Vec::new();
    for &(a, b, kind, h) in &named {
        let person = kind == NameKind::Person;
        // Does another named mention end at word `x`?
        let ends = |x: usize| {
            named
                .iter()
                .any(|&(a2, b2, _, _)| (a2, b2) != (a, b) && b2 == x && a2 >= a)
        };
        let joins = |x: usize| {
            let w = &words[x];
            if person { w.form == "-" } else { connector(w) }
        };
        let mut i = h;
        while i > a {
            let p = &words[i - 1];
            let joined = i >= a + 2
                && name_word(&words[i - 2])
                && !ends(i - 2)
                && !ends(i - 1)
                && (joins(i - 1) || (!person && possessive(p)));
            // "Bank of the West".
            let of_the = !person
                && p.form.eq_ignore_ascii_case("the")
                && i >= a + 2
                && words[i - 2].form.eq_ignore_ascii_case("of");
            if !(name_word(p) || joined || of_the) {
                break;
            }
            i -= 1;
        }
        let mut j = h;
        while j < b {
            let nx = &words[j + 1];
            let after = words.get(j + 2).filter(|_| j + 2 <= b);
            let joined = after.is_some_and(name_word)
                && !ends(j)
                && !ends(j + 1)
                && (joins(j + 1) || (!person && possessive(nx)));
            let of_the = !person
                && nx.form.eq_ignore_ascii_case("the")
                && words[j].form.eq_ignore_ascii_case("of")
                && after.is_some_and(name_word);
            if !(name_word(nx) || joined || of_the) {
                break;
            }
            j += 1;
        }
        while j > i && !name_word(&words[j]) {
            j -= 1;
        }
        // A count before a name is not part of it ("two Articles of
        // Confederation"), unlike a number inside one ("Apollo 11").
        while i < j && (!name_word(&words[i]) || words[i].deprel == "nummod") {
            i += 1;
        }
        // Edited text capitalises its names; a run without a capital is
        // a tagging slip ("the whip").
        if !(i..=j).any(|x| words[x].form.chars().any(char::is_uppercase)) {
            c.lower_case += 1;
            continue;
        }
        // A role noun standing for a person is no name ("Mom", "the
        // Emperor"): one word that WordNet has as a common noun for people.
        if person && i == j && {
            let mut buf = String::new();
            let a = Atoms::of(&words[i].form, &mut buf);
            a.lex & wordnet::PROPER == 0 && a.lex & wordnet::NOUN != 0 && a.sense >> 8 == 18 + 1
        } {
            c.role_nouns += 1;
            continue;
        }
        // A shop named by its owner's genitive keeps the clitic ("lunch at
        // Rosa 's"); a possessor does not ("Rosa 's car").
        if j < b
            && possessive(&words[j + 1])
            && words[h].deprel != "nmod:poss"
            && j + 1 == b
            && kind != NameKind::Person
        {
            j += 1;
            c.genitives += 1;
        }
        let mut cut = false;
        if person {
            if (i..=j).all(|x| title(&words[x])) {
                c.title_only += 1;
                continue;
            }
            // Leading titles, and a nested name before a title ("U.S."
            // in "U.S. President Jane Roe").
            let start = i;
            while i < j {
                if title(&words[i]) || connector(&words[i]) {
                    i += 1;
                } else if let Some(&(_, e, _, _)) = named
                    .iter()
                    .find(|&&(a2, e2, _, _)| a2 == i && e2 < j && (a2, e2) != (a, b))
                    .filter(|&&(_, e2, _, _)| title(&words[e2 + 1]))
                {
                    i = e + 1;
                } else {
                    break;
                }
            }
            cut = i > start;
            if words[h].xpos == "NNPS" {
                c.groups += 1;
                continue;
            }
        }
        if i == j && {
            let mut buf = String::new();
            ner::is_demonym(&Atoms::of(&words[i].form, &mut buf))
        } {
            c.groups += 1;
            continue;
        }
        // A capitalised "The" inside a sentence belongs to the name ("a
        // review in The Daily Planet"); at a sentence start it is ambiguous
        // and left out.
        if i > a && i >= 2 && words[i - 1].form == "The" {
            i -= 1;
        }
        if (i, j) == (a, b) {
            c.whole += 1;
        } else {
            c.trimmed += 1;
            c.titles_cut += cut as usize;
        }
        out.push(EntitySpan {
            start: i,
            end: j + 1,
            kind,
        });
    }
    out.sort_by_key(|s| (s.start, std::cmp::Reverse(s.end)));
    let mut kept: Vec<EntitySpan> = Vec::with_capacity(out.len());
    for s in out {
        if kept.last().is_some_and(|k| s.start < k.end) {
            c.overlapping += 1;
        } else {
            kept.push(s);
        }
    }
    kept
}

/// The spans of a UNER sentence (read by [`conllu::read_iob2`]).
pub fn uner_names(s: &Sentence) -> Vec<EntitySpan> {
    let mut out: Vec<EntitySpan> = s
        .mentions
        .iter()
        .filter(|m| m.first <= m.last && m.last < s.words.len())
        .filter_map(|m| {
            Some(EntitySpan {
                start: m.first,
                end: m.last + 1,
                kind: NameKind::from_code(&m.kind)?,
            })
        })
        .collect();
    out.sort_by_key(|s| (s.start, s.end));
    out
}

/// Tags every sentence with the tagger (what run time sees).
pub fn tag_all(tagger: &Tagger, sentences: &[Sentence]) -> Vec<Vec<u16>> {
    let mut out = Vec::with_capacity(sentences.len());
    for s in sentences {
        let mut t = Vec::new();
        tagger.tag(&atoms_of(s), &mut t);
        out.push(t);
    }
    out
}

/// Examples from sentences, their tags (as the tagger predicts them; for
/// sentences the tagger trained on, jackknifed tags), and a function giving
/// each sentence's gold names ([`gum_names`] or [`uner_names`]). A
/// sentence without tags gets none and then no example.
pub fn examples(
    sentences: &[Sentence],
    tags: &[Vec<u16>],
    names: impl Fn(&Sentence) -> Vec<EntitySpan>,
) -> Vec<Example> {
    sentences
        .iter()
        .zip(tags)
        .filter(|(s, t)| s.words.len() == t.len())
        .map(|(s, t)| Example {
            atoms: atoms_of(s),
            tags: t.clone(),
            spans: names(s),
            unsure: Vec::new(),
        })
        .collect()
}

/// Examples of text without entity annotation but with gold parts of
/// speech (EWT train): every word outside a proper-noun run is outside
/// every name, and the runs are unsure. What the recogniser learns from
/// them is which capitalised words of web text are not names: sentence
/// starts, headings in capitals, greetings.
pub fn unlabelled_examples(sentences: &[Sentence], tags: &[Vec<u16>]) -> Vec<Example> {
    sentences
        .iter()
        .zip(tags)
        .filter(|(s, t)| s.words.len() == t.len())
        .map(|(s, t)| Example {
            atoms: atoms_of(s),
            tags: t.clone(),
            spans: Vec::new(),
            unsure: proper_runs(&s.words),
        })
        .collect()
}

/// Runs of proper nouns (or foreign words), with the connectors, clitics
/// and numbers that a name holds between or after them ("Bank of Oslo",
/// "Ann 's Diner", "Route 66").
fn proper_runs(words: &[Word]) -> Vec<(usize, usize)> {
    let proper = |w: &Word| matches!(w.upos.as_str(), "PROPN" | "X");
    let mut out: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < words.len() {
        if !proper(&words[i]) {
            i += 1;
            continue;
        }
        let start = i;
        let mut end = i + 1;
        loop {
            if end < words.len() && proper(&words[end]) {
                end += 1;
            } else if end + 1 < words.len()
                && (connector(&words[end]) || possessive(&words[end]))
                && proper(&words[end + 1])
            {
                end += 2;
            } else if end < words.len() && (possessive(&words[end]) || words[end].upos == "NUM") {
                end += 1;
            } else {
                break;
            }
        }
        // A determiner before a name may belong to it ("The Hague").
        let start = if start > 0 && words[start - 1].upos == "DET" {
            start - 1
        } else {
            start
        };
        out.push((start, end));
        i = end;
    }
    out
}

/// The sentences of every `of`-th document (counting from `k`) and of the
/// others: a held-out part of a treebank, split at `# newdoc`.
pub fn split_documents(
    sentences: &[Sentence],
    k: usize,
    of: usize,
) -> (Vec<Sentence>, Vec<Sentence>) {
    let (mut held, mut rest) = (Vec::new(), Vec::new());
    for (d, doc) in conllu::documents(sentences).into_iter().enumerate() {
        if of > 0 && d % of == k {
            held.extend_from_slice(doc);
        } else {
            rest.extend_from_slice(doc);
        }
    }
    (held, rest)
}

/// How many times each UNER example is repeated in the training set: UNER
/// is the convention the recogniser is judged by, and a fifth of GUM's size.
pub const UNER_WEIGHT: usize = 2;

/// Which share of the partly labelled sentences ([`unlabelled_examples`])
/// the training set takes: one in this many. They teach web text's
/// capitalised non-names, and in bulk they make the segmenter timid: on
/// the dev sets, a quarter of EWT train gave UNER 1.4 points of F1 and cost
/// GUM 0.9 (three seeds); all of it gave 2.5 and cost 1.5 (one seed).
pub const UNLABELLED_EVERY: usize = 4;

/// The training set the recogniser is built from: GUM's train documents,
/// UNER's dev sentences [`UNER_WEIGHT`] times, and one in
/// [`UNLABELLED_EVERY`] of the partly labelled sentences.
pub fn training_set(gum: Vec<Example>, uner: &[Example], unlabelled: Vec<Example>) -> Vec<Example> {
    let mut out = gum;
    for _ in 0..UNER_WEIGHT {
        out.extend_from_slice(uner);
    }
    out.extend(unlabelled.into_iter().step_by(UNLABELLED_EVERY.max(1)));
    out
}

/// Exact span-and-kind scores of a recogniser: per kind (indexed as
/// [`NameKind::ALL`]) and for PER, ORG and LOC together.
#[derive(Clone, Copy, Debug, Default)]
pub struct NerScore {
    /// Per kind.
    pub kinds: [Prf; 5],
    /// PER, ORG and LOC together.
    pub main: Prf,
    /// Boundaries alone, whatever the kind: how much of the loss is
    /// finding the names and how much is naming their kind.
    pub spans: Prf,
}

/// The kinds UNER scores.
fn main_kind(k: NameKind) -> bool {
    matches!(
        k,
        NameKind::Person | NameKind::Organization | NameKind::Place
    )
}

/// Scores a recogniser on examples with gold spans.
pub fn score(r: &Recognizer, gold: &[Example]) -> NerScore {
    let mut sc = NerScore::default();
    let mut out = Vec::new();
    let key = |s: &EntitySpan| (s.start, s.end, s.kind);
    for ex in gold {
        r.recognize(&ex.atoms, &ex.tags, &mut out);
        let mut p: Vec<_> = out.iter().map(key).collect();
        let mut g: Vec<_> = ex.spans.iter().map(key).collect();
        p.sort_unstable();
        g.sort_unstable();
        for (k, kind) in NameKind::ALL.into_iter().enumerate() {
            let pk: Vec<_> = p.iter().copied().filter(|s| s.2 == kind).collect();
            let gk: Vec<_> = g.iter().copied().filter(|s| s.2 == kind).collect();
            sc.kinds[k].add(Prf::of(&pk, &gk));
        }
        let pm: Vec<_> = p.iter().copied().filter(|s| main_kind(s.2)).collect();
        let gm: Vec<_> = g.iter().copied().filter(|s| main_kind(s.2)).collect();
        sc.main.add(Prf::of(&pm, &gm));
        let mut pb: Vec<_> = p.iter().map(|s| (s.0, s.1)).collect();
        let mut gb: Vec<_> = g.iter().map(|s| (s.0, s.1)).collect();
        pb.dedup();
        gb.dedup();
        sc.spans.add(Prf::of(&pb, &gb));
    }
    sc
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A GUM-style sentence: (form, upos, xpos, head, deprel) per word and
    /// (first, last, kind) per mention.
    fn gum(words: &[(&str, &str, usize, &str)], mentions: &[(usize, usize, &str)]) -> Sentence {
        Sentence {
            words: words
                .iter()
                .map(|&(form, upos, head, deprel)| Word {
                    form: form.into(),
                    upos: upos.into(),
                    // A proper noun ending in "s" stands for a plural one here.
                    xpos: match (upos, form.ends_with('s')) {
                        ("PROPN", true) => "NNPS".into(),
                        ("PROPN", false) => "NNP".into(),
                        _ => "X".into(),
                    },
                    head,
                    deprel: deprel.into(),
                    ..Word::default()
                })
                .collect(),
            mentions: mentions
                .iter()
                .enumerate()
                .map(|(c, &(first, last, kind))| conllu::Mention {
                    first,
                    last,
                    kind: kind.into(),
                    chain: c.to_string(),
                    identity: None,
                })
                .collect(),
            ..Sentence::default()
        }
    }

    fn spans(s: &Sentence) -> Vec<(usize, usize, NameKind)> {
        gum_names(s)
            .iter()
            .map(|e| (e.start, e.end, e.kind))
            .collect()
    }

    #[test]
    fn titles_determiners_and_clitics_fall_outside() {
        // "We met the Foreign Minister Jane Roe 's aide"
        let s = gum(
            &[
                ("We", "PRON", 2, "nsubj"),
                ("met", "VERB", 0, "root"),
                ("the", "DET", 7, "det"),
                ("Foreign", "PROPN", 5, "compound"),
                ("Minister", "PROPN", 6, "compound"),
                ("Jane", "PROPN", 9, "nmod:poss"),
                ("Roe", "PROPN", 6, "flat"),
                ("'s", "PART", 6, "case"),
                ("aide", "NOUN", 2, "obj"),
            ],
            &[(2, 7, "person"), (2, 8, "person"), (0, 0, "person")],
        );
        assert_eq!(spans(&s), vec![(5, 7, NameKind::Person)]);
    }

    #[test]
    fn connectors_stay_inside_and_nested_names_give_way() {
        // "the Bank of Oslo" with "Oslo" a nested place.
        let s = gum(
            &[
                ("the", "DET", 2, "det"),
                ("Bank", "PROPN", 0, "root"),
                ("of", "ADP", 4, "case"),
                ("Oslo", "PROPN", 2, "nmod"),
            ],
            &[(0, 3, "organization"), (3, 3, "place")],
        );
        assert_eq!(spans(&s), vec![(1, 4, NameKind::Organization)]);
        // "Ann Lee of Acme": a person and an organisation.
        let s = gum(
            &[
                ("Ann", "PROPN", 0, "root"),
                ("Lee", "PROPN", 1, "flat"),
                ("of", "ADP", 4, "case"),
                ("Acme", "PROPN", 1, "nmod"),
            ],
            &[(0, 3, "person"), (3, 3, "organization")],
        );
        assert_eq!(
            spans(&s),
            vec![(0, 2, NameKind::Person), (3, 4, NameKind::Organization)]
        );
    }

    #[test]
    fn common_nouns_times_and_groups_are_no_names() {
        let s = gum(
            &[
                ("the", "DET", 2, "det"),
                ("company", "NOUN", 0, "root"),
                ("Friday", "PROPN", 2, "nmod"),
                ("Democrats", "PROPN", 2, "nmod"),
            ],
            &[(0, 1, "organization"), (2, 2, "time"), (3, 3, "person")],
        );
        assert!(spans(&s).is_empty());
    }

    #[test]
    fn proper_noun_runs_are_unsure_and_the_rest_is_outside() {
        // "Then the Bank of Lorn 's staff met Ann ."
        let s = gum(
            &[
                ("Then", "ADV", 8, "advmod"),
                ("the", "DET", 3, "det"),
                ("Bank", "PROPN", 7, "nmod:poss"),
                ("of", "ADP", 5, "case"),
                ("Lorn", "PROPN", 3, "nmod"),
                ("'s", "PART", 3, "case"),
                ("staff", "NOUN", 8, "nsubj"),
                ("met", "VERB", 0, "root"),
                ("Ann", "PROPN", 8, "obj"),
                (".", "PUNCT", 8, "punct"),
            ],
            &[],
        );
        let ex = unlabelled_examples(std::slice::from_ref(&s), &[vec![0; 10]]);
        assert_eq!(ex.len(), 1);
        assert!(ex[0].spans.is_empty());
        assert_eq!(ex[0].unsure, vec![(1, 6), (8, 9)]);
        // Tags of the wrong length: no example rather than a bad one.
        assert!(unlabelled_examples(&[s], &[vec![0; 3]]).is_empty());
    }

    #[test]
    fn the_training_set_weighs_uner_and_thins_unlabelled_text() {
        let one = |n: usize| Example {
            atoms: vec![Atoms::default(); n],
            tags: vec![0; n],
            ..Example::default()
        };
        let set = training_set(vec![one(1)], &[one(2)], (0..8).map(|_| one(3)).collect());
        let sizes: Vec<usize> = set.iter().map(|e| e.atoms.len()).collect();
        let mut want = vec![1];
        want.extend(std::iter::repeat_n(2, UNER_WEIGHT));
        want.extend(std::iter::repeat_n(3, 8usize.div_ceil(UNLABELLED_EVERY)));
        assert_eq!(sizes, want);
    }
}

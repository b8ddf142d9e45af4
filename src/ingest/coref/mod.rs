//! Pronouns and definite descriptions resolved to what they refer to within
//! one article: "Maria Lopez said she ..." (she = Maria Lopez), "Acme Bank
//! ... the bank ... its profits" (the bank = its = Acme Bank).
//!
//! The method is salience-based, in the line of Lappin and Leass (1994):
//! every noun phrase, name and pronoun of the article is a mention; mentions
//! found to co-refer form an entity; an entity's salience is the sum of its
//! mentions' weights (by grammatical role), shrinking by a fixed share for
//! every sentence back. A pronoun goes to the most
//! salient entity that agrees with it in number, gender and kind (person,
//! group, place, thing) and that syntax allows ("John saw him": him is not
//! John); a definite description goes to a recent entity that was named by
//! the same noun ("a bank ... the bank"), whose name holds the noun ("Acme
//! Bank ... the bank"), or that is a named entity of the noun's kind ("Acme
//! Corp ... the company", "Jane Doe ... the minister").
//!
//! A link names the most informative mention of its entity: a name rather
//! than a description, a description rather than an earlier pronoun.
//!
//! The numbers of the model (windows, role weights, decay, bonuses) are
//! [`Weights`], set by hand on GUM dev; [`eval`] scores them against GUM's
//! gold coreference and can fit them (which did not reliably carry over).
//!
//! Architecture invariant: a pure function of a document's analysis; no I/O;
//! total on any input; the work per anaphor is bounded by the mentions of a
//! window of recent sentences, so the whole is linear in the document.
//!
//! Why about 1,000 lines here: the mention finder, the agreement
//! checks and the salience model share the private mention and entity types
//! and their helpers; split, those would become crate-visible with no reader
//! gaining a smaller unit to understand.

use std::collections::HashMap;
use std::sync::LazyLock;

use crate::nlp::{Analysis, NameKind, Sentence, Upos, wordnet};

pub mod eval;
mod weights;

pub use weights::Weights;

/// A mention of an entity: words `start..end` of sentence `sentence`, with
/// `head` its head word. Indices are 0-based, into [`Sentence::words`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    /// Sentence index in [`Analysis::sentences`].
    pub sentence: usize,
    /// Head word (0-based).
    pub head: usize,
    /// First word (0-based).
    pub start: usize,
    /// One past the last word.
    pub end: usize,
}

/// One resolved anaphor: the word at (`sentence`, `word`), a third-person
/// pronoun or the head noun of a definite description, refers to the
/// entity mentioned at `antecedent`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Link {
    /// Sentence index of the anaphor.
    pub sentence: usize,
    /// Word index (0-based) of the pronoun or of the description's head.
    pub word: usize,
    /// The most informative earlier mention of the entity referred to.
    pub antecedent: Span,
    /// How sure the choice is, in (0, 1]: high when the winner stands well
    /// clear of the next candidate.
    pub confidence: f32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Gender {
    Male,
    Female,
    Unknown,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Number {
    Singular,
    Plural,
    Unknown,
}

/// What sort of thing a mention names, as far as pronouns care.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Class {
    Person,
    /// Organisations, governments, teams, peoples: "it" or "they".
    Group,
    Place,
    Thing,
    /// Times and amounts: "the first time", "a while", "200 km".
    Measure,
    Unknown,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Type {
    Name,
    Nominal,
    Pronoun,
}

/// The third-person pronoun families.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pro {
    He,
    She,
    It,
    They,
}

#[derive(Clone, Debug)]
struct Mention {
    span: Span,
    ty: Type,
    gender: Gender,
    number: Number,
    class: Class,
    /// Salience weight of the mention's grammatical role.
    weight: f64,
    /// The mention is a clause's subject.
    subject: bool,
    entity: usize,
    /// Lower-case head lemma (nominals) or name words (names).
    words: Vec<String>,
}

#[derive(Clone, Debug)]
struct Entity {
    gender: Gender,
    number: Number,
    class: Class,
    /// Mention indices, in text order.
    mentions: Vec<usize>,
}

/// Resolves the third-person pronouns and definite descriptions of one
/// document to earlier mentions in it. `analysis` is the document's analysis
/// of `text` (as [`crate::nlp::analyze`] gives it); the links come in text
/// order. Pronouns with no agreeing entity nearby, pleonastic "it" ("it is
/// raining") and descriptions of something new are left unlinked.
pub fn resolve(text: &str, analysis: &Analysis) -> Vec<Link> {
    resolve_with(text, analysis, &Weights::HAND)
}

/// [`resolve`] with weights of one's own, for fitting them ([`eval`]).
pub fn resolve_with(text: &str, analysis: &Analysis, weights: &Weights) -> Vec<Link> {
    let mut r = Resolver::new(*weights);
    for (si, s) in analysis.sentences.iter().enumerate() {
        r.sentence(text, si, s);
    }
    r.links
}

/// [`resolve`] one sentence at a time, for a reader that streams the
/// document through [`crate::nlp::Pipeline::for_each_sentence`]: the links
/// of each sentence come as soon as it is read, and are the ones
/// [`resolve`] gives for it.
#[derive(Default)]
pub struct Streaming {
    r: Resolver,
    next: usize,
}

impl Streaming {
    /// Reads the next sentence of the document and returns its links.
    pub fn sentence(&mut self, text: &str, s: &Sentence) -> Vec<Link> {
        let before = self.r.links.len();
        self.r.sentence(text, self.next, s);
        self.next += 1;
        self.r
            .links
            .get(before..)
            .map(<[Link]>::to_vec)
            .unwrap_or_default()
    }
}

struct Resolver {
    w: Weights,
    mentions: Vec<Mention>,
    entities: Vec<Entity>,
    links: Vec<Link>,
    /// Index of the first mention of each sentence.
    sentence_start: Vec<usize>,
    /// Full lower-case names to their entity.
    by_name: HashMap<String, usize>,
    /// Last word of a person's name to the entity ("Lopez" → "Maria Lopez").
    by_surname: HashMap<String, usize>,
}

/// A word's lower-case form.
fn lower(text: &str, s: &Sentence, i: usize) -> String {
    s.words
        .get(i)
        .map_or(String::new(), |w| w.text(text).to_lowercase())
}

fn pronoun(form: &str) -> Option<(Pro, bool)> {
    Some(match form {
        "he" | "him" | "his" => (Pro::He, false),
        "himself" => (Pro::He, true),
        "she" | "her" | "hers" => (Pro::She, false),
        "herself" => (Pro::She, true),
        "it" | "its" => (Pro::It, false),
        "itself" => (Pro::It, true),
        "they" | "them" | "their" | "theirs" => (Pro::They, false),
        "themselves" | "themself" => (Pro::They, true),
        _ => return None,
    })
}

/// Usual sex of first names (1990 US Census lists; see `data/nlp/README.md`).
/// Whether a lower-case word is a usual given name (the Census lists of
/// `data/nlp/first_names.tsv`).
pub(crate) fn is_given_name(lower: &str) -> bool {
    FIRST_NAMES.contains_key(lower)
}

static FIRST_NAMES: LazyLock<HashMap<&'static str, Gender>> = LazyLock::new(|| {
    include_str!("../../../data/nlp/first_names.tsv")
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let (name, sex) = l.split_once('\t')?;
            let g = match sex.trim() {
                "m" => Gender::Male,
                "f" => Gender::Female,
                _ => return None,
            };
            Some((name, g))
        })
        .collect()
});

/// Titles before a name that tell the person's sex ("Mrs. Doe").
fn title_gender(w: &str) -> Option<Gender> {
    match w.trim_end_matches('.') {
        "mr" | "sir" | "lord" | "king" | "prince" | "duke" | "emperor" | "father" | "brother" => {
            Some(Gender::Male)
        }
        "mrs" | "ms" | "miss" | "madam" | "lady" | "queen" | "princess" | "dame" | "duchess"
        | "empress" | "sister" => Some(Gender::Female),
        _ => None,
    }
}

/// Titles that are not part of what a person is called later ("President
/// Jane Doe" ... "Doe").
fn is_title(w: &str) -> bool {
    title_gender(w).is_some()
        || matches!(
            w.trim_end_matches('.'),
            "dr" | "prof"
                | "president"
                | "senator"
                | "sen"
                | "rep"
                | "gov"
                | "governor"
                | "minister"
                | "general"
                | "gen"
                | "col"
                | "capt"
                | "judge"
                | "mayor"
        )
}

/// Nouns that tell their referent's sex ("the woman ... she").
fn noun_gender(lemma: &str) -> Gender {
    match lemma {
        "man" | "boy" | "father" | "son" | "brother" | "husband" | "king" | "prince" | "uncle"
        | "nephew" | "grandfather" | "grandson" | "gentleman" | "dad" | "monk" | "actor"
        | "businessman" | "chairman" | "spokesman" | "congressman" | "policeman" | "boyfriend"
        | "emperor" | "duke" | "lord" | "widower" | "sir" | "guy" => Gender::Male,
        "woman" | "girl" | "mother" | "daughter" | "sister" | "wife" | "queen" | "princess"
        | "aunt" | "niece" | "grandmother" | "granddaughter" | "lady" | "madam" | "mum" | "mom"
        | "nun" | "actress" | "businesswoman" | "chairwoman" | "spokeswoman" | "congresswoman"
        | "policewoman" | "girlfriend" | "empress" | "duchess" | "widow" => Gender::Female,
        _ => Gender::Unknown,
    }
}

/// WordNet's supersense of a common noun, as a class. (Supersense numbers
/// are stored one up in [`wordnet::Info::noun`].)
fn noun_class(lemma: &str) -> Class {
    if !refers(lemma) {
        return Class::Measure;
    }
    match wordnet::lookup(lemma).noun {
        19 => Class::Person,
        15 => Class::Group,
        16 => Class::Place,
        0 => Class::Unknown,
        _ => Class::Thing,
    }
}

/// Whether a common noun names something a pronoun can take up later.
/// Times and amounts ("the first time", "a while", "200 km") are seldom
/// taken up by "it" or "they", and as candidates they only crowd out the
/// things that are; they stay mentions for "a year ... the year".
fn refers(lemma: &str) -> bool {
    !matches!(lemma, "time" | "while" | "lot" | "bit" | "kind" | "sort" | "way")
        // noun.time (28) and noun.quantity (23), stored one up.
        && !matches!(wordnet::lookup(lemma).noun, 29 | 24)
}

/// Whether a verb says or thinks ("say", "believe"): its subject is a person
/// or a body of people ("they said", "the ministry said"), not a thing.
fn speaks(lemma: &str) -> bool {
    // verb.cognition (31) and verb.communication (32), stored one up.
    matches!(wordnet::lookup(lemma).verb, 32 | 33)
}

fn is_subject(deprel: &str) -> bool {
    deprel.starts_with("nsubj") || deprel.starts_with("csubj")
}

impl Default for Resolver {
    fn default() -> Resolver {
        Resolver::new(Weights::HAND)
    }
}

impl Resolver {
    fn new(w: Weights) -> Resolver {
        Resolver {
            w,
            mentions: Vec::new(),
            entities: Vec::new(),
            links: Vec::new(),
            sentence_start: Vec::new(),
            by_name: HashMap::new(),
            by_surname: HashMap::new(),
        }
    }

    fn sentence(&mut self, text: &str, si: usize, s: &Sentence) {
        self.sentence_start.push(self.mentions.len());
        let n = s.words.len();
        let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (i, w) in s.words.iter().enumerate() {
            if w.head >= 1 && w.head <= n {
                children[w.head - 1].push(i);
            }
        }
        // Words inside a recognised name, to the span's index.
        let mut in_name: Vec<Option<usize>> = vec![None; n];
        for (k, e) in s.entities.iter().enumerate() {
            for slot in in_name.iter_mut().take(e.end.min(n)).skip(e.start) {
                *slot = Some(k);
            }
        }
        let mut found: Vec<Mention> = Vec::new();
        let mut seen_name = vec![false; s.entities.len()];
        for (i, w) in s.words.iter().enumerate() {
            let form = lower(text, s, i);
            if let Some(k) = in_name[i] {
                if !seen_name[k] {
                    seen_name[k] = true;
                    if let Some(m) = self.name_mention(text, si, s, k) {
                        found.push(m);
                    }
                }
                continue;
            }
            if w.upos == Upos::Pron {
                if let Some((p, _)) = pronoun(&form)
                    // "It is raining", "it seems that": no referent.
                    && w.deprel != "expl"
                {
                    let (gender, number, class) = match p {
                        Pro::He => (Gender::Male, Number::Singular, Class::Person),
                        Pro::She => (Gender::Female, Number::Singular, Class::Person),
                        Pro::It => (Gender::Unknown, Number::Singular, Class::Unknown),
                        Pro::They => (Gender::Unknown, Number::Plural, Class::Unknown),
                    };
                    found.push(Mention {
                        span: Span {
                            sentence: si,
                            head: i,
                            start: i,
                            end: i + 1,
                        },
                        ty: Type::Pronoun,
                        gender,
                        number,
                        class,
                        weight: self.w.role(w.deprel),
                        subject: is_subject(w.deprel),
                        entity: usize::MAX,
                        words: vec![form],
                    });
                }
                continue;
            }
            let nominal = matches!(w.upos, Upos::Noun | Upos::Propn)
                || (form.ends_with("-year-old") && w.upos != Upos::Verb);
            if !nominal || matches!(w.deprel, "compound" | "flat" | "fixed" | "goeswith") {
                continue;
            }
            found.push(self.nominal_mention(text, si, s, &children, i));
        }
        // Resolve in text order of heads: an anaphor sees only what came before.
        found.sort_by_key(|m| m.span.head);
        for m in found {
            self.add(text, s, &children, m);
        }
    }

    /// The mention of the `k`th recognised name of sentence `si`.
    fn name_mention(&self, text: &str, si: usize, s: &Sentence, k: usize) -> Option<Mention> {
        let e = s.entities.get(k)?;
        let end = e.end.min(s.words.len());
        if e.start >= end {
            return None;
        }
        // The head is the word whose head lies outside the name.
        let head = (e.start..end)
            .find(|&i| {
                let h = s.words[i].head;
                h == 0 || h <= e.start || h > end
            })
            .unwrap_or(end - 1);
        let mut words: Vec<String> = (e.start..end)
            .map(|i| lower(text, s, i))
            .filter(|w| w != "the" && w != "'s" && w != "’s" && w != ".")
            .collect();
        let mut gender = Gender::Unknown;
        while let Some(first) = words.first() {
            if !is_title(first) || words.len() == 1 {
                break;
            }
            if let Some(g) = title_gender(first) {
                gender = g;
            }
            words.remove(0);
        }
        let first_name = words
            .first()
            .and_then(|f| FIRST_NAMES.get(f.as_str()).copied())
            .filter(|_| (2..=3).contains(&words.len()));
        let class = match e.kind {
            NameKind::Person => Class::Person,
            // "Jane Doe" taken for a company: a first name and a surname
            // are a person's name more often than a firm's.
            NameKind::Organization | NameKind::Other if first_name.is_some() => Class::Person,
            NameKind::Organization => Class::Group,
            NameKind::Place => Class::Place,
            // "in January": a time is no antecedent.
            _ if matches!(wordnet::lookup(&lower(text, s, head)).noun, 29) => Class::Measure,
            // "Americans", "the Greeks": peoples, taken up by "they".
            NameKind::Other if s.words[head].xpos == "NNPS" => Class::Unknown,
            NameKind::Event | NameKind::Other => Class::Thing,
        };
        if class == Class::Person
            && gender == Gender::Unknown
            && let Some(g) = first_name
        {
            gender = g;
        }
        let number = match class {
            _ if s.words[head].xpos == "NNPS" => Number::Plural,
            Class::Group => Number::Unknown,
            _ => Number::Singular,
        };
        Some(Mention {
            span: Span {
                sentence: si,
                head,
                start: e.start,
                end,
            },
            ty: Type::Name,
            gender,
            number,
            class,
            weight: self.w.role(s.words[head].deprel),
            subject: is_subject(s.words[head].deprel),
            entity: usize::MAX,
            words,
        })
    }

    /// The mention headed by common noun (or unrecognised proper noun) `i`.
    fn nominal_mention(
        &self,
        text: &str,
        si: usize,
        s: &Sentence,
        children: &[Vec<usize>],
        i: usize,
    ) -> Mention {
        let w = &s.words[i];
        // The phrase: the head with its determiners, modifiers and
        // compounds before it ("the former prime minister"), not the subject
        // and copula of a predicate ("the bank is a lender").
        let mut start = i;
        let mut end = i + 1;
        for &c in &children[i] {
            let d = s.words[c].deprel;
            let modifier = d.starts_with("det")
                || d.starts_with("compound")
                || matches!(d, "amod" | "nummod" | "nmod:poss" | "flat");
            if c < i && modifier {
                start = start.min(subtree_start(children, c));
            }
            if c > i && matches!(d, "compound" | "flat" | "nummod") {
                end = end.max(c + 1);
            }
        }
        let lemma = w.lemma.to_lowercase();
        if w.upos == Upos::Propn {
            // A name the recogniser missed: a person if it starts with a
            // known first name.
            let words: Vec<String> = (start..end)
                .map(|k| lower(text, s, k))
                .filter(|t| t != "the")
                .collect();
            let gender = words
                .first()
                .and_then(|f| FIRST_NAMES.get(f.as_str()).copied())
                .filter(|_| words.len() > 1)
                .unwrap_or(Gender::Unknown);
            let class = if gender == Gender::Unknown {
                Class::Unknown
            } else {
                Class::Person
            };
            return Mention {
                span: Span {
                    sentence: si,
                    head: i,
                    start,
                    end,
                },
                ty: Type::Name,
                gender,
                number: if w.xpos == "NNPS" {
                    Number::Plural
                } else {
                    Number::Singular
                },
                class,
                weight: self.w.role(w.deprel),
                subject: is_subject(w.deprel),
                entity: usize::MAX,
                words,
            };
        }
        let class = if lemma.ends_with("-year-old") {
            Class::Person
        } else {
            noun_class(&lemma)
        };
        Mention {
            span: Span {
                sentence: si,
                head: i,
                start,
                end,
            },
            ty: Type::Nominal,
            gender: noun_gender(&lemma),
            number: if matches!(w.xpos, "NNS" | "NNPS") {
                Number::Plural
            } else {
                Number::Singular
            },
            class,
            weight: self.w.role(w.deprel),
            subject: is_subject(w.deprel),
            entity: usize::MAX,
            words: vec![lemma],
        }
    }

    /// Adds a mention: joins it to the entity it refers to (recording a
    /// link for pronouns and definite descriptions) or starts a new one.
    fn add(&mut self, text: &str, s: &Sentence, children: &[Vec<usize>], mut m: Mention) {
        let idx = self.mentions.len();
        let found = match m.ty {
            Type::Name => self.same_name(&m).map(|(e, c)| (e, c, false)),
            Type::Pronoun => self.pronoun_antecedent(s, &m).map(|(e, c)| (e, c, true)),
            Type::Nominal => self
                .apposition(s, &m)
                .or_else(|| self.description_antecedent(text, s, children, &m))
                .map(|(e, c)| (e, c, true)),
        };
        // "Jane Doe is the minister", "its first settlers were fishermen":
        // the predicate is the subject's entity; a name keeps its own.
        let found = match found {
            None if m.ty != Type::Pronoun => self
                .predicate_of(s, children, &m)
                .map(|(e, c)| (e, c, false)),
            f => f,
        };
        let entity = match found {
            Some((e, conf, link)) => {
                if link && let Some(best) = self.best_mention(e) {
                    self.links.push(Link {
                        sentence: m.span.sentence,
                        word: m.span.head,
                        antecedent: best,
                        confidence: conf,
                    });
                }
                e
            }
            None => {
                self.entities.push(Entity {
                    gender: Gender::Unknown,
                    number: Number::Unknown,
                    class: Class::Unknown,
                    mentions: Vec::new(),
                });
                self.entities.len() - 1
            }
        };
        m.entity = entity;
        // What a mention tells of its entity: a name or noun its kind and
        // sex, "she" that it is a woman. A pronoun's own guesses (it:
        // unknown) never overwrite what is known.
        if let Some(e) = self.entities.get_mut(entity) {
            if e.gender == Gender::Unknown {
                e.gender = m.gender;
            }
            if e.class == Class::Unknown || (m.ty == Type::Name && m.class != Class::Unknown) {
                e.class = m.class;
            }
            if (e.number == Number::Unknown || m.ty != Type::Pronoun) && m.number != Number::Unknown
            {
                e.number = m.number;
            }
            e.mentions.push(idx);
        }
        if m.ty == Type::Name {
            if !m.words.is_empty() {
                self.by_name.entry(m.words.join(" ")).or_insert(entity);
            }
            if m.class == Class::Person
                && m.words.len() > 1
                && let Some(last) = m.words.last()
            {
                self.by_surname.entry(last.clone()).or_insert(entity);
            }
        }
        self.mentions.push(m);
    }

    /// An earlier entity of the same name: the full name again, or a
    /// person's surname alone ("Maria Lopez ... Lopez").
    fn same_name(&self, m: &Mention) -> Option<(usize, f32)> {
        if m.words.is_empty() {
            return None;
        }
        let key = m.words.join(" ");
        if let Some(&e) = self.by_name.get(&key) {
            return Some((e, 1.0));
        }
        if matches!(m.class, Class::Person | Class::Unknown)
            && m.words.len() == 1
            && let Some(&e) = self.by_surname.get(&key)
        {
            return Some((e, 0.9));
        }
        None
    }

    /// "Jane Doe, the minister": an apposition names the same entity.
    fn apposition(&self, s: &Sentence, m: &Mention) -> Option<(usize, f32)> {
        let w = s.words.get(m.span.head)?;
        if w.deprel != "appos" || w.head == 0 {
            return None;
        }
        let h = w.head - 1;
        let start = *self.sentence_start.last()?;
        let host = self.mentions[start..]
            .iter()
            .find(|x| x.span.head == h && x.ty != Type::Pronoun)?;
        Some((host.entity, 0.8))
    }

    /// The entity of the subject of a copular predicate `m`.
    fn predicate_of(
        &self,
        s: &Sentence,
        children: &[Vec<usize>],
        m: &Mention,
    ) -> Option<(usize, f32)> {
        let h = m.span.head;
        let kids = children.get(h)?;
        if !kids.iter().any(|&c| s.words[c].deprel == "cop") {
            return None;
        }
        let subj = *kids.iter().find(|&&c| s.words[c].deprel == "nsubj")?;
        let start = *self.sentence_start.last()?;
        let host = self.mentions[start..]
            .iter()
            .find(|x| x.span.head == subj && x.ty != Type::Pronoun)?;
        let e = self.entities.get(host.entity)?;
        // "The bank is a lender": never a person and a thing, nor one and many.
        let clash = |a: Class, b: Class| {
            a != b
                && a != Class::Unknown
                && b != Class::Unknown
                && (a == Class::Person || b == Class::Person)
        };
        if clash(e.class, m.class)
            || (e.number != Number::Unknown && m.number != Number::Unknown && e.number != m.number)
        {
            return None;
        }
        Some((host.entity, 0.7))
    }

    /// The most informative mention of entity `e`: its latest name, else its
    /// latest description, else its latest pronoun.
    fn best_mention(&self, e: usize) -> Option<Span> {
        let ms = &self.entities.get(e)?.mentions;
        for ty in [Type::Name, Type::Nominal, Type::Pronoun] {
            if let Some(&k) = ms.iter().rev().find(|&&k| self.mentions[k].ty == ty) {
                return Some(self.mentions[k].span);
            }
        }
        None
    }

    /// Mentions of the last `window` sentences before the current one, and
    /// of the current one so far.
    fn recent(&self, window: usize) -> &[Mention] {
        let n = self.sentence_start.len();
        let from = n.saturating_sub(window + 1);
        let start = self.sentence_start.get(from).copied().unwrap_or(0);
        &self.mentions[start..]
    }

    /// Salience of each entity mentioned in the window: the weights of its
    /// mentions there, times the decay for each sentence back.
    fn salience(&self, window: usize, now: usize) -> HashMap<usize, f64> {
        let mut sal: HashMap<usize, f64> = HashMap::new();
        for m in self.recent(window) {
            let back = now.saturating_sub(m.span.sentence) as i32;
            let v = (self.w.base + m.weight) * self.w.decay.powi(back);
            *sal.entry(m.entity).or_insert(0.0) += v;
        }
        sal
    }

    fn pronoun_antecedent(&self, s: &Sentence, p: &Mention) -> Option<(usize, f32)> {
        let (pro, reflexive) = pronoun(p.words.first()?)?;
        let now = p.span.sentence;
        let pw = s.words.get(p.span.head)?;
        let (window, person_window) = (
            Weights::sentences(self.w.window),
            Weights::sentences(self.w.person_window),
        );
        let person = matches!(pro, Pro::He | Pro::She);
        let mut best = if person && self.w.wide_person > 0.5 {
            self.rank(
                s,
                p,
                pro,
                reflexive,
                person_window.max(window),
                now,
                pw.head,
                pw.deprel,
            )
        } else {
            self.rank(s, p, pro, reflexive, window, now, pw.head, pw.deprel)
        };
        if best.is_empty() && person {
            best = self.rank(s, p, pro, reflexive, person_window, now, pw.head, pw.deprel);
            best.retain(|&(e, _)| self.entities[e].class == Class::Person);
        }
        let (e, top) = *best.first()?;
        let second = best.get(1).map_or(0.0, |x| x.1);
        let conf = (top / (top + second.max(0.0) + 1.0)) as f32;
        Some((e, conf.clamp(0.05, 0.99)))
    }

    /// Candidate entities for pronoun `p`, best first, with their scores.
    #[allow(clippy::too_many_arguments)]
    fn rank(
        &self,
        s: &Sentence,
        p: &Mention,
        pro: Pro,
        reflexive: bool,
        window: usize,
        now: usize,
        p_head: usize,
        p_deprel: &str,
    ) -> Vec<(usize, f64)> {
        let sal = self.salience(window, now);
        let mut out: Vec<(usize, f64)> = Vec::new();
        let p_subject = is_subject(p_deprel);
        let verb = p_head.checked_sub(1).and_then(|h| s.words.get(h));
        let p_speaks = p_deprel == "nsubj" && verb.is_some_and(|v| speaks(&v.lemma));
        // "the times they met": the clause that modifies a noun does not
        // take it up again as its own subject or object.
        let modified = verb
            .filter(|v| v.deprel.starts_with("acl") && !p_deprel.starts_with("nmod"))
            .and_then(|v| v.head.checked_sub(1));
        for (&e, &v) in &sal {
            let Some(ent) = self.entities.get(e) else {
                continue;
            };
            let Some(score) = agreement(&self.w, pro, ent) else {
                continue;
            };
            // The entity's latest mention before the pronoun.
            let last = ent
                .mentions
                .iter()
                .rev()
                .map(|&k| &self.mentions[k])
                .find(|m| m.span.sentence < now || m.span.head < p.span.head);
            let Some(last) = last else { continue };
            let mut score = score + v;
            if last.span.sentence == now {
                // "the mother of his child": never the phrase around it.
                if last.span.start <= p.span.head && p.span.head < last.span.end {
                    continue;
                }
                if modified == Some(last.span.head) {
                    continue;
                }
                let lw = &s.words[last.span.head];
                let co_argument = lw.head == p_head && p_head != 0;
                if reflexive {
                    if co_argument && is_subject(lw.deprel) {
                        score += 300.0;
                    }
                } else if co_argument && binds(lw.deprel, p_deprel) {
                    // "Jane saw her": her is someone else.
                    continue;
                }
            }
            if p_subject && last.subject {
                score += self.w.parallel;
            }
            // An entity the article keeps coming back to is its topic, and
            // stays salient between mentions.
            score += self.w.topic * (1.0 + ent.mentions.len() as f64).ln();
            if p_speaks {
                score -= match ent.class {
                    Class::Thing | Class::Place => self.w.speaker_thing,
                    Class::Unknown => self.w.speaker_unknown,
                    _ => 0.0,
                };
            }
            out.push((e, score));
        }
        out.sort_by(|a, b| b.1.total_cmp(&a.1).then(b.0.cmp(&a.0)));
        out
    }

    fn description_antecedent(
        &self,
        text: &str,
        s: &Sentence,
        children: &[Vec<usize>],
        m: &Mention,
    ) -> Option<(usize, f32)> {
        let head = m.span.head;
        let definite = children
            .get(head)?
            .iter()
            .any(|&c| s.words[c].deprel == "det" && lower(text, s, c) == "the" && c < head);
        if !definite {
            return None;
        }
        let lemma = m.words.first()?;
        let now = m.span.sentence;
        let description_window = Weights::sentences(self.w.description_window);
        let sal = self.salience(description_window, now);
        // A description with a clause or "of" phrase of its own usually
        // brings in something new ("the man who sold the house").
        let restricted = children[head].iter().any(|&c| {
            c > head
                && matches!(
                    s.words[c].deprel,
                    "acl" | "acl:relcl" | "nmod" | "nmod:poss"
                )
        });
        let mut best: Option<(usize, f64)> = None;
        let mut second = 0.0f64;
        for (&e, &v) in &sal {
            let Some(ent) = self.entities.get(e) else {
                continue;
            };
            let mut same_noun = false;
            let mut named = false;
            for &k in ent.mentions.iter().rev() {
                let x = &self.mentions[k];
                if x.span.sentence + description_window < now {
                    break;
                }
                match x.ty {
                    Type::Nominal if x.words.first() == Some(lemma) => same_noun = true,
                    Type::Name => {
                        named = true;
                        if x.words.iter().any(|w| w == lemma) {
                            same_noun = true;
                        }
                    }
                    _ => {}
                }
            }
            let number_ok = m.number == ent.number
                || ent.number == Number::Unknown
                || (ent.class == Class::Group && m.class == Class::Group);
            let gender_ok = m.gender == Gender::Unknown
                || ent.gender == Gender::Unknown
                || m.gender == ent.gender;
            if !number_ok || !gender_ok {
                continue;
            }
            let score = if same_noun {
                self.w.same_noun + v
            } else if named
                && !restricted
                && matches!(m.class, Class::Person | Class::Group | Class::Place)
                && ent.class == m.class
            {
                self.w.named_kind + v
            } else {
                continue;
            };
            match best {
                // Ties go to the later entity, whatever the map's order.
                Some((be, b)) if (b, be) >= (score, e) => second = second.max(score),
                _ => {
                    second = second.max(best.map_or(0.0, |b| b.1));
                    best = Some((e, score));
                }
            }
        }
        let (e, top) = best?;
        Some((e, ((top / (top + second + 1.0)) as f32).clamp(0.05, 0.99)))
    }
}

/// Whether entity `e` can be called `pro`, and how well it fits: `None`
/// when number, sex or kind rule it out.
fn agreement(w: &Weights, pro: Pro, e: &Entity) -> Option<f64> {
    match pro {
        Pro::He | Pro::She => {
            let want = if pro == Pro::He {
                Gender::Male
            } else {
                Gender::Female
            };
            if e.number == Number::Plural || !matches!(e.class, Class::Person | Class::Unknown) {
                return None;
            }
            if e.gender != Gender::Unknown && e.gender != want {
                return None;
            }
            let mut score = 0.0;
            if e.gender == want {
                score += w.gender;
            }
            if e.class == Class::Unknown {
                score -= w.unknown_kind;
            }
            Some(score)
        }
        Pro::It => {
            if matches!(e.class, Class::Person | Class::Measure)
                || e.number == Number::Plural
                || e.gender != Gender::Unknown
            {
                return None;
            }
            Some(0.0)
        }
        Pro::They => match (e.number, e.class) {
            (_, Class::Measure) => None,
            (Number::Plural, _) => Some(0.0),
            (_, Class::Group) => Some(-w.group_they),
            _ => None,
        },
    }
}

/// Whether a subject and an object of one verb rule out that a pronoun
/// among them refers to the other ("Jane saw her", "she saw Jane"). A
/// possessive may ("Jane saw her sister"), and so may a subject after a
/// name set before the clause ("Jane Doe, she is coming").
fn binds(a: &str, b: &str) -> bool {
    let object = |d: &str| matches!(d, "obj" | "iobj") || d.starts_with("obl");
    (is_subject(a) && object(b)) || (object(a) && is_subject(b) && !a.starts_with("obl"))
}

/// The first word of the subtree of word `i`.
fn subtree_start(children: &[Vec<usize>], i: usize) -> usize {
    let mut lo = i;
    let mut stack = vec![i];
    let mut steps = 0usize;
    while let Some(k) = stack.pop() {
        // A malformed tree could loop; no real phrase has more words than this.
        steps += 1;
        if steps > 4 * children.len() + 8 {
            break;
        }
        lo = lo.min(k);
        if let Some(cs) = children.get(k) {
            stack.extend(cs.iter().copied().filter(|&c| c < k));
        }
    }
    lo
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each link as (anaphor, antecedent's words).
    fn links(text: &str) -> Vec<(String, String)> {
        let a = crate::nlp::analyze(text).unwrap();
        resolve(text, &a)
            .iter()
            .map(|l| {
                let s = &a.sentences[l.sentence];
                let t = &a.sentences[l.antecedent.sentence];
                let words: Vec<&str> = (l.antecedent.start..l.antecedent.end)
                    .map(|i| t.words[i].text(text))
                    .collect();
                (s.words[l.word].text(text).to_string(), words.join(" "))
            })
            .collect()
    }

    fn refers(v: &[(String, String)], anaphor: &str, antecedent: &str) -> bool {
        v.iter()
            .any(|(a, b)| a == anaphor && b.ends_with(antecedent))
    }

    #[test]
    fn she_is_the_woman_named_before() {
        let v = links("Maria Lopez said she would resign.");
        assert!(refers(&v, "she", "Maria Lopez"), "{v:?}");
    }

    #[test]
    fn gender_chooses_between_two_people() {
        let v = links("Carlos Ruiz met Anna Berg on Monday. She thanked him for the visit.");
        assert!(refers(&v, "She", "Anna Berg"), "{v:?}");
        assert!(refers(&v, "him", "Carlos Ruiz"), "{v:?}");
    }

    #[test]
    fn it_is_the_bank_and_so_is_the_description() {
        let v = links("Acme Bank reported a loss on Tuesday. The bank said it would cut 500 jobs.");
        assert!(refers(&v, "bank", "Acme Bank"), "{v:?}");
        assert!(refers(&v, "it", "Acme Bank"), "{v:?}");
    }

    #[test]
    fn they_agrees_in_number() {
        let v = links("The ministers met the king in the palace. They asked for more money.");
        assert!(refers(&v, "They", "ministers"), "{v:?}");
    }

    #[test]
    fn a_description_of_the_kind_of_a_name() {
        let v = links("Jane Doe arrived in Oslo on Friday. The minister spoke to reporters.");
        assert!(refers(&v, "minister", "Jane Doe"), "{v:?}");
    }

    #[test]
    fn a_pronoun_object_is_not_its_own_subject() {
        let v = links("Carlos Ruiz met Pedro Sanz. Pedro Sanz praised him.");
        assert!(refers(&v, "him", "Carlos Ruiz"), "{v:?}");
    }

    #[test]
    fn a_chain_of_pronouns_names_the_person() {
        let v = links("Maria Lopez won the election. She thanked voters. Later she flew home.");
        let shes: Vec<_> = v.iter().filter(|(a, _)| a == "she" || a == "She").collect();
        assert_eq!(shes.len(), 2, "{v:?}");
        assert!(shes.iter().all(|(_, b)| b == "Maria Lopez"), "{v:?}");
    }

    #[test]
    fn never_panics_on_odd_input() {
        for t in [
            "",
            "he",
            "It.",
            "They they them.",
            "The the the",
            "\u{0} she",
        ] {
            let a = crate::nlp::analyze(t).unwrap();
            let _ = resolve(t, &a);
        }
        // An analysis whose indices do not fit the text or its own words.
        let mut a = crate::nlp::analyze("Maria Lopez said she left.").unwrap();
        for s in &mut a.sentences {
            for w in &mut s.words {
                w.head = 99;
            }
            for e in &mut s.entities {
                e.end = 50;
            }
        }
        let _ = resolve("", &a);
    }
}

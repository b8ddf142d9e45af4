//! Propositions from dependency trees: every clause of a parsed sentence
//! (`nlp::Sentence`) as subject, relation and arguments, whatever its words.
//!
//! A clause is headed by a verb ("The court *struck* down the law") or by
//! the predicate of a copula ("Ann is the *head* of the agency"). For each
//! one the rules below find
//! * the subject: its own `nsubj`/`csubj`, or for a clause without one the
//!   subject it shares: a conjoined verb's ("Ann arrived and *spoke*"), a
//!   controlled verb's ("Ann wants to *leave*", "they urged Ann to *leave*"
//!   takes the object), the noun a relative or participial clause modifies
//!   ("the firm that *bought* it", "a ship *carrying* grain");
//! * the relation: auxiliaries, negation, the verb and its particle
//!   ("has not called off"), with the preposition of a prepositional
//!   object when there is no direct object ("was detained *in*");
//! * the arguments: objects, prepositional and bare-noun obliques,
//!   clausal complements, each as the subtree of its head word without
//!   the relative clauses that are propositions of their own.
//!
//! Negation is a flag, modal auxiliaries and control verbs ("may",
//! "plans to") are kept as the proposition's modality, never dropped.
//! Nothing here knows a particular word of a particular article: the rules
//! name UD relations and closed-class words only.

use crate::nlp::{Sentence, Upos, Word};

/// Words of a sentence (0-based indices, in sentence order) read as one
/// phrase.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Phrase {
    /// The phrase's head word.
    pub head: usize,
    /// Every word of the phrase, in order.
    pub words: Vec<usize>,
}

/// The part an argument plays in its clause.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Direct object ("signed *the player*"), or the predicate of a copula
    /// ("is *the head of the agency*").
    Object,
    /// Indirect object ("gave *him* a medal").
    SecondObject,
    /// Prepositional or bare-noun oblique ("in *Paris*", "*last week*"),
    /// its preposition in [`Argument::preposition`].
    Oblique,
    /// The agent of a passive ("by *the court*").
    Agent,
    /// A clausal complement ("said *that it would close*").
    Complement,
}

/// One argument of a proposition after its subject.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Argument {
    /// What part it plays.
    pub role: Role,
    /// The words of the preposition that introduces it ("in", "according
    /// to"), empty when it has none.
    pub preposition: Vec<usize>,
    /// The argument's words.
    pub phrase: Phrase,
}

/// Where in the tree a proposition was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A clause: a verb, or the predicate of a copula, with its arguments.
    Clause,
    /// An apposition: "Ann Lee, the head of the agency," states that Ann Lee
    /// *is* the head of the agency.
    Apposition,
    /// A possessive: "the agency's head" states that the agency *has* a head.
    Possession,
    /// A title or descriptor before a name: "Commissioner Ann Lee" states
    /// that Ann Lee *is* a commissioner.
    Title,
}

/// A clause read off the tree: who, what relation, with which arguments.
#[derive(Clone, Debug, PartialEq)]
pub struct Proposition {
    /// Where it was read.
    pub kind: Kind,
    /// The clause's head: the verb, or the predicate of a copula; for the
    /// other kinds, the noun that states it.
    pub predicate: usize,
    /// The subject, if the clause has or shares one.
    pub subject: Option<Phrase>,
    /// The relation's words as written, in order ("has not called off");
    /// empty for the kinds whose relation is unwritten (be, have).
    pub relation: Vec<usize>,
    /// The arguments after the subject, in sentence order.
    pub arguments: Vec<Argument>,
    /// The relation words of the verbs that control this clause, with
    /// their infinitive marker, outermost first ("agreed to" in "Ann agreed
    /// to buy it"); empty for a clause no verb controls.
    pub control: Vec<usize>,
    /// "not", "never", "n't" on the clause.
    pub negated: bool,
    /// Modal auxiliary or controlling verb ("may", "could", "plan"),
    /// lemma: the clause is not asserted as a plain fact.
    pub modality: Option<String>,
    /// The clause is passive ("was signed").
    pub passive: bool,
    /// The clause is the complement of a verb of saying; its speaker.
    pub attribution: Option<Phrase>,
    /// How much the reading is to be trusted, 0..1.
    pub confidence: f32,
    /// The subjects coordinated with this proposition's own, in order:
    /// for "Ann and Raj met", Raj in Ann's proposition and Ann in Raj's.
    /// A verb that relates its subjects to each other (a reciprocal:
    /// "met", "spoke", "clashed") states that relation between them.
    pub partners: Vec<Phrase>,
}

/// Modal auxiliaries: a clause with one states a possibility or an
/// obligation, not a fact ("the bank may close").
const MODALS: &[&str] = &[
    "may", "might", "could", "can", "should", "would", "must", "shall", "ought",
];

/// Negation adverbs ("did not", "never signed").
const NEGATIONS: &[&str] = &["not", "n't", "never", "no"];

/// Verbs of saying and reporting: their complement clause is attributed
/// to their subject ("officials said the talks failed").
const SAYING: &[&str] = &[
    "say", "tell", "add", "state", "announce", "claim", "report", "confirm", "insist", "argue",
    "warn", "note", "explain", "write", "suggest", "believe", "think", "deny", "allege",
];

/// Relative pronouns: as the subject or object of a relative clause they
/// stand for the noun the clause modifies.
const RELATIVES: &[&str] = &["who", "which", "that", "whom", "whose"];

/// Relations whose subtree belongs to another proposition or to none, left
/// out of an argument's words.
const NOT_IN_PHRASE: &[&str] = &["acl:relcl", "parataxis", "punct", "dep"];

/// Reads every clause of a sentence.
pub fn propositions(s: &Sentence) -> Vec<Proposition> {
    let tree = Tree::new(&s.words);
    let mut out = Vec::new();
    for i in 0..s.words.len() {
        if let Some(p) = tree.proposition(i) {
            tree.split_conjuncts(p, &mut out);
        }
        tree.noun_statements(i, &mut out);
    }
    out
}

/// At most this many propositions come from one clause by splitting
/// coordinated subjects and objects.
const MAX_SPLIT: usize = 8;

/// A sentence's words with their children.
struct Tree<'a> {
    words: &'a [Word],
    children: Vec<Vec<usize>>,
}

impl<'a> Tree<'a> {
    fn new(words: &'a [Word]) -> Tree<'a> {
        let mut children = vec![Vec::new(); words.len()];
        for (i, w) in words.iter().enumerate() {
            if w.head > 0 && w.head <= words.len() && w.head - 1 != i {
                children[w.head - 1].push(i);
            }
        }
        Tree { words, children }
    }

    fn head(&self, i: usize) -> Option<usize> {
        let h = self.words[i].head;
        (h > 0 && h <= self.words.len() && h - 1 != i).then(|| h - 1)
    }

    fn rel(&self, i: usize) -> &'static str {
        self.words[i].deprel
    }

    /// The base relation without its subtype ("obl" for "obl:tmod").
    fn base(&self, i: usize) -> &'static str {
        let r = self.words[i].deprel;
        r.split(':').next().unwrap_or(r)
    }

    fn lemma(&self, i: usize) -> &str {
        &self.words[i].lemma
    }

    fn child(&self, i: usize, rels: &[&str]) -> Option<usize> {
        self.children[i]
            .iter()
            .copied()
            .find(|&c| rels.contains(&self.rel(c)))
    }

    /// Whether word `i` heads a clause of its own.
    fn is_predicate(&self, i: usize) -> bool {
        let w = &self.words[i];
        if self.child(i, &["cop"]).is_some() {
            return true;
        }
        w.upos == Upos::Verb
            && matches!(
                w.deprel,
                "root"
                    | "conj"
                    | "ccomp"
                    | "xcomp"
                    | "advcl"
                    | "acl"
                    | "acl:relcl"
                    | "parataxis"
                    | "csubj"
                    | "csubj:pass"
            )
    }

    /// The proposition headed by word `i`, if it heads a clause.
    fn proposition(&self, i: usize) -> Option<Proposition> {
        if !self.is_predicate(i) {
            return None;
        }
        let copula = self.child(i, &["cop"]);
        let mut p = Proposition {
            kind: Kind::Clause,
            predicate: i,
            subject: None,
            relation: Vec::new(),
            arguments: Vec::new(),
            control: Vec::new(),
            negated: false,
            modality: None,
            passive: false,
            attribution: None,
            confidence: 0.9,
            partners: Vec::new(),
        };
        // Relative clause: a relative pronoun as subject or object stands
        // for the modified noun ("the firm that bought it": the firm bought).
        let modified = (self.rel(i) == "acl:relcl" || self.rel(i) == "acl")
            .then(|| self.head(i))
            .flatten();
        let mut relative_object = None;
        for &c in &self.children[i] {
            let rel = self.rel(c);
            let lemma = self.lemma(c).to_lowercase();
            let relative = RELATIVES.contains(&lemma.as_str()) && modified.is_some();
            match self.base(c) {
                "nsubj" | "csubj" => {
                    p.passive |= rel.ends_with(":pass");
                    p.subject = Some(match (relative, modified) {
                        (true, Some(m)) => self.phrase_without(m, Some(i)),
                        _ => self.phrase(c),
                    });
                }
                "aux" => {
                    p.passive |= rel == "aux:pass";
                    if MODALS.contains(&lemma.as_str()) {
                        p.modality = Some(lemma.clone());
                    }
                    if self.words[c].upos != Upos::Part || lemma != "to" {
                        p.relation.push(c);
                    }
                }
                "advmod" if NEGATIONS.contains(&lemma.as_str()) => {
                    p.negated = true;
                    p.relation.push(c);
                }
                "compound" if rel == "compound:prt" => p.relation.push(c),
                "obj" if relative => relative_object = modified,
                _ => {}
            }
        }
        if let Some(c) = copula {
            p.relation.push(c);
        } else {
            p.relation.push(i);
        }
        if p.subject.is_none() {
            p.subject = self.shared_subject(i, 0);
            p.confidence -= 0.1;
            // A past participle modifying a noun is passive: "an aid
            // worker kidnapped in Iraq" was kidnapped; "a ship carrying
            // grain" (a present participle) does the carrying.
            if self.rel(i) == "acl" && self.words[i].xpos == "VBN" {
                p.passive = true;
            }
        }
        // Arguments.
        if copula.is_some() {
            p.arguments.push(Argument {
                role: Role::Object,
                preposition: Vec::new(),
                phrase: self.predicate_phrase(i),
            });
        } else {
            if let Some(m) = relative_object {
                p.arguments.push(Argument {
                    role: Role::Object,
                    preposition: Vec::new(),
                    phrase: self.phrase_without(m, Some(i)),
                });
            }
            for &c in &self.children[i] {
                let rel = self.rel(c);
                if relative_object.is_some() && RELATIVES.contains(&self.lemma(c)) {
                    continue;
                }
                let role = match self.base(c) {
                    "obj" => Role::Object,
                    "iobj" => Role::SecondObject,
                    "obl" if rel == "obl:agent" => Role::Agent,
                    "obl" => Role::Oblique,
                    "ccomp" => Role::Complement,
                    // "became president", "seems unlikely": a complement
                    // that is no clause of its own.
                    "xcomp" if !self.is_predicate(c) => Role::Object,
                    _ => continue,
                };
                let preposition = match self.child(c, &["case"]) {
                    Some(k) if self.nominal(c) => self.phrase(k).words,
                    _ => Vec::new(),
                };
                let phrase = self.phrase(c);
                p.arguments.push(Argument {
                    role,
                    preposition,
                    phrase,
                });
            }
        }
        // A verb whose only complement is a controlled clause ("Ann
        // agreed to buy it") is read with that clause, below.
        if p.arguments.is_empty()
            && self.children[i]
                .iter()
                .any(|&c| self.rel(c) == "xcomp" && self.is_predicate(c))
        {
            return None;
        }
        // Control: "Ann plans to buy it" reads "Ann buy it" under "plan".
        if self.rel(i) == "xcomp"
            && let Some(h) = self.head(i)
            && self.is_predicate(h)
        {
            p.modality = Some(self.lemma(h).to_string());
            self.control_words(h, &mut p.control, 0);
            p.control.extend(self.child(i, &["mark"]));
        }
        // Reported speech: "officials said the talks failed".
        if matches!(self.rel(i), "ccomp" | "parataxis")
            && let Some(h) = self.head(i)
            && SAYING.contains(&self.lemma(h))
        {
            p.attribution = self.child(h, &["nsubj"]).map(|s| self.phrase(s));
        }
        p.relation.sort_unstable();
        p.arguments.sort_by_key(|a| a.phrase.head);
        if p.subject.is_none() {
            p.confidence -= 0.3;
        }
        if p.arguments.is_empty() {
            p.confidence -= 0.2;
        }
        Some(p)
    }

    /// What a noun phrase states without a verb: its appositions, its
    /// possessor, the title before a name.
    fn noun_statements(&self, i: usize, out: &mut Vec<Proposition>) {
        if !self.nominal(i) {
            return;
        }
        let statement = |kind, subject: Phrase, object: Phrase, confidence| Proposition {
            kind,
            predicate: i,
            subject: Some(subject),
            relation: Vec::new(),
            arguments: vec![Argument {
                role: Role::Object,
                preposition: Vec::new(),
                phrase: object,
            }],
            control: Vec::new(),
            negated: false,
            modality: None,
            passive: false,
            attribution: None,
            confidence,
            partners: Vec::new(),
        };
        let w = &self.words[i];
        // "Ann Lee, the head of the agency, ...": Ann Lee is the head.
        if w.upos != Upos::Pron {
            for &c in &self.children[i] {
                if self.rel(c) == "appos" && self.nominal(c) {
                    let mut subject = self.phrase_without(i, Some(c));
                    subject.words.retain(|&x| !self.inside(x, c));
                    out.push(statement(Kind::Apposition, subject, self.phrase(c), 0.7));
                }
            }
        }
        // "the agency's head": the agency has a head.
        if w.deprel != "nmod:poss"
            && let Some(owner) = self.child(i, &["nmod:poss"])
            && self.words[owner].upos != Upos::Pron
        {
            let mut owned = self.phrase(i);
            let owner_words = self.phrase(owner).words;
            owned
                .words
                .retain(|x| !owner_words.contains(x) && self.rel(*x) != "case");
            out.push(statement(Kind::Possession, self.phrase(owner), owned, 0.5));
        }
        // "Commissioner Ann Lee": Ann Lee is a commissioner. The title is
        // a descriptor (UD `nmod:desc`) or a common noun compounded onto
        // the name.
        if w.upos == Upos::Propn && !matches!(w.deprel, "compound" | "flat") {
            let titles: Vec<usize> = self.children[i]
                .iter()
                .copied()
                .filter(|&c| {
                    c < i
                        && (self.rel(c) == "nmod:desc"
                            || (self.rel(c) == "compound" && self.words[c].upos == Upos::Noun))
                })
                .collect();
            if let Some(&last) = titles.last() {
                let name: Vec<usize> = self.children[i]
                    .iter()
                    .copied()
                    .filter(|&c| c > last && matches!(self.rel(c), "flat" | "compound"))
                    .chain([i])
                    .collect();
                let mut title = Vec::new();
                for &t in &titles {
                    self.collect(t, i, &mut title, 1);
                }
                out.push(statement(
                    Kind::Title,
                    self.finish(i, name),
                    self.finish(last, title),
                    0.5,
                ));
            }
        }
    }

    /// Whether word `x` is in the subtree of `top`.
    fn inside(&self, mut x: usize, top: usize) -> bool {
        for _ in 0..self.words.len() {
            if x == top {
                return true;
            }
            match self.head(x) {
                Some(h) => x = h,
                None => return false,
            }
        }
        false
    }

    /// The relation words of the controlling verbs of clause `h`,
    /// outermost first ("has agreed to" for "has agreed to try to buy").
    fn control_words(&self, h: usize, out: &mut Vec<usize>, depth: usize) {
        if depth > 8 {
            return;
        }
        if self.rel(h) == "xcomp"
            && let Some(g) = self.head(h)
            && self.is_predicate(g)
        {
            self.control_words(g, out, depth + 1);
            out.extend(self.child(h, &["mark"]));
        }
        let mut words: Vec<usize> = self.children[h]
            .iter()
            .copied()
            .filter(|&c| {
                matches!(self.base(c), "aux" | "cop")
                    && !(self.words[c].upos == Upos::Part && self.lemma(c) == "to")
                    || self.rel(c) == "compound:prt"
                    || (self.rel(c) == "advmod" && NEGATIONS.contains(&self.lemma(c)))
            })
            .collect();
        if self.child(h, &["cop"]).is_none() {
            words.push(h);
        }
        words.sort_unstable();
        out.extend(words);
    }

    /// The subject a clause without its own shares with the clause it
    /// depends on.
    fn shared_subject(&self, i: usize, depth: usize) -> Option<Phrase> {
        if depth > 8 {
            return None;
        }
        let h = self.head(i)?;
        match self.rel(i) {
            // "Ann arrived and spoke": Ann spoke.
            "conj" | "advcl" => match self.child(h, &["nsubj", "nsubj:pass", "csubj"]) {
                Some(s) => Some(self.relative_or(s, h)),
                None if self.is_predicate(h) => self.shared_subject(h, depth + 1),
                None => None,
            },
            // "they urged Ann to leave": Ann leaves; "Ann wants to leave": Ann.
            "xcomp" => match self.child(h, &["obj", "iobj"]) {
                Some(o) => Some(self.phrase(o)),
                None => match self.child(h, &["nsubj", "nsubj:pass"]) {
                    Some(s) => Some(self.relative_or(s, h)),
                    None => self.shared_subject(h, depth + 1),
                },
            },
            // "a ship carrying grain": the ship carries; "the firm bought
            // by X": the firm (passive, the agent is an argument).
            "acl" | "acl:relcl" if self.child(i, &["mark"]).is_none() => {
                Some(self.phrase_without(h, Some(i)))
            }
            _ => None,
        }
    }

    /// The phrase of subject `s` of clause `h`, or the modified noun when
    /// `s` is a relative pronoun.
    fn relative_or(&self, s: usize, h: usize) -> Phrase {
        if RELATIVES.contains(&self.lemma(s).to_lowercase().as_str())
            && matches!(self.rel(h), "acl:relcl" | "acl")
            && let Some(m) = self.head(h)
        {
            return self.phrase_without(m, Some(h));
        }
        self.phrase(s)
    }

    /// The subtree of `h`, without clauses that are propositions of their
    /// own, trimmed of punctuation at its edges.
    fn phrase(&self, h: usize) -> Phrase {
        self.phrase_without(h, None)
    }

    /// [`Tree::phrase`] of `h`, leaving out the subtree of `except` (the
    /// clause that modifies it) and, at the top, its preposition and its
    /// coordinated nouns ("[on] the writer [and the editor]"), which
    /// [`Tree::split_conjuncts`] reads as arguments of their own.
    fn phrase_without(&self, h: usize, except: Option<usize>) -> Phrase {
        let mut words = vec![h];
        for &c in &self.children[h] {
            if Some(c) == except || NOT_IN_PHRASE.contains(&self.rel(c)) {
                continue;
            }
            if matches!(self.base(c), "case" | "conj" | "cc") && self.nominal(h) {
                continue;
            }
            self.collect(c, h, &mut words, 1);
        }
        self.finish(h, words)
    }

    /// Whether word `i` is a noun phrase's head, whose conjuncts are
    /// separate arguments.
    fn nominal(&self, i: usize) -> bool {
        matches!(
            self.words[i].upos,
            Upos::Noun | Upos::Propn | Upos::Pron | Upos::Num
        )
    }

    /// The nominal conjuncts of `h` ("the writer and the editor": editor).
    fn conjuncts(&self, h: usize) -> Vec<usize> {
        let mut out = Vec::new();
        if !self.nominal(h) {
            return out;
        }
        let mut stack = vec![h];
        while let Some(x) = stack.pop() {
            for &c in &self.children[x] {
                if self.rel(c) == "conj" && self.nominal(c) && out.len() < MAX_SPLIT {
                    out.push(c);
                    stack.push(c);
                }
            }
        }
        out.sort_unstable();
        out
    }

    /// One proposition for each conjunct of its subject and of its first
    /// coordinated argument ("Ann and Bo met Cy and Di": four meetings).
    fn split_conjuncts(&self, p: Proposition, out: &mut Vec<Proposition>) {
        let subjects: Vec<Option<Phrase>> = match &p.subject {
            Some(s) => {
                let mut v = vec![Some(s.clone())];
                v.extend(
                    self.conjuncts(s.head)
                        .into_iter()
                        .map(|c| Some(self.phrase(c))),
                );
                v
            }
            None => vec![None],
        };
        let coordinated = p
            .arguments
            .iter()
            .position(|a| !self.conjuncts(a.phrase.head).is_empty());
        let variants: Vec<Vec<Argument>> = match coordinated {
            Some(k) => {
                let a = &p.arguments[k];
                let mut heads = vec![a.phrase.clone()];
                heads.extend(
                    self.conjuncts(a.phrase.head)
                        .into_iter()
                        .map(|c| self.phrase(c)),
                );
                heads
                    .into_iter()
                    .map(|phrase| {
                        let mut args = p.arguments.clone();
                        args[k] = Argument {
                            phrase,
                            ..a.clone()
                        };
                        args
                    })
                    .collect()
            }
            None => vec![p.arguments.clone()],
        };
        for (k, s) in subjects.iter().enumerate().take(MAX_SPLIT) {
            let partners: Vec<Phrase> = subjects
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != k)
                .filter_map(|(_, o)| o.clone())
                .collect();
            for args in variants.iter().take(MAX_SPLIT) {
                out.push(Proposition {
                    subject: s.clone(),
                    arguments: args.clone(),
                    partners: partners.clone(),
                    ..p.clone()
                });
            }
        }
    }

    /// The predicate of a copula and what depends on it, without the
    /// subject, the copula, auxiliaries and the clauses around it.
    fn predicate_phrase(&self, i: usize) -> Phrase {
        let mut words = vec![i];
        for &c in &self.children[i] {
            match self.base(c) {
                "nsubj" | "csubj" | "cop" | "aux" | "punct" | "mark" | "cc" | "conj" | "advcl"
                | "parataxis" | "ccomp" | "discourse" => {}
                "advmod" if NEGATIONS.contains(&self.lemma(c)) => {}
                _ => self.collect(c, i, &mut words, 0),
            }
        }
        self.finish(i, words)
    }

    fn collect(&self, i: usize, top: usize, out: &mut Vec<usize>, depth: usize) {
        if depth > 64 {
            return;
        }
        out.push(i);
        for &c in &self.children[i] {
            if NOT_IN_PHRASE.contains(&self.rel(c)) && c != top {
                if self.rel(c) == "punct" {
                    out.push(c);
                }
                continue;
            }
            // A clause hanging off an argument is a proposition of its own.
            if matches!(self.base(c), "advcl" | "ccomp") && depth == 0 && i != top {
                continue;
            }
            self.collect(c, top, out, depth + 1);
        }
    }

    fn finish(&self, head: usize, mut words: Vec<usize>) -> Phrase {
        words.sort_unstable();
        words.dedup();
        let punct = |w: usize| self.words[w].upos == Upos::Punct;
        while words.first().is_some_and(|&w| punct(w) && w != head) {
            words.remove(0);
        }
        while words.last().is_some_and(|&w| punct(w) && w != head) {
            words.pop();
        }
        Phrase { head, words }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> (Vec<Proposition>, Sentence) {
        let a = crate::nlp::analyze(text).unwrap();
        let s = a.sentences.into_iter().next().unwrap();
        (propositions(&s), s)
    }

    fn words(text: &str, s: &Sentence, ws: &[usize]) -> String {
        ws.iter()
            .map(|&w| s.words[w].text(text))
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn show(text: &str) -> Vec<String> {
        let (ps, s) = read(text);
        ps.iter()
            .map(|p| {
                let mut out = format!(
                    "{} | {}",
                    p.subject
                        .as_ref()
                        .map_or(String::new(), |x| words(text, &s, &x.words)),
                    words(text, &s, &p.relation)
                );
                for a in &p.arguments {
                    out.push_str(" | ");
                    out.push_str(&words(text, &s, &a.phrase.words));
                }
                out
            })
            .collect()
    }

    #[test]
    fn subject_verb_object_with_a_particle() {
        let got = show("The tribunal threw out the appeal.");
        assert!(
            got.contains(&"The tribunal | threw out | the appeal".to_string()),
            "{got:?}"
        );
    }

    #[test]
    fn a_conjoined_verb_shares_the_subject() {
        let got = show("The minister arrived on Monday and opened the bridge.");
        assert!(
            got.iter()
                .any(|g| g.starts_with("The minister | opened | the bridge")),
            "{got:?}"
        );
    }

    #[test]
    fn negation_and_modality_are_kept() {
        let (ps, _) = read("The company may not sell the factory.");
        let sell = ps
            .iter()
            .find(|p| p.arguments.iter().any(|a| a.role == Role::Object))
            .unwrap();
        assert!(sell.negated);
        assert_eq!(sell.modality.as_deref(), Some("may"));
    }

    #[test]
    fn a_relative_pronoun_stands_for_the_modified_noun() {
        let got = show("They praised the engineer who designed the tunnel.");
        assert!(
            got.iter()
                .any(|g| g.starts_with("the engineer | designed | the tunnel")),
            "{got:?}"
        );
    }

    #[test]
    fn a_copula_states_what_the_subject_is() {
        let got = show("Maria Lopez is the director of the museum.");
        assert!(
            got.contains(&"Maria Lopez | is | the director of the museum".to_string()),
            "{got:?}"
        );
    }

    #[test]
    fn reported_speech_keeps_the_speaker() {
        let (ps, s) = read("Officials said the talks had failed.");
        let text = "Officials said the talks had failed.";
        let failed = ps
            .iter()
            .find(|p| s.words[p.predicate].lemma == "fail")
            .unwrap();
        let who = failed.attribution.as_ref().unwrap();
        assert_eq!(words(text, &s, &who.words), "Officials");
    }

    #[test]
    fn a_controlled_clause_carries_its_controlling_verb() {
        let text = "The brewer agreed to buy the distillery.";
        let (ps, s) = read(text);
        let buy = ps
            .iter()
            .find(|p| s.words[p.predicate].lemma == "buy")
            .unwrap();
        assert_eq!(words(text, &s, &buy.control), "agreed to");
        assert_eq!(buy.modality.as_deref(), Some("agree"));
        assert_eq!(
            words(text, &s, &buy.subject.as_ref().unwrap().words),
            "The brewer"
        );
        assert!(
            !ps.iter().any(|p| s.words[p.predicate].lemma == "agree"),
            "the agreeing is read with the buying"
        );
    }

    #[test]
    fn coordinated_objects_are_separate_propositions() {
        let got = show("The council closed the library and the pool.");
        assert!(
            got.contains(&"The council | closed | the library".to_string()),
            "{got:?}"
        );
        assert!(
            got.contains(&"The council | closed | the pool".to_string()),
            "{got:?}"
        );
    }

    #[test]
    fn appositions_possessives_and_titles_are_statements() {
        let text = "Tom Reyes, the mayor of Springfield, praised the city's firefighters.";
        let (ps, s) = read(text);
        let said = |kind| {
            ps.iter()
                .filter(|p| p.kind == kind)
                .map(|p| {
                    format!(
                        "{} | {}",
                        words(text, &s, &p.subject.as_ref().unwrap().words),
                        words(text, &s, &p.arguments[0].phrase.words)
                    )
                })
                .collect::<Vec<_>>()
        };
        assert!(
            said(Kind::Apposition).contains(&"Tom Reyes | the mayor of Springfield".to_string()),
            "{:?}",
            said(Kind::Apposition)
        );
        assert!(
            said(Kind::Possession).contains(&"the city | firefighters".to_string()),
            "{:?}",
            said(Kind::Possession)
        );
        let text = "Inspector Maria Gomez closed the case.";
        let (ps, s) = read(text);
        let title = ps.iter().find(|p| p.kind == Kind::Title).unwrap();
        assert_eq!(
            words(text, &s, &title.subject.as_ref().unwrap().words),
            "Maria Gomez"
        );
        assert_eq!(
            words(text, &s, &title.arguments[0].phrase.words),
            "Inspector"
        );
    }
}

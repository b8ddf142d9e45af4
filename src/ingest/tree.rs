//! Facts from the parse: the article's sentences through the language
//! pipeline, every clause ([`super::clauses`]) whose subject and object are
//! a named entity or a meaningful noun phrase becomes a fact.
//!
//! This is the extractor issue 18 rebuilds fact extraction on; it is scored
//! beside the pattern extractor ([`super::extract`]) on the gold files in
//! `tests/gold/`, and `lore ingest` stores its facts only when asked
//! (`--extractor parse`, see docs/ARCHITECTURE.md). What it does:
//! * names come from the entity recogniser, kinds with them; within the
//!   article a bare surname joins the full name it ends ("Ann Lee" ...
//!   "Lee"), and so does a name after an honorific ("Mr Lee");
//! * a pronoun stands for the named entity [`super::coref`] resolves it to
//!   (definite descriptions do not: the resolver is right for too few);
//! * a fact needs one named argument: between two concepts ("officials
//!   took the decision") it says too little;
//! * other arguments are concepts: the head noun with the words before it,
//!   without determiner or what follows the head ("the new law on data" →
//!   "new law"), merged by lower-case text; a common noun followed by
//!   proper nouns is a descriptor of a name ("the firm Zentrix" → Zentrix);
//!   pronouns and vague heads ("it", "this", "some") are never entities;
//! * the relation is the lemma phrase: verb lemma, particle, and the
//!   preposition of a prepositional object ("was detained in" → "detain in");
//!   a passive with its agent is turned round ("Y was signed by X" → X sign Y);
//! * negation is polarity; modality (a modal or a controlling verb) and the
//!   speaker of reported speech are qualifiers, as is a time expression or a
//!   place in a prepositional phrase of the clause, and the relation's PLOVER
//!   event class (`class=consult`, [`super::events`]);
//! * a title before a name (also when the parser makes the title the
//!   head), a descriptive apposition or a copula of a person is a `hold
//!   role` fact ("Inspector Maria Gomez" → Maria Gomez
//!   hold role "inspector"), and an organisation named in it the person's
//!   employer (`work for`);
//! * a passive without its agent stays passive ("was arrested in" → `be
//!   arrested in`);
//! * coordinated subjects of a reciprocal verb are each other's partners
//!   ("Ann and Raj met" → Ann meet Raj); a circumstance ("after the vote",
//!   "said at a press conference") and a time are never the object, nor
//!   is an oblique when the direct object is no entity.
//!
//! Why one file of about 1,000 lines: the reader's rules share its state
//! (entities by name, the named flags, the words of each sentence's
//! names) and its helpers; split, that state would be passed around or
//! made crate-visible with no reader gaining a smaller unit. The tests are
//! beside it, in `tree_tests.rs`.

use std::collections::HashMap;

use super::clauses::{Argument, Kind, Phrase, Proposition, Role, propositions};
use super::{ExtractedEntity, ExtractedFact, ExtractedObject, Extraction, clean, time};
use crate::model::{EntityKind, Literal, Polarity, Qualifiers, normalize_name};
use crate::nlp::{NameKind, Pipeline, Sentence, Upos};

/// Longest concept, in words: longer phrases are descriptions, not things.
const MAX_CONCEPT_WORDS: usize = 6;

/// Heads that never make a concept: too vague to be a thing of their own.
const VAGUE: &[&str] = &[
    "thing", "one", "lot", "some", "part", "way", "kind", "sort", "number", "time", "year", "day",
    "week", "month", "all", "both", "each", "other", "another", "many", "much", "more", "most",
    "few", "any", "none", "this", "that", "these", "those",
];

/// WordNet's lexicographer file of nouns that name people (noun.person, file
/// 18), as [`crate::nlp::wordnet::Info::noun`] stores it: one up.
const NOUN_PERSON: u8 = 18 + 1;

/// WordNet's lexicographer file of nouns that name groups (noun.group,
/// file 14: "firm", "band", "agency"), stored one up like [`NOUN_PERSON`].
const NOUN_GROUP: u8 = 14 + 1;

/// Prepositions that introduce a circumstance of the event, never the
/// party it concerns: time ("after the vote", "until March"), concession
/// ("despite an injury"), cause ("because of the strike").
const ADJUNCT_PREPOSITIONS: &[&str] = &[
    "after",
    "before",
    "during",
    "since",
    "until",
    "till",
    "despite",
    "amid",
    "amidst",
    "following",
    "throughout",
    "without",
    "because of",
    "due to",
    "ahead of",
    "prior to",
    "in spite of",
];

/// Prepositional phrases that work as adverbs ("In addition, Acme
/// agreed ...", "prices rose in part because ..."): a way of saying, not a
/// party to the event. Preposition and head noun lemma.
const ADVERBIAL_PHRASES: &[&str] = &[
    "in addition",
    "in turn",
    "in fact",
    "in part",
    "in particular",
    "in short",
    "in general",
    "in total",
    "in all",
    "in response",
    "in return",
    "in practice",
    "in theory",
    "in effect",
    "in contrast",
    "in principle",
    "at least",
    "at first",
    "at last",
    "at time",
    "at moment",
    "for example",
    "for instance",
    "for now",
    "for part",
    "by far",
    "of course",
    "on average",
    "on balance",
    "on time",
    "in time",
    "at end",
    "as result",
];

/// Verbs that report speech, whose obliques say where or when it was said
/// ("said at a press conference", "announced in a statement"), not what.
const REPORTING: &[&str] = &["say", "add", "state", "announce", "tell"];

/// Courtesy titles: written before names like job titles ("Mr Lee",
/// "President Lee"), but not a role.
const COURTESY: &[&str] = &[
    "mr", "mrs", "ms", "miss", "mx", "mister", "sir", "dame", "madam",
];

/// The relation a reciprocal verb states between its coordinated
/// subjects: the verb itself when it holds both ways ("meet"), else the
/// verb with "with" when that does ("speak" → "speak with"); `None` for a
/// verb that is not reciprocal ("Ann and Raj left").
fn reciprocal_relation(lemma: &str) -> Option<String> {
    if super::is_symmetric(lemma) {
        return Some(lemma.to_string());
    }
    let with = format!("{lemma} with");
    super::is_symmetric(&with).then_some(with)
}

/// Prepositional phrases that the parser hung on a time expression but
/// that belong to the clause: "clashed on Monday with the mayor", "met
/// last week with union leaders" — a weekday or a week takes no "with"
/// or "over" phrase of its own. Only "of" stays ("the Monday of the
/// vote"). Each comes back as an oblique of the clause.
fn attached_to_time(s: &Sentence, time: &Phrase) -> Vec<Argument> {
    let inside = |mut w: usize, top: usize| {
        for _ in 0..s.words.len() {
            if w == top {
                return true;
            }
            match s.words[w].head.checked_sub(1) {
                Some(h) if h != w => w = h,
                _ => return false,
            }
        }
        false
    };
    let mut out = Vec::new();
    for &c in &time.words {
        if s.words[c].head != time.head + 1 || !s.words[c].deprel.starts_with("nmod") {
            continue;
        }
        let case: Vec<usize> = time
            .words
            .iter()
            .copied()
            .filter(|&w| s.words[w].head == c + 1 && s.words[w].deprel == "case")
            .collect();
        let of = case
            .iter()
            .any(|&w| s.words[w].lemma.eq_ignore_ascii_case("of"));
        if case.is_empty() || of {
            continue;
        }
        let words: Vec<usize> = time
            .words
            .iter()
            .copied()
            .filter(|&w| inside(w, c) && !case.contains(&w))
            .collect();
        out.push(Argument {
            role: Role::Oblique,
            preposition: case,
            phrase: Phrase { head: c, words },
        });
    }
    out
}

/// Reads facts from an article through the language pipeline.
pub fn extract_from_parse(text: &str) -> Extraction {
    extract_marking_names(text).0
}

/// [`extract_from_parse`], with a flag per entity: named in the article
/// (by the recogniser, or as a proper noun it missed) rather than a
/// concept read from a noun phrase ("interest rates", "US threats").
pub(crate) fn extract_marking_names(text: &str) -> (Extraction, Vec<bool>) {
    let (meta, segments) = clean::clean(text);
    let Ok(pipeline) = Pipeline::get() else {
        // The models are compiled in; they fail to load only if the binary
        // is damaged, and then there is nothing to read with.
        let nothing = Extraction {
            meta,
            ..Extraction::default()
        };
        return (nothing, Vec::new());
    };
    let published = meta.published.as_deref().and_then(time::Date::from_iso);
    let mut reader = Reader {
        text,
        published,
        entities: Vec::new(),
        by_name: HashMap::new(),
        by_given: HashMap::new(),
        facts: Vec::new(),
        coref: super::coref::Streaming::default(),
        words_of: Vec::new(),
        named: Vec::new(),
    };
    for &(start, end) in &segments {
        pipeline.for_each_sentence(text, start, end, |s| reader.sentence(&s));
    }
    let named = reader.named;
    let ex = Extraction {
        meta,
        entities: reader.entities,
        facts: reader.facts,
    };
    (ex, named)
}

struct Reader<'t> {
    text: &'t str,
    published: Option<time::Date>,
    entities: Vec<ExtractedEntity>,
    /// Normalised name (and, for people, surname) → entity.
    by_name: HashMap<String, usize>,
    /// A person's lower-case given name → the person; `None` once two share it.
    by_given: HashMap<String, Option<usize>>,
    facts: Vec<ExtractedFact>,
    /// Pronouns and descriptions to earlier mentions, as sentences come.
    coref: super::coref::Streaming,
    /// Per sentence read so far, the named entity of each word: where an
    /// antecedent of a later pronoun is found.
    words_of: Vec<Vec<Option<usize>>>,
    /// Per entity: named somewhere in the article (by the recogniser or
    /// with an honorific), not only described by a concept phrase.
    named: Vec<bool>,
}

impl Reader<'_> {
    fn sentence(&mut self, s: &Sentence) {
        // The entity each word belongs to.
        let mut of_word: Vec<Option<usize>> = vec![None; s.words.len()];
        for e in &joined_names(self.text, s) {
            let e = &self.without_title(s, e);
            let (Some(first), Some(last)) =
                (s.words.get(e.start), s.words.get(e.end.wrapping_sub(1)))
            else {
                continue;
            };
            let name = self.text.get(first.start..last.end).unwrap_or("").trim();
            let name = name.strip_suffix("'s").unwrap_or(name).trim();
            if name.is_empty() || self.is_time(name) {
                continue;
            }
            // A "name" that ends in a title is a description ("the US
            // Secretary", "Foreign Minister"), whatever kind the recogniser
            // gave it: who it is, the sentence does not say by name.
            let last_word = s.words[e.end - 1].text(self.text).to_lowercase();
            if (e.kind == NameKind::Person && self.is_title_word(s, e.end - 1))
                || super::lexicon::lexicon()
                    .role_heads
                    .contains(last_word.as_str())
            {
                continue;
            }
            let id = self.entity(name, kind_of(e.kind));
            self.named[id] = true;
            for w in of_word
                .iter_mut()
                .take(e.end.min(s.words.len()))
                .skip(e.start)
            {
                *w = Some(id);
            }
        }
        // A pronoun stands for the named entity it refers to: "Ann Lee
        // resigned. She joined Acme." gives Ann Lee join Acme. Definite
        // descriptions ("the company") are left as they are: the resolver
        // is right for 0.44 of them on GUM (tests/nlp_eval.rs), and on the
        // BBC gold taking them cost precision (0.208 → 0.199) for as much
        // recall (0.103 → 0.108).
        let here = self.words_of.len();
        for l in self.coref.sentence(self.text, s) {
            if of_word.get(l.word).copied().flatten().is_some() {
                continue;
            }
            let a = l.antecedent;
            if s.words.get(l.word).is_none_or(|w| w.upos != Upos::Pron) {
                continue;
            }
            let named = if a.sentence == here {
                of_word.get(a.head).copied().flatten()
            } else {
                self.words_of
                    .get(a.sentence)
                    .and_then(|v| v.get(a.head))
                    .copied()
                    .flatten()
            };
            if let (Some(id), Some(slot)) = (named, of_word.get_mut(l.word)) {
                *slot = Some(id);
            }
        }
        let named = of_word.clone();
        for p in propositions(s) {
            self.proposition(s, &p, &mut of_word);
        }
        self.words_of.push(named);
    }

    /// The entity named `name`, made if new. A person's bare surname joins
    /// the full name seen before it; a full name seen after a bare surname
    /// takes it over.
    fn entity(&mut self, name: &str, kind: EntityKind) -> usize {
        // A person named with an honorific ("Dr Jane Roe", "Mr Roe") is the
        // person of the bare name; the honorific form stays an alias.
        if kind == EntityKind::Person {
            let lex = super::lexicon::lexicon();
            let mut bare = name;
            while let Some((first, rest)) = bare.split_once(' ')
                && lex.is_honorific(first)
            {
                bare = rest.trim_start();
            }
            if bare != name && !bare.is_empty() {
                let id = self.entity(bare, kind);
                let e = &mut self.entities[id];
                if !e.aliases.iter().any(|a| a == name) {
                    e.aliases.push(name.to_string());
                }
                return id;
            }
        }
        let key = normalize_name(name);
        // A bare given name is the one person of the article with that
        // given name ("Ann" after "Ann Lee"), if only one has it.
        let given = (kind == EntityKind::Person && !key.contains(' '))
            .then(|| self.by_given.get(&key).copied().flatten())
            .flatten();
        if let Some(id) = self.by_name.get(&key).copied().or(given) {
            let e = &mut self.entities[id];
            if e.name != name && !e.aliases.iter().any(|a| a == name) {
                e.aliases.push(name.to_string());
            }
            return id;
        }
        let id = self.entities.len();
        self.named.push(false);
        self.entities.push(ExtractedEntity {
            name: name.to_string(),
            kind,
            aliases: Vec::new(),
        });
        self.by_name.insert(key.clone(), id);
        if kind == EntityKind::Person
            && let Some(surname) = key.rsplit(' ').next()
            && surname != key
        {
            self.by_name.entry(surname.to_string()).or_insert(id);
            if let Some((first, _)) = key.split_once(' ') {
                // Two people with one given name: it names neither.
                self.by_given
                    .entry(first.to_string())
                    .and_modify(|v| *v = None)
                    .or_insert(Some(id));
            }
        }
        id
    }

    /// The entity a phrase stands for: a name inside it at its head, else
    /// a concept made of its words.
    fn argument(
        &mut self,
        s: &Sentence,
        phrase: &Phrase,
        of_word: &mut [Option<usize>],
    ) -> Option<usize> {
        let id = self.any_argument(s, phrase, of_word)?;
        (!self.is_time(&self.entities[id].name)).then_some(id)
    }

    /// [`Reader::argument`], times included.
    fn any_argument(
        &mut self,
        s: &Sentence,
        phrase: &Phrase,
        of_word: &mut [Option<usize>],
    ) -> Option<usize> {
        if let Some(id) = of_word.get(phrase.head).copied().flatten() {
            return Some(id);
        }

        // A descriptor before a name is the name ("medical technology firm
        // Acme", "coach Ann Lee"): the phrase ends with a name that starts
        // right after its head.
        let last = phrase
            .words
            .iter()
            .rev()
            .copied()
            .find(|&w| s.words.get(w).is_some_and(|x| x.upos != Upos::Punct));
        if let Some(id) = last.and_then(|w| of_word.get(w).copied().flatten()) {
            let starts = phrase
                .words
                .iter()
                .copied()
                .find(|&w| of_word.get(w).copied().flatten() == Some(id));
            if starts == Some(phrase.head + 1) {
                // "spokeswoman Ann Lee" parsed with the title as head: the
                // descriptor is the person's role all the same.
                let before = Phrase {
                    head: phrase.head,
                    words: phrase
                        .words
                        .iter()
                        .copied()
                        .filter(|&w| w <= phrase.head)
                        .collect(),
                };
                self.role_facts(s, id, &before, of_word, 0.6, (s.start, s.end));
                return Some(id);
            }
        }
        let head = s.words.get(phrase.head)?;
        if !matches!(head.upos, Upos::Noun | Upos::Propn) {
            return None;
        }
        if VAGUE.contains(&head.lemma.to_lowercase().as_str()) {
            return None;
        }
        // A common noun followed by proper nouns of its own is a descriptor
        // and a name the recogniser missed ("the software firm Zentrix"):
        // the name is the argument.
        let name_after: Vec<usize> = (phrase.head + 1..s.words.len())
            .take_while(|&w| {
                let x = &s.words[w];
                phrase.words.contains(&w)
                    && x.upos == Upos::Propn
                    && x.head == phrase.head + 1
                    && matches!(x.deprel, "flat" | "appos" | "compound")
            })
            .collect();
        if head.upos == Upos::Noun && !name_after.is_empty() {
            let (a, b) = (&s.words[name_after[0]], &s.words[*name_after.last()?]);
            let name = self.text.get(a.start..b.end)?.trim();
            let id = self.entity(name, EntityKind::Other);
            self.named[id] = true;
            return Some(id);
        }
        // Proper nouns the recogniser missed that end in a given name and
        // more ("US President Jan Novak") are a person, and the words before
        // the given name their title.
        if head.upos == Upos::Propn
            && let Some(id) = self.untagged_person(s, phrase)
        {
            return Some(id);
        }
        // The head with the words written right before it that modify it,
        // without determiners and possessives, and without what follows
        // the head: "the new law on data" → "new law", "a $43bn takeover"
        // → "$43bn takeover". Longer descriptions are not things.
        let mut words = vec![phrase.head];
        let mut w = phrase.head;
        while w > 0 && phrase.words.contains(&(w - 1)) {
            w -= 1;
            let x = &s.words[w];
            if x.upos == Upos::Det
                || x.upos == Upos::Punct && x.text(self.text) != "-"
                || x.deprel.starts_with("nmod:poss")
                || x.upos == Upos::Part
                || x.upos == Upos::Adp
            {
                break;
            }
            words.push(w);
        }
        words.reverse();
        // UD heads a multiword proper name at its first word, the rest
        // hanging on it as `flat` ("Mrs Hassan", "Ana Silva"): the name is
        // the whole chain.
        if head.upos == Upos::Propn {
            words.extend((phrase.head + 1..s.words.len()).take_while(|&w| {
                phrase.words.contains(&w)
                    && s.words[w].head == phrase.head + 1
                    && s.words[w].deprel == "flat"
            }));
        }
        if words.len() > MAX_CONCEPT_WORDS {
            return None;
        }
        let first = s.words.get(*words.first()?)?;
        let last = s.words.get(*words.last()?)?;
        let name = self.text.get(first.start..last.end)?.trim();
        if name.is_empty() {
            return None;
        }
        // An honorific and proper nouns the recogniser missed ("Mr Okafor")
        // name a person.
        let lex = super::lexicon::lexicon();
        let person = words.len() > 1
            && lex.is_honorific(first.text(self.text))
            && words[1..].iter().all(|&w| s.words[w].upos == Upos::Propn);
        let kind = if person {
            EntityKind::Person
        } else {
            EntityKind::Other
        };
        let id = self.entity(name, kind);
        // A proper noun the recogniser passed over ("the Supreme Court")
        // names something all the same.
        if person || head.upos == Upos::Propn {
            self.named[id] = true;
        }
        Some(id)
    }

    /// A title or the head of a role ("President", "Dr", "minister").
    fn is_title_word(&self, s: &Sentence, w: usize) -> bool {
        let lex = super::lexicon::lexicon();
        let l = s.words[w].text(self.text).to_lowercase();
        lex.is_honorific(&l)
            || l.split('-')
                .any(|p| lex.role_heads.contains(p) || lex.title_words.contains(p))
    }

    /// A person's name span without the title the recogniser took into it
    /// ("US President Jan Novak" → "Jan Novak", "President Novak" →
    /// "Novak"); the title becomes a `hold role` fact. The name starts
    /// after the last title word, else at a usual given name.
    fn without_title(
        &mut self,
        s: &Sentence,
        e: &crate::nlp::EntitySpan,
    ) -> crate::nlp::EntitySpan {
        if e.kind != NameKind::Person || e.end > s.words.len() || e.end - e.start < 2 {
            return *e;
        }
        let lower = |w: usize| s.words[w].text(self.text).to_lowercase();
        let title_word = |w: usize| self.is_title_word(s, w);
        // After the last title word before the final word ("US President
        // Jan Novak"), else at a given name after a title word.
        let start = (e.start..e.end - 1)
            .rev()
            .find(|&w| title_word(w))
            .map(|k| k + 1)
            .or_else(|| {
                (e.start..e.end)
                    .find(|&w| super::coref::is_given_name(&lower(w)))
                    .filter(|&k| k > e.start && (e.start..k).any(title_word))
            });
        let Some(start) = start.filter(|&k| k < e.end) else {
            return *e;
        };
        let (a, b) = (&s.words[e.start], &s.words[start - 1]);
        let role = self
            .text
            .get(a.start..b.end)
            .unwrap_or("")
            .trim()
            .to_lowercase();
        let (na, nb) = (&s.words[start], &s.words[e.end - 1]);
        let name = self.text.get(na.start..nb.end).unwrap_or("").trim();
        let name = name.strip_suffix("'s").unwrap_or(name).trim();
        if !name.is_empty() && !COURTESY.contains(&role.trim_end_matches('.')) {
            let id = self.entity(name, EntityKind::Person);
            // The titled form stays a name of the person ("President Novak").
            let full = self.text.get(a.start..nb.end).unwrap_or("").trim();
            let full = full.strip_suffix("'s").unwrap_or(full).trim();
            let e = &mut self.entities[id];
            if e.name != full && !e.aliases.iter().any(|x| x == full) {
                e.aliases.push(full.to_string());
            }
            self.push(
                id,
                "hold role",
                &role,
                ExtractedObject::Literal(Literal::Text(role.clone())),
                Qualifiers::new(),
                Polarity::Positive,
                0.7,
                (s.start, s.end),
            );
        }
        crate::nlp::EntitySpan { start, ..*e }
    }

    /// A person in proper nouns the recogniser passed over: the run of
    /// proper nouns ending at the phrase head, from a usual given name on
    /// ("Jan Novak"), at least two words; what comes before it in the run
    /// ("US President") is their role.
    fn untagged_person(&mut self, s: &Sentence, phrase: &Phrase) -> Option<usize> {
        let mut run = vec![phrase.head];
        let mut w = phrase.head;
        while w > 0 && phrase.words.contains(&(w - 1)) && s.words[w - 1].upos == Upos::Propn {
            w -= 1;
            run.push(w);
        }
        run.reverse();
        let given = run.iter().position(|&w| {
            super::coref::is_given_name(&s.words[w].text(self.text).to_lowercase())
        })?;
        if run.len() - given < 2 {
            return None;
        }
        let (a, b) = (&s.words[run[given]], &s.words[phrase.head]);
        let name = self.text.get(a.start..b.end)?.trim();
        let id = self.entity(name, EntityKind::Person);
        self.named[id] = true;
        if given > 0 {
            let (ra, rb) = (&s.words[run[0]], &s.words[run[given - 1]]);
            let role = self
                .text
                .get(ra.start..rb.end)
                .unwrap_or("")
                .trim()
                .to_lowercase();
            let lex = super::lexicon::lexicon();
            let titled = role
                .split([' ', '-'])
                .any(|w| lex.role_heads.contains(w) || lex.title_words.contains(w));
            if titled {
                self.push(
                    id,
                    "hold role",
                    &role,
                    ExtractedObject::Literal(Literal::Text(role.clone())),
                    Qualifiers::new(),
                    Polarity::Positive,
                    0.6,
                    (s.start, s.end),
                );
            }
        }
        Some(id)
    }

    fn proposition(&mut self, s: &Sentence, p: &Proposition, of_word: &mut [Option<usize>]) {
        let Some(subject) = &p.subject else { return };
        let span = (s.start, s.end);
        match p.kind {
            Kind::Clause => {}
            Kind::Title | Kind::Apposition => {
                // A person's title or descriptive apposition is a role.
                if let (Some(id), Some(a)) = (
                    of_word.get(subject.head).copied().flatten(),
                    p.arguments.first(),
                ) {
                    self.role_facts(s, id, &a.phrase, of_word, p.confidence, span);
                }
                return;
            }
            Kind::Possession => return,
        }
        let copula = s
            .words
            .get(p.predicate)
            .is_some_and(|w| w.upos != Upos::Verb);
        if copula {
            // "Ann Lee is the chief executive of Acme": a role, and where it is held.
            // Only a noun that names a kind of person (WordNet's noun.person:
            // "director", "singer") is a role; "the last person to leave" or
            // "the favourite" is not.
            let person_noun = s.words.get(p.predicate).is_some_and(|w| {
                crate::nlp::wordnet::lookup(&w.lemma.to_lowercase()).noun == NOUN_PERSON
            });
            if let (Some(id), Some(a)) = (
                of_word.get(subject.head).copied().flatten(),
                p.arguments.first().filter(|a| a.role == Role::Object),
            ) && !p.negated
                && p.modality.is_none()
                && person_noun
            {
                self.role_facts(s, id, &a.phrase, of_word, p.confidence, span);
            }
            return;
        }
        let agent = p.arguments.iter().find(|a| a.role == Role::Agent);
        let (subject_phrase, patient): (&Phrase, Option<&Phrase>) = match (p.passive, agent) {
            (true, Some(a)) => (&a.phrase, Some(subject)),
            _ => (subject, None),
        };
        let Some(subj) = self.argument(s, subject_phrase, of_word) else {
            return;
        };
        let mut qualifiers = Qualifiers::new();
        let mut object: Option<(usize, Vec<usize>)> = None;
        if let Some(pat) = patient {
            object = self.argument(s, pat, of_word).map(|o| (o, Vec::new()));
        }
        // Coordinated subjects of a reciprocal verb are each other's
        // partners: "Ann Lee and Raj Patel met in Leeds" → Ann Lee meet Raj
        // Patel, in Leeds; "the two ministers spoke" names no partner. Read
        // once, from the first subject: the relation holds both ways.
        let mut reciprocal = None;
        if object.is_none()
            && !p.passive
            && !p.arguments.iter().any(|a| a.role == Role::Object)
            && let Some(partner) = p.partners.first()
            && let Some(relation) = reciprocal_relation(&s.words[p.predicate].lemma.to_lowercase())
        {
            if partner.head < subject.head {
                return;
            }
            if let Some(o) = self.argument(s, partner, of_word) {
                object = Some((o, Vec::new()));
                reciprocal = Some(relation);
            }
        }
        let mut arguments: Vec<Argument> = Vec::with_capacity(p.arguments.len());
        for a in &p.arguments {
            if a.role == Role::Agent || a.role == Role::Complement {
                continue;
            }
            if let Some(t) = self.time_in(s, &a.phrase) {
                qualifiers.entry("time".into()).or_insert(t);
                arguments.extend(attached_to_time(s, &a.phrase));
                continue;
            }
            arguments.push(a.clone());
        }
        let has_direct = arguments.iter().any(|a| a.role == Role::Object);
        for a in &arguments {
            let prep = a
                .preposition
                .iter()
                .map(|&w| s.words[w].lemma.to_lowercase())
                .collect::<Vec<_>>()
                .join(" ");
            let entity = of_word.get(a.phrase.head).copied().flatten();
            if matches!(prep.as_str(), "in" | "at")
                && let Some(e) = entity
                && self.entities[e].kind == EntityKind::Place
                && (object.is_some() || p.arguments.iter().any(|b| b.role == Role::Object))
            {
                qualifiers
                    .entry("place".into())
                    .or_insert(self.entities[e].name.clone());
                continue;
            }
            // A clause whose direct object is no entity ("joined us from
            // Leeds", "sent it to Raj") does not relate its subject to an
            // oblique instead: "join from Leeds" is not what was said.
            // Nor is a circumstance the object: "resigned after the vote",
            // "won despite an injury", "said at a press conference".
            let idiom = format!("{prep} {}", s.words[a.phrase.head].lemma.to_lowercase());
            let circumstance = a.role == Role::Oblique
                && (ADJUNCT_PREPOSITIONS.contains(&prep.as_str())
                    || ADVERBIAL_PHRASES.contains(&idiom.as_str())
                    || REPORTING.contains(&s.words[p.predicate].lemma.to_lowercase().as_str()));
            if object.is_none()
                && !circumstance
                && (a.role == Role::Object || !has_direct)
                && let Some(o) = self.argument(s, &a.phrase, of_word)
            {
                object = Some((o, a.preposition.clone()));
            }
        }
        let Some((obj, preposition)) = object else {
            return;
        };
        if obj == subj {
            return;
        }
        // A fact is about something named: between two concepts
        // ("officials took the decision") it says too little on its own.
        if !self.named[subj] && !self.named[obj] {
            return;
        }
        // A passive without its agent keeps the passive ("Ann Lee was
        // arrested in Leeds" → Ann Lee be arrested in Leeds): turned into
        // the active it would make her the one who arrests.
        let mut lemma = if p.passive && agent.is_none() {
            format!("be {}", s.words[p.predicate].text(self.text).to_lowercase())
        } else {
            s.words[p.predicate].lemma.to_lowercase()
        };
        for w in s
            .words
            .iter()
            .filter(|w| w.head == p.predicate + 1 && w.deprel == "compound:prt")
        {
            lemma.push(' ');
            lemma.push_str(&w.lemma.to_lowercase());
        }
        for &w in &preposition {
            lemma.push(' ');
            lemma.push_str(&s.words[w].lemma.to_lowercase());
        }
        if let Some(r) = reciprocal {
            lemma = r;
        }
        if let Some(m) = &p.modality {
            qualifiers.insert("modality".into(), m.clone());
        }
        if let Some(c) = super::events::class_of_proposition(s, p) {
            qualifiers.insert("class".into(), c.as_str().to_string());
        }
        if let Some(speaker) = &p.attribution
            && let Some(e) = of_word.get(speaker.head).copied().flatten()
        {
            qualifiers.insert("attribution".into(), self.entities[e].name.clone());
        }
        let mut written: Vec<usize> = p.control.clone();
        written.extend(&p.relation);
        written.extend(&preposition);
        let written = self.words_text(s, &written, false);
        let polarity = if p.negated {
            Polarity::Negative
        } else {
            Polarity::Positive
        };
        self.push(
            subj,
            &lemma,
            &written,
            ExtractedObject::Entity(obj),
            qualifiers,
            polarity,
            p.confidence,
            span,
        );
    }

    /// Whether a name is a time expression and nothing more ("Wednesday",
    /// "March 2021"): a time qualifies a fact, it is no party to one.
    fn is_time(&self, name: &str) -> bool {
        let lower = name.to_lowercase();
        let words: Vec<&str> = lower.split_whitespace().collect();
        time::expression_at(&words, 0, self.published).is_some_and(|t| t.len >= words.len())
    }

    /// The resolved time of a time expression that opens the phrase.
    fn time_in(&self, s: &Sentence, phrase: &Phrase) -> Option<String> {
        let words: Vec<String> = phrase
            .words
            .iter()
            .map(|&w| s.words[w].text(self.text).to_lowercase())
            .collect();
        let refs: Vec<&str> = words.iter().map(String::as_str).collect();
        let head = phrase.words.iter().position(|&w| w == phrase.head);
        // An expression the article's date cannot fix ("last March" in an
        // undated article) is kept as written when it is the whole phrase's
        // head: a time all the same, never an object.
        (0..refs.len().min(3)).find_map(|i| {
            let t = time::expression_at(&refs, i, self.published)?;
            let covers_head = head.is_some_and(|h| (i..i + t.len).contains(&h));
            t.value.or_else(|| {
                covers_head
                    .then(|| refs.get(i..i + t.len).map(|w| w.join(" ")))
                    .flatten()
            })
        })
    }

    /// The role a noun phrase gives a named person, and the organisation
    /// in it becomes their employer: "the former chief executive of Acme"
    /// → hold role "former chief executive", work for Acme; "Acme's finance
    /// director" → "finance director", Acme. The role is the head noun with
    /// the modifiers written right before it that are not names.
    fn role_facts(
        &mut self,
        s: &Sentence,
        person: usize,
        phrase: &Phrase,
        of_word: &[Option<usize>],
        confidence: f32,
        span: (usize, usize),
    ) {
        let head = phrase.head;
        let Some(hw) = s.words.get(head) else { return };
        let in_name = |w: usize| of_word.get(w).copied().flatten();
        if !matches!(hw.upos, Upos::Noun | Upos::Propn)
            || in_name(head).is_some()
            || VAGUE.contains(&hw.lemma.to_lowercase().as_str())
        {
            return;
        }
        // A descriptor that names a kind of group ("the software firm
        // Zentrix", "the band Kestrel") says the name is an organisation's,
        // not a person's with a role.
        if hw.upos == Upos::Noun
            && crate::nlp::wordnet::lookup(&hw.lemma.to_lowercase()).noun == NOUN_GROUP
        {
            let kind = &mut self.entities[person].kind;
            if matches!(kind, EntityKind::Person | EntityKind::Other) {
                *kind = EntityKind::Organization;
            }
            return;
        }
        if self.entities[person].kind != EntityKind::Person {
            return;
        }
        // Back from the head over nouns, adjectives, numbers, hyphens and
        // names ("former Acme chief", "Russian foreign minister"), up to a
        // determiner or a possessive ("Acme's finance director" → "finance
        // director"); forward over a short "of" complement without a
        // determiner ("secretary of state").
        let mut kept = vec![head];
        let mut w = head;
        while w > 0 && phrase.words.contains(&(w - 1)) {
            w -= 1;
            let x = &s.words[w];
            let wordy = matches!(x.upos, Upos::Noun | Upos::Propn | Upos::Adj | Upos::Num);
            if !wordy && x.text(self.text) != "-" {
                break;
            }
            kept.push(w);
        }
        kept.reverse();
        if s.words.get(head + 1).is_some_and(|x| x.lemma == "of") {
            let tail: Vec<usize> = (head + 2..(head + 5).min(s.words.len()))
                .take_while(|&w| {
                    phrase.words.contains(&w) && matches!(s.words[w].upos, Upos::Propn | Upos::Noun)
                })
                .collect();
            let org = tail.iter().any(|&w| {
                in_name(w).is_some_and(|e| self.entities[e].kind == EntityKind::Organization)
            });
            let ends_phrase = tail.last().is_some_and(|&l| {
                !phrase.words.contains(&(l + 1)) || s.words[l + 1].upos == Upos::Punct
            });
            if !tail.is_empty() && !org && ends_phrase {
                kept.push(head + 1);
                kept.extend(tail);
            }
        }
        let mut role = String::new();
        for (k, &w) in kept.iter().enumerate() {
            let x = &s.words[w];
            // Words written together stay together ("director-general").
            let joined = k > 0 && s.words[kept[k - 1]].end == x.start;
            if k > 0 && !joined {
                role.push(' ');
            }
            role.push_str(&x.text(self.text).to_lowercase());
        }
        // A courtesy title says nothing of what the person does.
        if COURTESY.contains(&role.trim_end_matches('.')) {
            return;
        }
        if role.is_empty() || role.split_whitespace().count() > MAX_CONCEPT_WORDS {
            return;
        }
        self.push(
            person,
            "hold role",
            &role,
            ExtractedObject::Literal(Literal::Text(role.clone())),
            Qualifiers::new(),
            Polarity::Positive,
            confidence,
            span,
        );
        let employer = phrase.words.iter().find_map(|&w| {
            in_name(w).filter(|&e| self.entities[e].kind == EntityKind::Organization)
        });
        if let Some(org) = employer {
            self.push(
                person,
                "work for",
                &role,
                ExtractedObject::Entity(org),
                Qualifiers::new(),
                Polarity::Positive,
                confidence,
                span,
            );
        }
    }

    fn words_text(&self, s: &Sentence, words: &[usize], drop_determiners: bool) -> String {
        let mut out = String::new();
        for &w in words {
            let Some(x) = s.words.get(w) else { continue };
            if drop_determiners && matches!(x.upos, Upos::Det | Upos::Punct) {
                continue;
            }
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(x.text(self.text));
        }
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        subject: usize,
        lemma: &str,
        written: &str,
        object: ExtractedObject,
        qualifiers: Qualifiers,
        polarity: Polarity,
        confidence: f32,
        span: (usize, usize),
    ) {
        let relation = super::normalize_relation(lemma);
        if relation.is_empty() {
            return;
        }
        let fact = ExtractedFact {
            subject,
            relation,
            relation_text: written.to_string(),
            object,
            qualifiers,
            polarity,
            confidence,
            span,
        };
        if !self.facts.iter().any(|f| {
            f.subject == fact.subject
                && f.relation == fact.relation
                && f.object == fact.object
                && f.polarity == fact.polarity
        }) {
            self.facts.push(fact);
        }
    }
}

/// The sentence's names, with two joined by an ampersand made one
/// organisation ("Baker & Hale", "Smith & Sons"): the recogniser sees two,
/// or only one side ("Slater & [Gordon]"), so a capitalised word across
/// an ampersand from a name joins it too.
fn joined_names(text: &str, s: &Sentence) -> Vec<crate::nlp::EntitySpan> {
    let amp = |i: usize| s.words.get(i).is_some_and(|w| w.text(text) == "&");
    let capitalised = |i: usize| {
        s.words.get(i).is_some_and(|w| {
            w.text(text).starts_with(char::is_uppercase)
                && matches!(w.upos, Upos::Propn | Upos::Noun)
        })
    };
    let mut out: Vec<crate::nlp::EntitySpan> = Vec::with_capacity(s.entities.len());
    for e in &s.entities {
        let mut e = *e;
        if let Some(prev) = out.last_mut()
            && prev.end + 1 == e.start
            && amp(prev.end)
        {
            prev.end = e.end;
            prev.kind = NameKind::Organization;
            continue;
        }
        let free = |i: usize| out.last().is_none_or(|p| p.end <= i);
        if e.start >= 2 && amp(e.start - 1) && capitalised(e.start - 2) && free(e.start - 2) {
            e.start -= 2;
            e.kind = NameKind::Organization;
        }
        if amp(e.end) && capitalised(e.end + 1) && !s.entities.iter().any(|n| n.start == e.end + 1)
        {
            e.end += 2;
            e.kind = NameKind::Organization;
        }
        out.push(e);
    }
    out
}

fn kind_of(k: NameKind) -> EntityKind {
    match k {
        NameKind::Person => EntityKind::Person,
        NameKind::Organization => EntityKind::Organization,
        NameKind::Place => EntityKind::Place,
        NameKind::Event => EntityKind::Work,
        NameKind::Other => EntityKind::Other,
    }
}

#[cfg(test)]
#[path = "tree_tests.rs"]
mod tests;

//! Event classes of PLOVER (the successor of CAMEO, the ontology political
//! event data such as GDELT, ICEWS and POLECAT code news with) for
//! relations: "met", "held talks with" and "spoke with" are all `consult`.
//!
//! The classes of relation lemmas are data (`data/lexicon/event_classes.tsv`,
//! its source in its header). A proposition's class is that of its
//! controlling verb when that has one ("threatened to strike" is a threat,
//! "agreed to withdraw" an agreement), else of its own relation.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::clauses::{Kind, Proposition};
use crate::nlp::Sentence;

/// A PLOVER event category.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventClass {
    /// Agreements, promises, commitments.
    Agree,
    /// Meetings, visits, talks, negotiation.
    Consult,
    /// Verbal support, praise, endorsement.
    Support,
    /// Material and diplomatic cooperation.
    Cooperate,
    /// Giving help, money, goods, shelter.
    Aid,
    /// Easing, releasing, yielding.
    Concede,
    /// Withdrawing, disarming.
    Retreat,
    /// Inquiries, probes, inspections.
    Investigate,
    /// Demands, requests, appeals.
    Demand,
    /// Criticism, accusation, complaint.
    Disapprove,
    /// Refusals, vetoes, denials.
    Reject,
    /// Threats and warnings.
    Threaten,
    /// Demonstrations, boycotts.
    Protest,
    /// Deploying and readying forces.
    Mobilize,
    /// Cutting ties, embargoes, expulsions.
    Sanction,
    /// Arrests, seizures, repression.
    Coerce,
    /// Violence against people.
    Assault,
    /// Armed conflict between forces.
    Fight,
    /// Theft, fraud, smuggling.
    Crime,
}

impl EventClass {
    /// Every class, in PLOVER's order.
    pub const ALL: [EventClass; 19] = [
        EventClass::Agree,
        EventClass::Consult,
        EventClass::Support,
        EventClass::Cooperate,
        EventClass::Aid,
        EventClass::Concede,
        EventClass::Retreat,
        EventClass::Investigate,
        EventClass::Demand,
        EventClass::Disapprove,
        EventClass::Reject,
        EventClass::Threaten,
        EventClass::Protest,
        EventClass::Mobilize,
        EventClass::Sanction,
        EventClass::Coerce,
        EventClass::Assault,
        EventClass::Fight,
        EventClass::Crime,
    ];

    /// The class's name, lower case ("consult").
    pub fn as_str(self) -> &'static str {
        match self {
            EventClass::Agree => "agree",
            EventClass::Consult => "consult",
            EventClass::Support => "support",
            EventClass::Cooperate => "cooperate",
            EventClass::Aid => "aid",
            EventClass::Concede => "concede",
            EventClass::Retreat => "retreat",
            EventClass::Investigate => "investigate",
            EventClass::Demand => "demand",
            EventClass::Disapprove => "disapprove",
            EventClass::Reject => "reject",
            EventClass::Threaten => "threaten",
            EventClass::Protest => "protest",
            EventClass::Mobilize => "mobilize",
            EventClass::Sanction => "sanction",
            EventClass::Coerce => "coerce",
            EventClass::Assault => "assault",
            EventClass::Fight => "fight",
            EventClass::Crime => "crime",
        }
    }

    /// The class of a name, any case ("CONSULT").
    pub fn parse(s: &str) -> Option<EventClass> {
        let s = s.to_ascii_lowercase();
        EventClass::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

fn table() -> &'static HashMap<String, EventClass> {
    static TABLE: OnceLock<HashMap<String, EventClass>> = OnceLock::new();
    TABLE.get_or_init(|| {
        // The hand-written seeds last, so that they win over what WordNet
        // derived from them (make-event-classes.py).
        [
            include_str!("../../data/lexicon/event_classes_wordnet.tsv"),
            include_str!("../../data/lexicon/event_classes.tsv"),
        ]
        .into_iter()
        .flat_map(str::lines)
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let (lemma, class) = l.split_once('\t')?;
            Some((lemma.trim().to_string(), EventClass::parse(class.trim())?))
        })
        .collect()
    })
}

/// The class of a relation lemma phrase ("call for", "meet with"): the
/// whole phrase, else its first word.
pub fn class_of(lemma_phrase: &str) -> Option<EventClass> {
    let t = table();
    let phrase = lemma_phrase.trim().to_lowercase();
    t.get(&phrase).copied().or_else(|| {
        let first = phrase.split_whitespace().next()?;
        t.get(first).copied()
    })
}

/// The lemma phrase of a word and its particle ("strike down"), and with
/// `preposition` the preposition too ("call for").
fn lemma_phrase(s: &Sentence, head: usize, preposition: Option<&[usize]>) -> String {
    let mut out = s
        .words
        .get(head)
        .map_or(String::new(), |w| w.lemma.to_lowercase());
    for w in s
        .words
        .iter()
        .filter(|w| w.head == head + 1 && w.deprel == "compound:prt")
    {
        out.push(' ');
        out.push_str(&w.lemma.to_lowercase());
    }
    for &p in preposition.unwrap_or(&[]) {
        if let Some(w) = s.words.get(p) {
            out.push(' ');
            out.push_str(&w.lemma.to_lowercase());
        }
    }
    out
}

/// The event class of a proposition: its outermost controlling verb's,
/// else its own relation's (with the preposition of its first argument
/// after the verb: "called for").
pub fn class_of_proposition(s: &Sentence, p: &Proposition) -> Option<EventClass> {
    if p.kind != Kind::Clause {
        return None;
    }
    let verbs = p.control.iter().copied().filter(|&w| {
        s.words
            .get(w)
            .is_some_and(|x| x.upos == crate::nlp::Upos::Verb)
    });
    for v in verbs {
        if let Some(c) = class_of(&lemma_phrase(s, v, None)) {
            return Some(c);
        }
    }
    let preposition = p
        .arguments
        .iter()
        .find(|a| a.phrase.head > p.predicate && !a.preposition.is_empty())
        .map(|a| a.preposition.as_slice());
    class_of(&lemma_phrase(s, p.predicate, preposition))
        .or_else(|| class_of(&lemma_phrase(s, p.predicate, None)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_of_the_table_names_a_class() {
        let seeds = include_str!("../../data/lexicon/event_classes.tsv");
        let derived = include_str!("../../data/lexicon/event_classes_wordnet.tsv");
        for line in seeds.lines().chain(derived.lines()) {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let (_, class) = line.split_once('\t').unwrap_or((line, ""));
            assert!(EventClass::parse(class.trim()).is_some(), "{line:?}");
        }
    }

    #[test]
    fn phrases_and_their_first_word_are_classed() {
        assert_eq!(class_of("meet with"), Some(EventClass::Consult));
        assert_eq!(class_of("pull out"), Some(EventClass::Retreat));
        assert_eq!(class_of("condemn"), Some(EventClass::Disapprove));
        assert_eq!(class_of("paint"), None);
    }

    #[test]
    fn verbs_wordnet_puts_under_a_seed_are_classed_and_seeds_keep_theirs() {
        // Synonyms of a seed's first sense ("incarcerate" is "imprison")
        // and kinds of it ("slaughter" is a way to "kill").
        assert_eq!(class_of("incarcerate"), Some(EventClass::Coerce));
        assert_eq!(class_of("slaughter"), Some(EventClass::Assault));
        assert_eq!(class_of("reprimand"), Some(EventClass::Disapprove));
        // "attack" is a seed for the verbal attack (disapprove); WordNet's
        // first sense, the military one, does not override it.
        assert_eq!(class_of("attack"), Some(EventClass::Disapprove));
        // Physical senses carry no political class: "grind" is a kind of
        // pressing a thing, not of pressing for a demand.
        assert_eq!(class_of("grind"), None);
    }

    #[test]
    fn a_controlling_verb_gives_the_class() {
        let text = "The union threatened to block the port.";
        let a = crate::nlp::analyze(text).unwrap();
        let s = &a.sentences[0];
        let ps = super::super::clauses::propositions(s);
        let block = ps
            .iter()
            .find(|p| s.words[p.predicate].lemma == "block")
            .unwrap();
        assert_eq!(class_of_proposition(s, block), Some(EventClass::Threaten));
    }
}

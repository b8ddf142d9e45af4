//! Relations: clause patterns between the mentions of one sentence.
//!
//! Patterns, in the order they are tried:
//! * roles: a title or role phrase attached to a person ("hold role"), an
//!   organization inside it ("work for"), an appositive ("X, a security chief,");
//! * "City, Country" ("be located in");
//! * subject – verb phrase – object between two neighbouring mentions, active
//!   or passive ("was detained in"; "was dismissed by X" turns round), with
//!   negation kept as polarity and modal statements dropped;
//! * coordination: "A and B met" gives one symmetric fact; "A and B urged C"
//!   gives two;
//! * directives: "X urged Y to release Z" and "X told Y that Y should release Z"
//!   give "X urge release of Z" besides "X urge Y";
//! * reported speech: "X said ...", "..., X said", "according to X" put the
//!   speaker in the `attribution` qualifier.

use super::entities::{Mention, Registry, span_text};
use super::lexicon::{Lexicon, lexicon};
use super::sentences::{TokKind, Token};
use super::time::{Date, resolve_at};
use super::{is_symmetric, normalize_relation};
use crate::model::{EntityKind, Literal, Polarity, Qualifiers};

/// The object of a fact read from a sentence.
#[derive(Clone, Debug, PartialEq)]
pub enum Obj {
    /// An entity of the registry.
    Entity(usize),
    /// A literal.
    Lit(Literal),
}

/// A fact read from one sentence, before provenance is attached.
#[derive(Clone, Debug)]
pub struct RawFact {
    /// Subject entity.
    pub subject: usize,
    /// Normalized relation.
    pub relation: String,
    /// As written.
    pub relation_text: String,
    /// Object.
    pub object: Obj,
    /// Polarity.
    pub polarity: Polarity,
    /// Qualifiers.
    pub qualifiers: Qualifiers,
    /// Confidence.
    pub confidence: f32,
}

/// Relations that describe a state rather than an event: no time or place qualifiers.
const STATIC: &[&str] = &["hold role", "work for", "be located in"];

/// A verb phrase read between two mentions.
#[derive(Debug, Default)]
struct Phrase {
    relation: String,
    text: String,
    negative: bool,
    modal: Option<String>,
    /// First verb's lemma (with particle for "call on").
    head: String,
    /// Starts with "to" + verb: the complement of an earlier directive.
    to_clause: bool,
    /// "be VBN by": the object is the agent.
    passive_by: bool,
    /// Index (in the sentence tokens) of the first verb.
    verb_at: usize,
    /// Ends with a locative preposition.
    locative: bool,
}

fn is_verb(lex: &Lexicon, w: &str) -> bool {
    lex.verb(w).is_some()
        || lex.lemmas.contains(w)
        || w.strip_suffix("es").is_some_and(|s| lex.lemmas.contains(s))
        || w.strip_suffix('s').is_some_and(|s| lex.lemmas.contains(s))
}

fn lemma(lex: &Lexicon, w: &str) -> String {
    if lex.lemmas.contains(w) {
        return w.to_string();
    }
    if let Some((l, _)) = lex.verb(w) {
        return l;
    }
    for suf in ["es", "s"] {
        if let Some(s) = w.strip_suffix(suf)
            && lex.lemmas.contains(s)
        {
            return s.to_string();
        }
    }
    w.to_string()
}

fn is_participle(lex: &Lexicon, w: &str) -> bool {
    lex.verb(w).is_some_and(|(_, t)| t == "VBN" || t == "VBD")
        && (w.ends_with("ed") || w.ends_with('n') || lex.verb(w).is_some_and(|(_, t)| t == "VBN"))
}

/// Parses the words between two mentions as a verb phrase; tokens in `skip`
/// (a noun modifier such as "US" in "US support for") are left out.
fn parse_phrase(
    toks: &[Token],
    a: usize,
    b: usize,
    skip: Option<(usize, usize)>,
) -> Option<Phrase> {
    let lex = lexicon();
    let mut i = a;
    // ", which includes" / ", who met": a relative clause on the subject.
    if toks.get(i).is_some_and(|t| t.text == ",")
        && toks
            .get(i + 1)
            .is_some_and(|t| matches!(t.text.to_lowercase().as_str(), "which" | "who"))
    {
        i += 2;
    }
    // (token index, lower-case word); quotes and skipped tokens vanish.
    let mut items: Vec<(usize, String)> = Vec::new();
    for (k, t) in toks.iter().enumerate().take(b).skip(i) {
        if skip.is_some_and(|(s, e)| s <= k && k < e) || QUOTES.contains(&t.text) {
            continue;
        }
        if t.kind != TokKind::Word {
            return None;
        }
        items.push((k, t.text.to_lowercase()));
    }
    if items.is_empty() || items.len() > 10 {
        return None;
    }
    // "its decision to suspend X": the decision presupposes the act.
    let mut helped = false; // an auxiliary, modal or "to" came before the verb
    if let Some(p) = items
        .windows(2)
        .position(|w| w[0].1 == "decision" && w[1].1 == "to")
    {
        items.drain(..p + 2);
        helped = true;
    }
    let mut p = Phrase::default();
    let mut rel: Vec<String> = Vec::new();
    let mut text: Vec<&str> = Vec::new();
    let mut seen_verb = false;
    let mut be = false;
    let mut nouns = 0;
    let mut k = 0;
    if items.first().map(|x| x.1.as_str()) == Some("to") {
        p.to_clause = true;
        helped = true;
        k = 1;
        if !items.get(1).is_some_and(|w| is_verb(lex, &w.1)) {
            return None;
        }
    }
    while k < items.len() {
        let (ti, ref w) = items[k];
        let w = w.as_str();
        let raw = toks[ti].text;
        let next = items.get(k + 1).map(|x| x.1.as_str());
        k += 1;
        if lex.is(w, "stop") || lex.is(w, "pron") || w.chars().any(|c| c.is_ascii_digit()) {
            return None;
        }
        if matches!(
            w,
            "after" | "before" | "during" | "since" | "than" | "as" | "like" | "because"
        ) || lex.weekdays.contains_key(w)
            || lex.months.contains_key(w)
        {
            return None;
        }
        if lex.is(w, "neg") {
            p.negative = true;
            text.push(raw);
            continue;
        }
        if lex.is(w, "modal") {
            if seen_verb {
                return None;
            }
            p.modal = Some(w.to_string());
            helped = true;
            text.push(raw);
            continue;
        }
        if (w.ends_with("ly") && !seen_verb) || (lex.is(w, "adv") && !lex.is(w, "prep")) {
            continue;
        }
        if lex.is(w, "det") {
            if !seen_verb {
                return None;
            }
            text.push(raw);
            continue;
        }
        if lex.is(w, "aux") && !seen_verb {
            if matches!(
                w,
                "is" | "are" | "was" | "were" | "been" | "be" | "being" | "am"
            ) {
                be = true;
            }
            helped = true;
            text.push(raw);
            continue;
        }
        if !seen_verb {
            let known = lex
                .verb(w)
                .or_else(|| (helped && lex.lemmas.contains(w)).then(|| (w.to_string(), "VB")));
            let Some((l, tag)) = known else {
                // "is ready to help": a predicate adjective before "to".
                if be && next == Some("to") && !lex.is_function(w) {
                    seen_verb = true;
                    p.verb_at = ti;
                    rel.push("be".into());
                    rel.push(w.to_string());
                    p.head = w.to_string();
                    text.push(raw);
                    continue;
                }
                return None;
            };
            if lex.is(w, "prep") || (matches!(tag, "VB" | "VBP") && !helped) {
                // A bare verb form right after a name is a noun ("US support") or a subjunctive.
                return None;
            }
            seen_verb = true;
            p.verb_at = ti;
            text.push(raw);
            p.head = l.clone();
            // "remains imprisoned in": remain works like "be".
            if l == "remain" && next.is_some_and(|n| is_participle(lex, n)) {
                be = true;
                seen_verb = false;
                rel.clear();
                continue;
            }
            if be && is_participle(lex, w) && !w.ends_with("ing") {
                rel.push("be".into());
                rel.push(w.to_string());
            } else {
                rel.push(l);
            }
            // "continue to support": the aspect verb adds nothing.
            if lex.is(&p.head, "aspect") && next == Some("to") {
                rel.clear();
                k += 1;
                seen_verb = false;
                be = false;
            }
            continue;
        }
        text.push(raw);
        if lex.is(w, "prep") {
            rel.push(w.to_string());
            continue;
        }
        if rel.last().map(String::as_str) == Some("to") && is_verb(lex, w) {
            rel.push(lemma(lex, w));
            continue;
        }
        // Modifiers inside a noun phrase: "a planned follow-up meeting".
        if w.contains('-') || (is_participle(lex, w) && next.is_some_and(|n| !lex.is_function(n))) {
            continue;
        }
        nouns += 1;
        if nouns > 2 || lex.is_function(w) {
            return None;
        }
        rel.push(w.to_string());
    }
    if !seen_verb {
        return None;
    }
    if rel.len() >= 2
        && rel[0] == "be"
        && rel.last().map(String::as_str) == Some("by")
        && is_participle(lex, &rel[1])
    {
        p.passive_by = true;
        rel = vec![lemma(lex, &rel[1])];
    }
    // "acquired the Canadian start-up X": nouns after the last article describe the object.
    if let Some(last_det) = items.iter().rposition(|(_, w)| lex.is(w, "det")) {
        let det_count = items.iter().filter(|(_, w)| lex.is(w, "det")).count();
        let tail = &items[last_det + 1..];
        let descriptive = det_count == 1
            && !tail.is_empty()
            && tail
                .iter()
                .all(|(_, w)| !lex.is_function(w) && !is_verb(lex, w) || w.contains('-'));
        if descriptive && !lex.is(&p.head, "clause") {
            let drop = tail.iter().filter(|(_, w)| rel.last() == Some(w)).count();
            let keep = rel.len().saturating_sub(tail.len().min(rel.len()));
            let _ = drop;
            rel.truncate(keep.max(1));
            nouns = 0;
        }
    }
    // A phrase ends in a verb or a preposition, never a noun ("told his counterpart").
    let last = rel.last()?;
    let ends_ok = lex.is(last, "prep") || rel.len() == 1 || (rel.len() == 2 && rel[0] == "be");
    if !(ends_ok || rel.len() >= 2 && rel[rel.len() - 2] == "to") {
        return None;
    }
    // "made about": a light verb needs its noun.
    if lex.is(&p.head, "light") && nouns == 0 {
        return None;
    }
    if p.to_clause {
        rel.insert(0, "to".into());
    }
    p.relation = normalize_relation(&rel.join(" "));
    // "met on the sidelines of X": a symmetric event with a circumstance, not a relation to X.
    let sym = |r: &str| is_symmetric(r) || is_symmetric(&format!("{r} with"));
    if sym(&p.head) && !is_symmetric(&p.relation) && !p.to_clause {
        return None;
    }
    p.locative = matches!(
        rel.last().map(String::as_str),
        Some("in" | "at" | "to" | "from" | "into" | "near")
    );
    p.text = text.join(" ");
    if p.relation.is_empty() {
        return None;
    }
    Some(p)
}

/// True if a negated verb with a "that" complement comes before token `at`.
/// For each token: whether a negated verb with a "that" complement comes before it.
fn denied_from(words: &[String]) -> Vec<bool> {
    let lex = lexicon();
    let mut out = Vec::with_capacity(words.len());
    let mut denied = false;
    for (i, w) in words.iter().enumerate() {
        out.push(denied);
        if w == "that" && (i.saturating_sub(4)..i).any(|j| lex.is(&words[j], "neg")) {
            denied = true;
        }
    }
    out
}

const QUOTES: &[&str] = &["“", "”", "\"", "‘", "’", "'"];

fn lower(t: &Token) -> String {
    t.text.to_lowercase()
}

/// Qualifiers that hold for the whole sentence: time, place, duration.
fn sentence_qualifiers(
    toks: &[Token],
    words: &[String],
    ms: &[Mention],
    reg: &Registry,
    published: Option<Date>,
) -> Qualifiers {
    let mut q = Qualifiers::new();
    let wr: Vec<&str> = words.iter().map(String::as_str).collect();
    let sub = |i: usize| {
        (i.saturating_sub(3)..i)
            .any(|j| matches!(wr[j], "since" | "before" | "after" | "until" | "ago"))
    };
    let mut i = 0;
    while i < wr.len() {
        if !q.contains_key("time")
            && !sub(i)
            && let Some((v, n)) = resolve_at(&wr, i, published)
        {
            q.insert("time".into(), v);
            i += n;
            continue;
        }
        if !q.contains_key("duration") {
            let mut j = i;
            if matches!(wr[j], "for" | "lasted") {
                j += 1;
                let s = j;
                while j < wr.len()
                    && matches!(
                        wr[j],
                        "about"
                            | "roughly"
                            | "around"
                            | "nearly"
                            | "almost"
                            | "some"
                            | "over"
                            | "less"
                            | "more"
                            | "than"
                            | "just"
                            | "only"
                    )
                {
                    j += 1;
                }
                let is_num = |w: &str| w.parse::<f64>().is_ok() || NUMBER_WORDS.contains(&w);
                if j + 1 < wr.len()
                    && is_num(wr[j])
                    && matches!(
                        wr[j + 1].trim_end_matches('s'),
                        "second" | "minute" | "hour" | "day" | "week" | "month" | "year"
                    )
                {
                    let text = toks[s..j + 2]
                        .iter()
                        .map(|t| t.text)
                        .collect::<Vec<_>>()
                        .join(" ");
                    q.insert("duration".into(), text);
                    i = j + 2;
                    continue;
                }
            }
        }
        i += 1;
    }
    // Place: "in/at <place>" outside subordinate clauses.
    for m in ms {
        if m.start == 0 || m.pseudo || reg.entities[m.entity].kind != EntityKind::Place {
            continue;
        }
        let prev = wr[m.start - 1];
        if matches!(prev, "in" | "at")
            && !sub(m.start - 1)
            && !(m.start >= 2
                && matches!(
                    wr[m.start - 2],
                    "war" | "conflict" | "invasion" | "support" | "fighting" | "crisis"
                ))
        {
            q.insert("place".into(), reg.entities[m.entity].name.clone());
            break;
        }
    }
    q
}

const NUMBER_WORDS: &[&str] = &[
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
    "twelve", "fifteen", "twenty", "thirty", "forty", "fifty", "a", "an", "several", "few",
];

/// The speaker of reported speech in the sentence, and the token index after which it applies.
fn speaker(
    text: &str,
    toks: &[Token],
    words: &[String],
    ms: &[Mention],
    reg: &Registry,
) -> Option<(String, usize, bool)> {
    let lex = lexicon();
    // "according to X".
    if let Some(p) = words
        .windows(2)
        .position(|w| w[0] == "according" && w[1] == "to")
    {
        if let Some(m) = ms.iter().find(|m| m.start == p + 2)
            && toks.get(m.end).is_none_or(|t| t.kind != TokKind::Word)
        {
            return Some((reg.entities[m.entity].name.clone(), 0, true));
        }
        let np: Vec<&str> = toks[p + 2..]
            .iter()
            .take_while(|t| t.kind == TokKind::Word)
            .map(|t| t.text)
            .skip_while(|w| matches!(w.to_lowercase().as_str(), "the" | "a" | "an" | "both"))
            .collect();
        if !np.is_empty() && np.len() <= 6 {
            return Some((np.join(" "), 0, true));
        }
    }
    for (i, w) in words.iter().enumerate() {
        let Some((l, _)) = lex.verb(w) else { continue };
        if !lex.is(&l, "speech") || l == "warn" || l == "suggest" {
            continue;
        }
        // Skip adverbs between speaker and verb ("Blinken also said").
        let mut j = i;
        while j > 0 && (lex.is(&words[j - 1], "adv") || words[j - 1].ends_with("ly")) {
            j -= 1;
        }
        if j == 0 {
            continue;
        }
        let trailing = toks[..j].iter().any(|t| matches!(t.text, "”" | "\"" | ","));
        let all = trailing && ms.iter().any(|m| m.end == j);
        if let Some(m) = ms.iter().find(|m| m.end == j) {
            let who = reg.entities[m.entity].name.clone();
            return Some((
                who,
                if all
                    && toks[..m.start]
                        .iter()
                        .any(|t| matches!(t.text, "”" | "\"" | ","))
                {
                    0
                } else {
                    i
                },
                all,
            ));
        }
        // "A senior State Department official said".
        if matches!(
            words[j - 1].as_str(),
            "official"
                | "officials"
                | "spokesman"
                | "spokeswoman"
                | "spokesperson"
                | "ministry"
                | "sources"
                | "source"
        ) {
            let mut s = j - 1;
            while s > 0
                && toks[s - 1].kind == TokKind::Word
                && !lex.is(&words[s - 1], "det")
                && !lex.is(&words[s - 1], "stop")
                && j - s < 5
            {
                s -= 1;
            }
            return Some((span_text(text, toks, s, j), i, false));
        }
    }
    None
}

/// Reads the facts of one sentence.
pub fn read_sentence(
    text: &str,
    toks: &[Token],
    ms: &[Mention],
    reg: &Registry,
    published: Option<Date>,
) -> Vec<RawFact> {
    let lex = lexicon();
    let mut out: Vec<(RawFact, usize)> = Vec::new();
    let push = |out: &mut Vec<(RawFact, usize)>,
                s: usize,
                rel: &str,
                rel_text: &str,
                o: Obj,
                neg: bool,
                at: usize,
                conf: f32| {
        if let Obj::Entity(e) = o
            && e == s
        {
            return;
        }
        out.push((
            RawFact {
                subject: s,
                relation: normalize_relation(rel),
                relation_text: rel_text.to_string(),
                object: o,
                polarity: if neg {
                    Polarity::Negative
                } else {
                    Polarity::Positive
                },
                qualifiers: Qualifiers::new(),
                confidence: conf,
            },
            at,
        ));
    };
    let kind = |m: &Mention| reg.entities[m.entity].kind;
    let words: Vec<String> = toks.iter().map(lower).collect();
    let denied = denied_from(&words);
    // Roles and employers.
    for m in ms.iter().filter(|m| !m.pseudo) {
        if let Some(r) = &m.role {
            push(
                &mut out,
                m.entity,
                "hold role",
                "",
                Obj::Lit(Literal::Text(r.clone())),
                false,
                m.start,
                0.7,
            );
        }
        if let Some(e) = m.employer {
            push(
                &mut out,
                m.entity,
                "work for",
                "",
                Obj::Entity(e),
                false,
                m.start,
                0.6,
            );
        }
        // Appositive: "X, a Michigan security chief, ...".
        if kind(m) == EntityKind::Person
            && toks.get(m.end).is_some_and(|t| t.text == ",")
            && toks
                .get(m.end + 1)
                .is_some_and(|t| matches!(t.text.to_lowercase().as_str(), "a" | "an" | "the"))
        {
            let s = m.end + 2;
            let mut e = s;
            while e < toks.len() && toks[e].kind == TokKind::Word && e - s < 6 {
                e += 1;
            }
            let closes = e == toks.len() || matches!(toks[e].text, "," | "." | ";");
            let head = e
                .checked_sub(1)
                .map(|h| lower(&toks[h]))
                .unwrap_or_default();
            let clean = toks[s..e].iter().all(|t| {
                let l = lower(t);
                !lex.is_function(&l) && lex.verb(&l).is_none_or(|(_, tag)| tag == "VBN")
            });
            if e > s && closes && clean && lex.role_heads.contains(head.as_str()) {
                push(
                    &mut out,
                    m.entity,
                    "hold role",
                    "",
                    Obj::Lit(Literal::Text(span_text(text, toks, s, e))),
                    false,
                    m.start,
                    0.6,
                );
            }
        }
    }
    // "Dupont's lawyer, Marc Leroy,": a role given just before the name.
    for m in ms
        .iter()
        .filter(|m| !m.pseudo && kind(m) == EntityKind::Person && m.role.is_none())
    {
        if m.start >= 3
            && toks[m.start - 1].text == ","
            && lex.role_heads.contains(lower(&toks[m.start - 2]).as_str())
            && toks[m.start - 3].kind == TokKind::Possessive
        {
            push(
                &mut out,
                m.entity,
                "hold role",
                "",
                Obj::Lit(Literal::Text(lower(&toks[m.start - 2]))),
                false,
                m.start,
                0.6,
            );
        }
    }
    // "Jane Doe, CNN, London": a reporter's sign-off names the employer.
    for w in ms.windows(2) {
        let (a, b) = (&w[0], &w[1]);
        if !a.pseudo
            && !b.pseudo
            && b.start == a.end + 1
            && toks[a.end].text == ","
            && kind(a) == EntityKind::Person
            && kind(b) == EntityKind::Organization
            && toks.get(b.end).is_some_and(|t| matches!(t.text, "," | "."))
        {
            push(
                &mut out,
                a.entity,
                "work for",
                ",",
                Obj::Entity(b.entity),
                false,
                a.start,
                0.6,
            );
        }
    }
    // "Geneva, Switzerland".
    for w in ms.windows(2) {
        let (a, b) = (&w[0], &w[1]);
        if !a.pseudo
            && !b.pseudo
            && b.start == a.end + 1
            && toks[a.end].text == ","
            && matches!(kind(a), EntityKind::Place | EntityKind::Other)
            && kind(b) == EntityKind::Place
            && lex
                .country(
                    &crate::model::normalize_name(&reg.entities[b.entity].name),
                    false,
                )
                .is_some()
            && lex
                .country(
                    &crate::model::normalize_name(&reg.entities[a.entity].name),
                    false,
                )
                .is_none()
        {
            push(
                &mut out,
                a.entity,
                "be located in",
                ",",
                Obj::Entity(b.entity),
                false,
                a.start,
                0.7,
            );
        }
    }
    // Subject–verb–object between neighbours.
    let actor = |m: &Mention| m.capital_of.unwrap_or(m.entity);
    let mut last_directive: Option<(Vec<usize>, usize, String)> = None; // subjects, object mention idx, text
    let is_modifier = |m: &Mention| {
        // "US support for", "Russia's participation in": the name modifies a noun.
        // A treaty or plan is followed by its own kind ("New START nuclear treaty").
        reg.entities[m.entity].kind != EntityKind::Work
            && toks.get(m.end).is_some_and(|t| {
                let l = lower(t);
                t.kind == TokKind::Word
                    && t.text.chars().next().is_some_and(char::is_lowercase)
                    && !lex.is_function(&l)
                    && !l.ends_with("ly")
                    && !matches!(
                        l.as_str(),
                        "last"
                            | "next"
                            | "this"
                            | "earlier"
                            | "later"
                            | "ago"
                            | "yesterday"
                            | "today"
                            | "tomorrow"
                    )
                    && !lex
                        .verb(&l)
                        .is_some_and(|(_, tag)| matches!(tag, "VBD" | "VBZ" | "VBN" | "MD"))
            })
    };
    let vague = |m: &Mention| {
        // A lone capitalized word of unknown kind, unless it is "the X" ("the West").
        let e = &reg.entities[m.entity];
        let the = m.start > 0 && lower(&toks[m.start - 1]) == "the";
        e.kind == EntityKind::Other && !e.name.contains(' ') && !the
    };
    for idx in 0..ms.len().saturating_sub(1) {
        let sm = &ms[idx];
        let mut oi = idx + 1;
        let mut skip = None;
        // "relations between Washington and Moscow": a name after a preposition is no subject.
        let mut head = idx;
        while head > 0
            && toks[ms[head - 1].end..ms[head].start]
                .iter()
                .map(|t| t.text)
                .eq(["and"])
        {
            head -= 1;
        }
        let relative = toks.get(sm.end).is_some_and(|t| t.text == ",")
            && toks
                .get(sm.end + 1)
                .is_some_and(|t| matches!(lower(t).as_str(), "which" | "who"));
        let governed =
            !relative && ms[head].start > 0 && lex.is(&lower(&toks[ms[head].start - 1]), "prep");
        // "did not mention that he spoke with X": nothing after a denied "that" is asserted.
        if denied.get(ms[head].start).copied().unwrap_or(false) {
            continue;
        }
        if ms[oi].start < sm.end || vague(sm) || sm.possessive || is_modifier(sm) || governed {
            continue;
        }
        let event_noun = toks
            .get(ms[oi].end)
            .is_some_and(|t| lex.is(&lower(t), "event"));
        if is_modifier(&ms[oi]) && !event_noun {
            if oi + 1 >= ms.len() {
                continue;
            }
            skip = Some((ms[oi].start, ms[oi].end));
            oi += 1;
        }
        let om = &ms[oi];
        if vague(om) {
            last_directive = None;
            continue;
        }
        let between: Vec<&str> = toks[sm.end..om.start].iter().map(|t| t.text).collect();
        if between == ["and"] {
            continue;
        }
        let Some(p) = parse_phrase(toks, sm.end, om.start, skip) else {
            last_directive = None;
            continue;
        };
        // Subjects: the mention, and any mentions coordinated with it ("A and B urged C").
        let mut subjects = vec![actor(sm)];
        let mut c = idx;
        while c > 0
            && toks[ms[c - 1].end..ms[c].start]
                .iter()
                .map(|t| t.text)
                .eq(["and"])
        {
            subjects.push(actor(&ms[c - 1]));
            c -= 1;
        }
        let object = if p.locative { om.entity } else { actor(om) };
        let obj_index = oi;
        let conf = if sm.pseudo { 0.5 } else { 0.6 };
        if p.to_clause {
            if let Some((subs, directed, dtext)) = last_directive.take()
                && directed == idx
            {
                let verb = p
                    .relation
                    .trim_start_matches("to ")
                    .split_whitespace()
                    .next()
                    .unwrap_or("")
                    .to_string();
                for s in subs {
                    push(
                        &mut out,
                        s,
                        &format!("urge {verb} of"),
                        &format!("{dtext} ... {}", p.text),
                        Obj::Entity(object),
                        p.negative,
                        p.verb_at,
                        conf,
                    );
                }
            }
            continue;
        }
        last_directive = None;
        if let Some(m) = &p.modal {
            if m == "should" && kind(sm) != EntityKind::Other {
                // "X told Y that Russia should release Z": X urges it.
                if let Some(sp) = ms[..idx]
                    .iter()
                    .find(|x| kind(x) == EntityKind::Person && x.entity != sm.entity)
                {
                    let verb = p
                        .relation
                        .split_whitespace()
                        .next()
                        .unwrap_or("")
                        .to_string();
                    push(
                        &mut out,
                        sp.entity,
                        &format!("urge {verb} of"),
                        &format!("should {}", p.text),
                        Obj::Entity(object),
                        p.negative,
                        p.verb_at,
                        0.5,
                    );
                }
            }
            continue;
        }
        if lex.is(&p.head, "clause")
            && !matches!(p.head.as_str(), "warn" | "tell")
            && p.relation.split_whitespace().count() == 1
        {
            continue;
        }
        // "met in Geneva": the place of a symmetric event, not an object.
        let base = p
            .relation
            .trim_end_matches(|c: char| c.is_alphabetic())
            .trim_end();
        if p.locative
            && kind(om) == EntityKind::Place
            && (is_symmetric(base) || is_symmetric(&format!("{base} with")))
        {
            continue;
        }
        if p.passive_by {
            for s in &subjects {
                push(
                    &mut out,
                    object,
                    &p.relation,
                    &p.text,
                    Obj::Entity(*s),
                    p.negative,
                    p.verb_at,
                    conf,
                );
            }
            continue;
        }
        for s in &subjects {
            push(
                &mut out,
                *s,
                &p.relation,
                &p.text,
                Obj::Entity(object),
                p.negative,
                p.verb_at,
                conf,
            );
        }
        let head_with = |h: &str| lex.directives.contains(h);
        let two = p
            .relation
            .split_whitespace()
            .take(2)
            .collect::<Vec<_>>()
            .join(" ");
        if head_with(&p.head) || head_with(&two) {
            last_directive = Some((subjects.clone(), obj_index, p.text.clone()));
        }
    }
    // Coordination with a symmetric verb: "A and B met", "the two spoke".
    let mut pairs: Vec<(usize, usize, usize)> = Vec::new(); // a, b, token after
    for idx in 1..ms.len() {
        let (a, b) = (&ms[idx - 1], &ms[idx]);
        if toks[a.end..b.start].iter().map(|t| t.text).eq(["and"])
            && kind(a) == EntityKind::Person
            && kind(b) == EntityKind::Person
        {
            pairs.push((a.entity, b.entity, b.end));
        }
    }
    for i in 0..toks.len().saturating_sub(1) {
        if lower(&toks[i]) == "the" && lower(&toks[i + 1]) == "two" && reg.recent_persons.len() >= 2
        {
            let n = reg.recent_persons.len();
            let mut after = i + 2;
            if toks.get(after).is_some_and(|t| {
                matches!(
                    lower(t).as_str(),
                    "men" | "women" | "leaders" | "ministers" | "diplomats" | "officials"
                )
            }) {
                after += 1;
            }
            pairs.push((reg.recent_persons[n - 2], reg.recent_persons[n - 1], after));
        }
    }
    for (a, b, from) in pairs {
        let mut neg = false;
        for j in from..toks.len().min(from + 18) {
            let w = lower(&toks[j]);
            if toks[j].kind != TokKind::Word && toks[j].text != "," {
                break;
            }
            if lex.is(&w, "neg") {
                neg = true;
                continue;
            }
            if lex.is(&w, "modal")
                || lex.is(&w, "pron") && w != "each"
                || lex.is(&w, "stop") && w != "but"
            {
                break;
            }
            if lex.is(&w, "aux")
                || lex.is(&w, "adv")
                || w.ends_with("ly")
                || toks[j].text == ","
                || w == "but"
            {
                continue;
            }
            if lex.verb(&w).is_none() {
                continue;
            }
            let l = lemma(lex, &w);
            let next = toks.get(j + 1).map(lower).unwrap_or_default();
            let light = normalize_relation(&format!("{l} {next} with"));
            let rel = if is_symmetric(&l) {
                l.clone()
            } else if is_symmetric(&format!("{l} with")) {
                format!("{l} with")
            } else if is_symmetric(&light) {
                // "held talks": a light verb with its noun.
                light
            } else {
                continue;
            };
            // Negation counts only right before the verb ("had not spoken").
            neg = neg && (j.saturating_sub(3)..j).any(|x| lex.is(&lower(&toks[x]), "neg"));
            let (s, o) = if a <= b { (a, b) } else { (b, a) };
            push(&mut out, s, &rel, toks[j].text, Obj::Entity(o), neg, j, 0.6);
            break;
        }
    }
    // Qualifiers.
    let q = sentence_qualifiers(toks, &words, ms, reg, published);
    let sp = speaker(text, toks, &words, ms, reg);
    out.into_iter()
        .map(|(mut f, at)| {
            if !STATIC.contains(&f.relation.as_str()) {
                for (k, v) in &q {
                    let is_obj = matches!(&f.object, Obj::Entity(e) if reg.entities[*e].name == *v);
                    if !(k == "place" && is_obj) {
                        f.qualifiers.insert(k.clone(), v.clone());
                    }
                }
                if let Some((who, after, _)) = &sp
                    && at >= *after
                    && !(f.relation == "say"
                        || f.relation == "tell" && reg.entities[f.subject].name == *who)
                {
                    f.qualifiers.insert("attribution".into(), who.clone());
                }
            }
            if is_symmetric(&f.relation)
                && let Obj::Entity(o) = f.object
                && o < f.subject
            {
                f.object = Obj::Entity(f.subject);
                f.subject = o;
            }
            f
        })
        .collect()
}

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
//!   speaker in the `attribution` qualifier;
//! * listed objects: "served under A, B and C" gives one fact per name of the
//!   same sort;
//! * custody: "urged Caracas to release detained Spaniard X" gives "X be
//!   detained in" the country asked;
//! * groups: "members of X, including host A, B and C" gives "be member of X"
//!   for each and "A host X";
//! * a light verb's noun before the subject ("the complaints X had made about
//!   Y") and relative clauses closed by their verb ("the X treaty that it
//!   withdrew from").
//!
//! Time, place and duration qualifiers go to the facts of their own clause,
//! the nearest of each kind. Clauses end at "; ", "—", "but", relative
//! pronouns and the subordinators "when", "since", "before", "after",
//! "until": a time in "since the war began a year ago" or "two days before X
//! invaded on 24 February" dates nothing outside its phrase, but "since last
//! summer, when X spoke with Y" dates the "when" clause. "At that meeting, ..."
//! takes the time and place of the sentence before. A fact told as another
//! occasion than the article's own event ("the last time they met was ...",
//! "spoke last July", a "when" clause after "since") is marked so, and the
//! article-level pass (`share_event_qualifiers`, `keep_occasions_apart` in
//! the parent module) keeps it apart from that event.

use super::entities::{Mention, Registry, listed_on, span_text};
use super::lexicon::{Lexicon, lexicon};
use super::sentences::{TokKind, Token};
use super::time::{Date, expression_at};
use super::{is_symmetric, normalize_relation};
use crate::model::{EntityKind, Literal, Polarity, Qualifiers};
use std::collections::BTreeMap;

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
    /// The clause tells of another occasion than the article's own event
    /// ("the last time they met was ...", "spoke last July", "since last
    /// summer, when ..."), whether or not its time could be resolved.
    pub other_occasion: bool,
}

/// When and where the events of a sentence happened, as a following
/// "At that meeting, ..." or "In that conversation, ..." refers to them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Occasion {
    /// ISO time, if resolved.
    pub time: Option<String>,
    /// Place name.
    pub place: Option<String>,
    /// Another occasion than the article's own event.
    pub past: bool,
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
    gap: Option<&str>,
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
    // "pointed out that BP was": the name after "that" starts a clause.
    if items.last().is_some_and(|(_, w)| w == "that") {
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
    // "appealed to all members of the X": the members stand for the group.
    if let Some(m) = items
        .windows(2)
        .position(|w| lex.is(&w[0].1, "member") && w[1].1 == "of")
    {
        let mut s = m;
        while s > 0 && (lex.is(&items[s - 1].1, "det") || lex.is(&items[s - 1].1, "quant")) {
            s -= 1;
        }
        if s > 0 && lex.is(&items[s - 1].1, "prep") {
            items.drain(s..m + 2);
        }
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
            && tail.iter().all(|(_, w)| {
                !lex.is_function(w) && (!is_verb(lex, w) || is_participle(lex, w))
                    || w.contains('-')
            });
        if descriptive && !lex.is(&p.head, "clause") {
            // Only the tail words the phrase kept (modifiers were skipped) come off.
            let kept = tail
                .iter()
                .filter(|(_, w)| rel.contains(w) || rel.contains(&lemma(lex, w)))
                .count();
            rel.truncate(rel.len().saturating_sub(kept).max(1));
            nouns = 0;
        }
    }
    // A phrase ends in a verb or a preposition, never a noun ("told his counterpart").
    let last = rel.last()?;
    let ends_ok = lex.is(last, "prep") || rel.len() == 1 || (rel.len() == 2 && rel[0] == "be");
    if !(ends_ok || rel.len() >= 2 && rel[rel.len() - 2] == "to") {
        return None;
    }
    // "made about": a light verb needs its noun, which may stand before the
    // subject ("the complaints X had made about Y").
    if lex.is(&p.head, "light") && nouns == 0 {
        let gap = gap?;
        let at = rel.iter().position(|w| *w == p.head)?;
        rel.insert(at + 1, gap.to_string());
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

/// A qualifier read in a sentence, at the token where it holds.
#[derive(Clone, Debug)]
struct Qual {
    key: &'static str,
    /// `None` only for a time the article date cannot fix ("last summer" undated).
    value: Option<String>,
    at: usize,
    /// A time of another occasion than the article's own event.
    past: bool,
}

/// Qualifiers of the sentence (time, place, duration), each with the token it
/// was read at: they hold for the facts of the same clause. `prev` is the
/// occasion of the sentence before, which "At that meeting, ..." takes up.
fn sentence_qualifiers(
    toks: &[Token],
    words: &[String],
    ms: &[Mention],
    reg: &Registry,
    published: Option<Date>,
    prev: Option<&Occasion>,
) -> Vec<Qual> {
    let lex = lexicon();
    let mut q: Vec<Qual> = Vec::new();
    let wr: Vec<&str> = words.iter().map(String::as_str).collect();
    let sub = |i: usize| {
        (i.saturating_sub(3)..i)
            .any(|j| matches!(wr[j], "since" | "before" | "after" | "until" | "ago"))
    };
    // "At that meeting, Okafor warned ...", "In that “frank and direct
    // conversation,” ...": the time and place of the occasion just told.
    if let Some(o) = prev
        && wr.len() > 2
        && matches!(wr[0], "at" | "in" | "during")
        && wr[1] == "that"
        && let Some(at) = (2..wr.len().min(8))
            .take_while(|&k| toks[k].kind == TokKind::Word || QUOTES.contains(&toks[k].text))
            .find(|&k| lex.is(wr[k], "event") || lex.is(wr[k], "occasion"))
    {
        if o.time.is_some() || o.past {
            q.push(Qual {
                key: "time",
                value: o.time.clone(),
                at,
                past: o.past,
            });
        }
        if let Some(p) = &o.place {
            q.push(Qual {
                key: "place",
                value: Some(p.clone()),
                at,
                past: o.past,
            });
        }
    }
    let mut i = 0;
    while i < wr.len() {
        if let Some(e) = expression_at(&wr, i, published) {
            let subordinate = sub(i);
            let after = i + e.len;
            // "since last summer, when Okafor spoke with ...": the "when" clause
            // happened at the time it hangs on, even one in a "since" phrase.
            if wr.get(after) == Some(&",") && wr.get(after + 1) == Some(&"when") {
                q.push(Qual {
                    key: "time",
                    value: e.value.clone(),
                    at: after + 2,
                    past: e.past || subordinate,
                });
            }
            // A "since"/"before" phrase dates something else than its clause.
            if !subordinate && (e.value.is_some() || e.past) {
                q.push(Qual {
                    key: "time",
                    value: e.value,
                    at: i,
                    past: e.past,
                });
            }
            i = after;
            continue;
        }
        {
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
                // "set for just two days before X": a distance in time, not a duration.
                let relative = wr.get(j + 2).is_some_and(|w| {
                    matches!(*w, "before" | "after" | "ago" | "earlier" | "later")
                });
                if j + 1 < wr.len()
                    && is_num(wr[j])
                    && matches!(
                        wr[j + 1].trim_end_matches('s'),
                        "second" | "minute" | "hour" | "day" | "week" | "month" | "year"
                    )
                    && !relative
                {
                    let text = toks[s..j + 2]
                        .iter()
                        .map(|t| t.text)
                        .collect::<Vec<_>>()
                        .join(" ");
                    q.push(Qual {
                        key: "duration",
                        value: Some(text),
                        at: i,
                        past: false,
                    });
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
            q.push(Qual {
                key: "place",
                value: Some(reg.entities[m.entity].name.clone()),
                at: m.start,
                past: false,
            });
        }
    }
    q
}

/// The occasion a sentence tells of, for a following "At that meeting": its
/// first time outside subordinate phrases, with the place of the same clause.
fn sentence_occasion(words: &[String], q: &[Qual]) -> Option<Occasion> {
    let t = q.iter().find(|x| x.key == "time")?;
    let place = q
        .iter()
        .find(|x| x.key == "place" && !across_clauses(words, t.at, x.at))
        .and_then(|x| x.value.clone());
    Some(Occasion {
        time: t.value.clone(),
        place,
        past: t.past,
    })
}

/// True if a clause boundary ("; ", "but", "while", a relative pronoun, a
/// subordinating "when", "since", "before", "after", "until") lies between
/// tokens `a` and `b`.
fn across_clauses(words: &[String], a: usize, b: usize) -> bool {
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    words.get(lo..hi.min(words.len())).is_some_and(|ws| {
        ws.iter().any(|w| {
            matches!(
                w.as_str(),
                ";" | "—"
                    | "but"
                    | "while"
                    | "whereas"
                    | "although"
                    | "who"
                    | "whom"
                    | "which"
                    | "when"
                    | "since"
                    | "before"
                    | "after"
                    | "until"
            )
        })
    })
}

/// True if the reported speech of a verb at token `verb` (0: the whole
/// sentence) ends before token `at`: a "; " or ", but" starts a clause of the
/// narrator's ("He said X, but he accused Y").
fn speech_ends_between(words: &[String], verb: usize, at: usize) -> bool {
    verb > 0
        && words.get(verb..at).is_some_and(|ws| {
            ws.iter().any(|w| w == ";") || ws.windows(2).any(|w| w[0] == "," && w[1] == "but")
        })
}

/// "The last time they met was ...", "when they last spoke": the fact at
/// token `at` is told as an earlier occasion, whatever time its clause gives.
fn told_as_last_time(words: &[String], at: usize) -> bool {
    if at > 0 && words[at - 1] == "last" {
        return true;
    }
    let lo = (0..at)
        .rev()
        .find(|&k| across_clauses(words, k, k + 1))
        .map_or(0, |k| k + 1);
    words[lo..at]
        .windows(2)
        .any(|w| matches!(w[0].as_str(), "last" | "previous") && w[1] == "time")
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
        // Skip adverbs between speaker and verb ("Okafor also said").
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
    prev: Option<&Occasion>,
) -> (Vec<RawFact>, Option<Occasion>) {
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
                other_occasion: false,
            },
            at,
        ));
    };
    // Without a name in the sentence only "the two ..." can give a fact.
    let words: Vec<String> = toks.iter().map(lower).collect();
    if ms.is_empty()
        && (reg.recent_persons.len() < 2
            || !toks.iter().any(|t| t.text.eq_ignore_ascii_case("two")))
    {
        let q = sentence_qualifiers(toks, &words, ms, reg, published, prev);
        return (Vec::new(), sentence_occasion(&words, &q));
    }
    let kind = |m: &Mention| reg.entities[m.entity].kind;
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
    for (i, w) in ms.windows(2).enumerate() {
        let (a, b) = (&w[0], &w[1]);
        if !a.pseudo
            && !listed_on(toks, ms, i + 1)
            && !b.pseudo
            && b.start == a.end + 1
            && toks[a.end].text == ","
            && matches!(kind(a), EntityKind::Place | EntityKind::Other)
            && kind(b) == EntityKind::Place
            && !b.possessive
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
        // "Brazil's support for", "Kenya's participation in": the name modifies a noun.
        // A treaty or plan is followed by its own kind ("Ottawa land mine treaty").
        reg.entities[m.entity].kind != EntityKind::Work
            && toks.get(m.end).is_some_and(|t| {
                let l = &words[m.end];
                t.kind == TokKind::Word
                    && t.text.chars().next().is_some_and(char::is_lowercase)
                    && !lex.is_function(l)
                    && !lex.is(l, "group")
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
                        .verb(l)
                        .is_some_and(|(_, tag)| matches!(tag, "VBD" | "VBZ" | "VBN" | "MD"))
            })
    };
    let vague = |m: &Mention| {
        // A lone capitalized word of unknown kind, unless it is "the X" ("the West").
        let e = &reg.entities[m.entity];
        let the = m.start > 0 && words[m.start - 1] == "the";
        e.kind == EntityKind::Other && !e.name.contains(' ') && !the
    };
    for idx in 0..ms.len().saturating_sub(1) {
        let sm = &ms[idx];
        let mut oi = idx + 1;
        let mut skip = None;
        // "relations between Ottawa and Lima": a name after a preposition is no subject.
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
            && words
                .get(sm.end + 1)
                .is_some_and(|t| matches!(t.as_str(), "which" | "who"));
        let governed =
            !relative && ms[head].start > 0 && lex.is(&words[ms[head].start - 1], "prep");
        // "did not mention that he spoke with X": nothing after a denied "that" is asserted.
        if denied.get(ms[head].start).copied().unwrap_or(false) {
            continue;
        }
        if ms[oi].start < sm.end || vague(sm) || sm.possessive || is_modifier(sm) || governed {
            continue;
        }
        let event_noun = words.get(ms[oi].end).is_some_and(|t| lex.is(t, "event"));
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
        // "complaints X had made about": a plural noun before the subject may be
        // the object a light verb lacks.
        let gap = sm
            .start
            .checked_sub(1)
            .map(|g| words[g].as_str())
            .filter(|g| {
                g.len() > 3
                    && g.ends_with('s')
                    && !lex.is_function(g)
                    && !is_verb(lex, g)
                    && toks[sm.start - 1].kind == TokKind::Word
            });
        let Some(p) = parse_phrase(toks, sm.end, om.start, skip, gap) else {
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
                // "X told Y that Peru should release Z": X urges it.
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
                        &p.text,
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
        // "served under A, B and C": every listed name of the same sort is an object;
        // "between A and B" names a pair, not several objects.
        let mut objects = vec![object];
        let listed = coordinated_after(toks, ms, oi);
        let alike = |j: &usize| {
            let (a, b) = (kind(om), kind(&ms[*j]));
            let state = |k| matches!(k, EntityKind::Place | EntityKind::Organization);
            !vague(&ms[*j]) && (a == b || state(a) && state(b))
        };
        if !p.relation.ends_with("between") && listed.iter().all(alike) {
            objects.extend(listed.iter().map(|&j| ms[j].entity));
        }
        for s in &subjects {
            for &o in &objects {
                push(
                    &mut out,
                    *s,
                    &p.relation,
                    &p.text,
                    Obj::Entity(o),
                    p.negative,
                    p.verb_at,
                    conf,
                );
            }
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
    let cx = Clause {
        toks,
        words: &words,
        ms,
        reg,
    };
    custody_facts(cx, &mut |s, r, t, o, at| {
        push(&mut out, s, r, t, Obj::Entity(o), false, at, 0.5);
    });
    member_facts(cx, &mut |s, r, t, o, at| {
        push(&mut out, s, r, t, Obj::Entity(o), false, at, 0.6);
    });
    stranded_relative_facts(cx, &mut |s, r, t, o, at| {
        push(&mut out, s, r, t, Obj::Entity(o), false, at, 0.5);
    });
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
        if words[i] == "the" && words[i + 1] == "two" && reg.recent_persons.len() >= 2 {
            let n = reg.recent_persons.len();
            let mut after = i + 2;
            if words.get(after).is_some_and(|w| {
                matches!(
                    w.as_str(),
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
            let w = &words[j];
            if toks[j].kind != TokKind::Word && toks[j].text != "," {
                break;
            }
            if lex.is(w, "neg") {
                neg = true;
                continue;
            }
            if lex.is(w, "modal")
                || lex.is(w, "pron") && w != "each"
                || lex.is(w, "stop") && w != "but"
            {
                break;
            }
            if lex.is(w, "aux")
                || lex.is(w, "adv")
                || w.ends_with("ly")
                || toks[j].text == ","
                || w == "but"
            {
                continue;
            }
            if lex.verb(w).is_none() {
                continue;
            }
            let l = lemma(lex, w);
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
            neg = neg && (j.saturating_sub(3)..j).any(|x| lex.is(&words[x], "neg"));
            let (s, o) = if a <= b { (a, b) } else { (b, a) };
            push(&mut out, s, &rel, toks[j].text, Obj::Entity(o), neg, j, 0.6);
            break;
        }
    }
    // Qualifiers.
    let q = sentence_qualifiers(toks, &words, ms, reg, published, prev);
    let sp = speaker(text, toks, &words, ms, reg);
    let facts = out
        .into_iter()
        .map(|(mut f, at)| {
            if !STATIC.contains(&f.relation.as_str()) {
                // Of each kind, the nearest value in the fact's own clause.
                let mut best: BTreeMap<&str, (&Qual, usize)> = BTreeMap::new();
                for x in &q {
                    let is_obj = matches!((&f.object, &x.value), (Obj::Entity(e), Some(v)) if reg.entities[*e].name == *v);
                    if (x.key == "place" && is_obj) || across_clauses(&words, at, x.at) {
                        continue;
                    }
                    let d = at.abs_diff(x.at);
                    if best.get(x.key).is_none_or(|b| d < b.1) {
                        best.insert(x.key, (x, d));
                    }
                }
                for (k, (x, _)) in best {
                    if let Some(v) = &x.value {
                        f.qualifiers.insert(k.to_string(), v.clone());
                    }
                    if k == "time" && x.past {
                        f.other_occasion = true;
                    }
                }
                if told_as_last_time(&words, at) {
                    f.other_occasion = true;
                }
                // "He said X, but he accused Y": the report ends where the narration goes on.
                if let Some((who, after, _)) = &sp
                    && at >= *after
                    && !speech_ends_between(&words, *after, at)
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
        .collect();
    (facts, sentence_occasion(&words, &q))
}

/// One sentence as the pattern passes below read it.
#[derive(Clone, Copy)]
struct Clause<'a> {
    toks: &'a [Token<'a>],
    words: &'a [String],
    ms: &'a [Mention],
    reg: &'a Registry,
}

/// Where a pattern pass puts a fact: subject, relation, written form, object
/// entity, token it was read at.
type Push<'p> = &'p mut dyn FnMut(usize, &str, &str, usize, usize);

/// Indices of the mentions coordinated with mention `first` ("A, B and C"):
/// empty unless the list closes with "and" and nothing verbal follows it.
fn coordinated_after(toks: &[Token], ms: &[Mention], first: usize) -> Vec<usize> {
    let lex = lexicon();
    let mut out = Vec::new();
    let mut j = first;
    while j + 1 < ms.len() {
        let sep: Vec<&str> = toks[ms[j].end..ms[j + 1].start]
            .iter()
            .map(|t| t.text)
            .collect();
        let last = match sep.as_slice() {
            [","] => false,
            ["and"] | [",", "and"] => true,
            _ => return Vec::new(),
        };
        j += 1;
        if ms[j].pseudo || ms[j].possessive {
            return Vec::new();
        }
        out.push(j);
        if last {
            let next = toks.get(ms[j].end);
            let verbal = next.is_some_and(|t| {
                let l = lower(t);
                t.kind == TokKind::Word
                    && (lex.is(&l, "aux") || lex.is(&l, "modal") || lex.verb(&l).is_some())
            });
            let modified = next.is_some_and(|t| {
                t.kind == TokKind::Word
                    && t.text.chars().next().is_some_and(char::is_lowercase)
                    && !lex.is_function(&lower(t))
            });
            return if verbal || modified { Vec::new() } else { out };
        }
    }
    Vec::new()
}

/// "urged Caracas to release detained Spaniard X", "Peru should release
/// imprisoned Y": the country asked to release a person in custody holds them.
fn custody_facts(Clause { words, ms, reg, .. }: Clause, push: Push) {
    let lex = lexicon();
    for m in ms.iter().filter(|m| !m.pseudo) {
        if reg.entities[m.entity].kind != EntityKind::Person {
            continue;
        }
        let Some(state) = m.role.as_deref().and_then(|r| {
            r.split_whitespace()
                .map(str::to_lowercase)
                .find(|w| lex.is(w, "custody"))
        }) else {
            continue;
        };
        let mut j = m.start;
        while j > 0 && words[j - 1].ends_with("ly") {
            j -= 1;
        }
        if j == 0 || !lex.is(&words[j - 1], "release") {
            continue;
        }
        let mut k = j - 1;
        while k > 0 && (words[k - 1] == "to" || lex.is(&words[k - 1], "modal")) {
            k -= 1;
        }
        let Some(holder) = ms.iter().find(|h| h.end == k && !h.pseudo) else {
            continue;
        };
        if reg.entities[holder.entity].kind != EntityKind::Place {
            continue;
        }
        let country = holder.capital_of.unwrap_or(holder.entity);
        push(
            m.entity,
            &format!("be {state} in"),
            &state,
            country,
            m.start,
        );
    }
}

/// "members of the X, including host A, B and C": each is a member of X, and
/// a membership role before a name ("host") is a relation to X as well.
fn member_facts(cx: Clause, push: Push) {
    let (toks, words, ms, reg) = (cx.toks, cx.words, cx.ms, cx.reg);
    let lex = lexicon();
    for (gi, g) in ms.iter().enumerate() {
        if g.pseudo
            || !matches!(
                reg.entities[g.entity].kind,
                EntityKind::Organization | EntityKind::Other
            )
        {
            continue;
        }
        let before = |i: usize| g.start.checked_sub(i).map(|x| words[x].as_str());
        let of_at = if before(1) == Some("of") {
            2
        } else if before(1) == Some("the") && before(2) == Some("of") {
            3
        } else {
            continue;
        };
        if !before(of_at).is_some_and(|w| lex.is(w, "member")) {
            continue;
        }
        let Some(first) = ms.get(gi + 1) else {
            continue;
        };
        // ", including [host] A": the list starts right after the group.
        let mut j = g.end;
        if words.get(j).map(String::as_str) != Some(",") {
            continue;
        }
        j += 1;
        if !words.get(j).is_some_and(|w| lex.is(w, "listing")) {
            continue;
        }
        j += 1;
        let role = words.get(j).filter(|w| lex.is(w, "membership"));
        if role.is_some() {
            j += 1;
        }
        if first.start != j || first.pseudo {
            continue;
        }
        let mut list = vec![gi + 1];
        list.extend(coordinated_after(toks, ms, gi + 1));
        for &li in &list {
            push(
                ms[li].entity,
                "be member of",
                "members of",
                g.entity,
                g.start,
            );
        }
        if let Some(r) = role {
            push(first.entity, r, r, g.entity, first.start);
        }
    }
}

/// "the X treaty that it recently withdrew from": a relative clause closed by
/// its verb (and a stranded preposition) has the named thing before "that" as
/// its object. "it" is the last country or organization named before.
fn stranded_relative_facts(cx: Clause, push: Push) {
    let (toks, words, ms, reg) = (cx.toks, cx.words, cx.ms, cx.reg);
    let lex = lexicon();
    let kind = |m: &Mention| reg.entities[m.entity].kind;
    for (mi, m) in ms.iter().enumerate() {
        if m.pseudo || !matches!(kind(m), EntityKind::Work | EntityKind::Organization) {
            continue;
        }
        // Descriptive nouns after the name: "Ottawa land mine ban treaty".
        let mut j = m.end;
        while j < toks.len()
            && j - m.end < 6
            && toks[j].kind == TokKind::Word
            && toks[j].text.chars().next().is_some_and(char::is_lowercase)
            && !lex.is_function(&words[j])
            && lex.verb(&words[j]).is_none()
        {
            j += 1;
        }
        if kind(m) != EntityKind::Work && j == m.end {
            continue;
        }
        if !matches!(words.get(j).map(String::as_str), Some("that" | "which")) {
            continue;
        }
        j += 1;
        let subject = if let Some(s) = ms[mi + 1..].iter().find(|s| s.start == j && !s.pseudo) {
            j = s.end;
            s.capital_of.unwrap_or(s.entity)
        } else if words.get(j).map(String::as_str) == Some("it") {
            j += 1;
            let Some(s) = ms[..mi].iter().rev().find(|s| {
                !s.pseudo && matches!(kind(s), EntityKind::Place | EntityKind::Organization)
            }) else {
                continue;
            };
            s.capital_of.unwrap_or(s.entity)
        } else {
            continue;
        };
        while j < words.len()
            && (lex.is(&words[j], "aux") || lex.is(&words[j], "adv") || words[j].ends_with("ly"))
        {
            j += 1;
        }
        let Some((verb, tag)) = words.get(j).and_then(|w| lex.verb(w)) else {
            continue;
        };
        if !matches!(tag, "VBD" | "VBN") {
            continue;
        }
        let verb_at = j;
        j += 1;
        let mut relation = verb;
        if let Some(prep) = words.get(j).filter(|w| lex.is(w, "prep")) {
            relation = format!("{relation} {prep}");
            j += 1;
        }
        if toks.get(j).is_some_and(|t| t.kind == TokKind::Word) {
            continue;
        }
        push(subject, &relation, toks[verb_at].text, m.entity, verb_at);
    }
}

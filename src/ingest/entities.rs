//! Entities: finding names in a sentence, their kind, their role, and which
//! entity of the article each name refers to.
//!
//! Names are runs of capitalized words (with "of", "for" and numbers inside:
//! "Group of 20"). Leading titles and honorifics are cut off and kept as a
//! role ("Trade Minister Chidi Okafor" is the person "Chidi Okafor"
//! with the role "Trade Minister"); lower-case role phrases before a
//! name ("arms dealer Marek Nowak") are read the same way. Within one
//! article, a surname alone, an honorific form, a transliteration
//! ("Aleksandr"/"Alexandr") and an acronym ("Group of 20"/"G20") join the entity
//! they name.

use super::lexicon::HashMap;

use strsim::jaro_winkler;

use super::ExtractedEntity;
use super::lexicon::{Lexicon, lexicon};
use super::sentences::{TokKind, Token};
use crate::model::{EntityKind, normalize_name};

/// A name (or pronoun, or role description) found in a sentence.
#[derive(Clone, Debug)]
pub struct Mention {
    /// First token of the whole mention, role included.
    pub start: usize,
    /// One past the last token.
    pub end: usize,
    /// The entity (index into the registry).
    pub entity: usize,
    /// Followed by a possessive `'s`.
    pub possessive: bool,
    /// A role read before or after the name.
    pub role: Option<String>,
    /// An organization named inside the role ("Foreign Ministry spokeswoman").
    pub employer: Option<usize>,
    /// For a capital city: the country it can stand for.
    pub capital_of: Option<usize>,
    /// A pronoun or description resolved to an entity, not a name.
    pub pseudo: bool,
}

/// The entities of one article.
#[derive(Default)]
pub struct Registry {
    /// Entities in first-seen order.
    pub entities: Vec<ExtractedEntity>,
    by_norm: HashMap<String, usize>,
    /// Initials of multi-word names ("Group of 20" → "g20").
    acr_long: HashMap<String, usize>,
    /// First word of company names with a corporate tail ("Microsoft" of "Microsoft Corporation").
    org_short: HashMap<String, usize>,
    /// Names that are acronyms ("G-7" → "g7").
    acr_short: HashMap<String, usize>,
    /// Lower-case surname → persons, most recently mentioned last.
    by_surname: HashMap<String, Vec<usize>>,
    /// (lower-case role, person) pairs.
    pub roles: Vec<(String, usize)>,
    /// Persons in order of their latest mention.
    pub recent_persons: Vec<usize>,
}

impl Registry {
    fn add_alias(&mut self, e: usize, alias: &str) {
        let alias = alias.trim();
        if alias.is_empty() {
            return;
        }
        self.by_norm.entry(normalize_name(alias)).or_insert(e);
        let ent = &mut self.entities[e];
        if ent.name != alias && !ent.aliases.iter().any(|a| a == alias) {
            ent.aliases.push(alias.to_string());
        }
    }

    fn new_entity(&mut self, name: &str, kind: EntityKind) -> usize {
        let i = self.entities.len();
        self.entities.push(ExtractedEntity {
            name: name.to_string(),
            kind,
            aliases: Vec::new(),
        });
        self.by_norm.insert(normalize_name(name), i);
        if let Some(key) = acronym_key(name) {
            self.acr_long.entry(key).or_insert(i);
        }
        if let Some(key) = acronym_self_key(name) {
            self.acr_short.entry(key).or_insert(i);
        }
        let mut words = name.split_whitespace();
        if kind == EntityKind::Organization
            && let Some(first) = words.next()
        {
            let rest: Vec<&str> = words.collect();
            let corporate = !rest.is_empty()
                && rest.iter().all(|w| {
                    lexicon().kind_words.get(w.to_lowercase().as_str()) == Some(&"organization")
                });
            if corporate {
                self.org_short.entry(first.to_string()).or_insert(i);
            }
        }
        i
    }

    /// The entity for a country of the gazetteer, created with all its names.
    pub fn country(&mut self, lex: &Lexicon, idx: usize) -> usize {
        let c = &lex.countries[idx];
        if let Some(&e) = self.by_norm.get(&normalize_name(c.name)) {
            return e;
        }
        let e = self.new_entity(c.name, EntityKind::Place);
        for a in c.aliases.iter().chain(&c.demonyms) {
            self.add_alias(e, a);
        }
        e
    }

    /// An organization by name (a byline outlet).
    pub fn organization(&mut self, name: &str) -> usize {
        self.named(name, EntityKind::Organization)
    }

    /// A person by full name (a byline author).
    pub fn byline_person(&mut self, name: &str) -> usize {
        let words: Vec<&str> = name.split_whitespace().collect();
        self.person(name, &words)
    }

    /// A place entity by name (a dateline city).
    pub fn place(&mut self, name: &str) -> usize {
        self.named(name, EntityKind::Place)
    }

    fn touch_person(&mut self, e: usize) {
        self.recent_persons.retain(|&p| p != e);
        self.recent_persons.push(e);
        // Only the latest few are ever consulted; a bound keeps long texts linear.
        if self.recent_persons.len() > RECENT {
            self.recent_persons.remove(0);
        }
    }

    fn person(&mut self, full: &str, words: &[&str]) -> usize {
        let norm = normalize_name(full);
        if let Some(&e) = self.by_norm.get(&norm)
            && self.entities[e].kind == EntityKind::Person
        {
            self.add_alias(e, full);
            return e;
        }
        let surname = words.last().map(|s| s.to_lowercase()).unwrap_or_default();
        if words.len() >= 2 {
            let first = words[0].to_lowercase();
            let candidates = self.by_surname.get(&surname).cloned().unwrap_or_default();
            for &p in candidates.iter().rev() {
                let pw: Vec<&str> = self.entities[p].name.split_whitespace().collect();
                if pw.len() >= 2 && same_given_name(&pw[0].to_lowercase(), &first) {
                    self.add_alias(p, full);
                    return p;
                }
                if pw.len() == 1 {
                    // "President Okafor" earlier, "Chidi Okafor" now: the full name wins.
                    let old = std::mem::replace(&mut self.entities[p].name, full.to_string());
                    self.entities[p].aliases.retain(|a| a != full);
                    self.add_alias(p, &old);
                    self.by_norm.insert(norm, p);
                    return p;
                }
            }
            let e = self.new_entity(full, EntityKind::Person);
            self.by_surname.entry(surname).or_default().push(e);
            return e;
        }
        // A surname alone: the person of the article with that surname, latest first;
        // or one spelled almost the same ("Tymoshenko"/"Tymoshenkoo").
        let near = self
            .by_surname
            .get(&surname)
            .and_then(|v| v.last())
            .copied()
            .or_else(|| {
                self.recent_persons.iter().rev().copied().find(|&p| {
                    let last = self.entities[p]
                        .name
                        .split_whitespace()
                        .last()
                        .unwrap_or("")
                        .to_lowercase();
                    last.len() > 4
                        && last.chars().next() == surname.chars().next()
                        && jaro_winkler(&last, &surname) >= 0.93
                })
            });
        if let Some(p) = near {
            self.add_alias(p, full);
            return p;
        }
        let e = self.new_entity(full, EntityKind::Person);
        self.by_surname.entry(surname).or_default().push(e);
        e
    }

    fn named(&mut self, name: &str, kind: EntityKind) -> usize {
        let norm = normalize_name(name);
        if let Some(&e) = self.by_norm.get(&norm) {
            let ek = self.entities[e].kind;
            if ek == kind || ek == EntityKind::Other || kind == EntityKind::Other {
                if ek == EntityKind::Other {
                    self.entities[e].kind = kind;
                }
                self.add_alias(e, name);
                return e;
            }
        }
        let other = match (acronym_self_key(name), acronym_key(name)) {
            (Some(short), _) => self.acr_long.get(&short),
            (None, Some(long)) => self.acr_short.get(&long),
            _ => None,
        };
        if let Some(&e) = other
            && self.entities[e].kind == kind
        {
            // Keep the fuller form as the name.
            if name.len() > self.entities[e].name.len() {
                let old = std::mem::replace(&mut self.entities[e].name, name.to_string());
                self.entities[e].aliases.retain(|a| a != name);
                self.add_alias(e, &old);
            } else {
                self.add_alias(e, name);
            }
            self.by_norm.insert(norm, e);
            return e;
        }
        // "Microsoft" after "Microsoft Corporation": the short form of a company name.
        if let Some(&e) = self.org_short.get(name) {
            self.add_alias(e, name);
            return e;
        }
        self.new_entity(name, kind)
    }
}

/// Aleksandr / Alexandr, Jon / John: the same given name written two ways.
fn same_given_name(a: &str, b: &str) -> bool {
    a == b || (a.len() > 2 && b.len() > 2 && jaro_winkler(a, b) >= 0.88)
}

/// How many recent persons and roles pronouns and descriptions may refer to.
const RECENT: usize = 16;

/// The acronym a multi-word name would have: "Group of 20" → "g20", "United Nations" → "un".
pub fn acronym_key(name: &str) -> Option<String> {
    let words: Vec<&str> = name.split_whitespace().collect();
    if words.len() < 2 {
        return None;
    }
    let mut key = String::new();
    for w in words {
        let first = w.chars().next()?;
        if w.chars().all(|c| c.is_ascii_digit()) {
            key.push_str(w);
        } else if first.is_uppercase() {
            key.extend(first.to_lowercase());
        }
    }
    (key.len() >= 2).then_some(key)
}

/// The key of a name that is itself an acronym: "G-7" → "g7", "UN" → "un".
fn acronym_self_key(name: &str) -> Option<String> {
    let letters = name.chars().filter(|c| c.is_alphabetic()).count();
    let upper = name.chars().filter(|c| c.is_uppercase()).count();
    (!name.contains(' ') && letters >= 1 && upper == letters && name.len() <= 8)
        .then(|| normalize_name(name))
}

const CONNECTORS: &[&str] = &[
    "of", "for", "de", "del", "da", "van", "von", "al", "bin", "la", "le",
];

fn lower(t: &Token) -> String {
    t.text.to_lowercase()
}

fn is_all_caps(s: &str) -> bool {
    let letters = s.chars().filter(|c| c.is_alphabetic()).count();
    letters >= 2
        && s.chars()
            .filter(|c| c.is_alphabetic())
            .all(char::is_uppercase)
}

/// Title-case for names written in capitals ("SAN DIEGO" → "San Diego").
pub fn title_case(s: &str) -> String {
    s.split(' ')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f
                    .to_uppercase()
                    .chain(c.flat_map(char::to_lowercase))
                    .collect(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn starts_clause(toks: &[Token], i: usize) -> bool {
    i == 0
        || matches!(
            toks[i - 1].text,
            "“" | "\"" | "(" | ":" | "—" | "–" | "‘" | ";"
        )
}

/// Joined text of tokens `a..b`, from the original text.
pub fn span_text(text: &str, toks: &[Token], a: usize, b: usize) -> String {
    if a >= b {
        return String::new();
    }
    let s = &text[toks[a].start..toks[b - 1].end];
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Finds the mentions of one sentence and registers their entities.
/// "in Sharm el-Sheikh, Egypt": a name between a locative preposition and
/// ", <country>" is a place, whatever its shape suggested (two capitalized
/// words look like a person).
pub fn places_before_countries(toks: &[Token], ms: &[Mention], reg: &mut Registry) {
    let lex = lexicon();
    for (i, w) in ms.windows(2).enumerate() {
        let (a, b) = (&w[0], &w[1]);
        if a.pseudo
            || listed_on(toks, ms, i + 1)
            || b.pseudo
            || b.possessive
            || a.role.is_some()
            || a.start == 0
            || b.start != a.end + 1
            || toks[a.end].text != ","
            || !matches!(
                toks[a.start - 1].text.to_lowercase().as_str(),
                "in" | "at" | "near"
            )
            || !matches!(
                reg.entities[a.entity].kind,
                EntityKind::Person | EntityKind::Other
            )
            || lex
                .country(&normalize_name(&reg.entities[b.entity].name), false)
                .is_none()
        {
            continue;
        }
        reg.entities[a.entity].kind = EntityKind::Place;
        reg.recent_persons.retain(|&p| p != a.entity);
    }
}

/// True if mention `i` is followed by more of a list ("Italy, Spain and
/// Hungary"): then "X, Italy" is not a place and its country.
pub fn listed_on(toks: &[Token], ms: &[Mention], i: usize) -> bool {
    let end = ms[i].end;
    match toks.get(end).map(|t| t.text) {
        Some("and") => true,
        Some(",") => ms.get(i + 1).is_some_and(|n| n.start == end + 1),
        _ => false,
    }
}

pub fn find_mentions(
    text: &str,
    toks: &[Token],
    reg: &mut Registry,
    focus: Option<usize>,
) -> Vec<Mention> {
    let lex = lexicon();
    let chunks = chunks(toks, lex);
    let mut out: Vec<Mention> = Vec::new();
    let mut consumed_until = 0usize;
    for (ci, &(a, b)) in chunks.iter().enumerate() {
        if a < consumed_until {
            continue;
        }
        let next_chunk_start = chunks.get(ci + 1).map(|c| c.0);
        if let Some(m) = analyze(text, toks, a, b, next_chunk_start, reg, lex, &mut out) {
            consumed_until = m.end;
            out.push(m);
        }
    }
    add_pseudo(toks, reg, focus, &mut out);
    out.sort_by_key(|m| m.start);
    // The relation reader slices the tokens between neighbouring mentions, so
    // they must not overlap; whatever slipped past the rules above loses to
    // the earlier mention rather than panicking later.
    let mut end = 0;
    out.retain(|m| {
        let keep = m.start >= end;
        if keep {
            end = m.end;
        }
        keep
    });
    out
}

/// Runs of capitalized tokens that may be names.
fn chunks(toks: &[Token], lex: &Lexicon) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        if !name_word(toks, i, lex) {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while j < toks.len() && j - i < 10 {
            if name_word(toks, j, lex) && !starts_clause(toks, j) {
                j += 1;
            } else if CONNECTORS.contains(&toks[j].text)
                && j + 1 < toks.len()
                && (name_word(toks, j + 1, lex)
                    || toks[j + 1].text.bytes().all(|c| c.is_ascii_digit()))
            {
                j += 2;
            } else {
                break;
            }
        }
        out.push((i, j));
        i = j;
    }
    out
}

fn name_word(toks: &[Token], i: usize, lex: &Lexicon) -> bool {
    let t = &toks[i];
    if !t.is_cap() {
        // "el-Sheikh", "al-Assad" inside a name.
        return i > 0
            && toks[i - 1].is_cap()
            && t.text.split_once('-').is_some_and(|(a, b)| {
                a.len() <= 3 && b.chars().next().is_some_and(char::is_uppercase)
            });
    }
    let l = lower(t);
    let l = l.trim_end_matches('.');
    if lex.weekdays.contains_key(l) || (lex.months.contains_key(l) && l.len() > 3) {
        return false;
    }
    if lex.is(l, "pron") && l != "us" || l == "i" {
        return false;
    }
    // "... tell the FT. But Rover told": a missed sentence start, not a name.
    if matches!(l, "but" | "yet") {
        return false;
    }
    let next_lower = toks.get(i + 1).is_none_or(|n| !n.is_cap());
    if lex.adjectives.contains(l) && next_lower {
        return false;
    }
    if starts_clause(toks, i) && l.ends_with("ly") && next_lower {
        return false;
    }
    if starts_clause(toks, i) && !is_all_caps(t.text) && lex.common.contains(l) {
        let next_cap = toks.get(i + 1).is_some_and(Token::is_cap);
        let keep = lex.country(&normalize_name(l), true).is_some()
            || ((lex.is_honorific(l) || lex.title_words.contains(l)) && next_cap);
        return keep;
    }
    true
}

/// The lower-case word is a title word, role head, country or demonym (may begin a title).
fn titleish(w: &str, lex: &Lexicon) -> bool {
    let l = w.to_lowercase();
    lex.title_words.contains(l.as_str())
        || lex.is_honorific(&l)
        || lex.country(&normalize_name(w), false).is_some()
}

#[allow(clippy::too_many_arguments)]
fn analyze(
    text: &str,
    toks: &[Token],
    a: usize,
    b: usize,
    next_chunk: Option<usize>,
    reg: &mut Registry,
    lex: &Lexicon,
    earlier: &mut Vec<Mention>,
) -> Option<Mention> {
    let words: Vec<&str> = toks[a..b].iter().map(|t| t.text).collect();
    let possessive = toks.get(b).is_some_and(|t| t.kind == TokKind::Possessive);
    let end = if possessive { b + 1 } else { b };
    let followed_by_lower = toks.get(end).is_some_and(|t| {
        t.kind == TokKind::Word && t.text.chars().next().is_some_and(char::is_lowercase)
    });

    // Honorific and title prefix.
    let mut k = 0;
    let mut honorific: Option<&str> = None;
    if words.len() >= 2 && lex.is_honorific(words[0]) {
        let l = words[0].trim_end_matches('.').to_lowercase();
        if !lex.title_words.contains(l.as_str()) {
            honorific = Some(words[0]);
            k = 1;
        }
    }
    let mut role_end = k;
    let mut has_head = false;
    for (j, w) in words.iter().enumerate().skip(k) {
        let l = w.to_lowercase();
        if titleish(w, lex) || (l == "of" && j > k) {
            if lex.role_heads.contains(l.as_str()) || lex.is_honorific(&l) && !is_all_caps(w) {
                has_head = true;
                role_end = j + 1;
            } else if has_head && lex.title_words.contains(l.as_str()) {
                role_end = j + 1;
            }
        } else {
            break;
        }
    }
    // The rest must look like a personal name for the prefix to be a title.
    let rest = &words[role_end..];
    let rest_is_name = !rest.is_empty()
        && rest.len() <= 4
        && rest[0] != "of"
        && rest.iter().all(|w| {
            let l = w.to_lowercase();
            !lex.kind_words.contains_key(l.as_str())
                && w.chars()
                    .all(|c| c.is_alphabetic() || c == '-' || c == '\'' || c == '’' || c == '.')
        })
        && lex
            .country(&normalize_name(&rest.join(" ")), true)
            .is_none();
    let mut role: Option<String> = None;
    let mut name_start = a;
    // "detained Canadian Ruth Hanson": the demonym is not part of the name.
    let demonym_lead = !has_head
        && honorific.is_none()
        && words.len() >= 3
        && lex
            .country_by_demonym
            .contains_key(&normalize_name(words[0]))
        && words[1..].iter().all(|w| {
            w.chars().all(char::is_alphabetic)
                && !lex.kind_words.contains_key(w.to_lowercase().as_str())
        });
    if demonym_lead {
        name_start = a + 1;
    } else if has_head && rest_is_name {
        role = Some(span_text(text, toks, a + k, a + role_end));
        name_start = a + role_end;
    } else if honorific.is_some() {
        name_start = a + 1;
    }
    let mut name_end = b;
    // "President X of Chile": the country completes the role.
    if role.is_some()
        && let Some(of) = (name_start..b)
            .position(|j| toks[j].text == "of")
            .map(|p| p + name_start)
    {
        let tail = span_text(text, toks, of + 1, b);
        if lex.country(&normalize_name(&tail), false).is_some() {
            role = role.map(|r| format!("{r} of {tail}"));
            name_end = of;
        }
    }
    if name_start >= name_end {
        return None;
    }
    let raw = span_text(text, toks, name_start, name_end);
    let name = if is_all_caps(&raw) && raw.contains(' ') {
        title_case(&raw)
    } else {
        raw
    };
    let norm = normalize_name(&name);
    if norm.is_empty() {
        return None;
    }
    let name_words: Vec<&str> = name.split_whitespace().collect();

    // Possessive country before a title ("Chile's Foreign Minister X"): part of the role.
    let mut start = a;
    if role.is_some()
        && let Some(prev) = earlier.last()
        && prev.possessive
        && prev.end == a
        && reg.entities[prev.entity].kind == EntityKind::Place
    {
        let prev = earlier.pop()?;
        role = Some(format!(
            "{} {}",
            span_text(text, toks, prev.start, prev.end)
                .replace(" ’s", "’s")
                .replace(" 's", "'s"),
            role.unwrap_or_default()
        ));
        start = prev.start;
    }

    let mut capital_of = None;
    let entity;
    let mut employer = None;
    let is_person_form = role.is_some() || honorific.is_some();
    if let Some(c) = (!is_person_form)
        .then(|| lex.country_by_name.get(&norm))
        .flatten()
    {
        entity = reg.country(lex, *c);
    } else if !is_person_form && lex.country_by_demonym.contains_key(&norm) {
        // A demonym is an adjective ("Chilean forces"); as a name it means the country.
        if followed_by_lower || !possessive && next_chunk == Some(end) {
            return None;
        }
        let c = lex.country_by_demonym[&norm];
        entity = reg.country(lex, c);
    } else if !is_person_form && let Some(&c) = lex.country_by_capital.get(&norm) {
        entity = reg.named(&name, EntityKind::Place);
        capital_of = Some(reg.country(lex, c));
    } else {
        let mut kind = if is_person_form {
            EntityKind::Person
        } else {
            kind_of(&name_words, toks, end, lex, reg)
        };
        if kind == EntityKind::Other
            && a > 0
            && matches!(toks[a - 1].text, "in" | "at" | "from" | "near")
            && name_words
                .iter()
                .all(|w| w.chars().all(|c| c.is_alphabetic() || c == '-'))
        {
            kind = EntityKind::Place;
        }
        entity = if kind == EntityKind::Person {
            // "Chidi Emeka (Okafor)": the bracketed surname says who it is.
            let bracketed = (toks.get(b).map(|t| t.text) == Some("("))
                .then(|| toks.get(b + 1).zip(toks.get(b + 2)))
                .flatten()
                .filter(|(_, close)| close.text == ")")
                .and_then(|(inner, _)| {
                    reg.by_surname
                        .get(&inner.text.to_lowercase())
                        .and_then(|v| v.last().copied())
                });
            match bracketed {
                Some(p) => {
                    reg.add_alias(p, &name);
                    p
                }
                None => reg.person(&name, &name_words),
            }
        } else {
            reg.named(&name, kind)
        };
        if let Some(h) = honorific {
            reg.add_alias(entity, &format!("{h} {name}"));
        }
        if let Some(r) = &role
            && !r.contains(' ')
            && !name.contains(' ')
        {
            reg.add_alias(entity, &format!("{r} {name}"));
        }
    }
    // Lower-case role phrase before the name: "Foreign Ministry spokeswoman X", "arms dealer X".
    if reg.entities[entity].kind == EntityKind::Person && role.is_none() {
        let from = if demonym_lead { name_start } else { start };
        if let Some((rs, r, emp)) = role_before(text, toks, from, earlier, reg, lex) {
            role = Some(r);
            employer = emp;
            while earlier.last().is_some_and(|m| m.start >= rs) {
                earlier.pop();
            }
            start = rs;
        }
    }
    if reg.entities[entity].kind == EntityKind::Person {
        reg.touch_person(entity);
        if let Some(r) = &role {
            let lr = r.to_lowercase();
            if !reg.roles.iter().any(|(x, p)| *x == lr && *p == entity) {
                reg.roles.push((lr, entity));
                if reg.roles.len() > RECENT {
                    reg.roles.remove(0);
                }
            }
        }
    }
    Some(Mention {
        start,
        end,
        entity,
        possessive,
        role,
        employer,
        capital_of,
        pseudo: false,
    })
}

/// Kind of a name that is not a country, demonym or titled person.
fn kind_of(
    words: &[&str],
    toks: &[Token],
    end: usize,
    lex: &Lexicon,
    reg: &Registry,
) -> EntityKind {
    let kind = |k: &str| match k {
        "organization" => EntityKind::Organization,
        "work" => EntityKind::Work,
        "place" => EntityKind::Place,
        _ => EntityKind::Other,
    };
    // "the Kyoto Protocol", "the Paris Agreement": a treaty-like word within a few words after.
    for t in toks.iter().skip(end).take(4) {
        if t.kind != TokKind::Word || t.is_cap() {
            break;
        }
        let l = lower(t);
        if matches!(
            l.as_str(),
            "treaty"
                | "accord"
                | "agreement"
                | "pact"
                | "deal"
                | "plan"
                | "act"
                | "bill"
                | "protocol"
        ) {
            return EntityKind::Work;
        }
    }
    for w in words.iter().rev() {
        if let Some(k) = lex.kind_words.get(w.to_lowercase().as_str()) {
            return kind(k);
        }
    }
    let joined = words.join(" ");
    if words.len() == 1 && acronym_self_key(&joined).is_some() {
        return EntityKind::Organization;
    }
    if words.iter().any(|w| w.chars().any(|c| c.is_ascii_digit())) {
        return EntityKind::Other;
    }
    if words.len() == 1 {
        let l = words[0].to_lowercase();
        if reg.by_surname.get(&l).is_some_and(|v| !v.is_empty()) {
            return EntityKind::Person;
        }
        // "Okafor said": a single unknown name speaking is a person.
        if let Some(n) = toks.get(end)
            && matches!(
                lower(n).as_str(),
                "said" | "says" | "told" | "added" | "asked"
            )
        {
            return EntityKind::Person;
        }
        return EntityKind::Other;
    }
    let last = words[words.len() - 1].to_lowercase();
    let all_alpha = words.iter().all(|w| {
        w.chars()
            .all(|c| c.is_alphabetic() || c == '-' || c == '\'' || c == '.')
    });
    if all_alpha
        && words.len() <= 4
        && !lex.common.contains(last.as_str())
        && !words.contains(&"of")
    {
        return EntityKind::Person;
    }
    EntityKind::Other
}

/// A lower-case role phrase ending right before token `name_start`, with its start and employer.
fn role_before(
    text: &str,
    toks: &[Token],
    name_start: usize,
    earlier: &[Mention],
    reg: &Registry,
    lex: &Lexicon,
) -> Option<(usize, String, Option<usize>)> {
    if name_start == 0 {
        return None;
    }
    // A role word already inside an earlier mention belongs to that mention
    // (a chunk cut at its length limit): reading it again would overlap them.
    let covered = |i: usize| earlier.iter().any(|m| m.start <= i && i < m.end);
    if covered(name_start - 1) {
        return None;
    }
    let head = lower(&toks[name_start - 1]);
    let demonym_head = lex.country_by_demonym.contains_key(&normalize_name(&head))
        && toks[name_start - 1].is_cap();
    if !lex.role_heads.contains(head.as_str()) && !demonym_head {
        return None;
    }
    let mut s = name_start - 1;
    let mut employer = None;
    while s > 0 && name_start - s < 7 {
        let t = &toks[s - 1];
        if t.kind != TokKind::Word {
            break;
        }
        if let Some(m) = earlier.iter().rev().find(|m| m.end == s && !m.pseudo) {
            if m.possessive {
                break;
            }
            let k = reg.entities[m.entity].kind;
            if k == EntityKind::Organization {
                if lex.employee_heads.contains(head.as_str()) {
                    employer = Some(m.entity);
                }
            } else if k != EntityKind::Place && k != EntityKind::Other {
                break;
            }
            s = m.start;
            continue;
        }
        if covered(s - 1) {
            break;
        }
        let l = lower(t);
        let is_verb_form = lex.verb(&l).is_some_and(|(_, tag)| tag != "VBN")
            || (lex.lemmas.contains(l.as_str())
                && !l.ends_with("ly")
                && !lex.role_heads.contains(l.as_str()));
        if lex.is_function(&l) || is_verb_form || t.text.chars().any(|c| c.is_ascii_digit()) {
            break;
        }
        s -= 1;
    }
    if demonym_head && s == name_start - 1 {
        // "American X" alone is a nationality, not a role worth a fact.
        return None;
    }
    Some((s, span_text(text, toks, s, name_start), employer))
}

/// Entity index of a pronoun nobody has been named for.
pub const NO_REFERENT: usize = usize::MAX;

/// Pronouns and role descriptions ("the secretary of state") that name a known person.
fn add_pseudo(toks: &[Token], reg: &Registry, focus: Option<usize>, out: &mut Vec<Mention>) {
    let taken = |i: usize, out: &Vec<Mention>| out.iter().any(|m| m.start <= i && i < m.end);
    let mut i = 0;
    while i < toks.len() {
        if taken(i, out) {
            i += 1;
            continue;
        }
        let l = lower(&toks[i]);
        if l == "he" || l == "she" {
            // Without a referent yet, NO_REFERENT marks it; the caller resolves or drops it.
            let p = focus.unwrap_or(NO_REFERENT);
            out.push(Mention {
                start: i,
                end: i + 1,
                entity: p,
                possessive: false,
                role: None,
                employer: None,
                capital_of: None,
                pseudo: true,
            });
        } else if l == "the" {
            // Longest known role written in lower case after "the".
            let mut best: Option<(usize, usize)> = None;
            for (role, p) in &reg.roles {
                let words: Vec<&str> = role.split_whitespace().collect();
                for skip in 0..words.len().min(2) {
                    let want = &words[skip..];
                    if want.len() < 2 && skip > 0 {
                        continue;
                    }
                    let ok = want.iter().enumerate().all(|(j, w)| {
                        toks.get(i + 1 + j)
                            .is_some_and(|t| t.text.to_lowercase() == *w && !taken(i + 1 + j, out))
                    });
                    if ok && best.is_none_or(|(n, _)| want.len() > n) {
                        best = Some((want.len(), *p));
                    }
                }
            }
            if let Some((n, p)) = best {
                out.push(Mention {
                    start: i,
                    end: i + 1 + n,
                    entity: p,
                    possessive: false,
                    role: None,
                    employer: None,
                    capital_of: None,
                    pseudo: true,
                });
                i += 1 + n;
                continue;
            }
        }
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::sentences::tokenize;

    fn names(text: &str) -> (Vec<(String, EntityKind, Option<String>)>, Registry) {
        let mut reg = Registry::default();
        let toks = tokenize(text, 0, text.len());
        let ms = find_mentions(text, &toks, &mut reg, None);
        let v = ms
            .iter()
            .map(|m| {
                (
                    reg.entities[m.entity].name.clone(),
                    reg.entities[m.entity].kind,
                    m.role.clone(),
                )
            })
            .collect();
        (v, reg)
    }

    /// A fuzzer-found sentence (CI, 2026-11-24): a chunk cut at its length
    /// limit ended inside "Staroomnd Russian", and the next name read those
    /// words again as its role, so two mentions overlapped and the relation
    /// reader sliced the tokens between them backwards.
    #[test]
    fn mentions_never_overlap() {
        let text = "US Secretary of State Jane DoeUS Secretary of Staroomnd Russian \
                    Aoreign Minister Mee happenedt in New Harbor.";
        let toks = tokenize(text, 0, text.len());
        let ms = find_mentions(text, &toks, &mut Registry::default(), None);
        assert!(ms.len() >= 2, "{ms:?}");
        for w in ms.windows(2) {
            assert!(w[0].end <= w[1].start, "{:?} overlaps {:?}", w[0], w[1]);
        }
        // And the whole extractor reads it without panicking.
        crate::ingest::extract(text);
    }

    #[test]
    fn titles_become_roles_not_names() {
        let (v, _) =
            names("Canadian Prime Minister Jane Doe met German Chancellor Max Mustermann.");
        assert_eq!(
            v[0],
            (
                "Jane Doe".into(),
                EntityKind::Person,
                Some("Canadian Prime Minister".into())
            )
        );
        assert_eq!(v[1].0, "Max Mustermann");
        assert_eq!(v[1].2.as_deref(), Some("German Chancellor"));
    }

    #[test]
    fn lower_case_roles_and_employers() {
        let (v, reg) =
            names("The talks were confirmed by Finance Ministry spokesman Ola Nordmann.");
        let last = v.last().unwrap();
        assert_eq!(last.0, "Ola Nordmann");
        assert_eq!(last.2.as_deref(), Some("Finance Ministry spokesman"));
        assert!(reg.entities.iter().any(|e| e.name == "Finance Ministry"));
    }

    #[test]
    fn kinds_from_gazetteers_and_keywords() {
        let (v, reg) = names(
            "Officials of the United Nations and the Paris Agreement met France and NATO in Paris.",
        );
        let kind = |n: &str| v.iter().find(|x| x.0 == n).map(|x| x.1);
        assert_eq!(kind("United Nations"), Some(EntityKind::Organization));
        assert_eq!(kind("Paris Agreement"), Some(EntityKind::Work));
        assert_eq!(kind("France"), Some(EntityKind::Place));
        assert_eq!(kind("NATO"), Some(EntityKind::Organization));
        assert_eq!(kind("Paris"), Some(EntityKind::Place));
        let france = reg.entities.iter().find(|e| e.name == "France").unwrap();
        assert!(france.aliases.contains(&"French".to_string()));
    }

    #[test]
    fn surnames_honorifics_and_transliterations_join_the_person() {
        let mut reg = Registry::default();
        for s in [
            "Foreign Minister Dmitry Ivanov arrived.",
            "Mr Ivanov spoke.",
            "Dmitri Ivanov left.",
            "Anna Ivanov, his sister, stayed.",
        ] {
            let toks = tokenize(s, 0, s.len());
            find_mentions(s, &toks, &mut reg, None);
        }
        let persons: Vec<&ExtractedEntity> = reg
            .entities
            .iter()
            .filter(|e| e.kind == EntityKind::Person)
            .collect();
        assert_eq!(persons.len(), 2, "{persons:?}");
        let d = persons.iter().find(|e| e.name == "Dmitry Ivanov").unwrap();
        for a in ["Mr Ivanov", "Ivanov", "Dmitri Ivanov"] {
            assert!(d.aliases.iter().any(|x| x == a), "{a} in {:?}", d.aliases);
        }
    }

    #[test]
    fn acronyms_join_their_long_form() {
        let mut reg = Registry::default();
        for s in [
            "The Group of 7 met.",
            "Leaders of the G7 agreed.",
            "The G-7 ended.",
        ] {
            let toks = tokenize(s, 0, s.len());
            find_mentions(s, &toks, &mut reg, None);
        }
        let g: Vec<&ExtractedEntity> = reg
            .entities
            .iter()
            .filter(|e| e.name.contains('7'))
            .collect();
        assert_eq!(g.len(), 1, "{g:?}");
        assert_eq!(g[0].name, "Group of 7");
    }
}

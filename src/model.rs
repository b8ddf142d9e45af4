//! The data model: documents, entities, facts and their provenance.
//!
//! These are the types a user of the library sees. They are plain serde
//! types; how they are laid out on disk is the business of
//! [`crate::storage::codec`] alone.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// Identifier of a document inside one store.
pub type DocId = u64;
/// Identifier of an entity inside one store.
pub type EntityId = u64;
/// Identifier of a fact inside one store.
pub type FactId = u64;
/// Identifier of a normalized relation inside one store.
pub type RelId = u32;

/// One ingested article (or one source named by an imported fact).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    /// Store-local id.
    pub id: DocId,
    /// Headline, or the file name when the article has none.
    pub title: String,
    /// Where the text came from: a path, `-` for stdin, or a name given by an importer.
    pub origin: String,
    /// Publication date as ISO `YYYY-MM-DD`, when the page gives one.
    pub published: Option<String>,
    /// Byline ("By Jane Doe, CNN"), when the page gives one.
    pub byline: Option<String>,
    /// Dateline place ("NEW DELHI, India"), when the page gives one.
    pub dateline: Option<String>,
    /// Hex BLAKE3 hash of the raw article bytes; the key of idempotent ingest.
    pub hash: String,
}

/// What sort of thing an entity is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntityKind {
    /// A human being.
    Person,
    /// A company, government body, party, team, news outlet, ...
    Organization,
    /// A country, city, region or other location.
    Place,
    /// A named thing made by people: treaty, plan, law, event, work.
    Work,
    /// Anything else.
    Other,
}

impl EntityKind {
    /// All kinds, in display order.
    pub const ALL: [EntityKind; 5] = [
        EntityKind::Person,
        EntityKind::Organization,
        EntityKind::Place,
        EntityKind::Work,
        EntityKind::Other,
    ];

    /// The lowercase name used in JSONL and in query output.
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Person => "person",
            EntityKind::Organization => "organization",
            EntityKind::Place => "place",
            EntityKind::Work => "work",
            EntityKind::Other => "other",
        }
    }

    /// Parses the lowercase name; `None` for anything else.
    pub fn parse(s: &str) -> Option<EntityKind> {
        EntityKind::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s))
    }
}

impl fmt::Display for EntityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A person, organization, place or named thing, with every name it was seen under.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entity {
    /// Store-local id.
    pub id: EntityId,
    /// The canonical (usually longest, fullest) name.
    pub name: String,
    /// What sort of thing it is.
    pub kind: EntityKind,
    /// Every other name seen for it, canonical name excluded, in first-seen order.
    pub aliases: Vec<String>,
}

/// A literal object value.
///
/// Externally tagged on purpose: bincode cannot decode internally or
/// adjacently tagged enums; the JSONL form `{"type":..,"value":..}` is
/// produced by [`crate::jsonl`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Literal {
    /// Free text, such as a role ("Russian Foreign Minister").
    Text(String),
    /// A number.
    Number(f64),
    /// An ISO date (`2023-03-02`) or month (`2023-03`) or year (`2023`).
    Date(String),
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Text(s) | Literal::Date(s) => f.write_str(s),
            Literal::Number(n) => write!(f, "{n}"),
        }
    }
}

/// The object of a fact: another entity or a literal value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Object {
    /// An entity of the same store.
    Entity(EntityId),
    /// A literal value.
    Literal(Literal),
}

/// Whether a fact was stated or denied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Polarity {
    /// "Blinken met Lavrov".
    #[default]
    Positive,
    /// "Lavrov did not mention ...".
    Negative,
}

impl Polarity {
    /// `"positive"` or `"negative"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Polarity::Positive => "positive",
            Polarity::Negative => "negative",
        }
    }
}

/// Where a fact was read: a document, the sentence, and its byte span in the document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    /// The document the sentence is in.
    pub doc: DocId,
    /// The sentence text as it stands in the cleaned article.
    pub sentence: String,
    /// Byte range `[start, end)` of the sentence in the original document bytes.
    pub span: (u64, u64),
}

/// Qualifiers of a fact: `time`, `place`, `duration`, `attribution`, and any others.
///
/// A sorted map keeps the JSONL export stable.
pub type Qualifiers = BTreeMap<String, String>;

/// One entity–relation fact with all its sources.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Fact {
    /// Store-local id.
    pub id: FactId,
    /// The entity the fact is about.
    pub subject: EntityId,
    /// Normalized relation ("meet").
    pub relation: String,
    /// The relation as first written ("met with").
    pub relation_text: String,
    /// The other entity, or a literal value.
    pub object: Object,
    /// Time, place, duration, attribution and other qualifiers.
    pub qualifiers: Qualifiers,
    /// Stated or denied.
    pub polarity: Polarity,
    /// 0..=1, grows with independent sources.
    pub confidence: f32,
    /// Every place the fact was read, one per document and sentence.
    pub sources: Vec<Source>,
}

/// Counts that describe a store, as shown by `lore stats`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// Documents ingested or named by imports.
    pub documents: u64,
    /// Distinct entities.
    pub entities: u64,
    /// Distinct facts.
    pub facts: u64,
    /// Distinct normalized relations.
    pub relations: u64,
    /// Sources over all facts.
    pub sources: u64,
    /// Bytes the store occupies on disk.
    pub disk_bytes: u64,
}

/// Combines per-source confidences as independent evidence: `1 - Π(1 - c)`.
///
/// Two sources at 0.6 give 0.84; the result never exceeds 0.99 so that no
/// fact read from text is presented as certain.
pub fn combine_confidence(a: f32, b: f32) -> f32 {
    let a = a.clamp(0.0, 1.0);
    let b = b.clamp(0.0, 1.0);
    (1.0 - (1.0 - a) * (1.0 - b)).min(0.99)
}

/// How much of the calendar an ISO time names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DatePrecision {
    /// `YYYY`.
    Year,
    /// `YYYY-MM`.
    Month,
    /// `YYYY-MM-DD`.
    Day,
}

/// The precision of `s` when it is `YYYY`, `YYYY-MM` or `YYYY-MM-DD` naming
/// a real year, month or day, else `None`: the one check of the times lore
/// stores, used by the timeline and the RDF typing alike. jiff decides
/// whether a day exists (`2024-02-29` does, `2023-02-29` does not).
pub fn iso_date(s: &str) -> Option<DatePrecision> {
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    let num = |r: std::ops::Range<usize>| s.get(r).and_then(|t| t.parse::<i16>().ok());
    let year = if digits(0..4) {
        num(0..4)?
    } else {
        return None;
    };
    match b.len() {
        4 => Some(DatePrecision::Year),
        7 if b[4] == b'-' && digits(5..7) => {
            let month = i8::try_from(num(5..7)?).ok()?;
            jiff::civil::Date::new(year, month, 1)
                .ok()
                .map(|_| DatePrecision::Month)
        }
        10 if b[4] == b'-' && b[7] == b'-' && digits(5..7) && digits(8..10) => {
            let month = i8::try_from(num(5..7)?).ok()?;
            let day = i8::try_from(num(8..10)?).ok()?;
            jiff::civil::Date::new(year, month, day)
                .ok()
                .map(|_| DatePrecision::Day)
        }
        _ => None,
    }
}

// ---------------------------------------------------------------- merge rules
//
// When a new reading is the same fact as a stored one, and what merging
// them does. These are domain rules: the storage writer applies them (it
// finds the stored candidates), but they are decided here.

/// The qualifier that tells two occurrences of a fact apart.
pub const TIME: &str = "time";

/// Two ISO times name the same occasion when one refines the other
/// (`2023`, `2023-03`, `2023-03-02`).
pub fn times_agree(a: &str, b: &str) -> bool {
    a.starts_with(b) || b.starts_with(a)
}

/// Adds the new `sources` of one reading to a fact whose sources so far are
/// `base` followed by `sources_so_far`: a source already there (same document
/// and span) is skipped, and each new document raises the confidence.
pub fn add_sources(
    base: &[Source],
    sources_so_far: &mut Vec<Source>,
    confidence: &mut f32,
    new: Vec<Source>,
    reading_confidence: f32,
) -> u64 {
    let mut added = 0;
    for s in new {
        let mut seen = base.iter().chain(sources_so_far.iter());
        if seen.clone().any(|x| x.doc == s.doc && x.span == s.span) {
            continue;
        }
        if !seen.any(|x| x.doc == s.doc) {
            *confidence = combine_confidence(*confidence, reading_confidence);
        }
        sources_so_far.push(s);
        added += 1;
    }
    added
}

/// Adds `alias` to `entity` unless it is its name or already there; true when added.
pub fn add_alias(entity: &mut Entity, alias: String) -> bool {
    let alias = alias.trim().to_string();
    if alias.is_empty() || alias == entity.name || entity.aliases.contains(&alias) {
        return false;
    }
    entity.aliases.push(alias);
    true
}

/// Normalizes a name for lookup: case-folded, punctuation dropped, spaces collapsed.
///
/// "U.S." → "us", "US" → "us", "G-20" → "g20", "Group  of 20" → "group of 20".
/// Apostrophes vanish, so callers strip possessives before they get here.
pub fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut pending_space = false;
    for ch in name.chars() {
        if ch.is_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.extend(ch.to_lowercase());
        } else if ch.is_whitespace() || ch == '_' {
            pending_space = true;
        }
        // Other punctuation ('.', '-', '\'') joins: "U.S." -> "us", "G-20" -> "g20".
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_joins_punctuation_and_folds_case() {
        assert_eq!(normalize_name("U.S."), "us");
        assert_eq!(normalize_name("US"), "us");
        assert_eq!(normalize_name("G-20"), "g20");
        assert_eq!(normalize_name("  Group   of 20 "), "group of 20");
        assert_eq!(normalize_name("Sergey LAVROV"), "sergey lavrov");
        assert_eq!(normalize_name("!!!"), "");
    }

    #[test]
    fn confidence_grows_but_stays_below_one() {
        let two = combine_confidence(0.6, 0.6);
        assert!((two - 0.84).abs() < 1e-5, "{two}");
        let many = (0..20).fold(0.6, |c, _| combine_confidence(c, 0.6));
        assert!(many <= 0.99);
        assert!(many > two);
    }

    #[test]
    fn kind_round_trips_through_its_name() {
        for k in EntityKind::ALL {
            assert_eq!(EntityKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(EntityKind::parse("PERSON"), Some(EntityKind::Person));
        assert_eq!(EntityKind::parse("alien"), None);
    }

    #[test]
    fn times_agree_when_one_refines_the_other() {
        assert!(times_agree("2023", "2023-03-02"));
        assert!(times_agree("2023-03-02", "2023-03"));
        assert!(!times_agree("2023-03", "2023-04-01"));
        assert!(!times_agree("2022", "2023"));
    }

    fn src(doc: DocId, span: (u64, u64)) -> Source {
        Source {
            doc,
            sentence: String::new(),
            span,
        }
    }

    #[test]
    fn a_new_document_raises_confidence_and_a_repeated_source_is_skipped() {
        let base = [src(1, (0, 10))];
        let mut more = Vec::new();
        let mut conf = 0.6;
        // The same sentence again: nothing added, confidence unchanged.
        assert_eq!(
            add_sources(&base, &mut more, &mut conf, vec![src(1, (0, 10))], 0.6),
            0
        );
        assert_eq!(conf, 0.6);
        // Another sentence of the same document: added, same confidence.
        assert_eq!(
            add_sources(&base, &mut more, &mut conf, vec![src(1, (20, 30))], 0.6),
            1
        );
        assert_eq!(conf, 0.6);
        // Another document: added, and the confidence combines.
        assert_eq!(
            add_sources(&base, &mut more, &mut conf, vec![src(2, (0, 10))], 0.6),
            1
        );
        assert!((conf - 0.84).abs() < 1e-6, "{conf}");
        assert_eq!(more.len(), 2);
    }

    #[test]
    fn an_alias_is_added_once_and_never_the_name_itself() {
        let mut e = Entity {
            id: 0,
            name: "Ann Lee".into(),
            kind: EntityKind::Person,
            aliases: vec![],
        };
        assert!(!add_alias(&mut e, "Ann Lee".into()));
        assert!(!add_alias(&mut e, "  ".into()));
        assert!(add_alias(&mut e, " Lee ".into()));
        assert!(!add_alias(&mut e, "Lee".into()));
        assert_eq!(e.aliases, ["Lee"]);
    }

    #[test]
    fn iso_dates_are_real_years_months_and_days() {
        assert_eq!(iso_date("2023"), Some(DatePrecision::Year));
        assert_eq!(iso_date("2023-03"), Some(DatePrecision::Month));
        assert_eq!(iso_date("2024-02-29"), Some(DatePrecision::Day));
        for not in [
            "2023-02-29",
            "2023-13",
            "2023-00",
            "2023-04-31",
            "2023-3-2",
            "20230302",
            "March 2023",
            "２０２３",
            "",
            "2023-03-02T10:00",
        ] {
            assert_eq!(iso_date(not), None, "{not}");
        }
    }
}

//! The ingester: article text in, entities and facts with provenance out.
//!
//! Architecture invariant: this module does no I/O and knows nothing of
//! storage. [`extract`] is a pure function of the text; cross-document
//! entity resolution asks the store through the [`EntityLookup`] trait.

use crate::model::{Entity, EntityId, EntityKind, Literal, Polarity, Qualifiers, normalize_name};

/// Document metadata found in the page.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DocMeta {
    /// Headline.
    pub title: Option<String>,
    /// Publication date, ISO.
    pub published: Option<String>,
    /// Byline.
    pub byline: Option<String>,
    /// Dateline place.
    pub dateline: Option<String>,
}

/// An entity found in one article, with every name it had there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExtractedEntity {
    /// Fullest name.
    pub name: String,
    /// Kind.
    pub kind: EntityKind,
    /// Other names used in the article.
    pub aliases: Vec<String>,
}

/// The object of an extracted fact.
#[derive(Clone, Debug, PartialEq)]
pub enum ExtractedObject {
    /// Index into [`Extraction::entities`].
    Entity(usize),
    /// A literal.
    Literal(Literal),
}

/// A fact read in one sentence.
#[derive(Clone, Debug, PartialEq)]
pub struct ExtractedFact {
    /// Index into [`Extraction::entities`].
    pub subject: usize,
    /// Normalized relation.
    pub relation: String,
    /// Relation as written.
    pub relation_text: String,
    /// Object.
    pub object: ExtractedObject,
    /// Time, place, duration, attribution.
    pub qualifiers: Qualifiers,
    /// Stated or denied.
    pub polarity: Polarity,
    /// Confidence of this reading.
    pub confidence: f32,
    /// The sentence.
    pub sentence: String,
    /// Byte span of the sentence in the original text.
    pub span: (usize, usize),
}

/// What one article yields.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Extraction {
    /// Metadata.
    pub meta: DocMeta,
    /// Entities, each once.
    pub entities: Vec<ExtractedEntity>,
    /// Facts.
    pub facts: Vec<ExtractedFact>,
}

/// Reads entities and facts from one article.
pub fn extract(text: &str) -> Extraction {
    let mut ex = Extraction::default();
    let title = text.lines().map(str::trim).find(|l| !l.is_empty());
    ex.meta.title = title.map(str::to_string);
    for (start, end) in sentences(text) {
        let sentence = &text[start..end];
        let words: Vec<(usize, &str)> = words(sentence);
        let mut names: Vec<(usize, usize, String)> = Vec::new(); // word range + text
        let mut i = 0;
        while i < words.len() {
            if is_capitalized(words[i].1) && i > 0 {
                let mut j = i;
                while j < words.len() && is_capitalized(words[j].1) {
                    j += 1;
                }
                let name = words[i..j]
                    .iter()
                    .map(|w| w.1)
                    .collect::<Vec<_>>()
                    .join(" ");
                names.push((i, j, name));
                i = j;
            } else {
                i += 1;
            }
        }
        for pair in names.windows(2) {
            let (_, a_end, a) = &pair[0];
            let (b_start, _, b) = &pair[1];
            let between: Vec<&str> = words[*a_end..*b_start].iter().map(|w| w.1).collect();
            let phrase = between.join(" ").to_lowercase();
            if between.is_empty() || between.len() > 3 {
                continue;
            }
            let relation = normalize_relation(&phrase);
            if relation != "meet" {
                continue;
            }
            let s = entity_index(&mut ex.entities, a);
            let o = entity_index(&mut ex.entities, b);
            ex.facts.push(ExtractedFact {
                subject: s,
                relation,
                relation_text: phrase,
                object: ExtractedObject::Entity(o),
                qualifiers: Qualifiers::new(),
                polarity: Polarity::Positive,
                confidence: 0.6,
                sentence: sentence.trim().to_string(),
                span: (start, end),
            });
        }
    }
    ex
}

fn entity_index(entities: &mut Vec<ExtractedEntity>, name: &str) -> usize {
    if let Some(i) = entities.iter().position(|e| e.name == name) {
        return i;
    }
    entities.push(ExtractedEntity {
        name: name.to_string(),
        kind: EntityKind::Other,
        aliases: Vec::new(),
    });
    entities.len() - 1
}

fn is_capitalized(w: &str) -> bool {
    w.chars().next().is_some_and(char::is_uppercase)
}

fn words(s: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in s.char_indices() {
        if c.is_alphanumeric() || c == '-' || c == '\'' {
            start.get_or_insert(i);
        } else if let Some(st) = start.take() {
            out.push((st, &s[st..i]));
        }
    }
    if let Some(st) = start {
        out.push((st, &s[st..]));
    }
    out
}

/// Byte ranges of the sentences of `text`.
pub fn sentences(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    for (i, c) in text.char_indices() {
        let end_here = matches!(c, '.' | '!' | '?' | '\n')
            && bytes.get(i + 1).is_none_or(|b| b.is_ascii_whitespace());
        if end_here {
            let s = &text[start..=i];
            if !s.trim().is_empty() {
                out.push((start, i + 1));
            }
            start = i + 1;
        }
    }
    if !text[start..].trim().is_empty() {
        out.push((start, text.len()));
    }
    out
}

/// Normalizes a relation phrase: "met with" / "meets" / "meeting" → "meet".
pub fn normalize_relation(phrase: &str) -> String {
    let words: Vec<String> = phrase
        .split_whitespace()
        .map(|w| w.to_lowercase())
        .filter(|w| !matches!(w.as_str(), "has" | "have" | "had" | "with"))
        .collect();
    let lemma = |w: &str| -> String {
        match w {
            "met" | "meets" | "meeting" => "meet".into(),
            _ => w.to_string(),
        }
    };
    words.iter().map(|w| lemma(w)).collect::<Vec<_>>().join(" ")
}

/// True for relations that hold both ways ("meet"): stored once, matched in either direction.
pub fn is_symmetric(relation: &str) -> bool {
    static LIST: std::sync::LazyLock<Vec<&'static str>> = std::sync::LazyLock::new(|| {
        include_str!("../../data/lexicon/symmetric.txt")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    });
    LIST.contains(&relation)
}

/// What ingest needs to know about entities already in the store.
pub trait EntityLookup {
    /// Entities whose name or alias normalizes to `normalized`.
    fn by_name(&self, normalized: &str) -> crate::Result<Vec<Entity>>;
}

/// How one extracted entity maps onto the store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resolution {
    /// The same entity as an existing one; aliases not yet known for it.
    Existing(EntityId, Vec<String>),
    /// A new entity.
    New,
}

/// Matches extracted entities to stored ones by name and kind.
pub fn resolve(
    entities: &[ExtractedEntity],
    lookup: &dyn EntityLookup,
) -> crate::Result<Vec<Resolution>> {
    let mut out = Vec::with_capacity(entities.len());
    for e in entities {
        let found = lookup
            .by_name(&normalize_name(&e.name))?
            .into_iter()
            .find(|c| {
                c.kind == e.kind || c.kind == EntityKind::Other || e.kind == EntityKind::Other
            });
        out.push(match found {
            Some(c) => {
                let new: Vec<String> = std::iter::once(&e.name)
                    .chain(&e.aliases)
                    .filter(|a| **a != c.name && !c.aliases.contains(a))
                    .cloned()
                    .collect();
                Resolution::Existing(c.id, new)
            }
            None => Resolution::New,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_meeting_between_two_names() {
        let ex = extract("Headline\n\nToday Ann Lee met with Bob Stone in Paris.");
        assert_eq!(ex.facts.len(), 1);
        let f = &ex.facts[0];
        assert_eq!(ex.entities[f.subject].name, "Ann Lee");
        assert_eq!(f.relation, "meet");
        assert_eq!(f.relation_text, "met with");
    }

    #[test]
    fn meeting_is_symmetric_and_urging_is_not() {
        assert!(is_symmetric("meet"));
        assert!(!is_symmetric("urge"));
    }

    #[test]
    fn relation_forms_normalize_to_one() {
        for p in ["met", "meets", "met with", "has met"] {
            assert_eq!(normalize_relation(p), "meet", "{p}");
        }
    }
}

//! One article read and extracted, ready to be stored or printed.
//!
//! `lore ingest` stores an [`Article`]; `lore extract` prints it as JSONL and
//! `lore import` reads it back into the same value, which the store then
//! writes by the same code. That shared value is what makes "extract
//! anywhere, import here" give the store that ingest gives.

use std::path::Path;

use super::{ExtractedEntity, ExtractedFact, ExtractedObject, extract};
use crate::model::Document;

/// An article's document row, entities and facts, with each fact's sentence.
#[derive(Clone, Debug, PartialEq)]
pub struct Article {
    /// The document row (id 0 until stored); `hash` is the text's blake3.
    pub document: Document,
    /// The article's entities, each once; facts index into this list.
    pub entities: Vec<ExtractedEntity>,
    /// The facts, each with the sentence it was read from.
    pub facts: Vec<ArticleFact>,
}

/// A fact of one article with its sentence and where its parts are written.
#[derive(Clone, Debug, PartialEq)]
pub struct ArticleFact {
    /// The fact; `span` is the sentence's byte span in the article.
    pub fact: ExtractedFact,
    /// The sentence text.
    pub sentence: String,
    /// Byte span in the article of the subject as written, when a name of it is in the sentence.
    pub subject_span: Option<(usize, usize)>,
    /// Byte span in the article of the relation as written, when it is in the sentence.
    pub relation_span: Option<(usize, usize)>,
    /// Byte span in the article of the object as written, when it is in the sentence.
    pub object_span: Option<(usize, usize)>,
}

/// Which extractor reads the facts of an article.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Extractor {
    /// Clause patterns over names and a verb lexicon ([`super::extract`]):
    /// what `lore ingest` has stored so far; precise, but it reads few facts.
    #[default]
    Patterns,
    /// Propositions from dependency trees ([`super::tree::extract_from_parse`]):
    /// several times the facts, on any topic, at a fraction of the
    /// precision and the speed; being rebuilt (issue 18).
    Parse,
    /// The patterns' facts, and the parse's facts between two named
    /// entities that the patterns did not read ([`super::extract_both`]).
    Both,
}

/// The blake3 hash (hex) by which a stored article is known again.
pub fn text_hash(text: &str) -> String {
    blake3::hash(text.as_bytes()).to_hex().to_string()
}

/// Reads one article: cleans it, extracts its facts, and names the document.
///
/// The title is the page's headline, else the file stem of `origin`.
///
/// ```
/// let a = lore::ingest::read_article("Talks\n\nAnn Lee met Bob Stone in Paris.", "talks.txt");
/// assert_eq!(a.document.origin, "talks.txt");
/// let met = a.facts.iter().find(|f| f.fact.relation == "meet").unwrap();
/// assert_eq!(met.sentence, "Ann Lee met Bob Stone in Paris.");
/// ```
pub fn read_article(text: &str, origin: &str) -> Article {
    read_article_with(text, origin, Extractor::Patterns)
}

/// [`read_article`] with the facts read by `extractor`.
pub fn read_article_with(text: &str, origin: &str, extractor: Extractor) -> Article {
    let ex = match extractor {
        Extractor::Patterns => extract(text),
        Extractor::Parse => super::tree::extract_from_parse(text),
        Extractor::Both => super::extract_both(text),
    };
    let title = ex.meta.title.clone().unwrap_or_else(|| {
        Path::new(origin)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| origin.to_string())
    });
    let document = Document {
        id: 0,
        title,
        origin: origin.to_string(),
        published: ex.meta.published.clone(),
        byline: ex.meta.byline.clone(),
        dateline: ex.meta.dateline.clone(),
        hash: text_hash(text),
    };
    let facts = ex
        .facts
        .into_iter()
        .map(|fact| {
            let sentence = fact.sentence(text).to_string();
            let within = |needles: &mut dyn Iterator<Item = &str>| {
                locate(&sentence, needles).map(|(s, e)| (fact.span.0 + s, fact.span.0 + e))
            };
            let names = |i: usize| {
                ex.entities
                    .get(i)
                    .map(|e| {
                        let mut v: Vec<&str> = std::iter::once(e.name.as_str())
                            .chain(e.aliases.iter().map(String::as_str))
                            .collect();
                        // The longest written form first: "Ann Lee" before "Lee".
                        v.sort_by_key(|n| std::cmp::Reverse(n.len()));
                        v
                    })
                    .unwrap_or_default()
            };
            let subject_span = within(&mut names(fact.subject).into_iter());
            let relation_span = within(&mut std::iter::once(fact.relation_text.as_str()));
            let object_span = match &fact.object {
                ExtractedObject::Entity(i) => within(&mut names(*i).into_iter()),
                ExtractedObject::Literal(l) => within(&mut std::iter::once(l.to_string().as_str())),
            };
            ArticleFact {
                fact,
                sentence,
                subject_span,
                relation_span,
                object_span,
            }
        })
        .collect();
    Article {
        document,
        entities: ex.entities,
        facts,
    }
}

/// The byte span in `sentence` of the first of `needles` written there as
/// whole words ("Lee" is not found inside "Leeds").
fn locate(sentence: &str, needles: &mut dyn Iterator<Item = &str>) -> Option<(usize, usize)> {
    for needle in needles {
        if needle.is_empty() {
            continue;
        }
        for (at, _) in sentence.match_indices(needle) {
            let end = at + needle.len();
            let before = sentence[..at].chars().next_back();
            let after = sentence[end..].chars().next();
            let boundary = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric());
            if boundary(before) && boundary(after) {
                return Some((at, end));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_point_at_the_parts_as_written() {
        let text = "Talks\n\nAnn Lee met with Bob Stone in Paris on Monday.";
        let a = read_article(text, "dir/talks.txt");
        assert_eq!(a.document.title, "Talks");
        assert_eq!(a.document.hash, text_hash(text));
        let f = a
            .facts
            .iter()
            .find(|f| f.fact.relation == "meet")
            .expect("the meeting is read");
        let at = |s: Option<(usize, usize)>| s.map(|(s, e)| &text[s..e]);
        assert_eq!(at(f.subject_span), Some("Ann Lee"));
        assert_eq!(at(f.object_span), Some("Bob Stone"));
        assert_eq!(at(f.relation_span), Some(f.fact.relation_text.as_str()));
        assert_eq!(&text[f.fact.span.0..f.fact.span.1], f.sentence);
    }

    #[test]
    fn a_name_is_found_only_as_whole_words() {
        let mut names = ["Lee"].into_iter();
        assert_eq!(locate("Leeds beat Lee's side.", &mut names), Some((11, 14)));
        let mut none = ["Lee"].into_iter();
        assert_eq!(locate("Leeds won.", &mut none), None);
    }

    #[test]
    fn a_page_that_opens_with_its_lead_is_titled_by_it() {
        let a = read_article("Ann Lee met Bob Stone.", "some/dir/story-7.txt");
        assert_eq!(a.document.title, "Ann Lee met Bob Stone.");
        assert_eq!(a.document.origin, "some/dir/story-7.txt");
    }
}

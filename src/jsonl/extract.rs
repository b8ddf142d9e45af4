//! The JSONL that `lore extract` writes and `lore import` reads back: each
//! article as one `article` line (document and entities) followed by its
//! `fact` lines.
//!
//! ```text
//! {"type":"article","origin":"a.txt","title":"Talks","published":"2023-03-02","byline":null,"dateline":null,
//!  "hash":"…","entities":[{"name":"Ann Lee","kind":"person","aliases":["Lee"]},…],"facts":1}
//! {"type":"fact","subject":"Ann Lee","subject_index":0,"relation":"meet","relation_text":"met with",
//!  "object":"Bob Stone","object_index":1,"qualifiers":{"place":"Paris"},"polarity":"positive","confidence":0.8,
//!  "sentence":"Ann Lee met with Bob Stone in Paris.","span":[7,43],"subject_span":[7,14],
//!  "relation_span":[15,23],"object_span":[24,33]}
//! ```
//!
//! Entity indexes are local to their article and every span is a byte range
//! in the article text, so the output of runs on different machines can be
//! concatenated in any order. The `facts` count lets the importer tell a
//! complete article from one cut short by a crashed run.

use std::io::{BufRead, Write};

use serde::{Deserialize, Serialize};

use super::{LiteralLine, ObjectLine, any_kind};
use crate::error::{Error, Result};
use crate::ingest::{Article, ArticleFact, ExtractedEntity, ExtractedFact, ExtractedObject};
use crate::model::{Document, EntityKind, Polarity, Qualifiers, normalize_name};

#[derive(Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
enum Line {
    Article(ArticleLine),
    Fact(FactLine),
}

#[derive(Serialize, Deserialize)]
struct ArticleLine {
    origin: String,
    title: String,
    #[serde(default)]
    published: Option<String>,
    #[serde(default)]
    byline: Option<String>,
    #[serde(default)]
    dateline: Option<String>,
    hash: String,
    entities: Vec<EntityLine>,
    facts: usize,
}

#[derive(Serialize, Deserialize)]
struct EntityLine {
    name: String,
    #[serde(deserialize_with = "any_kind")]
    kind: EntityKind,
    #[serde(default)]
    aliases: Vec<String>,
}

#[derive(Serialize, Deserialize)]
struct FactLine {
    subject: String,
    subject_index: usize,
    relation: String,
    relation_text: String,
    object: ObjectLine,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    object_index: Option<usize>,
    #[serde(default)]
    qualifiers: Qualifiers,
    #[serde(default)]
    polarity: Polarity,
    confidence: f32,
    sentence: String,
    span: (usize, usize),
    #[serde(default)]
    subject_span: Option<(usize, usize)>,
    #[serde(default)]
    relation_span: Option<(usize, usize)>,
    #[serde(default)]
    object_span: Option<(usize, usize)>,
}

/// Writes one article as an `article` line and its `fact` lines.
pub fn write_article(out: &mut dyn Write, a: &Article) -> std::io::Result<()> {
    let d = &a.document;
    let head = Line::Article(ArticleLine {
        origin: d.origin.clone(),
        title: d.title.clone(),
        published: d.published.clone(),
        byline: d.byline.clone(),
        dateline: d.dateline.clone(),
        hash: d.hash.clone(),
        entities: a
            .entities
            .iter()
            .map(|e| EntityLine {
                name: e.name.clone(),
                kind: e.kind,
                aliases: e.aliases.clone(),
            })
            .collect(),
        facts: a.facts.len(),
    });
    write_line(out, &head)?;
    let name = |i: usize| {
        a.entities
            .get(i)
            .map(|e| e.name.clone())
            .unwrap_or_default()
    };
    for af in &a.facts {
        let f = &af.fact;
        let (object, object_index) = match &f.object {
            ExtractedObject::Entity(i) => (ObjectLine::Name(name(*i)), Some(*i)),
            ExtractedObject::Literal(l) => {
                (ObjectLine::Literal(LiteralLine::from(l.clone())), None)
            }
        };
        write_line(
            out,
            &Line::Fact(FactLine {
                subject: name(f.subject),
                subject_index: f.subject,
                relation: f.relation.clone(),
                relation_text: f.relation_text.clone(),
                object,
                object_index,
                qualifiers: f.qualifiers.clone(),
                polarity: f.polarity,
                confidence: f.confidence,
                sentence: af.sentence.clone(),
                span: f.span,
                subject_span: af.subject_span,
                relation_span: af.relation_span,
                object_span: af.object_span,
            }),
        )?;
    }
    Ok(())
}

fn write_line(out: &mut dyn Write, line: &Line) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, line)?;
    out.write_all(b"\n")
}

/// Whether `first_line` (the first non-blank line of a JSONL file) opens `lore extract` output.
pub fn is_extract_output(first_line: &str) -> bool {
    #[derive(Deserialize)]
    struct Tag {
        #[serde(rename = "type")]
        kind: Option<String>,
    }
    // Only the tag is read, so a long article line costs one scan.
    let t = first_line.trim_start();
    t.starts_with('{')
        && serde_json::from_str::<Tag>(t).is_ok_and(|t| t.kind.as_deref() == Some("article"))
}

/// What reading `lore extract` output found, besides the articles handed on.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ExtractRead {
    /// Lines read.
    pub lines: u64,
    /// Articles handed to the caller.
    pub articles: u64,
    /// Articles left out for a bad line (only with `keep_going`).
    pub bad_articles: u64,
}

/// An article being read: its line number, head and facts so far.
struct Open {
    line: u64,
    article: Article,
    announced: usize,
    bad: bool,
}

/// Reads `lore extract` output and hands each complete article to `store`.
///
/// A bad line (unreadable JSON, an index past the article's entities, a fact
/// before any article, an article with fewer or more facts than it
/// announces) stops the reading with an error naming `name:line`; with
/// `keep_going` it goes to `on_error` and its whole article is left out,
/// since part of an article would be a store that ingest never gives.
pub fn read_articles(
    input: &mut dyn BufRead,
    name: &str,
    keep_going: bool,
    on_error: &mut dyn FnMut(Error),
    store: &mut dyn FnMut(Article) -> Result<()>,
) -> Result<ExtractRead> {
    let mut r = Reader {
        name,
        keep_going,
        on_error,
        read: ExtractRead::default(),
    };
    let mut open: Option<Open> = None;
    let mut buf = Vec::new();
    loop {
        let lineno = r.read.lines + 1;
        match super::read_line(input, &mut buf, name, lineno, keep_going)? {
            super::Read::End => break,
            super::Read::TooLong => {
                r.read.lines = lineno;
                r.fail(open.as_mut(), lineno, super::too_long())?;
                continue;
            }
            super::Read::Line => r.read.lines = lineno,
        }
        let text = String::from_utf8_lossy(&buf);
        if text.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Line>(text.trim()) {
            Ok(Line::Article(a)) => {
                if let Some(done) = open.take() {
                    r.finish(done, store)?;
                }
                let announced = a.facts;
                let (article, why) = article_of(a);
                open = Some(Open {
                    line: lineno,
                    announced,
                    article,
                    bad: false,
                });
                if let Some(why) = why {
                    r.fail(open.as_mut(), lineno, why)?;
                }
            }
            Ok(Line::Fact(f)) => match open.as_mut() {
                None => r.fail(
                    None,
                    lineno,
                    "a fact line before any article line; `lore extract` output starts each article with its article line".into(),
                )?,
                Some(o) => match fact_of(f, o.article.entities.len()) {
                    Ok(af) => o.article.facts.push(af),
                    Err(why) => r.fail(Some(o), lineno, why)?,
                },
            },
            Err(e) => r.fail(
                open.as_mut(),
                lineno,
                format!("not a line of `lore extract` output: {e}"),
            )?,
        }
    }
    if let Some(done) = open.take() {
        r.finish(done, store)?;
    }
    Ok(r.read)
}

struct Reader<'a> {
    name: &'a str,
    keep_going: bool,
    on_error: &'a mut dyn FnMut(Error),
    read: ExtractRead,
}

impl Reader<'_> {
    /// Reports a bad line: an error, or with `keep_going` a report that
    /// leaves the open article out.
    fn fail(&mut self, open: Option<&mut Open>, line: u64, why: String) -> Result<()> {
        let e = Error::bad_input(format!("{}:{line}", self.name), why);
        if !self.keep_going {
            return Err(e);
        }
        (self.on_error)(e);
        if let Some(o) = open
            && !o.bad
        {
            o.bad = true;
            self.read.bad_articles += 1;
        }
        Ok(())
    }

    /// Hands a complete article on, or reports why it is incomplete.
    fn finish(&mut self, mut o: Open, store: &mut dyn FnMut(Article) -> Result<()>) -> Result<()> {
        if o.bad {
            return Ok(());
        }
        if o.article.facts.len() != o.announced {
            let why = format!(
                "the article {} announces {} facts but {} follow it; the output was cut short, so run `lore extract` on that article again",
                o.article.document.origin,
                o.announced,
                o.article.facts.len()
            );
            let line = o.line;
            return self.fail(Some(&mut o), line, why);
        }
        self.read.articles += 1;
        store(o.article)
    }
}

/// The article of a head line, and what is wrong with it if anything.
fn article_of(a: ArticleLine) -> (Article, Option<String>) {
    let nameless = a
        .entities
        .iter()
        .position(|e| normalize_name(&e.name).is_empty());
    let why = nameless.map(|i| {
        format!("entity {i} of the article has no letters or digits in its name; give each entity its name")
    });
    let article = Article {
        document: Document {
            id: 0,
            title: a.title,
            origin: a.origin,
            published: a.published,
            byline: a.byline,
            dateline: a.dateline,
            hash: a.hash,
        },
        entities: a
            .entities
            .into_iter()
            .map(|e| ExtractedEntity {
                name: e.name,
                kind: e.kind,
                aliases: e.aliases,
            })
            .collect(),
        facts: Vec::new(),
    };
    (article, why)
}

fn fact_of(f: FactLine, entities: usize) -> std::result::Result<ArticleFact, String> {
    let index = |i: usize, what: &str| {
        if i < entities {
            Ok(i)
        } else {
            Err(format!(
                "{what} {i} is past the article's {entities} entities; the line does not belong to this article"
            ))
        }
    };
    let subject = index(f.subject_index, "subject_index")?;
    let object = match (f.object, f.object_index) {
        (_, Some(i)) => ExtractedObject::Entity(index(i, "object_index")?),
        (ObjectLine::Literal(l), None) => ExtractedObject::Literal(l.into()),
        (ObjectLine::Number(n), None) => ExtractedObject::Literal(crate::model::Literal::Number(n)),
        (ObjectLine::Name(_), None) => {
            return Err(
                "an entity object without its object_index; give the index into the article's entities"
                    .into(),
            );
        }
    };
    if f.span.0 > f.span.1 {
        return Err(format!(
            "the span [{}, {}] ends before it starts",
            f.span.0, f.span.1
        ));
    }
    Ok(ArticleFact {
        fact: ExtractedFact {
            subject,
            relation: f.relation,
            relation_text: f.relation_text,
            object,
            qualifiers: f.qualifiers,
            polarity: f.polarity,
            confidence: f.confidence,
            span: f.span,
        },
        sentence: f.sentence,
        subject_span: f.subject_span,
        relation_span: f.relation_span,
        object_span: f.object_span,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(input: &str, keep_going: bool) -> (Result<ExtractRead>, Vec<String>, Vec<Article>) {
        let mut errors = Vec::new();
        let mut stored = Vec::new();
        let r = read_articles(
            &mut input.as_bytes(),
            "x.jsonl",
            keep_going,
            &mut |e| errors.push(e.to_string()),
            &mut |a| {
                stored.push(a);
                Ok(())
            },
        );
        (r, errors, stored)
    }

    const HEAD: &str = r#"{"type":"article","origin":"a","title":"t","hash":"h","entities":[{"name":"Ann Lee","kind":"person"},{"name":"Bob Stone","kind":"person"}],"facts":1}"#;
    const FACT: &str = r#"{"type":"fact","subject":"Ann Lee","subject_index":0,"relation":"meet","relation_text":"met","object":"Bob Stone","object_index":1,"confidence":0.5,"sentence":"Ann Lee met Bob Stone.","span":[0,22]}"#;

    #[test]
    fn written_articles_read_back_equal() {
        let a = crate::ingest::read_article(
            "Talks\n\nAnn Lee met Bob Stone in Paris on 3 May 2021.",
            "a.txt",
        );
        let mut out = Vec::new();
        write_article(&mut out, &a).expect("write to memory");
        let text = String::from_utf8(out).expect("utf-8");
        assert!(is_extract_output(text.lines().next().expect("a line")));
        let (r, errors, stored) = read(&text, false);
        assert_eq!(r.expect("reads").articles, 1, "{errors:?}");
        assert_eq!(stored, vec![a]);
    }

    #[test]
    fn bad_lines_name_their_line_and_keep_going_leaves_their_article_out() {
        let past = FACT.replace("\"object_index\":1", "\"object_index\":7");
        let input = format!("{HEAD}\n{past}\n{HEAD}\n{FACT}\n");
        let (r, _, stored) = read(&input, false);
        let err = r
            .expect_err("an index past the entities is refused")
            .to_string();
        assert!(
            err.contains("x.jsonl:2") && err.contains("object_index 7"),
            "{err}"
        );
        assert!(stored.is_empty());

        let (r, errors, stored) = read(&input, true);
        let r = r.expect("keep going reads on");
        assert_eq!((r.articles, r.bad_articles, errors.len()), (1, 1, 1));
        assert_eq!(stored.len(), 1);
    }

    #[test]
    fn a_fact_before_any_article_and_a_nameless_entity_are_refused() {
        let (r, _, _) = read(FACT, false);
        assert!(
            r.expect_err("refused")
                .to_string()
                .contains("before any article")
        );
        let nameless = HEAD.replace("Bob Stone", "--");
        let (r, _, _) = read(&format!("{nameless}\n{FACT}"), false);
        assert!(r.expect_err("refused").to_string().contains("entity 1"));
    }

    #[test]
    fn an_article_missing_facts_is_reported_at_its_head() {
        let input = format!("{HEAD}\n{FACT}\n{HEAD}\n");
        let (r, _, stored) = read(&input, false);
        let err = r.expect_err("cut short").to_string();
        assert!(
            err.contains("x.jsonl:3") && err.contains("announces 1 facts but 0"),
            "{err}"
        );
        assert_eq!(stored.len(), 1);
        assert!(!is_extract_output(FACT));
    }
}

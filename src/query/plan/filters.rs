//! The planner's preparation of what is not an index lookup: the text and
//! kind filters (`~`, `=~`, `is`), compiled once per statement, and the
//! fields of source documents the document qualifiers name.

use super::super::ast::{self, CmpOp, Term};
use crate::diag::Diagnostic;
use crate::error::Result;
use crate::model::EntityKind;

/// The test of a `~`, `=~` or `is` filter.
#[derive(Clone, Debug)]
pub enum TextTest {
    /// `~`: this lower-cased text occurs in the value (or a name of the entity).
    Contains(String),
    /// `=~`: the expression matches the value (or a name of the entity).
    Matches(regex::Regex),
    /// `is`: the entity is of this kind.
    Kind(EntityKind),
}

/// The most memory a compiled `=~` expression may take: a regular
/// expression's size is bounded, and matching it is linear in the text
/// (the regex crate has no backtracking), so a filter's work stays bounded.
const REGEX_LIMIT: usize = 1 << 20;

/// A field of a source document, as a qualifier names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocField {
    /// `document`: `doc #ID`.
    Id,
    /// `title`.
    Title,
    /// `origin`: the file or address it came from.
    Origin,
    /// `published`: its date, when known.
    Published,
    /// `byline`.
    Byline,
}

impl DocField {
    pub(super) fn parse(key: &str) -> Option<DocField> {
        Some(match key {
            "document" => DocField::Id,
            "title" => DocField::Title,
            "origin" => DocField::Origin,
            "published" => DocField::Published,
            "byline" => DocField::Byline,
            _ => return None,
        })
    }
}

/// Prepares the test of a `~`, `=~` or `is` filter (`None` for the
/// comparisons): its left side is a variable, its right a constant text.
pub(super) fn text_test(f: &ast::Filter) -> Result<Option<TextTest>> {
    let what = match f.op {
        CmpOp::Contains => "`~`",
        CmpOp::Matches => "`=~`",
        CmpOp::Is => "`is`",
        _ => return Ok(None),
    };
    if !matches!(f.left, Term::Var(..)) {
        return Err(Diagnostic::new(
            format!("{what} tests a variable; put one on its left"),
            f.left.span(),
        )
        .with_help("e.g. `?x ~ \"lav\"`, `?x =~ \"^Sergu?ei\"`, `?x is person`")
        .into());
    }
    let (text, span) = match &f.right {
        Term::Name(t, s) | Term::Str(t, s) => (t.clone(), s.clone()),
        other => {
            return Err(Diagnostic::new(
                format!("{what} takes a quoted text on its right"),
                other.span(),
            )
            .into());
        }
    };
    Ok(Some(match f.op {
        CmpOp::Contains => TextTest::Contains(text.to_lowercase()),
        CmpOp::Matches => match regex::RegexBuilder::new(&text)
            .size_limit(REGEX_LIMIT)
            .dfa_size_limit(REGEX_LIMIT)
            .build()
        {
            Ok(r) => TextTest::Matches(r),
            Err(e) => {
                let detail = e.to_string();
                let last = detail.lines().last().unwrap_or("").trim().to_string();
                return Err(Diagnostic::new(
                    format!("not a regular expression lore can run: {last}"),
                    span,
                )
                .with_help("the syntax is Rust's regex crate's (no look-around or back-references); `(?i)` ignores case")
                .into());
            }
        },
        _ => match EntityKind::parse(&text) {
            Some(k) => TextTest::Kind(k),
            None => {
                let kinds: Vec<&str> = EntityKind::ALL.iter().map(|k| k.as_str()).collect();
                return Err(Diagnostic::new(format!("`{text}` is not a kind"), span)
                    .with_help(format!("the kinds are {}", kinds.join(", ")))
                    .into());
            }
        },
    }))
}

//! The parser: tokens → [`Statement`]s, by hand-written recursive descent.
//!
//! Grammar (EBNF; the same as in `docs/QUERY.md`):
//!
//! ```text
//! script    = { statement ";" } [ statement ] ;
//! statement = "explain" statement
//!           | "why" body
//!           | "describe" constant
//!           | "entities" [ "like" string ]
//!           | "relations" [ "like" string ]
//!           | "conflicts" [ "about" ( name | string | id ) ]
//!           | "find" item { "," item } "where" body tail
//!           | "count" [ variable | "*" ] "where" body
//!           | body tail ;
//! body      = clause { "," clause } ;
//! clause    = [ "not" ] pattern | [ "not" ] term op term ;
//! pattern   = term term term [ "{" key ":" term { "," key ":" term } "}" ] ;
//! tail      = [ "group" "by" variable { "," variable } ]
//!             [ "order" "by" order { "," order } ] [ "limit" number ] ;
//! item      = variable | "count" "(" [ variable ] ")" ;
//! order     = item [ "asc" | "desc" ] ;
//! op        = "=" | "!=" | "<" | "<=" | ">" | ">=" ;
//! ```
//!
//! Errors say what was expected at which token, and suggest the keyword a
//! misspelt word most likely meant.

use super::ast::*;
use super::lexer::{Tok, Token, tokenize};
use crate::diag::{Diagnostic, did_you_mean};
use crate::model::EntityKind;

/// Keywords that can start a statement (for "did you mean" on the first word).
const STATEMENT_KEYWORDS: &[&str] = &[
    "find",
    "count",
    "why",
    "describe",
    "entities",
    "relations",
    "explain",
    "conflicts",
];

/// Parses a whole script.
pub fn parse(text: &str) -> Result<Vec<Statement>, Diagnostic> {
    let toks = tokenize(text)?;
    let mut p = Parser {
        toks: &toks,
        pos: 0,
        end: text.len(),
    };
    let mut out = Vec::new();
    loop {
        while p.eat_punct(";") {}
        if p.at_end() {
            break;
        }
        let stmt = p.statement()?;
        out.push(stmt);
        if !p.at_end() && !p.eat_punct(";") {
            return Err(p.expected(
                "`;` or `,` after the statement",
                &["limit", "order", "group"],
            ));
        }
    }
    Ok(out)
}

struct Parser<'t> {
    toks: &'t [Token],
    pos: usize,
    end: usize,
}

impl Parser<'_> {
    fn at_end(&self) -> bool {
        self.pos >= self.toks.len()
    }

    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.tok)
    }

    /// A bare qualifier name lore does not write: most likely a typo, which
    /// would otherwise give rows with an empty column or none at all.
    fn unknown_qualifier(&self, key: &str) -> Diagnostic {
        let d = Diagnostic::new(format!("unknown qualifier `{key}`"), self.span());
        let known = super::QUALIFIERS.join(", ");
        match did_you_mean(key, super::QUALIFIERS.iter().copied()) {
            Some(k) => d.with_help(format!("did you mean `{k}`? qualifiers: {known}")),
            None => d.with_help(format!(
                "qualifiers: {known}; one your imported data has is written in quotes: {{\"{key}\": ?x}}"
            )),
        }
    }

    /// The token `n` places after the current one.
    fn peek_at(&self, n: usize) -> Option<&Tok> {
        self.toks.get(self.pos + n).map(|t| &t.tok)
    }

    fn span(&self) -> Span {
        match self.toks.get(self.pos) {
            Some(t) => t.span.clone(),
            None => self.end..self.end,
        }
    }

    /// End of the previous token (for spans of finished nodes).
    fn prev_end(&self) -> usize {
        match self.pos.checked_sub(1).and_then(|i| self.toks.get(i)) {
            Some(t) => t.span.end,
            None => 0,
        }
    }

    fn is_punct(&self, p: &str) -> bool {
        matches!(self.peek(), Some(Tok::Punct(q)) if *q == p)
    }

    fn is_kw(&self, k: &str) -> bool {
        matches!(self.peek(), Some(Tok::Keyword(q)) if *q == k)
    }

    fn eat_punct(&mut self, p: &str) -> bool {
        let yes = self.is_punct(p);
        if yes {
            self.pos += 1;
        }
        yes
    }

    fn eat_kw(&mut self, k: &str) -> bool {
        let yes = self.is_kw(k);
        if yes {
            self.pos += 1;
        }
        yes
    }

    /// "expected X, found Y", with a keyword suggestion when Y is a near-miss.
    fn expected(&self, what: &str, keywords: &[&str]) -> Diagnostic {
        let found = match self.peek() {
            Some(t) => t.describe(),
            None => "the end of the query".to_string(),
        };
        let mut d = Diagnostic::new(format!("expected {what}, found {found}"), self.span());
        if let Some(Tok::Name(word)) = self.peek()
            && let Some(k) = did_you_mean(word, keywords.iter().copied())
        {
            d = d.with_help(format!("did you mean `{k}`?"));
        } else if self.at_end() {
            d = d.with_help("the query ends too early; complete it or remove the last clause");
        } else if let Some(Tok::Keyword(k)) = self.peek() {
            d = d.with_help(format!(
                "`{k}` is a keyword; to use it as a name, quote it: \"{k}\""
            ));
        }
        d
    }

    fn expect_punct(&mut self, p: &'static str, what: &str) -> Result<Span, Diagnostic> {
        if self.is_punct(p) {
            let s = self.span();
            self.pos += 1;
            Ok(s)
        } else {
            Err(self.expected(what, &[]))
        }
    }

    fn expect_kw(&mut self, k: &'static str) -> Result<Span, Diagnostic> {
        if self.is_kw(k) {
            let s = self.span();
            self.pos += 1;
            Ok(s)
        } else {
            Err(self.expected(&format!("`{k}`"), &[k]))
        }
    }

    fn statement(&mut self) -> Result<Statement, Diagnostic> {
        let start = self.span().start;
        let kind = match self.peek() {
            Some(Tok::Keyword("explain")) => {
                self.pos += 1;
                if self.at_end() || self.is_punct(";") {
                    return Err(self.expected("a statement to explain", &[]));
                }
                StmtKind::Explain(Box::new(self.statement()?))
            }
            Some(Tok::Keyword("why")) => {
                self.pos += 1;
                if matches!(self.peek(), Some(Tok::Id(_))) {
                    let mut ids = Vec::new();
                    loop {
                        let span = self.span();
                        match self.peek() {
                            Some(Tok::Id(n)) => ids.push((*n, span)),
                            _ => return Err(self.expected("a fact id like #4", &[])),
                        }
                        self.pos += 1;
                        if !self.is_punct(",") {
                            break;
                        }
                        self.pos += 1;
                    }
                    StmtKind::WhyFacts(ids)
                } else {
                    StmtKind::Why(self.body()?)
                }
            }
            Some(Tok::Keyword("describe")) if matches!(self.peek_at(1), Some(Tok::Id(_))) => {
                self.pos += 1;
                let span = self.span();
                let Some(Tok::Id(n)) = self.peek() else {
                    return Err(self.expected("an entity id like #16", &[]));
                };
                let n = *n;
                self.pos += 1;
                StmtKind::DescribeId(n, span)
            }
            Some(Tok::Keyword("describe")) => {
                self.pos += 1;
                let t = self.term("a name to describe")?;
                if matches!(t, Term::Var(..)) {
                    return Err(Diagnostic::new(
                        "`describe` needs a name, not a variable",
                        t.span(),
                    )
                    .with_help("write the entity's name, e.g. describe Lavrov;"));
                }
                StmtKind::Describe(t)
            }
            Some(Tok::Keyword("entities")) => {
                self.pos += 1;
                StmtKind::Entities(self.like()?)
            }
            Some(Tok::Keyword("relations")) => {
                self.pos += 1;
                StmtKind::Relations(self.like()?)
            }
            Some(Tok::Keyword("conflicts")) => {
                self.pos += 1;
                let about = match self.peek() {
                    Some(Tok::Name(w)) if w.eq_ignore_ascii_case("about") => {
                        self.pos += 1;
                        let t = self.term("a name or #id after `about`")?;
                        if matches!(t, Term::Var(..) | Term::Number(..) | Term::Date(..)) {
                            return Err(Diagnostic::new(
                                "`conflicts about` needs an entity: a name or #id",
                                t.span(),
                            )
                            .with_help("e.g. conflicts about Lavrov;"));
                        }
                        Some(t)
                    }
                    _ => None,
                };
                StmtKind::Conflicts(about)
            }
            Some(Tok::Keyword("find")) => {
                self.pos += 1;
                let mut items = vec![self.select_item()?];
                while self.eat_punct(",") {
                    items.push(self.select_item()?);
                }
                self.expect_kw("where")?;
                let body = self.body()?;
                StmtKind::Query(self.tail(Select::Items(items), body)?)
            }
            Some(Tok::Keyword("count")) => {
                self.pos += 1;
                let what = match self.peek() {
                    Some(Tok::Var(v)) => {
                        let v = v.clone();
                        let s = self.span();
                        self.pos += 1;
                        Some((v, s))
                    }
                    Some(Tok::Punct("*")) => {
                        self.pos += 1;
                        None
                    }
                    // `count() where ...` and `count(?x) where ...`, as in `find`.
                    Some(Tok::Punct("(")) => match self.select_item_after_count()? {
                        SelectItem::Count(Some(v), span) => Some((v, span)),
                        _ => None,
                    },
                    _ => None,
                };
                self.expect_kw("where")?;
                let body = self.body()?;
                StmtKind::Query(Query {
                    select: Select::Count(what),
                    body,
                    group_by: Vec::new(),
                    order_by: Vec::new(),
                    limit: None,
                })
            }
            _ => {
                let first = self.pos;
                match self.body() {
                    Ok(body) => StmtKind::Query(self.tail(Select::Patterns, body)?),
                    Err(e) => {
                        // A statement that starts with a near-miss keyword is most likely a typo.
                        if let Some(Token {
                            tok: Tok::Name(w),
                            span,
                        }) = self.toks.get(first)
                            && let Some(k) = did_you_mean(w, STATEMENT_KEYWORDS.iter().copied())
                        {
                            return Err(Diagnostic::new(
                                format!(
                                    "`{w}` is not a keyword, and the statement is not a pattern"
                                ),
                                span.clone(),
                            )
                            .with_help(format!("did you mean `{k}`?")));
                        }
                        return Err(e);
                    }
                }
            }
        };
        Ok(Statement {
            kind,
            span: start..self.prev_end().max(start),
        })
    }

    fn like(&mut self) -> Result<Option<(String, Span)>, Diagnostic> {
        if !self.eat_kw("like") {
            if let Some(Tok::Name(w)) = self.peek()
                && did_you_mean(w, ["like"]).is_some()
            {
                return Err(self.expected("`like` or `;`", &["like"]));
            }
            return Ok(None);
        }
        match self.peek() {
            Some(Tok::Str(s) | Tok::Name(s)) => {
                let s = s.clone();
                let span = self.span();
                self.pos += 1;
                Ok(Some((s, span)))
            }
            _ => Err(self.expected("a \"string\" to search for after `like`", &[])),
        }
    }

    fn select_item(&mut self) -> Result<SelectItem, Diagnostic> {
        match self.peek() {
            Some(Tok::Var(v)) => {
                let v = v.clone();
                let s = self.span();
                self.pos += 1;
                Ok(SelectItem::Var(v, s))
            }
            Some(Tok::Keyword("count")) => {
                self.pos += 1;
                self.select_item_after_count()
            }
            _ => Err(self.expected("a variable like `?x` or `count()`", &["count"])),
        }
    }

    /// `( [variable] )` after a `count` keyword already consumed.
    fn select_item_after_count(&mut self) -> Result<SelectItem, Diagnostic> {
        // The `count` keyword is the previous token and always five bytes long.
        let start = self.prev_end().saturating_sub("count".len());
        self.expect_punct("(", "`(` after `count`")?;
        let var = match self.peek() {
            Some(Tok::Var(v)) => {
                let v = v.clone();
                self.pos += 1;
                Some(v)
            }
            _ => None,
        };
        self.expect_punct(")", "`)` or a variable inside `count(...)`")?;
        Ok(SelectItem::Count(var, start..self.prev_end()))
    }

    fn body(&mut self) -> Result<Body, Diagnostic> {
        let start = self.span().start;
        let mut clauses = vec![self.clause()?];
        while self.eat_punct(",") {
            clauses.push(self.clause()?);
        }
        Ok(Body {
            clauses,
            span: start..self.prev_end().max(start),
        })
    }

    fn clause(&mut self) -> Result<Clause, Diagnostic> {
        let start = self.span().start;
        let negated = self.eat_kw("not");
        let first = self.term("a pattern (subject relation object) or a filter")?;
        if let Some(op) = self.cmp_op() {
            self.pos += 1;
            let right = self.term("a value to compare with")?;
            return Ok(Clause::Filter(Filter {
                left: first,
                op,
                right,
                negated,
                span: start..self.prev_end(),
            }));
        }
        let relation = self.term("a relation (e.g. met) after the subject")?;
        let object = self.term("an object after the relation")?;
        let mut qualifiers = Vec::new();
        if self.eat_punct("{") {
            loop {
                let (key, kspan) = match self.peek() {
                    Some(Tok::Name(k)) => {
                        let key = k.to_lowercase();
                        if !super::QUALIFIERS.contains(&key.as_str()) {
                            return Err(self.unknown_qualifier(&key));
                        }
                        (key, self.span())
                    }
                    // Quoted: any key, for qualifiers of imported data.
                    Some(Tok::Str(k)) => (k.to_lowercase(), self.span()),
                    _ => return Err(self.expected("a qualifier name like `place` or `time`", &[])),
                };
                self.pos += 1;
                self.expect_punct(":", "`:` after the qualifier name")?;
                let t = self.term("a qualifier value or variable")?;
                qualifiers.push((key, kspan, t));
                if self.eat_punct("}") {
                    break;
                }
                self.expect_punct(",", "`,` or `}` in the qualifiers")?;
            }
        }
        let p = Pattern {
            subject: first,
            relation,
            object,
            qualifiers,
            span: start..self.prev_end(),
        };
        Ok(if negated {
            Clause::NotPattern(p)
        } else {
            Clause::Pattern(p)
        })
    }

    fn cmp_op(&self) -> Option<CmpOp> {
        Some(match self.peek()? {
            Tok::Punct("=") => CmpOp::Eq,
            Tok::Punct("!=") => CmpOp::Ne,
            Tok::Punct("<") => CmpOp::Lt,
            Tok::Punct("<=") => CmpOp::Le,
            Tok::Punct(">") => CmpOp::Gt,
            Tok::Punct(">=") => CmpOp::Ge,
            Tok::Punct("~") => CmpOp::Contains,
            Tok::Punct("=~") => CmpOp::Matches,
            // `?x is person`: a kind filter only when a kind's name follows,
            // so that a relation written `is` still reads as one.
            Tok::Name(w)
                if w.eq_ignore_ascii_case("is")
                    && matches!(self.peek_at(1), Some(Tok::Name(k)) if EntityKind::parse(k).is_some()) =>
            {
                CmpOp::Is
            }
            _ => return None,
        })
    }

    fn term(&mut self, what: &str) -> Result<Term, Diagnostic> {
        let span = self.span();
        let t = match self.peek() {
            Some(Tok::Var(v)) => Term::Var(v.clone(), span),
            Some(Tok::Name(n)) => Term::Name(n.clone(), span),
            Some(Tok::Str(s)) => Term::Str(s.clone(), span),
            Some(Tok::Number(n)) => Term::Number(*n, span),
            Some(Tok::Date(d)) => Term::Date(d.clone(), span),
            Some(Tok::Id(n)) => Term::Id(*n, span),
            _ => return Err(self.expected(what, &[])),
        };
        self.pos += 1;
        Ok(t)
    }

    fn var(&mut self, what: &str) -> Result<(String, Span), Diagnostic> {
        match self.peek() {
            Some(Tok::Var(v)) => {
                let v = v.clone();
                let s = self.span();
                self.pos += 1;
                Ok((v, s))
            }
            _ => Err(self.expected(what, &[])),
        }
    }

    fn tail(&mut self, select: Select, body: Body) -> Result<Query, Diagnostic> {
        let mut q = Query {
            select,
            body,
            group_by: Vec::new(),
            order_by: Vec::new(),
            limit: None,
        };
        if self.eat_kw("group") {
            self.expect_kw("by")?;
            q.group_by.push(self.var("a variable after `group by`")?);
            while self.eat_punct(",") {
                q.group_by.push(self.var("a variable after `,`")?);
            }
        }
        if self.eat_kw("order") {
            self.expect_kw("by")?;
            loop {
                let item = self.select_item()?;
                let descending = if self.eat_kw("desc") {
                    true
                } else {
                    self.eat_kw("asc");
                    false
                };
                q.order_by.push(OrderItem { item, descending });
                if !self.eat_punct(",") {
                    break;
                }
            }
        }
        if self.eat_kw("limit") {
            let span = self.span();
            match self.peek() {
                Some(Tok::Number(n)) if *n >= 0.0 && n.fract() == 0.0 => {
                    let n = if *n > usize::MAX as f64 {
                        usize::MAX
                    } else {
                        *n as usize
                    };
                    self.pos += 1;
                    q.limit = Some((n, span));
                }
                _ => return Err(self.expected("a whole number after `limit`", &[])),
            }
        }
        if !self.at_end() && !self.is_punct(";") {
            return Err(self.expected(
                "`,`, `;`, `group by`, `order by` or `limit`",
                &["group", "order", "limit", "by", "desc", "asc"],
            ));
        }
        Ok(q)
    }
}

/// The statement kinds of `text` (tests only).
#[cfg(test)]
fn kinds(text: &str) -> Vec<StmtKind> {
    parse(text).unwrap().into_iter().map(|s| s.kind).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_statement_form() {
        let text = r#"Blinken met ?who;
            ?a met ?b, ?b "is detained in" Russia;
            find ?person, ?role where ?person "holds role" ?role order by ?person limit 10;
            Blinken met Lavrov {place: ?where, time: ?when};
            ?x urged ?y, not ?y = Russia;
            count ?x where ?x met ?y;
            count(?x) where ?x met ?y;
            find ?r, count() where ?s ?r ?o group by ?r order by count() desc;
            why Blinken met Lavrov;
            describe Lavrov;
            entities like "lavr";
            relations;
            explain Blinken met ?who"#;
        let stmts = parse(text).unwrap();
        assert_eq!(stmts.len(), 13);
        assert!(matches!(stmts[12].kind, StmtKind::Explain(_)));
        assert_eq!(&text[stmts[0].span.clone()], "Blinken met ?who");
        let StmtKind::Query(q) = &stmts[4].kind else {
            panic!("{:?}", stmts[4].kind)
        };
        assert!(matches!(&q.body.clauses[1], Clause::Filter(f) if f.negated));
        let StmtKind::Query(q) = &stmts[2].kind else {
            panic!()
        };
        assert_eq!(q.limit.as_ref().map(|l| l.0), Some(10));
    }

    #[test]
    fn ids_follow_why_and_describe() {
        assert_eq!(
            kinds("why #4, #7; describe #16;"),
            vec![
                StmtKind::WhyFacts(vec![(4, 4..6), (7, 8..10)]),
                StmtKind::DescribeId(16, 21..24),
            ]
        );
        // `describe` of a name is unchanged; a list of ids wants ids only.
        assert!(matches!(
            kinds("describe Lavrov;")[0],
            StmtKind::Describe(_)
        ));
        let e = parse("why #4, Lavrov;").unwrap_err();
        assert!(e.message.contains("a fact id"), "{}", e.message);
        let e = parse("why #99999999999999999999999;").unwrap_err();
        assert_eq!(e.message, "id out of range");
    }

    #[test]
    fn a_misspelt_qualifier_is_an_error_and_a_quoted_one_is_any_key() {
        let e = parse("Blinken met ?x {plase: ?p};").unwrap_err();
        assert_eq!(e.span, 16..21);
        assert!(
            e.help
                .as_deref()
                .unwrap_or("")
                .starts_with("did you mean `place`?")
        );
        assert!(parse(r#"Blinken met ?x {"source_url": ?u};"#).is_ok());
        assert!(parse("Blinken met ?x {Place: ?p, TIME: ?t};").is_ok());
    }

    #[test]
    fn qualifiers_and_not_patterns_parse() {
        let k = kinds("?a met ?b {place: ?p}, not ?b met ?a;");
        let StmtKind::Query(q) = &k[0] else { panic!() };
        let Clause::Pattern(p) = &q.body.clauses[0] else {
            panic!()
        };
        assert_eq!(p.qualifiers[0].0, "place");
        assert!(matches!(q.body.clauses[1], Clause::NotPattern(_)));
    }

    #[test]
    fn misspelt_statement_keyword_is_suggested() {
        let text = "descibe Lavrov;";
        let e = parse(text).unwrap_err();
        assert_eq!(e.span, 0..7);
        assert_eq!(e.help.as_deref(), Some("did you mean `describe`?"));
    }

    #[test]
    fn misspelt_clause_keyword_is_suggested() {
        let e = parse("find ?x wher ?x met ?y;").unwrap_err();
        assert_eq!(e.help.as_deref(), Some("did you mean `where`?"));
        let e = parse("?x met ?y oder by ?x;").unwrap_err();
        assert_eq!(e.span, 10..14);
        assert_eq!(e.help.as_deref(), Some("did you mean `order`?"));
    }

    #[test]
    fn incomplete_pattern_says_what_is_expected() {
        let text = "Blinken met";
        let e = parse(text).unwrap_err();
        assert!(e.message.contains("expected an object"), "{}", e.message);
        assert_eq!(e.span, 11..11);
    }

    #[test]
    fn keyword_as_name_suggests_quoting() {
        let e = parse("?x like ?y;").unwrap_err();
        assert!(e.help.unwrap().contains("quote it"));
    }
}

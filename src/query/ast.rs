//! The syntax tree of the query language; every node keeps its byte span.
//!
//! Architecture invariant: the AST says what was written, not what it means;
//! names are unresolved text until the planner looks them up in the store.

use std::ops::Range;

/// Byte range in the query text.
pub type Span = Range<usize>;

/// One `;`-terminated statement.
#[derive(Clone, Debug, PartialEq)]
pub struct Statement {
    /// What the statement asks.
    pub kind: StmtKind,
    /// From its first token to its last (the `;` excluded).
    pub span: Span,
}

/// The statement forms.
#[derive(Clone, Debug, PartialEq)]
pub enum StmtKind {
    /// `pattern, ...` or `find ...` or `count ...`.
    Query(Query),
    /// `why body`: the sources of every fact the body matches.
    Why(Body),
    /// `describe name`: kind, aliases, facts in and out.
    Describe(Term),
    /// `why #4, #7`: the sources of facts given by their ids.
    WhyFacts(Vec<(u64, Span)>),
    /// `describe #16`: an entity given by its id.
    DescribeId(u64, Span),
    /// `entities [like "text"]`.
    Entities(Option<(String, Span)>),
    /// `relations [like "text"]`.
    Relations(Option<(String, Span)>),
    /// `explain statement`: the plan instead of the rows.
    Explain(Box<Statement>),
    /// `conflicts [about name]`: facts some sources assert and others deny,
    /// and one fact told with incompatible dates.
    Conflicts(Option<Term>),
}

/// A query: what to return, the clauses, and how to shape the rows.
#[derive(Clone, Debug, PartialEq)]
pub struct Query {
    /// What to return.
    pub select: Select,
    /// The patterns and filters.
    pub body: Body,
    /// `group by` variables.
    pub group_by: Vec<(String, Span)>,
    /// `order by` items.
    pub order_by: Vec<OrderItem>,
    /// `limit n`.
    pub limit: Option<(usize, Span)>,
}

/// The selected columns.
#[derive(Clone, Debug, PartialEq)]
pub enum Select {
    /// A bare pattern: every variable, then the fact of every pattern.
    Patterns,
    /// `find item, ...`.
    Items(Vec<SelectItem>),
    /// `count [?x | *] where ...`: one number.
    Count(Option<(String, Span)>),
}

/// One `find` column.
#[derive(Clone, Debug, PartialEq)]
pub enum SelectItem {
    /// `?x`.
    Var(String, Span),
    /// `count()` (solutions) or `count(?x)` (distinct values of `?x`).
    Count(Option<String>, Span),
}

/// One `order by` key.
#[derive(Clone, Debug, PartialEq)]
pub struct OrderItem {
    /// The key.
    pub item: SelectItem,
    /// `desc`.
    pub descending: bool,
}

/// Clauses joined by `,` (a conjunction over shared variables).
#[derive(Clone, Debug, PartialEq)]
pub struct Body {
    /// The clauses, in written order.
    pub clauses: Vec<Clause>,
    /// Span of the whole body.
    pub span: Span,
}

/// One clause of a body.
#[derive(Clone, Debug, PartialEq)]
pub enum Clause {
    /// `s r o {quals}`.
    Pattern(Pattern),
    /// `not s r o`: no such fact exists.
    NotPattern(Pattern),
    /// `a op b` (or `not a op b`).
    Filter(Filter),
}

/// `subject relation object {key: term, ...}`.
#[derive(Clone, Debug, PartialEq)]
pub struct Pattern {
    /// Subject.
    pub subject: Term,
    /// Relation.
    pub relation: Term,
    /// Object.
    pub object: Term,
    /// Qualifiers, in written order.
    pub qualifiers: Vec<(String, Span, Term)>,
    /// The whole pattern.
    pub span: Span,
}

/// A term: a variable or a constant.
#[derive(Clone, Debug, PartialEq)]
pub enum Term {
    /// `?x`.
    Var(String, Span),
    /// A bare name.
    Name(String, Span),
    /// A quoted string.
    Str(String, Span),
    /// A number.
    Number(f64, Span),
    /// `#16`: an entity by its id (a document's after `document:`).
    Id(u64, Span),
    /// A date.
    Date(String, Span),
}

impl Term {
    /// Where the term is written.
    pub fn span(&self) -> Span {
        match self {
            Term::Var(_, s)
            | Term::Name(_, s)
            | Term::Str(_, s)
            | Term::Number(_, s)
            | Term::Date(_, s)
            | Term::Id(_, s) => s.clone(),
        }
    }

    /// The variable name, if a variable.
    pub fn var(&self) -> Option<&str> {
        match self {
            Term::Var(v, _) => Some(v),
            _ => None,
        }
    }

    /// The text of a name or string constant.
    pub fn text(&self) -> Option<&str> {
        match self {
            Term::Name(t, _) | Term::Str(t, _) => Some(t),
            _ => None,
        }
    }
}

impl std::fmt::Display for Term {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Term::Var(v, _) => write!(f, "?{v}"),
            Term::Name(n, _) => f.write_str(n),
            Term::Str(s, _) => write!(f, "{s:?}"),
            Term::Number(n, _) => write!(f, "{n}"),
            Term::Date(d, _) => f.write_str(d),
            Term::Id(n, _) => write!(f, "#{n}"),
        }
    }
}

impl std::fmt::Display for Pattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} {}", self.subject, self.relation, self.object)?;
        if !self.qualifiers.is_empty() {
            let q: Vec<String> = self
                .qualifiers
                .iter()
                .map(|(k, _, t)| format!("{k}: {t}"))
                .collect();
            write!(f, " {{{}}}", q.join(", "))?;
        }
        Ok(())
    }
}

/// Comparison operators of filters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `~`: contains the text, ignoring case; an entity by any of its names.
    Contains,
    /// `=~`: matches the regular expression; an entity by any of its names.
    Matches,
    /// `is`: the entity is of the kind (`?x is person`).
    Is,
}

/// `left op right`, possibly negated.
#[derive(Clone, Debug, PartialEq)]
pub struct Filter {
    /// Left operand.
    pub left: Term,
    /// Operator.
    pub op: CmpOp,
    /// Right operand.
    pub right: Term,
    /// Written with `not` in front.
    pub negated: bool,
    /// The whole filter.
    pub span: Span,
}

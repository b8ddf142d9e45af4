//! The planner: resolves names against the store, assigns variable slots,
//! estimates every pattern from the store's counts and orders the joins.
//!
//! Architecture invariant: the planner reads only the name index, the
//! relation table and the count tree, never an index group, so planning
//! costs the same on a store of ten facts or ten million.

use super::ast::{self, Body, Clause, CmpOp, Span, Term};
use crate::diag::{Closest, Diagnostic, did_you_mean};
use crate::error::Result;
use crate::ingest::events::EventClass;
use crate::ingest::{is_symmetric, normalize_relation};
use crate::model::{EntityId, EntityKind, Literal, RelId, normalize_name};
use crate::storage::{ObjKey, Storage};

mod estimate;
mod filters;
mod join;
mod symmetric;

use estimate::key_counts;
pub use estimate::{Totals, estimate};
use filters::text_test;
pub use filters::{DocField, TextTest};
pub use join::{HashKey, reads_relation};
pub use symmetric::{read_once_where_alike, shown_slots};

/// What a variable slot holds, and where its column comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum SlotKind {
    /// A variable the user wrote.
    User,
    /// The fact matched by pattern `n` (hidden unless selected).
    Fact,
    /// Which entity an ambiguous constant matched.
    Ambiguous,
}

/// One variable slot.
#[derive(Clone, Debug)]
pub struct Slot {
    /// Column name (`?x` without `?`, or the written name for ambiguity columns).
    pub name: String,
    /// What it is.
    pub kind: SlotKind,
}

/// The subject or object position of a pattern.
#[derive(Clone, Debug, PartialEq)]
pub enum NodeTerm {
    /// A variable slot.
    Var(usize),
    /// One or more keys (several when a name is ambiguous); `Some(slot)`
    /// records which one matched when there are several.
    Keys(Vec<ObjKey>, Option<usize>),
}

/// The relation position of a pattern.
#[derive(Clone, Debug, PartialEq)]
pub enum RelTerm {
    /// A variable slot (binds the relation name).
    Var(usize),
    /// A resolved relation.
    Id(RelId),
}

/// Which polarity a pattern matches.
#[derive(Clone, Debug, PartialEq)]
pub enum PolaritySel {
    /// Stated facts only (the default).
    Positive,
    /// Denied facts only (`{polarity: negative}`).
    Negative,
    /// Both (`{polarity: any}`).
    Any,
    /// Both, binding the polarity to a slot (`{polarity: ?p}`).
    Var(usize),
}

/// A qualifier the pattern reads from the fact record.
#[derive(Clone, Debug, PartialEq)]
pub enum QualSel {
    /// A stored qualifier (`place`, `time`, ...): bind it.
    Bind(String, usize),
    /// A stored qualifier that must equal this text (case-insensitive).
    Equals(String, String),
    /// The number of sources, bound to a slot.
    Sources(usize),
    /// The confidence, bound to a slot.
    Confidence(usize),
    /// The fact id, bound to a slot.
    FactId(usize),
    /// A field of a document the fact was read in: one row per such
    /// document, bound to a slot.
    Doc(DocField, usize),
    /// A field of a document the fact was read in that must equal this
    /// text (a date holds the days within it): only such documents give rows.
    DocEquals(DocField, String),
}

/// A resolved pattern.
#[derive(Clone, Debug)]
pub struct PPattern {
    /// Subject.
    pub s: NodeTerm,
    /// Relation.
    pub p: RelTerm,
    /// Object.
    pub o: NodeTerm,
    /// Polarity selection.
    pub polarity: PolaritySel,
    /// Qualifiers read from the fact record.
    pub quals: Vec<QualSel>,
    /// Slot of the matched fact id.
    pub fact_slot: usize,
    /// May match symmetric relations in reverse.
    pub symmetric: bool,
    /// Relation ids that hold both ways (for relation variables).
    pub symmetric_ids: Vec<RelId>,
    /// As written.
    pub text: String,
    /// Where written.
    pub span: Span,
}

/// A comparison operand.
#[derive(Clone, Debug)]
pub enum Operand {
    /// A slot.
    Var(usize),
    /// A constant: its text, number, and the entities a name resolves to.
    Const {
        /// Text as written.
        text: String,
        /// Numeric value, if a number.
        number: Option<f64>,
        /// Entities the text names.
        entities: Vec<EntityId>,
    },
}

/// A resolved filter.
#[derive(Clone, Debug)]
pub struct PFilter {
    /// Left.
    pub left: Operand,
    /// Operator.
    pub op: CmpOp,
    /// Right.
    pub right: Operand,
    /// `not` in front.
    pub negated: bool,
    /// What `~`, `=~` and `is` test, prepared once.
    pub test: Option<TextTest>,
}

/// One step of a plan: a pattern, how it is read, and what it is expected to yield.
#[derive(Clone, Debug)]
pub struct Step {
    /// Index into [`BodyPlan::patterns`].
    pub pattern: usize,
    /// The index the step is expected to read (for `explain`).
    pub index: &'static str,
    /// Which terms are bound when the step runs.
    pub bound: String,
    /// Estimated rows per input binding.
    pub estimate: u64,
    /// Run as a hash join keyed on this end (see `plan/join.rs`); `None`
    /// probes the index once per input binding.
    pub hash: Option<HashKey>,
}

/// A planned body.
#[derive(Clone, Debug, Default)]
pub struct BodyPlan {
    /// Variable slots.
    pub slots: Vec<Slot>,
    /// Positive patterns in written order.
    pub patterns: Vec<PPattern>,
    /// Execution order.
    pub steps: Vec<Step>,
    /// Filters, each with the number of steps after which all its slots are bound.
    pub filters: Vec<(PFilter, usize)>,
    /// `not` patterns (checked once every positive pattern matched).
    pub negations: Vec<PPattern>,
    /// Remarks for the user (ambiguous names, names that match nothing).
    pub notes: Vec<String>,
}

impl BodyPlan {
    /// The slot of user variable `name`.
    pub fn var(&self, name: &str) -> Option<usize> {
        self.slots
            .iter()
            .position(|s| s.kind == SlotKind::User && s.name == name)
    }

    /// User variable names, in first-seen order.
    pub fn user_vars(&self) -> Vec<&str> {
        self.slots
            .iter()
            .filter(|s| s.kind == SlotKind::User)
            .map(|s| s.name.as_str())
            .collect()
    }
}

struct Planner<'a> {
    st: &'a Storage,
    plan: BodyPlan,
    estimates: bool,
}

/// Plans a body against the store, with estimates for every step (for `explain`).
pub fn plan_body(st: &Storage, body: &Body) -> Result<BodyPlan> {
    plan_body_with(st, body, true)
}

/// Plans a body; without `estimates` a lone pattern is not costed, because
/// there is no order to choose and each count is a storage read.
pub fn plan_body_with(st: &Storage, body: &Body, estimates: bool) -> Result<BodyPlan> {
    let mut p = Planner {
        st,
        plan: BodyPlan::default(),
        estimates,
    };
    let mut filters = Vec::new();
    for c in &body.clauses {
        match c {
            Clause::Pattern(pat) => {
                let pp = p.pattern(pat)?;
                p.plan.patterns.push(pp);
            }
            Clause::NotPattern(pat) => {
                let pp = p.pattern(pat)?;
                p.plan.negations.push(pp);
            }
            Clause::Filter(f) => filters.push(f),
        }
    }
    if p.plan.patterns.is_empty() {
        return Err(Diagnostic::new(
            "a query needs at least one pattern that is not negated",
            body.span.clone(),
        )
        .with_help("add a pattern like `?x met ?y` before the filters")
        .into());
    }
    // Variables bound by positive patterns; filters and `not` may only use these.
    let positive_slots: Vec<usize> = p
        .plan
        .patterns
        .iter()
        .flat_map(pattern_slots)
        .collect::<Vec<_>>();
    let mut resolved = Vec::new();
    for f in filters {
        let left = p.operand(&f.left, &positive_slots)?;
        let test = text_test(f)?;
        let right = if test.is_some() {
            Operand::Const {
                text: String::new(),
                number: None,
                entities: Vec::new(),
            }
        } else {
            p.operand(&f.right, &positive_slots)?
        };
        resolved.push(PFilter {
            left,
            op: f.op,
            right,
            negated: f.negated,
            test,
        });
    }
    p.order()?;
    let bound_after: Vec<Vec<usize>> = {
        let mut acc = Vec::new();
        let mut out = Vec::new();
        for step in &p.plan.steps {
            acc.extend(pattern_slots(&p.plan.patterns[step.pattern]));
            out.push(acc.clone());
        }
        out
    };
    for f in resolved {
        let needs: Vec<usize> = [&f.left, &f.right]
            .into_iter()
            .filter_map(|o| match o {
                Operand::Var(s) => Some(*s),
                Operand::Const { .. } => None,
            })
            .collect();
        let at = bound_after
            .iter()
            .position(|b| needs.iter().all(|n| b.contains(n)))
            .map_or(bound_after.len(), |i| i + 1);
        p.plan.filters.push((f, at));
    }
    Ok(p.plan)
}

/// Slots a pattern binds.
pub fn pattern_slots(p: &PPattern) -> Vec<usize> {
    let mut out = vec![p.fact_slot];
    for t in [&p.s, &p.o] {
        match t {
            NodeTerm::Var(v) => out.push(*v),
            NodeTerm::Keys(_, Some(v)) => out.push(*v),
            NodeTerm::Keys(_, None) => {}
        }
    }
    if let RelTerm::Var(v) = p.p {
        out.push(v);
    }
    if let PolaritySel::Var(v) = p.polarity {
        out.push(v);
    }
    for q in &p.quals {
        match q {
            QualSel::Bind(_, v)
            | QualSel::Sources(v)
            | QualSel::Confidence(v)
            | QualSel::FactId(v)
            | QualSel::Doc(_, v) => out.push(*v),
            QualSel::Equals(..) | QualSel::DocEquals(..) => {}
        }
    }
    out
}

/// The event class a bare word in a relation's place names (`consult`),
/// if it names one; a quoted phrase is always a relation.
fn event_class(t: &Term) -> Option<EventClass> {
    match t {
        Term::Name(text, _) => EventClass::parse(text),
        _ => None,
    }
}

impl Planner<'_> {
    fn slot(&mut self, name: &str, kind: SlotKind) -> usize {
        if kind == SlotKind::User
            && let Some(i) = self.plan.var(name)
        {
            return i;
        }
        self.plan.slots.push(Slot {
            name: name.to_string(),
            kind,
        });
        self.plan.slots.len() - 1
    }

    fn pattern(&mut self, pat: &ast::Pattern) -> Result<PPattern> {
        let s = self.node(&pat.subject, false)?;
        let mut class = None;
        let (p, symmetric, symmetric_ids) = match &pat.relation {
            Term::Var(v, _) => {
                let ids = self.st.relation_ids_where(is_symmetric);
                (
                    RelTerm::Var(self.slot(v, SlotKind::User)),
                    !ids.is_empty(),
                    ids,
                )
            }
            t => match (self.relation(t), event_class(t)) {
                (Ok(id), class) => {
                    if let Some(c) = class.map(EventClass::as_str) {
                        self.plan.notes.push(format!(
                            "`{c}` is a relation of this store and an event class: the pattern reads the relation; for the class write ?s ?r ?o {{class: {c}}}"
                        ));
                    }
                    let sym = self.st.relation(id).is_some_and(|r| is_symmetric(&r.name));
                    (
                        RelTerm::Id(id),
                        sym,
                        if sym { vec![id] } else { Vec::new() },
                    )
                }
                // An event class where a relation goes: every relation of
                // the class ("consult": meet, visit, talk with ...), the one
                // each row matched in a column named after the class.
                (Err(_), Some(c)) => {
                    class = Some(c);
                    if self.estimates {
                        // For `explain` only: a query's rows say it already.
                        self.plan.notes.push(format!(
                            "`{}` is an event class: the pattern reads every relation and keeps the facts whose class it is",
                            c.as_str()
                        ));
                    }
                    let ids = self.st.relation_ids_where(is_symmetric);
                    (
                        RelTerm::Var(self.slot(c.as_str(), SlotKind::Ambiguous)),
                        !ids.is_empty(),
                        ids,
                    )
                }
                (Err(e), None) => return Err(e),
            },
        };
        let o = self.node(&pat.object, true)?;
        let mut polarity = PolaritySel::Positive;
        let mut quals = Vec::new();
        for (key, kspan, t) in &pat.qualifiers {
            match (key.as_str(), t) {
                ("polarity", Term::Var(v, _)) => {
                    polarity = PolaritySel::Var(self.slot(v, SlotKind::User));
                }
                ("polarity", t) => {
                    polarity = match t.text().map(str::to_lowercase).as_deref() {
                        Some("positive") => PolaritySel::Positive,
                        Some("negative") => PolaritySel::Negative,
                        Some("any") => PolaritySel::Any,
                        _ => {
                            return Err(Diagnostic::new(
                                format!("`{t}` is not a polarity"),
                                t.span(),
                            )
                            .with_help("write positive, negative, any or a variable")
                            .into());
                        }
                    }
                }
                ("sources" | "confidence" | "fact", Term::Var(v, _)) => {
                    let slot = self.slot(v, SlotKind::User);
                    quals.push(match key.as_str() {
                        "sources" => QualSel::Sources(slot),
                        "confidence" => QualSel::Confidence(slot),
                        _ => QualSel::FactId(slot),
                    });
                }
                ("sources" | "confidence" | "fact", _) => {
                    return Err(Diagnostic::new(
                        format!("`{key}` can only be bound to a variable"),
                        t.span(),
                    )
                    .with_help(format!(
                        "write {{{key}: ?n}} and compare it in a filter: ?n >= 3"
                    ))
                    .into());
                }
                (_, Term::Var(v, _)) => {
                    let slot = self.slot(v, SlotKind::User);
                    quals.push(match DocField::parse(key) {
                        Some(field) => QualSel::Doc(field, slot),
                        None => QualSel::Bind(key.clone(), slot),
                    });
                }
                (_, t) => {
                    let _ = kspan;
                    let field = DocField::parse(key);
                    let text = match t {
                        Term::Number(n, _) => n.to_string(),
                        Term::Date(d, _) => d.clone(),
                        // After `document:` an id is a document's.
                        Term::Id(id, _) if field.is_some() => format!("doc #{id}"),
                        Term::Id(id, _) => format!("#{id}"),
                        Term::Name(x, _) | Term::Str(x, _) => x.clone(),
                        Term::Var(..) => String::new(),
                    };
                    quals.push(match field {
                        Some(field) => QualSel::DocEquals(field, text),
                        None => QualSel::Equals(key.clone(), text),
                    });
                }
            }
        }
        if let Some(c) = class {
            quals.push(QualSel::Equals("class".into(), c.as_str().into()));
        }
        let fact_slot = self.slot(
            &format!(
                "fact{}",
                self.plan.patterns.len() + self.plan.negations.len() + 1
            ),
            SlotKind::Fact,
        );
        Ok(PPattern {
            s,
            p,
            o,
            polarity,
            quals,
            fact_slot,
            symmetric,
            symmetric_ids,
            text: pat.to_string(),
            span: pat.span.clone(),
        })
    }

    fn node(&mut self, t: &Term, object: bool) -> Result<NodeTerm> {
        let (text, span) = match t {
            Term::Var(v, _) => return Ok(NodeTerm::Var(self.slot(v, SlotKind::User))),
            Term::Number(n, _) if object => {
                return Ok(NodeTerm::Keys(
                    vec![Storage::literal_key(&Literal::Number(*n))?],
                    None,
                ));
            }
            Term::Date(d, _) if object => {
                return Ok(NodeTerm::Keys(
                    vec![Storage::literal_key(&Literal::Date(d.clone()))?],
                    None,
                ));
            }
            Term::Number(_, s) | Term::Date(_, s) => {
                return Err(
                    Diagnostic::new("a subject must be an entity name", s.clone())
                        .with_help("numbers and dates can only be objects")
                        .into(),
                );
            }
            Term::Id(id, s) => {
                if self.st.entity(*id)?.is_none() {
                    return Err(
                        Diagnostic::new(format!("there is no entity #{id}"), s.clone())
                            .with_help(
                                "`describe NAME;` shows an entity's id, e.g. `-- Ann Lee (#16)`",
                            )
                            .into(),
                    );
                }
                return Ok(NodeTerm::Keys(vec![ObjKey::Entity(*id)], None));
            }
            Term::Name(x, s) | Term::Str(x, s) => (x, s),
        };
        let ids = self.st.lookup_name(&normalize_name(text))?;
        if ids.len() > 1 {
            let mut names = Vec::new();
            for id in &ids {
                match self.st.entity(*id)? {
                    Some(e) => names.push(format!("{} (#{}, {})", e.name, e.id, e.kind)),
                    None => names.push(format!("#{id}")),
                }
            }
            self.plan.notes.push(format!(
                "`{text}` matches {} entities: {}; rows for each are shown, the column `{text}` says which",
                ids.len(),
                names.join(", ")
            ));
            let slot = self.slot(text, SlotKind::Ambiguous);
            return Ok(NodeTerm::Keys(
                ids.into_iter().map(ObjKey::Entity).collect(),
                Some(slot),
            ));
        }
        if let Some(id) = ids.first() {
            return Ok(NodeTerm::Keys(vec![ObjKey::Entity(*id)], None));
        }
        if object {
            let key = Storage::literal_key(&Literal::Text(text.clone()))?;
            if self.st.literal(key)?.is_some() {
                return Ok(NodeTerm::Keys(vec![key], None));
            }
        }
        Err(unknown_entity(self.st, text, span.clone(), object))
    }

    fn relation(&self, t: &Term) -> Result<RelId> {
        let Some(text) = t.text() else {
            return Err(
                Diagnostic::new("a relation must be a word or a quoted phrase", t.span())
                    .with_help("e.g. met, \"is detained in\", or a variable ?r")
                    .into(),
            );
        };
        let normalized = normalize_relation(text);
        for cand in [normalized.as_str(), &text.to_lowercase(), text] {
            if let Some(id) = self.st.relation_id(cand) {
                return Ok(id);
            }
        }
        let rels = self.st.relations();
        let mut candidates: Vec<&str> = Vec::new();
        for (_, r) in &rels {
            candidates.push(&r.name);
            candidates.extend(r.forms.iter().map(String::as_str));
        }
        let best = did_you_mean(&normalized, candidates.iter().copied())
            .or_else(|| did_you_mean(text, candidates.iter().copied()));
        let d = Diagnostic::new(format!("unknown relation `{text}`"), t.span());
        Err(match best {
            Some(b) => d.with_help(format!("did you mean `{b}`?")),
            // `?x is persn`: a kind filter with a mistyped kind.
            None if text.eq_ignore_ascii_case("is") => {
                let kinds: Vec<&str> = EntityKind::ALL.iter().map(|k| k.as_str()).collect();
                d.with_help(format!(
                    "to filter by kind write `?x is KIND`, with KIND one of {}",
                    kinds.join(", ")
                ))
            }
            None => d.with_help("list the relations in the store with: relations;"),
        }
        .into())
    }

    fn operand(&mut self, t: &Term, bound: &[usize]) -> Result<Operand> {
        Ok(match t {
            Term::Var(v, span) => match self.plan.var(v) {
                Some(slot) if bound.contains(&slot) => Operand::Var(slot),
                _ => {
                    return Err(Diagnostic::new(
                        format!("`?{v}` is not bound by any pattern"),
                        span.clone(),
                    )
                    .with_help(help_for_var(v, &self.plan))
                    .into());
                }
            },
            Term::Number(n, _) => Operand::Const {
                text: n.to_string(),
                number: Some(*n),
                entities: Vec::new(),
            },
            Term::Id(id, _) => Operand::Const {
                text: format!("#{id}"),
                number: None,
                entities: vec![*id],
            },
            Term::Date(d, _) => Operand::Const {
                text: d.clone(),
                number: None,
                entities: Vec::new(),
            },
            Term::Name(x, _) | Term::Str(x, _) => {
                let entities = self.st.lookup_name(&normalize_name(x))?;
                Operand::Const {
                    text: x.clone(),
                    number: None,
                    entities,
                }
            }
        })
    }

    /// Greedy join order: start with the cheapest pattern, then always take the
    /// cheapest pattern that shares a variable with what is bound.
    fn order(&mut self) -> Result<()> {
        let n = self.plan.patterns.len();
        if n == 1 && !self.estimates {
            self.plan.steps.push(Step {
                pattern: 0,
                index: "",
                bound: String::new(),
                estimate: 0,
                hash: None,
            });
            return Ok(());
        }
        let mut done = vec![false; n];
        let mut bound: Vec<usize> = Vec::new();
        let totals = Totals::read(self.st)?;
        for _ in 0..n {
            let mut best: Option<(bool, u64, usize, &'static str, String)> = None;
            for (i, pat) in self.plan.patterns.iter().enumerate() {
                if done[i] {
                    continue;
                }
                let connected =
                    bound.is_empty() || pattern_slots(pat).iter().any(|s| bound.contains(s));
                let (est, index, desc) = estimate(self.st, pat, &bound, &totals)?;
                let better = match &best {
                    None => true,
                    Some((c, e, ..)) => {
                        (connected, std::cmp::Reverse(est)) > (*c, std::cmp::Reverse(*e))
                    }
                };
                if better {
                    best = Some((connected, est, i, index, desc));
                }
            }
            let Some((_, est, i, index, desc)) = best else {
                break;
            };
            done[i] = true;
            bound.extend(pattern_slots(&self.plan.patterns[i]));
            self.plan.steps.push(Step {
                pattern: i,
                index,
                bound: desc,
                estimate: est,
                hash: None,
            });
        }
        join::choose(self.st, &mut self.plan, &totals)
    }
}

/// "unknown entity" with the closest stored name as a suggestion.
pub fn unknown_entity(st: &Storage, text: &str, span: Span, object: bool) -> crate::Error {
    let mut d = Diagnostic::new(
        if object {
            format!("unknown entity or value `{text}`")
        } else {
            format!("unknown entity `{text}`")
        },
        span,
    );
    // Every stored name, one at a time: the search keeps its best so far and
    // bounds its own work (`Closest`). A read error only ends the search.
    let mut closest = Closest::new(&normalize_name(text));
    let mut best_ids = Vec::new();
    for item in st.names() {
        match item {
            Ok((n, ids)) => {
                if closest.offer(&n) {
                    best_ids = ids;
                }
            }
            Err(_) => break,
        }
    }
    let suggestion = best_ids
        .first()
        .and_then(|id| st.entity(*id).ok().flatten())
        .map(|e| e.name);
    d = match suggestion {
        Some(s) => d.with_help(format!("did you mean `{s}`?")),
        None => d.with_help("list known names with: entities like \"...\";"),
    };
    d.into()
}

fn help_for_var(v: &str, plan: &BodyPlan) -> String {
    let vars = plan.user_vars();
    match did_you_mean(v, vars.iter().copied()) {
        Some(m) => format!("did you mean `?{m}`?"),
        None => "use the variable in a pattern, e.g. ?x met ?y".to_string(),
    }
}

/// Maps ids of the plan to what `explain` prints for a pattern.
pub fn describe_step(step: &Step, plan: &BodyPlan) -> Vec<String> {
    let pat = &plan.patterns[step.pattern];
    let index = match step.hash {
        Some(HashKey::Subject) => "hash join on the subject".to_string(),
        Some(HashKey::Object) => "hash join on the object".to_string(),
        None => step.index.to_string(),
    };
    vec![
        pat.text.clone(),
        index,
        step.bound.clone(),
        step.estimate.to_string(),
        if pat.symmetric { "both directions" } else { "" }.to_string(),
    ]
}

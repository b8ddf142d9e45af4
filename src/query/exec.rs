//! The executor: runs planned statements against the store and returns typed rows.
//!
//! Joins are nested index loops: every pattern is answered from the index
//! group of its bound subject (spo), else object (osp), else relation (pos),
//! and rows stream through a callback so a row limit stops the scans early.
//! Architecture invariant: the executor never formats output; it returns
//! [`Value`]s and the front ends decide how they look.

mod conflicts;
mod join;
mod sources;
mod statements;
mod values;
use values::{Cmp, cut, date_within, literal_value, with_columns};

use std::collections::{HashMap, HashSet};
use std::ops::ControlFlow;
use std::sync::Arc;

use rustc_hash::FxHashMap;

use super::ast::{self, CmpOp, Query, Select, SelectItem, Span, Statement, StmtKind, Term};
use super::plan::{
    self, BodyPlan, NodeTerm, Operand, PFilter, PPattern, PolaritySel, QualSel, RelTerm, SlotKind,
};
use super::{QueryOptions, StatementOutput, Value};
use crate::diag::{Diagnostic, did_you_mean};
use crate::error::{Error, Result};
use crate::model::{Document, EntityId, Fact, FactId, Literal, Object, RelId, normalize_name};
use crate::storage::{IndexKind, ObjKey, Storage, Triple};

/// A value inside the executor (ids, not names; names are looked up for output only).
#[derive(Clone, Debug, PartialEq)]
pub enum V {
    /// An entity or literal object.
    Obj(ObjKey),
    /// A relation.
    Rel(RelId),
    /// Text (qualifiers, polarity).
    Text(String),
    /// A number (sources, confidence).
    Num(f64),
    /// A fact id.
    Fact(FactId),
    /// A qualifier the fact does not have.
    Null,
}

type Binding = Vec<Option<V>>;

/// One index probe for a pattern: the known terms in stored orientation.
#[derive(Clone, Copy)]
struct Probe<'p> {
    pat: &'p PPattern,
    s: Option<&'p [ObjKey]>,
    rel: Option<RelId>,
    o: Option<&'p [ObjKey]>,
    /// Matched triples are turned around (symmetric relations).
    reverse: bool,
}
type Flow = ControlFlow<()>;

/// Runs one statement.
pub fn statement(st: &Storage, stmt: &Statement, opts: &QueryOptions) -> Result<StatementOutput> {
    let mut ex = Exec::new(st, opts);
    let mut out = match &stmt.kind {
        StmtKind::Query(q) => ex.query(q)?,
        StmtKind::Why(body) => ex.why(body)?,
        StmtKind::Describe(t) => ex.describe(t)?,
        StmtKind::WhyFacts(ids) => ex.why_facts(ids)?,
        StmtKind::DescribeId(id, span) => ex.describe_id(*id, span)?,
        StmtKind::Entities(like) => ex.entities(like.as_ref())?,
        StmtKind::Relations(like) => ex.relations(like.as_ref())?,
        StmtKind::Explain(inner) => ex.explain(inner)?,
        StmtKind::Conflicts(about) => ex.conflicts(about.as_ref())?,
    };
    out.span = stmt.span.clone();
    Ok(out)
}

struct Exec<'a> {
    st: &'a Storage,
    opts: &'a QueryOptions,
    literals: FxHashMap<u64, Literal>,
    facts: FxHashMap<FactId, Fact>,
    /// Documents read for the document qualifiers (`title`, `published`, ...).
    docs: FxHashMap<u64, Document>,
    /// When set, every index group read is recorded (for benchmark floors).
    trace: Option<Vec<(IndexKind, Vec<u8>)>>,
    /// When set, matches are only counted here, never bound (see `count_fast`).
    count_only: Option<u64>,
    /// Relation names by id (ids are dense and few).
    relation_names: Vec<Option<Arc<str>>>,
    /// When the statement's time budget runs out ([`QueryOptions::timeout`]).
    deadline: Option<std::time::Instant>,
    /// Maps of the hash-joined steps of the plan being solved, by step.
    joins: FxHashMap<usize, std::rc::Rc<join::JoinMap>>,
}

/// Runs one statement and returns the index groups it read, in order.
pub fn trace_statement(
    st: &Storage,
    stmt: &Statement,
    opts: &QueryOptions,
) -> Result<Vec<(IndexKind, Vec<u8>)>> {
    let mut ex = Exec::new(st, opts);
    ex.trace = Some(Vec::new());
    if let StmtKind::Query(q) = &stmt.kind {
        ex.query(q)?;
    }
    Ok(ex.trace.unwrap_or_default())
}

impl<'a> Exec<'a> {
    fn new(st: &'a Storage, opts: &'a QueryOptions) -> Exec<'a> {
        Exec {
            st,
            opts,
            literals: FxHashMap::default(),
            docs: FxHashMap::default(),
            facts: FxHashMap::default(),
            trace: None,
            count_only: None,
            relation_names: Vec::new(),
            joins: FxHashMap::default(),
            deadline: opts
                .timeout
                .and_then(|t| std::time::Instant::now().checked_add(t)),
        }
    }

    /// Stops the statement when it was cancelled or its time is up; called
    /// in every loop that can grow with the store.
    fn check_cancel(&self) -> Result<()> {
        if self.opts.cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        match (self.deadline, self.opts.timeout) {
            (Some(d), Some(budget)) if std::time::Instant::now() >= d => {
                Err(Error::TimedOut { budget })
            }
            _ => Ok(()),
        }
    }

    // ------------------------------------------------------------ matching

    /// Calls `k` for every binding that extends `b` with a match of `pat`.
    fn match_pattern(
        &mut self,
        pat: &PPattern,
        b: &mut Binding,
        k: &mut dyn FnMut(&mut Self, &mut Binding) -> Result<Flow>,
    ) -> Result<Flow> {
        let Some(s) = node_keys(&pat.s, b) else {
            return Ok(Flow::Continue(()));
        };
        let Some(o) = node_keys(&pat.o, b) else {
            return Ok(Flow::Continue(()));
        };
        let rel = match &pat.p {
            RelTerm::Id(id) => Some(*id),
            RelTerm::Var(v) => match b.get(*v).and_then(Option::as_ref) {
                None => None,
                Some(V::Rel(r)) => Some(*r),
                Some(_) => return Ok(Flow::Continue(())),
            },
        };
        let s_ref = s.as_deref();
        let o_ref = o.as_deref();
        let forward = Probe {
            pat,
            s: s_ref,
            rel,
            o: o_ref,
            reverse: false,
        };
        if self.scan_oriented(&forward, b, k)?.is_break() {
            return Ok(Flow::Break(()));
        }
        if pat.symmetric {
            // Reverse: a stored `a r b` with symmetric r also answers `b r a`.
            let rs: Option<Vec<ObjKey>> = o_ref.map(|keys| {
                keys.iter()
                    .copied()
                    .filter(|k| matches!(k, ObjKey::Entity(_)))
                    .collect()
            });
            if rs.as_ref().is_some_and(Vec::is_empty) {
                return Ok(Flow::Continue(()));
            }
            let backward = Probe {
                pat,
                s: rs.as_deref(),
                rel,
                o: s_ref,
                reverse: true,
            };
            return self.scan_oriented(&backward, b, k);
        }
        Ok(Flow::Continue(()))
    }

    /// Scans the index that fits the known terms; `reverse` swaps subject and object.
    fn scan_oriented(
        &mut self,
        probe: &Probe<'_>,
        b: &mut Binding,
        k: &mut dyn FnMut(&mut Self, &mut Binding) -> Result<Flow>,
    ) -> Result<Flow> {
        let (s, rel, o) = (probe.s, probe.rel, probe.o);
        let groups: Vec<(IndexKind, Vec<u8>)> = match (s, o) {
            _ if self.relation_group_first(probe)? => rel
                .map(|r| vec![(IndexKind::Pos, Storage::relation_group(r))])
                .unwrap_or_default(),
            (Some(sk), Some(ok)) if self.prefer_object(sk, ok)? => ok
                .iter()
                .map(|k| (IndexKind::Osp, Storage::object_group(*k)))
                .collect(),
            (Some(sk), _) => sk
                .iter()
                .filter_map(|k| match k {
                    ObjKey::Entity(id) => Some((IndexKind::Spo, Storage::subject_group(*id))),
                    ObjKey::Literal(_) => None,
                })
                .collect(),
            (None, Some(ok)) => ok
                .iter()
                .map(|k| (IndexKind::Osp, Storage::object_group(*k)))
                .collect(),
            (None, None) => match rel {
                Some(r) => vec![(IndexKind::Pos, Storage::relation_group(r))],
                None => Vec::new(),
            },
        };
        let groups = if s.is_none() && o.is_none() && rel.is_none() {
            // Nothing bound: the whole spo index (an empty prefix).
            vec![(IndexKind::Spo, Vec::new())]
        } else {
            groups
        };
        let st = self.st;
        for (kind, group) in groups {
            if let Some(t) = &mut self.trace {
                t.push((kind, group.clone()));
            }
            let flow =
                st.for_each_chunk(kind, &group, rel, |chunk| self.feed(chunk, probe, b, k))?;
            if flow.is_break() {
                return Ok(Flow::Break(()));
            }
        }
        Ok(Flow::Continue(()))
    }

    /// With both ends known, read the smaller group (a cheap count lookup each).
    fn prefer_object(&self, s: &[ObjKey], o: &[ObjKey]) -> Result<bool> {
        if s.len() != 1 || o.len() != 1 {
            return Ok(o.len() < s.len());
        }
        let ObjKey::Entity(sid) = s[0] else {
            return Ok(true);
        };
        Ok(self.st.estimate_object(o[0])? < self.st.estimate_subject(sid)?)
    }

    fn feed(
        &mut self,
        chunk: &[Triple],
        probe: &Probe<'_>,
        b: &mut Binding,
        k: &mut dyn FnMut(&mut Self, &mut Binding) -> Result<Flow>,
    ) -> Result<Flow> {
        let Probe {
            pat,
            s,
            rel,
            o,
            reverse,
        } = *probe;
        for &t in chunk {
            self.check_cancel()?;
            // `s`, `rel` and `o` are in stored orientation: check before turning around.
            if rel.is_some_and(|r| r != t.relation)
                || s.is_some_and(|keys| !keys.contains(&ObjKey::Entity(t.subject)))
                || o.is_some_and(|keys| !keys.contains(&t.object))
            {
                continue;
            }
            let t = if reverse {
                // Only symmetric relations between two entities turn around; a
                // self-loop already matched forward.
                let ObjKey::Entity(obj) = t.object else {
                    continue;
                };
                if !pat.symmetric_ids.contains(&t.relation) || obj == t.subject {
                    continue;
                }
                Triple {
                    subject: obj,
                    object: ObjKey::Entity(t.subject),
                    ..t
                }
            } else {
                t
            };
            if !polarity_ok(pat, &t) {
                continue;
            }
            if let Some(n) = &mut self.count_only {
                *n += 1;
                continue;
            }
            if self.bind_and_continue(pat, &t, b, k)?.is_break() {
                return Ok(Flow::Break(()));
            }
        }
        Ok(Flow::Continue(()))
    }

    fn bind_and_continue(
        &mut self,
        pat: &PPattern,
        t: &Triple,
        b: &mut Binding,
        k: &mut dyn FnMut(&mut Self, &mut Binding) -> Result<Flow>,
    ) -> Result<Flow> {
        let mut undo = Undo::default();
        let ok = self.bind_all(pat, t, b, &mut undo)?;
        let flow = if !ok {
            Flow::Continue(())
        } else if pat
            .quals
            .iter()
            .any(|q| matches!(q, QualSel::Doc(..) | QualSel::DocEquals(..)))
        {
            self.each_document(pat, t.fact, b, k)?
        } else {
            k(self, b)?
        };
        undo.restore(b);
        Ok(flow)
    }

    /// Binds what `t` gives to the pattern's slots; false when a bound slot disagrees
    /// (the slots set so far are in `undo` either way).
    fn bind_all(
        &mut self,
        pat: &PPattern,
        t: &Triple,
        b: &mut Binding,
        undo: &mut Undo,
    ) -> Result<bool> {
        if !bind(b, undo, pat.fact_slot, V::Fact(t.fact)) {
            return Ok(false);
        }
        if let NodeTerm::Var(v) | NodeTerm::Keys(_, Some(v)) = &pat.s
            && !bind(b, undo, *v, V::Obj(ObjKey::Entity(t.subject)))
        {
            return Ok(false);
        }
        if let NodeTerm::Var(v) | NodeTerm::Keys(_, Some(v)) = &pat.o
            && !bind(b, undo, *v, V::Obj(t.object))
        {
            return Ok(false);
        }
        if let RelTerm::Var(v) = pat.p
            && !bind(b, undo, v, V::Rel(t.relation))
        {
            return Ok(false);
        }
        if let PolaritySel::Var(v) = pat.polarity {
            let p = if t.negative { "negative" } else { "positive" };
            if !bind(b, undo, v, V::Text(p.into())) {
                return Ok(false);
            }
        }
        if pat.quals.is_empty() {
            return Ok(true);
        }
        // `{fact: ?f}` alone is in the triple: no fact record to read (a
        // count of distinct facts costs what a count of rows costs).
        if pat.quals.iter().all(|q| matches!(q, QualSel::FactId(_))) {
            for q in &pat.quals {
                if let QualSel::FactId(v) = q
                    && !bind(b, undo, *v, V::Fact(t.fact))
                {
                    return Ok(false);
                }
            }
            return Ok(true);
        }
        let fact = self.fact(t.fact)?;
        for q in &pat.quals {
            let (slot, val) = match q {
                QualSel::Equals(key, want) => {
                    let have = fact
                        .qualifiers
                        .iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case(key));
                    let ok = have.is_some_and(|(_, v)| {
                        v.eq_ignore_ascii_case(want)
                            || normalize_name(v) == normalize_name(want)
                            || date_within(v, want)
                    });
                    if !ok {
                        return Ok(false);
                    }
                    continue;
                }
                QualSel::Bind(key, v) => (
                    *v,
                    fact.qualifiers
                        .iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case(key))
                        .map_or(V::Null, |(_, x)| V::Text(x.clone())),
                ),
                QualSel::Sources(v) => (*v, V::Num(fact.sources.len() as f64)),
                QualSel::Confidence(v) => (
                    *v,
                    V::Num((f64::from(fact.confidence) * 100.0).round() / 100.0),
                ),
                QualSel::FactId(v) => (*v, V::Fact(t.fact)),
                // One row per document: `each_document`.
                QualSel::Doc(..) | QualSel::DocEquals(..) => continue,
            };
            if !bind(b, undo, slot, val) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    fn fact(&mut self, id: FactId) -> Result<Fact> {
        if let Some(f) = self.facts.get(&id) {
            return Ok(f.clone());
        }
        let f = self.st.fact(id)?.ok_or_else(|| Error::Corrupt {
            path: self.st.path().to_path_buf(),
            detail: format!("an index names fact {id}, which is missing"),
        })?;
        if self.facts.len() < 4096 {
            self.facts.insert(id, f.clone());
        }
        Ok(f)
    }

    /// Counts the matches of a lone pattern without binding anything, when
    /// nothing else could change the count: no filters, no `not`, no
    /// qualifiers and no variable used twice. `None` when that does not hold.
    fn count_fast(&mut self, plan: &BodyPlan) -> Result<Option<u64>> {
        let [pat] = plan.patterns.as_slice() else {
            return Ok(None);
        };
        let mut vars: Vec<usize> = Vec::new();
        for t in [&pat.s, &pat.o] {
            if let NodeTerm::Var(v) = t {
                vars.push(*v);
            }
        }
        if let RelTerm::Var(v) = pat.p {
            vars.push(v);
        }
        let repeated = vars.iter().enumerate().any(|(i, v)| vars[..i].contains(v));
        if !plan.filters.is_empty()
            || !plan.negations.is_empty()
            || !pat.quals.is_empty()
            || repeated
        {
            return Ok(None);
        }
        if let Some(n) = self.count_by_totals(pat)? {
            return Ok(Some(n));
        }
        let mut b: Binding = vec![None; plan.slots.len()];
        self.count_only = Some(0);
        let res = self.match_pattern(pat, &mut b, &mut |_, _| Ok(Flow::Continue(())));
        let n = self.count_only.take();
        let _always_continues = res?;
        Ok(n)
    }

    /// The count of a lone pattern that binds one term and checks nothing
    /// else (no relation filter besides that term, no reverse reading of
    /// symmetric relations), from the index group totals: big groups of the
    /// runs and chunk headers answer without decoding an entry.
    fn count_by_totals(&mut self, pat: &PPattern) -> Result<Option<u64>> {
        if pat.symmetric {
            return Ok(None);
        }
        let negative = match pat.polarity {
            PolaritySel::Positive => Some(false),
            PolaritySel::Negative => Some(true),
            PolaritySel::Any | PolaritySel::Var(_) => None,
        };
        let groups: Vec<(IndexKind, Vec<u8>)> = match (&pat.s, &pat.p, &pat.o) {
            (NodeTerm::Keys(keys, _), RelTerm::Var(_), NodeTerm::Var(_)) => keys
                .iter()
                .filter_map(|k| match k {
                    ObjKey::Entity(id) => Some((IndexKind::Spo, Storage::subject_group(*id))),
                    ObjKey::Literal(_) => None,
                })
                .collect(),
            (NodeTerm::Var(_), RelTerm::Var(_), NodeTerm::Keys(keys, _)) => keys
                .iter()
                .map(|k| (IndexKind::Osp, Storage::object_group(*k)))
                .collect(),
            (NodeTerm::Var(_), RelTerm::Id(r), NodeTerm::Var(_)) => {
                vec![(IndexKind::Pos, Storage::relation_group(*r))]
            }
            _ => return Ok(None),
        };
        let mut n = 0;
        for (kind, group) in groups {
            if let Some(t) = &mut self.trace {
                t.push((kind, group.clone()));
            }
            n += self.st.group_total(kind, &group, negative)?;
        }
        Ok(Some(n))
    }

    /// Runs the planned body, calling `emit` with every full binding.
    fn solve(
        &mut self,
        plan: &BodyPlan,
        emit: &mut dyn FnMut(&mut Self, &Binding) -> Result<Flow>,
    ) -> Result<()> {
        let mut b: Binding = vec![None; plan.slots.len()];
        self.joins.clear();
        // Break only means "enough rows"; either way the solve is over.
        let _enough = self.step(plan, 0, &mut b, emit)?;
        Ok(())
    }

    fn step(
        &mut self,
        plan: &BodyPlan,
        i: usize,
        b: &mut Binding,
        emit: &mut dyn FnMut(&mut Self, &Binding) -> Result<Flow>,
    ) -> Result<Flow> {
        for (f, at) in &plan.filters {
            if *at == i && !self.filter(f, b)? {
                return Ok(Flow::Continue(()));
            }
        }
        let Some(step) = plan.steps.get(i) else {
            for neg in &plan.negations {
                let mut found = false;
                let _first = self.match_pattern(neg, b, &mut |_, _| {
                    found = true;
                    Ok(Flow::Break(()))
                })?;
                if found {
                    return Ok(Flow::Continue(()));
                }
            }
            return emit(self, b);
        };
        let pat = &plan.patterns[step.pattern];
        let mut next = |ex: &mut Self, b: &mut Binding| ex.step(plan, i + 1, b, emit);
        match step.hash {
            Some(key) => self.hash_probe(i, pat, key, b, &mut next),
            None => self.match_pattern(pat, b, &mut next),
        }
    }

    fn filter(&mut self, f: &PFilter, b: &Binding) -> Result<bool> {
        if let Some(test) = &f.test {
            return Ok(self.text_test(test, &f.left, b)? != f.negated);
        }
        let left = self.operand(&f.left, b)?;
        let right = self.operand(&f.right, b)?;
        let res = match f.op {
            CmpOp::Eq => left.equals(&right),
            CmpOp::Ne => !left.equals(&right),
            op => {
                let ord = left.cmp(&right);
                match op {
                    CmpOp::Lt => ord.is_lt(),
                    CmpOp::Le => ord.is_le(),
                    CmpOp::Gt => ord.is_gt(),
                    CmpOp::Ge => ord.is_ge(),
                    // `=` and `!=` are answered above; the planner prepares
                    // `~`, `=~` and `is` as a `test`.
                    CmpOp::Eq | CmpOp::Ne | CmpOp::Contains | CmpOp::Matches | CmpOp::Is => false,
                }
            }
        };
        Ok(res != f.negated)
    }

    fn operand(&mut self, o: &Operand, b: &Binding) -> Result<Cmp> {
        Ok(match o {
            Operand::Const {
                text,
                number,
                entities,
            } => Cmp {
                entity: None,
                entities: entities.clone(),
                text: text.clone(),
                number: *number,
                relation: true,
            },
            Operand::Var(slot) => {
                let v = b.get(*slot).cloned().flatten().unwrap_or(V::Null);
                let value = self.value(&v)?;
                let number = match &value {
                    Value::Number(n) => Some(*n),
                    _ => None,
                };
                Cmp {
                    entity: match v {
                        V::Obj(ObjKey::Entity(id)) => Some(id),
                        _ => None,
                    },
                    entities: Vec::new(),
                    text: value.to_string(),
                    number,
                    relation: matches!(v, V::Rel(_)),
                }
            }
        })
    }

    // ------------------------------------------------------------ values

    fn entity_name(&mut self, id: EntityId) -> Result<Arc<str>> {
        // The store keeps the names of committed entities; a copy here would
        // cost a second lookup and an allocation per row.
        Ok(match self.st.entity_name(id)? {
            Some(n) => n,
            None => format!("#{id}").into(),
        })
    }

    fn relation_name(&mut self, r: RelId) -> Arc<str> {
        let i = r as usize;
        if let Some(Some(n)) = self.relation_names.get(i) {
            return n.clone();
        }
        let name: Arc<str> = self
            .st
            .relation(r)
            .map_or_else(|| format!("#{r}"), |rec| rec.name)
            .into();
        // Relation ids are dense (one per distinct relation phrase).
        if i < 1 << 20 {
            if self.relation_names.len() <= i {
                self.relation_names.resize(i + 1, None);
            }
            self.relation_names[i] = Some(name.clone());
        }
        name
    }

    fn object_value(&mut self, key: ObjKey) -> Result<Value> {
        match key {
            ObjKey::Entity(id) => Ok(Value::Entity {
                id,
                name: self.entity_name(id)?,
            }),
            ObjKey::Literal(h) => {
                let lit = match self.literals.get(&h) {
                    Some(l) => l.clone(),
                    None => {
                        let l = self
                            .st
                            .literal(key)?
                            .unwrap_or_else(|| Literal::Text(format!("#literal{h}")));
                        self.literals.insert(h, l.clone());
                        l
                    }
                };
                Ok(literal_value(lit))
            }
        }
    }

    fn value(&mut self, v: &V) -> Result<Value> {
        Ok(match v {
            V::Obj(k) => self.object_value(*k)?,
            V::Rel(r) => Value::Text(self.relation_name(*r)),
            V::Text(t) => Value::Text(t.as_str().into()),
            V::Num(n) => Value::Number(*n),
            V::Fact(f) => Value::Fact(*f),
            V::Null => Value::Null,
        })
    }

    fn row(&mut self, b: &Binding, slots: &[usize]) -> Result<Vec<Value>> {
        let mut row = Vec::with_capacity(slots.len());
        for s in slots {
            match b.get(*s).and_then(Option::as_ref) {
                Some(v) => self.push_value(v, &mut row)?,
                None => row.push(Value::Null),
            }
        }
        Ok(row)
    }

    /// [`Exec::value`] pushed straight onto `row`. Why: returned through a
    /// `Result<Value>` and pushed, every cell was copied through the stack
    /// twice, and perf showed those copies stalling (a third of the time
    /// spent building rows); entities, relations and fact ids fill most cells.
    fn push_value(&mut self, v: &V, row: &mut Vec<Value>) -> Result<()> {
        match v {
            V::Obj(ObjKey::Entity(id)) => {
                let name = self.entity_name(*id)?;
                row.push(Value::Entity { id: *id, name });
            }
            V::Rel(r) => {
                let name = self.relation_name(*r);
                row.push(Value::Text(name));
            }
            V::Fact(f) => row.push(Value::Fact(*f)),
            other => {
                let value = self.value(other)?;
                row.push(value);
            }
        }
        Ok(())
    }
}

/// Whether `t`'s polarity is one `pat` asks for.
fn polarity_ok(pat: &PPattern, t: &Triple) -> bool {
    match pat.polarity {
        PolaritySel::Positive => !t.negative,
        PolaritySel::Negative => t.negative,
        PolaritySel::Any | PolaritySel::Var(_) => true,
    }
}

/// The keys a subject or object position allows under binding `b`:
/// `Some(None)` when free, `None` when bound to something that cannot match.
fn node_keys(t: &NodeTerm, b: &Binding) -> Option<Option<Vec<ObjKey>>> {
    match t {
        NodeTerm::Keys(k, _) => Some(Some(k.clone())),
        NodeTerm::Var(v) => match b.get(*v).and_then(Option::as_ref) {
            None => Some(None),
            Some(V::Obj(k)) => Some(Some(vec![*k])),
            Some(_) => None,
        },
    }
}

/// Slots set while matching one triple, to clear afterwards (inline: no allocation
/// for the usual handful).
#[derive(Default)]
struct Undo {
    inline: [usize; 8],
    len: usize,
    spill: Vec<usize>,
}

impl Undo {
    fn push(&mut self, slot: usize) {
        if self.len < self.inline.len() {
            self.inline[self.len] = slot;
            self.len += 1;
        } else {
            self.spill.push(slot);
        }
    }

    fn restore(&self, b: &mut Binding) {
        for s in self.inline[..self.len].iter().chain(&self.spill) {
            if let Some(x) = b.get_mut(*s) {
                *x = None;
            }
        }
    }
}

/// Binds `slot` to `val`, or checks it against the value it already has.
fn bind(b: &mut Binding, undo: &mut Undo, slot: usize, val: V) -> bool {
    match b.get(slot) {
        Some(Some(existing)) => same(existing, &val),
        Some(None) => {
            b[slot] = Some(val);
            undo.push(slot);
            true
        }
        None => false,
    }
}

fn same(a: &V, b: &V) -> bool {
    match (a, b) {
        (V::Num(x), V::Num(y)) => x == y,
        (V::Null, _) | (_, V::Null) => false,
        _ => a == b,
    }
}

//! The executor: runs planned statements against the store and returns typed rows.
//!
//! Joins are nested index loops: every pattern is answered from the index
//! group of its bound subject (spo), else object (osp), else relation (pos),
//! and rows stream through a callback so a row limit stops the scans early.
//! Architecture invariant: the executor never formats output; it returns
//! [`Value`]s and the front ends decide how they look.

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
use crate::ingest::normalize_relation;
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
        StmtKind::Entities(like) => ex.entities(like.as_ref())?,
        StmtKind::Relations(like) => ex.relations(like.as_ref())?,
        StmtKind::Explain(inner) => ex.explain(inner)?,
    };
    out.span = stmt.span.clone();
    Ok(out)
}

struct Exec<'a> {
    st: &'a Storage,
    opts: &'a QueryOptions,
    literals: FxHashMap<u64, Literal>,
    facts: FxHashMap<FactId, Fact>,
    /// When set, every index group read is recorded (for benchmark floors).
    trace: Option<Vec<(IndexKind, Vec<u8>)>>,
    /// When set, matches are only counted here, never bound (see `count_fast`).
    count_only: Option<u64>,
    /// Relation names by id (ids are dense and few).
    relation_names: Vec<Option<Arc<str>>>,
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
            facts: FxHashMap::default(),
            trace: None,
            count_only: None,
            relation_names: Vec::new(),
        }
    }

    fn check_cancel(&self) -> Result<()> {
        if self.opts.cancel.is_cancelled() {
            Err(Error::Cancelled)
        } else {
            Ok(())
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
            let polarity_ok = match pat.polarity {
                PolaritySel::Positive => !t.negative,
                PolaritySel::Negative => t.negative,
                PolaritySel::Any | PolaritySel::Var(_) => true,
            };
            if !polarity_ok {
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
        let flow = if ok { k(self, b)? } else { Flow::Continue(()) };
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
        let fact = self.fact(t.fact)?;
        for q in &pat.quals {
            let (slot, val) = match q {
                QualSel::Equals(key, want) => {
                    let have = fact
                        .qualifiers
                        .iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case(key));
                    let ok = have.is_some_and(|(_, v)| {
                        v.eq_ignore_ascii_case(want) || normalize_name(v) == normalize_name(want)
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
        self.match_pattern(pat, b, &mut |ex, b| ex.step(plan, i + 1, b, emit))
    }

    fn filter(&mut self, f: &PFilter, b: &Binding) -> Result<bool> {
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
                    _ => ord.is_ge(),
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

    // ------------------------------------------------------------ statements

    fn query(&mut self, q: &Query) -> Result<StatementOutput> {
        let plan = plan::plan_body_with(self.st, &q.body, false)?;
        let mut out = StatementOutput {
            notes: plan.notes.clone(),
            ..StatementOutput::default()
        };
        let explicit = q.limit.as_ref().map(|l| l.0);
        let cap = explicit.unwrap_or(usize::MAX).min(self.opts.limit);
        let cut_by_option = explicit.is_none_or(|e| e > self.opts.limit);
        match &q.select {
            Select::Count(var) => {
                let slot = match var {
                    Some((v, span)) => Some(user_slot(&plan, v, span)?),
                    None => None,
                };
                let mut n = 0u64;
                let mut seen: HashSet<String> = HashSet::new();
                if slot.is_none()
                    && let Some(total) = self.count_fast(&plan)?
                {
                    n = total;
                } else {
                    self.solve(&plan, &mut |_, b| {
                        match slot {
                            Some(s) => {
                                if seen.insert(format!("{:?}", b.get(s))) {
                                    n += 1;
                                }
                            }
                            None => n += 1,
                        }
                        Ok(Flow::Continue(()))
                    })?;
                }
                out.columns = vec![match var {
                    Some((v, _)) => format!("count(?{v})"),
                    None => "count".to_string(),
                }];
                out.rows = vec![vec![Value::Number(n as f64)]];
            }
            Select::Patterns => {
                let mut slots: Vec<usize> = Vec::new();
                for kind in [SlotKind::User, SlotKind::Ambiguous, SlotKind::Fact] {
                    for (i, s) in plan.slots.iter().enumerate() {
                        if s.kind == kind && !plan.negations.iter().any(|n| n.fact_slot == i) {
                            slots.push(i);
                        }
                    }
                }
                // Slots only a `not` pattern uses are never bound: leave them out.
                let positive: Vec<usize> =
                    plan.patterns.iter().flat_map(plan::pattern_slots).collect();
                slots.retain(|s| positive.contains(s));
                let facts = plan.patterns.len();
                out.columns = slots
                    .iter()
                    .map(|s| {
                        let slot = &plan.slots[*s];
                        if slot.kind == SlotKind::Fact && facts == 1 {
                            "fact".to_string()
                        } else {
                            slot.name.clone()
                        }
                    })
                    .collect();
                let order = order_keys(q, &out.columns)?;
                self.collect_rows(&plan, &slots, false, order, cap, &mut out)?;
            }
            Select::Items(items) => {
                if items.iter().any(|i| matches!(i, SelectItem::Count(..)))
                    || !q.group_by.is_empty()
                {
                    self.aggregate(q, &plan, items, cap, &mut out)?;
                } else {
                    let mut slots = Vec::new();
                    for item in items {
                        if let SelectItem::Var(v, span) = item {
                            slots.push(user_slot(&plan, v, span)?);
                            out.columns.push(v.clone());
                        }
                    }
                    for (i, s) in plan.slots.iter().enumerate() {
                        if s.kind == SlotKind::Ambiguous {
                            slots.push(i);
                            out.columns.push(s.name.clone());
                        }
                    }
                    let order = order_keys(q, &out.columns)?;
                    self.collect_rows(&plan, &slots, true, order, cap, &mut out)?;
                }
            }
        }
        if out.rows.len() > cap {
            out.rows.truncate(cap);
            out.truncated = cut_by_option;
        }
        Ok(out)
    }

    /// Rows of `slots`, distinct when asked, sorted by `order` (column, descending);
    /// without an order the scans stop one row past `cap`.
    fn collect_rows(
        &mut self,
        plan: &BodyPlan,
        slots: &[usize],
        distinct: bool,
        order: Vec<(usize, bool)>,
        cap: usize,
        out: &mut StatementOutput,
    ) -> Result<()> {
        let mut rows: Vec<Vec<Value>> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        let stream = order.is_empty();
        self.solve(plan, &mut |ex, b| {
            if distinct {
                let key: Vec<&Option<V>> = slots.iter().map(|s| &b[*s]).collect();
                if !seen.insert(format!("{key:?}")) {
                    return Ok(Flow::Continue(()));
                }
            }
            rows.push(ex.row(b, slots)?);
            if stream && rows.len() > cap {
                return Ok(Flow::Break(()));
            }
            Ok(Flow::Continue(()))
        })?;
        sort_rows(&mut rows, &order);
        out.rows = rows;
        Ok(())
    }

    fn aggregate(
        &mut self,
        q: &Query,
        plan: &BodyPlan,
        items: &[SelectItem],
        cap: usize,
        out: &mut StatementOutput,
    ) -> Result<()> {
        // Key columns: the selected variables (group by must name exactly those).
        let mut key_slots = Vec::new();
        let mut counts: Vec<Option<usize>> = Vec::new();
        for item in items {
            match item {
                SelectItem::Var(v, span) => {
                    key_slots.push(user_slot(plan, v, span)?);
                    out.columns.push(v.clone());
                }
                SelectItem::Count(v, span) => {
                    counts.push(match v {
                        Some(v) => Some(user_slot(plan, v, span)?),
                        None => None,
                    });
                    out.columns.push(match v {
                        Some(v) => format!("count(?{v})"),
                        None => "count()".into(),
                    });
                }
            }
        }
        for (g, span) in &q.group_by {
            let slot = user_slot(plan, g, span)?;
            if !key_slots.contains(&slot) {
                return Err(Diagnostic::new(
                    format!("`?{g}` is grouped by but not selected"),
                    span.clone(),
                )
                .with_help(format!("add ?{g} to the `find` list"))
                .into());
            }
        }
        struct Group {
            key: Binding,
            n: u64,
            distinct: Vec<HashSet<String>>,
        }
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut groups: Vec<Group> = Vec::new();
        self.solve(plan, &mut |_, b| {
            let key: Binding = key_slots.iter().map(|s| b[*s].clone()).collect();
            let k = format!("{key:?}");
            let gi = *index.entry(k).or_insert_with(|| {
                groups.push(Group {
                    key,
                    n: 0,
                    distinct: vec![HashSet::new(); counts.len()],
                });
                groups.len() - 1
            });
            let g = &mut groups[gi];
            g.n += 1;
            for (ci, c) in counts.iter().enumerate() {
                if let Some(s) = c {
                    g.distinct[ci].insert(format!("{:?}", b[*s]));
                }
            }
            Ok(Flow::Continue(()))
        })?;
        let mut rows = Vec::with_capacity(groups.len());
        for g in groups {
            let mut row = Vec::with_capacity(items.len());
            let (mut ki, mut ci) = (0, 0);
            for item in items {
                match item {
                    SelectItem::Var(..) => {
                        row.push(match &g.key[ki] {
                            Some(v) => self.value(v)?,
                            None => Value::Null,
                        });
                        ki += 1;
                    }
                    SelectItem::Count(..) => {
                        let n = match counts[ci] {
                            Some(_) => g.distinct[ci].len() as u64,
                            None => g.n,
                        };
                        row.push(Value::Number(n as f64));
                        ci += 1;
                    }
                }
            }
            rows.push(row);
        }
        let order = order_keys(q, &out.columns)?;
        sort_rows(&mut rows, &order);
        if rows.len() > cap {
            rows.truncate(cap + 1);
        }
        out.rows = rows;
        Ok(())
    }

    fn why(&mut self, body: &ast::Body) -> Result<StatementOutput> {
        let plan = plan::plan_body_with(self.st, body, false)?;
        let cap = self.opts.limit;
        let mut out = StatementOutput {
            columns: [
                "fact",
                "subject",
                "relation",
                "object",
                "polarity",
                "confidence",
                "document",
                "origin",
                "published",
                "sentence",
                "span",
            ]
            .map(String::from)
            .to_vec(),
            notes: plan.notes.clone(),
            ..StatementOutput::default()
        };
        let fact_slots: Vec<usize> = plan.patterns.iter().map(|p| p.fact_slot).collect();
        let mut ids: Vec<FactId> = Vec::new();
        let mut seen = HashSet::new();
        self.solve(&plan, &mut |_, b| {
            for s in &fact_slots {
                if let Some(Some(V::Fact(f))) = b.get(*s)
                    && seen.insert(*f)
                {
                    ids.push(*f);
                }
            }
            Ok(if ids.len() > cap {
                Flow::Break(())
            } else {
                Flow::Continue(())
            })
        })?;
        let mut docs: HashMap<u64, Option<Document>> = HashMap::new();
        'facts: for id in ids {
            self.check_cancel()?;
            let fact = self.fact(id)?;
            let subject = self.object_value(ObjKey::Entity(fact.subject))?;
            let object = match &fact.object {
                Object::Entity(e) => self.object_value(ObjKey::Entity(*e))?,
                Object::Literal(l) => literal_value(l.clone()),
            };
            for src in &fact.sources {
                if out.rows.len() > cap {
                    break 'facts;
                }
                if let std::collections::hash_map::Entry::Vacant(slot) = docs.entry(src.doc) {
                    slot.insert(self.st.document(src.doc)?);
                }
                let doc = docs.get(&src.doc).cloned().flatten();
                out.rows.push(vec![
                    Value::Fact(fact.id),
                    subject.clone(),
                    Value::Text(fact.relation.as_str().into()),
                    object.clone(),
                    Value::Text(fact.polarity.as_str().into()),
                    Value::Number((f64::from(fact.confidence) * 100.0).round() / 100.0),
                    doc.as_ref()
                        .map_or(Value::Null, |d| Value::Text(d.title.as_str().into())),
                    doc.as_ref()
                        .map_or(Value::Null, |d| Value::Text(d.origin.as_str().into())),
                    doc.as_ref()
                        .and_then(|d| d.published.clone())
                        .map_or(Value::Null, Value::Date),
                    Value::Text(src.sentence.as_str().into()),
                    Value::Text(format!("{}..{}", src.span.0, src.span.1).into()),
                ]);
            }
        }
        cut(&mut out, cap);
        Ok(out)
    }

    fn resolve_entities(&self, t: &Term) -> Result<Vec<EntityId>> {
        let text = t.text().unwrap_or_default();
        let text = if text.is_empty() {
            t.to_string()
        } else {
            text.to_string()
        };
        let ids = self.st.lookup_name(&normalize_name(&text))?;
        if ids.is_empty() {
            return Err(plan::unknown_entity(self.st, &text, t.span(), false));
        }
        Ok(ids)
    }

    fn describe(&mut self, t: &Term) -> Result<StatementOutput> {
        let ids = self.resolve_entities(t)?;
        let cap = self.opts.limit;
        let mut out = with_columns(&[
            "entity",
            "direction",
            "relation",
            "other",
            "polarity",
            "qualifiers",
            "sources",
            "fact",
        ]);
        if ids.len() > 1 {
            out.notes.push(format!(
                "`{}` matches {} entities; the column `entity` says which",
                t.text().unwrap_or_default(),
                ids.len()
            ));
        }
        for id in ids {
            let Some(e) = self.st.entity(id)? else {
                continue;
            };
            let outgoing = self.st.count_subject(id)?;
            let incoming = self.st.count_object(ObjKey::Entity(id))?;
            out.notes.push(format!(
                "{} (#{}): {}; also known as: {}; {} facts out, {} in",
                e.name,
                e.id,
                e.kind,
                if e.aliases.is_empty() {
                    "-".to_string()
                } else {
                    e.aliases.join(", ")
                },
                outgoing,
                incoming
            ));
            let who = Value::Entity {
                id,
                name: e.name.as_str().into(),
            };
            for (kind, group, dir) in [
                (IndexKind::Spo, Storage::subject_group(id), "out"),
                (
                    IndexKind::Osp,
                    Storage::object_group(ObjKey::Entity(id)),
                    "in",
                ),
            ] {
                let triples: Vec<Triple> = self.st.scan(kind, group).collect::<Result<_>>()?;
                for t in triples {
                    self.check_cancel()?;
                    if out.rows.len() > cap {
                        break;
                    }
                    let fact = self.fact(t.fact)?;
                    let other = if dir == "out" {
                        self.object_value(t.object)?
                    } else {
                        self.object_value(ObjKey::Entity(t.subject))?
                    };
                    let quals: Vec<String> = fact
                        .qualifiers
                        .iter()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect();
                    out.rows.push(vec![
                        who.clone(),
                        Value::Text(dir.into()),
                        Value::Text(fact.relation.as_str().into()),
                        other,
                        Value::Text(fact.polarity.as_str().into()),
                        Value::Text(quals.join("; ").into()),
                        Value::Number(fact.sources.len() as f64),
                        Value::Fact(fact.id),
                    ]);
                }
            }
        }
        cut(&mut out, cap);
        Ok(out)
    }

    fn entities(&mut self, like: Option<&(String, Span)>) -> Result<StatementOutput> {
        let cap = self.opts.limit;
        let mut out = with_columns(&["entity", "kind", "aliases", "facts"]);
        let mut ids: Vec<EntityId> = Vec::new();
        match like {
            Some((text, _)) => {
                let needle = normalize_name(text);
                let mut seen = HashSet::new();
                for item in self.st.names() {
                    self.check_cancel()?;
                    let (name, found) = item?;
                    if name.contains(&needle) {
                        for id in found {
                            if seen.insert(id) {
                                ids.push(id);
                            }
                        }
                    }
                }
                ids.sort_unstable();
            }
            None => {
                for e in self.st.entities() {
                    self.check_cancel()?;
                    ids.push(e?.id);
                    if ids.len() > cap {
                        break;
                    }
                }
            }
        }
        for id in ids {
            self.check_cancel()?;
            if out.rows.len() > cap {
                break;
            }
            let Some(e) = self.st.entity(id)? else {
                continue;
            };
            let n = self.st.count_subject(id)? + self.st.count_object(ObjKey::Entity(id))?;
            out.rows.push(vec![
                Value::Entity {
                    id,
                    name: e.name.as_str().into(),
                },
                Value::Text(e.kind.as_str().into()),
                Value::Text(e.aliases.join(", ").into()),
                Value::Number(n as f64),
            ]);
        }
        cut(&mut out, cap);
        Ok(out)
    }

    fn relations(&mut self, like: Option<&(String, Span)>) -> Result<StatementOutput> {
        let cap = self.opts.limit;
        let needle = like.map(|(t, _)| t.to_lowercase());
        let mut rows = Vec::new();
        for (id, rec) in self.st.relations() {
            self.check_cancel()?;
            if let Some(n) = &needle
                && !rec.name.contains(n.as_str())
                && !rec
                    .forms
                    .iter()
                    .any(|f| f.to_lowercase().contains(n.as_str()))
            {
                continue;
            }
            let count = self.st.count_relation(id)?;
            rows.push((rec.name, count, rec.forms.join(", ")));
        }
        rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let truncated = rows.len() > cap;
        rows.truncate(cap);
        Ok(StatementOutput {
            columns: ["relation", "facts", "forms"].map(String::from).to_vec(),
            rows: rows
                .into_iter()
                .map(|(n, c, f)| {
                    vec![
                        Value::Text(n.into()),
                        Value::Number(c as f64),
                        Value::Text(f.into()),
                    ]
                })
                .collect(),
            truncated,
            ..StatementOutput::default()
        })
    }

    fn explain(&mut self, inner: &Statement) -> Result<StatementOutput> {
        let mut out = with_columns(&[
            "step",
            "pattern",
            "index",
            "bound",
            "estimated rows",
            "direction",
        ]);
        let body = match &inner.kind {
            StmtKind::Query(q) => Some(&q.body),
            StmtKind::Why(b) => Some(b),
            StmtKind::Explain(_) => {
                return Err(
                    Diagnostic::new("`explain` cannot explain itself", inner.span.clone()).into(),
                );
            }
            StmtKind::Describe(t) => {
                let mut step = 1;
                for id in self.resolve_entities(t)? {
                    let name = self.entity_name(id)?;
                    for (index, n, dir) in [
                        ("spo", self.st.estimate_subject(id)?, "out"),
                        ("osp", self.st.estimate_object(ObjKey::Entity(id))?, "in"),
                    ] {
                        out.rows.push(vec![
                            Value::Number(step as f64),
                            Value::Text(format!("{name} (#{id}): facts {dir}").into()),
                            Value::Text(index.into()),
                            Value::Text(if index == "spo" { "subject" } else { "object" }.into()),
                            Value::Number(n as f64),
                            Value::Text(String::new().into()),
                        ]);
                        step += 1;
                    }
                }
                None
            }
            StmtKind::Entities(like) => {
                out.notes.push(match like {
                    Some(_) => "scans the name index for names containing the text".into(),
                    None => "reads entities in id order".into(),
                });
                None
            }
            StmtKind::Relations(_) => {
                out.notes
                    .push("reads the relation table and one count per relation".into());
                None
            }
        };
        if let Some(body) = body {
            let plan = plan::plan_body(self.st, body)?;
            out.notes.extend(plan.notes.iter().cloned());
            for (i, step) in plan.steps.iter().enumerate() {
                let mut row = vec![Value::Number((i + 1) as f64)];
                row.extend(
                    plan::describe_step(step, &plan)
                        .into_iter()
                        .enumerate()
                        .map(|(j, s)| {
                            if j == 3 {
                                Value::Number(s.parse().unwrap_or(0.0))
                            } else {
                                Value::Text(s.into())
                            }
                        }),
                );
                out.rows.push(row);
            }
            if !plan.filters.is_empty() {
                out.notes.push(format!(
                    "{} filter(s), each checked as soon as its variables are bound",
                    plan.filters.len()
                ));
            }
            for n in &plan.negations {
                out.notes
                    .push(format!("then: no fact may match `{}`", n.text));
            }
        }
        Ok(out)
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

/// Keeps the first `cap` rows and flags the output when rows were dropped.
fn cut(out: &mut StatementOutput, cap: usize) {
    if out.rows.len() > cap {
        out.rows.truncate(cap);
        out.truncated = true;
    }
}

/// An empty output with these columns.
fn with_columns(columns: &[&str]) -> StatementOutput {
    StatementOutput {
        columns: columns.iter().map(|c| c.to_string()).collect(),
        ..StatementOutput::default()
    }
}

fn literal_value(l: Literal) -> Value {
    match l {
        Literal::Text(t) => Value::Text(t.into()),
        Literal::Number(n) => Value::Number(n),
        Literal::Date(d) => Value::Date(d),
    }
}

/// A filter operand ready to compare.
struct Cmp {
    entity: Option<EntityId>,
    entities: Vec<EntityId>,
    text: String,
    number: Option<f64>,
    relation: bool,
}

impl Cmp {
    fn equals(&self, other: &Cmp) -> bool {
        if let (Some(a), Some(b)) = (self.entity, other.entity) {
            return a == b;
        }
        if let Some(e) = self.entity
            && !other.entities.is_empty()
        {
            return other.entities.contains(&e);
        }
        if let Some(e) = other.entity
            && !self.entities.is_empty()
        {
            return self.entities.contains(&e);
        }
        if let (Some(a), Some(b)) = (self.number, other.number) {
            return a == b;
        }
        if self.relation || other.relation {
            let a = normalize_relation(&self.text);
            let b = normalize_relation(&other.text);
            if a == b {
                return true;
            }
        }
        normalize_name(&self.text) == normalize_name(&other.text)
    }

    fn cmp(&self, other: &Cmp) -> std::cmp::Ordering {
        match (self.number, other.number) {
            (Some(a), Some(b)) => a.total_cmp(&b),
            _ => self.text.to_lowercase().cmp(&other.text.to_lowercase()),
        }
    }
}

fn user_slot(plan: &BodyPlan, v: &str, span: &Span) -> Result<usize> {
    match plan.var(v) {
        Some(s)
            if plan
                .patterns
                .iter()
                .any(|p| plan::pattern_slots(p).contains(&s)) =>
        {
            Ok(s)
        }
        Some(_) => Err(Diagnostic::new(
            format!("`?{v}` only appears in a `not` pattern, so it never has a value"),
            span.clone(),
        )
        .with_help(format!(
            "select a variable of a pattern without `not`, or drop ?{v}"
        ))
        .into()),
        None => {
            let vars = plan.user_vars();
            let d = Diagnostic::new(format!("`?{v}` does not appear in the query"), span.clone());
            Err(match did_you_mean(v, vars.iter().copied()) {
                Some(m) => d.with_help(format!("did you mean `?{m}`?")),
                None => d.with_help(format!(
                    "the variables are: {}",
                    vars.iter()
                        .map(|v| format!("?{v}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            }
            .into())
        }
    }
}

/// Column positions (and direction) of the `order by` items among `columns`.
fn order_keys(q: &Query, columns: &[String]) -> Result<Vec<(usize, bool)>> {
    let mut out = Vec::new();
    for o in &q.order_by {
        let (name, span) = match &o.item {
            SelectItem::Var(v, s) => (v.clone(), s.clone()),
            SelectItem::Count(Some(v), s) => (format!("count(?{v})"), s.clone()),
            SelectItem::Count(None, s) => ("count()".to_string(), s.clone()),
        };
        match columns.iter().position(|c| *c == name) {
            Some(i) => out.push((i, o.descending)),
            None => {
                return Err(Diagnostic::new(
                    format!("cannot order by `{name}`: it is not a column of the result"),
                    span,
                )
                .with_help("order by a selected variable or count()")
                .into());
            }
        }
    }
    Ok(out)
}

fn sort_rows(rows: &mut [Vec<Value>], order: &[(usize, bool)]) {
    if order.is_empty() {
        return;
    }
    rows.sort_by(|a, b| {
        for (i, desc) in order {
            let ord = compare_values(&a[*i], &b[*i]);
            let ord = if *desc { ord.reverse() } else { ord };
            if ord.is_ne() {
                return ord;
            }
        }
        std::cmp::Ordering::Equal
    });
}

fn compare_values(a: &Value, b: &Value) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.total_cmp(y),
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Null, _) => Ordering::Greater,
        (_, Value::Null) => Ordering::Less,
        (Value::Fact(x), Value::Fact(y)) => x.cmp(y),
        _ => a
            .to_string()
            .to_lowercase()
            .cmp(&b.to_string().to_lowercase()),
    }
}

//! Running each kind of statement: queries (rows, aggregates, ordering),
//! `why`, `describe`, `entities`, `relations` and `explain`.

use super::*;
use rustc_hash::FxHashSet;

/// The columns of `why`: the fact, then one source per row.
const WHY_COLUMNS: &[&str] = &[
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
];

/// A bound value as a set or group key (DISTINCT, GROUP BY, `count(?x)`):
/// [`V`] itself cannot be hashed because of its floating-point numbers,
/// which count here by their bits, so that `1.0` and `1.0` are one key.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum VKey {
    Obj(ObjKey),
    Rel(RelId),
    Text(String),
    Num(u64),
    Fact(FactId),
    Null,
    Unbound,
}

impl VKey {
    fn of(v: &Option<V>) -> VKey {
        match v {
            None => VKey::Unbound,
            Some(V::Obj(k)) => VKey::Obj(*k),
            Some(V::Rel(r)) => VKey::Rel(*r),
            Some(V::Text(t)) => VKey::Text(t.clone()),
            Some(V::Num(n)) => VKey::Num(n.to_bits()),
            Some(V::Fact(f)) => VKey::Fact(*f),
            Some(V::Null) => VKey::Null,
        }
    }

    /// The key of the values at `slots` of a binding.
    fn of_slots(b: &Binding, slots: &[usize]) -> Vec<VKey> {
        slots.iter().map(|s| VKey::of(&b[*s])).collect()
    }
}

impl<'a> Exec<'a> {
    pub(super) fn query(&mut self, q: &Query) -> Result<StatementOutput> {
        let mut plan = plan::plan_body_with(self.st, &q.body, false)?;
        let shown = plan::shown_slots(q, &plan);
        plan::read_once_where_alike(&mut plan, &|s| shown.get(s).copied().unwrap_or(true));
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
                let mut seen: FxHashSet<VKey> = FxHashSet::default();
                if slot.is_none()
                    && let Some(total) = self.count_fast(&plan)?
                {
                    n = total;
                } else {
                    self.solve(&plan, &mut |_, b| {
                        match slot {
                            Some(s) => {
                                if seen.insert(b.get(s).map_or(VKey::Unbound, VKey::of)) {
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
    pub(super) fn collect_rows(
        &mut self,
        plan: &BodyPlan,
        slots: &[usize],
        distinct: bool,
        order: Vec<(usize, bool)>,
        cap: usize,
        out: &mut StatementOutput,
    ) -> Result<()> {
        let mut rows: Vec<Vec<Value>> = Vec::new();
        let mut seen: FxHashSet<Vec<VKey>> = FxHashSet::default();
        let stream = order.is_empty();
        self.solve(plan, &mut |ex, b| {
            if distinct && !seen.insert(VKey::of_slots(b, slots)) {
                return Ok(Flow::Continue(()));
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

    pub(super) fn aggregate(
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
            distinct: Vec<FxHashSet<VKey>>,
        }
        let mut index: FxHashMap<Vec<VKey>, usize> = FxHashMap::default();
        let mut groups: Vec<Group> = Vec::new();
        self.solve(plan, &mut |_, b| {
            let k = VKey::of_slots(b, &key_slots);
            let gi = *index.entry(k).or_insert_with(|| {
                groups.push(Group {
                    key: key_slots.iter().map(|s| b[*s].clone()).collect(),
                    n: 0,
                    distinct: vec![FxHashSet::default(); counts.len()],
                });
                groups.len() - 1
            });
            let g = &mut groups[gi];
            g.n += 1;
            for (ci, c) in counts.iter().enumerate() {
                if let Some(s) = c {
                    g.distinct[ci].insert(VKey::of(&b[*s]));
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

    pub(super) fn why(&mut self, body: &ast::Body) -> Result<StatementOutput> {
        let mut plan = plan::plan_body_with(self.st, body, false)?;
        // `why` lists facts: each once, as a bare pattern shows them.
        plan::read_once_where_alike(&mut plan, &|_| true);
        let cap = self.opts.limit;
        let mut out = with_columns(WHY_COLUMNS);
        out.notes = plan.notes.clone();
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
        self.why_rows(out, ids)
    }

    /// `why #4, #7;`: the sources of facts named by their ids.
    pub(super) fn why_facts(&mut self, ids: &[(u64, ast::Span)]) -> Result<StatementOutput> {
        let mut facts = Vec::new();
        for (id, span) in ids {
            if self.st.fact(*id)?.is_none() {
                return Err(Diagnostic::new(format!("no fact has the id #{id}"), span.clone())
                    .with_help("fact ids are in the `fact` column of results (e.g. of `describe NAME;`)")
                    .into());
            }
            if !facts.contains(id) {
                facts.push(*id);
            }
        }
        self.why_rows(with_columns(WHY_COLUMNS), facts)
    }

    /// One row per source of each fact in `ids`, into `out`.
    fn why_rows(&mut self, mut out: StatementOutput, ids: Vec<FactId>) -> Result<StatementOutput> {
        let cap = self.opts.limit;
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

    pub(super) fn resolve_entities(&self, t: &Term) -> Result<Vec<EntityId>> {
        if let Term::Id(id, span) = t {
            if self.st.entity(*id)?.is_none() {
                return Err(
                    Diagnostic::new(format!("there is no entity #{id}"), span.clone())
                        .with_help("`describe NAME;` shows an entity's id, e.g. `-- Ann Lee (#16)`")
                        .into(),
                );
            }
            return Ok(vec![*id]);
        }
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

    /// `describe #16;`: an entity named by its id.
    pub(super) fn describe_id(&mut self, id: u64, span: &ast::Span) -> Result<StatementOutput> {
        if self.st.entity(id)?.is_none() {
            return Err(Diagnostic::new(format!("no entity has the id #{id}"), span.clone())
                .with_help("entity ids are in the notes of `describe NAME;` and in `entities like \"...\";`")
                .into());
        }
        self.describe_ids(vec![id], &format!("#{id}"))
    }

    pub(super) fn describe(&mut self, t: &Term) -> Result<StatementOutput> {
        let ids = self.resolve_entities(t)?;
        self.describe_ids(ids, t.text().unwrap_or_default())
    }

    fn describe_ids(&mut self, ids: Vec<EntityId>, label: &str) -> Result<StatementOutput> {
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
                label,
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

    pub(super) fn entities(&mut self, like: Option<&(String, Span)>) -> Result<StatementOutput> {
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

    pub(super) fn relations(&mut self, like: Option<&(String, Span)>) -> Result<StatementOutput> {
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

    pub(super) fn explain(&mut self, inner: &Statement) -> Result<StatementOutput> {
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
            StmtKind::WhyFacts(ids) => {
                out.notes.push(format!(
                    "reads {} fact(s) by id, then their documents",
                    ids.len()
                ));
                None
            }
            StmtKind::Describe(_) | StmtKind::DescribeId(..) => {
                let ids = match &inner.kind {
                    StmtKind::Describe(t) => self.resolve_entities(t)?,
                    StmtKind::DescribeId(id, _) => vec![*id],
                    _ => Vec::new(),
                };
                let mut step = 1;
                for id in ids {
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
            StmtKind::Conflicts(about) => {
                out.notes.push(match about {
                    Some(_) => "reads the entity's facts (spo and osp groups), groups them by subject, relation and object, and compares polarity and dates within each group".into(),
                    None => "reads every fact, groups them by subject, relation and object, and compares polarity and dates within each group".into(),
                });
                None
            }
        };
        if let Some(body) = body {
            let mut plan = plan::plan_body(self.st, body)?;
            out.notes.extend(plan.notes.iter().cloned());
            let shown = match &inner.kind {
                StmtKind::Query(q) => plan::shown_slots(q, &plan),
                _ => vec![true; plan.slots.len()],
            };
            out.notes
                .extend(plan::read_once_where_alike(&mut plan, &|s| {
                    shown.get(s).copied().unwrap_or(true)
                }));
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

pub(super) fn user_slot(plan: &BodyPlan, v: &str, span: &Span) -> Result<usize> {
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
pub(super) fn order_keys(q: &Query, columns: &[String]) -> Result<Vec<(usize, bool)>> {
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

pub(super) fn sort_rows(rows: &mut [Vec<Value>], order: &[(usize, bool)]) {
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

pub(super) fn compare_values(a: &Value, b: &Value) -> std::cmp::Ordering {
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

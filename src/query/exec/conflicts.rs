//! `conflicts [about NAME];`: where the sources disagree. Facts are grouped
//! by subject, relation and object (a symmetric relation's two orientations
//! are one group); a group disagrees when some of its facts are asserted and
//! others denied ("the ministry confirmed the talks" / "denied holding
//! talks"), or when its asserted facts carry dates that cannot both hold (a
//! meeting on 2023-03-02 in one outlet and on 2023-03-05 in another; a
//! month holds its days, so 2023-03 and 2023-03-02 agree). Each row names
//! both facts and their source counts; `why #A, #B;` shows the sentences.

use std::collections::BTreeMap;
use std::ops::ControlFlow;

use super::super::ast::Term;
use super::super::{StatementOutput, Value};
use super::Exec;
use super::values::{date_within, literal_value, with_columns};
use crate::error::Result;
use crate::ingest::is_symmetric;
use crate::model::{EntityId, Fact, FactId, Literal, Object, Polarity};
use crate::storage::{IndexKind, ObjKey, Storage};

/// The most facts one group compares pairwise; a bigger group (a relation
/// read thousands of times) reports its first pairs only.
const GROUP_CAP: usize = 64;

/// What a group of facts is about: subject, relation, object.
type GroupKey = (EntityId, String, String);

impl Exec<'_> {
    pub(super) fn conflicts(&mut self, about: Option<&Term>) -> Result<StatementOutput> {
        let mut out = with_columns(&[
            "subject",
            "relation",
            "object",
            "conflict",
            "fact",
            "sources",
            "other",
            "other sources",
        ]);
        let ids = self.conflict_candidates(about)?;
        let mut groups: BTreeMap<GroupKey, Vec<FactId>> = BTreeMap::new();
        for id in ids {
            self.check_cancel()?;
            let f = self.fact(id)?;
            let group = groups.entry(group_key(&f)).or_default();
            if group.len() < GROUP_CAP {
                group.push(id);
            }
        }
        let cap = self.opts.limit;
        for facts in groups.values().filter(|g| g.len() > 1) {
            let facts: Vec<Fact> = facts
                .iter()
                .map(|&id| self.fact(id))
                .collect::<Result<_>>()?;
            for (i, a) in facts.iter().enumerate() {
                for b in &facts[i + 1..] {
                    self.check_cancel()?;
                    let Some(what) = disagreement(a, b) else {
                        continue;
                    };
                    if out.rows.len() >= cap {
                        out.truncated = true;
                        return Ok(out);
                    }
                    // The asserted side first.
                    let (a, b) = if a.polarity == Polarity::Negative {
                        (b, a)
                    } else {
                        (a, b)
                    };
                    let row = vec![
                        self.object_value(ObjKey::Entity(a.subject))?,
                        Value::Text(a.relation.as_str().into()),
                        self.fact_object(&a.object)?,
                        Value::Text(what.into()),
                        Value::Fact(a.id),
                        Value::Number(a.sources.len() as f64),
                        Value::Fact(b.id),
                        Value::Number(b.sources.len() as f64),
                    ];
                    out.rows.push(row);
                }
            }
        }
        if out.rows.is_empty() {
            out.notes
                .push("no two facts disagree: none both asserted and denied, no dates that cannot both hold".into());
        }
        Ok(out)
    }

    /// The facts to compare: an entity's (as subject or object), or all.
    fn conflict_candidates(&mut self, about: Option<&Term>) -> Result<Vec<FactId>> {
        let mut ids = Vec::new();
        match about {
            Some(t) => {
                for e in self.resolve_entities(t)? {
                    for (kind, group) in [
                        (IndexKind::Spo, Storage::subject_group(e)),
                        (IndexKind::Osp, Storage::object_group(ObjKey::Entity(e))),
                    ] {
                        let _read_whole_group: ControlFlow<()> =
                            self.st.for_each_chunk(kind, &group, None, |chunk| {
                                ids.extend(chunk.iter().map(|t| t.fact));
                                Ok(ControlFlow::Continue(()))
                            })?;
                    }
                }
            }
            None => {
                for f in self.st.facts() {
                    self.check_cancel()?;
                    ids.push(f?.id);
                }
            }
        }
        ids.sort_unstable();
        ids.dedup();
        Ok(ids)
    }

    fn fact_object(&mut self, o: &Object) -> Result<Value> {
        Ok(match o {
            Object::Entity(id) => self.object_value(ObjKey::Entity(*id))?,
            Object::Literal(l) => literal_value(l.clone()),
        })
    }
}

/// Subject, relation and object, the two ends of a symmetric relation in
/// one order.
fn group_key(f: &Fact) -> GroupKey {
    let object = match &f.object {
        Object::Entity(id) => format!("entity {id}"),
        Object::Literal(Literal::Text(t)) => format!("text {}", t.to_lowercase()),
        Object::Literal(Literal::Number(n)) => format!("number {n}"),
        Object::Literal(Literal::Date(d)) => format!("date {d}"),
    };
    match &f.object {
        Object::Entity(o) if is_symmetric(&f.relation) && *o < f.subject => {
            (*o, f.relation.clone(), format!("entity {}", f.subject))
        }
        _ => (f.subject, f.relation.clone(), object),
    }
}

/// How two facts of one group disagree, if they do.
fn disagreement(a: &Fact, b: &Fact) -> Option<&'static str> {
    if a.polarity != b.polarity {
        return Some("asserted and denied");
    }
    if a.polarity == Polarity::Positive {
        let (Some(x), Some(y)) = (a.qualifiers.get("time"), b.qualifiers.get("time")) else {
            return None;
        };
        let agree = x.eq_ignore_ascii_case(y) || date_within(x, y) || date_within(y, x);
        if !agree {
            return Some("different dates");
        }
    }
    None
}

//! The executor's side of the access paths the planner picks beyond one
//! probe per binding: hash joins (`plan/join.rs` says when) and reading a
//! constant relation's group instead of a larger entity group.

use std::rc::Rc;

use rustc_hash::FxHashMap;

use super::{Binding, Exec, Flow, Probe, polarity_ok};
use crate::error::Result;
use crate::query::plan::{self, HashKey, NodeTerm, PPattern, RelTerm};
use crate::storage::{IndexKind, ObjKey, Storage, Triple};

/// The matches of one hash-joined pattern, by the entity at its key end.
pub(super) type JoinMap = FxHashMap<ObjKey, Vec<Triple>>;

impl Exec<'_> {
    /// Matches `pat` (step `id` of the plan being solved) against the
    /// binding of its key end through the map, built on first use.
    pub(super) fn hash_probe(
        &mut self,
        id: usize,
        pat: &PPattern,
        key: HashKey,
        b: &mut Binding,
        k: &mut dyn FnMut(&mut Self, &mut Binding) -> Result<Flow>,
    ) -> Result<Flow> {
        let var = match (key, &pat.s, &pat.o) {
            (HashKey::Subject, NodeTerm::Var(v), _) | (HashKey::Object, _, NodeTerm::Var(v)) => *v,
            // The planner only marks patterns of that shape.
            _ => return self.match_pattern(pat, b, k),
        };
        let Some(Some(super::V::Obj(value))) = b.get(var).cloned() else {
            return Ok(Flow::Continue(()));
        };
        let map = match self.joins.get(&id) {
            Some(m) => Rc::clone(m),
            None => {
                let m = Rc::new(self.build_join(pat, key)?);
                self.joins.insert(id, Rc::clone(&m));
                m
            }
        };
        for t in map.get(&value).map(Vec::as_slice).unwrap_or_default() {
            self.check_cancel()?;
            if self.bind_and_continue(pat, t, b, k)?.is_break() {
                return Ok(Flow::Break(()));
            }
        }
        Ok(Flow::Continue(()))
    }

    /// Reads the matches of `pat` with its key end free, once: from the
    /// relation's group or the constant end's groups, whichever is smaller.
    fn build_join(&mut self, pat: &PPattern, key: HashKey) -> Result<JoinMap> {
        let RelTerm::Id(rel) = pat.p else {
            return Ok(JoinMap::default());
        };
        let other_end = match key {
            HashKey::Subject => &pat.o,
            HashKey::Object => &pat.s,
        };
        // The other end is a constant, or a variable this pattern binds.
        let keys: &[ObjKey] = match other_end {
            NodeTerm::Keys(keys, _) => keys,
            NodeTerm::Var(_) => &[],
        };
        let constant_end = matches!(other_end, NodeTerm::Keys(..));
        let groups: Vec<(IndexKind, Vec<u8>)> = if plan::reads_relation(self.st, pat, key)? {
            vec![(IndexKind::Pos, Storage::relation_group(rel))]
        } else {
            keys.iter()
                .filter_map(|k| match (key, k) {
                    (HashKey::Subject, k) => Some((IndexKind::Osp, Storage::object_group(*k))),
                    (HashKey::Object, ObjKey::Entity(id)) => {
                        Some((IndexKind::Spo, Storage::subject_group(*id)))
                    }
                    (HashKey::Object, ObjKey::Literal(_)) => None,
                })
                .collect()
        };
        let mut map = JoinMap::default();
        let st = self.st;
        for (kind, group) in groups {
            if let Some(t) = &mut self.trace {
                t.push((kind, group.clone()));
            }
            let _all = st.for_each_chunk(kind, &group, Some(rel), |chunk| {
                self.check_cancel()?;
                for t in chunk {
                    let (constant, at) = match key {
                        HashKey::Subject => (t.object, ObjKey::Entity(t.subject)),
                        HashKey::Object => (ObjKey::Entity(t.subject), t.object),
                    };
                    if (!constant_end || keys.contains(&constant)) && polarity_ok(pat, t) {
                        map.entry(at).or_default().push(*t);
                    }
                }
                Ok(Flow::Continue(()))
            })?;
        }
        Ok(map)
    }

    /// True when `probe` is better read from its relation's group than from
    /// the groups of its known ends: the relation is a constant, every
    /// known end is a constant of the pattern (so the choice is the same on
    /// every call, and the planner's estimate made it too), and the
    /// relation's group is the smaller.
    pub(super) fn relation_group_first(&self, probe: &Probe<'_>) -> Result<bool> {
        let Some(rel) = probe.rel else {
            return Ok(false);
        };
        let (ps, po) = if probe.reverse {
            (&probe.pat.o, &probe.pat.s)
        } else {
            (&probe.pat.s, &probe.pat.o)
        };
        if !matches!(probe.pat.p, RelTerm::Id(_))
            || (probe.s.is_none() && probe.o.is_none())
            || (probe.s.is_some() && !matches!(ps, NodeTerm::Keys(..)))
            || (probe.o.is_some() && !matches!(po, NodeTerm::Keys(..)))
        {
            return Ok(false);
        }
        let mut s_rows = 0;
        for k in probe.s.unwrap_or_default() {
            if let ObjKey::Entity(id) = k {
                s_rows += self.st.estimate_subject(*id)?;
            }
        }
        let mut o_rows = 0;
        for k in probe.o.unwrap_or_default() {
            o_rows += self.st.estimate_object(*k)?;
        }
        let entity_rows = match (probe.s, probe.o) {
            (Some(_), Some(_)) => s_rows.min(o_rows),
            (Some(_), None) => s_rows,
            _ => o_rows,
        };
        Ok(self.st.estimate_relation(rel)? < entity_rows)
    }
}

//! How many rows a pattern yields and which index it reads: the numbers
//! the join order and `explain` are made of.

use super::{NodeTerm, PPattern, RelTerm};
use crate::error::Result;
use crate::storage::{IndexKind, ObjKey, Storage};
/// Store-wide totals used when a term is bound by another pattern.
pub struct Totals {
    /// Facts in the store.
    pub facts: u64,
    /// Entities in the store.
    pub entities: u64,
}

impl Totals {
    /// Reads the totals.
    pub fn read(st: &Storage) -> Result<Totals> {
        let s = st.stats_counts()?;
        Ok(Totals {
            facts: s.0,
            entities: s.1,
        })
    }

    pub(super) fn per_entity(&self) -> u64 {
        self.facts.div_ceil(self.entities.max(1)).max(1)
    }
}

pub(super) fn key_counts(st: &Storage, keys: &[ObjKey], subject: bool) -> Result<u64> {
    let mut n = 0;
    for k in keys {
        n += match (subject, k) {
            (true, ObjKey::Entity(id)) => st.estimate_subject(*id)?,
            (true, ObjKey::Literal(_)) => 0,
            (false, k) => st.estimate_object(*k)?,
        };
    }
    Ok(n)
}

/// Estimated rows for one orientation, the index it reads, and what is bound.
fn estimate_one(
    st: &Storage,
    s: &NodeTerm,
    p: &RelTerm,
    o: &NodeTerm,
    bound: &[usize],
    totals: &Totals,
) -> Result<(u64, &'static str, String)> {
    let var_bound = |t: &NodeTerm| matches!(t, NodeTerm::Var(v) if bound.contains(v));
    let rel_bound = match p {
        RelTerm::Id(_) => true,
        RelTerm::Var(v) => bound.contains(v),
    };
    let mut parts = Vec::new();
    let s_est = match s {
        NodeTerm::Keys(k, _) => Some(key_counts(st, k, true)?),
        t if var_bound(t) => Some(totals.per_entity()),
        _ => None,
    };
    let o_est = match o {
        NodeTerm::Keys(k, _) => Some(key_counts(st, k, false)?),
        t if var_bound(t) => Some(totals.per_entity()),
        _ => None,
    };
    if s_est.is_some() {
        parts.push("subject");
    }
    if rel_bound {
        parts.push("relation");
    }
    if o_est.is_some() {
        parts.push("object");
    }
    let desc = if parts.is_empty() {
        "nothing".to_string()
    } else {
        parts.join("+")
    };
    let (est, index) = match (s_est, o_est) {
        (Some(a), Some(b)) if b < a => (b, IndexKind::Osp.name()),
        (Some(a), _) => (a, IndexKind::Spo.name()),
        (None, Some(b)) => (b, IndexKind::Osp.name()),
        (None, None) => match p {
            RelTerm::Id(id) => (st.estimate_relation(*id)?, IndexKind::Pos.name()),
            RelTerm::Var(_) => (totals.facts, "scan"),
        },
    };
    // A constant relation beside constant ends (`?s "lives in" Oslo`): the
    // executor reads the relation's group when it is the smaller one, and
    // the rows are about those of both groups at once, taking relation and
    // entity as independent (`relation_group_first` in the executor).
    let constant = |t: &NodeTerm, known: bool| !known || matches!(t, NodeTerm::Keys(..));
    if let RelTerm::Id(id) = p
        && (s_est.is_some() || o_est.is_some())
        && constant(s, s_est.is_some())
        && constant(o, o_est.is_some())
    {
        let r = st.estimate_relation(*id)?;
        let both = u128::from(est) * u128::from(r) / u128::from(totals.facts.max(1));
        let rows = if est == 0 || r == 0 {
            0
        } else {
            (both as u64).clamp(1, est.min(r))
        };
        let index = if r < est {
            IndexKind::Pos.name()
        } else {
            index
        };
        return Ok((rows, index, desc));
    }
    Ok((est, index, desc))
}

/// Estimated rows of a pattern when the slots in `bound` are bound.
pub fn estimate(
    st: &Storage,
    pat: &PPattern,
    bound: &[usize],
    totals: &Totals,
) -> Result<(u64, &'static str, String)> {
    let (mut est, index, desc) = estimate_one(st, &pat.s, &pat.p, &pat.o, bound, totals)?;
    if pat.symmetric {
        let (rev, _, _) = estimate_one(st, &pat.o, &pat.p, &pat.s, bound, totals)?;
        est = est.saturating_add(rev);
    }
    Ok((est, index, desc))
}

//! How a step meets the bindings before it: a nested probe per binding, or
//! a hash join on a group read once.
//!
//! The construction: a pattern whose relation is a constant and one end a
//! variable bound by an earlier step, the other end a constant or a new
//! variable, as in `?s employs ?p, ?p "lives in" Oslo` (`lives in` and
//! `Oslo` fixed, `?p` bound) or `Acme employs ?p, ?p "lives in" ?city`.
//! Probed once per binding it reads the whole group of the bound entity
//! each time; when many bindings arrive, reading the constant end's group
//! (or the relation's) once into a map keyed by the bound end's entity
//! answers every probe with one lookup. The planner decides, so that
//! `explain` shows what runs.

use super::{BodyPlan, NodeTerm, PPattern, RelTerm, Totals, key_counts, pattern_slots};
use crate::error::Result;
use crate::storage::Storage;

/// A bound entity's group, read per probe, costs about this many times the
/// store's average facts per entity: subjects and objects that join are
/// the popular ones, whose groups are larger than the average.
const PROBE_COST: u64 = 4;

/// Which end of a pattern a hash join keys on (the bound variable); the
/// other end is a constant or a variable the pattern binds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HashKey {
    /// The subject is the bound variable.
    Subject,
    /// The object is the bound variable.
    Object,
}

/// The end a hash join would key on, when `pat` has the construction above
/// with `bound` the slots bound before it.
pub fn hash_key(pat: &PPattern, bound: &[usize]) -> Option<HashKey> {
    if pat.symmetric || !matches!(pat.p, RelTerm::Id(_)) {
        return None;
    }
    let bound_var = |t: &NodeTerm| matches!(t, NodeTerm::Var(v) if bound.contains(v));
    let other = |t: &NodeTerm, key: &NodeTerm| match (t, key) {
        (NodeTerm::Keys(k, None), _) => !k.is_empty(),
        (NodeTerm::Var(v), NodeTerm::Var(w)) => !bound.contains(v) && v != w,
        _ => false,
    };
    if bound_var(&pat.s) && other(&pat.o, &pat.s) {
        Some(HashKey::Subject)
    } else if bound_var(&pat.o) && other(&pat.s, &pat.o) {
        Some(HashKey::Object)
    } else {
        None
    }
}

/// Rows in the groups of the constant end of a hash join on `pat`
/// (`u64::MAX` when that end is a variable: only the relation's group can
/// be read then).
fn constant_rows(st: &Storage, pat: &PPattern, key: HashKey) -> Result<u64> {
    Ok(match (key, &pat.s, &pat.o) {
        (HashKey::Subject, _, NodeTerm::Keys(k, _)) => key_counts(st, k, false)?,
        (HashKey::Object, NodeTerm::Keys(k, _), _) => key_counts(st, k, true)?,
        _ => u64::MAX,
    })
}

/// Rows read to build the map of a hash join on `pat`: the smaller of the
/// relation's group and the constant end's groups.
pub fn build_cost(st: &Storage, pat: &PPattern, key: HashKey) -> Result<u64> {
    let RelTerm::Id(rel) = pat.p else {
        return Ok(u64::MAX);
    };
    Ok(constant_rows(st, pat, key)?.min(st.estimate_relation(rel)?))
}

/// Whether the map of a hash join on `pat` is built from the relation's
/// group rather than the constant end's: the executor asks this, so that it
/// reads what `build_cost` counted.
pub fn reads_relation(st: &Storage, pat: &PPattern, key: HashKey) -> Result<bool> {
    let RelTerm::Id(rel) = pat.p else {
        return Ok(false);
    };
    Ok(st.estimate_relation(rel)? < constant_rows(st, pat, key)?)
}

/// Marks the steps that run as hash joins: those with the construction
/// above whose map costs less to build than the probes it replaces.
pub fn choose(st: &Storage, plan: &mut BodyPlan, totals: &Totals) -> Result<()> {
    let mut bound: Vec<usize> = Vec::new();
    let mut inputs: u64 = 1;
    for i in 0..plan.steps.len() {
        let pat = &plan.patterns[plan.steps[i].pattern];
        if i > 0
            && let Some(key) = hash_key(pat, &bound)
        {
            let build = build_cost(st, pat, key)?;
            let probes = inputs
                .saturating_mul(totals.per_entity())
                .saturating_mul(PROBE_COST);
            if build < probes {
                plan.steps[i].hash = Some(key);
            }
        }
        bound.extend(pattern_slots(pat));
        inputs = inputs.saturating_mul(plan.steps[i].estimate.max(1));
    }
    Ok(())
}

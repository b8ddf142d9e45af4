//! A symmetric fact read once where its two readings are one answer.
//!
//! A relation that holds both ways ("meet", "talk with") is stored once,
//! in the direction it was read, and a pattern matches it both ways:
//! `?a meet "Ann Lee"` finds whoever met her, whichever way the sentence
//! put it. But where the two readings differ only by which end is called
//! `?a` and which `?b`, they are one fact twice: `find ?a, ?b where ?a
//! meet ?b` would list "Ann – Bo" and "Bo – Ann", and `count()` would
//! count the meeting twice. Such a pattern reads each fact once, in its
//! stored direction: its two ends are variables that nothing else in the
//! statement uses (no other pattern, `not` or filter), and the answer
//! shows both of them or neither. When it shows one end only (`find ?a
//! where ?a meet ?b`: everyone who met anyone), both readings stay.

use super::super::ast::{self, Query};
use super::{BodyPlan, NodeTerm, Operand, pattern_slots};

/// Turns off the reverse reading of the patterns of `plan` for which it
/// only repeats answers; `shown(slot)` tells whether the answer shows a
/// variable (a column, a group key, an order key, a counted variable).
/// Returns a note per pattern changed, for `explain`.
pub fn read_once_where_alike(plan: &mut BodyPlan, shown: &dyn Fn(usize) -> bool) -> Vec<String> {
    let mut uses = vec![0usize; plan.slots.len()];
    for p in plan.patterns.iter().chain(&plan.negations) {
        for s in pattern_slots(p) {
            if let Some(u) = uses.get_mut(s) {
                *u += 1;
            }
        }
    }
    for (f, _) in &plan.filters {
        for o in [&f.left, &f.right] {
            if let Operand::Var(s) = o
                && let Some(u) = uses.get_mut(*s)
            {
                *u += 1;
            }
        }
    }
    let mut notes = Vec::new();
    for p in &mut plan.patterns {
        let (NodeTerm::Var(a), NodeTerm::Var(b)) = (&p.s, &p.o) else {
            continue;
        };
        let (a, b) = (*a, *b);
        let alone = |s: usize| uses.get(s) == Some(&1);
        if p.symmetric && a != b && alone(a) && alone(b) && shown(a) == shown(b) {
            p.symmetric = false;
            p.symmetric_ids.clear();
            notes.push(format!(
                "`{}`: a fact of a relation that holds both ways is read once, as stored (its two ends are alike here)",
                p.text
            ));
        }
    }
    notes
}

/// Which slots of `plan` the answer of `q` shows: every one for a bare
/// pattern, else the columns, group and order keys and counted variables
/// of `find` or `count`.
pub fn shown_slots(q: &Query, plan: &BodyPlan) -> Vec<bool> {
    let mut shown = vec![false; plan.slots.len()];
    let mut show = |name: &str| {
        if let Some(s) = plan.var(name).and_then(|i| shown.get_mut(i)) {
            *s = true;
        }
    };
    match &q.select {
        ast::Select::Patterns => return vec![true; plan.slots.len()],
        ast::Select::Count(var) => {
            if let Some((v, _)) = var {
                show(v);
            }
        }
        ast::Select::Items(items) => {
            for item in items.iter().chain(q.order_by.iter().map(|o| &o.item)) {
                match item {
                    ast::SelectItem::Var(v, _) | ast::SelectItem::Count(Some(v), _) => show(v),
                    ast::SelectItem::Count(None, _) => {}
                }
            }
        }
    }
    for (v, _) in &q.group_by {
        show(v);
    }
    shown
}

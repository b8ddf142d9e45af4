//! Values at the executor's edges: comparing filter operands, dates that
//! hold other dates, literal values, and shaping outputs.

use super::super::StatementOutput;
use super::super::Value;
use crate::ingest::normalize_relation;
use crate::model::{EntityId, Literal, normalize_name};

/// Whether the date `have` lies within the coarser date `want`: `2023-03`
/// holds `2023-03-02`, `2023` holds both. Only a year or a month can hold
/// others; anything that is not such a date holds nothing.
pub(super) fn date_within(have: &str, want: &str) -> bool {
    let b = want.as_bytes();
    let is_year_or_month = (b.len() == 4 || (b.len() == 7 && b[4] == b'-'))
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || c.is_ascii_digit());
    is_year_or_month
        && have.len() > want.len()
        && have.starts_with(want)
        && have.as_bytes()[want.len()] == b'-'
}

/// Keeps the first `cap` rows and flags the output when rows were dropped.
pub(super) fn cut(out: &mut StatementOutput, cap: usize) {
    if out.rows.len() > cap {
        out.rows.truncate(cap);
        out.truncated = true;
    }
}

/// An empty output with these columns.
pub(super) fn with_columns(columns: &[&str]) -> StatementOutput {
    StatementOutput {
        columns: columns.iter().map(|c| c.to_string()).collect(),
        ..StatementOutput::default()
    }
}

pub(super) fn literal_value(l: Literal) -> Value {
    match l {
        Literal::Text(t) => Value::Text(t.into()),
        Literal::Number(n) => Value::Number(n),
        Literal::Date(d) => Value::Date(d),
    }
}

/// A filter operand ready to compare.
pub(super) struct Cmp {
    pub(super) entity: Option<EntityId>,
    pub(super) entities: Vec<EntityId>,
    pub(super) text: String,
    pub(super) number: Option<f64>,
    pub(super) relation: bool,
}

impl Cmp {
    pub(super) fn equals(&self, other: &Cmp) -> bool {
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

    pub(super) fn cmp(&self, other: &Cmp) -> std::cmp::Ordering {
        match (self.number, other.number) {
            (Some(a), Some(b)) => a.total_cmp(&b),
            _ => self.text.to_lowercase().cmp(&other.text.to_lowercase()),
        }
    }
}

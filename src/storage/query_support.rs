//! Read-only helpers for the query engine: cheap totals for the planner, a
//! chunk-at-a-time group scan for the executor, and the raw prefix scan that
//! benchmarks use as the floor under the engine.
//!
//! An extra `impl Storage` block so the storage code proper stays untouched.

use std::ops::ControlFlow;
use std::sync::atomic::Ordering;

use super::bulk::index_space;
use super::{IndexKind, Storage, Triple, codec, index_tree, poisoned};
use crate::error::Result;
use crate::model::RelId;

impl Storage {
    /// `(facts, entities)` without touching the disk (unlike [`Storage::stats`]).
    pub fn stats_counts(&self) -> Result<(u64, u64)> {
        let c = *self.writer.lock().map_err(|_| poisoned())?;
        Ok((c.next_fact, c.next_entity))
    }

    /// Reads every raw key and value of one index group without decoding them;
    /// returns the bytes seen. The floor a query over that group cannot beat.
    pub fn raw_group_scan(&self, kind: IndexKind, group: &[u8]) -> Result<u64> {
        let mut bytes = 0u64;
        for item in self.tree(index_tree(kind)).scan_prefix(group) {
            let (k, v) = item.map_err(|e| self.sled(e))?;
            bytes += (k.len() + v.len()) as u64;
        }
        Ok(bytes + self.run_raw_bytes(kind, group)?)
    }

    /// Calls `f` with the triples of one index group (the whole index when
    /// `group` is empty), one decoded chunk at a time, until `f` breaks: the
    /// mutable level first, then each run, oldest first.
    ///
    /// The executor's access path: a chunk is decoded into one reused buffer,
    /// with none of the per-entry bookkeeping of [`Storage::scan`]; every
    /// decoded entry still counts in [`Storage::entries_read`].
    /// With `relation`, only its entries reach `f` (decoded entries are
    /// still counted): a bound relation in a subject or object group keeps
    /// one entry in many, and the filter is cheapest while decoding.
    pub fn for_each_chunk(
        &self,
        kind: IndexKind,
        group: &[u8],
        relation: Option<RelId>,
        mut f: impl FnMut(&[Triple]) -> Result<ControlFlow<()>>,
    ) -> Result<ControlFlow<()>> {
        let mut buf: Vec<Triple> = Vec::with_capacity(256);
        for item in self.tree(index_tree(kind)).scan_prefix(group) {
            let (k, v) = item.map_err(|e| self.sled(e))?;
            buf.clear();
            let mut decoded = 0u64;
            codec::decode_chunk(kind, &k, &v, |t| {
                decoded += 1;
                if relation.is_none_or(|r| r == t.relation) {
                    buf.push(t);
                }
            })
            .map_err(|e| self.corrupt("index chunk", e))?;
            self.entries_read.fetch_add(decoded, Ordering::Relaxed);
            if !buf.is_empty() && f(&buf)?.is_break() {
                return Ok(ControlFlow::Break(()));
            }
        }
        let set = self.run_set()?;
        for run in set.runs(index_space(kind)) {
            if self
                .for_each_run_chunk(run, kind, group, relation, &mut buf, &mut f)?
                .is_break()
            {
                return Ok(ControlFlow::Break(()));
            }
        }
        Ok(ControlFlow::Continue(()))
    }

    /// Ids of the relations whose normalized name satisfies `pred`, without
    /// cloning the relation table (the planner asks this for every `?r`).
    pub fn relation_ids_where(&self, pred: impl Fn(&str) -> bool) -> Vec<RelId> {
        match self.rels.read() {
            Ok(r) => r
                .by_id
                .iter()
                .enumerate()
                .filter(|(_, rec)| pred(&rec.name))
                .map(|(i, _)| i as RelId)
                .collect(),
            Err(_) => Vec::new(),
        }
    }
}

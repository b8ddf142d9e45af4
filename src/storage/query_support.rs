//! Read-only helpers for the query engine: cheap totals for the planner and
//! the raw prefix scan that benchmarks use as the floor under the engine.
//!
//! An extra `impl Storage` block so the storage code proper stays untouched.

use super::{IndexKind, Storage, T, index_tree, poisoned};
use crate::error::Result;

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
        Ok(bytes)
    }

    /// Whether any entity is stored (for "did you mean" without a full scan).
    pub fn has_entities(&self) -> bool {
        !self.tree(T::Entities).is_empty()
    }
}

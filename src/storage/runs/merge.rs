//! Merging runs: which runs to merge (`runs_to_merge`, `MERGE_FANOUT`)
//! and the k-way merge of their entries.

use super::*;

/// Runs merged at once by the size-tiered policy.
pub const MERGE_FANOUT: usize = 4;

/// The size-tiered policy: the newest [`MERGE_FANOUT`] runs of a space are
/// merged into one when they are of about the same size (the largest at
/// most twice the smallest). Import batches then add up like a counter in
/// base four: a space holds at most three runs per size tier, about
/// `3 * log4(total / batch)` runs, and each entry is rewritten about
/// `log4(total / batch)` times (every rewrite is also garbage sled must
/// reclaim, so a larger fan-out keeps the store smaller during imports).
/// Returns how many of the newest runs to merge (0: none).
pub fn runs_to_merge(sizes: &[u64]) -> usize {
    let Some(last) = sizes.len().checked_sub(MERGE_FANOUT).map(|i| &sizes[i..]) else {
        return 0;
    };
    let min = last.iter().copied().min().unwrap_or(0);
    let max = last.iter().copied().max().unwrap_or(0);
    if max <= min.saturating_mul(2) {
        MERGE_FANOUT
    } else {
        0
    }
}

/// k-way merge of runs by key. Equal keys (only possible across runs) are
/// handed to the caller together, oldest run first.
pub struct Merge<'a> {
    cursors: Vec<Cursor<'a>>,
    heads: Vec<Option<(Vec<u8>, Vec<u8>)>>,
}

impl<'a> Merge<'a> {
    /// Merges `runs` (oldest first).
    pub fn new(reader: &Reader<'a>, runs: &[Arc<Run>]) -> Result<Merge<'a>, ReadError> {
        let mut cursors: Vec<Cursor<'a>> = runs.iter().map(|r| reader.cursor(r)).collect();
        let mut heads = Vec::with_capacity(cursors.len());
        for c in &mut cursors {
            heads.push(c.next_entry()?);
        }
        Ok(Merge { cursors, heads })
    }

    /// The next key with its values from every run that has it, oldest first.
    pub fn next_group(&mut self) -> Result<Option<KeyValues>, ReadError> {
        let Some(min) = self.heads.iter().flatten().map(|(k, _)| k).min().cloned() else {
            return Ok(None);
        };
        let mut values = Vec::new();
        for (i, head) in self.heads.iter_mut().enumerate() {
            if head.as_ref().is_some_and(|(k, _)| *k == min) {
                if let Some((_, v)) = head.take() {
                    values.push(v);
                }
                *head = self.cursors[i].next_entry()?;
            }
        }
        Ok(Some((min, values)))
    }
}

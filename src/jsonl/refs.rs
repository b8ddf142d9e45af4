//! The importer's memory of what it has resolved: file ids → store rows,
//! names → entities, and which entity ids it created. Each is small per row,
//! or bounded outright, so that importing ten million facts does not hold a
//! map entry per distinct name.

use rustc_hash::FxHashMap;

use crate::model::{EntityId, EntityKind};
use crate::storage::Ref;

/// Ids below `2 × held + DENSE_SLACK` go in the vector: file ids are usually
/// dense (an export numbers its rows from 0), and the bound keeps a file of
/// scattered huge ids from allocating a slot per number below them.
const DENSE_SLACK: u64 = 4096;

/// File ids (of entities or of documents) → store references.
///
/// A dense id costs 8 bytes (a map entry with its hash table costs 25–50).
#[derive(Default)]
pub(crate) struct IdMap {
    /// Slot per id: 0 absent, else [`IdMap::pack`]ed.
    dense: Vec<u64>,
    /// Ids the vector could not take when they came.
    sparse: FxHashMap<u64, Ref>,
    held: u64,
    /// File ids last given a `Ref::New`: [`IdMap::resolve`] fixes only these.
    pending: Vec<u64>,
}

impl IdMap {
    /// `Existing(id)` → even, `New(i)` → odd, both nonzero; `None` past u64.
    fn pack(r: Ref) -> Option<u64> {
        match r {
            Ref::Existing(id) => id.checked_mul(2)?.checked_add(2),
            Ref::New(i) => u64::try_from(i).ok()?.checked_mul(2)?.checked_add(3),
        }
    }

    fn unpack(v: u64) -> Option<Ref> {
        match v {
            0 => None,
            v if v % 2 == 0 => Some(Ref::Existing(v / 2 - 1)),
            v => usize::try_from((v - 3) / 2).ok().map(Ref::New),
        }
    }

    /// The reference of file id `id`.
    pub(crate) fn get(&self, id: u64) -> Option<Ref> {
        let slot = usize::try_from(id).ok().and_then(|i| self.dense.get(i));
        match slot.copied().and_then(Self::unpack) {
            Some(r) => Some(r),
            None => self.sparse.get(&id).copied(),
        }
    }

    /// Whether file id `id` is declared.
    pub(crate) fn contains(&self, id: u64) -> bool {
        self.get(id).is_some()
    }

    /// Declares (or redeclares) file id `id`.
    pub(crate) fn insert(&mut self, id: u64, r: Ref) {
        if matches!(r, Ref::New(_)) {
            self.pending.push(id);
        }
        if let Some(old) = self.sparse.get_mut(&id) {
            *old = r;
            return;
        }
        let bound = self.held.saturating_mul(2).saturating_add(DENSE_SLACK);
        let slot = usize::try_from(id)
            .ok()
            .filter(|&i| i < self.dense.len() || id < bound);
        match (slot, Self::pack(r)) {
            (Some(i), Some(packed)) => {
                if i >= self.dense.len() {
                    self.dense.resize(i + 1, 0);
                }
                if self.dense[i] == 0 {
                    self.held += 1;
                }
                self.dense[i] = packed;
            }
            _ => {
                if let Some(s) = usize::try_from(id).ok().and_then(|i| self.dense.get_mut(i))
                    && *s != 0
                {
                    // A reference too big to pack replaces a packed one.
                    *s = 0;
                    self.held -= 1;
                }
                self.held += 1;
                self.sparse.insert(id, r);
            }
        }
    }

    /// After a write: the ids staged as `New(i)` now hold `ids[i]`.
    pub(crate) fn resolve(&mut self, ids: &[u64]) {
        for id in std::mem::take(&mut self.pending) {
            if let Some(Ref::New(i)) = self.get(id)
                && let Some(&stored) = ids.get(i)
            {
                self.insert(id, Ref::Existing(stored));
            }
        }
    }
}

/// Entity ids an import created: consecutive ranges, as each write hands
/// out consecutive ids, so a whole import is usually a few ranges.
#[derive(Default)]
pub(crate) struct IdRanges {
    /// Sorted, disjoint, half-open.
    ranges: Vec<(EntityId, EntityId)>,
}

impl IdRanges {
    /// Records `ids` as created.
    pub(crate) fn extend(&mut self, ids: &[EntityId]) {
        for &id in ids {
            match self.ranges.last_mut() {
                Some(last) if last.1 == id => last.1 += 1,
                Some(last) if last.1 < id => self.ranges.push((id, id + 1)),
                None => self.ranges.push((id, id + 1)),
                // Not above the last range: rare, so a sorted insert is enough.
                Some(_) => {
                    if !self.contains(id) {
                        let at = self.ranges.partition_point(|r| r.0 < id);
                        self.ranges.insert(at, (id, id + 1));
                    }
                }
            }
        }
    }

    /// Whether `id` was created.
    pub(crate) fn contains(&self, id: EntityId) -> bool {
        let at = self.ranges.partition_point(|r| r.0 <= id);
        at > 0 && self.ranges[at - 1].1 > id
    }
}

/// What a name resolved to, for [`Recent`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Named {
    /// The first entity this import created under the name (or an alias).
    Created(EntityId),
    /// The one stored entity of that name, of this kind.
    Stored(EntityId, EntityKind),
}

/// A bounded map of recent answers, in two generations: when the newer
/// one is full it becomes the older one and the oldest answers go. Only
/// answers that can be worked out again from the store go in, so what is
/// forgotten costs a lookup, never a different answer.
pub(crate) struct Recent<V> {
    now: FxHashMap<String, V>,
    old: FxHashMap<String, V>,
    limit: usize,
}

impl<V: Copy> Recent<V> {
    /// At most `2 × limit` answers.
    pub(crate) fn new(limit: usize) -> Recent<V> {
        Recent {
            now: FxHashMap::default(),
            old: FxHashMap::default(),
            limit: limit.max(1),
        }
    }

    /// The answer for `key`, if remembered.
    pub(crate) fn get(&mut self, key: &str) -> Option<V> {
        if let Some(v) = self.now.get(key) {
            return Some(*v);
        }
        let (k, v) = self.old.remove_entry(key)?;
        self.insert(k, v);
        Some(v)
    }

    /// Remembers `v` for `key`.
    pub(crate) fn insert(&mut self, key: String, v: V) {
        if self.now.len() >= self.limit && !self.now.contains_key(&key) {
            self.old = std::mem::take(&mut self.now);
        }
        self.now.insert(key, v);
    }

    /// Forgets `key` if `stale` says its answer no longer holds.
    pub(crate) fn forget_if(&mut self, key: &str, stale: impl Fn(&V) -> bool) {
        for map in [&mut self.now, &mut self.old] {
            if map.get(key).is_some_and(&stale) {
                map.remove(key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dense_and_sparse_ids_read_back_and_resolve() {
        let mut m = IdMap::default();
        m.insert(0, Ref::New(0));
        m.insert(1, Ref::Existing(42));
        // Far past the dense bound: kept in the map, no huge vector.
        m.insert(u64::MAX, Ref::New(1));
        m.insert(1 << 40, Ref::Existing(7));
        assert!(m.dense.len() < 10, "dense holds {} slots", m.dense.len());
        assert_eq!(m.get(0), Some(Ref::New(0)));
        assert_eq!(m.get(1), Some(Ref::Existing(42)));
        assert_eq!(m.get(u64::MAX), Some(Ref::New(1)));
        assert_eq!(m.get(1 << 40), Some(Ref::Existing(7)));
        assert!(!m.contains(2));
        m.resolve(&[100, 101]);
        assert_eq!(m.get(0), Some(Ref::Existing(100)));
        assert_eq!(m.get(u64::MAX), Some(Ref::Existing(101)));
        assert_eq!(m.get(1), Some(Ref::Existing(42)));
        // A redeclared id takes its new reference, wherever it is kept.
        m.insert(u64::MAX, Ref::Existing(5));
        m.insert(0, Ref::Existing(6));
        assert_eq!(m.get(u64::MAX), Some(Ref::Existing(5)));
        assert_eq!(m.get(0), Some(Ref::Existing(6)));
    }

    #[test]
    fn an_id_the_vector_grew_past_is_still_found_in_the_map() {
        let mut m = IdMap::default();
        m.insert(DENSE_SLACK + 10, Ref::Existing(1));
        for id in (0..DENSE_SLACK + 20).filter(|&i| i != DENSE_SLACK + 10) {
            m.insert(id, Ref::Existing(id));
        }
        assert!(m.dense.len() > (DENSE_SLACK + 10) as usize);
        assert_eq!(m.get(DENSE_SLACK + 10), Some(Ref::Existing(1)));
        m.insert(DENSE_SLACK + 10, Ref::Existing(2));
        assert_eq!(m.get(DENSE_SLACK + 10), Some(Ref::Existing(2)));
    }

    #[test]
    fn ranges_hold_exactly_the_created_ids() {
        let mut r = IdRanges::default();
        r.extend(&[5, 6, 7]);
        r.extend(&[10, 11]);
        r.extend(&[2]);
        r.extend(&[6]);
        assert_eq!(r.ranges, vec![(2, 3), (5, 8), (10, 12)]);
        for id in 0..14 {
            assert_eq!(r.contains(id), [2, 5, 6, 7, 10, 11].contains(&id), "{id}");
        }
    }

    #[test]
    fn recent_keeps_two_generations_and_promotes_what_is_read() {
        let mut c: Recent<u64> = Recent::new(2);
        c.insert("a".into(), 1);
        c.insert("b".into(), 2);
        c.insert("c".into(), 3); // a, b become the old generation
        assert_eq!(c.get("a"), Some(1)); // promoted: now = {c, a}
        c.insert("d".into(), 4); // now full: old = {c, a}, b is gone
        assert_eq!(c.get("b"), None);
        assert_eq!(c.get("a"), Some(1));
        c.forget_if("a", |v| *v == 1);
        c.forget_if("d", |v| *v == 0);
        assert_eq!(c.get("a"), None);
        assert_eq!(c.get("d"), Some(4));
    }
}

//! The integrity check behind `lore check`: recomputes everything derived
//! from the facts and compares it with what is stored.
//!
//! Memory is a few bytes per fact (a fingerprint and three "seen" bits per
//! fact, one bit per entity and document) plus the per-term counts, so a
//! ten-million-fact store checks in well under a gigabyte.
//!
//! Over 800 lines because its tests (the last ~170) damage real stores one
//! way each; the check itself is about 650.

use std::collections::{HashMap, HashSet};

use super::runs::Space;
use super::{
    Counters, FACTS_PER_BLOCK, IndexKind, META_COUNTERS, ObjKey, ROWS_PER_BLOCK, Storage,
    StoredFact, T, Triple, codec, count_key, index_tree,
};
use crate::error::Result;
use crate::model::{Entity, Object, Polarity, normalize_name};

/// How many problems of one kind are listed before the rest are only counted.
pub const LISTED_PER_KIND: usize = 20;

/// What `Storage::check` found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CheckReport {
    /// Facts read.
    pub facts: u64,
    /// Index entries read over the three indexes.
    pub index_entries: u64,
    /// Entities read.
    pub entities: u64,
    /// Documents read.
    pub documents: u64,
    /// Sources read.
    pub sources: u64,
    /// Problems, grouped by kind (kind → listed messages, total count).
    pub problems: Vec<(String, Vec<String>, u64)>,
}

impl CheckReport {
    /// True when no problem was found.
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }

    /// Total problems found.
    pub fn problem_count(&self) -> u64 {
        self.problems.iter().map(|(_, _, n)| n).sum()
    }

    fn add(&mut self, kind: &str, msg: String) {
        match self.problems.iter_mut().find(|(k, _, _)| k == kind) {
            Some((_, list, n)) => {
                *n += 1;
                if list.len() < LISTED_PER_KIND {
                    list.push(msg);
                }
            }
            None => self.problems.push((kind.to_string(), vec![msg], 1)),
        }
    }
}

/// A compact fingerprint of a triple, to compare index entries with facts.
fn fingerprint(t: &Triple) -> u64 {
    let mut b = [0u8; 30];
    b[..8].copy_from_slice(&t.subject.to_be_bytes());
    b[8..12].copy_from_slice(&t.relation.to_be_bytes());
    b[12] = u8::from(t.negative);
    b[13..22].copy_from_slice(&t.object.to_bytes());
    b[22..].copy_from_slice(&t.fact.to_be_bytes());
    let h = blake3::hash(&b);
    let mut out = [0u8; 8];
    out.copy_from_slice(&h.as_bytes()[..8]);
    // 0 marks "no fact here".
    u64::from_le_bytes(out) | 1
}

struct Bits(Vec<u64>);

impl Bits {
    fn new(n: u64) -> Bits {
        Bits(vec![0; (n as usize).div_ceil(64)])
    }
    fn get(&self, i: u64) -> bool {
        self.0
            .get((i / 64) as usize)
            .is_some_and(|w| w & (1 << (i % 64)) != 0)
    }
    /// Sets bit `i`; returns whether it was already set.
    fn set(&mut self, i: u64) -> bool {
        match self.0.get_mut((i / 64) as usize) {
            Some(w) => {
                let was = *w & (1 << (i % 64)) != 0;
                *w |= 1 << (i % 64);
                was
            }
            None => false,
        }
    }
}

impl Storage {
    /// Verifies the store: every index entry points at a fact that agrees with
    /// it, every fact is in all three indexes exactly once, the per-term counts
    /// and the totals match the facts, every source names a stored document,
    /// every entity named by a fact exists, and the name index agrees with the
    /// entities. Reading errors (damaged values) are reported as problems, not
    /// returned, so that one bad block does not hide the rest. Writers of
    /// this handle wait meanwhile: a check that ran beside a write could
    /// see an index entry before its fact and report damage that is not
    /// there (the shell and `lore serve` check for other processes).
    pub fn check(&self) -> Result<CheckReport> {
        let _writers_wait = self.writer.lock().map_err(|_| super::poisoned())?;
        let mut r = CheckReport::default();
        let c: Counters = match self.get(T::Meta, META_COUNTERS)? {
            Some(v) => match codec::decode(&v) {
                Ok(c) => c,
                Err(e) => {
                    r.add("meta", format!("the counters record is damaged: {}", e.0));
                    return Ok(r);
                }
            },
            None => {
                r.add("meta", "the counters record is missing".into());
                return Ok(r);
            }
        };

        // Run metadata, read lazily elsewhere: the checks below use all of it.
        let mut unreadable = 0;
        for run in self.run_set()?.by_space.iter().flatten() {
            if let Err(e) = run.loaded() {
                r.add("runs", self.run_err(e).to_string());
                unreadable += 1;
            }
        }
        if unreadable > 0 {
            return Ok(r);
        }

        // Documents.
        let mut docs = Bits::new(c.next_doc);
        let mut hashes = 0u64;
        for item in self.tree(T::Docs).iter() {
            let (k, v) = item.map_err(|e| self.sled(e))?;
            match k.first() {
                Some(b'b') => {
                    let block = codec::read_u64(&k[1..]).ok();
                    let rows = codec::decode_items::<crate::model::Document>(&v).ok();
                    let (Some(block), Some(rows)) = (block, rows) else {
                        r.add("documents", format!("damaged document block {k:?}"));
                        continue;
                    };
                    for (i, d) in rows.into_iter().enumerate() {
                        let id = block * ROWS_PER_BLOCK + i as u64;
                        if id >= c.next_doc || d.id != id {
                            r.add(
                                "documents",
                                format!("document slot {id} holds document {}", d.id),
                            );
                            continue;
                        }
                        docs.set(id);
                        r.documents += 1;
                        match self.document_by_hash(&d.hash) {
                            Ok(Some(h)) if h == id => {}
                            _ => r.add(
                                "documents",
                                format!("document {id} is missing from the hash index"),
                            ),
                        }
                    }
                }
                Some(b'h') => hashes += 1,
                _ => r.add("documents", format!("unknown key {k:?} in docs")),
            }
        }
        // Sentence groups: one per stored document, each readable.
        for item in self.tree(T::Sentences).iter() {
            let (k, v) = item.map_err(|e| self.sled(e))?;
            let doc = codec::read_u64(&k).ok();
            let group = codec::decode_block::<super::SentenceGroup>(&v).ok();
            match (doc, group) {
                (Some(d), Some(_)) if docs.get(d) => {}
                (Some(d), Some(_)) => r.add(
                    "sentences",
                    format!("sentences of document {d}, which is missing"),
                ),
                _ => r.add("sentences", format!("damaged sentence group {k:?}")),
            }
        }
        if r.documents != c.next_doc {
            r.add(
                "counts",
                format!(
                    "{} documents stored, the counters say {}",
                    r.documents, c.next_doc
                ),
            );
        }
        for run in self.run_set()?.runs(Space::Hashes) {
            hashes += run.meta().map_err(|e| self.run_err(e))?.entries;
        }
        if hashes != r.documents {
            r.add(
                "documents",
                format!("{hashes} hash entries for {} documents", r.documents),
            );
        }

        // Entities and the name index, both ways.
        let mut ents = Bits::new(c.next_entity);
        let mut stored_entities = Vec::new();
        for item in self.tree(T::Entities).iter() {
            let (k, v) = item.map_err(|e| self.sled(e))?;
            let block = codec::read_u64(&k).ok();
            let rows = codec::decode_items::<Entity>(&v).ok();
            let (Some(block), Some(rows)) = (block, rows) else {
                r.add("entities", format!("damaged entity block {k:?}"));
                continue;
            };
            for (i, e) in rows.into_iter().enumerate() {
                stored_entities.push((block * ROWS_PER_BLOCK + i as u64, e));
            }
        }
        for (id, e) in stored_entities {
            if id >= c.next_entity || e.id != id {
                r.add(
                    "entities",
                    format!("entity record {id} holds entity {}", e.id),
                );
                continue;
            }
            ents.set(id);
            r.entities += 1;
            let names: HashSet<String> = std::iter::once(&e.name)
                .chain(e.aliases.iter())
                .map(|n| normalize_name(n))
                .filter(|n| !n.is_empty())
                .collect();
            for n in names {
                match self.lookup_name(&n) {
                    Ok(ids) if ids.contains(&id) => {}
                    Ok(_) => r.add(
                        "names",
                        format!("entity {id} is missing under name {n:?} in the name index"),
                    ),
                    Err(e) => r.add("names", format!("name {n:?}: {e}")),
                }
            }
        }
        if r.entities != c.next_entity {
            r.add(
                "counts",
                format!(
                    "{} entities stored, the counters say {}",
                    r.entities, c.next_entity
                ),
            );
        }
        for item in self.names() {
            let (name, ids) = match item {
                Ok(x) => x,
                // A sled iterator that fails does not move past the damage:
                // asked again it fails again, so the scan stops here.
                Err(e) => {
                    r.add(
                        "names",
                        format!("the name index cannot be read past here: {e}"),
                    );
                    break;
                }
            };
            for id in ids {
                let ok = ents.get(id)
                    && self.entity(id).ok().flatten().is_some_and(|e| {
                        std::iter::once(&e.name)
                            .chain(e.aliases.iter())
                            .any(|n| normalize_name(n) == name)
                    });
                if !ok {
                    r.add(
                        "names",
                        format!("name {name:?} points at entity {id}, which does not have it"),
                    );
                }
            }
        }

        // Facts: fingerprints, references, recomputed counts.
        let rels = self.relations().len() as u64;
        if rels != u64::from(c.next_rel) {
            r.add(
                "counts",
                format!("{rels} relations stored, the counters say {}", c.next_rel),
            );
        }
        let mut prints = vec![0u64; c.next_fact as usize];
        // Identity hashes, for the `idents` runs.
        let mut identities = vec![0u64; c.next_fact as usize];
        let mut sources = 0u64;
        // Extra sources are merged with their block below; here, that each
        // has one. Keys are in block order: one lookup per block.
        let mut last: Option<(u64, bool)> = None;
        for item in self.tree(T::Extras).iter() {
            let (k, _) = item.map_err(|e| self.sled(e))?;
            let block = k.get(..8).and_then(|b| codec::read_u64(b).ok());
            let id = k.get(8..).and_then(|b| codec::read_u64(b).ok());
            match (block, id) {
                (Some(block), Some(id)) if id / FACTS_PER_BLOCK == block => {
                    let has_block = match last {
                        Some((b, has)) if b == block => has,
                        _ => self
                            .tree(T::Facts)
                            .contains_key(codec::u64_key(block))
                            .map_err(|e| self.sled(e))?,
                    };
                    last = Some((block, has_block));
                    if !has_block {
                        r.add(
                            "facts",
                            format!("extra sources of fact {id} have no fact block"),
                        );
                    }
                }
                _ => r.add("facts", format!("damaged extra sources key {k:?}")),
            }
        }
        for item in self.tree(T::Facts).iter() {
            let (k, v) = item.map_err(|e| self.sled(e))?;
            let Ok(block) = codec::read_u64(&k) else {
                r.add("facts", format!("damaged fact block key {k:?}"));
                continue;
            };
            let facts: Vec<StoredFact> = match self.merged_block(block, &v) {
                Ok(f) => f,
                Err(e) => {
                    r.add("facts", format!("fact block {block}: {e}"));
                    continue;
                }
            };
            for (i, f) in facts.into_iter().enumerate() {
                let id = block * FACTS_PER_BLOCK + i as u64;
                if id >= c.next_fact {
                    r.add("facts", format!("fact {id} lies past the last fact id"));
                    continue;
                }
                r.facts += 1;
                if !ents.get(f.subject) {
                    r.add(
                        "facts",
                        format!("fact {id}: subject entity {} is missing", f.subject),
                    );
                }
                if u64::from(f.relation) >= rels {
                    r.add(
                        "facts",
                        format!("fact {id}: relation {} is missing", f.relation),
                    );
                }
                let object = match &f.object {
                    Object::Entity(o) => {
                        if !ents.get(*o) {
                            r.add("facts", format!("fact {id}: object entity {o} is missing"));
                        }
                        ObjKey::Entity(*o)
                    }
                    Object::Literal(l) => match Storage::literal_key(l) {
                        Ok(key) => {
                            if !matches!(self.literal(key), Ok(Some(_))) {
                                r.add("facts", format!("fact {id}: its literal is missing"));
                            }
                            key
                        }
                        Err(e) => {
                            r.add("facts", format!("fact {id}: {e}"));
                            continue;
                        }
                    },
                };
                for s in &f.sources {
                    sources += 1;
                    if !docs.get(s.doc) {
                        r.add(
                            "sources",
                            format!("fact {id}: source document {} is missing", s.doc),
                        );
                    }
                    if s.sentence.is_empty()
                        && !matches!(self.sentence(s.doc, s.span.0), Ok(Some(_)))
                    {
                        r.add(
                            "sources",
                            format!(
                                "fact {id}: the sentence of document {} at byte {} is missing",
                                s.doc, s.span.0
                            ),
                        );
                    }
                }
                let t = Triple {
                    fact: id,
                    subject: f.subject,
                    relation: f.relation,
                    negative: f.polarity == Polarity::Negative,
                    object,
                };
                prints[id as usize] = fingerprint(&t);
                identities[id as usize] =
                    super::bulk::identity_hash(t.subject, t.relation, t.negative, t.object);
            }
        }
        r.sources = sources;
        if r.facts != c.next_fact {
            r.add(
                "counts",
                format!("{} facts stored, the counters say {}", r.facts, c.next_fact),
            );
        }
        if sources != c.sources {
            r.add(
                "counts",
                format!("{sources} sources stored, the counters say {}", c.sources),
            );
        }

        // Indexes: each entry matches its fact, each fact is in each index
        // once (on the mutable level or in one run). The per-term counts
        // cover the mutable level; runs keep totals in their chunk headers
        // and metadata, checked here too.
        let mut counts: HashMap<Vec<u8>, u64> = HashMap::new();
        let mut in_spo_runs = Bits::new(c.next_fact);
        for kind in [IndexKind::Spo, IndexKind::Pos, IndexKind::Osp] {
            let mut seen = Bits::new(c.next_fact);
            let mut entry = |r: &mut CheckReport, t: Triple| {
                r.index_entries += 1;
                let known = prints.get(t.fact as usize).copied().unwrap_or(0);
                if known == 0 {
                    r.add(
                        "index",
                        format!(
                            "{} entry names fact {}, which is missing",
                            kind.name(),
                            t.fact
                        ),
                    );
                } else if known != fingerprint(&t) {
                    r.add(
                        "index",
                        format!(
                            "{} entry for fact {} disagrees with the fact",
                            kind.name(),
                            t.fact
                        ),
                    );
                } else if seen.set(t.fact) {
                    r.add(
                        "index",
                        format!("{} lists fact {} twice", kind.name(), t.fact),
                    );
                }
            };
            let tag = match kind {
                IndexKind::Spo => b's',
                IndexKind::Pos => b'p',
                IndexKind::Osp => b'o',
            };
            for item in self.tree(index_tree(kind)).iter() {
                let (k, v) = item.map_err(|e| self.sled(e))?;
                let mut decoded = Vec::new();
                match codec::decode_chunk(kind, &k, &v, |t| decoded.push(t)) {
                    Ok(_) => {
                        for t in decoded {
                            *counts
                                .entry(count_key(tag, kind.group_key(&t).as_slice()))
                                .or_default() += 1;
                            entry(&mut r, t);
                        }
                    }
                    Err(e) => r.add(
                        "index",
                        format!("{} chunk {k:?} is damaged: {}", kind.name(), e.0),
                    ),
                }
            }
            let space = super::bulk::index_space(kind);
            let reader = self.run_reader();
            for run in self.run_set()?.runs(space) {
                let mut cursor = reader.cursor(run);
                let mut group: Option<(Vec<u8>, u64)> = None;
                let check_group = |r: &mut CheckReport, g: Option<(Vec<u8>, u64)>| {
                    if let Some((g, n)) = g {
                        // Every run's metadata was read above.
                        let kept = run.big_group(&g).ok().flatten();
                        let want = (n >= super::runs::BIG_GROUP).then_some(n);
                        if kept != want {
                            r.add(
                                "runs",
                                format!(
                                    "{} run {}: group {g:?} has {n} entries, its metadata says {kept:?}",
                                    kind.name(),
                                    run.id
                                ),
                            );
                        }
                    }
                };
                loop {
                    let (k, v) = match cursor.next_entry() {
                        Ok(Some(kv)) => kv,
                        Ok(None) => break,
                        Err(e) => {
                            r.add(
                                "runs",
                                format!("{} run {}: {}", kind.name(), run.id, self.run_err(e)),
                            );
                            break;
                        }
                    };
                    let Ok((g, _)) = codec::split_run_chunk_key(&k) else {
                        r.add(
                            "runs",
                            format!("{} run {}: damaged key {k:?}", kind.name(), run.id),
                        );
                        continue;
                    };
                    let mut decoded = Vec::new();
                    if let Err(e) = codec::decode_run_chunk(kind, g, &v, |t| decoded.push(t)) {
                        r.add(
                            "index",
                            format!(
                                "{} run {} chunk {k:?} is damaged: {}",
                                kind.name(),
                                run.id,
                                e.0
                            ),
                        );
                        continue;
                    }
                    if group.as_ref().is_none_or(|(cur, _)| cur.as_slice() != g) {
                        check_group(&mut r, group.take());
                        group = Some((g.to_vec(), 0));
                    }
                    if let Some((_, n)) = &mut group {
                        *n += decoded.len() as u64;
                    }
                    for t in decoded {
                        if kind == IndexKind::Spo {
                            in_spo_runs.set(t.fact);
                        }
                        entry(&mut r, t);
                    }
                }
                check_group(&mut r, group.take());
            }
            for (id, p) in prints.iter().enumerate() {
                if *p != 0 && !seen.get(id as u64) {
                    r.add(
                        "index",
                        format!("fact {id} is missing from the {} index", kind.name()),
                    );
                }
            }
        }

        // The identity runs list every fact of the run level once, under its
        // identity (imports find corroborated facts through them).
        let mut in_idents = Bits::new(c.next_fact);
        let reader = self.run_reader();
        for run in self.run_set()?.runs(Space::Idents) {
            let mut cursor = reader.cursor(run);
            loop {
                let k = match cursor.next_entry() {
                    Ok(Some((k, _))) => k,
                    Ok(None) => break,
                    Err(e) => {
                        r.add(
                            "runs",
                            format!("idents run {}: {}", run.id, self.run_err(e)),
                        );
                        break;
                    }
                };
                let Ok((prefix, fact)) = codec::read_ident_key(&k) else {
                    r.add("runs", format!("idents run {}: damaged key {k:?}", run.id));
                    continue;
                };
                if identities
                    .get(fact as usize)
                    .map(|&h| codec::ident_prefix(h))
                    != Some(prefix)
                {
                    r.add(
                        "index",
                        format!("the identity index names fact {fact} under another identity"),
                    );
                } else if in_idents.set(fact) {
                    r.add(
                        "index",
                        format!("the identity index lists fact {fact} twice"),
                    );
                }
            }
        }
        for id in 0..c.next_fact {
            if in_spo_runs.get(id) && !in_idents.get(id) {
                r.add(
                    "index",
                    format!("fact {id} is missing from the identity index"),
                );
            }
        }

        // Every key of the runs tree belongs to a live run.
        let set = self.run_set()?;
        let live: HashMap<(Space, u32), u32> = set
            .by_space
            .iter()
            .flatten()
            .map(|run| ((run.space, run.id), run.blocks))
            .collect();
        for item in self.tree(T::Runs).iter() {
            let (k, _) = item.map_err(|e| self.sled(e))?;
            match super::runs::split_key(&k) {
                Ok((space, id, block)) => match live.get(&(space, id)) {
                    Some(&blocks) if block < blocks || block == u32::MAX => {}
                    Some(_) => r.add(
                        "runs",
                        format!("{} run {id} has a stray block {block}", space.name()),
                    ),
                    None => r.add(
                        "runs",
                        format!("{} run {id} is stored but not live", space.name()),
                    ),
                },
                Err(e) => r.add("runs", format!("damaged run key {k:?}: {}", e.0)),
            }
        }

        // Stored counts against recomputed ones.
        for item in self.tree(T::Counts).iter() {
            let (k, v) = item.map_err(|e| self.sled(e))?;
            let stored = codec::read_u64(&v).ok();
            let want = counts.remove(k.as_ref()).unwrap_or(0);
            if stored != Some(want) {
                r.add(
                    "counts",
                    format!("count {k:?} is {stored:?}, the facts give {want}"),
                );
            }
        }
        for (k, want) in counts {
            r.add(
                "counts",
                format!("count {k:?} is missing (the facts give {want})"),
            );
        }
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EntityKind, Literal, Qualifiers};
    use crate::storage::{
        FactDraft, NewEntity, ObjectDraft, OpenOptions, Ref, SourceDraft, WriteSet,
    };

    fn store(dir: &std::path::Path) -> Storage {
        let s = Storage::open(dir, &OpenOptions::default()).unwrap();
        let mut facts = Vec::new();
        for i in 0..100u64 {
            facts.push(FactDraft {
                subject: Ref::New((i % 3) as usize),
                relation: if i % 2 == 0 { "meet" } else { "say" }.into(),
                relation_text: "r".into(),
                object: if i % 5 == 0 {
                    ObjectDraft::Literal(Literal::Number(i as f64))
                } else {
                    ObjectDraft::Entity(Ref::New(((i + 1) % 3) as usize))
                },
                qualifiers: Qualifiers::new(),
                polarity: Polarity::Positive,
                confidence: 0.5,
                sources: vec![SourceDraft {
                    doc: Ref::New(0),
                    sentence: format!("sentence {i}"),
                    span: (i, i + 1),
                }],
            });
        }
        let entities = ["Ann", "Bob", "Cy"]
            .iter()
            .map(|n| NewEntity {
                name: n.to_string(),
                kind: EntityKind::Person,
                aliases: vec![format!("{n} X")],
            })
            .collect();
        s.write(WriteSet {
            docs: vec![crate::model::Document {
                id: 0,
                title: "t".into(),
                origin: "o".into(),
                published: None,
                byline: None,
                dateline: None,
                hash: "h".into(),
            }],
            entities,
            facts,
            ..Default::default()
        })
        .unwrap();
        s
    }

    fn kinds(r: &CheckReport) -> Vec<&str> {
        r.problems.iter().map(|(k, _, _)| k.as_str()).collect()
    }

    #[test]
    fn a_clean_store_has_no_problems() {
        let dir = tempfile::tempdir().unwrap();
        let r = store(dir.path()).check().unwrap();
        assert!(r.is_clean(), "{:?}", r.problems);
        assert_eq!((r.documents, r.entities), (1, 3));
        assert_eq!(r.index_entries, 3 * r.facts);
        assert!(r.facts > 0);
    }

    #[test]
    fn a_missing_index_chunk_is_reported_per_fact() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(dir.path());
        let (k, _) = s.tree(T::Pos).iter().next().unwrap().unwrap();
        s.tree(T::Pos).remove(k).unwrap();
        let r = s.check().unwrap();
        // The stored count of that relation now disagrees with the entries too.
        assert_eq!(kinds(&r), vec!["index", "counts"]);
        assert!(
            r.problems[0].1[0].contains("missing from the pos index"),
            "{:?}",
            r.problems
        );
    }

    #[test]
    fn wrong_counts_missing_documents_and_stale_names_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(dir.path());
        let key = count_key(b's', &codec::u64_key(0));
        s.tree(T::Counts)
            .insert(&key, &99u64.to_be_bytes())
            .unwrap();
        s.tree(T::Names)
            .insert("nobody", codec::encode(&vec![1u64]).unwrap())
            .unwrap();
        let r = s.check().unwrap();
        assert_eq!(kinds(&r), vec!["names", "counts"], "{:?}", r.problems);
        s.tree(T::Docs)
            .remove(super::super::doc_block_key(0))
            .unwrap();
        let r = s.check().unwrap();
        assert!(kinds(&r).contains(&"sources"), "{:?}", r.problems);
        assert!(kinds(&r).contains(&"documents"), "{:?}", r.problems);
    }

    #[test]
    fn a_damaged_fact_block_is_a_problem_not_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(dir.path());
        s.tree(T::Facts)
            .insert(codec::u64_key(0), &[1, 2, 3][..])
            .unwrap();
        let r = s.check().unwrap();
        assert!(kinds(&r).contains(&"facts"), "{:?}", r.problems);
        assert!(kinds(&r).contains(&"index"), "{:?}", r.problems);
    }

    #[test]
    fn extra_sources_without_a_fact_block_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(dir.path());
        let mut key = codec::u64_key(9).to_vec();
        key.extend_from_slice(&codec::u64_key(9 * FACTS_PER_BLOCK + 1));
        s.tree(T::Extras).insert(key, &[0][..]).unwrap();
        s.tree(T::Extras).insert(&[1, 2][..], &[0][..]).unwrap();
        let r = s.check().unwrap();
        assert_eq!(kinds(&r), vec!["facts"], "{:?}", r.problems);
        let all = r.problems[0].1.join("\n");
        assert!(all.contains("have no fact block"), "{all}");
        assert!(all.contains("damaged extra sources key"), "{all}");
    }

    #[test]
    fn a_missing_sentence_is_reported_and_reading_its_fact_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(dir.path());
        let (k, v) = s.tree(T::Sentences).iter().next().unwrap().unwrap();
        let mut group: super::super::SentenceGroup = codec::decode_block(&v).unwrap();
        group.remove(0);
        let bytes = codec::encode_block(&group).unwrap();
        s.tree(T::Sentences).insert(k, bytes).unwrap();
        let r = s.check().unwrap();
        assert_eq!(kinds(&r), vec!["sources"], "{:?}", r.problems);
        assert!(r.problems[0].1[0].contains("sentence of document 0 at byte 0"));
        assert!(s.fact(0).is_err());
        assert!(s.fact(1).unwrap().is_some());
    }

    #[test]
    fn orphan_and_damaged_sentence_groups_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(dir.path());
        s.tree(T::Sentences)
            .insert(
                codec::u64_key(7),
                codec::encode_block(&vec![(0u64, "x")]).unwrap(),
            )
            .unwrap();
        s.tree(T::Sentences)
            .insert(codec::u64_key(8), &[9, 9][..])
            .unwrap();
        let r = s.check().unwrap();
        assert_eq!(kinds(&r), vec!["sentences"], "{:?}", r.problems);
        let all = r.problems[0].1.join("\n");
        assert!(all.contains("document 7, which is missing"), "{all}");
        assert!(all.contains("damaged sentence group"), "{all}");
    }
}

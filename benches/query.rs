//! Query engine benchmark on a generated store of 1,000,000 facts.
//!
//! The store (100,000 entities with Zipf-like popularity, 16 relations) is
//! built once through `Store::import_jsonl` into `target/query-bench-store`
//! and reused. Every query is measured next to its floor: a raw sled prefix
//! scan, without decoding, over exactly the index groups the query reads
//! (`lore::query::trace_groups` + `lore::query::raw_scan`).
//!
//! Run: `cargo bench --bench query`

use std::collections::HashSet;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use criterion::{Criterion, criterion_group, criterion_main};
use lore::Store;
use lore::query::{self, QueryOptions};

const FACTS: usize = 1_000_000;
const ENTITIES: u64 = 100_000;
const RELATIONS: [&str; 16] = [
    "said",
    "visited",
    "urged",
    "praised",
    "criticized",
    "warned",
    "supported",
    "called",
    "named",
    "joined",
    "left",
    "sued",
    "hired",
    "funded",
    "owned",
    "quoted",
];

/// xorshift64*: deterministic, dependency-free.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Zipf-like: a few entities are in very many facts, most in a few.
    fn entity(&mut self) -> u64 {
        ((ENTITIES as f64) * self.unit().powi(3)) as u64 % ENTITIES
    }
}

/// The generated facts as (subject, relation, object), distinct.
fn triples() -> Vec<(u64, usize, u64)> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut seen = HashSet::with_capacity(FACTS);
    let mut out = Vec::with_capacity(FACTS);
    while out.len() < FACTS {
        let s = rng.entity();
        let o = rng.entity();
        let r = (rng.next() % RELATIONS.len() as u64) as usize;
        if s != o && seen.insert((s, r, o)) {
            out.push((s, r, o));
        }
    }
    out
}

/// JSONL produced on the fly so the million lines never sit in memory at once.
struct Lines<'a> {
    triples: &'a [(u64, usize, u64)],
    next: usize,
    buf: Vec<u8>,
    pos: usize,
}

impl Read for Lines<'_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
            let entities = ENTITIES as usize;
            let i = self.next;
            if i == 0 {
                self.buf.extend_from_slice(
                    br#"{"type":"document","id":0,"title":"generated","origin":"bench","hash":"bench"}"#,
                );
                self.buf.push(b'\n');
            }
            if i < entities {
                self.buf.extend_from_slice(
                    format!(r#"{{"type":"entity","id":{i},"name":"e{i}","kind":"other"}}"#)
                        .as_bytes(),
                );
            } else if let Some((s, r, o)) = self.triples.get(i - entities) {
                self.buf.extend_from_slice(
                    format!(
                        r#"{{"type":"fact","subject":"","subject_id":{s},"relation":"{}","object":"","object_id":{o},"sources":[{{"doc":0,"sentence":"","span":[0,0]}}]}}"#,
                        RELATIONS[*r]
                    )
                    .as_bytes(),
                );
            } else {
                return Ok(0);
            }
            self.buf.push(b'\n');
            self.next += 1;
        }
        let n = out.len().min(self.buf.len() - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

fn store_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("query-bench-store")
}

fn open_store(triples: &[(u64, usize, u64)]) -> Store {
    let dir = store_dir();
    let done = dir.with_extension("complete");
    // A store of another format (an older lore) is rebuilt.
    if done.exists() && Store::open(&dir).is_err() {
        let _ = std::fs::remove_file(&done);
    }
    if !done.exists() {
        let _ = std::fs::remove_dir_all(&dir);
        let store = Store::open(&dir).expect("open bench store");
        let started = std::time::Instant::now();
        let mut input = BufReader::new(Lines {
            triples,
            next: 0,
            buf: Vec::new(),
            pos: 0,
        });
        let summary = store
            .import_jsonl(&mut input, "generated", &mut |_| {})
            .expect("import generated facts");
        eprintln!(
            "built {} facts in {:.1} s",
            summary.facts,
            started.elapsed().as_secs_f64()
        );
        drop(store);
        std::fs::write(&done, b"").expect("mark bench store complete");
    }
    Store::open(&dir).expect("open bench store")
}

/// The entity whose count in `counts` is closest to `want`.
fn near(counts: &[u32], want: u32) -> u64 {
    let mut best = 0;
    for (i, c) in counts.iter().enumerate() {
        if c.abs_diff(want) < counts[best].abs_diff(want) {
            best = i;
        }
    }
    best as u64
}

fn bench(c: &mut Criterion) {
    let triples = triples();
    let store = open_store(&triples);
    let mut subj = vec![0u32; ENTITIES as usize];
    let mut obj = vec![0u32; ENTITIES as usize];
    for (s, _, o) in &triples {
        subj[*s as usize] += 1;
        obj[*o as usize] += 1;
    }
    // A fact whose subject and object are both of typical popularity.
    let point = triples
        .iter()
        .find(|(s, _, o)| {
            (20..60).contains(&subj[*s as usize]) && (20..60).contains(&obj[*o as usize])
        })
        .copied()
        .expect("a typical fact");
    let typical_object = near(&obj, 100);
    let join_subject = near(&subj, 30);
    let popular_object = near(&obj, 10_000);
    let second_object = near(&obj, 5_000);
    let cases = [
        (
            "point",
            format!("e{} {} e{};", point.0, RELATIONS[point.1], point.2),
        ),
        ("bound_object", format!("?x ?r e{typical_object};")),
        ("join", format!("e{join_subject} ?r ?x, ?x said ?y;")),
        ("count", format!("count where ?x ?r e{typical_object};")),
        (
            "count_popular",
            format!("count where ?x ?r e{popular_object};"),
        ),
        // A constant relation beside a popular entity: the planner weighs
        // the relation's group against the entity's (here, with 16
        // relations of about 62,000 facts each, the entity's is smaller).
        (
            "relation_object",
            format!("?x {} e{popular_object};", RELATIONS[3]),
        ),
        // Subjects with two (relation, object) pairs: the second pattern is
        // a hash join on the subject.
        (
            "hash_join",
            format!(
                "?x {} e{popular_object}, ?x {} e{second_object};",
                RELATIONS[0], RELATIONS[1]
            ),
        ),
    ];
    let opts = QueryOptions::default();
    let mut group = c.benchmark_group("query");
    group.sample_size(30);
    group.measurement_time(std::time::Duration::from_secs(3));
    for (name, text) in &cases {
        let result = store.query_with(text, &opts).expect("query runs");
        let groups = query::trace_groups(&store, text).expect("trace");
        eprintln!(
            "{name}: `{text}` -> {} rows ({} groups)",
            result.statements[0].rows.len(),
            groups.len()
        );
        group.bench_function(format!("{name}/engine"), |b| {
            b.iter(|| store.query_with(text, &opts).expect("query runs"))
        });
        group.bench_function(format!("{name}/floor"), |b| {
            b.iter(|| query::raw_scan(&store, &groups).expect("raw scan"))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

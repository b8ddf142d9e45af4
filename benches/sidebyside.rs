//! lore beside SQLite and Oxigraph on one synthetic triple workload, in one
//! process, one run, so that the ratios mean something on a noisy machine.
//!
//! ```sh
//! cargo bench --features sidebyside --bench sidebyside            # 1,000,000 triples
//! LORE_SBS_TRIPLES=100000 cargo bench --features sidebyside --bench sidebyside
//! ```
//!
//! Behind the `sidebyside` feature so that neither CI nor a user building
//! lore compiles SQLite and Oxigraph. DuckDB joins the table when
//! `LORE_SBS_PYTHON` names a Python with the `duckdb` package
//! (`python3 -m venv v && v/bin/pip install duckdb`): the bench writes the
//! triples as CSV and runs `benches/sidebyside_duckdb.py` on them, which loads them
//! from the CSV into a DuckDB file and times the same queries.
//!
//! The workload (deterministic, seed fixed):
//! * N distinct triples `(s, p, o)` over N/10 entities `e0, e1, ...` and 50
//!   relations `r0..r49`; subjects and objects are drawn by Zipf popularity
//!   (s = 1.0, `e0` the most popular), relations uniformly; no `s = o`.
//! * Q1 the facts of one subject (`e100`): relation and object names.
//! * Q2 the subjects of one (relation, object): `?s r1 e10`.
//! * Q3 two hops, distinct: how many distinct `?c` with `e100 ?p ?b`,
//!   `?b r1 ?c` (every neighbour of `e100`, then one relation).
//! * Q4 the count of one relation: `r0`.
//! * Q5 the subjects with two (relation, object) pairs: `?s r0 e0`,
//!   `?s r1 e1`.
//!
//! Every engine returns names, not ids, for the rows it answers (lore does
//! so for every row), and the answers are checked against the counts the
//! bench computes from the triples themselves; a mismatch fails the run.
//! Loading: lore imports its JSONL exchange format (parsing it is part of
//! lore's load path), SQLite inserts rows through a prepared statement in
//! one transaction into a dictionary table and an SPO table, then builds
//! the POS and OSP indexes; Oxigraph loads quads through its bulk loader
//! into its in-memory store (so it has no bytes on disk to report).
//! Query times are medians of repeated runs after one warm-up run.

use std::collections::HashSet;
use std::path::Path;
use std::time::{Duration, Instant};

use lore::Store;
use lore::query::QueryOptions;

const RELATIONS: usize = 50;
const IRI: &str = "http://lore.example/";

/// splitmix64: small, fast, and the same bytes everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Zipf ranks by inverse CDF.
struct Zipf(Vec<f64>);

impl Zipf {
    fn new(n: usize) -> Zipf {
        let mut cdf = Vec::with_capacity(n);
        let mut sum = 0.0;
        for k in 1..=n {
            sum += 1.0 / k as f64;
            cdf.push(sum);
        }
        cdf.iter_mut().for_each(|c| *c /= sum);
        Zipf(cdf)
    }

    fn sample(&self, rng: &mut Rng) -> u32 {
        let u = rng.unit();
        self.0.partition_point(|&c| c < u).min(self.0.len() - 1) as u32
    }
}

/// The triples, as (subject, relation, object) numbers.
fn generate(n: usize) -> (usize, Vec<(u32, u8, u32)>) {
    let entities = (n / 10).max(200);
    let zipf = Zipf::new(entities);
    let mut rng = Rng(42);
    let mut seen = HashSet::with_capacity(n);
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let s = zipf.sample(&mut rng);
        let o = zipf.sample(&mut rng);
        let p = (rng.next() % RELATIONS as u64) as u8;
        if s != o && seen.insert((s, p, o)) {
            out.push((s, p, o));
        }
    }
    (entities, out)
}

/// What each query must answer, counted from the triples.
fn expected(t: &[(u32, u8, u32)]) -> [usize; 5] {
    let q1 = t.iter().filter(|x| x.0 == 100).count();
    let q2 = t.iter().filter(|x| x.1 == 1 && x.2 == 10).count();
    let hop: HashSet<u32> = t.iter().filter(|x| x.0 == 100).map(|x| x.2).collect();
    let q3: HashSet<u32> = t
        .iter()
        .filter(|x| x.1 == 1 && hop.contains(&x.0))
        .map(|x| x.2)
        .collect();
    let q4 = t.iter().filter(|x| x.1 == 0).count();
    let a: HashSet<u32> = t
        .iter()
        .filter(|x| x.1 == 0 && x.2 == 0)
        .map(|x| x.0)
        .collect();
    let q5 = t
        .iter()
        .filter(|x| x.1 == 1 && x.2 == 1 && a.contains(&x.0))
        .count();
    [q1, q2, q3.len(), q4, q5]
}

/// One engine's figures: load rate, bytes per triple, query medians.
struct Figures {
    name: &'static str,
    load: Duration,
    bytes: Option<u64>,
    queries: [Duration; 5],
}

/// Median time of `f` after one warm-up, run until about a second has
/// passed (at least 5 and at most 101 times); checks its answer.
fn time(engine: &str, q: usize, want: usize, f: &mut dyn FnMut() -> usize) -> Duration {
    let got = f();
    if got != want {
        eprintln!("{engine} answers Q{} with {got}, expected {want}", q + 1);
        std::process::exit(1);
    }
    let mut v = Vec::new();
    let start = Instant::now();
    while v.len() < 5 || (v.len() < 101 && start.elapsed() < Duration::from_secs(1)) {
        let t = Instant::now();
        std::hint::black_box(f());
        v.push(t.elapsed());
    }
    v.sort();
    v[v.len() / 2]
}

fn dir_bytes(p: &Path) -> u64 {
    walk(p).unwrap_or(0)
}

fn walk(p: &Path) -> std::io::Result<u64> {
    let mut total = 0;
    for e in std::fs::read_dir(p)? {
        let e = e?;
        let m = e.metadata()?;
        total += if m.is_dir() {
            walk(&e.path())?
        } else {
            m.len()
        };
    }
    Ok(total)
}

fn lore(dir: &Path, entities: usize, t: &[(u32, u8, u32)], want: &[usize; 5]) -> Figures {
    let mut jsonl = String::with_capacity(t.len() * 200);
    for e in 0..entities {
        jsonl.push_str(&format!(
            "{{\"type\":\"entity\",\"id\":{e},\"name\":\"e{e}\",\"kind\":\"other\",\"aliases\":[]}}\n"
        ));
    }
    for (i, (s, p, o)) in t.iter().enumerate() {
        jsonl.push_str(&format!(
            "{{\"type\":\"fact\",\"id\":{i},\"subject\":\"e{s}\",\"subject_id\":{s},\"relation\":\"r{p}\",\"relation_text\":\"r{p}\",\"object\":\"e{o}\",\"object_id\":{o},\"qualifiers\":{{}},\"polarity\":\"positive\",\"sources\":[],\"confidence\":1.0}}\n"
        ));
    }
    let path = dir.join("lore");
    let store = Store::open(&path).expect("a fresh store opens in the bench directory");
    let start = Instant::now();
    store
        .import_jsonl(&mut jsonl.as_bytes(), "bench.jsonl", &mut |_| {})
        .expect("the generated JSONL imports");
    store.flush().expect("the store flushes");
    let load = start.elapsed();
    drop(jsonl);
    let bytes = dir_bytes(&path);
    let opts = QueryOptions {
        limit: usize::MAX,
        ..QueryOptions::default()
    };
    let rows = |text: &str| {
        let r = store.query_with(text, &opts).expect("the bench query runs");
        r.statements[0].rows.len()
    };
    let number = |text: &str| {
        let r = store.query_with(text, &opts).expect("the bench query runs");
        r.statements[0].rows[0][0]
            .to_string()
            .parse::<usize>()
            .expect("a count is a number")
    };
    let texts: [(&str, bool); 5] = [
        ("e100 ?r ?o;", false),
        ("?s r1 e10;", false),
        ("count ?c where e100 ?p ?b, ?b r1 ?c;", true),
        ("count where ?s r0 ?o;", true),
        ("?s r0 e0, ?s r1 e1;", false),
    ];
    let mut queries = [Duration::ZERO; 5];
    for (q, (text, counted)) in texts.iter().enumerate() {
        queries[q] = time("lore", q, want[q], &mut || {
            if *counted { number(text) } else { rows(text) }
        });
    }
    Figures {
        name: "lore",
        load,
        bytes: Some(bytes),
        queries,
    }
}

fn sqlite(dir: &Path, entities: usize, t: &[(u32, u8, u32)], want: &[usize; 5]) -> Figures {
    use rusqlite::{Connection, params};
    let path = dir.join("sqlite.db");
    let mut db = Connection::open(&path).expect("SQLite opens a file in the bench directory");
    // Relations are dictionary entries after the entities.
    let rel = |p: u8| (entities + p as usize) as i64;
    let start = Instant::now();
    db.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;
         CREATE TABLE dict(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
         CREATE TABLE t(s INTEGER NOT NULL, p INTEGER NOT NULL, o INTEGER NOT NULL,
                        PRIMARY KEY (s, p, o)) WITHOUT ROWID;",
    )
    .expect("the SQLite schema is created");
    {
        let tx = db.transaction().expect("a SQLite transaction begins");
        {
            let mut d = tx
                .prepare("INSERT INTO dict(id, name) VALUES (?1, ?2)")
                .expect("prepared");
            for e in 0..entities {
                d.execute(params![e as i64, format!("{IRI}e{e}")])
                    .expect("inserted");
            }
            for p in 0..RELATIONS as u8 {
                d.execute(params![rel(p), format!("{IRI}r{p}")])
                    .expect("inserted");
            }
            let mut ins = tx
                .prepare("INSERT INTO t(s, p, o) VALUES (?1, ?2, ?3)")
                .expect("prepared");
            for &(s, p, o) in t {
                ins.execute(params![s as i64, rel(p), o as i64])
                    .expect("inserted");
            }
        }
        tx.commit().expect("committed");
    }
    db.execute_batch(
        "CREATE INDEX pos ON t(p, o, s); CREATE INDEX osp ON t(o, s, p);
         PRAGMA wal_checkpoint(TRUNCATE);",
    )
    .expect("indexes built");
    let load = start.elapsed();
    let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let e = |name: &str| -> i64 {
        db.query_row(
            "SELECT id FROM dict WHERE name = ?1",
            [format!("{IRI}{name}")],
            |r| r.get(0),
        )
        .expect("the name is in the dictionary")
    };
    let names = |sql: &str, args: &[i64]| -> usize {
        let mut st = db.prepare_cached(sql).expect("prepared");
        let rows = st
            .query_map(rusqlite::params_from_iter(args.iter()), |r| {
                let mut v = Vec::new();
                for i in 0..r.as_ref().column_count() {
                    v.push(r.get::<_, String>(i)?);
                }
                Ok(v)
            })
            .expect("the query runs");
        let mut n = 0;
        for r in rows {
            std::hint::black_box(r.expect("a row"));
            n += 1;
        }
        n
    };
    let count = |sql: &str, args: &[i64]| -> usize {
        let mut st = db.prepare_cached(sql).expect("prepared");
        st.query_row(rusqlite::params_from_iter(args.iter()), |r| {
            r.get::<_, i64>(0)
        })
        .expect("the query runs") as usize
    };
    let (e0, e1, e10, e100, r0, r1) = (e("e0"), e("e1"), e("e10"), e("e100"), e("r0"), e("r1"));
    let mut queries = [Duration::ZERO; 5];
    queries[0] = time("SQLite", 0, want[0], &mut || {
        names(
            "SELECT dp.name, dob.name FROM t JOIN dict dp ON dp.id = t.p
             JOIN dict dob ON dob.id = t.o WHERE t.s = ?1",
            &[e100],
        )
    });
    queries[1] = time("SQLite", 1, want[1], &mut || {
        names(
            "SELECT d.name FROM t JOIN dict d ON d.id = t.s WHERE t.p = ?1 AND t.o = ?2",
            &[r1, e10],
        )
    });
    queries[2] = time("SQLite", 2, want[2], &mut || {
        count(
            "SELECT COUNT(DISTINCT b.o) FROM t a JOIN t b ON b.s = a.o
             WHERE a.s = ?1 AND b.p = ?2",
            &[e100, r1],
        )
    });
    queries[3] = time("SQLite", 3, want[3], &mut || {
        count("SELECT COUNT(*) FROM t WHERE p = ?1", &[r0])
    });
    queries[4] = time("SQLite", 4, want[4], &mut || {
        names(
            "SELECT d.name FROM t a JOIN t b ON b.s = a.s JOIN dict d ON d.id = a.s
             WHERE a.p = ?1 AND a.o = ?2 AND b.p = ?3 AND b.o = ?4",
            &[r0, e0, r1, e1],
        )
    });
    Figures {
        name: "SQLite",
        load,
        bytes: Some(bytes),
        queries,
    }
}

fn oxigraph(t: &[(u32, u8, u32)], want: &[usize; 5]) -> Figures {
    use oxigraph::model::{GraphName, NamedNode, Quad};
    use oxigraph::sparql::{QueryResults, SparqlEvaluator};
    let node = |s: String| NamedNode::new_unchecked(s);
    let store = oxigraph::store::Store::new().expect("an in-memory Oxigraph store");
    let start = Instant::now();
    let mut loader = store.bulk_loader();
    loader
        .load_quads(t.iter().map(|&(s, p, o)| {
            Quad::new(
                node(format!("{IRI}e{s}")),
                node(format!("{IRI}r{p}")),
                node(format!("{IRI}e{o}")),
                GraphName::DefaultGraph,
            )
        }))
        .expect("Oxigraph loads the quads");
    loader.commit().expect("Oxigraph commits the load");
    let load = start.elapsed();
    let run = |q: &str, counted: bool| -> usize {
        let prepared = SparqlEvaluator::new()
            .parse_query(q)
            .expect("the bench SPARQL parses");
        let QueryResults::Solutions(solutions) =
            prepared.on_store(&store).execute().expect("the query runs")
        else {
            panic!("a SELECT answers solutions")
        };
        let mut rows = 0;
        let mut number = 0;
        for s in solutions {
            let s = s.expect("a solution");
            let names: Vec<String> = s.values().iter().flatten().map(|t| t.to_string()).collect();
            if counted {
                let lit = s.get("n").expect("the count is bound").to_string();
                number = lit
                    .trim_start_matches('"')
                    .split('"')
                    .next()
                    .and_then(|n| n.parse().ok())
                    .expect("a count is a number");
            }
            std::hint::black_box(names);
            rows += 1;
        }
        if counted { number } else { rows }
    };
    let qs: [(String, bool); 5] = [
        (format!("SELECT ?p ?o WHERE {{ <{IRI}e100> ?p ?o }}"), false),
        (
            format!("SELECT ?s WHERE {{ ?s <{IRI}r1> <{IRI}e10> }}"),
            false,
        ),
        (
            format!(
                "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ <{IRI}e100> ?p ?b . ?b <{IRI}r1> ?c }}"
            ),
            true,
        ),
        (
            format!("SELECT (COUNT(*) AS ?n) WHERE {{ ?s <{IRI}r0> ?o }}"),
            true,
        ),
        (
            format!("SELECT ?s WHERE {{ ?s <{IRI}r0> <{IRI}e0> . ?s <{IRI}r1> <{IRI}e1> }}"),
            false,
        ),
    ];
    let mut queries = [Duration::ZERO; 5];
    for (q, (text, counted)) in qs.iter().enumerate() {
        queries[q] = time("Oxigraph", q, want[q], &mut || run(text, *counted));
    }
    Figures {
        name: "Oxigraph",
        load,
        bytes: None,
        queries,
    }
}

/// DuckDB through `benches/sidebyside_duckdb.py`, when `LORE_SBS_PYTHON` is set.
fn duckdb(dir: &Path, entities: usize, t: &[(u32, u8, u32)], want: &[usize; 5]) -> Option<Figures> {
    let Some(python) = std::env::var_os("LORE_SBS_PYTHON") else {
        eprintln!("DuckDB left out: set LORE_SBS_PYTHON to a Python with the duckdb package");
        return None;
    };
    let csv = dir.join("triples.csv");
    let mut text = String::with_capacity(t.len() * 16);
    for (s, p, o) in t {
        text.push_str(&format!("{s},{p},{o}\n"));
    }
    std::fs::write(&csv, text).expect("the triples are written for DuckDB");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/sidebyside_duckdb.py");
    let out = std::process::Command::new(python)
        .arg(script)
        .arg(&csv)
        .arg(entities.to_string())
        .arg(RELATIONS.to_string())
        .arg(dir.join("duck.db"))
        .output()
        .expect("LORE_SBS_PYTHON runs");
    if !out.status.success() {
        eprintln!(
            "benches/sidebyside_duckdb.py failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::process::exit(1);
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .expect("benches/sidebyside_duckdb.py prints one JSON object");
    let secs = |x: &serde_json::Value| Duration::from_secs_f64(x.as_f64().unwrap_or(f64::NAN));
    let mut queries = [Duration::ZERO; 5];
    for q in 0..5 {
        let got = v["answers"][q].as_u64().unwrap_or(u64::MAX) as usize;
        if got != want[q] {
            eprintln!("DuckDB answers Q{} with {got}, expected {}", q + 1, want[q]);
            std::process::exit(1);
        }
        queries[q] = secs(&v["queries"][q]);
    }
    eprintln!("DuckDB {}", v["version"]);
    Some(Figures {
        name: "DuckDB",
        load: secs(&v["load"]),
        bytes: v["bytes"].as_u64(),
        queries,
    })
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let n: usize = std::env::var("LORE_SBS_TRIPLES")
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(1_000_000);
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
    std::fs::create_dir_all(&base).expect("target/ can be created");
    let dir = tempfile::tempdir_in(&base).expect("a bench directory under target/");
    let (entities, t) = generate(n);
    let want = expected(&t);
    eprintln!(
        "{n} triples, {entities} entities, {RELATIONS} relations; answers {:?}",
        want
    );
    let mut all = vec![lore(dir.path(), entities, &t, &want)];
    // `LORE_SBS_LORE_ONLY=1`: lore's row alone, for profiling it.
    if std::env::var_os("LORE_SBS_LORE_ONLY").is_none() {
        all.push(sqlite(dir.path(), entities, &t, &want));
        all.push(oxigraph(&t, &want));
        all.extend(duckdb(dir.path(), entities, &t, &want));
    }
    println!(
        "| {n} triples | load triples/s | bytes/triple | Q1 subject's facts | Q2 (p,o)'s subjects | Q3 two hops, distinct | Q4 count of a relation | Q5 subjects with two (p,o) |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    let rate = |f: &Figures| n as f64 / f.load.as_secs_f64();
    for f in &all {
        let bytes = f
            .bytes
            .map(|b| format!("{:.0}", b as f64 / n as f64))
            .unwrap_or_else(|| "— (memory)".into());
        let qs: Vec<String> = f
            .queries
            .iter()
            .map(|d| format!("{:.3} ms", ms(*d)))
            .collect();
        println!(
            "| {} | {:.0} | {bytes} | {} |",
            f.name,
            rate(f),
            qs.join(" | ")
        );
    }
    // lore's cost over the best other's, per column (load: time per triple).
    let others = &all[1..];
    if others.is_empty() {
        return;
    }
    let best_rate = others.iter().map(rate).fold(0.0, f64::max);
    let best_bytes = others.iter().filter_map(|f| f.bytes).min();
    let mut cells = vec![format!("{:.2}x", best_rate / rate(&all[0]))];
    cells.push(match (all[0].bytes, best_bytes) {
        (Some(l), Some(b)) => format!("{:.2}x", l as f64 / b as f64),
        _ => "—".into(),
    });
    for q in 0..5 {
        let best = others
            .iter()
            .map(|f| f.queries[q])
            .min()
            .unwrap_or_default();
        cells.push(format!(
            "{:.2}x",
            ms(all[0].queries[q]) / ms(best).max(1e-9)
        ));
    }
    println!(
        "| lore ÷ best other (time or bytes; below 1: lore ahead) | {} |",
        cells.join(" | ")
    );
}

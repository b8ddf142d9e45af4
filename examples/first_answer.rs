//! Cold open-to-first-answer and point-query medians through the library,
//! for `benches/scale.sh` (until `lore query` can be timed end to end).
//!
//! ```text
//! cargo run --release --example first_answer -- STORE
//! ```
//!
//! Prints `open_ms`, `first_answer_ms` (open + name lookup + the first ten
//! facts of that entity), and medians of the same point query for random
//! entities (`point_tail_us`) and for the most frequent subject found in a
//! sample (`point_hot_us`). A point query reads at most ten facts, so its
//! cost should depend on index depth only, not on store size.

use std::time::Instant;

/// `println!` that ignores a closed stdout (e.g. piped into `head`), where
/// `println!` would panic.
macro_rules! out {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($t)*);
    }};
}

use lore::model::normalize_name;
use lore::query::QueryOptions;
use lore::storage::{IndexKind, OpenOptions, Storage};
use lore::{Object, Store};

/// Name → entity → first ten facts of it as subject; returns facts read.
fn point(s: &Storage, name: &str) -> lore::Result<usize> {
    let mut n = 0;
    for id in s.lookup_name(&normalize_name(name))? {
        for t in s.scan(IndexKind::Spo, Storage::subject_group(id)).take(10) {
            if s.fact(t?.fact)?.is_some() {
                n += 1;
            }
        }
    }
    Ok(n)
}

/// A name as a query-language string.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Median microseconds of `text` over up to 50 runs or about two seconds,
/// and the rows of its first statement.
fn time_query(store: &Store, text: &str) -> lore::Result<(f64, usize)> {
    let opts = QueryOptions::default();
    let start = Instant::now();
    let mut times = Vec::new();
    let mut rows = 0;
    while times.len() < 50 && (times.len() < 5 || start.elapsed().as_secs_f64() < 2.0) {
        let t = Instant::now();
        let out = store.query_with(text, &opts)?;
        times.push(t.elapsed().as_secs_f64() * 1e6);
        rows = out.statements.first().map_or(0, |s| s.rows.len());
    }
    Ok((median(times), rows))
}

/// The query-language medians: shapes of `benches/query.rs`, on entities
/// picked from this store (a typical subject with an entity object, and the
/// most popular subject of the sample).
fn query_medians(path: &str, typical: u64, hot: u64) -> lore::Result<()> {
    let store = Store::open_with(path, &OpenOptions::reader())?;
    let name = |id: u64| -> lore::Result<String> {
        Ok(store
            .entity(id)?
            .map(|e| quoted(&e.name))
            .unwrap_or_default())
    };
    // Of the typical subject's facts about another entity, the one whose
    // object is named by the fewest facts, so that every size measures a
    // typical object too (not whichever popular one comes first).
    let mut best: Option<(f64, String, u64)> = None;
    for f in store.facts_of(typical)? {
        let Object::Entity(object) = f.object else {
            continue;
        };
        if f.subject != typical {
            continue;
        }
        let out = store.query(&format!("count where ?x ?r {};", name(object)?))?;
        let n = match out.statements.first().and_then(|s| s.rows.first()?.first()) {
            Some(lore::query::Value::Number(n)) => *n,
            _ => f64::MAX,
        };
        if best.as_ref().is_none_or(|b| n < b.0) {
            best = Some((n, f.relation, object));
        }
    }
    let Some((_, relation, object)) = best else {
        out!("query_point_us - (no entity-to-entity fact of entity {typical})");
        return Ok(());
    };
    let (a, b, hot) = (name(typical)?, name(object)?, name(hot)?);
    let rel = quoted(&relation);
    let cases = [
        ("point", format!("{a} {rel} {b};")),
        ("bound_object", format!("?x ?r {b};")),
        ("join", format!("{a} ?r ?x, ?x {rel} ?y;")),
        ("count", format!("count where ?x ?r {b};")),
        ("count_popular", format!("count where ?x ?r {hot};")),
    ];
    for (shape, text) in cases {
        let (us, rows) = time_query(&store, &text)?;
        out!("query_{shape}_us {us:.0} ({rows} rows: {text})");
    }
    Ok(())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

fn main() -> lore::Result<()> {
    // No default: opening a path that is not there would create a store.
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: first_answer STORE   (the directory of an existing lore store)");
        std::process::exit(1);
    };
    if !std::path::Path::new(&path).join("db").exists() {
        eprintln!("first_answer: {path} is not a lore store (no db file in it)");
        std::process::exit(1);
    }
    let t0 = Instant::now();
    // Opened as `lore query` opens a store: a reader.
    let s = Storage::open(path.as_ref(), &OpenOptions::reader())?;
    let open_ms = t0.elapsed().as_secs_f64() * 1e3;
    let first = s.entities().next().transpose()?;
    let Some(first) = first else {
        out!("open_ms {open_ms:.1}\nfirst_answer_ms -");
        return Ok(());
    };
    let got = point(&s, &first.name)?;
    let first_ms = t0.elapsed().as_secs_f64() * 1e3;
    out!("open_ms {open_ms:.1}");
    out!(
        "first_answer_ms {first_ms:.1} ({got} facts of {:?})",
        first.name
    );

    let entities = s.stats()?.entities.max(1);
    let mut rng = 0x2545_F491_4F6C_DD1Du64;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng % entities
    };
    let mut tail = Vec::new();
    let mut hot = (0u64, 0u64);
    let mut sampled = Vec::new();
    for _ in 0..1000 {
        let id = next();
        let Some(e) = s.entity(id)? else { continue };
        let c = s.count_subject(id)?;
        if c > hot.1 {
            hot = (id, c);
        }
        if c > 0 {
            sampled.push((c, id));
        }
        let t = Instant::now();
        point(&s, &e.name)?;
        tail.push(t.elapsed().as_secs_f64() * 1e6);
    }
    let mut hots = Vec::new();
    if let Some(e) = s.entity(hot.0)? {
        for _ in 0..200 {
            let t = Instant::now();
            point(&s, &e.name)?;
            hots.push(t.elapsed().as_secs_f64() * 1e6);
        }
    }
    out!("point_tail_us {:.0}", median(tail));
    out!(
        "point_hot_us {:.0} (subject of {} facts)",
        median(hots),
        hot.1
    );
    if std::env::args().any(|a| a == "--trees") {
        let facts = s.fact_count()?.max(1);
        out!("tree keys key_bytes value_bytes value_bytes/fact");
        for (name, n, kb, vb) in s.tree_sizes()? {
            out!("{name} {n} {kb} {vb} {:.1}", vb as f64 / facts as f64);
        }
        out!("run space: runs entries blocks");
        for (space, runs, entries, blocks) in s.run_summary()? {
            out!("{space}: {runs} {entries} {blocks}");
        }
        out!("run memory: {} bytes", s.run_memory_bytes()?);
    }
    // A typical subject: the median of the sampled ones with any fact.
    sampled.sort_unstable();
    let typical = sampled.get(sampled.len() / 2).map(|&(_, id)| id);
    drop(s);
    if let Some(typical) = typical {
        query_medians(&path, typical, hot.0)?;
    }
    Ok(())
}

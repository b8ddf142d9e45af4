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

use lore::model::normalize_name;
use lore::storage::{IndexKind, OpenOptions, Storage};

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

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

fn main() -> lore::Result<()> {
    let path = std::env::args().nth(1).unwrap_or_else(|| "lore.db".into());
    let t0 = Instant::now();
    let s = Storage::open(path.as_ref(), &OpenOptions::default())?;
    let open_ms = t0.elapsed().as_secs_f64() * 1e3;
    let first = s.entities().next().transpose()?;
    let Some(first) = first else {
        println!("open_ms {open_ms:.1}\nfirst_answer_ms -");
        return Ok(());
    };
    let got = point(&s, &first.name)?;
    let first_ms = t0.elapsed().as_secs_f64() * 1e3;
    println!("open_ms {open_ms:.1}");
    println!(
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
    for _ in 0..1000 {
        let id = next();
        let Some(e) = s.entity(id)? else { continue };
        let c = s.count_subject(id)?;
        if c > hot.1 {
            hot = (id, c);
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
    println!("point_tail_us {:.0}", median(tail));
    println!(
        "point_hot_us {:.0} (subject of {} facts)",
        median(hots),
        hot.1
    );
    if std::env::args().any(|a| a == "--trees") {
        let facts = s.fact_count()?.max(1);
        println!("tree keys key_bytes value_bytes value_bytes/fact");
        for (name, n, kb, vb) in s.tree_sizes()? {
            println!("{name} {n} {kb} {vb} {:.1}", vb as f64 / facts as f64);
        }
        println!("run space: runs entries blocks");
        for (space, runs, entries, blocks) in s.run_summary()? {
            println!("{space}: {runs} {entries} {blocks}");
        }
        println!("run memory: {} bytes", s.run_memory_bytes()?);
    }
    Ok(())
}

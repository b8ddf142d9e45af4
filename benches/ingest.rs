//! Ingest throughput on the BBC news corpus, in bytes of article text per second.
//!
//! `cargo bench --bench ingest` reads every article under `$LORE_CORPUS`
//! (default `../shared/corpora/bbc` next to the crate) and measures
//! * `extract`: `lore::ingest::extract` over all articles, one thread;
//! * `extract+store`: `Store::ingest_text` of all articles into a fresh store
//!   (extraction, cross-article resolution and the flushed sled writes).
//!
//! Files that are not UTF-8 are left out (the corpus has one Latin-1 file).

use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};

fn corpus_dir() -> PathBuf {
    std::env::var_os("LORE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora/bbc"))
}

fn load(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "txt")
                && let Ok(t) = std::fs::read_to_string(&p)
            {
                out.push((p.display().to_string(), t));
            }
        }
    }
    out.sort();
    out
}

fn bench(c: &mut Criterion) {
    let dir = corpus_dir();
    let articles = load(&dir);
    if articles.is_empty() {
        eprintln!("skipped: no corpus at {} (set LORE_CORPUS)", dir.display());
        return;
    }
    let bytes: u64 = articles.iter().map(|(_, t)| t.len() as u64).sum();
    eprintln!(
        "{} articles, {} bytes from {}",
        articles.len(),
        bytes,
        dir.display()
    );
    let mut g = c.benchmark_group("ingest");
    g.throughput(Throughput::Bytes(bytes));
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(20));
    g.bench_function("extract", |b| {
        b.iter(|| {
            let mut facts = 0;
            for (_, t) in &articles {
                facts += lore::ingest::extract(t).facts.len();
            }
            facts
        })
    });
    g.bench_function("extract+store", |b| {
        b.iter_batched(
            || tempfile::tempdir().expect("temp dir"),
            |tmp| {
                let store = lore::Store::open(tmp.path().join("store")).expect("open store");
                for (name, t) in &articles {
                    store.ingest_text(t, name).expect("ingest");
                }
                drop(store);
                tmp
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

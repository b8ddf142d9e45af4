//! Ingest throughput on the BBC news corpus, in bytes of article text per second.
//!
//! `cargo bench --bench ingest` reads every article under `$LORE_CORPUS`
//! (default `../shared/corpora/bbc` next to the crate) and measures
//! * `baseline read+lowercase`: reading every file again and lower-casing it,
//!   the cheapest pass over the same bytes, so that runs on a noisy machine
//!   can be compared by their ratio to it;
//! * `extract`: `lore::ingest::extract` over all articles, one thread;
//! * `extract+store flush-per-article`: `Store::ingest_text` of all articles
//!   into a fresh store on disk (extraction, cross-article resolution and the
//!   sled writes, flushed to disk after every article, as `ingest_text` does);
//! * `extract+store flush-per-article on tmpfs`: the same into a store under
//!   `/dev/shm`, where a flush costs no disk sync but still its sled work;
//! * `extract+store one flush`: what `lore ingest DIR` does: every article in
//!   its own atomic write with the flush deferred
//!   (`IngestOptions::defer_flush`), one flush at the end, on disk.
//!
//! Before these, one pass of `extract` and of `extract+store` (on disk and on
//! tmpfs) is timed in process CPU seconds and printed as MB per CPU-second,
//! for reference: on the shared virtual machine it was measured on it moved
//! as much as wall time, and it counts sled's flushing thread too.
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
    // Process CPU time (all threads, sled's included): MB per CPU-second, a
    // second view besides criterion's wall time on a shared machine.
    let mb = bytes as f64 / 1e6;
    let secs = cpu_seconds(|| {
        for (_, t) in &articles {
            std::hint::black_box(lore::ingest::extract(t));
        }
    });
    eprintln!("cpu: extract {:.2} MB/s per core ({secs:.2} s)", mb / secs);
    for (label, under) in [
        ("flush-per-article", std::env::temp_dir()),
        ("flush-per-article on tmpfs", PathBuf::from("/dev/shm")),
    ] {
        if !under.is_dir() {
            continue;
        }
        let tmp = tempfile::tempdir_in(&under).expect("temp dir");
        let store = lore::Store::open(tmp.path().join("store")).expect("open store");
        let secs = cpu_seconds(|| {
            for (name, t) in &articles {
                store.ingest_text(t, name).expect("ingest");
            }
        });
        eprintln!(
            "cpu: extract+store {label} {:.2} MB/s per core ({secs:.2} s)",
            mb / secs
        );
    }
    let mut g = c.benchmark_group("ingest");
    g.throughput(Throughput::Bytes(bytes));
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(20));
    g.bench_function("baseline read+lowercase", |b| {
        b.iter(|| {
            let mut n = 0;
            for (name, _) in &articles {
                let t = std::fs::read_to_string(name).expect("corpus file");
                n += t.to_lowercase().len();
            }
            n
        })
    });
    g.bench_function("extract", |b| {
        b.iter(|| {
            let mut facts = 0;
            for (_, t) in &articles {
                facts += lore::ingest::extract(t).facts.len();
            }
            facts
        })
    });
    let shm = Path::new("/dev/shm");
    let places: [(&str, Option<&Path>); 3] = [
        ("extract+store flush-per-article", None),
        (
            "extract+store flush-per-article on tmpfs",
            shm.is_dir().then_some(shm),
        ),
        ("extract+store one flush", None),
    ];
    let deferred = lore::IngestOptions {
        defer_flush: true,
        ..lore::IngestOptions::default()
    };
    for (label, under) in places {
        if label.contains("tmpfs") && under.is_none() {
            eprintln!("skipped {label}: no /dev/shm");
            continue;
        }
        g.bench_function(label, |b| {
            b.iter_batched(
                || match under {
                    Some(dir) => tempfile::tempdir_in(dir).expect("temp dir"),
                    None => tempfile::tempdir().expect("temp dir"),
                },
                |tmp| {
                    let store = lore::Store::open(tmp.path().join("store")).expect("open store");
                    if label.ends_with("one flush") {
                        for (name, t) in &articles {
                            store
                                .ingest_bytes_with(t.as_bytes(), name, &deferred)
                                .expect("ingest");
                        }
                        store.flush().expect("flush");
                    } else {
                        for (name, t) in &articles {
                            store.ingest_text(t, name).expect("ingest");
                        }
                    }
                    drop(store);
                    tmp
                },
                BatchSize::PerIteration,
            )
        });
    }
    g.finish();
}

/// CPU seconds (user + system, all threads) this process spends in `f`.
fn cpu_seconds(f: impl FnOnce()) -> f64 {
    let before = process_cpu_ticks();
    f();
    let ticks = process_cpu_ticks().saturating_sub(before);
    // Linux counts in clock ticks of 1/100 s (USER_HZ).
    ticks as f64 / 100.0
}

/// utime + stime of this process from /proc/self/stat (0 where unavailable).
fn process_cpu_ticks() -> u64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0;
    };
    // Fields after the parenthesised command name; utime and stime are 14 and 15.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let n = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    n(11) + n(12)
}

criterion_group!(benches, bench);
criterion_main!(benches);

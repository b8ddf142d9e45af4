//! Speed and memory of the language pipeline on the BBC news corpus.
//!
//! ```sh
//! cargo bench --bench nlp                 # every article, 5 rounds
//! LORE_BENCH_ROUNDS=3 cargo bench --bench nlp
//! ```
//!
//! Reads every article under `$LORE_CORPUS` (default `../shared/corpora/bbc`
//! next to the crate) into memory, then measures, one thread:
//! * `load`: building the pipeline from the compiled-in model files
//!   (`Pipeline::from_files(&BUILT_IN)`: zstd, table building), median of 7;
//! * `resident`: the growth of the process's resident set (Linux `VmRSS`)
//!   from before the first load to after it, which is what the models hold
//!   (the growth after all seven loads, one kept, is printed beside it);
//! * `baseline`: lower-casing every article, the cheapest pass over the same
//!   bytes, so that runs on a noisy machine compare by their ratio to it;
//! * `tokenize`: the tokenizer alone;
//! * `full`: sentence splitting, tagging, lemmas, parsing and entities
//!   (`Pipeline::for_each_sentence`), the work `lore ingest` asks of it.
//!
//! Each pass is timed over the whole corpus `LORE_BENCH_ROUNDS` times (5);
//! the figure is the median, in tokens (UD words) per second, one core.
//! Files that are not UTF-8 are left out (the corpus has one Latin-1 file).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use lore::nlp::Pipeline;
use lore::nlp::pipeline::BUILT_IN;
use lore::nlp::tokenize::tokenize;

fn corpus_dir() -> PathBuf {
    std::env::var_os("LORE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora/bbc"))
}

/// Every UTF-8 `.txt` file under `dir`, in path order.
fn load(dir: &Path) -> Vec<String> {
    let mut paths = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "txt") {
                paths.push(p);
            }
        }
    }
    paths.sort();
    paths
        .iter()
        .filter_map(|p| std::fs::read(p).ok())
        .filter_map(|b| String::from_utf8(b).ok())
        .collect()
}

/// The resident set of this process in KiB, where Linux says it.
fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    // `cargo bench` passes `--bench`; a filter or `--list` from a harness
    // runner has nothing to select here.
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let rounds: usize = std::env::var("LORE_BENCH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5)
        .max(1);
    let dir = corpus_dir();
    let articles = load(&dir);
    if articles.is_empty() {
        eprintln!(
            "bench nlp: no articles under {} (set LORE_CORPUS to a folder of .txt news articles)",
            dir.display()
        );
        std::process::exit(2);
    }
    let bytes: usize = articles.iter().map(String::len).sum();

    let before = rss_kib();
    let mut loads = Vec::new();
    let mut kept = None;
    let mut after = None;
    for _ in 0..7 {
        let t = Instant::now();
        let p = match Pipeline::from_files(&BUILT_IN) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("bench nlp: the compiled-in models do not load: {e}");
                std::process::exit(1);
            }
        };
        loads.push(t.elapsed());
        if kept.is_none() {
            // The growth the first pipeline caused is what a process
            // holding the models pays. It is read before the timing loads:
            // their copies are dropped, but the allocator keeps some of
            // the freed pages for reuse, which is not the models' memory
            // (that figure is printed too, as `after 7 loads`).
            kept = Some(p);
            after = rss_kib();
        }
    }
    let after_all = rss_kib();
    let Some(p) = kept else { return };

    let mut tokens = 0usize;
    let mut base = Vec::new();
    let mut tok = Vec::new();
    let mut full = Vec::new();
    let mut words = Vec::new();
    for _ in 0..rounds {
        let t = Instant::now();
        let mut n = 0usize;
        for a in &articles {
            n += std::hint::black_box(a.to_lowercase()).len();
        }
        std::hint::black_box(n);
        base.push(t.elapsed());

        let t = Instant::now();
        let mut n = 0usize;
        for a in &articles {
            words.clear();
            tokenize(a, 0, a.len(), &mut words);
            n += words.len();
        }
        tok.push(t.elapsed());
        tokens = n;

        let t = Instant::now();
        let mut n = 0usize;
        for a in &articles {
            p.for_each_sentence(a, 0, a.len(), |s| n += s.words.len());
        }
        std::hint::black_box(n);
        full.push(t.elapsed());
    }
    let (base, tok, full) = (median(base), median(tok), median(full));
    let per_s = |d: Duration| tokens as f64 / d.as_secs_f64();
    println!(
        "corpus: {} articles, {:.2} MB, {} tokens; {} rounds, medians, one thread",
        articles.len(),
        bytes as f64 / 1e6,
        tokens,
        rounds
    );
    println!(
        "load      {:>10.1} ms   (target <= 100 ms)",
        median(loads).as_secs_f64() * 1e3
    );
    match (before, after, after_all) {
        (Some(b), Some(a), Some(all)) => println!(
            "resident  {:>10.1} MB   (target <= 150 MB; after 7 loads {:.1} MB, process {:.1} MB)",
            a.saturating_sub(b) as f64 / 1024.0,
            all.saturating_sub(b) as f64 / 1024.0,
            all as f64 / 1024.0
        ),
        _ => println!("resident         n/a   (no /proc/self/status here)"),
    }
    for (name, d) in [("baseline", base), ("tokenize", tok), ("full", full)] {
        println!(
            "{name:9} {:>10.0} tokens/s  {:>7.2} MB/s  {:>8.3} s  {:>6.1}x baseline",
            per_s(d),
            bytes as f64 / 1e6 / d.as_secs_f64(),
            d.as_secs_f64(),
            d.as_secs_f64() / base.as_secs_f64()
        );
    }
    println!("target: full >= 250000 tokens/s per core");
}

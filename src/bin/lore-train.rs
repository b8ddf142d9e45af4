//! `lore-train`: trains every model of lore's English pipeline from the
//! treebanks in `../shared/treebanks` and prints the evaluation table.
//!
//! ```sh
//! cargo run --release --bin lore-train -- ../shared/treebanks
//! ```

use std::collections::HashSet;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use lore::nlp::eval;
use lore::nlp::tagger::Tagger;
use lore::nlp::train::{self, Treebanks};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = PathBuf::from(args.first().map(String::as_str).unwrap_or("../shared/treebanks"));
    match run(&dir) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lore-train: {e}");
            ExitCode::from(1)
        }
    }
}

fn pct(a: usize, b: usize) -> f64 {
    100.0 * eval::ratio(a, b)
}

fn run(dir: &std::path::Path) -> Result<(), String> {
    let t0 = Instant::now();
    let tb = Treebanks::load(dir)?;
    eprintln!("read treebanks in {:.1}s", t0.elapsed().as_secs_f64());
    for (name, gold) in [("en_ewt dev", &tb.ewt_dev), ("gum dev", &tb.gum_dev)] {
        let (t, w, skipped) = eval::tokenization(gold);
        println!(
            "{name}: tokens F1 {:.2}  words F1 {:.2}  ({skipped} sentences skipped)",
            100.0 * t.f1(),
            100.0 * w.f1()
        );
    }
    let (classes, map) = train::tag_classes(tb.train(), 5);
    let examples = train::tag_examples(tb.train(), &map);
    let seen: HashSet<u64> = examples.iter().flat_map(|e| e.atoms.iter().map(|a| a.lower)).collect();
    let is_seen = |a: &lore::nlp::lexical::Atoms| seen.contains(&a.lower);
    eprintln!("tagger: {} classes, {} sentences", classes.len(), examples.len());
    let t1 = Instant::now();
    let epochs: usize = std::env::var("LORE_TAG_EPOCHS").ok().and_then(|v| v.parse().ok()).unwrap_or(10);
    let folds: usize = std::env::var("LORE_TAG_FOLDS").ok().and_then(|v| v.parse().ok()).unwrap_or(5);
    let tagger = Tagger::train(&classes, &examples, epochs, folds, 1, |e, t| {
        let d = train::score_tagger(t, &tb.ewt_dev, &is_seen);
        let g = train::score_tagger(t, &tb.gum_dev, &is_seen);
        eprintln!(
            "  {e}: ewt dev UPOS {:.2} XPOS {:.2} unseen {:.2} | gum dev UPOS {:.2} ({:.0}s)",
            pct(d.upos, d.words),
            pct(d.xpos, d.words),
            pct(d.unseen_upos, d.unseen),
            pct(g.upos, g.words),
            t1.elapsed().as_secs_f64()
        );
    });
    let d = train::score_tagger(&tagger, &tb.ewt_dev, &is_seen);
    for ((g, p), n) in train::tag_confusions(&tagger, &tb.ewt_dev, 20) {
        eprintln!("  {g} -> {p}: {n}");
    }
    println!("tagger (pruned): ewt dev UPOS {:.2} XPOS {:.2}", pct(d.upos, d.words), pct(d.xpos, d.words));
    Ok(())
}

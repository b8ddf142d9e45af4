//! Open extractions of the CaRB development sentences, in the scorer's
//! tabbed format (`lore::ingest::oie`), one sentence a line in and out:
//!
//! ```sh
//! cargo run --release --example carb -- ../shared/benchmarks/carb-dev/dev.txt > /tmp/lore-carb.tsv
//! cd ../shared/benchmarks/carb-dev && ~/carb-venv/bin/python run_carb.py --gold=gold/dev.tsv --out=/tmp/out.dat --tabbed=/tmp/lore-carb.tsv
//! ```
//!
//! `tests/extraction_gold.rs` does the same and checks the score.
use std::io::Write;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: carb SENTENCES.TXT (one sentence a line)")?;
    let text = std::fs::read_to_string(&path)?;
    let pipeline = lore::nlp::Pipeline::get()?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for line in text.lines() {
        // One line is one sentence: the benchmark's segmentation, not ours.
        let s = pipeline.analyze_sentence(line);
        for p in lore::ingest::clauses::propositions(&s) {
            if let Some(l) = lore::ingest::oie::tabbed_line(line, &s, &p) {
                writeln!(out, "{l}")?;
            }
        }
    }
    Ok(())
}

//! `lore-train`: trains every model of lore's English pipeline from the
//! treebanks in `../shared/treebanks` and prints the evaluation table.
//!
//! ```sh
//! cargo run --release --bin lore-train -- ../shared/treebanks
//! ```

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use lore::nlp::conllu;
use lore::nlp::eval;

fn read(path: &Path) -> Result<Vec<conllu::Sentence>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    conllu::read(&text).map_err(|e| format!("{}: {e}", path.display()))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = PathBuf::from(
        args.first()
            .map(String::as_str)
            .unwrap_or("../shared/treebanks"),
    );
    match run(&dir) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lore-train: {e}");
            ExitCode::from(1)
        }
    }
}

fn run(dir: &Path) -> Result<(), String> {
    for split in ["dev", "test"] {
        let gold = read(&dir.join(format!("en_ewt/en_ewt-ud-{split}.conllu")))?;
        let (t, w, skipped) = eval::tokenization(&gold);
        println!(
            "en_ewt {split}: tokens F1 {:.2}  words F1 {:.2}  ({skipped} sentences skipped)",
            100.0 * t.f1(),
            100.0 * w.f1()
        );
    }
    Ok(())
}

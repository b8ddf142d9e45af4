use lore::nlp::model_file::{self, Reader};
use lore::nlp::{parser::Parser, tagger::Tagger, train};
fn load<T>(p: &str, kind: &str, f: impl FnOnce(&mut Reader) -> Result<T, String>) -> T {
    let raw = model_file::decompress(&std::fs::read(p).unwrap(), 1 << 30).unwrap();
    f(&mut Reader::open(&raw, kind).unwrap()).unwrap()
}
fn main() {
    let tb = train::Treebanks::load(std::path::Path::new("../shared/treebanks")).unwrap();
    let t = load("data/models/tagger.lore.zst", "tagger", Tagger::read);
    let p = load("data/models/parser.lore.zst", "parser", Parser::read);
    for (name, set) in [("ewt dev", &tb.ewt_dev), ("gum dev", &tb.gum_dev)] {
        let d = train::score_parser(&t, &p, set);
        println!(
            "{name}: UAS {:.2} LAS {:.2}",
            100.0 * d.uas as f64 / d.words as f64,
            100.0 * d.las as f64 / d.words as f64
        );
    }
}

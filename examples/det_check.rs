use lore::nlp::model_file::{self, Reader, Writer};
use lore::nlp::{parser::Parser, tagger::Tagger, train};
fn load<T>(p: &str, kind: &str, f: impl FnOnce(&mut Reader) -> Result<T, String>) -> T {
    let raw = model_file::decompress(&std::fs::read(p).unwrap(), 1 << 30).unwrap();
    f(&mut Reader::open(&raw, kind).unwrap()).unwrap()
}
fn main() {
    let tb = train::Treebanks::load(std::path::Path::new("../shared/treebanks")).unwrap();
    let t = load("data/models/tagger.lore.zst", "tagger", Tagger::read);
    let p = load("data/models/parser.lore.zst", "parser", Parser::read);
    for _ in 0..2 {
        let d = train::score_parser(&t, &p, &tb.ewt_dev);
        println!("UAS {} {}", d.uas, d.las);
    }
    let mut w = Writer::new("parser");
    p.write(&mut w);
    let raw = w.finish();
    let p2 = Parser::read(&mut Reader::open(&raw, "parser").unwrap()).unwrap();
    let d = train::score_parser(&t, &p2, &tb.ewt_dev);
    println!("reread UAS {} {}", d.uas, d.las);
}

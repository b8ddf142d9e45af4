use lore::nlp::model_file::{self, Reader};
use lore::nlp::{parser::Parser, train};
fn load<T>(p: &str, kind: &str, f: impl FnOnce(&mut Reader) -> Result<T, String>) -> T {
    let raw = model_file::decompress(&std::fs::read(p).unwrap(), 1 << 30).unwrap();
    f(&mut Reader::open(&raw, kind).unwrap()).unwrap()
}
fn main() {
    let tb = train::Treebanks::load(std::path::Path::new("../shared/treebanks")).unwrap();
    let (_classes, map) = train::tag_classes(tb.train(), 5);
    let p = load("data/models/parser.lore.zst", "parser", Parser::read);
    let (mut n, mut uas, mut las) = (0, 0, 0);
    let mut out = Vec::new();
    for s in &tb.ewt_dev {
        let atoms = train::atoms_of(s);
        let tags: Vec<u16> = s.words.iter().map(|w| map.get(&(w.upos.clone(), w.xpos.clone())).copied().unwrap_or(0)).collect();
        p.parse(&atoms, &tags, &tags, &mut out);
        for (w, &(h, r)) in s.words.iter().zip(&out) {
            n += 1;
            if h == w.head { uas += 1; if r.split(':').next() == w.deprel.split(':').next() { las += 1; } }
        }
    }
    println!("gold tags: UAS {:.2} LAS {:.2}", 100.0 * uas as f64 / n as f64, 100.0 * las as f64 / n as f64);
}

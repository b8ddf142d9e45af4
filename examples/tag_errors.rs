use lore::nlp::model_file::{self, Reader};
use lore::nlp::{tagger::Tagger, train};
use std::collections::HashMap;
fn main() {
    let raw = model_file::decompress(&std::fs::read("data/models/tagger.lore.zst").unwrap(), 1 << 30).unwrap();
    let t = Tagger::read(&mut Reader::open(&raw, "tagger").unwrap()).unwrap();
    let tb = train::Treebanks::load(std::path::Path::new("../shared/treebanks")).unwrap();
    let mut c: HashMap<(String, &str), usize> = HashMap::new();
    let mut out = Vec::new();
    for s in &tb.ewt_dev {
        t.tag(&train::atoms_of(s), &mut out);
        for (w, &k) in s.words.iter().zip(&out) {
            let x = t.class(k).1;
            if x != w.xpos { *c.entry((w.xpos.clone(), x)).or_default() += 1; }
        }
    }
    let mut v: Vec<_> = c.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1));
    for ((g, p), n) in v.iter().take(30) { println!("{g:6} -> {p:6} {n}"); }
}

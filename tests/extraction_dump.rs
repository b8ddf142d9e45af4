//! A diagnostic, not a check: prints what the extractor reads from a file.
//!
//! `LORE_DUMP=path/to/article.txt cargo test --test extraction_dump -- --ignored --nocapture`

use lore::ingest::{ExtractedObject, extract};

#[test]
#[ignore = "diagnostic printout; set LORE_DUMP to an article path"]
fn dump_extraction() {
    let Ok(path) = std::env::var("LORE_DUMP") else {
        println!("set LORE_DUMP to an article path");
        return;
    };
    let text = std::fs::read_to_string(path).unwrap();
    let ex = extract(&text);
    println!("{:?}", ex.meta);
    for e in &ex.entities {
        println!("E {} [{}] {:?}", e.name, e.kind, e.aliases);
    }
    for f in &ex.facts {
        let o = match &f.object {
            ExtractedObject::Entity(i) => ex.entities[*i].name.clone(),
            ExtractedObject::Literal(l) => format!("\"{l}\""),
        };
        println!(
            "F {} | {} | {} | {:?} {:?} ({})\n    <- {}",
            ex.entities[f.subject].name,
            f.relation,
            o,
            f.qualifiers,
            f.polarity,
            f.relation_text,
            f.sentence(&text)
        );
    }
}

//! Facts the parse-based extractor (`lore::ingest::tree`) reads from one
//! article, one a line: `cargo run --release --example tree_facts -- FILE`.
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: tree_facts FILE")?;
    let text = std::fs::read_to_string(path)?;
    let ex = lore::ingest::tree::extract_from_parse(&text);
    for f in &ex.facts {
        let o = match &f.object {
            lore::ingest::ExtractedObject::Entity(i) => ex.entities[*i].name.clone(),
            lore::ingest::ExtractedObject::Literal(l) => format!("\"{l}\""),
        };
        let q: Vec<String> = f
            .qualifiers
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        println!(
            "{} | {} | {} | {}{}",
            ex.entities[f.subject].name,
            f.relation,
            o,
            q.join("; "),
            if f.polarity == lore::model::Polarity::Negative {
                " | negative"
            } else {
                ""
            }
        );
    }
    Ok(())
}

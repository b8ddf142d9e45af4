//! A tool embedding lore: ingest articles given on the command line into a
//! temporary store, list every fact with its first source, then ask a
//! question in the query language and follow each answer to its sources.
//!
//! ```sh
//! cargo run --example embed -- data/articles/*.txt
//! ```

use std::process::ExitCode;

use lore::{Object, Store, Value};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("embed: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), lore::Error> {
    let dir = std::env::temp_dir().join(format!("lore-embed-{}", std::process::id()));
    let store = Store::open(&dir)?;
    for path in std::env::args().skip(1) {
        let outcome = store.ingest_file(path.as_ref())?;
        println!("{path}: {outcome:?}");
    }
    let name = |id: u64| -> Result<String, lore::Error> {
        Ok(store
            .entity(id)?
            .map_or_else(|| format!("#{id}"), |e| e.name))
    };
    for fact in store.facts() {
        let fact = fact?;
        let object = match &fact.object {
            Object::Entity(id) => name(*id)?,
            Object::Literal(l) => l.to_string(),
        };
        let source = fact.sources.first().map_or("", |s| s.sentence.as_str());
        println!(
            "{} —{}→ {}  ({} sources) \"{}\"",
            name(fact.subject)?,
            // Role facts ("X is the foreign minister") have no written verb.
            if fact.relation_text.is_empty() {
                &fact.relation
            } else {
                &fact.relation_text
            },
            object,
            fact.sources.len(),
            source
        );
    }
    // Typed rows: an entity comes with its id, a fact id leads to its sources.
    let result = store.query("?who met ?whom, ?who < ?whom;")?;
    for statement in &result.statements {
        for row in &statement.rows {
            let cells: Vec<String> = row.iter().map(|v| v.to_string()).collect();
            println!("{}", cells.join(" | "));
            for value in row {
                if let Value::Fact(id) = value
                    && let Some(fact) = store.fact(*id)?
                {
                    for source in &fact.sources {
                        println!("    source: document {} {:?}", source.doc, source.sentence);
                    }
                }
            }
        }
    }
    drop(store);
    std::fs::remove_dir_all(&dir).map_err(|e| lore::Error::io(&dir, e))?;
    Ok(())
}

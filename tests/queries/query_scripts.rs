//! The saved scripts in queries/ parse, run and answer on a store that holds
//! the facts they ask about (built from JSONL, independent of the extractor).

use crate::query_support;

use std::path::Path;

fn scripts() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("queries");
    let mut out: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "lore"))
        .map(|p| {
            (
                p.display().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn every_saved_script_answers() {
    let dir = tempfile::tempdir().unwrap();
    let store = query_support::store(dir.path());
    let all = scripts();
    assert!(all.len() >= 5, "{all:?}");
    for (path, text) in all {
        let r = store.query(&text).unwrap_or_else(|e| match e {
            lore::Error::Query(d) => panic!("{}", d.render(&path, &text)),
            other => panic!("{path}: {other}"),
        });
        for s in &r.statements {
            assert!(
                !s.rows.is_empty(),
                "{path}: `{}` returned no rows",
                &text[s.span.clone()]
            );
        }
    }
}

#[test]
fn the_scripts_give_the_answers_a_reader_expects() {
    let dir = tempfile::tempdir().unwrap();
    let store = query_support::store(dir.path());
    let run = |name: &str| {
        let text = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("queries")
                .join(name),
        )
        .unwrap();
        let r = store.query(&text).unwrap();
        r.statements[0]
            .rows
            .iter()
            .map(|r| r.iter().map(|v| v.to_string()).collect::<Vec<_>>())
            .collect::<Vec<_>>()
    };
    let met = run("who-met-whom.lore");
    assert_eq!(
        met[0][..5],
        [
            "Antony Blinken",
            "Sergey Lavrov",
            "New Delhi",
            "2023-03-02",
            "3"
        ]
    );
    assert_eq!(met.len(), 2, "{met:?}");
    let roles = run("roles.lore");
    assert_eq!(roles[1], ["Sergey Lavrov", "Russian Foreign Minister"]);
    assert_eq!(run("detained.lore"), vec![vec!["Paul Whelan", "Russia"]]);
    assert_eq!(run("urged.lore").len(), 3);
    let sourced = run("well-sourced.lore");
    assert_eq!(sourced[0][0], "Antony Blinken");
    assert_eq!(sourced[0][3], "3");
}

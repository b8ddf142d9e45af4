//! `lore query` end to end: the real binary on a store imported from a JSONL file.

use crate::query_support;

use std::path::Path;
use std::process::Command;

fn lore(db: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_lore"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn imported(dir: &Path) -> std::path::PathBuf {
    let file = dir.join("facts.jsonl");
    let text: String = query_support::lines()
        .iter()
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&file, text).unwrap();
    let db = dir.join("cli.db");
    let out = lore(&db, &["import", file.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    db
}

#[test]
fn query_prints_a_table_json_lines_or_csv() {
    let dir = tempfile::tempdir().unwrap();
    let db = imported(dir.path());
    let out = lore(&db, &["query", "Blinken met ?who;"]);
    assert!(out.status.success());
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(table.contains("Sergey Lavrov"), "{table}");
    assert!(table.contains("1 row"), "{table}");

    let out = lore(&db, &["query", "--format", "json", "Blinken urged ?who;"]);
    let json = String::from_utf8(out.stdout).unwrap();
    let first: serde_json::Value = serde_json::from_str(json.lines().next().unwrap()).unwrap();
    assert_eq!(first["who"], "Russia");

    let out = lore(
        &db,
        &[
            "query",
            "--format",
            "csv",
            "find ?p, ?role where ?p \"holds role\" ?role order by ?p;",
        ],
    );
    let csv = String::from_utf8(out.stdout).unwrap();
    assert_eq!(csv.lines().next(), Some("p,role"));
    assert!(
        csv.contains("Sergey Lavrov,Russian Foreign Minister"),
        "{csv}"
    );
}

#[test]
fn a_bad_query_exits_1_with_a_caret_and_a_suggestion() {
    let dir = tempfile::tempdir().unwrap();
    let db = imported(dir.path());
    let out = lore(&db, &["query", "Blinken met Lavorv;"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("query:1:13: error: unknown entity or value `Lavorv`"),
        "{err}"
    );
    assert!(err.contains("^^^^^^"), "{err}");
    assert!(err.contains("did you mean `Sergey Lavrov`?"), "{err}");
}

#[test]
fn a_statement_past_its_timeout_stops_with_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sample.db");
    let articles = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/articles");
    let out = lore(&db, &["ingest", "-q", articles.to_str().unwrap()]);
    assert!(out.status.success());
    // Three unconnected patterns: a cross product of every fact three ways
    // (about 66^3 rows to sort).
    let cross = "find ?a, ?d, ?g where ?a ?b ?c, ?d ?e ?f, ?g ?h ?i order by ?a;";
    let start = std::time::Instant::now();
    let out = lore(&db, &["query", "--timeout", "0.05", cross]);
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("time budget of 0.05 s"), "{err}");
    assert!(start.elapsed() < std::time::Duration::from_secs(30));
    // A budget that is not a number is a usage error.
    let out = lore(&db, &["query", "--timeout", "soon", "?s ?r ?o;"]);
    assert_eq!(out.status.code(), Some(1));
    // The same statement with time enough runs.
    let out = lore(
        &db,
        &["query", "--timeout", "600", "--limit", "3", "?s ?r ?o;"],
    );
    assert!(out.status.success());
}

#[test]
fn the_limit_flag_cuts_and_the_footer_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let db = imported(dir.path());
    let out = lore(&db, &["query", "--limit", "2", "?s ?r ?o;"]);
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(table.contains("2 rows; limit reached"), "{table}");
}

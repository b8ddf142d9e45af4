//! Resource limits at the command line: an oversized article or JSONL line
//! is refused with a clear message, and nothing already stored is lost.

use std::process::Command;

const LORE: &str = env!("CARGO_BIN_EXE_lore");

fn lore(db: &std::path::Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(LORE)
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn an_article_over_the_size_limit_is_refused_and_the_store_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let good = tmp.path().join("good.txt");
    std::fs::write(&good, "Talks\n\nAnn Lee met Bob Stone in Paris.").unwrap();
    assert_eq!(lore(&db, &["ingest", good.to_str().unwrap()]).0, Some(0));
    // Sparse: the size check comes before anything is read.
    let big = tmp.path().join("big.txt");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(lore::store::MAX_ARTICLE_BYTES as u64 + 1)
        .unwrap();
    drop(f);
    let (code, _, err) = lore(&db, &["ingest", big.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("big.txt") && err.contains("MiB"), "{err}");
    let (code, out, _) = lore(&db, &["stats"]);
    assert_eq!(code, Some(0));
    assert!(
        out.lines()
            .any(|l| l.starts_with("documents") && l.ends_with(" 1")),
        "{out}"
    );
}

#[test]
fn a_jsonl_line_over_the_limit_is_refused_with_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("db");
    let file = tmp.path().join("big.jsonl");
    let mut text = String::from(r#"{"type":"fact","subject":"Ann","relation":"age","object":41}"#);
    text.push('\n');
    text.push_str(&"x".repeat(lore::jsonl::MAX_LINE_BYTES + 10));
    text.push('\n');
    std::fs::write(&file, text).unwrap();
    let (code, _, err) = lore(&db, &["import", file.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("big.jsonl:2:") && err.contains("longer than 16 MiB"),
        "{err}"
    );
}

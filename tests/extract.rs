//! End-to-end tests of `lore extract` and its route back through `lore
//! import`: the stateless, parallel way to build the store `lore ingest`
//! builds (docs/PARALLEL.md).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn lore_command(db: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_lore"));
    c.arg("--db")
        .arg(db)
        .args(args)
        .env_remove("LORE_DB")
        .stdin(Stdio::null());
    c
}

fn lore(db: &Path, args: &[&str]) -> Output {
    lore_command(db, args)
        .output()
        .expect("the lore binary runs")
}

/// Runs lore with `input` on stdin.
fn lore_stdin(db: &Path, args: &[&str], input: &[u8]) -> Output {
    let mut child = lore_command(db, args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the lore binary runs");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(input)
        .expect("lore reads its stdin");
    child.wait_with_output().expect("lore exits")
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "lore failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn article_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/articles");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("data/articles is readable")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    v.sort();
    assert!(v.len() >= 5, "the sample articles are in data/articles");
    v
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

#[test]
fn import_of_extract_output_gives_the_store_ingest_gives() {
    for extractor in ["patterns", "parse", "both"] {
        same_store_both_ways(extractor);
    }
}

fn same_store_both_ways(extractor: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    let files = article_files();
    let paths: Vec<&str> = files.iter().map(|p| s(p)).collect();
    let nowhere = dir.path().join("unused");

    let ingested = dir.path().join("ingested");
    let mut args = vec!["ingest", "-q", "--extractor", extractor];
    args.extend(&paths);
    ok(&lore(&ingested, &args));

    // One run per article, concatenated: what parallel workers produce.
    let mut jsonl = String::new();
    for p in &paths {
        jsonl.push_str(&ok(&lore(
            &nowhere,
            &["extract", "--extractor", extractor, p],
        )));
    }
    assert!(!nowhere.exists(), "lore extract opens no store");
    let imported = dir.path().join("imported");
    let summary = ok(&lore_stdin(&imported, &["import", "-"], jsonl.as_bytes()));
    assert!(summary.contains("5 added"), "{extractor}: {summary}");

    let a = ok(&lore(&ingested, &["export"]));
    let b = ok(&lore(&imported, &["export"]));
    assert!(
        a.lines().count() > 50,
        "{extractor}: the sample articles give a store"
    );
    assert_eq!(
        a, b,
        "{extractor}: import of extract output differs from ingest"
    );

    // Importing again adds nothing, like ingesting again.
    let again = ok(&lore_stdin(&imported, &["import", "-"], jsonl.as_bytes()));
    assert!(again.contains("0 added, 5 skipped"), "{again}");
    assert_eq!(ok(&lore(&imported, &["export"])), a);
}

#[test]
fn every_fact_line_carries_its_sentence_and_spans_into_the_article() {
    let dir = tempfile::tempdir().expect("temp dir");
    let files = article_files();
    let out = ok(&lore(
        &dir.path().join("unused"),
        &["extract", s(&files[0])],
    ));
    let text = std::fs::read_to_string(&files[0]).expect("the article reads");
    let mut lines = out.lines();
    let head: serde_json::Value =
        serde_json::from_str(lines.next().expect("an article line")).expect("JSON");
    assert_eq!(head["type"], "article");
    let announced = head["facts"].as_u64().expect("a fact count");
    let mut facts = 0;
    let mut spans = 0;
    for line in lines {
        let f: serde_json::Value = serde_json::from_str(line).expect("JSON");
        assert_eq!(f["type"], "fact");
        facts += 1;
        let at = |k: &str| {
            f[k].as_array().map(|a| {
                let n = |i: usize| a[i].as_u64().expect("offset") as usize;
                &text[n(0)..n(1)]
            })
        };
        assert_eq!(at("span"), f["sentence"].as_str(), "{line}");
        if let Some(subject) = at("subject_span") {
            spans += 1;
            let sentence = f["sentence"].as_str().expect("a sentence");
            assert!(sentence.contains(subject), "{line}");
        }
        if let Some(rel) = at("relation_span") {
            assert_eq!(Some(rel), f["relation_text"].as_str(), "{line}");
        }
        assert!(f["confidence"].as_f64().is_some(), "{line}");
    }
    assert_eq!(facts, announced);
    assert!(
        facts > 5 && spans * 2 > facts,
        "{spans} of {facts} facts have a subject span"
    );
}

#[test]
fn a_cut_short_output_is_reported_and_the_complete_articles_are_kept() {
    let dir = tempfile::tempdir().expect("temp dir");
    let files = article_files();
    let paths: Vec<&str> = files.iter().map(|p| s(p)).collect();
    let mut args = vec!["extract"];
    args.extend(&paths);
    let full = ok(&lore(&dir.path().join("unused"), &args));
    let lines: Vec<&str> = full.lines().collect();
    // As a killed worker leaves it: the last fact line missing.
    let cut = lines[..lines.len() - 1].join("\n");
    let file = dir.path().join("cut.jsonl");
    std::fs::write(&file, &cut).expect("write");
    let last_article = lines
        .iter()
        .rposition(|l| l.starts_with("{\"type\":\"article\""))
        .expect("article lines")
        + 1;

    let db = dir.path().join("store");
    let o = lore(&db, &["import", s(&file)]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&format!("cut.jsonl:{last_article}")) && err.contains("cut short"),
        "{err}"
    );
    let stats = ok(&lore(&db, &["stats"]));
    assert!(stats.contains("documents  4"), "{stats}");

    let db2 = dir.path().join("store2");
    let o = lore(&db2, &["import", "--keep-going", s(&file)]);
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("4 added") && out.contains("1 failed"), "{out}");
}

#[test]
fn extract_reads_stdin_and_reports_bad_files_without_stopping() {
    let dir = tempfile::tempdir().expect("temp dir");
    let nowhere = dir.path().join("unused");
    let o = lore_stdin(
        &nowhere,
        &["extract", "-"],
        b"Talks\n\nAnn Lee met Bob Stone in Paris on Monday.\n",
    );
    let out = ok(&o);
    assert!(out.contains("\"origin\":\"stdin\""), "{out}");
    assert!(out.contains("\"relation\":\"meet\""), "{out}");

    let empty = dir.path().join("empty.txt");
    std::fs::write(&empty, "").expect("write");
    let files = article_files();
    let o = lore(&nowhere, &["extract", s(&empty), s(&files[0])]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("empty.txt") && err.contains("empty"), "{err}");
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("{\"type\":\"article\""));
}

/// Issue 18's corpus figures for the parse-based extractor: facts per
/// article (target ≥ 10) and the share of `hold role` (target < 1/4) over
/// the whole BBC corpus, through the real binary. Release only (the
/// pipeline is slow unoptimised): `.ci/run` runs it with `--ignored`.
#[test]
#[ignore = "release only; run by .ci/run"]
fn bbc_corpus_facts_per_article_with_the_parse_extractor() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora/bbc");
    if !corpus.is_dir() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI needs {}",
            corpus.display()
        );
        println!("{} missing; not measured", corpus.display());
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("bbc");
    let o = lore(
        &db,
        &[
            "ingest",
            "-q",
            "--encoding",
            "auto",
            "--extractor",
            "parse",
            s(&corpus),
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stats = ok(&lore(&db, &["stats"]));
    let stat = |key: &str| -> f64 {
        stats
            .lines()
            .find_map(|l| l.strip_prefix(key).and_then(|v| v.trim().parse().ok()))
            .unwrap_or_else(|| panic!("no {key} in {stats}"))
    };
    let (docs, facts) = (stat("documents"), stat("facts"));
    let roles = ok(&lore(
        &db,
        &[
            "query",
            "--format",
            "csv",
            "count where ?s \"hold role\" ?o;",
        ],
    ));
    let roles: f64 = roles
        .lines()
        .nth(1)
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or_else(|| panic!("no count in {roles}"));
    let per_article = facts / docs;
    let role_share = roles / facts;
    println!(
        "BBC corpus, --extractor parse: {docs} articles, {facts} facts: {per_article:.2} per article (target >= 10), hold role {role_share:.3} of them (target < 0.25)"
    );
    // The target, under the figures of the last change (10.33, 0.113;
    // before 2026-12-08's precision rules 10.97): the rules that left out
    // wrong facts ("resign after the vote") also leave fewer.
    assert!(per_article >= 10.0, "{per_article:.2} facts per article");
    assert!(
        role_share < 0.25,
        "hold role is {role_share:.3} of the facts"
    );
}

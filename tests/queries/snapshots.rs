//! Snapshot tests: every `queries/*.lore` script runs with the real binary
//! against a fresh store of `data/articles`, and its output is compared with
//! `tests/snapshots/<name>.out`. A change in extraction or query semantics
//! thus shows up as a reviewed diff.
//!
//! `LORE_BLESS=1 cargo test --test queries snapshots` rewrites the expected files;
//! read the diff (`git diff tests/snapshots`) before committing them.

use std::path::{Path, PathBuf};
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn lore() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_lore"));
    c.env_remove("LORE_DB").env("NO_COLOR", "1");
    c
}

/// Copies a closed store directory, so each script starts from the same state.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// What a script printed, as kept in the `.out` file: stdout, then stderr and
/// the exit code when there are any. The store path is written `<db>`.
fn observe(script: &Path, db: &Path, cwd: &Path) -> String {
    let out = lore()
        .current_dir(cwd)
        .arg("--db")
        .arg(db)
        .arg("run")
        // Relative, so that error locations read the same on every machine.
        .arg(script.strip_prefix(cwd).unwrap_or(script))
        .output()
        .unwrap();
    let clean = |b: &[u8]| String::from_utf8_lossy(b).replace(&db.display().to_string(), "<db>");
    let mut text = clean(&out.stdout);
    let stderr = clean(&out.stderr);
    if !stderr.is_empty() {
        text.push_str("-- stderr\n");
        text.push_str(&stderr);
    }
    if !out.status.success() {
        let code = out
            .status
            .code()
            .map_or("none (killed)".into(), |c| c.to_string());
        text.push_str(&format!("-- exit code {code}\n"));
    }
    text
}

/// A line diff (longest common subsequence) with `-` for expected and `+` for actual lines.
fn diff(expected: &str, actual: &str) -> String {
    let a: Vec<&str> = expected.lines().collect();
    let b: Vec<&str> = actual.lines().collect();
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = String::new();
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            out.push_str(&format!("  {}\n", a[i]));
            i += 1;
            j += 1;
        } else if i < a.len() && (j == b.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            out.push_str(&format!("- {}\n", a[i]));
            i += 1;
        } else {
            out.push_str(&format!("+ {}\n", b[j]));
            j += 1;
        }
    }
    out
}

/// Runs every `*.lore` in `queries` against a copy of `store` and compares
/// with `snapshots/<name>.out` (or writes it when `bless`). Returns the problems.
fn check_all(
    queries: &Path,
    snapshots: &Path,
    store: &Path,
    cwd: &Path,
    bless: bool,
) -> Vec<String> {
    let mut scripts: Vec<PathBuf> = match std::fs::read_dir(queries) {
        Ok(rd) => rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "lore"))
            .collect(),
        Err(_) => Vec::new(),
    };
    scripts.sort();
    let mut problems = Vec::new();
    if scripts.is_empty() {
        eprintln!("note: no scripts in {}", queries.display());
    }
    // An expected output whose script is gone would never be checked again.
    if let Ok(rd) = std::fs::read_dir(snapshots) {
        for e in rd.filter_map(|e| e.ok()) {
            let p = e.path();
            let stem = p.file_stem().map(|s| s.to_string_lossy().into_owned());
            if p.extension().is_some_and(|x| x == "out")
                && let Some(stem) = stem
                && !queries.join(format!("{stem}.lore")).exists()
            {
                problems.push(format!(
                    "{} has no script {stem}.lore in {}; delete it or restore the script",
                    p.display(),
                    queries.display()
                ));
            }
        }
    }
    let scratch = tempfile::tempdir().unwrap();
    for (n, script) in scripts.iter().enumerate() {
        let name = script.file_stem().unwrap().to_string_lossy().into_owned();
        let db = scratch.path().join(format!("db{n}"));
        copy_dir(store, &db);
        let actual = observe(script, &db, cwd);
        let file = snapshots.join(format!("{name}.out"));
        if bless {
            std::fs::create_dir_all(snapshots).unwrap();
            std::fs::write(&file, &actual).unwrap();
            continue;
        }
        match std::fs::read_to_string(&file) {
            Ok(expected) if expected == actual => {}
            Ok(expected) => problems.push(format!(
                "{} differs from {} (- expected, + actual):\n{}",
                script.display(),
                file.display(),
                diff(&expected, &actual)
            )),
            Err(_) => problems.push(format!(
                "{} has no snapshot {}; run LORE_BLESS=1 cargo test --test queries snapshots and review it. It printed:\n{actual}",
                script.display(),
                file.display()
            )),
        }
    }
    problems
}

/// Ingests `articles` (relative to `cwd`, so that the origins stored, and
/// shown by `why`, are the same on every machine) into a new store `at`.
fn store_of(cwd: &Path, articles: &str, at: &Path) {
    let out = lore()
        .current_dir(cwd)
        .arg("--db")
        .arg(at)
        .args(["ingest", "--quiet"])
        .arg(articles)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn every_saved_query_prints_what_its_snapshot_says() {
    let root = Path::new(ROOT);
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("articles.db");
    store_of(root, "data/articles", &store);
    let bless = std::env::var_os("LORE_BLESS").is_some_and(|v| v == "1");
    let problems = check_all(
        &root.join("queries"),
        &root.join("tests/snapshots"),
        &store,
        root,
        bless,
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_changed_output_fails_with_a_readable_diff_and_bless_rewrites_it() {
    let tmp = tempfile::tempdir().unwrap();
    let (queries, snaps) = (tmp.path().join("queries"), tmp.path().join("snapshots"));
    std::fs::create_dir_all(&queries).unwrap();
    std::fs::write(queries.join("counts.lore"), ".stats\n").unwrap();
    let arts = tmp.path().join("arts");
    std::fs::create_dir(&arts).unwrap();
    std::fs::write(arts.join("a.txt"), "T\n\nAnn Lee met Bob Stone in Paris.").unwrap();
    let store = tmp.path().join("s.db");
    store_of(tmp.path(), "arts", &store);

    let missing = check_all(&queries, &snaps, &store, tmp.path(), false);
    assert!(missing[0].contains("has no snapshot"), "{missing:?}");

    assert!(check_all(&queries, &snaps, &store, tmp.path(), true).is_empty());
    let blessed = std::fs::read_to_string(snaps.join("counts.out")).unwrap();
    assert!(blessed.starts_with("<db>\n1 document, "), "{blessed}");
    assert!(check_all(&queries, &snaps, &store, tmp.path(), false).is_empty());

    std::fs::write(snaps.join("counts.out"), "<db>\n7 documents\n").unwrap();
    let changed = check_all(&queries, &snaps, &store, tmp.path(), false);
    assert_eq!(changed.len(), 1);
    assert!(
        changed[0].contains("  <db>\n- 7 documents\n+ 1 document, "),
        "{}",
        changed[0]
    );
}

#[test]
fn diff_marks_removed_and_added_lines() {
    assert_eq!(diff("a\nb\nc\n", "a\nx\nc\n"), "  a\n- b\n+ x\n  c\n");
    assert_eq!(diff("", "a\n"), "+ a\n");
}

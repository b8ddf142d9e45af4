//! End-to-end tests of the `lore` binary on real files: ingest, import,
//! export, stats, and every kind of bad input issue 2 lists.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// `lore --db DB ARGS...` with no `$LORE_DB` and nothing on stdin.
pub(crate) fn lore_command(db: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_lore"));
    c.arg("--db")
        .arg(db)
        .args(args)
        .env_remove("LORE_DB")
        .stdin(Stdio::null());
    c
}

pub(crate) fn lore(db: &Path, args: &[&str]) -> Output {
    lore_command(db, args)
        .output()
        .expect("the lore binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn articles() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/articles")
}

/// A store holding the five sample articles, and its stats line for "documents".
fn full_store(dir: &Path) -> PathBuf {
    let db = dir.join("store");
    let o = lore(&db, &["ingest", articles().to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    db
}

fn stat(db: &Path, key: &str) -> u64 {
    let o = lore(db, &["stats"]);
    assert!(o.status.success(), "{}", stderr(&o));
    stdout(&o)
        .lines()
        .find_map(|l| l.strip_prefix(key).map(|v| v.trim().parse().unwrap()))
        .unwrap_or_else(|| panic!("no {key} in {}", stdout(&o)))
}

#[test]
fn ingest_reports_a_summary_and_skips_known_articles() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store");
    let o = lore(&db, &["ingest", articles().to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let line = stdout(&o);
    assert!(
        line.starts_with("5 documents: 5 added, 0 skipped"),
        "{line}"
    );
    assert!(line.contains("new facts"), "{line}");
    let facts = stat(&db, "facts");
    assert!(facts > 0);
    let o = lore(&db, &["ingest", articles().to_str().unwrap()]);
    assert!(
        stdout(&o).starts_with("5 documents: 0 added, 5 skipped"),
        "{}",
        stdout(&o)
    );
    assert_eq!(stat(&db, "facts"), facts, "re-ingest added facts");
    assert_eq!(stat(&db, "documents"), 5);
}

#[test]
fn a_corpus_directory_ingests_its_articles_not_its_readme() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(&corpus).unwrap();
    std::fs::write(
        corpus.join("one.txt"),
        "Talks\n\nAnn Lee met Bob Stone in Paris on Monday.\n",
    )
    .unwrap();
    std::fs::write(
        corpus.join("README.TXT"),
        "About this corpus\n\nSee SOURCE.md.\n",
    )
    .unwrap();
    std::fs::write(corpus.join("SOURCE.md"), "Source\n\nCollected by hand.\n").unwrap();
    let db = dir.path().join("store");
    let o = lore(&db, &["ingest", corpus.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let line = stdout(&o);
    assert!(line.starts_with("1 document: 1 added"), "{line}");
    assert!(line.contains("2 files left out as not articles"), "{line}");
    assert_eq!(stat(&db, "documents"), 1);
}

#[test]
fn stdin_is_an_article_and_lore_db_chooses_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("from-env");
    let mut child = Command::new(env!("CARGO_BIN_EXE_lore"))
        .args(["ingest", "-"])
        .env("LORE_DB", &db)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"Talks\n\nAnn Lee met Bob Stone in Paris.\n")
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success());
    assert!(
        db.join("db").exists() || db.join("conf").exists(),
        "LORE_DB was not used"
    );
    assert_eq!(stat(&db, "documents"), 1);
}

#[test]
fn export_import_export_round_trips_through_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let db = full_store(dir.path());
    let first = lore(&db, &["export"]);
    assert!(first.status.success());
    let file = dir.path().join("facts.jsonl");
    std::fs::write(&file, &first.stdout).unwrap();
    let other = dir.path().join("other");
    let o = lore(&other, &["import", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let second = lore(&other, &["export", "--format", "jsonl"]);
    assert_eq!(stdout(&first), stdout(&second));
    assert!(
        stdout(&first)
            .lines()
            .all(|l| l.starts_with("{\"type\":\""))
    );
}

/// The names of a store's sled snapshot files.
fn snapshots(db: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(db)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("snap."))
        .collect();
    v.sort();
    v
}

#[test]
fn the_command_after_an_import_or_a_reader_does_not_replay_the_log() {
    // sled writes its recovery snapshot only when it opens a store; a
    // command that opens one and finds a newer log than the snapshot reads
    // all of it back first (seconds after a 10M-fact import). So the import
    // leaves a snapshot of all it wrote, and readers write nothing, even
    // over the nodes the import left for sled to split or merge.
    let dir = tempfile::tempdir().unwrap();
    let db = full_store(dir.path());
    let jsonl = dir.path().join("facts.jsonl");
    std::fs::write(&jsonl, &lore(&db, &["export"]).stdout).unwrap();
    let other = dir.path().join("other");
    let o = lore(&other, &["import", jsonl.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let after_import = snapshots(&other);
    for args in [
        &["stats"][..],
        &["query", "count where ?x ?r ?y;"],
        &["export"],
        &["check"],
        &["stats"],
    ] {
        let o = lore(&other, args);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        assert_eq!(snapshots(&other), after_import, "after {args:?}");
    }
}

/// Runs `lore` with bad input on a full store and checks: exit 1, one clear
/// line naming the thing, and the store still holding what it held.
fn refused(db: &Path, args: &[&str], names: &str, says: &str) {
    let before = stat(db, "facts");
    let o = lore(db, args);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
    assert_eq!(err.lines().count(), 1, "{args:?}: not one line: {err}");
    assert!(
        err.contains(names),
        "{args:?}: does not name {names}: {err}"
    );
    assert!(err.contains(says), "{args:?}: does not say {says}: {err}");
    assert_eq!(stat(db, "facts"), before, "{args:?} lost or added facts");
}

#[test]
fn bad_paths_and_files_are_refused_clearly_and_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = full_store(dir.path());
    let missing = dir.path().join("no-such-file.txt");
    refused(
        &db,
        &["ingest", missing.to_str().unwrap()],
        "no-such-file.txt",
        "no such file",
    );

    let empty_dir = dir.path().join("pictures");
    std::fs::create_dir(&empty_dir).unwrap();
    std::fs::write(empty_dir.join("cat.jpg"), [0xff, 0xd8, 0xff]).unwrap();
    refused(
        &db,
        &["ingest", empty_dir.to_str().unwrap()],
        "pictures",
        "no text files",
    );

    let binary = dir.path().join("program.txt");
    std::fs::write(&binary, b"\x7fELF\x02\x01\x01\0\0\0").unwrap();
    refused(
        &db,
        &["ingest", binary.to_str().unwrap()],
        "program.txt",
        "binary",
    );

    let latin1 = dir.path().join("latin1.txt");
    std::fs::write(&latin1, b"Caf\xe9 society\n\nA story.").unwrap();
    refused(
        &db,
        &["ingest", latin1.to_str().unwrap()],
        "latin1.txt",
        "UTF-8",
    );

    let empty = dir.path().join("empty.txt");
    std::fs::write(&empty, b"").unwrap();
    refused(
        &db,
        &["ingest", empty.to_str().unwrap()],
        "empty.txt",
        "empty",
    );

    let bad_jsonl = dir.path().join("bad.jsonl");
    std::fs::write(&bad_jsonl, "{\"type\":\"fact\"\n").unwrap();
    refused(
        &db,
        &["import", bad_jsonl.to_str().unwrap()],
        "bad.jsonl:1",
        "JSON",
    );
}

#[test]
fn latin1_articles_ingest_with_encoding_auto() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s");
    let latin1 = dir.path().join("latin1.txt");
    std::fs::write(&latin1, b"Caf\xe9 talks\n\nAnn Lee met Bob Stone in Paris.").unwrap();
    let o = lore(
        &db,
        &["ingest", "--encoding", "auto", latin1.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stat(&db, "documents"), 1);

    // The shell's .ingest takes the option its advice names.
    let other = dir.path().join("t");
    let script = dir.path().join("in.lore");
    std::fs::write(&script, format!(".ingest {}\n", latin1.display())).unwrap();
    let o = lore(&other, &["run", script.to_str().unwrap()]);
    assert!(stderr(&o).contains("--encoding auto"), "{}", stderr(&o));
    assert!(stderr(&o).contains("1 failed"), "{}", stderr(&o));
    std::fs::write(
        &script,
        format!(".ingest --encoding auto {}\n", latin1.display()),
    )
    .unwrap();
    let o = lore(&other, &["run", script.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stat(&other, "documents"), 1);
}

#[test]
fn every_user_error_exits_1_including_argument_errors() {
    let dir = tempfile::tempdir().unwrap();
    let db = full_store(dir.path());
    for args in [
        &["--no-such-flag"][..],
        &["stats", "extra"],
        &["query"],
        &["frobnicate"],
    ] {
        let o = lore(&db, args);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("Usage"), "{args:?}: {}", stderr(&o));
    }
    for args in [&["--help"][..], &["--version"]] {
        let o = lore(&db, args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
    }
    // A directory given to import: one plain sentence pointing to ingest.
    let o = lore(&db, &["import", dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("is a directory") && err.contains("lore ingest"),
        "{err}"
    );
    assert!(!err.contains("os error"), "{err}");
    // An import from a wrong path makes no store.
    let fresh = dir.path().join("fresh");
    let o = lore(&fresh, &["import", "/no/such/file.jsonl"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(!fresh.exists());
}

#[test]
fn a_store_path_that_is_a_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("notes.txt");
    std::fs::write(&file, "my notes").unwrap();
    let o = lore(&file, &["stats"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("notes.txt") && err.contains("not a lore store"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "my notes");
}

#[test]
fn a_store_in_use_by_another_process_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = full_store(dir.path());
    let facts = stat(&db, "facts");
    let held = lore::Store::open(&db).unwrap();
    let o = lore(&db, &["ingest", articles().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("in use by another process"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    drop(held);
    assert_eq!(stat(&db, "facts"), facts);
}

/// A process that holds a store for a moment without serving it (an
/// import reopening its store to write sled's snapshot) is waited out, as
/// SQLite's busy timeout does; only a hold that lasts is "in use".
#[test]
fn a_store_held_for_a_moment_is_waited_for() {
    let dir = tempfile::tempdir().unwrap();
    let db = full_store(dir.path());
    let facts = stat(&db, "facts");
    let held = lore::Store::open(&db).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_lore"))
        .arg("--db")
        .arg(&db)
        .arg("stats")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Long enough for the command to find the store held, well inside its
    // wait; the outcome does not depend on the timing within that window.
    std::thread::sleep(std::time::Duration::from_millis(400));
    drop(held);
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains(&format!("{facts}")), "{}", stdout(&o));
}

#[test]
fn help_lists_every_command() {
    let o = Command::new(env!("CARGO_BIN_EXE_lore"))
        .arg("--help")
        .output()
        .unwrap();
    let help = stdout(&o);
    for cmd in [
        "ingest", "import", "export", "stats", "query", "run", "repl", "serve", "backup",
    ] {
        assert!(help.contains(cmd), "--help lacks {cmd}: {help}");
    }
    assert!(help.contains("LORE_DB"), "{help}");
}

/// Runs `lore` with its stdout a pipe whose reader is already gone, as in
/// `lore stats | head -0`.
fn lore_into_closed_pipe(db: &Path, args: &[&str]) -> Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let child = lore_command(db, args)
        .stdout(writer)
        .stderr(Stdio::piped())
        .spawn()
        .expect("the lore binary runs");
    child.wait_with_output().unwrap()
}

#[test]
fn a_reader_that_stops_early_is_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store");
    // Ingesting into a closed pipe still stores the articles and says nothing.
    let o = lore_into_closed_pipe(&db, &["ingest", "-q", articles().to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stderr(&o), "");
    assert_eq!(stat(&db, "documents"), 5);
    let jsonl = dir.path().join("facts.jsonl");
    let o = lore(&db, &["export", "-o", jsonl.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let script = dir.path().join("q.lore");
    std::fs::write(&script, "find ?x, ?r, ?y where ?x ?r ?y;\n").unwrap();
    let runs: [&[&str]; 9] = [
        &["stats"],
        &["export"],
        &["query", "find ?x, ?r, ?y where ?x ?r ?y;"],
        &["run", script.to_str().unwrap()],
        &["timeline", "Lavrov"],
        &["graph", "Lavrov"],
        &["check"],
        &["import", jsonl.to_str().unwrap()],
        &["export", "--format", "ntriples"],
    ];
    for args in runs {
        let o = lore_into_closed_pipe(&db, args);
        assert!(o.status.success(), "lore {args:?}: {}", stderr(&o));
        assert_eq!(stderr(&o), "", "lore {args:?}");
    }
}

/// `lore parse` prints the pipeline's analysis as CoNLL-U: a `# text` line,
/// then one line per word with its lemma, tags, head and relation, and
/// entity spans in MISC. The same from an argument, a file and stdin.
#[test]
fn parse_prints_conllu_from_text_file_and_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("unused.db");
    let text = "The committee rejected the proposal on Friday.";
    let o = lore(&db, &["parse", text]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.starts_with("# sent_id = 1\n") || out.contains(&format!("# text = {text}")),
        "{out}"
    );
    let rows: Vec<Vec<&str>> = out
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| l.split('\t').collect())
        .collect();
    assert_eq!(rows.len(), 8, "seven words and the period: {out}");
    assert!(rows.iter().all(|r| r.len() == 10), "ten columns: {out}");
    let verb = rows.iter().find(|r| r[1] == "rejected").unwrap();
    assert_eq!(
        (verb[2], verb[3], verb[6], verb[7]),
        ("reject", "VERB", "0", "root"),
        "{out}"
    );
    let subject = rows.iter().find(|r| r[1] == "committee").unwrap();
    assert_eq!((subject[6], subject[7]), (verb[0], "nsubj"), "{out}");
    assert!(!db.exists(), "parse never opens a store");

    let file = dir.path().join("a.txt");
    std::fs::write(&file, text).unwrap();
    let from_file = lore(&db, &["parse", "--file", file.to_str().unwrap()]);
    assert_eq!(stdout(&from_file), out);
    let mut child = lore_command(&db, &["parse", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let from_stdin = child.wait_with_output().unwrap();
    assert_eq!(stdout(&from_stdin), out);

    let missing = lore(&db, &["parse", "--file", "no/such/file.txt"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        stderr(&missing).contains("no/such/file.txt"),
        "{}",
        stderr(&missing)
    );
    let empty = lore(&db, &["parse", ""]);
    assert!(empty.status.success());
    assert_eq!(stdout(&empty), "");
}

/// `lore ARGS` on `db` as a user who may read the store but not write it:
/// as root, another user (setpriv, util-linux); otherwise this user, with
/// the store's files made read-only.
fn lore_as_reader(db: &Path, args: &[&str]) -> Output {
    let uid = Command::new("id").arg("-u").output().expect("id runs");
    if stdout(&uid).trim() == "0" {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(env!("CARGO_BIN_EXE_lore"))
            .arg("--db")
            .arg(db)
            .args(args)
            .env_remove("LORE_DB")
            .stdin(Stdio::null());
        c.output()
            .expect("setpriv (util-linux) runs lore as another user")
    } else {
        lore(db, args)
    }
}

#[test]
fn a_store_the_user_may_only_read_opens_for_reading() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let db = full_store(dir.path());
    let export = stdout(&lore(&db, &["export"]));
    let mode =
        |p: &Path, m: u32| std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
    // Readable by all, writable by none: the tempdir is private otherwise.
    mode(dir.path(), 0o755);
    for entry in walkdir::WalkDir::new(&db) {
        let entry = entry.unwrap();
        mode(
            entry.path(),
            if entry.file_type().is_dir() {
                0o555
            } else {
                0o444
            },
        );
    }
    let o = lore_as_reader(&db, &["stats"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("documents  5"), "{}", stdout(&o));
    assert!(
        stdout(&o).contains(db.to_str().unwrap()),
        "names the store, not a copy: {}",
        stdout(&o)
    );
    let o = lore_as_reader(&db, &["export"]);
    assert_eq!(stdout(&o), export, "{}", stderr(&o));
    let o = lore_as_reader(&db, &["check"]);
    assert!(
        stdout(&o).contains("ok: no problems found"),
        "{}{}",
        stdout(&o),
        stderr(&o)
    );
    // Writing is refused in one plain sentence, exit 1.
    let o = lore_as_reader(&db, &["ingest", articles().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("permission denied"), "{}", stderr(&o));
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
    for entry in walkdir::WalkDir::new(&db) {
        let entry = entry.unwrap();
        mode(
            entry.path(),
            if entry.file_type().is_dir() {
                0o755
            } else {
                0o644
            },
        );
    }
    assert_eq!(stdout(&lore(&db, &["export"])), export, "the store changed");
}

//! `lore run` end to end: the real binary on script files and stdin.
//!
//! Scripts here use meta-commands, whose behaviour does not depend on the
//! query engine; where a statement is needed, the assertion holds for any
//! engine (an error in a statement is reported at the statement's line).

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn lore(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_lore"));
    c.current_dir(dir)
        .env_remove("LORE_DB")
        .env("NO_COLOR", "1")
        .arg("--db")
        .arg(dir.join("db"));
    c
}

fn run(dir: &Path, args: &[&str]) -> Output {
    lore(dir).args(args).stdin(Stdio::null()).output().unwrap()
}

fn run_with_stdin(dir: &Path, args: &[&str], input: &str) -> Output {
    let mut child = lore(dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn script(dir: &Path, name: &str, body: &str) -> String {
    std::fs::write(dir.join(name), body).unwrap();
    name.to_string()
}

#[test]
fn the_first_error_stops_the_run_with_file_line_col_and_a_caret() {
    let dir = tempfile::tempdir().unwrap();
    let s = script(
        dir.path(),
        "s.lore",
        ".mode csv\n.limit 5\n  .mdoe x\n.stats\n",
    );
    let out = run(dir.path(), &["run", &s]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.starts_with(
            "s.lore:3:3: error: unknown command `.mdoe`\n  |\n3 |   .mdoe x\n  |   ^^^^^\n"
        ),
        "{err}"
    );
    assert!(err.contains("did you mean `.mode`?"), "{err}");
    assert!(
        !text(&out.stdout).contains("documents"),
        "stopped before .stats"
    );
}

#[test]
fn keep_going_reports_every_error_and_exits_non_zero_at_the_end() {
    let dir = tempfile::tempdir().unwrap();
    let s = script(dir.path(), "s.lore", ".mode xml\n.stats\n.limit none\n");
    let out = run(dir.path(), &["run", "--keep-going", &s]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("s.lore:1:7: error: unknown mode `xml`"),
        "{err}"
    );
    assert!(
        err.contains("s.lore:3:8: error: expected a number"),
        "{err}"
    );
    assert!(err.contains("lore: 2 errors"), "{err}");
    assert!(
        text(&out.stdout).contains("0 documents"),
        "{}",
        text(&out.stdout)
    );
}

/// An article `.ingest` refuses is an error of the script, as it is of
/// `lore ingest`: the script stops there (exit 1) unless `--keep-going`,
/// which runs the rest and still exits 1; the good articles are stored.
#[test]
fn an_article_ingest_refuses_fails_the_script() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.txt"), b"\x00\x01 not text").unwrap();
    std::fs::write(
        dir.path().join("good.txt"),
        "Talks\n\nAnn Lee met Bob Stone in Paris on Monday.\n",
    )
    .unwrap();
    let s = script(dir.path(), "s.lore", ".ingest good.txt bad.txt\n.stats\n");
    let out = run(dir.path(), &["run", &s]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(err.contains("bad.txt") && err.contains("1 failed"), "{err}");
    assert!(
        !text(&out.stdout).contains("documents"),
        "stopped before .stats: {}",
        text(&out.stdout)
    );
    let out = run(dir.path(), &["run", "--keep-going", &s]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("1 document"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn a_statement_error_is_reported_at_its_line_in_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let s = script(
        dir.path(),
        "q.lore",
        "-- a character no query uses\n.mode csv\n\n   Blinken met @who;\n",
    );
    let out = run(dir.path(), &["run", &s]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.starts_with("q.lore:4:"), "{err}");
    assert!(err.contains("4 |    Blinken met @who;"), "{err}");
}

#[test]
fn check_parses_without_running_or_opening_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let arts = dir.path().join("arts");
    std::fs::create_dir(&arts).unwrap();
    std::fs::write(arts.join("a.txt"), "T\n\nAnn Lee met Bob Stone.").unwrap();
    let good = script(dir.path(), "good.lore", ".ingest arts\n.mode json\n");
    let out = run(dir.path(), &["run", "--check", &good]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(!dir.path().join("db").exists(), "--check ran the .ingest");

    let bad = script(
        dir.path(),
        "bad.lore",
        ".ingest arts\n.mode jsn\n.timer maybe\n",
    );
    let out = run(dir.path(), &["run", "--check", &bad]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("bad.lore:2:7: error: unknown mode `jsn`"),
        "{err}"
    );
    assert!(
        err.contains("bad.lore:3:8: error: expected `on` or `off`"),
        "{err}"
    );
    assert!(!dir.path().join("db").exists());
}

#[test]
fn dash_reads_the_script_from_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_with_stdin(dir.path(), &["run", "-"], ".stats\n.bogus\n");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).contains("0 documents"));
    assert!(
        text(&out.stderr).starts_with("stdin:2:1: error: unknown command `.bogus`"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn lore_without_a_subcommand_runs_piped_stdin_as_a_script() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_with_stdin(dir.path(), &[], ".limit 3\n.limit\n.stats\n");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("limit: 3 rows"), "{stdout}");
    assert!(stdout.contains("0 documents"), "{stdout}");
    assert!(
        !stdout.contains("lore>"),
        "no prompt when not on a terminal"
    );
}

#[test]
fn scripts_run_in_order_and_quit_ends_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let a = script(dir.path(), "a.lore", ".stats\n.quit\n.bogus\n");
    let b = script(dir.path(), "b.lore", ".bogus\n");
    let out = run(dir.path(), &["run", &a, &b]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("0 documents"));
}

#[test]
fn a_missing_or_binary_script_is_a_user_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), &["run", "nope.lore"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("nope.lore: no such script"),
        "{}",
        text(&out.stderr)
    );
    std::fs::write(dir.path().join("bin.lore"), [0xff, 0xfe, 0x00]).unwrap();
    let out = run(dir.path(), &["run", "bin.lore"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("not UTF-8"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn meta_commands_in_a_script_ingest_export_and_read() {
    let dir = tempfile::tempdir().unwrap();
    let arts = dir.path().join("arts");
    std::fs::create_dir(&arts).unwrap();
    std::fs::write(arts.join("a.txt"), "T\n\nAnn Lee met Bob Stone in Paris.").unwrap();
    script(dir.path(), "inner.lore", ".export out.jsonl\n");
    let s = script(
        dir.path(),
        "s.lore",
        ".ingest arts\n.read inner.lore\n.stats\n",
    );
    let out = run(dir.path(), &["run", &s]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // Progress and summaries go to stderr, so stdout holds only results.
    assert!(text(&out.stderr).contains("1 document: 1 added"));
    assert!(
        text(&out.stdout).contains("1 document,"),
        "{}",
        text(&out.stdout)
    );
    let export = std::fs::read_to_string(dir.path().join("out.jsonl")).unwrap();
    assert!(export.contains("\"type\":\"document\""));
}

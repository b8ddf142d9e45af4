//! The REPL end to end: the real `lore` binary in a pseudo-terminal, driven
//! by keystrokes (typing, Tab, Enter, Ctrl-C, Ctrl-D) while the test reads
//! the screen.
//!

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use expectrl::{Eof, Session, WaitStatus};

const CTRL_C: &str = "\x03";
const CTRL_D: &str = "\x04";
const UP: &str = "\x1b[A";
const RIGHT: &str = "\x1b[C";

/// Two people and two facts, written in the stable JSONL schema so that the
/// test does not depend on what the extractor finds in a text.
const FACTS: &str = r#"{"type":"document","id":0,"title":"Talks","origin":"talks.txt","published":null,"byline":null,"dateline":null,"hash":"4262644305d908db70ed207d0548ca1ef54afdf84beda728b9b94455c88b7f47"}
{"type":"entity","id":0,"name":"Sergey Lavrov","kind":"person","aliases":["Lavrov"]}
{"type":"entity","id":1,"name":"Antony Blinken","kind":"person","aliases":["Blinken"]}
{"type":"fact","id":0,"subject":"Antony Blinken","relation":"meet","relation_text":"met","object":"Sergey Lavrov","qualifiers":{},"polarity":"positive","sources":[{"doc":0,"sentence":"Blinken met Lavrov.","span":[0,19]}],"confidence":0.6}
{"type":"fact","id":1,"subject":"Antony Blinken","relation":"hold talks with","relation_text":"held talks with","object":"Sergey Lavrov","qualifiers":{},"polarity":"positive","sources":[{"doc":0,"sentence":"Blinken held talks with Lavrov.","span":[20,50]}],"confidence":0.6}
"#;

fn lore() -> Command {
    Command::new(env!("CARGO_BIN_EXE_lore"))
}

/// Starts `lore` on the store `dir/db` in a pseudo-terminal, colour off
/// unless `env` says otherwise (an empty value removes the variable).
fn start(dir: &Path, env: &[(&str, &str)]) -> Session {
    start_with(dir, &[], env)
}

/// [`start`] with more arguments after `--db`.
fn start_with(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Session {
    start_seeing_with(dir, args, env).0
}

/// [`start_with`], and the first screen, up to the prompt.
fn start_seeing_with(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (Session, String) {
    let mut cmd = lore();
    cmd.arg("--db")
        .arg(dir.join("db"))
        .env("LORE_HISTORY", dir.join("history"))
        // The user's own ~/.lorerc stays out of the tests.
        .env("HOME", dir)
        .env("TERM", "xterm")
        .env("NO_COLOR", "1")
        .env_remove("COLUMNS")
        .env_remove("LORE_DB")
        .args(args);
    for (k, v) in env {
        if v.is_empty() {
            cmd.env_remove(k);
        } else {
            cmd.env(k, v);
        }
    }
    let mut s = Session::spawn(cmd).expect("spawn lore in a pty");
    s.set_expect_timeout(Some(Duration::from_secs(30)));
    let first = screen_until(&mut s, "lore> ");
    (s, first)
}

/// [`start`], and the first screen, up to the prompt.
fn start_seeing(dir: &Path) -> (Session, String) {
    start_seeing_with(dir, &[], &[])
}

fn with_facts(dir: &Path) {
    let file = dir.join("facts.jsonl");
    std::fs::write(&file, FACTS).unwrap();
    let out = lore()
        .arg("--db")
        .arg(dir.join("db"))
        .arg("import")
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn quits_cleanly(mut s: Session) {
    s.expect(Eof).unwrap();
    match s.get_process().wait().unwrap() {
        WaitStatus::Exited(_, code) => assert_eq!(code, 0),
        other => panic!("lore ended with {other:?}"),
    }
}

/// Waits for the prompt (before it the terminal is not in raw mode, and
/// Ctrl-C or Ctrl-D would be read by the terminal driver), then presses Ctrl-D.
fn quit(mut s: Session) {
    s.expect("lore> ").unwrap();
    s.send(CTRL_D).unwrap();
    quits_cleanly(s);
}

/// Everything on the screen until `needle`, as text.
fn screen_until(s: &mut Session, needle: &str) -> String {
    let c = s
        .expect(needle)
        .unwrap_or_else(|e| panic!("waiting for {needle:?}: {e}"));
    String::from_utf8_lossy(c.before()).into_owned()
}

#[test]
fn the_first_screen_on_an_empty_store_says_how_to_ingest_the_samples() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = lore();
    cmd.arg("--db")
        .arg(dir.path().join("db"))
        .env("LORE_HISTORY", dir.path().join("history"))
        .env("TERM", "xterm")
        .env("NO_COLOR", "1");
    let mut s = Session::spawn(cmd).unwrap();
    s.set_expect_timeout(Some(Duration::from_secs(30)));
    let first = screen_until(&mut s, "lore> ");
    assert!(first.contains("The store is empty"), "{first}");
    assert!(first.contains(".ingest data/articles"), "{first}");
    s.send_line(".quit").unwrap();
    quits_cleanly(s);
}

#[test]
fn the_first_screen_on_a_full_store_shows_counts_and_three_examples() {
    let dir = tempfile::tempdir().unwrap();
    with_facts(dir.path());
    let mut cmd = lore();
    cmd.arg("--db")
        .arg(dir.path().join("db"))
        .env("LORE_HISTORY", dir.path().join("history"))
        .env("TERM", "xterm")
        .env("NO_COLOR", "1");
    let mut s = Session::spawn(cmd).unwrap();
    s.set_expect_timeout(Some(Duration::from_secs(30)));
    let first = screen_until(&mut s, "lore> ");
    assert!(first.contains("1 document, 2 entities, 2 facts"), "{first}");
    let examples: Vec<&str> = first
        .lines()
        .filter(|l| l.starts_with("    "))
        .map(str::trim)
        .collect();
    assert_eq!(examples.len(), 3, "{first}");
    assert!(
        examples.contains(&"describe \"Antony Blinken\";"),
        "{first}"
    );
    // The prompt is on screen, so Ctrl-D is a key for the editor.
    s.send(CTRL_D).unwrap();
    quits_cleanly(s);
}

#[test]
fn help_lists_the_meta_commands_and_settings_answer_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = start(dir.path(), &[]);
    s.send_line(".help").unwrap();
    let help = screen_until(&mut s, "lore> ");
    for cmd in [
        ".mode", ".timer", ".limit", ".ingest", ".read", ".stats", ".open", ".export", ".output",
        ".once", ".headers", ".pager", ".width", ".shell", ".import", ".quit",
    ] {
        assert!(help.contains(cmd), "{cmd} missing from\n{help}");
    }
    s.send_line(".mode csv").unwrap();
    s.expect("mode: csv").unwrap();
    s.send_line(".timer on").unwrap();
    s.expect("timer: on").unwrap();
    s.send_line(".limit 5").unwrap();
    s.expect("limit: 5 rows").unwrap();
    // A tour line pasted with its comment.
    s.send_line(".limit 7   -- fewer rows").unwrap();
    s.expect("limit: 7 rows").unwrap();
    s.send_line(".mdoe json").unwrap();
    s.expect("did you mean `.mode`?").unwrap();
    s.send_line(".stats").unwrap();
    s.expect("0 documents").unwrap();
    s.send_line(".quit").unwrap();
    quits_cleanly(s);
}

#[test]
fn the_start_up_file_sets_the_shell_up_unless_no_rc() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".lorerc"),
        ".mode csv   -- machine-readable by default\n.limit 12\n",
    )
    .unwrap();
    let mut s = start(dir.path(), &[]);
    s.send_line(".mode").unwrap();
    s.expect("mode: csv").unwrap();
    s.send_line(".limit").unwrap();
    s.expect("limit: 12 rows").unwrap();
    quit(s);

    // --init FILE instead, and --no-rc for none.
    let other = dir.path().join("other.lore");
    std::fs::write(&other, ".mode line\n").unwrap();
    let mut s = start_with(dir.path(), &["--init", other.to_str().unwrap()], &[]);
    s.send_line(".mode").unwrap();
    s.expect("mode: line").unwrap();
    quit(s);
    let mut s = start_with(dir.path(), &["--no-rc"], &[]);
    s.send_line(".mode").unwrap();
    s.expect("mode: table").unwrap();
    quit(s);
}

#[test]
fn tab_completes_meta_commands_and_their_arguments() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = start(dir.path(), &[]);
    // The shell starts with a time budget per statement.
    s.send(".timeout\r").unwrap();
    s.expect("timeout: 60 s per statement").unwrap();
    // ".timeo" has one completion (".tim" has two: .timer, .timeout); the
    // screen answers only if ".timeout" was completed.
    s.send(".timeo\t").unwrap();
    s.send(" 5\r").unwrap();
    s.expect("timeout: 5 s per statement").unwrap();
    s.send(".mode c\t\r").unwrap();
    s.expect("mode: csv").unwrap();
    s.expect("lore> ").unwrap();
    s.send(".help que\t\r").unwrap();
    s.expect("A statement ends with `;`").unwrap();
    quit(s);
}

#[test]
fn tab_lists_several_entities_with_their_kind_most_mentioned_first() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("people.jsonl");
    let fact = |s: &str, o: &str| {
        format!(
            "{{\"subject\":\"{s}\",\"subject_kind\":\"person\",\"relation\":\"met\",\"object\":\"{o}\"}}\n"
        )
    };
    let lines = [
        fact("Annika Berg", "Carl Dahl"),
        fact("Annika Berg", "Eva Falk"),
        fact("Annika Berg", "Gus Holm"),
        fact("Anders Lee", "Carl Dahl"),
    ]
    .concat();
    std::fs::write(&file, lines).unwrap();
    let o = lore()
        .arg("--db")
        .arg(dir.path().join("db"))
        .arg("import")
        .arg(&file)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut s = start(dir.path(), &[]);
    s.send("describe An\t\t").unwrap();
    let before = screen_until(&mut s, "Anders Lee (person, #");
    assert!(before.contains("Annika Berg (person, #"), "{before}");
    s.send("\x03").unwrap();
    s.expect("lore> ").unwrap();
    quit(s);
}

#[test]
fn tab_completes_entity_names_from_the_store_quoted_when_they_have_spaces() {
    let dir = tempfile::tempdir().unwrap();
    with_facts(dir.path());
    let mut s = start(dir.path(), &[]);
    // The editor redraws the line after Tab, so the screen shows what it
    // holds whatever the query answers. `.mode` then proves we are back.
    s.send("descr\t Antony\t;\r").unwrap();
    s.expect("describe \"Antony Blinken\"").unwrap();
    s.expect("Antony Blinken (#").unwrap();
    s.send_line(".mode").unwrap();
    s.expect("mode: table").unwrap();
    s.expect("lore> ").unwrap();
    // A surname and the full name are one entity: Tab inserts its name.
    s.send("describe Lav\t;\r").unwrap();
    s.expect("describe \"Sergey Lavrov\"").unwrap();
    s.expect("Sergey Lavrov (#").unwrap();
    // Relation phrases too, found by a word that is not their first.
    s.send("Blinken talks\t Lavrov;\r").unwrap();
    s.expect("Blinken \"hold talks with\"").unwrap();
    s.expect("(1 row").unwrap();
    quit(s);
}

#[test]
fn input_continues_until_a_semicolon_and_shows_that_it_does() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = start(dir.path(), &[]);
    s.send("Blinken met\r").unwrap();
    s.expect("-- continues: end with ;").unwrap();
    s.send("?who;\r").unwrap();
    s.expect("lore> ").unwrap();
    // An open quote keeps the input open even on a blank line.
    s.send("\"Paul Wh\r").unwrap();
    s.expect("a quote is open").unwrap();
    s.send("\r").unwrap();
    s.expect("a quote is open").unwrap();
    s.send("elan\" met ?x;\r").unwrap();
    s.expect("lore> ").unwrap();
    s.send_line(".mode").unwrap();
    s.expect("mode: table").unwrap();
    quit(s);
}

#[test]
fn ctrl_c_on_an_empty_line_explains_how_to_quit_and_ctrl_d_quits() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = start(dir.path(), &[]);
    s.send(CTRL_C).unwrap();
    s.expect("(to leave, type .quit or press Ctrl-D)").unwrap();
    // Type only once the editor is back: before that the terminal is not
    // in raw mode and Ctrl-C would be a signal, not a key.
    s.expect("lore> ").unwrap();
    // On a line with text, Ctrl-C only drops the text.
    s.send(".mode csv").unwrap();
    s.expect("csv").unwrap();
    s.send(CTRL_C).unwrap();
    s.expect("lore> ").unwrap();
    s.send_line(".mode").unwrap();
    let shown = screen_until(&mut s, "mode: table");
    assert!(!shown.contains("to leave"), "{shown}");
    quit(s);
}

/// Many small articles, so that an ingest takes long enough to interrupt.
fn articles(dir: &Path, n: usize) -> PathBuf {
    let arts = dir.join("many");
    std::fs::create_dir_all(&arts).unwrap();
    for i in 0..n {
        std::fs::write(
            arts.join(format!("a{i:04}.txt")),
            format!("Report {i}\n\nAnn Lee{i} met Bob Stone{i} in Paris on Monday.\n"),
        )
        .unwrap();
    }
    arts
}

#[test]
fn ctrl_c_stops_a_running_ingest_and_returns_to_the_prompt() {
    let dir = tempfile::tempdir().unwrap();
    let arts = articles(dir.path(), 3000);
    let mut s = start(dir.path(), &[]);
    s.send_line(format!(".ingest {}", arts.display())).unwrap();
    // The editor leaves raw mode (bracketed paste off) when it hands the line
    // over; from then on Ctrl-C is a signal, which is what this test is about.
    s.expect("\x1b[?2004l").unwrap();
    std::thread::sleep(Duration::from_millis(300));
    s.send(CTRL_C).unwrap();
    let shown = screen_until(&mut s, "cancelled after ");
    assert!(!shown.contains("3000 documents"), "{shown}");
    s.expect("lore> ").unwrap();
    // lore is still there and the store holds whole articles only.
    s.send_line(".stats").unwrap();
    let stats = screen_until(&mut s, " entities");
    assert!(!stats.contains("3000 documents"), "{stats}");
    quit(s);
}

#[test]
fn history_is_kept_between_sessions_and_recalled_with_up() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = start(dir.path(), &[]);
    s.send_line(".limit 7").unwrap();
    s.expect("limit: 7 rows").unwrap();
    quit(s);
    let saved = std::fs::read_to_string(dir.path().join("history")).unwrap();
    assert!(saved.contains(".limit 7"), "{saved}");

    let mut s = start(dir.path(), &[]);
    s.send(UP).unwrap();
    s.send("\r").unwrap();
    s.expect("limit: 7 rows").unwrap();
    s.expect("lore> ").unwrap();
    // Ctrl-R searches the history.
    s.send("\x12imit").unwrap();
    s.expect("`imit'").unwrap();
    s.send("\r").unwrap();
    s.expect("limit: 7 rows").unwrap();
    s.expect("lore> ").unwrap();
    // The grey hint completes from history; Right arrow accepts it.
    s.send(".li").unwrap();
    s.expect("mit 7").unwrap();
    s.send(RIGHT).unwrap();
    s.send("\r").unwrap();
    s.expect("limit: 7 rows").unwrap();
    quit(s);
}

#[test]
fn an_unwritable_history_file_is_a_warning_not_a_failure() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "").unwrap();
    let history = file.join("history"); // a path under a regular file
    let history = history.to_str().unwrap();
    let mut cmd = lore();
    cmd.arg("--db")
        .arg(dir.path().join("db"))
        .env("LORE_HISTORY", history)
        .env("TERM", "xterm")
        .env("NO_COLOR", "1");
    let mut s = Session::spawn(cmd).unwrap();
    s.set_expect_timeout(Some(Duration::from_secs(30)));
    s.expect("warning: history will not be saved").unwrap();
    s.expect("lore> ").unwrap();
    s.send_line(".timer on").unwrap();
    s.expect("timer: on").unwrap();
    quit(s);
}

#[test]
fn meta_commands_are_highlighted_unless_no_color_is_set() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = start(dir.path(), &[("NO_COLOR", "")]);
    s.send(".mode").unwrap();
    s.expect("\x1b[1;36m.mode").unwrap();
    s.send(" csv\r").unwrap();
    s.expect("mode: csv").unwrap();
    s.expect("lore> ").unwrap();
    s.send(".mdoe\r").unwrap();
    s.expect("\x1b[1;31merror:\x1b[0m unknown command").unwrap();
    quit(s);

    let mut s = start(dir.path(), &[]);
    s.send(".mode csv\r").unwrap();
    let shown = screen_until(&mut s, "mode: csv");
    assert!(!shown.contains("\x1b[1;36m"), "{shown:?}");
    quit(s);
}

#[test]
fn read_and_ingest_and_open_work_from_the_prompt() {
    let dir = tempfile::tempdir().unwrap();
    let arts = articles(dir.path(), 2);
    let script = dir.path().join("s.lore");
    std::fs::write(&script, ".mode json\n.bogus\n").unwrap();
    let mut s = start(dir.path(), &[]);
    s.send_line(format!(".ingest {}", arts.display())).unwrap();
    s.expect("2 documents: 2 added").unwrap();
    s.send_line(format!(".read {}", script.display())).unwrap();
    s.expect("s.lore:2:1: error: unknown command `.bogus`")
        .unwrap();
    s.send_line(".mode").unwrap();
    s.expect("mode: json").unwrap();
    s.send_line(format!(".open {}", dir.path().join("other").display()))
        .unwrap();
    s.expect("0 documents").unwrap();
    quit(s);
}

/// A result too wide for a 40-column terminal prints one record per row,
/// with the row count and the time in the footer.
#[test]
fn results_fit_the_terminal_width_with_a_footer() {
    let dir = tempfile::tempdir().unwrap();
    with_facts(dir.path());
    let mut s = start(dir.path(), &[]);
    s.get_process_mut().set_window_size(40, 24).unwrap();
    s.send_line(".timer on").unwrap();
    // Typed-ahead input is discarded when the editor enters raw mode, so
    // the next line waits for the prompt.
    s.expect("timer: on").unwrap();
    s.expect("lore> ").unwrap();
    s.send("why Blinken met Lavrov;\r").unwrap();
    let shown = screen_until(&mut s, " in ");
    // Too wide for a table at 40 columns: one `name = value` line each.
    let cells: Vec<&str> = shown.lines().filter(|l| l.contains(" = ")).collect();
    assert!(
        cells
            .iter()
            .any(|l| l.contains("sentence = Blinken met Lavrov.")),
        "{shown}"
    );
    for line in cells {
        assert!(line.trim_end().chars().count() <= 40, "{line:?}");
    }
    assert!(shown.contains("(1 row"), "{shown}");
    quit(s);
}

#[test]
fn a_terminal_resized_at_the_prompt_gets_answers_at_its_new_width() {
    let dir = tempfile::tempdir().unwrap();
    with_facts(dir.path());
    let mut s = start(dir.path(), &[]);
    // Wide for one statement, then narrowed while the prompt waits: the
    // very next answer fits the new width.
    s.get_process_mut().set_window_size(160, 24).unwrap();
    s.send_line(".mode").unwrap();
    s.expect("mode: table").unwrap();
    s.expect("lore> ").unwrap();
    s.get_process_mut().set_window_size(40, 24).unwrap();
    s.send("why Blinken met Lavrov;\r").unwrap();
    let shown = screen_until(&mut s, "(1 row");
    let cells: Vec<&str> = shown.lines().filter(|l| l.contains(" = ")).collect();
    assert!(!cells.is_empty(), "{shown}");
    for line in cells {
        assert!(line.trim_end().chars().count() <= 40, "{line:?}");
    }
    quit(s);
}

#[test]
fn pager_on_shows_answers_through_the_pager() {
    let dir = tempfile::tempdir().unwrap();
    with_facts(dir.path());
    // A pager that marks every line it shows.
    let mut s = start(dir.path(), &[("PAGER", "sed 's/^/paged: /'")]);
    s.send_line(".pager on").unwrap();
    s.expect("pager: on").unwrap();
    s.expect("lore> ").unwrap();
    s.send("Blinken met ?who;\r").unwrap();
    s.expect("paged: who").unwrap();
    s.expect("paged: (1 row").unwrap();
    s.expect("lore> ").unwrap();
    s.send_line(".pager off").unwrap();
    s.expect("pager: off").unwrap();
    s.expect("lore> ").unwrap();
    s.send("Blinken met ?who;\r").unwrap();
    let shown = screen_until(&mut s, "(1 row");
    assert!(!shown.contains("paged:"), "{shown}");
    quit(s);
}

/// `classify` marks keywords, names and variables.
#[test]
fn keywords_names_and_variables_are_highlighted() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = start(dir.path(), &[("NO_COLOR", "")]);
    // Ctrl-L redraws the whole line: how keys typed ahead are drawn one by
    // one depends on timing (a loaded machine delivers them in one read).
    s.send("describe ?x\x0c").unwrap();
    s.expect("\x1b[1;34mdescribe").unwrap();
    s.expect("\x1b[35m?x").unwrap();
    // Ctrl-U empties the line (the redraw printed prompts `quit` would
    // take for a fresh one), then Ctrl-D leaves.
    s.send("\x15").unwrap();
    s.send(CTRL_D).unwrap();
    quits_cleanly(s);
}

#[test]
fn graph_completes_the_name_and_writes_the_picture() {
    let dir = tempfile::tempdir().unwrap();
    with_facts(dir.path());
    let mut s = start(dir.path(), &[]);
    let file = dir.path().join("blinken.svg");
    // Tab turns "Antony" into the quoted full name; the file follows it.
    s.send(format!(".graph Antony\t {}\r", file.display()))
        .unwrap();
    s.expect(".graph \"Antony Blinken\"").unwrap();
    s.expect("wrote ").unwrap();
    s.expect("open it in a browser").unwrap();
    let svg = std::fs::read_to_string(&file).unwrap();
    assert!(
        svg.starts_with("<svg") && svg.contains("Sergey Lavrov"),
        "{svg}"
    );
    s.send_line(".help").unwrap();
    s.expect(".graph NAME [FILE] [--depth N]").unwrap();
    quit(s);
}

#[test]
fn other_commands_read_the_store_through_the_open_shell() {
    let dir = tempfile::tempdir().unwrap();
    with_facts(dir.path());
    let db = dir.path().join("db");
    let run = |args: &[&str]| lore().arg("--db").arg(&db).args(args).output().unwrap();
    let alone = run(&["export"]);
    assert!(alone.status.success());
    let mut s = start(dir.path(), &[]);
    // The shell holds the store; reads from another process go through it.
    let stats = run(&["stats"]);
    let text = String::from_utf8_lossy(&stats.stdout);
    assert!(
        stats.status.success(),
        "{}",
        String::from_utf8_lossy(&stats.stderr)
    );
    assert!(text.contains("facts      2"), "{text}");
    let q = run(&["query", "--format", "csv", "Blinken met ?who;"]);
    assert!(q.status.success(), "{}", String::from_utf8_lossy(&q.stderr));
    assert!(String::from_utf8_lossy(&q.stdout).contains("Sergey Lavrov"));
    // A bad query is located as when the store is opened directly.
    let bad = run(&["query", "Blinken mett ?who;"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("query:1:9"));
    let exported = run(&["export"]);
    assert!(exported.status.success());
    assert_eq!(exported.stdout, alone.stdout);
    // The timeline and the picture of an entity too, to stdout or a file.
    let t = run(&["timeline", "--format", "csv", "Lavrov"]);
    assert!(t.status.success(), "{}", String::from_utf8_lossy(&t.stderr));
    let dot = dir.path().join("lavrov.dot");
    let g = run(&["graph", "Lavrov", "-o", dot.to_str().unwrap()]);
    assert!(g.status.success(), "{}", String::from_utf8_lossy(&g.stderr));
    assert!(
        std::fs::read_to_string(&dot)
            .unwrap()
            .contains("Sergey Lavrov")
    );
    let unknown = run(&["graph", "Lavorv"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("did you mean"));
    // Only the store's owner may use the socket.
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(db.join("lore.sock"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    // What the shell commits, the others see.
    let article = dir.path().join("article.txt");
    std::fs::write(
        &article,
        "Talks\n\nAnn Lee met Bob Stone in Oslo on Monday.\n",
    )
    .unwrap();
    s.send(format!(".ingest {}\r", article.display())).unwrap();
    s.expect("1 added").unwrap();
    let after = String::from_utf8_lossy(&run(&["stats"]).stdout).to_string();
    assert!(after.contains("documents  2"), "{after}");
    // An ingest from another process, with a relative path, queues behind
    // the shell's writer; a bad file is reported to that process.
    let other = dir.path().join("other.txt");
    std::fs::write(&other, "Visit\n\nCarl Ray visited Lima on Friday.\n").unwrap();
    let ingest = lore()
        .current_dir(dir.path())
        .arg("--db")
        .arg(&db)
        .args(["ingest", "other.txt"])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&ingest.stdout).to_string();
    assert!(
        ingest.status.success(),
        "{}",
        String::from_utf8_lossy(&ingest.stderr)
    );
    assert!(said.contains("1 added"), "{said}");
    let bad = run(&["ingest", dir.path().join("missing.txt").to_str().unwrap()]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("missing.txt"));
    s.send(".stats\r").unwrap();
    s.expect("3 documents").unwrap();
    // An import too: its own export again adds nothing (idempotent), and
    // a missing file is reported to the importing process.
    let export = dir.path().join("again.jsonl");
    std::fs::write(&export, run(&["export"]).stdout).unwrap();
    let import = run(&["import", export.to_str().unwrap()]);
    let said = String::from_utf8_lossy(&import.stdout).to_string();
    assert!(
        import.status.success(),
        "{}",
        String::from_utf8_lossy(&import.stderr)
    );
    assert!(said.contains("0 documents"), "{said}");
    let missing = run(&["import", dir.path().join("gone.jsonl").to_str().unwrap()]);
    assert_eq!(missing.status.code(), Some(1));
    quit(s);
    // The socket is gone with the shell, and the store opens directly.
    assert!(!db.join("lore.sock").exists());
    assert!(run(&["stats"]).status.success());
}

#[test]
fn a_second_shell_runs_through_the_shell_holding_the_store() {
    let dir = tempfile::tempdir().unwrap();
    with_facts(dir.path());
    let db = dir.path().join("db");
    let mut holder = start(dir.path(), &[]);
    let (mut s, first) = start_seeing(dir.path());
    assert!(first.contains("this shell runs through it"), "{first}");
    assert!(first.contains("lore.sock"), "{first}");
    // A statement's answer comes from the holder.
    s.send_line("Blinken met ?who;").unwrap();
    let answer = screen_until(&mut s, "(1 row)");
    assert!(answer.contains("Sergey Lavrov"), "{answer}");
    // Each line is typed at a prompt: input typed before it may be lost.
    s.expect("lore> ").unwrap();
    // Settings last from one input to the next.
    s.send_line(".mode csv").unwrap();
    s.expect("lore> ").unwrap();
    s.send_line("Blinken met ?who;").unwrap();
    s.expect("Sergey Lavrov,#0").unwrap();
    s.expect("lore> ").unwrap();
    s.send_line(".stats").unwrap();
    s.expect("2 facts").unwrap();
    s.expect("lore> ").unwrap();
    // A located error, as in a shell of its own.
    s.send_line("Blinken mett ?who;").unwrap();
    s.expect("input:1:9").unwrap();
    s.expect("lore> ").unwrap();
    // What needs a store of this process's own says so, and what to do.
    s.send_line(".open other.db").unwrap();
    let said = screen_until(&mut s, "open the store here");
    assert!(
        said.contains(".open is not available while another process holds the store"),
        "{said}"
    );
    assert!(
        said.contains(&db.join("lore.sock").display().to_string()),
        "{said}"
    );
    quit(s);
    // Statements piped to lore go through the holder too.
    let mut piped = lore()
        .arg("--db")
        .arg(&db)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = piped.stdin.take().unwrap();
        stdin.write_all(b"Blinken met ?who;\n").unwrap();
    }
    let done = piped.wait_with_output().unwrap();
    assert!(done.status.success());
    assert!(String::from_utf8_lossy(&done.stdout).contains("Sergey Lavrov"));
    // The holder's prompt was read by `start`; it has printed nothing since.
    holder.send(CTRL_D).unwrap();
    quits_cleanly(holder);
}

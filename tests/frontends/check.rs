//! `lore check` on good and damaged stores, with the real binary: a damaged
//! or truncated store file gives a clear error naming the store, never a
//! panic or a hang.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const LORE: &str = env!("CARGO_BIN_EXE_lore");

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs lore with a time limit: a hang fails the test instead of stalling CI.
fn lore(db: &Path, args: &[&str]) -> Run {
    let mut child = Command::new(LORE)
        .arg("--db")
        .arg(db)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("lore {args:?} on {} hung for 60 s", db.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = child.wait().unwrap();
    let mut stdout = String::new();
    let mut stderr = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    Run {
        code: status.code(),
        stdout,
        stderr,
    }
}

fn build_store(dir: &Path) -> PathBuf {
    let db = dir.join("news.db");
    let store = lore::Store::open(&db).unwrap();
    for i in 0..30 {
        let text = format!(
            "Round {i}\n\nAnn Lee met Bob Stone in Paris on Monday. Carl Ray visited Oslo with Dana Fox. Erin Holt criticized Ann Lee after vote {i}."
        );
        store.ingest_text(&text, &format!("a{i}.txt")).unwrap();
    }
    db
}

#[test]
fn a_clean_store_passes() {
    let tmp = tempfile::tempdir().unwrap();
    let db = build_store(tmp.path());
    let r = lore(&db, &["check"]);
    assert_eq!(r.code, Some(0), "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("ok: no problems found"), "{}", r.stdout);
    assert!(r.stdout.contains("facts"), "{}", r.stdout);
}

/// Every store file of a closed store, largest first.
fn store_files(db: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![db.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort_by_key(|p| std::cmp::Reverse(std::fs::metadata(p).unwrap().len()));
    out
}

/// The outcomes a user may see after damage: a clean check whose store
/// still exports exactly what the undamaged one did (the damage hit unused
/// bytes), or a non-zero exit with a message naming the store; never a Rust
/// panic, and never a clean check over a store that lost data. Returns
/// which of those it was, for the sweep's table.
fn assert_clear_outcome(db: &Path, what: &str, original: &str) -> &'static str {
    let mut clean = false;
    let mut outcome = "check clean, export identical";
    for args in [&["check"][..], &["stats"][..], &["export"][..]] {
        let r = lore(db, args);
        assert!(
            !r.stderr.contains("panicked"),
            "{what}: lore {args:?} panicked: {}",
            r.stderr
        );
        if args == ["check"] {
            clean = r.code == Some(0);
            if r.stdout.contains("damaged:") {
                outcome = "opens, check reports the damage";
            } else if r.stderr.contains("is damaged") {
                outcome = "refused at open as damaged";
            } else if r.stderr.contains("not a lore store") {
                outcome = "refused: not a store";
            } else if !clean {
                outcome = "other clear error";
            }
        }
        if args == ["export"] && clean {
            assert_eq!(
                r.code,
                Some(0),
                "{what}: clean check, failed export: {}",
                r.stderr
            );
            assert!(
                r.stdout == original,
                "{what}: `lore check` passed but the store lost data silently"
            );
        }
        if r.code != Some(0) {
            let named = r.stderr.contains(&db.display().to_string())
                || r.stdout.contains(&db.display().to_string());
            assert!(
                named,
                "{what}: lore {args:?} failed without naming the store: {}{}",
                r.stdout, r.stderr
            );
            assert!(
                r.stderr.contains("lore: error:") || r.stdout.contains("damaged"),
                "{what}: unclear failure: {}{}",
                r.stdout,
                r.stderr
            );
        }
    }
    outcome
}

/// Counts outcomes and prints them as a table row per outcome (for
/// BENCHMARKS.md; run with `--nocapture`).
#[derive(Default)]
struct Tally(std::collections::BTreeMap<&'static str, usize>);

impl Tally {
    fn add(&mut self, outcome: &'static str) {
        *self.0.entry(outcome).or_default() += 1;
    }
    fn print(&self, sweep: &str) {
        let total: usize = self.0.values().sum();
        for (outcome, n) in &self.0 {
            eprintln!("| {sweep} ({total} cases) | {outcome} | {n} |");
        }
    }
}

/// What the undamaged store exports.
fn export(db: &Path) -> String {
    let r = lore(db, &["export"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    r.stdout
}

#[test]
fn truncated_store_files_give_clear_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let good = build_store(tmp.path());
    let original = export(&good);
    let mut tally = Tally::default();
    for (i, file) in store_files(&good).into_iter().enumerate() {
        let len = std::fs::metadata(&file).unwrap().len();
        // 4096: one page of the log, which made sled panic on open.
        for keep in [0, 4096.min(len), len / 2, len.saturating_sub(7)] {
            let copy = tmp.path().join(format!("t{i}-{keep}"));
            copy_dir(&good, &copy);
            let target = copy.join(file.strip_prefix(&good).unwrap());
            let f = std::fs::OpenOptions::new()
                .write(true)
                .open(&target)
                .unwrap();
            f.set_len(keep).unwrap();
            drop(f);
            tally.add(assert_clear_outcome(
                &copy,
                &format!("{} truncated to {keep}", target.display()),
                &original,
            ));
        }
    }
    tally.print("truncated files");
}

#[test]
fn garbled_store_files_give_clear_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let good = build_store(tmp.path());
    let original = export(&good);
    let mut tally = Tally::default();
    let mut seed = 0x9e37_79b9_u64;
    for (i, file) in store_files(&good).into_iter().enumerate() {
        let len = std::fs::metadata(&file).unwrap().len();
        if len == 0 {
            continue;
        }
        for round in 0..4 {
            let copy = tmp.path().join(format!("g{i}-{round}"));
            copy_dir(&good, &copy);
            let target = copy.join(file.strip_prefix(&good).unwrap());
            let mut bytes = std::fs::read(&target).unwrap();
            for _ in 0..8 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let at = (seed % len) as usize;
                bytes[at] ^= 0x5a | (seed >> 32) as u8;
            }
            std::fs::write(&target, bytes).unwrap();
            tally.add(assert_clear_outcome(
                &copy,
                &format!("{} garbled (round {round})", target.display()),
                &original,
            ));
        }
    }
    tally.print("8 random bytes changed");
}

#[test]
fn zeroed_pages_and_removed_files_never_lose_data_silently() {
    let tmp = tempfile::tempdir().unwrap();
    let good = build_store(tmp.path());
    let original = export(&good);
    let mut cases = 0;
    let (mut zeroed, mut random, mut removed) =
        (Tally::default(), Tally::default(), Tally::default());
    for (i, file) in store_files(&good).into_iter().enumerate() {
        let len = std::fs::metadata(&file).unwrap().len();
        let rel = file.strip_prefix(&good).unwrap().to_path_buf();
        // A 4 KiB page of zeros at the start and at four points after it.
        for at in [0, len / 5, 2 * len / 5, 3 * len / 5, 4 * len / 5] {
            let copy = tmp.path().join(format!("z{i}-{at}"));
            copy_dir(&good, &copy);
            let mut bytes = std::fs::read(copy.join(&rel)).unwrap();
            let end = (at as usize + 4096).min(bytes.len());
            bytes[at as usize..end].fill(0);
            std::fs::write(copy.join(&rel), bytes).unwrap();
            zeroed.add(assert_clear_outcome(
                &copy,
                &format!("{} zeroed at {at}", rel.display()),
                &original,
            ));
            cases += 1;
        }
        // A 4 KiB page of random bytes, half and three quarters in.
        for at in [len / 2, 3 * len / 4] {
            let copy = tmp.path().join(format!("p{i}-{at}"));
            copy_dir(&good, &copy);
            let mut bytes = std::fs::read(copy.join(&rel)).unwrap();
            let end = (at as usize + 4096).min(bytes.len());
            let mut seed = 0x2545_f491_4f6c_dd1d_u64 ^ at;
            for b in &mut bytes[at as usize..end] {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                *b = (seed >> 24) as u8;
            }
            std::fs::write(copy.join(&rel), bytes).unwrap();
            random.add(assert_clear_outcome(
                &copy,
                &format!("{} random page at {at}", rel.display()),
                &original,
            ));
            cases += 1;
        }
        let copy = tmp.path().join(format!("r{i}"));
        copy_dir(&good, &copy);
        std::fs::remove_file(copy.join(&rel)).unwrap();
        removed.add(assert_clear_outcome(
            &copy,
            &format!("{} removed", rel.display()),
            &original,
        ));
        cases += 1;
    }
    zeroed.print("4 KiB zeroed");
    random.print("4 KiB of random bytes");
    removed.print("file removed");
    assert!(cases >= 32, "only {cases} damages tried");
}

#[test]
fn a_zeroed_log_head_is_damage_not_a_new_empty_store() {
    let tmp = tempfile::tempdir().unwrap();
    let db = build_store(tmp.path());
    let log = db.join("db");
    let mut bytes = std::fs::read(&log).unwrap();
    let head = 4096.min(bytes.len());
    bytes[..head].fill(0);
    std::fs::write(&log, &bytes).unwrap();
    let article = tmp.path().join("a.txt");
    std::fs::write(&article, "Talks\n\nAnn Lee met Bob Stone in Oslo.").unwrap();
    let article = article.to_str().unwrap();
    for args in [&["check"][..], &["stats"], &["ingest", "-q", article]] {
        let r = lore(&db, args);
        assert_eq!(r.code, Some(2), "{args:?}: {}{}", r.stdout, r.stderr);
        assert!(r.stderr.contains("damaged"), "{args:?}: {}", r.stderr);
    }
    // Nothing made it a new empty store: it is still refused, and its
    // manifest still records what was committed. (sled's own recovery, run
    // by every open, may still rewrite segment headers it finds unusable.)
    let manifest = std::fs::read(db.join("manifest")).unwrap();
    let r = lore(&db, &["stats"]);
    assert_eq!(r.code, Some(2), "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("30 documents were committed"),
        "{}",
        r.stderr
    );
    assert_eq!(std::fs::read(db.join("manifest")).unwrap(), manifest);
}

#[test]
fn readers_never_make_a_store_and_never_touch_other_files() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("mistyped");
    for args in [
        &["stats"][..],
        &["check"],
        &["export"],
        &["query", "count where ?x ?r ?y;"],
    ] {
        let r = lore(&missing, args);
        assert_eq!(r.code, Some(1), "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains("mistyped"), "{args:?}: {}", r.stderr);
        assert!(!missing.exists(), "{args:?} created {}", missing.display());
    }
    // Some other program's directory with a file named `db`.
    let other = tmp.path().join("other");
    std::fs::create_dir(&other).unwrap();
    std::fs::write(other.join("db"), b"not a sled log").unwrap();
    for args in [&["check"][..], &["stats"]] {
        let r = lore(&other, args);
        assert_eq!(r.code, Some(1), "{args:?}: {}", r.stderr);
        assert!(
            r.stderr.contains("not a lore store"),
            "{args:?}: {}",
            r.stderr
        );
    }
    assert_eq!(std::fs::read(other.join("db")).unwrap(), b"not a sled log");
    assert_eq!(std::fs::read_dir(&other).unwrap().count(), 1);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

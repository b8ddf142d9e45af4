//! Durability: a real `lore` writer killed with SIGKILL at seeded random
//! moments, 60 times. After every kill the store must open, pass
//! `lore check`, hold each document completely or not at all, and hold
//! everything the child acknowledged (printed after a completed write).
//!
//! Articles commit in one sled transaction each; imports go through the
//! bulk path (undo record in `meta`, undone on open), so both are covered.
//!
//! This is also issue 2's "kill a writer mid-ingest and reopen" test.

use std::collections::{BTreeMap, HashSet};
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use lore::OpenOptions;
use lore::Store;

const LORE: &str = env!("CARGO_BIN_EXE_lore");
const KILLS: usize = 60;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const FIRST: [&str; 12] = [
    "Anna", "Boris", "Clara", "David", "Elena", "Farid", "Greta", "Hugo", "Irina", "Jonas",
    "Karim", "Lena",
];
const LAST: [&str; 12] = [
    "Petrova",
    "Lindqvist",
    "Okafor",
    "Marsh",
    "Quintero",
    "Halvorsen",
    "Brandt",
    "Castell",
    "Novak",
    "Whitford",
    "Sayed",
    "Moreau",
];
const PLACES: [&str; 6] = ["Paris", "Geneva", "Nairobi", "Lima", "Oslo", "Tokyo"];

fn person(r: &mut Rng) -> String {
    format!(
        "{} {}",
        FIRST[r.below(12) as usize],
        LAST[r.below(12) as usize]
    )
}

/// Synthetic articles in the shape the extractor reads: headline, blank line, sentences.
fn write_articles(dir: &Path, n: usize, seed: u64) -> Vec<PathBuf> {
    std::fs::create_dir_all(dir).unwrap();
    let mut r = Rng(seed);
    let mut out = Vec::new();
    for i in 0..n {
        let mut text = format!("Talks resume in round {i}\n\n");
        for _ in 0..12 {
            let (a, b) = (person(&mut r), person(&mut r));
            let place = PLACES[r.below(6) as usize];
            let s = match r.below(3) {
                0 => format!("{a} met {b} in {place} on Monday. "),
                1 => format!("{a} criticized {b} after the vote in {place}. "),
                _ => format!("{a} visited {place} with {b}. "),
            };
            text.push_str(&s);
        }
        let p = dir.join(format!("a{i:04}.txt"));
        std::fs::write(&p, text).unwrap();
        out.push(p);
    }
    out
}

/// Per document origin: how many sources the store holds for it.
fn sources_per_doc(store: &Store) -> BTreeMap<String, usize> {
    let origins: BTreeMap<u64, String> = store
        .documents()
        .map(|d| d.unwrap())
        .map(|d| (d.id, d.origin))
        .collect();
    let mut out: BTreeMap<String, usize> = origins.values().map(|o| (o.clone(), 0)).collect();
    for f in store.facts() {
        for s in f.unwrap().sources {
            *out.get_mut(&origins[&s.doc]).unwrap() += 1;
        }
    }
    out
}

fn check_clean(db: &Path, what: &str) {
    let report = lore::check::check_store(db, &OpenOptions::default())
        .unwrap_or_else(|e| panic!("{what}: the store does not open: {e}"));
    assert!(
        report.is_clean(),
        "{what}: check found {:?}",
        report.problems
    );
}

/// Runs `script` under `sh` in its own process group, kills the group after
/// `delay`, and returns what it printed and whether it was still running.
fn run_and_kill(script: &str, args: &[&str], delay: Duration) -> (String, bool) {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg("sh")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .unwrap();
    std::thread::sleep(delay);
    let running = child.try_wait().unwrap().is_none();
    let pgid = child.id().to_string();
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{pgid}")])
        .status();
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    let _ = child.wait();
    (out, running)
}

#[test]
fn sigkill_during_ingest_and_import_never_loses_or_tears_anything() {
    let tmp = tempfile::tempdir().unwrap();
    let files = write_articles(&tmp.path().join("articles"), 600, 7);
    let names: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();

    // Reference: the same files in the same order, never interrupted.
    let reference = {
        let store = Store::open(tmp.path().join("ref")).unwrap();
        for f in &files {
            store.ingest_file(f).unwrap();
        }
        sources_per_doc(&store)
    };
    assert!(
        reference.values().sum::<usize>() > 200,
        "the articles must yield facts"
    );

    // The import child's input: a small export, re-imported again and again.
    let jsonl = tmp.path().join("facts.jsonl");
    let (import_facts, import_entities) = {
        let store = Store::open(tmp.path().join("ref")).unwrap();
        let mut out = Vec::new();
        store.export_jsonl(&mut out).unwrap();
        std::fs::write(&jsonl, out).unwrap();
        let st = store.stats().unwrap();
        (st.facts, st.entities)
    };

    // Kill moments scale with how long one writer process takes here, so that a
    // loaded CI machine still sees writes complete between kills.
    let one = {
        let start = std::time::Instant::now();
        let status = Command::new(LORE)
            .arg("--db")
            .arg(tmp.path().join("calibrate"))
            .args(["ingest", "-q", &names[0]])
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());
        start.elapsed().as_millis() as u64
    };
    let window = (one * 6).max(700);

    let db = tmp.path().join("db");
    let import_db = tmp.path().join("import-db");
    let dbs = db.display().to_string();
    let import_dbs = import_db.display().to_string();
    let mut rng = Rng(0x5eed_1234_abcd);
    let mut acked: HashSet<String> = HashSet::new();
    let mut import_acks = 0u64;
    let mut imports_done = 0u64;
    let mut killed_running = 0u64;
    for kill in 0..KILLS {
        let delay = Duration::from_millis(20 + rng.below(window));
        let running;
        match kill % 3 {
            // One process per article, acknowledged by the loop after it exits 0.
            0 => {
                let script = r#"db=$1; lore=$2; shift 2
                    for f in "$@"; do "$lore" --db "$db" ingest -q "$f" >/dev/null 2>&1 && echo "ACK $f"; done"#;
                let mut args = vec![dbs.as_str(), LORE];
                args.extend(names.iter().map(String::as_str));
                let out;
                (out, running) = run_and_kill(script, &args, delay);
                acked.extend(
                    out.lines()
                        .filter_map(|l| l.strip_prefix("ACK "))
                        .map(String::from),
                );
            }
            // One process for the whole directory.
            1 => {
                let script = r#""$2" --db "$1" ingest -q "$3" && echo ACKALL"#;
                let dir = tmp.path().join("articles").display().to_string();
                let out;
                (out, running) = run_and_kill(script, &[dbs.as_str(), LORE, dir.as_str()], delay);
                if out.contains("ACKALL") {
                    acked.extend(names.iter().cloned());
                }
            }
            // JSONL import: one batch through the bulk path (per-tree batches
            // under an undo record), so a first run adds a whole copy or
            // nothing, and a run again adds nothing (imports are idempotent).
            _ => {
                let script =
                    r#"while "$2" --db "$1" import "$3" >/dev/null 2>&1; do echo ACK; done"#;
                let j = jsonl.display().to_string();
                let out;
                (out, running) =
                    run_and_kill(script, &[import_dbs.as_str(), LORE, j.as_str()], delay);
                import_acks += out.lines().filter(|l| *l == "ACK").count() as u64;
                imports_done += import_acks;
            }
        }
        killed_running += u64::from(running);
        if kill % 3 == 2 {
            check_clean(&import_db, &format!("kill {kill} (import)"));
            let st = Store::open(&import_db).unwrap().stats().unwrap();
            // Imports are idempotent: one whole copy, or none before the first ack.
            assert!(
                st.facts == import_facts || (st.facts == 0 && import_acks == 0),
                "kill {kill}: {} facts after {import_acks} acknowledged imports of {import_facts}",
                st.facts
            );
            assert!(
                st.entities == import_entities || st.entities == 0,
                "kill {kill}: torn entities ({} of {import_entities})",
                st.entities
            );
            // Run again to the end, the interrupted import adds nothing twice.
            let status = Command::new(LORE)
                .arg("--db")
                .arg(&import_db)
                .arg("import")
                .arg(&jsonl)
                .stdout(Stdio::null())
                .status()
                .unwrap();
            assert!(status.success(), "kill {kill}: the import run again failed");
            let st = Store::open(&import_db).unwrap().stats().unwrap();
            assert_eq!(
                (st.facts, st.entities),
                (import_facts, import_entities),
                "kill {kill}: the interrupted import run again added something twice"
            );
            // The next kill interrupts a first import again.
            std::fs::remove_dir_all(&import_db).unwrap();
            import_acks = 0;
            continue;
        }
        let what = format!("kill {kill} after {delay:?}");
        check_clean(&db, &what);
        let store = Store::open(&db).unwrap();
        let got = sources_per_doc(&store);
        for (origin, n) in &got {
            assert_eq!(
                Some(n),
                reference.get(origin),
                "{what}: document {origin} is torn"
            );
        }
        for a in &acked {
            assert!(got.contains_key(a), "{what}: acknowledged {a} is missing");
        }
    }
    // The kills must land while a writer runs, and the writers must get work done.
    assert!(
        killed_running >= KILLS as u64 / 2,
        "only {killed_running} of {KILLS} kills hit a running writer"
    );
    let docs = Store::open(&db).unwrap().stats().unwrap().documents;
    assert!(docs >= 10, "the writers stored only {docs} documents");
    let copies = imports_done;
    assert!(copies >= 1, "no import ever completed");
    eprintln!("one writer process: {one} ms; kills within {window} ms");
    eprintln!(
        "{killed_running} of {KILLS} kills hit a running writer; {docs} documents, {copies} imports acknowledged"
    );
}

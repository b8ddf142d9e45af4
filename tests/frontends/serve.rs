//! `lore serve` and `lore backup` end to end: the HTTP API under concurrent
//! clients (loopback only, bounded loops), its refusals, and backups of a
//! free and of a served store.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use super::cli::{lore, lore_command};
use std::time::Duration;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn sample_store(dir: &Path) -> PathBuf {
    let db = dir.join("store");
    let articles = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/articles");
    let o = lore(&db, &["ingest", "-q", articles.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    db
}

/// A running `lore serve` and the address it listens on.
struct Served {
    child: Child,
    addr: String,
}

impl Served {
    fn start(db: &Path, extra: &[&str]) -> Served {
        let mut args = vec!["serve", "--listen", "127.0.0.1:0"];
        args.extend_from_slice(extra);
        let mut child = lore_command(db, &args)
            .stderr(Stdio::piped())
            .spawn()
            .expect("lore serve starts");
        let mut line = String::new();
        BufReader::new(child.stderr.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line
            .split("http://")
            .nth(1)
            .and_then(|r| r.split('/').next())
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .to_string();
        Served { child, addr }
    }

    /// Ctrl-C: the server stops, flushes and exits 0.
    fn stop(mut self) {
        let pid = self.child.id().to_string();
        let killed = Command::new("kill").args(["-INT", &pid]).status().unwrap();
        assert!(killed.success());
        for _ in 0..200 {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "lore serve ended with {status}");
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        panic!("lore serve did not stop within 10 s of Ctrl-C");
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP exchange: the status and the body (chunks joined).
fn http(addr: &str, method: &str, path: &str, body: &str) -> (u16, String) {
    let mut conn = TcpStream::connect(addr).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    write!(
        conn,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = Vec::new();
    conn.read_to_end(&mut answer).unwrap();
    let at = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an HTTP head");
    let head = text(&answer[..at]);
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {head}"));
    let rest = &answer[at + 4..];
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(rest)
    } else {
        rest.to_vec()
    };
    (status, text(&body))
}

/// The body of a chunked answer; panics when its last chunk is missing.
fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let eol = data
            .windows(2)
            .position(|w| w == b"\r\n")
            .expect("a chunk size");
        let size = usize::from_str_radix(&text(&data[..eol]), 16).unwrap();
        data = &data[eol + 2..];
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}

/// `lore ARGS` on `db` with `input` on its stdin.
fn with_stdin(db: &Path, args: &[&str], input: &[u8]) -> std::process::Output {
    let mut child = lore_command(db, args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

fn documents(addr: &str) -> u64 {
    let (status, body) = http(addr, "GET", "/stats", "");
    assert_eq!(status, 200, "{body}");
    json(&body)["documents"].as_u64().unwrap()
}

/// An article of its own for each `i`: a headline and two sentences.
fn article(i: usize) -> String {
    format!(
        "Council vote number {i}\n\nThe city council of Northtown approved budget plan {i} on Monday. \
         Mayor Ann Weller{i} said the plan would add {i} buses."
    )
}

#[test]
fn eight_clients_query_while_one_ingests_and_nothing_is_lost() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample_store(dir.path());
    let server = Served::start(&db, &["--threads", "4"]);
    let addr = server.addr.clone();
    assert_eq!(documents(&addr), 5);
    const ARTICLES: usize = 12;
    let writer = {
        let addr = addr.clone();
        std::thread::spawn(move || {
            for i in 0..ARTICLES {
                let body = serde_json::json!({"articles": [{"name": format!("vote-{i}.txt"), "text": article(i)}]});
                let (status, answer) = http(&addr, "POST", "/ingest", &body.to_string());
                assert_eq!(status, 200, "{answer}");
                assert_eq!(json(&answer)["articles"][0]["outcome"], "added", "{answer}");
            }
        })
    };
    let readers: Vec<_> = (0..8)
        .map(|r| {
            let addr = addr.clone();
            std::thread::spawn(move || {
                let mut seen = 5;
                for round in 0..20 {
                    // Committed data only, and never less than before.
                    let now = documents(&addr);
                    assert!((seen..=5 + ARTICLES as u64).contains(&now), "reader {r}: {now} after {seen}");
                    seen = now;
                    let q = serde_json::json!({"query": "?a met ?b; count ?x where ?x \"hold role\" ?y;", "limit": 50});
                    let (status, body) = http(&addr, "POST", "/query", &q.to_string());
                    assert_eq!(status, 200, "reader {r} round {round}: {body}");
                    let answer = json(&body);
                    assert_eq!(answer["statements"].as_array().unwrap().len(), 2, "{body}");
                    assert!(!answer["statements"][0]["rows"].as_array().unwrap().is_empty());
                }
            })
        })
        .collect();
    writer.join().expect("the writer's answers were right");
    for r in readers {
        r.join().expect("every reader's answers were consistent");
    }
    assert_eq!(documents(&addr), 5 + ARTICLES as u64);
    // The same article again adds nothing.
    let again = serde_json::json!({"articles": [{"name": "again.txt", "text": article(0)}]});
    let (status, body) = http(&addr, "POST", "/ingest", &again.to_string());
    assert_eq!(
        (status, json(&body)["articles"][0]["outcome"].clone()),
        (200, "skipped".into())
    );

    // Other lore commands run through the server meanwhile.
    let o = lore(&db, &["stats"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains("documents  17"),
        "{}",
        text(&o.stdout)
    );
    let (status, exported) = http(&addr, "GET", "/export?format=jsonl", "");
    assert_eq!(status, 200);
    server.stop();
    let o = lore(&db, &["export"]);
    assert!(o.status.success());
    assert_eq!(
        text(&o.stdout),
        exported,
        "the HTTP export differs from lore export"
    );
    assert!(
        !db.join("lore.sock").exists(),
        "the socket outlived the server"
    );
}

#[test]
fn the_api_explains_every_refusal() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample_store(dir.path());

    let o = lore(&db, &["serve", "--listen", "0.0.0.0:0"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("not a loopback address"),
        "{}",
        text(&o.stderr)
    );

    let server = Served::start(&db, &["--max-body", "2000", "--read-only"]);
    let addr = server.addr.clone();
    let (status, body) = http(&addr, "POST", "/query", r#"{"query": "?a mett ?b;"}"#);
    assert_eq!(status, 400);
    let e = &json(&body)["error"];
    assert_eq!(
        (e["kind"].as_str(), e["line"].as_u64(), e["column"].as_u64()),
        (Some("query"), Some(1), Some(4)),
        "{body}"
    );
    assert!(e["help"].as_str().unwrap().contains("`met`"), "{body}");
    assert!(e["detail"].as_str().unwrap().contains("^^^^"), "{body}");

    let (status, body) = http(&addr, "POST", "/describe", r#"{"name": "Lavrov"}"#);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Sergei Lavrov"), "{body}");
    let (status, body) = http(&addr, "POST", "/why", r#"{"pattern": "?a met ?b"}"#);
    assert_eq!(status, 200, "{body}");

    for (method, path, body, want, says) in [
        ("POST", "/query", "{not json", 400, "not JSON"),
        ("POST", "/query", r#"{"text": "x"}"#, 400, "`query`"),
        (
            "POST",
            "/query",
            r#"{"query": "?a met ?b;", "limit": 0}"#,
            400,
            "`limit`",
        ),
        ("GET", "/query", "", 405, "takes POST"),
        ("GET", "/nowhere", "", 404, "POST /query"),
        ("GET", "/export?format=xml", "", 400, "jsonl, ntriples"),
        ("POST", "/ingest", r#"{"articles": []}"#, 403, "read-only"),
        (
            "POST",
            "/query",
            &format!(r#"{{"query": "{}"}}"#, "x".repeat(3000)),
            413,
            "--max-body",
        ),
    ] {
        let (status, answer) = http(&addr, method, path, body);
        assert_eq!(status, want, "{method} {path}: {answer}");
        assert!(
            json(&answer)["error"]["message"]
                .as_str()
                .unwrap()
                .contains(says),
            "{method} {path}: {answer}"
        );
    }
    // Writes through the socket are refused too, with exit 1.
    let articles = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/articles");
    let o = lore(&db, &["ingest", articles.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("read-only"), "{}", text(&o.stderr));
    server.stop();
}

#[test]
fn a_backup_is_a_whole_store_even_while_the_store_is_served() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample_store(dir.path());
    let original = lore(&db, &["export"]).stdout;

    let free = dir.path().join("free-copy");
    let o = lore(&db, &["backup", free.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains("ok: no problems found"),
        "{}",
        text(&o.stdout)
    );
    assert_eq!(lore(&free, &["export"]).stdout, original);

    // A backup never overwrites.
    let o = lore(&db, &["backup", free.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("already exists"),
        "{}",
        text(&o.stderr)
    );

    // Through the server, with a path relative to this process.
    let server = Served::start(&db, &[]);
    let o = lore_command(&db, &["backup", "served-copy"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    let served = dir.path().join("served-copy");
    assert!(!served.join("lore.sock").exists(), "the socket was copied");

    // lore check and an article on stdin go through the server too.
    let o = lore(&db, &["check"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains("ok: no problems found"),
        "{}",
        text(&o.stdout)
    );
    let o = with_stdin(&db, &["ingest", "-"], article(7).as_bytes());
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).starts_with("1 document: 1 added"),
        "{}",
        text(&o.stdout)
    );
    assert_eq!(documents(&server.addr), 6);
    server.stop();
    let o = lore(&served, &["check"]);
    assert!(o.status.success(), "{}", text(&o.stdout));
    assert_eq!(lore(&served, &["export"]).stdout, original);
}

/// Waits (20 s at most) until `child` serves the store at `db`, failing if
/// it ends first, then runs `asks` once.
fn when_served(db: &Path, child: &mut Child, asks: impl FnOnce()) {
    for _ in 0..800 {
        if db.join("lore.sock").exists() {
            return asks();
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "it ended before it served the store"
        );
        std::thread::sleep(Duration::from_millis(25));
    }
    panic!("it never served the store");
}

#[test]
fn a_long_ingest_serves_the_store_to_other_commands() {
    let dir = tempfile::tempdir().unwrap();
    let articles = dir.path().join("articles");
    std::fs::create_dir(&articles).unwrap();
    for i in 0..2000 {
        std::fs::write(articles.join(format!("{i:04}.txt")), article(i)).unwrap();
    }
    let db = dir.path().join("store");
    let mut ingest = lore_command(&db, &["ingest", "-q", articles.to_str().unwrap()])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    when_served(&db, &mut ingest, || {
        let o = lore(&db, &["stats"]);
        assert!(o.status.success(), "{}", text(&o.stderr));
        assert!(text(&o.stdout).contains("documents"), "{}", text(&o.stdout));
    });
    let done = ingest.wait_with_output().unwrap();
    assert!(done.status.success());
    assert!(
        text(&done.stdout).starts_with("2000 documents: 2000 added"),
        "{}",
        text(&done.stdout)
    );
    assert!(
        !db.join("lore.sock").exists(),
        "the socket outlived the ingest"
    );
}

/// `lines` facts in the minimal JSONL schema, twenty to a document, each
/// with its sentence: an import of many bulk batches.
fn many_facts(lines: usize) -> String {
    let mut out = String::new();
    for i in 0..lines {
        let (who, doc) = (i % 5000, i / 20);
        out.push_str(&format!(
            "{{\"subject\":\"Person {who}\",\"relation\":\"met\",\"object\":\"Place {i}\",\"sentence\":\"Person {who} met at Place {i}.\",\"document\":\"doc-{doc}\"}}\n"
        ));
    }
    out
}

#[test]
fn a_long_import_serves_the_store_to_other_commands() {
    const FACTS: u64 = 200_000;
    let dir = tempfile::tempdir().unwrap();
    let facts = many_facts(FACTS as usize);
    // The import reads stdin, so that it is still running, whatever the
    // machine's speed, until the test has sent the second half.
    let half = facts.len() / 2;
    let half = half + facts[half..].find('\n').map_or(0, |n| n + 1);
    let db = dir.path().join("store");
    let mut import = lore_command(&db, &["import", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut feed = import.stdin.take().unwrap();
    feed.write_all(&facts.as_bytes()[..half]).unwrap();
    when_served(&db, &mut import, || {
        let o = lore(&db, &["stats"]);
        let out = text(&o.stdout);
        assert!(o.status.success(), "{}", text(&o.stderr));
        // Read while the import runs (its second half is not sent yet),
        // so through it: the store cannot be opened meanwhile.
        let facts: u64 = out
            .lines()
            .find_map(|l| l.strip_prefix("facts"))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("no facts line in {out}"));
        assert!(facts < FACTS, "stats counted facts not yet sent: {out}");
        // An export meanwhile waits for the batch being written, so it
        // never names a document it does not hold.
        let o = lore(&db, &["export"]);
        assert!(o.status.success(), "{}", text(&o.stderr));
        let mut docs = std::collections::HashSet::new();
        for line in text(&o.stdout).lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            match v["type"].as_str() {
                Some("document") => {
                    docs.insert(v["id"].as_u64().unwrap());
                }
                Some("fact") => {
                    for s in v["sources"].as_array().unwrap() {
                        let doc = s["doc"].as_u64().unwrap();
                        assert!(docs.contains(&doc), "a source in missing document {doc}");
                    }
                }
                _ => {}
            }
        }
    });
    feed.write_all(&facts.as_bytes()[half..]).unwrap();
    drop(feed);
    let done = import.wait_with_output().unwrap();
    assert!(done.status.success());
    assert!(
        text(&done.stdout).starts_with(&format!("{FACTS} lines: 10000 documents")),
        "{}",
        text(&done.stdout)
    );
    assert!(
        !db.join("lore.sock").exists(),
        "the socket outlived the import"
    );
}

#[test]
fn a_program_reaches_a_served_store_through_the_library() {
    use lore::client::Handle;
    let dir = tempfile::tempdir().unwrap();
    let db = sample_store(dir.path());
    let local = lore::Store::open(&db).unwrap();
    let want = local
        .query("?a met ?b; count where ?x \"hold role\" ?y;")
        .unwrap();
    let want_err = local.query("?a mett ?b;").unwrap_err().to_string();
    drop(local);

    let server = Served::start(&db, &[]);
    let handle = Handle::open(&db).unwrap();
    assert!(matches!(handle, Handle::Remote(_)), "{handle:?}");
    assert_eq!(handle.stats().unwrap().documents, 5);
    // The same rows, entities with their ids, as the store gives them here.
    let got = handle
        .query("?a met ?b; count where ?x \"hold role\" ?y;")
        .unwrap();
    assert_eq!(got, want);
    let e = handle.query("?a mett ?b;").unwrap_err();
    assert!(matches!(e, lore::Error::Query(_)), "{e:?}");
    assert_eq!(e.to_string(), want_err);
    server.stop();
    // Free again: the handle opens it here.
    assert!(matches!(Handle::open(&db).unwrap(), Handle::Local(_)));
}

#[test]
fn scripts_run_through_the_server_with_the_callers_paths() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample_store(dir.path());
    let work = dir.path().join("work");
    std::fs::create_dir(&work).unwrap();
    std::fs::write(
        work.join("report.lore"),
        "-- a saved script\n.mode csv\n?a met ?b;\n.export met.jsonl\nBlinken met;\n",
    )
    .unwrap();
    let server = Served::start(&db, &[]);
    let o = lore_command(&db, &["run", "report.lore"])
        .current_dir(&work)
        .output()
        .unwrap();
    // Rows in the script's mode, then its error at its place, exit 1.
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).starts_with("a,b,fact\n"),
        "{}",
        text(&o.stdout)
    );
    assert!(
        text(&o.stderr).contains("report.lore:5:"),
        "{}",
        text(&o.stderr)
    );
    // `.export FILE` wrote into the caller's directory, not the server's.
    assert!(work.join("met.jsonl").is_file());
    // A script on stdin too.
    let o = with_stdin(&db, &[], b"count where ?a met ?b;\n");
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("count"), "{}", text(&o.stdout));
    server.stop();
}

#[test]
fn an_import_from_stdin_goes_through_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let db = sample_store(dir.path());
    let other = dir.path().join("other");
    assert!(
        with_stdin(&other, &["ingest", "-"], article(3).as_bytes())
            .status
            .success()
    );
    let export = lore(&other, &["export"]).stdout;

    let server = Served::start(&db, &[]);
    let o = with_stdin(&db, &["import", "-"], &export);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(documents(&server.addr), 6);
    // A bad line is reported as stdin's, not as the spool file's.
    let o = with_stdin(&db, &["import", "-"], b"{not json\n");
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("stdin"), "{}", text(&o.stderr));
    server.stop();
}

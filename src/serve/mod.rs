//! `lore serve`: holds a store and answers a small JSON HTTP API on a
//! loopback address (docs/SERVE.md); meanwhile other `lore` commands on
//! the store run through it, over the socket of [`crate::remote`].
//!
//! HTTP/1.1 is spoken by hand, one request per connection (`Connection:
//! close`). The API needs little of HTTP, and owning the socket is what
//! lets the server bound a request in time as well as in size: reading a
//! request has a deadline, so a stalled client cannot hold a worker, which
//! the small HTTP server crates do not offer. Bodies need `Content-Length`;
//! answers of unknown length (exports) are sent chunked, so that a client
//! can tell an export cut short by an error from a whole one.

use std::io::{BufWriter, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value as Json, json};

use lore::error::{Error, Result};

mod http;
use http::{Chunked, Reply, Request, WRITE_WAIT, linger, read_request};
use lore::ingest::Extractor;
use lore::query::QueryOptions;
use lore::store::{IngestOptions, IngestOutcome, Store};

/// How `lore serve` runs (its command-line options).
pub struct Config {
    /// A loopback address and port.
    pub listen: String,
    /// Refuse ingest (and import through the socket).
    pub read_only: bool,
    /// The longest any query may run.
    pub timeout: Duration,
    /// The largest request body accepted, in bytes.
    pub max_body: u64,
    /// Requests answered at once.
    pub threads: usize,
}

/// Serves `store` until Ctrl-C.
pub fn run(store: Store, config: &Config) -> Result<()> {
    let addr = loopback(&config.listen)?;
    let listener = TcpListener::bind(addr).map_err(|e| {
        Error::bad_input(
            format!("--listen {}", config.listen),
            format!("cannot listen there: {e}; choose another port, or 0 for a free one"),
        )
    })?;
    let local = listener
        .local_addr()
        .map_err(|e| Error::io(config.listen.as_str(), e))?;
    let store = Arc::new(store);
    let _socket = match crate::remote::Server::start(store.clone(), config.read_only) {
        Ok(s) => Some(s),
        Err(e) => {
            eprintln!(
                "lore: warning: other lore commands cannot use this store while it is served: {e}"
            );
            None
        }
    };
    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = stop.clone();
        let installed = ctrlc::set_handler(move || {
            stop.store(true, Ordering::SeqCst);
            // Wakes the accepting loop, which then sees `stop`.
            let _ = TcpStream::connect(local);
        });
        if let Err(e) = installed {
            eprintln!("lore: warning: Ctrl-C will end the server abruptly: {e}");
        }
    }
    eprintln!(
        "lore: serving {} on http://{local}/{} (Ctrl-C stops)",
        store.path().display(),
        if config.read_only { " read-only" } else { "" }
    );

    let (queue, waiting) = sync_channel::<TcpStream>(config.threads * 4);
    let waiting = Arc::new(Mutex::new(waiting));
    let workers: Vec<_> = (0..config.threads)
        .map(|i| {
            let store = store.clone();
            let waiting = waiting.clone();
            let api = Api {
                read_only: config.read_only,
                timeout: config.timeout,
                max_body: config.max_body,
            };
            std::thread::Builder::new()
                .name(format!("lore-http-{i}"))
                .spawn(move || work(&store, &api, &waiting))
                .map_err(|e| Error::io("thread", e))
        })
        .collect::<Result<_>>()?;
    for conn in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(conn) = conn else { continue };
        match queue.try_send(conn) {
            Ok(()) => {}
            Err(TrySendError::Full(conn)) => {
                let _ = conn.set_write_timeout(Some(Duration::from_secs(1)));
                let _ = Reply::error(
                    503,
                    "busy",
                    "the server is answering as many requests as it queues; try again shortly",
                )
                .send(&mut &conn);
            }
            Err(TrySendError::Disconnected(_)) => break,
        }
    }
    drop(queue);
    for w in workers {
        let _ = w.join();
    }
    store.flush()?;
    eprintln!("lore: stopped serving {}", store.path().display());
    Ok(())
}

/// The address `--listen` names, refused unless it is a loopback address:
/// the API has no authentication, so it must not be reachable from others.
fn loopback(listen: &str) -> Result<SocketAddr> {
    let bad = |why: String| Error::bad_input(format!("--listen {listen}"), why);
    let mut addrs = listen.to_socket_addrs().map_err(|e| {
        bad(format!(
            "not an address and port ({e}); e.g. 127.0.0.1:7464"
        ))
    })?;
    let Some(addr) = addrs.next() else {
        return Err(bad("names no address; e.g. 127.0.0.1:7464".into()));
    };
    if !addr.ip().is_loopback() {
        return Err(bad(format!(
            "{} is not a loopback address; lore serve answers this machine only (127.0.0.1 or ::1), as its API has no authentication",
            addr.ip()
        )));
    }
    Ok(addr)
}

/// What every request is answered under.
struct Api {
    read_only: bool,
    timeout: Duration,
    max_body: u64,
}

fn work(store: &Store, api: &Api, waiting: &Mutex<Receiver<TcpStream>>) {
    loop {
        // The lock is held only while waiting for the next connection.
        let next = match waiting.lock() {
            Ok(w) => w.recv(),
            Err(_) => return,
        };
        let Ok(conn) = next else { return };
        let _ = conn.set_write_timeout(Some(WRITE_WAIT));
        let reply = match read_request(&conn, api.max_body) {
            Ok(request) if request.method == "GET" && request.path == "/export" => {
                match export(store, &request, &conn) {
                    Ok(()) => continue,
                    Err(reply) => reply,
                }
            }
            Ok(request) => route(store, api, &request),
            Err(reply) => {
                let _ = reply.send(&mut &conn);
                linger(&conn);
                continue;
            }
        };
        let _ = reply.send(&mut &conn);
    }
}

/// The endpoints, with their methods (docs/SERVE.md).
const ENDPOINTS: &[(&str, &str)] = &[
    ("GET", "/"),
    ("GET", "/stats"),
    ("POST", "/query"),
    ("POST", "/why"),
    ("POST", "/describe"),
    ("POST", "/ingest"),
    ("GET", "/export"),
];

fn route(store: &Store, api: &Api, request: &Request) -> Reply {
    let Some(&(method, _)) = ENDPOINTS.iter().find(|(_, p)| *p == request.path) else {
        let known: Vec<String> = ENDPOINTS.iter().map(|(m, p)| format!("{m} {p}")).collect();
        return Reply::error(
            404,
            "not_found",
            &format!(
                "no endpoint {}; there are {}",
                request.path,
                known.join(", ")
            ),
        );
    };
    if request.method != method {
        return Reply::error(
            405,
            "method",
            &format!("{} takes {method}, not {}", request.path, request.method),
        );
    }
    let body = || -> std::result::Result<serde_json::Map<String, Json>, Reply> {
        match serde_json::from_slice::<Json>(&request.body) {
            Ok(Json::Object(map)) => Ok(map),
            Ok(_) => Err(Reply::error(
                400,
                "bad_request",
                "the body must be a JSON object",
            )),
            Err(e) => Err(Reply::error(
                400,
                "bad_request",
                &format!("the body is not JSON: {e}"),
            )),
        }
    };
    let answer = match request.path.as_str() {
        "/" => Ok(Reply::ok(json!({
            "lore": env!("CARGO_PKG_VERSION"),
            "store": store.path().display().to_string(),
            "read_only": api.read_only,
            "endpoints": ENDPOINTS.iter().map(|(m, p)| format!("{m} {p}")).collect::<Vec<_>>(),
        }))),
        "/stats" => stats(store),
        "/query" => body().and_then(|b| {
            let text = string(&b, "query")?;
            run_query(store, api, &b, &text)
        }),
        "/why" => body().and_then(|b| {
            let text = match (b.get("fact"), b.get("pattern")) {
                (Some(id), _) => format!("why #{};", id_of(id, "fact")?),
                (None, Some(_)) => format!("why {};", string(&b, "pattern")?),
                (None, None) => {
                    return Err(missing("`pattern` (e.g. \"?a met ?b\") or `fact` (an id)"));
                }
            };
            run_query(store, api, &b, &text)
        }),
        "/describe" => body().and_then(|b| {
            let text = match (b.get("entity"), b.get("name")) {
                (Some(id), _) => format!("describe #{};", id_of(id, "entity")?),
                (None, Some(_)) => format!(
                    "describe {};",
                    lore::query::quote_name(&string(&b, "name")?)
                ),
                (None, None) => return Err(missing("`name` or `entity` (an id)")),
            };
            run_query(store, api, &b, &text)
        }),
        "/ingest" if api.read_only => Err(Reply::error(
            403,
            "read_only",
            "this store is served read-only (lore serve --read-only); serve it without --read-only to ingest",
        )),
        "/ingest" => body().and_then(|b| ingest(store, &b)),
        _ => Err(Reply::error(404, "not_found", "no such endpoint")),
    };
    answer.unwrap_or_else(|reply| reply)
}

fn missing(what: &str) -> Reply {
    Reply::error(400, "bad_request", &format!("the body needs {what}"))
}

fn string(body: &serde_json::Map<String, Json>, key: &str) -> std::result::Result<String, Reply> {
    match body.get(key) {
        Some(Json::String(s)) => Ok(s.clone()),
        Some(_) => Err(Reply::error(
            400,
            "bad_request",
            &format!("`{key}` must be a string"),
        )),
        None => Err(missing(&format!("`{key}`, a string"))),
    }
}

fn id_of(v: &Json, key: &str) -> std::result::Result<u64, Reply> {
    v.as_u64().ok_or_else(|| {
        Reply::error(
            400,
            "bad_request",
            &format!("`{key}` must be a whole number, an id"),
        )
    })
}

fn stats(store: &Store) -> std::result::Result<Reply, Reply> {
    let s = store.stats().map_err(|e| Reply::from_error(&e))?;
    Ok(Reply::ok(json!({
        "store": store.path().display().to_string(),
        "documents": s.documents,
        "entities": s.entities,
        "facts": s.facts,
        "relations": s.relations,
        "sources": s.sources,
        "disk_bytes": s.disk_bytes,
    })))
}

/// Runs query text under the request's `limit` and `timeout` (seconds; at
/// most the server's). A query error answers 400 with where it is.
fn run_query(
    store: &Store,
    api: &Api,
    body: &serde_json::Map<String, Json>,
    text: &str,
) -> std::result::Result<Reply, Reply> {
    let mut opts = QueryOptions {
        timeout: Some(api.timeout),
        ..QueryOptions::default()
    };
    if let Some(limit) = body.get("limit") {
        opts.limit = limit
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .filter(|&n| n > 0)
            .ok_or_else(|| {
                Reply::error(400, "bad_request", "`limit` must be a whole number above 0")
            })?;
    }
    if let Some(t) = body.get("timeout") {
        let secs = t
            .as_f64()
            .filter(|s| *s > 0.0 && s.is_finite())
            .ok_or_else(|| {
                Reply::error(
                    400,
                    "bad_request",
                    "`timeout` must be a number of seconds above 0",
                )
            })?;
        opts.timeout = Some(Duration::from_secs_f64(secs.min(api.timeout.as_secs_f64())));
    }
    match store.query_with(text, &opts) {
        Ok(result) => {
            let statements: Vec<Json> = result
                .statements
                .iter()
                .map(|s| {
                    json!({
                        "statement": text.get(s.span.clone()).unwrap_or_default().trim(),
                        "columns": s.columns.iter().map(|c| c.trim_start_matches('?')).collect::<Vec<_>>(),
                        "rows": s.rows.iter().map(|r| Json::Object(lore::output::json_row(&s.columns, r))).collect::<Vec<_>>(),
                        "truncated": s.truncated,
                        "notes": s.notes,
                    })
                })
                .collect();
            Ok(Reply::ok(json!({ "statements": statements })))
        }
        Err(Error::Query(d)) => {
            let (line, column) = d.line_col(text);
            Err(Reply(
                400,
                json!({"error": {
                    "kind": "query",
                    "message": d.message,
                    "help": d.help,
                    "line": line,
                    "column": column,
                    "detail": d.render("query", text),
                }}),
            ))
        }
        Err(e) => Err(Reply::from_error(&e)),
    }
}

/// `POST /ingest`: `{"articles": [{"name", "text"}], "extractor"}`; each
/// article is stored atomically and reported; 400 when any was refused
/// (the others stay stored).
fn ingest(
    store: &Store,
    body: &serde_json::Map<String, Json>,
) -> std::result::Result<Reply, Reply> {
    let extractor = match body.get("extractor").and_then(Json::as_str) {
        None | Some("patterns") => Extractor::Patterns,
        Some("parse") => Extractor::Parse,
        Some("both") => Extractor::Both,
        Some(other) => {
            return Err(Reply::error(
                400,
                "bad_request",
                &format!("`extractor` is `patterns`, `parse` or `both`, not `{other}`"),
            ));
        }
    };
    let Some(Json::Array(articles)) = body.get("articles") else {
        return Err(missing("`articles`, a list of {\"name\", \"text\"}"));
    };
    let opts = IngestOptions {
        extractor,
        ..IngestOptions::default()
    };
    let mut refused = 0;
    let mut answers = Vec::with_capacity(articles.len());
    for (i, a) in articles.iter().enumerate() {
        let name = a
            .get("name")
            .and_then(Json::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| format!("article {}", i + 1));
        let Some(text) = a.get("text").and_then(Json::as_str) else {
            refused += 1;
            answers.push(json!({"name": name, "outcome": "refused", "error": "no `text` string"}));
            continue;
        };
        answers.push(match store.ingest_bytes_with(text.as_bytes(), &name, &opts) {
            Ok(IngestOutcome::Added {
                doc,
                new_entities,
                new_facts,
                corroborated,
            }) => json!({
                "name": name, "outcome": "added", "document": doc,
                "new_entities": new_entities, "new_facts": new_facts, "corroborated": corroborated,
            }),
            Ok(IngestOutcome::Skipped { doc }) => {
                json!({"name": name, "outcome": "skipped", "document": doc})
            }
            Err(e) if e.is_user_error() => {
                refused += 1;
                json!({"name": name, "outcome": "refused", "error": e.to_string()})
            }
            Err(e) => return Err(Reply::from_error(&e)),
        });
    }
    Ok(Reply(
        if refused > 0 { 400 } else { 200 },
        json!({"articles": answers, "refused": refused}),
    ))
}

/// `GET /export?format=jsonl|ntriples|turtle|csv&table=…&base=…`, streamed
/// in chunks; an error after the first byte ends the answer without its
/// last chunk, which HTTP clients report as a cut answer.
fn export(store: &Store, request: &Request, conn: &TcpStream) -> std::result::Result<(), Reply> {
    let param = |k: &str| {
        request
            .query
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
    };
    let format = param("format").unwrap_or("jsonl");
    let (format, mime) = match format {
        "jsonl" => ("jsonl", "application/x-ndjson"),
        "ntriples" => ("ntriples", "application/n-triples"),
        "turtle" => ("turtle", "text/turtle"),
        "csv" => ("csv", "text/csv"),
        other => {
            return Err(Reply::error(
                400,
                "bad_request",
                &format!("format is jsonl, ntriples, turtle or csv, not `{other}`"),
            ));
        }
    };
    let table = match param("table").unwrap_or("facts") {
        "facts" => lore::csv_export::CsvTable::Facts,
        "entities" => lore::csv_export::CsvTable::Entities,
        "sources" => lore::csv_export::CsvTable::Sources,
        "documents" => lore::csv_export::CsvTable::Documents,
        other => {
            return Err(Reply::error(
                400,
                "bad_request",
                &format!("table is facts, entities, sources or documents, not `{other}`"),
            ));
        }
    };
    let base = param("base").unwrap_or("http://example.org/lore/");
    let mut conn = conn;
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: {mime}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    if conn.write_all(head.as_bytes()).is_err() {
        return Ok(());
    }
    let mut out = BufWriter::with_capacity(1 << 16, Chunked(conn));
    match crate::remote::export(store, format, base, table, &mut out) {
        Ok(()) => {
            if out.flush().is_ok() {
                let _ = conn.write_all(b"0\r\n\r\n");
            }
        }
        Err(e) => eprintln!("lore: warning: an export over HTTP stopped: {e}"),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding_keeps_broken_escapes() {
        assert_eq!(http::decode("a%20b+c%2"), "a b c%2");
        assert_eq!(http::decode("%zz%41"), "%zzA");
    }

    #[test]
    fn only_loopback_addresses_are_served() {
        assert!(loopback("127.0.0.1:0").is_ok());
        assert!(loopback("[::1]:0").is_ok());
        assert!(loopback("0.0.0.0:7464").is_err());
        assert!(loopback("nonsense").is_err());
    }
}

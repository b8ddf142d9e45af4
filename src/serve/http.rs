//! The HTTP/1.1 that `lore serve` speaks, by hand: reading one request
//! within a deadline and a size limit, percent-decoding, JSON answers and
//! chunked ones. One request per connection (`Connection: close`).

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::{Value as Json, json};

use lore::error::Error;

/// The longest the head of a request (request line and headers) may be.
pub(super) const MAX_HEAD: usize = 16 << 10;

/// The time a client has to send its whole request.
pub(super) const REQUEST_DEADLINE: Duration = Duration::from_secs(10);

/// The time a client has to take each part of the answer.
pub(super) const WRITE_WAIT: Duration = Duration::from_secs(60);

/// After refusing a request whose bytes were not all read: closing with
/// unread input makes the kernel reset the connection, which can destroy
/// the answer before the client reads it. So the server ends its side and
/// reads what the client still sends, for at most 2 seconds and 16 MiB.
pub(super) fn linger(conn: &TcpStream) {
    if conn.shutdown(std::net::Shutdown::Write).is_err() {
        return;
    }
    let until = Instant::now() + Duration::from_secs(2);
    let mut left: usize = 16 << 20;
    let mut sink = [0u8; 16 << 10];
    while left > 0 {
        let wait = until.saturating_duration_since(Instant::now());
        if wait.is_zero() || conn.set_read_timeout(Some(wait)).is_err() {
            return;
        }
        match (&*conn).read(&mut sink) {
            Ok(0) | Err(_) => return,
            Ok(n) => left = left.saturating_sub(n),
        }
    }
}

/// A request as the API reads it.
pub(super) struct Request {
    pub(super) method: String,
    pub(super) path: String,
    pub(super) query: Vec<(String, String)>,
    pub(super) body: Vec<u8>,
}

/// Reads one request within [`REQUEST_DEADLINE`], its body at most
/// `max_body` bytes; a request that cannot be read is answered with the
/// reason.
pub(super) fn read_request(conn: &TcpStream, max_body: u64) -> std::result::Result<Request, Reply> {
    let deadline = Instant::now() + REQUEST_DEADLINE;
    let slow = || {
        Reply::error(
            408,
            "timeout",
            "the request did not arrive in time; send it whole within 10 seconds",
        )
    };
    let read = |buf: &mut [u8]| -> std::result::Result<usize, Reply> {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(slow());
        }
        let _ = conn.set_read_timeout(Some(left));
        match (&*conn).read(buf) {
            Ok(n) => Ok(n),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                Err(slow())
            }
            Err(e) => Err(Reply::error(
                400,
                "bad_request",
                &format!("reading the request: {e}"),
            )),
        }
    };
    let mut data = Vec::with_capacity(1024);
    let head_end = loop {
        if let Some(i) = find(&data, b"\r\n\r\n") {
            break i;
        }
        if data.len() > MAX_HEAD {
            return Err(Reply::error(
                431,
                "too_large",
                "the request line and headers are longer than 16 KiB",
            ));
        }
        let mut chunk = [0u8; 4096];
        let n = read(&mut chunk)?;
        if n == 0 {
            return Err(Reply::error(
                400,
                "bad_request",
                "the request ended before its headers did",
            ));
        }
        data.extend_from_slice(&chunk[..n]);
    };
    let bad = |why: &str| Reply::error(400, "bad_request", why);
    let mut body = data.split_off(head_end + 4);
    data.truncate(head_end);
    let head = std::str::from_utf8(&data).map_err(|_| bad("the headers are not UTF-8"))?;
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or_default().split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (first.next(), first.next(), first.next(), first.next())
    else {
        return Err(bad("the request line is not `METHOD /path HTTP/1.1`"));
    };
    if !version.starts_with("HTTP/1.") {
        return Err(Reply::error(
            505,
            "bad_request",
            "only HTTP/1.x is spoken here",
        ));
    }
    let mut length: u64 = 0;
    let mut expect_continue = false;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            return Err(bad("a header line has no `:`"));
        };
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" => {
                length = value
                    .parse()
                    .map_err(|_| bad("Content-Length is not a number"))?;
            }
            "transfer-encoding" => {
                return Err(Reply::error(
                    411,
                    "bad_request",
                    "send the body with a Content-Length, not chunked",
                ));
            }
            "expect" => expect_continue = value.eq_ignore_ascii_case("100-continue"),
            _ => {}
        }
    }
    if length > max_body {
        return Err(Reply::error(
            413,
            "too_large",
            &format!(
                "the body is {length} bytes; this server takes at most {max_body} (lore serve --max-body)"
            ),
        ));
    }
    if expect_continue {
        let _ = (&*conn).write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
    }
    body.truncate(length as usize);
    while (body.len() as u64) < length {
        let mut chunk = vec![0u8; (length as usize - body.len()).min(1 << 16)];
        let n = read(&mut chunk)?;
        if n == 0 {
            return Err(bad("the body ended before its Content-Length"));
        }
        body.extend_from_slice(&chunk[..n]);
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    Ok(Request {
        method: method.to_string(),
        path: decode(path),
        query: query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (decode(k), decode(v))
            })
            .collect(),
        body,
    })
}

pub(super) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Percent-decoding of a URL part (`+` is a space in a query string).
pub(super) fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                match std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// An answer: a status and a JSON body.
pub(super) struct Reply(pub(super) u16, pub(super) Json);

impl Reply {
    pub(super) fn ok(body: Json) -> Reply {
        Reply(200, body)
    }

    pub(super) fn error(status: u16, kind: &str, message: &str) -> Reply {
        Reply(status, json!({"error": {"kind": kind, "message": message}}))
    }

    pub(super) fn from_error(e: &Error) -> Reply {
        let (status, kind) = match e {
            Error::TimedOut { .. } => (503, "timeout"),
            Error::Cancelled => (503, "cancelled"),
            e if e.is_user_error() => (400, "user"),
            _ => (500, "internal"),
        };
        Reply::error(status, kind, &e.to_string())
    }

    pub(super) fn send(self, conn: &mut &TcpStream) -> io::Result<()> {
        let Reply(status, body) = self;
        let mut text = serde_json::to_vec_pretty(&body).unwrap_or_default();
        text.push(b'\n');
        write!(
            conn,
            "HTTP/1.1 {status} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            reason(status),
            text.len()
        )?;
        conn.write_all(&text)?;
        conn.flush()
    }
}

pub(super) fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        411 => "Length Required",
        413 => "Content Too Large",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "",
    }
}

/// Writes HTTP chunks.
pub(super) struct Chunked<'a>(pub(super) &'a TcpStream);

impl Write for Chunked<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let mut conn = self.0;
        write!(conn, "{:x}\r\n", buf.len())?;
        conn.write_all(buf)?;
        conn.write_all(b"\r\n")?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        let mut conn = self.0;
        conn.flush()
    }
}

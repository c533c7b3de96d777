//! The client side: a running app of either framework, requests sent with
//! reqwest or as raw bytes over a TCP stream, and answers read to the end.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use http::{HeaderMap, HeaderName, HeaderValue, Method};
use opsguard_auth::MemorySink;
use opsguard_core::{Error, ErrorBody, JSON_CONTENT_TYPE};
use serde_json::Value;

use crate::fixture::Fixture;
use crate::server::Server;

/// The adapter an app is built on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framework {
    Axum,
    Actix,
}

/// An app of one framework, serving on a loopback socket, and a client for
/// it.
pub(crate) struct TestApp {
    framework: Framework,
    fixture: Arc<Fixture>,
    audit: Arc<MemorySink>,
    client: reqwest::Client,
    base: String,
    // Last: the client's connections close before the server waits for them.
    server: Server,
}

impl TestApp {
    /// An app on `framework` with keys of its own.
    pub(crate) fn start(framework: Framework) -> Self {
        Self::start_with(framework, Arc::new(Fixture::new()))
    }

    /// An app on `framework` trusting `fixture`'s keys, with stores of its
    /// own.
    pub(crate) fn start_with(framework: Framework, fixture: Arc<Fixture>) -> Self {
        let (guard, audit) = fixture.guard();
        let server = match framework {
            Framework::Axum => crate::app_axum::start(guard),
            Framework::Actix => crate::app_actix::start(guard),
        };
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        Self {
            framework,
            fixture,
            audit,
            client,
            base: format!("http://{}", server.addr()),
            server,
        }
    }

    /// The framework the app runs on.
    pub(crate) fn framework(&self) -> Framework {
        self.framework
    }

    /// The keys and token minting the app trusts.
    pub(crate) fn fixture(&self) -> &Fixture {
        &self.fixture
    }

    /// The app's audit events.
    pub(crate) fn audit(&self) -> &MemorySink {
        &self.audit
    }

    /// Sends `request` with reqwest and reads the whole answer.
    pub(crate) async fn send(&self, request: Request) -> Answer {
        let mut headers = HeaderMap::new();
        for (name, value) in request.headers {
            headers.append(name, value);
        }
        let mut builder = self
            .client
            .request(request.method, format!("{}{}", self.base, request.path))
            .headers(headers);
        if let Some(body) = request.body {
            builder = builder.body(body);
        }
        let response = builder.send().await.unwrap();
        let version = format!("{:?}", response.version());
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.bytes().await.unwrap().to_vec();
        Answer {
            version,
            interim: Vec::new(),
            status,
            headers,
            body,
        }
    }

    /// Writes `bytes` (a whole HTTP/1.1 request, see [`raw_request`]) to a
    /// fresh connection exactly as given, and reads the answer up to the
    /// server's close.
    pub(crate) fn send_raw(&self, bytes: &[u8]) -> Answer {
        let mut stream = TcpStream::connect(self.server.addr()).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        stream.write_all(bytes).unwrap();
        let mut received = Vec::new();
        let mut chunk = [0_u8; 4096];
        loop {
            match stream.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => received.extend_from_slice(&chunk[..n]),
                // A server that answered before reading the whole body may
                // reset the connection after its answer.
                Err(err) if !received.is_empty() => {
                    eprintln!("connection ended with {err} after the answer");
                    break;
                }
                Err(err) => panic!("no answer: {err}"),
            }
        }
        parse_response(&received)
    }
}

/// `method path HTTP/1.1` with `Host`, `Connection: close`, each of `lines`
/// written exactly as given (`b"Authorization:  Bearer x "`), a
/// `Content-Length` when `body` is not empty, and `body`.
pub(crate) fn raw_request(method: &str, path: &str, lines: &[&[u8]], body: &[u8]) -> Vec<u8> {
    let mut out = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n")
        .into_bytes();
    for line in lines {
        out.extend_from_slice(line);
        out.extend_from_slice(b"\r\n");
    }
    if !body.is_empty() {
        out.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    out
}

/// An HTTP/1.1 answer as received: status line, headers, then a body
/// framed by `Content-Length`, by chunks, or by the end of the stream.
fn parse_response(mut bytes: &[u8]) -> Answer {
    // Interim answers (`100 Continue`) come first; the final one counts.
    let mut interim = Vec::new();
    while bytes.starts_with(b"HTTP/1.1 1") {
        let end = bytes.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        let status = std::str::from_utf8(&bytes[9..12]).unwrap();
        interim.push(status.parse().unwrap());
        bytes = &bytes[end + 4..];
    }
    let split = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in {:?}", String::from_utf8_lossy(bytes)));
    let head = std::str::from_utf8(&bytes[..split]).unwrap();
    let rest = &bytes[split + 4..];
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap().to_owned();
    assert!(version.starts_with("HTTP/1."), "{status_line}");
    let status: u16 = parts.next().unwrap().parse().unwrap();
    let mut headers = HeaderMap::new();
    for line in lines {
        let (name, value) = line.split_once(':').unwrap();
        headers.append(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value.trim()).unwrap(),
        );
    }
    let chunked = headers
        .get("transfer-encoding")
        .is_some_and(|v| v.to_str().unwrap().contains("chunked"));
    let body = if chunked {
        dechunk(rest)
    } else if let Some(length) = headers.get("content-length") {
        let length: usize = length.to_str().unwrap().parse().unwrap();
        rest[..length].to_vec()
    } else {
        rest.to_vec()
    };
    Answer {
        version,
        interim,
        status,
        headers,
        body,
    }
}

/// The data of a chunked body.
fn dechunk(mut bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let end = bytes.windows(2).position(|w| w == b"\r\n").unwrap();
        let size_text = std::str::from_utf8(&bytes[..end]).unwrap();
        let size_text = size_text.split(';').next().unwrap().trim();
        let size = usize::from_str_radix(size_text, 16).unwrap();
        bytes = &bytes[end + 2..];
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&bytes[..size]);
        bytes = &bytes[size + 2..];
    }
}

/// A request for [`TestApp::send`].
#[derive(Debug, Clone)]
pub(crate) struct Request {
    method: Method,
    path: String,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Option<Vec<u8>>,
}

impl Request {
    /// `method path`, no headers, no body.
    pub(crate) fn new(method: &str, path: &str) -> Self {
        Self {
            method: Method::from_bytes(method.as_bytes()).unwrap(),
            path: path.to_owned(),
            headers: Vec::new(),
            body: None,
        }
    }

    pub(crate) fn get(path: &str) -> Self {
        Self::new("GET", path)
    }

    pub(crate) fn post(path: &str) -> Self {
        Self::new("POST", path)
    }

    pub(crate) fn delete(path: &str) -> Self {
        Self::new("DELETE", path)
    }

    /// The same request with one more `name: value` header (a second one
    /// of the same name is sent as a second header line).
    pub(crate) fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        ));
        self
    }

    /// `Authorization: Bearer token`.
    pub(crate) fn bearer(self, token: &str) -> Self {
        self.header("authorization", &format!("Bearer {token}"))
    }

    /// `body` with `content-type: application/json`.
    pub(crate) fn json(self, body: impl Into<Vec<u8>>) -> Self {
        self.header("content-type", JSON_CONTENT_TYPE).body(body)
    }

    /// `body`, with no content type of its own.
    pub(crate) fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = Some(body.into());
        self
    }

    /// Method, path, header names and body length, for failure messages
    /// (tokens are long and say nothing).
    pub(crate) fn describe(&self) -> String {
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        format!(
            "{} {} {names:?} body {} bytes",
            self.method,
            self.path,
            self.body.as_ref().map_or(0, Vec::len)
        )
    }
}

/// An answer, read to the end.
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    /// `HTTP/1.1`, `HTTP/1.0`.
    pub(crate) version: String,
    /// The statuses of the interim (1xx) answers before this one, as
    /// received by [`TestApp::send_raw`] (reqwest does not show them).
    pub(crate) interim: Vec<u16>,
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
}

impl Answer {
    /// The only value of header `name`; `None` without one, a failure with
    /// several.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        let mut values = self.headers.get_all(name).iter();
        let first = values.next()?;
        assert!(values.next().is_none(), "more than one {name} header");
        Some(first.to_str().unwrap())
    }

    /// The body as text.
    pub(crate) fn text(&self) -> String {
        String::from_utf8(self.body.clone()).unwrap()
    }

    /// The body as JSON.
    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    /// The body as an opsguard error body.
    pub(crate) fn error(&self) -> ErrorBody {
        ErrorBody::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not an error envelope ({e}): {}", self.text()))
    }

    /// `(field, code)` of every field error.
    pub(crate) fn fields(&self) -> Vec<(String, String)> {
        self.error()
            .error
            .fields
            .iter()
            .map(|f| (f.field().to_owned(), f.code().to_owned()))
            .collect()
    }

    /// Asserts this is exactly `expected.to_wire()`: status, each wire
    /// header (once, with its value) and the body bytes.
    #[track_caller]
    pub(crate) fn assert_error(&self, expected: &Error) {
        let wire = expected.to_wire();
        assert_eq!(self.status, wire.status, "status of {}", self.text());
        for (name, value) in &wire.headers {
            assert_eq!(self.header(name), Some(value.as_str()), "header {name}");
        }
        if !wire.headers.iter().any(|(n, _)| *n == "www-authenticate") {
            assert_eq!(self.header("www-authenticate"), None);
        }
        if !wire.headers.iter().any(|(n, _)| *n == "retry-after") {
            assert_eq!(self.header("retry-after"), None);
        }
        assert_eq!(self.text(), String::from_utf8(wire.body).unwrap(), "body");
    }

    /// Asserts status `status`, `content-type: application/json` and the
    /// body bytes `body`.
    #[track_caller]
    pub(crate) fn assert_json(&self, status: u16, body: &str) {
        assert_eq!(self.status, status, "status of {}", self.text());
        assert_eq!(self.header("content-type"), Some(JSON_CONTENT_TYPE));
        assert_eq!(self.text(), body);
    }
}

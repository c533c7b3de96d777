//! The strongest form of the claim: the same requests to both apps, the
//! same answers — HTTP version, status, every header but `Date` and
//! `Connection`, and body bytes — once request ids and freshly minted
//! tokens are masked. What the frameworks themselves (their routers and
//! HTTP servers, below and around every opsguard layer) do differently is
//! asserted exactly in `known_framework_differences`.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::checks::{assert_request_id, login};
use crate::client::{Answer, Framework, Request, TestApp, raw_request};
use crate::fixture::{ALICE, ALICE_PASSWORD, BODY_LIMIT, Fixture};

/// A request, sent with reqwest or written byte for byte.
enum Probe {
    Http(Request),
    Raw(Vec<u8>),
    /// A successful login (its answer carries fresh tokens).
    Login,
}

/// An answer reduced to what must be equal: HTTP version, status, sorted
/// headers (see [`NOT_COMPARED`]) with the request id masked and `Allow`
/// as a list, body with tokens masked.
type Comparable = (String, u16, Vec<(String, String)>, String);

/// Headers left out of the comparison, and why:
///
/// * `date`: the time of the answer;
/// * `connection`: hop-by-hop (RFC 9110 §7.6.1), the server's connection
///   management: actix-http announces `Connection: close` when it answers
///   before reading the request body (a 413 by `Content-Length`, a refused
///   content type), hyper closes such a connection without saying so.
const NOT_COMPARED: [&str; 2] = ["date", "connection"];

fn comparable(answer: &Answer) -> Comparable {
    let mut headers: Vec<(String, String)> = answer
        .headers
        .iter()
        .filter(|(name, _)| !NOT_COMPARED.contains(&name.as_str()))
        .map(|(name, value)| {
            let value = if name.as_str() == "x-request-id" {
                assert_request_id(answer);
                "<request id>".to_owned()
            } else if name.as_str() == "allow" {
                // A list (RFC 9110 §5.6.1): axum writes `GET,HEAD`,
                // actix-web `GET, HEAD`.
                let list = value.to_str().unwrap().split(',').map(str::trim);
                list.collect::<Vec<_>>().join(",")
            } else {
                String::from_utf8_lossy(value.as_bytes()).into_owned()
            };
            (name.as_str().to_owned(), value)
        })
        .collect();
    headers.sort();
    let mut body = answer.text();
    if let Ok(mut value) = serde_json::from_str::<Value>(&body) {
        let data = value.get_mut("data").and_then(Value::as_object_mut);
        if let Some(data) = data.filter(|d| d.contains_key("access_token")) {
            data.insert("access_token".into(), json!("<token>"));
            data.insert("refresh_token".into(), json!("<token>"));
            body = value.to_string();
        }
    }
    (answer.version.clone(), answer.status, headers, body)
}

fn probes(fixture: &Fixture) -> Vec<(String, Probe)> {
    let alice = fixture.alice_token();
    let admin = fixture.admin_token();
    let http = |request: Request| (request.describe(), Probe::Http(request));
    let raw = |name: &str, bytes: Vec<u8>| (name.to_owned(), Probe::Raw(bytes));
    let item = r#"{"name":"w","enabled":true}"#;
    vec![
        http(Request::get("/me")),
        http(Request::get("/me").bearer(&alice)),
        http(Request::get("/me").bearer("garbage")),
        http(Request::get("/me").header("authorization", &format!("bearer {alice}"))),
        http(Request::get("/me").bearer(&alice).bearer(&alice)),
        http(Request::get("/me").header("authorization", "")),
        http(Request::get("/greeting")),
        http(Request::get("/greeting").bearer(&alice)),
        http(Request::get("/greeting").bearer("garbage")),
        http(Request::get("/admin")),
        http(Request::get("/admin").bearer(&alice)),
        http(Request::get("/admin").bearer(&admin)),
        http(Request::delete("/jobs/1").bearer(&alice)),
        http(Request::delete("/jobs/2").bearer(&alice)),
        http(Request::delete("/jobs/2").bearer(&admin)),
        http(Request::delete("/jobs/99").bearer(&alice)),
        http(Request::delete("/jobs/18446744073709551616").bearer(&alice)),
        http(Request::delete("/jobs/abc").bearer(&alice)),
        http(Request::delete("/jobs/abc")),
        http(Request::delete("/jobs/%FF").bearer(&alice)),
        http(Request::post("/items").json(item)),
        http(Request::post("/items").json("{")),
        http(Request::post("/items").json(r#"{"name":"w","enabled":true,"x":1}"#)),
        http(Request::post("/items").json(r#"{"name":"w","enabled":"true"}"#)),
        http(Request::post("/items").json(r#"{"name":"","enabled":true}"#)),
        http(Request::post("/items").body(item)),
        http(
            Request::post("/items")
                .header("content-type", "text/plain")
                .body(item),
        ),
        http(Request::post("/items").json("x".repeat(BODY_LIMIT + 1))),
        http(Request::get("/me").body("x".repeat(BODY_LIMIT + 1))),
        http(Request::post("/nope").body("x".repeat(BODY_LIMIT + 1))),
        http(Request::get("/nope")),
        http(Request::post("/me")),
        http(Request::get("/jobs/1")),
        http(Request::new("OPTIONS", "/me")),
        http(Request::new("HEAD", "/me")),
        http(Request::new("HEAD", "/nope")),
        http(Request::new("HEAD", "/.well-known/jwks.json")),
        http(Request::get("/me").header("x-request-id", "chosen")),
        http(Request::get("//me").bearer(&alice)),
        http(Request::get("/ME").bearer(&alice)),
        http(Request::get("/me?x=1&x=2").bearer(&alice)),
        http(Request::get("/me#fragment").bearer(&alice)),
        http(Request::delete("/jobs/1%2F2").bearer(&alice)),
        http(Request::delete("/jobs/%2B1").bearer(&alice)),
        http(Request::delete("/jobs/+1").bearer(&alice)),
        http(Request::delete("/jobs/01").bearer(&alice)),
        http(Request::get("/files/alice/report")),
        http(Request::get("/files/%FF/report")),
        http(Request::get("/files/alice/%C3")),
        http(Request::get("/files/%EF%BF%BD/%C3%A9")),
        http(Request::get("/files/a%2Fb/%25FF")),
        http(Request::get("/mismatch/1")),
        http(Request::get("/.well-known/jwks.json")),
        http(
            Request::post("/auth/login")
                .json(json!({"username": ALICE, "password": "wrong"}).to_string()),
        ),
        http(Request::post("/auth/login").json(r#"{"username":"alice"}"#)),
        http(Request::post("/auth/refresh").json(r#"{"refresh_token":"garbage"}"#)),
        http(Request::post("/auth/logout").json(r#"{"refresh_token":"garbage"}"#)),
        ("successful login".to_owned(), Probe::Login),
        raw(
            "spaces around the value",
            raw_request(
                "GET",
                "/me",
                &[format!("Authorization:   Bearer  {alice}  ").as_bytes()],
                b"",
            ),
        ),
        raw(
            "tab after the scheme",
            raw_request(
                "GET",
                "/me",
                &[format!("Authorization: Bearer\t{alice}").as_bytes()],
                b"",
            ),
        ),
        raw(
            "empty authorization",
            raw_request("GET", "/greeting", &[b"Authorization:"], b""),
        ),
        raw(
            "obs-text in the token",
            raw_request("GET", "/me", &[b"Authorization: Bearer \xff\xfe"], b""),
        ),
        raw("HTTP/1.0", b"GET /me HTTP/1.0\r\n\r\n".to_vec()),
        raw(
            "Expect: 100-continue",
            raw_request(
                "POST",
                "/items",
                &[b"Content-Type: application/json", b"Expect: 100-continue"],
                item.as_bytes(),
            ),
        ),
        // Malformed HTTP is refused by both servers before any layer runs:
        // a bare 400, without the envelope or the security headers.
        raw(
            "two Content-Length",
            b"POST /items HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}".to_vec(),
        ),
        raw("garbage request line", b"GARBAGE\r\n\r\n".to_vec()),
        raw(
            "obs-fold",
            raw_request("GET", "/me", &[b"Authorization: Bearer", b" x"], b""),
        ),
        raw(
            "space before the colon",
            raw_request("GET", "/me", &[b"Authorization : Bearer x"], b""),
        ),
        raw(
            "absolute-form target",
            raw_request("GET", "http://127.0.0.1/me", &[], b""),
        ),
        raw(
            "dot segments",
            raw_request("GET", "/greeting/../me", &[], b""),
        ),
        raw(
            "chunked, over the limit",
            [
                raw_request(
                    "POST",
                    "/items",
                    &[
                        b"Content-Type: application/json",
                        b"Transfer-Encoding: chunked",
                    ],
                    b"",
                ),
                format!(
                    "{:x}\r\n{}\r\n0\r\n\r\n",
                    BODY_LIMIT + 1,
                    " ".repeat(BODY_LIMIT + 1)
                )
                .into_bytes(),
            ]
            .concat(),
        ),
    ]
}

async fn answer(app: &TestApp, probe: &Probe) -> Answer {
    match probe {
        Probe::Http(request) => app.send(request.clone()).await,
        Probe::Raw(bytes) => app.send_raw(bytes),
        Probe::Login => login(app, ALICE, ALICE_PASSWORD).await,
    }
}

/// Every probe answered alike by both apps; all differences are listed
/// before the check fails.
pub(crate) async fn identical_answers() {
    let fixture = Arc::new(Fixture::new());
    let axum = TestApp::start_with(Framework::Axum, Arc::clone(&fixture));
    let actix = TestApp::start_with(Framework::Actix, Arc::clone(&fixture));
    let mut differences = Vec::new();
    let probes = probes(&fixture);
    for (name, probe) in &probes {
        let a = comparable(&answer(&axum, probe).await);
        let b = comparable(&answer(&actix, probe).await);
        if a != b {
            differences.push(format!("{name}\n  axum:  {a:?}\n  actix: {b:?}"));
        }
    }
    assert!(
        differences.is_empty(),
        "{} of {} probes differ:\n{}",
        differences.len(),
        probes.len(),
        differences.join("\n")
    );
}

/// What the frameworks' routers and HTTP servers do differently, outside
/// any opsguard layer or extractor, asserted exactly so that a change on
/// either side shows.
pub(crate) async fn known_framework_differences() {
    let fixture = Arc::new(Fixture::new());
    let axum = TestApp::start_with(Framework::Axum, Arc::clone(&fixture));
    let actix = TestApp::start_with(Framework::Actix, Arc::clone(&fixture));

    // A known route with another method: the same 404 envelope and the
    // same `Allow` list, written with a space after the comma by
    // actix-web only (both are the same list, RFC 9110 §5.6.1).
    for (request, axum_allow, actix_allow) in [
        (Request::post("/me"), "GET,HEAD", "GET, HEAD"),
        (Request::get("/jobs/1"), "DELETE", "DELETE"),
        (Request::new("OPTIONS", "/items"), "POST", "POST"),
        (Request::get("/auth/login"), "POST", "POST"),
        (
            Request::post("/.well-known/jwks.json"),
            "GET,HEAD",
            "GET, HEAD",
        ),
    ] {
        let a = axum.send(request.clone()).await;
        let b = actix.send(request.clone()).await;
        assert_eq!(
            a.header("allow"),
            Some(axum_allow),
            "{}",
            request.describe()
        );
        assert_eq!(
            b.header("allow"),
            Some(actix_allow),
            "{}",
            request.describe()
        );
        assert_eq!(comparable(&a), comparable(&b), "{}", request.describe());
    }

    // HTTP/1.1 framing the two servers judge differently, before any
    // layer: a request with both `Content-Length` and `Transfer-Encoding`
    // (RFC 9112 §6.1 lets a server reject it, or use the chunked framing
    // and close) and one without `Host` (RFC 9112 §3.2: 400). hyper serves
    // both, actix-http refuses both with a bare 400.
    let cl_and_te = b"POST /items HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
    let a = axum.send_raw(cl_and_te);
    let b = actix.send_raw(cl_and_te);
    assert_eq!(a.status, 422, "{}", a.text());
    assert_eq!(a.fields(), [(String::new(), "invalid_json".to_owned())]);
    assert_eq!((b.status, b.text().as_str()), (400, ""));
    assert_eq!(b.header("x-request-id"), None);
    let no_host = b"GET /me HTTP/1.1\r\nConnection: close\r\n\r\n";
    let a = axum.send_raw(no_host);
    let b = actix.send_raw(no_host);
    assert_eq!(a.text(), crate::checks::MISSING_TOKEN);
    assert_eq!((b.status, b.text().as_str()), (400, ""));
    assert_eq!(b.header("strict-transport-security"), None);

    // More HTTP/1.1 that actix-http refuses with a bare 400 (or 431) before
    // any layer runs, and hyper serves: more than 96 header fields (hyper
    // allows 100), a repeated `Host` (RFC 9112 §3.2 says 400), a transfer
    // coding other than `chunked` alone (hyper reads `gzip, chunked` as
    // chunked and hands the handler the still-encoded bytes), raw
    // non-ASCII bytes in the request target; and a request target over
    // hyper's limit is 414 from hyper, a bare 400 from actix-http.
    let extra: Vec<String> = (0..95).map(|i| format!("X-Filler-{i}: v")).collect();
    let extra: Vec<&[u8]> = extra.iter().map(|line| line.as_bytes()).collect();
    let many_fields = raw_request("GET", "/greeting", &extra, b"");
    let two_hosts =
        b"GET /greeting HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\nConnection: close\r\n\r\n"
            .to_vec();
    let item = r#"{"name":"w","enabled":true}"#;
    let gzip_chunked = [
        raw_request(
            "POST",
            "/items",
            &[
                b"Content-Type: application/json",
                b"Transfer-Encoding: gzip, chunked",
            ],
            b"",
        ),
        format!("{:x}\r\n{item}\r\n0\r\n\r\n", item.len()).into_bytes(),
    ]
    .concat();
    let raw_utf8_target = raw_request("GET", "/files/\u{e9}/x", &[], b"");
    for (name, request, axum_status, actix_status) in [
        ("97 header fields", many_fields, 200, 431),
        ("two Host fields", two_hosts, 200, 400),
        ("gzip, chunked", gzip_chunked, 201, 400),
        ("raw UTF-8 in the target", raw_utf8_target, 200, 400),
        (
            "a 70000-byte target",
            raw_request("GET", &format!("/files/{}/x", "a".repeat(70_000)), &[], b""),
            414,
            400,
        ),
    ] {
        let a = axum.send_raw(&request);
        let b = actix.send_raw(&request);
        assert_eq!(a.status, axum_status, "axum, {name}: {}", a.text());
        assert_eq!(
            (b.status, b.text().as_str()),
            (actix_status, ""),
            "actix, {name}"
        );
        assert_eq!(b.header("x-request-id"), None, "{name}");
        assert_eq!(b.header("strict-transport-security"), None, "{name}");
    }

    // `Expect: 100-continue` (RFC 9110 §10.1.1) asks for a go-ahead before
    // the body is sent. hyper gives it only when the app starts reading the
    // body, so a request the layers refuse unread (too long by
    // `Content-Length`, no credential, a wrong content type) is answered
    // without it and its body never sent; actix-http sends `100 Continue`
    // before any middleware runs, so the client sends the body anyway and
    // the server discards it. The final answers are the same.
    for (name, request) in [
        (
            "declared length over the limit",
            format!(
                "POST /items HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: {}\r\n\r\n",
                BODY_LIMIT + 1
            ),
        ),
        (
            "no credential",
            "GET /me HTTP/1.1\r\nHost: x\r\nConnection: close\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"
                .to_owned(),
        ),
    ] {
        let a = axum.send_raw(request.as_bytes());
        let b = actix.send_raw(request.as_bytes());
        assert_eq!(a.interim, Vec::<u16>::new(), "axum, {name}");
        assert_eq!(b.interim, [100], "actix, {name}");
        assert_eq!(comparable(&a), comparable(&b), "{name}");
        assert!(matches!(a.status, 401 | 413), "{name}: {}", a.status);
    }

    // A percent-encoded unreserved character in the route's own path
    // (`/%6De` is `/me`, RFC 3986 §6.2.2.2): actix-web's router decodes it
    // before matching, axum's matches the path as sent. Path parameters
    // are decoded by both (`DELETE /jobs/%31` is job 1 on both).
    let request = Request::get("/%6De").bearer(&fixture.alice_token());
    let a = axum.send(request.clone()).await;
    let b = actix.send(request).await;
    assert_eq!(a.status, 404, "{}", a.text());
    assert_eq!(
        a.text(),
        r#"{"error":{"type":"NotFound","message":"not found"}}"#
    );
    assert_eq!(b.status, 200, "{}", b.text());
    assert_eq!(
        b.text(),
        r#"{"success":true,"message":"current user","data":{"id":"1","username":"alice"}}"#
    );
}

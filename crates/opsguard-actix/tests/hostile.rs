//! Hostile input against the actix-web adapter, in process: what an
//! attacker can put in a path, a query string or a body stream, where
//! actix-web's own machinery would answer otherwise than opsguard-axum.
//! (What both adapters must answer alike over real sockets is in the
//! conformance suite in `tests/`.)
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::CONTENT_LENGTH;
use actix_web::test::{self, TestRequest};
use actix_web::web::Bytes;
use actix_web::{App, web};
use futures_util::StreamExt;
use opsguard_actix::{BodyLimit, ErrorEnvelope, Json, Path, Query};
use opsguard_core::Error;
use serde::Deserialize;

/// A response, read to the end.
struct Answer {
    status: StatusCode,
    body: String,
}

impl Answer {
    /// Asserts this answer is exactly `err.to_wire()` (status, headers,
    /// body bytes).
    #[track_caller]
    fn assert_wire(&self, err: &Error, what: &str) {
        let wire = err.to_wire();
        assert_eq!(self.status.as_u16(), wire.status, "{what}: {}", self.body);
        assert_eq!(self.body, String::from_utf8(wire.body).unwrap(), "{what}");
    }

    /// Asserts a 422 whose only field error is `(field, code)`.
    #[track_caller]
    fn assert_field(&self, field: &str, code: &str, what: &str) {
        assert_eq!(
            self.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{what}: {}",
            self.body
        );
        let body: serde_json::Value = serde_json::from_str(&self.body).unwrap();
        let fields = body["error"]["fields"].as_array().unwrap();
        assert_eq!(fields.len(), 1, "{what}: {}", self.body);
        assert_eq!(
            (fields[0]["field"].as_str(), fields[0]["code"].as_str()),
            (Some(field), Some(code)),
            "{what}: {}",
            self.body
        );
    }
}

/// Sends `request` through `app`; an `Err` is answered as actix-web's HTTP
/// server answers it.
async fn send<S, B>(app: &S, request: actix_http::Request) -> Answer
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody + 'static,
{
    let response = match app.call(request).await {
        Ok(response) => response.into_parts().1.map_into_boxed_body(),
        Err(err) => err.error_response(),
    };
    let status = response.status();
    let body = actix_web::body::to_bytes(response.into_body())
        .await
        .unwrap_or_else(|_| panic!("unreadable body"));
    Answer {
        status,
        body: String::from_utf8(body.to_vec()).unwrap(),
    }
}

async fn get<S, B>(app: &S, uri: &str) -> Answer
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody + 'static,
{
    send(app, TestRequest::get().uri(uri).to_request()).await
}

// --- request bodies that do not declare their length ---

/// Reads the whole raw body stream, as a handler that streams an upload
/// (or `actix-multipart`) does, and answers its length.
async fn raw_length(mut payload: web::Payload) -> Result<String, actix_web::Error> {
    let mut length = 0;
    while let Some(chunk) = payload.next().await {
        length += chunk?.len();
    }
    Ok(length.to_string())
}

/// A POST of `chunks` as a body without `Content-Length`, as a chunked
/// request arrives.
fn chunked(uri: &str, chunks: &[&'static [u8]]) -> actix_http::Request {
    let mut request = TestRequest::post()
        .uri(uri)
        .insert_header(("content-type", "application/json"))
        .to_request();
    request.headers_mut().remove(CONTENT_LENGTH);
    let chunks: Vec<Result<Bytes, actix_web::error::PayloadError>> = chunks
        .iter()
        .map(|chunk| Ok(Bytes::from_static(chunk)))
        .collect();
    let stream: actix_http::BoxedPayloadStream = Box::pin(futures_util::stream::iter(chunks));
    *request.payload() = stream.into();
    request
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Item {
    #[expect(dead_code, reason = "read by serde only")]
    name: String,
}

/// opsguard-axum's `BodyLimitLayer` wraps the body itself, so every reader
/// of it — a raw `Body` stream included — is cut off at the limit.
/// `BodyLimit` must do the same for `web::Payload` (and every extractor
/// built on it, such as `actix-multipart`): a chunked upload past the limit
/// is a 413, not a body of any size.
#[actix_web::test]
async fn a_raw_payload_stream_is_cut_off_at_the_body_limit() {
    let app = test::init_service(
        App::new()
            .route("/raw", web::post().to(raw_length))
            .route(
                "/json",
                web::post().to(|Json(_): Json<Item>| async { "read" }),
            )
            .service(
                web::scope("/small")
                    .wrap(BodyLimit::new(16))
                    .route("/raw", web::post().to(raw_length)),
            )
            .wrap(BodyLimit::new(64))
            .wrap(ErrorEnvelope::new()),
    )
    .await;
    const A32: &[u8] = &[b'a'; 32];

    let within = send(&app, chunked("/raw", &[A32, A32])).await;
    assert_eq!(
        (within.status, within.body.as_str()),
        (StatusCode::OK, "64")
    );

    for (uri, chunks) in [
        ("/raw", &[A32, A32, b"a"][..]),
        ("/raw", &[A32, A32, A32, A32][..]),
        // The limit closest to the route, when it is the smaller one.
        ("/small/raw", &[b"0123456789abcdef".as_slice(), b"!"][..]),
        ("/small/raw", &[A32][..]),
    ] {
        let answer = send(&app, chunked(uri, chunks)).await;
        answer.assert_wire(&Error::payload_too_large(), uri);
    }

    // opsguard's own `Json` still answers 413, not "unreadable body".
    let answer = send(&app, chunked("/json", &[b"{\"name\":\"", A32, A32])).await;
    answer.assert_wire(&Error::payload_too_large(), "json");
}

// --- path parameters ---

#[derive(Debug, Deserialize)]
struct Doc {
    tenant: String,
    doc: String,
}

fn path_app() -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = ServiceResponse<actix_web::body::BoxBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .route(
            "/files/{owner}/{name}",
            web::get().to(|Path((owner, name)): Path<(String, String)>| async move {
                format!("{owner:?} {name:?}")
            }),
        )
        .service(
            web::scope("/t/{tenant}").route(
                "/docs/{doc}",
                web::get()
                    .to(|Path(d): Path<Doc>| async move { format!("{:?} {:?}", d.tenant, d.doc) }),
            ),
        )
        .route(
            "/tail/{rest:.*}",
            web::get().to(|Path(rest): Path<String>| async move { format!("{rest:?}") }),
        )
        .route(
            "/pair/{a}/{b}",
            web::get().to(|Path((a, b)): Path<(i64, i64)>| async move { format!("{a} {b}") }),
        )
        .wrap(ErrorEnvelope::new())
}

/// A path parameter whose percent-decoded bytes are not UTF-8 is refused
/// with the 422 naming it, as opsguard-axum (axum's router) refuses it.
/// actix-web's router decodes the path lossily, so `%FF`, `%FE` and `%C3`
/// would all reach the handler as the same U+FFFD: distinct names sent by
/// the client that one lookup could not tell apart.
#[actix_web::test]
async fn a_path_parameter_that_is_not_utf8_is_refused_and_named() {
    let app = test::init_service(path_app()).await;
    for (uri, field) in [
        ("/files/%FF/report", "owner"),
        ("/files/%FE/report", "owner"),
        ("/files/alice/%C3", "name"),
        ("/files/alice/a%FFb", "name"),
        ("/files/alice/%ED%A0%80", "name"), // an encoded UTF-16 surrogate
        ("/files/alice/%C0%AF", "name"),    // an overlong `/`
        // The first parameter in the route's order, as axum names it,
        // even where a later one is also refused.
        ("/files/%FF/%FF", "owner"),
        ("/pair/%FF/x", "a"),
        // Parameters of an enclosing scope count too.
        ("/t/%FF/docs/readme", "tenant"),
        ("/t/acme/docs/%80", "doc"),
        ("/tail/a/b/%FF", "rest"),
    ] {
        let answer = get(&app, uri).await;
        answer.assert_wire(&opsguard_validate::invalid_path_param(Some(field)), uri);
    }

    // A U+FFFD the client really sent, and other valid text, still pass.
    for (uri, body) in [
        ("/files/%EF%BF%BD/%C3%A9", "\"\u{fffd}\" \"é\""),
        ("/files/a%2Fb/%25FF", r#""a/b" "%FF""#),
        ("/files/%E2%80%AE/x", r#""\u{202e}" "x""#),
        ("/t/%EF%BF%BD/docs/%F0%9F%94%91", "\"\u{fffd}\" \"🔑\""),
        ("/tail/%EF%BF%BD/%C3%A9", "\"\u{fffd}/é\""),
    ] {
        let answer = get(&app, uri).await;
        assert_eq!(
            (answer.status, answer.body.as_str()),
            (StatusCode::OK, body),
            "{uri}"
        );
    }
    // A parameter that is text but not a number is still named by index.
    let answer = get(&app, "/pair/1/x").await;
    answer.assert_field("b", "invalid_value", "/pair/1/x");
}

/// A route and a `Path<T>` that do not fit together is the program's
/// mistake: a 500 (logged), as opsguard-axum answers it, never a 422 that
/// blames the client.
#[actix_web::test]
async fn a_path_type_that_does_not_fit_the_route_is_a_500() {
    let app = test::init_service(
        App::new()
            .route(
                "/one/{id}",
                web::get().to(|Path((a, b)): Path<(i64, i64)>| async move { format!("{a}{b}") }),
            )
            .route(
                "/two/{a}/{b}",
                web::get().to(|Path(id): Path<i64>| async move { id.to_string() }),
            )
            .route(
                "/none",
                web::get().to(|Path(id): Path<i64>| async move { id.to_string() }),
            )
            .route(
                "/short/{a}/{b}",
                web::get().to(|Path((a,)): Path<(i64,)>| async move { a.to_string() }),
            )
            .route(
                "/optional/{id}",
                web::get().to(|Path(id): Path<Option<i64>>| async move { format!("{id:?}") }),
            )
            .wrap(ErrorEnvelope::new()),
    )
    .await;
    for uri in ["/one/1", "/two/1/2", "/none", "/optional/1", "/optional/x"] {
        let answer = get(&app, uri).await;
        answer.assert_wire(&Error::internal("route and type disagree"), uri);
    }
    // The one misfit actix-router lets through (the README's
    // "Differences"): a tuple shorter than the route's parameters reads
    // the first ones, where axum answers 500.
    let answer = get(&app, "/short/1/2").await;
    assert_eq!((answer.status, answer.body.as_str()), (StatusCode::OK, "1"));
}

// --- query strings ---

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Page {
    #[expect(dead_code, reason = "read by serde only")]
    limit: Option<u32>,
}

/// A refused query parameter's name is chosen by the client: it is echoed
/// in the 422 the way opsguard-validate echoes an unknown JSON member, as
/// `["…"]` in ASCII when it is not a plain name, so it can neither forge a
/// nested field (`a.b`, `x[0]`) nor carry a line break, a terminal escape
/// or a bidirectional override into the client's logs or screen.
#[actix_web::test]
async fn a_refused_query_parameter_name_is_escaped() {
    let app = test::init_service(App::new().route(
        "/jobs",
        web::get().to(|Query(_): Query<Page>| async { "ok" }),
    ))
    .await;
    for (query, field) in [
        ("owner_id=2", "owner_id"),
        ("%E2%80%AE=1", r#"["\u202e"]"#),
        ("a%0Ab=1", r#"["a\u000ab"]"#),
        ("%1B%5B31m=1", r#"["\u001b[31m"]"#),
        ("a.b=1", r#"["a.b"]"#),
        ("x%5B0%5D=1", r#"["x[0]"]"#),
        ("%22%5C=1", r#"["\"\\"]"#),
        ("+=1", r#"["\u0020"]"#),
        ("limit=1&%00=1", r#"["\u0000"]"#),
        ("limit=x", "limit"),
    ] {
        let answer = get(&app, &format!("/jobs?{query}")).await;
        answer.assert_field(field, "invalid_query", query);
    }
}

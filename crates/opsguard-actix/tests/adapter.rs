//! What is particular to actix-web, in process: `OptionalUser` against
//! actix's `Option<T>`, the guard lookup, actix's own extractors and error
//! answers under `BodyLimit` and `ErrorEnvelope`, middleware order, the
//! client address and the request id. (The behaviour both adapters share is
//! proven over real sockets by the conformance suite in `tests/`.)
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::net::SocketAddr;

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_LENGTH, HeaderMap};
use actix_web::test::{self, TestRequest};
use actix_web::{App, HttpResponse, web};
use opsguard_actix::{
    ApiError, AssignRequestId, BodyLimit, ClientIp, ConfigError, CurrentUser, ErrorEnvelope, Json,
    OpsGuard, OptionalUser, Path, REQUEST_ID_HEADER, RequestId, SecurityHeaders,
};
use opsguard_auth::ClientIpResolver;
use opsguard_core::Error;
use opsguard_core::security_headers::JSON_API_HEADERS;
use opsguard_rbac::{Policy, SharedPolicy};
use opsguard_token::{Algorithm, Issuer, KeySet, SigningKey, Subject};
use serde::Deserialize;

const ISSUER: &str = "https://auth.example";
const AUDIENCE: &str = "opsconductor";

struct Fixture {
    guard: OpsGuard,
    token: String,
}

fn fixture(resolver: ClientIpResolver) -> Fixture {
    let keys = KeySet::builder()
        .primary(SigningKey::generate(Algorithm::EdDsa).unwrap())
        .build()
        .unwrap();
    let issuer = Issuer::builder(keys, ISSUER, AUDIENCE).build().unwrap();
    let token = issuer
        .issue_access(&Subject::new("1", "alice").with_roles(["user"]))
        .unwrap()
        .expose_secret()
        .to_owned();
    let guard = OpsGuard::verifier_builder(
        issuer.verifier().unwrap(),
        SharedPolicy::new(Policy::opsconductor()),
    )
    .with_client_ip_resolver(resolver)
    .build();
    Fixture { guard, token }
}

/// A response, read to the end.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }

    /// Asserts this answer is exactly `err.to_wire()`.
    fn assert_wire(&self, err: &Error) {
        let wire = err.to_wire();
        assert_eq!(self.status.as_u16(), wire.status, "status of {}", self.body);
        for (name, value) in &wire.headers {
            assert_eq!(self.header(name), Some(value.as_str()), "header {name}");
        }
        assert_eq!(self.body, String::from_utf8(wire.body).unwrap(), "body");
    }
}

/// Sends `request` through `app`; an `Err` is answered as actix-web's
/// HTTP server answers it (with the error's `error_response`).
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
    let headers = response.headers().clone();
    let body = actix_web::body::to_bytes(response.into_body())
        .await
        .unwrap_or_else(|_| panic!("unreadable body"));
    Answer {
        status,
        headers,
        body: String::from_utf8(body.to_vec()).unwrap(),
    }
}

fn get(uri: &str) -> TestRequest {
    TestRequest::get().uri(uri)
}

async fn greeting(OptionalUser(user): OptionalUser) -> String {
    user.map_or_else(
        || "hello anonymous".to_owned(),
        |u| format!("hello {}", u.username()),
    )
}

async fn me(user: CurrentUser) -> String {
    format!("{} {}", user.id(), user.username())
}

#[actix_web::test]
async fn optional_user_is_none_without_a_header_and_the_user_with_a_good_token() {
    let f = fixture(ClientIpResolver::new());
    let app = test::init_service(
        App::new()
            .app_data(f.guard.clone())
            .route("/greeting", web::get().to(greeting)),
    )
    .await;

    let anonymous = send(&app, get("/greeting").to_request()).await;
    assert_eq!(
        (anonymous.status, anonymous.body.as_str()),
        (StatusCode::OK, "hello anonymous")
    );

    let alice = send(
        &app,
        get("/greeting")
            .insert_header(("authorization", format!("Bearer {}", f.token)))
            .to_request(),
    )
    .await;
    assert_eq!(
        (alice.status, alice.body.as_str()),
        (StatusCode::OK, "hello alice")
    );
}

/// actix-web's `Option<CurrentUser>` would serve a forged token as
/// anonymous; `OptionalUser` refuses it exactly as `CurrentUser` does.
#[actix_web::test]
async fn optional_user_refuses_a_present_but_bad_credential() {
    let f = fixture(ClientIpResolver::new());
    let app = test::init_service(
        App::new()
            .app_data(f.guard.clone())
            .route("/greeting", web::get().to(greeting)),
    )
    .await;
    for authorization in [
        format!("Bearer {}x", f.token),
        "Bearer".to_owned(),
        String::new(),
        "Basic YWxpY2U6cHc=".to_owned(),
    ] {
        let answer = send(
            &app,
            get("/greeting")
                .insert_header(("authorization", authorization.as_str()))
                .to_request(),
        )
        .await;
        answer.assert_wire(&Error::invalid_token());
    }
}

#[actix_web::test]
async fn a_guard_registered_as_web_data_is_found() {
    let f = fixture(ClientIpResolver::new());
    let app = test::init_service(
        App::new()
            .app_data(web::Data::new(f.guard.clone()))
            .route("/me", web::get().to(me)),
    )
    .await;
    let answer = send(
        &app,
        get("/me")
            .insert_header(("authorization", format!("Bearer {}", f.token)))
            .to_request(),
    )
    .await;
    assert_eq!(
        (answer.status, answer.body.as_str()),
        (StatusCode::OK, "1 alice")
    );
}

/// Forgetting `app_data(guard)` is a server mistake: a 500 with the generic
/// body, never a 401 that would blame the client, never a panic.
#[actix_web::test]
async fn an_app_without_a_guard_answers_500() {
    let f = fixture(ClientIpResolver::new());
    let app = test::init_service(App::new().route("/me", web::get().to(me))).await;
    let answer = send(
        &app,
        get("/me")
            .insert_header(("authorization", format!("Bearer {}", f.token)))
            .to_request(),
    )
    .await;
    answer.assert_wire(&Error::internal("no OpsGuard"));
}

#[derive(Debug, Deserialize)]
struct Item {
    name: String,
}

async fn actix_json(body: web::Json<Item>) -> String {
    body.into_inner().name
}

async fn actix_bytes(body: web::Bytes) -> String {
    body.len().to_string()
}

async fn our_json(Json(body): Json<Item>) -> String {
    body.name
}

/// The app of the envelope and limit tests, middleware in the README's
/// order.
macro_rules! guarded_app {
    ($guard:expr) => {
        test::init_service(
            App::new()
                .app_data($guard)
                .route("/actix-json", web::post().to(actix_json))
                .route("/actix-bytes", web::post().to(actix_bytes))
                .route("/json", web::post().to(our_json))
                .route("/me", web::get().to(me))
                .route(
                    "/actix-path/{id}",
                    web::get().to(|id: web::Path<i64>| async move { id.to_string() }),
                )
                .route(
                    "/path/{id}",
                    web::get().to(|Path(id): Path<i64>| async move { id.to_string() }),
                )
                .wrap(BodyLimit::new(64))
                .wrap(ErrorEnvelope::new())
                .wrap(AssignRequestId::new())
                .wrap(SecurityHeaders::json_api()),
        )
        .await
    };
}

/// A JSON body of `len` bytes: `{"name":"aaaa..."}`.
fn body_of(len: usize) -> String {
    format!("{{\"name\":\"{}\"}}", "a".repeat(len - 11))
}

/// `request` without its `Content-Length`, as a chunked body arrives.
fn undeclared(mut request: actix_http::Request) -> actix_http::Request {
    request.headers_mut().remove(CONTENT_LENGTH);
    request
}

fn assert_security_headers(answer: &Answer) {
    for (name, value) in JSON_API_HEADERS {
        assert_eq!(
            answer.header(name),
            Some(value),
            "{name} on {}",
            answer.status
        );
    }
    let id = answer
        .header(REQUEST_ID_HEADER.as_str())
        .expect("x-request-id");
    assert_eq!(id.len(), 36, "a uuid: {id}");
}

/// `BodyLimit` gives actix-web's own body extractors its limit, and
/// `ErrorEnvelope` turns their refusal into the 413 envelope.
#[actix_web::test]
async fn actix_body_extractors_get_the_limit_and_the_envelope() {
    let f = fixture(ClientIpResolver::new());
    let app = guarded_app!(f.guard.clone());

    for uri in ["/actix-json", "/actix-bytes", "/json"] {
        let within = send(
            &app,
            TestRequest::post()
                .uri(uri)
                .insert_header(("content-type", "application/json"))
                .set_payload(body_of(64))
                .to_request(),
        )
        .await;
        assert_eq!(within.status, StatusCode::OK, "{uri}: {}", within.body);

        // Declared too long: refused before the handler.
        let declared = send(
            &app,
            TestRequest::post()
                .uri(uri)
                .insert_header(("content-type", "application/json"))
                .set_payload(body_of(65))
                .to_request(),
        )
        .await;
        declared.assert_wire(&Error::payload_too_large());
        assert_security_headers(&declared);

        // Not declared: the extractor stops at the limit.
        let streamed = send(
            &app,
            undeclared(
                TestRequest::post()
                    .uri(uri)
                    .insert_header(("content-type", "application/json"))
                    .set_payload(body_of(65))
                    .to_request(),
            ),
        )
        .await;
        streamed.assert_wire(&Error::payload_too_large());
        assert_security_headers(&streamed);
    }
}

/// actix-web answers a known path with another method 405 and an
/// unparsable `web::Path` 404, both with a plain body: the envelope makes
/// them the `NotFound` answer of an unknown route.
#[actix_web::test]
async fn actix_own_refusals_get_the_not_found_envelope() {
    let f = fixture(ClientIpResolver::new());
    let app = guarded_app!(f.guard.clone());
    for request in [
        TestRequest::delete().uri("/me").to_request(),
        get("/nowhere").to_request(),
        get("/actix-path/abc").to_request(),
    ] {
        let answer = send(&app, request).await;
        answer.assert_wire(&Error::for_status(404));
        assert_eq!(answer.header("allow"), None);
        assert_security_headers(&answer);
    }
}

/// opsguard's `Path` names the parameter in a 422 instead.
#[actix_web::test]
async fn our_path_refusal_names_the_parameter() {
    let f = fixture(ClientIpResolver::new());
    let app = guarded_app!(f.guard.clone());
    let answer = send(&app, get("/path/18446744073709551616").to_request()).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
    assert_eq!(body["error"]["type"], "ValidationError");
    assert_eq!(body["error"]["fields"][0]["field"], "id");
    assert_eq!(body["error"]["fields"][0]["code"], "invalid_value");
    assert_security_headers(&answer);
}

/// A middleware inside the stack that fails with `Err` (not an error
/// response) still gets the outer middleware's headers and the envelope.
#[actix_web::test]
async fn an_inner_middleware_error_still_gets_headers_and_envelope() {
    let f = fixture(ClientIpResolver::new());
    let app = test::init_service(
        App::new()
            .app_data(f.guard.clone())
            .route("/me", web::get().to(me))
            .wrap_fn(|_req, _srv| async {
                Err::<ServiceResponse, _>(ApiError::from(Error::permission_denied()).into())
            })
            .wrap(ErrorEnvelope::new())
            .wrap(AssignRequestId::new())
            .wrap(SecurityHeaders::json_api()),
    )
    .await;
    let answer = send(&app, get("/me").to_request()).await;
    answer.assert_wire(&Error::permission_denied());
    assert_security_headers(&answer);

    // And a plain actix error from a middleware gets the envelope of its
    // status.
    let app = test::init_service(
        App::new()
            .route("/me", web::get().to(me))
            .wrap_fn(|_req, _srv| async {
                Err::<ServiceResponse, _>(actix_web::error::ErrorConflict("plain text"))
            })
            .wrap(ErrorEnvelope::new())
            .wrap(AssignRequestId::new())
            .wrap(SecurityHeaders::json_api()),
    )
    .await;
    let answer = send(&app, get("/me").to_request()).await;
    answer.assert_wire(&Error::for_status(409));
    assert_security_headers(&answer);
}

/// A header the handler sets itself wins over the preset's.
#[actix_web::test]
async fn security_headers_keep_what_the_handler_set_and_follow_with_and_without() {
    let headers = SecurityHeaders::json_api()
        .with("x-frame-options", "SAMEORIGIN")
        .unwrap()
        .with("permissions-policy", "camera=()")
        .unwrap()
        .without("strict-transport-security");
    let app = test::init_service(
        App::new()
            .route(
                "/page",
                web::get().to(|| async {
                    HttpResponse::Ok()
                        .insert_header(("cache-control", "max-age=60"))
                        .body("ok")
                }),
            )
            .wrap(headers),
    )
    .await;
    let answer = send(&app, get("/page").to_request()).await;
    assert_eq!(answer.header("cache-control"), Some("max-age=60"));
    assert_eq!(answer.header("x-frame-options"), Some("SAMEORIGIN"));
    assert_eq!(answer.header("permissions-policy"), Some("camera=()"));
    assert_eq!(answer.header("strict-transport-security"), None);
    assert_eq!(answer.header("x-content-type-options"), Some("nosniff"));

    assert_eq!(
        SecurityHeaders::json_api()
            .with("x-frame-options", "DENY\r\nx: y")
            .err(),
        Some(ConfigError::InvalidHeaderValue {
            header: "x-frame-options"
        })
    );
    assert_eq!(
        SecurityHeaders::json_api().with("bad name", "1").err(),
        Some(ConfigError::InvalidHeaderName)
    );
}

async fn whoami(ip: ClientIp, id: Option<RequestId>) -> String {
    format!(
        "{} {}",
        ip.0,
        id.map_or("-".to_owned(), |id| id.to_string())
    )
}

/// `X-Forwarded-For` counts only from a trusted proxy; without a peer
/// address (a test request, a unix socket) the extractor is a 500.
#[actix_web::test]
async fn client_ip_trusts_forwarded_for_only_from_trusted_proxies() {
    let resolver = ClientIpResolver::builder()
        .with_trusted_proxy("10.0.0.0/24")
        .build()
        .unwrap();
    let f = fixture(resolver);
    let app = test::init_service(
        App::new()
            .app_data(f.guard.clone())
            .route("/whoami", web::get().to(whoami)),
    )
    .await;
    let from = |peer: &str, xff: &str| {
        get("/whoami")
            .peer_addr(peer.parse::<SocketAddr>().unwrap())
            .insert_header(("x-forwarded-for", xff))
            .to_request()
    };

    let proxied = send(&app, from("10.0.0.7:4000", "198.51.100.4")).await;
    assert_eq!(proxied.body, "198.51.100.4 -");
    let spoofed = send(&app, from("203.0.113.9:4000", "198.51.100.4")).await;
    assert_eq!(spoofed.body, "203.0.113.9 -");

    let no_peer = send(&app, get("/whoami").to_request()).await;
    no_peer.assert_wire(&Error::internal("no peer"));
}

/// The request id is always fresh: a client's `x-request-id` is neither
/// echoed nor used, and the handler sees the id the response carries.
#[actix_web::test]
async fn the_request_id_is_fresh_and_the_same_for_handler_and_response() {
    let f = fixture(ClientIpResolver::new());
    let app = test::init_service(
        App::new()
            .app_data(f.guard.clone())
            .route("/whoami", web::get().to(whoami))
            .wrap(AssignRequestId::new()),
    )
    .await;
    let request = || {
        get("/whoami")
            .peer_addr("203.0.113.9:4000".parse().unwrap())
            .insert_header((REQUEST_ID_HEADER, "attacker-chosen"))
            .to_request()
    };
    let first = send(&app, request()).await;
    let second = send(&app, request()).await;
    let id = first.header(REQUEST_ID_HEADER.as_str()).unwrap();
    assert_ne!(id, "attacker-chosen");
    assert_eq!(first.body, format!("203.0.113.9 {id}"));
    assert_ne!(Some(id), second.header(REQUEST_ID_HEADER.as_str()));
}

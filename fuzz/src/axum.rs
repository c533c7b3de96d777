//! The check of opsguard-axum's fuzz target: whole requests through a router
//! built from the adapter's extractors and layers.

use std::sync::OnceLock;

use axum::Router;
use axum::body::Body;
use axum::routing::post;
use http::{Request, StatusCode};
use http_body_util::BodyExt;
use opsguard_axum::{CurrentUser, ErrorEnvelopeLayer, OpsGuard, Path, Query, ValidJson};
use opsguard_core::ErrorBody;
use opsguard_rbac::{Policy, SharedPolicy};
use opsguard_token::{Algorithm, Issuer, KeySet, SigningKey};
use serde::Deserialize;
use tower::ServiceExt;
use validator::Validate;

// The fields exist to be parsed; the handler does not read them.
#[allow(dead_code)]
#[derive(Deserialize, Validate)]
#[serde(deny_unknown_fields)]
struct Item {
    #[validate(length(min = 1, max = 16))]
    name: String,
    #[serde(default)]
    enabled: bool,
}

#[allow(dead_code)]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Page {
    #[serde(default)]
    offset: u32,
}

async fn handler(
    _user: Option<CurrentUser>,
    Path(_id): Path<u64>,
    Query(_page): Query<Page>,
    ValidJson(_item): ValidJson<Item>,
) -> &'static str {
    "ok"
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap_or_else(|e| panic!("runtime: {e}"))
    })
}

fn router() -> &'static Router {
    static APP: OnceLock<Router> = OnceLock::new();
    APP.get_or_init(|| {
        let key = SigningKey::from_hmac_secret(Algorithm::Hs256, &[9; 32])
            .unwrap_or_else(|e| panic!("key: {e}"));
        let keys = KeySet::builder()
            .primary(key)
            .build()
            .unwrap_or_else(|e| panic!("keys: {e}"));
        let verifier = Issuer::builder(keys, "https://fuzz.example", "fuzz")
            .build()
            .and_then(|issuer| issuer.verifier())
            .unwrap_or_else(|e| panic!("verifier: {e}"));
        let guard =
            OpsGuard::verifier_builder(verifier, SharedPolicy::new(Policy::opsconductor())).build();
        Router::new()
            .route("/items/{id}", post(handler))
            .layer(ErrorEnvelopeLayer::new())
            .with_state(guard)
    })
}

/// One request from the fuzz input's parts; `None` when they do not make a
/// valid HTTP request (which never reaches a server).
fn request(
    segment: &[u8],
    query: &[u8],
    authorization: &[u8],
    content_type: &[u8],
    body: &[u8],
) -> Option<Request<Body>> {
    let uri = format!(
        "/items/{}?{}",
        String::from_utf8_lossy(segment),
        String::from_utf8_lossy(query)
    );
    let mut request = Request::builder().method("POST").uri(uri);
    if !authorization.is_empty() {
        request = request.header("authorization", authorization);
    }
    if !content_type.is_empty() {
        request = request.header("content-type", content_type);
    }
    request.body(Body::from(body.to_vec())).ok()
}

/// Status, headers and body of `request` through the router.
fn answer(request: Request<Body>) -> (StatusCode, http::HeaderMap, axum::body::Bytes) {
    runtime().block_on(async {
        let response = router()
            .clone()
            .oneshot(request)
            .await
            .unwrap_or_else(|e| match e {});
        let (head, body) = response.into_parts();
        let bytes = body
            .collect()
            .await
            .unwrap_or_else(|e| panic!("response body: {e}"))
            .to_bytes();
        (head.status, head.headers, bytes)
    })
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// Input: `segment \n query \n authorization \n content-type \n body`.
/// Whatever it holds, the answer is 200 `ok` or an opsguard error envelope
/// whose `type` matches the status (401 with a challenge); never a 5xx or
/// plain text; the Authorization value is never echoed (text that the
/// answers to the same request without a credential or with a refused one
/// contain anyway, such as the generic messages, does not count).
pub fn axum_request(data: &[u8]) {
    let mut parts = data.splitn(5, |b| *b == b'\n');
    let segment = parts.next().unwrap_or_default();
    let query = parts.next().unwrap_or_default();
    let authorization = parts.next().unwrap_or_default();
    let content_type = parts.next().unwrap_or_default();
    let body = parts.next().unwrap_or_default();

    let Some(req) = request(segment, query, authorization, content_type, body) else {
        return;
    };
    let (status, headers, answer_body) = answer(req);
    if status == StatusCode::OK {
        assert_eq!(answer_body.as_ref(), b"ok", "unexpected success body");
        return;
    }
    assert!(
        [401, 404, 413, 422].contains(&status.as_u16()),
        "status {status}"
    );
    let envelope = ErrorBody::from_slice(&answer_body)
        .unwrap_or_else(|e| panic!("{status} without an envelope ({e})"));
    assert_eq!(
        envelope.error.kind.status(),
        status.as_u16(),
        "type and status differ"
    );
    assert_eq!(
        headers.get("content-type").map(|v| v.as_bytes()),
        Some(&b"application/json"[..])
    );
    if status == StatusCode::UNAUTHORIZED {
        assert!(
            headers.contains_key("www-authenticate"),
            "401 without a challenge"
        );
    }
    if authorization.len() >= 8 && contains(&answer_body, authorization) {
        let explained = [&b""[..], b"Bearer x"].iter().any(|other| {
            request(segment, query, other, content_type, body)
                .is_some_and(|req| contains(&answer(req).2, authorization))
        });
        assert!(explained, "authorization echoed");
    }
}

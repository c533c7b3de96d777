//! Error responses, the envelope layer, security headers and request ids,
//! driven through an in-process router (issue #9).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::time::Duration;

use axum::Router;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use common::{empty, json, send};
use http::{HeaderValue, StatusCode, header};
use opsguard_axum::{
    ApiError, BodyLimitLayer, ConfigError, ErrorEnvelopeLayer, Json, RequestId, RequestIdLayer,
    SecurityHeadersLayer,
};
use opsguard_core::{Error, ErrorKind, FieldError};
use serde::Deserialize;
use tower::ServiceBuilder;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Flag {
    enabled: bool,
}

/// Every error constructor of opsguard-core, and a handler answering each.
fn errors() -> Vec<(&'static str, Error)> {
    vec![
        ("missing", Error::missing_credentials()),
        ("invalid_token", Error::invalid_token()),
        ("invalid_credentials", Error::invalid_credentials()),
        ("permission", Error::permission_denied()),
        ("not_found", Error::not_found("job not found")),
        ("conflict", Error::conflict("username already taken")),
        (
            "validation",
            Error::validation(vec![
                FieldError::new("username", "too_short", "must be at least 3 characters"),
                FieldError::new("port", "out_of_range", "must be 1 to 65535"),
            ]),
        ),
        (
            "rate_limited",
            Error::rate_limited(Duration::from_millis(1500)),
        ),
        ("too_large", Error::payload_too_large()),
        ("unavailable", Error::unavailable("redis down")),
        ("internal", Error::internal("db password is hunter2")),
    ]
}

fn error_by_name(name: &str) -> Error {
    errors()
        .into_iter()
        .find(|(n, _)| *n == name)
        .map(|(_, e)| e)
        .unwrap()
}

async fn fail(axum::extract::Path(name): axum::extract::Path<String>) -> Result<(), ApiError> {
    Err(error_by_name(&name))?
}

async fn flag(Json(flag): Json<Flag>) -> Json<bool> {
    Json(flag.enabled)
}

/// The recommended stack, outermost first.
fn app() -> Router {
    Router::new()
        .route("/fail/{name}", get(fail))
        .route("/ok", get(|| async { "fine" }))
        .route("/flag", post(flag))
        .route("/teapot", get(|| async { StatusCode::IM_A_TEAPOT }))
        .route(
            "/busy",
            get(|| async {
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    [(header::RETRY_AFTER, "7")],
                    "slow down",
                )
            }),
        )
        .route(
            "/cacheable",
            get(|| async { ([(header::CACHE_CONTROL, "public, max-age=60")], "static") }),
        )
        .route(
            "/request-id",
            get(|id: RequestId| async move { id.as_str().to_owned() }),
        )
        .layer(
            ServiceBuilder::new()
                .layer(SecurityHeadersLayer::json_api())
                .layer(RequestIdLayer::new())
                .layer(ErrorEnvelopeLayer::new())
                .layer(BodyLimitLayer::new(1024)),
        )
}

#[tokio::test]
async fn every_core_error_is_answered_exactly_as_to_wire_says() {
    let app = app();
    for (name, err) in errors() {
        let answer = send(&app, empty("GET", &format!("/fail/{name}"))).await;
        answer.assert_wire(&err);
    }
    let answer = send(&app, empty("GET", "/fail/internal")).await;
    assert!(!String::from_utf8_lossy(&answer.body).contains("hunter2"));
    let answer = send(&app, empty("GET", "/fail/rate_limited")).await;
    assert_eq!(answer.header("retry-after"), Some("2"));
    let answer = send(&app, empty("GET", "/fail/invalid_token")).await;
    assert_eq!(
        answer.header("www-authenticate"),
        Some(r#"Bearer error="invalid_token""#)
    );
}

#[test]
fn api_error_response_carries_its_kind() {
    for (_, err) in errors() {
        let kind = err.kind();
        let api = ApiError::from(err);
        assert_eq!(api.status().as_u16(), kind.status());
        let response = api.into_response();
        assert_eq!(response.extensions().get::<ErrorKind>(), Some(&kind));
    }
}

#[test]
fn api_error_converts_from_primitive_errors() {
    let api = ApiError::from(ConfigError::InvalidHeaderValue { header: "x" });
    assert_eq!(api.error().kind(), ErrorKind::Internal);
    assert_eq!(api.to_string(), "internal server error");
    assert_eq!(api.into_error().message(), "internal server error");
}

#[tokio::test]
async fn unknown_route_is_a_404_envelope() {
    let answer = send(&app(), empty("GET", "/nope")).await;
    answer.assert_wire(&Error::from_kind(ErrorKind::NotFound));
}

#[tokio::test]
async fn wrong_method_is_answered_as_an_unknown_route() {
    let answer = send(&app(), empty("DELETE", "/ok")).await;
    answer.assert_wire(&Error::from_kind(ErrorKind::NotFound));
    // axum adds `Allow` to its method-not-allowed answer after route layers.
    assert_eq!(answer.header("allow"), Some("GET,HEAD"));
}

#[tokio::test]
async fn bare_status_answers_get_the_envelope() {
    let answer = send(&app(), empty("GET", "/teapot")).await;
    answer.assert_wire(&Error::invalid_field(
        "",
        "invalid_request",
        "the request could not be processed",
    ));
    // A 429 from elsewhere keeps its Retry-After.
    let answer = send(&app(), empty("GET", "/busy")).await;
    assert_eq!(answer.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(answer.header("retry-after"), Some("7"));
    assert_eq!(answer.error().error.kind, ErrorKind::RateLimited);
}

#[tokio::test]
async fn axum_json_rejection_gets_the_envelope() {
    // axum's own Json, used directly, answers 415 in plain text.
    let app = Router::new()
        .route(
            "/raw",
            post(|axum::Json(v): axum::Json<bool>| async move { v.to_string() }),
        )
        .layer(ErrorEnvelopeLayer::new());
    let answer = send(&app, empty("POST", "/raw")).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answer.header("content-type"), Some("application/json"));
    assert_eq!(
        answer.first_field(),
        (String::new(), "invalid_request".to_owned())
    );
}

const PRESET: [(&str, &str); 6] = [
    (
        "strict-transport-security",
        "max-age=31536000; includeSubDomains",
    ),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    (
        "content-security-policy",
        "default-src 'none'; frame-ancestors 'none'",
    ),
    ("referrer-policy", "no-referrer"),
    ("cache-control", "no-store"),
];

#[tokio::test]
async fn security_headers_are_on_success_and_error_responses() {
    let app = app();
    let too_big = format!(r#"{{"enabled":true,"pad":"{}"}}"#, "x".repeat(2000));
    for (request, status) in [
        (empty("GET", "/ok"), StatusCode::OK),
        (empty("GET", "/nope"), StatusCode::NOT_FOUND),
        (empty("GET", "/fail/missing"), StatusCode::UNAUTHORIZED),
        (
            empty("GET", "/fail/internal"),
            StatusCode::INTERNAL_SERVER_ERROR,
        ),
        (json("POST", "/flag", "{"), StatusCode::UNPROCESSABLE_ENTITY),
        (
            json("POST", "/flag", too_big),
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
        (empty("PUT", "/ok"), StatusCode::NOT_FOUND),
    ] {
        let uri = request.uri().clone();
        let answer = send(&app, request).await;
        assert_eq!(answer.status, status, "{uri}");
        for (name, value) in PRESET {
            assert_eq!(answer.header(name), Some(value), "{name} on {uri}");
        }
    }
}

#[tokio::test]
async fn a_response_may_override_one_security_header() {
    let answer = send(&app(), empty("GET", "/cacheable")).await;
    assert_eq!(answer.header("cache-control"), Some("public, max-age=60"));
    assert_eq!(answer.header("x-frame-options"), Some("DENY"));
}

#[tokio::test]
async fn builder_overrides_and_removes_headers() {
    let layer = SecurityHeadersLayer::builder()
        .without_hsts()
        .with_frame_options("SAMEORIGIN")
        .build()
        .unwrap();
    let app = Router::new()
        .route("/ok", get(|| async { "fine" }))
        .layer(layer);
    let answer = send(&app, empty("GET", "/ok")).await;
    assert_eq!(answer.header("strict-transport-security"), None);
    assert_eq!(answer.header("x-frame-options"), Some("SAMEORIGIN"));
    assert_eq!(answer.header("x-content-type-options"), Some("nosniff"));
}

#[tokio::test]
async fn request_id_is_fresh_echoed_and_extractable() {
    let app = app();
    let answer = send(&app, empty("GET", "/request-id")).await;
    let echoed = answer.header("x-request-id").unwrap().to_owned();
    assert_eq!(String::from_utf8_lossy(&answer.body), echoed);
    assert_eq!(echoed.len(), 36);
    assert!(echoed.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-'));

    // A client's id is replaced, not trusted.
    let mut request = empty("GET", "/request-id");
    request
        .headers_mut()
        .insert("x-request-id", HeaderValue::from_static("alice-forged-id"));
    let answer = send(&app, request).await;
    let id = answer.header("x-request-id").unwrap();
    assert_ne!(id, "alice-forged-id");
    assert_ne!(id, echoed);
    assert_eq!(String::from_utf8_lossy(&answer.body), id);

    // Errors carry it too.
    let answer = send(&app, empty("GET", "/nope")).await;
    assert_eq!(answer.header("x-request-id").map(str::len), Some(36));
}

#[tokio::test]
async fn request_id_extractor_without_its_layer() {
    let app = Router::new()
        .route(
            "/required",
            get(|id: RequestId| async move { id.to_string() }),
        )
        .route(
            "/optional",
            get(|id: Option<RequestId>| async move { format!("{id:?}") }),
        );
    let answer = send(&app, empty("GET", "/required")).await;
    answer.assert_wire(&Error::from_kind(ErrorKind::Internal));
    let answer = send(&app, empty("GET", "/optional")).await;
    assert_eq!(&answer.body[..], b"None");
}

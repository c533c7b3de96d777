//! Properties: arbitrary requests always get a success or the JSON error
//! envelope, never a panic or a 5xx; error responses round-trip.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use axum::Router;
use axum::body::Body;
use axum::response::IntoResponse;
use axum::routing::post;
use common::{Answer, Fixture, send};
use http::{HeaderValue, Request, StatusCode};
use http_body_util::BodyExt;
use opsguard_axum::{ApiError, CurrentUser, ErrorEnvelopeLayer, Json, Path, Query, ValidJson};
use opsguard_core::{Error, ErrorBody, FieldError};
use proptest::prelude::*;
use serde::Deserialize;
use validator::Validate;

// The fields exist to be parsed; the handlers do not read them.
#[allow(dead_code)]
#[derive(Debug, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
struct Item {
    #[validate(length(min = 1, max = 16))]
    name: String,
    #[serde(default)]
    enabled: bool,
    #[serde(default)]
    tags: Vec<String>,
}

#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Page {
    #[serde(default)]
    offset: u32,
}

async fn create(
    Path(_id): Path<u64>,
    Query(_p): Query<Page>,
    ValidJson(_i): ValidJson<Item>,
) -> &'static str {
    "ok"
}

async fn me(user: CurrentUser, Json(_flag): Json<bool>) -> String {
    user.id().to_owned()
}

fn app(fixture: &Fixture) -> Router {
    Router::new()
        .route("/items/{id}", post(create))
        .route("/me", post(me))
        .layer(ErrorEnvelopeLayer::new())
        .with_state(fixture.guard.clone())
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

/// 200 with `ok_body`, or an envelope whose type matches an allowed status.
fn assert_success_or_envelope(answer: &Answer, ok_body: &[u8], allowed: &[u16]) {
    if answer.status == StatusCode::OK {
        assert_eq!(&answer.body[..], ok_body);
        return;
    }
    assert!(
        allowed.contains(&answer.status.as_u16()),
        "status {}",
        answer.status
    );
    let body = answer.error();
    assert_eq!(body.error.kind.status(), answer.status.as_u16());
    assert_eq!(answer.header("content-type"), Some("application/json"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bodies_get_an_envelope(
        body in proptest::collection::vec(any::<u8>(), 0..512),
        json_like in r#"\{("name"|"enabled"|"tags"|"x"):("a"|1|true|null|\[\]|"")(,"name":"b")?\}"#,
        use_json_like in any::<bool>(),
        content_type in prop_oneof![
            Just("application/json"),
            Just("application/json; charset=utf-8"),
            Just("text/plain"),
            Just(""),
        ],
    ) {
        let fixture = Fixture::new();
        let app = app(&fixture);
        let bytes = if use_json_like { json_like.into_bytes() } else { body };
        let mut request = Request::builder().method("POST").uri("/items/7");
        if !content_type.is_empty() {
            request = request.header("content-type", content_type);
        }
        let answer = runtime().block_on(send(&app, request.body(Body::from(bytes)).unwrap()));
        assert_success_or_envelope(&answer, b"ok", &[413, 422]);
    }

    #[test]
    fn arbitrary_path_and_query_get_an_envelope(
        segment in "[a-zA-Z0-9%._~-]{1,30}",
        query in "[a-zA-Z0-9%=&._~+-]{0,40}",
    ) {
        let fixture = Fixture::new();
        let app = app(&fixture);
        let request = Request::builder()
            .method("POST")
            .uri(format!("/items/{segment}?{query}"))
            .header("content-type", "application/json")
            .body(Body::from(r#"{"name":"a"}"#))
            .unwrap();
        let answer = runtime().block_on(send(&app, request));
        assert_success_or_envelope(&answer, b"ok", &[404, 422]);
    }

    #[test]
    fn arbitrary_authorization_is_refused_with_one_answer(
        value in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        let Ok(value) = HeaderValue::from_bytes(&value) else {
            return Ok(());
        };
        let fixture = Fixture::new();
        let app = app(&fixture);
        let mut request = Request::builder()
            .method("POST")
            .uri("/me")
            .header("content-type", "application/json")
            .body(Body::from("true"))
            .unwrap();
        request.headers_mut().insert("authorization", value);
        let answer = runtime().block_on(send(&app, request));
        answer.assert_wire(&Error::invalid_token());
    }

    #[test]
    fn validation_errors_round_trip_through_a_response(
        fields in proptest::collection::vec(
            ("[a-z_.\\[\\]0-9]{0,20}", "[a-z_]{1,20}", "\\PC{0,40}"),
            0..6,
        ),
    ) {
        let fields: Vec<FieldError> = fields
            .into_iter()
            .map(|(field, code, message)| FieldError::new(field, code, message))
            .collect();
        let response = ApiError::from(Error::validation(fields.clone())).into_response();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let bytes = runtime().block_on(response.into_body().collect()).unwrap().to_bytes();
        let body = ErrorBody::from_slice(&bytes).unwrap();
        assert_eq!(body.error.fields, fields);
        assert_eq!(body.to_vec(), bytes.to_vec());
    }
}

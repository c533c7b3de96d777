//! axum's rejections come back in the JSON error envelope: bodies, path
//! parameters and query strings (issue #9, case WEB-03).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use axum::Router;
use axum::body::Body;
use axum::routing::{get, patch, post};
use common::{Answer, empty, json, send};
use http::{Request, StatusCode};
use opsguard_axum::{BodyLimitLayer, ErrorEnvelopeLayer, Json, Path, Query, ValidJson};
use opsguard_core::{Error, ErrorKind};
use opsguard_validate::{Platform, Port, non_null};
use serde::Deserialize;
use serde_json::json;
use validator::Validate;

#[derive(Debug, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
struct NewJob {
    #[validate(length(min = 1, max = 20, code = "bad_length"))]
    name: String,
    enabled: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Flag {
    enabled: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Page {
    #[serde(default)]
    offset: u32,
    #[serde(default)]
    active: Option<bool>,
}

async fn create_job(ValidJson(job): ValidJson<NewJob>) -> String {
    format!("{}:{}", job.name, job.enabled)
}

async fn set_flag(Json(flag): Json<Flag>) -> String {
    flag.enabled.to_string()
}

async fn user(Path(id): Path<u64>) -> String {
    format!("user {id}")
}

async fn step(Path((job, step)): Path<(i64, u16)>) -> String {
    format!("{job}/{step}")
}

async fn jobs(Query(page): Query<Page>) -> String {
    format!("{}:{:?}", page.offset, page.active)
}

fn app() -> Router {
    Router::new()
        .route("/jobs", post(create_job).get(jobs))
        .route("/flag", post(set_flag))
        .route("/users/{id}", get(user))
        .route("/jobs/{job}/steps/{step}", get(step))
        .layer(ErrorEnvelopeLayer::new())
}

/// The answer of `body` posted to `uri` with a JSON content type.
async fn post_json(app: &Router, uri: &str, body: &str) -> Answer {
    send(app, json("POST", uri, body.to_owned())).await
}

/// The answer the JSON extractors must give for `body` parsed as `T`:
/// exactly what opsguard-validate says.
fn expected_json_error<T: serde::de::DeserializeOwned + std::fmt::Debug>(body: &str) -> Error {
    opsguard_validate::deserialize_json::<T>(body.as_bytes(), usize::MAX)
        .expect_err("body should be refused")
}

#[tokio::test]
async fn valid_body_reaches_the_handler() {
    let answer = post_json(&app(), "/jobs", r#"{"name":"backup","enabled":true}"#).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(&answer.body[..], b"backup:true");
}

#[tokio::test]
async fn bad_json_is_a_422_with_invalid_json() {
    let app = app();
    for (body, field) in [
        (r#"{"name":"backup","enabled":tru"#, "enabled"),
        ("not json", ""),
        ("", ""),
        (r#"{"name":"backup","enabled":true} trailing"#, ""),
    ] {
        let answer = post_json(&app, "/jobs", body).await;
        assert_eq!(
            answer.first_field(),
            (field.to_owned(), "invalid_json".to_owned()),
            "{body}"
        );
        answer.assert_wire(&expected_json_error::<NewJob>(body));
    }
}

#[tokio::test]
async fn unknown_field_is_a_422_naming_it() {
    let body = r#"{"name":"backup","enabled":true,"is_admin":true}"#;
    let answer = post_json(&app(), "/jobs", body).await;
    assert_eq!(
        answer.first_field(),
        ("is_admin".to_owned(), "unknown_field".to_owned())
    );
    answer.assert_wire(&expected_json_error::<NewJob>(body));
}

#[tokio::test]
async fn string_for_bool_is_a_422_invalid_type() {
    let body = r#"{"enabled":"true"}"#;
    let answer = post_json(&app(), "/flag", body).await;
    assert_eq!(
        answer.first_field(),
        ("enabled".to_owned(), "invalid_type".to_owned())
    );
    answer.assert_wire(&expected_json_error::<Flag>(body));
}

#[tokio::test]
async fn validator_rules_are_reported_with_their_code() {
    let answer = post_json(&app(), "/jobs", r#"{"name":"","enabled":false}"#).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        answer.first_field(),
        ("name".to_owned(), "bad_length".to_owned())
    );
}

#[tokio::test]
async fn wrong_or_missing_content_type_is_a_422() {
    let app = app();
    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        None,
    ] {
        let mut request = Request::builder().method("POST").uri("/flag");
        if let Some(value) = content_type {
            request = request.header("content-type", value);
        }
        let answer = send(
            &app,
            request.body(Body::from(r#"{"enabled":true}"#)).unwrap(),
        )
        .await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{content_type:?}"
        );
        assert_eq!(
            answer.first_field(),
            (String::new(), "invalid_content_type".to_owned())
        );
    }
}

#[tokio::test]
async fn oversized_body_is_a_413_without_a_limit_layer() {
    // The JSON extractors' own default: opsguard_validate::DEFAULT_BODY_LIMIT.
    let padding = " ".repeat(opsguard_validate::DEFAULT_BODY_LIMIT);
    let answer = post_json(&app(), "/flag", &format!("{padding}{{\"enabled\":true}}")).await;
    answer.assert_wire(&Error::payload_too_large());
}

#[tokio::test]
async fn oversized_body_is_a_413_with_a_limit_layer_whatever_the_framing() {
    let app = app().layer(BodyLimitLayer::new(32));
    let body = r#"{"name":"a-rather-long-job-name","enabled":true}"#;
    assert!(body.len() > 32);

    // Refused from Content-Length, before the handler (tower-http).
    let answer = post_json(&app, "/jobs", body).await;
    answer.assert_wire(&Error::payload_too_large());

    // No Content-Length: refused while reading.
    let stream = Body::from_stream(futures_stream(body));
    let answer = send(&app, json("POST", "/jobs", stream)).await;
    answer.assert_wire(&Error::payload_too_large());

    // Under the limit: fine.
    let answer = post_json(&app, "/flag", r#"{"enabled":true}"#).await;
    assert_eq!(answer.status, StatusCode::OK);
}

#[tokio::test]
async fn body_limit_layer_raises_the_json_default() {
    let app = app().layer(BodyLimitLayer::new(256 * 1024));
    let padding = " ".repeat(100 * 1024);
    let answer = post_json(&app, "/flag", &format!("{padding}{{\"enabled\":true}}")).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(&answer.body[..], b"true");
}

/// A body in two chunks with no length, as a chunked upload arrives.
fn futures_stream(
    body: &'static str,
) -> impl futures::Stream<Item = Result<bytes::Bytes, std::io::Error>> {
    let (a, b) = body.split_at(body.len() / 2);
    futures::stream::iter([Ok(bytes::Bytes::from(a)), Ok(bytes::Bytes::from(b))])
}

#[tokio::test]
async fn huge_path_id_is_a_422_naming_the_parameter() {
    let app = app();
    for id in ["18446744073709551616", "-1", "abc", "1.5", "%20"] {
        let answer = send(&app, empty("GET", &format!("/users/{id}"))).await;
        answer.assert_wire(&Error::invalid_field(
            "id",
            "invalid_value",
            "invalid path parameter",
        ));
        assert!(
            !String::from_utf8_lossy(&answer.body).contains(id),
            "{id} echoed"
        );
    }
    let answer = send(&app, empty("GET", "/users/18446744073709551615")).await;
    assert_eq!(&answer.body[..], b"user 18446744073709551615");
}

#[tokio::test]
async fn tuple_path_names_the_failing_parameter() {
    let app = app();
    let answer = send(&app, empty("GET", "/jobs/7/steps/70000")).await;
    assert_eq!(
        answer.first_field(),
        ("step".to_owned(), "invalid_value".to_owned())
    );
    let answer = send(&app, empty("GET", "/jobs/9223372036854775808/steps/1")).await;
    assert_eq!(
        answer.first_field(),
        ("job".to_owned(), "invalid_value".to_owned())
    );
    let answer = send(&app, empty("GET", "/jobs/-7/steps/3")).await;
    assert_eq!(&answer.body[..], b"-7/3");
}

#[tokio::test]
async fn path_on_a_route_without_parameters_is_a_500() {
    let app = Router::new()
        .route("/me", get(user))
        .layer(ErrorEnvelopeLayer::new());
    let answer = send(&app, empty("GET", "/me")).await;
    answer.assert_wire(&Error::from_kind(ErrorKind::Internal));
}

#[tokio::test]
async fn query_refusals_name_the_parameter() {
    let app = app();
    let answer = send(&app, empty("GET", "/jobs?offset=5&active=true")).await;
    assert_eq!(&answer.body[..], b"5:Some(true)");
    for (query, field) in [
        ("offset=-1", "offset"),
        ("offset=abc", "offset"),
        ("active=yes", "active"),
        ("owner_id=2", "owner_id"),
        ("offset=1&offset=2", ""),
    ] {
        let answer = send(&app, empty("GET", &format!("/jobs?{query}"))).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert_eq!(
            answer.first_field(),
            (field.to_owned(), "invalid_query".to_owned()),
            "{query}"
        );
    }
    let long = "x".repeat(1000);
    let answer = send(&app, empty("GET", &format!("/jobs?{long}=1"))).await;
    let (field, _) = answer.first_field();
    assert!(field.len() <= 128 + '…'.len_utf8(), "{field}");
}

// --- WEB-03: JSON type confusion on privilege flags and typed fields ---

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum Role {
    Admin,
    User,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UserPatch {
    #[serde(default, deserialize_with = "non_null")]
    is_admin: Option<bool>,
    #[serde(default, deserialize_with = "non_null")]
    role: Option<Role>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CredentialPatch {
    #[serde(default, deserialize_with = "non_null")]
    host: Option<String>,
    #[serde(default, deserialize_with = "non_null")]
    port: Option<Port>,
    #[serde(default, deserialize_with = "non_null")]
    platform: Option<Platform>,
}

async fn patch_user(Path(_id): Path<i64>, Json(body): Json<UserPatch>) -> String {
    format!("{:?} {:?}", body.is_admin, body.role)
}

async fn patch_credential(Path(_id): Path<i64>, Json(body): Json<CredentialPatch>) -> String {
    format!(
        "{:?} {:?} {:?}",
        body.host,
        body.port.map(Port::get),
        body.platform
    )
}

fn web_03_app() -> Router {
    Router::new()
        .route("/api/users/{id}", patch(patch_user))
        .route("/api/credentials/{id}", patch(patch_credential))
        .layer(ErrorEnvelopeLayer::new())
}

#[tokio::test]
async fn web_03_json_type_confusion_is_refused_strictly() {
    let case = opsguard_tests::case("web.json", "WEB-03");
    let app = web_03_app();
    let input = &case["input"];
    let mut checked = 0;
    for (uri, bodies) in [
        ("/api/users/2", &input["admin_token_PATCH_/api/users/2"]),
        ("/api/credentials/5", &input["credential_body_fields"]),
    ] {
        for body in bodies.as_array().expect("case bodies") {
            let text = body.to_string();
            let answer = send(&app, json("PATCH", uri, text.clone())).await;
            assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{text}");
            let (field, code) = answer.first_field();
            let member = body.as_object().unwrap().keys().next().unwrap();
            assert_eq!(&field, member, "{text}");
            assert!(
                ["invalid_type", "invalid_value", "unknown_field"].contains(&code.as_str()),
                "{text}: {code}"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 12);

    // The strict spellings pass, and "false" never becomes true.
    for (body, expected) in [
        (json!({"is_admin": false}), "Some(false) None"),
        (json!({"is_admin": true}), "Some(true) None"),
        (json!({"role": "admin"}), "None Some(Admin)"),
        (json!({}), "None None"),
    ] {
        let answer = send(&app, json("PATCH", "/api/users/2", body.to_string())).await;
        assert_eq!(answer.status, StatusCode::OK, "{body}");
        assert_eq!(String::from_utf8_lossy(&answer.body), expected);
    }
    let answer = send(
        &app,
        json(
            "PATCH",
            "/api/credentials/5",
            json!({"port": 22, "platform": "linux"}).to_string(),
        ),
    )
    .await;
    assert_eq!(
        String::from_utf8_lossy(&answer.body),
        "None Some(22) Some(Linux)"
    );
}

//! Authentication and authorization through the extractors and the token
//! handlers, in process (issue #9; cases WEB-01, WEB-03, WEB-05, WEB-07).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::routing::{get, patch};
use common::{
    ALICE_PASSWORD, AUDIENCE, Answer, Fixture, ISSUER, empty, from_peer, json, send, with_auth,
};
use http::StatusCode;
use opsguard_auth::{AuditKind, ClientIpResolver};
use opsguard_axum::{
    ApiError, BodyLimitLayer, CurrentUser, ErrorEnvelopeLayer, Json, OpsGuard, Path,
    RequestIdLayer, RequireAdmin, SecurityHeadersLayer, auth_router,
};
use opsguard_core::{Error, ErrorKind};
use opsguard_rbac::{Policy, Resource, SharedPolicy};
use opsguard_token::{Algorithm, Issuer, KeySet, SigningKey, Subject};
use opsguard_validate::non_null;
use serde::Deserialize;
use serde_json::{Value, json};
use tower::ServiceBuilder;

const PEER: &str = "203.0.113.9:50000";

async fn me(user: CurrentUser) -> String {
    format!(
        "{} {} {}",
        user.id(),
        user.username(),
        user.roles().join(",")
    )
}

async fn greeting(user: Option<CurrentUser>) -> String {
    user.map_or_else(
        || "hello anonymous".to_owned(),
        |u| format!("hello {}", u.username()),
    )
}

async fn admin(RequireAdmin(admin): RequireAdmin) -> String {
    format!("admin {}", admin.username())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UserPatch {
    #[serde(default, deserialize_with = "non_null")]
    is_admin: Option<bool>,
}

async fn patch_user(
    RequireAdmin(_admin): RequireAdmin,
    Path(id): Path<i64>,
    Json(body): Json<UserPatch>,
) -> String {
    format!("user {id} is_admin={:?}", body.is_admin)
}

/// Credential 10 is alice's (user 1), credential 20 bob's (user 2).
async fn credential(
    State(guard): State<OpsGuard>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<String, ApiError> {
    let owner = match id {
        10 => 1,
        20 => 2,
        _ => return Err(Error::not_found("credential not found"))?,
    };
    guard.require(
        &user,
        "credentials:read",
        &Resource::owned("credentials", id, owner),
    )?;
    Ok(format!("credential {id}"))
}

fn app(fixture: &Fixture) -> Router {
    Router::new()
        .route("/me", get(me))
        .route("/greeting", get(greeting))
        .route("/admin", get(admin))
        .route("/api/users/{id}", patch(patch_user))
        .route("/api/credentials/{id}", get(credential))
        .merge(auth_router())
        .layer(
            ServiceBuilder::new()
                .layer(SecurityHeadersLayer::json_api())
                .layer(RequestIdLayer::new())
                .layer(ErrorEnvelopeLayer::new())
                .layer(BodyLimitLayer::new(16 * 1024)),
        )
        .with_state(fixture.guard.clone())
}

async fn get_with(app: &Router, uri: &str, authorization: &str) -> Answer {
    send(app, with_auth(empty("GET", uri), authorization)).await
}

async fn post_from(app: &Router, uri: &str, body: &Value, peer: &str, xff: Option<&str>) -> Answer {
    let mut request = from_peer(json("POST", uri, body.to_string()), peer);
    if let Some(xff) = xff {
        request
            .headers_mut()
            .insert("x-forwarded-for", xff.parse().unwrap());
    }
    send(app, request).await
}

async fn login(app: &Router, username: &str, password: &str) -> Answer {
    post_from(
        app,
        "/auth/login",
        &json!({"username": username, "password": password}),
        PEER,
        None,
    )
    .await
}

fn data(answer: &Answer) -> Value {
    let body: Value = serde_json::from_slice(&answer.body).unwrap();
    body["data"].clone()
}

#[tokio::test]
async fn valid_token_reaches_the_handler() {
    let fixture = Fixture::new();
    let token = fixture.token("1", "alice", &["user"]);
    let answer = get_with(&app(&fixture), "/me", &format!("Bearer {token}")).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(&answer.body[..], b"1 alice user");
}

#[tokio::test]
async fn no_token_is_a_401_with_a_bearer_challenge() {
    let fixture = Fixture::new();
    let answer = send(&app(&fixture), empty("GET", "/me")).await;
    answer.assert_wire(&Error::missing_credentials());
    assert_eq!(answer.header("www-authenticate"), Some("Bearer"));
    assert_eq!(answer.error().error.kind, ErrorKind::Auth);
}

#[tokio::test]
async fn invalid_expired_and_refresh_tokens_get_one_identical_401() {
    let fixture = Fixture::new();
    let app = app(&fixture);
    fixture.register("1", "alice", ALICE_PASSWORD, &["user"]);

    // Signed by a key the service does not know.
    let stranger = Fixture::new().token("1", "alice", &["user"]);
    // Expired an hour ago (well past the verifier's leeway).
    let past = opsguard_token::clock::ManualClock::new(
        i64::try_from(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs(),
        )
        .unwrap()
            - 2 * 3600,
    );
    let expired = Issuer::builder(fixture.keys.clone(), ISSUER, AUDIENCE)
        .with_clock(Arc::new(past))
        .build()
        .unwrap()
        .issue_access(&Subject::new("1", "alice").with_roles(["user"]))
        .unwrap()
        .expose_secret()
        .to_owned();
    // Right key, other audience.
    let other_audience = Issuer::builder(fixture.keys.clone(), ISSUER, "billing")
        .build()
        .unwrap()
        .issue_access(&Subject::new("1", "alice"))
        .unwrap()
        .expose_secret()
        .to_owned();
    // A refresh token presented as an access token.
    let refresh = data(&login(&app, "alice", ALICE_PASSWORD).await)["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    // alg none, with the claims of a real token.
    let valid = fixture.token("1", "alice", &["user"]);
    let claims = valid.split('.').nth(1).unwrap();
    let alg_none = format!("eyJhbGciOiJub25lIiwidHlwIjoiYXQrand0In0.{claims}.");

    let refused = [
        "garbage".to_owned(),
        stranger,
        expired,
        other_audience,
        refresh,
        alg_none,
    ];
    let expected = Error::invalid_token();
    let mut bodies = Vec::new();
    for token in &refused {
        let answer = get_with(&app, "/me", &format!("Bearer {token}")).await;
        answer.assert_wire(&expected);
        bodies.push(answer.body);
    }
    assert!(bodies.windows(2).all(|w| w[0] == w[1]));
    // And the valid one still works.
    let answer = get_with(&app, "/me", &format!("Bearer {valid}")).await;
    assert_eq!(answer.status, StatusCode::OK);
}

#[tokio::test]
async fn regular_user_on_an_admin_route_is_a_403() {
    let fixture = Fixture::new();
    let app = app(&fixture);
    let user = fixture.token("1", "alice", &["user"]);
    let answer = get_with(&app, "/admin", &format!("Bearer {user}")).await;
    answer.assert_wire(&Error::permission_denied());

    let root = fixture.token("3", "root", &["admin"]);
    let answer = get_with(&app, "/admin", &format!("Bearer {root}")).await;
    assert_eq!(&answer.body[..], b"admin root");

    // No token at all is still a 401, not a 403.
    let answer = send(&app, empty("GET", "/admin")).await;
    answer.assert_wire(&Error::missing_credentials());
    // A role that only looks like admin grants nothing.
    let fake = fixture.token("4", "mallory", &["Admin", "admin "]);
    let answer = get_with(&app, "/admin", &format!("Bearer {fake}")).await;
    answer.assert_wire(&Error::permission_denied());
}

#[tokio::test]
async fn optional_user_is_none_only_without_a_credential() {
    let fixture = Fixture::new();
    let app = app(&fixture);
    let answer = send(&app, empty("GET", "/greeting")).await;
    assert_eq!(&answer.body[..], b"hello anonymous");

    let token = fixture.token("1", "alice", &["user"]);
    let answer = get_with(&app, "/greeting", &format!("bearer {token}")).await;
    assert_eq!(&answer.body[..], b"hello alice");

    for bad in ["Bearer garbage", "Basic dXNlcjpwYXNz", "Bearer", ""] {
        let answer = get_with(&app, "/greeting", bad).await;
        answer.assert_wire(&Error::invalid_token());
    }
}

#[tokio::test]
async fn a_token_whose_sub_is_not_a_user_id_cannot_be_authorized() {
    let fixture = Fixture::new();
    let token = fixture.token("alice@example.com", "alice", &["admin"]);
    let answer = get_with(&app(&fixture), "/admin", &format!("Bearer {token}")).await;
    answer.assert_wire(&Error::invalid_token());
}

/// A valid access token whose last character is a letter, so that flipping
/// its case alters the signature's encoding.
fn token_ending_in_a_letter(fixture: &Fixture) -> String {
    (0..64)
        .map(|_| fixture.token("1", "alice", &["user"]))
        .find(|t| t.ends_with(|c: char| c.is_ascii_alphabetic()))
        .expect("64 tokens, none ending in a letter")
}

#[tokio::test]
async fn web_05_authorization_header_variants() {
    let case = opsguard_tests::case("web.json", "WEB-05");
    let fixture = Fixture::new();
    let app = app(&fixture);
    let token = token_ending_in_a_letter(&fixture);
    let flipped = {
        let (head, last) = token.split_at(token.len() - 1);
        let last = last.chars().next().unwrap();
        let flipped = if last.is_ascii_lowercase() {
            last.to_ascii_uppercase()
        } else {
            last.to_ascii_lowercase()
        };
        format!("{head}{flipped}")
    };
    // The case's expectation: these four are accepted, every other is a 401.
    let accepted = ["Bearer T", "bearer T", "BEARER T", "Bearer  T"];
    let headers = case["input"]["headers"].as_array().unwrap();
    assert_eq!(headers.len(), 13);
    for header in headers {
        let template = header.as_str().unwrap();
        let value = template
            .replace("<T with last char case flipped>", &flipped)
            .replace('T', &token);
        let answer = get_with(&app, "/me", &value).await;
        if accepted.contains(&template) {
            assert_eq!(answer.status, StatusCode::OK, "{template:?}");
            assert_eq!(&answer.body[..], b"1 alice user", "{template:?}");
        } else {
            assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{template:?}");
            let challenge = answer.header("www-authenticate").unwrap();
            assert!(challenge.starts_with("Bearer"), "{template:?}: {challenge}");
            answer.assert_wire(&Error::invalid_token());
        }
    }
    // Two Authorization headers, each valid alone, are refused.
    let mut request = with_auth(empty("GET", "/me"), &format!("Bearer {token}"));
    request = with_auth(request, &format!("Bearer {token}"));
    send(&app, request)
        .await
        .assert_wire(&Error::invalid_token());
    // An oversized header is refused before any decoding.
    let huge = format!("Bearer {}", "A".repeat(opsguard_auth::MAX_TOKEN_LEN + 1));
    get_with(&app, "/me", &huge)
        .await
        .assert_wire(&Error::invalid_token());
}

#[tokio::test]
async fn web_03_non_admin_is_refused_whatever_the_body() {
    let case = opsguard_tests::case("web.json", "WEB-03");
    assert_eq!(case["input"]["repeat_as_non_admin"], json!(true));
    let fixture = Fixture::new();
    let app = app(&fixture);
    let user = fixture.token("1", "alice", &["user"]);
    let admin = fixture.token("3", "root", &["admin"]);
    let bodies = case["input"]["admin_token_PATCH_/api/users/2"]
        .as_array()
        .unwrap();
    for body in bodies {
        let request = with_auth(
            json("PATCH", "/api/users/2", body.to_string()),
            &format!("Bearer {user}"),
        );
        send(&app, request)
            .await
            .assert_wire(&Error::permission_denied());
        // As an admin the same body is refused for its type, never accepted.
        let request = with_auth(
            json("PATCH", "/api/users/2", body.to_string()),
            &format!("Bearer {admin}"),
        );
        let answer = send(&app, request).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    }
    let request = with_auth(
        json("PATCH", "/api/users/2", r#"{"is_admin":false}"#),
        &format!("Bearer {admin}"),
    );
    assert_eq!(
        &send(&app, request).await.body[..],
        b"user 2 is_admin=Some(false)"
    );
}

#[tokio::test]
async fn web_01_ownership_is_enforced_with_one_line() {
    let case = opsguard_tests::case("web.json", "WEB-01");
    assert_eq!(case["input"]["setup"]["alice"]["id"], json!(1));
    let fixture = Fixture::new();
    let app = app(&fixture);
    let alice = format!("Bearer {}", fixture.token("1", "alice", &["user"]));
    let bob = format!("Bearer {}", fixture.token("2", "bob", &["user"]));
    let root = format!("Bearer {}", fixture.token("3", "root", &["admin"]));

    assert_eq!(
        get_with(&app, "/api/credentials/10", &alice).await.status,
        StatusCode::OK
    );
    get_with(&app, "/api/credentials/20", &alice)
        .await
        .assert_wire(&Error::permission_denied());
    get_with(&app, "/api/credentials/10", &bob)
        .await
        .assert_wire(&Error::permission_denied());
    assert_eq!(
        &get_with(&app, "/api/credentials/20", &root).await.body[..],
        b"credential 20"
    );
}

#[tokio::test]
async fn login_refresh_logout_round_trip() {
    let fixture = Fixture::new();
    let app = app(&fixture);
    fixture.register("1", "alice", ALICE_PASSWORD, &["user"]);

    let answer = login(&app, "alice", ALICE_PASSWORD).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.header("cache-control"), Some("no-store"));
    assert_eq!(answer.header("pragma"), Some("no-cache"));
    assert_eq!(answer.header("content-type"), Some("application/json"));
    let body: Value = serde_json::from_slice(&answer.body).unwrap();
    assert_eq!(body["success"], json!(true));
    assert_eq!(body["message"], json!("logged in"));
    // Sorted: whether serde_json keeps insertion order depends on the
    // features other crates of the build turn on (`preserve_order`).
    let mut keys: Vec<&str> = body["data"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["access_token", "expires_in", "refresh_token", "token_type"]
    );
    assert_eq!(body["data"]["token_type"], json!("Bearer"));
    assert_eq!(body["data"]["expires_in"], json!(900));
    let access = body["data"]["access_token"].as_str().unwrap();
    let first_refresh = body["data"]["refresh_token"].as_str().unwrap().to_owned();

    let me = get_with(&app, "/me", &format!("Bearer {access}")).await;
    assert_eq!(&me.body[..], b"1 alice user");

    let refresh_body = json!({"refresh_token": first_refresh});
    let answer = post_from(&app, "/auth/refresh", &refresh_body, PEER, None).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.header("cache-control"), Some("no-store"));
    let second_refresh = data(&answer)["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(second_refresh, first_refresh);

    // The used token again: reuse, the family is revoked.
    let answer = post_from(&app, "/auth/refresh", &refresh_body, PEER, None).await;
    answer.assert_wire(&Error::invalid_token());
    let answer = post_from(
        &app,
        "/auth/refresh",
        &json!({"refresh_token": second_refresh}),
        PEER,
        None,
    )
    .await;
    answer.assert_wire(&Error::invalid_token());
    assert!(fixture.audit.kinds().contains(&AuditKind::AuthnTokenReuse));

    // A fresh session, logged out.
    let refresh = data(&login(&app, "alice", ALICE_PASSWORD).await)["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = json!({"refresh_token": refresh});
    let answer = post_from(&app, "/auth/logout", &body, PEER, None).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        &answer.body[..],
        br#"{"success":true,"message":"logged out","data":null}"#
    );
    assert_eq!(answer.header("cache-control"), Some("no-store"));
    let answer = post_from(&app, "/auth/refresh", &body, PEER, None).await;
    answer.assert_wire(&Error::invalid_token());
}

#[tokio::test]
async fn token_endpoints_take_strict_bodies() {
    let fixture = Fixture::new();
    let app = app(&fixture);
    for (uri, body, field, code) in [
        (
            "/auth/login",
            json!({"username": "alice", "password": "x", "role": "admin"}),
            "role",
            "unknown_field",
        ),
        (
            "/auth/login",
            json!({"username": "alice"}),
            "password",
            "missing_field",
        ),
        (
            "/auth/login",
            json!({"username": 1, "password": "x"}),
            "username",
            "invalid_type",
        ),
        (
            "/auth/refresh",
            json!({"refresh_token": true}),
            "refresh_token",
            "invalid_type",
        ),
        ("/auth/logout", json!({}), "refresh_token", "missing_field"),
    ] {
        let answer = post_from(&app, uri, &body, PEER, None).await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{uri} {body}"
        );
        assert_eq!(
            answer.first_field(),
            (field.to_owned(), code.to_owned()),
            "{body}"
        );
    }
}

#[tokio::test]
async fn web_07_login_failures_answer_identically() {
    let case = opsguard_tests::case("web.json", "WEB-07");
    assert!(
        case["expected"]
            .as_str()
            .unwrap()
            .contains("Identical status (401) and body")
    );
    let fixture = Fixture::new();
    let app = app(&fixture);
    fixture.register("1", "alice", ALICE_PASSWORD, &["user"]);
    fixture.register("2", "carol", ALICE_PASSWORD, &["user"]);
    let carol = fixture.directory.get("2").unwrap().with_disabled(true);
    fixture.directory.insert(carol);

    let mut answers = Vec::new();
    for (username, password) in [
        ("alice", "wrong-pass-1"),
        ("no_such_user_93", "wrong-pass-1"),
        ("carol", ALICE_PASSWORD),
        ("", "wrong-pass-1"),
    ] {
        let answer = login(&app, username, password).await;
        answer.assert_wire(&Error::invalid_credentials());
        answers.push(answer);
    }
    let comparable = |a: &Answer| {
        let mut headers: Vec<(String, String)> = a
            .headers
            .iter()
            .filter(|(name, _)| *name != "x-request-id")
            .map(|(n, v)| (n.to_string(), v.to_str().unwrap().to_owned()))
            .collect();
        headers.sort();
        (a.status, headers, a.body.clone())
    };
    let first = comparable(&answers[0]);
    assert!(answers.iter().all(|a| comparable(a) == first));
}

#[tokio::test]
async fn login_audit_events_carry_the_request_id_and_client() {
    let fixture = Fixture::new();
    let app = app(&fixture);
    fixture.register("1", "alice", ALICE_PASSWORD, &["user"]);
    let answer = login(&app, "alice", ALICE_PASSWORD).await;
    let request_id = answer.header("x-request-id").unwrap().to_owned();
    let events = fixture.audit.events();
    let success = events
        .iter()
        .find(|e| e.kind() == AuditKind::AuthnLoginSuccess)
        .expect("login success audited");
    assert_eq!(success.request_id(), Some(request_id.as_str()));
    assert_eq!(success.client_ip(), Some("203.0.113.9".parse().unwrap()));
}

/// Fails `attempts` logins as alice from `peer` with the given
/// `X-Forwarded-For` values, one per attempt.
async fn fail_logins(app: &Router, peer: &str, forwarded: &[&str]) {
    for xff in forwarded {
        let body = json!({"username": "alice", "password": "wrong-pass-1"});
        let answer = post_from(app, "/auth/login", &body, peer, Some(xff)).await;
        answer.assert_wire(&Error::invalid_credentials());
    }
}

#[tokio::test]
async fn xff_spoofing_does_not_move_the_throttle_key() {
    let fixture = Fixture::new(); // no trusted proxy
    let app = app(&fixture);
    fixture.register("1", "alice", ALICE_PASSWORD, &["user"]);
    // Four failures, each claiming another origin.
    fail_logins(
        &app,
        PEER,
        &["198.51.100.1", "198.51.100.2", "198.51.100.3", "10.0.0.1"],
    )
    .await;
    // The next attempt from the same socket waits, whatever it claims.
    let body = json!({"username": "alice", "password": ALICE_PASSWORD});
    let answer = post_from(&app, "/auth/login", &body, PEER, Some("192.0.2.77")).await;
    assert_eq!(answer.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(answer.error().error.kind, ErrorKind::RateLimited);
    assert_eq!(answer.header("retry-after"), Some("1"));
    // Another socket is another client.
    let answer = post_from(
        &app,
        "/auth/login",
        &body,
        "203.0.113.10:1",
        Some("203.0.113.9"),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_client_is_counted() {
    let resolver = ClientIpResolver::builder()
        .with_trusted_proxy("10.0.0.0/8")
        .build()
        .unwrap();
    let fixture = Fixture::with_resolver(resolver);
    let app = app(&fixture);
    fixture.register("1", "alice", ALICE_PASSWORD, &["user"]);
    let proxy = "10.1.2.3:443";
    // The client writes anything on the left; the proxy appends the real
    // address on the right.
    fail_logins(
        &app,
        proxy,
        &[
            "1.1.1.1, 198.51.100.7",
            "2.2.2.2, 198.51.100.7",
            "garbage, 198.51.100.7",
            "198.51.100.7",
        ],
    )
    .await;
    let body = json!({"username": "alice", "password": ALICE_PASSWORD});
    let answer = post_from(
        &app,
        "/auth/login",
        &body,
        proxy,
        Some("3.3.3.3, 198.51.100.7"),
    )
    .await;
    assert_eq!(answer.status, StatusCode::TOO_MANY_REQUESTS);
    // Another client behind the same proxy is not held up.
    let answer = post_from(&app, "/auth/login", &body, proxy, Some("198.51.100.8")).await;
    assert_eq!(answer.status, StatusCode::OK);
    let failure = fixture
        .audit
        .events()
        .into_iter()
        .find(|e| e.kind() == AuditKind::AuthnLoginFail)
        .unwrap();
    assert_eq!(failure.client_ip(), Some("198.51.100.7".parse().unwrap()));
}

#[tokio::test]
async fn login_without_a_peer_address_is_a_500() {
    let fixture = Fixture::new();
    let body = json!({"username": "alice", "password": "x"}).to_string();
    let answer = send(&app(&fixture), json("POST", "/auth/login", body)).await;
    answer.assert_wire(&Error::from_kind(ErrorKind::Internal));
}

#[tokio::test]
async fn jwks_publishes_the_public_keys() {
    let fixture = Fixture::new();
    let answer = send(&app(&fixture), empty("GET", "/.well-known/jwks.json")).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.header("content-type"), Some("application/json"));
    assert_eq!(answer.header("cache-control"), Some("public, max-age=300"));
    assert_eq!(answer.body, fixture.keys.to_jwks().to_json().as_bytes());
    let remote = KeySet::from_jwks_json(&answer.body).unwrap();
    assert_eq!(
        remote.kids().map(|(kid, _, _)| kid).collect::<Vec<_>>(),
        ["k1"]
    );
    assert!(!String::from_utf8_lossy(&answer.body).contains("\"d\""));
}

#[tokio::test]
async fn a_verify_only_guard_authenticates_but_has_no_token_endpoints() {
    let keys = KeySet::builder()
        .primary(SigningKey::generate(Algorithm::Hs256).unwrap())
        .build()
        .unwrap();
    let issuer = Issuer::builder(keys, ISSUER, AUDIENCE).build().unwrap();
    let guard = OpsGuard::verifier_builder(
        issuer.verifier().unwrap(),
        SharedPolicy::new(Policy::opsconductor()),
    )
    .build();
    let app = Router::new()
        .route("/me", get(me))
        .merge(auth_router())
        .layer(ErrorEnvelopeLayer::new())
        .with_state(guard);
    let token = issuer.issue_access(&Subject::new("5", "svc")).unwrap();
    let answer = get_with(&app, "/me", &format!("Bearer {}", token.expose_secret())).await;
    assert_eq!(&answer.body[..], b"5 svc ");
    let body = json!({"username": "alice", "password": "x"});
    post_from(&app, "/auth/login", &body, PEER, None)
        .await
        .assert_wire(&Error::from_kind(ErrorKind::NotFound));
    send(&app, empty("GET", "/.well-known/jwks.json"))
        .await
        .assert_wire(&Error::from_kind(ErrorKind::NotFound));
}

#[test]
fn every_web_case_is_covered() {
    // WEB-01: web_01_ownership_is_enforced_with_one_line
    // WEB-03: web_03_non_admin_is_refused_whatever_the_body, and
    //         extractors.rs web_03_json_type_confusion_is_refused_strictly
    // WEB-05: web_05_authorization_header_variants
    // WEB-07: web_07_login_failures_answer_identically (same answer; the
    //         timing half is opsguard-auth's dummy verification)
    let covered = ["WEB-01", "WEB-03", "WEB-05", "WEB-07"];
    assert_eq!(opsguard_tests::case_ids("web.json"), covered);
}

#[tokio::test]
async fn token_response_debug_is_redacted() {
    use opsguard_axum::TokenResponse;
    use opsguard_token::refresh::{MemoryRefreshStore, RefreshRotation};

    let fixture = Fixture::new();
    let rotation = RefreshRotation::builder(
        Issuer::builder(fixture.keys.clone(), ISSUER, AUDIENCE)
            .build()
            .unwrap(),
        Arc::new(MemoryRefreshStore::new()),
    )
    .build()
    .unwrap();
    let pair = rotation.start(&Subject::new("1", "alice")).await.unwrap();
    let access = pair.access().expose_secret().to_owned();
    let refresh = pair.refresh().expose_secret().to_owned();
    let shown = format!("{:?}", TokenResponse::new("logged in", pair));
    assert!(
        !shown.contains(&access) && !shown.contains(&refresh),
        "{shown}"
    );
    assert!(!shown.contains("eyJ"), "{shown}");
}

//! The behaviours, each written once and run against both apps.
//!
//! Every check asserts exact outcomes: the status, the error `type`, the
//! field codes, the headers, and the body bytes wherever they are
//! deterministic. Expected error answers are written out literally once
//! (so the wire format itself is pinned) and otherwise compared with
//! `opsguard_core::Error::to_wire`, the single source both adapters copy.

use std::time::Duration;

use opsguard_auth::AuditKind;
use opsguard_core::security_headers::JSON_API_HEADERS;
use opsguard_core::{Error, ErrorKind};
use opsguard_token::{Algorithm, Subject};
use serde_json::{Value, json};

use crate::client::{Answer, Request, TestApp, raw_request};
use crate::fixture::{
    ADMIN, ADMIN_PASSWORD, ALICE, ALICE_PASSWORD, AUDIENCE, BODY_LIMIT, FREE_LOGIN_FAILURES,
    Fixture, ISSUER, Item, KID, LOGIN_DELAY_SECS,
};

// --- the literal answers ---

pub(crate) const MISSING_TOKEN: &str =
    r#"{"error":{"type":"AuthError","message":"authentication required"}}"#;
pub(crate) const INVALID_TOKEN: &str =
    r#"{"error":{"type":"AuthError","message":"invalid or expired token"}}"#;
const INVALID_CREDENTIALS: &str =
    r#"{"error":{"type":"AuthError","message":"invalid username or password"}}"#;
const FORBIDDEN: &str = r#"{"error":{"type":"PermissionError","message":"permission denied"}}"#;
const NOT_FOUND: &str = r#"{"error":{"type":"NotFound","message":"not found"}}"#;
const JOB_NOT_FOUND: &str = r#"{"error":{"type":"NotFound","message":"job not found"}}"#;
const TOO_LARGE: &str =
    r#"{"error":{"type":"PayloadTooLarge","message":"request body too large"}}"#;
const RATE_LIMITED: &str = r#"{"error":{"type":"RateLimited","message":"too many requests"}}"#;
const INVALID_ID: &str = r#"{"error":{"type":"ValidationError","message":"request validation failed","fields":[{"field":"id","code":"invalid_value","message":"invalid path parameter"}]}}"#;
const INVALID_CONTENT_TYPE: &str = r#"{"error":{"type":"ValidationError","message":"request validation failed","fields":[{"field":"","code":"invalid_content_type","message":"expected content-type application/json"}]}}"#;
const NAME_LENGTH: &str = r#"{"error":{"type":"ValidationError","message":"request validation failed","fields":[{"field":"name","code":"length","message":"length must be 1 to 32"}]}}"#;

const ALICE_ME: &str =
    r#"{"success":true,"message":"current user","data":{"id":"1","username":"alice"}}"#;
const ADMIN_AREA: &str =
    r#"{"success":true,"message":"admin area","data":{"id":"2","username":"admin"}}"#;
const LOGGED_OUT: &str = r#"{"success":true,"message":"logged out","data":null}"#;

/// The security headers of the `json_api` preset, written out.
const SECURITY_HEADERS: [(&str, &str); 6] = [
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

// --- helpers ---

/// Asserts the preset's security headers, each once; `cache_control` is
/// the expected `Cache-Control` (the preset's `no-store` unless the handler
/// set its own).
#[track_caller]
pub(crate) fn assert_security_headers(answer: &Answer, cache_control: &str) {
    assert_eq!(SECURITY_HEADERS, JSON_API_HEADERS);
    for (name, value) in SECURITY_HEADERS {
        let expected = if name == "cache-control" {
            cache_control
        } else {
            value
        };
        assert_eq!(
            answer.header(name),
            Some(expected),
            "{name} on a {}",
            answer.status
        );
    }
}

/// Asserts one `x-request-id` holding a lowercase UUID v4, and returns it.
#[track_caller]
pub(crate) fn assert_request_id(answer: &Answer) -> String {
    let id = answer
        .header("x-request-id")
        .unwrap_or_else(|| panic!("no x-request-id on a {}", answer.status));
    let bytes = id.as_bytes();
    let shape = bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            14 => *b == b'4',
            19 => matches!(b, b'8' | b'9' | b'a' | b'b'),
            _ => b.is_ascii_digit() || (b'a'..=b'f').contains(b),
        });
    assert!(shape, "x-request-id {id:?} is not a UUID v4");
    id.to_owned()
}

/// `POST /auth/login` as `username` with `password`.
pub(crate) async fn login(app: &TestApp, username: &str, password: &str) -> Answer {
    let body = json!({"username": username, "password": password}).to_string();
    app.send(Request::post("/auth/login").json(body)).await
}

/// `POST path` with `{"refresh_token": token}`.
async fn post_refresh(app: &TestApp, path: &str, token: &str) -> Answer {
    let body = json!({ "refresh_token": token }).to_string();
    app.send(Request::post(path).json(body)).await
}

/// The access and refresh tokens of a login or refresh answer, after
/// checking its shape and headers.
#[track_caller]
fn tokens(answer: &Answer, message: &str) -> (String, String) {
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(answer.header("content-type"), Some("application/json"));
    assert_eq!(answer.header("cache-control"), Some("no-store"));
    assert_eq!(answer.header("pragma"), Some("no-cache"));
    let body = answer.json();
    assert_eq!(body["success"], json!(true));
    assert_eq!(body["message"], json!(message));
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
    let token = |name: &str| body["data"][name].as_str().unwrap().to_owned();
    (token("access_token"), token("refresh_token"))
}

/// Fails alice's login until the throttle refuses, and returns the refusal.
pub(crate) async fn throttled_login(app: &TestApp) -> Answer {
    for _ in 0..=FREE_LOGIN_FAILURES {
        let answer = login(app, ALICE, "wrong password 1").await;
        answer.assert_error(&Error::invalid_credentials());
    }
    // Now even the right password waits.
    login(app, ALICE, ALICE_PASSWORD).await
}

/// `GET /me` with `Authorization: value`.
async fn me_with(app: &TestApp, value: &str) -> Answer {
    app.send(Request::get("/me").header("authorization", value))
        .await
}

/// `GET /me` with each raw `Authorization` line given.
fn me_raw(app: &TestApp, lines: &[&[u8]]) -> Answer {
    app.send_raw(&raw_request("GET", "/me", lines, b""))
}

// --- authentication ---

/// No `Authorization` header: 401 with the bare `Bearer` challenge
/// (RFC 6750 §3.1: no error code when no credential was sent).
pub(crate) async fn missing_token(app: &TestApp) {
    let answer = app.send(Request::get("/me")).await;
    answer.assert_error(&Error::missing_credentials());
    assert_eq!(answer.header("www-authenticate"), Some("Bearer"));
    assert_eq!(answer.text(), MISSING_TOKEN);
    assert_eq!(answer.error().error.kind, ErrorKind::Auth);
}

/// A valid access token reaches the handler.
pub(crate) async fn valid_token(app: &TestApp) {
    let token = app.fixture().alice_token();
    let answer = app.send(Request::get("/me").bearer(&token)).await;
    answer.assert_json(200, ALICE_ME);
}

/// Tokens that are not JWTs, or broken ones: one identical 401.
pub(crate) async fn malformed_token(app: &TestApp) {
    let valid = app.fixture().alice_token();
    let mut parts = valid.split('.');
    let (header, claims) = (parts.next().unwrap(), parts.next().unwrap());
    let malformed = [
        "garbage".to_owned(),
        "a.b.c".to_owned(),
        format!("{header}.{claims}"),
        format!("{header}.{claims}."),
        format!("{header}.{claims}.AAAA"),
        // alg none with the claims of a real token.
        format!("eyJhbGciOiJub25lIiwidHlwIjoiYXQrand0In0.{claims}."),
        // Over the 8 KiB cap, refused before any decoding.
        "A".repeat(opsguard_auth::MAX_TOKEN_LEN + 1),
    ];
    for token in &malformed {
        let answer = app.send(Request::get("/me").bearer(token)).await;
        answer.assert_error(&Error::invalid_token());
        assert_eq!(
            answer.header("www-authenticate"),
            Some(r#"Bearer error="invalid_token""#)
        );
        assert_eq!(answer.text(), INVALID_TOKEN);
    }
}

/// A token whose lifetime is over, and one not valid yet.
pub(crate) async fn expired_token(app: &TestApp) {
    let subject = Subject::new("1", ALICE).with_roles(["user"]);
    for shift in [-2 * 3600, 2 * 3600] {
        let token = app
            .fixture()
            .issuer_with(ISSUER, AUDIENCE, shift)
            .issue_access(&subject)
            .unwrap();
        let answer = app
            .send(Request::get("/me").bearer(token.expose_secret()))
            .await;
        answer.assert_error(&Error::invalid_token());
    }
}

/// A refresh token is never an access token.
pub(crate) async fn refresh_token_as_access_token(app: &TestApp) {
    let (access, refresh) = tokens(&login(app, ALICE, ALICE_PASSWORD).await, "logged in");
    let answer = app.send(Request::get("/me").bearer(&refresh)).await;
    answer.assert_error(&Error::invalid_token());
    // And the access token is not a refresh token.
    post_refresh(app, "/auth/refresh", &access)
        .await
        .assert_error(&Error::invalid_token());
    // The pair's access token works.
    app.send(Request::get("/me").bearer(&access))
        .await
        .assert_json(200, ALICE_ME);
}

/// Signed by a key the app does not hold: the same `kid`, an unknown
/// `kid`, and an HMAC key under the app's `kid` (algorithm confusion).
pub(crate) async fn token_signed_by_another_key(app: &TestApp) {
    let strangers = [
        Fixture::new(),
        Fixture::with_key(Algorithm::EdDsa, "k2"),
        Fixture::with_key(Algorithm::Hs256, KID),
    ];
    for stranger in &strangers {
        let token = stranger.alice_token();
        let answer = app.send(Request::get("/me").bearer(&token)).await;
        answer.assert_error(&Error::invalid_token());
    }
}

/// The right key, but another issuer or audience.
pub(crate) async fn token_with_wrong_issuer(app: &TestApp) {
    let subject = Subject::new("1", ALICE).with_roles(["user"]);
    for (iss, aud) in [
        ("https://evil.example", AUDIENCE),
        (ISSUER, "billing"),
        (&format!("{ISSUER}/"), AUDIENCE),
    ] {
        let token = app
            .fixture()
            .issuer_with(iss, aud, 0)
            .issue_access(&subject)
            .unwrap();
        let answer = app
            .send(Request::get("/me").bearer(token.expose_secret()))
            .await;
        answer.assert_error(&Error::invalid_token());
    }
}

/// The scheme is case-insensitive (RFC 9110 §11.1, as opsguard-auth's
/// parser decides); other schemes are refused.
pub(crate) async fn scheme_case(app: &TestApp) {
    let token = app.fixture().alice_token();
    for scheme in ["Bearer", "bearer", "BEARER", "bEaReR"] {
        me_with(app, &format!("{scheme} {token}"))
            .await
            .assert_json(200, ALICE_ME);
    }
    for value in [
        format!("Token {token}"),
        format!("Bearer: {token}"),
        format!("JWT {token}"),
        "Basic YWxpY2U6cGx1bQ==".to_owned(),
    ] {
        me_with(app, &value)
            .await
            .assert_error(&Error::invalid_token());
    }
}

/// Spacing, written byte for byte on the socket. One or more spaces
/// between scheme and token are accepted (opsguard-auth's documented
/// deviation from RFC 6750); whitespace around the whole value is not part
/// of the field value (RFC 9110 §5.5), so the server drops it; a tab
/// inside, a missing separator, or anything after the token is refused.
pub(crate) async fn authorization_spacing(app: &TestApp) {
    let token = app.fixture().alice_token();
    let line = |value: &str| format!("Authorization:{value}").into_bytes();
    let accepted = [
        format!(" Bearer {token}"),
        format!(" Bearer  {token}"),
        format!(" Bearer    {token}"),
        format!("Bearer {token}"),
        format!("    Bearer {token}"),
        format!(" Bearer {token}   "),
        format!("\tBearer {token}\t"),
    ];
    for value in &accepted {
        let answer = me_raw(app, &[&line(value)]);
        assert_eq!(answer.status, 200, "{value:?}: {}", answer.text());
        assert_eq!(answer.text(), ALICE_ME, "{value:?}");
    }
    let refused = [
        format!(" Bearer\t{token}"),
        format!(" Bearer{token}"),
        " Bearer".to_owned(),
        " Bearer   ".to_owned(),
        format!(" Bearer {token} extra"),
        format!(" Bearer {token},Bearer {token}"),
        format!(" Bearer \"{token}\""),
        format!(" Bearer {token}\t."),
    ];
    for value in &refused {
        let answer = me_raw(app, &[&line(value)]);
        answer.assert_error(&Error::invalid_token());
    }
}

/// Two `Authorization` headers, each valid alone, are refused; so is an
/// empty one. Neither is ever anonymous on an optional route.
pub(crate) async fn duplicate_authorization_headers(app: &TestApp) {
    let token = app.fixture().alice_token();
    for path in ["/me", "/greeting"] {
        let answer = app
            .send(Request::get(path).bearer(&token).bearer(&token))
            .await;
        answer.assert_error(&Error::invalid_token());
        let answer = app
            .send(Request::get(path).bearer(&token).bearer("garbage"))
            .await;
        answer.assert_error(&Error::invalid_token());
        // The same on the socket, header lines written by hand.
        let line = format!("Authorization: Bearer {token}");
        let answer = app.send_raw(&raw_request(
            "GET",
            path,
            &[line.as_bytes(), line.as_bytes()],
            b"",
        ));
        answer.assert_error(&Error::invalid_token());
        // Present but empty is a refused credential, not a missing one.
        let answer = app.send_raw(&raw_request("GET", path, &[b"Authorization:"], b""));
        answer.assert_error(&Error::invalid_token());
    }
}

/// `Option<CurrentUser>` / `OptionalUser`: anonymous only without any
/// `Authorization` header.
pub(crate) async fn optional_user(app: &TestApp) {
    let answer = app.send(Request::get("/greeting")).await;
    answer.assert_json(
        200,
        r#"{"success":true,"message":"hello anonymous","data":null}"#,
    );
    let token = app.fixture().alice_token();
    let answer = app
        .send(Request::get("/greeting").header("authorization", &format!("bearer {token}")))
        .await;
    answer.assert_json(
        200,
        r#"{"success":true,"message":"hello alice","data":null}"#,
    );
    for bad in ["Bearer garbage", "Basic YWxpY2U6cGx1bQ==", "Bearer"] {
        let answer = app
            .send(Request::get("/greeting").header("authorization", bad))
            .await;
        answer.assert_error(&Error::invalid_token());
    }
}

// --- authorization ---

/// 401 (who are you?) against 403 (you may not), with exact bodies.
pub(crate) async fn unauthenticated_vs_forbidden(app: &TestApp) {
    let answer = app.send(Request::get("/admin")).await;
    assert_eq!(answer.status, 401);
    assert_eq!(answer.header("www-authenticate"), Some("Bearer"));
    assert_eq!(answer.text(), MISSING_TOKEN);

    let answer = app.send(Request::get("/admin").bearer("garbage")).await;
    assert_eq!(answer.status, 401);
    assert_eq!(
        answer.header("www-authenticate"),
        Some(r#"Bearer error="invalid_token""#)
    );
    assert_eq!(answer.text(), INVALID_TOKEN);

    let alice = app.fixture().alice_token();
    let answer = app.send(Request::get("/admin").bearer(&alice)).await;
    answer.assert_error(&Error::permission_denied());
    assert_eq!(answer.text(), FORBIDDEN);
    assert_eq!(answer.header("www-authenticate"), None);
    assert_eq!(answer.header("content-type"), Some("application/json"));

    // A role that only looks like admin grants nothing.
    let fake = app.fixture().token("4", "mallory", &["Admin", "admin "]);
    let answer = app.send(Request::get("/admin").bearer(&fake)).await;
    answer.assert_error(&Error::permission_denied());

    let admin = app.fixture().admin_token();
    let answer = app.send(Request::get("/admin").bearer(&admin)).await;
    answer.assert_json(200, ADMIN_AREA);
}

/// `guard.require(&user, "jobs:delete", &Resource::owned(...))`: owners
/// and admins may, others get 403, unknown jobs 404.
pub(crate) async fn job_ownership(app: &TestApp) {
    let alice = app.fixture().alice_token();
    let admin = app.fixture().admin_token();
    let deleted =
        |id: i64| format!(r#"{{"success":true,"message":"job deleted","data":{{"id":{id}}}}}"#);

    let answer = app.send(Request::delete("/jobs/1").bearer(&alice)).await;
    answer.assert_json(200, &deleted(1));
    let answer = app.send(Request::delete("/jobs/2").bearer(&alice)).await;
    answer.assert_error(&Error::permission_denied());
    assert_eq!(answer.text(), FORBIDDEN);
    let answer = app.send(Request::delete("/jobs/2").bearer(&admin)).await;
    answer.assert_json(200, &deleted(2));
    for path in ["/jobs/99", "/jobs/0", "/jobs/-1"] {
        let answer = app.send(Request::delete(path).bearer(&alice)).await;
        answer.assert_error(&Error::not_found("job not found"));
        assert_eq!(answer.text(), JOB_NOT_FOUND);
    }
    // A percent-encoded id is the id.
    let answer = app.send(Request::delete("/jobs/%31").bearer(&alice)).await;
    answer.assert_json(200, &deleted(1));
    // Authentication comes before everything else.
    let answer = app.send(Request::delete("/jobs/1")).await;
    answer.assert_error(&Error::missing_credentials());
    let answer = app.send(Request::delete("/jobs/abc")).await;
    answer.assert_error(&Error::missing_credentials());
}

/// A path id that is no `i64` is a 422 naming `id`, never echoing it.
pub(crate) async fn path_id_invalid(app: &TestApp) {
    let alice = app.fixture().alice_token();
    for id in [
        "18446744073709551616",
        "9223372036854775808",
        "-9223372036854775809",
        "abc",
        "1.5",
        "0x10",
        "%FF",
        "1%20",
    ] {
        let answer = app
            .send(Request::delete(&format!("/jobs/{id}")).bearer(&alice))
            .await;
        answer.assert_error(&opsguard_validate::invalid_path_param(Some("id")));
        assert_eq!(answer.text(), INVALID_ID, "{id}");
        assert_eq!(
            answer.fields(),
            [("id".to_owned(), "invalid_value".to_owned())]
        );
    }
}

/// Path parameters are percent-decoded text. One whose bytes are not
/// UTF-8 is a 422 naming it — the first such parameter in the route's
/// order — never handed to the handler with its bytes replaced (`%FF`,
/// `%FE` and `%C3` would all become the same U+FFFD). A U+FFFD the client
/// sent encoded is text like any other.
pub(crate) async fn path_param_not_utf8(app: &TestApp) {
    for (path, field) in [
        ("/files/%FF/report", "owner"),
        ("/files/%FE/report", "owner"),
        ("/files/alice/%C3", "name"),
        ("/files/alice/a%80b", "name"),
        ("/files/alice/%ED%A0%80", "name"),
        ("/files/%FF/%FE", "owner"),
    ] {
        let answer = app.send(Request::get(path)).await;
        answer.assert_error(&opsguard_validate::invalid_path_param(Some(field)));
        assert_eq!(
            answer.fields(),
            [(field.to_owned(), "invalid_value".to_owned())],
            "{path}"
        );
    }
    for (path, owner, name) in [
        ("/files/alice/report", "alice", "report"),
        ("/files/%EF%BF%BD/%C3%A9", "\u{fffd}", "é"),
        ("/files/a%2Fb/%25FF", "a/b", "%FF"),
    ] {
        let answer = app.send(Request::get(path)).await;
        answer.assert_json(
            200,
            &format!(
                r#"{{"success":true,"message":"file","data":{{"owner":"{owner}","name":"{name}"}}}}"#
            ),
        );
    }
}

/// A route and a `Path<T>` that do not fit together is the program's
/// mistake: 500 with the generic body, not a 422 that blames the client.
pub(crate) async fn path_type_mismatch(app: &TestApp) {
    for path in ["/mismatch/1", "/mismatch/x"] {
        let answer = app.send(Request::get(path)).await;
        answer.assert_error(&Error::internal("route and type disagree"));
        assert_eq!(
            answer.text(),
            r#"{"error":{"type":"InternalError","message":"internal server error"}}"#
        );
        assert_security_headers(&answer, "no-store");
        assert_request_id(&answer);
    }
}

// --- request bodies ---

/// `POST /items` with `content-type: application/json` and `body`.
async fn post_item(app: &TestApp, body: &str) -> Answer {
    app.send(Request::post("/items").json(body)).await
}

/// The answer opsguard-validate gives for `body` as an [`Item`].
fn refusal_of(body: &str) -> Error {
    opsguard_validate::from_json_slice::<Item>(body.as_bytes(), BODY_LIMIT)
        .err()
        .unwrap()
}

/// A valid body is created (201) and echoed.
pub(crate) async fn json_valid(app: &TestApp) {
    let answer = post_item(app, r#"{"name":"widget","enabled":true}"#).await;
    answer.assert_json(
        201,
        r#"{"success":true,"message":"item created","data":{"name":"widget","enabled":true}}"#,
    );
    for content_type in [
        "application/json; charset=utf-8",
        "application/merge-patch+json",
        "Application/JSON",
    ] {
        let answer = app
            .send(
                Request::post("/items")
                    .header("content-type", content_type)
                    .body(r#"{"enabled":false,"name":"w"}"#),
            )
            .await;
        assert_eq!(answer.status, 201, "{content_type}: {}", answer.text());
    }
}

/// Each way a body can be wrong: one 422 whose field error names the path
/// and a stable code.
pub(crate) async fn json_refusals(app: &TestApp) {
    for (body, field, code) in [
        (r#"{"name":"#, "name", "invalid_json"),
        ("", "", "invalid_json"),
        (r#"{"name":"a","enabled":true} x"#, "", "invalid_json"),
        (
            r#"{"name":"a","enabled":true,"admin":true}"#,
            "admin",
            "unknown_field",
        ),
        (
            r#"{"name":"a","enabled":"true"}"#,
            "enabled",
            "invalid_type",
        ),
        (r#"{"name":"a","enabled":null}"#, "enabled", "invalid_type"),
        (r#"{"name":7,"enabled":true}"#, "name", "invalid_type"),
        (r#"{"name":"a"}"#, "enabled", "missing_field"),
        (r#"[]"#, "", "invalid_value"),
        (
            r#"{"name":"a","name":"b","enabled":true}"#,
            "name",
            "duplicate_field",
        ),
    ] {
        let answer = post_item(app, body).await;
        assert_eq!(answer.status, 422, "{body}: {}", answer.text());
        assert_eq!(answer.error().error.kind, ErrorKind::Validation, "{body}");
        assert_eq!(
            answer.fields(),
            [(field.to_owned(), code.to_owned())],
            "{body}"
        );
        answer.assert_error(&refusal_of(body));
    }
}

/// The content type must be JSON, given once.
pub(crate) async fn content_type_refusals(app: &TestApp) {
    let body = r#"{"name":"widget","enabled":true}"#;
    let requests = [
        Request::post("/items").body(body),
        Request::post("/items")
            .header("content-type", "text/plain")
            .body(body),
        Request::post("/items")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body),
        Request::post("/items")
            .header("content-type", "multipart/form-data; boundary=x")
            .body(body),
        Request::post("/items")
            .header("content-type", "application/jsonx")
            .body(body),
        Request::post("/items")
            .header("content-type", "application/json")
            .header("content-type", "application/json")
            .body(body),
    ];
    for request in requests {
        let answer = app.send(request.clone()).await;
        assert_eq!(
            answer.text(),
            INVALID_CONTENT_TYPE,
            "{}",
            request.describe()
        );
        assert_eq!(answer.status, 422);
        assert_eq!(answer.header("content-type"), Some("application/json"));
    }
}

/// A `validator` rule that fails: `name` must be 1 to 32 characters.
pub(crate) async fn validation_rule(app: &TestApp) {
    for name in ["", &"n".repeat(33)] {
        let body = json!({"name": name, "enabled": true}).to_string();
        let answer = post_item(app, &body).await;
        answer.assert_error(&refusal_of(&body));
        assert_eq!(answer.text(), NAME_LENGTH);
    }
    let answer = post_item(
        app,
        &json!({"name": "n".repeat(32), "enabled": true}).to_string(),
    )
    .await;
    assert_eq!(answer.status, 201);
}

/// `{"name":"w","enabled":true}` padded with spaces to `len` bytes.
fn padded_item(len: usize) -> String {
    let mut body = r#"{"name":"w","enabled":true}"#.to_owned();
    let pad = len - body.len();
    body.insert_str(1, &" ".repeat(pad));
    body
}

/// The body limit (1024 bytes): by `Content-Length` before any handler,
/// while reading a chunked body, and on a route that reads no body.
pub(crate) async fn body_limit(app: &TestApp) {
    let answer = post_item(app, &padded_item(BODY_LIMIT)).await;
    assert_eq!(answer.status, 201, "{}", answer.text());

    let answer = post_item(app, &padded_item(BODY_LIMIT + 1)).await;
    answer.assert_error(&Error::payload_too_large());
    assert_eq!(answer.text(), TOO_LARGE);

    // Chunked, so no length is declared: cut off while reading.
    let body = padded_item(BODY_LIMIT + 200);
    let (first, second) = body.split_at(600);
    let mut request = raw_request(
        "POST",
        "/items",
        &[
            b"Content-Type: application/json",
            b"Transfer-Encoding: chunked",
        ],
        b"",
    );
    for chunk in [first, second] {
        request.extend_from_slice(format!("{:x}\r\n{chunk}\r\n", chunk.len()).as_bytes());
    }
    request.extend_from_slice(b"0\r\n\r\n");
    let answer = app.send_raw(&request);
    answer.assert_error(&Error::payload_too_large());

    // A small chunked body is read.
    let mut request = raw_request(
        "POST",
        "/items",
        &[
            b"Content-Type: application/json",
            b"Transfer-Encoding: chunked",
        ],
        b"",
    );
    let body = r#"{"name":"w","enabled":true}"#;
    request.extend_from_slice(format!("{:x}\r\n{body}\r\n0\r\n\r\n", body.len()).as_bytes());
    assert_eq!(app.send_raw(&request).status, 201);

    // A declared length over the limit is refused even where no handler
    // reads a body, and before authentication.
    let token = app.fixture().alice_token();
    let big = "x".repeat(BODY_LIMIT + 1);
    let answer = app
        .send(Request::get("/me").bearer(&token).body(big.clone()))
        .await;
    answer.assert_error(&Error::payload_too_large());
    let answer = app.send(Request::post("/auth/login").json(big)).await;
    answer.assert_error(&Error::payload_too_large());
}

// --- headers on every answer ---

/// The six security headers and a fresh `x-request-id` on answers of every
/// status the apps give: 200, 201, 401, 403, 404, 413, 422 and 429.
pub(crate) async fn security_headers_everywhere(app: &TestApp) {
    let alice = app.fixture().alice_token();
    let requests = [
        (200, Request::get("/me").bearer(&alice)),
        (200, Request::get("/greeting")),
        (
            201,
            Request::post("/items").json(r#"{"name":"w","enabled":true}"#),
        ),
        (401, Request::get("/me")),
        (401, Request::get("/me").bearer("garbage")),
        (403, Request::get("/admin").bearer(&alice)),
        (404, Request::get("/nope")),
        (404, Request::post("/me")),
        (404, Request::delete("/jobs/99").bearer(&alice)),
        (
            413,
            Request::post("/items").json("x".repeat(BODY_LIMIT + 1)),
        ),
        (422, Request::post("/items").json("{")),
        (422, Request::delete("/jobs/abc").bearer(&alice)),
    ];
    let mut ids = Vec::new();
    for (status, request) in requests {
        let answer = app.send(request).await;
        assert_eq!(answer.status, status, "{}", answer.text());
        assert_security_headers(&answer, "no-store");
        ids.push(assert_request_id(&answer));
    }
    let answer = throttled_login(app).await;
    assert_eq!(answer.status, 429);
    assert_security_headers(&answer, "no-store");
    ids.push(assert_request_id(&answer));
    // Every answer had its own id.
    let count = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), count);
}

/// An `x-request-id` sent by the client is replaced, never echoed, on
/// success and error answers alike; the flow's audit event carries the id
/// the client was sent.
pub(crate) async fn request_id_not_echoed(app: &TestApp) {
    let chosen = "attacker-chosen-id";
    let alice = app.fixture().alice_token();
    for request in [
        Request::get("/me").bearer(&alice),
        Request::get("/me"),
        Request::get("/nope"),
        Request::post("/items").json("{"),
    ] {
        let answer = app.send(request.header("x-request-id", chosen)).await;
        let id = assert_request_id(&answer);
        assert_ne!(id, chosen);
        assert!(!answer.text().contains(chosen));
    }
    // Two of them: both replaced by one fresh id.
    let answer = app
        .send(
            Request::get("/greeting")
                .header("x-request-id", chosen)
                .header("x-request-id", "second"),
        )
        .await;
    assert_ne!(assert_request_id(&answer), chosen);

    let answer = app
        .send(
            Request::post("/auth/login")
                .header("x-request-id", chosen)
                .json(json!({"username": ALICE, "password": ALICE_PASSWORD}).to_string()),
        )
        .await;
    let id = assert_request_id(&answer);
    let events = app.audit().events();
    let success = events
        .iter()
        .find(|e| e.kind() == AuditKind::AuthnLoginSuccess)
        .expect("login audited");
    assert_eq!(success.request_id(), Some(id.as_str()));
    assert_eq!(success.client_ip(), Some("127.0.0.1".parse().unwrap()));
}

/// Unknown routes and known routes with another method: the same 404
/// envelope (opsguard has no 405 kind); a known route names its methods in
/// `Allow`, compared as a list (axum writes `GET,HEAD`, actix-web
/// `GET, HEAD`).
pub(crate) async fn unknown_route(app: &TestApp) {
    for (request, allow) in [
        (Request::get("/nope"), None),
        (Request::get("/"), None),
        (Request::get("/me/"), None),
        (Request::get("/jobs/1/extra"), None),
        (Request::get("/ME"), None),
        (Request::post("/me"), Some("GET,HEAD")),
        (Request::get("/jobs/1"), Some("DELETE")),
        (Request::new("PUT", "/items"), Some("POST")),
        (Request::get("/auth/login"), Some("POST")),
        (
            Request::new("PATCH", "/.well-known/jwks.json"),
            Some("GET,HEAD"),
        ),
    ] {
        let answer = app.send(request.clone()).await;
        answer.assert_error(&Error::from_kind(ErrorKind::NotFound));
        assert_eq!(answer.text(), NOT_FOUND, "{}", request.describe());
        assert_security_headers(&answer, "no-store");
        assert_request_id(&answer);
        let listed = answer.header("allow").map(|list| {
            let methods: Vec<&str> = list.split(',').map(str::trim).collect();
            methods.join(",")
        });
        assert_eq!(listed.as_deref(), allow, "{}", request.describe());
    }
}

// --- the token endpoints ---

/// Failed logins cost their budget, then 429 with `Retry-After`, even for
/// the right password; every failure before it is the same 401.
pub(crate) async fn login_throttling(app: &TestApp) {
    for attempt in 0..=FREE_LOGIN_FAILURES {
        let answer = login(app, ALICE, &format!("wrong password {attempt}")).await;
        answer.assert_error(&Error::invalid_credentials());
        assert_eq!(answer.text(), INVALID_CREDENTIALS);
    }
    let answer = login(app, ALICE, ALICE_PASSWORD).await;
    answer.assert_error(&Error::rate_limited(Duration::from_secs(LOGIN_DELAY_SECS)));
    assert_eq!(answer.header("retry-after"), Some("30"));
    assert_eq!(answer.text(), RATE_LIMITED);
    // Another account from the same client is not held up.
    let answer = login(app, ADMIN, ADMIN_PASSWORD).await;
    tokens(&answer, "logged in");
    assert!(app.audit().kinds().contains(&AuditKind::AuthnLoginFailMax));
}

/// Unknown user, wrong password and a malformed username: identical
/// answers apart from the request id.
pub(crate) async fn login_failures_identical(app: &TestApp) {
    let mut answers = Vec::new();
    for (username, password) in [
        (ALICE, "wrong password 1"),
        ("nobody_here", "wrong password 1"),
        ("", "wrong password 1"),
    ] {
        let answer = login(app, username, password).await;
        answer.assert_error(&Error::invalid_credentials());
        answers.push(comparable(&answer));
    }
    assert!(answers.windows(2).all(|w| w[0] == w[1]), "{answers:?}");
}

/// The token endpoints take strict bodies.
pub(crate) async fn token_endpoint_bodies(app: &TestApp) {
    for (path, body, field, code) in [
        (
            "/auth/login",
            json!({"username": ALICE, "password": "x", "role": "admin"}),
            "role",
            "unknown_field",
        ),
        (
            "/auth/login",
            json!({"username": ALICE}),
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
        let answer = app.send(Request::post(path).json(body.to_string())).await;
        assert_eq!(answer.status, 422, "{path} {body}");
        assert_eq!(
            answer.fields(),
            [(field.to_owned(), code.to_owned())],
            "{path} {body}"
        );
    }
    let answer = app
        .send(
            Request::post("/auth/login")
                .header("content-type", "text/plain")
                .body(json!({"username": ALICE, "password": ALICE_PASSWORD}).to_string()),
        )
        .await;
    assert_eq!(answer.text(), INVALID_CONTENT_TYPE);
}

/// Refresh rotates; a used refresh token presented again is refused and
/// revokes its whole family, the newest token included.
pub(crate) async fn refresh_rotation(app: &TestApp) {
    let (_, first) = tokens(&login(app, ALICE, ALICE_PASSWORD).await, "logged in");
    let (access, second) = tokens(
        &post_refresh(app, "/auth/refresh", &first).await,
        "token refreshed",
    );
    assert_ne!(second, first);
    app.send(Request::get("/me").bearer(&access))
        .await
        .assert_json(200, ALICE_ME);
    // The new one works...
    let (_, third) = tokens(
        &post_refresh(app, "/auth/refresh", &second).await,
        "token refreshed",
    );
    // ...a used one is reuse...
    let answer = post_refresh(app, "/auth/refresh", &second).await;
    answer.assert_error(&Error::invalid_token());
    assert_eq!(answer.text(), INVALID_TOKEN);
    assert!(app.audit().kinds().contains(&AuditKind::AuthnTokenReuse));
    // ...and the whole family is gone, the newest token too.
    post_refresh(app, "/auth/refresh", &third)
        .await
        .assert_error(&Error::invalid_token());
    post_refresh(app, "/auth/refresh", &first)
        .await
        .assert_error(&Error::invalid_token());
    // Garbage is the same refusal.
    post_refresh(app, "/auth/refresh", "garbage")
        .await
        .assert_error(&Error::invalid_token());
}

/// Logout ends the session: its refresh token no longer refreshes.
pub(crate) async fn logout(app: &TestApp) {
    let (access, refresh) = tokens(&login(app, ALICE, ALICE_PASSWORD).await, "logged in");
    let answer = post_refresh(app, "/auth/logout", &refresh).await;
    answer.assert_json(200, LOGGED_OUT);
    assert_eq!(answer.header("cache-control"), Some("no-store"));
    assert_eq!(answer.header("pragma"), Some("no-cache"));
    assert_security_headers(&answer, "no-store");
    post_refresh(app, "/auth/refresh", &refresh)
        .await
        .assert_error(&Error::invalid_token());
    // Logging out of a session that already ended is answered alike.
    post_refresh(app, "/auth/logout", &refresh)
        .await
        .assert_json(200, LOGGED_OUT);
    post_refresh(app, "/auth/logout", "garbage")
        .await
        .assert_error(&Error::invalid_token());
    // Access tokens are stateless and live out their 15 minutes.
    app.send(Request::get("/me").bearer(&access))
        .await
        .assert_json(200, ALICE_ME);
}

/// The JWKS document: the public keys only, cacheable for five minutes,
/// with the other security headers.
pub(crate) async fn jwks(app: &TestApp) {
    let answer = app.send(Request::get("/.well-known/jwks.json")).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("content-type"), Some("application/json"));
    assert_security_headers(&answer, "public, max-age=300");
    assert_request_id(&answer);
    assert_eq!(answer.header("pragma"), None);
    assert_eq!(answer.text(), app.fixture().keys().to_jwks().to_json());
    let body = answer.json();
    let keys = body["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["kid"], json!(KID));
    assert_eq!(keys[0]["kty"], json!("OKP"));
    assert_eq!(keys[0].get("d"), None::<&Value>);
}

/// `HEAD` on a `GET` route is the `GET` answer without its body (RFC 9110
/// §9.3.2): same status and headers, `Content-Length` of the body not sent.
pub(crate) async fn head_requests(app: &TestApp) {
    let alice = app.fixture().alice_token();
    for (path, token) in [
        ("/me", None),
        ("/me", Some(alice.as_str())),
        ("/admin", Some(alice.as_str())),
        ("/greeting", None),
        ("/.well-known/jwks.json", None),
        ("/nope", None),
    ] {
        let request = |method: &str| {
            let request = Request::new(method, path);
            match token {
                Some(token) => request.bearer(token),
                None => request,
            }
        };
        let get = app.send(request("GET")).await;
        let head = app.send(request("HEAD")).await;
        assert_eq!(head.status, get.status, "{path}");
        assert!(head.body.is_empty(), "{path}");
        assert_eq!(
            head.header("content-length"),
            Some(get.body.len().to_string().as_str()),
            "{path}"
        );
        for name in [
            "content-type",
            "www-authenticate",
            "cache-control",
            "strict-transport-security",
        ] {
            assert_eq!(head.header(name), get.header(name), "{path} {name}");
        }
        assert_request_id(&head);
    }
}

// --- the real-world cases of ../shared/cases/web.json, on both adapters ---

/// WEB-01 (IDOR): as alice, another user's job is refused with a 403 whose
/// body names nothing of the job, and stays; as the admin it is deleted.
pub(crate) async fn web_01_ownership_is_enforced_per_object(app: &TestApp) {
    let case = opsguard_tests::case("web.json", "WEB-01");
    assert_eq!(case["input"]["setup"]["alice"]["id"], json!(1));
    assert_eq!(case["input"]["setup"]["root"]["role"], json!("admin"));
    let alice = app.fixture().alice_token();
    let admin = app.fixture().admin_token();
    for _ in 0..2 {
        let answer = app.send(Request::delete("/jobs/2").bearer(&alice)).await;
        answer.assert_error(&Error::permission_denied());
        assert_eq!(answer.text(), FORBIDDEN);
    }
    let answer = app.send(Request::delete("/jobs/2").bearer(&admin)).await;
    answer.assert_json(
        200,
        r#"{"success":true,"message":"job deleted","data":{"id":2}}"#,
    );
}

/// WEB-03 (type confusion): every non-boolean the case tries for a flag is
/// a 422 `invalid_type` naming it, `"false"` never means anything; as a
/// non-admin the admin route is a 403 whatever the body.
pub(crate) async fn web_03_json_type_confusion_is_refused(app: &TestApp) {
    let case = opsguard_tests::case("web.json", "WEB-03");
    let attempts = case["input"]["admin_token_PATCH_/api/users/2"]
        .as_array()
        .unwrap();
    let flags: Vec<&Value> = attempts
        .iter()
        .filter_map(|body| body.get("is_admin"))
        .collect();
    assert_eq!(
        flags,
        [
            &json!("true"),
            &json!("false"),
            &json!(1),
            &json!(0),
            &Value::Null
        ]
    );
    for flag in flags {
        let body = json!({"name": "widget", "enabled": flag}).to_string();
        let answer = post_item(app, &body).await;
        assert_eq!(
            answer.fields(),
            [("enabled".to_owned(), "invalid_type".to_owned())],
            "{body}"
        );
        answer.assert_error(&refusal_of(&body));
    }
    assert_eq!(case["input"]["repeat_as_non_admin"], json!(true));
    let alice = app.fixture().alice_token();
    for body in attempts {
        let answer = app
            .send(Request::get("/admin").bearer(&alice).json(body.to_string()))
            .await;
        answer.assert_error(&Error::permission_denied());
    }
}

/// WEB-05: the case's `Authorization` values, `T` a valid access token.
/// The scheme in any case and more than one space are accepted (the
/// expected outcome names both adapters); a tab, a bare token, no token,
/// trailing junk, other schemes, comma lists and an altered token are 401
/// with a `Bearer` challenge.
pub(crate) async fn web_05_authorization_header_variants(app: &TestApp) {
    let case = opsguard_tests::case("web.json", "WEB-05");
    let token = app.fixture().alice_token();
    // The last character changed: its case flipped, or (a digit, `-`, `_`)
    // another character.
    let flipped = {
        let mut chars: Vec<char> = token.chars().collect();
        let last = chars.last_mut().unwrap();
        *last = match *last {
            c if c.is_ascii_uppercase() => c.to_ascii_lowercase(),
            c if c.is_ascii_lowercase() => c.to_ascii_uppercase(),
            _ => 'A',
        };
        chars.into_iter().collect::<String>()
    };
    assert_ne!(flipped, token);
    let accepted = ["Bearer T", "bearer T", "BEARER T", "Bearer  T"];
    let values: Vec<&str> = case["input"]["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(values.len(), 13);
    for value in values {
        let sent = with_token(value, &token, &flipped);
        let answer = me_with(app, &sent).await;
        if accepted.contains(&value) {
            answer.assert_json(200, ALICE_ME);
        } else {
            assert_eq!(answer.status, 401, "{value:?}: {}", answer.text());
            let challenge = answer.header("www-authenticate").unwrap();
            assert!(challenge.starts_with("Bearer"), "{value:?}: {challenge}");
            answer.assert_error(&Error::invalid_token());
        }
    }
}

/// WEB-07: a wrong password and an unknown user get the same status,
/// headers and body (the timing half is opsguard-auth's dummy
/// verification, tested there).
pub(crate) async fn web_07_login_failures_answer_identically(app: &TestApp) {
    let case = opsguard_tests::case("web.json", "WEB-07");
    let requests = case["input"]["requests"].as_array().unwrap();
    assert!(requests[1].as_str().unwrap().contains("no_such_user_93"));
    let known = login(app, ALICE, "wrong-pass-1").await;
    let unknown = login(app, "no_such_user_93", "wrong-pass-1").await;
    known.assert_error(&Error::invalid_credentials());
    assert_eq!(known.text(), INVALID_CREDENTIALS);
    assert_eq!(comparable(&known), comparable(&unknown));
}

/// `value` of WEB-05 with its token placeholders filled in: a `T` that is
/// not the start of a word (`Token`) is `token`, the flipped-token
/// placeholder is `flipped`.
fn with_token(value: &str, token: &str, flipped: &str) -> String {
    let value = value.replace("<T with last char case flipped>", "\u{1}");
    let mut sent = String::new();
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            'T' if !chars.peek().is_some_and(char::is_ascii_alphabetic) => sent.push_str(token),
            '\u{1}' => sent.push_str(flipped),
            c => sent.push(c),
        }
    }
    sent
}

/// Status, sorted headers (without the per-request `x-request-id` and
/// `date`) and body of `answer`: what two refusals must share to be
/// indistinguishable.
fn comparable(answer: &Answer) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut headers: Vec<(String, String)> = answer
        .headers
        .iter()
        .filter(|(name, _)| !matches!(name.as_str(), "x-request-id" | "date"))
        .map(|(n, v)| (n.to_string(), v.to_str().unwrap().to_owned()))
        .collect();
    headers.sort();
    (answer.status, headers, answer.body.clone())
}

//! The two services answer the same requests alike: status, body and
//! headers (the security headers, `content-type`, `www-authenticate`,
//! `cache-control`), for successes and for every kind of refusal.

use reqwest::Method;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

use crate::client::{Actix, answer};
use crate::support::{Answer, PASSWORD, TestService, on_each_backend};

/// A raw request body and its `content-type`.
type Body = Option<(&'static str, Vec<u8>)>;

/// Headers that differ between any two answers.
const UNCOMPARED: [&str; 5] = [
    "date",
    "content-length",
    "x-request-id",
    "connection",
    "keep-alive",
];

/// Every header but the [`UNCOMPARED`], sorted; `Allow` as its sorted
/// methods, since axum writes `GET,HEAD,POST` where actix-web writes
/// `POST, GET, HEAD` (the same methods).
fn compared(headers: &HeaderMap) -> Vec<(String, String)> {
    let mut kept: Vec<(String, String)> = headers
        .iter()
        .filter(|(name, _)| !UNCOMPARED.contains(&name.as_str()))
        .map(|(name, value)| {
            let value = value.to_str().unwrap();
            let value = if name == "allow" {
                let mut methods: Vec<&str> = value.split(',').map(str::trim).collect();
                methods.sort_unstable();
                methods.join(",")
            } else {
                value.to_owned()
            };
            (name.as_str().to_owned(), value)
        })
        .collect();
    kept.sort();
    kept
}

/// `method path` with `token` and a raw `body` of `content_type`, sent to
/// `base`.
async fn send(base: &str, method: &Method, path: &str, token: Option<&str>, body: Body) -> Answer {
    let client = reqwest::Client::new();
    let mut request = client.request(method.clone(), format!("{base}{path}"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some((content_type, bytes)) = body {
        request = request.header("content-type", content_type).body(bytes);
    }
    answer(request.send().await.unwrap()).await
}

fn base_of(url: &str) -> &str {
    url.strip_suffix("/health").unwrap()
}

/// Send the same request to both services; they must answer alike.
async fn same(
    svc: &TestService,
    actix: &Actix,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Body,
) -> Answer {
    let axum_url = svc.url("/health");
    let actix_url = actix.url("/health");
    let by_axum = send(base_of(&axum_url), &method, path, token, body.clone()).await;
    let by_actix = send(base_of(&actix_url), &method, path, token, body).await;
    let what = format!("{method} {path}");
    assert_eq!(
        by_actix.status, by_axum.status,
        "{what}: {by_actix:?} / {by_axum:?}"
    );
    assert_eq!(by_actix.body, by_axum.body, "{what}");
    assert_eq!(
        compared(&by_actix.headers),
        compared(&by_axum.headers),
        "{what}"
    );
    assert!(by_actix.headers.contains_key("x-request-id"), "{what}");
    by_actix
}

fn json_body(value: &Value) -> Body {
    Some(("application/json", serde_json::to_vec(value).unwrap()))
}

#[tokio::test(flavor = "multi_thread")]
async fn both_services_answer_alike() {
    on_each_backend("actix_parity", async |svc| {
        let actix = Actix::beside(svc).await;
        let user = svc.user("grace").await;
        let token = user.token();
        let credential = svc.credential(&user, "graces-secret").await;
        let target = svc.target(&user, credential).await;
        let job = svc.job(&user, &[target]).await;

        // Successes.
        let health = same(svc, &actix, Method::GET, "/health", None, None).await;
        assert_eq!(health.body, json!({"success": true, "message": "ok", "data": {"status": "ok"}}));
        assert_eq!(health.headers["x-content-type-options"], "nosniff");
        same(svc, &actix, Method::GET, "/profile", token, None).await;
        same(svc, &actix, Method::GET, "/jobs", token, None).await;
        same(svc, &actix, Method::GET, "/targets", token, None).await;
        same(svc, &actix, Method::GET, "/.well-known/jwks.json", None, None).await;
        let head = same(svc, &actix, Method::HEAD, "/health", None, None).await;
        assert_eq!(head.status, 200);

        // Refusals: authentication, routing, path, content type, body.
        let cases: Vec<(Method, String, Option<&str>, Body, u16)> = vec![
            (Method::GET, "/profile".into(), None, None, 401),
            (Method::GET, "/jobs".into(), Some("not-a-token"), None, 401),
            (Method::GET, "/nope".into(), None, None, 404),
            (Method::PUT, "/jobs".into(), token, json_body(&json!({})), 404),
            (Method::GET, format!("/jobs/{job}"), token, None, 404),
            (Method::DELETE, "/jobs/abc".into(), token, None, 422),
            (Method::DELETE, "/jobs/999999".into(), token, None, 404),
            (
                Method::POST,
                "/jobs".into(),
                token,
                Some(("text/plain", b"{}".to_vec())),
                422,
            ),
            (
                Method::POST,
                "/jobs".into(),
                token,
                Some(("application/json", b"{\"name\":".to_vec())),
                422,
            ),
            (
                Method::POST,
                "/jobs".into(),
                token,
                json_body(&json!({"name": "", "target_ids": [], "steps": [], "owner_id": 1})),
                422,
            ),
            (
                Method::POST,
                "/targets".into(),
                token,
                json_body(&json!({"name": "t", "host": "bad host", "port": 0, "platform": "solaris", "credential_id": credential})),
                422,
            ),
            (
                Method::POST,
                "/targets".into(),
                token,
                json_body(&json!({"name": "t", "host": "a.example", "platform": "linux", "credential_id": 999999})),
                404,
            ),
            (
                Method::POST,
                "/jobs".into(),
                token,
                Some(("application/json", vec![b' '; 70 * 1024])),
                413,
            ),
            (
                Method::POST,
                "/auth/login".into(),
                None,
                json_body(&json!({"username": "grace", "password": "wrong password here"})),
                401,
            ),
            (
                Method::POST,
                "/auth/refresh".into(),
                None,
                json_body(&json!({"refresh_token": "not-a-token"})),
                401,
            ),
            (
                Method::POST,
                "/auth/logout".into(),
                None,
                json_body(&json!({})),
                422,
            ),
        ];
        for (method, path, token, body, status) in cases {
            let answer = same(svc, &actix, method.clone(), &path, token, body).await;
            assert_eq!(answer.status, status, "{method} {path}: {answer:?}");
        }
        // A known path with another method: 404 with the path's methods.
        let put = same(svc, &actix, Method::PUT, "/jobs", token, None).await;
        assert_eq!(put.headers["allow"], "POST, GET, HEAD");

        // A login through each: the same token response, but for the tokens.
        let by_axum = svc
            .post("/auth/login", None, json!({"username": "grace", "password": PASSWORD}))
            .await;
        let by_actix = actix
            .post("/auth/login", None, json!({"username": "grace", "password": PASSWORD}))
            .await;
        assert_eq!(by_actix.status, 200);
        assert_eq!(compared(&by_actix.headers), compared(&by_axum.headers));
        assert_eq!(by_actix.data()["token_type"], by_axum.data()["token_type"]);
        assert_eq!(by_actix.data()["expires_in"], by_axum.data()["expires_in"]);
        actix.stop().await;
    })
    .await;
}

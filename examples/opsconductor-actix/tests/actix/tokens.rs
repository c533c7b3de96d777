//! Access and refresh tokens through the actix service: 401 without a
//! valid access token, refresh rotation with reuse detection, and logout
//! denying the access token sent with it — in the database, so the axum
//! service on the same database refuses it too.

use serde_json::json;

use crate::client::{Actix, answer};
use crate::support::{Answer, PASSWORD, on_each_backend};

/// 401 `AuthError`: `Bearer` alone without a credential, with
/// `error="invalid_token"` for a refused one; one generic body.
fn assert_unauthenticated(answer: &Answer, challenge: &str, what: &str) {
    assert_eq!(answer.status, 401, "{what}: {answer:?}");
    assert_eq!(answer.headers["www-authenticate"], challenge, "{what}");
    assert_eq!(answer.error_type(), "AuthError", "{what}");
    assert!(answer.body.get("data").is_none(), "{what}");
}

const INVALID: &str = "Bearer error=\"invalid_token\"";

#[tokio::test(flavor = "multi_thread")]
async fn requests_without_a_valid_access_token_are_401() {
    on_each_backend("actix_401", async |svc| {
        let actix = Actix::beside(svc).await;
        let user = svc.user("carol").await;
        let valid = user.tokens.access.as_str();
        let tampered = format!("{}x", &valid[..valid.len() - 1]);
        for path in ["/profile", "/jobs", "/targets"] {
            assert_unauthenticated(&actix.get(path, None).await, "Bearer", path);
            for bad in [
                "not-a-token",
                tampered.as_str(),
                user.tokens.refresh.as_str(),
            ] {
                assert_unauthenticated(&actix.get(path, Some(bad)).await, INVALID, path);
            }
        }
        // The token is checked before the body is read: a refused token
        // with a broken body is a 401, not a 422.
        let broken = actix
            .post("/jobs", Some("not-a-token"), json!({"owner_id": 1}))
            .await;
        assert_unauthenticated(&broken, INVALID, "POST /jobs");
        assert_unauthenticated(&actix.delete("/jobs/abc", None).await, "Bearer", "DELETE");

        // A token the axum service issued is as good here: same keys,
        // issuer and audience.
        let profile = actix.get("/profile", Some(valid)).await;
        assert_eq!(profile.status, 200, "{profile:?}");
        assert_eq!(
            profile.body,
            json!({"success": true, "message": "profile", "data": {
                "user_id": user.id, "username": "carol", "email": "carol@example.com",
                "is_admin": false, "roles": ["user"]}})
        );
        actix.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reused_refresh_token_revokes_its_session() {
    on_each_backend("actix_refresh_reuse", async |svc| {
        let actix = Actix::beside(svc).await;
        svc.user("dave").await;
        let first = actix.login("dave", PASSWORD).await;

        let rotated = actix
            .post(
                "/auth/refresh",
                None,
                json!({"refresh_token": first.refresh}),
            )
            .await;
        assert_eq!(rotated.status, 200, "{rotated:?}");
        assert_eq!(rotated.body["message"], "token refreshed");
        assert_eq!(rotated.data()["token_type"], "Bearer");
        assert_eq!(rotated.data()["expires_in"], 900);
        assert_eq!(rotated.headers["cache-control"], "no-store");
        let second = rotated.data()["refresh_token"].as_str().unwrap().to_owned();
        assert_ne!(second, first.refresh);

        // The first refresh token again: refused, and its whole family
        // revoked, so the token that replaced it is refused too.
        let reused = actix
            .post(
                "/auth/refresh",
                None,
                json!({"refresh_token": first.refresh}),
            )
            .await;
        assert_unauthenticated(&reused, INVALID, "reused");
        let after = actix
            .post("/auth/refresh", None, json!({"refresh_token": second}))
            .await;
        assert_unauthenticated(&after, INVALID, "successor of a reused token");
        // The axum service shares the families: refused there as well.
        let there = svc
            .post("/auth/refresh", None, json!({"refresh_token": second}))
            .await;
        assert_unauthenticated(&there, INVALID, "axum, successor");
        actix.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn logout_denies_the_access_token_sent_with_it() {
    on_each_backend("actix_logout", async |svc| {
        let actix = Actix::beside(svc).await;
        svc.user("erin").await;
        let tokens = actix.login("erin", PASSWORD).await;
        let access = Some(tokens.access.as_str());
        assert_eq!(actix.get("/profile", access).await.status, 200);
        assert_eq!(svc.get("/profile", access).await.status, 200);

        let logout = actix
            .post(
                "/auth/logout",
                access,
                json!({"refresh_token": tokens.refresh}),
            )
            .await;
        assert_eq!(logout.status, 200, "{logout:?}");
        assert_eq!(
            logout.body,
            json!({"success": true, "message": "logged out", "data": null})
        );
        // The access token is refused at once, by both services (the
        // denylist is in the database), and the session is over.
        assert_unauthenticated(&actix.get("/profile", access).await, INVALID, "actix");
        assert_unauthenticated(&actix.get("/jobs", access).await, INVALID, "actix jobs");
        assert_unauthenticated(&svc.get("/profile", access).await, INVALID, "axum");
        // Refused before its body or path is looked at, as by the axum
        // service: a denied token with a refused body or path is a 401,
        // not a 422 (actix-web would poll a separate body extractor while
        // the caller's query runs; `CallerThen` waits for the caller).
        let client = reqwest::Client::new();
        for (content_type, body) in [
            (None, ""),
            (Some("text/plain"), "{}"),
            (Some("application/json"), "{}"),
            (Some("application/json"), "{\"name\":"),
        ] {
            let mut request = client.post(actix.url("/jobs")).bearer_auth(&tokens.access);
            if let Some(content_type) = content_type {
                request = request.header("content-type", content_type);
            }
            let denied = answer(request.body(body).send().await.unwrap()).await;
            assert_unauthenticated(
                &denied,
                INVALID,
                &format!("POST /jobs {content_type:?} {body}"),
            );
        }
        for path in ["/jobs/abc", "/targets/abc"] {
            let denied = actix.delete(path, access).await;
            assert_unauthenticated(&denied, INVALID, path);
        }
        let refresh = actix
            .post(
                "/auth/refresh",
                None,
                json!({"refresh_token": tokens.refresh}),
            )
            .await;
        assert_unauthenticated(&refresh, INVALID, "refresh after logout");

        // Another session of the same user is untouched.
        let other = actix.login("erin", PASSWORD).await;
        assert_eq!(actix.get("/profile", Some(&other.access)).await.status, 200);

        // Without an access token, or with an invalid one, the logout
        // still ends the session.
        for token in [None, Some("not-a-token")] {
            let session = actix.login("erin", PASSWORD).await;
            let logout = actix
                .post(
                    "/auth/logout",
                    token,
                    json!({"refresh_token": session.refresh}),
                )
                .await;
            assert_eq!(logout.status, 200, "{token:?}: {logout:?}");
            let refresh = actix
                .post(
                    "/auth/refresh",
                    None,
                    json!({"refresh_token": session.refresh}),
                )
                .await;
            assert_unauthenticated(&refresh, INVALID, "refresh after logout");
        }
        actix.stop().await;
    })
    .await;
}

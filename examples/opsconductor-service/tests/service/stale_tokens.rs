//! Access tokens that are still unexpired but should no longer work: the
//! token of a deleted or demoted user, a correctly signed token naming no
//! user, and the token sent with a logout. The caller's roles come from the
//! `users` row on every request, never from the token.

use opsconductor_service::{DEFAULT_AUDIENCE, DEFAULT_ISSUER, DEV_JWT_KEY_FILE};
use opsguard::token::{Algorithm, Issuer, KeySet, SigningKey, Subject};
use serde_json::{Value, json};

use crate::support::{Answer, PASSWORD, TestService, on_each_backend};

/// The one answer of every refused access token.
fn assert_invalid_token(answer: &Answer, what: &str) {
    assert_eq!(answer.status, 401, "{what}: {answer:?}");
    assert_eq!(
        answer.body,
        json!({"error": {"type": "AuthError", "message": "invalid or expired token"}}),
        "{what}"
    );
    assert_eq!(
        answer.headers["www-authenticate"], "Bearer error=\"invalid_token\"",
        "{what}"
    );
}

/// An access token for user `id` with `roles`, signed with the service's
/// own (development) key: what a stale token of that user would carry.
fn minted_token(svc: &TestService, id: i64, roles: &[&str]) -> String {
    let key = SigningKey::from_file(
        Algorithm::EdDsa,
        svc.dir.path().join("keys").join(DEV_JWT_KEY_FILE),
    )
    .unwrap();
    let keys = KeySet::builder().primary(key).build().unwrap();
    let issuer = Issuer::builder(keys, DEFAULT_ISSUER, DEFAULT_AUDIENCE)
        .build()
        .unwrap();
    let subject = Subject::new(id.to_string(), "ghost").with_roles(roles.iter().copied());
    issuer
        .issue_access(&subject)
        .unwrap()
        .expose_secret()
        .to_owned()
}

/// The `jti` claim of a token.
fn jti(token: &str) -> String {
    use base64::Engine as _;
    let claims = token.split('.').nth(1).unwrap();
    let claims = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(claims)
        .unwrap();
    let claims: Value = serde_json::from_slice(&claims).unwrap();
    claims["jti"].as_str().unwrap().to_owned()
}

/// Seconds since the Unix epoch.
fn now() -> i64 {
    let elapsed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    i64::try_from(elapsed.as_secs()).unwrap()
}

fn new_admin_body(name: &str) -> Value {
    json!({"username": name, "email": format!("{name}@example.com"),
           "password": PASSWORD, "is_admin": true})
}

#[tokio::test]
async fn a_deleted_administrators_token_is_refused_everywhere() {
    on_each_backend("deleted_admin", async |svc| {
        let root = svc.admin("root").await;
        let ops_id = svc
            .post("/users", root.token(), new_admin_body("ops"))
            .await
            .id();
        let ops = svc.login("ops", PASSWORD).await;
        let alice = svc.user("alice").await;
        let secret = svc.credential(&alice, "alice-secret").await;
        assert_eq!(svc.get("/users", Some(&ops.access)).await.status, 200);

        let deleted = svc
            .delete(&format!("/admin/users/{ops_id}"), root.token())
            .await;
        assert_eq!(deleted.status, 200);

        assert_invalid_token(&svc.get("/users", Some(&ops.access)).await, "GET /users");
        assert_invalid_token(
            &svc.post("/users", Some(&ops.access), new_admin_body("backdoor"))
                .await,
            "POST /users",
        );
        assert_invalid_token(
            &svc.post(
                &format!("/credentials/{secret}/reveal"),
                Some(&ops.access),
                json!({}),
            )
            .await,
            "reveal",
        );
        assert_invalid_token(
            &svc.get("/profile", Some(&ops.access)).await,
            "GET /profile",
        );
        assert_invalid_token(
            &svc.get("/credentials", Some(&ops.access)).await,
            "GET /credentials",
        );
        // Nothing was created through the stale token.
        let users = svc.get("/users", root.token()).await;
        let names: Vec<&str> = users
            .data()
            .as_array()
            .unwrap()
            .iter()
            .map(|user| user["username"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["root", "alice"]);
    })
    .await;
}

#[tokio::test]
async fn a_signed_token_is_only_as_strong_as_the_stored_user() {
    on_each_backend("signed_token_roles", async |svc| {
        let root = svc.admin("root").await;
        let alice = svc.user("alice").await;

        // The minted tokens are valid: root's works as root's own does.
        let as_root = minted_token(svc, root.id, &["admin"]);
        assert_eq!(svc.get("/users", Some(&as_root)).await.status, 200);

        // A user id that does not exist, whatever roles the token claims.
        let ghost = minted_token(svc, alice.id + 1000, &["admin"]);
        assert_invalid_token(&svc.get("/users", Some(&ghost)).await, "unknown user");

        // A regular user whose token claims `admin` is still a regular user.
        let claims_admin = minted_token(svc, alice.id, &["admin"]);
        let refused = svc.get("/users", Some(&claims_admin)).await;
        assert_eq!(refused.status, 403);
        assert_eq!(refused.error_type(), "PermissionError");
        let profile = svc.get("/profile", Some(&claims_admin)).await;
        assert_eq!(profile.data()["roles"], json!(["user"]));
        assert_eq!(profile.data()["is_admin"], false);
    })
    .await;
}

#[tokio::test]
async fn a_demoted_administrator_loses_the_role_at_the_next_request() {
    on_each_backend("demoted_admin", async |svc| {
        let root = svc.admin("root").await;
        let ops_id = svc
            .post("/users", root.token(), new_admin_body("ops"))
            .await
            .id();
        let ops = svc.login("ops", PASSWORD).await;
        assert_eq!(svc.get("/users", Some(&ops.access)).await.status, 200);

        let db = svc.database().await;
        db.set_role(ops_id, "user").await;
        db.close().await;

        let refused = svc.get("/users", Some(&ops.access)).await;
        assert_eq!(refused.status, 403);
        assert_eq!(refused.error_type(), "PermissionError");
        let backdoor = svc
            .post("/users", Some(&ops.access), new_admin_body("backdoor"))
            .await;
        assert_eq!(backdoor.status, 403);
        let profile = svc.get("/profile", Some(&ops.access)).await;
        assert_eq!(profile.status, 200);
        assert_eq!(profile.data()["is_admin"], false);
        assert_eq!(profile.data()["roles"], json!(["user"]));
    })
    .await;
}

#[tokio::test]
async fn logout_denies_the_access_token_sent_with_it() {
    on_each_backend("logout_denies", async |svc| {
        let alice = svc.user("alice").await;
        let other_session = svc.login("alice", PASSWORD).await;
        // This request puts the verified token in the verifier's cache (on
        // by default); the denylist is asked on every request, hit or not.
        assert_eq!(svc.get("/profile", alice.token()).await.status, 200);

        let logout = svc
            .post(
                "/auth/logout",
                alice.token(),
                json!({"refresh_token": alice.tokens.refresh}),
            )
            .await;
        assert_eq!(logout.status, 200, "{logout:?}");
        assert_eq!(
            logout.body,
            json!({"success": true, "message": "logged out", "data": null})
        );
        assert_invalid_token(&svc.get("/profile", alice.token()).await, "after logout");
        assert_invalid_token(
            &svc.post(
                "/credentials",
                alice.token(),
                json!({"name": "n", "username": "u", "password": "p"}),
            )
            .await,
            "create after logout",
        );
        // The session's refresh token is revoked too.
        let refresh = svc
            .post(
                "/auth/refresh",
                None,
                json!({"refresh_token": alice.tokens.refresh}),
            )
            .await;
        assert_eq!(refresh.status, 401);
        // Another session's access token is not the one sent: it lives on.
        assert_eq!(
            svc.get("/profile", Some(&other_session.access))
                .await
                .status,
            200
        );

        // A logout without an access token, or with an invalid one, still
        // ends its session.
        let third = svc.login("alice", PASSWORD).await;
        let plain = svc
            .post(
                "/auth/logout",
                Some("not-a-token"),
                json!({"refresh_token": other_session.refresh}),
            )
            .await;
        assert_eq!(plain.status, 200);
        let bare = svc
            .post(
                "/auth/logout",
                None,
                json!({"refresh_token": third.refresh}),
            )
            .await;
        assert_eq!(bare.status, 200);
        assert_eq!(svc.get("/profile", Some(&third.access)).await.status, 200);
    })
    .await;
}

/// The caller's query reads the denylist the way its store does: an entry
/// is keyed by issuer and `jti`, and counts until its stored end, not after.
#[tokio::test]
async fn a_denylist_entry_refuses_its_own_token_until_its_stored_end() {
    on_each_backend("denylist_entry_end", async |svc| {
        let alice = svc.user("alice").await;
        let bob = svc.user("bob").await;
        let jti = jti(&alice.tokens.access);
        let db = svc.database().await;

        // An entry whose end has passed refuses nothing.
        db.deny(DEFAULT_ISSUER, &jti, now() - 1).await;
        assert_eq!(svc.get("/profile", alice.token()).await.status, 200);
        // The same jti from another issuer is another token.
        db.deny("https://other.example", &jti, now() + 3600).await;
        assert_eq!(svc.get("/profile", alice.token()).await.status, 200);

        // An entry that has not ended refuses the token at once, although
        // the verifier has it cached and its user exists.
        db.deny(DEFAULT_ISSUER, &jti, now() + 3600).await;
        assert_invalid_token(&svc.get("/profile", alice.token()).await, "denied");
        assert_invalid_token(
            &svc.get("/credentials", alice.token()).await,
            "denied, GET /credentials",
        );
        // Only that token: another user's works, and alice's next login too.
        assert_eq!(svc.get("/profile", bob.token()).await.status, 200);
        let again = svc.login("alice", PASSWORD).await;
        let profile = svc.get("/profile", Some(&again.access)).await;
        assert_eq!(profile.status, 200);
        assert_eq!(profile.data()["user_id"], alice.id);
        db.close().await;
    })
    .await;
}

//! JWT signing-key rotation, as the README describes it, across restarts of
//! the service on one database: a new primary key signs, the previous key
//! still verifies what it signed, a retired key is refused.

use std::path::Path;

use opsguard::token::{Algorithm, SigningKey};
use secrecy::ExposeSecret as _;
use serde_json::json;

use crate::support::{Backend, PASSWORD, TestService};

/// A new Ed25519 key in a PKCS#8 PEM file at `path`; its `kid`.
fn new_key_file(path: &Path) -> String {
    let key = SigningKey::generate(Algorithm::EdDsa).unwrap();
    std::fs::write(path, key.to_pkcs8_pem().unwrap().expose_secret()).unwrap();
    key.kid().to_owned()
}

/// The `kid` in a token's header.
fn kid(token: &str) -> String {
    use base64::Engine as _;
    let header = token.split('.').next().unwrap();
    let header = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header)
        .unwrap();
    let header: serde_json::Value = serde_json::from_slice(&header).unwrap();
    header["kid"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn jwt_signing_key_rotation_new_signs_previous_verifies_retired_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let old_key = dir.path().join("jwt-1.pem");
    let new_key = dir.path().join("jwt-2.pem");
    let old_kid = new_key_file(&old_key);
    let new_kid = new_key_file(&new_key);

    // 1. The old key is the primary.
    let mut svc = TestService::start_with(Backend::Sqlite, "jwt_rotation", |config| {
        config.with_jwt_key_file(&old_key)
    })
    .await
    .unwrap();
    let alice = svc.user("alice").await;
    assert_eq!(kid(&alice.tokens.access), old_kid);
    let base = svc.config.clone();

    // 2. Rotate: the new key signs, the old one only verifies.
    svc.restart(
        base.clone()
            .with_jwt_key_file(&new_key)
            .with_jwt_previous_key_files(vec![old_key.clone()]),
    )
    .await;
    assert_eq!(
        svc.get("/profile", alice.token()).await.status,
        200,
        "old token still verifies"
    );
    let renewed = svc
        .post(
            "/auth/refresh",
            None,
            json!({"refresh_token": alice.tokens.refresh}),
        )
        .await;
    assert_eq!(renewed.status, 200, "old refresh token still rotates");
    let fresh = svc.login("alice", PASSWORD).await;
    assert_eq!(kid(&fresh.access), new_kid, "the new primary signs");
    assert_eq!(
        kid(renewed.data()["access_token"].as_str().unwrap()),
        new_kid
    );
    let jwks = svc.get("/.well-known/jwks.json", None).await;
    let kids: Vec<&str> = jwks.body["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert_eq!(kids.len(), 2);
    assert!(kids.contains(&old_kid.as_str()) && kids.contains(&new_kid.as_str()));

    // 3. After the longest token lifetime, retire the old key.
    svc.restart(
        base.with_jwt_key_file(&new_key)
            .with_jwt_retired_key_files(vec![old_key.clone()]),
    )
    .await;
    let old = svc.get("/profile", alice.token()).await;
    assert_eq!(old.status, 401, "retired key refused");
    assert_eq!(old.error_type(), "AuthError");
    assert_eq!(svc.get("/profile", Some(&fresh.access)).await.status, 200);
    let jwks = svc.get("/.well-known/jwks.json", None).await;
    assert_eq!(
        jwks.body["keys"].as_array().unwrap().len(),
        1,
        "retired keys are not published"
    );
    assert_eq!(jwks.body["keys"][0]["kid"], new_kid.as_str());
    svc.finish().await;
}

//! Login, refresh, logout and request authentication through
//! `Authenticator`, including the web cases WEB-05 (header parsing with
//! real tokens) and WEB-07 (login timing).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use common::{ALICE_PASSWORD, Fixture, client};
use opsguard_auth::{
    AuditEvent, AuditKind, AuditSink, Authenticator, ClientInfo, Counter, Directory,
    MemoryDirectory, StoreError, ThrottleKey, ThrottlePolicy, ThrottleStore, UserRecord,
};
use opsguard_core::{Error, ErrorKind, INVALID_CREDENTIALS_MESSAGE};
use opsguard_password::{Argon2Params, Hasher};
use opsguard_token::refresh::{MemoryRefreshStore, RefreshRotation};
use opsguard_token::{Algorithm, Issuer, KeySet, SigningKey};
use secrecy::SecretString;

fn secret(s: &str) -> SecretString {
    SecretString::from(s)
}

fn bearer(token: &str) -> Vec<u8> {
    format!("Bearer {token}").into_bytes()
}

#[tokio::test]
async fn login_success_issues_a_pair_the_verifier_accepts() {
    let fx = Fixture::new();
    fx.register("42", "alice", ALICE_PASSWORD);
    let pair = fx
        .auth
        .login("Alice", &secret(ALICE_PASSWORD), &client())
        .await
        .unwrap();
    assert_eq!(pair.expires_in(), 900);
    let principal = fx
        .auth
        .authenticate([bearer(pair.access().expose_secret()).as_slice()])
        .unwrap();
    assert_eq!(principal.user_id(), "42");
    assert_eq!(principal.username(), "alice");
    assert!(principal.has_role("user"));
    assert_eq!(principal.to_rbac_subject().unwrap().id(), 42);
    assert_eq!(fx.check.counts(), (1, 0));
    let events = fx.audit.events();
    assert_eq!(fx.audit.kinds(), [AuditKind::AuthnLoginSuccess]);
    let e = &events[0];
    assert_eq!(e.user_id(), Some("42"));
    assert_eq!(e.username(), Some("alice"));
    assert_eq!(e.client_ip(), Some("198.51.100.7".parse().unwrap()));
    assert_eq!(e.request_id(), Some("req-1"));
    assert_eq!(e.family_id(), Some(pair.family().as_str()));
}

fn assert_invalid_credentials(err: &Error) {
    assert_eq!(err.kind(), ErrorKind::Auth);
    assert_eq!(err.message(), INVALID_CREDENTIALS_MESSAGE);
}

#[tokio::test]
async fn web_07_every_login_failure_gives_the_same_answer_and_costs_one_verification() {
    let case = opsguard_tests::case("web.json", "WEB-07");
    let requests = case["input"]["requests"].as_array().unwrap();
    assert!(
        requests[0]
            .as_str()
            .unwrap()
            .contains(r#""username":"alice","password":"wrong-pass-1""#)
    );
    assert!(
        requests[1]
            .as_str()
            .unwrap()
            .contains(r#""username":"no_such_user_93""#)
    );
    assert!(
        requests[2]
            .as_str()
            .unwrap()
            .contains("disabled/locked user")
    );
    assert!(
        requests[2]
            .as_str()
            .unwrap()
            .contains("legacy algorithm or cost")
    );

    let fx = Fixture::new();
    fx.register("1", "alice", ALICE_PASSWORD);
    let disabled = fx.register("2", "dave", ALICE_PASSWORD);
    fx.directory.insert(disabled.with_disabled(true));
    // A legacy user: bcrypt, low cost.
    let legacy = Hasher::builder()
        .with_bcrypt(4)
        .dangerous_allow_weak_params()
        .build()
        .unwrap();
    let legacy_hash = legacy.hash(&secret(ALICE_PASSWORD)).unwrap();
    fx.directory
        .insert(UserRecord::new("3", "lena", legacy_hash));

    let wrong = secret("wrong-pass-1");
    // (username, password, expected (real, dummy) verifications, audit reason)
    let cases = [
        ("alice", &wrong, (1, 0), "wrong_password"),
        ("no_such_user_93", &wrong, (0, 1), "unknown_user"),
        ("nosuchuser93", &wrong, (0, 1), "unknown_user"),
        ("dave", &wrong, (0, 1), "account_disabled"),
        // The right password does not help a disabled account.
        ("dave", &secret(ALICE_PASSWORD), (0, 1), "account_disabled"),
        ("lena", &wrong, (1, 0), "wrong_password"),
    ];
    let mut bodies = Vec::new();
    for (n, (username, password, verifications, reason)) in cases.into_iter().enumerate() {
        // Each from its own address, so the throttle stays out of the way.
        let who = ClientInfo::new(std::net::IpAddr::from([
            203,
            0,
            113,
            u8::try_from(n).unwrap(),
        ]));
        let before = fx.check.counts();
        let err = fx.auth.login(username, password, &who).await.unwrap_err();
        let after = fx.check.counts();
        assert_eq!(
            (after.0 - before.0, after.1 - before.1),
            verifications,
            "{username}: exactly one verification, of the expected kind"
        );
        assert_invalid_credentials(&err);
        bodies.push(err.to_wire());
        let last = fx.audit.events().pop().unwrap();
        assert_eq!(last.kind(), AuditKind::AuthnLoginFail);
        assert_eq!(last.reason(), Some(reason), "{username}");
    }
    // Identical status, headers and body for every failure.
    for wire in &bodies {
        assert_eq!(wire, &bodies[0]);
    }
    assert_eq!(bodies[0].status, 401);
    assert_eq!(
        bodies[0].body,
        br#"{"error":{"type":"AuthError","message":"invalid username or password"}}"#
    );
}

#[tokio::test]
async fn rehash_on_login_of_a_bcrypt_user() {
    let fx = Fixture::new();
    let legacy = Hasher::builder()
        .with_bcrypt(4)
        .dangerous_allow_weak_params()
        .build()
        .unwrap();
    let old_hash = legacy.hash(&secret(ALICE_PASSWORD)).unwrap();
    assert!(old_hash.starts_with("$2b$04$"));
    fx.directory
        .insert(UserRecord::new("7", "bob", old_hash.clone()));
    fx.auth
        .login("bob", &secret(ALICE_PASSWORD), &client())
        .await
        .unwrap();
    let stored = fx.directory.get("7").unwrap();
    assert!(
        stored.password_hash().starts_with("$argon2id$v=19$"),
        "{stored:?}"
    );
    assert_ne!(stored.password_hash(), old_hash);
    // The upgraded hash works and is not upgraded again.
    fx.auth
        .login("bob", &secret(ALICE_PASSWORD), &client())
        .await
        .unwrap();
    assert_eq!(
        fx.directory.get("7").unwrap().password_hash(),
        stored.password_hash()
    );
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_family() {
    let fx = Fixture::new();
    fx.register("42", "alice", ALICE_PASSWORD);
    let login = fx
        .auth
        .login("alice", &secret(ALICE_PASSWORD), &client())
        .await
        .unwrap();
    let first = secret(login.refresh().expose_secret());
    let next = fx.auth.refresh(&first, &client()).await.unwrap();
    assert_eq!(next.family(), login.family());
    assert_ne!(
        next.refresh().expose_secret(),
        login.refresh().expose_secret()
    );

    // The used token again: refused, audited as reuse, family revoked.
    let err = fx.auth.refresh(&first, &client()).await.unwrap_err();
    assert!(err.is_invalid_token());
    let reuse = fx.audit.events().pop().unwrap();
    assert_eq!(reuse.kind(), AuditKind::AuthnTokenReuse);
    assert_eq!(reuse.user_id(), Some("42"));
    assert_eq!(reuse.family_id(), Some(login.family().as_str()));
    let newest = secret(next.refresh().expose_secret());
    let err = fx.auth.refresh(&newest, &client()).await.unwrap_err();
    assert!(err.is_invalid_token());
    assert_eq!(
        fx.audit.events().pop().unwrap().kind(),
        AuditKind::AuthnTokenRevoked
    );
    assert_eq!(
        fx.audit.kinds(),
        [
            AuditKind::AuthnLoginSuccess,
            AuditKind::SessionRenewed,
            AuditKind::AuthnTokenReuse,
            AuditKind::AuthnTokenRevoked,
        ]
    );
}

#[tokio::test]
async fn refresh_reloads_the_user() {
    let fx = Fixture::new();
    let alice = fx.register("42", "alice", ALICE_PASSWORD);
    let login = fx
        .auth
        .login("alice", &secret(ALICE_PASSWORD), &client())
        .await
        .unwrap();
    // New roles show up in the next access token.
    fx.directory
        .insert(alice.clone().with_roles(["user", "admin"]));
    let next = fx
        .auth
        .refresh(&secret(login.refresh().expose_secret()), &client())
        .await
        .unwrap();
    let principal = fx
        .auth
        .authenticate([bearer(next.access().expose_secret()).as_slice()])
        .unwrap();
    assert!(principal.has_role("admin"));
    // A disabled user's session ends at the next refresh.
    fx.directory.insert(alice.with_disabled(true));
    let err = fx
        .auth
        .refresh(&secret(next.refresh().expose_secret()), &client())
        .await
        .unwrap_err();
    assert!(err.is_invalid_token());
    let last = fx.audit.events().pop().unwrap();
    assert_eq!(last.kind(), AuditKind::AuthnTokenRevoked);
    assert_eq!(last.reason(), Some("user_disabled_or_deleted"));
}

#[tokio::test]
async fn logout_revokes_the_session_and_logout_all_every_session() {
    let fx = Fixture::new();
    fx.register("42", "alice", ALICE_PASSWORD);
    let a = fx
        .auth
        .login("alice", &secret(ALICE_PASSWORD), &client())
        .await
        .unwrap();
    let b = fx
        .auth
        .login("alice", &secret(ALICE_PASSWORD), &client())
        .await
        .unwrap();
    let c = fx
        .auth
        .login("alice", &secret(ALICE_PASSWORD), &client())
        .await
        .unwrap();
    fx.auth
        .logout(&secret(a.refresh().expose_secret()), &client())
        .await
        .unwrap();
    // Idempotent.
    fx.auth
        .logout(&secret(a.refresh().expose_secret()), &client())
        .await
        .unwrap();
    assert!(
        fx.auth
            .refresh(&secret(a.refresh().expose_secret()), &client())
            .await
            .is_err()
    );
    assert_eq!(fx.auth.logout_all("42", &client()).await.unwrap(), 2);
    for pair in [&b, &c] {
        let err = fx
            .auth
            .refresh(&secret(pair.refresh().expose_secret()), &client())
            .await
            .unwrap_err();
        assert!(err.is_invalid_token());
    }
    let logout = &fx.audit.events()[3];
    assert_eq!(logout.kind(), AuditKind::AuthnTokenRevoked);
    assert_eq!(logout.reason(), Some("logout"));
    assert_eq!(logout.family_id(), Some(a.family().as_str()));
    assert!(
        fx.auth
            .logout(&secret("not-a-token"), &client())
            .await
            .unwrap_err()
            .is_invalid_token()
    );
}

#[tokio::test]
async fn web_05_authenticate_with_real_tokens() {
    let fx = Fixture::new();
    fx.register("42", "alice", ALICE_PASSWORD);
    let pair = fx
        .auth
        .login("alice", &secret(ALICE_PASSWORD), &client())
        .await
        .unwrap();
    let t = pair.access().expose_secret();
    for ok in [
        format!("Bearer {t}"),
        format!("bearer {t}"),
        format!("BEARER {t}"),
        format!("Bearer  {t}"),
    ] {
        assert_eq!(
            fx.auth.authenticate([ok.as_bytes()]).unwrap().user_id(),
            "42",
            "{ok}"
        );
    }
    let mut flipped = t.to_owned();
    let last = flipped.pop().unwrap();
    flipped.push(if last.is_ascii_lowercase() {
        last.to_ascii_uppercase()
    } else {
        last.to_ascii_lowercase()
    });
    let refused = [
        format!("Bearer\t{t}"),
        t.to_owned(),
        "Bearer".to_owned(),
        "Bearer ".to_owned(),
        format!("Bearer {t} extra"),
        format!("Token {t}"),
        "Basic dXNlcjpwYXNz".to_owned(),
        format!("Bearer {t},Bearer {t}"),
        format!("Bearer {flipped}"),
        // A refresh token is not an access token.
        format!("Bearer {}", pair.refresh().expose_secret()),
    ];
    for value in refused {
        let err = fx.auth.authenticate([value.as_bytes()]).unwrap_err();
        assert!(err.is_invalid_token(), "{value}");
        assert_eq!(
            err.to_wire().header("www-authenticate"),
            Some("Bearer error=\"invalid_token\"")
        );
    }
    let none: [&[u8]; 0] = [];
    let err = fx.auth.authenticate(none).unwrap_err();
    assert_eq!(err.to_wire().header("www-authenticate"), Some("Bearer"));
}

#[tokio::test]
async fn throttled_logins_are_refused_before_any_verification_and_audited() {
    let fx = Fixture::new();
    fx.register("42", "alice", ALICE_PASSWORD);
    let wrong = secret("wrong-pass-1");
    for _ in 0..4 {
        fx.auth.login("alice", &wrong, &client()).await.unwrap_err();
    }
    let before = fx.check.counts();
    let err = fx
        .auth
        .login("alice", &secret(ALICE_PASSWORD), &client())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    assert_eq!(err.retry_after_secs(), Some(1));
    assert_eq!(fx.check.counts(), before, "no hashing while throttled");
    let last = fx.audit.events().pop().unwrap();
    assert_eq!(last.kind(), AuditKind::AuthnLoginFailMax);
    assert_eq!(last.reason(), Some("account_client"));
    // Usernames are throttled in their normalized form.
    let err = fx.auth.login("ALICE", &wrong, &client()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    // Wait it out, keep failing until the lock, which is audited.
    let mut locked = false;
    for _ in 0..20 {
        fx.clock.advance(Duration::from_secs(64));
        fx.auth.login("alice", &wrong, &client()).await.unwrap_err();
        if fx.audit.kinds().contains(&AuditKind::AuthnLoginLock) {
            locked = true;
            break;
        }
    }
    assert!(locked);
    let lock = fx
        .audit
        .events()
        .into_iter()
        .find(|e| e.kind() == AuditKind::AuthnLoginLock)
        .unwrap();
    assert_eq!(lock.user_id(), Some("42"));
    assert_eq!(lock.reason(), Some("account_client"));
    // The lock ends with the window, and the counter with it.
    fx.clock.advance(Duration::from_secs(15 * 60));
    fx.auth
        .login("alice", &secret(ALICE_PASSWORD), &client())
        .await
        .unwrap();
    assert_eq!(
        fx.audit.events().pop().unwrap().kind(),
        AuditKind::AuthnLoginSuccess
    );
}

#[tokio::test]
async fn success_after_failures_is_its_own_event() {
    let fx = Fixture::new();
    fx.register("42", "alice", ALICE_PASSWORD);
    fx.auth
        .login("alice", &secret("typo"), &client())
        .await
        .unwrap_err();
    fx.auth
        .login("alice", &secret(ALICE_PASSWORD), &client())
        .await
        .unwrap();
    fx.auth
        .login("alice", &secret(ALICE_PASSWORD), &client())
        .await
        .unwrap();
    assert_eq!(
        fx.audit.kinds(),
        [
            AuditKind::AuthnLoginFail,
            AuditKind::AuthnLoginSuccessAfterFail,
            AuditKind::AuthnLoginSuccess,
        ]
    );
}

#[derive(Debug)]
struct BrokenSink;

#[async_trait]
impl AuditSink for BrokenSink {
    async fn record(&self, _: &AuditEvent) -> Result<(), StoreError> {
        Err(StoreError::new("audit", "disk full"))
    }
}

#[tokio::test]
async fn an_audit_outage_does_not_fail_a_login() {
    let keys = KeySet::builder()
        .primary(SigningKey::generate(Algorithm::EdDsa).unwrap())
        .build()
        .unwrap();
    let issuer = Issuer::builder(keys, "https://auth.example", "api")
        .build()
        .unwrap();
    let verifier = issuer.verifier().unwrap();
    let rotation = RefreshRotation::builder(issuer, Arc::new(MemoryRefreshStore::new()))
        .build()
        .unwrap();
    let hasher = common::test_hasher();
    let directory = Arc::new(MemoryDirectory::new());
    directory.insert(UserRecord::new(
        "1",
        "alice",
        hasher.hash(&secret(ALICE_PASSWORD)).unwrap(),
    ));
    let auth = Authenticator::builder(
        directory,
        Arc::new(opsguard_password::AsyncHasher::new(hasher)),
        rotation,
        verifier,
    )
    .with_audit_sink(Arc::new(BrokenSink))
    .build();
    assert!(
        auth.login("alice", &secret(ALICE_PASSWORD), &client())
            .await
            .is_ok()
    );
    assert_invalid_credentials(
        &auth
            .login("alice", &secret("nope"), &client())
            .await
            .unwrap_err(),
    );
}

#[test]
fn user_record_debug_hides_the_hash() {
    let user = UserRecord::new(
        "1",
        "alice",
        "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA",
    );
    let debug = format!("{user:?}");
    assert!(!debug.contains("argon2id"));
    assert!(debug.contains("[REDACTED]"));
}

/// Serves reads from memory but cannot write (a read-only replica, a full
/// disk): no attempt can be counted.
#[derive(Debug, Default)]
struct ReadOnlyThrottleStore(opsguard_auth::MemoryThrottleStore);

#[async_trait]
impl ThrottleStore for ReadOnlyThrottleStore {
    async fn increment(
        &self,
        _: &ThrottleKey,
        _: SystemTime,
        _: Duration,
    ) -> Result<Counter, StoreError> {
        Err(StoreError::new("throttle", "read-only"))
    }
    async fn decrement(&self, _: &ThrottleKey, _: SystemTime) -> Result<(), StoreError> {
        Err(StoreError::new("throttle", "read-only"))
    }
    async fn read(
        &self,
        key: &ThrottleKey,
        now: SystemTime,
    ) -> Result<Option<Counter>, StoreError> {
        self.0.read(key, now).await
    }
    async fn clear(&self, _: &ThrottleKey) -> Result<(), StoreError> {
        Err(StoreError::new("throttle", "read-only"))
    }
}

/// M1: an attempt the throttle cannot count is refused with 503 before any
/// password is verified (it used to be verified and its failure lost).
#[tokio::test]
async fn a_login_the_throttle_cannot_count_is_refused_before_verification() {
    let fx = Fixture::with_store(
        ThrottlePolicy::default(),
        Arc::new(ReadOnlyThrottleStore::default()),
    );
    fx.register("42", "alice", ALICE_PASSWORD);
    for password in ["wrong-pass-1", ALICE_PASSWORD] {
        let err = fx
            .auth
            .login("alice", &secret(password), &client())
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unavailable);
    }
    assert_eq!(fx.check.counts(), (0, 0));
    assert!(fx.audit.events().is_empty());
}

/// M1: concurrent wrong guesses from one client cannot all pass one check
/// while the first ones are still verifying.
#[tokio::test]
async fn concurrent_guesses_are_counted_before_their_verification() {
    let fx = Fixture::new();
    fx.register("42", "alice", ALICE_PASSWORD);
    let wrong = secret("wrong-pass-1");
    let who = client();
    let login = || fx.auth.login("alice", &wrong, &who);
    // All eight are admitted or refused before the first verification ends.
    let results = tokio::join!(
        login(),
        login(),
        login(),
        login(),
        login(),
        login(),
        login(),
        login()
    );
    let results = [
        results.0, results.1, results.2, results.3, results.4, results.5, results.6, results.7,
    ];
    let kinds: Vec<ErrorKind> = results
        .iter()
        .map(|r| r.as_ref().unwrap_err().kind())
        .collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == ErrorKind::Auth).count(),
        4,
        "{kinds:?}"
    );
    assert_eq!(
        kinds
            .iter()
            .filter(|k| **k == ErrorKind::RateLimited)
            .count(),
        4,
        "{kinds:?}"
    );
    assert_eq!(fx.check.counts(), (4, 0));
}

/// The CAS in `update_password_hash`: a password reset that finishes while
/// a login verifies the old password is not undone by the login's rehash.
#[tokio::test]
async fn a_rehash_does_not_overwrite_a_password_changed_during_the_login() {
    let fx = Fixture::new();
    let legacy = Hasher::builder()
        .with_bcrypt(4)
        .dangerous_allow_weak_params()
        .build()
        .unwrap();
    let old_hash = legacy.hash(&secret(ALICE_PASSWORD)).unwrap();
    fx.directory
        .insert(UserRecord::new("7", "bob", old_hash.clone()));
    let reset_hash = fx.hasher.hash(&secret("a brand new passphrase")).unwrap();
    let (directory, reset) = (fx.directory.clone(), reset_hash.clone());
    fx.check.after_next_verify(move || {
        directory.insert(UserRecord::new("7", "bob", reset));
    });
    // The old password was right when it was checked: the login succeeds.
    fx.auth
        .login("bob", &secret(ALICE_PASSWORD), &client())
        .await
        .unwrap();
    assert_eq!(fx.directory.get("7").unwrap().password_hash(), reset_hash);
    // The old password no longer works; the new one does.
    assert_invalid_credentials(
        &fx.auth
            .login("bob", &secret(ALICE_PASSWORD), &client())
            .await
            .unwrap_err(),
    );
    fx.auth
        .login("bob", &secret("a brand new passphrase"), &client())
        .await
        .unwrap();
    // Without a concurrent change the CAS stores the upgrade.
    let directory = MemoryDirectory::new();
    directory.insert(UserRecord::new("1", "x", "old"));
    assert!(
        !directory
            .update_password_hash("1", "other", "new")
            .await
            .unwrap()
    );
    assert!(
        !directory
            .update_password_hash("2", "old", "new")
            .await
            .unwrap()
    );
    assert!(
        directory
            .update_password_hash("1", "old", "new")
            .await
            .unwrap()
    );
    assert_eq!(directory.get("1").unwrap().password_hash(), "new");
}

/// M3: a stored argon2id hash with *stronger* parameters than the current
/// ones is rehashed at login too, so the user stops being told apart from
/// unknown users by timing.
#[tokio::test]
async fn a_stronger_stored_hash_is_rehashed_to_the_current_parameters() {
    let fx = Fixture::new();
    let stronger = Hasher::builder()
        .with_argon2id(Argon2Params::new(256, 2, 1))
        .dangerous_allow_weak_params()
        .build()
        .unwrap();
    let old_hash = stronger.hash(&secret(ALICE_PASSWORD)).unwrap();
    assert!(old_hash.contains("m=256,t=2,p=1"), "{old_hash}");
    fx.directory
        .insert(UserRecord::new("8", "carol", old_hash.clone()));
    fx.auth
        .login("carol", &secret(ALICE_PASSWORD), &client())
        .await
        .unwrap();
    let stored = fx.directory.get("8").unwrap();
    assert!(
        stored.password_hash().contains("$m=64,t=1,p=1$"),
        "{stored:?}"
    );
    assert!(
        fx.hasher
            .verify(&secret(ALICE_PASSWORD), stored.password_hash())
            .unwrap()
            .is_match()
    );
}

/// A password bcrypt cannot take (over 72 bytes, or with a NUL) against a
/// bcrypt hash is the client's input, not a broken stored hash: a plain
/// login failure with its own reason, no error log, no panic.
#[tokio::test]
async fn a_password_too_long_for_a_bcrypt_hash_is_an_ordinary_failure() {
    let fx = Fixture::new();
    let legacy = Hasher::builder()
        .with_bcrypt(4)
        .dangerous_allow_weak_params()
        .build()
        .unwrap();
    fx.directory.insert(UserRecord::new(
        "3",
        "lena",
        legacy.hash(&secret(ALICE_PASSWORD)).unwrap(),
    ));
    let (captured, _guard) = common::Captured::install();
    let long = "x".repeat(100);
    for (n, password) in [long.as_str(), "nul\0inside"].into_iter().enumerate() {
        let who = ClientInfo::new(std::net::IpAddr::from([
            203,
            0,
            113,
            u8::try_from(n).unwrap(),
        ]));
        let err = fx
            .auth
            .login("lena", &secret(password), &who)
            .await
            .unwrap_err();
        assert_invalid_credentials(&err);
        let last = fx.audit.events().pop().unwrap();
        assert_eq!(last.kind(), AuditKind::AuthnLoginFail);
        assert_eq!(last.reason(), Some("password_unusable_for_stored_scheme"));
        assert_eq!(last.user_id(), Some("3"));
    }
    assert_eq!(fx.check.counts(), (2, 0));
    let lines = captured.lines();
    assert!(
        lines.iter().all(|l| l["level"] != "ERROR"),
        "{}",
        captured.text()
    );
    assert!(lines.iter().any(|l| l["target"] == "opsguard::rejection"
        && l["fields"]["message"] == "password refused by the stored hash's scheme"));
    assert!(!captured.text().contains(&long));
}

/// Logging out with a refresh token that was already rotated is reuse: the
/// family is revoked and `authn_token_reuse` recorded, not a plain logout.
#[tokio::test]
async fn logout_with_an_already_rotated_token_is_reuse() {
    let fx = Fixture::new();
    fx.register("42", "alice", ALICE_PASSWORD);
    let login = fx
        .auth
        .login("alice", &secret(ALICE_PASSWORD), &client())
        .await
        .unwrap();
    let next = fx
        .auth
        .refresh(&secret(login.refresh().expose_secret()), &client())
        .await
        .unwrap();
    fx.auth
        .logout(&secret(login.refresh().expose_secret()), &client())
        .await
        .unwrap();
    let last = fx.audit.events().pop().unwrap();
    assert_eq!(last.kind(), AuditKind::AuthnTokenReuse);
    assert_eq!(last.user_id(), Some("42"));
    assert_eq!(last.family_id(), Some(login.family().as_str()));
    assert_eq!(last.reason(), Some("refresh_token_reused"));
    // The family is revoked: the current token is refused too.
    assert!(
        fx.auth
            .refresh(&secret(next.refresh().expose_secret()), &client())
            .await
            .unwrap_err()
            .is_invalid_token()
    );
    // Logging out again changes nothing and records nothing more than the
    // refused refresh.
    let before = fx.audit.events().len();
    fx.auth
        .logout(&secret(next.refresh().expose_secret()), &client())
        .await
        .unwrap();
    assert_eq!(fx.audit.events().len(), before);
}

/// A full password-hashing queue (opsguard-password's `Busy`) verified
/// nothing: 503 for known and unknown users alike (no enumeration by
/// load), nothing audited as a failure, and the throttle counts given back.
#[tokio::test]
async fn busy_password_hashing_answers_503_alike_and_counts_nothing() {
    let fx = Fixture::new();
    fx.register("42", "alice", ALICE_PASSWORD);
    fx.check
        .busy
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let mut bodies = Vec::new();
    for _ in 0..4 {
        for username in ["alice", "no_such_user_93"] {
            let err = fx
                .auth
                .login(username, &secret("wrong-pass-1"), &client())
                .await
                .unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Unavailable, "{username}");
            bodies.push(err.to_wire());
        }
    }
    assert!(bodies.iter().all(|wire| wire == &bodies[0]));
    assert!(fx.audit.events().is_empty());
    // Eight refused attempts left no failure behind: the owner is not
    // delayed and logs in with a plain success.
    fx.check
        .busy
        .store(false, std::sync::atomic::Ordering::SeqCst);
    fx.auth
        .login("alice", &secret(ALICE_PASSWORD), &client())
        .await
        .unwrap();
    assert_eq!(fx.audit.kinds(), [AuditKind::AuthnLoginSuccess]);
}

//! DESIGN.md invariant 1: a full flow (register, login, a failed login,
//! refresh, reuse, logout, a bad header) writes no password, token, key or
//! password hash into any tracing event or audit event.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{ALICE_PASSWORD, Fixture, client};
use opsguard_auth::{AuditEvent, AuditKind, AuditSink, TracingSink, record_or_log};
use secrecy::{ExposeSecret, SecretString};

#[test]
fn a_full_flow_logs_no_secret() {
    // Global, so events from tokio's blocking threads (password hashing)
    // are captured too; this file holds this one test only.
    let captured = common::Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(captured.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let fx = Fixture::new();
    let mut secrets: Vec<String> = vec![
        ALICE_PASSWORD.to_owned(),
        "wrong-pass-1".to_owned(),
        fx.signing_key_b64.expose_secret().to_owned(),
    ];
    let audit_events: Vec<AuditEvent> = runtime.block_on(async {
        // Register.
        let alice = fx.register("42", "alice", ALICE_PASSWORD);
        secrets.push(alice.password_hash().to_owned());
        record_or_log(
            &TracingSink,
            &AuditEvent::new(AuditKind::UserCreated)
                .with_user_id("42")
                .with_username("alice"),
        )
        .await;
        // A failed login, an unknown user, then a good login.
        let wrong = SecretString::from("wrong-pass-1");
        fx.auth.login("alice", &wrong, &client()).await.unwrap_err();
        fx.auth
            .login("mallory", &wrong, &client())
            .await
            .unwrap_err();
        let login = fx
            .auth
            .login("alice", &SecretString::from(ALICE_PASSWORD), &client())
            .await
            .unwrap();
        secrets.push(login.access().expose_secret().to_owned());
        secrets.push(login.refresh().expose_secret().to_owned());
        // A request with the token, and one with a bad header.
        let header = format!("Bearer {}", login.access().expose_secret());
        fx.auth.authenticate([header.as_bytes()]).unwrap();
        let tampered = format!("Bearer {}x", login.access().expose_secret());
        fx.auth.authenticate([tampered.as_bytes()]).unwrap_err();
        // Refresh, then reuse of the first refresh token.
        let first = SecretString::from(login.refresh().expose_secret());
        let next = fx.auth.refresh(&first, &client()).await.unwrap();
        secrets.push(next.access().expose_secret().to_owned());
        secrets.push(next.refresh().expose_secret().to_owned());
        fx.auth.refresh(&first, &client()).await.unwrap_err();
        // Log out (the family is already revoked: accepted, and nothing
        // is recorded since nothing was revoked).
        fx.auth
            .logout(
                &SecretString::from(next.refresh().expose_secret()),
                &client(),
            )
            .await
            .unwrap();
        // Send every audit event through the tracing sink as well.
        let events = fx.audit.events();
        for event in &events {
            TracingSink.record(event).await.unwrap();
        }
        events
    });

    let text = captured.text();
    let kinds: Vec<AuditKind> = audit_events.iter().map(AuditEvent::kind).collect();
    assert_eq!(
        kinds,
        [
            AuditKind::AuthnLoginFail,
            AuditKind::AuthnLoginFail,
            AuditKind::AuthnLoginSuccessAfterFail,
            AuditKind::SessionRenewed,
            AuditKind::AuthnTokenReuse,
        ]
    );
    // The capture saw the flow: audit events and the rejection log.
    assert!(text.contains("\"event\":\"authn_token_reuse\""), "{text}");
    assert!(text.contains("\"event\":\"user_created\""));
    assert!(text.contains("opsguard::rejection"));
    let audit_text: String = audit_events.iter().map(|e| format!("{e:?}\n")).collect();
    for secret in &secrets {
        assert!(secret.len() >= 12);
        assert!(
            !text.contains(secret.as_str()),
            "a secret leaked into tracing output"
        );
        assert!(
            !audit_text.contains(secret.as_str()),
            "a secret leaked into an audit event"
        );
        // No recognisable piece of a token either (a JWS segment of 16+
        // characters: header, claims or signature).
        for segment in secret.split('.').filter(|s| s.len() >= 16) {
            assert!(!text.contains(segment), "a token segment leaked");
            assert!(
                !audit_text.contains(segment),
                "a token segment leaked into audit"
            );
        }
    }
}

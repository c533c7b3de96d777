//! Audit events: vocabulary names, the tracing and in-memory sinks, and a
//! failing sink that must not fail the caller.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::time::{Duration, UNIX_EPOCH};

use async_trait::async_trait;
use opsguard_auth::{
    AuditEvent, AuditKind, AuditSink, MemorySink, Resource, Severity, StoreError, TracingSink,
    record_or_log,
};

#[test]
fn kinds_use_the_owasp_vocabulary_names() {
    let expected = [
        (
            AuditKind::AuthnLoginFail,
            "authn_login_fail",
            Severity::Warn,
        ),
        (
            AuditKind::AuthnLoginFailMax,
            "authn_login_fail_max",
            Severity::Warn,
        ),
        (
            AuditKind::AuthnLoginLock,
            "authn_login_lock",
            Severity::Warn,
        ),
        (
            AuditKind::AuthnLoginSuccess,
            "authn_login_success",
            Severity::Info,
        ),
        (
            AuditKind::AuthnLoginSuccessAfterFail,
            "authn_login_successafterfail",
            Severity::Info,
        ),
        (
            AuditKind::AuthnPasswordChange,
            "authn_password_change",
            Severity::Info,
        ),
        (
            AuditKind::AuthnPasswordChangeFail,
            "authn_password_change_fail",
            Severity::Critical,
        ),
        (
            AuditKind::AuthnTokenCreated,
            "authn_token_created",
            Severity::Info,
        ),
        (
            AuditKind::AuthnTokenDelete,
            "authn_token_delete",
            Severity::Warn,
        ),
        (
            AuditKind::AuthnTokenReuse,
            "authn_token_reuse",
            Severity::Critical,
        ),
        (
            AuditKind::AuthnTokenRevoked,
            "authn_token_revoked",
            Severity::Info,
        ),
        (AuditKind::AuthzAdmin, "authz_admin", Severity::Warn),
        (AuditKind::AuthzChange, "authz_change", Severity::Warn),
        (AuditKind::AuthzFail, "authz_fail", Severity::Critical),
        (
            AuditKind::CredentialRevealed,
            "credential_revealed",
            Severity::Warn,
        ),
        (
            AuditKind::CryptDecryptFail,
            "crypt_decrypt_fail",
            Severity::Warn,
        ),
        (
            AuditKind::CryptEncryptFail,
            "crypt_encrypt_fail",
            Severity::Warn,
        ),
        (
            AuditKind::ExcessRateLimitExceeded,
            "excess_rate_limit_exceeded",
            Severity::Warn,
        ),
        (
            AuditKind::InputValidationFail,
            "input_validation_fail",
            Severity::Warn,
        ),
        (AuditKind::SessionExpired, "session_expired", Severity::Info),
        (AuditKind::UserCreated, "user_created", Severity::Warn),
        (AuditKind::UserDeleted, "user_deleted", Severity::Warn),
        (AuditKind::UserUpdated, "user_updated", Severity::Warn),
    ];
    for (kind, name, severity) in expected {
        assert_eq!(kind.as_str(), name);
        assert_eq!(kind.to_string(), name);
        assert_eq!(kind.severity(), severity, "{name}");
    }
}

fn sample() -> AuditEvent {
    AuditEvent::at(
        AuditKind::AuthnTokenReuse,
        UNIX_EPOCH + Duration::from_millis(1_800_000_000_123),
    )
    .with_user_id("42")
    .with_username("alice")
    .with_client_ip("203.0.113.9".parse().unwrap())
    .with_request_id("req-7")
    .with_family_id("fam-1")
    .with_resource(Resource::new("credentials", 42))
    .with_reason("refresh_token_reused")
}

#[test]
fn event_accessors_return_what_was_set() {
    let e = sample();
    assert_eq!(e.kind(), AuditKind::AuthnTokenReuse);
    assert_eq!(e.time_unix_ms(), 1_800_000_000_123);
    assert_eq!(e.user_id(), Some("42"));
    assert_eq!(e.username(), Some("alice"));
    assert_eq!(e.client_ip(), Some("203.0.113.9".parse().unwrap()));
    assert_eq!(e.request_id(), Some("req-7"));
    assert_eq!(e.family_id(), Some("fam-1"));
    assert_eq!(e.resource().unwrap().to_string(), "credentials:42");
    assert_eq!(e.resource().unwrap().kind(), "credentials");
    assert_eq!(e.resource().unwrap().id(), "42");
    assert_eq!(e.reason(), Some("refresh_token_reused"));
    let bare = AuditEvent::at(AuditKind::AuthzFail, UNIX_EPOCH - Duration::from_secs(1));
    assert_eq!(bare.time_unix_ms(), 0);
    assert_eq!(
        (bare.user_id(), bare.username(), bare.client_ip()),
        (None, None, None)
    );
}

#[tokio::test(flavor = "current_thread")]
async fn tracing_sink_writes_every_field_at_the_vocabulary_level() {
    let (captured, _guard) = common::Captured::install();
    TracingSink::new().record(&sample()).await.unwrap();
    TracingSink::new()
        .record(&AuditEvent::at(AuditKind::AuthnLoginSuccess, UNIX_EPOCH))
        .await
        .unwrap();
    let lines = captured.lines();
    assert_eq!(lines.len(), 2, "{}", captured.text());
    let reuse = &lines[0];
    assert_eq!(reuse["target"], "opsguard::audit");
    assert_eq!(reuse["level"], "ERROR");
    let f = &reuse["fields"];
    assert_eq!(f["event"], "authn_token_reuse");
    assert_eq!(f["severity"], "CRITICAL");
    assert_eq!(f["time_unix_ms"], 1_800_000_000_123u64);
    assert_eq!(f["user_id"], "42");
    assert_eq!(f["username"], "alice");
    assert_eq!(f["client_ip"], "203.0.113.9");
    assert_eq!(f["request_id"], "req-7");
    assert_eq!(f["family_id"], "fam-1");
    assert_eq!(f["resource"], "credentials:42");
    assert_eq!(f["reason"], "refresh_token_reused");
    let success = &lines[1];
    assert_eq!(success["level"], "INFO");
    assert_eq!(success["fields"]["event"], "authn_login_success");
    // Unset fields are absent, not empty.
    assert!(success["fields"].get("username").is_none());
}

#[tokio::test(flavor = "current_thread")]
async fn memory_sink_keeps_events_in_order() {
    let sink = MemorySink::new();
    sink.record(&sample()).await.unwrap();
    sink.record(&AuditEvent::new(AuditKind::AuthnLoginFail))
        .await
        .unwrap();
    assert_eq!(
        sink.kinds(),
        [AuditKind::AuthnTokenReuse, AuditKind::AuthnLoginFail]
    );
    assert_eq!(sink.events()[0], sample());
    sink.clear();
    assert!(sink.events().is_empty());
}

#[derive(Debug)]
struct BrokenSink;

#[async_trait]
impl AuditSink for BrokenSink {
    async fn record(&self, _: &AuditEvent) -> Result<(), StoreError> {
        Err(StoreError::new("audit", "disk full"))
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_failing_sink_is_logged_and_does_not_fail_the_caller() {
    let (captured, _guard) = common::Captured::install();
    let sink: &dyn AuditSink = &BrokenSink;
    record_or_log(sink, &sample()).await;
    let lines = captured.lines();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["target"], "opsguard::audit");
    assert_eq!(lines[0]["level"], "ERROR");
    assert_eq!(lines[0]["fields"]["event"], "authn_token_reuse");
    assert_eq!(lines[0]["fields"]["error"], "audit store failed");
    // The failed event's details are not logged in its place.
    assert!(!captured.text().contains("alice"));
}

#[test]
fn store_error_maps_to_503_and_keeps_its_cause_for_logs() {
    let err = StoreError::new("audit", "disk full");
    assert_eq!(err.store(), "audit");
    assert_eq!(
        std::error::Error::source(&err)
            .map(ToString::to_string)
            .as_deref(),
        Some("disk full")
    );
    let core = opsguard_core::Error::from(err);
    assert_eq!(core.kind(), opsguard_core::ErrorKind::Unavailable);
    assert!(!core.to_wire().body.windows(9).any(|w| w == b"disk full"));
}

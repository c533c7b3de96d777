//! The wire mapping of every error kind, byte for byte.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::time::Duration;

use opsguard_core::{Error, ErrorBody, ErrorKind, FieldError, WireError};

fn body(wire: &WireError) -> &str {
    std::str::from_utf8(&wire.body).unwrap()
}

#[test]
fn every_kind_maps_to_exact_status_type_headers_and_body() {
    // (error, status, headers, body)
    type Case = (Error, u16, Vec<(&'static str, &'static str)>, &'static str);
    let cases: Vec<Case> = vec![
        (
            Error::missing_credentials(),
            401,
            vec![
                ("content-type", "application/json"),
                ("www-authenticate", "Bearer"),
            ],
            r#"{"error":{"type":"AuthError","message":"authentication required"}}"#,
        ),
        (
            Error::invalid_token(),
            401,
            vec![
                ("content-type", "application/json"),
                ("www-authenticate", "Bearer error=\"invalid_token\""),
            ],
            r#"{"error":{"type":"AuthError","message":"invalid or expired token"}}"#,
        ),
        (
            Error::invalid_credentials(),
            401,
            vec![
                ("content-type", "application/json"),
                ("www-authenticate", "Bearer"),
            ],
            r#"{"error":{"type":"AuthError","message":"invalid username or password"}}"#,
        ),
        (
            Error::permission_denied(),
            403,
            vec![("content-type", "application/json")],
            r#"{"error":{"type":"PermissionError","message":"permission denied"}}"#,
        ),
        (
            Error::invalid_field("username", "too_short", "must be at least 3 characters"),
            422,
            vec![("content-type", "application/json")],
            r#"{"error":{"type":"ValidationError","message":"request validation failed","fields":[{"field":"username","code":"too_short","message":"must be at least 3 characters"}]}}"#,
        ),
        (
            Error::not_found("job not found"),
            404,
            vec![("content-type", "application/json")],
            r#"{"error":{"type":"NotFound","message":"job not found"}}"#,
        ),
        (
            Error::conflict("username already taken"),
            409,
            vec![("content-type", "application/json")],
            r#"{"error":{"type":"Conflict","message":"username already taken"}}"#,
        ),
        (
            Error::rate_limited(Duration::from_secs(30)),
            429,
            vec![("content-type", "application/json"), ("retry-after", "30")],
            r#"{"error":{"type":"RateLimited","message":"too many requests"}}"#,
        ),
        (
            Error::payload_too_large(),
            413,
            vec![("content-type", "application/json")],
            r#"{"error":{"type":"PayloadTooLarge","message":"request body too large"}}"#,
        ),
        (
            Error::unavailable("pool timed out"),
            503,
            vec![("content-type", "application/json")],
            r#"{"error":{"type":"Unavailable","message":"service temporarily unavailable"}}"#,
        ),
        (
            Error::internal("disk full"),
            500,
            vec![("content-type", "application/json")],
            r#"{"error":{"type":"InternalError","message":"internal server error"}}"#,
        ),
    ];
    let mut seen = std::collections::HashSet::new();
    for (err, status, headers, expected_body) in cases {
        seen.insert(err.kind());
        let wire = err.to_wire();
        assert_eq!(wire.status, status, "{err:?}");
        let got: Vec<(&str, &str)> = wire.headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        assert_eq!(got, headers, "{err:?}");
        assert_eq!(body(&wire), expected_body, "{err:?}");
    }
    assert_eq!(seen.len(), ErrorKind::ALL.len(), "a kind has no wire test");
}

#[test]
fn every_kind_from_kind_uses_its_status_and_type() {
    for kind in ErrorKind::ALL {
        let wire = Error::from_kind(kind).to_wire();
        assert_eq!(wire.status, kind.status());
        let parsed = ErrorBody::from_slice(&wire.body).unwrap();
        assert_eq!(parsed.error.kind, kind);
        assert_eq!(parsed.error.message, kind.default_message());
        assert!(parsed.error.fields.is_empty());
    }
}

#[test]
fn rate_limited_without_delay_sends_no_retry_after() {
    let wire = Error::from_kind(ErrorKind::RateLimited).to_wire();
    assert_eq!(wire.header("retry-after"), None);
}

#[test]
fn internal_never_contains_its_source_or_message() {
    let secret_cause = "password authentication failed for user \"ops\" with hunter2";
    for err in [
        Error::internal(secret_cause),
        Error::new(ErrorKind::Internal, secret_cause),
        Error::internal(std::io::Error::other(secret_cause)),
    ] {
        let wire = err.to_wire();
        assert_eq!(wire.status, 500);
        assert_eq!(
            body(&wire),
            r#"{"error":{"type":"InternalError","message":"internal server error"}}"#
        );
        assert!(!body(&wire).contains("hunter2"));
        assert!(!err.to_string().contains("hunter2"));
    }
}

#[test]
fn validation_with_two_fields_lists_both_in_order() {
    let err = Error::validation(vec![
        FieldError::new("username", "too_short", "must be at least 3 characters"),
        FieldError::new("email", "invalid_email", "must be an email address"),
    ]);
    let wire = err.to_wire();
    assert_eq!(
        body(&wire),
        r#"{"error":{"type":"ValidationError","message":"request validation failed","fields":[{"field":"username","code":"too_short","message":"must be at least 3 characters"},{"field":"email","code":"invalid_email","message":"must be an email address"}]}}"#
    );
    // And the reverse order stays reversed: order is the caller's, not sorted.
    let err = Error::validation(vec![
        FieldError::new("email", "invalid_email", "must be an email address"),
        FieldError::new("username", "too_short", "must be at least 3 characters"),
    ]);
    let parsed = ErrorBody::from_slice(&err.to_wire().body).unwrap();
    let fields: Vec<&str> = parsed.error.fields.iter().map(FieldError::field).collect();
    assert_eq!(fields, ["email", "username"]);
}

#[test]
fn fields_are_not_sent_for_non_validation_kinds() {
    let err = Error::permission_denied().with_fields(vec![FieldError::new("a", "b", "c")]);
    assert_eq!(
        body(&err.to_wire()),
        r#"{"error":{"type":"PermissionError","message":"permission denied"}}"#
    );
}

#[test]
fn messages_are_json_escaped() {
    let err = Error::not_found("no \"job\" here\n</script>");
    let wire = err.to_wire();
    assert_eq!(
        body(&wire),
        "{\"error\":{\"type\":\"NotFound\",\"message\":\"no \\\"job\\\" here\\n</script>\"}}"
    );
    let parsed = ErrorBody::from_slice(&wire.body).unwrap();
    assert_eq!(parsed.error.message, "no \"job\" here\n</script>");
}

#[test]
fn body_parser_is_strict() {
    for bad in [
        &br#"{"error":{"type":"Teapot","message":"x"}}"#[..],
        br#"{"error":{"type":"AuthError","message":"x","extra":1}}"#,
        br#"{"error":{"type":"AuthError"}}"#,
        br#"{"error":{"type":"AuthError","message":"x"},"more":true}"#,
        b"",
        b"null",
    ] {
        assert!(
            ErrorBody::from_slice(bad).is_err(),
            "{:?}",
            String::from_utf8_lossy(bad)
        );
    }
}

#[test]
fn invalid_token_is_distinguishable_only_in_code() {
    assert!(Error::invalid_token().is_invalid_token());
    assert!(!Error::missing_credentials().is_invalid_token());
    assert!(!Error::invalid_credentials().is_invalid_token());
}

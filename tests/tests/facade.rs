//! What a service sees through the `opsguard` facade.
#![allow(clippy::unwrap_used, missing_docs)]

use opsguard::{Error, ErrorKind, Success};

#[test]
fn facade_error_is_core_error_and_maps_to_the_wire() {
    let err = Error::permission_denied();
    assert_eq!(err.kind(), ErrorKind::Permission);
    let wire = err.to_wire();
    assert_eq!(wire.status, 403);
    assert_eq!(
        wire.body,
        br#"{"error":{"type":"PermissionError","message":"permission denied"}}"#
    );
}

#[test]
fn facade_success_envelope() {
    let body = Success::new("ok", serde_json::json!([1, 2]));
    assert_eq!(
        serde_json::to_string(&body).unwrap(),
        r#"{"success":true,"message":"ok","data":[1,2]}"#
    );
}

#[test]
fn shared_cases_are_reachable() {
    let ids = opsguard_tests::case_ids("web.json");
    assert!(ids.iter().any(|id| id == "WEB-05"), "{ids:?}");
    assert_eq!(opsguard_tests::case("web.json", "WEB-05")["id"], "WEB-05");
}

//! The success envelope.
#![allow(clippy::unwrap_used)]

use opsguard_core::Success;
use serde_json::json;

#[test]
fn success_round_trips_and_refuses_false() {
    let body = Success::new("created", json!({"id": 1}));
    let text = serde_json::to_string(&body).unwrap();
    assert_eq!(
        text,
        r#"{"success":true,"message":"created","data":{"id":1}}"#
    );
    let back: Success = serde_json::from_str(&text).unwrap();
    assert_eq!(back, body);

    let refused = serde_json::from_str::<Success>(r#"{"success":false,"message":"m","data":null}"#);
    assert!(refused.is_err());
}

//! The field-error report: paths and order of nested structs and lists, the
//! JSON error codes, and the wire body a client receives.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use opsguard_core::{ErrorKind, FieldError};
use opsguard_validate::types::{JobCreate, TargetCreate};
use opsguard_validate::{
    Checks, deserialize_json, field_errors, from_json_slice, host, name, validate,
};
use serde::{Deserialize, Serialize};
use validator::{Validate, ValidationError};

fn pairs(fields: &[FieldError]) -> Vec<(&str, &str)> {
    fields.iter().map(|f| (f.field(), f.code())).collect()
}

#[derive(Debug, Serialize, Deserialize, Validate)]
struct Inventory {
    #[validate(custom(function = "name"))]
    name: String,
    #[validate(nested)]
    target: Endpoint,
    #[validate(nested)]
    targets: Vec<Endpoint>,
    #[validate(length(min = 1, max = 3))]
    tags: Vec<String>,
    #[validate(range(min = 1, max = 10))]
    replicas: u32,
}

#[derive(Debug, Serialize, Deserialize, Validate)]
#[validate(schema(function = "endpoint_consistent", skip_on_field_errors = false))]
struct Endpoint {
    #[validate(custom(function = "host"))]
    host: String,
    #[validate(custom(function = "opsguard_validate::port"))]
    port: u16,
}

fn endpoint_consistent(e: &Endpoint) -> Result<(), ValidationError> {
    if e.host == "localhost" && e.port == 0 {
        return Err(ValidationError::new("inconsistent"));
    }
    Ok(())
}

fn endpoint(host: &str, port: u16) -> Endpoint {
    Endpoint {
        host: host.into(),
        port,
    }
}

#[test]
fn nested_report_has_exact_paths_in_a_stable_order() {
    let inv = Inventory {
        name: String::new(),
        target: endpoint("localhost", 0),
        targets: (0..12)
            .map(|i| match i {
                2 => endpoint("bad_host", 22),
                10 => endpoint("010.0.0.1", 0),
                _ => endpoint("ok.example", 22),
            })
            .collect(),
        tags: vec![],
        replicas: 11,
    };
    let errors = inv.validate().unwrap_err();
    let fields = field_errors(&errors);
    assert_eq!(
        pairs(&fields),
        [
            ("name", "invalid_name"),
            ("replicas", "range"),
            ("tags", "length"),
            ("target", "inconsistent"),
            ("target.port", "invalid_port"),
            ("targets[2].host", "invalid_host"),
            ("targets[10].host", "invalid_host"),
            ("targets[10].port", "invalid_port"),
        ]
    );
    let messages: Vec<&str> = fields.iter().map(FieldError::message).collect();
    assert_eq!(
        messages,
        [
            "must be 1 to 255 characters",
            "must be 1 to 10",
            "length must be 1 to 3",
            "is invalid",
            "must be a number from 1 to 65535",
            "must be an IPv4 address, an IPv6 address or a host name",
            "must be an IPv4 address, an IPv6 address or a host name",
            "must be a number from 1 to 65535",
        ]
    );
    // Deterministic: the HashMap inside validator does not leak its order.
    for _ in 0..20 {
        assert_eq!(field_errors(&inv.validate().unwrap_err()), fields);
    }
    let err = validate(&inv).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Validation);
    assert_eq!(err.fields(), fields.as_slice());
}

#[test]
fn a_list_validated_on_its_own_reports_index_paths() {
    let list = vec![endpoint("ok.example", 22), endpoint("a..b", 22)];
    let fields = field_errors(&list.validate().unwrap_err());
    assert_eq!(pairs(&fields), [("[1].host", "invalid_host")]);
}

#[test]
fn job_steps_report_their_index() {
    let body = br#"{"name":"deploy","target_ids":[3,3],"steps":[
        {"name":"ok","command":"uptime"},
        {"name":"","command":"rm\u0000x","timeout_secs":0}
    ]}"#;
    let err = from_json_slice::<JobCreate>(body, 4096).unwrap_err();
    assert_eq!(
        pairs(err.fields()),
        [
            ("steps[1].command", "invalid_command"),
            ("steps[1].name", "invalid_name"),
            ("steps[1].timeout_secs", "range"),
            ("target_ids", "invalid_target_ids"),
        ]
    );
    assert_eq!(err.fields()[3].message(), "must not name a target twice");
    let empty = from_json_slice::<JobCreate>(br#"{"name":"j","target_ids":[],"steps":[]}"#, 4096)
        .unwrap_err();
    assert_eq!(
        pairs(empty.fields()),
        [("steps", "length"), ("target_ids", "invalid_target_ids")]
    );
    let ok = from_json_slice::<JobCreate>(
        br#"{"name":"j","target_ids":[1,2],"steps":[{"name":"s","command":"echo hi\n","timeout_secs":60}]}"#,
        4096,
    )
    .unwrap();
    assert_eq!(ok.steps[0].timeout_secs, Some(60));
}

#[test]
fn target_create_reports_every_field_at_once_on_the_wire() {
    let body = br#"{"name":"","host":"127.1","port":22,"platform":"windows","credential_id":0,"group_id":-4}"#;
    let err = from_json_slice::<TargetCreate>(body, 4096).unwrap_err();
    let wire = err.to_wire();
    assert_eq!(wire.status, 422);
    assert_eq!(
        String::from_utf8(wire.body).unwrap(),
        concat!(
            r#"{"error":{"type":"ValidationError","message":"request validation failed","fields":["#,
            r#"{"field":"credential_id","code":"range","message":"must be at least 1"},"#,
            r#"{"field":"group_id","code":"range","message":"must be at least 1"},"#,
            r#"{"field":"host","code":"invalid_host","message":"must be an IPv4 address, an IPv6 address or a host name"},"#,
            r#"{"field":"name","code":"invalid_name","message":"must be 1 to 255 characters"}]}}"#
        )
    );
}

#[test]
fn checks_collects_fields_and_nested_values() {
    struct Outer {
        label: String,
        inner: Endpoint,
        list: Vec<Endpoint>,
    }
    impl Validate for Outer {
        fn validate(&self) -> Result<(), validator::ValidationErrors> {
            let mut checks = Checks::new();
            checks
                .field("label", name(&self.label))
                .field("label", Err(ValidationError::new("second")))
                .field("label", Ok(()))
                .nested("inner", &self.inner)
                .nested("list", &self.list);
            checks.finish()
        }
    }
    let outer = Outer {
        label: String::new(),
        inner: endpoint("-x", 1),
        list: vec![endpoint("ok.example", 1), endpoint("ok.example", 0)],
    };
    let fields = field_errors(&outer.validate().unwrap_err());
    assert_eq!(
        pairs(&fields),
        [
            ("inner.host", "invalid_host"),
            ("label", "invalid_name"),
            ("label", "second"),
            ("list[1].port", "invalid_port"),
        ]
    );
    let mut checks = Checks::new();
    assert!(checks.is_empty());
    checks.nested("fine", &endpoint("ok.example", 1));
    assert!(checks.is_empty());
    assert_eq!(format!("{checks:?}"), r#"Checks { failed_fields: [] }"#);
    assert!(checks.finish().is_ok());
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Wrapper {
    target: TargetCreate,
    flags: Vec<bool>,
}

fn json_error(body: &[u8]) -> (String, String, String) {
    let err = deserialize_json::<Wrapper>(body, 1 << 20).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Validation);
    assert_eq!(err.fields().len(), 1);
    let f = &err.fields()[0];
    (f.field().into(), f.code().into(), f.message().into())
}

const T: &str = r#""name":"t","host":"h1","platform":"linux","credential_id":1"#;

#[test]
fn json_problems_become_field_errors_with_paths() {
    let cases: Vec<(String, (&str, &str, &str))> = vec![
        ("".into(), ("", "invalid_json", "malformed JSON at line 1 column 0")),
        ("{".into(), ("", "invalid_json", "malformed JSON at line 1 column 1")),
        ("nul".into(), ("", "invalid_json", "malformed JSON at line 1 column 3")),
        (format!(r#"{{"target":{{{T}}},"flags":[]}} x"#), ("", "invalid_json", "malformed JSON at line 1 column 85")),
        (format!(r#"{{"target":{{{T}}},"flags":[tru]}}"#), ("flags[0]", "invalid_json", "malformed JSON at line 1 column 85")),
        (r#""x""#.into(), ("", "invalid_type", "wrong JSON type, expected struct Wrapper")),
        ("[]".into(), ("", "invalid_value", "invalid value, expected struct Wrapper with 2 elements")),
        (format!(r#"{{"target":{{{T}}},"flags":["true"]}}"#), ("flags[0]", "invalid_type", "wrong JSON type, expected a boolean")),
        (format!(r#"{{"target":{{{T},"port":"22"}},"flags":[]}}"#), ("target.port", "invalid_type", "wrong JSON type, expected a port number from 1 to 65535")),
        (format!(r#"{{"target":{{{T},"port":0}},"flags":[]}}"#), ("target.port", "invalid_value", "invalid value, expected a port number from 1 to 65535")),
        (format!(r#"{{"target":{{{T},"port":null}},"flags":[]}}"#), ("target.port", "invalid_type", "wrong JSON type, expected a port number from 1 to 65535")),
        (format!(r#"{{"target":{{{T},"group_id":null}},"flags":[]}}"#), ("target.group_id", "invalid_type", "wrong JSON type, expected i64")),
        (r#"{"target":{"name":"t","host":"h","platform":"linux","credential_id":1.5},"flags":[]}"#.into(), ("target.credential_id", "invalid_type", "wrong JSON type, expected i64")),
        (r#"{"target":{"name":"t","host":"h","platform":["linux"],"credential_id":1},"flags":[]}"#.into(), ("target.platform", "invalid_type", "wrong JSON type, expected `linux` or `windows`")),
        (format!(r#"{{"target":{{{T},"is_admin":true}},"flags":[]}}"#), ("target.is_admin", "unknown_field", "unknown field")),
        (r#"{"target":{"name":"t","platform":"linux","credential_id":1},"flags":[]}"#.into(), ("target.host", "missing_field", "missing field")),
        (format!(r#"{{"target":{{{T}}}}}"#), ("flags", "missing_field", "missing field")),
        (format!(r#"{{"target":{{{T},"name":"u"}},"flags":[]}}"#), ("target.name", "duplicate_field", "field given more than once")),
        (format!(r#"{{"target":{{{T}}},"flags":[],"flags":[]}}"#), ("flags", "duplicate_field", "field given more than once")),
        (format!(r#"{{"target":{{{T},"platform":"Linux"}},"flags":[]}}"#), ("target.platform", "duplicate_field", "field given more than once")),
    ];
    for (body, (field, code, message)) in cases {
        assert_eq!(
            json_error(body.as_bytes()),
            (field.to_owned(), code.to_owned(), message.to_owned()),
            "{body}"
        );
    }
}

#[test]
fn json_messages_never_quote_the_rejected_value() {
    let secret = "Hunter2-Secret, expected a boolean";
    for body in [
        format!(r#"{{"target":{{{T},"platform":"{secret}"}},"flags":[]}}"#),
        format!(r#"{{"target":{{{T}}},"flags":["{secret}"]}}"#),
        format!(r#"{{"target":{{{T},"port":"{secret}"}},"flags":[]}}"#),
    ] {
        let (_, _, message) = json_error(body.as_bytes());
        assert!(!message.contains("Hunter2"), "{message}");
    }
    // An unknown platform value: the expectation comes from the type.
    let body = format!(
        r#"{{"target":{{"name":"t","host":"h","platform":"{secret}","credential_id":1}},"flags":[]}}"#
    );
    assert_eq!(
        json_error(body.as_bytes()),
        (
            "target.platform".into(),
            "invalid_value".into(),
            "invalid value, expected `linux` or `windows`".into()
        )
    );
}

#[test]
fn long_unknown_field_names_are_cut_in_the_echo() {
    let key = "k".repeat(10_000);
    let body = format!(r#"{{"target":{{{T},"{key}":1}},"flags":[]}}"#);
    let (field, code, _) = json_error(body.as_bytes());
    assert_eq!(code, "unknown_field");
    assert_eq!(field.chars().count(), 129);
    assert!(field.starts_with("target.kkk"));
    assert!(field.ends_with('…'));
    let wide = "é".repeat(100);
    let body = format!(r#"{{"target":{{{T},"{wide}":1}},"flags":[]}}"#);
    let (field, _, _) = json_error(body.as_bytes());
    assert!(field.ends_with('…'));
    assert!(field.len() <= 128 + '…'.len_utf8());
}

#[test]
fn body_limit_is_checked_before_parsing() {
    let body = format!(r#"{{"target":{{{T}}},"flags":[]}}"#);
    assert!(deserialize_json::<Wrapper>(body.as_bytes(), body.len()).is_ok());
    let err = deserialize_json::<Wrapper>(body.as_bytes(), body.len() - 1).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PayloadTooLarge);
    assert_eq!(err.to_wire().status, 413);
    // Even garbage is judged by its size first.
    let err = deserialize_json::<Wrapper>(&[0xff; 100], 10).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PayloadTooLarge);
    // Deep nesting stops at serde_json's recursion limit, as a 422.
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let err = deserialize_json::<serde_json::Value>(deep.as_bytes(), 1 << 20).unwrap_err();
    assert_eq!(err.fields()[0].code(), "invalid_json");
    assert!(err.fields()[0].field().starts_with("[0][0][0]"));
}

#[test]
fn positional_struct_form_carries_the_same_checks() {
    // serde's derived structs also read a JSON array of the fields in
    // declaration order. It carries the same types and the same
    // validation; extra elements are refused.
    let t = from_json_slice::<TargetCreate>(br#"["t","h1",22,"linux",1,null]"#, 4096);
    assert_eq!(
        t.map(|t| t.port.map(|p| p.get())).unwrap_err().fields()[0].code(),
        "invalid_type"
    );
    let t = from_json_slice::<TargetCreate>(br#"["t","h1",22,"linux",1]"#, 4096).unwrap();
    assert_eq!(t.port.map(|p| p.get()), Some(22));
    let err = from_json_slice::<TargetCreate>(br#"["t","h1",22,"linux",1,2,3]"#, 4096).unwrap_err();
    assert_eq!(pairs(err.fields()), [("", "invalid_type")]);
    let err = from_json_slice::<TargetCreate>(br#"["t","h_1",22,"linux",1]"#, 4096).unwrap_err();
    assert_eq!(pairs(err.fields()), [("host", "invalid_host")]);
}

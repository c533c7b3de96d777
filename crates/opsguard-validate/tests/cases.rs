//! Every real-world case of `cases/validate.json`, plus WEB-03 of
//! `cases/web.json` (JSON type confusion) as far as request types decide it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use opsguard_core::ErrorKind;
use opsguard_tests::{case, case_ids};
use opsguard_validate::types::{CredentialCreate, RegisterUser, TargetCreate, UserCreate};
use opsguard_validate::{
    Error, Host, Platform, Port, Username, check_email, deserialize_json, email, from_json_slice,
    host, normalize_username, username,
};
use serde::Deserialize;
use serde_json::{Value, json};

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

/// The single field error of a refused body, as `(field, code)`.
fn refused<T: serde::de::DeserializeOwned + validator::Validate>(body: &Value) -> (String, String) {
    let bytes = serde_json::to_vec(body).unwrap();
    let err = from_json_slice::<T>(&bytes, 64 * 1024)
        .err()
        .unwrap_or_else(|| panic!("accepted {body}"));
    assert_eq!(err.kind(), ErrorKind::Validation, "{body}");
    assert_eq!(err.fields().len(), 1, "{body}: {:?}", err.fields());
    let f = &err.fields()[0];
    (f.field().to_owned(), f.code().to_owned())
}

#[test]
fn every_case_of_validate_json_has_a_test() {
    let covered = ["VAL-01", "VAL-03", "VAL-04", "VAL-06", "VAL-08"];
    let mut ids = case_ids("validate.json");
    ids.sort();
    assert_eq!(ids, covered);
}

#[test]
fn val_01_email_policy_refuses_tld_less_and_ip_domains_accepts_idn() {
    let c = case("validate.json", "VAL-01");
    for value in strings(&c["input"]["crate_rejects"]) {
        let err = email(&value).expect_err(&value);
        assert_eq!(err.code, "invalid_email", "{value:?}");
    }
    // Our policy on what the validator crate accepts: TLD-less and
    // IP-literal domains are refused, ordinary and IDN addresses accepted.
    let expected: &[(&str, Result<(), Error>)] = &[
        ("abc@bar", Err(Error::EmailNoDot)),
        ("email@127.0.0.1", Err(Error::EmailIpDomain)),
        ("email@[127.0.0.1]", Err(Error::EmailIpDomain)),
        ("email@[::fffF:127.0.0.1]", Err(Error::EmailIpDomain)),
        ("test@domain.with.idn.tld.उदाहरण.परीक्षा", Ok(())),
        ("!def!xyz%abc@example.com", Ok(())),
    ];
    let accepts = strings(&c["input"]["crate_accepts"]);
    assert_eq!(accepts.len(), expected.len());
    for (value, want) in expected {
        assert!(
            accepts.iter().any(|a| a == value),
            "{value} not in the case"
        );
        assert_eq!(check_email(value), *want, "{value:?}");
    }
    // The same kind of fault in other spellings: fullwidth digits and the
    // ideographic full stop map to an IP domain under UTS 46.
    assert_eq!(check_email("a@127.0.0.１"), Err(Error::EmailIpDomain));
    assert_eq!(check_email("a@127。0。0。1"), Err(Error::EmailIpDomain));
    // ... and `。` is a label separator under UTS 46, so this is example.com.
    assert_eq!(check_email("a@example。com"), Ok(()));
    assert_eq!(check_email("a@localhost。"), Err(Error::EmailSyntax));
    assert_eq!(check_email("a@0x7f.1"), Err(Error::EmailIpDomain));
    // The reasons the case's rejects fail.
    assert_eq!(check_email("a@b.com\n"), Err(Error::EmailControl));
    assert_eq!(check_email("a\n@b.com"), Err(Error::EmailControl));
    assert_eq!(
        check_email("email@[127.0.0.256]"),
        Err(Error::EmailIpDomain)
    );
    assert_eq!(
        check_email("trailingdot@shouldfail.com."),
        Err(Error::EmailSyntax)
    );
    // Register and the admin's create apply the same rule.
    for value in ["abc@bar", "email@[127.0.0.1]"] {
        let body = json!({"username": "alice", "email": value, "password": "Tr0ub4dor&3x"});
        assert_eq!(
            refused::<RegisterUser>(&body),
            ("email".into(), "invalid_email".into())
        );
        assert_eq!(
            refused::<UserCreate>(&body),
            ("email".into(), "invalid_email".into())
        );
    }
}

#[test]
fn val_03_ipv4_only_in_strict_dotted_quad_form() {
    let c = case("validate.json", "VAL-03");
    for value in strings(&c["input"]["reject"]) {
        assert!(Host::parse(&value).is_err(), "{value:?} accepted");
        let err = host(&value).expect_err(&value);
        assert_eq!(err.code, "invalid_host", "{value:?}");
        let body = json!({"name": "t", "host": value, "platform": "linux", "credential_id": 1});
        assert_eq!(
            refused::<TargetCreate>(&body),
            ("host".into(), "invalid_host".into())
        );
    }
    for value in strings(&c["input"]["accept"]) {
        let parsed = Host::parse(&value).unwrap();
        assert_eq!(parsed.ip().map(|ip| ip.to_string()), Some(value.clone()));
    }
    // Leading zeros inside an IPv6 address's embedded IPv4 part too.
    for value in ["::ffff:127.0.0.01", "::ffff:0127.0.0.1", "::ffff:127.1"] {
        assert_eq!(Host::parse(value), Err(Error::HostSyntax), "{value:?}");
    }
}

#[test]
fn val_04_hostname_rules_follow_the_conformance_file() {
    let c = case("validate.json", "VAL-04");
    let cases = c["input"]["cases_from_file"].as_object().unwrap();
    assert_eq!(cases.len(), 18);
    for (label, value) in cases {
        let value = value.as_str().unwrap();
        let result = Host::parse(value);
        if label.starts_with("valid/") {
            assert_eq!(result, Ok(Host::Name(value.to_owned())), "{label}");
        } else {
            assert!(label.starts_with("invalid/"), "{label}");
            assert!(result.is_err(), "{label}: {value:?} accepted");
        }
    }
    // The exact reasons, so a length bug cannot hide behind a syntax error.
    let reason = |label: &str| Host::parse(cases[label].as_str().unwrap()).err();
    assert_eq!(
        reason("invalid/name_254_characters"),
        Some(Error::HostLength)
    );
    assert_eq!(
        reason("invalid/first_label_64_characters"),
        Some(Error::HostLabelLength)
    );
    assert_eq!(
        reason("invalid/last_label_64_characters"),
        Some(Error::HostLabelLength)
    );
    assert_eq!(
        reason("invalid/empty_interior_label"),
        Some(Error::HostLabelLength)
    );
    assert_eq!(reason("invalid/underscore"), Some(Error::HostSyntax));
    assert_eq!(
        reason("invalid/internationalized_domain_name"),
        Some(Error::HostSyntax)
    );
    assert_eq!(
        reason("invalid/last_label_must_not_be_all_digits"),
        Some(Error::HostSyntax)
    );
    // Extras: punycode A-label, single label, single 63-character label.
    let extra = c["input"]["extra"].as_object().unwrap();
    assert_eq!(extra.len(), 3);
    for value in extra.keys() {
        assert_eq!(Host::parse(value), Ok(Host::Name(value.clone())), "{value}");
    }
}

#[test]
fn val_06_username_is_ascii_alphanumeric_and_unique_case_insensitively() {
    let c = case("validate.json", "VAL-06");
    for value in strings(&c["input"]["reject_if_ascii_policy"]) {
        let err = username(&value).expect_err(&value);
        assert_eq!(err.code, "invalid_username", "{value:?}");
        let body = json!({"username": value, "email": "a@example.com", "password": "Tr0ub4dor&3x"});
        assert_eq!(
            refused::<RegisterUser>(&body),
            ("username".into(), "invalid_username".into())
        );
    }
    // `ab\u{301}` is refused for its characters whatever the length unit.
    assert_eq!(Username::parse("ab\u{301}"), Err(Error::UsernameCharacters));
    assert_eq!(Username::parse("ad"), Err(Error::UsernameLength));
    for value in strings(&c["input"]["accept"]) {
        assert_eq!(Username::parse(&value).unwrap().as_str(), value);
    }
    let pair = strings(&c["input"]["uniqueness_pair"]);
    assert_eq!(
        normalize_username(&pair[0]).unwrap(),
        normalize_username(&pair[1]).unwrap()
    );
    // Unicode look-alikes never reach normalisation.
    for lookalike in ["аdmin", "ᴬᴰᴹᴵᴺ", "ａｄｍｉｎ", "admın"] {
        assert_eq!(
            normalize_username(lookalike),
            Err(Error::UsernameCharacters)
        );
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PortOnly {
    #[allow(dead_code)]
    port: Port,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlatformOnly {
    #[allow(dead_code)]
    platform: Platform,
}

#[test]
fn val_08_port_is_a_json_number_in_range_and_platform_an_exact_name() {
    let c = case("validate.json", "VAL-08");
    let ports = c["input"]["port"].as_array().unwrap();
    assert_eq!(ports.len(), 17);
    for value in ports {
        let body = serde_json::to_vec(&json!({ "port": value })).unwrap();
        let result = deserialize_json::<PortOnly>(&body, 1024);
        let accepted = matches!(value, Value::Number(n) if n.as_u64().is_some_and(|p| (1..=65535).contains(&p)));
        match result {
            Ok(p) => {
                assert!(accepted, "{value} accepted");
                assert_eq!(Some(u64::from(p.port.get())), value.as_u64());
            }
            Err(err) => {
                assert!(!accepted, "{value} refused");
                let f = &err.fields()[0];
                assert_eq!(f.field(), "port");
                // Strings, booleans and null are the wrong type; 0, 65536
                // are the right type with a refused value.
                let code = if value.is_number() {
                    "invalid_value"
                } else {
                    "invalid_type"
                };
                assert_eq!(f.code(), code, "{value}");
                assert_eq!(
                    f.message(),
                    format!(
                        "{}, expected a port number from 1 to 65535",
                        if value.is_number() {
                            "invalid value"
                        } else {
                            "wrong JSON type"
                        }
                    )
                );
            }
        }
    }
    // Exactly 22 and 65535 (as numbers) were accepted.
    let accepted: Vec<u16> = ports
        .iter()
        .filter_map(|v| {
            let body = serde_json::to_vec(&json!({ "port": v })).unwrap();
            deserialize_json::<PortOnly>(&body, 1024)
                .ok()
                .map(|p| p.port.get())
        })
        .collect();
    assert_eq!(accepted, [22]);

    let platforms = c["input"]["platform"].as_array().unwrap();
    assert_eq!(platforms.len(), 12);
    for value in platforms {
        let body = serde_json::to_vec(&json!({ "platform": value })).unwrap();
        let result = deserialize_json::<PlatformOnly>(&body, 1024);
        match value.as_str() {
            Some("linux") => assert_eq!(result.unwrap().platform, Platform::Linux),
            Some("windows") => assert_eq!(result.unwrap().platform, Platform::Windows),
            _ => {
                let err = result.expect_err(&value.to_string());
                let f = &err.fields()[0];
                assert_eq!(f.field(), "platform");
                let code = if value.is_string() {
                    "invalid_value"
                } else {
                    "invalid_type"
                };
                assert_eq!(f.code(), code, "{value}");
                // The message names what is expected, never the value.
                if value.is_string() {
                    assert_eq!(f.message(), "invalid value, expected `linux` or `windows`");
                }
            }
        }
    }
}

/// `PATCH /api/users/{id}` as a strict type: a flag is a JSON boolean, a
/// role one of a closed set. (The real type belongs to the service; roles
/// belong to opsguard-rbac. The pattern is what is tested here.)
#[derive(Debug, Deserialize, validator::Validate)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct UserUpdate {
    #[serde(default, deserialize_with = "opsguard_validate::non_null")]
    is_admin: Option<bool>,
    #[serde(default, deserialize_with = "opsguard_validate::non_null")]
    role: Option<Role>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Role {
    Admin,
    User,
}

#[test]
fn web_03_type_confusion_is_refused_by_strict_types() {
    let c = case("web.json", "WEB-03");
    let bodies = c["input"]["admin_token_PATCH_/api/users/2"]
        .as_array()
        .unwrap();
    let expected = [
        ("is_admin", "invalid_type"), // "true"
        ("is_admin", "invalid_type"), // "false": never true, and not false either
        ("is_admin", "invalid_type"), // 1
        ("is_admin", "invalid_type"), // 0
        ("is_admin", "invalid_type"), // null
        ("role", "invalid_type"),     // ["admin"]
        ("role", "invalid_value"),    // "Admin"
        ("role", "invalid_value"),    // "admin "
    ];
    assert_eq!(bodies.len(), expected.len());
    for (body, (field, code)) in bodies.iter().zip(expected) {
        assert_eq!(
            refused::<UserUpdate>(body),
            (field.to_owned(), code.to_owned()),
            "{body}"
        );
    }
    // The strict type still takes the honest spellings.
    let ok: UserUpdate = from_json_slice(br#"{"is_admin":false,"role":"admin"}"#, 1024).unwrap();
    assert_eq!(ok.is_admin, Some(false));
    assert!(matches!(ok.role, Some(Role::Admin)));

    // Credential-like bodies: typed fields on a target, and members a
    // credential does not have.
    let target = |extra: Value| {
        let mut body = json!({"name": "t", "host": "h1", "platform": "linux", "credential_id": 1});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };
    let fields = c["input"]["credential_body_fields"].as_array().unwrap();
    let on_target = [
        ("port", "invalid_type"),     // "22"
        ("port", "invalid_type"),     // 22.5
        ("platform", "invalid_type"), // 1
        ("user_id", "unknown_field"), // "2"
    ];
    assert_eq!(fields.len(), on_target.len());
    for (extra, (field, code)) in fields.iter().zip(on_target) {
        assert_eq!(
            refused::<TargetCreate>(&target(extra.clone())),
            (field.to_owned(), code.to_owned())
        );
        // A credential has none of these members.
        let mut cred = json!({"name": "c", "username": "root", "password": "pw"});
        cred.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        assert_eq!(
            refused::<CredentialCreate>(&cred),
            (field.to_owned(), "unknown_field".to_owned())
        );
    }
    // Self-registration cannot carry a privilege at all.
    for extra in [
        json!({"is_admin": true}),
        json!({"is_admin": "false"}),
        json!({"role": "admin"}),
    ] {
        let mut body =
            json!({"username": "mallory", "email": "m@example.com", "password": "Tr0ub4dor&3x"});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let field = extra.as_object().unwrap().keys().next().unwrap().clone();
        assert_eq!(
            refused::<RegisterUser>(&body),
            (field, "unknown_field".to_owned())
        );
    }
}

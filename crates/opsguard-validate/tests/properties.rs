//! Properties over arbitrary input: no validator panics, and what `host`
//! accepts is exactly an IP address or a grammatical host name, checked
//! against an independent oracle (the `regex` crate, linear-time).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::net::{IpAddr, Ipv4Addr};
use std::sync::LazyLock;

use opsguard_validate::types::{JobCreate, TargetCreate, UserCreate};
use opsguard_validate::{
    Host, HostPolicy, Port, Username, check_email, check_name, email, from_json_slice, host, name,
    port, public_host, username,
};
use proptest::prelude::*;
use regex::Regex;

/// RFC 1123 host name, written as a regular expression for the oracle.
static HOST_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$",
    )
    .unwrap()
});

fn oracle_accepts(s: &str) -> bool {
    if let Ok(v4) = s.parse::<Ipv4Addr>() {
        return v4.to_string() == s;
    }
    if s.contains(':') {
        return s.parse::<std::net::Ipv6Addr>().is_ok();
    }
    let name = s.strip_suffix('.').unwrap_or(s);
    let last_all_digits = name
        .rsplit('.')
        .next()
        .is_some_and(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_digit()));
    HOST_NAME.is_match(s) && name.len() <= 253 && !last_all_digits
}

/// Strings close to the host grammar, where the bugs would be.
fn hostish() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9.:-]{0,20}",
        "([a-z0-9-]{0,64}\\.){0,5}[a-z0-9-]{0,64}\\.?",
        "[0-9]{1,4}(\\.[0-9]{1,4}){0,4}\\.?",
        "[0-9a-fA-F:.]{0,45}",
        any::<String>(),
    ]
}

fn all_validators(s: &str) {
    let _ = username(s);
    let _ = email(s);
    let _ = host(s);
    let _ = public_host(s);
    let _ = name(s);
    let _ = Username::parse(s);
    let _ = Host::parse(s);
    let _ = check_email(s);
    let _ = check_name(s);
    let _ = HostPolicy::public_only().check(s);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn no_validator_panics(s in any::<String>()) {
        all_validators(&s);
    }

    #[test]
    fn host_accepts_exactly_ips_and_host_names(s in hostish()) {
        let ours = Host::parse(&s);
        prop_assert_eq!(ours.is_ok(), oracle_accepts(&s), "{:?}", s);
        match ours {
            Ok(Host::Ip(ip)) => {
                prop_assert_eq!(Ok(ip), s.parse::<IpAddr>());
            }
            Ok(Host::Name(n)) => {
                prop_assert_eq!(&n, &s);
                prop_assert!(HOST_NAME.is_match(&n));
            }
            Ok(_) => prop_assert!(false, "unknown host kind"),
            Err(_) => {}
        }
    }

    #[test]
    fn every_ipv4_address_round_trips(octets in any::<[u8; 4]>()) {
        let ip = Ipv4Addr::from(octets);
        let text = ip.to_string();
        prop_assert_eq!(Host::parse(&text), Ok(Host::Ip(IpAddr::V4(ip))));
        // With one leading zero it is refused.
        let padded = format!("0{text}");
        prop_assert!(Host::parse(&padded).is_err());
    }

    #[test]
    fn accepted_usernames_are_short_ascii_alphanumerics(s in "[A-Za-z0-9_ä-]{0,40}") {
        let ok = Username::parse(&s).is_ok();
        let expected = (3..=32).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric());
        prop_assert_eq!(ok, expected);
        if ok {
            prop_assert_eq!(opsguard_validate::normalize_username(&s).unwrap(), s.to_ascii_lowercase());
        }
    }

    #[test]
    fn accepted_names_and_emails_respect_their_bounds(s in any::<String>()) {
        if check_name(&s).is_ok() {
            prop_assert!((1..=255).contains(&s.chars().count()));
            prop_assert!(!s.chars().any(char::is_control));
        }
        if check_email(&s).is_ok() {
            prop_assert!(s.len() <= 254);
            prop_assert!(!s.chars().any(char::is_control));
        }
    }

    #[test]
    fn port_round_trips_through_json(n in any::<u16>()) {
        let parsed = serde_json::from_str::<Port>(&n.to_string());
        prop_assert_eq!(parsed.is_ok(), n != 0);
        prop_assert_eq!(port(n).is_ok(), n != 0);
        if let Ok(p) = parsed {
            prop_assert_eq!(serde_json::to_string(&p).unwrap(), n.to_string());
        }
    }

    #[test]
    fn arbitrary_bodies_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = from_json_slice::<TargetCreate>(&bytes, 1024);
        let _ = from_json_slice::<UserCreate>(&bytes, 1024);
        let _ = from_json_slice::<JobCreate>(&bytes, 1024);
    }

    #[test]
    fn arbitrary_json_values_never_panic(value in arb_json()) {
        let bytes = serde_json::to_vec(&value).unwrap();
        for result in [
            from_json_slice::<TargetCreate>(&bytes, 1 << 16).err(),
            from_json_slice::<JobCreate>(&bytes, 1 << 16).err(),
        ]
        .into_iter()
        .flatten()
        {
            prop_assert!(!result.fields().is_empty());
        }
    }
}

fn arb_json() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        prop_oneof![
            Just("linux".to_owned()),
            Just("windows".to_owned()),
            "[a-z0-9._-]{0,12}",
            any::<String>(),
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        let key = prop_oneof![
            Just("name".to_owned()),
            Just("host".to_owned()),
            Just("port".to_owned()),
            Just("platform".to_owned()),
            Just("credential_id".to_owned()),
            Just("group_id".to_owned()),
            Just("target_ids".to_owned()),
            Just("steps".to_owned()),
            Just("command".to_owned()),
            "[a-z_]{1,8}",
        ];
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map(key, inner, 0..7)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

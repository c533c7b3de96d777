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
    AddressClass, Host, HostPolicy, Port, Username, check_email, check_name, email,
    from_json_slice, host, name, port, public_host, username,
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
    let last = name.rsplit('.').next().unwrap_or(name);
    HOST_NAME.is_match(s) && name.len() <= 253 && !NUMBER.is_match(last)
}

/// The WHATWG URL Standard's IPv4 number, as the oracle's regex: what a last
/// label must not be.
static NUMBER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?:[0-9]+|0[xX][0-9A-Fa-f]*)$").unwrap());

/// A reference `inet_aton` (glibc's): one to four parts separated by dots,
/// each decimal, octal (leading `0`) or hex (`0x` and at least one digit),
/// the last part filling the remaining bytes; anything after white space is
/// ignored. Written from the man page, independently of the crate's
/// scanner, and compared with glibc 2.36's own `inet_aton` on two million
/// random strings of digits, hex letters, `x`, dots and blanks (no
/// difference) when it was written.
fn inet_aton(s: &str) -> Option<Ipv4Addr> {
    let end = s.find(|c: char| c.is_ascii_whitespace()).unwrap_or(s.len());
    let s = &s[..end];
    let mut parts = Vec::new();
    for part in s.split('.') {
        let (digits, radix) =
            if let Some(hex) = part.strip_prefix("0x").or_else(|| part.strip_prefix("0X")) {
                (hex, 16)
            } else if part.len() > 1 && part.starts_with('0') {
                (&part[1..], 8)
            } else {
                (part, 10)
            };
        if part.is_empty()
            || (radix == 16 && digits.is_empty())
            || !digits.chars().all(|c| c.is_digit(radix))
        {
            return None;
        }
        let value = if digits.is_empty() {
            0
        } else {
            u64::from_str_radix(digits, radix).ok()?
        };
        parts.push(value);
    }
    let (last, init) = parts.split_last()?;
    if init.len() > 3 || init.iter().any(|&p| p > 255) {
        return None;
    }
    let room = 8 * (4 - init.len() as u32);
    if room < 64 && *last >= 1u64 << room {
        return None;
    }
    let high = init.iter().fold(0u64, |acc, &p| (acc << 8) | p) << room;
    u32::try_from(high | last).ok().map(Ipv4Addr::from)
}

/// Strings `inet_aton` may read, in every base and length.
fn numeric_host() -> impl Strategy<Value = String> {
    let part = prop_oneof![
        "[0-9]{1,4}",
        "0[0-7]{1,4}",
        "0[xX][0-9a-fA-F]{0,8}",
        any::<u32>().prop_map(|n| n.to_string()),
        any::<u32>().prop_map(|n| format!("0x{n:x}")),
        any::<u8>().prop_map(|n| n.to_string()),
    ];
    (
        proptest::collection::vec(part, 1..=5),
        prop_oneof![Just(""), Just(".")],
    )
        .prop_map(|(parts, dot)| format!("{}{dot}", parts.join(".")))
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
    fn nothing_inet_aton_reads_as_another_address_passes(s in prop_oneof![numeric_host(), hostish()]) {
        // Whatever glibc would connect to without asking DNS, `host` either
        // refuses or accepts as exactly that address in canonical form.
        if let Some(addr) = inet_aton(&s) {
            match Host::parse(&s) {
                Err(_) => {}
                Ok(Host::Ip(ip)) => {
                    prop_assert_eq!(ip, IpAddr::V4(addr), "{:?}", s);
                    prop_assert_eq!(addr.to_string(), s.clone());
                }
                Ok(other) => prop_assert!(false, "{:?} accepted as {:?}, inet_aton reads {}", s, other, addr),
            }
        }
        if let Some(addr) = inet_aton(&s) {
            let public = addr.to_string() == s && AddressClass::of(IpAddr::V4(addr)).is_none();
            prop_assert_eq!(public_host(&s).is_ok(), public, "{:?}", s);
        }
    }

    #[test]
    fn accepted_email_domains_are_host_names_in_ascii_form(
        local in "[a-z0-9.+-]{1,8}",
        domain in prop_oneof![
            "[a-z0-9.\\[\\]:, \"<>_-]{0,24}",
            "[a-z0-9\u{FF0E}\u{3002}\u{FF3B}\u{FF3D}\u{AD}\u{200B}\u{A0}\u{FF10}-\u{FF19}.-]{0,24}",
            any::<String>(),
        ],
    ) {
        let address = format!("{local}@{domain}");
        if check_email(&address).is_ok() {
            let ascii = idna::domain_to_ascii(&domain).unwrap();
            prop_assert!(HOST_NAME.is_match(&ascii), "{:?} -> {:?}", address, ascii);
            prop_assert!(!ascii.ends_with('.') && ascii.contains('.'));
            let last = ascii.rsplit('.').next().unwrap();
            prop_assert!(!NUMBER.is_match(last), "{:?}", address);
            prop_assert!(local.len() + 1 + ascii.len() <= 254);
            let normal = opsguard_validate::normalize_email(&address).unwrap();
            prop_assert_eq!(normal, format!("{local}@{ascii}"));
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

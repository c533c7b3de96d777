//! The SSRF guard: address classes, embedded IPv4 in IPv6, and `localhost`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::net::IpAddr;

use opsguard_validate::{AddressClass, Error, Host, HostPolicy, public_host};

fn class(s: &str) -> Option<AddressClass> {
    AddressClass::of(s.parse::<IpAddr>().unwrap())
}

#[test]
fn address_classes() {
    use AddressClass::*;
    let rows: &[(&str, Option<AddressClass>)] = &[
        ("0.0.0.0", Some(Unspecified)),
        ("0.1.2.3", Some(Unspecified)),
        ("::", Some(Unspecified)),
        ("127.0.0.1", Some(Loopback)),
        ("127.255.255.254", Some(Loopback)),
        ("::1", Some(Loopback)),
        ("10.0.0.1", Some(Private)),
        ("172.16.0.1", Some(Private)),
        ("172.31.255.255", Some(Private)),
        ("192.168.1.1", Some(Private)),
        ("100.64.0.1", Some(Private)),
        ("100.127.255.255", Some(Private)),
        ("fc00::1", Some(Private)),
        ("fd12:3456::1", Some(Private)),
        ("fec0::1", Some(Private)),
        ("64:ff9b:1::1", Some(Private)),
        ("169.254.169.254", Some(LinkLocal)),
        ("fe80::1", Some(LinkLocal)),
        ("febf::1", Some(LinkLocal)),
        ("224.0.0.1", Some(Multicast)),
        ("239.255.255.250", Some(Multicast)),
        ("ff02::1", Some(Multicast)),
        ("255.255.255.255", Some(Reserved)),
        ("240.0.0.1", Some(Reserved)),
        ("192.0.0.8", Some(Reserved)),
        ("192.0.2.1", Some(Reserved)),
        ("198.18.0.1", Some(Reserved)),
        ("198.19.255.255", Some(Reserved)),
        ("198.51.100.7", Some(Reserved)),
        ("203.0.113.9", Some(Reserved)),
        ("192.88.99.1", Some(Reserved)),
        ("2001:db8::1", Some(Reserved)),
        ("3fff::1", Some(Reserved)),
        ("100::1", Some(Reserved)),
        ("5f00::1", Some(Reserved)),
        ("2001::1", Some(Reserved)),
        // IPv4-compatible: the embedded address's class, else reserved.
        ("::127.0.0.1", Some(Loopback)),
        ("::8.8.8.8", Some(Reserved)),
        // Embedded IPv4 is judged as IPv4.
        ("::ffff:127.0.0.1", Some(Loopback)),
        ("::ffff:10.1.2.3", Some(Private)),
        ("::ffff:169.254.169.254", Some(LinkLocal)),
        ("64:ff9b::a9fe:a9fe", Some(LinkLocal)),
        ("64:ff9b::7f00:1", Some(Loopback)),
        ("2002:a9fe:a9fe::1", Some(LinkLocal)),
        ("2002:0a00:0001::", Some(Private)),
        // Global unicast.
        ("1.1.1.1", None),
        ("8.8.8.8", None),
        ("172.15.255.255", None),
        ("172.32.0.0", None),
        ("100.63.255.255", None),
        ("100.128.0.0", None),
        ("169.253.0.1", None),
        ("198.17.255.255", None),
        ("223.255.255.255", None),
        ("2606:4700:4700::1111", None),
        ("2a00:1450::1", None),
        ("::ffff:8.8.8.8", None),
        ("64:ff9b::808:808", None),
        ("2002:808:808::1", None),
        ("2001:200::1", None),
    ];
    for (ip, want) in rows {
        assert_eq!(class(ip), *want, "{ip}");
    }
}

#[test]
fn policies_refuse_what_they_deny_and_nothing_else() {
    let all = HostPolicy::allow_all();
    let public = HostPolicy::public_only();
    for c in AddressClass::ALL {
        assert!(!all.is_denied(c));
        assert!(public.is_denied(c));
        assert!(!public.with_allowed(c).is_denied(c));
        assert!(all.with_denied(c).is_denied(c));
        // Other classes are untouched.
        for other in AddressClass::ALL.into_iter().filter(|o| *o != c) {
            assert!(public.with_allowed(c).is_denied(other));
            assert!(!all.with_denied(c).is_denied(other));
        }
    }
    for value in ["127.0.0.1", "10.0.0.1", "::1", "localhost", "db.internal"] {
        assert!(all.check(value).is_ok(), "{value}");
    }
    let private_ok = public.with_allowed(AddressClass::Private);
    assert_eq!(
        private_ok.check("10.0.0.5"),
        Ok(Host::Ip("10.0.0.5".parse().unwrap()))
    );
    assert_eq!(
        private_ok.check("::ffff:127.0.0.1"),
        Err(Error::HostForbidden(AddressClass::Loopback))
    );
    // Malformed input is a syntax error before it is a policy question.
    assert_eq!(public.check("0177.0.0.1"), Err(Error::HostSyntax));
}

#[test]
fn localhost_names_count_as_loopback() {
    let public = HostPolicy::public_only();
    for name in [
        "localhost",
        "LOCALHOST",
        "localhost.",
        "app.localhost",
        "a.b.LocalHost.",
    ] {
        assert_eq!(
            public.check(name),
            Err(Error::HostForbidden(AddressClass::Loopback)),
            "{name}"
        );
    }
    for name in ["localhost.example.com", "notlocalhost", "mylocalhost.com"] {
        assert!(public.check(name).is_ok(), "{name}");
    }
    assert!(
        public
            .with_allowed(AddressClass::Loopback)
            .check("localhost")
            .is_ok()
    );
}

#[test]
fn public_host_validator_codes_and_messages() {
    let err = public_host("169.254.169.254").unwrap_err();
    assert_eq!(err.code, "forbidden_host");
    assert_eq!(
        err.message.as_deref(),
        Some("must not be a link-local address")
    );
    assert_eq!(
        Error::HostForbidden(AddressClass::Unspecified).to_string(),
        "host must not be an unspecified address"
    );
    assert_eq!(public_host("bad_host").unwrap_err().code, "invalid_host");
    assert!(public_host("example.com").is_ok());
    assert!(public_host("2606:4700:4700::1111").is_ok());
}

#[test]
fn check_ip_is_the_connect_time_check() {
    let public = HostPolicy::public_only();
    // A name passes as a literal; what it resolves to is checked again.
    assert!(public.check("metadata.example").is_ok());
    let resolved: IpAddr = "169.254.169.254".parse().unwrap();
    assert_eq!(
        public.check_ip(resolved),
        Err(Error::HostForbidden(AddressClass::LinkLocal))
    );
    assert_eq!(public.check_ip("93.184.215.14".parse().unwrap()), Ok(()));
}

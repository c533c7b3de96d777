//! Client-address resolution: the socket peer, and `X-Forwarded-For` only
//! behind the proxies named in the configuration.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::net::IpAddr;

use opsguard_auth::{AuthError, ClientIpResolver};
use proptest::prelude::*;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn behind_proxies() -> ClientIpResolver {
    ClientIpResolver::builder()
        .with_trusted_proxies(["10.0.0.0/8", "2001:db8:ffff::/48", "192.0.2.10"])
        .build()
        .unwrap()
}

#[test]
fn table() {
    // (name, peer, X-Forwarded-For values, expected client)
    let cases: &[(&str, &str, &[&str], &str)] = &[
        (
            "no header, untrusted peer",
            "203.0.113.5",
            &[],
            "203.0.113.5",
        ),
        ("no header, trusted peer", "10.0.0.1", &[], "10.0.0.1"),
        ("one hop", "10.0.0.1", &["198.51.100.7"], "198.51.100.7"),
        (
            "rightmost untrusted wins over client-written entries",
            "10.0.0.1",
            &["1.1.1.1, 198.51.100.7"],
            "198.51.100.7",
        ),
        (
            "trusted hops are skipped",
            "10.0.0.1",
            &["198.51.100.7, 10.2.2.2, 10.3.3.3"],
            "198.51.100.7",
        ),
        (
            "several header lines are one list, in order",
            "10.0.0.1",
            &["1.1.1.1", "198.51.100.7, 10.2.2.2"],
            "198.51.100.7",
        ),
        (
            "all trusted: the leftmost",
            "10.0.0.1",
            &["10.9.9.9, 192.0.2.10"],
            "10.9.9.9",
        ),
        (
            "malformed entry stops the walk at the last trusted hop",
            "10.0.0.1",
            &["198.51.100.7, garbage, 10.2.2.2"],
            "10.2.2.2",
        ),
        (
            "malformed rightmost entry: the peer",
            "10.0.0.1",
            &["198.51.100.7, unknown"],
            "10.0.0.1",
        ),
        (
            "an address with a port",
            "10.0.0.1",
            &["198.51.100.7:4711"],
            "198.51.100.7",
        ),
        (
            "bracketed IPv6 with a port",
            "10.0.0.1",
            &["[2001:db8:1::7]:443"],
            "2001:db8:1::7",
        ),
        (
            "IPv6 proxy network",
            "2001:db8:ffff::1",
            &["2001:db8:1::7, 2001:db8:ffff:1::2"],
            "2001:db8:1::7",
        ),
        (
            "IPv4-mapped peer matches an IPv4 network",
            "::ffff:10.0.0.1",
            &["198.51.100.7"],
            "198.51.100.7",
        ),
        (
            "IPv4-mapped entry is returned as IPv4",
            "10.0.0.1",
            &["::ffff:198.51.100.7"],
            "198.51.100.7",
        ),
        (
            "empty list elements are skipped",
            "10.0.0.1",
            &["198.51.100.7,, ,10.2.2.2"],
            "198.51.100.7",
        ),
        ("empty header value", "10.0.0.1", &[""], "10.0.0.1"),
        (
            "a single trusted address (no prefix) is trusted",
            "192.0.2.10",
            &["198.51.100.7"],
            "198.51.100.7",
        ),
        (
            "the neighbour of a trusted single address is not",
            "192.0.2.11",
            &["198.51.100.7"],
            "192.0.2.11",
        ),
    ];
    let resolver = behind_proxies();
    for (name, peer, xff, expected) in cases {
        assert_eq!(
            resolver.resolve(ip(peer), xff.iter().copied()),
            ip(expected),
            "{name}"
        );
    }
}

#[test]
fn spoofed_header_from_untrusted_peer_is_ignored() {
    let attacker = ip("203.0.113.66");
    for resolver in [ClientIpResolver::new(), behind_proxies()] {
        for spoof in [
            "127.0.0.1",
            "10.0.0.1",
            "198.51.100.7",
            "::1",
            "1.1.1.1, 2.2.2.2",
            "garbage",
        ] {
            assert_eq!(resolver.resolve(attacker, [spoof]), attacker, "{spoof}");
        }
    }
}

#[test]
fn default_trusts_no_proxy() {
    let resolver = ClientIpResolver::new();
    let loopback = ip("127.0.0.1");
    assert!(!resolver.is_trusted(loopback));
    assert_eq!(resolver.resolve(loopback, ["198.51.100.7"]), loopback);
}

#[test]
fn header_values_as_bytes_and_non_text_stops_the_walk() {
    let resolver = behind_proxies();
    let values: [&[u8]; 2] = [b"198.51.100.7", b"\xff\xfe, 10.2.2.2"];
    assert_eq!(resolver.resolve(ip("10.0.0.1"), values), ip("10.2.2.2"));
}

#[test]
fn invalid_trusted_proxy_names_its_position() {
    let err = ClientIpResolver::builder()
        .with_trusted_proxy("10.0.0.0/8")
        .with_trusted_proxy("10.0.0.0/33")
        .build()
        .unwrap_err();
    assert!(matches!(
        err,
        AuthError::InvalidTrustedProxy { position: 1 }
    ));
    assert_eq!(
        err.to_string(),
        "trusted proxy entry 1 is not an ip address or cidr network"
    );
    let core = opsguard_core::Error::from(err);
    assert_eq!(core.kind(), opsguard_core::ErrorKind::Internal);
}

/// Trusting `0.0.0.0/0` or `::/0` would let every client write
/// `X-Forwarded-For`: networks broader than /8 (IPv4) or /16 (IPv6, outside
/// the private ranges) are refused.
#[test]
fn too_broad_trusted_networks_are_refused() {
    for (entries, position) in [
        (&["0.0.0.0/0"][..], 0),
        (&["10.0.0.0/8", "::/0"][..], 1),
        (&["192.0.2.10", "10.0.0.0/8", "::ffff:0.0.0.0/96"][..], 2),
        (&["2000::/3"][..], 0),
        (&["0.0.0.0/7"][..], 0),
    ] {
        let err = ClientIpResolver::builder()
            .with_trusted_proxies(entries.iter().copied())
            .build()
            .unwrap_err();
        assert!(
            matches!(err, AuthError::TrustedProxyTooBroad { position: p } if p == position),
            "{entries:?}: {err:?}"
        );
        assert_eq!(
            err.to_string(),
            format!("trusted proxy entry {position} is too broad a network to trust")
        );
    }
    assert_eq!(opsguard_auth::MIN_TRUSTED_PREFIX_V4, 8);
    assert_eq!(opsguard_auth::MIN_TRUSTED_PREFIX_V6, 16);
    // The narrowest refused are just below the limits; private IPv6 ranges
    // may be trusted whole.
    let resolver = ClientIpResolver::builder()
        .with_trusted_proxies(["10.0.0.0/8", "2001:db8::/16", "fc00::/7", "fe80::/10"])
        .build()
        .unwrap();
    assert!(resolver.is_trusted(ip("fd12::1")));
    assert!(!resolver.is_trusted(ip("11.0.0.1")));
}

proptest! {
    #[test]
    fn arbitrary_header_never_panics_and_untrusted_peer_wins(
        values in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..64), 0..4),
        octets in any::<[u8; 4]>(),
    ) {
        let resolver = behind_proxies();
        let _ = resolver.resolve(ip("10.0.0.1"), values.iter());
        let peer = IpAddr::from(octets);
        if !resolver.is_trusted(peer) {
            prop_assert_eq!(resolver.resolve(peer, values.iter()), peer);
        }
    }

    #[test]
    fn answer_is_never_left_of_garbage(
        left in any::<[u8; 4]>(),
    ) {
        let resolver = behind_proxies();
        let header = format!("{}, not-an-ip, 10.2.2.2", IpAddr::from(left));
        prop_assert_eq!(resolver.resolve(ip("10.0.0.1"), [header.as_str()]), ip("10.2.2.2"));
    }
}

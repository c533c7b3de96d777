//! The checks of opsguard-auth's fuzz targets.

use std::net::IpAddr;

use opsguard_auth::{ClientIpResolver, MAX_TOKEN_LEN, parse_authorization};

/// Splits fuzz input into header values at `\n` (at most 4 values).
fn values(data: &[u8]) -> Vec<&[u8]> {
    data.split(|b| *b == b'\n').take(4).collect()
}

/// Any `Authorization` header values either are refused, or give one
/// RFC 6750 `b64token` of at most 8 KiB that is the tail of the only value,
/// after a case-insensitive `Bearer` and spaces.
pub fn auth_authorization(data: &[u8]) {
    let values = values(data);
    let Ok(token) = parse_authorization(values.iter().copied()) else {
        return;
    };
    let token = token.expose_secret().as_bytes();
    assert_eq!(values.len(), 1, "a token was taken from several headers");
    let value = values.first().copied().unwrap_or_default();
    assert!(
        !token.is_empty() && token.len() <= MAX_TOKEN_LEN,
        "token length"
    );
    assert!(value.ends_with(token), "token is not the end of the header");
    let head = value.get(..value.len() - token.len()).unwrap_or_default();
    let scheme = head.get(..6).unwrap_or_default();
    assert!(
        scheme.eq_ignore_ascii_case(b"bearer"),
        "scheme is not bearer"
    );
    let gap = head.get(6..).unwrap_or_default();
    assert!(
        !gap.is_empty() && gap.iter().all(|b| *b == b' '),
        "separator is not spaces"
    );
    let body = token.iter().take_while(|b| **b != b'=').count();
    assert!(body > 0, "token is only padding");
    assert!(
        token
            .iter()
            .take(body)
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(b)),
        "token has a character outside b64token"
    );
    assert!(
        token.iter().skip(body).all(|b| *b == b'='),
        "padding is not at the end"
    );
}

/// Any `X-Forwarded-For` values resolve without panicking; from an
/// untrusted peer the answer is the peer; from a trusted one it is the peer
/// or an address written in the header.
pub fn auth_forwarded_for(data: &[u8]) {
    let resolver = ClientIpResolver::builder()
        .with_trusted_proxies(["10.0.0.0/8", "2001:db8::/32"])
        .build()
        .unwrap_or_else(|e| panic!("resolver config: {e}"));
    let values = values(data);
    let untrusted: IpAddr = IpAddr::from([203, 0, 113, 1]);
    assert_eq!(
        resolver.resolve(untrusted, values.iter().copied()),
        untrusted
    );
    let proxy: IpAddr = IpAddr::from([10, 0, 0, 1]);
    let answer = resolver.resolve(proxy, values.iter().copied());
    if answer != proxy {
        let text = String::from_utf8_lossy(data);
        let appears = text
            .split([',', '\n'])
            .filter_map(|entry| {
                let entry = entry.trim_matches([' ', '\t']);
                entry
                    .parse::<IpAddr>()
                    .or_else(|_| entry.parse::<std::net::SocketAddr>().map(|s| s.ip()))
                    .ok()
            })
            .any(|ip| ip.to_canonical() == answer);
        assert!(
            appears,
            "answer {answer} is neither the peer nor in the header"
        );
    }
}

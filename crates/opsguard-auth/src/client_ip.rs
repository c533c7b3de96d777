//! The client's address, from the socket peer and, only behind proxies you
//! name, from `X-Forwarded-For`.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};

use ipnet::{IpNet, Ipv6Net};

use crate::AuthError;

/// Finds the address of the client that sent a request.
///
/// The socket peer is the client unless the peer is one of the trusted
/// proxies given to the builder. Only then is `X-Forwarded-For` read, from
/// right to left (the rightmost entry was appended by the proxy nearest to
/// you): trusted entries are skipped and the first untrusted one is the
/// client. The header is never trusted by default, because any client can
/// send it.
///
/// * A malformed entry stops the walk: the answer is the last trusted hop
///   reached, never an address written to the left of the garbage (which the
///   client, not a proxy, may have written).
/// * When every entry is trusted, the leftmost one is the answer.
/// * Empty list elements (`a,,b`) are skipped, as RFC 9110 §5.6.1 asks of
///   list recipients; spaces and tabs around entries are ignored, any other
///   control character makes the entry malformed.
/// * An entry may carry a port (`192.0.2.1:1234`, `[2001:db8::1]:443`);
///   the port is dropped.
/// * IPv4-mapped IPv6 addresses (`::ffff:192.0.2.1`) are compared and
///   returned as IPv4, so a dual-stack listener matches IPv4 proxy networks.
///
/// ```
/// use std::net::IpAddr;
/// use opsguard_auth::ClientIpResolver;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let resolver = ClientIpResolver::builder()
///     .with_trusted_proxy("10.0.0.0/8")
///     .build()?;
/// let proxy: IpAddr = "10.1.2.3".parse()?;
/// // Behind the proxy: the rightmost untrusted entry.
/// let ip = resolver.resolve(proxy, ["198.51.100.7, 203.0.113.9"]);
/// assert_eq!(ip, "203.0.113.9".parse::<IpAddr>()?);
/// // Straight from the internet: the header is ignored.
/// let peer: IpAddr = "203.0.113.50".parse()?;
/// assert_eq!(resolver.resolve(peer, ["198.51.100.7"]), peer);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct ClientIpResolver {
    trusted: Vec<IpNet>,
}

impl ClientIpResolver {
    /// A resolver that trusts no proxy: the socket peer is always the
    /// client. This is the right setting for a service that faces clients
    /// directly.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// A builder to list trusted proxies.
    #[must_use]
    pub fn builder() -> ClientIpResolverBuilder {
        ClientIpResolverBuilder::default()
    }

    /// Whether `ip` is inside one of the trusted proxy networks.
    #[must_use]
    pub fn is_trusted(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.trusted.iter().any(|net| net.contains(&ip))
    }

    /// The client address of a request that arrived from `peer` carrying
    /// the `X-Forwarded-For` header values `forwarded_for`, in the order
    /// they appear in the request (pass an empty list when there is none).
    ///
    /// The values are taken as bytes (`&str`, `&[u8]` and
    /// `http::HeaderValue` all work), so a value that is not valid text is
    /// a malformed entry rather than one an adapter silently skips.
    #[must_use]
    pub fn resolve<I>(&self, peer: IpAddr, forwarded_for: I) -> IpAddr
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
        I::IntoIter: DoubleEndedIterator,
    {
        let mut current = peer.to_canonical();
        if !self.is_trusted(current) {
            return current;
        }
        for value in forwarded_for.into_iter().rev() {
            for entry in value.as_ref().rsplit(|b| *b == b',') {
                let entry = trim_ows(entry);
                if entry.is_empty() {
                    continue;
                }
                let Some(ip) = parse_entry(entry) else {
                    tracing::debug!(
                        target: "opsguard::rejection",
                        reason = "malformed_forwarded_for_entry",
                        "x-forwarded-for walk stopped at a malformed entry"
                    );
                    return current;
                };
                if !self.is_trusted(ip) {
                    return ip;
                }
                current = ip;
            }
        }
        current
    }
}

/// `bytes` without leading and trailing optional whitespace, which HTTP
/// defines as spaces and tabs only (RFC 9110 §5.6.3): a CR, LF or form feed
/// is not whitespace but a malformed entry.
fn trim_ows(bytes: &[u8]) -> &[u8] {
    let is_ows = |b: &u8| *b == b' ' || *b == b'\t';
    let start = bytes.iter().take_while(|b| is_ows(b)).count();
    let end = bytes.len() - bytes.iter().rev().take_while(|b| is_ows(b)).count();
    bytes.get(start..end.max(start)).unwrap_or_default()
}

/// One `X-Forwarded-For` entry: an IP address, optionally with a port.
fn parse_entry(entry: &[u8]) -> Option<IpAddr> {
    let entry = std::str::from_utf8(entry).ok()?;
    entry
        .parse::<IpAddr>()
        .or_else(|_| entry.parse::<SocketAddr>().map(|s| s.ip()))
        .ok()
        .map(|ip| ip.to_canonical())
}

/// Builds a [`ClientIpResolver`] from a list of trusted proxies.
#[derive(Debug, Clone, Default)]
pub struct ClientIpResolverBuilder {
    entries: Vec<String>,
}

impl ClientIpResolverBuilder {
    /// Trust the proxy at `cidr`: a network such as `10.0.0.0/8` or
    /// `2001:db8::/32`, or a single address such as `192.0.2.10`.
    ///
    /// Networks broader than /8 (IPv4, IPv4-mapped IPv6 included) or /16
    /// (IPv6) are refused by [`build`](Self::build), except inside the
    /// private IPv6 ranges `fc00::/7` and `fe80::/10`: `0.0.0.0/0` or `::/0`
    /// would make every client a proxy.
    #[must_use]
    pub fn with_trusted_proxy(mut self, cidr: impl Into<String>) -> Self {
        self.entries.push(cidr.into());
        self
    }

    /// Trust every proxy in `cidrs` (see
    /// [`with_trusted_proxy`](Self::with_trusted_proxy)).
    #[must_use]
    pub fn with_trusted_proxies<I, S>(mut self, cidrs: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.entries.extend(cidrs.into_iter().map(Into::into));
        self
    }

    /// The resolver.
    ///
    /// # Errors
    ///
    /// [`AuthError::InvalidTrustedProxy`] naming the position of the first
    /// entry that is neither an address nor a network;
    /// [`AuthError::TrustedProxyTooBroad`] for a network broader than
    /// [`MIN_TRUSTED_PREFIX_V4`] or [`MIN_TRUSTED_PREFIX_V6`] (see
    /// [`with_trusted_proxy`](Self::with_trusted_proxy)).
    pub fn build(self) -> Result<ClientIpResolver, AuthError> {
        let trusted = self
            .entries
            .iter()
            .enumerate()
            .map(|(position, entry)| {
                let entry = entry.trim();
                let net = entry
                    .parse::<IpNet>()
                    .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                    .map(|net| canonical_net(net).trunc())
                    .map_err(|_| AuthError::InvalidTrustedProxy { position })?;
                if is_too_broad(&net) {
                    return Err(AuthError::TrustedProxyTooBroad { position });
                }
                Ok(net)
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ClientIpResolver { trusted })
    }
}

/// The shortest IPv4 prefix accepted as a trusted proxy network (`/8`, the
/// size of `10.0.0.0/8`).
pub const MIN_TRUSTED_PREFIX_V4: u8 = 8;

/// The shortest IPv6 prefix accepted as a trusted proxy network outside
/// `fc00::/7` and `fe80::/10` (`/16`).
pub const MIN_TRUSTED_PREFIX_V6: u8 = 16;

/// The private IPv6 ranges in which a broad trusted network is accepted:
/// unique-local `fc00::/7` and link-local `fe80::/10` (evaluated at compile
/// time).
const PRIVATE_V6: [Ipv6Net; 2] = [
    Ipv6Net::new_assert(Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0), 7),
    Ipv6Net::new_assert(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10),
];

/// Whether `net` (canonical) is broader than any set of proxies should be.
fn is_too_broad(net: &IpNet) -> bool {
    match net {
        IpNet::V4(v4) => v4.prefix_len() < MIN_TRUSTED_PREFIX_V4,
        IpNet::V6(v6) => {
            v6.prefix_len() < MIN_TRUSTED_PREFIX_V6
                && !PRIVATE_V6.iter().any(|range| range.contains(v6))
        }
    }
}

/// An IPv4-mapped IPv6 network (`::ffff:10.0.0.0/104`) as the IPv4 network
/// it denotes, so that it matches canonicalised addresses.
fn canonical_net(net: IpNet) -> IpNet {
    if let IpNet::V6(v6) = net
        && let Some(v4) = v6.addr().to_ipv4_mapped()
        && let Some(prefix) = v6.prefix_len().checked_sub(96)
        && let Ok(net4) = ipnet::Ipv4Net::new(v4, prefix)
    {
        return IpNet::V4(net4);
    }
    net
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapped_network_becomes_ipv4() {
        let net: IpNet = "::ffff:10.0.0.0/104".parse().unwrap();
        assert_eq!(canonical_net(net), "10.0.0.0/8".parse::<IpNet>().unwrap());
        let short: IpNet = "::/8".parse().unwrap();
        assert_eq!(canonical_net(short), short);
    }

    #[test]
    fn breadth_limits() {
        let broad = |s: &str| is_too_broad(&canonical_net(s.parse::<IpNet>().unwrap()).trunc());
        for too_broad in [
            "0.0.0.0/0",
            "10.0.0.0/7",
            "::/0",
            "2000::/3",
            "2001::/15",
            "::ffff:0.0.0.0/96",
            "::ffff:10.0.0.0/103",
        ] {
            assert!(broad(too_broad), "{too_broad}");
        }
        for fine in [
            "10.0.0.0/8",
            "192.0.2.1/32",
            "2001:db8::/16",
            "fc00::/7",
            "fd00::/8",
            "fe80::/10",
            "::ffff:10.0.0.0/104",
        ] {
            assert!(!broad(fine), "{fine}");
        }
    }

    #[test]
    fn entry_forms() {
        let ip = |s: &str| Some(s.parse::<IpAddr>().unwrap());
        assert_eq!(parse_entry(b"192.0.2.1"), ip("192.0.2.1"));
        assert_eq!(parse_entry(b"192.0.2.1:80"), ip("192.0.2.1"));
        assert_eq!(parse_entry(b"[2001:db8::1]:443"), ip("2001:db8::1"));
        assert_eq!(parse_entry(b"::ffff:192.0.2.1"), ip("192.0.2.1"));
        assert_eq!(parse_entry(b"unknown"), None);
        assert_eq!(parse_entry(b"192.0.2.1 evil"), None);
        assert_eq!(parse_entry(b"[2001:db8::1]"), None);
        assert_eq!(parse_entry(b"\xff192.0.2.1"), None);
    }
}

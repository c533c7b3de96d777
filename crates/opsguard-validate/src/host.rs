//! Hosts a service connects to: strict IPv4, IPv6 or an RFC 1123 host name.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use validator::ValidationError;

use crate::{Error, HostPolicy};

/// The most characters a host name may have, without its optional trailing
/// dot.
pub const HOST_MAX: usize = 253;
/// The most characters one label of a host name may have.
pub const LABEL_MAX: usize = 63;

/// Check that `value` is a host: a strict IPv4 address, an IPv6 address or a
/// host name (the rules are listed at [`Host`]).
///
/// Any address is accepted, loopback and private ones included; use
/// [`public_host`] or a [`HostPolicy`] to refuse those.
/// Usable as `#[validate(custom(function = "opsguard_validate::host"))]`;
/// the error code is `invalid_host`.
///
/// ```
/// assert!(opsguard_validate::host("db01.example.com").is_ok());
/// assert!(opsguard_validate::host("10.0.0.5").is_ok());
/// assert!(opsguard_validate::host("010.0.0.5").is_err());
/// assert!(opsguard_validate::host("foo_bar.example.com").is_err());
/// ```
///
/// # Errors
///
/// `invalid_host` when `value` is none of the three forms.
pub fn host(value: &str) -> Result<(), ValidationError> {
    Host::parse(value).map(drop).map_err(Into::into)
}

/// [`host`], then [`HostPolicy::public_only`]: loopback, private, link-local,
/// unspecified, multicast and reserved addresses (and `localhost`) are
/// refused with the code `forbidden_host`.
///
/// Only literals are judged: a host name is accepted whatever it resolves
/// to, so check the resolved addresses again when connecting (see
/// [`HostPolicy`]).
///
/// ```
/// assert!(opsguard_validate::public_host("192.0.2.1").is_err());
/// assert!(opsguard_validate::public_host("169.254.169.254").is_err());
/// assert!(opsguard_validate::public_host("93.184.215.14").is_ok());
/// ```
///
/// # Errors
///
/// `invalid_host` for a malformed host, `forbidden_host` for a refused
/// address.
pub fn public_host(value: &str) -> Result<(), ValidationError> {
    HostPolicy::public_only()
        .check(value)
        .map(drop)
        .map_err(Into::into)
}

/// A host that passed [`host`]'s rules.
///
/// The grammar is small and exact, so it is checked by a hand-written scanner
/// over bytes (no regular expression, no backtracking: each check is one
/// linear pass over at most 254 bytes, and longer input is refused by its
/// length first). IP addresses are parsed by the standard library.
///
/// * **IPv4** only in dotted-quad form with four decimal octets of 0 to 255
///   and no leading zeros (`127.0.0.1`, not `0127.0.0.1`, `127.1`,
///   `0x7f.0.0.1` or `2130706433`). Parsers disagree on what the other forms
///   mean (octal or decimal? CVE-2021-29921, CVE-2021-29923), so a check and
///   the code that connects could read different addresses. The accepted
///   text is exactly the standard library's canonical form of the address,
///   which is verified by formatting it back.
/// * **IPv6** as the standard library parses it (`::1`, `2001:db8::1`,
///   `::ffff:192.0.2.1`, with the embedded IPv4 as strict as above). Zone
///   identifiers (`fe80::1%eth0`) and brackets (`[::1]`) are refused: a zone
///   names an interface of the machine that connects, which a client should
///   not choose, and brackets belong to URLs, not to a host field.
/// * **Host names** per RFC 1123 §2.1 and RFC 1034 §3.1: labels of 1 to 63
///   ASCII letters, digits and hyphens that neither start nor end with a
///   hyphen, at most 253 characters in all, plus one optional trailing dot
///   (so 254 with it). The last label must not be a number (all decimal
///   digits, or `0x` followed by hex digits: the WHATWG URL Standard's
///   "ends in a number"), so no form that `inet_aton` or a URL parser
///   reads as an IPv4 address (`127.1`, `1.2.3`, `127.0.1.`, `0x7f000001`,
///   `127.0.0.0x1`, `0177.0.0.0x1`) gets in as a name. Underscores
///   are refused (they are legal in DNS records, not in host names), and so
///   is Unicode: send an internationalised name in its A-label (punycode)
///   form, `xn--6qq79v.com`, which is accepted as plain letters, digits and
///   hyphens without checking that it decodes.
///
/// Nothing is trimmed or lowercased: a value with a space or a newline is
/// refused, not repaired.
///
/// ```
/// use std::net::{IpAddr, Ipv4Addr};
/// use opsguard_validate::Host;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// assert_eq!(Host::parse("10.0.0.5")?, Host::Ip(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 5))));
/// assert_eq!(Host::parse("db01.example.com")?.to_string(), "db01.example.com");
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Host {
    /// An IPv4 or IPv6 address.
    Ip(IpAddr),
    /// A host name, exactly as given (trailing dot included, if any).
    Name(String),
}

impl Host {
    /// Parse `value` under the rules above.
    ///
    /// # Errors
    ///
    /// [`Error::HostLength`], [`Error::HostLabelLength`] or
    /// [`Error::HostSyntax`].
    pub fn parse(value: &str) -> Result<Self, Error> {
        if value.len() > HOST_MAX + 1 {
            return Err(Error::HostLength);
        }
        if value.contains(':') {
            return value
                .parse::<Ipv6Addr>()
                .map(|ip| Self::Ip(IpAddr::V6(ip)))
                .map_err(|_| Error::HostSyntax);
        }
        if let Some(ip) = strict_ipv4(value) {
            return Ok(Self::Ip(IpAddr::V4(ip)));
        }
        check_host_name(value)?;
        Ok(Self::Name(value.to_owned()))
    }

    /// The address, when the host is an IP address.
    #[must_use]
    pub fn ip(&self) -> Option<IpAddr> {
        match self {
            Self::Ip(ip) => Some(*ip),
            Self::Name(_) => None,
        }
    }
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ip(ip) => ip.fmt(f),
            Self::Name(name) => f.write_str(name),
        }
    }
}

/// `value` as an IPv4 address if it is exactly the canonical dotted quad.
fn strict_ipv4(value: &str) -> Option<Ipv4Addr> {
    // The standard library already refuses leading zeros and short forms;
    // comparing with its canonical output makes that independent of the
    // parser's leniency.
    let ip = value.parse::<Ipv4Addr>().ok()?;
    (ip.to_string() == value).then_some(ip)
}

fn check_host_name(value: &str) -> Result<(), Error> {
    let name = value.strip_suffix('.').unwrap_or(value);
    check_name_grammar(name).map_err(|problem| match problem {
        NameProblem::Length => Error::HostLength,
        NameProblem::LabelLength => Error::HostLabelLength,
        NameProblem::Numeric | NameProblem::Syntax => Error::HostSyntax,
    })
}

/// Why a string is not an RFC 1123 host name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NameProblem {
    /// Longer than [`HOST_MAX`].
    Length,
    /// A label is empty or longer than [`LABEL_MAX`].
    LabelLength,
    /// The last label is a number ([`ends_in_number`]).
    Numeric,
    /// A character other than a letter, digit, hyphen or dot, or a label
    /// that starts or ends with a hyphen.
    Syntax,
}

/// The host name grammar, for a name without its trailing dot: labels of
/// 1 to 63 ASCII letters, digits and hyphens, not starting or ending with a
/// hyphen, 253 characters in all, and not [`ends_in_number`]. Shared by
/// [`Host::parse`] and the email domain check.
pub(crate) fn check_name_grammar(name: &str) -> Result<(), NameProblem> {
    if name.is_empty() {
        return Err(NameProblem::Syntax);
    }
    if name.len() > HOST_MAX {
        return Err(NameProblem::Length);
    }
    for label in name.split('.') {
        if label.is_empty() || label.len() > LABEL_MAX {
            return Err(NameProblem::LabelLength);
        }
        let bytes = label.as_bytes();
        if !bytes
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'-')
            || bytes.first() == Some(&b'-')
            || bytes.last() == Some(&b'-')
        {
            return Err(NameProblem::Syntax);
        }
    }
    if ends_in_number(name) {
        return Err(NameProblem::Numeric);
    }
    Ok(())
}

/// Whether the last label of `name` (a name without its trailing dot) is a
/// number: all decimal digits, or `0x`/`0X` followed by zero or more hex
/// digits. This is the WHATWG URL Standard's "ends in a number" test, which
/// makes a URL parser read the whole host as an IPv4 address.
///
/// Every string `inet_aton` accepts (and so glibc's `getaddrinfo`, which
/// reads it as an address without asking DNS) has a numeric last label:
/// each of its one to four parts is a decimal, octal (`0`-prefixed) or hex
/// (`0x`-prefixed) number. Refusing such names refuses all of
/// `2130706433`, `0x7f000001`, `127.1`, `127.0.0.0x1`, `0177.0.0.0x1` and
/// `0x7f.0x0.0x0.0x1`, whatever mix of bases they use.
pub(crate) fn ends_in_number(name: &str) -> bool {
    let last = name.rsplit('.').next().unwrap_or(name);
    let bytes = last.as_bytes();
    match bytes {
        [b'0', b'x' | b'X', hex @ ..] => hex.iter().all(u8::is_ascii_hexdigit),
        [] => false,
        digits => digits.iter().all(u8::is_ascii_digit),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_last_labels() {
        for name in [
            "1",
            "a.1",
            "a.0177",
            "0x",
            "0X",
            "a.0x",
            "a.0xFf",
            "1.2.3.0x4",
        ] {
            assert!(ends_in_number(name), "{name}");
        }
        for name in [
            "", "a", "a.b1", "a.0xg", "a.x1", "a.1x", "0x1.a", "a.ff", "a.-1",
        ] {
            assert!(!ends_in_number(name), "{name}");
        }
    }
}

//! An optional SSRF guard: which kinds of address a host may be.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::{Error, Host};

/// A kind of special-purpose address that a [`HostPolicy`] can refuse.
///
/// IPv6 addresses that carry an IPv4 address are classified by it, so they
/// cannot smuggle one past the policy: IPv4-mapped (`::ffff:10.0.0.1`),
/// NAT64 (`64:ff9b::/96`) and 6to4 (`2002::/16`) addresses take the class
/// of the IPv4 address they embed (none for a public one, as they are
/// routable); IPv4-compatible (`::a.b.c.d`, deprecated), SIIT
/// IPv4-translated (`::ffff:0:a.b.c.d`, RFC 7915) and Teredo (`2001::/32`,
/// whose client address is stored inverted) addresses take it too, and are
/// [`Reserved`](Self::Reserved) when it is public.
///
/// Host names have a class only when a standard or a common `/etc/hosts`
/// reserves them (see [`HostPolicy`]); any other name has none here, and
/// must be checked again once resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AddressClass {
    /// `169.254.0.0/16` (cloud metadata services live here), `fe80::/10`,
    /// and the multicast DNS names `local` and `*.local` (RFC 6762).
    LinkLocal,
    /// `127.0.0.0/8`, `::1`, the names `localhost` and `*.localhost`
    /// (RFC 6761), and `localhost.localdomain`, `localhost6`,
    /// `localhost6.localdomain6`, `ip6-localhost` and `ip6-loopback` (the
    /// loopback names of common `/etc/hosts` files).
    Loopback,
    /// `224.0.0.0/4`, `ff00::/8`.
    Multicast,
    /// Private use (`10.0.0.0/8`, `172.16.0.0/12`, `192.168.0.0/16`), shared
    /// address space (`100.64.0.0/10`, RFC 6598), unique local
    /// (`fc00::/7`), site-local (`fec0::/10`) and local-use NAT64
    /// (`64:ff9b:1::/48`); the private-use names `internal` and `home.arpa`
    /// (RFC 8375) and the names under them.
    Private,
    /// Every other special-purpose block of the IANA registries: broadcast
    /// and `240.0.0.0/4`, documentation (`192.0.2.0/24`, `198.51.100.0/24`,
    /// `203.0.113.0/24`, `2001:db8::/32`, `3fff::/20`), benchmarking
    /// (`198.18.0.0/15`), IETF protocol assignments (`192.0.0.0/24`,
    /// `2001::/23`), the 6to4 relay anycast (`192.88.99.0/24`), discard
    /// (`100::/64`), the dummy prefix (`100:0:0:1::/64`, RFC 9780), SRv6
    /// (`5f00::/16`), and every other IPv6 address outside global unicast
    /// (`2000::/3`) that no class above names (the rest of `::/8`, the
    /// unallocated space).
    Reserved,
    /// `0.0.0.0/8` (connecting to `0.0.0.0` reaches the local machine on
    /// Linux) and `::`.
    Unspecified,
}

impl AddressClass {
    /// Every class.
    pub const ALL: [Self; 6] = [
        Self::LinkLocal,
        Self::Loopback,
        Self::Multicast,
        Self::Private,
        Self::Reserved,
        Self::Unspecified,
    ];

    /// The class of `ip`, or `None` for a global unicast address.
    ///
    /// ```
    /// use std::net::IpAddr;
    /// use opsguard_validate::AddressClass;
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// assert_eq!(AddressClass::of("10.1.2.3".parse()?), Some(AddressClass::Private));
    /// assert_eq!(AddressClass::of("::ffff:127.0.0.1".parse()?), Some(AddressClass::Loopback));
    /// assert_eq!(AddressClass::of("2606:4700::1111".parse()?), None);
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn of(ip: IpAddr) -> Option<Self> {
        match ip {
            IpAddr::V4(v4) => classify_v4(v4),
            IpAddr::V6(v6) => classify_v6(v6),
        }
    }

    const fn bit(self) -> u8 {
        match self {
            Self::LinkLocal => 1,
            Self::Loopback => 1 << 1,
            Self::Multicast => 1 << 2,
            Self::Private => 1 << 3,
            Self::Reserved => 1 << 4,
            Self::Unspecified => 1 << 5,
        }
    }
}

fn classify_v4(ip: Ipv4Addr) -> Option<AddressClass> {
    let [a, b, c, _] = ip.octets();
    let class = match (a, b, c) {
        (0, _, _) => AddressClass::Unspecified,
        (127, _, _) => AddressClass::Loopback,
        (10, _, _) | (172, 16..=31, _) | (192, 168, _) | (100, 64..=127, _) => {
            AddressClass::Private
        }
        (169, 254, _) => AddressClass::LinkLocal,
        (224..=239, _, _) => AddressClass::Multicast,
        (240..=255, _, _)
        | (192, 0, 0 | 2)
        | (192, 88, 99)
        | (198, 18..=19, _)
        | (198, 51, 100)
        | (203, 0, 113) => AddressClass::Reserved,
        _ => return None,
    };
    Some(class)
}

fn classify_v6(ip: Ipv6Addr) -> Option<AddressClass> {
    if ip.is_unspecified() {
        return Some(AddressClass::Unspecified);
    }
    if ip.is_loopback() {
        return Some(AddressClass::Loopback);
    }
    if let Some(v4) = ip.to_ipv4_mapped() {
        return classify_v4(v4);
    }
    let s = ip.segments();
    let [s0, s1, s2, .., s6, s7] = s;
    let embedded = |hi: u16, lo: u16| {
        let [a, b] = hi.to_be_bytes();
        let [c, d] = lo.to_be_bytes();
        Ipv4Addr::new(a, b, c, d)
    };
    // Forms that are not globally routable themselves but carry an IPv4
    // address a translator or tunnel may deliver to: the embedded
    // address's class when it has one, else reserved.
    let carried = |v4: Ipv4Addr| Some(classify_v4(v4).unwrap_or(AddressClass::Reserved));
    let class = match s {
        // NAT64 well-known prefix (RFC 6052): the embedded IPv4 address.
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] => return classify_v4(embedded(s6, s7)),
        // 6to4 (RFC 3056): the embedded IPv4 address.
        [0x2002, _, _, _, _, _, _, _] => return classify_v4(embedded(s1, s2)),
        // IPv4-compatible (deprecated, RFC 4291 §2.5.5.1) and SIIT
        // IPv4-translated (RFC 7915, `::ffff:0:0:0/96`) addresses.
        [0, 0, 0, 0, 0, 0, _, _] | [0, 0, 0, 0, 0xffff, 0, _, _] => {
            return carried(embedded(s6, s7));
        }
        // Teredo (RFC 4380): the client's IPv4 address, stored inverted.
        [0x2001, 0, _, _, _, _, _, _] => return carried(embedded(!s6, !s7)),
        [0x64, 0xff9b, 1, ..] => AddressClass::Private,
        _ if s0 & 0xfe00 == 0xfc00 || s0 & 0xffc0 == 0xfec0 => AddressClass::Private,
        _ if s0 & 0xffc0 == 0xfe80 => AddressClass::LinkLocal,
        _ if s0 & 0xff00 == 0xff00 => AddressClass::Multicast,
        [0x2001, 0xdb8, ..] => AddressClass::Reserved,
        _ if s0 == 0x2001 && s1 < 0x200 => AddressClass::Reserved,
        _ if s0 & 0xfff0 == 0x3ff0 => AddressClass::Reserved,
        // Everything outside global unicast (2000::/3) that no rule above
        // named: the rest of ::/8 and 100::/8 (discard-only `100::/64`,
        // the dummy prefix `100:0:0:1::/64`), SRv6 `5f00::/16`, and the
        // unallocated space.
        _ if s0 & 0xe000 != 0x2000 => AddressClass::Reserved,
        _ => return None,
    };
    Some(class)
}

/// Which special-purpose addresses a host may be.
///
/// Built from [`HostPolicy::allow_all`] (the validators' behaviour: any
/// well-formed host) or [`HostPolicy::public_only`] (every
/// [`AddressClass`] refused), then adjusted class by class. There is no
/// `Default`: say which one you mean.
///
/// Why, and what it cannot see:
///
/// A service that connects to hosts its users name (OpsConductor's targets)
/// can be made to reach its own loopback services, its private network or a
/// cloud metadata endpoint (`169.254.169.254`). [`HostPolicy`] refuses such
/// addresses when they are given as literals. It is off by default because
/// an automation platform's targets usually *are* private machines; turn it
/// on where the hosts should be public.
///
/// **It judges literals only.** A host name is accepted whatever it
/// resolves to, except the names reserved for local use: `localhost` and
/// `*.localhost` (RFC 6761 §6.3) and the `/etc/hosts` loopback names
/// `localhost.localdomain`, `localhost6`, `localhost6.localdomain6`,
/// `ip6-localhost` and `ip6-loopback` are loopback; `local` and `*.local`
/// (multicast DNS, RFC 6762) are link-local; `internal`, `home.arpa`
/// (RFC 8375) and the names under them are private. Any other name can
/// resolve to a private address, or to a public one at check time and a
/// private one at connect time (DNS rebinding). A service that relies on the
/// policy must resolve the name itself, check every resolved address with
/// [`HostPolicy::check_ip`], and connect to the address it checked.
///
/// ```
/// use opsguard_validate::{AddressClass, Error, HostPolicy};
///
/// // Targets may be on the private network, never loopback or metadata.
/// let policy = HostPolicy::public_only().with_allowed(AddressClass::Private);
/// assert!(policy.check("10.0.0.5").is_ok());
/// assert_eq!(
///     policy.check("169.254.169.254").err(),
///     Some(Error::HostForbidden(AddressClass::LinkLocal))
/// );
/// assert_eq!(
///     policy.check("localhost").err(),
///     Some(Error::HostForbidden(AddressClass::Loopback))
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostPolicy {
    denied: u8,
}

impl HostPolicy {
    /// Every well-formed host is allowed.
    #[must_use]
    pub const fn allow_all() -> Self {
        Self { denied: 0 }
    }

    /// Only global unicast addresses, and host names other than the local
    /// ones listed at [`HostPolicy`], are allowed: every [`AddressClass`] is
    /// refused.
    #[must_use]
    pub const fn public_only() -> Self {
        Self::allow_all()
            .with_denied(AddressClass::LinkLocal)
            .with_denied(AddressClass::Loopback)
            .with_denied(AddressClass::Multicast)
            .with_denied(AddressClass::Private)
            .with_denied(AddressClass::Reserved)
            .with_denied(AddressClass::Unspecified)
    }

    /// The same policy, also refusing `class`.
    #[must_use]
    pub const fn with_denied(self, class: AddressClass) -> Self {
        Self {
            denied: self.denied | class.bit(),
        }
    }

    /// The same policy, allowing `class`.
    #[must_use]
    pub const fn with_allowed(self, class: AddressClass) -> Self {
        Self {
            denied: self.denied & !class.bit(),
        }
    }

    /// Whether `class` is refused.
    #[must_use]
    pub const fn is_denied(self, class: AddressClass) -> bool {
        self.denied & class.bit() != 0
    }

    /// Parse `value` as a [`Host`] and apply the policy to it.
    ///
    /// # Errors
    ///
    /// The errors of [`Host::parse`], or [`Error::HostForbidden`] with the
    /// refused class.
    pub fn check(self, value: &str) -> Result<Host, Error> {
        let host = Host::parse(value)?;
        match &host {
            Host::Ip(ip) => self.check_ip(*ip)?,
            Host::Name(name) => match name_class(name) {
                Some(class) if self.is_denied(class) => return Err(Error::HostForbidden(class)),
                _ => {}
            },
        }
        Ok(host)
    }

    /// Apply the policy to an address, typically one a host name resolved
    /// to, just before connecting to it.
    ///
    /// ```
    /// use std::net::IpAddr;
    /// use opsguard_validate::HostPolicy;
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let resolved: IpAddr = "127.0.0.1".parse()?;
    /// assert!(HostPolicy::public_only().check_ip(resolved).is_err());
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::HostForbidden`] with the refused class.
    pub fn check_ip(self, ip: IpAddr) -> Result<(), Error> {
        match AddressClass::of(ip) {
            Some(class) if self.is_denied(class) => Err(Error::HostForbidden(class)),
            _ => Ok(()),
        }
    }
}

/// The class a host name has whatever it resolves to, if any.
///
/// * Loopback: `localhost` and names under it (RFC 6761 §6.3), and the
///   loopback names of common `/etc/hosts` files: `localhost.localdomain`,
///   `localhost6`, `localhost6.localdomain6`, `ip6-localhost`,
///   `ip6-loopback`.
/// * Link-local: `local` and names under it, multicast DNS names of the
///   local link (RFC 6762).
/// * Private: `internal` (reserved for private use by ICANN, 2024) and
///   `home.arpa` (RFC 8375), and names under them.
///
/// Compared ASCII case-insensitively, with one trailing dot ignored.
fn name_class(name: &str) -> Option<AddressClass> {
    let name = name.strip_suffix('.').unwrap_or(name);
    let is = |n: &str| name.eq_ignore_ascii_case(n);
    let under = |suffix: &str| {
        is(suffix)
            || name.len() > suffix.len()
                && name
                    .get(name.len() - suffix.len() - 1..)
                    .and_then(|tail| tail.strip_prefix('.'))
                    .is_some_and(|tail| tail.eq_ignore_ascii_case(suffix))
    };
    if under("localhost")
        || [
            "localhost.localdomain",
            "localhost6",
            "localhost6.localdomain6",
            "ip6-localhost",
            "ip6-loopback",
        ]
        .into_iter()
        .any(is)
    {
        Some(AddressClass::Loopback)
    } else if under("local") {
        Some(AddressClass::LinkLocal)
    } else if under("internal") || under("home.arpa") {
        Some(AddressClass::Private)
    } else {
        None
    }
}

//! The rate limit of `POST /auth/register`: each registration costs an
//! argon2id hash, so one client may not create accounts faster than a
//! person would.

use std::fmt;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};

use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Registrations a client may make at once.
const BURST: NonZeroU32 = NonZeroU32::MIN.saturating_add(9);
/// Then one more each minute.
const PER_MINUTE: NonZeroU32 = NonZeroU32::MIN;
/// Forget clients whose allowance is full again every this many checks, so
/// the table holds only clients seen lately.
const PRUNE_EVERY: u64 = 1024;

/// Registrations per client address: [`BURST`] at once, then
/// [`PER_MINUTE`] a minute (governor's GCRA, in memory: each instance
/// counts its own clients). IPv6 clients are counted per /64, the block one
/// subscriber usually holds.
pub(crate) struct RegistrationLimit {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
    clock: DefaultClock,
    checks: AtomicU64,
}

impl RegistrationLimit {
    pub(crate) fn new() -> Self {
        Self {
            limiter: RateLimiter::keyed(Quota::per_minute(PER_MINUTE).allow_burst(BURST)),
            clock: DefaultClock::default(),
            checks: AtomicU64::new(0),
        }
    }

    /// Count a registration by `client`: 429 `RateLimited`, with
    /// `Retry-After`, once its allowance is used up.
    pub(crate) fn check(&self, client: IpAddr) -> Result<(), opsguard::Error> {
        if self.checks.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
            self.limiter.retain_recent();
        }
        self.limiter.check_key(&key(client)).map_err(|not_until| {
            tracing::debug!(
                target: "opsconductor",
                client_ip = %client,
                "registration rate limit reached"
            );
            opsguard::Error::rate_limited(not_until.wait_time_from(self.clock.now()))
        })
    }
}

impl fmt::Debug for RegistrationLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegistrationLimit")
            .field("clients", &self.limiter.len())
            .finish_non_exhaustive()
    }
}

/// The address a client is counted under: IPv4 as it is, IPv6 by its /64.
fn key(client: IpAddr) -> IpAddr {
    match client {
        IpAddr::V4(_) => client,
        IpAddr::V6(v6) => {
            let prefix = v6.to_bits() & !((1_u128 << 64) - 1);
            IpAddr::V6(prefix.into())
        }
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv6Addr;

    use super::*;

    #[test]
    fn ipv6_clients_are_counted_per_64() {
        let a: Ipv6Addr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: Ipv6Addr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let other: Ipv6Addr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(key(a.into()), key(b.into()));
        assert_ne!(key(a.into()), key(other.into()));
        assert_eq!(
            key("192.0.2.7".parse().unwrap()),
            "192.0.2.7".parse::<IpAddr>().unwrap()
        );
    }

    #[test]
    fn the_burst_is_ten_then_refused_with_retry_after() {
        let limit = RegistrationLimit::new();
        let client: IpAddr = "192.0.2.1".parse().unwrap();
        for _ in 0..10 {
            limit.check(client).unwrap();
        }
        let refused = limit.check(client).unwrap_err();
        let wire = refused.to_wire();
        assert_eq!(wire.status, 429);
        limit.check("192.0.2.2".parse().unwrap()).unwrap();
    }
}

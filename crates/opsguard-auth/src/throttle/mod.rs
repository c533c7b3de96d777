//! Login throttling against brute force, credential stuffing and
//! lockout-as-denial-of-service. The policy is described in the crate's
//! README.

mod policy;
mod store;

use std::fmt;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use governor::clock::Clock as GovernorClock;
use governor::state::keyed::DashMapStateStore;
use governor::{Quota, RateLimiter};
use ipnet::IpNet;

pub(crate) use self::policy::Observed;
pub use self::policy::{FailureLimit, ThrottlePolicy, ThrottlePolicyBuilder};
pub use self::store::{Counter, MemoryThrottleStore, ThrottleKey, ThrottleStore};
use crate::{AuthError, Clock, StoreError, SystemClock};

/// The longest account name used in a counter key, in bytes; longer names
/// are cut (at a character boundary), which can only merge counters.
const MAX_ACCOUNT_KEY_LEN: usize = 256;

/// The smallest number of client addresses at which the attempt-rate
/// limiter forgets addresses that are back to a fresh state.
const MIN_RATE_PRUNE: usize = 1024;

/// Which limit refused an attempt or locked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ThrottleScope {
    /// Failures on one account from clients not known for it.
    Account,
    /// Failures on one account from one client address.
    AccountClient,
    /// Attempts (of any outcome) from one client address per unit of time.
    AttemptRate,
    /// Failures from one client address across accounts.
    Client,
}

impl ThrottleScope {
    /// A fixed word for logs and audit events, such as `"account_client"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Account => "account",
            Self::AccountClient => "account_client",
            Self::AttemptRate => "attempt_rate",
            Self::Client => "client",
        }
    }
}

/// An attempt refused by the throttle: answered with 429 and a
/// `Retry-After` through `From<Throttled> for opsguard_core::Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many login attempts ({})", scope.as_str())]
pub struct Throttled {
    scope: ThrottleScope,
    retry_after: Duration,
    locked: bool,
}

impl Throttled {
    pub(crate) fn new(scope: ThrottleScope, retry_after: Duration, locked: bool) -> Self {
        Self {
            scope,
            retry_after,
            locked,
        }
    }

    /// The limit that refused the attempt (the one with the longest wait).
    #[must_use]
    pub fn scope(&self) -> ThrottleScope {
        self.scope
    }

    /// How long the client must wait.
    #[must_use]
    pub fn retry_after(&self) -> Duration {
        self.retry_after
    }

    /// Whether the refusal is a lock rather than a progressive delay.
    #[must_use]
    pub fn is_locked(&self) -> bool {
        self.locked
    }
}

impl From<Throttled> for opsguard_core::Error {
    fn from(throttled: Throttled) -> Self {
        Self::rate_limited(throttled.retry_after)
    }
}

/// A lock that a failure has just engaged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lockout {
    scope: ThrottleScope,
    duration: Duration,
}

impl Lockout {
    /// The limit that locked.
    #[must_use]
    pub fn scope(&self) -> ThrottleScope {
        self.scope
    }

    /// How long the lock lasts.
    #[must_use]
    pub fn duration(&self) -> Duration {
        self.duration
    }
}

/// The address a client is counted under: an IPv4 address, or the /64
/// network of an IPv6 address (one subscriber usually holds a whole /64, so
/// counting single IPv6 addresses would let one attacker start afresh
/// 2^64 times).
fn client_net(ip: IpAddr) -> IpNet {
    match ip.to_canonical() {
        IpAddr::V4(v4) => IpNet::V4(ipnet::Ipv4Net::from(v4)),
        IpAddr::V6(v6) => {
            let host = ipnet::Ipv6Net::from(v6);
            IpNet::V6(ipnet::Ipv6Net::new(v6, 64).map_or(host, |net| net.trunc()))
        }
    }
}

fn account_key(account: &str) -> &str {
    account
        .get(..account.floor_char_boundary(MAX_ACCOUNT_KEY_LEN))
        .unwrap_or(account)
}

/// Governor reads the throttle's clock, so tests drive both with one
/// [`ManualClock`](crate::ManualClock).
#[derive(Debug, Clone)]
struct SharedClock(Arc<dyn Clock>);

impl GovernorClock for SharedClock {
    type Instant = SystemTime;

    fn now(&self) -> SystemTime {
        self.0.now()
    }
}

type AttemptLimiter = RateLimiter<
    IpNet,
    DashMapStateStore<IpNet>,
    SharedClock,
    governor::middleware::NoOpMiddleware<SystemTime>,
>;

/// Decides whether a login attempt may go ahead, and counts its outcome.
///
/// Call [`check`](Self::check) before looking up the user and verifying the
/// password; it answers with an [`Attempt`] to report the outcome to. The
/// flows in this crate do this for you.
///
/// ```
/// use std::sync::Arc;
/// use opsguard_auth::{MemoryThrottleStore, Throttle, ThrottlePolicy};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let throttle = Throttle::new(ThrottlePolicy::default(), Arc::new(MemoryThrottleStore::new()));
/// let client = "203.0.113.9".parse()?;
/// for _ in 0..3 {
///     throttle.check("alice", client).await?.fail().await?;
/// }
/// // The fourth failure in a row makes the next attempt wait.
/// throttle.check("alice", client).await?.fail().await?;
/// let refused = throttle.check("alice", client).await.err().ok_or("not refused")?;
/// assert_eq!(opsguard_core::Error::from(refused).retry_after_secs(), Some(1));
/// # Ok(())
/// # }
/// ```
pub struct Throttle {
    policy: ThrottlePolicy,
    store: Arc<dyn ThrottleStore>,
    clock: Arc<dyn Clock>,
    limiter: Option<AttemptLimiter>,
    prune_at: AtomicUsize,
}

impl fmt::Debug for Throttle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Throttle")
            .field("policy", &self.policy)
            .field("store", &self.store)
            .field("clock", &self.clock)
            .finish_non_exhaustive()
    }
}

impl Throttle {
    /// A throttle deciding by `policy` over counters in `store`, on the
    /// system clock.
    #[must_use]
    pub fn new(policy: ThrottlePolicy, store: Arc<dyn ThrottleStore>) -> Self {
        Self::with_clock(policy, store, Arc::new(SystemClock))
    }

    /// The same on `clock` (a [`ManualClock`](crate::ManualClock) in tests).
    #[must_use]
    pub fn with_clock(
        policy: ThrottlePolicy,
        store: Arc<dyn ThrottleStore>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let limiter = policy.attempt_rate().and_then(|rate| {
            let burst = NonZeroU32::new(rate.burst)?;
            let quota = Quota::with_period(rate.period)?.allow_burst(burst);
            Some(RateLimiter::dashmap_with_clock(
                quota,
                SharedClock(Arc::clone(&clock)),
            ))
        });
        Self {
            policy,
            store,
            clock,
            limiter,
            prune_at: AtomicUsize::new(MIN_RATE_PRUNE),
        }
    }

    /// The policy.
    #[must_use]
    pub fn policy(&self) -> &ThrottlePolicy {
        &self.policy
    }

    /// Whether `account` may try to log in from `client` now.
    ///
    /// `account` should be the normalized username, whether or not such a
    /// user exists (so that a refusal says nothing about existence);
    /// `client` the address from a [`ClientIpResolver`](crate::ClientIpResolver).
    ///
    /// # Errors
    ///
    /// [`AuthError::Throttled`] when a limit refuses the attempt;
    /// [`AuthError::Store`] when the counters cannot be read (the attempt
    /// is refused: a throttle that fails open is no throttle).
    pub async fn check(&self, account: &str, client: IpAddr) -> Result<Attempt<'_>, AuthError> {
        let client = client_net(client);
        let keys = Keys::new(account_key(account), client);
        if let Some(limiter) = &self.limiter {
            let outcome = limiter.check_key(&client);
            self.prune_limiter(limiter);
            if let Err(not_until) = outcome {
                let wait = not_until.wait_time_from(self.clock.now());
                return Err(AuthError::Throttled(Throttled::new(
                    ThrottleScope::AttemptRate,
                    wait,
                    false,
                )));
            }
        }
        let now = self.clock.now();
        let known = self.store.read(&keys.known, now).await?.is_some();
        let mut seen = Observed {
            known,
            account_client: self.store.read(&keys.account_client, now).await?,
            ..Observed::default()
        };
        if !known {
            seen.client = self.store.read(&keys.client, now).await?;
            seen.account = self.store.read(&keys.account, now).await?;
        }
        if let Some(throttled) = self.policy.decide(&seen, now) {
            return Err(AuthError::Throttled(throttled));
        }
        Ok(Attempt {
            throttle: self,
            keys,
            known,
            prior_failures: seen.account_client.map_or(0, |c| c.count()),
        })
    }

    fn prune_limiter(&self, limiter: &AttemptLimiter) {
        if limiter.len() >= self.prune_at.load(Ordering::Relaxed) {
            limiter.retain_recent();
            limiter.shrink_to_fit();
            let next = limiter.len().saturating_mul(2).max(MIN_RATE_PRUNE);
            self.prune_at.store(next, Ordering::Relaxed);
        }
    }
}

/// The store keys of one (account, client) attempt.
#[derive(Debug, Clone)]
struct Keys {
    account_client: ThrottleKey,
    client: ThrottleKey,
    account: ThrottleKey,
    known: ThrottleKey,
}

impl Keys {
    /// The client network comes first and never contains `|`, so the keys
    /// are unambiguous whatever the account name holds.
    fn new(account: &str, client: IpNet) -> Self {
        Self {
            account_client: ThrottleKey::new(format!("acct-client|{client}|{account}")),
            client: ThrottleKey::new(format!("client|{client}")),
            account: ThrottleKey::new(format!("acct|{account}")),
            known: ThrottleKey::new(format!("known|{client}|{account}")),
        }
    }
}

/// A login attempt the throttle let through; report how it ended.
///
/// Dropping it without reporting counts nothing (for example when the
/// directory failed and the login was not decided).
#[derive(Debug)]
#[must_use = "report the outcome with `fail` or `succeed`"]
pub struct Attempt<'a> {
    throttle: &'a Throttle,
    keys: Keys,
    known: bool,
    prior_failures: u32,
}

impl Attempt<'_> {
    /// Whether the client had logged in to this account successfully within
    /// the known-client lifetime.
    #[must_use]
    pub fn is_known_client(&self) -> bool {
        self.known
    }

    /// Failures of this account from this client before this attempt.
    #[must_use]
    pub fn prior_failures(&self) -> u32 {
        self.prior_failures
    }

    /// The attempt failed: count it against the (account, client) pair and,
    /// unless the client is known for the account, against the client and
    /// the account too.
    ///
    /// Returns the lock this failure engaged, if any, for the audit log.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when a counter cannot be written.
    pub async fn fail(self) -> Result<Option<Lockout>, StoreError> {
        let throttle = self.throttle;
        let policy = &throttle.policy;
        let now = throttle.clock.now();
        let store = &throttle.store;
        let pair_limit = policy.account_client_limit();
        let pair = store
            .increment(&self.keys.account_client, now, pair_limit.window())
            .await?;
        let mut lockout = pair_limit.locks_at(pair.count()).then_some(Lockout {
            scope: ThrottleScope::AccountClient,
            duration: pair_limit.window(),
        });
        if !self.known {
            let client_limit = policy.client_limit();
            let client = store
                .increment(&self.keys.client, now, client_limit.window())
                .await?;
            if client_limit.locks_at(client.count()) {
                lockout = Some(Lockout {
                    scope: ThrottleScope::Client,
                    duration: client_limit.window(),
                });
            }
            let account_limit = policy.account_limit();
            store
                .increment(&self.keys.account, now, account_limit.window())
                .await?;
        }
        Ok(lockout)
    }

    /// The attempt succeeded: forget this pair's failures and remember the
    /// client as known for the account.
    ///
    /// The client-wide and account-wide counters are not reset: an attacker
    /// who holds one valid password must not clear the record of their
    /// failures on other accounts, nor the owner's success clear an
    /// attacker's failures on the account. They expire with their window.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when a counter cannot be written.
    pub async fn succeed(self) -> Result<(), StoreError> {
        let throttle = self.throttle;
        let now = throttle.clock.now();
        throttle.store.clear(&self.keys.account_client).await?;
        throttle
            .store
            .increment(&self.keys.known, now, throttle.policy.known_client_ttl())
            .await?;
        Ok(())
    }
}

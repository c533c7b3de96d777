//! Login throttling against brute force, credential stuffing and
//! lockout-as-denial-of-service. The policy is described in the crate's
//! README.

mod keys;
mod policy;
mod store;

use std::fmt;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime};

use governor::clock::Clock as GovernorClock;
use governor::state::keyed::DashMapStateStore;
use governor::{Quota, RateLimiter};
use ipnet::IpNet;
use secrecy::{ExposeSecret, SecretSlice};

use self::keys::{KeyHasher, Keys};
pub(crate) use self::policy::Observed;
pub use self::policy::{FailureLimit, ThrottlePolicy, ThrottlePolicyBuilder};
pub use self::store::{Counter, MemoryThrottleStore, ThrottleKey, ThrottleStore};
use crate::{AuthError, Clock, StoreError, SystemClock};

/// The longest account name hashed into a counter key, in bytes; longer
/// names are cut (at a character boundary), which can only merge counters.
const MAX_ACCOUNT_KEY_LEN: usize = 256;

/// The smallest number of client addresses at which the attempt-rate
/// limiter forgets addresses that are back to a fresh state.
const MIN_RATE_PRUNE: usize = 1024;

/// The IPv6 prefix counted as one client.
const CLIENT_PREFIX_V6: u8 = 64;

/// The IPv6 prefix whose clients share one aggregate budget.
const NETWORK_PREFIX_V6: u8 = 48;

/// Which limit refused an attempt or locked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ThrottleScope {
    /// Failures on one account from clients not known for it.
    Account,
    /// Failures on one account from one client address.
    AccountClient,
    /// Failures on one account from one IPv6 /48, all its /64 clients
    /// together (those not known for the account).
    AccountNetwork,
    /// Attempts (of any outcome) from one client address per unit of time.
    AttemptRate,
    /// Failures from one client address across accounts.
    Client,
    /// Failures from one IPv6 /48 across accounts, all its /64 clients
    /// together (those not known for the account).
    Network,
}

impl ThrottleScope {
    /// A fixed word for logs and audit events, such as `"account_client"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Account => "account",
            Self::AccountClient => "account_client",
            Self::AccountNetwork => "account_network",
            Self::AttemptRate => "attempt_rate",
            Self::Client => "client",
            Self::Network => "network",
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
        IpAddr::V6(v6) => v6_net(v6, CLIENT_PREFIX_V6),
    }
}

/// The /48 of an IPv6 client, whose /64s share one aggregate budget (a
/// site or a tunnel-broker customer gets a whole /48, that is 65,536 /64
/// clients); `None` for IPv4.
fn network_of(ip: IpAddr) -> Option<IpNet> {
    match ip.to_canonical() {
        IpAddr::V4(_) => None,
        IpAddr::V6(v6) => Some(v6_net(v6, NETWORK_PREFIX_V6)),
    }
}

fn v6_net(v6: std::net::Ipv6Addr, prefix: u8) -> IpNet {
    let host = ipnet::Ipv6Net::from(v6);
    IpNet::V6(ipnet::Ipv6Net::new(v6, prefix).map_or(host, |net| net.trunc()))
}

fn account_key(account: &str) -> &str {
    account
        .get(..account.floor_char_boundary(MAX_ACCOUNT_KEY_LEN))
        .unwrap_or(account)
}

/// The attempt-rate cap measures intervals on the clock's monotonic
/// reading ([`Clock::monotonic`]): a wall-clock step must neither block
/// active clients nor free them. Tests drive it with a
/// [`ManualClock`](crate::ManualClock).
#[derive(Debug, Clone)]
struct RateClock(Arc<dyn Clock>);

impl GovernorClock for RateClock {
    type Instant = Instant;

    fn now(&self) -> Instant {
        self.0.monotonic()
    }
}

type AttemptLimiter = RateLimiter<
    IpNet,
    DashMapStateStore<IpNet>,
    RateClock,
    governor::middleware::NoOpMiddleware<Instant>,
>;

/// Decides whether a login attempt may go ahead, counts it, and settles
/// the count once its outcome is known.
///
/// Call [`check`](Self::check) before looking up the user and verifying the
/// password. It counts the attempt as a failure *before* answering (so
/// concurrent attempts cannot all pass one check, and a store that cannot
/// be written refuses the attempt instead of letting it through
/// uncounted), and answers with an [`Attempt`] to report the outcome to:
/// [`fail`](Attempt::fail), [`succeed`](Attempt::succeed) (clears the
/// account + client counter and gives back the other counts) or
/// [`cancel`](Attempt::cancel) (gives back every count, for an attempt that
/// verified no password). The flows in this crate do this for you.
///
/// Counter keys hold a keyed hash (HMAC-SHA-256) of the account name, never
/// the name itself. By default the key is a fixed, public one, so that
/// every instance sharing a store computes the same keys; give all of them
/// the same secret with [`with_key`](Self::with_key) so that a dump of the
/// store does not reveal, even to someone guessing names, which accounts
/// were attacked (or a password typed into the username field).
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
///     throttle.check("alice", client).await?.fail();
/// }
/// // The fourth failure in a row makes the next attempt wait.
/// throttle.check("alice", client).await?.fail();
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
    hasher: KeyHasher,
}

impl fmt::Debug for Throttle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Throttle")
            .field("policy", &self.policy)
            .field("store", &self.store)
            .field("clock", &self.clock)
            .field("keyed", &self.hasher.is_secret())
            .finish_non_exhaustive()
    }
}

impl Throttle {
    /// The shortest key [`with_key`](Self::with_key) accepts, in bytes.
    pub const MIN_KEY_LEN: usize = 32;

    /// A throttle deciding by `policy` over counters in `store`, on the
    /// system clock, with the public default key for counter names.
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
        // A built policy bounds burst and period, so governor's arithmetic
        // (nanoseconds in a u64, burst × period) cannot overflow.
        let limiter = policy.attempt_rate().and_then(|rate| {
            let burst = NonZeroU32::new(rate.burst)?;
            let quota = Quota::with_period(rate.period)?.allow_burst(burst);
            Some(RateLimiter::dashmap_with_clock(
                quota,
                RateClock(Arc::clone(&clock)),
            ))
        });
        Self {
            policy,
            store,
            clock,
            limiter,
            prune_at: AtomicUsize::new(MIN_RATE_PRUNE),
            hasher: KeyHasher::public(),
        }
    }

    /// The same throttle, naming counters with an HMAC under `key` (at
    /// least [`MIN_KEY_LEN`](Self::MIN_KEY_LEN) random bytes). Every
    /// instance that shares the store must use the same key, or each counts
    /// apart; changing the key starts every counter afresh.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use opsguard_auth::{MemoryThrottleStore, Throttle, ThrottlePolicy};
    /// use secrecy::SecretSlice;
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let key = SecretSlice::from(vec![7u8; 32]); // from your secret store
    /// let throttle = Throttle::new(ThrottlePolicy::default(), Arc::new(MemoryThrottleStore::new()))
    ///     .with_key(&key)?;
    /// # let _ = throttle;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`AuthError::InvalidConfig`] for a key shorter than
    /// [`MIN_KEY_LEN`](Self::MIN_KEY_LEN).
    pub fn with_key(mut self, key: &SecretSlice<u8>) -> Result<Self, AuthError> {
        let key = key.expose_secret();
        if key.len() < Self::MIN_KEY_LEN {
            return Err(AuthError::InvalidConfig {
                name: "with_key",
                reason: "key shorter than 32 bytes",
            });
        }
        self.hasher = KeyHasher::secret(key)?;
        Ok(self)
    }

    /// The policy.
    #[must_use]
    pub fn policy(&self) -> &ThrottlePolicy {
        &self.policy
    }

    /// Whether `account` may try to log in from `client` now; if so the
    /// attempt is counted as a failure before this returns.
    ///
    /// `account` should be the normalized username, whether or not such a
    /// user exists (so that a refusal says nothing about existence);
    /// `client` the address from a [`ClientIpResolver`](crate::ClientIpResolver).
    ///
    /// The counters are read and judged; if every limit lets the attempt
    /// through, each applicable counter is incremented, and the counts the
    /// store returns are judged again: an attempt counted behind a
    /// concurrent one that should have made it wait is refused after all
    /// (and its counts given back). The returned [`Attempt`] must be
    /// settled with [`fail`](Attempt::fail), [`succeed`](Attempt::succeed)
    /// or [`cancel`](Attempt::cancel); dropped, it stays a failure.
    ///
    /// # Errors
    ///
    /// [`AuthError::Throttled`] when a limit refuses the attempt;
    /// [`AuthError::Store`] when the counters cannot be read *or written*
    /// (the attempt is refused: a throttle that fails open is no throttle).
    pub async fn check(&self, account: &str, client: IpAddr) -> Result<Attempt<'_>, AuthError> {
        let client_ip = client;
        let client = client_net(client_ip);
        if let Some(limiter) = &self.limiter {
            let outcome = limiter.check_key(&client);
            self.prune_limiter(limiter);
            if let Err(not_until) = outcome {
                let wait = not_until.wait_time_from(self.clock.monotonic());
                return Err(AuthError::Throttled(Throttled::new(
                    ThrottleScope::AttemptRate,
                    wait,
                    false,
                )));
            }
        }
        let keys = Keys::new(
            &self.hasher,
            account_key(account),
            client,
            network_of(client_ip),
        );
        let now = self.clock.now();
        let known = self.is_known(&keys, now).await?;
        let mut seen = Observed {
            known,
            account_client: self.read(&keys.account_client, now).await?,
            ..Observed::default()
        };
        if !known {
            seen.client = self.read(&keys.client, now).await?;
            seen.account = self.read(&keys.account, now).await?;
            if let Some(network) = &keys.network {
                seen.account_network = self.read(&network.account_network, now).await?;
                seen.network = self.read(&network.network, now).await?;
            }
        }
        if let Some(throttled) = self.policy.decide(&seen, now) {
            return Err(AuthError::Throttled(throttled));
        }
        let lockout = self.count(&keys, &seen, now).await?;
        Ok(Attempt {
            throttle: self,
            keys,
            known,
            prior_failures: seen.account_client.map_or(0, |c| c.count()),
            lockout,
        })
    }

    /// Counts an admitted attempt on every applicable counter, judging each
    /// new count (see [`check`](Self::check)); the lock the attempt would
    /// engage if it fails.
    async fn count(
        &self,
        keys: &Keys,
        seen: &Observed,
        now: SystemTime,
    ) -> Result<Option<Lockout>, AuthError> {
        let seen_count = |counter: Option<Counter>| counter.map_or(0, |c| c.count());
        let policy = &self.policy;
        let mut plan = vec![(
            ThrottleScope::AccountClient,
            &keys.account_client,
            policy.account_client_limit(),
            seen_count(seen.account_client),
        )];
        if !seen.known {
            if let Some(network) = &keys.network {
                plan.push((
                    ThrottleScope::AccountNetwork,
                    &network.account_network,
                    policy.account_client_limit(),
                    seen_count(seen.account_network),
                ));
            }
            plan.push((
                ThrottleScope::Client,
                &keys.client,
                policy.client_limit(),
                seen_count(seen.client),
            ));
            if let Some(network) = &keys.network {
                plan.push((
                    ThrottleScope::Network,
                    &network.network,
                    policy.client_limit(),
                    seen_count(seen.network),
                ));
            }
            plan.push((
                ThrottleScope::Account,
                &keys.account,
                policy.account_limit(),
                seen_count(seen.account),
            ));
        }
        let mut counted: Vec<&ThrottleKey> = Vec::with_capacity(plan.len());
        let mut lockout = None;
        for (scope, key, limit, seen) in plan {
            // A write failure leaves what was counted so far: fail closed.
            let after = self.store.increment(key, now, limit.window()).await?;
            counted.push(key);
            // The account-wide delay runs from this client's own failures,
            // which the pair counter has just judged; other clients'
            // concurrent failures on the account must not refuse it.
            let refused = (scope != ThrottleScope::Account)
                .then(|| limit.refuses_counted(seen, after.count()))
                .flatten();
            if let Some((retry_after, locked)) = refused {
                self.give_back(&counted, now).await;
                return Err(AuthError::Throttled(Throttled::new(
                    scope,
                    retry_after,
                    locked,
                )));
            }
            if limit.locks_at(after.count()) {
                lockout = Some(Lockout {
                    scope,
                    duration: limit.window(),
                });
            }
        }
        Ok(lockout)
    }

    /// Takes one off each of `keys`; a store failure is logged and the
    /// count stays (which only errs on the side of refusing).
    async fn give_back(&self, keys: &[&ThrottleKey], now: SystemTime) {
        for key in keys {
            if let Err(err) = self.store.decrement(key, now).await {
                tracing::warn!(
                    target: "opsguard::auth",
                    error = &err as &(dyn std::error::Error + 'static),
                    "throttle count not given back"
                );
            }
        }
    }

    /// Forget every client known for `account`: after a password reset or
    /// "log out everywhere", a client that logged in before must again be
    /// judged by the client-wide and account-wide counters. One write; the
    /// marks themselves expire with their lifetime.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the store cannot be written.
    pub async fn forget_known_clients(&self, account: &str) -> Result<(), StoreError> {
        let key = self.hasher.account_key("known-reset", account_key(account));
        self.store
            .increment(&key, self.clock.now(), self.policy.known_client_ttl())
            .await
            .map(drop)
    }

    /// Whether the client of `keys` is known for its account: it logged in
    /// successfully within the known-client lifetime, after the account's
    /// known clients were last forgotten.
    async fn is_known(&self, keys: &Keys, now: SystemTime) -> Result<bool, StoreError> {
        let Some(mark) = self.read(&keys.known, now).await? else {
            return Ok(false);
        };
        let reset = self.read(&keys.known_reset, now).await?;
        Ok(reset.is_none_or(|reset| mark.last_failure() > reset.last_failure()))
    }

    /// A counter, with a count of zero read as absent.
    async fn read(
        &self,
        key: &ThrottleKey,
        now: SystemTime,
    ) -> Result<Option<Counter>, StoreError> {
        Ok(self
            .store
            .read(key, now)
            .await?
            .filter(|counter| counter.count() > 0))
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

/// A login attempt the throttle let through, already counted as a failure;
/// report how it ended.
///
/// Dropped without a report it stays counted as a failure.
#[derive(Debug)]
#[must_use = "settle the attempt with `fail`, `succeed` or `cancel`; dropped, it counts as a failure"]
pub struct Attempt<'a> {
    throttle: &'a Throttle,
    keys: Keys,
    known: bool,
    prior_failures: u32,
    lockout: Option<Lockout>,
}

impl Attempt<'_> {
    /// Whether the client had logged in to this account successfully within
    /// the known-client lifetime (and since its known clients were last
    /// forgotten).
    #[must_use]
    pub fn is_known_client(&self) -> bool {
        self.known
    }

    /// Failures of this account from this client before this attempt.
    #[must_use]
    pub fn prior_failures(&self) -> u32 {
        self.prior_failures
    }

    /// The attempt failed. It was counted by [`Throttle::check`], against
    /// the (account, client) pair and, unless the client is known for the
    /// account, against the client, the account and (IPv6) the client's
    /// /48; nothing is left to write.
    ///
    /// Returns the lock this failure engaged, if any, for the audit log.
    #[must_use = "a lock engaged by the failure should be audited"]
    pub fn fail(self) -> Option<Lockout> {
        self.lockout
    }

    /// The attempt succeeded: forget this pair's failures, remember the
    /// client as known for the account, and give back the count this
    /// attempt added to the client-wide, network-wide and account-wide
    /// counters.
    ///
    /// Those counters are not reset: an attacker who holds one valid
    /// password must not clear the record of their failures on other
    /// accounts, nor the owner's success clear an attacker's failures on the
    /// account. They expire with their window. (Giving back keeps a
    /// counter's last-failure time, which can only lengthen a delay.)
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
        for key in self.keys.wide(self.known) {
            throttle.store.decrement(key, now).await?;
        }
        Ok(())
    }

    /// The attempt was not decided (the user directory failed, say): no
    /// password was verified, so every count it added is given back.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when a counter cannot be written (the counts then
    /// stay, which only errs on the side of refusing).
    pub async fn cancel(self) -> Result<(), StoreError> {
        let throttle = self.throttle;
        let now = throttle.clock.now();
        throttle
            .store
            .decrement(&self.keys.account_client, now)
            .await?;
        for key in self.keys.wide(self.known) {
            throttle.store.decrement(key, now).await?;
        }
        Ok(())
    }
}

//! The throttle's rules: pure functions of counters and the time.

use std::time::{Duration, SystemTime};

use crate::AuthError;
use crate::throttle::{Counter, ThrottleScope, Throttled};

/// The longest delay the account-wide limit may impose: anything longer is
/// a lockout in all but name, and an attacker could keep the owner out.
const ACCOUNT_MAX_DELAY_CEILING: Duration = Duration::from_secs(5 * 60);

/// The rules of one failure counter: how many failures pass freely, how the
/// delay between attempts grows after that, whether and when the counter
/// locks, and how long it is remembered.
///
/// After `free_failures` failures, the next attempt must wait `base_delay`
/// after the last failure; each further failure doubles the wait, up to
/// `max_delay`. With a lock, the failure that brings the count to
/// `lock_after` refuses every attempt until `window` has passed since it.
/// The counter is forgotten `window` after its last failure.
///
/// ```
/// use std::time::Duration;
/// use opsguard_auth::FailureLimit;
///
/// let limit = FailureLimit::new(Duration::from_secs(15 * 60))
///     .with_free_failures(3)
///     .with_delay(Duration::from_secs(1), Duration::from_secs(60))
///     .with_lock_after(10);
/// assert_eq!(limit.delay_after(3), Duration::ZERO);
/// assert_eq!(limit.delay_after(4), Duration::from_secs(1));
/// assert_eq!(limit.delay_after(6), Duration::from_secs(4));
/// assert_eq!(limit.delay_after(9), Duration::from_secs(32));
/// assert!(limit.is_locked_at(10));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureLimit {
    window: Duration,
    free_failures: u32,
    base_delay: Duration,
    max_delay: Duration,
    lock_after: Option<u32>,
}

impl FailureLimit {
    /// A counter remembered for `window` after its last failure, with 3
    /// free failures, a delay from 1 s doubling up to 60 s (or `window` if
    /// shorter), and no lock.
    #[must_use]
    pub fn new(window: Duration) -> Self {
        Self {
            window,
            free_failures: 3,
            base_delay: Duration::from_secs(1).min(window),
            max_delay: Duration::from_secs(60).min(window),
            lock_after: None,
        }
    }

    /// Failures that cause no delay.
    #[must_use]
    pub fn with_free_failures(mut self, failures: u32) -> Self {
        self.free_failures = failures;
        self
    }

    /// The first delay (`base`) and the largest one (`max`).
    #[must_use]
    pub fn with_delay(mut self, base: Duration, max: Duration) -> Self {
        self.base_delay = base;
        self.max_delay = max;
        self
    }

    /// Lock once the count reaches `failures`, until `window` has passed
    /// since the last failure.
    #[must_use]
    pub fn with_lock_after(mut self, failures: u32) -> Self {
        self.lock_after = Some(failures);
        self
    }

    /// Never lock; only delay.
    #[must_use]
    pub fn without_lock(mut self) -> Self {
        self.lock_after = None;
        self
    }

    /// How long the counter is remembered after its last failure (and how
    /// long a lock lasts).
    #[must_use]
    pub fn window(&self) -> Duration {
        self.window
    }

    /// The wait imposed after `failures` failures, when not locked.
    #[must_use]
    pub fn delay_after(&self, failures: u32) -> Duration {
        let Some(over) = failures.checked_sub(self.free_failures) else {
            return Duration::ZERO;
        };
        let Some(doublings) = over.checked_sub(1) else {
            return Duration::ZERO;
        };
        let factor = 2u32.checked_pow(doublings).unwrap_or(u32::MAX);
        self.base_delay
            .checked_mul(factor)
            .unwrap_or(self.max_delay)
            .min(self.max_delay)
    }

    /// Whether `failures` failures lock the counter.
    #[must_use]
    pub fn is_locked_at(&self, failures: u32) -> bool {
        self.lock_after.is_some_and(|lock| failures >= lock)
    }

    /// Whether the failure that made the count `failures` is the one that
    /// locked it.
    pub(crate) fn locks_at(&self, failures: u32) -> bool {
        self.lock_after == Some(failures)
    }

    /// How long an attempt must still wait, measured from `from` (the time
    /// the delay runs from), given `counter`; `None` when it may go ahead.
    /// The second value tells whether the wait is a lock.
    fn wait(
        &self,
        counter: Counter,
        from: SystemTime,
        now: SystemTime,
    ) -> Option<(Duration, bool)> {
        let (span, locked, from) = if self.is_locked_at(counter.count()) {
            (self.window, true, counter.last_failure())
        } else {
            (self.delay_after(counter.count()), false, from)
        };
        if span.is_zero() {
            return None;
        }
        let until = from.checked_add(span)?;
        let remaining = until.duration_since(now).ok()?;
        // A counter written by an instance whose clock runs ahead cannot
        // impose more than the rule's own span.
        let remaining = remaining.min(span);
        (!remaining.is_zero()).then_some((remaining, locked))
    }

    fn validate(&self, name: &'static str) -> Result<(), AuthError> {
        let invalid = AuthError::InvalidConfig { name };
        if self.window.is_zero()
            || self.base_delay.is_zero()
            || self.base_delay > self.max_delay
            || self.max_delay > self.window
            || self
                .lock_after
                .is_some_and(|lock| lock == 0 || lock <= self.free_failures)
        {
            return Err(invalid);
        }
        Ok(())
    }
}

/// How the [`Throttle`](crate::Throttle) decides, with the secure defaults
/// described in the crate's README.
///
/// ```
/// use std::time::Duration;
/// use opsguard_auth::{FailureLimit, ThrottlePolicy};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let policy = ThrottlePolicy::builder()
///     .with_account_client_limit(
///         FailureLimit::new(Duration::from_secs(30 * 60)).with_lock_after(5),
///     )
///     .build()?;
/// assert_eq!(policy.account_client_limit().window(), Duration::from_secs(30 * 60));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThrottlePolicy {
    account_client: FailureLimit,
    client: FailureLimit,
    account: FailureLimit,
    known_client_ttl: Duration,
    attempt_rate: Option<AttemptRate>,
}

/// A cap on the rate of login attempts from one client, whatever their
/// outcome: `burst` at once, then one every `period`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AttemptRate {
    pub(crate) burst: u32,
    pub(crate) period: Duration,
}

const FIFTEEN_MINUTES: Duration = Duration::from_secs(15 * 60);

impl Default for ThrottlePolicy {
    /// * per (account, client): 3 free failures, then 1 s doubling to 60 s,
    ///   locked at 10 failures for 15 minutes;
    /// * per client across accounts: 20 free failures, then 1 s doubling to
    ///   30 s, locked at 100 failures for 15 minutes;
    /// * per account across clients that are not known for it: 10 free
    ///   failures, then 1 s doubling to 30 s, never locked;
    /// * a client is known for an account for 30 days after a successful
    ///   login from it;
    /// * at most 10 attempts at once per client, then one per second.
    fn default() -> Self {
        Self {
            account_client: FailureLimit::new(FIFTEEN_MINUTES)
                .with_free_failures(3)
                .with_delay(Duration::from_secs(1), Duration::from_secs(60))
                .with_lock_after(10),
            client: FailureLimit::new(FIFTEEN_MINUTES)
                .with_free_failures(20)
                .with_delay(Duration::from_secs(1), Duration::from_secs(30))
                .with_lock_after(100),
            account: FailureLimit::new(FIFTEEN_MINUTES)
                .with_free_failures(10)
                .with_delay(Duration::from_secs(1), Duration::from_secs(30)),
            known_client_ttl: Duration::from_secs(30 * 24 * 60 * 60),
            attempt_rate: Some(AttemptRate {
                burst: 10,
                period: Duration::from_secs(1),
            }),
        }
    }
}

impl ThrottlePolicy {
    /// A builder starting from the defaults.
    #[must_use]
    pub fn builder() -> ThrottlePolicyBuilder {
        ThrottlePolicyBuilder {
            policy: Self::default(),
        }
    }

    /// The limit per (account, client).
    #[must_use]
    pub fn account_client_limit(&self) -> FailureLimit {
        self.account_client
    }

    /// The limit per client across accounts.
    #[must_use]
    pub fn client_limit(&self) -> FailureLimit {
        self.client
    }

    /// The limit per account across clients not known for it.
    #[must_use]
    pub fn account_limit(&self) -> FailureLimit {
        self.account
    }

    /// How long a client stays known for an account after a successful
    /// login.
    #[must_use]
    pub fn known_client_ttl(&self) -> Duration {
        self.known_client_ttl
    }

    pub(crate) fn attempt_rate(&self) -> Option<AttemptRate> {
        self.attempt_rate
    }

    /// Whether an attempt described by `seen` may go ahead at `now`; the
    /// longest wait wins when several limits apply.
    pub(crate) fn decide(&self, seen: &Observed, now: SystemTime) -> Option<Throttled> {
        let mut worst: Option<Throttled> = None;
        let mut consider = |scope, wait: Option<(Duration, bool)>| {
            if let Some((retry_after, locked)) = wait
                && worst.as_ref().is_none_or(|w| retry_after > w.retry_after())
            {
                worst = Some(Throttled::new(scope, retry_after, locked));
            }
        };
        if let Some(pair) = seen.account_client {
            consider(
                ThrottleScope::AccountClient,
                self.account_client.wait(pair, pair.last_failure(), now),
            );
        }
        if !seen.known {
            if let Some(client) = seen.client {
                consider(
                    ThrottleScope::Client,
                    self.client.wait(client, client.last_failure(), now),
                );
            }
            // The account-wide delay runs from this client's own last
            // failure on the account: a client that has not failed here
            // yet is never held back by other clients' failures, so an
            // attacker cannot starve the owner, only slow themselves.
            if let (Some(account), Some(pair)) = (seen.account, seen.account_client) {
                consider(
                    ThrottleScope::Account,
                    self.account.wait(account, pair.last_failure(), now),
                );
            }
        }
        worst
    }
}

/// What the throttle read before deciding on an attempt.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Observed {
    pub(crate) known: bool,
    pub(crate) account_client: Option<Counter>,
    pub(crate) client: Option<Counter>,
    pub(crate) account: Option<Counter>,
}

/// Builds a [`ThrottlePolicy`]; every setting starts at its default.
#[derive(Debug, Clone)]
pub struct ThrottlePolicyBuilder {
    policy: ThrottlePolicy,
}

impl ThrottlePolicyBuilder {
    /// The limit per (account, client address): the classic brute-force
    /// guard, with progressive delay and a lock.
    #[must_use]
    pub fn with_account_client_limit(mut self, limit: FailureLimit) -> Self {
        self.policy.account_client = limit;
        self
    }

    /// The limit per client address across accounts: the guard against
    /// credential stuffing and password spraying.
    #[must_use]
    pub fn with_client_limit(mut self, limit: FailureLimit) -> Self {
        self.policy.client = limit;
        self
    }

    /// The limit per account across client addresses not known for it: the
    /// guard against a distributed attack on one account. It may not lock,
    /// and its largest delay may not exceed 5 minutes.
    #[must_use]
    pub fn with_account_limit(mut self, limit: FailureLimit) -> Self {
        self.policy.account = limit;
        self
    }

    /// How long a client address stays known for an account after a
    /// successful login from it (default 30 days).
    #[must_use]
    pub fn with_known_client_ttl(mut self, ttl: Duration) -> Self {
        self.policy.known_client_ttl = ttl;
        self
    }

    /// At most `burst` login attempts at once from one client address, then
    /// one every `period`, whatever their outcome (default 10 and 1 s).
    /// This bounds the password-hashing work one address can cause.
    #[must_use]
    pub fn with_attempt_rate(mut self, burst: u32, period: Duration) -> Self {
        self.policy.attempt_rate = Some(AttemptRate { burst, period });
        self
    }

    /// No cap on the attempt rate (for example when a reverse proxy
    /// enforces one).
    #[must_use]
    pub fn without_attempt_rate(mut self) -> Self {
        self.policy.attempt_rate = None;
        self
    }

    /// The policy.
    ///
    /// # Errors
    ///
    /// [`AuthError::InvalidConfig`] naming the setting when a window or
    /// delay is zero, a first delay exceeds the largest, a largest delay
    /// exceeds its window, a lock comes no later than the free failures,
    /// the account-wide limit locks or delays more than 5 minutes, the
    /// known-client lifetime is zero, or the attempt rate is zero.
    pub fn build(self) -> Result<ThrottlePolicy, AuthError> {
        let policy = self.policy;
        policy
            .account_client
            .validate("with_account_client_limit")?;
        policy.client.validate("with_client_limit")?;
        policy.account.validate("with_account_limit")?;
        if policy.account.lock_after.is_some()
            || policy.account.max_delay > ACCOUNT_MAX_DELAY_CEILING
        {
            return Err(AuthError::InvalidConfig {
                name: "with_account_limit",
            });
        }
        if policy.known_client_ttl.is_zero() {
            return Err(AuthError::InvalidConfig {
                name: "with_known_client_ttl",
            });
        }
        if policy
            .attempt_rate
            .is_some_and(|rate| rate.burst == 0 || rate.period.is_zero())
        {
            return Err(AuthError::InvalidConfig {
                name: "with_attempt_rate",
            });
        }
        Ok(policy)
    }
}

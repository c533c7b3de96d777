//! The throttle's rules: pure functions of counters and the time.

use std::time::{Duration, SystemTime};

use crate::AuthError;
use crate::throttle::{Counter, ThrottleScope, Throttled};

const DAY: Duration = Duration::from_secs(24 * 60 * 60);

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
/// The window may be at most [`MAX_WINDOW`](Self::MAX_WINDOW) (7 days) and
/// every delay at most the window; [`ThrottlePolicyBuilder::build`] refuses
/// anything else, so no computation on a limit can overflow.
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
    /// The longest window (and so the longest delay or lock) a policy
    /// accepts: 7 days. A counter remembered longer mostly keeps owners out.
    pub const MAX_WINDOW: Duration = Duration::from_secs(7 * 24 * 60 * 60);

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
        let remaining = match from.checked_add(span) {
            Some(until) => until.duration_since(now).ok()?,
            // The end lies beyond the last representable time: the wait
            // lasts until then, which is the whole span (a validated policy
            // never gets here; a saturated wait must never mean "no wait").
            None => span,
        };
        // A counter written by an instance whose clock runs ahead (or a
        // clock stepped back) cannot impose more than the rule's own span.
        let remaining = remaining.min(span);
        (!remaining.is_zero()).then_some((remaining, locked))
    }

    /// The refusal of an attempt the store has just counted as failure
    /// number `counted`, when the check before it saw `seen` failures:
    /// if other attempts were counted in between (`counted - 1 > seen`),
    /// the last of them is as recent as it gets, so the wait it imposes
    /// has not passed. `None` when the attempt may go ahead.
    pub(crate) fn refuses_counted(&self, seen: u32, counted: u32) -> Option<(Duration, bool)> {
        let previous = counted.saturating_sub(1);
        if previous <= seen {
            return None;
        }
        if self.is_locked_at(previous) {
            return Some((self.window, true));
        }
        let delay = self.delay_after(previous);
        (!delay.is_zero()).then_some((delay, false))
    }

    fn validate(&self, name: &'static str) -> Result<(), AuthError> {
        let invalid = |reason| Err(AuthError::InvalidConfig { name, reason });
        if self.window.is_zero() {
            return invalid("window is zero");
        }
        if self.window > Self::MAX_WINDOW {
            return invalid("window longer than 7 days");
        }
        if self.base_delay.is_zero() {
            return invalid("first delay is zero");
        }
        if self.base_delay > self.max_delay {
            return invalid("first delay longer than the largest");
        }
        if self.max_delay > self.window {
            return invalid("largest delay longer than the window");
        }
        if self.lock_after == Some(0) {
            return invalid("lock after zero failures");
        }
        if self
            .lock_after
            .is_some_and(|lock| lock <= self.free_failures)
        {
            return invalid("lock no later than the free failures");
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

impl ThrottlePolicy {
    /// The largest delay the account-wide limit may impose: 5 minutes.
    /// Anything longer is a lockout in all but name, and an attacker could
    /// keep the owner out.
    pub const MAX_ACCOUNT_DELAY: Duration = Duration::from_secs(5 * 60);
    /// The longest a client may stay known for an account: 366 days.
    pub const MAX_KNOWN_CLIENT_TTL: Duration = Duration::from_secs(366 * 24 * 60 * 60);
    /// The largest attempt-rate burst: 10,000 attempts.
    pub const MAX_ATTEMPT_BURST: u32 = 10_000;
    /// The longest attempt-rate period: one day.
    pub const MAX_ATTEMPT_PERIOD: Duration = DAY;
}

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
            // An IPv6 client's /48 is judged like one client: by the pair
            // limit on this account, and by the client limit across accounts.
            if let Some(net_pair) = seen.account_network {
                consider(
                    ThrottleScope::AccountNetwork,
                    self.account_client
                        .wait(net_pair, net_pair.last_failure(), now),
                );
            }
            if let Some(net) = seen.network {
                consider(
                    ThrottleScope::Network,
                    self.client.wait(net, net.last_failure(), now),
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
    /// The (account, /48) counter of an IPv6 client.
    pub(crate) account_network: Option<Counter>,
    /// The /48 counter of an IPv6 client.
    pub(crate) network: Option<Counter>,
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
    /// and its largest delay may not exceed
    /// [`ThrottlePolicy::MAX_ACCOUNT_DELAY`] (5 minutes).
    #[must_use]
    pub fn with_account_limit(mut self, limit: FailureLimit) -> Self {
        self.policy.account = limit;
        self
    }

    /// How long a client address stays known for an account after a
    /// successful login from it (default 30 days, at most
    /// [`ThrottlePolicy::MAX_KNOWN_CLIENT_TTL`]).
    #[must_use]
    pub fn with_known_client_ttl(mut self, ttl: Duration) -> Self {
        self.policy.known_client_ttl = ttl;
        self
    }

    /// At most `burst` login attempts at once from one client address, then
    /// one every `period`, whatever their outcome (default 10 and 1 s).
    /// This bounds the password-hashing work one address can cause.
    ///
    /// `burst` may be 1 to [`ThrottlePolicy::MAX_ATTEMPT_BURST`] and
    /// `period` up to [`ThrottlePolicy::MAX_ATTEMPT_PERIOD`]; `build`
    /// refuses anything else, so the limiter can never overflow.
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
    /// [`AuthError::InvalidConfig`] naming the setting and the reason when
    /// a window or delay is zero, a window is longer than
    /// [`FailureLimit::MAX_WINDOW`], a first delay exceeds the largest, a
    /// largest delay exceeds its window, a lock comes no later than the free
    /// failures, the account-wide limit locks or delays more than
    /// [`ThrottlePolicy::MAX_ACCOUNT_DELAY`], the known-client lifetime is
    /// zero or longer than [`ThrottlePolicy::MAX_KNOWN_CLIENT_TTL`], or the
    /// attempt rate's burst or period is zero or above its maximum.
    pub fn build(self) -> Result<ThrottlePolicy, AuthError> {
        let policy = self.policy;
        policy
            .account_client
            .validate("with_account_client_limit")?;
        policy.client.validate("with_client_limit")?;
        policy.account.validate("with_account_limit")?;
        let invalid = |name, reason| Err(AuthError::InvalidConfig { name, reason });
        if policy.account.lock_after.is_some() {
            return invalid("with_account_limit", "the account-wide limit may not lock");
        }
        if policy.account.max_delay > ThrottlePolicy::MAX_ACCOUNT_DELAY {
            return invalid("with_account_limit", "largest delay longer than 5 minutes");
        }
        if policy.known_client_ttl.is_zero() {
            return invalid("with_known_client_ttl", "lifetime is zero");
        }
        if policy.known_client_ttl > ThrottlePolicy::MAX_KNOWN_CLIENT_TTL {
            return invalid("with_known_client_ttl", "lifetime longer than 366 days");
        }
        if let Some(rate) = policy.attempt_rate {
            if rate.burst == 0 {
                return invalid("with_attempt_rate", "burst is zero");
            }
            if rate.burst > ThrottlePolicy::MAX_ATTEMPT_BURST {
                return invalid("with_attempt_rate", "burst above 10000");
            }
            if rate.period.is_zero() {
                return invalid("with_attempt_rate", "period is zero");
            }
            if rate.period > ThrottlePolicy::MAX_ATTEMPT_PERIOD {
                return invalid("with_attempt_rate", "period longer than one day");
            }
        }
        Ok(policy)
    }
}

#[cfg(test)]
mod tests {
    use std::time::UNIX_EPOCH;

    use super::*;

    fn t0() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_800_000_000)
    }

    #[test]
    fn a_wait_whose_end_overflows_saturates_instead_of_vanishing() {
        // Unvalidated on purpose: a saturated end must still mean "wait".
        let limit = FailureLimit::new(Duration::MAX)
            .with_delay(Duration::from_secs(1), Duration::from_secs(60))
            .with_lock_after(5);
        let counter = Counter::new(5, t0());
        assert_eq!(
            limit.wait(counter, t0(), t0() + Duration::from_secs(1)),
            Some((Duration::MAX, true))
        );
        let delayed = Counter::new(4, t0());
        let huge_delay = FailureLimit::new(Duration::MAX)
            .with_free_failures(3)
            .with_delay(Duration::MAX, Duration::MAX);
        assert_eq!(
            huge_delay.wait(delayed, t0(), t0()),
            Some((Duration::MAX, false))
        );
    }

    #[test]
    fn delays_saturate_at_the_largest_for_any_count() {
        let limit = FailureLimit::new(FailureLimit::MAX_WINDOW)
            .with_free_failures(0)
            .with_delay(DAY, FailureLimit::MAX_WINDOW);
        assert_eq!(limit.delay_after(1), DAY);
        assert_eq!(limit.delay_after(4), FailureLimit::MAX_WINDOW);
        assert_eq!(limit.delay_after(u32::MAX), FailureLimit::MAX_WINDOW);
        assert!(limit.validate("x").is_ok());
    }

    #[test]
    fn an_attempt_counted_behind_a_concurrent_one_waits_for_it() {
        let limit = ThrottlePolicy::default().account_client_limit();
        // Seen 3 (free), counted as the 4th: nothing in between.
        assert_eq!(limit.refuses_counted(3, 4), None);
        // Seen 0, counted as the 2nd or 4th: the ones in between were free.
        assert_eq!(limit.refuses_counted(0, 2), None);
        assert_eq!(limit.refuses_counted(0, 4), None);
        // Seen 3, counted as the 5th: the 4th makes it wait 1 s.
        assert_eq!(
            limit.refuses_counted(3, 5),
            Some((Duration::from_secs(1), false))
        );
        // Counted behind the 10th: locked.
        assert_eq!(limit.refuses_counted(8, 11), Some((FIFTEEN_MINUTES, true)));
    }
}

//! Where "now" comes from: the system clock in production, a settable clock
//! in tests.

use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A source of the current time in whole seconds since the Unix epoch (a JWT
/// `NumericDate`, RFC 7519 §2).
///
/// Issuers, verifiers, rotation and the stores' expiry all read time through
/// this trait, so tests can move time without sleeping. Implementations must
/// be cheap: verification calls [`now`](Clock::now) once per token.
pub trait Clock: Send + Sync + fmt::Debug {
    /// Seconds since 1970-01-01T00:00:00Z.
    fn now(&self) -> i64;
}

/// The system's wall clock. A clock set before 1970 reads as 0.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
    }
}

/// A clock that only moves when told to; for tests.
///
/// ```
/// use std::time::Duration;
/// use opsguard_token::clock::{Clock, ManualClock};
///
/// let clock = ManualClock::new(1_700_000_000);
/// clock.advance(Duration::from_secs(90));
/// assert_eq!(clock.now(), 1_700_000_090);
/// clock.set(5);
/// assert_eq!(clock.now(), 5);
/// ```
#[derive(Debug, Default)]
pub struct ManualClock {
    now: AtomicI64,
}

impl ManualClock {
    /// A clock reading `now` seconds since the epoch.
    #[must_use]
    pub fn new(now: i64) -> Self {
        Self {
            now: AtomicI64::new(now),
        }
    }

    /// Set the time to `now` seconds since the epoch.
    pub fn set(&self, now: i64) {
        self.now.store(now, Ordering::SeqCst);
    }

    /// Move the time forward by `by` (whole seconds; saturating).
    pub fn advance(&self, by: Duration) {
        let secs = i64::try_from(by.as_secs()).unwrap_or(i64::MAX);
        // `fetch_update` with a closure that always returns `Some` never fails.
        let _ = self
            .now
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |t| {
                Some(t.saturating_add(secs))
            });
    }
}

impl Clock for ManualClock {
    fn now(&self) -> i64 {
        self.now.load(Ordering::SeqCst)
    }
}

/// Whole seconds of `d` as an `i64`, saturating.
pub(crate) fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_clock_is_after_2020() {
        assert!(SystemClock.now() > 1_577_836_800);
    }

    #[test]
    fn manual_clock_saturates() {
        let clock = ManualClock::new(i64::MAX - 1);
        clock.advance(Duration::from_secs(10));
        assert_eq!(clock.now(), i64::MAX);
    }
}

//! The time sources of the throttle and the flows, injectable for tests.

use std::fmt;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

/// Tells the time. The flows and the throttle read the time only through
/// it, so tests can move time forward without sleeping.
///
/// Two readings, because they answer different questions:
///
/// * [`now`](Self::now), the wall clock: failure counters and audit events
///   are stamped with it, since they are shared across instances and read
///   by people;
/// * [`monotonic`](Self::monotonic), a clock that never goes back: the
///   in-process attempt-rate cap measures intervals with it, so a wall-clock
///   step (NTP, a VM resumed, an operator's `date -s`) neither blocks active
///   clients nor frees them.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current wall-clock time.
    fn now(&self) -> SystemTime;

    /// The current reading of a monotonic clock. The default is
    /// [`Instant::now`]; override it only to drive time in tests.
    fn monotonic(&self) -> Instant {
        Instant::now()
    }
}

/// The system's wall clock and [`Instant`]'s monotonic clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock that moves only when told to, for tests.
///
/// [`advance`](Self::advance) moves both readings, as real time passing
/// does; [`set`](Self::set) moves only the wall clock, as a clock step does.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use opsguard_auth::{Clock, ManualClock};
///
/// let clock = ManualClock::new(UNIX_EPOCH + Duration::from_secs(1_700_000_000));
/// let (wall, mono) = (clock.now(), clock.monotonic());
/// clock.advance(Duration::from_secs(60));
/// assert_eq!(clock.now(), wall + Duration::from_secs(60));
/// assert_eq!(clock.monotonic(), mono + Duration::from_secs(60));
/// // A step back of the wall clock leaves the monotonic reading alone.
/// clock.set(wall);
/// assert_eq!(clock.monotonic(), mono + Duration::from_secs(60));
/// ```
#[derive(Debug)]
pub struct ManualClock {
    state: Mutex<ManualState>,
}

#[derive(Debug, Clone, Copy)]
struct ManualState {
    wall: SystemTime,
    monotonic: Instant,
}

impl ManualClock {
    /// A clock showing `start` on the wall clock (its monotonic reading
    /// starts at the [`Instant`] of its creation).
    #[must_use]
    pub fn new(start: SystemTime) -> Self {
        Self {
            state: Mutex::new(ManualState {
                wall: start,
                monotonic: Instant::now(),
            }),
        }
    }

    /// Let `by` pass: both readings move forward (each saturating at the
    /// largest value the platform can represent).
    pub fn advance(&self, by: Duration) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(later) = state.wall.checked_add(by) {
            state.wall = later;
        }
        if let Some(later) = state.monotonic.checked_add(by) {
            state.monotonic = later;
        }
    }

    /// Set the wall clock to `to`, forward or back; the monotonic reading
    /// does not move.
    pub fn set(&self, to: SystemTime) {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .wall = to;
    }

    fn read(&self) -> ManualState {
        *self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        self.read().wall
    }

    fn monotonic(&self) -> Instant {
        self.read().monotonic
    }
}

//! criterion benches of the opsguard family, in `benches/`. Each bench
//! measures opsguard and the raw crate it wraps side by side in one run, so
//! the figures are ratios on the same machine. Run one with
//! `cargo bench -p opsguard-benches --bench <name>`.
#![forbid(unsafe_code)]

use std::time::Duration;

use cpu_time::ThreadTime;
use criterion::measurement::{Measurement, ValueFormatter, WallTime};

/// The CPU time of the measuring thread, formatted like wall time: for
/// benches whose work all runs on the calling thread (a current-thread
/// runtime). On the shared 2-core machine other processes' load moved
/// wall-clock results of the same code by 30% between runs, while CPU time
/// counts only this thread's own work.
pub struct ThreadCpu(WallTime);

impl ThreadCpu {
    /// The measurement.
    #[must_use]
    pub const fn new() -> Self {
        Self(WallTime)
    }
}

impl Default for ThreadCpu {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for ThreadCpu {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ThreadCpu")
    }
}

impl Measurement for ThreadCpu {
    type Intermediate = ThreadTime;
    type Value = Duration;

    fn start(&self) -> ThreadTime {
        ThreadTime::now()
    }

    fn end(&self, start: ThreadTime) -> Duration {
        start.elapsed()
    }

    fn add(&self, a: &Duration, b: &Duration) -> Duration {
        *a + *b
    }

    fn zero(&self) -> Duration {
        Duration::ZERO
    }

    fn to_f64(&self, value: &Duration) -> f64 {
        value.as_nanos() as f64
    }

    fn formatter(&self) -> &dyn ValueFormatter {
        self.0.formatter()
    }
}

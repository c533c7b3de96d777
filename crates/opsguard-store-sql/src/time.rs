//! `SystemTime` to and from the integer columns.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::SqlStoreError;

/// Microseconds since the Unix epoch (negative before it).
pub(crate) fn to_micros(time: SystemTime) -> Result<i64, SqlStoreError> {
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_micros()).map_err(|_| SqlStoreError::TimeOutOfRange),
        Err(before) => i64::try_from(before.duration().as_micros())
            .map(|micros| -micros)
            .map_err(|_| SqlStoreError::TimeOutOfRange),
    }
}

/// The time `micros` microseconds after (or before, when negative) the
/// Unix epoch.
pub(crate) fn from_micros(micros: i64) -> Option<SystemTime> {
    let offset = Duration::from_micros(micros.unsigned_abs());
    if micros >= 0 {
        UNIX_EPOCH.checked_add(offset)
    } else {
        UNIX_EPOCH.checked_sub(offset)
    }
}

/// `now + ttl` in microseconds, or `None` when it does not fit (the
/// counter then never expires, as in the in-memory store).
pub(crate) fn expiry_micros(now: SystemTime, ttl: Duration) -> Option<i64> {
    now.checked_add(ttl).and_then(|at| to_micros(at).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn micros_round_trip_on_both_sides_of_the_epoch() {
        for micros in [0, 1, -1, 1_700_000_000_123_456, -86_400_000_000, i64::MAX] {
            let time = from_micros(micros).unwrap();
            assert_eq!(to_micros(time).unwrap(), micros);
        }
    }

    #[test]
    fn sub_microsecond_parts_are_truncated() {
        let time = UNIX_EPOCH + Duration::from_nanos(1_999);
        assert_eq!(to_micros(time).unwrap(), 1);
    }

    #[test]
    fn an_expiry_that_does_not_fit_is_none() {
        let now = UNIX_EPOCH + Duration::from_secs(1_000);
        assert_eq!(
            expiry_micros(now, Duration::from_secs(5)),
            Some(1_005_000_000)
        );
        assert_eq!(expiry_micros(now, Duration::MAX), None);
        assert_eq!(expiry_micros(now, Duration::from_secs(1 << 60)), None);
    }
}

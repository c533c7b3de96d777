//! Login-throttle counters in `opsguard_throttle_counters`.

use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use opsguard_auth::{Counter, StoreError, ThrottleKey, ThrottleStore};

use crate::error::classify;
use crate::pool::on_pool;
use crate::time::{expiry_micros, from_micros, to_micros};
use crate::{SqlPool, SqlStoreError};

/// The name given to `opsguard_auth::StoreError`.
const STORE: &str = "throttle";

/// One upsert: a new counter starts at 1; an existing one restarts at 1 if
/// it had expired at `$2`, else goes up by one (saturating at `u32::MAX`);
/// either way its last failure becomes `$2` and its expiry `$3` (`NULL`:
/// never). The `CASE` reads the row as it was before the update, and the
/// row is locked (PostgreSQL) or the database is (SQLite) for the
/// statement, so concurrent increments of one key all count.
const INCREMENT: &str = "\
INSERT INTO opsguard_throttle_counters AS c (counter_key, failures, last_failure_us, expires_at_us)
VALUES ($1, 1, $2, $3)
ON CONFLICT (counter_key) DO UPDATE SET
    failures = CASE
        WHEN c.expires_at_us IS NOT NULL AND c.expires_at_us <= $2 THEN 1
        WHEN c.failures >= 4294967295 THEN c.failures
        ELSE c.failures + 1 END,
    last_failure_us = $2,
    expires_at_us = $3
RETURNING failures, last_failure_us";

const READ: &str = "\
SELECT failures, last_failure_us FROM opsguard_throttle_counters
WHERE counter_key = $1 AND (expires_at_us IS NULL OR expires_at_us > $2)";

/// Give one count back to a live counter above zero; its last failure and
/// expiry stay as they are.
const DECREMENT: &str = "\
UPDATE opsguard_throttle_counters SET failures = failures - 1
WHERE counter_key = $1 AND failures > 0 AND (expires_at_us IS NULL OR expires_at_us > $2)";

/// Forget a counter that a decrement brought to zero. An increment that
/// lands between the two statements leaves the count above zero, so the
/// row survives it.
const DROP_ZERO: &str =
    "DELETE FROM opsguard_throttle_counters WHERE counter_key = $1 AND failures = 0";

const CLEAR: &str = "DELETE FROM opsguard_throttle_counters WHERE counter_key = $1";

const PURGE: &str = "DELETE FROM opsguard_throttle_counters WHERE expires_at_us <= $1";

/// [`ThrottleStore`] over the table `opsguard_throttle_counters`, on SQLite
/// or PostgreSQL, so that every instance of a service counts the same
/// failures.
///
/// Times are stored as microseconds since the Unix epoch (a counter's
/// `last_failure` comes back truncated to the microsecond). An expiry
/// beyond what a `SystemTime` or the column holds is stored as `NULL`:
/// never, as in the in-memory store.
#[derive(Debug, Clone)]
pub struct SqlThrottleStore {
    pool: SqlPool,
}

impl SqlThrottleStore {
    /// The store over `pool` (migrated with [`SqlPool::migrate`]).
    pub fn new(pool: impl Into<SqlPool>) -> Self {
        Self { pool: pool.into() }
    }

    /// Delete the counters expired at `now`; how many. Expired counters
    /// already count as absent, so this only reclaims space.
    ///
    /// # Errors
    ///
    /// [`SqlStoreError`] if the database fails or `now` is out of range.
    pub async fn purge(&self, now: SystemTime) -> Result<u64, SqlStoreError> {
        self.purge_micros(to_micros(now)?).await
    }

    pub(crate) async fn purge_micros(&self, now: i64) -> Result<u64, SqlStoreError> {
        on_pool!(&self.pool, |pool, driver| sqlx::query(PURGE)
            .bind(now)
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
            .map_err(|err| classify(driver, "purge throttle counters", err)))
    }

    async fn try_increment(
        &self,
        key: &ThrottleKey,
        now: SystemTime,
        ttl: Duration,
    ) -> Result<Counter, SqlStoreError> {
        let now = to_micros(now)?;
        let expires = expiry_micros(from_micros(now).ok_or(SqlStoreError::TimeOutOfRange)?, ttl);
        let row: (i64, i64) = on_pool!(&self.pool, |pool, driver| sqlx::query_as(INCREMENT)
            .bind(key.as_str())
            .bind(now)
            .bind(expires)
            .fetch_one(pool)
            .await
            .map_err(|err| classify(driver, "count a login failure", err)))?;
        counter(row)
    }

    async fn try_read(
        &self,
        key: &ThrottleKey,
        now: SystemTime,
    ) -> Result<Option<Counter>, SqlStoreError> {
        let now = to_micros(now)?;
        let row: Option<(i64, i64)> = on_pool!(&self.pool, |pool, driver| sqlx::query_as(READ)
            .bind(key.as_str())
            .bind(now)
            .fetch_optional(pool)
            .await
            .map_err(|err| classify(driver, "read a throttle counter", err)))?;
        row.map(counter).transpose()
    }

    async fn try_decrement(&self, key: &ThrottleKey, now: SystemTime) -> Result<(), SqlStoreError> {
        let now = to_micros(now)?;
        on_pool!(&self.pool, |pool, driver| sqlx::query(DECREMENT)
            .bind(key.as_str())
            .bind(now)
            .execute(pool)
            .await
            .map(drop)
            .map_err(|err| classify(
                driver,
                "give back a throttle count",
                err
            )))?;
        on_pool!(&self.pool, |pool, driver| sqlx::query(DROP_ZERO)
            .bind(key.as_str())
            .execute(pool)
            .await
            .map(drop)
            .map_err(|err| classify(
                driver,
                "drop a spent throttle counter",
                err
            )))
    }

    async fn try_clear(&self, key: &ThrottleKey) -> Result<(), SqlStoreError> {
        on_pool!(&self.pool, |pool, driver| sqlx::query(CLEAR)
            .bind(key.as_str())
            .execute(pool)
            .await
            .map(drop)
            .map_err(|err| classify(driver, "clear a throttle counter", err)))
    }
}

fn counter((failures, last_failure): (i64, i64)) -> Result<Counter, SqlStoreError> {
    let corrupt = |column| SqlStoreError::CorruptRow {
        table: "opsguard_throttle_counters",
        column,
    };
    let failures = u32::try_from(failures).map_err(|_| corrupt("failures"))?;
    let last_failure = from_micros(last_failure).ok_or_else(|| corrupt("last_failure_us"))?;
    Ok(Counter::new(failures, last_failure))
}

#[async_trait]
impl ThrottleStore for SqlThrottleStore {
    async fn increment(
        &self,
        key: &ThrottleKey,
        now: SystemTime,
        ttl: Duration,
    ) -> Result<Counter, StoreError> {
        self.try_increment(key, now, ttl)
            .await
            .map_err(|err| err.into_auth(STORE))
    }

    async fn decrement(&self, key: &ThrottleKey, now: SystemTime) -> Result<(), StoreError> {
        self.try_decrement(key, now)
            .await
            .map_err(|err| err.into_auth(STORE))
    }

    async fn read(
        &self,
        key: &ThrottleKey,
        now: SystemTime,
    ) -> Result<Option<Counter>, StoreError> {
        self.try_read(key, now)
            .await
            .map_err(|err| err.into_auth(STORE))
    }

    async fn clear(&self, key: &ThrottleKey) -> Result<(), StoreError> {
        self.try_clear(key)
            .await
            .map_err(|err| err.into_auth(STORE))
    }
}

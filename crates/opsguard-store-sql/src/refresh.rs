//! Refresh-token families in `opsguard_refresh_families`.

use async_trait::async_trait;
use opsguard_token::refresh::{NewFamily, RefreshStore, RotateOutcome, Rotation};
use opsguard_token::{FamilyId, StoreError};

use crate::error::classify;
use crate::pool::on_pool;
use crate::{SqlPool, SqlStoreError};

/// `$5` is the first token's expiry, already capped at `$6`, the family's
/// absolute end (its maximum session length).
const CREATE: &str = "\
INSERT INTO opsguard_refresh_families
    (family_id, user_id, current_jti, previous_jti, created_at, rotated_at, expires_at,
     max_expires_at, revoked)
VALUES ($1, $2, $3, NULL, $4, $4, $5, $6, FALSE)";

/// The whole decision table of [`RefreshStore::rotate`] in one statement.
///
/// `$1` family, `$2` presented jti, `$3` next jti, `$4` next expiry,
/// `$5` now, `$6` the grace floor (`now - grace_secs`, or `i64::MAX` when
/// the grace window is off, so that `rotated_at > $6` is the grace test
/// `now < rotated_at + grace_secs` without an overflowing addition).
///
/// The `WHERE` clause admits only an active family, so no row comes back
/// for a missing, revoked or expired one, or one past its absolute end
/// (`Inactive`). For an active one every `SET` expression reads the row as
/// it was before the update (SQL semantics on both backends): the presented
/// jti is current (rotate), or is the previous one within the grace window
/// (rotate again and clear `previous_jti`, so the grace is used once;
/// `rotated_at` stays), or neither (revoke). The new expiry is the smaller
/// of `$4` and `max_expires_at` (`CASE`, since SQLite has `MIN` and
/// PostgreSQL `LEAST`). `RETURNING revoked` tells the last case from the
/// first two. `CASE WHEN` treats the `NULL` of a comparison with a `NULL`
/// `previous_jti` as false.
const ROTATE: &str = "\
UPDATE opsguard_refresh_families SET
    current_jti = CASE
        WHEN current_jti = $2 OR (previous_jti = $2 AND rotated_at > $6) THEN $3
        ELSE current_jti END,
    previous_jti = CASE
        WHEN current_jti = $2 THEN current_jti
        WHEN previous_jti = $2 AND rotated_at > $6 THEN NULL
        ELSE previous_jti END,
    rotated_at = CASE WHEN current_jti = $2 THEN $5 ELSE rotated_at END,
    expires_at = CASE
        WHEN current_jti = $2 OR (previous_jti = $2 AND rotated_at > $6) THEN
            CASE WHEN $4 < max_expires_at THEN $4 ELSE max_expires_at END
        ELSE expires_at END,
    revoked = CASE
        WHEN current_jti = $2 OR (previous_jti = $2 AND rotated_at > $6) THEN FALSE
        ELSE TRUE END
WHERE family_id = $1 AND NOT revoked AND expires_at > $5 AND max_expires_at > $5
RETURNING revoked";

const REVOKE_FAMILY: &str = "\
UPDATE opsguard_refresh_families SET revoked = TRUE WHERE family_id = $1 AND NOT revoked";

const REVOKE_USER: &str = "\
UPDATE opsguard_refresh_families SET revoked = TRUE WHERE user_id = $1 AND NOT revoked";

const PURGE: &str = "DELETE FROM opsguard_refresh_families WHERE expires_at <= $1";

/// [`RefreshStore`] over the table `opsguard_refresh_families`, on SQLite
/// or PostgreSQL.
///
/// Every operation is one SQL statement, so each is atomic on its own:
/// PostgreSQL locks the rows an `UPDATE` changes and re-checks the `WHERE`
/// clause against the newest version of a row that another transaction
/// changed meanwhile; SQLite runs one write statement at a time per
/// database. [`rotate`](RefreshStore::rotate) decides and writes in a
/// single conditional `UPDATE ... RETURNING`, so of several callers
/// presenting the same token at once exactly one rotates (the crate's
/// README gives the argument for each backend).
#[derive(Debug, Clone)]
pub struct SqlRefreshStore {
    pool: SqlPool,
}

impl SqlRefreshStore {
    /// The store over `pool` (migrated with [`SqlPool::migrate`]).
    pub fn new(pool: impl Into<SqlPool>) -> Self {
        Self { pool: pool.into() }
    }

    /// Delete every family with `expires_at <= now` ([`RefreshStore::purge_expired`]
    /// with this crate's error type).
    ///
    /// # Errors
    ///
    /// [`SqlStoreError`] if the database fails.
    pub async fn purge(&self, now: i64) -> Result<u64, SqlStoreError> {
        on_pool!(&self.pool, |pool, driver| sqlx::query(PURGE)
            .bind(now)
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
            .map_err(|err| classify(driver, "purge refresh families", err)))
    }
}

#[async_trait]
impl RefreshStore for SqlRefreshStore {
    async fn create(&self, family: &NewFamily) -> Result<(), StoreError> {
        on_pool!(&self.pool, |pool, driver| sqlx::query(CREATE)
            .bind(family.family.as_str())
            .bind(family.user_id.as_str())
            .bind(family.jti.as_str())
            .bind(family.created_at)
            .bind(family.expires_at.min(family.max_expires_at))
            .bind(family.max_expires_at)
            .execute(pool)
            .await
            .map(drop)
            .map_err(|err| classify(driver, "create a refresh family", err)))
        .map_err(SqlStoreError::into_token)
    }

    async fn rotate(&self, rotation: &Rotation) -> Result<RotateOutcome, StoreError> {
        let grace_floor = if rotation.grace_secs > 0 {
            rotation.now.saturating_sub(rotation.grace_secs)
        } else {
            i64::MAX
        };
        let revoked: Option<bool> = on_pool!(&self.pool, |pool, driver| sqlx::query_scalar(ROTATE)
            .bind(rotation.family.as_str())
            .bind(rotation.presented_jti.as_str())
            .bind(rotation.next_jti.as_str())
            .bind(rotation.next_expires_at)
            .bind(rotation.now)
            .bind(grace_floor)
            .fetch_optional(pool)
            .await
            .map_err(|err| classify(driver, "rotate a refresh family", err)))
        .map_err(SqlStoreError::into_token)?;
        Ok(match revoked {
            None => RotateOutcome::Inactive,
            Some(false) => RotateOutcome::Rotated,
            Some(true) => RotateOutcome::ReuseDetected,
        })
    }

    async fn revoke_family(&self, family: &FamilyId) -> Result<bool, StoreError> {
        on_pool!(&self.pool, |pool, driver| sqlx::query(REVOKE_FAMILY)
            .bind(family.as_str())
            .execute(pool)
            .await
            .map(|done| done.rows_affected() > 0)
            .map_err(|err| classify(driver, "revoke a refresh family", err)))
        .map_err(SqlStoreError::into_token)
    }

    async fn revoke_user(&self, user_id: &str) -> Result<u64, StoreError> {
        on_pool!(&self.pool, |pool, driver| sqlx::query(REVOKE_USER)
            .bind(user_id)
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
            .map_err(|err| classify(
                driver,
                "revoke a user's refresh families",
                err
            )))
        .map_err(SqlStoreError::into_token)
    }

    async fn purge_expired(&self, now: i64) -> Result<u64, StoreError> {
        self.purge(now).await.map_err(SqlStoreError::into_token)
    }
}

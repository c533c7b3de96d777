//! Denied access tokens in `opsguard_access_denylist`.

use async_trait::async_trait;
use opsguard_token::StoreError;
use opsguard_token::denylist::AccessDenylist;

use crate::error::classify;
use crate::pool::on_pool;
use crate::{SqlPool, SqlStoreError};

/// Insert, or keep the later of the two expiries when the token is already
/// denied (as the in-memory denylist does). The expiry is the entry's: the
/// `until` of [`AccessDenylist::deny`], the token's `exp` plus the largest
/// verifier leeway, not the bare `exp`.
const DENY: &str = "\
INSERT INTO opsguard_access_denylist AS d (issuer, jti, expires_at) VALUES ($1, $2, $3)
ON CONFLICT (issuer, jti) DO UPDATE SET expires_at = CASE
    WHEN excluded.expires_at > d.expires_at THEN excluded.expires_at
    ELSE d.expires_at END";

const IS_DENIED: &str = "\
SELECT expires_at FROM opsguard_access_denylist
WHERE issuer = $1 AND jti = $2 AND expires_at > $3";

const PURGE: &str = "DELETE FROM opsguard_access_denylist WHERE expires_at <= $1";

/// [`AccessDenylist`] over the table `opsguard_access_denylist`, keyed by
/// `(issuer, jti)`, on SQLite or PostgreSQL.
///
/// `deny` is one upsert, so two instances denying the same token at once
/// leave one row with the later expiry; `is_denied` is one indexed lookup
/// that ignores entries whose `until` has passed. The column `expires_at`
/// holds that `until` ([`opsguard_token::denylist::deny_until`]: the
/// token's `exp` + 5 minutes, so that no verifier's leeway outlives the
/// entry).
#[derive(Debug, Clone)]
pub struct SqlDenylist {
    pool: SqlPool,
}

impl SqlDenylist {
    /// The denylist over `pool` (migrated with [`SqlPool::migrate`]).
    pub fn new(pool: impl Into<SqlPool>) -> Self {
        Self { pool: pool.into() }
    }

    /// Delete entries with `expires_at <= now`, i.e. whose `until` has
    /// passed ([`AccessDenylist::purge_expired`] with this crate's error
    /// type).
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
            .map_err(|err| classify(
                driver,
                "purge the access denylist",
                err
            )))
    }
}

#[async_trait]
impl AccessDenylist for SqlDenylist {
    async fn deny(&self, issuer: &str, jti: &str, until: i64) -> Result<(), StoreError> {
        on_pool!(&self.pool, |pool, driver| sqlx::query(DENY)
            .bind(issuer)
            .bind(jti)
            .bind(until)
            .execute(pool)
            .await
            .map(drop)
            .map_err(|err| classify(driver, "deny an access token", err)))
        .map_err(SqlStoreError::into_token)
    }

    async fn is_denied(&self, issuer: &str, jti: &str, now: i64) -> Result<bool, StoreError> {
        let found: Option<i64> = on_pool!(&self.pool, |pool, driver| sqlx::query_scalar(IS_DENIED)
            .bind(issuer)
            .bind(jti)
            .bind(now)
            .fetch_optional(pool)
            .await
            .map_err(|err| classify(driver, "read the access denylist", err)))
        .map_err(SqlStoreError::into_token)?;
        Ok(found.is_some())
    }

    async fn purge_expired(&self, now: i64) -> Result<u64, StoreError> {
        self.purge(now).await.map_err(SqlStoreError::into_token)
    }
}

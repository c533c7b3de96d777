//! One handle from which every store of the crate is built.

use crate::{SqlAuditLog, SqlDenylist, SqlPool, SqlRefreshStore, SqlStoreError, SqlThrottleStore};

/// The entry point: a pool, its migrations, and the four stores over it.
///
/// Every store is a cheap handle on the same pool (cloning a `sqlx` pool
/// clones an `Arc`), so build them once at start-up and hand them to
/// `opsguard-token` and `opsguard-auth` as `Arc<dyn ...>`.
///
/// ```
/// use std::sync::Arc;
/// use opsguard_auth::{AuditSink, ThrottleStore};
/// use opsguard_store_sql::SqlStores;
/// use opsguard_token::denylist::AccessDenylist;
/// use opsguard_token::refresh::RefreshStore;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let stores = SqlStores::connect("sqlite::memory:").await?;
/// stores.migrate().await?;
/// let refresh: Arc<dyn RefreshStore> = Arc::new(stores.refresh_store());
/// let denylist: Arc<dyn AccessDenylist> = Arc::new(stores.denylist());
/// let throttle: Arc<dyn ThrottleStore> = Arc::new(stores.throttle_store());
/// let audit: Arc<dyn AuditSink> = Arc::new(stores.audit_log());
/// # let _ = (refresh, denylist, throttle, audit);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct SqlStores {
    pool: SqlPool,
}

impl SqlStores {
    /// The stores over `pool` (a [`SqlPool`], or a `sqlx` `SqlitePool` or
    /// `PgPool` the service already has). Call [`migrate`](Self::migrate)
    /// before the first use.
    pub fn new(pool: impl Into<SqlPool>) -> Self {
        Self { pool: pool.into() }
    }

    /// Connect by URL ([`SqlPool::connect`]): SQLite for `sqlite:`,
    /// PostgreSQL for `postgres:` and `postgresql:`.
    ///
    /// # Errors
    ///
    /// As [`SqlPool::connect`].
    pub async fn connect(url: &str) -> Result<Self, SqlStoreError> {
        Ok(Self::new(SqlPool::connect(url).await?))
    }

    /// Create or update this crate's tables ([`SqlPool::migrate`]).
    ///
    /// # Errors
    ///
    /// As [`SqlPool::migrate`].
    pub async fn migrate(&self) -> Result<(), SqlStoreError> {
        self.pool.migrate().await
    }

    /// The pool, for the service's own queries.
    #[must_use]
    pub fn pool(&self) -> &SqlPool {
        &self.pool
    }

    /// The refresh-token family store, for `opsguard_token`'s
    /// `RefreshRotation`.
    #[must_use]
    pub fn refresh_store(&self) -> SqlRefreshStore {
        SqlRefreshStore::new(self.pool.clone())
    }

    /// The access-token denylist, for `opsguard_token`'s
    /// `DenylistVerifier`.
    #[must_use]
    pub fn denylist(&self) -> SqlDenylist {
        SqlDenylist::new(self.pool.clone())
    }

    /// The login-throttle counters, for `opsguard_auth::Throttle`.
    #[must_use]
    pub fn throttle_store(&self) -> SqlThrottleStore {
        SqlThrottleStore::new(self.pool.clone())
    }

    /// The audit log: an `opsguard_auth::AuditSink` that can also be read
    /// back a page at a time.
    #[must_use]
    pub fn audit_log(&self) -> SqlAuditLog {
        SqlAuditLog::new(self.pool.clone())
    }

    /// Delete what can never matter again: refresh families, denylist
    /// entries (both with `expires_at <= now_secs`) and throttle counters
    /// expired at `now_secs`. Returns how many rows were deleted in all.
    /// Run it now and then (hourly, say); the stores are correct without it,
    /// only larger. The audit log is not touched: its retention is a policy
    /// decision ([`SqlAuditLog::delete_before`]).
    ///
    /// # Errors
    ///
    /// The first store error; the stores purged before it stay purged.
    pub async fn purge_expired(&self, now_secs: i64) -> Result<u64, SqlStoreError> {
        let families = self.refresh_store().purge(now_secs).await?;
        let denied = self.denylist().purge(now_secs).await?;
        let counters = self
            .throttle_store()
            .purge_micros(now_secs.saturating_mul(1_000_000))
            .await?;
        Ok(families.saturating_add(denied).saturating_add(counters))
    }
}

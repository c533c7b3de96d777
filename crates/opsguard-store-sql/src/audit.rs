//! The audit log in `opsguard_audit_events`: an [`AuditSink`] that can be
//! read back a page at a time.

use std::net::IpAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use opsguard_auth::{AuditEvent, AuditKind, AuditSink, StoreError};
use serde::Serialize;

use crate::error::classify;
use crate::pool::on_pool;
use crate::{SqlPool, SqlStoreError};

/// The name given to `opsguard_auth::StoreError`.
const STORE: &str = "audit";

/// The most records one page holds, whatever the query asks for.
pub const MAX_PAGE_SIZE: u32 = 200;

/// The page size of [`AuditQuery::new`].
pub const DEFAULT_PAGE_SIZE: u32 = 50;

const INSERT: &str = "\
INSERT INTO opsguard_audit_events
    (time_unix_ms, kind, severity, user_id, username, client_ip, request_id, family_id,
     resource_kind, resource_id, reason)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";

/// One page, newest first, by keyset on the id: `$1` is the exclusive
/// upper bound (`i64::MAX` for the first page), `$2` and `$3` optional
/// filters (`NULL`: any), `$4` the page size plus one, to learn whether
/// another page follows without counting.
const PAGE: &str = "\
SELECT id, time_unix_ms, kind, severity, user_id, username, client_ip, request_id, family_id,
       resource_kind, resource_id, reason
FROM opsguard_audit_events
WHERE id < $1
  AND (CAST($2 AS TEXT) IS NULL OR user_id = $2)
  AND (CAST($3 AS TEXT) IS NULL OR kind = $3)
ORDER BY id DESC
LIMIT $4";

const DELETE_BEFORE: &str = "DELETE FROM opsguard_audit_events WHERE time_unix_ms < $1";

/// The columns of [`PAGE`], in order.
type Row = (
    i64,
    i64,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// [`AuditSink`] over the table `opsguard_audit_events`, on SQLite or
/// PostgreSQL, whose events an administrator can page through with
/// [`page`](Self::page).
///
/// Each event is one `INSERT` of the [`AuditEvent`]'s fields: identifiers,
/// the kind's OWASP name and severity, and a reason chosen in code. An
/// `AuditEvent` has no field that takes a secret, so no row holds one.
#[derive(Debug, Clone)]
pub struct SqlAuditLog {
    pool: SqlPool,
}

impl SqlAuditLog {
    /// The log over `pool` (migrated with [`SqlPool::migrate`]).
    pub fn new(pool: impl Into<SqlPool>) -> Self {
        Self { pool: pool.into() }
    }

    /// Store `event` ([`AuditSink::record`] with this crate's error type).
    ///
    /// # Errors
    ///
    /// [`SqlStoreError`] if the database fails.
    pub async fn insert(&self, event: &AuditEvent) -> Result<(), SqlStoreError> {
        let time =
            i64::try_from(event.time_unix_ms()).map_err(|_| SqlStoreError::TimeOutOfRange)?;
        let client_ip = event.client_ip().map(|ip| ip.to_string());
        let resource = event.resource();
        on_pool!(&self.pool, |pool, driver| sqlx::query(INSERT)
            .bind(time)
            .bind(event.kind().as_str())
            .bind(event.kind().severity().as_str())
            .bind(event.user_id())
            .bind(event.username())
            .bind(client_ip.as_deref())
            .bind(event.request_id())
            .bind(event.family_id())
            .bind(resource.map(|r| r.kind()))
            .bind(resource.map(|r| r.id()))
            .bind(event.reason())
            .execute(pool)
            .await
            .map(drop)
            .map_err(|err| classify(driver, "record an audit event", err)))
    }

    /// One page of events, newest first (by insertion order), filtered and
    /// sized by `query`.
    ///
    /// ```
    /// use opsguard_auth::{AuditEvent, AuditKind};
    /// use opsguard_store_sql::{AuditQuery, SqlStores};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let stores = SqlStores::connect("sqlite::memory:").await?;
    /// stores.migrate().await?;
    /// let log = stores.audit_log();
    /// for user in ["1", "2", "1"] {
    ///     log.insert(&AuditEvent::new(AuditKind::AuthnLoginSuccess).with_user_id(user)).await?;
    /// }
    /// let page = log.page(&AuditQuery::new().with_user_id("1").with_limit(1)).await?;
    /// assert_eq!(page.records().iter().map(|r| r.id()).collect::<Vec<_>>(), [3]);
    /// let next = page.next_before().ok_or("no second page")?;
    /// let page = log.page(&AuditQuery::new().with_user_id("1").with_before(next)).await?;
    /// assert_eq!(page.records().iter().map(|r| r.id()).collect::<Vec<_>>(), [1]);
    /// assert_eq!(page.next_before(), None);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`SqlStoreError`] if the database fails or a row holds a value this
    /// crate never writes ([`SqlStoreError::CorruptRow`]).
    pub async fn page(&self, query: &AuditQuery) -> Result<AuditPage, SqlStoreError> {
        let fetch = i64::from(query.limit).saturating_add(1);
        let rows: Vec<Row> = on_pool!(&self.pool, |pool, driver| sqlx::query_as(PAGE)
            .bind(query.before.unwrap_or(i64::MAX))
            .bind(query.user_id.as_deref())
            .bind(query.kind.map(AuditKind::as_str))
            .bind(fetch)
            .fetch_all(pool)
            .await
            .map_err(|err| classify(driver, "read the audit log", err)))?;
        let mut records = rows
            .into_iter()
            .map(AuditRecord::from_row)
            .collect::<Result<Vec<_>, _>>()?;
        let more = records.len() > usize::try_from(query.limit).unwrap_or(usize::MAX);
        records.truncate(usize::try_from(query.limit).unwrap_or(usize::MAX));
        let next_before = if more {
            records.last().map(AuditRecord::id)
        } else {
            None
        };
        Ok(AuditPage {
            records,
            next_before,
        })
    }

    /// Delete the events that happened before `time` (a retention policy);
    /// how many.
    ///
    /// # Errors
    ///
    /// [`SqlStoreError`] if the database fails or `time` is out of range.
    pub async fn delete_before(&self, time: SystemTime) -> Result<u64, SqlStoreError> {
        let ms = time
            .duration_since(UNIX_EPOCH)
            .ok()
            .and_then(|d| i64::try_from(d.as_millis()).ok())
            .ok_or(SqlStoreError::TimeOutOfRange)?;
        on_pool!(&self.pool, |pool, driver| sqlx::query(DELETE_BEFORE)
            .bind(ms)
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
            .map_err(|err| classify(driver, "delete old audit events", err)))
    }
}

#[async_trait]
impl AuditSink for SqlAuditLog {
    async fn record(&self, event: &AuditEvent) -> Result<(), StoreError> {
        self.insert(event).await.map_err(|err| err.into_auth(STORE))
    }
}

/// Which audit events to read: a page size, where the page starts, and
/// optional filters.
///
/// ```
/// use opsguard_store_sql::{AuditQuery, MAX_PAGE_SIZE};
///
/// assert_eq!(AuditQuery::new().limit(), 50);
/// assert_eq!(AuditQuery::new().with_limit(10_000).limit(), MAX_PAGE_SIZE);
/// assert_eq!(AuditQuery::new().with_limit(0).limit(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditQuery {
    limit: u32,
    before: Option<i64>,
    user_id: Option<String>,
    kind: Option<AuditKind>,
}

impl Default for AuditQuery {
    fn default() -> Self {
        Self::new()
    }
}

impl AuditQuery {
    /// The newest [`DEFAULT_PAGE_SIZE`] events of every kind and user.
    #[must_use]
    pub fn new() -> Self {
        Self {
            limit: DEFAULT_PAGE_SIZE,
            before: None,
            user_id: None,
            kind: None,
        }
    }

    /// At most `limit` events, clamped to `1..=`[`MAX_PAGE_SIZE`] so that a
    /// request parameter cannot make one page read the whole table.
    #[must_use]
    pub fn with_limit(mut self, limit: u32) -> Self {
        self.limit = limit.clamp(1, MAX_PAGE_SIZE);
        self
    }

    /// Only events older than the event with id `before`: pass the
    /// previous page's [`AuditPage::next_before`] to read the next one.
    #[must_use]
    pub fn with_before(mut self, before: i64) -> Self {
        self.before = Some(before);
        self
    }

    /// Only the events about the user `user_id`.
    #[must_use]
    pub fn with_user_id(mut self, user_id: impl Into<String>) -> Self {
        self.user_id = Some(user_id.into());
        self
    }

    /// Only the events of `kind`.
    #[must_use]
    pub fn with_kind(mut self, kind: AuditKind) -> Self {
        self.kind = Some(kind);
        self
    }

    /// The page size.
    #[must_use]
    pub fn limit(&self) -> u32 {
        self.limit
    }
}

/// One page of the audit log, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditPage {
    records: Vec<AuditRecord>,
    next_before: Option<i64>,
}

impl AuditPage {
    /// The events of this page, newest first.
    #[must_use]
    pub fn records(&self) -> &[AuditRecord] {
        &self.records
    }

    /// The events, taken out of the page.
    #[must_use]
    pub fn into_records(self) -> Vec<AuditRecord> {
        self.records
    }

    /// The id to pass to [`AuditQuery::with_before`] for the next (older)
    /// page; `None` when this page is the last.
    #[must_use]
    pub fn next_before(&self) -> Option<i64> {
        self.next_before
    }
}

/// One stored audit event, as read back.
///
/// Serialises (for an admin endpoint) as an object with the fields `id`,
/// `time_unix_ms`, `kind` (the OWASP vocabulary name, such as
/// `"authn_login_fail"`), `severity` (`"INFO"`, `"WARN"` or `"CRITICAL"`),
/// and `user_id`, `username`, `client_ip`, `request_id`, `family_id`,
/// `resource` (`"credentials:42"`) and `reason`, each `null` when unset.
///
/// `kind` and `severity` are kept as the stored text rather than parsed
/// back into `opsguard_auth`'s enums, so that events written by a newer
/// version with a kind this version does not know still read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditRecord {
    id: i64,
    time_unix_ms: i64,
    kind: String,
    severity: String,
    user_id: Option<String>,
    username: Option<String>,
    client_ip: Option<IpAddr>,
    request_id: Option<String>,
    family_id: Option<String>,
    resource: Option<String>,
    reason: Option<String>,
}

impl AuditRecord {
    fn from_row(row: Row) -> Result<Self, SqlStoreError> {
        let (
            id,
            time_unix_ms,
            kind,
            severity,
            user_id,
            username,
            client_ip,
            request_id,
            family_id,
            resource_kind,
            resource_id,
            reason,
        ) = row;
        let client_ip = client_ip
            .map(|ip| ip.parse::<IpAddr>())
            .transpose()
            .map_err(|_| SqlStoreError::CorruptRow {
                table: "opsguard_audit_events",
                column: "client_ip",
            })?;
        let resource = match (resource_kind, resource_id) {
            (Some(kind), Some(id)) => Some(format!("{kind}:{id}")),
            (None, None) => None,
            _ => {
                return Err(SqlStoreError::CorruptRow {
                    table: "opsguard_audit_events",
                    column: "resource_id",
                });
            }
        };
        Ok(Self {
            id,
            time_unix_ms,
            kind,
            severity,
            user_id,
            username,
            client_ip,
            request_id,
            family_id,
            resource,
            reason,
        })
    }

    /// The row's id: increasing in insertion order, never reused.
    #[must_use]
    pub fn id(&self) -> i64 {
        self.id
    }

    /// When the event happened, in milliseconds since the Unix epoch.
    #[must_use]
    pub fn time_unix_ms(&self) -> i64 {
        self.time_unix_ms
    }

    /// When the event happened.
    #[must_use]
    pub fn time(&self) -> SystemTime {
        // This crate writes `AuditEvent::time_unix_ms`, which is never
        // negative; a negative value written by hand reads as the epoch.
        u64::try_from(self.time_unix_ms)
            .ok()
            .and_then(|ms| UNIX_EPOCH.checked_add(Duration::from_millis(ms)))
            .unwrap_or(UNIX_EPOCH)
    }

    /// What happened: the OWASP vocabulary name ([`AuditKind::as_str`]).
    #[must_use]
    pub fn kind(&self) -> &str {
        &self.kind
    }

    /// The severity's name ([`Severity::as_str`](opsguard_auth::Severity::as_str)).
    #[must_use]
    pub fn severity(&self) -> &str {
        &self.severity
    }

    /// The user id, if recorded.
    #[must_use]
    pub fn user_id(&self) -> Option<&str> {
        self.user_id.as_deref()
    }

    /// The username, if recorded.
    #[must_use]
    pub fn username(&self) -> Option<&str> {
        self.username.as_deref()
    }

    /// The client address, if recorded.
    #[must_use]
    pub fn client_ip(&self) -> Option<IpAddr> {
        self.client_ip
    }

    /// The request id, if recorded.
    #[must_use]
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The refresh-token family id, if recorded.
    #[must_use]
    pub fn family_id(&self) -> Option<&str> {
        self.family_id.as_deref()
    }

    /// The resource as `kind:id` (for example `credentials:42`), if
    /// recorded.
    #[must_use]
    pub fn resource(&self) -> Option<&str> {
        self.resource.as_deref()
    }

    /// The reason, if recorded.
    #[must_use]
    pub fn reason(&self) -> Option<&str> {
        self.reason.as_deref()
    }
}

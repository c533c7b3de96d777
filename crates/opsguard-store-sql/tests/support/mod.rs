//! Test backends: the in-memory stores of opsguard-token and opsguard-auth,
//! this crate's stores on a SQLite file in a temporary directory, and on
//! PostgreSQL when `OPSGUARD_TEST_POSTGRES_URL` is set.
//!
//! PostgreSQL isolation: every test gets its own schema (`opsguard_test_`
//! plus the process id and a counter), named as the connections'
//! `search_path` startup parameter, so the migrations create a private set
//! of tables and tests that purge or page through whole tables run in
//! parallel without seeing each other's rows. The schema is created and
//! dropped by a server-side `format('%I', ...)` of a bound setting, so no
//! SQL text is assembled here either. A test that fails leaves its schema
//! behind for inspection; `.ci/run` uses a fresh database per run.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::IpAddr;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use opsguard_auth::{
    AuditSink, Counter, MemorySink, MemoryThrottleStore, StoreError, Throttle, ThrottleKey,
    ThrottlePolicy, ThrottleStore,
};
use opsguard_store_sql::{AuditQuery, SqlPool, SqlStores};
use opsguard_token::denylist::{AccessDenylist, MemoryDenylist};
use opsguard_token::refresh::{MemoryRefreshStore, RefreshStore};
use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPoolOptions};
use tempfile::TempDir;

/// The variable naming a PostgreSQL database the tests may use.
pub(crate) const POSTGRES_URL_VAR: &str = "OPSGUARD_TEST_POSTGRES_URL";

/// A point in time well after the epoch, in seconds.
pub(crate) const T0: i64 = 1_700_000_000;

/// [`T0`] as a `SystemTime`.
pub(crate) fn t0() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(T0.unsigned_abs())
}

/// A string no other call in this process returns.
pub(crate) fn unique(prefix: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!("{prefix}-{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// One set of the four stores under test.
pub(crate) struct Harness {
    pub(crate) name: &'static str,
    pub(crate) refresh: Arc<dyn RefreshStore>,
    pub(crate) denylist: Arc<dyn AccessDenylist>,
    pub(crate) throttle: Arc<dyn ThrottleStore>,
    pub(crate) audit: Arc<dyn AuditSink>,
    reader: Reader,
    cleanup: Cleanup,
}

enum Reader {
    Memory(Arc<MemorySink>),
    Sql(SqlStores),
}

enum Cleanup {
    Nothing,
    Dir(TempDir),
    Schema { url: String, schema: String },
}

impl Harness {
    /// The in-memory reference implementations.
    pub(crate) fn memory() -> Self {
        let sink = Arc::new(MemorySink::new());
        Self {
            name: "memory",
            refresh: Arc::new(MemoryRefreshStore::new()),
            denylist: Arc::new(MemoryDenylist::new()),
            throttle: Arc::new(MemoryThrottleStore::new()),
            audit: sink.clone(),
            reader: Reader::Memory(sink),
            cleanup: Cleanup::Nothing,
        }
    }

    /// This crate's stores on a fresh SQLite file (WAL, busy timeout).
    pub(crate) async fn sqlite() -> Self {
        let h = Self::sqlite_unmigrated().await;
        h.sql_stores().unwrap().migrate().await.unwrap();
        h
    }

    /// [`sqlite`](Self::sqlite) before its migrations ran.
    pub(crate) async fn sqlite_unmigrated() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("opsguard.db").display());
        let stores = SqlStores::connect(&url).await.unwrap();
        Self::sql("sqlite", stores, Cleanup::Dir(dir))
    }

    /// This crate's stores on a fresh schema of the PostgreSQL database
    /// named by [`POSTGRES_URL_VAR`], or `None` (with a note) when it is
    /// not set.
    pub(crate) async fn postgres(test: &str) -> Option<Self> {
        let h = Self::postgres_unmigrated(test).await?;
        h.sql_stores().unwrap().migrate().await.unwrap();
        Some(h)
    }

    /// [`postgres`](Self::postgres) before its migrations ran.
    pub(crate) async fn postgres_unmigrated(test: &str) -> Option<Self> {
        let Ok(url) = std::env::var(POSTGRES_URL_VAR) else {
            eprintln!("{test}: skipped, {POSTGRES_URL_VAR} is not set (no PostgreSQL server)");
            return None;
        };
        let schema = format!(
            "opsguard_test_{}_{}",
            std::process::id(),
            unique("s").trim_start_matches("s-")
        );
        schema_command(&url, &schema, CREATE_SCHEMA).await;
        let options = PgConnectOptions::from_str(&url)
            .unwrap()
            .options([("search_path", schema.as_str())]);
        let pool = PgPoolOptions::new()
            .max_connections(10)
            .connect_with(options)
            .await
            .unwrap();
        let stores = SqlStores::new(pool);
        Some(Self::sql(
            "postgres",
            stores,
            Cleanup::Schema { url, schema },
        ))
    }

    fn sql(name: &'static str, stores: SqlStores, cleanup: Cleanup) -> Self {
        Self {
            name,
            refresh: Arc::new(stores.refresh_store()),
            denylist: Arc::new(stores.denylist()),
            throttle: Arc::new(stores.throttle_store()),
            audit: Arc::new(stores.audit_log()),
            reader: Reader::Sql(stores),
            cleanup,
        }
    }

    /// The SQL stores, when this harness has them.
    pub(crate) fn sql_stores(&self) -> Option<&SqlStores> {
        match &self.reader {
            Reader::Sql(stores) => Some(stores),
            Reader::Memory(_) => None,
        }
    }

    /// Every recorded audit event as (kind, user id), newest first.
    pub(crate) async fn audit_events(&self) -> Vec<(String, Option<String>)> {
        match &self.reader {
            Reader::Memory(sink) => sink
                .events()
                .iter()
                .rev()
                .map(|e| (e.kind().as_str().to_owned(), e.user_id().map(str::to_owned)))
                .collect(),
            Reader::Sql(stores) => stores
                .audit_log()
                .page(&AuditQuery::new().with_limit(u32::MAX))
                .await
                .unwrap()
                .records()
                .iter()
                .map(|r| (r.kind().to_owned(), r.user_id().map(str::to_owned)))
                .collect(),
        }
    }

    /// Close the pool and drop what the harness created.
    pub(crate) async fn finish(self) {
        if let Reader::Sql(stores) = &self.reader {
            stores.pool().close().await;
        }
        if let Cleanup::Schema { url, schema } = &self.cleanup {
            schema_command(url, schema, DROP_SCHEMA).await;
        }
    }
}

const SET_SCHEMA: &str = "SELECT set_config('opsguard.test_schema', $1, false)";
const CREATE_SCHEMA: &str = "DO $$ BEGIN EXECUTE format('CREATE SCHEMA %I', current_setting('opsguard.test_schema')); END $$";
const DROP_SCHEMA: &str = "DO $$ BEGIN EXECUTE format('DROP SCHEMA %I CASCADE', current_setting('opsguard.test_schema')); END $$";

async fn schema_command(url: &str, schema: &str, command: &'static str) {
    let mut conn = PgConnection::connect(url).await.unwrap();
    sqlx::query(SET_SCHEMA)
        .bind(schema)
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::raw_sql(command).execute(&mut conn).await.unwrap();
    conn.close().await.unwrap();
}

/// A pool handle of a harness, for tests that need the backend's own pool.
pub(crate) fn pool(h: &Harness) -> Option<&SqlPool> {
    h.sql_stores().map(SqlStores::pool)
}

/// Records the keys a `Throttle` passes to its store, so the store tests
/// run on keys of the shape the throttle really makes (hashed, about 70
/// bytes), not only on `ThrottleKey::new` ones.
#[derive(Debug, Default)]
struct KeyCapture {
    keys: Mutex<Vec<ThrottleKey>>,
    inner: MemoryThrottleStore,
}

#[async_trait]
impl ThrottleStore for KeyCapture {
    async fn increment(
        &self,
        key: &ThrottleKey,
        now: SystemTime,
        ttl: Duration,
    ) -> Result<Counter, StoreError> {
        self.keys.lock().unwrap().push(key.clone());
        self.inner.increment(key, now, ttl).await
    }

    async fn decrement(&self, key: &ThrottleKey, now: SystemTime) -> Result<(), StoreError> {
        self.inner.decrement(key, now).await
    }

    async fn read(
        &self,
        key: &ThrottleKey,
        now: SystemTime,
    ) -> Result<Option<Counter>, StoreError> {
        self.inner.read(key, now).await
    }

    async fn clear(&self, key: &ThrottleKey) -> Result<(), StoreError> {
        self.inner.clear(key).await
    }
}

/// Three distinct throttle keys (account-and-client, client, account) for
/// the account `account`.
pub(crate) async fn throttle_keys(account: &str) -> Vec<ThrottleKey> {
    let capture = Arc::new(KeyCapture::default());
    let throttle = Throttle::new(ThrottlePolicy::default(), capture.clone());
    let client: IpAddr = "192.0.2.7".parse().unwrap();
    // The attempt is counted by `check` itself.
    let lock = throttle.check(account, client).await.unwrap().fail();
    assert_eq!(lock, None);
    let keys = capture.keys.lock().unwrap().clone();
    assert_eq!(keys.len(), 3, "{keys:?}");
    keys
}

//! The database: the service's own tables (users, credentials, targets,
//! jobs) on the same pool as opsguard's stores (refresh families, throttle
//! counters, audit log).
//!
//! Every statement is a constant with `$n` parameters; no SQL is ever
//! assembled from input.

pub(crate) mod credentials;
pub(crate) mod jobs;
pub(crate) mod targets;
pub(crate) mod users;

use std::time::{SystemTime, UNIX_EPOCH};

use opsguard::store_sql::{SqlPool, SqlStores};
use secrecy::{ExposeSecret as _, SecretString};
use sqlx::migrate::Migrator;
use sqlx::{PgPool, SqlitePool};

use crate::ServiceError;

/// The table in which the service's migrations record themselves, apart
/// from opsguard-store-sql's `opsguard_migrations`.
const MIGRATIONS_TABLE: &str = "opsconductor_migrations";

/// One pool of either database, shared by the service's queries and
/// opsguard's stores.
#[derive(Debug, Clone)]
pub(crate) enum Db {
    Postgres(PgPool),
    Sqlite(SqlitePool),
}

/// Run `$body` with `$pool` bound to the pool of whichever database `$db`
/// is. The body is written once and compiled once per database, so every
/// query exists in one place; each compiled copy uses its own driver.
macro_rules! with_pool {
    ($db:expr, |$pool:ident| $body:expr) => {
        match $db {
            $crate::db::Db::Postgres($pool) => $body,
            $crate::db::Db::Sqlite($pool) => $body,
        }
    };
}
pub(crate) use with_pool;

impl Db {
    /// Connect to the database `url` names (opsguard-store-sql's connect:
    /// a SQLite file is created if missing and runs in WAL mode with a busy
    /// timeout; a PostgreSQL URL takes libpq parameters such as `sslmode`).
    pub(crate) async fn connect(url: &SecretString) -> Result<Self, ServiceError> {
        let pool = SqlPool::connect(url.expose_secret())
            .await
            .map_err(|err| ServiceError::Opsguard(err.into()))?;
        match pool {
            SqlPool::Postgres(pool) => Ok(Self::Postgres(pool)),
            SqlPool::Sqlite(pool) => Ok(Self::Sqlite(pool)),
            _ => Err(ServiceError::Config {
                setting: "DATABASE_URL",
                problem: "names a database this service does not support",
            }),
        }
    }

    /// Create or update every table: opsguard's stores first, then the
    /// service's own. Both are idempotent.
    pub(crate) async fn migrate(&self) -> Result<(), ServiceError> {
        self.stores()
            .migrate()
            .await
            .map_err(|err| ServiceError::Opsguard(err.into()))?;
        let outcome = match self {
            Self::Postgres(pool) => {
                migrator(sqlx::migrate!("migrations/postgres"))
                    .run(pool)
                    .await
            }
            Self::Sqlite(pool) => {
                migrator(sqlx::migrate!("migrations/sqlite"))
                    .run(pool)
                    .await
            }
        };
        outcome.map_err(|err| ServiceError::Database {
            operation: "migrate the service's tables",
            source: Box::new(err),
            transient: false,
        })
    }

    /// opsguard's stores over this pool.
    pub(crate) fn stores(&self) -> SqlStores {
        match self {
            Self::Postgres(pool) => SqlStores::new(pool.clone()),
            Self::Sqlite(pool) => SqlStores::new(pool.clone()),
        }
    }

    /// One round trip, for the health check.
    pub(crate) async fn ping(&self) -> Result<(), ServiceError> {
        with_pool!(self, |pool| sqlx::query("SELECT 1")
            .execute(pool)
            .await
            .map(drop)
            .map_err(|err| ServiceError::database("reach the database", err)))
    }

    /// Close every connection.
    pub(crate) async fn close(&self) {
        with_pool!(self, |pool| pool.close().await);
    }
}

fn migrator(mut migrator: Migrator) -> Migrator {
    migrator.dangerous_set_table_name(MIGRATIONS_TABLE);
    migrator
}

/// Seconds since the Unix epoch, for `created_at` columns.
pub(crate) fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX)
        })
}

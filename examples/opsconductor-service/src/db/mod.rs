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

use std::path::{Path, PathBuf};
use std::str::FromStr as _;
use std::time::{SystemTime, UNIX_EPOCH};

use opsguard::store_sql::{SqlPool, SqlStores};
use secrecy::ExposeSecret as _;
use sqlx::migrate::Migrator;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{PgPool, SqlitePool};

use crate::{Config, ServiceError, private_file};

/// The setting a SQLite file comes from, named in its refusal.
const DATABASE_URL: &str = "DATABASE_URL";

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
    /// Connect to the database of `config` (opsguard-store-sql's connect:
    /// a SQLite file is created if missing and runs in WAL mode with a busy
    /// timeout; a PostgreSQL URL takes libpq parameters such as `sslmode`).
    ///
    /// A SQLite file is created here first, with mode 0600, so that it
    /// and the `-wal` and `-shm` files SQLite gives the same mode are the
    /// service's alone. In production an existing file that group or others
    /// can access is refused; in development it is warned about.
    pub(crate) async fn connect(config: &Config) -> Result<Self, ServiceError> {
        let url = config.database_url().expose_secret();
        if let Some(path) = sqlite_file(url) {
            prepare_sqlite_file(&path, config.is_production())?;
        }
        let pool = SqlPool::connect(url)
            .await
            .map_err(|err| ServiceError::Opsguard(err.into()))?;
        match pool {
            SqlPool::Postgres(pool) => Ok(Self::Postgres(pool)),
            SqlPool::Sqlite(pool) => Ok(Self::Sqlite(pool)),
            _ => Err(ServiceError::Config {
                setting: DATABASE_URL,
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

/// The file of a SQLite URL; `None` for PostgreSQL, an in-memory database
/// or a URL sqlx cannot parse (connecting reports it).
fn sqlite_file(url: &str) -> Option<PathBuf> {
    if !url.starts_with("sqlite:") || url.contains("mode=memory") {
        return None;
    }
    let options = SqliteConnectOptions::from_str(url).ok()?;
    let path = options.get_filename();
    (path != Path::new(":memory:")).then(|| path.to_owned())
}

/// Create the SQLite file `path` private (0600) unless it exists; refuse
/// (production) or warn about it, its `-wal` and its `-shm` when group or
/// others can access them.
fn prepare_sqlite_file(path: &Path, production: bool) -> Result<(), ServiceError> {
    private_file::create_private(path).map_err(|source| ServiceError::Io {
        action: "create the SQLite database file",
        source,
    })?;
    for suffix in ["", "-wal", "-shm"] {
        let mut file = path.as_os_str().to_owned();
        file.push(suffix);
        private_file::require_private(Path::new(&file), DATABASE_URL, production)?;
    }
    Ok(())
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

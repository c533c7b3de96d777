//! The connection pool of either backend, connecting by URL, and the
//! embedded migrations.

use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};

use crate::SqlStoreError;

/// The name of the table in which this crate's migrations record
/// themselves, kept apart from sqlx's default `_sqlx_migrations` so that a
/// service's own migrator and this crate's never see each other's versions.
pub const MIGRATIONS_TABLE: &str = "opsguard_migrations";

/// How long a SQLite connection waits for another connection's write lock
/// before giving up with `SQLITE_BUSY` (reported as
/// [`SqlStoreError::Unavailable`]).
pub const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// A `sqlx` pool of one of the two supported databases.
///
/// A small enum over the native pools rather than `sqlx::AnyPool`: each
/// query runs on its database's own driver, so values keep their native
/// types (PostgreSQL `BOOLEAN` and `BIGINT`, SQLite `STRICT` integers),
/// each backend gets its own migrations and connection settings (WAL and a
/// busy timeout for SQLite), and a service that already has a
/// [`SqlitePool`] or [`PgPool`] for its own tables hands it over with
/// `into()` and shares it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum SqlPool {
    /// A PostgreSQL pool.
    Postgres(PgPool),
    /// A SQLite pool.
    Sqlite(SqlitePool),
}

/// Run `$body` with `$pool` bound to the native pool of either backend and
/// `$driver` to its [`Driver`](crate::error::Driver). The body is written
/// once and compiled once per backend, so it must type-check against both
/// drivers.
macro_rules! on_pool {
    ($pool:expr, |$p:ident, $driver:ident| $body:expr) => {
        match $pool {
            $crate::SqlPool::Postgres($p) => {
                let $driver = $crate::error::Driver::Postgres;
                $body
            }
            $crate::SqlPool::Sqlite($p) => {
                let $driver = $crate::error::Driver::Sqlite;
                $body
            }
        }
    };
}
pub(crate) use on_pool;

impl SqlPool {
    /// Connect to the database named by `url`: SQLite for `sqlite:` URLs
    /// (`sqlite://data/app.db`, `sqlite::memory:`), PostgreSQL for
    /// `postgres:` and `postgresql:` URLs (libpq-style query parameters
    /// such as `sslmode=verify-full` apply).
    ///
    /// A SQLite file is created if missing and opened in WAL mode with a
    /// [busy timeout](SQLITE_BUSY_TIMEOUT); its pool keeps its connections
    /// open, so an in-memory database lives as long as the pool. Both pools
    /// hold at most 10 connections, sqlx's default. For other settings,
    /// build a [`SqlitePool`] or [`PgPool`] yourself and convert it with
    /// `into()`.
    ///
    /// ```
    /// use opsguard_store_sql::SqlPool;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let pool = SqlPool::connect("sqlite::memory:").await?;
    /// assert!(matches!(pool, SqlPool::Sqlite(_)));
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`SqlStoreError::UnsupportedUrl`] for another scheme;
    /// [`SqlStoreError::Connect`] if the URL's options are invalid or the
    /// database cannot be opened or reached.
    pub async fn connect(url: &str) -> Result<Self, SqlStoreError> {
        match Scheme::of(url)? {
            Scheme::Postgres => {
                let options = PgConnectOptions::from_str(url).map_err(connect_error)?;
                let pool = PgPoolOptions::new()
                    .connect_with(options)
                    .await
                    .map_err(connect_error)?;
                Ok(Self::Postgres(pool))
            }
            Scheme::Sqlite => {
                let options = SqliteConnectOptions::from_str(url)
                    .map_err(connect_error)?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .busy_timeout(SQLITE_BUSY_TIMEOUT);
                let pool = SqlitePoolOptions::new()
                    .min_connections(1)
                    .idle_timeout(None)
                    .max_lifetime(None)
                    .connect_with(options)
                    .await
                    .map_err(connect_error)?;
                Ok(Self::Sqlite(pool))
            }
        }
    }

    /// Apply this crate's migrations that the database does not have yet
    /// (`migrations/sqlite` or `migrations/postgres`, embedded in the
    /// binary). They create only tables whose names start with `opsguard_`
    /// and record themselves in [`MIGRATIONS_TABLE`], so they coexist with
    /// a service's own tables and migrations. Running them again is a no-op;
    /// on PostgreSQL, concurrent runs are serialised by sqlx's advisory
    /// lock.
    ///
    /// # Errors
    ///
    /// [`SqlStoreError::Migrate`] if the database refuses a migration or an
    /// applied migration differs from the embedded one.
    pub async fn migrate(&self) -> Result<(), SqlStoreError> {
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
        outcome.map_err(|err| SqlStoreError::Migrate(Box::new(err)))
    }

    /// Close every connection of the pool, waiting for those in use to be
    /// returned.
    pub async fn close(&self) {
        on_pool!(self, |pool, _driver| pool.close().await);
    }
}

impl From<PgPool> for SqlPool {
    fn from(pool: PgPool) -> Self {
        Self::Postgres(pool)
    }
}

impl From<SqlitePool> for SqlPool {
    fn from(pool: SqlitePool) -> Self {
        Self::Sqlite(pool)
    }
}

fn migrator(mut migrator: Migrator) -> Migrator {
    migrator.dangerous_set_table_name(MIGRATIONS_TABLE);
    migrator
}

fn connect_error(err: sqlx::Error) -> SqlStoreError {
    SqlStoreError::Connect(Box::new(err))
}

/// The backend a URL names, by its scheme (compared without regard to
/// ASCII case, RFC 3986 §3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    Postgres,
    Sqlite,
}

impl Scheme {
    fn of(url: &str) -> Result<Self, SqlStoreError> {
        let scheme = url
            .split_once(':')
            .map(|(scheme, _)| scheme.to_ascii_lowercase());
        match scheme.as_deref() {
            Some("postgres" | "postgresql") => Ok(Self::Postgres),
            Some("sqlite") => Ok(Self::Sqlite),
            _ => Err(SqlStoreError::UnsupportedUrl),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scheme_picks_the_backend() {
        assert_eq!(Scheme::of("sqlite::memory:").ok(), Some(Scheme::Sqlite));
        assert_eq!(Scheme::of("SQLite://a.db").ok(), Some(Scheme::Sqlite));
        assert_eq!(Scheme::of("postgres://h/db").ok(), Some(Scheme::Postgres));
        assert_eq!(Scheme::of("postgresql://h/db").ok(), Some(Scheme::Postgres));
        for url in ["mysql://h/db", "", "app.db", "sqlite3://a.db", "postgres"] {
            assert!(
                matches!(Scheme::of(url), Err(SqlStoreError::UnsupportedUrl)),
                "{url}"
            );
        }
    }
}

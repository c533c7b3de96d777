//! The crate's one error type, and how it becomes the error types of the
//! traits it implements.

use opsguard_core::BoxError;

/// Everything that can go wrong in `opsguard-store-sql`.
///
/// The database's own error is kept as [`source`](std::error::Error::source)
/// for logs (boxed, so that `sqlx`'s error type is not part of this
/// crate's API); no variant holds a database URL, a token or a row's
/// values. [`is_unavailable`](Self::is_unavailable) tells a transient outage
/// (503) from a fault that retrying will not fix (500), and the
/// conversions into [`opsguard_core::Error`] and into the store errors of
/// `opsguard-token` and `opsguard-auth` follow it.
///
/// ```
/// use opsguard_store_sql::{SqlStoreError, SqlStores};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let err = SqlStores::connect("mysql://root:hunter2@db/app").await.err().ok_or("accepted")?;
/// assert!(matches!(err, SqlStoreError::UnsupportedUrl));
/// assert!(!format!("{err} {err:?}").contains("hunter2"));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SqlStoreError {
    /// The database could not be opened or reached when connecting, or the
    /// URL's options are invalid.
    #[error("cannot connect to the database")]
    Connect(#[source] BoxError),
    /// A row holds a value this crate never writes (a negative counter, an
    /// address that does not parse): the table was changed by hand or by
    /// another program.
    #[error("column {column} of {table} holds a value out of range")]
    CorruptRow {
        /// The table.
        table: &'static str,
        /// The column.
        column: &'static str,
    },
    /// The database refused a statement for a reason that retrying will not
    /// fix (a constraint, a missing table: migrations not run).
    #[error("database refused to {operation}")]
    Database {
        /// What was being done, such as `rotate a refresh family`.
        operation: &'static str,
        /// The driver's error.
        #[source]
        source: BoxError,
    },
    /// Running the migrations failed (a migration already applied was
    /// changed, or the database refused one).
    #[error("database migration failed")]
    Migrate(#[source] BoxError),
    /// A time is outside what the columns can hold (microseconds in an
    /// `i64` end in the year 294,247; audit times are milliseconds after
    /// 1970).
    #[error("time out of range for the store")]
    TimeOutOfRange,
    /// The database is unreachable, busy or timed out; the same call may
    /// succeed later.
    #[error("database unavailable to {operation}")]
    Unavailable {
        /// What was being done, such as `rotate a refresh family`.
        operation: &'static str,
        /// The driver's error.
        #[source]
        source: BoxError,
    },
    /// The database URL names neither SQLite (`sqlite:`) nor PostgreSQL
    /// (`postgres:` or `postgresql:`). The URL is not repeated: it may hold a
    /// password.
    #[error("database url must start with sqlite:, postgres: or postgresql:")]
    UnsupportedUrl,
}

impl SqlStoreError {
    /// Whether the failure is transient: the database could not be reached
    /// or was busy, so the request may succeed later (503 rather than 500).
    #[must_use]
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Connect(_) | Self::Unavailable { .. })
    }

    /// This error as `opsguard-token`'s store error.
    pub(crate) fn into_token(self) -> opsguard_token::StoreError {
        if self.is_unavailable() {
            opsguard_token::StoreError::unavailable(self)
        } else {
            opsguard_token::StoreError::internal(self)
        }
    }

    /// This error as `opsguard-auth`'s store error for the store `store`.
    pub(crate) fn into_auth(self, store: &'static str) -> opsguard_auth::StoreError {
        opsguard_auth::StoreError::new(store, self)
    }
}

impl From<SqlStoreError> for opsguard_core::Error {
    /// A transient failure becomes 503 (`Unavailable`), anything
    /// else 500; either way the client sees only the generic message and
    /// the cause stays in `source()` for logs.
    fn from(err: SqlStoreError) -> Self {
        if err.is_unavailable() {
            Self::unavailable(err)
        } else {
            Self::internal(err)
        }
    }
}

/// Which driver an error came from, to read its error code.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Driver {
    Postgres,
    Sqlite,
}

/// Sort a driver error into [`SqlStoreError::Unavailable`] (worth retrying)
/// or [`SqlStoreError::Database`].
pub(crate) fn classify(driver: Driver, operation: &'static str, err: sqlx::Error) -> SqlStoreError {
    let transient = match &err {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db
            .code()
            .is_some_and(|code| is_transient_code(driver, &code)),
        _ => false,
    };
    let source = Box::new(err);
    if transient {
        SqlStoreError::Unavailable { operation, source }
    } else {
        SqlStoreError::Database { operation, source }
    }
}

/// SQLite: `SQLITE_BUSY` (5) and `SQLITE_LOCKED` (6) with any extended
/// code (the low byte is the primary code). PostgreSQL: SQLSTATE classes
/// 08 (connection exception), 40 (transaction rollback: serialization
/// failure, deadlock), 53 (insufficient resources) and 57 (operator
/// intervention: shutdown, statement timeout).
fn is_transient_code(driver: Driver, code: &str) -> bool {
    match driver {
        Driver::Sqlite => code
            .parse::<i32>()
            .is_ok_and(|extended| matches!(extended & 0xff, 5 | 6)),
        Driver::Postgres => ["08", "40", "53", "57"]
            .iter()
            .any(|class| code.starts_with(class)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transient_codes_are_told_apart_per_driver() {
        // SQLITE_BUSY, SQLITE_BUSY_SNAPSHOT (517), SQLITE_LOCKED_SHAREDCACHE (262).
        for code in ["5", "517", "6", "262"] {
            assert!(is_transient_code(Driver::Sqlite, code), "{code}");
        }
        // SQLITE_CONSTRAINT_PRIMARYKEY (1555), SQLITE_ERROR (1).
        for code in ["1555", "1", "x"] {
            assert!(!is_transient_code(Driver::Sqlite, code), "{code}");
        }
        // serialization_failure, connection_failure, too_many_connections, admin_shutdown.
        for code in ["40001", "08006", "53300", "57P01"] {
            assert!(is_transient_code(Driver::Postgres, code), "{code}");
        }
        // unique_violation, undefined_table.
        for code in ["23505", "42P01"] {
            assert!(!is_transient_code(Driver::Postgres, code), "{code}");
        }
    }

    #[test]
    fn pool_and_io_failures_are_unavailable_and_the_rest_internal() {
        let busy = classify(Driver::Sqlite, "read", sqlx::Error::PoolTimedOut);
        assert!(busy.is_unavailable());
        assert_eq!(busy.to_string(), "database unavailable to read");
        assert!(busy.into_token().is_unavailable());

        let missing = classify(Driver::Postgres, "read", sqlx::Error::RowNotFound);
        assert!(!missing.is_unavailable());
        assert_eq!(missing.to_string(), "database refused to read");
        assert!(!missing.into_token().is_unavailable());

        let core =
            opsguard_core::Error::from(classify(Driver::Sqlite, "read", sqlx::Error::PoolClosed));
        assert_eq!(core.kind(), opsguard_core::ErrorKind::Unavailable);
        let core = opsguard_core::Error::from(SqlStoreError::TimeOutOfRange);
        assert_eq!(core.kind(), opsguard_core::ErrorKind::Internal);
    }
}

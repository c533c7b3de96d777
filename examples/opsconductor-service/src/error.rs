//! The service's one error type, and what a client sees of it.

use std::fmt;
use std::path::PathBuf;

use opsguard::FieldError;
use opsguard::core::BoxError;

/// Everything that can stop the service from starting, a subcommand from
/// finishing, or a request from being served.
///
/// No variant holds a secret: settings are named, never their values; a
/// database URL, a key or a password never reaches a message. In a request
/// it becomes an [`opsguard::Error`] (see the `From` impl), so handlers use
/// `?` on it like on any opsguard error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServiceError {
    /// A setting is missing or malformed.
    #[error("setting {setting}: {problem}")]
    Config {
        /// The environment variable (or file key) of the setting.
        setting: &'static str,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// The configuration file could not be read or is not valid.
    #[error("cannot read the configuration file {}", path.display())]
    ConfigFile {
        /// The file.
        path: PathBuf,
        /// The I/O or TOML error.
        #[source]
        source: BoxError,
    },
    /// A row would duplicate a unique value (a username or email).
    #[error("{0}")]
    Conflict(&'static str),
    /// The database failed.
    #[error("database: cannot {operation}")]
    Database {
        /// What was being done, such as `insert a credential`.
        operation: &'static str,
        /// The driver's error.
        #[source]
        source: BoxError,
        /// Whether the database was unreachable or busy (retrying may work).
        transient: bool,
    },
    /// A step of `demo` answered another status than the story expects.
    #[error("demo step `{step}` answered {actual}, expected {expected}")]
    DemoStep {
        /// The step's description.
        step: String,
        /// The status the story expects.
        expected: u16,
        /// The status the service answered.
        actual: u16,
    },
    /// A request of `demo` could not be sent or its answer read.
    #[error("demo step `{step}` could not be completed")]
    DemoRequest {
        /// The step's description.
        step: String,
        /// The client's error.
        #[source]
        source: BoxError,
    },
    /// A row is referenced by another and cannot be deleted.
    #[error("{0}")]
    InUse(&'static str),
    /// Input given on the command line breaks a rule.
    #[error("{}", Fields(.0))]
    Invalid(Vec<FieldError>),
    /// A file or socket operation failed.
    #[error("cannot {action}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A key could not be read, generated or written, or the key set is
    /// invalid.
    #[error("cannot {action}")]
    Keys {
        /// What was being done, such as `read OPSGUARD_JWT_KEY_FILE`.
        action: &'static str,
        /// The opsguard-token or opsguard-crypto error.
        #[source]
        source: BoxError,
    },
    /// `OPSGUARD_ENV=production` refuses a development shortcut.
    #[error("refused in production: {0}")]
    Production(&'static str),
    /// `rotate-keys` could not re-encrypt some credentials; they keep their
    /// old key, which must not be removed yet.
    #[error("{failed} credentials could not be re-encrypted and still need their old key")]
    RotationIncomplete {
        /// How many.
        failed: u64,
    },
    /// Another opsguard operation failed (hashing a password, opening a
    /// sealed value, a store).
    #[error(transparent)]
    Opsguard(#[from] opsguard::Error),
}

impl ServiceError {
    /// A failed query: `operation` names what was being done.
    ///
    /// A write that refers to a row deleted meanwhile (a user deleted while
    /// their access token is still valid, a credential deleted while a
    /// target is being created with it) is a [`ServiceError::Conflict`].
    pub(crate) fn database(operation: &'static str, err: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &err
            && db.is_foreign_key_violation()
        {
            return Self::Conflict("the request refers to a row that no longer exists");
        }
        // Unreachable, closed or exhausted pools may recover: 503, not 500.
        // (Driver codes such as SQLITE_BUSY are sorted the same way inside
        // opsguard-store-sql, whose classifier is not public.)
        let transient = matches!(
            err,
            sqlx::Error::Io(_)
                | sqlx::Error::Tls(_)
                | sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::WorkerCrashed
        );
        Self::Database {
            operation,
            source: Box::new(err),
            transient,
        }
    }

    /// A failed write: a unique violation becomes [`ServiceError::Conflict`]
    /// with `conflict`, anything else [`ServiceError::database`].
    pub(crate) fn on_write(
        operation: &'static str,
        conflict: &'static str,
        err: sqlx::Error,
    ) -> Self {
        match &err {
            sqlx::Error::Database(db) if db.is_unique_violation() => Self::Conflict(conflict),
            _ => Self::database(operation, err),
        }
    }

    /// A failed delete: a foreign-key violation (the row is still
    /// referenced) becomes [`ServiceError::InUse`] with `in_use`.
    pub(crate) fn on_delete(
        operation: &'static str,
        in_use: &'static str,
        err: sqlx::Error,
    ) -> Self {
        match &err {
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => Self::InUse(in_use),
            _ => Self::database(operation, err),
        }
    }

    /// A key error while doing `action`.
    pub(crate) fn keys(action: &'static str, source: impl Into<BoxError>) -> Self {
        Self::Keys {
            action,
            source: source.into(),
        }
    }
}

/// A client's view of a service error: conflicts are 409, references 409,
/// an unreachable database 503, everything else a generic 500 whose cause
/// stays in the log.
impl From<ServiceError> for opsguard::Error {
    fn from(err: ServiceError) -> Self {
        match err {
            ServiceError::Conflict(message) | ServiceError::InUse(message) => {
                Self::conflict(message)
            }
            ServiceError::Invalid(fields) => Self::validation(fields),
            ServiceError::Opsguard(err) => err,
            ServiceError::Database {
                transient: true, ..
            } => Self::unavailable(err),
            other => Self::internal(other),
        }
    }
}

/// Field errors on one line: `username: must be 3 to 32 characters; ...`.
struct Fields<'a>(&'a [FieldError]);

impl fmt::Display for Fields<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, field) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{}: {}", field.field(), field.message())?;
        }
        Ok(())
    }
}

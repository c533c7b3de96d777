//! What can go wrong when hashing, verifying or configuring.

use opsguard_core::FieldError;

/// An error from this crate.
///
/// A wrong password is *not* an error: [`Hasher::verify`](crate::Hasher::verify)
/// answers it with [`Verification::Mismatch`](crate::Verification::Mismatch).
/// Errors are the things a login flow must still answer with the generic
/// "invalid username or password" while logging the precise reason: a stored
/// hash that cannot be used ([`MalformedHash`](Self::MalformedHash),
/// [`UnsupportedHash`](Self::UnsupportedHash),
/// [`StoredParamsAboveCeiling`](Self::StoredParamsAboveCeiling)) or a
/// password bcrypt cannot take ([`PasswordTooLong`](Self::PasswordTooLong),
/// [`PasswordContainsNul`](Self::PasswordContainsNul)).
///
/// No variant ever holds a password, a hash or any part of one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An [`AsyncHasher`](crate::AsyncHasher) with a
    /// [queue limit](crate::AsyncHasher::with_queue_limit) had every permit
    /// taken and its queue full; nothing was computed. Converts into a 503
    /// ([`ErrorKind::Unavailable`](opsguard_core::ErrorKind::Unavailable)).
    #[cfg(feature = "tokio")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
    #[error("password hashing is busy")]
    Busy,
    /// The hashing primitive failed (in practice: it could not allocate its
    /// memory).
    #[error("password hashing failed")]
    Hashing,
    /// A password policy setting is out of range, for example a minimum
    /// length above the maximum.
    #[error("password policy setting {name} is out of range")]
    InvalidPolicy {
        /// The setting, for example `min_length`.
        name: &'static str,
    },
    /// A hashing parameter is outside what the algorithm accepts (for
    /// example argon2 memory below 8 × parallelism, or a bcrypt cost outside
    /// 4..=31).
    #[error("hashing parameter {name} is out of range")]
    InvalidParams {
        /// The parameter: `memory_kib`, `iterations`, `parallelism` or
        /// `bcrypt_cost`.
        name: &'static str,
    },
    /// A stored hash string is not a well-formed hash of a scheme this crate
    /// knows: empty, truncated, bad base64, non-canonical numbers, missing or
    /// unknown parameters, trailing data.
    #[error("stored password hash is malformed: {reason}")]
    MalformedHash {
        /// What is wrong, in a few words (never a part of the string).
        reason: &'static str,
    },
    /// The hasher's own parameters exceed its [`ParamCeiling`](crate::ParamCeiling),
    /// so it could not verify the hashes it makes.
    #[error("hashing parameter {name} exceeds the verification ceiling")]
    ParamsAboveCeiling {
        /// The parameter: `memory_kib`, `iterations`, `parallelism` or
        /// `bcrypt_cost`.
        name: &'static str,
    },
    /// The password contains a NUL character and the scheme is bcrypt, whose
    /// C implementations end the password at the first NUL.
    #[error("password contains a nul character, which bcrypt cannot hash")]
    PasswordContainsNul,
    /// The password is longer than the scheme takes (bcrypt: 72 bytes).
    #[error("password is longer than {max_bytes} bytes")]
    PasswordTooLong {
        /// The limit, in bytes.
        max_bytes: usize,
    },
    /// The operating system's random number generator failed.
    #[error("random number generator failed")]
    Rng,
    /// A stored hash is well formed but its cost parameters exceed the
    /// verifier's [`ParamCeiling`](crate::ParamCeiling); it was refused
    /// before any memory was allocated or any round was run.
    #[error("stored password hash exceeds the {name} ceiling")]
    StoredParamsAboveCeiling {
        /// The parameter: `memory_kib`, `iterations`, `parallelism` or
        /// `bcrypt_cost`.
        name: &'static str,
    },
    /// The blocking task that ran the hash panicked or was cancelled.
    #[cfg(feature = "tokio")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
    #[error("password hashing task failed")]
    TaskFailed,
    /// A stored hash names a scheme this crate does not verify: `$2x$`
    /// (hashes of the buggy pre-2011 crypt_blowfish), argon2d, unknown
    /// identifiers, argon2 `keyid`/`data` parameters.
    #[error("stored password hash uses an unsupported scheme: {reason}")]
    UnsupportedHash {
        /// Which scheme or feature, in a few words.
        reason: &'static str,
    },
    /// A hashing parameter is below the secure minimum and
    /// [`HasherBuilder::dangerous_allow_weak_params`](crate::HasherBuilder::dangerous_allow_weak_params)
    /// was not called.
    #[error("hashing parameter {name} is below the secure minimum")]
    WeakParams {
        /// The parameter: `memory_kib`, `iterations` or `bcrypt_cost`.
        name: &'static str,
    },
}

impl Error {
    /// Whether the error is about the stored hash string rather than the
    /// password or the configuration: [`MalformedHash`](Self::MalformedHash),
    /// [`UnsupportedHash`](Self::UnsupportedHash) or
    /// [`StoredParamsAboveCeiling`](Self::StoredParamsAboveCeiling).
    ///
    /// These are data problems to log and alert on; the client still gets
    /// the generic login failure.
    #[must_use]
    pub fn is_stored_hash_problem(&self) -> bool {
        matches!(
            self,
            Self::MalformedHash { .. }
                | Self::UnsupportedHash { .. }
                | Self::StoredParamsAboveCeiling { .. }
        )
    }
}

/// Converts into the shared error model.
///
/// * [`PasswordTooLong`](Error::PasswordTooLong) and
///   [`PasswordContainsNul`](Error::PasswordContainsNul) become a validation
///   error on field `password` (codes `too_long`, `contains_nul`). That is
///   right when *setting* a password; a login flow must not use this
///   conversion on a verification error and answers
///   [`opsguard_core::Error::invalid_credentials`] instead.
/// * `Busy` (feature `tokio`) is
///   [`ErrorKind::Unavailable`](opsguard_core::ErrorKind::Unavailable), a
///   503: the client may retry later.
/// * Everything else is [`ErrorKind::Internal`](opsguard_core::ErrorKind::Internal):
///   a broken stored hash or a misconfiguration is a server-side fact that
///   the client never sees; the cause is kept as `source()` for logs.
impl From<Error> for opsguard_core::Error {
    fn from(err: Error) -> Self {
        match err {
            Error::PasswordTooLong { max_bytes } => Self::validation(vec![FieldError::new(
                "password",
                "too_long",
                format!("must be at most {max_bytes} bytes"),
            )]),
            Error::PasswordContainsNul => Self::validation(vec![FieldError::new(
                "password",
                "contains_nul",
                "must not contain a NUL character",
            )]),
            #[cfg(feature = "tokio")]
            Error::Busy => Self::unavailable(err),
            other => Self::internal(other),
        }
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use opsguard_core::ErrorKind;

    use super::*;

    #[test]
    fn display_is_lowercase_without_trailing_period() {
        let all = [
            Error::Hashing,
            Error::InvalidPolicy { name: "min_length" },
            Error::InvalidParams { name: "memory_kib" },
            Error::MalformedHash { reason: "empty" },
            Error::ParamsAboveCeiling { name: "iterations" },
            Error::PasswordContainsNul,
            Error::PasswordTooLong { max_bytes: 72 },
            Error::Rng,
            Error::StoredParamsAboveCeiling { name: "memory_kib" },
            Error::UnsupportedHash {
                reason: "bcrypt $2x$",
            },
            Error::WeakParams {
                name: "bcrypt_cost",
            },
        ];
        for err in all {
            let text = err.to_string();
            assert!(text.starts_with(|c: char| c.is_lowercase()), "{text}");
            assert!(!text.ends_with('.'), "{text}");
        }
    }

    #[test]
    fn conversion_kinds() {
        let too_long = opsguard_core::Error::from(Error::PasswordTooLong { max_bytes: 72 });
        assert_eq!(too_long.kind(), ErrorKind::Validation);
        assert_eq!(too_long.fields().len(), 1);
        assert_eq!(too_long.fields()[0].field(), "password");
        assert_eq!(too_long.fields()[0].code(), "too_long");
        assert_eq!(too_long.fields()[0].message(), "must be at most 72 bytes");

        let nul = opsguard_core::Error::from(Error::PasswordContainsNul);
        assert_eq!(nul.fields()[0].code(), "contains_nul");

        let malformed = opsguard_core::Error::from(Error::MalformedHash { reason: "empty" });
        assert_eq!(malformed.kind(), ErrorKind::Internal);
        assert_eq!(malformed.message(), "internal server error");
        let source = std::error::Error::source(&malformed).map(ToString::to_string);
        assert_eq!(
            source.as_deref(),
            Some("stored password hash is malformed: empty")
        );
    }

    /// Review F9: a full queue is the client's "try again later", not a
    /// server fault.
    #[cfg(feature = "tokio")]
    #[test]
    fn f9_busy_is_a_503() {
        let core = opsguard_core::Error::from(Error::Busy);
        assert_eq!(core.kind(), ErrorKind::Unavailable);
        assert_eq!(core.to_wire().status, 503);
        assert_eq!(Error::Busy.to_string(), "password hashing is busy");
        assert!(!Error::Busy.is_stored_hash_problem());
    }

    #[test]
    fn stored_hash_problems() {
        assert!(Error::MalformedHash { reason: "x" }.is_stored_hash_problem());
        assert!(Error::UnsupportedHash { reason: "x" }.is_stored_hash_problem());
        assert!(Error::StoredParamsAboveCeiling { name: "x" }.is_stored_hash_problem());
        assert!(!Error::PasswordTooLong { max_bytes: 72 }.is_stored_hash_problem());
        assert!(!Error::Hashing.is_stored_hash_problem());
    }
}

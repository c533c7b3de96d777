//! What can go wrong while setting up the adapter's middleware.

/// A middleware was configured with a value it cannot use.
///
/// These errors happen at start-up, never while serving a request; request
/// failures are [`ApiError`](crate::ApiError)s.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A header value is not a valid HTTP header value (it contains a
    /// control character such as a line break).
    #[error("invalid value for the {header} header")]
    InvalidHeaderValue {
        /// The header, lowercase.
        header: &'static str,
    },
    /// A header name is not a valid HTTP header name.
    #[error("invalid header name")]
    InvalidHeaderName,
}

impl From<ConfigError> for opsguard_core::Error {
    fn from(err: ConfigError) -> Self {
        Self::internal(err)
    }
}

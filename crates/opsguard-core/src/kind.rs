//! The closed set of error categories and their HTTP meaning.

use std::fmt;

use serde::{Deserialize, Serialize};

/// What went wrong, as far as a client is concerned.
///
/// Every kind maps to exactly one HTTP status and one wire `type` string;
/// [`Error::to_wire`](crate::Error::to_wire) is the only place that mapping is
/// used, so both web adapters answer identically.
///
/// | kind | status | wire `type` |
/// |---|---|---|
/// | `Auth` | 401 | `AuthError` |
/// | `Conflict` | 409 | `Conflict` |
/// | `Internal` | 500 | `InternalError` |
/// | `NotFound` | 404 | `NotFound` |
/// | `PayloadTooLarge` | 413 | `PayloadTooLarge` |
/// | `Permission` | 403 | `PermissionError` |
/// | `RateLimited` | 429 | `RateLimited` |
/// | `Unavailable` | 503 | `Unavailable` |
/// | `Validation` | 422 | `ValidationError` |
///
/// ```
/// use opsguard_core::ErrorKind;
///
/// assert_eq!(ErrorKind::Permission.status(), 403);
/// assert_eq!(ErrorKind::Permission.wire_type(), "PermissionError");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The caller is not authenticated: no credential, a bad credential, or a
    /// token that failed verification.
    #[serde(rename = "AuthError")]
    Auth,
    /// The request conflicts with the current state (for example a username
    /// that is already taken).
    Conflict,
    /// Something failed inside the service. The client never sees why.
    #[serde(rename = "InternalError")]
    Internal,
    /// The addressed resource does not exist (or the caller may not know it
    /// exists).
    NotFound,
    /// The request body is larger than the service accepts.
    PayloadTooLarge,
    /// The caller is authenticated but not allowed to do this.
    #[serde(rename = "PermissionError")]
    Permission,
    /// Too many attempts; the client should retry after a delay.
    RateLimited,
    /// A dependency (database, cache) is unavailable; the request may succeed
    /// later.
    Unavailable,
    /// The input is malformed or breaks a rule; the error lists each field.
    #[serde(rename = "ValidationError")]
    Validation,
}

impl ErrorKind {
    /// Every kind, in declaration order. Useful for exhaustive tests.
    pub const ALL: [Self; 9] = [
        Self::Auth,
        Self::Conflict,
        Self::Internal,
        Self::NotFound,
        Self::PayloadTooLarge,
        Self::Permission,
        Self::RateLimited,
        Self::Unavailable,
        Self::Validation,
    ];

    /// The HTTP status code for this kind.
    #[must_use]
    pub const fn status(self) -> u16 {
        match self {
            Self::Auth => 401,
            Self::Conflict => 409,
            Self::Internal => 500,
            Self::NotFound => 404,
            Self::PayloadTooLarge => 413,
            Self::Permission => 403,
            Self::RateLimited => 429,
            Self::Unavailable => 503,
            Self::Validation => 422,
        }
    }

    /// The `type` string of the JSON error body.
    #[must_use]
    pub const fn wire_type(self) -> &'static str {
        match self {
            Self::Auth => "AuthError",
            Self::Conflict => "Conflict",
            Self::Internal => "InternalError",
            Self::NotFound => "NotFound",
            Self::PayloadTooLarge => "PayloadTooLarge",
            Self::Permission => "PermissionError",
            Self::RateLimited => "RateLimited",
            Self::Unavailable => "Unavailable",
            Self::Validation => "ValidationError",
        }
    }

    /// The generic client message used when no more specific (and safe)
    /// message is given. For [`ErrorKind::Internal`] it is the only message a
    /// client can ever see.
    #[must_use]
    pub const fn default_message(self) -> &'static str {
        match self {
            Self::Auth => "authentication required",
            Self::Conflict => "the request conflicts with existing data",
            Self::Internal => "internal server error",
            Self::NotFound => "not found",
            Self::PayloadTooLarge => "request body too large",
            Self::Permission => "permission denied",
            Self::RateLimited => "too many requests",
            Self::Unavailable => "service temporarily unavailable",
            Self::Validation => "request validation failed",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.wire_type())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_name_equals_wire_type() {
        for kind in ErrorKind::ALL {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.wire_type()));
            let back: ErrorKind = serde_json::from_str(&json).unwrap();
            assert_eq!(back, kind);
        }
    }
}

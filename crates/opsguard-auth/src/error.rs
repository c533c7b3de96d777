//! What can go wrong inside opsguard-auth, and how it reaches a client.

use opsguard_core::BoxError;

use crate::Throttled;

/// An error of opsguard-auth's configuration or of a store it calls.
///
/// Login and token failures are not here: they are answered with the
/// generic [`opsguard_core::Error`] constructors
/// ([`invalid_credentials`](opsguard_core::Error::invalid_credentials),
/// [`invalid_token`](opsguard_core::Error::invalid_token),
/// [`rate_limited`](opsguard_core::Error::rate_limited)) so that a client
/// cannot tell the reasons apart. The variants below name a setting or a
/// store, never a value a client sent.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// A configuration setting is out of range.
    #[error("invalid configuration: {name}: {reason}")]
    InvalidConfig {
        /// The setting, as named by its `with_*` builder method.
        name: &'static str,
        /// What is wrong with it, in a few words.
        reason: &'static str,
    },
    /// The trusted-proxy entry at `position` (0-based, in the order given)
    /// is neither an IP address nor a CIDR network.
    #[error("trusted proxy entry {position} is not an ip address or cidr network")]
    InvalidTrustedProxy {
        /// Where the entry stands in the list given to the builder.
        position: usize,
    },
    /// The trusted-proxy entry at `position` (0-based) is a network too
    /// broad to be a set of proxies: an IPv4 prefix shorter than /8, or an
    /// IPv6 prefix shorter than /16 outside the unique-local (`fc00::/7`)
    /// and link-local (`fe80::/10`) ranges. Trusting it would let most of
    /// the internet write `X-Forwarded-For`.
    #[error("trusted proxy entry {position} is too broad a network to trust")]
    TrustedProxyTooBroad {
        /// Where the entry stands in the list given to the builder.
        position: usize,
    },
    /// A store (directory, throttle counters, audit sink) failed.
    #[error("{0}")]
    Store(#[from] StoreError),
    /// The throttle refused a login attempt.
    #[error("{0}")]
    Throttled(#[from] Throttled),
}

impl From<AuthError> for opsguard_core::Error {
    fn from(err: AuthError) -> Self {
        match err {
            AuthError::Store(store) => Self::from(store),
            AuthError::Throttled(throttled) => Self::from(throttled),
            other => Self::internal(other),
        }
    }
}

/// A store behind one of opsguard-auth's traits failed (a database or cache
/// is down, a row could not be written).
///
/// Implementations of [`ThrottleStore`](crate::ThrottleStore),
/// [`Directory`](crate::Directory) and [`AuditSink`](crate::AuditSink) wrap their own error in
/// it; the cause is kept for logs through
/// [`source`](std::error::Error::source) and never reaches a client, which
/// sees a 503.
#[derive(Debug, thiserror::Error)]
#[error("{store} store failed")]
pub struct StoreError {
    store: &'static str,
    #[source]
    source: BoxError,
}

impl StoreError {
    /// A failure of the store named `store` (for example `"throttle"`),
    /// caused by `source`.
    pub fn new(store: &'static str, source: impl Into<BoxError>) -> Self {
        Self {
            store,
            source: source.into(),
        }
    }

    /// The name given to [`StoreError::new`].
    #[must_use]
    pub fn store(&self) -> &'static str {
        self.store
    }
}

impl From<StoreError> for opsguard_core::Error {
    fn from(err: StoreError) -> Self {
        Self::unavailable(err)
    }
}

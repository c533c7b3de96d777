//! The crate's one error type, and how it becomes an [`opsguard_core::Error`].

use std::fmt;

use opsguard_core::BoxError;

use crate::claims::FamilyId;

/// Everything that can go wrong when loading keys, issuing, verifying or
/// rotating tokens.
///
/// The variants fall into three groups, and [`From<TokenError>`] for
/// [`opsguard_core::Error`] maps each group to one client answer:
///
/// | group | variants | client answer |
/// |---|---|---|
/// | a presented token was refused | see [`is_token_rejection`](Self::is_token_rejection) | 401 `invalid or expired token`, identical for every reason |
/// | a store could not answer | [`Store`](Self::Store) | 503 or 500, never 401: an outage is not the client's fault |
/// | keys or configuration are wrong | the rest | 500, message generic |
///
/// The precise variant is for logs and audit only. No variant holds a token,
/// a claim value taken from a token, or key material: a rejected token's `kid`
/// or `iss` is attacker-chosen text and is never echoed.
/// [`ReuseDetected`](Self::ReuseDetected) carries the user and family
/// identifiers (taken from a token whose signature was verified), so the
/// caller can audit the event.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// The header's `alg` is not the algorithm of the key named by `kid`.
    #[error("token algorithm does not match its key")]
    AlgorithmMismatch,
    /// The token's `aud` does not contain the expected audience.
    #[error("token audience does not match")]
    AudienceMismatch,
    /// The token's claims are not a JSON object of the expected shape: a
    /// missing required claim, or a claim of the wrong JSON type (for example
    /// a time claim that is not a number).
    #[error("token claims are malformed")]
    ClaimsMalformed,
    /// A setting given to a builder is not allowed; `reason` says which.
    #[error("invalid configuration: {reason}")]
    Config {
        /// What is wrong, in a few words.
        reason: &'static str,
    },
    /// The token header lists `crit` extensions, none of which are supported.
    #[error("token header has unsupported critical extensions")]
    CriticalHeader,
    /// An access token is on the denylist.
    #[error("token has been revoked")]
    Denied,
    /// A key id appears twice in one key set or JWKS.
    #[error("duplicate key id in key set")]
    DuplicateKeyId,
    /// `exp` is not after the current time (with leeway).
    #[error("token has expired")]
    Expired,
    /// `iat` is later than the current time plus leeway.
    #[error("token was issued in the future")]
    IssuedInFuture,
    /// The token's `iss` is not the expected issuer.
    #[error("token issuer does not match")]
    IssuerMismatch,
    /// A JWKS document could not be used; `reason` says why.
    #[error("invalid jwks: {reason}")]
    Jwks {
        /// What is wrong, in a few words.
        reason: &'static str,
    },
    /// The environment variable named by `var` is not set or is not UTF-8.
    #[error("environment variable {var} is not set")]
    KeyEnvMissing {
        /// The variable's name (never its value).
        var: String,
    },
    /// A key file could not be read.
    #[error("key file could not be read")]
    KeyFile(#[source] std::io::Error),
    /// Key material could not be parsed for the requested algorithm;
    /// `reason` says what was wrong, never what the key contained.
    #[error("invalid key: {reason}")]
    KeyInvalid {
        /// What is wrong, in a few words.
        reason: &'static str,
    },
    /// The key named by `kid` is retired: it is known but no longer accepted.
    #[error("token key is retired")]
    KeyRetired,
    /// An HMAC secret is shorter than its algorithm requires
    /// (RFC 7518 §3.2: at least the hash size).
    #[error("hmac secret too short: at least {min} bytes required")]
    KeyTooShort {
        /// The minimum length in bytes for the algorithm.
        min: usize,
    },
    /// A service token lives longer than service tokens may (5 minutes).
    #[error("token lifetime exceeds the limit for its kind")]
    LifetimeTooLong,
    /// The token is not a compact JWS of three base64url segments with a
    /// JSON header.
    #[error("token is malformed")]
    Malformed,
    /// The token header has no `kid`.
    #[error("token has no key id")]
    MissingKeyId,
    /// The key set has no primary key, so it cannot sign.
    #[error("key set has no primary signing key")]
    NoSigningKey,
    /// `nbf` is later than the current time plus leeway.
    #[error("token is not yet valid")]
    NotYetValid,
    /// The operating system's random generator failed.
    #[error("random generator unavailable")]
    RandomUnavailable,
    /// An already-used refresh token was presented: its whole family has
    /// been revoked. Audit this.
    #[error("refresh token reuse detected; family revoked")]
    ReuseDetected(ReuseDetected),
    /// The refresh token's family is unknown, revoked or expired in the
    /// store.
    #[error("refresh token family is not active")]
    Revoked,
    /// The signature does not verify with the key named by `kid`.
    #[error("token signature is invalid")]
    SignatureInvalid,
    /// Signing failed inside the crypto backend.
    #[error("token signing failed")]
    Signing,
    /// A refresh store or denylist could not answer.
    #[error("token store failed")]
    Store(#[source] StoreError),
    /// The subject given for a rotation is not the refresh token's subject.
    #[error("subject does not match the refresh token")]
    SubjectMismatch,
    /// The token is larger than [`MAX_TOKEN_BYTES`](crate::verify::MAX_TOKEN_BYTES).
    #[error("token exceeds the size limit")]
    TooLarge,
    /// The header's `typ` is missing or is not the type expected for this
    /// kind of token.
    #[error("token type does not match")]
    TypeMismatch,
    /// The header names a key id that is not in the key set.
    #[error("token key id is unknown")]
    UnknownKeyId,
    /// The header's `alg` is not a supported algorithm (this includes `none`
    /// in any spelling).
    #[error("token algorithm is not supported")]
    UnsupportedAlgorithm,
    /// The token's `token_use` claim is not the kind the caller expects.
    #[error("token use does not match")]
    UseMismatch,
}

impl TokenError {
    /// Whether this error means "a presented token was refused" (as opposed
    /// to a store outage or a configuration mistake).
    ///
    /// ```
    /// use opsguard_token::TokenError;
    ///
    /// assert!(TokenError::Expired.is_token_rejection());
    /// assert!(!TokenError::NoSigningKey.is_token_rejection());
    /// ```
    #[must_use]
    pub fn is_token_rejection(&self) -> bool {
        matches!(
            self,
            Self::AlgorithmMismatch
                | Self::AudienceMismatch
                | Self::ClaimsMalformed
                | Self::CriticalHeader
                | Self::Denied
                | Self::Expired
                | Self::IssuedInFuture
                | Self::IssuerMismatch
                | Self::KeyRetired
                | Self::LifetimeTooLong
                | Self::Malformed
                | Self::MissingKeyId
                | Self::NotYetValid
                | Self::ReuseDetected(_)
                | Self::Revoked
                | Self::SignatureInvalid
                | Self::SubjectMismatch
                | Self::TooLarge
                | Self::TypeMismatch
                | Self::UnknownKeyId
                | Self::UnsupportedAlgorithm
                | Self::UseMismatch
        )
    }

    /// The reuse event, when this error is [`TokenError::ReuseDetected`].
    #[must_use]
    pub fn reuse_detected(&self) -> Option<&ReuseDetected> {
        match self {
            Self::ReuseDetected(event) => Some(event),
            _ => None,
        }
    }
}

impl From<TokenError> for opsguard_core::Error {
    /// Token rejections become [`opsguard_core::Error::invalid_token`] (the
    /// same 401 for every reason, with the reason kept as `source()` for
    /// logs); store failures become 503 (or 500 for a store that reports an
    /// internal fault); everything else is a 500 whose cause stays in logs.
    fn from(err: TokenError) -> Self {
        if err.is_token_rejection() {
            return Self::invalid_token().with_source(err);
        }
        match &err {
            TokenError::Store(store) if store.is_unavailable() => Self::unavailable(err),
            _ => Self::internal(err),
        }
    }
}

/// A refresh token was presented after it had already been rotated.
///
/// Per RFC 9700 §4.14.2 the whole family is revoked when this happens; the
/// legitimate client and the attacker both have to log in again. The event
/// carries the user and family so that the caller can audit it; it never
/// carries the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReuseDetected {
    user_id: String,
    family: FamilyId,
}

impl ReuseDetected {
    pub(crate) fn new(user_id: String, family: FamilyId) -> Self {
        Self { user_id, family }
    }

    /// The `sub` of the reused token: the user whose session was revoked.
    #[must_use]
    pub fn user_id(&self) -> &str {
        &self.user_id
    }

    /// The rotation family that was revoked.
    #[must_use]
    pub fn family(&self) -> &FamilyId {
        &self.family
    }
}

/// A store ([`RefreshStore`](crate::refresh::RefreshStore) or
/// [`AccessDenylist`](crate::denylist::AccessDenylist)) could not answer.
///
/// Implementations build it from their own error with
/// [`StoreError::unavailable`] (the backend is down or timed out: the request
/// may succeed later, 503) or [`StoreError::internal`] (the backend answered
/// something impossible, such as a corrupt row: 500). The source is kept for
/// logs only; it must not contain a token.
pub struct StoreError {
    unavailable: bool,
    source: BoxError,
}

impl StoreError {
    /// The backend is unreachable, overloaded or timed out.
    pub fn unavailable(source: impl Into<BoxError>) -> Self {
        Self {
            unavailable: true,
            source: source.into(),
        }
    }

    /// The backend answered, but with something that cannot be right.
    pub fn internal(source: impl Into<BoxError>) -> Self {
        Self {
            unavailable: false,
            source: source.into(),
        }
    }

    /// Whether the failure is transient (503) rather than internal (500).
    #[must_use]
    pub fn is_unavailable(&self) -> bool {
        self.unavailable
    }
}

impl fmt::Debug for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoreError")
            .field("unavailable", &self.unavailable)
            .field("source", &self.source)
            .finish()
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.unavailable {
            f.write_str("token store unavailable")
        } else {
            f.write_str("token store internal error")
        }
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(self.source.as_ref())
    }
}

impl From<StoreError> for TokenError {
    fn from(err: StoreError) -> Self {
        Self::Store(err)
    }
}

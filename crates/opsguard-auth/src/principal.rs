//! The authenticated caller of a request, from a verified access token.

use opsguard_core::Error;
use opsguard_token::{AccessClaims, Verifier};

use crate::parse_authorization;

/// Who sent a request, as its verified access token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    user_id: String,
    username: String,
    roles: Vec<String>,
    token_id: String,
    expires_at: i64,
}

/// So that [`OpsGuard::require`](crate::OpsGuard::require) takes a principal
/// as well as an adapter's `CurrentUser`.
impl AsRef<Self> for Principal {
    fn as_ref(&self) -> &Self {
        self
    }
}

impl Principal {
    fn from_claims(claims: AccessClaims) -> Self {
        let identity = claims.into_identity();
        Self {
            user_id: identity.subject,
            username: identity.username,
            roles: identity.roles,
            token_id: identity.jwt_id,
            expires_at: identity.expires_at,
        }
    }

    /// The user id (`sub`).
    #[must_use]
    pub fn user_id(&self) -> &str {
        &self.user_id
    }

    /// The username.
    #[must_use]
    pub fn username(&self) -> &str {
        &self.username
    }

    /// The role names.
    #[must_use]
    pub fn roles(&self) -> &[String] {
        &self.roles
    }

    /// The token's `jti`, to deny-list it or join logs.
    #[must_use]
    pub fn token_id(&self) -> &str {
        &self.token_id
    }

    /// When the token expires (seconds since the Unix epoch).
    #[must_use]
    pub fn expires_at(&self) -> i64 {
        self.expires_at
    }

    /// Whether the principal holds `role` (exact, case-sensitive).
    #[must_use]
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }

    /// The caller as opsguard-rbac's [`Subject`](opsguard_rbac::Subject),
    /// for authorization decisions.
    ///
    /// # Errors
    ///
    /// [`Error::invalid_token`] when the user id is not the canonical
    /// decimal `i64` opsguard-rbac requires.
    pub fn to_rbac_subject(&self) -> Result<opsguard_rbac::Subject, Error> {
        opsguard_rbac::Subject::from_sub(&self.user_id, self.roles.iter().map(String::as_str))
            .map_err(|_| {
                tracing::debug!(
                    target: "opsguard::rejection",
                    reason = "subject_not_an_rbac_id",
                    "verified token has a sub that is not a user id"
                );
                Error::invalid_token()
            })
    }
}

/// The caller of a request, from every `Authorization` header value it
/// carries: [`parse_authorization`] then `verifier`'s access-token check
/// (refresh and service tokens are refused). This is all an adapter's
/// extractor calls.
///
/// # Errors
///
/// [`Error::missing_credentials`] without an `Authorization` header;
/// [`Error::invalid_token`] for every refused header or token (the reason
/// is logged at debug level to `opsguard::rejection`); a 500 for a broken
/// key configuration.
pub fn authenticate<'a, I, T>(verifier: &Verifier, authorization: I) -> Result<Principal, Error>
where
    I: IntoIterator<Item = &'a T>,
    T: AsRef<[u8]> + ?Sized + 'a,
{
    let token = parse_authorization(authorization)?;
    match verifier.verify_access(token.expose_secret()) {
        Ok(claims) => Ok(Principal::from_claims(claims)),
        Err(err) => {
            tracing::debug!(
                target: "opsguard::rejection",
                reason = %err,
                "access token refused"
            );
            Err(Error::from(err))
        }
    }
}

//! The authenticated caller: [`CurrentUser`], `Option<CurrentUser>` and
//! [`RequireAdmin`].

use axum::extract::{FromRef, FromRequestParts, OptionalFromRequestParts};
use http::header::AUTHORIZATION;
use http::request::Parts;
use opsguard_auth::Principal;
use opsguard_rbac::ADMIN_ROLE;

use crate::{ApiError, OpsGuard};

/// The caller of a request, from a verified access token: user id,
/// username, roles.
///
/// Extracting it reads every `Authorization` header and hands them to
/// opsguard-auth's `authenticate` through the [`OpsGuard`] in the state;
/// that call decides everything (RFC 6750 bearer syntax with the scheme in
/// any case, one header only, a size cap before decoding, signature,
/// issuer, audience, lifetime, `token_use` = access). A refusal is a 401:
///
/// * no `Authorization` header: `WWW-Authenticate: Bearer`;
/// * anything else (malformed, expired, wrong key, a refresh token):
///   `WWW-Authenticate: Bearer error="invalid_token"` and one identical
///   body, whatever the reason.
///
/// `Option<CurrentUser>` (axum 0.8's `OptionalFromRequestParts`) is `None`
/// when the request has no `Authorization` header at all, and still refuses
/// a header that is present but bad: a broken credential is never treated
/// as anonymous.
///
/// ```
/// use axum::{Router, routing::get};
/// use opsguard_axum::{CurrentUser, OpsGuard};
///
/// async fn me(user: CurrentUser) -> String {
///     format!("{} ({})", user.username(), user.id())
/// }
///
/// async fn greeting(user: Option<CurrentUser>) -> String {
///     user.map_or_else(|| "hello".to_owned(), |u| format!("hello {}", u.username()))
/// }
///
/// let routes: Router<OpsGuard> = Router::new()
///     .route("/me", get(me))
///     .route("/", get(greeting));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentUser(Principal);

impl CurrentUser {
    /// The user id (the token's `sub`).
    #[must_use]
    pub fn id(&self) -> &str {
        self.0.user_id()
    }

    /// The username.
    #[must_use]
    pub fn username(&self) -> &str {
        self.0.username()
    }

    /// The role names the token carries.
    #[must_use]
    pub fn roles(&self) -> &[String] {
        self.0.roles()
    }

    /// Everything opsguard-auth knows about the caller (token id, expiry).
    #[must_use]
    pub fn principal(&self) -> &Principal {
        &self.0
    }

    /// The principal, by value.
    #[must_use]
    pub fn into_principal(self) -> Principal {
        self.0
    }
}

impl AsRef<Principal> for CurrentUser {
    fn as_ref(&self) -> &Principal {
        &self.0
    }
}

impl<S> FromRequestParts<S> for CurrentUser
where
    OpsGuard: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let guard = OpsGuard::from_ref(state);
        let principal = guard.authenticate(parts.headers.get_all(AUTHORIZATION))?;
        Ok(Self(principal))
    }
}

impl<S> OptionalFromRequestParts<S> for CurrentUser
where
    OpsGuard: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        // No credential at all is the anonymous case; whether a present one
        // is acceptable is decided by `authenticate` alone.
        if !parts.headers.contains_key(AUTHORIZATION) {
            return Ok(None);
        }
        <Self as FromRequestParts<S>>::from_request_parts(parts, state)
            .await
            .map(Some)
    }
}

/// A caller who holds the `admin` role ([`opsguard_rbac::ADMIN_ROLE`],
/// directly or by inheritance in the policy).
///
/// A request without a valid token is refused as by [`CurrentUser`] (401);
/// a valid caller without the role with `403 PermissionError`. Put it
/// first among a handler's arguments: axum runs the header-only extractors
/// before the body one, so a non-admin is refused before the body is read.
///
/// ```
/// use axum::{Router, routing::delete};
/// use opsguard_axum::{OpsGuard, Path, RequireAdmin};
///
/// async fn delete_user(RequireAdmin(admin): RequireAdmin, Path(id): Path<i64>) -> String {
///     format!("user {id} deleted by {}", admin.username())
/// }
///
/// let routes: Router<OpsGuard> = Router::new().route("/users/{id}", delete(delete_user));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequireAdmin(pub CurrentUser);

impl<S> FromRequestParts<S> for RequireAdmin
where
    OpsGuard: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let user = <CurrentUser as FromRequestParts<S>>::from_request_parts(parts, state).await?;
        OpsGuard::from_ref(state).require_role(&user, ADMIN_ROLE)?;
        Ok(Self(user))
    }
}

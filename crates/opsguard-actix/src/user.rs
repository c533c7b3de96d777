//! The authenticated caller: [`CurrentUser`], [`OptionalUser`] and
//! [`RequireAdmin`].

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{FromRequest, HttpRequest};
use opsguard_auth::Principal;
use opsguard_rbac::ADMIN_ROLE;

use crate::ApiError;
use crate::guard::guard_of;

/// The caller of a request, from a verified access token: user id,
/// username, roles.
///
/// Extracting it reads every `Authorization` header and hands them to
/// opsguard-auth's `authenticate` through the app's
/// [`OpsGuard`](crate::OpsGuard) registered with `App::app_data`; that call decides
/// everything (RFC 6750 bearer syntax with the scheme in any case, one
/// header only, a size cap before decoding, signature, issuer, audience,
/// lifetime, `token_use` = access). A refusal is a 401:
///
/// * no `Authorization` header: `WWW-Authenticate: Bearer`;
/// * anything else (malformed, expired, wrong key, a refresh token):
///   `WWW-Authenticate: Bearer error="invalid_token"` and one identical
///   body, whatever the reason.
///
/// For routes that also serve anonymous callers use [`OptionalUser`], not
/// `Option<CurrentUser>`: actix-web's `Option<T>` extractor turns *any*
/// refusal into `None`, so a forged or expired token would be served as
/// anonymous.
///
/// ```
/// use actix_web::{App, web};
/// use opsguard_actix::CurrentUser;
///
/// async fn me(user: CurrentUser) -> String {
///     format!("{} ({})", user.username(), user.id())
/// }
///
/// let app = App::new().route("/me", web::get().to(me));
/// # drop(app);
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

    /// The caller of `req`, as the extractor finds it.
    ///
    /// # Errors
    ///
    /// 401 as described above; 500 when the app has no `OpsGuard`.
    pub fn from_http_request(req: &HttpRequest) -> Result<Self, ApiError> {
        let guard = guard_of(req)?;
        let principal = guard.authenticate(req.headers().get_all(AUTHORIZATION))?;
        Ok(Self(principal))
    }
}

impl AsRef<Principal> for CurrentUser {
    fn as_ref(&self) -> &Principal {
        &self.0
    }
}

impl FromRequest for CurrentUser {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        ready(Self::from_http_request(req))
    }
}

/// The caller if the request has credentials: `None` when it has no
/// `Authorization` header at all, and a 401 (as for [`CurrentUser`]) when
/// it has one that is refused — a broken credential is never treated as
/// anonymous.
///
/// This is what `Option<CurrentUser>` is in opsguard-axum; actix-web's own
/// `Option<T>` would swallow the refusal.
///
/// ```
/// use actix_web::{App, web};
/// use opsguard_actix::OptionalUser;
///
/// async fn greeting(OptionalUser(user): OptionalUser) -> String {
///     user.map_or_else(|| "hello".to_owned(), |u| format!("hello {}", u.username()))
/// }
///
/// let app = App::new().route("/", web::get().to(greeting));
/// # drop(app);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionalUser(pub Option<CurrentUser>);

impl FromRequest for OptionalUser {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        // No credential at all is the anonymous case; whether a present one
        // is acceptable is decided by `authenticate` alone.
        if !req.headers().contains_key(AUTHORIZATION) {
            return ready(Ok(Self(None)));
        }
        ready(CurrentUser::from_http_request(req).map(|user| Self(Some(user))))
    }
}

/// A caller who holds the `admin` role ([`opsguard_rbac::ADMIN_ROLE`],
/// directly or by inheritance in the policy).
///
/// A request without a valid token is refused as by [`CurrentUser`] (401);
/// a valid caller without the role with `403 PermissionError`. Put it
/// before a body extractor among a handler's arguments: actix-web runs
/// extractors in order, so a non-admin is refused before the body is read.
///
/// ```
/// use actix_web::{App, web};
/// use opsguard_actix::{Path, RequireAdmin};
///
/// async fn delete_user(RequireAdmin(admin): RequireAdmin, Path(id): Path<i64>) -> String {
///     format!("user {id} deleted by {}", admin.username())
/// }
///
/// let app = App::new().route("/users/{id}", web::delete().to(delete_user));
/// # drop(app);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequireAdmin(pub CurrentUser);

impl FromRequest for RequireAdmin {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        ready(require_admin(req))
    }
}

fn require_admin(req: &HttpRequest) -> Result<RequireAdmin, ApiError> {
    let user = CurrentUser::from_http_request(req)?;
    guard_of(req)?.require_role(&user, ADMIN_ROLE)?;
    Ok(RequireAdmin(user))
}

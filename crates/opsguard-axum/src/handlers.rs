//! Ready token endpoints: login, refresh, logout and the JWKS document.

use std::fmt;

use axum::Router;
use axum::extract::{FromRef, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http::{HeaderValue, header};
use opsguard_auth::Authenticator;
use opsguard_core::{Error, Success};
use opsguard_token::TokenPair;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::{ApiError, ClientIp, Json, OpsGuard, RequestId};

/// `POST /auth/login` body: `{"username": ..., "password": ...}`.
///
/// Strict (`deny_unknown_fields`); the password is a [`SecretString`], so
/// the request's `Debug` never shows it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct LoginRequest {
    /// The username as typed; the flow normalizes it.
    pub username: String,
    /// The password.
    pub password: SecretString,
}

impl fmt::Debug for LoginRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginRequest")
            .field("username", &self.username)
            .field("password", &"[REDACTED]")
            .finish()
    }
}

/// `POST /auth/refresh` and `POST /auth/logout` body:
/// `{"refresh_token": ...}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct RefreshRequest {
    /// The refresh token of the session.
    pub refresh_token: SecretString,
}

impl fmt::Debug for RefreshRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefreshRequest")
            .field("refresh_token", &"[REDACTED]")
            .finish()
    }
}

/// The answer of a login or a refresh: 200 with
/// `{"success":true,"message":...,"data":{"access_token","refresh_token","token_type":"Bearer","expires_in"}}`
/// and `Cache-Control: no-store`, `Pragma: no-cache` (RFC 6749 §5.1).
pub struct TokenResponse {
    message: &'static str,
    pair: TokenPair,
}

impl TokenResponse {
    /// The answer carrying `pair`, with `message` ("logged in").
    #[must_use]
    pub fn new(message: &'static str, pair: TokenPair) -> Self {
        Self { message, pair }
    }
}

impl fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenResponse")
            .field("message", &self.message)
            .finish_non_exhaustive()
    }
}

/// The `data` of a [`TokenResponse`], borrowed from the pair.
#[derive(Serialize)]
struct TokenData<'a> {
    access_token: &'a str,
    refresh_token: &'a str,
    token_type: &'static str,
    expires_in: u64,
}

impl IntoResponse for TokenResponse {
    fn into_response(self) -> Response {
        let data = TokenData {
            access_token: self.pair.access().expose_secret(),
            refresh_token: self.pair.refresh().expose_secret(),
            token_type: "Bearer",
            expires_in: self.pair.expires_in(),
        };
        no_store(Json(Success::new(self.message, data)).into_response())
    }
}

/// `response` with the headers of a token endpoint answer.
fn no_store(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

/// The flows of `guard`, or a 404 on a guard that only verifies tokens.
fn flows(guard: &OpsGuard) -> Result<&Authenticator, Error> {
    guard
        .authenticator()
        .ok_or_else(|| Error::from_kind(opsguard_core::ErrorKind::NotFound))
}

/// `POST /auth/login`: opsguard-auth's login flow (throttle by account and
/// [`ClientIp`], one answer for every failure, audit event with the request
/// id).
///
/// # Errors
///
/// 401 for refused credentials, 429 with `Retry-After` when throttled, 422
/// for a malformed body, 503 when a store is down.
pub async fn login(
    State(guard): State<OpsGuard>,
    client: ClientIp,
    request_id: Option<RequestId>,
    Json(body): Json<LoginRequest>,
) -> Result<TokenResponse, ApiError> {
    let client = client.to_client_info(request_id.as_ref());
    let pair = flows(&guard)?
        .login(&body.username, &body.password, &client)
        .await?;
    Ok(TokenResponse::new("logged in", pair))
}

/// `POST /auth/refresh`: rotate the refresh token (a reused one revokes its
/// family).
///
/// # Errors
///
/// 401 for a refused token, 422 for a malformed body, 503 when a store is
/// down.
pub async fn refresh(
    State(guard): State<OpsGuard>,
    client: ClientIp,
    request_id: Option<RequestId>,
    Json(body): Json<RefreshRequest>,
) -> Result<TokenResponse, ApiError> {
    let client = client.to_client_info(request_id.as_ref());
    let pair = flows(&guard)?.refresh(&body.refresh_token, &client).await?;
    Ok(TokenResponse::new("token refreshed", pair))
}

/// `POST /auth/logout`: revoke the session of the refresh token; answers
/// `{"success":true,"message":"logged out","data":null}`.
///
/// # Errors
///
/// 401 for a refused token, 422 for a malformed body, 503 when a store is
/// down.
pub async fn logout(
    State(guard): State<OpsGuard>,
    client: ClientIp,
    request_id: Option<RequestId>,
    Json(body): Json<RefreshRequest>,
) -> Result<Response, ApiError> {
    let client = client.to_client_info(request_id.as_ref());
    flows(&guard)?.logout(&body.refresh_token, &client).await?;
    Ok(no_store(
        Json(Success::without_data("logged out")).into_response(),
    ))
}

/// How long clients may cache the JWKS document: new keys are published
/// before they sign, so five minutes of staleness is harmless.
const JWKS_CACHE_CONTROL: &str = "public, max-age=300";

/// `GET /.well-known/jwks.json`: the public keys given to
/// [`OpsGuardBuilder::with_jwks`](crate::OpsGuardBuilder::with_jwks)
/// (RFC 7517), cacheable for five minutes.
///
/// # Errors
///
/// 404 when the guard publishes no JWKS.
pub async fn jwks(State(guard): State<OpsGuard>) -> Result<Response, ApiError> {
    let json = guard
        .jwks_json()
        .ok_or_else(|| Error::from_kind(opsguard_core::ErrorKind::NotFound))?;
    Ok((
        [
            (header::CONTENT_TYPE, opsguard_core::JSON_CONTENT_TYPE),
            (header::CACHE_CONTROL, JWKS_CACHE_CONTROL),
        ],
        json.to_owned(),
    )
        .into_response())
}

/// The token endpoints, mountable in one line:
///
/// | route | handler |
/// |---|---|
/// | `POST /auth/login` | [`login`] |
/// | `POST /auth/refresh` | [`refresh`] |
/// | `POST /auth/logout` | [`logout`] |
/// | `GET /.well-known/jwks.json` | [`jwks`] |
///
/// ```
/// use axum::Router;
/// use opsguard_axum::{OpsGuard, auth_router};
///
/// let app: Router<OpsGuard> = Router::new().merge(auth_router());
/// ```
///
/// The handlers need [`ClientIp`], so serve the app with
/// `into_make_service_with_connect_info::<SocketAddr>()`.
pub fn auth_router<S>() -> Router<S>
where
    OpsGuard: FromRef<S>,
    S: Clone + Send + Sync + 'static,
{
    Router::new()
        .route("/auth/login", post(login))
        .route("/auth/refresh", post(refresh))
        .route("/auth/logout", post(logout))
        .route("/.well-known/jwks.json", get(jwks))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_debug_is_redacted() -> Result<(), serde_json::Error> {
        let login: LoginRequest =
            serde_json::from_str(r#"{"username":"alice","password":"hunter2-secret"}"#)?;
        let shown = format!("{login:?}");
        assert!(!shown.contains("hunter2-secret"), "{shown}");
        assert!(shown.contains("alice"));
        let refresh: RefreshRequest =
            serde_json::from_str(r#"{"refresh_token":"eyJ.refresh.secret"}"#)?;
        assert!(!format!("{refresh:?}").contains("eyJ.refresh.secret"));
        Ok(())
    }
}

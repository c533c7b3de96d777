//! Ready token endpoints: login, refresh, logout and the JWKS document.

use std::fmt;

pub use opsguard_auth::{LoginRequest, RefreshRequest};

use axum::Router;
use axum::extract::{FromRef, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http::{HeaderName, HeaderValue, header};
use opsguard_auth::{JWKS_CACHE_CONTROL, TOKEN_RESPONSE_HEADERS, TokenBody};
use opsguard_core::Success;
use opsguard_token::TokenPair;

use crate::{ApiError, ClientIp, Json, OpsGuard, RequestId};

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

impl IntoResponse for TokenResponse {
    fn into_response(self) -> Response {
        let data = TokenBody::new(&self.pair);
        no_store(Json(Success::new(self.message, data)).into_response())
    }
}

/// `response` with the headers of a token endpoint answer.
fn no_store(mut response: Response) -> Response {
    for (name, value) in TOKEN_RESPONSE_HEADERS {
        response.headers_mut().insert(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
    response
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
    let pair = guard
        .flows()?
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
    let pair = guard.flows()?.refresh(&body.refresh_token, &client).await?;
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
    guard.flows()?.logout(&body.refresh_token, &client).await?;
    Ok(no_store(
        Json(Success::without_data("logged out")).into_response(),
    ))
}

/// `GET /.well-known/jwks.json`: the public keys given to
/// [`OpsGuardBuilder::with_jwks`](crate::OpsGuardBuilder::with_jwks)
/// (RFC 7517), cacheable for five minutes.
///
/// # Errors
///
/// 404 when the guard publishes no JWKS.
pub async fn jwks(State(guard): State<OpsGuard>) -> Result<Response, ApiError> {
    let json = guard.jwks_document()?;
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

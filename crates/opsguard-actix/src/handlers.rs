//! Ready token endpoints: login, refresh, logout and the JWKS document.

use std::fmt;

use actix_web::body::BoxBody;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use actix_web::{HttpRequest, HttpResponse, Responder, web};
use opsguard_auth::{JWKS_CACHE_CONTROL, TOKEN_RESPONSE_HEADERS, TokenBody};
pub use opsguard_auth::{LoginRequest, RefreshRequest};
use opsguard_core::Success;
use opsguard_token::TokenPair;

use crate::guard::guard_of;
use crate::{ApiError, ClientIp, Json, RequestId};

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

impl Responder for TokenResponse {
    type Body = BoxBody;

    fn respond_to(self, req: &HttpRequest) -> HttpResponse<Self::Body> {
        let data = TokenBody::new(&self.pair);
        no_store(Json(Success::new(self.message, data)).respond_to(req))
    }
}

/// `response` with the headers of a token endpoint answer.
fn no_store(mut response: HttpResponse) -> HttpResponse {
    for (name, value) in TOKEN_RESPONSE_HEADERS {
        response.headers_mut().insert(
            actix_web::http::header::HeaderName::from_static(name),
            actix_web::http::header::HeaderValue::from_static(value),
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
    req: HttpRequest,
    client: ClientIp,
    request_id: Option<RequestId>,
    Json(body): Json<LoginRequest>,
) -> Result<TokenResponse, ApiError> {
    let client = client.to_client_info(request_id.as_ref());
    let pair = guard_of(&req)?
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
    req: HttpRequest,
    client: ClientIp,
    request_id: Option<RequestId>,
    Json(body): Json<RefreshRequest>,
) -> Result<TokenResponse, ApiError> {
    let client = client.to_client_info(request_id.as_ref());
    let pair = guard_of(&req)?
        .flows()?
        .refresh(&body.refresh_token, &client)
        .await?;
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
    req: HttpRequest,
    client: ClientIp,
    request_id: Option<RequestId>,
    Json(body): Json<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let client = client.to_client_info(request_id.as_ref());
    guard_of(&req)?
        .flows()?
        .logout(&body.refresh_token, &client)
        .await?;
    Ok(no_store(
        Json(Success::without_data("logged out")).respond_to(&req),
    ))
}

/// `GET /.well-known/jwks.json`: the public keys given to
/// [`OpsGuardBuilder::with_jwks`](crate::OpsGuardBuilder::with_jwks)
/// (RFC 7517), cacheable for five minutes.
///
/// # Errors
///
/// 404 when the guard publishes no JWKS.
pub async fn jwks(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let json = guard_of(&req)?.jwks_document()?;
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, opsguard_core::JSON_CONTENT_TYPE))
        .insert_header((CACHE_CONTROL, JWKS_CACHE_CONTROL))
        .body(json.to_owned()))
}

/// The token endpoints, mountable in one line with `App::configure`:
///
/// | route | handler |
/// |---|---|
/// | `POST /auth/login` | [`login`] |
/// | `POST /auth/refresh` | [`refresh`] |
/// | `POST /auth/logout` | [`logout`] |
/// | `GET` and `HEAD /.well-known/jwks.json` | [`jwks`] |
///
/// The JWKS document answers `HEAD` as well as `GET`, as opsguard-axum's
/// `get(jwks)` does (RFC 9110 §9.3.2); actix-web's `web::get()` alone
/// would answer `HEAD` with 404. actix-web sends no body for `HEAD`.
///
/// ```
/// use actix_web::App;
/// use opsguard_actix::auth_routes;
///
/// let app = App::new().configure(auth_routes);
/// # drop(app);
/// ```
pub fn auth_routes(config: &mut web::ServiceConfig) {
    // One resource per path, not `ServiceConfig::route`: that moves the
    // method guard onto the resource, so `GET /auth/login` would be an
    // unknown route without `Allow`, where opsguard-axum's router answers
    // a known route with another method (405, then 404 with `Allow` after
    // `ErrorEnvelope`).
    config
        .service(web::resource("/auth/login").route(web::post().to(login)))
        .service(web::resource("/auth/refresh").route(web::post().to(refresh)))
        .service(web::resource("/auth/logout").route(web::post().to(logout)))
        .service(
            web::resource("/.well-known/jwks.json")
                .route(web::get().to(jwks))
                .route(web::head().to(jwks)),
        );
}

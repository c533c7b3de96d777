//! Every endpoint, and the layers every answer passes through.

mod account;
mod audit_log;
mod caller;
mod credentials;
mod health;
mod jobs;
mod registration_limit;
mod reply;
mod targets;
mod users;

use axum::Router;
use axum::body::Body;
use axum::extract::FromRef;
use axum::http::Request;
use axum::routing::{delete, get, post};
use opsguard::axum::{
    BodyLimitLayer, ErrorEnvelopeLayer, OpsGuard, REQUEST_ID_HEADER, RequestIdLayer,
    SecurityHeadersLayer, jwks, login, refresh,
};
use tower::ServiceBuilder;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::domain::AppState;

/// How opsguard's extractors find the guard in the service's state.
impl FromRef<AppState> for OpsGuard {
    fn from_ref(state: &AppState) -> Self {
        state.guard().clone()
    }
}

/// The largest request body accepted (opsguard-validate's default): room
/// for any credential, target or user, and for jobs of many steps.
const BODY_LIMIT: usize = 64 * 1024;

/// The service's routes. Who may call each is decided in its handler, by
/// the extractor it takes ([`Caller`](crate::domain::Caller),
/// [`caller::AdminCaller`], or none) and by the authorization policy.
pub(crate) fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/health", get(health::health))
        .route("/auth/register", post(account::register))
        // Login, refresh and the JWKS: opsguard-axum's ready handlers.
        // Logout is the ready one too, after the access token sent with
        // it is denied.
        .route("/auth/login", post(login))
        .route("/auth/refresh", post(refresh))
        .route("/auth/logout", post(account::logout))
        .route("/.well-known/jwks.json", get(jwks))
        .route("/profile", get(account::profile))
        .route("/users", post(users::create).get(users::list))
        .route("/admin/users/{id}", delete(users::delete))
        .route("/admin/audit", get(audit_log::page))
        .route(
            "/credentials",
            post(credentials::create).get(credentials::list),
        )
        .route(
            "/credentials/{id}",
            get(credentials::show).delete(credentials::delete),
        )
        .route("/credentials/{id}/reveal", post(credentials::reveal))
        .route("/targets", post(targets::create).get(targets::list))
        .route("/targets/{id}", delete(targets::delete))
        .route("/jobs", post(jobs::create).get(jobs::list))
        .route("/jobs/{id}", delete(jobs::delete));
    api
        // One line per request at `info`: the span below, then status and
        // latency. Inside the layers below, so the request id is set.
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_request(())
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .layer(
            ServiceBuilder::new()
                // Outermost, so every answer carries them, errors included.
                .layer(SecurityHeadersLayer::json_api())
                .layer(RequestIdLayer::new())
                // axum's own refusals (unknown route, bad method) in the
                // opsguard error envelope.
                .layer(ErrorEnvelopeLayer::new())
                .layer(BodyLimitLayer::new(BODY_LIMIT)),
        )
        .with_state(state)
}

/// The span of one request: method, path and request id. The path only:
/// a query string could carry something a client should not have sent, and
/// logs are not the place for it.
fn request_span(request: &Request<Body>) -> tracing::Span {
    let request_id = request
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|id| id.to_str().ok())
        .unwrap_or_default();
    tracing::info_span!(
        target: "opsconductor",
        "request",
        method = %request.method(),
        path = request.uri().path(),
        request_id,
    )
}

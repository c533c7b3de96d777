//! The routes, and the middleware every answer passes through.

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::{Next, from_fn};
use actix_web::{App, web};
use opsconductor_service::domain::AppState;
use opsguard::actix::{
    AssignRequestId, BodyLimit, ErrorEnvelope, REQUEST_ID_HEADER, SecurityHeaders, jwks, login,
    refresh,
};
use tracing::Instrument as _;

use crate::handlers;

/// The largest request body accepted, as in the axum service
/// (opsguard-validate's default, 64 KiB).
pub const BODY_LIMIT: usize = opsguard::validate::DEFAULT_BODY_LIMIT;

/// The routes: the same paths, methods and bodies as opsconductor-service
/// for the endpoints this service has (see the README). Who may call each
/// is decided by the extractor its handler takes ([`Caller`](crate::Caller)
/// or none) and by the authorization policy, in the shared domain.
///
/// One resource per path, so a known path with another method is actix's
/// 405 with `Allow`, which [`ErrorEnvelope`] answers as the axum service
/// does: 404 `NotFound`, keeping `Allow`. A `GET` route answers `HEAD` too,
/// as axum's `get` does.
pub fn routes(config: &mut web::ServiceConfig) {
    config
        .service(
            web::resource("/health")
                .route(web::get().to(handlers::health))
                .route(web::head().to(handlers::health)),
        )
        // Login, refresh and the JWKS: opsguard-actix's ready handlers.
        // Logout is the ready one too, after the access token sent with it
        // is denied.
        .service(web::resource("/auth/login").route(web::post().to(login)))
        .service(web::resource("/auth/refresh").route(web::post().to(refresh)))
        .service(web::resource("/auth/logout").route(web::post().to(handlers::logout)))
        .service(
            web::resource("/.well-known/jwks.json")
                .route(web::get().to(jwks))
                .route(web::head().to(jwks)),
        )
        .service(
            web::resource("/profile")
                .route(web::get().to(handlers::profile))
                .route(web::head().to(handlers::profile)),
        )
        .service(
            web::resource("/targets")
                .route(web::post().to(handlers::create_target))
                .route(web::get().to(handlers::list_targets))
                .route(web::head().to(handlers::list_targets)),
        )
        .service(web::resource("/targets/{id}").route(web::delete().to(handlers::delete_target)))
        .service(
            web::resource("/jobs")
                .route(web::post().to(handlers::create_job))
                .route(web::get().to(handlers::list_jobs))
                .route(web::head().to(handlers::list_jobs)),
        )
        .service(web::resource("/jobs/{id}").route(web::delete().to(handlers::delete_job)));
}

/// The app: `state` (as `web::Data`, for the handlers) and its guard (as
/// app data, for opsguard-actix's extractors), the [`routes`], and the
/// axum service's layers in the same order, outermost last: a log line
/// per request, the [`BODY_LIMIT`], actix-web's own refusals in the error
/// envelope, a fresh `x-request-id`, and the security headers on every
/// answer, errors included.
pub fn app(
    state: web::Data<AppState>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<BoxBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let guard = state.guard().clone();
    App::new()
        .app_data(state)
        .app_data(guard)
        .configure(routes)
        .wrap(from_fn(log_request))
        .wrap(BodyLimit::new(BODY_LIMIT))
        .wrap(ErrorEnvelope::new())
        .wrap(AssignRequestId::new())
        .wrap(SecurityHeaders::json_api())
}

/// One line per request at `info`, in a span with method, path and request
/// id, as the axum service's trace layer writes. The path only: a query
/// string could carry something a client should not have sent, and logs are
/// not the place for it.
async fn log_request(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let request_id = req
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|id| id.to_str().ok())
        .unwrap_or_default();
    let span = tracing::info_span!(
        target: "opsconductor",
        "request",
        method = %req.method(),
        path = req.path(),
        request_id,
    );
    let started = Instant::now();
    let response = next.call(req).instrument(span.clone()).await;
    let status = match &response {
        Ok(response) => response.status(),
        Err(err) => err.as_response_error().status_code(),
    };
    tracing::info!(
        target: "opsconductor",
        parent: &span,
        status = status.as_u16(),
        latency_ms = started.elapsed().as_millis(),
        "finished processing request"
    );
    response
}

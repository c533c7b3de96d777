//! [`ErrorEnvelope`]: actix-web's own error answers in the JSON envelope.

use std::future::{Ready, ready};
use std::rc::Rc;

use actix_web::HttpResponse;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::header::HeaderName;
use futures_util::future::LocalBoxFuture;
use opsguard_core::{BODY_HEADERS, Error, ErrorKind};

use crate::middleware::decorate;
use crate::response::response_of;

/// Gives every error response that was not built from an opsguard error the
/// JSON error envelope of DESIGN.md.
///
/// actix-web answers some requests before or beside any handler, with an
/// empty or plain-text body: an unknown route (404), a known route with
/// another method (405), the refusal of one of actix-web's own extractors
/// used directly (`web::Json`, `web::Path`, `web::Query`: 400, 404, 413,
/// 415), an error returned by another middleware. This middleware replaces
/// the body and status of every 4xx or 5xx response that does not carry an
/// [`ErrorKind`] extension (which [`ApiError`](crate::ApiError) responses
/// carry) by those of [`Error::for_status`] — the table opsguard-axum's
/// `ErrorEnvelopeLayer` uses:
///
/// | status | kind |
/// |---|---|
/// | 401 | `Auth` (`WWW-Authenticate: Bearer`) |
/// | 403 | `Permission` |
/// | 404, 405, 410 | `NotFound` (a wrong method is answered as an unknown route) |
/// | 409 | `Conflict` |
/// | 413 | `PayloadTooLarge` |
/// | 429 | `RateLimited` (an existing `Retry-After` is kept) |
/// | 503 | `Unavailable` |
/// | other 5xx | `Internal` |
/// | other 4xx | `Validation`, one field error with code `invalid_request` |
///
/// Other headers of the original response are kept, except those that
/// described the dropped body (`content-type`, `content-length`,
/// `content-encoding`). Success and redirect responses pass unchanged.
///
/// Wrap it at the `App` so that it sees the default service's 404 too:
///
/// ```
/// use actix_web::{App, web};
/// use opsguard_actix::ErrorEnvelope;
///
/// let app = App::new()
///     .route("/jobs", web::get().to(|| async { "[]" }))
///     .wrap(ErrorEnvelope::new());
/// // GET /nope -> 404 {"error":{"type":"NotFound","message":"not found"}}
/// # drop(app);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct ErrorEnvelope {
    _private: (),
}

impl ErrorEnvelope {
    /// The middleware.
    #[must_use]
    pub const fn new() -> Self {
        Self { _private: () }
    }
}

impl<S, B> Transform<S, ServiceRequest> for ErrorEnvelope
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = actix_web::Error;
    type Transform = ErrorEnvelopeMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(ErrorEnvelopeMiddleware {
            service: Rc::new(service),
        }))
    }
}

/// The service of [`ErrorEnvelope`].
#[derive(Debug)]
pub struct ErrorEnvelopeMiddleware<S> {
    service: Rc<S>,
}

impl<S, B> Service<ServiceRequest> for ErrorEnvelopeMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let call = self.service.call(req);
        Box::pin(async move { decorate(call.await, Rc::new(envelope)) })
    }
}

/// `response` as is when it is not an error or already an opsguard error;
/// otherwise the envelope of the kind its status maps to.
pub(crate) fn envelope(original: HttpResponse<BoxBody>) -> HttpResponse<BoxBody> {
    let status = original.status();
    let replacement = match Error::replacing_status(status.as_u16()) {
        Some(err) if original.extensions().get::<ErrorKind>().is_none() => err,
        _ => return original,
    };
    tracing::debug!(
        target: "opsguard::rejection",
        status = status.as_u16(),
        "framework error response given the json envelope"
    );
    let mut fresh = response_of(&replacement);
    let own: Vec<HeaderName> = fresh.headers().keys().cloned().collect();
    for (name, value) in original.headers() {
        if !BODY_HEADERS.contains(&name.as_str()) && !own.contains(name) {
            fresh.headers_mut().append(name.clone(), value.clone());
        }
    }
    fresh
}

//! A request-body size limit answered with the JSON 413.

use std::task::{Context, Poll};

use axum::extract::DefaultBodyLimit;
use http::Request;
use http_body_util::Limited;
use tower::{Layer, Service};
use tower_http::limit::RequestBodyLimit;

use crate::ErrorEnvelopeLayer;
use crate::envelope::ErrorEnvelope;

/// The limit the JSON extractors apply, as a request extension.
#[derive(Debug, Clone, Copy)]
pub(crate) struct JsonBodyLimit(pub(crate) usize);

/// Refuses request bodies larger than a limit with the JSON
/// `413 PayloadTooLarge` answer.
///
/// One setting for every way a body is read:
///
/// * a `Content-Length` over the limit is refused before the handler runs
///   (`tower-http`'s [`RequestBodyLimit`]);
/// * a body without a length (chunked) is cut off when it passes the limit;
/// * [`Json`](crate::Json) and [`ValidJson`](crate::ValidJson) stop reading
///   at the limit, and axum's own body extractors use it too
///   ([`DefaultBodyLimit`]).
///
/// Without this layer the JSON extractors apply
/// [`opsguard_validate::DEFAULT_BODY_LIMIT`] (64 KiB) and axum's other
/// extractors its 2 MB default. A layer closer to a route wins, so a route
/// that takes larger bodies can have its own.
///
/// ```
/// use axum::{Router, routing::post};
/// use opsguard_axum::BodyLimitLayer;
///
/// let app: Router = Router::new()
///     .route("/jobs", post(|| async { "created" }))
///     .layer(BodyLimitLayer::new(16 * 1024));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct BodyLimitLayer {
    limit: usize,
}

impl BodyLimitLayer {
    /// Refuse bodies longer than `limit` bytes.
    #[must_use]
    pub const fn new(limit: usize) -> Self {
        Self { limit }
    }

    /// The limit, in bytes.
    #[must_use]
    pub const fn limit(&self) -> usize {
        self.limit
    }
}

impl<S> Layer<S> for BodyLimitLayer {
    type Service = BodyLimit<S>;

    fn layer(&self, inner: S) -> Self::Service {
        BodyLimit {
            inner: ErrorEnvelopeLayer::new().layer(RequestBodyLimit::new(inner, self.limit)),
            limit: self.limit,
        }
    }
}

/// The service of [`BodyLimitLayer`].
#[derive(Debug, Clone)]
pub struct BodyLimit<S> {
    inner: ErrorEnvelope<RequestBodyLimit<S>>,
    limit: usize,
}

impl<S, B> Service<Request<B>> for BodyLimit<S>
where
    ErrorEnvelope<RequestBodyLimit<S>>: Service<Request<B>>,
    S: Service<Request<Limited<B>>>,
{
    type Response = <ErrorEnvelope<RequestBodyLimit<S>> as Service<Request<B>>>::Response;
    type Error = <ErrorEnvelope<RequestBodyLimit<S>> as Service<Request<B>>>::Error;
    type Future = <ErrorEnvelope<RequestBodyLimit<S>> as Service<Request<B>>>::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<B>) -> Self::Future {
        req.extensions_mut().insert(JsonBodyLimit(self.limit));
        DefaultBodyLimit::max(self.limit).apply(&mut req);
        self.inner.call(req)
    }
}

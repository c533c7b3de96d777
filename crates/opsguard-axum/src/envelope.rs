//! A layer that gives axum's own error responses the JSON envelope.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use axum::body::{Body, HttpBody};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::Request;
use opsguard_core::{BODY_HEADERS, Error, ErrorKind};
use pin_project_lite::pin_project;
use tower::{Layer, Service};

use crate::ApiError;

/// Gives every error response that was not built from an opsguard error the
/// JSON error envelope of DESIGN.md.
///
/// axum answers some requests before any handler runs, with an empty or
/// plain-text body: an unknown route (404), a known route with another
/// method (405), a body over a `tower-http` limit (413), the rejection of
/// one of axum's own extractors used directly (400, 415, 422). This layer
/// replaces the body and status of every 4xx or 5xx response that does not
/// carry an [`ErrorKind`] extension (which [`ApiError`] responses carry) by
/// those of [`Error::to_wire`] for the matching kind:
///
/// | status | kind | note |
/// |---|---|---|
/// | 401 | `Auth` | `WWW-Authenticate: Bearer` |
/// | 403 | `Permission` | |
/// | 404, 405, 410 | `NotFound` | a wrong method is answered as an unknown route (there is no 405 kind); axum's `Allow` header stays |
/// | 409 | `Conflict` | |
/// | 413 | `PayloadTooLarge` | |
/// | 429 | `RateLimited` | an existing `Retry-After` is kept |
/// | 503 | `Unavailable` | |
/// | other 5xx | `Internal` | |
/// | other 4xx | `Validation` | one field error with code `invalid_request` |
///
/// Other headers of the original response are kept, except those that
/// described the dropped body (`content-type`, `content-length`,
/// `content-encoding`). Success and redirect responses pass unchanged.
///
/// Put it outside the router's routes (`Router::layer`) so that it sees the
/// fallback and method-not-allowed answers too.
///
/// ```
/// use axum::{Router, routing::get};
/// use opsguard_axum::ErrorEnvelopeLayer;
///
/// let app: Router = Router::new()
///     .route("/jobs", get(|| async { "[]" }))
///     .layer(ErrorEnvelopeLayer::new());
/// // GET /nope -> 404 {"error":{"type":"NotFound","message":"not found"}}
/// // POST /jobs -> 404, the same body
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct ErrorEnvelopeLayer {
    _private: (),
}

impl ErrorEnvelopeLayer {
    /// The layer.
    #[must_use]
    pub const fn new() -> Self {
        Self { _private: () }
    }
}

impl<S> Layer<S> for ErrorEnvelopeLayer {
    type Service = ErrorEnvelope<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ErrorEnvelope { inner }
    }
}

/// The service of [`ErrorEnvelopeLayer`].
#[derive(Debug, Clone)]
pub struct ErrorEnvelope<S> {
    inner: S,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for ErrorEnvelope<S>
where
    S: Service<Request<ReqBody>, Response = http::Response<ResBody>>,
    ResBody: HttpBody<Data = Bytes> + Send + 'static,
    ResBody::Error: Into<axum::BoxError>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future, ResBody>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<ReqBody>) -> Self::Future {
        ResponseFuture {
            inner: self.inner.call(req),
            _body: PhantomData,
        }
    }
}

pin_project! {
    /// The response future of [`ErrorEnvelope`].
    pub struct ResponseFuture<F, B> {
        #[pin]
        inner: F,
        _body: PhantomData<fn() -> B>,
    }
}

impl<F, B> std::fmt::Debug for ResponseFuture<F, B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}

impl<F, B, E> Future for ResponseFuture<F, B>
where
    F: Future<Output = Result<http::Response<B>, E>>,
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let response = ready!(self.project().inner.poll(cx))?;
        Poll::Ready(Ok(envelope(response)))
    }
}

/// `response` as is when it is not an error or already an opsguard error;
/// otherwise the envelope of the kind its status maps to.
pub(crate) fn envelope<B>(response: http::Response<B>) -> Response
where
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    let status = response.status();
    let replacement = match Error::replacing_status(status.as_u16()) {
        Some(err) if response.extensions().get::<ErrorKind>().is_none() => err,
        _ => return response.map(Body::new),
    };
    tracing::debug!(
        target: "opsguard::rejection",
        status = status.as_u16(),
        "framework error response given the json envelope"
    );
    let (mut parts, _dropped) = response.into_parts();
    for name in BODY_HEADERS {
        parts.headers.remove(name);
    }
    let (fresh, body) = ApiError::from(replacement).into_response().into_parts();
    parts.status = fresh.status;
    for (name, value) in &fresh.headers {
        parts.headers.insert(name, value.clone());
    }
    parts.extensions.extend(fresh.extensions);
    Response::from_parts(parts, body)
}

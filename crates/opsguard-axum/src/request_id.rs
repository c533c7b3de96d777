//! A fresh id for every request, echoed in the response and handed to the
//! audit log.

use std::fmt;

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use http::request::Parts;
use http::{HeaderName, HeaderValue, Request};
use tower::Layer;
use tower_http::request_id::{
    MakeRequestUuid, PropagateRequestId, PropagateRequestIdLayer, SetRequestId, SetRequestIdLayer,
};
use tower_http::set_header::MakeHeaderValue;
use tower_http::set_header::request::{SetRequestHeader, SetRequestHeaderLayer};

use crate::ApiError;

/// `x-request-id`, the header the id travels in.
pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// Gives every request a fresh random id (a UUID v4) in `x-request-id`,
/// makes it available to handlers as [`RequestId`], and echoes it in the
/// response's `x-request-id`.
///
/// An `x-request-id` sent by the client is replaced, not trusted: the id is
/// written into audit events, and a client that chooses it could make its
/// requests look like someone else's in the log, or fill the log with text
/// of its choosing.
///
/// Built from `tower-http`'s request-id middleware
/// ([`SetRequestId`], [`PropagateRequestId`]) behind a header setter that
/// overwrites the incoming value.
///
/// ```
/// use axum::{Router, routing::get};
/// use opsguard_axum::{RequestId, RequestIdLayer};
///
/// let app: Router = Router::new()
///     .route("/whoami", get(|id: RequestId| async move { id.as_str().to_owned() }))
///     .layer(RequestIdLayer::new());
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestIdLayer {
    _private: (),
}

impl RequestIdLayer {
    /// The layer.
    #[must_use]
    pub const fn new() -> Self {
        Self { _private: () }
    }
}

/// The service [`RequestIdLayer`] wraps a service in.
type Stack<S> = SetRequestHeader<SetRequestId<PropagateRequestId<S>, MakeRequestUuid>, FreshId>;

impl<S> Layer<S> for RequestIdLayer {
    type Service = Stack<S>;

    fn layer(&self, inner: S) -> Self::Service {
        let inner = PropagateRequestIdLayer::new(REQUEST_ID_HEADER).layer(inner);
        let inner = SetRequestIdLayer::new(REQUEST_ID_HEADER, MakeRequestUuid).layer(inner);
        SetRequestHeaderLayer::overriding(REQUEST_ID_HEADER, FreshId { _private: () }).layer(inner)
    }
}

/// Makes the fresh id that replaces any incoming `x-request-id`.
#[derive(Debug, Clone, Copy)]
pub struct FreshId {
    _private: (),
}

impl<B> MakeHeaderValue<Request<B>> for FreshId {
    fn make_header_value(&mut self, _request: &Request<B>) -> Option<HeaderValue> {
        let mut buf = uuid::Uuid::encode_buffer();
        let text = uuid::Uuid::new_v4().hyphenated().encode_lower(&mut buf);
        HeaderValue::from_str(text).ok()
    }
}

/// The id [`RequestIdLayer`] gave the request, for audit events and logs.
///
/// As an extractor it fails with a 500 when the layer is missing (a
/// configuration mistake, logged); `Option<RequestId>` is `None` then
/// instead.
#[derive(Clone, PartialEq, Eq)]
pub struct RequestId(String);

impl RequestId {
    /// The id.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The id of the request whose parts are `parts`, if it has one.
    #[must_use]
    pub fn from_parts(parts: &Parts) -> Option<Self> {
        parts
            .extensions
            .get::<tower_http::request_id::RequestId>()
            .and_then(|id| id.header_value().to_str().ok())
            .map(|id| Self(id.to_owned()))
    }
}

impl fmt::Debug for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("RequestId").field(&self.0).finish()
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RequestId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Self::from_parts(parts)
            .ok_or_else(|| opsguard_core::Error::internal("RequestIdLayer is not installed").into())
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for RequestId {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        Ok(Self::from_parts(parts))
    }
}

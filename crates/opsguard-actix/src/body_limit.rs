//! [`BodyLimit`]: the largest request body the app reads.

use std::future::{Ready, ready};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{
    Extensions, Payload, Service, ServiceRequest, ServiceResponse, Transform, forward_ready,
};
use actix_web::error::PayloadError;
use actix_web::http::header::CONTENT_LENGTH;
use actix_web::web::Bytes;
use actix_web::{HttpMessage, HttpRequest, web};
use futures_util::Stream;
use futures_util::future::LocalBoxFuture;
use opsguard_core::Error;

use crate::response::response_of;

/// The limit [`Json`](crate::Json) and [`ValidJson`](crate::ValidJson) read
/// bodies up to.
#[derive(Debug, Clone, Copy)]
pub(crate) struct JsonBodyLimit(pub(crate) usize);

/// The limit of `req`'s body: [`BodyLimit`]'s, or opsguard-validate's
/// default (64 KiB) without it.
pub(crate) fn limit_of(req: &HttpRequest) -> usize {
    req.extensions()
        .get::<JsonBodyLimit>()
        .map_or(opsguard_validate::DEFAULT_BODY_LIMIT, |limit| limit.0)
}

/// Refuses request bodies longer than `limit` bytes with a 413 in the
/// error envelope, as opsguard-axum's `BodyLimitLayer` does:
///
/// * a declared `Content-Length` over the limit is refused before the
///   handler runs and before any of the body is read;
/// * the body stream itself is cut off as soon as it passes the limit (a
///   chunked body, which declares no length): whoever reads it —
///   [`Json`](crate::Json), [`ValidJson`](crate::ValidJson), a handler
///   streaming `web::Payload`, `actix-multipart` — gets
///   `PayloadError::Overflow` (a 413) instead of the next chunk, as every
///   reader of the body does under opsguard-axum's `BodyLimitLayer`;
/// * actix-web's own `web::Json`, `web::Bytes`, `String` and `web::Form`
///   get the same limit (their `JsonConfig`, `PayloadConfig` and
///   `FormConfig`) and answer 413 before reading past it.
///
/// Nested limits (an `App`'s and a scope's) all apply: the smallest wins.
///
/// Without it, opsguard's extractors use 64 KiB
/// ([`opsguard_validate::DEFAULT_BODY_LIMIT`]).
///
/// ```
/// use actix_web::App;
/// use opsguard_actix::BodyLimit;
///
/// let app = App::new().wrap(BodyLimit::new(16 * 1024));
/// # drop(app);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit {
    limit: usize,
}

impl BodyLimit {
    /// Refuse bodies over `limit` bytes.
    #[must_use]
    pub const fn new(limit: usize) -> Self {
        Self { limit }
    }

    /// The limit in bytes.
    #[must_use]
    pub const fn limit(&self) -> usize {
        self.limit
    }
}

impl<S, B> Transform<S, ServiceRequest> for BodyLimit
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = actix_web::Error;
    type Transform = BodyLimitMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        let mut configs = Extensions::new();
        configs.insert(web::JsonConfig::default().limit(self.limit));
        configs.insert(web::PayloadConfig::new(self.limit));
        configs.insert(web::FormConfig::default().limit(self.limit));
        ready(Ok(BodyLimitMiddleware {
            service: Rc::new(service),
            limit: self.limit,
            configs: Rc::new(configs),
        }))
    }
}

/// The service of [`BodyLimit`].
#[derive(Debug)]
pub struct BodyLimitMiddleware<S> {
    service: Rc<S>,
    limit: usize,
    configs: Rc<Extensions>,
}

impl<S, B> Service<ServiceRequest> for BodyLimitMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, mut req: ServiceRequest) -> Self::Future {
        if declared_length(&req).is_some_and(|length| length > self.limit) {
            tracing::debug!(
                target: "opsguard::rejection",
                reason = "body_too_large",
                limit = self.limit,
                "request body refused"
            );
            let response = req.into_response(response_of(&Error::payload_too_large()));
            return Box::pin(ready(Ok(response)));
        }
        req.extensions_mut().insert(JsonBodyLimit(self.limit));
        req.add_data_container(Rc::clone(&self.configs));
        let payload = req.take_payload();
        let limited: Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>> = Box::pin(Limited {
            inner: payload,
            remaining: self.limit,
            overflowed: false,
        });
        req.set_payload(Payload::from(limited));
        let call = self.service.call(req);
        Box::pin(async move { call.await.map(ServiceResponse::map_into_boxed_body) })
    }
}

/// The `Content-Length` of `req`, when it declares one. (actix-web's HTTP/1
/// decoder has already refused a malformed or repeated one.)
fn declared_length(req: &ServiceRequest) -> Option<usize> {
    req.headers()
        .get(CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(|length| usize::try_from(length).unwrap_or(usize::MAX))
}

/// A request body stream that fails with [`PayloadError::Overflow`] instead
/// of yielding the chunk that takes it past its limit, and ends after that.
struct Limited {
    inner: Payload,
    remaining: usize,
    overflowed: bool,
}

impl Stream for Limited {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.overflowed {
            return Poll::Ready(None);
        }
        let next = Pin::new(&mut self.inner).poll_next(cx);
        if let Poll::Ready(Some(Ok(chunk))) = &next {
            match self.remaining.checked_sub(chunk.len()) {
                Some(remaining) => self.remaining = remaining,
                None => {
                    self.overflowed = true;
                    tracing::debug!(
                        target: "opsguard::rejection",
                        reason = "body_too_large",
                        "request body cut off at the limit"
                    );
                    return Poll::Ready(Some(Err(PayloadError::Overflow)));
                }
            }
        }
        next
    }
}

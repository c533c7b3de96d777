//! Request ids: [`AssignRequestId`] gives every request a fresh
//! `x-request-id`; the [`RequestId`] extractor reads it.

use std::fmt;
use std::future::{Ready, ready};
use std::rc::Rc;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use futures_util::future::LocalBoxFuture;

use crate::ApiError;
use crate::middleware::{Decoration, decorate};

/// `x-request-id`.
pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// Gives every request a fresh random id (a UUID v4) in `x-request-id`,
/// replacing any the client sent, and sends it back on the response —
/// error answers included. The login flow writes it into audit events, so
/// one id joins the access log, the audit log and the client's report.
///
/// A client-sent id is never trusted: it would let a caller pick the id
/// its requests are logged under. Behind a proxy that assigns ids, log the
/// proxy's header separately.
///
/// ```
/// use actix_web::App;
/// use opsguard_actix::AssignRequestId;
///
/// let app = App::new().wrap(AssignRequestId::new());
/// # drop(app);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct AssignRequestId {
    _private: (),
}

impl AssignRequestId {
    /// The middleware.
    #[must_use]
    pub const fn new() -> Self {
        Self { _private: () }
    }
}

impl<S, B> Transform<S, ServiceRequest> for AssignRequestId
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = actix_web::Error;
    type Transform = AssignRequestIdMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(AssignRequestIdMiddleware {
            service: Rc::new(service),
        }))
    }
}

/// The service of [`AssignRequestId`].
#[derive(Debug)]
pub struct AssignRequestIdMiddleware<S> {
    service: Rc<S>,
}

impl<S, B> Service<ServiceRequest> for AssignRequestIdMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, mut req: ServiceRequest) -> Self::Future {
        let mut buf = uuid::Uuid::encode_buffer();
        let id = uuid::Uuid::new_v4().hyphenated().encode_lower(&mut buf);
        let value = HeaderValue::from_str(id).ok();
        if let Some(value) = &value {
            req.headers_mut().insert(REQUEST_ID_HEADER, value.clone());
        }
        req.extensions_mut().insert(RequestId(id.to_owned()));
        let decoration: Decoration = Rc::new(move |mut response| {
            if let Some(value) = &value {
                response
                    .headers_mut()
                    .insert(REQUEST_ID_HEADER, value.clone());
            }
            response
        });
        let call = self.service.call(req);
        Box::pin(async move { decorate(call.await, decoration) })
    }
}

/// The id [`AssignRequestId`] gave the request.
///
/// As an extractor it fails with a 500 when the middleware is not
/// installed; `Option<RequestId>` is `None` then.
#[derive(Clone, PartialEq, Eq)]
pub struct RequestId(String);

impl RequestId {
    /// The id, as sent in `x-request-id`.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The id of `req`, if [`AssignRequestId`] gave it one.
    #[must_use]
    pub fn of(req: &HttpRequest) -> Option<Self> {
        req.extensions().get::<Self>().cloned()
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

impl FromRequest for RequestId {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        ready(Self::of(req).ok_or_else(|| {
            opsguard_core::Error::internal("AssignRequestId is not installed").into()
        }))
    }
}

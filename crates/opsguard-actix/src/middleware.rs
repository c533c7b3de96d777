//! What every middleware of this crate does with its inner service's
//! answer, so that what it adds reaches error answers too.
//!
//! A middleware must not keep a clone of the request while the inner
//! service runs: actix-web's router needs the only reference to it to record
//! the matched route, and panics otherwise. So an inner `Err` cannot be
//! turned into a response here (that needs the request); it is wrapped
//! instead, and the decoration is applied when actix-web makes the error's
//! response.

use std::fmt;
use std::rc::Rc;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

/// What a middleware does to every response that passes through it.
pub(crate) type Decoration = Rc<dyn Fn(HttpResponse<BoxBody>) -> HttpResponse<BoxBody>>;

/// The inner service's answer with `decoration` applied: now to a
/// response, later (when actix-web renders it) to an error.
pub(crate) fn decorate<B: MessageBody + 'static>(
    result: Result<ServiceResponse<B>, actix_web::Error>,
    decoration: Decoration,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    match result {
        Ok(response) => {
            let (request, response) = response.map_into_boxed_body().into_parts();
            Ok(ServiceResponse::new(request, decoration(response)))
        }
        Err(inner) => Err(Decorated { inner, decoration }.into()),
    }
}

/// An inner service's error whose response gets the middleware's
/// decoration.
struct Decorated {
    inner: actix_web::Error,
    decoration: Decoration,
}

impl fmt::Debug for Decorated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Decorated")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for Decorated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.inner, f)
    }
}

impl ResponseError for Decorated {
    /// The inner error's status (the decorated response may differ: the
    /// envelope answers a 405 as 404).
    fn status_code(&self) -> StatusCode {
        self.inner.as_response_error().status_code()
    }

    fn error_response(&self) -> HttpResponse<BoxBody> {
        (self.decoration)(self.inner.error_response())
    }
}

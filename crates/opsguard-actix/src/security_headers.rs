//! [`SecurityHeaders`]: the response headers every JSON API answer carries.

use std::future::{Ready, ready};
use std::rc::Rc;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::header::{HeaderName, HeaderValue};
use futures_util::future::LocalBoxFuture;
use opsguard_core::security_headers::JSON_API_HEADERS;

use crate::ConfigError;
use crate::middleware::{Decoration, decorate};

/// Adds security headers to every response that does not already set them,
/// error answers included (an inner middleware's error is turned into its
/// response first).
///
/// [`SecurityHeaders::json_api`] is the same preset as opsguard-axum's
/// `SecurityHeadersLayer::json_api` (opsguard-core's
/// [`JSON_API_HEADERS`]): HSTS for a year with subdomains, `nosniff`,
/// `X-Frame-Options: DENY`, `Content-Security-Policy: default-src 'none';
/// frame-ancestors 'none'`, `Referrer-Policy: no-referrer`,
/// `Cache-Control: no-store`. A handler that sets one of them (the JWKS
/// handler's `Cache-Control`) keeps its own.
///
/// Wrap it last (outermost) so that it sees every answer:
///
/// ```
/// use actix_web::App;
/// use opsguard_actix::{AssignRequestId, ErrorEnvelope, SecurityHeaders};
///
/// let app = App::new()
///     .wrap(ErrorEnvelope::new())
///     .wrap(AssignRequestId::new())
///     .wrap(SecurityHeaders::json_api());
/// # drop(app);
/// ```
#[derive(Debug, Clone)]
pub struct SecurityHeaders {
    headers: Rc<[(HeaderName, HeaderValue)]>,
}

impl SecurityHeaders {
    /// The preset for a JSON API.
    #[must_use]
    pub fn json_api() -> Self {
        let headers: Vec<_> = JSON_API_HEADERS
            .iter()
            .map(|(name, value)| {
                (
                    HeaderName::from_static(name),
                    HeaderValue::from_static(value),
                )
            })
            .collect();
        Self {
            headers: headers.into(),
        }
    }

    /// The preset with `name` set to `value` instead (or added).
    ///
    /// ```
    /// use opsguard_actix::SecurityHeaders;
    ///
    /// let headers = SecurityHeaders::json_api()
    ///     .with("strict-transport-security", "max-age=63072000")?;
    /// # Ok::<(), opsguard_actix::ConfigError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ConfigError::InvalidHeaderValue`] when `name` is not a header name
    /// or `value` not a header value (a line break, a control character).
    pub fn with(self, name: &str, value: &str) -> Result<Self, ConfigError> {
        let name = HeaderName::try_from(name).map_err(|_| ConfigError::InvalidHeaderName)?;
        let value = HeaderValue::try_from(value).map_err(|_| ConfigError::InvalidHeaderValue {
            header: known_name(&name),
        })?;
        let mut headers: Vec<_> = self
            .headers
            .iter()
            .filter(|(known, _)| *known != name)
            .cloned()
            .collect();
        headers.push((name, value));
        Ok(Self {
            headers: headers.into(),
        })
    }

    /// The preset without header `name` (`"strict-transport-security"` for
    /// a service that is also reached over plain HTTP on purpose).
    #[must_use]
    pub fn without(self, name: &str) -> Self {
        let headers: Vec<_> = self
            .headers
            .iter()
            .filter(|(known, _)| !known.as_str().eq_ignore_ascii_case(name))
            .cloned()
            .collect();
        Self {
            headers: headers.into(),
        }
    }

    /// The headers this middleware sets, in order.
    #[must_use]
    pub fn headers(&self) -> impl ExactSizeIterator<Item = (&HeaderName, &HeaderValue)> {
        self.headers.iter().map(|(name, value)| (name, value))
    }
}

/// The preset's name for `name`, for error messages.
fn known_name(name: &HeaderName) -> &'static str {
    JSON_API_HEADERS
        .iter()
        .map(|(known, _)| *known)
        .find(|known| name == known)
        .unwrap_or("security header")
}

impl Default for SecurityHeaders {
    fn default() -> Self {
        Self::json_api()
    }
}

impl<S, B> Transform<S, ServiceRequest> for SecurityHeaders
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = actix_web::Error;
    type Transform = SecurityHeadersMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(SecurityHeadersMiddleware {
            service: Rc::new(service),
            headers: Rc::clone(&self.headers),
        }))
    }
}

/// The service of [`SecurityHeaders`].
#[derive(Debug)]
pub struct SecurityHeadersMiddleware<S> {
    service: Rc<S>,
    headers: Rc<[(HeaderName, HeaderValue)]>,
}

impl<S, B> Service<ServiceRequest> for SecurityHeadersMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let headers = Rc::clone(&self.headers);
        let decoration: Decoration = Rc::new(move |mut response| {
            let map = response.headers_mut();
            for (name, value) in headers.iter() {
                if !map.contains_key(name) {
                    map.insert(name.clone(), value.clone());
                }
            }
            response
        });
        let call = self.service.call(req);
        Box::pin(async move { decorate(call.await, decoration) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preset_has_the_six_headers_of_core() {
        let preset = SecurityHeaders::json_api();
        let names: Vec<_> = preset.headers().map(|(name, _)| name.as_str()).collect();
        let core: Vec<_> = JSON_API_HEADERS.iter().map(|(name, _)| *name).collect();
        assert_eq!(names, core);
    }

    #[test]
    fn with_replaces_and_without_removes() -> Result<(), ConfigError> {
        let headers = SecurityHeaders::json_api()
            .with("Referrer-Policy", "same-origin")?
            .without("strict-transport-security");
        let pairs: Vec<_> = headers
            .headers()
            .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
            .collect();
        assert_eq!(pairs.len(), 5);
        assert!(pairs.contains(&("referrer-policy".into(), "same-origin".into())));
        assert!(!pairs.iter().any(|(n, _)| n == "strict-transport-security"));
        Ok(())
    }

    #[test]
    fn invalid_values_are_refused_with_their_header() {
        let err = SecurityHeaders::json_api()
            .with("referrer-policy", "no-referrer\r\nSet-Cookie: a=b")
            .err();
        assert_eq!(
            err,
            Some(ConfigError::InvalidHeaderValue {
                header: "referrer-policy"
            })
        );
        let err = SecurityHeaders::json_api().with("bad name", "x").err();
        assert_eq!(err, Some(ConfigError::InvalidHeaderName));
    }
}

//! The security response headers of a JSON API.

use axum::response::Response;
use http::{HeaderName, HeaderValue, header};
use tower::Layer;
use tower_http::set_header::response::{
    SetMultipleResponseHeader, SetMultipleResponseHeadersLayer,
};

use opsguard_core::security_headers::JSON_API_HEADERS;

use crate::ConfigError;

pub use opsguard_core::security_headers::{DEFAULT_CSP, DEFAULT_HSTS};

/// Adds the security headers a JSON API sends, on every response: success,
/// error, and the answers of axum and of other layers.
///
/// The preset ([`SecurityHeadersLayer::json_api`]) follows the OWASP REST
/// Security Cheat Sheet:
///
/// | header | value |
/// |---|---|
/// | `Strict-Transport-Security` | [`DEFAULT_HSTS`] |
/// | `X-Content-Type-Options` | `nosniff` |
/// | `X-Frame-Options` | `DENY` |
/// | `Content-Security-Policy` | [`DEFAULT_CSP`] |
/// | `Referrer-Policy` | `no-referrer` |
/// | `Cache-Control` | `no-store` |
///
/// Each one can be overridden in two ways: for the whole service with the
/// builder's `with_*`/`without_*` methods, and for one response by setting
/// the header in the handler, because the layer adds a header only when the
/// response does not have it yet (`tower-http`'s
/// [`SetMultipleResponseHeadersLayer::if_not_present`]). A response may so
/// opt into caching with its own `Cache-Control`; the token handlers of
/// this crate always send `no-store` (RFC 6749 §5.1).
///
/// Put it outermost, so that it also covers what other layers answer.
///
/// ```
/// use axum::{Router, routing::get};
/// use opsguard_axum::SecurityHeadersLayer;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let app: Router = Router::new()
///     .route("/jobs", get(|| async { "[]" }))
///     .layer(SecurityHeadersLayer::json_api());
///
/// // Behind a proxy that sets HSTS itself, with a stricter CSP:
/// let custom = SecurityHeadersLayer::builder()
///     .without_hsts()
///     .with_content_security_policy("default-src 'none'; frame-ancestors 'none'; sandbox")
///     .build()?;
/// # let _ = custom;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct SecurityHeadersLayer {
    inner: SetMultipleResponseHeadersLayer<Response>,
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl SecurityHeadersLayer {
    /// The preset for JSON APIs (table above).
    #[must_use]
    pub fn json_api() -> Self {
        Self::from_values(preset())
    }

    /// A builder starting from the preset.
    pub fn builder() -> SecurityHeadersBuilder {
        SecurityHeadersBuilder {
            hsts: Some(DEFAULT_HSTS.into()),
            content_type_options: Some("nosniff".into()),
            frame_options: Some("DENY".into()),
            content_security_policy: Some(DEFAULT_CSP.into()),
            referrer_policy: Some("no-referrer".into()),
            cache_control: Some("no-store".into()),
        }
    }

    /// The headers this layer adds, in order.
    #[must_use]
    pub fn headers(&self) -> impl ExactSizeIterator<Item = (&HeaderName, &HeaderValue)> {
        self.headers.iter().map(|(name, value)| (name, value))
    }

    fn from_values(headers: Vec<(HeaderName, HeaderValue)>) -> Self {
        let inner = SetMultipleResponseHeadersLayer::if_not_present(
            headers.iter().cloned().map(Into::into).collect(),
        );
        Self { inner, headers }
    }
}

impl Default for SecurityHeadersLayer {
    /// [`SecurityHeadersLayer::json_api`].
    fn default() -> Self {
        Self::json_api()
    }
}

impl<S> Layer<S> for SecurityHeadersLayer {
    type Service = SetMultipleResponseHeader<S, Response>;

    fn layer(&self, inner: S) -> Self::Service {
        self.inner.layer(inner)
    }
}

/// The preset's headers, as constants.
fn preset() -> Vec<(HeaderName, HeaderValue)> {
    JSON_API_HEADERS
        .iter()
        .map(|(name, value)| {
            (
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            )
        })
        .collect()
}

/// Builds a [`SecurityHeadersLayer`] from the preset, header by header.
#[derive(Debug, Clone)]
#[must_use]
pub struct SecurityHeadersBuilder {
    hsts: Option<String>,
    content_type_options: Option<String>,
    frame_options: Option<String>,
    content_security_policy: Option<String>,
    referrer_policy: Option<String>,
    cache_control: Option<String>,
}

impl SecurityHeadersBuilder {
    /// `Strict-Transport-Security: value`.
    pub fn with_hsts(mut self, value: impl Into<String>) -> Self {
        self.hsts = Some(value.into());
        self
    }

    /// No `Strict-Transport-Security` (for example when a TLS-terminating
    /// proxy sets it).
    pub fn without_hsts(mut self) -> Self {
        self.hsts = None;
        self
    }

    /// `X-Content-Type-Options: value`.
    pub fn with_content_type_options(mut self, value: impl Into<String>) -> Self {
        self.content_type_options = Some(value.into());
        self
    }

    /// No `X-Content-Type-Options`.
    pub fn without_content_type_options(mut self) -> Self {
        self.content_type_options = None;
        self
    }

    /// `X-Frame-Options: value`.
    pub fn with_frame_options(mut self, value: impl Into<String>) -> Self {
        self.frame_options = Some(value.into());
        self
    }

    /// No `X-Frame-Options`.
    pub fn without_frame_options(mut self) -> Self {
        self.frame_options = None;
        self
    }

    /// `Content-Security-Policy: value`.
    pub fn with_content_security_policy(mut self, value: impl Into<String>) -> Self {
        self.content_security_policy = Some(value.into());
        self
    }

    /// No `Content-Security-Policy`.
    pub fn without_content_security_policy(mut self) -> Self {
        self.content_security_policy = None;
        self
    }

    /// `Referrer-Policy: value`.
    pub fn with_referrer_policy(mut self, value: impl Into<String>) -> Self {
        self.referrer_policy = Some(value.into());
        self
    }

    /// No `Referrer-Policy`.
    pub fn without_referrer_policy(mut self) -> Self {
        self.referrer_policy = None;
        self
    }

    /// `Cache-Control: value` on responses that set none.
    pub fn with_cache_control(mut self, value: impl Into<String>) -> Self {
        self.cache_control = Some(value.into());
        self
    }

    /// No default `Cache-Control`. The token handlers still send
    /// `no-store`.
    pub fn without_cache_control(mut self) -> Self {
        self.cache_control = None;
        self
    }

    /// The layer.
    ///
    /// # Errors
    ///
    /// [`ConfigError::InvalidHeaderValue`] naming the first header whose
    /// value is not a valid HTTP header value.
    pub fn build(self) -> Result<SecurityHeadersLayer, ConfigError> {
        let entries = [
            (header::STRICT_TRANSPORT_SECURITY, self.hsts),
            (header::X_CONTENT_TYPE_OPTIONS, self.content_type_options),
            (header::X_FRAME_OPTIONS, self.frame_options),
            (
                header::CONTENT_SECURITY_POLICY,
                self.content_security_policy,
            ),
            (header::REFERRER_POLICY, self.referrer_policy),
            (header::CACHE_CONTROL, self.cache_control),
        ];
        let mut headers = Vec::with_capacity(entries.len());
        for (name, value) in entries {
            let Some(value) = value else { continue };
            let Ok(value) = HeaderValue::try_from(value) else {
                return Err(ConfigError::InvalidHeaderValue {
                    header: static_name(&name),
                });
            };
            headers.push((name, value));
        }
        Ok(SecurityHeadersLayer::from_values(headers))
    }
}

/// The lowercase name of one of the builder's headers, as a `'static`
/// string for [`ConfigError`].
fn static_name(name: &HeaderName) -> &'static str {
    const NAMES: [&str; 6] = [
        "strict-transport-security",
        "x-content-type-options",
        "x-frame-options",
        "content-security-policy",
        "referrer-policy",
        "cache-control",
    ];
    NAMES
        .into_iter()
        .find(|known| name == known)
        .unwrap_or("security header")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_default_equals_preset() -> Result<(), ConfigError> {
        let built = SecurityHeadersLayer::builder().build()?;
        let preset = SecurityHeadersLayer::json_api();
        assert!(built.headers().eq(preset.headers()));
        assert_eq!(built.headers().len(), 6);
        Ok(())
    }

    #[test]
    fn invalid_value_names_its_header() {
        let err = SecurityHeadersLayer::builder()
            .with_referrer_policy("no-referrer\r\nSet-Cookie: a=b")
            .build()
            .err();
        assert_eq!(
            err,
            Some(ConfigError::InvalidHeaderValue {
                header: "referrer-policy"
            })
        );
    }
}

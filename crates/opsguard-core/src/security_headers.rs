//! The security headers every JSON API answer carries, as data, so that
//! the web adapters send the same ones.

/// `Strict-Transport-Security` of the preset: one year, subdomains
/// included (OWASP HTTP Headers Cheat Sheet). Not `preload`: that is a
/// commitment for the whole domain, for its owner to make.
pub const DEFAULT_HSTS: &str = "max-age=31536000; includeSubDomains";

/// `Content-Security-Policy` of the preset: a JSON API loads nothing and is
/// framed by no one.
pub const DEFAULT_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

/// The preset of both adapters (`SecurityHeadersLayer::json_api` in
/// opsguard-axum, `SecurityHeaders::json_api` in opsguard-actix): lowercase
/// names and values, in the order they are added. Each is added only when
/// the response does not set it already.
pub const JSON_API_HEADERS: [(&str, &str); 6] = [
    ("strict-transport-security", DEFAULT_HSTS),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("content-security-policy", DEFAULT_CSP),
    ("referrer-policy", "no-referrer"),
    ("cache-control", "no-store"),
];

//! The request and answer bodies of the token endpoints (login, refresh,
//! logout), shared by the web adapters so their wire format is one.

use std::fmt;

use opsguard_token::TokenPair;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

/// `POST /auth/login` body: `{"username": ..., "password": ...}`.
///
/// Strict (`deny_unknown_fields`); the password is a [`SecretString`], so
/// the request's `Debug` never shows it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct LoginRequest {
    /// The username as typed; the flow normalizes it.
    pub username: String,
    /// The password.
    pub password: SecretString,
}

impl fmt::Debug for LoginRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginRequest")
            .field("username", &self.username)
            .field("password", &"[REDACTED]")
            .finish()
    }
}

/// `POST /auth/refresh` and `POST /auth/logout` body:
/// `{"refresh_token": ...}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct RefreshRequest {
    /// The refresh token of the session.
    pub refresh_token: SecretString,
}

impl fmt::Debug for RefreshRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefreshRequest")
            .field("refresh_token", &"[REDACTED]")
            .finish()
    }
}

/// The `data` of a login or refresh answer, borrowed from the pair:
/// `{"access_token","refresh_token","token_type":"Bearer","expires_in"}`
/// (RFC 6749 §5.1 names). Serialize it inside a
/// [`Success`](opsguard_core::Success) and send it with
/// `Cache-Control: no-store` and `Pragma: no-cache`
/// ([`TOKEN_RESPONSE_HEADERS`]).
#[derive(Serialize)]
pub struct TokenBody<'a> {
    access_token: &'a str,
    refresh_token: &'a str,
    token_type: &'static str,
    expires_in: u64,
}

impl<'a> TokenBody<'a> {
    /// The body carrying `pair`.
    #[must_use]
    pub fn new(pair: &'a TokenPair) -> Self {
        Self {
            access_token: pair.access().expose_secret(),
            refresh_token: pair.refresh().expose_secret(),
            token_type: "Bearer",
            expires_in: pair.expires_in(),
        }
    }
}

impl fmt::Debug for TokenBody<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenBody")
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .finish_non_exhaustive()
    }
}

/// The headers of every token endpoint answer that carries or ends a
/// session (RFC 6749 §5.1): never cached.
pub const TOKEN_RESPONSE_HEADERS: [(&str, &str); 2] =
    [("cache-control", "no-store"), ("pragma", "no-cache")];

/// `Cache-Control` of the JWKS document: new keys are published before they
/// sign, so five minutes of staleness is harmless.
pub const JWKS_CACHE_CONTROL: &str = "public, max-age=300";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_debug_is_redacted() -> Result<(), serde_json::Error> {
        let login: LoginRequest =
            serde_json::from_str(r#"{"username":"alice","password":"hunter2-secret"}"#)?;
        let shown = format!("{login:?}");
        assert!(!shown.contains("hunter2-secret"), "{shown}");
        assert!(shown.contains("alice"));
        let refresh: RefreshRequest =
            serde_json::from_str(r#"{"refresh_token":"eyJ.refresh.secret"}"#)?;
        assert!(!format!("{refresh:?}").contains("eyJ.refresh.secret"));
        Ok(())
    }
}

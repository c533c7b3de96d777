//! Issuing tokens: the [`Issuer`], signing with the key set's primary key.
//!
//! Refresh tokens are not issued here: only
//! [`RefreshRotation`](crate::refresh::RefreshRotation) mints them, so every
//! refresh token in circulation is registered in a
//! [`RefreshStore`](crate::refresh::RefreshStore).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use secrecy::{ExposeSecret as _, SecretString};
use serde::Serialize;

use crate::TokenError;
use crate::claims::{
    AccessClaims, FamilyId, NoCustomClaims, RESERVED_CLAIMS, RefreshClaims, ServiceClaims, Subject,
    TokenUse,
};
use crate::clock::{Clock, SystemClock, secs};
use crate::key::{KeySet, SigningKey};
use crate::verify::{MAX_SERVICE_TTL, Verifier};

/// Default access-token lifetime: 15 minutes.
pub const DEFAULT_ACCESS_TTL: Duration = Duration::from_secs(15 * 60);
/// Default refresh-token lifetime: 14 days.
pub const DEFAULT_REFRESH_TTL: Duration = Duration::from_secs(14 * 24 * 60 * 60);
/// Default service-token lifetime: 5 minutes (also its maximum).
pub const DEFAULT_SERVICE_TTL: Duration = MAX_SERVICE_TTL;
/// The longest access-token lifetime an issuer accepts: 1 day.
pub const MAX_ACCESS_TTL: Duration = Duration::from_secs(24 * 60 * 60);
/// The longest refresh-token lifetime an issuer accepts: 365 days.
pub const MAX_REFRESH_TTL: Duration = Duration::from_secs(365 * 24 * 60 * 60);

/// A freshly signed token and what the caller needs to hand it out.
///
/// The token is a secret (a bearer credential): `Debug` does not show it, and
/// reading it takes [`expose_secret`](IssuedToken::expose_secret).
#[derive(Clone)]
pub struct IssuedToken {
    token: SecretString,
    jti: String,
    issued_at: i64,
    expires_at: i64,
}

impl IssuedToken {
    /// The compact JWS, to send to its holder.
    #[must_use]
    pub fn expose_secret(&self) -> &str {
        self.token.expose_secret()
    }

    /// The token's `jti`.
    #[must_use]
    pub fn jwt_id(&self) -> &str {
        &self.jti
    }

    /// The token's `iat`.
    #[must_use]
    pub fn issued_at(&self) -> i64 {
        self.issued_at
    }

    /// The token's `exp`.
    #[must_use]
    pub fn expires_at(&self) -> i64 {
        self.expires_at
    }

    /// Seconds from issue to expiry: the `expires_in` of an OAuth token
    /// response (RFC 6749 §5.1).
    #[must_use]
    pub fn expires_in(&self) -> u64 {
        u64::try_from(self.expires_at.saturating_sub(self.issued_at)).unwrap_or(0)
    }
}

impl fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedToken")
            .field("token", &"[REDACTED]")
            .field("jti", &self.jti)
            .field("issued_at", &self.issued_at)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// Signs access and service tokens for one issuer (`iss`) with the primary
/// key of a [`KeySet`].
///
/// The JOSE header of each kind (`alg` and `kid` of the primary key, `typ`
/// of the kind) is encoded once, when the issuer is built.
///
/// ```
/// use std::time::Duration;
/// use opsguard_token::{Algorithm, Issuer, KeySet, SigningKey, Subject};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let keys = KeySet::builder().primary(SigningKey::generate(Algorithm::EdDsa)?).build()?;
/// let issuer = Issuer::builder(keys, "https://auth.example", "api")
///     .with_access_ttl(Duration::from_secs(600))
///     .build()?;
/// let token = issuer.issue_access(&Subject::new("42", "alice"))?;
/// assert_eq!(token.expires_in(), 600);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Issuer {
    keys: Arc<KeySet>,
    issuer: String,
    access_audience: String,
    refresh_audience: String,
    access_ttl: i64,
    refresh_ttl: i64,
    service_ttl: i64,
    clock: Arc<dyn Clock>,
    /// The base64url header of each kind, encoded once.
    headers: Arc<EncodedHeaders>,
}

impl Issuer {
    /// A builder for an issuer named `issuer` (the `iss` claim, for example
    /// `https://auth.example`) whose access tokens are for `audience`.
    pub fn builder(
        keys: impl Into<Arc<KeySet>>,
        issuer: impl Into<String>,
        audience: impl Into<String>,
    ) -> IssuerBuilder {
        let issuer = issuer.into();
        IssuerBuilder {
            keys: keys.into(),
            refresh_audience: None,
            issuer,
            access_audience: audience.into(),
            access_ttl: DEFAULT_ACCESS_TTL,
            refresh_ttl: DEFAULT_REFRESH_TTL,
            service_ttl: DEFAULT_SERVICE_TTL,
            clock: Arc::new(SystemClock),
        }
    }

    /// An access token for `subject` (`typ` `at+jwt`, `token_use` access).
    ///
    /// # Errors
    ///
    /// [`TokenError::Config`] if the subject's id is empty (it becomes
    /// `sub`, which verification requires non-empty);
    /// [`TokenError::Signing`] if the backend fails to sign.
    pub fn issue_access(&self, subject: &Subject) -> Result<IssuedToken, TokenError> {
        check_subject(subject)?;
        let claims = self.access_claims(subject, NoCustomClaims {}, self.clock.now());
        self.sign(
            TokenUse::Access,
            &claims,
            claims.iat,
            claims.exp,
            claims.jti.clone(),
        )
    }

    /// An access token for `subject` that also carries `custom` claims.
    ///
    /// `custom` must serialize to a JSON object whose members do not reuse a
    /// registered or opsguard claim name ([`RESERVED_CLAIMS`]).
    ///
    /// # Errors
    ///
    /// [`TokenError::Config`] if `custom` is not such an object or the
    /// subject's id is empty; [`TokenError::Signing`] if the backend fails
    /// to sign.
    pub fn issue_access_with<C: Serialize>(
        &self,
        subject: &Subject,
        custom: &C,
    ) -> Result<IssuedToken, TokenError> {
        let custom = custom_object(custom)?;
        self.issue_access_object(subject, Some(custom))
    }

    /// A service token: `service` (the caller, `sub`) may call `audience`
    /// (`aud`) for the issuer's service TTL (at most 5 minutes), with
    /// `roles`.
    ///
    /// # Errors
    ///
    /// [`TokenError::Config`] if `service` or `audience` is empty;
    /// [`TokenError::Signing`] if the backend fails to sign.
    pub fn issue_service(
        &self,
        service: &str,
        audience: &str,
        roles: &[&str],
    ) -> Result<IssuedToken, TokenError> {
        if service.is_empty() || audience.is_empty() {
            return Err(TokenError::Config {
                reason: "service and audience must not be empty",
            });
        }
        let now = self.clock.now();
        let claims = ServiceClaims {
            iss: self.issuer.clone(),
            sub: service.to_owned(),
            aud: vec![audience.to_owned()],
            exp: now.saturating_add(self.service_ttl),
            nbf: Some(now),
            iat: now,
            jti: crate::random::id(),
            token_use: TokenUse::Service,
            roles: roles.iter().map(|r| (*r).to_owned()).collect(),
        };
        self.sign(
            TokenUse::Service,
            &claims,
            now,
            claims.exp,
            claims.jti.clone(),
        )
    }

    /// A verifier for this issuer's access tokens: same keys, issuer,
    /// audience and clock, default leeway, and this issuer's access TTL as
    /// the longest access-token lifetime it accepts.
    ///
    /// # Errors
    ///
    /// Never in practice (the issuer's settings were checked when it was
    /// built); the signature follows [`VerifierBuilder::build`](crate::verify::VerifierBuilder::build).
    pub fn verifier(&self) -> Result<Verifier, TokenError> {
        Verifier::builder(
            Arc::clone(&self.keys),
            self.issuer.clone(),
            self.access_audience.clone(),
        )
        .with_clock(Arc::clone(&self.clock))
        .with_max_access_ttl(Duration::from_secs(self.access_ttl.unsigned_abs()))
        .build()
    }

    /// The `iss` this issuer writes.
    #[must_use]
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The `aud` of its access tokens.
    #[must_use]
    pub fn access_audience(&self) -> &str {
        &self.access_audience
    }

    /// The `aud` of its refresh tokens (by default the issuer itself: refresh
    /// tokens are only ever presented back to it).
    #[must_use]
    pub fn refresh_audience(&self) -> &str {
        &self.refresh_audience
    }

    pub(crate) fn keys(&self) -> &Arc<KeySet> {
        &self.keys
    }

    pub(crate) fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    fn access_claims<C>(&self, subject: &Subject, custom: C, now: i64) -> AccessClaims<C> {
        AccessClaims {
            iss: self.issuer.clone(),
            sub: subject.id().to_owned(),
            aud: vec![self.access_audience.clone()],
            exp: now.saturating_add(self.access_ttl),
            nbf: Some(now),
            iat: now,
            jti: crate::random::id(),
            token_use: TokenUse::Access,
            username: subject.username().to_owned(),
            roles: subject.roles().to_vec(),
            custom,
        }
    }

    /// The claims of the next refresh token of `family`, issued at `now`
    /// for a login at `auth_time`: valid for the refresh TTL, but never
    /// past `session_end` (the family's absolute end).
    pub(crate) fn refresh_claims(
        &self,
        subject: &Subject,
        family: &FamilyId,
        now: i64,
        auth_time: i64,
        session_end: i64,
    ) -> RefreshClaims {
        RefreshClaims {
            iss: self.issuer.clone(),
            sub: subject.id().to_owned(),
            aud: vec![self.refresh_audience.clone()],
            exp: now.saturating_add(self.refresh_ttl).min(session_end),
            nbf: Some(now),
            iat: now,
            jti: crate::random::id(),
            token_use: TokenUse::Refresh,
            username: subject.username().to_owned(),
            roles: subject.roles().to_vec(),
            fam: family.clone(),
            auth_time,
        }
    }

    pub(crate) fn sign_refresh(&self, claims: &RefreshClaims) -> Result<IssuedToken, TokenError> {
        self.sign(
            TokenUse::Refresh,
            claims,
            claims.iat,
            claims.exp,
            claims.jti.clone(),
        )
    }

    /// An access token for `subject` with already-checked custom claims.
    pub(crate) fn issue_access_object(
        &self,
        subject: &Subject,
        custom: Option<serde_json::Map<String, serde_json::Value>>,
    ) -> Result<IssuedToken, TokenError> {
        match custom {
            None => self.issue_access(subject),
            Some(custom) => {
                check_subject(subject)?;
                let claims = self.access_claims(subject, custom, self.clock.now());
                self.sign(
                    TokenUse::Access,
                    &claims,
                    claims.iat,
                    claims.exp,
                    claims.jti.clone(),
                )
            }
        }
    }

    fn primary(&self) -> Result<&SigningKey, TokenError> {
        self.keys.primary().ok_or(TokenError::NoSigningKey)
    }

    fn sign<T: Serialize>(
        &self,
        kind: TokenUse,
        claims: &T,
        issued_at: i64,
        expires_at: i64,
        jti: String,
    ) -> Result<IssuedToken, TokenError> {
        let key = self.primary()?;
        let header = match kind {
            TokenUse::Access => &self.headers.access,
            TokenUse::Refresh => &self.headers.refresh,
            TokenUse::Service => &self.headers.service,
        };
        let payload = serde_json::to_vec(claims).map_err(|_| TokenError::Signing)?;
        let mut token = String::with_capacity(header.len() + payload.len() * 4 / 3 + 100);
        token.push_str(header);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(&payload, &mut token);
        let signature =
            jsonwebtoken::crypto::sign(token.as_bytes(), key.encoding(), key.algorithm().to_jwt())
                .map_err(|_| TokenError::Signing)?;
        token.push('.');
        token.push_str(&signature);
        Ok(IssuedToken {
            token: SecretString::from(token),
            jti,
            issued_at,
            expires_at,
        })
    }
}

impl fmt::Debug for Issuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Issuer")
            .field("issuer", &self.issuer)
            .field("access_audience", &self.access_audience)
            .field("refresh_audience", &self.refresh_audience)
            .field("access_ttl", &self.access_ttl)
            .field("refresh_ttl", &self.refresh_ttl)
            .field("service_ttl", &self.service_ttl)
            .field("primary_kid", &self.keys.primary_kid())
            .finish_non_exhaustive()
    }
}

/// Refuse a subject whose id is empty: the token would carry `"sub":""`,
/// which verification refuses.
pub(crate) fn check_subject(subject: &Subject) -> Result<(), TokenError> {
    if subject.id().is_empty() {
        return Err(TokenError::Config {
            reason: "subject id must not be empty",
        });
    }
    Ok(())
}

/// `custom` as a JSON object without reserved names.
pub(crate) fn custom_object<C: Serialize>(
    custom: &C,
) -> Result<serde_json::Map<String, serde_json::Value>, TokenError> {
    let bad = TokenError::Config {
        reason: "custom claims must be a json object without reserved claim names",
    };
    match serde_json::to_value(custom) {
        Ok(serde_json::Value::Object(map))
            if !map.keys().any(|k| RESERVED_CLAIMS.contains(&k.as_str())) =>
        {
            Ok(map)
        }
        _ => Err(bad),
    }
}

/// The base64url JOSE header of each kind of token for the primary key.
struct EncodedHeaders {
    access: String,
    refresh: String,
    service: String,
}

/// The base64url JOSE header of `kind` for `key`.
fn encoded_header(key: &SigningKey, kind: TokenUse) -> Result<String, TokenError> {
    #[derive(Serialize)]
    struct Header<'a> {
        alg: &'a str,
        kid: &'a str,
        typ: &'a str,
    }
    let json = serde_json::to_vec(&Header {
        alg: key.algorithm().name(),
        kid: key.kid(),
        typ: kind.typ(),
    })
    .map_err(|_| TokenError::Signing)?;
    Ok(URL_SAFE_NO_PAD.encode(json))
}

/// Builds an [`Issuer`]; see [`Issuer::builder`].
#[derive(Debug)]
#[must_use]
pub struct IssuerBuilder {
    keys: Arc<KeySet>,
    issuer: String,
    access_audience: String,
    refresh_audience: Option<String>,
    access_ttl: Duration,
    refresh_ttl: Duration,
    service_ttl: Duration,
    clock: Arc<dyn Clock>,
}

impl IssuerBuilder {
    /// Access-token lifetime (default 15 minutes, at most 1 day; whole
    /// seconds).
    pub fn with_access_ttl(mut self, ttl: Duration) -> Self {
        self.access_ttl = ttl;
        self
    }

    /// Refresh-token lifetime (default 14 days, at most 365 days). Each
    /// rotation starts a new lifetime, but no refresh token outlives its
    /// family's maximum session length
    /// ([`RefreshRotationBuilder::with_max_session`](crate::refresh::RefreshRotationBuilder::with_max_session),
    /// default 30 days, at most 90), so a longer TTL than that has no
    /// effect.
    pub fn with_refresh_ttl(mut self, ttl: Duration) -> Self {
        self.refresh_ttl = ttl;
        self
    }

    /// Service-token lifetime (default and maximum 5 minutes).
    pub fn with_service_ttl(mut self, ttl: Duration) -> Self {
        self.service_ttl = ttl;
        self
    }

    /// The `aud` of refresh tokens (default: the issuer name). It must differ
    /// from the access audience, so that no resource server accepts a
    /// refresh token even if it skipped the type checks.
    pub fn with_refresh_audience(mut self, audience: impl Into<String>) -> Self {
        self.refresh_audience = Some(audience.into());
        self
    }

    /// The clock for `iat`/`nbf`/`exp` (default [`SystemClock`]).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The issuer.
    ///
    /// # Errors
    ///
    /// [`TokenError::NoSigningKey`] if the key set has no primary key;
    /// [`TokenError::Config`] for an empty issuer or audience, a refresh
    /// audience equal to the access audience, or a lifetime that is zero or
    /// above its maximum.
    pub fn build(self) -> Result<Issuer, TokenError> {
        let config = |reason| Err(TokenError::Config { reason });
        if self.issuer.is_empty() {
            return config("issuer must not be empty");
        }
        if self.access_audience.is_empty() {
            return config("audience must not be empty");
        }
        let refresh_audience = self.refresh_audience.unwrap_or_else(|| self.issuer.clone());
        if refresh_audience.is_empty() || refresh_audience == self.access_audience {
            return config(
                "refresh audience must be non-empty and differ from the access audience",
            );
        }
        if self.access_ttl.as_secs() == 0 || self.access_ttl > MAX_ACCESS_TTL {
            return config("access ttl must be 1 second to 1 day");
        }
        if self.refresh_ttl.as_secs() == 0 || self.refresh_ttl > MAX_REFRESH_TTL {
            return config("refresh ttl must be 1 second to 365 days");
        }
        if self.service_ttl.as_secs() == 0 || self.service_ttl > MAX_SERVICE_TTL {
            return config("service ttl must be 1 second to 5 minutes");
        }
        let key = self.keys.primary().ok_or(TokenError::NoSigningKey)?;
        let headers = Arc::new(EncodedHeaders {
            access: encoded_header(key, TokenUse::Access)?,
            refresh: encoded_header(key, TokenUse::Refresh)?,
            service: encoded_header(key, TokenUse::Service)?,
        });
        Ok(Issuer {
            keys: self.keys,
            issuer: self.issuer,
            access_audience: self.access_audience,
            refresh_audience,
            access_ttl: secs(self.access_ttl),
            refresh_ttl: secs(self.refresh_ttl),
            service_ttl: secs(self.service_ttl),
            clock: self.clock,
            headers,
        })
    }
}

//! Verifying tokens: the order of checks, and the [`Verifier`] that runs
//! them.
//!
//! Every token goes through the same steps; the first that fails decides the
//! [`TokenError`] (for logs — the client always gets the same 401):
//!
//! 1. size: more than [`MAX_TOKEN_BYTES`] → [`TooLarge`](TokenError::TooLarge),
//!    before anything is split or decoded (CVE-2025-30204 class);
//! 2. shape: exactly three `.`-separated segments, a base64url JSON object
//!    header in which no member (at any depth) appears twice, and whose
//!    `alg`, `kid`, `typ` are strings when present (`null` is not absent)
//!    → [`Malformed`](TokenError::Malformed);
//! 3. `alg`: exactly the JOSE name of a supported algorithm; `none` in any
//!    spelling fails here → [`UnsupportedAlgorithm`](TokenError::UnsupportedAlgorithm);
//! 4. `crit`: present with any value, `null` and `[]` included →
//!    [`CriticalHeader`](TokenError::CriticalHeader) (RFC 7515 §4.1.11:
//!    opsguard understands no extension, and `crit` must not be empty or
//!    anything but an array of names);
//! 5. `kid`: present → [`MissingKeyId`](TokenError::MissingKeyId), in the
//!    key set → [`UnknownKeyId`](TokenError::UnknownKeyId), not retired →
//!    [`KeyRetired`](TokenError::KeyRetired);
//! 6. `alg` equal to the key's algorithm →
//!    [`AlgorithmMismatch`](TokenError::AlgorithmMismatch);
//! 7. the signature, with the key's cached decoding key →
//!    [`SignatureInvalid`](TokenError::SignatureInvalid);
//! 8. `typ` for the expected kind → [`TypeMismatch`](TokenError::TypeMismatch);
//! 9. the claims are a JSON object in which no member (at any depth)
//!    appears twice, and decode into the kind's claim set (required claims
//!    present, every claim of the right JSON type, `sub` and `jti`
//!    non-empty) → [`ClaimsMalformed`](TokenError::ClaimsMalformed);
//! 10. `token_use`, `iss`, `aud`, then `exp`, `nbf`, `iat` against the clock
//!     with leeway;
//! 11. the lifetime cap of the kind, `exp − iat` at most the cap plus
//!     leeway → [`LifetimeTooLong`](TokenError::LifetimeTooLong): access
//!     tokens [`with_max_access_ttl`](VerifierBuilder::with_max_access_ttl)
//!     (default [`MAX_ACCESS_TTL`], 1 day; [`Issuer::verifier`](crate::Issuer::verifier)
//!     uses the issuer's own access TTL), service tokens
//!     [`MAX_SERVICE_TTL`] (also at most that much left from now), refresh
//!     tokens the rotation's maximum session length, counted from
//!     `auth_time`.
//!
//! Steps 1–6 do no cryptography; only `alg`, `kid` and `crit` of the
//! unauthenticated header are read before the signature is checked.
//!
//! A verifier [`with_cache`](Verifier::with_cache) remembers the claims of
//! the access and service tokens it accepted, keyed by the SHA-256 of their
//! exact bytes and their kind. When the same bytes come again as the same
//! kind, it skips steps 2–9 and 11 (whose outcome cannot change for those
//! bytes under this verifier's keys and settings), but still checks that the
//! key that verified them is in the key set and not retired, and runs step
//! 10 again against the current clock ([`VerifyCache`]).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde::de::{DeserializeOwned, IgnoredAny};

use crate::TokenError;
use crate::cache::{Cacheable, VerifyCache};
use crate::claims::{
    AccessClaims, RefreshClaims, Registered, ServiceClaims, TokenUse, reserved_field,
};
use crate::clock::{Clock, SystemClock, secs};
use crate::issue::MAX_ACCESS_TTL;
use crate::json::{is_object_without_duplicates, present};
use crate::key::{Entry, KeySet, KeyState};
use crate::refresh::MAX_SESSION;

/// The largest token accepted, in bytes (checked before any decoding).
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;

/// The clock skew tolerated by default on `exp`, `nbf` and `iat`.
pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(30);

/// The largest leeway a verifier accepts.
pub const MAX_LEEWAY: Duration = Duration::from_secs(5 * 60);

/// The longest a service token may still be valid when it is verified
/// (its TTL cap).
pub const MAX_SERVICE_TTL: Duration = Duration::from_secs(5 * 60);

/// Checks tokens issued by one issuer for one audience.
///
/// It cannot exist without both: [`Verifier::builder`] takes the expected
/// `iss` and `aud` as arguments, and `iss` must match exactly while `aud`
/// (a string or an array) must contain the audience. Decoding keys are
/// prepared once, when the key set is built; a verification allocates only
/// for the decoded header and claims.
///
/// ```
/// use opsguard_token::{Algorithm, Issuer, KeySet, SigningKey, Subject, TokenError, Verifier};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let keys = KeySet::builder().primary(SigningKey::generate(Algorithm::Hs256)?).build()?;
/// let issuer = Issuer::builder(keys.clone(), "https://auth.example", "jobs").build()?;
/// let token = issuer.issue_access(&Subject::new("42", "alice"))?;
///
/// let jobs = Verifier::builder(keys.clone(), "https://auth.example", "jobs").build()?;
/// assert_eq!(jobs.verify_access(token.expose_secret())?.subject(), "42");
///
/// // The same token is refused by a service with another audience.
/// let billing = Verifier::builder(keys, "https://auth.example", "billing").build()?;
/// assert!(matches!(
///     billing.verify_access(token.expose_secret()),
///     Err(TokenError::AudienceMismatch)
/// ));
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Verifier {
    keys: Arc<KeySet>,
    issuer: String,
    audience: String,
    leeway: i64,
    /// The longest `exp − iat` of an access token (seconds).
    max_access_ttl: i64,
    /// The longest `exp − auth_time` of a refresh token (seconds): the
    /// rotation's maximum session length.
    max_session: i64,
    clock: Arc<dyn Clock>,
    /// Verified access and service tokens, when enabled.
    cache: Option<Arc<VerifyCache>>,
}

impl Verifier {
    /// A builder for a verifier of tokens from `issuer` meant for
    /// `audience`.
    pub fn builder(
        keys: impl Into<Arc<KeySet>>,
        issuer: impl Into<String>,
        audience: impl Into<String>,
    ) -> VerifierBuilder {
        VerifierBuilder {
            keys: keys.into(),
            issuer: issuer.into(),
            audience: audience.into(),
            leeway: DEFAULT_LEEWAY,
            max_access_ttl: MAX_ACCESS_TTL,
            max_session: MAX_SESSION,
            clock: Arc::new(SystemClock),
        }
    }

    /// Verify an access token without custom claims.
    ///
    /// # Errors
    ///
    /// The [`TokenError`] of the first check that fails (module docs).
    pub fn verify_access(&self, token: &str) -> Result<AccessClaims, TokenError> {
        self.verify_cached(token, self.max_access_ttl)
    }

    /// Verify an access token and decode its custom claims as `C`.
    ///
    /// Always a full verification: the [cache](Self::with_cache) serves
    /// [`verify_access`](Self::verify_access) and
    /// [`verify_service`](Self::verify_service) only.
    ///
    /// # Errors
    ///
    /// The [`TokenError`] of the first check that fails (module docs); a
    /// custom claim that does not decode as `C` is
    /// [`ClaimsMalformed`](TokenError::ClaimsMalformed).
    /// [`TokenError::Config`], for every token, if `C` is a struct with a
    /// field named like a registered claim ([`RESERVED_CLAIMS`](crate::claims::RESERVED_CLAIMS),
    /// for example `exp: Option<i64>`): the claim set keeps those members,
    /// so such a field would silently always be empty.
    pub fn verify_access_with<C: DeserializeOwned>(
        &self,
        token: &str,
    ) -> Result<AccessClaims<C>, TokenError> {
        if reserved_field::<C>().is_some() {
            return Err(TokenError::Config {
                reason: "custom claims type declares a reserved claim name",
            });
        }
        self.verify_as(token, self.max_access_ttl)
            .map(|(claims, _)| claims)
    }

    /// Verify a service token meant for this verifier's audience.
    ///
    /// # Errors
    ///
    /// The [`TokenError`] of the first check that fails (module docs);
    /// [`LifetimeTooLong`](TokenError::LifetimeTooLong) when `exp − iat`
    /// exceeds [`MAX_SERVICE_TTL`] plus leeway, or the token is still valid
    /// for more than that from now.
    pub fn verify_service(&self, token: &str) -> Result<ServiceClaims, TokenError> {
        let cap = secs(MAX_SERVICE_TTL);
        let claims: ServiceClaims = self.verify_cached(token, cap)?;
        let remaining = claims.exp.saturating_sub(self.clock.now());
        if remaining > cap.saturating_add(self.leeway) {
            return Err(TokenError::LifetimeTooLong);
        }
        Ok(claims)
    }

    /// Verify a refresh token's JWT (not its state in a store: that is
    /// [`RefreshRotation`](crate::refresh::RefreshRotation)'s job), with
    /// its family's absolute lifetime: `auth_time` no later than `iat`, and
    /// `exp − auth_time` at most the maximum session length plus leeway.
    pub(crate) fn verify_refresh(&self, token: &str) -> Result<RefreshClaims, TokenError> {
        let (claims, _): (RefreshClaims, _) = self.verify_as(token, self.max_session)?;
        if claims.fam.as_str().is_empty() || claims.auth_time > claims.iat {
            return Err(TokenError::ClaimsMalformed);
        }
        if claims.exp.saturating_sub(claims.auth_time)
            > self.max_session.saturating_add(self.leeway)
        {
            return Err(TokenError::LifetimeTooLong);
        }
        Ok(claims)
    }

    /// The same verifier, remembering the access and service tokens it
    /// accepts in `cache` so that the same token presented again skips the
    /// signature check and claims decoding (off unless called).
    ///
    /// What is still checked on every hit: the token's kind (part of the
    /// cache key), that the key that verified it is in this verifier's key
    /// set and not retired, and `token_use`, `iss`, `aud`, `exp`, `nbf` and
    /// `iat` against the clock now; a hit never extends a token's life. An
    /// entry lasts at most the cache's TTL. Only accepted tokens are stored.
    /// A [`DenylistVerifier`](crate::denylist::DenylistVerifier) still asks
    /// its denylist for every token, cached or not. Clones of the returned
    /// verifier share the cache. See [`VerifyCache`].
    #[must_use]
    pub fn with_cache(mut self, cache: VerifyCache) -> Self {
        self.cache = Some(Arc::new(cache));
        self
    }

    /// The verifier's cache, if it has one.
    #[must_use]
    pub fn cache(&self) -> Option<&VerifyCache> {
        self.cache.as_deref()
    }

    /// The expected issuer.
    #[must_use]
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The expected audience.
    #[must_use]
    pub fn audience(&self) -> &str {
        &self.audience
    }

    pub(crate) fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// [`verify_as`](Self::verify_as) through the cache, when there is one:
    /// a hit re-checks the key and the claims against the clock (step 10);
    /// a miss verifies in full and stores the claims if they pass.
    fn verify_cached<T: Cacheable>(&self, token: &str, max_lifetime: i64) -> Result<T, TokenError> {
        let Some(cache) = self.cache.as_deref() else {
            return self
                .verify_as(token, max_lifetime)
                .map(|(claims, _)| claims);
        };
        // Step 1 before hashing, so an oversized token costs nothing.
        if token.len() > MAX_TOKEN_BYTES {
            return Err(TokenError::TooLarge);
        }
        let key = VerifyCache::key(T::USE, token);
        let now = self.clock.now();
        if let Some(claims) = cache.get::<T>(&key, now, |kid| self.is_accepted_kid(kid)) {
            self.check_claims_at(&claims, now)?;
            return Ok(claims);
        }
        let (claims, kid) = self.verify_as::<T>(token, max_lifetime)?;
        let stale_at = claims.exp().saturating_add(self.leeway);
        cache.insert(key, claims.to_cached(), kid, now, stale_at);
        Ok(claims)
    }

    /// Whether the key `kid` still verifies tokens: in the key set and not
    /// retired.
    fn is_accepted_kid(&self, kid: &str) -> bool {
        self.keys
            .entry(kid)
            .is_some_and(|entry| entry.state != KeyState::Retired)
    }

    /// Steps 1–11 for a token of kind `T` whose `exp − iat` may be at most
    /// `max_lifetime` (plus leeway); the claims, and the `kid` of the key
    /// that verified the signature.
    fn verify_as<T: Registered>(
        &self,
        token: &str,
        max_lifetime: i64,
    ) -> Result<(T, &str), TokenError> {
        let parts = Parts::split(token)?;
        let header = Header::decode(parts.header)?;
        let entry = self.key_for(&header)?;
        if !entry
            .verifying
            .verify_signature(parts.signing_input.as_bytes(), parts.signature)
        {
            return Err(TokenError::SignatureInvalid);
        }
        if !header
            .typ
            .as_deref()
            .is_some_and(|typ| typ_matches(typ, T::USE))
        {
            return Err(TokenError::TypeMismatch);
        }
        let payload = URL_SAFE_NO_PAD
            .decode(parts.payload)
            .map_err(|_| TokenError::ClaimsMalformed)?;
        if !is_object_without_duplicates(&payload) {
            return Err(TokenError::ClaimsMalformed);
        }
        let claims: T =
            serde_json::from_slice(&payload).map_err(|_| TokenError::ClaimsMalformed)?;
        if claims.sub().is_empty() || claims.jti().is_empty() {
            return Err(TokenError::ClaimsMalformed);
        }
        self.check_claims(&claims)?;
        let lifetime = claims.exp().saturating_sub(claims.iat());
        if lifetime > max_lifetime.saturating_add(self.leeway) {
            return Err(TokenError::LifetimeTooLong);
        }
        Ok((claims, entry.verifying.kid()))
    }

    /// Steps 3–6: pick the key, or refuse before any signature work.
    fn key_for(&self, header: &Header) -> Result<&Entry, TokenError> {
        let Some(alg) = crate::key::Algorithm::from_name(&header.alg) else {
            return Err(TokenError::UnsupportedAlgorithm);
        };
        if header.crit.is_some() {
            return Err(TokenError::CriticalHeader);
        }
        let kid = header.kid.as_deref().ok_or(TokenError::MissingKeyId)?;
        let entry = self.keys.entry(kid).ok_or(TokenError::UnknownKeyId)?;
        if entry.state == KeyState::Retired {
            return Err(TokenError::KeyRetired);
        }
        if entry.verifying.algorithm() != alg {
            return Err(TokenError::AlgorithmMismatch);
        }
        Ok(entry)
    }

    fn check_claims<T: Registered>(&self, claims: &T) -> Result<(), TokenError> {
        self.check_claims_at(claims, self.clock.now())
    }

    /// Step 10 at `now`.
    fn check_claims_at<T: Registered>(&self, claims: &T, now: i64) -> Result<(), TokenError> {
        if claims.token_use() != T::USE {
            return Err(TokenError::UseMismatch);
        }
        if claims.iss() != self.issuer {
            return Err(TokenError::IssuerMismatch);
        }
        if !claims.aud().contains(&self.audience) {
            return Err(TokenError::AudienceMismatch);
        }
        if now >= claims.exp().saturating_add(self.leeway) {
            return Err(TokenError::Expired);
        }
        if claims
            .nbf()
            .is_some_and(|nbf| nbf > now.saturating_add(self.leeway))
        {
            return Err(TokenError::NotYetValid);
        }
        if claims.iat() > now.saturating_add(self.leeway) {
            return Err(TokenError::IssuedInFuture);
        }
        Ok(())
    }
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("leeway", &self.leeway)
            .field("max_access_ttl", &self.max_access_ttl)
            .field("keys", &self.keys.kids().collect::<Vec<_>>())
            .field("cache", &self.cache)
            .finish_non_exhaustive()
    }
}

/// Builds a [`Verifier`]; see [`Verifier::builder`].
#[derive(Debug)]
#[must_use]
pub struct VerifierBuilder {
    keys: Arc<KeySet>,
    issuer: String,
    audience: String,
    leeway: Duration,
    max_access_ttl: Duration,
    max_session: Duration,
    clock: Arc<dyn Clock>,
}

impl VerifierBuilder {
    /// The clock skew tolerated on `exp`, `nbf` and `iat` (default
    /// [`DEFAULT_LEEWAY`], at most [`MAX_LEEWAY`]; whole seconds).
    pub fn with_leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// The longest lifetime (`exp − iat`) of an access token this verifier
    /// accepts, plus leeway (default [`MAX_ACCESS_TTL`], 1 day, the longest
    /// an [`Issuer`](crate::Issuer) issues; at most that; whole seconds).
    /// Set it to the issuer's access TTL when you know it:
    /// [`Issuer::verifier`](crate::Issuer::verifier) does.
    pub fn with_max_access_ttl(mut self, ttl: Duration) -> Self {
        self.max_access_ttl = ttl;
        self
    }

    /// The maximum session length of refresh tokens (set by
    /// [`RefreshRotation`](crate::refresh::RefreshRotation) for its own
    /// verifier).
    pub(crate) fn with_max_session(mut self, max_session: Duration) -> Self {
        self.max_session = max_session;
        self
    }

    /// The clock to check time claims against (default [`SystemClock`]).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The verifier.
    ///
    /// # Errors
    ///
    /// [`TokenError::Config`] if the issuer or audience is empty, the
    /// leeway exceeds [`MAX_LEEWAY`], or the maximum access TTL is zero or
    /// above [`MAX_ACCESS_TTL`].
    pub fn build(self) -> Result<Verifier, TokenError> {
        if self.issuer.is_empty() {
            return Err(TokenError::Config {
                reason: "issuer must not be empty",
            });
        }
        if self.audience.is_empty() {
            return Err(TokenError::Config {
                reason: "audience must not be empty",
            });
        }
        if self.leeway > MAX_LEEWAY {
            return Err(TokenError::Config {
                reason: "leeway must be at most 5 minutes",
            });
        }
        if self.max_access_ttl.as_secs() == 0 || self.max_access_ttl > MAX_ACCESS_TTL {
            return Err(TokenError::Config {
                reason: "maximum access ttl must be 1 second to 1 day",
            });
        }
        Ok(Verifier {
            keys: self.keys,
            issuer: self.issuer,
            audience: self.audience,
            leeway: secs(self.leeway),
            max_access_ttl: secs(self.max_access_ttl),
            max_session: secs(self.max_session),
            clock: self.clock,
            cache: None,
        })
    }
}

/// The three segments of a compact JWS.
struct Parts<'a> {
    header: &'a str,
    payload: &'a str,
    /// `header.payload`, the JWS signing input.
    signing_input: &'a str,
    signature: &'a str,
}

impl<'a> Parts<'a> {
    /// Steps 1 and 2 (size and segment count), without allocating.
    fn split(token: &'a str) -> Result<Self, TokenError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(TokenError::TooLarge);
        }
        let mut dots = token.match_indices('.').map(|(i, _)| i);
        let (Some(first), Some(second), None) = (dots.next(), dots.next(), dots.next()) else {
            return Err(TokenError::Malformed);
        };
        let (Some(header), Some(payload), Some(signing_input), Some(signature)) = (
            token.get(..first),
            token.get(first + 1..second),
            token.get(..second),
            token.get(second + 1..),
        ) else {
            return Err(TokenError::Malformed);
        };
        Ok(Self {
            header,
            payload,
            signing_input,
            signature,
        })
    }
}

/// The header members read before the signature is verified, plus `typ`.
/// Any other member is ignored (never used to find a key: `jwk`, `jku`,
/// `x5u` and `x5c` are not trusted), though it may not be duplicated.
/// A member that is present must have its type: `"kid": null` is malformed,
/// not a missing `kid`, and `crit` of any value (`null` included) counts as
/// present.
#[derive(Deserialize)]
struct Header {
    alg: String,
    #[serde(default, deserialize_with = "present")]
    kid: Option<String>,
    #[serde(default, deserialize_with = "present")]
    typ: Option<String>,
    #[serde(default, deserialize_with = "present")]
    crit: Option<IgnoredAny>,
}

impl Header {
    fn decode(segment: &str) -> Result<Self, TokenError> {
        let json = URL_SAFE_NO_PAD
            .decode(segment)
            .map_err(|_| TokenError::Malformed)?;
        if !is_object_without_duplicates(&json) {
            return Err(TokenError::Malformed);
        }
        serde_json::from_slice(&json).map_err(|_| TokenError::Malformed)
    }
}

/// Whether header `typ` names the media type of `kind`: ASCII
/// case-insensitive, with or without `application/` (RFC 7515 §4.1.9;
/// RFC 9068 §4 for `at+jwt`).
fn typ_matches(typ: &str, kind: TokenUse) -> bool {
    const PREFIX: &str = "application/";
    let bare = match typ.get(..PREFIX.len()) {
        Some(prefix) if prefix.eq_ignore_ascii_case(PREFIX) => {
            typ.get(PREFIX.len()..).unwrap_or("")
        }
        _ => typ,
    };
    bare.eq_ignore_ascii_case(kind.typ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::claims::Subject;
    use crate::clock::ManualClock;
    use crate::issue::Issuer;
    use crate::key::{Algorithm, SigningKey};

    const NOW: i64 = 1_700_000_000;

    fn hs(secret: &[u8]) -> SigningKey {
        SigningKey::from_hmac_secret(Algorithm::Hs256, secret)
            .unwrap()
            .with_kid("k1")
    }

    /// A verifier with a cache, and an access token it has cached.
    fn cached() -> (Verifier, String, Arc<ManualClock>) {
        let clock = Arc::new(ManualClock::new(NOW));
        let keys = KeySet::builder().primary(hs(&[1; 32])).build().unwrap();
        let issuer = Issuer::builder(keys, "iss", "aud")
            .with_clock(clock.clone())
            .build()
            .unwrap();
        let verifier = issuer
            .verifier()
            .unwrap()
            .with_cache(VerifyCache::new(10, VerifyCache::MAX_TTL).unwrap());
        let token = issuer
            .issue_access(&Subject::new("42", "alice"))
            .unwrap()
            .expose_secret()
            .to_owned();
        verifier.verify_access(&token).unwrap();
        (verifier, token, clock)
    }

    /// `verifier` with `keys` instead of its own but the same cache: what a
    /// key set changed in place would look like (a `KeySet` cannot change,
    /// and a `VerifyCache` cannot be shared, so only this test can build it).
    fn with_keys(verifier: &Verifier, keys: KeySet) -> Verifier {
        Verifier {
            keys: Arc::new(keys),
            ..verifier.clone()
        }
    }

    #[test]
    fn a_hit_skips_the_signature_check() {
        let (verifier, token, _) = cached();
        // The same kid now names another secret: a full verification fails,
        // so an accepted token proves it was served from the cache.
        let other = KeySet::builder().primary(hs(&[2; 32])).build().unwrap();
        let shared = with_keys(&verifier, other.clone());
        assert_eq!(shared.verify_access(&token).unwrap().subject(), "42");
        let uncached = Verifier {
            cache: None,
            ..shared
        };
        assert!(matches!(
            uncached.verify_access(&token),
            Err(TokenError::SignatureInvalid)
        ));
    }

    #[test]
    fn a_hit_needs_its_key_still_accepted() {
        let (verifier, token, _) = cached();
        let retired = verifier
            .keys
            .rotate(hs(&[3; 32]).with_kid("k2"))
            .unwrap()
            .retire("k1")
            .unwrap();
        let shared = with_keys(&verifier, retired);
        assert!(matches!(
            shared.verify_access(&token),
            Err(TokenError::KeyRetired)
        ));
        // The entry is gone: the original verifier verifies in full again.
        assert_eq!(verifier.cache().unwrap().len(), 0);
        assert!(verifier.verify_access(&token).is_ok());

        let without = KeySet::builder()
            .primary(hs(&[3; 32]).with_kid("k2"))
            .build()
            .unwrap();
        let shared = with_keys(&verifier, without);
        assert!(matches!(
            shared.verify_access(&token),
            Err(TokenError::UnknownKeyId)
        ));
    }

    #[test]
    fn a_hit_reruns_the_time_checks() {
        let (verifier, token, clock) = cached();
        // The entry counts (until exp + leeway), the clock says the token
        // has not started: refused on the hit, and the entry is kept.
        clock.set(NOW - 31);
        assert!(matches!(
            verifier.verify_access(&token),
            Err(TokenError::NotYetValid)
        ));
        assert_eq!(verifier.cache().unwrap().len(), 1);
        clock.set(NOW + 900 + 29);
        assert_eq!(verifier.verify_access(&token).unwrap().subject(), "42");
        clock.set(NOW + 900 + 30);
        assert!(matches!(
            verifier.verify_access(&token),
            Err(TokenError::Expired)
        ));
        assert_eq!(verifier.cache().unwrap().len(), 0);
    }

    #[test]
    fn a_token_cached_as_access_is_refused_as_refresh_or_service() {
        let (verifier, token, _) = cached();
        assert!(matches!(
            verifier.verify_refresh(&token),
            Err(TokenError::TypeMismatch)
        ));
        assert!(matches!(
            verifier.verify_service(&token),
            Err(TokenError::TypeMismatch)
        ));
        assert!(verifier.verify_access(&token).is_ok());
    }

    #[test]
    fn typ_is_compared_as_a_media_type() {
        assert!(typ_matches("at+jwt", TokenUse::Access));
        assert!(typ_matches("AT+JWT", TokenUse::Access));
        assert!(typ_matches("application/at+jwt", TokenUse::Access));
        assert!(typ_matches("Application/At+Jwt", TokenUse::Access));
        assert!(!typ_matches("JWT", TokenUse::Access));
        assert!(!typ_matches("at+jwt ", TokenUse::Access));
        assert!(!typ_matches("application/", TokenUse::Access));
        assert!(!typ_matches("refresh+jwt", TokenUse::Access));
        assert!(typ_matches("refresh+jwt", TokenUse::Refresh));
        assert!(typ_matches("service+jwt", TokenUse::Service));
        assert!(!typ_matches("at+jwt", TokenUse::Service));
        // Not a panic on a multi-byte character at the prefix boundary.
        assert!(!typ_matches("applicatioé/at+jwt", TokenUse::Access));
    }

    #[test]
    fn split_counts_segments_exactly() {
        assert!(Parts::split("a.b.c").is_ok());
        for bad in ["", "a", "a.b", "a.b.c.d", "a.b.c.", "....."] {
            assert!(
                matches!(Parts::split(bad), Err(TokenError::Malformed)),
                "{bad}"
            );
        }
        let long = "a".repeat(MAX_TOKEN_BYTES + 1);
        assert!(matches!(Parts::split(&long), Err(TokenError::TooLarge)));
    }
}

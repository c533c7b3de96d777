//! [`OpsGuard`]: what a web adapter's extractors and token handlers read,
//! shared by every adapter so that they decide alike.

use std::fmt;
use std::sync::Arc;

use opsguard_core::{Error, ErrorKind};
use opsguard_rbac::{Resource, SharedPolicy};
use opsguard_token::Verifier;
use opsguard_token::jwks::Jwks;

use crate::{Authenticator, ClientIpResolver, Principal};

/// Everything a web adapter (opsguard-axum, opsguard-actix) needs to
/// authenticate and authorize requests, behind one cheaply cloneable
/// handle (an `Arc` inside).
///
/// The adapters only translate between their framework and this type:
/// reading the `Authorization` headers, the peer address and
/// `X-Forwarded-For` and handing them here. Every decision — which
/// credential is acceptable, who the client is, whether the policy allows
/// an action — is taken by the same code whichever framework serves the
/// request.
///
/// Two kinds of service use it:
///
/// * the one that logs users in ([`OpsGuard::builder`]) holds an
///   [`Authenticator`](crate::Authenticator) with the login, refresh and
///   logout flows;
/// * a service that only accepts tokens ([`OpsGuard::verifier_builder`])
///   holds a [`Verifier`](opsguard_token::Verifier); the adapters' token
///   handlers answer 404 there.
///
/// ```
/// use opsguard_auth::OpsGuard;
/// use opsguard_rbac::{Policy, SharedPolicy};
/// use opsguard_token::{Algorithm, Issuer, KeySet, SigningKey};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let keys = KeySet::builder()
///     .primary(SigningKey::generate(Algorithm::EdDsa)?.with_kid("k1"))
///     .build()?;
/// let verifier = Issuer::builder(keys, "https://auth.example", "api")
///     .build()?
///     .verifier()?;
/// let guard = OpsGuard::verifier_builder(verifier, SharedPolicy::new(Policy::opsconductor()))
///     .build();
/// // No credential at all: 401 with `WWW-Authenticate: Bearer`.
/// let refused = guard.authenticate::<_, str>([]).unwrap_err();
/// assert_eq!(refused.to_wire().status, 401);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct OpsGuard {
    inner: Arc<Inner>,
}

struct Inner {
    source: Source,
    policy: Arc<SharedPolicy>,
    client_ip: ClientIpResolver,
    jwks: Option<Arc<str>>,
}

/// Where principals come from.
enum Source {
    Flows(Box<Authenticator>),
    VerifyOnly(Verifier),
}

impl OpsGuard {
    /// A guard for the service that logs users in, deciding with `policy`.
    pub fn builder(
        authenticator: Authenticator,
        policy: impl Into<Arc<SharedPolicy>>,
    ) -> OpsGuardBuilder {
        OpsGuardBuilder::new(Source::Flows(Box::new(authenticator)), policy.into())
    }

    /// A guard for a service that only accepts tokens issued elsewhere.
    pub fn verifier_builder(
        verifier: Verifier,
        policy: impl Into<Arc<SharedPolicy>>,
    ) -> OpsGuardBuilder {
        OpsGuardBuilder::new(Source::VerifyOnly(verifier), policy.into())
    }

    /// The login, refresh and logout flows, when this guard has them.
    #[must_use]
    pub fn authenticator(&self) -> Option<&Authenticator> {
        match &self.inner.source {
            Source::Flows(authenticator) => Some(authenticator),
            Source::VerifyOnly(_) => None,
        }
    }

    /// The login, refresh and logout flows, or the 404 `NotFound` that the
    /// token endpoints answer on a guard that only verifies tokens.
    ///
    /// # Errors
    ///
    /// 404 on a guard built with [`OpsGuard::verifier_builder`].
    pub fn flows(&self) -> Result<&Authenticator, Error> {
        self.authenticator()
            .ok_or_else(|| Error::from_kind(ErrorKind::NotFound))
    }

    /// The authorization policy.
    #[must_use]
    pub fn policy(&self) -> &SharedPolicy {
        &self.inner.policy
    }

    /// The resolver of client addresses (trusted proxies).
    #[must_use]
    pub fn client_ip_resolver(&self) -> &ClientIpResolver {
        &self.inner.client_ip
    }

    /// The published JWKS document, if one was given.
    #[must_use]
    pub fn jwks_json(&self) -> Option<&str> {
        self.inner.jwks.as_deref()
    }

    /// What the adapters' JWKS endpoint serves: the published document, or
    /// 404 when the guard publishes none.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::NotFound`] without a document
    /// ([`OpsGuardBuilder::with_jwks`]).
    pub fn jwks_document(&self) -> Result<&str, Error> {
        self.jwks_json()
            .ok_or_else(|| Error::from_kind(ErrorKind::NotFound))
    }

    /// The caller of a request carrying the `Authorization` header values
    /// `authorization` (all of them, in order): [`authenticate`](crate::authenticate)
    /// against this guard's verifier (signature, claims, lifetime). It
    /// consults no denylist: a service that refuses access tokens before
    /// they expire (after logout) checks its
    /// [`AccessDenylist`](opsguard_token::denylist::AccessDenylist) itself
    /// when it loads the caller.
    ///
    /// # Errors
    ///
    /// 401 without a credential or with a refused one (one generic answer).
    pub fn authenticate<'a, I, T>(&self, authorization: I) -> Result<Principal, Error>
    where
        I: IntoIterator<Item = &'a T>,
        T: AsRef<[u8]> + ?Sized + 'a,
    {
        match &self.inner.source {
            Source::Flows(authenticator) => authenticator.authenticate(authorization),
            Source::VerifyOnly(verifier) => crate::authenticate(verifier, authorization),
        }
    }

    /// Require that `user` may do `action` (`"jobs:delete"`) on `resource`
    /// (built from the stored row: `Resource::owned("jobs", job.id,
    /// job.owner_id)`), by the current policy.
    ///
    /// `user` is a [`Principal`] or an adapter's `CurrentUser`.
    ///
    /// # Errors
    ///
    /// 403 when the policy does not allow it; 401 when the token's `sub`
    /// is not a user id the policy can compare.
    pub fn require<P>(&self, user: &P, action: &str, resource: &Resource<'_>) -> Result<(), Error>
    where
        P: AsRef<Principal> + ?Sized,
    {
        let subject = user.as_ref().to_rbac_subject()?;
        self.inner.policy.require(&subject, action, resource)?;
        Ok(())
    }

    /// Require that `user` holds `role` (directly or by inheritance).
    ///
    /// # Errors
    ///
    /// 403 when the user does not; 401 as for [`require`](Self::require).
    pub fn require_role<P>(&self, user: &P, role: &str) -> Result<(), Error>
    where
        P: AsRef<Principal> + ?Sized,
    {
        let subject = user.as_ref().to_rbac_subject()?;
        self.inner.policy.require_role(&subject, role)?;
        Ok(())
    }
}

impl fmt::Debug for OpsGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let source = match &self.inner.source {
            Source::Flows(authenticator) => &**authenticator as &dyn fmt::Debug,
            Source::VerifyOnly(verifier) => verifier as &dyn fmt::Debug,
        };
        f.debug_struct("OpsGuard")
            .field("source", source)
            .field("policy", &self.inner.policy)
            .field("client_ip", &self.inner.client_ip)
            .field("jwks", &self.inner.jwks.is_some())
            .finish()
    }
}

/// Builds an [`OpsGuard`].
#[must_use]
pub struct OpsGuardBuilder {
    source: Source,
    policy: Arc<SharedPolicy>,
    client_ip: ClientIpResolver,
    jwks: Option<Arc<str>>,
}

impl OpsGuardBuilder {
    fn new(source: Source, policy: Arc<SharedPolicy>) -> Self {
        Self {
            source,
            policy,
            client_ip: ClientIpResolver::new(),
            jwks: None,
        }
    }

    /// Find client addresses with `resolver` (trusted proxies). By default
    /// no proxy is trusted: the socket peer is the client and
    /// `X-Forwarded-For` is ignored.
    pub fn with_client_ip_resolver(mut self, resolver: ClientIpResolver) -> Self {
        self.client_ip = resolver;
        self
    }

    /// Publish `jwks` (the public keys of the signing key set) from the
    /// adapters' JWKS handler.
    pub fn with_jwks(mut self, jwks: &Jwks) -> Self {
        self.jwks = Some(Arc::from(jwks.to_json()));
        self
    }

    /// The guard.
    #[must_use]
    pub fn build(self) -> OpsGuard {
        OpsGuard {
            inner: Arc::new(Inner {
                source: self.source,
                policy: self.policy,
                client_ip: self.client_ip,
                jwks: self.jwks,
            }),
        }
    }
}

impl fmt::Debug for OpsGuardBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpsGuardBuilder").finish_non_exhaustive()
    }
}

//! A policy shared by every request and replaceable at runtime.

use std::fmt;
use std::sync::Arc;

use arc_swap::ArcSwap;

use crate::{Decision, Denied, Explanation, Policy, PolicyError, Resource, Subject};

/// The current [`Policy`] of a service, read without locks and replaced
/// atomically.
///
/// Requests read the policy with a lock-free atomic load (`arc-swap`); a
/// reload builds the new policy first and then swaps one pointer, so a
/// request sees either the old policy or the new one, never a mix, and a
/// reload never waits for requests nor makes them wait. A policy that fails
/// to load leaves the current one in place.
///
/// ```
/// use opsguard_rbac::{Policy, Resource, SharedPolicy, Subject};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let shared = SharedPolicy::new(Policy::opsconductor());
/// let alice = Subject::new(1, ["user"]);
/// let job = Resource::owned("jobs", 7, 1);
/// assert!(shared.authorize(&alice, "jobs:read", &job).is_allowed());
///
/// shared.reload_toml("[resources]\njobs = [\"read\"]\n[roles]\n")?;
/// assert!(!shared.authorize(&alice, "jobs:read", &job).is_allowed());
/// assert!(shared.reload_toml("not toml").is_err());
/// assert!(shared.current().actions().eq(["jobs:read"]));
/// # Ok(())
/// # }
/// ```
pub struct SharedPolicy {
    current: ArcSwap<Policy>,
}

impl SharedPolicy {
    /// Share `policy`.
    #[must_use]
    pub fn new(policy: Policy) -> Self {
        Self {
            current: ArcSwap::from_pointee(policy),
        }
    }

    /// The current policy. Holding it keeps that version alive (and
    /// consistent) for as long as needed, across reloads.
    #[must_use]
    pub fn current(&self) -> Arc<Policy> {
        self.current.load_full()
    }

    /// Make `policy` the current one; returns the previous one.
    pub fn replace(&self, policy: Policy) -> Arc<Policy> {
        self.current.swap(Arc::new(policy))
    }

    /// Load a TOML policy file and make it the current one.
    ///
    /// # Errors
    ///
    /// The [`PolicyError`] of [`Policy::from_toml`]; the current policy
    /// stays in place.
    pub fn reload_toml(&self, text: &str) -> Result<(), PolicyError> {
        let policy = Policy::from_toml(text)?;
        self.replace(policy);
        Ok(())
    }

    /// [`Policy::authorize`] with the current policy.
    pub fn authorize(&self, subject: &Subject, action: &str, resource: &Resource<'_>) -> Decision {
        self.current.load().authorize(subject, action, resource)
    }

    /// [`Policy::require`] with the current policy.
    ///
    /// # Errors
    ///
    /// [`Denied`] when the request is not allowed.
    pub fn require(
        &self,
        subject: &Subject,
        action: &str,
        resource: &Resource<'_>,
    ) -> Result<(), Denied> {
        self.current.load().require(subject, action, resource)
    }

    /// [`Policy::require_role`] with the current policy.
    ///
    /// # Errors
    ///
    /// [`Denied`] when the subject does not hold `role`.
    pub fn require_role(&self, subject: &Subject, role: &str) -> Result<(), Denied> {
        self.current.load().require_role(subject, role)
    }

    /// [`Policy::explain`] with the current policy.
    #[must_use]
    pub fn explain(&self, subject: &Subject, action: &str, resource: &Resource<'_>) -> Explanation {
        self.current.load().explain(subject, action, resource)
    }
}

impl From<Policy> for SharedPolicy {
    fn from(policy: Policy) -> Self {
        Self::new(policy)
    }
}

impl fmt::Debug for SharedPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedPolicy")
            .field("current", &**self.current.load())
            .finish()
    }
}

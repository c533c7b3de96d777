//! Who is calling: [`Caller`], loaded from a verified access token, with
//! the two things every operation does with a caller, authorize and audit.

use opsguard::auth::{
    AuditEvent, AuditKind, ClientInfo, Principal, Resource as AuditResource, record_or_log,
};
use opsguard::rbac::{ADMIN_ROLE, Resource, Subject};

use crate::db::users::User;
use crate::domain::AppState;

/// The authenticated caller of a request: the account their access token
/// names, as it is stored now, their roles as the authorization policy sees
/// them, and where the request came from (for the audit log).
///
/// A web adapter builds it in two steps: its opsguard extractor verifies
/// the access token (`CurrentUser`: 401 without a valid one) and resolves
/// the client address (`ClientIp`), then [`Caller::load`] reads the account.
/// In this crate that is the axum extractor `Caller`; in opsconductor-actix
/// an actix-web extractor around the same call.
#[derive(Debug)]
pub struct Caller {
    user: User,
    subject: Subject,
    client: ClientInfo,
}

impl Caller {
    /// The caller whose verified access token is `principal`, calling from
    /// `client`.
    ///
    /// One query: the user's row by its primary key, with whether the token
    /// is on the access-token denylist (an indexed `EXISTS` on the same
    /// round trip). A token whose user has been deleted, or which was
    /// denied at logout, is refused with the same 401 as an invalid one.
    /// The roles come from the `users` row, never from the token: a deleted
    /// or demoted administrator loses the role at their next request, not
    /// when their token expires.
    ///
    /// # Errors
    ///
    /// 401 `AuthError` (`invalid_token`) when the token's `sub` is not a
    /// user id, names no user, or was denied; 503 or 500 when the database
    /// fails.
    pub async fn load(
        state: &AppState,
        principal: &Principal,
        client: ClientInfo,
    ) -> Result<Self, opsguard::Error> {
        // A `sub` that is not a user id is refused here (401).
        let id = principal.to_rbac_subject()?.id();
        let user = match state.find_caller(id, principal).await? {
            Some(row) if !row.denied => row.user,
            // A row here is a denied token; no row, a user who is gone
            // (whether or not their token was denied too).
            row => return Err(refuse(principal, row.is_some())),
        };
        let subject = Subject::new(user.id, [user.role.as_str()]);
        Ok(Self {
            user,
            subject,
            client,
        })
    }

    /// The caller's user id.
    #[must_use]
    pub fn id(&self) -> i64 {
        self.subject.id()
    }

    /// The caller's username.
    #[must_use]
    pub fn username(&self) -> &str {
        &self.user.username
    }

    /// The caller's account, as stored.
    #[must_use]
    pub fn user(&self) -> &User {
        &self.user
    }

    /// The caller as the authorization policy sees them.
    #[must_use]
    pub fn subject(&self) -> &Subject {
        &self.subject
    }

    /// Where the request came from.
    #[must_use]
    pub fn client(&self) -> &ClientInfo {
        &self.client
    }

    /// Require the policy to allow `action` (`"jobs:delete"`) on `resource`,
    /// which the operation built from the stored row (its id and owner),
    /// never from the request. A refusal is audited as `authz_fail`, with
    /// the object when `resource` names one.
    ///
    /// # Errors
    ///
    /// 403 `PermissionError` when the policy does not allow it.
    pub async fn require(
        &self,
        state: &AppState,
        action: &str,
        resource: &Resource<'static>,
    ) -> Result<(), opsguard::Error> {
        let Err(denied) = state
            .guard
            .policy()
            .require(&self.subject, action, resource)
        else {
            return Ok(());
        };
        let mut event = self
            .event(AuditKind::AuthzFail)
            .with_reason(denied.reason().code());
        if let Some(id) = resource.id() {
            event = event.with_resource(AuditResource::new(resource.kind(), id));
        }
        self.record(state, event).await;
        Err(denied.into())
    }

    /// Require the caller to hold the `admin` role (directly or by
    /// inheritance in the policy). A refusal is audited as `authz_fail`.
    ///
    /// # Errors
    ///
    /// 403 `PermissionError` when they do not.
    pub async fn require_admin(&self, state: &AppState) -> Result<(), opsguard::Error> {
        let Err(denied) = state.guard.policy().require_role(&self.subject, ADMIN_ROLE) else {
            return Ok(());
        };
        let event = self
            .event(AuditKind::AuthzFail)
            .with_reason(denied.reason().code());
        self.record(state, event).await;
        Err(denied.into())
    }

    /// Whose rows a list of `kind` shows: everyone's (`None`) when the
    /// policy lets the caller `action` (`"jobs:read"`) the whole collection,
    /// as it lets administrators; otherwise the caller's own (`Some(id)`),
    /// after checking that the caller may read those.
    ///
    /// # Errors
    ///
    /// 403 `PermissionError` (audited) when the caller may not even read
    /// their own.
    pub async fn list_scope(
        &self,
        state: &AppState,
        kind: &'static str,
        action: &str,
    ) -> Result<Option<i64>, opsguard::Error> {
        let everyone = Resource::new(kind);
        if state
            .guard
            .policy()
            .authorize(&self.subject, action, &everyone)
            .is_allowed()
        {
            return Ok(None);
        }
        self.require(state, action, &Resource::of_subject(kind, &self.subject))
            .await?;
        Ok(Some(self.id()))
    }

    /// An audit event of `kind` by this caller, from this request.
    #[must_use]
    pub fn event(&self, kind: AuditKind) -> AuditEvent {
        client_event(kind, &self.client)
            .with_user_id(self.id().to_string())
            .with_username(self.username())
    }

    /// Record `event` in the audit log. A failing log is logged and never
    /// fails the request.
    pub async fn record(&self, state: &AppState, event: AuditEvent) {
        record_or_log(&state.audit, &event).await;
    }
}

/// The 401 of a verified access token that no longer names anyone (its
/// user was deleted) or that was denied (its holder logged out): the same
/// answer as for any invalid token, the reason in the debug log only.
fn refuse(principal: &Principal, denied: bool) -> opsguard::Error {
    let reason = if denied {
        "token_denied"
    } else {
        "user_not_found"
    };
    tracing::debug!(
        target: "opsguard::rejection",
        reason,
        user_id = principal.user_id(),
        "access token refused"
    );
    opsguard::Error::invalid_token()
}

/// An audit event of `kind` about a request from `client`, before anyone is
/// authenticated (registration).
#[must_use]
pub fn client_event(kind: AuditKind, client: &ClientInfo) -> AuditEvent {
    let event = AuditEvent::new(kind).with_client_ip(client.ip());
    match client.request_id() {
        Some(id) => event.with_request_id(id),
        None => event,
    }
}

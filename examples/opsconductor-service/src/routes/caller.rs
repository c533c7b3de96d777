//! Who is calling: [`Caller`] and [`AdminCaller`], with the two things every
//! handler does with a caller, authorize and audit.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use opsguard::auth::{
    AuditEvent, AuditKind, ClientInfo, Principal, Resource as AuditResource, record_or_log,
};
use opsguard::axum::{ApiError, ClientIp, CurrentUser, RequestId};
use opsguard::rbac::{ADMIN_ROLE, Resource, Subject};

use crate::app::AppState;
use crate::db::users::User;

/// The authenticated caller of a request: the account their access token
/// names, as it is stored now, their roles as the authorization policy sees
/// them, and where the request came from (for the audit log).
///
/// Extracting it is opsguard-axum's [`CurrentUser`] (401 without a valid
/// access token) and [`ClientIp`], then one query: the user's row by its
/// primary key, with whether the token is on the access-token denylist (an
/// indexed `EXISTS` on the same round trip). A token whose user has
/// been deleted, or which was denied at logout, is refused with the same
/// 401 as an invalid one. The roles come from the `users` row, never from
/// the token: a deleted or demoted administrator loses the role at their
/// next request, not when their token expires.
#[derive(Debug)]
pub(crate) struct Caller {
    user: User,
    subject: Subject,
    client: ClientInfo,
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = CurrentUser::from_request_parts(parts, state).await?;
        let principal = token.principal();
        // A `sub` that is not a user id is refused here (401).
        let id = principal.to_rbac_subject()?.id();
        let user = match state.find_caller(id, principal).await? {
            Some(row) if !row.denied => row.user,
            // A row here is a denied token; no row, a user who is gone
            // (whether or not their token was denied too).
            row => return Err(refuse(principal, row.is_some()).into()),
        };
        let subject = Subject::new(user.id, [user.role.as_str()]);
        let client = ClientIp::from_request_parts(parts, state)
            .await?
            .to_client_info(RequestId::from_parts(parts).as_ref());
        Ok(Self {
            user,
            subject,
            client,
        })
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

impl Caller {
    /// The caller's user id.
    pub(crate) fn id(&self) -> i64 {
        self.subject.id()
    }

    /// The caller's username.
    pub(crate) fn username(&self) -> &str {
        &self.user.username
    }

    /// The caller's account, as stored.
    pub(crate) fn user(&self) -> &User {
        &self.user
    }

    /// The caller as the authorization policy sees them.
    pub(crate) fn subject(&self) -> &Subject {
        &self.subject
    }

    /// Where the request came from.
    pub(crate) fn client(&self) -> &ClientInfo {
        &self.client
    }

    /// Require the policy to allow `action` (`"jobs:delete"`) on `resource`,
    /// which the handler built from the stored row (its id and owner), never
    /// from the request. A refusal is 403 `PermissionError` and an
    /// `authz_fail` audit event.
    pub(crate) async fn require(
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

    /// Whose rows a list of `kind` shows: everyone's (`None`) when the
    /// policy lets the caller `action` (`"jobs:read"`) the whole collection,
    /// as it lets administrators; otherwise the caller's own, after checking
    /// that the caller may read those.
    pub(crate) async fn list_scope(
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
    pub(crate) fn event(&self, kind: AuditKind) -> AuditEvent {
        client_event(kind, &self.client)
            .with_user_id(self.id().to_string())
            .with_username(self.username())
    }

    /// Record `event` in the audit log. A failing log is logged and never
    /// fails the request.
    pub(crate) async fn record(&self, state: &AppState, event: AuditEvent) {
        record_or_log(&state.audit, &event).await;
    }
}

/// An audit event of `kind` about a request from `client`, before anyone is
/// authenticated (registration).
pub(crate) fn client_event(kind: AuditKind, client: &ClientInfo) -> AuditEvent {
    let event = AuditEvent::new(kind).with_client_ip(client.ip());
    match client.request_id() {
        Some(id) => event.with_request_id(id),
        None => event,
    }
}

/// A [`Caller`] who holds the `admin` role.
///
/// It is an extractor, so axum checks it before reading the body: a
/// non-administrator gets 403 whatever the body holds. A refusal is audited
/// as `authz_fail`.
#[derive(Debug)]
pub(crate) struct AdminCaller(pub(crate) Caller);

impl FromRequestParts<AppState> for AdminCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let caller = Caller::from_request_parts(parts, state).await?;
        if let Err(denied) = state
            .guard
            .policy()
            .require_role(&caller.subject, ADMIN_ROLE)
        {
            let event = caller
                .event(AuditKind::AuthzFail)
                .with_reason(denied.reason().code());
            caller.record(state, event).await;
            return Err(denied.into());
        }
        Ok(Self(caller))
    }
}

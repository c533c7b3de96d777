//! The answer to "may this subject do this": allow, or deny with a reason.

use std::fmt;

/// The outcome of [`Policy::authorize`](crate::Policy::authorize).
///
/// The reason of a denial is for logs and audit records only: clients get
/// the generic `403` of [`Denied`](crate::Denied).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[must_use]
#[expect(
    clippy::exhaustive_enums,
    reason = "allow or deny is complete by definition; the reasons live in the non-exhaustive DenyReason"
)]
pub enum Decision {
    /// A grant of one of the subject's roles covers the action on this
    /// resource.
    Allow,
    /// Nothing allows the request.
    Deny {
        /// Why, for logs.
        reason: DenyReason,
    },
}

impl Decision {
    /// Whether the request is allowed.
    #[must_use]
    pub const fn is_allowed(self) -> bool {
        matches!(self, Self::Allow)
    }

    /// The reason of a denial, `None` when allowed.
    #[must_use]
    pub const fn deny_reason(self) -> Option<DenyReason> {
        match self {
            Self::Allow => None,
            Self::Deny { reason } => Some(reason),
        }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Allow => f.write_str("allow"),
            Self::Deny { reason } => write!(f, "deny: {reason}"),
        }
    }
}

/// Why a request was denied.
///
/// Every path that does not end in a matching grant is a denial: an action
/// the policy does not declare, a subject without any role the policy knows,
/// a grant whose scope the resource does not meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DenyReason {
    /// The action's resource part is not the kind of the resource checked
    /// (for example `jobs:delete` on a `credentials` resource): a caller
    /// bug, refused rather than guessed at.
    KindMismatch,
    /// The action is not of the form `resource:verb`.
    MalformedAction,
    /// [`Policy::require_role`](crate::Policy::require_role): none of the
    /// subject's roles is or inherits the required role.
    MissingRole,
    /// No role of the subject grants the action in any scope.
    NotGranted,
    /// The action is granted only in the resource's group, and the subject
    /// is not a member of it (or the resource has no group).
    NotInGroup,
    /// The action is granted only on the subject's own resources, and the
    /// resource's owner is someone else (or nobody).
    NotOwner,
    /// The action is granted only on the subject's own resources or in its
    /// groups, and the resource meets neither.
    NotOwnerNorInGroup,
    /// The action's resource or verb is not declared by the policy.
    UnknownAction,
}

impl DenyReason {
    /// A stable `snake_case` code for structured logs, such as `not_owner`.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::KindMismatch => "kind_mismatch",
            Self::MalformedAction => "malformed_action",
            Self::MissingRole => "missing_role",
            Self::NotGranted => "not_granted",
            Self::NotInGroup => "not_in_group",
            Self::NotOwner => "not_owner",
            Self::NotOwnerNorInGroup => "not_owner_nor_in_group",
            Self::UnknownAction => "unknown_action",
        }
    }

    const fn message(self) -> &'static str {
        match self {
            Self::KindMismatch => "the action is for another kind of resource",
            Self::MalformedAction => "the action is not of the form resource:verb",
            Self::MissingRole => "the subject does not hold the required role",
            Self::NotGranted => "no role of the subject grants the action",
            Self::NotInGroup => "the action is granted only in the subject's groups",
            Self::NotOwner => "the action is granted only on the subject's own resources",
            Self::NotOwnerNorInGroup => {
                "the action is granted only on the subject's own resources or in its groups"
            }
            Self::UnknownAction => "the action is not declared by the policy",
        }
    }
}

impl fmt::Display for DenyReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

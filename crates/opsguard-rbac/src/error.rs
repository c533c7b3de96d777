//! Why a policy did not load, why a request was refused, and how both
//! become an [`opsguard_core::Error`].
//!
//! User-supplied names in messages are quoted with Rust's `{:?}` escaping,
//! so a name with a control character or a newline still gives a one-line
//! message.

use std::fmt;

use crate::DenyReason;

/// A policy file or document that cannot be loaded.
///
/// Each variant names what is wrong and where (role, grant, resource), so an
/// operator can fix the file from the message alone. Policies are
/// configuration, not secrets, so names appear in messages. Variants are
/// `#[non_exhaustive]`: match them with `{ .. }`.
///
/// ```
/// use opsguard_rbac::{Policy, PolicyError};
///
/// let err = Policy::from_toml(
///     r#"
///     [resources]
///     jobs = ["read"]
///     [roles.user]
///     grants = ["jobs:read:mine"]
///     "#,
/// )
/// .err();
/// assert!(matches!(err, Some(PolicyError::UnknownScope { .. })));
/// assert_eq!(
///     err.map(|e| e.to_string()).as_deref(),
///     Some(r#"role "user" grant "jobs:read:mine": unknown scope "mine" (expected any, own or group)"#)
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// A role lists the same grant twice (after normalisation, so
    /// `jobs:read` and `jobs:read:any` are the same grant).
    #[error("role {role:?} grants {grant:?} twice")]
    #[non_exhaustive]
    DuplicateGrant {
        /// The role.
        role: String,
        /// The grant as written the second time.
        grant: String,
    },
    /// A role names the same parent twice in `inherits`.
    #[error("role {role:?} inherits {inherits:?} twice")]
    #[non_exhaustive]
    DuplicateInherit {
        /// The role.
        role: String,
        /// The parent named twice.
        inherits: String,
    },
    /// A resource is declared twice (possible in formats that allow
    /// duplicate keys, such as JSON; TOML refuses them while parsing).
    #[error("resource {resource:?} is declared twice")]
    #[non_exhaustive]
    DuplicateResource {
        /// The resource.
        resource: String,
    },
    /// A role is declared twice (possible in formats that allow duplicate
    /// keys, such as JSON; TOML refuses them while parsing).
    #[error("role {role:?} is declared twice")]
    #[non_exhaustive]
    DuplicateRole {
        /// The role.
        role: String,
    },
    /// A resource lists the same verb twice.
    #[error("resource {resource:?} declares verb {verb:?} twice")]
    #[non_exhaustive]
    DuplicateVerb {
        /// The resource.
        resource: String,
        /// The verb.
        verb: String,
    },
    /// A resource declares no verbs, so nothing could ever be granted on it.
    #[error("resource {resource:?} declares no verbs")]
    #[non_exhaustive]
    EmptyResource {
        /// The resource.
        resource: String,
    },
    /// Roles inherit each other in a loop.
    #[error("role inheritance cycle: {}", CyclePath(cycle))]
    #[non_exhaustive]
    InheritanceCycle {
        /// The roles of the loop, in inheritance order, the first repeated at
        /// the end (`["a", "b", "a"]`: `a` inherits `b`, which inherits `a`).
        /// It starts at the alphabetically first role of the loop.
        cycle: Vec<String>,
    },
    /// A resource, verb or role name is empty, too long, or uses characters
    /// outside `a-z`, `0-9`, `_` and `-` (it must start with a letter).
    #[error(
        "invalid {what} name {name:?}: expected 1 to {max} characters of a-z, 0-9, _ and -, starting with a letter",
        max = crate::name::MAX_NAME_LEN
    )]
    #[non_exhaustive]
    InvalidName {
        /// `"resource"`, `"verb"` or `"role"`.
        what: &'static str,
        /// The name as written.
        name: String,
    },
    /// A grant uses `*` for the resource but not for the verb (`*:read`).
    /// Only `resource:*` and `*:*` are wildcards.
    #[error(
        "role {role:?} grant {grant:?}: a resource wildcard needs a verb wildcard (only resource:* and *:* are allowed)"
    )]
    #[non_exhaustive]
    InvalidWildcard {
        /// The role.
        role: String,
        /// The grant as written.
        grant: String,
    },
    /// A grant is not `resource:verb` or `resource:verb:scope`.
    #[error("role {role:?} grant {grant:?}: expected resource:verb or resource:verb:scope")]
    #[non_exhaustive]
    MalformedGrant {
        /// The role.
        role: String,
        /// The grant as written.
        grant: String,
    },
    /// The text is not a policy document (TOML syntax, a missing or unknown
    /// key, a value of the wrong type).
    #[error("invalid policy file: {0}")]
    Parse(ParseError),
    /// The policy exceeds a size limit (see [`Policy`](crate::Policy)).
    #[error("policy too large: more than {limit} {what}")]
    #[non_exhaustive]
    TooLarge {
        /// `"resources"`, `"actions"`, `"roles"` or `"inherits entries"` (the
        /// roles named in `inherits`, over all roles).
        what: &'static str,
        /// The limit.
        limit: usize,
    },
    /// A grant names a resource the policy does not declare.
    #[error("role {role:?} grant {grant:?}: undeclared resource {resource:?}")]
    #[non_exhaustive]
    UnknownResource {
        /// The role.
        role: String,
        /// The grant as written.
        grant: String,
        /// The resource.
        resource: String,
    },
    /// A role inherits a role the policy does not declare.
    #[error("role {role:?} inherits unknown role {inherits:?}")]
    #[non_exhaustive]
    UnknownRole {
        /// The role.
        role: String,
        /// The undeclared parent.
        inherits: String,
    },
    /// A grant's scope is not `any`, `own` or `group`.
    #[error("role {role:?} grant {grant:?}: unknown scope {scope:?} (expected any, own or group)")]
    #[non_exhaustive]
    UnknownScope {
        /// The role.
        role: String,
        /// The grant as written.
        grant: String,
        /// The scope as written.
        scope: String,
    },
    /// A grant names a verb its resource does not declare.
    #[error("role {role:?} grant {grant:?}: resource {resource:?} declares no verb {verb:?}")]
    #[non_exhaustive]
    UnknownVerb {
        /// The role.
        role: String,
        /// The grant as written.
        grant: String,
        /// The resource.
        resource: String,
        /// The verb.
        verb: String,
    },
}

/// Renders `["a", "b", "a"]` as `"a" -> "b" -> "a"`.
struct CyclePath<'a>(&'a [String]);

impl fmt::Display for CyclePath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, role) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" -> ")?;
            }
            write!(f, "{role:?}")?;
        }
        Ok(())
    }
}

/// The policy text could not be read as a policy document.
///
/// Its message names the problem and, for TOML, the line and column. The
/// message quotes the policy text (a misspelt key, say), so every character
/// that Rust's `{:?}` escapes (controls such as LF, CR and ESC, bidi
/// controls, line separators, zero-width characters) is shown as its Rust
/// escape (`\n`, `\r`, `\u{1b}`, `\u{202e}`): the message is one line of
/// visible text, and cannot forge a log line or drive a terminal.
///
/// Neither its `Debug` nor anything it keeps holds the policy text: the
/// parser's own error, which carries a copy of the whole input, is dropped
/// once the message and position are taken from it, so there is no
/// [`source`](std::error::Error::source).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    message: String,
    position: Option<(usize, usize)>,
}

impl ParseError {
    /// A parse error of a TOML document `text`.
    pub(crate) fn from_toml(err: &toml::de::Error, text: &str) -> Self {
        Self {
            message: escape(err.message().trim_end()),
            position: err.span().map(|span| line_column(text, span.start)),
        }
    }

    /// What went wrong, without the position.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The 1-based line and column (in characters) where a TOML document went
    /// wrong, when the parser knows it.
    #[must_use]
    pub fn position(&self) -> Option<(usize, usize)> {
        self.position
    }
}

/// `message` as one line of visible text: every character that
/// `char::escape_debug` escapes, except the quotes and the backslash,
/// becomes that escape.
fn escape(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    for c in message.chars() {
        match c {
            '\\' | '"' | '\'' => out.push(c),
            _ => out.extend(c.escape_debug()),
        }
    }
    out
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some((line, column)) => {
                write!(f, "line {line}, column {column}: {}", self.message)
            }
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ParseError {}

/// The 1-based line and column (counted in characters) of byte `offset`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut line = 1;
    let mut column = 1;
    for (at, c) in text.char_indices() {
        if at >= offset {
            break;
        }
        if c == '\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
    }
    (line, column)
}

/// A request the policy refused, returned by
/// [`Policy::require`](crate::Policy::require) and
/// [`Policy::require_role`](crate::Policy::require_role).
///
/// Its [`reason`](Denied::reason) and `Display` are for logs and audit
/// records. Converted into an [`opsguard_core::Error`] it becomes the generic
/// `403 permission denied`, so a client learns nothing about why (in
/// particular not whether the object exists or whose it is).
///
/// ```
/// use opsguard_core::ErrorKind;
/// use opsguard_rbac::{Policy, Resource, Subject};
///
/// let policy = Policy::opsconductor();
/// let alice = Subject::new(1, ["user"]);
/// let denied = policy
///     .require(&alice, "jobs:delete", &Resource::owned("jobs", 7, 2))
///     .err();
/// assert_eq!(
///     denied.map(|d| d.to_string()).as_deref(),
///     Some("permission denied: the action is granted only on the subject's own resources")
/// );
/// let err = opsguard_core::Error::from(denied.ok_or("allowed")?);
/// assert_eq!(err.kind(), ErrorKind::Permission);
/// assert_eq!(err.message(), "permission denied");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[error("permission denied: {reason}")]
pub struct Denied {
    reason: DenyReason,
}

impl Denied {
    pub(crate) const fn new(reason: DenyReason) -> Self {
        Self { reason }
    }

    /// Why the request was refused.
    #[must_use]
    pub const fn reason(&self) -> DenyReason {
        self.reason
    }
}

impl From<Denied> for opsguard_core::Error {
    /// `403` with the generic message; the [`Denied`] is kept as the source,
    /// for logs only.
    fn from(denied: Denied) -> Self {
        Self::permission_denied().with_source(denied)
    }
}

impl From<PolicyError> for opsguard_core::Error {
    /// A policy that does not load is a fault of the service's
    /// configuration: `500`, with the cause kept for logs only.
    fn from(err: PolicyError) -> Self {
        Self::internal(err)
    }
}

/// A token's `sub` claim that is not a user id of this service.
///
/// User ids are `i64` written in canonical decimal (`"42"`, `"-7"`); `"+42"`,
/// `"042"`, `" 42"`, `"-0"` and numbers out of range are refused so that each
/// user has exactly one spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[error("subject id is not a canonical decimal integer")]
pub struct InvalidSubjectId;

impl From<InvalidSubjectId> for opsguard_core::Error {
    /// `401 invalid or expired token`: a token whose subject is not a user
    /// of this service cannot be used.
    fn from(err: InvalidSubjectId) -> Self {
        Self::invalid_token().with_source(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_column_counts_characters_from_one() {
        let text = "ab\ncé\nx";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 1), (1, 2));
        assert_eq!(line_column(text, 3), (2, 1));
        // `é` is two bytes; `\n` after it is byte 6, column 3.
        assert_eq!(line_column(text, 6), (2, 3));
        assert_eq!(line_column(text, 7), (3, 1));
        assert_eq!(line_column(text, 100), (3, 2));
    }

    #[test]
    fn escape_shows_hidden_characters_as_rust_escapes() {
        assert_eq!(
            escape("a\nb\r\tc\u{0}\u{1b}[2J\u{7f}\u{85}"),
            r"a\nb\r\tc\0\u{1b}[2J\u{7f}\u{85}"
        );
        // Bidi controls, line and paragraph separators, zero-width characters.
        assert_eq!(
            escape("\u{202e}\u{2066}\u{200e}\u{61c}\u{2028}\u{2029}\u{200b}\u{feff}"),
            r"\u{202e}\u{2066}\u{200e}\u{61c}\u{2028}\u{2029}\u{200b}\u{feff}"
        );
        // Visible text, quotes and backslashes stay as they are.
        assert_eq!(escape(r#"`ké` "x" 'y' \z"#), r#"`ké` "x" 'y' \z"#);
    }

    #[test]
    fn cycle_path_is_quoted_and_joined() {
        let err = PolicyError::InheritanceCycle {
            cycle: vec!["a".into(), "b\n".into(), "a".into()],
        };
        assert_eq!(
            err.to_string(),
            r#"role inheritance cycle: "a" -> "b\n" -> "a""#
        );
    }
}

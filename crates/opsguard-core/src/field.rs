//! Per-field problems carried by a validation error.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

/// One problem with one input field.
///
/// `field` is a path (`username`, `target.host`, `target_ids[2]`), `code` is a
/// stable machine-readable identifier (`too_short`, `invalid_host`) that
/// clients may branch on, and `message` is for people. A message never echoes
/// a secret value.
///
/// ```
/// use opsguard_core::FieldError;
///
/// let e = FieldError::new("username", "too_short", "must be at least 3 characters");
/// assert_eq!(e.field(), "username");
/// assert_eq!(e.code(), "too_short");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldError {
    field: String,
    code: Cow<'static, str>,
    message: String,
}

impl FieldError {
    /// A problem with `field`, identified by `code` and explained by `message`.
    pub fn new(
        field: impl Into<String>,
        code: impl Into<Cow<'static, str>>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            field: field.into(),
            code: code.into(),
            message: message.into(),
        }
    }

    /// The path of the field, for example `target.host`.
    #[must_use]
    pub fn field(&self) -> &str {
        &self.field
    }

    /// The stable error code, for example `too_short`.
    #[must_use]
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The human-readable message.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The same problem under `prefix`: `host` under `target` becomes
    /// `target.host`; an index prefix such as `targets[0]` is joined the same
    /// way.
    #[must_use]
    pub fn prefixed(mut self, prefix: &str) -> Self {
        if !prefix.is_empty() {
            self.field = if self.field.is_empty() {
                prefix.to_owned()
            } else if self.field.starts_with('[') {
                format!("{prefix}{}", self.field)
            } else {
                format!("{prefix}.{}", self.field)
            };
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixed_joins_paths() {
        let e = FieldError::new("host", "invalid_host", "m");
        assert_eq!(e.clone().prefixed("target").field(), "target.host");
        assert_eq!(e.clone().prefixed("").field(), "host");
        let idx = FieldError::new("[2]", "c", "m").prefixed("target_ids");
        assert_eq!(idx.field(), "target_ids[2]");
        let empty = FieldError::new("", "c", "m").prefixed("body");
        assert_eq!(empty.field(), "body");
    }
}

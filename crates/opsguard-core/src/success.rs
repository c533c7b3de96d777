//! The success envelope: `{"success":true,"message":...,"data":...}`.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

/// The body of every successful JSON answer of opsguard's handlers and of the
/// reference service.
///
/// `data` is always present on the wire (`null` when there is nothing to
/// return), so clients can read one shape.
///
/// ```
/// use opsguard_core::Success;
/// use serde_json::json;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let body = Success::new("job created", json!({"id": 7}));
/// assert_eq!(
///     serde_json::to_string(&body)?,
///     r#"{"success":true,"message":"job created","data":{"id":7}}"#
/// );
/// let empty = Success::without_data("job deleted");
/// assert_eq!(
///     serde_json::to_string(&empty)?,
///     r#"{"success":true,"message":"job deleted","data":null}"#
/// );
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Success<T = serde_json::Value> {
    #[serde(with = "always_true")]
    success: (),
    message: Cow<'static, str>,
    data: Option<T>,
}

impl<T> Success<T> {
    /// A success answer carrying `data`.
    pub fn new(message: impl Into<Cow<'static, str>>, data: T) -> Self {
        Self {
            success: (),
            message: message.into(),
            data: Some(data),
        }
    }

    /// What happened, for people.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The payload, if any.
    #[must_use]
    pub fn data(&self) -> Option<&T> {
        self.data.as_ref()
    }

    /// The payload, if any, by value.
    #[must_use]
    pub fn into_data(self) -> Option<T> {
        self.data
    }
}

impl Success<serde_json::Value> {
    /// A success answer with `"data": null`.
    pub fn without_data(message: impl Into<Cow<'static, str>>) -> Self {
        Self {
            success: (),
            message: message.into(),
            data: None,
        }
    }
}

/// `"success": true` on the wire; anything else is refused when parsing.
mod always_true {
    use serde::de::{Error as _, Unexpected};
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(_: &(), s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bool(true)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<(), D::Error> {
        if bool::deserialize(d)? {
            Ok(())
        } else {
            Err(D::Error::invalid_value(Unexpected::Bool(false), &"true"))
        }
    }
}

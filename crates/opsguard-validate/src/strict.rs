//! serde helpers for strict request types.

use serde::{Deserialize, Deserializer};

/// Deserialize an optional field that may be absent but not `null`.
///
/// serde reads `null` into an `Option` field as `None`, the same as an
/// absent member. For a field with a server-side default (a target's port)
/// or a privilege flag, a client that sends `null` has made a mistake, and
/// guessing what it meant is how type confusion starts (case WEB-03). Use it
/// together with `default`:
///
/// ```
/// use opsguard_validate::{Port, non_null};
/// use serde::Deserialize;
///
/// #[derive(Deserialize)]
/// #[serde(deny_unknown_fields)]
/// struct Body {
///     #[serde(default, deserialize_with = "non_null")]
///     port: Option<Port>,
/// }
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// assert_eq!(serde_json::from_str::<Body>("{}")?.port, None);
/// assert_eq!(serde_json::from_str::<Body>(r#"{"port":22}"#)?.port, Port::new(22));
/// assert!(serde_json::from_str::<Body>(r#"{"port":null}"#).is_err());
/// # Ok(())
/// # }
/// ```
///
/// # Errors
///
/// The deserializer's error for `null` or for a value `T` refuses.
pub fn non_null<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

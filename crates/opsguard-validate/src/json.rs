//! Request bodies: size limit, strict JSON, field paths, then validation.

use serde::de::{DeserializeOwned, IgnoredAny};
use serde_path_to_error::{Path, Segment};
use validator::{Validate, ValidateArgs};

use opsguard_core::FieldError;

use crate::{report, validate};

/// A body limit for request types like the ones in [`types`](crate::types):
/// 64 KiB, far above any honest request of that kind.
pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024;

/// The longest field path echoed in an error; longer ones (a client can name
/// an unknown field anything) are cut at a character boundary and end with
/// `…`.
const MAX_PATH_ECHO: usize = 128;

/// Parse a JSON request body into `T` and validate it: the one call a web
/// adapter makes for a body.
///
/// 1. A body longer than `max_len` bytes is refused unread with a 413
///    ([`ErrorKind::PayloadTooLarge`](opsguard_core::ErrorKind::PayloadTooLarge)).
/// 2. The body is parsed with `serde_json` into `T`. Declare `T` with
///    `#[serde(deny_unknown_fields)]` and strict field types (see the
///    crate's "Request limits" section): a string is then never a boolean or
///    a number, and an unknown member such as `is_admin` is an error, not
///    silently dropped. The first problem becomes a 422 with one field error
///    whose path is known to `serde_path_to_error`:
///
///    | code | when | example field |
///    |---|---|---|
///    | `invalid_json` | not JSON at all (syntax, truncation, trailing data) | `""` (the body) |
///    | `invalid_type` | valid JSON of the wrong type (`"22"` for a number) | `port` |
///    | `invalid_value` | right type, refused value (an unknown enum variant, `0` for a [`Port`](crate::Port)) | `platform` |
///    | `unknown_field` | a member the type does not have | `is_admin` |
///    | `missing_field` | a required member is absent | `target.host` |
///    | `duplicate_field` | a member appears twice | `username` |
///
///    Messages state what was expected (`expected a boolean`) and never
///    quote the rejected value. serde stops at the first problem, so these
///    errors name one field.
/// 3. `T::validate()` runs; every failing field is reported at once, as
///    [`field_errors`](crate::field_errors) describes.
///
/// ```
/// use opsguard_core::ErrorKind;
/// use opsguard_validate::{from_json_slice, types::RegisterUser};
///
/// let body = br#"{"username":"alice","email":"alice@example.com","password":"Tr0ub4dor&3","is_admin":true}"#;
/// let err = from_json_slice::<RegisterUser>(body, 4096).err();
/// let err = err.as_ref().and_then(|e| e.fields().first());
/// assert_eq!(err.map(|f| (f.field(), f.code())), Some(("is_admin", "unknown_field")));
///
/// let too_big = from_json_slice::<RegisterUser>(&[b' '; 5000], 4096).err();
/// assert_eq!(too_big.map(|e| e.kind()), Some(ErrorKind::PayloadTooLarge));
/// ```
///
/// # Errors
///
/// A 413 for an oversized body, else a 422 as above.
pub fn from_json_slice<T>(bytes: &[u8], max_len: usize) -> Result<T, opsguard_core::Error>
where
    T: DeserializeOwned + Validate,
{
    let value = deserialize_json::<T>(bytes, max_len)?;
    validate(&value)?;
    Ok(value)
}

/// [`from_json_slice`] for a type validated with an argument
/// (`ValidateArgs`), such as a password policy.
///
/// # Errors
///
/// As [`from_json_slice`].
pub fn from_json_slice_with_args<'a, T>(
    bytes: &[u8],
    max_len: usize,
    args: T::Args,
) -> Result<T, opsguard_core::Error>
where
    T: DeserializeOwned + ValidateArgs<'a>,
{
    let value = deserialize_json::<T>(bytes, max_len)?;
    value
        .validate_with_args(args)
        .map_err(|errors| report(&errors))?;
    Ok(value)
}

/// Steps 1 and 2 of [`from_json_slice`] without validation, for bodies whose
/// type has no rules beyond its serde shape.
///
/// # Errors
///
/// A 413 for an oversized body, else a 422 for the first JSON problem.
pub fn deserialize_json<T: DeserializeOwned>(
    bytes: &[u8],
    max_len: usize,
) -> Result<T, opsguard_core::Error> {
    if bytes.len() > max_len {
        return Err(opsguard_core::Error::payload_too_large());
    }
    // Most bodies are fine: parse them without tracking paths, and parse a
    // refused body a second time (it is at most `max_len` bytes) to learn
    // where the problem is. Both runs use the same deserializer, so they
    // fail at the same place.
    match serde_json::from_slice::<T>(bytes) {
        Ok(value) => Ok(value),
        Err(_) => Err(opsguard_core::Error::validation(vec![locate_error::<T>(
            bytes,
        )])),
    }
}

/// The field error of a body `serde_json` refused, with its path.
fn locate_error<T: DeserializeOwned>(bytes: &[u8]) -> FieldError {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Err(err) => json_field_error(bytes, &err),
        Ok(_) => match de.end() {
            Err(err) => FieldError::new("", "invalid_json", syntax_message(&err)),
            // Not reached: the first run refused these bytes.
            Ok(()) => FieldError::new("", "invalid_json", "malformed JSON"),
        },
    }
}

fn json_field_error(
    bytes: &[u8],
    err: &serde_path_to_error::Error<serde_json::Error>,
) -> FieldError {
    let inner = err.inner();
    let path = err.path();
    if inner.is_syntax() || inner.is_eof() || inner.is_io() {
        // serde_json reports some type mismatches as syntax errors (an array
        // where an enum is expected, an array with more elements than a
        // struct has fields); if the body is valid JSON, say so. Its
        // recursion limit is a syntax error too, which `IgnoredAny` (parsed
        // without the limit) would not see.
        let too_deep = inner.to_string().starts_with("recursion limit exceeded");
        if !too_deep && serde_json::from_slice::<IgnoredAny>(bytes).is_ok() {
            return FieldError::new(render(path, None), "invalid_type", "wrong JSON type");
        }
        return FieldError::new(render(path, None), "invalid_json", syntax_message(inner));
    }
    let text = inner.to_string();
    let text = strip_position(&text, inner);
    if let Some(rest) = text.strip_prefix("invalid type: ") {
        let message = expected(rest).map_or_else(
            || "wrong JSON type".to_owned(),
            |exp| format!("wrong JSON type, expected {exp}"),
        );
        return FieldError::new(render(path, None), "invalid_type", message);
    }
    if let Some(rest) = text
        .strip_prefix("invalid value: ")
        .or_else(|| text.strip_prefix("invalid length "))
        .or_else(|| text.strip_prefix("unknown variant "))
    {
        let message = expected(rest).map_or_else(
            || "invalid value".to_owned(),
            |exp| format!("invalid value, expected {exp}"),
        );
        return FieldError::new(render(path, None), "invalid_value", message);
    }
    if text.starts_with("unknown field ") {
        // `serde_path_to_error` already ends the path with the unknown key.
        return FieldError::new(render(path, None), "unknown_field", "unknown field");
    }
    if let Some(rest) = text.strip_prefix("missing field ") {
        return FieldError::new(render(path, quoted(rest)), "missing_field", "missing field");
    }
    if let Some(rest) = text.strip_prefix("duplicate field ") {
        return FieldError::new(
            render(path, quoted(rest)),
            "duplicate_field",
            "field given more than once",
        );
    }
    FieldError::new(render(path, None), "invalid_value", "invalid value")
}

fn syntax_message(err: &serde_json::Error) -> String {
    format!(
        "malformed JSON at line {} column {}",
        err.line(),
        err.column()
    )
}

/// serde_json's message without its ` at line L column C` suffix.
fn strip_position<'a>(text: &'a str, err: &serde_json::Error) -> &'a str {
    let suffix = format!(" at line {} column {}", err.line(), err.column());
    text.strip_suffix(suffix.as_str()).unwrap_or(text)
}

/// The `expected …` part of a serde message. serde writes the rejected value
/// first and what was expected last (`string "x", expected a boolean`), and
/// the expectation comes from the type, never from input, so the last
/// `, expected ` separates them even when the value contains that text.
fn expected(rest: &str) -> Option<&str> {
    rest.rsplit_once(", expected ").map(|(_, exp)| exp)
}

/// The name between the first pair of backquotes: serde's missing and
/// duplicate field messages quote the field name, which comes from the
/// type's declaration.
fn quoted(rest: &str) -> Option<&str> {
    rest.strip_prefix('`')?
        .split_once('`')
        .map(|(name, _)| name)
}

fn render(path: &Path, last: Option<&str>) -> String {
    let mut out = String::new();
    let push_name = |out: &mut String, name: &str| {
        if !out.is_empty() {
            out.push('.');
        }
        out.push_str(name);
    };
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => {
                out.push('[');
                out.push_str(&index.to_string());
                out.push(']');
            }
            Segment::Map { key } => push_name(&mut out, key),
            Segment::Enum { variant } => push_name(&mut out, variant),
            // A key that could not be read (the body ended inside an
            // object): the path stops at the object.
            Segment::Unknown => {}
        }
    }
    if let Some(name) = last {
        push_name(&mut out, name);
    }
    cap(out)
}

fn cap(mut path: String) -> String {
    if path.len() > MAX_PATH_ECHO {
        path.truncate(path.floor_char_boundary(MAX_PATH_ECHO));
        path.push('…');
    }
    path
}

//! Request bodies: size limit, strict JSON, field paths, then validation.

use std::fmt::Write as _;

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
///    | `invalid_json` | not JSON text (syntax, truncation, trailing data, invalid UTF-8, a lone surrogate escape such as `"\ud800"`) | `""` (the body) |
///    | `invalid_type` | valid JSON of the wrong type (`"22"` for a number) | `port` |
///    | `invalid_value` | right type, refused value (an unknown enum variant, `0` for a [`Port`](crate::Port), a number no type can hold such as `1e400`) | `platform` |
///    | `unknown_field` | a member the type does not have | `is_admin` |
///    | `missing_field` | a required member is absent | `target.host` |
///    | `duplicate_field` | a member appears twice | `username` |
///
///    Messages state what was expected (`expected a boolean`) and never
///    quote the rejected value. serde stops at the first problem, so these
///    errors name one field. A member name in the path that is not plain
///    printable ASCII (an unknown key a client chose, with a control, a
///    bidirectional override, a space, or one of `.[]"\`) is written as
///    `["…"]`, a JSON string in ASCII (`\u202e`), so it can neither forge a
///    nested path nor put invisible characters into a log; paths longer
///    than 128 bytes are cut and end with `…`.
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
        let text = inner.to_string();
        // JSON allows any number of digits and any exponent; serde_json
        // refuses a number no type here can hold (`1e400`).
        if text.starts_with("number out of range") {
            return FieldError::new(render(path, None), "invalid_value", "number out of range");
        }
        // serde_json reports some type mismatches as syntax errors (an array
        // where an enum is expected, an array with more elements than a
        // struct has fields); if the body is valid JSON, say so. Its
        // recursion limit is a syntax error too.
        let too_deep = text.starts_with("recursion limit exceeded");
        if !too_deep && is_json_text(bytes) {
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

/// Whether `bytes` is one JSON text, strings included: valid UTF-8 and no
/// lone surrogate escape (`"\ud800"`), which skipping a value with
/// `IgnoredAny` does not check.
fn is_json_text(bytes: &[u8]) -> bool {
    match serde_json::from_slice::<serde_json::Value>(bytes) {
        Ok(_) => true,
        // A body nested deeper than the recursion limit after the point of
        // the first error: judge its syntax without building it.
        Err(err) if err.to_string().starts_with("recursion limit exceeded") => {
            std::str::from_utf8(bytes).is_ok()
                && serde_json::from_slice::<IgnoredAny>(bytes).is_ok()
        }
        Err(_) => false,
    }
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

/// `path` as a field name: `target.port`, `hosts[2]`, `["a b"]` (see
/// [`push_key`]), then `last`, cut at 128 bytes. Also the field of a
/// refused query parameter.
pub(crate) fn render(path: &Path, last: Option<&str>) -> String {
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => {
                out.push('[');
                out.push_str(&index.to_string());
                out.push(']');
            }
            Segment::Map { key } => push_key(&mut out, key),
            Segment::Enum { variant } => push_key(&mut out, variant),
            // A key that could not be read (the body ended inside an
            // object): the path stops at the object.
            Segment::Unknown => {}
        }
    }
    if let Some(name) = last {
        push_key(&mut out, name);
    }
    cap(out)
}

/// Append a member name to a path: `.name` (no dot at the start) when the
/// name is plain, else `["…"]`, the name as a JSON string in ASCII.
///
/// A plain name is non-empty printable ASCII without a space, `.`, `[`,
/// `]`, `"` or `\`, as every declared field name is. Any other name comes
/// from the client (an unknown member), and echoing it raw would let it
/// forge a path (`host.evil[0]` reads as a nested field) or put controls,
/// bidirectional overrides or invisible characters into logs and
/// terminals. In the quoted form `"` and `\` are escaped with a backslash
/// and every other character outside printable ASCII (space included) as
/// `\uXXXX`, as JSON writes it (UTF-16 pairs above U+FFFF), so it reads
/// back to the exact name with any JSON parser.
fn push_key(out: &mut String, key: &str) {
    let plain = !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_graphic() && !matches!(b, b'.' | b'[' | b']' | b'"' | b'\\'));
    if plain {
        if !out.is_empty() {
            out.push('.');
        }
        out.push_str(key);
        return;
    }
    out.push_str("[\"");
    for c in key.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '!'..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    // Writing to a `String` cannot fail.
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push_str("\"]");
}

fn cap(mut path: String) -> String {
    if path.len() > MAX_PATH_ECHO {
        path.truncate(path.floor_char_boundary(MAX_PATH_ECHO));
        path.push('…');
    }
    path
}

//! `validator`'s errors as one opsguard validation error listing every
//! field.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt::Write as _;

use opsguard_core::FieldError;
use serde_json::Value;
use validator::{Validate, ValidationError, ValidationErrors, ValidationErrorsKind};

/// Validate `value` and turn any failure into a 422 [`opsguard_core::Error`]
/// listing every field problem (see [`field_errors`] for paths and order).
///
/// ```
/// use opsguard_validate::types::TargetCreate;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let target: TargetCreate = serde_json::from_str(
///     r#"{"name":"","host":"010.0.0.1","platform":"linux","credential_id":1}"#,
/// )?;
/// let err = opsguard_validate::validate(&target).err().ok_or("accepted")?;
/// let fields: Vec<_> = err.fields().iter().map(|f| (f.field(), f.code())).collect();
/// assert_eq!(fields, [("host", "invalid_host"), ("name", "invalid_name")]);
/// # Ok(())
/// # }
/// ```
///
/// # Errors
///
/// An [`ErrorKind::Validation`](opsguard_core::ErrorKind::Validation) error
/// when `value` breaks a rule.
pub fn validate<T: Validate + ?Sized>(value: &T) -> Result<(), opsguard_core::Error> {
    value.validate().map_err(|errors| report(&errors))
}

/// The 422 [`opsguard_core::Error`] for `errors`.
#[must_use]
pub fn report(errors: &ValidationErrors) -> opsguard_core::Error {
    opsguard_core::Error::validation(field_errors(errors))
}

/// Every error in `errors` as a [`FieldError`], nested structs and lists
/// included.
///
/// * **Paths**: struct fields joined by `.`, list items as `[i]`:
///   `target.host`, `targets[0].port`, `steps[2].command`. A struct-level
///   (`#[validate(schema(...))]`) error takes the path of its struct, which
///   is the empty string at the top.
/// * **Order**: `validator` collects errors in a `HashMap`, so declaration
///   order is lost. Fields are sorted by path, segment by segment: names in
///   byte order, list indexes by number (`targets[2]` before `targets[10]`),
///   a struct's own errors before its fields'. Several errors of one field
///   keep the order the checks ran in. The same input always gives the
///   same list.
/// * **Messages**: the message the validator set (every validator of this
///   crate sets one that states the rule); for `validator`'s built-in checks,
///   which set none, a fixed text for the code, with the `min`/`max` bounds
///   where the check has them. The `value` that `validator` keeps in
///   `params` is never used, so a rejected value is never echoed.
#[must_use]
pub fn field_errors(errors: &ValidationErrors) -> Vec<FieldError> {
    let mut found = Vec::new();
    collect(errors, &mut Vec::new(), &mut found);
    found.sort_by(|a, b| compare_paths(&a.0, &b.0));
    found
        .into_iter()
        .map(|(path, err)| FieldError::new(render(&path), err.code.clone(), message(err)))
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Segment<'a> {
    Name(&'a str),
    Index(usize),
}

type Found<'a> = (Vec<Segment<'a>>, &'a ValidationError);

fn collect<'a>(
    errors: &'a ValidationErrors,
    path: &mut Vec<Segment<'a>>,
    out: &mut Vec<Found<'a>>,
) {
    for (key, kind) in errors.errors() {
        // `__all__` holds struct-level errors; `_tmp_validator` wraps a list
        // validated on its own. Neither is a field name.
        let named = !matches!(key.as_ref(), "__all__" | "_tmp_validator");
        if named {
            path.push(Segment::Name(key));
        }
        match kind {
            ValidationErrorsKind::Field(list) => {
                out.extend(list.iter().map(|err| (path.clone(), err)));
            }
            ValidationErrorsKind::Struct(inner) => collect(inner, path, out),
            ValidationErrorsKind::List(items) => {
                for (index, inner) in items {
                    path.push(Segment::Index(*index));
                    collect(inner, path, out);
                    path.pop();
                }
            }
        }
        if named {
            path.pop();
        }
    }
}

fn compare_paths(a: &[Segment<'_>], b: &[Segment<'_>]) -> Ordering {
    // Lexicographic over segments; a prefix (the struct itself) comes first.
    a.cmp(b)
}

fn render(path: &[Segment<'_>]) -> String {
    let mut out = String::new();
    for segment in path {
        match segment {
            Segment::Name(name) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(name);
            }
            Segment::Index(i) => {
                let _ = write!(out, "[{i}]");
            }
        }
    }
    out
}

fn message(err: &ValidationError) -> String {
    if let Some(message) = &err.message {
        return message.to_string();
    }
    let bound = |name: &str| err.params.get(name).and_then(number);
    let text: Cow<'static, str> = match err.code.as_ref() {
        "length" => match (bound("equal"), bound("min"), bound("max")) {
            (Some(n), _, _) => format!("length must be exactly {n}").into(),
            (None, Some(min), Some(max)) => format!("length must be {min} to {max}").into(),
            (None, Some(min), None) => format!("length must be at least {min}").into(),
            (None, None, Some(max)) => format!("length must be at most {max}").into(),
            (None, None, None) => "has the wrong length".into(),
        },
        "range" => match (bound("min"), bound("max")) {
            (Some(min), Some(max)) => format!("must be {min} to {max}").into(),
            (Some(min), None) => format!("must be at least {min}").into(),
            (None, Some(max)) => format!("must be at most {max}").into(),
            (None, None) => "is out of range".into(),
        },
        "email" => "must be an email address".into(),
        "url" => "must be a URL".into(),
        "ip" => "must be an IP address".into(),
        "required" => "is required".into(),
        "must_match" => "must match the other field".into(),
        "non_control_character" => "must not contain control characters".into(),
        "regex" => "has an invalid format".into(),
        _ => "is invalid".into(),
    };
    text.into_owned()
}

/// A bound from `params` as text, only when it is a number (never a string
/// that could carry input).
fn number(value: &Value) -> Option<String> {
    match value {
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

//! Path parameters whose refusals name the parameter: [`Path`].

use std::future::{Ready, ready};
use std::ops::Range;

use actix_router::{PathDeserializer, Quoter, Url};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use opsguard_core::Error;
use serde::de::DeserializeOwned;
use serde_path_to_error::Segment;

use crate::ApiError;

/// The route's path parameters deserialized into `T`, with refusals in the
/// JSON error envelope.
///
/// actix-web's own `web::Path` answers a parameter that does not parse with
/// a plain-text 404. This one answers, as opsguard-axum's `Path` does, a
/// 422 whose field error names the parameter, with code `invalid_value`
/// and without repeating the value: `/jobs/abc` and
/// `/jobs/18446744073709551616` on `Path<i64>` are both
/// `{"field":"id","code":"invalid_value",...}`.
///
/// A parameter whose percent-decoded bytes are not UTF-8 (`%FF`, a lone
/// `%C3`) is refused the same way, naming the first such parameter of the
/// route, as axum's router does. (actix-web's router decodes the path
/// lossily, so the handler would otherwise see U+FFFD in place of the
/// bytes, and `%FF` and `%FE` would be the same name.)
///
/// A route and a `T` that do not fit together (a tuple longer than the
/// route's parameters, `Path<i64>` on a route with none or two, an
/// `Option`) is a programming error, answered with a 500 and logged, as
/// opsguard-axum answers it.
///
/// ```
/// use actix_web::{App, web};
/// use opsguard_actix::Path;
///
/// async fn job(Path(id): Path<i64>) -> String {
///     format!("job {id}")
/// }
/// let app = App::new().route("/jobs/{id}", web::get().to(job));
/// # drop(app);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Path<T>(pub T);

impl<T: DeserializeOwned> FromRequest for Path<T> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        ready(path_value(req))
    }
}

fn path_value<T: DeserializeOwned>(req: &HttpRequest) -> Result<Path<T>, ApiError> {
    let params = req.match_info();
    if let Some(name) = first_not_utf8(params) {
        return Err(opsguard_validate::invalid_path_param(Some(name)).into());
    }
    match serde_path_to_error::deserialize(PathDeserializer::new(params)) {
        Ok(value) => Ok(Path(value)),
        Err(err) => {
            let message = err.inner().to_string();
            if is_type_mismatch(&message) {
                return Err(Error::internal(format!(
                    "Path<T> does not fit the route {:?}: {message}",
                    req.match_pattern().unwrap_or_default()
                ))
                .into());
            }
            let names: Vec<&str> = params.iter().map(|(name, _)| name).collect();
            let name = match err.path().iter().next_back() {
                Some(Segment::Map { key }) => Some(key.clone()),
                Some(Segment::Seq { index }) => names.get(*index).map(|&name| name.to_owned()),
                // A single value (`Path<i64>`): the parameter is known when
                // the route has only one.
                _ => match names.as_slice() {
                    [only] => Some((*only).to_owned()),
                    _ => None,
                },
            };
            Err(opsguard_validate::invalid_path_param(name.as_deref()).into())
        }
    }
}

/// Whether actix-router's deserializer refused `T` itself rather than a
/// value: the messages of its shape errors (a parameter count that does not
/// fit, a type a path cannot hold), which axum reports as
/// `WrongNumberOfParameters` and `UnsupportedType`.
fn is_type_mismatch(message: &str) -> bool {
    [
        "wrong number of parameters",
        "unsupported type",
        "expected at least one parameter",
    ]
    .iter()
    .any(|prefix| message.starts_with(prefix))
}

/// The name of the first parameter, in the route's order, whose
/// percent-decoded bytes are not UTF-8.
///
/// actix-web's router matches `Url::path()`: the request path with every
/// escape but `%25`, `%2F` and `%2B` decoded, then made UTF-8 by replacing
/// each invalid sequence with U+FFFD. The parameters are slices of that
/// text, so a U+FFFD inside one is either sent by the client (encoded as
/// `%EF%BF%BD`) or a replacement; decoding the raw path again the same way
/// tells which. Should the decoding not reproduce the router's text, any
/// U+FFFD counts as a replacement (refusing is the safe side).
fn first_not_utf8(params: &actix_router::Path<Url>) -> Option<&str> {
    if !params.iter().any(|(_, value)| value.contains('\u{FFFD}')) {
        return None;
    }
    let lossy = params.as_str();
    let raw = params.get_ref().uri().path().as_bytes();
    let decoded = Quoter::new(b"", b"%/+").requote(raw);
    let decoded = decoded.as_deref().unwrap_or(raw);
    let replacements = replacement_offsets(decoded);
    let reproduced = String::from_utf8_lossy(decoded) == lossy;
    params
        .iter()
        .find(|(_, value)| {
            if !reproduced {
                return value.contains('\u{FFFD}');
            }
            range_in(lossy, value)
                .is_some_and(|range| replacements.iter().any(|offset| range.contains(offset)))
        })
        .map(|(name, _)| name)
}

/// The byte offsets, in `String::from_utf8_lossy(bytes)`, of the U+FFFD
/// characters that replaced invalid sequences of `bytes`.
fn replacement_offsets(bytes: &[u8]) -> Vec<usize> {
    let mut offsets = Vec::new();
    let mut at = 0;
    for chunk in bytes.utf8_chunks() {
        at += chunk.valid().len();
        if !chunk.invalid().is_empty() {
            offsets.push(at);
            at += char::REPLACEMENT_CHARACTER.len_utf8();
        }
    }
    offsets
}

/// Where `inner`, a slice of `outer`, lies in it; `None` for a string held
/// elsewhere (a parameter the app added itself).
fn range_in(outer: &str, inner: &str) -> Option<Range<usize>> {
    let start = inner.as_ptr().addr().checked_sub(outer.as_ptr().addr())?;
    let end = start.checked_add(inner.len())?;
    (end <= outer.len()).then_some(start..end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replacements_are_found_where_from_utf8_lossy_puts_them() {
        // Without a U+FFFD of their own, every U+FFFD of the lossy text is
        // a replacement.
        for bytes in [
            b"a\xffb".as_slice(),
            b"\xff\xfe",
            b"\xc3",
            b"\xe2\x80",
            b"x\xed\xa0\x80y",
            b"\xc0\xaf/\xf5",
            b"plain",
        ] {
            let lossy = String::from_utf8_lossy(bytes);
            let all: Vec<usize> = lossy.match_indices('\u{FFFD}').map(|(at, _)| at).collect();
            assert_eq!(replacement_offsets(bytes), all, "{bytes:?}");
        }
        // One sent as text is not a replacement.
        assert_eq!(
            replacement_offsets("\u{FFFD}".as_bytes()),
            Vec::<usize>::new()
        );
        assert_eq!(replacement_offsets(b"\xef\xbf\xbd\xff"), vec![3]);
        assert_eq!(replacement_offsets(b"a\xff\xfeb\xff"), vec![1, 4, 8]);
    }

    #[test]
    fn range_in_finds_subslices_only() {
        let outer = String::from("/files/alice/report");
        assert_eq!(range_in(&outer, &outer[7..12]), Some(7..12));
        assert_eq!(range_in(&outer, &outer[19..]), Some(19..19));
        assert_eq!(range_in(&outer, "alice"), None);
    }
}

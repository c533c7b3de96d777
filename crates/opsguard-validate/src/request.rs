//! The parts of an HTTP request every web adapter checks the same way:
//! the JSON content type, query strings, path parameters and unreadable
//! bodies. Framework-free, so opsguard-axum and opsguard-actix refuse alike.

use opsguard_core::Error;
use serde::de::DeserializeOwned;

/// Require a JSON body: exactly one `content-type` value (all of them are
/// given, in order), whose media type is `application/json` or
/// `application/<anything>+json`, parameters such as `charset` allowed.
///
/// Requiring it keeps cross-site form posts (`text/plain` and form types
/// are "simple" requests that browsers send without a CORS preflight) from
/// reaching a JSON handler.
///
/// ```
/// use opsguard_validate::require_json_content_type;
///
/// assert!(require_json_content_type(["application/json; charset=utf-8"]).is_ok());
/// let refused = require_json_content_type(["text/plain"]).unwrap_err();
/// assert_eq!(refused.fields()[0].code(), "invalid_content_type");
/// ```
///
/// # Errors
///
/// 422 with one field error, code `invalid_content_type`, for a missing,
/// repeated or non-JSON content type.
pub fn require_json_content_type<I>(values: I) -> Result<(), Error>
where
    I: IntoIterator,
    I::Item: AsRef<[u8]>,
{
    let mut values = values.into_iter();
    let is_json = match (values.next(), values.next()) {
        (Some(value), None) => std::str::from_utf8(value.as_ref())
            .ok()
            .and_then(|text| text.parse::<mime::Mime>().ok())
            .is_some_and(|mime| {
                mime.type_() == mime::APPLICATION
                    && (mime.subtype() == mime::JSON || mime.suffix() == Some(mime::JSON))
            }),
        _ => false,
    };
    if is_json {
        return Ok(());
    }
    tracing::debug!(
        target: "opsguard::rejection",
        reason = "content_type_not_json",
        "request body refused"
    );
    Err(Error::invalid_field(
        "",
        "invalid_content_type",
        "expected content-type application/json",
    ))
}

/// The 422 for a request body that could not be read (the connection
/// broke, a chunk was malformed): field `""`, code `unreadable_body`.
#[must_use]
pub fn unreadable_body() -> Error {
    Error::invalid_field("", "unreadable_body", "the request body could not be read")
}

/// Deserialize the query string `query` (without the `?`) into `T`.
///
/// ```
/// use opsguard_validate::deserialize_query;
/// use serde::Deserialize;
///
/// #[derive(Deserialize)]
/// struct Page {
///     limit: u32,
/// }
///
/// assert_eq!(deserialize_query::<Page>("limit=20").unwrap().limit, 20);
/// let refused = deserialize_query::<Page>("limit=many").err().unwrap();
/// assert_eq!(refused.fields()[0].field(), "limit");
/// assert_eq!(refused.fields()[0].code(), "invalid_query");
/// ```
///
/// The parameter's name is the client's choice, so it is echoed as an
/// unknown JSON member is by [`deserialize_json`](crate::deserialize_json):
/// as is when it is plain printable ASCII (`owner_id`), else as `["…"]`, a
/// JSON string in ASCII (`?a.b=1` is `["a.b"]`, a line break `\u000a`), so
/// it can neither pose as a nested field nor carry controls, terminal
/// escapes or bidirectional overrides into logs and screens.
///
/// # Errors
///
/// 422 with one field error, code `invalid_query`, naming the parameter
/// (at most 128 bytes of its name) but never its value.
pub fn deserialize_query<T: DeserializeOwned>(query: &str) -> Result<T, Error> {
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|err| query_error(err.path()))
}

fn query_error(path: &serde_path_to_error::Path) -> Error {
    let field = crate::json::render(path, None);
    tracing::debug!(
        target: "opsguard::rejection",
        reason = "query_invalid",
        "query string refused"
    );
    Error::invalid_field(field, "invalid_query", "invalid query parameter")
}

/// The 422 for a path parameter that does not parse as its type: field
/// `name` (`""` when the adapter cannot tell which), code `invalid_value`;
/// the value is never echoed.
#[must_use]
pub fn invalid_path_param(name: Option<&str>) -> Error {
    tracing::debug!(
        target: "opsguard::rejection",
        reason = "path_param_invalid",
        param = name.unwrap_or(""),
        "path parameter refused"
    );
    Error::invalid_field(
        name.unwrap_or_default().to_owned(),
        "invalid_value",
        "invalid path parameter",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_media_types_are_accepted() {
        for value in [
            "application/json",
            "application/json; charset=utf-8",
            "Application/JSON",
            "application/problem+json",
        ] {
            assert!(require_json_content_type([value]).is_ok(), "{value}");
        }
    }

    #[test]
    fn other_media_types_are_refused() {
        for value in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "text/json",
            "application/jsonx",
            "application/json-seq",
            "json",
            "",
        ] {
            let err = require_json_content_type([value]).err();
            let code = err
                .as_ref()
                .and_then(|e| e.fields().first())
                .map(|f| f.code());
            assert_eq!(code, Some("invalid_content_type"), "{value}");
        }
        assert!(require_json_content_type::<[&str; 0]>([]).is_err());
        assert!(require_json_content_type(["application/json", "application/json"]).is_err());
        assert!(require_json_content_type([b"application/json\xff".as_slice()]).is_err());
    }

    #[test]
    fn long_query_names_are_cut() {
        #[derive(Debug, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Page {
            limit: u32,
        }
        for name in ["é".repeat(200), "x".repeat(1000)] {
            let err = deserialize_query::<Page>(&format!("{name}=1")).unwrap_err();
            let field = err.fields()[0].field();
            assert!(field.len() <= 128 + '…'.len_utf8(), "{}", field.len());
            assert!(field.ends_with('…'));
        }
        let empty = deserialize_query::<Page>("").unwrap_err();
        assert_eq!(empty.fields()[0].field(), "");
    }

    #[test]
    fn query_names_that_are_not_plain_are_escaped() {
        #[derive(Debug, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Page {
            limit: Option<u32>,
        }
        for (query, field) in [
            ("owner_id=1", "owner_id"),
            ("limit=x", "limit"),
            ("%E2%80%AE=1", r#"["\u202e"]"#),
            ("a%0D%0Ab=1", r#"["a\u000d\u000ab"]"#),
            ("%1B%5B2J=1", r#"["\u001b[2J"]"#),
            ("a.b=1", r#"["a.b"]"#),
            ("x%5B0%5D=1", r#"["x[0]"]"#),
            ("%22%5C=1", r#"["\"\\"]"#),
            ("a+b=1", r#"["a\u0020b"]"#),
            ("%00=1", r#"["\u0000"]"#),
            ("%F0%9F%94%91=1", r#"["\ud83d\udd11"]"#),
        ] {
            let err = deserialize_query::<Page>(query).unwrap_err();
            assert_eq!(err.fields()[0].field(), field, "{query}");
            assert_eq!(err.fields()[0].code(), "invalid_query", "{query}");
        }
    }
}

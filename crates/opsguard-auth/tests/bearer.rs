//! The `Authorization: Bearer` parser, driven by the real-world case WEB-05
//! of `../shared/cases/web.json` and by arbitrary input.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use opsguard_auth::{MAX_TOKEN_LEN, parse_authorization};
use opsguard_core::{Error, ErrorKind};
use proptest::prelude::*;

/// A realistic access token (header.claims.signature, base64url).
const T: &str =
    "eyJhbGciOiJFZERTQSIsImtpZCI6ImsxIiwidHlwIjoiYXQrand0In0.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJlLWJ5dGVz";

fn parse(values: &[&[u8]]) -> Result<String, Error> {
    parse_authorization(values.iter().copied()).map(|t| t.expose_secret().to_owned())
}

fn assert_invalid_token(result: Result<String, Error>, what: &str) {
    let err = result.expect_err(what);
    assert_eq!(err.kind(), ErrorKind::Auth, "{what}");
    assert!(err.is_invalid_token(), "{what}");
    let wire = err.to_wire();
    assert_eq!(wire.status, 401, "{what}");
    assert_eq!(
        wire.header("www-authenticate"),
        Some("Bearer error=\"invalid_token\""),
        "{what}"
    );
}

/// The token with its last character's case flipped: the parser accepts it
/// (it is a well-formed token); the verifier refuses it, which the flows'
/// tests check.
fn flipped(token: &str) -> String {
    let mut chars: Vec<char> = token.chars().collect();
    let last = chars.last_mut().unwrap();
    *last = if last.is_ascii_lowercase() {
        last.to_ascii_uppercase()
    } else {
        last.to_ascii_lowercase()
    };
    chars.into_iter().collect()
}

/// The header value of a WEB-05 template: the placeholder `T` (a word of
/// its own, not the T of `Token`) becomes the token.
fn instantiate(template: &str) -> String {
    let flipped_placeholder = "<T with last char case flipped>";
    if let Some(rest) = template.strip_suffix(flipped_placeholder) {
        return format!("{rest}{}", flipped(T));
    }
    let mut out = String::new();
    let mut word = String::new();
    for c in template.chars().chain(std::iter::once('\0')) {
        if c.is_ascii_alphanumeric() {
            word.push(c);
            continue;
        }
        out.push_str(if word == "T" { T } else { &word });
        word.clear();
        if c != '\0' {
            out.push(c);
        }
    }
    out
}

#[test]
fn web_05_authorization_scheme_case_spacing_and_missing_bearer() {
    let case = opsguard_tests::case("web.json", "WEB-05");
    let headers: Vec<String> = case["input"]["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap().to_owned())
        .collect();
    // The expected outcome of every template, from the case's "expected":
    // Some(token) = accepted with exactly that token, None = 401.
    let expected = |template: &str| -> Option<String> {
        match template {
            "Bearer T" | "bearer T" | "BEARER T" | "Bearer  T" => Some(T.to_owned()),
            // Well-formed; refused by the verifier, not the parser.
            "Bearer <T with last char case flipped>" => Some(flipped(T)),
            "Bearer\tT" | "T" | "Bearer" | "Bearer " | "Bearer T extra" | "Token T"
            | "Basic dXNlcjpwYXNz" | "Bearer T,Bearer T" => None,
            other => panic!("WEB-05 has a header this test does not know: {other:?}"),
        }
    };
    assert_eq!(headers.len(), 13, "WEB-05 changed; review this test");
    for template in &headers {
        let value = instantiate(template);
        let result = parse(&[value.as_bytes()]);
        match expected(template) {
            Some(token) => assert_eq!(result.unwrap(), token, "{template:?}"),
            None => assert_invalid_token(result, template),
        }
    }
}

#[test]
fn web_05_missing_header_asks_for_credentials_without_error_code() {
    let err = parse(&[]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth);
    assert!(!err.is_invalid_token());
    assert_eq!(err.to_wire().header("www-authenticate"), Some("Bearer"));
}

#[test]
fn web_05_more_than_one_authorization_header_is_refused() {
    let value = format!("Bearer {T}");
    assert_invalid_token(parse(&[value.as_bytes(), value.as_bytes()]), "two headers");
    assert_invalid_token(parse(&[value.as_bytes(), b"Basic x"]), "bearer then basic");
    assert_invalid_token(parse(&[b"", value.as_bytes()]), "empty then bearer");
}

#[test]
fn web_05_other_malformed_values() {
    let long_token = "a".repeat(MAX_TOKEN_LEN + 1);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty value", b"".to_vec()),
        ("only spaces", b"   ".to_vec()),
        ("leading space", format!(" Bearer {T}").into_bytes()),
        ("trailing space", format!("Bearer {T} ").into_bytes()),
        ("scheme glued to token", format!("Bearer{T}").into_bytes()),
        ("prefix of the scheme", b"Bear x".to_vec()),
        ("tab after spaces", format!("Bearer \t{T}").into_bytes()),
        ("comma after token", format!("Bearer {T},").into_bytes()),
        ("quoted token", format!("Bearer \"{T}\"").into_bytes()),
        ("padding only", b"Bearer ==".to_vec()),
        ("padding in the middle", b"Bearer ab=cd".to_vec()),
        ("non-ascii token", "Bearer tökén".as_bytes().to_vec()),
        ("non-utf8 token", b"Bearer \xff\xfe".to_vec()),
        ("nul in token", b"Bearer ab\0cd".to_vec()),
        (
            "token over the limit",
            format!("Bearer {long_token}").into_bytes(),
        ),
    ];
    for (what, value) in cases {
        assert_invalid_token(parse(&[&value]), what);
    }
}

#[test]
fn web_05_token_at_the_limit_is_accepted_and_padding_allowed() {
    let at_limit = "a".repeat(MAX_TOKEN_LEN);
    assert_eq!(
        parse(&[format!("Bearer {at_limit}").as_bytes()]).unwrap(),
        at_limit
    );
    assert_eq!(parse(&[b"Bearer a-._~+/Z9=="]).unwrap(), "a-._~+/Z9==");
}

#[test]
fn web_05_oversized_value_is_refused_before_a_second_header_is_read() {
    // The size check comes first: an oversized first value is refused
    // even when it is followed by a good one.
    let huge = vec![b'a'; MAX_TOKEN_LEN * 4];
    assert_invalid_token(
        parse(&[&huge, format!("Bearer {T}").as_bytes()]),
        "huge first",
    );
}

#[test]
fn web_05_rejection_reason_is_logged_without_the_token() {
    let (captured, _guard) = common::Captured::install();
    let value = format!("Bearer {T} extra");
    assert!(parse(&[value.as_bytes()]).is_err());
    let text = captured.text();
    assert!(!text.contains(T), "token leaked into logs: {text}");
    let lines = captured.lines();
    assert_eq!(lines.len(), 1, "{text}");
    assert_eq!(lines[0]["target"], "opsguard::rejection");
    assert_eq!(lines[0]["level"], "DEBUG");
    assert_eq!(lines[0]["fields"]["reason"], "token_not_b64token");
}

#[test]
fn bearer_token_debug_does_not_show_the_token() {
    let value = format!("Bearer {T}");
    let token = parse_authorization([value.as_bytes()]).unwrap();
    let debug = format!("{token:?}");
    assert!(!debug.contains(T));
    assert_eq!(debug, "BearerToken([REDACTED])");
}

proptest! {
    #[test]
    fn arbitrary_values_never_panic(values in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..96), 0..3)) {
        let refs: Vec<&[u8]> = values.iter().map(Vec::as_slice).collect();
        if let Ok(token) = parse(&refs) {
            // Whatever is accepted is one b64token taken verbatim from the
            // only header.
            prop_assert_eq!(refs.len(), 1);
            prop_assert!(refs[0].ends_with(token.as_bytes()));
            prop_assert!(refs[0][..6].eq_ignore_ascii_case(b"bearer"));
        }
    }

    #[test]
    fn any_b64token_round_trips_with_any_scheme_case_and_spaces(
        token in "[A-Za-z0-9._~+/-]{1,64}={0,2}",
        upper in proptest::collection::vec(any::<bool>(), 6),
        spaces in 1usize..4,
    ) {
        let scheme: String = "bearer"
            .chars()
            .zip(upper)
            .map(|(c, u)| if u { c.to_ascii_uppercase() } else { c })
            .collect();
        let value = format!("{scheme}{}{token}", " ".repeat(spaces));
        prop_assert_eq!(parse(&[value.as_bytes()]).unwrap(), token);
    }
}

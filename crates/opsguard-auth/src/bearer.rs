//! The one parser of the `Authorization: Bearer` request header (RFC 6750
//! §2.1) that every web adapter calls.

use std::fmt;

use opsguard_core::Error;

/// The largest token accepted, in bytes: 8 KiB, the limit the token
/// verifier enforces ([`opsguard_token::verify::MAX_TOKEN_BYTES`], DESIGN.md
/// invariant 2). A header value longer than this plus `"Bearer "` is
/// refused before any parsing.
pub const MAX_TOKEN_LEN: usize = opsguard_token::verify::MAX_TOKEN_BYTES;

/// `"Bearer"`, compared case-insensitively (RFC 9110 §11.1).
const SCHEME: &[u8] = b"Bearer";

/// The longest header value looked at: the scheme, one space and a token of
/// [`MAX_TOKEN_LEN`] bytes.
const MAX_VALUE_LEN: usize = SCHEME.len() + 1 + MAX_TOKEN_LEN;

/// A bearer token as presented in a request, borrowed from the header.
///
/// Its `Debug` prints `[REDACTED]`; it has no `Display`. Read it with
/// [`expose_secret`](Self::expose_secret) only to hand it to a verifier.
#[derive(Clone, Copy)]
pub struct BearerToken<'a>(&'a str);

impl<'a> BearerToken<'a> {
    /// The token text (RFC 6750 `b64token` characters only).
    #[must_use]
    pub fn expose_secret(&self) -> &'a str {
        self.0
    }
}

impl fmt::Debug for BearerToken<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BearerToken([REDACTED])")
    }
}

/// The bearer token of a request, from every `Authorization` header value
/// it carries, in order.
///
/// The rules, applied to the raw bytes with no decoding:
///
/// * no `Authorization` header: [`Error::missing_credentials`] (401 with
///   `WWW-Authenticate: Bearer`);
/// * a value longer than `"Bearer "` plus [`MAX_TOKEN_LEN`] bytes, or more
///   than one `Authorization` header: refused before anything else is read;
/// * the scheme is `Bearer` in any letter case (RFC 9110 §11.1), followed
///   by one or more spaces (0x20) and then the token; a tab, a missing
///   separator or any other scheme is refused;
/// * the token is one RFC 6750 `b64token` (`A-Z a-z 0-9 - . _ ~ + /`
///   followed by optional `=` padding) with nothing after it: trailing
///   words, commas (a second credential) and trailing spaces are refused.
///
/// Every refusal is the same [`Error::invalid_token`] (401 with
/// `WWW-Authenticate: Bearer error="invalid_token"`); the precise reason is
/// logged at debug level to the `tracing` target `opsguard::rejection`,
/// without the token. Whether the token itself is valid is for the
/// verifier to decide.
///
/// More than one space after the scheme is accepted: RFC 6750 §2.1 asks for
/// exactly one, but RFC 9110's `credentials` grammar allows `1*SP` and
/// clients that send two exist; the token itself stays exact.
///
/// ```
/// use opsguard_auth::parse_authorization;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let header: &[u8] = b"bearer eyJhbGciOiJFZERTQSJ9.e30.sig";
/// let token = parse_authorization([header])?;
/// assert_eq!(token.expose_secret(), "eyJhbGciOiJFZERTQSJ9.e30.sig");
///
/// let none: [&[u8]; 0] = [];
/// let missing = parse_authorization(none).err().ok_or("accepted")?;
/// assert!(!missing.is_invalid_token());
/// let basic = parse_authorization([b"Basic dXNlcjpwYXNz".as_slice()]).err().ok_or("accepted")?;
/// assert!(basic.is_invalid_token());
/// # Ok(())
/// # }
/// ```
///
/// # Errors
///
/// [`Error::missing_credentials`] when there is no header,
/// [`Error::invalid_token`] for every other refusal.
pub fn parse_authorization<'a, I, T>(values: I) -> Result<BearerToken<'a>, Error>
where
    I: IntoIterator<Item = &'a T>,
    T: AsRef<[u8]> + ?Sized + 'a,
{
    let mut found: Option<&'a [u8]> = None;
    for value in values {
        let value = value.as_ref();
        if value.len() > MAX_VALUE_LEN {
            return Err(reject("oversized"));
        }
        if found.is_some() {
            return Err(reject("multiple_authorization_headers"));
        }
        found = Some(value);
    }
    let Some(value) = found else {
        return Err(Error::missing_credentials());
    };
    let Some((scheme, rest)) = value.split_at_checked(SCHEME.len()) else {
        return Err(reject("not_bearer_scheme"));
    };
    if !scheme.eq_ignore_ascii_case(SCHEME) {
        return Err(reject("not_bearer_scheme"));
    }
    let token = skip_spaces(rest);
    if token.len() == rest.len() {
        // Nothing, or something other than a space, right after the scheme
        // ("Bearer", "Bearer\tT", "BearerT").
        return Err(reject(if rest.is_empty() {
            "missing_token"
        } else {
            "missing_space_after_scheme"
        }));
    }
    if token.is_empty() {
        return Err(reject("missing_token"));
    }
    if !is_b64token(token) {
        return Err(reject("token_not_b64token"));
    }
    std::str::from_utf8(token)
        .map(BearerToken)
        .map_err(|_| reject("token_not_b64token"))
}

/// `bytes` without its leading spaces (0x20 only, not tabs).
fn skip_spaces(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().take_while(|b| **b == b' ').count();
    bytes.get(start..).unwrap_or_default()
}

/// RFC 6750 §2.1: `b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" /
/// "+" / "/" ) *"="`.
///
/// This runs over every byte of every request's token, so it is written to
/// vectorize: the `=` padding is split off first, then every byte of the
/// rest is checked without branching or stopping early.
fn is_b64token(token: &[u8]) -> bool {
    let Some(last) = token.iter().rposition(|&b| b != b'=') else {
        return false; // empty, or padding only
    };
    let (body, _padding) = token.split_at(last.saturating_add(1));
    body.iter().fold(true, |ok, &b| ok & is_b64token_char(b))
}

/// A byte of `b64token` before the padding, without branches.
#[allow(clippy::manual_is_ascii_check)] // the `matches!` form branches
const fn is_b64token_char(b: u8) -> bool {
    (b.wrapping_sub(b'a') < 26)
        | (b.wrapping_sub(b'A') < 26)
        | (b.wrapping_sub(b'0') < 10)
        | (b == b'-')
        | (b == b'.')
        | (b == b'_')
        | (b == b'~')
        | (b == b'+')
        | (b == b'/')
}

fn reject(reason: &'static str) -> Error {
    tracing::debug!(
        target: "opsguard::rejection",
        reason,
        "authorization header refused"
    );
    Error::invalid_token()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn b64token_grammar() {
        assert!(is_b64token(b"abc"));
        assert!(is_b64token(b"a-._~+/Z9"));
        assert!(is_b64token(b"abc=="));
        assert!(!is_b64token(b""));
        assert!(!is_b64token(b"=="));
        assert!(!is_b64token(b"ab=c"));
        assert!(!is_b64token(b"ab c"));
        assert!(!is_b64token(b"ab,c"));
        assert!(!is_b64token("é".as_bytes()));
    }

    /// The branch-free check says exactly what the grammar says, for
    /// every byte.
    #[test]
    fn b64token_chars_match_the_grammar() {
        for byte in 0..=u8::MAX {
            let grammar = byte.is_ascii_alphanumeric()
                || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'+' | b'/');
            assert_eq!(is_b64token(&[byte]), grammar, "byte {byte:#04x}");
        }
    }

    #[test]
    fn bearer_token_debug_is_redacted() {
        let token = BearerToken("s3cr3t-token");
        assert_eq!(format!("{token:?}"), "BearerToken([REDACTED])");
    }
}

//! Why a single value was refused.

use std::borrow::Cow;

use crate::AddressClass;

/// Why a value was refused by one of this crate's validators.
///
/// Each variant has a stable [`code`](Error::code) (the `code` of the
/// field error clients see) and a lowercase message (its `Display`) that
/// describes the rule, never the rejected value: the same text is safe for a
/// client, a log line and a secret field.
///
/// ```
/// use opsguard_validate::{Error, username};
///
/// let err = opsguard_validate::Username::parse("ad").err();
/// assert_eq!(err, Some(Error::UsernameLength));
/// assert_eq!(Error::UsernameLength.code(), "invalid_username");
/// assert_eq!(Error::UsernameLength.to_string(), "username must be 3 to 32 characters");
/// # let _ = username;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The address has a control character (a newline, NUL, DEL, a C1
    /// control).
    #[error("email address must not contain control characters")]
    EmailControl,
    /// The domain is an IP address (`a@[127.0.0.1]`, `a@127.0.0.1`) or its
    /// last label is all digits.
    #[error("email address must use a domain name, not an IP address")]
    EmailIpDomain,
    /// The address is longer than 254 bytes.
    #[error("email address must be at most 254 characters")]
    EmailLength,
    /// The domain has no dot (`a@localhost`).
    #[error("email address must have a domain with a dot")]
    EmailNoDot,
    /// The address is not an email address under the HTML5 grammar of the
    /// `validator` crate.
    #[error("must be an email address")]
    EmailSyntax,
    /// The host is an address of a class the [`HostPolicy`](crate::HostPolicy)
    /// refuses.
    #[error("host must not be {} address", .0.description())]
    HostForbidden(AddressClass),
    /// A label of the host name is empty or longer than 63 characters.
    #[error("host name labels must be 1 to 63 characters")]
    HostLabelLength,
    /// The host is longer than 253 characters (254 with a trailing dot).
    #[error("host must be at most 253 characters")]
    HostLength,
    /// The host is neither a strict IPv4 address, an IPv6 address nor an
    /// RFC 1123 host name.
    #[error("host must be an IPv4 address, an IPv6 address or a host name")]
    HostSyntax,
    /// The name has a control character, a line or paragraph separator, or a
    /// bidirectional formatting character.
    #[error("name must not contain control or bidirectional formatting characters")]
    NameCharacters,
    /// The name is empty or longer than 255 characters.
    #[error("name must be 1 to 255 characters")]
    NameLength,
    /// The port is 0.
    #[error("port must be a number from 1 to 65535")]
    PortRange,
    /// The secret is empty or longer than [`MAX_SECRET_BYTES`](crate::MAX_SECRET_BYTES).
    #[error("secret must be 1 to 4096 bytes")]
    SecretLength,
    /// The username has a character other than the ASCII letters and digits.
    #[error("username must contain only ASCII letters and digits")]
    UsernameCharacters,
    /// The username is shorter than 3 or longer than 32 characters.
    #[error("username must be 3 to 32 characters")]
    UsernameLength,
}

impl Error {
    /// The stable error code: `invalid_email`, `invalid_host`,
    /// `forbidden_host`, `invalid_name`, `invalid_port`, `invalid_secret` or
    /// `invalid_username`.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::EmailControl
            | Self::EmailIpDomain
            | Self::EmailLength
            | Self::EmailNoDot
            | Self::EmailSyntax => "invalid_email",
            Self::HostForbidden(_) => "forbidden_host",
            Self::HostLabelLength | Self::HostLength | Self::HostSyntax => "invalid_host",
            Self::NameCharacters | Self::NameLength => "invalid_name",
            Self::PortRange => "invalid_port",
            Self::SecretLength => "invalid_secret",
            Self::UsernameCharacters | Self::UsernameLength => "invalid_username",
        }
    }

    /// This problem as the field error of `field` (a path such as
    /// `target.host`).
    ///
    /// ```
    /// use opsguard_validate::Error;
    ///
    /// let e = Error::HostSyntax.to_field_error("target.host");
    /// assert_eq!(e.field(), "target.host");
    /// assert_eq!(e.code(), "invalid_host");
    /// ```
    #[must_use]
    pub fn to_field_error(self, field: &str) -> opsguard_core::FieldError {
        opsguard_core::FieldError::new(field, self.code(), self.to_string())
    }
}

impl From<Error> for validator::ValidationError {
    /// The error a `#[validate(custom(function = ...))]` function returns:
    /// the stable code and the rule as message (so `validator`'s own
    /// `Display` prints the message, not the rejected value it keeps in
    /// `params`).
    fn from(err: Error) -> Self {
        Self::new(err.code()).with_message(Cow::Owned(err.to_string()))
    }
}

impl From<Error> for opsguard_core::Error {
    /// A 422 naming no field (an empty path means "the input as a whole");
    /// prefer [`Error::to_field_error`] when the field is known.
    fn from(err: Error) -> Self {
        Self::validation(vec![err.to_field_error("")])
    }
}

//! Why a single value was refused.

use std::borrow::Cow;

use crate::AddressClass;

/// Why a value was refused by one of this crate's validators.
///
/// Each variant has a stable [`code`](Error::code) (the `code` of the
/// field error clients see) and a [`message`](Error::message) that states
/// the rule, never the rejected value, so the same text is safe for a
/// client, a log line and a secret field. The field error carries the
/// message alone (`{"field":"username","code":"invalid_username","message":"must be 3 to 32 characters"}`);
/// `Display` puts the subject in front for logs
/// (`username must be 3 to 32 characters`).
///
/// ```
/// use opsguard_validate::{Error, Username};
///
/// assert_eq!(Username::parse("ad").err(), Some(Error::UsernameLength));
/// assert_eq!(Error::UsernameLength.code(), "invalid_username");
/// assert_eq!(Error::UsernameLength.message(), "must be 3 to 32 characters");
/// assert_eq!(Error::UsernameLength.to_string(), "username must be 3 to 32 characters");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
#[error("{} {}", self.subject(), self.message())]
pub enum Error {
    /// The address has a control character (a newline, NUL, DEL, a C1
    /// control), a line or paragraph separator, or an invisible character
    /// (a format character such as U+00AD or U+200B, or a default-ignorable
    /// code point such as a variation selector).
    EmailControl,
    /// The domain is an address literal (`a@[127.0.0.1]`, or anything with a
    /// square bracket) or its last label is a number (`a@127.0.0.1`,
    /// `a@foo.0x7f`).
    EmailIpDomain,
    /// The address is longer than 254 bytes, as given or with its domain in
    /// ASCII form.
    EmailLength,
    /// The domain has no dot (`a@localhost`).
    EmailNoDot,
    /// The address is not an email address under the HTML5 grammar of the
    /// `validator` crate.
    EmailSyntax,
    /// The host is an address of a class the [`HostPolicy`](crate::HostPolicy)
    /// refuses.
    HostForbidden(AddressClass),
    /// A label of the host name is empty or longer than 63 characters.
    HostLabelLength,
    /// The host is longer than 253 characters (254 with a trailing dot).
    HostLength,
    /// The host is neither a strict IPv4 address, an IPv6 address nor an
    /// RFC 1123 host name.
    HostSyntax,
    /// The name is empty after removing white space.
    NameBlank,
    /// The name has a control character, a line or paragraph separator, or
    /// an invisible character (a format character, bidirectional controls
    /// included, or a default-ignorable code point).
    NameCharacters,
    /// The name is empty or longer than 255 characters.
    NameLength,
    /// The port is 0.
    PortRange,
    /// The secret is empty or longer than [`MAX_SECRET_BYTES`](crate::MAX_SECRET_BYTES).
    SecretLength,
    /// The username has a character other than the ASCII letters and digits.
    UsernameCharacters,
    /// The username is shorter than 3 or longer than 32 characters.
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
            Self::NameBlank | Self::NameCharacters | Self::NameLength => "invalid_name",
            Self::PortRange => "invalid_port",
            Self::SecretLength => "invalid_secret",
            Self::UsernameCharacters | Self::UsernameLength => "invalid_username",
        }
    }

    /// The rule that was broken, for people, without a subject:
    /// `must be 3 to 32 characters`.
    #[must_use]
    pub const fn message(self) -> &'static str {
        match self {
            Self::EmailControl => "must not contain control or invisible characters",
            Self::EmailIpDomain => "must use a domain name, not an IP address",
            Self::EmailLength => "must be at most 254 bytes",
            Self::EmailNoDot => "must have a domain with a dot",
            Self::EmailSyntax => "must be an email address",
            Self::HostForbidden(class) => match class {
                AddressClass::LinkLocal => "must not be a link-local address",
                AddressClass::Loopback => "must not be a loopback address",
                AddressClass::Multicast => "must not be a multicast address",
                AddressClass::Private => "must not be a private address",
                AddressClass::Reserved => "must not be a reserved address",
                AddressClass::Unspecified => "must not be an unspecified address",
            },
            Self::HostLabelLength => "must have labels of 1 to 63 characters",
            Self::HostLength => "must be at most 253 characters",
            Self::HostSyntax => "must be an IPv4 address, an IPv6 address or a host name",
            Self::NameBlank => "must not be blank",
            Self::NameCharacters => "must not contain control or invisible characters",
            Self::NameLength => "must be 1 to 255 characters",
            Self::PortRange => "must be a number from 1 to 65535",
            Self::SecretLength => "must be 1 to 4096 bytes",
            Self::UsernameCharacters => "must contain only ASCII letters and digits",
            Self::UsernameLength => "must be 3 to 32 characters",
        }
    }

    const fn subject(self) -> &'static str {
        match self {
            Self::EmailControl
            | Self::EmailIpDomain
            | Self::EmailLength
            | Self::EmailNoDot
            | Self::EmailSyntax => "email address",
            Self::HostForbidden(_)
            | Self::HostLabelLength
            | Self::HostLength
            | Self::HostSyntax => "host",
            Self::NameBlank | Self::NameCharacters | Self::NameLength => "name",
            Self::PortRange => "port",
            Self::SecretLength => "secret",
            Self::UsernameCharacters | Self::UsernameLength => "username",
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
        opsguard_core::FieldError::new(field, self.code(), self.message())
    }
}

impl From<Error> for validator::ValidationError {
    /// The error a `#[validate(custom(function = ...))]` function returns:
    /// the stable code and the rule as message (so `validator`'s own
    /// `Display` prints the message, not the rejected value it keeps in
    /// `params`).
    fn from(err: Error) -> Self {
        Self::new(err.code()).with_message(Cow::Borrowed(err.message()))
    }
}

impl From<Error> for opsguard_core::Error {
    /// A 422 naming no field (an empty path means "the input as a whole");
    /// prefer [`Error::to_field_error`] when the field is known.
    fn from(err: Error) -> Self {
        Self::validation(vec![err.to_field_error("")])
    }
}

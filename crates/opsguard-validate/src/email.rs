//! Email addresses for sign-up and profile forms.

use validator::{ValidateEmail, ValidationError};

use crate::Error;

/// The most bytes an email address may have.
pub const EMAIL_MAX: usize = 254;

/// Check that `value` is an email address a public form should accept.
///
/// The base is the `validator` crate's check, which follows the HTML5
/// `input type=email` grammar (an RFC 5322 subset without quoted local
/// parts or comments, with IDN domains converted by UTS 46). On top of it
/// `email` refuses what a public sign-up form should not take
/// (case VAL-01):
///
/// * more than 254 bytes in total: the longest address an SMTP path can
///   carry (RFC 5321 §4.5.3.1.3 allows 256 octets including the angle
///   brackets);
/// * a domain without a dot (`abc@bar`): no such address is deliverable on
///   the public Internet;
/// * an IP-literal domain (`a@[127.0.0.1]`, `a@[IPv6:…]`) and a domain whose
///   last label is all digits (`a@127.0.0.1`): RFC 5321 allows address
///   literals, but a registration form that accepts them lets a user point
///   mail, and any later mail-based flow, at an arbitrary IP address;
/// * any control character, anywhere.
///
/// The two domain rules are applied to the ASCII form of the domain (after
/// UTS 46 mapping, as `validator` does), so fullwidth digits and ideographic
/// full stops cannot dress up an IP address as a name.
///
/// Internationalised domains in Unicode form (`a@उदाहरण.परीक्षा`) are
/// accepted, as `validator` accepts them. The local part stays ASCII
/// (`validator` refuses Unicode local parts). The address is not changed:
/// compare addresses case-insensitively in the service if it needs to.
///
/// Usable as `#[validate(custom(function = "opsguard_validate::email"))]`;
/// the error code is `invalid_email`.
///
/// ```
/// assert!(opsguard_validate::email("ops@example.com").is_ok());
/// assert!(opsguard_validate::email("ops@localhost").is_err());
/// assert!(opsguard_validate::email("ops@[127.0.0.1]").is_err());
/// ```
///
/// # Errors
///
/// `invalid_email`, with a message naming the rule that failed.
pub fn email(value: &str) -> Result<(), ValidationError> {
    check_email(value).map_err(Into::into)
}

/// [`email`] with the typed [`Error`] (the rules are listed there).
///
/// # Errors
///
/// [`Error::EmailLength`], [`Error::EmailControl`], [`Error::EmailSyntax`],
/// [`Error::EmailIpDomain`] or [`Error::EmailNoDot`].
pub fn check_email(value: &str) -> Result<(), Error> {
    if value.len() > EMAIL_MAX {
        return Err(Error::EmailLength);
    }
    if value.chars().any(char::is_control) {
        return Err(Error::EmailControl);
    }
    let Some((_, domain)) = value.rsplit_once('@') else {
        return Err(Error::EmailSyntax);
    };
    // Address literals are refused before `validator` sees them, so the
    // error says why.
    if domain.starts_with('[') {
        return Err(Error::EmailIpDomain);
    }
    if !value.validate_email() {
        return Err(Error::EmailSyntax);
    }
    // Judge the domain in the ASCII form `validator` checked: UTS 46 maps
    // `。` to `.` and `１` to `1`, so `a@127.0.0.１` is an IP domain too.
    let ascii = idna::domain_to_ascii(domain).map_err(|_| Error::EmailSyntax)?;
    match ascii.rsplit_once('.') {
        None => Err(Error::EmailNoDot),
        Some((_, last)) if last.bytes().all(|b| b.is_ascii_digit()) => Err(Error::EmailIpDomain),
        Some(_) => Ok(()),
    }
}

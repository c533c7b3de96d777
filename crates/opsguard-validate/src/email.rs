//! Email addresses for sign-up and profile forms.

use std::borrow::Cow;

use idna::uts46::{AsciiDenyList, DnsLength, Hyphens, Uts46};
use validator::{ValidateEmail, ValidationError};

use crate::Error;
use crate::chars;
use crate::host::{NameProblem, check_name_grammar};

/// The most bytes an email address may have, as given and with its domain
/// in ASCII form.
pub const EMAIL_MAX: usize = 254;

/// Check that `value` is an email address a public form should accept.
///
/// The base is the `validator` crate's check, which follows the HTML5
/// `input type=email` grammar (an RFC 5322 subset without quoted local
/// parts or comments, with IDN domains converted by UTS 46). On top of it
/// `email` refuses what a public sign-up form should not take
/// (case VAL-01):
///
/// * any control character (a newline, NUL, DEL, a C1 control), line or
///   paragraph separator, or invisible character (a format character such
///   as a soft hyphen, a zero-width space or joiner, a byte order mark or a
///   bidirectional control; a variation selector; a Hangul filler), in the
///   local part or the domain. UTS 46 deletes many of these from a domain,
///   so `a@exam\u{AD}ple.com` would be a second spelling of
///   `a@example.com` that looks the same;
/// * a domain that, in its ASCII form (after UTS 46 mapping, as `validator`
///   converts it; `ｅｘａｍｐｌｅ.com` becomes `example.com`, `例え.jp`
///   becomes `xn--r8jz45g.jp`), is not a host name under the grammar of
///   [`host`](crate::host): labels of 1 to 63 letters, digits and hyphens,
///   not starting or ending with a hyphen, 253 characters in all, no
///   trailing dot. Spaces, commas, quotes, angle brackets and the like are
///   refused even where UTS 46 passes them through;
/// * an address literal (`a@[127.0.0.1]`, `a@[IPv6:…]`, and anything with
///   a square bracket in the domain, fullwidth ones included) and a domain
///   whose last label is a number (`a@127.0.0.1`, `a@foo.0x7f`; see
///   [`Host`](crate::Host)): RFC 5321 allows address literals, but a
///   registration form that accepts them lets a user point mail, and any
///   later mail-based flow, at an arbitrary IP address;
/// * a domain without a dot (`abc@bar`): no such address is deliverable on
///   the public Internet;
/// * more than 254 bytes in total, counted both as given (UTF-8) and with
///   the domain in ASCII form, which is what an SMTP path carries
///   (RFC 5321 §4.5.3.1.3 allows 256 octets including the angle brackets).
///
/// Internationalised domains in Unicode form (`a@उदाहरण.परीक्षा`) are
/// accepted, as `validator` accepts them. The local part stays ASCII
/// (`validator` refuses Unicode local parts). The address is not changed;
/// to keep addresses unique, index [`normalize_email`].
///
/// Usable as `#[validate(custom(function = "opsguard_validate::email"))]`;
/// the error code is `invalid_email`.
///
/// ```
/// assert!(opsguard_validate::email("ops@example.com").is_ok());
/// assert!(opsguard_validate::email("ops@localhost").is_err());
/// assert!(opsguard_validate::email("ops@[127.0.0.1]").is_err());
/// assert!(opsguard_validate::email("ops@exam\u{AD}ple.com").is_err());
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
    parse(value).map(drop)
}

/// The form of an email address to compare and to keep unique: the local
/// part as given, `@`, and the domain in its ASCII form (UTS 46 mapped,
/// lowercase, internationalised labels as `xn--` A-labels).
///
/// Two spellings of one domain (`EXAMPLE.com`, fullwidth `ｅｘａｍｐｌｅ.com`,
/// `例え.jp` and `xn--r8jz45g.jp`) reach the same mailbox, so a unique index
/// on the address as typed lets one person register it twice. Index this
/// value instead. The local part is kept as given: RFC 5321 §2.4 leaves its
/// case to the receiving server, and folding it (or removing dots and
/// `+tags`, as some providers do) would merge mailboxes that may differ.
/// Fold it too if the service decides that `Ops@` and `ops@` are one
/// person.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use opsguard_validate::normalize_email;
///
/// assert_eq!(normalize_email("Ops@EXAMPLE.com")?, "Ops@example.com");
/// assert_eq!(normalize_email("ops@ｅｘａｍｐｌｅ.com")?, normalize_email("ops@example.com")?);
/// assert_eq!(normalize_email("ops@例え.jp")?, "ops@xn--r8jz45g.jp");
/// # Ok(())
/// # }
/// ```
///
/// # Errors
///
/// The same as [`check_email`]: a value that is not an address has no
/// normal form.
pub fn normalize_email(value: &str) -> Result<String, Error> {
    let (local, domain) = parse(value)?;
    Ok(format!("{local}@{domain}"))
}

/// Check `value` and return its local part and the ASCII form of its
/// domain.
fn parse(value: &str) -> Result<(&str, Cow<'_, str>), Error> {
    if value.len() > EMAIL_MAX {
        return Err(Error::EmailLength);
    }
    if value.chars().any(chars::is_hidden) {
        return Err(Error::EmailControl);
    }
    let Some((local, domain)) = value.rsplit_once('@') else {
        return Err(Error::EmailSyntax);
    };
    if domain.contains(['[', ']']) {
        return Err(Error::EmailIpDomain);
    }
    // The ASCII form `validator` checks and SMTP carries. No deny list: the
    // host name grammar below is stricter than any, and judging the mapped
    // form is what catches `［`, `。` and fullwidth digits.
    let ascii = Uts46::new()
        .to_ascii(
            domain.as_bytes(),
            AsciiDenyList::EMPTY,
            Hyphens::Allow,
            DnsLength::Ignore,
        )
        .map_err(|_| Error::EmailSyntax)?;
    if ascii.contains(['[', ']']) {
        return Err(Error::EmailIpDomain);
    }
    match check_name_grammar(&ascii) {
        Ok(()) => {}
        Err(NameProblem::Numeric) => return Err(Error::EmailIpDomain),
        // A domain over 253 bytes makes the address over 254.
        Err(NameProblem::Length) => return Err(Error::EmailLength),
        Err(NameProblem::LabelLength | NameProblem::Syntax) => return Err(Error::EmailSyntax),
    }
    if !ascii.contains('.') {
        return Err(Error::EmailNoDot);
    }
    // The local part: `validator`'s HTML5 grammar (ASCII, at most 64
    // characters). Its domain check passes here, as the ASCII form is a
    // host name.
    if !value.validate_email() {
        return Err(Error::EmailSyntax);
    }
    if local.len() + 1 + ascii.len() > EMAIL_MAX {
        return Err(Error::EmailLength);
    }
    Ok((local, ascii))
}

//! Display names of things (targets, credentials, jobs): 1 to 255
//! characters, not blank, none of them controls or invisible.

use validator::ValidationError;

use crate::{Error, chars};

/// The most characters (Unicode scalar values, not bytes) a name may have.
pub const NAME_MAX: usize = 255;

/// Check that `value` is a name: 1 to 255 characters, not all white space,
/// with no control character (Unicode category Cc: C0, DEL, C1), no line
/// or paragraph separator (U+2028, U+2029), and no invisible character: no
/// format character (category Cf: soft hyphen, zero-width space and
/// joiners, word joiner, byte order mark, the bidirectional controls
/// U+061C, U+200E, U+200F, U+202A to U+202E and U+2066 to U+2069, tags)
/// and no other default-ignorable code point (variation selectors, the
/// combining grapheme joiner, Hangul fillers such as U+3164).
///
/// Names are shown in lists, logs and terminals. Control characters break
/// or forge log lines and terminal output; bidirectional overrides make a
/// name display as different text than it is ("Trojan Source",
/// CVE-2021-42574); invisible characters make two names that look the same
/// differ (`admin` and `admin\u{200B}`), or a name that looks empty
/// (`\u{3164}`) exist. All of this goes beyond the issue's "no control
/// characters", on purpose. Letters of every script, spaces and emoji are
/// accepted, and leading and trailing spaces are kept; but emoji sequences
/// that need a zero-width joiner or a variation selector (`👨‍👩‍👧`, `❤️`)
/// are refused with the rest of the invisible characters. A name of white
/// space only (`" "`, U+3000) is refused as blank.
///
/// Usable as `#[validate(custom(function = "opsguard_validate::name"))]`;
/// the error code is `invalid_name`.
///
/// ```
/// assert!(opsguard_validate::name("web-01 (Zürich)").is_ok());
/// assert!(opsguard_validate::name("").is_err());
/// assert!(opsguard_validate::name("   ").is_err());
/// assert!(opsguard_validate::name("evil\u{202E}txt.exe").is_err());
/// assert!(opsguard_validate::name("admin\u{200B}").is_err());
/// ```
///
/// # Errors
///
/// `invalid_name` for a wrong length, a blank name or a refused character.
pub fn name(value: &str) -> Result<(), ValidationError> {
    check_name(value).map_err(Into::into)
}

/// [`name`] with the typed [`Error`].
///
/// # Errors
///
/// [`Error::NameLength`], [`Error::NameCharacters`] or [`Error::NameBlank`].
pub fn check_name(value: &str) -> Result<(), Error> {
    // More than 4 × 255 bytes is more than 255 characters: refuse unread.
    if value.is_empty() || value.len() > NAME_MAX * 4 {
        return Err(Error::NameLength);
    }
    if value.chars().any(chars::is_hidden) {
        return Err(Error::NameCharacters);
    }
    if value.chars().count() > NAME_MAX {
        return Err(Error::NameLength);
    }
    if value.trim().is_empty() {
        return Err(Error::NameBlank);
    }
    Ok(())
}

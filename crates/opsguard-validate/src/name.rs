//! Display names of things (targets, credentials, jobs): 1 to 255
//! characters, none of them invisible controls.

use validator::ValidationError;

use crate::Error;

/// The most characters (Unicode scalar values, not bytes) a name may have.
pub const NAME_MAX: usize = 255;

/// Check that `value` is a name: 1 to 255 characters, with no control
/// character (Unicode category Cc: C0, DEL, C1), no line or paragraph
/// separator (U+2028, U+2029), and no bidirectional formatting character
/// (U+061C, U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069).
///
/// Names are shown in lists, logs and terminals. Control characters break
/// or forge log lines and terminal output; bidirectional overrides make a
/// name display as different text than it is ("Trojan Source",
/// CVE-2021-42574). The bidirectional and separator characters go beyond
/// the issue's "no control characters", on purpose. Letters of every script,
/// spaces and emoji are accepted; leading and trailing spaces are kept.
/// Usable as `#[validate(custom(function = "opsguard_validate::name"))]`;
/// the error code is `invalid_name`.
///
/// ```
/// assert!(opsguard_validate::name("web-01 (Zürich)").is_ok());
/// assert!(opsguard_validate::name("").is_err());
/// assert!(opsguard_validate::name("evil\u{202E}txt.exe").is_err());
/// ```
///
/// # Errors
///
/// `invalid_name` for a wrong length or a refused character.
pub fn name(value: &str) -> Result<(), ValidationError> {
    check_name(value).map_err(Into::into)
}

/// [`name`] with the typed [`Error`].
///
/// # Errors
///
/// [`Error::NameLength`] or [`Error::NameCharacters`].
pub fn check_name(value: &str) -> Result<(), Error> {
    // More than 4 × 255 bytes is more than 255 characters: refuse unread.
    if value.is_empty() || value.len() > NAME_MAX * 4 {
        return Err(Error::NameLength);
    }
    if value.chars().any(is_refused) {
        return Err(Error::NameCharacters);
    }
    if value.chars().count() > NAME_MAX {
        return Err(Error::NameLength);
    }
    Ok(())
}

fn is_refused(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
        )
}

//! Usernames: 3 to 32 ASCII letters and digits.

use std::fmt;

use validator::ValidationError;

use crate::Error;

/// The fewest characters a username may have.
pub const USERNAME_MIN: usize = 3;
/// The most characters a username may have.
pub const USERNAME_MAX: usize = 32;

/// Check that `value` is a username: 3 to 32 characters, each an ASCII
/// letter or digit.
///
/// Unicode letters and digits are refused on purpose. Checks built on
/// Unicode properties (Python's `str.isalnum`, Rust's `char::is_alphanumeric`)
/// accept Arabic-Indic digits (`١٢٣`), fullwidth letters (`ａｄｍｉｎ`),
/// Cyrillic look-alikes (`аdmin` with U+0430), modifier letters (`ᴮᴵᴳᴮᴵᴿᴰ`,
/// which NFKC folds to `BIGBIRD`) and letters whose case mapping collides
/// with ASCII (`ı`, `ß`, `K`). Each lets one person register a name that looks
/// like, or later normalises to, someone else's (CVE-2019-19844; the Spotify
/// account takeover). ASCII has none of these problems, and its case folding
/// is exact and locale-free, which [`normalize_username`] relies on.
///
/// Usable as `#[validate(custom(function = "opsguard_validate::username"))]`;
/// the error code is `invalid_username`.
///
/// ```
/// assert!(opsguard_validate::username("User123").is_ok());
/// assert!(opsguard_validate::username("straße").is_err());
/// ```
///
/// # Errors
///
/// `invalid_username` when the length or a character is wrong.
pub fn username(value: &str) -> Result<(), ValidationError> {
    check(value).map_err(Into::into)
}

/// A username that passed [`username`]'s rules, as typed by its owner.
///
/// ```
/// use opsguard_validate::Username;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let name = Username::parse("Admin")?;
/// assert_eq!(name.as_str(), "Admin");
/// assert_eq!(name.normalized(), "admin");
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Username(String);

impl Username {
    /// Check `value` and keep it.
    ///
    /// # Errors
    ///
    /// [`Error::UsernameLength`] or [`Error::UsernameCharacters`].
    pub fn parse(value: &str) -> Result<Self, Error> {
        check(value)?;
        Ok(Self(value.to_owned()))
    }

    /// The username as given.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The lowercase form to compare and to index for uniqueness.
    #[must_use]
    pub fn normalized(&self) -> String {
        self.0.to_ascii_lowercase()
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The form of a username to compare and to keep unique: ASCII lowercase.
///
/// Uniqueness is the service's job (a unique index on this value), but it
/// should be case-insensitive so that `Admin` cannot be registered beside
/// `admin`. The value is checked first, so the folding is only ever applied
/// to ASCII, where it is exact.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// assert_eq!(opsguard_validate::normalize_username("Admin")?, "admin");
/// assert_eq!(
///     opsguard_validate::normalize_username("Admin")?,
///     opsguard_validate::normalize_username("admin")?
/// );
/// # Ok(())
/// # }
/// ```
///
/// # Errors
///
/// The same as [`Username::parse`]: a value that is not a username has no
/// normal form.
pub fn normalize_username(value: &str) -> Result<String, Error> {
    Username::parse(value).map(|u| u.normalized())
}

fn check(value: &str) -> Result<(), Error> {
    // A value of more than 4 × 32 bytes has more than 32 characters whatever
    // they are: refuse it without reading it.
    if value.len() > USERNAME_MAX * 4 {
        return Err(Error::UsernameLength);
    }
    if !value.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(Error::UsernameCharacters);
    }
    // All ASCII from here, so bytes are characters.
    if (USERNAME_MIN..=USERNAME_MAX).contains(&value.len()) {
        Ok(())
    } else {
        Err(Error::UsernameLength)
    }
}

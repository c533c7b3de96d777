//! Secrets a service stores for later use (a target's SSH or WinRM
//! password): only their size is checked.

use secrecy::{ExposeSecret, SecretString};

use crate::Error;

/// The most bytes a stored secret may have.
pub const MAX_SECRET_BYTES: usize = 4096;

/// Check that a stored secret is 1 to [`MAX_SECRET_BYTES`] bytes.
///
/// A machine credential's password is whatever the machine requires, so
/// there is no policy on its content: only emptiness (almost always a
/// client bug) and an upper bound on what gets encrypted and stored. For the
/// passwords of the service's own users, use the password policy instead.
///
/// This takes a [`SecretString`], which `validator`'s derive cannot pass to
/// a custom function (the derive copies every checked value into the
/// error's `params`, which needs `Serialize`, which secrets rightly lack):
/// call it from a hand-written `Validate` with [`Checks`](crate::Checks),
/// as [`CredentialCreate`](crate::types::CredentialCreate) does.
///
/// ```
/// use secrecy::SecretString;
///
/// assert!(opsguard_validate::check_secret(&SecretString::from("hunter2")).is_ok());
/// assert!(opsguard_validate::check_secret(&SecretString::from("")).is_err());
/// ```
///
/// # Errors
///
/// [`Error::SecretLength`], whose message contains no part of the secret.
pub fn check_secret(secret: &SecretString) -> Result<(), Error> {
    let len = secret.expose_secret().len();
    if (1..=MAX_SECRET_BYTES).contains(&len) {
        Ok(())
    } else {
        Err(Error::SecretLength)
    }
}

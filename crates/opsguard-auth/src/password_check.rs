//! The password verification the login flow performs, behind a trait so
//! that tests can count verifications.

use std::fmt;

use async_trait::async_trait;
use opsguard_password::{AsyncHasher, Outcome};
use secrecy::SecretString;

/// Verifies passwords for the login flow, off the async executor.
///
/// [`AsyncHasher`] (opsguard-password's `tokio` feature: tokio's blocking
/// pool behind a semaphore) is the implementation to use. The trait exists
/// so that a test can wrap it and check that every login path runs exactly
/// one verification of the same cost (case WEB-07).
#[async_trait]
pub trait PasswordCheck: Send + Sync + fmt::Debug {
    /// Verify `password` against the `stored` hash; on a match, the new
    /// hash to store when the old one is due for an upgrade.
    ///
    /// # Errors
    ///
    /// [`opsguard_password::Error`] when the stored hash cannot be used or
    /// the work could not run; the flow treats it as a failed login.
    async fn verify_and_update(
        &self,
        password: &SecretString,
        stored: &str,
    ) -> Result<Outcome, opsguard_password::Error>;

    /// Spend the time of a verification for a user that does not exist or
    /// may not log in.
    ///
    /// # Errors
    ///
    /// [`opsguard_password::Error`] when the work could not run.
    async fn verify_unknown_user(
        &self,
        password: &SecretString,
    ) -> Result<(), opsguard_password::Error>;
}

#[async_trait]
impl PasswordCheck for AsyncHasher {
    async fn verify_and_update(
        &self,
        password: &SecretString,
        stored: &str,
    ) -> Result<Outcome, opsguard_password::Error> {
        Self::verify_and_update(self, password, stored).await
    }

    async fn verify_unknown_user(
        &self,
        password: &SecretString,
    ) -> Result<(), opsguard_password::Error> {
        Self::verify_unknown_user(self, password).await.map(|_| ())
    }
}

//! Where users are looked up: a trait the service implements, and an
//! in-memory implementation.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, PoisonError};

use async_trait::async_trait;

use crate::StoreError;

/// A user as the login flow needs them.
///
/// `Debug` does not print the password hash (a hash is not the password,
/// but it is what an offline guessing attack starts from).
#[derive(Clone, PartialEq, Eq)]
pub struct UserRecord {
    id: String,
    username: String,
    password_hash: String,
    roles: Vec<String>,
    disabled: bool,
}

impl UserRecord {
    /// An enabled user `id` named `username` (in its normalized form, see
    /// [`opsguard_validate::normalize_username`]) whose stored password hash
    /// is `password_hash` (a PHC or bcrypt string), with no roles.
    pub fn new(
        id: impl Into<String>,
        username: impl Into<String>,
        password_hash: impl Into<String>,
    ) -> Self {
        Self {
            id: id.into(),
            username: username.into(),
            password_hash: password_hash.into(),
            roles: Vec::new(),
            disabled: false,
        }
    }

    /// The same user holding `roles`.
    #[must_use]
    pub fn with_roles<I, R>(mut self, roles: I) -> Self
    where
        I: IntoIterator<Item = R>,
        R: Into<String>,
    {
        self.roles = roles.into_iter().map(Into::into).collect();
        self
    }

    /// The same user, disabled (`true`) or enabled (`false`). A disabled
    /// user cannot log in or refresh, and gets the same answer as an
    /// unknown one.
    #[must_use]
    pub fn with_disabled(mut self, disabled: bool) -> Self {
        self.disabled = disabled;
        self
    }

    /// The user id (the tokens' `sub`).
    #[must_use]
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The normalized username.
    #[must_use]
    pub fn username(&self) -> &str {
        &self.username
    }

    /// The stored password hash.
    #[must_use]
    pub fn password_hash(&self) -> &str {
        &self.password_hash
    }

    /// The role names.
    #[must_use]
    pub fn roles(&self) -> &[String] {
        &self.roles
    }

    /// Whether the account is disabled.
    #[must_use]
    pub fn is_disabled(&self) -> bool {
        self.disabled
    }
}

impl fmt::Debug for UserRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserRecord")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("password_hash", &"[REDACTED]")
            .field("roles", &self.roles)
            .field("disabled", &self.disabled)
            .finish()
    }
}

/// The service's user store, as the flows see it.
///
/// Usernames passed in are already normalized (ASCII lowercase, see
/// [`opsguard_validate::normalize_username`]); match them exactly, with a
/// parameterized query.
#[async_trait]
pub trait Directory: Send + Sync + fmt::Debug {
    /// The user whose normalized username is `username`, if any (disabled
    /// users included: the flow decides what to do with them).
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the store cannot answer.
    async fn find_by_username(&self, username: &str) -> Result<Option<UserRecord>, StoreError>;

    /// The user with id `id`, if any.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the store cannot answer.
    async fn find_by_id(&self, id: &str) -> Result<Option<UserRecord>, StoreError>;

    /// Replace the stored password hash of user `id` with `new_hash`, but
    /// only if it is still `expected_hash`, in one atomic step; whether it
    /// was replaced.
    ///
    /// The login flow calls it to store a hash upgraded at login (see
    /// [`opsguard_password::Hasher::verify_and_update`]), made from the
    /// password that matched `expected_hash`. If the hash changed in the
    /// meantime (a password reset or change finished while the login was
    /// verifying), writing unconditionally would put the *old* password
    /// back; the compare-and-swap leaves the new one in place and answers
    /// `false`. In SQL, one statement:
    ///
    /// ```sql
    /// UPDATE users SET password_hash = $new
    /// WHERE id = $id AND password_hash = $expected
    /// ```
    ///
    /// and `true` when it changed one row.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the store cannot be written.
    async fn update_password_hash(
        &self,
        id: &str,
        expected_hash: &str,
        new_hash: &str,
    ) -> Result<bool, StoreError>;
}

/// Users kept in memory, for tests and examples.
#[derive(Debug, Default)]
pub struct MemoryDirectory {
    users: Mutex<HashMap<String, UserRecord>>,
}

impl MemoryDirectory {
    /// An empty directory.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Add or replace `user` (keyed by id).
    pub fn insert(&self, user: UserRecord) {
        self.users
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(user.id.clone(), user);
    }

    /// The user with id `id`, if any (a synchronous read for tests).
    #[must_use]
    pub fn get(&self, id: &str) -> Option<UserRecord> {
        self.users
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(id)
            .cloned()
    }
}

#[async_trait]
impl Directory for MemoryDirectory {
    async fn find_by_username(&self, username: &str) -> Result<Option<UserRecord>, StoreError> {
        Ok(self
            .users
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .find(|user| user.username == username)
            .cloned())
    }

    async fn find_by_id(&self, id: &str) -> Result<Option<UserRecord>, StoreError> {
        Ok(self.get(id))
    }

    async fn update_password_hash(
        &self,
        id: &str,
        expected_hash: &str,
        new_hash: &str,
    ) -> Result<bool, StoreError> {
        let mut users = self.users.lock().unwrap_or_else(PoisonError::into_inner);
        match users.get_mut(id) {
            Some(user) if user.password_hash == expected_hash => {
                new_hash.clone_into(&mut user.password_hash);
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}

//! The bridge to `opsguard-password`'s [`PasswordPolicy`], so the password
//! rules live in one place and their violations join the other fields'
//! errors in one report.

use std::borrow::Cow;

use opsguard_password::{PasswordPolicy, PolicyContext, Violation};
use secrecy::{ExposeSecret, SecretString};
use validator::ValidationError;

use crate::Checks;

/// Check a new password against `policy`: one `ValidationError` per broken
/// rule, with the policy's stable code (`too_short`, `missing_digit`,
/// `common_password`, `contains_username`, …) and message, in the policy's
/// order. No error holds the password: the codes and messages come from the
/// policy, and nothing is put in `params`.
///
/// A password over the policy's length limit (in characters or in bytes)
/// gets only `too_long`, without the other rules being run over it: a
/// megabyte of password is neither counted, lowercased nor scanned, and a
/// few hundred characters do not buy a run of zxcvbn's estimate, whose
/// cost grows steeply with length. It must be changed anyway.
///
/// This is not a `#[validate(custom(...))]` function: `validator`'s derive
/// would copy the field into the error, which `SecretString` (rightly)
/// cannot be. Call it from a hand-written `Validate`, most simply through
/// [`Checks::password`].
///
/// ```
/// use opsguard_password::{PasswordPolicy, PolicyContext};
/// use opsguard_validate::check_password;
/// use secrecy::SecretString;
///
/// let policy = PasswordPolicy::opsconductor();
/// let errors = check_password(&SecretString::from("hunter2"), &policy, &PolicyContext::new())
///     .err()
///     .unwrap_or_default();
/// let codes: Vec<_> = errors.iter().map(|e| e.code.as_ref()).collect();
/// assert_eq!(codes, ["too_short", "missing_uppercase"]);
/// ```
///
/// # Errors
///
/// Every broken rule, as above.
pub fn check_password(
    password: &SecretString,
    policy: &PasswordPolicy,
    context: &PolicyContext<'_>,
) -> Result<(), Vec<ValidationError>> {
    let text = password.expose_secret();
    // The byte test first: counting the characters of a huge value is
    // itself work.
    if text.len() > policy.max_bytes() || text.chars().count() > policy.max_length() {
        return Err(vec![to_validation_error(Violation::TooLong {
            max_chars: policy.max_length(),
            max_bytes: policy.max_bytes(),
        })]);
    }
    policy
        .check(password, context)
        .map_err(|violations| violations.into_iter().map(to_validation_error).collect())
}

fn to_validation_error(violation: Violation) -> ValidationError {
    ValidationError::new(violation.code()).with_message(Cow::Owned(violation.message()))
}

impl Checks {
    /// Record every rule `password` breaks under `policy` as errors of
    /// `field` (see [`check_password`]).
    ///
    /// ```
    /// use opsguard_password::{PasswordPolicy, PolicyContext};
    /// use opsguard_validate::Checks;
    /// use secrecy::SecretString;
    ///
    /// let mut checks = Checks::new();
    /// let context = PolicyContext::new().with_username("alice");
    /// checks.password("password", &SecretString::from("alice-password"), &PasswordPolicy::nist(), &context);
    /// let errors = checks.finish().err().map(|e| opsguard_validate::field_errors(&e)).unwrap_or_default();
    /// let codes: Vec<_> = errors.iter().map(|f| (f.field(), f.code())).collect();
    /// assert_eq!(codes, [("password", "contains_username")]);
    /// ```
    pub fn password(
        &mut self,
        field: &'static str,
        password: &SecretString,
        policy: &PasswordPolicy,
        context: &PolicyContext<'_>,
    ) -> &mut Self {
        if let Err(errors) = check_password(password, policy, context) {
            for error in errors {
                self.error(field, error);
            }
        }
        self
    }
}

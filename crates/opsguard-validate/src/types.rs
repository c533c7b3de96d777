//! The request types of the reference service (a small OpsConductor), as
//! examples of the patterns this crate recommends and for services to use
//! as they are.
//!
//! Every type:
//!
//! * is `#[serde(deny_unknown_fields)]`, so a member the type does not
//!   declare (`is_admin` on self-registration, `role`, `user_id`) is a 422,
//!   not silently dropped or, worse, picked up later by a looser layer;
//! * uses strict field types: `bool` takes only `true`/`false`, integers
//!   only JSON integers, [`Port`] only 1 to 65535, [`Platform`] only its two
//!   exact names; optional members may be absent but not `null`
//!   ([`non_null`]);
//! * holds passwords as [`SecretString`], whose `Debug` is redacted and which
//!   has no `Serialize`, so a request never leaks its secret through a log
//!   line or a response.
//!
//! Types with a secret implement `Validate` by hand with
//! [`Checks`] (see there for why); the others derive it.

use opsguard_password::{PasswordPolicy, PolicyContext};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use validator::{Validate, ValidateArgs, ValidationError, ValidationErrors};

use crate::{Checks, Platform, Port, chars, check_secret, email, host, name, non_null, username};

/// `POST /users` (admin only): create a user, possibly an administrator.
///
/// `is_admin` defaults to `false` when absent and must be a JSON boolean
/// when present. Only an administrator's request may be parsed into this
/// type; self-registration uses [`RegisterUser`], which has no such field.
///
/// The password is checked against a [`PasswordPolicy`]: the default one
/// (`Validate`, used by [`from_json_slice`](crate::from_json_slice)) or the
/// service's (`ValidateArgs`, used by
/// [`from_json_slice_with_args`](crate::from_json_slice_with_args)), with the
/// username and email as context.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserCreate {
    /// See [`username`].
    pub username: String,
    /// See [`email`].
    pub email: String,
    /// The new user's password.
    pub password: SecretString,
    /// Whether the new user is an administrator.
    #[serde(default)]
    pub is_admin: bool,
}

/// With [`PasswordPolicy::default()`] (NIST SP 800-63B).
impl Validate for UserCreate {
    fn validate(&self) -> Result<(), ValidationErrors> {
        self.validate_with_args(&PasswordPolicy::default())
    }
}

/// With the service's own password policy.
impl<'a> ValidateArgs<'a> for UserCreate {
    type Args = &'a PasswordPolicy;

    fn validate_with_args(&self, policy: &'a PasswordPolicy) -> Result<(), ValidationErrors> {
        new_user(&self.username, &self.email, &self.password, policy)
    }
}

/// `POST /auth/register`: self-registration. It has no `is_admin` (or
/// `role`), and `deny_unknown_fields` makes sending one an error. The
/// password is checked as for [`UserCreate`].
///
/// ```
/// use opsguard_password::PasswordPolicy;
/// use opsguard_validate::{from_json_slice_with_args, types::RegisterUser};
///
/// let body = br#"{"username":"alice","email":"alice@example.com","password":"alice"}"#;
/// let err = from_json_slice_with_args::<RegisterUser>(body, 4096, &PasswordPolicy::opsconductor()).err();
/// let fields: Vec<_> = err.iter().flat_map(|e| e.fields()).map(|f| (f.field(), f.code())).collect();
/// assert_eq!(
///     fields,
///     [("password", "too_short"), ("password", "missing_uppercase"), ("password", "missing_digit")]
/// );
/// ```
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterUser {
    /// See [`username`].
    pub username: String,
    /// See [`email`].
    pub email: String,
    /// The new user's password.
    pub password: SecretString,
}

/// With [`PasswordPolicy::default()`] (NIST SP 800-63B).
impl Validate for RegisterUser {
    fn validate(&self) -> Result<(), ValidationErrors> {
        self.validate_with_args(&PasswordPolicy::default())
    }
}

/// With the service's own password policy.
impl<'a> ValidateArgs<'a> for RegisterUser {
    type Args = &'a PasswordPolicy;

    fn validate_with_args(&self, policy: &'a PasswordPolicy) -> Result<(), ValidationErrors> {
        new_user(&self.username, &self.email, &self.password, policy)
    }
}

/// The checks of a new account: username, email, and the password under
/// `policy`, which may not contain the username or the email address.
fn new_user(
    user: &str,
    mail: &str,
    password: &SecretString,
    policy: &PasswordPolicy,
) -> Result<(), ValidationErrors> {
    let context = PolicyContext::new().with_username(user).with_email(mail);
    let mut checks = Checks::new();
    checks
        .field("username", username(user))
        .field("email", email(mail))
        .password("password", password, policy, &context);
    checks.finish()
}

/// `POST /targets`: a machine that jobs run on.
///
/// ```
/// use opsguard_validate::{Platform, from_json_slice, types::TargetCreate};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let body = br#"{"name":"web-01","host":"10.0.0.5","platform":"linux","credential_id":3}"#;
/// let target: TargetCreate = from_json_slice(body, 4096)?;
/// assert_eq!(target.port_or_default().get(), 22);
/// assert_eq!(target.platform, Platform::Linux);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct TargetCreate {
    /// See [`name`].
    #[validate(custom(function = "name"))]
    pub name: String,
    /// See [`host`]. Any address is accepted: targets are
    /// usually private machines. Use a [`HostPolicy`](crate::HostPolicy)
    /// where they must not be.
    #[validate(custom(function = "host"))]
    pub host: String,
    /// The port; when absent, [`Platform::default_port`].
    #[serde(default, deserialize_with = "non_null")]
    pub port: Option<Port>,
    /// `"linux"` or `"windows"`.
    pub platform: Platform,
    /// The credential used to log in, a positive id.
    #[validate(range(min = 1))]
    pub credential_id: i64,
    /// The group the target belongs to, if any, a positive id.
    #[serde(default, deserialize_with = "non_null")]
    #[validate(range(min = 1))]
    pub group_id: Option<i64>,
}

impl TargetCreate {
    /// The port, or the platform's default.
    #[must_use]
    pub fn port_or_default(&self) -> Port {
        self.port.unwrap_or_else(|| self.platform.default_port())
    }
}

/// `POST /credentials`: a login for targets, stored encrypted.
///
/// `username` is the account on the target (`root`, `DOMAIN\svc-ops`,
/// `ops@corp.example`), so it follows the [`name`] rules, not
/// the [`username`] rules of this service's own users.
/// `password` is only bounded in size ([`check_secret`]): it is whatever the
/// target requires.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialCreate {
    /// See [`name`].
    pub name: String,
    /// The account name on the target.
    pub username: String,
    /// The account's password.
    pub password: SecretString,
}

impl Validate for CredentialCreate {
    fn validate(&self) -> Result<(), ValidationErrors> {
        let mut checks = Checks::new();
        checks
            .field("name", name(&self.name))
            .field("username", name(&self.username))
            .field("password", check_secret(&self.password).map_err(Into::into));
        checks.finish()
    }
}

/// The most targets one job may name.
pub const MAX_JOB_TARGETS: usize = 1000;
/// The most steps one job may have.
pub const MAX_JOB_STEPS: usize = 100;
/// The most bytes one step's command may have.
pub const MAX_COMMAND_BYTES: usize = 64 * 1024;

/// `POST /jobs`: run steps on targets.
///
/// Errors in steps are reported with their index: `steps[2].command`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct JobCreate {
    /// See [`name`].
    #[validate(custom(function = "name"))]
    pub name: String,
    /// The targets to run on: 1 to [`MAX_JOB_TARGETS`] distinct positive ids
    /// (code `invalid_target_ids`).
    #[validate(custom(function = "target_ids"))]
    pub target_ids: Vec<i64>,
    /// The steps, in order: 1 to [`MAX_JOB_STEPS`].
    #[validate(length(min = 1, max = 100), nested)]
    pub steps: Vec<JobStep>,
}

/// One step of a [`JobCreate`].
///
/// It is `Serialize` because `validator`'s `length` check on
/// [`JobCreate::steps`] copies the list into its error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct JobStep {
    /// See [`name`].
    #[validate(custom(function = "name"))]
    pub name: String,
    /// The command or script to run: 1 to [`MAX_COMMAND_BYTES`] bytes (code
    /// `invalid_command`) that display as what runs. Refused: every control
    /// character other than tab and line feed (NUL, escape sequences, DEL,
    /// C1 controls), a carriage return other than in a CRLF line ending
    /// (a bare CR makes a terminal overwrite the line, so
    /// `rm -rf /\recho harmless` shows as `echo harmless`), the
    /// bidirectional controls (U+061C, U+200E, U+200F, U+202A to U+202E,
    /// U+2066 to U+2069: "Trojan Source", CVE-2021-42574) and the line and
    /// paragraph separators U+2028 and U+2029 (a line break on screen, not
    /// to a shell). Other Unicode, zero-width characters included, is
    /// accepted: scripts print and match text in every language. The
    /// command runs as given on the target; validation bounds it, it cannot
    /// make it harmless: who may create jobs is an authorization question.
    #[validate(custom(function = "command"))]
    pub command: String,
    /// Seconds before the step is stopped: 1 to 86400 when given.
    #[serde(default, deserialize_with = "non_null")]
    #[validate(range(min = 1, max = 86400))]
    pub timeout_secs: Option<u32>,
}

fn target_ids(ids: &[i64]) -> Result<(), ValidationError> {
    let refuse = |message: &'static str| {
        Err(ValidationError::new("invalid_target_ids").with_message(message.into()))
    };
    if ids.is_empty() || ids.len() > MAX_JOB_TARGETS {
        return refuse("must name 1 to 1000 targets");
    }
    if ids.iter().any(|&id| id < 1) {
        return refuse("must be positive ids");
    }
    let mut sorted = ids.to_vec();
    sorted.sort_unstable();
    if sorted.windows(2).any(|w| w.first() == w.get(1)) {
        return refuse("must not name a target twice");
    }
    Ok(())
}

fn command(value: &str) -> Result<(), ValidationError> {
    let refuse = |message: &'static str| {
        Err(ValidationError::new("invalid_command").with_message(message.into()))
    };
    if value.is_empty() || value.len() > MAX_COMMAND_BYTES {
        return refuse("must be 1 to 65536 bytes");
    }
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        let refused = match c {
            '\t' | '\n' => false,
            '\r' => chars.peek() != Some(&'\n'),
            _ => chars::is_control(c) || chars::is_bidi_control(c) || chars::is_line_separator(c),
        };
        if refused {
            return refuse(
                "must not contain control characters other than tab and line breaks, \
                 or bidirectional formatting characters",
            );
        }
    }
    Ok(())
}

//! Password rules for new passwords, reporting every broken rule at once.

use std::fmt;

use opsguard_core::FieldError;
use secrecy::{ExposeSecret as _, SecretString};
use zxcvbn::feedback::Warning;
use zxcvbn::matching::patterns::MatchPattern;

use crate::chars;
use crate::{Error, Result};

/// The field name violations are reported under.
const FIELD: &str = "password";
/// The lowest minimum length a policy accepts (NIST SP 800-63B).
const MIN_MIN_LENGTH: usize = 8;
/// The lowest maximum length a policy accepts (NIST SP 800-63B asks verifiers
/// to permit at least 64 characters); also the lowest byte cap, so that 64
/// ASCII characters always fit.
const MIN_MAX_LENGTH: usize = 64;
/// The highest byte cap a policy accepts, so a policy always bounds input.
const MAX_MAX_BYTES: usize = 4096;
/// Context words shorter than this are not looked for inside passwords.
const MIN_CONTEXT_CHARS: usize = 3;
/// zxcvbn reads only this many characters of a password.
const ZXCVBN_READS: usize = 100;

/// One broken password rule.
///
/// [`code`](Self::code) is stable (clients may branch on it) and
/// [`message`](Self::message) is for people; neither ever contains the
/// password.
///
/// ```
/// use opsguard_core::FieldError;
/// use opsguard_password::Violation;
///
/// let v = Violation::TooShort { min_chars: 8 };
/// assert_eq!(v.code(), "too_short");
/// let field = FieldError::from(v);
/// assert_eq!(field.field(), "password");
/// assert_eq!(field.message(), "must be at least 8 characters");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Violation {
    /// `breached_password`: the service's [`BreachedPasswords`] source
    /// knows this password from a data breach (only from
    /// [`PasswordPolicy::check_against`]).
    BreachedPassword,
    /// `common_password`: zxcvbn's password frequency list (30,000 entries
    /// from leaked password corpora) has this password or a small variation
    /// of it (case, l33t, reversal, a short prefix or suffix). That is a
    /// built-in dictionary, not a breach corpus: see the crate's security
    /// notes for adding a breached-password check.
    CommonPassword,
    /// `contains_control`: a control character (NUL, tab, line feed, DEL,
    /// C1), a line or paragraph separator, or an invisible format character
    /// (bidi overrides and isolates, zero-width space, soft hyphen, byte
    /// order mark, …). A zero-width joiner inside an emoji sequence is
    /// allowed.
    ContainsControl,
    /// `contains_email`: the password contains the email address or its
    /// local part.
    ContainsEmail,
    /// `contains_username`: the password contains the username.
    ContainsUsername,
    /// `missing_digit`: no digit.
    MissingDigit,
    /// `missing_lowercase`: no lowercase letter.
    MissingLowercase,
    /// `missing_uppercase`: no uppercase letter.
    MissingUppercase,
    /// `repetitive`: at least half of the password is repeated or
    /// sequential characters as zxcvbn finds them (`aaaaaaaaa1`,
    /// `passwordpassword…`, `abcdef`, `13579`), the "repetitive or
    /// sequential characters" NIST SP 800-63B lists among values to refuse.
    Repetitive,
    /// `too_long`: more characters or bytes than allowed.
    TooLong {
        /// The most characters allowed.
        max_chars: usize,
        /// The most UTF-8 bytes allowed.
        max_bytes: usize,
    },
    /// `too_short`: fewer characters than required.
    TooShort {
        /// The fewest characters allowed.
        min_chars: usize,
    },
    /// `too_weak`: zxcvbn's strength score is below the policy's minimum.
    TooWeak {
        /// The minimum score, 0 to 4.
        min_strength: u8,
    },
}

impl Violation {
    /// The stable machine-readable code, for example `too_short`.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::BreachedPassword => "breached_password",
            Self::CommonPassword => "common_password",
            Self::ContainsControl => "contains_control",
            Self::ContainsEmail => "contains_email",
            Self::ContainsUsername => "contains_username",
            Self::MissingDigit => "missing_digit",
            Self::MissingLowercase => "missing_lowercase",
            Self::MissingUppercase => "missing_uppercase",
            Self::Repetitive => "repetitive",
            Self::TooLong { .. } => "too_long",
            Self::TooShort { .. } => "too_short",
            Self::TooWeak { .. } => "too_weak",
        }
    }

    /// A message for people, such as `must be at least 8 characters`.
    #[must_use]
    pub fn message(&self) -> String {
        match self {
            Self::BreachedPassword => "has appeared in a data breach".to_owned(),
            Self::CommonPassword => "is too common".to_owned(),
            Self::ContainsControl => {
                "must not contain control or invisible formatting characters".to_owned()
            }
            Self::ContainsEmail => "must not contain the email address".to_owned(),
            Self::ContainsUsername => "must not contain the username".to_owned(),
            Self::MissingDigit => "must contain a digit".to_owned(),
            Self::MissingLowercase => "must contain a lowercase letter".to_owned(),
            Self::MissingUppercase => "must contain an uppercase letter".to_owned(),
            Self::Repetitive => "must not be mostly repeated or sequential characters".to_owned(),
            Self::TooLong {
                max_chars,
                max_bytes,
            } => format!("must be at most {max_chars} characters and {max_bytes} bytes"),
            Self::TooShort { min_chars } => format!("must be at least {min_chars} characters"),
            Self::TooWeak { .. } => "is too easy to guess".to_owned(),
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

/// A [`FieldError`] on field `password` with the violation's code and
/// message.
impl From<Violation> for FieldError {
    fn from(v: Violation) -> Self {
        Self::new(FIELD, v.code(), v.message())
    }
}

/// Every rule a password broke, in a fixed order: `too_short`, `too_long`,
/// `contains_control`, `missing_uppercase`, `missing_lowercase`,
/// `missing_digit`, `contains_username`, `contains_email`,
/// `common_password`, `breached_password`, `repetitive`, `too_weak`. Never
/// empty.
///
/// Converts into a 422 [`opsguard_core::Error`] listing one field error per
/// violation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violations(Vec<Violation>);

impl Violations {
    /// The violations, in the documented order.
    #[must_use]
    pub fn as_slice(&self) -> &[Violation] {
        &self.0
    }

    /// The violations' codes, in order.
    pub fn codes(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.0.iter().map(Violation::code)
    }

    /// Iterates over the violations.
    pub fn iter(&self) -> std::slice::Iter<'_, Violation> {
        self.0.iter()
    }

    /// How many rules were broken (at least one).
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always `false`; present for symmetry with [`len`](Self::len).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// One [`FieldError`] per violation, on field `password`.
    #[must_use]
    pub fn to_field_errors(&self) -> Vec<FieldError> {
        self.0.iter().copied().map(FieldError::from).collect()
    }
}

impl IntoIterator for Violations {
    type Item = Violation;
    type IntoIter = std::vec::IntoIter<Violation>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Violations {
    type Item = &'a Violation;
    type IntoIter = std::slice::Iter<'a, Violation>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl fmt::Display for Violations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("password breaks the policy:")?;
        for (i, code) in self.codes().enumerate() {
            f.write_str(if i == 0 { " " } else { ", " })?;
            f.write_str(code)?;
        }
        Ok(())
    }
}

impl std::error::Error for Violations {}

/// A validation error with one field error per violation.
impl From<Violations> for opsguard_core::Error {
    fn from(v: Violations) -> Self {
        Self::validation(v.to_field_errors())
    }
}

/// Who the password is for, so the policy can refuse passwords containing
/// the username or email address.
///
/// ```
/// use opsguard_password::PolicyContext;
///
/// let ctx = PolicyContext::new().with_username("alice").with_email("alice@example.com");
/// assert_eq!(ctx.username(), Some("alice"));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PolicyContext<'a> {
    username: Option<&'a str>,
    email: Option<&'a str>,
}

impl<'a> PolicyContext<'a> {
    /// No context: only the password itself is checked.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            username: None,
            email: None,
        }
    }

    /// The account's username.
    #[must_use]
    pub const fn with_username(mut self, username: &'a str) -> Self {
        self.username = Some(username);
        self
    }

    /// The account's email address.
    #[must_use]
    pub const fn with_email(mut self, email: &'a str) -> Self {
        self.email = Some(email);
        self
    }

    /// The username, if given.
    #[must_use]
    pub const fn username(&self) -> Option<&'a str> {
        self.username
    }

    /// The email address, if given.
    #[must_use]
    pub const fn email(&self) -> Option<&'a str> {
        self.email
    }

    fn user_inputs(&self) -> Vec<&'a str> {
        self.username.into_iter().chain(self.email).collect()
    }
}

/// A corpus of passwords known from data breaches, consulted by
/// [`PasswordPolicy::check_against`] (`breached_password`).
///
/// NIST SP 800-63B asks verifiers to refuse "passwords obtained from
/// previous breach corpuses". The crate ships no such corpus (zxcvbn's
/// built-in list is 30,000 frequent passwords); implement this over your
/// own: Have I Been Pwned's downloadable Pwned Passwords (SHA-1 or NTLM
/// hashes, tens of GB; a Bloom filter or a sorted file of SHA-1 prefixes
/// keeps it small), or an answer looked up beforehand from its k-anonymity
/// range API (only the first 5 hex digits of the password's SHA-1 leave
/// the service), passed as a closure. Closures `Fn(&SecretString) -> bool`
/// implement it.
///
/// The implementation sees the password: it must not log, store or send
/// it (send only a hash prefix).
pub trait BreachedPasswords {
    /// Whether `password` is in the corpus.
    fn is_breached(&self, password: &SecretString) -> bool;
}

impl<F: Fn(&SecretString) -> bool> BreachedPasswords for F {
    fn is_breached(&self, password: &SecretString) -> bool {
        self(password)
    }
}

/// Rules for choosing a password, checked when a password is set (never at
/// login).
///
/// Two presets:
///
/// | rule | [`opsconductor()`](Self::opsconductor) | [`nist()`](Self::nist) |
/// |---|---|---|
/// | minimum characters | 8 | 8 (configurable) |
/// | maximum characters / bytes | 128 / 1024 | 256 / 1024 |
/// | control and invisible characters | refused (`contains_control`) | refused (`contains_control`) |
/// | uppercase, lowercase, digit | required | not required (SP 800-63B forbids composition rules) |
/// | common passwords | allowed | refused (`common_password`) |
/// | username / email inside | allowed | refused (`contains_username`, `contains_email`) |
/// | mostly repeated or sequential | allowed | refused (`repetitive`) |
/// | zxcvbn score under 2 (< 10⁶ guesses) | allowed | refused (`too_weak`) |
///
/// Length is counted in Unicode scalar values of the password's NFKC form
/// without default-ignorable code points, so a decomposed `é` (`e` +
/// U+0301) counts as one character and a zero-width joiner as none; the
/// byte cap applies to the UTF-8 bytes as given. Uppercase and lowercase
/// follow Unicode's `Uppercase` and `Lowercase` properties of the
/// characters as typed, so `É` counts as an uppercase letter and `é` as a
/// lowercase one, while letters without case (CJK, Arabic) count as
/// neither. Digits are characters with Unicode's `Numeric` property (`7`,
/// `٧`, `Ⅶ`). The username and email are looked for after NFKD, case
/// folding and removing combining marks and invisible characters on both
/// sides (`ＡＬİＣＥ` contains `alice`). Hashing always uses the exact bytes
/// given (see the crate's security notes).
///
/// ```
/// use opsguard_password::{PasswordPolicy, PolicyContext};
/// use secrecy::SecretString;
///
/// let policy = PasswordPolicy::nist();
/// let ctx = PolicyContext::new().with_username("alice");
/// let err = policy.check(&SecretString::from("alice123"), &ctx).err();
/// let codes: Vec<_> = err.iter().flat_map(|v| v.codes()).collect();
/// assert_eq!(codes, ["contains_username", "too_weak"]);
/// // Fullwidth letters are folded before the username is looked for.
/// let err = policy.check(&SecretString::from("ａｌｉｃｅ-juggles-umbrellas"), &ctx).err();
/// let codes: Vec<_> = err.iter().flat_map(|v| v.codes()).collect();
/// assert_eq!(codes, ["contains_username"]);
/// assert!(policy.check(&SecretString::from("purple otter juggles umbrellas"), &ctx).is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordPolicy {
    min_chars: usize,
    max_chars: usize,
    max_bytes: usize,
    require_uppercase: bool,
    require_lowercase: bool,
    require_digit: bool,
    reject_common: bool,
    reject_context: bool,
    reject_control: bool,
    reject_repetitive: bool,
    min_strength: Option<u8>,
}

impl PasswordPolicy {
    /// The seed service's rules: at least 8 characters with an uppercase
    /// letter, a lowercase letter and a digit; at most 128 characters and
    /// 1024 bytes; no control or invisible characters.
    #[must_use]
    pub const fn opsconductor() -> Self {
        Self {
            min_chars: 8,
            max_chars: 128,
            max_bytes: 1024,
            require_uppercase: true,
            require_lowercase: true,
            require_digit: true,
            reject_common: false,
            reject_context: false,
            reject_control: true,
            reject_repetitive: false,
            min_strength: None,
        }
    }

    /// NIST SP 800-63B: at least 8 characters, at most 256 characters and
    /// 1024 bytes, no composition rules, no control or invisible
    /// characters, no common passwords, not containing the username or
    /// email address, not mostly repeated or sequential characters
    /// (`aaaaaaaaa1`, `password` × 13, `abcdefgh`), and a zxcvbn score of
    /// at least 2 (10⁶ guesses: refuses `Company123`, `Welcome1`). These
    /// are the "repetitive or sequential characters" and "dictionary words"
    /// SP 800-63B lists among values to refuse.
    #[must_use]
    pub const fn nist() -> Self {
        Self {
            min_chars: 8,
            max_chars: 256,
            max_bytes: 1024,
            require_uppercase: false,
            require_lowercase: false,
            require_digit: false,
            reject_common: true,
            reject_context: true,
            reject_control: true,
            reject_repetitive: true,
            min_strength: Some(2),
        }
    }

    /// A builder starting from this policy.
    pub fn to_builder(&self) -> PasswordPolicyBuilder {
        PasswordPolicyBuilder {
            policy: self.clone(),
        }
    }

    /// The fewest characters allowed.
    #[must_use]
    pub const fn min_length(&self) -> usize {
        self.min_chars
    }

    /// The most characters allowed.
    #[must_use]
    pub const fn max_length(&self) -> usize {
        self.max_chars
    }

    /// The most UTF-8 bytes allowed.
    #[must_use]
    pub const fn max_bytes(&self) -> usize {
        self.max_bytes
    }

    /// Checks `password` against every rule.
    ///
    /// # Errors
    ///
    /// [`Violations`] listing every broken rule, in the documented order.
    pub fn check(
        &self,
        password: &SecretString,
        context: &PolicyContext<'_>,
    ) -> Result<(), Violations> {
        self.check_with(password, context, None)
    }

    /// [`check`](Self::check), and `breached_password` when `breached`
    /// knows the password from a data breach (NIST SP 800-63B asks to
    /// refuse those). The built-in `common_password` rule is zxcvbn's
    /// dictionary of 30,000 frequent passwords, not a breach corpus; this
    /// is where a service plugs one in.
    ///
    /// ```
    /// use std::collections::HashSet;
    /// use opsguard_password::{BreachedPasswords, PasswordPolicy, PolicyContext};
    /// use secrecy::{ExposeSecret, SecretString};
    ///
    /// // A local corpus (in production: SHA-1 prefixes of HIBP's Pwned
    /// // Passwords download, a Bloom filter, …).
    /// struct Corpus(HashSet<&'static str>);
    /// impl BreachedPasswords for Corpus {
    ///     fn is_breached(&self, password: &SecretString) -> bool {
    ///         self.0.contains(password.expose_secret())
    ///     }
    /// }
    /// let corpus = Corpus(HashSet::from(["plum kettle orbit saffron"]));
    /// let policy = PasswordPolicy::nist();
    /// let password = SecretString::from("plum kettle orbit saffron");
    /// let err = policy.check_against(&password, &PolicyContext::new(), &corpus).err();
    /// let codes: Vec<_> = err.iter().flat_map(|v| v.codes()).collect();
    /// assert_eq!(codes, ["breached_password"]);
    ///
    /// // An answer looked up beforehand (an async API), as a closure.
    /// let found = false;
    /// assert!(policy.check_against(&password, &PolicyContext::new(), &|_: &SecretString| found).is_ok());
    /// ```
    ///
    /// # Errors
    ///
    /// [`Violations`] listing every broken rule, in the documented order.
    pub fn check_against(
        &self,
        password: &SecretString,
        context: &PolicyContext<'_>,
        breached: &dyn BreachedPasswords,
    ) -> Result<(), Violations> {
        self.check_with(password, context, Some(breached))
    }

    fn check_with(
        &self,
        password: &SecretString,
        context: &PolicyContext<'_>,
        breached: Option<&dyn BreachedPasswords>,
    ) -> Result<(), Violations> {
        let raw = password.expose_secret();
        let visible = chars::visible_nfkc(raw);
        let mut found = Vec::new();
        let count = visible.chars().count();
        if count < self.min_chars {
            found.push(Violation::TooShort {
                min_chars: self.min_chars,
            });
        }
        if count > self.max_chars || raw.len() > self.max_bytes {
            found.push(Violation::TooLong {
                max_chars: self.max_chars,
                max_bytes: self.max_bytes,
            });
        }
        if self.reject_control && chars::has_control(raw) {
            found.push(Violation::ContainsControl);
        }
        if self.require_uppercase && !raw.chars().any(char::is_uppercase) {
            found.push(Violation::MissingUppercase);
        }
        if self.require_lowercase && !raw.chars().any(char::is_lowercase) {
            found.push(Violation::MissingLowercase);
        }
        if self.require_digit && !raw.chars().any(char::is_numeric) {
            found.push(Violation::MissingDigit);
        }
        if self.reject_context {
            let folded = chars::fold(&visible);
            if context.username.is_some_and(|u| contains_word(&folded, u)) {
                found.push(Violation::ContainsUsername);
            }
            if context.email.is_some_and(|e| {
                contains_word(&folded, e)
                    || e.split_once('@')
                        .is_some_and(|(local, _)| contains_word(&folded, local))
            }) {
                found.push(Violation::ContainsEmail);
            }
        }
        // zxcvbn reads at most the first 100 characters.
        let estimate =
            (self.reject_common || self.reject_repetitive || self.min_strength.is_some())
                .then(|| zxcvbn::zxcvbn(&visible, &context.user_inputs()));
        if self.reject_common && estimate.as_ref().is_some_and(is_common) {
            found.push(Violation::CommonPassword);
        }
        if breached.is_some_and(|b| b.is_breached(password)) {
            found.push(Violation::BreachedPassword);
        }
        if let Some(estimate) = &estimate {
            if self.reject_repetitive && is_repetitive(estimate, &visible) {
                found.push(Violation::Repetitive);
            }
            if let Some(min_strength) = self.min_strength
                && u8::from(estimate.score()) < min_strength
            {
                found.push(Violation::TooWeak { min_strength });
            }
        }
        if found.is_empty() {
            Ok(())
        } else {
            Err(Violations(found))
        }
    }

    /// zxcvbn's strength score for `password`, from 0 (guessable in under
    /// 10³ tries) to 4 (more than 10¹⁰), taking the username and email into
    /// account. Useful for a strength meter; like the policy it reads the
    /// NFKC form without invisible characters, and only its first 100
    /// characters.
    #[must_use]
    pub fn strength(password: &SecretString, context: &PolicyContext<'_>) -> u8 {
        let visible = chars::visible_nfkc(password.expose_secret());
        u8::from(zxcvbn::zxcvbn(&visible, &context.user_inputs()).score())
    }
}

impl Default for PasswordPolicy {
    /// [`PasswordPolicy::nist`].
    fn default() -> Self {
        Self::nist()
    }
}

/// Whether `folded` (a password in [`chars::fold`]'s form) contains `word`
/// in the same form; words under 3 characters once folded are ignored.
fn contains_word(folded: &str, word: &str) -> bool {
    let word = chars::fold(word.trim());
    word.chars().count() >= MIN_CONTEXT_CHARS && folded.contains(word.as_str())
}

/// Whether zxcvbn's best explanation of `visible` spends at least half of
/// the characters it read on repeats (`aaaa`, `abcabc`) and sequences
/// (`abcdef`, `97531`).
fn is_repetitive(estimate: &zxcvbn::Entropy, visible: &str) -> bool {
    let read = visible.chars().take(ZXCVBN_READS).count();
    let covered: usize = estimate
        .sequence()
        .iter()
        .filter(|m| {
            matches!(
                m.pattern,
                MatchPattern::Repeat(_) | MatchPattern::Sequence(_)
            )
        })
        .map(|m| m.j.saturating_sub(m.i).saturating_add(1))
        .sum();
    read > 0 && covered.saturating_mul(2) >= read
}

/// zxcvbn's own verdict that the password is, or is close to, an entry of
/// its password frequency list.
fn is_common(estimate: &zxcvbn::Entropy) -> bool {
    estimate
        .feedback()
        .and_then(zxcvbn::feedback::Feedback::warning)
        .is_some_and(|w| {
            matches!(
                w,
                Warning::ThisIsATop10Password
                    | Warning::ThisIsATop100Password
                    | Warning::ThisIsACommonPassword
                    | Warning::ThisIsSimilarToACommonlyUsedPassword
            )
        })
}

/// Adjusts a [`PasswordPolicy`]; [`build`](Self::build) checks the result.
///
/// ```
/// use opsguard_password::PasswordPolicy;
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// // SP 800-63B-4 asks 15 characters when the password is the only factor.
/// let policy = PasswordPolicy::nist().to_builder().with_min_length(15).build()?;
/// assert_eq!(policy.min_length(), 15);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct PasswordPolicyBuilder {
    policy: PasswordPolicy,
}

impl PasswordPolicyBuilder {
    /// The fewest characters allowed (at least 8).
    pub fn with_min_length(mut self, chars: usize) -> Self {
        self.policy.min_chars = chars;
        self
    }

    /// The most characters allowed (at least 64 and at least the minimum).
    pub fn with_max_length(mut self, chars: usize) -> Self {
        self.policy.max_chars = chars;
        self
    }

    /// The most UTF-8 bytes allowed: at least 64 (so the 64 characters NIST
    /// SP 800-63B asks to permit always fit in ASCII) and at least the
    /// minimum length, at most 4096. Set 72 when new hashes are bcrypt.
    pub fn with_max_bytes(mut self, bytes: usize) -> Self {
        self.policy.max_bytes = bytes;
        self
    }

    /// Refuses passwords whose zxcvbn score (0 to 4) is below `score` with
    /// `too_weak`; 0 turns the rule off.
    pub fn with_min_strength(mut self, score: u8) -> Self {
        self.policy.min_strength = (score > 0).then_some(score);
        self
    }

    /// The policy.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidPolicy`] naming `min_length`, `max_length`,
    /// `max_bytes` or `min_strength` when out of the documented range.
    pub fn build(self) -> Result<PasswordPolicy> {
        let p = self.policy;
        if p.min_chars < MIN_MIN_LENGTH {
            return Err(Error::InvalidPolicy { name: "min_length" });
        }
        if p.max_chars < MIN_MAX_LENGTH || p.max_chars < p.min_chars {
            return Err(Error::InvalidPolicy { name: "max_length" });
        }
        if p.max_bytes < p.min_chars.max(MIN_MAX_LENGTH) || p.max_bytes > MAX_MAX_BYTES {
            return Err(Error::InvalidPolicy { name: "max_bytes" });
        }
        if p.min_strength.is_some_and(|score| score > 4) {
            return Err(Error::InvalidPolicy {
                name: "min_strength",
            });
        }
        Ok(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contains_word_ignores_short_words_and_case() {
        assert!(contains_word("xxalicexx", "ALICE"));
        assert!(contains_word("xxalicexx", " alice "));
        assert!(!contains_word("xxalxx", "al"));
        assert!(contains_word(&chars::fold("éclair-ÉCLAIR"), "Éclair"));
        // Three characters once folded: "ﬀ" is "ff", two.
        assert!(!contains_word("xxffxx", "ﬀ"));
    }
}

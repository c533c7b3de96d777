//! The hashing context: one current scheme for new hashes, every supported
//! scheme for verification, and the rehash decision.

use std::fmt;
use std::sync::Arc;

use rand::TryRng as _;
use rand::rngs::SysRng;
use secrecy::{ExposeSecret as _, SecretString};

use crate::argon2_scheme::{self, Argon2Hash};
use crate::bcrypt_scheme::{self, BcryptHash};
use crate::params::{BCRYPT_COST_RANGE, DEFAULT_BCRYPT_COST, MIN_BCRYPT_COST};
use crate::{Argon2Params, Error, ParamCeiling, Result};

/// Stored strings longer than this are malformed without further reading
/// (the longest legal PHC argon2 string is well under 256 bytes).
const MAX_STORED_LEN: usize = 512;

/// What [`Hasher::verify`] found.
///
/// A verification either matches or it does not; there is no third answer,
/// so this enum is exhaustive.
#[expect(
    clippy::exhaustive_enums,
    reason = "match or mismatch is complete by definition"
)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[must_use]
pub enum Verification {
    /// The password is the one the hash was made from.
    Match {
        /// The stored hash uses another scheme or other parameters than the
        /// hasher's current ones (weaker or stronger); store a new hash (see
        /// [`Hasher::verify_and_update`]).
        needs_rehash: bool,
    },
    /// The password is wrong.
    Mismatch,
}

impl Verification {
    /// Whether the password matched.
    #[must_use]
    pub fn is_match(&self) -> bool {
        matches!(self, Self::Match { .. })
    }

    /// Whether the password matched and the stored hash should be replaced.
    #[must_use]
    pub fn needs_rehash(&self) -> bool {
        matches!(self, Self::Match { needs_rehash: true })
    }
}

/// What [`Hasher::verify_and_update`] found.
///
/// `Debug` shows whether a new hash came back, never the hash itself
/// (`Match { new_hash: Some([REDACTED]) }`): a password hash is an offline
/// guessing target and has no place in logs.
#[expect(
    clippy::exhaustive_enums,
    reason = "match or mismatch is complete by definition"
)]
#[derive(Clone, PartialEq, Eq, Hash)]
#[must_use]
pub enum Outcome {
    /// The password is right.
    Match {
        /// The hash to store in place of the old one, when the old one was
        /// due for an upgrade.
        new_hash: Option<String>,
    },
    /// The password is wrong.
    Mismatch,
}

impl Outcome {
    /// Whether the password matched.
    #[must_use]
    pub fn is_match(&self) -> bool {
        matches!(self, Self::Match { .. })
    }
}

impl fmt::Debug for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        /// Stands in for the new hash.
        struct Redacted;
        impl fmt::Debug for Redacted {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("[REDACTED]")
            }
        }
        match self {
            Self::Match { new_hash } => f
                .debug_struct("Match")
                .field("new_hash", &new_hash.as_ref().map(|_| Redacted))
                .finish(),
            Self::Mismatch => f.write_str("Mismatch"),
        }
    }
}

/// The scheme new hashes are made with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    Argon2id(Argon2Params),
    Bcrypt { cost: u32 },
}

/// A parsed stored hash.
#[derive(Debug)]
enum Stored {
    Argon2(Argon2Hash),
    Bcrypt(BcryptHash),
}

impl Stored {
    /// The unknown-user dummy for `scheme`: its parameters, fixed salt and
    /// tag (see [`Argon2Hash::dummy`], [`BcryptHash::dummy`]).
    fn dummy(scheme: Scheme) -> Self {
        match scheme {
            Scheme::Argon2id(params) => Self::Argon2(Argon2Hash::dummy(params)),
            Scheme::Bcrypt { cost } => Self::Bcrypt(BcryptHash::dummy(cost)),
        }
    }

    /// Reads the identifier and hands the string to its scheme's strict
    /// parser. Unknown identifiers are [`Error::UnsupportedHash`]; every
    /// other defect is [`Error::MalformedHash`].
    fn parse(stored: &str) -> Result<Self> {
        if stored.is_empty() {
            return Err(Error::MalformedHash { reason: "empty" });
        }
        if stored.len() > MAX_STORED_LEN {
            return Err(Error::MalformedHash { reason: "too long" });
        }
        let Some(rest) = stored.strip_prefix('$') else {
            return Err(Error::MalformedHash {
                reason: "does not start with '$'",
            });
        };
        let id = rest.split_once('$').map_or(rest, |(id, _)| id);
        match id {
            "argon2id" | "argon2i" => Argon2Hash::parse(stored).map(Self::Argon2),
            "2a" | "2b" | "2y" => BcryptHash::parse(stored).map(Self::Bcrypt),
            "2x" => Err(Error::UnsupportedHash {
                reason: "bcrypt $2x$ (pre-2011 crypt_blowfish bug)",
            }),
            "argon2d" => Err(Error::UnsupportedHash {
                reason: "argon2d is not for password storage",
            }),
            "" => Err(Error::MalformedHash {
                reason: "empty scheme identifier",
            }),
            _ => Err(Error::UnsupportedHash {
                reason: "unknown scheme",
            }),
        }
    }

    /// Refuses cost parameters above `ceiling`.
    fn check_ceiling(&self, ceiling: &ParamCeiling) -> Result<()> {
        let excess = match self {
            Self::Argon2(h) => ceiling.argon2_excess(h.params_ref()),
            Self::Bcrypt(h) => ceiling.bcrypt_excess(h.cost()),
        };
        excess.map_or(Ok(()), |name| Err(Error::StoredParamsAboveCeiling { name }))
    }
}

/// Hashes new passwords with one current scheme and verifies every
/// supported one: argon2id and argon2i PHC strings, bcrypt `$2a$`, `$2b$`,
/// `$2y$`.
///
/// [`Hasher::new`] (also [`Default`]) hashes with argon2id v0x13,
/// m = 19456 KiB, t = 2, p = 1 (the OWASP minimum) and a 16-byte random
/// salt. [`Hasher::builder`] changes the parameters or switches new hashes to
/// bcrypt. Cloning is cheap (an [`Arc`]); share one hasher per service.
///
/// All methods are CPU-bound for tens of milliseconds by design: call them
/// from a blocking thread, or use `AsyncHasher` (feature `tokio`).
///
/// ```
/// use opsguard_password::{Argon2Params, Hasher, Verification};
/// use secrecy::SecretString;
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// // Small parameters keep the example fast; services use `Hasher::new()`.
/// let hasher = Hasher::builder()
///     .with_argon2id(Argon2Params::new(64, 1, 1))
///     .dangerous_allow_weak_params()
///     .build()?;
/// let password = SecretString::from("correct horse battery staple");
/// let stored = hasher.hash(&password)?;
/// assert!(stored.starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
/// assert_eq!(
///     hasher.verify(&password, &stored)?,
///     Verification::Match { needs_rehash: false }
/// );
/// assert_eq!(
///     hasher.verify(&SecretString::from("wrong"), &stored)?,
///     Verification::Mismatch
/// );
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Hasher {
    inner: Arc<Inner>,
}

struct Inner {
    scheme: Scheme,
    ceiling: ParamCeiling,
    /// A hash with the current scheme and parameters, verified for unknown
    /// users and on every error path of `verify`. Made without hashing when
    /// the hasher is built, so it is never missing (review F1).
    dummy: Stored,
}

impl Hasher {
    /// The recommended hasher: argon2id, OWASP minimum parameters, the
    /// default [`ParamCeiling`].
    #[must_use]
    pub fn new() -> Self {
        Self::from_parts(Scheme::Argon2id(Argon2Params::OWASP), ParamCeiling::DEFAULT)
    }

    /// A builder starting from [`Hasher::new`]'s settings.
    pub fn builder() -> HasherBuilder {
        HasherBuilder::new()
    }

    fn from_parts(scheme: Scheme, ceiling: ParamCeiling) -> Self {
        Self {
            inner: Arc::new(Inner {
                scheme,
                ceiling,
                dummy: Stored::dummy(scheme),
            }),
        }
    }

    /// A new hash of `password` with the current scheme and a fresh random
    /// salt: a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`) or, with
    /// bcrypt, a `$2b$` string.
    ///
    /// # Errors
    ///
    /// * [`Error::PasswordTooLong`] (more than 72 bytes) and
    ///   [`Error::PasswordContainsNul`] when the scheme is bcrypt;
    /// * [`Error::Rng`] when the operating system's RNG fails;
    /// * [`Error::Hashing`] when argon2 cannot allocate its memory.
    pub fn hash(&self, password: &SecretString) -> Result<String> {
        self.hash_bytes(password.expose_secret().as_bytes())
    }

    fn hash_bytes(&self, password: &[u8]) -> Result<String> {
        match self.inner.scheme {
            Scheme::Argon2id(params) => argon2_scheme::hash(password, &params, &random_salt()?),
            Scheme::Bcrypt { cost } => {
                // Refuse before spending entropy.
                bcrypt_scheme::check_password(password)?;
                bcrypt_scheme::hash(password, cost, random_salt()?)
            }
        }
    }

    /// Checks `password` against a `stored` hash of any supported scheme.
    ///
    /// A wrong password is `Ok(Verification::Mismatch)`. An error means the
    /// password could not be checked at all; a login flow answers both with
    /// the same generic "invalid username or password" and logs the error.
    /// Every error path first spends the time of a real verification (see
    /// [`verify_unknown_user`](Self::verify_unknown_user)), so failing is not
    /// measurably faster than checking.
    ///
    /// # Errors
    ///
    /// * [`Error::MalformedHash`] / [`Error::UnsupportedHash`]: `stored` is
    ///   not a hash this crate verifies (including bcrypt `$2x$` and
    ///   argon2d); never reported as a mismatch;
    /// * [`Error::StoredParamsAboveCeiling`]: its cost parameters exceed the
    ///   [`ParamCeiling`]; refused before any allocation;
    /// * [`Error::PasswordTooLong`] / [`Error::PasswordContainsNul`]: the
    ///   stored hash is bcrypt and the password is longer than 72 bytes or
    ///   contains NUL. bcrypt would ignore the excess or C implementations
    ///   would have stopped at the NUL, so such a password is refused rather
    ///   than half-checked (fails closed);
    /// * [`Error::Hashing`]: argon2 could not allocate its memory.
    pub fn verify(&self, password: &SecretString, stored: &str) -> Result<Verification> {
        self.verify_bytes(password.expose_secret().as_bytes(), stored)
    }

    fn verify_bytes(&self, password: &[u8], stored: &str) -> Result<Verification> {
        let parsed = match self.parse_within_ceiling(stored) {
            Ok(parsed) => parsed,
            Err(err) => {
                self.verify_dummy(password);
                return Err(err);
            }
        };
        if check(&parsed, password)? {
            Ok(Verification::Match {
                needs_rehash: self.is_outdated(&parsed),
            })
        } else {
            Ok(Verification::Mismatch)
        }
    }

    /// [`verify`](Self::verify), and when the password matches and the
    /// stored hash is due for an upgrade, a new hash of the password with
    /// the current scheme to store in its place.
    ///
    /// When the current scheme is bcrypt and the password cannot be hashed
    /// with it (longer than 72 bytes, NUL), the match stands and no new hash
    /// is returned.
    ///
    /// ```
    /// use opsguard_password::{Argon2Params, Hasher, Outcome, Verification};
    /// use secrecy::SecretString;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let old = Hasher::builder()
    ///     .with_argon2id(Argon2Params::new(32, 1, 1))
    ///     .dangerous_allow_weak_params()
    ///     .build()?;
    /// let current = Hasher::builder()
    ///     .with_argon2id(Argon2Params::new(64, 1, 1))
    ///     .dangerous_allow_weak_params()
    ///     .build()?;
    /// let password = SecretString::from("hunter2 but longer");
    /// let stored = old.hash(&password)?;
    ///
    /// let Outcome::Match { new_hash: Some(new_hash) } = current.verify_and_update(&password, &stored)? else {
    ///     return Err("expected an upgrade".into());
    /// };
    /// assert_eq!(current.verify(&password, &new_hash)?, Verification::Match { needs_rehash: false });
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// Those of [`verify`](Self::verify), and [`Error::Rng`] /
    /// [`Error::Hashing`] from making the new hash.
    pub fn verify_and_update(&self, password: &SecretString, stored: &str) -> Result<Outcome> {
        match self.verify(password, stored)? {
            Verification::Mismatch => Ok(Outcome::Mismatch),
            Verification::Match {
                needs_rehash: false,
            } => Ok(Outcome::Match { new_hash: None }),
            Verification::Match { needs_rehash: true } => match self.hash(password) {
                Ok(new_hash) => Ok(Outcome::Match {
                    new_hash: Some(new_hash),
                }),
                Err(Error::PasswordTooLong { .. } | Error::PasswordContainsNul) => {
                    Ok(Outcome::Match { new_hash: None })
                }
                Err(err) => Err(err),
            },
        }
    }

    /// Spends the time of a real verification for a user that does not
    /// exist, and answers [`Verification::Mismatch`].
    ///
    /// It verifies `password` against a dummy hash with the current scheme
    /// and parameters (made without hashing when the hasher is built, so it
    /// cannot be missing), so a login for a missing (or
    /// disabled) username costs what one for an existing user costs and its
    /// latency does not reveal which usernames exist (CVE-2024-39329,
    /// CVE-2025-22234). Call it wherever the flow would have called
    /// [`verify`](Self::verify) had the user existed.
    ///
    /// Users whose stored hash has other parameters (a legacy bcrypt cost,
    /// weaker *or stronger* argon2) take their own hash's time, and so can
    /// be told apart from unknown users by timing, until their next
    /// successful login rehashes them to the current parameters.
    pub fn verify_unknown_user(&self, password: &SecretString) -> Verification {
        self.verify_dummy(password.expose_secret().as_bytes());
        Verification::Mismatch
    }

    /// Runs the full verification of `password` against the dummy and
    /// discards the answer. A failure (argon2 could not allocate) is
    /// discarded too; the next call tries again.
    fn verify_dummy(&self, password: &[u8]) {
        let spent = check(&self.inner.dummy, password);
        std::hint::black_box(&spent);
    }

    /// Whether `stored` uses another scheme or other parameters than the
    /// current ones, without checking a password.
    ///
    /// argon2: any of m, t, p different from the current ones (lower *or
    /// higher*), argon2i, version 0x10, a salt shorter than 16 bytes or a
    /// tag shorter than 32 bytes. bcrypt: a cost different from the current
    /// one (`$2a$`, `$2b$` and `$2y$` are the same computation for the
    /// passwords accepted here).
    ///
    /// Stronger parameters are rehashed *down* to the current ones, as
    /// passlib does for deprecated settings: a hash that costs more than
    /// the unknown-user dummy would let anyone tell by timing that its user
    /// exists. The current parameters are the ones you chose (and, without
    /// [`dangerous_allow_weak_params`](crate::HasherBuilder::dangerous_allow_weak_params),
    /// at least the OWASP minimum).
    ///
    /// # Errors
    ///
    /// [`Error::MalformedHash`], [`Error::UnsupportedHash`] and
    /// [`Error::StoredParamsAboveCeiling`] as for [`verify`](Self::verify).
    pub fn needs_rehash(&self, stored: &str) -> Result<bool> {
        self.parse_within_ceiling(stored)
            .map(|parsed| self.is_outdated(&parsed))
    }

    fn parse_within_ceiling(&self, stored: &str) -> Result<Stored> {
        let parsed = Stored::parse(stored)?;
        parsed.check_ceiling(&self.inner.ceiling)?;
        Ok(parsed)
    }

    fn is_outdated(&self, stored: &Stored) -> bool {
        match (&self.inner.scheme, stored) {
            (Scheme::Argon2id(current), Stored::Argon2(h)) => h.differs_from(current),
            (Scheme::Bcrypt { cost }, Stored::Bcrypt(h)) => h.cost() != *cost,
            (Scheme::Argon2id(_), Stored::Bcrypt(_))
            | (Scheme::Bcrypt { .. }, Stored::Argon2(_)) => true,
        }
    }
}

/// Verifies `password` against a parsed hash.
fn check(stored: &Stored, password: &[u8]) -> Result<bool> {
    match stored {
        Stored::Argon2(h) => h.verify(password),
        Stored::Bcrypt(h) => {
            if let Err(err) = bcrypt_scheme::check_password(password) {
                h.spend_verification_time(password);
                return Err(err);
            }
            h.verify(password)
        }
    }
}

fn random_salt() -> Result<[u8; 16]> {
    let mut salt = [0u8; 16];
    SysRng.try_fill_bytes(&mut salt).map_err(|_| Error::Rng)?;
    Ok(salt)
}

impl Default for Hasher {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Hasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Hasher");
        match self.inner.scheme {
            Scheme::Argon2id(params) => d.field("argon2id", &params),
            Scheme::Bcrypt { cost } => d.field("bcrypt_cost", &cost),
        };
        d.field("ceiling", &self.inner.ceiling).finish()
    }
}

/// Configures a [`Hasher`]; [`build`](Self::build) checks the settings.
///
/// ```
/// use opsguard_password::{Error, Hasher};
///
/// // bcrypt for new hashes, for services that must stay compatible.
/// let bcrypt = Hasher::builder().with_bcrypt(12).build();
/// assert!(bcrypt.is_ok());
/// // Below the minimum without the dangerous opt-in: refused.
/// let weak = Hasher::builder().with_bcrypt(8).build();
/// assert_eq!(weak.err(), Some(Error::WeakParams { name: "bcrypt_cost" }));
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct HasherBuilder {
    scheme: Scheme,
    ceiling: ParamCeiling,
    allow_weak: bool,
}

impl HasherBuilder {
    /// argon2id with [`Argon2Params::OWASP`] and the default
    /// [`ParamCeiling`].
    pub fn new() -> Self {
        Self {
            scheme: Scheme::Argon2id(Argon2Params::OWASP),
            ceiling: ParamCeiling::DEFAULT,
            allow_weak: false,
        }
    }

    /// New hashes with argon2id and `params`. Without
    /// [`dangerous_allow_weak_params`](Self::dangerous_allow_weak_params),
    /// memory and iterations must meet one of
    /// [`Argon2Params::OWASP_MINIMUMS`].
    pub fn with_argon2id(mut self, params: Argon2Params) -> Self {
        self.scheme = Scheme::Argon2id(params);
        self
    }

    /// New hashes with bcrypt (`$2b$`) at `cost` (default
    /// [`DEFAULT_BCRYPT_COST`], at least [`MIN_BCRYPT_COST`] without
    /// [`dangerous_allow_weak_params`](Self::dangerous_allow_weak_params),
    /// at most 31 and within the [`ParamCeiling`], 15 by default). Passwords
    /// over 72 bytes or containing NUL cannot be hashed then.
    pub fn with_bcrypt(mut self, cost: u32) -> Self {
        self.scheme = Scheme::Bcrypt { cost };
        self
    }

    /// The ceiling for parameters read from stored hashes; the hasher's own
    /// parameters must fit under it.
    pub fn with_ceiling(mut self, ceiling: ParamCeiling) -> Self {
        self.ceiling = ceiling;
        self
    }

    /// Accepts parameters below the secure minimum. For tests, which need
    /// fast hashes, and nothing else.
    pub fn dangerous_allow_weak_params(mut self) -> Self {
        self.allow_weak = true;
        self
    }

    /// The hasher.
    ///
    /// # Errors
    ///
    /// * [`Error::InvalidParams`]: outside what the algorithm accepts
    ///   (argon2 m < 8p, t = 0, p = 0; bcrypt cost outside 4..=31);
    /// * [`Error::WeakParams`]: below the secure minimum, unless
    ///   [`dangerous_allow_weak_params`](Self::dangerous_allow_weak_params);
    /// * [`Error::ParamsAboveCeiling`]: above the [`ParamCeiling`].
    pub fn build(self) -> Result<Hasher> {
        match self.scheme {
            Scheme::Argon2id(params) => {
                params.to_argon2(argon2_scheme::OUTPUT_LEN)?;
                if !self.allow_weak && !params.meets_owasp_minimum() {
                    let smallest = Argon2Params::OWASP_MINIMUMS
                        .iter()
                        .map(|&(m, _)| m)
                        .min()
                        .unwrap_or(u32::MAX);
                    return Err(Error::WeakParams {
                        name: if params.memory_kib() < smallest {
                            "memory_kib"
                        } else {
                            "iterations"
                        },
                    });
                }
                if let Some(name) = self.ceiling.argon2_excess(&params) {
                    return Err(Error::ParamsAboveCeiling { name });
                }
            }
            Scheme::Bcrypt { cost } => {
                if !BCRYPT_COST_RANGE.contains(&cost) {
                    return Err(Error::InvalidParams {
                        name: "bcrypt_cost",
                    });
                }
                if !self.allow_weak && cost < MIN_BCRYPT_COST {
                    return Err(Error::WeakParams {
                        name: "bcrypt_cost",
                    });
                }
                if let Some(name) = self.ceiling.bcrypt_excess(cost) {
                    return Err(Error::ParamsAboveCeiling { name });
                }
            }
        }
        Ok(Hasher::from_parts(self.scheme, self.ceiling))
    }
}

impl Default for HasherBuilder {
    fn default() -> Self {
        Self::new()
    }
}

// The default bcrypt cost must pass the builder's minimum.
const _: () = assert!(DEFAULT_BCRYPT_COST >= MIN_BCRYPT_COST);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::{self, Work};

    fn case(id: &str) -> serde_json::Value {
        opsguard_tests::case("password.json", id)
    }

    fn fast() -> Hasher {
        Hasher::builder()
            .with_argon2id(Argon2Params::new(64, 1, 1))
            .dangerous_allow_weak_params()
            .build()
            .unwrap()
    }

    /// The eight-bit vectors need raw bytes (0xa3 alone is not UTF-8), which
    /// the public API, taking `SecretString`, cannot carry; the byte core
    /// underneath it is checked here.
    #[test]
    fn bcrypt_03_eight_bit_vectors_through_the_byte_core() {
        let c = case("BCRYPT-03");
        let hasher = fast();
        let mut checked = 0;
        for v in c["input"]["eight_bit"].as_array().unwrap() {
            let hash = v["hash"].as_str().unwrap();
            let password = hex::decode(v["password_hex"].as_str().unwrap()).unwrap();
            let outcome = hasher.verify_bytes(&password, hash);
            match &hash[..4] {
                "$2x$" => assert_eq!(
                    outcome,
                    Err(Error::UnsupportedHash {
                        reason: "bcrypt $2x$ (pre-2011 crypt_blowfish bug)"
                    })
                ),
                // The crypt_blowfish-only $2a$ countermeasure vector is
                // implementation-defined (the case does not require it);
                // OpenBSD-style $2a$ computes like $2b$ and does not match.
                "$2a$" => assert_eq!(outcome, Ok(Verification::Mismatch)),
                _ => assert_eq!(
                    outcome,
                    Ok(Verification::Match { needs_rehash: true }),
                    "{hash}"
                ),
            }
            checked += 1;
        }
        assert_eq!(checked, 5);
    }

    #[test]
    fn nul_is_refused_by_bcrypt_verification_even_inside_72_bytes() {
        let bcrypt = Hasher::builder()
            .with_bcrypt(4)
            .dangerous_allow_weak_params()
            .build()
            .unwrap();
        let stored = bcrypt.hash_bytes(b"abc").unwrap();
        assert_eq!(
            bcrypt.verify_bytes(b"abc\0", &stored),
            Err(Error::PasswordContainsNul)
        );
        assert_eq!(
            bcrypt.verify_bytes(b"abc\0def", &stored),
            Err(Error::PasswordContainsNul)
        );
        assert_eq!(
            bcrypt.verify_bytes(b"abc", &stored),
            Ok(Verification::Match {
                needs_rehash: false
            })
        );
    }

    #[test]
    fn web_07_unknown_users_verify_a_dummy_with_the_current_scheme_and_parameters() {
        let hasher = fast();
        match &hasher.inner.dummy {
            Stored::Argon2(h) => {
                assert_eq!(*h.params_ref(), Argon2Params::new(64, 1, 1));
                assert!(
                    !hasher.is_outdated(&Stored::parse(&hasher.hash_bytes(b"x").unwrap()).unwrap())
                );
            }
            other => panic!("{other:?}"),
        }
        let bcrypt = Hasher::builder()
            .with_bcrypt(5)
            .dangerous_allow_weak_params()
            .build()
            .unwrap();
        match &bcrypt.inner.dummy {
            Stored::Bcrypt(h) => assert_eq!(h.cost(), 5),
            other => panic!("{other:?}"),
        }
    }

    const FAST_WORK: Work = Work::Argon2 {
        params: Argon2Params::new(64, 1, 1),
        output_len: argon2_scheme::OUTPUT_LEN,
    };

    /// Review F1: a failed first computation (argon2 could not allocate
    /// under memory pressure) must not switch the unknown-user work off for
    /// the life of the hasher.
    #[test]
    fn f1_unknown_user_work_survives_a_failed_first_computation() {
        let hasher = fast();
        let pw = SecretString::from("not a user's password");
        probe::take();
        probe::fail_next_argon2(1);
        assert_eq!(hasher.verify_unknown_user(&pw), Verification::Mismatch);
        assert_eq!(probe::take(), [FAST_WORK]);
        // The pressure is gone: every unknown user and every error path
        // runs the full computation with the current parameters again.
        assert_eq!(hasher.verify_unknown_user(&pw), Verification::Mismatch);
        assert_eq!(probe::take(), [FAST_WORK]);
        assert_eq!(
            hasher.verify(&pw, "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHQ"),
            Err(Error::MalformedHash {
                reason: "missing hash"
            })
        );
        assert_eq!(probe::take(), [FAST_WORK]);
        assert_eq!(
            hasher.verify(
                &pw,
                "$2x$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"
            ),
            Err(Error::UnsupportedHash {
                reason: "bcrypt $2x$ (pre-2011 crypt_blowfish bug)"
            })
        );
        assert_eq!(probe::take(), [FAST_WORK]);
    }

    /// Review F2: the first unknown-user call did twice the work (it hashed
    /// to make the dummy, then verified it). Every call now does exactly
    /// the one computation a real user's verification does.
    #[test]
    fn f2_first_unknown_user_call_does_exactly_a_real_verifications_work() {
        let hasher = fast();
        let pw = SecretString::from("not a user's password");
        probe::take();
        assert_eq!(hasher.verify_unknown_user(&pw), Verification::Mismatch);
        assert_eq!(probe::take(), [FAST_WORK]);
        // The same work as a real user with a current hash.
        let stored = hasher.hash_bytes(b"the real one").unwrap();
        probe::take();
        assert_eq!(hasher.verify(&pw, &stored), Ok(Verification::Mismatch));
        assert_eq!(probe::take(), [FAST_WORK]);

        let bcrypt = Hasher::builder()
            .with_bcrypt(5)
            .dangerous_allow_weak_params()
            .build()
            .unwrap();
        probe::take();
        assert_eq!(bcrypt.verify_unknown_user(&pw), Verification::Mismatch);
        assert_eq!(probe::take(), [Work::Bcrypt { cost: 5 }]);
        assert_eq!(
            bcrypt.verify(&pw, ""),
            Err(Error::MalformedHash { reason: "empty" })
        );
        assert_eq!(probe::take(), [Work::Bcrypt { cost: 5 }]);
    }

    #[test]
    fn identifier_decides_unsupported_versus_malformed() {
        let err = |s: &str| Stored::parse(s).unwrap_err();
        assert_eq!(err(""), Error::MalformedHash { reason: "empty" });
        assert_eq!(
            err("$"),
            Error::MalformedHash {
                reason: "empty scheme identifier"
            }
        );
        assert_eq!(
            err("$$"),
            Error::MalformedHash {
                reason: "empty scheme identifier"
            }
        );
        assert_eq!(
            err("argon2id$v=19"),
            Error::MalformedHash {
                reason: "does not start with '$'"
            }
        );
        assert_eq!(
            err(
                "$scrypt$ln=16,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E"
            ),
            Error::UnsupportedHash {
                reason: "unknown scheme"
            }
        );
        assert_eq!(
            err(&"$".repeat(MAX_STORED_LEN + 1)),
            Error::MalformedHash { reason: "too long" }
        );
    }
}

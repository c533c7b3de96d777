//! bcrypt modular-crypt strings (`$2a$`, `$2b$`, `$2y$`): strict parsing,
//! hashing and verification without silent truncation.
//!
//! The `bcrypt` crate computes the hash; this module decides what may reach
//! it. Its own parser accepts `$2x$` (and computes it with `$2b$` rules),
//! any cost `u32::from_str` takes (`+4`) and any cost up to 31; here the cost
//! must be two ASCII digits in 04..=31 and within the verifier's ceiling,
//! the salt and hash must be canonical bcrypt base64, and a password longer
//! than 72 bytes or containing NUL never reaches it.

use base64::Engine as _;
use base64::alphabet::BCRYPT;
use base64::engine::GeneralPurpose;
use base64::engine::general_purpose::NO_PAD;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::params::BCRYPT_COST_RANGE;
use crate::{Error, Result};

/// The most bytes bcrypt uses from a password.
pub const BCRYPT_MAX_PASSWORD_BYTES: usize = 72;

/// Salt length, in bytes.
pub(crate) const SALT_LEN: usize = 16;

/// Length of every bcrypt string.
const HASH_LEN: usize = 60;
/// `$2b$12$`: where salt and hash start.
const PREFIX_LEN: usize = 7;
/// Salt characters.
const SALT_CHARS: usize = 22;
/// Decoded hash length.
const DIGEST_LEN: usize = 23;

/// bcrypt's base64 variant; decoding rejects non-zero trailing bits, so
/// every accepted string is the one canonical encoding of its bytes.
const B64: GeneralPurpose = GeneralPurpose::new(&BCRYPT, NO_PAD);

/// A parsed `$2a$` / `$2b$` / `$2y$` string.
#[derive(Debug)]
pub(crate) struct BcryptHash {
    cost: u32,
    salt: [u8; SALT_LEN],
    /// Salt and hash, exactly as stored (53 canonical characters).
    tail: [u8; HASH_LEN - PREFIX_LEN],
}

impl BcryptHash {
    /// Parses `stored`, whose identifier the caller has already read as
    /// `2a`, `2b` or `2y`.
    pub(crate) fn parse(stored: &str) -> Result<Self> {
        let bytes: &[u8; HASH_LEN] = stored
            .as_bytes()
            .try_into()
            .map_err(|_| malformed("bcrypt hash is not 60 bytes"))?;
        if !stored.is_ascii() {
            return Err(malformed("bcrypt hash is not ascii"));
        }
        let [b'$', b'2', _, b'$', c1, c0, b'$', tail @ ..] = *bytes else {
            return Err(malformed("bcrypt hash framing"));
        };
        if !c1.is_ascii_digit() || !c0.is_ascii_digit() {
            return Err(malformed("bcrypt cost is not two digits"));
        }
        let cost = u32::from(c1 - b'0') * 10 + u32::from(c0 - b'0');
        if !BCRYPT_COST_RANGE.contains(&cost) {
            return Err(malformed("bcrypt cost out of range"));
        }
        let (salt_chars, digest_chars) = tail
            .split_first_chunk::<SALT_CHARS>()
            .ok_or(malformed("bcrypt hash framing"))?;
        let salt: [u8; SALT_LEN] = decode(salt_chars, "bad bcrypt salt encoding")?;
        let _: [u8; DIGEST_LEN] = decode(digest_chars, "bad bcrypt hash encoding")?;
        Ok(Self { cost, salt, tail })
    }

    pub(crate) fn cost(&self) -> u32 {
        self.cost
    }

    /// Recomputes the hash of `password` and compares it in constant time.
    ///
    /// The caller has checked that `password` fits (see [`check_password`]).
    pub(crate) fn verify(&self, password: &[u8]) -> Result<bool> {
        let computed = compute(password, self.cost, self.salt)?;
        let computed_tail = computed.get(PREFIX_LEN..).ok_or(Error::Hashing)?;
        Ok(bool::from(computed_tail.ct_eq(&self.tail)))
    }

    /// The hash verified for unknown users and unusable stored hashes:
    /// `cost`, a fixed salt and a fixed digest, made without hashing.
    /// Verifying against it runs the full computation at `cost`; the answer
    /// is discarded.
    pub(crate) const fn dummy(cost: u32) -> Self {
        Self {
            cost,
            salt: *b"opsguard-dummy!!",
            tail: [b'.'; HASH_LEN - PREFIX_LEN],
        }
    }

    /// Spends the time of a verification on a password that cannot be
    /// verified (too long or containing NUL), so refusing it is not faster
    /// than checking it. The result is discarded.
    pub(crate) fn spend_verification_time(&self, password: &[u8]) {
        let prefix = password
            .get(..BCRYPT_MAX_PASSWORD_BYTES)
            .unwrap_or(password);
        let spent = compute(prefix, self.cost, self.salt);
        std::hint::black_box(&spent);
    }
}

/// Every bcrypt computation of the crate runs through here: the full
/// `$2b$` string for `password` (at most 72 bytes) at `cost`.
fn compute(password: &[u8], cost: u32, salt: [u8; SALT_LEN]) -> Result<Zeroizing<[u8; HASH_LEN]>> {
    #[cfg(test)]
    crate::probe::record(crate::probe::Work::Bcrypt { cost });
    bcrypt::hash_with_salt_bytes(password, cost, salt)
        .map(Zeroizing::new)
        .map_err(|_| Error::Hashing)
}

/// Refuses what bcrypt would silently get wrong: more than 72 bytes (bcrypt
/// ignores the rest) and NUL (C implementations stop there).
pub(crate) fn check_password(password: &[u8]) -> Result<()> {
    if password.len() > BCRYPT_MAX_PASSWORD_BYTES {
        return Err(Error::PasswordTooLong {
            max_bytes: BCRYPT_MAX_PASSWORD_BYTES,
        });
    }
    if password.contains(&0) {
        return Err(Error::PasswordContainsNul);
    }
    Ok(())
}

/// A new `$2b$` string for `password`.
pub(crate) fn hash(password: &[u8], cost: u32, salt: [u8; SALT_LEN]) -> Result<String> {
    check_password(password)?;
    let computed = compute(password, cost, salt).map_err(|_| Error::InvalidParams {
        name: "bcrypt_cost",
    })?;
    String::from_utf8(computed.to_vec()).map_err(|_| Error::Hashing)
}

fn decode<const N: usize>(chars: &[u8], reason: &'static str) -> Result<[u8; N]> {
    B64.decode(chars)
        .ok()
        .and_then(|v| <[u8; N]>::try_from(v).ok())
        .ok_or(malformed(reason))
}

const fn malformed(reason: &'static str) -> Error {
    Error::MalformedHash { reason }
}

#[cfg(test)]
mod tests {
    use super::*;

    // crypt_blowfish wrapper.c: "U*U" with salt "CCCCCCCCCCCCCCCCCCCCC."
    const U_STAR_U: &str = "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";

    #[test]
    fn parses_and_verifies() {
        let h = BcryptHash::parse(U_STAR_U).unwrap();
        assert_eq!(h.cost(), 5);
        assert!(h.verify(b"U*U").unwrap());
        assert!(!h.verify(b"U*V").unwrap());
    }

    #[test]
    fn non_canonical_salt_bits_are_malformed() {
        // The 22nd salt character carries 2 bits; 'C' sets bits bcrypt
        // ignores.
        let s = U_STAR_U.replacen("CCCCCCCCCCCCCCCCCCCCC.", "CCCCCCCCCCCCCCCCCCCCCC", 1);
        assert_eq!(
            BcryptHash::parse(&s).unwrap_err(),
            malformed("bad bcrypt salt encoding")
        );
    }

    #[test]
    fn non_canonical_hash_bits_are_malformed() {
        let mut s = U_STAR_U.to_owned();
        s.pop();
        s.push('X'); // 'W' is canonical; 'X' sets an unused bit
        assert_eq!(
            BcryptHash::parse(&s).unwrap_err(),
            malformed("bad bcrypt hash encoding")
        );
    }

    #[test]
    fn seventy_two_bytes_fit_seventy_three_do_not() {
        assert_eq!(check_password(&[b'a'; 72]), Ok(()));
        assert_eq!(
            check_password(&[b'a'; 73]),
            Err(Error::PasswordTooLong { max_bytes: 72 })
        );
        assert_eq!(check_password(b"a\0b"), Err(Error::PasswordContainsNul));
    }

    #[test]
    fn new_hashes_are_2b() {
        let s = hash(b"pw", 4, [1; SALT_LEN]).unwrap();
        assert!(s.starts_with("$2b$04$"), "{s}");
        assert!(BcryptHash::parse(&s).unwrap().verify(b"pw").unwrap());
    }
}

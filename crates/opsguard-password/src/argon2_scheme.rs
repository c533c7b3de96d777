//! Argon2 PHC strings: strict parsing, hashing and verification.
//!
//! Parsing goes through the `phc` parser the `argon2` crate re-exports; on
//! top of it this module insists on what RFC 9106's reference encoding
//! always writes: the `m`, `t`, `p` parameters, in that order, as canonical
//! decimals, a salt and a hash. `keyid`/`data` (a secret key or associated
//! data this crate cannot supply) are refused as unsupported.

use std::cell::RefCell;

use argon2::password_hash::phc::{Output, PasswordHash};
use argon2::{Algorithm, Argon2, Block, Version};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::{Argon2Params, Error, Result};

/// The tag length of new hashes, in bytes.
pub(crate) const OUTPUT_LEN: usize = 32;
/// The salt length of new hashes, in bytes.
pub(crate) const SALT_LEN: usize = 16;
/// The shortest tag accepted from storage, in bytes. RFC 9106 allows 4;
/// 16 is the shortest any common library has written by default (older
/// argon2-cffi), and refusing shorter ones catches most truncated strings.
const MIN_STORED_OUTPUT_LEN: usize = 16;

/// A parsed argon2i / argon2id PHC string.
#[derive(Debug)]
pub(crate) struct Argon2Hash {
    algorithm: Algorithm,
    version: Version,
    params: Argon2Params,
    /// The salt's bytes (the PHC parser has checked 4 to 48 of them, or
    /// the dummy's fixed 16).
    salt: Vec<u8>,
    /// The tag's bytes (16 to 64).
    output: Vec<u8>,
}

impl Argon2Hash {
    /// Parses `stored`, whose identifier the caller has already read as
    /// `argon2i` or `argon2id`.
    pub(crate) fn parse(stored: &str) -> Result<Self> {
        let phc = PasswordHash::new(stored).map_err(|e| Error::MalformedHash {
            reason: phc_reason(e),
        })?;
        let algorithm = match phc.algorithm.as_str() {
            "argon2id" => Algorithm::Argon2id,
            "argon2i" => Algorithm::Argon2i,
            _ => {
                return Err(Error::UnsupportedHash {
                    reason: "unknown scheme",
                });
            }
        };
        // RFC 9106's reference decoder reads a missing `v=` as version 0x10.
        let version = match phc.version {
            None | Some(0x10) => Version::V0x10,
            Some(0x13) => Version::V0x13,
            Some(_) => {
                return Err(Error::MalformedHash {
                    reason: "unknown argon2 version",
                });
            }
        };
        let params = Self::params(&phc)?;
        let salt = phc.salt.ok_or(Error::MalformedHash {
            reason: "missing salt",
        })?;
        let output = phc.hash.ok_or(Error::MalformedHash {
            reason: "missing hash",
        })?;
        if output.len() < MIN_STORED_OUTPUT_LEN {
            return Err(Error::MalformedHash {
                reason: "argon2 tag shorter than 16 bytes",
            });
        }
        // Range checks of the algorithm itself (m >= 8p, t >= 1, p >= 1);
        // nothing is allocated here.
        params
            .to_argon2(output.len())
            .map_err(|_| Error::MalformedHash {
                reason: "argon2 parameters out of range",
            })?;
        Ok(Self {
            algorithm,
            version,
            params,
            salt: salt.as_ref().to_vec(),
            output: output.as_bytes().to_vec(),
        })
    }

    /// The hash verified for unknown users and unusable stored hashes:
    /// argon2id v0x13 with `params`, a fixed salt and a fixed tag, made
    /// without hashing, so it can neither fail nor be missing. Verifying
    /// against it runs the full computation with `params`; the answer is
    /// discarded.
    pub(crate) fn dummy(params: Argon2Params) -> Self {
        Self {
            algorithm: Algorithm::Argon2id,
            version: Version::V0x13,
            params,
            salt: DUMMY_SALT.to_vec(),
            output: vec![0; OUTPUT_LEN],
        }
    }

    /// Exactly `m=<dec>,t=<dec>,p=<dec>`.
    fn params(phc: &PasswordHash) -> Result<Argon2Params> {
        let mut values = [0u32; 3];
        let mut pairs = phc.params.iter();
        for (name, slot) in ["m", "t", "p"].into_iter().zip(values.iter_mut()) {
            let (ident, value) = pairs.next().ok_or(Error::MalformedHash {
                reason: "missing argon2 parameter",
            })?;
            if ident.as_str() != name {
                return Err(unexpected_param(ident.as_str()));
            }
            *slot = value.decimal().map_err(|_| Error::MalformedHash {
                reason: "argon2 parameter is not a canonical decimal",
            })?;
        }
        if let Some((ident, _)) = pairs.next() {
            return Err(unexpected_param(ident.as_str()));
        }
        let [m, t, p] = values;
        Ok(Argon2Params::new(m, t, p))
    }

    pub(crate) fn params_ref(&self) -> &Argon2Params {
        &self.params
    }

    /// Whether this hash should be replaced by a new argon2id hash with
    /// `current`: another variant or version, *any* other m, t or p (weaker
    /// or stronger, so every hash converges on the current cost and the
    /// unknown-user dummy costs what a real user costs), or a short salt or
    /// tag.
    pub(crate) fn differs_from(&self, current: &Argon2Params) -> bool {
        self.algorithm != Algorithm::Argon2id
            || self.version != Version::V0x13
            || self.params != *current
            || self.salt.len() < SALT_LEN
            || self.output.len() < OUTPUT_LEN
    }

    /// Recomputes the tag for `password` and compares it in constant time.
    pub(crate) fn verify(&self, password: &[u8]) -> Result<bool> {
        let expected = self.output.as_slice();
        let mut buffer = Zeroizing::new([0u8; Output::MAX_LENGTH]);
        let computed = buffer
            .get_mut(..expected.len())
            .ok_or(Error::MalformedHash {
                reason: "hash length out of range",
            })?;
        compute(
            self.algorithm,
            self.version,
            &self.params,
            password,
            &self.salt,
            computed,
        )?;
        Ok(bool::from(computed.ct_eq(expected)))
    }
}

/// The salt of the unknown-user dummy. Nothing about the dummy is secret:
/// its answer is always discarded.
const DUMMY_SALT: [u8; SALT_LEN] = *b"opsguard-dummy!!";

/// A new argon2id v0x13 PHC string for `password`.
pub(crate) fn hash(
    password: &[u8],
    params: &Argon2Params,
    salt: &[u8; SALT_LEN],
) -> Result<String> {
    let mut tag = Zeroizing::new([0u8; OUTPUT_LEN]);
    compute(
        Algorithm::Argon2id,
        Version::V0x13,
        params,
        password,
        salt,
        tag.as_mut_slice(),
    )?;
    Ok(format!(
        "$argon2id$v=19$m={},t={},p={}${}${}",
        params.memory_kib(),
        params.iterations(),
        params.parallelism(),
        STANDARD_NO_PAD.encode(salt),
        STANDARD_NO_PAD.encode(tag.as_slice()),
    ))
}

/// Every argon2 computation of the crate: hashing, verifying and the
/// unknown-user dummy all run through here.
fn compute(
    algorithm: Algorithm,
    version: Version,
    params: &Argon2Params,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> Result<()> {
    #[cfg(test)]
    if crate::probe::record(crate::probe::Work::Argon2 {
        params: *params,
        output_len: out.len(),
    }) {
        return Err(Error::Hashing);
    }
    let argon2 = Argon2::new(algorithm, version, params.to_argon2(out.len())?);
    let blocks = argon2.params().block_count();
    if blocks > MAX_KEPT_BLOCKS {
        // Rare (a stored hash with parameters above what we keep): a
        // buffer of its own, freed afterwards (argon2 does not wipe it).
        return argon2
            .hash_password_into(password, salt, out)
            .map_err(|_| Error::Hashing);
    }
    KEPT_BLOCKS.with(|kept| {
        let Ok(mut kept) = kept.try_borrow_mut() else {
            return argon2
                .hash_password_into(password, salt, out)
                .map_err(|_| Error::Hashing);
        };
        let have = kept.len();
        if have < blocks {
            kept.try_reserve_exact(blocks - have)
                .map_err(|_| Error::Hashing)?;
            kept.resize(blocks, Block::default());
        }
        let memory = kept.get_mut(..blocks).ok_or(Error::Hashing)?;
        argon2
            .hash_password_into_with_memory(password, salt, out, &mut *memory)
            .map_err(|_| Error::Hashing)
    })
}

/// The most argon2 memory, in 1 KiB blocks, that a thread keeps between
/// computations: 64 MiB, three times the OWASP minimum the default uses.
const MAX_KEPT_BLOCKS: usize = 64 * 1024;

thread_local! {
    /// Each hashing thread's argon2 memory, kept between computations (the
    /// next hash on the thread overwrites it; wiping 19 MiB after every
    /// hash cost 8% of a verification in the bench, over the 1.05× budget). Allocating it afresh per hash (what argon2's
    /// `hash_password_into` does) hands 19 MiB back to the kernel and
    /// page-faults it in again every time, and concurrent hashes on several
    /// threads then contend in the kernel: concurrent logins ran at 0.61×
    /// of cores / single-hash time that way, 0.83× with the memory kept.
    static KEPT_BLOCKS: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

fn unexpected_param(name: &str) -> Error {
    match name {
        "keyid" | "data" => Error::UnsupportedHash {
            reason: "argon2 keyid/data parameters",
        },
        _ => Error::MalformedHash {
            reason: "unexpected argon2 parameter",
        },
    }
}

fn phc_reason(e: argon2::password_hash::phc::Error) -> &'static str {
    use argon2::password_hash::phc::Error as E;
    match e {
        E::Base64(_) => "bad base64",
        E::MissingField => "missing field",
        E::OutputSize { .. } => "hash length out of range",
        E::SaltTooShort | E::SaltTooLong => "salt length out of range",
        E::TrailingData => "trailing data",
        E::ParamNameDuplicated
        | E::ParamNameInvalid
        | E::ParamValueInvalid
        | E::ParamValueTooLong
        | E::ParamsMaxExceeded => "bad parameter field",
        _ => "not a PHC string",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // From the reference implementation's test suite (password "password",
    // salt "somesalt").
    const ID_M256_P2: &str =
        "$argon2id$v=19$m=256,t=2,p=2$c29tZXNhbHQ$bQk8UB/VmZZF4Oo79iDXuL5/0ttZwg2f/5U52iv1cDc";
    const I_V10_NO_VERSION: &str =
        "$argon2i$m=65536,t=2,p=1$c29tZXNhbHQ$9sTbSlTio3Biev89thdrlKKiCaYsjjYVJxGAL3swxpQ";

    /// Review F8: argon2 built without its `zeroize` feature left the
    /// password-derived initial hash and final block in freed memory. The
    /// feature is what makes `argon2::Block` zeroizable, so this only
    /// compiles with it on. (The memory blocks themselves are still not
    /// wiped by argon2 0.6; see the README's security notes.)
    #[test]
    fn f8_argon2_is_built_with_its_zeroize_feature() {
        fn wipe<T: zeroize::Zeroize>(value: &mut T) {
            value.zeroize();
        }
        let mut block = Block::new();
        block.as_mut().fill(0x5a5a);
        wipe(&mut block);
        assert!(block.as_ref().iter().all(|&word| word == 0));
    }

    #[test]
    fn parses_reference_strings() {
        let h = Argon2Hash::parse(ID_M256_P2).unwrap();
        assert_eq!(h.algorithm, Algorithm::Argon2id);
        assert_eq!(h.version, Version::V0x13);
        assert_eq!(h.params, Argon2Params::new(256, 2, 2));
        assert!(h.verify(b"password").unwrap());
        assert!(!h.verify(b"Password").unwrap());
    }

    #[test]
    fn missing_version_means_0x10_as_in_the_reference_decoder() {
        let h = Argon2Hash::parse(I_V10_NO_VERSION).unwrap();
        assert_eq!(h.version, Version::V0x10);
        assert_eq!(h.algorithm, Algorithm::Argon2i);
        assert!(h.verify(b"password").unwrap());
        // The same string claiming v=19 no longer verifies: the version is
        // part of the computation.
        let as_v13 = I_V10_NO_VERSION.replace("$argon2i$", "$argon2i$v=19$");
        assert!(
            !Argon2Hash::parse(&as_v13)
                .unwrap()
                .verify(b"password")
                .unwrap()
        );
    }

    #[test]
    fn params_must_be_m_t_p_in_order() {
        let reorder = ID_M256_P2.replace("m=256,t=2,p=2", "t=2,m=256,p=2");
        assert_eq!(
            Argon2Hash::parse(&reorder).unwrap_err(),
            Error::MalformedHash {
                reason: "unexpected argon2 parameter"
            }
        );
        let extra = ID_M256_P2.replace("p=2", "p=2,x=1");
        assert_eq!(
            Argon2Hash::parse(&extra).unwrap_err(),
            Error::MalformedHash {
                reason: "unexpected argon2 parameter"
            }
        );
        let leading_zero = ID_M256_P2.replace("m=256", "m=0256");
        assert_eq!(
            Argon2Hash::parse(&leading_zero).unwrap_err(),
            Error::MalformedHash {
                reason: "argon2 parameter is not a canonical decimal"
            }
        );
        let missing = ID_M256_P2.replace("m=256,t=2,p=2", "m=256,t=2");
        assert_eq!(
            Argon2Hash::parse(&missing).unwrap_err(),
            Error::MalformedHash {
                reason: "missing argon2 parameter"
            }
        );
    }

    #[test]
    fn differs_from_current() {
        let h = Argon2Hash::parse(ID_M256_P2).unwrap();
        assert!(h.differs_from(&Argon2Params::OWASP));
        // Equal parameters, argon2id v19, 8-byte salt: replaced only because
        // of the short salt.
        assert!(h.salt.len() < SALT_LEN);
        assert!(h.differs_from(&Argon2Params::new(256, 2, 2)));
    }

    #[test]
    fn new_hashes_round_trip_and_are_not_weaker() {
        let params = Argon2Params::new(64, 1, 1);
        let s = hash(b"pw", &params, &[7; SALT_LEN]).unwrap();
        assert_eq!(
            s,
            "$argon2id$v=19$m=64,t=1,p=1$BwcHBwcHBwcHBwcHBwcHBw$".to_owned()
                + s.rsplit('$').next().unwrap()
        );
        let h = Argon2Hash::parse(&s).unwrap();
        assert!(h.verify(b"pw").unwrap());
        assert!(!h.differs_from(&params));
        assert!(h.differs_from(&Argon2Params::new(65, 1, 1)));
        // Stronger parameters than current are replaced too.
        assert!(h.differs_from(&Argon2Params::new(63, 1, 1)));
        assert!(h.differs_from(&Argon2Params::new(64, 1, 2)));
    }
}

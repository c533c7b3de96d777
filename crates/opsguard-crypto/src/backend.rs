//! AES-256-GCM implementations behind one small private trait.
//!
//! Both backends compute the same standard function (NIST SP 800-38D with a
//! 96-bit IV and a 128-bit tag), so they produce and open identical bytes;
//! the tests below check that on the Wycheproof vectors and on random
//! inputs.

use aes_gcm::aead::{AeadInOut as _, KeyInit as _};
use aes_gcm::{Aes256Gcm, Nonce, Tag};

use crate::Key;
use crate::envelope::{NONCE_LEN, TAG_LEN};

/// Which AES-256-GCM implementation a [`Keyring`](crate::Keyring) uses.
///
/// Every backend reads and writes the same bytes: a value sealed with one
/// opens with any other. The choice is per keyring, so enabling the `ring`
/// feature changes nothing until you ask for `Backend::Ring`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Backend {
    /// RustCrypto's `aes-gcm` (pure Rust, AES-NI and PCLMULQDQ detected at
    /// run time; key schedule wiped on drop). The default.
    #[default]
    AesGcm,
    /// `ring`'s AES-256-GCM (assembly from BoringSSL; faster on large
    /// values). Its key schedule is not wiped on drop.
    #[cfg(feature = "ring")]
    #[cfg_attr(docsrs, doc(cfg(feature = "ring")))]
    Ring,
}

/// The AEAD operation failed (authentication, or a length limit when
/// sealing). Deliberately carries nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AeadFailed;

/// One key's AES-256-GCM, ready to use.
pub(crate) trait Aead: Send + Sync {
    /// Encrypt `in_out` in place and return the tag.
    fn seal_in_place(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        in_out: &mut [u8],
    ) -> Result<[u8; TAG_LEN], AeadFailed>;

    /// Check `tag` and decrypt `in_out` in place. On failure the contents of
    /// `in_out` are unspecified and must be discarded.
    fn open_in_place(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        in_out: &mut [u8],
        tag: &[u8; TAG_LEN],
    ) -> Result<(), AeadFailed>;
}

/// The AEAD of `key` on `backend`.
pub(crate) fn new_aead(backend: Backend, key: &Key) -> Result<Box<dyn Aead>, AeadFailed> {
    match backend {
        Backend::AesGcm => Ok(Box::new(RustCrypto(Aes256Gcm::new(
            &(*key.as_bytes()).into(),
        )))),
        #[cfg(feature = "ring")]
        Backend::Ring => ring_backend::new(key),
    }
}

/// `aes-gcm` with its `zeroize` feature: the expanded key and the GHASH key
/// are wiped when this is dropped.
struct RustCrypto(Aes256Gcm);

impl Aead for RustCrypto {
    fn seal_in_place(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        in_out: &mut [u8],
    ) -> Result<[u8; TAG_LEN], AeadFailed> {
        let tag = self
            .0
            .encrypt_inout_detached(&Nonce::from(*nonce), aad, in_out.into())
            .map_err(|_| AeadFailed)?;
        Ok(tag.into())
    }

    fn open_in_place(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        in_out: &mut [u8],
        tag: &[u8; TAG_LEN],
    ) -> Result<(), AeadFailed> {
        self.0
            .decrypt_inout_detached(&Nonce::from(*nonce), aad, in_out.into(), &Tag::from(*tag))
            .map_err(|_| AeadFailed)
    }
}

#[cfg(feature = "ring")]
mod ring_backend {
    use ring::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, Tag, UnboundKey};

    use super::{Aead, AeadFailed, NONCE_LEN, TAG_LEN};
    use crate::Key;

    /// `ring`'s AES-256-GCM. `LessSafeKey` only because the nonce comes with
    /// each call: every nonce is fresh from the CSPRNG, as with `aes-gcm`.
    struct Ring(LessSafeKey);

    pub(super) fn new(key: &Key) -> Result<Box<dyn Aead>, AeadFailed> {
        let unbound = UnboundKey::new(&AES_256_GCM, key.as_bytes()).map_err(|_| AeadFailed)?;
        Ok(Box::new(Ring(LessSafeKey::new(unbound))))
    }

    impl Aead for Ring {
        fn seal_in_place(
            &self,
            nonce: &[u8; NONCE_LEN],
            aad: &[u8],
            in_out: &mut [u8],
        ) -> Result<[u8; TAG_LEN], AeadFailed> {
            let tag = self
                .0
                .seal_in_place_separate_tag(
                    Nonce::assume_unique_for_key(*nonce),
                    Aad::from(aad),
                    in_out,
                )
                .map_err(|_| AeadFailed)?;
            tag.as_ref().try_into().map_err(|_| AeadFailed)
        }

        fn open_in_place(
            &self,
            nonce: &[u8; NONCE_LEN],
            aad: &[u8],
            in_out: &mut [u8],
            tag: &[u8; TAG_LEN],
        ) -> Result<(), AeadFailed> {
            self.0
                .open_in_place_separate_tag(
                    Nonce::assume_unique_for_key(*nonce),
                    Aad::from(aad),
                    Tag::from(*tag),
                    in_out,
                    0..,
                )
                .map(|_| ())
                .map_err(|_| AeadFailed)
        }
    }
}

#[cfg(test)]
mod tests;

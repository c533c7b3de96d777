//! A 256-bit data-encryption key.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::{DecodePaddingMode, general_purpose};
use rand::TryRng as _;
use secrecy::{ExposeSecret as _, ExposeSecretMut as _, SecretBox, SecretString};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::CryptoError;

/// Length of an AES-256 key in bytes.
pub const KEY_LEN: usize = 32;

/// Length of a key in padded standard base64, as [`Key::to_base64`] writes
/// it: 4 characters per started 3 bytes.
pub(crate) const KEY_BASE64_LEN: usize = KEY_LEN.div_ceil(3) * 4;

/// Standard base64 alphabet (what `openssl rand -base64 32` prints), with or
/// without `=` padding.
const KEY_BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// A 32-byte AES-256 key.
///
/// The bytes are wiped when the key is dropped; `Debug` prints
/// `Key([REDACTED])`; there is no `Display`, `Clone` or serialisation.
/// Export one deliberately with [`Key::to_base64`].
///
/// The 32 bytes live in one heap allocation, written in place when the key
/// is created and wiped when it is dropped. A `Key` itself is a pointer, so
/// moving it (into a `Vec` that later grows, out of one with `swap_remove`,
/// into a [`Keyring`](crate::Keyring)) never leaves a copy of the bytes in
/// memory that is freed without being wiped.
///
/// ```
/// use opsguard_crypto::Key;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let key = Key::generate()?;
/// assert_eq!(format!("{key:?}"), "Key([REDACTED])");
/// let again = Key::from_base64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")?;
/// # let _ = again;
/// # Ok(())
/// # }
/// ```
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct Key {
    /// Boxed so that moves copy a pointer, never the key (see the type
    /// docs); `SecretBox` wipes the block on drop.
    bytes: SecretBox<[u8; KEY_LEN]>,
}

impl Key {
    /// A fresh key from the operating system's random generator
    /// (`getrandom`, through `rand`'s `SysRng`).
    ///
    /// # Errors
    ///
    /// [`CryptoError::Random`] if the operating system cannot provide
    /// randomness.
    pub fn generate() -> Result<Self, CryptoError> {
        let mut bytes = SecretBox::<[u8; KEY_LEN]>::default();
        rand::rngs::SysRng
            .try_fill_bytes(bytes.expose_secret_mut())
            .map_err(|_| CryptoError::Random)?;
        Ok(Self { bytes })
    }

    /// A key from exactly 32 bytes.
    ///
    /// # Errors
    ///
    /// [`CryptoError::KeyLength`] for any other length.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CryptoError> {
        Self::from_slice(bytes, "key")
    }

    /// A key from standard base64 (`+/` alphabet, `=` padding optional), the
    /// form `openssl rand -base64 32` prints.
    ///
    /// # Errors
    ///
    /// [`CryptoError::KeyEncoding`] when `text` is not base64,
    /// [`CryptoError::KeyLength`] when it does not decode to 32 bytes.
    pub fn from_base64(text: &str) -> Result<Self, CryptoError> {
        Self::from_base64_at(text, "key")
    }

    pub(crate) fn from_base64_at(text: &str, origin: &str) -> Result<Self, CryptoError> {
        let mut decoded =
            Zeroizing::new(Vec::with_capacity(base64::decoded_len_estimate(text.len())));
        KEY_BASE64
            .decode_vec(text, &mut decoded)
            .map_err(|_| CryptoError::KeyEncoding {
                origin: origin.to_owned(),
            })?;
        Self::from_slice(&decoded, origin)
    }

    fn from_slice(bytes: &[u8], origin: &str) -> Result<Self, CryptoError> {
        let array: &[u8; KEY_LEN] = bytes.try_into().map_err(|_| CryptoError::KeyLength {
            origin: origin.to_owned(),
            len: bytes.len(),
        })?;
        // Copied straight into the heap block, not through the stack.
        let mut key = SecretBox::<[u8; KEY_LEN]>::default();
        key.expose_secret_mut().copy_from_slice(array);
        Ok(Self { bytes: key })
    }

    /// The key as standard padded base64, the form every loader of this
    /// crate accepts. Handle the result as the secret it is.
    #[must_use]
    pub fn to_base64(&self) -> SecretString {
        let encoded = Zeroizing::new(general_purpose::STANDARD.encode(self.as_bytes()));
        SecretString::from(encoded.as_str())
    }

    pub(crate) fn as_bytes(&self) -> &[u8; KEY_LEN] {
        self.bytes.expose_secret()
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Key([REDACTED])")
    }
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret as _;

    use super::*;

    const B64: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    #[test]
    fn base64_round_trip_with_and_without_padding() {
        let key = Key::from_base64(B64).unwrap();
        assert_eq!(key.as_bytes(), &core::array::from_fn(|i| i as u8));
        assert_eq!(key.to_base64().expose_secret(), B64);
        let unpadded = Key::from_base64(B64.trim_end_matches('=')).unwrap();
        assert_eq!(unpadded.as_bytes(), key.as_bytes());
    }

    #[test]
    fn wrong_length_and_bad_base64_are_named() {
        assert!(matches!(
            Key::from_bytes(&[0; 31]),
            Err(CryptoError::KeyLength { len: 31, .. })
        ));
        assert!(matches!(
            Key::from_bytes(&[0; 33]),
            Err(CryptoError::KeyLength { len: 33, .. })
        ));
        // 16 bytes: an AES-128 key is refused, not padded or truncated.
        assert!(matches!(
            Key::from_base64("AAECAwQFBgcICQoLDA0ODw=="),
            Err(CryptoError::KeyLength { len: 16, .. })
        ));
        for bad in [
            "!!!",
            "AAEC-wQF",
            "A",
            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8==",
        ] {
            assert!(
                matches!(Key::from_base64(bad), Err(CryptoError::KeyEncoding { .. })),
                "{bad}"
            );
        }
    }

    /// The key bytes live in one heap block from creation to drop: moving a
    /// `Key` into a growing `Vec`, out of it again with `swap_remove`, and
    /// back, moves a pointer and leaves no copy of the bytes in a buffer
    /// that is freed or reused unwiped. (A global allocator that scans freed
    /// blocks would show it directly, but needs `unsafe`; the address is
    /// the safe proof.)
    #[test]
    fn moving_a_key_moves_a_pointer_not_the_bytes() {
        let generated = Key::generate().unwrap();
        let from_bytes = Key::from_bytes(&[7; KEY_LEN]).unwrap();
        let from_base64 = Key::from_base64(B64).unwrap();
        let addresses: Vec<*const [u8; KEY_LEN]> = [&generated, &from_bytes, &from_base64]
            .iter()
            .map(|k| std::ptr::from_ref(k.as_bytes()))
            .collect();
        let mut keys = Vec::new();
        keys.extend([generated, from_bytes, from_base64]);
        for n in 0..8 {
            keys.push(Key::from_bytes(&[n; KEY_LEN]).unwrap()); // reallocates
        }
        let first = keys.swap_remove(0);
        assert!(std::ptr::eq(first.as_bytes(), addresses[0]));
        let boxed = Box::new(keys);
        let keys = *boxed;
        assert!(std::ptr::eq(keys[1].as_bytes(), addresses[1]));
        assert!(std::ptr::eq(keys[2].as_bytes(), addresses[2]));
    }

    #[test]
    fn generated_keys_differ_and_debug_is_redacted() {
        let a = Key::generate().unwrap();
        let b = Key::generate().unwrap();
        assert_ne!(a.as_bytes(), b.as_bytes());
        let debug = format!("{a:?}");
        assert_eq!(debug, "Key([REDACTED])");
        let secret = a.to_base64();
        assert!(!debug.contains(secret.expose_secret()));
    }
}

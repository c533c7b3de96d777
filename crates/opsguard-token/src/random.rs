//! Random identifiers (`jti`, family ids, HMAC secrets).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::{Rng as _, TryRng as _};
use zeroize::Zeroizing;

use crate::TokenError;

/// A random 128-bit identifier, base64url without padding (22 characters).
///
/// 128 bits from the thread-local CSPRNG (ChaCha seeded from the OS) make a
/// collision between two `jti`s or family ids negligible.
pub(crate) fn id() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// `len` random bytes straight from the operating system, for key material.
pub(crate) fn secret(len: usize) -> Result<Zeroizing<Vec<u8>>, TokenError> {
    let mut bytes = Zeroizing::new(vec![0u8; len]);
    rand::rngs::SysRng
        .try_fill_bytes(&mut bytes)
        .map_err(|_| TokenError::RandomUnavailable)?;
    Ok(bytes)
}

//! The checks of opsguard-crypto's fuzz targets.

use std::sync::OnceLock;

use opsguard_crypto::{CryptoError, Key, Keyring, Sealed};
use secrecy::ExposeSecret as _;

fn keyring() -> &'static Keyring {
    static KEYRING: OnceLock<Keyring> = OnceLock::new();
    KEYRING.get_or_init(|| {
        Keyring::builder()
            .with_key(1, Key::from_bytes(&[1; 32]).expect("32 bytes"))
            .with_key(2, Key::from_bytes(&[2; 32]).expect("32 bytes"))
            .with_primary(2)
            .build()
            .expect("valid keyring")
    })
}

/// Input: one byte `n`, then a context of `n % 64` bytes, then the rest as
/// a sealed value.
///
/// * The rest, opened in binary and (when it is text) in text form, fails
///   with the opaque `Decrypt` error and nothing else, or is a genuine value
///   that opens and re-encrypts consistently; nothing panics.
/// * The rest, sealed as a plaintext under the context, opens back to
///   itself; under a different context, or with any one byte changed, it
///   does not open.
pub fn crypto_open(data: &[u8]) {
    let Some((&n, rest)) = data.split_first() else {
        return;
    };
    let (context, sealed) = rest.split_at(usize::from(n % 64).min(rest.len()));
    let k = keyring();

    match k.open(sealed, context) {
        Err(CryptoError::Decrypt) => {}
        // Only a genuine value (a corpus seed sealed with the fuzz keys, or a
        // mutation that left it intact) opens; it must then re-encrypt to
        // the same plaintext under the primary key.
        Ok(plaintext) => {
            let again = k
                .reencrypt(sealed, context)
                .expect("an open value re-encrypts");
            assert!(!k.needs_reencrypt(&again), "re-encrypted under an old key");
            let reopened = k.open(&again, context).expect("re-encrypted value opens");
            assert_eq!(reopened.expose_secret(), plaintext.expose_secret());
        }
        Err(other) => panic!("opening gave {other:?} instead of Decrypt"),
    }
    if let Ok(text) = std::str::from_utf8(sealed)
        && let Ok(parsed) = Sealed::from_text(text)
    {
        assert_eq!(parsed.to_text(), text, "text form is not canonical");
        let _ = k.open(&parsed, context);
    }

    let fresh = k.seal(sealed, context).expect("sealing never fails here");
    let opened = k.open(&fresh, context).expect("a fresh value opens");
    assert_eq!(
        opened.expose_secret(),
        sealed,
        "round trip changed the plaintext"
    );
    let mut other = context.to_vec();
    other.push(n);
    assert!(
        k.open(&fresh, &other).is_err(),
        "opened under another context"
    );
    let mut tampered = fresh.into_bytes();
    let index = usize::from(n) % tampered.len();
    if let Some(byte) = tampered.get_mut(index) {
        *byte ^= 0x80;
    }
    assert!(
        k.open(&tampered, context).is_err(),
        "a modified value opened"
    );
}

//! Sealing and opening through the public API: tampering, context binding,
//! cross-backend compatibility, secret handling, and property tests.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use opsguard_core::ErrorKind;
use opsguard_crypto::{Backend, CryptoError, Key, Keyring, Sealed};
use proptest::prelude::*;
use secrecy::{ExposeSecret as _, SecretString};

fn backends() -> Vec<Backend> {
    vec![
        Backend::AesGcm,
        #[cfg(feature = "ring")]
        Backend::Ring,
    ]
}

fn keyring(backend: Backend) -> Keyring {
    Keyring::builder()
        .with_key(1, Key::from_bytes(&[0x11; 32]).unwrap())
        .with_key(0x0102_0304, Key::from_bytes(&[0x22; 32]).unwrap())
        .with_primary(0x0102_0304)
        .with_backend(backend)
        .build()
        .unwrap()
}

const CTX: &str = "credentials.password:42";

#[test]
fn layout_is_version_alg_key_id_nonce_ciphertext_tag() {
    for backend in backends() {
        let k = keyring(backend);
        let sealed = k.seal(b"hunter2", CTX).unwrap();
        let b = sealed.as_bytes();
        assert_eq!(b.len(), 6 + 12 + 7 + 16);
        assert_eq!(&b[..6], &[1, 1, 1, 2, 3, 4]);
        assert_eq!(sealed.key_id(), Some(0x0102_0304));
        assert_ne!(&b[18..25], b"hunter2");
        assert_eq!(k.open(&sealed, CTX).unwrap().expose_secret(), b"hunter2");
    }
}

#[test]
fn flipping_any_bit_of_any_byte_fails() {
    for backend in backends() {
        let k = keyring(backend);
        let sealed = k.seal(b"a secret worth stealing", CTX).unwrap();
        for i in 0..sealed.as_bytes().len() {
            for bit in 0..8 {
                let mut v = sealed.as_bytes().to_vec();
                v[i] ^= 1 << bit;
                assert!(
                    matches!(k.open(&v, CTX), Err(CryptoError::Decrypt)),
                    "byte {i} bit {bit} on {backend:?}"
                );
            }
        }
    }
}

#[test]
fn moving_to_another_context_fails() {
    for backend in backends() {
        let k = keyring(backend);
        let sealed = k.seal(b"pw", CTX).unwrap();
        for other in [
            "credentials.password:43",
            "credentials.password:4",
            "credentials.password:420",
            "credentials.password:42 ",
            "Credentials.password:42",
            "",
        ] {
            assert!(
                matches!(k.open(&sealed, other), Err(CryptoError::Decrypt)),
                "{other:?}"
            );
        }
        // Contexts are bytes; the empty context is a context like any other.
        let empty = k.seal(b"pw", "").unwrap();
        assert_eq!(k.open(&empty, b"").unwrap().expose_secret(), b"pw");
        assert!(k.open(&empty, b"\0").is_err());
    }
}

#[test]
fn context_cannot_be_shifted_into_the_header() {
    // AAD = header || context with a fixed-length header: a value sealed
    // under key id 0x01020304 and context "X" must not open when the header
    // and context are re-split differently.
    let k = keyring(Backend::AesGcm);
    let sealed = k.seal(b"pw", "\u{4}X").unwrap();
    let mut shifted = sealed.as_bytes().to_vec();
    shifted[2..6].copy_from_slice(&[0, 1, 2, 3]);
    assert!(k.open(&shifted, "\u{4}X").is_err());
    assert!(k.open(&sealed, "X").is_err());
}

#[test]
fn swapping_the_key_id_fails_even_to_a_key_with_the_same_bytes() {
    let k = Keyring::builder()
        .with_key(7, Key::from_bytes(&[9; 32]).unwrap())
        .with_key(8, Key::from_bytes(&[9; 32]).unwrap())
        .with_primary(7)
        .build()
        .unwrap();
    let sealed = k.seal(b"pw", CTX).unwrap();
    let mut swapped = sealed.as_bytes().to_vec();
    swapped[5] = 8;
    assert!(matches!(k.open(&swapped, CTX), Err(CryptoError::Decrypt)));
    // A key id the keyring does not hold: the same opaque error.
    swapped[5] = 99;
    assert!(matches!(k.open(&swapped, CTX), Err(CryptoError::Decrypt)));
}

#[test]
fn a_keyring_without_the_key_cannot_open() {
    let a = keyring(Backend::AesGcm);
    let b = Keyring::builder()
        .with_key(0x0102_0304, Key::from_bytes(&[0x33; 32]).unwrap())
        .with_primary(0x0102_0304)
        .build()
        .unwrap();
    let sealed = a.seal(b"pw", CTX).unwrap();
    assert!(matches!(b.open(&sealed, CTX), Err(CryptoError::Decrypt)));
}

#[test]
fn empty_and_short_inputs_fail_without_panicking() {
    let k = keyring(Backend::AesGcm);
    for len in 0..=40 {
        let zeros = vec![0u8; len];
        let mut v1 = vec![1u8; len];
        if len > 1 {
            v1[1] = 1;
        }
        for input in [&zeros, &v1] {
            assert!(
                matches!(k.open(input, CTX), Err(CryptoError::Decrypt)),
                "{len}"
            );
            assert!(k.needs_reencrypt(input), "{len}");
        }
    }
    // Five bytes: shorter than the header.
    assert!(matches!(
        k.open([1u8, 1, 1, 2, 3], CTX),
        Err(CryptoError::Decrypt)
    ));
    assert_eq!(Sealed::from(vec![1u8, 1, 1, 2, 3]).key_id(), None);
}

#[test]
fn sealed_by_one_backend_opens_with_every_other() {
    let all = backends();
    for sealer in &all {
        for opener in &all {
            let (a, b) = (keyring(*sealer), keyring(*opener));
            for len in [0usize, 1, 15, 16, 17, 64, 1024, 65536] {
                let msg: Vec<u8> = (0..len).map(|i| (i * 7 % 256) as u8).collect();
                let sealed = a.seal(&msg, CTX).unwrap();
                assert_eq!(
                    b.open(&sealed, CTX).unwrap().expose_secret(),
                    msg,
                    "{sealer:?} -> {opener:?}, {len} bytes"
                );
            }
        }
    }
}

#[test]
fn secret_strings_in_and_out() {
    let k = keyring(Backend::AesGcm);
    let secret = SecretString::from("pässwörd ✓");
    let sealed = k.seal_secret(&secret, CTX).unwrap();
    let opened = k.open_secret(&sealed, CTX).unwrap();
    assert_eq!(opened.expose_secret(), "pässwörd ✓");
    // Bytes that are not UTF-8 open as bytes, not as a string.
    let bytes = k.seal(&[0xff, 0xfe], CTX).unwrap();
    assert!(matches!(
        k.open_secret(&bytes, CTX),
        Err(CryptoError::NotUtf8)
    ));
    assert_eq!(k.open(&bytes, CTX).unwrap().expose_secret(), &[0xff, 0xfe]);
}

#[test]
fn text_form_is_unpadded_base64url_and_canonical() {
    let k = keyring(Backend::AesGcm);
    for len in 0..8 {
        let sealed = k.seal(&vec![0xfb; len], CTX).unwrap();
        let text = sealed.to_text();
        assert!(
            text.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'),
            "{text}"
        );
        assert_eq!(Sealed::from_text(&text).unwrap(), sealed);
        // Padded, standard-alphabet or whitespace-wrapped text is refused.
        for bad in [
            format!("{text}="),
            format!("{text}=="),
            text.replace('-', "+").replace('_', "/"),
            format!(" {text}"),
            format!("{text}\n"),
        ] {
            if bad != text {
                assert!(Sealed::from_text(&bad).is_err(), "{bad:?}");
            }
        }
    }
}

#[test]
fn debug_never_shows_keys_or_plaintexts() {
    let key = Key::from_bytes(&[0x41; 32]).unwrap();
    let b64 = key.to_base64();
    assert_eq!(format!("{key:?}"), "Key([REDACTED])");
    assert!(!format!("{key:?}").contains(b64.expose_secret()));
    let k = keyring(Backend::AesGcm);
    let debug = format!("{k:?}");
    assert!(!debug.contains(k.to_env_value().expose_secret()));
    assert!(!debug.contains("ERERERERER")); // base64 of the 0x11 key
    let sealed = k.seal(b"PLAINTEXT", CTX).unwrap();
    let debug = format!("{sealed:?}");
    assert_eq!(
        debug,
        "Sealed { version: 1, alg: 1, key_id: 16909060, len: 43 }"
    );
    let opened = k.open_secret(&sealed, CTX).unwrap();
    assert!(!format!("{opened:?}").contains("PLAINTEXT"));
    let bytes = k.open(&sealed, CTX).unwrap();
    assert_eq!(format!("{bytes:?}"), "SecretBox<[u8]>([REDACTED])");
    assert_eq!(
        format!("{:?}", Sealed::from(vec![1u8])),
        "Sealed { header: \"incomplete\", len: 1 }"
    );
}

#[test]
fn errors_convert_to_internal_with_a_generic_message() {
    let k = keyring(Backend::AesGcm);
    let err = k.open([0u8; 3], CTX).unwrap_err();
    assert_eq!(err.to_string(), "decryption failed");
    let core: opsguard_core::Error = err.into();
    assert_eq!(core.kind(), ErrorKind::Internal);
    assert_eq!(core.message(), "internal server error");
    let wire = core.to_wire();
    assert_eq!(wire.status, 500);
    assert_eq!(
        wire.body,
        br#"{"error":{"type":"InternalError","message":"internal server error"}}"#
    );
    let load: opsguard_core::Error = Keyring::builder().build().unwrap_err().into();
    assert_eq!(load.kind(), ErrorKind::Internal);
}

#[test]
fn keyring_is_shareable_across_threads() {
    let k = std::sync::Arc::new(keyring(Backend::AesGcm));
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let k = std::sync::Arc::clone(&k);
            std::thread::spawn(move || {
                for i in 0..50 {
                    let ctx = format!("t{t}:{i}");
                    let s = k.seal(ctx.as_bytes(), &ctx).unwrap();
                    assert_eq!(k.open(&s, &ctx).unwrap().expose_secret(), ctx.as_bytes());
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(k.encryptions(0x0102_0304), Some(200));
}

proptest! {
    #[test]
    fn round_trip_any_plaintext_any_context(
        plaintext in proptest::collection::vec(any::<u8>(), 0..2048),
        context in proptest::collection::vec(any::<u8>(), 0..400),
    ) {
        for backend in backends() {
            let k = keyring(backend);
            let sealed = k.seal(&plaintext, &context).unwrap();
            prop_assert_eq!(sealed.as_bytes().len(), 34 + plaintext.len());
            let opened = k.open(&sealed, &context).unwrap();
            prop_assert_eq!(opened.expose_secret(), plaintext.as_slice());
            let text = sealed.to_text();
            let reopened = k.open(Sealed::from_text(&text).unwrap(), &context).unwrap();
            prop_assert_eq!(reopened.expose_secret(), plaintext.as_slice());
            let mut other = context.clone();
            other.push(0);
            prop_assert!(k.open(&sealed, &other).is_err());
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_never_open(
        bytes in proptest::collection::vec(any::<u8>(), 0..200),
        context in proptest::collection::vec(any::<u8>(), 0..40),
        text in ".{0,80}",
    ) {
        let k = keyring(Backend::AesGcm);
        prop_assert!(matches!(k.open(&bytes, &context), Err(CryptoError::Decrypt)));
        // Also with a plausible header in front.
        let mut headed = vec![1u8, 1, 1, 2, 3, 4];
        headed.extend_from_slice(&bytes);
        prop_assert!(matches!(k.open(&headed, &context), Err(CryptoError::Decrypt)));
        let _ = k.needs_reencrypt(&bytes);
        let _ = k.reencrypt(&bytes, &context).unwrap_err();
        if let Ok(sealed) = Sealed::from_text(&text) {
            prop_assert!(k.open(&sealed, &context).is_err());
        }
    }
}

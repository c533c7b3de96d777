//! The encryption counter and its bound, which need private access to reach
//! 2^31 and 2^32 without sealing billions of values.

use std::sync::{Arc, Mutex};

use tracing_subscriber::fmt::MakeWriter;

use super::*;

fn keyring() -> Keyring {
    Keyring::builder()
        .with_key(5, Key::from_bytes(&[5; 32]).unwrap())
        .with_key(6, Key::from_bytes(&[6; 32]).unwrap())
        .with_primary(6)
        .build()
        .unwrap()
}

/// Collects everything a `tracing` subscriber writes.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Capture {
    type Writer = Self;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

impl Capture {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

fn captured<R>(f: impl FnOnce() -> R) -> (R, String) {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(capture.clone())
        .with_ansi(false)
        .finish();
    let result = tracing::subscriber::with_default(subscriber, f);
    (result, capture.text())
}

#[test]
fn counter_counts_per_key_and_only_for_the_primary() {
    let k = keyring();
    assert_eq!(k.encryptions(6), Some(0));
    for _ in 0..3 {
        k.seal(b"x", "c").unwrap();
    }
    let sealed = k.seal(b"x", "c").unwrap();
    k.open(&sealed, "c").unwrap();
    assert_eq!(k.encryptions(6), Some(4));
    assert_eq!(k.encryptions(5), Some(0));
    assert_eq!(k.encryptions(7), None);
}

#[test]
fn warns_once_at_two_to_the_31() {
    let k = keyring();
    k.primary
        .encryptions
        .store(WARN_ENCRYPTIONS_PER_KEY - 1, Ordering::Relaxed);
    let ((), logs) = captured(|| {
        k.seal(b"x", "c").unwrap();
    });
    assert!(!logs.contains("2^31"), "{logs}");
    let ((), logs) = captured(|| {
        k.seal(b"x", "c").unwrap();
        k.seal(b"x", "c").unwrap();
    });
    assert_eq!(
        logs.matches("key has sealed 2^31 values").count(),
        1,
        "{logs}"
    );
    assert!(logs.contains("WARN"), "{logs}");
    assert!(logs.contains("key_id=6"), "{logs}");
    assert_eq!(k.encryptions(6), Some(WARN_ENCRYPTIONS_PER_KEY + 2));
}

#[test]
fn refuses_at_two_to_the_32_and_keeps_opening() {
    let k = keyring();
    let earlier = k.seal(b"still readable", "c").unwrap();
    k.primary
        .encryptions
        .store(MAX_ENCRYPTIONS_PER_KEY - 1, Ordering::Relaxed);
    k.seal(b"last one", "c").unwrap();
    for _ in 0..3 {
        assert!(matches!(
            k.seal(b"x", "c"),
            Err(CryptoError::KeyExhausted { key_id: 6 })
        ));
    }
    assert_eq!(k.encryptions(6), Some(MAX_ENCRYPTIONS_PER_KEY));
    assert_eq!(
        k.open(&earlier, "c").unwrap().expose_secret(),
        b"still readable"
    );
    let err: opsguard_core::Error = k.seal(b"x", "c").unwrap_err().into();
    assert_eq!(err.kind(), opsguard_core::ErrorKind::Internal);
}

#[test]
fn decrypt_failures_log_a_reason_and_nothing_else() {
    let k = keyring();
    let sealed = k.seal(b"TOPSECRETPLAINTEXT", "ctx:CONTEXTMARKER").unwrap();
    let mut tampered = sealed.as_bytes().to_vec();
    *tampered.last_mut().unwrap() ^= 1;
    let mut unknown = sealed.as_bytes().to_vec();
    unknown[5] = 9;
    let mut v2 = sealed.as_bytes().to_vec();
    v2[0] = 2;
    let mut alg = sealed.as_bytes().to_vec();
    alg[1] = 2;
    let cases: [(&[u8], &str, &str); 6] = [
        (&tampered, "ctx:CONTEXTMARKER", "authentication_failed"),
        (
            sealed.as_bytes(),
            "ctx:OTHERCONTEXT",
            "authentication_failed",
        ),
        (&unknown, "ctx:CONTEXTMARKER", "unknown_key_id"),
        (&v2, "ctx:CONTEXTMARKER", "unsupported_version"),
        (&alg, "ctx:CONTEXTMARKER", "unsupported_algorithm"),
        (&sealed.as_bytes()[..20], "ctx:CONTEXTMARKER", "too_short"),
    ];
    let hex_sealed = hex::encode(sealed.as_bytes());
    for (bytes, context, reason) in cases {
        let (result, logs) = captured(|| k.open(bytes, context));
        assert!(matches!(result, Err(CryptoError::Decrypt)));
        assert_eq!(logs.lines().count(), 1, "{logs}");
        assert!(logs.contains("DEBUG"), "{logs}");
        assert!(logs.contains("opsguard::crypto"), "{logs}");
        assert!(logs.contains(&format!("reason=\"{reason}\"")), "{logs}");
        for secret in [
            "TOPSECRET",
            "CONTEXTMARKER",
            "OTHERCONTEXT",
            &hex_sealed[..16],
        ] {
            assert!(!logs.contains(secret), "{secret} leaked: {logs}");
        }
    }
    let (result, logs) = captured(|| Sealed::from_text("!!!"));
    assert!(matches!(result, Err(CryptoError::Decrypt)));
    assert!(logs.contains("reason=\"not_base64url\""), "{logs}");
}

#[test]
fn debug_of_keyring_and_builder_shows_ids_not_keys() {
    let k = keyring();
    let debug = format!("{k:?}");
    assert_eq!(
        debug,
        "Keyring { primary: 6, key_ids: [5, 6], backend: AesGcm, .. }"
    );
    let secret = k.to_env_value();
    for b64 in secret.expose_secret().split(',') {
        let key = b64.split_once(':').unwrap().1;
        assert!(!debug.contains(key));
    }
    let builder = Keyring::builder()
        .with_key(1, Key::from_bytes(&[0x41; 32]).unwrap())
        .with_primary(1);
    assert_eq!(
        format!("{builder:?}"),
        "KeyringBuilder { key_ids: [1], primary: Some(1), backend: AesGcm, .. }"
    );
}

/// Ids with 1 to 10 digits, more keys than a `Vec` holds before it first
/// grows, and a primary in the middle.
const IDS: [u32; 7] = [9, 10, 0, u32::MAX, 123, 5, 77_777];

fn many_keys() -> (KeyringBuilder, Vec<(u32, *const [u8; 32])>) {
    let mut builder = Keyring::builder();
    let mut addresses = Vec::new();
    for (n, id) in IDS.into_iter().enumerate() {
        let key = Key::from_bytes(&[n as u8 + 1; 32]).unwrap();
        addresses.push((id, std::ptr::from_ref(key.as_bytes())));
        builder = builder.with_key(id, key);
    }
    (builder.with_primary(123), addresses)
}

/// Every key of a built keyring is the very heap block the caller's `Key`
/// was created in: the builder's `Vec` growing, `build()` collecting and
/// the keyring sorting its entries and picking the primary moved pointers,
/// so no copy of any key is left in a freed buffer.
#[test]
fn keys_are_never_copied_between_builder_and_keyring() {
    let (builder, addresses) = many_keys();
    let keyring = builder.build().unwrap();
    assert_eq!(keyring.primary_id(), 123);
    for (id, address) in addresses {
        let entry = keyring.entry(id).unwrap();
        assert!(std::ptr::eq(entry.key.as_bytes(), address), "key {id}");
    }
    // Moving the keyring (into an `Arc`, out of an `Option`) moves no key.
    let primary = std::ptr::from_ref(keyring.primary.key.as_bytes());
    let shared = Arc::new(Some(keyring));
    let keyring = shared.as_ref().as_ref().unwrap();
    assert!(std::ptr::eq(keyring.primary.key.as_bytes(), primary));
}

/// The exported texts are written into a string reserved at exactly their
/// final length, so it never reallocates and leaves no partial copy of a
/// key in a freed block; the string itself is wiped on drop.
#[test]
fn exported_texts_are_built_in_exactly_reserved_strings() {
    let one = Keyring::generate(4_000_000_000).unwrap();
    let (builder, _) = many_keys();
    let many = builder.build().unwrap();
    for keyring in [&keyring(), &one, &many] {
        let env = keyring.env_value_text();
        assert_eq!(env.capacity(), env.len(), "{keyring:?}");
        assert_eq!(env.as_str(), keyring.to_env_value().expose_secret());
        let file = keyring.file_text();
        assert_eq!(file.capacity(), file.len(), "{keyring:?}");
        assert_eq!(file.as_str(), keyring.to_file_text().expose_secret());
    }
    assert_eq!(
        many.env_value_text()
            .split(',')
            .map(|e| e.split_once(':').unwrap().0)
            .collect::<Vec<_>>(),
        ["0", "5", "9", "10", "123", "77777", "4294967295"]
    );
}

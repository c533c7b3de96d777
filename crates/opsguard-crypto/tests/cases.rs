//! The real-world cases of `cases/crypto.json`, through the public API.
//! GCM-01 (and the raw-AEAD halves of GCM-02 and GCM-04) run against each
//! backend in `src/backend/tests.rs`, where the AEAD is reachable without an
//! envelope header.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use opsguard_crypto::{Backend, CryptoError, Key, Keyring, Sealed};
use secrecy::ExposeSecret as _;
use serde_json::Value;

fn unhex(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap()).unwrap()
}

fn backends() -> Vec<Backend> {
    vec![
        Backend::AesGcm,
        #[cfg(feature = "ring")]
        Backend::Ring,
    ]
}

fn keyring_with(key: &[u8], id: u32, backend: Backend) -> Keyring {
    Keyring::builder()
        .with_key(id, Key::from_bytes(key).unwrap())
        .with_primary(id)
        .with_backend(backend)
        .build()
        .unwrap()
}

fn assert_decrypt_fails(keyring: &Keyring, sealed: &[u8], context: &str, what: &str) {
    match keyring.open(sealed, context) {
        Err(CryptoError::Decrypt) => {}
        other => panic!("{what}: expected Decrypt, got {other:?}"),
    }
}

/// Every case id in the file has a test here or in the backend tests.
#[test]
fn every_crypto_case_has_a_named_test() {
    let covered = ["GCM-01", "GCM-02", "GCM-04", "GCM-06"];
    let mut ids = opsguard_tests::case_ids("crypto.json");
    ids.sort();
    assert_eq!(ids, covered);
}

/// GCM-02: a stored value whose nonce field would be 0, 8, 11, 13 or 16
/// bytes is refused without a panic; sealing always writes a fresh 12-byte
/// nonce.
#[test]
fn gcm_02_blobs_implying_other_nonce_sizes_fail_and_seal_emits_fresh_12_byte_nonces() {
    let case = opsguard_tests::case("crypto.json", "GCM-02");
    for backend in backends() {
        for t in case["input"]["vectors"].as_array().unwrap() {
            let key = unhex(&t["key"]);
            let keyring = keyring_with(&key, 1, backend);
            let (iv, ct, tag) = (unhex(&t["iv"]), unhex(&t["ct"]), unhex(&t["tag"]));
            // The vector's blob behind a valid header: its nonce is not 12
            // bytes, so the fields cannot line up.
            let mut sealed = vec![1, 1, 0, 0, 0, 1];
            sealed.extend_from_slice(&iv);
            sealed.extend_from_slice(&ct);
            sealed.extend_from_slice(&tag);
            assert_decrypt_fails(&keyring, &sealed, "", &format!("tc {}", t["tcId"]));
        }
        // A real value re-cut so its nonce field claims 0, 8, 11, 13 or 16
        // bytes: drop or insert bytes right after the header.
        let keyring = keyring_with(&[7; 32], 1, backend);
        let sealed = keyring
            .seal(b"202122232425262728292a2b2c2d2e2f", "ctx")
            .unwrap();
        let bytes = sealed.as_bytes();
        for nonce_len in [0usize, 8, 11, 13, 16] {
            let mut recut = bytes[..6].to_vec();
            if nonce_len <= 12 {
                recut.extend_from_slice(&bytes[6..6 + nonce_len]);
                recut.extend_from_slice(&bytes[18..]);
            } else {
                recut.extend_from_slice(&bytes[6..18]);
                recut.extend(std::iter::repeat_n(0u8, nonce_len - 12));
                recut.extend_from_slice(&bytes[18..]);
            }
            assert_decrypt_fails(&keyring, &recut, "ctx", &format!("nonce {nonce_len}"));
        }
        // Fresh, 12-byte nonces at the fixed offset.
        let nonces: std::collections::BTreeSet<Vec<u8>> = (0..64)
            .map(|_| {
                let s = keyring.seal(b"", "ctx").unwrap();
                assert_eq!(s.as_bytes().len(), 6 + 12 + 16);
                s.as_bytes()[6..18].to_vec()
            })
            .collect();
        assert_eq!(nonces.len(), 64);
    }
}

/// GCM-04: every truncation or extension of a sealed value fails cleanly,
/// in binary and in text form; the intact values open exactly, including an
/// empty plaintext.
#[test]
fn gcm_04_truncated_and_extended_sealed_values_fail_intact_ones_open() {
    let case = opsguard_tests::case("crypto.json", "GCM-04");
    let input = &case["input"];
    let valid_blob = unhex(&input["valid_blob_hex"]);
    let msg = hex::decode("202122232425262728292a2b2c2d2e2f").unwrap();
    for backend in backends() {
        let keyring = keyring_with(&unhex(&input["key"]), 9, backend);
        let sealed = keyring.seal(&msg, "credentials.password:1").unwrap();
        let full = sealed.as_bytes();
        assert_eq!(full.len(), 6 + valid_blob.len());
        assert_eq!(
            keyring
                .open(full, "credentials.password:1")
                .unwrap()
                .expose_secret(),
            msg
        );
        // The case's mutations, shifted by the 6-byte header where they
        // count from the nonce.
        let mut mutations: Vec<(String, Vec<u8>)> = vec![
            ("empty".into(), vec![]),
            ("1 byte".into(), full[..1].to_vec()),
            ("header only".into(), full[..6].to_vec()),
            ("header + 11".into(), full[..6 + 11].to_vec()),
            ("header + nonce".into(), full[..6 + 12].to_vec()),
            ("header + nonce + 15".into(), full[..6 + 27].to_vec()),
            (
                "header + nonce + 16, ct as tag".into(),
                full[..6 + 28].to_vec(),
            ),
            ("minus last byte".into(), full[..full.len() - 1].to_vec()),
            ("tag stripped".into(), full[..full.len() - 16].to_vec()),
            ("trailing byte".into(), [full, &[0]].concat()),
            ("the case's raw blob, no header".into(), valid_blob.clone()),
        ];
        // And every other length too.
        for len in 0..full.len() {
            mutations.push((format!("prefix of {len}"), full[..len].to_vec()));
        }
        for (what, bytes) in &mutations {
            assert_decrypt_fails(&keyring, bytes, "credentials.password:1", what);
        }
        // Text form: not base64url at all.
        for text in ["!!!", "=", "", "AQ=="] {
            let parsed = Sealed::from_text(text);
            let outcome = parsed.and_then(|s| keyring.open(s, "credentials.password:1"));
            assert!(matches!(outcome, Err(CryptoError::Decrypt)), "{text:?}");
        }
        // An empty plaintext is a valid value, not an error.
        let empty_key = unhex(&input["valid_empty_plaintext_key"]);
        let keyring = keyring_with(&empty_key, 9, backend);
        let empty = keyring.seal(b"", "c").unwrap();
        assert_eq!(empty.as_bytes().len(), 6 + 28);
        assert!(
            keyring
                .open(&empty, "c")
                .unwrap()
                .expose_secret()
                .is_empty()
        );
        let text = empty.to_text();
        assert!(
            keyring
                .open(Sealed::from_text(&text).unwrap(), "c")
                .unwrap()
                .expose_secret()
                .is_empty()
        );
    }
}

/// GCM-06: version and algorithm are authenticated and never fall back;
/// a value copied to another owner's record or read under another key id
/// does not open.
#[test]
fn gcm_06_version_alg_key_id_and_owner_are_bound() {
    let case = opsguard_tests::case("crypto.json", "GCM-06");
    assert_eq!(case["input"]["procedure"].as_array().unwrap().len(), 5);
    for backend in backends() {
        let keyring = Keyring::builder()
            .with_key(1, Key::from_bytes(&[1; 32]).unwrap())
            .with_key(2, Key::from_bytes(&[1; 32]).unwrap()) // same bytes, other id
            .with_key(3, Key::from_bytes(&[3; 32]).unwrap())
            .with_primary(1)
            .with_backend(backend)
            .build()
            .unwrap();
        let c1 = keyring
            .seal(b"password of user 1", "credentials.password:1")
            .unwrap();
        let c2 = keyring
            .seal(b"password of user 2", "credentials.password:2")
            .unwrap();
        assert_eq!(
            keyring
                .open(&c2, "credentials.password:2")
                .unwrap()
                .expose_secret(),
            b"password of user 2"
        );
        let ctx1 = "credentials.password:1";
        // Version byte changed or removed.
        for version in [0u8, 2, 0xff, b'V', b'v'] {
            let mut v = c1.as_bytes().to_vec();
            v[0] = version;
            assert_decrypt_fails(&keyring, &v, ctx1, &format!("version {version}"));
        }
        assert_decrypt_fails(&keyring, &c1.as_bytes()[1..], ctx1, "version removed");
        // Algorithm byte set to other values (legacy CTR/CBC markers, the
        // reserved GCM-SIV slot, anything).
        for alg in [0u8, 2, 3, 4, 0x7f, 0xff] {
            let mut v = c1.as_bytes().to_vec();
            v[1] = alg;
            assert_decrypt_fails(&keyring, &v, ctx1, &format!("alg {alg}"));
        }
        // C1's value copied into user 2's record.
        assert_decrypt_fails(
            &keyring,
            c1.as_bytes(),
            "credentials.password:2",
            "moved row",
        );
        // Another column of the same row.
        assert_decrypt_fails(
            &keyring,
            c1.as_bytes(),
            "credentials.username:1",
            "moved column",
        );
        // Read under a different key id, even one holding the same key bytes:
        // the id is in the associated data.
        for id in [2u32, 3, 4] {
            let mut v = c1.as_bytes().to_vec();
            v[2..6].copy_from_slice(&id.to_be_bytes());
            assert_decrypt_fails(&keyring, &v, ctx1, &format!("key id {id}"));
        }
        // The intact value still opens.
        assert_eq!(
            keyring.open(&c1, ctx1).unwrap().expose_secret(),
            b"password of user 1"
        );
    }
}

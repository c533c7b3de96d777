//! Loading keyrings from the environment and from files: formats, clear
//! errors, and the file-permission check.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use opsguard_crypto::{CryptoError, KEYS_ENV, Key, Keyring, KeyringBuilder, PRIMARY_ENV};
use secrecy::ExposeSecret as _;

const K0: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="; // bytes 0..32
const K1: &str = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8="; // bytes 32..64

fn env(keys: &str, primary: &str) -> Result<Keyring, CryptoError> {
    KeyringBuilder::from_env_values(keys, primary)?.build()
}

#[test]
fn env_values_load_and_open_each_others_values() {
    let k = env(&format!("3:{K0}, 2 : {K1}"), " 3 ").unwrap();
    assert_eq!(k.key_ids(), [2, 3]);
    assert_eq!(k.primary_id(), 3);
    let unpadded = env(&format!("3:{}", K0.trim_end_matches('=')), "3").unwrap();
    let sealed = k.seal(b"x", "c").unwrap();
    assert_eq!(unpadded.open(&sealed, "c").unwrap().expose_secret(), b"x");
    // Export and reload gives the same keys.
    let again = env(k.to_env_value().expose_secret(), "3").unwrap();
    assert_eq!(again.open(&sealed, "c").unwrap().expose_secret(), b"x");
    assert_eq!(k.to_env_value().expose_secret(), format!("2:{K1},3:{K0}"));
}

#[test]
fn env_errors_name_the_entry_and_never_the_key() {
    let short = "AAECAwQFBgcICQoLDA0ODw=="; // 16 bytes
    let cases: Vec<(String, &str, String)> = vec![
        (
            format!("3:{K0},2:{short}"),
            "3",
            format!("{KEYS_ENV} entry 2: key must be 32 bytes, got 16"),
        ),
        (
            format!("3:{K0},3:{K1}"),
            "3",
            format!("{KEYS_ENV} entry 2: key id 3 appears more than once"),
        ),
        (
            format!("3:{K0},2:not*base64"),
            "3",
            format!("{KEYS_ENV} entry 2: key is not valid base64"),
        ),
        (
            format!("3:{K0},2:{K1}"),
            "4",
            format!("{KEYS_ENV}: primary key 4 is not in the keyring"),
        ),
        (
            format!("3:{K0}"),
            "three",
            format!(
                "{PRIMARY_ENV}: expected a decimal u32 key id as the primary \
                 (ASCII digits, no sign, no leading zeros)"
            ),
        ),
        (
            K0.to_owned(),
            "3",
            format!(
                "{KEYS_ENV} entry 1: expected `<id>:<base64 key>` with a decimal u32 id \
                 (ASCII digits, no sign, no leading zeros)"
            ),
        ),
        (
            format!("3:{K0},"),
            "3",
            format!(
                "{KEYS_ENV} entry 2: expected `<id>:<base64 key>`, found an empty entry \
                 (a leading, trailing or doubled comma)"
            ),
        ),
        (
            format!("-1:{K0}"),
            "3",
            format!(
                "{KEYS_ENV} entry 1: expected `<id>:<base64 key>` with a decimal u32 id \
                 (ASCII digits, no sign, no leading zeros)"
            ),
        ),
        (
            format!("4294967296:{K0}"),
            "3",
            format!(
                "{KEYS_ENV} entry 1: expected `<id>:<base64 key>` with a decimal u32 id \
                 (ASCII digits, no sign, no leading zeros)"
            ),
        ),
        (
            String::new(),
            "3",
            format!(
                "{KEYS_ENV} entry 1: expected `<id>:<base64 key>`, found an empty entry \
                 (a leading, trailing or doubled comma)"
            ),
        ),
    ];
    for (keys, primary, want) in cases {
        let err = env(&keys, primary).unwrap_err();
        let msg = err.to_string();
        assert_eq!(msg, want, "{keys}");
        assert!(!msg.contains(K0) && !msg.contains(K1) && !msg.contains(short));
    }
    assert!(matches!(
        env(&format!("3:{K0},3:{K1}"), "3"),
        Err(CryptoError::DuplicateKeyId { key_id: 3, .. })
    ));
}

#[test]
fn from_env_vars_reports_a_missing_variable_by_name() {
    let err = KeyringBuilder::from_env_vars(
        "OPSGUARD_TEST_SURELY_UNSET_KEYS",
        "OPSGUARD_TEST_SURELY_UNSET_PRIMARY",
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "environment variable OPSGUARD_TEST_SURELY_UNSET_KEYS is not set or not UTF-8"
    );
}

/// `Keyring::from_env` reads the two documented variables. Setting variables
/// needs `unsafe` in Rust 2024, so the test runs itself again as a child
/// process with the variables set.
#[test]
fn from_env_reads_the_documented_variables() {
    const CHILD: &str = "OPSGUARD_CRYPTO_TEST_CHILD";
    if std::env::var_os(CHILD).is_some() {
        let k = Keyring::from_env().unwrap();
        assert_eq!(k.key_ids(), [2, 3]);
        assert_eq!(k.primary_id(), 2);
        return;
    }
    let exe = std::env::current_exe().unwrap();
    let output = std::process::Command::new(exe)
        .args([
            "--exact",
            "from_env_reads_the_documented_variables",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .env(KEYS_ENV, format!("3:{K0},2:{K1}"))
        .env(PRIMARY_ENV, "2")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.contains("1 passed"), "{stdout}");
    // Without the primary variable: a clear error.
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "from_env_reads_the_documented_variables"])
        .env(CHILD, "1")
        .env(KEYS_ENV, format!("3:{K0}"))
        .env_remove(PRIMARY_ENV)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stdout.contains("OPSGUARD_ENCRYPTION_PRIMARY")
            || stderr.contains("OPSGUARD_ENCRYPTION_PRIMARY"),
        "{stdout}{stderr}"
    );
    assert!(!stdout.contains(K0) && !stderr.contains(K0));
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str, mode: u32) -> std::path::PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    set_mode(&path, mode);
    path
}

#[cfg(unix)]
fn set_mode(path: &std::path::Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[cfg(not(unix))]
fn set_mode(_: &std::path::Path, _: u32) {}

#[test]
fn keyring_file_format() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("# opsguard keyring\n\nprimary: 2\n3:{K0}\n  2 : {K1}  \n# retired: 1\n");
    let path = write(&dir, "keyring", &text, 0o600);
    let k = Keyring::from_file(&path).unwrap();
    assert_eq!(k.key_ids(), [2, 3]);
    assert_eq!(k.primary_id(), 2);

    // Round trip through write_file.
    let out = dir.path().join("written");
    k.write_file(&out).unwrap();
    let back = Keyring::from_file(&out).unwrap();
    assert_eq!(back.key_ids(), [2, 3]);
    let sealed = k.seal(b"x", "c").unwrap();
    assert_eq!(back.open(&sealed, "c").unwrap().expose_secret(), b"x");
    // write_file never overwrites.
    assert!(matches!(
        k.write_file(&out),
        Err(CryptoError::FileWrite { .. })
    ));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}

#[test]
fn keyring_file_errors_name_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (format!("3:{K0}\n"), "no primary key is named".to_owned()),
        (
            format!("primary:3\nprimary:3\n3:{K0}\n"),
            "line 2: expected a single `primary:` line".to_owned(),
        ),
        (
            format!("primary:3\n3:{K0}\n\n2:{}\n", &K1[..20]),
            "line 4: key must be 32 bytes, got 15".to_owned(),
        ),
        (
            format!("primary=3\n3:{K0}\n"),
            "line 1: expected `primary:<id>` with a decimal u32 id \
             (ASCII digits, no sign, no leading zeros)"
                .to_owned(),
        ),
        (
            format!("primary:3\n3:{K0}\n3:{K1}\n"),
            "line 3: key id 3 appears more than once".to_owned(),
        ),
        (
            "primary:1\n".to_owned(),
            "the keyring has no keys".to_owned(),
        ),
    ];
    for (i, (text, want)) in cases.iter().enumerate() {
        let path = write(&dir, &format!("k{i}"), text, 0o600);
        let msg = Keyring::from_file(&path).unwrap_err().to_string();
        assert!(msg.starts_with(&path.display().to_string()), "{msg}");
        assert!(msg.ends_with(want.as_str()), "{msg} / {want}");
        assert!(!msg.contains(K0) && !msg.contains(K1) && !msg.contains(&K1[..20]));
    }
    let missing = dir.path().join("absent");
    assert!(matches!(
        Keyring::from_file(&missing),
        Err(CryptoError::FileRead { .. })
    ));
    assert!(matches!(
        Keyring::from_file(dir.path()),
        Err(CryptoError::Syntax {
            expected: "expected a regular file",
            ..
        })
    ));
}

#[cfg(unix)]
#[test]
fn keyring_file_permissions_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("primary:3\n3:{K0}\n");
    for mode in [0o600, 0o400, 0o700] {
        let path = write(&dir, &format!("ok{mode:o}"), &text, mode);
        assert!(Keyring::from_file(&path).is_ok(), "{mode:o}");
    }
    for mode in [
        0o640, 0o604, 0o644, 0o660, 0o620, 0o602, 0o610, 0o601, 0o666,
    ] {
        let path = write(&dir, &format!("bad{mode:o}"), &text, mode);
        let err = Keyring::from_file(&path).unwrap_err();
        match &err {
            CryptoError::InsecureFilePermissions { mode: m, path: p } => {
                assert_eq!(*m, mode);
                assert_eq!(p, &path);
            }
            other => panic!("{mode:o}: {other:?}"),
        }
        assert_eq!(
            err.to_string(),
            format!(
                "keyring file {} is accessible by group or others (mode {mode:04o}); \
                 restrict it to its owner, e.g. chmod 600",
                path.display()
            )
        );
    }
}

#[test]
fn generated_keyrings_export_and_reload() {
    let k = Keyring::generate(11).unwrap();
    assert_eq!(k.key_ids(), [11]);
    let sealed = k.seal(b"x", "c").unwrap();
    let text = k.to_file_text();
    let back = KeyringBuilder::from_file_text(text.expose_secret(), "secret manager")
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(back.open(&sealed, "c").unwrap().expose_secret(), b"x");
    let err = KeyringBuilder::from_file_text("", "secret manager").unwrap_err();
    assert_eq!(err.to_string(), "secret manager: no primary key is named");
    let key = Key::generate().unwrap();
    assert_eq!(key.to_base64().expose_secret().len(), 44);
}

/// A FIFO at the keyring path used to block `from_file` forever (opening a
/// FIFO for reading waits for a writer). It is refused before it is opened.
#[cfg(unix)]
#[test]
fn a_fifo_is_refused_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("keyring");
    let status = std::process::Command::new("mkfifo")
        .arg("-m")
        .arg("600")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    let (tx, rx) = std::sync::mpsc::channel();
    let path = fifo.clone();
    let reader = std::thread::spawn(move || {
        let result = Keyring::from_file(&path).map(|_| ());
        tx.send(result).unwrap();
    });
    // Not a timing test: a generous bound on a call that must not block.
    let result = rx.recv_timeout(std::time::Duration::from_secs(20));
    if result.is_err() {
        // Unblock the reader before failing, so the test process can end.
        drop(std::fs::OpenOptions::new().write(true).open(&fifo));
    }
    reader.join().unwrap();
    let err = result
        .expect("Keyring::from_file blocked on a FIFO")
        .unwrap_err();
    assert!(
        matches!(
            err,
            CryptoError::Syntax {
                expected: "expected a regular file",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!("{}: expected a regular file", fifo.display())
    );
    // Character devices are refused the same way, without being opened.
    #[cfg(target_os = "linux")]
    assert!(matches!(
        Keyring::from_file("/dev/null"),
        Err(CryptoError::Syntax {
            expected: "expected a regular file",
            ..
        })
    ));
}

/// Key ids are canonical decimal: ASCII digits, no sign, no leading zeros
/// (`03` would name key 3 in a form a reader may not take for it), with
/// only ASCII whitespace around them. A non-breaking space or another
/// Unicode space or digit is refused.
#[test]
fn key_ids_are_canonical_ascii_decimal() {
    let id_error = format!(
        "{KEYS_ENV} entry 1: expected `<id>:<base64 key>` with a decimal u32 id \
         (ASCII digits, no sign, no leading zeros)"
    );
    let primary_error = format!(
        "{PRIMARY_ENV}: expected a decimal u32 key id as the primary \
         (ASCII digits, no sign, no leading zeros)"
    );
    for keys in [
        format!("0003:{K0}"),
        format!("03:{K0}"),
        format!("00:{K0}"),
        format!("\u{a0}3\u{a0}:{K0}"),
        format!("\u{2003}3:{K0}"),
        format!("\u{663}:{K0}"),
        format!("\u{ff13}:{K0}"),
        format!("+3:{K0}"),
        format!("3 3:{K0}"),
    ] {
        let err = env(&keys, "3").unwrap_err();
        assert_eq!(err.to_string(), id_error, "{keys:?}");
    }
    for primary in ["03", "0003", "\u{a0}3\u{a0}", "\u{2003}3", "+3", "", "0x3"] {
        let err = env(&format!("3:{K0}"), primary).unwrap_err();
        assert_eq!(err.to_string(), primary_error, "{primary:?}");
    }
    // The key after the colon is trimmed of ASCII whitespace only, too.
    let err = env(&format!("3:\u{a0}{K0}"), "3").unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("{KEYS_ENV} entry 1: key is not valid base64")
    );
    // Zero itself, the largest id, and ASCII spaces and tabs are fine.
    let k = env(&format!("\t0 :{K0}, 4294967295\t: {K1} "), " 0\t").unwrap();
    assert_eq!(k.key_ids(), [0, u32::MAX]);
    assert_eq!(k.primary_id(), 0);
    // The same rules in a file.
    let dir = tempfile::tempdir().unwrap();
    for (text, want) in [
        (
            format!("primary:03\n3:{K0}\n"),
            "line 1: expected `primary:<id>` with a decimal u32 id \
             (ASCII digits, no sign, no leading zeros)",
        ),
        (
            format!("primary:3\n03:{K0}\n"),
            "line 2: expected `<id>:<base64 key>` with a decimal u32 id \
             (ASCII digits, no sign, no leading zeros)",
        ),
        (
            format!("primary:\u{a0}3\n3:{K0}\n"),
            "line 1: expected `primary:<id>` with a decimal u32 id \
             (ASCII digits, no sign, no leading zeros)",
        ),
        (
            format!("\u{a0}primary:3\n3:{K0}\n"),
            "line 1: expected `<id>:<base64 key>` with a decimal u32 id \
             (ASCII digits, no sign, no leading zeros)",
        ),
    ] {
        let path = write(&dir, "k", &text, 0o600);
        let msg = Keyring::from_file(&path).unwrap_err().to_string();
        assert_eq!(msg, format!("{} {want}", path.display()), "{text:?}");
        std::fs::remove_file(&path).unwrap();
    }
}

/// An empty entry (a leading, trailing or doubled comma) is refused with
/// a message that says so: it is what a templated value with a missing
/// key looks like (`$NEW,$OLD` with `$OLD` unset).
#[test]
fn empty_env_entries_are_refused_by_name() {
    for (keys, entry) in [
        (format!("3:{K0},2:{K1},"), 3),
        (format!(",3:{K0}"), 1),
        (format!("3:{K0},,2:{K1}"), 2),
        (format!("3:{K0}, \t,2:{K1}"), 2),
        (String::new(), 1),
    ] {
        let err = env(&keys, "3").unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{KEYS_ENV} entry {entry}: expected `<id>:<base64 key>`, found an empty entry \
                 (a leading, trailing or doubled comma)"
            ),
            "{keys:?}"
        );
    }
}

/// A UTF-8 byte-order mark at the very start of a keyring file (as some
/// Windows editors save) is skipped; anywhere else it is an error. In the
/// environment, where no editor adds one, it is refused with a message
/// naming it.
#[test]
fn byte_order_marks() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [
        ("bom", format!("\u{feff}primary:3\n3:{K0}\n")),
        (
            "bom-comment",
            format!("\u{feff}# opsguard keyring\nprimary:3\n3:{K0}\n"),
        ),
    ] {
        let path = write(&dir, name, &text, 0o600);
        let k = Keyring::from_file(&path).unwrap();
        assert_eq!((k.key_ids(), k.primary_id()), (vec![3], 3), "{name}");
        let k = KeyringBuilder::from_file_text(&text, "secret manager")
            .unwrap()
            .build()
            .unwrap();
        assert_eq!(k.primary_id(), 3, "{name}");
    }
    let path = write(
        &dir,
        "bom-line-2",
        &format!("primary:3\n\u{feff}3:{K0}\n"),
        0o600,
    );
    assert_eq!(
        Keyring::from_file(&path).unwrap_err().to_string(),
        format!(
            "{} line 2: expected `<id>:<base64 key>` with a decimal u32 id \
             (ASCII digits, no sign, no leading zeros)",
            path.display()
        )
    );
    let bom = format!("{KEYS_ENV}: expected no byte-order mark (U+FEFF) at the start");
    assert_eq!(
        env(&format!("\u{feff}3:{K0}"), "3")
            .unwrap_err()
            .to_string(),
        bom
    );
    assert_eq!(
        env(&format!("3:{K0}"), "\u{feff}3")
            .unwrap_err()
            .to_string(),
        format!("{PRIMARY_ENV}: expected no byte-order mark (U+FEFF) at the start")
    );
}

proptest::proptest! {
    /// Any text in either source gives a keyring or an error, never a
    /// panic; every `u32` id loads in its canonical form and only in it.
    #[test]
    fn loaders_never_panic_and_take_only_canonical_ids(
        keys in ".{0,120}",
        primary in ".{0,12}",
        id in proptest::prelude::any::<u32>(),
    ) {
        let _ = env(&keys, &primary);
        let _ = KeyringBuilder::from_file_text(&keys, "x").and_then(KeyringBuilder::build);
        let canonical = id.to_string();
        let padded = format!("0{id}");
        let k = env(&format!("{canonical}:{K0}"), &canonical).unwrap();
        proptest::prop_assert_eq!(k.key_ids(), [id]);
        let padded_entry = env(&format!("{padded}:{K0}"), &canonical);
        let padded_primary = env(&format!("{canonical}:{K0}"), &padded);
        for result in [padded_entry, padded_primary] {
            let refused = matches!(result, Err(CryptoError::Syntax { .. }));
            proptest::prop_assert!(refused, "a leading zero was accepted");
        }
    }
}

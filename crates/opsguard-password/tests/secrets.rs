//! No public type's `Debug` (or an error's `Display`) ever shows a password.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use opsguard_password::{
    Argon2Params, Hasher, HasherBuilder, Outcome, PasswordPolicy, PolicyContext,
};
use secrecy::SecretString;

const PASSWORD: &str = "Sw0rdf1sh-zebra-quartz";

fn fast() -> HasherBuilder {
    Hasher::builder()
        .with_argon2id(Argon2Params::new(32, 1, 1))
        .dangerous_allow_weak_params()
}

fn assert_clean(what: &str, text: &str) {
    assert!(
        !text.contains(PASSWORD),
        "{what} shows the password: {text}"
    );
    assert!(
        !text.contains("zebra"),
        "{what} shows part of the password: {text}"
    );
}

#[test]
fn debug_and_display_never_contain_the_password() {
    let secret = SecretString::from(PASSWORD);
    assert_clean("SecretString", &format!("{secret:?}"));

    let builder = fast();
    assert_clean("HasherBuilder", &format!("{builder:?}"));
    let hasher = builder.build().unwrap();
    let stored = hasher.hash(&secret).unwrap();
    assert_clean("stored hash", &stored);
    // The dummy hash exists after this; Debug still shows settings only.
    let unknown = hasher.verify_unknown_user(&secret);
    assert_clean("Hasher", &format!("{hasher:?}"));
    assert_clean("Verification", &format!("{unknown:?}"));
    let verification = hasher.verify(&secret, &stored).unwrap();
    assert_clean("Verification", &format!("{verification:?}"));

    let older = Hasher::builder()
        .with_bcrypt(4)
        .dangerous_allow_weak_params()
        .build()
        .unwrap();
    let legacy = older.hash(&secret).unwrap();
    let outcome = hasher.verify_and_update(&secret, &legacy).unwrap();
    assert!(matches!(outcome, Outcome::Match { new_hash: Some(_) }));
    assert_clean("Outcome", &format!("{outcome:?}"));

    // Every error a password can produce.
    let long = SecretString::from(PASSWORD.repeat(4));
    let with_nul = SecretString::from(format!("{PASSWORD}\0"));
    let errors = [
        older.hash(&long).unwrap_err(),
        older.hash(&with_nul).unwrap_err(),
        older.verify(&long, &legacy).unwrap_err(),
        hasher.verify(&secret, "$2x$05$abc").unwrap_err(),
        hasher.verify(&secret, PASSWORD).unwrap_err(),
        hasher
            .verify(&secret, &format!("${PASSWORD}$"))
            .unwrap_err(),
        hasher
            .verify(
                &secret,
                &format!("$argon2id$v=19$m=32,t=1,p=1${PASSWORD}$AAAA"),
            )
            .unwrap_err(),
    ];
    for err in errors {
        assert_clean("Error Debug", &format!("{err:?}"));
        assert_clean("Error Display", &err.to_string());
        let core = opsguard_core::Error::from(err);
        assert_clean("core Error", &format!("{core:?} {core}"));
        assert_clean(
            "wire body",
            &String::from_utf8(core.to_wire().body).unwrap(),
        );
    }

    // The policy's types.
    let ctx = PolicyContext::new().with_username("zebra-fan");
    let policy = PasswordPolicy::nist();
    assert_clean(
        "PasswordPolicy",
        &format!("{policy:?} {:?}", policy.to_builder()),
    );
    let violations = policy
        .check(&SecretString::from("zebra-fan-zebra"), &ctx)
        .unwrap_err();
    let text = format!("{violations:?} {violations}");
    assert!(!text.contains("zebra"), "{text}");
    for v in &violations {
        assert!(!format!("{v:?} {v} {}", v.message()).contains("zebra"));
    }
}

/// Review F7: `Outcome`'s derived `Debug` printed the new hash, which is
/// as sensitive as the stored one (an offline guessing target).
#[test]
fn f7_outcome_debug_redacts_the_new_hash() {
    let secret = SecretString::from(PASSWORD);
    let hasher = fast().build().unwrap();
    let legacy = Hasher::builder()
        .with_bcrypt(4)
        .dangerous_allow_weak_params()
        .build()
        .unwrap()
        .hash(&secret)
        .unwrap();
    let outcome = hasher.verify_and_update(&secret, &legacy).unwrap();
    let Outcome::Match {
        new_hash: Some(new_hash),
    } = &outcome
    else {
        panic!("expected an upgrade");
    };
    let text = format!("{outcome:?}");
    assert!(!text.contains(new_hash.as_str()), "{text}");
    assert!(!text.contains("$argon2id$"), "{text}");
    assert_eq!(text, "Match { new_hash: Some([REDACTED]) }");
    assert_eq!(
        format!("{:#?}", Outcome::Match { new_hash: None }),
        "Match {\n    new_hash: None,\n}"
    );
    assert_eq!(format!("{:?}", Outcome::Mismatch), "Mismatch");
}

#[cfg(feature = "tokio")]
#[test]
fn async_hasher_debug_shows_settings_only() {
    let hasher = opsguard_password::AsyncHasher::with_permits(
        fast().build().unwrap(),
        std::num::NonZeroUsize::new(3).unwrap(),
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let secret = SecretString::from(PASSWORD);
    rt.block_on(async {
        let stored = hasher.hash(&secret).await.unwrap();
        assert!(hasher.verify(&secret, &stored).await.unwrap().is_match());
    });
    let text = format!("{hasher:?}");
    assert_clean("AsyncHasher", &text);
    assert!(text.contains("max_permits: 3"), "{text}");
}

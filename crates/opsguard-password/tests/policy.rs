//! The password policy presets, with the exact violation codes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use opsguard_core::{ErrorKind, FieldError};
use opsguard_password::{Error, PasswordPolicy, PolicyContext, Violation};
use secrecy::SecretString;

fn codes(policy: &PasswordPolicy, password: &str, ctx: &PolicyContext<'_>) -> Vec<&'static str> {
    match policy.check(&SecretString::from(password), ctx) {
        Ok(()) => Vec::new(),
        Err(v) => {
            assert!(!v.is_empty());
            v.codes().collect()
        }
    }
}

#[test]
fn opsconductor_preset_exact_codes() {
    let p = PasswordPolicy::opsconductor();
    let none = PolicyContext::new();
    let cases: &[(&str, &[&str])] = &[
        ("Abcdefg1", &[]),
        (
            "",
            &[
                "too_short",
                "missing_uppercase",
                "missing_lowercase",
                "missing_digit",
            ],
        ),
        ("abc", &["too_short", "missing_uppercase", "missing_digit"]),
        ("abcdefgh", &["missing_uppercase", "missing_digit"]),
        ("ABCDEFGH", &["missing_lowercase", "missing_digit"]),
        ("12345678", &["missing_uppercase", "missing_lowercase"]),
        ("Abcdefgh", &["missing_digit"]),
        ("abcdefg1", &["missing_uppercase"]),
        ("ABCDEFG1", &["missing_lowercase"]),
        ("Ab1", &["too_short"]),
        // Common passwords and the username are not the seed service's
        // rules.
        ("Password1", &[]),
        // Unicode letters: É is uppercase, é lowercase; Arabic-Indic digits
        // are digits.
        ("Éééééé1x", &[]),
        ("éééééééé", &["missing_uppercase", "missing_digit"]),
        ("ÉÉÉÉÉÉÉÉ", &["missing_lowercase", "missing_digit"]),
        ("Abcdefg٣", &[]),
        // Letters without case are neither upper nor lower.
        (
            "密码密码密码密码1",
            &["missing_uppercase", "missing_lowercase"],
        ),
    ];
    for (password, want) in cases {
        assert_eq!(codes(&p, password, &none), *want, "{password:?}");
    }
    // Length counts characters, capped at 128 characters and 1024 bytes.
    let at_max = format!("Aa1{}", "x".repeat(125));
    assert_eq!(codes(&p, &at_max, &none), Vec::<&str>::new());
    assert_eq!(codes(&p, &format!("{at_max}x"), &none), ["too_long"]);
    // 100 × '𝄞' is 100 characters but 400 bytes: within both limits.
    assert_eq!(
        codes(&p, &format!("Aa1{}", "𝄞".repeat(100)), &none),
        Vec::<&str>::new()
    );
    // Seven 2-byte characters plus one: 8 characters, enough.
    assert_eq!(codes(&p, "Éééééé1", &none), ["too_short"]);
}

#[test]
fn nist_preset_exact_codes() {
    let p = PasswordPolicy::nist();
    let ctx = PolicyContext::new()
        .with_username("alice")
        .with_email("alice.smith@example.com");
    let cases: &[(&str, &[&str])] = &[
        // No composition rules.
        ("correct horse battery staple", &[]),
        ("plum kettle orbit saffron", &[]),
        ("dragon-trout-97", &[]),
        // Short: too_short; also trivially guessable.
        ("", &["too_short", "too_weak"]),
        ("xq7", &["too_short", "too_weak"]),
        // Common passwords, in any case, l33t or reversed.
        ("password", &["common_password", "too_weak"]),
        ("PASSWORD", &["common_password", "too_weak"]),
        ("P@ssw0rd", &["common_password", "too_weak"]),
        ("drowssap", &["common_password", "too_weak"]),
        ("iloveyou", &["common_password", "too_weak"]),
        ("12345678", &["common_password", "too_weak"]),
        ("qwertyuiop", &["common_password", "too_weak"]),
        ("password1234", &["common_password"]),
        ("Summer2024", &["common_password"]),
        // Repetitive or sequential.
        ("aaaaaaaa", &["too_weak"]),
        ("abcdefgh", &["too_weak"]),
        // The username or email inside, in any case.
        ("my-alice-passphrase", &["contains_username"]),
        ("MY-ALICE-PASSPHRASE", &["contains_username"]),
        (
            "alice.smith@example.com rules",
            &["contains_username", "contains_email"],
        ),
        (
            "x alice.smith x long enough",
            &["contains_username", "contains_email"],
        ),
    ];
    for (password, want) in cases {
        assert_eq!(codes(&p, password, &ctx), *want, "{password:?}");
    }
    // The local part alone counts as the email, even when it is not the
    // username.
    let bob = PolicyContext::new().with_email("bobby.tables@example.com");
    assert_eq!(
        codes(&p, "bobby.tables and friends", &bob),
        ["contains_email"]
    );
    // Context words under 3 characters are not searched for.
    let short = PolicyContext::new().with_username("al").with_email("x@y.z");
    assert_eq!(
        codes(&p, "final alphabet xylophone", &short),
        Vec::<&str>::new()
    );
    // Without context nothing is refused for it.
    assert_eq!(
        codes(&p, "my-alice-passphrase", &PolicyContext::new()),
        Vec::<&str>::new()
    );
    // 256 characters allowed, 257 not; 1024 bytes allowed, 1025 not.
    let phrase = "plum kettle orbit saffron ";
    let long: String = phrase.chars().cycle().take(256).collect();
    assert_eq!(codes(&p, &long, &ctx), Vec::<&str>::new());
    assert_eq!(codes(&p, &format!("{long}x"), &ctx), ["too_long"]);
    let wide: String = "ÿ".repeat(256); // 256 characters, 512 bytes
    assert!(!codes(&p, &wide, &ctx).contains(&"too_long"));
    let four_byte: String = "𝄞".repeat(256); // 256 characters, 1024 bytes
    assert!(!codes(&p, &four_byte, &ctx).contains(&"too_long"));
    let over: String = format!("{}x", "𝄞".repeat(256)); // 257 chars, 1025 bytes
    assert_eq!(codes(&p, &over, &ctx)[0], "too_long");
}

#[test]
fn every_violation_is_reported_at_once_in_the_documented_order() {
    let policy = PasswordPolicy::opsconductor()
        .to_builder()
        .with_min_strength(4)
        .build()
        .unwrap();
    assert_eq!(
        codes(&policy, "", &PolicyContext::new()),
        [
            "too_short",
            "missing_uppercase",
            "missing_lowercase",
            "missing_digit",
            "too_weak"
        ]
    );
    let nist = PasswordPolicy::nist();
    let ctx = PolicyContext::new().with_username("alice");
    assert_eq!(
        codes(&nist, "Alice", &ctx),
        ["too_short", "contains_username", "too_weak"]
    );
    assert_eq!(
        codes(&nist, "alicepassw0rd", &ctx),
        ["contains_username", "common_password"]
    );
}

#[test]
fn violations_become_field_errors_without_the_password() {
    let password = "alicepassw0rd";
    let ctx = PolicyContext::new().with_username("alice");
    let policy = PasswordPolicy::nist()
        .to_builder()
        .with_min_length(20)
        .build()
        .unwrap();
    let violations = policy
        .check(&SecretString::from(password), &ctx)
        .unwrap_err();
    assert_eq!(
        violations.to_field_errors(),
        vec![
            FieldError::new("password", "too_short", "must be at least 20 characters"),
            FieldError::new(
                "password",
                "contains_username",
                "must not contain the username"
            ),
            FieldError::new("password", "common_password", "is too common"),
        ]
    );
    let text = format!("{violations} {violations:?}");
    assert_eq!(
        violations.to_string(),
        "password breaks the policy: too_short, contains_username, common_password"
    );
    assert!(
        !text.contains(password) && !text.contains("passw0rd"),
        "{text}"
    );

    let core = opsguard_core::Error::from(violations.clone());
    assert_eq!(core.kind(), ErrorKind::Validation);
    assert_eq!(core.fields().len(), 3);
    let wire = String::from_utf8(core.to_wire().body).unwrap();
    assert!(!wire.contains("passw0rd"), "{wire}");

    // Every variant's field error.
    let all = [
        (
            Violation::CommonPassword,
            "common_password",
            "is too common",
        ),
        (
            Violation::ContainsEmail,
            "contains_email",
            "must not contain the email address",
        ),
        (
            Violation::ContainsUsername,
            "contains_username",
            "must not contain the username",
        ),
        (
            Violation::MissingDigit,
            "missing_digit",
            "must contain a digit",
        ),
        (
            Violation::MissingLowercase,
            "missing_lowercase",
            "must contain a lowercase letter",
        ),
        (
            Violation::MissingUppercase,
            "missing_uppercase",
            "must contain an uppercase letter",
        ),
        (
            Violation::TooLong {
                max_chars: 256,
                max_bytes: 1024,
            },
            "too_long",
            "must be at most 256 characters and 1024 bytes",
        ),
        (
            Violation::TooShort { min_chars: 8 },
            "too_short",
            "must be at least 8 characters",
        ),
        (
            Violation::TooWeak { min_strength: 1 },
            "too_weak",
            "is too easy to guess",
        ),
    ];
    for (v, code, message) in all {
        assert_eq!(
            FieldError::from(v),
            FieldError::new("password", code, message)
        );
        assert_eq!(v.to_string(), message);
    }
    // Owned and borrowed iteration agree with as_slice.
    let by_ref: Vec<Violation> = (&violations).into_iter().copied().collect();
    let owned: Vec<Violation> = violations.clone().into_iter().collect();
    assert_eq!(by_ref, violations.as_slice());
    assert_eq!(owned, violations.as_slice());
    assert_eq!(violations.iter().count(), violations.len());
}

#[test]
fn builder_limits() {
    let nist = || PasswordPolicy::nist().to_builder();
    assert_eq!(
        nist().with_min_length(7).build(),
        Err(Error::InvalidPolicy { name: "min_length" })
    );
    assert_eq!(
        nist().with_max_length(63).build(),
        Err(Error::InvalidPolicy { name: "max_length" })
    );
    assert_eq!(
        nist().with_min_length(100).with_max_length(99).build(),
        Err(Error::InvalidPolicy { name: "max_length" })
    );
    assert_eq!(
        nist().with_max_bytes(4097).build(),
        Err(Error::InvalidPolicy { name: "max_bytes" })
    );
    assert_eq!(
        nist().with_min_length(80).with_max_bytes(72).build(),
        Err(Error::InvalidPolicy { name: "max_bytes" })
    );
    assert_eq!(
        nist().with_min_strength(5).build(),
        Err(Error::InvalidPolicy {
            name: "min_strength"
        })
    );
    // 64 characters must be allowed; 15-character minimum for single-factor
    // use; 72 bytes for bcrypt services.
    let p = nist()
        .with_min_length(15)
        .with_max_length(64)
        .with_max_bytes(72)
        .build()
        .unwrap();
    assert_eq!(
        (p.min_length(), p.max_length(), p.max_bytes()),
        (15, 64, 72)
    );
    let none = PolicyContext::new();
    let seventy_three = "correct horse battery staple ".repeat(3);
    assert_eq!(codes(&p, &seventy_three[..73], &none), ["too_long"]);
    // min_strength 0 switches too_weak off.
    let lax = nist().with_min_strength(0).build().unwrap();
    assert_eq!(codes(&lax, "aaaaaaaa", &none), Vec::<&str>::new());
    assert_eq!(PasswordPolicy::default(), PasswordPolicy::nist());
}

#[test]
fn strength_uses_the_context() {
    let password = SecretString::from("alice.smith1987");
    let with = PasswordPolicy::strength(
        &password,
        &PolicyContext::new().with_email("alice.smith@example.com"),
    );
    let without = PasswordPolicy::strength(&password, &PolicyContext::new());
    assert!(with <= without, "{with} {without}");
    assert!(without <= 4);
    assert_eq!(
        PasswordPolicy::strength(&SecretString::from("password"), &PolicyContext::new()),
        0
    );
    assert_eq!(
        PasswordPolicy::strength(
            &SecretString::from("plum kettle orbit saffron"),
            &PolicyContext::new()
        ),
        4
    );
}

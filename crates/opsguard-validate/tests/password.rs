//! The bridge to opsguard-password's policy: every violation becomes a
//! field error on `password`, beside the other fields' errors.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use opsguard_core::FieldError;
use opsguard_password::{PasswordPolicy, PolicyContext};
use opsguard_validate::types::{RegisterUser, UserCreate};
use opsguard_validate::{check_password, field_errors, from_json_slice, from_json_slice_with_args};
use secrecy::SecretString;
use serde_json::json;

fn triples(fields: &[FieldError]) -> Vec<(&str, &str, &str)> {
    fields
        .iter()
        .map(|f| (f.field(), f.code(), f.message()))
        .collect()
}

fn body(username: &str, email: &str, password: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({"username": username, "email": email, "password": password}))
        .unwrap()
}

#[test]
fn every_violation_of_the_seed_policy_is_listed_with_the_other_fields() {
    let policy = PasswordPolicy::opsconductor();
    let err =
        from_json_slice_with_args::<RegisterUser>(&body("a!", "a@localhost", "abc"), 4096, &policy)
            .unwrap_err();
    assert_eq!(
        triples(err.fields()),
        [
            ("email", "invalid_email", "must have a domain with a dot"),
            ("password", "too_short", "must be at least 8 characters"),
            (
                "password",
                "missing_uppercase",
                "must contain an uppercase letter"
            ),
            ("password", "missing_digit", "must contain a digit"),
            (
                "username",
                "invalid_username",
                "must contain only ASCII letters and digits"
            ),
        ]
    );
    let ok = from_json_slice_with_args::<UserCreate>(
        &body("alice", "alice@example.com", "Passw0rd"),
        4096,
        &policy,
    );
    assert!(ok.is_ok());
}

/// What the policy itself says about `password` for this account.
fn policy_says(
    policy: &PasswordPolicy,
    username: &str,
    email: &str,
    password: &str,
) -> Vec<FieldError> {
    let context = PolicyContext::new()
        .with_username(username)
        .with_email(email);
    policy
        .check(&SecretString::from(password), &context)
        .err()
        .map(|v| v.to_field_errors())
        .unwrap_or_default()
}

#[test]
fn the_default_policy_is_the_password_crates_default_with_the_account_as_context() {
    // The bridge adds nothing and loses nothing: the report's password
    // errors are exactly the policy's, in its order, for the account's
    // username and email.
    let cases = [
        ("alice", "bob@example.com", "password", "common_password"),
        (
            "carolyn",
            "dave@example.com",
            "xx-carolyn-xx-42",
            "contains_username",
        ),
        (
            "erin",
            "frankie@example.com",
            "zz frankie zz 42 q",
            "contains_email",
        ),
    ];
    for (user, mail, password, code) in cases {
        let expected = policy_says(&PasswordPolicy::default(), user, mail, password);
        assert!(
            expected.iter().any(|f| f.code() == code),
            "{code}: {expected:?}"
        );
        let err = from_json_slice::<RegisterUser>(&body(user, mail, password), 4096).unwrap_err();
        assert_eq!(err.fields(), expected.as_slice());
        let err = from_json_slice::<UserCreate>(&body(user, mail, password), 4096).unwrap_err();
        assert_eq!(err.fields(), expected.as_slice());
    }
    // A password the default policy accepts.
    let good = "purple otter juggles umbrellas";
    assert!(
        policy_says(
            &PasswordPolicy::default(),
            "alice",
            "alice@example.com",
            good
        )
        .is_empty()
    );
    assert!(
        from_json_slice::<RegisterUser>(&body("alice", "alice@example.com", good), 4096).is_ok()
    );
}

#[test]
fn an_oversized_password_gets_only_too_long_and_is_not_scanned() {
    let huge = SecretString::from("Aa1".repeat(1 << 18));
    for policy in [PasswordPolicy::nist(), PasswordPolicy::opsconductor()] {
        let errors = check_password(&huge, &policy, &PolicyContext::new()).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].code, "too_long");
        assert!(errors[0].params.is_empty());
    }
    // At the byte limit but over the character limit: still only too_long
    // (the character limit is checked by the bridge too, see review_06).
    let at_byte_limit = SecretString::from("a".repeat(1024));
    let errors = check_password(
        &at_byte_limit,
        &PasswordPolicy::opsconductor(),
        &PolicyContext::new(),
    )
    .unwrap_err();
    let codes: Vec<_> = errors.iter().map(|e| e.code.as_ref()).collect();
    assert_eq!(codes, ["too_long"]);
}

#[test]
fn password_errors_never_carry_the_password() {
    let secret = "Zq9-Secret-Value-x";
    let errors = check_password(
        &SecretString::from(secret.to_lowercase()),
        &PasswordPolicy::opsconductor(),
        &PolicyContext::new(),
    )
    .unwrap_err();
    for e in &errors {
        assert!(e.params.is_empty());
        assert!(!e.to_string().to_lowercase().contains("secret-value"));
        assert!(!format!("{e:?}").to_lowercase().contains("secret-value"));
    }
    let mut checks = opsguard_validate::Checks::new();
    checks.password(
        "password",
        &SecretString::from(secret.to_lowercase()),
        &PasswordPolicy::opsconductor(),
        &PolicyContext::new(),
    );
    let fields = field_errors(&checks.finish().unwrap_err());
    let wire = String::from_utf8(opsguard_core::Error::validation(fields).to_wire().body).unwrap();
    assert!(!wire.to_lowercase().contains("secret-value"), "{wire}");
}

//! Properties: any input to verify or to JWKS import is refused cleanly or
//! accepted, never a panic; issued claims round-trip.
#![allow(
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use opsguard_token::{KeySet, Subject};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic_the_verifier(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let clock = clock();
        let verifier = verifier(&clock);
        let text = String::from_utf8_lossy(&bytes);
        // Random input cannot carry a valid HMAC: it is always refused.
        prop_assert!(verifier.verify_access(&text).is_err());
        prop_assert!(verifier.verify_service(&text).is_err());
    }

    #[test]
    fn token_shaped_input_never_panics(
        header in "[A-Za-z0-9_-]{0,80}",
        payload in "[A-Za-z0-9_=+/-]{0,120}",
        sig in "[A-Za-z0-9_.-]{0,90}",
    ) {
        let clock = clock();
        let verifier = verifier(&clock);
        let token = format!("{header}.{payload}.{sig}");
        prop_assert!(verifier.verify_access(&token).is_err());
    }

    #[test]
    fn mutated_valid_tokens_are_refused(index in 0usize..2000, byte in any::<u8>()) {
        let clock = clock();
        let token = issuer(&clock).issue_access(&Subject::new("1", "a")).unwrap();
        let mut bytes = token.expose_secret().as_bytes().to_vec();
        let i = index % bytes.len();
        prop_assume!(bytes[i] != byte);
        bytes[i] = byte;
        let text = String::from_utf8_lossy(&bytes);
        // Any change to the signing input breaks the signature; any change to
        // the signature changes its bytes or makes its base64 non-canonical.
        prop_assert!(verifier(&clock).verify_access(&text).is_err());
    }

    #[test]
    fn arbitrary_jwks_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        if let Ok(keys) = KeySet::from_jwks_json(&bytes) {
            let again = KeySet::from_jwks_json(keys.to_jwks().to_json().as_bytes()).unwrap();
            prop_assert_eq!(again.kids().count(), keys.kids().count());
        }
    }

    #[test]
    fn issued_claims_round_trip(
        id in "[a-z0-9-]{1,36}",
        username in "\\PC{1,40}",
        roles in proptest::collection::vec("\\PC{0,20}", 0..6),
    ) {
        let clock = clock();
        let subject = Subject::new(id.clone(), username.clone()).with_roles(roles.clone());
        let token = issuer(&clock).issue_access(&subject).unwrap();
        let claims = verifier(&clock).verify_access(token.expose_secret()).unwrap();
        prop_assert_eq!(claims.subject(), id.as_str());
        prop_assert_eq!(claims.username(), username.as_str());
        prop_assert_eq!(claims.roles(), roles.as_slice());
        prop_assert_eq!(claims.jwt_id(), token.jwt_id());
    }
}

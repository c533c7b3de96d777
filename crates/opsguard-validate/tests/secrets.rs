//! Secrets in request types never reach `Debug` output or an error.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use opsguard_validate::from_json_slice;
use opsguard_validate::types::{CredentialCreate, RegisterUser, UserCreate};
use secrecy::ExposeSecret;

const SECRET: &str = "Sup3r-Secret-Passw0rd";

#[test]
fn debug_of_request_types_redacts_the_password() {
    let body = format!(r#"{{"username":"alice","email":"a@example.com","password":"{SECRET}"}}"#);
    let register: RegisterUser = from_json_slice(body.as_bytes(), 4096).unwrap();
    assert_eq!(register.password.expose_secret(), SECRET);
    assert!(!format!("{register:?}").contains(SECRET));

    let create: UserCreate = from_json_slice(body.as_bytes(), 4096).unwrap();
    assert!(!create.is_admin);
    assert!(!format!("{create:?}").contains(SECRET));

    let body = format!(r#"{{"name":"db","username":"root","password":"{SECRET}"}}"#);
    let cred: CredentialCreate = from_json_slice(body.as_bytes(), 4096).unwrap();
    assert!(!format!("{cred:?}").contains(SECRET));
}

#[test]
fn a_refused_request_does_not_echo_its_password() {
    // Every other field is wrong, so the error is as large as it gets; the
    // password is too long for a credential.
    let long = SECRET.repeat(200);
    let bodies = [
        format!(r#"{{"name":"","username":"ro\u0000ot","password":"{long}"}}"#),
        format!(r#"{{"name":"x","username":"root","password":"{SECRET}","port":"{SECRET}"}}"#),
        format!(r#"{{"name":"x","username":"root","password":["{SECRET}"]}}"#),
        format!(r#"{{"name":"x","username":"root","password":"{SECRET}"#),
    ];
    for body in bodies {
        let err = from_json_slice::<CredentialCreate>(body.as_bytes(), 1 << 20).unwrap_err();
        let wire = String::from_utf8(err.to_wire().body).unwrap();
        assert!(!wire.contains("Sup3r"), "{wire}");
        assert!(!format!("{err:?}").contains("Sup3r"));
    }
}

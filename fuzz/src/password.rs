//! The check of opsguard-password's fuzz target.

use std::sync::OnceLock;

use arbitrary::{Arbitrary, Unstructured};
use opsguard_password::{Argon2Params, Error, Hasher, ParamCeiling, Verification};
use secrecy::SecretString;

/// A ceiling far below the defaults, so no input can make one execution
/// expensive: what it bounds is exactly what the fuzzer may not exceed.
const CEILING: ParamCeiling = ParamCeiling::DEFAULT
    .with_max_memory_kib(64)
    .with_max_iterations(2)
    .with_max_parallelism(2)
    .with_max_bcrypt_cost(5);

fn hashers() -> &'static [Hasher; 2] {
    static HASHERS: OnceLock<[Hasher; 2]> = OnceLock::new();
    HASHERS.get_or_init(|| {
        let argon2 = Hasher::builder()
            .with_argon2id(Argon2Params::new(16, 1, 1))
            .with_ceiling(CEILING)
            .dangerous_allow_weak_params()
            .build()
            .expect("small argon2 parameters");
        let bcrypt = Hasher::builder()
            .with_bcrypt(4)
            .with_ceiling(CEILING)
            .dangerous_allow_weak_params()
            .build()
            .expect("bcrypt cost 4");
        [argon2, bcrypt]
    })
}

/// The stored string: arbitrary text, or a real hash of the password made
/// by one of the hashers and then edited once.
#[derive(Arbitrary, Debug)]
enum Stored<'a> {
    Raw(&'a str),
    Edited {
        by_bcrypt: bool,
        at: u16,
        edit: Edit<'a>,
    },
}

#[derive(Arbitrary, Debug)]
enum Edit<'a> {
    Keep,
    Truncate,
    Replace(char),
    Insert(&'a str),
}

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    bcrypt_current: bool,
    stored: Stored<'a>,
    password: &'a str,
}

/// Verification with an arbitrary stored string and password:
///
/// * never panics; answers a match, a mismatch, an error about the stored
///   hash, or (bcrypt only) a refusal of an over-long or NUL password;
/// * `needs_rehash` agrees with `verify` on whether the string is usable;
/// * a fresh hash of the password verifies without needing a rehash by the
///   hasher that made it; any one edit of it never verifies another
///   password;
/// * an unknown user is always a mismatch.
pub fn password_verify(data: &[u8]) {
    let Ok(input) = Input::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    let [argon2, bcrypt] = hashers();
    let current = if input.bcrypt_current { bcrypt } else { argon2 };
    let password = SecretString::from(input.password);

    let stored = match input.stored {
        Stored::Raw(s) => s.to_owned(),
        Stored::Edited {
            by_bcrypt,
            at,
            edit,
        } => {
            let maker = if by_bcrypt { bcrypt } else { argon2 };
            let Ok(fresh) = maker.hash(&password) else {
                return;
            };
            assert_eq!(
                maker.verify(&password, &fresh),
                Ok(Verification::Match {
                    needs_rehash: false
                }),
                "fresh hash {fresh} does not verify"
            );
            let at = usize::from(at) % (fresh.len() + 1);
            let mut edited = fresh.clone();
            match edit {
                Edit::Keep => {}
                Edit::Truncate => edited.truncate(at),
                Edit::Replace(c) => {
                    if at < edited.len() {
                        edited.replace_range(at..=at, c.encode_utf8(&mut [0; 4]));
                    }
                }
                Edit::Insert(s) => edited.insert_str(at, s),
            }
            if edited != fresh {
                let other = SecretString::from(format!("{}\u{1}", input.password));
                assert!(
                    !matches!(current.verify(&other, &edited), Ok(v) if v.is_match()),
                    "edited hash {edited:?} verifies another password"
                );
            }
            edited
        }
    };

    let verified = current.verify(&password, &stored);
    match &verified {
        Ok(_) => {}
        Err(e) if e.is_stored_hash_problem() => {}
        Err(Error::PasswordTooLong { max_bytes: 72 } | Error::PasswordContainsNul) => {
            assert!(stored.starts_with("$2"), "bcrypt refusal for {stored:?}");
        }
        Err(other) => panic!("verify gave {other:?} for {stored:?}"),
    }
    match (current.needs_rehash(&stored), &verified) {
        (Err(a), Err(b)) => assert_eq!(&a, b, "needs_rehash and verify disagree"),
        (Err(a), Ok(_)) => panic!("needs_rehash failed with {a:?} but verify did not"),
        (Ok(_), Err(b)) => assert!(!b.is_stored_hash_problem(), "{b:?}"),
        (Ok(needs), Ok(v)) => {
            if v.is_match() {
                assert_eq!(v.needs_rehash(), needs);
            }
        }
    }
    assert_eq!(
        current.verify_unknown_user(&password),
        Verification::Mismatch
    );
}

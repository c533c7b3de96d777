//! `AsyncHasher` (feature `tokio`): hashing leaves the executor thread free.
#![cfg(feature = "tokio")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::num::NonZeroUsize;

use opsguard_password::{Argon2Params, AsyncHasher, Error, Hasher, Outcome, Verification};
use secrecy::SecretString;

fn pool(m: u32) -> AsyncHasher {
    let hasher = Hasher::builder()
        .with_argon2id(Argon2Params::new(m, 1, 1))
        .dangerous_allow_weak_params()
        .build()
        .unwrap();
    AsyncHasher::with_permits(hasher, NonZeroUsize::new(2).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_variants_match_the_sync_ones() {
    let pool = pool(64);
    let password = SecretString::from("correct horse");
    let stored = pool.hash(&password).await.unwrap();
    assert_eq!(
        pool.verify(&password, &stored).await,
        pool.hasher().verify(&password, &stored)
    );
    assert_eq!(
        pool.verify(&SecretString::from("wrong"), &stored).await,
        Ok(Verification::Mismatch)
    );
    assert_eq!(
        pool.verify(&password, "$2x$05$abc").await,
        Err(Error::UnsupportedHash {
            reason: "bcrypt $2x$ (pre-2011 crypt_blowfish bug)"
        })
    );
    assert_eq!(
        pool.verify_unknown_user(&password).await,
        Ok(Verification::Mismatch)
    );
    // An upgrade from weaker parameters.
    let old = pool_hash_with(32, &password);
    let Outcome::Match {
        new_hash: Some(new_hash),
    } = pool.verify_and_update(&password, &old).await.unwrap()
    else {
        panic!("expected an upgrade");
    };
    assert_eq!(
        pool.verify(&password, &new_hash).await,
        Ok(Verification::Match {
            needs_rehash: false
        })
    );
}

fn pool_hash_with(m: u32, password: &SecretString) -> String {
    pool(m).hasher().hash(password).unwrap()
}

/// 64 concurrent logins on two permits all complete and agree.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_64_verifications_completes() {
    let pool = pool(256);
    let password = SecretString::from("correct horse");
    let stored = pool.hash(&password).await.unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..64 {
        let (pool, stored) = (pool.clone(), stored.clone());
        let attempt = if i % 2 == 0 {
            "correct horse"
        } else {
            "wrong horse"
        };
        tasks.spawn(async move { (i, pool.verify(&SecretString::from(attempt), &stored).await) });
    }
    let mut seen = 0;
    while let Some(joined) = tasks.join_next().await {
        let (i, got) = joined.unwrap();
        assert_eq!(got.unwrap().is_match(), i % 2 == 0, "{i}");
        seen += 1;
    }
    assert_eq!(seen, 64);
    assert_eq!(pool.max_permits(), 2);
}

//! Refresh rotation: the happy path, reuse detection, the race, the grace
//! window, revocation, purging, store failures and the access denylist.
#![allow(
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use common::*;
use opsguard_token::denylist::{AccessDenylist, DenylistVerifier, MemoryDenylist};
use opsguard_token::refresh::{
    MemoryRefreshStore, NewFamily, RefreshRotation, RefreshStore, RotateOutcome, Rotation,
};
use opsguard_token::{FamilyId, StoreError, Subject, TokenError};

fn alice() -> Subject {
    Subject::new("42", "alice").with_roles(["operator"])
}

fn rotation_with(
    clock: &Arc<opsguard_token::clock::ManualClock>,
    store: Arc<dyn RefreshStore>,
    grace: Duration,
) -> RefreshRotation {
    RefreshRotation::builder(issuer(clock), store)
        .with_grace(grace)
        .build()
        .unwrap()
}

#[tokio::test]
async fn rotation_happy_path() {
    let clock = clock();
    let store = Arc::new(MemoryRefreshStore::new());
    let rotation = rotation_with(&clock, store.clone(), Duration::ZERO);
    let verifier = verifier(&clock);

    let first = rotation.start(&alice()).await.unwrap();
    assert_eq!(first.expires_in(), 900);
    assert_eq!(store.len().unwrap(), 1);
    let claims = rotation.inspect(first.refresh().expose_secret()).unwrap();
    assert_eq!(claims.family(), first.family());
    assert_eq!(claims.subject(), "42");
    assert_eq!(claims.audience(), [ISS]);
    assert_eq!(claims.expires_at(), NOW + 14 * 86_400);

    clock.advance(Duration::from_secs(600));
    let second = rotation
        .rotate(first.refresh().expose_secret())
        .await
        .unwrap();
    assert_eq!(second.family(), first.family());
    assert_ne!(second.refresh().jwt_id(), first.refresh().jwt_id());
    let access = verifier
        .verify_access(second.access().expose_secret())
        .unwrap();
    assert_eq!(access.subject(), "42");
    assert_eq!(access.roles(), ["operator"]);
    let third = rotation
        .rotate(second.refresh().expose_secret())
        .await
        .unwrap();
    assert_eq!(third.family(), first.family());
    assert_eq!(store.len().unwrap(), 1);

    // Reloaded identity: new roles go into the next access token; another
    // user id is refused before the store is touched.
    let promoted = Subject::new("42", "alice").with_roles(["admin"]);
    let fourth = rotation
        .rotate_with(
            third.refresh().expose_secret(),
            &promoted,
            &serde_json::json!({}),
        )
        .await
        .unwrap();
    let access = verifier
        .verify_access(fourth.access().expose_secret())
        .unwrap();
    assert_eq!(access.roles(), ["admin"]);
    assert_rejected(
        rotation
            .rotate_with(
                fourth.refresh().expose_secret(),
                &Subject::new("7", "mallory"),
                &serde_json::json!({}),
            )
            .await,
        &TokenError::SubjectMismatch,
    );
    assert!(
        rotation
            .rotate(fourth.refresh().expose_secret())
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn reuse_revokes_the_family_and_the_newest_token_fails_too() {
    let clock = clock();
    let rotation = rotation_with(&clock, Arc::new(MemoryRefreshStore::new()), Duration::ZERO);
    let login = rotation.start(&alice()).await.unwrap();
    let legit = rotation
        .rotate(login.refresh().expose_secret())
        .await
        .unwrap();
    let newest = rotation
        .rotate(legit.refresh().expose_secret())
        .await
        .unwrap();

    // An attacker replays the first token.
    let err = rotation
        .rotate(login.refresh().expose_secret())
        .await
        .unwrap_err();
    let event = err.reuse_detected().unwrap();
    assert_eq!(event.user_id(), "42");
    assert_eq!(event.family(), login.family());
    assert!(!format!("{err} {err:?}").contains(login.refresh().expose_secret()));
    assert_rejected::<()>(
        Err(err),
        &TokenError::ReuseDetected(event_clone(&rotation, &clock).await),
    );

    // The whole family is dead, newest token included.
    assert_rejected(
        rotation.rotate(newest.refresh().expose_secret()).await,
        &TokenError::Revoked,
    );
    // Another login of the same user is unaffected.
    let other = rotation.start(&alice()).await.unwrap();
    assert!(
        rotation
            .rotate(other.refresh().expose_secret())
            .await
            .is_ok()
    );
}

/// Any `ReuseDetected` value, to compare variants with.
async fn event_clone(
    rotation: &RefreshRotation,
    _clock: &Arc<opsguard_token::clock::ManualClock>,
) -> opsguard_token::ReuseDetected {
    let pair = rotation.start(&Subject::new("x", "x")).await.unwrap();
    rotation
        .rotate(pair.refresh().expose_secret())
        .await
        .unwrap();
    let err = rotation
        .rotate(pair.refresh().expose_secret())
        .await
        .unwrap_err();
    err.reuse_detected().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_rotation_of_one_token_has_exactly_one_winner() {
    let clock = clock();
    let rotation = Arc::new(rotation_with(
        &clock,
        Arc::new(MemoryRefreshStore::new()),
        Duration::ZERO,
    ));
    for _ in 0..50 {
        let login = rotation.start(&alice()).await.unwrap();
        let token = Arc::new(login.refresh().expose_secret().to_owned());
        let barrier = Arc::new(tokio::sync::Barrier::new(2));
        let tasks: Vec<_> = (0..2)
            .map(|_| {
                let (rotation, token, barrier) = (rotation.clone(), token.clone(), barrier.clone());
                tokio::spawn(async move {
                    barrier.wait().await;
                    rotation.rotate(&token).await
                })
            })
            .collect();
        let mut ok = 0;
        let mut reuse = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(_) => ok += 1,
                Err(TokenError::ReuseDetected(_)) => reuse += 1,
                Err(other) => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!((ok, reuse), (1, 1));
    }
}

#[tokio::test]
async fn grace_window_accepts_only_the_immediately_preceding_token() {
    let clock = clock();
    let rotation = rotation_with(
        &clock,
        Arc::new(MemoryRefreshStore::new()),
        Duration::from_secs(10),
    );
    let login = rotation.start(&alice()).await.unwrap();
    let t1 = login.refresh().expose_secret().to_owned();
    let t2 = rotation.rotate(&t1).await.unwrap();
    // The answer to the first call was lost; the client retries with t1.
    clock.advance(Duration::from_secs(9));
    let t3 = rotation.rotate(&t1).await.unwrap();
    assert_eq!(t3.family(), login.family());
    // t2 (issued to the lost answer) is neither current nor the preceding
    // token: presenting it is reuse.
    assert!(matches!(
        rotation.rotate(t2.refresh().expose_secret()).await,
        Err(TokenError::ReuseDetected(_))
    ));

    // After the window, the preceding token is reuse.
    let login = rotation.start(&alice()).await.unwrap();
    let t1 = login.refresh().expose_secret().to_owned();
    let t2 = rotation.rotate(&t1).await.unwrap();
    clock.advance(Duration::from_secs(10));
    assert!(matches!(
        rotation.rotate(&t1).await,
        Err(TokenError::ReuseDetected(_))
    ));
    assert_rejected(
        rotation.rotate(t2.refresh().expose_secret()).await,
        &TokenError::Revoked,
    );

    // Two generations back is never a grace retry.
    let login = rotation.start(&alice()).await.unwrap();
    let t1 = login.refresh().expose_secret().to_owned();
    let t2 = rotation.rotate(&t1).await.unwrap();
    let _t3 = rotation.rotate(t2.refresh().expose_secret()).await.unwrap();
    assert!(matches!(
        rotation.rotate(&t1).await,
        Err(TokenError::ReuseDetected(_))
    ));

    assert!(matches!(
        RefreshRotation::builder(issuer(&clock), Arc::new(MemoryRefreshStore::new()))
            .with_grace(Duration::from_secs(61))
            .build(),
        Err(TokenError::Config { .. })
    ));
}

#[tokio::test]
async fn logout_user_revocation_and_purge() {
    let clock = clock();
    let store = Arc::new(MemoryRefreshStore::new());
    let rotation = rotation_with(&clock, store.clone(), Duration::ZERO);
    let a1 = rotation.start(&alice()).await.unwrap();
    let a2 = rotation.start(&alice()).await.unwrap();
    let a3 = rotation.start(&alice()).await.unwrap();
    let bob = rotation.start(&Subject::new("7", "bob")).await.unwrap();

    rotation.revoke(a1.refresh().expose_secret()).await.unwrap();
    rotation.revoke(a1.refresh().expose_secret()).await.unwrap();
    assert_rejected(
        rotation.rotate(a1.refresh().expose_secret()).await,
        &TokenError::Revoked,
    );
    assert_eq!(rotation.revoke_user("42").await.unwrap(), 2);
    for pair in [&a2, &a3] {
        assert_rejected(
            rotation.rotate(pair.refresh().expose_secret()).await,
            &TokenError::Revoked,
        );
    }
    assert!(!rotation.revoke_family(a2.family()).await.unwrap());
    let bob = rotation
        .rotate(bob.refresh().expose_secret())
        .await
        .unwrap();

    // Nothing has expired yet.
    assert_eq!(rotation.purge_expired().await.unwrap(), 0);
    clock.advance(Duration::from_secs(14 * 86_400));
    assert_eq!(rotation.purge_expired().await.unwrap(), 4);
    assert!(store.is_empty().unwrap());
    // Within the leeway the JWT still passes, but its family is gone.
    assert_rejected(
        rotation.rotate(bob.refresh().expose_secret()).await,
        &TokenError::Revoked,
    );
    // Past it, the token fails on its own exp before the store is asked.
    clock.advance(Duration::from_secs(30));
    assert_rejected(
        rotation.rotate(bob.refresh().expose_secret()).await,
        &TokenError::Expired,
    );
    // A validly signed token of a family the store does not know.
    clock.set(NOW);
    let fresh = rotation.start(&alice()).await.unwrap();
    let other_store = rotation_with(&clock, Arc::new(MemoryRefreshStore::new()), Duration::ZERO);
    assert_rejected(
        other_store.rotate(fresh.refresh().expose_secret()).await,
        &TokenError::Revoked,
    );
}

/// A store whose backend is down.
#[derive(Debug)]
struct DownStore;

#[async_trait]
impl RefreshStore for DownStore {
    async fn create(&self, _: &NewFamily) -> Result<(), StoreError> {
        Err(StoreError::unavailable("connection refused"))
    }
    async fn rotate(&self, _: &Rotation) -> Result<RotateOutcome, StoreError> {
        Err(StoreError::unavailable("connection refused"))
    }
    async fn revoke_family(&self, _: &FamilyId) -> Result<bool, StoreError> {
        Err(StoreError::unavailable("connection refused"))
    }
    async fn revoke_user(&self, _: &str) -> Result<u64, StoreError> {
        Err(StoreError::internal("corrupt row"))
    }
    async fn purge_expired(&self, _: i64) -> Result<u64, StoreError> {
        Err(StoreError::unavailable("connection refused"))
    }
}

#[tokio::test]
async fn a_store_outage_is_not_the_clients_fault() {
    let clock = clock();
    let rotation = rotation_with(&clock, Arc::new(DownStore), Duration::ZERO);
    let err = rotation.start(&alice()).await.unwrap_err();
    assert!(matches!(err, TokenError::Store(_)));
    assert!(!err.is_token_rejection());
    let core: opsguard_core::Error = err.into();
    assert_eq!(core.kind(), opsguard_core::ErrorKind::Unavailable);
    assert_eq!(core.to_wire().status, 503);
    let err = rotation.revoke_user("42").await.unwrap_err();
    assert_eq!(
        opsguard_core::Error::from(err).kind(),
        opsguard_core::ErrorKind::Internal
    );
    // A token is still verified first: a bad one is a 401, not a 503.
    assert_rejected(rotation.rotate("a.b.c").await, &TokenError::Malformed);
}

#[tokio::test]
async fn memory_store_follows_the_decision_table() {
    let store = MemoryRefreshStore::new();
    let fam = FamilyId::new("fam-1");
    store
        .create(&NewFamily::new(
            fam.clone(),
            "42",
            "j1",
            100,
            1_000,
            100_000,
        ))
        .await
        .unwrap();
    assert!(
        store
            .create(&NewFamily::new(
                fam.clone(),
                "42",
                "j1",
                100,
                1_000,
                100_000
            ))
            .await
            .is_err()
    );
    let rotate = |presented: &str, next: &str, now: i64, grace: i64| {
        Rotation::new(fam.clone(), presented, next, now + 1_000, now, grace)
    };
    assert_eq!(
        store.rotate(&rotate("j1", "j2", 200, 0)).await.unwrap(),
        RotateOutcome::Rotated
    );
    assert_eq!(
        store.rotate(&rotate("j1", "j3", 205, 10)).await.unwrap(),
        RotateOutcome::Rotated
    );
    assert_eq!(
        store.rotate(&rotate("j3", "j4", 206, 10)).await.unwrap(),
        RotateOutcome::Rotated
    );
    assert_eq!(
        store.rotate(&rotate("j2", "j5", 207, 10)).await.unwrap(),
        RotateOutcome::ReuseDetected
    );
    assert_eq!(
        store.rotate(&rotate("j4", "j6", 208, 10)).await.unwrap(),
        RotateOutcome::Inactive
    );
    let unknown = Rotation::new(FamilyId::new("nope"), "a", "b", 10, 1, 0);
    assert_eq!(
        store.rotate(&unknown).await.unwrap(),
        RotateOutcome::Inactive
    );
    // Expired families are inactive, then purged.
    let old = FamilyId::new("fam-2");
    store
        .create(&NewFamily::new(old.clone(), "7", "k1", 0, 50, 100_000))
        .await
        .unwrap();
    let late = Rotation::new(old, "k1", "k2", 200, 50, 0);
    assert_eq!(store.rotate(&late).await.unwrap(), RotateOutcome::Inactive);
    assert_eq!(store.purge_expired(50).await.unwrap(), 1);
    assert_eq!(store.len().unwrap(), 1);
}

#[tokio::test]
async fn denied_access_tokens_fail_until_they_expire() {
    let clock = clock();
    let denylist = Arc::new(MemoryDenylist::new());
    let verifier = DenylistVerifier::new(verifier(&clock), denylist.clone());
    let issuer = issuer(&clock);
    let kept = issuer.issue_access(&alice()).unwrap();
    let dropped = issuer.issue_access(&alice()).unwrap();
    let claims = verifier
        .verify_access(dropped.expose_secret())
        .await
        .unwrap();
    verifier.deny(&claims).await.unwrap();
    assert_rejected(
        verifier.verify_access(dropped.expose_secret()).await,
        &TokenError::Denied,
    );
    assert!(verifier.verify_access(kept.expose_secret()).await.is_ok());
    // The plain verifier does not consult the denylist (documented).
    assert!(
        verifier
            .verifier()
            .verify_access(dropped.expose_secret())
            .is_ok()
    );
    // The entry outlives the token by the largest leeway a verifier may
    // have (exp + 5 min), then it is purged.
    assert_eq!(verifier.purge_expired().await.unwrap(), 0);
    clock.set(claims.expires_at() + 299);
    assert!(
        denylist
            .is_denied(ISS, claims.jwt_id(), NOW + 900 + 299)
            .await
            .unwrap()
    );
    assert_eq!(verifier.purge_expired().await.unwrap(), 0);
    clock.set(claims.expires_at() + 300);
    assert!(
        !denylist
            .is_denied(ISS, claims.jwt_id(), NOW + 900 + 300)
            .await
            .unwrap()
    );
    assert_eq!(verifier.purge_expired().await.unwrap(), 1);
    // Same jti, other issuer: another key.
    denylist
        .deny("https://other.example", claims.jwt_id(), i64::MAX)
        .await
        .unwrap();
    assert!(!denylist.is_denied(ISS, claims.jwt_id(), NOW).await.unwrap());
}

//! One behavioural suite, written once and run against the in-memory stores
//! of opsguard-token and opsguard-auth (the reference behaviour), this
//! crate's stores on SQLite, and on PostgreSQL when
//! `OPSGUARD_TEST_POSTGRES_URL` is set (otherwise those tests print a note
//! and pass).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use opsguard_auth::{AuditEvent, AuditKind, ManualClock, Throttle, ThrottlePolicy};
use opsguard_token::FamilyId;
use opsguard_token::refresh::{NewFamily, RotateOutcome, Rotation};
use support::{Harness, T0, t0, throttle_keys, unique};

use RotateOutcome::{Inactive, ReuseDetected, Rotated};

/// Generates, for each `name => suite`, the tests `memory::name`,
/// `sqlite::name` and `postgres::name`.
macro_rules! on_every_backend {
    ($($name:ident => $suite:path;)*) => {
        mod memory {
            use super::*;
            $(
                #[tokio::test]
                async fn $name() {
                    let h = Harness::memory();
                    $suite(&h).await;
                    h.finish().await;
                }
            )*
        }
        mod sqlite {
            use super::*;
            $(
                #[tokio::test]
                async fn $name() {
                    let h = Harness::sqlite().await;
                    $suite(&h).await;
                    h.finish().await;
                }
            )*
        }
        mod postgres {
            use super::*;
            $(
                #[tokio::test]
                async fn $name() {
                    let Some(h) = Harness::postgres(stringify!($name)).await else {
                        return;
                    };
                    $suite(&h).await;
                    h.finish().await;
                }
            )*
        }
    };
}

on_every_backend! {
    refresh_rotation_then_reuse_revokes_the_family => rotation_then_reuse;
    refresh_missing_expired_and_extended_families => missing_expired_and_extended;
    refresh_grace_window_accepts_one_late_retry => grace_window;
    refresh_grace_window_is_single_use => grace_window_single_use;
    refresh_grace_window_ends_exactly_at_its_length => grace_window_boundary;
    refresh_family_never_outlives_its_absolute_end => absolute_end;
    refresh_revoke_family_and_user => revoke_family_and_user;
    refresh_purge_deletes_expired_families_revoked_or_not => purge_families;
    refresh_duplicate_family_id_is_an_internal_error => duplicate_family;
    denylist_entries_expire_with_their_token => denylist_expiry;
    denylist_keeps_a_token_denied_through_the_verifier_leeway => denylist_leeway;
    throttle_counts_slide_expire_and_clear => throttle_counters;
    throttle_ttl_beyond_representable_time_never_expires => throttle_no_expiry;
    throttle_flow_refuses_after_repeated_failures => throttle_flow;
    throttle_decrement_gives_one_back_and_drops_spent_counters => throttle_decrement;
    throttle_flow_gives_back_counts_of_a_success => throttle_flow_success;
    audit_events_read_back_newest_first => audit_order;
}

fn family() -> FamilyId {
    FamilyId::new(unique("fam"))
}

/// A family far from its absolute end.
async fn create(h: &Harness, fam: &FamilyId, user: &str, jti: &str, expires_at: i64) {
    create_ending(h, fam, user, jti, expires_at, T0 + 30 * 86_400).await;
}

async fn create_ending(
    h: &Harness,
    fam: &FamilyId,
    user: &str,
    jti: &str,
    expires_at: i64,
    max_expires_at: i64,
) {
    h.refresh
        .create(&NewFamily::new(
            fam.clone(),
            user,
            jti,
            T0,
            expires_at,
            max_expires_at,
        ))
        .await
        .unwrap();
}

async fn rotate(
    h: &Harness,
    fam: &FamilyId,
    presented: &str,
    next: &str,
    now: i64,
    grace: i64,
) -> RotateOutcome {
    h.refresh
        .rotate(&Rotation::new(
            fam.clone(),
            presented,
            next,
            now + 3600,
            now,
            grace,
        ))
        .await
        .unwrap()
}

async fn rotation_then_reuse(h: &Harness) {
    let fam = family();
    create(h, &fam, "u1", "j1", T0 + 3600).await;
    assert_eq!(rotate(h, &fam, "j1", "j2", T0 + 10, 0).await, Rotated);
    assert_eq!(rotate(h, &fam, "j2", "j3", T0 + 20, 0).await, Rotated);
    // An older token of the family comes back: replay. The family is revoked…
    assert_eq!(rotate(h, &fam, "j1", "j4", T0 + 30, 0).await, ReuseDetected);
    // …so the newest token, legitimately held, fails too.
    assert_eq!(rotate(h, &fam, "j3", "j5", T0 + 40, 0).await, Inactive);
    // Revoking it again reports that it was already revoked.
    assert!(!h.refresh.revoke_family(&fam).await.unwrap());

    // The token just replaced, presented again at once without a grace
    // window, is reuse as well.
    let other = family();
    create(h, &other, "u1", "k1", T0 + 3600).await;
    assert_eq!(rotate(h, &other, "k1", "k2", T0 + 10, 0).await, Rotated);
    assert_eq!(
        rotate(h, &other, "k1", "k3", T0 + 10, 0).await,
        ReuseDetected
    );
    assert_eq!(rotate(h, &other, "k2", "k4", T0 + 10, 0).await, Inactive);
}

async fn missing_expired_and_extended(h: &Harness) {
    assert_eq!(rotate(h, &family(), "j1", "j2", T0, 0).await, Inactive);

    // Expired at `expires_at <= now`: inactive, and nothing is written.
    let fam = family();
    create(h, &fam, "u1", "j1", T0 + 100).await;
    assert_eq!(rotate(h, &fam, "j1", "j2", T0 + 100, 0).await, Inactive);
    assert_eq!(rotate(h, &fam, "j0", "j2", T0 + 200, 0).await, Inactive);
    assert_eq!(rotate(h, &fam, "j1", "j2", T0 + 99, 0).await, Rotated);

    // A rotation moves the family's expiry to the new token's.
    let fam = family();
    create(h, &fam, "u1", "j1", T0 + 100).await;
    let extend = Rotation::new(fam.clone(), "j1", "j2", T0 + 1000, T0 + 50, 0);
    assert_eq!(h.refresh.rotate(&extend).await.unwrap(), Rotated);
    assert_eq!(rotate(h, &fam, "j2", "j3", T0 + 999, 0).await, Rotated);
}

async fn grace_window(h: &Harness) {
    let fam = family();
    create(h, &fam, "u1", "j1", T0 + 3600).await;
    assert_eq!(rotate(h, &fam, "j1", "j2", T0 + 10, 30).await, Rotated);
    // The replaced token, once more within 30 s: a retry whose answer was
    // lost. It rotates again; previous is cleared, rotated_at stays.
    assert_eq!(rotate(h, &fam, "j1", "j3", T0 + 39, 30).await, Rotated);
    // The retry's token j3 is now current: it rotates, and becomes the
    // previous token.
    assert_eq!(rotate(h, &fam, "j3", "j4", T0 + 45, 30).await, Rotated);
    // j1 is now two generations old, outside any grace: reuse.
    assert_eq!(
        rotate(h, &fam, "j1", "j5", T0 + 46, 30).await,
        ReuseDetected
    );
    assert_eq!(rotate(h, &fam, "j4", "j6", T0 + 47, 30).await, Inactive);
}

async fn grace_window_single_use(h: &Harness) {
    // A second retry of the same token, still within the window, is reuse.
    let fam = family();
    create(h, &fam, "u1", "j1", T0 + 3600).await;
    assert_eq!(rotate(h, &fam, "j1", "j2", T0 + 10, 30).await, Rotated);
    assert_eq!(rotate(h, &fam, "j1", "j3", T0 + 11, 30).await, Rotated);
    assert_eq!(
        rotate(h, &fam, "j1", "j4", T0 + 12, 30).await,
        ReuseDetected
    );
    // The family is revoked: the first retry's token fails too.
    assert_eq!(rotate(h, &fam, "j3", "j5", T0 + 13, 30).await, Inactive);

    // The token the lost answer carried (j2) is no longer current after the
    // retry: presenting it is reuse.
    let fam = family();
    create(h, &fam, "u1", "k1", T0 + 3600).await;
    assert_eq!(rotate(h, &fam, "k1", "k2", T0 + 10, 30).await, Rotated);
    assert_eq!(rotate(h, &fam, "k1", "k3", T0 + 11, 30).await, Rotated);
    assert_eq!(
        rotate(h, &fam, "k2", "k4", T0 + 12, 30).await,
        ReuseDetected
    );
}

async fn absolute_end(h: &Harness) {
    // The store caps every expiry at the end recorded at creation, whatever
    // the rotation asks for (here: now + 3600).
    let fam = family();
    create_ending(h, &fam, "u1", "j1", T0 + 100, T0 + 150).await;
    assert_eq!(rotate(h, &fam, "j1", "j2", T0 + 90, 0).await, Rotated);
    assert_eq!(rotate(h, &fam, "j2", "j3", T0 + 149, 0).await, Rotated);
    assert_eq!(rotate(h, &fam, "j3", "j4", T0 + 150, 0).await, Inactive);
    // Also through a grace retry.
    let fam = family();
    create_ending(h, &fam, "u1", "k1", T0 + 141, T0 + 150).await;
    assert_eq!(rotate(h, &fam, "k1", "k2", T0 + 140, 30).await, Rotated);
    assert_eq!(rotate(h, &fam, "k1", "k3", T0 + 145, 30).await, Rotated);
    assert_eq!(rotate(h, &fam, "k3", "k4", T0 + 150, 30).await, Inactive);
    // A first expiry beyond the end is capped at creation.
    let fam = family();
    create_ending(h, &fam, "u1", "m1", T0 + 500, T0 + 100).await;
    assert_eq!(rotate(h, &fam, "m1", "m2", T0 + 100, 0).await, Inactive);
    // Every stored expiry was capped, so all three are purged at the end.
    assert_eq!(h.refresh.purge_expired(T0 + 149).await.unwrap(), 1);
    assert_eq!(h.refresh.purge_expired(T0 + 150).await.unwrap(), 2);
}

async fn grace_window_boundary(h: &Harness) {
    let fam = family();
    create(h, &fam, "u1", "j1", T0 + 3600).await;
    assert_eq!(rotate(h, &fam, "j1", "j2", T0 + 10, 30).await, Rotated);
    // rotated_at + grace = T0 + 40 is already outside (`now < rotated_at + grace`).
    assert_eq!(
        rotate(h, &fam, "j1", "j3", T0 + 40, 30).await,
        ReuseDetected
    );

    // A grace window that would overflow `rotated_at + grace` still works.
    let fam = family();
    create(h, &fam, "u1", "j1", T0 + 3600).await;
    assert_eq!(
        rotate(h, &fam, "j1", "j2", T0 + 10, i64::MAX).await,
        Rotated
    );
    assert_eq!(
        rotate(h, &fam, "j1", "j3", T0 + 20, i64::MAX).await,
        Rotated
    );
}

async fn revoke_family_and_user(h: &Harness) {
    let alice = unique("alice");
    let bob = unique("bob");
    let (a1, a2, b1) = (family(), family(), family());
    create(h, &a1, &alice, "a1", T0 + 3600).await;
    create(h, &a2, &alice, "a2", T0 + 3600).await;
    create(h, &b1, &bob, "b1", T0 + 3600).await;

    assert_eq!(h.refresh.revoke_user(&alice).await.unwrap(), 2);
    assert_eq!(h.refresh.revoke_user(&alice).await.unwrap(), 0);
    assert_eq!(rotate(h, &a1, "a1", "a1'", T0 + 1, 0).await, Inactive);
    assert_eq!(rotate(h, &a2, "a2", "a2'", T0 + 1, 0).await, Inactive);
    assert_eq!(rotate(h, &b1, "b1", "b2", T0 + 1, 0).await, Rotated);

    assert!(h.refresh.revoke_family(&b1).await.unwrap());
    assert!(!h.refresh.revoke_family(&b1).await.unwrap());
    assert!(!h.refresh.revoke_family(&family()).await.unwrap());
    assert_eq!(rotate(h, &b1, "b2", "b3", T0 + 2, 0).await, Inactive);
}

async fn purge_families(h: &Harness) {
    let (e1, e2, e3) = (family(), family(), family());
    create(h, &e1, "u1", "e1", T0 + 10).await;
    create(h, &e2, "u1", "e2", T0 + 20).await;
    create(h, &e3, "u2", "e3", T0 + 15).await;
    assert!(h.refresh.revoke_family(&e3).await.unwrap());

    assert_eq!(h.refresh.purge_expired(T0 + 15).await.unwrap(), 2);
    assert_eq!(h.refresh.purge_expired(T0 + 15).await.unwrap(), 0);
    // e2 is untouched; e3 is gone, so revoking it finds nothing.
    assert_eq!(rotate(h, &e2, "e2", "e2'", T0 + 16, 0).await, Rotated);
    assert!(!h.refresh.revoke_family(&e3).await.unwrap());
    // A purged family id can be used again (ids are random; this shows
    // the row is really gone).
    create(h, &e1, "u1", "e1", T0 + 100).await;
}

async fn duplicate_family(h: &Harness) {
    let fam = family();
    create(h, &fam, "u1", "j1", T0 + 100).await;
    let err = h
        .refresh
        .create(&NewFamily::new(
            fam.clone(),
            "u2",
            "x",
            T0,
            T0 + 100,
            T0 + 200,
        ))
        .await
        .unwrap_err();
    assert!(!err.is_unavailable());
    // The first family is intact.
    assert_eq!(rotate(h, &fam, "j1", "j2", T0 + 1, 0).await, Rotated);
}

async fn denylist_expiry(h: &Harness) {
    let iss = "https://auth.example";
    let jti = unique("jti");
    h.denylist.deny(iss, &jti, T0 + 100).await.unwrap();
    assert!(h.denylist.is_denied(iss, &jti, T0 + 99).await.unwrap());
    assert!(!h.denylist.is_denied(iss, &jti, T0 + 100).await.unwrap());
    // Keyed by (iss, jti): another issuer's token with the same jti is not denied.
    assert!(
        !h.denylist
            .is_denied("https://other", &jti, T0)
            .await
            .unwrap()
    );
    assert!(!h.denylist.is_denied(iss, "other", T0).await.unwrap());

    // Denying twice keeps the later expiry.
    h.denylist.deny(iss, &jti, T0 + 50).await.unwrap();
    assert!(h.denylist.is_denied(iss, &jti, T0 + 99).await.unwrap());
    h.denylist.deny(iss, &jti, T0 + 200).await.unwrap();
    assert!(h.denylist.is_denied(iss, &jti, T0 + 150).await.unwrap());

    let short = unique("jti");
    h.denylist.deny(iss, &short, T0 + 10).await.unwrap();
    assert_eq!(h.denylist.purge_expired(T0 + 150).await.unwrap(), 1);
    assert_eq!(h.denylist.purge_expired(T0 + 150).await.unwrap(), 0);
    assert!(h.denylist.is_denied(iss, &jti, T0 + 150).await.unwrap());
}

async fn denylist_leeway(h: &Harness) {
    use opsguard_token::clock::ManualClock;
    use opsguard_token::denylist::DenylistVerifier;
    use opsguard_token::{Algorithm, Issuer, KeySet, SigningKey, Subject, TokenError, Verifier};

    let clock = Arc::new(ManualClock::new(T0));
    let keys = KeySet::builder()
        .primary(SigningKey::generate(Algorithm::Hs256).unwrap())
        .build()
        .unwrap();
    let issuer = Issuer::builder(keys.clone(), "https://auth.example", "api")
        .with_clock(clock.clone())
        .build()
        .unwrap();
    let token = issuer.issue_access(&Subject::new("1", "alice")).unwrap();
    let verifier = |leeway| {
        DenylistVerifier::new(
            Verifier::builder(keys.clone(), "https://auth.example", "api")
                .with_clock(clock.clone())
                .with_leeway(Duration::from_secs(leeway))
                .build()
                .unwrap(),
            h.denylist.clone(),
        )
    };
    let (strict, lenient) = (verifier(30), verifier(300));
    let claims = strict.verify_access(token.expose_secret()).await.unwrap();
    strict.deny(&claims).await.unwrap();
    let exp = claims.expires_at();
    for at in [exp, exp + 29] {
        clock.set(at);
        assert!(matches!(
            strict.verify_access(token.expose_secret()).await,
            Err(TokenError::Denied)
        ));
        assert_eq!(h.denylist.purge_expired(at).await.unwrap(), 0);
    }
    clock.set(exp + 299);
    assert!(matches!(
        lenient.verify_access(token.expose_secret()).await,
        Err(TokenError::Denied)
    ));
    assert!(
        h.denylist
            .is_denied("https://auth.example", claims.jwt_id(), exp + 299)
            .await
            .unwrap()
    );
    assert!(
        !h.denylist
            .is_denied("https://auth.example", claims.jwt_id(), exp + 300)
            .await
            .unwrap()
    );
}

async fn throttle_counters(h: &Harness) {
    let keys = throttle_keys(&unique("acct")).await;
    let (k1, k2) = (&keys[0], &keys[1]);
    let ttl = Duration::from_secs(60);
    // Sub-second times round-trip (the SQL stores keep microseconds).
    let t = t0() + Duration::from_micros(1_500_000);
    let s = |secs| t + Duration::from_secs(secs);

    assert_eq!(h.throttle.read(k1, t).await.unwrap(), None);
    let c = h.throttle.increment(k1, t, ttl).await.unwrap();
    assert_eq!((c.count(), c.last_failure()), (1, t));
    let c = h.throttle.increment(k1, s(10), ttl).await.unwrap();
    assert_eq!((c.count(), c.last_failure()), (2, s(10)));

    // The expiry slides with each increment: now at s(70).
    let c = h.throttle.read(k1, s(69)).await.unwrap().unwrap();
    assert_eq!((c.count(), c.last_failure()), (2, s(10)));
    assert_eq!(h.throttle.read(k1, s(70)).await.unwrap(), None);
    // An expired counter starts again from zero.
    let c = h.throttle.increment(k1, s(70), ttl).await.unwrap();
    assert_eq!((c.count(), c.last_failure()), (1, s(70)));

    // Keys are independent.
    assert_eq!(h.throttle.read(k2, s(70)).await.unwrap(), None);
    h.throttle.increment(k2, s(70), ttl).await.unwrap();

    h.throttle.clear(k1).await.unwrap();
    assert_eq!(h.throttle.read(k1, s(71)).await.unwrap(), None);
    h.throttle.clear(k1).await.unwrap();
    assert_eq!(
        h.throttle.read(k2, s(71)).await.unwrap().map(|c| c.count()),
        Some(1)
    );
    let c = h.throttle.increment(k1, s(72), ttl).await.unwrap();
    assert_eq!(c.count(), 1);
}

async fn throttle_no_expiry(h: &Harness) {
    let keys = throttle_keys(&unique("acct")).await;
    h.throttle
        .increment(&keys[0], t0(), Duration::MAX)
        .await
        .unwrap();
    let far = t0() + Duration::from_secs(1 << 40);
    assert_eq!(
        h.throttle
            .read(&keys[0], far)
            .await
            .unwrap()
            .map(|c| c.count()),
        Some(1)
    );
}

async fn throttle_flow(h: &Harness) {
    let clock = Arc::new(ManualClock::new(t0()));
    let throttle =
        Throttle::with_clock(ThrottlePolicy::default(), h.throttle.clone(), clock.clone());
    let account = unique("alice");
    let client = "203.0.113.9".parse().unwrap();
    for _ in 0..4 {
        let lock = throttle.check(&account, client).await.unwrap().fail();
        assert_eq!(lock, None);
    }
    let refused = throttle.check(&account, client).await.err().unwrap();
    assert_eq!(
        opsguard_core::Error::from(refused).retry_after_secs(),
        Some(1)
    );
    // After the delay the owner may try again, and a success clears the pair.
    clock.advance(Duration::from_secs(1));
    let attempt = throttle.check(&account, client).await.unwrap();
    assert_eq!(attempt.prior_failures(), 4);
    attempt.succeed().await.unwrap();
    let attempt = throttle.check(&account, client).await.unwrap();
    assert!(attempt.is_known_client());
    assert_eq!(attempt.prior_failures(), 0);
}

async fn throttle_decrement(h: &Harness) {
    let keys = throttle_keys(&unique("acct")).await;
    let (k1, k2) = (&keys[0], &keys[1]);
    let ttl = Duration::from_secs(60);
    let t = t0() + Duration::from_micros(1_500_000);
    let s = |secs| t + Duration::from_secs(secs);

    // Nothing to take from: an absent counter stays absent.
    h.throttle.decrement(k1, t).await.unwrap();
    assert_eq!(h.throttle.read(k1, t).await.unwrap(), None);

    h.throttle.increment(k1, t, ttl).await.unwrap();
    h.throttle.increment(k1, s(10), ttl).await.unwrap();
    h.throttle.increment(k2, s(10), ttl).await.unwrap();
    // One back; the last failure and the expiry (s(70)) stay as they were.
    h.throttle.decrement(k1, s(20)).await.unwrap();
    let c = h.throttle.read(k1, s(69)).await.unwrap().unwrap();
    assert_eq!((c.count(), c.last_failure()), (1, s(10)));
    assert_eq!(h.throttle.read(k1, s(70)).await.unwrap(), None);
    // Keys are independent.
    assert_eq!(
        h.throttle.read(k2, s(20)).await.unwrap().map(|c| c.count()),
        Some(1)
    );
    // At zero the row is dropped: read as absent, and an increment starts
    // a fresh counter at one with its own stamp.
    h.throttle.decrement(k1, s(30)).await.unwrap();
    assert_eq!(h.throttle.read(k1, s(30)).await.unwrap(), None);
    h.throttle.decrement(k1, s(30)).await.unwrap();
    let c = h.throttle.increment(k1, s(31), ttl).await.unwrap();
    assert_eq!((c.count(), c.last_failure()), (1, s(31)));
    // An expired counter is not touched: the next increment restarts it.
    h.throttle.decrement(k2, s(70)).await.unwrap();
    let c = h.throttle.increment(k2, s(70), ttl).await.unwrap();
    assert_eq!((c.count(), c.last_failure()), (1, s(70)));
}

async fn throttle_flow_success(h: &Harness) {
    // A success gives back the wide counts it took when admitted: many
    // owners logging in from one address (an office NAT) never add up to
    // the client-wide limit.
    let clock = Arc::new(ManualClock::new(t0()));
    let policy = ThrottlePolicy::builder()
        .without_attempt_rate()
        .build()
        .unwrap();
    let throttle = Throttle::with_clock(policy, h.throttle.clone(), clock.clone());
    let office = "203.0.113.10".parse().unwrap();
    for n in 0..30 {
        let account = unique(&format!("user{n}"));
        let attempt = throttle.check(&account, office).await.unwrap();
        assert!(!attempt.is_known_client());
        attempt.succeed().await.unwrap();
    }
    // No count is left on the office's client counter: 20 failures are
    // still free before any delay.
    for n in 0..21 {
        let lock = throttle
            .check(&unique(&format!("guess{n}")), office)
            .await
            .unwrap()
            .fail();
        assert_eq!(lock, None);
    }
    let refused = throttle
        .check(&unique("guess99"), office)
        .await
        .err()
        .unwrap();
    assert_eq!(
        opsguard_core::Error::from(refused).retry_after_secs(),
        Some(1)
    );
}

async fn audit_order(h: &Harness) {
    let at = UNIX_EPOCH + Duration::from_secs(T0.unsigned_abs());
    for (kind, user) in [
        (AuditKind::AuthnLoginFail, "1"),
        (AuditKind::AuthnLoginSuccess, "1"),
        (AuditKind::AuthnTokenReuse, "2"),
    ] {
        h.audit
            .record(&AuditEvent::at(kind, at).with_user_id(user))
            .await
            .unwrap();
    }
    let events = h.audit_events().await;
    let expected = [
        ("authn_token_reuse", "2"),
        ("authn_login_success", "1"),
        ("authn_login_fail", "1"),
    ]
    .map(|(k, u)| (k.to_owned(), Some(u.to_owned())));
    assert_eq!(events, expected);
}

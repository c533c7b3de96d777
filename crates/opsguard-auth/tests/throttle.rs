//! The login throttle, on an injected clock (no test sleeps): progressive
//! delay and lock per (account, client), reset on success, the limit per
//! client across accounts, and the account-wide limit that a distributed
//! attack cannot turn into a lockout of the owner.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use opsguard_auth::{
    AuthError, ClientIpResolver, Counter, FailureLimit, ManualClock, MemoryThrottleStore,
    StoreError, Throttle, ThrottleKey, ThrottlePolicy, ThrottleScope, ThrottleStore, Throttled,
};
use opsguard_core::ErrorKind;
use proptest::prelude::*;

const MINUTE: Duration = Duration::from_secs(60);

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn start() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_800_000_000)
}

/// The default policy, with the attempt-rate cap left on unless a test
/// turns it off.
fn throttle_with(policy: ThrottlePolicy) -> (Throttle, Arc<ManualClock>, Arc<MemoryThrottleStore>) {
    let clock = Arc::new(ManualClock::new(start()));
    let store = Arc::new(MemoryThrottleStore::new());
    let throttle = Throttle::with_clock(policy, store.clone(), clock.clone());
    (throttle, clock, store)
}

fn no_rate_cap() -> ThrottlePolicy {
    ThrottlePolicy::builder()
        .without_attempt_rate()
        .build()
        .unwrap()
}

fn throttled(result: Result<opsguard_auth::Attempt<'_>, AuthError>) -> Throttled {
    match result {
        Err(AuthError::Throttled(t)) => t,
        Err(other) => panic!("expected a throttle refusal, got {other:?}"),
        Ok(_) => panic!("expected a throttle refusal, the attempt was allowed"),
    }
}

#[tokio::test]
async fn failures_delay_progressively_then_lock_then_unlock_after_the_window() {
    let (throttle, clock, _) = throttle_with(no_rate_cap());
    let client = ip("198.51.100.7");
    // Three free failures.
    for _ in 0..3 {
        let lock = throttle
            .check("alice", client)
            .await
            .unwrap()
            .fail()
            .await
            .unwrap();
        assert_eq!(lock, None);
    }
    // Failures 4 to 9: the next attempt waits 1, 2, 4, 8, 16, 32 s.
    for (failures, wait) in [(4, 1), (5, 2), (6, 4), (7, 8), (8, 16), (9, 32)] {
        let attempt = throttle.check("alice", client).await.unwrap();
        assert_eq!(attempt.prior_failures(), failures - 1);
        assert_eq!(attempt.fail().await.unwrap(), None);
        let refused = throttled(throttle.check("alice", client).await);
        assert_eq!(refused.scope(), ThrottleScope::AccountClient);
        assert_eq!(
            refused.retry_after(),
            Duration::from_secs(wait),
            "after {failures}"
        );
        assert!(!refused.is_locked());
        let err = opsguard_core::Error::from(refused);
        assert_eq!(err.kind(), ErrorKind::RateLimited);
        assert_eq!(err.retry_after_secs(), Some(wait));
        assert_eq!(
            err.to_wire().header("retry-after"),
            Some(wait.to_string().as_str())
        );
        // Just before the delay ends: still refused; at its end: allowed.
        clock.advance(Duration::from_secs(wait) - Duration::from_millis(1));
        assert!(throttle.check("alice", client).await.is_err());
        clock.advance(Duration::from_millis(1));
    }
    // The tenth failure locks for the window (15 minutes).
    let lock = throttle
        .check("alice", client)
        .await
        .unwrap()
        .fail()
        .await
        .unwrap();
    let lock = lock.expect("the tenth failure locks");
    assert_eq!(lock.scope(), ThrottleScope::AccountClient);
    assert_eq!(lock.duration(), 15 * MINUTE);
    let refused = throttled(throttle.check("alice", client).await);
    assert!(refused.is_locked());
    assert_eq!(refused.retry_after(), 15 * MINUTE);
    clock.advance(15 * MINUTE - Duration::from_secs(1));
    let refused = throttled(throttle.check("alice", client).await);
    assert!(refused.is_locked());
    assert_eq!(refused.retry_after(), Duration::from_secs(1));
    // After the window the counter is forgotten: three free failures again.
    clock.advance(Duration::from_secs(1));
    let attempt = throttle.check("alice", client).await.unwrap();
    assert_eq!(attempt.prior_failures(), 0);
}

#[tokio::test]
async fn success_resets_the_pair_counter() {
    let (throttle, _, _) = throttle_with(no_rate_cap());
    let client = ip("198.51.100.7");
    for _ in 0..3 {
        throttle
            .check("alice", client)
            .await
            .unwrap()
            .fail()
            .await
            .unwrap();
    }
    let attempt = throttle.check("alice", client).await.unwrap();
    assert_eq!(attempt.prior_failures(), 3);
    attempt.succeed().await.unwrap();
    let attempt = throttle.check("alice", client).await.unwrap();
    assert_eq!(attempt.prior_failures(), 0);
    assert!(attempt.is_known_client());
    // Three more free failures before any delay.
    attempt.fail().await.unwrap();
    for _ in 0..2 {
        throttle
            .check("alice", client)
            .await
            .unwrap()
            .fail()
            .await
            .unwrap();
    }
    assert!(throttle.check("alice", client).await.is_ok());
}

/// Fails `account` from `client`, waiting out every delay, until a lock.
async fn fail_until_locked(
    throttle: &Throttle,
    clock: &ManualClock,
    account: &str,
    client: IpAddr,
) -> u32 {
    let mut failures = 0;
    loop {
        match throttle.check(account, client).await {
            Ok(attempt) => {
                failures += 1;
                if attempt.fail().await.unwrap().is_some() {
                    return failures;
                }
            }
            Err(AuthError::Throttled(t)) if !t.is_locked() => clock.advance(t.retry_after()),
            Err(other) => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn other_accounts_and_clients_are_not_affected_by_a_locked_pair() {
    let (throttle, clock, _) = throttle_with(no_rate_cap());
    let attacker = ip("198.51.100.7");
    assert_eq!(
        fail_until_locked(&throttle, &clock, "alice", attacker).await,
        10
    );
    assert!(throttled(throttle.check("alice", attacker).await).is_locked());
    assert!(throttle.check("bob", attacker).await.is_ok());
    assert!(throttle.check("alice", ip("203.0.113.1")).await.is_ok());
}

#[tokio::test]
async fn distributed_attack_on_one_account_does_not_lock_out_its_owner() {
    let (throttle, clock, _) = throttle_with(no_rate_cap());
    let owner_home = ip("192.0.2.55");
    // The owner logged in from home last week.
    throttle
        .check("alice", owner_home)
        .await
        .unwrap()
        .succeed()
        .await
        .unwrap();
    clock.advance(7 * 24 * 60 * MINUTE);

    // 100 attacker addresses hammer the account for an hour, each retrying
    // as soon as the throttle lets it.
    let attackers: Vec<IpAddr> = (0..100u8).map(|i| IpAddr::from([203, 0, 113, i])).collect();
    let mut guesses = 0u32;
    let mut refusals = 0u32;
    let mut longest_refusal = Duration::ZERO;
    for _second in 0..3600 {
        for attacker in &attackers {
            match throttle.check("alice", *attacker).await {
                Ok(attempt) => {
                    guesses += 1;
                    // The account-wide limit never locks.
                    if let Some(lock) = attempt.fail().await.unwrap() {
                        assert_ne!(lock.scope(), ThrottleScope::Account);
                    }
                }
                Err(AuthError::Throttled(t)) => {
                    refusals += 1;
                    longest_refusal = longest_refusal.max(t.retry_after());
                }
                Err(other) => panic!("{other:?}"),
            }
        }
        clock.advance(Duration::from_secs(1));
    }
    assert!(refusals > 0);
    // Each attacker address is slowed by the account-wide delay and then
    // locked by its own pair counter: far fewer guesses than attempts.
    println!("distributed attack: {guesses} guesses in an hour from 100 addresses");
    assert!(guesses < 100 * 40, "{guesses} guesses got through");

    // From the known address the owner is not delayed at all, and even
    // after a typo only their own pair counter applies.
    let attempt = throttle.check("alice", owner_home).await.unwrap();
    assert!(attempt.is_known_client());
    attempt.fail().await.unwrap();
    throttle
        .check("alice", owner_home)
        .await
        .unwrap()
        .succeed()
        .await
        .unwrap();

    // From a new address the first attempt goes straight through, and a
    // typo costs at most the account-wide cap (30 s), never a lock.
    let hotel = ip("198.51.100.200");
    let attempt = throttle.check("alice", hotel).await.unwrap();
    assert!(!attempt.is_known_client());
    attempt.fail().await.unwrap();
    let refused = throttled(throttle.check("alice", hotel).await);
    assert_eq!(refused.scope(), ThrottleScope::Account);
    assert!(!refused.is_locked());
    assert_eq!(refused.retry_after(), Duration::from_secs(30));
    clock.advance(Duration::from_secs(30));
    throttle
        .check("alice", hotel)
        .await
        .unwrap()
        .succeed()
        .await
        .unwrap();
}

#[tokio::test]
async fn one_client_failing_across_many_accounts_is_slowed_then_locked() {
    let (throttle, clock, _) = throttle_with(no_rate_cap());
    let stuffer = ip("198.51.100.9");
    let regular = ip("198.51.100.9");
    // A user who logs in from the same address (say, the same NAT).
    throttle
        .check("carol", regular)
        .await
        .unwrap()
        .succeed()
        .await
        .unwrap();
    for n in 0..20 {
        throttle
            .check(&format!("user{n}"), stuffer)
            .await
            .unwrap()
            .fail()
            .await
            .unwrap();
    }
    // The 21st account is fine; its failure makes the client wait.
    throttle
        .check("user20", stuffer)
        .await
        .unwrap()
        .fail()
        .await
        .unwrap();
    let refused = throttled(throttle.check("user21", stuffer).await);
    assert_eq!(refused.scope(), ThrottleScope::Client);
    assert_eq!(refused.retry_after(), Duration::from_secs(1));
    // Keep going at the allowed pace until the lock.
    let mut lock = None;
    for n in 21..200 {
        loop {
            match throttle.check(&format!("user{n}"), stuffer).await {
                Ok(attempt) => {
                    lock = attempt.fail().await.unwrap();
                    break;
                }
                Err(AuthError::Throttled(t)) if !t.is_locked() => clock.advance(t.retry_after()),
                Err(other) => panic!("{other:?}"),
            }
        }
        if lock.is_some() {
            assert_eq!(n, 99, "locked at the 100th failure");
            break;
        }
    }
    let lock = lock.unwrap();
    assert_eq!(lock.scope(), ThrottleScope::Client);
    let refused = throttled(throttle.check("someone-new", stuffer).await);
    assert_eq!(refused.scope(), ThrottleScope::Client);
    assert!(refused.is_locked());
    // The known user behind the same address is judged by their own pair
    // counter only.
    let attempt = throttle.check("carol", regular).await.unwrap();
    assert!(attempt.is_known_client());
}

#[tokio::test]
async fn xff_spoofing_does_not_move_the_throttle_key() {
    let (throttle, _, _) = throttle_with(no_rate_cap());
    let resolver = ClientIpResolver::new();
    let attacker_peer = ip("203.0.113.66");
    for n in 0..4u8 {
        let spoofed = format!("10.0.0.{n}");
        let client = resolver.resolve(attacker_peer, [spoofed.as_str()]);
        assert_eq!(client, attacker_peer);
        throttle
            .check("alice", client)
            .await
            .unwrap()
            .fail()
            .await
            .unwrap();
    }
    let client = resolver.resolve(attacker_peer, ["192.0.2.99"]);
    let refused = throttled(throttle.check("alice", client).await);
    assert_eq!(refused.scope(), ThrottleScope::AccountClient);
}

#[tokio::test]
async fn ipv6_clients_are_counted_per_64() {
    let (throttle, _, _) = throttle_with(no_rate_cap());
    for n in 1..=4u16 {
        let client = IpAddr::from([0x2001, 0xdb8, 0, 0, 0, 0, 0, n]);
        throttle
            .check("alice", client)
            .await
            .unwrap()
            .fail()
            .await
            .unwrap();
    }
    let sibling = ip("2001:db8::ffff:1");
    assert_eq!(
        throttled(throttle.check("alice", sibling).await).scope(),
        ThrottleScope::AccountClient
    );
    let other_64 = ip("2001:db8:0:1::1");
    assert!(throttle.check("alice", other_64).await.is_ok());
}

#[tokio::test]
async fn attempt_rate_caps_attempts_of_any_outcome() {
    let policy = ThrottlePolicy::builder()
        .with_attempt_rate(3, Duration::from_secs(2))
        .build()
        .unwrap();
    let (throttle, clock, _) = throttle_with(policy);
    let client = ip("198.51.100.7");
    for n in 0..3 {
        throttle
            .check(&format!("user{n}"), client)
            .await
            .unwrap()
            .succeed()
            .await
            .unwrap();
    }
    let refused = throttled(throttle.check("user9", client).await);
    assert_eq!(refused.scope(), ThrottleScope::AttemptRate);
    assert_eq!(refused.retry_after(), Duration::from_secs(2));
    assert!(throttle.check("user9", ip("198.51.100.8")).await.is_ok());
    clock.advance(Duration::from_secs(2));
    assert!(throttle.check("user9", client).await.is_ok());
}

#[tokio::test]
async fn long_account_names_share_a_bounded_key() {
    let (throttle, _, store) = throttle_with(no_rate_cap());
    let long = "é".repeat(1000);
    throttle
        .check(&long, ip("198.51.100.7"))
        .await
        .unwrap()
        .fail()
        .await
        .unwrap();
    assert_eq!(store.len(), 3);
}

#[derive(Debug)]
struct DownStore;

#[async_trait]
impl ThrottleStore for DownStore {
    async fn increment(
        &self,
        _: &ThrottleKey,
        _: SystemTime,
        _: Duration,
    ) -> Result<Counter, StoreError> {
        Err(StoreError::new("throttle", "connection refused"))
    }
    async fn read(&self, _: &ThrottleKey, _: SystemTime) -> Result<Option<Counter>, StoreError> {
        Err(StoreError::new("throttle", "connection refused"))
    }
    async fn clear(&self, _: &ThrottleKey) -> Result<(), StoreError> {
        Err(StoreError::new("throttle", "connection refused"))
    }
}

#[tokio::test]
async fn a_store_outage_fails_closed_with_503() {
    let throttle = Throttle::new(no_rate_cap(), Arc::new(DownStore));
    let err = throttle
        .check("alice", ip("198.51.100.7"))
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::Store(_)));
    let core = opsguard_core::Error::from(err);
    assert_eq!(core.kind(), ErrorKind::Unavailable);
    assert_eq!(core.message(), "service temporarily unavailable");
}

#[test]
fn default_policy_is_valid_and_invalid_settings_are_named() {
    let default = ThrottlePolicy::default();
    assert_eq!(ThrottlePolicy::builder().build().unwrap(), default);
    let window = 15 * MINUTE;
    let invalid = [
        (
            ThrottlePolicy::builder()
                .with_account_limit(FailureLimit::new(window).with_lock_after(20)),
            "with_account_limit",
        ),
        (
            ThrottlePolicy::builder().with_account_limit(
                FailureLimit::new(window).with_delay(Duration::from_secs(1), 6 * MINUTE),
            ),
            "with_account_limit",
        ),
        (
            ThrottlePolicy::builder().with_account_client_limit(
                FailureLimit::new(window)
                    .with_free_failures(5)
                    .with_lock_after(5),
            ),
            "with_account_client_limit",
        ),
        (
            ThrottlePolicy::builder().with_client_limit(FailureLimit::new(Duration::ZERO)),
            "with_client_limit",
        ),
        (
            ThrottlePolicy::builder().with_client_limit(
                FailureLimit::new(MINUTE).with_delay(Duration::from_secs(1), 2 * MINUTE),
            ),
            "with_client_limit",
        ),
        (
            ThrottlePolicy::builder().with_client_limit(
                FailureLimit::new(MINUTE)
                    .with_delay(Duration::from_secs(9), Duration::from_secs(8)),
            ),
            "with_client_limit",
        ),
        (
            ThrottlePolicy::builder().with_known_client_ttl(Duration::ZERO),
            "with_known_client_ttl",
        ),
        (
            ThrottlePolicy::builder().with_attempt_rate(0, Duration::from_secs(1)),
            "with_attempt_rate",
        ),
        (
            ThrottlePolicy::builder().with_attempt_rate(1, Duration::ZERO),
            "with_attempt_rate",
        ),
    ];
    for (builder, name) in invalid {
        match builder.build() {
            Err(AuthError::InvalidConfig { name: got }) => assert_eq!(got, name),
            other => panic!("{name}: {other:?}"),
        }
    }
}

proptest! {
    #[test]
    fn delay_never_decreases_and_never_exceeds_the_cap(
        free in 0u32..20,
        base_ms in 1u64..5_000,
        extra_ms in 0u64..600_000,
        failures in 0u32..200,
    ) {
        let base = Duration::from_millis(base_ms);
        let max = base + Duration::from_millis(extra_ms);
        let limit = FailureLimit::new(max).with_free_failures(free).with_delay(base, max);
        let now = limit.delay_after(failures);
        let next = limit.delay_after(failures.saturating_add(1));
        prop_assert!(now <= next);
        prop_assert!(next <= max);
        if failures <= free {
            prop_assert_eq!(now, Duration::ZERO);
        } else {
            prop_assert!(now >= base);
        }
    }
}

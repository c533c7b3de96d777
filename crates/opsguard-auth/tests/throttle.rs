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
        let lock = throttle.check("alice", client).await.unwrap().fail();
        assert_eq!(lock, None);
    }
    // Failures 4 to 9: the next attempt waits 1, 2, 4, 8, 16, 32 s.
    for (failures, wait) in [(4, 1), (5, 2), (6, 4), (7, 8), (8, 16), (9, 32)] {
        let attempt = throttle.check("alice", client).await.unwrap();
        assert_eq!(attempt.prior_failures(), failures - 1);
        assert_eq!(attempt.fail(), None);
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
    let lock = throttle.check("alice", client).await.unwrap().fail();
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
        assert_eq!(throttle.check("alice", client).await.unwrap().fail(), None);
    }
    let attempt = throttle.check("alice", client).await.unwrap();
    assert_eq!(attempt.prior_failures(), 3);
    attempt.succeed().await.unwrap();
    let attempt = throttle.check("alice", client).await.unwrap();
    assert_eq!(attempt.prior_failures(), 0);
    assert!(attempt.is_known_client());
    // Three more free failures before any delay.
    assert_eq!(attempt.fail(), None);
    for _ in 0..2 {
        assert_eq!(throttle.check("alice", client).await.unwrap().fail(), None);
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
                if attempt.fail().is_some() {
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
                    if let Some(lock) = attempt.fail() {
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
    assert_eq!(attempt.fail(), None);
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
    assert_eq!(attempt.fail(), None);
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
        assert_eq!(
            throttle
                .check(&format!("user{n}"), stuffer)
                .await
                .unwrap()
                .fail(),
            None
        );
    }
    // The 21st account is fine; its failure makes the client wait.
    assert_eq!(
        throttle.check("user20", stuffer).await.unwrap().fail(),
        None
    );
    let refused = throttled(throttle.check("user21", stuffer).await);
    assert_eq!(refused.scope(), ThrottleScope::Client);
    assert_eq!(refused.retry_after(), Duration::from_secs(1));
    // Keep going at the allowed pace until the lock.
    let mut lock = None;
    for n in 21..200 {
        loop {
            match throttle.check(&format!("user{n}"), stuffer).await {
                Ok(attempt) => {
                    lock = attempt.fail();
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
        assert_eq!(throttle.check("alice", client).await.unwrap().fail(), None);
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
        assert_eq!(throttle.check("alice", client).await.unwrap().fail(), None);
    }
    let sibling = ip("2001:db8::ffff:1");
    assert_eq!(
        throttled(throttle.check("alice", sibling).await).scope(),
        ThrottleScope::AccountClient
    );
    // Another /64 of the same /48 shares the /48's budget on the account
    // (M4); a /64 of another /48 starts afresh.
    let same_48 = ip("2001:db8:0:1::1");
    assert_eq!(
        throttled(throttle.check("alice", same_48).await).scope(),
        ThrottleScope::AccountNetwork
    );
    let other_48 = ip("2001:db8:1::1");
    assert!(throttle.check("alice", other_48).await.is_ok());
}

/// M4: an IPv6 attacker holding a /48 (65,536 /64 clients) gets the budget
/// of one client, on one account and across accounts.
#[tokio::test]
async fn ipv6_64s_of_one_48_share_one_budget() {
    let (throttle, clock, _) = throttle_with(no_rate_cap());
    let in_48 = |n: u16| IpAddr::from([0x2001, 0xdb8, 0x77, n, 0, 0, 0, 1]);
    // One account: four failures, each from a fresh /64, then the /48 waits.
    for n in 0..4 {
        assert_eq!(
            throttle.check("alice", in_48(n)).await.unwrap().fail(),
            None
        );
    }
    let refused = throttled(throttle.check("alice", in_48(100)).await);
    assert_eq!(refused.scope(), ThrottleScope::AccountNetwork);
    assert_eq!(refused.retry_after(), Duration::from_secs(1));
    // The owner's known /64 inside that /48 is judged by its own pair only.
    let owner = in_48(200);
    clock.advance(Duration::from_secs(1));
    throttle
        .check("alice", owner)
        .await
        .unwrap()
        .succeed()
        .await
        .unwrap();
    // (A success gives back its own count but keeps the counters' last
    // failure, so the /48's delay runs from the owner's attempt.)
    clock.advance(Duration::from_secs(1));
    assert_eq!(
        throttle.check("alice", in_48(5)).await.unwrap().fail(),
        None
    );
    let refused = throttled(throttle.check("alice", in_48(6)).await);
    assert_eq!(refused.scope(), ThrottleScope::AccountNetwork);
    assert_eq!(refused.retry_after(), Duration::from_secs(2));
    assert!(
        throttle
            .check("alice", owner)
            .await
            .unwrap()
            .is_known_client()
    );

    // Across accounts: 20 free failures for the whole /48, then it waits.
    let (throttle, _, _) = throttle_with(no_rate_cap());
    for n in 0..21u16 {
        assert_eq!(
            throttle
                .check(&format!("user{n}"), in_48(1000 + n))
                .await
                .unwrap()
                .fail(),
            None
        );
    }
    let refused = throttled(throttle.check("user99", in_48(2000)).await);
    assert_eq!(refused.scope(), ThrottleScope::Network);
    assert_eq!(refused.retry_after(), Duration::from_secs(1));
    // Another /48 is not held back, nor is IPv4.
    assert!(throttle.check("user99", ip("2001:db8:78::1")).await.is_ok());
    assert!(throttle.check("user99", ip("198.51.100.7")).await.is_ok());
}

/// M1: the attempt is counted when it is admitted, before its password is
/// verified, so attempts still verifying cannot all pass one check.
#[tokio::test]
async fn attempts_are_counted_when_admitted_so_concurrent_ones_cannot_all_pass() {
    let (throttle, _, store) = throttle_with(no_rate_cap());
    let client = ip("198.51.100.7");
    let mut verifying = Vec::new();
    let mut refused = Vec::new();
    for _ in 0..10 {
        match throttle.check("alice", client).await {
            Ok(attempt) => verifying.push(attempt),
            Err(err) => refused.push(err),
        }
    }
    // Three free failures and the fourth that starts the delay.
    assert_eq!(verifying.len(), 4);
    assert_eq!(refused.len(), 6);
    for err in refused {
        let AuthError::Throttled(t) = err else {
            panic!("{err:?}")
        };
        assert_eq!(t.scope(), ThrottleScope::AccountClient);
        assert_eq!(t.retry_after(), Duration::from_secs(1));
    }
    let pair = verifying.pop().unwrap();
    assert_eq!(pair.prior_failures(), 3);
    // Cancelled (no password verified) gives every count back.
    pair.cancel().await.unwrap();
    assert_eq!(store.len(), 3);
    let third = verifying.pop().unwrap();
    assert_eq!(third.prior_failures(), 2);
    third.cancel().await.unwrap();
    // Two counted failures remain: the next attempt is free again.
    let next = throttle.check("alice", client).await.unwrap();
    assert_eq!(next.prior_failures(), 2);
    drop(verifying);
}

/// Serves reads from memory but cannot write: the counts cannot be taken.
#[derive(Debug, Default)]
struct ReadOnlyStore(MemoryThrottleStore);

#[async_trait]
impl ThrottleStore for ReadOnlyStore {
    async fn increment(
        &self,
        _: &ThrottleKey,
        _: SystemTime,
        _: Duration,
    ) -> Result<Counter, StoreError> {
        Err(StoreError::new("throttle", "read-only replica"))
    }
    async fn decrement(&self, _: &ThrottleKey, _: SystemTime) -> Result<(), StoreError> {
        Err(StoreError::new("throttle", "read-only replica"))
    }
    async fn read(
        &self,
        key: &ThrottleKey,
        now: SystemTime,
    ) -> Result<Option<Counter>, StoreError> {
        self.0.read(key, now).await
    }
    async fn clear(&self, _: &ThrottleKey) -> Result<(), StoreError> {
        Err(StoreError::new("throttle", "read-only replica"))
    }
}

/// M1: a counter that cannot be incremented refuses the attempt (503)
/// instead of letting it through uncounted.
#[tokio::test]
async fn an_attempt_that_cannot_be_counted_is_refused_with_503() {
    let throttle = Throttle::new(no_rate_cap(), Arc::new(ReadOnlyStore::default()));
    let err = throttle
        .check("alice", ip("198.51.100.7"))
        .await
        .unwrap_err();
    assert!(matches!(&err, AuthError::Store(s) if s.store() == "throttle"));
    assert_eq!(
        opsguard_core::Error::from(err).kind(),
        ErrorKind::Unavailable
    );
}

/// The attempt-rate cap runs on the monotonic clock: a wall-clock step
/// forward (NTP, a resumed VM) does not free a capped client, and a step
/// back does not block one.
#[tokio::test]
async fn attempt_rate_is_measured_on_the_monotonic_clock() {
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
    clock.set(start() + 60 * MINUTE);
    let refused = throttled(throttle.check("user9", client).await);
    assert_eq!(refused.scope(), ThrottleScope::AttemptRate);
    assert_eq!(refused.retry_after(), Duration::from_secs(2));
    // Two seconds of real time free one attempt, whatever the wall clock
    // says (here: stepped back by two hours).
    clock.advance(Duration::from_secs(2));
    clock.set(start() - 60 * MINUTE);
    throttle
        .check("user9", client)
        .await
        .unwrap()
        .succeed()
        .await
        .unwrap();
    assert_eq!(
        throttled(throttle.check("user10", client).await).scope(),
        ThrottleScope::AttemptRate
    );
}

/// Passes everything to a memory store and remembers every key it saw.
#[derive(Debug, Default)]
struct KeyLog {
    keys: std::sync::Mutex<Vec<String>>,
    inner: MemoryThrottleStore,
}

impl KeyLog {
    fn saw(&self, key: &ThrottleKey) {
        self.keys.lock().unwrap().push(key.as_str().to_owned());
    }
}

#[async_trait]
impl ThrottleStore for KeyLog {
    async fn increment(
        &self,
        key: &ThrottleKey,
        now: SystemTime,
        ttl: Duration,
    ) -> Result<Counter, StoreError> {
        self.saw(key);
        self.inner.increment(key, now, ttl).await
    }
    async fn decrement(&self, key: &ThrottleKey, now: SystemTime) -> Result<(), StoreError> {
        self.saw(key);
        self.inner.decrement(key, now).await
    }
    async fn read(
        &self,
        key: &ThrottleKey,
        now: SystemTime,
    ) -> Result<Option<Counter>, StoreError> {
        self.saw(key);
        self.inner.read(key, now).await
    }
    async fn clear(&self, key: &ThrottleKey) -> Result<(), StoreError> {
        self.saw(key);
        self.inner.clear(key).await
    }
}

/// Users type passwords into the username field: no counter key, and no
/// `Debug` of the throttle, its store or an attempt, holds the name.
#[tokio::test]
async fn counter_keys_and_debug_output_hold_no_username() {
    let typed = "Correct-Horse-Battery-9";
    let log = Arc::new(KeyLog::default());
    let throttle = Throttle::new(no_rate_cap(), log.clone());
    let v4 = ip("198.51.100.7");
    let v6 = ip("2001:db8:5::1");
    assert_eq!(throttle.check(typed, v4).await.unwrap().fail(), None);
    let attempt = throttle.check(typed, v6).await.unwrap();
    let shown = format!("{throttle:?} {attempt:?} {log:?}");
    attempt.succeed().await.unwrap();
    throttle.forget_known_clients(typed).await.unwrap();
    throttle
        .check(typed, v6)
        .await
        .unwrap()
        .cancel()
        .await
        .unwrap();
    let keys = log.keys.lock().unwrap().clone();
    assert!(keys.len() > 20, "{keys:?}");
    let lower = typed.to_lowercase();
    for text in keys.iter().chain([&shown]) {
        assert!(!text.contains(typed), "{text}");
        assert!(!text.to_lowercase().contains(&lower), "{text}");
        assert!(!text.contains("Horse"), "{text}");
    }
    // The per-client keys name the client network in clear, nothing else.
    assert!(keys.contains(&"client|198.51.100.7/32".to_owned()));
    assert!(keys.contains(&"net|2001:db8:5::/48".to_owned()));
    for key in &keys {
        let (kind, rest) = key.split_once('|').unwrap();
        assert!(
            matches!(kind, "client" | "net")
                || (rest.len() == 64 && rest.bytes().all(|b| b.is_ascii_hexdigit())),
            "{key}"
        );
    }

    // A service key changes every account key (not the client ones); a
    // short key is refused.
    let keyed_log = Arc::new(KeyLog::default());
    let keyed = Throttle::new(no_rate_cap(), keyed_log.clone())
        .with_key(&secrecy::SecretSlice::from(vec![0x5a; 32]))
        .unwrap();
    assert_eq!(keyed.check(typed, v4).await.unwrap().fail(), None);
    let keyed_keys = keyed_log.keys.lock().unwrap().clone();
    assert!(keyed_keys.contains(&"client|198.51.100.7/32".to_owned()));
    for key in keyed_keys.iter().filter(|k| !k.starts_with("client|")) {
        assert!(!keys.contains(key), "{key}");
    }
    assert!(!format!("{keyed:?}").contains("5a5a"));
    let short = Throttle::new(no_rate_cap(), Arc::new(MemoryThrottleStore::new()))
        .with_key(&secrecy::SecretSlice::from(vec![1; 31]));
    assert!(matches!(
        short,
        Err(AuthError::InvalidConfig {
            name: "with_key",
            ..
        })
    ));
}

/// M2: a lock of the longest window a policy accepts really locks, for that
/// window; anything longer (up to `Duration::MAX`, whose end overflows) is
/// refused by the builder rather than quietly meaning "no lock".
#[tokio::test]
async fn the_longest_accepted_lock_locks_for_its_whole_window() {
    let limit = FailureLimit::new(FailureLimit::MAX_WINDOW)
        .with_free_failures(0)
        .with_delay(Duration::from_secs(1), Duration::from_secs(1))
        .with_lock_after(2);
    let policy = ThrottlePolicy::builder()
        .with_account_client_limit(limit)
        .without_attempt_rate()
        .build()
        .unwrap();
    let (throttle, clock, _) = throttle_with(policy);
    let client = ip("198.51.100.7");
    assert_eq!(throttle.check("alice", client).await.unwrap().fail(), None);
    clock.advance(Duration::from_secs(1));
    let lock = throttle
        .check("alice", client)
        .await
        .unwrap()
        .fail()
        .unwrap();
    assert_eq!(lock.duration(), FailureLimit::MAX_WINDOW);
    clock.advance(FailureLimit::MAX_WINDOW - Duration::from_secs(1));
    let refused = throttled(throttle.check("alice", client).await);
    assert!(refused.is_locked());
    assert_eq!(refused.retry_after(), Duration::from_secs(1));
    clock.advance(Duration::from_secs(1));
    assert!(throttle.check("alice", client).await.is_ok());
}

/// The largest attempt rate the builder accepts runs (governor's
/// arithmetic cannot overflow); larger ones are refused, not a panic.
#[tokio::test]
async fn the_largest_accepted_attempt_rate_works() {
    let policy = ThrottlePolicy::builder()
        .with_attempt_rate(
            ThrottlePolicy::MAX_ATTEMPT_BURST,
            ThrottlePolicy::MAX_ATTEMPT_PERIOD,
        )
        .build()
        .unwrap();
    let (throttle, _, _) = throttle_with(policy);
    for n in 0..20 {
        throttle
            .check(&format!("user{n}"), ip("198.51.100.7"))
            .await
            .unwrap()
            .succeed()
            .await
            .unwrap();
    }
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
    assert_eq!(
        throttle
            .check(&long, ip("198.51.100.7"))
            .await
            .unwrap()
            .fail(),
        None
    );
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
    async fn decrement(&self, _: &ThrottleKey, _: SystemTime) -> Result<(), StoreError> {
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
        // M2: a lock whose end cannot be represented must not mean "none".
        (
            ThrottlePolicy::builder()
                .with_account_client_limit(FailureLimit::new(Duration::MAX).with_lock_after(10)),
            "with_account_client_limit",
        ),
        (
            ThrottlePolicy::builder().with_client_limit(FailureLimit::new(
                FailureLimit::MAX_WINDOW + Duration::from_secs(1),
            )),
            "with_client_limit",
        ),
        (
            ThrottlePolicy::builder().with_known_client_ttl(Duration::MAX),
            "with_known_client_ttl",
        ),
        // Extreme attempt rates used to panic in governor.
        (
            ThrottlePolicy::builder().with_attempt_rate(u32::MAX, Duration::MAX),
            "with_attempt_rate",
        ),
        (
            ThrottlePolicy::builder().with_attempt_rate(
                ThrottlePolicy::MAX_ATTEMPT_BURST + 1,
                Duration::from_secs(1),
            ),
            "with_attempt_rate",
        ),
        (
            ThrottlePolicy::builder().with_attempt_rate(
                1,
                ThrottlePolicy::MAX_ATTEMPT_PERIOD + Duration::from_nanos(1),
            ),
            "with_attempt_rate",
        ),
    ];
    for (builder, name) in invalid {
        match builder.build() {
            Err(AuthError::InvalidConfig { name: got, .. }) => assert_eq!(got, name),
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

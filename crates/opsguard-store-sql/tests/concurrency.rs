//! Races on one row: 8 tasks on a multi-thread runtime rotate the same
//! refresh token (exactly one wins) or count failures on the same throttle
//! key (none is lost), on the in-memory stores, SQLite (a WAL file with a
//! busy timeout, one pool of several connections) and PostgreSQL.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use opsguard_token::FamilyId;
use opsguard_token::refresh::{NewFamily, RotateOutcome, Rotation};
use support::{Harness, T0, t0, throttle_keys, unique};
use tokio::sync::Barrier;

const TASKS: usize = 8;
/// Races per test: a lost race may need several tries to show.
const ROUNDS: usize = 10;

/// Each round: one family, 8 tasks released together by a barrier, each
/// presenting the family's current token with its own replacement.
///
/// Serialised, the first rotates, the second finds its token already
/// replaced (reuse: the family is revoked) and the other six find the
/// family revoked. Any other tally means two callers read the same state.
async fn one_winner_per_race(h: &Harness) {
    for round in 0..ROUNDS {
        let fam = FamilyId::new(unique("race"));
        h.refresh
            .create(&NewFamily::new(
                fam.clone(),
                "u1",
                "j0",
                T0,
                T0 + 3600,
                T0 + 7200,
            ))
            .await
            .unwrap();
        let barrier = Arc::new(Barrier::new(TASKS));
        let tasks: Vec<_> = (0..TASKS)
            .map(|task| {
                let store = h.refresh.clone();
                let barrier = barrier.clone();
                let rotation = Rotation::new(
                    fam.clone(),
                    "j0",
                    format!("j1-{task}"),
                    T0 + 7200,
                    T0 + 1,
                    0,
                );
                tokio::spawn(async move {
                    barrier.wait().await;
                    (task, store.rotate(&rotation).await.unwrap())
                })
            })
            .collect();
        let mut winners = Vec::new();
        let (mut reuse, mut inactive) = (0, 0);
        for task in tasks {
            match task.await.unwrap() {
                (task, RotateOutcome::Rotated) => winners.push(task),
                (_, RotateOutcome::ReuseDetected) => reuse += 1,
                (_, RotateOutcome::Inactive) => inactive += 1,
                (_, other) => panic!("unexpected outcome {other:?}"),
            }
        }
        assert_eq!(
            (winners.len(), reuse, inactive),
            (1, 1, TASKS - 2),
            "{} round {round}",
            h.name
        );
        // The reuse revoked the family: the winner's new token is dead too.
        let winner = Rotation::new(
            fam.clone(),
            format!("j1-{}", winners[0]),
            "j2",
            T0 + 7200,
            T0 + 2,
            0,
        );
        assert_eq!(
            h.refresh.rotate(&winner).await.unwrap(),
            RotateOutcome::Inactive
        );
    }
}

/// 8 tasks each count 25 failures on one key: the counter ends at 200.
async fn no_lost_increment(h: &Harness) {
    const EACH: u32 = 25;
    let key = throttle_keys(&unique("acct")).await.swap_remove(0);
    let barrier = Arc::new(Barrier::new(TASKS));
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            let store = h.throttle.clone();
            let barrier = barrier.clone();
            let key = key.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                for _ in 0..EACH {
                    store
                        .increment(&key, t0(), Duration::from_secs(60))
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let counter = h.throttle.read(&key, t0()).await.unwrap().unwrap();
    assert_eq!(
        counter.count(),
        EACH * u32::try_from(TASKS).unwrap(),
        "{}",
        h.name
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_eight_concurrent_rotations_have_one_winner() {
    let h = Harness::memory();
    one_winner_per_race(&h).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_eight_concurrent_rotations_have_one_winner() {
    let h = Harness::sqlite().await;
    one_winner_per_race(&h).await;
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_eight_concurrent_rotations_have_one_winner() {
    let Some(h) = Harness::postgres("postgres_eight_concurrent_rotations_have_one_winner").await
    else {
        return;
    };
    one_winner_per_race(&h).await;
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_concurrent_increments_are_all_counted() {
    let h = Harness::memory();
    no_lost_increment(&h).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_concurrent_increments_are_all_counted() {
    let h = Harness::sqlite().await;
    no_lost_increment(&h).await;
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_concurrent_increments_are_all_counted() {
    let Some(h) = Harness::postgres("postgres_concurrent_increments_are_all_counted").await else {
        return;
    };
    no_lost_increment(&h).await;
    h.finish().await;
}

//! Eight clients present the same refresh token at the same moment: exactly
//! one gets a new pair, and the reuse revokes the whole session.

use std::sync::Arc;

use serde_json::{Value, json};
use tokio::sync::Barrier;
use tokio::task::JoinSet;

use crate::support::{PASSWORD, on_each_backend};

const CLIENTS: usize = 8;
const ROUNDS: usize = 3;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_refresh_with_one_token_has_exactly_one_winner() {
    on_each_backend("refresh_race", async |svc| {
        svc.user("alice").await;
        for round in 0..ROUNDS {
            let tokens = svc.login("alice", PASSWORD).await;
            let barrier = Arc::new(Barrier::new(CLIENTS));
            let mut clients = JoinSet::new();
            for _ in 0..CLIENTS {
                // One client (one connection) each, released together.
                let client = reqwest::Client::new();
                let url = svc.url("/auth/refresh");
                let body = json!({"refresh_token": tokens.refresh});
                let barrier = Arc::clone(&barrier);
                clients.spawn(async move {
                    barrier.wait().await;
                    let answer = client.post(url).json(&body).send().await.unwrap();
                    let status = answer.status().as_u16();
                    (status, answer.json::<Value>().await.unwrap())
                });
            }
            let mut statuses = Vec::new();
            let mut winner = None;
            while let Some(joined) = clients.join_next().await {
                let (status, body) = joined.unwrap();
                if status == 200 {
                    winner = Some(body["data"]["refresh_token"].as_str().unwrap().to_owned());
                } else {
                    assert_eq!(body["error"]["type"], "AuthError");
                }
                statuses.push(status);
            }
            statuses.sort_unstable();
            let mut expected = vec![401; CLIENTS - 1];
            expected.insert(0, 200);
            assert_eq!(statuses, expected, "round {round}");

            // The losers' reuse revoked the family: the winner's new token
            // is refused too.
            let winner = winner.unwrap();
            let after = svc
                .post("/auth/refresh", None, json!({"refresh_token": winner}))
                .await;
            assert_eq!(after.status, 401, "round {round}");
        }
    })
    .await;
}

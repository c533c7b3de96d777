//! The SQL audit log read back: every field round-trips, pages are newest
//! first with a keyset cursor, filters and the page-size cap hold, and the
//! JSON an admin endpoint would send has a fixed shape. On SQLite, and on
//! PostgreSQL when `OPSGUARD_TEST_POSTGRES_URL` is set.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::time::{Duration, UNIX_EPOCH};

use opsguard_auth::{AuditEvent, AuditKind, AuditSink, Resource};
use opsguard_store_sql::{AuditQuery, MAX_PAGE_SIZE, SqlAuditLog};
use support::Harness;

fn ids(page: &opsguard_store_sql::AuditPage) -> Vec<i64> {
    page.records().iter().map(|r| r.id()).collect()
}

async fn every_field_round_trips(log: &SqlAuditLog) {
    let at = UNIX_EPOCH + Duration::from_millis(1_700_000_000_123);
    let full = AuditEvent::at(AuditKind::CredentialRevealed, at)
        .with_user_id("7")
        .with_username("alice")
        .with_client_ip("2001:db8::1".parse().unwrap())
        .with_request_id("req-1")
        .with_family_id("fam-1")
        .with_resource(Resource::new("credentials", 42))
        .with_reason("owner");
    log.record(&full).await.unwrap();
    log.record(&AuditEvent::at(AuditKind::AuthnLoginFail, at))
        .await
        .unwrap();

    let page = log.page(&AuditQuery::new()).await.unwrap();
    assert_eq!(page.next_before(), None);
    let [bare, record] = page.records() else {
        panic!("expected two records, got {:?}", page.records());
    };
    assert_eq!(record.time_unix_ms(), 1_700_000_000_123);
    assert_eq!(record.time(), at);
    assert_eq!(record.kind(), "credential_revealed");
    assert_eq!(record.severity(), "WARN");
    assert_eq!(record.user_id(), Some("7"));
    assert_eq!(record.username(), Some("alice"));
    assert_eq!(record.client_ip(), Some("2001:db8::1".parse().unwrap()));
    assert_eq!(record.request_id(), Some("req-1"));
    assert_eq!(record.family_id(), Some("fam-1"));
    assert_eq!(record.resource(), Some("credentials:42"));
    assert_eq!(record.reason(), Some("owner"));

    assert_eq!(
        serde_json::to_value(record).unwrap(),
        serde_json::json!({
            "id": record.id(),
            "time_unix_ms": 1_700_000_000_123_i64,
            "kind": "credential_revealed",
            "severity": "WARN",
            "user_id": "7",
            "username": "alice",
            "client_ip": "2001:db8::1",
            "request_id": "req-1",
            "family_id": "fam-1",
            "resource": "credentials:42",
            "reason": "owner",
        })
    );
    assert_eq!(
        serde_json::to_value(bare).unwrap(),
        serde_json::json!({
            "id": bare.id(),
            "time_unix_ms": 1_700_000_000_123_i64,
            "kind": "authn_login_fail",
            "severity": "WARN",
            "user_id": null,
            "username": null,
            "client_ip": null,
            "request_id": null,
            "family_id": null,
            "resource": null,
            "reason": null,
        })
    );
    assert!(bare.id() > record.id());
}

async fn pages_are_newest_first(log: &SqlAuditLog) {
    let kinds = [AuditKind::AuthnLoginFail, AuditKind::AuthnLoginSuccess];
    for n in 0..7 {
        let event = AuditEvent::new(kinds[n % 2]).with_user_id(if n < 4 { "a" } else { "b" });
        log.record(&event).await.unwrap();
    }
    let all = log.page(&AuditQuery::new()).await.unwrap();
    let all_ids = ids(&all);
    assert_eq!(all_ids.len(), 7);
    assert!(all_ids.windows(2).all(|w| w[0] > w[1]), "{all_ids:?}");

    // Keyset pages of 3: 3 + 3 + 1, each continuing where the last ended.
    let first = log.page(&AuditQuery::new().with_limit(3)).await.unwrap();
    assert_eq!(ids(&first), all_ids[0..3]);
    assert_eq!(first.next_before(), Some(all_ids[2]));
    let second = log
        .page(&AuditQuery::new().with_limit(3).with_before(all_ids[2]))
        .await
        .unwrap();
    assert_eq!(ids(&second), all_ids[3..6]);
    let third = log
        .page(
            &AuditQuery::new()
                .with_limit(3)
                .with_before(second.next_before().unwrap()),
        )
        .await
        .unwrap();
    assert_eq!(ids(&third), all_ids[6..7]);
    assert_eq!(third.next_before(), None);
    // A page that ends exactly at the last record says there is no next one.
    let exact = log.page(&AuditQuery::new().with_limit(7)).await.unwrap();
    assert_eq!((ids(&exact).len(), exact.next_before()), (7, None));

    // Filters, alone and together (events 0..4 are user a, even n fail).
    let a = log
        .page(&AuditQuery::new().with_user_id("a"))
        .await
        .unwrap();
    assert_eq!(ids(&a), all_ids[3..7]);
    let fails = log
        .page(&AuditQuery::new().with_kind(AuditKind::AuthnLoginFail))
        .await
        .unwrap();
    assert_eq!(
        ids(&fails),
        [all_ids[0], all_ids[2], all_ids[4], all_ids[6]]
    );
    let b_success = log
        .page(
            &AuditQuery::new()
                .with_user_id("b")
                .with_kind(AuditKind::AuthnLoginSuccess),
        )
        .await
        .unwrap();
    assert_eq!(ids(&b_success), [all_ids[1]]);
    let nobody = log
        .page(&AuditQuery::new().with_user_id("c"))
        .await
        .unwrap();
    assert_eq!((nobody.records().len(), nobody.next_before()), (0, None));
}

async fn page_size_is_capped(log: &SqlAuditLog) {
    let total = MAX_PAGE_SIZE + 5;
    for _ in 0..total {
        log.record(&AuditEvent::new(AuditKind::AuthzFail))
            .await
            .unwrap();
    }
    let page = log
        .page(&AuditQuery::new().with_limit(u32::MAX))
        .await
        .unwrap();
    assert_eq!(page.records().len(), 200);
    let rest = log
        .page(
            &AuditQuery::new()
                .with_limit(u32::MAX)
                .with_before(page.next_before().unwrap()),
        )
        .await
        .unwrap();
    assert_eq!((rest.records().len(), rest.next_before()), (5, None));
}

async fn retention_deletes_old_events(log: &SqlAuditLog) {
    let old = UNIX_EPOCH + Duration::from_secs(1_000);
    let new = UNIX_EPOCH + Duration::from_secs(2_000);
    log.record(&AuditEvent::at(AuditKind::AuthzFail, old))
        .await
        .unwrap();
    log.record(&AuditEvent::at(AuditKind::AuthzFail, new))
        .await
        .unwrap();
    assert_eq!(log.delete_before(new).await.unwrap(), 1);
    let left = log.page(&AuditQuery::new()).await.unwrap();
    assert_eq!(
        left.records().iter().map(|r| r.time()).collect::<Vec<_>>(),
        [new]
    );
}

macro_rules! on_sql_backends {
    ($($name:ident => $suite:path;)*) => {
        mod sqlite {
            use super::*;
            $(
                #[tokio::test]
                async fn $name() {
                    let h = Harness::sqlite().await;
                    $suite(&h.sql_stores().unwrap().audit_log()).await;
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
                    $suite(&h.sql_stores().unwrap().audit_log()).await;
                    h.finish().await;
                }
            )*
        }
    };
}

on_sql_backends! {
    audit_every_field_round_trips_and_serialises => every_field_round_trips;
    audit_pages_are_newest_first_with_filters => pages_are_newest_first;
    audit_page_size_is_capped => page_size_is_capped;
    audit_retention_deletes_old_events => retention_deletes_old_events;
}

//! The axum service and the actix service on one SQLite file at once:
//! what one stores, the other lists, since both run the same domain code
//! on the same tables.

use serde_json::json;

use crate::client::Actix;
use crate::support::{Backend, PASSWORD, TestService};

#[tokio::test(flavor = "multi_thread")]
async fn a_job_created_through_one_service_is_listed_through_the_other() {
    let svc = TestService::start(Backend::Sqlite, "actix_shared_sqlite")
        .await
        .unwrap();
    // Started second, on the axum service's configuration: the same
    // `sqlite://<dir>/service.db`, already migrated, and the same keys.
    let actix = Actix::beside(&svc).await;

    let frank = svc.user("frank").await;
    let frank_axum = frank.token();
    let frank_actix = actix.login("frank", PASSWORD).await.access;
    let credential = svc.credential(&frank, "franks-secret").await;
    let target = svc.target(&frank, credential).await;

    // Through axum, listed through actix, byte for byte the same list.
    let by_axum = svc.job(&frank, &[target]).await;
    let via_actix = actix.get("/jobs", Some(&frank_actix)).await;
    assert_eq!(via_actix.status, 200, "{via_actix:?}");
    assert_eq!(via_actix.data().as_array().unwrap().len(), 1);
    assert_eq!(via_actix.data()[0]["id"], by_axum);
    assert_eq!(via_actix.data()[0]["name"], "uptime");
    assert_eq!(via_actix.data()[0]["target_ids"], json!([target]));
    assert_eq!(via_actix.body, svc.get("/jobs", frank_axum).await.body);
    // The target too.
    let targets = actix.get("/targets", Some(&frank_actix)).await;
    assert_eq!(targets.data()[0]["id"], target);
    assert_eq!(targets.body, svc.get("/targets", frank_axum).await.body);

    // Through actix, listed through axum.
    let by_actix = actix.job(&frank_actix, &[target]).await;
    assert!(by_actix > by_axum);
    let via_axum = svc.get("/jobs", frank_axum).await;
    let ids: Vec<i64> = via_axum
        .data()
        .as_array()
        .unwrap()
        .iter()
        .map(|job| job["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![by_axum, by_actix]);
    assert_eq!(
        via_axum.body,
        actix.get("/jobs", Some(&frank_actix)).await.body
    );

    // Deleted through axum: gone from actix's list, and 404 there.
    let deleted = svc.delete(&format!("/jobs/{by_actix}"), frank_axum).await;
    assert_eq!(deleted.status, 200);
    let again = actix
        .delete(&format!("/jobs/{by_actix}"), Some(&frank_actix))
        .await;
    assert_eq!(again.status, 404, "{again:?}");
    assert_eq!(
        actix
            .get("/jobs", Some(&frank_actix))
            .await
            .data()
            .as_array()
            .unwrap()
            .len(),
        1
    );

    actix.stop().await;
    svc.finish().await;
}

//! `DELETE /targets/{id}`: owner or administrator; refused while a job runs
//! on the target; and the way to free a credential for deletion.

use serde_json::json;

use crate::support::on_each_backend;

#[tokio::test]
async fn a_target_is_deleted_by_its_owner_or_an_admin_once_no_job_uses_it() {
    on_each_backend("delete_target", async |svc| {
        let alice = svc.user("alice").await;
        let bob = svc.user("bob").await;
        let root = svc.admin("root").await;
        let credential = svc.credential(&alice, "alice-secret").await;
        let target = svc.target(&alice, credential).await;
        let job = svc.job(&alice, &[target]).await;
        let path = format!("/targets/{target}");

        let by_bob = svc.delete(&path, bob.token()).await;
        assert_eq!(by_bob.status, 403);
        assert_eq!(by_bob.error_type(), "PermissionError");
        let missing = svc.delete("/targets/999999", alice.token()).await;
        assert_eq!(missing.status, 404);
        assert_eq!(missing.error_type(), "NotFound");

        // In use by a job: 409, and the target stays.
        let in_use = svc.delete(&path, alice.token()).await;
        assert_eq!(in_use.status, 409);
        assert_eq!(
            in_use.body,
            json!({"error": {"type": "Conflict", "message": "the target is used by a job"}})
        );
        assert_eq!(
            svc.get("/targets", alice.token()).await.data()[0]["id"],
            target
        );
        // Its credential cannot go while the target exists.
        let credential_path = format!("/credentials/{credential}");
        assert_eq!(
            svc.delete(&credential_path, alice.token()).await.status,
            409
        );

        // Job, then target, then credential.
        assert_eq!(
            svc.delete(&format!("/jobs/{job}"), alice.token())
                .await
                .status,
            200
        );
        let deleted = svc.delete(&path, alice.token()).await;
        assert_eq!(deleted.status, 200);
        assert_eq!(
            deleted.body,
            json!({"success": true, "message": "target deleted", "data": null})
        );
        assert_eq!(svc.get("/targets", alice.token()).await.data(), &json!([]));
        assert_eq!(svc.delete(&path, alice.token()).await.status, 404);
        assert_eq!(
            svc.delete(&credential_path, alice.token()).await.status,
            200
        );

        // An administrator may delete anyone's target.
        let bobs_credential = svc.credential(&bob, "bob-secret").await;
        let bobs_target = svc.target(&bob, bobs_credential).await;
        let by_root = svc
            .delete(&format!("/targets/{bobs_target}"), root.token())
            .await;
        assert_eq!(by_root.status, 200);
    })
    .await;
}

//! The `demo` subcommand, in process and as the real binary.

use std::process::Command;

use opsconductor_service::run_demo;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_walks_the_whole_story() {
    let dir = tempfile::tempdir().unwrap();
    let mut out = Vec::new();
    let report = run_demo(dir.path(), &mut out).await.unwrap();
    let out = String::from_utf8(out).unwrap();

    let steps: Vec<(&str, u16)> = report
        .steps()
        .iter()
        .map(|s| (s.request.as_str(), s.actual))
        .collect();
    assert!(
        report.steps().iter().all(|s| s.actual == s.expected),
        "{out}"
    );
    let expected_story = [
        ("POST /auth/register", 201),
        ("POST /auth/login", 200),
        ("POST /credentials", 201),
        ("POST /targets", 201),
        ("POST /jobs", 201),
        ("POST /credentials/1/reveal", 200),
        ("DELETE /jobs/1", 403),
        ("POST /auth/refresh", 200),
        ("POST /auth/refresh", 401),
        ("DELETE /admin/users/3", 200),
        ("GET /admin/audit?limit=100", 200),
    ];
    // The story's steps happen, in this order.
    let mut rest = steps.iter();
    for step in expected_story {
        assert!(
            rest.any(|s| *s == step),
            "{step:?} missing or out of order:\n{out}"
        );
    }
    assert!(
        out.contains("the revealed password is the one stored: yes"),
        "{out}"
    );
    for event in [
        "credential_revealed",
        "authz_fail",
        "authn_token_reuse",
        "user_deleted",
    ] {
        assert!(
            out.contains(event),
            "{event} not in the audit log shown:\n{out}"
        );
    }
}

#[test]
fn the_demo_subcommand_succeeds() {
    let output = Command::new(env!("CARGO_BIN_EXE_opsconductor-service"))
        .arg("demo")
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("all steps answered as expected"),
        "{stdout}"
    );
    assert!(stdout.contains("403  DELETE /jobs/1"), "{stdout}");
}

//! Slow clients: a connection that trickles its request head (slowloris) or
//! sends nothing is closed after the header-read timeout (10 s), while a
//! normal request on another connection is served meanwhile.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use crate::support::{Backend, TestService};

/// Read until the server closes the connection (or resets it); what it
/// sent before.
async fn until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut received = Vec::new();
    let mut buffer = [0_u8; 1024];
    loop {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return received,
            Ok(n) => received.extend_from_slice(&buffer[..n]),
        }
    }
}

#[tokio::test]
async fn slow_and_idle_connections_are_closed_after_the_header_read_timeout() {
    let svc = TestService::start(Backend::Sqlite, "timeouts")
        .await
        .unwrap();
    let addr = svc.url("").trim_start_matches("http://").to_owned();
    let started = Instant::now();

    // Slowloris: the request line, then one header line a second, never
    // the blank line that ends the head.
    let mut slow = TcpStream::connect(&addr).await.unwrap();
    slow.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let trickle = tokio::spawn(async move {
        let mut received = Vec::new();
        for i in 0..30 {
            tokio::time::sleep(Duration::from_secs(1)).await;
            if slow
                .write_all(format!("X-Slow-{i}: y\r\n").as_bytes())
                .await
                .is_err()
            {
                break;
            }
            let mut buffer = [0_u8; 1024];
            match tokio::time::timeout(Duration::from_millis(10), slow.read(&mut buffer)).await {
                Ok(Ok(0) | Err(_)) => break,
                Ok(Ok(n)) => received.extend_from_slice(&buffer[..n]),
                Err(_) => {}
            }
        }
        (started.elapsed(), received)
    });

    // Idle: connected, nothing sent.
    let mut idle = TcpStream::connect(&addr).await.unwrap();
    let idle = tokio::spawn(async move {
        // Bounded, so that a server without the timeout fails the test
        // rather than hanging it.
        let received = tokio::time::timeout(Duration::from_secs(20), until_closed(&mut idle))
            .await
            .unwrap_or_default();
        (started.elapsed(), received)
    });

    // Meanwhile the service answers everyone else.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(svc.get("/health", None).await.status, 200);

    let (slow_closed, slow_received) = trickle.await.unwrap();
    let (idle_closed, idle_received) = idle.await.unwrap();
    for (what, closed, received) in [
        ("slowloris", slow_closed, slow_received),
        ("idle", idle_closed, idle_received),
    ] {
        assert!(
            (Duration::from_secs(9)..Duration::from_secs(15)).contains(&closed),
            "{what} connection closed after {closed:?}"
        );
        // Never a 200 for an unfinished request.
        assert!(
            !String::from_utf8_lossy(&received).contains(" 200 "),
            "{what}: {}",
            String::from_utf8_lossy(&received)
        );
    }
    svc.finish().await;
}

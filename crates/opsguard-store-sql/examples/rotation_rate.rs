//! Refresh-token rotations per second through [`SqlRefreshStore`], one
//! caller at a time and 8 at once (each on its own family), for the
//! figures in the crate README. Not a test: timings on a shared machine
//! vary, so nothing asserts on them.
//!
//! ```text
//! cargo run -p opsguard-store-sql --example rotation_rate                 # SQLite file in a temp dir
//! cargo run -p opsguard-store-sql --example rotation_rate -- postgres://postgres@127.0.0.1/bench
//! ```
//!
//! The PostgreSQL database must exist; the example migrates it and leaves
//! its families behind.
//!
//! [`SqlRefreshStore`]: opsguard_store_sql::SqlRefreshStore

use std::error::Error;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use opsguard_store_sql::{SqlRefreshStore, SqlStores};
use opsguard_token::FamilyId;
use opsguard_token::refresh::{NewFamily, RefreshStore, RotateOutcome, Rotation};

const ROTATIONS: u32 = 2_000;
const TASKS: u32 = 8;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error + Send + Sync>> {
    let dir = tempfile::tempdir()?;
    let url = match std::env::args().nth(1) {
        Some(url) => url,
        None => format!("sqlite://{}", dir.path().join("bench.db").display()),
    };
    let stores = SqlStores::connect(&url).await?;
    stores.migrate().await?;
    let run = SystemTime::now().duration_since(UNIX_EPOCH)?.as_nanos();

    let store = stores.refresh_store();
    let started = Instant::now();
    chain(&store, &format!("seq-{run}"), ROTATIONS).await?;
    let sequential = f64::from(ROTATIONS) / started.elapsed().as_secs_f64();

    let started = Instant::now();
    let tasks: Vec<_> = (0..TASKS)
        .map(|task| {
            let store = stores.refresh_store();
            let family = format!("par-{run}-{task}");
            tokio::spawn(async move { chain(&store, &family, ROTATIONS / TASKS).await })
        })
        .collect();
    for task in tasks {
        task.await??;
    }
    let concurrent = f64::from(ROTATIONS) / started.elapsed().as_secs_f64();

    let backend = url.split(':').next().unwrap_or("?");
    println!(
        "{backend}: {sequential:.0} rotations/s sequential, {concurrent:.0}/s with {TASKS} tasks"
    );
    stores.pool().close().await;
    Ok(())
}

/// Create `family` and rotate its token `n` times.
async fn chain(
    store: &SqlRefreshStore,
    family: &str,
    n: u32,
) -> Result<(), Box<dyn Error + Send + Sync>> {
    let fam = FamilyId::new(family);
    let t0 = 1_700_000_000;
    store
        .create(&NewFamily::new(
            fam.clone(),
            "bench",
            "j0",
            t0,
            t0 + 86_400,
            t0 + 86_400,
        ))
        .await?;
    for i in 0..n {
        let rotation = Rotation::new(
            fam.clone(),
            format!("j{i}"),
            format!("j{}", i + 1),
            t0 + 86_400,
            t0 + 1,
            0,
        );
        if store.rotate(&rotation).await? != RotateOutcome::Rotated {
            return Err("rotation refused".into());
        }
    }
    Ok(())
}

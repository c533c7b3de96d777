//! `opsconductor-actix`: serve the reference service's core endpoints on
//! actix-web, with the configuration (environment variables, or the TOML
//! file named by `OPSGUARD_CONFIG`) and the database of
//! opsconductor-service.

use std::error::Error as _;
use std::process::ExitCode;

use opsconductor_service::{Config, ServiceError};
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // The error and its causes; none holds a secret (a setting is
            // named, never its value).
            let mut line = format!("error: {err}");
            let mut source = err.source();
            while let Some(cause) = source {
                line.push_str(&format!(": {cause}"));
                source = cause.source();
            }
            eprintln!("{line}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), ServiceError> {
    let config = Config::from_env()?;
    opsconductor_actix::serve(&config).await
}

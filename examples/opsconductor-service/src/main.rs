//! `opsconductor-service`: serve the API (the default), create the first
//! administrator, rotate the encryption keys, or run the demo.

use std::io::{BufRead as _, IsTerminal as _};
use std::ops::ControlFlow;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use opsconductor_service::{Config, ServiceError, bootstrap_admin, rotate_keys, run_demo, serve};
use secrecy::SecretString;
use tracing_subscriber::EnvFilter;

/// The opsguard reference service: a small OpsConductor (users, machine
/// credentials, targets, jobs).
///
/// Settings come from environment variables (see the README), or from the
/// TOML file named by OPSGUARD_CONFIG.
#[derive(Debug, Parser)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API on OPSGUARD_BIND (the default command).
    Serve,
    /// Create the first administrator. The password is read from
    /// OPSGUARD_ADMIN_PASSWORD, or else from standard input (never from the
    /// command line, where other users and the shell history would see it).
    BootstrapAdmin {
        /// The administrator's username.
        username: String,
        /// The administrator's email address.
        #[arg(long)]
        email: Option<String>,
    },
    /// Re-encrypt every stored credential password under the primary
    /// encryption key, in batches. Safe to interrupt and run again.
    RotateKeys {
        /// Credentials per batch (one transaction each).
        #[arg(long, default_value_t = 100)]
        batch_size: u32,
    },
    /// Start a throwaway instance on a temporary database and walk the
    /// whole story over HTTP, printing each step.
    Demo,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve);
    // The demo prints its own story on stdout; only problems are logged.
    let default_filter = match command {
        Command::Demo => "warn",
        _ => "info",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter)),
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
    match runtime.block_on(run(command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {}", Chain(&err));
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> Result<(), ServiceError> {
    match command {
        Command::Serve => serve(&Config::from_env()?).await,
        Command::BootstrapAdmin { username, email } => {
            let config = Config::from_env()?;
            let password = admin_password()?;
            let id = bootstrap_admin(&config, &username, email.as_deref(), &password).await?;
            println!("administrator {username} created with id {id}");
            Ok(())
        }
        Command::RotateKeys { batch_size } => {
            let config = Config::from_env()?;
            let progress = rotate_keys(&config, batch_size, |progress| {
                println!(
                    "batch {}: up to credential {}: {} re-encrypted, {} already current, {} failed",
                    progress.batches,
                    progress.last_id,
                    progress.rewritten,
                    progress.current,
                    progress.failed
                );
                ControlFlow::Continue(())
            })
            .await?;
            println!(
                "done: {} re-encrypted, {} already current, {} failed",
                progress.rewritten, progress.current, progress.failed
            );
            match progress.failed {
                0 => Ok(()),
                failed => Err(ServiceError::RotationIncomplete { failed }),
            }
        }
        Command::Demo => {
            let dir = tempfile::tempdir().map_err(|source| ServiceError::Io {
                action: "create a temporary directory",
                source,
            })?;
            run_demo(dir.path(), &mut std::io::stdout()).await?;
            println!("\nall steps answered as expected");
            Ok(())
        }
    }
}

/// The new administrator's password: `OPSGUARD_ADMIN_PASSWORD`, or a line
/// of standard input (without echo when it is a terminal).
fn admin_password() -> Result<SecretString, ServiceError> {
    if let Ok(password) = std::env::var("OPSGUARD_ADMIN_PASSWORD") {
        return Ok(SecretString::from(password));
    }
    let io = |source| ServiceError::Io {
        action: "read the password from standard input",
        source,
    };
    if std::io::stdin().is_terminal() {
        return rpassword::prompt_password("password for the new administrator: ")
            .map(SecretString::from)
            .map_err(io);
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).map_err(io)?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    line.clear();
    Ok(SecretString::from(password))
}

/// An error and its causes, joined with `: `.
struct Chain<'a>(&'a ServiceError);

impl std::fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = std::error::Error::source(self.0);
        while let Some(cause) = source {
            write!(f, ": {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}

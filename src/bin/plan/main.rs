//! `plan`: upcoming rotation windows for people, JSON for programs, a check
//! mode for CI, and (with the `sqlite` feature) secrets and their rotation.
//! A thin front over the `rotaplan` library.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod check;
#[cfg(feature = "sqlite")]
mod secrets;
mod upcoming;

/// Plan and check AWS-style rotation schedules, and rotate secrets.
#[derive(Parser)]
#[command(name = "plan", version, about, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    upcoming: upcoming::Args,
}

#[derive(Subcommand)]
enum Command {
    /// Check the schedules and rotation rules in templates, Terraform files,
    /// lists or `--expr` (for CI): exit 0 if all are valid, 1 on a finding,
    /// 2 on usage or I/O errors or a file that does not parse.
    Check(check::Args),
    /// Create, read, list, delete and restore secrets.
    #[cfg(feature = "sqlite")]
    Secret {
        #[command(flatten)]
        store: secrets::StoreArgs,
        #[command(subcommand)]
        command: secrets::SecretCommand,
    },
    /// Rotate a secret now: createSecret, setSecret, testSecret, finishSecret.
    #[cfg(feature = "sqlite")]
    Rotate {
        /// The secret's name.
        name: String,
        /// Client request token; rerun with the same token to resume an
        /// interrupted rotation (default: a new one).
        #[arg(long)]
        token: Option<String>,
        #[command(flatten)]
        store: secrets::StoreArgs,
    },
    /// List secrets whose rotation window is open or overdue.
    #[cfg(feature = "sqlite")]
    Due {
        /// The instant to judge at, RFC 3339 (default: now).
        #[arg(long)]
        now: Option<chrono::DateTime<chrono::Utc>>,
        #[command(flatten)]
        store: secrets::StoreArgs,
    },
    /// Rotate every secret that is due; one failure does not stop the others.
    #[cfg(feature = "sqlite")]
    Run {
        /// The instant to judge at, RFC 3339 (default: now).
        #[arg(long)]
        now: Option<chrono::DateTime<chrono::Utc>>,
        #[command(flatten)]
        store: secrets::StoreArgs,
    },
    /// Master keys for the SQLite store.
    #[cfg(feature = "sqlite")]
    Key {
        #[command(subcommand)]
        command: secrets::KeyCommand,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Check(args)) => check::run(args),
        #[cfg(feature = "sqlite")]
        Some(Command::Secret { store, command }) => secrets::run(store, secrets::Command::Secret(command)),
        #[cfg(feature = "sqlite")]
        Some(Command::Rotate { name, token, store }) => secrets::run(store, secrets::Command::Rotate { name, token }),
        #[cfg(feature = "sqlite")]
        Some(Command::Due { now, store }) => secrets::run(store, secrets::Command::Due { now }),
        #[cfg(feature = "sqlite")]
        Some(Command::Run { now, store }) => secrets::run(store, secrets::Command::Run { now }),
        #[cfg(feature = "sqlite")]
        Some(Command::Key { command }) => secrets::key(command),
        None => upcoming::run(cli.upcoming),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}

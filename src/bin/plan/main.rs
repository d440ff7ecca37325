//! `plan`: upcoming rotation windows for people, JSON for programs, a check
//! mode for CI, and (with the `sqlite` feature) secrets and their rotation.
//! A thin front over the `rotaplan` library.

// Each store command's future is laid out once per store type; with every
// backend built in (`--all-features`) that nests deeper than the default 128.
#![recursion_limit = "256"]

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[cfg(feature = "sqlite")]
mod audit;
#[cfg(feature = "sqlite")]
mod calendar;
mod check;
#[cfg(feature = "sqlite")]
mod due;
#[cfg(feature = "sqlite")]
mod event;
mod explain;
#[cfg(feature = "sqlite")]
mod key;
#[cfg(feature = "sqlite")]
mod metrics;
mod pipe;
#[cfg(feature = "sqlite")]
mod rotate;
#[cfg(feature = "sqlite")]
mod run;
#[cfg(feature = "sqlite")]
mod secret;
#[cfg(feature = "sqlite")]
mod store;
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
    /// Explain an expression: in English, field by field, next occurrences, warnings.
    Explain(explain::Args),
    /// Create, read, list, delete and restore secrets.
    #[cfg(feature = "sqlite")]
    Secret(secret::Args),
    /// Rotate a secret now: createSecret, setSecret, testSecret, finishSecret.
    /// Skipped (exit 0) if another run is rotating it.
    #[cfg(feature = "sqlite")]
    Rotate(rotate::Args),
    /// List secrets whose rotation window is open or overdue.
    #[cfg(feature = "sqlite")]
    Due(due::Args),
    /// The upcoming rotation windows of every secret in the store, as an
    /// RFC 5545 iCalendar (one event per window) to subscribe to.
    #[cfg(feature = "sqlite")]
    Calendar(calendar::Args),
    /// Rotate every secret that is due; one failure does not stop the others.
    /// Secrets another run rotated or is rotating are reported as skipped.
    #[cfg(feature = "sqlite")]
    Run(run::Args),
    /// One compliance verdict per secret (rotation on, schedule within
    /// `--max-interval`, no missed window, not older than `--max-age`, not
    /// stuck, not failing, rotated at all): exit 0 if all comply, 1 on a
    /// finding, 2 on usage or store errors. `--format text|json|sarif`.
    #[cfg(feature = "sqlite")]
    Audit(audit::Args),
    /// Master keys for the SQLite store.
    #[cfg(feature = "sqlite")]
    Key(key::Args),
}

fn main() -> ExitCode {
    pipe::quiet_on_closed_pipe();
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Check(args)) => check::run(args),
        Some(Command::Explain(args)) => explain::run(args),
        #[cfg(feature = "sqlite")]
        Some(Command::Secret(args)) => secret::run(args),
        #[cfg(feature = "sqlite")]
        Some(Command::Rotate(args)) => rotate::run(args),
        #[cfg(feature = "sqlite")]
        Some(Command::Due(args)) => due::run(args),
        #[cfg(feature = "sqlite")]
        Some(Command::Calendar(args)) => calendar::run(args),
        #[cfg(feature = "sqlite")]
        Some(Command::Run(args)) => run::run(args),
        #[cfg(feature = "sqlite")]
        Some(Command::Audit(args)) => audit::run(args),
        #[cfg(feature = "sqlite")]
        Some(Command::Key(args)) => key::run(args),
        None => upcoming::run(cli.upcoming),
    };
    match result {
        Ok(code) => code,
        Err(err) if pipe::is_closed_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}

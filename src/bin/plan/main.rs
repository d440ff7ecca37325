//! `plan`: upcoming rotation windows for people, JSON for programs, a check
//! mode for CI, and (with the `sqlite` feature) secrets and their rotation.
//! A thin front over the `rotaplan` library.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod check;
mod explain;
#[cfg(feature = "sqlite")]
mod secrets;
mod upcoming;
#[cfg(feature = "sqlite")]
mod watch;

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
    Secret {
        #[command(flatten)]
        store: secrets::StoreArgs,
        #[command(subcommand)]
        command: secrets::SecretCommand,
    },
    /// Rotate a secret now: createSecret, setSecret, testSecret, finishSecret.
    /// Skipped (exit 0) if another run is rotating it.
    #[cfg(feature = "sqlite")]
    Rotate {
        /// The secret's name.
        name: String,
        /// Client request token; rerun with the same token to resume an
        /// interrupted rotation (default: a new one).
        #[arg(long, conflicts_with_all = ["resume", "cancel"])]
        token: Option<String>,
        /// Finish the pending rotation with its own token.
        #[arg(long, conflicts_with = "cancel")]
        resume: bool,
        /// Cancel the pending rotation: AWSPENDING leaves its version, which
        /// stays as a deprecated version; AWSCURRENT is untouched.
        #[arg(long)]
        cancel: bool,
        #[command(flatten)]
        exec: secrets::ExecArgs,
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
    /// The upcoming rotation windows of every secret in the store, as an
    /// RFC 5545 iCalendar (one event per window) to subscribe to.
    #[cfg(feature = "sqlite")]
    Calendar {
        /// How many upcoming windows per secret.
        #[arg(short = 'n', default_value_t = 5)]
        count: usize,
        /// The instant to plan from, RFC 3339 (default: now).
        #[arg(long)]
        from: Option<chrono::DateTime<chrono::Utc>>,
        #[command(flatten)]
        store: secrets::StoreArgs,
    },
    /// Rotate every secret that is due; one failure does not stop the others.
    /// Secrets another run rotated or is rotating are reported as skipped.
    #[cfg(feature = "sqlite")]
    Run {
        /// The instant to judge at, RFC 3339 (default: now).
        #[arg(long, conflicts_with = "watch")]
        now: Option<chrono::DateTime<chrono::Utc>>,
        /// Keep running: sleep until the next window opens, rotate what is
        /// due, repeat. SIGTERM or SIGINT lets the rotation in progress
        /// finish, then exits 0.
        #[arg(long)]
        watch: bool,
        #[command(flatten)]
        exec: secrets::ExecArgs,
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
    quiet_on_closed_pipe();
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Check(args)) => check::run(args),
        Some(Command::Explain(args)) => explain::run(args),
        #[cfg(feature = "sqlite")]
        Some(Command::Secret { store, command }) => secrets::run(store, secrets::Command::Secret(command)),
        #[cfg(feature = "sqlite")]
        Some(Command::Rotate {
            name,
            token,
            resume,
            cancel,
            exec,
            store,
        }) => secrets::run(
            store,
            secrets::Command::Rotate {
                name,
                token,
                resume,
                cancel,
                exec,
            },
        ),
        #[cfg(feature = "sqlite")]
        Some(Command::Due { now, store }) => secrets::run(store, secrets::Command::Due { now }),
        #[cfg(feature = "sqlite")]
        Some(Command::Calendar { count, from, store }) => {
            secrets::run(store, secrets::Command::Calendar { count, from })
        }
        #[cfg(feature = "sqlite")]
        Some(Command::Run {
            now,
            watch,
            exec,
            store,
        }) => secrets::run(store, secrets::Command::Run { now, watch, exec }),
        #[cfg(feature = "sqlite")]
        Some(Command::Key { command }) => secrets::key(command),
        None => upcoming::run(cli.upcoming),
    };
    match result {
        Ok(code) => code,
        Err(err) if is_closed_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}

/// `plan … | head` closes our standard output early; that is the reader's
/// choice, not an error. Every command writes with `println!`, which panics
/// on a closed pipe, so the panic hook turns exactly that panic into a quiet
/// exit (as ripgrep does, status 0). SIGPIPE stays ignored, as Rust sets
/// it: a target program that exits without reading its input must not kill
/// us.
fn quiet_on_closed_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let msg = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if msg.starts_with("failed printing to std") && msg.contains("Broken pipe") {
            std::process::exit(0);
        }
        default(info);
    }));
}

/// Whether `err` comes from writing to a closed pipe.
pub(crate) fn is_closed_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

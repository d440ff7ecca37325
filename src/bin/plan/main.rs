//! `plan`: upcoming rotation windows for people, JSON for programs, and a
//! check mode for CI. A thin front over the `rotaplan` library.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod check;
mod upcoming;

/// Plan and check AWS-style rotation schedules.
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
    /// Validate schedule expressions (for CI): exit 0 if all are valid, 1 if
    /// any is invalid, 2 on usage or I/O errors.
    Check(check::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Check(args)) => check::run(args),
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

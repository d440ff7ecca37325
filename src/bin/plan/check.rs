//! `plan check`: validate expressions for CI.

use std::process::ExitCode;

/// Arguments of `plan check`.
#[derive(clap::Args)]
pub struct Args {
    /// An expression to check (repeatable).
    #[arg(long = "expr")]
    exprs: Vec<String>,
}

pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not yet")
}

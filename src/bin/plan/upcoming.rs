//! `plan EXPR ...`: the upcoming rotation windows of one expression.

use std::process::ExitCode;

/// Arguments of the default command.
#[derive(clap::Args)]
pub struct Args {
    /// The schedule expression, e.g. `cron(0 16 ? * SUN#2 *)`.
    expr: Option<String>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.expr {
        None => anyhow::bail!("no expression given; try `plan --help`"),
        Some(_) => anyhow::bail!("planning windows is not available yet"),
    }
}

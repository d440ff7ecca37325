//! `plan key ...`: master keys for the SQLite store (no store involved).

use std::path::PathBuf;
use std::process::ExitCode;

use rotaplan::store::MasterKey;

use crate::store::plain;

/// Arguments of `plan key`.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

/// `plan key ...`.
#[derive(clap::Subcommand)]
enum Command {
    /// Write a new random master key to PATH (created 0600; refuses to
    /// overwrite).
    Generate {
        /// Where to write the key.
        path: PathBuf,
    },
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        Command::Generate { path } => {
            let key = MasterKey::generate().map_err(plain)?;
            key.write_new_file(&path).map_err(plain)?;
            println!("wrote a new master key to {}", path.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}

//! `plan key ...`: master keys for the SQLite store: make one, tell whether
//! one opens a store, move a store to a new one.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::bail;
use rotaplan::store::{MasterKey, SqliteStore};

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
    /// Tell whether the key opens the store: exit 0 if it does, 1 if the
    /// store was made with another key, 2 on other errors.
    Check {
        #[command(flatten)]
        file: StoreFile,
    },
    /// Re-encrypt every value of the store under the key in
    /// `--new-key-file`, in one transaction (a crash leaves the store
    /// entirely under the old key or the new one). Neither key is written
    /// anywhere; keep the new key file, then retire the old one.
    Rotate {
        #[command(flatten)]
        file: StoreFile,
        /// The new key (made with `plan key generate`; mode 0600).
        #[arg(long, value_name = "PATH")]
        new_key_file: PathBuf,
    },
}

/// A SQLite store file and the key it is opened with.
#[derive(clap::Args)]
struct StoreFile {
    /// The store, `sqlite:PATH`.
    #[arg(long, env = "ROTAPLAN_STORE", default_value = "sqlite:rotaplan.sqlite")]
    store: String,
    /// Its master key file; without it, `ROTAPLAN_MASTER_KEY` (hex).
    #[arg(long, env = "ROTAPLAN_KEY_FILE")]
    key_file: Option<PathBuf>,
}

impl StoreFile {
    fn path(&self) -> anyhow::Result<&str> {
        match self.store.split_once(':') {
            Some(("sqlite", path)) if !path.is_empty() => Ok(path),
            _ => bail!("`{}` is not a SQLite store; expected `sqlite:PATH`", self.store),
        }
    }

    fn key(&self) -> anyhow::Result<MasterKey> {
        match &self.key_file {
            Some(file) => MasterKey::from_file(file),
            None => MasterKey::from_env(),
        }
        .map_err(plain)
    }
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        Command::Generate { path } => {
            let key = MasterKey::generate().map_err(plain)?;
            key.write_new_file(&path).map_err(plain)?;
            println!("wrote a new master key to {}", path.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Check { file } => {
            let path = file.path()?;
            match SqliteStore::open_existing(path, file.key()?) {
                Ok(_) => {
                    println!("the key opens {path}");
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) if e.is_key() => {
                    println!("the key does not open {path}: {e}");
                    Ok(ExitCode::from(1))
                }
                Err(e) => Err(plain(e)),
            }
        }
        Command::Rotate { file, new_key_file } => {
            let path = file.path()?;
            let old = file.key()?;
            let new = MasterKey::from_file(&new_key_file).map_err(plain)?;
            let n = SqliteStore::rekey(path, old, &new).map_err(plain)?;
            println!(
                "re-encrypted {n} values of {path} under the key in {}; open it with that key from now on",
                new_key_file.display()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

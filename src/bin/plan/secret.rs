//! `plan secret ...`: create, change, read, list, delete and restore secrets.

use std::io::Read;
use std::process::ExitCode;

use anyhow::{bail, Context};
use rotaplan::store::{
    Deletion, PasswordPolicy, RotationConfig, SecretId, SecretStore, SecretValue, Stage, Strategy, TargetSpec, Token,
    VersionRef,
};
use rotaplan::{RotationRules, Schedule, WindowDuration};

use crate::store::{self, plain, ts, Format, StoreArgs, StoreCommand};

mod history;
mod show;

/// Arguments of `plan secret`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    store: StoreArgs,
    #[command(subcommand)]
    command: Command,
}

/// `plan secret ...`.
#[derive(clap::Subcommand)]
enum Command {
    /// Create a secret, with a first value and rotation rules.
    Create {
        /// The secret's name, e.g. `db/main`.
        name: String,
        #[command(flatten)]
        value: ValueArgs,
        /// Rotation schedule, e.g. `rate(30 days)` (none: no rotation).
        #[arg(long)]
        schedule: Option<String>,
        /// Rotation window length, `Nh` (default: the schedule's default).
        #[arg(long, requires = "schedule")]
        duration: Option<String>,
        /// `single-user` or `alternating-users`.
        #[arg(long, default_value = "single-user", requires = "schedule")]
        strategy: String,
        /// What the password belongs to: `noop`, `command:PROG`, `postgres` or `mysql`.
        #[arg(long, default_value = "noop", requires = "schedule")]
        target: String,
    },
    /// Put a new value; it becomes AWSCURRENT unless `--stage` says otherwise.
    Put {
        /// The secret's name.
        name: String,
        #[command(flatten)]
        value: ValueArgs,
        /// Client request token (default: a new one). Reusing one with the
        /// same value does nothing; with another value it fails.
        #[arg(long)]
        token: Option<String>,
        /// Stages to attach instead of AWSCURRENT (repeatable).
        #[arg(long = "stage")]
        stages: Vec<String>,
    },
    /// Show a version's metadata; its value only with `--show`.
    Get {
        /// The secret's name.
        name: String,
        /// The stage to read (default AWSCURRENT).
        #[arg(long, conflicts_with = "version_id")]
        stage: Option<String>,
        /// The version id to read.
        #[arg(long)]
        version_id: Option<String>,
        /// Print the secret value on standard output.
        #[arg(long)]
        show: bool,
    },
    /// Show versions and stages, rotation rules, last rotation and the next
    /// windows.
    Describe {
        /// The secret's name.
        name: String,
        /// How many upcoming windows to list.
        #[arg(short = 'n', default_value_t = 3)]
        count: usize,
    },
    /// List secrets.
    List,
    /// Show a secret's rotation attempts, newest first (outcome, step and
    /// error of each).
    History {
        /// The secret's name.
        name: String,
        /// How many attempts to list.
        #[arg(short = 'n', default_value_t = 20)]
        count: usize,
    },
    /// Change a secret's rotation rules (checked before they are stored).
    Update {
        /// The secret's name.
        name: String,
        /// New rotation schedule, e.g. `rate(30 days)`.
        #[arg(long, conflicts_with = "no_rotation")]
        schedule: Option<String>,
        /// Turn rotation off.
        #[arg(long)]
        no_rotation: bool,
        /// Rotation window length, `Nh`.
        #[arg(long, conflicts_with = "no_rotation")]
        duration: Option<String>,
        /// `single-user` or `alternating-users`.
        #[arg(long, conflicts_with = "no_rotation")]
        strategy: Option<String>,
        /// `noop`, `command:PROG` or `postgres`.
        #[arg(long, conflicts_with = "no_rotation")]
        target: Option<String>,
    },
    /// Schedule a secret's deletion (or delete it at once with `--force`).
    Delete {
        /// The secret's name.
        name: String,
        /// Days before the secret is gone, 7 to 30.
        #[arg(long, default_value_t = 30, conflicts_with = "force")]
        recovery_window_days: u32,
        /// Delete now, without recovery.
        #[arg(long)]
        force: bool,
    },
    /// Cancel a scheduled deletion.
    Restore {
        /// The secret's name.
        name: String,
    },
}

/// Where a new value comes from.
#[derive(clap::Args)]
struct ValueArgs {
    /// Read the value from a file (`-` for standard input), so it never
    /// shows in the process list.
    #[arg(long, value_name = "PATH", conflicts_with = "generate")]
    value_file: Option<String>,
    /// Generate a random password instead.
    #[arg(long)]
    generate: bool,
    /// Length of a generated password.
    #[arg(long, default_value_t = 32, requires = "generate")]
    length: usize,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    store::run(args.store, args.command)
}

fn read_value(v: &ValueArgs) -> anyhow::Result<Option<SecretValue>> {
    if v.generate {
        let policy = PasswordPolicy::default().length(v.length);
        return Ok(Some(policy.generate().map_err(plain)?));
    }
    let Some(path) = &v.value_file else { return Ok(None) };
    let mut bytes = Vec::new();
    if path == "-" {
        std::io::stdin()
            .read_to_end(&mut bytes)
            .context("reading the value from standard input")?;
    } else {
        bytes = std::fs::read(path).with_context(|| format!("reading the value from {path}"))?;
    }
    // A trailing newline from `echo` or an editor is not part of the secret.
    if bytes.ends_with(b"\n") {
        bytes.pop();
        if bytes.ends_with(b"\r") {
            bytes.pop();
        }
    }
    Ok(Some(match String::from_utf8(bytes) {
        Ok(s) => SecretValue::text(s),
        Err(e) => SecretValue::binary(e.into_bytes()),
    }))
}

impl StoreCommand for Command {
    fn creates_store(&self) -> bool {
        matches!(self, Command::Create { .. })
    }

    async fn execute<S: SecretStore + Clone + 'static>(self, store: &S, format: Format) -> anyhow::Result<ExitCode> {
        match self {
            Command::Create {
                name,
                value,
                schedule,
                duration,
                strategy,
                target,
            } => {
                let id = SecretId::new(name).map_err(plain)?;
                let rotation = match schedule {
                    None => None,
                    Some(schedule) => {
                        // Refuse a bad schedule now, with its diagnostic, rather
                        // than at the first `plan due`.
                        let parsed =
                            Schedule::parse(&schedule).map_err(|e| anyhow::anyhow!("schedule `{schedule}`: {e}"))?;
                        let window = duration.as_deref().map(str::parse::<WindowDuration>).transpose()?;
                        RotationRules::new(parsed, window)?;
                        let mut config = RotationConfig::new(schedule)
                            .with_strategy(strategy.parse::<Strategy>().map_err(plain)?)
                            .with_target(target.parse::<TargetSpec>().map_err(plain)?);
                        if let Some(d) = duration {
                            config = config.with_duration(d);
                        }
                        Some(config)
                    }
                };
                let value = read_value(&value)?;
                if let Some(config) = &rotation {
                    config.check(value.as_ref()).map_err(plain)?;
                }
                let token = Token::generate();
                let d = store
                    .create(&id, value.as_ref().map(|v| (&token, v)), rotation.as_ref())
                    .await
                    .map_err(plain)?;
                println!("created {}", d.id);
                Ok(ExitCode::SUCCESS)
            }
            Command::Put {
                name,
                value,
                token,
                stages,
            } => {
                let id = SecretId::new(name).map_err(plain)?;
                let Some(value) = read_value(&value)? else {
                    bail!("no value given; use `--value-file PATH` (`-` for standard input) or `--generate`");
                };
                let token = match token {
                    Some(t) => Token::new(t).map_err(plain)?,
                    None => Token::generate(),
                };
                let stages = stages
                    .into_iter()
                    .map(Stage::new)
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(plain)?;
                let stages = (!stages.is_empty()).then_some(stages.as_slice());
                let outcome = store.put_value(&id, &token, &value, stages).await.map_err(plain)?;
                let what = if outcome.created {
                    "put"
                } else {
                    "unchanged (same token and value)"
                };
                println!("{what}: version {} of {id}", outcome.version);
                Ok(ExitCode::SUCCESS)
            }
            Command::Get {
                name,
                stage,
                version_id,
                show,
            } => show::get(store, name, stage, version_id, show, format).await,
            Command::Describe { name, count } => show::describe(store, name, count, format).await,
            Command::List => show::list(store, format).await,
            Command::History { name, count } => history::history(store, name, count, format).await,
            Command::Delete {
                name,
                recovery_window_days,
                force,
            } => {
                let id = SecretId::new(name).map_err(plain)?;
                let how = if force {
                    Deletion::Force
                } else {
                    Deletion::RecoveryWindow {
                        days: recovery_window_days,
                    }
                };
                let when = store.delete(&id, how).await.map_err(plain)?;
                if force {
                    println!("deleted {id}");
                } else {
                    println!(
                        "{id} will be deleted on {}; `plan secret restore {id}` cancels",
                        ts(when)
                    );
                }
                Ok(ExitCode::SUCCESS)
            }
            Command::Update {
                name,
                schedule,
                no_rotation,
                duration,
                strategy,
                target,
            } => {
                let id = SecretId::new(name).map_err(plain)?;
                let d = store.describe(&id).await.map_err(plain)?;
                let rotation = if no_rotation {
                    None
                } else {
                    let mut config = match (d.rotation.clone(), schedule) {
                        (_, Some(s)) => {
                            let old = d.rotation.clone();
                            let mut c = RotationConfig::new(s);
                            if let Some(old) = old {
                                c = c.with_strategy(old.strategy).with_target(old.target);
                                c.duration = old.duration;
                            }
                            c
                        }
                        (Some(c), None) => c,
                        (None, None) => bail!("secret `{id}` has no rotation; give `--schedule` to turn it on"),
                    };
                    if let Some(d) = duration {
                        config = config.with_duration(d);
                    }
                    if let Some(s) = strategy {
                        config = config.with_strategy(s.parse::<Strategy>().map_err(plain)?);
                    }
                    if let Some(t) = target {
                        config = config.with_target(t.parse::<TargetSpec>().map_err(plain)?);
                    }
                    let needs_value = config.strategy == Strategy::AlternatingUsers;
                    let value = if needs_value {
                        Some(store.get_value(&id, &VersionRef::current()).await.map_err(plain)?.value)
                    } else {
                        None
                    };
                    config.check(value.as_ref()).map_err(plain)?;
                    Some(config)
                };
                store.set_rotation(&id, rotation.as_ref()).await.map_err(plain)?;
                match &rotation {
                    Some(r) => println!(
                        "updated {id}: rotation {} ({}, {}, target {})",
                        r.schedule,
                        r.duration.as_deref().unwrap_or("default window"),
                        r.strategy,
                        r.target
                    ),
                    None => println!("updated {id}: rotation off"),
                }
                Ok(ExitCode::SUCCESS)
            }
            Command::Restore { name } => {
                let id = SecretId::new(name).map_err(plain)?;
                store.restore(&id).await.map_err(plain)?;
                println!("restored {id}");
                Ok(ExitCode::SUCCESS)
            }
        }
    }
}

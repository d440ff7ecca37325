//! What the rotation commands (`secret`, `rotate`, `due`, `calendar`, `run`)
//! share: the store options and opening the store they name, the rotation
//! options and the rotator built from them, and the output helpers.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use chrono::{DateTime, SecondsFormat, Utc};
use rotaplan::rotate::{RotationOutcome, Rotator};
use rotaplan::store::{MasterKey, RotationConfig, SecretStore, SqliteStore, VersionId};
use rotaplan::target::SpecTarget;
use rotaplan::{RotationRules, Schedule, WindowDuration};

use crate::pipe::is_closed_pipe;

/// Where secrets live, shared by every rotation command.
#[derive(clap::Args, Clone)]
pub struct StoreArgs {
    /// The store: `sqlite:PATH` (the default, `sqlite:rotaplan.sqlite` in the
    /// current directory) or `aws[:REGION]`.
    #[arg(
        long,
        global = true,
        env = "ROTAPLAN_STORE",
        default_value = "sqlite:rotaplan.sqlite"
    )]
    store: String,
    /// The SQLite store's master key file (32 bytes, raw or hex), made with
    /// `plan key generate`. Without it, `ROTAPLAN_MASTER_KEY` (hex) is used.
    #[arg(long, global = true, env = "ROTAPLAN_KEY_FILE")]
    key_file: Option<PathBuf>,
    /// Endpoint URL for `--store aws` (a local test server, say).
    #[arg(long, global = true, env = "ROTAPLAN_ENDPOINT_URL")]
    endpoint_url: Option<String>,
    /// At most this many writes a second to `--store aws` (a token bucket
    /// shared by every rotation of the run; 0 for no limit).
    #[arg(long, global = true, env = "ROTAPLAN_MAX_WRITES_PER_SECOND", default_value_t = 40.0)]
    max_writes_per_second: f64,
    /// Output format of `secret get|describe|list|history`, `due`, `run`,
    /// `rotate` and `audit`: `text` or `json` (`audit` also `sarif`).
    #[arg(
        long = "format",
        id = "output_format",
        global = true,
        value_enum,
        default_value = "text"
    )]
    format: Format,
}

/// How results are printed.
#[derive(clap::ValueEnum, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// For people.
    Text,
    /// One JSON document on standard output.
    Json,
    /// A SARIF 2.1.0 log (`plan audit` only).
    Sarif,
}

/// How rotations run: `plan rotate` and `plan run`.
#[derive(clap::Args, Clone)]
pub struct ExecArgs {
    /// Time-out of each rotation step, e.g. `30s`, `2m` (default 30s). A
    /// step that runs over it is stopped (a command target is killed) and
    /// the rotation is retried.
    #[arg(long, value_parser = parse_secs, default_value = "30s")]
    step_timeout: std::time::Duration,
    /// Retries of a rotation that failed transiently (a time-out, a store
    /// hiccup), with the same token; 0 for none (default 2).
    #[arg(long, default_value_t = 2)]
    retries: u32,
    /// Pass this variable of ours to `command:` targets (repeatable). Their
    /// environment is otherwise only `PATH` and the `ROTAPLAN_*` step
    /// variables: never the master key, key file or AWS credentials.
    #[arg(long = "target-env", value_name = "NAME")]
    target_env: Vec<String>,
    /// Run PROG once per rotation event (started, succeeded, failed,
    /// abandoned) with the event as one JSON object on its standard input,
    /// in the environment of a `command:` target (`--target-env` included).
    /// Its failure or time-out (10s) is a warning; it never holds up or
    /// changes a rotation.
    #[arg(long, value_name = "PROG")]
    on_event: Option<PathBuf>,
}

impl ExecArgs {
    /// The `--on-event` queue, if asked for.
    pub fn events(&self) -> Option<crate::event::Events> {
        let prog = self.on_event.clone()?;
        Some(crate::event::Events::start(prog, self.target_env.clone()))
    }
}

fn parse_secs(s: &str) -> Result<std::time::Duration, String> {
    let (n, unit) = match s.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => s.split_at(i),
        None => (s, "s"),
    };
    let n: u64 = n
        .parse()
        .map_err(|_| format!("`{s}` is not a duration like 30s or 2m"))?;
    let secs = match unit {
        "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        _ => return Err(format!("`{s}`: unknown unit `{unit}` (use s, m or h)")),
    };
    if secs == 0 {
        return Err("the time-out must be at least 1s".into());
    }
    Ok(std::time::Duration::from_secs(secs))
}

/// A command run against a store. The stores are different types, one per
/// backend, so the command is generic over the store rather than given a
/// trait object.
pub trait StoreCommand {
    /// Only `secret create` makes a new store: anywhere else a missing file
    /// is a wrong path, not an empty store.
    fn creates_store(&self) -> bool {
        false
    }

    /// The `--format`s the command prints.
    fn formats(&self) -> &'static [Format] {
        &[Format::Text, Format::Json]
    }

    async fn execute<S: SecretStore + Clone + 'static>(self, store: &S, format: Format) -> anyhow::Result<ExitCode>;
}

/// Runs a rotation command against the store `args` names. Store set-up
/// problems are errors (exit 2); a failed operation prints one line and
/// exits 1.
pub fn run(args: StoreArgs, cmd: impl StoreCommand) -> anyhow::Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    if !cmd.formats().contains(&args.format) {
        bail!("this command has no `--format sarif`; use `text` or `json`");
    }
    rt.block_on(async {
        let outcome = match args.store.split_once(':').unwrap_or((&args.store, "")) {
            ("sqlite", path) => {
                let path = if path.is_empty() { "rotaplan.sqlite" } else { path };
                let key = match &args.key_file {
                    Some(file) => MasterKey::from_file(file),
                    None => MasterKey::from_env(),
                }
                .map_err(|e| {
                    anyhow::anyhow!("{e}\n(create a key with `plan key generate FILE` and pass `--key-file FILE`)")
                })?;
                let store = if cmd.creates_store() {
                    SqliteStore::open(path, key)
                } else {
                    SqliteStore::open_existing(path, key)
                }
                .map_err(plain)?;
                cmd.execute(&store, args.format).await
            }
            #[cfg(feature = "aws")]
            ("aws", region) => {
                let region = (!region.is_empty()).then(|| region.to_string());
                let store = rotaplan::store::AwsSecretsManager::connect(region, args.endpoint_url.clone())
                    .await
                    .max_writes_per_second(args.max_writes_per_second);
                cmd.execute(&store, args.format).await
            }
            #[cfg(not(feature = "aws"))]
            ("aws", _) => bail!("this build has no AWS support; rebuild with `--features aws`"),
            _ => bail!(
                "unknown store `{}`; expected `sqlite:PATH` or `aws[:REGION]`",
                args.store
            ),
        };
        Ok(match outcome {
            Ok(code) => code,
            Err(e) if is_closed_pipe(&e) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(1)
            }
        })
    })
}

/// Our errors print their whole cause chain already; keep anyhow from
/// printing it twice.
pub fn plain(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

/// The target each secret's rotation config names; `postgres` and `mysql` read
/// AWSPREVIOUS and the `masterarn` secret from the same store.
pub fn target<S: SecretStore + Clone + 'static>(store: &S, exec: Option<&ExecArgs>) -> SpecTarget {
    let mut target = SpecTarget::default();
    if let Some(exec) = exec {
        target = target.command_timeout(exec.step_timeout);
        for name in &exec.target_env {
            target = target.pass_env(name);
        }
    }
    #[cfg(feature = "postgres")]
    let target = target.postgres(
        rotaplan::target::PostgresRole::new()
            .previous_from(store.clone())
            .master_from(store.clone()),
    );
    #[cfg(feature = "mysql")]
    let target = target.mysql(
        rotaplan::target::MysqlUser::new()
            .previous_from(store.clone())
            .master_from(store.clone()),
    );
    #[cfg(not(any(feature = "postgres", feature = "mysql")))]
    let _ = store;
    target
}

/// A rotator set up as `exec` says, telling stderr about each retry.
pub fn rotator<S: SecretStore + Clone + 'static>(store: &S, exec: &ExecArgs) -> Rotator<S, SpecTarget> {
    Rotator::new(store.clone(), target(store, Some(exec)))
        .step_timeout(exec.step_timeout)
        .retry(rotaplan::rotate::RetryPolicy::new(exec.retries.saturating_add(1)))
        .on_retry(|id, attempt, err| {
            let what = if err.is_timeout() { "timed out" } else { "failed" };
            eprintln!("warning: {id}: attempt {attempt} {what}: {err}; retrying");
        })
}

pub fn print_json(v: &serde_json::Value) -> anyhow::Result<()> {
    use std::io::Write;
    // Rendered first, so a closed pipe surfaces as the io::Error it is.
    let mut text = serde_json::to_vec_pretty(v)?;
    text.push(b'\n');
    std::io::stdout().lock().write_all(&text)?;
    Ok(())
}

pub fn outcome_json(o: &RotationOutcome) -> serde_json::Value {
    serde_json::json!({
        "secret": o.secret.as_str(),
        "version": o.version.as_str(),
        "previous": o.previous.as_ref().map(VersionId::as_str),
        "attempts": o.attempts,
    })
}

pub fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A secret's stored rules as the planner's, if they are (still) valid.
pub fn rules_of(r: &RotationConfig) -> Option<RotationRules> {
    let schedule = Schedule::parse(&r.schedule).ok()?;
    let window = r.duration.as_deref().and_then(|w| w.parse::<WindowDuration>().ok());
    RotationRules::new(schedule, window).ok()
}

/// The windows after `now`, counted from the last rotation when there was
/// one (a `rate(...)` schedule runs from it).
pub fn upcoming(
    rules: &RotationRules,
    last_rotated: Option<DateTime<Utc>>,
    now: &DateTime<Utc>,
) -> rotaplan::plan::Windows<Utc> {
    match last_rotated {
        Some(last) => rules.windows_after_rotation(&last, now),
        None => rules.windows_after(now),
    }
}

//! `plan secret ...`, `plan rotate`, `plan due`, `plan run`, `plan key`:
//! the rotation side of the library, over a store chosen with `--store`.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use chrono::{DateTime, SecondsFormat, Utc};
use rotaplan::plan::{Event, IcsWriter};
use rotaplan::rotate::{Attempt, RotationOutcome, Rotator, RunSummary};
use rotaplan::store::{
    Deletion, Description, MasterKey, PasswordPolicy, RotationConfig, SecretId, SecretStore, SecretValue, SqliteStore,
    Stage, Strategy, TargetSpec, Token, VersionId, VersionRef,
};
use rotaplan::target::SpecTarget;
use rotaplan::{RotationRules, Schedule, WindowDuration};

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
    /// Output format of `secret get|describe|list`, `due`, `run` and
    /// `rotate`: `text` or `json`.
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

/// `plan secret ...`.
#[derive(clap::Subcommand)]
pub enum SecretCommand {
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
pub struct ValueArgs {
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

/// `plan key ...`.
#[derive(clap::Subcommand)]
pub enum KeyCommand {
    /// Write a new random master key to PATH (created 0600; refuses to
    /// overwrite).
    Generate {
        /// Where to write the key.
        path: PathBuf,
    },
}

/// The rotation commands.
pub enum Command {
    Secret(SecretCommand),
    Rotate {
        name: String,
        token: Option<String>,
        resume: bool,
        cancel: bool,
        exec: ExecArgs,
    },
    Due {
        now: Option<DateTime<Utc>>,
    },
    Calendar {
        count: usize,
        from: Option<DateTime<Utc>>,
    },
    Run {
        now: Option<DateTime<Utc>>,
        watch: bool,
        exec: ExecArgs,
    },
}

/// Runs a key command (no store involved).
pub fn key(cmd: KeyCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        KeyCommand::Generate { path } => {
            let key = MasterKey::generate().map_err(plain)?;
            key.write_new_file(&path).map_err(plain)?;
            println!("wrote a new master key to {}", path.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Our errors print their whole cause chain already; keep anyhow from
/// printing it twice.
fn plain(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

/// Runs a rotation command against the store `args` names. Store set-up
/// problems are errors (exit 2); a failed operation prints one line and
/// exits 1.
pub fn run(args: StoreArgs, cmd: Command) -> anyhow::Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
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
                // Only `secret create` makes a new store: anywhere else a
                // missing file is a wrong path, not an empty store.
                let creates = matches!(cmd, Command::Secret(SecretCommand::Create { .. }));
                let store = if creates {
                    SqliteStore::open(path, key)
                } else {
                    SqliteStore::open_existing(path, key)
                }
                .map_err(plain)?;
                execute(&store, cmd, args.format).await
            }
            #[cfg(feature = "aws")]
            ("aws", region) => {
                let region = (!region.is_empty()).then(|| region.to_string());
                let store = rotaplan::store::AwsSecretsManager::connect(region, args.endpoint_url.clone()).await;
                execute(&store, cmd, args.format).await
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
            Err(e) if crate::is_closed_pipe(&e) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(1)
            }
        })
    })
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

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The target each secret's rotation config names; `postgres` and `mysql` read
/// AWSPREVIOUS and the `masterarn` secret from the same store.
fn target<S: SecretStore + Clone + 'static>(store: &S, exec: Option<&ExecArgs>) -> SpecTarget {
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
fn rotator<S: SecretStore + Clone + 'static>(store: &S, exec: &ExecArgs) -> Rotator<S, SpecTarget> {
    Rotator::new(store.clone(), target(store, Some(exec)))
        .step_timeout(exec.step_timeout)
        .retry(rotaplan::rotate::RetryPolicy::new(exec.retries.saturating_add(1)))
        .on_retry(|id, attempt, err| {
            let what = if err.is_timeout() { "timed out" } else { "failed" };
            eprintln!("warning: {id}: attempt {attempt} {what}: {err}; retrying");
        })
}

fn print_json(v: &serde_json::Value) -> anyhow::Result<()> {
    use std::io::Write;
    // Rendered first, so a closed pipe surfaces as the io::Error it is.
    let mut text = serde_json::to_vec_pretty(v)?;
    text.push(b'\n');
    std::io::stdout().lock().write_all(&text)?;
    Ok(())
}

fn outcome_json(o: &RotationOutcome) -> serde_json::Value {
    serde_json::json!({
        "secret": o.secret.as_str(),
        "version": o.version.as_str(),
        "previous": o.previous.as_ref().map(VersionId::as_str),
        "attempts": o.attempts,
    })
}

async fn execute<S: SecretStore + Clone + 'static>(
    store: &S,
    cmd: Command,
    format: Format,
) -> anyhow::Result<ExitCode> {
    match cmd {
        Command::Secret(cmd) => secret(store, cmd, format).await,
        Command::Rotate {
            name,
            token,
            resume,
            cancel,
            exec,
        } => {
            let id = SecretId::new(name).map_err(plain)?;
            let rotator = rotator(store, &exec);
            if cancel {
                let version = rotator.cancel(&id).await.map_err(plain)?;
                if format == Format::Json {
                    print_json(&serde_json::json!({"secret": id.as_str(), "cancelled": version.as_str()}))?;
                } else {
                    println!("cancelled the rotation of {id}: version {version} is deprecated; AWSCURRENT unchanged");
                }
                return Ok(ExitCode::SUCCESS);
            }
            let attempt = match token {
                Some(t) => Attempt::Rotated(
                    rotator
                        .rotate(&id, &Token::new(t).map_err(plain)?)
                        .await
                        .map_err(plain)?,
                ),
                None if resume => rotator.resume(&id).await.map_err(plain)?,
                None => rotator.rotate_exclusive(&id).await.map_err(plain)?,
            };
            match (&attempt, format) {
                (Attempt::Rotated(o), Format::Json) => print_json(&outcome_json(o))?,
                (Attempt::Rotated(o), Format::Text) => {
                    let previous = o.previous.as_ref().map_or("none".into(), VersionId::to_string);
                    println!(
                        "rotated {}: AWSCURRENT is now version {} (AWSPREVIOUS: {previous})",
                        id, o.version
                    );
                }
                (Attempt::Skipped(skip), Format::Json) => {
                    print_json(&serde_json::json!({"secret": id.as_str(), "skipped": skip.to_string()}))?
                }
                (Attempt::Skipped(skip), Format::Text) => println!("skipped {id}: {skip}"),
                _ => {}
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Calendar { count, from } => {
            let now = Utc::now();
            let from = from.unwrap_or(now);
            let mut out = std::io::stdout().lock();
            let mut ics = IcsWriter::utc(&mut out, "rotaplan rotation windows", &now)?;
            for d in store.list().await.map_err(plain)? {
                let (Some(r), None) = (&d.rotation, d.deletion_date) else {
                    continue;
                };
                let Some(rules) = rules_of(r) else { continue };
                let key = format!("{} {}", d.id, r.schedule);
                let summary = format!("Rotate {}", d.id);
                let description = format!("{}: {}", r.schedule, rules.schedule().describe());
                for w in upcoming(&rules, d.last_rotated, &from).take(count) {
                    ics.event(&Event::new(&key, &summary, &w).description(&description))?;
                }
            }
            ics.finish()?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Due { now } => {
            let now = now.unwrap_or_else(Utc::now);
            let report = Rotator::new(store, target(store, None)).due(now).await.map_err(plain)?;
            if format == Format::Json {
                let due: Vec<_> = report
                    .due
                    .iter()
                    .map(|d| {
                        serde_json::json!({
                            "secret": d.id.as_str(), "start": ts(d.start), "end": ts(d.end), "overdue": d.overdue,
                        })
                    })
                    .collect();
                let errors: Vec<_> = report
                    .errors
                    .iter()
                    .map(|(id, e)| serde_json::json!({"secret": id.as_str(), "error": e.to_string()}))
                    .collect();
                print_json(&serde_json::json!({"now": ts(now), "due": due, "errors": errors}))?;
            } else {
                for d in &report.due {
                    let state = if d.overdue { "overdue" } else { "open" };
                    println!("{}\t{state}\t{} .. {}", d.id, ts(d.start), ts(d.end));
                }
                for (id, e) in &report.errors {
                    eprintln!("error: {id}: {e}");
                }
                if report.due.is_empty() {
                    println!("nothing is due at {}", ts(now));
                }
            }
            Ok(if report.errors.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Run { now, watch, exec } => {
            let rotator = rotator(store, &exec);
            if watch {
                return crate::watch::run(&rotator, format).await;
            }
            let summary = run_once(&rotator, now.unwrap_or_else(Utc::now), None).await?;
            print_summary(&summary, format)?;
            Ok(if summary.failed.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
    }
}

/// One pass of the scheduler: everything due at `now`, one secret at a
/// time; stops between secrets once `stop` is set.
pub async fn run_once<S: SecretStore, T: rotaplan::target::Target>(
    rotator: &Rotator<S, T>,
    now: DateTime<Utc>,
    stop: Option<&std::sync::atomic::AtomicBool>,
) -> anyhow::Result<RunSummary> {
    let report = rotator.due(now).await.map_err(plain)?;
    let mut summary = RunSummary::default();
    summary.failed = report.errors;
    for due in &report.due {
        if stop.is_some_and(|s| s.load(std::sync::atomic::Ordering::SeqCst)) {
            break;
        }
        match rotator.rotate_due(due).await {
            Ok(Attempt::Rotated(o)) => summary.rotated.push(o),
            Ok(Attempt::Skipped(skip)) => summary.skipped.push((due.id.clone(), skip)),
            Err(e) => summary.failed.push((due.id.clone(), e)),
            Ok(_) => {}
        }
    }
    Ok(summary)
}

/// The run summary: text lines, or `{"rotated", "skipped", "failed"}`.
pub fn print_summary(summary: &RunSummary, format: Format) -> anyhow::Result<()> {
    if format == Format::Json {
        let rotated: Vec<_> = summary.rotated.iter().map(outcome_json).collect();
        let skipped: Vec<_> = summary
            .skipped
            .iter()
            .map(|(id, s)| serde_json::json!({"secret": id.as_str(), "reason": s.to_string()}))
            .collect();
        let failed: Vec<_> = summary
            .failed
            .iter()
            .map(|(id, e)| serde_json::json!({"secret": id.as_str(), "error": e.to_string()}))
            .collect();
        return print_json(&serde_json::json!({"rotated": rotated, "skipped": skipped, "failed": failed}));
    }
    for o in &summary.rotated {
        println!("rotated {}: AWSCURRENT is now version {}", o.secret, o.version);
    }
    for (id, s) in &summary.skipped {
        println!("skipped {id}: {s}");
    }
    for (id, e) in &summary.failed {
        eprintln!("error: {id}: {e}");
    }
    println!("{summary}");
    Ok(())
}

async fn secret<S: SecretStore>(store: &S, cmd: SecretCommand, format: Format) -> anyhow::Result<ExitCode> {
    match cmd {
        SecretCommand::Create {
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
        SecretCommand::Put {
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
        SecretCommand::Get {
            name,
            stage,
            version_id,
            show,
        } => {
            let id = SecretId::new(name).map_err(plain)?;
            let which = match (stage, version_id) {
                (_, Some(v)) => VersionRef::Id(VersionId::new(v).map_err(plain)?),
                (Some(s), None) => VersionRef::Stage(Stage::new(s).map_err(plain)?),
                (None, None) => VersionRef::current(),
            };
            let v = store.get_value(&id, &which).await.map_err(plain)?;
            if format == Format::Json {
                let mut doc = serde_json::json!({
                    "secret": id.as_str(),
                    "version": v.version.as_str(),
                    "stages": v.stages.iter().map(Stage::as_str).collect::<Vec<_>>(),
                    "created": ts(v.created),
                });
                if show {
                    doc["value"] = match v.value.expose_str() {
                        Some(s) => serde_json::Value::String(s.to_owned()),
                        None => serde_json::json!({
                            "binary_hex": v.value.expose_bytes().iter().map(|b| format!("{b:02x}")).collect::<String>()
                        }),
                    };
                }
                print_json(&doc)?;
            } else if show {
                use std::io::Write;
                let mut out = std::io::stdout().lock();
                out.write_all(v.value.expose_bytes())?;
                out.write_all(b"\n")?;
            } else {
                let stages: Vec<&str> = v.stages.iter().map(Stage::as_str).collect();
                println!("version  {}", v.version);
                println!("stages   {}", stages.join(", "));
                println!("created  {}", ts(v.created));
                println!("value    (hidden; add --show to print it)");
            }
            Ok(ExitCode::SUCCESS)
        }
        SecretCommand::Describe { name, count } => {
            let id = SecretId::new(name).map_err(plain)?;
            let d = store.describe(&id).await.map_err(plain)?;
            if format == Format::Json {
                print_json(&description_json(&d))?;
            } else {
                print_description(&d, count);
            }
            Ok(ExitCode::SUCCESS)
        }
        SecretCommand::List => {
            let all = store.list().await.map_err(plain)?;
            if format == Format::Json {
                print_json(&serde_json::Value::Array(all.iter().map(description_json).collect()))?;
                return Ok(ExitCode::SUCCESS);
            }
            for d in all {
                let rules = d
                    .rotation
                    .as_ref()
                    .map_or("no rotation".to_string(), |r| r.schedule.clone());
                let last = d
                    .last_rotated
                    .map_or("never rotated".to_string(), |t| format!("last rotated {}", ts(t)));
                let deleted = d
                    .deletion_date
                    .map_or(String::new(), |t| format!("\tdeleted on {}", ts(t)));
                println!("{}\t{rules}\t{last}{deleted}", d.id);
            }
            Ok(ExitCode::SUCCESS)
        }
        SecretCommand::Delete {
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
        SecretCommand::Update {
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
        SecretCommand::Restore { name } => {
            let id = SecretId::new(name).map_err(plain)?;
            store.restore(&id).await.map_err(plain)?;
            println!("restored {id}");
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// DescribeSecret as JSON: metadata and versions, never a value.
fn description_json(d: &Description) -> serde_json::Value {
    let versions: Vec<_> = d
        .versions
        .iter()
        .map(|(id, v)| {
            serde_json::json!({
                "id": id.as_str(),
                "created": ts(v.created),
                "stages": v.stages.iter().map(Stage::as_str).collect::<Vec<_>>(),
            })
        })
        .collect();
    serde_json::json!({
        "name": d.id.as_str(),
        "created": ts(d.created),
        "last_changed": ts(d.last_changed),
        "last_rotated": d.last_rotated.map(ts),
        "deletion_date": d.deletion_date.map(ts),
        "rotation": d.rotation.as_ref().map(|r| serde_json::json!({
            "schedule": r.schedule,
            "duration": r.duration,
            "strategy": r.strategy.to_string(),
            "target": r.target.to_string(),
        })),
        "versions": versions,
    })
}

fn print_description(d: &Description, count: usize) {
    println!("secret        {}", d.id);
    println!("created       {}", ts(d.created));
    println!("last changed  {}", ts(d.last_changed));
    println!("last rotated  {}", d.last_rotated.map_or("never".to_string(), ts));
    if let Some(t) = d.deletion_date {
        println!("deletion      scheduled for {}", ts(t));
    }
    match &d.rotation {
        None => println!("rotation      none"),
        Some(r) => {
            let window = r
                .duration
                .as_deref()
                .map_or("default window".to_string(), |w| format!("{w} window"));
            println!(
                "rotation      {} ({window}, {}, target {})",
                r.schedule, r.strategy, r.target
            );
            match Schedule::parse(&r.schedule) {
                Ok(s) => println!("              {}", s.describe()),
                Err(e) => println!("              invalid schedule: {e}"),
            }
        }
    }
    println!("versions");
    for (id, v) in &d.versions {
        let stages: Vec<&str> = v.stages.iter().map(Stage::as_str).collect();
        let stages = if stages.is_empty() {
            "(deprecated)".to_string()
        } else {
            stages.join(", ")
        };
        println!("  {id}  {}  {stages}", ts(v.created));
    }
    let Some(rules) = d.rotation.as_ref().and_then(rules_of) else {
        return;
    };
    println!("next windows");
    if d.last_rotated.is_none() {
        println!("  due now: never rotated");
    }
    for w in upcoming(&rules, d.last_rotated, &Utc::now()).take(count) {
        println!("  {} .. {}", ts(w.start), ts(w.end));
    }
}

/// A secret's stored rules as the planner's, if they are (still) valid.
fn rules_of(r: &RotationConfig) -> Option<RotationRules> {
    let schedule = Schedule::parse(&r.schedule).ok()?;
    let window = r.duration.as_deref().and_then(|w| w.parse::<WindowDuration>().ok());
    RotationRules::new(schedule, window).ok()
}

/// The windows after `now`, counted from the last rotation when there was
/// one (a `rate(...)` schedule runs from it).
fn upcoming(
    rules: &RotationRules,
    last_rotated: Option<DateTime<Utc>>,
    now: &DateTime<Utc>,
) -> rotaplan::plan::Windows<Utc> {
    match last_rotated {
        Some(last) => rules.windows_after_rotation(&last, now),
        None => rules.windows_after(now),
    }
}

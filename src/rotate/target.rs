//! [`Target`]: the system whose credential a rotation changes.
//!
//! The driver calls [`Target::set_secret`] to make the target accept the
//! pending value, then [`Target::test_secret`] to log in with it. Both must be
//! idempotent: a resumed rotation calls them again with the same values.

use std::fmt;
use std::future::Future;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use zeroize::Zeroizing;

use super::error::RotateError;
use super::store::{RotationConfig, SecretId, SecretValue, Strategy, TargetSpec, Token};

/// One of the four rotation steps, named as AWS rotation functions name them.
///
/// # Examples
///
/// ```
/// use rotaplan::rotate::Step;
/// assert_eq!(Step::Set.to_string(), "setSecret");
/// assert_eq!(Step::ALL.len(), 4);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Step {
    /// Put a new value under the token with AWSPENDING.
    Create,
    /// Make the target accept the pending value.
    Set,
    /// Log in at the target with the pending value.
    Test,
    /// Move AWSCURRENT to the pending version and drop AWSPENDING.
    Finish,
}

impl Step {
    /// The four steps in order.
    pub const ALL: [Step; 4] = [Step::Create, Step::Set, Step::Test, Step::Finish];

    /// `createSecret`, `setSecret`, `testSecret` or `finishSecret`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::rotate::Step;
    /// assert_eq!(Step::Finish.as_str(), "finishSecret");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Create => "createSecret",
            Step::Set => "setSecret",
            Step::Test => "testSecret",
            Step::Finish => "finishSecret",
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a target is told about the step it runs in. Holds no secret.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct StepContext<'a> {
    /// The secret being rotated.
    pub secret: &'a SecretId,
    /// The rotation's token (the pending version's id).
    pub token: &'a Token,
    /// `Set` or `Test`.
    pub step: Step,
    /// The secret's strategy.
    pub strategy: Strategy,
    /// The secret's rotation rules, if it has any.
    pub rotation: Option<&'a RotationConfig>,
}

impl<'a> StepContext<'a> {
    /// A context, for calling a target outside the driver (tests, tools).
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::rotate::{SecretId, Step, StepContext, Strategy, Token};
    /// let id = SecretId::new("db/main")?;
    /// let token = Token::generate();
    /// let ctx = StepContext::new(&id, &token, Step::Test, Strategy::SingleUser, None);
    /// assert_eq!(ctx.step, Step::Test);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(
        secret: &'a SecretId,
        token: &'a Token,
        step: Step,
        strategy: Strategy,
        rotation: Option<&'a RotationConfig>,
    ) -> StepContext<'a> {
        StepContext {
            secret,
            token,
            step,
            strategy,
            rotation,
        }
    }
}

/// The thing whose credential changes: a database, a service, nothing at all.
///
/// Implement with `async fn`. Both methods must be idempotent and must never
/// put a secret into an error message or a log.
pub trait Target: Send + Sync {
    /// setSecret: make the target accept `pending`. `current` is the value
    /// that works now (for single-user, log in with it to change the
    /// password; for alternating users, `pending` names the other user, which
    /// this call creates or updates).
    fn set_secret(
        &self,
        ctx: &StepContext<'_>,
        pending: &SecretValue,
        current: &SecretValue,
    ) -> impl Future<Output = Result<(), RotateError>> + Send;

    /// testSecret: log in with `pending`; an error fails the rotation.
    fn test_secret(
        &self,
        ctx: &StepContext<'_>,
        pending: &SecretValue,
    ) -> impl Future<Output = Result<(), RotateError>> + Send;
}

impl<T: Target + ?Sized> Target for &T {
    fn set_secret(
        &self,
        ctx: &StepContext<'_>,
        pending: &SecretValue,
        current: &SecretValue,
    ) -> impl Future<Output = Result<(), RotateError>> + Send {
        (**self).set_secret(ctx, pending, current)
    }

    fn test_secret(
        &self,
        ctx: &StepContext<'_>,
        pending: &SecretValue,
    ) -> impl Future<Output = Result<(), RotateError>> + Send {
        (**self).test_secret(ctx, pending)
    }
}

impl<T: Target + ?Sized> Target for std::sync::Arc<T> {
    fn set_secret(
        &self,
        ctx: &StepContext<'_>,
        pending: &SecretValue,
        current: &SecretValue,
    ) -> impl Future<Output = Result<(), RotateError>> + Send {
        (**self).set_secret(ctx, pending, current)
    }

    fn test_secret(
        &self,
        ctx: &StepContext<'_>,
        pending: &SecretValue,
    ) -> impl Future<Output = Result<(), RotateError>> + Send {
        (**self).test_secret(ctx, pending)
    }
}

/// A target with nothing to tell: an API key whose users read the store.
/// Both steps succeed at once.
///
/// # Examples
///
/// ```
/// use rotaplan::rotate::{MemoryStore, NoopTarget, Rotator, SecretId, SecretStore, SecretValue, Token};
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let store = MemoryStore::new();
/// let id = SecretId::new("api/key")?;
/// store.create(&id, Some((&Token::generate(), &SecretValue::from("k1"))), None).await?;
/// let rotator = Rotator::new(&store, NoopTarget);
/// rotator.rotate(&id, &Token::generate()).await?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct NoopTarget;

impl Target for NoopTarget {
    async fn set_secret(
        &self,
        _ctx: &StepContext<'_>,
        _pending: &SecretValue,
        _current: &SecretValue,
    ) -> Result<(), RotateError> {
        Ok(())
    }

    async fn test_secret(&self, _ctx: &StepContext<'_>, _pending: &SecretValue) -> Result<(), RotateError> {
        Ok(())
    }
}

/// Runs a user's program for setSecret and testSecret: the contract of a
/// rotation Lambda, over a process.
///
/// - Environment: `ROTAPLAN_STEP` (`setSecret` / `testSecret`),
///   `ROTAPLAN_SECRET_ID`, `ROTAPLAN_TOKEN`, `ROTAPLAN_STRATEGY`
///   (`single-user` / `alternating-users`).
/// - Standard input: one JSON object, `{"Step", "SecretId",
///   "ClientRequestToken", "Strategy", "PendingSecret", "CurrentSecret"}`.
///   A secret that is JSON text is embedded as JSON, other text as a string,
///   binary as `{"SecretBinaryHex": "…"}`. `CurrentSecret` is `null` at
///   testSecret.
/// - Exit code 0 means success; anything else, a signal or the time-out
///   (default 30 s; the process is killed) fails the step.
/// - The program's standard output is discarded and its standard error too,
///   unless [`inherit_stderr`](Self::inherit_stderr) is set: nothing the
///   program prints reaches rotaplan's logs or errors.
///
/// # Examples
///
/// ```no_run
/// use std::time::Duration;
/// use rotaplan::rotate::CommandTarget;
/// let target = CommandTarget::new("/usr/local/bin/rotate-db")
///     .arg("--host=db.internal")
///     .timeout(Duration::from_secs(10));
/// ```
#[derive(Clone, Debug)]
pub struct CommandTarget {
    program: PathBuf,
    args: Vec<String>,
    timeout: Duration,
    inherit_stderr: bool,
}

impl CommandTarget {
    /// A target running `program` (looked up in `PATH` if it has no slash).
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::rotate::CommandTarget;
    /// let t = CommandTarget::new("true");
    /// # let _ = t;
    /// ```
    pub fn new(program: impl Into<PathBuf>) -> CommandTarget {
        CommandTarget {
            program: program.into(),
            args: Vec::new(),
            timeout: Duration::from_secs(30),
            inherit_stderr: false,
        }
    }

    /// Adds an argument.
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::rotate::CommandTarget;
    /// let t = CommandTarget::new("sh").arg("-c").arg("exit 0");
    /// # let _ = t;
    /// ```
    pub fn arg(mut self, arg: impl Into<String>) -> CommandTarget {
        self.args.push(arg.into());
        self
    }

    /// The time-out for one run (default 30 s).
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use rotaplan::rotate::CommandTarget;
    /// let t = CommandTarget::new("true").timeout(Duration::from_secs(5));
    /// # let _ = t;
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> CommandTarget {
        self.timeout = timeout;
        self
    }

    /// Let the program's standard error through to ours (off by default; the
    /// program must then never print a secret).
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::rotate::CommandTarget;
    /// let t = CommandTarget::new("true").inherit_stderr(true);
    /// # let _ = t;
    /// ```
    pub fn inherit_stderr(mut self, yes: bool) -> CommandTarget {
        self.inherit_stderr = yes;
        self
    }

    async fn run(
        &self,
        ctx: &StepContext<'_>,
        pending: &SecretValue,
        current: Option<&SecretValue>,
    ) -> Result<(), RotateError> {
        let input = Zeroizing::new(
            serde_json::to_vec(&serde_json::json!({
                "Step": ctx.step.as_str(),
                "SecretId": ctx.secret.as_str(),
                "ClientRequestToken": ctx.token.as_str(),
                "Strategy": ctx.strategy.to_string(),
                "PendingSecret": value_json(pending),
                "CurrentSecret": current.map(value_json),
            }))
            .expect("JSON of strings always serializes"),
        );
        let prog = self.program.display().to_string();
        let mut cmd = tokio::process::Command::new(&self.program);
        cmd.args(&self.args)
            .env("ROTAPLAN_STEP", ctx.step.as_str())
            .env("ROTAPLAN_SECRET_ID", ctx.secret.as_str())
            .env("ROTAPLAN_TOKEN", ctx.token.as_str())
            .env("ROTAPLAN_STRATEGY", ctx.strategy.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(if self.inherit_stderr {
                Stdio::inherit()
            } else {
                Stdio::null()
            })
            .kill_on_drop(true);
        let mut child = cmd
            .spawn()
            .map_err(|e| RotateError::target(format!("cannot start command `{prog}`: {e}")))?;
        let mut stdin = child.stdin.take().expect("stdin is piped");
        let work = async {
            // A program that exits without reading its input is fine.
            match stdin.write_all(&input).await {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
                Err(e) => return Err(RotateError::target(format!("cannot write to command `{prog}`: {e}"))),
            }
            drop(stdin);
            child
                .wait()
                .await
                .map_err(|e| RotateError::target(format!("waiting for command `{prog}`: {e}")))
        };
        let status = match tokio::time::timeout(self.timeout, work).await {
            Ok(status) => status?,
            Err(_) => {
                let _ = child.start_kill();
                let _ = child.wait().await;
                return Err(RotateError::timeout(
                    format!("command `{prog}` at {}", ctx.step),
                    self.timeout,
                ));
            }
        };
        if status.success() {
            Ok(())
        } else {
            Err(RotateError::target(match status.code() {
                Some(code) => format!("command `{prog}` exited with status {code} at {}", ctx.step),
                None => format!("command `{prog}` was killed by a signal at {}", ctx.step),
            }))
        }
    }
}

fn value_json(v: &SecretValue) -> serde_json::Value {
    match v.expose_str() {
        Some(s) => serde_json::from_str(s).unwrap_or_else(|_| serde_json::Value::String(s.to_owned())),
        None => {
            let hex: String = v.expose_bytes().iter().map(|b| format!("{b:02x}")).collect();
            serde_json::json!({ "SecretBinaryHex": hex })
        }
    }
}

impl Target for CommandTarget {
    async fn set_secret(
        &self,
        ctx: &StepContext<'_>,
        pending: &SecretValue,
        current: &SecretValue,
    ) -> Result<(), RotateError> {
        self.run(ctx, pending, Some(current)).await
    }

    async fn test_secret(&self, ctx: &StepContext<'_>, pending: &SecretValue) -> Result<(), RotateError> {
        self.run(ctx, pending, None).await
    }
}

/// The target each secret's own rotation config names ([`TargetSpec`]):
/// `noop` → [`NoopTarget`], `command:PROG` → [`CommandTarget`]. A secret
/// without rotation rules gets the no-op target. Used by the scheduler, where
/// every secret may name a different target.
///
/// # Examples
///
/// ```
/// use rotaplan::rotate::{MemoryStore, RotationConfig, Rotator, SecretId, SecretStore, SecretValue, SpecTarget, Token};
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let store = MemoryStore::new();
/// let id = SecretId::new("api/key")?;
/// let cfg = RotationConfig::new("rate(30 days)");
/// store.create(&id, Some((&Token::generate(), &SecretValue::from("k1"))), Some(&cfg)).await?;
/// Rotator::new(&store, SpecTarget::default()).rotate(&id, &Token::generate()).await?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
#[derive(Clone, Debug)]
pub struct SpecTarget {
    command_timeout: Duration,
    #[cfg(feature = "postgres")]
    postgres: Option<super::PostgresRole>,
}

impl Default for SpecTarget {
    fn default() -> SpecTarget {
        SpecTarget {
            command_timeout: Duration::from_secs(30),
            #[cfg(feature = "postgres")]
            postgres: None,
        }
    }
}

/// What a [`TargetSpec`] resolves to for one step.
enum Resolved {
    Noop,
    Command(CommandTarget),
    #[cfg(feature = "postgres")]
    Postgres(super::PostgresRole),
}

impl SpecTarget {
    /// The time-out given to `command:` targets (default 30 s).
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use rotaplan::rotate::SpecTarget;
    /// let t = SpecTarget::default().command_timeout(Duration::from_secs(5));
    /// # let _ = t;
    /// ```
    pub fn command_timeout(mut self, timeout: Duration) -> SpecTarget {
        self.command_timeout = timeout;
        self
    }

    /// The target used for secrets whose spec is `postgres`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use rotaplan::rotate::{MemoryStore, PostgresRole, SpecTarget};
    /// let store = Arc::new(MemoryStore::new());
    /// let t = SpecTarget::default().postgres(PostgresRole::new().master_from(store));
    /// # let _ = t;
    /// ```
    #[cfg(feature = "postgres")]
    #[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
    pub fn postgres(mut self, role: super::PostgresRole) -> SpecTarget {
        self.postgres = Some(role);
        self
    }

    fn resolve(&self, ctx: &StepContext<'_>) -> Result<Resolved, RotateError> {
        match ctx.rotation.map(|r| &r.target) {
            None | Some(TargetSpec::Noop) => Ok(Resolved::Noop),
            Some(TargetSpec::Command(prog)) => Ok(Resolved::Command(
                CommandTarget::new(prog).timeout(self.command_timeout),
            )),
            #[cfg(feature = "postgres")]
            Some(TargetSpec::Postgres) if self.postgres.is_some() => {
                Ok(Resolved::Postgres(self.postgres.clone().expect("checked above")))
            }
            Some(TargetSpec::Postgres) => Err(RotateError::target(if cfg!(feature = "postgres") {
                "no postgres target configured (SpecTarget::postgres)"
            } else {
                "the postgres target is not available in this build (feature `postgres`)"
            })),
        }
    }
}

impl Target for SpecTarget {
    async fn set_secret(
        &self,
        ctx: &StepContext<'_>,
        pending: &SecretValue,
        current: &SecretValue,
    ) -> Result<(), RotateError> {
        match self.resolve(ctx)? {
            Resolved::Noop => Ok(()),
            Resolved::Command(cmd) => cmd.set_secret(ctx, pending, current).await,
            #[cfg(feature = "postgres")]
            Resolved::Postgres(pg) => pg.set_secret(ctx, pending, current).await,
        }
    }

    async fn test_secret(&self, ctx: &StepContext<'_>, pending: &SecretValue) -> Result<(), RotateError> {
        match self.resolve(ctx)? {
            Resolved::Noop => Ok(()),
            Resolved::Command(cmd) => cmd.test_secret(ctx, pending).await,
            #[cfg(feature = "postgres")]
            Resolved::Postgres(pg) => pg.test_secret(ctx, pending).await,
        }
    }
}

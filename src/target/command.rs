//! [`CommandTarget`]: a user's program runs setSecret and testSecret.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use zeroize::Zeroizing;

use super::TargetError;
use super::{StepContext, Target};
use crate::store::SecretValue;

/// Runs a user's program for setSecret and testSecret: the contract of a
/// rotation Lambda, over a process.
///
/// - Environment: cleared, then `PATH` (rotaplan's, or `/usr/bin:/bin`),
///   `ROTAPLAN_STEP` (`setSecret` / `testSecret`), `ROTAPLAN_SECRET_ID`,
///   `ROTAPLAN_TOKEN`, `ROTAPLAN_STRATEGY` (`single-user` /
///   `alternating-users`), and the variables named with
///   [`pass_env`](Self::pass_env). Nothing else of rotaplan's environment
///   (its master key, key file path, AWS credentials) reaches the program.
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
/// use rotaplan::target::CommandTarget;
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
    pass_env: Vec<String>,
}

impl CommandTarget {
    /// A target running `program` (looked up in `PATH` if it has no slash).
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::target::CommandTarget;
    /// let t = CommandTarget::new("true");
    /// # let _ = t;
    /// ```
    pub fn new(program: impl Into<PathBuf>) -> CommandTarget {
        CommandTarget {
            program: program.into(),
            args: Vec::new(),
            timeout: Duration::from_secs(30),
            inherit_stderr: false,
            pass_env: Vec::new(),
        }
    }

    /// Adds an argument.
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::target::CommandTarget;
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
    /// # use rotaplan::target::CommandTarget;
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
    /// # use rotaplan::target::CommandTarget;
    /// let t = CommandTarget::new("true").inherit_stderr(true);
    /// # let _ = t;
    /// ```
    pub fn inherit_stderr(mut self, yes: bool) -> CommandTarget {
        self.inherit_stderr = yes;
        self
    }

    /// Passes rotaplan's variable `name`, if set, to the program (its
    /// environment is otherwise cleared).
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::target::CommandTarget;
    /// let t = CommandTarget::new("rotate-db").pass_env("PGHOST").pass_env("HOME");
    /// # let _ = t;
    /// ```
    pub fn pass_env(mut self, name: impl Into<String>) -> CommandTarget {
        self.pass_env.push(name.into());
        self
    }

    async fn run(
        &self,
        ctx: &StepContext<'_>,
        pending: &SecretValue,
        current: Option<&SecretValue>,
    ) -> Result<(), TargetError> {
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
        cmd.args(&self.args).env_clear().env(
            "PATH",
            std::env::var_os("PATH").unwrap_or_else(|| "/usr/bin:/bin".into()),
        );
        for name in &self.pass_env {
            if let Some(v) = std::env::var_os(name) {
                cmd.env(name, v);
            }
        }
        cmd.env("ROTAPLAN_STEP", ctx.step.as_str())
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
            .map_err(|e| TargetError::target(format!("cannot start command `{prog}`: {e}")))?;
        let mut stdin = child.stdin.take().expect("stdin is piped");
        let work = async {
            // A program that exits without reading its input is fine.
            match stdin.write_all(&input).await {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
                Err(e) => return Err(TargetError::target(format!("cannot write to command `{prog}`: {e}"))),
            }
            drop(stdin);
            child
                .wait()
                .await
                .map_err(|e| TargetError::target(format!("waiting for command `{prog}`: {e}")))
        };
        let status = match tokio::time::timeout(self.timeout, work).await {
            Ok(status) => status?,
            Err(_) => {
                let _ = child.start_kill();
                let _ = child.wait().await;
                return Err(TargetError::timeout(
                    format!("command `{prog}` at {}", ctx.step),
                    self.timeout,
                ));
            }
        };
        if status.success() {
            Ok(())
        } else {
            Err(TargetError::target(match status.code() {
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
    ) -> Result<(), TargetError> {
        self.run(ctx, pending, Some(current)).await
    }

    async fn test_secret(&self, ctx: &StepContext<'_>, pending: &SecretValue) -> Result<(), TargetError> {
        self.run(ctx, pending, None).await
    }
}

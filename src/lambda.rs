//! A Secrets Manager rotation function: [`RotationHandler`] runs the step
//! that each invocation names (feature `lambda`).
//!
//! With native rotation, Secrets Manager keeps the schedule
//! (`RotationRules`) and, at each window, invokes the function four times
//! with a [`RotationEvent`]: `{"SecretId", "ClientRequestToken", "Step"}`
//! with `createSecret`, `setSecret`, `testSecret`, `finishSecret`. The
//! `rotaplan-lambda` binary hands each event to
//! [`RotationHandler::handle`]; tests call it directly with the same events.
//!
//! # What each invocation does (as AWS's rotation templates do)
//!
//! First, DescribeSecret: the secret must have rotation enabled, and the
//! token's version must hold AWSPENDING; if it already holds AWSCURRENT the
//! step has nothing to do (a retry of a finished rotation). Then:
//!
//! - **createSecret**: if the token's version has no value yet, the next
//!   value is made from AWSCURRENT (a new password, from GetRandomPassword
//!   or rotaplan's generator; for alternating users the other user name)
//!   and put under the token with AWSPENDING (PutSecretValue). A token with
//!   no version at all (an invocation by hand rather than by RotateSecret)
//!   is accepted here, unless another rotation holds AWSPENDING.
//! - **setSecret** / **testSecret**: the target changes or checks the
//!   password ([`Target::set_secret`],
//!   idempotent).
//! - **finishSecret**: AWSCURRENT moves to the token's version
//!   (UpdateSecretVersionStage; Secrets Manager moves AWSPREVIOUS), then
//!   AWSPENDING is taken off it.
//!
//! # The target
//!
//! A secret in RDS's JSON shape names its engine: `postgres`,
//! `postgresql`, `aurora-postgresql` → [`PostgresRole`]; `mysql`, `mariadb`,
//! `aurora-mysql`, `aurora` → [`MysqlUser`]. Any other secret (an API key,
//! say) takes the target from the environment (`ROTAPLAN_TARGET`: `noop`
//! or `command:PROG`), else from its `rotaplan:target` tag; without either
//! the rotation fails rather than change a credential nobody is told of.
//! See [`LambdaConfig`] for the environment.
//!
//! # Errors and logs
//!
//! A failed step returns a [`RotationFailure`] naming the step and the
//! secret, never a secret value; the invocation fails and Secrets Manager
//! retries the rotation with the same token. The binary logs JSON lines
//! (tracing-subscriber's JSON format), one span per invocation with the
//! secret, step and token.
//!
//! # Example
//!
//! ```no_run
//! use rotaplan::lambda::{LambdaConfig, RotationEvent, RotationHandler};
//! use rotaplan::store::AwsSecretsManager;
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let store = AwsSecretsManager::connect(None, None).await;
//! let handler = RotationHandler::new(store, LambdaConfig::from_env()?);
//! let event: RotationEvent = serde_json::from_str(
//!     r#"{"SecretId": "prod/db", "ClientRequestToken": "6f1c…", "Step": "createSecret"}"#,
//! )?;
//! handler.handle(&event).await?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```

use std::collections::HashMap;
use std::fmt;

use tracing::Instrument;

use crate::rotate::{next_value_with, RotateError};
use crate::store::{
    map_err, AwsSecretsManager, PasswordPolicy, RotationConfig, SecretId, SecretStore, SecretValue, Stage, StoreError,
    Strategy, TargetSpec, Token, VersionId, VersionRef, TAG_SCHEDULE, TAG_STRATEGY, TAG_TARGET,
};
use crate::target::rds::{MYSQL_ENGINES, POSTGRES_ENGINES};
use crate::target::{MysqlUser, PostgresRole, SpecTarget, Step, StepContext, Target};

/// The event Secrets Manager sends a rotation function.
///
/// # Examples
///
/// ```
/// use rotaplan::lambda::RotationEvent;
/// let e: RotationEvent = serde_json::from_str(
///     r#"{"SecretId":"arn:aws:secretsmanager:eu-west-1:1:secret:db-AbC","ClientRequestToken":"t-1","Step":"setSecret"}"#,
/// )?;
/// assert_eq!(e.step, "setSecret");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct RotationEvent {
    /// The secret's ARN or name.
    pub secret_id: String,
    /// The rotation's token: the id of the version being made.
    pub client_request_token: String,
    /// `createSecret`, `setSecret`, `testSecret` or `finishSecret`.
    pub step: String,
}

impl RotationEvent {
    /// An event, as Secrets Manager would send it.
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::lambda::RotationEvent;
    /// use rotaplan::target::Step;
    /// let e = RotationEvent::new("db/main", "t-1", Step::Finish);
    /// assert_eq!(serde_json::to_string(&e)?, r#"{"SecretId":"db/main","ClientRequestToken":"t-1","Step":"finishSecret"}"#);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(secret_id: impl Into<String>, token: impl Into<String>, step: Step) -> RotationEvent {
        RotationEvent {
            secret_id: secret_id.into(),
            client_request_token: token.into(),
            step: step.as_str().to_owned(),
        }
    }
}

/// Where new passwords come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum PasswordSource {
    /// Secrets Manager's GetRandomPassword (as AWS's templates do).
    #[default]
    Aws,
    /// rotaplan's own generator ([`PasswordPolicy::generate`]).
    Local,
}

/// The function's configuration, read from its environment.
///
/// | variable | meaning | default |
/// | --- | --- | --- |
/// | `ROTAPLAN_TARGET` | target of secrets that are not RDS JSON: `noop`, `command:PROG` | the `rotaplan:target` tag, else none (fail) |
/// | `ROTAPLAN_STRATEGY` | `single-user` or `alternating-users` | the `rotaplan:strategy` tag, else single-user |
/// | `ROTAPLAN_PASSWORD_SOURCE` | `aws` (GetRandomPassword) or `local` | `aws` |
/// | `EXCLUDE_CHARACTERS` | characters new passwords never hold (AWS templates' name) | `/@"'\` |
/// | `ROTAPLAN_PASSWORD_LENGTH` | password length | 32 |
/// | `EXCLUDE_PUNCTUATION` | `true`: letters and digits only | `false` |
///
/// # Examples
///
/// ```
/// use rotaplan::lambda::{LambdaConfig, PasswordSource};
/// let env = [("ROTAPLAN_TARGET", "noop"), ("ROTAPLAN_PASSWORD_SOURCE", "local"), ("EXCLUDE_CHARACTERS", "xyz")];
/// let c = LambdaConfig::from_vars(|k| env.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string()))?;
/// assert_eq!(c.password_source, PasswordSource::Local);
///
/// let err = LambdaConfig::from_vars(|k| (k == "ROTAPLAN_PASSWORD_LENGTH").then(|| "lots".to_owned())).unwrap_err();
/// assert!(err.to_string().contains("ROTAPLAN_PASSWORD_LENGTH"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LambdaConfig {
    /// Target of secrets that are not RDS JSON.
    pub target: Option<TargetSpec>,
    /// Strategy, overriding the secret's tag.
    pub strategy: Option<Strategy>,
    /// Where new passwords come from.
    pub password_source: PasswordSource,
    /// The new passwords' policy.
    pub password: PasswordPolicy,
}

/// AWS's templates exclude these by default: they break URLs and shells.
const DEFAULT_EXCLUDE: &str = "/@\"'\\";

impl Default for LambdaConfig {
    fn default() -> LambdaConfig {
        LambdaConfig {
            target: None,
            strategy: None,
            password_source: PasswordSource::Aws,
            password: PasswordPolicy::default().exclude_characters(DEFAULT_EXCLUDE),
        }
    }
}

impl LambdaConfig {
    /// Reads the process environment (see the table above).
    ///
    /// # Errors
    ///
    /// Invalid request naming the variable with a bad value.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// let config = rotaplan::lambda::LambdaConfig::from_env()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_env() -> Result<LambdaConfig, RotateError> {
        LambdaConfig::from_vars(|k| std::env::var(k).ok())
    }

    /// Reads the variables `var` answers (see the table above).
    ///
    /// # Errors
    ///
    /// Invalid request naming the variable with a bad value.
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::lambda::LambdaConfig;
    /// use rotaplan::store::TargetSpec;
    /// let c = LambdaConfig::from_vars(|k| (k == "ROTAPLAN_TARGET").then(|| "noop".to_owned()))?;
    /// assert_eq!(c.target, Some(TargetSpec::Noop));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<LambdaConfig, RotateError> {
        let bad = |name: &str, e: StoreError| RotateError::from(e).context(format!("environment variable {name}"));
        let mut c = LambdaConfig::default();
        if let Some(v) = var("ROTAPLAN_TARGET").filter(|v| !v.is_empty()) {
            c.target = Some(v.parse().map_err(|e| bad("ROTAPLAN_TARGET", e))?);
        }
        if let Some(v) = var("ROTAPLAN_STRATEGY").filter(|v| !v.is_empty()) {
            c.strategy = Some(v.parse().map_err(|e| bad("ROTAPLAN_STRATEGY", e))?);
        }
        c.password_source = match var("ROTAPLAN_PASSWORD_SOURCE").as_deref() {
            None | Some("" | "aws") => PasswordSource::Aws,
            Some("local") => PasswordSource::Local,
            Some(other) => {
                return Err(RotateError::invalid(format!(
                    "environment variable ROTAPLAN_PASSWORD_SOURCE: {other:?} is neither `aws` nor `local`"
                )))
            }
        };
        let mut policy = PasswordPolicy::default();
        if let Some(v) = var("ROTAPLAN_PASSWORD_LENGTH").filter(|v| !v.is_empty()) {
            let n = v
                .parse::<usize>()
                .ok()
                .filter(|n| (4..=4096).contains(n))
                .ok_or_else(|| {
                    RotateError::invalid(format!(
                        "environment variable ROTAPLAN_PASSWORD_LENGTH: {v:?} is not a length from 4 to 4096"
                    ))
                })?;
            policy = policy.length(n);
        }
        policy = policy.exclude_characters(&var("EXCLUDE_CHARACTERS").unwrap_or_else(|| DEFAULT_EXCLUDE.to_owned()));
        policy = match var("EXCLUDE_PUNCTUATION").as_deref() {
            None | Some("" | "false" | "False") => policy,
            Some("true" | "True") => policy.exclude_punctuation(true),
            Some(other) => {
                return Err(RotateError::invalid(format!(
                    "environment variable EXCLUDE_PUNCTUATION: {other:?} is neither `true` nor `false`"
                )))
            }
        };
        // A policy no password can meet (every character excluded, say)
        // fails here, at start-up, not at the first rotation.
        policy.generate().map_err(|e| {
            e.context("environment variables EXCLUDE_CHARACTERS, EXCLUDE_PUNCTUATION, ROTAPLAN_PASSWORD_LENGTH")
        })?;
        c.password = policy;
        Ok(c)
    }
}

/// A failed invocation: the step, the secret and why, never a secret value.
///
/// # Examples
///
/// ```
/// use rotaplan::lambda::{LambdaConfig, RotationEvent, RotationHandler};
/// use rotaplan::store::AwsSecretsManager;
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// # let conf = aws_sdk_secretsmanager::Config::builder()
/// #     .behavior_version(aws_sdk_secretsmanager::config::BehaviorVersion::latest())
/// #     .region(aws_sdk_secretsmanager::config::Region::new("us-east-1")).build();
/// let handler = RotationHandler::new(AwsSecretsManager::from_conf(conf), LambdaConfig::default());
/// let event: RotationEvent =
///     serde_json::from_str(r#"{"SecretId":"s","ClientRequestToken":"t","Step":"rotateSecret"}"#).unwrap();
/// let err = handler.handle(&event).await.unwrap_err();
/// assert_eq!(err.step(), "rotateSecret");
/// assert!(err.to_string().starts_with("rotateSecret of secret `s` failed: "));
/// # });
/// ```
#[derive(Debug)]
pub struct RotationFailure {
    step: String,
    secret: String,
    error: RotateError,
}

impl RotationFailure {
    /// The step, as the event named it.
    ///
    /// See [`RotationFailure`] for an example.
    pub fn step(&self) -> &str {
        &self.step
    }

    /// The underlying error (ask it [`RotateError::is_transient`] and
    /// friends).
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::lambda::{LambdaConfig, RotationEvent, RotationHandler};
    /// # use rotaplan::store::AwsSecretsManager;
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let conf = aws_sdk_secretsmanager::Config::builder()
    /// #     .behavior_version(aws_sdk_secretsmanager::config::BehaviorVersion::latest())
    /// #     .region(aws_sdk_secretsmanager::config::Region::new("us-east-1")).build();
    /// # let handler = RotationHandler::new(AwsSecretsManager::from_conf(conf), LambdaConfig::default());
    /// let e: RotationEvent = serde_json::from_str(r#"{"SecretId":"s","ClientRequestToken":"t","Step":"bogus"}"#).unwrap();
    /// assert!(handler.handle(&e).await.unwrap_err().error().is_invalid_request());
    /// # });
    /// ```
    pub fn error(&self) -> &RotateError {
        &self.error
    }
}

impl fmt::Display for RotationFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} of secret `{}` failed: {}", self.step, self.secret, self.error)
    }
}

impl std::error::Error for RotationFailure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

/// What DescribeSecret says about the secret.
struct Meta {
    rotation_enabled: bool,
    versions: HashMap<String, Vec<String>>,
    tags: HashMap<String, String>,
    schedule: Option<String>,
}

impl Meta {
    fn holder(&self, stage: &str) -> Option<&str> {
        self.versions
            .iter()
            .find(|(_, stages)| stages.iter().any(|s| s == stage))
            .map(|(v, _)| v.as_str())
    }
}

/// Runs one rotation step per [`RotationEvent`] on AWS Secrets Manager. See
/// the [module docs](self).
///
/// # Examples
///
/// ```no_run
/// use rotaplan::lambda::{LambdaConfig, RotationHandler};
/// use rotaplan::store::AwsSecretsManager;
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let handler = RotationHandler::new(AwsSecretsManager::connect(None, None).await, LambdaConfig::from_env()?);
/// # let _ = handler;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
#[derive(Debug)]
pub struct RotationHandler {
    store: AwsSecretsManager,
    config: LambdaConfig,
    target: SpecTarget,
}

impl RotationHandler {
    /// A handler on `store`. The database targets read AWSPREVIOUS and the
    /// `masterarn` secret from the same store.
    ///
    /// See [`RotationHandler`] for an example.
    pub fn new(store: AwsSecretsManager, config: LambdaConfig) -> RotationHandler {
        let target = SpecTarget::default()
            .postgres(
                PostgresRole::new()
                    .previous_from(store.clone())
                    .master_from(store.clone()),
            )
            .mysql(MysqlUser::new().previous_from(store.clone()).master_from(store.clone()));
        RotationHandler { store, config, target }
    }

    /// Runs the step `event` names. Idempotent: Secrets Manager may send
    /// any event again.
    ///
    /// # Errors
    ///
    /// A [`RotationFailure`] naming the step: rotation not enabled, a token
    /// whose version holds neither AWSPENDING nor AWSCURRENT, an unknown
    /// step, a store or target failure.
    ///
    /// See [`RotationHandler`] and [`RotationFailure`] for examples.
    pub async fn handle(&self, event: &RotationEvent) -> Result<(), RotationFailure> {
        let span = tracing::info_span!(
            "rotation",
            secret = %event.secret_id,
            step = %event.step,
            token = %event.client_request_token
        );
        let result = self.run(event).instrument(span.clone()).await;
        let _enter = span.enter();
        match &result {
            Ok(()) => tracing::info!("step done"),
            Err(e) => tracing::error!(error = %e, "step failed"),
        }
        result.map_err(|error| RotationFailure {
            step: event.step.clone(),
            secret: event.secret_id.clone(),
            error,
        })
    }

    async fn run(&self, event: &RotationEvent) -> Result<(), RotateError> {
        let step = match event.step.as_str() {
            "createSecret" => Step::Create,
            "setSecret" => Step::Set,
            "testSecret" => Step::Test,
            "finishSecret" => Step::Finish,
            other => {
                return Err(RotateError::invalid(format!(
                    "unknown step {other:?} (expected createSecret, setSecret, testSecret or finishSecret)"
                )))
            }
        };
        let id = SecretId::new(event.secret_id.as_str())?;
        let token = Token::new(event.client_request_token.as_str())?;
        let meta = self.describe(&id).await?;
        if !meta.rotation_enabled {
            return Err(RotateError::invalid(format!(
                "secret `{id}` is not enabled for rotation"
            )));
        }
        match meta.versions.get(token.as_str()) {
            Some(stages) if stages.iter().any(|s| s == "AWSCURRENT") => {
                tracing::info!("the token's version is already AWSCURRENT: nothing to do");
                if step == Step::Finish && stages.iter().any(|s| s == "AWSPENDING") {
                    // A finishSecret that stopped between its two calls.
                    self.stage(&id, "AWSPENDING", None, Some(token.as_str())).await?;
                }
                return Ok(());
            }
            Some(stages) if !stages.iter().any(|s| s == "AWSPENDING") => {
                return Err(RotateError::invalid(format!(
                    "version `{token}` of secret `{id}` is not set as AWSPENDING for rotation"
                )))
            }
            Some(_) => {}
            None if step == Step::Create => {
                if let Some(other) = meta
                    .holder("AWSPENDING")
                    .filter(|v| !meta.versions[*v].iter().any(|s| s == "AWSCURRENT"))
                {
                    return Err(StoreError::rotation_in_progress(id.as_str(), other).into());
                }
            }
            None => {
                return Err(RotateError::invalid(format!(
                    "secret `{id}` has no version `{token}` for rotation (run createSecret first)"
                )))
            }
        }
        match step {
            Step::Create => self.create(&id, &token, &meta).await,
            Step::Set | Step::Test => self.set_or_test(&id, &token, &meta, step).await,
            _ => self.finish(&id, &token, &meta).await,
        }
    }

    async fn describe(&self, id: &SecretId) -> Result<Meta, RotateError> {
        let out = self
            .store
            .client()
            .describe_secret()
            .secret_id(id.as_str())
            .send()
            .await
            .map_err(|e| map_err("DescribeSecret", || format!("secret `{id}`"), e))?;
        let versions = out
            .version_ids_to_stages()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default();
        let tags: HashMap<String, String> = out
            .tags()
            .iter()
            .filter_map(|t| Some((t.key()?.to_owned(), t.value()?.to_owned())))
            .collect();
        let schedule = out
            .rotation_rules()
            .and_then(|r| {
                r.schedule_expression()
                    .map(str::to_owned)
                    .or_else(|| r.automatically_after_days().map(|d| format!("rate({d} days)")))
            })
            .or_else(|| tags.get(TAG_SCHEDULE).cloned());
        Ok(Meta {
            rotation_enabled: out.rotation_enabled() == Some(true),
            versions,
            tags,
            schedule,
        })
    }

    fn strategy(&self, meta: &Meta) -> Result<Strategy, RotateError> {
        match (self.config.strategy, meta.tags.get(TAG_STRATEGY)) {
            (Some(s), _) => Ok(s),
            (None, Some(tag)) => tag
                .parse()
                .map_err(|e: StoreError| RotateError::from(e).context(format!("tag {TAG_STRATEGY}"))),
            (None, None) => Ok(Strategy::SingleUser),
        }
    }

    async fn pending_has_value(&self, id: &SecretId, token: &Token) -> bool {
        self.store
            .client()
            .get_secret_value()
            .secret_id(id.as_str())
            .version_id(token.as_str())
            .version_stage("AWSPENDING")
            .send()
            .await
            .is_ok()
    }

    async fn create(&self, id: &SecretId, token: &Token, meta: &Meta) -> Result<(), RotateError> {
        let client = self.store.client();
        let existing = client
            .get_secret_value()
            .secret_id(id.as_str())
            .version_id(token.as_str())
            .version_stage("AWSPENDING")
            .send()
            .await;
        // Not found (no version yet, or the empty one RotateSecret staged):
        // make the value.
        match existing.map_err(|e| map_err("GetSecretValue", || format!("AWSPENDING of secret `{id}`"), e)) {
            Ok(_) => {
                tracing::info!("AWSPENDING already has a value");
                return Ok(());
            }
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e.into()),
        }
        let current = self.store.get_value(id, &VersionRef::current()).await?;
        let password = match self.config.password_source {
            PasswordSource::Aws => self.store.random_password(&self.config.password).await?,
            PasswordSource::Local => self.config.password.generate()?,
        };
        let password = password.expose_str().expect("passwords are text").to_owned();
        let next = next_value_with(&current.value, self.strategy(meta)?, password)?;
        let req = client
            .put_secret_value()
            .secret_id(id.as_str())
            .client_request_token(token.as_str())
            .version_stages("AWSPENDING");
        let req = match next.expose_str() {
            Some(s) => req.secret_string(s),
            None => req.secret_binary(aws_sdk_secretsmanager::primitives::Blob::new(next.expose_bytes())),
        };
        match req
            .send()
            .await
            .map_err(|e| map_err("PutSecretValue", || format!("AWSPENDING of secret `{id}`"), e))
        {
            Ok(_) => {
                tracing::info!("put the new value under AWSPENDING");
                Ok(())
            }
            // Two invocations of the same step at once (AWS retrying one
            // that is still running): the other one's value is this
            // rotation's, keep it.
            Err(e) if e.is_already_exists() && self.pending_has_value(id, token).await => {
                tracing::info!("another invocation put the AWSPENDING value first");
                Ok(())
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The target for this secret: RDS JSON names its engine; anything else
    /// takes the configured or tagged target.
    fn target_spec(&self, value: &SecretValue, meta: &Meta) -> Result<TargetSpec, RotateError> {
        let engine = value
            .expose_str()
            .and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok())
            .and_then(|v| v.get("engine").and_then(|e| e.as_str()).map(str::to_owned));
        if let Some(engine) = engine {
            // The same engine lists the targets accept.
            let engine = engine.as_str();
            return if POSTGRES_ENGINES.contains(&engine) {
                Ok(TargetSpec::Postgres)
            } else if MYSQL_ENGINES.contains(&engine) {
                Ok(TargetSpec::Mysql)
            } else {
                Err(RotateError::invalid(format!(
                    "database engine `{engine}` is not supported (PostgreSQL or MySQL/MariaDB)"
                )))
            };
        }
        if let Some(spec) = &self.config.target {
            return Ok(spec.clone());
        }
        match meta.tags.get(TAG_TARGET) {
            Some(tag) => tag
                .parse()
                .map_err(|e: StoreError| RotateError::from(e).context(format!("tag {TAG_TARGET}"))),
            None => Err(RotateError::invalid(
                "the secret is not RDS JSON with an `engine`, and no target is configured \
                 (set ROTAPLAN_TARGET to `noop` or `command:PROG`, or tag the secret rotaplan:target)",
            )),
        }
    }

    async fn set_or_test(&self, id: &SecretId, token: &Token, meta: &Meta, step: Step) -> Result<(), RotateError> {
        let pending = self
            .store
            .get_value(id, &VersionRef::Id(VersionId::from(token)))
            .await?
            .value;
        let strategy = self.strategy(meta)?;
        let rotation = RotationConfig::new(meta.schedule.clone().unwrap_or_default())
            .with_strategy(strategy)
            .with_target(self.target_spec(&pending, meta)?);
        let ctx = StepContext::new(id, token, step, strategy, Some(&rotation));
        if step == Step::Set {
            let current = self.store.get_value(id, &VersionRef::current()).await?.value;
            Ok(self.target.set_secret(&ctx, &pending, &current).await?)
        } else {
            Ok(self.target.test_secret(&ctx, &pending).await?)
        }
    }

    async fn finish(&self, id: &SecretId, token: &Token, meta: &Meta) -> Result<(), RotateError> {
        let current = meta.holder(Stage::current().as_str());
        self.stage(id, "AWSCURRENT", Some(token.as_str()), current).await?;
        tracing::info!(
            previous = current.unwrap_or("none"),
            "moved AWSCURRENT to the token's version"
        );
        self.stage(id, "AWSPENDING", None, Some(token.as_str())).await
    }

    async fn stage(&self, id: &SecretId, stage: &str, to: Option<&str>, from: Option<&str>) -> Result<(), RotateError> {
        self.store
            .client()
            .update_secret_version_stage()
            .secret_id(id.as_str())
            .version_stage(stage)
            .set_move_to_version_id(to.map(str::to_owned))
            .set_remove_from_version_id(from.map(str::to_owned))
            .send()
            .await
            .map_err(|e| map_err("UpdateSecretVersionStage", || format!("{stage} of secret `{id}`"), e))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<LambdaConfig, RotateError> {
        LambdaConfig::from_vars(|k| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| (*v).to_owned()))
    }

    #[test]
    fn environment() {
        let c = config(&[]).unwrap();
        assert_eq!(c, LambdaConfig::default());
        assert_eq!(
            (c.target, c.strategy, c.password_source),
            (None, None, PasswordSource::Aws)
        );
        let c = config(&[
            ("ROTAPLAN_TARGET", "command:/opt/rotate"),
            ("ROTAPLAN_STRATEGY", "alternating-users"),
            ("ROTAPLAN_PASSWORD_SOURCE", "local"),
            ("ROTAPLAN_PASSWORD_LENGTH", "12"),
            ("EXCLUDE_PUNCTUATION", "true"),
            ("EXCLUDE_CHARACTERS", ""),
        ])
        .unwrap();
        assert_eq!(c.target, Some(TargetSpec::Command("/opt/rotate".into())));
        assert_eq!(c.strategy, Some(Strategy::AlternatingUsers));
        let pw = c.password.generate().unwrap();
        let pw = pw.expose_str().unwrap();
        assert_eq!(pw.len(), 12);
        assert!(pw.chars().all(|c| c.is_ascii_alphanumeric()), "{pw}");

        for (var, value, says) in [
            ("ROTAPLAN_TARGET", "vault", "ROTAPLAN_TARGET"),
            ("ROTAPLAN_STRATEGY", "both", "ROTAPLAN_STRATEGY"),
            ("ROTAPLAN_PASSWORD_SOURCE", "kms", "ROTAPLAN_PASSWORD_SOURCE"),
            ("ROTAPLAN_PASSWORD_LENGTH", "3", "from 4 to 4096"),
            ("ROTAPLAN_PASSWORD_LENGTH", "x", "ROTAPLAN_PASSWORD_LENGTH"),
            ("EXCLUDE_PUNCTUATION", "yes", "EXCLUDE_PUNCTUATION"),
        ] {
            let err = config(&[(var, value)]).unwrap_err();
            assert!(
                err.is_invalid_request() && err.to_string().contains(says),
                "{var}={value}: {err}"
            );
        }
        let impossible: String = (' '..='~').collect();
        let err = config(&[("EXCLUDE_CHARACTERS", impossible.as_str())]).unwrap_err();
        assert!(err.to_string().contains("EXCLUDE_CHARACTERS"), "{err}");
    }
}

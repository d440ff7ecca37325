/*!
Rotate secrets the way AWS Secrets Manager does, against any backend.

The [`Rotator`] runs the four steps of a rotation, createSecret → setSecret →
testSecret → finishSecret, for one secret and one [`Token`], over a
[`SecretStore`] (where versions and their stages live) and a [`Target`] (the
system whose credential changes). Every step is idempotent, so a rotation
that failed or crashed resumes when rerun with the same token, and the value
under AWSCURRENT keeps working throughout.

# Example

```
use rotaplan::rotate::{MemoryStore, NoopTarget, Rotator, SecretId, SecretStore, SecretValue, Stage, Token, VersionRef};
# tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
let store = MemoryStore::new();
let id = SecretId::new("api/key")?;
let first = Token::generate();
store.create(&id, Some((&first, &SecretValue::from("k1"))), None).await?;

let rotator = Rotator::new(&store, NoopTarget);
let token = Token::generate();
let outcome = rotator.rotate(&id, &token).await?;
assert_eq!(outcome.version.as_str(), token.as_str());

let d = store.describe(&id).await?;
assert_eq!(d.version_with(&Stage::current()).map(|v| v.as_str()), Some(token.as_str()));
assert_eq!(d.version_with(&Stage::previous()).map(|v| v.as_str()), Some(first.as_str()));
assert_eq!(d.version_with(&Stage::pending()), None);
# Ok::<(), Box<dyn std::error::Error>>(())
# }).unwrap();
```

# The steps

- **createSecret**: unless the token's version exists, generate a new value
  from AWSCURRENT's and put it under the token with AWSPENDING. That put is
  the *claim*: it fails with [`RotateError::is_rotation_in_progress`] while
  another version, not AWSCURRENT, holds AWSPENDING, naming that version.
- **setSecret**: [`Target::set_secret`] with the pending and current values.
- **testSecret**: [`Target::test_secret`] with the pending value.
- **finishSecret**: move AWSCURRENT to the token's version, naming the
  version it leaves (AWSPREVIOUS follows), remove AWSPENDING, and record the
  rotation date.

Once the token's version holds AWSCURRENT, every step is a no-op (finish only
cleans a leftover AWSPENDING).

# Values

A secret whose AWSCURRENT value is a JSON object with a `"password"` string
gets a new password in that field, other fields kept. With
[`Strategy::AlternatingUsers`] its `"username"` also switches between
`name` and `name_clone`. Any other text value is replaced by a new password
(an API key). Passwords come from [`PasswordPolicy`] (GetRandomPassword's
parameters, the OS random source).

# Stores

- [`MemoryStore`]: in process memory, for tests and embedding.
- `SqliteStore` (feature `sqlite`, on by default): a SQLite file, values
  encrypted with XChaCha20-Poly1305 under a master key, safe to share
  between processes.
- `AwsSecretsManager` (feature `aws`): AWS Secrets Manager itself; rotaplan
  runs the steps, no Lambda. Its rotation rules live in `rotaplan:*` tags.

# Secrets stay secret

[`SecretValue`] prints as `<redacted>` in `Debug` and `Display`; errors and
tracing events carry ids, stages and step names, never values.
*/

mod error;
mod password;
mod schedule;

use std::fmt;
use std::time::Duration;

use chrono::Utc;
use tracing::Instrument;

pub(crate) use error::ErrorContext;
pub use error::RotateError;
pub use password::PasswordPolicy;
pub use schedule::{Due, DueReport, RunSummary};

// The stores and targets live in their own modules; re-exported here so a
// rotation needs one import path.
#[cfg(feature = "aws")]
#[cfg_attr(docsrs, doc(cfg(feature = "aws")))]
pub use crate::store::{AwsSecretsManager, TAG_DURATION, TAG_LAST_ROTATED, TAG_SCHEDULE, TAG_STRATEGY, TAG_TARGET};
pub use crate::store::{
    Deletion, Description, MemoryStore, PutOutcome, RotationConfig, SecretId, SecretStore, SecretValue, SecretVersion,
    Stage, Strategy, TargetSpec, Token, VersionId, VersionInfo, VersionRef, MAX_DEPRECATED_VERSIONS,
    MAX_STAGES_PER_VERSION,
};
#[cfg(feature = "sqlite")]
#[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
pub use crate::store::{MasterKey, SqliteStore, MASTER_KEY_ENV};
pub use crate::target::{CommandTarget, NoopTarget, SpecTarget, Step, StepContext, Target};
#[cfg(feature = "mysql")]
#[cfg_attr(docsrs, doc(cfg(feature = "mysql")))]
pub use crate::target::{MysqlSecret, MysqlUser};
#[cfg(feature = "postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
pub use crate::target::{PostgresRole, RdsSecret};

/// How [`Rotator::rotate`] retries a failed rotation.
///
/// Only transient failures ([`RotateError::is_transient`]) are retried, with
/// the same token, so each retry resumes where the last attempt stopped.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use rotaplan::rotate::RetryPolicy;
/// let r = RetryPolicy::new(5).backoff(Duration::from_millis(100), Duration::from_secs(5));
/// assert_eq!(r.max_attempts(), 5);
/// assert_eq!(RetryPolicy::none().max_attempts(), 1);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// Up to `max_attempts` attempts in all (at least 1), with the default
    /// backoff (1 s, doubling, at most 30 s).
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::rotate::RetryPolicy;
    /// assert_eq!(RetryPolicy::new(0).max_attempts(), 1);
    /// ```
    pub fn new(max_attempts: u32) -> RetryPolicy {
        RetryPolicy {
            max_attempts: max_attempts.max(1),
            ..RetryPolicy::default()
        }
    }

    /// A single attempt.
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::rotate::RetryPolicy;
    /// assert_eq!(RetryPolicy::none(), RetryPolicy::new(1));
    /// ```
    pub fn none() -> RetryPolicy {
        RetryPolicy::new(1)
    }

    /// The first delay and the cap; each delay doubles the one before.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use rotaplan::rotate::RetryPolicy;
    /// let r = RetryPolicy::new(3).backoff(Duration::ZERO, Duration::ZERO);
    /// # let _ = r;
    /// ```
    pub fn backoff(mut self, initial: Duration, max: Duration) -> RetryPolicy {
        self.initial_backoff = initial;
        self.max_backoff = max.max(initial);
        self
    }

    /// The number of attempts.
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::rotate::RetryPolicy;
    /// assert_eq!(RetryPolicy::default().max_attempts(), 3);
    /// ```
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    fn delay(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
        self.initial_backoff.saturating_mul(factor).min(self.max_backoff)
    }
}

/// What a finished rotation left behind.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RotationOutcome {
    /// The rotated secret.
    pub secret: SecretId,
    /// The version now holding AWSCURRENT (the token's).
    pub version: VersionId,
    /// The version now holding AWSPREVIOUS.
    pub previous: Option<VersionId>,
    /// How many attempts it took (1 if nothing failed).
    pub attempts: u32,
}

/// Runs rotations: createSecret → setSecret → testSecret → finishSecret.
///
/// Generic over the store and the target; pass `&store` or an `Arc` to share
/// a store. See the [module docs](self) for the steps.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use rotaplan::rotate::{MemoryStore, NoopTarget, PasswordPolicy, RetryPolicy, Rotator};
/// let store = MemoryStore::new();
/// let rotator = Rotator::new(&store, NoopTarget)
///     .password_policy(PasswordPolicy::default().length(40))
///     .step_timeout(Duration::from_secs(10))
///     .retry(RetryPolicy::new(5));
/// # let _ = rotator;
/// ```
pub struct Rotator<S, T> {
    store: S,
    target: T,
    password: PasswordPolicy,
    step_timeout: Duration,
    retry: RetryPolicy,
}

impl<S: fmt::Debug, T: fmt::Debug> fmt::Debug for Rotator<S, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rotator")
            .field("store", &self.store)
            .field("target", &self.target)
            .field("password", &self.password)
            .field("step_timeout", &self.step_timeout)
            .field("retry", &self.retry)
            .finish()
    }
}

impl<S: SecretStore, T: Target> Rotator<S, T> {
    /// A rotator with the default password policy, a 60 s step time-out and
    /// three attempts.
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::rotate::{MemoryStore, NoopTarget, Rotator};
    /// let r = Rotator::new(MemoryStore::new(), NoopTarget);
    /// # let _ = r;
    /// ```
    pub fn new(store: S, target: T) -> Rotator<S, T> {
        Rotator {
            store,
            target,
            password: PasswordPolicy::default(),
            step_timeout: Duration::from_secs(60),
            retry: RetryPolicy::default(),
        }
    }

    /// The policy for new passwords.
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::rotate::{MemoryStore, NoopTarget, PasswordPolicy, Rotator};
    /// let r = Rotator::new(MemoryStore::new(), NoopTarget)
    ///     .password_policy(PasswordPolicy::default().exclude_punctuation(true));
    /// # let _ = r;
    /// ```
    pub fn password_policy(mut self, policy: PasswordPolicy) -> Rotator<S, T> {
        self.password = policy;
        self
    }

    /// The time-out of each step (default 60 s). A step that runs over it
    /// fails with [`RotateError::is_timeout`] and is retried.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use rotaplan::rotate::{MemoryStore, NoopTarget, Rotator};
    /// let r = Rotator::new(MemoryStore::new(), NoopTarget).step_timeout(Duration::from_secs(5));
    /// # let _ = r;
    /// ```
    pub fn step_timeout(mut self, timeout: Duration) -> Rotator<S, T> {
        self.step_timeout = timeout;
        self
    }

    /// How whole rotations are retried.
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::rotate::{MemoryStore, NoopTarget, RetryPolicy, Rotator};
    /// let r = Rotator::new(MemoryStore::new(), NoopTarget).retry(RetryPolicy::none());
    /// # let _ = r;
    /// ```
    pub fn retry(mut self, retry: RetryPolicy) -> Rotator<S, T> {
        self.retry = retry;
        self
    }

    /// The store.
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::rotate::{MemoryStore, NoopTarget, Rotator};
    /// let r = Rotator::new(MemoryStore::new(), NoopTarget);
    /// let _store: &MemoryStore = r.store();
    /// ```
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The target.
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::rotate::{MemoryStore, NoopTarget, Rotator};
    /// let r = Rotator::new(MemoryStore::new(), NoopTarget);
    /// let _t: &NoopTarget = r.target();
    /// ```
    pub fn target(&self) -> &T {
        &self.target
    }

    /// Rotates `id` with `token`, retrying transient failures with backoff.
    ///
    /// Rerunning with the same token resumes an unfinished rotation; once it
    /// finished, rerunning changes nothing.
    ///
    /// # Errors
    ///
    /// The last attempt's error, with context ``rotating secret `id`:
    /// <step>: …``. [`RotateError::is_rotation_in_progress`] when another
    /// token's version holds AWSPENDING.
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::rotate::{MemoryStore, NoopTarget, Rotator, SecretId, SecretStore, SecretValue, Stage, Token};
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let store = MemoryStore::new();
    /// let id = SecretId::new("db/main")?;
    /// let json = r#"{"username":"app","password":"old"}"#;
    /// store.create(&id, Some((&Token::generate(), &SecretValue::from(json))), None).await?;
    /// let rotator = Rotator::new(&store, NoopTarget);
    /// let token = Token::generate();
    /// rotator.rotate(&id, &token).await?;
    /// rotator.rotate(&id, &token).await?; // same token: nothing more happens
    /// assert_eq!(store.describe(&id).await?.versions.len(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub async fn rotate(&self, id: &SecretId, token: &Token) -> Result<RotationOutcome, RotateError> {
        let span = tracing::info_span!("rotate", secret = %id, token = %token);
        async {
            let mut attempt = 1;
            loop {
                match self.attempt(id, token).await {
                    Ok(mut outcome) => {
                        outcome.attempts = attempt;
                        tracing::info!(attempts = attempt, "rotation finished");
                        return Ok(outcome);
                    }
                    Err(err) if err.is_transient() && attempt < self.retry.max_attempts => {
                        let delay = self.retry.delay(attempt);
                        tracing::warn!(
                            attempt,
                            delay_ms = delay.as_millis() as u64,
                            error = %err,
                            "rotation attempt failed; retrying with the same token"
                        );
                        tokio::time::sleep(delay).await;
                        attempt += 1;
                    }
                    Err(err) => {
                        tracing::error!(attempt, error = %err, "rotation failed");
                        return Err(err);
                    }
                }
            }
        }
        .instrument(span)
        .await
    }

    /// One attempt at all four steps, no retry.
    ///
    /// # Errors
    ///
    /// As [`rotate`](Self::rotate).
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::rotate::{MemoryStore, NoopTarget, Rotator, SecretId, SecretStore, SecretValue, Token};
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let store = MemoryStore::new();
    /// let id = SecretId::new("api/key")?;
    /// store.create(&id, Some((&Token::generate(), &SecretValue::from("k"))), None).await?;
    /// let out = Rotator::new(&store, NoopTarget).rotate_once(&id, &Token::generate()).await?;
    /// assert_eq!(out.attempts, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub async fn rotate_once(&self, id: &SecretId, token: &Token) -> Result<RotationOutcome, RotateError> {
        let span = tracing::info_span!("rotate", secret = %id, token = %token);
        self.attempt(id, token).instrument(span).await
    }

    async fn attempt(&self, id: &SecretId, token: &Token) -> Result<RotationOutcome, RotateError> {
        for step in Step::ALL {
            self.run_step(id, token, step).await?;
        }
        let d = self
            .store
            .describe(id)
            .await
            .with_context(|| format!("rotating secret `{id}`"))?;
        Ok(RotationOutcome {
            secret: id.clone(),
            version: VersionId::from(token),
            previous: d.version_with(&Stage::previous()).cloned(),
            attempts: 1,
        })
    }

    /// Runs one step, under the step time-out, in its own tracing span.
    ///
    /// # Errors
    ///
    /// The step's failure, with context ``rotating secret `id`: <step>``.
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::rotate::{MemoryStore, NoopTarget, Rotator, SecretId, SecretStore, SecretValue, Stage, Step, Token, VersionId};
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let store = MemoryStore::new();
    /// let id = SecretId::new("api/key")?;
    /// store.create(&id, Some((&Token::generate(), &SecretValue::from("k"))), None).await?;
    /// let rotator = Rotator::new(&store, NoopTarget);
    /// let token = Token::generate();
    /// rotator.run_step(&id, &token, Step::Create).await?;
    /// let d = store.describe(&id).await?;
    /// assert_eq!(d.version_with(&Stage::pending()), Some(&VersionId::from(&token)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub async fn run_step(&self, id: &SecretId, token: &Token, step: Step) -> Result<(), RotateError> {
        let span = tracing::info_span!("rotation_step", secret = %id, step = step.as_str());
        let work = async {
            let result = match step {
                Step::Create => self.create_secret(id, token).await,
                Step::Set => self.set_secret(id, token).await,
                Step::Test => self.test_secret(id, token).await,
                Step::Finish => self.finish_secret(id, token).await,
            };
            match &result {
                Ok(()) => tracing::info!("step done"),
                Err(e) => tracing::warn!(error = %e, "step failed"),
            }
            result
        }
        .instrument(span);
        let result = match tokio::time::timeout(self.step_timeout, work).await {
            Ok(r) => r,
            Err(_) => Err(RotateError::timeout(step.as_str(), self.step_timeout)),
        };
        result
            .map_err(|e| if e.is_timeout() { e } else { e.context(step.as_str()) })
            .with_context(|| format!("rotating secret `{id}`"))
    }

    async fn create_secret(&self, id: &SecretId, token: &Token) -> Result<(), RotateError> {
        let d = self.store.describe(id).await?;
        let version = VersionId::from(token);
        if self.token_state(&d, &version)? != TokenState::Missing {
            return Ok(());
        }
        if let Some(pending) = d.version_with(&Stage::pending()) {
            let on_current = d.versions[pending].stages.contains(&Stage::current());
            if !on_current {
                return Err(RotateError::rotation_in_progress(id.as_str(), pending.as_str()));
            }
        }
        let current = self.store.get_value(id, &VersionRef::current()).await?;
        let strategy = d.rotation.as_ref().map(|r| r.strategy).unwrap_or_default();
        let next = next_value(&current.value, strategy, &self.password)?;
        match self.store.put_value(id, token, &next, Some(&[Stage::pending()])).await {
            Ok(_) => Ok(()),
            // Another rotator with the same token put its own value first:
            // that version is this rotation's, keep it.
            Err(e) if e.is_already_exists() => {
                let d = self.store.describe(id).await?;
                match self.token_state(&d, &version)? {
                    TokenState::Missing => Err(e),
                    _ => Ok(()),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// Where the token's version stands.
    fn token_state(&self, d: &Description, version: &VersionId) -> Result<TokenState, RotateError> {
        match d.versions.get(version) {
            None => Ok(TokenState::Missing),
            Some(v) if v.stages.contains(&Stage::current()) => Ok(TokenState::Current),
            Some(v) if v.stages.contains(&Stage::pending()) => Ok(TokenState::Pending),
            Some(_) => Err(RotateError::invalid(format!(
                "version `{version}` of secret `{}` holds neither AWSPENDING nor AWSCURRENT \
                 (use a new token)",
                d.id
            ))),
        }
    }

    async fn pending_context(
        &self,
        id: &SecretId,
        token: &Token,
    ) -> Result<Option<(Description, SecretValue)>, RotateError> {
        let d = self.store.describe(id).await?;
        let version = VersionId::from(token);
        match self.token_state(&d, &version)? {
            TokenState::Current => Ok(None),
            TokenState::Pending => {
                let pending = self.store.get_value(id, &VersionRef::Id(version)).await?;
                Ok(Some((d, pending.value)))
            }
            TokenState::Missing => Err(RotateError::not_found(format!(
                "version `{version}` of secret `{id}` (run createSecret first)"
            ))),
        }
    }

    async fn set_secret(&self, id: &SecretId, token: &Token) -> Result<(), RotateError> {
        let Some((d, pending)) = self.pending_context(id, token).await? else {
            return Ok(());
        };
        let current = self.store.get_value(id, &VersionRef::current()).await?;
        let strategy = d.rotation.as_ref().map(|r| r.strategy).unwrap_or_default();
        let ctx = StepContext::new(id, token, Step::Set, strategy, d.rotation.as_ref());
        self.target.set_secret(&ctx, &pending, &current.value).await
    }

    async fn test_secret(&self, id: &SecretId, token: &Token) -> Result<(), RotateError> {
        let Some((d, pending)) = self.pending_context(id, token).await? else {
            return Ok(());
        };
        let strategy = d.rotation.as_ref().map(|r| r.strategy).unwrap_or_default();
        let ctx = StepContext::new(id, token, Step::Test, strategy, d.rotation.as_ref());
        self.target.test_secret(&ctx, &pending).await
    }

    async fn finish_secret(&self, id: &SecretId, token: &Token) -> Result<(), RotateError> {
        let d = self.store.describe(id).await?;
        let version = VersionId::from(token);
        let state = self.token_state(&d, &version)?;
        if state == TokenState::Missing {
            return Err(RotateError::not_found(format!(
                "version `{version}` of secret `{id}` (run createSecret first)"
            )));
        }
        let pending = Stage::pending();
        if state == TokenState::Pending {
            let current = d.version_with(&Stage::current()).cloned();
            self.store
                .update_stage(id, &Stage::current(), Some(&version), current.as_ref())
                .await?;
            tracing::info!(version = %version, previous = ?current.as_ref().map(VersionId::as_str), "moved AWSCURRENT");
        }
        if d.versions[&version].stages.contains(&pending) {
            self.store.update_stage(id, &pending, None, Some(&version)).await?;
        }
        let created = d.versions[&version].created;
        if d.last_rotated.is_none_or(|t| t < created) {
            self.store.mark_rotated(id, Utc::now()).await?;
        }
        Ok(())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TokenState {
    Missing,
    Pending,
    Current,
}

/// The value a rotation puts under AWSPENDING, made from AWSCURRENT's.
fn next_value(current: &SecretValue, strategy: Strategy, policy: &PasswordPolicy) -> Result<SecretValue, RotateError> {
    let password = policy.generate()?;
    next_value_with(
        current,
        strategy,
        password.expose_str().expect("passwords are text").to_owned(),
    )
}

/// The value a rotation puts under AWSPENDING, with a given new password
/// (the Lambda handler's may come from GetRandomPassword).
pub(crate) fn next_value_with(
    current: &SecretValue,
    strategy: Strategy,
    password: String,
) -> Result<SecretValue, RotateError> {
    let json = current
        .expose_str()
        .and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok())
        .filter(|v| v.get("password").is_some_and(serde_json::Value::is_string));
    match (json, strategy) {
        (Some(mut obj), strategy) => {
            obj["password"] = serde_json::Value::String(password);
            if strategy == Strategy::AlternatingUsers {
                let user = obj.get("username").and_then(serde_json::Value::as_str).ok_or_else(|| {
                    RotateError::invalid("alternating users needs a \"username\" string in the secret JSON")
                })?;
                obj["username"] = serde_json::Value::String(alternate_user(user));
            }
            let text = zeroize::Zeroizing::new(obj.to_string());
            Ok(SecretValue::text(text.as_str().to_owned()))
        }
        (None, Strategy::AlternatingUsers) => Err(RotateError::invalid(
            "alternating users needs a JSON secret with \"username\" and \"password\"",
        )),
        (None, _) => Ok(SecretValue::text(password)),
    }
}

/// `app` → `app_clone`, `app_clone` → `app`.
fn alternate_user(user: &str) -> String {
    match user.strip_suffix("_clone") {
        Some(original) if !original.is_empty() => original.to_owned(),
        _ => format!("{user}_clone"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alternating_names() {
        assert_eq!(alternate_user("app"), "app_clone");
        assert_eq!(alternate_user("app_clone"), "app");
        assert_eq!(alternate_user("_clone"), "_clone_clone");
    }

    #[test]
    fn next_value_keeps_other_fields() {
        let cur = SecretValue::from(r#"{"username":"app","password":"old","host":"db"}"#);
        let next = next_value(&cur, Strategy::AlternatingUsers, &PasswordPolicy::default()).unwrap();
        let v: serde_json::Value = serde_json::from_str(next.expose_str().unwrap()).unwrap();
        assert_eq!(v["username"], "app_clone");
        assert_eq!(v["host"], "db");
        assert_ne!(v["password"], "old");
        assert_eq!(v["password"].as_str().unwrap().len(), 32);

        let plain = next_value(
            &SecretValue::from("k"),
            Strategy::SingleUser,
            &PasswordPolicy::default(),
        )
        .unwrap();
        assert_eq!(plain.expose_str().unwrap().len(), 32);
        assert!(next_value(
            &SecretValue::from("k"),
            Strategy::AlternatingUsers,
            &PasswordPolicy::default()
        )
        .unwrap_err()
        .is_invalid_request());
    }

    #[test]
    fn backoff_doubles_to_cap() {
        let r = RetryPolicy::new(9).backoff(Duration::from_secs(1), Duration::from_secs(5));
        let delays: Vec<u64> = (1..=5).map(|a| r.delay(a).as_secs()).collect();
        assert_eq!(delays, [1, 2, 4, 5, 5]);
    }
}

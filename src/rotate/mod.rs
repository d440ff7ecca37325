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
use rotaplan::rotate::Rotator;
use rotaplan::store::{MemoryStore, SecretId, SecretStore, SecretValue, Stage, Token, VersionRef};
use rotaplan::target::NoopTarget;
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

# Exactly once, across processes

[`Rotator::rotate`] trusts its caller with the token. Schedulers use
[`Rotator::run_due`] / [`Rotator::rotate_due`] (and operators
[`Rotator::rotate_exclusive`], [`Rotator::resume`]), which first *claim* the
secret with [`SecretStore::claim`]: the store re-checks, atomically with
writing the pending version, that AWSCURRENT and the last rotation date are
what the scheduler planned from, and hands out a lease that the driver
renews before a step once it is half a step time-out old. Losers get [`Attempt::Skipped`] with a [`Skip`]
reason; an abandoned rotation (its owner died, or failed and let go) is
resumed with its own token. [`Rotator::cancel`] gives a failed rotation up,
like CancelRotateSecret.

# History, events, audit

The local stores record every claimed attempt ([`SecretStore::history`]);
the driver ends a failed one with its step and error text and a cancelled
one ([`SecretStore::end_attempt`]). [`Rotator::on_event`] hears each
rotation start, succeed, fail or take over an abandoned one, and
[`Rotator::on_step`] each step end, with how long it took. [`audit`]
judges every secret of a store against the rotation rules ([`AuditRule`]).

# Values

A secret whose AWSCURRENT value is a JSON object with a `"password"` string
gets a new password in that field, other fields kept. With
[`Strategy::AlternatingUsers`] its `"username"` also switches between
`name` and `name_clone`. Any other text value is replaced by a new password
(an API key). Passwords come from [`PasswordPolicy`] (GetRandomPassword's
parameters, the OS random source).

# Stores

- [`MemoryStore`](crate::store::MemoryStore): in process memory, for tests and embedding.
- `SqliteStore` (feature `sqlite`, on by default): a SQLite file, values
  encrypted with XChaCha20-Poly1305 under a master key, safe to share
  between processes.
- `AwsSecretsManager` (feature `aws`): AWS Secrets Manager itself; rotaplan
  runs the steps, no Lambda. Its rotation rules live in `rotaplan:*` tags.

# Secrets stay secret

[`SecretValue`] prints as `<redacted>` in `Debug` and `Display`; errors and
tracing events carry ids, stages and step names, never values.
*/

mod audit;
mod error;
mod event;
mod schedule;

use std::fmt;
use std::time::Duration;

use chrono::Utc;
use tracing::Instrument;

pub use audit::{audit, AuditOptions, AuditReport, Finding, Rule as AuditRule, Verdict, STUCK_AFTER};
pub(crate) use error::ErrorContext;
pub use error::RotateError;
pub use event::{EventKind, RotationEvent};
pub use schedule::{Due, DueReport, RunSummary};

use crate::store::{
    Claim, Claimed, Description, Outcome, Owner, PasswordPolicy, SecretId, SecretStore, SecretValue, Skip, Stage,
    StoreError, Strategy, Token, VersionId, VersionRef,
};
use crate::target::{Step, StepContext, Target};

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

/// What [`Rotator::rotate_exclusive`] and the scheduler did with one secret.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Attempt {
    /// This run rotated it.
    Rotated(RotationOutcome),
    /// Another run rotated it or is rotating it.
    Skipped(Skip),
}

impl Attempt {
    /// The outcome, if this run rotated the secret.
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::rotate::Attempt;
    /// use rotaplan::store::Skip;
    /// assert!(Attempt::Skipped(Skip::AlreadyRotated).rotated().is_none());
    /// ```
    pub fn rotated(&self) -> Option<&RotationOutcome> {
        match self {
            Attempt::Rotated(o) => Some(o),
            Attempt::Skipped(_) => None,
        }
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
/// use rotaplan::rotate::{RetryPolicy, Rotator};
/// use rotaplan::store::{MemoryStore, PasswordPolicy};
/// use rotaplan::target::NoopTarget;
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
    on_retry: Option<RetryHook>,
    jobs: usize,
    on_event: Option<EventHook>,
    on_step: Option<StepHook>,
}

/// Called with each rotation event.
type EventHook = std::sync::Arc<dyn Fn(RotationEvent) + Send + Sync>;

/// Called after each step: the secret, the step, how long it took, whether it succeeded.
type StepHook = std::sync::Arc<dyn Fn(&SecretId, Step, Duration, bool) + Send + Sync>;

/// Called before each retry: the secret, the attempt that failed, its error.
type RetryHook = std::sync::Arc<dyn Fn(&SecretId, u32, &RotateError) + Send + Sync>;

impl<S: fmt::Debug, T: fmt::Debug> fmt::Debug for Rotator<S, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rotator")
            .field("store", &self.store)
            .field("target", &self.target)
            .field("password", &self.password)
            .field("step_timeout", &self.step_timeout)
            .field("retry", &self.retry)
            .field("on_retry", &self.on_retry.is_some())
            .field("jobs", &self.jobs)
            .field("on_event", &self.on_event.is_some())
            .field("on_step", &self.on_step.is_some())
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
    /// # use rotaplan::rotate::Rotator;
    /// # use rotaplan::store::MemoryStore;
    /// # use rotaplan::target::NoopTarget;
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
            on_retry: None,
            jobs: 1,
            on_event: None,
            on_step: None,
        }
    }

    /// How many secrets [`run_due`](Self::run_due) and
    /// [`rotate_all`](Self::rotate_all) rotate at once (default 1; at least
    /// 1). They share this rotator's store client; a slow target holds back
    /// only its own rotation, for at most the step time-out per step.
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::rotate::Rotator;
    /// # use rotaplan::store::MemoryStore;
    /// # use rotaplan::target::NoopTarget;
    /// let r = Rotator::new(MemoryStore::new(), NoopTarget).jobs(4);
    /// # let _ = r;
    /// ```
    pub fn jobs(mut self, jobs: usize) -> Rotator<S, T> {
        self.jobs = jobs.max(1);
        self
    }

    /// The policy for new passwords.
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::rotate::Rotator;
    /// # use rotaplan::store::{MemoryStore, PasswordPolicy};
    /// # use rotaplan::target::NoopTarget;
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
    /// # use rotaplan::rotate::Rotator;
    /// # use rotaplan::store::MemoryStore;
    /// # use rotaplan::target::NoopTarget;
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
    /// # use rotaplan::rotate::{RetryPolicy, Rotator};
    /// # use rotaplan::store::MemoryStore;
    /// # use rotaplan::target::NoopTarget;
    /// let r = Rotator::new(MemoryStore::new(), NoopTarget).retry(RetryPolicy::none());
    /// # let _ = r;
    /// ```
    pub fn retry(mut self, retry: RetryPolicy) -> Rotator<S, T> {
        self.retry = retry;
        self
    }

    /// Calls `hook` each time a failed attempt is about to be retried (to
    /// tell an operator that a step timed out, say).
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::rotate::Rotator;
    /// # use rotaplan::store::MemoryStore;
    /// # use rotaplan::target::NoopTarget;
    /// let r = Rotator::new(MemoryStore::new(), NoopTarget)
    ///     .on_retry(|id, attempt, err| eprintln!("{id}: attempt {attempt} failed: {err}"));
    /// # let _ = r;
    /// ```
    pub fn on_retry(mut self, hook: impl Fn(&SecretId, u32, &RotateError) + Send + Sync + 'static) -> Rotator<S, T> {
        self.on_retry = Some(std::sync::Arc::new(hook));
        self
    }

    /// Calls `hook` with each [`RotationEvent`] of a claimed rotation
    /// ([`Rotator::rotate_exclusive`], [`Rotator::resume`],
    /// [`Rotator::rotate_due`], [`Rotator::run_due`]), in order, on the
    /// rotating task: the hook should hand the event off (a channel) rather
    /// than do slow work.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use rotaplan::rotate::Rotator;
    /// use rotaplan::store::{MemoryStore, SecretId, SecretStore, SecretValue, Token};
    /// use rotaplan::target::NoopTarget;
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let store = MemoryStore::new();
    /// let id = SecretId::new("k")?;
    /// store.create(&id, Some((&Token::generate(), &SecretValue::from("v"))), None).await?;
    /// let seen = Arc::new(Mutex::new(Vec::new()));
    /// let log = Arc::clone(&seen);
    /// let rotator = Rotator::new(&store, NoopTarget).on_event(move |e| log.lock().unwrap().push(e.kind.as_str()));
    /// rotator.rotate_exclusive(&id).await?;
    /// assert_eq!(*seen.lock().unwrap(), ["RotationStarted", "RotationSucceeded"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub fn on_event(mut self, hook: impl Fn(RotationEvent) + Send + Sync + 'static) -> Rotator<S, T> {
        self.on_event = Some(std::sync::Arc::new(hook));
        self
    }

    /// Calls `hook` after each step this rotator runs (createSecret,
    /// setSecret, testSecret, finishSecret; a retried rotation runs its
    /// steps again), with the secret, the step, how long it took (a step
    /// that timed out: the time-out) and whether it succeeded; on the
    /// rotating task, so it should be quick (a metrics histogram, say).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use rotaplan::rotate::Rotator;
    /// use rotaplan::store::{MemoryStore, SecretId, SecretStore, SecretValue, Token};
    /// use rotaplan::target::NoopTarget;
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let store = MemoryStore::new();
    /// let id = SecretId::new("k")?;
    /// store.create(&id, Some((&Token::generate(), &SecretValue::from("v"))), None).await?;
    /// let seen = Arc::new(Mutex::new(Vec::new()));
    /// let log = Arc::clone(&seen);
    /// let rotator = Rotator::new(&store, NoopTarget)
    ///     .on_step(move |_id, step, _took, ok| log.lock().unwrap().push((step.as_str(), ok)));
    /// rotator.rotate(&id, &Token::generate()).await?;
    /// assert_eq!(
    ///     *seen.lock().unwrap(),
    ///     [("createSecret", true), ("setSecret", true), ("testSecret", true), ("finishSecret", true)]
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub fn on_step(mut self, hook: impl Fn(&SecretId, Step, Duration, bool) + Send + Sync + 'static) -> Rotator<S, T> {
        self.on_step = Some(std::sync::Arc::new(hook));
        self
    }

    fn emit(&self, event: RotationEvent) {
        if let Some(hook) = &self.on_event {
            hook(event);
        }
    }

    /// How long a claim's lease lasts between renewals: twice the step
    /// time-out and the longest retry backoff, so a live owner, which
    /// renews before any step once the lease is half a step time-out old,
    /// never lets it lapse (at most half a time-out, a step and a backoff
    /// pass between two writes).
    fn lease_ttl(&self) -> Duration {
        self.step_timeout
            .saturating_add(self.retry.max_backoff)
            .saturating_mul(2)
            .saturating_add(Duration::from_secs(10))
    }

    /// The store.
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::rotate::Rotator;
    /// # use rotaplan::store::MemoryStore;
    /// # use rotaplan::target::NoopTarget;
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
    /// # use rotaplan::rotate::Rotator;
    /// # use rotaplan::store::MemoryStore;
    /// # use rotaplan::target::NoopTarget;
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
    /// use rotaplan::rotate::Rotator;
    /// use rotaplan::store::{MemoryStore, SecretId, SecretStore, SecretValue, Stage, Token};
    /// use rotaplan::target::NoopTarget;
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
        let result = self.drive(id, token, None).await;
        if let Err(e) = &result {
            self.record_failure(id, token, e).await;
        }
        result
    }

    /// Ends the attempt of `token` as failed in the store's history; a
    /// failure to record is a warning, never the rotation's outcome.
    async fn record_failure(&self, id: &SecretId, token: &Token, e: &RotateError) {
        let step = e.step().map(Step::as_str);
        let text = e.to_string();
        let recorded = self
            .store
            .end_attempt(id, token, Outcome::Failed, step, Some(&text))
            .await;
        if let Err(e) = recorded {
            tracing::warn!(secret = %id, error = %e, "could not record the failed rotation");
        }
    }

    /// The retry loop over whole attempts; with an owner, its lease is
    /// renewed before a step once half a step time-out old.
    async fn drive(&self, id: &SecretId, token: &Token, owner: Option<&Held>) -> Result<RotationOutcome, RotateError> {
        let span = tracing::info_span!("rotate", secret = %id, token = %token);
        async {
            let mut attempt = 1;
            loop {
                match self.attempt(id, token, owner).await {
                    Ok(mut outcome) => {
                        outcome.attempts = attempt;
                        tracing::info!(attempts = attempt, "rotation finished");
                        return Ok(outcome);
                    }
                    Err(err) if err.is_transient() && attempt < self.retry.max_attempts => {
                        let delay = self.retry.delay(attempt);
                        if let Some(hook) = &self.on_retry {
                            hook(id, attempt, &err);
                        }
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
    /// use rotaplan::rotate::Rotator;
    /// use rotaplan::store::{MemoryStore, SecretId, SecretStore, SecretValue, Token};
    /// use rotaplan::target::NoopTarget;
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
        self.attempt(id, token, None).instrument(span).await
    }

    async fn attempt(
        &self,
        id: &SecretId,
        token: &Token,
        owner: Option<&Held>,
    ) -> Result<RotationOutcome, RotateError> {
        let mut previous = None;
        for step in Step::ALL {
            if let Some(held) = owner {
                // The lease lasts twice the step time-out and more; one
                // written less than half a time-out ago outlasts this step,
                // and no one can have taken it over, so it is not renewed
                // (a rotation of quick steps writes its lease once, in the
                // claim).
                let since = held.written.lock().unwrap_or_else(|e| e.into_inner()).elapsed();
                if since >= self.step_timeout / 2 {
                    let at = std::time::Instant::now();
                    self.store
                        .renew(id, &held.owner, self.lease_ttl())
                        .await
                        .with_context(|| format!("rotating secret `{id}`: {}", step.as_str()))?;
                    *held.written.lock().unwrap_or_else(|e| e.into_inner()) = at;
                }
            }
            previous = self.step(id, token, step).await?;
        }
        Ok(RotationOutcome {
            secret: id.clone(),
            version: VersionId::from(token),
            previous,
            attempts: 1,
        })
    }

    /// Rotates `id` unless another run got there first: claims it (see
    /// [`SecretStore::claim`]) against AWSCURRENT and the last rotation as
    /// they are now, then runs the steps under a lease renewed before each
    /// step. An abandoned rotation (its owner died, or failed and let go) is
    /// resumed with its own token.
    ///
    /// # Errors
    ///
    /// As [`rotate`](Self::rotate); losing the claim is not an error but
    /// [`Attempt::Skipped`].
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::rotate::{Attempt, Rotator};
    /// use rotaplan::store::{MemoryStore, SecretId, SecretStore, SecretValue, Token};
    /// use rotaplan::target::NoopTarget;
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let store = MemoryStore::new();
    /// let id = SecretId::new("api/key")?;
    /// store.create(&id, Some((&Token::generate(), &SecretValue::from("k"))), None).await?;
    /// let attempt = Rotator::new(&store, NoopTarget).rotate_exclusive(&id).await?;
    /// assert!(matches!(attempt, Attempt::Rotated(_)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub async fn rotate_exclusive(&self, id: &SecretId) -> Result<Attempt, RotateError> {
        let d = self
            .store
            .describe(id)
            .await
            .with_context(|| format!("rotating secret `{id}`"))?;
        let current = d.version_with(&Stage::current()).cloned();
        self.rotate_claimed(id, current, d.last_rotated, false).await
    }

    /// Finishes the pending rotation of `id` with its own token, unless a
    /// live run owns it ([`Attempt::Skipped`]).
    ///
    /// # Errors
    ///
    /// Invalid request when nothing is pending; otherwise as
    /// [`rotate`](Self::rotate).
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::rotate::Rotator;
    /// use rotaplan::store::{MemoryStore, SecretId, SecretStore, SecretValue, Token};
    /// use rotaplan::target::{NoopTarget, Step};
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let store = MemoryStore::new();
    /// let id = SecretId::new("api/key")?;
    /// store.create(&id, Some((&Token::generate(), &SecretValue::from("k"))), None).await?;
    /// let rotator = Rotator::new(&store, NoopTarget);
    /// let token = Token::generate();
    /// rotator.run_step(&id, &token, Step::Create).await?; // a rotation that stopped here
    /// let attempt = rotator.resume(&id).await?;
    /// assert_eq!(attempt.rotated().unwrap().version.as_str(), token.as_str());
    /// assert!(rotator.resume(&id).await.unwrap_err().is_invalid_request()); // nothing left
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub async fn resume(&self, id: &SecretId) -> Result<Attempt, RotateError> {
        let d = self
            .store
            .describe(id)
            .await
            .with_context(|| format!("resuming secret `{id}`"))?;
        let current = d.version_with(&Stage::current()).cloned();
        self.rotate_claimed(id, current, d.last_rotated, true).await
    }

    /// Cancels the pending rotation of `id`, like CancelRotateSecret:
    /// AWSPENDING leaves the pending version, which stays as a deprecated
    /// version; AWSCURRENT is untouched. Returns the cancelled version.
    ///
    /// # Errors
    ///
    /// Invalid request when nothing is pending; store failures.
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::rotate::Rotator;
    /// use rotaplan::store::{MemoryStore, SecretId, SecretStore, SecretValue, Stage, Token};
    /// use rotaplan::target::{NoopTarget, Step};
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let store = MemoryStore::new();
    /// let id = SecretId::new("api/key")?;
    /// let first = Token::generate();
    /// store.create(&id, Some((&first, &SecretValue::from("k"))), None).await?;
    /// let rotator = Rotator::new(&store, NoopTarget);
    /// let token = Token::generate();
    /// rotator.run_step(&id, &token, Step::Create).await?;
    /// assert_eq!(rotator.cancel(&id).await?.as_str(), token.as_str());
    /// let d = store.describe(&id).await?;
    /// assert_eq!(d.version_with(&Stage::pending()), None);
    /// assert_eq!(d.version_with(&Stage::current()).unwrap().as_str(), first.as_str());
    /// assert!(d.versions.values().any(|v| v.stages.is_empty())); // kept, deprecated
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub async fn cancel(&self, id: &SecretId) -> Result<VersionId, RotateError> {
        let ctx = || format!("cancelling the rotation of secret `{id}`");
        let d = self.store.describe(id).await.with_context(ctx)?;
        let current = d.version_with(&Stage::current());
        let lock = Stage::new(crate::store::LOCK_STAGE)?;
        // A version holding AWSPENDING, or (AWS) the claim lock and no
        // other stage: a claim whose owner died before moving AWSPENDING.
        let claimed = || {
            d.version_with(&lock).filter(|v| {
                Some(*v) != current
                    && d.versions[*v]
                        .stages
                        .iter()
                        .all(|s| *s == lock || s.as_str() == crate::store::CANDIDATE_STAGE)
            })
        };
        let Some(pending) = d
            .version_with(&Stage::pending())
            .filter(|p| Some(*p) != current)
            .or_else(claimed)
        else {
            return Err(crate::store::no_pending(id).into());
        };
        if d.versions[pending].stages.contains(&Stage::pending()) {
            self.store
                .update_stage(id, &Stage::pending(), None, Some(pending))
                .await
                .with_context(ctx)?;
        }
        // A claim lock (AWS) goes back to AWSCURRENT's version, where it
        // rests, so the next rotation can claim again.
        if let (Some(current), true) = (current, d.versions[pending].stages.contains(&lock)) {
            self.store
                .update_stage(id, &lock, Some(current), Some(pending))
                .await
                .with_context(ctx)?;
        }
        if let Ok(token) = Token::new(pending.as_str()) {
            if let Err(e) = self.store.end_attempt(id, &token, Outcome::Cancelled, None, None).await {
                tracing::warn!(secret = %id, error = %e, "could not record the cancelled rotation");
            }
        }
        Ok(pending.clone())
    }

    /// Rotates one secret that [`due`](Self::due) found due, claiming it
    /// against what `due` saw: of several runs racing, one rotates and the
    /// others get [`Attempt::Skipped`]. [`run_due`](Self::run_due) calls it
    /// for each due secret.
    ///
    /// # Errors
    ///
    /// As [`rotate`](Self::rotate).
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::rotate::{Attempt, Rotator};
    /// use rotaplan::store::{MemoryStore, RotationConfig, SecretId, SecretStore, SecretValue, Skip, Token};
    /// use rotaplan::target::NoopTarget;
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let store = MemoryStore::new();
    /// let id = SecretId::new("api/key")?;
    /// store.create(&id, Some((&Token::generate(), &SecretValue::from("k"))), Some(&RotationConfig::new("rate(7 days)"))).await?;
    /// let rotator = Rotator::new(&store, NoopTarget);
    /// let due = rotator.due(chrono::Utc::now()).await?.due;
    /// assert!(matches!(rotator.rotate_due(&due[0]).await?, Attempt::Rotated(_)));
    /// // A second scheduler that planned from the same snapshot loses.
    /// assert_eq!(rotator.rotate_due(&due[0]).await?, Attempt::Skipped(Skip::AlreadyRotated));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub async fn rotate_due(&self, due: &Due) -> Result<Attempt, RotateError> {
        self.rotate_claimed(&due.id, due.current.clone(), due.last_rotated, false)
            .await
    }

    pub(crate) async fn rotate_claimed(
        &self,
        id: &SecretId,
        current: Option<VersionId>,
        last_rotated: Option<chrono::DateTime<Utc>>,
        resume_only: bool,
    ) -> Result<Attempt, RotateError> {
        let ctx = || format!("rotating secret `{id}`");
        // One owner for every try, so that a claim made by a try whose
        // answer was lost is resumed by the next, not skipped as another's.
        let owner = Owner::this_process();
        let mut attempt = 1;
        let (version, claimed_at, resumed) = loop {
            let claimed_at = std::time::Instant::now();
            let tried = tokio::time::timeout(
                self.step_timeout,
                self.claim_once(id, current.clone(), last_rotated, resume_only, &owner),
            )
            .await
            .unwrap_or_else(|_| Err(RotateError::timeout(Step::Create.as_str(), self.step_timeout).context(ctx())));
            match tried {
                Ok(Claimed::Skipped(skip)) => {
                    tracing::info!(secret = %id, reason = %skip, "rotation skipped");
                    return Ok(Attempt::Skipped(skip));
                }
                Ok(Claimed::Started(v)) => break (v, claimed_at, false),
                Ok(Claimed::Resumed(v)) => break (v, claimed_at, true),
                Err(err) if err.is_transient() && attempt < self.retry.max_attempts => {
                    if let Some(hook) = &self.on_retry {
                        hook(id, attempt, &err);
                    }
                    tracing::warn!(secret = %id, attempt, error = %err, "claim failed; retrying");
                    tokio::time::sleep(self.retry.delay(attempt)).await;
                    attempt += 1;
                }
                Err(err) => {
                    // A claim may have been made before its answer was lost:
                    // let it go, so the next run resumes it at once.
                    let _ = tokio::time::timeout(self.step_timeout, self.store.release(id, &owner)).await;
                    return Err(err);
                }
            }
        };
        let token = Token::new(version.as_str()).with_context(ctx)?;
        if resumed && self.on_event.is_some() {
            // The claim ended a dead owner's attempt as abandoned (a failed
            // one had already ended as failed).
            let history = self.store.history(id, 2).await.unwrap_or_default();
            if let Some(old) = history
                .get(1)
                .filter(|a| a.outcome == Outcome::Abandoned && a.token == token)
            {
                let mut e = RotationEvent::new(EventKind::RotationAbandoned, id, &old.token);
                e.time = old.ended.unwrap_or(e.time);
                self.emit(e);
            }
        }
        self.emit(RotationEvent::new(EventKind::RotationStarted, id, &token));
        let held = Held {
            owner: owner.clone(),
            written: std::sync::Mutex::new(claimed_at),
        };
        let result = self.drive(id, &token, Some(&held)).await;
        match &result {
            Ok(_) => self.emit(RotationEvent::new(EventKind::RotationSucceeded, id, &token)),
            Err(e) => {
                // Recorded before the lease goes, so the next run finds it;
                // unless another run took the rotation over (our lease
                // lapsed), whose running attempt is not ours to end.
                let newest = self.store.history(id, 1).await.ok().and_then(|h| h.into_iter().next());
                let taken_over = newest.is_some_and(|a| a.outcome == Outcome::Running && a.owner != owner.as_str());
                if taken_over {
                    tracing::warn!(secret = %id, "rotation failed after another run took it over");
                } else {
                    self.record_failure(id, &token, e).await;
                }
                let mut event = RotationEvent::new(EventKind::RotationFailed, id, &token);
                event.step = e.step().map(|s| s.as_str().to_owned());
                event.error = Some(e.to_string());
                self.emit(event);
            }
        }
        // Let go either way: a failed rotation is resumed by the next run
        // (or cancelled), not left to wait for the lease to lapse. (The
        // SQLite store already dropped a finished rotation's lease in
        // finishSecret's transaction; its release then writes nothing.)
        match tokio::time::timeout(self.step_timeout, self.store.release(id, &owner)).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(secret = %id, error = %e, "could not release the rotation lease"),
            Err(_) => tracing::warn!(secret = %id, "releasing the rotation lease timed out"),
        }
        result.map(Attempt::Rotated)
    }

    /// Makes the new value and claims `id` with it, once.
    async fn claim_once(
        &self,
        id: &SecretId,
        current: Option<VersionId>,
        last_rotated: Option<chrono::DateTime<Utc>>,
        resume_only: bool,
        owner: &Owner,
    ) -> Result<Claimed, RotateError> {
        let ctx = || format!("rotating secret `{id}`");
        // The new value is made before the claim so that a value that cannot
        // be made (alternating users without a username) claims nothing.
        let value = if resume_only {
            SecretValue::from("")
        } else {
            let d = self.store.describe(id).await.with_context(ctx)?;
            let cur = self
                .store
                .get_value(id, &VersionRef::current())
                .await
                .with_context(ctx)?;
            let strategy = d.rotation.as_ref().map(|r| r.strategy).unwrap_or_default();
            next_value(&cur.value, strategy, &self.password).with_context(|| format!("{}: createSecret", ctx()))?
        };
        let mut claim = Claim::new(
            Token::generate(),
            value,
            current,
            last_rotated,
            owner.clone(),
            self.lease_ttl(),
        );
        claim.resume_only = resume_only;
        self.store.claim(id, &claim).await.with_context(ctx)
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
    /// use rotaplan::rotate::Rotator;
    /// use rotaplan::store::{MemoryStore, SecretId, SecretStore, SecretValue, Stage, Token, VersionId};
    /// use rotaplan::target::{NoopTarget, Step};
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
        self.step(id, token, step).await.map(|_| ())
    }

    /// [`run_step`](Self::run_step); finishSecret answers the version that
    /// holds AWSPREVIOUS after it.
    async fn step(&self, id: &SecretId, token: &Token, step: Step) -> Result<Option<VersionId>, RotateError> {
        let span = tracing::info_span!("rotation_step", secret = %id, step = step.as_str());
        let work = async {
            let result = match step {
                Step::Create => self.create_secret(id, token).await.map(|()| None),
                Step::Set => self.set_secret(id, token).await.map(|()| None),
                Step::Test => self.test_secret(id, token).await.map(|()| None),
                Step::Finish => self.finish_secret(id, token).await,
            };
            match &result {
                Ok(_) => tracing::info!("step done"),
                Err(e) => tracing::warn!(error = %e, "step failed"),
            }
            result
        }
        .instrument(span);
        let started = std::time::Instant::now();
        let result = match tokio::time::timeout(self.step_timeout, work).await {
            Ok(r) => r,
            Err(_) => Err(RotateError::timeout(step.as_str(), self.step_timeout)),
        };
        if let Some(hook) = &self.on_step {
            hook(id, step, started.elapsed(), result.is_ok());
        }
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
                return Err(StoreError::rotation_in_progress(id.as_str(), pending.as_str()).into());
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
                    TokenState::Missing => Err(e.into()),
                    _ => Ok(()),
                }
            }
            Err(e) => Err(e.into()),
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
            TokenState::Missing => Err(StoreError::not_found(format!(
                "version `{version}` of secret `{id}` (run createSecret first)"
            ))
            .into()),
        }
    }

    async fn set_secret(&self, id: &SecretId, token: &Token) -> Result<(), RotateError> {
        let Some((d, pending)) = self.pending_context(id, token).await? else {
            return Ok(());
        };
        let current = self.store.get_value(id, &VersionRef::current()).await?;
        let strategy = d.rotation.as_ref().map(|r| r.strategy).unwrap_or_default();
        let ctx = StepContext::new(id, token, Step::Set, strategy, d.rotation.as_ref());
        Ok(self.target.set_secret(&ctx, &pending, &current.value).await?)
    }

    async fn test_secret(&self, id: &SecretId, token: &Token) -> Result<(), RotateError> {
        let Some((d, pending)) = self.pending_context(id, token).await? else {
            return Ok(());
        };
        let strategy = d.rotation.as_ref().map(|r| r.strategy).unwrap_or_default();
        let ctx = StepContext::new(id, token, Step::Test, strategy, d.rotation.as_ref());
        Ok(self.target.test_secret(&ctx, &pending).await?)
    }

    /// Answers the version holding AWSPREVIOUS afterwards.
    async fn finish_secret(&self, id: &SecretId, token: &Token) -> Result<Option<VersionId>, RotateError> {
        let d = self.store.describe(id).await?;
        let version = VersionId::from(token);
        let state = self.token_state(&d, &version)?;
        if state == TokenState::Missing {
            return Err(StoreError::not_found(format!(
                "version `{version}` of secret `{id}` (run createSecret first)"
            ))
            .into());
        }
        // Finished means AWSCURRENT here, AWSPENDING gone and a rotation
        // recorded; the store's finish records the rotation before it drops
        // AWSPENDING, so a remaining AWSPENDING is the mark of work left.
        // (Version dates are not compared: moto moves them.)
        let unfinished = state == TokenState::Pending
            || d.versions[&version].stages.contains(&Stage::pending())
            || d.last_rotated.is_none();
        // AWSCURRENT's version becomes AWSPREVIOUS when AWSCURRENT moves
        // here; once it is here, AWSPREVIOUS is where it will stay.
        let previous = match state {
            TokenState::Pending => d.version_with(&Stage::current()).or(d.version_with(&Stage::previous())),
            _ => d.version_with(&Stage::previous()),
        }
        .cloned();
        if unfinished {
            // One store call (one transaction in the local stores): a crash
            // can never leave AWSCURRENT moved but the rotation unrecorded,
            // which would make the secret look due again.
            self.store.finish_rotation(id, &version, Utc::now()).await?;
            tracing::info!(version = %version, "moved AWSCURRENT and recorded the rotation");
        }
        // A claim lock (AWS) follows AWSCURRENT, where it rests between
        // rotations, also after a rotation run with an explicit token.
        let lock = Stage::new(crate::store::LOCK_STAGE)?;
        if let Some(locked) = d.version_with(&lock).filter(|l| **l != version) {
            self.store.update_stage(id, &lock, Some(&version), Some(locked)).await?;
        }
        Ok(previous)
    }
}

/// A claimed rotation's lease: its owner, and when it was last written.
struct Held {
    owner: Owner,
    written: std::sync::Mutex<std::time::Instant>,
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

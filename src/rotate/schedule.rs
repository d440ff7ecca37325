//! Scheduler glue: which secrets are due, and rotating them.
//!
//! When a secret is due comes from the planner: its [`RotationConfig`]'s
//! schedule and duration become [`RotationRules`], and the first window that
//! opens after the last rotation is the one that is open or overdue.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

use chrono::{DateTime, Utc};

use super::error::RotateError;
use super::Attempt;
use super::{RotationOutcome, Rotator};
use crate::store::{window_open, SecretId, SecretStore, Skip, Stage, VersionId};
use crate::target::Target;

/// A secret whose rotation window is open, or was and passed without a
/// rotation (overdue).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Due {
    /// The secret.
    pub id: SecretId,
    /// Window start (inclusive).
    pub start: DateTime<Utc>,
    /// Window end (exclusive).
    pub end: DateTime<Utc>,
    /// Whether `now` is past the window's end.
    pub overdue: bool,
    /// AWSCURRENT's version when this was judged (the claim re-checks it).
    pub current: Option<VersionId>,
    /// The last rotation when this was judged (the claim re-checks it).
    pub last_rotated: Option<DateTime<Utc>>,
}

/// The answer of [`Rotator::due`]: due secrets, and secrets whose schedule
/// could not be evaluated.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct DueReport {
    /// Secrets to rotate now, by name.
    pub due: Vec<Due>,
    /// Secrets whose rules could not be evaluated, with why.
    pub errors: Vec<(SecretId, RotateError)>,
}

/// The answer of [`Rotator::run_due`].
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct RunSummary {
    /// Rotations that finished.
    pub rotated: Vec<RotationOutcome>,
    /// Secrets that were due but that another run rotated or is rotating.
    pub skipped: Vec<(SecretId, Skip)>,
    /// Secrets that were due but failed (or could not be evaluated).
    pub failed: Vec<(SecretId, RotateError)>,
}

impl fmt::Display for RunSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} rotated, {} skipped, {} failed",
            self.rotated.len(),
            self.skipped.len(),
            self.failed.len()
        )
    }
}

impl<S: SecretStore, T: Target> Rotator<S, T> {
    /// Secrets with rotation rules whose window is open at `now` or overdue,
    /// judged by their rules and last rotation. Secrets scheduled for
    /// deletion are skipped.
    ///
    /// # Errors
    ///
    /// Only when the store cannot list (a transient failure is retried as
    /// the [`RetryPolicy`](super::RetryPolicy) says); a secret whose
    /// schedule cannot be evaluated lands in [`DueReport::errors`].
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::rotate::Rotator;
    /// use rotaplan::store::{MemoryStore, RotationConfig, SecretId, SecretStore, SecretValue, Token};
    /// use rotaplan::target::NoopTarget;
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let store = MemoryStore::new();
    /// let id = SecretId::new("api/key")?;
    /// let cfg = RotationConfig::new("rate(30 days)");
    /// store.create(&id, Some((&Token::generate(), &SecretValue::from("k"))), Some(&cfg)).await?;
    /// let rotator = Rotator::new(&store, NoopTarget);
    /// let now = chrono::Utc::now();
    /// assert_eq!(rotator.due(now).await?.due.len(), 1); // never rotated: due at once
    /// rotator.run_due(now).await?;
    /// assert!(rotator.due(now).await?.due.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub async fn due(&self, now: DateTime<Utc>) -> Result<DueReport, RotateError> {
        let mut report = DueReport::default();
        // Without the listing there is nothing to go on with, so a
        // transient failure of it is retried as a rotation would be.
        let mut attempt = 1;
        let all = loop {
            match self.store().list().await {
                Ok(all) => break all,
                Err(e) if e.is_transient() && attempt < self.retry.max_attempts() => {
                    tracing::warn!(attempt, error = %e, "listing secrets failed; retrying");
                    tokio::time::sleep(self.retry.delay(attempt)).await;
                    attempt += 1;
                }
                Err(e) => return Err(e.into()),
            }
        };
        for d in all {
            let Some(config) = &d.rotation else { continue };
            if d.is_deleted() {
                continue;
            }
            match window_open(config, d.last_rotated, now) {
                Ok(Some((start, end))) => report.due.push(Due {
                    id: d.id.clone(),
                    start,
                    end,
                    overdue: now >= end,
                    current: d.version_with(&Stage::current()).cloned(),
                    last_rotated: d.last_rotated,
                }),
                Ok(None) => {}
                Err(e) => report
                    .errors
                    .push((d.id.clone(), RotateError::from(e).context(format!("secret `{}`", d.id)))),
            }
        }
        Ok(report)
    }

    /// Rotates every due secret, [`jobs`](Self::jobs) at a time; one failure
    /// does not stop the others.
    ///
    /// Each secret is claimed ([`SecretStore::claim`]) against what `due`
    /// saw, so of several runs racing over one store each due secret is
    /// rotated by exactly one; the others report it in
    /// [`RunSummary::skipped`]. A rotation left unfinished by a run that
    /// died or failed is resumed with its own token.
    ///
    /// # Errors
    ///
    /// Only when the store cannot list; per-secret failures are in
    /// [`RunSummary::failed`].
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::rotate::Rotator;
    /// use rotaplan::store::{MemoryStore, RotationConfig, SecretId, SecretStore, SecretValue, Token};
    /// use rotaplan::target::NoopTarget;
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let store = MemoryStore::new();
    /// for name in ["a", "b"] {
    ///     let cfg = RotationConfig::new("rate(7 days)");
    ///     store.create(&SecretId::new(name)?, Some((&Token::generate(), &SecretValue::from("k"))), Some(&cfg)).await?;
    /// }
    /// let summary = Rotator::new(&store, NoopTarget).run_due(chrono::Utc::now()).await?;
    /// assert_eq!(summary.to_string(), "2 rotated, 0 skipped, 0 failed");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub async fn run_due(&self, now: DateTime<Utc>) -> Result<RunSummary, RotateError> {
        let report = self.due(now).await?;
        Ok(self.rotate_all(report, || false).await)
    }

    /// Rotates the secrets of a [`due`](Self::due) report, up to
    /// [`jobs`](Self::jobs) at once, each claimed as in
    /// [`run_due`](Self::run_due); the report's errors become failures.
    /// Once `stop` answers true no new rotation starts; those under way
    /// finish. The summary lists secrets by name.
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::rotate::Rotator;
    /// use rotaplan::store::{MemoryStore, RotationConfig, SecretId, SecretStore, SecretValue, Token};
    /// use rotaplan::target::NoopTarget;
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let store = MemoryStore::new();
    /// for i in 0..10 {
    ///     let cfg = RotationConfig::new("rate(7 days)");
    ///     store.create(&SecretId::new(format!("s{i}"))?, Some((&Token::generate(), &SecretValue::from("k"))), Some(&cfg)).await?;
    /// }
    /// let rotator = Rotator::new(&store, NoopTarget).jobs(4);
    /// let report = rotator.due(chrono::Utc::now()).await?;
    /// let summary = rotator.rotate_all(report, || false).await;
    /// assert_eq!(summary.to_string(), "10 rotated, 0 skipped, 0 failed");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub async fn rotate_all(&self, report: DueReport, stop: impl Fn() -> bool) -> RunSummary {
        let mut summary = RunSummary {
            rotated: Vec::new(),
            skipped: Vec::new(),
            failed: report.errors,
        };
        let due = report.due.into_iter().take_while(|_| !stop());
        let results = bounded(due, self.jobs, |due| async move {
            let result = self.rotate_claimed(&due.id, due.current, due.last_rotated, false).await;
            (due.id, result)
        })
        .await;
        for (id, result) in results {
            match result {
                Ok(Attempt::Rotated(outcome)) => summary.rotated.push(outcome),
                Ok(Attempt::Skipped(skip)) => summary.skipped.push((id, skip)),
                Err(e) => summary.failed.push((id, e)),
            }
        }
        summary.rotated.sort_by(|a, b| a.secret.cmp(&b.secret));
        summary.skipped.sort_by(|a, b| a.0.cmp(&b.0));
        summary.failed.sort_by(|a, b| a.0.cmp(&b.0));
        tracing::info!(
            rotated = summary.rotated.len(),
            skipped = summary.skipped.len(),
            failed = summary.failed.len(),
            "scheduled rotations done"
        );
        summary
    }
}

/// Runs `f` on each item, at most `limit` at once, in this task (the
/// futures borrow the caller, so they cannot be spawned); answers the
/// results in the order they finished.
async fn bounded<I, F, Fut>(items: I, limit: usize, f: F) -> Vec<Fut::Output>
where
    I: Iterator,
    F: Fn(I::Item) -> Fut,
    Fut: Future,
{
    let mut items = items.fuse();
    let mut running: Vec<Pin<Box<Fut>>> = Vec::new();
    let mut done = Vec::new();
    std::future::poll_fn(|cx| loop {
        while running.len() < limit.max(1) {
            match items.next() {
                Some(item) => running.push(Box::pin(f(item))),
                None => break,
            }
        }
        if running.is_empty() {
            return Poll::Ready(());
        }
        let before = running.len();
        let mut i = 0;
        while i < running.len() {
            match running[i].as_mut().poll(cx) {
                Poll::Ready(out) => {
                    done.push(out);
                    drop(running.swap_remove(i));
                }
                Poll::Pending => i += 1,
            }
        }
        if running.len() == before {
            return Poll::Pending;
        }
    })
    .await;
    done
}

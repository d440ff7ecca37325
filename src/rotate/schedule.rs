//! Scheduler glue: which secrets are due, and rotating them.
//!
//! When a secret is due comes from the planner: its [`RotationConfig`]'s
//! schedule and duration become [`RotationRules`], and the first window that
//! opens after the last rotation is the one that is open or overdue.

use std::fmt;

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
    /// Only when the store cannot list; a secret whose schedule cannot be
    /// evaluated lands in [`DueReport::errors`].
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
        for d in self.store().list().await? {
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

    /// Rotates every due secret; one failure does not stop the others.
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
        let mut summary = RunSummary {
            rotated: Vec::new(),
            skipped: Vec::new(),
            failed: report.errors,
        };
        for due in report.due {
            match self.rotate_claimed(&due.id, due.current, due.last_rotated, false).await {
                Ok(Attempt::Rotated(outcome)) => summary.rotated.push(outcome),
                Ok(Attempt::Skipped(skip)) => summary.skipped.push((due.id, skip)),
                Err(e) => summary.failed.push((due.id, e)),
            }
        }
        tracing::info!(
            rotated = summary.rotated.len(),
            skipped = summary.skipped.len(),
            failed = summary.failed.len(),
            "scheduled rotations done"
        );
        Ok(summary)
    }
}

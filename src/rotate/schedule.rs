//! Scheduler glue: which secrets are due, and rotating them.
//!
//! When a secret is due comes from the planner: its [`RotationConfig`]'s
//! schedule and duration become [`RotationRules`], and the first window that
//! opens after the last rotation is the one that is open or overdue.

use std::fmt;

use chrono::{DateTime, Duration, NaiveTime, Utc};

use super::error::RotateError;
use super::Attempt;
use super::{RotationOutcome, Rotator};
use crate::expr::Schedule;
use crate::plan::{RotationRules, WindowDuration};
use crate::store::{RotationConfig, SecretId, SecretStore, Skip, Stage, VersionId};
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

/// A rotation window, `[start, end)`.
type Window = (DateTime<Utc>, DateTime<Utc>);

/// When the rotation window of `config` is open at `now`, or was open and
/// passed since `last_rotated`: `Some((start, end))`; `None` if not due.
///
/// The window that counts is the first one opening after the last
/// rotation: a rotation inside a window satisfies that window, and windows
/// missed since make the secret overdue (it is rotated once, not once per
/// missed window). A secret never rotated is due at once, as AWS rotates on
/// enabling rotation: its window is `[now, end of now's UTC day)`.
pub(crate) fn window_open(
    config: &RotationConfig,
    last_rotated: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<Option<Window>, RotateError> {
    let schedule = Schedule::parse(&config.schedule)
        .map_err(|e| RotateError::schedule(format!("schedule `{}`: {e}", config.schedule)))?;
    let duration = match &config.duration {
        None => None,
        Some(d) => Some(
            d.parse::<WindowDuration>()
                .map_err(|e| RotateError::schedule(format!("duration `{d}`: {e}")))?,
        ),
    };
    let rules = RotationRules::new(schedule, duration)
        .map_err(|e| RotateError::schedule(format!("schedule `{}`: {e}", config.schedule)))?;
    let Some(last) = last_rotated else {
        let day_end = (now.date_naive() + Duration::days(1))
            .and_time(NaiveTime::MIN)
            .and_utc();
        return Ok(Some((now, day_end)));
    };
    let Some(window) = rules.next_window(Some(&last), &last) else {
        // The schedule has no window after the last rotation (past 2199).
        return Ok(None);
    };
    Ok((now >= window.start).then_some((window.start, window.end)))
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
    /// use rotaplan::rotate::{MemoryStore, NoopTarget, RotationConfig, Rotator, SecretId, SecretStore, SecretValue, Token};
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
                    .push((d.id.clone(), e.context(format!("secret `{}`", d.id)))),
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
    /// use rotaplan::rotate::{MemoryStore, NoopTarget, RotationConfig, Rotator, SecretId, SecretStore, SecretValue, Token};
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

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn rate_days_window() {
        let cfg = RotationConfig::new("rate(10 days)");
        let last = utc("2026-11-20T13:45:00Z");
        // Before the window: not due.
        assert_eq!(
            window_open(&cfg, Some(last), utc("2026-11-29T23:59:59Z")).unwrap(),
            None
        );
        let w = Some((utc("2026-11-30T00:00:00Z"), utc("2026-12-01T00:00:00Z")));
        assert_eq!(window_open(&cfg, Some(last), utc("2026-11-30T00:00:00Z")).unwrap(), w);
        // Overdue: same window reported.
        assert_eq!(window_open(&cfg, Some(last), utc("2026-12-05T08:00:00Z")).unwrap(), w);
        let cfg3h = cfg.clone().with_duration("3h");
        assert_eq!(
            window_open(&cfg3h, Some(last), utc("2026-11-30T01:00:00Z")).unwrap(),
            Some((utc("2026-11-30T00:00:00Z"), utc("2026-11-30T03:00:00Z")))
        );
        let one = RotationConfig::new("rate(1 day)");
        assert_eq!(
            window_open(&one, Some(last), utc("2026-11-21T00:00:00Z"))
                .unwrap()
                .unwrap()
                .0,
            utc("2026-11-21T00:00:00Z")
        );
    }

    #[test]
    fn never_rotated_is_due_now() {
        let cfg = RotationConfig::new("rate(30 days)");
        let now = utc("2026-11-20T13:45:00Z");
        assert_eq!(
            window_open(&cfg, None, now).unwrap(),
            Some((now, utc("2026-11-21T00:00:00Z")))
        );
    }

    #[test]
    fn hours_and_cron_windows_come_from_the_planner() {
        // rate(4 hours): windows at 00, 04, 08... UTC, one hour long.
        let cfg = RotationConfig::new("rate(4 hours)");
        let last = utc("2026-11-20T05:30:00Z");
        assert_eq!(
            window_open(&cfg, Some(last), utc("2026-11-20T07:59:59Z")).unwrap(),
            None
        );
        let w = Some((utc("2026-11-20T08:00:00Z"), utc("2026-11-20T09:00:00Z")));
        assert_eq!(window_open(&cfg, Some(last), utc("2026-11-20T08:30:00Z")).unwrap(), w);
        // Sundays at 04:00 with a 2-hour window; 2026-11-22 is a Sunday.
        let cfg = RotationConfig::new("cron(0 4 ? * SUN *)").with_duration("2h");
        let last = utc("2026-11-16T12:00:00Z");
        let w = Some((utc("2026-11-22T04:00:00Z"), utc("2026-11-22T06:00:00Z")));
        assert_eq!(window_open(&cfg, Some(last), utc("2026-11-23T00:00:00Z")).unwrap(), w);
    }

    #[test]
    fn invalid_rules_are_schedule_errors() {
        for (s, d) in [
            ("rate(1 days)", None),
            ("rate(0 days)", None),
            ("cron(0 1,2 * * ? *)", None),
            ("rate(1 day)", Some("25h")),
            ("cron(0 22 * * ? *)", Some("3h")),
        ] {
            let mut cfg = RotationConfig::new(s);
            cfg.duration = d.map(String::from);
            let err = window_open(&cfg, None, Utc::now()).unwrap_err();
            assert!(err.is_schedule(), "{s} {d:?}: {err}");
        }
    }
}

//! [`audit`]: is every secret in a store rotating the way its policy says?
//!
//! One [`Verdict`] per secret, with a [`Finding`] per broken [`Rule`],
//! judged at one instant ([`AuditOptions::at`]) from what the store holds:
//! the rotation rules, the last rotation date, the versions and stages, and
//! the rotation history ([`SecretStore::history`]). Secrets scheduled for
//! deletion are listed apart and not judged.
//!
//! `stuck` and `failing` read the history, which the AWS store does not
//! keep: there `failing` never fires, and a pending version counts as
//! stuck once it is older than [`STUCK_AFTER`] (a live rotation's lease is
//! not read).

use std::fmt;

use chrono::{DateTime, Duration, Utc};

use crate::plan::{exceeds_interval, MaxInterval, RotationRules, WindowDuration};
use crate::store::{Description, Outcome, Owner, SecretId, SecretStore, Stage, StoreError};
use crate::Schedule;

/// A pending rotation whose attempt started longer ago than this, with no
/// sign of its owner's lease being renewed, counts as stuck (the driver's
/// lease lasts a few minutes and is renewed before each step).
pub const STUCK_AFTER: Duration = Duration::hours(1);

/// What an audit checks besides the fixed rules.
///
/// # Examples
///
/// ```
/// use rotaplan::rotate::AuditOptions;
/// let opts = AuditOptions::new(chrono::Utc::now()).max_interval("90d".parse()?).max_age(chrono::Duration::days(90));
/// # let _ = opts;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct AuditOptions {
    /// The instant judged at.
    pub at: DateTime<Utc>,
    /// The longest gap a schedule may leave between two rotations.
    pub max_interval: Option<MaxInterval>,
    /// The longest time since the last rotation.
    pub max_age: Option<Duration>,
}

impl AuditOptions {
    /// Judge at `at`, with no interval or age policy.
    pub fn new(at: DateTime<Utc>) -> AuditOptions {
        AuditOptions {
            at,
            max_interval: None,
            max_age: None,
        }
    }

    /// Adds the `max-interval` rule.
    pub fn max_interval(mut self, max: MaxInterval) -> AuditOptions {
        self.max_interval = Some(max);
        self
    }

    /// Adds the `max-age` rule.
    pub fn max_age(mut self, max: Duration) -> AuditOptions {
        self.max_age = Some(max);
        self
    }
}

/// The rules an audit applies, by the name reports use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Rule {
    /// The secret has rotation rules (that parse).
    RotationEnabled,
    /// Its schedule never leaves more than `--max-interval` between rotations.
    MaxInterval,
    /// No window has closed since the last rotation without a rotation in it.
    RotatingAsScheduled,
    /// The last rotation is no older than `--max-age`.
    MaxAge,
    /// A pending rotation (AWSPENDING off AWSCURRENT) that nobody is running.
    Stuck,
    /// The last rotation attempt failed.
    Failing,
    /// The secret was never rotated.
    NeverRotated,
}

impl Rule {
    /// Every rule, in report order.
    pub const ALL: [Rule; 7] = [
        Rule::RotationEnabled,
        Rule::MaxInterval,
        Rule::RotatingAsScheduled,
        Rule::MaxAge,
        Rule::Stuck,
        Rule::Failing,
        Rule::NeverRotated,
    ];

    /// `rotation-enabled`, `max-interval`, ….
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(rotaplan::rotate::AuditRule::Stuck.as_str(), "stuck");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::RotationEnabled => "rotation-enabled",
            Rule::MaxInterval => "max-interval",
            Rule::RotatingAsScheduled => "rotating-as-scheduled",
            Rule::MaxAge => "max-age",
            Rule::Stuck => "stuck",
            Rule::Failing => "failing",
            Rule::NeverRotated => "never-rotated",
        }
    }

    /// One line on what the rule asks.
    pub fn description(self) -> &'static str {
        match self {
            Rule::RotationEnabled => "the secret has valid rotation rules",
            Rule::MaxInterval => "the schedule never leaves more than the maximum interval between rotations",
            Rule::RotatingAsScheduled => "no rotation window closed since the last rotation without a rotation",
            Rule::MaxAge => "the last rotation is no older than the maximum age",
            Rule::Stuck => "no pending rotation is left without a live owner",
            Rule::Failing => "the last rotation attempt did not fail",
            Rule::NeverRotated => "the secret has been rotated at least once",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One broken rule.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Finding {
    /// Which rule.
    pub rule: Rule,
    /// What is wrong, for people.
    pub message: String,
}

/// One secret's verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Verdict {
    /// The secret.
    pub id: SecretId,
    /// Its last rotation.
    pub last_rotated: Option<DateTime<Utc>>,
    /// The window the next rotation is due in (the open one, if open).
    pub next_window: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// Every broken rule; none means compliant.
    pub findings: Vec<Finding>,
}

impl Verdict {
    /// No findings.
    pub fn compliant(&self) -> bool {
        self.findings.is_empty()
    }
}

/// An audit's result.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct AuditReport {
    /// The instant judged at.
    pub at: DateTime<Utc>,
    /// One verdict per live secret, worst (most findings) first, then by name.
    pub verdicts: Vec<Verdict>,
    /// Secrets scheduled for deletion, not judged, with their deletion date.
    pub pending_deletion: Vec<(SecretId, DateTime<Utc>)>,
}

impl AuditReport {
    /// How many verdicts found `rule` broken.
    pub fn count(&self, rule: Rule) -> usize {
        self.verdicts
            .iter()
            .filter(|v| v.findings.iter().any(|f| f.rule == rule))
            .count()
    }
}

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Audits every secret in `store` at `opts.at`.
///
/// # Errors
///
/// The store's, if it cannot list or describe the secrets.
///
/// # Examples
///
/// ```
/// use rotaplan::rotate::{audit, AuditOptions, AuditRule};
/// use rotaplan::store::{MemoryStore, SecretId, SecretStore, SecretValue, Token};
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let store = MemoryStore::new();
/// store.create(&SecretId::new("k")?, Some((&Token::generate(), &SecretValue::from("v"))), None).await?;
/// let report = audit(&store, &AuditOptions::new(chrono::Utc::now())).await?;
/// let rules: Vec<AuditRule> = report.verdicts[0].findings.iter().map(|f| f.rule).collect();
/// assert_eq!(rules, [AuditRule::RotationEnabled, AuditRule::NeverRotated]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
pub async fn audit<S: SecretStore>(store: &S, opts: &AuditOptions) -> Result<AuditReport, StoreError> {
    let mut verdicts = Vec::new();
    let mut pending_deletion = Vec::new();
    for d in store.list().await? {
        if let Some(date) = d.deletion_date {
            pending_deletion.push((d.id.clone(), date));
            continue;
        }
        let last = store.history(&d.id, 1).await?.into_iter().next();
        verdicts.push(judge(&d, last.as_ref(), opts));
    }
    verdicts.sort_by(|a, b| b.findings.len().cmp(&a.findings.len()).then_with(|| a.id.cmp(&b.id)));
    Ok(AuditReport {
        at: opts.at,
        verdicts,
        pending_deletion,
    })
}

/// One secret's verdict from its description and its last attempt.
pub(crate) fn judge(d: &Description, last: Option<&crate::store::AttemptRecord>, opts: &AuditOptions) -> Verdict {
    let at = opts.at;
    let mut findings = Vec::new();
    let mut add = |rule: Rule, message: String| findings.push(Finding { rule, message });
    let mut next_window = None;
    match &d.rotation {
        None => add(Rule::RotationEnabled, "no rotation rules".into()),
        Some(cfg) => {
            let parsed = Schedule::parse(&cfg.schedule).map_err(|e| e.to_string()).and_then(|s| {
                let w = cfg.duration.as_deref().map(str::parse::<WindowDuration>).transpose();
                let w = w.map_err(|e| e.to_string())?;
                let rules = RotationRules::new(s.clone(), w).map_err(|e| e.to_string())?;
                Ok((s, rules))
            });
            match parsed {
                Err(e) => add(
                    Rule::RotationEnabled,
                    format!("rotation rules `{}` are invalid: {e}", cfg.schedule),
                ),
                Ok((schedule, rules)) => {
                    if let Some(max) = opts.max_interval {
                        if let Some(msg) = exceeds_interval(&schedule, max) {
                            add(Rule::MaxInterval, format!("`{}`: {msg}", cfg.schedule));
                        }
                    }
                    match d.last_rotated {
                        None => next_window = rules.windows_after(&at).next().map(|w| (w.start, w.end)),
                        Some(last) => {
                            let first = rules.windows_after_rotation(&last, &last).next();
                            match first {
                                Some(w) if w.end <= at => {
                                    add(
                                        Rule::RotatingAsScheduled,
                                        format!(
                                            "missed the window {} .. {} (last rotated {})",
                                            ts(w.start),
                                            ts(w.end),
                                            ts(last)
                                        ),
                                    );
                                    next_window = rules
                                        .windows_after_rotation(&last, &at)
                                        .next()
                                        .map(|w| (w.start, w.end));
                                }
                                Some(w) => next_window = Some((w.start, w.end)),
                                None => {}
                            }
                        }
                    }
                }
            }
        }
    }
    match d.last_rotated {
        None => add(Rule::NeverRotated, format!("never rotated (created {})", ts(d.created))),
        Some(last) => {
            if let Some(max) = opts.max_age {
                if at - last > max {
                    add(
                        Rule::MaxAge,
                        format!(
                            "last rotated {} ({} days ago, more than the maximum age of {} days)",
                            ts(last),
                            (at - last).num_days(),
                            max.num_days()
                        ),
                    );
                }
            }
        }
    }
    let current = d.version_with(&Stage::current());
    if let Some(pending) = d.version_with(&Stage::pending()).filter(|p| Some(*p) != current) {
        let attempt = last.filter(|a| a.token.as_str() == pending.as_str());
        let why = match attempt {
            // A store that keeps no history (AWS) still dates the version:
            // one put less than STUCK_AFTER ago is a rotation under way.
            None if last.is_none() && at - d.versions[pending].created <= STUCK_AFTER => None,
            None if last.is_none() => Some(format!(
                "it was put at {} and no rotation attempt is recorded for it",
                ts(d.versions[pending].created)
            )),
            None => Some("no rotation attempt is recorded for it".to_string()),
            Some(a) if a.outcome != Outcome::Running => Some(format!("its last attempt {}", a.outcome)),
            Some(a) if Owner::new(a.owner.as_str()).is_dead() => {
                Some(format!("its owner {} is no longer running", a.owner))
            }
            Some(a) if at - a.started > STUCK_AFTER => {
                Some(format!("its attempt has been running since {}", ts(a.started)))
            }
            Some(_) => None,
        };
        if let Some(why) = why {
            add(
                Rule::Stuck,
                format!("version {pending} holds AWSPENDING and nobody is rotating it: {why}"),
            );
        }
    }
    if let Some(a) = last.filter(|a| a.outcome == Outcome::Failed) {
        let step = a.step.as_deref().map_or(String::new(), |s| format!(" in {s}"));
        add(
            Rule::Failing,
            format!(
                "the last attempt ({}) failed{step}: {}",
                ts(a.ended.unwrap_or(a.started)),
                a.error.as_deref().unwrap_or("no error recorded")
            ),
        );
    }
    findings.sort_by_key(|f| f.rule);
    Verdict {
        id: d.id.clone(),
        last_rotated: d.last_rotated,
        next_window,
        findings,
    }
}

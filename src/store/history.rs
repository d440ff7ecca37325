//! Rotation history: one [`AttemptRecord`] per rotation attempt, newest
//! first, from [`SecretStore::history`](super::SecretStore::history).
//!
//! The local stores write a record in the same atomic step as the claim
//! (`running`; on taking over a dead owner's rotation the old record becomes
//! `abandoned` and a new `running` one starts) and as the finish
//! (`succeeded`), so a crash never leaves a finished rotation without its
//! record. The driver closes a failed or cancelled attempt with
//! [`SecretStore::end_attempt`](super::SecretStore::end_attempt). At most
//! [`HISTORY_LIMIT`] records are kept per secret, oldest dropped first.
//!
//! Records carry tokens, times, step names, owners and error texts (an
//! error's `Display`, which never holds a secret value); never values.

use std::collections::VecDeque;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};

use super::{Owner, StoreError, Token};

/// How many attempts a store keeps per secret.
pub const HISTORY_LIMIT: usize = 100;

/// How a rotation attempt ended, or that it has not.
///
/// # Examples
///
/// ```
/// use rotaplan::store::Outcome;
/// assert_eq!(Outcome::Succeeded.to_string(), "succeeded");
/// assert_eq!("abandoned".parse::<Outcome>()?, Outcome::Abandoned);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Outcome {
    /// Claimed and not ended (or its owner died without a trace).
    Running,
    /// finishSecret moved AWSCURRENT to the attempt's version.
    Succeeded,
    /// A step failed; the pending version waits to be resumed or cancelled.
    Failed,
    /// The pending version was given up (`plan secret cancel`).
    Cancelled,
    /// Its owner died or its lease lapsed, and another run took it over.
    Abandoned,
}

impl Outcome {
    /// The lowercase name, as printed.
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::store::Outcome;
    /// assert_eq!(Outcome::Running.as_str(), "running");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Running => "running",
            Outcome::Succeeded => "succeeded",
            Outcome::Failed => "failed",
            Outcome::Cancelled => "cancelled",
            Outcome::Abandoned => "abandoned",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Outcome {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<Outcome, StoreError> {
        Ok(match s {
            "running" => Outcome::Running,
            "succeeded" => Outcome::Succeeded,
            "failed" => Outcome::Failed,
            "cancelled" => Outcome::Cancelled,
            "abandoned" => Outcome::Abandoned,
            _ => return Err(StoreError::invalid(format!("unknown attempt outcome `{s}`"))),
        })
    }
}

/// One rotation attempt of one secret.
///
/// # Examples
///
/// ```
/// use rotaplan::store::{AttemptRecord, Outcome, Token};
/// let r = AttemptRecord::new(Token::generate(), chrono::Utc::now(), "host:1:2:n");
/// assert_eq!(r.outcome, Outcome::Running);
/// assert!(r.ended.is_none());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AttemptRecord {
    /// The rotation's token (its pending version's id).
    pub token: Token,
    /// When it was claimed (or taken over).
    pub started: DateTime<Utc>,
    /// When it ended; `None` while running.
    pub ended: Option<DateTime<Utc>>,
    /// How it ended.
    pub outcome: Outcome,
    /// The step it failed in (`createSecret`, …), if it failed in one.
    pub step: Option<String>,
    /// Who ran it (an [`Owner`](super::Owner) string).
    pub owner: String,
    /// The error's text, if it failed (never a secret value).
    pub error: Option<String>,
}

impl AttemptRecord {
    /// A `running` record started at `started` by `owner`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::store::{AttemptRecord, Token};
    /// let r = AttemptRecord::new(Token::generate(), chrono::Utc::now(), "me");
    /// assert_eq!(r.owner, "me");
    /// ```
    pub fn new(token: Token, started: DateTime<Utc>, owner: impl Into<String>) -> AttemptRecord {
        AttemptRecord {
            token,
            started,
            ended: None,
            outcome: Outcome::Running,
            step: None,
            owner: owner.into(),
            error: None,
        }
    }

    fn end(&mut self, at: DateTime<Utc>, outcome: Outcome, step: Option<&str>, error: Option<&str>) {
        self.ended = Some(at);
        self.outcome = outcome;
        self.step = step.map(str::to_owned);
        self.error = error.map(str::to_owned);
    }
}

/// One secret's history in memory, oldest first (the memory store's, and
/// the rules the SQLite store's SQL follows).
#[derive(Clone, Debug, Default)]
pub(crate) struct Log(VecDeque<AttemptRecord>);

impl Log {
    fn push(&mut self, rec: AttemptRecord) {
        self.0.push_back(rec);
        while self.0.len() > HISTORY_LIMIT {
            self.0.pop_front();
        }
    }

    /// A claim started a rotation.
    pub(crate) fn started(&mut self, token: &Token, owner: &Owner, now: DateTime<Utc>) {
        self.push(AttemptRecord::new(token.clone(), now, owner.as_str()));
    }

    /// A claim took over the rotation of `token`: running records end as
    /// abandoned and a new one starts.
    pub(crate) fn resumed(&mut self, token: &Token, owner: &Owner, now: DateTime<Utc>) {
        for r in self.0.iter_mut().filter(|r| r.outcome == Outcome::Running) {
            r.end(now, Outcome::Abandoned, None, None);
        }
        self.started(token, owner, now);
    }

    /// Ends the newest running record of `token`; with none, adds an ended
    /// record (e.g. a cancel of a rotation that had already failed).
    pub(crate) fn end(
        &mut self,
        token: &Token,
        outcome: Outcome,
        step: Option<&str>,
        error: Option<&str>,
        now: DateTime<Utc>,
    ) {
        let running = self
            .0
            .iter_mut()
            .rev()
            .find(|r| &r.token == token && r.outcome == Outcome::Running);
        match running {
            Some(r) => r.end(now, outcome, step, error),
            None if outcome == Outcome::Running => {}
            None => {
                let mut r = AttemptRecord::new(token.clone(), now, Owner::this_process().as_str());
                r.end(now, outcome, step, error);
                self.push(r);
            }
        }
    }

    /// The newest `limit` records, newest first.
    pub(crate) fn newest(&self, limit: usize) -> Vec<AttemptRecord> {
        self.0.iter().rev().take(limit).cloned().collect()
    }
}

/// The SQLite store's `history` table and the statements on it, run inside
/// the caller's transaction.
#[cfg(feature = "sqlite")]
pub(crate) mod sql {
    use chrono::{DateTime, Utc};
    use rusqlite::{params, Transaction};

    use super::{AttemptRecord, Outcome, HISTORY_LIMIT};
    use crate::store::{Owner, SecretId, Token};

    pub(crate) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS history (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    secret  TEXT NOT NULL,
    token   TEXT NOT NULL,
    started INTEGER NOT NULL,
    ended   INTEGER,
    outcome TEXT NOT NULL,
    step    TEXT,
    owner   TEXT NOT NULL,
    error   TEXT
);
CREATE INDEX IF NOT EXISTS history_by_secret ON history (secret, seq);
";

    fn nanos(t: DateTime<Utc>) -> i64 {
        t.timestamp_nanos_opt().unwrap_or(i64::MAX)
    }

    fn insert(tx: &Transaction<'_>, id: &SecretId, rec: &AttemptRecord) -> rusqlite::Result<()> {
        tx.execute(
            "INSERT INTO history (secret, token, started, ended, outcome, step, owner, error)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                id.as_str(),
                rec.token.as_str(),
                nanos(rec.started),
                rec.ended.map(nanos),
                rec.outcome.as_str(),
                rec.step,
                rec.owner,
                rec.error
            ],
        )?;
        tx.execute(
            "DELETE FROM history WHERE secret = ?1 AND seq <= (
                 SELECT seq FROM history WHERE secret = ?1 ORDER BY seq DESC LIMIT 1 OFFSET ?2)",
            params![id.as_str(), HISTORY_LIMIT as i64],
        )?;
        Ok(())
    }

    pub(crate) fn started(
        tx: &Transaction<'_>,
        id: &SecretId,
        token: &Token,
        owner: &Owner,
        now: DateTime<Utc>,
    ) -> rusqlite::Result<()> {
        insert(tx, id, &AttemptRecord::new(token.clone(), now, owner.as_str()))
    }

    pub(crate) fn resumed(
        tx: &Transaction<'_>,
        id: &SecretId,
        token: &Token,
        owner: &Owner,
        now: DateTime<Utc>,
    ) -> rusqlite::Result<()> {
        tx.execute(
            "UPDATE history SET outcome = 'abandoned', ended = ?2 WHERE secret = ?1 AND outcome = 'running'",
            params![id.as_str(), nanos(now)],
        )?;
        started(tx, id, token, owner, now)
    }

    pub(crate) fn end(
        tx: &Transaction<'_>,
        id: &SecretId,
        token: &Token,
        outcome: Outcome,
        step: Option<&str>,
        error: Option<&str>,
        now: DateTime<Utc>,
    ) -> rusqlite::Result<()> {
        let n = tx.execute(
            "UPDATE history SET outcome = ?3, ended = ?4, step = ?5, error = ?6
             WHERE seq = (SELECT MAX(seq) FROM history
                          WHERE secret = ?1 AND token = ?2 AND outcome = 'running')",
            params![id.as_str(), token.as_str(), outcome.as_str(), nanos(now), step, error],
        )?;
        if n == 0 && outcome != Outcome::Running {
            let mut rec = AttemptRecord::new(token.clone(), now, Owner::this_process().as_str());
            rec.end(now, outcome, step, error);
            insert(tx, id, &rec)?;
        }
        Ok(())
    }

    pub(crate) fn newest(tx: &Transaction<'_>, id: &SecretId, limit: usize) -> rusqlite::Result<Vec<AttemptRecord>> {
        let mut stmt = tx.prepare_cached(
            "SELECT token, started, ended, outcome, step, owner, error FROM history
             WHERE secret = ?1 ORDER BY seq DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![id.as_str(), limit.min(i64::MAX as usize) as i64], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, Option<i64>>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, Option<String>>(6)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (token, started, ended, outcome, step, owner, error) = row?;
            let bad = |what: &str| rusqlite::Error::InvalidColumnName(format!("corrupt history {what}"));
            out.push(AttemptRecord {
                token: Token::new(token).map_err(|_| bad("token"))?,
                started: DateTime::from_timestamp_nanos(started),
                ended: ended.map(DateTime::from_timestamp_nanos),
                outcome: outcome.parse().map_err(|_| bad("outcome"))?,
                step,
                owner,
                error,
            });
        }
        Ok(out)
    }

    pub(crate) fn delete(tx: &Transaction<'_>, id: &SecretId) -> rusqlite::Result<()> {
        tx.execute("DELETE FROM history WHERE secret = ?1", params![id.as_str()])?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_keeps_the_newest_hundred() {
        let mut log = Log::default();
        let owner = Owner::new("h:1:1:n");
        let now = Utc::now();
        let tokens: Vec<Token> = (0..HISTORY_LIMIT + 5).map(|_| Token::generate()).collect();
        for t in &tokens {
            log.started(t, &owner, now);
            log.end(t, Outcome::Succeeded, None, None, now);
        }
        let all = log.newest(usize::MAX);
        assert_eq!(all.len(), HISTORY_LIMIT);
        assert_eq!(all[0].token, tokens[tokens.len() - 1]);
        assert_eq!(all[HISTORY_LIMIT - 1].token, tokens[5]);
    }

    #[test]
    fn resume_abandons_and_cancel_after_failure_adds_a_record() {
        let mut log = Log::default();
        let t = Token::generate();
        let now = Utc::now();
        log.started(&t, &Owner::new("a:1:1:n"), now);
        log.resumed(&t, &Owner::new("b:1:1:n"), now);
        log.end(&t, Outcome::Failed, Some("setSecret"), Some("boom"), now);
        log.end(&t, Outcome::Cancelled, None, None, now);
        let recs = log.newest(9);
        let outcomes: Vec<Outcome> = recs.iter().map(|r| r.outcome).collect();
        assert_eq!(outcomes, [Outcome::Cancelled, Outcome::Failed, Outcome::Abandoned]);
        assert_eq!(recs[1].owner, "b:1:1:n");
        assert_eq!(recs[1].step.as_deref(), Some("setSecret"));
        assert_eq!(recs[2].owner, "a:1:1:n");
    }
}

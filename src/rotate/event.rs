//! [`RotationEvent`]: what the driver tells an
//! [`on_event`](super::Rotator::on_event) hook as a claimed rotation starts,
//! succeeds, fails, or takes over an abandoned one. Ids, tokens, steps and
//! error texts only, never a value.

use std::fmt;

use chrono::{DateTime, Utc};

use crate::store::{SecretId, Token};

/// Which moment of a rotation an event marks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EventKind {
    /// A claim started a rotation or took one over.
    RotationStarted,
    /// finishSecret moved AWSCURRENT.
    RotationSucceeded,
    /// A step failed (after the retries).
    RotationFailed,
    /// The claim took over a rotation whose owner died or whose lease lapsed.
    RotationAbandoned,
}

impl EventKind {
    /// `RotationStarted`, `RotationSucceeded`, `RotationFailed` or
    /// `RotationAbandoned`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(rotaplan::rotate::EventKind::RotationFailed.as_str(), "RotationFailed");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::RotationStarted => "RotationStarted",
            EventKind::RotationSucceeded => "RotationSucceeded",
            EventKind::RotationFailed => "RotationFailed",
            EventKind::RotationAbandoned => "RotationAbandoned",
        }
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One rotation event.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RotationEvent {
    /// What happened.
    pub kind: EventKind,
    /// To which secret.
    pub secret: SecretId,
    /// The rotation's token.
    pub token: Token,
    /// When.
    pub time: DateTime<Utc>,
    /// The step a failure happened in.
    pub step: Option<String>,
    /// A failure's text (never a secret value).
    pub error: Option<String>,
}

impl RotationEvent {
    pub(crate) fn new(kind: EventKind, secret: &SecretId, token: &Token) -> RotationEvent {
        RotationEvent {
            kind,
            secret: secret.clone(),
            token: token.clone(),
            time: Utc::now(),
            step: None,
            error: None,
        }
    }

    /// The event as the JSON object `--on-event` programs read:
    /// `{"event", "secret", "token", "time", "step", "error"}`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::rotate::{EventKind, RotationEvent};
    /// # fn show(e: &RotationEvent) {
    /// let j = e.to_json();
    /// assert!(j["event"].is_string() && j["time"].is_string());
    /// # }
    /// ```
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "event": self.kind.as_str(),
            "secret": self.secret.as_str(),
            "token": self.token.as_str(),
            "time": self.time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "step": self.step,
            "error": self.error,
        })
    }
}

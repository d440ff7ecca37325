//! The rotation-window test: is a secret's window open (or overdue) now?
//!
//! It lives with the store because both sides need it: [`RotationConfig::check`]
//! refuses rules it cannot evaluate before they are stored, and the driver's
//! `due` asks it of every stored secret. The windows themselves come from the
//! planner ([`RotationRules`]).

use chrono::{DateTime, Duration, NaiveTime, Utc};

use super::{RotationConfig, StoreError};
use crate::expr::Schedule;
use crate::plan::{RotationRules, WindowDuration};

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
) -> Result<Option<Window>, StoreError> {
    let schedule = Schedule::parse(&config.schedule)
        .map_err(|e| StoreError::schedule(format!("schedule `{}`: {e}", config.schedule)))?;
    let duration = match &config.duration {
        None => None,
        Some(d) => Some(
            d.parse::<WindowDuration>()
                .map_err(|e| StoreError::schedule(format!("duration `{d}`: {e}")))?,
        ),
    };
    let rules = RotationRules::new(schedule, duration)
        .map_err(|e| StoreError::schedule(format!("schedule `{}`: {e}", config.schedule)))?;
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

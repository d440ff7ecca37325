//! EventBridge Scheduler's flexible time window: [`FlexibleWindow`], and
//! the windows of a schedule that has no Secrets Manager window rules.

use std::fmt;
use std::num::NonZeroU16;
use std::str::FromStr;

use chrono::{DateTime, TimeZone};

use super::iter::Windows;
use super::window::Length;
use super::{Occurrences, PlanError, Planner};
use crate::expr::Schedule;

/// EventBridge Scheduler's `FlexibleTimeWindow`: the target is invoked at
/// some instant within this many minutes after each scheduled time.
///
/// Scheduler's `MaximumWindowInMinutes` is 1 to 1440; mode `OFF` is no
/// window at all, which [`Schedule::windows_with`] takes as `None`.
///
/// # Syntax
///
/// Whole minutes followed by `m`: `1m` to `1440m`. Prints back the same
/// way, without leading zeros.
///
/// # Examples
///
/// ```
/// use rotaplan::plan::FlexibleWindow;
///
/// let w: FlexibleWindow = "15m".parse()?;
/// assert_eq!(w.minutes(), 15);
/// assert_eq!(w.to_string(), "15m");
/// assert!("0m".parse::<FlexibleWindow>().is_err());
/// assert!("1441m".parse::<FlexibleWindow>().is_err());
/// # Ok::<(), rotaplan::plan::PlanError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FlexibleWindow(NonZeroU16);

impl FlexibleWindow {
    /// A window of `minutes` minutes, if it is from 1 to 1440.
    ///
    /// ```
    /// use rotaplan::plan::FlexibleWindow;
    /// assert_eq!(FlexibleWindow::from_minutes(1440).map(|w| w.to_string()), Some("1440m".into()));
    /// assert_eq!(FlexibleWindow::from_minutes(0), None);
    /// ```
    pub fn from_minutes(minutes: u16) -> Option<FlexibleWindow> {
        match minutes {
            1..=1440 => NonZeroU16::new(minutes).map(FlexibleWindow),
            _ => None,
        }
    }

    /// The number of minutes, 1 to 1440.
    ///
    /// ```
    /// assert_eq!("90m".parse::<rotaplan::plan::FlexibleWindow>()?.minutes(), 90);
    /// # Ok::<(), rotaplan::plan::PlanError>(())
    /// ```
    pub fn minutes(self) -> u16 {
        self.0.get()
    }
}

impl FromStr for FlexibleWindow {
    type Err = PlanError;

    fn from_str(s: &str) -> Result<FlexibleWindow, PlanError> {
        let digits = s
            .strip_suffix('m')
            .ok_or_else(|| PlanError::invalid_flexible_window(s))?;
        if digits.is_empty() || digits.len() > 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(PlanError::invalid_flexible_window(s));
        }
        digits
            .parse::<u16>()
            .ok()
            .and_then(FlexibleWindow::from_minutes)
            .ok_or_else(|| PlanError::invalid_flexible_window(s))
    }
}

impl fmt::Display for FlexibleWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}m", self.0)
    }
}

impl Schedule {
    /// The windows of an EventBridge rule or Scheduler schedule strictly
    /// after `t`, read in `t`'s zone: each starts at an occurrence and lasts
    /// `window` (`None`, Scheduler's mode `OFF`, gives `end == start`).
    ///
    /// No Secrets Manager window rule applies: windows may run into the
    /// next UTC day or overlap each other, as Scheduler allows. `anchor`
    /// is where `rate(...)` schedules count from (when the schedule was
    /// created); cron schedules ignore it.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use rotaplan::expr::{Profile, Schedule};
    ///
    /// let s = Schedule::parse_with("cron(0/5 23 * * ? *)", Profile::EventBridge)?;
    /// let t = Utc.with_ymd_and_hms(2026, 11, 23, 23, 52, 0).unwrap();
    /// let w: Vec<_> = s.windows_with(&t, &t, Some("15m".parse()?)).take(2).collect();
    /// assert_eq!(w[0].start, Utc.with_ymd_and_hms(2026, 11, 23, 23, 55, 0).unwrap());
    /// assert_eq!(w[0].end, Utc.with_ymd_and_hms(2026, 11, 24, 0, 10, 0).unwrap());
    /// assert_eq!(w[1].start, Utc.with_ymd_and_hms(2026, 11, 24, 23, 0, 0).unwrap());
    ///
    /// let off = s.windows_with(&t, &t, None).next().unwrap();
    /// assert_eq!(off.start, off.end);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn windows_with<Tz: TimeZone, A: TimeZone>(
        &self,
        anchor: &DateTime<A>,
        t: &DateTime<Tz>,
        window: Option<FlexibleWindow>,
    ) -> Windows<Tz> {
        let occurrences = Occurrences::new(Planner::new(self, anchor, &t.timezone()), t.clone(), true);
        Windows::new(occurrences, Length::Minutes(window.map_or(0, FlexibleWindow::minutes)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax() {
        for ok in ["1m", "15m", "0015m", "1440m"] {
            let w: FlexibleWindow = ok.parse().unwrap();
            assert_eq!(w.to_string().parse::<FlexibleWindow>().unwrap(), w, "{ok}");
        }
        for bad in [
            "", "m", "0m", "1441m", "15", "15M", "1h", "-5m", "+5m", " 5m", "99999m", "15mm",
        ] {
            let err = bad.parse::<FlexibleWindow>().unwrap_err();
            assert!(err.is_invalid_flexible_window(), "{bad}");
        }
        assert_eq!(
            "2h".parse::<FlexibleWindow>().unwrap_err().to_string(),
            "invalid flexible window `2h`: expected whole minutes from 1 to 1440 followed by `m`, e.g. `15m`"
        );
    }
}

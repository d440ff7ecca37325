//! `--max-interval`: the longest gap between two rotations, computed from
//! the schedule (for `plan check` and `plan audit`).

// Only the `check` and `rotate` features ask for the gap.
#![cfg_attr(not(any(feature = "check", feature = "rotate")), allow(dead_code))]

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveTime, TimeZone, Utc};

use crate::expr::{RateUnit, Schedule};

/// A longest allowed time between two rotations, in whole minutes:
/// `90d`, `12h`, `1d12h`, `2w`, `30m`.
///
/// ```
/// use rotaplan::plan::MaxInterval;
///
/// let m: MaxInterval = "1d12h".parse()?;
/// assert_eq!(m.minutes(), 36 * 60);
/// assert_eq!(m.to_string(), "1d12h");
/// assert_eq!("36h".parse::<MaxInterval>()?.to_string(), "1d12h");
/// # Ok::<(), rotaplan::plan::ParseIntervalError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MaxInterval(u64);

impl MaxInterval {
    /// The interval in minutes.
    ///
    /// ```
    /// assert_eq!("2h".parse::<rotaplan::plan::MaxInterval>()?.minutes(), 120);
    /// # Ok::<(), rotaplan::plan::ParseIntervalError>(())
    /// ```
    pub fn minutes(self) -> u64 {
        self.0
    }
}

/// Why a `--max-interval` value was refused.
///
/// ```
/// let err = "90".parse::<rotaplan::plan::MaxInterval>().unwrap_err();
/// assert!(err.to_string().starts_with("invalid interval `90`"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseIntervalError(String);

impl fmt::Display for ParseIntervalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid interval `{}`; expected a positive number and a unit, w, d, h or m (`90d`, `12h`, `1d12h`)",
            self.0
        )
    }
}

impl std::error::Error for ParseIntervalError {}

impl FromStr for MaxInterval {
    type Err = ParseIntervalError;

    fn from_str(s: &str) -> Result<MaxInterval, ParseIntervalError> {
        let err = || ParseIntervalError(s.chars().take(64).collect());
        let mut total: u64 = 0;
        let mut rest = s;
        if rest.is_empty() {
            return Err(err());
        }
        while !rest.is_empty() {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            let n: u64 = rest[..digits].parse().map_err(|_| err())?;
            let unit = match rest[digits..].chars().next() {
                Some('w') => 7 * 1440,
                Some('d') => 1440,
                Some('h') => 60,
                Some('m') => 1,
                _ => return Err(err()),
            };
            total = n.checked_mul(unit).and_then(|m| total.checked_add(m)).ok_or_else(err)?;
            rest = &rest[digits + 1..];
        }
        if total == 0 {
            return Err(err());
        }
        Ok(MaxInterval(total))
    }
}

impl fmt::Display for MaxInterval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (d, h, m) = (self.0 / 1440, self.0 % 1440 / 60, self.0 % 60);
        for (n, unit) in [(d, "d"), (h, "h"), (m, "m")] {
            if n > 0 {
                write!(f, "{n}{unit}")?;
            }
        }
        Ok(())
    }
}

/// Minutes as `1d12h` (or `0m`).
fn human(minutes: i64) -> String {
    match u64::try_from(minutes) {
        Ok(m) if m > 0 => MaxInterval(m).to_string(),
        _ => "0m".into(),
    }
}

/// The message for a schedule whose longest gap exceeds `max`, naming the
/// first two rotations that far apart; `None` when it keeps to it (or fires
/// once).
///
/// A cron is walked day by day over 230 years (a few milliseconds), and a
/// big template repeats the same few schedules: answers are remembered.
pub(crate) fn exceeds_interval(schedule: &Schedule, max: MaxInterval) -> Option<String> {
    use std::cell::RefCell;
    use std::collections::HashMap;
    thread_local! {
        static SEEN: RefCell<HashMap<(String, u64), Option<String>>> = RefCell::new(HashMap::new());
    }
    let key = (schedule.to_string(), max.0);
    if let Some(hit) = SEEN.with(|s| s.borrow().get(&key).cloned()) {
        return hit;
    }
    let answer = compute(schedule, max);
    SEEN.with(|s| {
        let mut s = s.borrow_mut();
        if s.len() >= 4096 {
            s.clear();
        }
        s.insert(key, answer.clone());
    });
    answer
}

fn compute(schedule: &Schedule, max: MaxInterval) -> Option<String> {
    let limit = max.0 as i64;
    let too_long = |gap: i64, between: Option<(DateTime<Utc>, DateTime<Utc>)>| {
        let between = between.map_or(String::new(), |(a, b)| {
            format!(" ({} to {})", a.format("%Y-%m-%dT%H:%MZ"), b.format("%Y-%m-%dT%H:%MZ"))
        });
        format!(
            "rotations can be {} apart{between}, more than the maximum interval {max}",
            human(gap)
        )
    };
    match schedule {
        Schedule::Rate(r) => {
            let n = r.value().get() as i64;
            let gap = match r.unit() {
                RateUnit::Minutes => n,
                // Restarts at midnight: the gap before midnight may be shorter, never longer.
                RateUnit::Hours if n < 24 => n * 60,
                RateUnit::Hours => n * 60,
                _ => n * 1440,
            };
            (gap > limit).then(|| too_long(gap, None))
        }
        Schedule::Cron(c) => {
            let compiled = c.compiled();
            // Times of day it fires, in minutes; the same on every firing day.
            let times: Vec<i64> = (0..24)
                .filter(|h| compiled.hours & (1 << h) != 0)
                .flat_map(|h| {
                    (0..60)
                        .filter(|m| compiled.minutes & (1u64 << m) != 0)
                        .map(move |m| h * 60 + m)
                })
                .collect();
            let &last = times.last()?;
            if let Some(w) = times.windows(2).find(|w| w[1] - w[0] > limit) {
                return Some(too_long(w[1] - w[0], None));
            }
            // Across days: from the last time of each firing day to the
            // first of the next, over the planner's whole range.
            let last_time = NaiveTime::from_hms_opt((last / 60) as u32, (last % 60) as u32, 0)?;
            let start = Utc.with_ymd_and_hms(1969, 12, 31, 23, 59, 59).single()?;
            let mut o = schedule.next_after(&start)?.at;
            loop {
                let day_last = o.date_naive().and_time(last_time).and_utc();
                let next = schedule.next_after(&day_last)?.at;
                let gap = (next - day_last).num_minutes();
                if gap > limit {
                    return Some(too_long(gap, Some((day_last, next))));
                }
                o = next;
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::Profile;

    fn gap(expr: &str, max: &str) -> Option<String> {
        exceeds_interval(
            &Schedule::parse_with(expr, Profile::EventBridge).unwrap(),
            max.parse().unwrap(),
        )
    }

    #[test]
    fn parse_and_print() {
        for (s, m) in [("90d", 90 * 1440), ("12h", 720), ("2w", 20160), ("1d12h30m", 2190)] {
            assert_eq!(s.parse::<MaxInterval>().unwrap().minutes(), m, "{s}");
        }
        for bad in ["", "0d", "d", "12", "1x", "-1d", "1d 2h", "99999999999999999999w"] {
            assert!(bad.parse::<MaxInterval>().is_err(), "{bad}");
        }
    }

    #[test]
    fn rates_and_crons() {
        assert_eq!(gap("rate(90 days)", "90d"), None);
        assert_eq!(
            gap("rate(91 days)", "90d").unwrap(),
            "rotations can be 91d apart, more than the maximum interval 90d"
        );
        assert_eq!(
            gap("rate(13 hours)", "12h").unwrap(),
            "rotations can be 13h apart, more than the maximum interval 12h"
        );
        // The first of each month: 31 days at most (hand-worked: Jan 1 to Feb 1).
        assert_eq!(gap("cron(0 0 1 * ? *)", "31d"), None);
        assert_eq!(
            gap("cron(0 0 1 * ? *)", "30d").unwrap(),
            "rotations can be 31d apart (1970-01-01T00:00Z to 1970-02-01T00:00Z), more than the maximum interval 30d"
        );
        // Within a day: 02:00 and 20:00 are 18 h apart, then 6 h to 02:00.
        assert_eq!(gap("cron(0 2,20 * * ? *)", "18h"), None);
        assert!(gap("cron(0 2,20 * * ? *)", "17h")
            .unwrap()
            .starts_with("rotations can be 18h apart"));
        // February 29th: 2096 to 2104 is 8 years, as 2100 is no leap year:
        // 8 × 365 days and one February 29th (2104's).
        let msg = gap("cron(0 0 29 2 ? *)", "1500d").unwrap();
        assert_eq!(
            msg,
            "rotations can be 2921d apart (2096-02-29T00:00Z to 2104-02-29T00:00Z), more than the maximum interval 1500d"
        );
        assert_eq!(gap("cron(0 0 29 2 ? *)", "2921d"), None);
    }
}

//! `at(yyyy-mm-ddThh:mm:ss)`: EventBridge Scheduler's one-time schedule.

use std::fmt;
use std::str::FromStr;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use super::error::ErrorKind;
use super::{Checked, ParseError, Profile, Schedule};
use crate::expr::compile::{MAX_YEAR, MIN_YEAR};

/// A one-time schedule, `at(yyyy-mm-ddThh:mm:ss)`: a wall time, read in the
/// schedule's time zone (EventBridge Scheduler's
/// `ScheduleExpressionTimezone`, UTC when absent). Only the
/// [`Profile::Scheduler`] accepts it.
///
/// # Examples
///
/// ```
/// use rotaplan::expr::{At, Profile, Schedule};
///
/// let at: At = "at(2026-12-01T09:30:00)".parse()?;
/// assert_eq!(at.wall_time().to_string(), "2026-12-01 09:30:00");
/// assert_eq!(at.to_string(), "at(2026-12-01T09:30:00)");
/// let s = Schedule::parse_with("at(2026-12-01T09:30:00)", Profile::Scheduler)?;
/// assert_eq!(s, Schedule::At(at));
/// # Ok::<(), rotaplan::expr::ParseError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct At {
    wall: NaiveDateTime,
}

impl At {
    /// The wall time it fires at, in the schedule's zone.
    ///
    /// ```
    /// let at: rotaplan::expr::At = "at(2030-01-02T03:04:05)".parse()?;
    /// assert_eq!(at.wall_time().format("%H:%M:%S").to_string(), "03:04:05");
    /// # Ok::<(), rotaplan::expr::ParseError>(())
    /// ```
    pub fn wall_time(&self) -> NaiveDateTime {
        self.wall
    }
}

impl fmt::Display for At {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at({})", self.wall.format("%Y-%m-%dT%H:%M:%S"))
    }
}

impl FromStr for At {
    type Err = ParseError;

    /// Parses `at(yyyy-mm-ddThh:mm:ss)`, whatever the profile.
    fn from_str(s: &str) -> Result<At, ParseError> {
        parse(s.as_bytes())
    }
}

/// The whole grammar: fixed widths, digits, the separators `-`, `T`, `:`.
fn parse(input: &[u8]) -> Result<At, ParseError> {
    const SHAPE: &[u8] = b"at(dddd-dd-ddTdd:dd:dd)";
    let err = |kind, span| ParseError::new(kind, span, None, input);
    let format = || err(ErrorKind::AtFormat, 0..input.len().min(256));
    if input.len() != SHAPE.len() {
        return Err(format());
    }
    for (i, (&c, &want)) in input.iter().zip(SHAPE).enumerate() {
        let ok = if want == b'd' { c.is_ascii_digit() } else { c == want };
        if !ok {
            let len = std::str::from_utf8(&input[i..])
                .ok()
                .and_then(|s| s.chars().next())
                .map_or(1, char::len_utf8);
            return Err(err(ErrorKind::AtFormat, i..i + len));
        }
    }
    // All ASCII digits and separators now.
    let num = |r: std::ops::Range<usize>| -> u32 { input[r].iter().fold(0, |n, d| n * 10 + u32::from(d - b'0')) };
    let (y, mo, d) = (num(3..7) as i32, num(8..10), num(11..13));
    let (h, mi, sec) = (num(14..16), num(17..19), num(20..22));
    let date = NaiveDate::from_ymd_opt(y, mo, d)
        .filter(|_| (MIN_YEAR..=MAX_YEAR).contains(&y))
        .ok_or_else(|| err(ErrorKind::AtDate, 3..13))?;
    let time = NaiveTime::from_hms_opt(h, mi, sec).ok_or_else(|| err(ErrorKind::AtTime, 14..22))?;
    Ok(At {
        wall: date.and_time(time),
    })
}

/// `Schedule::check` for `at(` expressions.
pub(crate) fn check(input: &[u8], profile: Profile) -> Result<Checked, ParseError> {
    let at = parse(input)?;
    if profile != Profile::Scheduler {
        return Err(ParseError::new(ErrorKind::AtNotScheduler, 0..2, None, input));
    }
    Ok(Checked {
        schedule: Schedule::At(at),
        warnings: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_point_at_the_part() {
        let cases = [
            ("at(2026-1-01T00:00:00)", "expected `at(yyyy-mm-ddThh:mm:ss)`", 1),
            ("at(2026-01-01 00:00:00)", "expected `at(yyyy-mm-ddThh:mm:ss)`", 14),
            (
                "at(2026-02-30T00:00:00)",
                "no such date; expected a real date in 1970-2199",
                4,
            ),
            (
                "at(2200-01-01T00:00:00)",
                "no such date; expected a real date in 1970-2199",
                4,
            ),
            (
                "at(2026-02-01T24:00:00)",
                "no such time of day; expected 00:00:00-23:59:59",
                15,
            ),
        ];
        for (input, message, column) in cases {
            let e = input.parse::<At>().unwrap_err();
            assert_eq!((e.message().as_str(), e.column()), (message, column), "{input}");
        }
        let e = Schedule::parse_with("at(2026-02-01T10:00:00)", Profile::EventBridge).unwrap_err();
        assert_eq!(
            e.message(),
            "one-time `at(...)` schedules are only for EventBridge Scheduler"
        );
        assert!(e.is_profile_violation());
    }

    #[test]
    fn round_trip() {
        for s in [
            "at(1970-01-01T00:00:00)",
            "at(2199-12-31T23:59:59)",
            "at(2028-02-29T12:00:07)",
        ] {
            let at: At = s.parse().unwrap();
            assert_eq!(at.to_string(), s);
            assert_eq!(at.to_string().parse::<At>().unwrap(), at);
        }
    }
}

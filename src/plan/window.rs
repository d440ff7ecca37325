//! Rotation windows: [`Window`], [`WindowDuration`] and [`RotationRules`].

use std::fmt;
use std::num::NonZeroU8;
use std::str::FromStr;

use chrono::{DateTime, Days, NaiveTime, Offset, TimeZone};

use super::iter::Windows;
use super::{resolve, Occurrence, PlanError, Planner};
use crate::expr::{Compiled, RateUnit, Schedule};

/// A rotation window: the half-open interval `[start, end)` in which a
/// rotation happens.
///
/// `start` is an occurrence of the schedule, with the DST policy applied:
/// a start inside a DST gap moves to the first instant after the gap
/// (`shifted` is then true); a start in a repeated hour is the first of the
/// two instants. `end` is `start` plus the duration in elapsed hours (so a
/// 3-hour window across a spring-forward gap ends 3 real hours later, at a
/// wall time 4 hours later); the default "end of the day" is the next local
/// midnight, itself resolved by the same policy. In UTC neither matters.
///
/// # Examples
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use rotaplan::plan::RotationRules;
///
/// let rules = RotationRules::new("cron(0 16 ? * SUN#2 *)".parse()?, None)?;
/// let w = rules.windows_after(&Utc.with_ymd_and_hms(2026, 11, 23, 0, 0, 0).unwrap()).next().unwrap();
/// assert_eq!(w.start, Utc.with_ymd_and_hms(2026, 12, 13, 16, 0, 0).unwrap());
/// assert_eq!(w.end, Utc.with_ymd_and_hms(2026, 12, 14, 0, 0, 0).unwrap()); // end of the UTC day
/// assert!(w.contains(&Utc.with_ymd_and_hms(2026, 12, 13, 23, 59, 59).unwrap()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Window<Tz: TimeZone> {
    /// When the window opens (inclusive).
    pub start: DateTime<Tz>,
    /// When it closes (exclusive).
    pub end: DateTime<Tz>,
    /// Whether the DST policy moved `start` out of a gap.
    pub shifted: bool,
}

impl<Tz: TimeZone> Window<Tz> {
    /// Whether `t` is inside `[start, end)`.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use rotaplan::plan::RotationRules;
    ///
    /// let rules = RotationRules::new("rate(4 hours)".parse()?, None)?;
    /// let w = rules.windows_after(&Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()).next().unwrap();
    /// assert!(w.contains(&w.start) && !w.contains(&w.end));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn contains<T: TimeZone>(&self, t: &DateTime<T>) -> bool {
        self.start <= *t && *t < self.end
    }
}

impl<Tz: TimeZone> PartialEq for Window<Tz> {
    fn eq(&self, other: &Self) -> bool {
        self.start == other.start && self.end == other.end && self.shifted == other.shifted
    }
}

impl<Tz: TimeZone> Eq for Window<Tz> {}

#[cfg(feature = "serde")]
impl<Tz: TimeZone> serde::Serialize for Window<Tz>
where
    Tz::Offset: fmt::Display,
{
    /// `{"start": "...", "end": "...", "shifted": false}` with RFC 3339
    /// instants to the second (`Z` for any zero offset).
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let fmt = |t: &DateTime<Tz>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let mut st = s.serialize_struct("Window", 3)?;
        st.serialize_field("start", &fmt(&self.start))?;
        st.serialize_field("end", &fmt(&self.end))?;
        st.serialize_field("shifted", &self.shifted)?;
        st.end()
    }
}

/// How long a rotation window stays open: `Nh`, whole hours from 1 to 24
/// (Secrets Manager's `RotationRules.Duration`).
///
/// # Syntax
///
/// One or two decimal digits followed by `h`: `1h` to `24h`. The API's
/// pattern (`[0-9]+h`, 2–3 characters) also admits a leading zero, so `03h`
/// is accepted and prints back as `3h`.
///
/// # Examples
///
/// ```
/// use rotaplan::plan::WindowDuration;
///
/// let d: WindowDuration = "3h".parse()?;
/// assert_eq!(d.hours(), 3);
/// assert_eq!(d.to_string(), "3h");
/// assert!("0h".parse::<WindowDuration>().is_err());
/// assert!("3".parse::<WindowDuration>().is_err());
/// # Ok::<(), rotaplan::plan::PlanError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WindowDuration(NonZeroU8);

impl WindowDuration {
    /// A duration of `hours` hours, if it is from 1 to 24.
    ///
    /// ```
    /// use rotaplan::plan::WindowDuration;
    /// assert_eq!(WindowDuration::from_hours(24).map(|d| d.to_string()), Some("24h".into()));
    /// assert_eq!(WindowDuration::from_hours(25), None);
    /// ```
    pub fn from_hours(hours: u8) -> Option<WindowDuration> {
        match hours {
            1..=24 => NonZeroU8::new(hours).map(WindowDuration),
            _ => None,
        }
    }

    /// The number of hours, 1 to 24.
    ///
    /// ```
    /// assert_eq!("24h".parse::<rotaplan::plan::WindowDuration>()?.hours(), 24);
    /// # Ok::<(), rotaplan::plan::PlanError>(())
    /// ```
    pub fn hours(self) -> u8 {
        self.0.get()
    }
}

impl FromStr for WindowDuration {
    type Err = PlanError;

    fn from_str(s: &str) -> Result<WindowDuration, PlanError> {
        let digits = s.strip_suffix('h').ok_or_else(|| PlanError::invalid_duration(s))?;
        if digits.is_empty() || digits.len() > 2 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(PlanError::invalid_duration(s));
        }
        digits
            .parse::<u8>()
            .ok()
            .and_then(WindowDuration::from_hours)
            .ok_or_else(|| PlanError::invalid_duration(s))
    }
}

impl fmt::Display for WindowDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}h", self.0)
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for WindowDuration {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for WindowDuration {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<WindowDuration, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// How long each window lasts, once the rules are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Length {
    Hours(u8),
    EndOfDay,
    /// EventBridge Scheduler's flexible window; 0 for none (`end == start`).
    Minutes(u16),
}

impl Length {
    pub(crate) fn window<Tz: TimeZone>(self, o: Occurrence<Tz>) -> Window<Tz> {
        let end = match self {
            Length::Hours(h) => o.at.clone() + chrono::Duration::hours(h as i64),
            Length::EndOfDay => end_of_day(&o.at),
            Length::Minutes(m) => o.at.clone() + chrono::Duration::minutes(m as i64),
        };
        Window {
            start: o.at,
            end,
            shifted: o.shifted,
        }
    }
}

/// The next local midnight after `start`, by the DST policy.
#[inline]
fn end_of_day<Tz: TimeZone>(start: &DateTime<Tz>) -> DateTime<Tz> {
    // Fast path: the offset does not change before midnight.
    let offset = start.offset().fix().local_minus_utc();
    let local = start.timestamp() + offset as i64;
    let to_midnight = 86_400 - local.rem_euclid(86_400);
    if let Some(end) = start.clone().checked_add_signed(chrono::Duration::seconds(to_midnight)) {
        if end.offset().fix().local_minus_utc() == offset {
            return end;
        }
    }
    let next = start.naive_local().date().checked_add_days(Days::new(1));
    next.and_then(|d| resolve(&start.timezone(), &d.and_time(NaiveTime::MIN)))
        .map_or_else(|| start.clone() + chrono::Duration::days(1), |(t, _)| t)
}

/// Secrets Manager's `RotationRules`: a schedule and an optional window
/// duration, checked against the window rules.
///
/// # Window rules (spec "Rotation windows")
///
/// - Without a duration, an hour-level schedule (`rate` in hours, or a cron
///   whose hours field has more than one value) gets 1-hour windows; a
///   day-level schedule gets windows to the end of the UTC day.
/// - A window must not run into the next UTC day: latest start time of day +
///   duration ≤ 24:00.
/// - A window must not run into the next window: the duration is at most the
///   smallest gap between two occurrences (within a day and across midnight,
///   computed from the compiled sets).
///
/// The rules are checked on UTC wall-clock times, as AWS applies them.
/// Schedules that fire more than once an hour (EventBridge's minutes) can
/// have no window at all and are refused.
///
/// # Examples
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use rotaplan::plan::RotationRules;
///
/// let rules = RotationRules::new("cron(0 8,20 * * ? *)".parse()?, None)?;
/// assert_eq!(rules.effective_hours(), Some(1));
/// assert!(RotationRules::new("cron(0 8,20 * * ? *)".parse()?, Some("13h".parse()?)).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotationRules {
    schedule: Schedule,
    duration: Option<WindowDuration>,
    length: Length,
}

/// What the window rules need to know about a schedule's occurrences.
struct Shape {
    /// Hour-level (default 1 hour) rather than day-level (end of day).
    hour_level: bool,
    /// Latest start, in minutes after midnight.
    latest_start: u32,
    /// Smallest gap between occurrences in minutes, with the two times of
    /// day when known; `None` when at least a day.
    gap: Option<(u32, Option<(u32, u32)>)>,
}

fn gcd(a: u32, b: u32) -> u32 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

fn shape(schedule: &Schedule) -> Shape {
    match schedule {
        Schedule::Cron(c) => compiled_shape(c.compiled()),
        // One occurrence: no next window to run into.
        Schedule::At(a) => {
            use chrono::Timelike;
            let t = a.wall_time();
            Shape {
                hour_level: false,
                latest_start: t.hour() * 60 + t.minute(),
                gap: None,
            }
        }
        Schedule::Rate(r) => {
            let n = r.value().get();
            match r.unit() {
                RateUnit::Days => Shape {
                    hour_level: false,
                    latest_start: 0,
                    gap: None,
                },
                RateUnit::Hours if n < 24 => {
                    let hours = (0..24).step_by(n as usize).fold(0u32, |acc, h| acc | 1 << h);
                    Shape {
                        hour_level: true,
                        ..compiled_shape(&Compiled::every_day(1, hours))
                    }
                }
                unit => {
                    let step = if unit == RateUnit::Hours {
                        n.saturating_mul(60)
                    } else {
                        n
                    };
                    Shape {
                        hour_level: true,
                        latest_start: 1440 - gcd(step, 1440),
                        gap: (step < 1440).then_some((step, None)),
                    }
                }
            }
        }
    }
}

fn compiled_shape(c: &Compiled) -> Shape {
    let mut first = None;
    let mut last = 0;
    let mut gap: Option<(u32, Option<(u32, u32)>)> = None;
    for h in (0..24).filter(|h| c.hours & (1 << h) != 0) {
        for m in (0..60).filter(|m| c.minutes & (1u64 << m) != 0) {
            let t = h * 60 + m;
            if first.is_some() {
                let g = t - last;
                if gap.is_none_or(|(best, _)| g < best) {
                    gap = Some((g, Some((last, t))));
                }
            } else {
                first = Some(t);
            }
            last = t;
        }
    }
    let first = first.unwrap_or(0);
    let wrap = 1440 - last + first;
    if wrap < 1440 && gap.is_none_or(|(best, _)| wrap < best) && c.fires_on_consecutive_days() {
        gap = Some((wrap, Some((last, first))));
    }
    Shape {
        hour_level: c.hours.count_ones() > 1,
        latest_start: last,
        gap,
    }
}

impl RotationRules {
    /// Checks `duration` (or the default) against the window rules.
    ///
    /// # Errors
    ///
    /// | schedule | duration | why |
    /// |---|---|---|
    /// | `cron(0 22 * * ? *)` | `4h` | 22:00 + 4 h runs into the next UTC day |
    /// | `cron(0 4,8 * * ? *)` | `5h` | 04:00 and 08:00 are 4 hours apart |
    /// | `rate(6 hours)` | `7h` | windows open every 6 hours |
    /// | `cron(0/15 10 * * ? *)` (EventBridge) | none | occurrences 15 minutes apart |
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::plan::RotationRules;
    ///
    /// let rules = RotationRules::new("rate(6 hours)".parse()?, Some("6h".parse()?))?;
    /// assert_eq!(rules.effective_hours(), Some(6));
    /// let err = RotationRules::new("rate(6 hours)".parse()?, Some("7h".parse()?)).unwrap_err();
    /// assert!(err.is_overlapping());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(schedule: Schedule, duration: Option<WindowDuration>) -> Result<RotationRules, PlanError> {
        let shape = shape(&schedule);
        let length = match duration {
            Some(d) => Length::Hours(d.hours()),
            None if shape.hour_level => Length::Hours(1),
            None => Length::EndOfDay,
        };
        match length {
            Length::Hours(h) => {
                let minutes = h as u32 * 60;
                if let Some((gap, between)) = shape.gap.filter(|(g, _)| minutes > *g) {
                    return Err(PlanError::overlapping(Some(h), gap, between));
                }
                if shape.latest_start + minutes > 1440 {
                    return Err(PlanError::past_end_of_day(shape.latest_start, h, duration.is_none()));
                }
            }
            Length::EndOfDay => {
                if let Some((gap, between)) = shape.gap.filter(|(g, _)| *g < 1440) {
                    return Err(PlanError::overlapping(None, gap, between));
                }
            }
            // Only EventBridge Scheduler plans have these; none is made above.
            Length::Minutes(_) => {}
        }
        Ok(RotationRules {
            schedule,
            duration,
            length,
        })
    }

    /// The schedule.
    ///
    /// ```
    /// let rules = rotaplan::plan::RotationRules::new("rate(10 days)".parse()?, None)?;
    /// assert_eq!(rules.schedule().to_string(), "rate(10 days)");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    /// The duration given, if any.
    ///
    /// ```
    /// let rules = rotaplan::plan::RotationRules::new("rate(10 days)".parse()?, Some("2h".parse()?))?;
    /// assert_eq!(rules.duration().map(|d| d.hours()), Some(2));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn duration(&self) -> Option<WindowDuration> {
        self.duration
    }

    /// How many hours each window lasts, or `None` for "to the end of the
    /// day" (the default for day-level schedules).
    ///
    /// ```
    /// use rotaplan::plan::RotationRules;
    /// assert_eq!(RotationRules::new("rate(4 hours)".parse()?, None)?.effective_hours(), Some(1));
    /// assert_eq!(RotationRules::new("rate(1 day)".parse()?, None)?.effective_hours(), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn effective_hours(&self) -> Option<u8> {
        match self.length {
            Length::Hours(h) => Some(h),
            Length::EndOfDay | Length::Minutes(_) => None,
        }
    }

    /// The windows that open strictly after `t`, read in `t`'s zone; for
    /// `rate(...)` schedules `t` stands in for the last rotation.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use rotaplan::plan::RotationRules;
    ///
    /// let rules = RotationRules::new("rate(12 hours)".parse()?, None)?;
    /// let t = Utc.with_ymd_and_hms(2026, 11, 23, 9, 30, 0).unwrap();
    /// let hours: Vec<String> = rules.windows_after(&t).take(3).map(|w| w.start.format("%d %H").to_string()).collect();
    /// assert_eq!(hours, ["23 12", "24 00", "24 12"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn windows_after<Tz: TimeZone>(&self, t: &DateTime<Tz>) -> Windows<Tz> {
        Windows::new(self.schedule.occurrences_after(t), self.length)
    }

    /// The windows that open strictly after `t`, with `rate(...)` schedules
    /// counted from `last_rotated`.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use rotaplan::plan::RotationRules;
    ///
    /// let rules = RotationRules::new("rate(10 days)".parse()?, None)?;
    /// let last = Utc.with_ymd_and_hms(2026, 11, 20, 13, 45, 0).unwrap();
    /// let w = rules.windows_after_rotation(&last, &last).next().unwrap();
    /// assert_eq!(w.start, Utc.with_ymd_and_hms(2026, 11, 30, 0, 0, 0).unwrap());
    /// assert_eq!(w.end, Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn windows_after_rotation<Tz: TimeZone, A: TimeZone>(
        &self,
        last_rotated: &DateTime<A>,
        t: &DateTime<Tz>,
    ) -> Windows<Tz> {
        Windows::new(self.schedule.occurrences_after_rotation(last_rotated, t), self.length)
    }

    /// The first window opening strictly after `t`, counting `rate(...)`
    /// schedules from `last_rotated` when given (else from `t`). The cheap
    /// call for "when does each of my secrets rotate next".
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use rotaplan::plan::RotationRules;
    ///
    /// let rules = RotationRules::new("cron(0 3 ? * MON-FRI *)".parse()?, Some("2h".parse()?))?;
    /// let t = Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0).unwrap(); // a Friday
    /// let w = rules.next_window(None::<&chrono::DateTime<Utc>>, &t).unwrap();
    /// assert_eq!(w.start, Utc.with_ymd_and_hms(2026, 11, 30, 3, 0, 0).unwrap());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn next_window<Tz: TimeZone, A: TimeZone>(
        &self,
        last_rotated: Option<&DateTime<A>>,
        t: &DateTime<Tz>,
    ) -> Option<Window<Tz>> {
        let tz = t.timezone();
        let planner = match last_rotated {
            Some(last) => Planner::new(&self.schedule, last, &tz),
            None => Planner::new(&self.schedule, t, &tz),
        };
        planner.next_after(t).map(|o| self.length.window(o))
    }
}

//! The iterators: [`Occurrences`] and [`Windows`].

use std::iter::FusedIterator;

use chrono::{DateTime, TimeZone};

use super::window::Length;
use super::{Occurrence, Planner, Window};

/// The occurrences of a schedule after (or before) an instant, in order.
///
/// Made by [`Schedule::occurrences_after`](crate::expr::Schedule::occurrences_after),
/// [`Schedule::occurrences_before`](crate::expr::Schedule::occurrences_before) and
/// [`Schedule::occurrences_after_rotation`](crate::expr::Schedule::occurrences_after_rotation).
/// It ends when the schedule stops firing or reaches the end of 2199 (the
/// start of 1970 backwards), and stays ended: it is fused.
///
/// # Examples
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use rotaplan::expr::{Profile, Schedule};
///
/// let s = Schedule::parse_with("cron(0 12 1 1 ? 2198-2199)", Profile::EventBridge)?;
/// let t = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
/// assert_eq!(s.occurrences_after(&t).count(), 2);
/// # Ok::<(), rotaplan::expr::ParseError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Occurrences<Tz: TimeZone> {
    planner: Planner,
    cursor: Option<DateTime<Tz>>,
    forward: bool,
}

impl<Tz: TimeZone> Occurrences<Tz> {
    pub(crate) fn new(planner: Planner, from: DateTime<Tz>, forward: bool) -> Occurrences<Tz> {
        Occurrences {
            planner,
            cursor: Some(from),
            forward,
        }
    }
}

impl<Tz: TimeZone> Iterator for Occurrences<Tz> {
    type Item = Occurrence<Tz>;

    #[inline]
    fn next(&mut self) -> Option<Occurrence<Tz>> {
        let cursor = self.cursor.take()?;
        let next = if self.forward {
            self.planner.next_after(&cursor)
        } else {
            self.planner.prev_before(&cursor)
        };
        if let Some(o) = &next {
            self.cursor = Some(o.at.clone());
        }
        next
    }
}

impl<Tz: TimeZone> FusedIterator for Occurrences<Tz> {}

/// The rotation windows of a [`RotationRules`](super::RotationRules) after
/// an instant, in order; fused, and finite like [`Occurrences`].
///
/// # Examples
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use rotaplan::plan::RotationRules;
///
/// let rules = RotationRules::new("cron(0 0/6 * * ? *)".parse()?, Some("2h".parse()?))?;
/// let t = Utc.with_ymd_and_hms(2026, 11, 23, 7, 0, 0).unwrap();
/// let w = rules.windows_after(&t).next().unwrap();
/// assert_eq!((w.start.to_rfc3339(), w.end.to_rfc3339()), (
///     "2026-11-23T12:00:00+00:00".to_string(),
///     "2026-11-23T14:00:00+00:00".to_string(),
/// ));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Windows<Tz: TimeZone> {
    occurrences: Occurrences<Tz>,
    length: Length,
}

impl<Tz: TimeZone> Windows<Tz> {
    pub(crate) fn new(occurrences: Occurrences<Tz>, length: Length) -> Windows<Tz> {
        Windows { occurrences, length }
    }
}

impl<Tz: TimeZone> Iterator for Windows<Tz> {
    type Item = Window<Tz>;

    #[inline]
    fn next(&mut self) -> Option<Window<Tz>> {
        let o = self.occurrences.next()?;
        Some(self.length.window(o))
    }
}

impl<Tz: TimeZone> FusedIterator for Windows<Tz> {}

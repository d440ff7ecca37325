//! The iterators: [`Occurrences`] and [`Windows`].

use std::iter::FusedIterator;

use chrono::{DateTime, LocalResult, Offset, TimeZone};

use super::search::{self, Civil};
use super::window::Length;
use super::{instant, Occurrence, Planner, Window};

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
    /// Going forward through wall-clock sets: the wall minute of `cursor`
    /// when it is the only instant showing that wall time (no gap, no
    /// overlap), so the search goes on from the next minute without
    /// converting the instant back.
    wall: Option<Civil>,
}

impl<Tz: TimeZone> Occurrences<Tz> {
    pub(crate) fn new(planner: Planner, from: DateTime<Tz>, forward: bool) -> Occurrences<Tz> {
        Occurrences {
            planner,
            cursor: Some(from),
            forward,
            wall: None,
        }
    }

    /// The next occurrence after `cursor`, whose wall minute is `wall`:
    /// the same answer as `Planner::next_after(cursor)`, which it falls back
    /// to for anything but a wall time with a single instant after `cursor`.
    /// Also the new occurrence's wall minute, when it qualifies.
    #[inline]
    fn step(
        &self,
        c: &crate::expr::Compiled,
        wall: Civil,
        cursor: &DateTime<Tz>,
    ) -> (Option<Occurrence<Tz>>, Option<Civil>) {
        let Some(found) = search::next_cron(c, wall.succ()) else {
            return (None, None);
        };
        let Some(n) = found.to_naive() else {
            return (None, None);
        };
        if let LocalResult::Single(o) = cursor.timezone().offset_from_local_datetime(&n) {
            let at = instant(n, o.fix(), o);
            if at > *cursor {
                return (Some(Occurrence { at, shifted: false }), Some(found));
            }
        }
        self.fallback(cursor)
    }

    /// `Planner::next_after(cursor)`, and the wall minute of the answer if
    /// the fast step can go on from it.
    fn fallback(&self, cursor: &DateTime<Tz>) -> (Option<Occurrence<Tz>>, Option<Civil>) {
        let next = self.planner.next_after(cursor);
        let wall = next.as_ref().filter(|o| !o.shifted).and_then(|o| {
            let n = o.at.naive_local();
            match o.at.timezone().offset_from_local_datetime(&n) {
                LocalResult::Single(_) => Some(Civil::from_naive(&n)),
                _ => None,
            }
        });
        (next, wall)
    }
}

impl<Tz: TimeZone> Iterator for Occurrences<Tz> {
    type Item = Occurrence<Tz>;

    #[inline]
    fn next(&mut self) -> Option<Occurrence<Tz>> {
        let cursor = self.cursor.take()?;
        let (next, wall) = match (self.forward, &self.planner, self.wall) {
            (true, Planner::Cron(c), Some(wall)) => self.step(c, wall, &cursor),
            (true, Planner::Cron(_), None) => self.fallback(&cursor),
            (true, ..) => (self.planner.next_after(&cursor), None),
            (false, ..) => (self.planner.prev_before(&cursor), None),
        };
        self.wall = wall;
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

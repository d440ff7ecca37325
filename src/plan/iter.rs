//! The iterators: [`Occurrences`] and [`Windows`].

use std::iter::FusedIterator;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone};

use super::search::{self, Civil};
use super::window::Length;
use super::{offsets, Occurrence, Planner, Window};
use crate::expr::compile::days_in_month;
use crate::expr::Compiled;

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
    /// Going forward through wall-clock sets: where the last occurrence
    /// (`cursor`) sits in the calendar, when it showed a wall time on the
    /// schedule, so the next one is found from there without converting
    /// the instant back.
    place: Option<Place>,
}

/// The wall-clock place of an occurrence `p` that showed a matching wall
/// minute, and no earlier instant a later one (true of every occurrence:
/// it is the first instant to reach its wall time).
#[derive(Debug, Clone, Copy)]
struct Place {
    wall: Civil,
    /// The days of `wall`'s month on the schedule.
    days: u32,
    /// `wall`'s date, and its midnight in local seconds.
    date: NaiveDate,
    midnight: i64,
    /// `p`'s offset.
    offset: FixedOffset,
}

impl Place {
    #[inline]
    fn new(c: &Compiled, wall: Civil, offset: FixedOffset) -> Option<Place> {
        Some(Place {
            wall,
            days: c.days.mask(wall.y, wall.mo),
            date: NaiveDate::from_ymd_opt(wall.y, wall.mo, wall.d)?,
            midnight: Civil { h: 0, mi: 0, ..wall }.local_secs(),
            offset,
        })
    }

    /// Local seconds of the wall minute.
    #[inline]
    fn local_secs(&self) -> i64 {
        self.midnight + i64::from(self.wall.h * 3600 + self.wall.mi * 60)
    }

    /// Moves to the next wall minute on the schedule: the next minute of
    /// the hour, hour of the day, day of the month from the bit sets, and
    /// a search from the month after. `None` past 2199.
    #[inline]
    fn advance(&mut self, c: &Compiled) -> Option<()> {
        let w = self.wall;
        let minutes = c.minutes & (!1u64 << w.mi);
        if minutes != 0 {
            self.wall.mi = minutes.trailing_zeros();
            return Some(());
        }
        let (first_h, first_mi) = (c.hours.trailing_zeros(), c.minutes.trailing_zeros());
        let hours = c.hours & (!1u32 << w.h);
        if hours != 0 {
            self.wall.h = hours.trailing_zeros();
            self.wall.mi = first_mi;
            return Some(());
        }
        let days = self.days & (!1u32 << w.d);
        if days != 0 {
            let d = days.trailing_zeros();
            self.date = self.date.with_day(d)?;
            self.midnight += i64::from(d - w.d) * 86_400;
            self.wall = Civil {
                d,
                h: first_h,
                mi: first_mi,
                ..w
            };
            return Some(());
        }
        let last = Civil {
            d: days_in_month(w.y, w.mo),
            h: 23,
            mi: 59,
            ..w
        };
        *self = Place::new(c, search::next_cron(c, last.succ())?, self.offset)?;
        Some(())
    }
}

impl<Tz: TimeZone> Occurrences<Tz> {
    pub(crate) fn new(planner: Planner, from: DateTime<Tz>, forward: bool) -> Occurrences<Tz> {
        Occurrences {
            planner,
            cursor: Some(from),
            forward,
            place: None,
        }
    }

    /// The next occurrence after `cursor` from its place: the same answer
    /// as `Planner::next_after(cursor)`, which it falls back to when the
    /// next wall time's instant cannot be proven with UTC lookups.
    #[inline]
    fn step(&self, c: &Compiled, mut place: Place, cursor: &DateTime<Tz>) -> (Option<Occurrence<Tz>>, Option<Place>) {
        let before = place.local_secs();
        if place.advance(c).is_none() {
            return (None, None);
        }
        let secs = place.wall.h * 3600 + place.wall.mi * 60;
        let time = NaiveTime::from_num_seconds_from_midnight_opt(secs, 0);
        if let Some(time) = time {
            let local = NaiveDateTime::new(place.date, time);
            // Within a window of the last occurrence, whose offset was the
            // same, the offset did not change in between.
            let known = place.local_secs() - before < offsets::WINDOW;
            if let Some(at) = offsets::first_reach(&cursor.timezone(), &local, place.offset, known, cursor.timestamp())
            {
                return (Some(Occurrence { at, shifted: false }), Some(place));
            }
        }
        self.first(c, cursor)
    }

    /// `Planner::next_after(cursor)` and the place of the answer.
    fn first(&self, c: &Compiled, cursor: &DateTime<Tz>) -> (Option<Occurrence<Tz>>, Option<Place>) {
        match self.planner.next_fast(cursor) {
            Some(Some((o, wall))) => {
                let place = Place::new(c, wall, o.at.offset().fix());
                (Some(o), place)
            }
            Some(None) => (None, None),
            None => {
                let next = self.planner.next_after_exact(cursor);
                let place = next
                    .as_ref()
                    .filter(|o| !o.shifted)
                    .and_then(|o| Place::new(c, Civil::from_naive(&o.at.naive_local()), o.at.offset().fix()));
                (next, place)
            }
        }
    }
}

impl<Tz: TimeZone> Iterator for Occurrences<Tz> {
    type Item = Occurrence<Tz>;

    #[inline]
    fn next(&mut self) -> Option<Occurrence<Tz>> {
        let cursor = self.cursor.take()?;
        let (next, place) = match (self.forward, &self.planner, self.place) {
            (true, Planner::Cron(c), Some(place)) => self.step(c, place, &cursor),
            (true, Planner::Cron(c), None) => self.first(c, &cursor),
            (true, ..) => (self.planner.next_after(&cursor), None),
            (false, ..) => (self.planner.prev_before(&cursor), None),
        };
        self.place = place;
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

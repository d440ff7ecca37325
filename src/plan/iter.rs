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
    /// The last occurrence (at first, the instant to start from).
    cursor: DateTime<Tz>,
    ended: bool,
    forward: bool,
    /// Going forward through wall-clock sets: where `cursor` sits in the
    /// calendar, when it is an occurrence that showed a wall time on the
    /// schedule, so the next one is found from there without converting
    /// the instant back. Updated in place, field by field: copying it
    /// whole each step costs more than the step.
    place: Place,
    placed: bool,
}

/// The wall-clock place of an occurrence `p` that showed a matching wall
/// minute, and no earlier instant a later one (true of every occurrence:
/// it is the first instant to reach its wall time).
#[derive(Debug, Clone, Copy)]
struct Place {
    y: i32,
    mo: u32,
    d: u32,
    h: u32,
    mi: u32,
    /// The days of the month on the schedule.
    days: u32,
    /// The date, and its midnight in local seconds.
    date: NaiveDate,
    midnight: i64,
    /// `p`'s offset.
    offset: FixedOffset,
}

impl Place {
    const NOWHERE: Place = Place {
        y: 1970,
        mo: 1,
        d: 1,
        h: 0,
        mi: 0,
        days: 0,
        date: NaiveDate::MIN,
        midnight: 0,
        offset: FixedOffset::east_opt(0).unwrap(),
    };

    #[inline]
    fn new(c: &Compiled, wall: Civil, offset: FixedOffset) -> Option<Place> {
        Some(Place {
            y: wall.y,
            mo: wall.mo,
            d: wall.d,
            h: wall.h,
            mi: wall.mi,
            days: c.days.mask(wall.y, wall.mo),
            date: NaiveDate::from_ymd_opt(wall.y, wall.mo, wall.d)?,
            midnight: Civil { h: 0, mi: 0, ..wall }.local_secs(),
            offset,
        })
    }

    /// Seconds since local midnight.
    #[inline]
    fn secs(&self) -> u32 {
        self.h * 3600 + self.mi * 60
    }

    /// Moves to the next wall minute on the schedule: the next minute of
    /// the hour, hour of the day, day of the month from the bit sets, and
    /// a search from the month after. `None` past 2199.
    #[inline]
    fn advance(&mut self, c: &Compiled) -> Option<()> {
        let minutes = c.minutes & (!1u64 << self.mi);
        if minutes != 0 {
            self.mi = minutes.trailing_zeros();
            return Some(());
        }
        let hours = c.hours & (!1u32 << self.h);
        if hours != 0 {
            self.h = hours.trailing_zeros();
            self.mi = c.minutes.trailing_zeros();
            return Some(());
        }
        let days = self.days & (!1u32 << self.d);
        if days != 0 {
            let d = days.trailing_zeros();
            self.date = self.date.with_day(d)?;
            self.midnight += i64::from(d - self.d) * 86_400;
            self.d = d;
            self.h = c.hours.trailing_zeros();
            self.mi = c.minutes.trailing_zeros();
            return Some(());
        }
        self.next_month(c)
    }

    /// The first matching minute of the next month with a matching day.
    #[inline]
    fn next_month(&mut self, c: &Compiled) -> Option<()> {
        let (mut y, mut mo) = (self.y, self.mo);
        let days_left = days_in_month(y, mo) - self.d;
        let mut adjacent = true;
        loop {
            let later = c.months & (!1u16 << mo);
            if later != 0 {
                let next = later.trailing_zeros();
                adjacent &= next == mo + 1;
                mo = next;
            } else {
                let next = search::next_year(c, y + 1)?;
                adjacent &= next == y + 1 && mo == 12 && c.months & 2 != 0;
                (y, mo) = (next, c.months.trailing_zeros());
            }
            let days = c.days.mask(y, mo);
            if days != 0 {
                let d = days.trailing_zeros();
                self.midnight = if adjacent {
                    self.midnight + i64::from(days_left + d) * 86_400
                } else {
                    Civil { y, mo, d, h: 0, mi: 0 }.local_secs()
                };
                self.date = NaiveDate::from_ymd_opt(y, mo, d)?;
                (self.y, self.mo, self.d, self.days) = (y, mo, d, days);
                self.h = c.hours.trailing_zeros();
                self.mi = c.minutes.trailing_zeros();
                return Some(());
            }
            adjacent = false;
        }
    }
}

impl<Tz: TimeZone> Occurrences<Tz> {
    pub(crate) fn new(planner: Planner, from: DateTime<Tz>, forward: bool) -> Occurrences<Tz> {
        Occurrences {
            planner,
            cursor: from,
            ended: false,
            forward,
            place: Place::NOWHERE,
            placed: false,
        }
    }

    /// The next occurrence after `cursor` from its place: the same answer
    /// as `Planner::next_after(cursor)`, which it falls back to when one
    /// lookup cannot prove the next wall time's instant.
    #[inline]
    fn step(&mut self) -> Option<Occurrence<Tz>> {
        let Planner::Cron(c) = &self.planner else {
            return self.planner.next_after(&self.cursor);
        };
        let before = self.place.midnight + i64::from(self.place.secs());
        if self.place.advance(c).is_none() {
            self.placed = false;
            return None;
        }
        let p = &self.place;
        if let Some(time) = NaiveTime::from_num_seconds_from_midnight_opt(p.secs(), 0) {
            let local = NaiveDateTime::new(p.date, time);
            // Within a window of the last occurrence, whose offset was the
            // same, the offset did not change in between.
            let known = p.midnight + i64::from(p.secs()) - before < offsets::WINDOW;
            let after = self.cursor.timestamp();
            if let Some(at) = offsets::first_reach(&self.cursor.timezone(), &local, p.offset, known, after) {
                // The next guess: this offset (where the guess failed, the
                // local lookup found another).
                self.place.offset = at.offset().fix();
                return Some(Occurrence { at, shifted: false });
            }
        }
        self.first()
    }

    /// `Planner::next_after(cursor)`, and the place of the answer.
    #[cold]
    fn first(&mut self) -> Option<Occurrence<Tz>> {
        let Planner::Cron(c) = &self.planner else {
            return self.planner.next_after(&self.cursor);
        };
        let (next, place) = match self.planner.next_fast(&self.cursor) {
            Some(Some((o, wall))) => {
                let place = Place::new(c, wall, o.at.offset().fix());
                (Some(o), place)
            }
            Some(None) => (None, None),
            None => {
                let next = self.planner.next_after_exact(&self.cursor);
                let place = next
                    .as_ref()
                    .filter(|o| !o.shifted)
                    .and_then(|o| Place::new(c, Civil::from_naive(&o.at.naive_local()), o.at.offset().fix()));
                (next, place)
            }
        };
        self.placed = place.is_some();
        if let Some(place) = place {
            self.place = place;
        }
        next
    }
}

impl<Tz: TimeZone> Iterator for Occurrences<Tz> {
    type Item = Occurrence<Tz>;

    #[inline]
    fn next(&mut self) -> Option<Occurrence<Tz>> {
        if self.ended {
            return None;
        }
        let next = if !self.forward {
            self.planner.prev_before(&self.cursor)
        } else if self.placed {
            self.step()
        } else {
            self.first()
        };
        match &next {
            Some(o) => self.cursor = o.at.clone(),
            None => self.ended = true,
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

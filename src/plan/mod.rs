/*!
Planning: when a [`Schedule`] fires next, and the rotation [`Window`]s it
opens, in UTC or in any IANA time zone.

The simplest question is "when does this schedule fire next?":

```
use chrono::{TimeZone, Utc};
use rotaplan::expr::Schedule;

let schedule = Schedule::parse("cron(0 16 ? * SUN#2 *)")?;
let now = Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap();
let next = schedule.next_after(&now).unwrap();
assert_eq!(next.at.to_rfc3339(), "2026-12-13T16:00:00+00:00");
# Ok::<(), Box<dyn std::error::Error>>(())
```

Rotation windows add a duration, with Secrets Manager's defaults and rules,
and `rate(N days)` plans start from the last rotation:

```
use chrono::{TimeZone, Utc};
use rotaplan::plan::RotationRules;

let rules = RotationRules::new("rate(10 days)".parse()?, None)?;
let last = Utc.with_ymd_and_hms(2026, 11, 20, 13, 45, 0).unwrap();
let starts: Vec<String> = rules
    .windows_after_rotation(&last, &last)
    .take(3)
    .map(|w| w.start.format("%m-%d %H:%M").to_string())
    .collect();
assert_eq!(starts, ["11-30 00:00", "12-10 00:00", "12-20 00:00"]);
# Ok::<(), Box<dyn std::error::Error>>(())
```

Any [`chrono::TimeZone`] works; the schedule is read in that zone's wall
time:

```
use chrono::TimeZone;
use chrono_tz::America::New_York;
use rotaplan::expr::Schedule;

// 02:30 does not exist in New York on 2026-03-08: it fires at 03:00 EDT.
let schedule = Schedule::parse("cron(0 2 * * ? *)")?;
let from = New_York.with_ymd_and_hms(2026, 3, 7, 12, 0, 0).unwrap();
let mut it = schedule.occurrences_after(&from);
let first = it.next().unwrap();
assert_eq!(first.at.to_rfc3339(), "2026-03-08T03:00:00-04:00");
assert!(first.shifted);
assert_eq!(it.next().unwrap().at.to_rfc3339(), "2026-03-09T02:00:00-04:00");
# Ok::<(), Box<dyn std::error::Error>>(())
```

# How a schedule is read

- `cron(...)`: the six fields are matched against the local wall-clock date
  and time in the zone of the instant you pass (UTC for `DateTime<Utc>`).
- `rate(N hours)`, N < 24: at local midnight and every N hours after it,
  restarting each day, like `cron(0 0/N * * ? *)`. With N ≥ 24 (which the
  spec does not cover) it is every N elapsed hours from midnight of the
  anchor's day, so `rate(48 hours)` plans like `rate(2 days)`.
- `rate(N days)`: local midnight on the anchor's day + N days, + 2N days, and
  so on. The anchor is the last rotation where you give one
  ([`RotationRules::windows_after_rotation`]); otherwise the instant the
  plan starts from stands in for it.
- `rate(N minutes)` (EventBridge): every N elapsed minutes from the anchor,
  truncated to the minute.

Occurrences are strictly after (or strictly before) the instant given, in
order, without repeats, and end at the last minute of 2199 (or the first of
1970 going backwards): iterators are finite and fused, and no call loops.

# Time zones and daylight saving time

A schedule evaluated in a zone with DST meets wall times that do not exist or
exist twice. rotaplan's policy (spec "Time zones"):

- **Gap** (spring forward): a wall time inside the gap fires once, at the
  first instant after the gap (02:30 in a 02:00→03:00 gap fires at 03:00).
  The occurrence has [`Occurrence::shifted`] set. Several wall times in the
  same gap fire once, and a time that also matches the first instant after
  the gap is not reported as shifted.
- **Overlap** (fall back): a wall time that occurs twice fires once, at the
  first (earlier) instant. Not shifted.

The `cron` crate skips gap times; other schedulers fire twice in overlaps.
`shifted` lets a caller tell when the policy moved an occurrence.

For an IANA zone, [`Zone`] is the type to use: a `chrono_tz` zone with its
offset changes precomputed, which gives the same answers for less (about
2× the instructions of `Utc` per next occurrence, against 2.9× through the
bare `chrono_tz::Tz`), after a one-time table build per zone and process.

# Speed

A cron schedule is compiled once, at parse time, into one bitset per field
and a day rule evaluated per month; the search jumps straight to the next
matching year, month, day, hour and minute. In a zone other than UTC, one
offset lookup turns the wall time found into an instant (a local lookup
that finds it shown once; the exact search, for gaps and overlaps, takes
more). The iterator going forward keeps its place in the calendar (the
month's matching days, the date, the offset) and steps from one matching
minute to the next with bit operations, trusting the last occurrence's
offset, checked with one UTC lookup, for occurrences less than 48 hours
apart. See the crate's README for measurements.
*/

mod error;
mod flexible;
mod ics;
mod interval;
mod iter;
mod offsets;
mod search;
mod window;
mod zone;

use chrono::{DateTime, LocalResult, NaiveDateTime, Offset, TimeZone, Timelike};

pub use error::PlanError;
pub use flexible::FlexibleWindow;
pub use ics::{Event, IcsWriter};
#[cfg(any(feature = "check", feature = "rotate"))]
pub(crate) use interval::exceeds_interval;
pub use interval::{MaxInterval, ParseIntervalError};
pub use iter::{Occurrences, Windows};
pub use window::{RotationRules, Window, WindowDuration};
pub use zone::{Zone, ZoneOffset};

use crate::expr::{Compiled, RateUnit, Schedule};
use search::Civil;

/// One firing of a schedule: a local instant and whether the DST policy
/// moved it.
///
/// # Examples
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use rotaplan::expr::Schedule;
///
/// let s = Schedule::parse("cron(0 10 L * ? *)")?;
/// let o = s.next_after(&Utc.with_ymd_and_hms(2024, 2, 1, 0, 0, 0).unwrap()).unwrap();
/// assert_eq!(o.at, Utc.with_ymd_and_hms(2024, 2, 29, 10, 0, 0).unwrap());
/// assert!(!o.shifted);
/// # Ok::<(), rotaplan::expr::ParseError>(())
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Occurrence<Tz: TimeZone> {
    /// When it fires, in the zone the plan was asked in.
    pub at: DateTime<Tz>,
    /// True when the wall time the schedule names did not exist (a DST gap)
    /// and the occurrence was moved to the first instant after the gap.
    pub shifted: bool,
}

impl<Tz: TimeZone> PartialEq for Occurrence<Tz> {
    fn eq(&self, other: &Self) -> bool {
        self.at == other.at && self.shifted == other.shifted
    }
}

impl<Tz: TimeZone> Eq for Occurrence<Tz> {}

/// A schedule with its anchor resolved: what the search runs on.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Planner {
    /// Wall-clock sets: `cron(...)`, and `rate(N hours)` with N < 24.
    Cron(Compiled),
    /// Local midnight on day numbers `anchor + k·n`.
    Days { n: i64, anchor: i64 },
    /// Every `step` seconds from the Unix time `anchor`.
    Every { step: i64, anchor: i64 },
    /// Once, at this wall time (`at(...)`), to the second.
    Once(NaiveDateTime),
}

impl Planner {
    /// The planner for `schedule`, with `anchor` standing for the last
    /// rotation of `rate` schedules, read in `tz`.
    pub(crate) fn new<Tz: TimeZone, A: TimeZone>(schedule: &Schedule, anchor: &DateTime<A>, tz: &Tz) -> Planner {
        match schedule {
            Schedule::Cron(c) => Planner::Cron(*c.compiled()),
            Schedule::At(a) => Planner::Once(a.wall_time()),
            Schedule::Rate(r) => {
                let n = r.value().get() as i64;
                let offset = tz.offset_from_utc_datetime(&anchor.naive_utc()).fix().local_minus_utc();
                let local = anchor.timestamp() + offset as i64;
                match r.unit() {
                    RateUnit::Hours if n < 24 => {
                        let mut hours = 0u32;
                        let mut h = 0;
                        while h < 24 {
                            hours |= 1 << h;
                            h += n;
                        }
                        Planner::Cron(Compiled::every_day(1, hours))
                    }
                    RateUnit::Hours => {
                        let day = Civil::from_local_secs(local);
                        let midnight = Civil { h: 0, mi: 0, ..day }.to_naive();
                        let start = midnight
                            .and_then(|m| resolve(tz, &m))
                            .map_or(anchor.timestamp(), |(at, _)| at.timestamp());
                        Planner::Every {
                            step: n * 3600,
                            anchor: start,
                        }
                    }
                    RateUnit::Days => Planner::Days {
                        n,
                        anchor: local.div_euclid(86_400),
                    },
                    _ => Planner::Every {
                        step: n * 60,
                        anchor: anchor.timestamp().div_euclid(60) * 60,
                    },
                }
            }
        }
    }

    /// First wall-clock minute at or after `from` on the schedule.
    #[inline]
    fn next_civil(&self, from: Civil) -> Option<Civil> {
        match self {
            Planner::Cron(c) => search::next_cron(c, from),
            Planner::Days { n, anchor } => search::next_day_grid(*n, *anchor, from),
            Planner::Every { .. } | Planner::Once(_) => None,
        }
    }

    /// Last wall-clock minute at or before `to` on the schedule.
    #[inline]
    fn prev_civil(&self, to: Civil) -> Option<Civil> {
        match self {
            Planner::Cron(c) => search::prev_cron(c, to),
            Planner::Days { n, anchor } => search::prev_day_grid(*n, *anchor, to),
            Planner::Every { .. } | Planner::Once(_) => None,
        }
    }

    /// Whether the wall time `n` is on the schedule.
    fn matches(&self, n: &NaiveDateTime) -> bool {
        if n.second() != 0 || n.nanosecond() != 0 {
            return false;
        }
        let c = Civil::from_naive(n);
        match self {
            Planner::Cron(s) => s.matches(c.y, c.mo, c.d, c.h, c.mi),
            Planner::Days { n, anchor } => (c.h, c.mi) == (0, 0) && (c.day_number() - anchor).rem_euclid(*n) == 0,
            Planner::Every { .. } | Planner::Once(_) => false,
        }
    }

    /// The first occurrence strictly after `t`.
    #[inline]
    pub(crate) fn next_after<Tz: TimeZone>(&self, t: &DateTime<Tz>) -> Option<Occurrence<Tz>> {
        match self.next_fast(t) {
            Some(found) => found.map(|(o, _)| o),
            None => self.next_after_exact(t),
        }
    }

    /// [`Planner::next_after`] for wall-clock schedules, with UTC lookups
    /// only (see [`offsets`]), and the wall minute of the answer. `None`
    /// when that cannot decide; `Some(None)` when nothing fires after `t`.
    #[inline]
    fn next_fast<Tz: TimeZone>(&self, t: &DateTime<Tz>) -> Option<Option<(Occurrence<Tz>, Civil)>> {
        if !matches!(self, Planner::Cron(_) | Planner::Days { .. }) {
            return None;
        }
        let g = t.offset().fix();
        let from = local_civil(t, g.local_minus_utc()).succ();
        // No wall time after `t`'s matches, so none after a later one does.
        let Some(c) = self.next_civil(from) else {
            return Some(None);
        };
        // `c` is a later wall time than `t`'s, so at `t`'s offset it is a
        // later instant.
        let at = offsets::first_reach(&t.timezone(), &c.to_naive()?, g, false, t.timestamp())?;
        Some(Some((Occurrence { at, shifted: false }, c)))
    }

    /// [`Planner::next_after`] with a local lookup per candidate wall time:
    /// exact in every zone, gaps and overlaps included.
    pub(crate) fn next_after_exact<Tz: TimeZone>(&self, t: &DateTime<Tz>) -> Option<Occurrence<Tz>> {
        let tz = t.timezone();
        if let Planner::Every { step, anchor } = *self {
            // Not before the first instant that can be in 1970 anywhere.
            let floor = (t.timestamp() + 1).max(EARLIEST);
            let k = (floor - anchor).div_euclid(step) + i64::from((floor - anchor).rem_euclid(step) != 0);
            return every(&tz, anchor + k * step, step);
        }
        if let Planner::Once(wall) = self {
            return once(&tz, wall).filter(|o| o.at > *t);
        }
        let t_offset = t.offset().fix().local_minus_utc();
        let mut from = local_civil(t, t_offset).succ();
        // In the second pass of a repeated hour, the wall times left in it
        // fire in the first pass, before `t`: start after them.
        if let Some(end) = second_pass(t, t_offset) {
            from = from.max(Civil::from_local_secs(end + 1));
        }
        loop {
            let c = self.next_civil(from)?;
            let n = c.to_naive()?;
            match tz.offset_from_local_datetime(&n) {
                LocalResult::Single(o) | LocalResult::Ambiguous(o, _) => {
                    let fix = o.fix();
                    // `c` is a later wall time than `t`'s, so with the same
                    // offset it is a later instant.
                    if fix.local_minus_utc() == t_offset
                        || c.local_secs() - fix.local_minus_utc() as i64 > t.timestamp()
                    {
                        return Some(Occurrence {
                            at: instant(n, fix, o),
                            shifted: false,
                        });
                    }
                    from = c.succ();
                }
                LocalResult::None => match gap_end(&tz, &n) {
                    Some((at, local)) if at > *t => {
                        let shifted = !self.matches(&local);
                        return Some(Occurrence { at, shifted });
                    }
                    Some((_, local)) if local > n => from = Civil::from_naive(&local),
                    _ => from = c.succ(),
                },
            }
        }
    }

    /// The last occurrence strictly before `t`.
    pub(crate) fn prev_before<Tz: TimeZone>(&self, t: &DateTime<Tz>) -> Option<Occurrence<Tz>> {
        let tz = t.timezone();
        if let Planner::Every { step, anchor } = *self {
            let ceil = (t.timestamp() - i64::from(t.timestamp_subsec_nanos() == 0)).min(LATEST);
            return every(&tz, anchor + (ceil - anchor).div_euclid(step) * step, -step);
        }
        if let Planner::Once(wall) = self {
            return once(&tz, wall).filter(|o| o.at < *t);
        }
        let t_offset = t.offset().fix().local_minus_utc();
        let mut to = local_civil(t, t_offset);
        if (t.timestamp() + t_offset as i64).rem_euclid(60) == 0 && t.timestamp_subsec_nanos() == 0 {
            to = to.pred();
        }
        // In the second pass of a repeated hour, every wall time of that hour
        // (later ones included) fired in the first pass, before `t`.
        if let Some(end) = second_pass(t, t_offset) {
            to = to.max(Civil::from_local_secs(end));
        }
        loop {
            let c = self.prev_civil(to)?;
            let n = c.to_naive()?;
            match tz.offset_from_local_datetime(&n) {
                LocalResult::Single(o) | LocalResult::Ambiguous(o, _) => {
                    let fix = o.fix();
                    // `c` is an earlier wall time than `t`'s, so with the
                    // same offset it is an earlier instant.
                    if fix.local_minus_utc() == t_offset
                        || c.local_secs() - (fix.local_minus_utc() as i64) < t.timestamp()
                    {
                        return Some(Occurrence {
                            at: instant(n, fix, o),
                            shifted: false,
                        });
                    }
                    to = c.pred();
                }
                LocalResult::None => match gap_end(&tz, &n) {
                    Some((at, local)) if at < *t => {
                        let shifted = !self.matches(&local);
                        return Some(Occurrence { at, shifted });
                    }
                    // Everything in this gap fires at `at`, which is not
                    // before `t`: continue before the gap.
                    Some((at, _)) => {
                        let before = (at - chrono::Duration::seconds(1)).naive_local();
                        let next = Civil::from_naive(&before);
                        to = if next < c { next } else { c.pred() };
                    }
                    None => to = c.pred(),
                },
            }
        }
    }
}

/// When `t` (whose offset is `t_offset`) lies in the second pass of a
/// repeated stretch of wall time (a fall-back overlap), the last wall-clock
/// second of the first pass, as local seconds (see [`Civil::local_secs`]).
///
/// Under the spec's policy every wall time of the overlap fires at its first
/// pass, so from the second pass the whole overlap lies in the past.
#[inline]
fn second_pass<Tz: TimeZone>(t: &DateTime<Tz>, t_offset: i32) -> Option<i64> {
    let tz = t.timezone();
    let LocalResult::Ambiguous(a, b) = tz.offset_from_local_datetime(&t.naive_local()) else {
        return None;
    };
    // The earlier instant of a wall time has the larger offset.
    let first = a.fix().local_minus_utc().max(b.fix().local_minus_utc());
    if first == t_offset {
        return None;
    }
    overlap_end(&tz, t.timestamp(), first, t_offset)
}

/// The last second of a first pass with offset `first`, found by binary
/// search between the first-pass twin of `t` and `t` itself.
#[cold]
fn overlap_end<Tz: TimeZone>(tz: &Tz, t: i64, first: i32, t_offset: i32) -> Option<i64> {
    let offset = |s: i64| {
        tz.timestamp_opt(s, 0)
            .single()
            .map(|d| d.offset().fix().local_minus_utc())
    };
    // Invariant: offset(lo) == first, offset(hi) != first.
    let (mut lo, mut hi) = (t - i64::from(first - t_offset), t);
    if offset(lo)? != first || offset(hi)? == first {
        return None;
    }
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if offset(mid)? == first {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some(lo + i64::from(first))
}

/// The instant at wall time `n` with offset `o` (whose fixed form is `fix`).
#[inline]
fn instant<Tz: TimeZone>(n: NaiveDateTime, fix: chrono::FixedOffset, o: Tz::Offset) -> DateTime<Tz> {
    let utc = if fix.local_minus_utc() == 0 {
        n
    } else {
        // Wall times come from 1970–2199, far inside chrono's range.
        n.checked_sub_offset(fix).unwrap_or(n)
    };
    DateTime::from_naive_utc_and_offset(utc, o)
}

/// The wall-clock minute of `t`, whose offset is `offset` seconds.
#[inline]
fn local_civil<Tz: TimeZone>(t: &DateTime<Tz>, offset: i32) -> Civil {
    if offset == 0 {
        Civil::from_naive(&t.naive_utc())
    } else {
        Civil::from_local_secs(t.timestamp() + offset as i64)
    }
}

/// The earliest instant whose wall-clock year can be 1970 (1970-01-01T00:00
/// at UTC+14:00) and the latest whose can be 2199 (2199-12-31T23:59:59 at
/// UTC-12:00).
const EARLIEST: i64 = -14 * 3600;
const LATEST: i64 = 7_258_118_399 + 12 * 3600;

/// The instant `secs` in `tz`, moved by `step` (toward 1970–2199) while its
/// local year is outside 1970–2199 near the edges; `None` past them.
fn every<Tz: TimeZone>(tz: &Tz, mut secs: i64, step: i64) -> Option<Occurrence<Tz>> {
    use crate::expr::compile::{MAX_YEAR, MIN_YEAR};
    use chrono::Datelike;
    loop {
        let at = tz.timestamp_opt(secs, 0).single()?;
        let year = at.naive_local().year();
        if (MIN_YEAR..=MAX_YEAR).contains(&year) {
            return Some(Occurrence { at, shifted: false });
        }
        // Out of range before the start (going forward) or after the end
        // (going backward) only within hours of the edge: step into range.
        let toward = if step > 0 { year < MIN_YEAR } else { year > MAX_YEAR };
        if !toward {
            return None;
        }
        secs += step;
    }
}

/// The one occurrence of `at(...)`: its wall time in `tz` under the DST
/// policy.
fn once<Tz: TimeZone>(tz: &Tz, wall: &NaiveDateTime) -> Option<Occurrence<Tz>> {
    resolve(tz, wall).map(|(at, shifted)| Occurrence { at, shifted })
}

/// A wall time as an instant under the DST policy: the single instant, the
/// earlier of two, or the first instant after a gap.
pub(crate) fn resolve<Tz: TimeZone>(tz: &Tz, n: &NaiveDateTime) -> Option<(DateTime<Tz>, bool)> {
    match tz.from_local_datetime(n) {
        LocalResult::Single(at) | LocalResult::Ambiguous(at, _) => Some((at, false)),
        LocalResult::None => gap_end(tz, n).map(|(at, _)| (at, true)),
    }
}

/// For a wall time `n` inside a gap, the first instant after the gap and its
/// wall time. Offsets lie within ±15 hours, so the transition is within
/// 15 hours of `n` read as UTC; a binary search over seconds finds it.
#[cold]
fn gap_end<Tz: TimeZone>(tz: &Tz, n: &NaiveDateTime) -> Option<(DateTime<Tz>, NaiveDateTime)> {
    const SPAN: i64 = 15 * 3600 + 60;
    let base = n.and_utc().timestamp();
    let local = |s: i64| tz.timestamp_opt(s, 0).single().map(|d| d.naive_local());
    // Invariant: local(lo) <= n < local(hi).
    let (mut lo, mut hi) = (base - SPAN, base + SPAN);
    if local(lo)? > *n || local(hi)? <= *n {
        return None;
    }
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if local(mid)? > *n {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    let at = tz.timestamp_opt(hi, 0).single()?;
    let wall = at.naive_local();
    Some((at, wall))
}

impl Schedule {
    /// The first occurrence strictly after `t`, read in `t`'s time zone.
    ///
    /// For `rate(...)` schedules `t` stands in for the last rotation (see
    /// [`RotationRules::windows_after_rotation`] to give one). `None` when
    /// the schedule does not fire again before the end of 2199.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use rotaplan::expr::Schedule;
    ///
    /// let s = Schedule::parse("cron(0 2/10 * * ? *)")?;
    /// let t = Utc.with_ymd_and_hms(2026, 11, 23, 22, 0, 0).unwrap();
    /// // Hour increments restart each day: 22:00, then 02:00.
    /// assert_eq!(s.next_after(&t).unwrap().at, Utc.with_ymd_and_hms(2026, 11, 24, 2, 0, 0).unwrap());
    /// # Ok::<(), rotaplan::expr::ParseError>(())
    /// ```
    pub fn next_after<Tz: TimeZone>(&self, t: &DateTime<Tz>) -> Option<Occurrence<Tz>> {
        Planner::new(self, t, &t.timezone()).next_after(t)
    }

    /// The last occurrence strictly before `t`, read in `t`'s time zone.
    ///
    /// For `rate(N days)` the days are counted from `t`'s own day, so the
    /// answer is midnight of that day when `t` is later than midnight.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use rotaplan::expr::Schedule;
    ///
    /// let s = Schedule::parse("cron(0 16 ? * SUN#2 *)")?;
    /// let t = Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap();
    /// assert_eq!(s.prev_before(&t).unwrap().at, Utc.with_ymd_and_hms(2026, 11, 8, 16, 0, 0).unwrap());
    /// # Ok::<(), rotaplan::expr::ParseError>(())
    /// ```
    pub fn prev_before<Tz: TimeZone>(&self, t: &DateTime<Tz>) -> Option<Occurrence<Tz>> {
        Planner::new(self, t, &t.timezone()).prev_before(t)
    }

    /// The occurrences strictly after `t`, in order, read in `t`'s zone.
    ///
    /// `rate(...)` schedules stay anchored on `t` for the whole iteration.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use rotaplan::expr::Schedule;
    ///
    /// let s = Schedule::parse("cron(0 0 29 2 ? *)")?;
    /// let t = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    /// let years: Vec<String> = s.occurrences_after(&t).take(3).map(|o| o.at.format("%Y").to_string()).collect();
    /// assert_eq!(years, ["2028", "2032", "2036"]);
    /// # Ok::<(), rotaplan::expr::ParseError>(())
    /// ```
    pub fn occurrences_after<Tz: TimeZone>(&self, t: &DateTime<Tz>) -> Occurrences<Tz> {
        Occurrences::new(Planner::new(self, t, &t.timezone()), t.clone(), true)
    }

    /// The occurrences strictly after `t`, with `last_rotated` as the anchor
    /// of `rate(...)` schedules (cron schedules ignore it).
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use rotaplan::expr::Schedule;
    ///
    /// let s = Schedule::parse("rate(10 days)")?;
    /// let last = Utc.with_ymd_and_hms(2026, 11, 20, 13, 45, 0).unwrap();
    /// let now = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
    /// let next = s.occurrences_after_rotation(&last, &now).next().unwrap();
    /// assert_eq!(next.at, Utc.with_ymd_and_hms(2026, 12, 10, 0, 0, 0).unwrap());
    /// # Ok::<(), rotaplan::expr::ParseError>(())
    /// ```
    pub fn occurrences_after_rotation<Tz: TimeZone, A: TimeZone>(
        &self,
        last_rotated: &DateTime<A>,
        t: &DateTime<Tz>,
    ) -> Occurrences<Tz> {
        Occurrences::new(Planner::new(self, last_rotated, &t.timezone()), t.clone(), true)
    }

    /// The occurrences strictly before `t`, latest first, read in `t`'s
    /// zone; they end at 1970.
    ///
    /// # Examples
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use rotaplan::expr::Schedule;
    ///
    /// let s = Schedule::parse("cron(0 10 ? * 6L *)")?;
    /// let t = Utc.with_ymd_and_hms(2026, 11, 23, 0, 0, 0).unwrap();
    /// let days: Vec<String> = s.occurrences_before(&t).take(2).map(|o| o.at.format("%m-%d").to_string()).collect();
    /// assert_eq!(days, ["10-30", "09-25"]); // last Fridays
    /// # Ok::<(), rotaplan::expr::ParseError>(())
    /// ```
    pub fn occurrences_before<Tz: TimeZone>(&self, t: &DateTime<Tz>) -> Occurrences<Tz> {
        Occurrences::new(Planner::new(self, t, &t.timezone()), t.clone(), false)
    }
}

//! The compiled form of a cron expression: one bitset per field and a day
//! rule evaluated per month, so the planner can jump straight to the next
//! matching value instead of stepping minute by minute.

use super::{Item, StepStart};

/// First and last year a cron expression can name.
pub(crate) const MIN_YEAR: i32 = 1970;
pub(crate) const MAX_YEAR: i32 = 2199;

/// A cron expression reduced to sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Compiled {
    /// Bit `m` set: minute `m` (0–59) matches.
    pub minutes: u64,
    /// Bit `h` set: hour `h` (0–23) matches.
    pub hours: u32,
    /// Bit `m` set: month `m` (1–12) matches.
    pub months: u16,
    /// Bit `y - 1970` set: year `y` matches.
    pub years: [u64; 4],
    /// Which days of a month match.
    pub days: DaySpec,
}

/// The day rule: exactly one of day-of-month and day-of-week is `?`, so the
/// other alone decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum DaySpec {
    /// Bit `d` set: day-of-month `d` (1–31) matches, where the month has it.
    MonthDays(u32),
    /// `L` (offset 0) and `L-n`.
    LastDay { offset: u8 },
    /// `LW`.
    LastWeekday,
    /// `nW`.
    NearestWeekday(u8),
    /// Bit `w` set: weekday `w` matches, 0 = Sunday ... 6 = Saturday.
    WeekDays(u8),
    /// `nL`, weekday 0 = Sunday.
    LastWeekDayOf(u8),
    /// `n#k`, weekday 0 = Sunday.
    Nth { weekday: u8, k: u8 },
}

/// Whether `year` is a Gregorian leap year.
pub(crate) const fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Number of days in `month` (1–12) of `year`.
pub(crate) fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 31,
    }
}

/// Day of the week of a date, 0 = Sunday, by Sakamoto's method.
#[inline]
pub(crate) const fn weekday(year: i32, month: u32, day: u32) -> u8 {
    const T: [u32; 12] = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4];
    let y = if month < 3 { year - 1 } else { year };
    if y >= 0 {
        // Unsigned division by constants: a few multiplications.
        let y = y as u32;
        return ((y + y / 4 - y / 100 + y / 400 + T[month as usize - 1] + day) % 7) as u8;
    }
    let w = y + y.div_euclid(4) - y.div_euclid(100) + y.div_euclid(400) + T[month as usize - 1] as i32 + day as i32;
    w.rem_euclid(7) as u8
}

/// Mask with bits `1..=len` set.
fn month_bits(len: u32) -> u32 {
    ((1u64 << (len + 1)) - 2) as u32
}

/// Day-of-month of `nW` in a month of `len` days whose first day is
/// weekday `first`: Saturday moves to Friday, Sunday to Monday, never across
/// the month boundary.
fn nearest_weekday(n: u32, len: u32, first: u8) -> Option<u32> {
    if n > len {
        return None;
    }
    let wd = (first as u32 + n - 1) % 7;
    Some(match wd {
        6 if n == 1 => 3,
        6 => n - 1,
        0 if n == len => n - 2,
        0 => n + 1,
        _ => n,
    })
}

impl DaySpec {
    /// The days of `month` in `year` that match, as a mask with bit `d` for
    /// day `d`.
    #[inline]
    pub(crate) fn mask(&self, year: i32, month: u32) -> u32 {
        let len = days_in_month(year, month);
        let first = || weekday(year, month, 1);
        match *self {
            DaySpec::MonthDays(m) => m & month_bits(len),
            DaySpec::LastDay { offset } => {
                let offset = offset as u32;
                if offset < len {
                    1 << (len - offset)
                } else {
                    0
                }
            }
            DaySpec::LastWeekday => {
                let last_wd = (first() as u32 + len - 1) % 7;
                let d = match last_wd {
                    6 => len - 1,
                    0 => len - 2,
                    _ => len,
                };
                1 << d
            }
            DaySpec::NearestWeekday(n) => nearest_weekday(n as u32, len, first()).map_or(0, |d| 1 << d),
            DaySpec::WeekDays(w) => {
                // Bit d of `pattern` (days 1..=37) is set when day d falls on
                // a weekday in `w`; built from the first week and repeated.
                // Bit i of `week` (i = 0..7) is weekday (first + i) % 7;
                // the product repeats it five times, 7 bits apart.
                let f = first() as u32;
                let w = w as u64 & 0x7f;
                let week = ((w | w << 7) >> f) & 0x7f;
                let pattern = week * 0x1020_4081;
                ((pattern << 1) as u32) & month_bits(len)
            }
            DaySpec::LastWeekDayOf(w) => {
                let last_wd = (first() as u32 + len - 1) % 7;
                1 << (len - (last_wd + 7 - w as u32) % 7)
            }
            DaySpec::Nth { weekday: w, k } => {
                let d = 1 + (w as u32 + 7 - first() as u32) % 7 + 7 * (k as u32 - 1);
                if d <= len {
                    1 << d
                } else {
                    0
                }
            }
        }
    }
}

impl Compiled {
    /// A schedule firing at the given minutes and hours of every day of
    /// every month and year; `rate(N hours)` plans as this.
    pub(crate) fn every_day(minutes: u64, hours: u32) -> Compiled {
        Compiled {
            minutes,
            hours,
            months: 0b1_1111_1111_1110,
            years: ALL_YEARS,
            days: DaySpec::MonthDays(!1),
        }
    }

    /// Whether the schedule fires at `hour:minute` on the given date.
    pub(crate) fn matches(&self, year: i32, month: u32, day: u32, hour: u32, minute: u32) -> bool {
        self.minutes & (1 << minute) != 0
            && self.hours & (1 << hour) != 0
            && self.day_mask(year, month) & (1 << day) != 0
    }

    /// Whether `year` is in the year set.
    pub(crate) fn has_year(&self, year: i32) -> bool {
        if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
            return false;
        }
        let i = (year - MIN_YEAR) as usize;
        self.years[i / 64] & (1 << (i % 64)) != 0
    }

    /// Whether `month` (1–12) is in the month set.
    pub(crate) fn has_month(&self, month: u32) -> bool {
        self.months & (1 << month) != 0
    }

    /// Days of `month` in `year` on which the schedule fires at all.
    pub(crate) fn day_mask(&self, year: i32, month: u32) -> u32 {
        if self.has_year(year) && self.has_month(month) {
            self.days.mask(year, month)
        } else {
            0
        }
    }

    /// What a year contributes to the checks below, which depends only on
    /// its type: the weekday of 1 January and whether it is a leap year
    /// (fourteen types; the calendar of a year is fixed by them).
    fn year_profile(&self, year: i32) -> YearProfile {
        let mut p = YearProfile::default();
        let mut prev_last = false;
        for m in 1..=12 {
            if !self.has_month(m) {
                prev_last = false;
                continue;
            }
            let mask = self.days.mask(year, m);
            p.consecutive |= mask & (mask >> 1) != 0 || (prev_last && mask & 2 != 0);
            prev_last = mask & (1 << days_in_month(year, m)) != 0;
            if m == 1 {
                p.first_day = mask & 2 != 0;
            }
        }
        p.last_day = prev_last && self.has_month(12);
        p
    }

    /// Each year type present in the year set, with the set's years of that
    /// type and its profile: at most 14 × 12 month masks, not 230 × 12.
    fn profiles(&self) -> impl Iterator<Item = ([u64; 4], YearProfile)> + '_ {
        YEAR_TYPES.iter().filter_map(move |&(first, years)| {
            let ys = and(self.years, years);
            (ys != [0; 4]).then(|| (ys, self.year_profile(first)))
        })
    }

    /// Whether any day in 1970–2199 matches: per year type present, the
    /// first month in the set with a matching day ends the search.
    pub(crate) fn ever_fires(&self) -> bool {
        if self.minutes == 0 || self.hours == 0 || self.months == 0 || self.years == [0; 4] {
            return false;
        }
        // Every month has days 1-28 and four whole weeks: most day rules
        // fire in any month of any year.
        let in_every_month = match self.days {
            DaySpec::MonthDays(m) => m & 0x1fff_fffe != 0,
            DaySpec::LastDay { offset } => offset < 28,
            DaySpec::NearestWeekday(n) => n <= 28,
            DaySpec::WeekDays(w) => w != 0,
            DaySpec::Nth { k, .. } => k <= 4,
            DaySpec::LastWeekday | DaySpec::LastWeekDayOf(_) => true,
        };
        if in_every_month {
            return true;
        }
        YEAR_TYPES.iter().any(|&(first, years)| {
            and(self.years, years) != [0; 4] && (1..=12).any(|m| self.has_month(m) && self.days.mask(first, m) != 0)
        })
    }

    /// Whether the schedule fires on two consecutive days somewhere (of a
    /// schedule that fires at all).
    pub(crate) fn fires_on_consecutive_days(&self) -> bool {
        match self.days {
            DaySpec::MonthDays(_) => {}
            // Every month holds four whole weeks, so two weekdays next to
            // each other (Saturday then Sunday included) both fire in any
            // month; otherwise neither within a month nor across one.
            DaySpec::WeekDays(w) => return w & (w << 1 | w >> 6) & 0x7f != 0,
            // One day a month, never both the last day of one month and the
            // first of the next: `L-n` fires on day 1 only when n is the
            // month's length - 1, so the month before fires before its last
            // day; `nW`, `n#k` reach day 1 only for small n or k, which keep
            // them off the last day; `LW` and `nL` stay in the last week.
            _ => return false,
        }
        // Years whose 31 December fires, and years whose 1 January does.
        let (mut last, mut first) = ([0u64; 4], [0u64; 4]);
        for (ys, p) in self.profiles() {
            if p.consecutive {
                return true;
            }
            if p.last_day {
                last = or(last, ys);
            }
            if p.first_day {
                first = or(first, ys);
            }
        }
        // 31 December of year y, then 1 January of y + 1: bit y + 1.
        and(shl1(last), first) != [0; 4]
    }

    /// The closest two firing times-of-day less than `limit` hours apart,
    /// for a schedule whose minutes field holds one value:
    /// `(from_hour, to_hour, gap_hours)`, where `to_hour <= from_hour` means
    /// "the next day". `None` when no two firings are that close.
    ///
    /// Midnight is only crossed on days followed by a firing day; finding
    /// those scans the calendar, so it is done only when it could matter.
    #[inline]
    pub(crate) fn hour_gap_below(&self, limit: u8) -> Option<(u8, u8, u8)> {
        // Once a day (or never) is 24 hours apart.
        if self.hours & self.hours.wrapping_sub(1) == 0 && limit <= 24 {
            return None;
        }
        let mut best: Option<(u8, u8, u8)> = None;
        let mut rest = self.hours;
        let mut prev = rest.trailing_zeros() as u8;
        rest &= rest - 1;
        while rest != 0 {
            let h = rest.trailing_zeros() as u8;
            rest &= rest - 1;
            let gap = h - prev;
            if best.is_none_or(|b| gap < b.2) {
                best = Some((prev, h, gap));
            }
            prev = h;
        }
        let (first, last) = (self.hours.trailing_zeros() as u8, 31 - self.hours.leading_zeros() as u8);
        let midnight_gap = 24 - last + first;
        if midnight_gap < limit && best.is_none_or(|b| midnight_gap < b.2) && self.fires_on_consecutive_days() {
            best = Some((last, first, midnight_gap));
        }
        best.filter(|b| b.2 < limit)
    }
}

/// How the day rule plays out over one year (see
/// [`Compiled::year_profile`]).
#[derive(Debug, Clone, Copy, Default)]
struct YearProfile {
    /// Two consecutive days of the year fire (within a month or across a
    /// month boundary).
    consecutive: bool,
    /// 1 January fires.
    first_day: bool,
    /// 31 December fires.
    last_day: bool,
}

/// The fourteen year types of 1970–2199 (weekday of 1 January, leap or
/// not): the first year of each type, and the set of years of that type
/// (bit `y - 1970`), computed at compile time.
const YEAR_TYPES: [(i32, [u64; 4]); 14] = {
    let mut types = [(0, [0u64; 4]); 14];
    let mut y = MAX_YEAR;
    while y >= MIN_YEAR {
        let t = weekday(y, 1, 1) as usize * 2 + is_leap(y) as usize;
        let i = (y - MIN_YEAR) as usize;
        types[t].0 = y;
        types[t].1[i / 64] |= 1 << (i % 64);
        y -= 1;
    }
    types
};

fn and(a: [u64; 4], b: [u64; 4]) -> [u64; 4] {
    [a[0] & b[0], a[1] & b[1], a[2] & b[2], a[3] & b[3]]
}

fn or(a: [u64; 4], b: [u64; 4]) -> [u64; 4] {
    [a[0] | b[0], a[1] | b[1], a[2] | b[2], a[3] | b[3]]
}

/// A 256-bit set shifted up by one: year `y` becomes year `y + 1`.
fn shl1(a: [u64; 4]) -> [u64; 4] {
    [
        a[0] << 1,
        a[1] << 1 | a[0] >> 63,
        a[2] << 1 | a[1] >> 63,
        a[3] << 1 | a[2] >> 63,
    ]
}

/// Field bounds: minimum and maximum value.
pub(crate) fn bounds(index: usize) -> (u16, u16) {
    match index {
        0 => (0, 59),
        1 => (0, 23),
        2 => (1, 31),
        3 => (1, 12),
        4 => (1, 7),
        _ => (MIN_YEAR as u16, MAX_YEAR as u16),
    }
}

/// Bits `from..=to` of a word.
#[inline]
fn span(from: u16, to: u16) -> u64 {
    (u64::MAX >> (63 - to)) & (u64::MAX << from)
}

/// The plain values an item of a list field of up to 64 values selects
/// (minutes, hours, day-of-month, month, day-of-week), as bit
/// `value - min`; none for day rules (`L`, `W`, `#`, ...) but day-of-week's
/// `L`, which is Saturday. None either for a wrap-around range (`22-2`),
/// which the fast path that calls this never reads: [`any_item_bits`]
/// takes those too.
#[inline(always)]
pub(crate) fn item_bits(item: &Item, index: usize) -> u64 {
    let (min, max) = bounds(index);
    let (from, to, step) = match *item {
        Item::All => (min, max, 1),
        Item::Value(v) => (v.get(), v.get(), 1),
        Item::Range(a, b) => (a.get(), b.get(), 1),
        Item::Step(StepStart::All, s) => (min, max, s),
        Item::Step(StepStart::From(a), s) => (a.get(), max, s),
        Item::Step(StepStart::Range(a, b), s) => (a.get(), b.get(), s),
        Item::Last if index == 4 => (7, 7, 1),
        _ => return 0,
    };
    let (from, to) = (from - min, to - min);
    if step == 1 {
        return span(from, to);
    }
    let mut set = 0;
    let mut i = from;
    while i <= to {
        set |= 1 << i;
        i += step;
    }
    set
}

/// [`item_bits`], and the wrap-around ranges it leaves out (`a-c` with
/// `a > c`, for which it selects nothing): the fast path never reads one,
/// so only the grammar's compile step pays for the check.
fn any_item_bits(item: &Item, index: usize) -> u64 {
    match *item {
        Item::Range(a, c) if a.get() > c.get() => wrapped_bits(index, a.get(), c.get(), 1),
        Item::Step(StepStart::Range(a, c), s) if a.get() > c.get() => wrapped_bits(index, a.get(), c.get(), s),
        _ => item_bits(item, index),
    }
}

/// A wrap-around range `from-to` (`from > to`) of field `index`, every
/// `step`: the walk runs from `from` past the field's end and on from its
/// start to `to`, as Quartz reads it (`22-2/2` in hours: 22, 0, 2).
/// Day-of-month walks all 31 days; a month without the day just skips it.
#[cold]
#[inline(never)]
fn wrapped_bits(index: usize, from: u16, to: u16, step: u16) -> u64 {
    let (min, max) = bounds(index);
    let size = max - min + 1;
    let (from, to) = (from - min, to - min);
    let mut set = 0;
    let mut i = from;
    while i <= to + size {
        set |= 1 << (i % size);
        i += step;
    }
    set
}

/// The union of [`any_item_bits`] over a field's items.
fn small_set(items: &[Item], index: usize) -> u64 {
    items.iter().fold(0, |set, item| set | any_item_bits(item, index))
}

/// The year field as a 256-bit set over `year - 1970`.
#[inline(always)]
pub(crate) fn year_set(items: &[Item]) -> [u64; 4] {
    if let [Item::All] = items {
        return ALL_YEARS;
    }
    listed_years(items)
}

fn listed_years(items: &[Item]) -> [u64; 4] {
    let (min, max) = bounds(5);
    let mut set = [0u64; 4];
    let mut add = |from: u16, to: u16, step: u16| {
        let (from, to) = ((from - min) as usize, (to - min) as usize);
        if step == 1 {
            // Whole words at a time: `*` over 230 years is four stores.
            for (w, word) in set.iter_mut().enumerate() {
                let (lo, hi) = (w * 64, w * 64 + 63);
                if to < lo || from > hi {
                    continue;
                }
                *word |= span((from.max(lo) - lo) as u16, (to.min(hi) - lo) as u16);
            }
        } else {
            for i in (from..=to).step_by(step as usize) {
                set[i / 64] |= 1 << (i % 64);
            }
        }
    };
    for item in items {
        match *item {
            Item::All => add(min, max, 1),
            Item::Value(v) => add(v.get(), v.get(), 1),
            Item::Range(a, b) => add(a.get(), b.get(), 1),
            Item::Step(StepStart::All, s) => add(min, max, s),
            Item::Step(StepStart::From(a), s) => add(a.get(), max, s),
            Item::Step(StepStart::Range(a, b), s) => add(a.get(), b.get(), s),
            _ => {}
        }
    }
    set
}

/// Compiles the six fields (`field(i)` gives field `i`'s items); the fields
/// have passed the grammar, so each day rule item stands alone in its field
/// and exactly one day field is `?`.
pub(crate) fn compile<'a>(field: impl Fn(usize) -> &'a [Item]) -> Compiled {
    let (dom, dow) = (field(2), field(4));
    Compiled {
        minutes: small_set(field(0), 0),
        hours: small_set(field(1), 1) as u32,
        months: (small_set(field(3), 3) << 1) as u16,
        years: year_set(field(5)),
        days: day_spec(dom, dow, small_set(dom, 2), small_set(dow, 4)),
    }
}

/// The day rule of the two day fields, given the plain days each selects
/// (bit `d - 1` of `dom_bits`, bit `w - 1` of `dow_bits`).
#[inline(always)]
pub(crate) fn day_spec(dom: &[Item], dow: &[Item], dom_bits: u64, dow_bits: u64) -> DaySpec {
    match (dom, dow) {
        ([Item::Last], _) => DaySpec::LastDay { offset: 0 },
        ([Item::LastOffset(n)], _) => DaySpec::LastDay { offset: *n },
        ([Item::LastWeekday], _) => DaySpec::LastWeekday,
        ([Item::NearestWeekday(n)], _) => DaySpec::NearestWeekday(*n),
        ([Item::NoSpecific], [Item::LastDayOfWeek(v)]) => DaySpec::LastWeekDayOf(v.get() as u8 - 1),
        ([Item::NoSpecific], [Item::Nth(v, k)]) => DaySpec::Nth {
            weekday: v.get() as u8 - 1,
            k: *k,
        },
        ([Item::NoSpecific], _) => DaySpec::WeekDays(dow_bits as u8),
        _ => DaySpec::MonthDays((dom_bits << 1) as u32),
    }
}

/// Every year of 1970–2199.
const ALL_YEARS: [u64; 4] = [!0, !0, !0, (1 << (MAX_YEAR - MIN_YEAR + 1 - 192)) - 1];

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, NaiveDate};

    #[test]
    fn calendar_helpers_agree_with_chrono() {
        for y in [1970, 1999, 2000, 2024, 2026, 2100, 2199] {
            for m in 1..=12 {
                let len = days_in_month(y, m);
                assert!(NaiveDate::from_ymd_opt(y, m, len).is_some());
                assert!(NaiveDate::from_ymd_opt(y, m, len + 1).is_none());
                for d in 1..=len {
                    let date = NaiveDate::from_ymd_opt(y, m, d).unwrap();
                    assert_eq!(weekday(y, m, d) as u32, date.weekday().num_days_from_sunday(), "{date}");
                }
            }
        }
    }

    #[test]
    fn value_sets_match_a_naive_enumeration() {
        use crate::expr::{Profile, Schedule};
        let s = Schedule::parse_with(
            "cron(5-50/7,59 1-22 2-31/3 2-11 ? 1971-2130,2140-2199/3)",
            Profile::EventBridge,
        );
        let Ok(Schedule::Cron(c)) = s else { panic!("{s:?}") };
        let c = c.compiled();
        for m in 0..60 {
            let want = (5..=50).step_by(7).any(|x| x == m) || m == 59;
            assert_eq!(c.minutes & (1 << m) != 0, want, "minute {m}");
        }
        for h in 0..24 {
            assert_eq!(c.hours & (1 << h) != 0, (1..=22).contains(&h), "hour {h}");
        }
        for mo in 1..=12 {
            assert_eq!(c.has_month(mo), (2..=11).contains(&mo), "month {mo}");
        }
        assert_eq!(
            c.days,
            DaySpec::MonthDays((2..=31).step_by(3).fold(0, |acc, d| acc | 1 << d))
        );
        for y in 1960..2210 {
            let want = (1971..=2130).contains(&y) || (2140..=2199).step_by(3).any(|x| x == y);
            assert_eq!(c.has_year(y), want, "year {y}");
        }
    }

    #[test]
    fn wrap_around_sets_match_a_naive_enumeration() {
        use crate::expr::{Profile, Schedule};
        let s = Schedule::parse_with("cron(50-10/7,30 22-2 25-5/3 NOV-FEB ? *)", Profile::EventBridge);
        let Ok(Schedule::Cron(c)) = s else { panic!("{s:?}") };
        let c = c.compiled();
        // 50, 57, then 64 - 60 = 4: minutes 50, 57 and 4; and 30.
        for m in 0..60 {
            assert_eq!(c.minutes & (1 << m) != 0, [4, 30, 50, 57].contains(&m), "minute {m}");
        }
        for h in 0..24 {
            assert_eq!(c.hours & (1 << h) != 0, h >= 22 || h <= 2, "hour {h}");
        }
        for mo in 1..=12 {
            assert_eq!(c.has_month(mo), mo >= 11 || mo <= 2, "month {mo}");
        }
        // 25, 28, 31, then 34 - 31 = 3.
        assert_eq!(c.days, DaySpec::MonthDays(1 << 25 | 1 << 28 | 1 << 31 | 1 << 3));
        let s = Schedule::parse_with("cron(0 0 ? * SAT-MON/2 *)", Profile::SecretsManager);
        let Ok(Schedule::Cron(c)) = s else { panic!("{s:?}") };
        // Saturday, then Monday (bit 0 is Sunday).
        assert_eq!(c.compiled().days, DaySpec::WeekDays(1 << 6 | 1 << 1));
    }

    /// The checks the slow way: every month of 1970–2199.
    fn naive(c: &Compiled) -> (bool, bool) {
        let mut fires = false;
        let mut consecutive = false;
        let mut prev_last = false;
        for y in MIN_YEAR..=MAX_YEAR {
            for m in 1..=12 {
                let mask = c.day_mask(y, m);
                fires |= mask != 0;
                consecutive |= mask & (mask >> 1) != 0 || (prev_last && mask & 2 != 0);
                prev_last = mask & (1 << days_in_month(y, m)) != 0;
            }
        }
        (c.minutes != 0 && c.hours != 0 && fires, consecutive)
    }

    #[test]
    fn year_types_agree_with_a_scan_of_every_month() {
        use crate::expr::{Profile, Schedule};
        let days = [
            "L ? ", "LW ?", "L-2 ?", "15W ?", "1W ?", "31W ?", "1,31 ?", "30,31 ?", "29 ?", "31 ?", "1 ?", "? 1L",
            "? 7L", "? 6#5", "? 1#1", "? 7", "? 1,7", "? 2#5", "L-30 ?", "28 ?", "? 2,4,6", "? 3,4", "? 1-7", "30W ?",
            // Wrap-around ranges: 31 then 1, Saturday then Sunday, and steps across.
            "31-1 ?", "25-5 ?", "30-2/3 ?", "? 7-1", "? 6-2/2", "? 5-3",
        ];
        let months = [
            "*", "2", "12", "1", "1,12", "2,3", "FEB", "DEC", "JAN-FEB", "11", "4,6,9,11", "3-12/3", "DEC-JAN",
            "11-2/2",
        ];
        let years = [
            "*",
            "2024",
            "2100",
            "2199",
            "1970",
            "2030,2031",
            "2027-2028",
            "2000/100",
            "2099-2101",
            "1972/28",
        ];
        let mut checked = 0;
        for d in days {
            for m in months {
                for y in years {
                    let (dom, dow) = d.trim().split_once(' ').unwrap();
                    let text = format!("cron(0 0 {dom} {m} {dow} {y})");
                    let Ok(Schedule::Cron(cron)) = Schedule::parse_with(&text, Profile::EventBridge) else {
                        continue;
                    };
                    let c = cron.compiled();
                    assert_eq!((c.ever_fires(), c.fires_on_consecutive_days()), naive(c), "{text}");
                    checked += 1;
                }
            }
        }
        assert!(checked > 1500, "{checked}");
        // Day rules that never fire are refused by the parser, so check them directly.
        let mut c = Compiled::every_day(1, 1);
        c.days = DaySpec::MonthDays(1 << 30);
        c.months = 1 << 2;
        assert_eq!((c.ever_fires(), c.fires_on_consecutive_days()), (false, false));
        c.years = [1 << (2032 - 1970), 0, 0, 0]; // 2032: a leap year
        c.days = DaySpec::MonthDays(1 << 29);
        assert_eq!((c.ever_fires(), c.fires_on_consecutive_days()), naive(&c));
    }

    #[test]
    fn year_types_partition_the_years() {
        let mut all = [0u64; 4];
        for (first, years) in YEAR_TYPES {
            assert_eq!(and(all, years), [0; 4], "types overlap");
            all = or(all, years);
            let i = (first - MIN_YEAR) as usize;
            assert!(years[i / 64] & (1 << (i % 64)) != 0, "{first} is of its own type");
        }
        assert_eq!(all, Compiled::every_day(1, 1).years);
    }

    #[test]
    fn nearest_weekday_stays_in_month() {
        // November 2026 starts on a Sunday; 2026-08-01 is a Saturday.
        assert_eq!(nearest_weekday(1, 31, weekday(2026, 8, 1)), Some(3));
        assert_eq!(nearest_weekday(1, 30, weekday(2026, 11, 1)), Some(2));
        // 2026-05-31 is a Sunday: the 31st moves back to Friday the 29th.
        assert_eq!(nearest_weekday(31, 31, weekday(2026, 5, 1)), Some(29));
        assert_eq!(nearest_weekday(31, 30, weekday(2026, 4, 1)), None);
    }
}

//! The compiled search: from a local wall-clock minute, the next (or
//! previous) minute the sets match, found field by field with bit tricks.
//! Nothing here steps minute by minute; the slowest path walks the year
//! set month by month (at most 230 × 12 day masks).

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};

use crate::expr::compile::{days_in_month, MAX_YEAR, MIN_YEAR};
use crate::expr::Compiled;

/// A local wall-clock minute. Fields are always a valid date and time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Civil {
    pub y: i32,
    pub mo: u32,
    pub d: u32,
    pub h: u32,
    pub mi: u32,
}

impl Civil {
    /// The minute `n` falls in (seconds dropped).
    #[inline]
    pub(crate) fn from_naive(n: &NaiveDateTime) -> Civil {
        Civil {
            y: n.year(),
            mo: n.month(),
            d: n.day(),
            h: n.hour(),
            mi: n.minute(),
        }
    }

    /// The minute holding the local time `secs` (seconds since
    /// 1970-01-01T00:00 in wall-clock terms), by Hinnant's civil-from-days.
    #[inline]
    pub(crate) fn from_local_secs(secs: i64) -> Civil {
        let days = secs.div_euclid(86_400);
        let sod = secs.rem_euclid(86_400) as u32;
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097) as u32;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let mo = if mp < 10 { mp + 3 } else { mp - 9 };
        let y = (yoe as i64 + era * 400 + i64::from(mo <= 2)) as i32;
        Civil {
            y,
            mo,
            d,
            h: sod / 3600,
            mi: sod % 3600 / 60,
        }
    }

    /// Wall-clock seconds since 1970-01-01T00:00, by Hinnant's
    /// days-from-civil.
    #[inline]
    pub(crate) fn local_secs(self) -> i64 {
        let y = self.y as i64 - i64::from(self.mo <= 2);
        let era = y.div_euclid(400);
        let yoe = y.rem_euclid(400) as u32;
        let mp = if self.mo > 2 { self.mo - 3 } else { self.mo + 9 };
        let doy = (153 * mp + 2) / 5 + self.d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * 146_097 + doe as i64 - 719_468;
        days * 86_400 + (self.h * 3600 + self.mi * 60) as i64
    }

    #[inline]
    pub(crate) fn to_naive(self) -> Option<NaiveDateTime> {
        NaiveDate::from_ymd_opt(self.y, self.mo, self.d)?.and_hms_opt(self.h, self.mi, 0)
    }

    /// The minute after this one.
    #[inline]
    pub(crate) fn succ(self) -> Civil {
        let Civil {
            mut y,
            mut mo,
            mut d,
            mut h,
            mut mi,
        } = self;
        mi += 1;
        if mi == 60 {
            mi = 0;
            h += 1;
            if h == 24 {
                h = 0;
                d += 1;
                if d > days_in_month(y, mo) {
                    d = 1;
                    mo += 1;
                    if mo == 13 {
                        mo = 1;
                        y += 1;
                    }
                }
            }
        }
        Civil { y, mo, d, h, mi }
    }

    /// The minute before this one.
    #[inline]
    pub(crate) fn pred(self) -> Civil {
        let Civil {
            mut y,
            mut mo,
            mut d,
            mut h,
            mut mi,
        } = self;
        if mi > 0 {
            mi -= 1;
        } else {
            mi = 59;
            if h > 0 {
                h -= 1;
            } else {
                h = 23;
                if d > 1 {
                    d -= 1;
                } else {
                    if mo > 1 {
                        mo -= 1;
                    } else {
                        mo = 12;
                        y -= 1;
                    }
                    d = days_in_month(y, mo);
                }
            }
        }
        Civil { y, mo, d, h, mi }
    }

    /// Days since 1970-01-01.
    #[inline]
    pub(crate) fn day_number(self) -> i64 {
        Civil { h: 0, mi: 0, ..self }.local_secs().div_euclid(86_400)
    }

    /// Midnight of the day `n` days after 1970-01-01.
    #[inline]
    pub(crate) fn from_day_number(n: i64) -> Option<Civil> {
        Some(Civil::from_local_secs(n.checked_mul(86_400)?))
    }
}

/// Smallest year `>= y` in the year set.
#[inline]
pub(crate) fn next_year(c: &Compiled, y: i32) -> Option<i32> {
    if y > MAX_YEAR {
        return None;
    }
    let mut i = (y.max(MIN_YEAR) - MIN_YEAR) as usize;
    while i < 256 {
        let w = i / 64;
        let bits = c.years[w] & (!0u64 << (i % 64));
        if bits != 0 {
            let r = (w * 64) as i32 + bits.trailing_zeros() as i32;
            return (r <= MAX_YEAR - MIN_YEAR).then_some(MIN_YEAR + r);
        }
        i = (w + 1) * 64;
    }
    None
}

/// Largest year `<= y` in the year set.
#[inline]
fn prev_year(c: &Compiled, y: i32) -> Option<i32> {
    if y < MIN_YEAR {
        return None;
    }
    let mut i = (y.min(MAX_YEAR) - MIN_YEAR) as usize;
    loop {
        let w = i / 64;
        let b = i % 64;
        let keep = if b == 63 { !0 } else { (2u64 << b) - 1 };
        let bits = c.years[w] & keep;
        if bits != 0 {
            return Some(MIN_YEAR + (w * 64) as i32 + 63 - bits.leading_zeros() as i32);
        }
        if w == 0 {
            return None;
        }
        i = w * 64 - 1;
    }
}

/// First matching time of day at or after `h:mi`.
#[inline]
fn time_at_or_after(c: &Compiled, h: u32, mi: u32) -> Option<(u32, u32)> {
    if c.hours & (1 << h) != 0 {
        let m = c.minutes & (!0u64 << mi);
        if m != 0 {
            return Some((h, m.trailing_zeros()));
        }
    }
    let later = c.hours & (!1u32 << h);
    (later != 0).then(|| (later.trailing_zeros(), c.minutes.trailing_zeros()))
}

/// Last matching time of day at or before `h:mi`.
#[inline]
fn time_at_or_before(c: &Compiled, h: u32, mi: u32) -> Option<(u32, u32)> {
    if c.hours & (1 << h) != 0 {
        let m = c.minutes & ((2u64 << mi) - 1);
        if m != 0 {
            return Some((h, 63 - m.leading_zeros()));
        }
    }
    let earlier = c.hours & ((1u32 << h) - 1);
    (earlier != 0).then(|| (31 - earlier.leading_zeros(), 63 - c.minutes.leading_zeros()))
}

/// The first minute at or after `from` that the sets match.
pub(crate) fn next_cron(c: &Compiled, from: Civil) -> Option<Civil> {
    if c.minutes == 0 || c.hours == 0 {
        return None;
    }
    let mut y = next_year(c, from.y)?;
    let mut start = if y == from.y {
        from
    } else {
        Civil {
            y,
            mo: 1,
            d: 1,
            h: 0,
            mi: 0,
        }
    };
    loop {
        let mut months = c.months & (!0u16 << start.mo);
        while months != 0 {
            let mo = months.trailing_zeros();
            let (d0, h0, mi0) = if mo == start.mo {
                (start.d, start.h, start.mi)
            } else {
                (1, 0, 0)
            };
            let mut days = c.days.mask(y, mo) & (!0u32 << d0);
            while days != 0 {
                let d = days.trailing_zeros();
                let time = if d == d0 {
                    time_at_or_after(c, h0, mi0)
                } else {
                    Some((c.hours.trailing_zeros(), c.minutes.trailing_zeros()))
                };
                if let Some((h, mi)) = time {
                    return Some(Civil { y, mo, d, h, mi });
                }
                days &= days - 1;
            }
            months &= months - 1;
        }
        y = next_year(c, y + 1)?;
        start = Civil {
            y,
            mo: 1,
            d: 1,
            h: 0,
            mi: 0,
        };
    }
}

/// The last minute at or before `to` that the sets match.
pub(crate) fn prev_cron(c: &Compiled, to: Civil) -> Option<Civil> {
    if c.minutes == 0 || c.hours == 0 {
        return None;
    }
    let mut y = prev_year(c, to.y)?;
    let end_of_year = |y| Civil {
        y,
        mo: 12,
        d: 31,
        h: 23,
        mi: 59,
    };
    let mut start = if y == to.y { to } else { end_of_year(y) };
    loop {
        let mut months = c.months & ((2u16 << start.mo) - 1);
        while months != 0 {
            let mo = 15 - months.leading_zeros();
            let (d0, h0, mi0) = if mo == start.mo {
                (start.d, start.h, start.mi)
            } else {
                (31, 23, 59)
            };
            let mut days = c.days.mask(y, mo) & ((2u64 << d0) - 1) as u32;
            while days != 0 {
                let d = 31 - days.leading_zeros();
                let time = if d == d0 {
                    time_at_or_before(c, h0, mi0)
                } else {
                    Some((31 - c.hours.leading_zeros(), 63 - c.minutes.leading_zeros()))
                };
                if let Some((h, mi)) = time {
                    return Some(Civil { y, mo, d, h, mi });
                }
                days &= !(1 << d);
            }
            months &= !(1 << mo);
        }
        y = prev_year(c, y - 1)?;
        start = end_of_year(y);
    }
}

/// `rate(N days)`: midnight on the days `anchor + k·n`; first at or after `from`.
/// Day numbers of 1970-01-01 and 2199-12-31.
const FIRST_DAY: i64 = 0;
const LAST_DAY: i64 = 84_005;

pub(crate) fn next_day_grid(n: i64, anchor: i64, from: Civil) -> Option<Civil> {
    let mut x = from.day_number();
    if (from.h, from.mi) != (0, 0) {
        x += 1;
    }
    let x = x.max(FIRST_DAY);
    let r = floor_rem(x - anchor, n);
    let day = if r == 0 { x } else { x - r + n };
    in_years(Civil::from_day_number(day)?)
}

/// `rate(N days)`: the last grid midnight at or before `to`.
pub(crate) fn prev_day_grid(n: i64, anchor: i64, to: Civil) -> Option<Civil> {
    let x = to.day_number().min(LAST_DAY);
    in_years(Civil::from_day_number(x - floor_rem(x - anchor, n))?)
}

/// `a.rem_euclid(n)` for `n > 0`, with one 32-bit division when it fits
/// (day counts always do).
#[inline]
fn floor_rem(a: i64, n: i64) -> i64 {
    match (u32::try_from(a), u32::try_from(n)) {
        (Ok(a), Ok(n)) => (a % n) as i64,
        _ => a.rem_euclid(n),
    }
}

fn in_years(c: Civil) -> Option<Civil> {
    (MIN_YEAR..=MAX_YEAR).contains(&c.y).then_some(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn civ(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> Civil {
        Civil { y, mo, d, h, mi }
    }

    #[test]
    fn local_seconds_agree_with_chrono() {
        let mut t = chrono::NaiveDate::from_ymd_opt(1960, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        let end = chrono::NaiveDate::from_ymd_opt(2210, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        while t < end {
            let secs = t.and_utc().timestamp();
            let c = Civil::from_naive(&t);
            assert_eq!(Civil::from_local_secs(secs), c, "{t}");
            assert_eq!(Civil::from_local_secs(secs + 59), c, "{t}");
            assert_eq!(c.local_secs(), secs, "{t}");
            t += chrono::Duration::minutes(7 * 60 + 13);
        }
    }

    #[test]
    fn succ_and_pred_roll_over() {
        assert_eq!(civ(2024, 2, 28, 23, 59).succ(), civ(2024, 2, 29, 0, 0));
        assert_eq!(civ(2023, 12, 31, 23, 59).succ(), civ(2024, 1, 1, 0, 0));
        assert_eq!(civ(2024, 3, 1, 0, 0).pred(), civ(2024, 2, 29, 23, 59));
        assert_eq!(civ(2024, 1, 1, 0, 0).pred(), civ(2023, 12, 31, 23, 59));
    }

    #[test]
    fn year_search_crosses_words() {
        let mut c = Compiled::every_day(1, 1);
        c.years = [0, 0, 0, 0];
        assert_eq!(next_year(&c, 1970), None);
        c.years[2] = 1 << 5; // 1970 + 133 = 2103
        assert_eq!(next_year(&c, 1970), Some(2103));
        assert_eq!(next_year(&c, 2104), None);
        assert_eq!(prev_year(&c, 2199), Some(2103));
        assert_eq!(prev_year(&c, 2102), None);
        let all = Compiled::every_day(1, 1);
        assert_eq!(next_year(&all, 2199), Some(2199));
        assert_eq!(next_year(&all, 2200), None);
        assert_eq!(prev_year(&all, 1970), Some(1970));
        assert_eq!(prev_year(&all, 1969), None);
    }

    #[test]
    fn day_grid_edges() {
        assert_eq!(civ(2199, 12, 31, 0, 0).day_number(), LAST_DAY);
        assert_eq!(civ(1970, 1, 1, 0, 0).day_number(), FIRST_DAY);
        let anchor = civ(1960, 1, 1, 0, 0).day_number();
        assert_eq!(
            next_day_grid(1, anchor, civ(1960, 6, 1, 10, 0)),
            Some(civ(1970, 1, 1, 0, 0))
        );
        assert_eq!(
            prev_day_grid(1, anchor, civ(2300, 6, 1, 10, 0)),
            Some(civ(2199, 12, 31, 0, 0))
        );
        assert_eq!(next_day_grid(1, anchor, civ(2200, 1, 1, 0, 0)), None);
    }

    #[test]
    fn day_grid_rounds_the_right_way() {
        let anchor = civ(2026, 11, 20, 0, 0).day_number();
        assert_eq!(
            next_day_grid(10, anchor, civ(2026, 11, 20, 13, 45)),
            Some(civ(2026, 11, 30, 0, 0))
        );
        assert_eq!(
            next_day_grid(10, anchor, civ(2026, 11, 30, 0, 0)),
            Some(civ(2026, 11, 30, 0, 0))
        );
        assert_eq!(
            prev_day_grid(10, anchor, civ(2026, 11, 29, 23, 59)),
            Some(civ(2026, 11, 20, 0, 0))
        );
        assert_eq!(
            prev_day_grid(10, anchor, civ(2026, 11, 19, 0, 0)),
            Some(civ(2026, 11, 10, 0, 0))
        );
    }
}

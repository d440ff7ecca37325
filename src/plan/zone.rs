//! [`Zone`]: an IANA time zone whose offset changes over the planning range
//! are found once, so that planning in it costs little more than in UTC.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, OnceLock};

use chrono::{FixedOffset, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeZone};

/// An IANA time zone (a [`chrono_tz::Tz`]) with its offset changes from
/// 1969 to 2200 precomputed, for planning many occurrences in one zone.
///
/// `chrono_tz` answers each offset question with a binary search over the
/// zone's history, which costs more than the rest of a planner step. A
/// `Zone` finds the changes once per zone and process (about 14 ms in a
/// release build; the table is kept for the life of the process and shared
/// by every `Zone` of that name) and then answers with a table lookup and a step or
/// two. It agrees with `chrono_tz` on every instant and every wall time in
/// its range (tested in fifteen zones, around every change); outside it
/// (before 1969, after 2200) it asks `chrono_tz`.
///
/// Offsets print as numbers (`-05:00`), not as abbreviations (`EST`).
///
/// # Examples
///
/// ```
/// use chrono::TimeZone;
/// use rotaplan::expr::Schedule;
/// use rotaplan::plan::Zone;
///
/// let ny = Zone::new(chrono_tz::America::New_York);
/// let schedule = Schedule::parse("cron(0 2 * * ? *)")?;
/// let from = ny.with_ymd_and_hms(2026, 3, 7, 12, 0, 0).unwrap();
/// let next = schedule.next_after(&from).unwrap();
/// // 02:00 does not exist in New York on 2026-03-08: it fires at 03:00 EDT.
/// assert_eq!(next.at.to_rfc3339(), "2026-03-08T03:00:00-04:00");
/// assert!(next.shifted);
/// # Ok::<(), rotaplan::expr::ParseError>(())
/// ```
#[derive(Clone, Copy)]
pub struct Zone {
    table: &'static Table,
}

/// A zone's offsets: `offsets[k]` holds from the Unix second `starts[k]`
/// to `starts[k + 1]`.
struct Table {
    tz: chrono_tz::Tz,
    starts: Vec<i64>,
    offsets: Vec<i32>,
    /// For each block of `1 << BLOCK_BITS` seconds from `FIRST`, the last
    /// change at or before the block's start.
    blocks: Vec<u32>,
}

/// The table's range: 1969-01-01 to 2201-01-01 UTC, a year beyond the
/// planner's 1970–2199 on each side so that every wall time of those years
/// is covered in every zone.
const FIRST: i64 = -31_536_000;
const LAST: i64 = 7_289_654_400;
/// Blocks of about 48 days: fewer changes than that apart are rare, and a
/// lookup steps over them.
const BLOCK_BITS: u32 = 22;
/// The widest offsets that exist are within a day of UTC.
const DAY: i64 = 86_400;

impl Zone {
    /// The zone `tz`, with its table built on first use in this process.
    ///
    /// ```
    /// use rotaplan::plan::Zone;
    ///
    /// let london = Zone::new(chrono_tz::Europe::London);
    /// assert_eq!(london.tz(), chrono_tz::Europe::London);
    /// ```
    pub fn new(tz: chrono_tz::Tz) -> Zone {
        static TABLES: OnceLock<Mutex<HashMap<chrono_tz::Tz, &'static Table>>> = OnceLock::new();
        let mut tables = TABLES
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let table = *tables
            .entry(tz)
            .or_insert_with(|| Box::leak(Box::new(Table::build(tz))));
        Zone { table }
    }

    /// The IANA zone.
    ///
    /// ```
    /// use rotaplan::plan::Zone;
    ///
    /// assert_eq!(Zone::new(chrono_tz::UTC).tz().name(), "UTC");
    /// ```
    pub fn tz(&self) -> chrono_tz::Tz {
        self.table.tz
    }

    fn offset(&self, fix: i32) -> ZoneOffset {
        ZoneOffset {
            zone: *self,
            fix: FixedOffset::east_opt(fix).expect("chrono_tz offsets are within a day"),
        }
    }

    /// The offset at the Unix second `secs`.
    #[inline]
    fn at(&self, secs: i64) -> i32 {
        let t = self.table;
        if !(FIRST..LAST).contains(&secs) {
            return self.tz().offset_from_utc_datetime(&utc(secs)).fix().local_minus_utc();
        }
        let mut k = t.blocks[((secs - FIRST) >> BLOCK_BITS) as usize] as usize;
        while t.starts.get(k + 1).is_some_and(|&s| s <= secs) {
            k += 1;
        }
        t.offsets[k]
    }
}

impl Table {
    /// Finds the changes by asking `chrono_tz` every six hours and, where
    /// the offset differs, bisecting to the second.
    fn build(tz: chrono_tz::Tz) -> Table {
        let offset = |s: i64| tz.offset_from_utc_datetime(&utc(s)).fix().local_minus_utc();
        let mut starts = vec![i64::MIN];
        let mut offsets = vec![offset(FIRST)];
        let mut s = FIRST;
        while s < LAST {
            let next = (s + DAY / 4).min(LAST);
            let (before, after) = (offsets[offsets.len() - 1], offset(next));
            if after != before {
                // offset(lo) == before, offset(hi) != before.
                let (mut lo, mut hi) = (s, next);
                while hi - lo > 1 {
                    let mid = lo + (hi - lo) / 2;
                    if offset(mid) == before {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                starts.push(hi);
                offsets.push(offset(hi));
                // Another change within the step: go on from it.
                s = hi;
                continue;
            }
            s = next;
        }
        let count = ((LAST - FIRST) >> BLOCK_BITS) as usize + 1;
        let mut blocks = Vec::with_capacity(count);
        let mut k = 0;
        for b in 0..count {
            let start = FIRST + ((b as i64) << BLOCK_BITS);
            while starts.get(k + 1).is_some_and(|&s| s <= start) {
                k += 1;
            }
            blocks.push(k as u32);
        }
        Table {
            tz,
            starts,
            offsets,
            blocks,
        }
    }
}

fn utc(secs: i64) -> NaiveDateTime {
    chrono::DateTime::from_timestamp(secs, 0).map_or(NaiveDateTime::MIN, |d| d.naive_utc())
}

impl fmt::Debug for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Zone").field(&self.tz()).finish()
    }
}

impl PartialEq for Zone {
    fn eq(&self, other: &Zone) -> bool {
        self.tz() == other.tz()
    }
}

impl Eq for Zone {}

/// The offset of a [`Zone`] at some instant.
///
/// ```
/// use chrono::{Offset, TimeZone};
/// use rotaplan::plan::Zone;
///
/// let t = Zone::new(chrono_tz::Australia::Lord_Howe).with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap();
/// assert_eq!(t.offset().fix().local_minus_utc(), 11 * 3600);
/// assert_eq!(t.offset().to_string(), "+11:00");
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ZoneOffset {
    zone: Zone,
    fix: FixedOffset,
}

impl Offset for ZoneOffset {
    fn fix(&self) -> FixedOffset {
        self.fix
    }
}

impl fmt::Debug for ZoneOffset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{:?}", self.zone.tz(), self.fix)
    }
}

impl fmt::Display for ZoneOffset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.fix, f)
    }
}

impl TimeZone for Zone {
    type Offset = ZoneOffset;

    fn from_offset(offset: &ZoneOffset) -> Zone {
        offset.zone
    }

    fn offset_from_local_date(&self, local: &NaiveDate) -> LocalResult<ZoneOffset> {
        // As `chrono_tz` answers it: one offset of the day where there is one.
        let first = self.offset_from_local_datetime(&local.and_hms_opt(0, 0, 0).expect("midnight exists"));
        let last = self.offset_from_local_datetime(&local.and_hms_opt(23, 59, 59).expect("23:59:59 exists"));
        match (first, last) {
            (single @ LocalResult::Single(_), _) | (_, single @ LocalResult::Single(_)) => single,
            (LocalResult::Ambiguous(o, _), _) | (_, LocalResult::Ambiguous(o, _)) => LocalResult::Single(o),
            (LocalResult::None, LocalResult::None) => LocalResult::None,
        }
    }

    /// The instants showing the wall time `local`: those `u` with
    /// `u + offset(u) == local`, earliest first.
    fn offset_from_local_datetime(&self, local: &NaiveDateTime) -> LocalResult<ZoneOffset> {
        let l = local.and_utc().timestamp();
        let t = self.table;
        if !(FIRST + DAY..LAST - DAY).contains(&l) {
            return match self.tz().offset_from_local_datetime(local) {
                LocalResult::Single(o) => LocalResult::Single(self.offset(o.fix().local_minus_utc())),
                LocalResult::Ambiguous(a, b) => LocalResult::Ambiguous(
                    self.offset(a.fix().local_minus_utc()),
                    self.offset(b.fix().local_minus_utc()),
                ),
                LocalResult::None => LocalResult::None,
            };
        }
        // Every solution lies within a day of `l`: walk the spans there.
        let mut k = t.blocks[((l - DAY - FIRST) >> BLOCK_BITS) as usize] as usize;
        let mut found = [0i32; 2];
        let mut n = 0;
        loop {
            let o = t.offsets[k];
            let u = l - o as i64;
            let end = t.starts.get(k + 1).copied().unwrap_or(i64::MAX);
            if u >= t.starts[k] && u < end && n < 2 {
                found[n] = o;
                n += 1;
            }
            if end > l + DAY {
                break;
            }
            k += 1;
        }
        match n {
            0 => LocalResult::None,
            1 => LocalResult::Single(self.offset(found[0])),
            _ => LocalResult::Ambiguous(self.offset(found[0]), self.offset(found[1])),
        }
    }

    fn offset_from_utc_date(&self, utc: &NaiveDate) -> ZoneOffset {
        self.offset_from_utc_datetime(&utc.and_hms_opt(0, 0, 0).expect("midnight exists"))
    }

    #[inline]
    fn offset_from_utc_datetime(&self, utc: &NaiveDateTime) -> ZoneOffset {
        self.offset(self.at(utc.and_utc().timestamp()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_new_yorks_changes() {
        let ny = Zone::new(chrono_tz::America::New_York);
        // 2026: EST to EDT on 8 March 07:00Z, back on 1 November 06:00Z.
        let spring = 1_772_953_200;
        let fall = 1_793_512_800;
        assert_eq!(ny.at(spring - 1), -5 * 3600);
        assert_eq!(ny.at(spring), -4 * 3600);
        assert_eq!(ny.at(fall - 1), -4 * 3600);
        assert_eq!(ny.at(fall), -5 * 3600);
        assert!(std::ptr::eq(ny.table, Zone::new(chrono_tz::America::New_York).table));
    }
}

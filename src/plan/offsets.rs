//! Reading a wall time as an instant with one offset lookup.
//!
//! Under the DST policy a wall time `w` fires at the first instant whose
//! wall clock reads `w` or later (the first pass of an overlap; the first
//! instant after a gap). So the occurrence after `t` is that first instant
//! for the first matching wall time later than every wall time shown up to
//! `t`: `t`'s own, unless `t` lies in the second pass of an overlap.
//!
//! The exact search ([`Planner::next_after_exact`](super::Planner)) asks
//! the zone whether `t`'s wall time is shown twice, then converts each
//! candidate wall time with a local lookup: two `chrono_tz` local lookups
//! (a binary search over local spans, then a look at the neighbours) for
//! most answers. [`first_reach`] needs one lookup:
//!
//! - A wall time `c` later than `t`'s that the zone shows once (a `Single`
//!   local lookup) is first reached there: an earlier instant showing a
//!   later wall time would need the clock to come back to `c`, showing it
//!   twice; and `c` is later than every wall time shown up to `t`, since
//!   from the second pass of an overlap the next wall times are shown twice
//!   too. That rules out the second-pass question for `t`.
//! - Going on from an occurrence `p` (the iterator), no earlier instant
//!   showed a later wall time than `p`'s (`p` was the first to reach its
//!   own). When the offset at `c - g` is `p`'s offset `g` and that instant
//!   is less than [`WINDOW`] after `p`, the offset held in between (it
//!   changes at most once in a window), so `c - g` is the answer: one UTC
//!   lookup, cheaper than a local one.
//!
//! Anything else (a gap, an overlap) returns `None`, and the caller takes
//! the exact path.

use chrono::{DateTime, FixedOffset, LocalResult, NaiveDateTime, Offset, TimeZone};

/// Shorter than the time between two offset changes of any zone of the tz
/// database from 1970 to 2199: at least 7 days (167 hours: Gaza, Hebron and
/// Brazil's 1990s zones), read from the TZif files of tzdata 2025;
/// `tests/plan_offsets.rs` checks the zones the planner's tests use.
/// A zone that changed its offset twice within two days would be planned
/// wrongly by the iterator's fast step (`chrono_tz`'s own local lookup,
/// which looks at one neighbouring span on each side, assumes much the
/// same).
pub(crate) const WINDOW: i64 = 48 * 3600;

/// Whether `Tz` has one offset only: an offset type without data cannot
/// tell two offsets apart (`Utc`).
#[inline]
pub(crate) const fn single_offset<Tz: TimeZone>() -> bool {
    std::mem::size_of::<Tz::Offset>() == 0
}

/// The first instant whose wall clock reads `local` or later, when it is
/// `local` itself, later than the instant `after` (Unix seconds) whose
/// offset is `g`, and that one lookup proves it (see the module docs).
/// `local` must be later than `after`'s wall time; `known` says `after` is
/// an occurrence (no earlier instant showed a later wall time) and the
/// guess `local - g` is less than [`WINDOW`] after it.
#[inline]
pub(crate) fn first_reach<Tz: TimeZone>(
    tz: &Tz,
    local: &NaiveDateTime,
    g: FixedOffset,
    known: bool,
    after: i64,
) -> Option<DateTime<Tz>> {
    if known || single_offset::<Tz>() {
        let utc = if g.local_minus_utc() == 0 {
            *local
        } else {
            local.checked_sub_offset(g)?
        };
        let o = tz.offset_from_utc_datetime(&utc);
        if o.fix() == g {
            return Some(DateTime::from_naive_utc_and_offset(utc, o));
        }
        if single_offset::<Tz>() {
            return None;
        }
    }
    // A wall time shown once, later than `after`'s (see the module docs).
    match tz.offset_from_local_datetime(local) {
        LocalResult::Single(o) => {
            let utc = local.checked_sub_offset(o.fix())?;
            (utc.and_utc().timestamp() > after).then(|| DateTime::from_naive_utc_and_offset(utc, o))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    //! The one-lookup paths against the exact search, which converts every
    //! candidate with a local lookup: `next_after` and the iterator, in UTC,
    //! at fixed offsets and in zones with unusual transitions, from random
    //! instants, from instants near transitions and from occurrences.

    use chrono::{DateTime, FixedOffset, Offset, TimeZone, Utc};
    use chrono_tz::Tz;
    use proptest::prelude::*;

    use super::super::{Occurrences, Planner};
    use crate::expr::{Profile, Schedule};

    const ZONES: &[Tz] = &[
        chrono_tz::UTC,
        chrono_tz::America::New_York,
        chrono_tz::Europe::London,
        chrono_tz::Europe::Dublin,
        chrono_tz::America::St_Johns,
        chrono_tz::Pacific::Chatham,
        chrono_tz::Australia::Lord_Howe,
        chrono_tz::America::Sao_Paulo,
        chrono_tz::Africa::Casablanca,
        chrono_tz::Antarctica::Troll,
        chrono_tz::Pacific::Apia,
        chrono_tz::Asia::Gaza,
    ];

    const FIXED: &[&str] = &[
        "cron(0 0 L * ? *)",
        "cron(0 10 ? * 6L *)",
        "cron(0 16 ? * SUN#2 *)",
        "cron(0 1 15W * ? *)",
        "cron(30 2 LW * ? *)",
        "cron(0 0 29 2 ? *)",
        "cron(0 6 1,15 JAN,APR,JUL,OCT ? *)",
        "cron(30 12 ? * MON,WED,FRI 2026-2030)",
        "cron(0 2 ? 3,10,11 SUN#1 *)",
        "cron(30 2 1,22,23 FEB,APR ? *)",
        "rate(3 hours)",
        "rate(2 days)",
    ];

    fn schedule() -> impl Strategy<Value = String> {
        let minutes = prop::sample::select(vec!["*", "0", "0/15", "59", "30", "0,45", "1/7"]);
        let hours = prop::sample::select(vec!["*", "0-3", "1", "2", "1/2", "23", "0", "1,2,3"]);
        prop_oneof![
            2 => (minutes, hours).prop_map(|(m, h)| format!("cron({m} {h} * * ? *)")),
            1 => prop::sample::select(FIXED).prop_map(String::from),
        ]
    }

    /// Unix seconds of an offset change of `tz` in `year`, or of 1 June.
    fn transition(tz: &Tz, year: i32, pick: prop::sample::Index) -> i64 {
        let offset = |s: i64| {
            tz.offset_from_utc_datetime(&DateTime::from_timestamp(s, 0).unwrap().naive_utc())
                .fix()
        };
        let start = Utc.with_ymd_and_hms(year, 1, 1, 0, 0, 0).unwrap().timestamp();
        let mut found = Vec::new();
        for day in 0..366 {
            let (mut lo, mut hi) = (start + day * 86_400, start + (day + 1) * 86_400);
            if offset(lo) != offset(hi) {
                while hi - lo > 1 {
                    let mid = lo + (hi - lo) / 2;
                    if offset(mid) == offset(lo) {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                found.push(hi);
            }
        }
        if found.is_empty() {
            start + 151 * 86_400
        } else {
            found[pick.index(found.len())]
        }
    }

    /// Unix seconds: anywhere in 1970–2199, or within three hours of a
    /// transition (on an edge of it a quarter of the time).
    fn instant() -> impl Strategy<Value = (Tz, i64)> {
        let zone = prop::sample::select(ZONES);
        let near = prop_oneof![
            3 => -3 * 3600i64..3 * 3600,
            1 => prop::sample::select(vec![-3600i64, -1801, -1800, -61, -60, -1, 0, 1, 60, 1800, 3599, 3600, 7200]),
        ];
        prop_oneof![
            1 => (zone.clone(), 0i64..7_258_118_400),
            3 => (zone, 1971i32..2120, any::<prop::sample::Index>(), near)
                .prop_map(|(tz, year, pick, off)| (tz, transition(&tz, year, pick) + off)),
        ]
    }

    /// The fast answers agree with the exact search from `t`, and the
    /// iterator with chained exact searches.
    fn check<Z: TimeZone>(expr: &str, t: &DateTime<Z>) -> Result<(), TestCaseError> {
        let s = Schedule::parse_with(expr, Profile::EventBridge).unwrap();
        let planner = Planner::new(&s, t, &t.timezone());
        let fast = planner.next_after(t).map(|o| (o.at, o.shifted));
        let exact = planner.next_after_exact(t).map(|o| (o.at, o.shifted));
        prop_assert_eq!(&fast, &exact, "next_after {} from {}", expr, t.to_rfc3339());
        let chained: Vec<_> = std::iter::successors(planner.next_after_exact(t), |o| planner.next_after_exact(&o.at))
            .take(60)
            .map(|o| (o.at, o.shifted))
            .collect();
        let iterated: Vec<_> = Occurrences::new(planner, t.clone(), true)
            .take(60)
            .map(|o| (o.at, o.shifted))
            .collect();
        prop_assert_eq!(&iterated, &chained, "iterator {} from {}", expr, t.to_rfc3339());
        Ok(())
    }

    /// A step found by a local lookup at a new offset, then a step within
    /// 48 hours into a fall-back overlap: the iterator must guess from the
    /// new offset (Casablanca leaves DST for Ramadan at 03:00 on
    /// 2025-02-23, so 02:30 that day is shown twice).
    #[test]
    fn iterator_guesses_from_the_last_occurrence_offset() {
        let tz = chrono_tz::Africa::Casablanca;
        let t = tz.with_ymd_and_hms(2024, 4, 1, 0, 0, 0).unwrap();
        check("cron(30 2 1,22,23 FEB,APR ? *)", &t).unwrap();
        let s = Schedule::parse_with("cron(30 2 1,22,23 FEB,APR ? *)", Profile::EventBridge).unwrap();
        let overlap = s
            .occurrences_after(&t)
            .find(|o| o.at.format("%m-%d").to_string() == "02-23")
            .unwrap();
        assert_eq!(overlap.at.to_rfc3339(), "2025-02-23T02:30:00+01:00");
    }

    /// A year of frequent schedules in every zone, so the iterator meets
    /// each of the year's transitions going on from an occurrence.
    #[test]
    fn a_year_of_iteration_agrees_with_the_exact_search() {
        let exprs = [
            "cron(0/30 * * * ? *)",
            "cron(30 1 * * ? *)",
            "cron(15 2 * * ? *)",
            "cron(0 0-3 ? * SUN *)",
            "cron(0 1 1,2 * ? *)",
        ];
        for (tz, year) in ZONES.iter().flat_map(|tz| [(tz, 1996), (tz, 2024)]) {
            let t = tz.with_ymd_and_hms(year, 1, 1, 0, 0, 0).unwrap();
            let end = tz.with_ymd_and_hms(year + 1, 1, 1, 0, 0, 0).unwrap();
            for expr in exprs {
                let s = Schedule::parse_with(expr, Profile::EventBridge).unwrap();
                let planner = Planner::new(&s, &t, tz);
                let chained = std::iter::successors(planner.next_after_exact(&t), |o| planner.next_after_exact(&o.at))
                    .take_while(|o| o.at < end)
                    .map(|o| (o.at, o.shifted));
                let iterated = Occurrences::new(planner, t, true)
                    .take_while(|o| o.at < end)
                    .map(|o| (o.at, o.shifted));
                for (n, (a, b)) in iterated.zip(chained).enumerate() {
                    assert_eq!(a, b, "{expr} in {tz}, occurrence {n}");
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 1200, ..ProptestConfig::default() })]

        #[test]
        fn one_lookup_agrees_with_the_exact_search(
            expr in schedule(),
            (tz, secs) in instant(),
            nanos in prop::sample::select(vec![0u32, 0, 500_000_000]),
        ) {
            let t = tz.timestamp_opt(secs, nanos).unwrap();
            check(&expr, &t)?;
            // From an occurrence, as the iterator goes on from one.
            let s = Schedule::parse_with(&expr, Profile::EventBridge).unwrap();
            if let Some(o) = Planner::new(&s, &t, &tz).next_after_exact(&t) {
                check(&expr, &o.at)?;
            }
            let fixed = FixedOffset::east_opt(t.offset().fix().local_minus_utc()).unwrap();
            check(&expr, &t.with_timezone(&fixed))?;
            check(&expr, &t.with_timezone(&Utc))?;
        }
    }
}

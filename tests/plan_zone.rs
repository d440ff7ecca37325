//! `Zone` (precomputed offset changes) against `chrono_tz` itself: the same
//! offset for every instant, the same answer for every wall time (gaps and
//! overlaps included), and so the same plan.

use chrono::{DateTime, LocalResult, NaiveDateTime, Offset, TimeZone, Utc};
use proptest::prelude::*;
use rotaplan::expr::{Profile, Schedule};
use rotaplan::plan::{Occurrence, Zone};

/// Zones with every kind of change: ordinary DST both hemispheres, a
/// 30-minute shift (Lord Howe), a 45-minute offset (Chatham), a two-hour
/// shift (Troll), Ramadan suspensions (Casablanca), a skipped day (Apia),
/// a date-line move (Kiritimati), DST abolished (Sao Paulo), none at all.
const ZONES: [chrono_tz::Tz; 15] = [
    chrono_tz::America::New_York,
    chrono_tz::Europe::London,
    chrono_tz::Europe::Dublin,
    chrono_tz::Australia::Lord_Howe,
    chrono_tz::Pacific::Chatham,
    chrono_tz::Antarctica::Troll,
    chrono_tz::Africa::Casablanca,
    chrono_tz::America::St_Johns,
    chrono_tz::America::Sao_Paulo,
    chrono_tz::Pacific::Apia,
    chrono_tz::Pacific::Kiritimati,
    chrono_tz::America::Santiago,
    chrono_tz::Asia::Kolkata,
    chrono_tz::Pacific::Honolulu,
    chrono_tz::UTC,
];

fn key<Tz: TimeZone>(o: Option<Occurrence<Tz>>) -> Option<(i64, bool)> {
    o.map(|o| (o.at.timestamp(), o.shifted))
}

fn utc(secs: i64) -> NaiveDateTime {
    DateTime::from_timestamp(secs, 0).unwrap().naive_utc()
}

fn offsets<O: Offset>(r: LocalResult<O>) -> Vec<i32> {
    match r {
        LocalResult::Single(o) => vec![o.fix().local_minus_utc()],
        LocalResult::Ambiguous(a, b) => vec![a.fix().local_minus_utc(), b.fix().local_minus_utc()],
        LocalResult::None => vec![],
    }
}

fn same_at_instant(tz: chrono_tz::Tz, zone: Zone, secs: i64) {
    let want = tz.offset_from_utc_datetime(&utc(secs)).fix();
    let got = zone.offset_from_utc_datetime(&utc(secs)).fix();
    assert_eq!(got, want, "{tz} at {secs}");
}

fn same_at_wall(tz: chrono_tz::Tz, zone: Zone, local: i64) {
    let n = utc(local);
    assert_eq!(
        offsets(zone.offset_from_local_datetime(&n)),
        offsets(tz.offset_from_local_datetime(&n)),
        "{tz} at wall time {n}"
    );
    #[allow(deprecated)]
    {
        let (a, b) = (
            zone.offset_from_local_date(&n.date()),
            tz.offset_from_local_date(&n.date()),
        );
        assert_eq!(offsets(a), offsets(b), "{tz} on {}", n.date());
    }
}

/// Every change of `tz` from 1965 to 2205, found the slow way: a look every
/// day, then bisection.
fn changes(tz: chrono_tz::Tz) -> Vec<(i64, i32, i32)> {
    let off = |s: i64| tz.offset_from_utc_datetime(&utc(s)).fix().local_minus_utc();
    let (start, end) = (-157_766_400, 7_400_000_000);
    let mut out = Vec::new();
    let mut s = start;
    while s < end {
        let next = s + 86_400;
        let (a, b) = (off(s), off(next));
        if a != b {
            let (mut lo, mut hi) = (s, next);
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                if off(mid) == a {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            out.push((hi, a, off(hi)));
        }
        s = next;
    }
    out
}

#[test]
fn agrees_with_chrono_tz_around_every_change() {
    let mut checked = 0;
    for tz in ZONES {
        let zone = Zone::new(tz);
        for (at, before, after) in changes(tz) {
            for d in [-7201, -3600, -1801, -1, 0, 1, 1799, 3599, 3600, 7200] {
                same_at_instant(tz, zone, at + d);
                // Wall times on both sides of the change, in its gap or
                // overlap and just outside.
                same_at_wall(tz, zone, at + before as i64 + d);
                same_at_wall(tz, zone, at + after as i64 + d);
                checked += 1;
            }
        }
    }
    assert!(checked > 10_000, "{checked}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// Any instant and any wall time, 1900–2300 (outside the table too).
    #[test]
    fn agrees_with_chrono_tz_anywhere(
        z in 0..ZONES.len(),
        secs in -2_208_988_800i64..10_413_792_000,
    ) {
        let tz = ZONES[z];
        let zone = Zone::new(tz);
        same_at_instant(tz, zone, secs);
        same_at_wall(tz, zone, secs);
    }

    /// The planner gives the same occurrences, shifted flags included, in
    /// a `Zone` as in the `chrono_tz` zone it stands for.
    #[test]
    fn plans_the_same(
        z in 0..ZONES.len(),
        e in 0..6usize,
        secs in 0i64..7_258_000_000,
    ) {
        let expr = [
            "cron(30 2 * * ? *)",
            "cron(0/20 * * * ? *)",
            "cron(0 0 L * ? *)",
            "cron(15 1 ? * SUN#1 *)",
            "cron(0 12 29 2 ? *)",
            "rate(7 days)",
        ][e];
        let s = Schedule::parse_with(expr, Profile::EventBridge).unwrap();
        let tz = ZONES[z];
        let zone = Zone::new(tz);
        let t = Utc.timestamp_opt(secs, 0).unwrap();
        let (a, b) = (t.with_timezone(&tz), t.with_timezone(&zone));
        prop_assert_eq!(key(s.next_after(&b)), key(s.next_after(&a)), "{} {} after {}", tz, expr, t);
        prop_assert_eq!(key(s.prev_before(&b)), key(s.prev_before(&a)), "{} {} before {}", tz, expr, t);
        let ours: Vec<_> = s.occurrences_after(&b).take(40).map(|o| (o.at.timestamp(), o.shifted)).collect();
        let theirs: Vec<_> = s.occurrences_after(&a).take(40).map(|o| (o.at.timestamp(), o.shifted)).collect();
        prop_assert_eq!(ours, theirs, "{} {} from {}", tz, expr, t);
    }
}

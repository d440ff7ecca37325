//! Searching forwards and backwards from instants inside real DST
//! transitions, against a reference that walks instants.
//!
//! The reference never thinks in wall times first: it steps through UTC
//! minutes, reads each one on the zone's wall clock, and decides from the
//! spec's words alone whether that instant fires:
//!
//! - its wall time matches and it is the earliest instant showing that wall
//!   time (an overlap fires in its first pass only), or
//! - the wall clock jumped forward just before it (a gap) over a wall time
//!   that matches (it fires once, at the first instant after the gap,
//!   `shifted` unless its own wall time matches too).
//!
//! Transitions are found from the zone data by scanning, in zones with
//! unusual shifts: Chatham's 45-minute offset, Lord Howe's 30-minute shift,
//! Troll's 2 hours, Casablanca's Ramadan changes, Dublin's negative DST.

use chrono::{DateTime, Datelike, Duration, NaiveDateTime, Offset, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use proptest::prelude::*;
use rotaplan::expr::{Profile, Schedule};

/// How far the reference walks before it gives up (and only checks that
/// the planner's answer lies beyond).
const HORIZON_MINUTES: i64 = 2 * 24 * 60;

const ZONES: &[Tz] = &[
    chrono_tz::America::New_York,
    chrono_tz::Europe::London,
    chrono_tz::Europe::Dublin,
    chrono_tz::America::St_Johns,
    chrono_tz::Pacific::Chatham,
    chrono_tz::Australia::Lord_Howe,
    chrono_tz::America::Sao_Paulo,
    chrono_tz::Africa::Casablanca,
    chrono_tz::Antarctica::Troll,
];

/// One item of a plain list field.
#[derive(Debug, Clone)]
enum It {
    All,
    Val(u32),
    Range(u32, u32),
    StepFrom(u32, u32),
}

impl It {
    fn matches(&self, v: u32, max: u32) -> bool {
        match *self {
            It::All => true,
            It::Val(a) => v == a,
            It::Range(a, b) => a <= v && v <= b,
            It::StepFrom(a, s) => v >= a && v <= max && (v - a) % s == 0,
        }
    }

    fn render(&self) -> String {
        match *self {
            It::All => "*".into(),
            It::Val(a) => a.to_string(),
            It::Range(a, b) => format!("{a}-{b}"),
            It::StepFrom(a, s) => format!("{a}/{s}"),
        }
    }
}

/// `cron(minutes hours dom * ? *)`, with `dom` `*` or `1/2` (odd days).
#[derive(Debug, Clone)]
struct Expr {
    minutes: Vec<It>,
    hours: Vec<It>,
    odd_days: bool,
}

impl Expr {
    fn render(&self) -> String {
        let list = |v: &[It]| v.iter().map(It::render).collect::<Vec<_>>().join(",");
        let dom = if self.odd_days { "1/2" } else { "*" };
        format!("cron({} {} {dom} * ? *)", list(&self.minutes), list(&self.hours))
    }

    fn matches(&self, w: &NaiveDateTime) -> bool {
        w.second() == 0
            && (!self.odd_days || w.day() % 2 == 1)
            && self.hours.iter().any(|i| i.matches(w.hour(), 23))
            && self.minutes.iter().any(|i| i.matches(w.minute(), 59))
    }
}

/// Whether the UTC minute `s` (Unix seconds, a multiple of 60) fires in
/// `tz`, and if so whether it is shifted.
fn fires(e: &Expr, tz: &Tz, s: i64) -> Option<bool> {
    let wall = |s: i64| tz.timestamp_opt(s, 0).unwrap().naive_local();
    let now = wall(s);
    if e.matches(&now) && tz.from_local_datetime(&now).earliest().unwrap().timestamp() == s {
        return Some(false);
    }
    let before = wall(s - 60);
    let mut skipped = before + Duration::minutes(1);
    let mut hit = false;
    while skipped < now {
        hit |= e.matches(&skipped);
        skipped += Duration::minutes(1);
    }
    // Moved out of a gap: shifted unless its own wall time matches too.
    hit.then_some(!e.matches(&now))
}

/// The first `n` occurrences strictly after `t` (forward) or strictly
/// before it, as far as the horizon reaches.
fn reference(e: &Expr, t: &DateTime<Tz>, forward: bool, n: usize) -> Vec<(DateTime<Tz>, bool)> {
    let tz = t.timezone();
    let mut s = first_minute(t, forward);
    let step = if forward { 60 } else { -60 };
    let mut out = Vec::new();
    for _ in 0..HORIZON_MINUTES {
        if let Some(shifted) = fires(e, &tz, s) {
            out.push((tz.timestamp_opt(s, 0).unwrap(), shifted));
            if out.len() == n {
                break;
            }
        }
        s += step;
    }
    out
}

/// The first UTC minute (Unix seconds) strictly after `t`, or the last one
/// strictly before it.
fn first_minute(t: &DateTime<Tz>, forward: bool) -> i64 {
    let ts = t.timestamp();
    let exact = t.timestamp_subsec_nanos() == 0 && ts.rem_euclid(60) == 0;
    if forward {
        ts.div_euclid(60) * 60 + 60
    } else if exact {
        ts - 60
    } else {
        ts.div_euclid(60) * 60
    }
}

/// Unix seconds of the offset changes of `tz` in `year` (and after it, if
/// that year has none), found by scanning and bisecting.
fn transitions(tz: &Tz, mut year: i32) -> Vec<i64> {
    let offset = |s: i64| {
        tz.offset_from_utc_datetime(&Utc.timestamp_opt(s, 0).unwrap().naive_utc())
            .fix()
    };
    loop {
        let start = Utc.with_ymd_and_hms(year, 1, 1, 0, 0, 0).unwrap().timestamp();
        let end = Utc.with_ymd_and_hms(year + 1, 1, 1, 0, 0, 0).unwrap().timestamp();
        let mut found = Vec::new();
        let mut s = start;
        while s < end {
            let (mut lo, mut hi) = (s, s + 86_400);
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
            s += 86_400;
        }
        if !found.is_empty() || year >= 2150 {
            return found;
        }
        year += 1;
    }
}

fn item(max: u32) -> impl Strategy<Value = It> {
    prop_oneof![
        1 => Just(It::All),
        3 => (0..=max).prop_map(It::Val),
        2 => (0..=max, 0..=max).prop_map(move |(a, w)| It::Range(a, (a + w).min(max))),
        2 => (0..=max, 1..=max + 1).prop_map(|(a, s)| It::StepFrom(a, s)),
    ]
}

fn items(max: u32) -> impl Strategy<Value = Vec<It>> {
    prop::collection::vec(item(max), 1..=3).prop_map(|v| {
        if v.iter().any(|i| matches!(i, It::All)) {
            vec![It::All]
        } else {
            v
        }
    })
}

fn expr() -> impl Strategy<Value = Expr> {
    let hours = prop_oneof![
        2 => Just(vec![It::All]),
        // Transitions happen at night local time, mostly.
        2 => (0u32..=3, 0u32..=3).prop_map(|(a, w)| vec![It::Range(a, a + w)]),
        3 => items(23),
    ];
    (items(59), hours, prop::bool::weighted(0.2)).prop_map(|(minutes, hours, odd_days)| Expr {
        minutes,
        hours,
        odd_days,
    })
}

/// An instant near a real transition: anywhere within three hours of it,
/// or exactly on an edge of the gap or overlap it makes.
fn instant() -> impl Strategy<Value = DateTime<Tz>> {
    let zone = prop::sample::select(ZONES.to_vec());
    let near = prop_oneof![
        3 => (-3 * 3600i64..3 * 3600).prop_map(|s| (s, 0u32)),
        1 => (-3 * 3600i64..3 * 3600).prop_map(|s| (s - s.rem_euclid(60), 0u32)),
        1 => (-3 * 3600i64..3 * 3600).prop_map(|s| (s, 500_000_000u32)),
        1 => prop::sample::select(vec![-7201i64, -3601, -3600, -2700, -1800, -61, -60, -1, 0, 1, 59, 60, 1799, 1800, 2700, 3599, 3600, 7200]).prop_map(|s| (s, 0u32)),
    ];
    (zone, 1971i32..2140, any::<prop::sample::Index>(), near).prop_map(|(tz, year, pick, (off, ns))| {
        let all = transitions(&tz, year);
        let base = if all.is_empty() {
            Utc.with_ymd_and_hms(year, 6, 1, 0, 0, 0).unwrap().timestamp()
        } else {
            all[pick.index(all.len())]
        };
        tz.timestamp_opt(base + off, ns).unwrap()
    })
}

fn parse(e: &Expr) -> Schedule {
    Schedule::parse_with(&e.render(), Profile::EventBridge).unwrap_or_else(|err| panic!("{}: {err}", e.render()))
}

/// The planner's first `n` occurrences, cut where the reference stops
/// walking.
fn planner(s: &Schedule, t: &DateTime<Tz>, forward: bool, n: usize) -> Vec<(DateTime<Tz>, bool)> {
    let span = (HORIZON_MINUTES - 1) * 60;
    let first = first_minute(t, forward);
    let it: Box<dyn Iterator<Item = _>> = if forward {
        Box::new(
            s.occurrences_after(t)
                .take_while(move |o| o.at.timestamp() <= first + span),
        )
    } else {
        Box::new(
            s.occurrences_before(t)
                .take_while(move |o| o.at.timestamp() >= first - span),
        )
    };
    it.take(n).map(|o| (o.at, o.shifted)).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, ..ProptestConfig::default() })]

    #[test]
    fn instants_near_transitions(e in expr(), t in instant()) {
        let s = parse(&e);
        let name = e.render();
        let expected_after = reference(&e, &t, true, 3);
        let expected_before = reference(&e, &t, false, 3);
        prop_assert_eq!(&planner(&s, &t, true, 3), &expected_after, "after {} in {} from {}", name, t.timezone(), t);
        prop_assert_eq!(&planner(&s, &t, false, 3), &expected_before, "before {} in {} from {}", name, t.timezone(), t);

        // The iterator keeps its place in the calendar: it must agree with
        // asking `next_after` again from each occurrence.
        let chained: Vec<_> = std::iter::successors(s.next_after(&t), |o| s.next_after(&o.at))
            .take(40)
            .map(|o| (o.at, o.shifted))
            .collect();
        let iterated: Vec<_> = s.occurrences_after(&t).take(40).map(|o| (o.at, o.shifted)).collect();
        prop_assert_eq!(iterated, chained, "iterator {} in {} from {}", name, t.timezone(), t);

        // The invariants a scheduler relies on.
        if let Some(p) = s.prev_before(&t) {
            prop_assert!(p.at < t);
            let n = s.next_after(&p.at).expect("the occurrence after a previous one");
            prop_assert!(n.at >= t, "{} in {}: prev_before({}) = {}, next after it {}", name, t.timezone(), t, p.at, n.at);
        }
        if let Some(n) = s.next_after(&t) {
            prop_assert!(n.at > t);
            let p = s.prev_before(&n.at).expect("the occurrence before a next one");
            prop_assert!(p.at <= t, "{} in {}: next_after({}) = {}, prev before it {}", name, t.timezone(), t, n.at, p.at);
        }
    }
}

fn at(tz: Tz, rfc3339: &str) -> DateTime<Tz> {
    DateTime::parse_from_rfc3339(rfc3339).unwrap().with_timezone(&tz)
}

#[test]
fn second_pass_finds_first_pass_occurrences_later_in_wall_time() {
    // 01:05:59 EST is the second pass; 01:08 EDT (05:08Z) came before it.
    let s = Schedule::parse_with("cron(0,8 1,20 * * ? *)", Profile::EventBridge).unwrap();
    let t = at(chrono_tz::America::New_York, "2062-11-05T01:05:59-05:00");
    let p = s.prev_before(&t).unwrap();
    assert_eq!(p.at.to_rfc3339(), "2062-11-05T01:08:00-04:00");
    assert!(!p.shifted);
    let before: Vec<String> = s.occurrences_before(&t).take(3).map(|o| o.at.to_rfc3339()).collect();
    assert_eq!(
        before,
        [
            "2062-11-05T01:08:00-04:00",
            "2062-11-05T01:00:00-04:00",
            "2062-11-04T20:08:00-04:00"
        ]
    );
    // Nothing fires in the second pass: next is 20:00 EST.
    assert_eq!(s.next_after(&t).unwrap().at.to_rfc3339(), "2062-11-05T20:00:00-05:00");
}

#[test]
fn second_pass_in_dublin_negative_dst() {
    // Dublin's "winter time" is the negative DST: 01:00–01:59 repeats with
    // +01:00 then +00:00 on the last Sunday of October.
    let s = Schedule::parse_with("cron(* * 1/2 * ? *)", Profile::EventBridge).unwrap();
    let t = at(chrono_tz::Europe::Dublin, "2082-10-25T01:15:38+00:00");
    assert_eq!(s.prev_before(&t).unwrap().at.to_rfc3339(), "2082-10-25T01:59:00+01:00");
    assert_eq!(s.next_after(&t).unwrap().at.to_rfc3339(), "2082-10-25T02:00:00+00:00");
}

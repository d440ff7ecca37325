//! The planner against a deliberately naive reference.
//!
//! The reference never looks at the planner's compiled sets: it keeps the
//! generated expression as plain data, walks the calendar day by day and
//! minute by minute, and tests each field literally as the spec words it.
//! Time zones are handled just as literally: every matching wall minute is
//! turned into an instant (a gap by walking forward a minute at a time until
//! the wall time exists, an overlap by taking the earlier instant), then the
//! instants are sorted and merged.

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use proptest::prelude::*;
use rotaplan::expr::{Profile, Schedule};

const N: usize = 50;

/// One item of a plain list field.
#[derive(Debug, Clone)]
enum It {
    All,
    Val(u32),
    Range(u32, u32),
    StepAll(u32),
    StepFrom(u32, u32),
    StepRange(u32, u32, u32),
}

impl It {
    /// `a-b` with `a > b` wraps around the field (spec: Quartz's reading):
    /// `a` to the field's end, then its start to `b`; with a step, the walk
    /// from `a` goes on past the end and restarts at the start (`22-2/2`:
    /// 22, 0, 2). Day-of-month walks all 31 days.
    fn matches(&self, v: u32, min: u32, max: u32) -> bool {
        match *self {
            It::All => true,
            It::Val(a) => v == a,
            It::Range(a, b) if a > b => v >= a || v <= b,
            It::Range(a, b) => a <= v && v <= b,
            It::StepAll(s) => (v - min) % s == 0,
            It::StepFrom(a, s) => v >= a && v <= max && (v - a) % s == 0,
            It::StepRange(a, b, s) if a > b => {
                // Walk it literally: a, a + s, ... up to the end, then on
                // from the start, counting the positions past the end.
                let size = max - min + 1;
                let mut k = a;
                while k <= b + size {
                    let at = if k > max { k - size } else { k };
                    if at == v {
                        return true;
                    }
                    k += s;
                }
                false
            }
            It::StepRange(a, b, s) => v >= a && v <= b && (v - a) % s == 0,
        }
    }

    fn render(&self) -> String {
        match *self {
            It::All => "*".into(),
            It::Val(a) => a.to_string(),
            It::Range(a, b) => format!("{a}-{b}"),
            It::StepAll(s) => format!("*/{s}"),
            It::StepFrom(a, s) => format!("{a}/{s}"),
            It::StepRange(a, b, s) => format!("{a}-{b}/{s}"),
        }
    }
}

#[derive(Debug, Clone)]
enum Dom {
    Any,
    List(Vec<It>),
    Last,
    LastOffset(u32),
    LastWeekday,
    Nearest(u32),
}

#[derive(Debug, Clone)]
enum Dow {
    Any,
    /// Values 1–7 (1 = Sunday); ranges; `L` (Saturday) written as `L`.
    List(Vec<It>),
    Saturday,
    /// `nL`, or the day's name then `L` (`FRIL`) when the flag is set.
    LastOf(u32, bool),
    Nth(u32, u32),
}

#[derive(Debug, Clone)]
struct Expr {
    minutes: Vec<It>,
    hours: Vec<It>,
    dom: Dom,
    months: Vec<It>,
    dow: Dow,
    years: Vec<It>,
}

fn list(items: &[It]) -> String {
    items.iter().map(It::render).collect::<Vec<_>>().join(",")
}

impl Expr {
    fn render(&self) -> String {
        let dom = match &self.dom {
            Dom::Any => "?".into(),
            Dom::List(l) => list(l),
            Dom::Last => "L".into(),
            Dom::LastOffset(n) => format!("L-{n}"),
            Dom::LastWeekday => "LW".into(),
            Dom::Nearest(n) => format!("{n}W"),
        };
        let dow = match &self.dow {
            Dow::Any => "?".into(),
            Dow::List(l) => list(l),
            Dow::Saturday => "L".into(),
            Dow::LastOf(n, false) => format!("{n}L"),
            Dow::LastOf(n, true) => format!(
                "{}L",
                ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"][*n as usize - 1]
            ),
            Dow::Nth(n, k) => format!("{n}#{k}"),
        };
        format!(
            "cron({} {} {dom} {} {dow} {})",
            list(&self.minutes),
            list(&self.hours),
            list(&self.months),
            list(&self.years)
        )
    }

    fn field(items: &[It], v: u32, min: u32, max: u32) -> bool {
        items.iter().any(|i| i.matches(v, min, max))
    }

    /// Whether the schedule fires on `date` at all (all but the time).
    fn matches_day(&self, date: NaiveDate) -> bool {
        let (y, m, d) = (date.year() as u32, date.month(), date.day());
        if !Expr::field(&self.years, y, 1970, 2199) || !Expr::field(&self.months, m, 1, 12) {
            return false;
        }
        let len = days_in(date.year(), m);
        // Day of week as cron counts it: 1 = Sunday ... 7 = Saturday.
        let dow_of = |d: u32| {
            NaiveDate::from_ymd_opt(date.year(), m, d)
                .unwrap()
                .weekday()
                .num_days_from_sunday()
                + 1
        };
        let is_weekday = |d: u32| (2..=6).contains(&dow_of(d));
        match &self.dom {
            Dom::Any => {}
            Dom::List(l) => return Expr::field(l, d, 1, 31),
            Dom::Last => return d == len,
            Dom::LastOffset(n) => return len > *n && d == len - n,
            Dom::LastWeekday => {
                let mut last = len;
                while !is_weekday(last) {
                    last -= 1;
                }
                return d == last;
            }
            Dom::Nearest(n) => {
                let n = *n;
                if n > len {
                    return false;
                }
                let target = match dow_of(n) {
                    7 if n == 1 => 3,
                    7 => n - 1,
                    1 if n == len => n - 2,
                    1 => n + 1,
                    _ => n,
                };
                return d == target;
            }
        }
        let w = dow_of(d);
        match &self.dow {
            Dow::Any => unreachable!("one day field is `?`"),
            Dow::List(l) => Expr::field(l, w, 1, 7),
            Dow::Saturday => w == 7,
            Dow::LastOf(n, _) => w == *n && d + 7 > len,
            Dow::Nth(n, k) => w == *n && (d - 1) / 7 + 1 == *k,
        }
    }

    fn matches_time(&self, h: u32, mi: u32) -> bool {
        Expr::field(&self.hours, h, 0, 23) && Expr::field(&self.minutes, mi, 0, 59)
    }
}

fn days_in(y: i32, m: u32) -> u32 {
    let first = NaiveDate::from_ymd_opt(y, m, 1).unwrap();
    let next = if m == 12 {
        NaiveDate::from_ymd_opt(y + 1, 1, 1).unwrap()
    } else {
        NaiveDate::from_ymd_opt(y, m + 1, 1).unwrap()
    };
    (next - first).num_days() as u32
}

/// A wall time as an instant by the spec's policy, found the slow way.
fn literal_resolve(tz: &Tz, n: NaiveDateTime) -> (DateTime<Tz>, bool) {
    match tz.from_local_datetime(&n) {
        LocalResult::Single(t) => (t, false),
        LocalResult::Ambiguous(a, b) => (a.min(b), false),
        LocalResult::None => {
            let mut w = n;
            loop {
                w += Duration::minutes(1);
                if let Some(t) = tz.from_local_datetime(&w).earliest() {
                    // The first instant after the gap is the transition;
                    // the wall time just found may be a minute past it when
                    // the transition is not on a minute, which real zones
                    // since 1970 never do.
                    return (t, true);
                }
            }
        }
    }
}

/// All occurrences whose wall date is `date`, as (instant, shifted).
fn day_occurrences(e: &Expr, tz: &Tz, date: NaiveDate, out: &mut Vec<(DateTime<Tz>, bool)>) {
    if !e.matches_day(date) {
        return;
    }
    for h in 0..24 {
        for mi in 0..60 {
            if e.matches_time(h, mi) {
                let n = date.and_hms_opt(h, mi, 0).unwrap();
                let (t, moved) = literal_resolve(tz, n);
                // A moved time that the schedule also names naturally is
                // not "shifted".
                let natural = !moved || {
                    let w = t.naive_local();
                    e.matches_day(w.date()) && w.second() == 0 && e.matches_time(w.hour(), w.minute())
                };
                out.push((t, !natural));
            }
        }
    }
}

/// Sort by instant and merge equal instants (unshifted wins).
fn merge(mut v: Vec<(DateTime<Tz>, bool)>) -> Vec<(DateTime<Tz>, bool)> {
    v.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    v.dedup_by(|later, earlier| later.0 == earlier.0);
    v
}

fn in_range(d: NaiveDate) -> bool {
    (1970..=2199).contains(&d.year())
}

fn reference_after(e: &Expr, t: DateTime<Tz>, n: usize) -> Vec<(DateTime<Tz>, bool)> {
    let tz = t.timezone();
    let mut date = t.naive_local().date() - Duration::days(2);
    let mut found: Vec<(DateTime<Tz>, bool)> = Vec::new();
    let mut extra = None;
    while in_range(date) || date.year() < 1970 {
        if in_range(date) {
            day_occurrences(e, &tz, date, &mut found);
        }
        found.retain(|o| o.0 > t);
        if extra.is_none() && merge(found.clone()).len() >= n {
            extra = Some(3);
        }
        if let Some(k) = extra.as_mut() {
            if *k == 0 {
                break;
            }
            *k -= 1;
        }
        date = date.succ_opt().unwrap();
    }
    let mut v = merge(found);
    v.truncate(n);
    v
}

fn reference_before(e: &Expr, t: DateTime<Tz>, n: usize) -> Vec<(DateTime<Tz>, bool)> {
    let tz = t.timezone();
    let mut date = t.naive_local().date() + Duration::days(2);
    let mut found: Vec<(DateTime<Tz>, bool)> = Vec::new();
    let mut extra = None;
    while in_range(date) || date.year() > 2199 {
        if in_range(date) {
            day_occurrences(e, &tz, date, &mut found);
        }
        found.retain(|o| o.0 < t);
        if extra.is_none() && merge(found.clone()).len() >= n {
            extra = Some(3);
        }
        if let Some(k) = extra.as_mut() {
            if *k == 0 {
                break;
            }
            *k -= 1;
        }
        date = date.pred_opt().unwrap();
    }
    let mut v = merge(found);
    v.reverse();
    v.truncate(n);
    v
}

// ---- generators ----

fn item(min: u32, max: u32) -> impl Strategy<Value = It> {
    let span = max - min;
    prop_oneof![
        1 => Just(It::All),
        4 => (min..=max).prop_map(It::Val),
        2 => (min..=max, 0..=span).prop_map(move |(a, w)| It::Range(a, (a + w).min(max))),
        2 => (1..=span + 1).prop_map(It::StepAll),
        2 => (min..=max, 1..=span + 1).prop_map(|(a, s)| It::StepFrom(a, s)),
        2 => (min..=max, 0..=span, 1..=span + 1).prop_map(move |(a, w, s)| It::StepRange(a, (a + w).min(max), s)),
        // Any two ends: about half are wrap-around ranges.
        2 => (min..=max, min..=max).prop_map(|(a, b)| It::Range(a, b)),
        2 => (min..=max, min..=max, 1..=span + 1).prop_map(|(a, b, s)| It::StepRange(a, b, s)),
    ]
}

fn items(min: u32, max: u32) -> impl Strategy<Value = Vec<It>> {
    // `*` stands alone in its field.
    prop::collection::vec(item(min, max), 1..=3).prop_map(|v| {
        if v.iter().any(|i| matches!(i, It::All)) {
            vec![It::All]
        } else {
            v
        }
    })
}

fn plain_dow_item() -> impl Strategy<Value = It> {
    prop_oneof![
        (1u32..=7).prop_map(It::Val),
        (1u32..=7, 0u32..=6).prop_map(|(a, w)| It::Range(a, (a + w).min(7))),
        // Wrap-around ranges too (`SAT-SUN` is 7-1).
        (1u32..=7, 1u32..=7).prop_map(|(a, b)| It::Range(a, b)),
    ]
}

fn days() -> impl Strategy<Value = (Dom, Dow)> {
    let dom = prop_oneof![
        4 => items(1, 31).prop_map(Dom::List),
        1 => Just(Dom::Last),
        1 => (1u32..=30).prop_map(Dom::LastOffset),
        1 => Just(Dom::LastWeekday),
        2 => (1u32..=31).prop_map(Dom::Nearest),
    ];
    let dow = prop_oneof![
        3 => prop::collection::vec(plain_dow_item(), 1..=3).prop_map(Dow::List),
        1 => Just(Dow::Saturday),
        2 => (1u32..=7, any::<bool>()).prop_map(|(n, named)| Dow::LastOf(n, named)),
        2 => (1u32..=7, 1u32..=5).prop_map(|(n, k)| Dow::Nth(n, k)),
    ];
    prop_oneof![dom.prop_map(|d| (d, Dow::Any)), dow.prop_map(|w| (Dom::Any, w)),]
}

fn years() -> impl Strategy<Value = Vec<It>> {
    prop_oneof![
        3 => Just(vec![It::All]),
        2 => prop::collection::vec(
            prop_oneof![
                (2010u32..=2060).prop_map(It::Val),
                (2010u32..=2060, 0u32..=12).prop_map(|(a, w)| It::Range(a, a + w)),
                (2010u32..=2060, 1u32..=7).prop_map(|(a, s)| It::StepFrom(a, s)),
            ],
            1..=3
        ),
    ]
}

fn minutes() -> impl Strategy<Value = Vec<It>> {
    // Mostly few minutes per hour, so 50 occurrences span days and months.
    prop_oneof![
        4 => (0u32..=59).prop_map(|m| vec![It::Val(m)]),
        1 => items(0, 59),
    ]
}

fn expr() -> impl Strategy<Value = Expr> {
    (minutes(), items(0, 23), days(), items(1, 12), years()).prop_map(|(minutes, hours, (dom, dow), months, years)| {
        Expr {
            minutes,
            hours,
            dom,
            months,
            dow,
            years,
        }
    })
}

fn utc_instant() -> impl Strategy<Value = DateTime<Utc>> {
    prop_oneof![
        // Around now and the generated years.
        8 => (1_200_000_000i64..2_900_000_000, 0u32..2).prop_map(|(s, ns)| Utc.timestamp_opt(s, ns * 500_000_000).unwrap()),
        // Near the 2199 boundary and near 1970.
        1 => (7_200_000_000i64..7_258_118_400).prop_map(|s| Utc.timestamp_opt(s - s % 60, 0).unwrap()),
        1 => (0i64..200_000_000).prop_map(|s| Utc.timestamp_opt(s, 0).unwrap()),
    ]
}

fn zone() -> impl Strategy<Value = Tz> {
    prop::sample::select(vec![
        chrono_tz::UTC,
        chrono_tz::America::New_York,
        chrono_tz::Europe::London,
        chrono_tz::Australia::Lord_Howe,
        chrono_tz::Pacific::Apia,
        chrono_tz::Asia::Kolkata,
    ])
}

/// How many warnings the spec asks for: one per wrap-around range and one
/// per day name with `L`.
fn quartz_readings(e: &Expr) -> usize {
    let wraps = |l: &[It]| {
        l.iter()
            .filter(|i| matches!(**i, It::Range(a, b) | It::StepRange(a, b, _) if a > b))
            .count()
    };
    let dom = match &e.dom {
        Dom::List(l) => wraps(l),
        _ => 0,
    };
    let dow = match &e.dow {
        Dow::List(l) => wraps(l),
        Dow::LastOf(_, named) => usize::from(*named),
        _ => 0,
    };
    wraps(&e.minutes) + wraps(&e.hours) + dom + wraps(&e.months) + dow
}

fn parse(e: &Expr) -> Option<Schedule> {
    let text = e.render();
    let s = match Schedule::parse_with(&text, Profile::EventBridge) {
        Ok(s) => s,
        Err(err) if err.is_never_fires() => return None,
        Err(err) => panic!("generated {text} does not parse: {err}"),
    };
    // The same schedule through the grammar with warnings asked for (the
    // fast path gives up on those), one warning per wrap or `FRIL`, and
    // Display prints back what was generated.
    let checked = Schedule::check(text.as_bytes(), Profile::EventBridge).unwrap();
    assert_eq!(checked.schedule, s, "{text}");
    assert_eq!(
        checked.warnings.len(),
        quartz_readings(e),
        "{text}: {:?}",
        checked.warnings
    );
    assert_eq!(s.to_string(), text);
    Some(s)
}

fn planner_after(s: &Schedule, t: DateTime<Tz>) -> Vec<(DateTime<Tz>, bool)> {
    s.occurrences_after(&t).take(N).map(|o| (o.at, o.shifted)).collect()
}

fn planner_before(s: &Schedule, t: DateTime<Tz>) -> Vec<(DateTime<Tz>, bool)> {
    s.occurrences_before(&t).take(N).map(|o| (o.at, o.shifted)).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn utc_forwards_and_backwards(e in expr(), t in utc_instant()) {
        let Some(s) = parse(&e) else { return Ok(()) };
        let t = t.with_timezone(&chrono_tz::UTC);
        prop_assert_eq!(planner_after(&s, t), reference_after(&e, t, N), "after {} from {}", e.render(), t);
        prop_assert_eq!(planner_before(&s, t), reference_before(&e, t, N), "before {} from {}", e.render(), t);
    }
}

/// Instants near real transitions of the zones under test.
fn transition_instant() -> impl Strategy<Value = DateTime<Utc>> {
    let transitions = vec![
        "2026-03-08T07:00:00Z", // New York spring forward
        "2026-11-01T06:00:00Z", // New York fall back
        "2026-03-29T01:00:00Z", // London
        "2026-10-25T01:00:00Z",
        "2026-04-04T15:00:00Z", // Lord Howe, 30-minute shift
        "2026-10-03T15:30:00Z",
        "2011-12-30T10:00:00Z", // Apia skips 30 December 2011
        "2011-09-24T14:00:00Z",
    ];
    (prop::sample::select(transitions), -3 * 86_400i64..3 * 86_400)
        .prop_map(|(t, off)| DateTime::parse_from_rfc3339(t).unwrap().with_timezone(&Utc) + Duration::seconds(off))
}

fn frequent_expr() -> impl Strategy<Value = Expr> {
    // Every day, many hours and minutes, so DST transitions are hit.
    (items(0, 59), items(0, 23), years()).prop_map(|(minutes, hours, _)| Expr {
        minutes,
        hours,
        dom: Dom::List(vec![It::All]),
        months: vec![It::All],
        dow: Dow::Any,
        years: vec![It::All],
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn zones_forwards_and_backwards(e in prop_oneof![expr(), frequent_expr()], tz in zone(), t in transition_instant()) {
        let Some(s) = parse(&e) else { return Ok(()) };
        let t = t.with_timezone(&tz);
        prop_assert_eq!(planner_after(&s, t), reference_after(&e, t, N), "after {} in {} from {}", e.render(), tz, t);
        prop_assert_eq!(planner_before(&s, t), reference_before(&e, t, N), "before {} in {} from {}", e.render(), tz, t);
    }
}

proptest! {
    /// `rate(N days)`: midnight UTC on the anchor's day + kN, literally.
    #[test]
    fn rate_days_against_day_arithmetic(n in 1u32..=1000, anchor in 1_500_000_000i64..2_000_000_000, ahead in 0i64..3000) {
        let s = Schedule::parse(&format!("rate({n} {})", if n == 1 { "day" } else { "days" })).unwrap();
        let last = Utc.timestamp_opt(anchor, 0).unwrap();
        let t = last + Duration::days(ahead);
        let got: Vec<_> = s.occurrences_after_rotation(&last, &t).take(5).map(|o| o.at).collect();
        let day0 = last.date_naive();
        let expected: Vec<_> = (1..)
            .map(|k| Utc.from_utc_datetime(&(day0 + Duration::days(k * n as i64)).and_hms_opt(0, 0, 0).unwrap()))
            .filter(|d| *d > t)
            .take(5)
            .collect();
        prop_assert_eq!(got, expected);
    }

    #[test]
    fn rate_hours_restart_each_day(n in 4u32..=23, t in utc_instant()) {
        let s = Schedule::parse(&format!("rate({n} hours)")).unwrap();
        let got: Vec<_> = s.occurrences_after(&t).take(N).map(|o| o.at).collect();
        let mut expected = Vec::new();
        let mut day = t.date_naive();
        while expected.len() < N && day.year() <= 2199 {
            for h in (0..24).filter(|h| h % n == 0) {
                let at = Utc.from_utc_datetime(&day.and_hms_opt(h, 0, 0).unwrap());
                if at > t && expected.len() < N {
                    expected.push(at);
                }
            }
            day = day.succ_opt().unwrap();
        }
        prop_assert_eq!(got, expected);
    }
}

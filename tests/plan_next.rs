//! Hand-worked tables: (expression, zone, from, expected occurrences).
//!
//! Expected instants carry their offset; a trailing `*` marks an occurrence
//! the DST policy moved out of a gap (`shifted`). Weekdays were checked
//! against a calendar, offsets against the zones' published rules.

use chrono::{DateTime, SecondsFormat};
use chrono_tz::Tz;
use rotaplan::expr::{Profile, Schedule};

struct Case {
    expr: &'static str,
    tz: &'static str,
    from: &'static str,
    expected: &'static [&'static str],
}

const fn case(expr: &'static str, tz: &'static str, from: &'static str, expected: &'static [&'static str]) -> Case {
    Case {
        expr,
        tz,
        from,
        expected,
    }
}

fn render(t: &DateTime<Tz>, shifted: bool) -> String {
    let mut s = t.to_rfc3339_opts(SecondsFormat::Secs, true);
    if shifted {
        s.push('*');
    }
    s
}

#[track_caller]
fn schedule(expr: &str) -> Schedule {
    Schedule::parse_with(expr, Profile::EventBridge).unwrap_or_else(|e| panic!("{expr}: {e}"))
}

fn from(c: &Case) -> DateTime<Tz> {
    let tz: Tz = c.tz.parse().unwrap();
    DateTime::parse_from_rfc3339(c.from).unwrap().with_timezone(&tz)
}

const FORWARD: &[Case] = &[
    // Hour increments restart each day: 02, 12, 22, then 02.
    case(
        "cron(0 2/10 * * ? *)",
        "UTC",
        "2026-11-23T00:00:00Z",
        &[
            "2026-11-23T02:00:00Z",
            "2026-11-23T12:00:00Z",
            "2026-11-23T22:00:00Z",
            "2026-11-24T02:00:00Z",
        ],
    ),
    // rate(5 hours): 00, 05, 10, 15, 20, then midnight again.
    case(
        "rate(5 hours)",
        "UTC",
        "2026-11-23T17:30:00Z",
        &["2026-11-23T20:00:00Z", "2026-11-24T00:00:00Z", "2026-11-24T05:00:00Z"],
    ),
    // Strictly after: an instant on an occurrence is not returned.
    case(
        "cron(0 16 ? * SUN#2 *)",
        "UTC",
        "2026-12-13T16:00:00Z",
        &["2027-01-10T16:00:00Z"],
    ),
    case(
        "cron(0 16 ? * SUN#2 *)",
        "UTC",
        "2026-11-23T08:00:00Z",
        &["2026-12-13T16:00:00Z", "2027-01-10T16:00:00Z", "2027-02-14T16:00:00Z"],
    ),
    // Fifth Friday: months without one are skipped.
    case(
        "cron(0 9 ? * 6#5 *)",
        "UTC",
        "2026-06-01T00:00:00Z",
        &["2026-07-31T09:00:00Z", "2026-10-30T09:00:00Z", "2027-01-29T09:00:00Z"],
    ),
    // Last Friday.
    case(
        "cron(0 10 ? * 6L *)",
        "UTC",
        "2026-08-28T10:00:00Z",
        &["2026-09-25T10:00:00Z", "2026-10-30T10:00:00Z", "2026-11-27T10:00:00Z"],
    ),
    // `L` in day-of-month, through a leap February.
    case(
        "cron(0 10 L * ? *)",
        "UTC",
        "2028-01-15T00:00:00Z",
        &[
            "2028-01-31T10:00:00Z",
            "2028-02-29T10:00:00Z",
            "2028-03-31T10:00:00Z",
            "2028-04-30T10:00:00Z",
        ],
    ),
    // `L-2`: February 2027 has 28 days, so the 26th.
    case(
        "cron(0 10 L-2 * ? *)",
        "UTC",
        "2027-02-01T00:00:00Z",
        &["2027-02-26T10:00:00Z", "2027-03-29T10:00:00Z"],
    ),
    // `1W`: 2026-08-01 is a Saturday → Monday 3rd (not back into July);
    // 2026-11-01 is a Sunday → Monday 2nd.
    case(
        "cron(0 10 1W * ? 2026)",
        "UTC",
        "2026-07-15T00:00:00Z",
        &[
            "2026-08-03T10:00:00Z",
            "2026-09-01T10:00:00Z",
            "2026-10-01T10:00:00Z",
            "2026-11-02T10:00:00Z",
            "2026-12-01T10:00:00Z",
        ],
    ),
    // `31W`: 2026-05-31 is a Sunday → Friday 29th; months without a 31st are skipped.
    case(
        "cron(0 10 31W * ? *)",
        "UTC",
        "2026-04-01T00:00:00Z",
        &["2026-05-29T10:00:00Z", "2026-07-31T10:00:00Z", "2026-08-31T10:00:00Z"],
    ),
    // `LW`: May 2026 ends on a Sunday → Friday 29th.
    case(
        "cron(0 10 LW * ? *)",
        "UTC",
        "2026-05-01T00:00:00Z",
        &["2026-05-29T10:00:00Z", "2026-06-30T10:00:00Z", "2026-07-31T10:00:00Z"],
    ),
    // Leap days, and 2100 is not a leap year.
    case(
        "cron(0 0 29 2 ? *)",
        "UTC",
        "2026-01-01T00:00:00Z",
        &["2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"],
    ),
    case(
        "cron(0 0 29 2 ? *)",
        "UTC",
        "2097-01-01T00:00:00Z",
        &["2104-02-29T00:00:00Z", "2108-02-29T00:00:00Z"],
    ),
    // Year lists, and the end of 2199 ends the plan.
    case(
        "cron(0 12 1 JAN ? 2030,2199)",
        "UTC",
        "2026-01-01T00:00:00Z",
        &["2030-01-01T12:00:00Z", "2199-01-01T12:00:00Z"],
    ),
    case(
        "cron(0 23 31 12 ? *)",
        "UTC",
        "2199-06-01T00:00:00Z",
        &["2199-12-31T23:00:00Z"],
    ),
    case("rate(1 day)", "UTC", "2199-12-30T05:00:00Z", &["2199-12-31T00:00:00Z"]),
    // New York spring forward, 2026-03-08 02:00 EST → 03:00 EDT: 02:30
    // fires once, at 03:00 EDT.
    case(
        "cron(30 2 * * ? *)",
        "America/New_York",
        "2026-03-07T12:00:00-05:00",
        &["2026-03-08T03:00:00-04:00*", "2026-03-09T02:30:00-04:00"],
    ),
    // Every 15 minutes through the gap: 02:00–02:45 collapse into one 03:00,
    // which the schedule also names, so it is not reported as shifted.
    case(
        "cron(0/15 1-3 * * ? *)",
        "America/New_York",
        "2026-03-08T01:40:00-05:00",
        &[
            "2026-03-08T01:45:00-05:00",
            "2026-03-08T03:00:00-04:00",
            "2026-03-08T03:15:00-04:00",
        ],
    ),
    // New York fall back, 2026-11-01 02:00 EDT → 01:00 EST: 01:30 fires once, EDT.
    case(
        "cron(30 1 * * ? *)",
        "America/New_York",
        "2026-10-31T12:00:00-04:00",
        &["2026-11-01T01:30:00-04:00", "2026-11-02T01:30:00-05:00"],
    ),
    // ...and from inside the repeated hour, after the first 01:30, the next
    // is the following day: the second 01:30 does not fire.
    case(
        "cron(30 1 * * ? *)",
        "America/New_York",
        "2026-11-01T01:10:00-05:00",
        &["2026-11-02T01:30:00-05:00"],
    ),
    // London: 2026-03-29 01:00 GMT → 02:00 BST; 2026-10-25 02:00 BST → 01:00 GMT.
    case(
        "cron(0 1 * * ? *)",
        "Europe/London",
        "2026-03-28T12:00:00Z",
        &["2026-03-29T02:00:00+01:00*", "2026-03-30T01:00:00+01:00"],
    ),
    case(
        "cron(30 1 * * ? *)",
        "Europe/London",
        "2026-10-24T12:00:00+01:00",
        &["2026-10-25T01:30:00+01:00", "2026-10-26T01:30:00Z"],
    ),
    // Lord Howe: a 30-minute shift. 2026-10-04 02:00 +10:30 → 02:30 +11:00.
    case(
        "cron(15 2 * * ? *)",
        "Australia/Lord_Howe",
        "2026-10-03T12:00:00+10:30",
        &["2026-10-04T02:30:00+11:00*", "2026-10-05T02:15:00+11:00"],
    ),
    // 2026-04-05 02:00 +11:00 → 01:30 +10:30: 01:45 happens twice, fires once.
    case(
        "cron(45 1 * * ? *)",
        "Australia/Lord_Howe",
        "2026-04-04T12:00:00+11:00",
        &["2026-04-05T01:45:00+11:00", "2026-04-06T01:45:00+10:30"],
    ),
    // Apia skipped 2011-12-30 altogether (-10:00 → +14:00 at midnight):
    // its 12:00 fires at the first instant after the gap, 31 December 00:00.
    case(
        "cron(0 12 * * ? *)",
        "Pacific/Apia",
        "2011-12-29T00:00:00-10:00",
        &[
            "2011-12-29T12:00:00-10:00",
            "2011-12-31T00:00:00+14:00*",
            "2011-12-31T12:00:00+14:00",
        ],
    ),
    // A whole day of hourly wall times in the gap fires once.
    case(
        "cron(0 * * * ? *)",
        "Pacific/Apia",
        "2011-12-29T22:30:00-10:00",
        &[
            "2011-12-29T23:00:00-10:00",
            "2011-12-31T00:00:00+14:00",
            "2011-12-31T01:00:00+14:00",
        ],
    ),
    // rate(N days) without a last rotation: the start instant stands in.
    case(
        "rate(10 days)",
        "UTC",
        "2026-11-20T13:45:00Z",
        &["2026-11-30T00:00:00Z", "2026-12-10T00:00:00Z", "2026-12-20T00:00:00Z"],
    ),
    // A rate is read in the zone given: local midnights.
    case(
        "rate(1 day)",
        "America/New_York",
        "2026-11-20T13:45:00-05:00",
        &["2026-11-21T00:00:00-05:00", "2026-11-22T00:00:00-05:00"],
    ),
    // Wrap-around ranges (Quartz's reading; spec: accepted with a warning).
    // Hours 22-2 are 22, 23, 0, 1, 2 of the same day: all five on Monday
    // 2026-11-23, none on Sunday night or Tuesday morning.
    case(
        "cron(0 22-2 ? * MON *)",
        "UTC",
        "2026-11-22T12:00:00Z",
        &[
            "2026-11-23T00:00:00Z",
            "2026-11-23T01:00:00Z",
            "2026-11-23T02:00:00Z",
            "2026-11-23T22:00:00Z",
            "2026-11-23T23:00:00Z",
            "2026-11-30T00:00:00Z",
        ],
    ),
    // With a step the walk goes on across midnight: 22, 0, 2.
    case(
        "cron(0 22-2/2 * * ? *)",
        "UTC",
        "2026-11-23T01:00:00Z",
        &[
            "2026-11-23T02:00:00Z",
            "2026-11-23T22:00:00Z",
            "2026-11-24T00:00:00Z",
            "2026-11-24T02:00:00Z",
            "2026-11-24T22:00:00Z",
        ],
    ),
    // SAT-SUN from Monday 2026-11-23: Saturday 28th, Sunday 29th, ...
    case(
        "cron(0 10 ? * SAT-SUN *)",
        "UTC",
        "2026-11-23T00:00:00Z",
        &[
            "2026-11-28T10:00:00Z",
            "2026-11-29T10:00:00Z",
            "2026-12-05T10:00:00Z",
            "2026-12-06T10:00:00Z",
        ],
    ),
    // FRI-MON from Tuesday 2026-11-24: Friday 27th to Monday 30th, then Friday 4 December.
    case(
        "cron(0 10 ? * FRI-MON *)",
        "UTC",
        "2026-11-24T00:00:00Z",
        &[
            "2026-11-27T10:00:00Z",
            "2026-11-28T10:00:00Z",
            "2026-11-29T10:00:00Z",
            "2026-11-30T10:00:00Z",
            "2026-12-04T10:00:00Z",
        ],
    ),
    // NOV-FEB: November, December, January, February, then November again.
    case(
        "cron(0 12 1 NOV-FEB ? *)",
        "UTC",
        "2026-10-15T00:00:00Z",
        &[
            "2026-11-01T12:00:00Z",
            "2026-12-01T12:00:00Z",
            "2027-01-01T12:00:00Z",
            "2027-02-01T12:00:00Z",
            "2027-11-01T12:00:00Z",
        ],
    ),
    // Minutes 50-10: 50-59 and 0-10 of the same hour.
    case(
        "cron(50-10 9 * * ? *)",
        "UTC",
        "2026-11-23T09:05:00Z",
        &[
            "2026-11-23T09:06:00Z",
            "2026-11-23T09:07:00Z",
            "2026-11-23T09:08:00Z",
            "2026-11-23T09:09:00Z",
            "2026-11-23T09:10:00Z",
            "2026-11-23T09:50:00Z",
            "2026-11-23T09:51:00Z",
            "2026-11-23T09:52:00Z",
            "2026-11-23T09:53:00Z",
            "2026-11-23T09:54:00Z",
            "2026-11-23T09:55:00Z",
            "2026-11-23T09:56:00Z",
            "2026-11-23T09:57:00Z",
            "2026-11-23T09:58:00Z",
            "2026-11-23T09:59:00Z",
            "2026-11-24T09:00:00Z",
        ],
    ),
    // 50-10/5: 50, 55, 0, 5, 10.
    case(
        "cron(50-10/5 9 * * ? *)",
        "UTC",
        "2026-11-23T08:00:00Z",
        &[
            "2026-11-23T09:00:00Z",
            "2026-11-23T09:05:00Z",
            "2026-11-23T09:10:00Z",
            "2026-11-23T09:50:00Z",
            "2026-11-23T09:55:00Z",
            "2026-11-24T09:00:00Z",
        ],
    ),
    // Day-of-month 25-5 within each month's own days. November (30 days)
    // from its start: the 1st to the 5th, then the 25th to the 30th.
    case(
        "cron(0 10 25-5 * ? *)",
        "UTC",
        "2026-11-01T00:00:00Z",
        &[
            "2026-11-01T10:00:00Z",
            "2026-11-02T10:00:00Z",
            "2026-11-03T10:00:00Z",
            "2026-11-04T10:00:00Z",
            "2026-11-05T10:00:00Z",
            "2026-11-25T10:00:00Z",
            "2026-11-26T10:00:00Z",
            "2026-11-27T10:00:00Z",
            "2026-11-28T10:00:00Z",
            "2026-11-29T10:00:00Z",
            "2026-11-30T10:00:00Z",
            "2026-12-01T10:00:00Z",
        ],
    ),
    // A 30-day month ends on the 30th, then December 1-5 and the 25th.
    case(
        "cron(0 10 25-5 * ? *)",
        "UTC",
        "2026-11-28T12:00:00Z",
        &[
            "2026-11-29T10:00:00Z",
            "2026-11-30T10:00:00Z",
            "2026-12-01T10:00:00Z",
            "2026-12-02T10:00:00Z",
            "2026-12-03T10:00:00Z",
            "2026-12-04T10:00:00Z",
            "2026-12-05T10:00:00Z",
            "2026-12-25T10:00:00Z",
        ],
    ),
    // A 31-day month takes the 31st.
    case(
        "cron(0 10 25-5 * ? *)",
        "UTC",
        "2026-12-29T12:00:00Z",
        &[
            "2026-12-30T10:00:00Z",
            "2026-12-31T10:00:00Z",
            "2027-01-01T10:00:00Z",
            "2027-01-02T10:00:00Z",
            "2027-01-03T10:00:00Z",
            "2027-01-04T10:00:00Z",
            "2027-01-05T10:00:00Z",
            "2027-01-25T10:00:00Z",
        ],
    ),
    // February 2027 ends on the 28th...
    case(
        "cron(0 10 25-5 * ? *)",
        "UTC",
        "2027-02-26T12:00:00Z",
        &[
            "2027-02-27T10:00:00Z",
            "2027-02-28T10:00:00Z",
            "2027-03-01T10:00:00Z",
            "2027-03-02T10:00:00Z",
        ],
    ),
    // ...and February 2028 on the 29th.
    case(
        "cron(0 10 25-5 * ? *)",
        "UTC",
        "2028-02-27T12:00:00Z",
        &["2028-02-28T10:00:00Z", "2028-02-29T10:00:00Z", "2028-03-01T10:00:00Z"],
    ),
    // With a step, day-of-month walks 31 days as Quartz does: 25, 27, 29,
    // 31, 2, 4; November has no 31st.
    case(
        "cron(0 10 25-5/2 * ? *)",
        "UTC",
        "2026-11-20T00:00:00Z",
        &[
            "2026-11-25T10:00:00Z",
            "2026-11-27T10:00:00Z",
            "2026-11-29T10:00:00Z",
            "2026-12-02T10:00:00Z",
            "2026-12-04T10:00:00Z",
            "2026-12-25T10:00:00Z",
            "2026-12-27T10:00:00Z",
            "2026-12-29T10:00:00Z",
            "2026-12-31T10:00:00Z",
            "2027-01-02T10:00:00Z",
        ],
    ),
    // `FRIL` is `6L`, the last Friday.
    case(
        "cron(0 10 ? * FRIL *)",
        "UTC",
        "2026-08-28T10:00:00Z",
        &["2026-09-25T10:00:00Z", "2026-10-30T10:00:00Z", "2026-11-27T10:00:00Z"],
    ),
    // Wrap hours through New York's fall back (2026-11-01 02:00 EDT → 01:00
    // EST): 01:30 fires once, in EDT, and 02:30 is EST, all on 1 November.
    case(
        "cron(30 22-2 * * ? *)",
        "America/New_York",
        "2026-10-31T22:00:00-04:00",
        &[
            "2026-10-31T22:30:00-04:00",
            "2026-10-31T23:30:00-04:00",
            "2026-11-01T00:30:00-04:00",
            "2026-11-01T01:30:00-04:00",
            "2026-11-01T02:30:00-05:00",
            "2026-11-01T22:30:00-05:00",
        ],
    ),
];

const BACKWARD: &[Case] = &[
    case(
        "cron(0 16 ? * SUN#2 *)",
        "UTC",
        "2027-01-10T16:00:00Z",
        &["2026-12-13T16:00:00Z", "2026-11-08T16:00:00Z"],
    ),
    case(
        "cron(0 2/10 * * ? *)",
        "UTC",
        "2026-11-24T02:00:00Z",
        &[
            "2026-11-23T22:00:00Z",
            "2026-11-23T12:00:00Z",
            "2026-11-23T02:00:00Z",
            "2026-11-22T22:00:00Z",
        ],
    ),
    case(
        "cron(0 0 29 2 ? *)",
        "UTC",
        "2104-01-01T00:00:00Z",
        &["2096-02-29T00:00:00Z", "2092-02-29T00:00:00Z"],
    ),
    case(
        "cron(0 0 1 1 ? *)",
        "UTC",
        "1971-06-01T00:00:00Z",
        &["1971-01-01T00:00:00Z", "1970-01-01T00:00:00Z"],
    ),
    case(
        "cron(30 2 * * ? *)",
        "America/New_York",
        "2026-03-09T00:00:00-04:00",
        &["2026-03-08T03:00:00-04:00*", "2026-03-07T02:30:00-05:00"],
    ),
    case(
        "cron(30 1 * * ? *)",
        "America/New_York",
        "2026-11-01T03:00:00-05:00",
        &["2026-11-01T01:30:00-04:00", "2026-10-31T01:30:00-04:00"],
    ),
    case(
        "cron(0 12 * * ? *)",
        "Pacific/Apia",
        "2011-12-31T06:00:00+14:00",
        &["2011-12-31T00:00:00+14:00*", "2011-12-29T12:00:00-10:00"],
    ),
    // Wrap-around ranges backwards: Monday's 02, 01, 00, then the Monday before's 23, 22.
    case(
        "cron(0 22-2 ? * MON *)",
        "UTC",
        "2026-11-23T12:00:00Z",
        &[
            "2026-11-23T02:00:00Z",
            "2026-11-23T01:00:00Z",
            "2026-11-23T00:00:00Z",
            "2026-11-16T23:00:00Z",
            "2026-11-16T22:00:00Z",
        ],
    ),
    case(
        "cron(0 10 25-5 * ? *)",
        "UTC",
        "2026-12-25T00:00:00Z",
        &[
            "2026-12-05T10:00:00Z",
            "2026-12-04T10:00:00Z",
            "2026-12-03T10:00:00Z",
            "2026-12-02T10:00:00Z",
            "2026-12-01T10:00:00Z",
            "2026-11-30T10:00:00Z",
            "2026-11-29T10:00:00Z",
        ],
    ),
    case(
        "cron(0 12 1 NOV-FEB ? *)",
        "UTC",
        "2027-10-01T00:00:00Z",
        &[
            "2027-02-01T12:00:00Z",
            "2027-01-01T12:00:00Z",
            "2026-12-01T12:00:00Z",
            "2026-11-01T12:00:00Z",
            "2026-02-01T12:00:00Z",
        ],
    ),
];

#[test]
fn forward_tables() {
    for c in FORWARD {
        let s = schedule(c.expr);
        let t = from(c);
        let got: Vec<String> = s
            .occurrences_after(&t)
            .take(c.expected.len() + 1)
            .map(|o| render(&o.at, o.shifted))
            .collect();
        let want: Vec<String> = c.expected.iter().map(|s| s.to_string()).collect();
        assert_eq!(
            &got[..want.len().min(got.len())],
            &want[..],
            "{} in {} after {}",
            c.expr,
            c.tz,
            c.from
        );
        let first = s.next_after(&t).map(|o| render(&o.at, o.shifted));
        assert_eq!(
            first.as_deref(),
            Some(c.expected[0]),
            "next_after: {} in {} after {}",
            c.expr,
            c.tz,
            c.from
        );
    }
}

#[test]
fn backward_tables() {
    for c in BACKWARD {
        let s = schedule(c.expr);
        let t = from(c);
        let got: Vec<String> = s
            .occurrences_before(&t)
            .take(c.expected.len())
            .map(|o| render(&o.at, o.shifted))
            .collect();
        assert_eq!(got, c.expected, "{} in {} before {}", c.expr, c.tz, c.from);
        let first = s.prev_before(&t).map(|o| render(&o.at, o.shifted));
        assert_eq!(
            first.as_deref(),
            Some(c.expected[0]),
            "prev_before: {} in {} before {}",
            c.expr,
            c.tz,
            c.from
        );
    }
}

#[test]
fn plans_end_at_the_year_boundaries() {
    let utc = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&chrono::Utc);
    let s = schedule("cron(0 23 31 12 ? *)");
    assert_eq!(s.occurrences_after(&utc("2199-06-01T00:00:00Z")).count(), 1);
    assert_eq!(s.next_after(&utc("2199-12-31T23:00:00Z")), None);
    let s = schedule("cron(0 0 1 1 ? *)");
    assert_eq!(s.prev_before(&utc("1970-01-01T00:00:00Z")), None);
    // Only past years: nothing ahead, and the iterator stays ended.
    let s = schedule("cron(0 0 1 1 ? 2020)");
    let mut it = s.occurrences_after(&utc("2026-01-01T00:00:00Z"));
    assert_eq!(it.next(), None);
    assert_eq!(it.next(), None);
    let s = schedule("rate(5 minutes)");
    assert_eq!(s.next_after(&utc("2199-12-31T23:58:00Z")), None);
}

#[test]
fn rate_from_last_rotation() {
    let utc = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&chrono::Utc);
    let s = schedule("rate(10 days)");
    let last = utc("2026-11-20T13:45:00Z");
    // Asked on 2026-12-05: the grid still counts from the last rotation.
    let got: Vec<String> = s
        .occurrences_after_rotation(&last, &utc("2026-12-05T00:00:00Z"))
        .take(2)
        .map(|o| o.at.to_rfc3339_opts(SecondsFormat::Secs, true))
        .collect();
    assert_eq!(got, ["2026-12-10T00:00:00Z", "2026-12-20T00:00:00Z"]);
    // EventBridge minutes: every N minutes from the anchor, to the minute.
    let s = schedule("rate(7 minutes)");
    let got: Vec<String> = s
        .occurrences_after_rotation(&utc("2026-01-01T10:00:30Z"), &utc("2026-01-01T10:10:00Z"))
        .take(2)
        .map(|o| o.at.to_rfc3339_opts(SecondsFormat::Secs, true))
        .collect();
    assert_eq!(got, ["2026-01-01T10:14:00Z", "2026-01-01T10:21:00Z"]);
    // rate(36 hours) counts elapsed hours from midnight of the anchor's day.
    let s = schedule("rate(36 hours)");
    let got: Vec<String> = s
        .occurrences_after(&utc("2026-01-01T10:00:00Z"))
        .take(3)
        .map(|o| o.at.to_rfc3339_opts(SecondsFormat::Secs, true))
        .collect();
    assert_eq!(
        got,
        ["2026-01-02T12:00:00Z", "2026-01-04T00:00:00Z", "2026-01-05T12:00:00Z"]
    );
}

#[test]
fn sub_second_instants() {
    let t = DateTime::parse_from_rfc3339("2026-11-23T15:59:59.999Z").unwrap();
    let s = schedule("cron(0 16 * * ? *)");
    assert_eq!(s.next_after(&t).unwrap().at.to_rfc3339(), "2026-11-23T16:00:00+00:00");
    let t = DateTime::parse_from_rfc3339("2026-11-23T16:00:00.001Z").unwrap();
    assert_eq!(s.prev_before(&t).unwrap().at.to_rfc3339(), "2026-11-23T16:00:00+00:00");
    assert_eq!(s.next_after(&t).unwrap().at.to_rfc3339(), "2026-11-24T16:00:00+00:00");
}

#[test]
fn instants_outside_1970_to_2199() {
    let utc = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&chrono::Utc);
    let at = |o: Option<rotaplan::Occurrence<chrono::Utc>>| o.map(|o| o.at.to_rfc3339_opts(SecondsFormat::Secs, true));
    // From before 1970, plans start at 1970.
    let s = schedule("cron(0 10 1 * ? *)");
    assert_eq!(
        at(s.next_after(&utc("1900-05-05T00:00:00Z"))).as_deref(),
        Some("1970-01-01T10:00:00Z")
    );
    assert_eq!(at(s.prev_before(&utc("1900-05-05T00:00:00Z"))), None);
    assert_eq!(
        at(s.prev_before(&utc("2500-05-05T00:00:00Z"))).as_deref(),
        Some("2199-12-01T10:00:00Z")
    );
    assert_eq!(at(s.next_after(&utc("2500-05-05T00:00:00Z"))), None);
    // Rate grids anchored before 1970 still reach 1970 (7 minutes from 23:59).
    let s = schedule("rate(1 day)");
    assert_eq!(
        at(s.next_after(&utc("1969-12-30T12:00:00Z"))).as_deref(),
        Some("1970-01-01T00:00:00Z")
    );
    let s = schedule("rate(7 minutes)");
    assert_eq!(
        at(s.next_after(&utc("1969-12-31T23:59:00Z"))).as_deref(),
        Some("1970-01-01T00:06:00Z")
    );
    assert_eq!(
        at(s.prev_before(&utc("2200-01-01T00:00:00Z"))).as_deref(),
        Some("2199-12-31T23:53:00Z")
    );
    assert_eq!(at(s.next_after(&utc("2199-12-31T23:54:00Z"))), None);
}

/// Brazil began DST on 2018-11-04 at 00:00 (to 01:00): midnight did not exist.
#[test]
fn midnight_in_a_gap() {
    let tz: Tz = "America/Sao_Paulo".parse().unwrap();
    let from = DateTime::parse_from_rfc3339("2018-11-02T12:00:00-03:00")
        .unwrap()
        .with_timezone(&tz);
    let s = schedule("rate(1 day)");
    let got: Vec<String> = s
        .occurrences_after(&from)
        .take(3)
        .map(|o| render(&o.at, o.shifted))
        .collect();
    assert_eq!(
        got,
        [
            "2018-11-03T00:00:00-03:00",
            "2018-11-04T01:00:00-02:00*",
            "2018-11-05T00:00:00-02:00"
        ]
    );
    // The window of 3 November runs to the end of that day, which is the
    // first instant of 4 November: 23 hours.
    let rules = rotaplan::RotationRules::new(schedule("cron(0 0 * * ? *)"), None).unwrap();
    let w = rules.windows_after(&from).next().unwrap();
    assert_eq!(render(&w.start, w.shifted), "2018-11-03T00:00:00-03:00");
    assert_eq!(render(&w.end, false), "2018-11-04T01:00:00-02:00");
}

//! Window durations: the `Nh` format, the defaults, and the two rules.

use chrono::{DateTime, SecondsFormat, TimeZone, Utc};
use rotaplan::expr::{Profile, Schedule};
use rotaplan::plan::{RotationRules, WindowDuration};

#[track_caller]
fn rules(expr: &str, duration: Option<&str>) -> Result<RotationRules, rotaplan::PlanError> {
    let schedule = Schedule::parse_with(expr, Profile::EventBridge).unwrap();
    RotationRules::new(schedule, duration.map(|d| d.parse().unwrap()))
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn fmt<Tz: TimeZone>(t: &DateTime<Tz>) -> String
where
    Tz::Offset: std::fmt::Display,
{
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[test]
fn duration_format_round_trips() {
    for n in 1..=24u8 {
        let s = format!("{n}h");
        let d: WindowDuration = s.parse().unwrap();
        assert_eq!(d.hours(), n);
        assert_eq!(d.to_string(), s);
    }
    assert_eq!("03h".parse::<WindowDuration>().unwrap().to_string(), "3h");
}

#[test]
fn duration_format_errors() {
    for bad in [
        "", "h", "0h", "25h", "100h", "3", "3H", "3 h", " 3h", "-1h", "+3h", "3hh", "1.5h", "3m", "٣h",
    ] {
        let err = bad.parse::<WindowDuration>().unwrap_err();
        assert!(err.is_invalid_duration(), "{bad:?}");
        assert_eq!(
            err.to_string(),
            format!("invalid window duration `{bad}`: expected whole hours from 1 to 24 followed by `h`, e.g. `3h`"),
        );
    }
}

#[cfg(feature = "serde")]
#[test]
fn duration_serde_is_the_string() {
    let d: WindowDuration = serde_json::from_str("\"4h\"").unwrap();
    assert_eq!(d.hours(), 4);
    assert_eq!(serde_json::to_string(&d).unwrap(), "\"4h\"");
    assert!(serde_json::from_str::<WindowDuration>("\"25h\"").is_err());
}

#[test]
fn defaults() {
    // (expression, effective hours: None = to the end of the day)
    let table: &[(&str, Option<u8>)] = &[
        ("rate(4 hours)", Some(1)),
        ("rate(23 hours)", Some(1)),
        ("rate(1 day)", None),
        ("rate(10 days)", None),
        ("cron(0 0/8 * * ? *)", Some(1)),
        ("cron(0 4,16 * * ? *)", Some(1)),
        ("cron(0 16 ? * SUN#2 *)", None),
        ("cron(0 0 L * ? *)", None),
        ("cron(30 10 * * ? *)", None),
    ];
    for &(expr, hours) in table {
        let r = rules(expr, None).unwrap_or_else(|e| panic!("{expr}: {e}"));
        assert_eq!(r.effective_hours(), hours, "{expr}");
        assert_eq!(r.duration(), None);
    }
}

#[test]
fn accepted_durations() {
    let table: &[(&str, &str)] = &[
        ("cron(0 0 * * ? *)", "24h"),
        ("cron(0 20 * * ? *)", "4h"),
        ("cron(0 0/6 * * ? *)", "6h"),
        ("cron(0 4,16 * * ? *)", "8h"),
        ("rate(4 hours)", "4h"),
        ("rate(12 hours)", "12h"),
        ("rate(1 day)", "24h"),
        // Fires at 20:00 on days that are never consecutive: no wrap gap.
        ("cron(0 8,20 ? * MON *)", "4h"),
        ("cron(30 10 * * ? *)", "13h"),
        // Wrap-around hours 20-4/4 are 20, 0, 4: 4 hours apart, 20 + 4 = 24.
        ("cron(0 20-4/4 * * ? *)", "4h"),
    ];
    for &(expr, d) in table {
        let r = rules(expr, Some(d)).unwrap_or_else(|e| panic!("{expr} {d}: {e}"));
        assert_eq!(r.duration().unwrap().to_string(), d);
    }
}

#[test]
fn refused_durations() {
    let table: &[(&str, Option<&str>, &str)] = &[
        (
            "cron(0 22 * * ? *)",
            Some("4h"),
            "a 4h window starting at 22:00 runs into the next UTC day (start hour + duration must be at most 24)",
        ),
        (
            "cron(30 10 * * ? *)",
            Some("14h"),
            "a 14h window starting at 10:30 runs into the next UTC day (start hour + duration must be at most 24)",
        ),
        (
            "cron(30 1/2 * * ? *)",
            None,
            "the default 1h window starting at 23:30 runs into the next UTC day (start hour + duration must be at most 24)",
        ),
        (
            "cron(0 4,8 * * ? *)",
            Some("5h"),
            "a 5h window runs into the next window: occurrences at 04:00 and 08:00 are 4 hours apart",
        ),
        (
            "rate(6 hours)",
            Some("7h"),
            "a 7h window runs into the next window: occurrences at 00:00 and 06:00 are 6 hours apart",
        ),
        // Across midnight: 20:00 then 02:00 the next day.
        (
            "cron(0 2,20 * * ? *)",
            Some("7h"),
            "a 7h window runs into the next window: occurrences at 20:00 and 02:00 are 6 hours apart",
        ),
        // Wrap-around hours 22-2/4 are 22 and 2.
        (
            "cron(0 22-2/4 * * ? *)",
            Some("3h"),
            "a 3h window starting at 22:00 runs into the next UTC day (start hour + duration must be at most 24)",
        ),
        // 10-8/22 walks 10, then 32 - 24 = 8: 08:00 and 10:00.
        (
            "cron(0 10-8/22 * * ? *)",
            Some("3h"),
            "a 3h window runs into the next window: occurrences at 08:00 and 10:00 are 2 hours apart",
        ),
        (
            "cron(0/15 10 * * ? *)",
            None,
            "a window to the end of the day runs into the next window: occurrences at 10:00 and 10:15 are 15 minutes apart",
        ),
        (
            "rate(5 minutes)",
            None,
            "a 1h window runs into the next window: occurrences are 5 minutes apart",
        ),
    ];
    for &(expr, d, message) in table {
        let err = rules(expr, d).unwrap_err();
        assert_eq!(err.to_string(), message, "{expr} {d:?}");
        assert!(err.is_overlapping() != err.is_past_end_of_day(), "{expr}");
    }
}

#[test]
fn windows_are_half_open_with_their_duration() {
    let r = rules("cron(0 4,16 * * ? *)", Some("3h")).unwrap();
    let got: Vec<(String, String)> = r
        .windows_after(&utc("2026-11-23T04:00:00Z"))
        .take(2)
        .map(|w| (fmt(&w.start), fmt(&w.end)))
        .collect();
    assert_eq!(
        got,
        [
            ("2026-11-23T16:00:00Z".to_string(), "2026-11-23T19:00:00Z".to_string()),
            ("2026-11-24T04:00:00Z".to_string(), "2026-11-24T07:00:00Z".to_string()),
        ]
    );
}

#[test]
fn default_windows_close_at_the_end_of_the_day() {
    let r = rules("cron(0 16 ? * SUN#2 *)", None).unwrap();
    let w = r.windows_after(&utc("2026-11-23T00:00:00Z")).next().unwrap();
    assert_eq!(
        (fmt(&w.start), fmt(&w.end)),
        ("2026-12-13T16:00:00Z".into(), "2026-12-14T00:00:00Z".into())
    );
    let r = rules("rate(4 hours)", None).unwrap();
    let w = r.windows_after(&utc("2026-11-23T01:00:00Z")).next().unwrap();
    assert_eq!(
        (fmt(&w.start), fmt(&w.end)),
        ("2026-11-23T04:00:00Z".into(), "2026-11-23T05:00:00Z".into())
    );
}

#[test]
fn rate_windows_from_the_last_rotation() {
    let r = rules("rate(10 days)", None).unwrap();
    let last = utc("2026-11-20T13:45:00Z");
    let got: Vec<(String, String)> = r
        .windows_after_rotation(&last, &last)
        .take(3)
        .map(|w| (fmt(&w.start), fmt(&w.end)))
        .collect();
    assert_eq!(
        got,
        [
            ("2026-11-30T00:00:00Z".to_string(), "2026-12-01T00:00:00Z".to_string()),
            ("2026-12-10T00:00:00Z".to_string(), "2026-12-11T00:00:00Z".to_string()),
            ("2026-12-20T00:00:00Z".to_string(), "2026-12-21T00:00:00Z".to_string()),
        ]
    );
    let w = r.next_window(Some(&last), &utc("2026-12-01T00:00:00Z")).unwrap();
    assert_eq!(fmt(&w.start), "2026-12-10T00:00:00Z");
}

#[test]
fn windows_in_a_zone_with_dst() {
    let ny = chrono_tz::America::New_York;
    // 2026-03-08: the day has 23 hours; the window from 00:00 to the end of
    // the day lasts 23 hours and closes at the next local midnight.
    let r = rules("cron(0 0 * * ? *)", None).unwrap();
    let w = r
        .windows_after(&ny.with_ymd_and_hms(2026, 3, 7, 12, 0, 0).unwrap())
        .next()
        .unwrap();
    assert_eq!(fmt(&w.start), "2026-03-08T00:00:00-05:00");
    assert_eq!(fmt(&w.end), "2026-03-09T00:00:00-04:00");
    assert_eq!((w.end - w.start).num_hours(), 23);
    // An explicit duration is elapsed time: 01:00 EST + 3h = 05:00 EDT.
    let r = rules("cron(0 1 * * ? *)", Some("3h")).unwrap();
    let w = r
        .windows_after(&ny.with_ymd_and_hms(2026, 3, 7, 12, 0, 0).unwrap())
        .next()
        .unwrap();
    assert_eq!(
        (fmt(&w.start), fmt(&w.end)),
        ("2026-03-08T01:00:00-05:00".into(), "2026-03-08T05:00:00-04:00".into())
    );
    // A shifted start is flagged on the window too.
    let r = rules("cron(30 2 * * ? *)", Some("1h")).unwrap();
    let w = r
        .windows_after(&ny.with_ymd_and_hms(2026, 3, 7, 12, 0, 0).unwrap())
        .next()
        .unwrap();
    assert!(w.shifted);
    assert_eq!(
        (fmt(&w.start), fmt(&w.end)),
        ("2026-03-08T03:00:00-04:00".into(), "2026-03-08T04:00:00-04:00".into())
    );
}

#[test]
fn windows_of_a_schedule_that_stops() {
    let r = rules("cron(0 10 1 1 ? 2030)", None).unwrap();
    let mut it = r.windows_after(&Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap());
    assert!(it.next().is_some());
    assert!(it.next().is_none());
    assert!(it.next().is_none());
}

#[test]
fn public_types_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<RotationRules>();
    check::<WindowDuration>();
    check::<rotaplan::PlanError>();
    check::<rotaplan::Window<chrono_tz::Tz>>();
    check::<rotaplan::Occurrence<Utc>>();
    check::<rotaplan::plan::Occurrences<chrono_tz::Tz>>();
    check::<rotaplan::plan::Windows<Utc>>();
    check::<rotaplan::expr::Description<'static>>();
}

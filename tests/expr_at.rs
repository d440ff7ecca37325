//! `at(...)` (EventBridge Scheduler): one occurrence, at its wall time in the
//! zone, under the DST policy.

use chrono::{TimeZone, Utc};
use chrono_tz::America::New_York;
use rotaplan::expr::{Profile, Schedule};

fn at(s: &str) -> Schedule {
    Schedule::parse_with(s, Profile::Scheduler).unwrap()
}

#[test]
fn exactly_one_occurrence_in_utc() {
    let s = at("at(2026-12-01T09:30:15)");
    let from = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let all: Vec<_> = s.occurrences_after(&from).map(|o| o.at.to_rfc3339()).collect();
    assert_eq!(all, ["2026-12-01T09:30:15+00:00"]);
    // Not after itself, and found going backwards from later.
    let when = Utc.with_ymd_and_hms(2026, 12, 1, 9, 30, 15).unwrap();
    assert!(s.next_after(&when).is_none());
    assert_eq!(s.prev_before(&(when + chrono::Duration::seconds(1))).unwrap().at, when);
    assert!(s.prev_before(&when).is_none());
}

#[test]
fn wall_time_in_the_zone_with_dst() {
    // 02:30 does not exist in New York on 2026-03-08: first instant after the gap.
    let s = at("at(2026-03-08T02:30:00)");
    let from = New_York.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
    let all: Vec<_> = s
        .occurrences_after(&from)
        .map(|o| (o.at.to_rfc3339(), o.shifted))
        .collect();
    assert_eq!(all, [("2026-03-08T03:00:00-04:00".to_string(), true)]);
    // 01:30 happens twice on 2026-11-01: the first one.
    let s = at("at(2026-11-01T01:30:00)");
    let o = s.next_after(&from).unwrap();
    assert_eq!(o.at.to_rfc3339(), "2026-11-01T01:30:00-04:00");
}

#[test]
fn display_round_trips_and_describes() {
    let s = at("at(2030-07-04T00:00:00)");
    assert_eq!(s.to_string(), "at(2030-07-04T00:00:00)");
    assert_eq!(Schedule::parse_with(&s.to_string(), Profile::Scheduler).unwrap(), s);
    assert_eq!(s.describe().to_string(), "once, at 2030-07-04 00:00:00 UTC");
}

#[test]
fn either_unit_form_only_for_scheduler() {
    // Any value takes either form under the Scheduler (with a warning, see
    // expr_rate.rs); EventBridge rules want singular for 1, plural otherwise.
    for (e, agrees) in [
        ("rate(1 minutes)", false),
        ("rate(1 minute)", true),
        ("rate(1 hours)", false),
        ("rate(1 days)", false),
        ("rate(5 minute)", false),
        ("rate(5 minutes)", true),
        ("rate(24 hour)", false),
    ] {
        assert!(Schedule::parse_with(e, Profile::Scheduler).is_ok(), "{e}");
        assert_eq!(Schedule::parse_with(e, Profile::EventBridge).is_ok(), agrees, "{e}");
    }
    // EventBridge rules below cron are shared.
    assert!(Schedule::parse_with("cron(0/5 * * * ? *)", Profile::Scheduler).is_ok());
    assert!(Schedule::parse_with("cron(0 0 ? * 1/2 *)", Profile::Scheduler).is_err());
}

#[test]
fn at_is_refused_outside_scheduler() {
    for p in [Profile::SecretsManager, Profile::EventBridge] {
        assert!(Schedule::parse_with("at(2030-07-04T00:00:00)", p)
            .unwrap_err()
            .is_profile_violation());
    }
}

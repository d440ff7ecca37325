//! `plan EXPR --format ics`, read back by a real iCalendar parser (the
//! `icalendar` crate) and compared with the JSON plan of the same windows.
#![cfg(feature = "cli")]

use std::process::Command;

use chrono::{DateTime, TimeZone, Utc};
use icalendar::{Calendar, CalendarDateTime, Component, DatePerhapsTime};

fn plan(args: &[&str]) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_plan"))
        .args(args)
        .output()
        .expect("run plan");
    assert_eq!(
        o.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

/// (start, end) of each window of the JSON plan, in UTC.
fn json_windows(args: &[&str]) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let mut args = args.to_vec();
    args.extend(["--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&plan(&args)).unwrap();
    let t = |s: &serde_json::Value| {
        DateTime::parse_from_rfc3339(s.as_str().unwrap())
            .unwrap()
            .with_timezone(&Utc)
    };
    v["windows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| (t(&w["start"]), t(&w["end"])))
        .collect()
}

/// An iCalendar date-time as an instant; a repeated local time is its
/// first occurrence (RFC 5545 3.3.5).
fn instant(d: DatePerhapsTime) -> DateTime<Utc> {
    match d {
        DatePerhapsTime::DateTime(CalendarDateTime::Utc(t)) => t,
        DatePerhapsTime::DateTime(CalendarDateTime::WithTimezone { date_time, tzid }) => {
            let tz: chrono_tz::Tz = tzid.parse().unwrap();
            tz.from_local_datetime(&date_time)
                .earliest()
                .unwrap()
                .with_timezone(&Utc)
        }
        other => panic!("expected a UTC or TZID date-time, got {other:?}"),
    }
}

/// The plan as an .ics file, checked line by line (CRLF, 75 octets), then
/// parsed: (uid, start, end, summary) per event.
/// (uid, start, end, summary) of one parsed event.
type Parsed = (String, DateTime<Utc>, DateTime<Utc>, String);

fn ics_events(args: &[&str]) -> (String, Vec<Parsed>) {
    let mut args = args.to_vec();
    args.extend(["--format", "ics"]);
    let text = plan(&args);
    assert!(text.ends_with("END:VCALENDAR\r\n"), "{text}");
    for line in text.split_terminator("\r\n") {
        assert!(
            !line.contains('\n') && !line.contains('\r'),
            "bare line break in {line:?}"
        );
        assert!(line.len() <= 75, "{line:?} is {} octets", line.len());
    }
    let calendar: Calendar = text.parse().unwrap_or_else(|e| panic!("{e}\n{text}"));
    let events = calendar
        .components
        .iter()
        .filter_map(|c| c.as_event())
        .map(|e| {
            assert!(e.get_timestamp().is_some(), "DTSTAMP");
            let start = instant(e.get_start().expect("DTSTART"));
            let end = e.get_end().map_or(start, instant);
            (
                e.get_uid().unwrap().to_string(),
                start,
                end,
                e.get_summary().unwrap().to_string(),
            )
        })
        .collect();
    (text, events)
}

#[test]
fn utc_events_match_the_plan() {
    let args = ["cron(0 16 ? * SUN#2 *)", "--from", "2026-11-23T08:00:00Z", "-n", "12"];
    let (text, events) = ics_events(&args);
    let windows = json_windows(&args);
    assert_eq!(events.len(), 12);
    let got: Vec<_> = events.iter().map(|e| (e.1, e.2)).collect();
    assert_eq!(got, windows);
    assert!(
        text.contains("DTSTART:20261213T160000Z\r\nDTEND:20261214T000000Z\r\n"),
        "{text}"
    );
    assert_eq!(events[0].3, "Rotation window: cron(0 16 ? * SUN#2 *)");

    // UIDs: unique, and the same when the calendar is made again from
    // another instant (a subscriber updates rather than duplicates).
    let mut uids: Vec<_> = events.iter().map(|e| e.0.clone()).collect();
    uids.sort();
    uids.dedup();
    assert_eq!(uids.len(), 12);
    let (_, later) = ics_events(&["cron(0 16 ? * SUN#2 *)", "--from", "2027-01-01T00:00:00Z", "-n", "2"]);
    assert_eq!(later[0].0, events[1].0);
    assert_eq!(later[1].0, events[2].0);
}

#[test]
fn zoned_events_across_both_dst_changes() {
    // London: 01:30 on the fall-back Sunday is the first pass; a 60-minute
    // window ends at 01:30 again, in the second pass, which only UTC can name.
    let args = [
        "cron(30 1 ? * SUN *)",
        "--profile",
        "eventbridge",
        "--flexible-window",
        "60m",
        "--tz",
        "Europe/London",
        "--from",
        "2026-03-20T00:00:00Z",
        "-n",
        "40",
    ];
    let (text, events) = ics_events(&args);
    let windows = json_windows(&args);
    let got: Vec<_> = events.iter().map(|e| (e.1, e.2)).collect();
    assert_eq!(got, windows);
    assert!(text.contains("BEGIN:VTIMEZONE\r\nTZID:Europe/London\r\n"), "{text}");
    assert!(
        text.contains("TZOFFSETFROM:+0000\r\nTZOFFSETTO:+0100\r\nTZNAME:BST\r\n"),
        "{text}"
    );
    assert!(
        text.contains("DTSTART;TZID=Europe/London:20261025T013000\r\nDTEND:20261025T013000Z\r\n"),
        "{text}"
    );
    // The spring-forward Sunday: 01:30 does not exist, moved to 02:00 BST.
    assert!(
        text.contains("DTSTART;TZID=Europe/London:20260329T020000\r\n"),
        "{text}"
    );
    assert!(text.contains("daylight-saving gap"), "{text}");
}

#[test]
fn occurrences_without_a_window_have_no_dtend_and_long_lines_fold() {
    let expr = "cron(0,5,10,15,20,25,30,35,40,45,50,55 0,2,4,6,8,10,12,14,16,18,20,22 ? JAN,FEB,MAR,APR,MAY,JUN,JUL MON,TUE,WED,THU,FRI 2026-2199)";
    let args = [
        expr,
        "--profile",
        "eventbridge",
        "--from",
        "2026-11-23T08:00:00Z",
        "-n",
        "3",
        "--tz",
        "Asia/Kolkata",
    ];
    let (text, events) = ics_events(&args);
    assert!(!text.contains("DTEND"), "{text}");
    assert!(text.contains("\r\n "), "expected folded lines:\n{text}");
    assert_eq!(events.len(), 3);
    for e in &events {
        assert_eq!(e.1, e.2);
        assert_eq!(e.3, format!("eventbridge {expr}"));
    }
    assert_eq!(events[0].1, Utc.with_ymd_and_hms(2026, 12, 31, 18, 30, 0).unwrap());
    // 00:00 IST
}

/// `plan calendar`: every secret's next windows from one store, as events a
/// real parser reads back, against windows worked out by hand.
#[cfg(feature = "sqlite")]
#[test]
fn calendar_over_a_store() {
    let dir = std::env::temp_dir().join(format!("rotaplan-cli-calendar-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let run = |args: &[&str]| {
        let o = Command::new(env!("CARGO_BIN_EXE_plan"))
            .args(args)
            .current_dir(&dir)
            .env("ROTAPLAN_KEY_FILE", dir.join("master.key"))
            .env_remove("ROTAPLAN_MASTER_KEY")
            .output()
            .expect("run plan");
        assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    };
    run(&["key", "generate", "master.key"]);
    run(&[
        "secret",
        "create",
        "db/main",
        "--generate",
        "--schedule",
        "cron(0 16 ? * SUN#2 *)",
        "--duration",
        "3h",
    ]);
    run(&[
        "secret",
        "create",
        "app/key",
        "--generate",
        "--schedule",
        "cron(0 4 1 * ? *)",
    ]);
    run(&["secret", "create", "static", "--generate"]);

    let text = run(&["calendar", "-n", "2", "--from", "2026-11-23T08:00:00Z"]);
    let _ = std::fs::remove_dir_all(&dir);
    let calendar: Calendar = text.parse().unwrap_or_else(|e| panic!("{e}\n{text}"));
    let mut got: Vec<(String, DateTime<Utc>, DateTime<Utc>)> = calendar
        .components
        .iter()
        .filter_map(|c| c.as_event())
        .map(|e| {
            let start = instant(e.get_start().expect("DTSTART"));
            (
                e.get_summary().unwrap().to_string(),
                start,
                e.get_end().map_or(start, instant),
            )
        })
        .collect();
    got.sort();
    let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
    // Second Sundays at 16:00 for 3 hours; the 1st of each month at 04:00
    // to the end of that UTC day; nothing for the secret without rotation.
    let want = vec![
        (
            "Rotate app/key".to_string(),
            t("2026-12-01T04:00:00Z"),
            t("2026-12-02T00:00:00Z"),
        ),
        (
            "Rotate app/key".to_string(),
            t("2027-01-01T04:00:00Z"),
            t("2027-01-02T00:00:00Z"),
        ),
        (
            "Rotate db/main".to_string(),
            t("2026-12-13T16:00:00Z"),
            t("2026-12-13T19:00:00Z"),
        ),
        (
            "Rotate db/main".to_string(),
            t("2027-01-10T16:00:00Z"),
            t("2027-01-10T19:00:00Z"),
        ),
    ];
    assert_eq!(got, want, "{text}");
}

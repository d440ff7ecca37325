//! `plan EXPR ...` end to end: stdout, stderr and exit codes.
#![cfg(feature = "cli")]

use std::process::{Command, Output};

fn plan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plan"))
        .args(args)
        .output()
        .expect("run plan")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

#[test]
fn table_for_people() {
    let o = plan(&["cron(0 16 ? * SUN#2 *)", "--from", "2026-11-23T08:00:00Z", "-n", "3"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "\
cron(0 16 ? * SUN#2 *): at 16:00 UTC on the second Sunday of every month
secrets-manager profile, windows to the end of the day, times in UTC, from 2026-11-23T08:00:00Z

START                 END                   WEEKDAY  STARTS
2026-12-13T16:00:00Z  2026-12-14T00:00:00Z  Sunday   in 20d 8h
2027-01-10T16:00:00Z  2027-01-11T00:00:00Z  Sunday   in 48d 8h
2027-02-14T16:00:00Z  2027-02-15T00:00:00Z  Sunday   in 83d 8h
"
    );
    assert_eq!(stderr(&o), "");
}

#[test]
fn default_count_is_five() {
    let o = plan(&["rate(4 hours)", "--from", "2026-11-23T08:00:00Z"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    let rows: Vec<&str> = out.lines().skip(4).collect();
    assert_eq!(rows.len(), 5, "{out}");
    assert!(
        rows[0].starts_with("2026-11-23T12:00:00Z  2026-11-23T13:00:00Z  Monday   in 4h 0m"),
        "{out}"
    );
    assert!(rows[4].starts_with("2026-11-24T04:00:00Z"), "{out}");
}

#[test]
fn json_for_programs() {
    let o = plan(&[
        "cron(0 16 ? * SUN#2 *)",
        "--from",
        "2026-11-23T08:00:00Z",
        "-n",
        "2",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(
        v,
        serde_json::json!({
            "expression": "cron(0 16 ? * SUN#2 *)",
            "profile": "secrets-manager",
            "tz": "UTC",
            "windows": [
                {"start": "2026-12-13T16:00:00Z", "end": "2026-12-14T00:00:00Z", "shifted": false},
                {"start": "2027-01-10T16:00:00Z", "end": "2027-01-11T00:00:00Z", "shifted": false},
            ]
        })
    );
}

#[test]
fn json_in_a_zone_has_offsets_and_shifts() {
    let o = plan(&[
        "cron(0 2 * * ? *)",
        "--tz",
        "America/New_York",
        "--from",
        "2026-03-07T12:00:00-05:00",
        "-n",
        "2",
        "--duration",
        "1h",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["tz"], "America/New_York");
    assert_eq!(
        v["windows"],
        serde_json::json!([
            {"start": "2026-03-08T03:00:00-04:00", "end": "2026-03-08T04:00:00-04:00", "shifted": true},
            {"start": "2026-03-09T02:00:00-04:00", "end": "2026-03-09T03:00:00-04:00", "shifted": false},
        ])
    );
}

#[test]
fn windows_start_strictly_after_from() {
    let o = plan(&[
        "cron(0 16 ? * SUN#2 *)",
        "--from",
        "2026-12-13T16:00:00Z",
        "-n",
        "1",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["windows"][0]["start"], "2027-01-10T16:00:00Z");
}

#[test]
fn last_rotated_anchors_rates() {
    let o = plan(&[
        "rate(10 days)",
        "--last-rotated",
        "2026-11-20T13:45:00Z",
        "--from",
        "2026-11-20T13:45:00Z",
        "-n",
        "3",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let starts: Vec<&str> = v["windows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["start"].as_str().unwrap())
        .collect();
    assert_eq!(
        starts,
        ["2026-11-30T00:00:00Z", "2026-12-10T00:00:00Z", "2026-12-20T00:00:00Z"]
    );
}

#[test]
fn invalid_expression_is_exit_1_with_the_diagnostic() {
    for format in ["table", "json"] {
        let o = plan(&["cron(0 10 15 * MON *)", "--format", format]);
        assert_eq!(o.status.code(), Some(1));
        assert_eq!(stdout(&o), "");
        assert_eq!(
            stderr(&o),
            "error: day-of-month and day-of-week cannot both be set; one must be `?`\n  \
               | cron(0 10 15 * MON *)\n  \
               |           ^^   ^^^\n"
        );
    }
}

#[test]
fn profile_decides_what_is_valid() {
    let o = plan(&["cron(30 10 * * ? *)", "--from", "2026-11-23T08:00:00Z"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("minutes must be 0"), "{}", stderr(&o));
    let o = plan(&[
        "cron(30 10 * * ? *)",
        "--from",
        "2026-11-23T08:00:00Z",
        "--profile",
        "eventbridge",
        "-n",
        "1",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("cron(30 10 * * ? *): at 10:30 UTC every day\neventbridge profile"));
}

#[test]
fn window_rules_are_exit_1() {
    let o = plan(&["cron(0 22 * * ? *)", "--duration", "4h"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        "error: a 4h window starting at 22:00 runs into the next UTC day (start hour + duration must be at most 24)\n"
    );
}

#[test]
fn usage_errors_are_exit_2() {
    for args in [
        &["cron(0 10 * * ? *)", "--duration", "25h"][..],
        &["cron(0 10 * * ? *)", "--tz", "Mars/Olympus"],
        &["cron(0 10 * * ? *)", "--from", "yesterday"],
        &["cron(0 10 * * ? *)", "--profile", "lambda"],
        &[],
    ] {
        let o = plan(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert_eq!(stdout(&o), "", "{args:?}");
        assert!(!stderr(&o).is_empty(), "{args:?}");
    }
}

#[test]
fn a_schedule_that_stops_says_so() {
    let o = plan(&[
        "cron(0 0 1 1 ? 2030)",
        "--profile",
        "eventbridge",
        "--from",
        "2026-01-01T00:00:00Z",
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stdout(&o).ends_with("in 1461d 0h\n(no more windows before the end of 2199)\n"),
        "{}",
        stdout(&o)
    );
}

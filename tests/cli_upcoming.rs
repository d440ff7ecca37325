//! `plan EXPR ...` end to end: stdout, stderr and exit codes.
#![cfg(feature = "cli")]

mod cli_util;

use cli_util::{plan, stderr, stdout};

#[test]
fn table_for_people() {
    let o = plan(&["cron(0 16 ? * SUN#2 *)", "--from", "2026-11-23T08:00:00Z", "-n", "3"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "\
cron(0 16 ? * SUN#2 *): at 16:00 UTC on the second Sunday of every month
secrets-manager profile, windows to the end of the day, times in UTC, from 2026-11-23T08:00:00Z

START                 END                   WEEKDAY    STARTS
2026-12-13T16:00:00Z  2026-12-14T00:00:00Z  Sunday     in 20d 8h
2027-01-10T16:00:00Z  2027-01-11T00:00:00Z  Sunday     in 48d 8h
2027-02-14T16:00:00Z  2027-02-15T00:00:00Z  Sunday     in 83d 8h
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
        rows[0].starts_with("2026-11-23T12:00:00Z  2026-11-23T13:00:00Z  Monday     in 4h 0m"),
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
            ],
            "complete": true
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
        &["cron(0 10 * * ? *)", "--flexible-window", "15m"],
        &["cron(0 10 * * ? *)", "--profile", "eventbridge", "--duration", "2h"],
        &[
            "cron(0 10 * * ? *)",
            "--profile",
            "eventbridge",
            "--flexible-window",
            "0m",
        ],
        &[
            "cron(0 10 * * ? *)",
            "--profile",
            "eventbridge",
            "--flexible-window",
            "1441m",
        ],
        &[
            "cron(0 10 * * ? *)",
            "--profile",
            "eventbridge",
            "--flexible-window",
            "2h",
        ],
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
        stdout(&o).ends_with("in 1461d 0h\n(no more occurrences before the end of 2199)\n"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn eventbridge_lists_occurrences_without_window_rules() {
    // Secrets Manager's rules would refuse both: minute-level, and 23:xx.
    let o = plan(&[
        "cron(0/5 * * * ? *)",
        "--profile",
        "eventbridge",
        "--from",
        "2026-11-23T23:50:00Z",
        "-n",
        "3",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "\
cron(0/5 * * * ? *): every 5 minutes every day
eventbridge profile, occurrences (no flexible window), times in UTC, from 2026-11-23T23:50:00Z

START                 WEEKDAY    STARTS
2026-11-23T23:55:00Z  Monday     in 5m
2026-11-24T00:00:00Z  Tuesday    in 10m
2026-11-24T00:05:00Z  Tuesday    in 15m
"
    );
    assert_eq!(stderr(&o), "");

    // rate(N minutes) counts from the anchor (--last-rotated, else --from).
    let o = plan(&[
        "rate(5 minutes)",
        "--profile",
        "eventbridge",
        "--from",
        "2026-11-23T23:50:00Z",
        "--last-rotated",
        "2026-11-23T23:41:00Z",
        "-n",
        "2",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(
        v,
        serde_json::json!({
            "expression": "rate(5 minutes)",
            "profile": "eventbridge",
            "tz": "UTC",
            "windows": [
                {"start": "2026-11-23T23:51:00Z", "end": "2026-11-23T23:51:00Z", "shifted": false},
                {"start": "2026-11-23T23:56:00Z", "end": "2026-11-23T23:56:00Z", "shifted": false},
            ],
            "complete": true
        })
    );
}

#[test]
fn flexible_windows_run_past_midnight_and_overlap() {
    let o = plan(&[
        "cron(0/5 23 * * ? *)",
        "--profile",
        "eventbridge",
        "--flexible-window",
        "1440m",
        "--tz",
        "Europe/London",
        "--from",
        "2026-10-24T23:52:00+01:00",
        "-n",
        "3",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    // 24 elapsed hours, across the fall-back night (so 23:00 wall time).
    assert_eq!(
        v["windows"],
        serde_json::json!([
            {"start": "2026-10-24T23:55:00+01:00", "end": "2026-10-25T22:55:00+00:00", "shifted": false},
            {"start": "2026-10-25T23:00:00+00:00", "end": "2026-10-26T23:00:00+00:00", "shifted": false},
            {"start": "2026-10-25T23:05:00+00:00", "end": "2026-10-26T23:05:00+00:00", "shifted": false},
        ])
    );
    let o = plan(&[
        "cron(0/5 23 * * ? *)",
        "--profile",
        "eventbridge",
        "--flexible-window",
        "15m",
        "--from",
        "2026-11-23T23:50:00Z",
        "-n",
        "1",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("eventbridge profile, 15m flexible windows, times in UTC"),
        "{out}"
    );
    assert!(
        out.ends_with("2026-11-23T23:55:00Z  2026-11-24T00:10:00Z  Monday     in 5m\n"),
        "{out}"
    );
}

#[test]
fn json_says_when_the_list_ended_early() {
    let o = plan(&[
        "cron(0 12 1 1 ? 2198-2199)",
        "--profile",
        "eventbridge",
        "--from",
        "2026-01-01T00:00:00Z",
        "-n",
        "100000000",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["windows"].as_array().unwrap().len(), 2);
    assert_eq!(v["complete"], false);
    let o = plan(&["rate(1 day)", "-n", "0", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["windows"], serde_json::json!([]));
    assert_eq!(v["complete"], true);
}

/// Peak resident memory of a running process, in kB.
fn peak_rss_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn output_streams_in_flat_memory_and_stops_quietly_at_a_closed_pipe() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    for format in ["table", "json"] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_plan"))
            .args([
                "rate(1 minute)",
                "--profile",
                "eventbridge",
                "--from",
                "2026-01-01T00:00:00Z",
                "-n",
                "100000000",
                "--format",
                format,
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut early = 0;
        for i in 0..300_000 {
            let line = lines.next().unwrap().unwrap();
            if i == 20_000 {
                early = peak_rss_kb(child.id());
            }
            if i == 100 && format == "json" {
                assert!(line.starts_with("    {\"start\": \"2026-01-01T01:3"), "{line}");
            }
        }
        // 280,000 more windows cost no memory: nothing is held back.
        let late = peak_rss_kb(child.id());
        assert!(
            late < early + 2_000,
            "{format}: peak RSS grew from {early} kB to {late} kB"
        );
        drop(lines);
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{format}");
        assert_eq!(String::from_utf8_lossy(&out.stderr), "", "{format}");
    }
}

#[test]
fn scheduler_at_is_one_occurrence_in_the_zone() {
    let args = [
        "at(2027-03-14T02:30:00)",
        "--profile",
        "scheduler",
        "--tz",
        "America/New_York",
        "--from",
        "2026-11-23T00:00:00Z",
        "--flexible-window",
        "15m",
        "--format",
        "json",
    ];
    let o = plan(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    // 02:30 does not exist that night: it runs at 03:00 EDT.
    assert_eq!(
        v["windows"],
        serde_json::json!([{"start": "2027-03-14T03:00:00-04:00", "end": "2027-03-14T03:15:00-04:00", "shifted": true}])
    );
    assert_eq!(v["complete"], false);
    // After it, nothing.
    let o = plan(&[
        "at(2027-03-14T02:30:00)",
        "--profile",
        "scheduler",
        "--from",
        "2027-03-15T00:00:00Z",
    ]);
    assert!(
        stdout(&o).ends_with("STARTS\n(a one-time schedule: nothing after it)\n"),
        "{}",
        stdout(&o)
    );
    // Scheduler's cron and rate list like EventBridge's.
    let o = plan(&[
        "rate(1 minute)",
        "--profile",
        "scheduler",
        "--from",
        "2026-11-23T23:59:00Z",
        "-n",
        "2",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["windows"][1]["start"], "2026-11-24T00:01:00Z");
    // at() is Scheduler's only.
    let o = plan(&["at(2027-03-14T02:30:00)"]);
    assert_eq!(o.status.code(), Some(1));
}

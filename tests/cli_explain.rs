//! `plan explain EXPR` end to end.
#![cfg(feature = "cli")]

mod cli_util;

use cli_util::{plan, stderr, stdout};

#[test]
fn nth_weekday_read_out() {
    let o = plan(&[
        "explain",
        "cron(0 16 ? * SUN#2 *)",
        "--from",
        "2026-11-23T08:00:00Z",
        "-n",
        "3",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "\
cron(0 16 ? * SUN#2 *)
  at 16:00 UTC on the second Sunday of every month
  valid for the secrets-manager profile

Fields
  minutes       0      `0`: minute 0 of the hour
  hours         16     `16`: hour 16 (16:00 to 16:59)
  day-of-month  ?      `?`: no specific day: the day-of-week field chooses the days
  month         *      `*`: every month
  day-of-week   SUN#2  `SUN#2`: the second Sunday of the month (`#k`: the k-th one); months without one are skipped
  year          *      `*`: every year (1970–2199, the range AWS accepts)

Next occurrences in UTC after 2026-11-23T08:00:00Z
  2026-12-13T16:00:00Z  Sunday
  2027-01-10T16:00:00Z  Sunday
  2027-02-14T16:00:00Z  Sunday

No warnings.
"
    );
    assert_eq!(stderr(&o), "");
}

#[test]
fn lists_and_steps_item_by_item() {
    let o = plan(&[
        "explain",
        "cron(0/15 8-18/2,23 ? JAN-MAR,6 MON-FRI,SAT 2030/5)",
        "--profile",
        "eventbridge",
        "--from",
        "2026-11-23T08:00:00Z",
        "-n",
        "2",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    for line in [
        "  minutes       0/15         `0/15`: every 15 minutes from :00 to :59, restarting each hour: :00, :15, :30 and :45\n",
        "  hours         8-18/2,23    `8-18/2`: every 2 hours from 08:xx to 18:xx, restarting each day: 08:xx, 10:xx, 12:xx, 14:xx, 16:xx and 18:xx\n                             `23`: hour 23 (23:00 to 23:59)\n",
        "  month         JAN-MAR,6    `JAN-MAR`: January to March, inclusive\n                             `6`: June\n",
        "`SAT`: Saturday (day-of-week 7; 1 is Sunday)\n",
        "`2030/5`: every 5 years from 2030 to 2199: 2030, 2035, 2040, 2045, 2050, 2055, 2060, 2065, … (34 values)\n",
        "  2030-01-01T08:00:00Z  Tuesday\n  2030-01-01T08:15:00Z  Tuesday\n",
    ] {
        assert!(out.contains(line), "missing {line:?} in\n{out}");
    }
}

#[test]
fn l_w_and_hash_mean_what_they_mean_there() {
    for (expr, profile, meaning) in [
        (
            "cron(0 10 L * ? *)",
            "secrets-manager",
            "`L`: the last day of the month (28th to 31st)",
        ),
        (
            "cron(0 10 ? * L *)",
            "eventbridge",
            "`L`: alone in day-of-week, the last day of the week: Saturday",
        ),
        (
            "cron(0 10 ? * 6L *)",
            "eventbridge",
            "`6L`: the last Friday of the month",
        ),
        (
            "cron(0 10 LW * ? *)",
            "eventbridge",
            "`LW`: the last weekday (Monday to Friday) of the month",
        ),
        (
            "cron(0 10 15W * ? *)",
            "eventbridge",
            "`15W`: the weekday (Monday to Friday) nearest day 15, never leaving the month",
        ),
        (
            "cron(0 10 L-3 * ? *)",
            "eventbridge",
            "`L-3`: 3 days before the last day of the month",
        ),
        (
            "cron(0 10 ? * 2#5 *)",
            "eventbridge",
            "`2#5`: the fifth Monday of the month (`#k`: the k-th one); months without one are skipped",
        ),
    ] {
        let o = plan(&[
            "explain",
            expr,
            "--profile",
            profile,
            "-n",
            "1",
            "--from",
            "2026-11-23T08:00:00Z",
        ]);
        assert_eq!(o.status.code(), Some(0), "{expr}: {}", stderr(&o));
        assert!(stdout(&o).contains(meaning), "{expr}:\n{}", stdout(&o));
    }
}

#[test]
fn warnings_next_occurrences_in_a_zone_and_the_end_of_range() {
    let o = plan(&[
        "explain",
        "cron(0 2 15W * ? *)",
        "--tz",
        "America/New_York",
        "-n",
        "1",
        "--from",
        "2026-03-01T00:00:00-05:00",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("Next occurrences in America/New_York after 2026-03-01T00:00:00-05:00\n  2026-03-16T02:00:00-04:00  Monday\n"), "{out}");
    assert!(
        out.ends_with("Warnings\n  column 10: `W` in day-of-month is not documented for Secrets Manager\n"),
        "{out}"
    );

    let o = plan(&[
        "explain",
        "cron(0 2 8 3 ? 2026)",
        "--profile",
        "eventbridge",
        "--tz",
        "America/New_York",
        "--from",
        "2026-01-01T00:00:00Z",
    ]);
    let out = stdout(&o);
    assert!(
        out.contains(
            "  2026-03-08T03:00:00-04:00  Sunday  (moved out of a DST gap)\n  (no more before the end of 2199)\n"
        ),
        "{out}"
    );
}

#[test]
fn rates_and_invalid_expressions() {
    let o = plan(&["explain", "rate(10 days)", "-n", "0"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stdout(&o).contains("  value  10      how many units between occurrences\n  unit   days    "),
        "{}",
        stdout(&o)
    );
    let o = plan(&["explain", "cron(0 10 15 * MON *)"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stdout(&o), "");
    assert!(
        stderr(&o).starts_with("error: day-of-month and day-of-week cannot both be set"),
        "{}",
        stderr(&o)
    );
    let o = plan(&["explain"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn one_time_schedules() {
    let o = plan(&[
        "explain",
        "at(2027-03-14T02:30:00)",
        "--profile",
        "scheduler",
        "--tz",
        "America/New_York",
        "--from",
        "2026-11-23T00:00:00Z",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("  date  2027-03-14  the day, in --tz (America/New_York)\n"),
        "{out}"
    );
    assert!(
        out.contains("  2027-03-14T03:00:00-04:00  Sunday  (moved out of a DST gap)\n  (a one-time schedule)\n"),
        "{out}"
    );
}

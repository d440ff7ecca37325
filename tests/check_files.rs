//! `rotaplan::check` on realistic repositories: CloudFormation YAML and
//! JSON (pretty with tabs, and minified CDK output), SAM, Serverless and
//! Terraform, with comments (and commented-out bad expressions), block
//! scalars, flow mappings, intrinsics and mixed resources. Every finding is
//! asserted with its line and column, worked out by hand from the fixture
//! (columns count characters; a tab is one).

use rotaplan::check::{check_file, Entry, Options};

const REPO: &str = "tests/fixtures/check/repo";

fn entries(file: &str) -> Vec<Entry> {
    let path = format!("{REPO}/{file}");
    let content = std::fs::read(&path).unwrap();
    check_file(Some(&path), &content, &Options::new()).unwrap()
}

/// `(line, column, rule, resource, path)` of every error.
fn errors(entries: &[Entry]) -> Vec<(usize, usize, String, String, String)> {
    entries
        .iter()
        .flat_map(|e| {
            e.errors.iter().map(|d| {
                (
                    d.pos.line,
                    d.pos.column,
                    d.rule.id().to_owned(),
                    e.resource.clone().unwrap_or_default(),
                    e.path.clone().unwrap_or_default(),
                )
            })
        })
        .collect()
}

/// `(line, column, resource, why)` of every skipped value.
fn skipped(entries: &[Entry]) -> Vec<(usize, usize, String, String)> {
    entries
        .iter()
        .filter_map(|e| {
            e.skipped.as_ref().map(|why| {
                (
                    e.pos.line,
                    e.pos.column,
                    e.resource.clone().unwrap_or_default(),
                    why.clone(),
                )
            })
        })
        .collect()
}

fn e(line: usize, column: usize, rule: &str, resource: &str, path: &str) -> (usize, usize, String, String, String) {
    (line, column, rule.into(), resource.into(), path.into())
}

fn s(line: usize, column: usize, resource: &str, why: &str) -> (usize, usize, String, String) {
    (line, column, resource.into(), why.into())
}

fn no_warnings(entries: &[Entry]) {
    for e in entries {
        assert!(e.warnings.is_empty(), "{e:?}");
    }
}

#[test]
fn cloudformation_yaml() {
    let found = entries("cfn.yaml");
    assert_eq!(
        errors(&found),
        [
            // `>-` block scalar `rate(4 hours)` (line 25): windows every 4 hours, 5h too long.
            e(
                26,
                19,
                "rotation-window",
                "DbRotation",
                "Properties.RotationRules.Duration"
            ),
            // Flow mapping.
            e(
                31,
                47,
                "rotation-days",
                "ApiRotation",
                "Properties.RotationRules.AutomaticallyAfterDays"
            ),
            e(
                38,
                30,
                "rotation-exclusive",
                "BothRotation",
                "Properties.RotationRules.ScheduleExpression"
            ),
            // Day-of-month `*` at column 11 of the expression, inside a flow mapping.
            e(52, 49, "schedule-expression", "Broken", "Properties.ScheduleExpression"),
            e(58, 35, "timezone", "Report", "Properties.ScheduleExpressionTimezone"),
            e(
                61,
                33,
                "flexible-window",
                "Report",
                "Properties.FlexibleTimeWindow.MaximumWindowInMinutes"
            ),
            // 2027 is no leap year: the date at column 4 of `at(...)`.
            e(68, 30, "schedule-expression", "OneOff", "Properties.ScheduleExpression"),
        ]
    );
    assert_eq!(
        skipped(&found),
        // The true branch is checked; the false one names `Days`, which the
        // template does not declare: the whole `!If` waits for the deploy.
        [s(
            44,
            29,
            "ParamRotation",
            "`${Days}` names no parameter of the template, resolved at deploy time"
        )]
    );
    // Checked and valid: the `>-` rate, Duration 2h, AutomaticallyAfterDays 30, the
    // EventBridge `rate(5 minutes)`, the `|-` Scheduler cron and its Mode, Mode "OFF".
    let valid: Vec<(usize, usize)> = found
        .iter()
        .filter(|e| e.is_valid())
        .map(|e| (e.pos.line, e.pos.column))
        .collect();
    assert_eq!(
        valid,
        [(25, 11), (31, 63), (37, 33), (48, 27), (57, 9), (60, 15), (69, 36)]
    );
    no_warnings(&found);
}

#[test]
fn cloudformation_json_with_tabs_escapes_and_intrinsics() {
    let found = entries("cfn.json");
    assert_eq!(
        errors(&found),
        [
            // cron(0 22 ...) with a 3h window runs past midnight UTC.
            e(
                10,
                19,
                "rotation-window",
                "NightRotation",
                "Properties.RotationRules.Duration"
            ),
            // Missing `)`: at the end of the expression (column 18).
            e(35, 59, "schedule-expression", "Typo", "Properties.ScheduleExpression"),
        ]
    );
    assert_eq!(
        skipped(&found),
        [s(
            18,
            45,
            "SubRotation",
            "`${Days}` names no parameter of the template, resolved at deploy time"
        )]
    );
    // `\u002A` is `*`: valid once decoded; the Description's text is no value.
    let escaped = found.iter().find(|e| e.resource.as_deref() == Some("Escaped")).unwrap();
    assert_eq!(
        (escaped.value.as_str(), escaped.is_valid()),
        ("cron(0 12 * * ? *)", true)
    );
    assert_eq!(found.len(), 8);
}

#[test]
fn minified_cdk_output() {
    let found = entries("cdk.template.json");
    assert_eq!(
        errors(&found),
        [e(
            1,
            180,
            "schedule-expression",
            "RotationSchedule8B7E2B5C",
            "Properties.RotationRules.ScheduleExpression"
        )]
    );
    // `rate(1 minute)` on an AWS::Events::Rule is fine.
    assert_eq!(found.len(), 2);
}

#[test]
fn sam_schedule_and_schedule_v2_events() {
    let found = entries("sam.yaml");
    assert_eq!(
        errors(&found),
        [
            // EventBridge: 1 takes the singular.
            e(
                19,
                42,
                "schedule-expression",
                "Nightly",
                "Properties.Events.Bad.Properties.Schedule"
            ),
            e(
                27,
                39,
                "flexible-window",
                "Nightly",
                "Properties.Events.V2.Properties.FlexibleTimeWindow.MaximumWindowInMinutes"
            ),
            // `>` keeps the line break: AWS gets "cron(0 * * * ? *)\n".
            e(
                43,
                15,
                "schedule-expression",
                "Machine",
                "Properties.Events.Hourly.Properties.ScheduleExpression"
            ),
            e(
                45,
                21,
                "flexible-window",
                "Machine",
                "Properties.Events.Hourly.Properties.FlexibleTimeWindow.Mode"
            ),
        ]
    );
    assert_eq!(
        skipped(&found),
        [s(
            31,
            33,
            "Nightly",
            "`${Minutes}` names no parameter of the template, resolved at deploy time"
        )]
    );
    // The Scheduler takes `rate(1 minutes)` (line 23), with a warning that
    // an EventBridge rule would not (spec: either unit form, warned about);
    // `minutes` starts at column 33 + 7.
    let v2 = found.iter().find(|e| e.pos.line == 23).unwrap();
    assert!(v2.is_valid() && v2.is_expression, "{v2:?}");
    let warned: Vec<_> = v2
        .warnings
        .iter()
        .map(|d| (d.pos.line, d.pos.column, d.message.as_str()))
        .collect();
    assert_eq!(
        warned,
        [(
            23,
            40,
            "an EventBridge rule would reject `minutes` with 1; it expects `minute`"
        )]
    );
    let others: Vec<_> = found.into_iter().filter(|e| e.pos.line != 23).collect();
    no_warnings(&others);
}

#[test]
fn serverless_schedules() {
    let found = entries("serverless.yml");
    assert_eq!(
        errors(&found),
        [
            e(
                21,
                26,
                "schedule-expression",
                "functions.report",
                "events[0].schedule.rate[1]"
            ),
            e(32, 33, "schedule-expression", "functions.tz", "events[1].schedule.rate"),
            e(
                41,
                21,
                "rotation-window",
                "resources.Resources.Rotation",
                "Properties.RotationRules.Duration"
            ),
        ]
    );
    assert_eq!(skipped(&found), []);
    // `${self:custom.reportRate}` is `rate(1 hour)` (line 7, column 15): valid.
    let report = found
        .iter()
        .find(|e| e.pos == rotaplan::check::Pos::new(23, 19))
        .unwrap();
    assert!(report.is_valid(), "{report:?}");
    let r = &report.resolved[0];
    assert_eq!(
        (r.value.as_str(), r.from[0].place.as_str(), r.from[0].pos),
        ("rate(1 hour)", "custom.reportRate", rotaplan::check::Pos::new(7, 15))
    );
    // `method: scheduler` takes `rate(1 hours)` and `at(...)`, and checks the zone.
    let tz: Vec<(usize, usize, Option<&str>)> = found
        .iter()
        .filter(|e| e.resource.as_deref() == Some("functions.tz") && e.is_valid())
        .map(|e| (e.pos.line, e.pos.column, e.profile.map(|p| p.name())))
        .collect();
    assert_eq!(
        tz,
        [
            (30, 18, Some("scheduler")),
            (30, 34, Some("scheduler")),
            (31, 21, Some("scheduler"))
        ]
    );
    assert_eq!(found.len(), 11);
}

#[test]
fn terraform() {
    let found = entries("schedules.tf");
    assert_eq!(
        errors(&found),
        [
            e(
                20,
                28,
                "rotation-window",
                "aws_secretsmanager_secret_rotation.db",
                "rotation_rules.duration"
            ),
            e(
                27,
                32,
                "rotation-days",
                "aws_secretsmanager_secret_rotation.api",
                "rotation_rules.automatically_after_days"
            ),
            // The schedule is `local.nightly`, resolved to `cron(0 3 * * ? *)`:
            // the error sits on the schedule, as with two literals.
            e(
                35,
                32,
                "rotation-exclusive",
                "aws_secretsmanager_secret_rotation.both",
                "rotation_rules.schedule_expression"
            ),
            // A heredoc ends with a line break, as Terraform reads it.
            e(
                55,
                5,
                "schedule-expression",
                "aws_scheduler_schedule.report",
                "schedule_expression"
            ),
            e(
                57,
                35,
                "timezone",
                "aws_scheduler_schedule.report",
                "schedule_expression_timezone"
            ),
            e(
                60,
                33,
                "flexible-window",
                "aws_scheduler_schedule.report",
                "flexible_time_window.maximum_window_in_minutes"
            ),
        ]
    );
    // `local.nightly` (line 10) and `var.hour` (default 3, line 6) resolve.
    assert_eq!(skipped(&found), []);
    let templated = found
        .iter()
        .find(|e| e.pos == rotaplan::check::Pos::new(49, 25))
        .unwrap();
    assert!(templated.is_valid(), "{templated:?}");
    assert_eq!(templated.value, "cron(0 ${var.hour} * * ? *)");
    let r = &templated.resolved[0];
    assert_eq!(r.value, "cron(0 3 * * ? *)");
    assert_eq!(
        (r.from[0].name.as_str(), r.from[0].place.as_str(), r.from[0].pos),
        ("var.hour", "variable.hour.default", rotaplan::check::Pos::new(6, 13))
    );
    no_warnings(&found);
}

#[test]
fn syntax_errors_have_positions() {
    let cases: [(&str, &str, (usize, usize)); 4] = [
        ("t.yaml", "Resources:\n  R: {Type: x\n  S: 1\n", (3, 4)),
        ("t.json", "{\"Resources\": {\"R\": 1,}}", (1, 22)),
        ("t.tf", "resource \"a\" \"b\" {\n  x = \n}\n", (2, 7)),
        ("t.yaml", "a: 'unterminated\n", (1, 4)),
    ];
    for (name, text, (line, column)) in cases {
        let err = check_file(Some(name), text.as_bytes(), &Options::new()).unwrap_err();
        assert_eq!((err.pos.line, err.pos.column), (line, column), "{name}: {err}");
    }
}

#[test]
fn max_interval_on_rotation_rules() {
    let template = "Resources:\n  A:\n    Type: AWS::SecretsManager::RotationSchedule\n    Properties:\n      \
                    RotationRules: {AutomaticallyAfterDays: 30}\n  B:\n    Type: AWS::SecretsManager::RotationSchedule\n    \
                    Properties:\n      RotationRules:\n        ScheduleExpression: cron(0 0 1 * ? *)\n  C:\n    \
                    Type: AWS::Events::Rule\n    Properties:\n      ScheduleExpression: rate(365 days)\n";
    let opts = Options::new().max_interval("30d".parse().unwrap());
    let found = check_file(Some("t.yaml"), template.as_bytes(), &opts).unwrap();
    // A: 30 days is allowed. B: January 1st to February 1st is 31 days.
    // C is an EventBridge rule, not a rotation: no policy.
    assert_eq!(
        errors(&found),
        [e(
            10,
            29,
            "max-interval",
            "B",
            "Properties.RotationRules.ScheduleExpression"
        )]
    );
    assert_eq!(
        found[1].errors[0].message,
        "rotations can be 31d apart (1970-01-01T00:00Z to 1970-02-01T00:00Z), more than the maximum interval 30d"
    );
    let opts = Options::new().max_interval("29d".parse().unwrap());
    let found = check_file(Some("t.yaml"), template.as_bytes(), &opts).unwrap();
    assert_eq!(
        errors(&found),
        [
            e(
                5,
                47,
                "max-interval",
                "A",
                "Properties.RotationRules.AutomaticallyAfterDays"
            ),
            e(
                10,
                29,
                "max-interval",
                "B",
                "Properties.RotationRules.ScheduleExpression"
            ),
        ]
    );
}

#[test]
fn terraform_json() {
    let found = entries("main.tf.json");
    assert_eq!(
        errors(&found),
        [
            // `rate(1 days)`: the unit at column 8 of the value at column 53.
            e(
                7,
                60,
                "schedule-expression",
                "aws_secretsmanager_secret_rotation.db",
                "rotation_rules.schedule_expression"
            ),
            e(
                14,
                83,
                "flexible-window",
                "aws_scheduler_schedule.report",
                "flexible_time_window.maximum_window_in_minutes"
            ),
        ]
    );
    assert_eq!(
        skipped(&found),
        [s(
            12,
            33,
            "aws_scheduler_schedule.report",
            // schedules.tf beside it declares `hour`, not `schedule`.
            "`var.schedule` is declared in no .tf file of its directory, resolved at plan time"
        )]
    );
    assert_eq!(found.len(), 6);
}

/// A Serverless service for another cloud deploys nothing to AWS: its
/// five-field cron (OpenWhisk's, as in the serverless/examples repository)
/// is not AWS's to reject. A provider named by a variable is still read.
#[test]
fn serverless_for_another_provider_is_not_checked() {
    let check = |text: &str| {
        let found = check_file(Some("serverless.yml"), text.as_bytes(), &Options::new()).unwrap();
        found.iter().map(|e| e.errors.len()).sum::<usize>()
    };
    let service = |provider: &str| {
        format!("service: s\n{provider}\nfunctions:\n  cron:\n    handler: h\n    events:\n      - schedule: cron(* * * * *)\n")
    };
    assert_eq!(check(&service("provider:\n  name: openwhisk")), 0);
    assert_eq!(check(&service("provider: azure")), 0);
    assert_eq!(check(&service("provider:\n  name: aws")), 1);
    assert_eq!(check(&service("provider:\n  name: ${env:PROVIDER}")), 1);
    assert_eq!(check(&service("")), 1);
}

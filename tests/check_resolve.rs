//! Values known before deploy (spec: "Values known before deploy (what
//! `plan check` resolves)"): CloudFormation parameters, mappings, `Fn::If`,
//! `Fn::Sub`, `Fn::Join` in YAML (short and long forms) and JSON; Terraform
//! `var.x` from `.tfvars` files and defaults, `local.x` and templates;
//! Serverless `${self:...}` and fallbacks. And where resolution stops: SSM
//! parameter types, pseudo parameters, parameters with no value, `GetAtt`,
//! imports, other variable sources. Every finding is asserted with its line,
//! column and message, worked out by hand from the fixtures under
//! tests/fixtures/check/resolve (columns count characters).

use rotaplan::check::{check_file, Entry, Format, Options, Pos, Report};

const DIR: &str = "tests/fixtures/check/resolve";

fn entries(file: &str) -> Vec<Entry> {
    let path = format!("{DIR}/{file}");
    let content = std::fs::read(&path).unwrap();
    check_file(Some(&path), &content, &Options::new()).unwrap()
}

/// `(line, column, message)` of every error.
fn errors(entries: &[Entry]) -> Vec<(usize, usize, String)> {
    entries
        .iter()
        .flat_map(|e| e.errors.iter().map(|d| (d.pos.line, d.pos.column, d.message.clone())))
        .collect()
}

/// `(line, column, why)` of every skipped value.
fn skipped(entries: &[Entry]) -> Vec<(usize, usize, String)> {
    entries
        .iter()
        .filter_map(|e| e.skipped.as_ref().map(|why| (e.pos.line, e.pos.column, why.clone())))
        .collect()
}

fn at(line: usize, column: usize, text: &str) -> (usize, usize, String) {
    (line, column, text.to_owned())
}

fn entry_at(entries: &[Entry], line: usize, column: usize) -> &Entry {
    entries
        .iter()
        .find(|e| e.pos == Pos::new(line, column))
        .unwrap_or_else(|| panic!("no entry at {line}:{column}"))
}

#[test]
fn cloudformation_yaml_parameters_mappings_conditions_and_sub() {
    let found = entries("template.yaml");
    assert_eq!(
        errors(&found),
        [
            // `!Sub` at 42:29; of 30, 90 and 1001 (line 12) only the last breaks a rule.
            at(
                42,
                29,
                "rate(${RotationDays} days) with RotationDays=1001 (Parameters.RotationDays.AllowedValues[2], line 12): \
                 Secrets Manager rotates at least every 1000 days"
            ),
            // Stage is dev or prod (line 8): dev selects `rate(1 hours)` (line 26).
            at(
                46,
                27,
                "!FindInMap with Stage=dev (Parameters.Stage.AllowedValues[0], line 8), \
                 Mappings.StageConfig.dev.Report=rate(1 hours) (line 26): wrong unit for this rate value; expected `hour`"
            ),
            // Long-form `Fn::Sub:` (51:9) with a variable map; ReportHour's Default is 25 (line 16).
            at(
                51,
                9,
                "cron(0 ${Hour} * * ? *) with ReportHour=25 (Parameters.ReportHour.Default, line 16): \
                 hours value out of range; expected 0-23"
            ),
            // Both branches: the false one is `rate(1 minutes)`.
            at(
                57,
                27,
                "!If with IsProd=false (Fn::If, line 57): wrong unit for this rate value; expected `minute`"
            ),
            // A SAM ScheduleV2 event, and its time zone from an `!If`.
            at(
                91,
                33,
                "cron(0 ${ReportHour} * * ? *) with ReportHour=25 (Parameters.ReportHour.Default, line 16): \
                 hours value out of range; expected 0-23"
            ),
            at(
                92,
                41,
                "!If with IsProd=false (Fn::If, line 92): unknown time zone `Mars/Olympus`; \
                 expected an IANA name such as `Europe/Paris` or `UTC`"
            ),
        ]
    );
    assert_eq!(
        skipped(&found),
        [
            at(
                65,
                27,
                "`ScheduleFromSsm` has an SSM parameter type, resolved at deploy time"
            ),
            at(69, 27, "pseudo parameter `AWS::Region`, resolved at deploy time"),
            at(73, 27, "`Operator` has no default, resolved at deploy time"),
            at(77, 27, "`GetAtt` (`${Config.Days}`), resolved at deploy time"),
            at(81, 27, "an import (`Fn::ImportValue`), resolved at deploy time"),
        ]
    );
    // `!Join` of `rate(`, RotationDays and ` days)`: an EventBridge rule
    // takes all three values, so nothing is reported, but all were checked.
    let joined = entry_at(&found, 61, 27);
    assert!(joined.is_valid(), "{joined:?}");
    let values: Vec<&str> = joined.resolved.iter().map(|r| r.value.as_str()).collect();
    assert_eq!(values, ["rate(30 days)", "rate(90 days)", "rate(1001 days)"]);
    // The error carries the value and where it comes from.
    let d = &entry_at(&found, 42, 29).errors[0];
    let r = d.resolved.as_ref().unwrap();
    assert_eq!(r.value, "rate(1001 days)");
    assert_eq!(
        (r.from[0].name.as_str(), r.from[0].value.as_str(), r.from[0].pos),
        ("RotationDays", "1001", Pos::new(12, 29))
    );
}

#[test]
fn cloudformation_json_long_forms() {
    let found = entries("template.json");
    assert_eq!(
        errors(&found),
        [
            // Env is staging or prod (line 4); staging's rate (line 10) is too frequent.
            at(
                21,
                33,
                "Fn::FindInMap with Env=staging (Parameters.Env.AllowedValues[0], line 4), \
                 Mappings.Rates.staging.Rotation=rate(2 hours) (line 10): Secrets Manager rotates at most every 4 hours"
            ),
            at(
                22,
                23,
                "Fn::If with IsProd=false (Fn::If, line 22): invalid window duration `30h`: \
                 expected whole hours from 1 to 24 followed by `h`, e.g. `3h`"
            ),
            // A variable map whose value is a `Ref`: Days defaults to 0 (line 5).
            at(
                29,
                31,
                "rate(${N} days) with Days=0 (Parameters.Days.Default, line 5): rate value must be a positive integer"
            ),
        ]
    );
    assert_eq!(
        skipped(&found),
        [
            at(34, 44, "`Schedule` has an SSM parameter type, resolved at deploy time"),
            at(38, 44, "pseudo parameter `AWS::Region`, resolved at deploy time"),
        ]
    );
}

#[test]
fn each_distinct_invalid_choice_is_one_finding_and_valid_ones_add_nothing() {
    let yaml = "Parameters:\n  Days:\n    Type: Number\n    AllowedValues:\n      - 0\n      - 7\n      - 1001\nResources:\n  R:\n    Type: AWS::SecretsManager::RotationSchedule\n    Properties:\n      RotationRules:\n        ScheduleExpression: !Sub rate(${Days} days)\n";
    let found = check_file(Some("t.yaml"), yaml.as_bytes(), &Options::new()).unwrap();
    assert_eq!(
        errors(&found),
        [
            at(
                13,
                29,
                "rate(${Days} days) with Days=0 (Parameters.Days.AllowedValues[0], line 5): rate value must be a positive integer"
            ),
            at(
                13,
                29,
                "rate(${Days} days) with Days=1001 (Parameters.Days.AllowedValues[2], line 7): \
                 Secrets Manager rotates at least every 1000 days"
            ),
        ]
    );
    // One value, two findings; the report counts one invalid value.
    let mut report = Report::new();
    report.push("t.yaml", Ok(found));
    assert_eq!((report.checked(), report.invalid(), report.skipped()), (1, 1, 0));
}

#[test]
fn a_parameter_with_neither_list_nor_default_and_a_resource_ref_are_skipped() {
    let yaml = "Parameters:\n  Sched:\n    Type: String\nResources:\n  A:\n    Type: AWS::Events::Rule\n    Properties:\n      ScheduleExpression: !Ref Sched\n  B:\n    Type: AWS::Events::Rule\n    Properties:\n      ScheduleExpression: !Ref SomeResource\n  C:\n    Type: AWS::Events::Rule\n    Properties:\n      ScheduleExpression: !GetAtt Config.Schedule\n  D:\n    Type: AWS::SecretsManager::RotationSchedule\n    Properties:\n      RotationRules: !If [IsProd, {ScheduleExpression: rate(1 day)}, !Ref AWS::NoValue]\n";
    let found = check_file(Some("t.yaml"), yaml.as_bytes(), &Options::new()).unwrap();
    assert_eq!(
        skipped(&found),
        [
            at(8, 27, "`Sched` has no default, resolved at deploy time"),
            at(12, 27, "`!Ref`, resolved at deploy time"),
            at(16, 27, "`GetAtt`, resolved at deploy time"),
            // An `!If` over a whole property set is not followed.
            at(20, 22, "`!If`, resolved at deploy time"),
        ]
    );
    assert_eq!(errors(&found), []);
}

#[test]
fn terraform_variables_from_tfvars_in_order_then_defaults_and_locals() {
    let found = entries("tf/main.tf");
    let tf = format!("{DIR}/tf");
    assert_eq!(
        errors(&found),
        [
            // terraform.tfvars says 1001, 20-stage.auto.tfvars.json (read last) 2000.
            at(
                11,
                27,
                &format!(
                    "rate(${{var.rotation_days}} days) with var.rotation_days=2000 ({tf}/20-stage.auto.tfvars.json, line 3): \
                     Secrets Manager rotates at least every 1000 days"
                )
            ),
            // report_hour: 6 by default, 7 in terraform.tfvars, 30 in terraform.tfvars.json.
            at(
                17,
                25,
                &format!(
                    "local.nightly=cron(0 30 * * ? *) (locals, line 3), var.report_hour=30 ({tf}/terraform.tfvars.json, line 1): \
                     hours value out of range; expected 0-23"
                )
            ),
        ]
    );
    assert_eq!(
        skipped(&found),
        [
            at(
                25,
                25,
                "`var.alarm_schedule` has no value (no default, no .tfvars), resolved at plan time"
            ),
            at(
                30,
                34,
                "`var.zone` has no value (default null, no .tfvars), resolved at plan time"
            ),
            at(37, 25, "`data.aws_ssm_parameter.schedule.value`, resolved at plan time"),
        ]
    );
    // `rate(1 minutes)` in 10-base.auto.tfvars loses to 20-stage's `rate(15 minutes)`.
    let cleanup = entry_at(&found, 21, 25);
    assert!(cleanup.is_valid(), "{cleanup:?}");
    let r = &cleanup.resolved[0];
    assert_eq!(r.value, "rate(15 minutes)");
    assert_eq!(
        (r.from[0].file.as_deref(), r.from[0].pos),
        (
            Some(format!("{tf}/20-stage.auto.tfvars.json").as_str()),
            Pos::new(2, 20)
        )
    );
}

#[test]
fn terraform_json_templates_read_the_directory_too() {
    let found = entries("tf/extra.tf.json");
    let tf = format!("{DIR}/tf");
    assert_eq!(
        errors(&found),
        [at(
            4,
            48,
            &format!(
                "${{local.nightly}} with local.nightly=cron(0 30 * * ? *) ({tf}/main.tf, locals, line 3), \
                 var.report_hour=30 ({tf}/terraform.tfvars.json, line 1): hours value out of range; expected 0-23"
            )
        )]
    );
    // An EventBridge rule takes `rate(2000 days)`.
    let days = entry_at(&found, 5, 45);
    assert!(days.is_valid(), "{days:?}");
    assert_eq!(days.resolved[0].value, "rate(2000 days)");
    assert_eq!(skipped(&found), []);
}

#[test]
fn terraform_without_its_directory_skips_variables() {
    // Standard input has no directory: a variable has no known value.
    let tf = b"variable \"d\" {}\nresource \"aws_cloudwatch_event_rule\" \"r\" {\n  schedule_expression = \"rate(${var.d} days)\"\n}\n";
    let found = check_file(None, tf, &Options::new()).unwrap();
    assert_eq!(
        skipped(&found),
        [at(
            3,
            25,
            "`var.d` has no value (no default, no .tfvars), resolved at plan time"
        )]
    );
    // A default in the same file is enough; a conditional gives both branches.
    let tf = b"variable \"d\" {\n  default = 2\n}\nresource \"aws_cloudwatch_event_rule\" \"r\" {\n  schedule_expression = var.d > 1 ? \"rate(${var.d} day)\" : \"rate(1 day)\"\n}\n";
    let found = check_file(None, tf, &Options::new()).unwrap();
    assert_eq!(
        errors(&found),
        [at(
            5,
            25,
            "var.d > 1 ? \"rate(${var.d} day)\" : \"rate(1 day)\" with var.d > 1=true (condition, line 5), \
             var.d=2 (variable.d.default, line 2): wrong unit for this rate value; expected `days`"
        )]
    );
}

#[test]
fn serverless_self_references_and_fallbacks() {
    let found = entries("serverless.yml");
    assert_eq!(
        errors(&found),
        [
            // reportRate (line 14) names rates.<stage>; the stage falls back to dev (line 7).
            at(
                20,
                19,
                "${self:custom.reportRate} with self:custom.reportRate=rate(1 hours) (custom.reportRate, line 14), \
                 self:provider.stage=dev (provider.stage, line 7), ${opt:stage, 'dev'}=dev (its fallback, line 7), \
                 self:custom.rates.dev=rate(1 hours) (custom.rates.dev, line 11): wrong unit for this rate value; expected `hour`"
            ),
            at(
                26,
                17,
                "${env:CLEANUP_RATE, 'rate(0 minutes)'} with ${env:CLEANUP_RATE, 'rate(0 minutes)'}=rate(0 minutes) \
                 (its fallback, line 26): rate value must be a positive integer"
            ),
        ]
    );
    assert_eq!(
        skipped(&found),
        [
            at(
                31,
                19,
                "an SSM parameter (`${ssm:/billing/schedule}`), resolved at deploy time"
            ),
            at(
                32,
                19,
                "a dashboard parameter (`${param:schedule}`), resolved at deploy time"
            ),
            at(
                33,
                19,
                "a file (`${file(./schedules.yml):nightly}`), resolved at deploy time"
            ),
            at(
                34,
                19,
                "a stack output (`${cf:shared-stack.Schedule}`), resolved at deploy time"
            ),
            at(35, 19, "`${opt:schedule}` has no fallback, resolved at deploy time"),
        ]
    );
    // `${self:custom.nightly}` is `cron(0 2 * * ? *)`: checked, valid.
    let nightly = entry_at(&found, 21, 19);
    assert!(
        nightly.is_valid() && nightly.resolved[0].value == "cron(0 2 * * ? *)",
        "{nightly:?}"
    );
}

#[test]
fn json_lines_carry_the_resolved_value_and_its_origin() {
    let yaml = "Parameters:\n  Days:\n    Type: Number\n    Default: 1001\nResources:\n  R:\n    Type: AWS::SecretsManager::RotationSchedule\n    Properties:\n      RotationRules:\n        ScheduleExpression: !Sub rate(${Days} days)\n";
    let mut report = Report::new();
    report.push("t.yaml", check_file(Some("t.yaml"), yaml.as_bytes(), &Options::new()));
    let mut out = Vec::new();
    report.write(Format::Json, &mut out).unwrap();
    let line: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let origin = serde_json::json!({
        "value": "rate(1001 days)",
        "from": [{"name": "Days", "value": "1001", "place": "Parameters.Days.Default", "line": 4, "column": 14}],
    });
    assert_eq!(line["expression"], "rate(${Days} days)");
    assert_eq!(line["resolved"], serde_json::json!([origin.clone()]));
    assert_eq!(line["errors"][0]["resolved"], origin);
    assert_eq!(
        (line["errors"][0]["line"].as_u64(), line["errors"][0]["column"].as_u64()),
        (Some(10), Some(29))
    );
}

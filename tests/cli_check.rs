//! `plan check`: exit codes, the output formats, profiles per resource, and
//! reading of plain lists, CloudFormation YAML and JSON, and Terraform
//! files. Output is compared in full against hand-written expectations.

use std::io::Write;
use std::process::{Command, Output, Stdio};

const FIXTURES: &str = "tests/fixtures/check";

fn plan(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_plan"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the plan binary runs");
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or("").as_bytes()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

#[track_caller]
fn assert_run(args: &[&str], stdin: Option<&str>, code: i32, stdout: &str, stderr: &str) {
    let out = plan(args, stdin);
    assert_eq!(String::from_utf8_lossy(&out.stdout), stdout, "stdout of plan {args:?}");
    assert_eq!(String::from_utf8_lossy(&out.stderr), stderr, "stderr of plan {args:?}");
    assert_eq!(out.status.code(), Some(code), "exit code of plan {args:?}");
}

#[test]
fn valid_expressions_exit_zero() {
    assert_run(
        &["check", "--expr", "rate(10 days)", "--expr", "cron(0 16 ? * SUN#2 *)"],
        None,
        0,
        "checked 2 expressions against secrets-manager: 0 invalid\n",
        "",
    );
}

#[test]
fn invalid_expression_exits_one_with_a_diagnostic() {
    assert_run(
        &["check", "--expr", "cron(0 10 15 * MON *)"],
        None,
        1,
        "--expr:1:11: error: day-of-month and day-of-week cannot both be set; one must be `?`\n  \
         | cron(0 10 15 * MON *)\n  \
         |           ^^   ^^^\n\
         checked 1 expression against secrets-manager: 1 invalid\n",
        "",
    );
}

#[test]
fn profile_changes_the_verdict() {
    let args = ["check", "--expr", "cron(15 10 ? * 6L 2026-2030)"];
    assert_eq!(plan(&args, None).status.code(), Some(1));
    let eb = [&args[..], &["--profile", "eventbridge"]].concat();
    assert_run(
        &eb,
        None,
        0,
        "checked 1 expression against eventbridge: 0 invalid\n",
        "",
    );
}

#[test]
fn plain_list_in_text_format() {
    assert_run(
        &["check", &format!("{FIXTURES}/schedules.txt")],
        None,
        1,
        "tests/fixtures/check/schedules.txt:3:6: error: minutes must be 0 for Secrets Manager rotation\n  \
         | cron(30 10 * * ? *)\n  \
         |      ^^\n\
         tests/fixtures/check/schedules.txt:5:13: warning: `W` in day-of-month is not documented for Secrets Manager\n  \
         | cron(0 10 15W * ? *)\n  \
         |           ^^^\n\
         checked 3 expressions against secrets-manager: 1 invalid\n",
        "",
    );
}

#[test]
fn cloudformation_yaml_in_github_format() {
    // The `!Ref` value is only known at deploy time and is skipped.
    assert_run(
        &["check", "--format", "github", &format!("{FIXTURES}/rotation.yaml")],
        None,
        1,
        "::error file=tests/fixtures/check/rotation.yaml,line=18,col=37,title=schedule expression cron(0 1%2C2 * * ? *)\
         ::rotations must be at least 4 hours apart for Secrets Manager, but 01:00 and 02:00 are 1 hour apart\n",
        "",
    );
}

#[test]
fn cloudformation_json_in_json_format() {
    assert_run(
        &["check", "--format", "json", &format!("{FIXTURES}/rotation.json")],
        None,
        1,
        concat!(
            r#"{"source":"tests/fixtures/check/rotation.json","line":6,"column":51,"profile":"secrets-manager","resource":"DbRotation","path":"Properties.RotationRules.ScheduleExpression","expression":"rate(4 hours)","valid":true,"errors":[],"warnings":[]}"#,
            "\n",
            r#"{"source":"tests/fixtures/check/rotation.json","line":6,"column":80,"profile":"secrets-manager","resource":"DbRotation","path":"Properties.RotationRules.Duration","value":"1h","valid":true,"errors":[],"warnings":[]}"#,
            "\n",
            r#"{"source":"tests/fixtures/check/rotation.json","line":11,"column":46,"profile":"eventbridge","resource":"Nightly","path":"Properties.ScheduleExpression","expression":"cron(0 10 15 * MON *)","valid":false,"errors":[{"rule":"schedule-expression","message":"day-of-month and day-of-week cannot both be set; one must be `?`","line":11,"column":56,"found":"15"}],"warnings":[]}"#,
            "\n"
        ),
        "",
    );
}

#[test]
fn terraform_file() {
    assert_run(
        &["check", &format!("{FIXTURES}/main.tf")],
        None,
        1,
        "tests/fixtures/check/main.tf:6:35: error: wrong unit for this rate value; expected `day` \
         (aws_secretsmanager_secret_rotation.db: rotation_rules.schedule_expression)\n  \
         | rate(1 days)\n  \
         |        ^^^^\n\
         checked 2 expressions against secrets-manager: 1 invalid, 1 skipped (known only at deploy time)\n",
        "",
    );
}

#[test]
fn standard_input_as_a_list_and_as_a_template() {
    assert_run(
        &["check", "--format", "json", "-"],
        Some("rate(1 day)\n"),
        0,
        "{\"source\":\"-\",\"line\":1,\"column\":1,\"profile\":\"secrets-manager\",\"resource\":null,\"path\":null,\
         \"expression\":\"rate(1 day)\",\"valid\":true,\"errors\":[],\"warnings\":[]}\n",
        "",
    );
    assert_run(
        &["check", "--format", "github", "-"],
        Some("Resources:\n  R:\n    Type: AWS::SecretsManager::RotationSchedule\n    Properties:\n      RotationRules:\n        ScheduleExpression: rate(2 hours)\n"),
        1,
        "::error line=6,col=34,title=schedule expression rate(2 hours)::Secrets Manager rotates at most every 4 hours\n",
        "",
    );
}

#[test]
fn a_file_that_does_not_parse_exits_two_with_its_position() {
    assert_run(
        &["check", "-"],
        Some("Resources:\n  R: {Type: x\n"),
        2,
        "-:3:1: error: cannot parse YAML: while parsing a flow mapping, did not find expected ',' or '}'\n\
         checked 0 expressions: 0 invalid, 1 file not parsed\n",
        "",
    );
    assert_run(
        &["check", "--format", "json", "-"],
        Some("{\"Resources\": {\"R\": 1,}}"),
        2,
        "{\"source\":\"-\",\"line\":1,\"column\":22,\"error\":\"cannot parse JSON: Trailing commas are not allowed\"}\n",
        "",
    );
}

#[test]
fn auto_profile_per_resource_and_forced_profile() {
    let template = "Resources:\n  Rule:\n    Type: AWS::Events::Rule\n    Properties:\n      ScheduleExpression: rate(5 minutes)\n  \
                    Rotation:\n    Type: AWS::SecretsManager::RotationSchedule\n    Properties:\n      RotationRules:\n        \
                    ScheduleExpression: rate(10 days)\n";
    assert_run(
        &["check", "-"],
        Some(template),
        0,
        "checked 2 expressions against secrets-manager and eventbridge: 0 invalid\n",
        "",
    );
    assert_run(
        &["check", "--profile", "secrets-manager", "-"],
        Some(template),
        1,
        "-:5:34: error: Secrets Manager rotates at most every 4 hours; use `hours` or `days`, not minutes (Rule: Properties.ScheduleExpression)\n  \
         | rate(5 minutes)\n  \
         |        ^^^^^^^\n\
         checked 2 expressions against secrets-manager: 1 invalid\n",
        "",
    );
}

#[test]
fn max_interval_policy() {
    assert_run(
        &["check", "--max-interval", "90d", "--expr", "rate(90 days)", "--expr", "cron(0 0 1 1/4 ? *)"],
        None,
        1,
        "--expr:2:1: error: rotations can be 120d apart (1970-01-01T00:00Z to 1970-05-01T00:00Z), more than the maximum interval 90d\n\
         checked 2 expressions against secrets-manager: 1 invalid\n",
        "",
    );
    let out = plan(&["check", "--max-interval", "90", "--expr", "rate(1 day)"], None);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn output_piped_into_head_is_no_crash() {
    // Many lines, so the pipe closes while plan is still writing.
    let list = "cron(0 1,2 * * ? *)\n".repeat(20_000);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("many.txt");
    std::fs::write(&path, list).unwrap();
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "'{}' check '{}' | head -c1",
            env!("CARGO_BIN_EXE_plan"),
            path.display()
        ))
        .output()
        .unwrap();
    assert_eq!(out.stdout, b"/");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

#[test]
fn usage_and_io_errors_exit_two() {
    let out = plan(
        &["check", "tests/fixtures/check/missing.txt", "--expr", "rate(1 day)"],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("error: reading tests/fixtures/check/missing.txt: "));
    let out = plan(&["check", "--format", "xml", "--expr", "rate(1 day)"], None);
    assert_eq!(out.status.code(), Some(2));
    let out = plan(&["check", "--profile", "lambda", "--expr", "rate(1 day)"], None);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn non_utf8_input_is_an_invalid_expression_not_a_crash() {
    let dir = std::env::temp_dir().join(format!("rotaplan-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.txt");
    std::fs::write(&path, b"cron(0 \xff * * ? *)\n").unwrap();
    let out = plan(&["check", "--format", "json", path.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout)
        .contains(r#""message":"expression is not valid UTF-8","line":1,"column":8"#));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Runs `plan` in `dir`.
fn plan_in(dir: &std::path::Path, args: &[&str]) -> (String, String, Option<i32>) {
    let out = Command::new(env!("CARGO_BIN_EXE_plan"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("the plan binary runs");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code(),
    )
}

/// A repository: one template per kind with one error each, and copies of
/// a bad template where a walk must not look (gitignored, node_modules, a
/// hidden folder), next to YAML and JSON that are no templates.
fn repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let bad =
        "Resources:\n  Bad:\n    Type: AWS::Events::Rule\n    Properties:\n      ScheduleExpression: rate(0 days)\n";
    let files: [(&str, &str); 11] = [
        (".gitignore", "generated.yaml\n"),
        ("generated.yaml", bad),
        ("node_modules/pkg/template.yaml", bad),
        (".aws-sam/build/template.yaml", bad),
        // Not a template, not even valid YAML: left out, no error.
        ("notes.yaml", "- just: [a list\n"),
        ("package.json", "{\"name\": \"x\"}\n"),
        ("README.md", "# x\n"),
        (
            "app/template.yaml",
            "AWSTemplateFormatVersion: \"2010-09-09\"\nResources:\n  Tick:\n    Type: AWS::Events::Rule\n    Properties:\n      ScheduleExpression: rate(1 minutes)\n",
        ),
        (
            "infra/main.tf",
            "resource \"aws_cloudwatch_event_rule\" \"r\" {\n  schedule_expression = \"rate(0 hours)\"\n}\n",
        ),
        ("infra/terraform.tfvars", "x = 1\n"),
        (
            "svc/serverless.yml",
            "service: s\nprovider:\n  name: aws\nfunctions:\n  f:\n    handler: h\n    events:\n      - schedule: rate(2 hour)\n",
        ),
    ];
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

#[test]
fn a_directory_is_walked_by_kind_leaving_out_ignored_files() {
    let repo = repository();
    // Values at 6:27, 2:26 and 8:19; the carets under the unit or the count.
    let expected = "app/template.yaml:6:34: error: wrong unit for this rate value; expected `minute` (Tick: Properties.ScheduleExpression)\n  \
         | rate(1 minutes)\n  \
         |        ^^^^^^^\n\
         infra/main.tf:2:31: error: rate value must be a positive integer (aws_cloudwatch_event_rule.r: schedule_expression)\n  \
         | rate(0 hours)\n  \
         |      ^\n\
         svc/serverless.yml:8:26: error: wrong unit for this rate value; expected `hours` (functions.f: events[0].schedule)\n  \
         | rate(2 hour)\n  \
         |        ^^^^\n\
         checked 3 expressions against eventbridge: 3 invalid\n";
    // notes.yaml, package.json, README.md; infra/terraform.tfvars is read
    // with infra/main.tf.
    let counts = "read 1 CloudFormation, 1 Serverless, 1 Terraform files (1 .tfvars with them); \
                  3 files of no known kind left out\n";
    // With no path, `.` is walked.
    assert_eq!(
        plan_in(repo.path(), &["check"]),
        (expected.to_owned(), format!(".: {counts}"), Some(1))
    );
    // `.` named gives the same names (a directory below `.` starts them,
    // as `app/` below).
    assert_eq!(
        plan_in(repo.path(), &["check", "."]),
        (expected.to_owned(), format!(".: {counts}"), Some(1))
    );
    // JSON Lines keeps standard output to one object per line.
    let (out, err, code) = plan_in(repo.path(), &["check", "--format", "json", "app"]);
    assert_eq!(code, Some(1));
    assert_eq!(
        err,
        "app: read 1 CloudFormation, 0 Serverless, 0 Terraform files; 0 files of no known kind left out\n"
    );
    assert_eq!(out.lines().count(), 1);
    assert!(
        out.starts_with(r#"{"source":"app/template.yaml","line":6,"column":27,"#),
        "{out}"
    );
}

#[test]
fn left_out_folders_and_files_are_checked_when_named() {
    let repo = repository();
    let bad = |path: &str| {
        format!(
            "{path}:5:32: error: rate value must be a positive integer (Bad: Properties.ScheduleExpression)\n  \
             | rate(0 days)\n  \
             |      ^\n"
        )
    };
    let summary = "checked 1 expression against eventbridge: 1 invalid\n";
    let (out, err, code) = plan_in(repo.path(), &["check", "node_modules/pkg"]);
    assert_eq!(
        (out, err, code),
        (
            format!("{}{summary}", bad("node_modules/pkg/template.yaml")),
            "node_modules/pkg: read 1 CloudFormation, 0 Serverless, 0 Terraform files; 0 files of no known kind left out\n"
                .to_owned(),
            Some(1)
        )
    );
    let (out, _, code) = plan_in(repo.path(), &["check", ".aws-sam"]);
    assert_eq!(
        (out, code),
        (format!("{}{summary}", bad(".aws-sam/build/template.yaml")), Some(1))
    );
    // A gitignored file named on its own is checked as before.
    assert_eq!(
        plan_in(repo.path(), &["check", "generated.yaml"]),
        (format!("{}{summary}", bad("generated.yaml")), String::new(), Some(1))
    );
    // A file named on its own that does not parse keeps today's error.
    let (out, _, code) = plan_in(repo.path(), &["check", "notes.yaml"]);
    assert_eq!(code, Some(2));
    assert!(out.starts_with("notes.yaml:2:1: error: cannot parse YAML: "), "{out}");
}

#[test]
fn a_tfvars_file_alone_yields_no_finding() {
    let repo = repository();
    // Once read as a list, `x = 1` was an invalid expression.
    assert_eq!(
        plan_in(repo.path(), &["check", "infra/terraform.tfvars"]),
        (
            "checked 0 expressions: 0 invalid\n".to_owned(),
            "warning: no schedule expressions found\n".to_owned(),
            Some(0)
        )
    );
    // It is still parsed: a syntax error is reported where it is.
    std::fs::write(repo.path().join("infra/bad.tfvars"), "x = \n").unwrap();
    let (out, _, code) = plan_in(repo.path(), &["check", "infra/bad.tfvars"]);
    assert_eq!(code, Some(2));
    assert!(
        out.starts_with("infra/bad.tfvars:1:5: error: cannot parse HCL: "),
        "{out}"
    );
}

#[test]
fn long_form_intrinsics_read_like_short_ones() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = "Parameters:\n  Days:\n    Type: Number\n    AllowedValues: [7, 1001]\nResources:\n  Rot:\n    Type: AWS::SecretsManager::RotationSchedule\n    Properties:\n      RotationRules:\n        ScheduleExpression:\n          Fn::Sub: \"rate(${Days} days)\"\n";
    let json = "{\n  \"Parameters\": {\"Days\": {\"Type\": \"Number\", \"Default\": 1001}},\n  \"Resources\": {\"Rot\": {\"Type\": \"AWS::SecretsManager::RotationSchedule\",\n    \"Properties\": {\"RotationRules\": {\"ScheduleExpression\": {\"Fn::Join\": [\"\", [\"rate(\", {\"Ref\": \"Days\"}, \" days)\"]]}}}}}\n}\n";
    std::fs::write(dir.path().join("long.yaml"), yaml).unwrap();
    std::fs::write(dir.path().join("long.json"), json).unwrap();
    // The property's value starts at `Fn::Sub` (11:11) and at the `{` of
    // the JSON object (4:60); 1001 is item 1 of line 4, the Default of line 2.
    let expected = "long.json:4:60: error: Fn::Join with Days=1001 (Parameters.Days.Default, line 2): Secrets Manager rotates at least every 1000 days (Rot: Properties.RotationRules.ScheduleExpression)\n  \
         | rate(1001 days)\n  \
         |      ^^^^\n\
         long.yaml:11:11: error: rate(${Days} days) with Days=1001 (Parameters.Days.AllowedValues[1], line 4): Secrets Manager rotates at least every 1000 days (Rot: Properties.RotationRules.ScheduleExpression)\n  \
         | rate(1001 days)\n  \
         |      ^^^^\n\
         checked 2 expressions against secrets-manager: 2 invalid\n";
    assert_eq!(
        plan_in(dir.path(), &["check", "long.json", "long.yaml"]),
        (expected.to_owned(), String::new(), Some(1))
    );
}

#[test]
fn a_walked_terraform_directory_resolves_across_its_files() {
    // Each directory is read once for all its files; a file's own locals
    // are its own (no file named), a sibling's name their file.
    let tf = "tests/fixtures/check/resolve/tf";
    assert_run(
        &["check", tf],
        None,
        1,
        &format!(
            "{tf}/extra.tf.json:4:48: error: ${{local.nightly}} with local.nightly=cron(0 30 * * ? *) ({tf}/main.tf, locals, line 3), \
             var.report_hour=30 ({tf}/terraform.tfvars.json, line 1): hours value out of range; expected 0-23 \
             (aws_cloudwatch_event_rule.json_nightly: schedule_expression)\n  \
             | cron(0 30 * * ? *)\n  \
             |        ^^\n\
             {tf}/main.tf:11:27: error: rate(${{var.rotation_days}} days) with var.rotation_days=2000 ({tf}/20-stage.auto.tfvars.json, line 3): \
             Secrets Manager rotates at least every 1000 days (aws_secretsmanager_secret_rotation.db: rotation_rules.schedule_expression)\n  \
             | rate(2000 days)\n  \
             |      ^^^^\n\
             {tf}/main.tf:17:25: error: local.nightly=cron(0 30 * * ? *) (locals, line 3), var.report_hour=30 ({tf}/terraform.tfvars.json, line 1): \
             hours value out of range; expected 0-23 (aws_cloudwatch_event_rule.nightly: schedule_expression)\n  \
             | cron(0 30 * * ? *)\n  \
             |        ^^\n\
             checked 7 values against secrets-manager, eventbridge and scheduler: 3 invalid, 3 skipped (known only at deploy time)\n"
        ),
        &format!(
            "{tf}: read 0 CloudFormation, 0 Serverless, 3 Terraform files (4 .tfvars with them); 0 files of no known kind left out\n"
        ),
    );
}

#[test]
fn wrap_around_range_warns_and_exits_zero() {
    assert_run(
        &["check", "--expr", "cron(0 10 ? * SAT-SUN *)"],
        None,
        0,
        "--expr:1:15: warning: wrap-around range; AWS documents ascending ranges only\n  \
         | cron(0 10 ? * SAT-SUN *)\n  \
         |               ^^^^^^^\n\
         checked 1 expression against secrets-manager: 0 invalid\n",
        "",
    );
    // Years never wrap.
    assert_eq!(
        plan(
            &[
                "check",
                "--profile",
                "eventbridge",
                "--expr",
                "cron(0 0 1 1 ? 2030-2020)"
            ],
            None
        )
        .status
        .code(),
        Some(1)
    );
}

#[test]
fn scheduler_rate_unit_mismatch_warns_where_eventbridge_refuses() {
    assert_run(
        &["check", "--profile", "scheduler", "--expr", "rate(5 minute)"],
        None,
        0,
        "--expr:1:8: warning: an EventBridge rule would reject `minute` with 5; it expects `minutes`\n  \
         | rate(5 minute)\n  \
         |        ^^^^^^\n\
         checked 1 expression against scheduler: 0 invalid\n",
        "",
    );
    assert_run(
        &["check", "--profile", "eventbridge", "--expr", "rate(5 minute)"],
        None,
        1,
        "--expr:1:8: error: wrong unit for this rate value; expected `minutes`\n  \
         | rate(5 minute)\n  \
         |        ^^^^^^\n\
         checked 1 expression against eventbridge: 1 invalid\n",
        "",
    );
}

#[test]
fn a_walked_template_that_does_not_parse_fails_only_if_it_names_a_schedule() {
    let dir = tempfile::tempdir().unwrap();
    // A multi-line flow sequence whose closing line sits at its key's
    // indentation: CloudFormation deploys it, a strict YAML parser refuses.
    let lenient = "Resources:\n  Api:\n    Type: AWS::Serverless::Api\n    Properties:\n      Policy: [{\n        \"Effect\": \"Allow\"\n      }]\n";
    std::fs::write(dir.path().join("api.yaml"), lenient).unwrap();
    let (out, err, code) = plan_in(dir.path(), &["check"]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert_eq!(out, "checked 0 expressions: 0 invalid\n");
    assert!(
        err.starts_with("warning: api.yaml:7:7: cannot parse YAML: ")
            && err.contains("; left out: it names no schedule\n.: read 0 CloudFormation, 0 Serverless, 0 Terraform files; 0 files of no known kind, 1 file that did not parse and name no schedule left out\n"),
        "{err}"
    );
    // The same file with a schedule in it: we cannot tell what AWS reads.
    let scheduled = lenient.replace("Policy", "ScheduleExpression: rate(1 day)\n      Policy");
    std::fs::write(dir.path().join("api.yaml"), scheduled).unwrap();
    let (out, _, code) = plan_in(dir.path(), &["check"]);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.starts_with("api.yaml:8:7: error: cannot parse YAML: "), "{out}");
    // Named on its own, a file that does not parse is an error either way.
    std::fs::write(dir.path().join("api.yaml"), lenient).unwrap();
    assert_eq!(plan_in(dir.path(), &["check", "api.yaml"]).2, Some(2));
}

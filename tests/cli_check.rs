//! `plan check`: exit codes, the three output formats, and scanning of
//! plain lists, CloudFormation YAML and JSON, and Terraform files. Output is
//! compared in full against hand-written expectations.

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
            r#"{"source":"tests/fixtures/check/rotation.json","line":6,"column":51,"expression":"rate(4 hours)","valid":true,"errors":[],"warnings":[]}"#,
            "\n",
            r#"{"source":"tests/fixtures/check/rotation.json","line":11,"column":46,"expression":"cron(0 10 15 * MON *)","valid":false,"errors":[{"message":"day-of-month and day-of-week cannot both be set; one must be `?`","column":56,"found":"15"}],"warnings":[]}"#,
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
        "tests/fixtures/check/main.tf:6:35: error: wrong unit for this rate value; expected `day`\n  \
         | rate(1 days)\n  \
         |        ^^^^\n\
         checked 2 expressions against secrets-manager: 1 invalid\n",
        "",
    );
}

#[test]
fn standard_input_as_a_list_and_as_a_template() {
    assert_run(
        &["check", "--format", "json", "-"],
        Some("rate(1 day)\n"),
        0,
        "{\"source\":\"-\",\"line\":1,\"column\":1,\"expression\":\"rate(1 day)\",\"valid\":true,\"errors\":[],\"warnings\":[]}\n",
        "",
    );
    assert_run(
        &["check", "--format", "github", "-"],
        Some("x:\n  ScheduleExpression: rate(2 hours)\n"),
        1,
        "::error line=2,col=28,title=schedule expression rate(2 hours)::Secrets Manager rotates at most every 4 hours\n",
        "",
    );
}

#[test]
fn usage_and_io_errors_exit_two() {
    assert_run(
        &["check"],
        None,
        2,
        "",
        "error: nothing to check; give `--expr EXPR` or file paths (`-` for standard input)\n",
    );
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
    assert!(String::from_utf8_lossy(&out.stdout).contains(r#""message":"expression is not valid UTF-8","column":8"#));
    std::fs::remove_dir_all(&dir).unwrap();
}

//! `plan check --format sarif`: valid against the official SARIF 2.1.0
//! schema (OASIS sarif-spec, `sarif-2.1/schema/sarif-schema-2.1.0.json`,
//! committed under tests/fixtures/check), one result per finding with its
//! region, and every rule listed in `tool.driver.rules`.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;

fn sarif(args: &[&str], stdin: &str) -> (Value, i32) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_plan"))
        .args(["check", "--format", "sarif"])
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    (
        serde_json::from_slice(&out.stdout).expect("SARIF is JSON"),
        out.status.code().unwrap(),
    )
}

fn validate(log: &Value) {
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string("tests/fixtures/check/sarif-schema-2.1.0.json").unwrap())
            .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the official schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(log)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn repository_fixtures_give_a_valid_log() {
    let (log, code) = sarif(
        &[
            "tests/fixtures/check/repo/cfn.yaml",
            "tests/fixtures/check/repo/schedules.tf",
            "-",
            "--expr",
            "rate(1 hour)",
        ],
        "Resources:\n  R: {Type: x\n",
    );
    assert_eq!(code, 2, "a file that does not parse");
    validate(&log);
    let run = &log["runs"][0];
    assert_eq!(log["version"], "2.1.0");
    let rules: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    let results = run["results"].as_array().unwrap();
    for r in results {
        let id = r["ruleId"].as_str().unwrap();
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index], id);
    }
    // cfn.yaml: 7 errors and 1 skipped; schedules.tf: 6 and none skipped
    // (its `local.nightly` and `var.hour` resolve); stdin: 1
    // syntax error; --expr: 1 error without a location.
    let summary: Vec<(String, String, Option<u64>, Option<u64>)> = results
        .iter()
        .map(|r| {
            let loc = &r["locations"][0]["physicalLocation"];
            (
                r["ruleId"].as_str().unwrap().to_owned(),
                loc["artifactLocation"]["uri"].as_str().unwrap_or("").to_owned(),
                loc["region"]["startLine"].as_u64(),
                loc["region"]["startColumn"].as_u64(),
            )
        })
        .collect();
    let at = |rule: &str, uri: &str, line: u64, col: u64| (rule.to_owned(), uri.to_owned(), Some(line), Some(col));
    let cfn = "tests/fixtures/check/repo/cfn.yaml";
    let tf = "tests/fixtures/check/repo/schedules.tf";
    assert_eq!(
        summary,
        [
            at("schedule-expression", "", 0, 0),
            at("rotation-window", cfn, 26, 19),
            at("rotation-days", cfn, 31, 47),
            at("rotation-exclusive", cfn, 38, 30),
            at("not-literal", cfn, 44, 29),
            at("schedule-expression", cfn, 52, 49),
            at("timezone", cfn, 58, 35),
            at("flexible-window", cfn, 61, 33),
            at("schedule-expression", cfn, 68, 30),
            at("rotation-window", tf, 20, 28),
            at("rotation-days", tf, 27, 32),
            // `local.nightly` resolves: the error sits on the schedule.
            at("rotation-exclusive", tf, 35, 32),
            at("schedule-expression", tf, 55, 5),
            at("timezone", tf, 57, 35),
            at("flexible-window", tf, 60, 33),
            at("syntax", "stdin", 3, 1),
        ]
        .into_iter()
        .map(|(r, u, l, c)| if u.is_empty() { (r, u, None, None) } else { (r, u, l, c) })
        .collect::<Vec<_>>()
    );
    let levels: Vec<&str> = results.iter().map(|r| r["level"].as_str().unwrap()).collect();
    assert_eq!(levels.iter().filter(|l| **l == "note").count(), 1);
}

#[test]
fn a_clean_run_is_a_valid_empty_log() {
    let (log, code) = sarif(&["--expr", "rate(10 days)"], "");
    assert_eq!(code, 0);
    validate(&log);
    assert_eq!(log["runs"][0]["results"], serde_json::json!([]));
}

#[test]
fn a_long_expression_is_shown_cut() {
    let long = format!("cron(0 {} * * ? *)", "1,".repeat(40_000));
    let (log, code) = sarif(&["-"], &long);
    assert_eq!(code, 1);
    validate(&log);
    let text = log["runs"][0]["results"][0]["message"]["text"].as_str().unwrap();
    let shown = format!("{}…", &long[..64]);
    assert_eq!(
        text,
        format!("expression is 80016 bytes long; at most 256 are allowed: `{shown}`")
    );
}

#[test]
fn a_resolved_value_points_at_its_origin() {
    let cfn = "tests/fixtures/check/resolve/template.yaml";
    let tf = "tests/fixtures/check/resolve/tf/main.tf";
    let (log, code) = sarif(&[cfn, tf], "");
    assert_eq!(code, 1);
    validate(&log);
    let results = log["runs"][0]["results"].as_array().unwrap();
    let related = |line: u64| -> Vec<(String, u64, u64, String)> {
        let r = results
            .iter()
            .find(|r| r["locations"][0]["physicalLocation"]["region"]["startLine"] == line)
            .unwrap();
        r["relatedLocations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                let p = &l["physicalLocation"];
                (
                    p["artifactLocation"]["uri"].as_str().unwrap().to_owned(),
                    p["region"]["startLine"].as_u64().unwrap(),
                    p["region"]["startColumn"].as_u64().unwrap(),
                    l["message"]["text"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    // RotationDays=1001: item 2 of `[30, 90, 1001]`, line 12, column 29.
    assert_eq!(
        related(42),
        [(
            cfn.to_owned(),
            12,
            29,
            "RotationDays=1001 (Parameters.RotationDays.AllowedValues[2], line 12)".to_owned()
        )]
    );
    // The local in main.tf, then the variable in another file.
    let stage = "tests/fixtures/check/resolve/tf/terraform.tfvars.json";
    assert_eq!(
        related(17),
        [
            (
                tf.to_owned(),
                3,
                13,
                "local.nightly=cron(0 30 * * ? *) (locals, line 3)".to_owned()
            ),
            (stage.to_owned(), 1, 17, format!("var.report_hour=30 ({stage}, line 1)")),
        ]
    );
    let r = results
        .iter()
        .find(|r| r["locations"][0]["physicalLocation"]["region"]["startLine"] == 42)
        .unwrap();
    assert_eq!(r["properties"]["resolvedValue"], "rate(1001 days)");
}

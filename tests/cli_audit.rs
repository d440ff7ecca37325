//! `plan audit` over a SQLite store holding a secret in each state a fleet
//! gets into: compliant, no rules, a schedule too sparse, overdue, stuck
//! after a `kill -9` mid-rotation, stuck on a hand-put pending version,
//! failing, never rotated, and scheduled for deletion. Every finding, the
//! exit codes and the SARIF log (against the official 2.1.0 schema) are
//! checked against what was built.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use chrono::{SecondsFormat, Utc};
use serde_json::Value;

mod cli_util;

use cli_util::store::{chmod, cmd, json, ok_text as ok, plan, Dir, KEY_HEX};

fn setup(name: &str) -> Dir {
    Dir::with_key("audit", name)
}

fn create(dir: &Path, name: &str, schedule: Option<&str>) {
    let mut args = vec!["secret", "create", name, "--generate"];
    if let Some(s) = schedule {
        args.extend(["--schedule", s]);
    }
    ok(dir, &args);
}

fn pending(dir: &Path, name: &str) -> bool {
    let d = json(&ok(dir, &["secret", "describe", name, "--format", "json"]));
    d["versions"].as_array().unwrap().iter().any(|v| {
        let s = v["stages"].as_array().unwrap();
        s.contains(&Value::from("AWSPENDING")) && !s.contains(&Value::from("AWSCURRENT"))
    })
}

/// The fleet; returns the instant to audit at (three days on).
fn fleet(dir: &Path) -> String {
    create(dir, "ok", Some("rate(30 days)"));
    ok(dir, &["rotate", "ok"]);
    create(dir, "norules", None);
    ok(dir, &["rotate", "norules"]);
    create(dir, "toolong", Some("rate(180 days)"));
    ok(dir, &["rotate", "toolong"]);
    create(dir, "overdue", Some("rate(1 day)"));
    ok(dir, &["rotate", "overdue"]);
    create(dir, "never", Some("rate(30 days)"));
    create(dir, "deleted", Some("rate(30 days)"));
    ok(dir, &["secret", "delete", "deleted", "--recovery-window-days", "7"]);
    // A rotation that failed at setSecret.
    create(dir, "failing", Some("rate(30 days)"));
    ok(dir, &["rotate", "failing"]);
    ok(dir, &["secret", "update", "failing", "--target", "command:/bin/false"]);
    assert!(!plan(dir, &["rotate", "failing", "--retries", "0"]).status.success());
    // A pending version put by hand: no attempt owns it.
    create(dir, "crafted", Some("rate(30 days)"));
    ok(dir, &["rotate", "crafted"]);
    ok(
        dir,
        &["secret", "put", "crafted", "--generate", "--stage", "AWSPENDING"],
    );
    // A rotation killed with -9 in setSecret.
    create(dir, "killed", Some("rate(30 days)"));
    ok(dir, &["rotate", "killed"]);
    let slow = dir.join("slow.sh");
    std::fs::write(&slow, "#!/bin/sh\ncat > /dev/null\nsleep 30\n").unwrap();
    chmod(&slow, 0o755);
    ok(
        dir,
        &[
            "secret",
            "update",
            "killed",
            "--target",
            &format!("command:{}", slow.display()),
        ],
    );
    let mut child = cmd(dir, &["rotate", "killed"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut waited = 0;
    while !pending(dir, "killed") {
        std::thread::sleep(Duration::from_millis(50));
        waited += 1;
        assert!(waited < 200, "the rotation never started");
    }
    std::thread::sleep(Duration::from_millis(200));
    Command::new("kill")
        .args(["-9", &child.id().to_string()])
        .status()
        .unwrap();
    let _ = child.wait();
    // A second more, so that cutting to whole seconds leaves three full days.
    (Utc::now() + chrono::Duration::days(3) + chrono::Duration::seconds(1)).to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn findings(report: &Value) -> Vec<(String, Vec<String>)> {
    report["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let rules = s["findings"].as_array().unwrap().iter();
            (
                s["name"].as_str().unwrap().to_owned(),
                rules.map(|f| f["rule"].as_str().unwrap().to_owned()).collect(),
            )
        })
        .collect()
}

fn validate_sarif(log: &Value) {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/check/sarif-schema-2.1.0.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(log)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn every_state_gets_its_findings() {
    let d = setup("fleet");
    let dir = &d.0;
    let at = fleet(dir);
    let args = [
        "audit",
        "--max-interval",
        "90d",
        "--max-age",
        "30d",
        "--at",
        &at,
        "--format",
        "json",
    ];
    let out = plan(dir, &args);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let report = json(&String::from_utf8(out.stdout).unwrap());
    assert_eq!(report["at"], at.as_str());
    let got = findings(&report);
    let r = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    // Worst first, then by name.
    let want = vec![
        ("failing".to_string(), r(&["stuck", "failing"])),
        ("crafted".to_string(), r(&["stuck"])),
        ("killed".to_string(), r(&["stuck"])),
        ("never".to_string(), r(&["never-rotated"])),
        ("norules".to_string(), r(&["rotation-enabled"])),
        ("overdue".to_string(), r(&["rotating-as-scheduled"])),
        ("toolong".to_string(), r(&["max-interval"])),
        ("ok".to_string(), r(&[])),
    ];
    assert_eq!(got, want, "{report:#}");
    let by_name = |n: &str| {
        report["secrets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == n)
            .unwrap()
            .clone()
    };
    let msg = |n: &str, i: usize| by_name(n)["findings"][i]["message"].as_str().unwrap().to_owned();
    assert!(
        msg("failing", 1).contains("in setSecret") && msg("failing", 1).contains("exited with status 1"),
        "{}",
        msg("failing", 1)
    );
    assert!(
        msg("failing", 0).contains("its last attempt failed"),
        "{}",
        msg("failing", 0)
    );
    assert!(
        msg("crafted", 0).contains("no rotation attempt is recorded"),
        "{}",
        msg("crafted", 0)
    );
    assert!(
        msg("killed", 0).contains("is no longer running"),
        "{}",
        msg("killed", 0)
    );
    assert!(
        msg("toolong", 0).contains("180d") && msg("toolong", 0).contains("90d"),
        "{}",
        msg("toolong", 0)
    );
    let overdue = by_name("overdue");
    let last = chrono::DateTime::parse_from_rfc3339(overdue["last_rotated"].as_str().unwrap()).unwrap();
    let day = |n: i64| {
        (last.date_naive() + chrono::Duration::days(n))
            .format("%Y-%m-%dT00:00:00Z")
            .to_string()
    };
    // rate(1 day) rotated on day 0: the window of day 1 was missed; at day
    // 3 the next is day 4's (rates count from the last rotation's day).
    assert_eq!(
        msg("overdue", 0),
        format!(
            "missed the window {} .. {} (last rotated {})",
            day(1),
            day(2),
            overdue["last_rotated"].as_str().unwrap()
        )
    );
    assert_eq!(overdue["compliant"], false);
    let okv = by_name("ok");
    assert_eq!(okv["compliant"], true);
    assert_eq!(okv["next_window"]["start"], day(30));
    assert_eq!(report["pending_deletion"][0]["name"], "deleted");
    let summary = &report["summary"];
    assert_eq!(
        (
            summary["secrets"].as_u64(),
            summary["compliant"].as_u64(),
            summary["noncompliant"].as_u64()
        ),
        (Some(8), Some(1), Some(7))
    );
    let by_rule = &summary["by_rule"];
    for (rule, n) in [
        ("rotation-enabled", 1),
        ("max-interval", 1),
        ("rotating-as-scheduled", 1),
        ("max-age", 0),
        ("stuck", 3),
        ("failing", 1),
        ("never-rotated", 1),
    ] {
        assert_eq!(by_rule[rule], n, "{rule}: {by_rule}");
    }

    // Max age: at 3 days, a 2-day limit catches every rotated secret.
    let aged = json(
        &String::from_utf8(plan(dir, &["audit", "--max-age", "2d", "--at", &at, "--format", "json"]).stdout).unwrap(),
    );
    assert_eq!(aged["summary"]["by_rule"]["max-age"], 7, "{aged:#}");
    let m = aged["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "ok")
        .unwrap()["findings"][0]["message"]
        .clone();
    assert!(
        m.as_str()
            .unwrap()
            .contains("3 days ago, more than the maximum age of 2 days"),
        "{m}"
    );

    // SARIF: valid, one result per finding.
    let out = plan(
        dir,
        &["audit", "--max-interval", "90d", "--at", &at, "--format", "sarif"],
    );
    assert_eq!(out.status.code(), Some(1));
    let log = json(&String::from_utf8(out.stdout).unwrap());
    validate_sarif(&log);
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 8);
    assert!(results
        .iter()
        .all(|r| r["locations"][0]["logicalLocations"][0]["name"].is_string()));

    // Text: worst first, deleted apart, a summary line.
    let text = String::from_utf8(plan(dir, &["audit", "--at", &at]).stdout).unwrap();
    let first = text.lines().nth(1).unwrap();
    assert!(first.starts_with("failing\tNONCOMPLIANT"), "{text}");
    assert!(text.contains("deleted\tpending deletion on"), "{text}");
    assert!(
        text.trim_end()
            .ends_with("8 secrets: 2 compliant, 6 noncompliant; 1 pending deletion"),
        "{text}"
    );
}

#[test]
fn exit_codes() {
    let d = setup("codes");
    let dir = &d.0;
    create(dir, "ok", Some("rate(30 days)"));
    ok(dir, &["rotate", "ok"]);
    let out = plan(dir, &["audit", "--max-interval", "90d", "--max-age", "30d"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    let log = json(&ok(dir, &["audit", "--format", "sarif"]));
    validate_sarif(&log);
    assert_eq!(log["runs"][0]["results"], serde_json::json!([]));
    for bad in [
        vec!["audit", "--max-interval", "90"],
        vec!["audit", "--at", "yesterday"],
        vec!["audit", "--store", "sqlite:no-such.db"],
        vec!["audit", "--store", "nowhere:x"],
        vec!["due", "--format", "sarif"],
    ] {
        let out = plan(dir, &bad);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{bad:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// `plan audit` over 10,000 secrets (run with `--ignored`; prints the time).
#[test]
#[ignore]
fn audit_ten_thousand_secrets() {
    use rotaplan::store::{MasterKey, RotationConfig, SecretId, SecretStore, SecretValue, SqliteStore, Token};
    let d = setup("10k");
    let dir = &d.0;
    let store = SqliteStore::open(dir.join("rotaplan.sqlite"), MasterKey::from_hex(KEY_HEX).unwrap()).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let start = std::time::Instant::now();
    rt.block_on(async {
        let cfg = RotationConfig::new("rate(30 days)");
        for i in 0..10_000 {
            let id = SecretId::new(format!("app{i:05}/db")).unwrap();
            store
                .create(&id, Some((&Token::generate(), &SecretValue::from("v"))), Some(&cfg))
                .await
                .unwrap();
            if i % 2 == 0 {
                store.mark_rotated(&id, Utc::now()).await.unwrap();
            }
        }
    });
    eprintln!("filled in {:?}", start.elapsed());
    let start = std::time::Instant::now();
    let out = plan(dir, &["audit", "--max-interval", "90d", "--format", "json"]);
    let took = start.elapsed();
    assert_eq!(out.status.code(), Some(1));
    let report = json(&String::from_utf8(out.stdout).unwrap());
    assert_eq!(report["summary"]["secrets"], 10_000);
    assert_eq!(report["summary"]["by_rule"]["never-rotated"], 5_000);
    eprintln!("plan audit over 10,000 secrets: {took:?}");
}

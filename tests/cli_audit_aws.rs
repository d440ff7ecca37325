//! `plan audit --store aws` on the moto server (started by
//! `scripts/test.sh`): the same fleet as `tests/cli_audit.rs`, built with the
//! CLI in a region no other test uses, judged as AWS allows. AWS keeps no
//! rotation history, so a failed rotation shows as the pending version it
//! left (stuck once older than an hour), never as `failing`.

mod server_util;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use chrono::{SecondsFormat, Utc};
use serde_json::Value;
use server_util::{server, unique};

const REGION: &str = "ca-central-1";

struct Dir(PathBuf);

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

struct Fleet {
    dir: Dir,
    endpoint: String,
    /// Every secret's name starts with it: moto may hold others' secrets.
    prefix: String,
}

impl Fleet {
    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_plan"));
        c.args(args)
            .args(["--store", &format!("aws:{REGION}"), "--endpoint-url", &self.endpoint])
            .current_dir(&self.dir.0)
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_REGION", REGION)
            .env_remove("ROTAPLAN_STORE");
        c
    }

    fn plan(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }

    #[track_caller]
    fn ok(&self, args: &[&str]) -> String {
        let out = self.plan(args);
        assert!(
            out.status.success(),
            "plan {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn name(&self, short: &str) -> String {
        format!("{}{short}", self.prefix)
    }

    fn create(&self, short: &str, schedule: Option<&str>) {
        let name = self.name(short);
        let mut args = vec!["secret", "create", name.as_str(), "--generate"];
        if let Some(s) = schedule {
            args.extend(["--schedule", s]);
        }
        self.ok(&args);
    }

    fn rotate(&self, short: &str) {
        self.ok(&["rotate", &self.name(short)]);
    }

    fn pending(&self, short: &str) -> bool {
        let d = json(&self.ok(&["secret", "describe", &self.name(short), "--format", "json"]));
        d["versions"].as_array().unwrap().iter().any(|v| {
            let s = v["stages"].as_array().unwrap();
            s.contains(&Value::from("AWSPENDING")) && !s.contains(&Value::from("AWSCURRENT"))
        })
    }
}

fn json(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON ({e}): {s}"))
}

fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Builds the fleet; returns the instant to audit at (three days on).
fn build(f: &Fleet) -> String {
    f.create("ok", Some("rate(30 days)"));
    f.rotate("ok");
    f.create("norules", None);
    f.rotate("norules");
    f.create("toolong", Some("rate(180 days)"));
    f.rotate("toolong");
    f.create("overdue", Some("rate(1 day)"));
    f.rotate("overdue");
    f.create("never", Some("rate(30 days)"));
    f.create("deleted", Some("rate(30 days)"));
    f.ok(&["secret", "delete", &f.name("deleted"), "--recovery-window-days", "7"]);
    // A rotation that failed at setSecret: its pending version stays.
    f.create("failing", Some("rate(30 days)"));
    f.rotate("failing");
    f.ok(&["secret", "update", &f.name("failing"), "--target", "command:/bin/false"]);
    assert!(!f
        .plan(&["rotate", &f.name("failing"), "--retries", "0"])
        .status
        .success());
    assert!(f.pending("failing"));
    // A rotation killed with -9 in setSecret.
    f.create("killed", Some("rate(30 days)"));
    f.rotate("killed");
    let slow = f.dir.0.join("slow.sh");
    std::fs::write(&slow, "#!/bin/sh\ncat > /dev/null\nsleep 30\n").unwrap();
    chmod(&slow, 0o755);
    let target = format!("command:{}", slow.display());
    f.ok(&["secret", "update", &f.name("killed"), "--target", &target]);
    let mut child = f
        .cmd(&["rotate", &f.name("killed")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut waited = 0;
    while !f.pending("killed") {
        std::thread::sleep(Duration::from_millis(100));
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

#[test]
fn every_state_gets_its_findings_on_moto() {
    let Some(endpoint) = server("ROTAPLAN_TEST_MOTO", "the moto server") else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("rotaplan-audit-aws-{}", unique()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = Fleet {
        dir: Dir(dir),
        endpoint,
        prefix: format!("audit-{}/", unique()),
    };
    let at = build(&f);
    let out = f.plan(&[
        "audit",
        "--max-interval",
        "90d",
        "--max-age",
        "30d",
        "--at",
        &at,
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let report = json(&String::from_utf8(out.stdout).unwrap());
    let ours = |list: &Value| -> Vec<Value> {
        list.as_array()
            .unwrap()
            .iter()
            .filter(|s| s["name"].as_str().unwrap().starts_with(&f.prefix))
            .cloned()
            .collect()
    };
    let secrets = ours(&report["secrets"]);
    let got: Vec<(String, Vec<String>)> = secrets
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap()[f.prefix.len()..].to_owned(),
                s["findings"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x["rule"].as_str().unwrap().to_owned())
                    .collect(),
            )
        })
        .collect();
    let r = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    // Worst first, then by name; no `failing` without a history.
    let want = vec![
        ("failing".to_string(), r(&["stuck"])),
        ("killed".to_string(), r(&["stuck"])),
        ("never".to_string(), r(&["never-rotated"])),
        ("norules".to_string(), r(&["rotation-enabled"])),
        ("overdue".to_string(), r(&["rotating-as-scheduled"])),
        ("toolong".to_string(), r(&["max-interval"])),
        ("ok".to_string(), r(&[])),
    ];
    assert_eq!(got, want, "{report:#}");
    let by_name = |n: &str| {
        secrets
            .iter()
            .find(|s| s["name"] == f.name(n).as_str())
            .unwrap()
            .clone()
    };
    let stuck = by_name("killed")["findings"][0]["message"].as_str().unwrap().to_owned();
    assert!(
        stuck.contains("holds AWSPENDING") && stuck.contains("no rotation attempt is recorded"),
        "{stuck}"
    );
    let overdue = by_name("overdue");
    let last = chrono::DateTime::parse_from_rfc3339(overdue["last_rotated"].as_str().unwrap()).unwrap();
    let day = |n: i64| {
        (last.date_naive() + chrono::Duration::days(n))
            .format("%Y-%m-%dT00:00:00Z")
            .to_string()
    };
    assert_eq!(
        overdue["findings"][0]["message"].as_str().unwrap(),
        format!(
            "missed the window {} .. {} (last rotated {})",
            day(1),
            day(2),
            overdue["last_rotated"].as_str().unwrap()
        )
    );
    assert_eq!(by_name("ok")["next_window"]["start"], day(30));
    let deleted = ours(&report["pending_deletion"]);
    assert_eq!(deleted.len(), 1, "{report:#}");
    assert_eq!(deleted[0]["name"], f.name("deleted").as_str());

    // Judged now rather than in three days, the rotation just killed is
    // still within its hour: not stuck yet.
    let now = json(&String::from_utf8(f.plan(&["audit", "--format", "json"]).stdout).unwrap());
    let killed = ours(&now["secrets"])
        .into_iter()
        .find(|s| s["name"] == f.name("killed").as_str())
        .unwrap();
    assert_eq!(killed["findings"], Value::Array(vec![]), "{killed:#}");
}

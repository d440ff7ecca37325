//! Rotation history through the `plan` binary: `plan secret history`, the
//! last attempt in `plan secret describe`, and what the history says after a
//! `kill -9` at random moments (every finished rotation has its `succeeded`
//! record, no record claims a rotation that did not finish).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

mod cli_util;

use cli_util::store::{chmod, cmd, json, ok_text as ok, plan, Dir};

#[track_caller]
fn fails(dir: &Path, args: &[&str]) -> String {
    let out = plan(dir, args);
    assert!(!out.status.success(), "plan {args:?} succeeded");
    String::from_utf8(out.stderr).unwrap()
}

/// A target that takes `delay` seconds per step and accepts everything.
fn slow_target(dir: &Path, delay: &str) -> String {
    let script = dir.join("slow.sh");
    std::fs::write(&script, format!("#!/bin/sh\ncat > /dev/null\nsleep {delay}\n")).unwrap();
    chmod(&script, 0o755);
    format!("command:{}", script.display())
}

/// `(version, stages)` of `name`.
fn versions(dir: &Path, name: &str) -> Vec<(String, Vec<String>)> {
    let d = json(&ok(dir, &["secret", "describe", name, "--format", "json"]));
    d["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            let stages = v["stages"].as_array().unwrap().iter();
            let stages = stages.map(|s| s.as_str().unwrap().to_owned()).collect();
            (v["id"].as_str().unwrap().to_owned(), stages)
        })
        .collect()
}

fn holder(vs: &[(String, Vec<String>)], stage: &str) -> Option<String> {
    vs.iter()
        .find(|(_, s)| s.iter().any(|x| x == stage))
        .map(|(v, _)| v.clone())
}

fn attempts(dir: &Path, name: &str) -> Vec<serde_json::Value> {
    let h = json(&ok(dir, &["secret", "history", name, "-n", "100", "--format", "json"]));
    h["attempts"].as_array().unwrap().clone()
}

fn kill9(pid: u32) {
    let _ = Command::new("kill").args(["-9", &pid.to_string()]).status().unwrap();
}

/// What the store and its history must agree on, at any moment: the
/// versions that became AWSCURRENT by rotation are exactly those with a
/// `succeeded` record; a pending version's latest record is not
/// `succeeded`.
#[track_caller]
fn consistent(dir: &Path, name: &str, first: &str, context: &str) -> Vec<serde_json::Value> {
    let vs = versions(dir, name);
    let hist = attempts(dir, name);
    let succeeded: Vec<&str> = hist
        .iter()
        .filter(|a| a["outcome"] == "succeeded")
        .map(|a| a["token"].as_str().unwrap())
        .collect();
    let rotated: Vec<&str> = vs
        .iter()
        .map(|(v, _)| v.as_str())
        .filter(|v| *v != first && holder(&vs, "AWSPENDING").as_deref() != Some(v))
        .collect();
    let mut a = succeeded.clone();
    a.sort();
    let mut b = rotated.clone();
    b.sort();
    assert_eq!(a, b, "{context}: {name}: succeeded records {hist:?} vs versions {vs:?}");
    if let Some(p) = holder(&vs, "AWSPENDING").filter(|p| Some(p) != holder(&vs, "AWSCURRENT").as_ref()) {
        let latest = hist.iter().find(|a| a["token"] == p.as_str());
        assert!(
            latest.is_some_and(|a| a["outcome"] == "running" || a["outcome"] == "failed"),
            "{context}: {name}: pending {p} has {latest:?}"
        );
    }
    for a in &hist {
        assert!(!(a["outcome"] == "running") || a["ended"].is_null(), "{a}");
        assert!(a["outcome"] == "running" || a["ended"].is_string(), "{a}");
    }
    hist
}

#[test]
fn history_survives_kill_9_at_random_moments() {
    let mut seen_pending = 0;
    let mut seen_abandoned = 0;
    for trial in 0..16u64 {
        let d = Dir::with_key("history", &format!("kill{trial}"));
        let dir = d.path();
        let target = slow_target(dir, "0.05");
        let mut firsts = Vec::new();
        for i in 0..3 {
            let name = format!("s{i}");
            ok(
                dir,
                &[
                    "secret",
                    "create",
                    &name,
                    "--generate",
                    "--schedule",
                    "rate(1 day)",
                    "--target",
                    &target,
                ],
            );
            firsts.push(versions(dir, &name)[0].0.clone());
        }
        let mut child = cmd(dir, &["run"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis((trial * 37 + 11) % 700));
        kill9(child.id());
        let _ = child.wait();
        for (i, first) in firsts.iter().enumerate() {
            let name = format!("s{i}");
            let vs = versions(dir, &name);
            if holder(&vs, "AWSPENDING").is_some_and(|p| Some(&p) != holder(&vs, "AWSCURRENT").as_ref()) {
                seen_pending += 1;
            }
            consistent(dir, &name, first, &format!("trial {trial} after kill"));
        }
        // The next run finishes what was left; the dead owner's record is
        // abandoned, never succeeded.
        let out = cmd(dir, &["run", "--format", "json"]).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        for (i, first) in firsts.iter().enumerate() {
            let name = format!("s{i}");
            let hist = consistent(dir, &name, first, &format!("trial {trial} after rerun"));
            assert_eq!(hist[0]["outcome"], "succeeded", "trial {trial}: {hist:?}");
            assert_eq!(
                hist.iter().filter(|a| a["outcome"] == "succeeded").count(),
                1,
                "{hist:?}"
            );
            assert!(hist.iter().all(|a| a["outcome"] != "running"), "{hist:?}");
            seen_abandoned += hist.iter().filter(|a| a["outcome"] == "abandoned").count();
        }
    }
    eprintln!("kills left {seen_pending} rotations pending; {seen_abandoned} records abandoned");
    assert!(
        seen_pending >= 2 && seen_abandoned >= 2,
        "{seen_pending} {seen_abandoned}"
    );
}

#[test]
fn history_and_describe_show_a_failure_and_its_cancel() {
    let d = Dir::with_key("history", "fail");
    let dir = d.path();
    ok(
        dir,
        &[
            "secret",
            "create",
            "k",
            "--generate",
            "--schedule",
            "rate(1 day)",
            "--target",
            "command:/bin/false",
        ],
    );
    let value = json(&ok(dir, &["secret", "get", "k", "--show", "--format", "json"]))["value"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(ok(dir, &["secret", "history", "k"]).contains("no rotation attempts"));
    let err = fails(dir, &["rotate", "k", "--retries", "0"]);
    let hist = attempts(dir, "k");
    assert_eq!(hist.len(), 1, "{hist:?}");
    let a = &hist[0];
    let keys: Vec<&str> = a.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["token", "started", "ended", "outcome", "step", "owner", "error"]);
    assert_eq!(a["outcome"], "failed");
    assert_eq!(a["step"], "setSecret");
    let error = a["error"].as_str().unwrap();
    assert!(error.contains("exited with status 1"), "{error}");
    assert!(
        err.contains(error),
        "the recorded error is the one printed: {err} / {error}"
    );
    for t in ["started", "ended"] {
        chrono::DateTime::parse_from_rfc3339(a[t].as_str().unwrap()).unwrap();
    }
    let pending = holder(&versions(dir, "k"), "AWSPENDING").unwrap();
    assert_eq!(a["token"], pending.as_str());

    let d = json(&ok(dir, &["secret", "describe", "k", "--format", "json"]));
    assert_eq!(d["last_attempt"], *a);
    let text = ok(dir, &["secret", "describe", "k"]);
    assert!(text.contains("last attempt  failed "), "{text}");
    assert!(text.contains("in setSecret"), "{text}");

    ok(dir, &["rotate", "k", "--cancel"]);
    let hist = attempts(dir, "k");
    let got: Vec<&str> = hist.iter().map(|a| a["outcome"].as_str().unwrap()).collect();
    assert_eq!(got, ["cancelled", "failed"]);
    assert_eq!(hist[0]["token"], pending.as_str());
    let table = ok(dir, &["secret", "history", "k"]);
    assert_eq!(table.lines().count(), 3, "{table}");
    assert!(table.lines().nth(1).unwrap().contains("cancelled"), "{table}");
    assert!(table.lines().nth(2).unwrap().contains("failed"), "{table}");
    ok(dir, &["secret", "update", "k", "--target", "noop"]);
    ok(dir, &["rotate", "k"]);
    assert_eq!(attempts(dir, "k")[0]["outcome"], "succeeded");
    assert_eq!(attempts(dir, "k").len(), 3);
    assert_eq!(attempts(dir, "k").len(), 3);
    let one = json(&ok(dir, &["secret", "history", "k", "-n", "1", "--format", "json"]));
    assert_eq!(one["attempts"].as_array().unwrap().len(), 1);
    // Nothing printed anywhere holds the value.
    for out in [
        ok(dir, &["secret", "history", "k", "--format", "json"]),
        ok(dir, &["secret", "describe", "k"]),
    ] {
        assert!(!out.contains(&value), "{out}");
    }
    assert!(fails(dir, &["secret", "history", "nope"]).contains("not found"));
}

//! `--on-event PROG` on `plan rotate` and `plan run`: the events of each
//! rotation, in order, as JSON on the hook's standard input, in a cleared
//! environment; a hook that fails, hangs or prints a lot is a warning and
//! never changes a rotation.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

mod cli_util;

use cli_util::store::{chmod, Dir};

fn setup(name: &str) -> Dir {
    Dir::with_key("events", name)
}

/// `plan ARGS`, with a variable the hook writes to and one no hook may see.
fn cmd(dir: &Path, args: &[&str]) -> Command {
    let mut c = cli_util::store::cmd(dir, args);
    c.env("HOOK_OUT", dir.join("events.jsonl"))
        .env("SECRET_LOOKING_VAR", "do-not-pass-me");
    c
}

#[track_caller]
fn ok(dir: &Path, args: &[&str]) -> Output {
    let out = cmd(dir, args).output().unwrap();
    assert!(
        out.status.success(),
        "plan {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn script(dir: &Path, name: &str, body: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
    chmod(&p, 0o755);
    p.display().to_string()
}

/// A hook that appends its input and its environment to `$HOOK_OUT`.
fn recorder(dir: &Path) -> String {
    script(dir, "hook.sh", "cat >> \"$HOOK_OUT\"\nenv | sort > \"$HOOK_OUT.env\"")
}

fn events(dir: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(dir.join("events.jsonl")).unwrap_or_default();
    text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn kinds_of(events: &[Value], secret: &str) -> Vec<String> {
    events
        .iter()
        .filter(|e| e["secret"] == secret)
        .map(|e| e["event"].as_str().unwrap().to_owned())
        .collect()
}

fn value(dir: &Path, name: &str) -> String {
    let out = ok(dir, &["secret", "get", name, "--show", "--format", "json"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v["value"].as_str().unwrap().to_owned()
}

#[test]
fn run_tells_the_hook_each_event_in_order() {
    let d = setup("order");
    let dir = &d.0;
    let hook = recorder(dir);
    ok(
        dir,
        &["secret", "create", "good", "--generate", "--schedule", "rate(1 day)"],
    );
    ok(
        dir,
        &[
            "secret",
            "create",
            "bad",
            "--generate",
            "--schedule",
            "rate(1 day)",
            "--target",
            "command:/bin/false",
        ],
    );
    let before = [value(dir, "good"), value(dir, "bad")];
    let out = cmd(
        dir,
        &["run", "--retries", "0", "--on-event", &hook, "--target-env", "HOOK_OUT"],
    )
    .output()
    .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "bad fails: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let evs = events(dir);
    assert_eq!(kinds_of(&evs, "good"), ["RotationStarted", "RotationSucceeded"]);
    assert_eq!(kinds_of(&evs, "bad"), ["RotationStarted", "RotationFailed"]);
    for e in &evs {
        let keys: Vec<&str> = e.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["event", "secret", "token", "time", "step", "error"], "{e}");
        chrono::DateTime::parse_from_rfc3339(e["time"].as_str().unwrap()).unwrap();
    }
    let failed = evs.iter().find(|e| e["event"] == "RotationFailed").unwrap();
    assert_eq!(failed["step"], "setSecret");
    assert!(
        failed["error"].as_str().unwrap().contains("exited with status 1"),
        "{failed}"
    );
    let good: Vec<&Value> = evs.iter().filter(|e| e["secret"] == "good").collect();
    assert_eq!(good[0]["token"], good[1]["token"]);
    assert!(good[1]["error"].is_null() && good[1]["step"].is_null());
    // The new value, the old ones and our environment stay out of it.
    let after = value(dir, "good");
    let all = std::fs::read_to_string(dir.join("events.jsonl")).unwrap();
    for v in before.iter().chain([&after]) {
        assert!(!all.contains(v.as_str()), "a value in an event: {all}");
    }
    let env = std::fs::read_to_string(dir.join("events.jsonl.env")).unwrap();
    let names: Vec<&str> = env.lines().filter_map(|l| l.split('=').next()).collect();
    for n in &names {
        assert!(
            ["PATH", "HOOK_OUT", "PWD", "SHLVL", "_", "OLDPWD"].contains(n),
            "{n} leaked: {env}"
        );
    }
    assert!(!env.contains("do-not-pass-me") && !env.contains("master.key"), "{env}");
}

#[test]
fn a_failing_or_noisy_hook_changes_nothing() {
    let d = setup("noisy");
    let dir = &d.0;
    let failing = script(dir, "fail.sh", "cat > /dev/null; exit 3");
    let noisy = script(
        dir,
        "noisy.sh",
        "head -c 20000000 /dev/zero; head -c 20000000 /dev/zero >&2; exit 0",
    );
    let deaf = script(dir, "deaf.sh", "exit 0");
    ok(
        dir,
        &["secret", "create", "k", "--generate", "--schedule", "rate(1 day)"],
    );
    for hook in [&failing, &noisy, &deaf, &dir.join("missing.sh").display().to_string()] {
        let before = value(dir, "k");
        let out = ok(dir, &["rotate", "k", "--on-event", hook]);
        assert!(String::from_utf8_lossy(&out.stdout).starts_with("rotated k"));
        assert_ne!(value(dir, "k"), before, "{hook}: not rotated");
        let err = String::from_utf8_lossy(&out.stderr);
        if hook == &failing {
            assert_eq!(err.matches("warning: --on-event").count(), 2, "{err}");
            assert!(
                err.contains("RotationSucceeded of k: it exited with exit status: 3"),
                "{err}"
            );
        } else if hook.ends_with("missing.sh") {
            assert!(err.contains("cannot start it"), "{err}");
        } else {
            assert!(!err.contains("warning"), "{hook}: {err}");
        }
    }
}

#[test]
fn a_hanging_hook_is_killed_and_holds_no_rotation_up() {
    let d = setup("hang");
    let dir = &d.0;
    let hang = script(dir, "hang.sh", "exec sleep 60");
    ok(
        dir,
        &["secret", "create", "k", "--generate", "--schedule", "rate(1 day)"],
    );
    let before = value(dir, "k");
    let start = Instant::now();
    let child = cmd(dir, &["rotate", "k", "--on-event", &hang])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Rotated long before the first hook run times out.
    let mut rotated_at = None;
    while start.elapsed() < Duration::from_secs(8) {
        if value(dir, "k") != before {
            rotated_at = Some(start.elapsed());
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let rotated_at = rotated_at.expect("not rotated while the hook hung");
    let out = child.wait_with_output().unwrap();
    let took = start.elapsed();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.matches("killed after 10s").count(), 2, "{err}");
    assert!(
        took >= Duration::from_secs(20) && took < Duration::from_secs(40),
        "{took:?}"
    );
    eprintln!("rotated after {rotated_at:?}; exited after {took:?}");
}

#[test]
fn taking_over_a_killed_rotation_tells_abandoned() {
    let d = setup("abandon");
    let dir = &d.0;
    let hook = recorder(dir);
    let slow = script(dir, "slow.sh", "cat > /dev/null; sleep 30");
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
            &format!("command:{slow}"),
        ],
    );
    let mut child = cmd(dir, &["rotate", "k", "--on-event", &hook, "--target-env", "HOOK_OUT"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while events(dir).is_empty() {
        assert!(start.elapsed() < Duration::from_secs(10), "no RotationStarted");
        std::thread::sleep(Duration::from_millis(50));
    }
    Command::new("kill")
        .args(["-9", &child.id().to_string()])
        .status()
        .unwrap();
    let _ = child.wait();
    ok(dir, &["secret", "update", "k", "--target", "noop"]);
    ok(dir, &["run", "--on-event", &hook, "--target-env", "HOOK_OUT"]);
    let evs = events(dir);
    assert_eq!(
        kinds_of(&evs, "k"),
        [
            "RotationStarted",
            "RotationAbandoned",
            "RotationStarted",
            "RotationSucceeded"
        ]
    );
    assert!(
        evs.iter().all(|e| e["token"] == evs[0]["token"]),
        "one token throughout: {evs:?}"
    );
}

#[test]
fn watch_tells_the_hook_too_and_delivers_before_it_stops() {
    let d = setup("watch");
    let dir = &d.0;
    let hook = recorder(dir);
    ok(
        dir,
        &["secret", "create", "k", "--generate", "--schedule", "rate(1 day)"],
    );
    let mut child = cmd(
        dir,
        &["run", "--watch", "--on-event", &hook, "--target-env", "HOOK_OUT"],
    )
    .stdout(Stdio::null())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let start = Instant::now();
    while events(dir).len() < 2 {
        assert!(start.elapsed() < Duration::from_secs(20), "events: {:?}", events(dir));
        std::thread::sleep(Duration::from_millis(50));
    }
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert!(status.success());
    assert_eq!(kinds_of(&events(dir), "k"), ["RotationStarted", "RotationSucceeded"]);
}

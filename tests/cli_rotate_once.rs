//! Rotating exactly once, recovering from failures, least privilege and
//! closed pipes, through the `plan` binary as operators run it: several
//! schedulers at once, `kill -9`, a failing target, a nosy target.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let dir = std::env::temp_dir().join(format!("rotaplan-once-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Dir(dir)
    }
    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const KEY_HEX: &str = "4d6173746572206b6579206f6620746865207465737473206f6e6c7921212121";

fn cmd(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_plan"));
    c.args(args)
        .current_dir(dir)
        .env("ROTAPLAN_KEY_FILE", dir.join("master.key"))
        .env_remove("ROTAPLAN_MASTER_KEY")
        .env_remove("ROTAPLAN_STORE");
    c
}

fn plan(dir: &Path, args: &[&str]) -> Output {
    cmd(dir, args).output().unwrap()
}

#[track_caller]
fn ok(dir: &Path, args: &[&str]) -> String {
    let out = plan(dir, args);
    assert!(
        out.status.success(),
        "plan {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[track_caller]
fn fails(dir: &Path, args: &[&str]) -> String {
    let out = plan(dir, args);
    assert!(!out.status.success(), "plan {args:?} succeeded");
    String::from_utf8(out.stderr).unwrap()
}

fn json(s: &str) -> serde_json::Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON ({e}): {s}"))
}

/// A Python interpreter for the target scripts.
fn python() -> String {
    if Path::new("/usr/bin/python3").exists() {
        return "/usr/bin/python3".into();
    }
    let out = Command::new("sh").args(["-c", "command -v python3"]).output().unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// A pretend database as a rotation target: setSecret stores the pending
/// value as the secret's password (atomically), testSecret logs in with it.
/// `TARGET_DB` (passed with `--target-env`) is where; `TARGET_SLOW` seconds
/// per step.
fn login_target(dir: &Path) -> PathBuf {
    let script = dir.join("target.py");
    std::fs::write(
        &script,
        format!(
            r#"#!{}
import json, os, sys, time
req = json.load(sys.stdin)
time.sleep(float(os.environ.get("TARGET_SLOW", "0")))
db = os.environ["TARGET_DB"]
path = os.path.join(db, req["SecretId"].replace("/", "_"))
pending = json.dumps(req["PendingSecret"])
if req["Step"] == "setSecret":
    with open(path + ".tmp." + str(os.getpid()), "w") as f:
        f.write(pending)
    os.rename(path + ".tmp." + str(os.getpid()), path)
    with open(path + ".log", "a") as f:
        f.write(req["ClientRequestToken"] + "\n")
else:
    with open(path) as f:
        sys.exit(0 if f.read() == pending else 1)
"#,
            python()
        ),
    )
    .unwrap();
    chmod(&script, 0o755);
    std::fs::create_dir_all(dir.join("db")).unwrap();
    script
}

fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// A store with `n` secrets `s00`… due now (never rotated), all rotated by
/// the login target.
fn setup(dir: &Path, n: usize) -> PathBuf {
    std::fs::write(dir.join("master.key"), KEY_HEX).unwrap();
    chmod(&dir.join("master.key"), 0o600);
    let script = login_target(dir);
    let target = format!("command:{}", script.display());
    for i in 0..n {
        let name = format!("s{i:02}");
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
        // The database starts out accepting the first value.
        let v = ok(dir, &["secret", "get", &name, "--show", "--format", "json"]);
        let first = json(&v)["value"].as_str().unwrap().to_owned();
        std::fs::write(dir.join("db").join(&name), serde_json::to_string(&first).unwrap()).unwrap();
    }
    script
}

/// `plan run --format json EXTRA` with the login target's database
/// (`dir/db`) and per-step delay in seconds passed with `--target-env`.
fn run_cmd(dir: &Path, slow: &str, extra: &[&str]) -> Command {
    let mut args = vec![
        "run",
        "--format",
        "json",
        "--target-env",
        "TARGET_DB",
        "--target-env",
        "TARGET_SLOW",
    ];
    args.extend_from_slice(extra);
    let mut c = cmd(dir, &args);
    c.env("TARGET_DB", dir.join("db")).env("TARGET_SLOW", slow);
    c
}

/// Versions of `name` with their stages, from `describe --format json`.
fn versions(dir: &Path, name: &str) -> Vec<(String, Vec<String>)> {
    let d = json(&ok(dir, &["secret", "describe", name, "--format", "json"]));
    d["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            let stages = v["stages"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap().to_owned());
            (v["id"].as_str().unwrap().to_owned(), stages.collect())
        })
        .collect()
}

/// Checks that `name` went through exactly one completed rotation and that
/// the target accepts AWSCURRENT's value. Returns AWSCURRENT's version.
#[track_caller]
fn rotated_once(dir: &Path, name: &str) -> String {
    let vs = versions(dir, name);
    assert_eq!(vs.len(), 2, "{name}: {vs:?}");
    let current: Vec<_> = vs.iter().filter(|(_, s)| s.contains(&"AWSCURRENT".into())).collect();
    assert_eq!(current.len(), 1, "{name}: {vs:?}");
    assert!(
        vs.iter().any(|(_, s)| s == &["AWSPREVIOUS".to_string()]),
        "{name}: {vs:?}"
    );
    assert!(
        !vs.iter().any(|(_, s)| s.contains(&"AWSPENDING".into())),
        "{name}: {vs:?}"
    );
    let value = json(&ok(dir, &["secret", "get", name, "--show", "--format", "json"]));
    let accepted = std::fs::read_to_string(dir.join("db").join(name)).unwrap();
    assert_eq!(
        accepted,
        serde_json::to_string(&value["value"]).unwrap(),
        "{name}: the target does not accept AWSCURRENT"
    );
    // Only the winning rotation ever told the target (setSecret runs again
    // only when resuming the same token).
    let log = std::fs::read_to_string(dir.join("db").join(format!("{name}.log"))).unwrap();
    let tokens: BTreeSet<&str> = log.lines().collect();
    assert_eq!(tokens.len(), 1, "{name}: setSecret ran for several tokens: {log}");
    current[0].0.clone()
}

#[test]
fn four_schedulers_rotate_each_secret_once() {
    let d = Dir::new("race");
    let dir = d.path();
    setup(dir, 50);
    let children: Vec<_> = (0..4)
        .map(|_| {
            run_cmd(dir, "0.02", &[])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut rotated: BTreeMap<String, String> = BTreeMap::new();
    let mut skipped = 0;
    for child in children {
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "plan run failed: {stderr}");
        let summary = json(&String::from_utf8(out.stdout).unwrap());
        assert_eq!(summary["failed"], serde_json::json!([]), "{summary}");
        for r in summary["rotated"].as_array().unwrap() {
            let name = r["secret"].as_str().unwrap().to_owned();
            let prev = rotated.insert(name.clone(), r["version"].as_str().unwrap().to_owned());
            assert!(prev.is_none(), "{name} rotated by two runs");
        }
        for s in summary["skipped"].as_array().unwrap() {
            let reason = s["reason"].as_str().unwrap();
            assert!(
                reason == "already rotated" || reason.starts_with("rotating elsewhere"),
                "{reason}"
            );
            skipped += 1;
        }
    }
    assert_eq!(rotated.len(), 50, "every secret rotated by some run");
    eprintln!("4 runs: 50 rotated, {skipped} skipped");
    // Every run saw all 50 due (or a few already done): no secret vanished.
    assert!(skipped <= 150, "{skipped}");
    for (name, version) in &rotated {
        assert_eq!(&rotated_once(dir, name), version, "{name}: summary and store disagree");
    }
    // And nothing is due any more.
    let due = json(&ok(dir, &["due", "--format", "json"]));
    assert_eq!(due["due"], serde_json::json!([]));
}

#[test]
fn kill_9_at_random_moments_then_run_again() {
    let python = python();
    // How many secrets the kills left not started / mid-rotation / done.
    let mut seen = [0usize; 3];
    for trial in 0..20u64 {
        let d = Dir::new(&format!("kill{trial}"));
        let dir = d.path();
        setup(dir, 3);
        let run = |slow: &str| run_cmd(dir, slow, &[]);
        let mut child = run("0.05").stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        // Moments spread over the whole run: before, during and after the
        // steps of each of the three secrets (python start-up included).
        let wait = (trial * 53 + 7) % 900;
        std::thread::sleep(Duration::from_millis(wait));
        unsafe_kill9(child.id());
        let _ = child.wait();
        let states: Vec<usize> = (0..3)
            .map(|i| {
                let vs = versions(dir, &format!("s{i:02}"));
                match vs.iter().any(|(_, s)| s.contains(&"AWSPENDING".into())) {
                    true => 1,                   // killed inside a rotation
                    false if vs.len() == 1 => 0, // not started
                    false => 2,                  // finished
                }
            })
            .collect();
        for st in &states {
            seen[*st] += 1;
        }
        let before: Vec<_> = (0..3).map(|i| versions(dir, &format!("s{i:02}"))).collect();
        let out = run("0").output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "trial {trial} ({wait} ms, {python}): rerun failed: {stderr}"
        );
        let summary = json(&String::from_utf8(out.stdout).unwrap());
        assert_eq!(summary["failed"], serde_json::json!([]), "trial {trial}: {summary}");
        for (i, before) in before.iter().enumerate() {
            let name = format!("s{i:02}");
            let after = versions(dir, &name);
            assert_eq!(
                after.len(),
                2,
                "trial {trial}: {name} before the rerun {before:?}, after {after:?}; {summary}"
            );
            rotated_once(dir, &name);
        }
    }
    eprintln!("kill -9 left secrets not started / mid-rotation / done: {seen:?}");
    assert!(seen[1] >= 3, "too few kills landed inside a rotation: {seen:?}");
}

/// `kill -9 PID` without a libc binding.
fn unsafe_kill9(pid: u32) {
    let status = Command::new("kill").args(["-9", &pid.to_string()]).status().unwrap();
    let _ = status; // it may have exited already
}

#[test]
fn command_target_sees_no_key_material() {
    let d = Dir::new("env");
    let dir = d.path();
    let dump = dir.join("env.txt");
    let script = dir.join("dump.sh");
    std::fs::write(
        &script,
        format!("#!/bin/sh\nenv > '{}'\ncat > /dev/null\n", dump.display()),
    )
    .unwrap();
    chmod(&script, 0o755);
    let target = format!("command:{}", script.display());
    let with_env = |c: &mut Command| {
        c.env("ROTAPLAN_MASTER_KEY", KEY_HEX)
            .env_remove("ROTAPLAN_KEY_FILE")
            .env("AWS_SECRET_ACCESS_KEY", "aws-secret-do-not-leak")
            .env("AWS_ACCESS_KEY_ID", "AKIADONOTLEAK")
            .env("ROTAPLAN_ENDPOINT_URL", "http://127.0.0.1:1")
            .env("WANTED", "yes");
    };
    let mut c = cmd(
        dir,
        &[
            "secret",
            "create",
            "k",
            "--generate",
            "--schedule",
            "rate(1 day)",
            "--target",
            &target,
        ],
    );
    with_env(&mut c);
    assert!(c.status().unwrap().success());
    let mut c = cmd(dir, &["rotate", "k", "--target-env", "WANTED"]);
    with_env(&mut c);
    let out = c.output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let env = std::fs::read_to_string(&dump).unwrap();
    for bad in [
        KEY_HEX,
        "ROTAPLAN_MASTER_KEY",
        "ROTAPLAN_KEY_FILE",
        "AWS_",
        "do-not-leak",
        "DONOTLEAK",
        "ENDPOINT",
    ] {
        assert!(!env.contains(bad), "{bad} reached the target:\n{env}");
    }
    let names: BTreeSet<&str> = env.lines().filter_map(|l| l.split_once('=')).map(|(k, _)| k).collect();
    for want in [
        "PATH",
        "WANTED",
        "ROTAPLAN_STEP",
        "ROTAPLAN_SECRET_ID",
        "ROTAPLAN_TOKEN",
        "ROTAPLAN_STRATEGY",
    ] {
        assert!(names.contains(want), "{want} missing: {names:?}");
    }
    // sh itself adds PWD (and SHLVL, `_` on some shells); nothing else.
    let extra: Vec<_> = names
        .iter()
        .filter(|n| !["PWD", "SHLVL", "_", "OLDPWD"].contains(n))
        .filter(|n| {
            ![
                "PATH",
                "WANTED",
                "ROTAPLAN_STEP",
                "ROTAPLAN_SECRET_ID",
                "ROTAPLAN_TOKEN",
                "ROTAPLAN_STRATEGY",
            ]
            .contains(n)
        })
        .collect();
    assert!(extra.is_empty(), "unexpected variables: {extra:?}");
}

#[test]
fn failed_rotation_is_cancelled_and_the_rules_changed() {
    let d = Dir::new("cancel");
    let dir = d.path();
    std::fs::write(dir.join("master.key"), KEY_HEX).unwrap();
    chmod(&dir.join("master.key"), 0o600);
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
    let before = versions(dir, "k");
    let err = fails(dir, &["rotate", "k", "--retries", "0"]);
    assert!(err.contains("exited with status 1"), "{err}");
    // The next run resumes it and fails again; `--resume` says the same.
    fails(dir, &["rotate", "k", "--resume", "--retries", "0"]);
    let pending = versions(dir, "k");
    assert_eq!(pending.len(), 2);
    let out = ok(dir, &["rotate", "k", "--cancel"]);
    assert!(out.starts_with("cancelled the rotation of k"), "{out}");
    let after = versions(dir, "k");
    assert_eq!(after.len(), 2, "the cancelled value stays, deprecated: {after:?}");
    assert_eq!(
        after.iter().find(|(_, s)| s.contains(&"AWSCURRENT".into())),
        before.iter().find(|(_, s)| s.contains(&"AWSCURRENT".into())),
        "AWSCURRENT untouched"
    );
    assert!(after.iter().any(|(_, s)| s.is_empty()));
    assert!(fails(dir, &["rotate", "k", "--cancel"]).contains("no pending rotation"));
    // A target that does not exist is refused before it is stored.
    let err = fails(dir, &["secret", "update", "k", "--target", "command:/no/such/program"]);
    assert!(err.contains("/no/such/program"), "{err}");
    ok(dir, &["secret", "update", "k", "--target", "noop"]);
    let out = ok(dir, &["rotate", "k", "--format", "json"]);
    assert!(json(&out)["version"].is_string(), "{out}");
    ok(dir, &["secret", "update", "k", "--no-rotation"]);
    let listed = json(&ok(dir, &["secret", "list", "--format", "json"]));
    assert_eq!(listed[0]["rotation"], serde_json::Value::Null);
}

#[test]
fn create_checks_the_rotation_config() {
    let d = Dir::new("create");
    let dir = d.path();
    std::fs::write(dir.join("master.key"), KEY_HEX).unwrap();
    chmod(&dir.join("master.key"), 0o600);
    std::fs::write(dir.join("plain.txt"), "not json").unwrap();
    let err = fails(
        dir,
        &[
            "secret",
            "create",
            "a",
            "--value-file",
            "plain.txt",
            "--schedule",
            "rate(1 day)",
            "--strategy",
            "alternating-users",
        ],
    );
    assert!(err.contains("username"), "{err}");
    let err = fails(
        dir,
        &[
            "secret",
            "create",
            "b",
            "--generate",
            "--schedule",
            "rate(1 day)",
            "--target",
            "command:nope-not-here",
        ],
    );
    assert!(err.contains("nope-not-here"), "{err}");
    if !cfg!(feature = "postgres") {
        let err = fails(
            dir,
            &[
                "secret",
                "create",
                "c",
                "--generate",
                "--schedule",
                "rate(1 day)",
                "--target",
                "postgres",
            ],
        );
        assert!(err.contains("not available in this build"), "{err}");
    }
    // Nothing was created.
    let listed = json(&ok(dir, &["secret", "list", "--format", "json"]));
    assert_eq!(listed, serde_json::json!([]));
}

#[test]
fn stores_and_keys_open_to_others_are_refused_and_never_created() {
    let d = Dir::new("perms");
    let dir = d.path();
    std::fs::write(dir.join("master.key"), KEY_HEX).unwrap();
    chmod(&dir.join("master.key"), 0o600);
    for args in [
        &["due"][..],
        &["run"],
        &["secret", "list"],
        &["secret", "get", "x"],
        &["secret", "describe", "x"],
        &["rotate", "x"],
    ] {
        let err = fails(dir, args);
        assert!(
            err.contains("rotaplan.sqlite") && err.contains("no such file"),
            "{args:?}: {err}"
        );
        assert!(!dir.join("rotaplan.sqlite").exists(), "{args:?} created a store");
    }
    ok(dir, &["secret", "create", "x", "--generate"]);
    chmod(&dir.join("rotaplan.sqlite"), 0o644);
    let err = fails(dir, &["secret", "list"]);
    assert!(err.contains(&format!("chmod 600 {}", "rotaplan.sqlite")), "{err}");
    chmod(&dir.join("rotaplan.sqlite"), 0o600);
    chmod(&dir.join("master.key"), 0o640);
    let err = fails(dir, &["secret", "list"]);
    assert!(
        err.contains(&format!("chmod 600 {}", dir.join("master.key").display())),
        "{err}"
    );
}

#[test]
fn every_command_exits_quietly_on_a_closed_pipe() {
    let d = Dir::new("pipe");
    let dir = d.path();
    std::fs::write(dir.join("master.key"), KEY_HEX).unwrap();
    chmod(&dir.join("master.key"), 0o600);
    ok(
        dir,
        &["secret", "create", "x", "--generate", "--schedule", "rate(1 day)"],
    );
    ok(
        dir,
        &["secret", "create", "y", "--generate", "--schedule", "rate(1 day)"],
    );
    let check = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/check/schedules.txt");
    let commands: Vec<Vec<String>> = [
        vec!["rate(1 hour)", "-n", "5000"],
        vec!["cron(0 4 ? * SUN *)", "-n", "2000", "--format", "json"],
        vec!["check", check.to_str().unwrap()],
        vec!["secret", "list"],
        vec!["secret", "list", "--format", "json"],
        vec!["secret", "describe", "x", "-n", "500"],
        vec!["secret", "describe", "x", "--format", "json"],
        vec!["secret", "get", "x"],
        vec!["secret", "get", "x", "--show", "--format", "json"],
        vec!["due"],
        vec!["due", "--format", "json"],
        vec!["rotate", "x"],
        vec!["run", "--format", "json"],
        vec!["run"],
        vec!["--help"],
        vec!["secret", "create", "z1", "--generate"],
        vec!["secret", "put", "x", "--generate"],
        vec!["secret", "update", "x", "--duration", "2h"],
        vec!["secret", "delete", "y"],
        vec!["secret", "restore", "y"],
        vec!["rotate", "x", "--resume"],
        vec!["rotate", "x", "--cancel"],
        vec!["key", "generate", "other.key"],
    ]
    .iter()
    .map(|c| c.iter().map(|s| s.to_string()).collect())
    .collect();
    for args in &commands {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        // `| head -c1` by a shell, the way users do it.
        let line = format!(
            "'{}' {} | head -c1 >/dev/null; echo \"${{PIPESTATUS[0]}}\" >&2",
            env!("CARGO_BIN_EXE_plan"),
            args.iter().map(|a| format!("'{a}'")).collect::<Vec<_>>().join(" ")
        );
        let res = Command::new("bash")
            .args(["-c", &line])
            .current_dir(dir)
            .env("ROTAPLAN_KEY_FILE", dir.join("master.key"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&res.stderr);
        let status = stderr.lines().last().unwrap_or("").trim().to_owned();
        assert!(
            !stderr.contains("panicked") && !stderr.contains("Broken pipe"),
            "{args:?}: {stderr}"
        );
        assert!(status == "0" || status == "1", "{args:?}: exit {status}: {stderr}");
        // Closing the pipe before anything is written, too.
        let mut child = cmd(dir, &args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !stderr.contains("panicked") && !stderr.contains("Broken pipe"),
            "{args:?}: {stderr}"
        );
        assert_ne!(out.status.code(), Some(101), "{args:?}");
    }
}

#[test]
fn a_hanging_target_times_out_with_a_message_per_attempt() {
    let d = Dir::new("timeout");
    let dir = d.path();
    std::fs::write(dir.join("master.key"), KEY_HEX).unwrap();
    chmod(&dir.join("master.key"), 0o600);
    let script = dir.join("hang.sh");
    std::fs::write(&script, "#!/bin/sh\nexec sleep 600\n").unwrap();
    chmod(&script, 0o755);
    let target = format!("command:{}", script.display());
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
            &target,
        ],
    );
    let out = plan(
        dir,
        &["run", "--step-timeout", "1s", "--retries", "1", "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let warnings: Vec<_> = stderr
        .lines()
        .filter(|l| l.starts_with("warning: k: attempt"))
        .collect();
    assert_eq!(warnings.len(), 1, "one retry announced: {stderr}");
    assert!(warnings[0].contains("attempt 1 timed out"), "{stderr}");
    let summary = json(&String::from_utf8(out.stdout).unwrap());
    let error = summary["failed"][0]["error"].as_str().unwrap();
    assert!(error.contains("timed out after 1s"), "{error}");
    // Bad flag values are usage errors.
    let err = fails(dir, &["run", "--step-timeout", "0s"]);
    assert!(err.contains("at least 1s"), "{err}");
}

#[test]
fn watch_rotates_what_is_due_and_stops_on_sigterm() {
    let d = Dir::new("watch");
    let dir = d.path();
    setup(dir, 2);
    let child = run_cmd(dir, "1", &["--watch", "--jobs", "1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait (bounded) until the first secret's rotation is under way.
    let mut pending = false;
    for _ in 0..300 {
        std::thread::sleep(Duration::from_millis(50));
        if versions(dir, "s00")
            .iter()
            .any(|(_, s)| s.contains(&"AWSPENDING".into()))
        {
            pending = true;
            break;
        }
    }
    assert!(pending, "the watcher did not start rotating");
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("stopped by signal"), "{stderr}");
    // The rotation in progress finished; the next secret was left for the
    // next run, untouched.
    let summary = json(&String::from_utf8(out.stdout).unwrap());
    assert_eq!(summary["rotated"].as_array().unwrap().len(), 1, "{summary}");
    rotated_once(dir, "s00");
    assert_eq!(versions(dir, "s01").len(), 1);
}

/// `--jobs N`: up to N targets run at once (never more), and still each
/// secret is rotated exactly once. A target sleeping 50 ms per step logs
/// when each call starts and ends; the overlap is counted from the log, so
/// nothing here depends on how fast the machine is.
#[test]
fn jobs_rotate_several_secrets_at_once() {
    let d = Dir::new("jobs");
    let dir = d.path();
    std::fs::write(dir.join("master.key"), KEY_HEX).unwrap();
    chmod(&dir.join("master.key"), 0o600);
    let script = dir.join("slow.sh");
    std::fs::write(
        &script,
        "#!/bin/sh\ncat > /dev/null\n\
         echo \"$(date +%s%N) S $ROTAPLAN_SECRET_ID $ROTAPLAN_STEP\" >> \"$TARGET_LOG\"\n\
         sleep 0.05\n\
         echo \"$(date +%s%N) E $ROTAPLAN_SECRET_ID $ROTAPLAN_STEP\" >> \"$TARGET_LOG\"\n",
    )
    .unwrap();
    chmod(&script, 0o755);
    let target = format!("command:{}", script.display());
    for jobs in ["1", "3"] {
        // Fresh secrets each round: the last round's are no longer due.
        let names: Vec<String> = (0..12).map(|i| format!("j{jobs}-{i:02}")).collect();
        for name in &names {
            ok(
                dir,
                &[
                    "secret",
                    "create",
                    name,
                    "--generate",
                    "--schedule",
                    "rate(1 day)",
                    "--target",
                    &target,
                ],
            );
        }
        let log = dir.join(format!("calls-{jobs}.log"));
        let out = cmd(
            dir,
            &["run", "--jobs", jobs, "--format", "json", "--target-env", "TARGET_LOG"],
        )
        .env("TARGET_LOG", &log)
        .output()
        .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let summary = json(&String::from_utf8(out.stdout).unwrap());
        let rotated: Vec<&str> = summary["rotated"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["secret"].as_str().unwrap())
            .collect();
        assert_eq!(rotated, names, "--jobs {jobs}: {summary}");
        let text = std::fs::read_to_string(&log).unwrap();
        let mut events: Vec<(u128, bool, String)> = text
            .lines()
            .map(|l| {
                let f: Vec<&str> = l.split(' ').collect();
                (f[0].parse().unwrap(), f[1] == "S", format!("{} {}", f[2], f[3]))
            })
            .collect();
        // Each secret's setSecret and testSecret ran exactly once.
        for name in &names {
            for step in ["setSecret", "testSecret"] {
                let starts = events.iter().filter(|e| e.1 && e.2 == format!("{name} {step}")).count();
                assert_eq!(starts, 1, "--jobs {jobs}: {name} {step}:\n{text}");
            }
        }
        // Ends sort before starts at the same instant: no false overlap.
        events.sort_by_key(|e| (e.0, e.1));
        let (mut running, mut most) = (0i32, 0i32);
        for e in &events {
            running += if e.1 { 1 } else { -1 };
            most = most.max(running);
        }
        let jobs_n: i32 = jobs.parse().unwrap();
        assert!(most <= jobs_n, "--jobs {jobs}: {most} targets at once:\n{text}");
        if jobs_n > 1 {
            assert!(most > 1, "--jobs {jobs}: never more than one target at once:\n{text}");
        }
        let due = json(&ok(dir, &["due", "--format", "json"]));
        assert_eq!(due["due"], serde_json::json!([]), "--jobs {jobs}: still due");
    }
}

//! `plan run --watch --metrics ADDR`: the Prometheus metrics of a pass over
//! a SQLite store holding a secret due and rotated, one due whose target
//! fails (overdue), one not due, one held mid-rotation by a gated target,
//! and one without rules; checked against values worked out by hand from
//! the schedules and the dates the test set. Then a real Prometheus
//! (ROTAPLAN_TEST_PROMETHEUS_BIN, ROTAPLAN_TEST_PROMTOOL, from
//! scripts/test.sh) scrapes it, and `promtool check metrics` reads it.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Datelike, TimeZone, Utc};
use rotaplan::store::{MasterKey, SecretId, SecretStore, SqliteStore};
use serde_json::Value;

mod cli_util;

use cli_util::store::{chmod, cmd, ok, Dir, KEY_HEX};

fn setup(name: &str) -> Dir {
    Dir::with_key("metrics", name)
}

/// A child process killed (and reaped) when the test ends, however it ends.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// How long any one wait for the scheduler or Prometheus may take.
const PATIENCE: Duration = Duration::from_secs(60);

fn value(dir: &Path, name: &str) -> String {
    let out = ok(dir, &["secret", "get", name, "--show", "--format", "json"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v["value"].as_str().unwrap().to_owned()
}

/// Sets LastRotatedDate through the library, as a rotation at `at` would.
fn mark_rotated(dir: &Path, marks: &[(&str, DateTime<Utc>)]) {
    let store = SqliteStore::open_existing(dir.join("rotaplan.sqlite"), MasterKey::from_hex(KEY_HEX).unwrap()).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        for (name, at) in marks {
            store.mark_rotated(&SecretId::new(*name).unwrap(), *at).await.unwrap();
        }
    });
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// `GET path` over HTTP/1.0 (no chunking): the status and the body.
fn get(port: u16, path: &str) -> std::io::Result<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n")?;
    let mut raw = String::new();
    s.read_to_string(&mut raw)?;
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    Ok((status, body.to_owned()))
}

/// Polls `f` until it answers, for at most [`PATIENCE`].
#[track_caller]
fn wait_for<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(start.elapsed() < PATIENCE, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `plan run --watch --metrics 127.0.0.1:PORT ARGS`, its standard error
/// read line by line into a channel.
fn watch(dir: &Path, port: u16, args: &[&str]) -> (Proc, mpsc::Receiver<String>) {
    let addr = format!("127.0.0.1:{port}");
    let mut all = vec!["run", "--watch", "--metrics", &addr];
    all.extend(args);
    let mut child = cmd(dir, &all)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (Proc(child), rx)
}

/// Waits for the watcher to say its pass is over (the metrics are set
/// before it says so); answers what it printed meanwhile.
#[track_caller]
fn pass_done(rx: &mpsc::Receiver<String>) -> Vec<String> {
    let start = Instant::now();
    let mut seen = Vec::new();
    loop {
        let left = PATIENCE.saturating_sub(start.elapsed());
        match rx.recv_timeout(left) {
            Ok(line) if line.starts_with("plan run --watch: next pass in") => return seen,
            Ok(line) => seen.push(line),
            Err(e) => panic!("no end of pass ({e}); stderr: {seen:?}"),
        }
    }
}

/// The samples of an exposition, by `name{labels}` as printed.
fn samples(text: &str) -> HashMap<String, f64> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (k, v) = l.rsplit_once(' ').unwrap();
            (k.to_owned(), v.parse().unwrap_or_else(|_| panic!("not a number: {l}")))
        })
        .collect()
}

#[track_caller]
fn sample(s: &HashMap<String, f64>, key: &str) -> f64 {
    *s.get(key).unwrap_or_else(|| panic!("no sample {key}"))
}

fn utc(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
}

/// The first 06:00 UTC strictly after `t` (`cron(0 6 * * ? *)`).
fn next_six_am(t: DateTime<Utc>) -> DateTime<Utc> {
    let six = utc(t.year(), t.month(), t.day(), 6);
    if six > t {
        six
    } else {
        six + chrono::Duration::days(1)
    }
}

const DAILY: &str = "cron(0 6 * * ? *)";
const YEARLY: &str = "cron(0 12 1 1 ? *)";
/// A name with every character besides letters and digits a secret name may have.
const ODD: &str = "app/db+main=1.x@y-z_";

#[test]
fn serves_what_the_pass_did() {
    let d = setup("pass");
    let dir = &d.0;
    let gate = dir.join("gate");
    let gated = dir.join("gated.sh");
    std::fs::write(
        &gated,
        // Gives up after a minute, so a failed test leaves nothing behind.
        format!(
            "#!/bin/sh\ni=0\nwhile [ ! -e '{0}' ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done\n[ -e '{0}' ]\n",
            gate.display()
        ),
    )
    .unwrap();
    chmod(&gated, 0o755);
    let gated_target = format!("command:{}", gated.display());
    for (name, schedule, target) in [
        (ODD, DAILY, "noop"),
        ("bad", DAILY, "command:/bin/false"),
        ("slow", DAILY, gated_target.as_str()),
        ("later", YEARLY, "noop"),
    ] {
        ok(
            dir,
            &[
                "secret",
                "create",
                name,
                "--generate",
                "--schedule",
                schedule,
                "--duration",
                "2h",
                "--target",
                target,
            ],
        );
    }
    ok(dir, &["secret", "create", "no-rules", "--generate"]);
    // Due (and overdue) since the 06:00-08:00 window of 2020-01-01; `later`
    // was rotated just now, so its next window is the next 1 January, 12:00.
    let long_ago = utc(2020, 1, 1, 0);
    let just_now = DateTime::from_timestamp(Utc::now().timestamp(), 0).unwrap();
    mark_rotated(
        dir,
        &[
            (ODD, long_ago),
            ("bad", long_ago),
            ("slow", long_ago),
            ("later", just_now),
        ],
    );
    let names = [ODD, "bad", "slow", "later", "no-rules"];
    let before: Vec<String> = names.iter().map(|n| value(dir, n)).collect();

    let port = free_port();
    let t0 = Utc::now().timestamp();
    let (mut plan, rx) = watch(dir, port, &["--retries", "0", "--jobs", "4", "--step-timeout", "5m"]);
    assert_eq!(
        wait_for("/healthz", || get(port, "/healthz").ok()),
        (200, "ok\n".to_owned())
    );
    assert_eq!(get(port, "/").unwrap().0, 404);
    assert_eq!(get(port, "/metrics/x").unwrap().0, 404);

    // Mid-pass: the good one and the failing one are done, `slow` waits at
    // its gate.
    let mid = wait_for("two rotations done and one in flight", || {
        let s = samples(&get(port, "/metrics").ok()?.1);
        let done = s.get(r#"rotaplan_rotations_total{outcome="succeeded"}"#) == Some(&1.0)
            && s.get(r#"rotaplan_rotations_total{outcome="failed"}"#) == Some(&1.0)
            && s.get("rotaplan_rotations_in_flight") == Some(&1.0);
        done.then_some(s)
    });
    // `slow` has run createSecret and waits in setSecret: nothing of it counted yet.
    assert_eq!(
        sample(&mid, r#"rotaplan_step_duration_seconds_count{step="testSecret"}"#),
        1.0
    );
    // No pass has finished: no per-secret gauge yet.
    assert!(!mid.keys().any(|k| k.starts_with("rotaplan_secret_")), "{mid:?}");
    std::fs::write(&gate, "").unwrap();
    let printed = pass_done(&rx);
    let t1 = Utc::now().timestamp();
    assert!(
        printed
            .iter()
            .any(|l| l.starts_with("error: bad: ") && l.contains("setSecret")),
        "{printed:?}"
    );

    let (status, text) = get(port, "/metrics").unwrap();
    assert_eq!(status, 200);
    let s = samples(&text);
    // Outcomes of the pass; nothing left in flight.
    assert_eq!(sample(&s, r#"rotaplan_rotations_total{outcome="succeeded"}"#), 2.0);
    assert_eq!(sample(&s, r#"rotaplan_rotations_total{outcome="failed"}"#), 1.0);
    assert_eq!(sample(&s, r#"rotaplan_rotations_total{outcome="skipped"}"#), 0.0);
    assert_eq!(sample(&s, "rotaplan_rotations_in_flight"), 0.0);
    // Steps: each rotated secret ran all four (createSecret a no-op after
    // the claim), the failing one createSecret and setSecret.
    for (step, n) in [
        ("createSecret", 3.0),
        ("setSecret", 3.0),
        ("testSecret", 2.0),
        ("finishSecret", 2.0),
    ] {
        let count = sample(&s, &format!(r#"rotaplan_step_duration_seconds_count{{step="{step}"}}"#));
        assert_eq!(count, n, "{step}");
        let inf = sample(
            &s,
            &format!(r#"rotaplan_step_duration_seconds_bucket{{step="{step}",le="+Inf"}}"#),
        );
        assert_eq!(inf, n, "{step}");
        assert!(sample(&s, &format!(r#"rotaplan_step_duration_seconds_sum{{step="{step}"}}"#)) >= 0.0);
        // Buckets never decrease.
        let mut buckets: Vec<(f64, f64)> = s
            .iter()
            .filter_map(|(k, v)| {
                let le = k
                    .strip_prefix(&format!(r#"rotaplan_step_duration_seconds_bucket{{step="{step}",le=""#))?
                    .strip_suffix("\"}")?;
                Some((
                    if le == "+Inf" {
                        f64::INFINITY
                    } else {
                        le.parse().unwrap()
                    },
                    *v,
                ))
            })
            .collect();
        buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
        assert!(
            buckets.len() > 5 && buckets.windows(2).all(|w| w[0].1 <= w[1].1),
            "{buckets:?}"
        );
    }
    let gauge = |name: &str, secret: &str| sample(&s, &format!(r#"rotaplan_secret_{name}{{secret="{secret}"}}"#));
    // Failed, still due in the window of 2020-01-01 06:00-08:00, overdue.
    assert_eq!(
        gauge("next_window_start_seconds", "bad"),
        utc(2020, 1, 1, 6).timestamp() as f64
    );
    assert_eq!(gauge("last_rotation_seconds", "bad"), long_ago.timestamp() as f64);
    assert_eq!(gauge("overdue", "bad"), 1.0);
    // Rotated in the pass: due next at the first 06:00 after the rotation.
    for name in [ODD, "slow"] {
        let last = gauge("last_rotation_seconds", name);
        assert!(
            (t0 as f64..=t1 as f64).contains(&last),
            "{name}: {last} not in {t0}..={t1}"
        );
        let last = DateTime::from_timestamp(last as i64, 0).unwrap();
        assert_eq!(
            gauge("next_window_start_seconds", name),
            next_six_am(last).timestamp() as f64,
            "{name}"
        );
        assert_eq!(gauge("overdue", name), 0.0, "{name}");
    }
    // Not due: the next 1 January, 12:00 after its rotation.
    let jan1 = utc(just_now.year(), 1, 1, 12);
    let next_jan1 = if jan1 > just_now {
        jan1
    } else {
        utc(just_now.year() + 1, 1, 1, 12)
    };
    assert_eq!(
        gauge("next_window_start_seconds", "later"),
        next_jan1.timestamp() as f64
    );
    assert_eq!(gauge("last_rotation_seconds", "later"), just_now.timestamp() as f64);
    assert_eq!(gauge("overdue", "later"), 0.0);
    // No rules, no series; the odd name printed as it is, quoted.
    assert!(!text.contains("no-rules"), "{text}");
    assert!(
        text.contains(&format!("rotaplan_secret_overdue{{secret=\"{ODD}\"}} 0\n")),
        "{text}"
    );
    // Every metric has its HELP and TYPE.
    for (name, kind) in [
        ("rotaplan_secret_next_window_start_seconds", "gauge"),
        ("rotaplan_secret_last_rotation_seconds", "gauge"),
        ("rotaplan_secret_overdue", "gauge"),
        ("rotaplan_rotations_total", "counter"),
        ("rotaplan_step_duration_seconds", "histogram"),
        ("rotaplan_rotations_in_flight", "gauge"),
    ] {
        assert!(text.contains(&format!("\n# HELP {name} ")) || text.starts_with(&format!("# HELP {name} ")));
        assert!(text.contains(&format!("# TYPE {name} {kind}\n")), "{name}: {text}");
    }
    let families = text.lines().filter(|l| l.starts_with("# TYPE ")).count();
    assert_eq!(families, 6, "{text}");
    // No value, old or new, gets out.
    let after: Vec<String> = names.iter().map(|n| value(dir, n)).collect();
    assert_ne!(before[0], after[0]);
    assert_ne!(before[2], after[2]);
    for v in before.iter().chain(&after) {
        assert!(!text.contains(v.as_str()), "a value in the metrics");
    }

    Command::new("kill")
        .args(["-TERM", &plan.0.id().to_string()])
        .status()
        .unwrap();
    assert!(plan.0.wait().unwrap().success());
}

#[test]
fn a_bad_metrics_address_or_no_watch_is_a_usage_error() {
    let d = setup("usage");
    let dir = &d.0;
    ok(
        dir,
        &["secret", "create", "k", "--generate", "--schedule", "rate(1 day)"],
    );
    let before = value(dir, "k");
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = cmd(dir, &["run", "--watch", "--metrics", &addr]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("--metrics {addr}: cannot listen")), "{err}");
    assert!(out.stdout.is_empty());
    assert_eq!(
        value(dir, "k"),
        before,
        "rotated although the metrics address was taken"
    );

    let out = cmd(dir, &["run", "--metrics", "127.0.0.1:0"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--watch"), "{err}");
    assert_eq!(value(dir, "k"), before);

    let out = cmd(dir, &["run", "--watch", "--metrics", "localhost"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(value(dir, "k"), before);
}

/// The Prometheus server and promtool that scripts/test.sh set up, or
/// `None` (a skip; a failure under CI=true).
fn prometheus() -> Option<(PathBuf, PathBuf)> {
    let server = std::env::var_os("ROTAPLAN_TEST_PROMETHEUS_BIN").map(PathBuf::from);
    let promtool = std::env::var_os("ROTAPLAN_TEST_PROMTOOL").map(PathBuf::from);
    match (server, promtool) {
        (Some(s), Some(p)) => Some((s, p)),
        _ => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true: ROTAPLAN_TEST_PROMETHEUS_BIN and ROTAPLAN_TEST_PROMTOOL must be set (scripts/test.sh)"
            );
            eprintln!(
                "skipped: ROTAPLAN_TEST_PROMETHEUS_BIN / ROTAPLAN_TEST_PROMTOOL not set (scripts/test.sh sets them)"
            );
            None
        }
    }
}

/// `q` percent-encoded for a query string.
fn encode(q: &str) -> String {
    q.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The value of the one sample an instant query answers, once it answers one.
fn query(port: u16, q: &str) -> Option<String> {
    let (status, body) = get(port, &format!("/api/v1/query?query={}", encode(q))).ok()?;
    if status != 200 {
        return None;
    }
    let v: Value = serde_json::from_str(&body).ok()?;
    let result = v["data"]["result"].as_array()?;
    match result.as_slice() {
        [one] => one["value"][1].as_str().map(str::to_owned),
        _ => None,
    }
}

#[test]
fn prometheus_scrapes_it_and_promtool_accepts_it() {
    let Some((server, promtool)) = prometheus() else {
        return;
    };
    let d = setup("prometheus");
    let dir = &d.0;
    for (name, target) in [("good", "noop"), ("bad", "command:/bin/false")] {
        ok(
            dir,
            &[
                "secret",
                "create",
                name,
                "--generate",
                "--schedule",
                DAILY,
                "--duration",
                "2h",
                "--target",
                target,
            ],
        );
    }
    let long_ago = utc(2020, 1, 1, 0);
    mark_rotated(dir, &[("good", long_ago), ("bad", long_ago)]);
    let port = free_port();
    let (_plan, rx) = watch(dir, port, &["--retries", "0"]);
    pass_done(&rx);
    let passed = Instant::now();
    let (_, text) = get(port, "/metrics").unwrap();

    // promtool's linter and parser (the Prometheus text format) accept it.
    let mut check = Command::new(&promtool)
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    check.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let out = check.wait_with_output().unwrap();
    assert!(
        out.status.success() && out.stdout.is_empty() && out.stderr.is_empty(),
        "promtool check metrics: {}{}\n{text}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    // A real Prometheus scraping it every second.
    let web = free_port();
    let config = dir.join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n\
             scrape_configs:\n  - job_name: rotaplan\n    static_configs:\n      - targets: ['127.0.0.1:{port}']\n"
        ),
    )
    .unwrap();
    let log = std::fs::File::create(dir.join("prometheus.log")).unwrap();
    let _prometheus = Proc(
        Command::new(&server)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--web.listen-address=127.0.0.1:{web}"))
            .arg(format!("--storage.tsdb.path={}", dir.join("tsdb").display()))
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap(),
    );
    let log = || std::fs::read_to_string(dir.join("prometheus.log")).unwrap_or_default();
    let start = Instant::now();
    while query(web, r#"up{job="rotaplan"}"#).as_deref() != Some("1") {
        assert!(start.elapsed() < PATIENCE, "Prometheus never scraped us: {}", log());
        std::thread::sleep(Duration::from_millis(200));
    }
    for (q, want) in [
        (r#"rotaplan_rotations_total{outcome="succeeded"}"#, "1"),
        (r#"rotaplan_rotations_total{outcome="failed"}"#, "1"),
        (r#"rotaplan_secret_overdue{secret="bad"}"#, "1"),
        (r#"rotaplan_secret_overdue{secret="good"}"#, "0"),
        (
            r#"rotaplan_secret_next_window_start_seconds{secret="bad"}"#,
            "1577858400",
        ),
        (r#"sum(rotaplan_step_duration_seconds_count)"#, "6"),
        (
            r#"rotaplan_step_duration_seconds_bucket{step="setSecret",le="+Inf"}"#,
            "2",
        ),
        ("rotaplan_rotations_in_flight", "0"),
    ] {
        // The watcher retries the failed secret a minute after its pass; a
        // machine slow enough to get there has counted a second failure.
        let retry_counts = q.contains("failed") || q.contains("step_duration");
        if retry_counts && passed.elapsed() > Duration::from_secs(50) {
            eprintln!("note: {q} not checked: the retry a minute on may have run");
            continue;
        }
        assert_eq!(query(web, q).as_deref(), Some(want), "{q}: {}", log());
    }
    // Its own reading of our metadata: each family typed as we said.
    let (_, meta) = get(web, "/api/v1/metadata").unwrap();
    let meta: Value = serde_json::from_str(&meta).unwrap();
    for (name, kind) in [
        ("rotaplan_rotations_total", "counter"),
        ("rotaplan_step_duration_seconds", "histogram"),
        ("rotaplan_secret_overdue", "gauge"),
    ] {
        assert_eq!(meta["data"][name][0]["type"], kind, "{name}: {meta}");
    }
}

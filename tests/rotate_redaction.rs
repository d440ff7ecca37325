//! No secret in `Debug`, `Display`, error messages or logs; and the command
//! target's contract (environment, stdin JSON, exit code, time-out).
#![cfg(feature = "rotate")]

mod rotate_util;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rotaplan::rotate::{RetryPolicy, Rotator};
use rotaplan::store::{MemoryStore, RotationConfig, SecretStore, SecretValue, Stage, Strategy, TargetSpec, VersionRef};
use rotaplan::target::{CommandTarget, SpecTarget, Step, StepContext, Target};
use rotate_util::*;

const OLD_PW: &str = "Zq8-old-password-never-printed";
const OLD: &str = r#"{"username":"app","password":"Zq8-old-password-never-printed"}"#;

/// A `MakeWriter` into a shared buffer.
#[derive(Clone, Default)]
struct Buf(Arc<Mutex<Vec<u8>>>);

impl Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Buf {
    type Writer = Buf;
    fn make_writer(&'a self) -> Buf {
        self.clone()
    }
}

fn assert_clean(text: &str, secrets: &[&str], what: &str) {
    for s in secrets {
        assert!(!text.contains(s), "{what} leaks a secret:\n{text}");
    }
}

#[cfg(unix)]
fn script(dir: &std::path::Path, body: &str) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let p = dir.join("target.sh");
    std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p
}

#[test]
fn value_types_print_redacted() {
    let v = SecretValue::from(OLD);
    let b = SecretValue::binary(OLD.as_bytes().to_vec());
    for text in [
        format!("{v}"),
        format!("{v:?}"),
        format!("{v:#?}"),
        format!("{b:?}"),
        format!("{b}"),
    ] {
        assert_clean(&text, &[OLD_PW], "SecretValue");
        assert!(text.contains("<redacted>"));
    }
    #[cfg(feature = "sqlite")]
    {
        let key = rotaplan::store::MasterKey::from_bytes([0xab; 32]);
        let text = format!("{key:?} {key:#?}");
        assert_clean(&text, &["abab", "171, 171"], "MasterKey");
    }
}

#[test]
#[cfg(unix)]
fn rotations_leak_nothing_to_debug_errors_or_logs() {
    let buf = Buf::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(buf.clone())
        .with_ansi(false)
        .finish();
    let dir = tempfile::tempdir().unwrap();
    // A command target that fails setSecret once (exit 3), then succeeds.
    let flag = dir.path().join("failed-once");
    let prog = script(
        dir.path(),
        &format!(
            "cat > /dev/null\nif [ ! -e '{f}' ]; then touch '{f}'; exit 3; fi\nexit 0",
            f = flag.display()
        ),
    );
    let mut texts = Vec::new();
    let mut new_pw = String::new();
    tracing::subscriber::with_default(subscriber, || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let store = MemoryStore::new();
            let id = sid("db/main");
            let cfg = RotationConfig::new("rate(1 day)")
                .with_strategy(Strategy::SingleUser)
                .with_target(TargetSpec::Command(prog.display().to_string()));
            store
                .create(&id, Some((&token(0), &SecretValue::from(OLD))), Some(&cfg))
                .await
                .unwrap();
            let rotator = Rotator::new(&store, SpecTarget::default()).retry(RetryPolicy::none());
            // Fails at setSecret.
            let err = rotator.rotate(&id, &token(1)).await.unwrap_err();
            assert!(err.is_target(), "{err}");
            texts.push(format!("{err} {err:?} {err:#?}"));
            // A second token is refused, naming the pending version.
            let err = rotator.rotate(&id, &token(2)).await.unwrap_err();
            texts.push(format!("{err} {err:?} {err:#?}"));
            // Same-token-other-value conflict.
            let err = store
                .put_value(&id, &token(1), &SecretValue::from(OLD), None)
                .await
                .unwrap_err();
            texts.push(format!("{err} {err:?} {err:#?}"));
            // Resume.
            let out = rotator.rotate(&id, &token(1)).await.unwrap();
            texts.push(format!("{out:?}"));
            let cur = store.get_value(&id, &VersionRef::current()).await.unwrap();
            texts.push(format!("{cur:?} {cur:#?}"));
            new_pw = creds(&cur.value).1;
            let d = store.describe(&id).await.unwrap();
            texts.push(format!("{d:?}"));
            texts.push(format!("{store:?} {rotator:?}"));
            let summary = rotator.run_due(chrono::Utc::now()).await.unwrap();
            texts.push(format!("{summary} {summary:?}"));
        });
    });
    let logs = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("setSecret"), "logs were captured:\n{logs}");
    assert!(logs.contains("db/main"));
    assert_eq!(new_pw.len(), 32);
    assert_clean(&logs, &[OLD_PW, &new_pw], "logs");
    for t in &texts {
        assert_clean(t, &[OLD_PW, &new_pw], "formatted output");
    }
}

#[tokio::test]
#[cfg(unix)]
async fn command_target_contract() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().display().to_string();
    let prog = script(
        dir.path(),
        &format!(
            "cat > '{out}/'\"$ROTAPLAN_STEP\".json\n\
             echo \"$ROTAPLAN_STEP $ROTAPLAN_SECRET_ID $ROTAPLAN_TOKEN $ROTAPLAN_STRATEGY\" > '{out}/'\"$ROTAPLAN_STEP\".env\n\
             echo 'noise on stdout and stderr'; echo 'err' >&2\n\
             if [ -e '{out}/fail' ]; then exit \"$(cat '{out}/fail')\"; fi\n\
             exit 0"
        ),
    );
    let target = CommandTarget::new(&prog).timeout(Duration::from_secs(10));
    let id = sid("db/main");
    let t = token(7);
    let pending = SecretValue::from(r#"{"username":"app_clone","password":"P1"}"#);
    let current = SecretValue::from("plain-current");
    let ctx = StepContext::new(&id, &t, Step::Set, Strategy::AlternatingUsers, None);
    target.set_secret(&ctx, &pending, &current).await.unwrap();
    let ctx = StepContext::new(&id, &t, Step::Test, Strategy::AlternatingUsers, None);
    target.test_secret(&ctx, &pending).await.unwrap();

    let env = std::fs::read_to_string(dir.path().join("setSecret.env")).unwrap();
    assert_eq!(env.trim(), format!("setSecret db/main {t} alternating-users"));
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("setSecret.json")).unwrap()).unwrap();
    assert_eq!(json["Step"], "setSecret");
    assert_eq!(json["SecretId"], "db/main");
    assert_eq!(json["ClientRequestToken"], t.as_str());
    assert_eq!(json["Strategy"], "alternating-users");
    assert_eq!(json["PendingSecret"]["username"], "app_clone");
    assert_eq!(json["PendingSecret"]["password"], "P1");
    assert_eq!(json["CurrentSecret"], "plain-current");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("testSecret.json")).unwrap()).unwrap();
    assert_eq!(json["Step"], "testSecret");
    assert!(json["CurrentSecret"].is_null());

    // Exit code is the verdict; the message names the program and status only.
    std::fs::write(dir.path().join("fail"), "42").unwrap();
    let err = target.test_secret(&ctx, &pending).await.unwrap_err();
    assert!(err.is_target());
    assert_eq!(
        err.to_string(),
        format!(
            "target failed: command `{}` exited with status 42 at testSecret",
            prog.display()
        )
    );
    assert!(!err.to_string().contains("P1"));

    // Time-out: the program is killed.
    let slow = script(dir.path(), "sleep 30");
    let started = std::time::Instant::now();
    let err = CommandTarget::new(&slow)
        .timeout(Duration::from_millis(200))
        .test_secret(&ctx, &pending)
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5));

    // A program that cannot start.
    let err = CommandTarget::new(dir.path().join("missing"))
        .test_secret(&ctx, &pending)
        .await
        .unwrap_err();
    assert!(err.is_target() && err.to_string().contains("cannot start"), "{err}");

    // A program that never reads its input still works.
    let ignore = script(dir.path(), "exit 0");
    let big = SecretValue::from("x".repeat(1 << 20));
    CommandTarget::new(&ignore).test_secret(&ctx, &big).await.unwrap();
}

#[tokio::test]
async fn postgres_spec_is_refused_until_it_exists() {
    let store = MemoryStore::new();
    let id = sid("db/pg");
    let cfg = RotationConfig::new("rate(1 day)").with_target(TargetSpec::Postgres);
    store
        .create(&id, Some((&token(0), &SecretValue::from("x"))), Some(&cfg))
        .await
        .unwrap();
    let err = Rotator::new(&store, SpecTarget::default())
        .retry(RetryPolicy::none())
        .rotate(&id, &token(1))
        .await
        .unwrap_err();
    assert!(err.is_target() && err.to_string().contains("postgres"), "{err}");
    // The failed rotation left its pending version for a resume.
    let d = store.describe(&id).await.unwrap();
    assert!(d.version_with(&Stage::pending()).is_some());
}

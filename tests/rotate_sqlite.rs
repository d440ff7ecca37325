//! The SQLite store: file mode, encryption at rest, the master key, the busy
//! lock, and racing rotators (threads and OS processes) on one file.
#![cfg(feature = "sqlite")]

mod rotate_util;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Barrier};
use std::time::Duration;

use rotaplan::rotate::{RetryPolicy, Rotator};
use rotaplan::store::{
    MasterKey, RotationConfig, SecretStore, SecretValue, SqliteStore, Stage, Strategy, TargetSpec, VersionId,
    VersionRef,
};
use rotaplan::target::{NoopTarget, Step, StepContext, Target};
use rotate_util::*;

const KEY: [u8; 32] = [0x42; 32];
const SECRET: &str = "correct-horse-battery-staple-0451";

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
#[cfg(unix)]
fn new_store_and_key_files_are_0600() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    SqliteStore::open(&db, MasterKey::from_bytes(KEY)).unwrap();
    assert_eq!(mode(&db), 0o600);
    let key = dir.path().join("master.key");
    MasterKey::generate().unwrap().write_new_file(&key).unwrap();
    assert_eq!(mode(&key), 0o600);
    // No temporary file left beside it.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
}

#[test]
fn values_are_encrypted_at_rest_and_survive_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let id = sid("db/main");
    rt().block_on(async {
        let store = SqliteStore::open(&db, MasterKey::from_bytes(KEY)).unwrap();
        let cfg = RotationConfig::new("rate(10 days)")
            .with_duration("3h")
            .with_strategy(Strategy::AlternatingUsers)
            .with_target(TargetSpec::Command("/bin/true".into()));
        store
            .create(&id, Some((&token(0), &SecretValue::from(SECRET))), Some(&cfg))
            .await
            .unwrap();
        store
            .put_value(
                &id,
                &token(1),
                &SecretValue::binary(vec![0xde, 0xad, 0xbe, 0xef]),
                Some(&[]),
            )
            .await
            .unwrap();
    });
    let raw = std::fs::read(&db).unwrap();
    assert!(!contains(&raw, SECRET.as_bytes()), "plaintext found in the file");
    assert!(!contains(&raw, &KEY), "master key found in the file");
    assert!(!contains(&raw, &[0xde, 0xad, 0xbe, 0xef]));
    assert!(contains(&raw, b"db/main"), "names are not secret");

    rt().block_on(async {
        let store = SqliteStore::open(&db, MasterKey::from_bytes(KEY)).unwrap();
        let d = store.describe(&id).await.unwrap();
        let cfg = d.rotation.unwrap();
        assert_eq!(cfg.schedule, "rate(10 days)");
        assert_eq!(cfg.duration.as_deref(), Some("3h"));
        assert_eq!(cfg.strategy, Strategy::AlternatingUsers);
        assert_eq!(cfg.target, TargetSpec::Command("/bin/true".into()));
        let v = store.get_value(&id, &VersionRef::current()).await.unwrap();
        assert_eq!(v.value.expose_str(), Some(SECRET));
        let b = store
            .get_value(&id, &VersionRef::Id(VersionId::from(&token(1))))
            .await
            .unwrap();
        assert_eq!(b.value.expose_bytes(), &[0xde, 0xad, 0xbe, 0xef]);
        assert!(!b.value.is_text());
    });
}

#[test]
fn wrong_key_and_tampering_are_detected() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let id = sid("a");
    rt().block_on(async {
        let store = SqliteStore::open(&db, MasterKey::from_bytes(KEY)).unwrap();
        store
            .create(&id, Some((&token(0), &SecretValue::from("v0"))), None)
            .await
            .unwrap();
        store
            .put_value(&id, &token(1), &SecretValue::from("v1"), None)
            .await
            .unwrap();
    });
    let err = SqliteStore::open(&db, MasterKey::from_bytes([1; 32])).unwrap_err();
    assert!(err.is_key(), "{err}");
    assert!(err.to_string().contains("another master key"), "{err}");

    // Swap the two ciphertexts: the associated data (id + version) no longer
    // matches, so neither decrypts.
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        let rows: Vec<(String, Vec<u8>)> = conn
            .prepare("SELECT version, value FROM versions ORDER BY version")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(rows.len(), 2);
        for (i, (version, _)) in rows.iter().enumerate() {
            conn.execute(
                "UPDATE versions SET value = ?1 WHERE version = ?2",
                rusqlite::params![rows[1 - i].1, version],
            )
            .unwrap();
        }
    }
    rt().block_on(async {
        let store = SqliteStore::open(&db, MasterKey::from_bytes(KEY)).unwrap();
        let err = store.get_value(&id, &VersionRef::current()).await.unwrap_err();
        assert!(err.is_key(), "{err}");
        assert!(err.to_string().contains("cannot decrypt version"), "{err}");
    });
}

#[test]
fn master_key_sources() {
    let dir = tempfile::tempdir().unwrap();
    let hex = "00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF";
    let hex_file = dir.path().join("hex.key");
    std::fs::write(&hex_file, format!("{hex}\n")).unwrap();
    let raw_file = dir.path().join("raw.key");
    std::fs::write(&raw_file, KEY).unwrap();
    let bad_file = dir.path().join("bad.key");
    std::fs::write(&bad_file, "not a key").unwrap();
    // Readable by others: refused like ssh refuses such keys, with the fix
    // in the message.
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hex_file, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let err = MasterKey::from_file(&hex_file).unwrap_err();
    assert!(err.is_key());
    assert!(
        err.to_string().contains(&format!("chmod 600 {}", hex_file.display())),
        "{err}"
    );
    for f in [&hex_file, &raw_file, &bad_file] {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(f, std::fs::Permissions::from_mode(0o600)).unwrap();
    }

    // A key from a file opens a store the same key from hex can reopen.
    let db = dir.path().join("s.db");
    SqliteStore::open(&db, MasterKey::from_file(&hex_file).unwrap()).unwrap();
    SqliteStore::open(&db, MasterKey::from_hex(hex).unwrap()).unwrap();
    let db2 = dir.path().join("s2.db");
    SqliteStore::open(&db2, MasterKey::from_file(&raw_file).unwrap()).unwrap();
    SqliteStore::open(&db2, MasterKey::from_bytes(KEY)).unwrap();

    let err = MasterKey::from_file(&bad_file).unwrap_err();
    assert!(err.is_key());
    assert!(!err.to_string().contains("not a key"), "never echo key material: {err}");
    let err = MasterKey::from_hex(&format!("{}g", &hex[..63])).unwrap_err();
    assert_eq!(err.to_string(), "master key: not a hex digit at position 63");

    // The environment variable (this test alone touches it).
    std::env::set_var(rotaplan::store::MASTER_KEY_ENV, hex);
    SqliteStore::open(&db, MasterKey::from_env().unwrap()).unwrap();
    std::env::remove_var(rotaplan::store::MASTER_KEY_ENV);
    assert!(MasterKey::from_env().unwrap_err().is_key());

    // write_new_file round-trips and refuses to overwrite.
    let k = dir.path().join("gen.key");
    let key = MasterKey::generate().unwrap();
    key.write_new_file(&k).unwrap();
    let db3 = dir.path().join("s3.db");
    SqliteStore::open(&db3, key).unwrap();
    SqliteStore::open(&db3, MasterKey::from_file(&k).unwrap()).unwrap();
    assert!(MasterKey::generate().unwrap().write_new_file(&k).is_err());
}

#[test]
fn a_held_lock_makes_calls_busy_not_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let id = sid("a");
    rt().block_on(async {
        let store = SqliteStore::open(&db, MasterKey::from_bytes(KEY)).unwrap();
        store
            .create(&id, Some((&token(0), &SecretValue::from("v0"))), None)
            .await
            .unwrap();
        store.set_busy_timeout(Duration::from_millis(100)).unwrap();
        let other = rusqlite::Connection::open(&db).unwrap();
        other.execute_batch("BEGIN IMMEDIATE").unwrap();
        let err = store
            .put_value(&id, &token(1), &SecretValue::from("v1"), None)
            .await
            .unwrap_err();
        assert!(err.is_busy() && err.is_rotation_in_progress(), "{err}");
        assert!(err.to_string().contains("busy"), "{err}");
        other.execute_batch("ROLLBACK").unwrap();
        store
            .put_value(&id, &token(1), &SecretValue::from("v1"), None)
            .await
            .unwrap();
    });
}

async fn seed(db: &Path) {
    let store = SqliteStore::open(db, MasterKey::from_bytes(KEY)).unwrap();
    store
        .create(&sid("db/main"), Some((&token(0), &SecretValue::from("v0"))), None)
        .await
        .unwrap();
}

#[test]
fn two_connections_race_the_claim_exactly_one_wins() {
    for round in 0..20 {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("s.db");
        rt().block_on(seed(&db));
        let barrier = Arc::new(Barrier::new(2));
        let handles: Vec<_> = [1u8, 2]
            .into_iter()
            .map(|n| {
                let (db, barrier) = (db.clone(), Arc::clone(&barrier));
                std::thread::spawn(move || {
                    let store = SqliteStore::open(&db, MasterKey::from_bytes(KEY)).unwrap();
                    barrier.wait();
                    rt().block_on(Rotator::new(&store, NoopTarget).run_step(&sid("db/main"), &token(n), Step::Create))
                })
            })
            .collect();
        let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        let wins = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(wins, 1, "round {round}: {results:?}");
        let loser = results.iter().find_map(|r| r.as_ref().err()).unwrap();
        assert!(loser.is_rotation_in_progress(), "round {round}: {loser}");
        let d = rt().block_on(async {
            SqliteStore::open(&db, MasterKey::from_bytes(KEY))
                .unwrap()
                .describe(&sid("db/main"))
                .await
                .unwrap()
        });
        assert_eq!(d.versions.len(), 2, "round {round}: exactly one pending version");
    }
}

/// A target slow enough that a racing rotation's claim lands while the
/// first one is still in setSecret.
struct SlowTarget(Duration);

impl Target for SlowTarget {
    async fn set_secret(
        &self,
        _: &StepContext<'_>,
        _: &SecretValue,
        _: &SecretValue,
    ) -> Result<(), rotaplan::target::TargetError> {
        tokio::time::sleep(self.0).await;
        Ok(())
    }
    async fn test_secret(&self, _: &StepContext<'_>, _: &SecretValue) -> Result<(), rotaplan::target::TargetError> {
        Ok(())
    }
}

fn assert_one_rotation(db: &Path, winner: u8) {
    rt().block_on(async {
        let store = SqliteStore::open(db, MasterKey::from_bytes(KEY)).unwrap();
        let d = store.describe(&sid("db/main")).await.unwrap();
        assert_eq!(d.versions.len(), 2, "exactly one new version");
        assert_eq!(
            d.version_with(&Stage::current()),
            Some(&VersionId::from(&token(winner)))
        );
        assert_eq!(d.version_with(&Stage::previous()), Some(&VersionId::from(&token(0))));
        assert_eq!(d.version_with(&Stage::pending()), None);
    });
}

#[test]
fn two_rotators_race_whole_rotations_exactly_one_happens() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    rt().block_on(seed(&db));
    let barrier = Arc::new(Barrier::new(2));
    let handles: Vec<_> = [1u8, 2]
        .into_iter()
        .map(|n| {
            let (db, barrier) = (db.clone(), Arc::clone(&barrier));
            std::thread::spawn(move || {
                let store = SqliteStore::open(&db, MasterKey::from_bytes(KEY)).unwrap();
                barrier.wait();
                let rotator = Rotator::new(&store, SlowTarget(Duration::from_millis(300)))
                    .retry(RetryPolicy::new(3).backoff(Duration::ZERO, Duration::ZERO));
                (n, rt().block_on(rotator.rotate(&sid("db/main"), &token(n))))
            })
        })
        .collect();
    let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let winners: Vec<u8> = results.iter().filter(|(_, r)| r.is_ok()).map(|(n, _)| *n).collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    let (_, loser) = results.iter().find(|(_, r)| r.is_err()).unwrap();
    assert!(loser.as_ref().unwrap_err().is_rotation_in_progress());
    assert_one_rotation(&db, winners[0]);
}

const CHILD_DB: &str = "ROTAPLAN_TEST_CHILD_DB";
const CHILD_N: &str = "ROTAPLAN_TEST_CHILD_N";

/// Not a test on its own: the body of a child process started by
/// `two_processes_race_exactly_one_rotation_happens`.
#[test]
#[ignore = "helper run in a child process"]
fn child_process_rotator() {
    let (Ok(db), Ok(n)) = (std::env::var(CHILD_DB), std::env::var(CHILD_N)) else {
        return;
    };
    let db = PathBuf::from(db);
    let n: u8 = n.parse().unwrap();
    let store = SqliteStore::open(&db, MasterKey::from_bytes(KEY)).unwrap();
    // Meet the other process before racing.
    std::fs::write(db.with_extension(format!("ready{n}")), b"").unwrap();
    let other = db.with_extension(format!("ready{}", 3 - n));
    while !other.exists() {
        std::thread::sleep(Duration::from_millis(5));
    }
    let rotator = Rotator::new(&store, SlowTarget(Duration::from_millis(500)))
        .retry(RetryPolicy::new(3).backoff(Duration::ZERO, Duration::ZERO));
    let code = match rt().block_on(rotator.rotate(&sid("db/main"), &token(n))) {
        Ok(_) => 0,
        Err(e) if e.is_rotation_in_progress() => 3,
        Err(e) => {
            eprintln!("child {n}: {e}");
            1
        }
    };
    std::process::exit(code);
}

#[test]
fn two_processes_race_exactly_one_rotation_happens() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    rt().block_on(seed(&db));
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = [1u8, 2]
        .into_iter()
        .map(|n| {
            std::process::Command::new(&exe)
                .args([
                    "--ignored",
                    "--exact",
                    "child_process_rotator",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env(CHILD_DB, &db)
                .env(CHILD_N, n.to_string())
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    let codes: Vec<i32> = children
        .into_iter()
        .map(|mut c| c.wait().unwrap().code().unwrap_or(-1))
        .collect();
    let mut sorted = codes.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        [0, 3],
        "one wins, one is told a rotation is in progress: {codes:?}"
    );
    let winner = if codes[0] == 0 { 1 } else { 2 };
    assert_one_rotation(&db, winner);
}

#[test]
fn full_rotation_on_sqlite_with_noop_target() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    rt().block_on(async {
        seed(&db).await;
        let store = SqliteStore::open(&db, MasterKey::from_bytes(KEY)).unwrap();
        let rotator = Rotator::new(&store, NoopTarget);
        rotator.rotate(&sid("db/main"), &token(1)).await.unwrap();
        rotator.rotate(&sid("db/main"), &token(2)).await.unwrap();
        let d = store.describe(&sid("db/main")).await.unwrap();
        assert_eq!(d.versions.len(), 3);
        assert_eq!(d.version_with(&Stage::current()), Some(&VersionId::from(&token(2))));
        assert_eq!(d.version_with(&Stage::previous()), Some(&VersionId::from(&token(1))));
        assert!(d.versions[&VersionId::from(&token(0))].stages.is_empty());
        assert!(d.last_rotated.is_some());
        let listed = store.list().await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0], d);
    });
}

#[test]
#[cfg(unix)]
fn wal_files_are_0600_and_a_rollback_journal_store_switches_to_wal() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let id = sid("a");
    rt().block_on(async {
        let store = SqliteStore::open(&db, MasterKey::from_bytes(KEY)).unwrap();
        store
            .create(&id, Some((&token(0), &SecretValue::from("v0"))), None)
            .await
            .unwrap();
    });
    // A store as the releases before WAL left it.
    let old = rusqlite::Connection::open(&db).unwrap();
    let mode_now: String = old.query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0)).unwrap();
    assert_eq!(mode_now, "delete");
    drop(old);
    rt().block_on(async {
        let store = SqliteStore::open_existing(&db, MasterKey::from_bytes(KEY)).unwrap();
        Rotator::new(&store, NoopTarget).rotate(&id, &token(1)).await.unwrap();
        let side = |s: &str| PathBuf::from(format!("{}{s}", db.display()));
        for s in ["-wal", "-shm"] {
            assert!(side(s).exists(), "{s} missing");
            assert_eq!(mode(&side(s)), 0o600, "{s}");
        }
        let other = rusqlite::Connection::open(&db).unwrap();
        let journal: String = other.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
        assert_eq!(journal, "wal");
        let v = store.get_value(&id, &VersionRef::current()).await.unwrap();
        assert_eq!(v.value.expose_str().map(str::len), Some(32));
        // A WAL file others may read is refused, as the store would be.
        drop(store);
        drop(other);
        std::fs::write(side("-wal"), b"").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(side("-wal"), std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = SqliteStore::open_existing(&db, MasterKey::from_bytes(KEY)).unwrap_err();
        assert!(err.to_string().contains("chmod 600"), "{err}");
    });
}

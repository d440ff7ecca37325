//! What a rotation costs on the SQLite store, against what it must cost:
//! two durable commits (the claim before the target is told, finishSecret).
//!
//! - `rotate/durable-commit`: `BEGIN IMMEDIATE; INSERT; COMMIT` on a WAL
//!   file at `synchronous = FULL`, the cheapest commit that is on disk when
//!   it returns;
//! - `rotate/rotation`: one whole rotation (claim, the four steps, release)
//!   of a freshly created secret on a [`SqliteStore`] with [`NoopTarget`].
//!
//! After both, the bench prints the rotation's median over two durable
//! commits' (goal: at most 3).

use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{black_box, BatchSize, Criterion};
use rotaplan::rotate::Rotator;
use rotaplan::store::{MasterKey, RotationConfig, SecretId, SecretStore, SecretValue, SqliteStore, Token};
use rotaplan::target::NoopTarget;

fn durable_commit(c: &mut Criterion, dir: &Path) {
    let conn = rusqlite::Connection::open(dir.join("commit.db")).unwrap();
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
    conn.execute_batch("PRAGMA synchronous = FULL; CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB);")
        .unwrap();
    let mut n = 0i64;
    c.benchmark_group("rotate").bench_function("durable-commit", |b| {
        b.iter(|| {
            n += 1;
            conn.execute_batch("BEGIN IMMEDIATE").unwrap();
            conn.execute("INSERT INTO t (id, v) VALUES (?1, zeroblob(100))", [black_box(n)])
                .unwrap();
            conn.execute_batch("COMMIT").unwrap();
        })
    });
}

fn rotation(c: &mut Criterion, dir: &Path) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let store = SqliteStore::open(dir.join("store.db"), MasterKey::from_bytes([7; 32])).unwrap();
    let rotator = Rotator::new(&store, NoopTarget);
    let cfg = RotationConfig::new("rate(1 day)");
    let mut n = 0u64;
    c.benchmark_group("rotate").bench_function("rotation", |b| {
        b.iter_batched(
            || {
                n += 1;
                let id = SecretId::new(format!("s{n}")).unwrap();
                let value = SecretValue::from("k");
                rt.block_on(store.create(&id, Some((&Token::generate(), &value)), Some(&cfg)))
                    .unwrap();
                id
            },
            |id| rt.block_on(rotator.rotate_exclusive(&id)).unwrap(),
            BatchSize::SmallInput,
        )
    });
}

/// Criterion's median for `rotate/NAME`, in ns.
fn median(out: &Path, name: &str) -> Option<f64> {
    let text = std::fs::read_to_string(out.join("rotate").join(name).join("new/estimates.json")).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    v["median"]["point_estimate"].as_f64()
}

fn main() {
    let out = std::env::var_os("CRITERION_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("CARGO_TARGET_DIR").map(|t| PathBuf::from(t).join("criterion")))
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/criterion"));
    // Not /tmp, which may be memory: the commits must reach the disk.
    std::fs::create_dir_all(&out).unwrap();
    let dir = tempfile::tempdir_in(&out).unwrap();
    let mut c = Criterion::default()
        .output_directory(&out)
        .measurement_time(Duration::from_secs(10))
        .configure_from_args();
    durable_commit(&mut c, dir.path());
    rotation(&mut c, dir.path());
    c.final_summary();
    if let (Some(commit), Some(rotation)) = (median(&out, "durable-commit"), median(&out, "rotation")) {
        println!(
            "durable commit {:.3} ms, rotation {:.3} ms: {:.2}x two durable commits (goal: at most 3x)",
            commit / 1e6,
            rotation / 1e6,
            rotation / (2.0 * commit)
        );
    }
}

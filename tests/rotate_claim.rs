//! `SecretStore::claim`, `renew` and `release` on the local stores, one
//! table of situations run against each: who wins, who is told "already
//! rotated" or "rotating elsewhere", and when an abandoned rotation is taken
//! over. The multi-process race is in `cli_rotate_once.rs`; AWS's in
//! `rotate_aws.rs`.

use std::time::Duration;

use chrono::{DateTime, Utc};
use rotaplan::rotate::{Attempt, Rotator};
use rotaplan::store::{
    Claim, Claimed, MasterKey, MemoryStore, Owner, RotationConfig, SecretId, SecretStore, SecretValue, Skip,
    SqliteStore, Stage, Token, VersionId,
};
use rotaplan::target::{NoopTarget, Step};

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A process on this host that is certainly not running.
fn dead_local_owner() -> Owner {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().replace(':', "_"))
        .unwrap_or_else(|_| "localhost".into());
    Owner::new(format!("{host}:4194999:1:deadbeef"))
}

/// What the store looks like to a scheduler that plans now.
async fn snapshot<S: SecretStore>(store: &S, id: &SecretId) -> (Option<VersionId>, Option<DateTime<Utc>>) {
    let d = store.describe(id).await.unwrap();
    (d.version_with(&Stage::current()).cloned(), d.last_rotated)
}

fn claim(plan: &(Option<VersionId>, Option<DateTime<Utc>>), owner: &Owner, ttl: Duration) -> Claim {
    Claim::new(
        Token::generate(),
        SecretValue::from("next"),
        plan.0.clone(),
        plan.1,
        owner.clone(),
        ttl,
    )
}

async fn situations<S: SecretStore>(store: S) {
    let id = SecretId::new("db/main").unwrap();
    let cfg = RotationConfig::new("rate(1 day)");
    store
        .create(&id, Some((&Token::generate(), &SecretValue::from("v1"))), Some(&cfg))
        .await
        .unwrap();
    let plan = snapshot(&store, &id).await;
    let (a, b) = (Owner::this_process(), Owner::this_process());
    let long = Duration::from_secs(600);

    // A wins; B, planned from the same snapshot, finds A's live rotation.
    let ca = claim(&plan, &a, long);
    let won = store.claim(&id, &ca).await.unwrap();
    assert_eq!(won, Claimed::Started(VersionId::from(&ca.token)));
    assert_eq!(
        store.claim(&id, &claim(&plan, &b, long)).await.unwrap(),
        Claimed::Skipped(Skip::RotatingElsewhere { owner: a.clone() })
    );
    // Only the owner renews; anyone may release only their own lease.
    store.renew(&id, &a, long).await.unwrap();
    assert!(store.renew(&id, &b, long).await.unwrap_err().is_invalid_request());
    store.release(&id, &b).await.unwrap();
    assert!(matches!(
        store.claim(&id, &claim(&plan, &b, long)).await.unwrap(),
        Claimed::Skipped(Skip::RotatingElsewhere { .. })
    ));
    // A lets go (a failed rotation): the next claim resumes A's version.
    store.release(&id, &a).await.unwrap();
    assert_eq!(
        store.claim(&id, &claim(&plan, &b, long)).await.unwrap(),
        Claimed::Resumed(VersionId::from(&ca.token))
    );
    // B's lease is B's now: A is told it lost it.
    assert!(store.renew(&id, &a, long).await.is_err());

    // B dies (a process of this host that no longer runs): taken over at
    // once, however long its lease had to run.
    let dead = dead_local_owner();
    store.release(&id, &b).await.unwrap();
    assert!(matches!(
        store.claim(&id, &claim(&plan, &dead, long)).await.unwrap(),
        Claimed::Resumed(_)
    ));
    assert!(matches!(
        store.claim(&id, &claim(&plan, &a, long)).await.unwrap(),
        Claimed::Resumed(_)
    ));

    // An owner on another host is known dead only when its lease expires.
    store.release(&id, &a).await.unwrap();
    let remote = Owner::new("another-host:1:1:n");
    let short = Duration::from_millis(200);
    assert!(matches!(
        store.claim(&id, &claim(&plan, &remote, short)).await.unwrap(),
        Claimed::Resumed(_)
    ));
    assert!(matches!(
        store.claim(&id, &claim(&plan, &a, long)).await.unwrap(),
        Claimed::Skipped(Skip::RotatingElsewhere { .. })
    ));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(matches!(
        store.claim(&id, &claim(&plan, &a, long)).await.unwrap(),
        Claimed::Resumed(_)
    ));

    // A finishes the rotation; every claim planned before says so.
    let rotator = Rotator::new(&store, NoopTarget);
    rotator.rotate(&id, &ca.token).await.unwrap();
    store.release(&id, &a).await.unwrap();
    assert_eq!(
        store.claim(&id, &claim(&plan, &b, long)).await.unwrap(),
        Claimed::Skipped(Skip::AlreadyRotated)
    );
    let d = store.describe(&id).await.unwrap();
    assert_eq!(d.versions.len(), 2, "one rotation, one new version");

    // Resuming with nothing pending is an error, not a new rotation.
    let mut resume = claim(&snapshot(&store, &id).await, &a, long);
    resume.resume_only = true;
    assert!(store.claim(&id, &resume).await.unwrap_err().is_invalid_request());

    // The driver on top: a stopped rotation is resumed with its own token,
    // then a fresh plan rotates anew.
    let t = Token::generate();
    rotator.run_step(&id, &t, Step::Create).await.unwrap();
    let resumed = rotator.resume(&id).await.unwrap();
    assert_eq!(resumed.rotated().unwrap().version, VersionId::from(&t));
    assert!(matches!(
        rotator.rotate_exclusive(&id).await.unwrap(),
        Attempt::Rotated(_)
    ));
    assert_eq!(store.describe(&id).await.unwrap().versions.len(), 4);
}

#[test]
fn memory_store_claims() {
    rt().block_on(situations(MemoryStore::new()));
}

#[test]
fn sqlite_store_claims() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("s.db"), MasterKey::from_bytes([7; 32])).unwrap();
    rt().block_on(situations(store));
}

/// Two handles on one file (two connections, as two processes have), many
/// claims at once on one snapshot: exactly one is granted.
#[test]
fn sqlite_concurrent_claims_grant_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let id = SecretId::new("k").unwrap();
    let plan = rt().block_on(async {
        let store = SqliteStore::open(&path, MasterKey::from_bytes([7; 32])).unwrap();
        store
            .create(&id, Some((&Token::generate(), &SecretValue::from("v1"))), None)
            .await
            .unwrap();
        snapshot(&store, &id).await
    });
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let (path, id, plan) = (path.clone(), id.clone(), plan.clone());
            std::thread::spawn(move || {
                rt().block_on(async {
                    let store = SqliteStore::open(&path, MasterKey::from_bytes([7; 32])).unwrap();
                    store
                        .claim(&id, &claim(&plan, &Owner::this_process(), Duration::from_secs(60)))
                        .await
                        .unwrap()
                })
            })
        })
        .collect();
    let results: Vec<Claimed> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let started = results.iter().filter(|c| matches!(c, Claimed::Started(_))).count();
    let elsewhere = results
        .iter()
        .filter(|c| matches!(c, Claimed::Skipped(Skip::RotatingElsewhere { .. })))
        .count();
    assert_eq!((started, elsewhere), (1, 7), "{results:?}");
}

/// A finishSecret that stopped after moving AWSCURRENT (possible on AWS,
/// where it takes several calls): the secret looks due, and the next run
/// finishes that rotation instead of rotating again.
#[test]
fn a_half_finished_rotation_is_finished_not_repeated() {
    rt().block_on(async {
        let store = MemoryStore::new();
        let id = SecretId::new("k").unwrap();
        let first = Token::generate();
        let cfg = RotationConfig::new("rate(1 day)");
        store
            .create(&id, Some((&first, &SecretValue::from("v1"))), Some(&cfg))
            .await
            .unwrap();
        let rotator = Rotator::new(&store, NoopTarget);
        let t = Token::generate();
        for step in [Step::Create, Step::Set, Step::Test] {
            rotator.run_step(&id, &t, step).await.unwrap();
        }
        // finishSecret's first call, and then the crash.
        store
            .update_stage(
                &id,
                &Stage::current(),
                Some(&VersionId::from(&t)),
                Some(&VersionId::from(&first)),
            )
            .await
            .unwrap();
        let due = rotator.due(Utc::now()).await.unwrap().due;
        assert_eq!(due.len(), 1, "never recorded as rotated, so due");
        let attempt = rotator.rotate_due(&due[0]).await.unwrap();
        assert_eq!(attempt.rotated().unwrap().version, VersionId::from(&t));
        let d = store.describe(&id).await.unwrap();
        assert_eq!(d.versions.len(), 2, "no second rotation");
        assert_eq!(d.version_with(&Stage::pending()), None);
        assert!(d.last_rotated.is_some());
        assert!(rotator.due(Utc::now()).await.unwrap().due.is_empty());
    });
}

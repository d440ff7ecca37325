//! Rotation history (`SecretStore::history`, `end_attempt`) on the local
//! stores, one scenario run against each: what the claim, the finish, a
//! failure, a cancel and a take-over of a dead owner's rotation record, the
//! bound of 100 records, and an old store file without the table. The
//! `kill -9` test is in `cli_history.rs`.

use std::time::Duration;

use chrono::Utc;
use rotaplan::rotate::{Attempt, RetryPolicy, Rotator};
use rotaplan::store::{
    AttemptRecord, Claim, Claimed, MasterKey, MemoryStore, Outcome, Owner, RotationConfig, SecretId, SecretStore,
    SecretValue, SqliteStore, Stage, Token, VersionId, HISTORY_LIMIT,
};
use rotaplan::target::{NoopTarget, StepContext, Target, TargetError};

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

/// A target that refuses at testSecret, after seeing the values; its error
/// names neither.
struct Refuses;

impl Target for Refuses {
    async fn set_secret(
        &self,
        _ctx: &StepContext<'_>,
        _pending: &SecretValue,
        _current: &SecretValue,
    ) -> Result<(), TargetError> {
        Ok(())
    }
    async fn test_secret(&self, _ctx: &StepContext<'_>, _pending: &SecretValue) -> Result<(), TargetError> {
        Err(TargetError::failed("login refused"))
    }
}

fn outcomes(h: &[AttemptRecord]) -> Vec<Outcome> {
    h.iter().map(|r| r.outcome).collect()
}

async fn scenario<S: SecretStore>(store: S) {
    let id = SecretId::new("db/main").unwrap();
    let first = "first-value-0123456789";
    store
        .create(
            &id,
            Some((&Token::generate(), &SecretValue::from(first))),
            Some(&RotationConfig::new("rate(1 day)")),
        )
        .await
        .unwrap();
    assert!(store.history(&id, 10).await.unwrap().is_empty());

    // A claimed rotation that succeeds: one record, succeeded, ended.
    let t0 = Utc::now();
    let ok = Rotator::new(&store, NoopTarget);
    let Attempt::Rotated(o) = ok.rotate_exclusive(&id).await.unwrap() else {
        panic!("skipped")
    };
    let h = store.history(&id, 10).await.unwrap();
    assert_eq!(outcomes(&h), [Outcome::Succeeded]);
    assert_eq!(h[0].token.as_str(), o.version.as_str());
    assert!(h[0].started >= t0 - chrono::Duration::seconds(1));
    assert!(h[0].ended.unwrap() >= h[0].started);
    assert_eq!((h[0].step.as_deref(), h[0].error.as_deref()), (None, None));
    assert!(h[0].owner.contains(&std::process::id().to_string()), "{}", h[0].owner);

    // One that fails at testSecret: failed, with the step and the error's
    // text, which holds neither value.
    let failing = Rotator::new(&store, Refuses).retry(RetryPolicy::none());
    let err = failing.rotate_exclusive(&id).await.unwrap_err();
    let h = store.history(&id, 10).await.unwrap();
    assert_eq!(outcomes(&h), [Outcome::Failed, Outcome::Succeeded]);
    assert_eq!(h[0].step.as_deref(), Some("testSecret"));
    assert_eq!(h[0].error.as_deref(), Some(err.to_string().as_str()));
    assert!(h[0].error.as_deref().unwrap().contains("login refused"));
    let d = store.describe(&id).await.unwrap();
    let pending = d.version_with(&Stage::pending()).unwrap().clone();
    assert_eq!(h[0].token.as_str(), pending.as_str());
    let mut values = vec![first.to_owned()];
    for v in d.versions.keys() {
        let got = store
            .get_value(&id, &rotaplan::store::VersionRef::Id(v.clone()))
            .await
            .unwrap();
        values.push(got.value.expose_str().unwrap().to_owned());
    }
    for r in &h {
        let text = format!("{r:?}");
        for v in &values {
            assert!(!text.contains(v.as_str()), "a value in the history: {text}");
        }
    }

    // The next run resumes it (the failed run let go): a new running record
    // that succeeds; the failed one stays failed.
    let Attempt::Rotated(o) = ok.resume(&id).await.unwrap() else {
        panic!("skipped")
    };
    assert_eq!(o.version, pending);
    let h = store.history(&id, 10).await.unwrap();
    assert_eq!(outcomes(&h), [Outcome::Succeeded, Outcome::Failed, Outcome::Succeeded]);
    assert_eq!(h[0].token, h[1].token);

    // A rotation whose owner died mid-way: its record stays running until
    // the next claim takes over; then abandoned, and a new one runs.
    let d = store.describe(&id).await.unwrap();
    let dead = dead_local_owner();
    let claim = Claim::new(
        Token::generate(),
        SecretValue::from("next-value-abcdefghij"),
        d.version_with(&Stage::current()).cloned(),
        d.last_rotated,
        dead.clone(),
        Duration::from_secs(600),
    );
    assert!(matches!(store.claim(&id, &claim).await.unwrap(), Claimed::Started(_)));
    let h = store.history(&id, 1).await.unwrap();
    assert_eq!(outcomes(&h), [Outcome::Running]);
    assert_eq!((h[0].owner.as_str(), h[0].ended), (dead.as_str(), None));
    let Attempt::Rotated(o) = ok.resume(&id).await.unwrap() else {
        panic!("skipped")
    };
    assert_eq!(o.version, VersionId::from(&claim.token));
    let h = store.history(&id, 10).await.unwrap();
    assert_eq!(
        outcomes(&h)[..3],
        [Outcome::Succeeded, Outcome::Abandoned, Outcome::Succeeded]
    );
    assert_eq!(h[1].owner, dead.as_str());
    assert!(h[1].ended.is_some());
    assert_ne!(h[0].owner, dead.as_str());
    assert_eq!(h[0].token, claim.token);

    // A failure, then a cancel: the failed attempt stays, a cancelled
    // record follows for the same token.
    failing.rotate_exclusive(&id).await.unwrap_err();
    let cancelled = failing.cancel(&id).await.unwrap();
    let h = store.history(&id, 2).await.unwrap();
    assert_eq!(outcomes(&h), [Outcome::Cancelled, Outcome::Failed]);
    assert_eq!(h[0].token.as_str(), cancelled.as_str());
    assert_eq!(h[1].token.as_str(), cancelled.as_str());

    // `limit` is honoured and the history is bounded.
    assert_eq!(store.history(&id, 3).await.unwrap().len(), 3);
    for _ in 0..HISTORY_LIMIT {
        ok.rotate_exclusive(&id).await.unwrap();
    }
    let h = store.history(&id, usize::MAX).await.unwrap();
    assert_eq!(h.len(), HISTORY_LIMIT);
    assert!(h.iter().all(|r| r.outcome == Outcome::Succeeded));
    let current = store
        .describe(&id)
        .await
        .unwrap()
        .version_with(&Stage::current())
        .cloned();
    assert_eq!(current.unwrap().as_str(), h[0].token.as_str());

    // end_attempt on an unknown secret records nothing and does not fail.
    let ghost = SecretId::new("ghost").unwrap();
    store
        .end_attempt(&ghost, &Token::generate(), Outcome::Failed, None, None)
        .await
        .unwrap();
    assert!(store.history(&ghost, 5).await.unwrap().is_empty());

    // A secret deleted and made again starts with no history.
    store.delete(&id, rotaplan::store::Deletion::Force).await.unwrap();
    store
        .create(&id, Some((&Token::generate(), &SecretValue::from("x"))), None)
        .await
        .unwrap();
    assert!(store.history(&id, 5).await.unwrap().is_empty());
}

#[test]
fn memory_store_history() {
    rt().block_on(scenario(MemoryStore::new()));
}

#[test]
fn sqlite_store_history() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("s.db"), MasterKey::generate().unwrap()).unwrap();
    rt().block_on(scenario(store));
}

/// A store file made before the history table existed opens, keeps its
/// secrets and records from then on.
#[test]
fn an_old_store_file_gets_the_history_table() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    let key = MasterKey::generate().unwrap();
    let id = SecretId::new("k").unwrap();
    rt().block_on(async {
        let store = SqliteStore::open(&path, key.clone()).unwrap();
        store
            .create(&id, Some((&Token::generate(), &SecretValue::from("v1"))), None)
            .await
            .unwrap();
    });
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch("DROP INDEX history_by_secret; DROP TABLE history;")
        .unwrap();
    drop(conn);
    rt().block_on(async {
        let store = SqliteStore::open_existing(&path, key).unwrap();
        assert!(store.history(&id, 5).await.unwrap().is_empty());
        Rotator::new(&store, NoopTarget).rotate_exclusive(&id).await.unwrap();
        assert_eq!(outcomes(&store.history(&id, 5).await.unwrap()), [Outcome::Succeeded]);
    });
}

/// `Rotator::rotate` with the caller's token claims nothing, but its failure
/// and its finish are recorded all the same.
#[test]
fn a_rotation_with_an_explicit_token_is_recorded_too() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("s.db"), MasterKey::generate().unwrap()).unwrap();
    let id = SecretId::new("k").unwrap();
    rt().block_on(async {
        store
            .create(&id, Some((&Token::generate(), &SecretValue::from("v1"))), None)
            .await
            .unwrap();
        let token = Token::generate();
        let err = Rotator::new(&store, Refuses)
            .retry(RetryPolicy::none())
            .rotate(&id, &token)
            .await
            .unwrap_err();
        Rotator::new(&store, NoopTarget).rotate(&id, &token).await.unwrap();
        let h = store.history(&id, 5).await.unwrap();
        assert_eq!(outcomes(&h), [Outcome::Succeeded, Outcome::Failed]);
        assert!(h.iter().all(|r| r.token == token));
        assert_eq!(h[1].error.as_deref(), Some(err.to_string().as_str()));
    });
}

/// A target that, in setSecret, lets another run take the rotation over
/// (as if our lease had lapsed) and then fails.
struct TakenOver<'a> {
    store: &'a MemoryStore,
    thief: Owner,
}

impl Target for TakenOver<'_> {
    async fn set_secret(
        &self,
        ctx: &StepContext<'_>,
        _pending: &SecretValue,
        _current: &SecretValue,
    ) -> Result<(), TargetError> {
        let id = ctx.secret;
        let ours = self.store.history(id, 1).await.unwrap().remove(0);
        self.store.release(id, &Owner::new(ours.owner)).await.unwrap();
        let d = self.store.describe(id).await.unwrap();
        let mut claim = Claim::new(
            Token::generate(),
            SecretValue::from(""),
            d.version_with(&Stage::current()).cloned(),
            d.last_rotated,
            self.thief.clone(),
            Duration::from_secs(600),
        );
        claim.resume_only = true;
        assert!(matches!(
            self.store.claim(id, &claim).await.unwrap(),
            Claimed::Resumed(_)
        ));
        Err(TargetError::failed("lost the lease"))
    }
    async fn test_secret(&self, _ctx: &StepContext<'_>, _pending: &SecretValue) -> Result<(), TargetError> {
        Ok(())
    }
}

/// A run that fails after another took its rotation over does not end the
/// other's running attempt.
#[test]
fn a_failure_after_a_take_over_leaves_the_new_owners_attempt_alone() {
    let store = MemoryStore::new();
    let id = SecretId::new("k").unwrap();
    let thief = Owner::new("elsewhere:1:1:n");
    rt().block_on(async {
        store
            .create(&id, Some((&Token::generate(), &SecretValue::from("v1"))), None)
            .await
            .unwrap();
        let target = TakenOver {
            store: &store,
            thief: thief.clone(),
        };
        Rotator::new(&store, target)
            .retry(RetryPolicy::none())
            .rotate_exclusive(&id)
            .await
            .unwrap_err();
        let h = store.history(&id, 5).await.unwrap();
        assert_eq!(outcomes(&h), [Outcome::Running, Outcome::Abandoned]);
        assert_eq!(h[0].owner, thief.as_str());
    });
}

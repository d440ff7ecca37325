//! The rotation driver: the four steps, resume after every kind of failure at
//! every step boundary, refusal of a second rotation, retries.
#![cfg(feature = "rotate")]

mod rotate_util;

use std::sync::Arc;
use std::time::Duration;

use rotaplan::rotate::{RetryPolicy, Rotator};
use rotaplan::store::{
    MemoryStore, RotationConfig, SecretStore, SecretValue, Stage, Strategy, Token, VersionId, VersionRef,
};
use rotaplan::target::{NoopTarget, Step};
use rotate_util::*;

const V0: &str = r#"{"username":"app","password":"p0","host":"db.internal"}"#;

/// A store holding `db/main` = V0 under token 0, and a target where app/p0
/// logs in.
async fn setup<S: SecretStore>(store: &S, strategy: Strategy) -> LoginTarget {
    let cfg = RotationConfig::new("rate(30 days)").with_strategy(strategy);
    store
        .create(&sid("db/main"), Some((&token(0), &SecretValue::from(V0))), Some(&cfg))
        .await
        .unwrap();
    LoginTarget::with_user("app", "p0")
}

/// The state an unbroken rotation from token 0 to token 1 leaves.
async fn assert_rotated<S: SecretStore>(store: &S, target: &LoginTarget, strategy: Strategy) {
    let id = sid("db/main");
    let d = store.describe(&id).await.unwrap();
    let t0 = token(0).to_string();
    let t1 = token(1).to_string();
    let expected: std::collections::BTreeMap<String, Vec<String>> = [
        (t0.clone(), vec!["AWSPREVIOUS".to_owned()]),
        (t1.clone(), vec!["AWSCURRENT".to_owned()]),
    ]
    .into_iter()
    .collect();
    assert_eq!(stage_map(&d), expected, "stages after rotation");
    assert!(d.last_rotated.is_some());
    let cur = store.get_value(&id, &VersionRef::current()).await.unwrap();
    assert!(target.logs_in(&cur.value), "AWSCURRENT must log in");
    let old = store
        .get_value(&id, &VersionRef::Id(VersionId::from(&token(0))))
        .await
        .unwrap();
    assert_eq!(old.value.expose_str(), Some(V0), "the old version is intact");
    let (user, pw) = creds(&cur.value);
    assert_ne!(pw, "p0");
    let j: serde_json::Value = serde_json::from_str(cur.value.expose_str().unwrap()).unwrap();
    assert_eq!(j["host"], "db.internal", "other fields are kept");
    match strategy {
        Strategy::AlternatingUsers => {
            assert_eq!(user, "app_clone");
            // The original user still logs in with its old password.
            assert!(target.logs_in(&old.value));
        }
        _ => assert_eq!(user, "app"),
    }
}

#[tokio::test]
async fn unbroken_rotation_single_and_alternating() {
    for strategy in [Strategy::SingleUser, Strategy::AlternatingUsers] {
        let store = MemoryStore::new();
        let target = setup(&store, strategy).await;
        let rotator = Rotator::new(&store, target.clone());
        let out = rotator.rotate(&sid("db/main"), &token(1)).await.unwrap();
        assert_eq!(out.version, VersionId::from(&token(1)));
        assert_eq!(out.previous, Some(VersionId::from(&token(0))));
        assert_eq!(out.attempts, 1);
        assert_rotated(&store, &target, strategy).await;

        // Rerunning the finished token changes nothing, not even the target.
        let before = store.describe(&sid("db/main")).await.unwrap();
        let sets = target.sets.load(std::sync::atomic::Ordering::SeqCst);
        rotator.rotate(&sid("db/main"), &token(1)).await.unwrap();
        assert_eq!(store.describe(&sid("db/main")).await.unwrap(), before);
        assert_eq!(target.sets.load(std::sync::atomic::Ordering::SeqCst), sets);
    }
}

#[tokio::test]
async fn alternating_users_switch_back_and_forth() {
    let store = MemoryStore::new();
    let target = setup(&store, Strategy::AlternatingUsers).await;
    let rotator = Rotator::new(&store, target.clone());
    let id = sid("db/main");
    let mut users = Vec::new();
    for n in 1..=4 {
        rotator.rotate(&id, &token(n)).await.unwrap();
        let cur = store.get_value(&id, &VersionRef::current()).await.unwrap();
        let prev = store
            .get_value(&id, &VersionRef::Stage(Stage::previous()))
            .await
            .unwrap();
        assert!(target.logs_in(&cur.value) && target.logs_in(&prev.value));
        users.push(creds(&cur.value).0);
    }
    assert_eq!(users, ["app_clone", "app", "app_clone", "app"]);
}

#[tokio::test]
async fn new_token_refused_while_pending() {
    let store = MemoryStore::new();
    let target = setup(&store, Strategy::SingleUser).await;
    let rotator = Rotator::new(&store, target.clone()).retry(RetryPolicy::none());
    let id = sid("db/main");
    target.inject(TargetFault::TestErr);
    let err = rotator.rotate(&id, &token(1)).await.unwrap_err();
    assert!(err.is_target(), "{err}");
    assert_eq!(
        err.to_string(),
        "rotating secret `db/main`: testSecret: target failed: injected"
    );

    let err = rotator.rotate(&id, &token(2)).await.unwrap_err();
    assert!(err.is_rotation_in_progress(), "{err}");
    assert!(err.to_string().contains(token(1).as_str()), "{err}");
    assert!(err.to_string().starts_with("rotating secret `db/main`: createSecret: "));
    // The refused token left nothing behind.
    let d = store.describe(&id).await.unwrap();
    assert!(!d.versions.contains_key(&VersionId::from(&token(2))));

    // The same token resumes.
    rotator.rotate(&id, &token(1)).await.unwrap();
    assert_rotated(&store, &target, Strategy::SingleUser).await;
    // And afterwards a new token is welcome.
    rotator.rotate(&id, &token(2)).await.unwrap();
}

#[tokio::test]
async fn stale_pending_on_current_does_not_block() {
    // AWS's own templates leave AWSPENDING on the new current version.
    let store = MemoryStore::new();
    let id = sid("db/main");
    store
        .create(&id, Some((&token(0), &SecretValue::from("k0"))), None)
        .await
        .unwrap();
    let v0 = VersionId::from(&token(0));
    store
        .update_stage(&id, &Stage::pending(), Some(&v0), None)
        .await
        .unwrap();
    Rotator::new(&store, NoopTarget).rotate(&id, &token(1)).await.unwrap();
    let d = store.describe(&id).await.unwrap();
    assert_eq!(d.version_with(&Stage::pending()), None);
    assert_eq!(d.version_with(&Stage::current()), Some(&VersionId::from(&token(1))));
    assert_eq!(d.version_with(&Stage::previous()), Some(&v0));
}

/// How many store calls an unbroken rotation makes.
async fn calls_in_rotation(strategy: Strategy) -> usize {
    let store = FaultyStore::new(MemoryStore::new());
    let target = setup(&store.inner, strategy).await;
    Rotator::new(&store, target)
        .rotate(&sid("db/main"), &token(1))
        .await
        .unwrap();
    store.calls()
}

/// After a failed attempt: no credential lost, no version lost.
async fn assert_safe_after_failure<S: SecretStore>(store: &S, target: &LoginTarget, strategy: Strategy, what: &str) {
    let id = sid("db/main");
    let d = store.describe(&id).await.unwrap();
    assert!(
        d.versions.contains_key(&VersionId::from(&token(0))),
        "{what}: version lost"
    );
    let old = store
        .get_value(&id, &VersionRef::Id(VersionId::from(&token(0))))
        .await
        .unwrap();
    assert_eq!(old.value.expose_str(), Some(V0), "{what}: old value changed");
    let cur = store.get_value(&id, &VersionRef::current()).await.unwrap();
    match strategy {
        Strategy::AlternatingUsers => {
            assert!(target.logs_in(&cur.value), "{what}: AWSCURRENT must log in")
        }
        _ => {
            // Single user: between setSecret and finishSecret only the
            // pending value works; one of the two always does.
            let pending = store.get_value(&id, &VersionRef::Stage(Stage::pending())).await.ok();
            assert!(
                target.logs_in(&cur.value) || pending.is_some_and(|p| target.logs_in(&p.value)),
                "{what}: neither AWSCURRENT nor AWSPENDING logs in"
            );
        }
    }
    let pending = d.version_with(&Stage::pending());
    assert!(
        pending.is_none() || pending == Some(&VersionId::from(&token(1))),
        "{what}: AWSPENDING on an unexpected version"
    );
}

/// Injects every fault kind at every store call of a rotation, drops or
/// fails the rotator, checks nothing was lost, resumes with the same token
/// and checks the end state is exactly an unbroken rotation's.
async fn fault_matrix<S: SecretStore>(make: impl Fn() -> S) {
    for strategy in [Strategy::SingleUser, Strategy::AlternatingUsers] {
        let n_calls = calls_in_rotation(strategy).await;
        assert!(n_calls >= 12, "{n_calls}");
        for fault in FAULTS {
            for at in 0..n_calls {
                let what = format!("{strategy} {fault:?} at call {at}");
                let store = FaultyStore::new(make());
                let target = setup(&store.inner, strategy).await;
                store.fail_at(at, fault);
                {
                    // The "process": a rotator dropped when it hangs.
                    let rotator = Rotator::new(&store, target.clone()).retry(RetryPolicy::none());
                    // Drop it as soon as a hang fault has fired (the
                    // store call never returns): a crash mid-step.
                    let (id, t1) = (sid("db/main"), token(1));
                    let r = tokio::select! {
                        r = rotator.rotate(&id, &t1) => Some(r),
                        _ = async {
                            store.fired().await;
                            if matches!(fault, Fault::HangBefore | Fault::HangAfter) {
                                // Give a HangAfter's inner call time to land.
                                tokio::time::sleep(Duration::from_millis(20)).await;
                            } else {
                                std::future::pending::<()>().await;
                            }
                        } => None,
                    };
                    match r {
                        Some(Ok(_)) => panic!("{what}: a faulted rotation reported success"),
                        Some(Err(e)) => assert!(e.is_store(), "{what}: {e}"),
                        None => assert!(
                            matches!(fault, Fault::HangBefore | Fault::HangAfter),
                            "{what}: unexpected hang"
                        ),
                    }
                }
                assert_safe_after_failure(&store.inner, &target, strategy, &what).await;
                // Resume with a fresh rotator and the same token.
                Rotator::new(&store.inner, target.clone())
                    .rotate(&sid("db/main"), &token(1))
                    .await
                    .unwrap_or_else(|e| panic!("{what}: resume failed: {e}"));
                assert_rotated(&store.inner, &target, strategy).await;
            }
        }
    }
}

#[tokio::test]
async fn store_fault_at_every_call_then_resume() {
    fault_matrix(MemoryStore::new).await;
}

#[cfg(feature = "sqlite")]
#[tokio::test]
async fn store_fault_at_every_call_then_resume_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let n = std::cell::Cell::new(0);
    fault_matrix(|| {
        n.set(n.get() + 1);
        rotaplan::store::SqliteStore::open(
            dir.path().join(format!("{}.db", n.get())),
            rotaplan::store::MasterKey::from_bytes([3; 32]),
        )
        .unwrap()
    })
    .await;
}

#[tokio::test]
async fn target_fault_then_resume() {
    for strategy in [Strategy::SingleUser, Strategy::AlternatingUsers] {
        for fault in TARGET_FAULTS {
            let what = format!("{strategy} {fault:?}");
            let store = MemoryStore::new();
            let target = setup(&store, strategy).await;
            target.inject(fault);
            let rotator = Rotator::new(&store, target.clone())
                .retry(RetryPolicy::none())
                .step_timeout(Duration::from_millis(100));
            let err = rotator.rotate(&sid("db/main"), &token(1)).await.unwrap_err();
            match fault {
                TargetFault::SetHang | TargetFault::TestHang => {
                    assert!(err.is_timeout(), "{what}: {err}")
                }
                _ => assert!(err.is_target(), "{what}: {err}"),
            }
            assert_safe_after_failure(&store, &target, strategy, &what).await;
            rotator.rotate(&sid("db/main"), &token(1)).await.unwrap();
            assert_rotated(&store, &target, strategy).await;
        }
    }
}

#[tokio::test]
async fn crash_inside_every_step_then_resume() {
    // Drop the rotation while each step is in progress (the target hangs in
    // set/test; the store hangs after its write in create/finish).
    for strategy in [Strategy::SingleUser, Strategy::AlternatingUsers] {
        for step in Step::ALL {
            let store = FaultyStore::new(MemoryStore::new());
            let target = setup(&store.inner, strategy).await;
            let rotator = Rotator::new(&store, target.clone()).retry(RetryPolicy::none());
            let id = sid("db/main");
            for s in Step::ALL.iter().take_while(|s| **s != step) {
                rotator.run_step(&id, &token(1), *s).await.unwrap();
            }
            match step {
                Step::Set => target.inject(TargetFault::SetHang),
                Step::Test => target.inject(TargetFault::TestHang),
                // create: describe, get_value, put_value → hang after the put.
                Step::Create => store.fail_at(2, Fault::HangAfter),
                // finish: describe, update(current) → hang after moving current.
                _ => store.fail_at(1, Fault::HangAfter),
            }
            let r = tokio::time::timeout(Duration::from_millis(100), rotator.run_step(&id, &token(1), step)).await;
            assert!(r.is_err(), "{strategy} {step}: expected a hang");
            drop(rotator);
            assert_safe_after_failure(&store.inner, &target, strategy, &format!("{strategy} {step}")).await;
            Rotator::new(&store.inner, target.clone())
                .rotate(&id, &token(1))
                .await
                .unwrap();
            assert_rotated(&store.inner, &target, strategy).await;
        }
    }
}

#[tokio::test]
async fn retries_resume_with_the_same_token() {
    let n_calls = calls_in_rotation(Strategy::SingleUser).await;
    for at in 0..n_calls {
        let store = FaultyStore::new(MemoryStore::new());
        let target = setup(&store.inner, Strategy::SingleUser).await;
        store.fail_at(at, Fault::ErrAfter);
        let out = Rotator::new(&store, target.clone())
            .retry(RetryPolicy::new(2).backoff(Duration::ZERO, Duration::ZERO))
            .rotate(&sid("db/main"), &token(1))
            .await
            .unwrap_or_else(|e| panic!("call {at}: {e}"));
        assert_eq!(out.attempts, 2, "call {at}");
        assert_rotated(&store.inner, &target, Strategy::SingleUser).await;
    }
}

#[tokio::test]
async fn final_errors_are_not_retried() {
    let store = FaultyStore::new(MemoryStore::new());
    let rotator = Rotator::new(&store, NoopTarget).retry(RetryPolicy::new(5).backoff(Duration::ZERO, Duration::ZERO));
    let err = rotator.rotate(&sid("nope"), &token(1)).await.unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert_eq!(store.calls(), 1, "not-found is final: one describe only");
}

#[tokio::test]
async fn shared_store_via_arc_and_plain_api_key() {
    let store = Arc::new(MemoryStore::new());
    let id = sid("api/key");
    store
        .create(&id, Some((&Token::generate(), &SecretValue::from("k0"))), None)
        .await
        .unwrap();
    let rotator = Rotator::new(Arc::clone(&store), NoopTarget);
    rotator.rotate(&id, &Token::generate()).await.unwrap();
    let cur = store.get_value(&id, &VersionRef::current()).await.unwrap();
    let key = cur.value.expose_str().unwrap();
    assert_eq!(key.len(), 32);
    assert_ne!(key, "k0");
}

#[tokio::test]
async fn alternating_needs_json_username() {
    let store = MemoryStore::new();
    let id = sid("api/key");
    let cfg = RotationConfig::new("rate(1 day)").with_strategy(Strategy::AlternatingUsers);
    store
        .create(&id, Some((&token(0), &SecretValue::from("plain"))), Some(&cfg))
        .await
        .unwrap();
    let err = Rotator::new(&store, NoopTarget)
        .rotate(&id, &token(1))
        .await
        .unwrap_err();
    assert!(err.is_invalid_request(), "{err}");
    assert_eq!(store.describe(&id).await.unwrap().versions.len(), 1);
}

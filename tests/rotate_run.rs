//! Scheduled runs: one secret's store trouble fails (or retries) that
//! secret only, and `jobs(n)` keeps every secret rotated exactly once.
#![cfg(feature = "rotate")]

mod rotate_util;

use std::time::Duration;

use chrono::Utc;
use rotaplan::rotate::{RetryPolicy, Rotator};
use rotaplan::store::{MemoryStore, RotationConfig, SecretStore, SecretValue, Stage};
use rotaplan::target::NoopTarget;
use rotate_util::*;

const NAMES: [&str; 3] = ["a", "b", "c"];

async fn store_with_due() -> FaultyStore<MemoryStore> {
    let store = FaultyStore::new(MemoryStore::new());
    for (i, name) in NAMES.iter().enumerate() {
        let cfg = RotationConfig::new("rate(1 day)");
        let value = SecretValue::from("k");
        store
            .create(&sid(name), Some((&token(i as u8), &value)), Some(&cfg))
            .await
            .unwrap();
    }
    store
}

/// Every secret went through exactly one finished rotation.
async fn assert_each_rotated_once(store: &FaultyStore<MemoryStore>, what: &str) {
    for name in NAMES {
        let d = store.describe(&sid(name)).await.unwrap();
        assert_eq!(d.versions.len(), 2, "{what}: {name}: {:?}", stage_map(&d));
        assert!(d.last_rotated.is_some(), "{what}: {name}");
        // AWSPENDING may stay behind only on AWSCURRENT's version (a finish
        // whose last answer was lost), where it blocks nothing.
        let pending = d.version_with(&Stage::pending());
        assert!(
            pending.is_none() || pending == d.version_with(&Stage::current()),
            "{what}: {name}: {:?}",
            stage_map(&d)
        );
    }
}

/// How many store calls a clean run of the three secrets makes.
async fn calls_in_a_run(jobs: usize) -> usize {
    let store = store_with_due().await;
    let before = store.calls();
    let rotator = Rotator::new(&store, NoopTarget).jobs(jobs);
    let summary = rotator.run_due(Utc::now()).await.unwrap();
    assert_eq!(summary.to_string(), "3 rotated, 0 skipped, 0 failed");
    store.calls() - before
}

#[tokio::test]
async fn a_store_error_fails_one_secret_and_the_run_goes_on() {
    for jobs in [1, 3] {
        let calls = calls_in_a_run(jobs).await;
        // Call 0 is the listing: without it there is no run to go on with.
        for at in 1..calls {
            for fault in [Fault::ErrBefore, Fault::ErrAfter] {
                let what = format!("jobs {jobs}, {fault:?} at call {at}");
                let store = store_with_due().await;
                store.fail_at(at, fault);
                let rotator = Rotator::new(&store, NoopTarget).jobs(jobs).retry(RetryPolicy::none());
                let summary = rotator
                    .run_due(Utc::now())
                    .await
                    .unwrap_or_else(|e| panic!("{what}: {e}"));
                assert_eq!(summary.skipped.len(), 0, "{what}: {summary}");
                assert!(summary.failed.len() <= 1, "{what}: {summary}");
                assert_eq!(summary.rotated.len() + summary.failed.len(), 3, "{what}: {summary}");
                for (id, e) in &summary.failed {
                    assert!(e.to_string().contains(id.as_str()), "{what}: {e}");
                }
                // The next run finishes whatever failed.
                let again = Rotator::new(&store, NoopTarget).run_due(Utc::now()).await.unwrap();
                assert!(again.rotated.len() <= summary.failed.len(), "{what}: {again}");
                assert!(again.failed.is_empty(), "{what}: {again}");
                assert_each_rotated_once(&store, &what).await;
            }
        }
    }
}

#[tokio::test]
async fn a_store_error_is_retried_within_the_run() {
    let calls = calls_in_a_run(1).await;
    for at in 1..calls {
        for fault in [Fault::ErrBefore, Fault::ErrAfter] {
            let what = format!("{fault:?} at call {at}");
            let store = store_with_due().await;
            store.fail_at(at, fault);
            let rotator = Rotator::new(&store, NoopTarget)
                .jobs(2)
                .retry(RetryPolicy::new(3).backoff(Duration::ZERO, Duration::ZERO));
            let summary = rotator.run_due(Utc::now()).await.unwrap();
            assert_eq!(
                summary.to_string(),
                "3 rotated, 0 skipped, 0 failed",
                "{what}: {summary:?}"
            );
            assert_each_rotated_once(&store, &what).await;
        }
    }
}

#[tokio::test]
async fn a_hanging_store_call_holds_back_only_its_secret() {
    let calls = calls_in_a_run(1).await;
    for at in 1..calls {
        let what = format!("hang at call {at}");
        let store = store_with_due().await;
        store.fail_at(at, Fault::HangBefore);
        let rotator = Rotator::new(&store, NoopTarget)
            .jobs(3)
            .step_timeout(Duration::from_millis(200))
            .retry(RetryPolicy::none());
        let summary = tokio::time::timeout(Duration::from_secs(10), rotator.run_due(Utc::now()))
            .await
            .unwrap_or_else(|_| panic!("{what}: the run hung"))
            .unwrap();
        assert!(summary.failed.len() <= 1, "{what}: {summary}");
        assert_eq!(summary.rotated.len() + summary.failed.len(), 3, "{what}: {summary}");
    }
}

#[tokio::test]
async fn jobs_rotate_each_secret_once_and_list_by_name() {
    let store = store_with_due().await;
    let rotator = Rotator::new(&store, NoopTarget).jobs(8);
    let summary = rotator.run_due(Utc::now()).await.unwrap();
    let names: Vec<&str> = summary.rotated.iter().map(|o| o.secret.as_str()).collect();
    assert_eq!(names, NAMES);
    for o in &summary.rotated {
        let d = store.describe(&o.secret).await.unwrap();
        assert_eq!(d.version_with(&Stage::current()), Some(&o.version));
        assert_eq!(d.version_with(&Stage::previous()), o.previous.as_ref());
    }
    assert_each_rotated_once(&store, "jobs 8").await;
}

#[tokio::test]
async fn a_failed_listing_is_retried_and_fails_the_run_only_when_it_persists() {
    let store = store_with_due().await;
    store.fail_at(0, Fault::ErrBefore);
    let rotator = Rotator::new(&store, NoopTarget).retry(RetryPolicy::new(2).backoff(Duration::ZERO, Duration::ZERO));
    let summary = rotator.run_due(Utc::now()).await.unwrap();
    assert_eq!(summary.to_string(), "3 rotated, 0 skipped, 0 failed");
    let store = store_with_due().await;
    store.fail_at(0, Fault::ErrBefore);
    let err = Rotator::new(&store, NoopTarget)
        .retry(RetryPolicy::none())
        .run_due(Utc::now())
        .await
        .unwrap_err();
    assert!(err.is_store() && err.is_transient(), "{err}");
}

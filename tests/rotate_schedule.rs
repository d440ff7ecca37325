//! Scheduler glue: `due` and `run_due`, with windows from the planner
//! worked out by hand.
#![cfg(feature = "rotate")]

mod rotate_util;

use chrono::{DateTime, Duration, NaiveTime, Utc};
use rotaplan::rotate::{RetryPolicy, Rotator};
use rotaplan::store::{Deletion, MemoryStore, RotationConfig, SecretStore, SecretValue, Stage, TargetSpec, Token};
use rotaplan::target::SpecTarget;
use rotate_util::*;

fn midnight(t: DateTime<Utc>) -> DateTime<Utc> {
    t.date_naive().and_time(NaiveTime::MIN).and_utc()
}

async fn add(store: &MemoryStore, name: &str, cfg: Option<RotationConfig>) {
    store
        .create(
            &sid(name),
            Some((&Token::generate(), &SecretValue::from("k0"))),
            cfg.as_ref(),
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn due_lists_open_and_overdue_windows_only() {
    let store = MemoryStore::new();
    // A Monday.
    let now: DateTime<Utc> = "2026-11-23T08:00:00Z".parse().unwrap();
    let rate10 = || Some(RotationConfig::new("rate(10 days)"));
    add(&store, "never-rotated", rate10()).await;
    add(&store, "rotated-9-days-ago", rate10()).await;
    store
        .mark_rotated(&sid("rotated-9-days-ago"), now - Duration::days(9))
        .await
        .unwrap();
    add(&store, "rotated-10-days-ago", rate10()).await;
    store
        .mark_rotated(&sid("rotated-10-days-ago"), now - Duration::days(10))
        .await
        .unwrap();
    add(&store, "rotated-12-days-ago", rate10()).await;
    store
        .mark_rotated(&sid("rotated-12-days-ago"), now - Duration::days(12))
        .await
        .unwrap();
    add(&store, "no-rules", None).await;
    add(&store, "deleted", rate10()).await;
    store
        .delete(&sid("deleted"), Deletion::RecoveryWindow { days: 7 })
        .await
        .unwrap();
    // Last rotated on Sunday 2026-11-15: the next window opened Sunday
    // 2026-11-22 at 04:00 and closed at the end of that UTC day.
    add(&store, "cron-weekly", Some(RotationConfig::new("cron(0 4 ? * SUN *)"))).await;
    let sunday: DateTime<Utc> = "2026-11-15T04:30:00Z".parse().unwrap();
    store.mark_rotated(&sid("cron-weekly"), sunday).await.unwrap();
    // Rotated yesterday at 10:30; today's window opens at 10:00, after `now`.
    let mut daily = RotationConfig::new("cron(0 10 * * ? *)");
    daily.duration = Some("3h".into());
    add(&store, "cron-daily", Some(daily)).await;
    let yesterday: DateTime<Utc> = "2026-11-22T10:30:00Z".parse().unwrap();
    store.mark_rotated(&sid("cron-daily"), yesterday).await.unwrap();
    add(&store, "too-often", Some(RotationConfig::new("cron(0 1,2 * * ? *)"))).await;

    let rotator = Rotator::new(&store, SpecTarget::default());
    let report = rotator.due(now).await.unwrap();
    let names: Vec<&str> = report.due.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(
        names,
        [
            "cron-weekly",
            "never-rotated",
            "rotated-10-days-ago",
            "rotated-12-days-ago"
        ]
    );

    let today = midnight(now);
    let weekly = &report.due[0];
    let window_start: DateTime<Utc> = "2026-11-22T04:00:00Z".parse().unwrap();
    assert_eq!((weekly.start, weekly.end, weekly.overdue), (window_start, today, true));
    let ten = &report.due[2];
    assert_eq!(
        (ten.start, ten.end, ten.overdue),
        (today, today + Duration::days(1), false)
    );
    let twelve = &report.due[3];
    assert_eq!(twelve.start, today - Duration::days(2));
    assert!(twelve.overdue);
    let never = &report.due[1];
    assert_eq!((never.start, never.end), (now, today + Duration::days(1)));

    assert_eq!(report.errors.len(), 1);
    let (id, err) = &report.errors[0];
    assert_eq!(id.as_str(), "too-often");
    assert!(err.is_schedule());
    assert!(err.to_string().contains("01:00 and 02:00 are 1 hour apart"), "{err}");
}

#[tokio::test]
async fn run_due_rotates_each_and_one_failure_does_not_stop_the_others() {
    let store = MemoryStore::new();
    let now = Utc::now();
    add(&store, "a", Some(RotationConfig::new("rate(7 days)"))).await;
    add(
        &store,
        "b-broken",
        Some(RotationConfig::new("rate(7 days)").with_target(TargetSpec::Postgres)),
    )
    .await;
    add(&store, "c", Some(RotationConfig::new("rate(7 days)"))).await;
    add(
        &store,
        "d-bad-schedule",
        Some(RotationConfig::new("cron(0 1,2 * * ? *)")),
    )
    .await;

    let rotator = Rotator::new(&store, SpecTarget::default()).retry(RetryPolicy::none());
    let summary = rotator.run_due(now).await.unwrap();
    assert_eq!(summary.to_string(), "2 rotated, 0 skipped, 2 failed");
    let rotated: Vec<&str> = summary.rotated.iter().map(|o| o.secret.as_str()).collect();
    assert_eq!(rotated, ["a", "c"]);
    let mut failed: Vec<&str> = summary.failed.iter().map(|(id, _)| id.as_str()).collect();
    failed.sort();
    assert_eq!(failed, ["b-broken", "d-bad-schedule"]);

    for name in ["a", "c"] {
        let d = store.describe(&sid(name)).await.unwrap();
        assert_eq!(d.versions.len(), 2, "{name}");
        assert!(d.last_rotated.is_some());
    }
    // Rotated secrets are no longer due; the broken one still is.
    let names: Vec<String> = rotator
        .due(now)
        .await
        .unwrap()
        .due
        .iter()
        .map(|d| d.id.to_string())
        .collect();
    assert_eq!(names, ["b-broken"]);

    // The broken secret's unfinished rotation is resumed with its own token
    // once the target works, not refused as "in progress".
    let pending = store
        .describe(&sid("b-broken"))
        .await
        .unwrap()
        .version_with(&Stage::pending())
        .cloned()
        .unwrap();
    store
        .set_rotation(&sid("b-broken"), Some(&RotationConfig::new("rate(7 days)")))
        .await
        .unwrap();
    let summary = rotator.run_due(now).await.unwrap();
    // (d-cron still waits for the planner.)
    assert_eq!(summary.to_string(), "1 rotated, 0 skipped, 1 failed");
    assert_eq!(summary.rotated[0].version, pending);
    let d = store.describe(&sid("b-broken")).await.unwrap();
    assert_eq!(d.version_with(&Stage::current()), Some(&pending));
    assert_eq!(d.version_with(&Stage::pending()), None);
    assert_eq!(d.versions.len(), 2, "no second pending version was made");
}

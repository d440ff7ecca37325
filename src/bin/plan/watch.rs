//! `plan run --watch`: the scheduler as a long-running process.

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use rotaplan::rotate::Rotator;
use rotaplan::store::SecretStore;
use rotaplan::target::Target;
use rotaplan::RotationRules;

use crate::secrets::{print_summary, run_once, Format};

/// The longest sleep between passes, so rules changed by `plan secret
/// update` while we sleep are picked up within the hour.
const MAX_SLEEP: Duration = Duration::from_secs(3600);

/// Rotates what is due, sleeps until the next window opens, repeats. On
/// SIGTERM or SIGINT the rotation in progress finishes (its remaining steps
/// bounded by the step time-out), then it exits 0.
pub async fn run<S: SecretStore, T: Target>(rotator: &Rotator<S, T>, format: Format) -> anyhow::Result<ExitCode> {
    let stop = Arc::new(AtomicBool::new(false));
    let wake = Arc::new(tokio::sync::Notify::new());
    {
        let (stop, wake) = (Arc::clone(&stop), Arc::clone(&wake));
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::spawn(async move {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
            stop.store(true, Ordering::SeqCst);
            wake.notify_one();
        });
    }
    let mut failed = false;
    while !stop.load(Ordering::SeqCst) {
        let summary = run_once(rotator, Utc::now(), Some(&stop)).await?;
        failed |= !summary.failed.is_empty();
        if !(summary.rotated.is_empty() && summary.skipped.is_empty() && summary.failed.is_empty()) {
            print_summary(&summary, format)?;
        }
        let sleep = next_opening(rotator).await.unwrap_or(MAX_SLEEP).min(MAX_SLEEP);
        eprintln!("plan run --watch: next pass in {}s", sleep.as_secs());
        tokio::select! {
            _ = tokio::time::sleep(sleep) => {}
            _ = wake.notified() => {}
        }
    }
    eprintln!("plan run --watch: stopped by signal");
    let _ = failed; // failures were reported as they happened
    Ok(ExitCode::SUCCESS)
}

/// How long until the earliest next window of any secret opens (at least
/// one second). A failed secret stays due; it is retried after a minute
/// rather than in a tight loop.
async fn next_opening<S: SecretStore, T: Target>(rotator: &Rotator<S, T>) -> Option<Duration> {
    let now = Utc::now();
    let mut earliest: Option<chrono::DateTime<Utc>> = None;
    for d in rotator.store().list().await.ok()? {
        let Some(r) = &d.rotation else { continue };
        if d.is_deleted() {
            continue;
        }
        let Ok(schedule) = rotaplan::Schedule::parse(&r.schedule) else {
            continue;
        };
        let window = r.duration.as_deref().and_then(|w| w.parse().ok());
        let Ok(rules) = RotationRules::new(schedule, window) else {
            continue;
        };
        let start = match d.last_rotated {
            Some(last) => rules.next_window(Some(&last), &last).map(|w| w.start),
            None => Some(now),
        };
        let Some(mut start) = start else { continue };
        if start <= now {
            start = now + chrono::Duration::seconds(60); // still due: failed, retry later
        }
        earliest = Some(earliest.map_or(start, |e| e.min(start)));
    }
    let wait = earliest?.signed_duration_since(now).to_std().ok()?;
    Some(wait.max(Duration::from_secs(1)))
}

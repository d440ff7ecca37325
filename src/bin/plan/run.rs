//! `plan run`: rotate every secret that is due, once or (`--watch`) as a
//! long-running scheduler.

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveTime, Utc};
use rotaplan::rotate::{Rotator, RunSummary};
use rotaplan::store::SecretStore;
use rotaplan::target::Target;

use crate::metrics::{Metrics, SecretPlan};
use crate::store::{
    self, outcome_json, plain, print_json, rotator, rules_of, ExecArgs, Format, StoreArgs, StoreCommand,
};

/// Arguments of `plan run`.
#[derive(clap::Args)]
pub struct Args {
    /// The instant to judge at, RFC 3339 (default: now).
    #[arg(long, conflicts_with = "watch")]
    now: Option<DateTime<Utc>>,
    /// Keep running: sleep until the next window opens, rotate what is
    /// due, repeat. SIGTERM or SIGINT lets the rotation in progress
    /// finish, then exits 0.
    #[arg(long)]
    watch: bool,
    /// Rotate up to N secrets at once (default 4), over one store client.
    /// A slow target holds back only its own secret, each step for at most
    /// `--step-timeout`.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..))]
    jobs: u16,
    /// With `--watch`: serve Prometheus metrics on ADDR (e.g.
    /// `127.0.0.1:9464`), `GET /metrics`, and `ok` on `GET /healthz`. Each
    /// secret's next window start, last rotation and whether it is overdue;
    /// rotations by outcome, step durations, rotations in flight. Binds
    /// only ADDR; a bind failure exits 2 before anything runs.
    #[arg(long, value_name = "ADDR", requires = "watch")]
    metrics: Option<std::net::SocketAddr>,
    /// The bound `--metrics` listener.
    #[arg(skip)]
    listener: Option<std::net::TcpListener>,
    #[command(flatten)]
    exec: ExecArgs,
    #[command(flatten)]
    store: StoreArgs,
}

pub fn run(mut args: Args) -> anyhow::Result<ExitCode> {
    // Bound before the store is even opened: a bad address is a usage
    // error (exit 2), never a half-started scheduler.
    if let Some(addr) = args.metrics {
        args.listener = Some(crate::metrics::bind(addr)?);
    }
    store::run(args.store.clone(), args)
}

impl StoreCommand for Args {
    async fn execute<S: SecretStore + Clone + 'static>(self, store: &S, format: Format) -> anyhow::Result<ExitCode> {
        let events = self.exec.events();
        let rotator = rotator(store, &self.exec).jobs(usize::from(self.jobs));
        let metrics = match self.listener {
            Some(listener) => {
                let metrics = Arc::new(Metrics::new());
                crate::metrics::serve(listener, Arc::clone(&metrics))?;
                Some(metrics)
            }
            None => None,
        };
        let rotator = match (&events, &metrics) {
            (Some(ev), None) => ev.attach(rotator),
            (queue, Some(m)) => {
                let queue = queue.as_ref().map(|ev| ev.hook());
                let (m, m2) = (Arc::clone(m), Arc::clone(m));
                rotator
                    .on_event(move |e| {
                        m.event(&e);
                        if let Some(queue) = &queue {
                            queue(e);
                        }
                    })
                    .on_step(move |_, step, took, _| m2.step(step, took))
            }
            (None, None) => rotator,
        };
        // The events queued by the end are delivered before we exit.
        let summary = if self.watch {
            watch(&rotator, format, metrics.as_deref()).await.map(|()| None)
        } else {
            run_once(&rotator, self.now.unwrap_or_else(Utc::now), None)
                .await
                .map(Some)
        };
        if let Some(ev) = events {
            ev.finish().await;
        }
        let Some(summary) = summary? else {
            return Ok(ExitCode::SUCCESS);
        };
        print_summary(&summary, format)?;
        Ok(if summary.failed.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        })
    }
}

/// One pass of the scheduler: everything due at `now`, `--jobs` secrets at
/// a time; starts no new rotation once `stop` is set. Only a store that
/// cannot list at all fails the pass; anything about one secret fails that
/// secret.
async fn run_once<S: SecretStore, T: Target>(
    rotator: &Rotator<S, T>,
    now: DateTime<Utc>,
    stop: Option<&AtomicBool>,
) -> anyhow::Result<RunSummary> {
    let report = rotator.due(now).await.map_err(plain)?;
    Ok(rotator
        .rotate_all(report, || stop.is_some_and(|s| s.load(Ordering::SeqCst)))
        .await)
}

/// The run summary: text lines, or `{"rotated", "skipped", "failed"}`.
fn print_summary(summary: &RunSummary, format: Format) -> anyhow::Result<()> {
    if format == Format::Json {
        let rotated: Vec<_> = summary.rotated.iter().map(outcome_json).collect();
        let skipped: Vec<_> = summary
            .skipped
            .iter()
            .map(|(id, s)| serde_json::json!({"secret": id.as_str(), "reason": s.to_string()}))
            .collect();
        let failed: Vec<_> = summary
            .failed
            .iter()
            .map(|(id, e)| serde_json::json!({"secret": id.as_str(), "error": e.to_string()}))
            .collect();
        return print_json(&serde_json::json!({"rotated": rotated, "skipped": skipped, "failed": failed}));
    }
    for o in &summary.rotated {
        println!("rotated {}: AWSCURRENT is now version {}", o.secret, o.version);
    }
    for (id, s) in &summary.skipped {
        println!("skipped {id}: {s}");
    }
    for (id, e) in &summary.failed {
        eprintln!("error: {id}: {e}");
    }
    println!("{summary}");
    Ok(())
}

/// The longest sleep between passes, so rules changed by `plan secret
/// update` while we sleep are picked up within the hour.
const MAX_SLEEP: Duration = Duration::from_secs(3600);

/// The sleep after a pass that could not list the store, or before a
/// secret that failed is tried again.
const RETRY_SLEEP: Duration = Duration::from_secs(60);

/// Rotates what is due, sleeps until the next window opens, repeats. On
/// SIGTERM or SIGINT the rotation in progress finishes (its remaining steps
/// bounded by the step time-out), then it exits 0.
async fn watch<S: SecretStore, T: Target>(
    rotator: &Rotator<S, T>,
    format: Format,
    metrics: Option<&Metrics>,
) -> anyhow::Result<()> {
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
        // A store that cannot even list (down, locked) fails this pass, not
        // the scheduler: it says so and tries again in a minute.
        let sleep = match run_once(rotator, Utc::now(), Some(&stop)).await {
            Ok(summary) => {
                failed |= !summary.failed.is_empty();
                if let Some(m) = metrics {
                    m.skipped(summary.skipped.len());
                }
                if !(summary.rotated.is_empty() && summary.skipped.is_empty() && summary.failed.is_empty()) {
                    print_summary(&summary, format)?;
                }
                let now = Utc::now();
                match plan(rotator, now).await {
                    Some(plans) => {
                        if let Some(m) = metrics {
                            m.set_secrets(&plans);
                        }
                        next_opening(&plans, now).unwrap_or(MAX_SLEEP).min(MAX_SLEEP)
                    }
                    None => RETRY_SLEEP,
                }
            }
            Err(e) => {
                failed = true;
                eprintln!("error: {e}");
                RETRY_SLEEP
            }
        };
        eprintln!("plan run --watch: next pass in {}s", sleep.as_secs());
        tokio::select! {
            _ = tokio::time::sleep(sleep) => {}
            _ = wake.notified() => {}
        }
    }
    eprintln!("plan run --watch: stopped by signal");
    let _ = failed; // failures were reported as they happened
    Ok(())
}

/// Where each secret with (valid) rotation rules stands at `now`: the
/// window it is due in next, as `plan due` judges it (a secret never
/// rotated is due from `now` to the end of the day); `None` when the store
/// cannot list.
async fn plan<S: SecretStore, T: Target>(rotator: &Rotator<S, T>, now: DateTime<Utc>) -> Option<Vec<SecretPlan>> {
    let all = rotator.store().list().await.ok()?;
    let mut plans = Vec::new();
    for d in all {
        let Some(rules) = d.rotation.as_ref().and_then(rules_of) else {
            continue;
        };
        if d.is_deleted() {
            continue;
        }
        let window = match d.last_rotated {
            Some(last) => rules.next_window(Some(&last), &last).map(|w| (w.start, w.end)),
            None => {
                let day_end = (now.date_naive() + chrono::Duration::days(1))
                    .and_time(NaiveTime::MIN)
                    .and_utc();
                Some((now, day_end))
            }
        };
        // No window after the last rotation (past 2199): nothing to plan.
        let Some((start, end)) = window else { continue };
        plans.push(SecretPlan {
            id: d.id.clone(),
            window_start: start,
            last_rotated: d.last_rotated,
            overdue: now >= end,
        });
    }
    Some(plans)
}

/// How long from `now` until the earliest next window of any secret opens
/// (at least one second); `None` when nothing will open. A failed secret
/// stays due; it is retried after a minute rather than in a tight loop.
fn next_opening(plans: &[SecretPlan], now: DateTime<Utc>) -> Option<Duration> {
    let mut earliest: Option<DateTime<Utc>> = None;
    for p in plans {
        let mut start = p.window_start;
        if start <= now {
            start = now + chrono::Duration::seconds(60); // still due: failed, retry later
        }
        earliest = Some(earliest.map_or(start, |e| e.min(start)));
    }
    let wait = earliest?.signed_duration_since(now).to_std().ok()?;
    Some(wait.max(Duration::from_secs(1)))
}

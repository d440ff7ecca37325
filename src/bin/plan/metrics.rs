//! `plan run --watch --metrics ADDR`: Prometheus metrics of the scheduler,
//! in the text exposition format (0.0.4) on `GET /metrics`, `ok` on
//! `GET /healthz`, 404 elsewhere.
//!
//! - `rotaplan_secret_next_window_start_seconds{secret}`: the start of the
//!   window the secret is due in next (in the past while it is due),
//! - `rotaplan_secret_last_rotation_seconds{secret}`: its last successful
//!   rotation (0: never),
//! - `rotaplan_secret_overdue{secret}`: 1 once that window closed without a
//!   rotation,
//!
//! as of the scheduler's last pass, for each secret with (valid) rotation
//! rules that is not scheduled for deletion; and, as they happen:
//!
//! - `rotaplan_rotations_total{outcome="succeeded|failed|skipped"}`,
//! - `rotaplan_step_duration_seconds{step}` (a histogram),
//! - `rotaplan_rotations_in_flight`.
//!
//! Names, steps and numbers only: a secret's value never gets here.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, Utc};
use http_body_util::Full;
use hyper::body::Bytes;
use hyper::{Method, Request, Response, StatusCode};
use prometheus_client::encoding::prometheus_text;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};
use rotaplan::rotate::{EventKind, RotationEvent};
use rotaplan::store::SecretId;
use rotaplan::target::Step;

/// One label: `secret`, `outcome` or `step`.
type Label = [(&'static str, String); 1];

/// Upper bounds of the step duration buckets, in seconds: a store call
/// takes milliseconds, a command or database target up to the time-out.
const STEP_BUCKETS: [f64; 14] = [
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];

fn step_histogram() -> Histogram {
    Histogram::new(STEP_BUCKETS)
}

/// Where a secret stands, as a scheduler pass planned it.
pub struct SecretPlan {
    pub id: SecretId,
    /// The start of the window it is due in next (past while due).
    pub window_start: DateTime<Utc>,
    pub last_rotated: Option<DateTime<Utc>>,
    /// That window closed without a rotation.
    pub overdue: bool,
}

/// The scheduler's metrics.
pub struct Metrics {
    registry: Registry,
    next_window_start: Family<Label, Gauge>,
    last_rotation: Family<Label, Gauge>,
    overdue: Family<Label, Gauge>,
    rotations: Family<Label, Counter>,
    steps: Family<Label, Histogram, fn() -> Histogram>,
    in_flight: Gauge,
    /// Held while the per-secret families are refilled or the whole is
    /// encoded, so a scrape never sees a half-refilled pass.
    secrets: Mutex<()>,
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("rotaplan");
        let next_window_start = Family::<Label, Gauge>::default();
        registry.register_with_unit(
            "secret_next_window_start",
            "Start of the rotation window each secret is due in next, as of the last pass \
             (Unix time; in the past while it is due)",
            Unit::Seconds,
            next_window_start.clone(),
        );
        let last_rotation = Family::<Label, Gauge>::default();
        registry.register_with_unit(
            "secret_last_rotation",
            "Last successful rotation of each secret, as of the last pass (Unix time; 0 if never)",
            Unit::Seconds,
            last_rotation.clone(),
        );
        let overdue = Family::<Label, Gauge>::default();
        registry.register(
            "secret_overdue",
            "1 if the secret's rotation window closed without a rotation, as of the last pass",
            overdue.clone(),
        );
        let rotations = Family::<Label, Counter>::default();
        registry.register(
            "rotations",
            "Rotations by outcome: succeeded, failed (after retries), skipped (another run had it)",
            rotations.clone(),
        );
        let steps = Family::<Label, Histogram, fn() -> Histogram>::new_with_constructor(step_histogram);
        registry.register_with_unit(
            "step_duration",
            "Duration of each rotation step run (createSecret, setSecret, testSecret, finishSecret)",
            Unit::Seconds,
            steps.clone(),
        );
        let in_flight = Gauge::default();
        registry.register("rotations_in_flight", "Rotations running now", in_flight.clone());
        // Every outcome and step from the start, so a rate() has a zero to
        // count from.
        for outcome in ["succeeded", "failed", "skipped"] {
            let _ = rotations.get_or_create(&label("outcome", outcome));
        }
        for step in Step::ALL {
            let _ = steps.get_or_create(&label("step", step.as_str()));
        }
        Metrics {
            registry,
            next_window_start,
            last_rotation,
            overdue,
            rotations,
            steps,
            in_flight,
            secrets: Mutex::new(()),
        }
    }

    /// Replaces the per-secret gauges with a pass's plan (secrets gone
    /// since the last pass lose their series).
    pub fn set_secrets(&self, plans: &[SecretPlan]) {
        let _held = self.secrets.lock().unwrap_or_else(|e| e.into_inner());
        self.next_window_start.clear();
        self.last_rotation.clear();
        self.overdue.clear();
        for p in plans {
            let l = label("secret", p.id.as_str());
            self.next_window_start.get_or_create(&l).set(p.window_start.timestamp());
            self.last_rotation
                .get_or_create(&l)
                .set(p.last_rotated.map_or(0, |t| t.timestamp()));
            self.overdue.get_or_create(&l).set(i64::from(p.overdue));
        }
    }

    /// A rotation event: one in flight more or less, and its outcome.
    pub fn event(&self, e: &RotationEvent) {
        match e.kind {
            EventKind::RotationStarted => {
                self.in_flight.inc();
            }
            EventKind::RotationSucceeded => {
                self.in_flight.dec();
                self.rotations.get_or_create(&label("outcome", "succeeded")).inc();
            }
            EventKind::RotationFailed => {
                self.in_flight.dec();
                self.rotations.get_or_create(&label("outcome", "failed")).inc();
            }
            _ => {}
        }
    }

    /// Secrets a pass skipped (another run rotated or is rotating them).
    pub fn skipped(&self, n: usize) {
        self.rotations
            .get_or_create(&label("outcome", "skipped"))
            .inc_by(n as u64);
    }

    /// A step that ran.
    pub fn step(&self, step: Step, took: Duration) {
        self.steps
            .get_or_create(&label("step", step.as_str()))
            .observe(took.as_secs_f64());
    }

    /// The text exposition of everything.
    pub fn encode(&self) -> String {
        let _held = self.secrets.lock().unwrap_or_else(|e| e.into_inner());
        let mut text = String::new();
        prometheus_text::encode(&mut text, &self.registry).expect("writing to a String cannot fail");
        text
    }
}

fn label(key: &'static str, value: &str) -> Label {
    [(key, value.to_owned())]
}

/// Serves `metrics` on `listener` (already bound, so that a bad address
/// failed before anything ran) from a task of its own, one task per
/// connection; runs until the process ends.
pub fn serve(listener: std::net::TcpListener, metrics: Arc<Metrics>) -> anyhow::Result<()> {
    let addr = listener.local_addr().ok();
    let listener = tokio::net::TcpListener::from_std(listener).context("--metrics: listening")?;
    if let Some(addr) = addr {
        eprintln!("plan run --watch: metrics on http://{addr}/metrics");
    }
    tokio::spawn(async move {
        loop {
            let (stream, _) = match listener.accept().await {
                Ok(conn) => conn,
                Err(e) => {
                    // Out of file descriptors, say: keep serving once it passes.
                    eprintln!("warning: --metrics: accepting a connection: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            let metrics = Arc::clone(&metrics);
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req| {
                    let metrics = Arc::clone(&metrics);
                    async move { Ok::<_, Infallible>(respond(&req, &metrics)) }
                });
                // A client that goes away mid-request is its own business.
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Ok(())
}

/// Binds `addr` for [`serve`]; an address in use or not ours is an error.
pub fn bind(addr: SocketAddr) -> anyhow::Result<std::net::TcpListener> {
    let listener = std::net::TcpListener::bind(addr).with_context(|| format!("--metrics {addr}: cannot listen"))?;
    listener
        .set_nonblocking(true)
        .with_context(|| format!("--metrics {addr}"))?;
    Ok(listener)
}

fn respond<B>(req: &Request<B>, metrics: &Metrics) -> Response<Full<Bytes>> {
    let reply = |status: StatusCode, content_type: &str, body: String| {
        Response::builder()
            .status(status)
            .header(hyper::header::CONTENT_TYPE, content_type)
            .body(Full::new(Bytes::from(body)))
            .expect("a valid response")
    };
    const TEXT: &str = "text/plain; charset=utf-8";
    let path = req.uri().path();
    if path != "/metrics" && path != "/healthz" {
        return reply(
            StatusCode::NOT_FOUND,
            TEXT,
            "not found: try /metrics or /healthz\n".into(),
        );
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let mut r = reply(StatusCode::METHOD_NOT_ALLOWED, TEXT, "only GET and HEAD\n".into());
        r.headers_mut().insert(
            hyper::header::ALLOW,
            hyper::header::HeaderValue::from_static("GET, HEAD"),
        );
        return r;
    }
    if path == "/healthz" {
        return reply(StatusCode::OK, TEXT, "ok\n".into());
    }
    reply(StatusCode::OK, prometheus_text::CONTENT_TYPE, metrics.encode())
}

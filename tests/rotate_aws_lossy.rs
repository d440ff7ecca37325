//! Scheduled rotations over a lossy network: a TCP proxy of this test's
//! own between the store and moto (`ROTAPLAN_TEST_MOTO`) drops a fraction
//! of requests (the connection closes before the request is forwarded) and
//! of answers (it closes after forwarding the request, before the answer).
//! Several schedulers, each with its own client through the proxy, run
//! over the same secrets at once; then one clean run. Every secret must be
//! rotated exactly once, AWSCURRENT must hold the value the target
//! accepted, AWSPREVIOUS the original, no AWSPENDING may be left, and no
//! run may abort.

mod server_util;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_secretsmanager as sm;
use aws_sdk_secretsmanager::config::{BehaviorVersion, Credentials, Region};
use chrono::Utc;
use rotaplan::rotate::{RetryPolicy, Rotator};
use rotaplan::store::{
    AwsSecretsManager, RotationConfig, SecretId, SecretStore, SecretValue, Stage, Token, VersionRef,
};
use rotaplan::target::{StepContext, Target, TargetError};
use server_util::{server, unique};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A small deterministic random source (xorshift64*).
struct Rng(u64);

impl Rng {
    fn chance(&mut self, percent: u64) -> bool {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) % 100 < percent
    }
}

#[derive(Default, Debug)]
struct Dropped {
    requests: u32,
    answers: u32,
    forwarded: u32,
}

/// Reads one HTTP/1.1 message (head and a `Content-Length` body) from `s`;
/// `None` at end of stream.
async fn read_message(s: &mut TcpStream, buf: &mut Vec<u8>) -> Option<Vec<u8>> {
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            let total = end + 4 + len;
            while buf.len() < total {
                let mut chunk = [0u8; 8192];
                let n = s.read(&mut chunk).await.ok()?;
                if n == 0 {
                    return None;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            return Some(buf.drain(..total).collect());
        }
        let mut chunk = [0u8; 8192];
        let n = s.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// Decides, for one request, whether to drop it (before it is forwarded)
/// and whether to drop its answer.
type Decide = Arc<dyn Fn(&[u8]) -> (bool, bool) + Send + Sync>;

/// One client connection: request by request, each dropped before it is
/// forwarded, or after (its answer lost), or passed on.
async fn serve(mut client: TcpStream, upstream: String, decide: Decide, stats: Arc<Mutex<Dropped>>) {
    let Ok(mut server) = TcpStream::connect(&upstream).await else {
        return;
    };
    let (mut cbuf, mut sbuf) = (Vec::new(), Vec::new());
    while let Some(request) = read_message(&mut client, &mut cbuf).await {
        let (drop_request, drop_answer) = decide(&request);
        if drop_request {
            stats.lock().unwrap().requests += 1;
            return; // closes both connections: the request never arrives
        }
        if server.write_all(&request).await.is_err() {
            return;
        }
        let Some(answer) = read_message(&mut server, &mut sbuf).await else {
            return;
        };
        if drop_answer {
            stats.lock().unwrap().answers += 1;
            return; // the request was served; its answer is lost
        }
        stats.lock().unwrap().forwarded += 1;
        if client.write_all(&answer).await.is_err() {
            return;
        }
    }
}

/// Starts a proxy that drops `loss` percent of requests and of answers,
/// at random from `seed`; returns its URL.
async fn proxy(upstream: &str, seed: u64, loss: u64, stats: Arc<Mutex<Dropped>>) -> String {
    let rng = Mutex::new(Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1));
    let decide: Decide = Arc::new(move |_: &[u8]| {
        let mut r = rng.lock().unwrap();
        (r.chance(loss), r.chance(loss))
    });
    proxy_with(upstream, decide, stats).await
}

/// Starts a proxy that drops what `decide` says; returns its URL.
async fn proxy_with(upstream: &str, decide: Decide, stats: Arc<Mutex<Dropped>>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let upstream = upstream.trim_start_matches("http://").trim_end_matches('/').to_owned();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            tokio::spawn(serve(client, upstream.clone(), decide.clone(), stats.clone()));
        }
    });
    format!("http://{addr}")
}

fn store(endpoint: &str) -> AwsSecretsManager {
    let conf = sm::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "static"))
        .endpoint_url(endpoint)
        .retry_config(AwsSecretsManager::retry_config())
        .retry_partition(AwsSecretsManager::retry_partition())
        .timeout_config(
            sm::config::timeout::TimeoutConfig::builder()
                .operation_attempt_timeout(Duration::from_secs(10))
                .build(),
        )
        .build();
    AwsSecretsManager::from_conf(conf)
}

/// The target: remembers the value it accepted for each secret, and which
/// tokens set one.
#[derive(Clone, Default)]
struct Accepting(Arc<Mutex<BTreeMap<String, Accepted>>>);

/// The value a target accepted for a secret, and the tokens that set it.
type Accepted = (String, Vec<String>);

impl Target for Accepting {
    async fn set_secret(
        &self,
        ctx: &StepContext<'_>,
        pending: &SecretValue,
        _: &SecretValue,
    ) -> Result<(), TargetError> {
        let mut seen = self.0.lock().unwrap();
        let e = seen.entry(ctx.secret.to_string()).or_default();
        e.0 = pending.expose_str().unwrap().to_owned();
        if !e.1.contains(&ctx.token.to_string()) {
            e.1.push(ctx.token.to_string());
        }
        Ok(())
    }

    async fn test_secret(&self, ctx: &StepContext<'_>, pending: &SecretValue) -> Result<(), TargetError> {
        let seen = self.0.lock().unwrap();
        match seen.get(ctx.secret.as_str()) {
            Some((v, _)) if v == pending.expose_str().unwrap() => Ok(()),
            _ => Err(TargetError::failed("the pending value is not the one set")),
        }
    }
}

async fn lossy_round(moto: &str, seed: u64, loss: u64) {
    let prefix = format!("rotaplan-test/lossy-{seed}-{}", unique());
    let clean = store(moto);
    let ids: Vec<SecretId> = (0..20)
        .map(|i| SecretId::new(format!("{prefix}/s{i:02}")).unwrap())
        .collect();
    let mut original = BTreeMap::new();
    for (i, id) in ids.iter().enumerate() {
        let t = Token::generate();
        let d = clean
            .create(
                id,
                Some((&t, &SecretValue::from(format!("orig-{i}")))),
                Some(&RotationConfig::new("rate(1 day)")),
            )
            .await
            .unwrap();
        original.insert(id.clone(), d.version_with(&Stage::current()).cloned().unwrap());
    }
    let stats = Arc::new(Mutex::new(Dropped::default()));
    let url = proxy(moto, seed, loss, stats.clone()).await;
    let target = Accepting::default();
    let mut runs = Vec::new();
    for _ in 0..3 {
        let rotator = Rotator::new(store(&url), target.clone())
            .step_timeout(Duration::from_secs(30))
            .retry(RetryPolicy::new(3).backoff(Duration::from_millis(100), Duration::from_secs(1)));
        let prefix = prefix.clone();
        runs.push(tokio::spawn(async move {
            let summary = rotator.run_due(Utc::now()).await;
            let summary = summary.unwrap_or_else(|e| panic!("seed {seed}: a run aborted: {e}"));
            let mine = |id: &SecretId| id.as_str().starts_with(&prefix);
            (
                summary.rotated.iter().filter(|o| mine(&o.secret)).count(),
                summary.skipped.iter().filter(|(id, _)| mine(id)).count(),
                summary
                    .failed
                    .iter()
                    .filter(|(id, _)| mine(id))
                    .map(|(id, e)| format!("{id}: {e}"))
                    .collect::<Vec<_>>(),
            )
        }));
    }
    let mut rotated = 0;
    for run in runs {
        let (r, s, f) = run.await.unwrap();
        eprintln!("seed {seed}: run: {r} rotated, {s} skipped, {} failed {f:?}", f.len());
        rotated += r;
    }
    eprintln!("seed {seed}: proxy {:?}", stats.lock().unwrap());
    // One clean run finishes whatever the lossy ones left.
    let rotator = Rotator::new(clean.clone(), target.clone());
    let summary = rotator.run_due(Utc::now()).await.unwrap();
    let late = summary
        .rotated
        .iter()
        .filter(|o| o.secret.as_str().starts_with(&prefix))
        .count();
    eprintln!("seed {seed}: clean run: {late} rotated");
    assert!(
        summary.failed.iter().all(|(id, _)| !id.as_str().starts_with(&prefix)),
        "seed {seed}: {:?}",
        summary.failed
    );
    assert_eq!(rotated + late, ids.len(), "seed {seed}: every secret rotated once");
    let accepted = target.0.lock().unwrap().clone();
    for id in &ids {
        let d = clean.describe(id).await.unwrap();
        let cur = clean.get_value(id, &VersionRef::current()).await.unwrap();
        let prev = clean
            .get_value(id, &VersionRef::Stage(Stage::previous()))
            .await
            .unwrap();
        let (value, tokens) = &accepted[id.as_str()];
        assert_eq!(tokens.len(), 1, "seed {seed}: {id}: set by {tokens:?}");
        assert_eq!(cur.value.expose_str(), Some(value.as_str()), "seed {seed}: {id}");
        assert_eq!(cur.version.as_str(), tokens[0], "seed {seed}: {id}");
        assert_eq!(prev.version, original[id], "seed {seed}: {id}: rotated more than once");
        assert!(prev.value.expose_str().unwrap().starts_with("orig-"));
        assert!(
            !d.versions.values().any(|v| v.stages.contains(&Stage::pending())),
            "seed {seed}: {id}: AWSPENDING left"
        );
        assert!(d.last_rotated.is_some(), "seed {seed}: {id}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn lossy_network_each_secret_rotates_once() {
    let Some(moto) = server("ROTAPLAN_TEST_MOTO", "moto's Secrets Manager server") else {
        return;
    };
    // Seeds and loss (percent of requests, and of answers) can be changed
    // with ROTAPLAN_TEST_LOSSY_SEEDS (`1,2,3`) and ROTAPLAN_TEST_LOSSY_LOSS.
    let seeds: Vec<u64> = std::env::var("ROTAPLAN_TEST_LOSSY_SEEDS")
        .map(|s| s.split(',').map(|n| n.trim().parse().unwrap()).collect())
        .unwrap_or_else(|_| vec![1, 2, 3, 4]);
    let loss = std::env::var("ROTAPLAN_TEST_LOSSY_LOSS").map_or(15, |s| s.parse().unwrap());
    for seed in seeds {
        lossy_round(&moto, seed, loss).await;
    }
}

/// The answer of one chosen write is lost, once: the rotation still ends
/// clean (AWSCURRENT moved, no AWSPENDING left), in one attempt of the
/// driver, because the store recognises the write as done.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_answer_to_a_stage_move_is_recognised() {
    let Some(moto) = server("ROTAPLAN_TEST_MOTO", "moto's Secrets Manager server") else {
        return;
    };
    let cases: [(&str, &[&str], &[&str]); 4] = [
        (
            "claim",
            &["\"VersionStage\":\"rotaplan-lock\"", "RemoveFromVersionId"],
            &[],
        ),
        ("pending", &["\"VersionStage\":\"AWSPENDING\"", "MoveToVersionId"], &[]),
        ("current", &["\"VersionStage\":\"AWSCURRENT\""], &[]),
        (
            "finish",
            &["\"VersionStage\":\"AWSPENDING\"", "RemoveFromVersionId"],
            &["MoveToVersionId"],
        ),
    ];
    for (name, with, without) in cases {
        let clean = store(&moto);
        let id = SecretId::new(format!("rotaplan-test/lost-answer-{name}-{}", unique())).unwrap();
        let first = Token::generate();
        clean
            .create(
                &id,
                Some((&first, &SecretValue::from("orig"))),
                Some(&RotationConfig::new("rate(1 day)")),
            )
            .await
            .unwrap();
        let armed = Arc::new(Mutex::new(true));
        let (with, without) = (with.to_vec(), without.to_vec());
        let decide: Decide = Arc::new(move |req: &[u8]| {
            let text = String::from_utf8_lossy(req);
            let hit = text.contains("UpdateSecretVersionStage")
                && with.iter().all(|w| text.contains(w))
                && !without.iter().any(|w| text.contains(w));
            let mut armed = armed.lock().unwrap();
            let lose = hit && *armed;
            if lose {
                *armed = false;
            }
            (false, lose)
        });
        let stats = Arc::new(Mutex::new(Dropped::default()));
        let url = proxy_with(&moto, decide, stats.clone()).await;
        let rotator = Rotator::new(store(&url), Accepting::default()).retry(RetryPolicy::none());
        let attempt = rotator.rotate_exclusive(&id).await.unwrap();
        let out = attempt.rotated().unwrap_or_else(|| panic!("{name}: {attempt:?}"));
        assert_eq!(out.attempts, 1, "{name}");
        assert_eq!(stats.lock().unwrap().answers, 1, "{name}: one answer lost");
        let d = clean.describe(&id).await.unwrap();
        assert_eq!(d.version_with(&Stage::current()), Some(&out.version), "{name}");
        assert_eq!(
            d.version_with(&Stage::previous()).map(|v| v.as_str()),
            Some(first.as_str()),
            "{name}"
        );
        assert!(
            !d.versions.values().any(|v| v.stages.contains(&Stage::pending())),
            "{name}: AWSPENDING left"
        );
        assert!(d.last_rotated.is_some(), "{name}");
    }
}

/// A target that refuses the first setSecret of each secret.
#[derive(Clone, Default)]
struct RefusingOnce(Arc<Mutex<std::collections::BTreeSet<String>>>);

impl Target for RefusingOnce {
    async fn set_secret(&self, ctx: &StepContext<'_>, _: &SecretValue, _: &SecretValue) -> Result<(), TargetError> {
        if self.0.lock().unwrap().insert(ctx.secret.to_string()) {
            return Err(TargetError::failed("not yet"));
        }
        Ok(())
    }

    async fn test_secret(&self, _: &StepContext<'_>, _: &SecretValue) -> Result<(), TargetError> {
        Ok(())
    }
}

/// A rotation that failed ends its lease when released (a tag naming its
/// version): the next run resumes it at once with its own token, though
/// moto dates the claimed version "now" (an implicit lease that would
/// never lapse there).
#[tokio::test]
async fn a_failed_rotation_is_resumed_by_the_next_run() {
    let Some(moto) = server("ROTAPLAN_TEST_MOTO", "moto's Secrets Manager server") else {
        return;
    };
    let store = store(&moto);
    let id = SecretId::new(format!("rotaplan-test/failed-{}", unique())).unwrap();
    let first = Token::generate();
    store
        .create(
            &id,
            Some((&first, &SecretValue::from("orig"))),
            Some(&RotationConfig::new("rate(1 day)")),
        )
        .await
        .unwrap();
    let rotator = Rotator::new(store.clone(), RefusingOnce::default()).retry(RetryPolicy::none());
    let err = rotator.rotate_exclusive(&id).await.unwrap_err();
    assert!(err.to_string().contains("setSecret"), "{err}");
    let d = store.describe(&id).await.unwrap();
    let pending = d
        .version_with(&Stage::pending())
        .cloned()
        .expect("the failed rotation's version");
    let again = rotator.resume(&id).await.unwrap();
    let out = again.rotated().unwrap_or_else(|| panic!("{again:?}"));
    assert_eq!(out.version, pending, "resumed with its own token");
    let d = store.describe(&id).await.unwrap();
    assert_eq!(d.version_with(&Stage::current()), Some(&pending));
    assert_eq!(
        d.version_with(&Stage::previous()).map(|v| v.as_str()),
        Some(first.as_str())
    );
    assert_eq!(d.version_with(&Stage::pending()), None);
    assert!(
        rotator.resume(&id).await.unwrap_err().is_invalid_request(),
        "nothing left"
    );
}

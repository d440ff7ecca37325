//! How many Secrets Manager calls `AwsSecretsManager` makes for a claimed
//! rotation, a lost race, a resume and a cancel, counted by an SDK
//! interceptor on the client, against moto (`ROTAPLAN_TEST_MOTO`, started
//! by `scripts/test.sh`). The README's table comes from these numbers.

mod server_util;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use aws_sdk_secretsmanager as sm;
use aws_sdk_secretsmanager::config::interceptors::BeforeSerializationInterceptorContextRef;
use aws_sdk_secretsmanager::config::{BehaviorVersion, ConfigBag, Credentials, Intercept, Region};
use chrono::Utc;
use rotaplan::rotate::{Attempt, Rotator};
use rotaplan::store::{
    AwsSecretsManager, Claim, Claimed, Owner, RotationConfig, SecretId, SecretStore, SecretValue, Skip, Stage, Token,
};
use rotaplan::target::{NoopTarget, Step};
use server_util::{server, unique};

/// Calls by operation name.
#[derive(Clone, Debug, Default)]
struct Calls(Arc<Mutex<BTreeMap<&'static str, u32>>>);

impl Calls {
    fn take(&self) -> BTreeMap<&'static str, u32> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

const WRITES: [&str; 4] = [
    "PutSecretValue",
    "UpdateSecretVersionStage",
    "TagResource",
    "UntagResource",
];

fn writes(c: &BTreeMap<&'static str, u32>) -> u32 {
    c.iter().filter(|(k, _)| WRITES.contains(k)).map(|(_, n)| n).sum()
}

fn total(c: &BTreeMap<&'static str, u32>) -> u32 {
    c.values().sum()
}

impl Intercept for Calls {
    fn name(&self) -> &'static str {
        "count calls"
    }

    fn read_before_execution(
        &self,
        ctx: &BeforeSerializationInterceptorContextRef<'_>,
        _cfg: &mut ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let i = ctx.input();
        macro_rules! ops {
            ($($m:ident :: $t:ident => $name:literal),* $(,)?) => {
                'found: {
                    $(if i.downcast_ref::<sm::operation::$m::$t>().is_some() { break 'found $name; })*
                    "other"
                }
            };
        }
        let name = ops!(
            describe_secret::DescribeSecretInput => "DescribeSecret",
            list_secret_version_ids::ListSecretVersionIdsInput => "ListSecretVersionIds",
            list_secrets::ListSecretsInput => "ListSecrets",
            get_secret_value::GetSecretValueInput => "GetSecretValue",
            put_secret_value::PutSecretValueInput => "PutSecretValue",
            update_secret_version_stage::UpdateSecretVersionStageInput => "UpdateSecretVersionStage",
            tag_resource::TagResourceInput => "TagResource",
            untag_resource::UntagResourceInput => "UntagResource",
            create_secret::CreateSecretInput => "CreateSecret",
        );
        *self.0.lock().unwrap().entry(name).or_default() += 1;
        Ok(())
    }
}

fn counted() -> Option<(AwsSecretsManager, Calls)> {
    let endpoint = server("ROTAPLAN_TEST_MOTO", "moto's Secrets Manager server")?;
    let calls = Calls::default();
    let conf = sm::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "static"))
        .endpoint_url(endpoint)
        .interceptor(calls.clone())
        .build();
    Some((AwsSecretsManager::from_conf(conf), calls))
}

async fn secret(store: &AwsSecretsManager, name: &str) -> SecretId {
    let id = SecretId::new(format!("rotaplan-test/calls-{name}-{}", unique())).unwrap();
    let cfg = RotationConfig::new("rate(1 day)");
    store
        .create(&id, Some((&Token::generate(), &SecretValue::from("v1"))), Some(&cfg))
        .await
        .unwrap();
    id
}

fn show(what: &str, c: &BTreeMap<&'static str, u32>) {
    eprintln!("{what}: {} calls, {} writes: {c:?}", total(c), writes(c));
}

fn map(pairs: &[(&'static str, u32)]) -> BTreeMap<&'static str, u32> {
    pairs.iter().copied().collect()
}

/// A scheduled rotation: planning is ListSecrets (one call per page) and
/// nothing per secret; claim, four steps and release take 9 calls, 6 of them writes
/// (PutSecretValue and two stage moves to claim, then finishSecret's
/// AWSCURRENT move, last-rotated tag and AWSPENDING removal).
#[tokio::test]
async fn a_rotation() {
    let Some((store, calls)) = counted() else { return };
    let id = secret(&store, "rotation").await;
    let rotator = Rotator::new(&store, NoopTarget);
    calls.take();
    let due: Vec<_> = rotator
        .due(Utc::now())
        .await
        .unwrap()
        .due
        .into_iter()
        .filter(|d| d.id == id)
        .collect();
    let planning = calls.take();
    // One ListSecrets per page (moto's are 100 secrets), nothing per secret.
    assert_eq!(planning.keys().collect::<Vec<_>>(), [&"ListSecrets"], "{planning:?}");
    let attempt = rotator.rotate_due(&due[0]).await.unwrap();
    let c = calls.take();
    show("rotation", &c);
    assert!(matches!(attempt, Attempt::Rotated(_)), "{attempt:?}");
    assert_eq!(
        c,
        map(&[
            ("DescribeSecret", 2),
            ("GetSecretValue", 1),
            ("PutSecretValue", 1),
            ("TagResource", 1),
            ("UpdateSecretVersionStage", 4),
        ])
    );
    assert!(total(&c) <= 12 && writes(&c) <= 6);
    let d = store.describe(&id).await.unwrap();
    let new = attempt.rotated().unwrap().version.clone();
    assert_eq!(d.version_with(&Stage::current()), Some(&new));
    assert_eq!(d.version_with(&Stage::pending()), None);
    assert_eq!(d.version_with(&Stage::new("rotaplan-lock").unwrap()), Some(&new));
    assert!(d.last_rotated.is_some());
}

/// Losing: to a rotation that finished since the plan (3 reads), and to
/// one in flight (7 reads); no writes either way.
#[tokio::test]
async fn a_lost_race() {
    let Some((store, calls)) = counted() else { return };
    let Some((other, _)) = counted() else { return };
    let id = secret(&store, "lost").await;
    let rotator = Rotator::new(&store, NoopTarget);
    let due: Vec<_> = rotator
        .due(Utc::now())
        .await
        .unwrap()
        .due
        .into_iter()
        .filter(|d| d.id == id)
        .collect();
    // Another run, same plan, got there first and finished.
    Rotator::new(&other, NoopTarget).rotate_due(&due[0]).await.unwrap();
    calls.take();
    let attempt = rotator.rotate_due(&due[0]).await.unwrap();
    let c = calls.take();
    show("lost race (rotated since the plan)", &c);
    assert_eq!(attempt, Attempt::Skipped(Skip::AlreadyRotated));
    assert_eq!(c, map(&[("DescribeSecret", 2), ("GetSecretValue", 1)]));

    // Another run holds a claim in flight.
    let id = secret(&store, "lost-in-flight").await;
    let d = other.describe(&id).await.unwrap();
    let claim = Claim::new(
        Token::generate(),
        SecretValue::from("v2"),
        d.version_with(&Stage::current()).cloned(),
        d.last_rotated,
        Owner::this_process(),
        std::time::Duration::from_secs(300),
    );
    assert!(matches!(other.claim(&id, &claim).await.unwrap(), Claimed::Started(_)));
    calls.take();
    let attempt = rotator.rotate_exclusive(&id).await.unwrap();
    let c = calls.take();
    show("lost race (rotation in flight)", &c);
    assert!(
        matches!(attempt, Attempt::Skipped(Skip::RotatingElsewhere { .. })),
        "{attempt:?}"
    );
    // moto dates versions with the time of the listing, so the implicit
    // lease of the claimed version is live; ListSecretVersionIds is read
    // because a rotation is in flight.
    assert_eq!(
        c,
        map(&[
            ("DescribeSecret", 3),
            ("GetSecretValue", 1),
            ("ListSecretVersionIds", 3)
        ])
    );
}

/// Resuming a rotation that stopped after createSecret.
#[tokio::test]
async fn a_resume() {
    let Some((store, calls)) = counted() else { return };
    let id = secret(&store, "resume").await;
    let rotator = Rotator::new(&store, NoopTarget);
    let token = Token::generate();
    rotator.run_step(&id, &token, Step::Create).await.unwrap();
    calls.take();
    let attempt = rotator.resume(&id).await.unwrap();
    let c = calls.take();
    show("resume", &c);
    assert_eq!(attempt.rotated().unwrap().version.as_str(), token.as_str());
    assert_eq!(
        c,
        map(&[
            ("DescribeSecret", 3),
            ("GetSecretValue", 1),
            ("ListSecretVersionIds", 2),
            ("TagResource", 2),
            ("UntagResource", 1),
            ("UpdateSecretVersionStage", 3),
        ])
    );
    let d = store.describe(&id).await.unwrap();
    assert_eq!(d.version_with(&Stage::pending()), None);
    assert!(!d.versions.values().any(|v| v.stages.contains(&Stage::pending())));
}

/// Cancelling a rotation that stopped after createSecret.
#[tokio::test]
async fn a_cancel() {
    let Some((store, calls)) = counted() else { return };
    let id = secret(&store, "cancel").await;
    let rotator = Rotator::new(&store, NoopTarget);
    let token = Token::generate();
    rotator.run_step(&id, &token, Step::Create).await.unwrap();
    calls.take();
    rotator.cancel(&id).await.unwrap();
    let c = calls.take();
    show("cancel", &c);
    assert_eq!(
        c,
        map(&[
            ("DescribeSecret", 2),
            ("ListSecretVersionIds", 1),
            ("UpdateSecretVersionStage", 1)
        ])
    );
}

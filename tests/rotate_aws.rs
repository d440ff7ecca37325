//! `AwsSecretsManager` against moto's Secrets Manager server
//! (`ROTAPLAN_TEST_MOTO`, started by `scripts/test.sh`).
//!
//! moto departs from AWS in places (see `src/rotate/aws.rs`); these tests
//! assert the store contract, which the store keeps with its own checks.

mod server_util;

use aws_sdk_secretsmanager::config::{BehaviorVersion, Credentials, Region};
use chrono::{Duration, Utc};
use rotaplan::rotate::Rotator;
use rotaplan::store::{
    AwsSecretsManager, Deletion, PasswordPolicy, RotationConfig, SecretId, SecretStore, SecretValue, Stage, Strategy,
    TargetSpec, Token, VersionId, VersionRef,
};
use rotaplan::target::{NoopTarget, Step};
use server_util::{server, unique};

fn store() -> Option<AwsSecretsManager> {
    let endpoint = server("ROTAPLAN_TEST_MOTO", "moto's Secrets Manager server")?;
    let conf = aws_sdk_secretsmanager::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "static"))
        .endpoint_url(endpoint)
        .build();
    Some(AwsSecretsManager::from_conf(conf))
}

fn new_id(prefix: &str) -> SecretId {
    SecretId::new(format!("rotaplan-test/{prefix}-{}", unique())).unwrap()
}

async fn value_at(store: &AwsSecretsManager, id: &SecretId, stage: Stage) -> String {
    let v = store.get_value(id, &VersionRef::Stage(stage)).await.unwrap();
    v.value.expose_str().unwrap().to_owned()
}

fn vid(t: &Token) -> VersionId {
    VersionId::from(t)
}

#[tokio::test]
async fn create_describe_and_read() {
    let Some(store) = store() else { return };
    let id = new_id("create");
    let t1 = Token::generate();
    let cfg = RotationConfig::new("cron(0 16 ? * SUN#2 *)")
        .with_duration("3h")
        .with_strategy(Strategy::AlternatingUsers)
        .with_target(TargetSpec::Command("/usr/local/bin/rotate-db --x=1".into()));
    let d = store
        .create(&id, Some((&t1, &SecretValue::from("v1"))), Some(&cfg))
        .await
        .unwrap();
    assert_eq!(d.id, id);
    assert_eq!(d.rotation.as_ref(), Some(&cfg), "rules round-trip through the tags");
    assert_eq!(d.versions.len(), 1);
    assert_eq!(d.version_with(&Stage::current()), Some(&vid(&t1)));
    assert!(d.last_rotated.is_none() && !d.is_deleted());
    assert!((Utc::now() - d.versions[&vid(&t1)].created).num_minutes().abs() < 5);

    let by_stage = store.get_value(&id, &VersionRef::current()).await.unwrap();
    assert_eq!(by_stage.version, vid(&t1));
    assert_eq!(by_stage.value.expose_str(), Some("v1"));
    assert!(by_stage.stages.contains(&Stage::current()));
    let by_id = store.get_value(&id, &VersionRef::Id(vid(&t1))).await.unwrap();
    assert_eq!(by_id.value.expose_str(), Some("v1"));

    // A secret without a value, then without rules.
    let bare = new_id("bare");
    let d = store.create(&bare, None, None).await.unwrap();
    assert!(d.versions.is_empty() && d.rotation.is_none());
}

#[tokio::test]
async fn error_mapping() {
    let Some(store) = store() else { return };
    let id = new_id("errors");
    let t1 = Token::generate();
    store
        .create(&id, Some((&t1, &SecretValue::from("v1"))), None)
        .await
        .unwrap();

    let err = store.create(&id, None, None).await.unwrap_err();
    assert!(err.is_already_exists(), "{err}");
    assert_eq!(err.to_string(), format!("secret `{id}` already exists"));

    let missing = new_id("missing");
    let err = store.describe(&missing).await.unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert_eq!(err.to_string(), format!("secret `{missing}` not found"));
    assert!(store
        .get_value(&missing, &VersionRef::current())
        .await
        .unwrap_err()
        .is_not_found());
    let err = store
        .get_value(&id, &VersionRef::Stage(Stage::pending()))
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
    let err = store
        .get_value(&id, &VersionRef::Id(vid(&Token::generate())))
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
    let err = store
        .put_value(&missing, &Token::generate(), &SecretValue::from("x"), None)
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert!(store.restore(&missing).await.unwrap_err().is_not_found());
}

#[tokio::test]
async fn put_value_rules() {
    let Some(store) = store() else { return };
    let id = new_id("put");
    let t1 = Token::generate();
    store
        .create(&id, Some((&t1, &SecretValue::from("v1"))), None)
        .await
        .unwrap();

    // Same token, same value: a no-op.
    let out = store.put_value(&id, &t1, &SecretValue::from("v1"), None).await.unwrap();
    assert!(!out.created);
    // Same token, another value: ResourceExists, as on AWS (moto would
    // overwrite; the store checks first). The message holds no value.
    let err = store
        .put_value(&id, &t1, &SecretValue::from("other-value"), None)
        .await
        .unwrap_err();
    assert!(err.is_already_exists(), "{err}");
    assert!(!err.to_string().contains("other-value"));
    assert_eq!(value_at(&store, &id, Stage::current()).await, "v1");

    // A put without stages takes AWSCURRENT; AWSPREVIOUS follows.
    let t2 = Token::generate();
    let out = store.put_value(&id, &t2, &SecretValue::from("v2"), None).await.unwrap();
    assert!(out.created);
    assert_eq!(out.version, vid(&t2));
    let d = store.describe(&id).await.unwrap();
    assert_eq!(d.version_with(&Stage::current()), Some(&vid(&t2)));
    assert_eq!(d.version_with(&Stage::previous()), Some(&vid(&t1)));
    assert_eq!(value_at(&store, &id, Stage::current()).await, "v2");
    assert_eq!(value_at(&store, &id, Stage::previous()).await, "v1");

    // A third: v1 loses every stage (deprecated, still listed).
    let t3 = Token::generate();
    store.put_value(&id, &t3, &SecretValue::from("v3"), None).await.unwrap();
    let d = store.describe(&id).await.unwrap();
    assert_eq!(d.versions.len(), 3);
    assert!(d.versions[&vid(&t1)].stages.is_empty());
    assert_eq!(d.version_with(&Stage::previous()), Some(&vid(&t2)));

    // Custom stages, and a binary value.
    let t4 = Token::generate();
    let blue = Stage::new("blue").unwrap();
    store
        .put_value(
            &id,
            &t4,
            &SecretValue::binary(vec![0, 159, 255]),
            Some(std::slice::from_ref(&blue)),
        )
        .await
        .unwrap();
    let v = store.get_value(&id, &VersionRef::Stage(blue.clone())).await.unwrap();
    assert_eq!(v.value.expose_bytes(), &[0, 159, 255]);
    assert!(!v.value.is_text());
    assert_eq!(value_at(&store, &id, Stage::current()).await, "v3", "AWSCURRENT stayed");
}

#[tokio::test]
async fn pending_claim_refuses_a_second_rotation() {
    let Some(store) = store() else { return };
    let id = new_id("claim");
    let t1 = Token::generate();
    store
        .create(&id, Some((&t1, &SecretValue::from("v1"))), None)
        .await
        .unwrap();
    let a = Token::generate();
    store
        .put_value(&id, &a, &SecretValue::from("va"), Some(&[Stage::pending()]))
        .await
        .unwrap();
    let b = Token::generate();
    let err = store
        .put_value(&id, &b, &SecretValue::from("vb"), Some(&[Stage::pending()]))
        .await
        .unwrap_err();
    assert!(err.is_rotation_in_progress(), "{err}");
    assert!(err.to_string().contains(a.as_str()));
    // The token's own retry with the same value is fine.
    assert!(
        !store
            .put_value(&id, &a, &SecretValue::from("va"), Some(&[Stage::pending()]))
            .await
            .unwrap()
            .created
    );
    assert_eq!(value_at(&store, &id, Stage::pending()).await, "va");
}

#[tokio::test]
async fn stage_moves() {
    let Some(store) = store() else { return };
    let id = new_id("stages");
    let t1 = Token::generate();
    store
        .create(&id, Some((&t1, &SecretValue::from("v1"))), None)
        .await
        .unwrap();
    let t2 = Token::generate();
    store
        .put_value(&id, &t2, &SecretValue::from("v2"), Some(&[Stage::pending()]))
        .await
        .unwrap();
    let (v1, v2) = (vid(&t1), vid(&t2));
    let cur = Stage::current();

    // Moving a stage attached elsewhere without naming where from: invalid.
    let err = store.update_stage(&id, &cur, Some(&v2), None).await.unwrap_err();
    assert!(err.is_invalid_request(), "{err}");
    // Naming the wrong version: invalid.
    let err = store.update_stage(&id, &cur, Some(&v2), Some(&v2)).await.unwrap_err();
    assert!(err.is_invalid_request(), "{err}");
    // An unknown version: not found.
    let ghost = vid(&Token::generate());
    let err = store
        .update_stage(&id, &cur, Some(&ghost), Some(&v1))
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
    // AWSCURRENT cannot be removed.
    let err = store.update_stage(&id, &cur, None, Some(&v1)).await.unwrap_err();
    assert!(err.is_invalid_request(), "{err}");

    // The real move: AWSPREVIOUS follows to the version AWSCURRENT left.
    store.update_stage(&id, &cur, Some(&v2), Some(&v1)).await.unwrap();
    let d = store.describe(&id).await.unwrap();
    assert_eq!(d.version_with(&cur), Some(&v2));
    assert_eq!(d.version_with(&Stage::previous()), Some(&v1));
    // Read by stage (moto keeps answering the old value to a bare read).
    assert_eq!(value_at(&store, &id, Stage::current()).await, "v2");
    // Moving it where it is: a no-op.
    store.update_stage(&id, &cur, Some(&v2), None).await.unwrap();
    // Removing AWSPENDING from the version that holds it.
    store
        .update_stage(&id, &Stage::pending(), None, Some(&v2))
        .await
        .unwrap();
    let d = store.describe(&id).await.unwrap();
    assert_eq!(d.version_with(&Stage::pending()), None);
    assert_eq!(d.versions[&v2].stages, [cur.clone()].into_iter().collect());
    // Removing it again: it is not there.
    let err = store
        .update_stage(&id, &Stage::pending(), None, Some(&v2))
        .await
        .unwrap_err();
    assert!(err.is_invalid_request(), "{err}");
}

#[tokio::test]
async fn full_rotation_with_the_driver() {
    let Some(store) = store() else { return };
    let id = new_id("rotate");
    let t1 = Token::generate();
    let json = r#"{"engine":"postgres","host":"db","username":"app","password":"old-pw"}"#;
    store
        .create(
            &id,
            Some((&t1, &SecretValue::from(json))),
            Some(&RotationConfig::new("rate(30 days)")),
        )
        .await
        .unwrap();
    let rotator = Rotator::new(&store, NoopTarget).password_policy(PasswordPolicy::default().length(24));
    let token = Token::generate();
    let before = Utc::now() - Duration::seconds(5);
    let out = rotator.rotate(&id, &token).await.unwrap();
    assert_eq!(out.version, vid(&token));
    assert_eq!(out.previous, Some(vid(&t1)));
    assert_eq!(out.attempts, 1);

    let d = store.describe(&id).await.unwrap();
    assert_eq!(d.version_with(&Stage::current()), Some(&vid(&token)));
    assert_eq!(d.version_with(&Stage::previous()), Some(&vid(&t1)));
    assert_eq!(
        d.version_with(&Stage::pending()),
        None,
        "finishSecret removes AWSPENDING"
    );
    assert!(d.last_rotated.is_some_and(|t| t >= before), "{:?}", d.last_rotated);
    let cur: serde_json::Value = serde_json::from_str(&value_at(&store, &id, Stage::current()).await).unwrap();
    assert_eq!(cur["username"], "app");
    assert_eq!(cur["host"], "db");
    assert_eq!(cur["password"].as_str().unwrap().len(), 24);
    assert_ne!(cur["password"], "old-pw");

    // The same token again changes nothing.
    rotator.rotate(&id, &token).await.unwrap();
    let again = store.describe(&id).await.unwrap();
    // Ids and stages: moto dates every version with the time of the
    // listing, so dates differ across a second boundary.
    let stages = |d: &rotaplan::store::Description| -> Vec<_> {
        d.versions.iter().map(|(v, i)| (v.clone(), i.stages.clone())).collect()
    };
    assert_eq!(stages(&again), stages(&d));

    // A second rotation with a new token.
    let t3 = Token::generate();
    rotator.rotate(&id, &t3).await.unwrap();
    let d = store.describe(&id).await.unwrap();
    assert_eq!(d.version_with(&Stage::current()), Some(&vid(&t3)));
    assert_eq!(d.version_with(&Stage::previous()), Some(&vid(&token)));
    assert!(d.versions[&vid(&t1)].stages.is_empty());
}

#[tokio::test]
async fn interrupted_rotation_resumes_and_blocks_others() {
    let Some(store) = store() else { return };
    let id = new_id("resume");
    let t1 = Token::generate();
    store
        .create(&id, Some((&t1, &SecretValue::from("k1"))), None)
        .await
        .unwrap();
    let rotator = Rotator::new(&store, NoopTarget);
    let token = Token::generate();
    rotator.run_step(&id, &token, Step::Create).await.unwrap();
    rotator.run_step(&id, &token, Step::Set).await.unwrap();
    // "Crash" here. The pending value is stored, AWSCURRENT untouched.
    let pending = value_at(&store, &id, Stage::pending()).await;
    assert_eq!(value_at(&store, &id, Stage::current()).await, "k1");

    // Another token is refused while the rotation is unfinished.
    let err = rotator.rotate(&id, &Token::generate()).await.unwrap_err();
    assert!(err.is_rotation_in_progress(), "{err}");
    assert!(err.to_string().contains(token.as_str()));

    // The same token resumes; createSecret keeps the pending value.
    let fresh = Rotator::new(&store, NoopTarget);
    fresh.rotate(&id, &token).await.unwrap();
    assert_eq!(value_at(&store, &id, Stage::current()).await, pending);
    assert_eq!(value_at(&store, &id, Stage::previous()).await, "k1");
    assert_eq!(store.describe(&id).await.unwrap().versions.len(), 2);
}

#[tokio::test]
async fn rotation_rules_and_last_rotated_in_tags() {
    let Some(store) = store() else { return };
    let id = new_id("rules");
    store
        .create(&id, Some((&Token::generate(), &SecretValue::from("k"))), None)
        .await
        .unwrap();
    assert!(store.describe(&id).await.unwrap().rotation.is_none());

    let cfg = RotationConfig::new("rate(10 days)").with_duration("2h");
    store.set_rotation(&id, Some(&cfg)).await.unwrap();
    assert_eq!(store.describe(&id).await.unwrap().rotation, Some(cfg));
    // Setting rules without a duration drops the old duration.
    let cfg = RotationConfig::new("cron(0 4 ? * SUN *)").with_target(TargetSpec::Postgres);
    store.set_rotation(&id, Some(&cfg)).await.unwrap();
    assert_eq!(store.describe(&id).await.unwrap().rotation, Some(cfg));
    store.set_rotation(&id, None).await.unwrap();
    assert!(store.describe(&id).await.unwrap().rotation.is_none());

    let at = "2026-03-01T04:05:06.789Z".parse().unwrap();
    store.mark_rotated(&id, at).await.unwrap();
    assert_eq!(store.describe(&id).await.unwrap().last_rotated, Some(at));

    let too_long = RotationConfig::new(format!("rate({} days)", "9".repeat(300)));
    assert!(store
        .set_rotation(&id, Some(&too_long))
        .await
        .unwrap_err()
        .is_invalid_request());
}

#[tokio::test]
async fn delete_restore_and_list() {
    let Some(store) = store() else { return };
    let id = new_id("delete");
    store
        .create(&id, Some((&Token::generate(), &SecretValue::from("k"))), None)
        .await
        .unwrap();

    let err = store
        .delete(&id, Deletion::RecoveryWindow { days: 3 })
        .await
        .unwrap_err();
    assert!(err.is_invalid_request(), "{err}");

    let date = store.delete(&id, Deletion::RecoveryWindow { days: 7 }).await.unwrap();
    let expected = Utc::now() + Duration::days(7);
    assert!((date - expected).num_minutes().abs() < 5, "{date}");
    let d = store.describe(&id).await.unwrap();
    assert!(d.is_deleted());
    // While scheduled for deletion: reads and writes are invalid requests.
    let err = store.get_value(&id, &VersionRef::current()).await.unwrap_err();
    assert!(err.is_invalid_request(), "{err}");
    let err = store
        .put_value(&id, &Token::generate(), &SecretValue::from("x"), None)
        .await
        .unwrap_err();
    assert!(err.is_invalid_request(), "{err}");
    assert!(store.set_rotation(&id, None).await.unwrap_err().is_invalid_request());
    // Deleting again changes nothing.
    assert_eq!(
        store.delete(&id, Deletion::RecoveryWindow { days: 30 }).await.unwrap(),
        d.deletion_date.unwrap()
    );
    let listed = store.list().await.unwrap();
    assert!(listed.iter().any(|d| d.id == id && d.is_deleted()));

    store.restore(&id).await.unwrap();
    assert!(!store.describe(&id).await.unwrap().is_deleted());
    assert_eq!(value_at(&store, &id, Stage::current()).await, "k");

    store.delete(&id, Deletion::Force).await.unwrap();
    assert!(store.describe(&id).await.unwrap_err().is_not_found());
    assert!(!store.list().await.unwrap().iter().any(|d| d.id == id));
}

#[tokio::test]
async fn random_password_from_aws() {
    let Some(store) = store() else { return };
    let pw = store
        .random_password(&PasswordPolicy::default().length(40))
        .await
        .unwrap();
    assert_eq!(pw.expose_str().unwrap().chars().count(), 40);
    let pw = store
        .random_password(
            &PasswordPolicy::default()
                .length(30)
                .exclude_punctuation(true)
                .exclude_characters("abc"),
        )
        .await
        .unwrap();
    let s = pw.expose_str().unwrap();
    assert!(
        s.chars().all(|c| c.is_ascii_alphanumeric() && !"abc".contains(c)),
        "{s}"
    );
    assert_eq!(format!("{pw:?}"), "SecretValue(<redacted>)");
}

#[tokio::test]
async fn nothing_secret_in_debug_or_errors() {
    let Some(store) = store() else { return };
    let id = new_id("redact");
    let t1 = Token::generate();
    store
        .create(&id, Some((&t1, &SecretValue::from("hunter2-secret"))), None)
        .await
        .unwrap();
    let v = store.get_value(&id, &VersionRef::current()).await.unwrap();
    let shown = format!("{store:?} {v:?} {:?}", store.describe(&id).await.unwrap());
    assert!(!shown.contains("hunter2"), "{shown}");
    let err = store
        .put_value(&id, &t1, &SecretValue::from("hunter3-secret"), None)
        .await
        .unwrap_err();
    assert!(!format!("{err} {err:?} {err:#?}").contains("hunter"));
}

/// One random step of the model comparison.
#[derive(Debug, Clone)]
enum Op {
    Put {
        token: usize,
        value: u8,
        stages: Option<Vec<Stage>>,
    },
    Move {
        stage: Stage,
        to: Option<usize>,
        from: Option<usize>,
    },
}

/// What a call did, as the contract's questions see it.
fn outcome<T>(r: &Result<T, rotaplan::store::StoreError>) -> &'static str {
    match r {
        Ok(_) => "ok",
        Err(e) if e.is_not_found() => "not found",
        Err(e) if e.is_already_exists() => "exists",
        Err(e) if e.is_rotation_in_progress() => "in progress",
        Err(e) if e.is_invalid_request() => "invalid",
        Err(e) => panic!("unexpected error: {e}"),
    }
}

/// Versions → stages, the part of a description both stores must agree on.
async fn stage_map<S: SecretStore>(store: &S, id: &SecretId) -> Vec<(String, Vec<String>)> {
    let d = store.describe(id).await.unwrap();
    d.versions
        .iter()
        .map(|(v, info)| (v.to_string(), info.stages.iter().map(|s| s.to_string()).collect()))
        .collect()
}

#[tokio::test]
async fn same_answers_and_stages_as_the_memory_store() {
    let Some(aws) = store() else { return };
    let stages = [
        Stage::current(),
        Stage::pending(),
        Stage::previous(),
        Stage::new("blue").unwrap(),
    ];
    for seed in [1u64, 7, 42, 2024] {
        let mut rng = seed;
        let mut next = |n: usize| {
            rng = rng.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((rng >> 33) as usize) % n
        };
        let tokens: Vec<Token> = (0..5).map(|_| Token::generate()).collect();
        let ops: Vec<Op> = (0..30)
            .map(|_| match next(2) {
                0 => Op::Put {
                    token: next(5),
                    value: next(2) as u8,
                    stages: match next(4) {
                        0 => None,
                        1 => Some(vec![Stage::pending()]),
                        2 => Some(vec![stages[next(4)].clone()]),
                        _ => Some(vec![stages[3].clone(), Stage::pending()]),
                    },
                },
                _ => Op::Move {
                    stage: stages[next(4)].clone(),
                    to: [None, Some(next(5))][next(2)],
                    from: [None, Some(next(5))][next(2)],
                },
            })
            .collect();

        let mem = rotaplan::store::MemoryStore::new();
        let id = new_id("model");
        mem.create(&id, Some((&tokens[0], &SecretValue::from("v0"))), None)
            .await
            .unwrap();
        aws.create(&id, Some((&tokens[0], &SecretValue::from("v0"))), None)
            .await
            .unwrap();
        for (i, op) in ops.iter().enumerate() {
            let (a, b) = match op {
                Op::Put { token, value, stages } => {
                    let v = SecretValue::from(format!("v{value}"));
                    let t = &tokens[*token];
                    (
                        outcome(&mem.put_value(&id, t, &v, stages.as_deref()).await),
                        outcome(&aws.put_value(&id, t, &v, stages.as_deref()).await),
                    )
                }
                Op::Move { stage, to, from } => {
                    let to = to.map(|k| vid(&tokens[k]));
                    let from = from.map(|k| vid(&tokens[k]));
                    (
                        outcome(&mem.update_stage(&id, stage, to.as_ref(), from.as_ref()).await),
                        outcome(&aws.update_stage(&id, stage, to.as_ref(), from.as_ref()).await),
                    )
                }
            };
            assert_eq!(a, b, "seed {seed}, step {i}: {op:?}");
            assert_eq!(
                stage_map(&mem, &id).await,
                stage_map(&aws, &id).await,
                "seed {seed}, step {i}: {op:?}"
            );
        }
        // And every stage reads back the same value.
        for stage in &stages {
            let m = mem.get_value(&id, &VersionRef::Stage(stage.clone())).await;
            let w = aws.get_value(&id, &VersionRef::Stage(stage.clone())).await;
            assert_eq!(outcome(&m), outcome(&w), "seed {seed}: {stage}");
            if let (Ok(m), Ok(w)) = (m, w) {
                assert_eq!((m.version, m.value), (w.version, w.value), "seed {seed}: {stage}");
            }
        }
    }
}

/// A target that takes its time and remembers which tokens told it what.
#[derive(Clone, Default)]
struct CountingTarget(std::sync::Arc<std::sync::Mutex<std::collections::BTreeMap<String, Vec<String>>>>);

impl rotaplan::target::Target for CountingTarget {
    async fn set_secret(
        &self,
        ctx: &rotaplan::target::StepContext<'_>,
        _: &SecretValue,
        _: &SecretValue,
    ) -> Result<(), rotaplan::target::TargetError> {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let mut seen = self.0.lock().unwrap();
        seen.entry(ctx.secret.to_string())
            .or_default()
            .push(ctx.token.to_string());
        Ok(())
    }
    async fn test_secret(
        &self,
        _: &rotaplan::target::StepContext<'_>,
        _: &SecretValue,
    ) -> Result<(), rotaplan::target::TargetError> {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        Ok(())
    }
}

/// Two schedulers, each with its own client, plan from the same listing and
/// race for the same ten secrets: each secret is rotated by exactly one,
/// the other reports it skipped, and setSecret ran once per secret. The
/// claim is UpdateSecretVersionStage moving `rotaplan-lock` off AWSCURRENT's
/// version with `RemoveFromVersionId` (moto checks it as AWS does).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_schedulers_race_each_secret_rotates_once() {
    let (Some(a), Some(b)) = (store(), store()) else { return };
    let prefix = format!("rotaplan-test/race-{}", unique());
    let ids: Vec<SecretId> = (0..10)
        .map(|i| SecretId::new(format!("{prefix}/s{i}")).unwrap())
        .collect();
    for id in &ids {
        let cfg = RotationConfig::new("rate(1 day)");
        a.create(id, Some((&Token::generate(), &SecretValue::from("v1"))), Some(&cfg))
            .await
            .unwrap();
    }
    let target = CountingTarget::default();
    let ra = Rotator::new(a, target.clone());
    let rb = Rotator::new(b, target.clone());
    let mine = |due: Vec<rotaplan::rotate::Due>| -> Vec<_> {
        due.into_iter().filter(|d| d.id.as_str().starts_with(&prefix)).collect()
    };
    let now = Utc::now();
    let (da, db) = (
        mine(ra.due(now).await.unwrap().due),
        mine(rb.due(now).await.unwrap().due),
    );
    assert_eq!((da.len(), db.len()), (10, 10));
    let run = |r: &'static Rotator<AwsSecretsManager, CountingTarget>, due: Vec<rotaplan::rotate::Due>| async move {
        let mut out = Vec::new();
        for d in &due {
            out.push((d.id.clone(), r.rotate_due(d).await.unwrap()));
        }
        out
    };
    let ra: &'static _ = Box::leak(Box::new(ra));
    let rb: &'static _ = Box::leak(Box::new(rb));
    let (oa, ob) = tokio::join!(tokio::spawn(run(ra, da)), tokio::spawn(run(rb, db)));
    let mut rotated = std::collections::BTreeMap::new();
    let mut skipped = 0;
    for (id, attempt) in oa.unwrap().into_iter().chain(ob.unwrap()) {
        match attempt {
            rotaplan::rotate::Attempt::Rotated(o) => {
                assert!(rotated.insert(id.clone(), o.version).is_none(), "{id} rotated twice");
            }
            rotaplan::rotate::Attempt::Skipped(_) => skipped += 1,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!((rotated.len(), skipped), (10, 10));
    let seen = target.0.lock().unwrap().clone();
    for id in &ids {
        let d = ra.store().describe(id).await.unwrap();
        assert_eq!(d.version_with(&Stage::current()), rotated.get(id), "{id}");
        assert_eq!(d.version_with(&Stage::pending()), None, "{id}");
        assert_eq!(
            seen[id.as_str()].len(),
            1,
            "{id}: setSecret ran {:?}",
            seen[id.as_str()]
        );
        assert!(d.last_rotated.is_some());
    }
    // Planned again from the old listing: already rotated, nothing happens.
    let stale = rotaplan::rotate::Attempt::Skipped(rotaplan::store::Skip::AlreadyRotated);
    let due = mine(ra.due(now).await.unwrap().due);
    assert!(due.is_empty(), "nothing due after the rotation");
    let _ = stale;
}

/// A failed rotation is cancelled (AWSPENDING and the lock leave its
/// version, AWSCURRENT stays), and the next claim starts a new one.
#[tokio::test]
async fn cancel_then_rotate_again() {
    let Some(store) = store() else { return };
    let id = new_id("cancel");
    let t1 = Token::generate();
    store
        .create(&id, Some((&t1, &SecretValue::from("v1"))), None)
        .await
        .unwrap();
    let rotator = Rotator::new(&store, NoopTarget);
    let t2 = Token::generate();
    rotator.run_step(&id, &t2, Step::Create).await.unwrap();
    assert_eq!(rotator.cancel(&id).await.unwrap(), vid(&t2));
    let d = store.describe(&id).await.unwrap();
    assert_eq!(d.version_with(&Stage::current()), Some(&vid(&t1)));
    assert_eq!(d.version_with(&Stage::pending()), None);
    let out = rotator.rotate_exclusive(&id).await.unwrap();
    let new = out.rotated().unwrap().version.clone();
    assert_ne!(new, vid(&t2));
    let d = store.describe(&id).await.unwrap();
    assert_eq!(d.version_with(&Stage::current()), Some(&new));
    assert_eq!(
        d.version_with(&Stage::new("rotaplan-lock").unwrap()),
        Some(&new),
        "the lock rests on AWSCURRENT"
    );
}

/// A claimant killed right after winning the lock, before moving
/// AWSPENDING or writing its lease: the rotation is "elsewhere" (its
/// version's date stands for the lease), and `cancel` gives it up.
#[tokio::test]
async fn a_claim_killed_after_the_lock_move_is_cancelled() {
    let Some(store) = store() else { return };
    let id = new_id("killed-claim");
    let t1 = Token::generate();
    let cfg = RotationConfig::new("rate(1 day)");
    store
        .create(&id, Some((&t1, &SecretValue::from("v1"))), Some(&cfg))
        .await
        .unwrap();
    let lock = Stage::new("rotaplan-lock").unwrap();
    let tx = Token::generate();
    store
        .put_value(
            &id,
            &tx,
            &SecretValue::from("v2"),
            Some(&[Stage::new("rotaplan-candidate").unwrap()]),
        )
        .await
        .unwrap();
    store
        .update_stage(&id, &lock, Some(&vid(&tx)), Some(&vid(&t1)))
        .await
        .unwrap();
    let rotator = Rotator::new(&store, NoopTarget);
    let attempt = rotator.rotate_exclusive(&id).await.unwrap();
    assert!(
        matches!(
            attempt,
            rotaplan::rotate::Attempt::Skipped(rotaplan::store::Skip::RotatingElsewhere { .. })
        ),
        "{attempt:?}"
    );
    assert_eq!(rotator.cancel(&id).await.unwrap(), vid(&tx));
    let d = store.describe(&id).await.unwrap();
    assert_eq!(d.version_with(&lock), Some(&vid(&t1)));
    let out = rotator.rotate_exclusive(&id).await.unwrap();
    assert!(out.rotated().is_some(), "{out:?}");
}

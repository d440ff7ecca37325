//! Model-based test: random sequences of puts, stage moves, deletions and
//! rotations (some with injected store faults, then resumed) against a
//! store, checked after every operation against a small model of the AWS
//! rules written here, independently of the crate's rule code.
#![cfg(feature = "rotate")]

mod rotate_util;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use proptest::prelude::*;
use rotaplan::rotate::{RetryPolicy, RotateError, Rotator};
use rotaplan::store::{Deletion, MemoryStore, SecretStore, SecretValue, Stage, VersionId, VersionRef};
use rotaplan::target::NoopTarget;
use rotate_util::*;

const STAGES: [&str; 4] = ["AWSCURRENT", "AWSPENDING", "AWSPREVIOUS", "blue"];
const VALUES: [&str; 3] = ["alpha", "beta", "gamma"];
const TOKENS: u8 = 6;

#[derive(Clone, Debug)]
enum Op {
    Put {
        token: u8,
        value: usize,
        stages: Option<Vec<usize>>,
    },
    Move {
        stage: usize,
        to: Option<u8>,
        from: Option<u8>,
    },
    Rotate {
        token: u8,
        fault: Option<(usize, bool)>,
    },
    Delete,
    Restore,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..TOKENS, 0..VALUES.len(), proptest::option::of(proptest::collection::vec(0..STAGES.len(), 0..3)))
            .prop_map(|(token, value, stages)| Op::Put { token, value, stages }),
        4 => (0..STAGES.len(), proptest::option::of(0..TOKENS), proptest::option::of(0..TOKENS))
            .prop_map(|(stage, to, from)| Op::Move { stage, to, from }),
        3 => (0..TOKENS, proptest::option::of((0..16usize, any::<bool>())))
            .prop_map(|(token, fault)| Op::Rotate { token, fault }),
        1 => Just(Op::Delete),
        1 => Just(Op::Restore),
    ]
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Ok,
    NotFound,
    Invalid,
    Exists,
    InProgress,
}

fn classify(r: &Result<(), RotateError>) -> Outcome {
    match r {
        Ok(()) => Outcome::Ok,
        Err(e) if e.is_not_found() => Outcome::NotFound,
        Err(e) if e.is_invalid_request() => Outcome::Invalid,
        Err(e) if e.is_already_exists() => Outcome::Exists,
        Err(e) if e.is_rotation_in_progress() => Outcome::InProgress,
        Err(e) => panic!("unexpected error kind: {e}"),
    }
}

/// The AWS rules, as plainly as possible.
#[derive(Clone, Debug, Default, PartialEq)]
struct Model {
    /// token → (value, stages)
    versions: BTreeMap<u8, (String, BTreeSet<&'static str>)>,
    deleted: bool,
}

impl Model {
    fn holder(&self, stage: &str) -> Option<u8> {
        self.versions
            .iter()
            .find(|(_, (_, s))| s.contains(stage))
            .map(|(t, _)| *t)
    }

    fn strip(&mut self, stage: &str) {
        for (_, s) in self.versions.values_mut() {
            s.remove(stage);
        }
    }

    /// AWSCURRENT goes to `to`; AWSPREVIOUS to the version it left, if any.
    fn move_current(&mut self, to: u8) {
        let left = self.holder("AWSCURRENT");
        self.strip("AWSCURRENT");
        self.versions.get_mut(&to).unwrap().1.insert("AWSCURRENT");
        if let Some(left) = left.filter(|l| *l != to) {
            self.strip("AWSPREVIOUS");
            self.versions.get_mut(&left).unwrap().1.insert("AWSPREVIOUS");
        }
    }

    fn put(&mut self, token: u8, value: &str, stages: Option<&[usize]>) -> Outcome {
        if self.deleted {
            return Outcome::Invalid;
        }
        if let Some((v, _)) = self.versions.get(&token) {
            return if v == value { Outcome::Ok } else { Outcome::Exists };
        }
        let stages: BTreeSet<&'static str> = match stages {
            None => ["AWSCURRENT"].into_iter().collect(),
            Some(s) => s.iter().map(|i| STAGES[*i]).collect(),
        };
        if stages.contains("AWSPENDING") {
            if let Some(h) = self.holder("AWSPENDING") {
                if !self.versions[&h].1.contains("AWSCURRENT") {
                    return Outcome::InProgress;
                }
            }
        }
        self.versions.insert(token, (value.to_owned(), BTreeSet::new()));
        if stages.contains("AWSCURRENT") {
            self.move_current(token);
        }
        for s in stages.iter().filter(|s| **s != "AWSCURRENT") {
            self.strip(s);
            self.versions.get_mut(&token).unwrap().1.insert(s);
        }
        Outcome::Ok
    }

    fn update(&mut self, stage: &'static str, to: Option<u8>, from: Option<u8>) -> Outcome {
        if self.deleted {
            return Outcome::Invalid;
        }
        if to.into_iter().chain(from).any(|v| !self.versions.contains_key(&v)) {
            return Outcome::NotFound;
        }
        let h = self.holder(stage);
        match (to, from) {
            (None, None) => Outcome::Invalid,
            (None, Some(f)) => {
                if h != Some(f) || stage == "AWSCURRENT" {
                    return Outcome::Invalid;
                }
                self.strip(stage);
                Outcome::Ok
            }
            (Some(t), f) => {
                if h == Some(t) {
                    return if f.is_some_and(|f| f != t) {
                        Outcome::Invalid
                    } else {
                        Outcome::Ok
                    };
                }
                if f != h {
                    // Attached elsewhere without naming it, or naming a
                    // version that does not hold it.
                    return Outcome::Invalid;
                }
                if stage == "AWSCURRENT" {
                    self.move_current(t);
                } else {
                    self.strip(stage);
                    self.versions.get_mut(&t).unwrap().1.insert(stage);
                }
                Outcome::Ok
            }
        }
    }

    /// A whole, successful-or-refused rotation with `token`. Returns the
    /// outcome and whether a new version is created (its value is random).
    fn rotate(&mut self, token: u8) -> (Outcome, bool) {
        assert!(!self.deleted);
        let mut created = false;
        match self.versions.get(&token) {
            Some((_, s)) if s.contains("AWSCURRENT") => {}
            Some((_, s)) if s.contains("AWSPENDING") => {}
            Some(_) => return (Outcome::Invalid, false),
            None => {
                if let Some(h) = self.holder("AWSPENDING") {
                    if !self.versions[&h].1.contains("AWSCURRENT") {
                        return (Outcome::InProgress, false);
                    }
                }
                if self.holder("AWSCURRENT").is_none() {
                    return (Outcome::NotFound, false);
                }
                self.strip("AWSPENDING");
                self.versions
                    .insert(token, (String::new(), ["AWSPENDING"].into_iter().collect()));
                created = true;
            }
        }
        if !self.versions[&token].1.contains("AWSCURRENT") {
            self.move_current(token);
        }
        self.versions.get_mut(&token).unwrap().1.remove("AWSPENDING");
        (Outcome::Ok, created)
    }
}

/// The store's state in the model's terms.
async fn observe<S: SecretStore>(store: &S) -> Model {
    let id = sid("m");
    let d = store.describe(&id).await.unwrap();
    let mut m = Model {
        deleted: d.is_deleted(),
        ..Model::default()
    };
    if m.deleted {
        store.restore(&id).await.unwrap();
    }
    for (v, info) in &d.versions {
        let t = (0..TOKENS)
            .find(|t| VersionId::from(&token(*t)) == *v)
            .expect("only known tokens");
        let value = store
            .get_value(&id, &VersionRef::Id(v.clone()))
            .await
            .unwrap()
            .value
            .expose_str()
            .unwrap()
            .to_owned();
        let stages = info
            .stages
            .iter()
            .map(|s| *STAGES.iter().find(|x| **x == s.as_str()).expect("known stage"))
            .collect();
        m.versions.insert(t, (value, stages));
    }
    if m.deleted {
        store.delete(&id, Deletion::RecoveryWindow { days: 7 }).await.unwrap();
    }
    m
}

async fn run_ops<S: SecretStore>(store: &S, ops: &[Op]) -> Result<(), TestCaseError> {
    let id = sid("m");
    store
        .create(&id, Some((&token(0), &SecretValue::from(VALUES[0]))), None)
        .await
        .unwrap();
    let mut model = Model::default();
    model.put(0, VALUES[0], None);
    for (i, op) in ops.iter().enumerate() {
        let before = model.clone();
        match op {
            Op::Put {
                token: t,
                value,
                stages,
            } => {
                let st: Option<Vec<Stage>> = stages
                    .as_ref()
                    .map(|s| s.iter().map(|i| Stage::new(STAGES[*i]).unwrap()).collect());
                let got = store
                    .put_value(&id, &token(*t), &SecretValue::from(VALUES[*value]), st.as_deref())
                    .await
                    .map(|_| ())
                    .map_err(RotateError::from);
                let want = model.put(*t, VALUES[*value], stages.as_deref());
                prop_assert_eq!(classify(&got), want, "op {} {:?}", i, op);
            }
            Op::Move { stage, to, from } => {
                let to_v = to.map(|t| VersionId::from(&token(t)));
                let from_v = from.map(|t| VersionId::from(&token(t)));
                let got = store
                    .update_stage(
                        &id,
                        &Stage::new(STAGES[*stage]).unwrap(),
                        to_v.as_ref(),
                        from_v.as_ref(),
                    )
                    .await
                    .map_err(RotateError::from);
                let want = model.update(STAGES[*stage], *to, *from);
                prop_assert_eq!(classify(&got), want, "op {} {:?}", i, op);
            }
            Op::Delete => {
                store.delete(&id, Deletion::RecoveryWindow { days: 7 }).await.unwrap();
                model.deleted = true;
            }
            Op::Restore => {
                store.restore(&id).await.unwrap();
                model.deleted = false;
            }
            Op::Rotate { token: t, fault } => {
                if model.deleted {
                    let got = Rotator::new(store, NoopTarget)
                        .retry(RetryPolicy::none())
                        .rotate(&id, &token(*t))
                        .await;
                    prop_assert!(got.is_err() || before.versions.get(t).is_some_and(|v| v.1.contains("AWSCURRENT")));
                } else {
                    let (want, created) = model.rotate(*t);
                    if let Some((at, after)) = fault {
                        let faulty = FaultyStore::new(store);
                        faulty.fail_at(*at, if *after { Fault::ErrAfter } else { Fault::ErrBefore });
                        let _ = Rotator::new(&faulty, NoopTarget)
                            .retry(RetryPolicy::none())
                            .rotate(&id, &token(*t))
                            .await;
                        // Whatever happened: no version lost or changed, and
                        // AWSCURRENT still where a value is.
                        let mid = observe(store).await;
                        for (v, (value, _)) in &before.versions {
                            prop_assert_eq!(&mid.versions[v].0, value, "op {} {:?}: value changed", i, op);
                        }
                        if before.holder("AWSCURRENT").is_some() {
                            prop_assert!(mid.holder("AWSCURRENT").is_some(), "op {} lost AWSCURRENT", i);
                        }
                    }
                    // Resume (or run) without faults.
                    let got = Rotator::new(store, NoopTarget)
                        .retry(RetryPolicy::none())
                        .step_timeout(Duration::from_secs(10))
                        .rotate(&id, &token(*t))
                        .await
                        .map(|_| ());
                    prop_assert_eq!(
                        classify(&got),
                        want,
                        "op {} {:?}: {:?}",
                        i,
                        op,
                        got.err().map(|e| e.to_string())
                    );
                    if created {
                        let v = store
                            .get_value(&id, &VersionRef::Id(VersionId::from(&token(*t))))
                            .await
                            .unwrap();
                        let value = v.value.expose_str().unwrap().to_owned();
                        prop_assert_eq!(value.len(), 32);
                        model.versions.get_mut(t).unwrap().0 = value;
                    }
                }
            }
        }
        let seen = observe(store).await;
        prop_assert_eq!(&seen, &model, "after op {} {:?}", i, op);
    }
    Ok(())
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn memory_store_follows_the_model(ops in proptest::collection::vec(op(), 1..40)) {
        runtime().block_on(run_ops(&MemoryStore::new(), &ops))?;
    }
}

#[cfg(feature = "sqlite")]
proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn sqlite_store_follows_the_model(ops in proptest::collection::vec(op(), 1..30)) {
        let dir = tempfile::tempdir().unwrap();
        let store = rotaplan::store::SqliteStore::open(
            dir.path().join("m.db"),
            rotaplan::store::MasterKey::from_bytes([9; 32]),
        ).unwrap();
        runtime().block_on(run_ops(&store, &ops))?;
    }
}

#[test]
fn hand_worked_stage_rules() {
    // Independent expectations for the rules the model encodes.
    runtime().block_on(async {
        let store = MemoryStore::new();
        let id = sid("h");
        let (v0, v1, v2) = (
            VersionId::from(&token(0)),
            VersionId::from(&token(1)),
            VersionId::from(&token(2)),
        );
        store
            .create(&id, Some((&token(0), &SecretValue::from("a"))), None)
            .await
            .unwrap();
        // Same token, same value: no-op. Other value: already exists.
        let out = store
            .put_value(&id, &token(0), &SecretValue::from("a"), None)
            .await
            .unwrap();
        assert!(!out.created);
        let err = store
            .put_value(&id, &token(0), &SecretValue::from("b"), None)
            .await
            .unwrap_err();
        assert!(err.is_already_exists(), "{err}");
        assert!(!err.to_string().contains("\"b\""));
        // Put without stages → AWSCURRENT; AWSPREVIOUS follows.
        store
            .put_value(&id, &token(1), &SecretValue::from("b"), None)
            .await
            .unwrap();
        let d = store.describe(&id).await.unwrap();
        assert_eq!(d.version_with(&Stage::current()), Some(&v1));
        assert_eq!(d.version_with(&Stage::previous()), Some(&v0));
        // Put with [] → deprecated at once.
        store
            .put_value(&id, &token(2), &SecretValue::from("c"), Some(&[]))
            .await
            .unwrap();
        // Moving AWSCURRENT without naming where from fails.
        let err = store
            .update_stage(&id, &Stage::current(), Some(&v2), None)
            .await
            .unwrap_err();
        assert!(err.is_invalid_request());
        assert!(err.to_string().contains(v1.as_str()), "{err}");
        // Naming the wrong version fails too.
        assert!(store
            .update_stage(&id, &Stage::current(), Some(&v2), Some(&v0))
            .await
            .unwrap_err()
            .is_invalid_request());
        // Rollback: AWSCURRENT back to v0, AWSPREVIOUS to v1.
        store
            .update_stage(&id, &Stage::current(), Some(&v0), Some(&v1))
            .await
            .unwrap();
        let d = store.describe(&id).await.unwrap();
        assert_eq!(d.version_with(&Stage::current()), Some(&v0));
        assert_eq!(d.version_with(&Stage::previous()), Some(&v1));
        assert!(d.versions[&v2].stages.is_empty());
        // AWSCURRENT cannot be removed, only moved.
        assert!(store
            .update_stage(&id, &Stage::current(), None, Some(&v0))
            .await
            .unwrap_err()
            .is_invalid_request());
        // Unknown version: not found.
        assert!(store
            .update_stage(&id, &Stage::new("x").unwrap(), Some(&VersionId::from(&token(5))), None)
            .await
            .unwrap_err()
            .is_not_found());
        // Deletion window bounds, and a deleted secret refuses writes.
        for days in [6, 31] {
            assert!(store
                .delete(&id, Deletion::RecoveryWindow { days })
                .await
                .unwrap_err()
                .is_invalid_request());
        }
        let when = store.delete(&id, Deletion::RecoveryWindow { days: 7 }).await.unwrap();
        assert!(when > chrono::Utc::now() + chrono::Duration::days(6));
        assert!(store
            .get_value(&id, &VersionRef::current())
            .await
            .unwrap_err()
            .is_invalid_request());
        assert!(store.describe(&id).await.unwrap().is_deleted());
        store.restore(&id).await.unwrap();
        assert!(store.get_value(&id, &VersionRef::current()).await.is_ok());
        store.delete(&id, Deletion::Force).await.unwrap();
        assert!(store.describe(&id).await.unwrap_err().is_not_found());
        // The name can be used again.
        store.create(&id, None, None).await.unwrap();
    });
}

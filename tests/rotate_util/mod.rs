//! Shared helpers for the `rotate_*` tests: a store wrapper that injects
//! faults, and a target that remembers which password logs in.
#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use rotaplan::store::StoreError;
use rotaplan::store::{
    Claim, Claimed, Deletion, Description, Owner, PutOutcome, RotationConfig, SecretId, SecretStore, SecretValue,
    SecretVersion, Stage, Token, VersionId, VersionRef,
};
use rotaplan::target::TargetError;
use rotaplan::target::{StepContext, Target};

/// What happens at the chosen call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Fail without reaching the store.
    ErrBefore,
    /// Reach the store, then lose the answer (the change is made).
    ErrAfter,
    /// Never answer, without reaching the store (the caller is dropped).
    HangBefore,
    /// Reach the store, then never answer.
    HangAfter,
}

pub const FAULTS: [Fault; 4] = [Fault::ErrBefore, Fault::ErrAfter, Fault::HangBefore, Fault::HangAfter];

/// A store that counts its calls and injects one fault at a chosen call.
pub struct FaultyStore<S> {
    pub inner: S,
    calls: AtomicUsize,
    plan: Mutex<Option<(usize, Fault)>>,
    fired: std::sync::atomic::AtomicBool,
    pub log: Mutex<Vec<&'static str>>,
}

impl<S: SecretStore> FaultyStore<S> {
    pub fn new(inner: S) -> FaultyStore<S> {
        FaultyStore {
            inner,
            calls: AtomicUsize::new(0),
            plan: Mutex::new(None),
            fired: std::sync::atomic::AtomicBool::new(false),
            log: Mutex::new(Vec::new()),
        }
    }

    /// The `n`-th call from now (0-based) gets `fault`.
    pub fn fail_at(&self, n: usize, fault: Fault) {
        let base = self.calls.load(Ordering::SeqCst);
        *self.plan.lock().unwrap() = Some((base + n, fault));
    }

    /// Resolves once the planned fault has been injected.
    pub async fn fired(&self) {
        while !self.fired.load(Ordering::SeqCst) {
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        }
    }

    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    async fn gate<R>(
        &self,
        op: &'static str,
        fut: impl Future<Output = Result<R, StoreError>>,
    ) -> Result<R, StoreError> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        self.log.lock().unwrap().push(op);
        let fault = match *self.plan.lock().unwrap() {
            Some((at, f)) if at == n => Some(f),
            _ => None,
        };
        if fault.is_some() {
            self.fired.store(true, Ordering::SeqCst);
        }
        let injected = || StoreError::backend(op, std::io::Error::other("injected fault"));
        match fault {
            None => fut.await,
            Some(Fault::ErrBefore) => Err(injected()),
            Some(Fault::ErrAfter) => {
                let _ = fut.await;
                Err(injected())
            }
            Some(Fault::HangBefore) => std::future::pending().await,
            Some(Fault::HangAfter) => {
                let _ = fut.await;
                std::future::pending().await
            }
        }
    }
}

impl<S: SecretStore> SecretStore for FaultyStore<S> {
    async fn create(
        &self,
        id: &SecretId,
        initial: Option<(&Token, &SecretValue)>,
        rotation: Option<&RotationConfig>,
    ) -> Result<Description, StoreError> {
        self.gate("create", self.inner.create(id, initial, rotation)).await
    }
    async fn describe(&self, id: &SecretId) -> Result<Description, StoreError> {
        self.gate("describe", self.inner.describe(id)).await
    }
    async fn get_value(&self, id: &SecretId, which: &VersionRef) -> Result<SecretVersion, StoreError> {
        self.gate("get_value", self.inner.get_value(id, which)).await
    }
    async fn put_value(
        &self,
        id: &SecretId,
        token: &Token,
        value: &SecretValue,
        stages: Option<&[Stage]>,
    ) -> Result<PutOutcome, StoreError> {
        self.gate("put_value", self.inner.put_value(id, token, value, stages))
            .await
    }
    async fn update_stage(
        &self,
        id: &SecretId,
        stage: &Stage,
        move_to: Option<&VersionId>,
        remove_from: Option<&VersionId>,
    ) -> Result<(), StoreError> {
        self.gate("update_stage", self.inner.update_stage(id, stage, move_to, remove_from))
            .await
    }
    async fn set_rotation(&self, id: &SecretId, rotation: Option<&RotationConfig>) -> Result<(), StoreError> {
        self.gate("set_rotation", self.inner.set_rotation(id, rotation)).await
    }
    async fn mark_rotated(&self, id: &SecretId, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.gate("mark_rotated", self.inner.mark_rotated(id, at)).await
    }
    async fn delete(&self, id: &SecretId, how: Deletion) -> Result<DateTime<Utc>, StoreError> {
        self.gate("delete", self.inner.delete(id, how)).await
    }
    async fn restore(&self, id: &SecretId) -> Result<(), StoreError> {
        self.gate("restore", self.inner.restore(id)).await
    }
    async fn list(&self) -> Result<Vec<Description>, StoreError> {
        self.gate("list", self.inner.list()).await
    }
    async fn claim(&self, id: &SecretId, claim: &Claim) -> Result<Claimed, StoreError> {
        self.gate("claim", self.inner.claim(id, claim)).await
    }
    async fn renew(&self, id: &SecretId, owner: &Owner, ttl: std::time::Duration) -> Result<(), StoreError> {
        self.gate("renew", self.inner.renew(id, owner, ttl)).await
    }
    async fn release(&self, id: &SecretId, owner: &Owner) -> Result<(), StoreError> {
        self.gate("release", self.inner.release(id, owner)).await
    }
}

/// Faults a [`LoginTarget`] can be told to show once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetFault {
    SetErr,
    /// Apply the change, then report failure.
    SetErrAfter,
    SetHang,
    TestErr,
    TestHang,
}

pub const TARGET_FAULTS: [TargetFault; 5] = [
    TargetFault::SetErr,
    TargetFault::SetErrAfter,
    TargetFault::SetHang,
    TargetFault::TestErr,
    TargetFault::TestHang,
];

/// A pretend database: users and their passwords. setSecret changes (or, for
/// a new user, creates) the pending user's password; testSecret logs in.
#[derive(Clone, Default)]
pub struct LoginTarget {
    pub users: Arc<Mutex<HashMap<String, String>>>,
    fault: Arc<Mutex<Option<TargetFault>>>,
    pub sets: Arc<AtomicUsize>,
}

/// `(username, password)` of a JSON secret.
pub fn creds(v: &SecretValue) -> (String, String) {
    let j: serde_json::Value = serde_json::from_str(v.expose_str().expect("text")).expect("json");
    (
        j["username"].as_str().expect("username").to_owned(),
        j["password"].as_str().expect("password").to_owned(),
    )
}

impl LoginTarget {
    pub fn with_user(user: &str, password: &str) -> LoginTarget {
        let t = LoginTarget::default();
        t.users.lock().unwrap().insert(user.to_owned(), password.to_owned());
        t
    }

    pub fn inject(&self, fault: TargetFault) {
        *self.fault.lock().unwrap() = Some(fault);
    }

    fn take(&self, which: &[TargetFault]) -> Option<TargetFault> {
        let mut f = self.fault.lock().unwrap();
        match *f {
            Some(x) if which.contains(&x) => f.take(),
            _ => None,
        }
    }

    pub fn logs_in(&self, v: &SecretValue) -> bool {
        let (u, p) = creds(v);
        self.users.lock().unwrap().get(&u) == Some(&p)
    }
}

impl Target for LoginTarget {
    async fn set_secret(
        &self,
        _ctx: &StepContext<'_>,
        pending: &SecretValue,
        current: &SecretValue,
    ) -> Result<(), TargetError> {
        let fault = self.take(&[TargetFault::SetErr, TargetFault::SetErrAfter, TargetFault::SetHang]);
        match fault {
            Some(TargetFault::SetErr) => return Err(TargetError::failed("injected")),
            Some(TargetFault::SetHang) => std::future::pending::<()>().await,
            _ => {}
        }
        // Like a real database: changing a password needs a working login
        // (the current credential, or the pending one on a rerun).
        if !self.logs_in(current) && !self.logs_in(pending) {
            return Err(TargetError::failed("current credential refused"));
        }
        let (u, p) = creds(pending);
        self.users.lock().unwrap().insert(u, p);
        self.sets.fetch_add(1, Ordering::SeqCst);
        if fault == Some(TargetFault::SetErrAfter) {
            return Err(TargetError::failed("injected after change"));
        }
        Ok(())
    }

    async fn test_secret(&self, _ctx: &StepContext<'_>, pending: &SecretValue) -> Result<(), TargetError> {
        match self.take(&[TargetFault::TestErr, TargetFault::TestHang]) {
            Some(TargetFault::TestErr) => return Err(TargetError::failed("injected")),
            Some(TargetFault::TestHang) => std::future::pending::<()>().await,
            _ => {}
        }
        if self.logs_in(pending) {
            Ok(())
        } else {
            Err(TargetError::failed("login refused"))
        }
    }
}

/// Versions → stage names, for comparing whole states.
pub fn stage_map(d: &Description) -> BTreeMap<String, Vec<String>> {
    d.versions
        .iter()
        .map(|(v, info)| (v.to_string(), info.stages.iter().map(|s| s.to_string()).collect()))
        .collect()
}

pub fn token(n: u8) -> Token {
    Token::new(format!("{n:02x}").repeat(16)).unwrap()
}

pub fn sid(s: &str) -> SecretId {
    SecretId::new(s).unwrap()
}

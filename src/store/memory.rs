//! [`MemoryStore`]: a [`SecretStore`] in a mutex, for tests and embedding.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, Utc};

use super::claim::{decide, expiry, lease_lost, Decision};
use super::history::Log;
use super::rules::{secret_not_found, Record};
use super::StoreError;
use super::{
    AttemptRecord, Claim, Claimed, Deletion, Description, Lease, Outcome, Owner, PutOutcome, RotationConfig, SecretId,
    SecretStore, SecretValue, SecretVersion, Stage, Token, VersionId, VersionRef,
};

/// A secret store in process memory. Nothing survives the process; values
/// are zeroed when dropped.
///
/// Cheap to share: wrap it in an [`Arc`](std::sync::Arc) (stores are
/// implemented for `Arc<S>` and `&S`).
///
/// # Examples
///
/// ```
/// use rotaplan::store::{MemoryStore, SecretId, SecretStore, SecretValue, Token, VersionRef};
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let store = MemoryStore::new();
/// let id = SecretId::new("api/key")?;
/// store.create(&id, Some((&Token::generate(), &SecretValue::from("k1"))), None).await?;
/// let v = store.get_value(&id, &VersionRef::current()).await?;
/// assert_eq!(v.value.expose_str(), Some("k1"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
#[derive(Default)]
pub struct MemoryStore {
    secrets: Mutex<BTreeMap<SecretId, Record<SecretValue>>>,
    // Locked only while `secrets` is held, so claims are atomic.
    leases: Mutex<HashMap<SecretId, Lease>>,
    // Locked only while `secrets` is held, so a claim or a finish and its
    // record are one step.
    history: Mutex<HashMap<SecretId, Log>>,
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.lock().len();
        f.debug_struct("MemoryStore").field("secrets", &n).finish()
    }
}

impl MemoryStore {
    /// An empty store.
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::store::{MemoryStore, SecretStore};
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// assert!(MemoryStore::new().list().await?.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<SecretId, Record<SecretValue>>> {
        // A panic while holding the lock cannot leave a record half-updated
        // in a way the rules care about more than a crash would; keep going.
        self.secrets.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` on the live record of `id`, purging it first if its recovery
    /// window has passed.
    fn history_lock(&self) -> MutexGuard<'_, HashMap<SecretId, Log>> {
        self.history.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn with<R>(
        &self,
        id: &SecretId,
        f: impl FnOnce(&mut Record<SecretValue>, DateTime<Utc>) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        let now = Utc::now();
        let mut map = self.lock();
        if map.get(id).is_some_and(|r| r.is_expired(now)) {
            map.remove(id);
        }
        let rec = map.get_mut(id).ok_or_else(|| secret_not_found(id))?;
        f(rec, now)
    }
}

impl SecretStore for MemoryStore {
    async fn create(
        &self,
        id: &SecretId,
        initial: Option<(&Token, &SecretValue)>,
        rotation: Option<&RotationConfig>,
    ) -> Result<Description, StoreError> {
        let now = Utc::now();
        let mut map = self.lock();
        if map.get(id).is_some_and(|r| r.is_expired(now)) {
            map.remove(id);
        }
        if map.contains_key(id) {
            return Err(StoreError::already_exists(format!("secret `{id}`")));
        }
        let mut rec = Record::new(id.clone(), rotation.cloned(), now);
        if let Some((token, value)) = initial {
            rec.put(token, None, now, |_| Ok(true), || Ok(value.clone()))?;
        }
        let d = rec.describe();
        map.insert(id.clone(), rec);
        self.history_lock().remove(id);
        Ok(d)
    }

    async fn describe(&self, id: &SecretId) -> Result<Description, StoreError> {
        self.with(id, |rec, _| Ok(rec.describe()))
    }

    async fn get_value(&self, id: &SecretId, which: &VersionRef) -> Result<SecretVersion, StoreError> {
        self.with(id, |rec, _| {
            rec.ensure_live()?;
            let (version, v) = rec.find(which)?;
            Ok(SecretVersion {
                version: version.clone(),
                stages: v.stages.clone(),
                created: v.created,
                value: v.value.clone(),
            })
        })
    }

    async fn put_value(
        &self,
        id: &SecretId,
        token: &Token,
        value: &SecretValue,
        stages: Option<&[Stage]>,
    ) -> Result<PutOutcome, StoreError> {
        self.with(id, |rec, now| {
            rec.put(token, stages, now, |old| Ok(old == value), || Ok(value.clone()))
        })
    }

    async fn update_stage(
        &self,
        id: &SecretId,
        stage: &Stage,
        move_to: Option<&VersionId>,
        remove_from: Option<&VersionId>,
    ) -> Result<(), StoreError> {
        self.with(id, |rec, now| rec.update_stage(stage, move_to, remove_from, now))
    }

    async fn set_rotation(&self, id: &SecretId, rotation: Option<&RotationConfig>) -> Result<(), StoreError> {
        self.with(id, |rec, now| {
            rec.ensure_live()?;
            rec.rotation = rotation.cloned();
            rec.last_changed = now;
            Ok(())
        })
    }

    async fn mark_rotated(&self, id: &SecretId, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.with(id, |rec, _| {
            rec.ensure_live()?;
            rec.last_rotated = Some(at);
            Ok(())
        })
    }

    async fn delete(&self, id: &SecretId, how: Deletion) -> Result<DateTime<Utc>, StoreError> {
        let now = Utc::now();
        let date = self.with(id, |rec, now| rec.delete(how, now))?;
        match date {
            Some(d) => Ok(d),
            None => {
                let mut map = self.lock();
                map.remove(id);
                self.history_lock().remove(id);
                Ok(now)
            }
        }
    }

    async fn restore(&self, id: &SecretId) -> Result<(), StoreError> {
        self.with(id, |rec, _| {
            rec.deletion_date = None;
            Ok(())
        })
    }

    async fn list(&self) -> Result<Vec<Description>, StoreError> {
        let now = Utc::now();
        let mut map = self.lock();
        map.retain(|_, r| !r.is_expired(now));
        Ok(map.values().map(Record::describe).collect())
    }

    async fn finish_rotation(&self, id: &SecretId, version: &VersionId, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.with(id, |rec, now| {
            let before = rec.clone();
            rec.finish(version, at, now)?;
            if *rec != before {
                if let Ok(token) = Token::new(version.as_str()) {
                    self.history_lock()
                        .entry(id.clone())
                        .or_default()
                        .end(&token, Outcome::Succeeded, None, None, at);
                }
            }
            Ok(())
        })
    }

    async fn claim(&self, id: &SecretId, claim: &Claim) -> Result<Claimed, StoreError> {
        self.with(id, |rec, now| {
            let mut leases = self.leases.lock().unwrap_or_else(|e| e.into_inner());
            let lease = Lease::new(claim.owner.clone(), claim.expires(now));
            match decide(rec, leases.get(id), claim, now)? {
                Decision::Skip(skip) => Ok(Claimed::Skipped(skip)),
                Decision::Resume(v) => {
                    leases.insert(id.clone(), lease);
                    if let Ok(token) = Token::new(v.as_str()) {
                        self.history_lock()
                            .entry(id.clone())
                            .or_default()
                            .resumed(&token, &claim.owner, now);
                    }
                    Ok(Claimed::Resumed(v))
                }
                Decision::Start => {
                    let value = &claim.value;
                    let out = rec.put(
                        &claim.token,
                        Some(&[Stage::pending()]),
                        now,
                        |old| Ok(old == value),
                        || Ok(value.clone()),
                    )?;
                    leases.insert(id.clone(), lease);
                    self.history_lock()
                        .entry(id.clone())
                        .or_default()
                        .started(&claim.token, &claim.owner, now);
                    Ok(Claimed::Started(out.version))
                }
            }
        })
    }

    async fn renew(&self, id: &SecretId, owner: &Owner, ttl: std::time::Duration) -> Result<(), StoreError> {
        let now = Utc::now();
        let mut leases = self.leases.lock().unwrap_or_else(|e| e.into_inner());
        match leases.get_mut(id) {
            Some(l) if &l.owner == owner => {
                l.expires = expiry(now, ttl);
                Ok(())
            }
            _ => Err(lease_lost(id, owner)),
        }
    }

    async fn release(&self, id: &SecretId, owner: &Owner) -> Result<(), StoreError> {
        let mut leases = self.leases.lock().unwrap_or_else(|e| e.into_inner());
        if leases.get(id).is_some_and(|l| &l.owner == owner) {
            leases.remove(id);
        }
        Ok(())
    }

    async fn history(&self, id: &SecretId, limit: usize) -> Result<Vec<AttemptRecord>, StoreError> {
        let _map = self.lock();
        Ok(self.history_lock().get(id).map(|l| l.newest(limit)).unwrap_or_default())
    }

    async fn end_attempt(
        &self,
        id: &SecretId,
        token: &Token,
        outcome: Outcome,
        step: Option<&str>,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        let map = self.lock();
        if map.contains_key(id) {
            self.history_lock()
                .entry(id.clone())
                .or_default()
                .end(token, outcome, step, error, Utc::now());
        }
        Ok(())
    }
}

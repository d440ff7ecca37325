//! The AWS version and stage rules, written once over an in-memory record.
//!
//! [`MemoryStore`](super::MemoryStore) keeps records as they are;
//! [`SqliteStore`](super::SqliteStore) loads one inside a write transaction,
//! applies the same rule, and writes the difference back. `V` is the stored
//! form of a value: plaintext in memory, ciphertext in SQLite.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, Utc};

use super::StoreError;
use super::{
    Deletion, Description, PutOutcome, RotationConfig, SecretId, Stage, Token, VersionId, VersionInfo, VersionRef,
    MAX_DEPRECATED_VERSIONS, MAX_STAGES_PER_VERSION,
};

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct VersionRec<V> {
    pub(crate) value: V,
    pub(crate) stages: BTreeSet<Stage>,
    pub(crate) created: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Record<V> {
    pub(crate) id: SecretId,
    pub(crate) rotation: Option<RotationConfig>,
    pub(crate) created: DateTime<Utc>,
    pub(crate) last_changed: DateTime<Utc>,
    pub(crate) last_rotated: Option<DateTime<Utc>>,
    pub(crate) deletion_date: Option<DateTime<Utc>>,
    pub(crate) versions: BTreeMap<VersionId, VersionRec<V>>,
}

pub(crate) fn secret_not_found(id: &SecretId) -> StoreError {
    StoreError::not_found(format!("secret `{id}`"))
}

fn version_not_found(id: &SecretId, v: &VersionId) -> StoreError {
    StoreError::not_found(format!("version `{v}` of secret `{id}`"))
}

impl<V> Record<V> {
    pub(crate) fn new(id: SecretId, rotation: Option<RotationConfig>, now: DateTime<Utc>) -> Record<V> {
        Record {
            id,
            rotation,
            created: now,
            last_changed: now,
            last_rotated: None,
            deletion_date: None,
            versions: BTreeMap::new(),
        }
    }

    pub(crate) fn describe(&self) -> Description {
        Description {
            id: self.id.clone(),
            rotation: self.rotation.clone(),
            created: self.created,
            last_changed: self.last_changed,
            last_rotated: self.last_rotated,
            deletion_date: self.deletion_date,
            versions: self
                .versions
                .iter()
                .map(|(id, v)| {
                    (
                        id.clone(),
                        VersionInfo {
                            stages: v.stages.clone(),
                            created: v.created,
                        },
                    )
                })
                .collect(),
        }
    }

    /// Whether the recovery window has passed: the record should be dropped.
    pub(crate) fn is_expired(&self, now: DateTime<Utc>) -> bool {
        self.deletion_date.is_some_and(|d| d <= now)
    }

    pub(crate) fn ensure_live(&self) -> Result<(), StoreError> {
        if self.deletion_date.is_some() {
            return Err(StoreError::invalid(format!(
                "secret `{}` is scheduled for deletion (restore it first)",
                self.id
            )));
        }
        Ok(())
    }

    pub(crate) fn holder(&self, stage: &Stage) -> Option<&VersionId> {
        self.versions
            .iter()
            .find(|(_, v)| v.stages.contains(stage))
            .map(|(id, _)| id)
    }

    pub(crate) fn find(&self, which: &VersionRef) -> Result<(&VersionId, &VersionRec<V>), StoreError> {
        match which {
            VersionRef::Id(v) => self
                .versions
                .get_key_value(v)
                .ok_or_else(|| version_not_found(&self.id, v)),
            VersionRef::Stage(s) => self
                .versions
                .iter()
                .find(|(_, rec)| rec.stages.contains(s))
                .ok_or_else(|| StoreError::not_found(format!("stage `{s}` on secret `{}`", self.id))),
        }
    }

    /// Attaches `stage` to `to`, detaching it from wherever it is; AWSPREVIOUS
    /// follows AWSCURRENT. No checks: callers have done them.
    fn attach(&mut self, stage: &Stage, to: &VersionId) {
        let from = self.holder(stage).cloned();
        if from.as_ref() == Some(to) {
            return;
        }
        if let Some(from) = &from {
            self.versions.get_mut(from).expect("holder exists").stages.remove(stage);
        }
        self.versions
            .get_mut(to)
            .expect("target exists")
            .stages
            .insert(stage.clone());
        if let (true, Some(from)) = (stage.is_current(), from) {
            // AWSPREVIOUS moves to the version AWSCURRENT left (and so off
            // the new current version, if it had it). With no version to
            // leave, AWSPREVIOUS stays where it is.
            let prev = Stage::previous();
            if let Some(holder) = self.holder(&prev).cloned() {
                self.versions
                    .get_mut(&holder)
                    .expect("holder exists")
                    .stages
                    .remove(&prev);
            }
            self.versions.get_mut(&from).expect("holder exists").stages.insert(prev);
        }
    }

    fn check_stage_room(&self, v: &VersionId, adding: usize) -> Result<(), StoreError> {
        let have = self.versions.get(v).map_or(0, |r| r.stages.len());
        if have + adding > MAX_STAGES_PER_VERSION {
            return Err(StoreError::invalid(format!(
                "version `{v}` would hold more than {MAX_STAGES_PER_VERSION} stages"
            )));
        }
        Ok(())
    }

    /// PutSecretValue. `make` builds the stored value; `same` says whether an
    /// existing stored value equals the one being put.
    pub(crate) fn put(
        &mut self,
        token: &Token,
        stages: Option<&[Stage]>,
        now: DateTime<Utc>,
        same: impl FnOnce(&V) -> Result<bool, StoreError>,
        make: impl FnOnce() -> Result<V, StoreError>,
    ) -> Result<PutOutcome, StoreError> {
        self.ensure_live()?;
        let version = VersionId::from(token);
        if let Some(existing) = self.versions.get(&version) {
            return if same(&existing.value)? {
                Ok(PutOutcome {
                    version,
                    created: false,
                })
            } else {
                Err(StoreError::already_exists(format!(
                    "version `{version}` of secret `{}` with a different value \
                     (a client request token can be used for one value only)",
                    self.id
                )))
            };
        }
        let stages: BTreeSet<Stage> = match stages {
            None => [Stage::current()].into_iter().collect(),
            Some(s) => s.iter().cloned().collect(),
        };
        if stages.len() > MAX_STAGES_PER_VERSION {
            return Err(StoreError::invalid(format!(
                "a version holds at most {MAX_STAGES_PER_VERSION} stages"
            )));
        }
        let pending = Stage::pending();
        if stages.contains(&pending) {
            if let Some(holder) = self.holder(&pending) {
                let on_current = self.versions[holder].stages.contains(&Stage::current());
                if !on_current {
                    return Err(StoreError::rotation_in_progress(self.id.as_str(), holder.as_str()));
                }
            }
        }
        let value = make()?;
        self.versions.insert(
            version.clone(),
            VersionRec {
                value,
                stages: BTreeSet::new(),
                created: now,
            },
        );
        // AWSCURRENT first, so AWSPREVIOUS lands on the version it left and
        // an explicitly requested AWSPREVIOUS (odd, but allowed) then wins.
        let mut ordered: Vec<&Stage> = stages.iter().filter(|s| s.is_current()).collect();
        ordered.extend(stages.iter().filter(|s| !s.is_current()));
        for stage in ordered {
            self.attach(stage, &version);
        }
        self.last_changed = now;
        self.prune(now);
        Ok(PutOutcome { version, created: true })
    }

    /// finishSecret as one step: AWSCURRENT to `version` (AWSPREVIOUS
    /// follows), AWSPENDING off it, and the rotation recorded at `at` unless
    /// a later one is.
    pub(crate) fn finish(
        &mut self,
        version: &VersionId,
        at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.ensure_live()?;
        let created = self
            .versions
            .get(version)
            .ok_or_else(|| version_not_found(&self.id, version))?
            .created;
        let current = Stage::current();
        let holder = self.holder(&current).cloned();
        if holder.as_ref() != Some(version) {
            self.update_stage(&current, Some(version), holder.as_ref(), now)?;
        }
        let pending = Stage::pending();
        if self.versions[version].stages.contains(&pending) {
            self.update_stage(&pending, None, Some(version), now)?;
        }
        if self.last_rotated.is_none_or(|t| t < created) {
            self.last_rotated = Some(at);
        }
        Ok(())
    }

    /// UpdateSecretVersionStage.
    pub(crate) fn update_stage(
        &mut self,
        stage: &Stage,
        move_to: Option<&VersionId>,
        remove_from: Option<&VersionId>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.ensure_live()?;
        for v in move_to.into_iter().chain(remove_from) {
            if !self.versions.contains_key(v) {
                return Err(version_not_found(&self.id, v));
            }
        }
        let holder = self.holder(stage).cloned();
        match (move_to, remove_from) {
            (None, None) => Err(StoreError::invalid(
                "name a version to move the stage to or to remove it from",
            )),
            (None, Some(from)) => {
                if holder.as_ref() != Some(from) {
                    return Err(StoreError::invalid(format!(
                        "stage `{stage}` is not on version `{from}`"
                    )));
                }
                if stage.is_current() {
                    return Err(StoreError::invalid(
                        "AWSCURRENT can only be moved to another version, not removed",
                    ));
                }
                self.versions.get_mut(from).expect("checked").stages.remove(stage);
                self.last_changed = now;
                self.prune(now);
                Ok(())
            }
            (Some(to), from) => {
                match (&holder, from) {
                    (Some(h), _) if h == to => {
                        // Already there. Naming another version to remove it
                        // from is still a mistake.
                        if let Some(from) = from.filter(|f| *f != to) {
                            return Err(StoreError::invalid(format!(
                                "stage `{stage}` is not on version `{from}`"
                            )));
                        }
                        return Ok(());
                    }
                    (Some(h), None) => {
                        return Err(StoreError::invalid(format!(
                            "stage `{stage}` is attached to version `{h}`: \
                             name it as the version to remove it from"
                        )));
                    }
                    (Some(h), Some(f)) if h != f => {
                        return Err(StoreError::invalid(format!(
                            "stage `{stage}` is on version `{h}`, not on `{f}`"
                        )));
                    }
                    (None, Some(f)) => {
                        return Err(StoreError::invalid(format!("stage `{stage}` is not on version `{f}`")));
                    }
                    _ => {}
                }
                // The version AWSCURRENT leaves trades it for AWSPREVIOUS, so
                // only the destination can grow.
                self.check_stage_room(to, 1)?;
                self.attach(stage, to);
                self.last_changed = now;
                self.prune(now);
                Ok(())
            }
        }
    }

    pub(crate) fn delete(&mut self, how: Deletion, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, StoreError> {
        match how {
            Deletion::Force => Ok(None),
            Deletion::RecoveryWindow { days } => {
                if !(7..=30).contains(&days) {
                    return Err(StoreError::invalid(format!(
                        "recovery window must be 7 to 30 days (found {days})"
                    )));
                }
                if let Some(d) = self.deletion_date {
                    return Ok(Some(d));
                }
                let date = now + Duration::days(i64::from(days));
                self.deletion_date = Some(date);
                Ok(Some(date))
            }
        }
    }

    /// Drops deprecated versions beyond the limit, oldest first, sparing
    /// those younger than 24 hours. Returns the dropped ids.
    pub(crate) fn prune(&mut self, now: DateTime<Utc>) -> Vec<VersionId> {
        let mut deprecated: Vec<(DateTime<Utc>, VersionId)> = self
            .versions
            .iter()
            .filter(|(_, v)| v.stages.is_empty())
            .map(|(id, v)| (v.created, id.clone()))
            .collect();
        if deprecated.len() <= MAX_DEPRECATED_VERSIONS {
            return Vec::new();
        }
        deprecated.sort();
        let excess = deprecated.len() - MAX_DEPRECATED_VERSIONS;
        let cutoff = now - Duration::hours(24);
        let mut dropped = Vec::new();
        for (created, id) in deprecated.into_iter().take(excess) {
            if created < cutoff {
                self.versions.remove(&id);
                dropped.push(id);
            }
        }
        dropped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tok(n: usize) -> Token {
        Token::new(format!("{n:032}")).unwrap()
    }

    #[test]
    fn prune_drops_oldest_deprecated_beyond_100_but_spares_the_young() {
        let now: DateTime<Utc> = "2026-11-20T12:00:00Z".parse().unwrap();
        let mut rec: Record<u32> = Record::new(SecretId::new("s").unwrap(), None, now);
        // 110 versions put one hour apart, oldest first; each new one takes
        // AWSCURRENT, so all but the last two end up deprecated (one holds
        // AWSPREVIOUS).
        let start = now - Duration::hours(110);
        for i in 0..110 {
            let at = start + Duration::hours(i as i64);
            rec.put(&tok(i), None, at, |_| Ok(true), || Ok(i as u32)).unwrap();
        }
        // At the last put (t = now - 1h): 108 deprecated. The 8 oldest are
        // dropped only when older than 24 h, which they all are.
        let mut kept: Vec<usize> = rec.versions.values().map(|v| v.value as usize).collect();
        kept.sort();
        assert_eq!(kept.len(), 102);
        assert_eq!(kept[0], 8, "versions 0..8 were pruned, oldest first");
        assert_eq!(rec.holder(&Stage::current()), Some(&VersionId::from(&tok(109))));
        assert_eq!(rec.holder(&Stage::previous()), Some(&VersionId::from(&tok(108))));

        // Young deprecated versions are never pruned, even beyond 100.
        let mut young: Record<u32> = Record::new(SecretId::new("y").unwrap(), None, now);
        for i in 0..110 {
            let at = now + Duration::minutes(i as i64);
            young.put(&tok(i), None, at, |_| Ok(true), || Ok(i as u32)).unwrap();
        }
        assert_eq!(young.versions.len(), 110);
        // A day later, the next change prunes down to 100 deprecated.
        let later = now + Duration::hours(48);
        young
            .update_stage(&Stage::new("x").unwrap(), Some(&VersionId::from(&tok(0))), None, later)
            .unwrap();
        let deprecated = young.versions.values().filter(|v| v.stages.is_empty()).count();
        assert_eq!(deprecated, 100);
        assert!(
            young.versions.contains_key(&VersionId::from(&tok(0))),
            "it holds `x` now"
        );
    }
}

//! [`AwsSecretsManager`]: a [`SecretStore`] on AWS Secrets Manager.
//!
//! The store speaks the Secrets Manager API directly: CreateSecret,
//! DescribeSecret (+ ListSecretVersionIds for version dates), GetSecretValue,
//! PutSecretValue, UpdateSecretVersionStage, TagResource / UntagResource,
//! DeleteSecret, RestoreSecret, ListSecrets and GetRandomPassword. The
//! rotation steps run in rotaplan's `rotate::Rotator`, never in a
//! Lambda: RotateSecret is never called.
//!
//! # What lives where on AWS
//!
//! - Versions, stages, values, deletion: Secrets Manager's own.
//! - Rotation rules: Secrets Manager keeps `RotationRules` only for secrets
//!   rotated by a Lambda (RotateSecret), and has no place for rotaplan's
//!   strategy or target. So rotaplan keeps its rules in the secret's tags:
//!   [`TAG_SCHEDULE`] (`rotaplan:schedule`, the expression),
//!   [`TAG_DURATION`] (`rotaplan:duration`), [`TAG_STRATEGY`]
//!   (`rotaplan:strategy`) and [`TAG_TARGET`] (`rotaplan:target`). A secret
//!   without those tags but with native rotation enabled reports its native
//!   `RotationRules` (schedule expression, or `rate(N days)` from
//!   `AutomaticallyAfterDays`, and the duration).
//! - Last rotation: `LastRotatedDate` is only set by a Lambda rotation, so
//!   [`SecretStore::mark_rotated`] writes the tag [`TAG_LAST_ROTATED`]
//!   (`rotaplan:last-rotated`, RFC 3339); `describe` reports the later of the
//!   two.
//!
//! # Keeping the store contract over a remote API
//!
//! Each write first describes the secret and checks the spec's rules on that
//! snapshot, with the same code as [`MemoryStore`](super::MemoryStore), then
//! makes the call; AWS's own answers are mapped onto the same questions
//! (`ResourceNotFoundException` → [`StoreError::is_not_found`],
//! `ResourceExistsException` → [`StoreError::is_already_exists`],
//! `InvalidRequestException` / `InvalidParameterException` →
//! [`StoreError::is_invalid_request`]; everything else is a transient
//! [`StoreError::is_store`]). So:
//!
//! - a reused token with another value fails with already-exists even on a
//!   server that would overwrite the version, and a reused token with the
//!   same value reports `created: false`;
//! - a put claiming AWSPENDING fails with rotation-in-progress while another
//!   non-current version holds it. Unlike the local stores this check and
//!   the put are two calls, so racing rotations must go through
//!   [`SecretStore::claim`] (as the scheduler and `plan rotate` do), which
//!   is atomic on AWS: see below.
//! - reads always name a version id or a stage (GetSecretValue without
//!   either is never sent).
//!
//! # Claims: exactly one rotation per due window
//!
//! Secrets Manager has no transactions; its one compare-and-swap is
//! UpdateSecretVersionStage with `RemoveFromVersionId`, which fails unless
//! the label is on that version. The label [`LOCK_STAGE`]
//! (`rotaplan-lock`) rests on AWSCURRENT's version (attached when rules are
//! set, moved by finishSecret, returned by a cancel). A claim puts the new
//! value as the claimant's own version (label `rotaplan-candidate`), then
//! moves the lock from the AWSCURRENT it planned from to that version: one
//! claimant succeeds, the others see the lock elsewhere and skip. The
//! winner moves AWSPENDING to its version and writes its lease to the tag
//! [`TAG_LEASE`] (`OWNER EXPIRES`); until that tag is written the claimed
//! version's creation date stands for it. Taking over a dead owner's
//! rotation writes the tag, waits half a second and reads it back (tags
//! have no compare-and-swap).
//!
//! # Tested against moto
//!
//! The tests run against moto's Secrets Manager server, which departs from
//! AWS in ways the store does not depend on:
//!
//! - GetSecretValue without a stage keeps answering the old value after a
//!   stage move: the store always names a version id or a stage.
//! - A reused token with a different value silently overwrites the version:
//!   the store's own check answers already-exists first, as AWS does.
//! - `VersionIdsToStages` also lists versions without stages (`[]`): those
//!   are the deprecated versions, kept as such.
//! - RotateSecret fails without a Lambda: the store never calls it, and
//!   keeps rotaplan's rules in tags.
//! - ListSecretVersionIds dates every version with the time of the call:
//!   version dates (and so the implicit lease of a just-claimed version)
//!   are only meaningful on AWS.
//! - Two UpdateSecretVersionStage calls attaching one label to one version
//!   at once attach it twice (AWS keeps a set), and then two moves of it
//!   could both succeed: the lock is attached when a secret's rules are
//!   set, where nobody races, never by racing claimants on moto.
//!
//! # Example
//!
//! ```no_run
//! use rotaplan::rotate::Rotator;
//! use rotaplan::store::{AwsSecretsManager, SecretId, Token};
//! use rotaplan::target::NoopTarget;
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let store = AwsSecretsManager::connect(Some("eu-west-1".into()), None).await;
//! let id = SecretId::new("prod/api-key")?;
//! Rotator::new(&store, NoopTarget).rotate(&id, &Token::generate()).await?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use aws_sdk_secretsmanager as sm;
use chrono::{DateTime, Utc};
use sm::error::{ProvideErrorMetadata, SdkError};
use sm::primitives::Blob;
use sm::types::Tag;

use super::claim::{decide, expiry, lease_lost, Decision, CANDIDATE_STAGE};
use super::rules::{Record, VersionRec};
use super::LOCK_STAGE;
use super::{
    Claim, Claimed, Deletion, Description, Lease, Owner, PutOutcome, RotationConfig, SecretId, SecretStore,
    SecretValue, SecretVersion, Skip, Stage, Strategy, TargetSpec, Token, VersionId, VersionInfo, VersionRef,
};
use super::{PasswordPolicy, StoreError};

/// Tag holding the schedule expression of rotaplan's rotation rules.
pub const TAG_SCHEDULE: &str = "rotaplan:schedule";
/// Tag holding the rotation window duration (`3h`), if set.
pub const TAG_DURATION: &str = "rotaplan:duration";
/// Tag holding the strategy (`single-user` / `alternating-users`).
pub const TAG_STRATEGY: &str = "rotaplan:strategy";
/// Tag holding the target (`noop`, `command:PROG`, `postgres`).
pub const TAG_TARGET: &str = "rotaplan:target";
/// Tag holding when rotaplan last finished a rotation (RFC 3339).
pub const TAG_LAST_ROTATED: &str = "rotaplan:last-rotated";

/// Tag holding the lease of the rotation in progress: `OWNER EXPIRES`.
pub const TAG_LEASE: &str = "rotaplan:lease";

const RULE_TAGS: [&str; 4] = [TAG_SCHEDULE, TAG_DURATION, TAG_STRATEGY, TAG_TARGET];

/// A [`SecretStore`] on AWS Secrets Manager (feature `aws`).
///
/// See the [store docs](crate::store) for where rotaplan's data lives on AWS and
/// how the store keeps the version and stage rules.
///
/// # Examples
///
/// A client for a local endpoint with fixed credentials (as the tests do):
///
/// ```no_run
/// use aws_sdk_secretsmanager::config::{BehaviorVersion, Credentials, Region};
/// use rotaplan::store::{AwsSecretsManager, SecretId, SecretStore};
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let conf = aws_sdk_secretsmanager::Config::builder()
///     .behavior_version(BehaviorVersion::latest())
///     .region(Region::new("us-east-1"))
///     .credentials_provider(Credentials::new("test", "test", None, None, "static"))
///     .endpoint_url("http://127.0.0.1:5000")
///     .build();
/// let store = AwsSecretsManager::from_conf(conf);
/// store.create(&SecretId::new("api/key")?, None, None).await?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
#[derive(Clone)]
pub struct AwsSecretsManager {
    client: sm::Client,
}

impl fmt::Debug for AwsSecretsManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let conf = self.client.config();
        f.debug_struct("AwsSecretsManager")
            .field("region", &conf.region().map(|r| r.as_ref()))
            .finish_non_exhaustive()
    }
}

impl AwsSecretsManager {
    /// A store over an existing client.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use rotaplan::store::AwsSecretsManager;
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let conf = aws_config::load_from_env().await;
    /// let store = AwsSecretsManager::new(aws_sdk_secretsmanager::Client::new(&conf));
    /// # let _ = store;
    /// # });
    /// ```
    pub fn new(client: sm::Client) -> AwsSecretsManager {
        AwsSecretsManager { client }
    }

    /// A store over a client built from `conf`.
    ///
    /// # Examples
    ///
    /// ```
    /// use aws_sdk_secretsmanager::config::{BehaviorVersion, Credentials, Region};
    /// use rotaplan::store::AwsSecretsManager;
    /// let conf = aws_sdk_secretsmanager::Config::builder()
    ///     .behavior_version(BehaviorVersion::latest())
    ///     .region(Region::new("us-east-1"))
    ///     .credentials_provider(Credentials::new("test", "test", None, None, "static"))
    ///     .endpoint_url("http://127.0.0.1:5000")
    ///     .build();
    /// let store = AwsSecretsManager::from_conf(conf);
    /// assert!(format!("{store:?}").contains("us-east-1"));
    /// ```
    pub fn from_conf(conf: sm::Config) -> AwsSecretsManager {
        AwsSecretsManager::new(sm::Client::from_conf(conf))
    }

    /// A store configured the usual AWS way (environment, profile, instance
    /// role…), with the region and endpoint overridden when given. For the
    /// command line's `--region` and `--endpoint-url`.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use rotaplan::store::AwsSecretsManager;
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let store = AwsSecretsManager::connect(None, Some("http://127.0.0.1:5000".into())).await;
    /// # let _ = store;
    /// # });
    /// ```
    pub async fn connect(region: Option<String>, endpoint_url: Option<String>) -> AwsSecretsManager {
        let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
        if let Some(region) = region {
            loader = loader.region(aws_config::Region::new(region));
        }
        if let Some(url) = endpoint_url {
            loader = loader.endpoint_url(url);
        }
        let conf = loader.load().await;
        AwsSecretsManager::new(sm::Client::new(&conf))
    }

    /// The underlying client.
    ///
    /// # Examples
    ///
    /// ```
    /// # use aws_sdk_secretsmanager::config::{BehaviorVersion, Region};
    /// # use rotaplan::store::AwsSecretsManager;
    /// # let conf = aws_sdk_secretsmanager::Config::builder()
    /// #     .behavior_version(BehaviorVersion::latest()).region(Region::new("us-east-1")).build();
    /// let store = AwsSecretsManager::from_conf(conf);
    /// assert_eq!(store.client().config().region().map(|r| r.as_ref()), Some("us-east-1"));
    /// ```
    pub fn client(&self) -> &sm::Client {
        &self.client
    }

    /// A password from Secrets Manager's GetRandomPassword, with the same
    /// parameters [`PasswordPolicy::generate`] uses locally.
    ///
    /// # Errors
    ///
    /// Invalid request for a policy AWS rejects; a store error otherwise.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use rotaplan::store::{AwsSecretsManager, PasswordPolicy};
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let store = AwsSecretsManager::connect(None, None).await;
    /// let pw = store.random_password(&PasswordPolicy::default().length(40)).await?;
    /// assert_eq!(pw.expose_bytes().len(), 40);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub async fn random_password(&self, policy: &PasswordPolicy) -> Result<SecretValue, StoreError> {
        let p = policy.parts();
        let mut req = self
            .client
            .get_random_password()
            .password_length(p.length as i64)
            .exclude_numbers(p.exclude_numbers)
            .exclude_punctuation(p.exclude_punctuation)
            .exclude_uppercase(p.exclude_uppercase)
            .exclude_lowercase(p.exclude_lowercase)
            .include_space(p.include_space)
            .require_each_included_type(p.require_each_included_type);
        if !p.exclude_characters.is_empty() {
            req = req.exclude_characters(p.exclude_characters);
        }
        let out = req
            .send()
            .await
            .map_err(|e| map_err("GetRandomPassword", || "random password".to_owned(), e))?;
        out.random_password
            .map(SecretValue::text)
            .ok_or_else(|| StoreError::backend("GetRandomPassword", "the answer held no password"))
    }

    /// DescribeSecret, plus ListSecretVersionIds for each version's date.
    async fn fetch(&self, id: &SecretId) -> Result<Description, StoreError> {
        let out = self
            .client
            .describe_secret()
            .secret_id(id.as_str())
            .send()
            .await
            .map_err(|e| map_err("DescribeSecret", || format!("secret `{id}`"), e))?;
        let created = out.created_date().map(to_chrono).unwrap_or_else(Utc::now);
        let dates = self.version_dates(id).await;
        let mut versions = BTreeMap::new();
        for (vid, stages) in out.version_ids_to_stages().cloned().unwrap_or_default() {
            let vid = VersionId::new(vid)?;
            let stages = stages.into_iter().map(Stage::new).collect::<Result<BTreeSet<_>, _>>()?;
            let created = dates.get(vid.as_str()).copied().unwrap_or(created);
            versions.insert(vid, VersionInfo { stages, created });
        }
        let tags: HashMap<&str, &str> = out.tags().iter().filter_map(|t| Some((t.key()?, t.value()?))).collect();
        let tag_rotated = match tags.get(TAG_LAST_ROTATED) {
            Some(s) => Some(
                DateTime::parse_from_rfc3339(s)
                    .map_err(|e| bad_tag(id, TAG_LAST_ROTATED, e))?
                    .with_timezone(&Utc),
            ),
            None => None,
        };
        let native_rotated = out.last_rotated_date().map(to_chrono);
        Ok(Description {
            id: id.clone(),
            rotation: rotation_of(id, &tags, &out)?,
            created,
            last_changed: out.last_changed_date().map(to_chrono).unwrap_or(created),
            last_rotated: tag_rotated.max(native_rotated),
            deletion_date: out.deleted_date().map(to_chrono),
            versions,
        })
    }

    /// Version id → creation date. Best effort: an empty map when the list
    /// is refused (e.g. while the secret is scheduled for deletion).
    async fn version_dates(&self, id: &SecretId) -> HashMap<String, DateTime<Utc>> {
        let mut dates = HashMap::new();
        let mut next: Option<String> = None;
        loop {
            let out = self
                .client
                .list_secret_version_ids()
                .secret_id(id.as_str())
                .include_deprecated(true)
                .set_next_token(next.take())
                .send()
                .await;
            let Ok(out) = out else {
                return dates;
            };
            for v in out.versions() {
                if let (Some(vid), Some(at)) = (v.version_id(), v.created_date()) {
                    dates.insert(vid.to_owned(), to_chrono(at));
                }
            }
            match out.next_token() {
                Some(t) if !t.is_empty() => next = Some(t.to_owned()),
                _ => return dates,
            }
        }
    }

    /// The lease tag, if any.
    async fn lease(&self, id: &SecretId) -> Result<Option<Lease>, StoreError> {
        let out = self
            .client
            .describe_secret()
            .secret_id(id.as_str())
            .send()
            .await
            .map_err(|e| map_err("DescribeSecret", || format!("secret `{id}`"), e))?;
        let Some(tag) = out.tags().iter().find(|t| t.key() == Some(TAG_LEASE)) else {
            return Ok(None);
        };
        let value = tag.value().unwrap_or_default();
        let (owner, expires) = value.rsplit_once(' ').unwrap_or((value, ""));
        let expires = DateTime::parse_from_rfc3339(expires)
            .map_err(|e| bad_tag(id, TAG_LEASE, e))?
            .with_timezone(&Utc);
        Ok(Some(Lease::new(Owner::new(owner), expires)))
    }

    async fn write_lease(&self, id: &SecretId, owner: &Owner, expires: DateTime<Utc>) -> Result<(), StoreError> {
        let value = format!(
            "{owner} {}",
            expires.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        );
        self.tag(id, vec![Tag::builder().key(TAG_LEASE).value(value).build()])
            .await
    }

    /// UpdateSecretVersionStage as sent, without the snapshot checks.
    async fn move_stage(
        &self,
        id: &SecretId,
        stage: &str,
        to: Option<&VersionId>,
        from: Option<&VersionId>,
    ) -> Result<(), StoreError> {
        self.client
            .update_secret_version_stage()
            .secret_id(id.as_str())
            .version_stage(stage)
            .set_move_to_version_id(to.map(|v| v.as_str().to_owned()))
            .set_remove_from_version_id(from.map(|v| v.as_str().to_owned()))
            .send()
            .await
            .map_err(|e| {
                map_err(
                    "UpdateSecretVersionStage",
                    || format!("stage `{stage}` on secret `{id}`"),
                    e,
                )
            })?;
        Ok(())
    }

    async fn tag(&self, id: &SecretId, tags: Vec<Tag>) -> Result<(), StoreError> {
        if tags.is_empty() {
            return Ok(());
        }
        self.client
            .tag_resource()
            .secret_id(id.as_str())
            .set_tags(Some(tags))
            .send()
            .await
            .map_err(|e| map_err("TagResource", || format!("secret `{id}`"), e))?;
        Ok(())
    }

    async fn untag(&self, id: &SecretId, keys: &[&str]) -> Result<(), StoreError> {
        if keys.is_empty() {
            return Ok(());
        }
        self.client
            .untag_resource()
            .secret_id(id.as_str())
            .set_tag_keys(Some(keys.iter().map(|k| (*k).to_owned()).collect()))
            .send()
            .await
            .map_err(|e| map_err("UntagResource", || format!("secret `{id}`"), e))?;
        Ok(())
    }
}

/// rotaplan's rotation rules as tags.
fn rule_tags(rotation: &RotationConfig) -> Result<Vec<Tag>, StoreError> {
    let mut tags = vec![
        (TAG_SCHEDULE, rotation.schedule.clone()),
        (TAG_STRATEGY, rotation.strategy.to_string()),
        (TAG_TARGET, rotation.target.to_string()),
    ];
    if let Some(d) = &rotation.duration {
        tags.push((TAG_DURATION, d.clone()));
    }
    tags.into_iter()
        .map(|(k, v)| {
            if v.chars().count() > 256 {
                return Err(StoreError::invalid(format!(
                    "tag `{k}` would be longer than 256 characters (AWS's limit for a tag value)"
                )));
            }
            Ok(Tag::builder().key(k).value(v).build())
        })
        .collect()
}

fn bad_tag(id: &SecretId, key: &str, e: impl fmt::Display) -> StoreError {
    StoreError::invalid(format!("tag `{key}` of secret `{id}`: {e}"))
}

/// The rotation rules: rotaplan's tags, else native rules if enabled.
fn rotation_of(
    id: &SecretId,
    tags: &HashMap<&str, &str>,
    out: &sm::operation::describe_secret::DescribeSecretOutput,
) -> Result<Option<RotationConfig>, StoreError> {
    if let Some(schedule) = tags.get(TAG_SCHEDULE) {
        let mut cfg = RotationConfig::new(*schedule);
        cfg.duration = tags.get(TAG_DURATION).map(|d| (*d).to_owned());
        if let Some(s) = tags.get(TAG_STRATEGY) {
            cfg.strategy = s.parse::<Strategy>().map_err(|e| bad_tag(id, TAG_STRATEGY, e))?;
        }
        if let Some(t) = tags.get(TAG_TARGET) {
            cfg.target = t.parse::<TargetSpec>().map_err(|e| bad_tag(id, TAG_TARGET, e))?;
        }
        return Ok(Some(cfg));
    }
    let Some(rules) = out.rotation_rules().filter(|_| out.rotation_enabled() == Some(true)) else {
        return Ok(None);
    };
    let schedule = match (rules.schedule_expression(), rules.automatically_after_days()) {
        (Some(expr), _) => expr.to_owned(),
        (None, Some(1)) => "rate(1 day)".to_owned(),
        (None, Some(n)) => format!("rate({n} days)"),
        (None, None) => return Ok(None),
    };
    let mut cfg = RotationConfig::new(schedule);
    cfg.duration = rules.duration().map(str::to_owned);
    Ok(Some(cfg))
}

fn to_chrono(t: &aws_sdk_secretsmanager::primitives::DateTime) -> DateTime<Utc> {
    DateTime::from_timestamp(t.secs(), t.subsec_nanos()).unwrap_or_default()
}

/// The description as a value-less record, to check the rules on.
fn record_of(d: &Description) -> Record<()> {
    let mut rec = Record::new(d.id.clone(), d.rotation.clone(), d.created);
    rec.last_changed = d.last_changed;
    rec.last_rotated = d.last_rotated;
    rec.deletion_date = d.deletion_date;
    rec.versions = d
        .versions
        .iter()
        .map(|(id, v)| {
            (
                id.clone(),
                VersionRec {
                    value: (),
                    stages: v.stages.clone(),
                    created: v.created,
                },
            )
        })
        .collect();
    rec
}

/// Maps an SDK error onto [`StoreError`]. `what` names the resource
/// ("secret `x`") for not-found and already-exists. AWS's messages name ids
/// and stages, never values.
#[cold]
#[inline(never)]
pub(crate) fn map_err<E, R>(op: &str, what: impl FnOnce() -> String, err: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: fmt::Debug + Send + Sync + 'static,
{
    let message = err.message().unwrap_or("").to_owned();
    let with_message = |s: String| {
        if message.is_empty() {
            s
        } else {
            format!("{s} ({message})")
        }
    };
    match err.code() {
        Some("ResourceNotFoundException") => StoreError::not_found(what()),
        Some("ResourceExistsException") => StoreError::already_exists(what()),
        Some("InvalidRequestException" | "InvalidParameterException") => {
            StoreError::invalid(with_message(format!("{op} on {}", what())))
        }
        _ => StoreError::backend(op, err),
    }
}

impl SecretStore for AwsSecretsManager {
    async fn create(
        &self,
        id: &SecretId,
        initial: Option<(&Token, &SecretValue)>,
        rotation: Option<&RotationConfig>,
    ) -> Result<Description, StoreError> {
        let mut req = self.client.create_secret().name(id.as_str());
        if let Some(rotation) = rotation {
            req = req.set_tags(Some(rule_tags(rotation)?));
        }
        if let Some((token, value)) = initial {
            req = req.client_request_token(token.as_str());
            req = match value.expose_str() {
                Some(s) => req.secret_string(s),
                None => req.secret_binary(Blob::new(value.expose_bytes())),
            };
        }
        req.send()
            .await
            .map_err(|e| map_err("CreateSecret", || format!("secret `{id}`"), e))?;
        if let (Some((token, _)), Some(_)) = (initial, rotation) {
            // The claim lock starts on AWSCURRENT's version while nobody
            // can race for it yet (moto, unlike AWS, would attach a label
            // twice if two claimants attached it at once).
            self.move_stage(id, LOCK_STAGE, Some(&VersionId::from(token)), None)
                .await?;
        }
        self.fetch(id).await
    }

    async fn describe(&self, id: &SecretId) -> Result<Description, StoreError> {
        self.fetch(id).await
    }

    async fn get_value(&self, id: &SecretId, which: &VersionRef) -> Result<SecretVersion, StoreError> {
        let req = self.client.get_secret_value().secret_id(id.as_str());
        let (req, what) = match which {
            VersionRef::Id(v) => (req.version_id(v.as_str()), format!("version `{v}` of secret `{id}`")),
            VersionRef::Stage(s) => (req.version_stage(s.as_str()), format!("stage `{s}` on secret `{id}`")),
        };
        let out = req
            .send()
            .await
            .map_err(|e| map_err("GetSecretValue", || what.clone(), e))?;
        let version = VersionId::new(out.version_id.clone().unwrap_or_default())?;
        let stages = out
            .version_stages()
            .iter()
            .cloned()
            .map(Stage::new)
            .collect::<Result<BTreeSet<_>, _>>()?;
        let created = out.created_date().map(to_chrono).unwrap_or_default();
        let value = match (out.secret_string, out.secret_binary) {
            (Some(s), _) => SecretValue::text(s),
            (None, Some(b)) => SecretValue::binary(b.into_inner()),
            (None, None) => return Err(StoreError::not_found(format!("value of {what}"))),
        };
        Ok(SecretVersion {
            version,
            stages,
            created,
            value,
        })
    }

    async fn put_value(
        &self,
        id: &SecretId,
        token: &Token,
        value: &SecretValue,
        stages: Option<&[Stage]>,
    ) -> Result<PutOutcome, StoreError> {
        let d = self.fetch(id).await?;
        let version = VersionId::from(token);
        let mut rec = record_of(&d);
        rec.ensure_live()?;
        if d.versions.contains_key(&version) {
            let existing = self.get_value(id, &VersionRef::Id(version.clone())).await?;
            return rec.put(token, stages, Utc::now(), |_| Ok(existing.value == *value), || Ok(()));
        }
        // The rules on the snapshot: stage count, the AWSPENDING claim.
        rec.put(token, stages, Utc::now(), |_| Ok(false), || Ok(()))?;
        let mut req = self
            .client
            .put_secret_value()
            .secret_id(id.as_str())
            .client_request_token(token.as_str())
            .set_version_stages(stages.map(|s| s.iter().map(|s| s.as_str().to_owned()).collect()));
        req = match value.expose_str() {
            Some(s) => req.secret_string(s),
            None => req.secret_binary(Blob::new(value.expose_bytes())),
        };
        req.send().await.map_err(|e| {
            let what = if e.code() == Some("ResourceExistsException") {
                format!("version `{version}` of secret `{id}` with a different value")
            } else {
                format!("secret `{id}`")
            };
            map_err("PutSecretValue", || what, e)
        })?;
        Ok(PutOutcome { version, created: true })
    }

    async fn update_stage(
        &self,
        id: &SecretId,
        stage: &Stage,
        move_to: Option<&VersionId>,
        remove_from: Option<&VersionId>,
    ) -> Result<(), StoreError> {
        let d = self.fetch(id).await?;
        let holder = d.version_with(stage).cloned();
        record_of(&d).update_stage(stage, move_to, remove_from, Utc::now())?;
        if move_to.is_some() && holder.as_ref() == move_to {
            return Ok(()); // already there
        }
        self.move_stage(id, stage.as_str(), move_to, remove_from).await
    }

    async fn set_rotation(&self, id: &SecretId, rotation: Option<&RotationConfig>) -> Result<(), StoreError> {
        let d = self.fetch(id).await?;
        record_of(&d).ensure_live()?;
        match rotation {
            Some(cfg) => {
                self.tag(id, rule_tags(cfg)?).await?;
                let lock = Stage::new(LOCK_STAGE)?;
                if let (None, Some(current)) = (d.version_with(&lock), d.version_with(&Stage::current())) {
                    self.move_stage(id, LOCK_STAGE, Some(current), None).await?;
                }
                if cfg.duration.is_none() {
                    self.untag(id, &[TAG_DURATION]).await?;
                }
            }
            None => self.untag(id, &RULE_TAGS).await?,
        }
        Ok(())
    }

    async fn mark_rotated(&self, id: &SecretId, at: DateTime<Utc>) -> Result<(), StoreError> {
        record_of(&self.fetch(id).await?).ensure_live()?;
        let at = at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        self.tag(id, vec![Tag::builder().key(TAG_LAST_ROTATED).value(at).build()])
            .await
    }

    async fn delete(&self, id: &SecretId, how: Deletion) -> Result<DateTime<Utc>, StoreError> {
        let d = self.fetch(id).await?;
        let req = self.client.delete_secret().secret_id(id.as_str());
        let req = match how {
            Deletion::Force => req.force_delete_without_recovery(true),
            Deletion::RecoveryWindow { days } => {
                if !(7..=30).contains(&days) {
                    return Err(StoreError::invalid(format!(
                        "recovery window must be 7 to 30 days (found {days})"
                    )));
                }
                if let Some(date) = d.deletion_date {
                    return Ok(date); // already scheduled: nothing changes
                }
                req.recovery_window_in_days(i64::from(days))
            }
        };
        let out = req
            .send()
            .await
            .map_err(|e| map_err("DeleteSecret", || format!("secret `{id}`"), e))?;
        Ok(out.deletion_date().map(to_chrono).unwrap_or_else(Utc::now))
    }

    async fn restore(&self, id: &SecretId) -> Result<(), StoreError> {
        self.client
            .restore_secret()
            .secret_id(id.as_str())
            .send()
            .await
            .map_err(|e| map_err("RestoreSecret", || format!("secret `{id}`"), e))?;
        Ok(())
    }

    async fn claim(&self, id: &SecretId, claim: &Claim) -> Result<Claimed, StoreError> {
        let lock = Stage::new(LOCK_STAGE)?;
        let d = self.fetch(id).await?;
        let current = d.version_with(&Stage::current()).cloned();
        let mut rec = record_of(&d);
        // A version holding the lock and nothing but claim labels is a
        // claimed rotation, even if its owner died before moving AWSPENDING
        // there. (A lock left elsewhere, e.g. on AWSPREVIOUS after a plain
        // put, is stale and goes back to AWSCURRENT below.)
        let candidate = Stage::new(CANDIDATE_STAGE)?;
        let in_flight = d.version_with(&lock).filter(|v| {
            Some(*v) != current.as_ref()
                && d.versions[*v]
                    .stages
                    .iter()
                    .all(|s| *s == lock || *s == candidate || s.is_pending())
        });
        if let Some(locked) = in_flight {
            if rec
                .holder(&Stage::pending())
                .is_none_or(|p| Some(p) == current.as_ref())
            {
                let pending = Stage::pending();
                for v in rec.versions.values_mut() {
                    v.stages.remove(&pending);
                }
                rec.versions.get_mut(locked).expect("listed").stages.insert(pending);
            }
        }
        let mut lease = self.lease(id).await?;
        let now = Utc::now();
        if let Some(v) = in_flight {
            // Between winning the lock and writing its lease tag a claimant
            // holds an implicit lease, from its version's creation: without
            // it a third run could take the rotation over in that gap.
            let created = d.versions[v].created;
            if lease.as_ref().is_none_or(|l| l.expires < created) {
                lease = Some(Lease::new(
                    Owner::new("the run that claimed it"),
                    expiry(created, claim.ttl),
                ));
            }
        }
        match decide(&rec, lease.as_ref(), claim, now)? {
            Decision::Skip(skip) => Ok(Claimed::Skipped(skip)),
            Decision::Resume(p) => {
                // Taking over a dead owner's rotation: tags have no
                // compare-and-swap, so write, wait, and read back; of two
                // racing takers the later write wins and the other backs off.
                self.write_lease(id, &claim.owner, claim.expires(now)).await?;
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                match self.lease(id).await? {
                    Some(l) if l.owner == claim.owner => {}
                    other => {
                        return Ok(Claimed::Skipped(Skip::RotatingElsewhere {
                            owner: other.map_or_else(|| Owner::new("unknown"), |l| l.owner),
                        }))
                    }
                }
                let d = self.fetch(id).await?;
                let pending = d.version_with(&Stage::pending()).cloned();
                if pending.as_ref() != Some(&p) {
                    self.move_stage(id, Stage::PENDING, Some(&p), pending.as_ref()).await?;
                }
                let locked = d.version_with(&lock).cloned();
                if locked.as_ref() != Some(&p) {
                    self.move_stage(id, LOCK_STAGE, Some(&p), locked.as_ref()).await?;
                }
                Ok(Claimed::Resumed(p))
            }
            Decision::Start => {
                let Some(current) = current else {
                    return Err(StoreError::not_found(format!("stage `AWSCURRENT` on secret `{id}`")));
                };
                match d.version_with(&lock) {
                    // A secret rotaplan never rotated: rest the lock on
                    // AWSCURRENT (AWS attaches a label once however many
                    // claimants do this; see `create` for moto).
                    None => self.move_stage(id, LOCK_STAGE, Some(&current), None).await?,
                    // A stale lock: back to AWSCURRENT, itself a
                    // compare-and-swap, so losing it is fine.
                    Some(stale) if *stale != current => {
                        let _ = self.move_stage(id, LOCK_STAGE, Some(&current), Some(stale)).await;
                    }
                    Some(_) => {}
                }
                let mine = VersionId::from(&claim.token);
                let mut req = self
                    .client
                    .put_secret_value()
                    .secret_id(id.as_str())
                    .client_request_token(claim.token.as_str())
                    .version_stages(CANDIDATE_STAGE);
                req = match claim.value.expose_str() {
                    Some(s) => req.secret_string(s),
                    None => req.secret_binary(Blob::new(claim.value.expose_bytes())),
                };
                req.send()
                    .await
                    .map_err(|e| map_err("PutSecretValue", || format!("secret `{id}`"), e))?;
                // The claim itself: only one move of the lock off AWSCURRENT's
                // version can succeed. Whatever the answer, the lock's holder
                // afterwards is the truth (an answer can be lost).
                let cas = self.move_stage(id, LOCK_STAGE, Some(&mine), Some(&current)).await;
                let after = self.fetch(id).await?;
                if after.versions.get(&mine).is_some_and(|v| v.stages.contains(&candidate)) {
                    let _ = self.move_stage(id, CANDIDATE_STAGE, None, Some(&mine)).await;
                }
                if after.version_with(&lock) != Some(&mine) {
                    tracing::debug!(secret = %id, error = ?cas.err(), "lost the claim");
                    let moved = after.version_with(&Stage::current()) != Some(&current)
                        || after.last_rotated != claim.last_rotated;
                    return Ok(Claimed::Skipped(if moved {
                        Skip::AlreadyRotated
                    } else {
                        Skip::RotatingElsewhere {
                            owner: self
                                .lease(id)
                                .await?
                                .map_or_else(|| Owner::new("another run"), |l| l.owner),
                        }
                    }));
                }
                self.write_lease(id, &claim.owner, claim.expires(now)).await?;
                let pending = after.version_with(&Stage::pending()).cloned();
                self.move_stage(id, Stage::PENDING, Some(&mine), pending.as_ref())
                    .await?;
                Ok(Claimed::Started(mine))
            }
        }
    }

    async fn renew(&self, id: &SecretId, owner: &Owner, ttl: std::time::Duration) -> Result<(), StoreError> {
        match self.lease(id).await? {
            Some(l) if &l.owner == owner => self.write_lease(id, owner, expiry(Utc::now(), ttl)).await,
            _ => Err(lease_lost(id, owner)),
        }
    }

    async fn release(&self, id: &SecretId, owner: &Owner) -> Result<(), StoreError> {
        match self.lease(id).await? {
            Some(l) if &l.owner == owner => self.untag(id, &[TAG_LEASE]).await,
            _ => Ok(()),
        }
    }

    async fn list(&self) -> Result<Vec<Description>, StoreError> {
        let mut names = Vec::new();
        let mut next: Option<String> = None;
        loop {
            let out = self
                .client
                .list_secrets()
                .include_planned_deletion(true)
                .set_next_token(next.take())
                .send()
                .await
                .map_err(|e| map_err("ListSecrets", || "secrets".to_owned(), e))?;
            for s in out.secret_list() {
                if let Some(name) = s.name() {
                    names.push(SecretId::new(name)?);
                }
            }
            match out.next_token() {
                Some(t) if !t.is_empty() => next = Some(t.to_owned()),
                _ => break,
            }
        }
        names.sort();
        let mut all = Vec::with_capacity(names.len());
        for id in names {
            match self.fetch(&id).await {
                Ok(d) => all.push(d),
                Err(e) if e.is_not_found() => {} // deleted since listed
                Err(e) => return Err(e),
            }
        }
        Ok(all)
    }
}

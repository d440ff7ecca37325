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
//! winner moves AWSPENDING to its version. The claimed version's creation
//! date stands for the winner's lease; the tag [`TAG_LEASE`]
//! (`OWNER [VERSION] EXPIRES`) is only written when a rotation outlasts
//! half a step time-out (the driver renews then), by a failed rotation's release (ending the lease so
//! the next run resumes), and when taking over a dead owner's rotation,
//! which writes the tag, waits half a second and reads it back (tags have
//! no compare-and-swap).
//!
//! # Few calls
//!
//! A claimed rotation reads the secret once, with the claim, and follows
//! it through the store's own writes until it is released (nobody else
//! writes while its lease is live); values are read once per version.
//! ListSecretVersionIds is only called while a version's date matters (a
//! rotation in flight or half finished), and [`SecretStore::list`] builds
//! every description from ListSecrets alone. A scheduled rotation takes 9
//! calls, 6 of them writes (`tests/rotate_aws_calls.rs`).
//!
//! # Lost answers
//!
//! [`AwsSecretsManager::connect`] retries transport failures, time-outs,
//! 5xx and throttling ([`AwsSecretsManager::retry_config`]). Every write
//! can be repeated: PutSecretValue carries its token; tags are set to
//! values; UpdateSecretVersionStage is sent without the SDK's retries and,
//! when it fails, the store reads the secret: a move found done (its answer
//! was lost) counts as done, one not done is sent again.
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
use std::sync::{Arc, Mutex};
use std::time::Duration;

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
    /// The client-side write rate limit, shared by clones.
    writes: Arc<WriteLimit>,
    /// Secrets this store has claimed and not yet released, with what it
    /// knows of them (see [`Active`]). Shared by clones.
    active: Arc<Mutex<Claims>>,
}

/// What the store remembers between the calls of the rotations it claimed,
/// so that each fact is read once per rotation.
#[derive(Default)]
struct Claims {
    /// Claimed secrets.
    active: HashMap<SecretId, Active>,
    /// AWSCURRENT's value as last read per secret, kept for the rotation
    /// that is about to claim it (a version's value never changes).
    current: HashMap<SecretId, SecretVersion>,
}

/// One claimed rotation.
struct Active {
    owner: Owner,
    /// The claimed version.
    version: VersionId,
    /// The secret as this store last saw or wrote it; `None` after a write
    /// whose effect the store did not apply itself (read again on demand).
    description: Option<Description>,
    /// Whether this owner wrote [`TAG_LEASE`] (so release must remove it).
    lease_tag: bool,
    /// Values read or written during the rotation, by version.
    values: HashMap<VersionId, (DateTime<Utc>, SecretValue)>,
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
        // Transport failures (a connection reset or closed before the
        // answer) are retried by the SDK like time-outs, 5xx and throttling.
        let conf = client.config().to_builder().retry_classifier(TransportErrors).build();
        AwsSecretsManager {
            client: sm::Client::from_conf(conf),
            writes: Arc::new(WriteLimit::new(DEFAULT_MAX_WRITES_PER_SECOND)),
            active: Arc::default(),
        }
    }

    /// At most `per_second` writes (PutSecretValue, UpdateSecretVersionStage,
    /// TagResource, UntagResource, CreateSecret, DeleteSecret,
    /// RestoreSecret) per second from this store and its clones, bursts of
    /// up to a second's worth included (a token bucket; default 40, AWS's
    /// own quota for
    /// PutSecretValue and UpdateSecretVersionStage is 50). A write waits
    /// for its token; reads are not limited. Not a number above zero means
    /// no limit.
    ///
    /// # Examples
    ///
    /// ```
    /// # use aws_sdk_secretsmanager::config::{BehaviorVersion, Region};
    /// # use rotaplan::store::AwsSecretsManager;
    /// # let conf = aws_sdk_secretsmanager::Config::builder()
    /// #     .behavior_version(BehaviorVersion::latest()).region(Region::new("us-east-1")).build();
    /// let store = AwsSecretsManager::from_conf(conf).max_writes_per_second(10.0);
    /// # let _ = store;
    /// ```
    pub fn max_writes_per_second(mut self, per_second: f64) -> AwsSecretsManager {
        self.writes = Arc::new(WriteLimit::new(per_second));
        self
    }

    /// The retry configuration [`connect`](Self::connect) uses: standard
    /// mode, 10 attempts, 50 ms doubling to at most 2 s with jitter. With
    /// the store's own classifier, connection resets and connections closed
    /// before the answer are retried too. Every write the store makes can be
    /// repeated: PutSecretValue carries its token, tags are set to values,
    /// and a stage move whose first answer was lost is recognised as done.
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::store::AwsSecretsManager;
    /// assert_eq!(AwsSecretsManager::retry_config().max_attempts(), 10);
    /// ```
    pub fn retry_config() -> sm::config::retry::RetryConfig {
        sm::config::retry::RetryConfig::standard()
            .with_max_attempts(10)
            .with_initial_backoff(Duration::from_millis(50))
            .with_max_backoff(Duration::from_secs(2))
    }

    /// The retry partition [`connect`](Self::connect) uses: its own, with
    /// no retry quota, so that a burst of lost connections cannot use up the
    /// SDK's shared budget and fail steps that one more attempt would pass.
    ///
    /// # Examples
    ///
    /// ```
    /// let _ = rotaplan::store::AwsSecretsManager::retry_partition();
    /// ```
    pub fn retry_partition() -> sm::config::retry::RetryPartition {
        sm::config::retry::RetryPartition::custom("rotaplan")
            .token_bucket(sm::config::retry::TokenBucket::unlimited())
            .build()
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
        let conf = loader
            .retry_config(AwsSecretsManager::retry_config())
            .timeout_config(
                aws_config::timeout::TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(5))
                    .operation_attempt_timeout(Duration::from_secs(20))
                    .build(),
            )
            .load()
            .await;
        let conf = sm::config::Builder::from(&conf)
            .retry_partition(AwsSecretsManager::retry_partition())
            .build();
        AwsSecretsManager::new(sm::Client::from_conf(conf))
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

    /// The secret as it is now: DescribeSecret, plus ListSecretVersionIds
    /// only when a version's date matters (see [`needs_dates`]). The rule
    /// checks before a write need no dates (they only matter for pruning,
    /// which AWS does itself) and read with `fetch_dated(id, false)`.
    async fn fetch(&self, id: &SecretId) -> Result<Description, StoreError> {
        Ok(self.fetch_full(id).await?.0)
    }

    /// [`fetch`](Self::fetch) and the lease tag, from one DescribeSecret.
    async fn fetch_full(&self, id: &SecretId) -> Result<(Description, Option<(Lease, Option<VersionId>)>), StoreError> {
        self.fetch_dated(id, true).await
    }

    /// [`fetch_full`](Self::fetch_full), without version dates unless
    /// `dates`.
    async fn fetch_dated(
        &self,
        id: &SecretId,
        dates: bool,
    ) -> Result<(Description, Option<(Lease, Option<VersionId>)>), StoreError> {
        let out = self
            .client
            .describe_secret()
            .secret_id(id.as_str())
            .send()
            .await
            .map_err(|e| map_err("DescribeSecret", || format!("secret `{id}`"), e))?;
        let parts = Parts {
            created: out.created_date(),
            last_changed: out.last_changed_date(),
            last_rotated: out.last_rotated_date(),
            deleted: out.deleted_date(),
            tags: out.tags(),
            versions: out.version_ids_to_stages(),
            rotation_enabled: out.rotation_enabled(),
            rotation_rules: out.rotation_rules(),
        };
        let mut d = description(id, &parts, &HashMap::new())?;
        if dates && needs_dates(&d) {
            let dates = self.version_dates(id).await;
            d = description(id, &parts, &dates)?;
        }
        let lease = lease_of(id, parts.tags)?;
        Ok((d, lease))
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
        Ok(self.fetch_dated(id, false).await?.1.map(|(l, _)| l))
    }

    /// Writes the lease tag: `OWNER [VERSION] EXPIRES`. A tag naming the
    /// claimed version overrides the implicit lease of that version's date
    /// (also when it is earlier: a lease ended by `release`).
    async fn write_lease(
        &self,
        id: &SecretId,
        owner: &Owner,
        version: Option<&VersionId>,
        expires: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let expires = expires.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let value = match version {
            Some(v) => format!("{owner} {v} {expires}"),
            None => format!("{owner} {expires}"),
        };
        self.tag(id, vec![Tag::builder().key(TAG_LEASE).value(value).build()])
            .await
    }

    /// The active claim on `id` by this store, if any.
    fn with_active<R>(&self, id: &SecretId, f: impl FnOnce(&mut Active) -> R) -> Option<R> {
        let mut claims = self.active.lock().unwrap_or_else(|e| e.into_inner());
        claims.active.get_mut(id).map(f)
    }

    /// Forgets what a claimed rotation knows of `id` after a write whose
    /// effect the store does not apply itself.
    fn invalidate(&self, id: &SecretId) {
        self.with_active(id, |a| a.description = None);
    }

    /// Applies this store's own successful write to the claimed
    /// rotation's description (or forgets it if that fails).
    fn apply(&self, id: &SecretId, f: impl FnOnce(&mut Record<()>) -> Result<(), StoreError>) {
        self.with_active(id, |a| {
            a.description = a.description.take().and_then(|d| {
                let mut rec = record_of(&d);
                f(&mut rec).ok().map(|()| rec.describe())
            });
        });
    }

    /// A stage move that may be repeated safely. UpdateSecretVersionStage
    /// is sent without the SDK's retries (moto, unlike AWS, attaches a
    /// label twice when a move without `from` is repeated); when it fails,
    /// the secret is read again: a move found done (its answer was lost)
    /// counts as done, and one not done is sent again after a transient
    /// failure, up to five times.
    async fn move_stage_once(
        &self,
        id: &SecretId,
        stage: &str,
        to: Option<&VersionId>,
        from: Option<&VersionId>,
    ) -> Result<(), StoreError> {
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let Err(err) = self.move_stage(id, stage, to, from).await else {
                let stage = Stage::new(stage)?;
                self.apply(id, |rec| rec.update_stage(&stage, to, from, Utc::now()));
                return Ok(());
            };
            if err.is_not_found() {
                return Err(err);
            }
            self.invalidate(id);
            let d = self.fetch(id).await?;
            let holder = d
                .versions
                .iter()
                .find(|(_, i)| i.stages.iter().any(|s| s.as_str() == stage));
            let holder = holder.map(|(v, _)| v);
            let done = match to {
                Some(to) => holder == Some(to),
                None => holder != from,
            };
            if done {
                tracing::debug!(secret = %id, stage, error = %err, "stage move found done");
                self.with_active(id, |a| a.description = Some(d));
                return Ok(());
            }
            if !err.is_store() || attempt >= 5 || holder != from {
                return Err(err);
            }
            tokio::time::sleep(Duration::from_millis(50 << attempt)).await;
        }
    }

    /// GetSecretValue by version id or stage.
    async fn read_value(&self, id: &SecretId, which: &VersionRef) -> Result<SecretVersion, StoreError> {
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

    /// Remembers a granted claim, with AWSCURRENT's value if it was read
    /// for it.
    fn activate(&self, id: &SecretId, mut active: Active) {
        let mut claims = self.active.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(cur) = claims.current.remove(id) {
            active.values.insert(cur.version, (cur.created, cur.value));
        }
        claims.active.insert(id.clone(), active);
    }

    /// UpdateSecretVersionStage as sent, without the snapshot checks.
    async fn move_stage(
        &self,
        id: &SecretId,
        stage: &str,
        to: Option<&VersionId>,
        from: Option<&VersionId>,
    ) -> Result<(), StoreError> {
        self.writes.wait().await;
        self.client
            .update_secret_version_stage()
            .secret_id(id.as_str())
            .version_stage(stage)
            .set_move_to_version_id(to.map(|v| v.as_str().to_owned()))
            .set_remove_from_version_id(from.map(|v| v.as_str().to_owned()))
            .customize()
            .config_override(sm::config::Builder::default().retry_config(sm::config::retry::RetryConfig::disabled()))
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
        self.writes.wait().await;
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
        self.writes.wait().await;
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

/// The default of [`AwsSecretsManager::max_writes_per_second`].
const DEFAULT_MAX_WRITES_PER_SECOND: f64 = 40.0;

/// A token bucket: `rate` tokens a second, at most `rate` (at least one)
/// held.
struct WriteLimit {
    rate: f64,
    state: Mutex<(f64, std::time::Instant)>,
}

impl WriteLimit {
    fn new(rate: f64) -> WriteLimit {
        let rate = if rate.is_finite() && rate > 0.0 { rate } else { 0.0 };
        WriteLimit {
            rate,
            state: Mutex::new((rate.max(1.0), std::time::Instant::now())),
        }
    }

    /// Takes a token, waiting for one if the bucket is empty.
    async fn wait(&self) {
        if self.rate == 0.0 {
            return;
        }
        let delay = {
            let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
            let now = std::time::Instant::now();
            let (tokens, last) = *st;
            let tokens = (tokens + now.duration_since(last).as_secs_f64() * self.rate).min(self.rate.max(1.0)) - 1.0;
            *st = (tokens, now);
            // A negative balance is this write's place in the queue.
            (tokens < 0.0).then(|| Duration::from_secs_f64(-tokens / self.rate))
        };
        if let Some(d) = delay {
            tokio::time::sleep(d).await;
        }
    }
}

/// The fields of DescribeSecret's and ListSecrets' answers a description
/// is made of.
struct Parts<'a> {
    created: Option<&'a sm::primitives::DateTime>,
    last_changed: Option<&'a sm::primitives::DateTime>,
    last_rotated: Option<&'a sm::primitives::DateTime>,
    deleted: Option<&'a sm::primitives::DateTime>,
    tags: &'a [Tag],
    versions: Option<&'a HashMap<String, Vec<String>>>,
    rotation_enabled: Option<bool>,
    rotation_rules: Option<&'a sm::types::RotationRulesType>,
}

/// A description from `parts`; versions missing from `dates` are dated
/// with the secret's creation.
fn description(
    id: &SecretId,
    parts: &Parts<'_>,
    dates: &HashMap<String, DateTime<Utc>>,
) -> Result<Description, StoreError> {
    let created = parts.created.map(to_chrono).unwrap_or_else(Utc::now);
    let mut versions = BTreeMap::new();
    for (vid, stages) in parts.versions.into_iter().flatten() {
        let created = dates.get(vid.as_str()).copied().unwrap_or(created);
        let vid = VersionId::new(vid.clone())?;
        let stages = stages
            .iter()
            .cloned()
            .map(Stage::new)
            .collect::<Result<BTreeSet<_>, _>>()?;
        versions.insert(vid, VersionInfo { stages, created });
    }
    let tags: HashMap<&str, &str> = parts.tags.iter().filter_map(|t| Some((t.key()?, t.value()?))).collect();
    let tag_rotated = match tags.get(TAG_LAST_ROTATED) {
        Some(s) => Some(
            DateTime::parse_from_rfc3339(s)
                .map_err(|e| bad_tag(id, TAG_LAST_ROTATED, e))?
                .with_timezone(&Utc),
        ),
        None => None,
    };
    let native_rotated = parts.last_rotated.map(to_chrono);
    Ok(Description {
        id: id.clone(),
        rotation: rotation_of(id, &tags, parts.rotation_enabled, parts.rotation_rules)?,
        created,
        last_changed: parts.last_changed.map(to_chrono).unwrap_or(created),
        last_rotated: tag_rotated.max(native_rotated),
        deletion_date: parts.deleted.map(to_chrono),
        versions,
    })
}

/// Whether a version's creation date matters: it does while a rotation is
/// in flight (AWSPENDING or the claim lock off AWSCURRENT: the date stands
/// for the claimant's lease) or half finished (AWSPENDING on AWSCURRENT:
/// was it recorded?). At rest, and so for planning, it does not, and
/// ListSecretVersionIds is not called.
fn needs_dates(d: &Description) -> bool {
    let current = d.version_with(&Stage::current());
    let off_current = |stage: &str| {
        d.versions
            .iter()
            .any(|(v, i)| i.stages.iter().any(|s| s.as_str() == stage) && Some(v) != current)
    };
    off_current(Stage::PENDING)
        || off_current(LOCK_STAGE)
        || current.is_some_and(|c| d.versions[c].stages.contains(&Stage::pending()))
}

/// `d` with `stage` moved to `to` (as UpdateSecretVersionStage did).
fn moved(d: &Description, stage: &Stage, to: &VersionId, from: Option<&VersionId>) -> Description {
    let mut d = d.clone();
    for v in d.versions.values_mut() {
        v.stages.remove(stage);
    }
    if stage.is_current() {
        let prev = Stage::previous();
        if let Some(from) = from {
            for v in d.versions.values_mut() {
                v.stages.remove(&prev);
            }
            if let Some(v) = d.versions.get_mut(from) {
                v.stages.insert(prev);
            }
        }
    }
    if let Some(v) = d.versions.get_mut(to) {
        v.stages.insert(stage.clone());
    }
    d
}

/// The lease tag among `tags`.
fn lease_of(id: &SecretId, tags: &[Tag]) -> Result<Option<(Lease, Option<VersionId>)>, StoreError> {
    let Some(tag) = tags.iter().find(|t| t.key() == Some(TAG_LEASE)) else {
        return Ok(None);
    };
    let value = tag.value().unwrap_or_default();
    let (owner, expires) = value.rsplit_once(' ').unwrap_or((value, ""));
    let expires = DateTime::parse_from_rfc3339(expires)
        .map_err(|e| bad_tag(id, TAG_LEASE, e))?
        .with_timezone(&Utc);
    let (owner, version) = match owner.split_once(' ') {
        Some((owner, v)) => (owner, Some(VersionId::new(v)?)),
        None => (owner, None),
    };
    Ok(Some((Lease::new(Owner::new(owner), expires), version)))
}

/// Retries what the standard classifiers leave alone: a request whose
/// connection failed (reset, closed before the answer, refused). Every
/// call the store makes can be repeated (see
/// [`AwsSecretsManager::retry_config`]).
#[derive(Debug)]
struct TransportErrors;

impl sm::config::retry::ClassifyRetry for TransportErrors {
    fn classify_retry(&self, ctx: &sm::config::interceptors::InterceptorContext) -> sm::config::retry::RetryAction {
        match ctx.output_or_error() {
            Some(Err(e)) if e.is_connector_error() || e.is_timeout_error() => {
                sm::config::retry::RetryAction::transient_error()
            }
            _ => sm::config::retry::RetryAction::NoActionIndicated,
        }
    }

    fn name(&self) -> &'static str {
        "rotaplan transport errors"
    }
}

/// The rotation rules: rotaplan's tags, else native rules if enabled.
fn rotation_of(
    id: &SecretId,
    tags: &HashMap<&str, &str>,
    enabled: Option<bool>,
    rules: Option<&sm::types::RotationRulesType>,
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
    let Some(rules) = rules.filter(|_| enabled == Some(true)) else {
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
        self.writes.wait().await;
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
            self.move_stage_once(id, LOCK_STAGE, Some(&VersionId::from(token)), None)
                .await?;
        }
        self.fetch(id).await
    }

    async fn describe(&self, id: &SecretId) -> Result<Description, StoreError> {
        // A claimed rotation reads the secret once and follows its own
        // writes; nobody else writes while its lease is live.
        match self.with_active(id, |a| a.description.clone()) {
            Some(Some(d)) => Ok(d),
            Some(None) => {
                let d = self.fetch(id).await?;
                self.with_active(id, |a| a.description = Some(d.clone()));
                Ok(d)
            }
            None => self.fetch(id).await,
        }
    }

    async fn get_value(&self, id: &SecretId, which: &VersionRef) -> Result<SecretVersion, StoreError> {
        // In a claimed rotation, a value already read or written (values of
        // versions never change) is not read again.
        let known = self.with_active(id, |a| {
            let d = a.description.as_ref()?;
            let (version, info) = match which {
                VersionRef::Id(v) => (v, d.versions.get(v)?),
                VersionRef::Stage(s) => {
                    let v = d.version_with(s)?;
                    (v, &d.versions[v])
                }
            };
            let (created, value) = a.values.get(version)?;
            Some(SecretVersion {
                version: version.clone(),
                stages: info.stages.clone(),
                created: *created,
                value: value.clone(),
            })
        });
        if let Some(Some(v)) = known {
            return Ok(v);
        }
        let got = self.read_value(id, which).await?;
        let mut claims = self.active.lock().unwrap_or_else(|e| e.into_inner());
        match claims.active.get_mut(id) {
            Some(a) => {
                a.values.insert(got.version.clone(), (got.created, got.value.clone()));
            }
            None if *which == VersionRef::current() => {
                // Kept for a claim that follows; a process that reads many
                // secrets without claiming them (a Lambda) keeps only a few.
                if claims.current.len() >= 64 {
                    claims.current.clear();
                }
                claims.current.insert(id.clone(), got.clone());
            }
            None => {}
        }
        Ok(got)
    }
    async fn put_value(
        &self,
        id: &SecretId,
        token: &Token,
        value: &SecretValue,
        stages: Option<&[Stage]>,
    ) -> Result<PutOutcome, StoreError> {
        let d = self.fetch_dated(id, false).await?.0;
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
        self.writes.wait().await;
        req.send().await.map_err(|e| {
            let what = if e.code() == Some("ResourceExistsException") {
                format!("version `{version}` of secret `{id}` with a different value")
            } else {
                format!("secret `{id}`")
            };
            map_err("PutSecretValue", || what, e)
        })?;
        self.invalidate(id);
        Ok(PutOutcome { version, created: true })
    }

    async fn update_stage(
        &self,
        id: &SecretId,
        stage: &Stage,
        move_to: Option<&VersionId>,
        remove_from: Option<&VersionId>,
    ) -> Result<(), StoreError> {
        let d = self.fetch_dated(id, false).await?.0;
        let holder = d.version_with(stage).cloned();
        record_of(&d).update_stage(stage, move_to, remove_from, Utc::now())?;
        if move_to.is_some() && holder.as_ref() == move_to {
            return Ok(()); // already there
        }
        self.move_stage_once(id, stage.as_str(), move_to, remove_from).await
    }

    async fn set_rotation(&self, id: &SecretId, rotation: Option<&RotationConfig>) -> Result<(), StoreError> {
        self.invalidate(id);
        let d = self.fetch_dated(id, false).await?.0;
        record_of(&d).ensure_live()?;
        match rotation {
            Some(cfg) => {
                self.tag(id, rule_tags(cfg)?).await?;
                let lock = Stage::new(LOCK_STAGE)?;
                if let (None, Some(current)) = (d.version_with(&lock), d.version_with(&Stage::current())) {
                    self.move_stage_once(id, LOCK_STAGE, Some(current), None).await?;
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
        self.invalidate(id);
        record_of(&self.fetch_dated(id, false).await?.0).ensure_live()?;
        let at = at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        self.tag(id, vec![Tag::builder().key(TAG_LAST_ROTATED).value(at).build()])
            .await
    }

    async fn delete(&self, id: &SecretId, how: Deletion) -> Result<DateTime<Utc>, StoreError> {
        self.invalidate(id);
        let d = self.fetch_dated(id, false).await?.0;
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
        self.writes.wait().await;
        let out = req
            .send()
            .await
            .map_err(|e| map_err("DeleteSecret", || format!("secret `{id}`"), e))?;
        Ok(out.deletion_date().map(to_chrono).unwrap_or_else(Utc::now))
    }

    async fn restore(&self, id: &SecretId) -> Result<(), StoreError> {
        self.invalidate(id);
        self.writes.wait().await;
        self.client
            .restore_secret()
            .secret_id(id.as_str())
            .send()
            .await
            .map_err(|e| map_err("RestoreSecret", || format!("secret `{id}`"), e))?;
        Ok(())
    }

    async fn finish_rotation(&self, id: &SecretId, version: &VersionId, at: DateTime<Utc>) -> Result<(), StoreError> {
        // finishSecret's three writes, from what the rotation knows: move
        // AWSCURRENT, record the rotation, drop AWSPENDING (in that order: a
        // crash leaves AWSPENDING on AWSCURRENT, which the next claim
        // finishes). Each is repeatable, so a lost answer is harmless.
        let d = self.describe(id).await?;
        let Some(info) = d.versions.get(version) else {
            return Err(StoreError::not_found(format!("version `{version}` of secret `{id}`")));
        };
        record_of(&d).ensure_live()?;
        let holder = d.version_with(&Stage::current());
        if holder != Some(version) {
            self.move_stage_once(id, Stage::CURRENT, Some(version), holder).await?;
        }
        if d.last_rotated.is_none_or(|t| t < info.created) {
            let stamp = at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            if let Err(e) = self
                .tag(id, vec![Tag::builder().key(TAG_LAST_ROTATED).value(stamp).build()])
                .await
            {
                self.invalidate(id);
                return Err(e);
            }
            self.apply(id, |rec| {
                rec.last_rotated = Some(at);
                Ok(())
            });
        }
        if info.stages.contains(&Stage::pending()) {
            self.move_stage_once(id, Stage::PENDING, None, Some(version)).await?;
        }
        Ok(())
    }

    async fn claim(&self, id: &SecretId, claim: &Claim) -> Result<Claimed, StoreError> {
        // The claim always reads the secret as it is now.
        let lock = Stage::new(LOCK_STAGE)?;
        let (d, tag) = self.fetch_full(id).await?;
        let tagged = tag.as_ref().and_then(|(_, v)| v.clone());
        let mut lease = tag.map(|(l, _)| l);
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
        let now = Utc::now();
        if let Some(v) = in_flight {
            // A claimant holds an implicit lease from its version's
            // creation until it writes the lease tag, which it only does
            // when the driver renews, half a step time-out in.
            let created = d.versions[v].created;
            if tagged.as_ref() != Some(v) && lease.as_ref().is_none_or(|l| l.expires < created) {
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
                self.write_lease(id, &claim.owner, Some(&p), claim.expires(now)).await?;
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                let dated = d;
                let (mut d, lease) = self.fetch_dated(id, false).await?;
                match lease.map(|(l, _)| l) {
                    Some(l) if l.owner == claim.owner => {}
                    other => {
                        return Ok(Claimed::Skipped(Skip::RotatingElsewhere {
                            owner: other.map_or_else(|| Owner::new("unknown"), |l| l.owner),
                        }))
                    }
                }
                // The dates read with the claim's snapshot (the read-back
                // needs none: a version's date never changes).
                for (v, info) in d.versions.iter_mut() {
                    if let Some(old) = dated.versions.get(v) {
                        info.created = old.created;
                    }
                }
                let pending = d.version_with(&Stage::pending()).cloned();
                if pending.as_ref() != Some(&p) {
                    self.move_stage_once(id, Stage::PENDING, Some(&p), pending.as_ref())
                        .await?;
                    d = moved(&d, &Stage::pending(), &p, pending.as_ref());
                }
                let locked = d.version_with(&lock).cloned();
                if locked.as_ref() != Some(&p) {
                    self.move_stage_once(id, LOCK_STAGE, Some(&p), locked.as_ref()).await?;
                    d = moved(&d, &lock, &p, locked.as_ref());
                }
                self.activate(
                    id,
                    Active {
                        owner: claim.owner.clone(),
                        version: p.clone(),
                        description: Some(d),
                        lease_tag: true,
                        values: HashMap::new(),
                    },
                );
                Ok(Claimed::Resumed(p))
            }
            Decision::Start => {
                let Some(current) = current else {
                    return Err(StoreError::not_found(format!("stage `AWSCURRENT` on secret `{id}`")));
                };
                let mut d = d;
                match d.version_with(&lock).cloned() {
                    // A secret rotaplan never rotated: rest the lock on
                    // AWSCURRENT (AWS attaches a label once however many
                    // claimants do this; see `create` for moto).
                    None => {
                        self.move_stage_once(id, LOCK_STAGE, Some(&current), None).await?;
                        d.versions
                            .get_mut(&current)
                            .expect("listed")
                            .stages
                            .insert(lock.clone());
                    }
                    // A stale lock: back to AWSCURRENT, itself a
                    // compare-and-swap, so losing it is fine.
                    Some(stale) if stale != current => {
                        if self
                            .move_stage_once(id, LOCK_STAGE, Some(&current), Some(&stale))
                            .await
                            .is_ok()
                        {
                            d.versions.get_mut(&stale).expect("listed").stages.remove(&lock);
                            d.versions
                                .get_mut(&current)
                                .expect("listed")
                                .stages
                                .insert(lock.clone());
                        }
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
                self.writes.wait().await;
                req.send()
                    .await
                    .map_err(|e| map_err("PutSecretValue", || format!("secret `{id}`"), e))?;
                for v in d.versions.values_mut() {
                    v.stages.remove(&candidate);
                }
                d.versions.insert(
                    mine.clone(),
                    VersionInfo {
                        stages: BTreeSet::from([candidate.clone()]),
                        created: now,
                    },
                );
                // The claim itself: only one move of the lock off AWSCURRENT's
                // version can succeed. If the answer is not a success, the
                // lock's holder afterwards is the truth (an answer can be
                // lost). The candidate label stays where the last put left
                // it (the next claim's put moves it): removing it would be
                // one more write per rotation.
                match self.move_stage_once(id, LOCK_STAGE, Some(&mine), Some(&current)).await {
                    Ok(()) => {
                        d.versions.get_mut(&current).expect("listed").stages.remove(&lock);
                        d.versions.get_mut(&mine).expect("put").stages.insert(lock.clone());
                    }
                    Err(cas) => {
                        let (after, lease) = self.fetch_full(id).await?;
                        if after.version_with(&lock) != Some(&mine) {
                            tracing::debug!(secret = %id, error = %cas, "lost the claim");
                            if after.versions.get(&mine).is_some_and(|v| v.stages.contains(&candidate)) {
                                let _ = self.move_stage(id, CANDIDATE_STAGE, None, Some(&mine)).await;
                            }
                            let moved = after.version_with(&Stage::current()) != Some(&current)
                                || after.last_rotated != claim.last_rotated;
                            return Ok(Claimed::Skipped(if moved {
                                Skip::AlreadyRotated
                            } else {
                                Skip::RotatingElsewhere {
                                    owner: lease.map_or_else(|| Owner::new("another run"), |(l, _)| l.owner),
                                }
                            }));
                        }
                        d = after;
                    }
                }
                let pending = d.version_with(&Stage::pending()).cloned();
                if pending.as_ref() != Some(&mine) {
                    self.move_stage_once(id, Stage::PENDING, Some(&mine), pending.as_ref())
                        .await?;
                    for v in d.versions.values_mut() {
                        v.stages.remove(&Stage::pending());
                    }
                    d.versions.get_mut(&mine).expect("put").stages.insert(Stage::pending());
                }
                // No lease tag: the claimed version's date stands for the
                // lease until `renew` finds it half spent.
                self.activate(
                    id,
                    Active {
                        owner: claim.owner.clone(),
                        version: mine.clone(),
                        description: Some(d),
                        lease_tag: false,
                        values: HashMap::from([(mine.clone(), (now, claim.value.clone()))]),
                    },
                );
                Ok(Claimed::Started(mine))
            }
        }
    }

    async fn renew(&self, id: &SecretId, owner: &Owner, ttl: std::time::Duration) -> Result<(), StoreError> {
        let now = Utc::now();
        // The driver only renews a lease it wrote half a step time-out ago
        // or more, and counts every call as a write: skipping one here would
        // let the lease lapse under a live owner. A claim this store holds
        // needs no read first: no one else can have taken it over.
        let held = self.with_active(id, |a| (a.owner == *owner).then(|| a.version.clone()));
        if let Some(Some(version)) = held {
            self.write_lease(id, owner, Some(&version), expiry(now, ttl)).await?;
            self.with_active(id, |a| a.lease_tag = true);
            return Ok(());
        }
        match self.lease(id).await? {
            Some(l) if &l.owner == owner => self.write_lease(id, owner, None, expiry(now, ttl)).await,
            _ => Err(lease_lost(id, owner)),
        }
    }

    async fn release(&self, id: &SecretId, owner: &Owner) -> Result<(), StoreError> {
        let held = {
            let mut claims = self.active.lock().unwrap_or_else(|e| e.into_inner());
            claims.current.remove(id);
            match claims.active.get(id) {
                Some(a) if a.owner == *owner => claims.active.remove(id),
                _ => None,
            }
        };
        if let Some(a) = held {
            let finished = a.description.as_ref().is_some_and(|d| {
                d.versions
                    .get(&a.version)
                    .is_some_and(|v| v.stages.contains(&Stage::current()) && !v.stages.contains(&Stage::pending()))
            });
            return match (finished, a.lease_tag) {
                (true, false) => Ok(()), // nothing written, nothing to take back
                // This store wrote the lease and renewed it before each
                // step: nobody can have taken it over.
                (true, true) => self.untag(id, &[TAG_LEASE]).await,
                // Unfinished: end the lease (its version's date would stand
                // for it) so that the next run resumes at once.
                (false, _) => self.write_lease(id, owner, Some(&a.version), Utc::now()).await,
            };
        }
        match self.lease(id).await? {
            Some(l) if &l.owner == owner => self.untag(id, &[TAG_LEASE]).await,
            _ => Ok(()),
        }
    }

    async fn list(&self) -> Result<Vec<Description>, StoreError> {
        // ListSecrets answers with each secret's stages, tags, rules and
        // dates: planning needs no call per secret.
        let mut all = Vec::new();
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
                let Some(name) = s.name() else { continue };
                let id = SecretId::new(name)?;
                let parts = Parts {
                    created: s.created_date(),
                    last_changed: s.last_changed_date(),
                    last_rotated: s.last_rotated_date(),
                    deleted: s.deleted_date(),
                    tags: s.tags(),
                    versions: s.secret_versions_to_stages(),
                    rotation_enabled: s.rotation_enabled(),
                    rotation_rules: s.rotation_rules(),
                };
                all.push(description(&id, &parts, &HashMap::new())?);
            }
            match out.next_token() {
                Some(t) if !t.is_empty() => next = Some(t.to_owned()),
                _ => break,
            }
        }
        all.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(all)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn write_limit_spaces_writes_after_a_burst() {
        let limit = WriteLimit::new(50.0);
        let start = std::time::Instant::now();
        for _ in 0..50 {
            limit.wait().await; // the first second's burst
        }
        assert!(start.elapsed() < Duration::from_millis(200), "{:?}", start.elapsed());
        for _ in 0..25 {
            limit.wait().await;
        }
        let spent = start.elapsed();
        assert!(spent >= Duration::from_millis(450), "{spent:?}");
        assert!(spent < Duration::from_secs(2), "{spent:?}");

        let none = WriteLimit::new(0.0);
        let start = std::time::Instant::now();
        for _ in 0..1000 {
            none.wait().await;
        }
        assert!(start.elapsed() < Duration::from_millis(200));
    }
}

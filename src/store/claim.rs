//! Claiming a secret for one rotation: [`Claim`], [`Claimed`], [`Owner`].
//!
//! A scheduler plans from a snapshot (AWSCURRENT's version and the last
//! rotation date) and then claims each secret with
//! [`SecretStore::claim`](super::SecretStore::claim). The claim re-checks the
//! snapshot and writes the pending version and a lease in one atomic step,
//! so of several schedulers racing for one due window exactly one rotates;
//! the others are told why they lost ([`Skip`]).
//!
//! A lease names its [`Owner`] and expires unless renewed; the driver renews
//! it before a step once it is half a step time-out old. A pending rotation whose lease is live is never
//! joined. One whose owner died — its lease expired, or its owner is a
//! process on this host that no longer runs — is resumed by the next claim.

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::rules::Record;
use super::StoreError;
use super::{SecretId, SecretValue, Stage, Token, VersionId};

/// The staging label [`AwsSecretsManager`](super::AwsSecretsManager) claims
/// a rotation with, by moving it from AWSCURRENT's version to its own with
/// UpdateSecretVersionStage's `RemoveFromVersionId` check (Secrets Manager's
/// one compare-and-swap). At rest it sits on AWSCURRENT's version.
pub const LOCK_STAGE: &str = "rotaplan-lock";

/// The staging label a claimant's new version is put with on AWS (which
/// requires one); it means nothing and is removed once the claim is decided.
pub(crate) const CANDIDATE_STAGE: &str = "rotaplan-candidate";

/// Who holds a lease: `host:pid:start:nonce`.
///
/// The host, process id and process start time let another process on the
/// same host see at once that the owner died (Linux `/proc`); the random
/// nonce keeps two rotators in one process apart.
///
/// # Examples
///
/// ```
/// use rotaplan::store::Owner;
/// let me = Owner::this_process();
/// assert_ne!(me, Owner::this_process()); // each call is a new owner
/// assert!(!me.is_dead());
/// assert!(Owner::new("elsewhere:1:1:x").to_string().starts_with("elsewhere:"));
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Owner(String);

impl Owner {
    /// An owner for the calling process, with a fresh nonce.
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::store::Owner;
    /// assert!(Owner::this_process().as_str().contains(&std::process::id().to_string()));
    /// ```
    pub fn this_process() -> Owner {
        let pid = std::process::id();
        let start = process_start(pid).unwrap_or_default();
        let token = Token::generate();
        Owner(format!("{}:{pid}:{start}:{}", hostname(), &token.as_str()[..8]))
    }

    /// An owner as read back from a store.
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::store::Owner;
    /// assert_eq!(Owner::new("h:1:2:n").as_str(), "h:1:2:n");
    /// ```
    pub fn new(s: impl Into<String>) -> Owner {
        Owner(s.into())
    }

    /// The owner as a string.
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::store::Owner;
    /// assert_eq!(Owner::new("x").as_str(), "x");
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the owner is a process on this host that no longer runs (or
    /// a new process reusing its id). Owners on other hosts are never known
    /// dead: their leases must expire.
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::store::Owner;
    /// assert!(!Owner::new("some-other-host:1:1:n").is_dead());
    /// ```
    pub fn is_dead(&self) -> bool {
        let mut parts = self.0.rsplitn(4, ':');
        let (Some(_nonce), Some(start), Some(pid), Some(host)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return false;
        };
        if host != hostname() || !std::path::Path::new("/proc/self/stat").exists() {
            return false;
        }
        let Ok(pid) = pid.parse::<u32>() else { return false };
        match process_start(pid) {
            None => true,
            Some(now) => now != start,
        }
    }
}

impl fmt::Display for Owner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Owner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Owner({:?})", self.0)
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|s| s.trim().replace(':', "_"))
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "localhost".into())
}

/// The start time of `pid` in clock ticks since boot (field 22 of
/// `/proc/PID/stat`), so a reused process id is not taken for the owner.
fn process_start(pid: u32) -> Option<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(19).map(str::to_owned)
}

/// A lease on a secret's rotation.
///
/// # Examples
///
/// ```
/// use rotaplan::store::{Lease, Owner};
/// let lease = Lease::new(Owner::this_process(), chrono::Utc::now() + chrono::Duration::seconds(60));
/// assert!(lease.is_live(chrono::Utc::now()));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Lease {
    /// Who holds it.
    pub owner: Owner,
    /// When it lapses unless renewed.
    pub expires: DateTime<Utc>,
}

impl Lease {
    /// Whether the lease still protects its rotation at `now`.
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::store::{Lease, Owner};
    /// let now = chrono::Utc::now();
    /// let lease = Lease::new(Owner::new("far-away:1:1:n"), now + chrono::Duration::seconds(30));
    /// assert!(lease.is_live(now));
    /// assert!(!lease.is_live(now + chrono::Duration::seconds(31)));
    /// ```
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.expires > now && !self.owner.is_dead()
    }

    /// A lease held by `owner` until `expires`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::store::{Lease, Owner};
    /// let l = Lease::new(Owner::this_process(), chrono::Utc::now());
    /// # let _ = l;
    /// ```
    pub fn new(owner: Owner, expires: DateTime<Utc>) -> Lease {
        Lease { owner, expires }
    }
}

/// A request to start (or take over) one secret's rotation.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use rotaplan::store::{Claim, Owner, SecretValue, Token};
/// let mut resume = Claim::new(Token::generate(), SecretValue::from(""), None, None, Owner::this_process(), Duration::from_secs(90));
/// resume.resume_only = true; // take over a pending rotation, never start one
/// # let _ = resume;
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Claim {
    /// The token of a new rotation (its pending version's id).
    pub token: Token,
    /// The value a new rotation puts under AWSPENDING.
    pub value: SecretValue,
    /// AWSCURRENT's version when the rotation was planned.
    pub current: Option<VersionId>,
    /// The last rotation date when the rotation was planned.
    pub last_rotated: Option<DateTime<Utc>>,
    /// Who claims.
    pub owner: Owner,
    /// How long the lease lasts unless renewed.
    pub ttl: Duration,
    /// Only take over a pending rotation; never start one.
    pub resume_only: bool,
}

impl Claim {
    /// A claim for a new rotation planned from `current` and `last_rotated`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use rotaplan::store::{Claim, Owner, SecretValue, Token};
    /// let c = Claim::new(Token::generate(), SecretValue::from("new"), None, None, Owner::this_process(), Duration::from_secs(60));
    /// assert!(!c.resume_only);
    /// ```
    pub fn new(
        token: Token,
        value: SecretValue,
        current: Option<VersionId>,
        last_rotated: Option<DateTime<Utc>>,
        owner: Owner,
        ttl: Duration,
    ) -> Claim {
        Claim {
            token,
            value,
            current,
            last_rotated,
            owner,
            ttl,
            resume_only: false,
        }
    }

    pub(crate) fn expires(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        expiry(now, self.ttl)
    }
}

/// Why a claim was not granted.
///
/// # Examples
///
/// ```
/// use rotaplan::store::{Owner, Skip};
/// assert_eq!(Skip::AlreadyRotated.to_string(), "already rotated");
/// let elsewhere = Skip::RotatingElsewhere { owner: Owner::new("host:42:7:ab12cd34") };
/// assert_eq!(elsewhere.to_string(), "rotating elsewhere (by host:42:7:ab12cd34)");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Skip {
    /// AWSCURRENT or the last rotation date changed since the plan: another
    /// scheduler rotated the secret.
    AlreadyRotated,
    /// A live rotation owned by someone else holds the secret.
    RotatingElsewhere {
        /// The owner of that rotation.
        owner: Owner,
    },
}

impl fmt::Display for Skip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Skip::AlreadyRotated => f.write_str("already rotated"),
            Skip::RotatingElsewhere { owner } => write!(f, "rotating elsewhere (by {owner})"),
        }
    }
}

/// What [`SecretStore::claim`](super::SecretStore::claim) granted.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use rotaplan::store::{Claim, Claimed, MemoryStore, Owner, SecretId, SecretStore, SecretValue, Skip, Stage, Token};
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let store = MemoryStore::new();
/// let id = SecretId::new("db/main")?;
/// store.create(&id, Some((&Token::generate(), &SecretValue::from("v1"))), None).await?;
/// let d = store.describe(&id).await?;
/// let planned = (d.version_with(&Stage::current()).cloned(), d.last_rotated);
/// let claim = |owner: Owner| {
///     Claim::new(Token::generate(), SecretValue::from("v2"), planned.0.clone(), planned.1, owner, Duration::from_secs(60))
/// };
/// let first = claim(Owner::this_process());
/// assert!(matches!(store.claim(&id, &first).await?, Claimed::Started(_)));
/// // A second scheduler, same plan: the first one's rotation is live.
/// let second = store.claim(&id, &claim(Owner::this_process())).await?;
/// assert!(matches!(second, Claimed::Skipped(Skip::RotatingElsewhere { .. })));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Claimed {
    /// A new rotation: this version (the claim's token) now holds AWSPENDING.
    Started(VersionId),
    /// An abandoned rotation taken over: this version holds AWSPENDING.
    Resumed(VersionId),
    /// Not granted.
    Skipped(Skip),
}

/// What a store should do with a claim, decided on a snapshot that the
/// store holds still (a transaction, a lock).
pub(crate) enum Decision {
    Start,
    Resume(VersionId),
    Skip(Skip),
}

pub(crate) fn decide<V>(
    rec: &Record<V>,
    lease: Option<&Lease>,
    claim: &Claim,
    now: DateTime<Utc>,
) -> Result<Decision, StoreError> {
    rec.ensure_live()?;
    let current = rec.holder(&Stage::current());
    // AWSCURRENT moved by a rotation (AWSPREVIOUS exists) that still holds
    // AWSPENDING and is not recorded: a finishSecret that stopped half way
    // (possible only where it takes several calls). Finish it, do not
    // rotate again.
    let half_finished = current.filter(|c| {
        let v = &rec.versions[*c];
        v.stages.contains(&Stage::pending())
            && rec.holder(&Stage::previous()).is_some()
            && rec.last_rotated.is_none_or(|t| t < v.created)
    });
    let pending = half_finished.or_else(|| rec.holder(&Stage::pending()).filter(|p| Some(*p) != current));
    if current != claim.current.as_ref() || rec.last_rotated != claim.last_rotated {
        return Ok(Decision::Skip(Skip::AlreadyRotated));
    }
    match pending {
        Some(p) => match lease {
            Some(l) if l.owner != claim.owner && l.is_live(now) => {
                Ok(Decision::Skip(Skip::RotatingElsewhere { owner: l.owner.clone() }))
            }
            _ => Ok(Decision::Resume(p.clone())),
        },
        None if claim.resume_only => Err(no_pending(&rec.id)),
        None => Ok(Decision::Start),
    }
}

pub(crate) fn no_pending(id: &SecretId) -> StoreError {
    StoreError::invalid(format!("secret `{id}` has no pending rotation to resume or cancel"))
}

pub(crate) fn lease_lost(id: &SecretId, owner: &Owner) -> StoreError {
    StoreError::invalid(format!(
        "the rotation lease on secret `{id}` is no longer held by {owner} (another run took over)"
    ))
}

/// `now + ttl`, capped at a year so no date overflows.
pub(crate) fn expiry(now: DateTime<Utc>, ttl: Duration) -> DateTime<Utc> {
    let cap = chrono::Duration::days(365);
    now + chrono::Duration::from_std(ttl).unwrap_or(cap).min(cap)
}

//! The [`SecretStore`] trait and the value types it speaks in.
//!
//! A store keeps secrets the way AWS Secrets Manager does: each secret has
//! versions (one per client request token), each version has a value and a
//! set of staging labels ([`Stage`]), and a stage is on at most one version.
//! Every store in this crate honours the rules in the spec's "Rotation
//! versions and stages" section, and the rules are written down once, on
//! [`SecretStore`]'s methods.

#[cfg(feature = "aws")]
mod aws;
mod claim;
mod error;
mod history;
mod memory;
mod password;
mod rules;
#[cfg(feature = "sqlite")]
mod sqlite;
mod window;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::future::Future;
use std::str::FromStr;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use zeroize::Zeroizing;

#[cfg(feature = "lambda")]
pub(crate) use aws::map_err;
#[cfg(feature = "aws")]
#[cfg_attr(docsrs, doc(cfg(feature = "aws")))]
pub use aws::{AwsSecretsManager, TAG_DURATION, TAG_LAST_ROTATED, TAG_LEASE, TAG_SCHEDULE, TAG_STRATEGY, TAG_TARGET};
pub(crate) use claim::{no_pending, CANDIDATE_STAGE};
pub use claim::{Claim, Claimed, Lease, Owner, Skip, LOCK_STAGE};
pub use error::StoreError;
pub use history::{AttemptRecord, Outcome, HISTORY_LIMIT};
pub use memory::MemoryStore;
pub use password::PasswordPolicy;
#[cfg(feature = "sqlite")]
#[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
pub use sqlite::{MasterKey, SqliteStore, MASTER_KEY_ENV};
pub(crate) use window::window_open;

/// How many stages a version may hold (AWS: 20).
pub const MAX_STAGES_PER_VERSION: usize = 20;

/// Deprecated versions (no stage) kept per secret before pruning (AWS: 100).
pub const MAX_DEPRECATED_VERSIONS: usize = 100;

/// The name of a secret: 1–512 characters from `A–Z a–z 0–9 / _ + = . @ -`
/// (the AWS Secrets Manager name alphabet).
///
/// # Examples
///
/// ```
/// use rotaplan::store::SecretId;
/// let id = SecretId::new("db/main")?;
/// assert_eq!(id.as_str(), "db/main");
/// assert!(SecretId::new("").is_err());
/// assert!(SecretId::new("no spaces").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SecretId(String);

impl SecretId {
    /// Checks and wraps a secret name.
    ///
    /// # Errors
    ///
    /// An invalid-request error for an empty name, a name longer than 512
    /// characters, or a character outside the alphabet.
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::store::SecretId;
    /// assert!(SecretId::new("prod/api-key@v2").is_ok());
    /// assert!(SecretId::new("tab\there").unwrap_err().is_invalid_request());
    /// ```
    pub fn new(name: impl Into<String>) -> Result<SecretId, StoreError> {
        let name = name.into();
        if name.is_empty() || name.len() > 512 {
            return Err(StoreError::invalid(format!(
                "secret name must be 1 to 512 characters (found {})",
                name.len()
            )));
        }
        if let Some(c) = name
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || "/_+=.@-".contains(*c)))
        {
            return Err(StoreError::invalid(format!("secret name may not contain {c:?}")));
        }
        Ok(SecretId(name))
    }

    /// The name as a string.
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::store::SecretId;
    /// assert_eq!(SecretId::new("a")?.as_str(), "a");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn check_token(kind: &str, s: &str) -> Result<(), StoreError> {
    if !(32..=64).contains(&s.len()) {
        return Err(StoreError::invalid(format!(
            "{kind} must be 32 to 64 characters (found {})",
            s.len()
        )));
    }
    if let Some(c) = s
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
    {
        return Err(StoreError::invalid(format!("{kind} may not contain {c:?}")));
    }
    Ok(())
}

/// A client request token: the idempotency key of a put, and of a whole
/// rotation. It becomes the id of the version it creates.
///
/// # Examples
///
/// ```
/// use rotaplan::store::{Token, VersionId};
/// let t = Token::generate();
/// assert_eq!(t.as_str().len(), 36);
/// assert_eq!(VersionId::from(&t).as_str(), t.as_str());
/// assert!(Token::new("short").is_err());
/// ```
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Token(String);

impl Token {
    /// Checks and wraps a token: 32–64 characters of `A–Z a–z 0–9 - _`
    /// (AWS `ClientRequestToken` length).
    ///
    /// # Errors
    ///
    /// An invalid-request error for a wrong length or character.
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::store::Token;
    /// assert!(Token::new("0123456789abcdef0123456789abcdef").is_ok());
    /// ```
    pub fn new(token: impl Into<String>) -> Result<Token, StoreError> {
        let token = token.into();
        check_token("client request token", &token)?;
        Ok(Token(token))
    }

    /// A fresh random token: a UUID v4 (hyphenated, 36 characters) from the
    /// OS random source.
    ///
    /// # Panics
    ///
    /// If the OS random source fails (as `uuid`'s `new_v4` would).
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::store::Token;
    /// let t = Token::generate();
    /// assert_ne!(t, Token::generate());
    /// assert_eq!(&t.as_str()[14..15], "4");
    /// ```
    pub fn generate() -> Token {
        let mut b = [0u8; 16];
        getrandom::fill(&mut b).expect("the OS random source failed");
        b[6] = (b[6] & 0x0f) | 0x40; // version 4
        b[8] = (b[8] & 0x3f) | 0x80; // RFC 4122 variant
        let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
        Token(format!(
            "{}-{}-{}-{}-{}",
            &hex[0..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..32]
        ))
    }

    /// The token as a string.
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::store::Token;
    /// let t = Token::generate();
    /// assert_eq!(Token::new(t.as_str())?, t);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The id of a secret version. Versions created by a put carry the put's
/// [`Token`] as their id.
///
/// # Examples
///
/// ```
/// use rotaplan::store::VersionId;
/// let v = VersionId::new("0123456789abcdef0123456789abcdef")?;
/// assert_eq!(v.to_string(), "0123456789abcdef0123456789abcdef");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct VersionId(String);

impl VersionId {
    /// Checks and wraps a version id (same alphabet and length as [`Token`]).
    ///
    /// # Errors
    ///
    /// An invalid-request error for a wrong length or character.
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::store::VersionId;
    /// assert!(VersionId::new("x").is_err());
    /// ```
    pub fn new(id: impl Into<String>) -> Result<VersionId, StoreError> {
        let id = id.into();
        check_token("version id", &id)?;
        Ok(VersionId(id))
    }

    /// The id as a string.
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::store::{Token, VersionId};
    /// let t = Token::generate();
    /// assert_eq!(VersionId::from(&t).as_str(), t.as_str());
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&Token> for VersionId {
    fn from(t: &Token) -> VersionId {
        VersionId(t.0.clone())
    }
}

impl From<Token> for VersionId {
    fn from(t: Token) -> VersionId {
        VersionId(t.0)
    }
}

/// A staging label: `AWSCURRENT`, `AWSPENDING`, `AWSPREVIOUS` or a custom one
/// (1–256 printable ASCII characters, no spaces).
///
/// # Examples
///
/// ```
/// use rotaplan::store::Stage;
/// assert_eq!(Stage::current().as_str(), "AWSCURRENT");
/// assert_eq!(Stage::new("blue")?.as_str(), "blue");
/// assert!(Stage::new("a b").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Stage(String);

impl Stage {
    /// The name of the stage on the live version.
    pub const CURRENT: &'static str = "AWSCURRENT";
    /// The name of the stage on the version being rotated in.
    pub const PENDING: &'static str = "AWSPENDING";
    /// The name of the stage on the version AWSCURRENT last left.
    pub const PREVIOUS: &'static str = "AWSPREVIOUS";

    /// Checks and wraps a stage name.
    ///
    /// # Errors
    ///
    /// An invalid-request error for an empty or too long name, or one with
    /// spaces or control characters.
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::store::Stage;
    /// assert_eq!(Stage::new("AWSPENDING")?, Stage::pending());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(name: impl Into<String>) -> Result<Stage, StoreError> {
        let name = name.into();
        if name.is_empty() || name.len() > 256 || !name.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(StoreError::invalid(format!(
                "stage {name:?} must be 1 to 256 printable characters without spaces"
            )));
        }
        Ok(Stage(name))
    }

    /// `AWSCURRENT`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::store::Stage;
    /// assert!(Stage::current().is_current());
    /// ```
    pub fn current() -> Stage {
        Stage(Stage::CURRENT.to_owned())
    }

    /// `AWSPENDING`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::store::Stage;
    /// assert_eq!(Stage::pending().as_str(), "AWSPENDING");
    /// ```
    pub fn pending() -> Stage {
        Stage(Stage::PENDING.to_owned())
    }

    /// `AWSPREVIOUS`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::store::Stage;
    /// assert_eq!(Stage::previous().as_str(), "AWSPREVIOUS");
    /// ```
    pub fn previous() -> Stage {
        Stage(Stage::PREVIOUS.to_owned())
    }

    /// The name as a string.
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::store::Stage;
    /// assert_eq!(Stage::current().as_str(), "AWSCURRENT");
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is `AWSCURRENT`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::store::Stage;
    /// assert!(!Stage::pending().is_current());
    /// ```
    pub fn is_current(&self) -> bool {
        self.0 == Stage::CURRENT
    }

    /// Whether this is `AWSPENDING`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::store::Stage;
    /// assert!(Stage::pending().is_pending());
    /// ```
    pub fn is_pending(&self) -> bool {
        self.0 == Stage::PENDING
    }

    /// Whether this is `AWSPREVIOUS`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::store::Stage;
    /// assert!(Stage::previous().is_previous());
    /// ```
    pub fn is_previous(&self) -> bool {
        self.0 == Stage::PREVIOUS
    }
}

macro_rules! string_newtype_impls {
    ($($t:ident),*) => {$(
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl fmt::Debug for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($t), self.0)
            }
        }
        impl FromStr for $t {
            type Err = StoreError;
            fn from_str(s: &str) -> Result<$t, StoreError> {
                $t::new(s)
            }
        }
        impl AsRef<str> for $t {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    )*};
}
string_newtype_impls!(SecretId, Token, VersionId, Stage);

#[derive(Clone, PartialEq, Eq)]
enum ValueRepr {
    Text(Zeroizing<String>),
    Binary(Zeroizing<Vec<u8>>),
}

/// A secret's value: text (AWS `SecretString`) or bytes (`SecretBinary`).
///
/// It never shows itself: `Debug` and `Display` print `<redacted>`, and the
/// memory is zeroed on drop. Read it only through the `expose_*` methods.
///
/// # Examples
///
/// ```
/// use rotaplan::store::SecretValue;
/// let v = SecretValue::from("hunter2");
/// assert_eq!(format!("{v} {v:?}"), "<redacted> SecretValue(<redacted>)");
/// assert_eq!(v.expose_str(), Some("hunter2"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct SecretValue(ValueRepr);

impl SecretValue {
    /// A text value.
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::store::SecretValue;
    /// assert!(SecretValue::text(String::from("{}")).is_text());
    /// ```
    pub fn text(s: String) -> SecretValue {
        SecretValue(ValueRepr::Text(Zeroizing::new(s)))
    }

    /// A binary value.
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::store::SecretValue;
    /// let v = SecretValue::binary(vec![0, 1, 2]);
    /// assert_eq!(v.expose_bytes(), &[0, 1, 2]);
    /// assert_eq!(v.expose_str(), None);
    /// ```
    pub fn binary(bytes: Vec<u8>) -> SecretValue {
        SecretValue(ValueRepr::Binary(Zeroizing::new(bytes)))
    }

    /// Whether this is a text value.
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::store::SecretValue;
    /// assert!(!SecretValue::binary(vec![]).is_text());
    /// ```
    pub fn is_text(&self) -> bool {
        matches!(self.0, ValueRepr::Text(_))
    }

    /// The text, if this is a text value. Handle with care.
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::store::SecretValue;
    /// assert_eq!(SecretValue::from("s3cret").expose_str(), Some("s3cret"));
    /// ```
    pub fn expose_str(&self) -> Option<&str> {
        match &self.0 {
            ValueRepr::Text(s) => Some(s.as_str()),
            ValueRepr::Binary(_) => None,
        }
    }

    /// The raw bytes (UTF-8 for text). Handle with care.
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::store::SecretValue;
    /// assert_eq!(SecretValue::from("ab").expose_bytes(), b"ab");
    /// ```
    pub fn expose_bytes(&self) -> &[u8] {
        match &self.0 {
            ValueRepr::Text(s) => s.as_bytes(),
            ValueRepr::Binary(b) => b,
        }
    }
}

impl From<&str> for SecretValue {
    fn from(s: &str) -> SecretValue {
        SecretValue::text(s.to_owned())
    }
}

impl From<String> for SecretValue {
    fn from(s: String) -> SecretValue {
        SecretValue::text(s)
    }
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretValue(<redacted>)")
    }
}

impl fmt::Display for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// How a rotation changes credentials.
///
/// # Examples
///
/// ```
/// use rotaplan::store::Strategy;
/// assert_eq!("alternating-users".parse::<Strategy>()?, Strategy::AlternatingUsers);
/// assert_eq!(Strategy::SingleUser.to_string(), "single-user");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Strategy {
    /// The user changes its own password.
    #[default]
    SingleUser,
    /// `<user>_clone` alternates with `<user>`; each rotation switches the
    /// secret to the other user, so the old credential keeps working.
    AlternatingUsers,
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Strategy::SingleUser => "single-user",
            Strategy::AlternatingUsers => "alternating-users",
        })
    }
}

impl FromStr for Strategy {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<Strategy, StoreError> {
        match s {
            "single-user" | "single" => Ok(Strategy::SingleUser),
            "alternating-users" | "alternating" => Ok(Strategy::AlternatingUsers),
            _ => Err(StoreError::invalid(format!(
                "unknown strategy {s:?} (expected single-user or alternating-users)"
            ))),
        }
    }
}

/// What a secret's rotation talks to, as written in its rotation config:
/// `noop`, `command:PROG`, `postgres` or `mysql`.
///
/// # Examples
///
/// ```
/// use rotaplan::store::TargetSpec;
/// let spec: TargetSpec = "command:/usr/local/bin/rotate-db".parse()?;
/// assert_eq!(spec, TargetSpec::Command("/usr/local/bin/rotate-db".into()));
/// assert_eq!(spec.to_string(), "command:/usr/local/bin/rotate-db");
/// assert_eq!("noop".parse::<TargetSpec>()?, TargetSpec::Noop);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TargetSpec {
    /// Nothing to tell (an API key whose consumer reads the store).
    #[default]
    Noop,
    /// Run this program for setSecret and testSecret.
    Command(String),
    /// A PostgreSQL role (needs the `postgres` feature).
    Postgres,
    /// A MySQL or MariaDB user (needs the `mysql` feature); `mariadb`
    /// parses to it too.
    Mysql,
}

impl fmt::Display for TargetSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TargetSpec::Noop => f.write_str("noop"),
            TargetSpec::Command(prog) => write!(f, "command:{prog}"),
            TargetSpec::Postgres => f.write_str("postgres"),
            TargetSpec::Mysql => f.write_str("mysql"),
        }
    }
}

impl FromStr for TargetSpec {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<TargetSpec, StoreError> {
        match s {
            "noop" => Ok(TargetSpec::Noop),
            "postgres" => Ok(TargetSpec::Postgres),
            "mysql" | "mariadb" => Ok(TargetSpec::Mysql),
            _ => match s.strip_prefix("command:") {
                Some(prog) if !prog.is_empty() => Ok(TargetSpec::Command(prog.to_owned())),
                _ => Err(StoreError::invalid(format!(
                    "unknown target {s:?} (expected noop, command:PROG, postgres or mysql)"
                ))),
            },
        }
    }
}

/// A secret's rotation rules: the schedule expression (`rate(30 days)`,
/// `cron(0 4 ? * SUN *)`), an optional window duration (`"3h"`), the strategy
/// and the target.
///
/// The schedule is kept as its expression string; it is parsed by the planner
/// when the scheduler asks whether the secret is due.
///
/// # Examples
///
/// ```
/// use rotaplan::store::{RotationConfig, Strategy, TargetSpec};
/// let cfg = RotationConfig::new("rate(30 days)")
///     .with_duration("3h")
///     .with_strategy(Strategy::AlternatingUsers)
///     .with_target(TargetSpec::Noop);
/// assert_eq!(cfg.schedule, "rate(30 days)");
/// assert_eq!(cfg.duration.as_deref(), Some("3h"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RotationConfig {
    /// The schedule expression (`rate(...)` or `cron(...)`).
    pub schedule: String,
    /// The window length, `Nh`; `None` for the default.
    pub duration: Option<String>,
    /// Single-user or alternating users.
    pub strategy: Strategy,
    /// What setSecret and testSecret talk to.
    pub target: TargetSpec,
}

impl RotationConfig {
    /// A single-user, no-op-target config with this schedule and the default
    /// window.
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::store::{RotationConfig, Strategy};
    /// assert_eq!(RotationConfig::new("rate(1 day)").strategy, Strategy::SingleUser);
    /// ```
    pub fn new(schedule: impl Into<String>) -> RotationConfig {
        RotationConfig {
            schedule: schedule.into(),
            duration: None,
            strategy: Strategy::SingleUser,
            target: TargetSpec::Noop,
        }
    }

    /// Sets the window duration (`"3h"`).
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::store::RotationConfig;
    /// assert_eq!(RotationConfig::new("rate(1 day)").with_duration("2h").duration.as_deref(), Some("2h"));
    /// ```
    pub fn with_duration(mut self, duration: impl Into<String>) -> RotationConfig {
        self.duration = Some(duration.into());
        self
    }

    /// Sets the strategy.
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::store::{RotationConfig, Strategy};
    /// let c = RotationConfig::new("rate(1 day)").with_strategy(Strategy::AlternatingUsers);
    /// assert_eq!(c.strategy, Strategy::AlternatingUsers);
    /// ```
    pub fn with_strategy(mut self, strategy: Strategy) -> RotationConfig {
        self.strategy = strategy;
        self
    }

    /// Checks that these rules can run in this build, before they are
    /// stored: the schedule and duration are valid together, the target is
    /// available (`postgres` needs the `postgres` feature; a `command:`
    /// program must exist and be executable), and alternating users have a
    /// JSON `value` with a `"username"` string to alternate.
    ///
    /// # Errors
    ///
    /// An invalid-request error saying what is wrong.
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::store::{RotationConfig, SecretValue, Strategy, TargetSpec};
    /// let ok = RotationConfig::new("rate(30 days)");
    /// assert!(ok.check(Some(&SecretValue::from("k"))).is_ok());
    /// let bad = RotationConfig::new("rate(30 days)").with_target(TargetSpec::Command("/no/such/prog".into()));
    /// assert!(bad.check(None).unwrap_err().to_string().contains("/no/such/prog"));
    /// let alt = RotationConfig::new("rate(30 days)").with_strategy(Strategy::AlternatingUsers);
    /// assert!(alt.check(Some(&SecretValue::from("not json"))).is_err());
    /// assert!(alt.check(Some(&SecretValue::from(r#"{"username":"app","password":"p"}"#))).is_ok());
    /// ```
    pub fn check(&self, value: Option<&SecretValue>) -> Result<(), StoreError> {
        window_open(self, None, Utc::now())?;
        match &self.target {
            TargetSpec::Noop => {}
            TargetSpec::Postgres if cfg!(feature = "postgres") => {}
            TargetSpec::Postgres => {
                return Err(StoreError::invalid(
                    "target `postgres` is not available in this build (rebuild with `--features postgres`)",
                ))
            }
            TargetSpec::Mysql if cfg!(feature = "mysql") => {}
            TargetSpec::Mysql => {
                return Err(StoreError::invalid(
                    "target `mysql` is not available in this build (rebuild with `--features mysql`)",
                ))
            }
            TargetSpec::Command(prog) => check_program(prog)?,
        }
        if self.strategy == Strategy::AlternatingUsers {
            let has_user = value
                .and_then(SecretValue::expose_str)
                .and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok())
                .is_some_and(|v| v.get("username").is_some_and(serde_json::Value::is_string));
            if !has_user {
                return Err(StoreError::invalid(
                    "strategy `alternating-users` needs a JSON value with a \"username\" string \
                     (e.g. {\"username\":\"app\",\"password\":\"…\"})",
                ));
            }
        }
        Ok(())
    }

    /// Sets the target.
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::store::{RotationConfig, TargetSpec};
    /// let c = RotationConfig::new("rate(1 day)").with_target(TargetSpec::Postgres);
    /// assert_eq!(c.target, TargetSpec::Postgres);
    /// ```
    pub fn with_target(mut self, target: TargetSpec) -> RotationConfig {
        self.target = target;
        self
    }
}

/// One version as [`Description`] shows it (no value).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct VersionInfo {
    /// The stages on this version; empty means deprecated.
    pub stages: BTreeSet<Stage>,
    /// When the version was put.
    pub created: DateTime<Utc>,
}

/// A secret's metadata, like DescribeSecret: never its value.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Description {
    /// The secret's name.
    pub id: SecretId,
    /// The rotation rules, if rotation is configured.
    pub rotation: Option<RotationConfig>,
    /// When the secret was created.
    pub created: DateTime<Utc>,
    /// When a value or stage last changed.
    pub last_changed: DateTime<Utc>,
    /// When a rotation last finished.
    pub last_rotated: Option<DateTime<Utc>>,
    /// When the secret will be deleted, if a deletion is scheduled.
    pub deletion_date: Option<DateTime<Utc>>,
    /// Every kept version, with its stages.
    pub versions: BTreeMap<VersionId, VersionInfo>,
}

impl Description {
    /// The version holding `stage`, if any.
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::store::{MemoryStore, SecretId, SecretStore, SecretValue, Stage, Token, VersionId};
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let store = MemoryStore::new();
    /// let id = SecretId::new("api/key")?;
    /// let t = Token::generate();
    /// store.create(&id, Some((&t, &SecretValue::from("k1"))), None).await?;
    /// let d = store.describe(&id).await?;
    /// assert_eq!(d.version_with(&Stage::current()), Some(&VersionId::from(&t)));
    /// assert_eq!(d.version_with(&Stage::pending()), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub fn version_with(&self, stage: &Stage) -> Option<&VersionId> {
        self.versions
            .iter()
            .find(|(_, v)| v.stages.contains(stage))
            .map(|(id, _)| id)
    }

    /// Whether a deletion is scheduled.
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::store::{Deletion, MemoryStore, SecretId, SecretStore};
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let store = MemoryStore::new();
    /// let id = SecretId::new("api/key")?;
    /// store.create(&id, None, None).await?;
    /// store.delete(&id, Deletion::RecoveryWindow { days: 7 }).await?;
    /// assert!(store.describe(&id).await?.is_deleted());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub fn is_deleted(&self) -> bool {
        self.deletion_date.is_some()
    }
}

/// Which version to read: by id or by stage.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum VersionRef {
    /// The version with this id.
    Id(VersionId),
    /// The version holding this stage.
    Stage(Stage),
}

impl VersionRef {
    /// The version holding AWSCURRENT.
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::store::{Stage, VersionRef};
    /// assert_eq!(VersionRef::current(), VersionRef::Stage(Stage::current()));
    /// ```
    pub fn current() -> VersionRef {
        VersionRef::Stage(Stage::current())
    }
}

/// A version's value as returned by [`SecretStore::get_value`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct SecretVersion {
    /// The version's id.
    pub version: VersionId,
    /// Its stages at the time of reading.
    pub stages: BTreeSet<Stage>,
    /// When it was put.
    pub created: DateTime<Utc>,
    /// The value (redacted in `Debug`).
    pub value: SecretValue,
}

/// What [`SecretStore::put_value`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PutOutcome {
    /// The version's id (the token).
    pub version: VersionId,
    /// `false` when the token already existed with the same value (a no-op).
    pub created: bool,
}

/// How [`SecretStore::delete`] deletes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Deletion {
    /// Schedule deletion after 7–30 days; [`SecretStore::restore`] undoes it.
    RecoveryWindow {
        /// Days until the secret is gone (7 to 30).
        days: u32,
    },
    /// Delete at once, without recovery.
    Force,
}

impl Default for Deletion {
    fn default() -> Deletion {
        Deletion::RecoveryWindow { days: 30 }
    }
}

/// A secret backend with AWS Secrets Manager's version and stage rules.
///
/// Methods return `Send` futures so a store can be driven from a
/// multi-threaded runtime; implement them with `async fn`.
///
/// # The rules every store honours
///
/// - A stage is on at most one version; a version holds at most
///   [`MAX_STAGES_PER_VERSION`] stages; a version with none is deprecated,
///   and deprecated versions beyond [`MAX_DEPRECATED_VERSIONS`] are pruned,
///   oldest first, except those younger than 24 hours.
/// - Moving AWSCURRENT to a version moves AWSPREVIOUS to the version it left.
/// - A secret scheduled for deletion refuses every call but `describe`,
///   `list`, `restore` and `delete` (invalid request).
///
/// # Examples
///
/// ```
/// use rotaplan::store::{MemoryStore, SecretId, SecretStore, SecretValue, Stage, Token, VersionRef};
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let store = MemoryStore::new();
/// let id = SecretId::new("api/key")?;
/// let v1 = Token::generate();
/// store.create(&id, Some((&v1, &SecretValue::from("k1"))), None).await?;
/// let v2 = Token::generate();
/// store.put_value(&id, &v2, &SecretValue::from("k2"), None).await?; // becomes AWSCURRENT
/// let cur = store.get_value(&id, &VersionRef::current()).await?;
/// assert_eq!(cur.value.expose_str(), Some("k2"));
/// let prev = store.get_value(&id, &VersionRef::Stage(Stage::previous())).await?;
/// assert_eq!(prev.value.expose_str(), Some("k1"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
pub trait SecretStore: Send + Sync {
    /// Creates a secret, optionally with a first value (which gets
    /// AWSCURRENT) and rotation rules (CreateSecret).
    ///
    /// # Errors
    ///
    /// Already-exists if the name is taken (also while scheduled for deletion).
    fn create(
        &self,
        id: &SecretId,
        initial: Option<(&Token, &SecretValue)>,
        rotation: Option<&RotationConfig>,
    ) -> impl Future<Output = Result<Description, StoreError>> + Send;

    /// Metadata, rotation rules, last rotation and versions → stages
    /// (DescribeSecret). Works on secrets scheduled for deletion.
    ///
    /// # Errors
    ///
    /// Not-found for an unknown secret.
    fn describe(&self, id: &SecretId) -> impl Future<Output = Result<Description, StoreError>> + Send;

    /// One version's value, by id or stage (GetSecretValue).
    ///
    /// # Errors
    ///
    /// Not-found for an unknown secret, version or unattached stage.
    fn get_value(
        &self,
        id: &SecretId,
        which: &VersionRef,
    ) -> impl Future<Output = Result<SecretVersion, StoreError>> + Send;

    /// Puts a value under `token` (PutSecretValue).
    ///
    /// - A token already used with the same value is a no-op
    ///   (`created: false`, stages untouched); with another value it fails
    ///   with already-exists.
    /// - `stages: None` means AWSCURRENT. Stages attached to other versions
    ///   move to the new one (AWSPREVIOUS following AWSCURRENT).
    /// - The rotation claim: a put carrying AWSPENDING fails with
    ///   rotation-in-progress while AWSPENDING sits on another version that
    ///   is not AWSCURRENT. This check and the write are one atomic step, so
    ///   of two racing rotations exactly one wins.
    ///
    /// # Errors
    ///
    /// Not-found, already-exists, rotation-in-progress, invalid request.
    fn put_value(
        &self,
        id: &SecretId,
        token: &Token,
        value: &SecretValue,
        stages: Option<&[Stage]>,
    ) -> impl Future<Output = Result<PutOutcome, StoreError>> + Send;

    /// Moves or removes a stage (UpdateSecretVersionStage).
    ///
    /// - `move_to: Some(v)`: attaches `stage` to `v`. If it is attached to
    ///   another version, `remove_from` must name that version, else
    ///   invalid request. Moving AWSCURRENT moves AWSPREVIOUS to the version
    ///   it left. Moving a stage onto the version that has it is a no-op.
    /// - `move_to: None`: removes `stage` from `remove_from`, which must hold
    ///   it. AWSCURRENT can only be moved, never removed.
    ///
    /// # Errors
    ///
    /// Not-found for an unknown secret or version, invalid request otherwise.
    fn update_stage(
        &self,
        id: &SecretId,
        stage: &Stage,
        move_to: Option<&VersionId>,
        remove_from: Option<&VersionId>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Sets or clears the rotation rules (RotateSecret's rules part /
    /// CancelRotateSecret).
    ///
    /// # Errors
    ///
    /// Not-found, or invalid request if scheduled for deletion.
    fn set_rotation(
        &self,
        id: &SecretId,
        rotation: Option<&RotationConfig>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Records that a rotation finished at `at` (LastRotatedDate).
    ///
    /// # Errors
    ///
    /// Not-found, or invalid request if scheduled for deletion.
    fn mark_rotated(&self, id: &SecretId, at: DateTime<Utc>) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Schedules deletion (7–30 days) or deletes at once; returns the
    /// deletion date (DeleteSecret). Deleting again updates nothing and
    /// returns the scheduled date.
    ///
    /// # Errors
    ///
    /// Not-found; invalid request for a window outside 7–30 days.
    fn delete(&self, id: &SecretId, how: Deletion) -> impl Future<Output = Result<DateTime<Utc>, StoreError>> + Send;

    /// Cancels a scheduled deletion (RestoreSecret).
    ///
    /// # Errors
    ///
    /// Not-found (also once the recovery window has passed).
    fn restore(&self, id: &SecretId) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Every secret, including those scheduled for deletion, by name
    /// (ListSecrets).
    ///
    /// # Errors
    ///
    /// Store failures only.
    fn list(&self) -> impl Future<Output = Result<Vec<Description>, StoreError>> + Send;

    /// finishSecret's writes: moves AWSCURRENT to `version` (AWSPREVIOUS
    /// follows), removes AWSPENDING from it, and records the rotation at
    /// `at` unless a later one is recorded. The local stores do it in one
    /// atomic step; the default (used by the AWS store) makes three calls,
    /// recording the rotation before removing AWSPENDING, so a crash
    /// between them leaves a marker the next claim finishes (see
    /// [`SecretStore::claim`]).
    ///
    /// # Errors
    ///
    /// Not-found for an unknown secret or version; invalid request if
    /// scheduled for deletion.
    fn finish_rotation(
        &self,
        id: &SecretId,
        version: &VersionId,
        at: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        async move {
            let d = self.describe(id).await?;
            let Some(info) = d.versions.get(version) else {
                return Err(StoreError::not_found(format!("version `{version}` of secret `{id}`")));
            };
            let holder = d.version_with(&Stage::current());
            if holder != Some(version) {
                self.update_stage(id, &Stage::current(), Some(version), holder).await?;
            }
            if d.last_rotated.is_none_or(|t| t < info.created) {
                self.mark_rotated(id, at).await?;
            }
            if info.stages.contains(&Stage::pending()) {
                self.update_stage(id, &Stage::pending(), None, Some(version)).await?;
            }
            Ok(())
        }
    }

    /// Claims `id` for one rotation, atomically (see [`Claim`]):
    ///
    /// - if AWSCURRENT's version or the last rotation date differ from the
    ///   claim's snapshot: [`Skip::AlreadyRotated`];
    /// - if a rotation is pending (AWSPENDING on a version that is not
    ///   AWSCURRENT) under a live lease of another owner:
    ///   [`Skip::RotatingElsewhere`]; under no lease, an expired one or one
    ///   whose owner died: the lease passes to the claimant,
    ///   [`Claimed::Resumed`];
    /// - otherwise the claim's value is put under its token with AWSPENDING
    ///   and the claimant gets the lease: [`Claimed::Started`].
    ///
    /// # Errors
    ///
    /// Not-found; invalid request if scheduled for deletion, or for a
    /// `resume_only` claim with nothing pending.
    fn claim(&self, id: &SecretId, claim: &Claim) -> impl Future<Output = Result<Claimed, StoreError>> + Send;

    /// Extends `owner`'s lease on `id` to `ttl` from now.
    ///
    /// # Errors
    ///
    /// Invalid request if `owner` no longer holds the lease (it expired and
    /// another run took the rotation over).
    fn renew(
        &self,
        id: &SecretId,
        owner: &Owner,
        ttl: std::time::Duration,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Drops `owner`'s lease on `id`, if it still holds it.
    ///
    /// # Errors
    ///
    /// Store failures only.
    fn release(&self, id: &SecretId, owner: &Owner) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The newest `limit` rotation attempts on `id`, newest first (see
    /// [`AttemptRecord`]). The local stores record an attempt in the same
    /// atomic step as its claim and its finish, and keep the last
    /// [`HISTORY_LIMIT`]. The default (the AWS store) keeps no history.
    ///
    /// # Errors
    ///
    /// Store failures only; an unknown secret has an empty history.
    fn history(
        &self,
        id: &SecretId,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<AttemptRecord>, StoreError>> + Send {
        let _ = (id, limit);
        async { Ok(Vec::new()) }
    }

    /// Ends the newest `running` attempt of `token` on `id` with `outcome`
    /// (the driver calls it with [`Outcome::Failed`], the step and the
    /// error's text, or [`Outcome::Cancelled`]). With no running attempt
    /// of that token, an ended record is added. The default does nothing.
    ///
    /// # Errors
    ///
    /// Store failures only.
    fn end_attempt(
        &self,
        id: &SecretId,
        token: &Token,
        outcome: Outcome,
        step: Option<&str>,
        error: Option<&str>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        let _ = (id, token, outcome, step, error);
        async { Ok(()) }
    }
}

macro_rules! forward_store {
    ($($ptr:ty),*) => {$(
        impl<S: SecretStore + ?Sized> SecretStore for $ptr {
            fn create(&self, id: &SecretId, initial: Option<(&Token, &SecretValue)>, rotation: Option<&RotationConfig>)
                -> impl Future<Output = Result<Description, StoreError>> + Send { (**self).create(id, initial, rotation) }
            fn describe(&self, id: &SecretId) -> impl Future<Output = Result<Description, StoreError>> + Send {
                (**self).describe(id)
            }
            fn get_value(&self, id: &SecretId, which: &VersionRef)
                -> impl Future<Output = Result<SecretVersion, StoreError>> + Send { (**self).get_value(id, which) }
            fn put_value(&self, id: &SecretId, token: &Token, value: &SecretValue, stages: Option<&[Stage]>)
                -> impl Future<Output = Result<PutOutcome, StoreError>> + Send { (**self).put_value(id, token, value, stages) }
            fn update_stage(&self, id: &SecretId, stage: &Stage, move_to: Option<&VersionId>, remove_from: Option<&VersionId>)
                -> impl Future<Output = Result<(), StoreError>> + Send { (**self).update_stage(id, stage, move_to, remove_from) }
            fn set_rotation(&self, id: &SecretId, rotation: Option<&RotationConfig>)
                -> impl Future<Output = Result<(), StoreError>> + Send { (**self).set_rotation(id, rotation) }
            fn mark_rotated(&self, id: &SecretId, at: DateTime<Utc>)
                -> impl Future<Output = Result<(), StoreError>> + Send { (**self).mark_rotated(id, at) }
            fn delete(&self, id: &SecretId, how: Deletion)
                -> impl Future<Output = Result<DateTime<Utc>, StoreError>> + Send { (**self).delete(id, how) }
            fn restore(&self, id: &SecretId) -> impl Future<Output = Result<(), StoreError>> + Send {
                (**self).restore(id)
            }
            fn list(&self) -> impl Future<Output = Result<Vec<Description>, StoreError>> + Send {
                (**self).list()
            }
            fn finish_rotation(&self, id: &SecretId, version: &VersionId, at: DateTime<Utc>)
                -> impl Future<Output = Result<(), StoreError>> + Send { (**self).finish_rotation(id, version, at) }
            fn claim(&self, id: &SecretId, claim: &Claim) -> impl Future<Output = Result<Claimed, StoreError>> + Send {
                (**self).claim(id, claim)
            }
            fn renew(&self, id: &SecretId, owner: &Owner, ttl: std::time::Duration)
                -> impl Future<Output = Result<(), StoreError>> + Send { (**self).renew(id, owner, ttl) }
            fn release(&self, id: &SecretId, owner: &Owner) -> impl Future<Output = Result<(), StoreError>> + Send {
                (**self).release(id, owner)
            }
            fn history(&self, id: &SecretId, limit: usize)
                -> impl Future<Output = Result<Vec<AttemptRecord>, StoreError>> + Send { (**self).history(id, limit) }
            fn end_attempt(&self, id: &SecretId, token: &Token, outcome: Outcome, step: Option<&str>, error: Option<&str>)
                -> impl Future<Output = Result<(), StoreError>> + Send { (**self).end_attempt(id, token, outcome, step, error) }
        }
    )*};
}
forward_store!(&S, Arc<S>, Box<S>);

/// A `command:` program must exist and be executable: found as given when it
/// names a path, else in `PATH`.
fn check_program(prog: &str) -> Result<(), StoreError> {
    fn executable(p: &std::path::Path) -> bool {
        let Ok(meta) = std::fs::metadata(p) else { return false };
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            meta.is_file() && meta.permissions().mode() & 0o111 != 0
        }
        #[cfg(not(unix))]
        meta.is_file()
    }
    let found = if prog.contains('/') {
        executable(std::path::Path::new(prog))
    } else {
        std::env::var_os("PATH").is_some_and(|path| std::env::split_paths(&path).any(|dir| executable(&dir.join(prog))))
    };
    if found {
        Ok(())
    } else {
        Err(StoreError::invalid(format!(
            "target command `{prog}` does not exist or is not executable"
        )))
    }
}

//! [`DbSecret`]: a database secret in the JSON shape AWS uses for RDS, and
//! what the database targets share around it.
//!
//! `PostgresRole` and `MysqlUser`
//! read the same keys (`engine`, `host`, `port`, `username`, `password`,
//! `dbname`, `masterarn`), keep the same master secret and AWSPREVIOUS
//! look-ups, and start setSecret with the same question (does the pending
//! value log in already?). Only the SQL differs, so one parser and one
//! [`DbTarget`] serve both; the [`Engine`] marker says which engines a
//! secret may name, its default port and what `dbname` means.
//!
//! # Example
//!
//! ```
//! # #[cfg(feature = "postgres")] {
//! use rotaplan::store::SecretValue;
//! use rotaplan::target::RdsSecret;
//! let v = SecretValue::from(r#"{"engine":"postgres","host":"db","username":"app","password":"pw"}"#);
//! assert_eq!(RdsSecret::from_value(&v)?.port, 5432);
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;

use zeroize::Zeroizing;

use super::StepContext;
use super::TargetError;
use crate::store::{SecretId, SecretStore, SecretValue, Stage, VersionRef};

/// The engine family of a [`DbSecret`]: `PostgresEngine` or
/// `MysqlEngine`. Sealed: the database targets are the only users.
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "mysql")] {
/// use rotaplan::store::SecretValue;
/// use rotaplan::target::{DbSecret, MysqlEngine};
/// let v = SecretValue::from(r#"{"engine":"mysql","host":"db","username":"app","password":"pw"}"#);
/// let s: DbSecret<MysqlEngine> = DbSecret::from_value(&v)?;
/// assert_eq!(s.dbname, None);
/// # }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait Engine: sealed::Sealed + Send + Sync + 'static {
    /// What the secret's `dbname` becomes: always a database for
    /// PostgreSQL (default `postgres`), optional for MySQL.
    type Dbname: Clone + fmt::Debug + Send + Sync;
}

mod sealed {
    /// What an [`Engine`](super::Engine) tells the shared code.
    pub trait Sealed {
        /// The type's name in `Debug` output (`RdsSecret`, `MysqlSecret`).
        const SECRET: &'static str;
        /// The target's name, for the missing-master error.
        const TARGET: &'static str;
        /// The `engine` values accepted.
        const ENGINES: &'static [&'static str];
        /// The error for any other engine, after "engine `…` ".
        const NOT_ENGINE: &'static str;
        /// The port when the secret names none.
        const DEFAULT_PORT: u16;
        /// `dbname` as given (`None` when absent or null).
        fn dbname(given: Option<String>) -> <Self as super::Engine>::Dbname
        where
            Self: super::Engine;
    }
}

/// PostgreSQL (engines `postgres`, `postgresql`, `aurora-postgresql`;
/// port 5432; `dbname` default `postgres`). See [`RdsSecret`](super::RdsSecret).
///
/// # Examples
///
/// ```
/// use rotaplan::target::{DbSecret, PostgresEngine, RdsSecret};
/// fn same(s: RdsSecret) -> DbSecret<PostgresEngine> { s }
/// # let _ = same;
/// ```
#[cfg(feature = "postgres")]
#[derive(Clone, Copy, Debug)]
pub enum PostgresEngine {}

#[cfg(feature = "postgres")]
impl Engine for PostgresEngine {
    type Dbname = String;
}

#[cfg(feature = "postgres")]
impl sealed::Sealed for PostgresEngine {
    const SECRET: &'static str = "RdsSecret";
    const TARGET: &'static str = "PostgresRole";
    const ENGINES: &'static [&'static str] = POSTGRES_ENGINES;
    const NOT_ENGINE: &'static str = "is not PostgreSQL (expected `postgres`)";
    const DEFAULT_PORT: u16 = 5432;
    fn dbname(given: Option<String>) -> String {
        given.unwrap_or_else(|| "postgres".to_owned())
    }
}

/// The `engine` values of a PostgreSQL-family RDS secret.
#[cfg(feature = "postgres")]
pub(crate) const POSTGRES_ENGINES: &[&str] = &["postgres", "postgresql", "aurora-postgresql"];

/// MySQL and MariaDB (engines `mysql`, `mariadb`, `aurora-mysql`,
/// `aurora`; port 3306; `dbname` optional, empty meaning none). See
/// [`MysqlSecret`](super::MysqlSecret).
///
/// # Examples
///
/// ```
/// use rotaplan::target::{DbSecret, MysqlEngine, MysqlSecret};
/// fn same(s: MysqlSecret) -> DbSecret<MysqlEngine> { s }
/// # let _ = same;
/// ```
#[cfg(feature = "mysql")]
#[derive(Clone, Copy, Debug)]
pub enum MysqlEngine {}

#[cfg(feature = "mysql")]
impl Engine for MysqlEngine {
    type Dbname = Option<String>;
}

#[cfg(feature = "mysql")]
impl sealed::Sealed for MysqlEngine {
    const SECRET: &'static str = "MysqlSecret";
    const TARGET: &'static str = "MysqlUser";
    const ENGINES: &'static [&'static str] = MYSQL_ENGINES;
    const NOT_ENGINE: &'static str = "is not MySQL or MariaDB (expected `mysql` or `mariadb`)";
    const DEFAULT_PORT: u16 = 3306;
    fn dbname(given: Option<String>) -> Option<String> {
        given.filter(|d| !d.is_empty())
    }
}

/// The `engine` values of a MySQL-family RDS secret.
#[cfg(feature = "mysql")]
pub(crate) const MYSQL_ENGINES: &[&str] = &["mysql", "mariadb", "aurora-mysql", "aurora"];

/// A database secret in AWS's RDS JSON shape, parsed and checked, for the
/// engine family `E`. Used as `RdsSecret` (PostgreSQL) and
/// `MysqlSecret` (MySQL/MariaDB), whose docs give the
/// keys and defaults. `Debug` never shows the password.
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "postgres")] {
/// use rotaplan::store::SecretValue;
/// use rotaplan::target::{DbSecret, PostgresEngine};
/// let v = SecretValue::from(r#"{"engine":"aurora-postgresql","host":"db","username":"app","password":"pw"}"#);
/// let s = DbSecret::<PostgresEngine>::from_value(&v)?;
/// assert_eq!((s.port, s.dbname.as_str()), (5432, "postgres"));
/// assert!(!format!("{s:?}").contains("pw\""));
/// # }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[non_exhaustive]
pub struct DbSecret<E: Engine> {
    /// The engine, one of `E`'s (`postgres`, `mysql`, …).
    pub engine: String,
    /// The server's host name or address.
    pub host: String,
    /// The server's port.
    pub port: u16,
    /// The role or user to log in as.
    pub username: String,
    password: Zeroizing<String>,
    /// The database to connect to (PostgreSQL), or the default database if
    /// any (MySQL).
    pub dbname: E::Dbname,
    /// The ARN (or name) of the master secret, for alternating users.
    pub masterarn: Option<String>,
    engine_family: PhantomData<fn() -> E>,
}

impl<E: Engine> Clone for DbSecret<E> {
    fn clone(&self) -> DbSecret<E> {
        DbSecret {
            engine: self.engine.clone(),
            host: self.host.clone(),
            port: self.port,
            username: self.username.clone(),
            password: self.password.clone(),
            dbname: self.dbname.clone(),
            masterarn: self.masterarn.clone(),
            engine_family: PhantomData,
        }
    }
}

impl<E: Engine> fmt::Debug for DbSecret<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(E::SECRET)
            .field("engine", &self.engine)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("dbname", &self.dbname)
            .field("masterarn", &self.masterarn)
            .finish()
    }
}

impl<E: Engine> DbSecret<E> {
    /// Parses and checks a secret value.
    ///
    /// # Errors
    ///
    /// An invalid-request error naming the problem (never the value): not
    /// text, not a JSON object, a missing or non-string key, an engine of
    /// another family, an empty username, a bad port.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "postgres")] {
    /// use rotaplan::store::SecretValue;
    /// use rotaplan::target::RdsSecret;
    /// let err = RdsSecret::from_value(&SecretValue::from("hunter2")).unwrap_err();
    /// assert!(err.is_invalid_request());
    /// assert!(!err.to_string().contains("hunter2"));
    /// # }
    /// ```
    ///
    /// ```
    /// # #[cfg(feature = "mysql")] {
    /// use rotaplan::store::SecretValue;
    /// use rotaplan::target::MysqlSecret;
    /// let err = MysqlSecret::from_value(&SecretValue::from("hunter2")).unwrap_err();
    /// assert!(err.is_invalid_request());
    /// assert!(!err.to_string().contains("hunter2"));
    /// # }
    /// ```
    pub fn from_value(value: &SecretValue) -> Result<DbSecret<E>, TargetError> {
        let text = value
            .expose_str()
            .ok_or_else(|| TargetError::invalid("database secret must be text (JSON), not binary"))?;
        // Parse into a tree that is dropped right after; serde_json's own
        // error messages never quote the input.
        let json: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| TargetError::invalid(format!("database secret is not valid JSON: {e}")))?;
        let obj = json
            .as_object()
            .ok_or_else(|| TargetError::invalid("database secret must be a JSON object"))?;
        let string = |key: &str| -> Result<Option<String>, TargetError> {
            match obj.get(key) {
                None | Some(serde_json::Value::Null) => Ok(None),
                Some(serde_json::Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(TargetError::invalid(format!(
                    "database secret: key `{key}` must be a string"
                ))),
            }
        };
        let required = |key: &str| -> Result<String, TargetError> {
            string(key)?.ok_or_else(|| TargetError::invalid(format!("database secret: missing key `{key}`")))
        };
        let engine = required("engine")?;
        if !E::ENGINES.contains(&engine.as_str()) {
            return Err(TargetError::invalid(format!(
                "database secret: engine `{engine}` {}",
                E::NOT_ENGINE
            )));
        }
        let host = required("host")?;
        let username = required("username")?;
        if username.is_empty() || username.contains('\0') {
            return Err(TargetError::invalid(
                "database secret: `username` must be non-empty, without NUL",
            ));
        }
        let password = Zeroizing::new(required("password")?);
        let port = match obj.get("port") {
            None | Some(serde_json::Value::Null) => E::DEFAULT_PORT,
            Some(serde_json::Value::Number(n)) => n.as_u64().and_then(|n| u16::try_from(n).ok()).unwrap_or(0),
            Some(serde_json::Value::String(s)) => s.parse::<u16>().unwrap_or(0),
            Some(_) => 0,
        };
        if port == 0 {
            return Err(TargetError::invalid(
                "database secret: `port` must be a number from 1 to 65535",
            ));
        }
        Ok(DbSecret {
            engine,
            host,
            port,
            username,
            password,
            dbname: E::dbname(string("dbname")?),
            masterarn: string("masterarn")?,
            engine_family: PhantomData,
        })
    }

    /// The password. Handle with care.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "postgres")] {
    /// # use rotaplan::store::SecretValue;
    /// # use rotaplan::target::RdsSecret;
    /// let v = SecretValue::from(r#"{"engine":"postgres","host":"h","username":"u","password":"p"}"#);
    /// assert_eq!(RdsSecret::from_value(&v)?.expose_password(), "p");
    /// # }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// ```
    /// # #[cfg(feature = "mysql")] {
    /// # use rotaplan::store::SecretValue;
    /// # use rotaplan::target::MysqlSecret;
    /// let v = SecretValue::from(r#"{"engine":"mysql","host":"h","username":"u","password":"p"}"#);
    /// assert_eq!(MysqlSecret::from_value(&v)?.expose_password(), "p");
    /// # }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn expose_password(&self) -> &str {
        &self.password
    }
}

/// Reads a secret's value at one stage; `None` when it cannot be read.
type StageFn = Arc<dyn Fn(SecretId) -> Pin<Box<dyn Future<Output = Option<SecretValue>> + Send>> + Send + Sync>;

/// Reads the value holding `stage` of a secret from `store`; `None` when it
/// cannot be read.
fn stage_reader<S: SecretStore + Clone + 'static>(store: S, stage: Stage) -> StageFn {
    Arc::new(move |id: SecretId| {
        let (store, stage) = (store.clone(), stage.clone());
        Box::pin(async move {
            store
                .get_value(&id, &VersionRef::Stage(stage))
                .await
                .ok()
                .map(|v| v.value)
        })
    })
}

/// A database [`Target`](super::Target) for the engine family `E`: used as
/// `PostgresRole` (feature `postgres`) and
/// `MysqlUser` (feature `mysql`), whose docs give the
/// strategies and SQL. It holds what both log in with besides the pending
/// and current values: the master secret (given, or read by `masterarn`)
/// and where AWSPREVIOUS is read. `Debug` never shows a password.
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "postgres")] {
/// use rotaplan::target::{DbTarget, PostgresEngine, PostgresRole};
/// let t: DbTarget<PostgresEngine> = PostgresRole::new();
/// assert!(format!("{t:?}").starts_with("PostgresRole"));
/// # }
/// ```
pub struct DbTarget<E: Engine> {
    master: Option<DbSecret<E>>,
    previous: Option<StageFn>,
    master_from: Option<StageFn>,
}

impl<E: Engine> Clone for DbTarget<E> {
    fn clone(&self) -> DbTarget<E> {
        DbTarget {
            master: self.master.clone(),
            previous: self.previous.clone(),
            master_from: self.master_from.clone(),
        }
    }
}

impl<E: Engine> Default for DbTarget<E> {
    fn default() -> DbTarget<E> {
        DbTarget {
            master: None,
            previous: None,
            master_from: None,
        }
    }
}

impl<E: Engine> fmt::Debug for DbTarget<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(E::TARGET)
            .field("master", &self.master)
            .field("previous", &self.previous.as_ref().map(|_| "<store>"))
            .field("master_from", &self.master_from.as_ref().map(|_| "<store>"))
            .finish()
    }
}

impl<E: Engine> DbTarget<E> {
    /// A target with no master secret and no AWSPREVIOUS fallback: enough
    /// for single-user rotations.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "postgres")] {
    /// # use rotaplan::target::PostgresRole;
    /// let t = PostgresRole::new();
    /// # let _ = t;
    /// # }
    /// ```
    ///
    /// ```
    /// # #[cfg(feature = "mysql")] {
    /// # use rotaplan::target::MysqlUser;
    /// let t = MysqlUser::new();
    /// # let _ = t;
    /// # }
    /// ```
    pub fn new() -> DbTarget<E> {
        DbTarget::default()
    }

    /// The master credentials that create and alter the alternating users
    /// (the secret `masterarn` names). On PostgreSQL the role needs
    /// `CREATEROLE`; on MySQL/MariaDB the user needs `CREATE USER`, the
    /// rights it hands on `WITH GRANT OPTION`, and `SELECT` on `mysql.user`,
    /// as an RDS master user has.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "postgres")] {
    /// # use rotaplan::store::SecretValue;
    /// # use rotaplan::target::{PostgresRole, RdsSecret};
    /// let m = RdsSecret::from_value(&SecretValue::from(r#"{"engine":"postgres","host":"h","username":"root","password":"p"}"#))?;
    /// let t = PostgresRole::new().master(m);
    /// # let _ = t;
    /// # }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// ```
    /// # #[cfg(feature = "mysql")] {
    /// # use rotaplan::store::SecretValue;
    /// # use rotaplan::target::{MysqlUser, MysqlSecret};
    /// let m = MysqlSecret::from_value(&SecretValue::from(r#"{"engine":"mysql","host":"h","username":"admin","password":"p"}"#))?;
    /// let t = MysqlUser::new().master(m);
    /// # let _ = t;
    /// # }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn master(mut self, master: DbSecret<E>) -> DbTarget<E> {
        self.master = Some(master);
        self
    }

    /// Where single-user setSecret reads AWSPREVIOUS when neither the
    /// pending nor the current password logs in (a rotation interrupted
    /// after finishSecret moved AWSCURRENT, for one).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "postgres")] {
    /// # use std::sync::Arc;
    /// # use rotaplan::store::MemoryStore;
    /// # use rotaplan::target::PostgresRole;
    /// let store = Arc::new(MemoryStore::new());
    /// let t = PostgresRole::new().previous_from(Arc::clone(&store));
    /// # let _ = t;
    /// # }
    /// ```
    ///
    /// ```
    /// # #[cfg(feature = "mysql")] {
    /// # use std::sync::Arc;
    /// # use rotaplan::store::MemoryStore;
    /// # use rotaplan::target::MysqlUser;
    /// let store = Arc::new(MemoryStore::new());
    /// let t = MysqlUser::new().previous_from(Arc::clone(&store));
    /// # let _ = t;
    /// # }
    /// ```
    pub fn previous_from<S: SecretStore + Clone + 'static>(mut self, store: S) -> DbTarget<E> {
        self.previous = Some(stage_reader(store, Stage::previous()));
        self
    }

    /// Where alternating-users setSecret reads the master secret when none
    /// was given with [`DbTarget::master`]: AWSCURRENT of the secret that
    /// the current value's `masterarn` names, as AWS's rotation functions do.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "postgres")] {
    /// # use std::sync::Arc;
    /// # use rotaplan::store::MemoryStore;
    /// # use rotaplan::target::PostgresRole;
    /// let store = Arc::new(MemoryStore::new());
    /// let t = PostgresRole::new().previous_from(Arc::clone(&store)).master_from(store);
    /// # let _ = t;
    /// # }
    /// ```
    ///
    /// ```
    /// # #[cfg(feature = "mysql")] {
    /// # use std::sync::Arc;
    /// # use rotaplan::store::MemoryStore;
    /// # use rotaplan::target::MysqlUser;
    /// let store = Arc::new(MemoryStore::new());
    /// let t = MysqlUser::new().previous_from(Arc::clone(&store)).master_from(store);
    /// # let _ = t;
    /// # }
    /// ```
    pub fn master_from<S: SecretStore + Clone + 'static>(mut self, store: S) -> DbTarget<E> {
        self.master_from = Some(stage_reader(store, Stage::current()));
        self
    }

    /// AWSPREVIOUS of the secret, if it can be read, parses and names `user`.
    async fn previous_of(&self, ctx: &StepContext<'_>, user: &str) -> Option<DbSecret<E>> {
        let value = match &self.previous {
            Some(lookup) => lookup(ctx.secret.clone()).await?,
            None => return None,
        };
        DbSecret::from_value(&value).ok().filter(|p| p.username == user)
    }

    /// Single-user setSecret's login as `user` (the current user): with
    /// AWSCURRENT, then, if the server refuses it, with AWSPREVIOUS (a
    /// rotation interrupted after finishSecret moved AWSCURRENT, for one).
    /// `connect` logs in to `current`'s server with a password.
    pub(crate) async fn login_single_user<C, Fut>(
        &self,
        ctx: &StepContext<'_>,
        current: &DbSecret<E>,
        user: &str,
        connect: impl Fn(Zeroizing<String>) -> Fut,
    ) -> Result<C, TargetError>
    where
        Fut: Future<Output = Result<C, ConnectError>>,
    {
        let mut tried = vec!["AWSCURRENT"];
        let conn = match connect(current.password.clone()).await {
            Ok(c) => c,
            Err(first) if first.auth => match self.previous_of(ctx, user).await {
                Some(prev) => {
                    tried.push("AWSPREVIOUS");
                    connect(prev.password.clone())
                        .await
                        .map_err(|e| e.into_error(ctx, user, &current.host))?
                }
                None => return Err(first.into_error(ctx, user, &current.host)),
            },
            Err(e) => return Err(e.into_error(ctx, user, &current.host)),
        };
        tracing::debug!(user = %user, with = ?tried, "logged in to change the password");
        Ok(conn)
    }

    /// The master credentials: given, or looked up by `masterarn`.
    pub(crate) async fn master_for(
        &self,
        ctx: &StepContext<'_>,
        current: &DbSecret<E>,
    ) -> Result<DbSecret<E>, TargetError> {
        if let Some(m) = &self.master {
            return Ok(m.clone());
        }
        let missing = || {
            TargetError::invalid(format!(
                "alternating-users rotation of secret `{}` needs the master secret{} ({}::master or master_from)",
                ctx.secret,
                current
                    .masterarn
                    .as_deref()
                    .map(|a| format!(" `{a}`"))
                    .unwrap_or_default(),
                E::TARGET,
            ))
        };
        let (Some(lookup), Some(arn)) = (&self.master_from, current.masterarn.as_deref()) else {
            return Err(missing());
        };
        let id = SecretId::new(arn).map_err(|e| e.context("masterarn"))?;
        let value = lookup(id).await.ok_or_else(missing)?;
        DbSecret::from_value(&value).map_err(|e| e.context(format!("master secret `{arn}`")))
    }
}

/// The pending and current values of a setSecret, parsed.
pub(crate) fn parse_set<E: Engine>(
    pending: &SecretValue,
    current: &SecretValue,
) -> Result<(DbSecret<E>, DbSecret<E>), TargetError> {
    let pending = DbSecret::from_value(pending).map_err(|e| e.context("AWSPENDING"))?;
    let current = DbSecret::from_value(current).map_err(|e| e.context("AWSCURRENT"))?;
    Ok((pending, current))
}

/// A single-user rotation changes one user's password: the pending value
/// must name the current user.
pub(crate) fn check_single_user<E: Engine>(
    ctx: &StepContext<'_>,
    pending: &DbSecret<E>,
    current: &DbSecret<E>,
) -> Result<(), TargetError> {
    if pending.username != current.username {
        return Err(TargetError::invalid(format!(
            "single-user rotation of secret `{}`: the pending username `{}` differs from the current `{}`",
            ctx.secret, pending.username, current.username
        )));
    }
    Ok(())
}

/// A failed connection: whether the server refused the credentials, and
/// the driver's message (which never holds a password).
pub(crate) struct ConnectError {
    pub(crate) auth: bool,
    pub(crate) message: String,
}

impl ConnectError {
    pub(crate) fn into_error(self, ctx: &StepContext<'_>, user: &str, host: &str) -> TargetError {
        let what = if self.auth { "login refused" } else { "cannot connect" };
        TargetError::target(format!(
            "{} of secret `{}`: {what} as `{user}` at `{host}`: {}",
            ctx.step, ctx.secret, self.message
        ))
    }
}

/// setSecret's first question: does the pending value log in already (a
/// resumed rotation)? `login` is that attempt.
///
/// # Errors
///
/// A connection failure other than refused credentials.
pub(crate) async fn pending_logs_in<E: Engine>(
    ctx: &StepContext<'_>,
    pending: &DbSecret<E>,
    login: impl Future<Output = Result<(), ConnectError>>,
) -> Result<bool, TargetError> {
    match login.await {
        Ok(()) => {
            tracing::info!(user = %pending.username, "AWSPENDING already logs in");
            Ok(true)
        }
        Err(e) if e.auth => Ok(false),
        Err(e) => Err(e.into_error(ctx, &pending.username, &pending.host)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The checks every engine family makes, with `engine` one of its
    /// engines and `other` an engine of the other family.
    fn checks_and_redacts<E: Engine>(engine: &str, other: &str) {
        let ok = format!(
            r#"{{"engine":"{engine}","host":"db","port":"3307","username":"app","password":"s3cr3t!","dbname":"x","masterarn":"arn:m"}}"#
        );
        let s = DbSecret::<E>::from_value(&SecretValue::from(ok)).unwrap();
        assert_eq!((s.engine.as_str(), s.host.as_str(), s.port), (engine, "db", 3307));
        assert_eq!((s.username.as_str(), s.expose_password()), ("app", "s3cr3t!"));
        assert_eq!(s.masterarn.as_deref(), Some("arn:m"));
        let dbg = format!("{s:?} {:?}", DbTarget::<E>::new().master(s.clone()));
        assert!(!dbg.contains("s3cr3t!"), "{dbg}");
        assert!(dbg.contains("<redacted>"));

        let e = engine;
        for (json, msg) in [
            (
                r#"{"host":"h","username":"u","password":"p"}"#.to_owned(),
                "missing key `engine`",
            ),
            (
                format!(r#"{{"engine":"{e}","username":"u","password":"p"}}"#),
                "missing key `host`",
            ),
            (
                format!(r#"{{"engine":"{e}","host":"h","password":"p"}}"#),
                "missing key `username`",
            ),
            (
                format!(r#"{{"engine":"{e}","host":"h","username":"u"}}"#),
                "missing key `password`",
            ),
            (
                format!(r#"{{"engine":"{other}","host":"h","username":"u","password":"p"}}"#),
                &format!("engine `{other}`"),
            ),
            (
                format!(r#"{{"engine":"{e}","host":"h","username":"u","password":"p","port":0}}"#),
                "`port`",
            ),
            (
                format!(r#"{{"engine":"{e}","host":"h","username":"u","password":"p","port":70000}}"#),
                "`port`",
            ),
            (
                format!(r#"{{"engine":"{e}","host":"h","username":"u","password":"p","port":"x"}}"#),
                "`port`",
            ),
            (
                format!(r#"{{"engine":"{e}","host":"h","username":"","password":"p"}}"#),
                "`username`",
            ),
            (
                format!(r#"{{"engine":"{e}","host":"h","username":"u","password":5}}"#),
                "`password` must be a string",
            ),
            (r#"["p"]"#.to_owned(), "JSON object"),
            ("pw-not-json".to_owned(), "not valid JSON"),
        ] {
            let err = DbSecret::<E>::from_value(&SecretValue::from(json.as_str())).unwrap_err();
            assert!(err.is_invalid_request(), "{json}");
            assert!(err.to_string().contains(msg), "{json}: {err}");
            assert!(!err.to_string().contains("pw-not-json"));
        }
        let bin = DbSecret::<E>::from_value(&SecretValue::binary(vec![1])).unwrap_err();
        assert!(bin.to_string().contains("binary"));
    }

    #[cfg(feature = "postgres")]
    #[test]
    fn postgres_secret_checks_and_redacts() {
        checks_and_redacts::<PostgresEngine>("postgres", "mysql");
        let ok = r#"{"engine":"postgres","host":"db","port":5433,"username":"app","password":"s3cr3t!","dbname":"x"}"#;
        let s = DbSecret::<PostgresEngine>::from_value(&SecretValue::from(ok)).unwrap();
        assert_eq!((s.port, s.dbname.as_str()), (5433, "x"));
        let bare = r#"{"engine":"aurora-postgresql","host":"db","username":"app","password":"p"}"#;
        let s = DbSecret::<PostgresEngine>::from_value(&SecretValue::from(bare)).unwrap();
        assert_eq!(
            (s.port, s.dbname.as_str(), s.masterarn.as_deref()),
            (5432, "postgres", None)
        );
        assert!(format!("{s:?}").starts_with("RdsSecret {"));
    }

    #[cfg(feature = "mysql")]
    #[test]
    fn mysql_secret_checks_and_redacts() {
        checks_and_redacts::<MysqlEngine>("mysql", "postgres");
        let ok = r#"{"engine":"mysql","host":"db","port":"3307","username":"app","password":"s3cr3t!","dbname":"x"}"#;
        let s = DbSecret::<MysqlEngine>::from_value(&SecretValue::from(ok)).unwrap();
        assert_eq!((s.port, s.dbname.as_deref()), (3307, Some("x")));
        let bare = r#"{"engine":"aurora","host":"db","username":"app","password":"p","dbname":""}"#;
        let s = DbSecret::<MysqlEngine>::from_value(&SecretValue::from(bare)).unwrap();
        assert_eq!(
            (s.port, s.dbname.as_deref(), s.masterarn.as_deref()),
            (3306, None, None)
        );
        assert!(format!("{s:?}").starts_with("MysqlSecret {"));
    }
}

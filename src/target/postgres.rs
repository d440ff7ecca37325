//! [`PostgresRole`]: a [`Target`] that rotates a PostgreSQL role's password.
//!
//! The secret is JSON in the shape AWS uses for RDS ([`RdsSecret`]):
//! `{"engine": "postgres", "host": "…", "port": 5432, "username": "…",
//! "password": "…", "dbname": "…", "masterarn": "…"}`.
//!
//! # Strategies
//!
//! - **single-user** ([`Strategy::SingleUser`]): setSecret logs in as the
//!   user and runs `ALTER ROLE user WITH PASSWORD '…'`. During the change the
//!   old password stops working the moment the new one starts.
//! - **alternating users** ([`Strategy::AlternatingUsers`]): setSecret logs
//!   in with the *master* secret ([`PostgresRole::master`]) and sets the
//!   password of the user the pending value names. The first time that is
//!   `<user>_clone`, which does not exist yet: it is created with
//!   `CREATE ROLE <user>_clone WITH LOGIN PASSWORD '…'` and given the
//!   original's rights with `GRANT <user> TO <user>_clone`. Later rotations
//!   alternate between the two with `ALTER ROLE`; the user in AWSCURRENT
//!   keeps working throughout.
//!
//! # Idempotence (as AWS's rotation templates do it)
//!
//! setSecret first tries to log in with the pending value: if that works the
//! password is already set and nothing happens. Otherwise it logs in with
//! AWSCURRENT and then AWSPREVIOUS (single-user; AWSPREVIOUS needs
//! [`PostgresRole::previous_from`]) or with the master secret (alternating),
//! and changes the password. testSecret logs in with the pending value and
//! runs `SELECT 1`.
//!
//! # Quoting
//!
//! `ALTER ROLE … PASSWORD` takes no bind parameter, so the role name is
//! quoted as an identifier (`"…"`, `"` doubled) and the password as an
//! escape string literal (`E'…'`, `'` and `\` doubled), which reads the same
//! whatever `standard_conforming_strings` says. A NUL character is refused.
//! The password is sent in the statement text, as AWS's templates send it:
//! keep `log_statement` off for DDL on the server.
//!
//! # Connections
//!
//! Connections use plain TCP (tokio-postgres without TLS) with a 10 s
//! connect time-out. Errors name the user, host and step, never a password.
//!
//! # Example
//!
//! ```no_run
//! use rotaplan::rotate::{MemoryStore, PostgresRole, Rotator, SecretId, Token};
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let store = MemoryStore::new();
//! // … a secret `db/app` holding {"engine":"postgres","host":…,"username":"app","password":…}
//! let rotator = Rotator::new(&store, PostgresRole::new());
//! rotator.rotate(&SecretId::new("db/app")?, &Token::generate()).await?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio_postgres::error::SqlState;
use tokio_postgres::NoTls;
use zeroize::Zeroizing;

use super::{StepContext, Target};
use crate::rotate::RotateError;
use crate::store::{SecretId, SecretStore, SecretValue, Stage, Strategy, VersionRef};

/// A database secret in AWS's RDS JSON shape, parsed and checked.
///
/// Required keys: `engine` (`postgres`, `postgresql` or `aurora-postgresql`), `host`,
/// `username`, `password`. Optional: `port` (number or numeric string,
/// default 5432), `dbname` (default `postgres`), `masterarn` (the master
/// secret of an alternating-users rotation). `Debug` never shows the
/// password.
///
/// # Examples
///
/// ```
/// use rotaplan::rotate::{RdsSecret, SecretValue};
/// let v = SecretValue::from(r#"{"engine":"postgres","host":"db","port":"6432","username":"app","password":"pw"}"#);
/// let s = RdsSecret::from_value(&v)?;
/// assert_eq!((s.host.as_str(), s.port, s.dbname.as_str()), ("db", 6432, "postgres"));
/// assert_eq!(s.expose_password(), "pw");
/// assert!(!format!("{s:?}").contains("pw\""));
///
/// let err = RdsSecret::from_value(&SecretValue::from(r#"{"engine":"postgres","host":"db","password":"pw"}"#)).unwrap_err();
/// assert!(err.to_string().contains("missing key `username`"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct RdsSecret {
    /// `postgres`, `postgresql` or `aurora-postgresql`.
    pub engine: String,
    /// The server's host name or address.
    pub host: String,
    /// The server's port.
    pub port: u16,
    /// The role to log in as.
    pub username: String,
    password: Zeroizing<String>,
    /// The database to connect to.
    pub dbname: String,
    /// The ARN (or name) of the master secret, for alternating users.
    pub masterarn: Option<String>,
}

impl fmt::Debug for RdsSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RdsSecret")
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

impl RdsSecret {
    /// Parses and checks a secret value.
    ///
    /// # Errors
    ///
    /// An invalid-request error naming the problem (never the value): not
    /// text, not a JSON object, a missing or non-string key, an engine that
    /// is not PostgreSQL, a bad port.
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::rotate::{RdsSecret, SecretValue};
    /// let err = RdsSecret::from_value(&SecretValue::from("hunter2")).unwrap_err();
    /// assert!(err.is_invalid_request());
    /// assert!(!err.to_string().contains("hunter2"));
    /// ```
    pub fn from_value(value: &SecretValue) -> Result<RdsSecret, RotateError> {
        let text = value
            .expose_str()
            .ok_or_else(|| RotateError::invalid("database secret must be text (JSON), not binary"))?;
        // Parse into a tree that is dropped right after; serde_json's own
        // error messages never quote the input.
        let json: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| RotateError::invalid(format!("database secret is not valid JSON: {e}")))?;
        let obj = json
            .as_object()
            .ok_or_else(|| RotateError::invalid("database secret must be a JSON object"))?;
        let string = |key: &str| -> Result<Option<String>, RotateError> {
            match obj.get(key) {
                None | Some(serde_json::Value::Null) => Ok(None),
                Some(serde_json::Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(RotateError::invalid(format!(
                    "database secret: key `{key}` must be a string"
                ))),
            }
        };
        let required = |key: &str| -> Result<String, RotateError> {
            string(key)?.ok_or_else(|| RotateError::invalid(format!("database secret: missing key `{key}`")))
        };
        let engine = required("engine")?;
        if !matches!(engine.as_str(), "postgres" | "postgresql" | "aurora-postgresql") {
            return Err(RotateError::invalid(format!(
                "database secret: engine `{engine}` is not PostgreSQL (expected `postgres`)"
            )));
        }
        let host = required("host")?;
        let username = required("username")?;
        if username.is_empty() || username.contains('\0') {
            return Err(RotateError::invalid(
                "database secret: `username` must be non-empty, without NUL",
            ));
        }
        let password = Zeroizing::new(required("password")?);
        let port = match obj.get("port") {
            None | Some(serde_json::Value::Null) => 5432,
            Some(serde_json::Value::Number(n)) => n.as_u64().and_then(|n| u16::try_from(n).ok()).unwrap_or(0),
            Some(serde_json::Value::String(s)) => s.parse::<u16>().unwrap_or(0),
            Some(_) => 0,
        };
        if port == 0 {
            return Err(RotateError::invalid(
                "database secret: `port` must be a number from 1 to 65535",
            ));
        }
        Ok(RdsSecret {
            engine,
            host,
            port,
            username,
            password,
            dbname: string("dbname")?.unwrap_or_else(|| "postgres".to_owned()),
            masterarn: string("masterarn")?,
        })
    }

    /// The password. Handle with care.
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::rotate::{RdsSecret, SecretValue};
    /// let v = SecretValue::from(r#"{"engine":"postgres","host":"h","username":"u","password":"p"}"#);
    /// assert_eq!(RdsSecret::from_value(&v)?.expose_password(), "p");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn expose_password(&self) -> &str {
        &self.password
    }

    fn config(&self, as_user: &str, password: &str, dbname: &str) -> tokio_postgres::Config {
        let mut c = tokio_postgres::Config::new();
        c.host(&self.host)
            .port(self.port)
            .dbname(dbname)
            .user(as_user)
            .password(password)
            .application_name("rotaplan")
            .connect_timeout(Duration::from_secs(10));
        c
    }
}

type PreviousFn = Arc<dyn Fn(SecretId) -> Pin<Box<dyn Future<Output = Option<SecretValue>> + Send>> + Send + Sync>;

/// A [`Target`] that rotates a PostgreSQL role's password (feature
/// `postgres`). See the [target docs](crate::target) for the strategies and how
/// setSecret stays idempotent.
///
/// The strategy comes from the secret's rotation rules
/// ([`StepContext::strategy`]); single-user is the default.
///
/// # Examples
///
/// ```
/// use rotaplan::rotate::{MemoryStore, PostgresRole, RdsSecret, SecretValue};
/// let master = RdsSecret::from_value(&SecretValue::from(
///     r#"{"engine":"postgres","host":"db","username":"postgres","password":"m"}"#,
/// ))?;
/// let store = std::sync::Arc::new(MemoryStore::new());
/// let target = PostgresRole::new().master(master).previous_from(store);
/// assert!(!format!("{target:?}").contains("\"m\""));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Default)]
pub struct PostgresRole {
    master: Option<RdsSecret>,
    previous: Option<PreviousFn>,
    master_from: Option<PreviousFn>,
}

impl fmt::Debug for PostgresRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresRole")
            .field("master", &self.master)
            .field("previous", &self.previous.as_ref().map(|_| "<store>"))
            .field("master_from", &self.master_from.as_ref().map(|_| "<store>"))
            .finish()
    }
}

/// Reads the value holding `stage` of a secret from `store`; `None` when it
/// cannot be read.
fn stage_reader<S: SecretStore + Clone + 'static>(store: S, stage: Stage) -> PreviousFn {
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

impl PostgresRole {
    /// A target with no master secret and no AWSPREVIOUS fallback: enough
    /// for single-user rotations.
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::rotate::PostgresRole;
    /// let t = PostgresRole::new();
    /// # let _ = t;
    /// ```
    pub fn new() -> PostgresRole {
        PostgresRole::default()
    }

    /// The master credentials that create and alter the alternating users
    /// (the secret `masterarn` names; the role needs `CREATEROLE`).
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::rotate::{PostgresRole, RdsSecret, SecretValue};
    /// let m = RdsSecret::from_value(&SecretValue::from(r#"{"engine":"postgres","host":"h","username":"root","password":"p"}"#))?;
    /// let t = PostgresRole::new().master(m);
    /// # let _ = t;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn master(mut self, master: RdsSecret) -> PostgresRole {
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
    /// # use std::sync::Arc;
    /// # use rotaplan::rotate::{MemoryStore, PostgresRole};
    /// let store = Arc::new(MemoryStore::new());
    /// let t = PostgresRole::new().previous_from(Arc::clone(&store));
    /// # let _ = t;
    /// ```
    pub fn previous_from<S: SecretStore + Clone + 'static>(mut self, store: S) -> PostgresRole {
        self.previous = Some(stage_reader(store, Stage::previous()));
        self
    }

    /// Where alternating-users setSecret reads the master secret when none
    /// was given with [`PostgresRole::master`]: AWSCURRENT of the secret that
    /// the current value's `masterarn` names, as AWS's rotation functions do.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use rotaplan::rotate::{MemoryStore, PostgresRole};
    /// let store = Arc::new(MemoryStore::new());
    /// let t = PostgresRole::new().previous_from(Arc::clone(&store)).master_from(store);
    /// # let _ = t;
    /// ```
    pub fn master_from<S: SecretStore + Clone + 'static>(mut self, store: S) -> PostgresRole {
        self.master_from = Some(stage_reader(store, Stage::current()));
        self
    }

    /// The master credentials: given, or looked up by `masterarn`.
    async fn master_for(&self, ctx: &StepContext<'_>, current: &RdsSecret) -> Result<RdsSecret, RotateError> {
        if let Some(m) = &self.master {
            return Ok(m.clone());
        }
        let missing = || {
            RotateError::invalid(format!(
                "alternating-users rotation of secret `{}` needs the master secret{} (PostgresRole::master or master_from)",
                ctx.secret,
                current.masterarn.as_deref().map(|a| format!(" `{a}`")).unwrap_or_default()
            ))
        };
        let (Some(lookup), Some(arn)) = (&self.master_from, current.masterarn.as_deref()) else {
            return Err(missing());
        };
        let id = SecretId::new(arn).map_err(|e| e.context("masterarn"))?;
        let value = lookup(id).await.ok_or_else(missing)?;
        RdsSecret::from_value(&value).map_err(|e| e.context(format!("master secret `{arn}`")))
    }

    async fn set_single_user(
        &self,
        ctx: &StepContext<'_>,
        pending: &RdsSecret,
        current: &RdsSecret,
    ) -> Result<(), RotateError> {
        if pending.username != current.username {
            return Err(RotateError::invalid(format!(
                "single-user rotation of secret `{}`: the pending username `{}` differs from the current `{}`",
                ctx.secret, pending.username, current.username
            )));
        }
        let user = &pending.username;
        let mut tried = vec!["AWSCURRENT"];
        let client = match connect(current, &current.username, current.expose_password()).await {
            Ok(c) => c,
            Err(first) if first.auth => {
                let previous = match &self.previous {
                    Some(lookup) => lookup(ctx.secret.clone()).await,
                    None => None,
                };
                let previous = previous.and_then(|v| RdsSecret::from_value(&v).ok());
                match previous.filter(|p| p.username == *user) {
                    Some(prev) => {
                        tried.push("AWSPREVIOUS");
                        connect(current, user, prev.expose_password())
                            .await
                            .map_err(|e| e.into_error(ctx, user, &current.host))?
                    }
                    None => return Err(first.into_error(ctx, user, &current.host)),
                }
            }
            Err(e) => return Err(e.into_error(ctx, user, &current.host)),
        };
        tracing::debug!(user = %user, with = ?tried, "logged in to change the password");
        let sql = Zeroizing::new(format!(
            "ALTER ROLE {} WITH PASSWORD {}",
            quote_ident(user)?,
            quote_literal(pending.expose_password())?.as_str()
        ));
        client
            .batch_execute(&sql)
            .await
            .map_err(|e| sql_error(ctx, "ALTER ROLE", user, e))?;
        Ok(())
    }

    async fn set_alternating(
        &self,
        ctx: &StepContext<'_>,
        pending: &RdsSecret,
        current: &RdsSecret,
    ) -> Result<(), RotateError> {
        let master = self.master_for(ctx, current).await?;
        let user = &pending.username;
        let mut client = connect(current, &master.username, master.expose_password())
            .await
            .map_err(|e| e.into_error(ctx, &master.username, &current.host))?;
        let tx = client
            .transaction()
            .await
            .map_err(|e| sql_error(ctx, "BEGIN", user, e))?;
        let exists = tx
            .query_opt("SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1", &[user])
            .await
            .map_err(|e| sql_error(ctx, "SELECT pg_roles", user, e))?
            .is_some();
        let password = quote_literal(pending.expose_password())?;
        if exists {
            let sql = Zeroizing::new(format!(
                "ALTER ROLE {} WITH PASSWORD {}",
                quote_ident(user)?,
                password.as_str()
            ));
            tx.batch_execute(&sql)
                .await
                .map_err(|e| sql_error(ctx, "ALTER ROLE", user, e))?;
        } else {
            let sql = Zeroizing::new(format!(
                "CREATE ROLE {} WITH LOGIN PASSWORD {}",
                quote_ident(user)?,
                password.as_str()
            ));
            tx.batch_execute(&sql)
                .await
                .map_err(|e| sql_error(ctx, "CREATE ROLE", user, e))?;
            let grant = format!("GRANT {} TO {}", quote_ident(&current.username)?, quote_ident(user)?);
            tx.batch_execute(&grant)
                .await
                .map_err(|e| sql_error(ctx, "GRANT", user, e))?;
            tracing::info!(user = %user, from = %current.username, "created the alternate role");
        }
        drop(password);
        tx.commit().await.map_err(|e| sql_error(ctx, "COMMIT", user, e))?;
        Ok(())
    }
}

impl Target for PostgresRole {
    async fn set_secret(
        &self,
        ctx: &StepContext<'_>,
        pending: &SecretValue,
        current: &SecretValue,
    ) -> Result<(), RotateError> {
        let pending = RdsSecret::from_value(pending).map_err(|e| e.context("AWSPENDING"))?;
        let current = RdsSecret::from_value(current).map_err(|e| e.context("AWSCURRENT"))?;
        // Already set (a resumed rotation): nothing to do.
        match connect(&pending, &pending.username, pending.expose_password()).await {
            Ok(_) => {
                tracing::info!(user = %pending.username, "AWSPENDING already logs in");
                return Ok(());
            }
            Err(e) if e.auth => {}
            Err(e) => return Err(e.into_error(ctx, &pending.username, &pending.host)),
        }
        match ctx.strategy {
            Strategy::AlternatingUsers => self.set_alternating(ctx, &pending, &current).await,
            _ => self.set_single_user(ctx, &pending, &current).await,
        }
    }

    async fn test_secret(&self, ctx: &StepContext<'_>, pending: &SecretValue) -> Result<(), RotateError> {
        let pending = RdsSecret::from_value(pending).map_err(|e| e.context("AWSPENDING"))?;
        let client = connect(&pending, &pending.username, pending.expose_password())
            .await
            .map_err(|e| e.into_error(ctx, &pending.username, &pending.host))?;
        client
            .simple_query("SELECT 1")
            .await
            .map_err(|e| sql_error(ctx, "SELECT 1", &pending.username, e))?;
        Ok(())
    }
}

/// A failed connection: whether the server refused the credentials.
struct ConnectError {
    auth: bool,
    error: tokio_postgres::Error,
}

impl ConnectError {
    fn into_error(self, ctx: &StepContext<'_>, user: &str, host: &str) -> RotateError {
        let what = if self.auth { "login refused" } else { "cannot connect" };
        RotateError::target(format!(
            "{} of secret `{}`: {what} as `{user}` at `{host}`: {}",
            ctx.step, ctx.secret, self.error
        ))
    }
}

/// Connects as `user` to the server and database `at` names.
async fn connect(at: &RdsSecret, user: &str, password: &str) -> Result<tokio_postgres::Client, ConnectError> {
    let (client, connection) = at
        .config(user, password, &at.dbname)
        .connect(NoTls)
        .await
        .map_err(|error| ConnectError {
            auth: is_auth_error(&error),
            error,
        })?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::debug!(error = %e, "postgres connection closed with an error");
        }
    });
    Ok(client)
}

fn is_auth_error(e: &tokio_postgres::Error) -> bool {
    matches!(
        e.code(),
        Some(c) if *c == SqlState::INVALID_PASSWORD || *c == SqlState::INVALID_AUTHORIZATION_SPECIFICATION
    )
}

fn sql_error(ctx: &StepContext<'_>, what: &str, user: &str, e: tokio_postgres::Error) -> RotateError {
    // Server errors quote no statement text, so no password.
    RotateError::target(format!(
        "{} of secret `{}`: {what} for `{user}` failed: {e}",
        ctx.step, ctx.secret
    ))
}

/// `name` as an SQL identifier: `"…"` with `"` doubled.
///
/// # Errors
///
/// Invalid request for a name with a NUL character.
pub(crate) fn quote_ident(name: &str) -> Result<String, RotateError> {
    if name.contains('\0') {
        return Err(RotateError::invalid("a role name may not contain NUL"));
    }
    Ok(format!("\"{}\"", name.replace('"', "\"\"")))
}

/// `value` as an SQL escape string literal: `E'…'` with `'` and `\` doubled,
/// independent of `standard_conforming_strings`.
///
/// # Errors
///
/// Invalid request for a value with a NUL character (never quoting it).
pub(crate) fn quote_literal(value: &str) -> Result<Zeroizing<String>, RotateError> {
    if value.contains('\0') {
        return Err(RotateError::invalid("a password may not contain NUL"));
    }
    let mut out = Zeroizing::new(String::with_capacity(value.len() + 4));
    out.push_str("E'");
    for c in value.chars() {
        match c {
            '\'' => out.push_str("''"),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('\'');
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(quote_ident("app").unwrap(), "\"app\"");
        assert_eq!(quote_ident("we\"ird").unwrap(), "\"we\"\"ird\"");
        assert_eq!(quote_literal("a'b\"c\\d$$e").unwrap().as_str(), "E'a''b\"c\\\\d$$e'");
        assert!(quote_literal("a\0b").unwrap_err().is_invalid_request());
        assert!(quote_ident("a\0b").is_err());
    }

    #[test]
    fn rds_secret_checks_and_redacts() {
        let ok = r#"{"engine":"postgres","host":"db","port":5433,"username":"app","password":"s3cr3t!","dbname":"x","masterarn":"arn:m"}"#;
        let s = RdsSecret::from_value(&SecretValue::from(ok)).unwrap();
        assert_eq!(s.port, 5433);
        assert_eq!(s.masterarn.as_deref(), Some("arn:m"));
        let dbg = format!("{s:?} {:?}", PostgresRole::new().master(s.clone()));
        assert!(!dbg.contains("s3cr3t!"), "{dbg}");
        assert!(dbg.contains("<redacted>"));

        for (json, msg) in [
            (r#"{"host":"h","username":"u","password":"p"}"#, "missing key `engine`"),
            (
                r#"{"engine":"postgres","username":"u","password":"p"}"#,
                "missing key `host`",
            ),
            (
                r#"{"engine":"postgres","host":"h","password":"p"}"#,
                "missing key `username`",
            ),
            (
                r#"{"engine":"postgres","host":"h","username":"u"}"#,
                "missing key `password`",
            ),
            (
                r#"{"engine":"mysql","host":"h","username":"u","password":"p"}"#,
                "engine `mysql`",
            ),
            (
                r#"{"engine":"postgres","host":"h","username":"u","password":"p","port":70000}"#,
                "`port`",
            ),
            (
                r#"{"engine":"postgres","host":"h","username":"u","password":"p","port":"x"}"#,
                "`port`",
            ),
            (
                r#"{"engine":"postgres","host":"h","username":"u","password":5}"#,
                "`password` must be a string",
            ),
            (r#"["p"]"#, "JSON object"),
            ("pw-not-json", "not valid JSON"),
        ] {
            let err = RdsSecret::from_value(&SecretValue::from(json)).unwrap_err();
            assert!(err.is_invalid_request(), "{json}");
            assert!(err.to_string().contains(msg), "{json}: {err}");
            assert!(!err.to_string().contains("pw-not-json"));
        }
        let bin = RdsSecret::from_value(&SecretValue::binary(vec![1])).unwrap_err();
        assert!(bin.to_string().contains("binary"));
    }
}

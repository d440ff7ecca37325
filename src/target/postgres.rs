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
//! use rotaplan::rotate::Rotator;
//! use rotaplan::store::{MemoryStore, SecretId, Token};
//! use rotaplan::target::PostgresRole;
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let store = MemoryStore::new();
//! // … a secret `db/app` holding {"engine":"postgres","host":…,"username":"app","password":…}
//! let rotator = Rotator::new(&store, PostgresRole::new());
//! rotator.rotate(&SecretId::new("db/app")?, &Token::generate()).await?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```

use std::time::Duration;

use tokio_postgres::error::SqlState;
use tokio_postgres::NoTls;
use zeroize::Zeroizing;

use super::rds::{self, ConnectError, DbSecret, DbTarget, PostgresEngine};
use super::TargetError;
use super::{StepContext, Target};
use crate::store::{SecretValue, Strategy};

/// A PostgreSQL secret in AWS's RDS JSON shape, parsed and checked (the
/// shared [`DbSecret`] for [`PostgresEngine`]).
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
/// use rotaplan::store::SecretValue;
/// use rotaplan::target::RdsSecret;
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
pub type RdsSecret = DbSecret<PostgresEngine>;

impl DbSecret<PostgresEngine> {
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
/// use rotaplan::store::{MemoryStore, SecretValue};
/// use rotaplan::target::{PostgresRole, RdsSecret};
/// let master = RdsSecret::from_value(&SecretValue::from(
///     r#"{"engine":"postgres","host":"db","username":"postgres","password":"m"}"#,
/// ))?;
/// let store = std::sync::Arc::new(MemoryStore::new());
/// let target = PostgresRole::new().master(master).previous_from(store);
/// assert!(!format!("{target:?}").contains("\"m\""));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub type PostgresRole = DbTarget<PostgresEngine>;

impl DbTarget<PostgresEngine> {
    async fn set_single_user(
        &self,
        ctx: &StepContext<'_>,
        pending: &RdsSecret,
        current: &RdsSecret,
    ) -> Result<(), TargetError> {
        rds::check_single_user(ctx, pending, current)?;
        let user = &pending.username;
        let client = self
            .login_single_user(ctx, current, user, |password| async move {
                connect(current, user, &password).await
            })
            .await?;
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
    ) -> Result<(), TargetError> {
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

impl Target for DbTarget<PostgresEngine> {
    async fn set_secret(
        &self,
        ctx: &StepContext<'_>,
        pending: &SecretValue,
        current: &SecretValue,
    ) -> Result<(), TargetError> {
        let (pending, current) = rds::parse_set::<PostgresEngine>(pending, current)?;
        // Already set (a resumed rotation): nothing to do.
        let login = async {
            connect(&pending, &pending.username, pending.expose_password())
                .await
                .map(drop)
        };
        if rds::pending_logs_in(ctx, &pending, login).await? {
            return Ok(());
        }
        match ctx.strategy {
            Strategy::AlternatingUsers => self.set_alternating(ctx, &pending, &current).await,
            _ => self.set_single_user(ctx, &pending, &current).await,
        }
    }

    async fn test_secret(&self, ctx: &StepContext<'_>, pending: &SecretValue) -> Result<(), TargetError> {
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

/// Connects as `user` to the server and database `at` names.
async fn connect(at: &RdsSecret, user: &str, password: &str) -> Result<tokio_postgres::Client, ConnectError> {
    let (client, connection) = at
        .config(user, password, &at.dbname)
        .connect(NoTls)
        .await
        .map_err(|error| ConnectError {
            auth: is_auth_error(&error),
            message: error.to_string(),
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

fn sql_error(ctx: &StepContext<'_>, what: &str, user: &str, e: tokio_postgres::Error) -> TargetError {
    // Server errors quote no statement text, so no password.
    TargetError::target(format!(
        "{} of secret `{}`: {what} for `{user}` failed: {e}",
        ctx.step, ctx.secret
    ))
}

/// `name` as an SQL identifier: `"…"` with `"` doubled.
///
/// # Errors
///
/// Invalid request for a name with a NUL character.
pub(crate) fn quote_ident(name: &str) -> Result<String, TargetError> {
    if name.contains('\0') {
        return Err(TargetError::invalid("a role name may not contain NUL"));
    }
    Ok(format!("\"{}\"", name.replace('"', "\"\"")))
}

/// `value` as an SQL escape string literal: `E'…'` with `'` and `\` doubled,
/// independent of `standard_conforming_strings`.
///
/// # Errors
///
/// Invalid request for a value with a NUL character (never quoting it).
pub(crate) fn quote_literal(value: &str) -> Result<Zeroizing<String>, TargetError> {
    if value.contains('\0') {
        return Err(TargetError::invalid("a password may not contain NUL"));
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
}

//! [`MysqlUser`]: a [`Target`] that rotates a MySQL or MariaDB user's password.
//!
//! The secret is JSON in the shape AWS uses for RDS ([`MysqlSecret`]):
//! `{"engine": "mysql", "host": "…", "port": 3306, "username": "…",
//! "password": "…", "dbname": "…", "masterarn": "…"}` (`engine` may also be
//! `mariadb`, `aurora-mysql` or `aurora`).
//!
//! # Strategies
//!
//! - **single-user** ([`Strategy::SingleUser`]): setSecret logs in as the
//!   user and changes its own password: `ALTER USER USER() IDENTIFIED BY
//!   '…'` on MySQL, `SET PASSWORD = PASSWORD('…')` on MariaDB (where
//!   `ALTER USER` needs the `CREATE USER` privilege). The account the server
//!   matched, whatever its host part, is the one changed.
//! - **alternating users** ([`Strategy::AlternatingUsers`]): setSecret logs
//!   in with the *master* secret ([`MysqlUser::master`]) and sets the
//!   password of the user the pending value names. The first time that is
//!   `<user>_clone`, which does not exist yet: as AWS's multi-user template
//!   does, it is created (`CREATE USER`) at each host the user has, and
//!   every line of `SHOW GRANTS FOR user` is replayed for it. It is created
//!   `ACCOUNT LOCK`ed and unlocked only once its grants are in place, so a
//!   setSecret killed half-way never leaves a clone that logs in without its
//!   rights (the next setSecret finishes the job). Later rotations copy the
//!   original's grants to the clone again (so rights added to the user reach
//!   the clone) and change the password with `ALTER USER`.
//!
//! # Idempotence (as AWS's rotation templates do it)
//!
//! setSecret first tries to log in with the pending value: if that works the
//! password is already set and nothing happens. Otherwise it logs in with
//! AWSCURRENT and then AWSPREVIOUS (single-user; AWSPREVIOUS needs
//! [`MysqlUser::previous_from`]) or with the master secret (alternating),
//! and changes the password. testSecret logs in with the pending value and
//! runs `SELECT 1`.
//!
//! # Quoting
//!
//! `ALTER USER … IDENTIFIED BY` takes no bind parameter, so names and the
//! password are written as string literals: `'` doubled, and `\` doubled
//! unless the session's `sql_mode` has `NO_BACKSLASH_ESCAPES` (read from
//! the server first). A NUL character is refused. Server errors on a
//! statement holding a password are reported by code only, never by the
//! server's text (a syntax error would quote the statement).
//!
//! # Connections
//!
//! Plain TCP (mysql_async without TLS) with a 10 s connect time-out. Errors
//! name the user, host and step, never a password.
//!
//! # Example
//!
//! ```no_run
//! use rotaplan::rotate::Rotator;
//! use rotaplan::store::{MemoryStore, SecretId, Token};
//! use rotaplan::target::MysqlUser;
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let store = MemoryStore::new();
//! // … a secret `db/app` holding {"engine":"mysql","host":…,"username":"app","password":…}
//! let rotator = Rotator::new(&store, MysqlUser::new());
//! rotator.rotate(&SecretId::new("db/app")?, &Token::generate()).await?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```

use std::time::Duration;

use mysql_async::prelude::Queryable;
use mysql_async::{Conn, OptsBuilder};
use zeroize::Zeroizing;

use super::rds::{self, ConnectError, DbSecret, DbTarget, MysqlEngine};
use super::TargetError;
use super::{StepContext, Target};
use crate::store::{SecretValue, Strategy};

/// A MySQL/MariaDB secret in AWS's RDS JSON shape, parsed and checked (the
/// shared [`DbSecret`] for [`MysqlEngine`]).
///
/// Required keys: `engine` (`mysql`, `mariadb`, `aurora-mysql` or
/// `aurora`), `host`, `username`, `password`. Optional: `port` (number or
/// numeric string, default 3306), `dbname` (default none), `masterarn` (the
/// master secret of an alternating-users rotation). `Debug` never shows the
/// password.
///
/// # Examples
///
/// ```
/// use rotaplan::store::SecretValue;
/// use rotaplan::target::MysqlSecret;
/// let v = SecretValue::from(r#"{"engine":"mariadb","host":"db","username":"app","password":"pw"}"#);
/// let s = MysqlSecret::from_value(&v)?;
/// assert_eq!((s.host.as_str(), s.port, s.dbname.as_deref()), ("db", 3306, None));
/// assert_eq!(s.expose_password(), "pw");
/// assert!(!format!("{s:?}").contains("pw\""));
///
/// let pg = SecretValue::from(r#"{"engine":"postgres","host":"db","username":"app","password":"pw"}"#);
/// assert!(MysqlSecret::from_value(&pg).unwrap_err().to_string().contains("engine `postgres`"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub type MysqlSecret = DbSecret<MysqlEngine>;

impl DbSecret<MysqlEngine> {
    fn opts(&self, user: &str, password: &str) -> OptsBuilder {
        OptsBuilder::default()
            .ip_or_hostname(self.host.clone())
            .tcp_port(self.port)
            .user(Some(user))
            .pass(Some(password))
            .db_name(self.dbname.clone())
            .prefer_socket(false)
    }
}

/// A [`Target`] that rotates a MySQL or MariaDB user's password (feature
/// `mysql`). See `src/target/mysql.rs`'s module docs for the strategies and how
/// setSecret stays idempotent.
///
/// The strategy comes from the secret's rotation rules
/// ([`StepContext::strategy`]); single-user is the default.
///
/// # Examples
///
/// ```
/// use rotaplan::store::{MemoryStore, SecretValue};
/// use rotaplan::target::{MysqlSecret, MysqlUser};
/// let master = MysqlSecret::from_value(&SecretValue::from(
///     r#"{"engine":"mysql","host":"db","username":"admin","password":"m"}"#,
/// ))?;
/// let store = std::sync::Arc::new(MemoryStore::new());
/// let target = MysqlUser::new().master(master).previous_from(store);
/// assert!(!format!("{target:?}").contains("\"m\""));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub type MysqlUser = DbTarget<MysqlEngine>;

impl DbTarget<MysqlEngine> {
    async fn set_single_user(
        &self,
        ctx: &StepContext<'_>,
        pending: &MysqlSecret,
        current: &MysqlSecret,
    ) -> Result<(), TargetError> {
        rds::check_single_user(ctx, pending, current)?;
        let user = &pending.username;
        let mut conn = self
            .login_single_user(ctx, current, user, |password| async move {
                connect(current, user, &password).await
            })
            .await?;
        let q = Quoter::for_session(&mut conn, ctx, user).await?;
        // A user may change its own password without the CREATE USER
        // privilege only this way (MariaDB refuses ALTER USER for it).
        let password = q.literal(pending.expose_password())?;
        let (what, sql) = if q.mariadb {
            (
                "SET PASSWORD",
                format!("SET PASSWORD = PASSWORD({})", password.as_str()),
            )
        } else {
            (
                "ALTER USER",
                format!("ALTER USER USER() IDENTIFIED BY {}", password.as_str()),
            )
        };
        let sql = Zeroizing::new(sql);
        conn.query_drop(sql.as_str())
            .await
            .map_err(|e| secret_sql_error(ctx, what, user, &e))?;
        disconnect(conn).await;
        Ok(())
    }

    async fn set_alternating(
        &self,
        ctx: &StepContext<'_>,
        pending: &MysqlSecret,
        current: &MysqlSecret,
    ) -> Result<(), TargetError> {
        let master = self.master_for(ctx, current).await?;
        let user = &pending.username;
        let mut conn = connect(current, &master.username, master.expose_password())
            .await
            .map_err(|e| e.into_error(ctx, &master.username, &current.host))?;
        let q = Quoter::for_session(&mut conn, ctx, user).await?;
        let hosts = |name: &str| {
            format!(
                "SELECT Host FROM mysql.user WHERE User = {} ORDER BY Host",
                q.plain_literal(name)
            )
        };
        let from = &current.username;
        let mut pending_hosts: Vec<String> = conn
            .query(hosts(user))
            .await
            .map_err(|e| sql_error(ctx, "SELECT mysql.user", user, &e))?;
        let copy_grants = if pending_hosts.is_empty() {
            // First rotation: the clone lives wherever the user does.
            let from_hosts: Vec<String> = conn
                .query(hosts(from))
                .await
                .map_err(|e| sql_error(ctx, "SELECT mysql.user", from, &e))?;
            if from_hosts.is_empty() {
                return Err(TargetError::target(format!(
                    "{} of secret `{}`: user `{from}` does not exist at `{}`",
                    ctx.step, ctx.secret, current.host
                )));
            }
            for host in &from_hosts {
                let sql = Zeroizing::new(format!(
                    "CREATE USER {} IDENTIFIED BY {} ACCOUNT LOCK",
                    q.account(user, host),
                    q.literal(pending.expose_password())?.as_str()
                ));
                conn.query_drop(sql.as_str())
                    .await
                    .map_err(|e| secret_sql_error(ctx, "CREATE USER", user, &e))?;
            }
            tracing::info!(user = %user, from = %from, "created the alternate user");
            pending_hosts = from_hosts;
            true
        } else {
            // The clone keeps following the original's grants.
            *user == format!("{from}_clone")
        };
        for host in &pending_hosts {
            if copy_grants {
                let grants: Vec<String> = conn
                    .query(format!("SHOW GRANTS FOR {}", q.account(from, host)))
                    .await
                    .map_err(|e| sql_error(ctx, "SHOW GRANTS", from, &e))?;
                // MariaDB's USAGE line holds the password hash: wipe them all.
                for grant in grants.into_iter().map(Zeroizing::new) {
                    let Some(sql) = retarget_grant(&grant, from, host, &q.account(user, host)) else {
                        continue;
                    };
                    conn.query_drop(sql.as_str())
                        .await
                        .map_err(|e| secret_sql_error(ctx, "GRANT", user, &e))?;
                }
            }
            let sql = Zeroizing::new(format!(
                "ALTER USER {} IDENTIFIED BY {} ACCOUNT UNLOCK",
                q.account(user, host),
                q.literal(pending.expose_password())?.as_str()
            ));
            conn.query_drop(sql.as_str())
                .await
                .map_err(|e| secret_sql_error(ctx, "ALTER USER", user, &e))?;
        }
        disconnect(conn).await;
        Ok(())
    }
}

impl Target for DbTarget<MysqlEngine> {
    async fn set_secret(
        &self,
        ctx: &StepContext<'_>,
        pending: &SecretValue,
        current: &SecretValue,
    ) -> Result<(), TargetError> {
        let (pending, current) = rds::parse_set::<MysqlEngine>(pending, current)?;
        // Already set (a resumed rotation): nothing to do.
        let login = async {
            disconnect(connect(&pending, &pending.username, pending.expose_password()).await?).await;
            Ok(())
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
        let pending = MysqlSecret::from_value(pending).map_err(|e| e.context("AWSPENDING"))?;
        let mut conn = connect(&pending, &pending.username, pending.expose_password())
            .await
            .map_err(|e| e.into_error(ctx, &pending.username, &pending.host))?;
        let one: Option<i64> = conn
            .query_first("SELECT 1")
            .await
            .map_err(|e| sql_error(ctx, "SELECT 1", &pending.username, &e))?;
        disconnect(conn).await;
        if one != Some(1) {
            return Err(TargetError::target(format!(
                "{} of secret `{}`: `SELECT 1` as `{}` returned {one:?}",
                ctx.step, ctx.secret, pending.username
            )));
        }
        Ok(())
    }
}

/// Server error codes meaning "these credentials do not log in":
/// ER_ACCESS_DENIED_ERROR, ER_ACCESS_DENIED_NO_PASSWORD_ERROR, and a locked
/// account (MySQL's ER_ACCOUNT_HAS_BEEN_LOCKED, MariaDB's).
const AUTH_ERRORS: [u16; 4] = [1045, 1698, 3118, 4151];

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Connects as `user` to the server (and database) `at` names.
async fn connect(at: &MysqlSecret, user: &str, password: &str) -> Result<Conn, ConnectError> {
    match tokio::time::timeout(CONNECT_TIMEOUT, Conn::new(at.opts(user, password))).await {
        Ok(Ok(conn)) => Ok(conn),
        Ok(Err(e)) => Err(ConnectError {
            auth: matches!(&e, mysql_async::Error::Server(s) if AUTH_ERRORS.contains(&s.code)),
            // Connection errors hold no statement text, so no password.
            message: e.to_string(),
        }),
        Err(_) => Err(ConnectError {
            auth: false,
            message: format!("no answer within {}s", CONNECT_TIMEOUT.as_secs()),
        }),
    }
}

async fn disconnect(conn: Conn) {
    if let Err(e) = conn.disconnect().await {
        tracing::debug!(error = %e, "mysql connection closed with an error");
    }
}

fn sql_error(ctx: &StepContext<'_>, what: &str, user: &str, e: &mysql_async::Error) -> TargetError {
    // Statements reported this way hold no password.
    TargetError::target(format!(
        "{} of secret `{}`: {what} for `{user}` failed: {e}",
        ctx.step, ctx.secret
    ))
}

/// For statements holding a password: the server's message may quote the
/// statement (a syntax error does), so only its code is shown.
fn secret_sql_error(ctx: &StepContext<'_>, what: &str, user: &str, e: &mysql_async::Error) -> TargetError {
    let why = match e {
        mysql_async::Error::Server(s) => format!("server error {} (SQLSTATE {})", s.code, s.state),
        mysql_async::Error::Io(_) | mysql_async::Error::Driver(_) => e.to_string(),
        _ => "client error".to_owned(),
    };
    TargetError::target(format!(
        "{} of secret `{}`: {what} for `{user}` failed: {why}",
        ctx.step, ctx.secret
    ))
}

/// Writes string literals the way the session will read them.
struct Quoter {
    backslash_escapes: bool,
    /// MariaDB rather than MySQL (`VERSION()` says so).
    mariadb: bool,
}

impl Quoter {
    async fn for_session(conn: &mut Conn, ctx: &StepContext<'_>, user: &str) -> Result<Quoter, TargetError> {
        let row: Option<(String, String)> = conn
            .query_first("SELECT @@SESSION.sql_mode, VERSION()")
            .await
            .map_err(|e| sql_error(ctx, "SELECT @@sql_mode", user, &e))?;
        let (mode, version) = row.unwrap_or_default();
        Ok(Quoter {
            backslash_escapes: !mode.contains("NO_BACKSLASH_ESCAPES"),
            mariadb: version.contains("MariaDB"),
        })
    }

    /// `value` as a string literal, zeroized on drop.
    ///
    /// # Errors
    ///
    /// Invalid request for a value with a NUL character (never quoting it).
    fn literal(&self, value: &str) -> Result<Zeroizing<String>, TargetError> {
        if value.contains('\0') {
            return Err(TargetError::invalid("a password may not contain NUL"));
        }
        Ok(Zeroizing::new(quote_literal(value, self.backslash_escapes)))
    }

    /// A name as a string literal (names are checked for NUL on parsing).
    fn plain_literal(&self, value: &str) -> String {
        quote_literal(value, self.backslash_escapes)
    }

    /// `'user'@'host'`.
    fn account(&self, user: &str, host: &str) -> String {
        format!("{}@{}", self.plain_literal(user), self.plain_literal(host))
    }
}

/// `'…'` with `'` doubled, and `\` doubled when the server reads backslash
/// escapes.
fn quote_literal(value: &str, backslash_escapes: bool) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        match c {
            '\'' => out.push_str("''"),
            '\\' if backslash_escapes => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// A line of `SHOW GRANTS FOR from@host`, given to `to` (an account
/// literal) instead: everything before the ` TO <from@host>` part is kept,
/// then ` WITH GRANT OPTION` if the line had it. Credentials MariaDB prints
/// in the `USAGE` line (`IDENTIFIED BY PASSWORD '…'`) are dropped. `None`
/// for a line that does not name the account (never expected).
fn retarget_grant(line: &str, from: &str, host: &str, to: &str) -> Option<Zeroizing<String>> {
    // MySQL 8 and MariaDB print identifiers in backticks; older servers in
    // single quotes.
    let needles = [
        format!(" TO `{}`@`{}`", from.replace('`', "``"), host.replace('`', "``")),
        format!(" TO {}@{}", quote_literal(from, true), quote_literal(host, true)),
        format!(" TO {}@{}", quote_literal(from, false), quote_literal(host, false)),
    ];
    let at = needles.iter().filter_map(|n| line.rfind(n.as_str())).max()?;
    let rest = &line[at..];
    let mut out = Zeroizing::new(format!("{} TO {to}", &line[..at]));
    if rest.contains(" WITH GRANT OPTION") {
        out.push_str(" WITH GRANT OPTION");
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(quote_literal(r#"a'b"c\d%e"#, true), r#"'a''b"c\\d%e'"#);
        assert_eq!(quote_literal(r#"a'b\c"#, false), r#"'a''b\c'"#);
        let q = Quoter {
            backslash_escapes: true,
            mariadb: true,
        };
        assert!(q.literal("a\0b").unwrap_err().is_invalid_request());
        assert_eq!(q.account("app", "%"), "'app'@'%'");
    }

    #[test]
    fn grants_are_retargeted() {
        let to = "'app_clone'@'%'";
        for (line, want) in [
            (
                "GRANT USAGE ON *.* TO `app`@`%` IDENTIFIED BY PASSWORD '*ABC'",
                Some("GRANT USAGE ON *.* TO 'app_clone'@'%'"),
            ),
            (
                "GRANT SELECT, INSERT ON `shop`.* TO `app`@`%` WITH GRANT OPTION",
                Some("GRANT SELECT, INSERT ON `shop`.* TO 'app_clone'@'%' WITH GRANT OPTION"),
            ),
            (
                "GRANT SELECT ON `db`.`t` TO 'app'@'%'",
                Some("GRANT SELECT ON `db`.`t` TO 'app_clone'@'%'"),
            ),
            ("GRANT `reader` TO `app`@`%`", Some("GRANT `reader` TO 'app_clone'@'%'")),
            ("GRANT SELECT ON *.* TO `other`@`%`", None),
        ] {
            let got = retarget_grant(line, "app", "%", to);
            assert_eq!(got.as_deref().map(String::as_str), want, "{line}");
        }
    }
}

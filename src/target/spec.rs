//! [`SpecTarget`]: the target each secret's rotation config names.

use std::time::Duration;

use super::TargetError;
use super::{CommandTarget, StepContext, Target};
use crate::store::{SecretValue, TargetSpec};

/// The target each secret's own rotation config names ([`TargetSpec`]):
/// `noop` → [`NoopTarget`](super::NoopTarget), `command:PROG` → [`CommandTarget`]. A secret
/// without rotation rules gets the no-op target. Used by the scheduler, where
/// every secret may name a different target.
///
/// # Examples
///
/// ```
/// use rotaplan::rotate::Rotator;
/// use rotaplan::store::{MemoryStore, RotationConfig, SecretId, SecretStore, SecretValue, Token};
/// use rotaplan::target::SpecTarget;
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let store = MemoryStore::new();
/// let id = SecretId::new("api/key")?;
/// let cfg = RotationConfig::new("rate(30 days)");
/// store.create(&id, Some((&Token::generate(), &SecretValue::from("k1"))), Some(&cfg)).await?;
/// Rotator::new(&store, SpecTarget::default()).rotate(&id, &Token::generate()).await?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
#[derive(Clone, Debug)]
pub struct SpecTarget {
    command_timeout: Duration,
    pass_env: Vec<String>,
    #[cfg(feature = "postgres")]
    postgres: Option<super::PostgresRole>,
    #[cfg(feature = "mysql")]
    mysql: Option<super::MysqlUser>,
}

impl Default for SpecTarget {
    fn default() -> SpecTarget {
        SpecTarget {
            command_timeout: Duration::from_secs(30),
            pass_env: Vec::new(),
            #[cfg(feature = "postgres")]
            postgres: None,
            #[cfg(feature = "mysql")]
            mysql: None,
        }
    }
}

/// What a [`TargetSpec`] resolves to for one step.
enum Resolved {
    Noop,
    Command(CommandTarget),
    #[cfg(feature = "postgres")]
    Postgres(super::PostgresRole),
    #[cfg(feature = "mysql")]
    Mysql(super::MysqlUser),
}

impl SpecTarget {
    /// The time-out given to `command:` targets (default 30 s).
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use rotaplan::target::SpecTarget;
    /// let t = SpecTarget::default().command_timeout(Duration::from_secs(5));
    /// # let _ = t;
    /// ```
    pub fn command_timeout(mut self, timeout: Duration) -> SpecTarget {
        self.command_timeout = timeout;
        self
    }

    /// Passes rotaplan's variable `name` to `command:` targets (see
    /// [`CommandTarget::pass_env`]).
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::target::SpecTarget;
    /// let t = SpecTarget::default().pass_env("PGHOST");
    /// # let _ = t;
    /// ```
    pub fn pass_env(mut self, name: impl Into<String>) -> SpecTarget {
        self.pass_env.push(name.into());
        self
    }

    /// The target used for secrets whose spec is `postgres`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use rotaplan::store::MemoryStore;
    /// # use rotaplan::target::{PostgresRole, SpecTarget};
    /// let store = Arc::new(MemoryStore::new());
    /// let t = SpecTarget::default().postgres(PostgresRole::new().master_from(store));
    /// # let _ = t;
    /// ```
    #[cfg(feature = "postgres")]
    #[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
    pub fn postgres(mut self, role: super::PostgresRole) -> SpecTarget {
        self.postgres = Some(role);
        self
    }

    /// The target used for secrets whose spec is `mysql`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use rotaplan::store::MemoryStore;
    /// # use rotaplan::target::{MysqlUser, SpecTarget};
    /// let store = Arc::new(MemoryStore::new());
    /// let t = SpecTarget::default().mysql(MysqlUser::new().master_from(store));
    /// # let _ = t;
    /// ```
    #[cfg(feature = "mysql")]
    #[cfg_attr(docsrs, doc(cfg(feature = "mysql")))]
    pub fn mysql(mut self, user: super::MysqlUser) -> SpecTarget {
        self.mysql = Some(user);
        self
    }

    fn resolve(&self, ctx: &StepContext<'_>) -> Result<Resolved, TargetError> {
        match ctx.rotation.map(|r| &r.target) {
            None | Some(TargetSpec::Noop) => Ok(Resolved::Noop),
            Some(TargetSpec::Command(prog)) => {
                Ok(Resolved::Command(self.pass_env.iter().fold(
                    CommandTarget::new(prog).timeout(self.command_timeout),
                    |t, name| t.pass_env(name),
                )))
            }
            #[cfg(feature = "postgres")]
            Some(TargetSpec::Postgres) if self.postgres.is_some() => {
                Ok(Resolved::Postgres(self.postgres.clone().expect("checked above")))
            }
            Some(TargetSpec::Postgres) => Err(TargetError::target(if cfg!(feature = "postgres") {
                "no postgres target configured (SpecTarget::postgres)"
            } else {
                "the postgres target is not available in this build (feature `postgres`)"
            })),
            #[cfg(feature = "mysql")]
            Some(TargetSpec::Mysql) if self.mysql.is_some() => {
                Ok(Resolved::Mysql(self.mysql.clone().expect("checked above")))
            }
            Some(TargetSpec::Mysql) => Err(TargetError::target(if cfg!(feature = "mysql") {
                "no mysql target configured (SpecTarget::mysql)"
            } else {
                "the mysql target is not available in this build (feature `mysql`)"
            })),
        }
    }
}

impl Target for SpecTarget {
    async fn set_secret(
        &self,
        ctx: &StepContext<'_>,
        pending: &SecretValue,
        current: &SecretValue,
    ) -> Result<(), TargetError> {
        match self.resolve(ctx)? {
            Resolved::Noop => Ok(()),
            Resolved::Command(cmd) => cmd.set_secret(ctx, pending, current).await,
            #[cfg(feature = "postgres")]
            Resolved::Postgres(pg) => pg.set_secret(ctx, pending, current).await,
            #[cfg(feature = "mysql")]
            Resolved::Mysql(my) => my.set_secret(ctx, pending, current).await,
        }
    }

    async fn test_secret(&self, ctx: &StepContext<'_>, pending: &SecretValue) -> Result<(), TargetError> {
        match self.resolve(ctx)? {
            Resolved::Noop => Ok(()),
            Resolved::Command(cmd) => cmd.test_secret(ctx, pending).await,
            #[cfg(feature = "postgres")]
            Resolved::Postgres(pg) => pg.test_secret(ctx, pending).await,
            #[cfg(feature = "mysql")]
            Resolved::Mysql(my) => my.test_secret(ctx, pending).await,
        }
    }
}

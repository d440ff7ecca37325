//! [`Target`]: the system whose credential a rotation changes.
//!
//! The driver calls [`Target::set_secret`] to make the target accept the
//! pending value, then [`Target::test_secret`] to log in with it. Both must be
//! idempotent: a resumed rotation calls them again with the same values.

//!
//! One file per target: [`NoopTarget`], [`CommandTarget`], `PostgresRole`
//! (feature `postgres`), `MysqlUser` (feature `mysql`), and [`SpecTarget`], which picks one per secret from
//! its rotation config. The two database targets share `rds.rs`: the RDS-shaped secret
//! (`DbSecret`) and the master/AWSPREVIOUS look-ups (`DbTarget`); their own files hold only
//! their SQL.

mod command;
mod error;
#[cfg(feature = "mysql")]
mod mysql;
mod noop;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(any(feature = "postgres", feature = "mysql"))]
pub(crate) mod rds;
mod spec;

use std::fmt;
use std::future::Future;

pub use command::CommandTarget;
pub(crate) use error::fmt_duration;
pub use error::TargetError;
#[cfg(feature = "mysql")]
#[cfg_attr(docsrs, doc(cfg(feature = "mysql")))]
pub use mysql::{MysqlSecret, MysqlUser};
pub use noop::NoopTarget;
#[cfg(feature = "postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
pub use postgres::{PostgresRole, RdsSecret};
#[cfg(feature = "mysql")]
#[cfg_attr(docsrs, doc(cfg(feature = "mysql")))]
pub use rds::MysqlEngine;
#[cfg(feature = "postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
pub use rds::PostgresEngine;
#[cfg(any(feature = "postgres", feature = "mysql"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "postgres", feature = "mysql"))))]
pub use rds::{DbSecret, DbTarget, Engine};
pub use spec::SpecTarget;

use crate::store::{RotationConfig, SecretId, SecretValue, Strategy, Token};

/// One of the four rotation steps, named as AWS rotation functions name them.
///
/// # Examples
///
/// ```
/// use rotaplan::target::Step;
/// assert_eq!(Step::Set.to_string(), "setSecret");
/// assert_eq!(Step::ALL.len(), 4);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Step {
    /// Put a new value under the token with AWSPENDING.
    Create,
    /// Make the target accept the pending value.
    Set,
    /// Log in at the target with the pending value.
    Test,
    /// Move AWSCURRENT to the pending version and drop AWSPENDING.
    Finish,
}

impl Step {
    /// The four steps in order.
    pub const ALL: [Step; 4] = [Step::Create, Step::Set, Step::Test, Step::Finish];

    /// `createSecret`, `setSecret`, `testSecret` or `finishSecret`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::target::Step;
    /// assert_eq!(Step::Finish.as_str(), "finishSecret");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Create => "createSecret",
            Step::Set => "setSecret",
            Step::Test => "testSecret",
            Step::Finish => "finishSecret",
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a target is told about the step it runs in. Holds no secret.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct StepContext<'a> {
    /// The secret being rotated.
    pub secret: &'a SecretId,
    /// The rotation's token (the pending version's id).
    pub token: &'a Token,
    /// `Set` or `Test`.
    pub step: Step,
    /// The secret's strategy.
    pub strategy: Strategy,
    /// The secret's rotation rules, if it has any.
    pub rotation: Option<&'a RotationConfig>,
}

impl<'a> StepContext<'a> {
    /// A context, for calling a target outside the driver (tests, tools).
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::store::{SecretId, Strategy, Token};
    /// use rotaplan::target::{Step, StepContext};
    /// let id = SecretId::new("db/main")?;
    /// let token = Token::generate();
    /// let ctx = StepContext::new(&id, &token, Step::Test, Strategy::SingleUser, None);
    /// assert_eq!(ctx.step, Step::Test);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(
        secret: &'a SecretId,
        token: &'a Token,
        step: Step,
        strategy: Strategy,
        rotation: Option<&'a RotationConfig>,
    ) -> StepContext<'a> {
        StepContext {
            secret,
            token,
            step,
            strategy,
            rotation,
        }
    }
}

/// The thing whose credential changes: a database, a service, nothing at all.
///
/// Implement with `async fn`. Both methods must be idempotent and must never
/// put a secret into an error message or a log.
pub trait Target: Send + Sync {
    /// setSecret: make the target accept `pending`. `current` is the value
    /// that works now (for single-user, log in with it to change the
    /// password; for alternating users, `pending` names the other user, which
    /// this call creates or updates).
    fn set_secret(
        &self,
        ctx: &StepContext<'_>,
        pending: &SecretValue,
        current: &SecretValue,
    ) -> impl Future<Output = Result<(), TargetError>> + Send;

    /// testSecret: log in with `pending`; an error fails the rotation.
    fn test_secret(
        &self,
        ctx: &StepContext<'_>,
        pending: &SecretValue,
    ) -> impl Future<Output = Result<(), TargetError>> + Send;
}

impl<T: Target + ?Sized> Target for &T {
    fn set_secret(
        &self,
        ctx: &StepContext<'_>,
        pending: &SecretValue,
        current: &SecretValue,
    ) -> impl Future<Output = Result<(), TargetError>> + Send {
        (**self).set_secret(ctx, pending, current)
    }

    fn test_secret(
        &self,
        ctx: &StepContext<'_>,
        pending: &SecretValue,
    ) -> impl Future<Output = Result<(), TargetError>> + Send {
        (**self).test_secret(ctx, pending)
    }
}

impl<T: Target + ?Sized> Target for std::sync::Arc<T> {
    fn set_secret(
        &self,
        ctx: &StepContext<'_>,
        pending: &SecretValue,
        current: &SecretValue,
    ) -> impl Future<Output = Result<(), TargetError>> + Send {
        (**self).set_secret(ctx, pending, current)
    }

    fn test_secret(
        &self,
        ctx: &StepContext<'_>,
        pending: &SecretValue,
    ) -> impl Future<Output = Result<(), TargetError>> + Send {
        (**self).test_secret(ctx, pending)
    }
}

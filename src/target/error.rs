//! [`TargetError`]: what a rotation target can fail with.
//!
//! A target refuses a credential, runs past its time-out, or finds the
//! secret's value in a shape it cannot use. A database target also reads
//! other secrets (the master credentials, AWSPREVIOUS) from the store, so a
//! `TargetError` may carry a [`StoreError`] unchanged; the questions see
//! through it. The driver's `rotate::RotateError`
//! wraps a `TargetError` and adds the secret and the step.

use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

use crate::store::StoreError;

/// An error from a [`Target`](crate::target::Target).
///
/// One pointer wide; ask it with the `is_*` methods, print it with `{}`.
/// No message ever contains a secret value.
///
/// # Examples
///
/// ```
/// use rotaplan::target::TargetError;
/// let err = TargetError::failed("login refused");
/// assert!(err.is_target());
/// assert!(err.is_transient());
/// assert_eq!(err.to_string(), "target failed: login refused");
/// ```
pub struct TargetError {
    inner: Box<Inner>,
}

enum Inner {
    /// A layer of context ("AWSPENDING") over another target error.
    #[cfg_attr(not(any(feature = "postgres", feature = "mysql")), allow(dead_code))]
    Context(String, TargetError),
    Failed(String),
    Timeout {
        what: String,
        after: Duration,
    },
    Invalid(String),
    /// A store failure, shown and asked exactly as the store gave it.
    Store(StoreError),
}

impl TargetError {
    #[cold]
    #[inline(never)]
    fn new(inner: Inner) -> TargetError {
        TargetError { inner: Box::new(inner) }
    }

    #[cold]
    #[inline(never)]
    pub(crate) fn target(message: impl Into<String>) -> TargetError {
        TargetError::new(Inner::Failed(message.into()))
    }

    #[cold]
    #[inline(never)]
    pub(crate) fn timeout(what: impl Into<String>, after: Duration) -> TargetError {
        TargetError::new(Inner::Timeout {
            what: what.into(),
            after,
        })
    }

    #[cold]
    #[inline(never)]
    pub(crate) fn invalid(reason: impl Into<String>) -> TargetError {
        TargetError::new(Inner::Invalid(reason.into()))
    }

    /// Wraps `self` in a layer of context; the questions still see through it.
    #[cold]
    #[inline(never)]
    #[cfg_attr(not(any(feature = "postgres", feature = "mysql")), allow(dead_code))]
    pub(crate) fn context(self, message: impl Into<String>) -> TargetError {
        TargetError::new(Inner::Context(message.into(), self))
    }

    /// A failure reported by a target implemented outside this crate: the
    /// system refused the credential or could not be reached. The message
    /// must not contain a secret value. It counts as transient: the driver
    /// retries it with the same token.
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::target::TargetError;
    /// let err = TargetError::failed("login refused");
    /// assert!(err.is_target());
    /// assert_eq!(err.to_string(), "target failed: login refused");
    /// ```
    pub fn failed(message: &str) -> TargetError {
        TargetError::target(message)
    }

    /// The secret's value or configuration is not something this target can
    /// use (a missing field, a bad port). Final: a retry would fail the same way.
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::target::TargetError;
    /// let err = TargetError::invalid_request("the secret JSON has no \"host\"");
    /// assert!(err.is_invalid_request());
    /// assert!(!err.is_transient());
    /// ```
    pub fn invalid_request(reason: &str) -> TargetError {
        TargetError::invalid(reason)
    }

    /// The innermost error, seen through every layer of context.
    fn leaf(&self) -> &Inner {
        let mut err = self;
        loop {
            match &*err.inner {
                Inner::Context(_, inner) => err = inner,
                leaf => return leaf,
            }
        }
    }

    /// The store error underneath, if the failure came from the store.
    fn store(&self) -> Option<&StoreError> {
        match self.leaf() {
            Inner::Store(e) => Some(e),
            _ => None,
        }
    }

    /// The target refused setSecret or testSecret, or could not be reached.
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::target::TargetError;
    /// assert!(TargetError::failed("no").is_target());
    /// assert!(!TargetError::invalid_request("no").is_target());
    /// ```
    pub fn is_target(&self) -> bool {
        matches!(self.leaf(), Inner::Failed(_))
    }

    /// The target (a command, a database call) ran past its time-out.
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::target::TargetError;
    /// assert!(!TargetError::failed("x").is_timeout());
    /// ```
    pub fn is_timeout(&self) -> bool {
        matches!(self.leaf(), Inner::Timeout { .. })
    }

    /// The secret's value does not fit the target, or the store refused a
    /// request the target made.
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::target::TargetError;
    /// assert!(TargetError::invalid_request("x").is_invalid_request());
    /// ```
    pub fn is_invalid_request(&self) -> bool {
        match self.leaf() {
            Inner::Invalid(_) => true,
            Inner::Store(e) => e.is_invalid_request(),
            _ => false,
        }
    }

    /// A secret the target read from the store (the master credentials,
    /// AWSPREVIOUS) does not exist.
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::target::TargetError;
    /// assert!(!TargetError::failed("x").is_not_found());
    /// ```
    pub fn is_not_found(&self) -> bool {
        self.store().is_some_and(StoreError::is_not_found)
    }

    /// The store the target read from failed (I/O, SQLite, network).
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::target::TargetError;
    /// assert!(!TargetError::failed("x").is_store());
    /// ```
    pub fn is_store(&self) -> bool {
        self.store().is_some_and(StoreError::is_store)
    }

    /// Whether retrying the same step later may succeed: refusals, time-outs
    /// and transient store failures.
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::target::TargetError;
    /// assert!(TargetError::failed("down").is_transient());
    /// assert!(!TargetError::invalid_request("bad").is_transient());
    /// ```
    pub fn is_transient(&self) -> bool {
        match self.leaf() {
            Inner::Failed(_) | Inner::Timeout { .. } => true,
            Inner::Store(e) => e.is_transient(),
            _ => false,
        }
    }

    /// The store error underneath, for the driver's questions.
    pub(crate) fn as_store(&self) -> Option<&StoreError> {
        self.store()
    }
}

impl From<StoreError> for TargetError {
    fn from(e: StoreError) -> TargetError {
        TargetError::new(Inner::Store(e))
    }
}

/// `30s`, or `1500ms` when the duration has a fraction of a second.
pub(crate) fn fmt_duration(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{}ms", d.as_millis())
    }
}

impl fmt::Display for TargetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &*self.inner {
            Inner::Context(msg, inner) => write!(f, "{msg}: {inner}"),
            Inner::Failed(msg) => write!(f, "target failed: {msg}"),
            Inner::Timeout { what, after } => write!(f, "{what} timed out after {}", fmt_duration(*after)),
            Inner::Invalid(reason) => write!(f, "invalid request: {reason}"),
            Inner::Store(e) => write!(f, "{e}"),
        }
    }
}

impl fmt::Debug for TargetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if f.alternate() {
            match &*self.inner {
                Inner::Context(msg, inner) => f
                    .debug_struct("TargetError")
                    .field("context", msg)
                    .field("source", inner)
                    .finish(),
                Inner::Store(e) => f.debug_tuple("TargetError").field(e).finish(),
                _ => f.debug_tuple("TargetError").field(&self.to_string()).finish(),
            }
        } else {
            write!(f, "TargetError(\"{self}\")")
        }
    }
}

impl StdError for TargetError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match &*self.inner {
            Inner::Context(_, inner) => Some(inner),
            // Display shows the store error itself, so its cause comes next.
            Inner::Store(e) => e.source(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_is_one_pointer() {
        assert_eq!(std::mem::size_of::<TargetError>(), std::mem::size_of::<usize>());
        assert_eq!(
            std::mem::size_of::<Result<(), TargetError>>(),
            std::mem::size_of::<usize>()
        );
    }

    #[test]
    fn store_errors_pass_through_unchanged() {
        let err = TargetError::from(StoreError::not_found("secret `db/master`")).context("masterarn");
        assert_eq!(err.to_string(), "masterarn: secret `db/master` not found");
        assert!(err.is_not_found());
        assert!(!err.is_target());
        assert!(!err.is_transient());
        let io = StoreError::store("get", std::io::Error::other("reset"));
        let err = TargetError::from(io);
        assert!(err.is_store() && err.is_transient());
        assert_eq!(err.source().unwrap().to_string(), "reset");
    }

    #[test]
    fn timeout_message() {
        let err = TargetError::timeout("command `x`", Duration::from_secs(30));
        assert_eq!(err.to_string(), "command `x` timed out after 30s");
        assert!(err.is_timeout() && err.is_transient());
        let err = TargetError::timeout("x", Duration::from_millis(1500));
        assert_eq!(err.to_string(), "x timed out after 1500ms");
    }
}

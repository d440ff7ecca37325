//! [`RotateError`]: what a rotation can fail with.
//!
//! The driver sits on top of a store and a target, and its error says which
//! of them failed and where: it wraps a [`StoreError`] or a [`TargetError`]
//! unchanged and adds the secret and the step as context, e.g.
//! ``rotating secret `db/main`: createSecret: store put failed: database is
//! locked``. It asks the same questions as the errors it wraps
//! ([`RotateError::is_not_found`], [`RotateError::is_transient`], …), seen
//! through every layer, so a caller never has to know which layer failed.
//! [`std::error::Error::source`] walks the chain one level at a time. No
//! message ever contains a secret value.

use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

use crate::store::StoreError;
use crate::target::{fmt_duration, TargetError};

/// An error from the rotation driver: a store or target failure with the
/// secret and step it happened in, or the driver's own time-out.
///
/// One pointer wide. Ask it what went wrong with the `is_*` methods; print it
/// with `{}` for the full context chain.
///
/// # Examples
///
/// ```
/// use rotaplan::rotate::Rotator;
/// use rotaplan::store::{MemoryStore, SecretId, Token};
/// use rotaplan::target::NoopTarget;
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let store = MemoryStore::new();
/// let rotator = Rotator::new(&store, NoopTarget);
/// let err = rotator.rotate(&SecretId::new("db/main")?, &Token::generate()).await.unwrap_err();
/// assert!(err.is_not_found());
/// assert_eq!(err.to_string(), "rotating secret `db/main`: createSecret: secret `db/main` not found");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
pub struct RotateError {
    inner: Box<Inner>,
}

enum Inner {
    /// A layer of context ("rotating secret `x`", "setSecret").
    Context(String, RotateError),
    Timeout {
        what: String,
        after: Duration,
    },
    Invalid(String),
    Store(StoreError),
    Target(TargetError),
}

/// The innermost error, with the layer it came from.
enum Leaf<'a> {
    Own(&'a Inner),
    Store(&'a StoreError),
    Target(&'a TargetError),
}

impl RotateError {
    #[cold]
    #[inline(never)]
    fn new(inner: Inner) -> RotateError {
        RotateError { inner: Box::new(inner) }
    }

    #[cold]
    #[inline(never)]
    pub(crate) fn timeout(what: impl Into<String>, after: Duration) -> RotateError {
        RotateError::new(Inner::Timeout {
            what: what.into(),
            after,
        })
    }

    #[cold]
    #[inline(never)]
    pub(crate) fn invalid(reason: impl Into<String>) -> RotateError {
        RotateError::new(Inner::Invalid(reason.into()))
    }

    /// Wraps `self` in a layer of context; the questions still see through it.
    #[cold]
    #[inline(never)]
    pub(crate) fn context(self, message: impl Into<String>) -> RotateError {
        RotateError::new(Inner::Context(message.into(), self))
    }

    /// The rotation step the error happened in (`createSecret`, …), read
    /// from the context layers (or a step's time-out), outermost first.
    pub(crate) fn step(&self) -> Option<crate::target::Step> {
        let named = |s: &str| {
            crate::target::Step::ALL
                .into_iter()
                .find(|step| s == step.as_str() || s.ends_with(&format!(": {}", step.as_str())))
        };
        let mut err = self;
        loop {
            match &*err.inner {
                Inner::Context(msg, inner) => match named(msg) {
                    Some(step) => return Some(step),
                    None => err = inner,
                },
                Inner::Timeout { what, .. } => return named(what),
                _ => return None,
            }
        }
    }

    fn leaf(&self) -> Leaf<'_> {
        let mut err = self;
        loop {
            match &*err.inner {
                Inner::Context(_, inner) => err = inner,
                Inner::Store(e) => return Leaf::Store(e),
                Inner::Target(e) => match e.as_store() {
                    Some(e) => return Leaf::Store(e),
                    None => return Leaf::Target(e),
                },
                own => return Leaf::Own(own),
            }
        }
    }

    /// Asks the store error underneath, if the failure came from a store.
    fn store_says(&self, question: impl FnOnce(&StoreError) -> bool) -> bool {
        matches!(self.leaf(), Leaf::Store(e) if question(e))
    }

    /// The secret, version or stage does not exist (AWS `ResourceNotFoundException`).
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::rotate::Rotator;
    /// use rotaplan::store::{MemoryStore, SecretId, Token};
    /// use rotaplan::target::NoopTarget;
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let store = MemoryStore::new();
    /// let err = Rotator::new(&store, NoopTarget).rotate(&SecretId::new("x")?, &Token::generate()).await.unwrap_err();
    /// assert!(err.is_not_found());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub fn is_not_found(&self) -> bool {
        self.store_says(StoreError::is_not_found)
    }

    /// The secret already exists, or a put reused a token with another value
    /// (AWS `ResourceExistsException`).
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::rotate::RotateError;
    /// use rotaplan::store::StoreError;
    /// assert!(RotateError::from(StoreError::resource_exists("secret `x`")).is_already_exists());
    /// ```
    pub fn is_already_exists(&self) -> bool {
        self.store_says(StoreError::is_already_exists)
    }

    /// The request breaks a rule: the store's (AWS `InvalidRequestException`),
    /// the target's (a secret value it cannot use) or the driver's.
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::rotate::RotateError;
    /// use rotaplan::store::StoreError;
    /// assert!(RotateError::from(StoreError::invalid_request("bad")).is_invalid_request());
    /// ```
    pub fn is_invalid_request(&self) -> bool {
        match self.leaf() {
            Leaf::Own(Inner::Invalid(_)) => true,
            Leaf::Store(e) => e.is_invalid_request(),
            Leaf::Target(e) => e.is_invalid_request(),
            Leaf::Own(_) => false,
        }
    }

    /// Another rotation holds AWSPENDING on a version that is not AWSCURRENT,
    /// or the store is locked by another process for longer than its busy
    /// time-out. Retrying with the *same* token resumes that rotation.
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::rotate::RotateError;
    /// use rotaplan::store::StoreError;
    /// let err = RotateError::from(StoreError::rotation_already_in_progress("db/main", "v2"));
    /// assert!(err.is_rotation_in_progress());
    /// ```
    pub fn is_rotation_in_progress(&self) -> bool {
        self.store_says(StoreError::is_rotation_in_progress)
    }

    /// The store's lock was held by another connection or process for longer
    /// than the busy time-out (a subset of [`is_rotation_in_progress`](Self::is_rotation_in_progress)).
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::rotate::RotateError;
    /// use rotaplan::store::StoreError;
    /// assert!(!RotateError::from(StoreError::invalid_request("x")).is_busy());
    /// ```
    pub fn is_busy(&self) -> bool {
        self.store_says(StoreError::is_busy)
    }

    /// A step, a command or a store call ran past its time-out.
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::rotate::RotateError;
    /// use rotaplan::target::TargetError;
    /// assert!(!RotateError::from(TargetError::failed("x")).is_timeout());
    /// ```
    pub fn is_timeout(&self) -> bool {
        match self.leaf() {
            Leaf::Own(Inner::Timeout { .. }) => true,
            Leaf::Target(e) => e.is_timeout(),
            _ => false,
        }
    }

    /// The target refused setSecret or testSecret.
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::rotate::RotateError;
    /// use rotaplan::target::TargetError;
    /// assert!(RotateError::from(TargetError::failed("no")).is_target());
    /// ```
    pub fn is_target(&self) -> bool {
        matches!(self.leaf(), Leaf::Target(e) if e.is_target())
    }

    /// The backend itself failed (I/O, SQLite, network).
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::rotate::RotateError;
    /// use rotaplan::store::StoreError;
    /// assert!(RotateError::from(StoreError::backend("get", std::io::Error::other("x"))).is_store());
    /// ```
    pub fn is_store(&self) -> bool {
        self.store_says(StoreError::is_store)
    }

    /// The master key is missing or malformed, or a value failed to decrypt
    /// (wrong key, tampered file).
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::rotate::RotateError;
    /// use rotaplan::store::StoreError;
    /// assert!(!RotateError::from(StoreError::invalid_request("x")).is_key());
    /// ```
    pub fn is_key(&self) -> bool {
        self.store_says(StoreError::is_key)
    }

    /// The secret's schedule could not be evaluated.
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::rotate::RotateError;
    /// use rotaplan::store::StoreError;
    /// assert!(!RotateError::from(StoreError::invalid_request("x")).is_schedule());
    /// ```
    pub fn is_schedule(&self) -> bool {
        self.store_says(StoreError::is_schedule)
    }

    /// Whether retrying the same request later may succeed: store and target
    /// failures, time-outs and a busy lock. Not-found, invalid requests and
    /// another rotation in progress are final.
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::rotate::RotateError;
    /// use rotaplan::store::StoreError;
    /// use rotaplan::target::TargetError;
    /// assert!(RotateError::from(TargetError::failed("down")).is_transient());
    /// assert!(!RotateError::from(StoreError::invalid_request("bad")).is_transient());
    /// ```
    pub fn is_transient(&self) -> bool {
        match self.leaf() {
            Leaf::Own(inner) => matches!(inner, Inner::Timeout { .. }),
            Leaf::Store(e) => e.is_transient(),
            Leaf::Target(e) => e.is_transient(),
        }
    }
}

impl From<StoreError> for RotateError {
    fn from(e: StoreError) -> RotateError {
        RotateError::new(Inner::Store(e))
    }
}

impl From<TargetError> for RotateError {
    fn from(e: TargetError) -> RotateError {
        RotateError::new(Inner::Target(e))
    }
}

impl fmt::Display for RotateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &*self.inner {
            Inner::Context(msg, inner) => write!(f, "{msg}: {inner}"),
            Inner::Timeout { what, after } => write!(f, "{what} timed out after {}", fmt_duration(*after)),
            Inner::Invalid(reason) => write!(f, "invalid request: {reason}"),
            Inner::Store(e) => write!(f, "{e}"),
            Inner::Target(e) => write!(f, "{e}"),
        }
    }
}

impl fmt::Debug for RotateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if f.alternate() {
            match &*self.inner {
                Inner::Context(msg, inner) => f
                    .debug_struct("RotateError")
                    .field("context", msg)
                    .field("source", inner)
                    .finish(),
                Inner::Store(e) => f.debug_tuple("RotateError").field(e).finish(),
                Inner::Target(e) => f.debug_tuple("RotateError").field(e).finish(),
                _ => f.debug_tuple("RotateError").field(&self.to_string()).finish(),
            }
        } else {
            write!(f, "RotateError(\"{self}\")")
        }
    }
}

impl StdError for RotateError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match &*self.inner {
            Inner::Context(_, inner) => Some(inner),
            // Display shows the wrapped error itself, so its cause comes next.
            Inner::Store(e) => e.source(),
            Inner::Target(e) => e.source(),
            _ => None,
        }
    }
}

/// Adds context to a `Result` whose error becomes a [`RotateError`] (jiff's
/// `ErrorContext`): a store's or a target's error is wrapped on the way up.
pub(crate) trait ErrorContext<T> {
    fn with_context<M: Into<String>>(self, f: impl FnOnce() -> M) -> Result<T, RotateError>;
}

impl<T, E: Into<RotateError>> ErrorContext<T> for Result<T, E> {
    fn with_context<M: Into<String>>(self, f: impl FnOnce() -> M) -> Result<T, RotateError> {
        self.map_err(|e| e.into().context(f()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_is_one_pointer() {
        assert_eq!(std::mem::size_of::<RotateError>(), std::mem::size_of::<usize>());
        assert_eq!(
            std::mem::size_of::<Result<(), RotateError>>(),
            std::mem::size_of::<usize>()
        );
    }

    #[test]
    fn context_chain_and_questions() {
        let io = std::io::Error::other("database is locked");
        let err = RotateError::from(StoreError::backend("put", io))
            .context("createSecret")
            .context("rotating secret `db/main`");
        assert_eq!(
            err.to_string(),
            "rotating secret `db/main`: createSecret: store put failed: database is locked"
        );
        assert!(err.is_store());
        assert!(err.is_transient());
        assert!(!err.is_not_found());
        // source() walks one level at a time down to the foreign error.
        let s1 = err.source().unwrap();
        assert_eq!(s1.to_string(), "createSecret: store put failed: database is locked");
        let s2 = s1.source().unwrap();
        assert_eq!(s2.to_string(), "store put failed: database is locked");
        let s3 = s2.source().unwrap();
        assert_eq!(s3.to_string(), "database is locked");
        assert!(s3.source().is_none());
        assert_eq!(
            format!("{err:?}"),
            "RotateError(\"rotating secret `db/main`: createSecret: store put failed: database is locked\")"
        );
    }

    #[test]
    fn target_and_store_questions_see_through() {
        let err = RotateError::from(TargetError::failed("login refused")).context("testSecret");
        assert!(err.is_target() && err.is_transient() && !err.is_store());
        assert_eq!(err.to_string(), "testSecret: target failed: login refused");
        // A database target's failure to read its master secret is a store fact.
        let err = RotateError::from(TargetError::from(StoreError::not_found("secret `m`")).context("masterarn"));
        assert!(err.is_not_found() && !err.is_target());
        let err = RotateError::from(StoreError::rotation_in_progress("db/main", "abc"));
        assert!(err.is_rotation_in_progress() && !err.is_busy() && !err.is_transient());
        assert!(err.to_string().contains("`abc`"));
    }

    #[test]
    fn step_is_read_from_the_context() {
        use crate::target::Step;
        let err = RotateError::from(TargetError::failed("x"))
            .context("setSecret")
            .context("rotating secret `a`");
        assert_eq!(err.step(), Some(Step::Set));
        let renew = RotateError::from(StoreError::invalid("lease lost")).context("rotating secret `a`: testSecret");
        assert_eq!(renew.step(), Some(Step::Test));
        let timeout = RotateError::timeout("finishSecret", Duration::from_secs(1)).context("rotating secret `a`");
        assert_eq!(timeout.step(), Some(Step::Finish));
        assert_eq!(RotateError::invalid("x").context("rotating secret `a`").step(), None);
    }

    #[test]
    fn timeout_message() {
        let err = RotateError::timeout("setSecret", Duration::from_secs(30));
        assert_eq!(err.to_string(), "setSecret timed out after 30s");
        assert!(err.is_timeout() && err.is_transient());
        let err = RotateError::timeout("x", Duration::from_millis(1500));
        assert_eq!(err.to_string(), "x timed out after 1500ms");
    }
}

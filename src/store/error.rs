//! [`StoreError`]: what a secret store can fail with.
//!
//! Opaque, as jiff's errors are: callers ask questions such as
//! [`StoreError::is_not_found`] instead of matching on a public enum, so new
//! failure modes can be added without breaking anyone. The kinds map onto the
//! exceptions AWS Secrets Manager raises (`ResourceNotFoundException`,
//! `ResourceExistsException`, `InvalidRequestException`, "rotation already in
//! progress"), so every backend translates its failures into the same
//! questions. A store knows nothing of rotation steps: the driver's
//! `rotate::RotateError` wraps a `StoreError` and adds
//! the secret and the step.
//!
//! `Display` prints the whole chain of context joined by `": "`;
//! [`std::error::Error::source`] walks it one level at a time. No message
//! ever contains a secret value.

use std::error::Error as StdError;
use std::fmt;

/// An error from a [`SecretStore`](crate::store::SecretStore), or from the
/// value types it speaks in ([`SecretId`](crate::store::SecretId),
/// [`Stage`](crate::store::Stage), …).
///
/// One pointer wide. Ask it what went wrong with the `is_*` methods; print it
/// with `{}` for the full context chain.
///
/// # Examples
///
/// ```
/// use rotaplan::store::{MemoryStore, SecretId, SecretStore};
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let store = MemoryStore::new();
/// let err = store.describe(&SecretId::new("db/main")?).await.unwrap_err();
/// assert!(err.is_not_found());
/// assert_eq!(err.to_string(), "secret `db/main` not found");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
pub struct StoreError {
    inner: Box<Inner>,
}

struct Inner {
    kind: ErrorKind,
    source: Option<Source>,
}

enum Source {
    Store(StoreError),
    Foreign(Box<dyn StdError + Send + Sync + 'static>),
}

#[derive(Debug)]
#[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
enum ErrorKind {
    /// A layer of context ("store `x.db`").
    Context(String),
    NotFound(String),
    AlreadyExists(String),
    InvalidRequest(String),
    RotationInProgress {
        secret: String,
        pending: String,
    },
    Busy(String),
    Backend(String),
    Key(String),
    Decrypt(String),
    Schedule(String),
    Password(String),
}

impl StoreError {
    #[cold]
    #[inline(never)]
    fn new(kind: ErrorKind) -> StoreError {
        StoreError {
            inner: Box::new(Inner { kind, source: None }),
        }
    }

    #[cold]
    #[inline(never)]
    pub(crate) fn not_found(what: impl Into<String>) -> StoreError {
        StoreError::new(ErrorKind::NotFound(what.into()))
    }

    #[cold]
    #[inline(never)]
    pub(crate) fn already_exists(what: impl Into<String>) -> StoreError {
        StoreError::new(ErrorKind::AlreadyExists(what.into()))
    }

    #[cold]
    #[inline(never)]
    pub(crate) fn invalid(reason: impl Into<String>) -> StoreError {
        StoreError::new(ErrorKind::InvalidRequest(reason.into()))
    }

    #[cold]
    #[inline(never)]
    pub(crate) fn rotation_in_progress(secret: impl Into<String>, pending: impl Into<String>) -> StoreError {
        StoreError::new(ErrorKind::RotationInProgress {
            secret: secret.into(),
            pending: pending.into(),
        })
    }

    #[cold]
    #[inline(never)]
    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
    pub(crate) fn busy(what: impl Into<String>) -> StoreError {
        StoreError::new(ErrorKind::Busy(what.into()))
    }

    /// A backend failure with the underlying error kept as the source.
    #[cold]
    #[inline(never)]
    pub(crate) fn store(
        op: impl Into<String>,
        source: impl Into<Box<dyn StdError + Send + Sync + 'static>>,
    ) -> StoreError {
        let mut err = StoreError::new(ErrorKind::Backend(op.into()));
        err.inner.source = Some(Source::Foreign(source.into()));
        err
    }

    #[cold]
    #[inline(never)]
    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
    pub(crate) fn key(reason: impl Into<String>) -> StoreError {
        StoreError::new(ErrorKind::Key(reason.into()))
    }

    #[cold]
    #[inline(never)]
    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
    pub(crate) fn decrypt(what: impl Into<String>) -> StoreError {
        StoreError::new(ErrorKind::Decrypt(what.into()))
    }

    #[cold]
    #[inline(never)]
    pub(crate) fn schedule(reason: impl Into<String>) -> StoreError {
        StoreError::new(ErrorKind::Schedule(reason.into()))
    }

    #[cold]
    #[inline(never)]
    pub(crate) fn password(reason: impl Into<String>) -> StoreError {
        StoreError::new(ErrorKind::Password(reason.into()))
    }

    /// Wraps `self` in a layer of context; the questions still see through it.
    #[cold]
    #[inline(never)]
    pub(crate) fn context(self, message: impl Into<String>) -> StoreError {
        StoreError {
            inner: Box::new(Inner {
                kind: ErrorKind::Context(message.into()),
                source: Some(Source::Store(self)),
            }),
        }
    }

    /// A failure reported by a store implemented outside this crate.
    ///
    /// `op` names what failed ("put", "connect"); `source` is kept as the
    /// [`source()`](std::error::Error::source). Its message must not contain
    /// a secret value. The error counts as transient: the rotation driver
    /// retries it.
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::store::StoreError;
    /// let io = std::io::Error::other("connection reset");
    /// let err = StoreError::backend("put", io);
    /// assert!(err.is_store());
    /// assert_eq!(err.to_string(), "store put failed: connection reset");
    /// ```
    pub fn backend(op: &str, source: impl Into<Box<dyn StdError + Send + Sync + 'static>>) -> StoreError {
        StoreError::store(op, source)
    }

    /// A "not found" error for stores implemented outside this crate
    /// (AWS `ResourceNotFoundException`).
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::store::StoreError;
    /// assert!(StoreError::resource_not_found("secret `x`").is_not_found());
    /// ```
    pub fn resource_not_found(what: &str) -> StoreError {
        StoreError::not_found(what)
    }

    /// An "already exists" error for stores implemented outside this crate
    /// (AWS `ResourceExistsException`).
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::store::StoreError;
    /// assert!(StoreError::resource_exists("secret `x`").is_already_exists());
    /// ```
    pub fn resource_exists(what: &str) -> StoreError {
        StoreError::already_exists(what)
    }

    /// A "rotation already in progress" error for stores implemented outside
    /// this crate: `pending` is the version holding AWSPENDING.
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::store::StoreError;
    /// let err = StoreError::rotation_already_in_progress("db/main", "v2");
    /// assert!(err.is_rotation_in_progress());
    /// assert!(err.to_string().contains("`v2`"));
    /// ```
    pub fn rotation_already_in_progress(secret: &str, pending: &str) -> StoreError {
        StoreError::rotation_in_progress(secret, pending)
    }

    /// An "invalid request" error for stores implemented outside this crate
    /// (AWS `InvalidRequestException` / `InvalidParameterException`).
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::store::StoreError;
    /// assert!(StoreError::invalid_request("bad stage").is_invalid_request());
    /// ```
    pub fn invalid_request(reason: &str) -> StoreError {
        StoreError::invalid(reason)
    }

    /// The innermost kind, seen through every layer of context.
    fn kind(&self) -> &ErrorKind {
        let mut err = self;
        loop {
            match (&err.inner.kind, &err.inner.source) {
                (ErrorKind::Context(_), Some(Source::Store(inner))) => err = inner,
                (kind, _) => return kind,
            }
        }
    }

    /// The secret, version or stage does not exist (AWS `ResourceNotFoundException`).
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::store::StoreError;
    /// assert!(StoreError::resource_not_found("secret `x`").is_not_found());
    /// ```
    pub fn is_not_found(&self) -> bool {
        matches!(self.kind(), ErrorKind::NotFound(_))
    }

    /// The secret already exists, or a put reused a token with another value
    /// (AWS `ResourceExistsException`).
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::store::{MemoryStore, SecretId, SecretStore};
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let store = MemoryStore::new();
    /// let id = SecretId::new("api/key")?;
    /// store.create(&id, None, None).await?;
    /// assert!(store.create(&id, None, None).await.unwrap_err().is_already_exists());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub fn is_already_exists(&self) -> bool {
        matches!(self.kind(), ErrorKind::AlreadyExists(_))
    }

    /// The request breaks a rule (AWS `InvalidRequestException`): a stage
    /// attached elsewhere moved without naming where it is removed from, a
    /// secret scheduled for deletion, a bad recovery window, …
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::store::StoreError;
    /// assert!(StoreError::invalid_request("bad").is_invalid_request());
    /// ```
    pub fn is_invalid_request(&self) -> bool {
        matches!(self.kind(), ErrorKind::InvalidRequest(_))
    }

    /// Another rotation holds AWSPENDING on a version that is not AWSCURRENT,
    /// or the store is locked by another process for longer than its busy
    /// time-out. Retrying with the *same* token resumes that rotation.
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::store::{MemoryStore, SecretId, SecretStore, SecretValue, Stage, Token};
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let store = MemoryStore::new();
    /// let id = SecretId::new("api/key")?;
    /// let first = Token::new("11111111-1111-1111-1111-111111111111")?;
    /// store.create(&id, Some((&first, &SecretValue::from("v1"))), None).await?;
    /// let a = Token::generate();
    /// store.put_value(&id, &a, &SecretValue::from("v2"), Some(&[Stage::pending()])).await?;
    /// let b = Token::generate();
    /// let err = store
    ///     .put_value(&id, &b, &SecretValue::from("v3"), Some(&[Stage::pending()]))
    ///     .await
    ///     .unwrap_err();
    /// assert!(err.is_rotation_in_progress());
    /// assert!(err.to_string().contains(a.as_str()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub fn is_rotation_in_progress(&self) -> bool {
        matches!(self.kind(), ErrorKind::RotationInProgress { .. } | ErrorKind::Busy(_))
    }

    /// The store's lock was held by another connection or process for longer
    /// than the busy time-out (a subset of [`is_rotation_in_progress`](Self::is_rotation_in_progress)).
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::store::StoreError;
    /// assert!(!StoreError::invalid_request("x").is_busy());
    /// ```
    pub fn is_busy(&self) -> bool {
        matches!(self.kind(), ErrorKind::Busy(_))
    }

    /// The backend itself failed (I/O, SQLite, network).
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::store::StoreError;
    /// assert!(StoreError::backend("get", std::io::Error::other("x")).is_store());
    /// ```
    pub fn is_store(&self) -> bool {
        matches!(self.kind(), ErrorKind::Backend(_))
    }

    /// The master key is missing or malformed, or a value failed to decrypt
    /// (wrong key, tampered file).
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::store::StoreError;
    /// assert!(!StoreError::invalid_request("x").is_key());
    /// ```
    pub fn is_key(&self) -> bool {
        matches!(self.kind(), ErrorKind::Key(_) | ErrorKind::Decrypt(_))
    }

    /// The secret's schedule could not be evaluated.
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::store::StoreError;
    /// assert!(!StoreError::invalid_request("x").is_schedule());
    /// ```
    pub fn is_schedule(&self) -> bool {
        matches!(self.kind(), ErrorKind::Schedule(_))
    }

    /// Whether retrying the same request later may succeed: backend failures
    /// and a busy lock. Not-found, invalid requests and another rotation in
    /// progress are final.
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::store::StoreError;
    /// assert!(StoreError::backend("get", std::io::Error::other("reset")).is_transient());
    /// assert!(!StoreError::invalid_request("bad").is_transient());
    /// ```
    pub fn is_transient(&self) -> bool {
        matches!(self.kind(), ErrorKind::Backend(_) | ErrorKind::Busy(_))
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::Context(msg) => f.write_str(msg),
            ErrorKind::NotFound(what) => write!(f, "{what} not found"),
            ErrorKind::AlreadyExists(what) => write!(f, "{what} already exists"),
            ErrorKind::InvalidRequest(reason) => write!(f, "invalid request: {reason}"),
            ErrorKind::RotationInProgress { secret, pending } => write!(
                f,
                "rotation already in progress for secret `{secret}`: \
                 version `{pending}` holds AWSPENDING (retry with that token to resume)"
            ),
            ErrorKind::Busy(what) => {
                write!(f, "{what} is busy: rotation in progress in another process")
            }
            ErrorKind::Backend(op) => write!(f, "store {op} failed"),
            ErrorKind::Key(reason) => write!(f, "master key: {reason}"),
            ErrorKind::Decrypt(what) => write!(f, "cannot decrypt {what} (wrong master key or corrupted store)"),
            ErrorKind::Schedule(reason) => write!(f, "schedule: {reason}"),
            ErrorKind::Password(reason) => write!(f, "password generation: {reason}"),
        }
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.inner.kind)?;
        match &self.inner.source {
            None => Ok(()),
            Some(Source::Store(inner)) => write!(f, ": {inner}"),
            Some(Source::Foreign(inner)) => {
                write!(f, ": {inner}")?;
                let mut next = inner.source();
                while let Some(cause) = next {
                    write!(f, ": {cause}")?;
                    next = cause.source();
                }
                Ok(())
            }
        }
    }
}

impl fmt::Debug for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if f.alternate() {
            let mut s = f.debug_struct("StoreError");
            s.field("kind", &self.inner.kind);
            match &self.inner.source {
                None => {}
                Some(Source::Store(inner)) => {
                    s.field("source", inner);
                }
                Some(Source::Foreign(inner)) => {
                    s.field("source", inner);
                }
            }
            s.finish()
        } else {
            write!(f, "StoreError(\"{self}\")")
        }
    }
}

impl StdError for StoreError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match &self.inner.source {
            None => None,
            Some(Source::Store(inner)) => Some(inner),
            Some(Source::Foreign(inner)) => Some(&**inner),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_is_one_pointer() {
        assert_eq!(std::mem::size_of::<StoreError>(), std::mem::size_of::<usize>());
        assert_eq!(
            std::mem::size_of::<Result<(), StoreError>>(),
            std::mem::size_of::<usize>()
        );
    }

    #[test]
    fn context_chain_and_questions() {
        let io = std::io::Error::other("database is locked");
        let err = StoreError::store("put", io).context("store `x.db`");
        assert_eq!(err.to_string(), "store `x.db`: store put failed: database is locked");
        assert!(err.is_store());
        assert!(err.is_transient());
        assert!(!err.is_not_found());
        let s1 = err.source().unwrap();
        assert_eq!(s1.to_string(), "store put failed: database is locked");
        let s2 = s1.source().unwrap();
        assert_eq!(s2.to_string(), "database is locked");
        assert!(s2.source().is_none());
        assert_eq!(
            format!("{err:?}"),
            "StoreError(\"store `x.db`: store put failed: database is locked\")"
        );
    }

    #[test]
    fn rotation_in_progress_names_pending() {
        let err = StoreError::rotation_in_progress("db/main", "abc");
        assert!(err.is_rotation_in_progress());
        assert!(!err.is_busy());
        assert!(!err.is_transient());
        assert!(err.to_string().contains("`abc`"));
        let busy = StoreError::busy("store `x.db`");
        assert!(busy.is_rotation_in_progress() && busy.is_busy() && busy.is_transient());
    }
}

//! [`SqliteStore`]: the durable embedded store, one SQLite file.
//!
//! - Tables `secrets` (metadata and rotation rules), `versions` (one
//!   encrypted value each) and `stages` (primary key `(secret, stage)`, so a
//!   stage is on at most one version by construction).
//! - Every write runs in a `BEGIN IMMEDIATE` transaction: load the secret,
//!   apply the same rules as [`MemoryStore`](super::MemoryStore), write the
//!   difference back. Two processes on one file serialize on SQLite's lock;
//!   the busy time-out bounds the wait, after which the loser gets
//!   [`StoreError::is_busy`].
//! - The file is in WAL mode with `synchronous = NORMAL`. The writes that
//!   must survive a power cut are fsynced before they return (`synchronous
//!   = FULL` for that transaction, or one fsync of the WAL shared by the
//!   commits waiting for it): the claim (AWSPENDING and the lease, before
//!   any target is told), finishSecret, and every operator change (create,
//!   put, stage moves, rules, delete, restore). Lease renewals and
//!   releases are not; losing one costs nothing (a lease outlives its
//!   owner's crash by at most its time-to-live). `PATH-wal` and `PATH-shm`
//!   get the file's mode (0600) and the same permission check.
//! - Values are encrypted with XChaCha20-Poly1305 under a [`MasterKey`],
//!   each with a random 24-byte nonce and the secret id + version id as
//!   associated data, so a ciphertext moved to another row fails to decrypt.
//!   The key is never stored in the file.
//! - Table `history` (one row per rotation attempt, see
//!   [`AttemptRecord`](super::AttemptRecord)), written in the claim's and
//!   the finish's transactions; added to older files when they are opened.
//! - A new file is created with mode 0600.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use zeroize::Zeroizing;

use super::claim::{decide, expiry, lease_lost, Decision};
use super::history::sql as history;
use super::rules::{secret_not_found, Record, VersionRec};
use super::StoreError;
use super::{
    AttemptRecord, Claim, Claimed, Deletion, Description, Lease, Outcome, Owner, PutOutcome, RotationConfig, SecretId,
    SecretStore, SecretValue, SecretVersion, Stage, Token, VersionId, VersionRef,
};

/// The environment variable [`MasterKey::from_env`] reads (64 hex digits).
pub const MASTER_KEY_ENV: &str = "ROTAPLAN_MASTER_KEY";

/// The 32-byte key that encrypts values in a [`SqliteStore`].
///
/// Never printed (`Debug` shows `MasterKey(<redacted>)`), zeroed on drop.
///
/// # Examples
///
/// ```
/// use rotaplan::store::MasterKey;
/// let key = MasterKey::from_hex(&"ab".repeat(32))?;
/// assert_eq!(format!("{key:?}"), "MasterKey(<redacted>)");
/// assert!(MasterKey::from_hex("abcd").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct MasterKey(Zeroizing<[u8; 32]>);

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey(<redacted>)")
    }
}

impl MasterKey {
    /// A key from raw bytes.
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::store::MasterKey;
    /// let key = MasterKey::from_bytes([7; 32]);
    /// # let _ = key;
    /// ```
    pub fn from_bytes(bytes: [u8; 32]) -> MasterKey {
        MasterKey(Zeroizing::new(bytes))
    }

    /// A fresh key from the OS random source.
    ///
    /// # Errors
    ///
    /// If the OS random source fails.
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::store::MasterKey;
    /// let key = MasterKey::generate()?;
    /// # let _ = key;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn generate() -> Result<MasterKey, StoreError> {
        let mut key = Zeroizing::new([0u8; 32]);
        getrandom::fill(&mut key[..]).map_err(|e| StoreError::key(format!("OS random source failed: {e}")))?;
        Ok(MasterKey(key))
    }

    /// A key from 64 hex digits (surrounding whitespace ignored).
    ///
    /// # Errors
    ///
    /// A key error naming the length or the bad character (never the key).
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::store::MasterKey;
    /// assert!(MasterKey::from_hex(&"0F".repeat(32)).is_ok());
    /// assert!(MasterKey::from_hex(&"zz".repeat(32)).unwrap_err().is_key());
    /// ```
    pub fn from_hex(hex: &str) -> Result<MasterKey, StoreError> {
        let hex = hex.trim().as_bytes();
        if hex.len() != 64 {
            return Err(StoreError::key(format!(
                "expected 64 hex digits (found {} characters)",
                hex.len()
            )));
        }
        let mut key = Zeroizing::new([0u8; 32]);
        for (i, pair) in hex.chunks(2).enumerate() {
            let digit = |b: u8| match b {
                b'0'..=b'9' => Some(b - b'0'),
                b'a'..=b'f' => Some(b - b'a' + 10),
                b'A'..=b'F' => Some(b - b'A' + 10),
                _ => None,
            };
            match (digit(pair[0]), digit(pair[1])) {
                (Some(h), Some(l)) => key[i] = h << 4 | l,
                _ => {
                    return Err(StoreError::key(format!(
                        "not a hex digit at position {}",
                        2 * i + usize::from(digit(pair[0]).is_some())
                    )))
                }
            }
        }
        Ok(MasterKey(key))
    }

    /// The key in [`MASTER_KEY_ENV`] (`ROTAPLAN_MASTER_KEY`), as hex.
    ///
    /// # Errors
    ///
    /// If the variable is unset or not 64 hex digits.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use rotaplan::store::MasterKey;
    /// let key = MasterKey::from_env()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_env() -> Result<MasterKey, StoreError> {
        let value = Zeroizing::new(
            std::env::var(MASTER_KEY_ENV)
                .map_err(|_| StoreError::key(format!("environment variable {MASTER_KEY_ENV} is not set")))?,
        );
        MasterKey::from_hex(&value).map_err(|e| e.context(format!("environment variable {MASTER_KEY_ENV}")))
    }

    /// A key from a file holding 64 hex digits or exactly 32 raw bytes.
    ///
    /// # Errors
    ///
    /// If the file cannot be read or holds something else, or if group or
    /// others may read it (as ssh refuses such keys; the message says
    /// `chmod 600 PATH`).
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::store::MasterKey;
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("master.key");
    /// MasterKey::generate()?.write_new_file(&path)?;
    /// let key = MasterKey::from_file(&path)?;
    /// # let _ = key;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_file(path: impl AsRef<Path>) -> Result<MasterKey, StoreError> {
        let path = path.as_ref();
        check_private(path, "key file").map_err(|e| match e {
            Some(e) => e,
            None => StoreError::key(format!("cannot read key file `{}`: no such file", path.display())),
        })?;
        let bytes = Zeroizing::new(
            std::fs::read(path)
                .map_err(|e| StoreError::key(format!("cannot read key file `{}`: {e}", path.display())))?,
        );
        if bytes.len() == 32 {
            let mut key = Zeroizing::new([0u8; 32]);
            key.copy_from_slice(&bytes);
            return Ok(MasterKey(key));
        }
        let text = std::str::from_utf8(&bytes).map_err(|_| {
            StoreError::key(format!(
                "key file `{}` holds neither 32 raw bytes nor hex",
                path.display()
            ))
        })?;
        MasterKey::from_hex(text).map_err(|e| e.context(format!("key file `{}`", path.display())))
    }

    /// Writes the key as hex to a new file, mode 0600, atomically: a
    /// temporary file in the same directory, fsync, rename, fsync of the
    /// directory. Refuses to replace an existing file.
    ///
    /// # Errors
    ///
    /// If `path` exists or any step of the write fails.
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::store::MasterKey;
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("k");
    /// MasterKey::generate()?.write_new_file(&path)?;
    /// assert!(MasterKey::generate()?.write_new_file(&path).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn write_new_file(&self, path: impl AsRef<Path>) -> Result<(), StoreError> {
        use std::io::Write;
        let path = path.as_ref();
        let fail =
            |what: &str, e: std::io::Error| StoreError::key(format!("{what} key file `{}`: {e}", path.display()));
        if path.exists() {
            return Err(StoreError::key(format!("key file `{}` already exists", path.display())));
        }
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = path
            .file_name()
            .ok_or_else(|| StoreError::key(format!("key file `{}` has no file name", path.display())))?;
        let mut suffix = [0u8; 8];
        getrandom::fill(&mut suffix).map_err(|e| StoreError::key(format!("OS random source failed: {e}")))?;
        let tmp = dir.join(format!(
            ".{}.{}.tmp",
            name.to_string_lossy(),
            u64::from_le_bytes(suffix)
        ));
        let hex = Zeroizing::new(self.0.iter().map(|b| format!("{b:02x}")).collect::<String>());
        let result = (|| {
            let mut f = create_private(&tmp)?;
            f.write_all(hex.as_bytes())?;
            f.write_all(b"\n")?;
            f.sync_all()?;
            drop(f);
            // Not `rename`: it would replace a file that appeared meanwhile.
            std::fs::hard_link(&tmp, path)?;
            std::fs::remove_file(&tmp)?;
            std::fs::File::open(dir)?.sync_all()
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result.map_err(|e| fail("writing", e))
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new((&*self.0).into())
    }
}

/// Refuses a file that group or others may access. `Err(None)`: no such
/// file.
fn check_private(path: &Path, what: &str) -> Result<(), Option<StoreError>> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(None),
        Err(e) => {
            return Err(Some(StoreError::key(format!(
                "cannot read {what} `{}`: {e}",
                path.display()
            ))))
        }
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(Some(StoreError::key(format!(
                "{what} `{p}` is accessible to group or others (mode {mode:03o}); \
                 run `chmod 600 {p}`",
                p = path.display()
            ))));
        }
    }
    #[cfg(not(unix))]
    let _ = meta;
    Ok(())
}

/// Creates a new file readable and writable by its owner only.
fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path)
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS secrets (
    name          TEXT PRIMARY KEY,
    created       INTEGER NOT NULL,
    last_changed  INTEGER NOT NULL,
    last_rotated  INTEGER,
    deletion_date INTEGER,
    rot_schedule  TEXT,
    rot_duration  TEXT,
    rot_strategy  TEXT,
    rot_target    TEXT
);
CREATE TABLE IF NOT EXISTS versions (
    secret  TEXT NOT NULL REFERENCES secrets(name) ON DELETE CASCADE,
    version TEXT NOT NULL,
    created INTEGER NOT NULL,
    value   BLOB NOT NULL,
    PRIMARY KEY (secret, version)
);
CREATE TABLE IF NOT EXISTS leases (
    secret  TEXT PRIMARY KEY,
    owner   TEXT NOT NULL,
    expires INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS stages (
    secret  TEXT NOT NULL,
    stage   TEXT NOT NULL,
    version TEXT NOT NULL,
    PRIMARY KEY (secret, stage),
    FOREIGN KEY (secret, version) REFERENCES versions(secret, version) ON DELETE CASCADE
);
";

/// What the key check in `meta` decrypts to.
const KEY_CHECK: &[u8] = b"rotaplan key check v1";

/// A [`SecretStore`] in one SQLite file, values encrypted at rest.
///
/// Clones share one connection; open the file again (another `SqliteStore`,
/// another process) for another connection — they coordinate through
/// SQLite's lock.
///
/// # Examples
///
/// ```
/// use rotaplan::store::{MasterKey, SecretId, SecretStore, SecretValue, SqliteStore, Token, VersionRef};
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let dir = tempfile::tempdir()?;
/// let store = SqliteStore::open(dir.path().join("secrets.db"), MasterKey::generate()?)?;
/// let id = SecretId::new("db/main")?;
/// store.create(&id, Some((&Token::generate(), &SecretValue::from("s3cret"))), None).await?;
/// let v = store.get_value(&id, &VersionRef::current()).await?;
/// assert_eq!(v.value.expose_str(), Some("s3cret"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    conn: Mutex<Connection>,
    cipher: XChaCha20Poly1305,
    path: PathBuf,
    /// Group commit, in WAL mode: `None` when the file is not in WAL mode
    /// (another connection kept it from switching), and durable writes
    /// commit at `synchronous = FULL` instead.
    wal: Option<WalSync>,
}

/// Makes commits durable with one fsync of the WAL for all the commits
/// made before it: a commit takes a number (under the connection's lock,
/// so numbers follow the WAL's order), lets go of the connection, and
/// returns once an fsync that started after its commit has finished —
/// its own, or one another thread started meanwhile.
struct WalSync {
    /// Commits numbered so far.
    committed: std::sync::atomic::AtomicU64,
    /// The WAL file, opened at the first durable commit, and the number of
    /// the last commit known to be on disk.
    synced: Mutex<(Option<std::fs::File>, u64)>,
}

impl WalSync {
    fn sync_through(&self, path: &Path, n: u64) -> Result<(), StoreError> {
        let mut synced = self.synced.lock().unwrap_or_else(|e| e.into_inner());
        if synced.1 >= n {
            return Ok(());
        }
        let upto = self.committed.load(std::sync::atomic::Ordering::SeqCst);
        let fail = |e: std::io::Error| StoreError::store("sync", e).context(format!("store `{}`", path.display()));
        if synced.0.is_none() {
            let mut wal = path.as_os_str().to_owned();
            wal.push("-wal");
            let file = std::fs::File::open(&wal).map_err(fail)?;
            // The WAL's directory entry too, as SQLite does for a new WAL.
            let dir = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            std::fs::File::open(dir).and_then(|d| d.sync_all()).map_err(fail)?;
            synced.0 = Some(file);
        }
        if let Some(file) = &synced.0 {
            file.sync_data().map_err(fail)?;
        }
        synced.1 = upto;
        Ok(())
    }
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.inner.path)
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (creating with mode 0600 if missing) the store at `path`, with
    /// a 5-second busy time-out.
    ///
    /// # Errors
    ///
    /// - a store error if the file cannot be created or opened;
    /// - a key error if group or others may access the file (the message
    ///   says `chmod 600 PATH`);
    /// - a key error ([`StoreError::is_key`]) if the file was created with
    ///   another master key.
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::store::{MasterKey, SqliteStore};
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("s.db");
    /// SqliteStore::open(&path, MasterKey::from_bytes([1; 32]))?;
    /// let err = SqliteStore::open(&path, MasterKey::from_bytes([2; 32])).unwrap_err();
    /// assert!(err.is_key());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn open(path: impl AsRef<Path>, key: MasterKey) -> Result<SqliteStore, StoreError> {
        let path = path.as_ref().to_path_buf();
        let shown = path.display().to_string();
        match create_private(&path) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(StoreError::store("open", e).context(format!("store `{shown}`"))),
        }
        SqliteStore::open_existing(path, key)
    }

    /// Opens the store at `path`, which must exist: for commands that only
    /// read or rotate, where a missing file means a wrong path, not an
    /// empty store.
    ///
    /// # Errors
    ///
    /// - not-found ([`StoreError::is_not_found`]) naming the path if there
    ///   is no file;
    /// - a key error if group or others may access the file (the message
    ///   says `chmod 600 PATH`), or it was created with another key;
    /// - a store error if it cannot be opened.
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::store::{MasterKey, SqliteStore};
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("s.db");
    /// let err = SqliteStore::open_existing(&path, MasterKey::generate()?).unwrap_err();
    /// assert!(err.is_not_found());
    /// assert!(!path.exists());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn open_existing(path: impl AsRef<Path>, key: MasterKey) -> Result<SqliteStore, StoreError> {
        let path = path.as_ref().to_path_buf();
        check_private(&path, "secret store").map_err(|e| {
            e.unwrap_or_else(|| StoreError::not_found(format!("secret store `{}` (no such file)", path.display())))
        })?;
        // The WAL holds recent commits (ciphertexts, names) until a
        // checkpoint: it gets the same check as the store.
        for suffix in ["-wal", "-shm"] {
            let mut side = path.clone().into_os_string();
            side.push(suffix);
            match check_private(Path::new(&side), "secret store") {
                Ok(()) | Err(None) => {}
                Err(Some(e)) => return Err(e),
            }
        }
        let conn = Connection::open_with_flags(
            &path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE
                | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX
                | rusqlite::OpenFlags::SQLITE_OPEN_URI,
        )
        .map_err(|e| sql_err(&path, "open", e))?;
        conn.busy_timeout(Duration::from_secs(5))
            .map_err(|e| sql_err(&path, "open", e))?;
        conn.execute_batch("PRAGMA foreign_keys = ON;")
            .map_err(|e| sql_err(&path, "open", e))?;
        // WAL: a commit appends to `PATH-wal` (created, like `PATH-shm`, with
        // the database file's mode: 0600) and readers never wait for writers.
        // An older store in rollback-journal mode is switched over once, for
        // good; if another connection holds it meanwhile, it stays as it is.
        let wal = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0))
            .is_ok_and(|mode| mode.eq_ignore_ascii_case("wal"));
        // NORMAL: a commit is written but not fsynced; the commits that must
        // survive a power cut (the claim, finishSecret, an operator's change)
        // go through `durable`, which fsyncs the WAL before it returns. A
        // lease renewal or release may be lost; nothing depends on either.
        conn.execute_batch("PRAGMA synchronous = NORMAL;")
            .map_err(|e| sql_err(&path, "open", e))?;
        let inner = Inner {
            conn: Mutex::new(conn),
            cipher: key.cipher(),
            path,
            wal: wal.then(|| WalSync {
                committed: std::sync::atomic::AtomicU64::new(0),
                synced: Mutex::new((None, 0)),
            }),
        };
        inner.init()?;
        Ok(SqliteStore { inner: Arc::new(inner) })
    }

    /// How long a call waits for another connection's lock before failing
    /// with [`StoreError::is_busy`] (default 5 s).
    ///
    /// # Errors
    ///
    /// A store error if SQLite refuses the setting.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use rotaplan::store::{MasterKey, SqliteStore};
    /// let dir = tempfile::tempdir()?;
    /// let store = SqliteStore::open(dir.path().join("s.db"), MasterKey::generate()?)?;
    /// store.set_busy_timeout(Duration::from_millis(200))?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_busy_timeout(&self, timeout: Duration) -> Result<(), StoreError> {
        let conn = self.inner.lock();
        conn.busy_timeout(timeout)
            .map_err(|e| sql_err(&self.inner.path, "configure", e))
    }

    /// The file's path.
    ///
    /// # Examples
    ///
    /// ```
    /// # use rotaplan::store::{MasterKey, SqliteStore};
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("s.db");
    /// assert_eq!(SqliteStore::open(&path, MasterKey::generate()?)?.path(), path);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Re-encrypts every value of the store at `path` and its key check
    /// under `new`, in one transaction: a crash at any moment leaves the
    /// file entirely under one key, the old or the new. Returns how many
    /// values were re-encrypted. Neither key is written anywhere.
    ///
    /// # Errors
    ///
    /// - the errors of [`SqliteStore::open_existing`] (a key error if `old`
    ///   does not open the store);
    /// - a key error if `new` is `old`, or a value does not decrypt under
    ///   `old` (nothing is changed then);
    /// - [`StoreError::is_busy`] if another process holds the file.
    ///
    /// # Examples
    ///
    /// ```
    /// use rotaplan::store::{MasterKey, SecretId, SecretStore, SecretValue, SqliteStore, Token, VersionRef};
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("s.db");
    /// let (old, new) = (MasterKey::from_bytes([1; 32]), MasterKey::from_bytes([2; 32]));
    /// let id = SecretId::new("k")?;
    /// SqliteStore::open(&path, old.clone())?.create(&id, Some((&Token::generate(), &SecretValue::from("v"))), None).await?;
    /// assert_eq!(SqliteStore::rekey(&path, old.clone(), &new)?, 1);
    /// assert!(SqliteStore::open_existing(&path, old).unwrap_err().is_key());
    /// let store = SqliteStore::open_existing(&path, new)?;
    /// assert_eq!(store.get_value(&id, &VersionRef::current()).await?.value.expose_str(), Some("v"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub fn rekey(path: impl AsRef<Path>, old: MasterKey, new: &MasterKey) -> Result<usize, StoreError> {
        if *old.0 == *new.0 {
            return Err(StoreError::key("the new key is the key the store already has"));
        }
        let store = SqliteStore::open_existing(path, old)?;
        let inner = &store.inner;
        let path = &inner.path;
        let next = Inner {
            conn: Mutex::new(Connection::open_in_memory().map_err(|e| sql_err(path, "open", e))?),
            cipher: new.cipher(),
            path: path.clone(),
            wal: None,
        };
        let mut conn = inner.lock();
        // The caller may throw the old key away once this returns: the
        // commit must be on disk by then, in WAL mode too.
        conn.execute_batch("PRAGMA synchronous = FULL")
            .map_err(|e| sql_err(path, "configure", e))?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| sql_err(path, "begin", e))?;
        let rows: Vec<(String, String, Vec<u8>)> = {
            let mut stmt = tx
                .prepare("SELECT secret, version, value FROM versions")
                .map_err(|e| sql_err(path, "read", e))?;
            let rows = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .map_err(|e| sql_err(path, "read", e))?;
            rows.collect::<Result<_, _>>().map_err(|e| sql_err(path, "read", e))?
        };
        for (secret, version, blob) in &rows {
            let id = SecretId::new(secret.as_str())?;
            let v = VersionId::new(version.as_str())?;
            let aad = aad(&id, &v);
            let plain = inner
                .decrypt(blob, &aad)
                .map_err(|_| StoreError::decrypt(format!("version `{v}` of secret `{id}`")))?;
            let sealed = next.encrypt(&plain, &aad)?;
            tx.execute(
                "UPDATE versions SET value = ?3 WHERE secret = ?1 AND version = ?2",
                params![secret, version, sealed],
            )
            .map_err(|e| sql_err(path, "write", e))?;
        }
        let check = next.encrypt(KEY_CHECK, b"key_check")?;
        tx.execute("UPDATE meta SET value = ?1 WHERE key = 'key_check'", params![check])
            .map_err(|e| sql_err(path, "write", e))?;
        tx.commit().map_err(|e| sql_err(path, "commit", e))?;
        Ok(rows.len())
    }

    /// Runs `f` on the connection off the async runtime's threads.
    async fn run<R: Send + 'static>(
        &self,
        f: impl FnOnce(&Inner, &mut Connection) -> Result<R, StoreError> + Send + 'static,
    ) -> Result<R, StoreError> {
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || {
            let mut conn = inner.lock();
            f(&inner, &mut conn)
        })
        .await
        .map_err(|e| StoreError::store("task", std::io::Error::other(e.to_string())))?
    }

    /// [`run`](Self::run) for a write that must survive a power cut: it
    /// returns once its commit is fsynced, and with it every commit before
    /// it, since the WAL is appended in order. In WAL mode the fsync is
    /// made after the connection is let go and shared by the commits that
    /// wait for one ([`WalSync`]), so concurrent rotations do not queue
    /// behind each other's fsync; otherwise the call commits at
    /// `synchronous = FULL`.
    async fn run_durable<R: Send + 'static>(
        &self,
        f: impl FnOnce(&Inner, &mut Connection) -> Result<R, StoreError> + Send + 'static,
    ) -> Result<R, StoreError> {
        if self.inner.wal.is_some() {
            let inner = Arc::clone(&self.inner);
            return tokio::task::spawn_blocking(move || {
                let Some(wal) = &inner.wal else { unreachable!() };
                let (out, n) = {
                    let mut conn = inner.lock();
                    let out = f(&inner, &mut conn);
                    (out, wal.committed.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1)
                };
                let out = out?;
                wal.sync_through(&inner.path, n)?;
                Ok(out)
            })
            .await
            .map_err(|e| StoreError::store("task", std::io::Error::other(e.to_string())))?;
        }
        self.run(move |inner, conn| {
            conn.execute_batch("PRAGMA synchronous = FULL")
                .map_err(|e| sql_err(&inner.path, "configure", e))?;
            let out = f(inner, conn);
            // Failing to go back only costs speed.
            let _ = conn.execute_batch("PRAGMA synchronous = NORMAL");
            out
        })
        .await
    }

    /// Loads `id` in a write transaction, applies `f`, writes the changes
    /// back and commits (durably). An expired (past recovery window) secret is purged
    /// and reported as not found.
    async fn write<R: Send + 'static>(
        &self,
        id: &SecretId,
        f: impl FnOnce(&Inner, &mut Record<Vec<u8>>, DateTime<Utc>) -> Result<R, StoreError> + Send + 'static,
    ) -> Result<R, StoreError> {
        self.write_then(id, f, |_| Ok(())).await
    }

    /// [`SqliteStore::write`], running `also` in the same transaction when
    /// `f` changed the secret.
    async fn write_then<R: Send + 'static>(
        &self,
        id: &SecretId,
        f: impl FnOnce(&Inner, &mut Record<Vec<u8>>, DateTime<Utc>) -> Result<R, StoreError> + Send + 'static,
        also: impl FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<()> + Send + 'static,
    ) -> Result<R, StoreError> {
        let id = id.clone();
        self.run_durable(move |inner, conn| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(|e| sql_err(&inner.path, "begin", e))?;
            let now = Utc::now();
            let before = load(&tx, &id).map_err(|e| sql_err(&inner.path, "read", e))??;
            let Some(before) = before else {
                return Err(secret_not_found(&id));
            };
            if before.is_expired(now) {
                delete_rows(&tx, &id).map_err(|e| sql_err(&inner.path, "delete", e))?;
                tx.commit().map_err(|e| sql_err(&inner.path, "commit", e))?;
                return Err(secret_not_found(&id));
            }
            let mut after = before.clone();
            let out = f(inner, &mut after, now)?;
            if after != before {
                save(&tx, &before, &after).map_err(|e| sql_err(&inner.path, "write", e))?;
                also(&tx).map_err(|e| sql_err(&inner.path, "write", e))?;
                tx.commit().map_err(|e| sql_err(&inner.path, "commit", e))?;
            }
            Ok(out)
        })
        .await
    }

    /// Loads `id` in a read transaction: at once on the caller's thread when
    /// the connection is free (a WAL read takes no lock to wait for, and
    /// costs less than handing it to another thread), else off the runtime's
    /// threads behind the call that holds it.
    async fn read<R: Send + 'static>(
        &self,
        id: &SecretId,
        f: impl FnOnce(&Inner, &Record<Vec<u8>>) -> Result<R, StoreError> + Send + 'static,
    ) -> Result<R, StoreError> {
        let id = id.clone();
        let work = move |inner: &Inner, conn: &mut Connection| {
            let tx = conn.transaction().map_err(|e| sql_err(&inner.path, "begin", e))?;
            let rec = load(&tx, &id).map_err(|e| sql_err(&inner.path, "read", e))??;
            match rec {
                Some(rec) if !rec.is_expired(Utc::now()) => f(inner, &rec),
                _ => Err(secret_not_found(&id)),
            }
        };
        {
            let free = match self.inner.conn.try_lock() {
                Ok(conn) => Some(conn),
                Err(std::sync::TryLockError::Poisoned(e)) => Some(e.into_inner()),
                Err(std::sync::TryLockError::WouldBlock) => None,
            };
            if let Some(mut conn) = free {
                return work(&self.inner, &mut conn);
            }
        }
        self.run(work).await
    }
}

impl Inner {
    fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn init(&self) -> Result<(), StoreError> {
        let mut conn = self.lock();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| sql_err(&self.path, "initialize", e))?;
        tx.execute_batch(SCHEMA)
            .map_err(|e| sql_err(&self.path, "initialize", e))?;
        tx.execute_batch(history::SCHEMA)
            .map_err(|e| sql_err(&self.path, "initialize", e))?;
        let check: Option<Vec<u8>> = tx
            .query_row("SELECT value FROM meta WHERE key = 'key_check'", [], |r| r.get(0))
            .optional()
            .map_err(|e| sql_err(&self.path, "initialize", e))?;
        match check {
            Some(blob) => {
                let plain = self.decrypt(&blob, b"key_check").map_err(|_| {
                    StoreError::key(format!(
                        "store `{}` was created with another master key",
                        self.path.display()
                    ))
                })?;
                if plain.as_slice() != KEY_CHECK {
                    return Err(StoreError::key(format!(
                        "store `{}` has a bad key check",
                        self.path.display()
                    )));
                }
            }
            None => {
                let blob = self.encrypt(KEY_CHECK, b"key_check")?;
                tx.execute("INSERT INTO meta (key, value) VALUES ('key_check', ?1)", params![blob])
                    .map_err(|e| sql_err(&self.path, "initialize", e))?;
            }
        }
        tx.commit().map_err(|e| sql_err(&self.path, "initialize", e))
    }

    fn encrypt(&self, plain: &[u8], aad: &[u8]) -> Result<Vec<u8>, StoreError> {
        let mut nonce = [0u8; 24];
        getrandom::fill(&mut nonce).map_err(|e| StoreError::key(format!("OS random source failed: {e}")))?;
        let ct = self
            .cipher
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: plain, aad })
            .map_err(|_| StoreError::key("encryption failed"))?;
        let mut out = Vec::with_capacity(24 + ct.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        Ok(out)
    }

    fn decrypt(&self, blob: &[u8], aad: &[u8]) -> Result<Zeroizing<Vec<u8>>, ()> {
        if blob.len() < 24 {
            return Err(());
        }
        let (nonce, ct) = blob.split_at(24);
        self.cipher
            .decrypt(XNonce::from_slice(nonce), Payload { msg: ct, aad })
            .map(Zeroizing::new)
            .map_err(|_| ())
    }

    fn seal(&self, id: &SecretId, v: &VersionId, value: &SecretValue) -> Result<Vec<u8>, StoreError> {
        let mut plain = Zeroizing::new(Vec::with_capacity(value.expose_bytes().len() + 1));
        plain.push(u8::from(!value.is_text()));
        plain.extend_from_slice(value.expose_bytes());
        self.encrypt(&plain, &aad(id, v))
    }

    fn open_value(&self, id: &SecretId, v: &VersionId, blob: &[u8]) -> Result<SecretValue, StoreError> {
        let undecryptable = || StoreError::decrypt(format!("version `{v}` of secret `{id}`"));
        let plain = self.decrypt(blob, &aad(id, v)).map_err(|_| undecryptable())?;
        match plain.split_first() {
            Some((0, text)) => {
                let s = std::str::from_utf8(text).map_err(|_| undecryptable())?;
                Ok(SecretValue::text(s.to_owned()))
            }
            Some((1, bytes)) => Ok(SecretValue::binary(bytes.to_vec())),
            _ => Err(undecryptable()),
        }
    }
}

fn aad(id: &SecretId, v: &VersionId) -> Vec<u8> {
    let mut aad = b"rotaplan-v1\0".to_vec();
    aad.extend_from_slice(id.as_str().as_bytes());
    aad.push(0);
    aad.extend_from_slice(v.as_str().as_bytes());
    aad
}

fn sql_err(path: &Path, op: &str, e: rusqlite::Error) -> StoreError {
    use rusqlite::ErrorCode;
    match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
            StoreError::busy(format!("store `{}`", path.display()))
        }
        _ => StoreError::store(op, e).context(format!("store `{}`", path.display())),
    }
}

fn to_nanos(t: DateTime<Utc>) -> Result<i64, StoreError> {
    t.timestamp_nanos_opt()
        .ok_or_else(|| StoreError::invalid(format!("date {t} is outside 1677–2262")))
}

fn from_nanos(n: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_nanos(n)
}

type Loaded = Result<Option<Record<Vec<u8>>>, StoreError>;

fn load(tx: &rusqlite::Transaction<'_>, id: &SecretId) -> rusqlite::Result<Loaded> {
    #[allow(clippy::type_complexity)]
    let row: Option<(
        i64,
        i64,
        Option<i64>,
        Option<i64>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    )> = tx
        .query_row(
            "SELECT created, last_changed, last_rotated, deletion_date,
                    rot_schedule, rot_duration, rot_strategy, rot_target
             FROM secrets WHERE name = ?1",
            params![id.as_str()],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                ))
            },
        )
        .optional()?;
    let Some((created, changed, rotated, deletion, schedule, duration, strategy, target)) = row else {
        return Ok(Ok(None));
    };
    let rotation = match schedule {
        None => None,
        Some(schedule) => {
            let strategy = match strategy.as_deref().unwrap_or("single-user").parse() {
                Ok(s) => s,
                Err(e) => return Ok(Err(e)),
            };
            let target = match target.as_deref().unwrap_or("noop").parse() {
                Ok(t) => t,
                Err(e) => return Ok(Err(e)),
            };
            let mut cfg = RotationConfig::new(schedule)
                .with_strategy(strategy)
                .with_target(target);
            cfg.duration = duration;
            Some(cfg)
        }
    };
    let mut rec = Record::new(id.clone(), rotation, from_nanos(created));
    rec.last_changed = from_nanos(changed);
    rec.last_rotated = rotated.map(from_nanos);
    rec.deletion_date = deletion.map(from_nanos);
    let mut stmt = tx.prepare_cached("SELECT version, created, value FROM versions WHERE secret = ?1")?;
    let rows = stmt.query_map(params![id.as_str()], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, Vec<u8>>(2)?))
    })?;
    for row in rows {
        let (v, created, value) = row?;
        let v = match VersionId::new(v) {
            Ok(v) => v,
            Err(e) => return Ok(Err(e)),
        };
        rec.versions.insert(
            v,
            VersionRec {
                value,
                stages: Default::default(),
                created: from_nanos(created),
            },
        );
    }
    let mut stmt = tx.prepare_cached("SELECT stage, version FROM stages WHERE secret = ?1")?;
    let rows = stmt.query_map(params![id.as_str()], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })?;
    for row in rows {
        let (stage, v) = row?;
        let (Ok(stage), Ok(v)) = (Stage::new(stage), VersionId::new(v)) else {
            return Ok(Err(StoreError::invalid("corrupt stage row")));
        };
        if let Some(rec) = rec.versions.get_mut(&v) {
            rec.stages.insert(stage);
        }
    }
    Ok(Ok(Some(rec)))
}

fn save_secret_row(tx: &rusqlite::Transaction<'_>, rec: &Record<Vec<u8>>) -> Result<(), StoreError> {
    let r = rec.rotation.as_ref();
    tx.execute(
        "INSERT INTO secrets (name, created, last_changed, last_rotated, deletion_date,
                              rot_schedule, rot_duration, rot_strategy, rot_target)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (name) DO UPDATE SET
            created = excluded.created, last_changed = excluded.last_changed,
            last_rotated = excluded.last_rotated, deletion_date = excluded.deletion_date,
            rot_schedule = excluded.rot_schedule, rot_duration = excluded.rot_duration,
            rot_strategy = excluded.rot_strategy, rot_target = excluded.rot_target",
        params![
            rec.id.as_str(),
            to_nanos(rec.created)?,
            to_nanos(rec.last_changed)?,
            rec.last_rotated.map(to_nanos).transpose()?,
            rec.deletion_date.map(to_nanos).transpose()?,
            r.map(|r| r.schedule.clone()),
            r.and_then(|r| r.duration.clone()),
            r.map(|r| r.strategy.to_string()),
            r.map(|r| r.target.to_string()),
        ],
    )
    .map_err(|e| StoreError::store("write", e))?;
    Ok(())
}

fn save(
    tx: &rusqlite::Transaction<'_>,
    before: &Record<Vec<u8>>,
    after: &Record<Vec<u8>>,
) -> Result<(), rusqlite::Error> {
    // Errors here are all SQLite's; wrap the StoreError ones (dates) too.
    save_secret_row(tx, after).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    let id = after.id.as_str();
    tx.execute("DELETE FROM stages WHERE secret = ?1", params![id])?;
    for v in before.versions.keys().filter(|v| !after.versions.contains_key(*v)) {
        tx.execute(
            "DELETE FROM versions WHERE secret = ?1 AND version = ?2",
            params![id, v.as_str()],
        )?;
    }
    for (v, rec) in after.versions.iter().filter(|(v, _)| !before.versions.contains_key(*v)) {
        tx.execute(
            "INSERT INTO versions (secret, version, created, value) VALUES (?1, ?2, ?3, ?4)",
            params![
                id,
                v.as_str(),
                rec.created.timestamp_nanos_opt().unwrap_or(i64::MAX),
                rec.value
            ],
        )?;
    }
    for (v, rec) in &after.versions {
        for stage in &rec.stages {
            tx.execute(
                "INSERT INTO stages (secret, stage, version) VALUES (?1, ?2, ?3)",
                params![id, stage.as_str(), v.as_str()],
            )?;
        }
    }
    Ok(())
}

fn delete_rows(tx: &rusqlite::Transaction<'_>, id: &SecretId) -> rusqlite::Result<()> {
    history::delete(tx, id)?;
    tx.execute("DELETE FROM leases WHERE secret = ?1", params![id.as_str()])?;
    tx.execute("DELETE FROM stages WHERE secret = ?1", params![id.as_str()])?;
    tx.execute("DELETE FROM versions WHERE secret = ?1", params![id.as_str()])?;
    tx.execute("DELETE FROM secrets WHERE name = ?1", params![id.as_str()])?;
    Ok(())
}

impl SecretStore for SqliteStore {
    async fn create(
        &self,
        id: &SecretId,
        initial: Option<(&Token, &SecretValue)>,
        rotation: Option<&RotationConfig>,
    ) -> Result<Description, StoreError> {
        let id = id.clone();
        let initial = initial.map(|(t, v)| (t.clone(), v.clone()));
        let rotation = rotation.cloned();
        self.run_durable(move |inner, conn| {
            let path = &inner.path;
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(|e| sql_err(path, "begin", e))?;
            let now = Utc::now();
            if let Some(old) = load(&tx, &id).map_err(|e| sql_err(path, "read", e))?? {
                if !old.is_expired(now) {
                    return Err(StoreError::already_exists(format!("secret `{id}`")));
                }
                delete_rows(&tx, &id).map_err(|e| sql_err(path, "delete", e))?;
            }
            let before = Record::new(id.clone(), rotation.clone(), now);
            let mut after = before.clone();
            if let Some((token, value)) = &initial {
                let version = VersionId::from(token);
                after.put(token, None, now, |_| Ok(true), || inner.seal(&id, &version, value))?;
            }
            save(&tx, &before, &after).map_err(|e| sql_err(path, "write", e))?;
            tx.commit().map_err(|e| sql_err(path, "commit", e))?;
            Ok(after.describe())
        })
        .await
    }

    async fn describe(&self, id: &SecretId) -> Result<Description, StoreError> {
        self.read(id, |_, rec| Ok(rec.describe())).await
    }

    async fn get_value(&self, id: &SecretId, which: &VersionRef) -> Result<SecretVersion, StoreError> {
        let which = which.clone();
        self.read(id, move |inner, rec| {
            rec.ensure_live()?;
            let (version, v) = rec.find(&which)?;
            Ok(SecretVersion {
                version: version.clone(),
                stages: v.stages.clone(),
                created: v.created,
                value: inner.open_value(&rec.id, version, &v.value)?,
            })
        })
        .await
    }

    async fn put_value(
        &self,
        id: &SecretId,
        token: &Token,
        value: &SecretValue,
        stages: Option<&[Stage]>,
    ) -> Result<PutOutcome, StoreError> {
        let token = token.clone();
        let value = value.clone();
        let stages = stages.map(<[Stage]>::to_vec);
        self.write(id, move |inner, rec, now| {
            let id = rec.id.clone();
            let version = VersionId::from(&token);
            rec.put(
                &token,
                stages.as_deref(),
                now,
                |old| Ok(inner.open_value(&id, &version, old)? == value),
                || inner.seal(&id, &version, &value),
            )
        })
        .await
    }

    async fn update_stage(
        &self,
        id: &SecretId,
        stage: &Stage,
        move_to: Option<&VersionId>,
        remove_from: Option<&VersionId>,
    ) -> Result<(), StoreError> {
        let stage = stage.clone();
        let move_to = move_to.cloned();
        let remove_from = remove_from.cloned();
        self.write(id, move |_, rec, now| {
            rec.update_stage(&stage, move_to.as_ref(), remove_from.as_ref(), now)
        })
        .await
    }

    async fn set_rotation(&self, id: &SecretId, rotation: Option<&RotationConfig>) -> Result<(), StoreError> {
        let rotation = rotation.cloned();
        self.write(id, move |_, rec, now| {
            rec.ensure_live()?;
            rec.rotation = rotation;
            rec.last_changed = now;
            Ok(())
        })
        .await
    }

    async fn mark_rotated(&self, id: &SecretId, at: DateTime<Utc>) -> Result<(), StoreError> {
        to_nanos(at)?;
        self.write(id, move |_, rec, _| {
            rec.ensure_live()?;
            rec.last_rotated = Some(at);
            Ok(())
        })
        .await
    }

    async fn delete(&self, id: &SecretId, how: Deletion) -> Result<DateTime<Utc>, StoreError> {
        let id = id.clone();
        self.run_durable(move |inner, conn| {
            let path = &inner.path;
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(|e| sql_err(path, "begin", e))?;
            let now = Utc::now();
            let Some(before) = load(&tx, &id).map_err(|e| sql_err(path, "read", e))?? else {
                return Err(secret_not_found(&id));
            };
            let expired = before.is_expired(now);
            let mut after = before.clone();
            let date = if expired { None } else { after.delete(how, now)? };
            match date {
                Some(_) => save(&tx, &before, &after).map_err(|e| sql_err(path, "write", e))?,
                None => delete_rows(&tx, &id).map_err(|e| sql_err(path, "delete", e))?,
            }
            tx.commit().map_err(|e| sql_err(path, "commit", e))?;
            if expired {
                return Err(secret_not_found(&id));
            }
            Ok(date.unwrap_or(now))
        })
        .await
    }

    async fn restore(&self, id: &SecretId) -> Result<(), StoreError> {
        self.write(id, |_, rec, _| {
            rec.deletion_date = None;
            Ok(())
        })
        .await
    }

    async fn finish_rotation(&self, id: &SecretId, version: &VersionId, at: DateTime<Utc>) -> Result<(), StoreError> {
        to_nanos(at)?;
        let id = id.clone();
        let version = version.clone();
        let token = Token::new(version.as_str())?;
        // The rotation ends here, and with it its lease (which protects only
        // a pending rotation): dropped in the same transaction, so the
        // driver's release after it writes nothing.
        self.run_durable(move |inner, conn| {
            let path = &inner.path;
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(|e| sql_err(path, "begin", e))?;
            let now = Utc::now();
            let before = match load(&tx, &id).map_err(|e| sql_err(path, "read", e))?? {
                Some(rec) if !rec.is_expired(now) => rec,
                _ => return Err(secret_not_found(&id)),
            };
            let mut after = before.clone();
            after.finish(&version, at, now)?;
            if after != before {
                save(&tx, &before, &after).map_err(|e| sql_err(path, "write", e))?;
                // The record's end commits with the stage moves.
                history::end(&tx, &id, &token, Outcome::Succeeded, None, None, at)
                    .map_err(|e| sql_err(path, "write", e))?;
            }
            tx.execute("DELETE FROM leases WHERE secret = ?1", params![id.as_str()])
                .map_err(|e| sql_err(path, "write", e))?;
            tx.commit().map_err(|e| sql_err(path, "commit", e))?;
            Ok(())
        })
        .await
    }

    async fn history(&self, id: &SecretId, limit: usize) -> Result<Vec<AttemptRecord>, StoreError> {
        let id = id.clone();
        self.run(move |inner, conn| {
            let tx = conn.transaction().map_err(|e| sql_err(&inner.path, "begin", e))?;
            history::newest(&tx, &id, limit).map_err(|e| sql_err(&inner.path, "read", e))
        })
        .await
    }

    async fn end_attempt(
        &self,
        id: &SecretId,
        token: &Token,
        outcome: Outcome,
        step: Option<&str>,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        let id = id.clone();
        let token = token.clone();
        let step = step.map(str::to_owned);
        let error = error.map(str::to_owned);
        self.run(move |inner, conn| {
            let path = &inner.path;
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(|e| sql_err(path, "begin", e))?;
            let exists = tx
                .query_row(
                    "SELECT 1 FROM secrets WHERE name = ?1",
                    params![id.as_str()],
                    |_| Ok(()),
                )
                .optional()
                .map_err(|e| sql_err(path, "read", e))?
                .is_some();
            if exists {
                history::end(&tx, &id, &token, outcome, step.as_deref(), error.as_deref(), Utc::now())
                    .map_err(|e| sql_err(path, "write", e))?;
                tx.commit().map_err(|e| sql_err(path, "commit", e))?;
            }
            Ok(())
        })
        .await
    }

    async fn claim(&self, id: &SecretId, claim: &Claim) -> Result<Claimed, StoreError> {
        let id = id.clone();
        let claim = claim.clone();
        // One IMMEDIATE transaction: the snapshot check, the pending put and
        // the lease commit together or not at all.
        self.run_durable(move |inner, conn| {
            let path = &inner.path;
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(|e| sql_err(path, "begin", e))?;
            let now = Utc::now();
            let before = match load(&tx, &id).map_err(|e| sql_err(path, "read", e))?? {
                Some(rec) if !rec.is_expired(now) => rec,
                _ => return Err(secret_not_found(&id)),
            };
            let lease: Option<Lease> = tx
                .query_row(
                    "SELECT owner, expires FROM leases WHERE secret = ?1",
                    params![id.as_str()],
                    |r| Ok(Lease::new(Owner::new(r.get::<_, String>(0)?), from_nanos(r.get(1)?))),
                )
                .optional()
                .map_err(|e| sql_err(path, "read", e))?;
            let mut after = before.clone();
            let claimed = match decide(&before, lease.as_ref(), &claim, now)? {
                Decision::Skip(skip) => return Ok(Claimed::Skipped(skip)),
                Decision::Resume(v) => {
                    let token = Token::new(v.as_str())?;
                    history::resumed(&tx, &id, &token, &claim.owner, now).map_err(|e| sql_err(path, "write", e))?;
                    Claimed::Resumed(v)
                }
                Decision::Start => {
                    let version = VersionId::from(&claim.token);
                    let value = &claim.value;
                    let out = after.put(
                        &claim.token,
                        Some(&[Stage::pending()]),
                        now,
                        |old| Ok(inner.open_value(&id, &version, old)? == *value),
                        || inner.seal(&id, &version, value),
                    )?;
                    save(&tx, &before, &after).map_err(|e| sql_err(path, "write", e))?;
                    history::started(&tx, &id, &claim.token, &claim.owner, now)
                        .map_err(|e| sql_err(path, "write", e))?;
                    Claimed::Started(out.version)
                }
            };
            tx.execute(
                "INSERT INTO leases (secret, owner, expires) VALUES (?1, ?2, ?3)
                 ON CONFLICT (secret) DO UPDATE SET owner = excluded.owner, expires = excluded.expires",
                params![id.as_str(), claim.owner.as_str(), to_nanos(claim.expires(now))?],
            )
            .map_err(|e| sql_err(path, "write", e))?;
            tx.commit().map_err(|e| sql_err(path, "commit", e))?;
            Ok(claimed)
        })
        .await
    }

    async fn renew(&self, id: &SecretId, owner: &Owner, ttl: Duration) -> Result<(), StoreError> {
        let id = id.clone();
        let owner = owner.clone();
        self.run(move |inner, conn| {
            let until = to_nanos(expiry(Utc::now(), ttl))?;
            let n = conn
                .execute(
                    "UPDATE leases SET expires = ?3 WHERE secret = ?1 AND owner = ?2",
                    params![id.as_str(), owner.as_str(), until],
                )
                .map_err(|e| sql_err(&inner.path, "write", e))?;
            if n == 0 {
                return Err(lease_lost(&id, &owner));
            }
            Ok(())
        })
        .await
    }

    async fn release(&self, id: &SecretId, owner: &Owner) -> Result<(), StoreError> {
        let id = id.clone();
        let owner = owner.clone();
        // After a finished rotation (finishSecret dropped the lease) there
        // is nothing to delete: a read on this thread says so without
        // taking the write lock or another thread.
        let held = {
            let free = match self.inner.conn.try_lock() {
                Ok(conn) => Some(conn),
                Err(std::sync::TryLockError::Poisoned(e)) => Some(e.into_inner()),
                Err(std::sync::TryLockError::WouldBlock) => None,
            };
            free.map(|conn| {
                conn.query_row(
                    "SELECT 1 FROM leases WHERE secret = ?1 AND owner = ?2",
                    params![id.as_str(), owner.as_str()],
                    |_| Ok(()),
                )
                .optional()
                .map(|row| row.is_some())
                .unwrap_or(true)
            })
        };
        if held == Some(false) {
            return Ok(());
        }
        self.run(move |inner, conn| {
            conn.execute(
                "DELETE FROM leases WHERE secret = ?1 AND owner = ?2",
                params![id.as_str(), owner.as_str()],
            )
            .map_err(|e| sql_err(&inner.path, "write", e))?;
            Ok(())
        })
        .await
    }

    async fn list(&self) -> Result<Vec<Description>, StoreError> {
        self.run(|inner, conn| {
            let path = &inner.path;
            let tx = conn.transaction().map_err(|e| sql_err(path, "begin", e))?;
            let names: Vec<String> = {
                let mut stmt = tx
                    .prepare("SELECT name FROM secrets ORDER BY name")
                    .map_err(|e| sql_err(path, "list", e))?;
                let rows = stmt.query_map([], |r| r.get(0)).map_err(|e| sql_err(path, "list", e))?;
                rows.collect::<Result<_, _>>().map_err(|e| sql_err(path, "list", e))?
            };
            let now = Utc::now();
            let mut out = Vec::with_capacity(names.len());
            for name in names {
                let id = SecretId::new(name)?;
                if let Some(rec) = load(&tx, &id).map_err(|e| sql_err(path, "read", e))?? {
                    if !rec.is_expired(now) {
                        out.push(rec.describe());
                    }
                }
            }
            Ok(out)
        })
        .await
    }
}

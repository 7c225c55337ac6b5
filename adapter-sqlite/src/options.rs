//! [`OpenOptions`]: how a [`SqliteStore`](crate::SqliteStore) opens its file.

use std::path::Path;
use std::time::Duration;

use crate::{SqliteError, SqliteStore};

/// How hard SQLite works to make each commit durable (`PRAGMA synchronous`, in WAL mode).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Synchronous {
    /// Every commit is flushed to disk before it is acknowledged: nothing acknowledged is lost, even on power
    /// loss. The default: a lost commit could hand out a ticket id twice, and the outbox relies on ids.
    #[default]
    Full,
    /// Commits survive a crash of the process, but the last ones may roll back on power loss or an OS crash.
    /// Faster on slow disks.
    Normal,
}

impl Synchronous {
    pub(crate) fn pragma(self) -> &'static str {
        match self {
            Self::Full => "FULL",
            Self::Normal => "NORMAL",
        }
    }
}

/// Options for opening a [`SqliteStore`]; [`SqliteStore::open`] uses the defaults.
///
/// ```no_run
/// # async fn demo() -> Result<(), adapter_sqlite::SqliteError> {
/// use std::time::Duration;
/// use adapter_sqlite::{OpenOptions, Synchronous};
///
/// let store = OpenOptions::new()
///     .busy_timeout(Duration::from_secs(2))
///     .synchronous(Synchronous::Normal)
///     .open("tickets.db")
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenOptions {
    pub(crate) busy_timeout: Duration,
    pub(crate) synchronous: Synchronous,
    pub(crate) readers: usize,
    pub(crate) max_size: Option<u64>,
    pub(crate) check_integrity: bool,
}

impl Default for OpenOptions {
    fn default() -> Self {
        Self {
            busy_timeout: Duration::from_secs(5),
            synchronous: Synchronous::Full,
            readers: 2,
            max_size: None,
            check_integrity: false,
        }
    }
}

impl OpenOptions {
    /// The defaults: a 5 s busy timeout, [`Synchronous::Full`], two reader threads, no size limit, no integrity
    /// check at open.
    pub fn new() -> Self {
        Self::default()
    }

    /// How long to wait for a lock held by another connection or process before failing with
    /// [`SqliteError::Busy`].
    pub fn busy_timeout(mut self, timeout: Duration) -> Self {
        self.busy_timeout = timeout;
        self
    }

    /// How durable each commit is.
    pub fn synchronous(mut self, synchronous: Synchronous) -> Self {
        self.synchronous = synchronous;
        self
    }

    /// How many read-only connections (each on its own thread) serve queries beside the one writer. `0` sends
    /// queries to the writer too.
    pub fn readers(mut self, readers: usize) -> Self {
        self.readers = readers;
        self
    }

    /// Caps the database file at about this many bytes (`PRAGMA max_page_count`); a commit that would grow it
    /// further fails with [`SqliteError::Full`] and writes nothing. `None` (the default) means no cap.
    pub fn max_size(mut self, bytes: Option<u64>) -> Self {
        self.max_size = bytes;
        self
    }

    /// Runs `PRAGMA quick_check` at open and refuses a damaged file with [`SqliteError::Corrupt`] (costs a read of
    /// the whole file).
    pub fn check_integrity(mut self, check: bool) -> Self {
        self.check_integrity = check;
        self
    }

    /// Opens (or creates) the database file at `path` with these options.
    pub async fn open(&self, path: impl AsRef<Path>) -> Result<SqliteStore, SqliteError> {
        SqliteStore::open_with(path.as_ref(), self.clone()).await
    }
}

//! One running bot per SQLite file.
//!
//! On Postgres the database's lease makes one of several processes the active one. An SQLite file has no such
//! thing: two `ticket-bot run` started on one file by mistake (a second service unit, a container restarted beside
//! the old one) would both connect to Discord and both act on every message. So the process that runs on an SQLite
//! file holds an exclusive lock on `<file>.lock` beside it, for as long as it runs; the operating system lets it go
//! when the process ends, however it ends. A second process is refused with the reason; `ticket-bot migrate` holds
//! the same lock while it copies, so it refuses a file a running bot is writing, and no bot starts on it meanwhile.

use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};

/// The lock of one SQLite file's running bot, held until dropped.
#[derive(Debug)]
pub struct RunLock {
    _file: File,
}

/// Why the lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum RunLockError {
    /// Another process holds it.
    #[error(
        "another ticket-bot is running on {database} (it holds {lock}): stop it first, or give this one a database of \
         its own ([database] path)"
    )]
    Held {
        /// The database file.
        database: String,
        /// The lock file.
        lock: String,
    },
    /// The lock file could not be made or locked.
    #[error("cannot lock {lock}: {source}")]
    Io {
        /// The lock file.
        lock: String,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
}

/// The lock file of `database`: `<file>.lock` beside it.
pub fn lock_path(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

impl RunLock {
    /// Takes the lock of `database`, at once or not at all.
    pub fn take(database: &Path) -> Result<Self, RunLockError> {
        let path = lock_path(database);
        let io = |source| RunLockError::Io { lock: path.display().to_string(), source };
        let file = File::options().create(true).truncate(false).write(true).open(&path).map_err(io)?;
        match file.try_lock() {
            Ok(()) => Ok(Self { _file: file }),
            Err(TryLockError::WouldBlock) => {
                Err(RunLockError::Held { database: database.display().to_string(), lock: path.display().to_string() })
            }
            Err(TryLockError::Error(source)) => Err(io(source)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_holder_at_a_time_and_free_again_once_dropped() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("a temporary folder: {e}"));
        let database = dir.path().join("tickets.db");
        let held = RunLock::take(&database).unwrap_or_else(|e| panic!("the first takes it: {e}"));
        assert!(lock_path(&database).ends_with("tickets.db.lock"));
        match RunLock::take(&database) {
            Err(RunLockError::Held { database: d, .. }) => assert!(d.ends_with("tickets.db")),
            other => panic!("a second holder: {other:?}"),
        }
        drop(held);
        assert!(RunLock::take(&database).is_ok(), "let go when dropped");
    }
}

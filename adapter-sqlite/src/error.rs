//! [`SqliteError`]: everything that can go wrong with the database, as one enum with clear variants.
//!
//! The [`TicketStore`](ticket_core::TicketStore) methods report these as [`StoreError::Backend`]; downcast to
//! tell them apart:
//!
//! ```
//! # use adapter_sqlite::SqliteError;
//! # use ticket_core::StoreError;
//! fn is_full(error: &StoreError) -> bool {
//!     matches!(error, StoreError::Backend(e) if matches!(e.downcast_ref(), Some(SqliteError::Full { .. })))
//! }
//! ```

use std::path::PathBuf;

use rusqlite::ErrorCode;
use ticket_core::StoreError;

/// Why the SQLite store failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SqliteError {
    /// The database file cannot be opened or created: a missing directory, a directory in its place, no
    /// permission.
    #[error("cannot open the database file {}: {source}", path.display())]
    CannotOpen {
        /// The path given.
        path: PathBuf,
        /// What SQLite said.
        #[source]
        source: rusqlite::Error,
    },
    /// Another connection or process holds a lock on the database and did not let go within the busy timeout.
    #[error("the database is locked by another connection or process (gave up after the busy timeout): {source}")]
    Busy {
        /// What SQLite said.
        #[source]
        source: rusqlite::Error,
    },
    /// The file is not a SQLite database, or its content is damaged.
    #[error("the database file is corrupt or is not a SQLite database: {detail}")]
    Corrupt {
        /// What was found.
        detail: String,
    },
    /// The disk, or the configured maximum database size, is full; nothing of the failed operation was written.
    #[error("the database or the disk is full; nothing of the failed operation was written: {source}")]
    Full {
        /// What SQLite said.
        #[source]
        source: rusqlite::Error,
    },
    /// The database file or its directory cannot be written.
    #[error("the database cannot be written (read-only file, directory or file system): {source}")]
    ReadOnly {
        /// What SQLite said.
        #[source]
        source: rusqlite::Error,
    },
    /// The operating system failed to read or write the file.
    #[error("disk I/O failed on the database: {source}")]
    Io {
        /// What SQLite said.
        #[source]
        source: rusqlite::Error,
    },
    /// The database was written by a newer version of this software; opening it could damage it.
    #[error(
        "the database has schema version {found}, but this build only knows versions up to {supported}: \
         upgrade the software (or restore a backup made for this version)"
    )]
    NewerSchema {
        /// The schema version in the file.
        found: u32,
        /// The newest schema version this build knows ([`SCHEMA_VERSION`](crate::SCHEMA_VERSION)).
        supported: u32,
    },
    /// The file is a SQLite database of some other application.
    #[error("the file is a SQLite database of another application ({detail}); refusing to change it")]
    ForeignDatabase {
        /// What gave it away.
        detail: String,
    },
    /// The file system does not support WAL mode (for example some network file systems).
    #[error("the database could not be switched to WAL mode (it stays in {mode:?} mode); use a local disk")]
    WalUnavailable {
        /// The journal mode SQLite kept.
        mode: String,
    },
    /// A value in the database could not be turned back into the domain type (hand-edited or damaged data).
    #[error("the stored {what} is invalid: {detail}")]
    Decode {
        /// What was being read.
        what: &'static str,
        /// Why it is invalid.
        detail: String,
    },
    /// A value could not be written in its stored form.
    #[error("the {what} cannot be stored: {detail}")]
    Encode {
        /// What was being written.
        what: &'static str,
        /// Why.
        detail: String,
    },
    /// The store was closed, or its database thread stopped while running a request.
    #[error("the database thread has stopped (the store was closed or a request failed inside it)")]
    Stopped,
    /// A database thread could not be started.
    #[error("cannot start a database thread: {0}")]
    Spawn(#[source] std::io::Error),
    /// Any other SQLite failure.
    #[error("SQLite failed: {0}")]
    Sqlite(#[source] rusqlite::Error),
}

impl SqliteError {
    /// An invalid stored value.
    pub(crate) fn decode(what: &'static str, detail: impl ToString) -> Self {
        Self::Decode { what, detail: detail.to_string() }
    }

    /// A value that cannot be stored.
    pub(crate) fn encode(what: &'static str, detail: impl ToString) -> Self {
        Self::Encode { what, detail: detail.to_string() }
    }

    /// Classifies an error from opening a file at `path`.
    pub(crate) fn at_open(path: PathBuf, source: rusqlite::Error) -> Self {
        match source.sqlite_error_code() {
            Some(ErrorCode::CannotOpen | ErrorCode::PermissionDenied) => Self::CannotOpen { path, source },
            _ => Self::from(source),
        }
    }
}

impl From<rusqlite::Error> for SqliteError {
    fn from(source: rusqlite::Error) -> Self {
        match source.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => Self::Busy { source },
            Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => Self::Corrupt { detail: source.to_string() },
            Some(ErrorCode::DiskFull) => Self::Full { source },
            Some(ErrorCode::ReadOnly) => Self::ReadOnly { source },
            Some(ErrorCode::SystemIoFailure | ErrorCode::CannotOpen) => Self::Io { source },
            _ => Self::Sqlite(source),
        }
    }
}

impl From<SqliteError> for StoreError {
    fn from(error: SqliteError) -> Self {
        StoreError::backend(error)
    }
}

impl From<ticket_core::columns::ColumnError> for SqliteError {
    fn from(error: ticket_core::columns::ColumnError) -> Self {
        match error {
            ticket_core::columns::ColumnError::Encode { what, detail } => Self::Encode { what, detail },
            ticket_core::columns::ColumnError::Decode { what, detail } => Self::Decode { what, detail },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(code: i32) -> rusqlite::Error {
        rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), None)
    }

    #[test]
    fn sqlite_codes_map_to_clear_variants() {
        assert!(matches!(SqliteError::from(failure(rusqlite::ffi::SQLITE_BUSY)), SqliteError::Busy { .. }));
        assert!(matches!(SqliteError::from(failure(rusqlite::ffi::SQLITE_LOCKED)), SqliteError::Busy { .. }));
        assert!(matches!(SqliteError::from(failure(rusqlite::ffi::SQLITE_CORRUPT)), SqliteError::Corrupt { .. }));
        assert!(matches!(SqliteError::from(failure(rusqlite::ffi::SQLITE_NOTADB)), SqliteError::Corrupt { .. }));
        assert!(matches!(SqliteError::from(failure(rusqlite::ffi::SQLITE_FULL)), SqliteError::Full { .. }));
        assert!(matches!(SqliteError::from(failure(rusqlite::ffi::SQLITE_READONLY)), SqliteError::ReadOnly { .. }));
        assert!(matches!(SqliteError::from(failure(rusqlite::ffi::SQLITE_IOERR)), SqliteError::Io { .. }));
        assert!(matches!(SqliteError::from(failure(rusqlite::ffi::SQLITE_MISUSE)), SqliteError::Sqlite(_)));
        let open = SqliteError::at_open("/nowhere/x.db".into(), failure(rusqlite::ffi::SQLITE_CANTOPEN));
        assert!(open.to_string().contains("/nowhere/x.db"), "{open}");
    }

    #[test]
    fn store_errors_carry_the_sqlite_error() {
        let error = StoreError::from(SqliteError::NewerSchema { found: 9, supported: 1 });
        let StoreError::Backend(inner) = &error else { panic!("expected a backend error, got {error:?}") };
        assert!(matches!(inner.downcast_ref(), Some(SqliteError::NewerSchema { found: 9, supported: 1 })));
        assert!(error.to_string().contains("schema version 9"), "{error}");
    }
}

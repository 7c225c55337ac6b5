//! [`PostgresError`]: everything that can go wrong with the database, as one enum with clear variants.
//!
//! The [`TicketStore`](ticket_core::TicketStore) methods report these as [`StoreError::Backend`] (and a lost race,
//! SQLSTATE 23505, 40001 or 40P01, as [`StoreError::Conflict`]); downcast to tell them apart:
//!
//! ```
//! # use adapter_postgres::PostgresError;
//! # use ticket_core::StoreError;
//! fn is_pool_trouble(error: &StoreError) -> bool {
//!     matches!(error, StoreError::Backend(e) if matches!(e.downcast_ref(), Some(PostgresError::Pool(_))))
//! }
//! ```

use std::fmt::Display;

use ticket_core::StoreError;
use tokio_postgres::error::SqlState;

/// An error and its causes, as one line: the pool's and the client's errors keep the useful part (a refused
/// certificate, a wrong password) in their causes.
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        let more = inner.to_string();
        if !text.contains(&more) {
            text = format!("{text}: {more}");
        }
        cause = inner.source();
    }
    text
}

/// Why the Postgres store failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PostgresError {
    /// The connection URL cannot be parsed.
    #[error("invalid Postgres connection URL: {0}")]
    InvalidUrl(#[source] tokio_postgres::Error),
    /// The schema name is not a plain lower-case SQL identifier.
    #[error("invalid schema name {0:?}: use 1 to 63 of a-z, 0-9 and _, not starting with a digit")]
    InvalidSchema(String),
    /// TLS cannot be set up: the CA certificates given are unreadable or unusable.
    #[error("Postgres TLS: {0}")]
    Tls(String),
    /// The connection pool cannot be built.
    #[error("cannot build the Postgres connection pool: {0}")]
    BuildPool(String),
    /// No connection could be had from the pool (the server is down, refuses us, or the pool timed out).
    #[error("no Postgres connection: {}", with_causes(.0))]
    Pool(#[from] deadpool_postgres::PoolError),
    /// The server or the connection failed a statement.
    #[error("Postgres failed: {}", with_causes(.0))]
    Postgres(#[from] tokio_postgres::Error),
    /// The schema was migrated by a newer version of this software; using it could damage it.
    #[error(
        "the database schema has version {found}, but this build only knows versions up to {supported}: \
         upgrade the software (or restore a backup made for this version)"
    )]
    NewerSchema {
        /// The schema version stored in the database.
        found: u32,
        /// The newest schema version this build knows ([`SCHEMA_VERSION`](crate::SCHEMA_VERSION)).
        supported: u32,
    },
    /// A value cannot be written as this crate stores it.
    #[error("cannot store {what}: {detail}")]
    Encode {
        /// What was being written.
        what: &'static str,
        /// Why not.
        detail: String,
    },
    /// A stored value cannot be read back: the database was changed by hand or by another program.
    #[error("cannot read the stored {what}: {detail}")]
    Decode {
        /// What was being read.
        what: &'static str,
        /// Why not.
        detail: String,
    },
}

impl PostgresError {
    pub(crate) fn encode(what: &'static str, detail: impl Display) -> Self {
        Self::Encode { what, detail: detail.to_string() }
    }

    pub(crate) fn decode(what: &'static str, detail: impl Display) -> Self {
        Self::Decode { what, detail: detail.to_string() }
    }

    /// The SQLSTATE the server answered with, if any.
    pub fn code(&self) -> Option<&SqlState> {
        match self {
            Self::Postgres(e) => e.code(),
            Self::Pool(deadpool_postgres::PoolError::Backend(e)) => e.code(),
            _ => None,
        }
    }

    /// Whether this is a lost race that loading again and retrying resolves: a unique violation (23505), a
    /// serialization failure (40001) or a deadlock (40P01).
    pub fn is_conflict(&self) -> bool {
        self.code().is_some_and(|code| {
            *code == SqlState::UNIQUE_VIOLATION
                || *code == SqlState::T_R_SERIALIZATION_FAILURE
                || *code == SqlState::T_R_DEADLOCK_DETECTED
        })
    }
}

impl From<PostgresError> for StoreError {
    fn from(error: PostgresError) -> Self {
        if error.is_conflict() { StoreError::Conflict } else { StoreError::backend(error) }
    }
}

impl From<ticket_core::columns::ColumnError> for PostgresError {
    fn from(error: ticket_core::columns::ColumnError) -> Self {
        match error {
            ticket_core::columns::ColumnError::Encode { what, detail } => Self::Encode { what, detail },
            ticket_core::columns::ColumnError::Decode { what, detail } => Self::Decode { what, detail },
        }
    }
}

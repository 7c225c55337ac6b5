//! Where the bot keeps its data: an SQLite file (the default, embedded) or a Postgres database (`database.url`),
//! and the store opened on it.

use std::path::PathBuf;
use std::sync::Arc;

use adapter_postgres::{ConnectOptions, PostgresError, PostgresStore, UrlSummary};
use adapter_sqlite::{SqliteError, SqliteStore};
use ticket_core::TicketStore;
use ticket_core::ports::StoreExport;

/// The schema the Postgres tables live in when `database.schema` is not set.
pub const DEFAULT_SCHEMA: &str = PostgresStore::DEFAULT_SCHEMA;

/// Where the data is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseConfig {
    /// An SQLite file, created if missing.
    Sqlite(PathBuf),
    /// A Postgres database.
    Postgres(PostgresSettings),
}

/// A Postgres database: its URL (never with a password), the password from the environment, the schema and the
/// extra root certificates for TLS.
#[derive(Clone, PartialEq, Eq)]
pub struct PostgresSettings {
    /// The connection URL, as configured (`postgres://user@host:port/database?sslmode=require`).
    pub url: String,
    /// The password, from `TICKET_BOT_DATABASE_PASSWORD`.
    pub password: Option<String>,
    /// The schema (default [`DEFAULT_SCHEMA`]).
    pub schema: String,
    /// More root certificates to trust for TLS (`database.ca_file`): the file and its PEM text.
    pub ca: Option<(PathBuf, String)>,
}

impl std::fmt::Debug for PostgresSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresSettings")
            .field("url", &self.summary())
            .field("password", &self.password.as_ref().map(|_| "…"))
            .field("schema", &self.schema)
            .field("ca_file", &self.ca.as_ref().map(|(file, _)| file))
            .finish()
    }
}

impl PostgresSettings {
    /// A database at `url` in the default schema, without a password or extra certificates.
    pub fn new(url: impl Into<String>) -> Self {
        Self { url: url.into(), password: None, schema: DEFAULT_SCHEMA.to_owned(), ca: None }
    }

    /// The URL without its password, for logs (the URL itself if it cannot be read, which a checked
    /// configuration never holds).
    pub fn summary(&self) -> String {
        match UrlSummary::parse(&self.url) {
            Ok(summary) => summary.to_string(),
            Err(_) => "an unreadable URL".to_owned(),
        }
    }

    /// The store's connection options.
    pub fn options(&self) -> ConnectOptions {
        let mut options = ConnectOptions::new().schema(self.schema.clone());
        if let Some(password) = &self.password {
            options = options.password(password.clone());
        }
        if let Some((_, pem)) = &self.ca {
            options = options.ca_pem(pem.clone());
        }
        options
    }
}

impl DatabaseConfig {
    /// What it is, for logs and `check-config` (never a password).
    pub fn describe(&self) -> String {
        match self {
            Self::Sqlite(path) => format!("SQLite file {}", path.display()),
            Self::Postgres(pg) => format!("Postgres {}, schema {}", pg.summary(), pg.schema),
        }
    }
}

/// Why the database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    /// The SQLite file.
    #[error("{0}")]
    Sqlite(#[from] SqliteError),
    /// The Postgres database.
    #[error("{0}")]
    Postgres(#[from] PostgresError),
}

/// An open store, on either backend.
#[derive(Debug, Clone)]
pub enum Database {
    /// On an SQLite file.
    Sqlite(Arc<SqliteStore>),
    /// On Postgres.
    Postgres(Arc<PostgresStore>),
}

impl Database {
    /// Opens (SQLite: creates if missing) and migrates the database.
    pub async fn open(config: &DatabaseConfig) -> Result<Self, DatabaseError> {
        Ok(match config {
            DatabaseConfig::Sqlite(path) => Self::Sqlite(Arc::new(SqliteStore::open(path).await?)),
            DatabaseConfig::Postgres(pg) => Self::Postgres(Arc::new(pg.options().connect(&pg.url).await?)),
        })
    }

    /// The store, as the desk uses it.
    pub fn tickets(&self) -> Arc<dyn TicketStore> {
        match self {
            Self::Sqlite(store) => store.clone(),
            Self::Postgres(store) => store.clone(),
        }
    }

    /// The store, to be read out whole.
    pub fn export(&self) -> &dyn StoreExport {
        match self {
            Self::Sqlite(store) => &**store,
            Self::Postgres(store) => &**store,
        }
    }

    /// Finishes queued work and closes the connections (SQLite: folds the write-ahead log back into the file).
    pub async fn close(&self) {
        match self {
            Self::Sqlite(store) => store.close().await,
            Self::Postgres(store) => store.close(),
        }
    }
}

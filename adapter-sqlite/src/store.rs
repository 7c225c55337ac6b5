//! [`SqliteStore`]: the [`TicketStore`] on one SQLite file.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use rusqlite::{Connection, OpenFlags};
use ticket_core::ports::{Commit, OpenGamePlayer, StoreError, TicketStore, TranscriptEntry};
use ticket_core::{
    Application, ApplicationId, ChainKey, ChannelId, EffectId, GameReceipt, GameServerId, GuildId, GuildSettings,
    PendingEffect, Pid, Ticket, TicketId,
};
use time::OffsetDateTime;

use crate::group::GroupCommit;
use crate::worker::{Opener, Pool};
use crate::{
    OpenOptions, SqliteError, applications, gateway, ids, migrations, open_views, outbox, receipts, settings, tickets,
    transcripts,
};

/// Prepared statements kept per connection; the store uses a few dozen distinct ones.
const STATEMENT_CACHE: usize = 64;

/// The ticket store on one SQLite file. See the [crate docs](crate) for the tables and the threading model.
///
/// Share one store per file behind an `Arc`; every method takes `&self`. Other processes may open the same file:
/// SQLite's locks keep them apart, and a lock held too long ends in [`SqliteError::Busy`].
pub struct SqliteStore {
    writer: Pool,
    commits: Arc<GroupCommit>,
    readers: Option<Pool>,
    path: Option<PathBuf>,
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStore").field("path", &self.path).finish_non_exhaustive()
    }
}

/// Settings every connection gets.
fn configure(conn: &Connection, options: &OpenOptions) -> Result<(), SqliteError> {
    conn.busy_timeout(options.busy_timeout)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    conn.pragma_update(None, "foreign_keys", true)?;
    Ok(())
}

/// Opens the writer connection: checks the file, switches it to WAL, migrates it.
fn open_writer(path: Option<&Path>, options: &OpenOptions) -> Result<Connection, SqliteError> {
    let mut conn = match path {
        Some(path) => {
            let flags =
                OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
            Connection::open_with_flags(path, flags).map_err(|e| SqliteError::at_open(path.to_owned(), e))?
        }
        None => Connection::open_in_memory()?,
    };
    configure(&conn, options)?;
    // Before anything is written: refuse files that are not ours, or are newer than this build.
    migrations::check_compatible(&conn).map_err(|e| match (e, path) {
        (SqliteError::Io { source }, Some(path)) => SqliteError::at_open(path.to_owned(), source),
        (e, _) => e,
    })?;
    if path.is_some() {
        let mode: String = conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(SqliteError::WalUnavailable { mode });
        }
    }
    conn.pragma_update(None, "synchronous", options.synchronous.pragma())?;
    // Freed pages (done effects, rewritten rows) are zeroed, not left readable in the file.
    conn.pragma_update(None, "secure_delete", true)?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    // After a checkpoint the -wal file is cut back to this size instead of keeping its peak size.
    conn.pragma_update(None, "journal_size_limit", 64 * 1024 * 1024)?;
    if let Some(bytes) = options.max_size {
        let page_size: i64 = conn.pragma_query_value(None, "page_size", |row| row.get(0))?;
        let page_size = u64::try_from(page_size).unwrap_or(4096).max(1);
        let pages = i64::try_from(bytes.div_ceil(page_size)).unwrap_or(i64::MAX);
        conn.pragma_update(None, "max_page_count", pages)?;
    }
    migrations::migrate(&mut conn)?;
    if options.check_integrity {
        let problems = integrity(&conn, "quick_check")?;
        if !problems.is_empty() {
            return Err(SqliteError::Corrupt { detail: problems.join("; ") });
        }
    }
    Ok(conn)
}

/// Opens a reader connection: it never writes.
fn open_reader(path: &Path, options: &OpenOptions) -> Result<Connection, SqliteError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(|e| SqliteError::at_open(path.to_owned(), e))?;
    configure(&conn, options)?;
    conn.pragma_update(None, "query_only", true)?;
    Ok(conn)
}

/// Runs `PRAGMA integrity_check` or `quick_check`; returns the problems found (none when the file is sound).
/// Damage so bad that the check itself stops is reported as a problem too.
fn integrity(conn: &Connection, pragma: &str) -> Result<Vec<String>, SqliteError> {
    let check = || -> Result<Vec<String>, SqliteError> {
        let mut stmt = conn.prepare(&format!("PRAGMA {pragma}"))?;
        let lines: Vec<String> = stmt.query_map([], |row| row.get(0))?.collect::<Result<_, _>>()?;
        Ok(lines)
    };
    match check() {
        Ok(lines) if lines == ["ok"] => Ok(Vec::new()),
        Ok(lines) => Ok(lines),
        Err(SqliteError::Corrupt { detail }) => Ok(vec![detail]),
        Err(e) => Err(e),
    }
}

/// Runs `read` in one read transaction, so that what it reads from several tables belongs together.
pub(crate) fn snapshot<R>(
    conn: &mut Connection,
    read: impl FnOnce(&Connection) -> Result<R, SqliteError>,
) -> Result<R, SqliteError> {
    let tx = conn.transaction()?;
    let result = read(&tx)?;
    tx.commit()?;
    Ok(result)
}

impl SqliteStore {
    /// Opens (or creates) the database file at `path` with the default [`OpenOptions`]: migrates it to
    /// [`SCHEMA_VERSION`](crate::SCHEMA_VERSION), switches it to WAL mode, and starts the database threads.
    ///
    /// The work happens on the store's own threads; the returned future only waits for it, so it may be awaited
    /// on any executor.
    pub async fn open(path: impl AsRef<Path>) -> Result<Self, SqliteError> {
        OpenOptions::new().open(path).await
    }

    /// A fresh database in memory, gone when the store is dropped: for tests and demos. One connection serves
    /// reads and writes.
    pub async fn open_in_memory() -> Result<Self, SqliteError> {
        let options = OpenOptions::new();
        let open: Arc<Opener> = Arc::new(move || open_writer(None, &options));
        let writer = Pool::start("sqlite-memory", 1, open).await?;
        Ok(Self { writer, commits: Arc::default(), readers: None, path: None })
    }

    pub(crate) async fn open_with(path: &Path, options: OpenOptions) -> Result<Self, SqliteError> {
        let options = Arc::new(options);
        let (writer_path, writer_options) = (path.to_owned(), Arc::clone(&options));
        let open: Arc<Opener> = Arc::new(move || open_writer(Some(&writer_path), &writer_options));
        let writer = Pool::start("sqlite-writer", 1, open).await?;
        let readers = match options.readers {
            0 => None,
            n => {
                let (reader_path, reader_options) = (path.to_owned(), Arc::clone(&options));
                let open: Arc<Opener> = Arc::new(move || open_reader(&reader_path, &reader_options));
                Some(Pool::start("sqlite-reader", n, open).await?)
            }
        };
        tracing::info!(path = %path.display(), readers = options.readers, "database opened");
        Ok(Self { writer, commits: Arc::default(), readers, path: Some(path.to_owned()) })
    }

    /// The database file, or `None` in memory.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    pub(crate) async fn read<R, F>(&self, read: F) -> Result<R, SqliteError>
    where
        F: FnOnce(&mut Connection) -> Result<R, SqliteError> + Send + 'static,
        R: Send + 'static,
    {
        self.readers.as_ref().unwrap_or(&self.writer).call(read).await?
    }

    async fn write<R, F>(&self, write: F) -> Result<R, SqliteError>
    where
        F: FnOnce(&mut Connection) -> Result<R, SqliteError> + Send + 'static,
        R: Send + 'static,
    {
        self.writer.call(write).await?
    }

    /// The schema version of the file (always [`SCHEMA_VERSION`](crate::SCHEMA_VERSION) once open).
    pub async fn schema_version(&self) -> Result<u32, SqliteError> {
        self.read(|conn| migrations::schema_version(conn)).await
    }

    /// Runs `PRAGMA integrity_check`; returns the problems found, none when the file is sound.
    pub async fn integrity_check(&self) -> Result<Vec<String>, SqliteError> {
        self.read(|conn| integrity(conn, "integrity_check")).await
    }

    /// Effects given up on (kept for inspection, never run again), in id order.
    pub async fn dead_effects(&self) -> Result<Vec<PendingEffect>, SqliteError> {
        self.read(|conn| outbox::dead(conn)).await
    }

    /// Finishes the requests already queued, optimizes and closes the connections (the last one folds the WAL back
    /// into the database file), and stops the threads. Later calls fail with [`SqliteError::Stopped`]. Dropping
    /// the store without closing it is safe too: the threads then close in the background.
    pub async fn close(&self) {
        if let Err(e) = self.write(|conn| Ok(conn.execute_batch("PRAGMA optimize")?)).await {
            tracing::debug!(error = %e, "PRAGMA optimize at close failed");
        }
        if let Some(readers) = &self.readers {
            readers.stop().await;
        }
        self.writer.stop().await;
    }
}

#[async_trait]
impl TicketStore for SqliteStore {
    async fn settings(&self, guild: GuildId) -> Result<GuildSettings, StoreError> {
        Ok(self.read(move |conn| snapshot(conn, |tx| settings::load(tx, guild))).await?)
    }

    async fn ticket(&self, id: TicketId) -> Result<Option<Ticket>, StoreError> {
        Ok(self.read(move |conn| tickets::get(conn, id)).await?)
    }

    async fn ticket_by_channel(&self, channel: ChannelId) -> Result<Option<Ticket>, StoreError> {
        Ok(self.read(move |conn| tickets::by_channel(conn, channel)).await?)
    }

    async fn last_opened(
        &self,
        guild: GuildId,
        kind: ticket_core::TicketType,
        person: ticket_core::Pid,
    ) -> Result<Option<time::OffsetDateTime>, StoreError> {
        Ok(self.read(move |conn| crate::limits::last_opened(conn, guild, kind, person)).await?)
    }

    async fn open_ticket_by_key(&self, key: &str) -> Result<Option<Ticket>, StoreError> {
        let key = key.to_owned();
        Ok(self.read(move |conn| tickets::by_open_key(conn, &key)).await?)
    }

    async fn open_tickets(&self, guild: GuildId) -> Result<Vec<Ticket>, StoreError> {
        Ok(self.read(move |conn| tickets::open_in_guild(conn, guild)).await?)
    }

    async fn open_ticket_channels(&self, guild: GuildId) -> Result<Vec<(TicketId, ChannelId)>, StoreError> {
        Ok(self.read(move |conn| open_views::channels(conn, guild)).await?)
    }

    async fn open_game_players(
        &self,
        guild: GuildId,
        server: &GameServerId,
    ) -> Result<Vec<OpenGamePlayer>, StoreError> {
        let server = server.clone();
        Ok(self.read(move |conn| open_views::game_players(conn, guild, &server)).await?)
    }

    async fn tickets_due(&self, until: OffsetDateTime, limit: usize) -> Result<Vec<Ticket>, StoreError> {
        Ok(self.read(move |conn| tickets::due(conn, until, limit)).await?)
    }

    async fn ticket_stats(
        &self,
        guild: GuildId,
        since: Option<OffsetDateTime>,
    ) -> Result<Vec<ticket_core::stats::TicketStat>, StoreError> {
        Ok(self.read(move |conn| crate::activity::stats(conn, guild, since)).await?)
    }

    async fn next_ticket_due(&self) -> Result<Option<OffsetDateTime>, StoreError> {
        Ok(self.read(|conn| tickets::next_due(conn)).await?)
    }

    async fn open_channel_names(&self, guild: GuildId, base: &str) -> Result<Vec<String>, StoreError> {
        let base = base.to_owned();
        Ok(self.read(move |conn| tickets::open_names(conn, guild, &base)).await?)
    }

    async fn application(&self, id: ApplicationId) -> Result<Option<Application>, StoreError> {
        Ok(self.read(move |conn| snapshot(conn, |tx| applications::get(tx, id))).await?)
    }

    async fn applications_of(&self, guild: GuildId, applicant: Pid) -> Result<Vec<Application>, StoreError> {
        Ok(self.read(move |conn| snapshot(conn, |tx| applications::of_applicant(tx, guild, applicant))).await?)
    }

    async fn transcript(&self, ticket: TicketId) -> Result<Vec<TranscriptEntry>, StoreError> {
        Ok(self.read(move |conn| transcripts::of_ticket(conn, ticket)).await?)
    }

    async fn purge_transcripts(&self, guild: GuildId, closed_before: OffsetDateTime) -> Result<u64, StoreError> {
        Ok(self
            .write(move |conn| {
                let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
                let purged = transcripts::purge(&tx, guild, closed_before)?;
                tx.commit()?;
                Ok(purged)
            })
            .await?)
    }

    async fn pending_effects(&self, chain: Option<ChainKey>) -> Result<Vec<PendingEffect>, StoreError> {
        Ok(self.read(move |conn| outbox::pending(conn, chain)).await?)
    }

    async fn next_ticket_id(&self) -> Result<TicketId, StoreError> {
        Ok(self.write(ids::next_ticket).await?)
    }

    async fn next_application_id(&self) -> Result<ApplicationId, StoreError> {
        Ok(self.write(ids::next_application).await?)
    }

    async fn has_receipt(&self, receipt: &GameReceipt) -> Result<bool, StoreError> {
        let receipt = receipt.clone();
        Ok(self.read(move |conn| receipts::has(conn, &receipt)).await?)
    }

    async fn gateway_seen(&self) -> Result<Option<OffsetDateTime>, StoreError> {
        Ok(self.read(|conn| gateway::seen(conn)).await?)
    }

    async fn set_gateway_seen(&self, at: OffsetDateTime) -> Result<(), StoreError> {
        Ok(self.write(move |conn| gateway::save(conn, at)).await?)
    }

    async fn commit(&self, commit: Commit) -> Result<Vec<EffectId>, StoreError> {
        self.commits.commit(&self.writer, commit).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Synchronous;

    fn pragma(conn: &Connection, name: &str) -> i64 {
        conn.pragma_query_value(None, name, |row| row.get(0)).unwrap()
    }

    #[test]
    fn the_writer_gets_every_setting() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        for (sync, level) in [(Synchronous::Full, 2), (Synchronous::Normal, 1)] {
            let options = OpenOptions::new().synchronous(sync).max_size(Some(1 << 20));
            let conn = open_writer(Some(&path), &options).unwrap();
            assert_eq!(pragma(&conn, "synchronous"), level);
            assert_eq!(pragma(&conn, "foreign_keys"), 1);
            assert_eq!(pragma(&conn, "secure_delete"), 1);
            assert_eq!(pragma(&conn, "temp_store"), 2, "MEMORY");
            assert_eq!(pragma(&conn, "max_page_count") * pragma(&conn, "page_size"), 1 << 20);
            let mode: String = conn.pragma_query_value(None, "journal_mode", |row| row.get(0)).unwrap();
            assert_eq!(mode, "wal");
        }
        let reader = open_reader(&path, &OpenOptions::new()).unwrap();
        assert_eq!(pragma(&reader, "query_only"), 1);
        assert!(reader.execute_batch("DELETE FROM tickets").is_err(), "a reader cannot write");
    }
}

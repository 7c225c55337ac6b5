//! Test support: a fresh [`PostgresStore`] in its own uniquely named schema, dropped afterwards.
//!
//! The server is `postgres://postgres@127.0.0.1:5432/test` unless `TICKET_TEST_POSTGRES_URL` says otherwise. When
//! no server answers, the tests pass after saying so once, except in CI (`CI=true`), where the server is required
//! and they fail.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Once;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use adapter_postgres::PostgresStore;
use async_trait::async_trait;
use ticket_core::ports::{Commit, StoreError, TranscriptEntry};
use ticket_core::{
    Application, ApplicationId, ChainKey, ChannelId, EffectId, GuildId, GuildSettings, PendingEffect, Pid, Ticket,
    TicketId, TicketStore,
};
use time::OffsetDateTime;

/// The test server's URL.
pub fn url() -> String {
    std::env::var("TICKET_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// A schema name no other test (of this or another process) uses: `t_<pid>_<counter>_<nanos>`.
pub fn unique_schema() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    format!("t_{}_{n}_{nanos}", std::process::id())
}

/// A plain connection to the test server, or `None` (after saying so once) when none answers outside CI.
///
/// # Panics
/// In CI (`CI=true`) when no server answers: there the server is required.
pub async fn raw_client() -> Option<tokio_postgres::Client> {
    let url = url();
    match tokio_postgres::connect(&url, tokio_postgres::NoTls).await {
        Ok((client, connection)) => {
            tokio::spawn(connection);
            Some(client)
        }
        Err(e) => {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("the Postgres server is required in CI, but none answers at {url}: {e}");
            }
            static SAID: Once = Once::new();
            SAID.call_once(|| println!("postgres tests skipped: no server at {url} ({e})"));
            None
        }
    }
}

/// Drops a schema and everything in it, from a thread of its own (so that it can run inside `Drop`). The tests run
/// on tokio's multi-threaded runtime: while this blocks one worker, another lets the store's connections finish
/// (a transaction dropped after a failed commit rolls back there), so the drop does not wait on their locks.
pub fn drop_schema(schema: &str) {
    let (url, schema) = (url(), schema.to_owned());
    let dropped = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
        runtime.block_on(async {
            let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await?;
            tokio::spawn(connection);
            client.batch_execute(&format!("SET lock_timeout = '20s'; DROP SCHEMA IF EXISTS {schema} CASCADE")).await
        })
    })
    .join();
    if !matches!(dropped, Ok(Ok(()))) {
        eprintln!("could not drop the test schema: {dropped:?}");
    }
}

/// A [`PostgresStore`] in a fresh schema of its own, dropped with it.
pub struct TestStore {
    pub store: PostgresStore,
}

impl TestStore {
    /// A fresh store, or `None` when no server answers (outside CI).
    pub async fn new() -> Option<Self> {
        raw_client().await?;
        let store = PostgresStore::connect(&url(), &unique_schema()).await.expect("the store connects");
        Some(Self { store })
    }
}

impl Drop for TestStore {
    fn drop(&mut self) {
        self.store.close();
        drop_schema(self.store.schema());
    }
}

impl std::ops::Deref for TestStore {
    type Target = PostgresStore;

    fn deref(&self) -> &PostgresStore {
        &self.store
    }
}

#[async_trait]
impl TicketStore for TestStore {
    async fn settings(&self, guild: GuildId) -> Result<GuildSettings, StoreError> {
        self.store.settings(guild).await
    }
    async fn ticket(&self, id: TicketId) -> Result<Option<Ticket>, StoreError> {
        self.store.ticket(id).await
    }
    async fn ticket_by_channel(&self, channel: ChannelId) -> Result<Option<Ticket>, StoreError> {
        self.store.ticket_by_channel(channel).await
    }
    async fn open_ticket_by_key(&self, key: &str) -> Result<Option<Ticket>, StoreError> {
        self.store.open_ticket_by_key(key).await
    }
    async fn open_tickets(&self, guild: GuildId) -> Result<Vec<Ticket>, StoreError> {
        self.store.open_tickets(guild).await
    }
    async fn open_ticket_channels(&self, guild: GuildId) -> Result<Vec<(TicketId, ChannelId)>, StoreError> {
        self.store.open_ticket_channels(guild).await
    }
    async fn open_game_players(
        &self,
        guild: GuildId,
        server: &ticket_core::GameServerId,
    ) -> Result<Vec<ticket_core::ports::OpenGamePlayer>, StoreError> {
        self.store.open_game_players(guild, server).await
    }
    async fn tickets_due(&self, until: OffsetDateTime, limit: usize) -> Result<Vec<Ticket>, StoreError> {
        self.store.tickets_due(until, limit).await
    }
    async fn next_ticket_due(&self) -> Result<Option<OffsetDateTime>, StoreError> {
        self.store.next_ticket_due().await
    }
    async fn open_channel_names(&self, guild: GuildId, base: &str) -> Result<Vec<String>, StoreError> {
        self.store.open_channel_names(guild, base).await
    }
    async fn application(&self, id: ApplicationId) -> Result<Option<Application>, StoreError> {
        self.store.application(id).await
    }
    async fn applications_of(&self, guild: GuildId, applicant: Pid) -> Result<Vec<Application>, StoreError> {
        self.store.applications_of(guild, applicant).await
    }
    async fn transcript(&self, ticket: TicketId) -> Result<Vec<TranscriptEntry>, StoreError> {
        self.store.transcript(ticket).await
    }
    async fn purge_transcripts(&self, guild: GuildId, closed_before: OffsetDateTime) -> Result<u64, StoreError> {
        self.store.purge_transcripts(guild, closed_before).await
    }
    async fn pending_effects(&self, chain: Option<ChainKey>) -> Result<Vec<PendingEffect>, StoreError> {
        self.store.pending_effects(chain).await
    }
    async fn next_ticket_id(&self) -> Result<TicketId, StoreError> {
        self.store.next_ticket_id().await
    }
    async fn next_application_id(&self) -> Result<ApplicationId, StoreError> {
        self.store.next_application_id().await
    }
    async fn commit(&self, commit: Commit) -> Result<Vec<EffectId>, StoreError> {
        self.store.commit(commit).await
    }
}

//! Test support shared by the integration tests: a store on a temporary file, a fake Discord, a fake game link
//! and a settable clock, all simple enough to read at a glance.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use adapter_sqlite::{OpenOptions, SqliteStore};
use async_trait::async_trait;
use ticket_core::ports::{
    Commit, GameLinkError, NewChannel, Overwrite, PlatformError, StoreError, TranscriptEntry, WhisperOutcome,
};
use ticket_core::relay::GameName;
use ticket_core::{
    Application, ApplicationId, ChainKey, ChannelId, ChatPlatform, Clock, EffectId, GameLink, GameServerId, GuildId,
    GuildSettings, Message, MessageId, PendingEffect, Pid, RoleId, Ticket, TicketId, TicketSource, TicketStore, UserId,
};
use time::OffsetDateTime;

/// A [`SqliteStore`] on a file in its own temporary directory, removed when this is dropped.
pub struct TempStore {
    pub store: SqliteStore,
    pub dir: tempfile::TempDir,
}

impl TempStore {
    /// A fresh store with the default options.
    pub async fn new() -> Self {
        Self::with(OpenOptions::new()).await
    }

    /// A fresh store with `options`.
    pub async fn with(options: OpenOptions) -> Self {
        let dir = tempfile::tempdir().expect("a temp dir");
        let store = options.open(dir.path().join("tickets.db")).await.expect("the store opens");
        Self { store, dir }
    }

    /// The database file.
    pub fn path(&self) -> PathBuf {
        self.dir.path().join("tickets.db")
    }
}

impl std::ops::Deref for TempStore {
    type Target = SqliteStore;

    fn deref(&self) -> &SqliteStore {
        &self.store
    }
}

#[async_trait]
impl TicketStore for TempStore {
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

/// The [`SqliteError`](adapter_sqlite::SqliteError) inside a store error, if there is one.
pub fn sqlite_error(error: &StoreError) -> Option<&adapter_sqlite::SqliteError> {
    match error {
        StoreError::Backend(inner) => inner.downcast_ref(),
        _ => None,
    }
}

/// A clock that stands still until moved.
pub struct FixedClock(Mutex<OffsetDateTime>);

impl FixedClock {
    pub fn new(at: OffsetDateTime) -> Self {
        Self(Mutex::new(at))
    }

    pub fn advance(&self, by: time::Duration) {
        *self.0.lock().unwrap() += by;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().unwrap()
    }
}

/// A fake Discord: channels and messages get small increasing ids (from 500, so they never look like a user's
/// snowflake), channel creation is idempotent per ticket like the real adapter's, and every `fail_every`-th call
/// fails as "Discord unavailable" (0: never).
pub struct FakeChat {
    next_id: AtomicU64,
    calls: AtomicU64,
    fail_every: u64,
    channels: Mutex<HashMap<TicketId, ChannelId>>,
    /// Messages sent, per channel.
    pub sent: Mutex<HashMap<ChannelId, usize>>,
    /// Channels deleted.
    pub deleted: Mutex<Vec<ChannelId>>,
}

impl FakeChat {
    pub fn new() -> Self {
        Self::failing_every(0)
    }

    pub fn failing_every(fail_every: u64) -> Self {
        Self {
            next_id: AtomicU64::new(500),
            calls: AtomicU64::new(0),
            fail_every,
            channels: Mutex::new(HashMap::new()),
            sent: Mutex::new(HashMap::new()),
            deleted: Mutex::new(Vec::new()),
        }
    }

    fn call(&self) -> Result<u64, PlatformError> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        if self.fail_every > 0 && n % self.fail_every == 0 {
            return Err(PlatformError::Unavailable);
        }
        Ok(self.next_id.fetch_add(1, Ordering::SeqCst))
    }

    /// Hands out channel and message ids from `first` on (so that several fakes over one database never clash).
    pub fn with_ids_from(self, first: u64) -> Self {
        self.next_id.store(first, Ordering::SeqCst);
        self
    }

    /// The channel made for a ticket, if any.
    pub fn channel_of(&self, ticket: TicketId) -> Option<ChannelId> {
        self.channels.lock().unwrap().get(&ticket).copied()
    }
}

#[async_trait]
impl ChatPlatform for FakeChat {
    async fn create_channel(&self, channel: NewChannel) -> Result<ChannelId, PlatformError> {
        let id = self.call()?;
        Ok(*self.channels.lock().unwrap().entry(channel.ticket).or_insert(ChannelId::new(id)))
    }
    async fn delete_channel(&self, channel: ChannelId) -> Result<(), PlatformError> {
        self.call()?;
        self.deleted.lock().unwrap().push(channel);
        Ok(())
    }
    async fn set_topic(&self, _: ChannelId, _: String) -> Result<(), PlatformError> {
        self.call().map(drop)
    }
    async fn set_overwrite(&self, _: ChannelId, _: Overwrite) -> Result<(), PlatformError> {
        self.call().map(drop)
    }
    async fn send(&self, channel: ChannelId, _: Message) -> Result<MessageId, PlatformError> {
        let id = self.call()?;
        *self.sent.lock().unwrap().entry(channel).or_default() += 1;
        Ok(MessageId::new(id))
    }
    async fn edit(&self, _: ChannelId, _: MessageId, _: Message) -> Result<(), PlatformError> {
        self.call().map(drop)
    }
    async fn recent_bot_messages(
        &self,
        _: ChannelId,
        _: u8,
    ) -> Result<Vec<ticket_core::ports::BotMessage>, PlatformError> {
        self.call().map(|_| Vec::new())
    }
    async fn delete_message(&self, _: ChannelId, _: MessageId) -> Result<(), PlatformError> {
        self.call().map(drop)
    }
    async fn send_dm(&self, _: UserId, _: Message) -> Result<(), PlatformError> {
        self.call().map(drop)
    }
    async fn add_role(&self, _: GuildId, _: UserId, _: RoleId) -> Result<(), PlatformError> {
        self.call().map(drop)
    }
    async fn set_nickname(&self, _: GuildId, _: UserId, _: String) -> Result<(), PlatformError> {
        self.call().map(drop)
    }
}

/// A fake game link where every player is online and every whisper arrives.
#[derive(Default)]
pub struct FakeGame {
    pub whispers: AtomicU64,
}

#[async_trait]
impl GameLink for FakeGame {
    async fn whisper(&self, _: &GameServerId, _: &GameName, _: &str, _: &str) -> Result<WhisperOutcome, GameLinkError> {
        self.whispers.fetch_add(1, Ordering::SeqCst);
        Ok(WhisperOutcome::Delivered)
    }
    async fn ticket_created(&self, _: &GameServerId, _: &GameName, _: TicketSource) -> Result<(), GameLinkError> {
        Ok(())
    }
    async fn ticket_closed(&self, _: &GameServerId, _: &GameName) -> Result<(), GameLinkError> {
        Ok(())
    }
}

/// The bytes of a file, or nothing if it does not exist.
pub fn file_bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_default()
}

/// A fake RSI directory that knows nobody.
pub struct NoOneOnRsi;

#[async_trait]
impl ticket_core::ProfileDirectory for NoOneOnRsi {
    async fn citizen(&self, _: &str) -> Result<ticket_core::ports::CitizenProfile, ticket_core::ports::ProfileError> {
        Err(ticket_core::ports::ProfileError::NotFound)
    }
    async fn organisation(&self, _: &str) -> Result<ticket_core::ports::OrgProfile, ticket_core::ports::ProfileError> {
        Err(ticket_core::ports::ProfileError::NotFound)
    }
}

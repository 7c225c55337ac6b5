//! [`PostgresStore`]: the [`TicketStore`] on a pool of Postgres connections, all with the store's schema as their
//! `search_path`.

use async_trait::async_trait;
use deadpool_postgres::{Client, Pool};
use ticket_core::ports::{Commit, OpenGamePlayer, StoreError, TicketStore, TranscriptEntry};
use ticket_core::{
    Application, ApplicationId, ChainKey, ChannelId, EffectId, GameReceipt, GameServerId, GuildId, GuildSettings,
    PendingEffect, Pid, Ticket, TicketId,
};
use time::OffsetDateTime;

use crate::{
    ConnectOptions, PostgresError, applications, commit, gateway, ids, migrations, open_views, outbox, receipts,
    settings, tickets, transcripts,
};

/// A [`TicketStore`] on PostgreSQL, in one schema of one database. Cheap to share: clone the pool handle inside,
/// or put the store in an `Arc`.
#[derive(Clone)]
pub struct PostgresStore {
    pool: Pool,
    schema: String,
    migrations_run: usize,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore").field("schema", &self.schema).finish_non_exhaustive()
    }
}

/// Checks that `schema` is a plain lower-case identifier (so it can be spliced into SQL unquoted).
pub fn check_schema(schema: &str) -> Result<(), PostgresError> {
    let mut chars = schema.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_lowercase() || c == '_');
    let rest_ok = chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if first_ok && rest_ok && schema.len() <= 63 {
        Ok(())
    } else {
        Err(PostgresError::InvalidSchema(schema.to_owned()))
    }
}

impl PostgresStore {
    /// The schema the store uses unless told otherwise.
    pub const DEFAULT_SCHEMA: &'static str = "cfg";

    /// Connects to the database at `url` (`postgres://user:password@host:port/database`, or a key-value string),
    /// creates `schema` if it is missing, and migrates it to [`SCHEMA_VERSION`](crate::SCHEMA_VERSION). A schema
    /// migrated by a newer build is refused with [`PostgresError::NewerSchema`]. TLS when the URL says
    /// `sslmode=require`; a password, more CA certificates or another pool size: [`ConnectOptions`].
    pub async fn connect(url: &str, schema: &str) -> Result<Self, PostgresError> {
        ConnectOptions::new().schema(schema).connect(url).await
    }

    pub(crate) fn from_parts(pool: Pool, schema: String, migrations_run: usize) -> Self {
        Self { pool, schema, migrations_run }
    }

    /// The schema the store keeps its tables in.
    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// How many migrations [`connect`](Self::connect) ran (0 when the schema was already up to date).
    pub fn migrations_run(&self) -> usize {
        self.migrations_run
    }

    /// The schema version stored in the database (always [`SCHEMA_VERSION`](crate::SCHEMA_VERSION) once
    /// connected, unless a newer build migrated it since).
    pub async fn schema_version(&self) -> Result<u32, PostgresError> {
        migrations::schema_version(&self.client().await?).await
    }

    /// Effects given up on (kept for inspection, never run again), in id order.
    pub async fn dead_effects(&self) -> Result<Vec<PendingEffect>, PostgresError> {
        outbox::dead(&self.client().await?).await
    }

    /// Closes the pool: connections in use close when they come back; later calls fail.
    pub fn close(&self) {
        self.pool.close();
    }

    pub(crate) async fn client(&self) -> Result<Client, PostgresError> {
        Ok(self.pool.get().await?)
    }
}

/// Runs `read` in one read-only REPEATABLE READ transaction, so that what it reads from several tables belongs
/// together.
macro_rules! snapshot {
    ($store:expr, |$tx:ident| $read:expr) => {{
        let mut client = $store.client().await?;
        let $tx = client
            .build_transaction()
            .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await
            .map_err($crate::PostgresError::from)?;
        let result = $read.await?;
        $tx.commit().await.map_err($crate::PostgresError::from)?;
        Ok(result)
    }};
}
pub(crate) use snapshot;

#[async_trait]
impl TicketStore for PostgresStore {
    async fn settings(&self, guild: GuildId) -> Result<GuildSettings, StoreError> {
        snapshot!(self, |tx| settings::load(&tx, guild))
    }

    async fn ticket(&self, id: TicketId) -> Result<Option<Ticket>, StoreError> {
        Ok(tickets::get_ticket(&self.client().await?, id).await?)
    }

    async fn ticket_by_channel(&self, channel: ChannelId) -> Result<Option<Ticket>, StoreError> {
        Ok(tickets::by_channel(&self.client().await?, channel).await?)
    }

    async fn last_opened(
        &self,
        guild: GuildId,
        kind: ticket_core::TicketType,
        person: ticket_core::Pid,
    ) -> Result<Option<time::OffsetDateTime>, StoreError> {
        Ok(crate::limits::last_opened(&self.client().await?, guild, kind, person).await?)
    }

    async fn open_ticket_by_key(&self, key: &str) -> Result<Option<Ticket>, StoreError> {
        Ok(tickets::by_open_key(&self.client().await?, key).await?)
    }

    async fn open_tickets(&self, guild: GuildId) -> Result<Vec<Ticket>, StoreError> {
        Ok(tickets::open_in_guild(&self.client().await?, guild).await?)
    }

    async fn open_ticket_channels(&self, guild: GuildId) -> Result<Vec<(TicketId, ChannelId)>, StoreError> {
        Ok(open_views::channels(&self.client().await?, guild).await?)
    }

    async fn open_game_players(
        &self,
        guild: GuildId,
        server: &GameServerId,
    ) -> Result<Vec<OpenGamePlayer>, StoreError> {
        Ok(open_views::game_players(&self.client().await?, guild, server).await?)
    }

    async fn tickets_due(&self, until: OffsetDateTime, limit: usize) -> Result<Vec<Ticket>, StoreError> {
        Ok(tickets::due(&self.client().await?, until, limit).await?)
    }

    async fn ticket_stats(
        &self,
        guild: GuildId,
        since: Option<OffsetDateTime>,
    ) -> Result<Vec<ticket_core::stats::TicketStat>, StoreError> {
        Ok(crate::activity::stats(&self.client().await?, guild, since).await?)
    }

    async fn next_ticket_due(&self) -> Result<Option<OffsetDateTime>, StoreError> {
        Ok(tickets::next_due(&self.client().await?).await?)
    }

    async fn open_channel_names(&self, guild: GuildId, base: &str) -> Result<Vec<String>, StoreError> {
        Ok(tickets::open_names(&self.client().await?, guild, base).await?)
    }

    async fn application(&self, id: ApplicationId) -> Result<Option<Application>, StoreError> {
        snapshot!(self, |tx| applications::get_application(&tx, id))
    }

    async fn applications_of(&self, guild: GuildId, applicant: Pid) -> Result<Vec<Application>, StoreError> {
        snapshot!(self, |tx| applications::of_applicant(&tx, guild, applicant))
    }

    async fn transcript(&self, ticket: TicketId) -> Result<Vec<TranscriptEntry>, StoreError> {
        snapshot!(self, |tx| transcripts::of_ticket(&tx, ticket))
    }

    async fn purge_transcripts(&self, guild: GuildId, closed_before: OffsetDateTime) -> Result<u64, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(PostgresError::from)?;
        commit::lock(&tx, &self.schema).await?;
        let purged = transcripts::purge(&tx, guild, closed_before).await?;
        tx.commit().await.map_err(PostgresError::from)?;
        Ok(purged)
    }

    async fn pending_effects(&self, chain: Option<ChainKey>) -> Result<Vec<PendingEffect>, StoreError> {
        Ok(outbox::pending(&self.client().await?, chain).await?)
    }

    async fn next_ticket_id(&self) -> Result<TicketId, StoreError> {
        Ok(ids::next_ticket(&self.client().await?).await?)
    }

    async fn next_application_id(&self) -> Result<ApplicationId, StoreError> {
        Ok(ids::next_application(&self.client().await?).await?)
    }

    async fn has_receipt(&self, receipt: &GameReceipt) -> Result<bool, StoreError> {
        Ok(receipts::has(&self.client().await?, receipt).await?)
    }

    async fn gateway_seen(&self) -> Result<Option<OffsetDateTime>, StoreError> {
        Ok(gateway::seen(&self.client().await?).await?)
    }

    async fn set_gateway_seen(&self, at: OffsetDateTime) -> Result<(), StoreError> {
        Ok(gateway::save(&self.client().await?, at).await?)
    }

    async fn commit(&self, commit: Commit) -> Result<Vec<EffectId>, StoreError> {
        let mut client = self.client().await?;
        commit::run(&mut client, &self.schema, &commit).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_names_are_plain_identifiers() {
        for good in ["cfg", "t_1_2_3", "_x"] {
            assert!(check_schema(good).is_ok(), "{good}");
        }
        for bad in ["", "1abc", "Cfg", "a-b", "a;drop", "a\"b", &"x".repeat(64)] {
            assert!(matches!(check_schema(bad), Err(PostgresError::InvalidSchema(_))), "{bad}");
        }
    }
}

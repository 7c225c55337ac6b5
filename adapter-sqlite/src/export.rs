//! [`StoreExport`] for [`SqliteStore`]: the whole file read out in id order and in pages, for `ticket-bot
//! migrate`. Each page is one read on a reader connection; listings page by primary key.

use async_trait::async_trait;
use ticket_core::ports::{ExportedEffect, StoreError, StoreExport};
use ticket_core::{Application, ApplicationId, EffectId, GuildId, Ticket, TicketId};

use crate::store::snapshot;
use crate::{SqliteStore, applications, outbox, settings, tickets};

#[async_trait]
impl StoreExport for SqliteStore {
    async fn guilds_with_settings(&self) -> Result<Vec<GuildId>, StoreError> {
        Ok(self.read(|conn| settings::guilds(conn)).await?)
    }

    async fn tickets_after(&self, after: Option<TicketId>, limit: usize) -> Result<Vec<Ticket>, StoreError> {
        Ok(self.read(move |conn| tickets::after(conn, after, limit)).await?)
    }

    async fn applications_after(
        &self,
        after: Option<ApplicationId>,
        limit: usize,
    ) -> Result<Vec<Application>, StoreError> {
        Ok(self.read(move |conn| snapshot(conn, |tx| applications::after(tx, after, limit))).await?)
    }

    async fn effects_after(&self, after: Option<EffectId>, limit: usize) -> Result<Vec<ExportedEffect>, StoreError> {
        Ok(self.read(move |conn| outbox::after(conn, after, limit)).await?)
    }
}

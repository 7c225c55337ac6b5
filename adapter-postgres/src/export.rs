//! [`StoreExport`] for [`PostgresStore`]: the whole schema read out in id order and in pages, for `ticket-bot
//! migrate` (and for moving a deployment on from Postgres). Listings page by primary key.

use async_trait::async_trait;
use ticket_core::ports::{ExportedEffect, StoreError, StoreExport};
use ticket_core::{Application, ApplicationId, EffectId, GuildId, Ticket, TicketId};

use crate::store::snapshot;
use crate::{PostgresStore, applications, outbox, settings, tickets};

#[async_trait]
impl StoreExport for PostgresStore {
    async fn guilds_with_settings(&self) -> Result<Vec<GuildId>, StoreError> {
        Ok(settings::guilds(&self.client().await?).await?)
    }

    async fn tickets_after(&self, after: Option<TicketId>, limit: usize) -> Result<Vec<Ticket>, StoreError> {
        Ok(tickets::after(&self.client().await?, after, limit).await?)
    }

    async fn applications_after(
        &self,
        after: Option<ApplicationId>,
        limit: usize,
    ) -> Result<Vec<Application>, StoreError> {
        // An application spans three tables: read them at one point in time.
        snapshot!(self, |tx| applications::after(&tx, after, limit))
    }

    async fn effects_after(&self, after: Option<EffectId>, limit: usize) -> Result<Vec<ExportedEffect>, StoreError> {
        Ok(outbox::after(&self.client().await?, after, limit).await?)
    }
}

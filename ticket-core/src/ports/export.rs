//! `StoreExport`: reading a whole store out, page by page, so that a deployment can move to another backend
//! (`ticket-bot migrate`, [`copy_store`](crate::store_copy::copy_store)).

use async_trait::async_trait;

use crate::effect::PendingEffect;
use crate::id::{ApplicationId, EffectId, GuildId, TicketId};
use crate::ports::{StoreError, TicketStore};
use crate::recruitment::Application;
use crate::ticket::Ticket;

/// An outbox effect as stored: pending (waiting, or waiting for its retry time) or given up on.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportedEffect {
    /// The effect, its chain, its attempts and its retry time.
    pub pending: PendingEffect,
    /// Whether it was given up on (kept for inspection, never run again).
    pub dead: bool,
}

/// A store that can be read out whole: every guild with settings, every ticket and application, every outbox
/// effect (transcripts are read per ticket with [`TicketStore::transcript`]).
///
/// Each listing is in id order and starts after the id given (`None`: from the start), so a large store is read in
/// pages of bounded size and a copy never holds it all in memory. Effects that were done are gone from the outbox
/// and are not listed.
#[async_trait]
pub trait StoreExport: TicketStore {
    /// Every guild whose settings were saved, in id order.
    async fn guilds_with_settings(&self) -> Result<Vec<GuildId>, StoreError>;

    /// Tickets (open and closed) with ids after `after`, in id order, at most `limit`.
    async fn tickets_after(&self, after: Option<TicketId>, limit: usize) -> Result<Vec<Ticket>, StoreError>;

    /// Recruitment applications with ids after `after`, in id order, at most `limit`.
    async fn applications_after(
        &self,
        after: Option<ApplicationId>,
        limit: usize,
    ) -> Result<Vec<Application>, StoreError>;

    /// Outbox effects (pending and dead) with ids after `after`, in id order, at most `limit`.
    async fn effects_after(&self, after: Option<EffectId>, limit: usize) -> Result<Vec<ExportedEffect>, StoreError>;
}

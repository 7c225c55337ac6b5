//! Catching up with messages posted while the bot was away.
//!
//! Discord delivers a message to the sessions connected when it is posted, and never again. Messages staff write in
//! a ticket channel while no process of the bot holds a session (a crash, a restart, the second or so before a
//! standby takes over) would be lost: a reply never whispered to the player, a line missing from the transcript.
//! The platform adapter therefore keeps, in the store, when it last heard from Discord
//! ([`TicketStore::gateway_seen`](crate::TicketStore::gateway_seen)); at the next connection it reads the history
//! of every channel that had a message since then, and hands the desk, in order, each message the ticket has not
//! recorded ([`Desk::recorded_messages`] says which it has), through the same
//! [`Desk::channel_post`] as a message that arrives live.

use std::collections::HashSet;

use time::OffsetDateTime;

use crate::id::{ChannelId, MessageId, TicketId};
use crate::ticket::Ticket;

use super::{Desk, DeskError};

/// The Discord messages an open ticket's transcript already holds a line for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordedMessages {
    ids: HashSet<MessageId>,
}

impl RecordedMessages {
    /// Whether the ticket recorded `message` (it was handled, by this process or an earlier one).
    pub fn contains(&self, message: MessageId) -> bool {
        self.ids.contains(&message)
    }

    /// How many messages the ticket recorded.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether it recorded none.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

impl Desk {
    /// The messages of `channel` its ticket has recorded, if it is an open ticket's channel (`None` otherwise: its
    /// history is nothing the desk would take).
    pub async fn recorded_messages(&self, channel: ChannelId) -> Result<Option<RecordedMessages>, DeskError> {
        let store = &self.ports.store;
        let Some(ticket) = store.ticket_by_channel(channel).await?.filter(Ticket::is_open) else {
            return Ok(None);
        };
        let ids = store.transcript(ticket.id).await?.into_iter().filter_map(|line| line.message).collect();
        Ok(Some(RecordedMessages { ids }))
    }

    /// Whether `ticket` is open and its channel not recorded yet: a channel that names it (Discord made it, and the
    /// bot has not recorded it yet, or a crash came in between) is about to become its channel, and a message
    /// written there waits for that rather than being left alone.
    pub async fn awaits_channel(&self, ticket: TicketId) -> Result<bool, DeskError> {
        Ok(self.ports.store.ticket(ticket).await?.is_some_and(|t| t.is_open() && t.channel.is_none()))
    }

    /// When the bot last heard from Discord, as last saved (see the module's documentation).
    pub async fn gateway_seen(&self) -> Result<Option<OffsetDateTime>, DeskError> {
        Ok(self.ports.store.gateway_seen().await?)
    }

    /// Saves when the bot last heard from Discord.
    pub async fn record_gateway_seen(&self, at: OffsetDateTime) -> Result<(), DeskError> {
        Ok(self.ports.store.set_gateway_seen(at).await?)
    }
}

//! `/tickets stats`: the guild's tickets over a period, read through the store's indexes and counted in
//! [`crate::stats::report`].

use crate::id::GuildId;
use crate::message::Message;
use crate::stats::StatsPeriod;

use super::{Desk, DeskError};

impl Desk {
    /// The statistics embed of `guild` over `period` (the caller checked who asks).
    pub(super) async fn stats_message(&self, guild: GuildId, period: StatsPeriod) -> Result<Message, DeskError> {
        let since = period.since(self.ports.clock.now());
        let rows = self.ports.store.ticket_stats(guild, since).await?;
        let report = crate::stats::report(&rows, period, since);
        Ok(crate::render::stats(&report, &self.key))
    }
}

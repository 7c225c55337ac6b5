//! Housekeeping while the bot runs: a minute after connecting, then every hour, each guild's transcripts past its
//! retention are purged ([`Desk::purge_expired_transcripts`]). The first sweep waits its minute so that it never
//! competes with a start (guilds arriving, commands registered, the outbox resumed), and comes soon enough that a
//! bot restarted daily still purges.

use std::sync::Arc;
use std::time::Duration;

use ticket_core::Desk;
use tokio::sync::watch;

use crate::convert::from;
use crate::guilds::GuildView;

/// How often the guilds are swept.
pub(crate) const SWEEP_EVERY: Duration = Duration::from_secs(60 * 60);

/// How long after connecting the first sweep comes.
pub(crate) const FIRST_SWEEP_AFTER: Duration = Duration::from_secs(60);

/// Purges one guild's expired transcripts, logging a failure (it is tried again at the next sweep).
async fn purge_guild(desk: &Desk, guild: serenity::all::GuildId) {
    if let Err(error) = desk.purge_expired_transcripts(from::guild(guild)).await {
        tracing::warn!(%error, %guild, "could not purge expired transcripts; trying again at the next sweep");
    }
}

/// Sweeps every guild the bot is in [`FIRST_SWEEP_AFTER`] connecting, then each [`SWEEP_EVERY`], until `stopped`
/// turns true.
pub(crate) async fn sweep(guilds: Arc<GuildView>, desk: Arc<Desk>, mut stopped: watch::Receiver<bool>) {
    let mut wait = FIRST_SWEEP_AFTER;
    loop {
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stopped.wait_for(|stop| *stop) => return,
        }
        wait = SWEEP_EVERY;
        for guild in guilds.guild_ids() {
            purge_guild(&desk, guild).await;
        }
    }
}

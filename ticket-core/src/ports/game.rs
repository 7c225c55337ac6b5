//! `GameLink`: what the bot asks of the game server.

use async_trait::async_trait;

use crate::id::GameServerId;
use crate::relay::GameName;
use crate::ticket::TicketSource;

/// What became of a whisper.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhisperOutcome {
    /// The player got it.
    Delivered,
    /// The player is not online; the desk holds the reply until their next login.
    PlayerOffline,
}

/// Why the game could not be told.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GameLinkError {
    /// The game server is not connected to the bridge.
    #[error("the game server {0} is not connected")]
    LinkDown(GameServerId),
    /// The link's outgoing queue is full; try again later.
    #[error("the game link to {0} is congested")]
    Congested(GameServerId),
}

/// What the bot asks of a game server. Implemented by `adapter-xilero`.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait GameLink: Send + Sync {
    /// Whispers a staff reply to a player.
    async fn whisper(
        &self,
        server: &GameServerId,
        player: &GameName,
        from: &str,
        text: &str,
    ) -> Result<WhisperOutcome, GameLinkError>;
    /// Tells the game a ticket opened for a player.
    async fn ticket_created(
        &self,
        server: &GameServerId,
        player: &GameName,
        source: TicketSource,
    ) -> Result<(), GameLinkError>;
    /// Tells the game a player's ticket closed.
    async fn ticket_closed(&self, server: &GameServerId, player: &GameName) -> Result<(), GameLinkError>;
}

//! `ChatPlatform`: what the bot asks of Discord.

use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::id::{ChannelId, GuildId, MessageId, RoleId, TicketId, UserId};
use crate::message::Message;
use crate::permissions::Permissions;

/// Who a permission overwrite is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OverwriteTarget {
    /// `@everyone` of the guild.
    Everyone,
    /// The bot itself.
    Bot,
    /// A role.
    Role(RoleId),
    /// A member.
    Member(UserId),
}

/// A channel permission overwrite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overwrite {
    /// Who.
    pub target: OverwriteTarget,
    /// Allowed.
    pub allow: Permissions,
    /// Denied.
    pub deny: Permissions,
}

impl Overwrite {
    /// Allows `allow` to `target`.
    pub fn allow(target: OverwriteTarget, allow: Permissions) -> Self {
        Self { target, allow, deny: Permissions::empty() }
    }

    /// Denies `deny` to `target`.
    pub fn deny(target: OverwriteTarget, deny: Permissions) -> Self {
        Self { target, allow: Permissions::empty(), deny }
    }
}

/// A private ticket channel to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewChannel {
    /// The ticket (the platform finds an existing channel with this `TID:` marker instead of making a second).
    pub ticket: TicketId,
    /// The guild.
    pub guild: GuildId,
    /// The name.
    pub name: String,
    /// The preferred category; when it is full the platform overflows into a new one.
    pub category: Option<ChannelId>,
    /// The topic, with its markers.
    pub topic: String,
    /// Who may see it; everyone else is denied.
    pub overwrites: Vec<Overwrite>,
}

/// A message the bot posted, as listed by [`ChatPlatform::recent_bot_messages`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BotMessage {
    /// The message.
    pub id: MessageId,
    /// The custom ids of its buttons and selects.
    pub controls: Vec<String>,
}

/// Why Discord refused or failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlatformError {
    /// The channel, message, member or role is gone.
    #[error("not found on Discord")]
    NotFound,
    /// The bot lacks a permission, or the target is above it in the role hierarchy.
    #[error("Discord refused: missing permission or role hierarchy")]
    Forbidden,
    /// Slow down.
    #[error("rate limited for {retry_after:?}")]
    RateLimited {
        /// How long to wait.
        retry_after: Duration,
    },
    /// Discord rejected the request as invalid; retrying will not help.
    #[error("Discord rejected the request (HTTP {status}, code {code:?})")]
    Rejected {
        /// HTTP status.
        status: u16,
        /// Discord's JSON error code.
        code: Option<u64>,
    },
    /// Discord could not be reached or failed; retrying may help.
    #[error("Discord is unavailable")]
    Unavailable,
}

impl PlatformError {
    /// Whether trying again later may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::RateLimited { .. } | Self::Unavailable)
    }

    /// Discord's code for "Maximum number of guild channels reached (500)".
    pub const GUILD_CHANNELS_FULL: u64 = 30013;

    /// Whether this is Discord refusing a channel because the guild has as many as it may have: room comes back
    /// when a channel is deleted.
    pub fn is_guild_full(&self) -> bool {
        matches!(self, Self::Rejected { code: Some(Self::GUILD_CHANNELS_FULL), .. })
    }
}

/// What the bot asks of Discord. Implemented by `adapter-discord` (and by test fakes).
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait ChatPlatform: Send + Sync {
    /// Creates a private ticket channel, or returns the one already made for `channel.ticket`.
    async fn create_channel(&self, channel: NewChannel) -> Result<ChannelId, PlatformError>;
    /// Deletes a channel.
    async fn delete_channel(&self, channel: ChannelId) -> Result<(), PlatformError>;
    /// Sets a channel's topic.
    async fn set_topic(&self, channel: ChannelId, topic: String) -> Result<(), PlatformError>;
    /// Adds or replaces one permission overwrite.
    async fn set_overwrite(&self, channel: ChannelId, overwrite: Overwrite) -> Result<(), PlatformError>;
    /// Posts a message. A message with a [`nonce`](Message::nonce) must be posted at most once per nonce: a
    /// replay of it (the outbox after a crash) gets the message the first post made (Discord's `enforce_nonce`).
    async fn send(&self, channel: ChannelId, message: Message) -> Result<MessageId, PlatformError>;
    /// Edits a message the bot posted.
    async fn edit(&self, channel: ChannelId, message: MessageId, new: Message) -> Result<(), PlatformError>;
    /// Deletes a message.
    async fn delete_message(&self, channel: ChannelId, message: MessageId) -> Result<(), PlatformError>;
    /// The bot's own messages among the latest `limit` of a channel, newest first.
    async fn recent_bot_messages(&self, channel: ChannelId, limit: u8) -> Result<Vec<BotMessage>, PlatformError>;
    /// Sends a direct message.
    async fn send_dm(&self, user: UserId, message: Message) -> Result<(), PlatformError>;
    /// Grants a role.
    async fn add_role(&self, guild: GuildId, user: UserId, role: RoleId) -> Result<(), PlatformError>;
    /// Sets a member's nickname.
    async fn set_nickname(&self, guild: GuildId, user: UserId, nickname: String) -> Result<(), PlatformError>;
    /// The roles among `roles` that a message from the bot cannot notify: Discord delivers a role mention only
    /// when the role is mentionable or the bot has the Mention Everyone permission. The default knows nothing
    /// (none); a platform that can tell should.
    async fn unpingable_roles(&self, guild: GuildId, roles: &[RoleId]) -> Result<Vec<RoleId>, PlatformError> {
        let _ = (guild, roles);
        Ok(Vec::new())
    }
    /// Whether a channel exists now, asked of the platform itself: [`Desk::reconcile`](crate::Desk::reconcile)
    /// checks a ticket's channel this way before closing it, since the channel list it was given may predate a
    /// channel made since. The default trusts that list (`false`: the channel is not in it); a platform that can
    /// look a channel up should.
    async fn channel_exists(&self, channel: ChannelId) -> Result<bool, PlatformError> {
        let _ = channel;
        Ok(false)
    }
}

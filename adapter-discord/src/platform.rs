//! [`SerenityPlatform`]: the core's `ChatPlatform` port over serenity's HTTP client.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serenity::all::{
    ActionRowComponent, ButtonKind, ChannelType, CreateChannel, EditChannel, EditMember, GetMessages, Http, HttpError,
};
use ticket_core::ports::{BotMessage, ChatPlatform, NewChannel, Overwrite, OverwriteTarget, PlatformError};
use ticket_core::{ChannelId, GuildId, Message, MessageId, RoleId, UserId};

use crate::convert::{self, from, to};
use crate::guilds::{BriefChannel, GuildView};
use crate::lanes::{Bucket, Lanes};

/// Discord's limit on channels in one category.
pub const CATEGORY_CHANNELS_MAX: usize = 50;

/// The wait assumed when Discord says "slow down" without saying how long.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(2);

/// Maps a serenity error to the core's platform error.
pub fn platform_error(error: &serenity::Error) -> PlatformError {
    match error {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(response)) => {
            let status = response.status_code.as_u16();
            match status {
                404 => PlatformError::NotFound,
                403 => PlatformError::Forbidden,
                429 => PlatformError::RateLimited { retry_after: DEFAULT_RETRY_AFTER },
                500..=599 => PlatformError::Unavailable,
                _ => PlatformError::Rejected { status, code: u64::try_from(response.error.code).ok() },
            }
        }
        serenity::Error::Http(HttpError::Request(_)) | serenity::Error::Io(_) => PlatformError::Unavailable,
        _ => PlatformError::Rejected { status: 0, code: None },
    }
}

/// Discord's code for "Unknown Message".
const UNKNOWN_MESSAGE: isize = 10008;

/// Maps the error of a message *creation*. A `404 Unknown Message` there is not a missing channel (that is
/// `Unknown Channel`): Discord found an earlier message with the same nonce that has since been deleted, and posts
/// nothing (it was posted once already). It must not read as [`PlatformError::NotFound`], which the core takes for a
/// deleted ticket channel.
fn fail_post(error: serenity::Error) -> PlatformError {
    match &error {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(response))
            if response.status_code.as_u16() == 404 && response.error.code == UNKNOWN_MESSAGE =>
        {
            tracing::info!("a post was already made and its message deleted since; not posted again");
            PlatformError::Rejected { status: 404, code: Some(10008) }
        }
        _ => fail(error),
    }
}

fn fail(error: serenity::Error) -> PlatformError {
    let mapped = platform_error(&error);
    if !matches!(mapped, PlatformError::NotFound) {
        tracing::warn!(error = %error, "Discord call failed");
    }
    mapped
}

/// The core's view of Discord, through serenity's HTTP client.
#[derive(Clone)]
pub struct SerenityPlatform {
    http: Arc<Http>,
    guilds: Option<Arc<GuildView>>,
    bot: UserId,
    /// One call at a time per serenity rate-limit bucket the bot may hit from several tickets at once (see
    /// [`crate::lanes`]), and one channel creation at a time per guild (see [`SerenityPlatform::create_channel`]).
    lanes: Lanes,
}

impl std::fmt::Debug for SerenityPlatform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SerenityPlatform").finish_non_exhaustive()
    }
}

impl SerenityPlatform {
    /// A platform over `http`, acting as the bot user `bot`.
    pub fn new(http: Arc<Http>, bot: UserId) -> Self {
        Self { http, guilds: None, bot, lanes: Lanes::default() }
    }

    /// Reads the guilds (channels, roles) from the gateway's view (see [`GuildView`]) instead of asking Discord
    /// each time a ticket opens.
    pub fn with_guilds(mut self, guilds: Arc<GuildView>) -> Self {
        self.guilds = Some(guilds);
        self
    }

    /// What opening a ticket needs to know of a guild's channels: from the guild view when it knows the guild,
    /// else from Discord.
    async fn guild_channels(&self, guild: GuildId, fresh: bool) -> Result<Vec<BriefChannel>, PlatformError> {
        if !fresh {
            if let Some(channels) = self.guilds.as_ref().and_then(|g| g.channels(to::guild(guild))) {
                return Ok(channels);
            }
        }
        let channels = to::guild(guild).channels(&self.http).await.map_err(fail)?;
        Ok(channels.values().map(crate::guilds::brief).collect())
    }

    /// The HTTP client.
    pub fn http(&self) -> &Arc<Http> {
        &self.http
    }

    /// The bot's own user.
    pub fn bot(&self) -> UserId {
        self.bot
    }

    /// Where to create a channel under `category`: the category itself while it has room, else the first
    /// overflow category (`<name> 2`, `<name> 3`…) with room, else a new overflow category with the original's
    /// permission overwrites. A category that no longer exists means no category.
    async fn category_with_room(
        &self,
        guild: GuildId,
        category: ChannelId,
        channels: &[BriefChannel],
    ) -> Result<Option<ChannelId>, PlatformError> {
        let Some(original) = channels.iter().find(|c| c.id == to::channel(category)) else {
            tracing::warn!(%category, "the configured ticket category no longer exists; creating at top level");
            return Ok(None);
        };
        let children = |id: serenity::all::ChannelId| channels.iter().filter(|c| c.parent == Some(id)).count();
        if children(original.id) < CATEGORY_CHANNELS_MAX {
            return Ok(Some(category));
        }
        for n in 2..100u32 {
            let name = format!("{} {n}", original.name);
            match channels.iter().find(|c| c.is_category && c.name == name) {
                Some(overflow) if children(overflow.id) < CATEGORY_CHANNELS_MAX => {
                    return Ok(Some(from::channel(overflow.id)));
                }
                Some(_) => continue,
                None => {
                    tracing::info!(category = %original.name, overflow = %name, "ticket category is full; opening an overflow category");
                    let created = to::guild(guild)
                        .create_channel(
                            &self.http,
                            CreateChannel::new(name)
                                .kind(ChannelType::Category)
                                .permissions(original.overwrites.clone()),
                        )
                        .await
                        .map_err(fail)?;
                    self.until_seen(guild, created.id).await;
                    return Ok(Some(from::channel(created.id)));
                }
            }
        }
        Err(PlatformError::Rejected { status: 400, code: None })
    }
}

impl SerenityPlatform {
    /// Waits (briefly) until the guild view shows a channel just created, so that the next creation in its guild
    /// counts it: Discord sends `CHANNEL_CREATE` at once, but on the gateway, not with the REST answer.
    async fn until_seen(&self, guild: GuildId, channel: serenity::all::ChannelId) {
        let Some(guilds) = &self.guilds else { return };
        // A guild the view does not know yet (its GUILD_CREATE is still to come) is listed from Discord itself.
        if !guilds.knows_guild(to::guild(guild)) {
            return;
        }
        let seen = || guilds.has_channel(to::guild(guild), channel);
        let deadline = tokio::time::Instant::now() + CACHE_CATCH_UP;
        while !seen() && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        }
    }

    /// [`ChatPlatform::create_channel`], in its guild's turn.
    async fn create_channel_now(&self, guild_id: GuildId, channel: NewChannel) -> Result<ChannelId, PlatformError> {
        let guild = to::guild(guild_id);
        // The guild view may lag behind channels created a moment ago; if Discord then says the category is full, look
        // again at what Discord itself has.
        for fresh in [false, true] {
            let existing = self.guild_channels(channel.guild, fresh).await?;
            // Idempotent per ticket: a replayed create finds the channel the first attempt made.
            if let Some(found) = existing.iter().find(|c| c.ticket == Some(channel.ticket)) {
                return Ok(from::channel(found.id));
            }
            // Discord would refuse it (`30013`): say so without the call, which a burst at the cap would otherwise make
            // once per ticket already on its way here.
            if existing.len() >= GUILD_CHANNEL_CAP {
                return Err(PlatformError::Rejected { status: 400, code: Some(PlatformError::GUILD_CHANNELS_FULL) });
            }
            let category = match channel.category {
                Some(c) => self.category_with_room(channel.guild, c, &existing).await?,
                None => None,
            };
            let overwrites: Vec<_> =
                channel.overwrites.iter().map(|o| convert::overwrite(o, channel.guild, self.bot)).collect();
            let mut request =
                CreateChannel::new(&channel.name).kind(ChannelType::Text).topic(&channel.topic).permissions(overwrites);
            if let Some(category) = category {
                request = request.category(to::channel(category));
            }
            match guild.create_channel(&self.http, request).await {
                Ok(created) => {
                    self.until_seen(guild_id, created.id).await;
                    return Ok(from::channel(created.id));
                }
                Err(e) => match platform_error(&e) {
                    // A full guild stays full however fresh the view: only a full category is worth a second look.
                    full if full.is_guild_full() => return Err(full),
                    PlatformError::Rejected { status: 400, .. } if category.is_some() && !fresh => continue,
                    _ => return Err(fail(e)),
                },
            }
        }
        Err(PlatformError::Rejected { status: 400, code: None })
    }
}

/// Discord's cap on a guild's channels, categories included (threads do not count).
const GUILD_CHANNEL_CAP: usize = 500;

/// How long a channel creation waits for the guild view to show the channel it made.
const CACHE_CATCH_UP: std::time::Duration = std::time::Duration::from_secs(2);

#[async_trait]
impl ChatPlatform for SerenityPlatform {
    /// Creates a ticket channel, in its category while the category has room (else in an overflow category). A
    /// guild's creations go one at a time, each waiting until the guild view shows the channel it made: tickets opened
    /// side by side would otherwise count a category's channels from the same stale view, overfill it, and open an
    /// overflow category each.
    async fn create_channel(&self, channel: NewChannel) -> Result<ChannelId, PlatformError> {
        let _one_at_a_time = self.lanes.turn(Bucket::GuildChannels(channel.guild.get())).await;
        self.create_channel_now(channel.guild, channel).await
    }

    async fn unpingable_roles(&self, guild: GuildId, roles: &[RoleId]) -> Result<Vec<RoleId>, PlatformError> {
        // The guild view knows each role's `mentionable` flag and the bot's roles; without it, nothing can be told.
        let wanted: Vec<_> = roles.iter().map(|r| to::role(*r)).collect();
        let unpingable = self.guilds.as_ref().and_then(|g| g.unpingable(to::guild(guild), &wanted));
        Ok(unpingable.unwrap_or_default().into_iter().map(from::role).collect())
    }

    async fn channel_exists(&self, channel: ChannelId) -> Result<bool, PlatformError> {
        // Discord itself, not the guild view: the point is to see past a channel list that may be stale.
        match to::channel(channel).to_channel(&self.http).await {
            Ok(_) => Ok(true),
            Err(e) => match platform_error(&e) {
                PlatformError::NotFound => Ok(false),
                other => Err(other),
            },
        }
    }

    async fn delete_channel(&self, channel: ChannelId) -> Result<(), PlatformError> {
        to::channel(channel).delete(&self.http).await.map(|_| ()).map_err(fail)
    }

    async fn set_topic(&self, channel: ChannelId, topic: String) -> Result<(), PlatformError> {
        to::channel(channel).edit(&self.http, EditChannel::new().topic(topic)).await.map(|_| ()).map_err(fail)
    }

    async fn set_overwrite(&self, channel: ChannelId, overwrite: Overwrite) -> Result<(), PlatformError> {
        // Only `@everyone` needs the guild (its role id is the guild's): ask Discord for it only then.
        let guild = match overwrite.target {
            OverwriteTarget::Everyone => match to::channel(channel).to_channel(&self.http).await.map_err(fail)?.guild()
            {
                Some(c) => from::guild(c.guild_id),
                None => return Err(PlatformError::NotFound),
            },
            OverwriteTarget::Bot | OverwriteTarget::Role(_) | OverwriteTarget::Member(_) => GuildId::new(0),
        };
        let overwrite = convert::overwrite(&overwrite, guild, self.bot);
        to::channel(channel).create_permission(&self.http, overwrite).await.map_err(fail)
    }

    async fn send(&self, channel: ChannelId, message: Message) -> Result<MessageId, PlatformError> {
        let _turn = self.lanes.turn(Bucket::ChannelMessages(channel.get())).await;
        let sent = to::channel(channel)
            .send_message(&self.http, convert::create_message(&message))
            .await
            .map_err(fail_post)?;
        Ok(from::message(sent.id))
    }

    async fn edit(&self, channel: ChannelId, message: MessageId, new: Message) -> Result<(), PlatformError> {
        let _turn = self.lanes.turn(Bucket::ChannelMessage(channel.get())).await;
        to::channel(channel)
            .edit_message(&self.http, to::message(message), convert::edit_message(&new))
            .await
            .map(|_| ())
            .map_err(fail)
    }

    async fn delete_message(&self, channel: ChannelId, message: MessageId) -> Result<(), PlatformError> {
        let _turn = self.lanes.turn(Bucket::ChannelMessage(channel.get())).await;
        to::channel(channel).delete_message(&self.http, to::message(message)).await.map_err(fail)
    }

    async fn recent_bot_messages(&self, channel: ChannelId, limit: u8) -> Result<Vec<BotMessage>, PlatformError> {
        let messages = {
            let _turn = self.lanes.turn(Bucket::ChannelMessages(channel.get())).await;
            to::channel(channel).messages(&self.http, GetMessages::new().limit(limit)).await.map_err(fail)?
        };
        let bot = to::user(self.bot);
        Ok(messages
            .into_iter()
            .filter(|m| m.author.id == bot)
            .map(|m| {
                let controls = m
                    .components
                    .iter()
                    .flat_map(|row| row.components.iter())
                    .filter_map(|c| match c {
                        ActionRowComponent::Button(b) => match &b.data {
                            ButtonKind::NonLink { custom_id, .. } => Some(custom_id.clone()),
                            _ => None,
                        },
                        ActionRowComponent::SelectMenu(s) => s.custom_id.clone(),
                        _ => None,
                    })
                    .collect();
                BotMessage { id: from::message(m.id), controls }
            })
            .collect())
    }

    async fn send_dm(&self, user: UserId, message: Message) -> Result<(), PlatformError> {
        let dm = {
            let _turn = self.lanes.turn(Bucket::DmChannels).await;
            to::user(user).create_dm_channel(&self.http).await.map_err(fail)?
        };
        let _turn = self.lanes.turn(Bucket::ChannelMessages(dm.id.get())).await;
        dm.id.send_message(&self.http, convert::create_message(&message)).await.map(|_| ()).map_err(fail_post)
    }

    async fn add_role(&self, guild: GuildId, user: UserId, role: RoleId) -> Result<(), PlatformError> {
        let _turn = self.lanes.turn(Bucket::GuildMemberRole(guild.get())).await;
        self.http
            .add_member_role(to::guild(guild), to::user(user), to::role(role), Some("ticket approved"))
            .await
            .map_err(fail)
    }

    async fn set_nickname(&self, guild: GuildId, user: UserId, nickname: String) -> Result<(), PlatformError> {
        let _turn = self.lanes.turn(Bucket::GuildMember(guild.get())).await;
        to::guild(guild)
            .edit_member(&self.http, to::user(user), EditMember::new().nickname(nickname))
            .await
            .map(|_| ())
            .map_err(fail)
    }
}

//! The gateway event handler: messages, interactions and channel deletions turned into `Desk` calls.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use async_trait::async_trait;
use serenity::all::{
    Attachment, ChannelId, Context, EventHandler, Guild, GuildChannel, GuildId, GuildMemberUpdateEvent, Interaction,
    Member, Message as DiscordMessage, MessageUpdateEvent, PartialGuild, Ready, Role, RoleId, ShardManager,
    UnavailableGuild,
};
use ticket_core::desk::{ChannelPost, Desk, DeskError, MessageOutcome, Problem};
use ticket_core::ports::TranscriptAttachment;
use ticket_core::strings::REOPEN_QNA_PREFIX_COMMAND;
use tokio::sync::watch;

use crate::catch_up::{CatchUp, GatewayWatermark};
use crate::convert::{self, from};
use crate::guilds::{Change as ViewChange, GuildView};
use crate::ordered::OrderedMessages;
use crate::{actor, commands, interactions};

/// Relays gateway events to the desk.
pub(crate) struct Handler {
    desk: Arc<OnceLock<Arc<Desk>>>,
    resumer_started: AtomicBool,
    resume_every: Duration,
    stopped: watch::Receiver<bool>,
    /// The outbox driver's task, once started, for [`crate::BotStopper`] to wait for.
    driver: crate::outbox_driver::DriverTask,
    /// Guild messages, in gateway order per channel, and the guild view.
    ordered: Arc<OrderedMessages>,
    /// When the bot last heard from Discord, kept for catching up after a gap (see [`crate::catch_up`]).
    watermark: Arc<GatewayWatermark>,
    /// serenity's shard manager, once the client is built: a `READY` that comes after the bot was told to stop
    /// stops it again (see [`Handler::ready`]).
    shards: Arc<OnceLock<Arc<ShardManager>>>,
}

impl Handler {
    pub(crate) fn new(
        desk: Arc<OnceLock<Arc<Desk>>>,
        resume_every: Duration,
        stopped: watch::Receiver<bool>,
        driver: crate::outbox_driver::DriverTask,
        guilds: Arc<GuildView>,
        watermark: Arc<GatewayWatermark>,
        shards: Arc<OnceLock<Arc<ShardManager>>>,
    ) -> Self {
        let ordered = Arc::new(OrderedMessages::new(guilds, watermark.clone()));
        let resumer_started = AtomicBool::new(false);
        Self { desk, resumer_started, resume_every, stopped, driver, ordered, watermark, shards }
    }

    fn guilds(&self) -> &Arc<GuildView> {
        self.ordered.guilds()
    }

    /// Applies a change to the guild view unless the collector already did (see [`crate::guilds`]).
    fn unless_taken(&self, change: ViewChange, apply: impl FnOnce(&GuildView) -> ViewChange) {
        if !self.guilds().was_taken(change) {
            apply(self.guilds());
        }
    }

    fn desk(&self) -> Option<Arc<Desk>> {
        let desk = self.desk.get().cloned();
        if desk.is_none() {
            tracing::error!("a Discord event arrived before the desk was ready; ignored");
        }
        desk
    }
}

/// A message as the desk takes it: its id, its text, and its attachments as links.
pub(crate) fn channel_post(message: &DiscordMessage) -> ChannelPost {
    ChannelPost {
        message: Some(from::message(message.id)),
        content: message.content.clone(),
        attachments: attachments(&message.attachments),
    }
}

fn attachments(list: &[Attachment]) -> Vec<TranscriptAttachment> {
    list.iter().map(|a| TranscriptAttachment { name: a.filename.clone(), url: a.url.clone() }).collect()
}

#[async_trait]
impl EventHandler for Handler {
    async fn ready(&self, ctx: Context, ready: Ready) {
        tracing::info!(guilds = ready.guilds.len(), "connected to Discord");
        if *self.stopped.borrow() {
            // Told to stop while the shard was still connecting: serenity's `shutdown_all` had no runner to stop
            // then (and its `Client::start` would never return). Now it has one.
            if let Some(shards) = self.shards.get() {
                tracing::info!("connected after being told to stop; disconnecting");
                shards.shutdown_all().await;
            }
            return;
        }
        let Some(desk) = self.desk() else { return };
        // Messages made from here on reach this session; those made since the last event before it are read from
        // the channels' history as their guilds arrive.
        self.watermark.session_ready(&ready.session_id, time::OffsetDateTime::now_utc());
        // Every shard runner (a new one after each reconnection that identifies again) reports READY.
        self.ordered.collect(&ctx, desk.clone());
        if self.resumer_started.swap(true, Ordering::SeqCst) {
            return;
        }
        tokio::spawn(crate::housekeeping::sweep(self.guilds().clone(), desk.clone(), self.stopped.clone()));
        tokio::spawn(self.watermark.clone().keep_saving(desk.clone(), self.stopped.clone()));
        let task = tokio::spawn(crate::outbox_driver::drive_outbox(desk, self.resume_every, self.stopped.clone()));
        self.driver.set(task);
    }

    async fn guild_create(&self, ctx: Context, guild: Guild, _is_new: Option<bool>) {
        let Some(desk) = self.desk() else { return };
        if !self.guilds().was_taken(ViewChange::GuildCreated(guild.id)) {
            // Arrived before the collector was registered: its missed messages are caught up from here.
            self.guilds().guild_created(&guild);
            self.ordered.catch_up(&ctx, &desk, &guild);
        }
        tracing::debug!(guild = %guild.id, channels = guild.channels.len(), "guild arrived; registering commands");
        match guild.id.set_commands(&ctx.http, commands::definitions()).await {
            Ok(_) => tracing::debug!(guild = %guild.id, "slash commands registered"),
            Err(error) => tracing::warn!(%error, guild = %guild.id, "could not register slash commands"),
        }
        let existing: Vec<_> = guild.channels.keys().map(|c| from::channel(*c)).collect();
        match desk.reconcile(from::guild(guild.id), &existing).await {
            Ok(closed) if !closed.is_empty() => {
                tracing::info!(guild = %guild.id, closed = closed.len(), "closed tickets whose channels are gone")
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "could not reconcile tickets with channels"),
        }
        match desk.silent_ping_roles(from::guild(guild.id)).await {
            Ok(silent) => {
                for role in silent {
                    tracing::warn!(
                        guild = %guild.id,
                        %role,
                        "pings to this role notify no one: it is not mentionable and the bot lacks Mention Everyone \
                         (turn on \"Allow anyone to @mention this role\", or grant the permission)"
                    );
                }
            }
            Err(error) => tracing::warn!(%error, "could not check the ping roles"),
        }
        // The outbox itself is resumed by the loop started at READY (its first run is immediate).
    }

    async fn message(&self, ctx: Context, message: DiscordMessage) {
        if self.ordered.was_taken(message.id, Change::Posted) {
            return;
        }
        let Some(incoming) = Incoming::from_message(self.guilds(), &message) else { return };
        let Some(desk) = self.desk() else { return };
        handle_message(&ctx, &desk, &incoming).await;
    }

    async fn message_update(
        &self,
        ctx: Context,
        _old: Option<DiscordMessage>,
        _new: Option<DiscordMessage>,
        event: MessageUpdateEvent,
    ) {
        if self.ordered.was_taken(event.id, Change::edited(&event)) {
            return;
        }
        let Some(incoming) = Incoming::from_update(&event) else { return };
        let Some(desk) = self.desk() else { return };
        handle_message(&ctx, &desk, &incoming).await;
    }

    async fn message_delete(
        &self,
        ctx: Context,
        channel: ChannelId,
        message: serenity::all::MessageId,
        guild: Option<serenity::all::GuildId>,
    ) {
        if self.ordered.was_taken(message, Change::Deleted) {
            return;
        }
        let Some(incoming) = Incoming::from_delete(channel, message, guild) else { return };
        let Some(desk) = self.desk() else { return };
        handle_message(&ctx, &desk, &incoming).await;
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        let Some(desk) = self.desk() else { return };
        match &interaction {
            Interaction::Component(i) => interactions::component(&ctx, &desk, i).await,
            Interaction::Modal(i) => interactions::modal(&ctx, &desk, i).await,
            Interaction::Command(i) => interactions::command(&ctx, &desk, i).await,
            Interaction::Autocomplete(i) => interactions::autocomplete(&ctx, &desk, i).await,
            _ => {}
        }
    }

    async fn guild_update(&self, _ctx: Context, _old: Option<Guild>, guild: PartialGuild) {
        self.unless_taken(ViewChange::GuildUpdated(guild.id), |v| v.guild_updated(&guild));
    }

    async fn guild_delete(&self, _ctx: Context, guild: UnavailableGuild, _full: Option<Guild>) {
        self.unless_taken(ViewChange::GuildDeleted(guild.id), |v| v.guild_deleted(guild.id));
    }

    async fn channel_create(&self, _ctx: Context, channel: GuildChannel) {
        self.unless_taken(ViewChange::ChannelCreated(channel.id), |v| v.channel_created(&channel));
    }

    async fn category_create(&self, _ctx: Context, category: GuildChannel) {
        self.unless_taken(ViewChange::ChannelCreated(category.id), |v| v.channel_created(&category));
    }

    async fn channel_update(&self, _ctx: Context, _old: Option<GuildChannel>, channel: GuildChannel) {
        self.unless_taken(ViewChange::ChannelUpdated(channel.id), |v| v.channel_updated(&channel));
    }

    async fn category_delete(&self, _ctx: Context, category: GuildChannel) {
        self.unless_taken(ViewChange::ChannelDeleted(category.id), |v| v.channel_deleted(&category));
    }

    async fn guild_role_create(&self, _ctx: Context, role: Role) {
        self.unless_taken(ViewChange::RoleCreated(role.id), |v| v.role_created(&role));
    }

    async fn guild_role_update(&self, _ctx: Context, _old: Option<Role>, role: Role) {
        self.unless_taken(ViewChange::RoleUpdated(role.id), |v| v.role_updated(&role));
    }

    async fn guild_role_delete(&self, _ctx: Context, guild: GuildId, role: RoleId, _old: Option<Role>) {
        self.unless_taken(ViewChange::RoleDeleted(role), |v| v.role_deleted(guild, role));
    }

    async fn guild_member_update(
        &self,
        _ctx: Context,
        _old: Option<Member>,
        _new: Option<Member>,
        event: GuildMemberUpdateEvent,
    ) {
        let change = ViewChange::MemberUpdated(event.guild_id, event.user.id);
        self.unless_taken(change, |v| v.member_updated(event.guild_id, event.user.id, &event.roles));
    }

    async fn channel_delete(&self, _ctx: Context, channel: GuildChannel, _messages: Option<Vec<DiscordMessage>>) {
        self.unless_taken(ViewChange::ChannelDeleted(channel.id), |v| v.channel_deleted(&channel));
        let Some(desk) = self.desk() else { return };
        match desk.channel_deleted(from::channel(channel.id)).await {
            Ok(Some(_)) => {}
            // Not a ticket's channel: still room for a ticket waiting in line (the guild at Discord's cap).
            Ok(None) => {
                if let Err(error) = desk.room_made(from::guild(channel.guild_id)).await {
                    tracing::warn!(%error, "could not let a waiting ticket try for the freed channel");
                }
            }
            Err(error) => tracing::warn!(%error, "could not close the ticket of a deleted channel"),
        }
    }
}

/// Which gateway event about a message.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Change {
    /// `MESSAGE_CREATE`.
    Posted,
    /// `MESSAGE_UPDATE`, with the edit's time, so that two edits of one message are two events.
    Edited(Option<String>),
    /// `MESSAGE_DELETE`.
    Deleted,
}

/// What the desk needs of a guild message event: far smaller than serenity's `Message`, so a burst of thousands
/// waiting in their channels' lanes (see [`crate::ordered`]) holds little memory. Edits and deletions go through
/// the same lanes as posts, so a message's edit never reaches the desk before the message.
pub(crate) enum Incoming {
    /// A member wrote.
    Posted {
        /// Where.
        channel: ChannelId,
        /// Who, with their roles and permissions as the message arrived.
        actor: ticket_core::Actor,
        /// What.
        post: ChannelPost,
    },
    /// A member edited their message.
    Edited {
        /// Where.
        channel: ChannelId,
        /// Which message.
        message: serenity::all::MessageId,
        /// Its new text.
        text: String,
    },
    /// A message was deleted.
    Deleted {
        /// Where.
        channel: ChannelId,
        /// Which message.
        message: serenity::all::MessageId,
    },
    /// The channel's messages posted while the bot was away are to be read (see [`crate::catch_up`]).
    CatchUp(CatchUp),
}

impl Change {
    /// The change an update event makes.
    pub(crate) fn edited(event: &MessageUpdateEvent) -> Self {
        Self::Edited(event.edited_timestamp.and_then(|t| t.to_rfc3339()))
    }
}

impl Incoming {
    /// The message as the desk sees it: `None` for what the desk never handles (the bot's own posts, webhooks', and
    /// anything outside a guild). The author's permissions are worked out from the guild view now, as the message
    /// arrives.
    pub(crate) fn from_message(guilds: &GuildView, message: &DiscordMessage) -> Option<Self> {
        if message.author.bot || message.webhook_id.is_some() {
            return None;
        }
        let guild = message.guild_id?;
        let actor = actor::from_message(guilds, from::guild(guild), message);
        Some(Self::Posted { channel: message.channel_id, actor, post: channel_post(message) })
    }

    /// An edit of a member's message in a guild; `None` for the bot's own edits, webhooks', and updates that change
    /// no text (Discord sends one when a link's embed appears).
    pub(crate) fn from_update(event: &MessageUpdateEvent) -> Option<Self> {
        event.guild_id?;
        if event.author.as_ref().is_some_and(|a| a.bot) || event.webhook_id.flatten().is_some() {
            return None;
        }
        let text = event.content.clone()?;
        Some(Self::Edited { channel: event.channel_id, message: event.id, text })
    }

    /// A deletion in a guild.
    pub(crate) fn from_delete(
        channel: ChannelId,
        message: serenity::all::MessageId,
        guild: Option<serenity::all::GuildId>,
    ) -> Option<Self> {
        guild.map(|_| Self::Deleted { channel, message })
    }

    /// The channel it happened in.
    pub(crate) fn channel(&self) -> ChannelId {
        match self {
            Self::Posted { channel, .. } | Self::Edited { channel, .. } | Self::Deleted { channel, .. } => *channel,
            Self::CatchUp(job) => job.channel(),
        }
    }
}

/// Hands a guild message event to the desk (a staff reply in a ticket channel, a player-visible message, the Q&A
/// reopen prefix command, an edit or a deletion for the transcript). Called in gateway order per channel (see
/// [`crate::ordered`]). Returns `false` for a message the desk left alone because no open ticket has its channel.
pub(crate) async fn handle_message(ctx: &Context, desk: &Desk, message: &Incoming) -> bool {
    let (channel, actor, post) = match message {
        Incoming::Posted { channel, actor, post } => (channel, actor, post),
        Incoming::Edited { channel, message, text } => {
            if let Err(error) = desk.message_edited(from::channel(*channel), from::message(*message), text).await {
                tracing::warn!(%error, "an edited ticket message could not be kept in its transcript");
            }
            return true;
        }
        Incoming::Deleted { channel, message } => {
            if let Err(error) = desk.message_deleted(from::channel(*channel), from::message(*message)).await {
                tracing::warn!(%error, "a deleted ticket message could not be marked in its transcript");
            }
            return true;
        }
        // Run by the lane itself, which holds what it needs.
        Incoming::CatchUp(_) => return true,
    };
    if post.content.trim() == REOPEN_QNA_PREFIX_COMMAND {
        interactions::reopen_by_prefix(ctx, desk, *channel, actor).await;
        return true;
    }
    match desk.channel_post(from::channel(*channel), actor, post).await {
        Ok(MessageOutcome::NotATicket) => return false,
        Ok(_) => {}
        Err(DeskError::Invalid { problem: Problem::Empty, .. }) => {}
        Err(DeskError::NotPermitted { .. }) => {
            let note = ticket_core::Message::text(
                "Only staff replies are whispered to the player; this message was not sent.",
            );
            if let Err(error) = channel.send_message(&ctx.http, convert::create_message(&note)).await {
                tracing::warn!(%error, "could not explain a refused relay");
            }
        }
        Err(error) => tracing::warn!(%error, "a ticket message could not be handled"),
    }
    true
}

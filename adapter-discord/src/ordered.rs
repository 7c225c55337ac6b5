//! Messages of one channel handed to the desk in the order Discord sent them.
//!
//! serenity runs every event handler call on a task of its own, and tokio may start the later of two tasks first:
//! two staff replies typed quickly in one ticket channel would race to the desk, and their commits decide the order
//! the player reads them in. What serenity does call in gateway order is a *collector*: a callback the shard
//! runner calls for each event, on its own task, before dispatching it. The collector registered here puts each
//! guild message into its channel's lane ([`ticket_core::lanes::Lanes`]); a lane's runner hands its messages to the
//! desk one at a time, and different channels go side by side, so a slow channel holds up only its own ticket.
//!
//! The same collector keeps the [`GuildView`] up to date, also in gateway order, before any handler runs: a message's
//! author's permissions are worked out from the channels and roles as they were when the message came.
//!
//! Each shard runner gets the collector when it reports `READY`. A message its shard delivered before that (the
//! moment between connecting and `READY` being handled) is not taken by a collector, and the event handler handles
//! it directly, as before.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard};

use serenity::all::{ChannelId, CollectorCallback, Context, Event, Guild, MessageId};
use ticket_core::Desk;
use ticket_core::desk::ChannelPost;
use ticket_core::lanes::Lanes;

use crate::catch_up::{self, CaughtUp, GatewayWatermark};
use crate::convert::to;
use crate::guilds::GuildView;
use crate::handler::{Change, Incoming};

/// The lanes of the ticket channels, and the messages the collector took.
pub(crate) struct OrderedMessages {
    guilds: Arc<GuildView>,
    lanes: Lanes<ChannelId, Incoming>,
    /// Message events a collector put into a lane, until the event handler's own call for them has seen that.
    taken: Mutex<HashSet<(MessageId, Change)>>,
    /// When the bot last heard from Discord: every event the collector sees moves it.
    watermark: Arc<GatewayWatermark>,
    /// Messages a catch-up handled that may still arrive live.
    caught_up: CaughtUp,
}

impl OrderedMessages {
    /// No lanes yet; the collector will keep `guilds` up to date.
    pub(crate) fn new(guilds: Arc<GuildView>, watermark: Arc<GatewayWatermark>) -> Self {
        Self { guilds, lanes: Lanes::default(), taken: Mutex::default(), watermark, caught_up: CaughtUp::default() }
    }

    /// The guild view the collector keeps.
    pub(crate) fn guilds(&self) -> &Arc<GuildView> {
        &self.guilds
    }

    fn taken(&self) -> MutexGuard<'_, HashSet<(MessageId, Change)>> {
        // Plain set operations under the lock: a poisoned lock still guards a consistent set.
        self.taken.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Registers the collector on the shard runner of `ctx` (at its `READY`).
    pub(crate) fn collect(self: &Arc<Self>, ctx: &Context, desk: Arc<Desk>) {
        let (me, ctx2) = (self.clone(), ctx.clone());
        ctx.shard.add_collector(CollectorCallback(Box::new(move |event| {
            match event {
                // The first event of a session (when this collector outlived the previous one).
                Event::Ready(ready) => {
                    me.watermark.session_ready(&ready.ready.session_id, time::OffsetDateTime::now_utc())
                }
                Event::MessageCreate(created) => me.watermark.delivered(created.message.id),
                _ => {}
            }
            if me.guilds.take(event).is_some() {
                if let Event::GuildCreate(created) = event {
                    me.catch_up(&ctx2, &desk, &created.guild);
                }
                return true;
            }
            let taken = match event {
                Event::MessageCreate(created) => Incoming::from_message(&me.guilds, &created.message)
                    .map(|i| (created.message.id, Change::Posted, i)),
                Event::MessageUpdate(updated) => {
                    Incoming::from_update(updated).map(|i| (updated.id, Change::edited(updated), i))
                }
                Event::MessageDelete(deleted) => {
                    Incoming::from_delete(deleted.channel_id, deleted.message_id, deleted.guild_id)
                        .map(|i| (deleted.message_id, Change::Deleted, i))
                }
                _ => None,
            };
            if let Some((message, change, incoming)) = taken {
                me.take(&ctx2, &desk, message, change, incoming);
            }
            true
        })));
    }

    /// Puts a message event into its channel's lane (once, however many collectors see it), starting the lane's
    /// runner if it was idle. Runs on the shard runner's task: it never waits. The bot's own posts and webhooks'
    /// come back as events too (one per post the bot makes): [`Incoming`] leaves them out, so they need no lane
    /// (nor a task each).
    fn take(self: &Arc<Self>, ctx: &Context, desk: &Arc<Desk>, message: MessageId, change: Change, incoming: Incoming) {
        if !self.taken().insert((message, change)) {
            return;
        }
        self.push(ctx, desk, incoming);
    }

    /// Puts a guild's catch-ups (see [`crate::catch_up`]) into their channels' lanes, ahead of anything the session
    /// delivers for those channels after the guild's arrival.
    pub(crate) fn catch_up(self: &Arc<Self>, ctx: &Context, desk: &Arc<Desk>, guild: &Guild) {
        let wanted = catch_up::for_guild(&self.watermark, guild);
        if !wanted.is_empty() {
            tracing::debug!(guild = %guild.id, channels = wanted.len(), "reading channels with messages since the bot last heard from Discord");
        }
        for job in wanted {
            self.push(ctx, desk, Incoming::CatchUp(job));
        }
    }

    fn push(self: &Arc<Self>, ctx: &Context, desk: &Arc<Desk>, incoming: Incoming) {
        let channel = incoming.channel();
        if let Some(first) = self.lanes.push(channel, incoming) {
            let (me, ctx, desk) = (self.clone(), ctx.clone(), desk.clone());
            tokio::spawn(async move {
                let mut next = Some(first);
                while let Some(message) = next {
                    me.handle(&ctx, &desk, message).await;
                    next = me.lanes.next(&channel);
                }
            });
        }
    }

    async fn handle(&self, ctx: &Context, desk: &Desk, incoming: Incoming) {
        match incoming {
            Incoming::CatchUp(job) => {
                let ok = catch_up::run(ctx, desk, &self.guilds, &self.watermark, &self.caught_up, job).await;
                self.watermark.finished(ok);
            }
            Incoming::Posted { post: ChannelPost { message: Some(id), .. }, .. }
                if self.caught_up.take(to::message(id)) => {}
            other => {
                let taken = crate::handler::handle_message(ctx, desk, &other).await;
                if let Incoming::Posted { channel, actor, .. } = &other
                    && !taken
                    && catch_up::wait_for_ticket_channel(desk, &self.guilds, to::guild(actor.guild), *channel).await
                {
                    crate::handler::handle_message(ctx, desk, &other).await;
                }
            }
        }
    }

    /// Whether a collector took this message event (the event handler then leaves it to the lane); forgets it.
    pub(crate) fn was_taken(&self, message: MessageId, change: Change) -> bool {
        self.taken().remove(&(message, change))
    }
}

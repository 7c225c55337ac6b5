//! Messages of one channel handed to the desk in the order Discord sent them.
//!
//! serenity runs every event handler call on a task of its own, and tokio may start the later of two tasks first:
//! two staff replies typed quickly in one ticket channel would race to the desk, and their commits decide the order
//! the player reads them in. What serenity does call in gateway order is a *collector*: a callback the shard
//! runner calls for each event, on its own task, before dispatching it. The collector registered here puts each
//! guild message into its channel's lane ([`ticket_core::lanes::Lanes`]); a lane's runner hands its messages to the
//! desk one at a time, and different channels go side by side, so a slow channel holds up only its own ticket.
//!
//! Each shard runner gets the collector when it reports `READY`. A message its shard delivered before that (the
//! moment between connecting and `READY` being handled) is not taken by a collector, and the event handler handles
//! it directly, as before.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard};

use serenity::all::{ChannelId, CollectorCallback, Context, Event, Message, MessageId};
use ticket_core::Desk;
use ticket_core::lanes::Lanes;

use crate::handler::Incoming;

/// The lanes of the ticket channels, and the messages the collector took.
#[derive(Default)]
pub(crate) struct OrderedMessages {
    lanes: Lanes<ChannelId, Incoming>,
    /// Messages a collector put into a lane, until the event handler's own call for them has seen that.
    taken: Mutex<HashSet<MessageId>>,
}

impl OrderedMessages {
    fn taken(&self) -> MutexGuard<'_, HashSet<MessageId>> {
        // Plain set operations under the lock: a poisoned lock still guards a consistent set.
        self.taken.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Registers the collector on the shard runner of `ctx` (at its `READY`).
    pub(crate) fn collect(self: &Arc<Self>, ctx: &Context, desk: Arc<Desk>) {
        let (me, ctx2) = (self.clone(), ctx.clone());
        ctx.shard.add_collector(CollectorCallback(Box::new(move |event| {
            if let Event::MessageCreate(created) = event {
                me.take(&ctx2, &desk, &created.message);
            }
            true
        })));
    }

    /// Puts a message into its channel's lane (once, however many collectors see it), starting the lane's runner
    /// if it was idle. Runs on the shard runner's task: it never waits.
    fn take(self: &Arc<Self>, ctx: &Context, desk: &Arc<Desk>, message: &Message) {
        // The bot's own posts and webhooks' come back as events too (one per post the bot makes): the handler drops
        // them, so they need no lane (nor a task each).
        let Some(incoming) = Incoming::from_message(ctx, message) else { return };
        if !self.taken().insert(message.id) {
            return;
        }
        let channel = message.channel_id;
        if let Some(first) = self.lanes.push(channel, incoming) {
            let (me, ctx, desk) = (self.clone(), ctx.clone(), desk.clone());
            tokio::spawn(async move {
                let mut next = Some(first);
                while let Some(message) = next {
                    crate::handler::handle_message(&ctx, &desk, &message).await;
                    next = me.lanes.next(&channel);
                }
            });
        }
    }

    /// Whether a collector took this message (the event handler then leaves it to the lane); forgets it.
    pub(crate) fn was_taken(&self, message: MessageId) -> bool {
        self.taken().remove(&message)
    }
}

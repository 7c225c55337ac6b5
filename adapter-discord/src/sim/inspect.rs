//! Inspecting the fake: channels, messages, DMs, members, roles, commands, interactions, the
//! request log and violations; and waiting for a condition.

use std::time::Duration;

use serde_json::Value;

use super::interactions::Interaction;
use super::shared::lock;
use super::world::{AttachmentState, ChannelState, MemberState, MessageState, RoleState, World};
use super::{FakeDiscord, RecordedRequest, payload};

impl FakeDiscord {
    /// A channel (guild channel, category or DM).
    pub fn channel(&self, id: u64) -> Option<ChannelState> {
        self.shared.read(|w| w.channels.get(&id).cloned())
    }

    /// A guild's channels, sorted by position.
    pub fn channels(&self, guild: u64) -> Vec<ChannelState> {
        self.shared.read(|w| w.guild_channels(guild).into_iter().cloned().collect())
    }

    /// A channel's messages, oldest first (ephemeral interaction replies are not in channels).
    pub fn messages(&self, channel: u64) -> Vec<MessageState> {
        self.shared.read(|w| w.channel_messages(channel).map(|m| m.state.clone()).collect())
    }

    /// The roles a message notifies (see Discord's rules in [`notified_roles`](super::payload)): a role mention
    /// shows in the text whether or not anyone is told.
    pub fn notified_roles(&self, message: &MessageState) -> Vec<u64> {
        self.shared.read(|w| super::payload::notified_roles(w, message))
    }

    /// What the bot DMed this user, oldest first.
    pub fn dms(&self, user: u64) -> Vec<MessageState> {
        self.shared.read(|w| {
            let Some(dm) = w.dm_channel_of(user) else {
                return Vec::new();
            };
            w.channel_messages(dm.id).filter(|m| m.state.author == w.bot_id).map(|m| m.state.clone()).collect()
        })
    }

    /// A member of a guild.
    pub fn member(&self, guild: u64, user: u64) -> Option<MemberState> {
        self.shared.read(|w| w.member(guild, user).ok().cloned())
    }

    /// A guild's roles, lowest first.
    pub fn roles(&self, guild: u64) -> Vec<RoleState> {
        self.shared.read(|w| {
            w.guilds.get(&guild).map(|g| g.roles_by_position().into_iter().cloned().collect()).unwrap_or_default()
        })
    }

    /// Registered application commands (global and guild), as Discord returns them.
    pub fn commands(&self) -> Vec<Value> {
        self.shared.read(|w| w.commands.iter().map(|c| payload::command(w, c)).collect())
    }

    /// The latest state of an interaction (answers that arrived after the test API returned
    /// included).
    pub fn interaction(&self, id: u64) -> Option<Interaction> {
        self.shared.read(|w| w.interactions.get(&id).map(|r| r.view()))
    }

    /// The message an interaction's answer is, as it stands now (after edits of `@original`): the reply of a type-4
    /// answer, or of a deferred one (type 5) with what the bot edited into it, ephemeral replies included (they are
    /// in no channel); for an update (types 6 and 7), the message the component sits on. `None` before the bot
    /// answered, for a modal, or once the message was deleted.
    pub fn response_message(&self, interaction: u64) -> Option<MessageState> {
        self.shared.read(|w| {
            let record = w.interactions.get(&interaction)?;
            super::rest::original_response(record).and_then(|id| stored_state(w, id))
        })
    }

    /// Every file the bot answered an interaction with, bytes included: the attachments of its reply as it stands
    /// now ([`FakeDiscord::response_message`]), then those of each followup still there, in order. This is how a
    /// test reads the file of an ephemeral reply, deferred and then edited with the file.
    pub fn response_attachments(&self, interaction: u64) -> Vec<AttachmentState> {
        self.shared.read(|w| {
            let Some(record) = w.interactions.get(&interaction) else { return Vec::new() };
            let original = super::rest::original_response(record);
            let followups = record.webhook_messages.iter().copied().filter(|id| Some(*id) != original);
            original
                .into_iter()
                .chain(followups)
                .filter_map(|id| stored_state(w, id))
                .flat_map(|m| m.attachments)
                .collect()
        })
    }

    /// Every REST request served so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.requests).clone()
    }

    /// The requests served after the first `skip` ([`FakeDiscord::requests`] from `skip` on, without copying the
    /// ones before): how a long run follows the log.
    pub fn requests_since(&self, skip: usize) -> Vec<RecordedRequest> {
        lock(&self.shared.requests).get(skip..).map(<[RecordedRequest]>::to_vec).unwrap_or_default()
    }

    /// How many requests the fake served.
    pub fn request_count(&self) -> usize {
        lock(&self.shared.requests).len()
    }

    /// How many of the requests served after the first `skip` were refused for a rate limit (`429`).
    pub fn rate_limited_since(&self, skip: usize) -> usize {
        lock(&self.shared.requests).get(skip..).map_or(0, |served| served.iter().filter(|r| r.status == 429).count())
    }

    /// Schema and serenity mismatches, protocol errors, and test actions a real user could not
    /// have done. Tests assert it is empty.
    pub fn violations(&self) -> Vec<String> {
        self.shared.violations()
    }

    /// Whether a bot is connected and identified on the gateway.
    pub fn is_connected(&self) -> bool {
        self.shared.hub.connected()
    }

    /// Every message posted from now on (by the bot or by a test's people), in the order the fake took them, with
    /// the time it took each: for measuring how long a relay takes without polling.
    pub fn message_feed(&self) -> tokio::sync::mpsc::UnboundedReceiver<super::PostedMessage> {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        super::shared::lock(&self.shared.feeds).push(tx);
        rx
    }

    /// Waits until `check` holds, re-checking on every change of the fake (world, requests,
    /// connections); `false` after `timeout`.
    pub async fn wait_for(&self, timeout: Duration, check: impl Fn(&FakeDiscord) -> bool) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut changes = self.shared.subscribe();
        loop {
            changes.borrow_and_update();
            if check(self) {
                return true;
            }
            match tokio::time::timeout_at(deadline, changes.changed()).await {
                Ok(Ok(())) => {}
                // The sender lives as long as `self`; a timeout ends the wait.
                Ok(Err(_)) | Err(_) => return check(self),
            }
        }
    }
}

/// A message of a channel, or an ephemeral one, as it stands.
fn stored_state(w: &World, id: u64) -> Option<MessageState> {
    w.messages.get(&id).or_else(|| w.ephemeral.get(&id)).map(|m| m.state.clone())
}

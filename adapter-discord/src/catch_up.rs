//! Catching up, at each connection, with messages posted in ticket channels while the bot was away.
//!
//! Discord delivers a message to the gateway sessions connected when it is posted, and never again. A staff reply
//! written while no process of the bot holds a session (a crash, a restart, the second before a standby takes over)
//! would never reach the player, nor the transcript. So the bot keeps, in the store, the newest message it was
//! delivered ([`GatewayWatermark`]: the time in that message's id, Discord's own clock, so the machine's clock does
//! not matter; saved every [`SAVE_EVERY`] and when the bot stops). When a guild arrives (`GUILD_CREATE`), each of its
//! text channels whose last message is newer than that, less [`DELIVERY_MARGIN`], gets a catch-up in its lane, ahead
//! of any message the new session delivers for it:
//!
//! 1. the desk says whether the channel is an open ticket's, and which messages its transcript holds;
//! 2. the channel's history after that time is read (oldest first, [`PAGE`] at a time, at most [`MAX_PAGES`]);
//! 3. each member's message the ticket has not recorded goes through the same path as a live one (a reply
//!    whispered to the player, a line in the transcript), in the order it was written, with the author's roles
//!    read from Discord (a listed message carries no member).
//!
//! A message the new session also delivers live (posted while its history was being read) comes later in the same
//! lane; the lane skips it, having handled it already. While a session's catch-ups are under way (or if one
//! failed), the watermark saved does not move past where they started, so a crash meanwhile loses nothing either.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serenity::all::{ChannelId, ChannelType, Context, GetMessages, Guild, GuildId, Member, MessageId, UserId};
use ticket_core::Desk;
use time::OffsetDateTime;
use tokio::sync::watch;

use crate::actor;
use crate::convert::from;
use crate::guilds::GuildView;
use crate::handler::{Incoming, channel_post, handle_message};

/// How often the watermark is saved while the bot runs. A process killed outright loses at most this much of it:
/// its successor then reads a little more history than it needs, never less.
pub const SAVE_EVERY: Duration = Duration::from_secs(10);

/// How far out of their ids' order Discord may deliver messages of different channels: channels with a message
/// within this of the watermark are read again (the messages recorded already are skipped).
pub const DELIVERY_MARGIN: time::Duration = time::Duration::seconds(2);

/// How far apart the machine's clock and Discord's may be, where they are compared: a message made this long before
/// a session's `READY` is not expected live.
const CLOCK_MARGIN: time::Duration = time::Duration::seconds(10);

/// Messages read per history call (Discord's most).
pub const PAGE: u8 = 100;

/// History calls per channel and catch-up at most: a channel with more unread messages than this keeps the oldest
/// of them and says so in the log.
pub const MAX_PAGES: usize = 20;

/// How long a message in a channel whose ticket is still being recorded (see [`wait_for_ticket_channel`]) waits.
pub const CREATION_WAIT: Duration = Duration::from_secs(30);

/// How often the desk is asked meanwhile.
const CREATION_POLL: Duration = Duration::from_millis(250);

/// Discord's epoch (the first second of 2015), in Unix milliseconds: message ids count from it.
const DISCORD_EPOCH_MS: i128 = 1_420_070_400_000;

/// The time a Discord id was made at.
pub(crate) fn id_time(id: u64) -> OffsetDateTime {
    let ms = i128::from(id >> 22) + DISCORD_EPOCH_MS;
    OffsetDateTime::from_unix_timestamp_nanos(ms * 1_000_000).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// The smallest Discord id made at `at` or later (an `after` bound for the history made before it).
pub(crate) fn id_at(at: OffsetDateTime) -> u64 {
    let ms = at.unix_timestamp_nanos() / 1_000_000 - DISCORD_EPOCH_MS;
    u64::try_from(ms.max(0)).map_or(u64::MAX, |ms| ms.checked_shl(22).unwrap_or(u64::MAX))
}

/// The newest message the bot was delivered, and what the current session catches up from.
#[derive(Debug, Default)]
pub(crate) struct GatewayWatermark {
    state: Mutex<Mark>,
}

#[derive(Debug, Default)]
struct Mark {
    /// The time in the newest message id delivered (or the store's time until one arrives).
    heard: Option<OffsetDateTime>,
    /// The last time saved in the store.
    saved: Option<OffsetDateTime>,
    /// What the current session catches up from: `heard` as its `READY` came.
    since: Option<OffsetDateTime>,
    /// When the current session's `READY` came (the machine's clock): a message made well before it cannot also
    /// arrive live.
    ready_at: Option<OffsetDateTime>,
    /// The current session.
    session: Option<String>,
    /// The session's catch-ups not finished yet.
    pending: usize,
    /// Whether one of them failed: the watermark then stays where they started until the next start.
    failed: bool,
}

impl GatewayWatermark {
    fn lock(&self) -> MutexGuard<'_, Mark> {
        // Plain assignments under the lock: a poisoned lock still guards consistent values.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Starts from the time the store kept (by this process's predecessor).
    pub(crate) fn restore(&self, saved: Option<OffsetDateTime>) {
        let mut mark = self.lock();
        mark.heard = saved;
        mark.saved = saved;
    }

    /// A session's `READY` came at `now`: it catches up from the newest message delivered before it. Both the
    /// collector and the event handler may report one `READY`; the first report counts. A deployment's first
    /// connection ever has nothing to catch up with: its watermark starts now.
    pub(crate) fn session_ready(&self, session: &str, now: OffsetDateTime) {
        let mut mark = self.lock();
        if mark.session.as_deref() == Some(session) {
            return;
        }
        mark.session = Some(session.to_owned());
        mark.since = mark.heard;
        mark.ready_at = Some(now);
        mark.heard.get_or_insert(now);
    }

    /// A message was delivered (`MESSAGE_CREATE`, the bot's own posts included).
    pub(crate) fn delivered(&self, message: MessageId) {
        let at = id_time(message.get());
        let mut mark = self.lock();
        if mark.heard.is_none_or(|heard| heard < at) {
            mark.heard = Some(at);
        }
    }

    /// Messages made after this were never delivered to the bot (with [`DELIVERY_MARGIN`]); `None` before the
    /// first connection ever (nothing to catch up with).
    fn catch_up_from(&self) -> Option<OffsetDateTime> {
        self.lock().since.map(|since| since - DELIVERY_MARGIN)
    }

    /// `count` catch-ups were put into lanes.
    fn queued(&self, count: usize) {
        self.lock().pending += count;
    }

    /// A catch-up finished (`ok`: every message it found was handed to the desk).
    pub(crate) fn finished(&self, ok: bool) {
        let mut mark = self.lock();
        mark.pending = mark.pending.saturating_sub(1);
        mark.failed |= !ok;
    }

    /// Whether the current session may also deliver this message live.
    fn may_arrive_live(&self, message: MessageId) -> bool {
        self.lock().ready_at.is_none_or(|ready| id_time(message.get()) >= ready - CLOCK_MARGIN)
    }

    /// What may be saved now: the newest message delivered, but not past where unfinished (or failed) catch-ups
    /// started.
    fn to_save(&self) -> Option<OffsetDateTime> {
        let mark = self.lock();
        let heard = mark.heard?;
        let value = match mark.since {
            Some(since) if mark.pending > 0 || mark.failed => heard.min(since),
            _ => heard,
        };
        (mark.saved != Some(value)).then_some(value)
    }

    /// Saves the watermark, if it moved since the last save.
    pub(crate) async fn save(&self, desk: &Desk) {
        let Some(value) = self.to_save() else { return };
        match desk.record_gateway_seen(value).await {
            Ok(()) => self.lock().saved = Some(value),
            Err(error) => tracing::warn!(%error, "could not save the newest message the bot was delivered"),
        }
    }

    /// Saves now (a process killed in its first seconds still leaves its successor a watermark), then every
    /// [`SAVE_EVERY`] until the bot stops (the stopper saves the last one itself).
    pub(crate) async fn keep_saving(self: Arc<Self>, desk: Arc<Desk>, mut stopped: watch::Receiver<bool>) {
        self.save(&desk).await;
        while !*stopped.borrow() {
            tokio::select! {
                _ = tokio::time::sleep(SAVE_EVERY) => self.save(&desk).await,
                changed = stopped.changed() => {
                    if changed.is_err() {
                        return;
                    }
                }
            }
        }
    }
}

/// A channel's catch-up, waiting in its lane.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CatchUp {
    guild: GuildId,
    channel: ChannelId,
    /// Read the history after this id.
    after: MessageId,
    /// The channel's last message as the guild arrived: nothing to read if the ticket recorded it.
    last: MessageId,
}

impl CatchUp {
    /// The channel it reads.
    pub(crate) fn channel(&self) -> ChannelId {
        self.channel
    }
}

/// The catch-ups a guild's arrival calls for: its text channels with a message since the watermark.
pub(crate) fn for_guild(watermark: &GatewayWatermark, guild: &Guild) -> Vec<CatchUp> {
    let Some(from) = watermark.catch_up_from() else { return Vec::new() };
    let after = MessageId::new(id_at(from).max(1));
    let mut wanted: Vec<CatchUp> = guild
        .channels
        .values()
        .filter(|c| c.kind == ChannelType::Text)
        .filter_map(|c| {
            let last = c.last_message_id?;
            (last > after).then_some(CatchUp { guild: guild.id, channel: c.id, after, last })
        })
        .collect();
    wanted.sort_by_key(|c| c.channel);
    watermark.queued(wanted.len());
    wanted
}

/// Messages the catch-ups handled that the session may still deliver live (the lane then skips them).
#[derive(Debug, Default)]
pub(crate) struct CaughtUp {
    ids: Mutex<HashSet<MessageId>>,
}

impl CaughtUp {
    fn ids(&self) -> MutexGuard<'_, HashSet<MessageId>> {
        // Plain set operations under the lock: a poisoned lock still guards a consistent set.
        self.ids.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Whether a catch-up handled this message already; forgets it (it arrives live once).
    pub(crate) fn take(&self, message: MessageId) -> bool {
        self.ids().remove(&message)
    }
}

/// Waits while `channel`'s topic names (its `TID:` marker) an open ticket that has not recorded a channel yet:
/// Discord made the channel, and the bot has not marked that done (it is busy, or a crash came in between and the
/// replayed creation finds the channel by its marker). `true` once the ticket has recorded `channel`; `false` at
/// once for any other channel, or after [`CREATION_WAIT`]. Messages written there meanwhile wait in the channel's
/// lane instead of being left alone.
pub(crate) async fn wait_for_ticket_channel(
    desk: &Desk,
    guilds: &GuildView,
    guild: GuildId,
    channel: ChannelId,
) -> bool {
    let Some(ticket) = guilds.marked_ticket(guild, channel) else { return false };
    let deadline = tokio::time::Instant::now() + CREATION_WAIT;
    // One ticket read per look; whether it took this channel is read once, when it stops waiting for one.
    while desk.awaits_channel(ticket).await.unwrap_or(false) {
        if tokio::time::Instant::now() >= deadline {
            tracing::warn!(%channel, %ticket, "a ticket never recorded the channel made for it; its messages were left alone");
            return false;
        }
        tokio::time::sleep(CREATION_POLL).await;
    }
    match desk.recorded_messages(from::channel(channel)).await {
        Ok(found) => found.is_some(),
        Err(error) => {
            tracing::warn!(%error, %channel, "could not look for a ticket's channel");
            false
        }
    }
}

/// Runs one channel's catch-up (in its lane); `false` if what it had to read could not be read (the caller tells
/// the watermark, which then stays put).
pub(crate) async fn run(
    ctx: &Context,
    desk: &Desk,
    guilds: &GuildView,
    watermark: &GatewayWatermark,
    caught_up: &CaughtUp,
    job: CatchUp,
) -> bool {
    let mut recorded = desk.recorded_messages(from::channel(job.channel)).await;
    if matches!(recorded, Ok(None)) && wait_for_ticket_channel(desk, guilds, job.guild, job.channel).await {
        recorded = desk.recorded_messages(from::channel(job.channel)).await;
    }
    let recorded = match recorded {
        Ok(Some(recorded)) => recorded,
        Ok(None) => return true,
        Err(error) => {
            tracing::warn!(%error, channel = %job.channel, "could not read what a ticket recorded; its channel's missed messages are not caught up");
            return false;
        }
    };
    if recorded.contains(from::message(job.last)) {
        return true;
    }
    let Some(history) = read_history(ctx, job).await else { return false };
    let mut members: HashMap<UserId, Option<Member>> = HashMap::new();
    let mut handled = 0_usize;
    for message in history {
        if message.author.bot || message.webhook_id.is_some() || recorded.contains(from::message(message.id)) {
            continue;
        }
        let member = match members.get(&message.author.id) {
            Some(member) => member.clone(),
            None => {
                let member = match ctx.http.get_member(job.guild, message.author.id).await {
                    Ok(member) => Some(member),
                    Err(error) => {
                        // Left the guild, or Discord is unwell: the message is taken without roles (as a bystander's).
                        tracing::warn!(%error, channel = %job.channel, "could not read the roles of a missed message's author");
                        None
                    }
                };
                members.insert(message.author.id, member.clone());
                member
            }
        };
        let actor = actor::from_listed(guilds, from::guild(job.guild), &message, member.as_ref());
        if watermark.may_arrive_live(message.id) {
            caught_up.ids().insert(message.id);
        }
        let incoming = Incoming::Posted { channel: job.channel, actor, post: channel_post(&message) };
        handle_message(ctx, desk, &incoming).await;
        handled += 1;
    }
    if handled > 0 {
        tracing::info!(channel = %job.channel, messages = handled, "caught up with messages posted while the bot was away");
    }
    true
}

/// The channel's messages after the catch-up's bound, oldest first; `None` if Discord would not give them.
async fn read_history(ctx: &Context, job: CatchUp) -> Option<Vec<serenity::all::Message>> {
    let mut history = Vec::new();
    let mut after = job.after;
    for _ in 0..MAX_PAGES {
        let mut page = match job.channel.messages(&ctx.http, GetMessages::new().after(after).limit(PAGE)).await {
            Ok(page) => page,
            Err(error) => {
                tracing::warn!(%error, channel = %job.channel, "could not read a ticket channel's history; its missed messages are not caught up");
                return None;
            }
        };
        // Discord lists the messages right after `after`, newest first.
        page.sort_by_key(|m| m.id);
        let full = page.len() >= usize::from(PAGE);
        if let Some(newest) = page.last() {
            after = newest.id;
        }
        history.extend(page);
        if !full {
            return Some(history);
        }
    }
    tracing::warn!(
        channel = %job.channel,
        read = history.len(),
        "a ticket channel has more missed messages than one catch-up reads; the oldest are taken"
    );
    Some(history)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_times_convert_both_ways() {
        // A real message id: 2015-01-01T00:00:00Z + its top bits.
        let id = 175_928_847_299_117_063_u64;
        let at = id_time(id);
        assert_eq!(at.unix_timestamp(), 1_462_015_105);
        let bound = id_at(at);
        assert!(bound <= id && id - bound < (1 << 22), "the bound is the first id of the same millisecond");
        assert_eq!(id_at(OffsetDateTime::UNIX_EPOCH), 0, "before Discord's epoch: every id is after");
    }

    #[test]
    fn a_session_catches_up_from_the_newest_message_delivered_before_it() {
        let mark = GatewayWatermark::default();
        assert_eq!(mark.catch_up_from(), None, "a first connection ever has nothing to catch up with");
        let t0 = time::macros::datetime!(2026-12-08 10:00 UTC);
        let message_at = |at: OffsetDateTime| MessageId::new(id_at(at).max(1));
        mark.session_ready("first", t0);
        assert_eq!(mark.catch_up_from(), None);
        assert_eq!(mark.to_save(), Some(t0), "a first connection's watermark starts at its READY");

        mark.restore(Some(t0));
        mark.session_ready("one", t0 + time::Duration::minutes(5));
        mark.session_ready("one", t0 + time::Duration::minutes(9));
        assert_eq!(mark.catch_up_from(), Some(t0 - DELIVERY_MARGIN), "from the predecessor's newest message");
        mark.delivered(message_at(t0 + time::Duration::minutes(6)));
        mark.delivered(message_at(t0 + time::Duration::minutes(1)));
        mark.session_ready("two", t0 + time::Duration::minutes(7));
        assert_eq!(
            mark.catch_up_from(),
            Some(t0 + time::Duration::minutes(6) - DELIVERY_MARGIN),
            "a new session after a lost one catches up from the newest message of the lost one"
        );
        assert!(!mark.may_arrive_live(message_at(t0 + time::Duration::minutes(6))), "well before READY");
        assert!(mark.may_arrive_live(message_at(t0 + time::Duration::minutes(7))));
    }

    #[test]
    fn the_watermark_saved_waits_for_the_sessions_catch_ups() {
        let mark = GatewayWatermark::default();
        let t0 = time::macros::datetime!(2026-12-08 10:00 UTC);
        mark.restore(Some(t0));
        mark.session_ready("one", t0 + time::Duration::minutes(5));
        mark.queued(2);
        mark.delivered(MessageId::new(id_at(t0 + time::Duration::minutes(6))));
        assert_eq!(mark.to_save(), None, "not past where the catch-ups started (saved already)");
        mark.finished(true);
        assert_eq!(mark.to_save(), None, "one is still under way");
        mark.finished(true);
        assert_eq!(mark.to_save(), Some(t0 + time::Duration::minutes(6)), "all done: the newest message");

        let failed = GatewayWatermark::default();
        failed.restore(Some(t0));
        failed.session_ready("one", t0 + time::Duration::minutes(5));
        failed.queued(1);
        failed.delivered(MessageId::new(id_at(t0 + time::Duration::minutes(6))));
        failed.finished(false);
        assert_eq!(failed.to_save(), None, "a failed catch-up keeps the watermark for the next start");
    }
}

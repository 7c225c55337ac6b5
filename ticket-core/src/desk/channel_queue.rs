//! Tickets waiting for a channel while their guild is at Discord's channel cap (500 channels, threads aside).
//!
//! When Discord refuses a ticket's channel because the guild is full, the ticket does not fail: it stays open and
//! waits in its guild's line, first come first served, with everything its chain holds (the welcome, the player's
//! lines, whatever staff would be told) kept in the outbox behind the channel. The person is told their place (a
//! whisper in game; the panel reply for a member), and staff are told in the log when a guild's line starts. When
//! one of the guild's ticket channels is deleted, the ticket at the head of the line tries again at once; every
//! waiting ticket also tries again now and then ([`QUEUE_RECHECK`]), which covers channels deleted by other means
//! and a restart (the line is kept in memory and rebuilt as the waiting tickets are refused again). While a guild
//! has a line, only its head (or a ticket woken by a freed channel) asks Discord: the others wait their turn without
//! a call, so a burst at the cap costs one refused call, not one per ticket.
//!
//! The other way past the cap, private threads of a ticket channel, is not built: see `docs/configuration.md`.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use time::OffsetDateTime;

use crate::effect::{ChainKey, Destination, Effect, LogEntry, Notice, PendingEffect};
use crate::id::{EffectId, GuildId, TicketId};
use crate::ports::{Commit, Retry, StoreError};

use super::Desk;

/// How often a ticket waiting in line tries for its channel again even if no ticket channel of its guild was
/// deleted meanwhile.
pub const QUEUE_RECHECK: Duration = Duration::from_secs(10 * 60);

/// The lines of all guilds.
#[derive(Debug, Default)]
pub(super) struct ChannelQueue {
    guilds: HashMap<GuildId, BTreeMap<EffectId, Waiting>>,
}

/// A ticket in line: its channel creation effect, as stored.
#[derive(Debug, Clone, Copy)]
struct Waiting {
    ticket: TicketId,
    attempts: u32,
    /// Told to try again at once (a channel was freed); not woken twice for one freed channel.
    woken: bool,
}

impl ChannelQueue {
    /// Puts a refused channel creation in its guild's line (or leaves it where it is); its place, from 1, and
    /// whether it just joined.
    fn join(&mut self, guild: GuildId, effect: &PendingEffect, ticket: TicketId) -> (usize, bool) {
        let line = self.guilds.entry(guild).or_default();
        let joined = line.insert(effect.id, Waiting { ticket, attempts: effect.attempts, woken: false }).is_none();
        (line.range(..=effect.id).count(), joined)
    }

    /// Takes a channel creation out of its line (it ran, or its ticket closed); whether it was in one.
    fn leave(&mut self, effect: EffectId) -> bool {
        let mut was = false;
        self.guilds.retain(|_, line| {
            was |= line.remove(&effect).is_some();
            !line.is_empty()
        });
        was
    }

    /// Whether a channel creation must wait without asking Discord: its guild has a line and it is neither the
    /// head nor woken (one refusal at the head says the guild is still full for everyone).
    fn must_wait(&self, guild: GuildId, effect: EffectId) -> bool {
        let Some(line) = self.guilds.get(&guild) else { return false };
        line.keys().next() != Some(&effect) && !line.get(&effect).is_some_and(|w| w.woken)
    }

    /// Whether this channel creation is in a line.
    fn holds(&self, effect: EffectId) -> bool {
        self.guilds.values().any(|line| line.contains_key(&effect))
    }

    /// A ticket's place in its guild's line, from 1.
    fn place(&self, ticket: TicketId) -> Option<usize> {
        self.guilds.values().find_map(|line| line.values().position(|w| w.ticket == ticket).map(|at| at + 1))
    }

    /// Wakes the first ticket of a guild's line not woken yet.
    fn wake(&mut self, guild: GuildId) -> Option<(EffectId, Waiting)> {
        let (id, waiting) = self.guilds.get_mut(&guild)?.iter_mut().find(|(_, w)| !w.woken)?;
        waiting.woken = true;
        Some((*id, *waiting))
    }
}

impl Desk {
    fn channel_queue(&self) -> std::sync::MutexGuard<'_, ChannelQueue> {
        // Plain map operations under the lock: a poisoned lock still guards consistent data.
        self.channel_queue.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A ticket's place in the line for a channel, if its guild is full and it waits (from 1).
    pub(super) fn place_in_line(&self, ticket: TicketId) -> Option<usize> {
        self.channel_queue().place(ticket)
    }

    /// Whether a channel creation waits in a line (it was refused for a full guild, so it made no channel).
    pub(super) fn is_waiting_in_line(&self, effect: EffectId) -> bool {
        self.channel_queue().holds(effect)
    }

    /// Whether a channel creation of `guild` waits its turn without asking Discord (see the module documentation).
    pub(super) fn waits_its_turn(&self, guild: GuildId, effect: EffectId) -> bool {
        self.channel_queue().must_wait(guild, effect)
    }

    /// A channel creation ran (or its ticket closed while waiting): out of the line; whether it was in one.
    pub(super) fn out_of_line(&self, effect: EffectId) -> bool {
        self.channel_queue().leave(effect)
    }

    /// Discord refused `effect`'s channel because `guild` is full: the ticket waits in line. Puts the effect off
    /// (its chain waits behind it), tells the person their place when they join the line, and tells staff when a
    /// guild's line starts.
    pub(super) async fn wait_in_line(
        &self,
        effect: &PendingEffect,
        guild: GuildId,
        ticket: TicketId,
        now: OffsetDateTime,
    ) -> Result<Vec<ChainKey>, StoreError> {
        let (place, joined) = self.channel_queue().join(guild, effect, ticket);
        let mut commit = Commit {
            retry: vec![Retry { id: effect.id, attempts: effect.attempts, not_before: now + QUEUE_RECHECK }],
            ..Commit::default()
        };
        let mut touched = Vec::new();
        if joined {
            tracing::info!(%ticket, place, "the guild is at Discord's channel cap: the ticket waits in line");
            let tell_chain = ChainKey::Guild(guild);
            let stored = self.ports.store.ticket(ticket).await?;
            if let Some(game) = stored.as_ref().and_then(|t| t.in_game().ok()) {
                commit.enqueue.push((
                    tell_chain,
                    Effect::Whisper {
                        ticket,
                        server: game.server.clone(),
                        player: game.name.clone(),
                        from: crate::strings::BRIDGE_SENDER.to_owned(),
                        text: crate::strings::in_game_ticket_waiting(place),
                    },
                ));
            }
            if place == 1 {
                if let Some(log) = self.ports.store.settings(guild).await?.targets.log_channel {
                    let entry = LogEntry::ChannelCapReached { ticket };
                    let post = Effect::Post { to: Destination::Channel(log), notice: Notice::Log(entry) };
                    commit.enqueue.push((tell_chain, post));
                }
            }
            if !commit.enqueue.is_empty() {
                touched.push(tell_chain);
            }
        }
        self.ports.store.commit(commit).await?;
        self.ring_rescheduled();
        Ok(touched)
    }

    /// A channel of `guild` that was no ticket's was deleted (by hand, by another bot): if tickets wait in line for
    /// a channel there, the first tries again at once. [`Desk::channel_deleted`] does the same for a ticket's
    /// channel.
    pub async fn room_made(&self, guild: GuildId) -> Result<(), super::DeskError> {
        let mut commit = Commit::default();
        let chains = self.wake_line(guild, self.ports.clock.now(), &mut commit);
        if chains.is_empty() {
            return Ok(());
        }
        self.ports.store.commit(commit).await?;
        self.run_chains(chains).await;
        Ok(())
    }

    /// One of `guild`'s channels was deleted: the first ticket of its line not woken yet tries for a channel at
    /// once. Adds the wake-ups to `commit`; returns their chains.
    pub(super) fn wake_line(&self, guild: GuildId, now: OffsetDateTime, commit: &mut Commit) -> Vec<ChainKey> {
        let Some((id, waiting)) = self.channel_queue().wake(guild) else { return Vec::new() };
        commit.retry.push(Retry { id, attempts: waiting.attempts, not_before: now });
        tracing::info!(ticket = %waiting.ticket, "a channel was freed: the first ticket in line tries again");
        vec![ChainKey::Ticket(waiting.ticket)]
    }
}

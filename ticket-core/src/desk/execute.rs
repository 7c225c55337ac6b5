//! Running the outbox: effects of a chain in order, each marked done in the store once it ran.
//!
//! Delivery is at least once: a crash after an effect ran but before it was marked done runs it again on
//! [`Desk::resume`]. Channel creation is idempotent per ticket (the platform finds the `TID:` marker), deletions
//! treat "already gone" as done, and the messages of a `Post` carry a [`Nonce`] per effect and part, by which the
//! platform gives back what was already posted (for a few minutes; a repeated message is the worst case after that).

use std::collections::BTreeSet;
use std::time::Duration;

use time::OffsetDateTime;

use crate::custom_id::CustomId;
use crate::effect::{ChainKey, Destination, Effect, LogEntry, Notice, PendingEffect};
use crate::id::{ApplicationId, ChannelId, EffectId, GuildId, TicketId};
use crate::message::Nonce;
use crate::permissions::Permissions;
use crate::ports::{Commit, NewChannel, Overwrite, OverwriteTarget, PlatformError, Retry, StoreError, WhisperOutcome};
use crate::render;
use crate::settings::{ApplicantAccess, PostedMessage};
use crate::ticket::{CloseReason, HeldReply};

use super::{Desk, DeskError, MAX_TRIES};

/// After this many failures an effect is given up on (kept in the store as dead, and reported to staff).
const MAX_ATTEMPTS: u32 = 10;
/// Discord's longest nickname.
const NICKNAME_MAX: usize = 32;
/// How far back a panel channel is searched for older copies of a panel.
const PANEL_HISTORY: u8 = 50;

/// What [`Desk::resume`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ResumeReport {
    /// Chains that had pending effects.
    pub chains: usize,
    /// Effects pending before.
    pub pending_before: usize,
    /// Effects still pending after (waiting for a retry time or a platform that is down).
    pub pending_after: usize,
}

/// What running one effect came to.
pub(super) enum Outcome {
    /// It ran; mark it done, with what follows from it.
    Done(Option<FollowUp>),
    /// It failed in a way that may pass; try again later.
    Retry(Option<Duration>),
    /// The platform asked to wait this long (a rate limit): not a failure, so it does not count toward giving up.
    Throttled(Duration),
    /// It failed for good.
    Dead { error: String, follow: Option<FollowUp> },
    /// It must not run before this time (not a failure): hold it, and the rest of its chain, until then.
    Defer(OffsetDateTime),
    /// Discord refused a ticket's channel because the guild is full: the ticket waits in line for one.
    Queued { guild: GuildId, ticket: TicketId },
}

/// State that changes because an effect ran.
pub(super) enum FollowUp {
    /// The ticket's channel was made; the guild whose line it waited in, if it did (the next in line tries too).
    TicketChannel(TicketId, ChannelId, Option<GuildId>),
    Hold(TicketId, HeldReply),
    RecordPosted(ApplicationId, PostedMessage),
    QnaPromptPosted(ApplicationId, PostedMessage),
    PanelPosted(GuildId, bool, PostedMessage),
    ChannelGone(TicketId, Option<String>),
    ChannelFailed(TicketId),
    /// A channel of the guild was deleted: the first ticket waiting in line for one tries again.
    ChannelFreed(GuildId),
    Enqueue(ChainKey, Vec<Effect>),
    /// A closing ticket's log entry was posted: kept, to show the opener's feedback on it later.
    LogPosted(TicketId, crate::feedback::PostedLog),
}

struct Claim<'a> {
    desk: &'a Desk,
    chain: ChainKey,
    released: bool,
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        if !self.released {
            self.desk.running_lock().remove(&self.chain);
        }
    }
}

fn backoff(attempts: u32) -> Duration {
    Duration::from_secs(2u64.saturating_pow(attempts).min(600))
}

fn platform(error: PlatformError) -> Outcome {
    match error {
        PlatformError::RateLimited { retry_after } => Outcome::Throttled(retry_after),
        PlatformError::Unavailable => Outcome::Retry(None),
        e => Outcome::Dead { error: e.to_string(), follow: None },
    }
}

impl Desk {
    fn running_lock(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<ChainKey, bool>> {
        // The map only holds flags that are set and read under the lock; a panic elsewhere cannot leave it torn.
        self.running.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn claim(&self, chain: ChainKey) -> Option<Claim<'_>> {
        let mut running = self.running_lock();
        if let Some(dirty) = running.get_mut(&chain) {
            *dirty = true;
            return None;
        }
        running.insert(chain, false);
        Some(Claim { desk: self, chain, released: false })
    }

    /// Whether more work arrived for a claimed chain; if not, releases the claim.
    fn more_work(&self, claim: &mut Claim<'_>) -> bool {
        let mut running = self.running_lock();
        if running.get(&claim.chain) == Some(&true) {
            running.insert(claim.chain, false);
            return true;
        }
        running.remove(&claim.chain);
        claim.released = true;
        false
    }

    /// Runs chains until they are empty or blocked. A chain already being run elsewhere is left to that runner,
    /// which is told to look again.
    pub(crate) async fn run_chains(&self, chains: impl IntoIterator<Item = ChainKey>) {
        let mut work: Vec<ChainKey> = chains.into_iter().collect();
        while let Some(chain) = work.pop() {
            let Some(mut claim) = self.claim(chain) else { continue };
            loop {
                for more in self.drain(chain).await {
                    if more != chain && !work.contains(&more) {
                        work.push(more);
                    }
                }
                if !self.more_work(&mut claim) {
                    break;
                }
            }
        }
    }

    /// Runs every unfinished effect: call at start-up, after a platform or link comes back, and now and then.
    pub async fn resume(&self) -> Result<ResumeReport, DeskError> {
        // The outbox runs whatever the tickets' clocks could not do (a store that failed is tried again next run).
        if let Err(error) = self.run_due_tickets().await {
            tracing::warn!(%error, "the tickets' clocks could not be run; trying again at the next run");
        }
        let pending = self.ports.store.pending_effects(None).await?;
        let chains: BTreeSet<ChainKey> = pending.iter().map(|p| p.chain).collect();
        let report = ResumeReport { chains: chains.len(), pending_before: pending.len(), pending_after: 0 };
        self.run_chains(chains).await;
        let pending_after = self.ports.store.pending_effects(None).await?.len();
        tracing::info!(chains = report.chains, before = report.pending_before, after = pending_after, "outbox resumed");
        Ok(ResumeReport { pending_after, ..report })
    }

    /// Runs a chain's pending effects in order; returns other chains that follow-ups put work into.
    async fn drain(&self, chain: ChainKey) -> Vec<ChainKey> {
        let mut touched = Vec::new();
        'reload: loop {
            let pending = match self.ports.store.pending_effects(Some(chain)).await {
                Ok(p) if p.is_empty() => return touched,
                Ok(p) => p,
                Err(e) => {
                    tracing::warn!(?chain, error = %e, "outbox: cannot load pending effects");
                    return touched;
                }
            };
            for (at, effect) in pending.iter().enumerate() {
                let now = self.ports.clock.now();
                if effect.not_before.is_some_and(|t| t > now) {
                    return touched;
                }
                if self.coalesce(&pending[at..]).await {
                    continue 'reload;
                }
                let outcome = self.execute(effect).await;
                match self.settle(effect, outcome, now).await {
                    Ok(Settled::Continue(more)) => touched.extend(more),
                    Ok(Settled::Blocked) => return touched,
                    Ok(Settled::Wait(more)) => {
                        touched.extend(more);
                        return touched;
                    }
                    Err(e) => {
                        tracing::warn!(?chain, effect = %effect.id, error = %e, "outbox: cannot record an effect's outcome");
                        return touched;
                    }
                }
            }
        }
    }

    /// Records an effect's outcome in the store.
    async fn settle(
        &self,
        effect: &PendingEffect,
        outcome: Outcome,
        now: OffsetDateTime,
    ) -> Result<Settled, StoreError> {
        match outcome {
            Outcome::Done(follow) => self.finish(effect.id, follow, false).await.map(Settled::Continue),
            Outcome::Retry(after) => {
                let attempts = effect.attempts + 1;
                if attempts >= MAX_ATTEMPTS {
                    let error = format!("gave up after {attempts} attempts");
                    let follow = self.when_given_up(effect).await;
                    return self.give_up(effect, error, follow).await.map(Settled::Continue);
                }
                let wait = after.unwrap_or_else(|| backoff(attempts));
                let not_before = now + wait;
                tracing::info!(effect = %effect.id, attempts, ?wait, "outbox: effect will be retried");
                self.put_off(Retry { id: effect.id, attempts, not_before }).await
            }
            Outcome::Throttled(wait) => {
                tracing::info!(effect = %effect.id, ?wait, "outbox: rate-limited; effect waits as asked");
                self.put_off(Retry { id: effect.id, attempts: effect.attempts, not_before: now + wait }).await
            }
            Outcome::Queued { guild, ticket } => self.wait_in_line(effect, guild, ticket, now).await.map(Settled::Wait),
            Outcome::Defer(not_before) => {
                self.put_off(Retry { id: effect.id, attempts: effect.attempts, not_before }).await
            }
            Outcome::Dead { error, follow } => {
                let follow = match follow {
                    Some(follow) => Some(follow),
                    None => self.when_given_up(effect).await,
                };
                self.give_up(effect, error, follow).await.map(Settled::Continue)
            }
        }
    }

    /// Keeps an effect, and its chain behind it, waiting until `retry.not_before`, and says so to the driver.
    async fn put_off(&self, retry: Retry) -> Result<Settled, StoreError> {
        self.ports.store.commit(Commit { retry: vec![retry], ..Commit::default() }).await?;
        self.ring_rescheduled();
        Ok(Settled::Blocked)
    }

    pub(super) async fn guild_of(&self, chain: ChainKey) -> Option<GuildId> {
        match chain {
            ChainKey::Guild(g) => Some(g),
            ChainKey::Ticket(t) => self.ports.store.ticket(t).await.ok().flatten().map(|t| t.guild),
        }
    }

    /// Marks an effect done (or dead) together with the state its follow-up changes; retries lost races.
    pub(super) async fn finish(
        &self,
        id: EffectId,
        follow: Option<FollowUp>,
        dead: bool,
    ) -> Result<Vec<ChainKey>, StoreError> {
        for _ in 0..MAX_TRIES {
            let mut commit = Commit::default();
            if dead {
                commit.dead.push(id)
            } else {
                commit.done.push(id)
            }
            let touched = match &follow {
                Some(f) => self.follow_up(f, &mut commit).await?,
                None => Vec::new(),
            };
            self.seal_transcript(&mut commit);
            match self.ports.store.commit(commit).await {
                Ok(_) => return Ok(touched),
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(StoreError::Conflict)
    }

    /// Loads what a follow-up changes and adds the change to `commit`; returns chains it enqueues into.
    async fn follow_up(&self, follow: &FollowUp, commit: &mut Commit) -> Result<Vec<ChainKey>, StoreError> {
        let store = &self.ports.store;
        let now = self.ports.clock.now();
        match follow {
            FollowUp::TicketChannel(id, channel, waited) => {
                if let Some(mut t) = store.ticket(*id).await? {
                    t.channel = Some(*channel);
                    commit.tickets.push(t);
                }
                // There was room after all: the next in line tries too, until Discord says the guild is full.
                if let Some(guild) = waited {
                    return Ok(self.wake_line(*guild, now, commit));
                }
            }
            FollowUp::Hold(id, reply) => {
                if let Some(mut t) = store.ticket(*id).await? {
                    let Ok(game) = t.in_game_mut() else { return Ok(Vec::new()) };
                    let was_online = game.online;
                    game.online = false;
                    game.held.push(reply.clone());
                    let player = game.name.clone();
                    let open = t.is_open();
                    commit.tickets.push(t);
                    if was_online && open {
                        let notice = Notice::ReplyHeld { player };
                        commit
                            .enqueue
                            .push((ChainKey::Ticket(*id), Effect::Post { to: Destination::Ticket(*id), notice }));
                        return Ok(vec![ChainKey::Ticket(*id)]);
                    }
                }
            }
            FollowUp::LogPosted(id, posted) => return self.log_posted(*id, posted, commit).await,
            FollowUp::RecordPosted(app, message) => {
                if let Some(mut a) = store.application(*app).await? {
                    a.record = Some(*message);
                    commit.applications.push(a);
                }
            }
            FollowUp::QnaPromptPosted(app, message) => {
                if let Some(mut a) = store.application(*app).await? {
                    a.qna_prompt = Some(*message);
                    commit.applications.push(a);
                }
            }
            FollowUp::PanelPosted(guild, recruitment, message) => {
                let mut settings = store.settings(*guild).await?;
                let slot = if *recruitment { &mut settings.panels.recruitment } else { &mut settings.panels.support };
                let old = slot.replace(*message);
                commit.settings = Some(settings);
                let chain = ChainKey::Guild(*guild);
                let control = if *recruitment { CustomId::OpenRecruitment } else { CustomId::OpenSupport };
                // Older copies in the same channel (also ones the bot no longer remembers), and the remembered one
                // wherever it is.
                let tidy = Effect::RemoveOldPanels {
                    channel: message.channel,
                    keep: message.message,
                    control: control.to_string(),
                };
                commit.enqueue.push((chain, tidy));
                if let Some(old) = old.filter(|old| old.channel != message.channel) {
                    commit.enqueue.push((chain, Effect::DeleteMessage { message: old }));
                }
                return Ok(vec![chain]);
            }
            FollowUp::ChannelGone(id, resend) => {
                return self.plan_channel_gone(*id, CloseReason::ChannelDeleted, resend.as_deref(), now, commit).await;
            }
            FollowUp::ChannelFailed(id) => {
                return self.plan_channel_gone(*id, CloseReason::ChannelFailed, None, now, commit).await;
            }
            FollowUp::ChannelFreed(guild) => return Ok(self.wake_line(*guild, now, commit)),
            FollowUp::Enqueue(chain, effects) => {
                commit.enqueue.extend(effects.iter().cloned().map(|e| (*chain, e)));
                return Ok(vec![*chain]);
            }
        }
        Ok(Vec::new())
    }

    /// Runs one effect through the ports.
    async fn execute(&self, pending: &PendingEffect) -> Outcome {
        match self.try_execute(pending).await {
            Ok(outcome) => outcome,
            Err(DeskError::Store(e)) => {
                tracing::warn!(effect = %pending.id, error = %e, "outbox: store failed while running an effect");
                Outcome::Retry(None)
            }
            Err(e) => Outcome::Dead { error: e.to_string(), follow: None },
        }
    }

    async fn try_execute(&self, pending: &PendingEffect) -> Result<Outcome, DeskError> {
        let chat = &self.ports.chat;
        let store = &self.ports.store;
        Ok(match &pending.effect {
            Effect::CreateTicketChannel { ticket, kind: _, guild, name, category, topic, members, staff_roles } => {
                let mut overwrites = vec![
                    Overwrite::deny(OverwriteTarget::Everyone, Permissions::VIEW_CHANNEL),
                    Overwrite::allow(OverwriteTarget::Bot, Permissions::TICKET_BOT),
                ];
                for member in members {
                    overwrites.push(Overwrite::allow(
                        OverwriteTarget::Member(self.key.open(member)?),
                        Permissions::TICKET_PARTICIPANT,
                    ));
                }
                for role in staff_roles {
                    overwrites.push(Overwrite::allow(OverwriteTarget::Role(*role), Permissions::TICKET_PARTICIPANT));
                }
                if self.is_waiting_in_line(pending.id) && store.ticket(*ticket).await?.is_some_and(|t| !t.is_open()) {
                    // It closed while waiting (a logout, say): it needs no channel, and its place goes to the next.
                    self.out_of_line(pending.id);
                    return Ok(Outcome::Done(Some(FollowUp::ChannelFreed(*guild))));
                }
                if self.waits_its_turn(*guild, pending.id) {
                    return Ok(Outcome::Queued { guild: *guild, ticket: *ticket });
                }
                let request = NewChannel {
                    ticket: *ticket,
                    guild: *guild,
                    name: name.clone(),
                    category: *category,
                    topic: topic.open(&self.key)?.render(),
                    overwrites,
                };
                match chat.create_channel(request).await {
                    Ok(channel) => {
                        let waited = self.out_of_line(pending.id).then_some(*guild);
                        Outcome::Done(Some(FollowUp::TicketChannel(*ticket, channel, waited)))
                    }
                    Err(e) if e.is_guild_full() => Outcome::Queued { guild: *guild, ticket: *ticket },
                    Err(e) if e.is_transient() => platform(e),
                    Err(e) => Outcome::Dead { error: e.to_string(), follow: Some(FollowUp::ChannelFailed(*ticket)) },
                }
            }
            Effect::DeleteTicketChannel { ticket } => {
                let Some((guild, channel)) = store.ticket(*ticket).await?.and_then(|t| Some((t.guild, t.channel?)))
                else {
                    return Ok(Outcome::Done(None));
                };
                match chat.delete_channel(channel).await {
                    Ok(()) | Err(PlatformError::NotFound) => Outcome::Done(Some(FollowUp::ChannelFreed(guild))),
                    Err(e) => platform(e),
                }
            }
            Effect::SetTopic { ticket, topic } => match self.ticket_channel(*ticket).await? {
                Err(outcome) => outcome,
                Ok(channel) => match chat.set_topic(channel, topic.open(&self.key)?.render()).await {
                    Ok(()) => Outcome::Done(None),
                    Err(PlatformError::NotFound) => Outcome::Done(Some(FollowUp::ChannelGone(*ticket, None))),
                    Err(e) => platform(e),
                },
            },
            Effect::AllowRole { ticket, role } => match self.ticket_channel(*ticket).await? {
                Err(outcome) => outcome,
                Ok(channel) => {
                    let overwrite = Overwrite::allow(OverwriteTarget::Role(*role), Permissions::TICKET_PARTICIPANT);
                    match chat.set_overwrite(channel, overwrite).await {
                        Ok(()) => Outcome::Done(None),
                        Err(PlatformError::NotFound) => Outcome::Done(Some(FollowUp::ChannelGone(*ticket, None))),
                        Err(e) => platform(e),
                    }
                }
            },
            Effect::SetMemberAccess { ticket, user, access } => {
                let target = OverwriteTarget::Member(self.key.open(user)?);
                self.set_access(*ticket, target, Some(*access)).await?
            }
            Effect::SetRoleAccess { ticket, role, access } => {
                self.set_access(*ticket, OverwriteTarget::Role(*role), Some(*access)).await?
            }
            Effect::ResetMemberAccess { ticket, user } => {
                self.set_access(*ticket, OverwriteTarget::Member(self.key.open(user)?), None).await?
            }
            Effect::Post { to, notice } => self.post(pending.id, pending.chain, to, notice, None).await?,
            Effect::PostTranscript { ticket, to, notice } => {
                self.post(pending.id, pending.chain, to, notice, Some(*ticket)).await?
            }
            Effect::CompleteQnaPrompt { app } => {
                let Some(app) = store.application(*app).await? else { return Ok(Outcome::Done(None)) };
                let tile = render::qna_completed_tile(app.id);
                if let Some(prompt) = app.qna_prompt {
                    match chat.edit(prompt.channel, prompt.message, tile.clone()).await {
                        Ok(()) => return Ok(Outcome::Done(None)),
                        Err(PlatformError::NotFound) => {}
                        Err(e) => return Ok(platform(e)),
                    }
                }
                match self.ticket_channel(app.ticket).await? {
                    Err(outcome) => outcome,
                    Ok(channel) => match chat.send(channel, tile.with_nonce(Nonce::for_effect(pending.id, 0))).await {
                        Ok(_) | Err(PlatformError::NotFound) => Outcome::Done(None),
                        Err(e) => platform(e),
                    },
                }
            }
            Effect::UpdateRecord { app } => self.update_record(*app, pending.id).await?,
            Effect::RemoveOldPanels { channel, keep, control } => {
                let recent = match chat.recent_bot_messages(*channel, PANEL_HISTORY).await {
                    Ok(recent) => recent,
                    Err(PlatformError::NotFound) => return Ok(Outcome::Done(None)),
                    Err(e) => return Ok(platform(e)),
                };
                for old in recent.iter().filter(|m| m.id != *keep && m.controls.iter().any(|c| c == control)) {
                    match chat.delete_message(*channel, old.id).await {
                        Ok(()) | Err(PlatformError::NotFound) => {}
                        Err(e) => return Ok(platform(e)),
                    }
                }
                Outcome::Done(None)
            }
            Effect::DeleteMessage { message } => match chat.delete_message(message.channel, message.message).await {
                Ok(()) | Err(PlatformError::NotFound) => Outcome::Done(None),
                Err(e) => platform(e),
            },
            Effect::GrantRole { guild, user, role } => match chat.add_role(*guild, self.key.open(user)?, *role).await {
                Ok(()) => Outcome::Done(None),
                Err(e) => platform(e),
            },
            Effect::SyncNickname { guild, user, rsi_handle, log_channel } => {
                let nickname = match self.ports.profiles.citizen(rsi_handle).await {
                    Ok(profile) => profile.handle,
                    Err(_) => rsi_handle.clone(),
                };
                let nickname: String = nickname.chars().take(NICKNAME_MAX).collect();
                match chat.set_nickname(*guild, self.key.open(user)?, nickname.clone()).await {
                    Ok(()) => Outcome::Done(None),
                    Err(e) if e.is_transient() => platform(e),
                    Err(e) => {
                        tracing::info!(error = %e, "nickname sync refused by Discord; carrying on");
                        let follow = log_channel.map(|log| {
                            let entry = LogEntry::NicknameRefused { applicant: *user, nickname, reason: e.to_string() };
                            let post = Effect::Post { to: Destination::Channel(log), notice: Notice::Log(entry) };
                            FollowUp::Enqueue(pending.chain, vec![post])
                        });
                        Outcome::Done(follow)
                    }
                }
            }
            Effect::ShowRsiProfile { ticket, rsi_handle } => {
                // One attempt: the lookup is a courtesy for staff and must never hold up the ticket's later effects
                // (its chain runs in order). A lookup that fails says so in the ticket.
                let found = self.ports.profiles.citizen(rsi_handle).await;
                match self.ticket_channel(*ticket).await? {
                    Err(outcome) => outcome,
                    Ok(channel) => {
                        let profile =
                            render::rsi_profile(rsi_handle, &found).with_nonce(Nonce::for_effect(pending.id, 0));
                        match chat.send(channel, profile).await {
                            Ok(_) => Outcome::Done(None),
                            Err(PlatformError::NotFound) => Outcome::Done(Some(FollowUp::ChannelGone(*ticket, None))),
                            Err(e) => platform(e),
                        }
                    }
                }
            }
            Effect::Whisper { ticket, server, player, from, text } => {
                let hold = || {
                    let reply = HeldReply { from: from.clone(), text: text.clone(), at: self.ports.clock.now() };
                    Outcome::Done(Some(FollowUp::Hold(*ticket, reply)))
                };
                let shown = crate::relay::open_user_mentions(text, &self.key);
                match self.ports.game.whisper(server, player, from, &shown).await {
                    Ok(WhisperOutcome::Delivered) => Outcome::Done(None),
                    Ok(WhisperOutcome::PlayerOffline) | Err(crate::ports::GameLinkError::LinkDown(_)) => hold(),
                    Err(crate::ports::GameLinkError::Congested(_)) => Outcome::Retry(None),
                }
            }
            Effect::GameTicketCreated { server, player, source } => {
                // A ticket whose channel was refused meanwhile did not open: the player is told that instead.
                if let ChainKey::Ticket(ticket) = pending.chain {
                    if store.ticket(ticket).await?.is_some_and(|t| !t.is_open()) {
                        return Ok(Outcome::Done(None));
                    }
                }
                match self.ports.game.ticket_created(server, player, *source).await {
                    Ok(()) => Outcome::Done(None),
                    Err(crate::ports::GameLinkError::Congested(_)) => Outcome::Retry(None),
                    Err(e) => {
                        tracing::info!(error = %e, "game not told of a new ticket");
                        Outcome::Done(None)
                    }
                }
            }
            Effect::GameNotice { server, player, text } => {
                match self.ports.game.whisper(server, player, super::limits::GAME_NOTICE_FROM, text).await {
                    Err(crate::ports::GameLinkError::Congested(_)) => Outcome::Retry(None),
                    Ok(_) | Err(_) => Outcome::Done(None),
                }
            }
            Effect::ShowFeedback { ticket } => self.show_feedback(*ticket).await?,
            Effect::GameTicketClosed { server, player } => match self.ports.game.ticket_closed(server, player).await {
                Ok(()) => Outcome::Done(None),
                Err(crate::ports::GameLinkError::Congested(_)) => Outcome::Retry(None),
                Err(e) => {
                    tracing::info!(error = %e, "game not told of a closed ticket");
                    Outcome::Done(None)
                }
            },
        })
    }

    /// Sets what `target` may do in a ticket's channel; `None` allows and denies nothing of its own (its roles
    /// decide).
    async fn set_access(
        &self,
        ticket: TicketId,
        target: OverwriteTarget,
        access: Option<ApplicantAccess>,
    ) -> Result<Outcome, DeskError> {
        let channel = match self.ticket_channel(ticket).await? {
            Ok(channel) => channel,
            Err(outcome) => return Ok(outcome),
        };
        let read = Permissions::VIEW_CHANNEL | Permissions::READ_MESSAGE_HISTORY;
        let overwrite = match access {
            Some(ApplicantAccess::Keep) => Overwrite::allow(target, Permissions::TICKET_PARTICIPANT),
            Some(ApplicantAccess::ReadOnly) => Overwrite { target, allow: read, deny: Permissions::SEND_MESSAGES },
            Some(ApplicantAccess::Remove) => Overwrite::deny(target, Permissions::VIEW_CHANNEL),
            None => Overwrite::allow(target, Permissions::empty()),
        };
        Ok(match self.ports.chat.set_overwrite(channel, overwrite).await {
            Ok(()) => Outcome::Done(None),
            Err(PlatformError::NotFound) => Outcome::Done(Some(FollowUp::ChannelGone(ticket, None))),
            Err(e) => platform(e),
        })
    }

    /// The channel of a ticket, or the outcome to give when there is none.
    async fn ticket_channel(&self, ticket: TicketId) -> Result<Result<ChannelId, Outcome>, DeskError> {
        Ok(match self.ports.store.ticket(ticket).await? {
            None => Err(Outcome::Dead { error: format!("ticket {ticket} does not exist"), follow: None }),
            Some(t) => match t.channel {
                Some(channel) if t.is_open() => Ok(channel),
                // A closed ticket's channel is deleted or being deleted: there is nothing to post to.
                _ if !t.is_open() => Err(Outcome::Done(None)),
                // Still being created by an earlier effect of this chain.
                _ => Err(Outcome::Retry(None)),
            },
        })
    }

    async fn post(
        &self,
        effect: EffectId,
        chain: ChainKey,
        to: &Destination,
        notice: &Notice,
        transcript_of: Option<TicketId>,
    ) -> Result<Outcome, DeskError> {
        let chat = &self.ports.chat;
        let mut rendered = render::notice(notice, &self.key)?;
        if let (Some(ticket), Some(last)) = (transcript_of, rendered.last_mut()) {
            last.files.push(self.transcript_file(ticket).await?);
        }
        // Each part carries a nonce from the effect, so a replay of a post that was made but not marked done (a
        // crash, a lost answer) gives back the messages already posted instead of posting them again.
        let messages =
            rendered.into_iter().zip(0..).map(|(message, part)| message.with_nonce(Nonce::for_effect(effect, part)));
        match to {
            Destination::Dm(user) => {
                let user = self.key.open(user)?;
                for message in messages {
                    match chat.send_dm(user, message).await {
                        Ok(()) => {}
                        Err(PlatformError::NotFound | PlatformError::Forbidden) => {
                            tracing::info!("a DM could not be delivered (the member left or closed their DMs)");
                            return Ok(Outcome::Done(None));
                        }
                        Err(e) => return Ok(platform(e)),
                    }
                }
                Ok(Outcome::Done(None))
            }
            Destination::Channel(channel) => {
                let mut last = None;
                for message in messages {
                    match chat.send(*channel, message).await {
                        Ok(id) => last = Some(PostedMessage { channel: *channel, message: id }),
                        Err(PlatformError::NotFound) => {
                            tracing::warn!(%channel, "a configured channel no longer exists");
                            return Ok(Outcome::Done(None));
                        }
                        Err(e) => return Ok(platform(e)),
                    }
                }
                let follow = match (notice, chain, last) {
                    (Notice::SupportPanel, ChainKey::Guild(g), Some(m)) => Some(FollowUp::PanelPosted(g, false, m)),
                    (Notice::Log(entry), ChainKey::Ticket(t), Some(m)) if crate::feedback::closes_ticket(entry) => {
                        Some(FollowUp::LogPosted(t, crate::feedback::PostedLog { message: m, entry: entry.clone() }))
                    }
                    (Notice::RecruitmentPanel { .. }, ChainKey::Guild(g), Some(m)) => {
                        Some(FollowUp::PanelPosted(g, true, m))
                    }
                    _ => None,
                };
                Ok(Outcome::Done(follow))
            }
            Destination::Ticket(ticket) => {
                let channel = match self.ticket_channel(*ticket).await? {
                    Ok(channel) => channel,
                    Err(outcome) => return Ok(outcome),
                };
                let mut last = None;
                for message in messages {
                    match chat.send(channel, message).await {
                        Ok(id) => last = Some(PostedMessage { channel, message: id }),
                        Err(PlatformError::NotFound) => {
                            let resend = match notice {
                                Notice::PlayerMessage { text, .. } => Some(text.clone()),
                                _ => None,
                            };
                            return Ok(Outcome::Done(Some(FollowUp::ChannelGone(*ticket, resend))));
                        }
                        Err(e) => return Ok(platform(e)),
                    }
                }
                let follow = match (notice, last) {
                    (Notice::QnaPrompt { app, .. }, Some(m)) => Some(FollowUp::QnaPromptPosted(*app, m)),
                    _ => None,
                };
                Ok(Outcome::Done(follow))
            }
        }
    }

    /// Edits an application's permanent record, or posts it (with the nonce of `effect`) when it has none yet.
    async fn update_record(&self, app: ApplicationId, effect: EffectId) -> Result<Outcome, DeskError> {
        let store = &self.ports.store;
        let Some(app) = store.application(app).await? else { return Ok(Outcome::Done(None)) };
        let now = self.ports.clock.now();
        if let Some(until) = app.record.and_then(|_| self.record_quiet_until(app.id, now)) {
            return Ok(Outcome::Defer(until));
        }
        let ticket = store.ticket(app.ticket).await?;
        let channel = ticket.filter(|t| t.is_open()).and_then(|t| t.channel);
        let message = render::record(&app, channel, &self.key)?;
        if let Some(record) = app.record {
            return Ok(match self.ports.chat.edit(record.channel, record.message, message).await {
                Ok(()) => {
                    self.note_record_edit(app.id, now);
                    Outcome::Done(None)
                }
                Err(PlatformError::NotFound) => {
                    tracing::info!(app = %app.id, "the record message is gone; edit skipped");
                    Outcome::Done(None)
                }
                Err(e) => platform(e),
            });
        }
        let Some(log) = store.settings(app.guild).await?.record_channel else {
            return Ok(Outcome::Done(None));
        };
        Ok(match self.ports.chat.send(log, message.with_nonce(Nonce::for_effect(effect, 0))).await {
            Ok(id) => {
                self.note_record_edit(app.id, now);
                Outcome::Done(Some(FollowUp::RecordPosted(app.id, PostedMessage { channel: log, message: id })))
            }
            Err(PlatformError::NotFound) => {
                tracing::warn!(channel = %log, "the record channel no longer exists");
                Outcome::Done(None)
            }
            Err(e) => platform(e),
        })
    }
}

enum Settled {
    Continue(Vec<ChainKey>),
    Blocked,
    /// The chain waits, and other chains got work.
    Wait(Vec<ChainKey>),
}

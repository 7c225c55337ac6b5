//! In-game tickets: `@request`, whispers to `@Support`, staff replies, login and logout.

use time::OffsetDateTime;

use crate::effect::{ChainKey, Destination, Effect, LogEntry, Notice};
use crate::id::{AccountId, ChannelId, GameServerId, GuildId, TicketId};
use crate::permissions::Actor;
use crate::pid::Pid;
use crate::ports::{Commit, PlatformError, TranscriptAuthor, TranscriptEntry};
use crate::receipt::GameReceipt;
use crate::relay::{self, GameName, channel_slug, unique_channel_name};
use crate::settings::{GuildSettings, TicketType};
use crate::ticket::{CloseReason, HeldReply, InGameTicket, Ticket, TicketDetail, TicketSource, in_game_key};
use crate::topic::Topic;

use super::transcripts::{ChannelPost, is_ticket_staff};
use super::{Action, Desk, DeskError, Problem, relayed_text, retry_on_conflict};

/// A player as the game server reports them.
#[derive(Clone, PartialEq, Eq)]
pub struct GamePlayer {
    /// Their account (hashed into a pid at once; never stored).
    pub account: AccountId,
    /// Their character's name.
    pub name: String,
}

impl std::fmt::Debug for GamePlayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GamePlayer").field("account", &self.account).field("name", &self.name).finish()
    }
}

/// What became of a player's ticket message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InGameOutcome {
    /// A new ticket opened.
    Opened(TicketId),
    /// The message went to the player's open ticket.
    Relayed(TicketId),
    /// No ticket opened: the player is blocked or in their cooldown, and was whispered why.
    Refused,
}

/// What became of a message typed in a ticket channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageOutcome {
    /// The channel is not an open ticket: nothing to do.
    NotATicket,
    /// Kept in the ticket's transcript.
    Recorded(TicketId),
    /// Whispered to the player (or held, if they are offline).
    Relayed {
        /// The ticket.
        ticket: TicketId,
        /// Whether the player was offline and the reply is held for their next login.
        held: bool,
    },
}

/// A new in-game ticket, decided.
pub(crate) struct InGamePlan {
    pub ticket: Ticket,
    pub transcript: TranscriptEntry,
    pub effects: Vec<Effect>,
}

fn game_name(raw: &str) -> Result<GameName, DeskError> {
    GameName::new(raw.trim()).map_err(|_| {
        DeskError::invalid("player name", Problem::Malformed { expected: "1 to 23 bytes without control characters" })
    })
}

impl Desk {
    /// Decides a new in-game ticket (pure: nothing is saved or sent).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn plan_in_game_ticket(
        &self,
        settings: &GuildSettings,
        id: TicketId,
        server: &GameServerId,
        player: Pid,
        name: &GameName,
        source: TicketSource,
        text: &str,
        taken: &[String],
        now: OffsetDateTime,
    ) -> InGamePlan {
        let channel_name = unique_channel_name(&channel_slug(name.as_str()), |n| taken.iter().any(|t| t == n));
        let ticket = Ticket {
            id,
            guild: settings.guild,
            channel: None,
            channel_name: channel_name.clone(),
            detail: TicketDetail::InGame(InGameTicket {
                server: server.clone(),
                player,
                name: name.clone(),
                online: true,
                held: Vec::new(),
            }),
            opened_at: now,
            closed: None,
            claim: None,
            timers: Default::default(),
            activity: Default::default(),
            version: 0,
        };
        let effects = vec![
            Effect::CreateTicketChannel {
                ticket: id,
                kind: TicketType::InGame,
                guild: settings.guild,
                name: channel_name,
                category: settings.category(TicketType::InGame),
                topic: Topic::ticket(id),
                members: Vec::new(),
                staff_roles: settings.staff_roles(TicketType::InGame),
            },
            Effect::Post {
                to: Destination::Ticket(id),
                notice: Notice::InGameWelcome {
                    player: name.clone(),
                    server: server.clone(),
                    source,
                    ping: settings.ping_role(TicketType::InGame).into_iter().collect(),
                    opening: Some(text.to_owned()),
                },
            },
            Effect::GameTicketCreated { server: server.clone(), player: name.clone(), source },
        ];
        let transcript =
            TranscriptEntry::line(id, now, TranscriptAuthor::Player { name: name.clone() }, text.to_owned());
        InGamePlan { ticket, transcript, effects }
    }

    /// A player's line as the desk keeps it: their name checked, the text cut and sealed, and their pid.
    fn player_line(&self, player: &GamePlayer, message: &str) -> Result<(GameName, String, Pid), DeskError> {
        Ok((game_name(&player.name)?, self.sealed(relayed_text(message)?), self.key.account(player.account)))
    }

    /// A player used `@request <message>` or whispered `@Support`: opens their ticket, or adds the message to the
    /// one they have open.
    pub async fn open_game_ticket(
        &self,
        guild: GuildId,
        server: &GameServerId,
        player: &GamePlayer,
        source: TicketSource,
        message: &str,
    ) -> Result<InGameOutcome, DeskError> {
        let (name, text, pid) = self.player_line(player, message)?;
        retry_on_conflict!(self.try_player_message(guild, server, pid, &name, source, &text, true, None).await)
    }

    /// [`Desk::open_game_ticket`] for a record the game may send again (it does after a broken link, for records
    /// the bridge had not acknowledged): with the record's `receipt`, kept with what it changes. `Ok(None)`: this
    /// record was handled before, and nothing is done again.
    pub async fn open_game_ticket_once(
        &self,
        guild: GuildId,
        server: &GameServerId,
        player: &GamePlayer,
        source: TicketSource,
        message: &str,
        receipt: &GameReceipt,
    ) -> Result<Option<InGameOutcome>, DeskError> {
        if self.ports.store.has_receipt(receipt).await? {
            tracing::info!(%server, "game link: a record sent again was handled before; not again");
            return Ok(None);
        }
        let (name, text, pid) = self.player_line(player, message)?;
        let outcome = retry_on_conflict!(
            self.try_player_message(guild, server, pid, &name, source, &text, true, Some(receipt)).await
        )?;
        Ok(Some(outcome))
    }

    /// A player whispered `@Support` with a ticket open: the message goes to its channel. Without an open ticket
    /// this is [`DeskError::NoOpenTicket`] (use [`Desk::open_game_ticket`] to open one).
    pub async fn relay_player_message(
        &self,
        guild: GuildId,
        server: &GameServerId,
        player: &GamePlayer,
        message: &str,
    ) -> Result<TicketId, DeskError> {
        let (name, text, pid) = self.player_line(player, message)?;
        match retry_on_conflict!(
            self.try_player_message(guild, server, pid, &name, TicketSource::Whisper, &text, false, None).await
        )? {
            InGameOutcome::Relayed(t) | InGameOutcome::Opened(t) => Ok(t),
            InGameOutcome::Refused => Err(DeskError::NoOpenTicket),
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn try_player_message(
        &self,
        guild: GuildId,
        server: &GameServerId,
        pid: Pid,
        name: &GameName,
        source: TicketSource,
        text: &str,
        may_open: bool,
        receipt: Option<&GameReceipt>,
    ) -> Result<InGameOutcome, DeskError> {
        let settings = self.settings(guild).await?;
        if !settings.in_game.enabled {
            return Err(DeskError::InGameDisabled);
        }
        let now = self.ports.clock.now();
        let store = &self.ports.store;
        if let Some(mut ticket) = store.open_ticket_by_key(&in_game_key(server, pid)).await? {
            let id = ticket.id;
            let mut commit = Commit::default();
            let game = ticket.in_game_mut()?;
            if !game.online || game.name != *name {
                game.online = true;
                game.name = name.clone();
                commit.tickets.push(ticket);
            }
            commit.transcript.push(TranscriptEntry::line(
                id,
                now,
                TranscriptAuthor::Player { name: name.clone() },
                text.to_owned(),
            ));
            let notice = Notice::PlayerMessage { player: name.clone(), text: text.to_owned() };
            commit.enqueue.push((ChainKey::Ticket(id), Effect::Post { to: Destination::Ticket(id), notice }));
            commit.receipts.extend(receipt.cloned());
            self.save_game_record(commit).await?;
            return Ok(InGameOutcome::Relayed(id));
        }
        if !may_open {
            return Err(DeskError::NoOpenTicket);
        }
        if let Some(why) = self.in_game_refusal(&settings, pid, now).await? {
            // The player is told why in a whisper; the record is handled (no `error`: the game would show its
            // own "try again").
            let chain = ChainKey::Guild(guild);
            let commit = Commit {
                enqueue: relay::for_game(super::limits::GAME_NOTICE_FROM, &why)
                    .into_iter()
                    .map(|text| (chain, Effect::GameNotice { server: server.clone(), player: name.clone(), text }))
                    .collect(),
                receipts: receipt.into_iter().cloned().collect(),
                ..Commit::default()
            };
            self.save_game_record(commit).await?;
            tracing::info!(player = %pid, %server, "in-game ticket refused: blocked or cooling down");
            return Ok(InGameOutcome::Refused);
        }
        self.check_channels_refused(guild, now)?;
        let id = store.next_ticket_id().await?;
        let taken = store.open_channel_names(guild, &channel_slug(name.as_str())).await?;
        let plan = self.plan_in_game_ticket(&settings, id, server, pid, name, source, text, &taken, now);
        let chain = ChainKey::Ticket(id);
        let commit = Commit {
            tickets: vec![plan.ticket],
            transcript: vec![plan.transcript],
            enqueue: plan.effects.into_iter().map(|e| (chain, e)).collect(),
            receipts: receipt.into_iter().cloned().collect(),
            ..Commit::default()
        };
        self.save_game_record(commit).await?;
        tracing::info!(ticket = %id, player = %pid, %server, "in-game ticket opened");
        Ok(InGameOutcome::Opened(id))
    }

    /// Someone typed in a channel. In an in-game ticket a staff member's message is whispered to the player
    /// (held if they are offline); in a support or recruitment ticket it is kept in the transcript; anywhere else
    /// nothing happens.
    pub async fn channel_message(
        &self,
        channel: ChannelId,
        author: &Actor,
        text: &str,
    ) -> Result<MessageOutcome, DeskError> {
        self.channel_post(channel, author, &ChannelPost::text(text)).await
    }

    /// [`Desk::channel_message`] with what the platform knows of the message: its id (so that its edits and
    /// deletion reach the transcript) and its attachments (kept as links; named to a player in game).
    pub async fn channel_post(
        &self,
        channel: ChannelId,
        author: &Actor,
        post: &ChannelPost,
    ) -> Result<MessageOutcome, DeskError> {
        if author.is_bot {
            return Ok(MessageOutcome::NotATicket);
        }
        retry_on_conflict!(self.try_channel_message(channel, author, post).await)
    }

    async fn try_channel_message(
        &self,
        channel: ChannelId,
        author: &Actor,
        post: &ChannelPost,
    ) -> Result<MessageOutcome, DeskError> {
        let store = &self.ports.store;
        let Some(mut ticket) = store.ticket_by_channel(channel).await?.filter(Ticket::is_open) else {
            return Ok(MessageOutcome::NotATicket);
        };
        self.same_guild(author, ticket.guild)?;
        let now = self.ports.clock.now();
        let id = ticket.id;
        let settings = self.settings(ticket.guild).await?;
        let pid = self.pid_of(author.user);
        let staff = is_ticket_staff(author, &settings, &ticket, pid);
        // The transcript keeps the text as written and the files beside it; a message of files alone is no error.
        let written = if post.content.trim().is_empty() && !post.attachments.is_empty() {
            String::new()
        } else {
            relayed_text(&post.content)?
        };
        let name = author.display_name.clone();
        let entry = TranscriptEntry::line(
            id,
            now,
            if staff { TranscriptAuthor::staff(pid, name) } else { TranscriptAuthor::member(pid, name) },
            self.sealed(written),
        )
        .with_attachments(post.attachments.clone());
        let entry = match post.message {
            Some(message) => entry.from_message(message),
            None => entry,
        };
        let claim_check = Desk::check_claim(&settings, &ticket, author, pid);
        let opener = ticket.opener().is_some_and(|(opener, _)| opener == pid);
        // The first word of staff (other than the opener) is the ticket's first response (statistics).
        let first_response = staff && !opener && ticket.activity.note_response(pid, || self.key.seal(author.user), now);
        if !matches!(ticket.detail, TicketDetail::InGame(_)) {
            let mut commit = Commit { transcript: vec![entry], ..Commit::default() };
            // A word from the opener restarts the inactivity clock.
            if opener {
                ticket.timers.opener_active_at = Some(now);
                ticket.timers.due_at = super::closing::next_due(&ticket, &settings);
            }
            if opener || first_response {
                commit.tickets.push(ticket);
            }
            self.save_and_run(commit).await?;
            return Ok(MessageOutcome::Recorded(id));
        }
        let TicketDetail::InGame(game) = &mut ticket.detail else { return Ok(MessageOutcome::Recorded(id)) };
        self.require(author, &settings, Action::ReplyInGame)?;
        claim_check?;
        let text = relayed_text(&post.relay_text())?;
        // Split as typed (a mention is never cut: it holds no space), then sealed for storing like the text.
        let parts: Vec<String> =
            relay::for_game(&author.display_name, &text).into_iter().map(|part| self.sealed(part)).collect();
        let mut commit = Commit { transcript: vec![entry], ..Commit::default() };
        let chain = ChainKey::Ticket(id);
        let held = !game.online;
        // Earlier replies still on their way are held as they run; holding this one now would put it before them.
        let earlier_on_the_way = held
            && store.pending_effects(Some(chain)).await?.iter().any(|p| matches!(p.effect, Effect::Whisper { .. }));
        if held && !earlier_on_the_way {
            for part in parts {
                game.held.push(HeldReply { from: author.display_name.clone(), text: part, at: now });
            }
            let notice = Notice::ReplyHeld { player: game.name.clone() };
            commit.enqueue.push((chain, Effect::Post { to: Destination::Ticket(id), notice }));
            commit.tickets.push(ticket);
        } else {
            for part in parts {
                commit.enqueue.push((
                    chain,
                    Effect::Whisper {
                        ticket: id,
                        server: game.server.clone(),
                        player: game.name.clone(),
                        from: author.display_name.clone(),
                        text: part,
                    },
                ));
            }
            if held {
                let notice = Notice::ReplyHeld { player: game.name.clone() };
                commit.enqueue.push((chain, Effect::Post { to: Destination::Ticket(id), notice }));
            }
            if first_response {
                commit.tickets.push(ticket);
            }
        }
        self.save_and_run(commit).await?;
        let held = held || store.ticket(id).await?.is_some_and(|t| t.in_game().is_ok_and(|g| !g.held.is_empty()));
        Ok(MessageOutcome::Relayed { ticket: id, held })
    }

    /// A player logged in: replies held for them are whispered now.
    pub async fn player_login(
        &self,
        _guild: GuildId,
        server: &GameServerId,
        player: &GamePlayer,
    ) -> Result<Option<TicketId>, DeskError> {
        let name = game_name(&player.name)?;
        let pid = self.key.account(player.account);
        retry_on_conflict!(self.try_login(server, pid, &name).await)
    }

    async fn try_login(&self, server: &GameServerId, pid: Pid, name: &GameName) -> Result<Option<TicketId>, DeskError> {
        let Some(mut ticket) = self.ports.store.open_ticket_by_key(&in_game_key(server, pid)).await? else {
            return Ok(None);
        };
        let id = ticket.id;
        let chain = ChainKey::Ticket(id);
        let game = ticket.in_game_mut()?;
        if game.online && game.held.is_empty() {
            return Ok(Some(id));
        }
        game.online = true;
        game.name = name.clone();
        let held = std::mem::take(&mut game.held);
        let mut commit = Commit::default();
        let notice = if held.is_empty() {
            Notice::PlayerLoggedIn { player: name.clone() }
        } else {
            Notice::HeldDelivered { player: name.clone(), count: held.len() }
        };
        for reply in held {
            let whisper = Effect::Whisper {
                ticket: id,
                server: server.clone(),
                player: name.clone(),
                from: reply.from,
                text: reply.text,
            };
            commit.enqueue.push((chain, whisper));
        }
        commit.enqueue.push((chain, Effect::Post { to: Destination::Ticket(id), notice }));
        commit.tickets.push(ticket);
        self.save_game_record(commit).await?;
        Ok(Some(id))
    }

    /// A player logged out: their ticket closes (and its channel is deleted) if `close_on_logout` is on;
    /// otherwise staff are told replies will be held.
    pub async fn player_logout(
        &self,
        guild: GuildId,
        server: &GameServerId,
        player: &GamePlayer,
    ) -> Result<Option<TicketId>, DeskError> {
        let name = game_name(&player.name)?;
        let pid = self.key.account(player.account);
        retry_on_conflict!(self.try_logout(guild, server, pid, &name).await)
    }

    async fn try_logout(
        &self,
        guild: GuildId,
        server: &GameServerId,
        pid: Pid,
        name: &GameName,
    ) -> Result<Option<TicketId>, DeskError> {
        let Some(mut ticket) = self.ports.store.open_ticket_by_key(&in_game_key(server, pid)).await? else {
            return Ok(None);
        };
        let settings = self.settings(guild).await?;
        let now = self.ports.clock.now();
        let id = ticket.id;
        let chain = ChainKey::Ticket(id);
        let mut commit = Commit::default();
        ticket.in_game_mut()?.online = false;
        if settings.in_game.close_on_logout {
            ticket.close(CloseReason::PlayerLoggedOut, None, now)?;
            if let Some(log) = settings.targets.log_channel {
                let entry = LogEntry::InGameClosed {
                    ticket: id,
                    player: name.clone(),
                    reason: CloseReason::PlayerLoggedOut.to_string(),
                };
                let to = Destination::Channel(log);
                commit.enqueue.push((chain, Effect::PostTranscript { ticket: id, to, notice: Notice::Log(entry) }));
            }
            commit.enqueue.push((chain, Effect::DeleteTicketChannel { ticket: id }));
            commit.enqueue.push((chain, Effect::GameTicketClosed { server: server.clone(), player: name.clone() }));
            commit.transcript.push(TranscriptEntry::line(
                id,
                now,
                TranscriptAuthor::System,
                "Closed: the player logged out.",
            ));
            tracing::info!(ticket = %id, "in-game ticket closed on logout");
        } else {
            let notice = Notice::PlayerLoggedOut { player: name.clone() };
            commit.enqueue.push((chain, Effect::Post { to: Destination::Ticket(id), notice }));
        }
        commit.tickets.push(ticket);
        self.save_game_record(commit).await?;
        Ok(Some(id))
    }

    /// The game reported that a whisper it was given could not reach the player after all (they left just
    /// before it arrived): the reply is held on their open ticket for their next login, and staff are told.
    /// Returns the ticket, if the player has one open.
    pub async fn reply_undelivered(
        &self,
        guild: GuildId,
        server: &GameServerId,
        player: &str,
        from: &str,
        text: &str,
    ) -> Result<Option<TicketId>, DeskError> {
        let name = game_name(player)?;
        retry_on_conflict!(
            async {
                let open = self.ports.store.open_game_players(guild, server).await?;
                let Some(found) = open.into_iter().find(|p| p.name == name) else { return Ok(None) };
                let Some(mut ticket) = self.ports.store.ticket(found.ticket).await?.filter(Ticket::is_open) else {
                    return Ok(None);
                };
                let id = ticket.id;
                let now = self.ports.clock.now();
                let game = ticket.in_game_mut()?;
                let was_online = game.online;
                game.online = false;
                // The link gives back the whisper as it was sent (people opened): stored sealed again.
                game.held.push(HeldReply { from: from.to_owned(), text: self.sealed(text.to_owned()), at: now });
                let mut commit = Commit::default();
                if was_online {
                    let notice = Notice::ReplyHeld { player: name.clone() };
                    commit.enqueue.push((ChainKey::Ticket(id), Effect::Post { to: Destination::Ticket(id), notice }));
                }
                commit.tickets.push(ticket);
                self.save_and_run(commit).await?;
                Ok(Some(id))
            }
            .await
        )
    }

    /// The game announced every player online on `server` (after it (re)connected): the open tickets of players
    /// it did not announce are handled as logouts (closed if `close_on_logout` is on). This catches logouts the
    /// bridge missed while it or the link was down. Announced players whose ticket has them offline, or holds
    /// replies for them, are logged in as [`Desk::player_login`] would. Reads only the server's open in-game
    /// tickets ([`TicketStore::open_game_players`](crate::TicketStore::open_game_players)), not whole tickets.
    /// Returns the tickets handled as logouts.
    pub async fn sync_players(
        &self,
        guild: GuildId,
        server: &GameServerId,
        online: &[GamePlayer],
    ) -> Result<Vec<TicketId>, DeskError> {
        let online: std::collections::HashMap<Pid, &GamePlayer> =
            online.iter().map(|p| (self.key.account(p.account), p)).collect();
        let mut handled = Vec::new();
        for open in self.ports.store.open_game_players(guild, server).await? {
            match online.get(&open.player) {
                None if open.online => {
                    let (pid, name) = (open.player, &open.name);
                    if retry_on_conflict!(self.try_logout(guild, server, pid, name).await)?.is_some() {
                        handled.push(open.ticket);
                    }
                }
                Some(player) if !open.online || open.held => {
                    let Ok(name) = game_name(&player.name) else { continue };
                    retry_on_conflict!(self.try_login(server, open.player, &name).await)?;
                }
                _ => {}
            }
        }
        Ok(handled)
    }

    /// The game server sent its `config` record (from `conf/channels.conf`).
    pub async fn apply_game_config(
        &self,
        guild: GuildId,
        enabled: bool,
        close_on_logout: bool,
    ) -> Result<(), DeskError> {
        retry_on_conflict!(
            async {
                let mut settings = self.settings(guild).await?;
                if settings.in_game.enabled == enabled && settings.in_game.close_on_logout == close_on_logout {
                    return Ok(());
                }
                settings.in_game.enabled = enabled;
                settings.in_game.close_on_logout = close_on_logout;
                self.save_and_run(Commit { settings: Some(settings), ..Commit::default() }).await
            }
            .await
        )
    }

    /// A channel was deleted (by hand, or by anyone): its open ticket closes. For an in-game ticket the game is
    /// told; for a recruitment ticket the record loses its ticket link. Returns the ticket, if it was one.
    pub async fn channel_deleted(&self, channel: ChannelId) -> Result<Option<TicketId>, DeskError> {
        retry_on_conflict!(
            async {
                let Some(ticket) = self.ports.store.ticket_by_channel(channel).await?.filter(Ticket::is_open) else {
                    return Ok(None);
                };
                let now = self.ports.clock.now();
                let mut commit = Commit::default();
                commit.transcript.push(TranscriptEntry::line(
                    ticket.id,
                    now,
                    TranscriptAuthor::System,
                    "Closed: the channel was deleted.",
                ));
                self.plan_channel_gone(ticket.id, CloseReason::ChannelDeleted, None, now, &mut commit).await?;
                self.save_and_run(commit).await?;
                tracing::info!(ticket = %ticket.id, "ticket closed: its channel was deleted");
                Ok(Some(ticket.id))
            }
            .await
        )
    }

    /// At start-up: every open ticket of `guild` whose channel is not among `existing`, and that the platform
    /// confirms is gone ([`ChatPlatform::channel_exists`](crate::ChatPlatform::channel_exists)), is closed as
    /// deleted; a ticket whose channel is being created is left alone. Returns the tickets closed.
    pub async fn reconcile(&self, guild: GuildId, existing: &[ChannelId]) -> Result<Vec<TicketId>, DeskError> {
        // A guild's channels and its open tickets are both in the hundreds: looked up, not scanned per ticket.
        let existing: std::collections::HashSet<ChannelId> = existing.iter().copied().collect();
        let mut missing = self.ports.store.open_ticket_channels(guild).await?;
        missing.retain(|(_, channel)| !existing.contains(channel));
        if missing.is_empty() {
            return Ok(Vec::new());
        }
        // A channel whose creation is pending or under way is not in any list yet, and its ticket may hold an
        // older channel (being replaced): never reconcile those away.
        let creating: std::collections::HashSet<TicketId> = self
            .ports
            .store
            .pending_effects(None)
            .await?
            .into_iter()
            .filter_map(|p| match p.effect {
                Effect::CreateTicketChannel { ticket, .. } => Some(ticket),
                _ => None,
            })
            .collect();
        let mut closed = Vec::new();
        for (ticket, channel) in missing.into_iter().filter(|(ticket, _)| !creating.contains(ticket)) {
            // The list may predate a channel the outbox made meanwhile (it runs at the same time): ask again.
            match self.ports.chat.channel_exists(channel).await {
                Ok(true) => {
                    tracing::info!(%ticket, %channel, "reconcile: the channel exists after all; kept");
                    continue;
                }
                Ok(false) | Err(PlatformError::NotFound) => {}
                Err(error) => {
                    tracing::warn!(%ticket, %channel, %error, "reconcile: cannot tell whether the channel exists; kept");
                    continue;
                }
            }
            if let Some(id) = self.channel_deleted(channel).await? {
                closed.push(id);
            }
        }
        Ok(closed)
    }
}

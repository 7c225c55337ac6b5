//! `TicketStore`: durable state and the effect outbox.

use std::error::Error as StdError;

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::effect::{ChainKey, Effect, PendingEffect};
use crate::id::{ApplicationId, ChannelId, EffectId, GameServerId, GuildId, TicketId};
use crate::pid::Pid;
use crate::receipt::GameReceipt;
use crate::recruitment::Application;
use crate::relay::GameName;
use crate::settings::{GuildSettings, TicketType};
use crate::ticket::Ticket;
pub use crate::transcript::{
    TranscriptAttachment, TranscriptAuthor, TranscriptChange, TranscriptChangeKind, TranscriptEdit, TranscriptEntry,
};

/// A failed effect to try again later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retry {
    /// The effect.
    pub id: EffectId,
    /// Failures so far.
    pub attempts: u32,
    /// Not before.
    pub not_before: OffsetDateTime,
}

/// An open in-game ticket as a game server's resync reads it ([`TicketStore::open_game_players`]): whose it is,
/// whether it has them online and whether replies wait for their next login, without the rest of the ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenGamePlayer {
    /// The ticket.
    pub ticket: TicketId,
    /// The player.
    pub player: Pid,
    /// Their character's name, as last seen.
    pub name: GameName,
    /// Whether the ticket has them online.
    pub online: bool,
    /// Whether staff replies are held for their next login.
    pub held: bool,
}

/// Everything one use case (or one effect's completion) changes, saved atomically.
///
/// Versioned records (`settings`, `tickets`, `applications`) carry the version they were loaded at: the store
/// writes them only if the stored version still matches (0 = must not exist yet) and then bumps it; otherwise
/// the whole commit fails with [`StoreError::Conflict`] and nothing is written. An open ticket whose
/// [`open_key`](Ticket::open_key) is already held by another open ticket is a conflict too, and so is an open
/// ticket given a channel name another open ticket of its guild holds ([`Commit::name_claims`]): two tickets
/// opened at once never get the same channel name. So is amending an outbox effect that is no longer pending
/// ([`Commit::amend`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Commit {
    /// Settings to save.
    pub settings: Option<GuildSettings>,
    /// Tickets to insert or update.
    pub tickets: Vec<Ticket>,
    /// Applications to insert or update.
    pub applications: Vec<Application>,
    /// Transcript lines to append.
    pub transcript: Vec<TranscriptEntry>,
    /// Edits and deletions of messages that have transcript lines, applied after `transcript` (so a line and a
    /// change of its message can be saved together). A change whose message has no line of its ticket changes
    /// nothing.
    pub transcript_changes: Vec<TranscriptChange>,
    /// Effects to add to the outbox, in order.
    pub enqueue: Vec<(ChainKey, Effect)>,
    /// Pending outbox effects whose [`Effect`] is replaced: each keeps its id, chain, place in its chain, attempts
    /// and retry time; only what it does changes. Applied before `done`, `retry` and `dead`, so one commit can
    /// amend an effect and mark others done (the outbox folds several pending posts of a chain into the first one
    /// this way: a crash then neither loses nor doubles a line).
    ///
    /// Every id must be pending when the commit is applied (neither done nor dead, and not unknown); otherwise the
    /// whole commit fails with [`StoreError::Conflict`] and nothing of it is written. Amending one id twice in one
    /// commit keeps the last effect.
    pub amend: Vec<(EffectId, Effect)>,
    /// Outbox effects that are done.
    pub done: Vec<EffectId>,
    /// Outbox effects that failed and wait.
    pub retry: Vec<Retry>,
    /// Outbox effects given up on: kept for inspection, never run again.
    pub dead: Vec<EffectId>,
    /// Game records this commit handles: remembered (the newest [`RECEIPTS_KEPT`](crate::receipt::RECEIPTS_KEPT)
    /// per game server) so that [`TicketStore::has_receipt`] recognises them if the game sends them again. A
    /// receipt already stored is no conflict.
    pub receipts: Vec<GameReceipt>,
}

impl Commit {
    /// The version rule every store applies to a record of a commit: a record loaded at version `loaded` may be
    /// written only if the stored version (`None`: no such record) is still that one, `0` meaning "new".
    pub fn check_version(stored: Option<u64>, loaded: u64) -> Result<(), StoreError> {
        match stored {
            None if loaded == 0 => Ok(()),
            Some(v) if v == loaded => Ok(()),
            _ => Err(StoreError::Conflict),
        }
    }

    /// The channel names this commit gives open tickets that did not hold them yet (new tickets, renamed ones,
    /// reopened ones), as `(guild, name, ticket)`: each must be free in its guild, except from a holder this
    /// commit releases ([`Commit::keeps_name`]). `held` gives a stored ticket's name if it is open. Two claims of
    /// one name in one guild within the commit are a conflict.
    ///
    /// A ticket that keeps the name it had is not a claim, so tickets that already share a name (stored before
    /// this rule) can still be updated.
    pub fn name_claims(
        &self,
        held: impl Fn(TicketId) -> Option<String>,
    ) -> Result<Vec<(GuildId, &str, TicketId)>, StoreError> {
        let mut claims: Vec<(GuildId, &str, TicketId)> = Vec::new();
        for ticket in self.tickets.iter().filter(|t| t.closed.is_none()) {
            if held(ticket.id).as_deref() == Some(ticket.channel_name.as_str()) {
                continue;
            }
            let name = ticket.channel_name.as_str();
            if claims.iter().any(|(g, n, _)| *g == ticket.guild && *n == name) {
                return Err(StoreError::Conflict);
            }
            claims.push((ticket.guild, name, ticket.id));
        }
        Ok(claims)
    }

    /// Whether `holder`, an open ticket holding the channel name `name`, still holds it after this commit (it
    /// releases it by closing or being renamed here).
    pub fn keeps_name(&self, holder: TicketId, name: &str) -> bool {
        self.tickets.iter().find(|t| t.id == holder).is_none_or(|t| t.closed.is_none() && t.channel_name == name)
    }

    /// Whether the commit changes nothing.
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }
}

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A record changed since it was loaded, an open-ticket key or channel name is taken, or an amended effect is
    /// no longer pending. Load again and retry.
    #[error("the stored data changed meanwhile")]
    Conflict,
    /// A record refers to something that does not exist.
    #[error("{what} {id} does not exist")]
    Missing {
        /// What kind of record.
        what: &'static str,
        /// Its id.
        id: u64,
    },
    /// The backend failed.
    #[error("storage failed: {0}")]
    Backend(#[source] Box<dyn StdError + Send + Sync>),
}

impl StoreError {
    /// Wraps a backend error.
    pub fn backend(error: impl StdError + Send + Sync + 'static) -> Self {
        Self::Backend(Box::new(error))
    }
}

/// Durable state and the effect outbox. Implemented by the in-memory store here and by `adapter-sqlite`; both
/// pass `ticket_core::conformance` (feature `conformance`).
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait TicketStore: Send + Sync {
    /// A guild's settings; the defaults (version 0) if it never saved any.
    async fn settings(&self, guild: GuildId) -> Result<GuildSettings, StoreError>;
    /// A ticket.
    async fn ticket(&self, id: TicketId) -> Result<Option<Ticket>, StoreError>;
    /// The ticket whose channel this is (open or closed).
    async fn ticket_by_channel(&self, channel: ChannelId) -> Result<Option<Ticket>, StoreError>;
    /// The open ticket holding an [`open_key`](Ticket::open_key).
    async fn open_ticket_by_key(&self, key: &str) -> Result<Option<Ticket>, StoreError>;
    /// When `person` (a ticket's [`person`](Ticket::person)) last opened a ticket of `kind` in `guild`: the
    /// `opened_at` of their newest such ticket, open or closed; what a cooldown counts from. Read through an index.
    async fn last_opened(
        &self,
        guild: GuildId,
        kind: TicketType,
        person: Pid,
    ) -> Result<Option<OffsetDateTime>, StoreError>;
    /// A guild's open tickets, oldest first.
    async fn open_tickets(&self, guild: GuildId) -> Result<Vec<Ticket>, StoreError>;
    /// The channels of a guild's open tickets, as `(ticket, channel)` by ticket id; tickets without a channel yet
    /// are left out. What a start-up reconciliation compares with the channels the platform lists, without
    /// reading whole tickets.
    async fn open_ticket_channels(&self, guild: GuildId) -> Result<Vec<(TicketId, ChannelId)>, StoreError>;
    /// The open in-game tickets of one game server in a guild, by ticket id: what the game's announcement of who
    /// is online is compared with. Read through an index.
    async fn open_game_players(&self, guild: GuildId, server: &GameServerId)
    -> Result<Vec<OpenGamePlayer>, StoreError>;
    /// Open tickets whose [`due_at`](crate::ticket::TicketTimers::due_at) is at or before `until`, soonest first
    /// (then by id), at most `limit`. Read through an index: the desk asks at every run of its outbox.
    async fn tickets_due(&self, until: OffsetDateTime, limit: usize) -> Result<Vec<Ticket>, StoreError>;
    /// What `/tickets stats` reads: one [`TicketStat`](crate::stats::TicketStat) per ticket of `guild` opened or
    /// closed at or after `since` (every ticket of the guild for `None`), by ticket id. Read through indexes on
    /// (guild, opened at) and (guild, closed at), never a scan of other guilds' or older tickets.
    async fn ticket_stats(
        &self,
        guild: GuildId,
        since: Option<OffsetDateTime>,
    ) -> Result<Vec<crate::stats::TicketStat>, StoreError>;
    /// The soonest `due_at` of an open ticket.
    async fn next_ticket_due(&self) -> Result<Option<OffsetDateTime>, StoreError>;
    /// The channel names of a guild's open tickets that are `base` or start with `base-`: what a new ticket
    /// channel named after `base` must not collide with.
    async fn open_channel_names(&self, guild: GuildId, base: &str) -> Result<Vec<String>, StoreError>;
    /// An application.
    async fn application(&self, id: ApplicationId) -> Result<Option<Application>, StoreError>;
    /// A member's applications in a guild, oldest first.
    async fn applications_of(&self, guild: GuildId, applicant: Pid) -> Result<Vec<Application>, StoreError>;
    /// A ticket's transcript, in order.
    async fn transcript(&self, ticket: TicketId) -> Result<Vec<TranscriptEntry>, StoreError>;
    /// Deletes the transcripts of a guild's tickets that closed before `closed_before` (their tickets stay);
    /// returns how many lines went. Open tickets keep theirs, however old.
    async fn purge_transcripts(&self, guild: GuildId, closed_before: OffsetDateTime) -> Result<u64, StoreError>;
    /// Outbox effects not yet done (of one chain, or all), in id order.
    async fn pending_effects(&self, chain: Option<ChainKey>) -> Result<Vec<PendingEffect>, StoreError>;
    /// A fresh ticket id (never handed out before, even after a crash).
    async fn next_ticket_id(&self) -> Result<TicketId, StoreError>;
    /// A fresh application id.
    async fn next_application_id(&self) -> Result<ApplicationId, StoreError>;
    /// Saves a commit atomically; returns the ids given to its enqueued effects, in order.
    async fn commit(&self, commit: Commit) -> Result<Vec<EffectId>, StoreError>;
    /// Whether a commit with this receipt was saved (among the newest kept for its game server).
    async fn has_receipt(&self, receipt: &GameReceipt) -> Result<bool, StoreError>;
    /// When the bot last received an event from Discord, as [`set_gateway_seen`](Self::set_gateway_seen) last
    /// saved it (by this process or an earlier one); `None` if never. Messages posted in ticket channels after it
    /// were never delivered to the bot, and are read from the channels' history at the next connection (see
    /// [`Desk::recorded_messages`](crate::desk::Desk::recorded_messages)). The default keeps nothing: a store that
    /// does not implement it gets no such catch-up.
    async fn gateway_seen(&self) -> Result<Option<OffsetDateTime>, StoreError> {
        Ok(None)
    }
    /// Saves when the bot last received an event from Discord (replacing the previous time, even a later one: the
    /// clock of the process that saves it now is the one that counts).
    async fn set_gateway_seen(&self, at: OffsetDateTime) -> Result<(), StoreError> {
        let _ = at;
        Ok(())
    }
}

//! The [`Desk`]: every use case of both specs, each one async call.
//!
//! A use case loads what it needs, checks who is asking, decides (pure code: the ticket lifecycle, the
//! recruitment machine, the relay rules), and saves the new state **and** the effects still to run in one
//! [`TicketStore::commit`] (the outbox). Only then does it run the effects through the ports, marking each done.
//! If the process dies in between, [`Desk::resume`] runs what is left, so no ticket stays half-open or
//! half-closed. If two use cases race on the same record, the loser reloads and decides again.

mod admin;
mod catch_up;
mod channel_gone;
mod channel_queue;
mod claims;
mod closing;
mod coalesce;
mod error;
mod execute;
mod feedback;
mod given_up;
mod in_game;
mod limits;
mod panel;
mod pings;
mod recruitment;
mod reopen;
mod schedule;
mod snippets;
mod stats;
mod support;
#[cfg(test)]
mod tests;
mod transcripts;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use time::OffsetDateTime;

pub use admin::{AdminCommand, OrgRolesUpdate, TargetsUpdate};
pub use catch_up::RecordedMessages;
pub use channel_queue::QUEUE_RECHECK;
pub use claims::ClaimOutcome;
pub use closing::next_due as ticket_next_due;
pub use error::{Action, DeskError, Problem};
pub use execute::ResumeReport;
pub use in_game::{GamePlayer, InGameOutcome, MessageOutcome};
pub use limits::{BlockWho, LimitsCommand};
pub use recruitment::{DEFAULT_AREA, QnaProgress, Step1Input, area_names};
pub use reopen::REOPEN_RECAP_LINES;
pub use snippets::{SNIPPET_CHOICES_MAX, SnippetCommand};
pub use support::Opened;
pub use transcripts::{ChannelPost, TRANSCRIPT_FILE_MAX, TranscriptTarget, transcript_file};

use crate::effect::ChainKey;
use crate::id::{ApplicationId, GameServerId, GuildId, UserId};
use crate::permissions::Actor;
use crate::pid::{Pid, PidKey};
use crate::ports::{
    ChatPlatform, CitizenProfile, Clock, GameLink, GameLinkError, OffsetZones, OrgProfile, ProfileDirectory,
    ProfileError, StoreError, SystemClock, TicketStore, TimeZones, WhisperOutcome,
};
use crate::relay::{GameName, RELAY_TEXT_MAX, clean_text};
use crate::settings::GuildSettings;
use crate::ticket::TicketSource;

/// The least time between two edits of one permanent record, unless [`Desk::with_record_edit_quiet`] says
/// otherwise: status changes that come quicker are held and coalesced into one edit showing the newest state
/// (Discord rate-limits edits per channel, and every record shares the log channel).
pub const RECORD_EDIT_QUIET: Duration = Duration::from_secs(2);

/// After Discord refused a guild's ticket channel for good, how long new in-game tickets of that guild are refused
/// at once rather than asking Discord again.
pub const CHANNELS_REFUSED_COOL_OFF: Duration = Duration::from_secs(5 * 60);

/// How many times a use case decides again after losing a race before giving up with [`DeskError::Busy`].
const MAX_TRIES: usize = 5;

/// Runs a use case attempt again while it loses races on the store.
macro_rules! retry_on_conflict {
    ($attempt:expr) => {{
        let mut tries = 0;
        loop {
            match $attempt {
                Err($crate::desk::DeskError::Store($crate::ports::StoreError::Conflict))
                    if tries + 1 < $crate::desk::MAX_TRIES =>
                {
                    tries += 1
                }
                Err($crate::desk::DeskError::Store($crate::ports::StoreError::Conflict)) => {
                    break Err($crate::desk::DeskError::Busy);
                }
                other => break other,
            }
        }
    }};
}
pub(crate) use retry_on_conflict;

/// The ports a [`Desk`] works through.
#[derive(Clone)]
pub struct Ports {
    /// Durable state and the outbox.
    pub store: Arc<dyn TicketStore>,
    /// Discord.
    pub chat: Arc<dyn ChatPlatform>,
    /// The game servers.
    pub game: Arc<dyn GameLink>,
    /// RSI lookups.
    pub profiles: Arc<dyn ProfileDirectory>,
    /// The time.
    pub clock: Arc<dyn Clock>,
    /// Time-zone knowledge.
    pub zones: Arc<dyn TimeZones>,
}

impl Ports {
    /// A store and a chat platform; no game link, no RSI lookups, the system clock and UTC-offset time zones.
    /// Swap in more with the `with_*` methods.
    pub fn new(store: Arc<dyn TicketStore>, chat: Arc<dyn ChatPlatform>) -> Self {
        Self {
            store,
            chat,
            game: Arc::new(NoGameLink),
            profiles: Arc::new(NoProfiles),
            clock: Arc::new(SystemClock),
            zones: Arc::new(OffsetZones),
        }
    }

    /// With a game link.
    pub fn with_game(mut self, game: Arc<dyn GameLink>) -> Self {
        self.game = game;
        self
    }

    /// With an RSI directory.
    pub fn with_profiles(mut self, profiles: Arc<dyn ProfileDirectory>) -> Self {
        self.profiles = profiles;
        self
    }

    /// With a clock.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// With time-zone knowledge.
    pub fn with_zones(mut self, zones: Arc<dyn TimeZones>) -> Self {
        self.zones = zones;
        self
    }
}

/// A game link for deployments without a game server: every server is down.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoGameLink;

#[async_trait]
impl GameLink for NoGameLink {
    async fn whisper(
        &self,
        server: &GameServerId,
        _: &GameName,
        _: &str,
        _: &str,
    ) -> Result<WhisperOutcome, GameLinkError> {
        Err(GameLinkError::LinkDown(server.clone()))
    }

    async fn ticket_created(&self, server: &GameServerId, _: &GameName, _: TicketSource) -> Result<(), GameLinkError> {
        Err(GameLinkError::LinkDown(server.clone()))
    }

    async fn ticket_closed(&self, server: &GameServerId, _: &GameName) -> Result<(), GameLinkError> {
        Err(GameLinkError::LinkDown(server.clone()))
    }
}

/// An RSI directory for deployments without lookups: always unavailable.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProfiles;

#[async_trait]
impl ProfileDirectory for NoProfiles {
    async fn citizen(&self, _: &str) -> Result<CitizenProfile, ProfileError> {
        Err(ProfileError::Unavailable)
    }

    async fn organisation(&self, _: &str) -> Result<OrgProfile, ProfileError> {
        Err(ProfileError::Unavailable)
    }
}

/// The ticket service. Cheap to share behind an `Arc`; every method takes `&self` and may run concurrently.
///
/// Effects that cannot run yet (a retry after a failure, a record edit held for its quiet time) wait in the
/// outbox with a time; whoever drives the desk calls [`Desk::resume`] when [`Desk::next_due`] says, and wakes
/// early when [`Desk::rescheduled`] completes (the adapters' bots do this).
pub struct Desk {
    ports: Ports,
    key: PidKey,
    /// Chains being run by some task, and whether more work arrived for them meanwhile.
    running: Mutex<HashMap<ChainKey, bool>>,
    /// When this process last posted or edited each application's record.
    record_edits: Mutex<HashMap<ApplicationId, OffsetDateTime>>,
    /// The least time between two edits of one record.
    record_edit_quiet: Duration,
    /// Rung whenever an effect is put off to a later time.
    rescheduled: event_listener::Event,
    /// Whether in-game records only commit, leaving their effects to whoever drives [`Desk::take_handed_off`].
    hand_off_game: bool,
    /// Chains committed and handed off, not yet taken by the driver.
    handed_off: Mutex<Vec<ChainKey>>,
    /// Rung whenever a chain is handed off.
    handed_off_signal: event_listener::Event,
    /// The first effect this process enqueued: effects from it on were enqueued here, so this process knows whether
    /// it ever sent them (the outbox coalesces only such effects).
    first_own_effect: std::sync::OnceLock<crate::id::EffectId>,
    /// Tickets waiting for a channel in guilds at Discord's channel cap.
    channel_queue: Mutex<channel_queue::ChannelQueue>,
    /// Guilds whose last ticket channel Discord refused for good, and until when no new in-game ticket tries.
    channels_refused: Mutex<HashMap<GuildId, OffsetDateTime>>,
}

impl std::fmt::Debug for Desk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Desk").field("key", &self.key).finish_non_exhaustive()
    }
}

impl Desk {
    /// A desk over `ports`, with the deployment's pid key.
    pub fn new(ports: Ports, key: PidKey) -> Self {
        Self {
            ports,
            key,
            running: Mutex::new(HashMap::new()),
            record_edits: Mutex::new(HashMap::new()),
            record_edit_quiet: RECORD_EDIT_QUIET,
            rescheduled: event_listener::Event::new(),
            hand_off_game: false,
            handed_off: Mutex::new(Vec::new()),
            handed_off_signal: event_listener::Event::new(),
            first_own_effect: std::sync::OnceLock::new(),
            channel_queue: Mutex::default(),
            channels_refused: Mutex::default(),
        }
    }

    /// Whether the game's records (a player's lines, logins, logouts) only commit, handing their effects to whoever
    /// drives [`Desk::take_handed_off`], instead of running them before the call returns. A game server's records
    /// are then taken as fast as the store commits them, whatever Discord's pace, and the lines a player sends while
    /// their ticket's previous post is on its way go out together, as one post (up to Discord's 2,000
    /// characters). Off by default; the Discord adapter's bot drives the hand-offs, and [`Desk::resume`] runs them
    /// too.
    pub fn with_handed_off_game_relay(mut self, on: bool) -> Self {
        self.hand_off_game = on;
        self
    }

    /// With another least time between two edits of one permanent record than [`RECORD_EDIT_QUIET`] (zero: every
    /// status change is an edit of its own; a queued edit still shows the newest state).
    pub fn with_record_edit_quiet(mut self, quiet: Duration) -> Self {
        self.record_edit_quiet = quiet;
        self
    }

    /// The deployment's pid key.
    pub fn key(&self) -> &PidKey {
        &self.key
    }

    /// The store, for read-only queries (transcripts, settings).
    pub fn store(&self) -> &Arc<dyn TicketStore> {
        &self.ports.store
    }

    fn channels_refused(&self) -> std::sync::MutexGuard<'_, HashMap<GuildId, OffsetDateTime>> {
        // Plain map operations under the lock: a poisoned lock still guards consistent data.
        self.channels_refused.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Discord refused one of `guild`'s ticket channels for good at `now`.
    pub(crate) fn note_channels_refused(&self, guild: GuildId, now: OffsetDateTime) {
        self.channels_refused().insert(guild, now + CHANNELS_REFUSED_COOL_OFF);
    }

    /// Refuses a new in-game ticket while `guild` is cooling off after a refused channel.
    pub(crate) fn check_channels_refused(&self, guild: GuildId, now: OffsetDateTime) -> Result<(), DeskError> {
        let mut refused = self.channels_refused();
        match refused.get(&guild) {
            Some(until) if *until > now => Err(DeskError::ChannelsRefused { until: *until }),
            Some(_) => {
                refused.remove(&guild);
                Ok(())
            }
            None => Ok(()),
        }
    }

    /// The pid of a Discord user.
    pub fn pid_of(&self, user: UserId) -> Pid {
        self.key.user(user)
    }

    fn require(&self, actor: &Actor, settings: &GuildSettings, action: Action) -> Result<(), DeskError> {
        // Roles and permissions mean something only in the guild where the actor has them.
        self.same_guild(actor, settings.guild)?;
        let needs = action.requirement();
        if actor.is_bot || !actor.meets(needs, settings) {
            tracing::info!(actor = %self.pid_of(actor.user), %action, "refused: not permitted");
            return Err(DeskError::NotPermitted { action, needs });
        }
        Ok(())
    }

    /// Refuses an actor who acted in another guild than the one of what they act on (a control, form or command
    /// naming a ticket, application or channel of another Discord server).
    fn same_guild(&self, actor: &Actor, guild: GuildId) -> Result<(), DeskError> {
        if actor.guild != guild {
            tracing::warn!(actor = %self.pid_of(actor.user), from = %actor.guild, target = %guild, "refused: another guild");
            return Err(DeskError::OtherGuild);
        }
        Ok(())
    }

    /// Whether `actor` may take `action` in `guild`: lets a platform refuse a click before showing a form.
    /// Every use case checks again by itself.
    pub async fn permits(&self, guild: GuildId, actor: &Actor, action: Action) -> Result<(), DeskError> {
        let settings = self.settings(guild).await?;
        self.require(actor, &settings, action)
    }

    /// A guild's settings; a guild with no Q&A questions gets the default set, as the spec asks.
    async fn settings(&self, guild: GuildId) -> Result<GuildSettings, DeskError> {
        let mut settings = self.ports.store.settings(guild).await?;
        crate::qna::QnaQuestion::fall_back_if_empty(&mut settings.qna);
        Ok(settings)
    }

    /// Saves a commit, then runs the chains it enqueued into. A lost race comes back as
    /// `DeskError::Store(StoreError::Conflict)` for [`retry_on_conflict!`] to retry.
    async fn save_and_run(&self, commit: crate::ports::Commit) -> Result<(), DeskError> {
        let chains = self.save(commit).await?;
        self.run_chains(chains).await;
        Ok(())
    }

    /// Saves a commit of a game record: runs its chains, or hands them off (see
    /// [`Desk::with_handed_off_game_relay`]).
    async fn save_game_record(&self, commit: crate::ports::Commit) -> Result<(), DeskError> {
        if !self.hand_off_game {
            return self.save_and_run(commit).await;
        }
        let chains = self.save(commit).await?;
        if !chains.is_empty() {
            let mut handed = self.handed_off.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            for chain in chains {
                if !handed.contains(&chain) {
                    handed.push(chain);
                }
            }
            drop(handed);
            self.handed_off_signal.notify(usize::MAX);
        }
        Ok(())
    }

    /// Commits with the people in its transcript lines sealed, noting the first effect this process enqueued;
    /// returns the chains the commit enqueued into, each once.
    async fn save(&self, mut commit: crate::ports::Commit) -> Result<Vec<ChainKey>, DeskError> {
        self.seal_transcript(&mut commit);
        let mut chains: Vec<ChainKey> = Vec::new();
        for (chain, _) in &commit.enqueue {
            if !chains.contains(chain) {
                chains.push(*chain);
            }
        }
        match self.ports.store.commit(commit).await {
            Ok(ids) => {
                if let Some(first) = ids.first() {
                    let _ = self.first_own_effect.set(*first);
                }
                Ok(chains)
            }
            Err(StoreError::Conflict) => Err(DeskError::Store(StoreError::Conflict)),
            Err(e) => Err(e.into()),
        }
    }

    /// Completes once a chain is handed off after this call. Take it *before* [`Desk::take_handed_off`], so
    /// nothing falls between.
    pub fn handed_off(&self) -> impl Future<Output = ()> + Send + Unpin + 'static {
        self.handed_off_signal.listen()
    }

    /// The chains handed off since the last call, for the driver to run (each with [`Desk::run_chain`], side by
    /// side: a chain already running elsewhere is looked at again by its runner).
    pub fn take_handed_off(&self) -> Vec<ChainKey> {
        std::mem::take(&mut *self.handed_off.lock().unwrap_or_else(|poisoned| poisoned.into_inner()))
    }

    /// Runs one chain's pending effects, in order, until it is empty or waits.
    pub async fn run_chain(&self, chain: ChainKey) {
        self.run_chains([chain]).await;
    }
}

impl Desk {
    /// Text a person typed, with the people it mentions sealed, as every copy of it is stored (transcripts,
    /// tickets, applications, the outbox). Rendering opens them again.
    pub(crate) fn sealed(&self, text: String) -> String {
        crate::relay::seal_user_mentions(&text, &self.key)
    }

    /// Seals the people mentioned in the transcript lines of `commit` (`<@id>` → `<@~…>`): no raw user id is
    /// stored. [`Desk::transcript`] opens them again.
    pub(crate) fn seal_transcript(&self, commit: &mut crate::ports::Commit) {
        for entry in &mut commit.transcript {
            entry.text = crate::relay::seal_user_mentions(&entry.text, &self.key);
        }
        for change in &mut commit.transcript_changes {
            if let crate::ports::TranscriptChangeKind::Edited { text } = &mut change.kind {
                *text = crate::relay::seal_user_mentions(text, &self.key);
            }
        }
    }

    /// A ticket's transcript, oldest first, with the people mentioned in it shown as mentions again (`<@id>`).
    pub async fn transcript(&self, ticket: crate::TicketId) -> Result<Vec<crate::ports::TranscriptEntry>, DeskError> {
        let mut entries = self.ports.store.transcript(ticket).await?;
        for entry in &mut entries {
            entry.text = crate::relay::open_user_mentions(&entry.text, &self.key);
        }
        Ok(entries)
    }
}

/// Cleans text typed by a person and checks it is not empty and not longer than `max`.
pub(crate) fn typed_text(field: &'static str, raw: &str, max: usize) -> Result<String, DeskError> {
    let text = clean_text(raw).trim().to_owned();
    if text.is_empty() {
        return Err(DeskError::invalid(field, Problem::Empty));
    }
    if text.chars().count() > max {
        return Err(DeskError::invalid(field, Problem::TooLong { max }));
    }
    Ok(text)
}

/// Cleans relayed text; text over [`RELAY_TEXT_MAX`] is cut and marked rather than refused, so nothing a player
/// sends is silently lost without a trace.
pub(crate) fn relayed_text(raw: &str) -> Result<String, DeskError> {
    let text = clean_text(raw).trim().to_owned();
    if text.is_empty() {
        return Err(DeskError::invalid("message", Problem::Empty));
    }
    if text.chars().count() > RELAY_TEXT_MAX {
        let mut cut: String = text.chars().take(RELAY_TEXT_MAX).collect();
        cut.push_str(" […cut: message too long]");
        return Ok(cut);
    }
    Ok(text)
}

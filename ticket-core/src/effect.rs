//! Effects: what a use case decided should happen on Discord and in the game.
//!
//! Effects are data. The [`Desk`](crate::Desk) saves them in the outbox in the same store call as the state
//! that caused them, then runs them through the ports. They hold people only as [`SealedUser`]s, so the outbox
//! holds no raw ids; messages are rendered from them (see [`crate::render`]) only when they run.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::id::{ApplicationId, ChannelId, EffectId, GameServerId, GuildId, MessageId, RoleId, TicketId};
use crate::pid::SealedUser;
use crate::qna::QnaAnswer;
use crate::recruitment::{RecruitmentStatus, Step1};
use crate::relay::GameName;
use crate::settings::{ApplicantAccess, PostedMessage, TicketType};
use crate::ticket::TicketSource;
use crate::topic::Topic;

/// Where a message goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Destination {
    /// The channel of a ticket (looked up when the effect runs, as it may have just been created).
    Ticket(TicketId),
    /// A fixed channel (panel, log, record channel).
    Channel(ChannelId),
    /// A direct message.
    Dm(SealedUser),
}

/// A staff action log entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogEntry {
    /// A support ticket was resolved.
    SupportResolved {
        /// The ticket.
        ticket: TicketId,
        /// Its channel's name.
        channel_name: String,
        /// The opener.
        opener: SealedUser,
        /// The staff member.
        by: SealedUser,
        /// Their display name.
        by_name: String,
        /// The opening question.
        question: String,
        /// The resolution.
        resolution: String,
        /// Whether the entry carries a Reopen button (reopening was on when it was logged).
        #[serde(default)]
        reopen: bool,
    },
    /// A recruitment application changed status by a staff action.
    Recruitment {
        /// The application.
        app: ApplicationId,
        /// Its new status.
        action: RecruitmentStatus,
        /// The applicant.
        applicant: SealedUser,
        /// The staff member.
        by: SealedUser,
        /// Their display name.
        by_name: String,
        /// The decline reason, for a decline.
        reason: Option<String>,
    },
    /// Discord refused a nickname change on approve; the application carries on.
    NicknameRefused {
        /// The applicant.
        applicant: SealedUser,
        /// The nickname tried.
        nickname: String,
        /// What Discord said.
        reason: String,
    },
    /// An effect failed for good; staff should look.
    ActionFailed {
        /// What was tried.
        action: String,
        /// What went wrong.
        error: String,
    },
    /// The guild is at Discord's channel cap: tickets wait in line for a channel.
    ChannelCapReached {
        /// The first ticket in line.
        ticket: TicketId,
    },
    /// A support or recruitment ticket closed without a staff action (its channel was deleted by hand); its
    /// transcript goes with the entry.
    TicketClosed {
        /// The ticket.
        ticket: TicketId,
        /// Its channel's name.
        channel_name: String,
        /// Why.
        reason: String,
        /// Whether the entry carries a Reopen button (a support ticket, reopening on when it was logged).
        #[serde(default)]
        reopen: bool,
    },
    /// An in-game ticket closed.
    InGameClosed {
        /// The ticket.
        ticket: TicketId,
        /// The player.
        player: GameName,
        /// Why.
        reason: String,
    },
}

/// A message to post, described by what it means; rendered when it runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Notice {
    /// The support panel with its Open Support Ticket button.
    SupportPanel,
    /// The recruitment panel; an Apply on RSI link button when an org URL is set.
    RecruitmentPanel {
        /// RSI org page.
        org_url: Option<String>,
        /// RSI org image.
        org_image: Option<String>,
    },
    /// The static support explainer (`/tickets post-support-about`).
    SupportAbout,
    /// The first message of a support ticket, with the Resolve (Staff) button.
    SupportWelcome {
        /// The opener, mentioned.
        opener: SealedUser,
        /// The opening question.
        question: String,
        /// Staff roles pinged.
        ping: Vec<RoleId>,
    },
    /// The first message of an in-game ticket.
    InGameWelcome {
        /// The player.
        player: GameName,
        /// Their server.
        server: GameServerId,
        /// How they opened it.
        source: TicketSource,
        /// Staff roles pinged.
        ping: Vec<RoleId>,
        /// What the player wrote to open it, relayed in the same post as the welcome when the two fit in one
        /// message (one REST call fewer per ticket). Welcomes stored before this field have none: their opening
        /// line is a post of its own.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        opening: Option<String>,
    },
    /// A message from a player, relayed.
    PlayerMessage {
        /// The player.
        player: GameName,
        /// What they wrote (cleaned; neutralised and split when rendered).
        text: String,
    },
    /// A saved answer staff posted with `/snippet`.
    Snippet {
        /// The snippet's name.
        name: String,
        /// Who used it (display name).
        by: String,
        /// Its text.
        text: String,
    },
    /// A staff reply could not be whispered because the player is offline; it is held.
    ReplyHeld {
        /// The player.
        player: GameName,
    },
    /// A staff reply could not be whispered: the game server did not take it, however often it was tried.
    ReplyUndelivered {
        /// The player.
        player: GameName,
        /// The reply (as stored: mentions sealed).
        text: String,
    },
    /// Held replies were whispered at the player's login.
    HeldDelivered {
        /// The player.
        player: GameName,
        /// How many.
        count: usize,
    },
    /// The player logged out (and the ticket stays open).
    PlayerLoggedOut {
        /// The player.
        player: GameName,
    },
    /// The player logged in.
    PlayerLoggedIn {
        /// The player.
        player: GameName,
    },
    /// The recruitment Step 1 wizard.
    Step1Wizard {
        /// The ticket.
        ticket: TicketId,
        /// The applicant, mentioned.
        applicant: SealedUser,
        /// Staff roles pinged.
        ping: Vec<RoleId>,
        /// The recruitment options to choose from.
        options: Vec<String>,
    },
    /// The Step 1 answers, with staff's Approve and Reject controls.
    Step1Summary {
        /// The application.
        app: ApplicationId,
        /// The applicant.
        applicant: SealedUser,
        /// The answers.
        form: Step1,
        /// The time zone described (`Europe/Berlin (UTC+01:00)`), when known.
        tz_info: Option<String>,
        /// Extra role pinged for the chosen area.
        area_ping: Option<RoleId>,
    },
    /// The Quick Q&A prompt with the Answer Q&A button.
    QnaPrompt {
        /// The application.
        app: ApplicationId,
        /// How many modal pages the questions take.
        pages: usize,
    },
    /// The Q&A answers, for staff.
    QnaSummary {
        /// The application.
        app: ApplicationId,
        /// The answers.
        answers: Vec<QnaAnswer>,
    },
    /// The Finalize - RSI accepted control, after Approve.
    FinaliseControl {
        /// The application.
        app: ApplicationId,
        /// Who approved.
        by_name: String,
    },
    /// A staff action log entry.
    Log(LogEntry),
    /// The DM a support opener gets on resolve, when DM-on-close is on.
    ResolvedDm {
        /// The ticket's channel name.
        channel_name: String,
        /// The resolution.
        resolution: String,
    },
    /// The generic DM a declined applicant gets (never the reason).
    DeclinedDm,
    /// The DM asking the opener of a closed ticket for a 1–5 star rating, with a button per rating.
    FeedbackPrompt {
        /// The ticket (its buttons name it).
        ticket: TicketId,
        /// Its channel's name.
        channel_name: String,
    },
    /// Staff ask the opener to confirm closing, with Close ticket and Keep open buttons.
    CloseRequested {
        /// The ticket (its buttons name it).
        ticket: TicketId,
        /// The opener, pinged.
        opener: SealedUser,
        /// Who asked.
        by_name: String,
        /// Hours before it closes unanswered.
        hours: u32,
    },
    /// The close request was answered with Keep open (or withdrawn).
    CloseRequestKept {
        /// Who kept it open.
        by_name: String,
    },
    /// The opener has been silent for long: the ticket closes unless they write.
    InactivityWarning {
        /// The opener, pinged.
        opener: SealedUser,
        /// Hours without a word from them.
        idle_hours: u32,
        /// Hours before it closes.
        closes_in_hours: u32,
    },
    /// A reopened ticket's first words: the last lines of the ticket it reopens.
    Reopened {
        /// The ticket it reopens.
        from: TicketId,
        /// Who reopened it.
        by_name: String,
        /// The last lines: author name and text (as stored: mentions sealed).
        lines: Vec<(String, String)>,
    },
    /// A staff member claimed the ticket.
    Claimed {
        /// Who, mentioned (not pinged).
        by: SealedUser,
        /// Whether only they (and administrators) may write in it now.
        exclusive: bool,
    },
    /// The staff member holding the ticket gave it up.
    Unclaimed {
        /// Their display name.
        by_name: String,
    },
    /// The ticket was handed to another staff member.
    Transferred {
        /// Who handed it over.
        from_name: String,
        /// Who holds it now (pinged).
        to: SealedUser,
    },
}

/// One thing to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// Create a ticket's private channel. The platform must make this idempotent per ticket (find the channel by
    /// its `TID:` marker before creating), since a crash can replay it.
    CreateTicketChannel {
        /// The ticket.
        ticket: TicketId,
        /// Its kind.
        kind: TicketType,
        /// The guild.
        guild: GuildId,
        /// The channel name.
        name: String,
        /// The category (a full one overflows into a new one).
        category: Option<ChannelId>,
        /// The topic markers.
        topic: Topic,
        /// Members let in (the opener).
        members: Vec<SealedUser>,
        /// Staff roles let in.
        staff_roles: Vec<RoleId>,
    },
    /// Delete a ticket's channel (already gone counts as done).
    DeleteTicketChannel {
        /// The ticket.
        ticket: TicketId,
    },
    /// Rewrite a ticket channel's topic markers.
    SetTopic {
        /// The ticket.
        ticket: TicketId,
        /// The markers.
        topic: Topic,
    },
    /// Let a role into a ticket channel (a recruitment option's ping role, once the applicant picks that area).
    AllowRole {
        /// The ticket.
        ticket: TicketId,
        /// The role.
        role: RoleId,
    },
    /// Change what a role may do in a ticket channel (its staff, while a claim is exclusive).
    SetRoleAccess {
        /// The ticket.
        ticket: TicketId,
        /// The role.
        role: RoleId,
        /// The access.
        access: ApplicantAccess,
    },
    /// Take back what a member was let do in a ticket channel by name (a claimer who handed the ticket over): their
    /// roles decide again.
    ResetMemberAccess {
        /// The ticket.
        ticket: TicketId,
        /// The member.
        user: SealedUser,
    },
    /// Change what a member may do in a ticket channel.
    SetMemberAccess {
        /// The ticket.
        ticket: TicketId,
        /// The member.
        user: SealedUser,
        /// The access.
        access: ApplicantAccess,
    },
    /// Post a message.
    Post {
        /// Where.
        to: Destination,
        /// What.
        notice: Notice,
    },
    /// Post a message with a ticket's transcript attached (the log entry of a closing ticket, the opener's DM): an
    /// HTML page, or plain text when the page would be too large for Discord. The transcript is read when the
    /// effect runs, so it holds every line saved until then.
    PostTranscript {
        /// The ticket.
        ticket: TicketId,
        /// Where.
        to: Destination,
        /// The message it goes with.
        notice: Notice,
    },
    /// Turn the Q&A prompt into its completed tile (or post the tile if the prompt is gone).
    CompleteQnaPrompt {
        /// The application.
        app: ApplicationId,
    },
    /// Post the permanent record, or edit it to the application's current state (coalesced: rendered from the
    /// state at the time it runs; a record whose message or channel is gone is skipped).
    UpdateRecord {
        /// The application.
        app: ApplicationId,
    },
    /// Delete the bot's older copies of a panel in a channel: every recent bot message carrying `control`, except
    /// `keep`.
    RemoveOldPanels {
        /// The panel channel.
        channel: ChannelId,
        /// The panel just posted.
        keep: MessageId,
        /// The panel's button (`tickets:open-support` or `recruit:open`).
        control: String,
    },
    /// Delete a message (an older panel); already gone counts as done.
    DeleteMessage {
        /// The message.
        message: PostedMessage,
    },
    /// Grant a role.
    GrantRole {
        /// The guild.
        guild: GuildId,
        /// The member.
        user: SealedUser,
        /// The role.
        role: RoleId,
    },
    /// Set a member's nickname from their RSI profile; a refusal is logged, not fatal.
    SyncNickname {
        /// The guild.
        guild: GuildId,
        /// The member.
        user: SealedUser,
        /// Their RSI handle.
        rsi_handle: String,
        /// Where to note a refusal.
        log_channel: Option<ChannelId>,
    },
    /// Look the applicant up on RSI and post what was found in their ticket.
    ShowRsiProfile {
        /// The ticket.
        ticket: TicketId,
        /// The handle.
        rsi_handle: String,
    },
    /// Whisper a staff reply to a player; if they are offline it is held on the ticket.
    Whisper {
        /// The ticket.
        ticket: TicketId,
        /// The server.
        server: GameServerId,
        /// The player.
        player: GameName,
        /// The staff member's display name.
        from: String,
        /// One whisper's text (already split to the game's limit).
        text: String,
    },
    /// Tell the game a ticket opened (the player sees the spec's confirmation).
    GameTicketCreated {
        /// The server.
        server: GameServerId,
        /// The player.
        player: GameName,
        /// How it was opened.
        source: TicketSource,
    },
    /// Whisper a player a word from the bridge itself (why their ticket was refused); not held if they went
    /// offline.
    GameNotice {
        /// The server.
        server: GameServerId,
        /// The player.
        player: GameName,
        /// One whisper's text (already split to the game's limit).
        text: String,
    },
    /// Show the opener's feedback on the ticket's log entry (edit it); a log entry that is gone is skipped.
    ShowFeedback {
        /// The ticket.
        ticket: TicketId,
    },
    /// Tell the game a ticket closed.
    GameTicketClosed {
        /// The server.
        server: GameServerId,
        /// The player.
        player: GameName,
    },
}

/// Which effects must run in order: all of one ticket's, or a guild's own (panels, admin posts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChainKey {
    /// A ticket's effects.
    Ticket(TicketId),
    /// A guild's effects that belong to no ticket.
    Guild(GuildId),
}

/// An effect saved in the outbox, not yet done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingEffect {
    /// Its id; effects of a chain run in id order.
    pub id: EffectId,
    /// Its chain.
    pub chain: ChainKey,
    /// What to do.
    pub effect: Effect,
    /// How many times running it failed.
    pub attempts: u32,
    /// Not to be tried before this time (after a failure).
    #[serde(with = "time::serde::rfc3339::option")]
    pub not_before: Option<OffsetDateTime>,
}

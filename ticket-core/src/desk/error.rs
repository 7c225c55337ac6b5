//! What a use case can refuse with.

use std::fmt;

use crate::id::{ApplicationId, ChannelId, TicketId};
use crate::permissions::Requirement;
use crate::pid::PidKeyError;
use crate::ports::StoreError;
use crate::qna::QnaError;
use crate::recruitment::{RecruitmentError, RecruitmentStatus};
use crate::ticket::TicketError;

/// What was wrong with an input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// It is empty.
    Empty,
    /// It is longer than allowed.
    TooLong {
        /// The most allowed.
        max: usize,
    },
    /// It is not of the expected form.
    Malformed {
        /// What the form is.
        expected: &'static str,
    },
    /// It names something that does not exist.
    Unknown {
        /// What was named.
        given: String,
    },
    /// It is already there.
    Duplicate {
        /// What was given.
        given: String,
    },
    /// No more fit.
    Full {
        /// The most allowed.
        max: usize,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("is empty"),
            Self::TooLong { max } => write!(f, "is longer than {max} characters"),
            Self::Malformed { expected } => write!(f, "should be {expected}"),
            Self::Unknown { given } => write!(f, "has no entry called {given:?}"),
            Self::Duplicate { given } => write!(f, "already has {given:?}"),
            Self::Full { max } => write!(f, "is full (at most {max})"),
        }
    }
}

/// An action a person may or may not take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Resolve a support ticket.
    Resolve,
    /// Write in an in-game ticket (relayed to the player).
    ReplyInGame,
    /// Approve or decline.
    Review,
    /// Finalise.
    Finalise,
    /// Remove a member.
    RemoveMember,
    /// Repost the Q&A button.
    ReopenQna,
    /// Use a `/tickets` admin command.
    TicketsAdmin,
    /// Use a `/recruit-config` command.
    RecruitConfig,
    /// Use `/roles`.
    Roles,
    /// Read a ticket's transcript (its opener may too).
    Transcript,
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Resolve => "resolve tickets",
            Self::ReplyInGame => "reply to players in game",
            Self::Review => "approve or reject applications",
            Self::Finalise => "finalise applications",
            Self::RemoveMember => "mark members removed",
            Self::ReopenQna => "repost the Q&A",
            Self::TicketsAdmin => "change ticket settings",
            Self::RecruitConfig => "change recruitment settings",
            Self::Roles => "change role mappings",
            Self::Transcript => "read the transcripts of other members' tickets",
        })
    }
}

impl Action {
    /// What it takes to do this: the one place the permission rules live.
    pub fn requirement(self) -> Requirement {
        use crate::permissions::{Capability, Permissions};
        match self {
            Self::Resolve => Requirement::CapabilityOr(Capability::Support, Permissions::MANAGE_CHANNELS),
            Self::ReplyInGame => Requirement::GameStaff,
            Self::Review | Self::ReopenQna => {
                Requirement::CapabilityOr(Capability::Recruitment, Permissions::MANAGE_CHANNELS)
            }
            Self::Finalise | Self::TicketsAdmin | Self::Roles => Requirement::Permission(Permissions::MANAGE_GUILD),
            Self::Transcript => Requirement::CapabilityOr(Capability::Support, Permissions::MANAGE_CHANNELS),
            Self::RemoveMember | Self::RecruitConfig => {
                Requirement::CapabilityOr(Capability::Recruitment, Permissions::MANAGE_GUILD)
            }
        }
    }
}

/// Why a use case was refused or failed. The `Display` text is written for the person who acted.
#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    /// The actor may not do this.
    #[error("You need {needs} to {action}.")]
    NotPermitted {
        /// What they tried.
        action: Action,
        /// What it takes.
        needs: Requirement,
    },
    /// The ticket, application or channel belongs to another Discord server than the one the actor acted in.
    #[error("This belongs to another Discord server.")]
    OtherGuild,
    /// Only the applicant may fill in their application.
    #[error("Only the applicant can fill in this application.")]
    NotApplicant,
    /// An input was refused.
    #[error("The {field} {problem}.")]
    Invalid {
        /// Which input.
        field: &'static str,
        /// What is wrong.
        problem: Problem,
    },
    /// The channel is not a ticket channel.
    #[error("This channel is not a ticket.")]
    NotATicket(ChannelId),
    /// The ticket does not exist.
    #[error("Ticket {0} does not exist.")]
    TicketNotFound(TicketId),
    /// The application does not exist.
    #[error("Application {0} does not exist.")]
    ApplicationNotFound(ApplicationId),
    /// The member has no application that fits.
    #[error("That member has no approved or finalised application.")]
    NoApplication,
    /// The player has no open ticket.
    #[error("There is no open ticket for this player.")]
    NoOpenTicket,
    /// The member already has an open ticket of this kind.
    #[error("You already have an open ticket{}.", .channel.map(|c| format!(": <#{c}>")).unwrap_or_default())]
    AlreadyOpen {
        /// The open ticket.
        ticket: TicketId,
        /// Its channel, once made.
        channel: Option<ChannelId>,
    },
    /// The ticket has no opener on Discord to ask (an in-game ticket closes when the player logs out).
    #[error(
        "Only support and recruitment tickets have an opener to ask; an in-game ticket closes when the player logs out."
    )]
    NoOpener,
    /// A close request already waits for the opener.
    #[error("A close request is already waiting for the opener.")]
    CloseAlreadyRequested,
    /// No close request waits.
    #[error("There is no close request to answer: the ticket was closed, kept open, or the request was withdrawn.")]
    NoCloseRequest,
    /// Only the ticket's opener may do this.
    #[error("Only the member who opened this ticket can do that.")]
    NotOpener,
    /// Feedback on this ticket was given already (one answer per ticket).
    #[error("Your feedback on this ticket was already recorded. Thank you!")]
    FeedbackGiven,
    /// The ticket's opener was never asked for feedback, or the server stopped collecting it since.
    #[error("This server no longer collects feedback on tickets. Thank you all the same!")]
    FeedbackOff,
    /// The guild does not let openers close their own tickets.
    #[error("Closing your own ticket is turned off on this server: staff will close it when it is done.")]
    OpenerCloseOff,
    /// The person is on the guild's blocklist (`/tickets block`).
    #[error("{}", super::limits::blocked_text(.reason, .until))]
    Blocked {
        /// Why, as staff wrote it.
        reason: Option<String>,
        /// When the block ends; `None`: until unblocked.
        until: Option<time::OffsetDateTime>,
    },
    /// The person opened a ticket of this kind too recently (`/tickets set-limits cooldown_minutes`).
    #[error("{}", super::limits::cooldown_text(.kind, .until))]
    Cooldown {
        /// The kind of ticket.
        kind: crate::settings::TicketType,
        /// When they may open the next one.
        until: time::OffsetDateTime,
    },
    /// The member has as many open support tickets as the guild allows (`/tickets set-limits max_open`).
    #[error("{}", super::limits::too_many_text(.max, .channels))]
    TooManyOpen {
        /// The limit.
        max: u8,
        /// The channels of their open tickets.
        channels: Vec<ChannelId>,
    },
    /// No snippet has that name.
    #[error("There is no snippet called {0:?}. `/tickets snippet list` shows them.")]
    NoSuchSnippet(String),
    /// The ticket to reopen is still open.
    #[error("This ticket is still open{}.", .channel.map(|c| format!(": <#{c}>")).unwrap_or_default())]
    StillOpen {
        /// Its channel.
        channel: Option<ChannelId>,
    },
    /// Reopening is turned off.
    #[error("Reopening tickets is turned off on this server (/tickets set-closing reopen_window_hours).")]
    ReopenOff,
    /// The ticket closed longer ago than the reopening window.
    #[error("This ticket closed more than {hours} hours ago: it can no longer be reopened. Open a new one instead.")]
    ReopenTooLate {
        /// The window.
        hours: u32,
    },
    /// The member already has another open support ticket.
    #[error("The member already has an open support ticket{}.", .channel.map(|c| format!(": <#{c}>")).unwrap_or_default())]
    OpenerHasTicket {
        /// Its channel.
        channel: Option<ChannelId>,
    },
    /// Another staff member holds the ticket.
    #[error("This ticket is already claimed by {by}.")]
    AlreadyClaimed {
        /// Their display name.
        by: String,
    },
    /// Nobody holds the ticket.
    #[error("This ticket is not claimed.")]
    NotClaimed,
    /// Only the staff member holding the ticket (or an administrator) may do this.
    #[error("Only {by}, who holds this ticket, or someone with the Manage Server permission can do that.")]
    NotClaimer {
        /// The claimer's display name.
        by: String,
    },
    /// The member a ticket would be handed to does not handle its kind of ticket.
    #[error("{name} does not handle {kind} tickets, so the ticket cannot be handed to them.")]
    NotTicketStaff {
        /// Their display name.
        name: String,
        /// The ticket's kind, as people read it.
        kind: &'static str,
    },
    /// Step 1 was already submitted for this ticket.
    #[error("Step 1 is already submitted for this application.")]
    Step1AlreadySubmitted,
    /// The Q&A cannot be answered or reopened in this status.
    #[error("The Q&A is closed: the application is {0}.")]
    QnaClosed(RecruitmentStatus),
    /// Discord refused this guild's last ticket channel for good (a missing permission, say) a moment ago: a new
    /// ticket is not tried again before `until` (so a player whose ticket cannot open is not sent round a loop of
    /// re-opens, each asking Discord again).
    #[error("{}", crate::strings::IN_GAME_TICKET_FAILED)]
    ChannelsRefused {
        /// When the next ticket may try for a channel.
        until: time::OffsetDateTime,
    },
    /// The in-game ticket system is disabled for this server.
    #[error("{}", crate::strings::GAME_TICKET_DISABLED)]
    InGameDisabled,
    /// A lifecycle step was refused.
    #[error("{0}")]
    Ticket(#[from] TicketError),
    /// The recruitment machine refused.
    #[error("{0}")]
    Recruitment(#[from] RecruitmentError),
    /// A Q&A question or answer was refused.
    #[error("{0}")]
    Qna(#[from] QnaError),
    /// The data kept changing under concurrent use; nothing was done.
    #[error("Too many changes at once; please try again.")]
    Busy,
    /// A sealed id did not open (the deployment secret changed).
    #[error("stored contact data does not match this deployment's secret")]
    Seal(#[from] PidKeyError),
    /// Storage failed; nothing was done.
    #[error("storage failed: {0}")]
    Store(#[from] StoreError),
}

impl DeskError {
    pub(crate) fn invalid(field: &'static str, problem: Problem) -> Self {
        Self::Invalid { field, problem }
    }

    /// Whether the error is the person's to fix (as opposed to the bot's or the deployment's).
    pub fn is_refusal(&self) -> bool {
        !matches!(self, Self::Busy | Self::Seal(_) | Self::Store(_))
    }
}

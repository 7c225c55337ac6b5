//! Tickets of the three kinds and their lifecycle.
//!
//! A ticket is `Open` from the moment it is decided (its channel may still be being created by the outbox) until
//! it is `Closed` with a [`CloseReason`]. Closing is final; a new ticket is opened instead of reopening.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::id::{ApplicationId, ChannelId, GameServerId, GuildId, TicketId};
use crate::pid::{Pid, SealedUser};
use crate::relay::GameName;
use crate::settings::TicketType;

/// How an in-game ticket was started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketSource {
    /// `@request <message>`.
    Request,
    /// A whisper to `@Support`.
    Whisper,
}

impl TicketSource {
    /// The wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Request => "request",
            Self::Whisper => "whisper",
        }
    }
}

/// A staff reply kept for a player who is offline, delivered at their next login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldReply {
    /// The staff member's display name.
    pub from: String,
    /// The reply, already cleaned for the game.
    pub text: String,
    /// When staff wrote it.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// An in-game ticket's own data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InGameTicket {
    /// The game server the player is on.
    pub server: GameServerId,
    /// The player's account, as a pid.
    pub player: Pid,
    /// The character name staff see and whispers go to.
    pub name: GameName,
    /// Whether the player is online, as far as the bridge knows.
    pub online: bool,
    /// Staff replies waiting for the player's next login.
    pub held: Vec<HeldReply>,
}

/// A support ticket's own data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupportTicket {
    /// The member who opened it.
    pub opener: Pid,
    /// The opener, sealed, to DM on close.
    pub contact: SealedUser,
    /// Their answer to the opening question.
    pub question: String,
    /// Which of the opener's open tickets this is, from 0 (see [`support_slot_key`]): a guild that lets a member
    /// hold several support tickets gives each its own open key.
    #[serde(default)]
    pub slot: u8,
}

/// A recruitment ticket's own data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecruitmentTicket {
    /// The applicant.
    pub applicant: Pid,
    /// The applicant, sealed.
    pub contact: SealedUser,
    /// The application, once Step 1 is submitted.
    pub application: Option<ApplicationId>,
}

/// What kind of ticket, with its own data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketDetail {
    /// Opened from the game.
    InGame(InGameTicket),
    /// Opened from the support panel.
    Support(SupportTicket),
    /// Opened from the recruitment panel.
    Recruitment(RecruitmentTicket),
}

/// Why a ticket closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CloseReason {
    /// Staff resolved a support ticket.
    Resolved {
        /// The resolution staff wrote.
        resolution: String,
    },
    /// The player logged out and `close_on_logout` is on.
    PlayerLoggedOut,
    /// The application was declined.
    Declined,
    /// The application was finalised.
    Finalised,
    /// Someone deleted the channel by hand.
    ChannelDeleted,
    /// Discord refused to create the channel.
    ChannelFailed,
    /// The opener closed it (`/ticket close`, or confirming staff's close request).
    ClosedByOpener,
    /// Staff asked to close it and the opener did not answer in time.
    CloseRequestUnanswered,
    /// Nobody heard from the opener for too long.
    Inactive,
}

impl CloseReason {
    /// Its code in storage (`resolved`, `player_logged_out`…), with the resolution text for `Resolved`: what the
    /// stores keep in their `close_reason` and `resolution` columns.
    pub fn code(&self) -> (&'static str, Option<&str>) {
        match self {
            Self::Resolved { resolution } => ("resolved", Some(resolution)),
            Self::PlayerLoggedOut => ("player_logged_out", None),
            Self::Declined => ("declined", None),
            Self::Finalised => ("finalised", None),
            Self::ChannelDeleted => ("channel_deleted", None),
            Self::ChannelFailed => ("channel_failed", None),
            Self::ClosedByOpener => ("closed_by_opener", None),
            Self::CloseRequestUnanswered => ("close_request_unanswered", None),
            Self::Inactive => ("inactive", None),
        }
    }

    /// The reason a stored code and resolution stand for; `None` for an unknown code, or `resolved` without its
    /// resolution.
    pub fn from_code(code: &str, resolution: Option<String>) -> Option<Self> {
        Some(match code {
            "resolved" => Self::Resolved { resolution: resolution? },
            "player_logged_out" => Self::PlayerLoggedOut,
            "declined" => Self::Declined,
            "finalised" => Self::Finalised,
            "channel_deleted" => Self::ChannelDeleted,
            "channel_failed" => Self::ChannelFailed,
            "closed_by_opener" => Self::ClosedByOpener,
            "close_request_unanswered" => Self::CloseRequestUnanswered,
            "inactive" => Self::Inactive,
            _ => return None,
        })
    }
}

impl fmt::Display for CloseReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Resolved { .. } => "resolved",
            Self::PlayerLoggedOut => "player logged out",
            Self::Declined => "declined",
            Self::Finalised => "finalised",
            Self::ChannelDeleted => "channel deleted",
            Self::ChannelFailed => "channel could not be created",
            Self::ClosedByOpener => "closed by its opener",
            Self::CloseRequestUnanswered => "close request unanswered",
            Self::Inactive => "no answer from the opener",
        })
    }
}

/// How a ticket ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Closure {
    /// Why.
    pub reason: CloseReason,
    /// Who closed it, when a person did.
    pub by: Option<Pid>,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// The staff member holding a ticket (`/ticket claim`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    /// Who.
    pub by: Pid,
    /// Who, sealed: to mention them and to set their access to the channel.
    pub contact: SealedUser,
    /// Their display name when they claimed it.
    pub name: String,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// Staff asked the opener to confirm closing the ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloseRequest {
    /// Who asked.
    pub by: Pid,
    /// Their display name.
    pub by_name: String,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// When the ticket closes unless the opener answers.
    #[serde(with = "time::serde::rfc3339")]
    pub closes_at: OffsetDateTime,
}

/// What a ticket's clocks know: a close request waiting for the opener, the opener's last word, an inactivity
/// warning, and when the desk must look at the ticket next (`due_at`, kept by the desk; stores index it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TicketTimers {
    /// A close request waiting for the opener.
    pub close_request: Option<CloseRequest>,
    /// When the opener last wrote in the ticket (`None`: not since it opened).
    #[serde(with = "time::serde::rfc3339::option")]
    pub opener_active_at: Option<OffsetDateTime>,
    /// When the opener was warned that the ticket closes for inactivity (since their last word).
    #[serde(with = "time::serde::rfc3339::option")]
    pub warned_at: Option<OffsetDateTime>,
    /// When something is due (a close request times out, a warning or an inactivity close).
    #[serde(with = "time::serde::rfc3339::option")]
    pub due_at: Option<OffsetDateTime>,
}

/// Why a lifecycle step was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TicketError {
    /// The ticket is already closed.
    #[error("ticket {0} is already closed")]
    AlreadyClosed(TicketId),
    /// The step does not apply to this kind of ticket.
    #[error("ticket {ticket} is a {actual} ticket, not a {expected} ticket")]
    WrongKind {
        /// The ticket.
        ticket: TicketId,
        /// Its kind.
        actual: &'static str,
        /// The kind the step needs.
        expected: &'static str,
    },
}

/// The [open key](Ticket::open_key) of a player's in-game ticket.
pub fn in_game_key(server: &GameServerId, player: Pid) -> String {
    format!("game:{server}:{player}")
}

/// The [open key](Ticket::open_key) of a member's support ticket.
pub fn support_key(guild: GuildId, opener: Pid) -> String {
    format!("support:{guild}:{opener}")
}

/// The [open key](Ticket::open_key) of a member's support ticket in `slot`: slot 0 is [`support_key`] (one open
/// ticket per member, as before limits existed); slot `n` adds `#n`. A member with several open support tickets
/// holds one slot each, and an opening takes the first free slot below the guild's limit, so two openings racing
/// for the last slot still conflict in the store.
pub fn support_slot_key(guild: GuildId, opener: Pid, slot: u8) -> String {
    match slot {
        0 => support_key(guild, opener),
        n => format!("support:{guild}:{opener}#{n}"),
    }
}

/// The [open key](Ticket::open_key) of a member's recruitment ticket.
pub fn recruitment_key(guild: GuildId, applicant: Pid) -> String {
    format!("recruitment:{guild}:{applicant}")
}

/// A ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    /// Its id.
    pub id: TicketId,
    /// The guild its channel lives in.
    pub guild: GuildId,
    /// The channel, once created.
    pub channel: Option<ChannelId>,
    /// The channel's name.
    pub channel_name: String,
    /// The kind and its data.
    pub detail: TicketDetail,
    /// When it opened.
    #[serde(with = "time::serde::rfc3339")]
    pub opened_at: OffsetDateTime,
    /// How it ended, once closed.
    pub closed: Option<Closure>,
    /// The staff member holding it, if one claimed it.
    #[serde(default)]
    pub claim: Option<Claim>,
    /// Its clocks.
    #[serde(default)]
    pub timers: TicketTimers,
    /// What statistics and feedback read: the first staff response, the staff member who closed it, the feedback.
    #[serde(default)]
    pub activity: crate::feedback::Activity,
    /// Optimistic-concurrency version, maintained by the store.
    pub version: u64,
}

impl Ticket {
    /// Its kind.
    pub fn kind(&self) -> TicketType {
        match self.detail {
            TicketDetail::InGame(_) => TicketType::InGame,
            TicketDetail::Support(_) => TicketType::Support,
            TicketDetail::Recruitment(_) => TicketType::Recruitment,
        }
    }

    /// Whether it is still open.
    pub fn is_open(&self) -> bool {
        self.closed.is_none()
    }

    /// The key no two open tickets may share: one open in-game ticket per player and server, one open support
    /// and one open recruitment ticket per member and guild. Stores enforce it.
    pub fn open_key(&self) -> Option<String> {
        if !self.is_open() {
            return None;
        }
        Some(match &self.detail {
            TicketDetail::InGame(t) => in_game_key(&t.server, t.player),
            TicketDetail::Support(t) => support_slot_key(self.guild, t.opener, t.slot),
            TicketDetail::Recruitment(t) => recruitment_key(self.guild, t.applicant),
        })
    }

    /// The person it is for, as a pid: the player (of their game account), the support opener or the applicant.
    pub fn person(&self) -> Pid {
        match &self.detail {
            TicketDetail::InGame(t) => t.player,
            TicketDetail::Support(t) => t.opener,
            TicketDetail::Recruitment(t) => t.applicant,
        }
    }

    /// The person who opened it on Discord, if any.
    pub fn opener(&self) -> Option<(Pid, SealedUser)> {
        match &self.detail {
            TicketDetail::InGame(_) => None,
            TicketDetail::Support(t) => Some((t.opener, t.contact)),
            TicketDetail::Recruitment(t) => Some((t.applicant, t.contact)),
        }
    }

    /// Closes the ticket.
    pub fn close(&mut self, reason: CloseReason, by: Option<Pid>, now: OffsetDateTime) -> Result<(), TicketError> {
        if !self.is_open() {
            return Err(TicketError::AlreadyClosed(self.id));
        }
        self.closed = Some(Closure { reason, by, at: now });
        Ok(())
    }

    fn wrong_kind(&self, expected: &'static str) -> TicketError {
        TicketError::WrongKind { ticket: self.id, actual: self.kind().as_str(), expected }
    }

    /// The in-game data, or a typed error.
    pub fn in_game(&self) -> Result<&InGameTicket, TicketError> {
        match &self.detail {
            TicketDetail::InGame(t) => Ok(t),
            _ => Err(self.wrong_kind("in_game")),
        }
    }

    /// The in-game data to change, or a typed error.
    pub fn in_game_mut(&mut self) -> Result<&mut InGameTicket, TicketError> {
        match self.detail {
            TicketDetail::InGame(ref mut t) => Ok(t),
            _ => Err(self.wrong_kind("in_game")),
        }
    }

    /// The recruitment data, or a typed error.
    pub fn recruitment(&self) -> Result<&RecruitmentTicket, TicketError> {
        match &self.detail {
            TicketDetail::Recruitment(t) => Ok(t),
            _ => Err(self.wrong_kind("recruitment")),
        }
    }

    /// The recruitment data to change, or a typed error.
    pub fn recruitment_mut(&mut self) -> Result<&mut RecruitmentTicket, TicketError> {
        match self.detail {
            TicketDetail::Recruitment(ref mut t) => Ok(t),
            _ => Err(self.wrong_kind("recruitment")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PidKey;

    fn support(now: OffsetDateTime) -> Ticket {
        let key = PidKey::new(&[3; 32]).unwrap();
        let user = crate::UserId::new(77);
        Ticket {
            id: TicketId::new(1),
            guild: GuildId::new(2),
            channel: None,
            channel_name: "support-1".into(),
            detail: TicketDetail::Support(SupportTicket {
                opener: key.user(user),
                contact: key.seal(user),
                question: "help".into(),
                slot: 0,
            }),
            opened_at: now,
            closed: None,
            claim: None,
            timers: Default::default(),
            activity: Default::default(),
            version: 0,
        }
    }

    #[test]
    fn close_reasons_round_trip_through_their_codes() {
        let all = [
            CloseReason::Resolved { resolution: "fixed".into() },
            CloseReason::PlayerLoggedOut,
            CloseReason::Declined,
            CloseReason::Finalised,
            CloseReason::ChannelDeleted,
            CloseReason::ChannelFailed,
            CloseReason::ClosedByOpener,
            CloseReason::CloseRequestUnanswered,
            CloseReason::Inactive,
        ];
        for reason in all {
            let (code, resolution) = reason.code();
            assert_eq!(CloseReason::from_code(code, resolution.map(str::to_owned)), Some(reason.clone()), "{code}");
        }
        assert_eq!(CloseReason::from_code("resolved", None), None, "a resolution is needed");
        assert_eq!(CloseReason::from_code("lost", None), None);
    }

    #[test]
    fn closing_is_final() {
        let now = OffsetDateTime::UNIX_EPOCH;
        let mut t = support(now);
        assert!(t.open_key().is_some());
        t.close(CloseReason::ChannelDeleted, None, now).unwrap();
        assert!(!t.is_open());
        assert_eq!(t.open_key(), None);
        assert_eq!(t.close(CloseReason::ChannelDeleted, None, now), Err(TicketError::AlreadyClosed(t.id)));
    }

    #[test]
    fn kind_accessors_refuse_the_wrong_kind() {
        let mut t = support(OffsetDateTime::UNIX_EPOCH);
        assert_eq!(
            t.in_game_mut().unwrap_err(),
            TicketError::WrongKind { ticket: TicketId::new(1), actual: "support", expected: "in_game" }
        );
        assert!(t.recruitment().is_err());
    }
}

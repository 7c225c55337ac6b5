//! What a ticket keeps for feedback and statistics: the first staff response, the staff member who closed it, and
//! the opener's rating (1–5 stars, an optional comment) asked for in a DM at close.
//!
//! Everything here is on the [`Ticket`](crate::ticket::Ticket) ([`Activity`]), saved in the same commits as the
//! ticket; stores index what `/tickets stats` reads ([`TicketStore::ticket_stats`](crate::TicketStore)).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::effect::LogEntry;
use crate::pid::{Pid, SealedUser};
use crate::settings::{GuildSettings, PostedMessage};
use crate::ticket::{CloseReason, Ticket, TicketDetail};

/// The longest feedback comment kept (the modal's own limit).
pub const COMMENT_MAX: usize = 1000;

/// A rating, from 1 to 5 stars.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Rating(u8);

impl Rating {
    /// The most stars.
    pub const MAX: u8 = 5;

    /// A rating of `stars`, if it is from 1 to 5.
    pub fn new(stars: u8) -> Option<Self> {
        (1..=Self::MAX).contains(&stars).then_some(Self(stars))
    }

    /// Its stars.
    pub fn get(self) -> u8 {
        self.0
    }

    /// Every rating, from 1 to 5.
    pub fn all() -> impl Iterator<Item = Rating> {
        (1..=Self::MAX).map(Self)
    }

    /// `★★★★☆`.
    pub fn stars(self) -> String {
        let full = usize::from(self.0);
        format!("{}{}", "★".repeat(full), "☆".repeat(usize::from(Self::MAX) - full))
    }
}

impl TryFrom<u8> for Rating {
    type Error = String;

    fn try_from(value: u8) -> Result<Self, Self::Error> {
        Self::new(value).ok_or_else(|| format!("a rating is from 1 to 5, not {value}"))
    }
}

impl From<Rating> for u8 {
    fn from(value: Rating) -> Self {
        value.0
    }
}

/// A staff member's mark on a ticket: who (as a pid, and sealed to mention them in statistics) and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffMark {
    /// Who.
    pub by: Pid,
    /// Who, sealed.
    pub contact: SealedUser,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// The opener's answer to the feedback prompt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedbackAnswer {
    /// The stars.
    pub rating: Rating,
    /// What they wrote, if anything (mentions sealed, like every text a person typed).
    pub comment: Option<String>,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// The ticket's log entry as it was posted: what the feedback is shown on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostedLog {
    /// Where.
    pub message: PostedMessage,
    /// What it says (rendered again, with the feedback, when the feedback comes).
    pub entry: LogEntry,
}

/// The feedback prompt of a closed ticket: present once the opener was asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedbackPrompt {
    /// When the opener was asked.
    #[serde(with = "time::serde::rfc3339")]
    pub asked_at: OffsetDateTime,
    /// The log entry, once posted (none without a log channel).
    pub log: Option<PostedLog>,
    /// Their answer, once given: one per ticket.
    pub answer: Option<FeedbackAnswer>,
}

/// What a ticket keeps for statistics and feedback. Tickets stored before this existed have none of it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Activity {
    /// The first time a staff member wrote in the ticket or claimed it.
    pub first_response: Option<StaffMark>,
    /// The staff member who closed it (resolved, decided the application), sealed; `None` when the opener, a
    /// clock or a deleted channel closed it.
    pub closed_by: Option<SealedUser>,
    /// The feedback prompt, once the opener was asked.
    pub feedback: Option<FeedbackPrompt>,
}

impl Activity {
    /// Notes a staff member's response, if it is the first (`contact` is sealed only then: every staff message of
    /// a ticket asks).
    pub fn note_response(&mut self, by: Pid, contact: impl FnOnce() -> SealedUser, at: OffsetDateTime) -> bool {
        if self.first_response.is_some() {
            return false;
        }
        self.first_response = Some(StaffMark { by, contact: contact(), at });
        true
    }

    /// The rating given, if any.
    pub fn rating(&self) -> Option<Rating> {
        self.feedback.as_ref().and_then(|f| f.answer.as_ref()).map(|a| a.rating)
    }
}

/// Whether a log entry is the one of a ticket closing (what the opener's feedback is shown on).
pub fn closes_ticket(entry: &LogEntry) -> bool {
    matches!(
        entry,
        LogEntry::SupportResolved { .. }
            | LogEntry::TicketClosed { .. }
            | LogEntry::Recruitment { action: crate::recruitment::RecruitmentStatus::Finalised, .. }
    )
}

/// Whether the opener of `ticket`, just closed, is asked for feedback: the guild collects it, the ticket has a
/// Discord opener (in-game tickets have none), and it was not a declined application or a channel that could never
/// be made.
pub fn wants_feedback(ticket: &Ticket, settings: &GuildSettings) -> bool {
    let reason = ticket.closed.as_ref().map(|c| &c.reason);
    settings.closing.feedback
        && matches!(ticket.detail, TicketDetail::Support(_) | TicketDetail::Recruitment(_))
        && !matches!(reason, None | Some(CloseReason::Declined | CloseReason::ChannelFailed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratings_are_one_to_five() {
        assert_eq!(Rating::new(0), None);
        assert_eq!(Rating::new(6), None);
        assert_eq!(Rating::new(4).map(Rating::stars).as_deref(), Some("★★★★☆"));
        assert_eq!(Rating::all().count(), 5);
        assert!(serde_json::from_str::<Rating>("9").is_err());
        assert_eq!(serde_json::from_str::<Rating>("3").ok(), Rating::new(3));
    }

    #[test]
    fn only_the_first_response_counts() {
        let key = crate::PidKey::new(&[1; 32]).unwrap();
        let (a, b) = (crate::UserId::new(1), crate::UserId::new(2));
        let mut activity = Activity::default();
        let t0 = OffsetDateTime::UNIX_EPOCH;
        assert!(activity.note_response(key.user(a), || key.seal(a), t0));
        assert!(!activity.note_response(key.user(b), || key.seal(b), t0 + time::Duration::minutes(1)));
        assert_eq!(activity.first_response.map(|m| m.by), Some(key.user(a)));
    }
}

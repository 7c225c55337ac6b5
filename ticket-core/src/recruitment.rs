//! Recruitment applications and their state machine.
//!
//! The machine is pure: [`RecruitmentStatus::next`] is the whole transition table, and
//! [`Application::handle`] applies an input at a given time and returns the effects to run, or a typed error.
//!
//! ```text
//! Pending ──Q&A──▶ QnaReceived ──approve──▶ Approved ──finalise──▶ Finalised
//!    │                 │                        │                      │
//!    └──decline────────┴──▶ Declined            └──remove──▶ Removed ◀─┘
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::effect::{Destination, Effect, LogEntry, Notice};
use crate::id::{ApplicationId, GuildId, TicketId};
use crate::pid::{Pid, SealedUser};
use crate::qna::QnaAnswer;
use crate::relay::clean_text;
use crate::settings::{ApplicantAccess, GuildSettings, PostedMessage};

/// The role an applicant asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestedRole {
    /// A full member.
    Member,
    /// An affiliate.
    Affiliate,
}

impl RequestedRole {
    /// The topic-marker form: `member` or `affiliate`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Member => "member",
            Self::Affiliate => "affiliate",
        }
    }

    /// Parses `member` or `affiliate`, ignoring case.
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "member" => Some(Self::Member),
            "affiliate" => Some(Self::Affiliate),
            _ => None,
        }
    }
}

impl fmt::Display for RequestedRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Member => "Member",
            Self::Affiliate => "Affiliate",
        })
    }
}

/// Where an application stands; shown on the permanent record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecruitmentStatus {
    /// Step 1 submitted, waiting for Q&A.
    Pending,
    /// Q&A answered, waiting for staff.
    QnaReceived,
    /// Approved: role granted, waiting for RSI acceptance.
    Approved,
    /// Declined with a reason.
    Declined,
    /// Accepted on RSI; the ticket is closed.
    Finalised,
    /// Removed from the org after joining.
    Removed,
}

impl RecruitmentStatus {
    /// Every status.
    pub const ALL: [Self; 6] =
        [Self::Pending, Self::QnaReceived, Self::Approved, Self::Declined, Self::Finalised, Self::Removed];

    /// The transition table. Anything not listed is [`RecruitmentError::InvalidTransition`]; a decline
    /// without a reason is [`RecruitmentError::ReasonRequired`].
    pub fn next(self, input: &RecruitmentInput) -> Result<Self, RecruitmentError> {
        use RecruitmentInput as I;
        use RecruitmentStatus as S;
        match (self, input) {
            (S::Pending, I::QnaSubmitted) => Ok(S::QnaReceived),
            (S::QnaReceived, I::Approve) => Ok(S::Approved),
            (S::Approved, I::Finalise) => Ok(S::Finalised),
            (S::Pending | S::QnaReceived, I::Decline(reason)) => {
                reason.as_ref().map(|_| S::Declined).ok_or(RecruitmentError::ReasonRequired)
            }
            (S::Approved | S::Finalised, I::Remove) => Ok(S::Removed),
            (from, input) => Err(RecruitmentError::InvalidTransition { from, input: input.kind() }),
        }
    }

    /// Whether no input moves this status any more.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Declined | Self::Removed)
    }
}

impl fmt::Display for RecruitmentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Pending => "Pending",
            Self::QnaReceived => "Q&A received",
            Self::Approved => "Approved",
            Self::Declined => "Declined",
            Self::Finalised => "Finalised",
            Self::Removed => "Removed",
        })
    }
}

/// A staff decline reason: required, cleaned, at most [`DeclineReason::MAX_LEN`] characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeclineReason(String);

impl DeclineReason {
    /// The longest reason kept (a modal paragraph's limit is larger; the record embed's field is 1024).
    pub const MAX_LEN: usize = 1000;

    /// Checks a reason: `None` if it is blank.
    pub fn new(raw: &str) -> Option<Self> {
        let text = clean_text(raw).trim().to_owned();
        if text.is_empty() {
            return None;
        }
        Some(Self(text.chars().take(Self::MAX_LEN).collect()))
    }

    /// The reason.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What can happen to an application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RecruitmentInput {
    /// The applicant finished the Quick Q&A.
    QnaSubmitted,
    /// Staff approved.
    Approve,
    /// Staff declined; `None` when the reason was left blank.
    Decline(Option<DeclineReason>),
    /// Staff confirmed RSI acceptance.
    Finalise,
    /// Staff marked the member removed.
    Remove,
}

/// The name of an input, for errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecruitmentInputKind {
    /// [`RecruitmentInput::QnaSubmitted`].
    QnaSubmitted,
    /// [`RecruitmentInput::Approve`].
    Approve,
    /// [`RecruitmentInput::Decline`].
    Decline,
    /// [`RecruitmentInput::Finalise`].
    Finalise,
    /// [`RecruitmentInput::Remove`].
    Remove,
}

impl fmt::Display for RecruitmentInputKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::QnaSubmitted => "submit the Q&A for",
            Self::Approve => "approve",
            Self::Decline => "decline",
            Self::Finalise => "finalise",
            Self::Remove => "remove",
        })
    }
}

impl RecruitmentInput {
    /// Every input, with a reason for Decline.
    pub fn all() -> Vec<Self> {
        vec![
            Self::QnaSubmitted,
            Self::Approve,
            Self::Decline(DeclineReason::new("not a fit")),
            Self::Decline(None),
            Self::Finalise,
            Self::Remove,
        ]
    }

    /// The input's name.
    pub fn kind(&self) -> RecruitmentInputKind {
        match self {
            Self::QnaSubmitted => RecruitmentInputKind::QnaSubmitted,
            Self::Approve => RecruitmentInputKind::Approve,
            Self::Decline(_) => RecruitmentInputKind::Decline,
            Self::Finalise => RecruitmentInputKind::Finalise,
            Self::Remove => RecruitmentInputKind::Remove,
        }
    }
}

/// Why the machine refused an input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecruitmentError {
    /// The input does not apply in this status.
    #[error("cannot {input} an application that is {from}")]
    InvalidTransition {
        /// The status it was in.
        from: RecruitmentStatus,
        /// What was asked.
        input: RecruitmentInputKind,
    },
    /// Decline needs a reason.
    #[error("a decline reason is required")]
    ReasonRequired,
    /// Approve needs the Member/Affiliate role mapped with `/roles`.
    #[error("no {0} role is set: map it with /roles set")]
    RoleNotConfigured(RequestedRole),
}

/// What the applicant filled in at Step 1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step1 {
    /// Member or Affiliate.
    pub requested: RequestedRole,
    /// The chosen recruitment option.
    pub area: String,
    /// The applicant's time zone as they gave it (an IANA name or a UTC offset).
    pub time_zone: String,
    /// Their RSI handle.
    pub rsi_handle: String,
    /// A short intro.
    pub notes: String,
}

/// A status change, for the record's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    /// The new status.
    pub status: RecruitmentStatus,
    /// Who caused it (the applicant for Q&A).
    pub by: Pid,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// A recruitment application: the long-lived part of a recruitment ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Application {
    /// Its id.
    pub id: ApplicationId,
    /// The guild.
    pub guild: GuildId,
    /// The recruitment ticket it came from.
    pub ticket: TicketId,
    /// The applicant.
    pub applicant: Pid,
    /// The applicant, sealed, to mention, DM and grant roles.
    pub contact: SealedUser,
    /// The applicant's display name when they applied.
    pub applicant_name: String,
    /// Where it stands.
    pub status: RecruitmentStatus,
    /// The Step 1 answers.
    pub form: Step1,
    /// The time zone described with its UTC offset when Step 1 was submitted (`Europe/Berlin (UTC+01:00)`).
    pub tz_info: Option<String>,
    /// Submitted Q&A answers, in question order.
    pub qna: Vec<QnaAnswer>,
    /// Answers of Q&A pages submitted so far, while more pages remain.
    pub qna_draft: Vec<QnaAnswer>,
    /// The staff reason, once declined.
    pub decline_reason: Option<String>,
    /// The permanent record message, once posted.
    pub record: Option<PostedMessage>,
    /// The Q&A prompt message in the ticket, once posted.
    pub qna_prompt: Option<PostedMessage>,
    /// Every status it has had.
    pub history: Vec<StatusChange>,
    /// When Step 1 was submitted.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Last change.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// Optimistic-concurrency version, maintained by the store.
    pub version: u64,
}

/// Who acts on an application, and the guild's settings at that moment.
#[derive(Debug, Clone, Copy)]
pub struct RecruitmentContext<'a> {
    /// The guild's settings.
    pub settings: &'a GuildSettings,
    /// The actor.
    pub by: Pid,
    /// The actor, sealed, for the log mention.
    pub by_contact: SealedUser,
    /// The actor's display name.
    pub by_name: &'a str,
}

impl Application {
    /// Applies `input` at `now`: moves the status and returns the effects to run.
    pub fn handle(
        &mut self,
        input: RecruitmentInput,
        ctx: RecruitmentContext<'_>,
        now: OffsetDateTime,
    ) -> Result<Vec<Effect>, RecruitmentError> {
        let next = self.status.next(&input)?;
        let settings = ctx.settings;
        let log = |action, reason: Option<String>| {
            settings.targets.log_channel.map(|channel| {
                let to = Destination::Channel(channel);
                let notice = Notice::Log(LogEntry::Recruitment {
                    app: self.id,
                    action,
                    applicant: self.contact,
                    by: ctx.by_contact,
                    by_name: ctx.by_name.to_owned(),
                    reason,
                });
                // Declining and finalising close the ticket: its transcript goes with the log entry.
                if matches!(action, RecruitmentStatus::Declined | RecruitmentStatus::Finalised) {
                    Effect::PostTranscript { ticket: self.ticket, to, notice }
                } else {
                    Effect::Post { to, notice }
                }
            })
        };
        let mut effects = Vec::new();
        match &input {
            RecruitmentInput::QnaSubmitted => {
                effects.push(Effect::CompleteQnaPrompt { app: self.id });
                effects.push(Effect::Post {
                    to: Destination::Ticket(self.ticket),
                    notice: Notice::QnaSummary { app: self.id, answers: self.qna.clone() },
                });
            }
            RecruitmentInput::Approve => {
                let role = settings
                    .org_roles
                    .for_request(self.form.requested)
                    .ok_or(RecruitmentError::RoleNotConfigured(self.form.requested))?;
                effects.push(Effect::GrantRole { guild: self.guild, user: self.contact, role });
                if settings.nick_sync {
                    effects.push(Effect::SyncNickname {
                        guild: self.guild,
                        user: self.contact,
                        rsi_handle: self.form.rsi_handle.clone(),
                        log_channel: settings.targets.log_channel,
                    });
                }
                if settings.applicant_access != ApplicantAccess::Keep {
                    effects.push(Effect::SetMemberAccess {
                        ticket: self.ticket,
                        user: self.contact,
                        access: settings.applicant_access,
                    });
                }
                effects.extend(log(next, None));
                effects.push(Effect::Post {
                    to: Destination::Ticket(self.ticket),
                    notice: Notice::FinaliseControl { app: self.id, by_name: ctx.by_name.to_owned() },
                });
            }
            RecruitmentInput::Decline(reason) => {
                let reason = reason.as_ref().map(|r| r.as_str().to_owned());
                self.decline_reason.clone_from(&reason);
                effects.extend(log(next, reason));
                effects.push(Effect::Post { to: Destination::Dm(self.contact), notice: Notice::DeclinedDm });
                effects.push(Effect::DeleteTicketChannel { ticket: self.ticket });
            }
            RecruitmentInput::Finalise => {
                effects.extend(log(next, None));
                effects.push(Effect::DeleteTicketChannel { ticket: self.ticket });
            }
            RecruitmentInput::Remove => effects.extend(log(next, None)),
        }
        effects.push(Effect::UpdateRecord { app: self.id });
        self.status = next;
        self.history.push(StatusChange { status: next, by: ctx.by, at: now });
        self.updated_at = now;
        Ok(effects)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_decline_reasons_are_none() {
        assert_eq!(DeclineReason::new(" \n\t "), None);
        assert_eq!(DeclineReason::new(" no mic ").map(|r| r.as_str().to_owned()), Some("no mic".into()));
        assert_eq!(DeclineReason::new(&"x".repeat(5000)).map(|r| r.as_str().len()), Some(1000));
    }

    #[test]
    fn requested_roles_parse_from_topic_markers() {
        assert_eq!(RequestedRole::parse("Member"), Some(RequestedRole::Member));
        assert_eq!(RequestedRole::parse("affiliate"), Some(RequestedRole::Affiliate));
        assert_eq!(RequestedRole::parse("admin"), None);
    }
}

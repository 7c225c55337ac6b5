//! Panel support tickets: open from the panel's modal, resolve with the staff modal.

use crate::effect::{ChainKey, Destination, Effect, LogEntry, Notice};
use crate::id::{ChannelId, GuildId, TicketId};
use crate::permissions::Actor;
use crate::ports::{Commit, TranscriptAuthor, TranscriptEntry};
use crate::settings::TicketType;
use crate::ticket::{CloseReason, SupportTicket, TicketDetail};

use super::panel::PanelTicket;
use super::{Action, Desk, DeskError, retry_on_conflict, typed_text};

/// The longest opening question or resolution accepted (the modal's own limit).
const FORM_TEXT_MAX: usize = 1000;

/// A ticket opened from a panel, and where its channel stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Opened {
    /// The ticket.
    pub ticket: TicketId,
    /// Its channel, if it was created already (it is, unless Discord is down; the outbox then finishes later).
    pub channel: Option<ChannelId>,
    /// Discord refused the channel for good (the guild is at its channel cap, a permission is missing): the ticket
    /// is closed, staff were told in the log, and the person should be told too.
    pub failed: bool,
    /// The guild is at Discord's channel cap and the ticket waits in line for a channel: its place, from 1.
    pub queued: Option<usize>,
}

impl Opened {
    /// Whether the channel is still being made (neither created nor refused yet): ask
    /// [`Desk::opening`](crate::Desk::opening) again later.
    pub fn pending(&self) -> bool {
        self.channel.is_none() && !self.failed
    }
}

impl Desk {
    /// A member submitted the opening-question modal: their private support channel opens and staff are pinged.
    pub async fn open_support_ticket(
        &self,
        guild: GuildId,
        opener: &Actor,
        question: &str,
    ) -> Result<Opened, DeskError> {
        let question = self.sealed(typed_text("question", question, FORM_TEXT_MAX)?);
        let ticket = retry_on_conflict!(self.try_open_support(guild, opener, &question).await)?;
        self.opening(ticket).await
    }

    async fn try_open_support(&self, guild: GuildId, opener: &Actor, question: &str) -> Result<TicketId, DeskError> {
        self.try_open_panel_ticket(guild, opener, TicketType::Support, false, |settings, _, pid, contact| PanelTicket {
            detail: TicketDetail::Support(SupportTicket {
                opener: pid,
                contact,
                question: question.to_owned(),
                slot: 0,
            }),
            welcome: Notice::SupportWelcome {
                opener: contact,
                question: question.to_owned(),
                ping: settings.ping_roles.support.into_iter().collect(),
            },
            transcript: Some(question.to_owned()),
            then: Vec::new(),
        })
        .await
    }

    /// Staff submitted the Resolve (Staff) modal in a support ticket: the result is logged, the opener is DMed if
    /// DM-on-close is on, and the channel is deleted.
    pub async fn resolve_ticket(
        &self,
        channel: ChannelId,
        staff: &Actor,
        resolution: &str,
    ) -> Result<TicketId, DeskError> {
        let resolution = self.sealed(typed_text("resolution", resolution, FORM_TEXT_MAX)?);
        retry_on_conflict!(self.try_resolve(channel, staff, &resolution).await)
    }

    async fn try_resolve(&self, channel: ChannelId, staff: &Actor, resolution: &str) -> Result<TicketId, DeskError> {
        let Some(mut ticket) = self.ports.store.ticket_by_channel(channel).await? else {
            return Err(DeskError::NotATicket(channel));
        };
        let settings = self.settings(ticket.guild).await?;
        self.require(staff, &settings, Action::Resolve)?;
        let TicketDetail::Support(support) = &ticket.detail else {
            return Err(crate::ticket::TicketError::WrongKind {
                ticket: ticket.id,
                actual: ticket.kind().as_str(),
                expected: "support",
            }
            .into());
        };
        let (opener, question) = (support.contact, support.question.clone());
        let now = self.ports.clock.now();
        let by = self.pid_of(staff.user);
        ticket.close(CloseReason::Resolved { resolution: resolution.to_owned() }, Some(by), now)?;
        ticket.activity.closed_by = Some(self.key.seal(staff.user));
        let id = ticket.id;
        let chain = ChainKey::Ticket(id);
        let mut effects = Vec::new();
        if let Some(log) = settings.targets.log_channel {
            let entry = LogEntry::SupportResolved {
                ticket: id,
                channel_name: ticket.channel_name.clone(),
                opener,
                by: self.key.seal(staff.user),
                by_name: staff.display_name.clone(),
                question,
                resolution: resolution.to_owned(),
                reopen: settings.closing.reopen_window_hours.is_some(),
            };
            let to = Destination::Channel(log);
            effects.push(Effect::PostTranscript { ticket: id, to, notice: Notice::Log(entry) });
        }
        if settings.dm_on_close {
            let notice =
                Notice::ResolvedDm { channel_name: ticket.channel_name.clone(), resolution: resolution.to_owned() };
            effects.push(Effect::PostTranscript { ticket: id, to: Destination::Dm(opener), notice });
        }
        effects.extend(super::feedback::ask_feedback(&mut ticket, &settings, now));
        effects.push(Effect::DeleteTicketChannel { ticket: id });
        let commit = Commit {
            tickets: vec![ticket],
            transcript: vec![TranscriptEntry::line(
                id,
                now,
                TranscriptAuthor::staff(by, staff.display_name.clone()),
                format!("Resolved: {resolution}"),
            )],
            enqueue: effects.into_iter().map(|e| (chain, e)).collect(),
            ..Commit::default()
        };
        self.save_and_run(commit).await?;
        tracing::info!(ticket = %id, by = %by, "support ticket resolved");
        Ok(id)
    }
}

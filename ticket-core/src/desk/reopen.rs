//! Reopening a closed support ticket from its log entry (the Reopen button, there while `/tickets set-closing
//! reopen_window_hours` is set): staff of support tickets open a new ticket for the same member, with the same
//! question, whose channel starts with the last lines of the old one.

use crate::effect::Notice;
use crate::id::TicketId;
use crate::permissions::{Actor, Permissions};
use crate::ports::TranscriptAuthor;
use crate::settings::TicketType;
use crate::ticket::{SupportTicket, TicketDetail};

use super::panel::PanelTicket;
use super::transcripts::require_handler;
use super::{Desk, DeskError, Opened, retry_on_conflict};

/// How many of the old ticket's last lines the reopened channel shows.
pub const REOPEN_RECAP_LINES: usize = 10;

impl Desk {
    /// The Reopen button on a closed support ticket's log entry: a new ticket for its opener, within the guild's
    /// reopening window.
    pub async fn reopen_ticket(&self, old: TicketId, staff: &Actor) -> Result<Opened, DeskError> {
        let ticket = retry_on_conflict!(self.try_reopen(old, staff).await)?;
        self.opening(ticket).await
    }

    async fn try_reopen(&self, old: TicketId, staff: &Actor) -> Result<TicketId, DeskError> {
        let store = &self.ports.store;
        let ticket = store.ticket(old).await?.ok_or(DeskError::TicketNotFound(old))?;
        self.same_guild(staff, ticket.guild)?;
        let settings = self.settings(ticket.guild).await?;
        let pid = self.pid_of(staff.user);
        require_handler(staff, &settings, &ticket, pid)?;
        let TicketDetail::Support(support) = &ticket.detail else {
            return Err(crate::ticket::TicketError::WrongKind {
                ticket: old,
                actual: ticket.kind().as_str(),
                expected: "support",
            }
            .into());
        };
        let Some(closed) = &ticket.closed else { return Err(DeskError::StillOpen { channel: ticket.channel }) };
        let Some(window) = settings.closing.reopen_window_hours else { return Err(DeskError::ReopenOff) };
        let now = self.ports.clock.now();
        if closed.at + time::Duration::hours(i64::from(window)) < now {
            return Err(DeskError::ReopenTooLate { hours: window });
        }
        let entries = store.transcript(old).await?;
        // The opener as they last wrote in the ticket: their name names the new channel.
        let name = entries
            .iter()
            .rev()
            .find_map(|l| match &l.author {
                TranscriptAuthor::Member { pid, name, .. } if *pid == support.opener => Some(name.clone()),
                _ => None,
            })
            .unwrap_or_else(|| "member".to_owned());
        let opener =
            Actor::member(ticket.guild, self.key.open(&support.contact)?, name, Vec::new(), Permissions::empty());
        let kept: Vec<_> = entries.iter().filter(|l| l.deleted_at.is_none()).collect();
        let lines: Vec<(String, String)> = kept[kept.len().saturating_sub(REOPEN_RECAP_LINES)..]
            .iter()
            .map(|l| {
                let who = match &l.author {
                    TranscriptAuthor::Player { name } => name.to_string(),
                    TranscriptAuthor::Member { name, .. } => name.clone(),
                    TranscriptAuthor::System => "RagnaSync".to_owned(),
                };
                (who, l.current_text().to_owned())
            })
            .collect();
        let question = support.question.clone();
        let by_name = staff.display_name.clone();
        let new = self
            .try_open_panel_ticket(ticket.guild, &opener, TicketType::Support, true, |settings, _, pid, contact| {
                PanelTicket {
                    detail: TicketDetail::Support(SupportTicket {
                        opener: pid,
                        contact,
                        question: question.clone(),
                        slot: 0,
                    }),
                    welcome: Notice::SupportWelcome {
                        opener: contact,
                        question: question.clone(),
                        ping: settings.ping_roles.support.into_iter().collect(),
                    },
                    transcript: Some(question.clone()),
                    then: vec![Notice::Reopened { from: old, by_name: by_name.clone(), lines }],
                }
            })
            .await
            // Staff read why in their words: the member holds as many open tickets as the server allows.
            .map_err(|e| match e {
                DeskError::AlreadyOpen { channel, .. } => DeskError::OpenerHasTicket { channel },
                DeskError::TooManyOpen { channels, .. } => {
                    DeskError::OpenerHasTicket { channel: channels.first().copied() }
                }
                other => other,
            })?;
        tracing::info!(ticket = %new, from = %old, by = %pid, "support ticket reopened");
        Ok(new)
    }
}

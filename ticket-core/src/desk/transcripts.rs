//! Transcripts people can read: the Discord message behind each line, edits and deletions kept as they happen, the
//! transcript file posted with a closing ticket's log entry and the opener's DM or given by `/tickets transcript`,
//! and purging by the guild's retention.

use time::OffsetDateTime;

use crate::PidKey;
use crate::id::{ChannelId, GuildId, MessageId, TicketId};
use crate::message::{FileAttachment, Message};
use crate::permissions::{Actor, Permissions};
use crate::ports::{Commit, TranscriptAttachment, TranscriptChange, TranscriptChangeKind, TranscriptEntry};
use crate::render::{TranscriptView, transcript_file_name, transcript_html, transcript_text};
use crate::settings::{GuildSettings, TicketType};
use crate::ticket::Ticket;

use super::{Action, Desk, DeskError};

/// The largest transcript file sent to Discord. Discord takes up to 10 MiB per upload from a bot in any server;
/// 8 MiB leaves room for the rest of the request. A larger page goes as plain text, and a larger text loses its
/// oldest lines (the file says so).
pub const TRANSCRIPT_FILE_MAX: usize = 8 * 1024 * 1024;

/// A message written in a ticket channel, as the platform reported it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChannelPost {
    /// The Discord message, so that its later edits and deletion find its transcript line.
    pub message: Option<MessageId>,
    /// What it says.
    pub content: String,
    /// The files attached to it, as links.
    pub attachments: Vec<TranscriptAttachment>,
}

impl ChannelPost {
    /// A message that is only text.
    pub fn text(content: impl Into<String>) -> Self {
        Self { content: content.into(), ..Self::default() }
    }

    /// What a player reads in game: the text, with each attachment named (the game cannot show files).
    pub fn relay_text(&self) -> String {
        let mut text = self.content.clone();
        for a in &self.attachments {
            if !text.is_empty() {
                text.push(' ');
            }
            text.push_str(&format!("[attachment: {}]", a.name));
        }
        text
    }
}

/// Which ticket `/tickets transcript` is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TranscriptTarget {
    /// By its number.
    Ticket(TicketId),
    /// By its channel (the channel the command was run in, when nothing else is named).
    Channel(ChannelId),
}

/// The transcript of `ticket` as a file to send: the HTML page, or plain text when the page is larger than
/// [`TRANSCRIPT_FILE_MAX`] (cut to its newest lines when even the text is). Used by the outbox and by operators'
/// tools (`ticket-bot transcript`).
pub fn transcript_file(
    ticket: &Ticket,
    entries: &[TranscriptEntry],
    key: &PidKey,
    now: OffsetDateTime,
) -> FileAttachment {
    let view = TranscriptView { ticket, entries, generated_at: now };
    let html = transcript_html(&view, key);
    if html.len() <= TRANSCRIPT_FILE_MAX {
        return FileAttachment { name: transcript_file_name(ticket, "html"), data: html.into_bytes() };
    }
    drop(html);
    let mut skip = 0;
    loop {
        let view = TranscriptView { ticket, entries: &entries[skip..], generated_at: now };
        let mut text = transcript_text(&view, key);
        if skip > 0 {
            text.insert_str(
                0,
                &format!("[The {skip} oldest lines are left out: the transcript is too large to send.]\n"),
            );
        }
        if text.len() <= TRANSCRIPT_FILE_MAX || skip >= entries.len() {
            return FileAttachment { name: transcript_file_name(ticket, "txt"), data: text.into_bytes() };
        }
        // Drop a share of lines in proportion to the excess, at least one, so this ends in a few rounds.
        let excess = text.len() - TRANSCRIPT_FILE_MAX;
        let per_line = text.len() / (entries.len() - skip).max(1);
        skip += (excess / per_line.max(1)).max(1);
        skip = skip.min(entries.len());
    }
}

/// Whether `actor` writes in `ticket` as its staff: they may handle its kind of ticket and did not open it.
pub(crate) fn is_ticket_staff(actor: &Actor, settings: &GuildSettings, ticket: &Ticket, pid: crate::Pid) -> bool {
    if ticket.opener().is_some_and(|(opener, _)| opener == pid) {
        return false;
    }
    !actor.is_bot && actor.meets(staff_action(ticket.kind()).requirement(), settings)
}

/// Whether `actor` may handle `ticket` (claim it, ask to close it, reopen it, read its transcript): its staff, or
/// anyone with Manage Server.
pub(crate) fn may_handle(actor: &Actor, settings: &GuildSettings, ticket: &Ticket, pid: crate::Pid) -> bool {
    is_ticket_staff(actor, settings, ticket, pid) || actor.permissions.allows(Permissions::MANAGE_GUILD)
}

/// Refuses an actor who may not handle `ticket`, naming what its staff may do.
pub(crate) fn require_handler(
    actor: &Actor,
    settings: &GuildSettings,
    ticket: &Ticket,
    pid: crate::Pid,
) -> Result<(), DeskError> {
    if may_handle(actor, settings, ticket, pid) {
        return Ok(());
    }
    tracing::info!(actor = %pid, ticket = %ticket.id, "refused: not staff of the ticket");
    let action = staff_action(ticket.kind());
    Err(DeskError::NotPermitted { action, needs: action.requirement() })
}

/// What staff of a kind of ticket may do, and so who they are.
pub(crate) fn staff_action(kind: TicketType) -> Action {
    match kind {
        TicketType::Support => Action::Resolve,
        TicketType::InGame => Action::ReplyInGame,
        TicketType::Recruitment => Action::Review,
    }
}

impl Desk {
    /// A member edited a message in a channel: the ticket's line of that message keeps the new text beside the
    /// old. Returns the ticket, if the channel is one's (open or closed).
    pub async fn message_edited(
        &self,
        channel: ChannelId,
        message: MessageId,
        text: &str,
    ) -> Result<Option<TicketId>, DeskError> {
        let text = self.sealed(crate::relay::clean_text(text).trim().to_owned());
        self.change_line(channel, message, TranscriptChangeKind::Edited { text }).await
    }

    /// A message was deleted in a channel: the ticket's line of that message is marked deleted (and kept).
    pub async fn message_deleted(&self, channel: ChannelId, message: MessageId) -> Result<Option<TicketId>, DeskError> {
        self.change_line(channel, message, TranscriptChangeKind::Deleted).await
    }

    async fn change_line(
        &self,
        channel: ChannelId,
        message: MessageId,
        kind: TranscriptChangeKind,
    ) -> Result<Option<TicketId>, DeskError> {
        let Some(ticket) = self.ports.store.ticket_by_channel(channel).await? else { return Ok(None) };
        let change = TranscriptChange { ticket: ticket.id, message, at: self.ports.clock.now(), kind };
        self.save_and_run(Commit { transcript_changes: vec![change], ..Commit::default() }).await?;
        Ok(Some(ticket.id))
    }

    /// The transcript file of a ticket, as it stands now.
    pub(crate) async fn transcript_file(&self, ticket: TicketId) -> Result<FileAttachment, DeskError> {
        let store = &self.ports.store;
        let Some(t) = store.ticket(ticket).await? else { return Err(DeskError::TicketNotFound(ticket)) };
        let entries = store.transcript(ticket).await?;
        Ok(transcript_file(&t, &entries, &self.key, self.ports.clock.now()))
    }

    /// `/tickets transcript`: a ticket's transcript as a file, for staff of its kind (or anyone with Manage Server)
    /// and for the member who opened it.
    pub async fn transcript_for(&self, actor: &Actor, target: TranscriptTarget) -> Result<Message, DeskError> {
        let store = &self.ports.store;
        let ticket = match target {
            TranscriptTarget::Ticket(id) => store.ticket(id).await?.ok_or(DeskError::TicketNotFound(id))?,
            TranscriptTarget::Channel(channel) => {
                store.ticket_by_channel(channel).await?.ok_or(DeskError::NotATicket(channel))?
            }
        };
        self.same_guild(actor, ticket.guild)?;
        let settings = self.settings(ticket.guild).await?;
        let pid = self.pid_of(actor.user);
        let opener = ticket.opener().is_some_and(|(opener, _)| opener == pid);
        if !(opener || may_handle(actor, &settings, &ticket, pid)) {
            tracing::info!(actor = %pid, ticket = %ticket.id, "refused: another member's transcript");
            return Err(DeskError::NotPermitted {
                action: Action::Transcript,
                needs: Action::Transcript.requirement(),
            });
        }
        let entries = store.transcript(ticket.id).await?;
        let file = transcript_file(&ticket, &entries, &self.key, self.ports.clock.now());
        let text = format!(
            "Transcript of ticket #{} (#{}): {} line{}.",
            ticket.id,
            ticket.channel_name,
            entries.len(),
            if entries.len() == 1 { "" } else { "s" }
        );
        Ok(Message::text(text).with_file(file))
    }

    /// Deletes the transcripts of the guild's tickets closed longer ago than its retention
    /// (`/tickets set-transcripts`); returns how many lines went. Nothing goes without a retention set.
    pub async fn purge_expired_transcripts(&self, guild: GuildId) -> Result<u64, DeskError> {
        let settings = self.settings(guild).await?;
        let Some(days) = settings.transcripts.retention_days else { return Ok(0) };
        let before = self.ports.clock.now() - time::Duration::days(i64::from(days));
        let purged = self.ports.store.purge_transcripts(guild, before).await?;
        if purged > 0 {
            tracing::info!(%guild, lines = purged, days, "transcripts past their retention purged");
        }
        Ok(purged)
    }
}

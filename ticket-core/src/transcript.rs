//! A ticket's transcript: every line of it, in order, with who wrote it, what they attached, and what became of the
//! message afterwards (edits, deletion). Stores keep transcripts after a ticket closes, until the guild's retention
//! ([`TranscriptSettings::retention_days`](crate::settings::TranscriptSettings)) purges them; the renderers in
//! [`crate::render`] turn one into a page people can read.
//!
//! Nothing here holds a raw Discord id: members are [`Pid`]s, people mentioned in a text are sealed
//! (`crate::relay::seal_user_mentions`), and a line keeps the id of the Discord *message* it came from (not a person)
//! so that an edit or a deletion of that message finds it.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::id::{MessageId, TicketId};
use crate::pid::Pid;
use crate::relay::GameName;

/// Who wrote a transcript line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TranscriptAuthor {
    /// A player, from the game.
    Player {
        /// Their character name.
        name: GameName,
    },
    /// A Discord member (opener, applicant or staff).
    Member {
        /// Their pid.
        pid: Pid,
        /// Their display name at the time.
        name: String,
        /// Whether they wrote as staff of the ticket (they may handle its kind of ticket and did not open it).
        /// Lines stored before this was kept read `false`.
        #[serde(default)]
        staff: bool,
    },
    /// The bot.
    System,
}

impl TranscriptAuthor {
    /// A member writing as the opener or a bystander.
    pub fn member(pid: Pid, name: impl Into<String>) -> Self {
        Self::Member { pid, name: name.into(), staff: false }
    }

    /// A member writing as the ticket's staff.
    pub fn staff(pid: Pid, name: impl Into<String>) -> Self {
        Self::Member { pid, name: name.into(), staff: true }
    }
}

/// A file attached to a message, kept as a link (the file itself stays on Discord).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TranscriptAttachment {
    /// The file name.
    pub name: String,
    /// Where it can be downloaded.
    pub url: String,
}

/// A later text of a line: the message was edited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TranscriptEdit {
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The new text (people mentioned sealed, like the first).
    pub text: String,
}

/// One line of a ticket's transcript.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TranscriptEntry {
    /// The ticket.
    pub ticket: TicketId,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Who.
    pub author: TranscriptAuthor,
    /// What (the full text as first written, before any splitting).
    pub text: String,
    /// The Discord message it came from, when it came from one: edits and deletions of that message find the line
    /// by it.
    pub message: Option<MessageId>,
    /// Files attached to the message.
    pub attachments: Vec<TranscriptAttachment>,
    /// Later texts, oldest first: the last one is what the message says now.
    pub edits: Vec<TranscriptEdit>,
    /// When the message was deleted, if it was.
    pub deleted_at: Option<OffsetDateTime>,
}

impl TranscriptEntry {
    /// A line with no message behind it, no attachments, never edited.
    pub fn line(ticket: TicketId, at: OffsetDateTime, author: TranscriptAuthor, text: impl Into<String>) -> Self {
        Self {
            ticket,
            at,
            author,
            text: text.into(),
            message: None,
            attachments: Vec::new(),
            edits: Vec::new(),
            deleted_at: None,
        }
    }

    /// The line, as written in Discord message `message`.
    pub fn from_message(mut self, message: MessageId) -> Self {
        self.message = Some(message);
        self
    }

    /// The line, with files attached.
    pub fn with_attachments(mut self, attachments: Vec<TranscriptAttachment>) -> Self {
        self.attachments = attachments;
        self
    }

    /// What the line says now: its last edit, or what was first written.
    pub fn current_text(&self) -> &str {
        self.edits.last().map_or(self.text.as_str(), |e| e.text.as_str())
    }

    /// Applies a change of its message (the caller matched the message).
    pub fn apply(&mut self, change: &TranscriptChangeKind, at: OffsetDateTime) {
        match change {
            TranscriptChangeKind::Edited { text } => {
                // Discord also sends an update when only an embed appears under a link: nothing was edited then.
                if text != self.current_text() {
                    self.edits.push(TranscriptEdit { at, text: text.clone() });
                }
            }
            TranscriptChangeKind::Deleted => {
                self.deleted_at.get_or_insert(at);
            }
        }
    }
}

/// What happened to a message that has a transcript line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TranscriptChangeKind {
    /// Its author edited it.
    Edited {
        /// The new text (people mentioned sealed).
        text: String,
    },
    /// Someone deleted it.
    Deleted,
}

/// A change to the line of a Discord message, saved with [`Commit::transcript_changes`](crate::ports::Commit). A
/// change to a message no line of the ticket came from changes nothing (the message was written before the ticket
/// kept message ids, or was never kept).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TranscriptChange {
    /// The ticket.
    pub ticket: TicketId,
    /// The message.
    pub message: MessageId,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// What.
    pub kind: TranscriptChangeKind,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_keep_the_history_and_deletion_keeps_its_first_time() {
        let t0 = OffsetDateTime::UNIX_EPOCH;
        let later = t0 + time::Duration::minutes(1);
        let mut line = TranscriptEntry::line(TicketId::new(1), t0, TranscriptAuthor::System, "first")
            .from_message(MessageId::new(9));
        line.apply(&TranscriptChangeKind::Edited { text: "first".into() }, later);
        assert!(line.edits.is_empty(), "the same text again is no edit");
        line.apply(&TranscriptChangeKind::Edited { text: "second".into() }, later);
        assert_eq!(line.current_text(), "second");
        assert_eq!(line.text, "first");
        line.apply(&TranscriptChangeKind::Deleted, later);
        line.apply(&TranscriptChangeKind::Deleted, later + time::Duration::minutes(1));
        assert_eq!(line.deleted_at, Some(later));
    }

    #[test]
    fn lines_stored_before_the_staff_flag_read_as_not_staff() {
        let json = r#"{"member": {"pid": "0123456789abcdef0123456789abcdef", "name": "Ann"}}"#;
        match serde_json::from_str::<TranscriptAuthor>(json) {
            Ok(TranscriptAuthor::Member { staff, name, .. }) => assert!(!staff && name == "Ann"),
            other => panic!("{other:?}"),
        }
    }
}

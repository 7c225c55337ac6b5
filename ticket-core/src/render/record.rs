//! The permanent recruitment record.

use crate::id::ChannelId;
use crate::message::{Embed, Message};
use crate::pid::{PidKey, PidKeyError};
use crate::recruitment::{Application, RecruitmentStatus};

use super::notice::qna_fields;
use super::{People, colour, escape_markdown};

fn status_colour(status: RecruitmentStatus) -> u32 {
    match status {
        RecruitmentStatus::Pending => 0xFEE75C,
        RecruitmentStatus::QnaReceived => 0x5865F2,
        RecruitmentStatus::Approved => 0x57F287,
        RecruitmentStatus::Declined => colour::DANGER,
        RecruitmentStatus::Finalised => 0x3BA55C,
        RecruitmentStatus::Removed => 0x747F8D,
    }
}

/// The permanent record of an application, with every field of the spec: status, applicant, requested role,
/// area/focus, RSI handle, ticket link (while the ticket channel exists), time zone, notes and Q&A, and the
/// decline reason once declined.
pub fn record(app: &Application, ticket_channel: Option<ChannelId>, key: &PidKey) -> Result<Message, PidKeyError> {
    let people = People(key);
    let ticket = match ticket_channel {
        Some(channel) => format!("<#{channel}>"),
        None => "closed".into(),
    };
    let time_zone = app.tz_info.clone().unwrap_or_else(|| app.form.time_zone.clone());
    let mut embed = Embed {
        title: Some(format!("Recruitment application #{}", app.id)),
        color: Some(status_colour(app.status)),
        ..Embed::default()
    }
    .field("Status", app.status.to_string(), true)
    .field("Applicant", format!("{} ({})", people.mention(&app.contact)?, escape_markdown(&app.applicant_name)), true)
    .field("Requested role", app.form.requested.to_string(), true)
    .field("Area/focus", &app.form.area, true)
    .field("RSI handle", escape_markdown(&app.form.rsi_handle), true)
    .field("Ticket link", ticket, true)
    .field("Time zone", time_zone, true)
    .field("Notes", people.said(&app.form.notes), false);
    embed = qna_fields(embed, &app.qna, &people);
    if let Some(reason) = &app.decline_reason {
        embed = embed.field("Decline reason", people.said(reason), false);
    }
    let since = app.created_at.date();
    let changes = app.history.len();
    let plural = if changes == 1 { "" } else { "s" };
    embed.footer = Some(format!("Application {} · applied {since} · {changes} status change{plural}", app.id));
    Ok(Message::embed(embed.fit()))
}

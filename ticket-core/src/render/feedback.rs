//! What the opener reads of the feedback prompt (the DM, the comment form, the thanks), and the feedback as staff
//! read it on the ticket's log entry.

use crate::custom_id::CustomId;
use crate::feedback::{FeedbackAnswer, Rating};
use crate::id::TicketId;
use crate::message::{ButtonStyle, Component, Embed, InputStyle, Message, Modal, TextInput, cut};
use crate::pid::PidKey;

use super::{People, colour, escape_markdown};

/// How much of a comment the log entry shows (the whole comment is kept).
pub const COMMENT_SHOWN_MAX: usize = 900;

/// The DM asking for a rating: one button per star count.
pub fn feedback_prompt(ticket: TicketId, channel_name: &str) -> Message {
    let buttons = Rating::all()
        .map(|r| Component::Button {
            id: CustomId::FeedbackRate(ticket, r),
            label: format!("{} ★", r.get()),
            style: if r.get() >= 4 { ButtonStyle::Success } else { ButtonStyle::Secondary },
            disabled: false,
        })
        .collect();
    Message {
        embeds: vec![Embed {
            title: Some("How did we do?".into()),
            description: Some(format!(
                "Your ticket **#{}** is closed. How would you rate the help you got, from 1 (poor) to 5 (excellent) \
                 stars? You can add a comment next; staff see your rating and comment.",
                escape_markdown(channel_name)
            )),
            color: Some(colour::SUPPORT),
            footer: Some(format!("Ticket {ticket}")),
            ..Embed::default()
        }],
        rows: vec![buttons],
        ..Message::default()
    }
}

/// The optional comment form shown after a star button.
pub fn feedback_form(ticket: TicketId, rating: Rating) -> Modal {
    Modal {
        id: CustomId::FeedbackForm(ticket, rating),
        title: format!("Your rating: {}", rating.stars()),
        inputs: vec![TextInput {
            id: "comment".into(),
            label: "Anything to add? (optional)".into(),
            style: InputStyle::Paragraph,
            required: false,
            max_len: u16::try_from(crate::feedback::COMMENT_MAX).unwrap_or(u16::MAX),
            placeholder: Some("What went well, what could be better".into()),
        }],
    }
}

/// What the prompt DM becomes once answered: no buttons left to press.
pub fn feedback_thanks(ticket: TicketId, rating: Rating) -> Message {
    Message::embed(Embed {
        title: Some("Thank you for your feedback!".into()),
        description: Some(format!("You rated ticket {ticket} {} ({}/5).", rating.stars(), rating.get())),
        color: Some(colour::SUPPORT),
        ..Embed::default()
    })
}

/// A closing ticket's log entry as posted, with the opener's feedback added.
pub fn log_with_feedback(
    entry: &crate::effect::LogEntry,
    answer: &FeedbackAnswer,
    key: &PidKey,
) -> Result<Message, crate::pid::PidKeyError> {
    let notice = crate::effect::Notice::Log(entry.clone());
    let mut message = super::notice(&notice, key)?.into_iter().next().unwrap_or_default();
    if let Some(embed) = message.embeds.pop() {
        message.embeds.push(feedback_field(embed, answer, key));
    }
    Ok(message.fit())
}

/// The field the log entry gains: the stars and the comment, shown as typed but unable to ping anyone, cut to fit.
pub(crate) fn feedback_field(embed: Embed, answer: &FeedbackAnswer, key: &PidKey) -> Embed {
    let people = People(key);
    let stars = format!("{} ({}/5)", answer.rating.stars(), answer.rating.get());
    let value = match answer.comment.as_deref().filter(|c| !c.trim().is_empty()) {
        Some(comment) => {
            let shown = cut(&people.said(comment), COMMENT_SHOWN_MAX);
            let quoted: Vec<String> = shown.lines().map(|l| format!("> {l}")).collect();
            format!("{stars}\n{}", quoted.join("\n"))
        }
        None => stars,
    };
    embed.field("Feedback from the opener", value, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prompt_has_five_star_buttons_naming_the_ticket() {
        let m = feedback_prompt(TicketId::new(7), "support-ann");
        let ids: Vec<String> = m.rows[0]
            .iter()
            .map(|c| match c {
                Component::Button { id, .. } => id.to_string(),
                _ => String::new(),
            })
            .collect();
        assert_eq!(ids, (1..=5).map(|n| format!("feedback:rate:7:{n}")).collect::<Vec<_>>());
    }
}

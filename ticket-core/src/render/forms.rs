//! Modals and the steps of the Step 1 wizard.

use crate::custom_id::CustomId;
use crate::id::{ApplicationId, TicketId};
use crate::message::{ButtonStyle, Component, Embed, InputStyle, Message, Modal, SelectOption, TextInput};
use crate::qna::{AnswerKind, QnaQuestion};
use crate::recruitment::RequestedRole;
use crate::strings;

use super::colour;

fn input(
    id: &str,
    label: &str,
    style: InputStyle,
    required: bool,
    max_len: u16,
    placeholder: Option<&str>,
) -> TextInput {
    TextInput { id: id.into(), label: label.into(), style, required, max_len, placeholder: placeholder.map(Into::into) }
}

/// The opening-question form of a support ticket.
pub fn open_support_form() -> Modal {
    Modal {
        id: CustomId::OpenSupportForm,
        title: strings::OPEN_SUPPORT_TICKET.into(),
        inputs: vec![input(
            "question",
            "How can we help?",
            InputStyle::Paragraph,
            true,
            1000,
            Some("Describe the problem so staff can help quickly"),
        )],
    }
}

/// The Resolve (Staff) form.
pub fn resolve_form() -> Modal {
    Modal {
        id: CustomId::ResolveForm,
        title: "Resolve ticket".into(),
        inputs: vec![input(
            "resolution",
            "Resolution",
            InputStyle::Paragraph,
            true,
            1000,
            Some("What was done; this is logged and may be sent to the member"),
        )],
    }
}

/// The required decline reason form.
pub fn decline_form(app: ApplicationId) -> Modal {
    Modal {
        id: CustomId::DeclineForm(app),
        title: "Reject application".into(),
        inputs: vec![input(
            "reason",
            "Reason (kept on the record, not sent)",
            InputStyle::Paragraph,
            true,
            1000,
            Some("The applicant gets a generic message without this reason"),
        )],
    }
}

/// Step 1, after choosing Member or Affiliate: choose the area.
pub fn step1_area_step(ticket: TicketId, role: RequestedRole, options: &[String]) -> Message {
    let options = options
        .iter()
        .take(25)
        .map(|o| SelectOption { label: o.clone(), value: o.clone(), description: None })
        .collect();
    Message {
        embeds: vec![Embed {
            title: Some("Step 1 — Main area/focus".into()),
            description: Some(format!("Applying as **{role}**. Now pick your main area/focus.")),
            color: Some(colour::RECRUITMENT),
            ..Embed::default()
        }],
        rows: vec![vec![Component::Select {
            id: CustomId::Step1Area(ticket, role),
            placeholder: "Main area/focus".into(),
            options,
        }]],
        ..Message::default()
    }
}

/// Step 1, after choosing the area: the button that opens the details form.
pub fn step1_details_step(ticket: TicketId, role: RequestedRole, area: &str) -> Message {
    Message {
        embeds: vec![Embed {
            title: Some("Step 1 — About you".into()),
            description: Some(format!(
                "Applying as **{role}**, area **{area}**. Last part: your time zone, RSI handle and a short intro."
            )),
            color: Some(colour::RECRUITMENT),
            ..Embed::default()
        }],
        rows: vec![vec![Component::Button {
            id: CustomId::Step1Details(ticket, role, area.to_owned()),
            label: "Continue".into(),
            style: ButtonStyle::Primary,
            disabled: false,
        }]],
        ..Message::default()
    }
}

/// Step 1's details form.
pub fn step1_details_form(ticket: TicketId, role: RequestedRole, area: &str) -> Modal {
    Modal {
        id: CustomId::Step1Form(ticket, role, area.to_owned()),
        title: "Step 1 — About you".into(),
        inputs: vec![
            input("time_zone", "Time zone", InputStyle::Short, true, 64, Some("e.g. Europe/London or UTC+2")),
            input(
                "rsi_handle",
                "RSI handle",
                InputStyle::Short,
                true,
                60,
                Some("Your handle on robertsspaceindustries.com"),
            ),
            input("notes", "Short intro/notes", InputStyle::Paragraph, false, 1000, Some("A few words about you")),
        ],
    }
}

/// One page of the Quick Q&A (pages count from 1; at most five questions each).
pub fn qna_form(app: ApplicationId, questions: &[QnaQuestion], page: usize) -> Modal {
    let pages = QnaQuestion::pages(questions);
    let title = if pages > 1 { format!("Quick Q&A ({page}/{pages})") } else { "Quick Q&A".into() };
    let first = QnaQuestion::first_of_page(page).unwrap_or(0);
    let inputs = QnaQuestion::page(questions, page)
        .iter()
        .enumerate()
        .map(|(i, q)| TextInput {
            id: format!("q{}", first + i),
            label: q.label.clone(),
            style: if q.kind == AnswerKind::Paragraph { InputStyle::Paragraph } else { InputStyle::Short },
            required: q.required,
            max_len: u16::try_from(q.kind.max_len()).unwrap_or(u16::MAX),
            placeholder: Some(q.kind.placeholder().into()),
        })
        .collect();
    Modal { id: CustomId::Qna(app, page), title, inputs }
}

/// The Q&A prompt once a page is saved: its button now opens page `next` of `pages`.
pub fn qna_next_page(app: ApplicationId, next: usize, pages: usize) -> Message {
    Message {
        embeds: vec![Embed {
            title: Some("Quick Q&A".into()),
            description: Some(format!(
                "Page {} of {pages} saved. Press **Continue** for the next questions.",
                next.saturating_sub(1)
            )),
            color: Some(colour::RECRUITMENT),
            ..Embed::default()
        }],
        rows: vec![vec![Component::Button {
            id: CustomId::Qna(app, next),
            label: format!("Continue ({next}/{pages})"),
            style: ButtonStyle::Primary,
            disabled: false,
        }]],
        ..Message::default()
    }
}

/// The Q&A tile once answered: the active button is replaced.
pub fn qna_completed_tile(app: ApplicationId) -> Message {
    Message {
        embeds: vec![Embed {
            title: Some("Quick Q&A".into()),
            description: Some(format!("✅ {}. Staff will review your application.", strings::QNA_COMPLETED)),
            color: Some(colour::RECRUITMENT),
            ..Embed::default()
        }],
        rows: vec![vec![Component::Button {
            id: CustomId::Qna(app, 1),
            label: strings::QNA_COMPLETED.into(),
            style: ButtonStyle::Secondary,
            disabled: true,
        }]],
        ..Message::default()
    }
}

//! The feedback prompt's controls, clicked in a DM (outside any guild): a star button shows the comment form, and
//! submitting it records the rating and turns the DM into a thank-you without buttons. Who may answer is the desk's
//! to check (the ticket's opener, once).

use serenity::all::{
    ComponentInteraction, Context, CreateInteractionResponse, CreateInteractionResponseFollowup, ModalInteraction,
};
use ticket_core::desk::Desk;
use ticket_core::message::Message;
use ticket_core::{CustomId, render};

use crate::convert::{self, from};
use crate::interactions::{error_text, field};

/// A star button of the prompt.
pub(crate) async fn star(ctx: &Context, desk: &Desk, i: &ComponentInteraction, id: &CustomId) {
    let CustomId::FeedbackRate(ticket, rating) = *id else { return };
    let response = match desk.may_give_feedback(ticket, from::user(i.user.id)).await {
        Ok(()) => CreateInteractionResponse::Modal(convert::modal(&render::feedback_form(ticket, rating))),
        Err(e) => {
            CreateInteractionResponse::Message(convert::interaction_message(&Message::text(error_text(&e)), true))
        }
    };
    if let Err(error) = i.create_response(&ctx.http, response).await {
        tracing::warn!(%error, "could not answer a feedback button");
    }
}

/// The comment form: the answer is recorded, and the prompt becomes a thank-you without buttons.
pub(crate) async fn form(ctx: &Context, desk: &Desk, i: &ModalInteraction, id: &CustomId) {
    let CustomId::FeedbackForm(ticket, rating) = *id else { return };
    let user = from::user(i.user.id);
    // A refusal (answered already, not theirs, feedback turned off) is told at once.
    if let Err(e) = desk.may_give_feedback(ticket, user).await {
        let refusal = convert::interaction_message(&Message::text(error_text(&e)), true);
        if let Err(error) = i.create_response(&ctx.http, CreateInteractionResponse::Message(refusal)).await {
            tracing::warn!(%error, "could not tell why feedback was refused");
        }
        return;
    }
    // The prompt message is updated once the answer is saved (which also edits the log entry): acknowledge now.
    if let Err(error) = i.create_response(&ctx.http, CreateInteractionResponse::Acknowledge).await {
        tracing::warn!(%error, "could not answer a feedback form");
        return;
    }
    match desk.give_feedback(ticket, user, rating, &field(i, "comment")).await {
        Ok(_) => {
            let thanks = render::feedback_thanks(ticket, rating);
            if let Err(error) = i.edit_response(&ctx.http, convert::edit_response(&thanks)).await {
                tracing::warn!(%error, "could not turn the feedback prompt into its thank-you");
            }
        }
        // Refused between the check and the answer (a second form sent at the same moment).
        Err(e) => {
            let refusal = CreateInteractionResponseFollowup::new().content(error_text(&e)).ephemeral(true);
            if let Err(error) = i.create_followup(&ctx.http, refusal).await {
                tracing::warn!(%error, "could not tell why feedback was refused");
            }
        }
    }
}

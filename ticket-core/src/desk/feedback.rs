//! Feedback: at close, the opener of a support or recruitment ticket is asked in a DM for 1–5 stars (when the guild
//! collects feedback, `/tickets set-closing feedback:true`); a star button opens an optional comment form, and the
//! answer is stored on the ticket and shown on its log entry.
//!
//! The buttons carry the ticket and the stars in their `custom_id`, so nothing is kept in memory between the DM and
//! the click. A click comes from a DM, outside any guild: the clicker must be the ticket's opener (by pid), and a
//! ticket takes one answer.

use time::OffsetDateTime;

use crate::effect::{ChainKey, Destination, Effect, Notice};
use crate::feedback::{COMMENT_MAX, FeedbackAnswer, FeedbackPrompt, PostedLog, Rating, wants_feedback};
use crate::id::{TicketId, UserId};
use crate::ports::{Commit, PlatformError, StoreError};
use crate::settings::GuildSettings;
use crate::ticket::Ticket;

use super::execute::Outcome;
use super::{Desk, DeskError, retry_on_conflict};

/// Marks `ticket` (just closed) as asked for feedback and gives the DM that asks, when its opener is to be asked
/// (see [`wants_feedback`]).
pub(super) fn ask_feedback(ticket: &mut Ticket, settings: &GuildSettings, now: OffsetDateTime) -> Option<Effect> {
    if !wants_feedback(ticket, settings) || ticket.activity.feedback.is_some() {
        return None;
    }
    let (_, opener) = ticket.opener()?;
    ticket.activity.feedback = Some(FeedbackPrompt { asked_at: now, log: None, answer: None });
    let notice = Notice::FeedbackPrompt { ticket: ticket.id, channel_name: ticket.channel_name.clone() };
    Some(Effect::Post { to: Destination::Dm(opener), notice })
}

impl Desk {
    /// Whether `user` may rate `ticket` now: they opened it, were asked, have not answered yet, and the guild still
    /// collects feedback. Lets the platform refuse a star button before showing the comment form; giving the
    /// feedback checks again.
    pub async fn may_give_feedback(&self, ticket: TicketId, user: UserId) -> Result<(), DeskError> {
        self.feedback_target(ticket, user).await.map(|_| ())
    }

    /// The opener's answer to the feedback prompt: `rating` and an optional `comment` (blank for none). Stored on
    /// the ticket, and shown on its log entry.
    pub async fn give_feedback(
        &self,
        ticket: TicketId,
        user: UserId,
        rating: Rating,
        comment: &str,
    ) -> Result<FeedbackAnswer, DeskError> {
        let comment = crate::relay::clean_text(comment).trim().to_owned();
        if comment.chars().count() > COMMENT_MAX {
            return Err(DeskError::invalid("comment", super::Problem::TooLong { max: COMMENT_MAX }));
        }
        let comment = (!comment.is_empty()).then(|| self.sealed(comment));
        retry_on_conflict!(self.try_give_feedback(ticket, user, rating, comment.clone()).await)
    }

    async fn try_give_feedback(
        &self,
        id: TicketId,
        user: UserId,
        rating: Rating,
        comment: Option<String>,
    ) -> Result<FeedbackAnswer, DeskError> {
        let mut ticket = self.feedback_target(id, user).await?;
        let answer = FeedbackAnswer { rating, comment, at: self.ports.clock.now() };
        let Some(prompt) = ticket.activity.feedback.as_mut() else { return Err(DeskError::FeedbackOff) };
        prompt.answer = Some(answer.clone());
        let chain = ChainKey::Ticket(id);
        let commit = Commit {
            tickets: vec![ticket],
            enqueue: vec![(chain, Effect::ShowFeedback { ticket: id })],
            ..Commit::default()
        };
        self.save_and_run(commit).await?;
        tracing::info!(ticket = %id, rating = rating.get(), "feedback recorded");
        Ok(answer)
    }

    /// The ticket `user` wants to rate, if they may.
    async fn feedback_target(&self, id: TicketId, user: UserId) -> Result<Ticket, DeskError> {
        let ticket = self.ports.store.ticket(id).await?.ok_or(DeskError::FeedbackOff)?;
        if ticket.opener().is_none_or(|(opener, _)| opener != self.pid_of(user)) {
            tracing::info!(ticket = %id, actor = %self.pid_of(user), "refused: feedback from someone else");
            return Err(DeskError::NotOpener);
        }
        let Some(prompt) = &ticket.activity.feedback else { return Err(DeskError::FeedbackOff) };
        if prompt.answer.is_some() {
            return Err(DeskError::FeedbackGiven);
        }
        if !self.settings(ticket.guild).await?.closing.feedback {
            return Err(DeskError::FeedbackOff);
        }
        Ok(ticket)
    }

    /// A closing ticket's log entry was posted: kept on a ticket whose opener is asked for feedback (and shown with
    /// the feedback at once if it came first).
    pub(super) async fn log_posted(
        &self,
        id: TicketId,
        posted: &PostedLog,
        commit: &mut Commit,
    ) -> Result<Vec<ChainKey>, StoreError> {
        let Some(mut ticket) = self.ports.store.ticket(id).await? else { return Ok(Vec::new()) };
        let Some(prompt) = ticket.activity.feedback.as_mut().filter(|p| p.log.is_none()) else {
            return Ok(Vec::new());
        };
        prompt.log = Some(posted.clone());
        let answered = prompt.answer.is_some();
        commit.tickets.push(ticket);
        if answered {
            commit.enqueue.push((ChainKey::Ticket(id), Effect::ShowFeedback { ticket: id }));
            return Ok(vec![ChainKey::Ticket(id)]);
        }
        Ok(Vec::new())
    }

    /// Edits a ticket's log entry to show the feedback; a log entry that is gone (or never was) is skipped.
    pub(super) async fn show_feedback(&self, id: TicketId) -> Result<Outcome, DeskError> {
        let Some(ticket) = self.ports.store.ticket(id).await? else { return Ok(Outcome::Done(None)) };
        let Some(prompt) = ticket.activity.feedback else { return Ok(Outcome::Done(None)) };
        let (Some(log), Some(answer)) = (prompt.log, prompt.answer) else { return Ok(Outcome::Done(None)) };
        let message = crate::render::log_with_feedback(&log.entry, &answer, &self.key)?;
        Ok(match self.ports.chat.edit(log.message.channel, log.message.message, message).await {
            Ok(()) => Outcome::Done(None),
            Err(PlatformError::NotFound | PlatformError::Forbidden) => {
                tracing::info!(ticket = %id, "the log entry is gone; the feedback is kept without it");
                Outcome::Done(None)
            }
            Err(PlatformError::RateLimited { retry_after }) => Outcome::Throttled(retry_after),
            Err(PlatformError::Unavailable) => Outcome::Retry(None),
            Err(e) => Outcome::Dead { error: e.to_string(), follow: None },
        })
    }
}
